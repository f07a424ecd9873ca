-- 004_bulletins.sql - schema version 4: bulletins (bản tin, trao đổi thông tin)
-- that a unit sends to units or forces, with their recipients and
-- acknowledgements, and the schedules of periodic bulletins (daily, weekly,
-- monthly situation reports) with the periods found missing.
--
-- 001's and 003's conventions hold: times are INTEGER UTC ms, a time or person
-- that is "not (yet)" is 0 rather than NULL, person ids are not foreign keys.
-- Dates ("period_start") are TEXT 'YYYY-MM-DD', local days in Asia/Ho_Chi_Minh.

-- ---- schedules ----------------------------------------------------------------

-- A unit owes a bulletin every period, due at due_local ('HH:MM', local time)
-- on the period's day: daily (due_day 0), weekly (1 = Monday .. 7), monthly
-- (1..28, so that every month has the day). Schedules are never deleted
-- (bulletins and misses refer to them): is_active goes false instead.
CREATE TABLE bulletin_schedules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id INTEGER NOT NULL REFERENCES units (id),
    title TEXT NOT NULL,
    period TEXT NOT NULL CHECK (period IN ('daily', 'weekly', 'monthly')),
    due_local TEXT NOT NULL CHECK (length(due_local) = 5 AND due_local GLOB '[0-2][0-9]:[0-5][0-9]'),
    due_day INTEGER NOT NULL DEFAULT 0,
    ack_minutes INTEGER NOT NULL DEFAULT 0 CHECK (ack_minutes >= 0),
    is_active INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    CHECK ((period = 'daily' AND due_day = 0) OR (period = 'weekly' AND due_day BETWEEN 1 AND 7)
           OR (period = 'monthly' AND due_day BETWEEN 1 AND 28))
);
CREATE INDEX bulletin_schedules_unit_id ON bulletin_schedules (unit_id);

-- Who a schedule's bulletins go to, as the administrator gave it (pos keeps the
-- order): units, and forces (each force's province-level unit when a bulletin
-- is sent). Child tables, as for routing rules, so that what is named exists.
CREATE TABLE bulletin_schedule_units (
    schedule_id INTEGER NOT NULL REFERENCES bulletin_schedules (id) ON DELETE CASCADE,
    pos INTEGER NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES units (id),
    PRIMARY KEY (schedule_id, unit_id)
) WITHOUT ROWID;
CREATE INDEX bulletin_schedule_units_unit_id ON bulletin_schedule_units (unit_id);
CREATE TABLE bulletin_schedule_forces (
    schedule_id INTEGER NOT NULL REFERENCES bulletin_schedules (id) ON DELETE CASCADE,
    pos INTEGER NOT NULL,
    force TEXT NOT NULL REFERENCES forces (code),
    PRIMARY KEY (schedule_id, force)
) WITHOUT ROWID;

-- ---- bulletins ----------------------------------------------------------------

-- A periodic bulletin answers one period of one schedule (the unique index
-- below: a second report for the same day is refused, whoever sends it); an
-- ad hoc one has neither. title_folded (text_fold of the title) is what the
-- list's text filter searches. Bulletins are never changed once sent: only their
-- recipients' acknowledgements are written later.
CREATE TABLE bulletins (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('ad_hoc', 'periodic')),
    schedule_id INTEGER REFERENCES bulletin_schedules (id),
    period_start TEXT,
    from_unit_id INTEGER NOT NULL REFERENCES units (id),
    title TEXT NOT NULL,
    title_folded TEXT NOT NULL,
    situation TEXT,
    assessment TEXT,
    proposals TEXT,
    classification INTEGER NOT NULL CHECK (classification BETWEEN 0 AND 3),
    cap_status TEXT NOT NULL CHECK (cap_status IN ('actual', 'exercise', 'test')),
    ack_required INTEGER NOT NULL DEFAULT 0 CHECK (ack_required IN (0, 1)),
    ack_minutes INTEGER NOT NULL DEFAULT 0 CHECK (ack_minutes >= 0),
    sent_at INTEGER NOT NULL,
    created_by INTEGER NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    CHECK ((kind = 'periodic') = (schedule_id IS NOT NULL)),
    CHECK ((schedule_id IS NULL) = (period_start IS NULL)),
    CHECK (situation IS NOT NULL OR assessment IS NOT NULL OR proposals IS NOT NULL)
);
CREATE UNIQUE INDEX bulletins_schedule_period ON bulletins (schedule_id, period_start)
    WHERE schedule_id IS NOT NULL;
-- Lists are newest first (id descending); the sender's index ends in id for the
-- unit filter, sent_at serves the time range.
CREATE INDEX bulletins_from_unit_id ON bulletins (from_unit_id, id);
CREATE INDEX bulletins_sent_at ON bulletins (sent_at);

-- The forces a bulletin was addressed to, as given (its recipients hold the
-- province-level units they stood for).
CREATE TABLE bulletin_forces (
    bulletin_id INTEGER NOT NULL REFERENCES bulletins (id),
    pos INTEGER NOT NULL,
    force TEXT NOT NULL REFERENCES forces (code),
    PRIMARY KEY (bulletin_id, force)
) WITHOUT ROWID;

-- Every unit a bulletin went to (is_named: named as a unit, not only through a
-- force), with its acknowledgement. A recipient owes an acknowledgement when
-- ack_due_at > 0 (the bulletin required one) until received_at is set;
-- overdue_at is when the scheduler found it late (the first time).
CREATE TABLE bulletin_recipients (
    bulletin_id INTEGER NOT NULL REFERENCES bulletins (id),
    unit_id INTEGER NOT NULL REFERENCES units (id),
    pos INTEGER NOT NULL,
    is_named INTEGER NOT NULL DEFAULT 1 CHECK (is_named IN (0, 1)),
    ack_due_at INTEGER NOT NULL DEFAULT 0,
    received_at INTEGER NOT NULL DEFAULT 0,
    received_by INTEGER NOT NULL DEFAULT 0,
    note TEXT,
    overdue_at INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (bulletin_id, unit_id)
) WITHOUT ROWID;
-- The unit filter and the access scope of lists start from the unit.
CREATE INDEX bulletin_recipients_unit_id ON bulletin_recipients (unit_id, bulletin_id);
-- A unit's inbox: what it still owes, by deadline.
CREATE INDEX bulletin_recipients_inbox ON bulletin_recipients (unit_id, ack_due_at)
    WHERE ack_due_at > 0 AND received_at = 0;
-- The scheduler: deadlines still waiting and not yet found late, by time (the
-- next one and the ones now due are a short walk from the front).
CREATE INDEX bulletin_recipients_pending ON bulletin_recipients (ack_due_at)
    WHERE ack_due_at > 0 AND received_at = 0 AND overdue_at = 0;

-- Periods of a schedule whose bulletin was not sent by its due time, each
-- recorded once by the scheduler (the key). A bulletin sent late for such a
-- period is still accepted; the miss stays as history.
CREATE TABLE bulletin_schedule_misses (
    schedule_id INTEGER NOT NULL REFERENCES bulletin_schedules (id),
    period_start TEXT NOT NULL,
    due_at INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL,
    PRIMARY KEY (schedule_id, period_start)
) WITHOUT ROWID;
