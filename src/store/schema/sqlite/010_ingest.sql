-- 010_ingest.sql - schema version 10: one deadline index per acknowledgement
-- stage instead of two, and send times indexed only where an acknowledgement
-- was due, so that a new incident's recipients cost fewer index writes, and the
-- scheduler's questions read only what is pending.
--
-- 003 kept two partial indexes per stage on the deadline alone: "pending" (the
-- stages still waiting and not yet found late) for the scheduler, and "owed"
-- (waiting, whether found late or not) for the overdue filter of lists. Every
-- recipient that owes acknowledgements was written into all four, and the
-- planner, free to pick either of two indexes that both fit, took the owed one
-- for the scheduler too: its check for due stages then walked every stage ever
-- found late and never acknowledged (they stay owed for good once the incident
-- is closed) and looked up each one's incident, after every batch of the writer
-- (measured: a fifth of a core at 2,000 incidents/s).
--
-- One index per stage holds the owed stages keyed by when they were found late
-- (0: not yet) and then by the deadline:
--  - the scheduler's next deadline and its due stages ask for "found late = 0"
--    and a range of deadlines: one equality and one range, the pending stages
--    only, in deadline order;
--  - the overdue filter asks for owed stages whose deadline has passed: those
--    found late (a range, "> 0": times are positive) and those not yet (the
--    equality again), each branch of the list's query (sqlite_incidents.c).
-- The conditions are 003's "owed" ones, which the queries repeat word for word
-- so that SQLite can use the index.
DROP INDEX incident_recipients_ack_pending;
DROP INDEX incident_recipients_verify_pending;
DROP INDEX incident_recipients_ack_owed;
DROP INDEX incident_recipients_verify_owed;
CREATE INDEX incident_recipients_ack_owed ON incident_recipients (ack_overdue_at, ack_due_at)
    WHERE ack_due_at > 0 AND received_at = 0 AND refused_at = 0
      AND role IN ('lead', 'informed');
CREATE INDEX incident_recipients_verify_owed ON incident_recipients (verify_overdue_at, verify_due_at)
    WHERE verify_due_at > 0 AND verified_at = 0 AND refused_at = 0
      AND role IN ('lead', 'informed');

-- The send times serve one query, the timeliness of acknowledgements
-- (store_sq_timeliness_rows), which reads the stages that had an
-- acknowledgement deadline only: the index holds those, and the reporting
-- unit's row of a new incident (it owes nothing) no longer costs an entry.
DROP INDEX incident_recipients_sent_at;
CREATE INDEX incident_recipients_sent_at ON incident_recipients (sent_at)
    WHERE ack_due_at > 0 AND role IN ('lead', 'informed');
