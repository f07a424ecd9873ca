-- 007_operations.sql - schema version 7: joint operations (patrols, control,
-- checkpoints: tuần tra, kiểm soát, chốt chặn), the vehicles and vessels they
-- use, who and what is assigned to them, the areas they cover, and their
-- results log (core/operation.h).
--
-- 001's and 003's conventions hold: times are UTC ms, "not (yet)" is 0, person
-- ids are not foreign keys (people are never deleted; 0 is the system).
-- Operations are never deleted: a plan that is dropped is cancelled, with a
-- reason.

-- Vehicles and vessels (phương tiện) of the units, so that one cannot be sent on
-- two operations at once. code is the plate or hull number, unique among the
-- assets of the same kind (a car and a boat may share a number).
CREATE TABLE assets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind = 'vehicle' OR kind = 'vessel'),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    name_folded TEXT NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES units (id),
    is_active INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (kind, code)
);
CREATE INDEX assets_unit_id ON assets (unit_id, id);

-- One operation. geometry is the GeoJSON geometry as given (NFC text, checked by
-- core): a LineString (route) for a patrol, a Polygon (area) for control, a
-- Point for a checkpoint; min/max hold its bounding box for map queries.
-- The owning unit (owner_unit_id) plans it and is its access owner; the
-- participating units (operation_units) are the units it was "sent to". is_joint
-- is kept by core: units of two or more forces take part.
-- planned_* are the plan; started_at/ended_at what happened (0: not yet).
CREATE TABLE operations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind = 'patrol' OR kind = 'control' OR kind = 'checkpoint'),
    domain TEXT NOT NULL CHECK (domain = 'land' OR domain = 'river' OR domain = 'sea'),
    title TEXT NOT NULL,
    title_folded TEXT NOT NULL,
    description TEXT,
    campaign_id INTEGER NOT NULL DEFAULT 0, -- a later issue's campaigns; 0: none
    geometry_kind TEXT NOT NULL CHECK (geometry_kind = 'route' OR geometry_kind = 'area'
                                       OR geometry_kind = 'point'),
    geometry TEXT NOT NULL,
    min_lat REAL NOT NULL, min_lon REAL NOT NULL, max_lat REAL NOT NULL, max_lon REAL NOT NULL,
    planned_start INTEGER NOT NULL,
    planned_end INTEGER NOT NULL,
    started_at INTEGER NOT NULL DEFAULT 0,
    ended_at INTEGER NOT NULL DEFAULT 0,
    owner_unit_id INTEGER NOT NULL REFERENCES units (id),
    commander_id INTEGER NOT NULL DEFAULT 0,
    classification INTEGER NOT NULL CHECK (classification BETWEEN 0 AND 3),
    status TEXT NOT NULL CHECK (status = 'planned' OR status = 'active' OR status = 'completed'
                                OR status = 'cancelled'),
    cancel_reason TEXT,
    is_joint INTEGER NOT NULL DEFAULT 0 CHECK (is_joint IN (0, 1)),
    created_by INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    CHECK (planned_end > planned_start),
    CHECK (status <> 'cancelled' OR cancel_reason IS NOT NULL)
);
-- Lists (newest first), the calendar (by planned time) and the track of an
-- operation (its active interval) start from these.
CREATE INDEX operations_planned_start ON operations (planned_start);
CREATE INDEX operations_status ON operations (status, id);
CREATE INDEX operations_owner_unit_id ON operations (owner_unit_id, id);

-- The units taking part, the owner included (role 'lead'); pos keeps the order
-- given.
CREATE TABLE operation_units (
    operation_id INTEGER NOT NULL REFERENCES operations (id),
    unit_id INTEGER NOT NULL REFERENCES units (id),
    role TEXT NOT NULL CHECK (role = 'lead' OR role = 'participant'),
    pos INTEGER NOT NULL,
    PRIMARY KEY (operation_id, unit_id)
) WITHOUT ROWID;
CREATE INDEX operation_units_unit_id ON operation_units (unit_id, operation_id);

-- People assigned (the commander among them). The conflict check ("this person
-- is already on operation N at that time") walks a person's rows.
CREATE TABLE operation_people (
    operation_id INTEGER NOT NULL REFERENCES operations (id),
    person_id INTEGER NOT NULL,
    PRIMARY KEY (operation_id, person_id)
) WITHOUT ROWID;
CREATE INDEX operation_people_person_id ON operation_people (person_id, operation_id);

CREATE TABLE operation_assets (
    operation_id INTEGER NOT NULL REFERENCES operations (id),
    asset_id INTEGER NOT NULL REFERENCES assets (id),
    PRIMARY KEY (operation_id, asset_id)
) WITHOUT ROWID;
CREATE INDEX operation_assets_asset_id ON operation_assets (asset_id, operation_id);

-- The areas an operation covers, found by core from its geometry when it is
-- planned or its geometry changes (core/geo.h): the coverage statistics count
-- by area (the border belt and coastal communes are the "stretches").
CREATE TABLE operation_areas (
    operation_id INTEGER NOT NULL REFERENCES operations (id),
    area_id INTEGER NOT NULL REFERENCES areas (id),
    PRIMARY KEY (operation_id, area_id)
) WITHOUT ROWID;
CREATE INDEX operation_areas_area_id ON operation_areas (area_id, operation_id);

-- The results log (nhật ký kết quả): what the team found, when and where. An
-- entry may become an incident (incident_id, set in the same transaction as the
-- incident is created; the incident names its entry back through
-- operation_log_incident_id).
CREATE TABLE operation_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    operation_id INTEGER NOT NULL REFERENCES operations (id),
    at INTEGER NOT NULL,
    person_id INTEGER NOT NULL DEFAULT 0,
    lat REAL CHECK (lat BETWEEN -90 AND 90),
    lon REAL CHECK (lon BETWEEN -180 AND 180),
    text TEXT NOT NULL,
    people_checked INTEGER NOT NULL DEFAULT 0 CHECK (people_checked >= 0),
    vehicles_checked INTEGER NOT NULL DEFAULT 0 CHECK (vehicles_checked >= 0),
    vessels_checked INTEGER NOT NULL DEFAULT 0 CHECK (vessels_checked >= 0),
    violations INTEGER NOT NULL DEFAULT 0 CHECK (violations >= 0),
    items_seized TEXT,
    incident_id INTEGER REFERENCES incidents (id),
    created_at INTEGER NOT NULL,
    CHECK ((lat IS NULL) = (lon IS NULL))
);
CREATE INDEX operation_log_operation_id ON operation_log (operation_id, at);
CREATE UNIQUE INDEX operation_log_incident_id ON operation_log (incident_id)
    WHERE incident_id IS NOT NULL;
