/* hotspot_int.h - what core/hotspot.c (analyses), hotspot_records.c (records)
 * and hotspot_detect.c (the early-warning run) share. Nothing here leaves core/. */
#ifndef PH_CORE_HOTSPOT_INT_H
#define PH_CORE_HOTSPOT_INT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "analytics/hotspot.h"
#include "core/access.h"
#include "core/hotspot.h"
#include "store/store.h"

#define HOTSPOT_MS_PER_DAY (24LL * 60 * 60 * 1000)

/* The study of a query: its grid over the area's extent with the mask of cells
 * whose centre lies inside some area (land or sea), the category ids asked for,
 * and the slices of [since, until). The grid is owned (hotspot_study_close). */
struct hotspot_study {
    struct hs_grid *grid;
    size_t n_cells;
    int64_t *category_ids; /* in the arena */
    size_t n_categories;
    size_t n_slices; /* ceil((until - since) / slice_ms) */
};

/* Which analysis a study is for: its work is checked against the budget
 * (docs/HOTSPOTS.md, "Limits"); CHECK, hotspot_query_check's, checks Gi* and
 * density both. */
enum hotspot_kind {
    HOTSPOT_KIND_CHECK,
    HOTSPOT_KIND_GISTAR,
    HOTSPOT_KIND_EMERGING,
    HOTSPOT_KIND_DENSITY,
};

/* hotspot_query_check, then the grid and its mask. EMERGING: also check that the
 * slices fit (field "slice", "time_neighbours"). Every check, the work's too,
 * comes before the grid is built and anything but the areas is read. */
ph_err hotspot_study_open(struct core_ctx *cx, struct hotspot_query *q, enum hotspot_kind kind,
                          struct hotspot_study *out, const char **field)
    __attribute__((warn_unused_result));
void hotspot_study_close(struct hotspot_study *s);

/* One pass over the incidents of q that scope lets see (NULL: all, the system),
 * restricted to category_ids (n 0: all), adding each incident's weight (1, or its
 * severity) into values[slice * n_cells + cell] (slices when slice_ms > 0, else
 * values has one slice). Optional: counts[k] += 1 for an incident of category
 * count_ids[k]; on_member(ctx, group, point) for an incident whose cell c has
 * cell_group[c] >= 0; cell_class[c] raised to each incident's classification. *incidents (may be NULL) gets the incidents counted in the
 * study's cells. */
struct hotspot_pass {
    const int64_t *category_ids;
    size_t n_categories;
    int64_t slice_ms;
    double *values;
    const int64_t *count_ids;
    int64_t *counts;
    size_t n_count;
    const int32_t *cell_group;
    void (*on_member)(void *ctx, int32_t group, const struct store_incident_point *p);
    void *member_ctx;
    int8_t *cell_class; /* optional: the highest classification of each cell's incidents */
};
ph_err hotspot_study_pass(struct core_ctx *cx, const struct hotspot_query *q,
                          const struct hotspot_study *s, const struct incident_scope *scope,
                          const struct hotspot_pass *pass, int64_t *incidents)
    __attribute__((warn_unused_result));

/* The local (Asia/Ho_Chi_Minh) date of ms, "YYYY-MM-DD": which areas are valid. */
void hotspot_local_date(int64_t ms, char out[11]);

/* The access item of a record: an operational item sent to its responsible
 * units, no owner (paths borrowed from h). */
void hotspot_access_item(const struct store_hotspot *h, struct access_item *out);
/* The outbox payload of a record (a new reference). */
json_t *hotspot_event_payload(const struct hotspot *h);
#endif
