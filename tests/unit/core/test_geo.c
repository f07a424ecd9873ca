/* test_geo.c - geometry: point checks, GeoJSON outlines parsed and refused with a
 * reason, point-in-polygon (concave outlines, holes, multipolygons, points on
 * edges and vertices), checked against an exact integer reference on random
 * shapes and points, great-circle distances, and resolving a location to the
 * deepest area that contains it (with outlines kept between calls). */
#include "util/base.h"
#include <math.h>
#include "testutil.h"
#include "core/area.h"
#include "core/geo.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/limits.h"

/* Parse text, which must be accepted; the shape lives in a. */
static struct geo_shape parse_ok(struct arena *a, const char *text)
{
    struct geo_shape s;
    const char *why = NULL;
    ph_err rc = geo_shape_parse(a, text, strlen(text), &s, &why);

    if (rc != PH_OK)
        fail_msg("refused (%s): %s", why != NULL ? why : "?", text);
    return s;
}

/* ---- points and distances --------------------------------------------------------- */

static void test_geo_point_valid(void **state)
{
    static const struct {
        double lat, lon;
        bool ok;
    } cases[] = {
        {0, 0, true},          {90, 180, true},   {-90, -180, true},    {10.24, 106.37, true},
        {90.000001, 0, false}, {-90.5, 0, false}, {0, 180.0001, false}, {0, -181, false},
        {NAN, 0, false},       {0, NAN, false},   {INFINITY, 0, false}, {0, -INFINITY, false},
    };
    (void)state;
    for (size_t i = 0; i < PH_NELEM(cases); i++)
        if (geo_point_valid(cases[i].lat, cases[i].lon) != cases[i].ok)
            fail_msg("case %zu", i);
}

static void test_geo_distance(void **state)
{
    const double r = 6371008.8;
    (void)state;
    assert_true(geo_distance_m(10.2, 106.3, 10.2, 106.3) == 0.0);
    /* A degree along a meridian or the equator is R * pi / 180. */
    assert_true(fabs(geo_distance_m(0, 0, 1, 0) - r * M_PI / 180.0) < 1e-6);
    assert_true(fabs(geo_distance_m(0, 0, 0, 1) - r * M_PI / 180.0) < 1e-6);
    assert_true(fabs(geo_distance_m(10, 106, 11, 106) - r * M_PI / 180.0) < 1e-6);
    /* Symmetric, and half the circumference between antipodes (no NaN). */
    assert_true(geo_distance_m(10.24, 106.37, 21.03, 105.85) ==
                geo_distance_m(21.03, 105.85, 10.24, 106.37));
    assert_true(fabs(geo_distance_m(0, 0, 0, 180) - r * M_PI) < 1e-6);
    assert_true(fabs(geo_distance_m(90, 0, -90, 0) - r * M_PI) < 1e-6);
    /* Bến Tre to Hà Nội is about 1,200 km. */
    double d = geo_distance_m(10.2415, 106.3759, 21.0285, 105.8542);
    assert_true(d > 1190e3 && d < 1210e3);
    /* Across the antimeridian the short way. */
    assert_true(fabs(geo_distance_m(0, 179.5, 0, -179.5) - r * M_PI / 180.0) < 1e-6);
}

/* ---- parsing ---------------------------------------------------------------------- */

static void test_geo_parse_square(void **state)
{
    struct arena *a = *state;
    struct geo_shape s = parse_ok(
        a, "{\"type\":\"Polygon\",\"coordinates\":[[[106.1,10.2],[106.3,10.2],[106.3,10.4],"
           "[106.1,10.4],[106.1,10.2]]]}");

    assert_int_equal(s.n_polys, 1);
    assert_int_equal(s.polys[0].n_rings, 1);
    assert_int_equal(s.polys[0].rings[0].n, 5);
    assert_true(s.polys[0].rings[0].xy[0] == 106.1 && s.polys[0].rings[0].xy[1] == 10.2);
    assert_true(s.bbox.min_lon == 106.1 && s.bbox.max_lon == 106.3);
    assert_true(s.bbox.min_lat == 10.2 && s.bbox.max_lat == 10.4);
    assert_true(geo_shape_contains(&s, 106.2, 10.3));
    assert_false(geo_shape_contains(&s, 106.4, 10.3));
    assert_false(geo_shape_contains(&s, 106.2, 10.5));
    assert_false(geo_shape_contains(&s, 106.2, 10.1999));
    assert_false(geo_shape_contains(&s, NAN, 10.3));
}

static void test_geo_parse_wrappers(void **state)
{
    struct arena *a = *state;
    /* A Feature with properties and positions with an altitude. */
    struct geo_shape s = parse_ok(
        a, "{\"type\":\"Feature\",\"properties\":{\"ten\":\"Xã Bình Thắng\"},\"geometry\":"
           "{\"type\":\"Polygon\",\"coordinates\":[[[0,0,5],[4,0,5],[4,4,5],[0,4,5],[0,0,5]]]}}");
    assert_int_equal(s.n_polys, 1);
    assert_true(geo_shape_contains(&s, 2, 2));
    /* Integers and reals mix. */
    s = parse_ok(a, "{\"coordinates\":[[[0.0,0],[4,0.0],[4,4],[0,4],[0,0]]],\"type\":\"Polygon\"}");
    assert_true(geo_shape_contains(&s, 1, 1));
}

static void test_geo_parse_refused(void **state)
{
    static const char *const cases[] = {
        "",
        "not json",
        "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,0]]]", /* cut */
        "[]",
        "{}",
        "{\"type\":\"Point\",\"coordinates\":[0,0]}",
        "{\"type\":\"LineString\",\"coordinates\":[[0,0],[1,1]]}",
        "{\"type\":\"FeatureCollection\",\"features\":[]}",
        "{\"type\":\"Feature\",\"geometry\":null}",
        "{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[0,0]}}",
        "{\"type\":\"Feature\"}",
        "{\"type\":7,\"coordinates\":[[[0,0],[1,0],[1,1],[0,0]]]}",
        "{\"type\":\"Polygon\"}",
        "{\"type\":\"Polygon\",\"coordinates\":{}}",
        "{\"type\":\"Polygon\",\"coordinates\":[]}",
        "{\"type\":\"Polygon\",\"coordinates\":[[]]}",
        "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,1]]]}", /* not closed */
        "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[0,0]]]}",       /* 3 positions */
        "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,0]],[[0,0],[1,0]]]}",
        "{\"type\":\"Polygon\",\"coordinates\":[[[181,0],[1,0],[1,1],[181,0]]]}",
        "{\"type\":\"Polygon\",\"coordinates\":[[[0,-91],[1,0],[1,1],[0,-91]]]}",
        "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1e999],[0,0]]]}", /* inf */
        "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,NaN],[0,0]]]}",
        "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,Infinity],[0,0]]]}",
        "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[\"1\",0],[1,1],[0,0]]]}",
        "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1],[1,1],[0,0]]]}",
        "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,0]]],\"type\":\"Point\"}",
        "{\"type\":\"MultiPolygon\",\"coordinates\":[]}",
        "{\"type\":\"MultiPolygon\",\"coordinates\":[[[[0,0],[1,0],[1,1],[0,0]]],[]]}",
        "{\"type\":\"MultiPolygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,0]]]}", /* a Polygon's */
        /* Nine levels: one more than GEOJSON_MAX_DEPTH. */
        "{\"type\":\"Polygon\",\"coordinates\":[[[[[[[[0]]]]]]]]}",
        /* Brackets inside strings do not count, but the shape is still wrong. */
        "{\"type\":\"Polygon\",\"x\":\"[[[[[[[[[[\",\"coordinates\":[[[0,0]]]}",
    };
    struct arena *a = *state;

    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        struct geo_shape s = {.n_polys = 77};
        const char *why = NULL;
        if (geo_shape_parse(a, cases[i], strlen(cases[i]), &s, &why) != PH_EINVAL)
            fail_msg("case %zu accepted: %s", i, cases[i]);
        if (why == NULL)
            fail_msg("case %zu: no reason", i);
        assert_int_equal(s.n_polys, 77); /* untouched on failure */
    }
    assert_int_equal(geo_shape_parse(a, NULL, 0, &(struct geo_shape){0}, NULL), PH_EINVAL);
}

static void test_geo_parse_nesting(void **state)
{
    struct arena *a = *state;
    const char *why = NULL;
    struct geo_shape s;
    /* Deep enough to hurt a recursive parser: refused before jansson sees it. */
    size_t depth = 100000, n = 0;
    char *text = malloc(2 * depth + 64);

    assert_non_null(text);
    n += (size_t)snprintf(text, 64, "{\"type\":\"Polygon\",\"coordinates\":");
    for (size_t i = 0; i < depth; i++)
        text[n++] = '[';
    for (size_t i = 0; i < depth; i++)
        text[n++] = ']';
    text[n++] = '}';
    assert_int_equal(geo_shape_parse(a, text, n, &s, &why), PH_EINVAL);
    assert_string_equal(why, "geometry nested too deeply");
    free(text);
    /* A Feature's polygon is six deep, a Feature's multipolygon seven: both fit. */
    s = parse_ok(a, "{\"type\":\"Feature\",\"geometry\":{\"type\":\"MultiPolygon\","
                    "\"coordinates\":[[[[0,0],[1,0],[1,1],[0,0]]]]},\"properties\":{\"a\":[[1]]}}");
    assert_int_equal(s.n_polys, 1);
    /* An embedded NUL ends nothing: the length given is what is parsed. */
    assert_int_equal(geo_shape_parse(a, "{\"type\":\"Polygon\"}\0xx", 22, &s, &why), PH_EINVAL);
}

/* ---- containment ------------------------------------------------------------------ */

static void test_geo_concave(void **state)
{
    /* A "U": the notch (2..4 x 2..6) is outside. */
    struct arena *a = *state;
    struct geo_shape s = parse_ok(a, "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[6,0],[6,6],"
                                     "[4,6],[4,2],[2,2],[2,6],[0,6],[0,0]]]}");
    static const struct {
        double x, y;
        bool in;
    } cases[] = {
        {1, 1, true},         {1, 5, true},          {5, 5, true},  {3, 1, true},   {3, 3, false},
        {3, 5.9, false},      {3, 6, false},         {3, 7, false}, {-1, 3, false}, {7, 3, false},
        {1, 2, true},         {5, 2, true},          {3, 2, true}, /* the notch's floor: an edge */
        {2, 4, true},         {4, 4, true},                        /* the notch's walls */
        {4, 6, true},         {2, 6, true},                        /* vertices */
        {3, 1.9999999, true}, {3, 2.0000001, false},
    };
    for (size_t i = 0; i < PH_NELEM(cases); i++)
        if (geo_shape_contains(&s, cases[i].x, cases[i].y) != cases[i].in)
            fail_msg("case %zu (%g, %g)", i, cases[i].x, cases[i].y);
}

static void test_geo_hole(void **state)
{
    struct arena *a = *state;
    struct geo_shape s = parse_ok(a, "{\"type\":\"Polygon\",\"coordinates\":["
                                     "[[0,0],[10,0],[10,10],[0,10],[0,0]],"
                                     "[[3,3],[3,7],[7,7],[7,3],[3,3]]]}");
    static const struct {
        double x, y;
        bool in;
    } cases[] = {
        {1, 1, true}, {5, 5, false},  {4, 6, false},  {2, 5, true},       {8, 5, true},
        {3, 5, true}, {7, 5, true},   {5, 3, true},   {3, 3, true}, /* the hole's edge */
        {0, 5, true}, {10, 10, true}, {11, 5, false}, {3.0001, 5, false}, {2.9999, 5, true},
    };
    for (size_t i = 0; i < PH_NELEM(cases); i++)
        if (geo_shape_contains(&s, cases[i].x, cases[i].y) != cases[i].in)
            fail_msg("case %zu (%g, %g)", i, cases[i].x, cases[i].y);
}

static void test_geo_multipolygon(void **state)
{
    /* Two squares, the second with a hole; and a third polygon inside that hole (an
     * island in a lake). */
    struct arena *a = *state;
    struct geo_shape s = parse_ok(
        a, "{\"type\":\"MultiPolygon\",\"coordinates\":["
           "[[[0,0],[2,0],[2,2],[0,2],[0,0]]],"
           "[[[10,10],[20,10],[20,20],[10,20],[10,10]],[[12,12],[18,12],[18,18],[12,18],[12,12]]],"
           "[[[14,14],[16,14],[16,16],[14,16],[14,14]]]]}");
    static const struct {
        double x, y;
        bool in;
    } cases[] = {
        {1, 1, true},    {5, 5, false}, {11, 11, true},  {13, 13, false},  {15, 15, true},
        {17, 17, false}, {2, 1, true},  {21, 15, false}, {-0.5, 1, false},
    };
    assert_int_equal(s.n_polys, 3);
    assert_true(s.bbox.min_lon == 0 && s.bbox.min_lat == 0 && s.bbox.max_lon == 20 &&
                s.bbox.max_lat == 20);
    for (size_t i = 0; i < PH_NELEM(cases); i++)
        if (geo_shape_contains(&s, cases[i].x, cases[i].y) != cases[i].in)
            fail_msg("case %zu (%g, %g)", i, cases[i].x, cases[i].y);
}

static void test_geo_edges_and_vertices(void **state)
{
    /* A diamond (edges on diagonals) and a triangle with a vertex on the ray of
     * points to its left: vertices and points along every edge are inside, points
     * a little off are not. Both orientations give the same answers. */
    struct arena *a = *state;
    const char *const texts[] = {
        "{\"type\":\"Polygon\",\"coordinates\":[[[0,-4],[4,0],[0,4],[-4,0],[0,-4]]]}",
        "{\"type\":\"Polygon\",\"coordinates\":[[[0,-4],[-4,0],[0,4],[4,0],[0,-4]]]}",
    };
    for (size_t t = 0; t < PH_NELEM(texts); t++) {
        struct geo_shape s = parse_ok(a, texts[t]);
        static const double vx[] = {0, 4, 0, -4}, vy[] = {-4, 0, 4, 0};
        for (int v = 0; v < 4; v++) {
            double x0 = vx[v], y0 = vy[v], x1 = vx[(v + 1) % 4], y1 = vy[(v + 1) % 4];
            assert_true(geo_shape_contains(&s, x0, y0));
            for (int k = 1; k < 8; k++) {
                double x = x0 + (x1 - x0) * k / 8.0, y = y0 + (y1 - y0) * k / 8.0;
                /* The outward normal of each edge is (sign x, sign y). */
                double nx = x > 0 ? 1 : -1, ny = y > 0 ? 1 : -1;
                if (!geo_shape_contains(&s, x, y))
                    fail_msg("edge point (%g, %g) outside", x, y);
                if (geo_shape_contains(&s, x + nx * 1e-6, y + ny * 1e-6))
                    fail_msg("point off (%g, %g) inside", x, y);
                if (!geo_shape_contains(&s, x - nx * 1e-6, y - ny * 1e-6))
                    fail_msg("point within (%g, %g) outside", x, y);
            }
        }
        /* On the horizontal line through the side vertices: the ray passes them. */
        assert_true(geo_shape_contains(&s, -3.5, 0));
        assert_true(geo_shape_contains(&s, 3.9, 0));
        assert_false(geo_shape_contains(&s, -4.1, 0));
        assert_false(geo_shape_contains(&s, 4.1, 0));
        /* Through the top and bottom vertices. */
        assert_false(geo_shape_contains(&s, -1, 4));
        assert_false(geo_shape_contains(&s, -1, -4));
        assert_false(geo_shape_contains(&s, 5, 4));
    }
    /* Horizontal edges lying on a point's ray, and collinear vertices. */
    struct geo_shape s = parse_ok(a, "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[2,0],[4,0],"
                                     "[4,2],[3,2],[3,1],[2,1],[2,2],[0,2],[0,0]]]}");
    assert_true(geo_shape_contains(&s, 1, 1));   /* ray runs along the top of the notch */
    assert_true(geo_shape_contains(&s, 2.5, 1)); /* on the notch's bottom edge */
    assert_true(geo_shape_contains(&s, 2.5, 0.5));
    assert_false(geo_shape_contains(&s, 2.5, 1.5));
    assert_true(geo_shape_contains(&s, 3.5, 1.5));
    assert_true(geo_shape_contains(&s, 1, 0)); /* bottom edge */
    assert_false(geo_shape_contains(&s, -1, 0));
    assert_false(geo_shape_contains(&s, 5, 2));
}

/* ---- against an exact reference ---------------------------------------------------- */

/* Coordinates in the random tests are multiples of 1/GRID degrees, so that the
 * reference can work in exact integers (scaled by GRID). */
#define GRID 8

struct iring {
    long long xy[2 * 40];
    size_t n;
};
struct ipoly {
    struct iring rings[3];
    size_t n_rings;
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t bound)
{
    /* xorshift64*: reproducible on every platform, unlike rand(). */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 2685821657736338717ull) >> 33) % bound;
}

enum { REF_OUT, REF_IN, REF_ON };

/* The same rule as geo.c in exact arithmetic: on an edge, else the parity of the
 * edges crossed by a ray towards +x under the half-open rule. */
static int ref_ring(const struct iring *r, long long px, long long py)
{
    bool inside = false;

    for (size_t i = 0; i + 1 < r->n; i++) {
        long long ax = r->xy[2 * i], ay = r->xy[2 * i + 1];
        long long bx = r->xy[2 * i + 2], by = r->xy[2 * i + 3];
        long long cross = (bx - ax) * (py - ay) - (by - ay) * (px - ax);
        if (cross == 0 && px >= (ax < bx ? ax : bx) && px <= (ax > bx ? ax : bx) &&
            py >= (ay < by ? ay : by) && py <= (ay > by ? ay : by))
            return REF_ON;
        if ((ay > py) != (by > py)) {
            /* px < ax + (py - ay) * (bx - ax) / (by - ay), multiplied out. */
            long long lhs = (px - ax) * (by - ay), rhs = (py - ay) * (bx - ax);
            if (by - ay > 0 ? lhs < rhs : lhs > rhs)
                inside = !inside;
        }
    }
    return inside ? REF_IN : REF_OUT;
}

static bool ref_contains(const struct ipoly *polys, size_t n, long long px, long long py)
{
    for (size_t p = 0; p < n; p++) {
        int outer = ref_ring(&polys[p].rings[0], px, py);
        bool in_hole = false;
        if (outer == REF_ON)
            return true;
        if (outer == REF_OUT)
            continue;
        /* The polygon is its outline less the holes' interiors: a hole's edge is
         * inside unless another (overlapping) hole's interior holds it. */
        for (size_t h = 1; h < polys[p].n_rings && !in_hole; h++)
            in_hole = ref_ring(&polys[p].rings[h], px, py) == REF_IN;
        if (!in_hole)
            return true;
    }
    return false;
}

/* A random star-shaped ring around (cx, cy) in grid units: vertices at increasing
 * angles, radius up to rmax; rounding to the grid may make it touch itself, which
 * both implementations must still agree on. */
static void random_ring(struct iring *r, long long cx, long long cy, int rmax)
{
    size_t k = 3 + rnd(30);
    double angle = 0.0;

    for (size_t i = 0; i < k; i++) {
        double rad = 1 + rnd((uint32_t)rmax);
        angle += (2 * M_PI / (double)k) * (0.5 + rnd(1000) / 1000.0);
        if (angle >= 2 * M_PI)
            angle = 2 * M_PI * (double)i / (double)k;
        r->xy[2 * i] = cx + (long long)lround(rad * cos(angle));
        r->xy[2 * i + 1] = cy + (long long)lround(rad * sin(angle));
    }
    r->xy[2 * k] = r->xy[0];
    r->xy[2 * k + 1] = r->xy[1];
    r->n = k + 1;
}

static size_t ring_json(char *out, size_t cap, const struct iring *r)
{
    size_t n = (size_t)snprintf(out, cap, "[");
    for (size_t i = 0; i < r->n; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s[%.17g,%.17g]", i ? "," : "",
                              100.0 + (double)r->xy[2 * i] / GRID, (double)r->xy[2 * i + 1] / GRID);
    n += (size_t)snprintf(out + n, cap - n, "]");
    return n;
}

static long long gcd_ll(long long a, long long b)
{
    a = a < 0 ? -a : a;
    b = b < 0 ? -b : b;
    while (b != 0) {
        long long t = a % b;
        a = b;
        b = t;
    }
    return a;
}

struct cmp_count {
    long long total, inside, mismatches;
};

static void compare_at(const struct geo_shape *s, const struct ipoly *polys, size_t np, long long x,
                       long long y, struct cmp_count *c)
{
    bool want = ref_contains(polys, np, x, y);
    bool got = geo_shape_contains(s, 100.0 + (double)x / GRID, (double)y / GRID);

    c->total++;
    c->inside += want;
    if (want != got && c->mismatches++ < 5)
        print_error("(%lld, %lld)/%d: reference %d, geo %d\n", x, y, GRID, want, got);
}

static void test_geo_random_vs_reference(void **state)
{
    struct arena *a = *state;
    char *text = malloc(1 << 16);
    struct cmp_count c = {0};
    long long on_edge = 0;

    assert_non_null(text);
    for (int round = 0; round < 40; round++) {
        struct ipoly polys[3];
        size_t np = 1 + rnd(3), n = 0;
        struct geo_shape s;
        for (size_t p = 0; p < np; p++) {
            long long cx = (long long)(rnd(20) + 10) * GRID / 2, cy = (long long)rnd(20) * GRID;
            random_ring(&polys[p].rings[0], cx, cy, 12 * GRID);
            polys[p].n_rings = 1 + rnd(3);
            for (size_t h = 1; h < polys[p].n_rings; h++)
                random_ring(&polys[p].rings[h], cx + rnd(9) - 4, cy + rnd(9) - 4, 4 * GRID);
        }
        n += (size_t)snprintf(text + n, 64, "{\"type\":\"MultiPolygon\",\"coordinates\":[");
        for (size_t p = 0; p < np; p++) {
            n += (size_t)snprintf(text + n, 8, "%s[", p ? "," : "");
            for (size_t h = 0; h < polys[p].n_rings; h++) {
                if (h)
                    text[n++] = ',';
                n += ring_json(text + n, (1 << 16) - n, &polys[p].rings[h]);
            }
            text[n++] = ']';
        }
        n += (size_t)snprintf(text + n, 8, "]}");
        s = parse_ok(a, text);
        /* A coarse lattice over the shapes and around them. */
        for (long long y = -15 * GRID; y <= 35 * GRID; y += 5)
            for (long long x = -5 * GRID; x <= 30 * GRID; x += 3)
                compare_at(&s, polys, np, x, y, &c);
        /* Every lattice point on every edge (vertices included), and its four
         * neighbours, which lie just off the edge or on a neighbouring one. */
        for (size_t p = 0; p < np; p++) {
            for (size_t h = 0; h < polys[p].n_rings; h++) {
                const struct iring *r = &polys[p].rings[h];
                for (size_t i = 0; i + 1 < r->n; i++) {
                    long long ax = r->xy[2 * i], ay = r->xy[2 * i + 1];
                    long long dx = r->xy[2 * i + 2] - ax, dy = r->xy[2 * i + 3] - ay;
                    long long g = gcd_ll(dx, dy);
                    for (long long k = 0; k <= g; k++) {
                        long long x = g ? ax + k * (dx / g) : ax, y = g ? ay + k * (dy / g) : ay;
                        compare_at(&s, polys, np, x, y, &c);
                        compare_at(&s, polys, np, x + 1, y, &c);
                        compare_at(&s, polys, np, x - 1, y, &c);
                        compare_at(&s, polys, np, x, y + 1, &c);
                        compare_at(&s, polys, np, x, y - 1, &c);
                        on_edge++;
                    }
                }
            }
        }
    }
    free(text);
    print_message("%lld points, %lld inside, %lld on edges\n", c.total, c.inside, on_edge);
    assert_int_equal(c.mismatches, 0);
    /* The test means something only if it met each case often. */
    assert_true(c.inside > c.total / 20 && c.inside < c.total - c.total / 20);
    assert_true(on_edge > 1000);
}

/* ---- the indexed test against every edge ------------------------------------------ */

static double urand(void)
{
    return (double)rnd(1u << 30) / (double)(1u << 30);
}

/* A ring of k vertices around (cx, cy): a wobbly star (real outlines' shape), or
 * a comb whose teeth are edges spanning its whole height (so many bands per edge
 * that the index gives up its bands), or a zig-zag along one latitude with tall
 * spikes. Written as a GeoJSON ring into text at *n. */
static void ring_text(char *text, size_t cap, size_t *n, double cx, double cy, double r, size_t k,
                      int form)
{
    double x0 = 0, y0 = 0;

    *n += (size_t)snprintf(text + *n, cap - *n, "[");
    for (size_t i = 0; i < k; i++) {
        double x, y, a = 2 * M_PI * (double)i / (double)k;
        if (form == 0) {
            double rad = r * (0.55 + 0.45 * urand());
            x = cx + rad * cos(a);
            y = cy + rad * sin(a);
        } else if (form == 1) { /* teeth up, from left to right, then back along the base */
            size_t teeth = k - 2;
            if (i < teeth) {
                x = cx - r + 2 * r * (double)i / (double)teeth;
                y = i % 2 ? cy + r : cy;
            } else {
                x = i == teeth ? cx + r : cx - r;
                y = cy - r * 0.1;
            }
        } else { /* spikes every 8th vertex */
            x = cx - r + 2 * r * (double)i / (double)k;
            y = cy + (i % 8 == 0 ? r : r * 0.02 * urand());
            if (i == k - 1)
                y = cy - r * 0.5;
        }
        if (i == 0) {
            x0 = x;
            y0 = y;
        }
        *n += (size_t)snprintf(text + *n, cap - *n, "[%.17g,%.17g],", x, y);
    }
    *n += (size_t)snprintf(text + *n, cap - *n, "[%.17g,%.17g]]", x0, y0);
}

/* Random shapes with many vertices, holes and several polygons: the test with the
 * index (ring boxes, latitude bands) and the test over every edge (the same shape
 * without its index) agree on 100,000 points, many of them on or next to edges. */
static void test_geo_index_vs_plain(void **state)
{
    struct arena *a = *state;
    size_t cap = 1 << 20, points = 0, inside = 0, on_edges = 0;
    char *text = malloc(cap);

    assert_non_null(text);
    for (int round = 0; points < 100000; round++) {
        size_t np = 1 + rnd(3), n = 0;
        struct geo_shape s, plain;
        n += (size_t)snprintf(text + n, cap - n, "{\"type\":\"MultiPolygon\",\"coordinates\":[");
        for (size_t p = 0; p < np; p++) {
            double cx = 106 + 0.3 * (double)p + 0.05 * urand(), cy = 10 + 0.05 * urand();
            size_t holes = rnd(3);
            int form = round % 5 == 3 ? 1 : round % 5 == 4 ? 2 : 0;
            n += (size_t)snprintf(text + n, cap - n, "%s[", p ? "," : "");
            ring_text(text, cap, &n, cx, cy, 0.12, 8 + rnd(form == 0 ? 3000 : 300), form);
            /* Holes inside the star's inner radius, so that they are real holes. */
            for (size_t h = 0; form == 0 && h < holes; h++) {
                text[n++] = ',';
                ring_text(text, cap, &n, cx + (h == 0 ? -0.03 : 0.03), cy, 0.025, 4 + rnd(200), 0);
            }
            text[n++] = ']';
        }
        n += (size_t)snprintf(text + n, cap - n, "]}");
        s = parse_ok(a, text);
        assert_non_null(s.index);
        plain = s;
        plain.index = NULL;
        for (int i = 0; i < 2000; i++, points++) {
            double x, y;
            if (i % 2 == 0) { /* anywhere in and around the box */
                x = s.bbox.min_lon - 0.01 + urand() * (s.bbox.max_lon - s.bbox.min_lon + 0.02);
                y = s.bbox.min_lat - 0.01 + urand() * (s.bbox.max_lat - s.bbox.min_lat + 0.02);
            } else { /* on an edge, a vertex, or a hair off one */
                const struct geo_polygon *poly = &s.polys[rnd((uint32_t)s.n_polys)];
                const struct geo_ring *r = &poly->rings[rnd((uint32_t)poly->n_rings)];
                size_t e = rnd((uint32_t)(r->n - 1));
                double t = i % 6 == 1 ? 0.0 : urand(), off = (double)((int)rnd(5) - 2) * 6e-10;
                x = r->xy[2 * e] + t * (r->xy[2 * e + 2] - r->xy[2 * e]) + off;
                y = r->xy[2 * e + 1] + t * (r->xy[2 * e + 3] - r->xy[2 * e + 1]) - off;
                on_edges++;
            }
            bool fast = geo_shape_contains(&s, x, y), slow = geo_shape_contains(&plain, x, y);
            if (fast != slow)
                fail_msg("round %d: (%.17g, %.17g): indexed %d, every edge %d", round, x, y, fast,
                         slow);
            inside += fast;
        }
        arena_release(a);
        arena_init(a);
    }
    free(text);
    print_message("%zu points, %zu inside, %zu on or next to edges\n", points, inside, on_edges);
    assert_true(inside > points / 10 && inside < points - points / 10);
}

/* ---- resolving areas --------------------------------------------------------------- */

static int64_t area_with(struct core_ctx *sys, const char *code, const char *level, int64_t parent,
                         const char *geometry)
{
    struct area ar = {.code = code,
                      .name = code,
                      .level = level,
                      .kind = "inland",
                      .parent_id = parent,
                      .geometry = geometry,
                      .valid_from = "2020-01-01"};
    const char *field = NULL;
    ph_err rc = TX(sys, area_create(sys, &ar, &field));
    if (rc != PH_OK)
        fail_msg("area %s: %d (%s)", code, rc, field != NULL ? field : "");
    return ar.id;
}

static void test_geo_resolve_area(void **state)
{
    struct tu_fx *f = *state;
    struct core_ctx *sys = &f->sys;
    int64_t province, district, commune, other, island, got = -1;

    province = area_with(sys, "83", "province", 0,
                         "{\"type\":\"Polygon\",\"coordinates\":[[[106,9.5],[107,9.5],[107,10.5],"
                         "[106,10.5],[106,9.5]]]}");
    district = area_with(sys, "829", "district", province,
                         "{\"type\":\"Polygon\",\"coordinates\":[[[106.2,9.8],[106.6,9.8],"
                         "[106.6,10.2],[106.2,10.2],[106.2,9.8]]]}");
    /* The commune is an "L": its bounding box holds points it does not. */
    commune = area_with(sys, "28867", "commune", district,
                        "{\"type\":\"Polygon\",\"coordinates\":[[[106.3,9.9],[106.5,9.9],"
                        "[106.5,9.95],[106.35,9.95],[106.35,10.1],[106.3,10.1],[106.3,9.9]]]}");
    /* A commune of the same district as a Feature with a MultiPolygon. */
    island = area_with(sys, "28870", "commune", district,
                       "{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":"
                       "\"MultiPolygon\",\"coordinates\":[[[[106.55,10.1],[106.58,10.1],"
                       "[106.58,10.15],[106.55,10.1]]],[[[106.21,9.81],[106.25,9.81],"
                       "[106.25,9.85],[106.21,9.85],[106.21,9.81]]]]}}");
    /* Without a geometry: never a candidate. */
    other = area_with(sys, "830", "district", province, NULL);
    (void)other;

    static const struct {
        double lat, lon;
        int which; /* 0 none, 1 province, 2 district, 3 commune, 4 island */
    } cases[] = {
        {9.92, 106.32, 3},  {10.05, 106.32, 3}, {9.9, 106.4, 3},  /* on the commune's edge */
        {10.05, 106.45, 2}, {9.97, 106.45, 2},  {9.85, 106.4, 2}, /* in the L's notch */
        {10.11, 106.56, 4}, {9.83, 106.23, 4},  {10.3, 106.8, 1}, {10.2, 106.4, 2},
        {11.0, 106.5, 0},   {10.0, 105.0, 0},   {9.5, 106.0, 1}, /* the province's corner */
    };
    int64_t ids[] = {0, province, district, commune, island};
    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        assert_int_equal(geo_resolve_area(sys, cases[i].lat, cases[i].lon, "2025-06-01", &got),
                         PH_OK);
        if (got != ids[cases[i].which])
            fail_msg("case %zu: area %lld, want %lld", i, (long long)got,
                     (long long)ids[cases[i].which]);
    }
    /* No date: the day of now_ms (after 2020). Before the areas existed: none. */
    assert_int_equal(geo_resolve_area(sys, 9.92, 106.32, NULL, &got), PH_OK);
    assert_int_equal(got, commune);
    assert_int_equal(geo_resolve_area(sys, 9.92, 106.32, "2019-12-31", &got), PH_OK);
    assert_int_equal(got, 0);
    /* Bad input. */
    got = 42;
    assert_int_equal(geo_resolve_area(sys, 91, 106.32, NULL, &got), PH_EINVAL);
    assert_int_equal(geo_resolve_area(sys, NAN, 106.32, NULL, &got), PH_EINVAL);
    assert_int_equal(geo_resolve_area(sys, 9.92, 106.32, "hôm qua", &got), PH_EINVAL);
    assert_int_equal(got, 42);
}

static const char *square_at(struct arena *a, double lon0, double lat0, double side)
{
    return arena_printf(a,
                        "{\"type\":\"Polygon\",\"coordinates\":[[[%g,%g],[%g,%g],[%g,%g],[%g,%g],"
                        "[%g,%g]]]}",
                        lon0, lat0, lon0 + side, lat0, lon0 + side, lat0 + side, lon0, lat0 + side,
                        lon0, lat0);
}

static int64_t resolve(struct core_ctx *cx, double lat, double lon)
{
    int64_t got = -1;
    assert_int_equal(geo_resolve_area(cx, lat, lon, "2025-06-01", &got), PH_OK);
    return got;
}

/* Parsed outlines are kept between calls, keyed by the area and the very text of
 * its outline: an edited outline is used at once, another database whose areas
 * have the same ids gets its own, and an outline that does not parse is skipped
 * every time. */
static void test_geo_resolve_kept(void **state)
{
    struct tu_fx *f = *state;
    struct core_ctx *sys = &f->sys;
    int64_t province, district, commune, broken;
    struct area a;
    const char *field = NULL;

    province = area_with(sys, "83", "province", 0, square_at(&f->a, 106, 9.5, 1));
    district = area_with(sys, "829", "district", province, square_at(&f->a, 106.2, 9.8, 0.4));
    commune = area_with(sys, "28867", "commune", district, square_at(&f->a, 106.3, 9.9, 0.1));
    for (int i = 0; i < 3; i++) {
        assert_int_equal(resolve(sys, 9.95, 106.35), commune);
        assert_int_equal(resolve(sys, 10.1, 106.5), district);
    }
    /* The commune moves: the old point is the district's, the new one its own. */
    assert_int_equal(area_get(sys, commune, &a), PH_OK);
    a.geometry = square_at(&f->a, 106.45, 10.05, 0.1);
    assert_int_equal(TX(sys, area_update(sys, &a, &field)), PH_OK);
    assert_int_equal(resolve(sys, 9.95, 106.35), district);
    assert_int_equal(resolve(sys, 10.1, 106.5), commune);

    /* Another database, the same ids, other outlines. */
    struct tu_fx g;
    tu_fx_open(&g);
    int64_t p2 = area_with(&g.sys, "83", "province", 0, square_at(&g.a, 100, 20, 1));
    int64_t d2 = area_with(&g.sys, "829", "district", p2, square_at(&g.a, 100.1, 20.1, 0.5));
    int64_t c2 = area_with(&g.sys, "28867", "commune", d2, square_at(&g.a, 100.2, 20.2, 0.1));
    assert_int_equal(p2, province);
    assert_int_equal(c2, commune);
    assert_int_equal(resolve(&g.sys, 20.25, 100.25), c2);
    assert_int_equal(resolve(&g.sys, 10.1, 106.5), 0);
    assert_int_equal(resolve(sys, 10.1, 106.5), commune);
    tu_fx_close(&g);

    /* An outline that does not parse (an open ring, stored around the checks):
     * never holds the point, however often asked. */
    struct area bad = {.code = "28870",
                       .name = "28870",
                       .level = "commune",
                       .kind = "inland",
                       .parent_id = district,
                       .geometry = "{\"type\":\"Polygon\",\"coordinates\":[[[106.21,9.81],"
                                   "[106.25,9.81],[106.25,9.85],[106.21,9.85]]]}",
                       .valid_from = "2020-01-01"};
    assert_int_equal(store_area_insert(f->st, &bad, "28870", &broken), PH_OK);
    for (int i = 0; i < 2; i++)
        assert_int_equal(resolve(sys, 9.83, 106.23), district);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_geo_point_valid),
        cmocka_unit_test(test_geo_distance),
        TU_ARENA_TEST(test_geo_parse_square),
        TU_ARENA_TEST(test_geo_parse_wrappers),
        TU_ARENA_TEST(test_geo_parse_refused),
        TU_ARENA_TEST(test_geo_parse_nesting),
        TU_ARENA_TEST(test_geo_concave),
        TU_ARENA_TEST(test_geo_hole),
        TU_ARENA_TEST(test_geo_multipolygon),
        TU_ARENA_TEST(test_geo_edges_and_vertices),
        TU_ARENA_TEST(test_geo_random_vs_reference),
        TU_ARENA_TEST(test_geo_index_vs_plain),
        TU_FX_TEST(test_geo_resolve_area),
        TU_FX_TEST(test_geo_resolve_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
