/* geo.c - point checks, GeoJSON outlines parsed into flat coordinate arrays,
 * point-in-polygon, great-circle distance, and resolving a location to an area.
 *
 * Written here rather than taken from a library: Debian packages no small C
 * library with an exact point-in-ring test (GEOS is C++-centric and heavy, and
 * PROJ/GDAL do far more than we need), and the test itself is a page of code.
 *
 * Our GeoJSON subset is area.c's (RFC 7946 §3.1.6, §3.1.7, §3.2): a Polygon or
 * MultiPolygon geometry object, or a Feature whose "geometry" is one. A linear
 * ring has at least four positions and ends where it starts; a position is [lon,
 * lat] with finite numbers in range (members after the second, such as an
 * altitude, are ignored). The first ring of a polygon is its outline, the others
 * are holes. Ring orientation is not checked (RFC 7946 §3.1.6 asks parsers not to
 * reject rings for it), and the crossing-number test below does not need it.
 *
 * Edges: a point within GEO_EDGE_EPS_DEG of an edge (about 0.1 mm) is on it and
 * counts as inside. Beyond that band the crossing-number test is exact: the
 * rounding error of its one intersection (a ratio in [0, 1] times an edge of at
 * most 360 degrees, ~1e-13 degrees) is far smaller than the band, so a point is
 * never counted on the wrong side of an edge it is not on. */
#include "util/base.h"
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <time.h>
#include "core/ctx.h"
#include "core/geo.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/limits.h"
#include "util/log.h"
#include "util/time.h"

#define GEO_EARTH_RADIUS_M 6371008.8 /* IUGG mean radius R1 */
#define GEO_EDGE_EPS_DEG 1e-9

/* ---- points and distances --------------------------------------------------------- */

bool geo_point_valid(double lat, double lon)
{
    return isfinite(lat) && isfinite(lon) && lat >= -90.0 && lat <= 90.0 && lon >= -180.0 &&
           lon <= 180.0;
}

double geo_distance_m(double lat1, double lon1, double lat2, double lon2)
{
    const double rad = M_PI / 180.0;
    double s_lat = sin((lat2 - lat1) * rad / 2.0);
    double s_lon = sin((lon2 - lon1) * rad / 2.0);
    double h = s_lat * s_lat + cos(lat1 * rad) * cos(lat2 * rad) * s_lon * s_lon;

    /* Rounding can push h a hair above 1 for antipodal points; asin would give NaN. */
    if (h > 1.0)
        h = 1.0;
    return 2.0 * GEO_EARTH_RADIUS_M * asin(sqrt(h));
}

/* ---- GeoJSON ---------------------------------------------------------------------- */

/* jansson recurses once per nesting level and has no limit of its own below 2048,
 * so the text is measured before it is parsed: brackets outside strings. A
 * malformed text may be measured wrongly; jansson rejects it anyway. */
static bool nesting_within(const char *s, size_t n, int max)
{
    int depth = 0;
    bool in_string = false;

    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (in_string) {
            if (c == '\\')
                i++; /* the escaped character cannot end the string */
            else if (c == '"')
                in_string = false;
            continue;
        }
        switch (c) {
        case '"':
            in_string = true;
            break;
        case '[':
        case '{':
            if (++depth > max)
                return false;
            break;
        case ']':
        case '}':
            depth--;
            break;
        default:
            break;
        }
    }
    return true;
}

static void bbox_add(struct geo_bbox *b, double lon, double lat)
{
    if (lon < b->min_lon)
        b->min_lon = lon;
    if (lon > b->max_lon)
        b->max_lon = lon;
    if (lat < b->min_lat)
        b->min_lat = lat;
    if (lat > b->max_lat)
        b->max_lat = lat;
}

static bool parse_position(const json_t *pos, double *lon, double *lat, const char **why)
{
    const json_t *x = json_array_get(pos, 0), *y = json_array_get(pos, 1);

    if (!json_is_array(pos) || json_array_size(pos) < 2 || !json_is_number(x) ||
        !json_is_number(y)) {
        *why = "a position must be [lon, lat]";
        return false;
    }
    *lon = json_number_value(x);
    *lat = json_number_value(y);
    if (!geo_point_valid(*lat, *lon)) {
        *why = "a position is out of range";
        return false;
    }
    return true;
}

static bool parse_ring(struct arena *a, const json_t *ring, struct geo_ring *out,
                       struct geo_bbox *bbox, const char **why)
{
    size_t n = json_array_size(ring);
    double *xy;

    if (!json_is_array(ring) || n < 4) {
        *why = "a ring needs at least four positions";
        return false;
    }
    xy = arena_alloc(a, n * 2 * sizeof(*xy));
    for (size_t i = 0; i < n; i++) {
        if (!parse_position(json_array_get(ring, i), &xy[2 * i], &xy[2 * i + 1], why))
            return false;
        bbox_add(bbox, xy[2 * i], xy[2 * i + 1]);
    }
    if (xy[0] != xy[2 * (n - 1)] || xy[1] != xy[2 * (n - 1) + 1]) {
        *why = "a ring must end where it starts";
        return false;
    }
    out->xy = xy;
    out->n = n;
    return true;
}

static bool parse_polygon(struct arena *a, const json_t *rings, struct geo_polygon *out,
                          struct geo_bbox *bbox, const char **why)
{
    size_t n = json_array_size(rings);

    if (!json_is_array(rings) || n == 0) {
        *why = "a polygon needs at least one ring";
        return false;
    }
    out->rings = arena_alloc(a, n * sizeof(*out->rings));
    out->n_rings = n;
    for (size_t i = 0; i < n; i++)
        if (!parse_ring(a, json_array_get(rings, i), &out->rings[i], bbox, why))
            return false;
    return true;
}

static void shape_index_build(struct arena *a, struct geo_shape *s); /* with the tests, below */

/* g is a geometry object; fills *out (polys and bbox) on success. */
static bool parse_geometry(struct arena *a, const json_t *g, struct geo_shape *out,
                           const char **why)
{
    const char *type = json_string_value(json_object_get(g, "type"));
    const json_t *coords = json_object_get(g, "coordinates");

    if (!json_is_object(g) || type == NULL) {
        *why = "not a GeoJSON geometry";
        return false;
    }
    out->bbox = (struct geo_bbox){INFINITY, INFINITY, -INFINITY, -INFINITY};
    if (strcmp(type, "Polygon") == 0) {
        out->polys = arena_alloc(a, sizeof(*out->polys));
        out->n_polys = 1;
        return parse_polygon(a, coords, &out->polys[0], &out->bbox, why);
    }
    if (strcmp(type, "MultiPolygon") == 0) {
        size_t n = json_array_size(coords);
        if (!json_is_array(coords) || n == 0) {
            *why = "a MultiPolygon needs at least one polygon";
            return false;
        }
        out->polys = arena_alloc(a, n * sizeof(*out->polys));
        out->n_polys = n;
        for (size_t i = 0; i < n; i++)
            if (!parse_polygon(a, json_array_get(coords, i), &out->polys[i], &out->bbox, why))
                return false;
        return true;
    }
    *why = "only Polygon and MultiPolygon are accepted";
    return false;
}

ph_err geo_shape_parse(struct arena *a, const char *geojson, size_t len, struct geo_shape *out,
                       const char **why)
{
    struct geo_shape shape = {0};
    const char *w = NULL, *type;
    json_t *root = NULL;
    const json_t *g;
    json_error_t jerr;
    ph_err rc = PH_EINVAL;

    if (geojson == NULL || len == 0) {
        w = "no geometry";
        goto out;
    }
    if (len > GEOJSON_MAX_BYTES) {
        w = "geometry too large";
        goto out;
    }
    if (!nesting_within(geojson, len, GEOJSON_MAX_DEPTH)) {
        w = "geometry nested too deeply";
        goto out;
    }
    /* jansson refuses NaN and Infinity literals and numbers that overflow a double,
     * so every number reaching parse_position is finite (checked there again). */
    root = json_loadb(geojson, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        w = "geometry is not JSON";
        goto out;
    }
    g = root;
    type = json_string_value(json_object_get(root, "type"));
    if (type != NULL && strcmp(type, "Feature") == 0)
        g = json_object_get(root, "geometry");
    if (!parse_geometry(a, g, &shape, &w))
        goto out;
    shape_index_build(a, &shape);
    *out = shape;
    rc = PH_OK;
out:
    json_decref(root);
    if (rc != PH_OK && why != NULL)
        *why = w;
    return rc;
}

/* ---- point in polygon ------------------------------------------------------------- */

/* A ring's edges by latitude band: band b covers latitudes from lat0 + b / inv_h
 * and lists every edge whose latitudes, widened by GEO_EDGE_EPS_DEG, meet it, so
 * that a point can only be on, or have its ray cross, the edges of its band.
 * Real outlines wander little in latitude per edge, so a band holds a few edges
 * even in a ring of thousands. Short rings get no bands (n_bands 0). */
struct geo_ring_index {
    struct geo_bbox bbox;
    double lat0, inv_h;
    uint32_t n_bands;
    const uint32_t *start; /* band b's edges: edges[start[b] .. start[b + 1]) */
    const uint32_t *edges; /* edge i runs from xy[2i] to xy[2i + 2] */
};

#define GEO_BAND_MIN_EDGES 16   /* below this, every edge is cheaper than a lookup */
#define GEO_EDGES_PER_BAND 2    /* edges per band, about: measured best on real outlines */
#define GEO_BAND_MAX_ENTRIES 16 /* band entries per edge at most, else no bands */

enum ring_place { RING_OUTSIDE, RING_INSIDE, RING_ON_EDGE };
enum edge_place { EDGE_MISSED, EDGE_CROSSED, EDGE_ON };

/* The band of latitude y, clamped. Monotonic in y, so an edge spanning [lo, hi]
 * is filed in every band from band_of(lo) to band_of(hi), and a point of
 * latitude in [lo, hi] looks in one of those. */
static uint32_t band_of(const struct geo_ring_index *ix, double y)
{
    double b = floor((y - ix->lat0) * ix->inv_h);

    if (!(b > 0.0))
        return 0;
    if (b >= (double)(ix->n_bands - 1))
        return ix->n_bands - 1;
    return (uint32_t)b;
}

/* One edge a-b (e[0..3]) and the point (x, y): on it (within GEO_EDGE_EPS_DEG),
 * crossed by the ray from the point towards +x, or neither. The ray counts an
 * edge when its ends lie on opposite sides of the line y, with "above" meaning >
 * y and "below" <= y (the half-open rule), so a ray through a vertex counts the
 * vertex once, and horizontal edges never. */
static inline enum edge_place edge_locate(const double *e, double x, double y)
{
    const double eps = GEO_EDGE_EPS_DEG;
    double ax = e[0], ay = e[1], bx = e[2], by = e[3];
    double lo_y = ay < by ? ay : by, hi_y = ay < by ? by : ay;
    double lo_x = ax < bx ? ax : bx, hi_x = ax < bx ? bx : ax;
    double dx, dy, len2, t, ex, ey;
    bool spans;

    /* Most edges are far away: their box says so without a division. Left of
     * the box the crossing needs no division either: the intersection lies in
     * the box to within rounding (~1e-13 degrees), far less than eps. */
    if (y < lo_y - eps || y > hi_y + eps || x > hi_x + eps)
        return EDGE_MISSED;
    spans = (ay > y) != (by > y);
    if (x < lo_x - eps)
        return spans ? EDGE_CROSSED : EDGE_MISSED;
    dx = bx - ax;
    dy = by - ay;
    len2 = dx * dx + dy * dy;
    t = len2 > 0.0 ? ((x - ax) * dx + (y - ay) * dy) / len2 : 0.0;
    if (t < 0.0)
        t = 0.0;
    else if (t > 1.0)
        t = 1.0;
    ex = ax + t * dx - x;
    ey = ay + t * dy - y;
    if (ex * ex + ey * ey <= eps * eps)
        return EDGE_ON;
    return spans && x < ax + (y - ay) * dx / dy ? EDGE_CROSSED : EDGE_MISSED;
}

/* Crossing number over every edge. */
static enum ring_place ring_locate_all(const struct geo_ring *r, double x, double y)
{
    bool inside = false;

    for (size_t i = 0; i + 1 < r->n; i++) {
        enum edge_place p = edge_locate(&r->xy[2 * i], x, y);
        if (p == EDGE_ON)
            return RING_ON_EDGE;
        inside ^= p == EDGE_CROSSED;
    }
    return inside ? RING_INSIDE : RING_OUTSIDE;
}

/* The same answer from the edges the index says can matter. Outside the ring's
 * box (widened by eps) no edge is near and the ray crosses the ring an even
 * number of times, or never. */
static enum ring_place ring_locate(const struct geo_ring *r, const struct geo_ring_index *ix,
                                   double x, double y)
{
    const double eps = GEO_EDGE_EPS_DEG;
    bool inside = false;
    uint32_t b;

    if (ix == NULL)
        return ring_locate_all(r, x, y);
    if (x < ix->bbox.min_lon - eps || x > ix->bbox.max_lon + eps || y < ix->bbox.min_lat - eps ||
        y > ix->bbox.max_lat + eps)
        return RING_OUTSIDE;
    if (ix->n_bands == 0)
        return ring_locate_all(r, x, y);
    b = band_of(ix, y);
    for (uint32_t k = ix->start[b]; k < ix->start[b + 1]; k++) {
        enum edge_place p = edge_locate(&r->xy[2 * (size_t)ix->edges[k]], x, y);
        if (p == EDGE_ON)
            return RING_ON_EDGE;
        inside ^= p == EDGE_CROSSED;
    }
    return inside ? RING_INSIDE : RING_OUTSIDE;
}

/* ix: the polygon's first ring's entry, or NULL. */
static bool polygon_contains(const struct geo_polygon *p, const struct geo_ring_index *ix, double x,
                             double y)
{
    enum ring_place outer;

    if (p->n_rings == 0)
        return false;
    outer = ring_locate(&p->rings[0], ix, x, y);
    if (outer != RING_INSIDE)
        return outer == RING_ON_EDGE;
    /* A hole's edge is the polygon's boundary too, so on it is inside; unless
     * another hole (overlapping it: invalid, but not refused) holds the point. */
    for (size_t i = 1; i < p->n_rings; i++)
        if (ring_locate(&p->rings[i], ix != NULL ? &ix[i] : NULL, x, y) == RING_INSIDE)
            return false;
    return true;
}

bool geo_shape_contains(const struct geo_shape *s, double lon, double lat)
{
    const double eps = GEO_EDGE_EPS_DEG;
    const struct geo_ring_index *ix = s->index;

    if (!isfinite(lon) || !isfinite(lat))
        return false;
    if (lon < s->bbox.min_lon - eps || lon > s->bbox.max_lon + eps || lat < s->bbox.min_lat - eps ||
        lat > s->bbox.max_lat + eps)
        return false;
    for (size_t i = 0; i < s->n_polys; i++) {
        if (polygon_contains(&s->polys[i], ix, lon, lat))
            return true;
        if (ix != NULL)
            ix += s->polys[i].n_rings;
    }
    return false;
}

/* ---- the index of a parsed shape -------------------------------------------------- */

static void ring_index_build(struct arena *a, const struct geo_ring *r, struct geo_ring_index *ix)
{
    const double eps = GEO_EDGE_EPS_DEG;
    size_t n_edges = r->n - 1, total;
    uint32_t *start, *opens, *closes, *edges, covered = 0;

    ix->bbox = (struct geo_bbox){INFINITY, INFINITY, -INFINITY, -INFINITY};
    for (size_t i = 0; i < r->n; i++)
        bbox_add(&ix->bbox, r->xy[2 * i], r->xy[2 * i + 1]);
    ix->n_bands = 0;
    /* A flat ring (all one latitude) has no bands to speak of. The edge count
     * fits: GEOJSON_MAX_BYTES holds far fewer than 2^32 positions. */
    if (n_edges < GEO_BAND_MIN_EDGES || !(ix->bbox.max_lat > ix->bbox.min_lat))
        return;
    ix->n_bands = (uint32_t)(n_edges / GEO_EDGES_PER_BAND);
    ix->lat0 = ix->bbox.min_lat;
    ix->inv_h = (double)ix->n_bands / (ix->bbox.max_lat - ix->bbox.min_lat);
    start = arena_alloc(a, ((size_t)ix->n_bands + 1) * sizeof(*start));
    opens = arena_zalloc(a, (size_t)ix->n_bands * sizeof(*opens));
    closes = arena_zalloc(a, (size_t)ix->n_bands * sizeof(*closes));
    /* Each edge's bands, from its widened span computed as edge_locate computes
     * it, so that an edge edge_locate might not miss is in every band its span
     * meets. Counted by where the spans open and close, not band by band: a
     * ring of tall edges (a comb) would fill n_edges x n_bands entries. */
    for (size_t i = 0; i < n_edges; i++) {
        double ay = r->xy[2 * i + 1], by = r->xy[2 * i + 3];
        opens[band_of(ix, (ay < by ? ay : by) - eps)]++;
        closes[band_of(ix, (ay < by ? by : ay) + eps)]++;
    }
    start[0] = 0;
    total = 0;
    for (uint32_t b = 0; b < ix->n_bands; b++) {
        covered += opens[b];
        total += covered;
        if (total > GEO_BAND_MAX_ENTRIES * n_edges) { /* such a ring: every edge */
            ix->n_bands = 0;
            return;
        }
        start[b + 1] = (uint32_t)total;
        covered -= closes[b];
    }
    edges = arena_alloc(a, (total > 0 ? total : 1) * sizeof(*edges));
    memcpy(opens, start, (size_t)ix->n_bands * sizeof(*opens)); /* the next free slot */
    for (size_t i = 0; i < n_edges; i++) {
        double ay = r->xy[2 * i + 1], by = r->xy[2 * i + 3];
        uint32_t b0 = band_of(ix, (ay < by ? ay : by) - eps);
        uint32_t b1 = band_of(ix, (ay < by ? by : ay) + eps);
        for (uint32_t b = b0; b <= b1; b++)
            edges[opens[b]++] = (uint32_t)i;
    }
    ix->start = start;
    ix->edges = edges;
}

static void shape_index_build(struct arena *a, struct geo_shape *s)
{
    struct geo_ring_index *ix;
    size_t n = 0, k = 0;

    for (size_t p = 0; p < s->n_polys; p++)
        n += s->polys[p].n_rings;
    ix = arena_alloc(a, (n > 0 ? n : 1) * sizeof(*ix));
    for (size_t p = 0; p < s->n_polys; p++)
        for (size_t r = 0; r < s->polys[p].n_rings; r++)
            ring_index_build(a, &s->polys[p].rings[r], &ix[k++]);
    s->index = ix;
}

/* ---- resolving a location to an area ---------------------------------------------- */

/* The calendar day of ms in Asia/Ho_Chi_Minh ("YYYY-MM-DD"): area validity is by
 * the local day. */
static void local_date(int64_t ms, char out[11])
{
    time_t t = (time_t)(ms / 1000) + TIME_VN_OFFSET_S;
    struct tm tm;

    if (gmtime_r(&t, &tm) == NULL || strftime(out, 11, "%Y-%m-%d", &tm) != 10)
        snprintf(out, 11, "1970-01-01");
}

/* ---- parsed outlines, kept --------------------------------------------------------- */

/* Every located incident is resolved to an area, and reading and parsing an
 * outline costs far more than testing a point against it, so parsed outlines
 * are kept between calls, shared by every thread. An entry is keyed by what the
 * store's candidates carry instead of the outline: the area's id, version,
 * updated_at and bounding box. An edit moves the version (and updated_at); the
 * box tells apart another database in the same process whose area has the same
 * id, version and times (tests with a fixed clock) unless its outline has the
 * very same box. The outline is read (store_area_get) only on a miss. Slots are
 * direct-mapped by id; past GEO_CACHE_MAX_BYTES everything is dropped and the
 * cache fills again. Tests run under the read lock, so no entry is dropped while
 * in use; a miss takes the write lock only to insert. */
#define GEO_CACHE_SLOTS 1024 /* a province has a few hundred areas */
#define GEO_CACHE_MAX_BYTES ((size_t)64 << 20)

struct shape_entry {
    int64_t area_id; /* 0: empty */
    int64_t version, updated_at;
    double box[4];
    size_t bytes;
    bool is_usable; /* false: no outline, or it did not parse (logged once) */
    struct geo_shape shape;
    struct arena arena; /* the shape's arrays */
};

static struct {
    pthread_rwlock_t lock;
    struct shape_entry slots[GEO_CACHE_SLOTS];
    size_t bytes;
} shape_cache = {.lock = PTHREAD_RWLOCK_INITIALIZER};

static void entry_clear(struct shape_entry *e)
{
    shape_cache.bytes -= e->bytes;
    arena_release(&e->arena);
    memset(e, 0, sizeof(*e));
}

static size_t shape_bytes(const struct geo_shape *sh)
{
    size_t n = sizeof(struct shape_entry) + sh->n_polys * sizeof(*sh->polys);

    for (size_t i = 0; i < sh->n_polys; i++) {
        n += sh->polys[i].n_rings * (sizeof(*sh->polys[i].rings) + sizeof(*sh->index));
        /* Coordinates, and about as much again for the bands. */
        for (size_t j = 0; j < sh->polys[i].n_rings; j++)
            n += sh->polys[i].rings[j].n * 2 * sizeof(double) * 2;
    }
    return n;
}

static bool entry_is(const struct shape_entry *e, const struct store_area_candidate *c)
{
    return e->area_id == c->id && e->version == c->version && e->updated_at == c->updated_at &&
           e->box[0] == c->min_lon && e->box[1] == c->max_lon && e->box[2] == c->min_lat &&
           e->box[3] == c->max_lat;
}

/* Read and parse candidate c's outline into fresh (keyed by c). *current false
 * when the area changed between the candidates and this read (another
 * connection's commit): the outline read is right for now, but not c's. */
static ph_err entry_load(struct core_ctx *cx, const struct store_area_candidate *c,
                         struct shape_entry *fresh, bool *current)
{
    struct area a;
    const char *why = NULL;
    ph_err rc;

    *fresh = (struct shape_entry){.area_id = c->id,
                                  .version = c->version,
                                  .updated_at = c->updated_at,
                                  .box = {c->min_lon, c->max_lon, c->min_lat, c->max_lat}};
    arena_init(&fresh->arena);
    rc = store_area_get(cx->st, cx->arena, c->id, &a);
    if (rc == PH_ENOTFOUND) { /* deleted meanwhile */
        *current = false;
        return PH_OK;
    }
    if (rc != PH_OK) {
        arena_release(&fresh->arena);
        return rc;
    }
    *current = a.version == c->version && a.updated_at == c->updated_at;
    if (a.geometry == NULL)
        return PH_OK;
    fresh->is_usable = geo_shape_parse(&fresh->arena, a.geometry, strlen(a.geometry), &fresh->shape,
                                       &why) == PH_OK;
    /* area_validate checked the outline when it was stored; a bad one now means
     * the row was written some other way: skip it rather than fail the caller. */
    if (!fresh->is_usable)
        log_warn("geo: area %lld: stored geometry unusable: %s", (long long)c->id,
                 why != NULL ? why : "?");
    fresh->bytes = fresh->is_usable ? shape_bytes(&fresh->shape) : sizeof(*fresh);
    return PH_OK;
}

/* Does candidate c's outline hold the point? Never when it has none or it does
 * not parse. */
static ph_err area_contains(struct core_ctx *cx, const struct store_area_candidate *c, double lon,
                            double lat, bool *inside)
{
    struct shape_entry fresh, *e;
    bool current = false;
    ph_err rc;

    pthread_rwlock_rdlock(&shape_cache.lock);
    e = &shape_cache.slots[(uint64_t)c->id % GEO_CACHE_SLOTS];
    if (entry_is(e, c)) {
        *inside = e->is_usable && geo_shape_contains(&e->shape, lon, lat);
        pthread_rwlock_unlock(&shape_cache.lock);
        return PH_OK;
    }
    pthread_rwlock_unlock(&shape_cache.lock);

    /* Read and parsed outside the lock: the slow part, and other threads'
     * lookups go on. */
    if ((rc = entry_load(cx, c, &fresh, &current)) != PH_OK)
        return rc;
    *inside = fresh.is_usable && geo_shape_contains(&fresh.shape, lon, lat);
    if (!current || fresh.bytes > GEO_CACHE_MAX_BYTES / 4) { /* not kept */
        arena_release(&fresh.arena);
        return PH_OK;
    }
    pthread_rwlock_wrlock(&shape_cache.lock);
    e = &shape_cache.slots[(uint64_t)c->id % GEO_CACHE_SLOTS];
    if (e->area_id != 0)
        entry_clear(e);
    if (shape_cache.bytes + fresh.bytes > GEO_CACHE_MAX_BYTES)
        for (size_t i = 0; i < GEO_CACHE_SLOTS; i++)
            if (shape_cache.slots[i].area_id != 0)
                entry_clear(&shape_cache.slots[i]);
    *e = fresh;
    shape_cache.bytes += fresh.bytes;
    pthread_rwlock_unlock(&shape_cache.lock);
    return PH_OK;
}

/* Candidates come from the store's bounding-box index, deepest level first and
 * then by id, so the first whose outline holds the point is the answer; outlines
 * come parsed from the cache above. A date of NULL means the day of cx->now_ms. */
ph_err geo_resolve_area(struct core_ctx *cx, double lat, double lon, const char *date,
                        int64_t *area_id)
{
    struct store_area_candidate *items = NULL;
    size_t n = 0;
    char today[11];
    int64_t found = 0;
    bool inside = false;
    ph_err rc;

    if (!geo_point_valid(lat, lon))
        return PH_EINVAL;
    if (date == NULL) {
        local_date(cx->now_ms, today);
        date = today;
    } else if (!time_is_date(date)) {
        return PH_EINVAL;
    }
    rc = store_area_candidates(cx->st, cx->arena, lon, lat, date, &items, &n);
    for (size_t i = 0; rc == PH_OK && i < n && !inside; i++)
        if ((rc = area_contains(cx, &items[i], lon, lat, &inside)) == PH_OK && inside)
            found = items[i].id;
    if (rc == PH_OK)
        *area_id = found;
    return rc;
}
