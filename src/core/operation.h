/* operation.h - joint operations: patrols (tuần tra), control (kiểm soát) and
 * checkpoints (chốt chặn) on land, river or sea; the vehicles and vessels
 * (assets) they use; their results log; conflicts of people and assets between
 * operations that overlap in time; and coverage (which areas went unpatrolled).
 *
 * Workflow (status):
 *   planned -> active -> completed
 *   planned | active -> cancelled (a reason is required)
 * Anything else is PH_ECONFLICT (HTTP 409, field "status"). Starting sets
 * started_at, completing sets ended_at (both cx->now_ms unless given, never in
 * the future).
 *
 * Access: the owning unit (the planner, default the caller's unit) owns the
 * operation; every other participating unit is a unit it was "sent to"
 * (core/access.h), so that the units above any of them see it. Planning needs
 * ROLE_DUTY_OFFICER, ROLE_COMMANDER or ROLE_COORDINATOR (ACCESS_CREATE on the
 * owner); results log entries may be written by anyone assigned to the operation
 * or anyone who may update it. An operation with units of two or more forces is
 * a joint operation (is_joint, kept by core).
 *
 * Every write: access, validation naming the field, the store, an audit entry
 * ("operation.create", "operation.update", "operation.status", "operation.log",
 * "asset.create", "asset.update") and an outbox event with the operation's
 * access scope (outbox_emit_scoped): "operation.planned", "operation.updated",
 * "operation.started", "operation.completed", "operation.cancelled",
 * "operation.logged" (payload {"operation_id","entry_id","incident_id"?}). */
#ifndef PH_CORE_OPERATION_H
#define PH_CORE_OPERATION_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/err.h"
struct access_item;
struct core_ctx;
struct incident;

#define OPERATION_TITLE_MAX_BYTES 300
#define OPERATION_TEXT_MAX_BYTES (32 * 1024)    /* description, log text, items seized */
#define OPERATION_GEOMETRY_MAX_BYTES (512 * 1024) /* a route of ~20,000 points */
#define OPERATION_MAX_UNITS 32
#define OPERATION_MAX_PEOPLE 500
#define OPERATION_MAX_ASSETS 100
#define OPERATION_MAX_DAYS 92                    /* planned_end - planned_start */
#define OPERATION_COUNT_MAX 1000000              /* log counts */

/* Kinds, domains, geometry kinds and statuses as stored and in the API. */
#define OPERATION_PATROL "patrol"
#define OPERATION_CONTROL "control"
#define OPERATION_CHECKPOINT "checkpoint"
#define OPERATION_PLANNED "planned"
#define OPERATION_ACTIVE "active"
#define OPERATION_COMPLETED "completed"
#define OPERATION_CANCELLED "cancelled"

/* A vehicle or vessel (phương tiện) of a unit. Written by the unit's admins,
 * duty officers and commanders (and above); read by all who may see the unit's
 * operations (everyone: it is directory data, like units). */
struct asset {
    int64_t id;
    const char *kind;        /* "vehicle" | "vessel" */
    const char *code;        /* plate or hull number, unique per kind, NFC */
    const char *name;        /* "Tàu BP-12-03", NFC */
    int64_t unit_id;
    bool is_active;
    int64_t version;
    int64_t created_at, updated_at;
    const char *unit_path;   /* joined, read-only */
};

struct asset_filter {
    const char *kind;        /* or NULL */
    int64_t unit_id;         /* the unit and below; 0: any */
    const char *q;           /* folded name/code contains, or NULL */
    bool include_inactive;
    int64_t after_id;
    int limit;
};

struct operation_unit {
    int64_t unit_id;
    const char *role;        /* "lead" (the owner) | "participant" */
    const char *unit_code, *unit_name, *unit_path, *force; /* joined, read-only */
};

struct operation {
    int64_t id;
    const char *kind;          /* OPERATION_PATROL | _CONTROL | _CHECKPOINT */
    const char *domain;        /* "land" | "river" | "sea" */
    const char *title;         /* NFC, required */
    const char *description;   /* NFC, or NULL */
    int64_t campaign_id;       /* 0: none (campaigns are a later issue) */
    /* The GeoJSON geometry object text: a LineString (geometry_kind "route"), a
     * Polygon ("area") or a Point ("point"); a checkpoint needs a Point, a patrol
     * a LineString or a Polygon, control a Polygon or a Point. Coordinates
     * WGS84 [lon, lat], validated. */
    const char *geometry;
    const char *geometry_kind; /* read-only: from the geometry's type */
    double min_lat, min_lon, max_lat, max_lon; /* read-only: its bounding box */
    int64_t planned_start, planned_end; /* UTC ms; end after start, at most OPERATION_MAX_DAYS */
    int64_t started_at, ended_at;       /* read-only here: set by the workflow; 0: not yet */
    int64_t owner_unit_id;     /* default: the caller's unit */
    /* Participating units besides the owner (on write); every unit, the owner
     * first, on read. */
    int64_t *unit_ids;
    size_t n_units;
    struct operation_unit *units; /* read-only, filled by operation_get */
    int64_t commander_id;      /* a person; 0: none (always among people_ids on read) */
    int64_t *people_ids;       /* people assigned */
    size_t n_people;
    int64_t *asset_ids;        /* vehicles and vessels assigned */
    size_t n_assets;
    int classification;        /* CLEARANCE_*, not above the caller's */
    const char *status;        /* read-only here */
    const char *cancel_reason; /* read-only here */
    bool is_joint;             /* read-only */
    int64_t *area_ids;         /* read-only: the areas it covers (coverage) */
    size_t n_areas;
    int64_t created_by;
    int64_t version;
    int64_t created_at, updated_at;
    /* Read-only, joined: the owner's path and force, the others' paths. */
    const char *owner_path, *owner_force;
    const char **sent_to_paths;
    size_t n_sent_to;
};

/* Figures summed over an operation's results log. */
struct operation_summary {
    int64_t entries, people_checked, vehicles_checked, vessels_checked, violations, incidents;
    int64_t duration_ms;       /* started -> ended (or now while active); 0 before start */
};

struct operation_filter {
    int64_t from, to;          /* planned interval overlaps [from, to); 0: open */
    const char *kind, *status, *domain; /* or NULL */
    int64_t unit_id;           /* owner or participant is this unit or below; 0: any */
    int64_t person_id;         /* assigned; 0: any */
    bool joint_only;
    const char *q;             /* folded title contains; NULL: none */
    int64_t before_id;         /* newest first; 0: newest */
    int limit;
    /* Set by core from the caller (as for incidents). */
    const char *scope_unit_path;
    int scope_clearance;
};

/* One results log entry. */
struct operation_log_entry {
    int64_t id, operation_id;
    int64_t at;                /* UTC ms; default cx->now_ms; not in the future */
    int64_t person_id;         /* read-only: the writer */
    bool has_location;
    double lat, lon;
    const char *text;          /* NFC, required */
    int people_checked, vehicles_checked, vessels_checked, violations;
    const char *items_seized;  /* NFC, or NULL */
    int64_t incident_id;       /* read-only: the incident made from it; 0 */
    int64_t created_at;
    const char *person_name;   /* joined, read-only */
};

/* ---- assets ---- */
ph_err asset_create(struct core_ctx *cx, struct asset *a, const char **field) __attribute__((warn_unused_result));
ph_err asset_update(struct core_ctx *cx, struct asset *a, const char **field) __attribute__((warn_unused_result));
ph_err asset_get(struct core_ctx *cx, int64_t id, struct asset *out) __attribute__((warn_unused_result));
ph_err asset_list(struct core_ctx *cx, const struct asset_filter *f, struct asset **items, size_t *n,
                  bool *has_more) __attribute__((warn_unused_result));

/* ---- operations ---- */
ph_err operation_validate(struct core_ctx *cx, struct operation *o, const char **field) __attribute__((warn_unused_result));
/* Plan: access, validate, resolve the covered areas from the geometry, refuse
 * people and assets already on an overlapping operation (planned or active):
 * PH_ECONFLICT with *field "people_ids" or "asset_ids" and *conflict_id the other
 * operation's id; insert with status planned. */
ph_err operation_create(struct core_ctx *cx, struct operation *o, const char **field,
                        int64_t *conflict_id) __attribute__((warn_unused_result));
/* Update the members given (o->version must match: PH_ESTALE), same checks;
 * not once completed or cancelled (PH_ECONFLICT, field "status"). */
ph_err operation_update(struct core_ctx *cx, struct operation *o, const char **field,
                        int64_t *conflict_id) __attribute__((warn_unused_result));
/* Move to status (OPERATION_ACTIVE, _COMPLETED, _CANCELLED); at: when it
 * happened (0: now); reason required for cancelled. version: 0 or must match. */
ph_err operation_set_status(struct core_ctx *cx, int64_t id, int64_t version, const char *status,
                            int64_t at, const char *reason, const char **field) __attribute__((warn_unused_result));
/* PH_ENOTFOUND also when the caller may not see it. */
ph_err operation_get(struct core_ctx *cx, int64_t id, struct operation *out) __attribute__((warn_unused_result));
ph_err operation_list(struct core_ctx *cx, const struct operation_filter *f, struct operation **items,
                      size_t *n, bool *has_more) __attribute__((warn_unused_result));
ph_err operation_summary(struct core_ctx *cx, int64_t id, struct operation_summary *out) __attribute__((warn_unused_result));
/* The access item of a loaded operation (owner, participants, classification). */
void operation_access_item(const struct operation *o, struct access_item *out);

/* ---- results log ---- */
/* Append an entry to an active operation (PH_ECONFLICT, field "status", when it is
 * not active). When inc is not NULL, also create that incident (incident_create,
 * its location and occurred_at defaulting to the entry's) in the same
 * transaction and link both ways (e->incident_id, and the incident's
 * operation_id / operation_log_id). */
ph_err operation_log_add(struct core_ctx *cx, int64_t operation_id, struct operation_log_entry *e,
                         struct incident *inc, const char **field) __attribute__((warn_unused_result));
/* Entries in time order, after (at, id) > (after_at, after_id). */
ph_err operation_log_list(struct core_ctx *cx, int64_t operation_id, int64_t after_id, int limit,
                          struct operation_log_entry **items, size_t *n, bool *has_more) __attribute__((warn_unused_result));

/* ---- coverage (GET /api/v1/stats/coverage) ---- */
struct coverage_area {
    int64_t area_id;
    const char *area_code, *area_name, *area_kind; /* kind: inland|coastal|border|sea */
    int64_t operations;        /* operations (active or completed) that covered it in the period */
    double hours;              /* their hours inside the period, summed */
    double hours_by_force[3];  /* police, military, border_guard (an operation counts for each
                                * force taking part) */
    int64_t last_covered_at;   /* end of the latest covering operation in the period; 0: none */
    int64_t longest_gap_ms;    /* the longest stretch of the period with no operation */
    bool gap_exceeded;         /* longest_gap_ms > the threshold asked for */
};
struct coverage_query {
    int64_t from, to;          /* the period, UTC ms; at most 400 days */
    int gap_days;              /* N: flag areas left uncovered longer; default 7 */
    const char *area_kind;     /* or NULL: all */
    const char *area_level;    /* default "commune" */
    const char *force;         /* count only operations this force took part in; NULL: all */
};
/* Per area, over the operations the caller may see. */
ph_err operation_coverage(struct core_ctx *cx, const struct coverage_query *q, struct coverage_area **items,
                          size_t *n) __attribute__((warn_unused_result));
#endif
