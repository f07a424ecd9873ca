-- 008_positions.sql - schema version 8: devices and their positions
-- (core/position.h).
--
-- 001's conventions hold: times are UTC ms, "not (yet)" is 0, person ids are not
-- foreign keys (people are never deleted; 0 is none).
--
-- Devices: a phone, a TAK client or a tracker on a boat, known by its uid and
-- bound to a person (0: a unit's own device) and the unit it reports for. The
-- latest position is kept on the device row (last_*), so that "where is
-- everyone now" reads one row per device, not the positions table.
CREATE TABLE devices (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uid TEXT NOT NULL UNIQUE,
    callsign TEXT,
    search_folded TEXT NOT NULL,        -- text_fold(uid || ' ' || callsign): the q filter
    kind TEXT NOT NULL CHECK (kind = 'phone' OR kind = 'tak' OR kind = 'tracker'),
    person_id INTEGER NOT NULL DEFAULT 0,
    unit_id INTEGER NOT NULL REFERENCES units (id),
    asset_id INTEGER REFERENCES assets (id),
    is_active INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    last_at INTEGER NOT NULL DEFAULT 0,
    last_lat REAL,
    last_lon REAL,
    last_speed REAL,
    last_course REAL,
    last_alt REAL,
    last_battery INTEGER,
    version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX devices_person_id ON devices (person_id) WHERE person_id <> 0;
CREATE INDEX devices_unit_id ON devices (unit_id, id);
CREATE INDEX devices_last_at ON devices (last_at);

-- Position reports, one row per (device, time): a report sent twice is stored
-- once. The table is the bulk of the database, so it is kept small:
--   * WITHOUT ROWID, keyed (device_id, at): the key is the table's one b-tree,
--     a track (one device, a time range) is one range scan of adjacent pages,
--     and no second index repeats the key;
--   * coordinates as integers of 1e-7 degree (about 1 cm; SQLite stores them in
--     4 bytes where a REAL takes 8), speed in cm/s, course in 0.1 degree,
--     altitude in dm, all NULL when not given (NULL costs no byte of payload).
-- docs/PERFORMANCE.md gives the bytes per row measured on a million rows.
CREATE TABLE positions (
    device_id INTEGER NOT NULL,
    at INTEGER NOT NULL,
    lat_e7 INTEGER NOT NULL,
    lon_e7 INTEGER NOT NULL,
    speed_cms INTEGER,
    course_dd INTEGER,
    alt_dm INTEGER,
    battery INTEGER,
    PRIMARY KEY (device_id, at)
) WITHOUT ROWID;

-- Retention (core/retention.c, run daily by the deadline scheduler in bounded
-- chunks). 500 devices reporting every 10 s for a year would be about 1.6
-- billion rows (some 60 GB): too many for one SQLite file. So:
--   * positions younger than keep_full (default 30 days) stay as they came;
--   * older ones are thinned once: outside operations to one point per device
--     per thin interval (default 60 s); inside the active interval of an
--     operation the device's person was assigned to, to the points its track
--     needs for its shape and timing (Douglas-Peucker on the time-synchronised
--     distance, tolerance a few metres) plus the interval's first and last point;
--   * with a keep limit (default none) positions older than it are deleted.
-- position_retention records how far thinning has gone (per window and device),
-- so that each point is examined once; the docs compute the size per year.
CREATE TABLE position_retention (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    thinned_until INTEGER NOT NULL DEFAULT 0, -- every position before it is thinned
    window_end INTEGER NOT NULL DEFAULT 0,    -- the window being thinned: [thinned_until, window_end)
    device_after INTEGER NOT NULL DEFAULT 0,  -- devices of the window done up to this id
    device_until INTEGER NOT NULL DEFAULT 0,  -- the next device is done up to this time
    runs INTEGER NOT NULL DEFAULT 0,
    deleted INTEGER NOT NULL DEFAULT 0        -- rows removed so far (thinned or expired)
);
INSERT INTO position_retention (id) VALUES (1);
