-- 012_ingest_fts.sql - PostgreSQL schema version 12, the twin of
-- schema/sqlite/012_ingest_fts.sql: a new incident writes one index less.
--
-- incidents_lead_unit_id: no query reads it (lists filter by force on the lead
-- without it, and units reached by a unit filter come from
-- incident_recipients); its only reader was the foreign-key check of a unit's
-- deletion, a rare administrator action.
DROP INDEX incidents_lead_unit_id;

-- Differences: the SQLite twin also tunes FTS5's segment merging (automerge,
-- crisismerge) of incidents_fts, which PostgreSQL does not have: the words of
-- an incident are its search column (003), and the GIN index's pending list
-- needs no setting here.
