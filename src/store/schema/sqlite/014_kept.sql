-- 014_kept.sql - SQLite schema version 14: no change. Its twin,
-- schema/postgres/014_kept.sql, lets a PostgreSQL connection keep categories and
-- settings between round trips and makes a JSON check cheaper; SQLite reads
-- them in process and needs neither. The versions of the two stores stay equal
-- (`phoihop migrate` copies between databases of the same version).
SELECT 1;
