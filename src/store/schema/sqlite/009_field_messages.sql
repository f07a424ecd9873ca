-- 009_field_messages.sql - schema version 9: field messages (core/message.h) and incident
-- drafts from TAK markers (core/draft.h).
--
-- 001's and 003's conventions hold: times are INTEGER UTC ms, a time or person
-- that is "not (yet)" is 0 rather than NULL, person ids are not foreign keys.
-- Device ids (migration 008's devices) are not foreign keys either: 0 is "no
-- device" (a message or marker from the API), and both tables outlive any
-- rebinding of a device. Neither table is ever deleted from.

-- ---- field messages (tin nhắn) --------------------------------------------------

-- One chat message. The sender is (from_person_id, from_device_id): a person on
-- the API, a person's TAK client, or a unit's device with no person (0). uid is
-- the client's message id (CoT __chat id, messageId) or one the server made; the
-- unique index makes a retried message from the same sender stored once.
-- Addressing: to_person_id (a direct message), to_unit_id (a unit's room), or
-- neither (the room, "All Chat Rooms" by default, of the sender's unit). room is
-- the label TAK clients show; access follows the addressing, never the label.
CREATE TABLE messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uid TEXT NOT NULL CHECK (length(uid) BETWEEN 1 AND 200),
    at INTEGER NOT NULL,
    from_person_id INTEGER NOT NULL DEFAULT 0,
    from_device_id INTEGER NOT NULL DEFAULT 0,
    from_unit_id INTEGER NOT NULL REFERENCES units (id),
    from_callsign TEXT,
    room TEXT NOT NULL,
    to_unit_id INTEGER REFERENCES units (id),
    to_person_id INTEGER NOT NULL DEFAULT 0,
    text TEXT NOT NULL CHECK (length(text) >= 1),
    lat REAL,
    lon REAL,
    source TEXT NOT NULL CHECK (source IN ('api', 'cot')),
    created_at INTEGER NOT NULL,
    CHECK (to_unit_id IS NULL OR to_person_id = 0),
    CHECK ((lat IS NULL) = (lon IS NULL))
);
CREATE UNIQUE INDEX messages_sender_uid ON messages (from_person_id, from_device_id, uid);
-- The reads of a list, newest first: the sender's unit, a unit's room, a person's
-- direct messages.
CREATE INDEX messages_from_unit ON messages (from_unit_id, id);
CREATE INDEX messages_to_unit ON messages (to_unit_id, id) WHERE to_unit_id IS NOT NULL;
CREATE INDEX messages_to_person ON messages (to_person_id, id) WHERE to_person_id <> 0;
CREATE INDEX messages_from_person ON messages (from_person_id, id) WHERE from_person_id <> 0;

-- ---- incident drafts (báo cáo ban đầu chưa xác nhận) ---------------------------

-- A marker a field team dropped on the map (CoT b-m-p-*, u-d-*, b-a-o-*), or
-- posted through the API, waiting for a duty officer: open, then promoted (to
-- incident_id) or dismissed (with a reason). The reporter is device_id (0: none)
-- with person_id and unit_id (the owner for access). A marker moved or edited
-- (the same uid from the same device, or from the same person without a device)
-- updates its open draft: the two partial unique indexes hold at most one open
-- draft per marker; a promoted or dismissed one leaves room for a new one.
CREATE TABLE incident_drafts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uid TEXT NOT NULL CHECK (length(uid) BETWEEN 1 AND 200),
    cot_type TEXT NOT NULL,
    title TEXT NOT NULL,
    remarks TEXT,
    at INTEGER NOT NULL,
    lat REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),
    device_id INTEGER NOT NULL DEFAULT 0,
    person_id INTEGER NOT NULL DEFAULT 0,
    unit_id INTEGER NOT NULL REFERENCES units (id),
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'promoted', 'dismissed')),
    incident_id INTEGER REFERENCES incidents (id),
    dismiss_reason TEXT,
    version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    CHECK ((status = 'promoted') = (incident_id IS NOT NULL)),
    CHECK ((status = 'dismissed') = (dismiss_reason IS NOT NULL))
);
CREATE UNIQUE INDEX incident_drafts_open_device ON incident_drafts (device_id, uid)
    WHERE status = 'open' AND device_id <> 0;
CREATE UNIQUE INDEX incident_drafts_open_person ON incident_drafts (person_id, uid)
    WHERE status = 'open' AND device_id = 0;
-- The marker's drafts in any status (the newest decides an upsert).
CREATE INDEX incident_drafts_marker ON incident_drafts (device_id, uid, id);
CREATE INDEX incident_drafts_status ON incident_drafts (status, id);
CREATE INDEX incident_drafts_incident ON incident_drafts (incident_id) WHERE incident_id IS NOT NULL;
