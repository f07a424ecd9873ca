/* hotspot.h - hot spots (điểm nóng): analyses over the incidents the caller may
 * see (Getis-Ord Gi*, emerging hot spots, kernel density; the maths is in
 * analytics/hotspot.h), and hotspot records found by the scheduled early-warning
 * run, which commanders move watch -> confirmed -> resolved with notes.
 * Method and parameters: docs/HOTSPOTS.md. */
#ifndef PH_CORE_HOTSPOT_H
#define PH_CORE_HOTSPOT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "analytics/hotspot.h"
#include "util/err.h"
struct core_ctx;

#define HOTSPOT_WATCH "watch"
#define HOTSPOT_CONFIRMED "confirmed"
#define HOTSPOT_RESOLVED "resolved"
#define HOTSPOT_CATEGORIES_MAX 32

/* What to analyse. Incidents count when occurred_at is in [since, until), they
 * are actual (not exercise or test), not merged into another, and the caller may
 * see them (core/access: unit scope and clearance), so that nobody can infer a
 * classified incident from a map. */
struct hotspot_query {
    int64_t since, until;             /* UTC ms; required, since < until */
    const char *const *categories;    /* category codes; n_categories 0: all */
    size_t n_categories;
    const char *force;                /* lead unit's force, or NULL: all */
    int64_t area_id;                  /* incidents in this area and below, and the
                                         extent of the grid; 0: the whole province */
    bool weight_by_severity;          /* value = severity (1..4) instead of 1 */
    enum hs_shape shape;              /* default HS_SQUARE */
    double cell_m;                    /* default 500 */
    struct hs_gistar_params gi;       /* default band 1000 m (at least 1.5 cells), alpha 0.05 */
    int64_t slice_ms;                 /* emerging: the slice length, e.g. 7 days */
    int time_neighbours;              /* emerging: default 1 */
    double bandwidth_m;               /* density: default 1000 */
};

/* Fill unset members of q with the defaults above (0 / NULL means unset) and
 * check it: PH_EINVAL with *field naming the parameter ("since", "until",
 * "cell", "band", "k", "alpha", "slice", "category", "force", "area",
 * "bandwidth") when out of range or unknown, or when the grid or the cube would
 * be too large. */
ph_err hotspot_query_check(struct core_ctx *cx, struct hotspot_query *q, const char **field)
    __attribute__((warn_unused_result));

/* The result of an analysis. grid is owned (hotspot_surface_free); arrays live
 * in cx->arena and have grid's cell count, or are NULL when the analysis did not
 * make them (gistar: value, z, p, sig; emerging: value (all slices summed) and
 * trend; density: value and density). */
struct hotspot_surface {
    struct hs_grid *grid;
    size_t n_cells;
    int64_t incidents;                /* incidents counted */
    size_t n_slices;                  /* emerging */
    double *value;
    double *z, *p;
    int8_t *sig;                      /* 1 hot, -1 cold, 0 not (after FDR) */
    struct hs_emerging_cell *trend;
    double *density;
};
void hotspot_surface_free(struct hotspot_surface *s);

/* Each runs hotspot_query_check first. Meant for the worker pool: they read
 * through cx->st (a read connection) and take up to a second of CPU. */
ph_err hotspot_gistar(struct core_ctx *cx, struct hotspot_query *q, struct hotspot_surface *out,
                      const char **field) __attribute__((warn_unused_result));
ph_err hotspot_emerging(struct core_ctx *cx, struct hotspot_query *q, struct hotspot_surface *out,
                        const char **field) __attribute__((warn_unused_result));
ph_err hotspot_density(struct core_ctx *cx, struct hotspot_query *q, struct hotspot_surface *out,
                       const char **field) __attribute__((warn_unused_result));

/* A hotspot record. */
struct hotspot {
    int64_t id, version;
    const char *status;               /* HOTSPOT_* */
    const char *trend;                /* hs_trend_name(): "new_hot" or "intensifying_hot" */
    int64_t area_id;                  /* the area holding the centre */
    const char *area_name;            /* joined, read-only */
    const char *categories;           /* space-separated codes; "" = all */
    double lat, lon;                  /* the centre of the hottest cell */
    double z, p;                      /* the hottest cell's last-slice Gi* */
    double cell_m;
    int n_cells;
    const char *cells_geojson;        /* a GeoJSON MultiPolygon of its cells */
    int incident_count;
    int classification;               /* the highest of its incidents' */
    int64_t window_from, window_to;   /* the analysed window */
    int64_t detected_at, updated_at;
    const int64_t *incident_ids;      /* hotspot_get only: those the caller may see
                                         (incident_count then counts only those) */
    size_t n_incidents;
};

struct hotspot_note {
    int64_t id, hotspot_id, person_id, at;
    const char *person_name;          /* joined */
    const char *status_from, *status_to; /* NULL when the note did not move it */
    const char *text;
};

struct hotspot_filter {
    const char *status;               /* or NULL */
    int64_t area_id;                  /* this area and below; 0: any */
    int64_t from, to;                 /* detected_at in [from, to); 0: open */
    int64_t before_id;                /* newest first; 0: newest */
    int limit;
};

/* The early-warning run (scheduler, hourly by default), as the system over all
 * actual incidents: an emerging analysis of the last p->window_ms in slices of
 * p->slice_ms per category group; each connected group of cells classed new_hot
 * or intensifying_hot that no open (watch/confirmed) record already covers
 * becomes a record with status watch, an audit entry and an outbox event
 * ("hotspot.detected") sent to the units responsible for its area, which puts it
 * in their inbox. *created counts the new records. */
struct hotspot_detect_params {
    int64_t window_ms;                /* default 12 weeks */
    int64_t slice_ms;                 /* default 1 week */
    double cell_m;                    /* default 500 */
    double band_m;                    /* default 1000 */
    double alpha;                     /* default 0.05 */
    /* Added (additive): asked between category groups; true stops the run
     * (PH_EBUSY, nothing found), so that a shutdown does not wait for a whole
     * analysis. NULL: never. */
    bool (*should_stop)(void *ctx);
    void *stop_ctx;
};
ph_err hotspot_detect(struct core_ctx *cx, const struct hotspot_detect_params *p, int *created)
    __attribute__((warn_unused_result));

/* Added (additive): the same run in two phases, so that the single writer is
 * held only for the inserts, not for the seconds of analysis. hotspot_detect is
 * find then record on one connection; the scheduler and POST
 * /api/v1/hotspots/detect use the two apart. Both as the system (PH_EPERM
 * otherwise).
 * find reads only (any connection: a read connection of the scheduler or of a
 * worker-pool thread; writes nothing, needs no transaction) and sets *out, owned
 * (hotspot_found_free; NULL on error), to the records the run would create:
 * their cells, centre, trend, z, p, area, responsible units, categories,
 * incidents, classification and window, in its own memory (not cx->arena).
 * record, in the writer's transaction, reads the open records again, skips a
 * found record that one of them now overlaps (made between the phases: another
 * run, or the HTTP route), and creates the others with their audit entries and
 * events; *created counts them. found NULL or empty creates nothing. */
struct hotspot_found;
ph_err hotspot_detect_find(struct core_ctx *cx, const struct hotspot_detect_params *p,
                           struct hotspot_found **out) __attribute__((warn_unused_result));
ph_err hotspot_detect_record(struct core_ctx *cx, const struct hotspot_found *found, int *created)
    __attribute__((warn_unused_result));
/* How many records found holds (0 for NULL): none, no writer job is needed. */
size_t hotspot_found_count(const struct hotspot_found *found);
void hotspot_found_free(struct hotspot_found *found);

/* PH_ENOTFOUND also when the caller may not see it. */
ph_err hotspot_get(struct core_ctx *cx, int64_t id, struct hotspot *out) __attribute__((warn_unused_result));
ph_err hotspot_list(struct core_ctx *cx, const struct hotspot_filter *f, struct hotspot **items, size_t *n,
                    bool *has_more) __attribute__((warn_unused_result));
/* Commanders (and above) of a responsible unit: move to status (watch ->
 * confirmed -> resolved, or confirmed/resolved back to watch when it flares
 * again) with a note; version 0 or must match (PH_ESTALE). Illegal moves are
 * PH_ECONFLICT with *field "status". Audit + outbox ("hotspot.status"). */
ph_err hotspot_set_status(struct core_ctx *cx, int64_t id, int64_t version, const char *status, const char *note,
                          const char **field) __attribute__((warn_unused_result));
/* A note without a status change (text required, NFC, at most 4000 bytes). */
ph_err hotspot_add_note(struct core_ctx *cx, int64_t id, const char *text, const char **field)
    __attribute__((warn_unused_result));
ph_err hotspot_notes(struct core_ctx *cx, int64_t id, struct hotspot_note **items, size_t *n)
    __attribute__((warn_unused_result));

/* Added with the implementation (additive): */
/* Whether the caller may move record id (hotspot_set_status's rights): *can
 * false when not; PH_ENOTFOUND when the caller may not see it. */
ph_err hotspot_can_set_status(struct core_ctx *cx, int64_t id, bool *can) __attribute__((warn_unused_result));
/* The inbox's hotspots: open (watch) records of which a responsible unit is
 * unit_id (0: the caller's unit) or below it, that the caller may see; newest
 * first, at most limit (items in cx->arena). unit_id as incident_inbox_unit. */
ph_err hotspot_inbox(struct core_ctx *cx, int64_t unit_id, int limit, struct hotspot **items, size_t *n)
    __attribute__((warn_unused_result));
/* Added with the second review (additive): hotspot_get, hotspot_notes and
 * hotspot_can_set_status together, reading the record once (GET
 * /api/v1/hotspots/:id and the answers of its writes). */
ph_err hotspot_get_detail(struct core_ctx *cx, int64_t id, struct hotspot *out, struct hotspot_note **notes,
                          size_t *n_notes, bool *can_set_status) __attribute__((warn_unused_result));
#endif
