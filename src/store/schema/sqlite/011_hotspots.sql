-- 011_hotspots.sql - schema version 11: hotspot records (core/hotspot.h) found by
-- the early-warning run, the units responsible for them, the incidents in them,
-- and the notes commanders add as they move a record watch -> confirmed ->
-- resolved.
--
-- 001's and 003's conventions hold: times are INTEGER UTC ms, person ids are not
-- foreign keys (0 is the system). Records are never deleted: a resolved one is
-- history the next run compares with.

-- One hot spot: a connected group of grid cells classed new or intensifying hot
-- over the analysed window [window_from, window_to). categories is the
-- space-separated category codes analysed ('' = all together). lat, lon, z, p are
-- the hottest cell's (its centre and last-slice Gi*). cells_geojson is a GeoJSON
-- MultiPolygon of the cells (for maps); cells the centres "lon,lat lon,lat ..."
-- (the next run's overlap test). classification is the highest of its incidents'.
CREATE TABLE hotspots (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    status TEXT NOT NULL CHECK (status IN ('watch', 'confirmed', 'resolved')),
    trend TEXT NOT NULL,
    area_id INTEGER REFERENCES areas (id),
    categories TEXT NOT NULL DEFAULT '',
    lat REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),
    z REAL NOT NULL,
    p REAL NOT NULL,
    cell_m REAL NOT NULL CHECK (cell_m > 0),
    n_cells INTEGER NOT NULL CHECK (n_cells >= 1),
    cells_geojson TEXT NOT NULL,
    cells TEXT NOT NULL,
    incident_count INTEGER NOT NULL DEFAULT 0 CHECK (incident_count >= 0),
    classification INTEGER NOT NULL DEFAULT 0 CHECK (classification BETWEEN 0 AND 3),
    window_from INTEGER NOT NULL,
    window_to INTEGER NOT NULL,
    detected_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
-- The list filters, newest first: by status, by area, by detection time.
CREATE INDEX hotspots_status ON hotspots (status, id);
CREATE INDEX hotspots_area ON hotspots (area_id, id);
CREATE INDEX hotspots_detected_at ON hotspots (detected_at);

-- The units responsible for a record's area (one per force): access treats the
-- record as sent to each, so their people and the units above them see it, and
-- their inboxes list it while it is watched.
CREATE TABLE hotspot_units (
    hotspot_id INTEGER NOT NULL REFERENCES hotspots (id),
    unit_id INTEGER NOT NULL REFERENCES units (id),
    PRIMARY KEY (hotspot_id, unit_id)
) WITHOUT ROWID;
CREATE INDEX hotspot_units_unit ON hotspot_units (unit_id, hotspot_id);

-- The incidents counted in a record's cells over its window.
CREATE TABLE hotspot_incidents (
    hotspot_id INTEGER NOT NULL REFERENCES hotspots (id),
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    PRIMARY KEY (hotspot_id, incident_id)
) WITHOUT ROWID;

-- A note on a record, and the status move it made (status_from and status_to
-- NULL when it made none).
CREATE TABLE hotspot_notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    hotspot_id INTEGER NOT NULL REFERENCES hotspots (id),
    person_id INTEGER NOT NULL DEFAULT 0,
    at INTEGER NOT NULL,
    status_from TEXT,
    status_to TEXT,
    text TEXT,
    CHECK ((status_from IS NULL) = (status_to IS NULL))
);
CREATE INDEX hotspot_notes_hotspot ON hotspot_notes (hotspot_id, id);
