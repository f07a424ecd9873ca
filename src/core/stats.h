/* stats.h - figures over incidents: timeliness of first reports and of
 * acknowledgements per unit and per force, for any period. Exercise and test
 * incidents are left out; only incidents the caller may see are counted. */
#ifndef PH_CORE_STATS_H
#define PH_CORE_STATS_H
#include <stddef.h>
#include <stdint.h>
#include "util/err.h"
struct core_ctx;

struct stats_timeliness {
    int64_t unit_id;         /* 0 for a force's total */
    const char *unit_name;   /* NULL for a force's total */
    const char *force;
    int64_t reports, reports_on_time;   /* first reports made by the unit */
    int64_t acks, acks_on_time;         /* "received" acknowledgements due from the unit
                                         * (pending ones past their deadline count as late) */
    int64_t report_delay_p50_ms, report_delay_p90_ms; /* detected -> reported */
    int64_t ack_delay_p50_ms, ack_delay_p90_ms;       /* sent -> received */
};

/* The longest period one request may cover: every row of it is read and ranked in
 * memory, so a request cannot make the server walk years of history. */
#define STATS_MAX_PERIOD_MS (400LL * 24 * 60 * 60 * 1000)

struct stats_period {
    int64_t from, to;  /* [from, to) UTC ms on reported_at (reports) and sent_at (acks) */
    const char *force; /* only this force's units, or NULL */
    int64_t unit_id;   /* only this unit and units below it; 0: all */
};

/* Per unit (units with any report or acknowledgement in the period, in unit id
 * order) into *units, and per force into *forces (police, military,
 * border_guard order; forces without figures left out). Arrays in cx->arena.
 * Percentiles by the nearest-rank method; 0 when there is nothing to rank.
 * PH_EINVAL for a period that ends before it starts or is longer than
 * STATS_MAX_PERIOD_MS (an open end, to = 0, counts up to cx->now_ms). */
ph_err stats_timeliness(struct core_ctx *cx, const struct stats_period *p, struct stats_timeliness **units,
                        size_t *n_units, struct stats_timeliness **forces, size_t *n_forces) __attribute__((warn_unused_result));

/* ---- incident counts ------------------------------------------------------------------- */

/* A count: of a category (category set, force NULL), of a lead force (force set,
 * category NULL), or of both (a cell of the cross table). */
struct stats_count {
    int64_t category_id;  /* 0 for a force's total */
    const char *category; /* the category's code; NULL for a force's total */
    const char *force;    /* the lead unit's force; NULL for a category's total (or no lead) */
    int64_t count;
};

struct stats_incident_counts {
    int64_t from, to; /* [from, to) UTC ms on reported_at */
    int64_t total;
    struct stats_count *cells; /* category x force, counts > 0, (category id, force) order */
    size_t n_cells;
    struct stats_count *by_category; /* counts > 0, category id order */
    size_t n_by_category;
    struct stats_count by_force[3]; /* police, military, border_guard (zeros included) */
};

/* Counts of the incidents the caller may see whose reported_at is in [from, to)
 * (to = 0: open), by category and by the lead unit's force. Exercises and tests
 * (cap_status other than "actual") and merged incidents (duplicates of the one
 * they were merged into) are left out. Arrays in cx->arena. PH_EINVAL for a
 * period that ends before it starts or is longer than STATS_MAX_PERIOD_MS. */
ph_err stats_incident_counts(struct core_ctx *cx, int64_t from, int64_t to,
                             struct stats_incident_counts *out) __attribute__((warn_unused_result));
#endif
