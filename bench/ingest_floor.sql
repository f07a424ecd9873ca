-- ingest_floor.sql - the floor of the ingest case: the rows one new incident
-- writes (the incident, four recipients, a timeline entry, an audit entry, an
-- outbox event, the search index's queue entry by trigger, and a full-text
-- entry), for 1,000 incidents in one transaction of six INSERT ... SELECT
-- statements, with foreign keys on and synchronous=FULL, on a copy of the demo
-- database. No request, no reads, no routing, no JSON, no hash chain: the cost of
-- the rows and indexes alone, in the cheapest form SQLite offers. The full-text
-- entry goes to an FTS5 table with the unicode61 tokenizer (the sqlite3 shell
-- does not have phoihop's), made and filled with the existing incidents before
-- the timer starts. Used in docs/PERFORMANCE.md ("Ingest: the ceiling").
--
--   build/phoihop init --db /tmp/f.db && build/phoihop demo --db /tmp/f.db
--   sqlite3 /tmp/f.db < bench/ingest_floor.sql      # prints "Run Time" per statement
--
-- Run it on a throw-away copy: it adds 1,000 incidents.
PRAGMA foreign_keys = ON;
PRAGMA synchronous = FULL;
PRAGMA cache_size = -32768;
CREATE TEMP TABLE base AS
    SELECT (SELECT max(id) FROM incidents) AS m, (SELECT coalesce(max(seq), 0) FROM audit_log) AS a;
CREATE TEMP TABLE k AS
    WITH RECURSIVE s(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM s WHERE k < 1000) SELECT k FROM s;
CREATE TEMP TABLE area_ids AS SELECT row_number() OVER (ORDER BY id) AS n, id FROM areas;
CREATE TEMP TABLE unit_ids AS SELECT row_number() OVER (ORDER BY id) AS n, id FROM units;
CREATE TEMP TABLE roles AS
    SELECT 1 AS n, 'reporting' AS role UNION ALL SELECT 2, 'lead'
    UNION ALL SELECT 3, 'informed' UNION ALL SELECT 4, 'informed';
CREATE VIRTUAL TABLE IF NOT EXISTS floor_fts USING fts5(title, description, ref,
    tokenize = "unicode61 remove_diacritics 2");
INSERT INTO floor_fts (rowid, title, description, ref) SELECT id, title, description, ref FROM incidents;
.timer on
BEGIN;
INSERT INTO incidents (id, ref, category_id, severity, title, description, occurred_at,
                       detected_at, reported_at, lat, lon, area_id, reporting_unit_id,
                       lead_unit_id, people_involved, classification, status, cap_status,
                       report_due_at, created_by, created_at, updated_at)
SELECT b.m + k, printf('FL-2027-%06d', b.m + k), (SELECT min(id) FROM categories), 2,
       'Tụ tập gây rối trật tự tại chợ, cần lực lượng hỗ trợ ' || k,
       'Khoảng 20 thanh niên tụ tập, có dấu hiệu gây rối. Tổ công tác đang theo dõi. '
       || 'Trạm ra đa và tổ tuần tra phát hiện vụ việc tại vùng biển, cách bờ khoảng 1 hải lý.',
       1795879963607 + k * 1000, 1795879963607 + k * 1000, 1795879963607 + k * 1000,
       10.0 + (abs(random()) % 1000) / 2000.0, 106.2 + (abs(random()) % 1000) / 2000.0,
       (SELECT id FROM area_ids WHERE n = 1 + k % (SELECT count(*) FROM area_ids)),
       (SELECT id FROM unit_ids WHERE n = 1), (SELECT id FROM unit_ids WHERE n = 2), 20, 0, 'new',
       'actual', 1795879963607 + k * 1000 + 1800000, 0, 1795879963607 + k * 1000,
       1795879963607 + k * 1000
FROM k, base b;
INSERT INTO incident_recipients (incident_id, unit_id, role, sent_at, ack_due_at, verify_due_at)
SELECT b.m + k, u.id, r.role, 1795879963607,
       CASE WHEN r.role = 'reporting' THEN 0 ELSE 1795881763607 END,
       CASE WHEN r.role = 'reporting' THEN 0 ELSE 1795887163607 END
FROM k, base b, roles r JOIN unit_ids u ON u.n = r.n;
INSERT INTO incident_events (incident_id, at, person_id, kind, unit_id, detail)
SELECT b.m + k, 1795879963607, 0, 'created', (SELECT id FROM unit_ids WHERE n = 1),
       json_object('ref', printf('FL-2027-%06d', b.m + k), 'note', substr(hex(randomblob(60)), 1, 100))
FROM k, base b;
INSERT INTO audit_log (seq, at, actor_id, actor, action, item_kind, item_id, client, detail,
                       prev_hash, hash)
SELECT b.a + k, 1795879963607, 0, 'demo.duty', 'incident.create', 'incident', b.m + k,
       '127.0.0.1', substr(hex(randomblob(100)), 1, 190), randomblob(32), randomblob(32)
FROM k, base b;
INSERT INTO outbox (at, topic, item_kind, item_id, payload, access_kind, classification, scope_paths)
SELECT 1795879963607, 'incident.created', 'incident', b.m + k,
       json_object('id', b.m + k, 'x', substr(hex(randomblob(120)), 1, 230)), 1, 0, '/1/2/ /3/4/ /1/'
FROM k, base b;
INSERT INTO floor_fts (rowid, title, description, ref)
SELECT i.id, i.title, i.description, i.ref FROM incidents AS i, base AS b WHERE i.id > b.m;
COMMIT;
