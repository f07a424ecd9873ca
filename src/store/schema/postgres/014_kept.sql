-- 014_kept.sql - PostgreSQL schema version 14, the twin of
-- schema/sqlite/014_kept.sql (which changes nothing: it keeps the versions
-- equal). What a new incident reads costs no round trip on a node that read it
-- before (store/pg_int.h, "kept"):
--  - categories and settings join the reference data whose every write moves
--    ref_rev (013), so a connection may keep them while ref_rev stays;
--  - ph_json_valid (003, incident_events.detail's CHECK) becomes a plain SQL
--    expression the planner inlines: the PL/pgSQL version ran a statement and
--    a subtransaction (its EXCEPTION block) for every row. Text that is not
--    JSON is still refused, now by the json type's own error (22P02) instead
--    of the CHECK's (23514); nothing above the store tells them apart.

CREATE TRIGGER categories_ref_rev BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE
ON categories FOR EACH STATEMENT EXECUTE FUNCTION ref_rev_bump();
CREATE TRIGGER settings_ref_rev BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE
ON settings FOR EACH STATEMENT EXECUTE FUNCTION ref_rev_bump();

-- Not STRICT: a strict function is inlined only when its body is strict, and
-- IS NOT NULL is not (a NULL doc gives false; the CHECK tests NULL first).
CREATE OR REPLACE FUNCTION ph_json_valid(doc TEXT) RETURNS BOOLEAN
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN doc::json IS NOT NULL;
