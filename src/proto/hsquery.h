/* hsquery.h - the parameters of a hot-spot analysis (core/hotspot.h, struct
 * hotspot_query) from text: the query string of GET /api/v1/analytics/... and
 * the options of `phoihop hotspots` go through this one parser, so that both
 * doors take the same values and refuse the same ones (docs/API.md, "Hot spots").
 *
 * Parameters (each optional; the core's defaults apply to what is absent):
 *   category   comma-separated category codes ([a-z0-9_-], 1..64 bytes each, at
 *              most HOTSPOT_CATEGORIES_MAX of them, no empty one)
 *   force      a force name ("police", ...; the core knows them)
 *   area_id    a positive integer
 *   weight     count | severity
 *   shape      square | hexagon
 *   cell       metres, a finite number > 0 (its range is the core's)
 *   weights    band | knn (absent: knn when k is given, else band)
 *   band       metres > 0;  k  an integer 1..HS_KNN_MAX;  alpha  in (0, 1)
 *   slice      day | week | month (30 days)
 *   time_neighbours  an integer 1..HSQUERY_TIME_NEIGHBOURS_MAX
 *   bandwidth  metres > 0
 * since and until are the caller's (RFC 3339 for the API, dates too for the
 * CLI). Ranges that depend on each other (the grid's size, band >= cell) are
 * the core's hotspot_query_check. */
#ifndef PH_PROTO_HSQUERY_H
#define PH_PROTO_HSQUERY_H
#include <stdint.h>
#include "core/hotspot.h"
#include "util/err.h"
struct arena;

#define HSQUERY_CODE_MAX_BYTES 64
#define HSQUERY_TIME_NEIGHBOURS_MAX 12
#define HSQUERY_DAY_MS (24LL * 3600 * 1000)

/* The text of parameter name, or NULL when absent. */
typedef const char *(*hsquery_get_fn)(void *ctx, const char *name);

struct hsquery {
    struct hotspot_query q; /* categories live in the arena given to hsquery_parse */
    const char *slice;      /* "day", "week", "month": the name of q.slice_ms, or NULL */
};

/* Fill out->q (since and until untouched, everything absent left 0 / NULL for
 * the core's defaults) from the parameters get(ctx, name) gives. PH_EINVAL with
 * *field the parameter's name (as listed above) on the first bad one. */
ph_err hsquery_parse(hsquery_get_fn get, void *ctx, struct arena *a, struct hsquery *out,
                     const char **field) __attribute__((warn_unused_result));

/* The names of the analyses' enums, for answers and tables: "square" /
 * "hexagon", "band" / "knn". */
const char *hsquery_shape_name(enum hs_shape s);
const char *hsquery_weights_name(enum hs_weights w);
#endif
