-- 003_incidents.sql - schema version 3: incidents (vụ việc) with their
-- recipients, acknowledgements and timeline, the routing rules that decide who
-- leads and who is informed (with MISSION.md's defaults), idempotency keys of
-- creates, settings, full-text search over incidents, an R*Tree of the areas'
-- bounding boxes, and the access scope of outbox events.
--
-- 001's conventions hold. In addition, on incidents and their recipients a time
-- or person that is "not (yet)" is 0 rather than NULL (NOT NULL DEFAULT 0): the
-- structs say 0, and the deadline indexes below are partial indexes whose
-- conditions are plain comparisons.
--
-- Person ids (created_by, acknowledgers, timeline actors, idempotency keys) are
-- not foreign keys, like the audit log's actor_id: people are never deleted, so a
-- foreign key would protect nothing, and 0 stands for the system.

-- Small named values an administrator sets ("incident_ref_prefix"). Nothing is
-- seeded: the code that reads a setting knows its default.
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

-- The last reference number given per prefix and year. A number is taken in the
-- transaction that creates the incident, so a create that rolls back gives its
-- number back and the next create gets it again: a number is never carried by
-- two stored incidents, and there are no gaps for an auditor to question.
CREATE TABLE incident_ref_counters (
    prefix TEXT NOT NULL,
    year INTEGER NOT NULL,
    last INTEGER NOT NULL CHECK (last >= 1),
    PRIMARY KEY (prefix, year)
) WITHOUT ROWID;

-- ---- routing rules (core/routing.h) -----------------------------------------

-- Rules are never deleted (incidents keep the id of the rule they got): a rule
-- is deactivated instead. Empty conditions are NULL (category, area, kind) or 0
-- (severity bounds); a deadline of 0 means none.
CREATE TABLE routing_rules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    priority INTEGER NOT NULL CHECK (priority BETWEEN 0 AND 1000000),
    is_active INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    category_id INTEGER REFERENCES categories (id),
    severity_min INTEGER NOT NULL DEFAULT 0 CHECK (severity_min BETWEEN 0 AND 4),
    severity_max INTEGER NOT NULL DEFAULT 0 CHECK (severity_max BETWEEN 0 AND 4),
    area_id INTEGER REFERENCES areas (id),
    area_kind TEXT CHECK (area_kind = 'inland' OR area_kind = 'coastal'
                          OR area_kind = 'border' OR area_kind = 'sea'),
    lead_force TEXT REFERENCES forces (code),
    report_deadline_min INTEGER NOT NULL DEFAULT 0 CHECK (report_deadline_min >= 0),
    ack_deadline_min INTEGER NOT NULL DEFAULT 0 CHECK (ack_deadline_min >= 0),
    verify_deadline_min INTEGER NOT NULL DEFAULT 0 CHECK (verify_deadline_min >= 0),
    fallback_unit_id INTEGER REFERENCES units (id),
    version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX routing_rules_priority ON routing_rules (priority, id) WHERE is_active = 1;

-- What a rule informs: child tables rather than JSON columns, so that a force or
-- unit a rule names must exist, and a unit a rule names cannot be deleted. pos
-- keeps the order the administrator gave.
CREATE TABLE routing_rule_forces (
    rule_id INTEGER NOT NULL REFERENCES routing_rules (id) ON DELETE CASCADE,
    pos INTEGER NOT NULL,
    force TEXT NOT NULL REFERENCES forces (code),
    PRIMARY KEY (rule_id, force)
) WITHOUT ROWID;
CREATE TABLE routing_rule_units (
    rule_id INTEGER NOT NULL REFERENCES routing_rules (id) ON DELETE CASCADE,
    pos INTEGER NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES units (id),
    PRIMARY KEY (rule_id, unit_id)
) WITHOUT ROWID;
CREATE INDEX routing_rule_units_unit_id ON routing_rule_units (unit_id);

-- ---- incidents ----------------------------------------------------------------

-- lat/lon are both NULL when the report has no location. lead_unit_id is set by
-- routing in the same transaction; it stays nullable so that a failed plan shows
-- as a missing lead rather than as a made-up one.
-- Enumerations are checked as "x = 'a' OR x = 'b'": SQLite evaluates a CHECK with
-- "IN (three or more constants)" by building a temporary b-tree on every row
-- written, which costs more than the rest of the row's insert.
CREATE TABLE incidents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ref TEXT NOT NULL UNIQUE,
    category_id INTEGER NOT NULL REFERENCES categories (id),
    severity INTEGER NOT NULL CHECK (severity BETWEEN 1 AND 4),
    title TEXT NOT NULL,
    description TEXT,
    occurred_at INTEGER NOT NULL,
    detected_at INTEGER NOT NULL,
    reported_at INTEGER NOT NULL,
    lat REAL CHECK (lat BETWEEN -90 AND 90),
    lon REAL CHECK (lon BETWEEN -180 AND 180),
    area_id INTEGER REFERENCES areas (id),
    reporting_unit_id INTEGER REFERENCES units (id),
    lead_unit_id INTEGER REFERENCES units (id),
    people_involved INTEGER NOT NULL DEFAULT 0 CHECK (people_involved >= 0),
    vehicles_involved INTEGER NOT NULL DEFAULT 0 CHECK (vehicles_involved >= 0),
    vessels_involved INTEGER NOT NULL DEFAULT 0 CHECK (vessels_involved >= 0),
    casualties_dead INTEGER NOT NULL DEFAULT 0 CHECK (casualties_dead >= 0),
    casualties_injured INTEGER NOT NULL DEFAULT 0 CHECK (casualties_injured >= 0),
    damage TEXT,
    classification INTEGER NOT NULL CHECK (classification BETWEEN 0 AND 3),
    status TEXT NOT NULL CHECK (status = 'new' OR status = 'acknowledged'
                                OR status = 'responding' OR status = 'resolved'
                                OR status = 'closed' OR status = 'transferred'
                                OR status = 'merged'),
    cap_status TEXT NOT NULL CHECK (cap_status = 'actual' OR cap_status = 'exercise' OR cap_status = 'test'),
    merged_into_id INTEGER REFERENCES incidents (id),
    rule_id INTEGER REFERENCES routing_rules (id),
    report_due_at INTEGER NOT NULL DEFAULT 0,
    report_late INTEGER NOT NULL DEFAULT 0 CHECK (report_late IN (0, 1)),
    created_by INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    -- Changes with every committed change of the incident as GET shows it (its
    -- row, its recipients' rows, an acknowledgement); unlike version, which only
    -- the client's members and the workflow move (If-Match). See "freshness".
    rev INTEGER NOT NULL DEFAULT 0,
    CHECK ((lat IS NULL) = (lon IS NULL))
);
-- Lists are newest first (id descending) and stop after a page: an index that
-- ends in id lets a filter walk its own rows in that order without sorting.
CREATE INDEX incidents_occurred_at ON incidents (occurred_at);
CREATE INDEX incidents_reported_at ON incidents (reported_at);
CREATE INDEX incidents_category_id ON incidents (category_id, id);
CREATE INDEX incidents_lead_unit_id ON incidents (lead_unit_id, id);
CREATE INDEX incidents_area_id ON incidents (area_id, id);
CREATE INDEX incidents_status ON incidents (status, id);
-- The lead unit's index also serves the foreign-key check of unit deletes. The
-- reporting unit has none: a unit delete (rare) scans incidents for it, which
-- costs less overall than an index that every insert pays for.

-- Every unit an incident concerns (lead, reporting, informed, former lead) with
-- its acknowledgement state; the history of stages is incident_acks.
CREATE TABLE incident_recipients (
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    unit_id INTEGER NOT NULL REFERENCES units (id),
    role TEXT NOT NULL CHECK (role = 'lead' OR role = 'reporting' OR role = 'informed'
                              OR role = 'former_lead'),
    sent_at INTEGER NOT NULL,
    ack_due_at INTEGER NOT NULL DEFAULT 0,
    verify_due_at INTEGER NOT NULL DEFAULT 0,
    received_at INTEGER NOT NULL DEFAULT 0,
    verified_at INTEGER NOT NULL DEFAULT 0,
    agreed_at INTEGER NOT NULL DEFAULT 0,
    refused_at INTEGER NOT NULL DEFAULT 0,
    received_by INTEGER NOT NULL DEFAULT 0,
    verified_by INTEGER NOT NULL DEFAULT 0,
    agreed_by INTEGER NOT NULL DEFAULT 0,
    refused_by INTEGER NOT NULL DEFAULT 0,
    refused_reason TEXT,
    ack_overdue_at INTEGER NOT NULL DEFAULT 0,
    verify_overdue_at INTEGER NOT NULL DEFAULT 0,
    escalated_at INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (incident_id, unit_id)
) WITHOUT ROWID;
-- Inboxes, the unit filter and the access scope start from the unit.
CREATE INDEX incident_recipients_unit_id ON incident_recipients (unit_id, incident_id);
CREATE INDEX incident_recipients_sent_at ON incident_recipients (sent_at);
-- The scheduler asks for the earliest pending deadline after every commit that
-- may change one: these hold only the stages still waiting, so both the next
-- deadline and the ones now due are a short walk from the front. Only the lead
-- and informed units owe acknowledgements (a former lead no longer does).
CREATE INDEX incident_recipients_ack_pending ON incident_recipients (ack_due_at)
    WHERE ack_due_at > 0 AND received_at = 0 AND refused_at = 0 AND ack_overdue_at = 0
      AND role IN ('lead', 'informed');
CREATE INDEX incident_recipients_verify_pending ON incident_recipients (verify_due_at)
    WHERE verify_due_at > 0 AND verified_at = 0 AND refused_at = 0 AND verify_overdue_at = 0
      AND role IN ('lead', 'informed');
-- The same stages whether or not found late yet: the overdue filter of lists
-- starts from these (few, against every incident ever reported).
CREATE INDEX incident_recipients_ack_owed ON incident_recipients (ack_due_at)
    WHERE ack_due_at > 0 AND received_at = 0 AND refused_at = 0
      AND role IN ('lead', 'informed');
CREATE INDEX incident_recipients_verify_owed ON incident_recipients (verify_due_at)
    WHERE verify_due_at > 0 AND verified_at = 0 AND refused_at = 0
      AND role IN ('lead', 'informed');

-- Each acknowledgement stage as recorded. on_time is decided when the stage is
-- recorded, against the deadline the recipient had then: a later transfer or
-- rule change does not rewrite history.
CREATE TABLE incident_acks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    unit_id INTEGER NOT NULL REFERENCES units (id),
    person_id INTEGER NOT NULL DEFAULT 0,
    stage TEXT NOT NULL CHECK (stage = 'received' OR stage = 'verified' OR stage = 'agreed'
                               OR stage = 'refused'),
    note TEXT,
    at INTEGER NOT NULL,
    on_time INTEGER NOT NULL DEFAULT 1 CHECK (on_time IN (0, 1))
);
CREATE INDEX incident_acks_incident_id ON incident_acks (incident_id, id);

-- ---- freshness of cached incidents -----------------------------------------

-- The event loops keep the JSON of incidents they have sent (http/incident_cache.c)
-- and ask, per request, whether it is still current: one row read
-- (store_incident_rev). These make the answer exact:
--  - incidents.rev moves with every UPDATE of the incident (the store's own
--    statement moves it; the trigger catches any other) and with every UPDATE or
--    DELETE of one of its recipients (acknowledgement stages, deadlines found
--    late, escalations, a transfer). A recipient added is seen by the
--    recipients' count, which the freshness query reads too: a trigger on insert
--    would cost every new incident a row write per recipient, for nothing, as no
--    reader sees the incident before it commits. The history of acknowledgements
--    (incident_acks) is not part of the incident; each stage recorded also
--    updates its recipient's row;
--  - directory_rev moves with every change of what an incident shows of its units
--    and category (code, name, force, path: a move of a subtree changes every
--    path below it). Such changes are rare, so one counter for all of them: they
--    invalidate every cached incident at once.
-- What changes with time alone (an incident becomes overdue when a recipient's
-- deadline passes) is the cache's to follow: an entry lasts until the next
-- deadline of the incident's recipients.
CREATE TRIGGER incidents_rev AFTER UPDATE ON incidents WHEN NEW.rev = OLD.rev BEGIN
    UPDATE incidents SET rev = OLD.rev + 1 WHERE id = NEW.id;
END;
CREATE TRIGGER incident_recipients_rev_update AFTER UPDATE ON incident_recipients BEGIN
    UPDATE incidents SET rev = rev + 1 WHERE id IN (OLD.incident_id, NEW.incident_id);
END;
CREATE TRIGGER incident_recipients_rev_delete AFTER DELETE ON incident_recipients BEGIN
    UPDATE incidents SET rev = rev + 1 WHERE id = OLD.incident_id;
END;

CREATE TABLE directory_rev (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    rev INTEGER NOT NULL
);
INSERT INTO directory_rev (id, rev) VALUES (1, 0);
CREATE TRIGGER units_directory_rev AFTER UPDATE OF code, name, force, path ON units
WHEN OLD.code IS NOT NEW.code OR OLD.name IS NOT NEW.name OR OLD.force IS NOT NEW.force
     OR OLD.path IS NOT NEW.path
BEGIN
    UPDATE directory_rev SET rev = rev + 1 WHERE id = 1;
END;
CREATE TRIGGER categories_directory_rev AFTER UPDATE OF code ON categories
WHEN OLD.code IS NOT NEW.code
BEGIN
    UPDATE directory_rev SET rev = rev + 1 WHERE id = 1;
END;

-- The timeline. kind has no CHECK on purpose: later features (attachments,
-- comments) add kinds, and a timeline must never refuse an entry for its name.
CREATE TABLE incident_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    at INTEGER NOT NULL,
    person_id INTEGER NOT NULL DEFAULT 0,
    kind TEXT NOT NULL,
    unit_id INTEGER REFERENCES units (id),
    detail TEXT CHECK (detail IS NULL OR json_valid(detail))
);
CREATE INDEX incident_events_incident_id ON incident_events (incident_id, id);

-- Idempotency-Key of creates: a retried POST finds the incident its first try
-- made. request_hash tells a retry from a different request reusing the key.
-- Old keys are pruned by time (created_at).
CREATE TABLE idempotency_keys (
    person_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    request_hash BLOB NOT NULL CHECK (length(request_hash) = 32),
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (person_id, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);

-- Located incidents by longitude then latitude, for the bounding-box filter of
-- lists (the map asks for one at every move): a box reads the index entries of
-- its longitude band only, and tests the latitude in the index too. An R*Tree
-- would read less for a small box, but costs a third of the ingest rate
-- (measured: each insert rewrites tree nodes scattered over the file).
CREATE INDEX incidents_lon_lat ON incidents (lon, lat) WHERE lat IS NOT NULL;

-- ---- full-text search -------------------------------------------------------------

-- External content: the text lives once, in incidents; the index holds only the
-- folded tokens ('phoihop', store/sqlite_fts.c: case, diacritics and đ folded).
--
-- A new or changed incident is not indexed by its own statement but queued in
-- incidents_fts_pending, and the store indexes the whole queue in one statement
-- just before COMMIT (sqlite_incidents.c). The reason is how FTS5 (3.40) keeps
-- its pending data: every savepoint - the writer's per-request savepoint, the
-- statement journal of any statement that fires a trigger - writes it out as a
-- new segment, so indexing row by row gives one segment per incident and
-- constant merging, four times the cost of an insert without it. Queued, a
-- group commit of a thousand incidents is one segment. Other connections see
-- the index and the rows commit together, so nothing changes for them; only the
-- writing connection itself cannot find, by text, an incident it has not
-- committed yet.
--
-- Text that was indexed and then changes is taken out of the index at once
-- (FTS5 needs the old values to do that) and queued again; the delete trigger
-- does the same, although incidents are never deleted today.
CREATE VIRTUAL TABLE incidents_fts USING fts5(
    title, description, ref,
    content = 'incidents', content_rowid = 'id', tokenize = 'phoihop'
);
CREATE TABLE incidents_fts_pending (
    id INTEGER PRIMARY KEY
);
CREATE TRIGGER incidents_fts_insert AFTER INSERT ON incidents BEGIN
    INSERT OR IGNORE INTO incidents_fts_pending (id) VALUES (NEW.id);
END;
-- Changes that leave the text alone (status, lead, acknowledgements) skip it.
CREATE TRIGGER incidents_fts_update AFTER UPDATE OF title, description, ref ON incidents
WHEN OLD.title IS NOT NEW.title OR OLD.description IS NOT NEW.description
     OR OLD.ref IS NOT NEW.ref
BEGIN
    INSERT INTO incidents_fts (incidents_fts, rowid, title, description, ref)
    SELECT 'delete', OLD.id, OLD.title, OLD.description, OLD.ref
    WHERE NOT EXISTS (SELECT 1 FROM incidents_fts_pending WHERE id = OLD.id);
    INSERT OR IGNORE INTO incidents_fts_pending (id) VALUES (NEW.id);
END;
CREATE TRIGGER incidents_fts_delete AFTER DELETE ON incidents BEGIN
    INSERT INTO incidents_fts (incidents_fts, rowid, title, description, ref)
    SELECT 'delete', OLD.id, OLD.title, OLD.description, OLD.ref
    WHERE NOT EXISTS (SELECT 1 FROM incidents_fts_pending WHERE id = OLD.id);
    DELETE FROM incidents_fts_pending WHERE id = OLD.id;
END;

-- Every folded word ever indexed, kept by the same flush. A search's last word is
-- a prefix ("bien pho" finds "Biên phòng"), and FTS5 without a prefix index of
-- that very length answers a prefix by reading and merging the whole doclist of
-- every matching word - a tenth of a second for a common syllable over a million
-- incidents. Instead the store looks the prefix up here and asks FTS5 for those
-- words joined by OR, which it walks lazily, newest first, like any other word.
-- Words are never removed: one that no longer occurs only adds an empty branch.
CREATE TABLE incident_terms (
    term TEXT PRIMARY KEY
) WITHOUT ROWID;

-- ---- area bounding boxes ----------------------------------------------------------

-- Resolving a location to its area tests the point against every polygon whose
-- box holds it; the R*Tree finds those boxes without reading any geometry. The
-- boxes are computed here, in SQL, so that no writer of areas can forget them:
-- in GeoJSON every position is an array [lon, lat, ...], so the numbers at index
-- 0 and 1 under "coordinates" are the longitudes and latitudes (a Feature's
-- properties are left out). R*Tree stores 32-bit floats rounded outwards, so a
-- box never loses a point of its polygon. Text that is not JSON (core validates
-- geometry, so only by accident) gives no box rather than a failed write.
CREATE VIRTUAL TABLE area_bbox USING rtree(id, min_lon, max_lon, min_lat, max_lat);

CREATE TRIGGER areas_bbox_insert AFTER INSERT ON areas WHEN NEW.geometry IS NOT NULL BEGIN
    INSERT INTO area_bbox (id, min_lon, max_lon, min_lat, max_lat)
    SELECT NEW.id, min(CASE WHEN j.key = 0 THEN j.value END),
           max(CASE WHEN j.key = 0 THEN j.value END),
           min(CASE WHEN j.key = 1 THEN j.value END),
           max(CASE WHEN j.key = 1 THEN j.value END)
    FROM json_tree(CASE WHEN json_valid(NEW.geometry) THEN NEW.geometry ELSE '[]' END) AS j
    WHERE j.type IN ('integer', 'real') AND j.key IN (0, 1)
      AND j.fullkey LIKE '%.coordinates[%' AND j.fullkey NOT LIKE '$.properties%'
    HAVING count(*) > 0;
END;
CREATE TRIGGER areas_bbox_update AFTER UPDATE OF geometry ON areas BEGIN
    DELETE FROM area_bbox WHERE id = OLD.id;
    INSERT INTO area_bbox (id, min_lon, max_lon, min_lat, max_lat)
    SELECT NEW.id, min(CASE WHEN j.key = 0 THEN j.value END),
           max(CASE WHEN j.key = 0 THEN j.value END),
           min(CASE WHEN j.key = 1 THEN j.value END),
           max(CASE WHEN j.key = 1 THEN j.value END)
    FROM json_tree(CASE WHEN json_valid(NEW.geometry) THEN NEW.geometry ELSE '[]' END) AS j
    WHERE NEW.geometry IS NOT NULL AND j.type IN ('integer', 'real') AND j.key IN (0, 1)
      AND j.fullkey LIKE '%.coordinates[%' AND j.fullkey NOT LIKE '$.properties%'
    HAVING count(*) > 0;
END;
CREATE TRIGGER areas_bbox_delete AFTER DELETE ON areas BEGIN
    DELETE FROM area_bbox WHERE id = OLD.id;
END;

-- Areas stored before this version get their boxes now.
INSERT INTO area_bbox (id, min_lon, max_lon, min_lat, max_lat)
SELECT a.id, min(CASE WHEN j.key = 0 THEN j.value END),
       max(CASE WHEN j.key = 0 THEN j.value END),
       min(CASE WHEN j.key = 1 THEN j.value END),
       max(CASE WHEN j.key = 1 THEN j.value END)
FROM areas AS a,
     json_tree(CASE WHEN json_valid(a.geometry) THEN a.geometry ELSE '[]' END) AS j
WHERE a.geometry IS NOT NULL AND j.type IN ('integer', 'real') AND j.key IN (0, 1)
  AND j.fullkey LIKE '%.coordinates[%' AND j.fullkey NOT LIKE '$.properties%'
GROUP BY a.id;

-- ---- outbox scope -----------------------------------------------------------------

-- Operational events are shown on the stream only to those who may read the item
-- (core/access.h), so the event carries what access decides by: the item kind
-- (enum item_kind), its classification and the units' paths, owner first,
-- separated by spaces. Older events are reference data (kind 0, ITEM_AREA),
-- which everyone may read, as they were.
ALTER TABLE outbox ADD COLUMN access_kind INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN classification INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN scope_paths TEXT;

-- ---- default routing rules ----------------------------------------------------------

-- MISSION.md's defaults, after Decree 03/2019/NĐ-CP: in the border belt and at sea
-- the Border Guard leads; crime and public order go to the Police; disasters and
-- search and rescue to the Military Command; smuggling, illegal crossings and
-- illegal fishing to the Border Guard. The other two forces are always informed.
-- The area-kind rules come first (priority 10, 20): where an incident happens
-- decides before what it is, as the decree gives the Border Guard the border belt
-- whatever the matter. The catch-all (1000) lets the category's own lead force
-- lead (NULL) and informs all three forces; routing drops the lead's force from
-- the informed ones. Administrators change all of this through the API.
--
-- Deadlines, in minutes (report: detection to the first report; ack: sent to
-- "received"; verify: sent to "verified"; 0: none):
--   border belt, sea               60 / 30 / 120  the decree's pace for the frontier
--   natural disaster, search and   30 / 15 /  60  lives at stake: every minute counts
--   rescue
--   crime, drugs, political        60 / 30 / 120  as the frontier
--   security
--   public order, gatherings,     120 / 60 / 240  usually local, escalating slowly
--   smuggling, crossings, fishing
--   anything else                 240 / 120 / 0   reported the same working shift
--
-- MISSION.md also names defensive-zone matters (khu vực phòng thủ) for the
-- Military Command; 002 seeds no category for them, so there is no rule either:
-- an administrator who adds such a category adds its rule.
--
-- Categories are named by code, never by id, which differs between databases.
INSERT INTO routing_rules (name, priority, category_id, area_kind, lead_force,
                           report_deadline_min, ack_deadline_min, verify_deadline_min,
                           created_at, updated_at)
SELECT r.name, r.priority, c.id, r.area_kind, r.lead_force, r.report_min, r.ack_min,
       r.verify_min,
       CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER),
       CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
FROM (SELECT column1 AS name, column2 AS priority, column3 AS category_code,
             column4 AS area_kind, column5 AS lead_force, column6 AS report_min,
             column7 AS ack_min, column8 AS verify_min
      FROM (VALUES
    ('Vành đai biên giới: Biên phòng chủ trì', 10, NULL, 'border', 'border_guard', 60, 30, 120),
    ('Vùng biển: Biên phòng chủ trì', 20, NULL, 'sea', 'border_guard', 60, 30, 120),
    ('Tội phạm hình sự: Công an chủ trì', 100, 'crime', NULL, 'police', 60, 30, 120),
    ('Ma túy: Công an chủ trì', 110, 'drugs', NULL, 'police', 60, 30, 120),
    ('Trật tự công cộng: Công an chủ trì', 120, 'public_order', NULL, 'police', 120, 60, 240),
    ('Tụ tập đông người, khiếu kiện: Công an chủ trì', 130, 'mass_gathering', NULL, 'police',
     120, 60, 240),
    ('An ninh chính trị: Công an chủ trì', 140, 'political_security', NULL, 'police',
     60, 30, 120),
    ('Thiên tai: Quân sự chủ trì', 200, 'natural_disaster', NULL, 'military', 30, 15, 60),
    ('Tìm kiếm cứu nạn: Quân sự chủ trì', 210, 'search_rescue', NULL, 'military', 30, 15, 60),
    ('Buôn lậu, gian lận thương mại: Biên phòng chủ trì', 300, 'smuggling', NULL,
     'border_guard', 120, 60, 240),
    ('Xuất nhập cảnh trái phép: Biên phòng chủ trì', 310, 'illegal_border_crossing', NULL,
     'border_guard', 120, 60, 240),
    ('Khai thác thủy sản trái phép: Biên phòng chủ trì', 320, 'illegal_fishing', NULL,
     'border_guard', 120, 60, 240),
    ('Mặc định: lực lượng chủ trì theo loại vụ việc', 1000, NULL, NULL, NULL, 240, 120, 0)
      )) AS r
LEFT JOIN categories AS c ON c.code = r.category_code
-- A rule for a category this database lacks is left out, not made to match all.
WHERE r.category_code IS NULL OR c.id IS NOT NULL
ORDER BY r.priority;

INSERT INTO routing_rule_forces (rule_id, pos, force)
SELECT r.id, f.pos, f.code
FROM routing_rules AS r,
     (SELECT column1 AS code, column2 AS pos
      FROM (VALUES ('police', 1), ('military', 2), ('border_guard', 3))) AS f
WHERE r.lead_force IS NULL OR f.code <> r.lead_force;
