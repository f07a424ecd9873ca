-- 001_foundation.sql - schema version 1: forces, areas, units and their areas,
-- people, login tokens, the hash-chained audit log and the event outbox.
--
-- Conventions (kept by the PostgreSQL schema of the same version): times are
-- INTEGER UTC milliseconds; dates are TEXT 'YYYY-MM-DD' (compared as text, which
-- orders them); booleans are INTEGER 0/1 with a CHECK (also in PostgreSQL, so that rows copy as they are);
-- ids are INTEGER PRIMARY KEY AUTOINCREMENT (BIGINT identity in PostgreSQL): like
-- a sequence, a deleted row's id is never given again, so the audit log and the
-- outbox cannot come to name a different object; enumerations are
-- TEXT with a CHECK listing the values; foreign keys are immediate and refuse
-- deletes of referenced rows unless a cascade is written out. The migration
-- runner wraps this file in one transaction and sets the version; it must not
-- contain BEGIN/COMMIT.

-- The three forces of the province. Seeded here: the rest of the schema refers
-- to them and they never change without a migration.
CREATE TABLE forces (
    code TEXT PRIMARY KEY,
    name_vi TEXT NOT NULL,
    name_en TEXT NOT NULL
);
INSERT INTO forces (code, name_vi, name_en) VALUES
    ('police', 'Công an', 'Police'),
    ('military', 'Quân sự', 'Military Command'),
    ('border_guard', 'Biên phòng', 'Border Guard');

-- Administrative areas. A reorganisation ends a row (valid_to) and starts a new
-- one, so (code, valid_from) is the key and the same code recurs over time.
-- geometry comes last: it can be megabytes and lists do not read it.
CREATE TABLE areas (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    name_folded TEXT NOT NULL,
    level TEXT NOT NULL CHECK (level IN ('province', 'district', 'commune')),
    kind TEXT NOT NULL CHECK (kind IN ('inland', 'coastal', 'border', 'sea')),
    parent_id INTEGER REFERENCES areas (id),
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    geometry TEXT,
    UNIQUE (code, valid_from),
    CHECK (valid_to IS NULL OR valid_to > valid_from)
);
CREATE INDEX areas_parent_id ON areas (parent_id);
-- Lookups by code use the index of UNIQUE (code, valid_from): code leads it.

-- Units of the forces. path is the materialised path of ids from the top-level
-- unit down ('/1/5/23/'), kept by the store; subtree queries are path prefixes.
CREATE TABLE units (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    name_folded TEXT NOT NULL,
    force TEXT NOT NULL REFERENCES forces (code),
    parent_id INTEGER REFERENCES units (id),
    level TEXT NOT NULL CHECK (level IN ('province', 'district', 'commune')),
    path TEXT NOT NULL,
    phone TEXT,
    is_active INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX units_path ON units (path);
CREATE INDEX units_parent_id ON units (parent_id);

-- Areas of responsibility. The links go with their unit; an area that a unit
-- is responsible for cannot be deleted.
CREATE TABLE unit_areas (
    unit_id INTEGER NOT NULL REFERENCES units (id) ON DELETE CASCADE,
    area_id INTEGER NOT NULL REFERENCES areas (id),
    PRIMARY KEY (unit_id, area_id)
);
CREATE INDEX unit_areas_area_id ON unit_areas (area_id);

-- People (accounts). roles is a bitmask of ROLE_* (core/access.h), clearance a
-- CLEARANCE_* level. password_hash is an argon2id string, NULL until one is set;
-- locked_until is 0 when the account is not locked.
CREATE TABLE people (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    full_name TEXT NOT NULL,
    name_folded TEXT NOT NULL,
    rank TEXT,
    position TEXT,
    unit_id INTEGER REFERENCES units (id),
    roles INTEGER NOT NULL CHECK (roles >= 0),
    clearance INTEGER NOT NULL CHECK (clearance BETWEEN 0 AND 3),
    phone TEXT,
    email TEXT,
    is_disabled INTEGER NOT NULL DEFAULT 0 CHECK (is_disabled IN (0, 1)),
    password_hash TEXT,
    failed_logins INTEGER NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
    locked_until INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX people_unit_id ON people (unit_id);

-- Login sessions and API tokens. Only a hash of the secret is kept (32 bytes;
-- BYTEA in PostgreSQL). expires_at NULL: never; revoked_at NULL: live.
CREATE TABLE tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id INTEGER NOT NULL REFERENCES people (id),
    kind TEXT NOT NULL CHECK (kind IN ('session', 'api')),
    name TEXT,
    hash BLOB NOT NULL UNIQUE CHECK (length(hash) = 32),
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    revoked_at INTEGER,
    client TEXT
);
CREATE INDEX tokens_person_id ON tokens (person_id);

-- The audit log: seq is given by the writer (1, 2, 3, ... without gaps) and each
-- entry carries the hash chain (security/audit_chain.h). No foreign keys: the
-- log must outlive anything it mentions.
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor_id INTEGER NOT NULL,
    actor TEXT,
    action TEXT NOT NULL,
    item_kind TEXT,
    item_id INTEGER NOT NULL DEFAULT 0,
    client TEXT,
    detail TEXT,
    prev_hash BLOB NOT NULL CHECK (length(prev_hash) = 32),
    hash BLOB NOT NULL CHECK (length(hash) = 32)
);

-- Events written in the same transaction as the change they announce; the
-- publisher delivers them after commit and marks published_at.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    topic TEXT NOT NULL,
    item_kind TEXT,
    item_id INTEGER NOT NULL DEFAULT 0,
    payload TEXT,
    published_at INTEGER
);
