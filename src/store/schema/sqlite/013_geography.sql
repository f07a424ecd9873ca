-- 013_geography.sql - schema version 13: real geography (issue 8). Official
-- administrative units imported from the Statistics Office's lists and the
-- government's boundaries (core/area_import.h), the July 2025 reorganisation as
-- successions between areas (core/area_history.h), and the units' areas of
-- responsibility following the new map (proposals an admin confirms).
--
-- Areas keep 001's validity periods: a reorganisation on date D sets valid_to = D
-- on the areas it closes and valid_from = D on the areas it opens; nothing is
-- deleted, so every incident, operation and position keeps the area it happened
-- in. 001's conventions hold: times are INTEGER UTC ms, dates 'YYYY-MM-DD', person
-- ids are not foreign keys (0 is the system).

-- new_area_id took over (all or part of) old_area_id on effective (= the new
-- area's valid_from = the old area's valid_to). kind: 'full' when the whole old
-- area went into the new one, 'partial' when the old area was split between
-- several new ones (then a location decides which, and without one the item is
-- reported as ambiguous, never guessed).
CREATE TABLE area_successions (
    new_area_id INTEGER NOT NULL REFERENCES areas (id),
    old_area_id INTEGER NOT NULL REFERENCES areas (id),
    kind TEXT NOT NULL CHECK (kind IN ('full', 'partial')),
    effective TEXT NOT NULL,
    PRIMARY KEY (new_area_id, old_area_id),
    CHECK (new_area_id <> old_area_id)
) WITHOUT ROWID;
CREATE INDEX area_successions_old ON area_successions (old_area_id, new_area_id);

-- One import (or dry run) of a source file: what, for which province and date,
-- the file's SHA-256 (a re-run of the same file is recognised), and what changed
-- (a JSON object of counts). Dry runs are recorded too, with dry_run 1.
CREATE TABLE area_imports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('list', 'boundaries', 'reorganisation')),
    province TEXT,
    effective TEXT NOT NULL,
    sha256 BLOB NOT NULL CHECK (length(sha256) = 32),
    dry_run INTEGER NOT NULL DEFAULT 0 CHECK (dry_run IN (0, 1)),
    counts TEXT NOT NULL,
    person_id INTEGER NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX area_imports_at ON area_imports (at);

-- After a reorganisation: unit_id is responsible for old_area_id, which closed;
-- new_area_id is a successor it should be responsible for instead. An admin
-- confirms (the unit's areas then change: old out, new in) or rejects.
CREATE TABLE unit_area_proposals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id INTEGER NOT NULL REFERENCES units (id) ON DELETE CASCADE,
    old_area_id INTEGER NOT NULL REFERENCES areas (id),
    new_area_id INTEGER NOT NULL REFERENCES areas (id),
    kind TEXT NOT NULL CHECK (kind IN ('full', 'partial')),
    status TEXT NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'confirmed', 'rejected')),
    created_at INTEGER NOT NULL,
    decided_at INTEGER,
    decided_by INTEGER,
    UNIQUE (unit_id, old_area_id, new_area_id)
);
CREATE INDEX unit_area_proposals_status ON unit_area_proposals (status, unit_id);
