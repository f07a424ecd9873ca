/* geojson_cells.h - a hot-spot surface (core/hotspot.h) as a GeoJSON
 * FeatureCollection (RFC 7946), written straight into a buffer by util/jsonw: a
 * surface can have 100,000 cells, which a jansson tree would hold as a million
 * allocations. One writer for the three analyses (Gi*, emerging, density) and
 * both doors (GET /api/v1/analytics/..., `phoihop hotspots --geojson`).
 *
 * The shape (docs/API.md, "Hot spots"):
 *   {"type":"FeatureCollection","meta":{"analysis":..., the parameters, counts},
 *    "features":[{"type":"Feature","id":CELL,"geometry":{"type":"Polygon",
 *      "coordinates":[[[lon,lat],...,first again]]},"properties":{"cell":CELL,...}}]}
 * Features are the cells worth drawing: Gi* cells with a count or significant,
 * emerging cells with a count or a trend class, density cells above zero.
 * Coordinates have 7 decimals (about a centimetre). */
#ifndef PH_PROTO_GEOJSON_CELLS_H
#define PH_PROTO_GEOJSON_CELLS_H
#include <stdbool.h>
#include <stddef.h>
#include "core/hotspot.h"
#include "util/err.h"
struct buf;

enum geojson_cells_analysis {
    GEOJSON_CELLS_GISTAR = 0,
    GEOJSON_CELLS_EMERGING = 1,
    GEOJSON_CELLS_DENSITY = 2,
};

/* What "meta" says beside the surface's own counts. */
struct geojson_cells_meta {
    enum geojson_cells_analysis analysis;
    const struct hotspot_query *q; /* as hotspot_query_check left it (defaults filled) */
    const char *slice;             /* emerging: "day", "week", "month"; NULL: none */
};

/* Append the FeatureCollection of s to b. PH_ETOOBIG when b's cap is reached
 * (b then holds a prefix). */
ph_err geojson_cells_write(struct buf *b, const struct hotspot_surface *s,
                           const struct geojson_cells_meta *m) __attribute__((warn_unused_result));

/* Whether cell c of s becomes a feature (the rule above); the CLI's table shows
 * the same cells. */
bool geojson_cells_shown(const struct hotspot_surface *s, enum geojson_cells_analysis analysis,
                         size_t c);
/* The Gi* kind of a significance: "hot", "cold", or NULL. */
const char *geojson_cells_kind(int sig);
#endif
