/* position.h - live positions from the field: devices (a phone, a TAK client, a
 * tracker on a boat) bound to a person and unit, their position reports, tracks
 * of operations, the latest position of every device, and retention.
 *
 * Devices: a device is known by its uid (the CoT uid, or any stable id a client
 * sends, <= POSITION_UID_MAX_BYTES). A report from an unknown uid made by an
 * authenticated person (API, CoT over TLS with a client certificate) binds the
 * device to that person and their unit on first use; a report from an unknown uid
 * with no person (CoT over plain TCP or UDP) is refused (PH_ENOTFOUND per
 * report), so only devices an admin bound beforehand (device_create) may report
 * anonymously. A device bound to another person than the caller is refused
 * (PH_EPERM per report).
 *
 * Access: a device and its positions belong to its unit (ITEM_OPERATIONAL,
 * unclassified, owner = the device's unit): who may read that unit's items sees
 * them. An operation's track is read through the operation (operation_get).
 *
 * Tracks: during an operation's active interval, the positions of the devices of
 * the people assigned to it form its track (a query over the stored positions,
 * so a device bound or a person assigned later still counts).
 *
 * Writes: position_ingest runs as one writer job per batch (the API's POST, the
 * CoT listener's queue); no audit entry per position (the audit log records who
 * binds a device: "device.create", "device.update"), no outbox event (positions
 * are published on events/livepos.h after commit, not through the outbox). */
#ifndef PH_CORE_POSITION_H
#define PH_CORE_POSITION_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/err.h"
struct core_ctx;
struct livepos_fix;

#define POSITION_UID_MAX_BYTES 200
#define POSITION_CALLSIGN_MAX_BYTES 100
#define POSITION_BATCH_MAX 1000            /* reports per POST /api/v1/positions */
#define POSITION_FUTURE_SKEW_MS (5 * 60 * 1000) /* device clocks run ahead a little */
#define POSITION_MAX_AGE_MS (7LL * 24 * 60 * 60 * 1000) /* older reports are refused */
/* Points in one answer of position_operation_track (all devices together): more
 * is PH_ETOOBIG (ask a shorter from/to). A million is about 60 MB of GeoJSON. */
#define POSITION_TRACK_MAX_POINTS 1000000

/* Where a report came from. */
#define POSITION_SOURCE_API "api"
#define POSITION_SOURCE_COT "cot"
#define POSITION_SOURCE_IMPORT "import"

struct device {
    int64_t id;
    const char *uid;          /* unique, NFC, printable */
    const char *callsign;     /* NFC, or NULL */
    const char *kind;         /* "phone" | "tak" | "tracker" */
    int64_t person_id;        /* bound person; 0: a unit device (a boat's tracker) */
    int64_t unit_id;          /* the unit it reports for (the person's when bound) */
    int64_t asset_id;         /* the vehicle or vessel it is fitted to; 0: none */
    bool is_active;           /* an inactive device's reports are refused */
    int64_t last_at;          /* read-only: time of its latest position; 0: none */
    double last_lat, last_lon;
    double last_speed, last_course, last_alt; /* read-only: of that position; NaN: not given */
    int last_battery;                         /* read-only: 0..100, -1: not given */
    int64_t version;
    int64_t created_at, updated_at;
    const char *unit_path, *person_name; /* joined, read-only */
};

struct device_filter {
    int64_t unit_id;          /* the unit and below; 0: any the caller may see */
    int64_t person_id;        /* 0: any */
    const char *q;            /* folded uid/callsign contains, or NULL */
    int64_t after_id;
    int limit;
};

/* One position report. speed m/s, course degrees true, alt metres above the
 * WGS84 ellipsoid (CoT's hae); a field not given is NaN (battery: -1). */
struct position_report {
    const char *uid;
    const char *callsign;     /* updates the device's callsign when given */
    int64_t at;               /* UTC ms; within POSITION_MAX_AGE_MS and POSITION_FUTURE_SKEW_MS of now */
    double lat, lon;
    double speed, course, alt;
    int battery;              /* 0..100, or -1 */
    const char *source;       /* POSITION_SOURCE_* */
};

/* Per report of a batch: PH_OK (stored), PH_EINVAL (*field names the member),
 * PH_ENOTFOUND (unknown device and no person to bind it to), PH_EPERM (bound to
 * someone else, or inactive). A duplicate (same device and time) is PH_OK and
 * stored once. */
struct position_result {
    ph_err rc;
    const char *field;
    int64_t device_id;
};

/* ---- devices ---- */
ph_err device_create(struct core_ctx *cx, struct device *d, const char **field) __attribute__((warn_unused_result));
ph_err device_update(struct core_ctx *cx, struct device *d, const char **field) __attribute__((warn_unused_result));
ph_err device_get(struct core_ctx *cx, int64_t id, struct device *out) __attribute__((warn_unused_result));
/* The device of uid as the caller may see it; PH_ENOTFOUND otherwise. */
ph_err device_by_uid(struct core_ctx *cx, const char *uid, struct device *out) __attribute__((warn_unused_result));
ph_err device_list(struct core_ctx *cx, const struct device_filter *f, struct device **items, size_t *n,
                   bool *has_more) __attribute__((warn_unused_result));

/* ---- reports ---- */
/* Validate one report (pure but for cx->now_ms): coordinates in range and not
 * both 0 (no fix), time window, speed/course/alt/battery ranges, uid and
 * callsign. PH_EINVAL with *field. Reports of POSITION_SOURCE_IMPORT (a GPX or
 * CSV file of an earlier patrol) are exempt from POSITION_MAX_AGE_MS only. */
ph_err position_validate(const struct core_ctx *cx, const struct position_report *r, const char **field) __attribute__((warn_unused_result));
/* Store a batch (a writer job: cx->st is in a transaction): each report is
 * validated, its device found or bound (see above), stored, and the device's
 * latest position moved forward. results[i] says what became of reports[i].
 * When fixes is not NULL, (*fixes)[0..*n_fixes) (in cx->arena) are what to
 * publish on events/livepos.h once the transaction has committed. Returns PH_OK
 * even when some reports were refused; anything else is a store failure. */
ph_err position_ingest(struct core_ctx *cx, const struct position_report *reports, size_t n,
                       struct position_result *results, struct livepos_fix **fixes,
                       size_t *n_fixes) __attribute__((warn_unused_result));

/* ---- reads ---- */
struct position_point {
    int64_t at;
    double lat, lon, speed, course, alt;
    int battery;
};
struct position_track {
    int64_t device_id;
    const char *uid, *callsign;
    int64_t person_id;
    const char *person_name;
    struct position_point *points; /* time order */
    size_t n_points;
};
/* The track of an operation the caller may read: one track per device, points
 * within [from, to) clipped to the operation's active interval (from/to 0: the
 * whole interval; while active, up to now). PH_ETOOBIG when that holds more than
 * POSITION_TRACK_MAX_POINTS points. */
ph_err position_operation_track(struct core_ctx *cx, int64_t operation_id, int64_t from, int64_t to,
                                struct position_track **tracks, size_t *n) __attribute__((warn_unused_result));
/* The latest position of every active device the caller may see, reported
 * since `since` (0: any time). */
ph_err position_latest(struct core_ctx *cx, int64_t since, struct device **items, size_t *n) __attribute__((warn_unused_result));

/* ---- retention (a scheduled writer job) ---- */
/* Thin positions older than keep_full_ms (before cx->now_ms) to at most one per
 * device per thin_interval_ms, keeping every point a track of an operation needs
 * for its shape (Douglas–Peucker within tolerance_m) and the first and last of
 * each operation interval; delete positions older than keep_ms (0: forever). At
 * most max_rows rows are examined per call; *more says whether to call again. */
struct position_retention {
    int64_t keep_full_ms, thin_interval_ms, keep_ms;
    double tolerance_m;
    int max_rows;
};
ph_err position_retention_run(struct core_ctx *cx, const struct position_retention *p, int64_t *deleted,
                              bool *more) __attribute__((warn_unused_result));
#endif
