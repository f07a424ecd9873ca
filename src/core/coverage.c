/* coverage.c - where operations go (core/operation.h): the check of an
 * operation's GeoJSON geometry, the areas it covers, and the coverage figures
 * of GET /api/v1/stats/coverage (which areas went without any operation for
 * longer than N days, and the hours per area and force).
 *
 * Geometry: a GeoJSON geometry object (RFC 7946 section 3.1) of type Point
 * (section 3.1.2: one position), LineString (3.1.4: two positions or more) or
 * Polygon (3.1.6: linear rings of four positions or more whose first and last
 * positions are equal, the first ring the outline, the others holes); a
 * position is [lon, lat] or [lon, lat, altitude] in WGS84 degrees. Members other
 * than "type", "coordinates" and "bbox" are refused, so that nothing hides in
 * what is stored. The text is at most OPERATION_GEOMETRY_MAX_BYTES.
 *
 * Covered areas: the geometry is reduced to sample points, and each point goes
 * to core/geo.h's lookup, which answers the deepest area holding it:
 *   - a point: itself;
 *   - a route: its vertices and points every ROUTE_STEP_M metres along each
 *     segment (farther apart on a route so long that it would need more than
 *     ROUTE_MAX_SAMPLES), so that a commune crossed between two distant
 *     vertices is not missed;
 *   - an area: its vertices (at most POLY_MAX_VERTICES of them), the centroid of
 *     its outline, and the centres of a POLY_GRID x POLY_GRID grid over its
 *     bounding box that fall inside it, so that a commune wholly inside a large
 *     patrol area counts. A commune smaller than a grid cell and touching no
 *     vertex can be missed: the sample is a floor, not an exact overlay.
 * The distinct deepest areas found are kept (a route along a coast may touch
 * communes and, between them, a district with no commune outline there; both
 * count). A sample inside the commune found just before is that commune again
 * (communes are the deepest level), which saves the lookup for most of a route.
 *
 * Coverage: over the operations the caller may see, active or completed, that
 * ran during [from, to): each counts for every area it covers (at the level
 * asked: its areas and the areas above them), with its hours inside the period
 * (actual start to actual end, or now while active: an operation that never
 * started did not cover anything). An area's longest gap is the longest stretch
 * of [from, min(to, now)) with no covering operation: the future is not a gap
 * yet. */
#include "util/base.h"
#include <jansson.h>
#include <math.h>
#include "core/access.h"
#include "core/area.h"
#include "core/ctx.h"
#include "core/geo.h"
#include "core/incident.h"
#include "core/operation.h"
#include "core/operation_int.h"
#include "core/unit.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/limits.h"
#include "util/time.h"

#define ROUTE_STEP_M 250.0
#define ROUTE_MAX_SAMPLES 4000
#define POLY_MAX_VERTICES 1000
#define POLY_GRID 16
/* Samples looked up between two releases of the scratch arena. */
#define SCRATCH_SAMPLES 64
#define MS_PER_DAY (24LL * 3600 * 1000)
#define MS_PER_HOUR 3600000.0
#define COVERAGE_MAX_DAYS 400
#define COVERAGE_DEFAULT_GAP_DAYS 7

/* ---- geometry ------------------------------------------------------------------ */

enum geom_type { GEOM_POINT, GEOM_LINE, GEOM_POLYGON };

/* A parsed geometry: every position (lon, lat pairs in xy), and for a polygon
 * where each ring starts and how many positions it has. */
struct geom {
    enum geom_type type;
    double *xy;
    size_t n;
    size_t *ring_start, *ring_n, n_rings;
};

static bool get_position(json_t *v, double *lon, double *lat)
{
    size_t k = json_array_size(v);

    if (!json_is_array(v) || k < 2 || k > 3)
        return false;
    for (size_t i = 0; i < k; i++)
        if (!json_is_number(json_array_get(v, i)))
            return false;
    *lon = json_number_value(json_array_get(v, 0));
    *lat = json_number_value(json_array_get(v, 1));
    return geo_point_valid(*lat, *lon);
}

/* Positions of array v (at least min) appended to g->xy at g->n. */
static bool get_positions(json_t *v, size_t min, struct geom *g)
{
    size_t k = json_array_size(v);

    if (!json_is_array(v) || k < min)
        return false;
    for (size_t i = 0; i < k; i++, g->n++)
        if (!get_position(json_array_get(v, i), &g->xy[2 * g->n], &g->xy[2 * g->n + 1]))
            return false;
    return true;
}

/* Parse the geometry object root into g (arrays in a). */
static bool parse_geom(struct arena *a, json_t *root, struct geom *g)
{
    const char *key, *type;
    json_t *v, *coords;
    size_t total = 0;

    memset(g, 0, sizeof(*g));
    if (!json_is_object(root))
        return false;
    json_object_foreach(root, key, v)
    {
        if (strcmp(key, "type") != 0 && strcmp(key, "coordinates") != 0 &&
            strcmp(key, "bbox") != 0)
            return false;
    }
    type = json_string_value(json_object_get(root, "type"));
    coords = json_object_get(root, "coordinates");
    if (type == NULL || !json_is_array(coords))
        return false;
    if (strcmp(type, "Point") == 0) {
        g->type = GEOM_POINT;
        g->xy = arena_alloc(a, 2 * sizeof(double));
        g->n = 1;
        return get_position(coords, &g->xy[0], &g->xy[1]);
    }
    if (strcmp(type, "LineString") == 0) {
        g->type = GEOM_LINE;
        g->xy = arena_alloc(a, (json_array_size(coords) + 1) * 2 * sizeof(double));
        return get_positions(coords, 2, g);
    }
    if (strcmp(type, "Polygon") != 0 || json_array_size(coords) < 1)
        return false;
    g->type = GEOM_POLYGON;
    for (size_t r = 0; r < json_array_size(coords); r++)
        total += json_array_size(json_array_get(coords, r));
    g->n_rings = json_array_size(coords);
    g->xy = arena_alloc(a, (total + 1) * 2 * sizeof(double));
    g->ring_start = arena_alloc(a, g->n_rings * sizeof(size_t));
    g->ring_n = arena_alloc(a, g->n_rings * sizeof(size_t));
    for (size_t r = 0; r < g->n_rings; r++) {
        size_t first = g->n;
        if (!get_positions(json_array_get(coords, r), 4, g))
            return false;
        g->ring_start[r] = first;
        g->ring_n[r] = g->n - first;
        if (g->xy[2 * first] != g->xy[2 * (g->n - 1)] ||
            g->xy[2 * first + 1] != g->xy[2 * (g->n - 1) + 1])
            return false; /* not closed */
    }
    return true;
}

/* Load text and parse it into g; the JSON tree comes back in *root (caller
 * decrefs) when root is not NULL. */
static bool load_geom(struct arena *a, const char *text, struct geom *g, json_t **root)
{
    json_t *j;
    bool ok;

    if (text == NULL || strlen(text) > OPERATION_GEOMETRY_MAX_BYTES)
        return false;
    j = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
    ok = j != NULL && parse_geom(a, j, g);
    if (root != NULL && ok)
        *root = j;
    else
        json_decref(j);
    return ok;
}

ph_err operation_geometry_check(struct core_ctx *cx, struct operation *o)
{
    struct geom g;
    json_t *root = NULL;
    char *compact;

    if (!load_geom(cx->arena, o->geometry, &g, &root))
        return PH_EINVAL;
    compact = json_dumps(root, JSON_COMPACT | JSON_REAL_PRECISION(15));
    json_decref(root);
    if (compact == NULL || strlen(compact) > OPERATION_GEOMETRY_MAX_BYTES) {
        free(compact);
        return PH_EINVAL;
    }
    o->geometry = arena_strdup(cx->arena, compact);
    free(compact);
    o->geometry_kind = g.type == GEOM_POINT ? "point" : g.type == GEOM_LINE ? "route" : "area";
    o->min_lon = o->max_lon = g.xy[0];
    o->min_lat = o->max_lat = g.xy[1];
    for (size_t i = 1; i < g.n; i++) {
        o->min_lon = fmin(o->min_lon, g.xy[2 * i]);
        o->max_lon = fmax(o->max_lon, g.xy[2 * i]);
        o->min_lat = fmin(o->min_lat, g.xy[2 * i + 1]);
        o->max_lat = fmax(o->max_lat, g.xy[2 * i + 1]);
    }
    return PH_OK;
}

/* The local day (Asia/Ho_Chi_Minh, a fixed UTC+7) of ms: "YYYY-MM-DD". */
static void local_date(int64_t ms, char out[11])
{
    char buf[TIME_RFC3339_BYTES];
    time_format_utc(ms + (int64_t)TIME_VN_OFFSET_S * 1000, buf);
    memcpy(out, buf, 10);
    out[10] = '\0';
}

/* ---- sample points ----------------------------------------------------------------- */

struct samples {
    double *xy;
    size_t n, cap;
    struct arena *a;
};

static void sample_add(struct samples *s, double lon, double lat)
{
    if (s->n == s->cap) {
        size_t cap = s->cap == 0 ? 64 : 2 * s->cap;
        double *grown = arena_alloc(s->a, cap * 2 * sizeof(double));
        if (s->n > 0)
            memcpy(grown, s->xy, s->n * 2 * sizeof(double));
        s->xy = grown;
        s->cap = cap;
    }
    s->xy[2 * s->n] = lon;
    s->xy[2 * s->n + 1] = lat;
    s->n++;
}

static void sample_route(struct samples *s, const struct geom *g)
{
    double total = 0, step;

    for (size_t i = 1; i < g->n; i++)
        total += geo_distance_m(g->xy[2 * i - 1], g->xy[2 * i - 2], g->xy[2 * i + 1], g->xy[2 * i]);
    step = fmax(ROUTE_STEP_M, total / ROUTE_MAX_SAMPLES);
    for (size_t i = 1; i < g->n; i++) {
        double x0 = g->xy[2 * i - 2], y0 = g->xy[2 * i - 1], x1 = g->xy[2 * i],
               y1 = g->xy[2 * i + 1];
        double d = geo_distance_m(y0, x0, y1, x1);
        size_t k = (size_t)ceil(d / step);
        if (k == 0)
            k = 1;
        /* Straight in degrees: segments are short next to the Earth's curvature. */
        for (size_t j = 0; j < k; j++)
            sample_add(s, x0 + (x1 - x0) * (double)j / (double)k,
                       y0 + (y1 - y0) * (double)j / (double)k);
    }
    sample_add(s, g->xy[2 * (g->n - 1)], g->xy[2 * (g->n - 1) + 1]);
}

static void sample_polygon(struct samples *s, const struct geom *g, struct arena *a)
{
    size_t stride = g->n / POLY_MAX_VERTICES + 1, n0 = g->ring_n[0];
    const double *ring = g->xy + 2 * g->ring_start[0];
    double area2 = 0, cx = 0, cy = 0, minx = g->xy[0], maxx = g->xy[0], miny = g->xy[1],
           maxy = g->xy[1];
    struct geo_ring *rings = arena_alloc(a, g->n_rings * sizeof(*rings));
    struct geo_polygon poly = {.rings = rings, .n_rings = g->n_rings};
    struct geo_shape shape = {.polys = &poly, .n_polys = 1};

    for (size_t i = 0; i < g->n; i += stride)
        sample_add(s, g->xy[2 * i], g->xy[2 * i + 1]);
    /* The centroid of the outline (shoelace); its mean for a degenerate one. */
    for (size_t i = 0; i + 1 < n0; i++) {
        double c = ring[2 * i] * ring[2 * i + 3] - ring[2 * i + 2] * ring[2 * i + 1];
        area2 += c;
        cx += (ring[2 * i] + ring[2 * i + 2]) * c;
        cy += (ring[2 * i + 1] + ring[2 * i + 3]) * c;
    }
    if (fabs(area2) > 1e-12) {
        sample_add(s, cx / (3 * area2), cy / (3 * area2));
    } else {
        cx = cy = 0;
        for (size_t i = 0; i + 1 < n0; i++) {
            cx += ring[2 * i];
            cy += ring[2 * i + 1];
        }
        sample_add(s, cx / (double)(n0 - 1), cy / (double)(n0 - 1));
    }
    for (size_t r = 0; r < g->n_rings; r++) {
        rings[r].xy = g->xy + 2 * g->ring_start[r];
        rings[r].n = g->ring_n[r];
    }
    for (size_t i = 0; i < g->n; i++) {
        minx = fmin(minx, g->xy[2 * i]);
        maxx = fmax(maxx, g->xy[2 * i]);
        miny = fmin(miny, g->xy[2 * i + 1]);
        maxy = fmax(maxy, g->xy[2 * i + 1]);
    }
    shape.bbox = (struct geo_bbox){minx, miny, maxx, maxy};
    for (int i = 0; i < POLY_GRID; i++)
        for (int j = 0; j < POLY_GRID; j++) {
            double x = minx + (maxx - minx) * (i + 0.5) / POLY_GRID;
            double y = miny + (maxy - miny) * (j + 0.5) / POLY_GRID;
            if (geo_shape_contains(&shape, x, y))
                sample_add(s, x, y);
        }
}

/* ---- covered areas ----------------------------------------------------------------- */

/* The commune last found, parsed, for the next samples to test first. */
struct last_commune {
    int64_t id;
    bool usable;
    struct geo_shape shape;
    struct arena arena;
};

static void remember_commune(struct core_ctx *cx, struct last_commune *lc, int64_t id)
{
    struct area a;
    const char *why = NULL;

    arena_release(&lc->arena);
    arena_init(&lc->arena);
    lc->id = id;
    lc->usable = store_area_get(cx->st, &lc->arena, id, &a) == PH_OK && a.level != NULL &&
                 strcmp(a.level, "commune") == 0 && a.geometry != NULL &&
                 geo_shape_parse(&lc->arena, a.geometry, strlen(a.geometry), &lc->shape, &why) ==
                     PH_OK;
}

ph_err operation_areas_resolve(struct core_ctx *cx, struct operation *o)
{
    struct samples s = {.a = cx->arena};
    struct last_commune lc = {0};
    struct core_ctx scratch = *cx;
    struct arena tmp;
    struct geom g;
    char date[11];
    int64_t *found;
    size_t n_found = 0;
    ph_err rc = PH_OK;

    if (!load_geom(cx->arena, o->geometry, &g, NULL))
        return PH_EINVAL;
    if (g.type == GEOM_POINT)
        sample_add(&s, g.xy[0], g.xy[1]);
    else if (g.type == GEOM_LINE)
        sample_route(&s, &g);
    else
        sample_polygon(&s, &g, cx->arena);
    /* Areas as they were on the planned day (local time). */
    local_date(o->planned_start, date);
    found = arena_alloc(cx->arena, (s.n + 1) * sizeof(*found));
    arena_init(&lc.arena);
    arena_init(&tmp);
    scratch.arena = &tmp;
    for (size_t i = 0; rc == PH_OK && i < s.n; i++) {
        double lon = s.xy[2 * i], lat = s.xy[2 * i + 1];
        int64_t id = 0;
        bool seen = false;
        if (lc.usable && geo_shape_contains(&lc.shape, lon, lat)) {
            id = lc.id;
        } else {
            /* Candidates copy outlines into the arena: release it now and then. */
            if (i % SCRATCH_SAMPLES == SCRATCH_SAMPLES - 1) {
                arena_release(&tmp);
                arena_init(&tmp);
            }
            rc = geo_resolve_area(&scratch, lat, lon, date, &id);
            if (rc == PH_OK && id != 0 && id != lc.id)
                remember_commune(cx, &lc, id);
        }
        for (size_t k = 0; k < n_found && !seen; k++)
            seen = found[k] == id;
        if (rc == PH_OK && id != 0 && !seen)
            found[n_found++] = id;
    }
    arena_release(&tmp);
    arena_release(&lc.arena);
    if (rc == PH_OK) {
        o->area_ids = found;
        o->n_areas = n_found;
    }
    return rc;
}

/* ---- coverage figures -------------------------------------------------------------- */

struct interval {
    int64_t start, end;
};

static int cmp_interval(const void *x, const void *y)
{
    const struct interval *a = x, *b = y;
    return a->start < b->start ? -1 : a->start > b->start;
}

static int force_index(const char *force, size_t len)
{
    static const char *const names[3] = {"police", "military", "border_guard"};
    for (int i = 0; i < 3; i++)
        if (strlen(names[i]) == len && strncmp(force, names[i], len) == 0)
            return i;
    return -1;
}

/* The figures of area c from its rows (rows[0..n), all of it), in [from, to)
 * with the gap measured up to gap_end. */
static void area_figures(struct coverage_area *c, const struct store_coverage_row *rows, size_t n,
                         int64_t from, int64_t to, int64_t now, int64_t gap_end,
                         struct interval *iv)
{
    size_t k = 0;
    int64_t cur = from, gap = 0;

    for (size_t i = 0; i < n; i++) {
        int64_t s = rows[i].started_at > from ? rows[i].started_at : from;
        int64_t e = rows[i].ended_at != 0 ? rows[i].ended_at : now;
        double h;
        if (e > to)
            e = to;
        if (e <= s)
            continue;
        h = (double)(e - s) / MS_PER_HOUR;
        c->operations++;
        c->hours += h;
        for (const char *f = rows[i].forces; f != NULL && *f != '\0';) {
            size_t len = strcspn(f, " ");
            int fi = force_index(f, len);
            if (fi >= 0)
                c->hours_by_force[fi] += h;
            f += len;
            while (*f == ' ')
                f++;
        }
        if (e > c->last_covered_at)
            c->last_covered_at = e;
        iv[k++] = (struct interval){s, e};
    }
    qsort(iv, k, sizeof(*iv), cmp_interval);
    for (size_t i = 0; i < k && cur < gap_end; i++) {
        int64_t s = iv[i].start < gap_end ? iv[i].start : gap_end;
        if (s - cur > gap)
            gap = s - cur;
        if (iv[i].end > cur)
            cur = iv[i].end;
    }
    if (gap_end - cur > gap)
        gap = gap_end - cur;
    c->longest_gap_ms = gap;
}

static bool level_valid(const char *s)
{
    return s != NULL &&
           (strcmp(s, "province") == 0 || strcmp(s, "district") == 0 || strcmp(s, "commune") == 0);
}

static bool kind_valid(const char *s)
{
    return s != NULL && (strcmp(s, "inland") == 0 || strcmp(s, "coastal") == 0 ||
                         strcmp(s, "border") == 0 || strcmp(s, "sea") == 0);
}

ph_err operation_coverage(struct core_ctx *cx, const struct coverage_query *q, struct coverage_area **items,
                          size_t *n)
{
    struct coverage_query cq = *q;
    struct incident_scope scope;
    struct store_coverage_row *rows = NULL;
    struct coverage_area *out = NULL;
    struct interval *iv;
    size_t n_rows = 0, n_out = 0, cap = 0, r = 0;
    struct area_filter af = {.limit = LIST_MAX_LIMIT};
    char from_day[11], to_day[11];
    int64_t gap_end;
    ph_err rc;

    if (cq.from <= 0)
        return PH_EINVAL;
    if (cq.to <= cq.from || cq.to - cq.from > COVERAGE_MAX_DAYS * MS_PER_DAY)
        return PH_EINVAL;
    if (cq.gap_days == 0)
        cq.gap_days = COVERAGE_DEFAULT_GAP_DAYS;
    if (cq.gap_days < 1 || cq.gap_days > COVERAGE_MAX_DAYS)
        return PH_EINVAL;
    if (cq.area_level == NULL)
        cq.area_level = "commune";
    if (!level_valid(cq.area_level) || (cq.area_kind != NULL && !kind_valid(cq.area_kind)) ||
        (cq.force != NULL && !force_is_valid(cq.force)))
        return PH_EINVAL;
    incident_scope_of(cx->user, &scope);
    if (scope.clearance >= 0) {
        rc = store_operation_coverage_rows(cx->st, cx->arena, &cq, &scope, &rows, &n_rows);
        if (rc != PH_OK)
            return rc;
    }
    gap_end = cq.to < cx->now_ms ? cq.to : cx->now_ms;
    if (gap_end < cq.from)
        gap_end = cq.from;
    local_date(cq.from, from_day);
    local_date(cq.to - 1, to_day);
    iv = arena_alloc(cx->arena, (n_rows + 1) * sizeof(*iv));
    af.level = cq.area_level;
    af.kind = cq.area_kind;
    for (bool more = true; more;) {
        struct area *areas = NULL;
        size_t n_areas = 0;
        rc = store_area_list(cx->st, cx->arena, &af, &areas, &n_areas, &more);
        if (rc != PH_OK)
            return rc;
        for (size_t i = 0; i < n_areas; i++) {
            const struct area *a = &areas[i];
            struct coverage_area *c;
            size_t first;
            /* Only areas that existed during the period. */
            if (strcmp(a->valid_from, to_day) > 0 ||
                (a->valid_to != NULL && strcmp(a->valid_to, from_day) <= 0))
                continue;
            if (n_out == cap) {
                struct coverage_area *grown;
                cap = cap == 0 ? 64 : 2 * cap;
                grown = arena_alloc(cx->arena, cap * sizeof(*grown));
                if (n_out > 0)
                    memcpy(grown, out, n_out * sizeof(*out));
                out = grown;
            }
            c = &out[n_out++];
            memset(c, 0, sizeof(*c));
            c->area_id = a->id;
            c->area_code = a->code;
            c->area_name = a->name;
            c->area_kind = a->kind;
            /* Rows come by area id, as the areas do. */
            while (r < n_rows && rows[r].area_id < a->id)
                r++;
            first = r;
            while (r < n_rows && rows[r].area_id == a->id)
                r++;
            area_figures(c, rows + first, r - first, cq.from, cq.to, cx->now_ms, gap_end, iv);
            c->gap_exceeded = c->longest_gap_ms > (int64_t)cq.gap_days * MS_PER_DAY;
        }
        if (n_areas == 0)
            break;
        af.after_id = areas[n_areas - 1].id;
    }
    *items = out;
    *n = n_out;
    return PH_OK;
}
