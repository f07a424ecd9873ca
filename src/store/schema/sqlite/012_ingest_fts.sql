-- 012_ingest_fts.sql - schema version 12: a new incident writes one index less
-- and merges its full-text segments less often (docs/PERFORMANCE.md, "Writer
-- cost").
--
-- incidents_lead_unit_id: no query reads it. Lists filter by force with
-- "+i.lead_unit_id IN (...)" (the + keeps the planner off this index: the walk
-- newest first is cheaper), hot-spot analyses test it inside an OR, and units
-- reached by a unit filter come from incident_recipients (the lead is a
-- recipient too). Its only reader was the foreign key check of a unit's
-- deletion (a rare administrator action), which now scans incidents as it
-- already did for reporting_unit_id.
DROP INDEX incidents_lead_unit_id;

-- FTS5 merges a level's segments once it holds `automerge` of them (default
-- 4). Each commit of the writer adds one small segment, so with 4 every
-- indexed word was rewritten once per level of a base-4 tree; with 16, once per
-- level of a base-16 tree, half as many levels. A search then reads up to 15
-- segments per level instead of 3: a few more b-tree seeks per word of a
-- query. crisismerge (default
-- 16) must stay above automerge, or every commit past 16 segments would merge.
INSERT INTO incidents_fts (incidents_fts, rank) VALUES ('automerge', 16);
INSERT INTO incidents_fts (incidents_fts, rank) VALUES ('crisismerge', 64);
