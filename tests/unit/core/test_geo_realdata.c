/* test_geo_realdata.c - resolving locations to areas on the real boundaries of
 * Bến Tre (../shared/geo/gis-83-ben-tre.json: the province and its 9 districts
 * from the government's administrative map; read, never copied; skipped with a
 * message when the directory is missing). The province and the districts go in
 * through area_create with their official codes, then known points resolve:
 *   - the centre of Thành phố Bến Tre (Hùng Vương street by the river,
 *     10.2415N 106.3759E) to the city, 829;
 *   - in each district, the point of a 40 x 40 grid over its box farthest from
 *     its outline (3 to 9 km inside it), picked from the data, to that district;
 *   - at sea off Thạnh Phú (9.80N 106.75E, inside the province's box, 10 km from
 *     the coast) to none, and to the sea zone once the test draws one;
 *   - outside the province: Mỹ Tho across the Tiền River (10.36N 106.36E), a
 *     point of Tiền Giang inside the province's box (10.33N 106.30E) and one of
 *     Vĩnh Long (10.20N 106.00E) to none;
 *   - on the border of Thành phố Bến Tre and Châu Thành (a vertex and the middle
 *     of an edge both outlines share) to the one of lower id, every time, in a
 *     transaction and outside one;
 * and a point of each kind in the days before the areas were valid to none. */
#include "util/base.h"
#include <jansson.h>
#include "testutil.h"
#include "core/area.h"
#include "core/geo.h"
#include "store/store.h"
#include "util/arena.h"

#define GIS_FILE "../shared/geo/gis-83-ben-tre.json"
#define VALID_FROM "2025-03-01"
#define DAY "2025-06-01"

struct realdata {
    struct tu_fx tu; /* first: tu_fx_teardown frees the whole struct */
    int64_t province;
    int64_t district[9];
    const char *code[9];
};

static const char *geometry_text(struct arena *a, const json_t *u)
{
    json_t *g = json_pack("{s:O,s:O}", "type", json_object_get(u, "type"), "coordinates",
                          json_object_get(u, "coordinates"));
    char *text = g != NULL ? json_dumps(g, JSON_COMPACT) : NULL;
    const char *out = arena_strdup(a, text);

    free(text);
    json_decref(g);
    assert_non_null(out);
    return out;
}

static int64_t create(struct core_ctx *sys, const json_t *u, const char *code, const char *level,
                      const char *kind, int64_t parent)
{
    struct area ar = {.code = code,
                      .name = json_string_value(json_object_get(u, "name")),
                      .level = level,
                      .kind = kind,
                      .parent_id = parent,
                      .geometry = geometry_text(sys->arena, u),
                      .valid_from = VALID_FROM};
    const char *field = NULL;
    ph_err rc = TX(sys, area_create(sys, &ar, &field));

    if (rc != PH_OK)
        fail_msg("area %s: %d (%s)", code, rc, field != NULL ? field : "");
    return ar.id;
}

static int setup(void **state)
{
    struct realdata *f = calloc(1, sizeof(*f));
    json_error_t jerr;
    json_t *root;
    const json_t *l2;

    if (f == NULL)
        return -1;
    *state = f;
    tu_fx_open(&f->tu);
    if ((root = json_load_file(GIS_FILE, 0, &jerr)) == NULL) {
        f->province = -1; /* each test skips, saying why */
        return 0;
    }
    f->province = create(&f->tu.sys, root, "83", "province", "coastal", 0);
    l2 = json_object_get(root, "level2s");
    assert_int_equal(json_array_size(l2), 9);
    for (size_t i = 0; i < 9; i++) {
        const json_t *u = json_array_get(l2, i);
        const char *code = json_string_value(json_object_get(u, "level2_id"));
        assert_non_null(code);
        f->code[i] = arena_strdup(&f->tu.a, code);
        /* Bình Đại, Ba Tri and Thạnh Phú face the sea. */
        f->district[i] =
            create(&f->tu.sys, u, f->code[i], "district",
                   strcmp(code, "835") >= 0 && strcmp(code, "837") <= 0 ? "coastal" : "inland",
                   f->province);
    }
    json_decref(root);
    return 0;
}

static struct realdata *fixture(void **state)
{
    struct realdata *f = *state;

    if (f->province < 0) {
        print_message("skipped: %s not found (the real boundaries live in ../shared/geo/)\n",
                      GIS_FILE);
        skip();
    }
    return f;
}

static int64_t district(const struct realdata *f, const char *code)
{
    for (size_t i = 0; i < 9; i++)
        if (strcmp(f->code[i], code) == 0)
            return f->district[i];
    fail_msg("no district %s in the data", code);
    return 0;
}

static int64_t resolve_on(struct core_ctx *cx, double lat, double lon, const char *day)
{
    int64_t got = -1;

    assert_int_equal(geo_resolve_area(cx, lat, lon, day, &got), PH_OK);
    return got;
}

/* The city centre and a point well inside each district. */
static void test_geo_realdata_districts(void **state)
{
    struct realdata *f = fixture(state);
    static const struct {
        const char *code, *name;
        double lat, lon;
    } cases[] = {
        {"829", "Thành phố Bến Tre (centre)", 10.2415, 106.3759},
        {"829", "Thành phố Bến Tre", 10.2365, 106.3729},
        {"831", "Huyện Châu Thành", 10.2808, 106.2275},
        {"832", "Huyện Chợ Lách", 10.2049, 106.2088},
        {"833", "Huyện Mỏ Cày Nam", 10.0719, 106.3508},
        {"834", "Huyện Giồng Trôm", 10.1519, 106.4661},
        {"835", "Huyện Bình Đại", 10.1491, 106.7062},
        {"836", "Huyện Ba Tri", 10.0661, 106.6015},
        {"837", "Huyện Thạnh Phú", 9.9052, 106.5880},
        {"838", "Huyện Mỏ Cày Bắc", 10.2008, 106.3095},
    };

    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        int64_t want = district(f, cases[i].code);
        int64_t got = resolve_on(&f->tu.sys, cases[i].lat, cases[i].lon, DAY);
        if (got != want)
            fail_msg("%s (%.4fN %.4fE): area %lld, want %lld (%s)", cases[i].name, cases[i].lat,
                     cases[i].lon, (long long)got, (long long)want, cases[i].code);
        /* Before the areas were valid: none. */
        assert_int_equal(resolve_on(&f->tu.sys, cases[i].lat, cases[i].lon, "2025-02-28"), 0);
    }
}

/* Outside every land boundary: none. */
static void test_geo_realdata_outside(void **state)
{
    struct realdata *f = fixture(state);
    static const struct {
        const char *name;
        double lat, lon;
    } cases[] = {
        {"at sea off Thạnh Phú", 9.80, 106.75},
        {"at sea off Ba Tri", 9.95, 106.72},
        {"Mỹ Tho, Tiền Giang", 10.36, 106.36},
        {"Tiền Giang, in the province's box", 10.33, 106.30},
        {"Vĩnh Long, west of Chợ Lách", 10.20, 106.00},
        {"Hà Nội", 21.0285, 105.8542},
    };

    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        int64_t got = resolve_on(&f->tu.sys, cases[i].lat, cases[i].lon, DAY);
        if (got != 0)
            fail_msg("%s (%.4fN %.4fE): area %lld, want none", cases[i].name, cases[i].lat,
                     cases[i].lon, (long long)got);
    }
}

/* The province defines a sea zone off its coast (an outline of its own, under the
 * province, as the demo's): the point at sea resolves to it, land stays land. */
static void test_geo_realdata_sea_zone(void **state)
{
    struct realdata *f = fixture(state);
    struct core_ctx *sys = &f->tu.sys;
    struct area sea = {.code = "839",
                       .name = "Vùng biển tỉnh Bến Tre",
                       .level = "district",
                       .kind = "sea",
                       .parent_id = f->province,
                       /* Off the coast from Bình Đại to Thạnh Phú, out to 107.2E;
                        * its box overlaps the land districts'. */
                       .geometry = "{\"type\":\"Polygon\",\"coordinates\":[[[106.62,9.60],"
                                   "[107.20,9.60],[107.20,10.25],[106.84,10.25],[106.76,10.05],"
                                   "[106.70,9.90],[106.62,9.60]]]}",
                       .valid_from = VALID_FROM};
    const char *field = NULL;

    assert_int_equal(TX(sys, area_create(sys, &sea, &field)), PH_OK);
    assert_int_equal(resolve_on(sys, 9.80, 106.75, DAY), sea.id);
    assert_int_equal(resolve_on(sys, 10.10, 107.00, DAY), sea.id);
    /* Land near the sea zone (in its box, for Bình Đại) is still its district's. */
    assert_int_equal(resolve_on(sys, 10.1491, 106.7062, DAY), district(f, "835"));
    assert_int_equal(resolve_on(sys, 9.9052, 106.5880, DAY), district(f, "837"));
    assert_int_equal(resolve_on(sys, 10.36, 106.36, DAY), 0);
}

/* On the border of two districts: the lower id (829, created first), every time,
 * from the areas the store keeps (outside a transaction and in one) and from its
 * R*Tree query (in a transaction that has written an area, where nothing kept is
 * used). */
static void test_geo_realdata_border(void **state)
{
    struct realdata *f = fixture(state);
    struct core_ctx *sys = &f->tu.sys;
    /* A segment of both outlines: 829 on one side, 831 on the other. */
    const double ax = 106.333313823, ay = 10.2533044030001;
    const double bx = 106.337696726, by = 10.244866152;
    const double pts[][2] = {{ay, ax}, {(ay + by) / 2, (ax + bx) / 2}, {by, bx}};
    int64_t city = district(f, "829"), chau_thanh = district(f, "831");

    assert_true(city < chau_thanh);
    for (size_t i = 0; i < PH_NELEM(pts); i++) {
        for (int round = 0; round < 3; round++) {
            int64_t got;
            assert_int_equal(resolve_on(sys, pts[i][0], pts[i][1], DAY), city);
            assert_int_equal(store_tx_begin(sys->st), PH_OK);
            got = resolve_on(sys, pts[i][0], pts[i][1], DAY);
            assert_int_equal(store_tx_rollback(sys->st), PH_OK);
            assert_int_equal(got, city);
        }
    }
    /* An area written in the transaction (a commune without an outline): the
     * candidates come from the R*Tree query. */
    struct area commune = {.code = "28000",
                           .name = "Xã không có ranh giới",
                           .level = "commune",
                           .kind = "inland",
                           .parent_id = chau_thanh,
                           .valid_from = VALID_FROM};
    const char *field = NULL;
    assert_int_equal(store_tx_begin(sys->st), PH_OK);
    assert_int_equal(area_create(sys, &commune, &field), PH_OK);
    for (size_t i = 0; i < PH_NELEM(pts); i++)
        assert_int_equal(resolve_on(sys, pts[i][0], pts[i][1], DAY), city);
    assert_int_equal(resolve_on(sys, 10.2808, 106.2275, DAY), chau_thanh);
    assert_int_equal(resolve_on(sys, 10.36, 106.36, DAY), 0);
    assert_int_equal(store_tx_rollback(sys->st), PH_OK);
    /* A hair to either side, each its own. */
    assert_int_equal(resolve_on(sys, (ay + by) / 2, (ax + bx) / 2 + 1e-6, DAY), city);
    assert_int_equal(resolve_on(sys, (ay + by) / 2, (ax + bx) / 2 - 1e-6, DAY), chau_thanh);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_geo_realdata_districts, setup, tu_fx_teardown),
        cmocka_unit_test_setup_teardown(test_geo_realdata_outside, setup, tu_fx_teardown),
        cmocka_unit_test_setup_teardown(test_geo_realdata_sea_zone, setup, tu_fx_teardown),
        cmocka_unit_test_setup_teardown(test_geo_realdata_border, setup, tu_fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
