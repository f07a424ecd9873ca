-- 010_ingest.sql - PostgreSQL schema version 10, the twin of
-- schema/sqlite/010_ingest.sql: one deadline index per acknowledgement stage
-- instead of two, and send times indexed only where an acknowledgement was due.
-- The same indexes as in SQLite (its file gives the reasons).
--
-- One index per stage holds the owed stages keyed by when they were found late
-- (0: not yet) and then by the deadline: the scheduler asks for "found late =
-- 0" and a range of deadlines; the overdue filter of lists for owed stages
-- whose deadline has passed. The conditions are 003's "owed" ones, which the
-- queries repeat so that the planner can use the index.
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

-- The send times serve one query, the timeliness of acknowledgements, which
-- reads the stages that had an acknowledgement deadline only.
DROP INDEX incident_recipients_sent_at;
CREATE INDEX incident_recipients_sent_at ON incident_recipients (sent_at)
    WHERE ack_due_at > 0 AND role IN ('lead', 'informed');
