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
#include "util/mem.h"
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
    *out = shape;
    rc = PH_OK;
out:
    json_decref(root);
    if (rc != PH_OK && why != NULL)
        *why = w;
    return rc;
}

/* ---- point in polygon ------------------------------------------------------------- */

enum ring_place { RING_OUTSIDE, RING_INSIDE, RING_ON_EDGE };

/* Is (x, y) within GEO_EDGE_EPS_DEG of the segment a-b? */
static bool near_segment(double ax, double ay, double bx, double by, double x, double y)
{
    const double eps = GEO_EDGE_EPS_DEG;
    double dx = bx - ax, dy = by - ay, len2, t, ex, ey;

    /* Most edges are far away: their bounding box says so without a division. */
    if (x < fmin(ax, bx) - eps || x > fmax(ax, bx) + eps || y < fmin(ay, by) - eps ||
        y > fmax(ay, by) + eps)
        return false;
    len2 = dx * dx + dy * dy;
    t = len2 > 0.0 ? ((x - ax) * dx + (y - ay) * dy) / len2 : 0.0;
    if (t < 0.0)
        t = 0.0;
    else if (t > 1.0)
        t = 1.0;
    ex = ax + t * dx - x;
    ey = ay + t * dy - y;
    return ex * ex + ey * ey <= eps * eps;
}

/* Crossing number: count the edges a ray from (x, y) towards +x crosses. An edge
 * counts when its ends lie on opposite sides of the line y, with "above" meaning
 * > y and "below" <= y (the half-open rule), so a ray through a vertex counts the
 * vertex once, and horizontal edges never. */
static enum ring_place ring_locate(const struct geo_ring *r, double x, double y)
{
    bool inside = false;

    for (size_t i = 0; i + 1 < r->n; i++) {
        double ax = r->xy[2 * i], ay = r->xy[2 * i + 1];
        double bx = r->xy[2 * i + 2], by = r->xy[2 * i + 3];
        if (near_segment(ax, ay, bx, by, x, y))
            return RING_ON_EDGE;
        if ((ay > y) != (by > y)) {
            double x_cross = ax + (y - ay) * (bx - ax) / (by - ay);
            if (x < x_cross)
                inside = !inside;
        }
    }
    return inside ? RING_INSIDE : RING_OUTSIDE;
}

static bool polygon_contains(const struct geo_polygon *p, double x, double y)
{
    enum ring_place outer;

    if (p->n_rings == 0)
        return false;
    outer = ring_locate(&p->rings[0], x, y);
    if (outer != RING_INSIDE)
        return outer == RING_ON_EDGE;
    /* A hole's edge is the polygon's boundary too, so on it is inside; unless
     * another hole (overlapping it: invalid, but not refused) holds the point. */
    for (size_t i = 1; i < p->n_rings; i++)
        if (ring_locate(&p->rings[i], x, y) == RING_INSIDE)
            return false;
    return true;
}

bool geo_shape_contains(const struct geo_shape *s, double lon, double lat)
{
    const double eps = GEO_EDGE_EPS_DEG;

    if (!isfinite(lon) || !isfinite(lat))
        return false;
    if (lon < s->bbox.min_lon - eps || lon > s->bbox.max_lon + eps || lat < s->bbox.min_lat - eps ||
        lat > s->bbox.max_lat + eps)
        return false;
    for (size_t i = 0; i < s->n_polys; i++)
        if (polygon_contains(&s->polys[i], lon, lat))
            return true;
    return false;
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

/* Every located incident is resolved to an area, and parsing an outline costs far
 * more than testing a point against it, so parsed outlines are kept between
 * calls, shared by every thread. An entry is keyed by the area's id and the very
 * text it was parsed from: the store hands over the text with each candidate, and
 * a text that differs in any byte (an edited area, another database in the same
 * process) is parsed again. Slots are direct-mapped by id; past
 * GEO_CACHE_MAX_BYTES everything is dropped and the cache fills again. */
#define GEO_CACHE_SLOTS 1024 /* a province has a few hundred areas */
#define GEO_CACHE_MAX_BYTES ((size_t)64 << 20)

struct shape_entry {
    int64_t area_id; /* 0: empty */
    char *text;      /* the GeoJSON it was parsed from (xmalloc'd) */
    size_t len, bytes;
    bool is_usable; /* false: the text did not parse (logged once, when it was met) */
    struct geo_shape shape;
    struct arena arena; /* the shape's arrays */
};

static struct {
    pthread_mutex_t mu;
    struct shape_entry slots[GEO_CACHE_SLOTS];
    size_t bytes;
} shape_cache = {.mu = PTHREAD_MUTEX_INITIALIZER};

static void entry_clear(struct shape_entry *e)
{
    shape_cache.bytes -= e->bytes;
    free(e->text);
    arena_release(&e->arena);
    memset(e, 0, sizeof(*e));
}

static size_t shape_bytes(const struct geo_shape *sh, size_t text_len)
{
    size_t n = text_len + sh->n_polys * sizeof(*sh->polys);

    for (size_t i = 0; i < sh->n_polys; i++) {
        n += sh->polys[i].n_rings * sizeof(*sh->polys[i].rings);
        for (size_t j = 0; j < sh->polys[i].n_rings; j++)
            n += sh->polys[i].rings[j].n * 2 * sizeof(double);
    }
    return n;
}

/* Under shape_cache.mu: the entry for (id, text), or NULL. */
static struct shape_entry *entry_find(int64_t id, const char *text, size_t len)
{
    struct shape_entry *e = &shape_cache.slots[(uint64_t)id % GEO_CACHE_SLOTS];

    if (e->area_id == id && e->len == len && memcmp(e->text, text, len) == 0)
        return e;
    return NULL;
}

/* Does area id's outline (text) hold the point? Never when the text does not
 * parse. The test runs under the lock, so no entry is dropped while in use. */
static bool area_contains(int64_t id, const char *text, double lon, double lat)
{
    size_t len = strlen(text);
    struct shape_entry fresh = {.area_id = id, .len = len};
    struct shape_entry *e;
    const char *why = NULL;
    bool inside;

    pthread_mutex_lock(&shape_cache.mu);
    e = entry_find(id, text, len);
    if (e != NULL) {
        inside = e->is_usable && geo_shape_contains(&e->shape, lon, lat);
        pthread_mutex_unlock(&shape_cache.mu);
        return inside;
    }
    pthread_mutex_unlock(&shape_cache.mu);

    /* Parsed outside the lock: the slow part, and other threads' lookups go on. */
    arena_init(&fresh.arena);
    fresh.is_usable = geo_shape_parse(&fresh.arena, text, len, &fresh.shape, &why) == PH_OK;
    /* area_validate checked the outline when it was stored; a bad one now means
     * the row was written some other way: skip it rather than fail the caller. */
    if (!fresh.is_usable)
        log_warn("geo: area %lld: stored geometry unusable: %s", (long long)id,
                 why != NULL ? why : "?");
    inside = fresh.is_usable && geo_shape_contains(&fresh.shape, lon, lat);
    fresh.bytes = fresh.is_usable ? shape_bytes(&fresh.shape, len) : len;
    if (fresh.bytes > GEO_CACHE_MAX_BYTES / 4) { /* a giant: parsed each time */
        arena_release(&fresh.arena);
        return inside;
    }
    fresh.text = xmalloc(len + 1);
    memcpy(fresh.text, text, len + 1);

    pthread_mutex_lock(&shape_cache.mu);
    e = &shape_cache.slots[(uint64_t)id % GEO_CACHE_SLOTS];
    if (e->area_id != 0)
        entry_clear(e);
    if (shape_cache.bytes + fresh.bytes > GEO_CACHE_MAX_BYTES)
        for (size_t i = 0; i < GEO_CACHE_SLOTS; i++)
            if (shape_cache.slots[i].area_id != 0)
                entry_clear(&shape_cache.slots[i]);
    *e = fresh;
    shape_cache.bytes += fresh.bytes;
    pthread_mutex_unlock(&shape_cache.mu);
    return inside;
}

/* Candidates come from the store's bounding-box index, deepest level first, so
 * the first whose outline holds the point is the answer; outlines come parsed from
 * the cache above. A date of NULL means the day of cx->now_ms. */
ph_err geo_resolve_area(struct core_ctx *cx, double lat, double lon, const char *date,
                        int64_t *area_id)
{
    struct area *items = NULL;
    size_t n = 0;
    char today[11];
    int64_t found = 0;
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
    if (rc != PH_OK)
        return rc;
    for (size_t i = 0; i < n && found == 0; i++)
        if (items[i].geometry != NULL && area_contains(items[i].id, items[i].geometry, lon, lat))
            found = items[i].id;
    *area_id = found;
    return PH_OK;
}
