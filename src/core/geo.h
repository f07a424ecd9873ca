/* geo.h - the geometry phoihop needs, written here because no Debian-packaged C
 * library fits (GEOS is C++-centric and heavy for one ring test; see DESIGN.md):
 * WGS84 point checks, polygons parsed from the areas' GeoJSON, exact point-in-
 * polygon with holes and multipolygons, bounding boxes, and resolving a location
 * to the deepest area that contains it (an R*Tree in the store pre-filters by
 * bounding box). */
#ifndef PH_CORE_GEO_H
#define PH_CORE_GEO_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/err.h"
struct arena;
struct core_ctx;

struct geo_bbox {
    double min_lon, min_lat, max_lon, max_lat;
};

/* A ring is n points (lon, lat pairs in xy[2*i], xy[2*i+1]), closed (first ==
 * last). A polygon is an outer ring and holes; a shape is one or more polygons. */
struct geo_ring {
    const double *xy;
    size_t n;
};
struct geo_polygon {
    struct geo_ring *rings; /* rings[0] outer, the rest holes */
    size_t n_rings;
};
struct geo_ring_index; /* geo.c: one ring's box and its edges by latitude band */
struct geo_shape {
    struct geo_polygon *polys;
    size_t n_polys;
    struct geo_bbox bbox;
    /* Built by geo_shape_parse: one entry per ring (polygon by polygon, outline
     * first) so that a test skips rings whose box misses the point and, in a
     * ring of many edges, reads only the edges at the point's latitude. NULL
     * in a shape built by hand: every edge is tested, with the same answers. */
    const struct geo_ring_index *index;
};

/* lat in [-90, 90], lon in [-180, 180], both finite. */
bool geo_point_valid(double lat, double lon);
/* Parse GeoJSON text (a Polygon or MultiPolygon geometry, or a Feature with one)
 * into *out, arrays in arena a. PH_EINVAL (with *why, static) when it is not one
 * of those, a ring is open or has fewer than 4 points, a coordinate is out of
 * range, or it nests deeper than GEOJSON_MAX_DEPTH. */
ph_err geo_shape_parse(struct arena *a, const char *geojson, size_t len, struct geo_shape *out,
                       const char **why) __attribute__((warn_unused_result));
/* Is (lon, lat) inside the shape (inside an outer ring and in none of its
 * holes)? Points on an edge count as inside. Safe from several threads at once. */
bool geo_shape_contains(const struct geo_shape *s, double lon, double lat);
/* Great-circle distance in metres (haversine, mean Earth radius). */
double geo_distance_m(double lat1, double lon1, double lat2, double lon2);

/* The deepest area valid on date ("YYYY-MM-DD") whose geometry contains the
 * point: commune before district before province (among areas of one level,
 * the lowest id, so that a point on a shared border always gets the same
 * answer). *area_id 0 when none does. Outlines are parsed once per version of
 * an area and kept, shared by every thread. */
ph_err geo_resolve_area(struct core_ctx *cx, double lat, double lon, const char *date,
                        int64_t *area_id) __attribute__((warn_unused_result));
#endif
