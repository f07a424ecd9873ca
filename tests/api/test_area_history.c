/* test_area_history.c - the "areahistory" group: areas across time over HTTP
 * (docs/API.md, "Area history"), on a fresh server. A reorganisation on
 * 2025-07-01 closes an old province, its district and two communes and opens a
 * new province with three communes (one old commune fully into one, the other
 * split between two); the successions are written through the store (the
 * importer's job in production), everything else through the API:
 *   - GET /api/v1/areas?at=DATE gives the map of that day;
 *   - GET /api/v1/areas/{id}/successions, both directions, 404 for no area;
 *   - GET /api/v1/stats/areas counts the same incidents by the old and by the
 *     new map (the partial merge by location, the rest ambiguous), 422 naming
 *     a bad parameter; kind=operations and kind=positions answer the same
 *     shape, kind=bogus and a year of positions are 422;
 *   - proposals: made once by an admin, listed, confirmed (the unit's area
 *     replaced), rejected, decided twice (409 "status"), refused to others;
 *   - GET /api/v1/routing-rules?on_closed_areas=1 lists the rule naming a
 *     closed area. */
#include "util/base.h"
#include <curl/curl.h>
#include "harness.h"
#include "store/store.h"

int run_area_history_tests(void); /* the group, run by main.c */

#define REORG "2025-07-01"
#define YEAR "from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z"

struct reorg {
    int64_t o, od, oc1, oc2;     /* old province, district, communes */
    int64_t np, nc1, nc2a, nc2b; /* new province and communes */
    int64_t unit, rule;
};

static int64_t mk_area_from(const char *token, const char *name, const char *level,
                            int64_t parent_id, json_t *geometry, const char *from)
{
    json_t *b = json_pack("{s:s, s:s, s:s, s:s, s:s}", "code", uniq_num(), "name", name, "level",
                          level, "kind", "inland", "valid_from", from);
    if (parent_id != 0)
        json_object_set_new(b, "parent_id", json_integer(parent_id));
    if (geometry != NULL)
        json_object_set_new(b, "geometry", geometry);
    struct resp *r = api_json("POST", "/api/v1/areas", token, b);
    EXPECT_STATUS(r, 201);
    return JINT(r->json, "id");
}

static void close_area(const char *token, int64_t id)
{
    struct resp *r = api_json("PATCH", tfmt("/api/v1/areas/%lld", (long long)id), token,
                              json_pack("{s:s}", "valid_to", REORG));
    EXPECT_STATUS(r, 200);
}

/* The successions, as the importer writes them, through the server's database. */
static void put_successions(const struct reorg *g)
{
    const struct {
        int64_t new_id, old_id;
        const char *kind;
    } rows[] = {
        {g->np, g->o, "full"},
        {g->nc1, g->oc1, "full"},
        {g->nc2a, g->oc2, "partial"},
        {g->nc2b, g->oc2, "partial"},
    };
    struct store *st = NULL;
    assert_int_equal(store_open(srv_dsn(g_srv), &st), PH_OK);
    for (size_t i = 0; i < PH_NELEM(rows); i++)
        assert_int_equal(store_area_succession_put(st, rows[i].new_id, rows[i].old_id, rows[i].kind,
                                                   REORG, NULL),
                         PH_OK);
    store_close(st);
}

static void build(struct reorg *g)
{
    const char *admin;

    world_build(1);
    admin = g_srv->w.admin;
    g->o = mk_area_from(admin, "Tỉnh Bến Tre cũ", "province", 0, NULL, "2020-01-01");
    g->od = mk_area_from(admin, "Huyện Thạnh Phú", "district", g->o, NULL, "2020-01-01");
    g->oc1 = mk_area_from(admin, "Xã An Thạnh", "commune", g->od, geo_square(106.0, 10.0, 0.05),
                          "2020-01-01");
    g->oc2 = mk_area_from(admin, "Xã An Điền", "commune", g->od, geo_square(106.3, 10.0, 0.05),
                          "2020-01-01");
    g->np = mk_area_from(admin, "Tỉnh Vĩnh Long mới", "province", 0, NULL, REORG);
    g->nc1 =
        mk_area_from(admin, "Xã Thạnh Phú", "commune", g->np, geo_square(106.0, 10.0, 0.06), REORG);
    g->nc2a = mk_area_from(admin, "Xã Đại Điền", "commune", g->np, geo_square(106.275, 10.0, 0.025),
                           REORG);
    g->nc2b = mk_area_from(admin, "Xã Thạnh Hải", "commune", g->np,
                           geo_square(106.325, 10.0, 0.025), REORG);
    close_area(admin, g->oc1);
    close_area(admin, g->oc2);
    close_area(admin, g->od);
    close_area(admin, g->o);
    put_successions(g);
    g->unit = mk_unit(admin, tfmt("CA-X-%s", uniq_word()), "Công an xã An Điền", "police",
                      "commune", g_srv->w.u_pd, g->oc2);
    struct resp *r =
        api_json("POST", "/api/v1/routing-rules", admin,
                 json_pack("{s:s, s:i, s:I, s:s}", "name", "Xã An Điền: Công an chủ trì",
                           "priority", 50, "area_id", (json_int_t)g->oc2, "lead_force", "police"));
    EXPECT_STATUS(r, 201);
    g->rule = JINT(r->json, "id");
}

static void incident(const char *token, int64_t area, int located, double lon, double lat)
{
    json_t *b = json_pack("{s:s, s:s, s:s, s:I}", "category", "crime", "title", "Trộm cắp tài sản",
                          "occurred_at", "2025-03-10T03:00:00Z", "area_id", (json_int_t)area);
    if (located)
        json_object_set_new(b, "location", json_pack("{s:f, s:f}", "lat", lat, "lon", lon));
    struct resp *r = api_json("POST", "/api/v1/incidents", token, b);
    EXPECT_STATUS(r, 201);
}

static int64_t row_count(const json_t *answer, int64_t area_id)
{
    const json_t *rows = json_object_get(answer, "rows"), *row;
    size_t i;
    json_array_foreach(rows, i, row)
    {
        if (json_integer_value(json_object_get(row, "area_id")) == area_id)
            return json_integer_value(json_object_get(row, "count"));
    }
    return 0;
}

/* ---- the test -------------------------------------------------------------------------- */

static void test_area_history_http(void **state)
{
    struct reorg g;
    const char *admin;
    struct resp *r;
    json_t *items;
    (void)state;

    build(&g);
    admin = g_srv->w.admin;

    /* The map of a day. */
    items = list_items(tfmt("/api/v1/areas?at=2025-03-01&parent_id=%lld", (long long)g.od), admin);
    assert_int_equal(json_array_size(items), 2);
    assert_true(json_has_id(items, g.oc1) && json_has_id(items, g.oc2));
    items = list_items(tfmt("/api/v1/areas?at=2025-11-01&parent_id=%lld", (long long)g.od), admin);
    assert_int_equal(json_array_size(items), 0);
    items = list_items(tfmt("/api/v1/areas?at=2025-11-01&parent_id=%lld", (long long)g.np), admin);
    assert_int_equal(json_array_size(items), 3);
    items = list_items(tfmt("/api/v1/areas?at=2025-11-01&level=province&limit=500"), admin);
    assert_true(json_has_id(items, g.np) && !json_has_id(items, g.o));
    items = list_items(tfmt("/api/v1/areas?at=2025-03-01&level=province&limit=500"), admin);
    assert_true(!json_has_id(items, g.np) && json_has_id(items, g.o));

    /* Successions, both directions. */
    r = api_get(tfmt("/api/v1/areas/%lld/successions", (long long)g.oc2), g_srv->w.t_viewer);
    EXPECT_STATUS(r, 200);
    assert_int_equal(json_array_size(json_object_get(r->json, "predecessors")), 0);
    json_t *succ = json_object_get(r->json, "successors");
    assert_int_equal(json_array_size(succ), 2);
    assert_string_equal(JSTR(json_array_get(succ, 0), "kind"), "partial");
    assert_string_equal(JSTR(json_array_get(succ, 0), "effective"), REORG);
    r = api_get(tfmt("/api/v1/areas/%lld/successions", (long long)g.nc1), admin);
    EXPECT_STATUS(r, 200);
    json_t *pred = json_object_get(r->json, "predecessors");
    assert_int_equal(json_array_size(pred), 1);
    assert_int_equal(JINT(json_array_get(pred, 0), "area_id"), g.oc1);
    assert_string_equal(JSTR(json_array_get(pred, 0), "name"), "Xã An Thạnh");
    assert_string_equal(JSTR(json_array_get(pred, 0), "kind"), "full");
    EXPECT_ERROR(api_get("/api/v1/areas/99999999/successions", admin), 404, "not_found", NULL);
    EXPECT_STATUS(api_get(tfmt("/api/v1/areas/%lld/successions", (long long)g.oc1), NULL), 401);

    /* Counting: the same four incidents by the old and by the new map. */
    incident(g_srv->w.t_duty, g.oc1, 0, 0, 0);
    incident(g_srv->w.t_duty, g.oc1, 1, 106.01, 10.01);
    incident(g_srv->w.t_duty, g.oc2, 1, 106.27, 10.0); /* in the first new commune */
    incident(g_srv->w.t_duty, g.oc2, 0, 0, 0);         /* the split commune, no location */
    r = api_get("/api/v1/stats/areas?" YEAR "&at=2025-03-01", admin);
    EXPECT_STATUS(r, 200);
    assert_int_equal(JINT(r->json, "total"), 4);
    assert_int_equal(JINT(r->json, "ambiguous"), 0);
    assert_int_equal(row_count(r->json, g.oc1), 2);
    assert_int_equal(row_count(r->json, g.oc2), 2);
    r = api_get("/api/v1/stats/areas?" YEAR "&at=2025-11-01&level=commune", admin);
    EXPECT_STATUS(r, 200);
    assert_int_equal(JINT(r->json, "total"), 4);
    assert_int_equal(row_count(r->json, g.nc1), 2);
    assert_int_equal(row_count(r->json, g.nc2a), 1);
    assert_int_equal(row_count(r->json, g.nc2b), 0);
    assert_int_equal(JINT(r->json, "ambiguous"), 1);
    assert_int_equal(JINT(r->json, "no_area"), 0);
    assert_int_equal(json_array_size(json_object_get(r->json, "ambiguous_ids")), 1);
    assert_string_equal(JSTR(r->json, "at"), "2025-11-01");
    assert_string_equal(JSTR(r->json, "level"), "commune");
    r = api_get("/api/v1/stats/areas?" YEAR "&at=2025-11-01&level=province", admin);
    EXPECT_STATUS(r, 200);
    assert_int_equal(row_count(r->json, g.np), 4);
    assert_int_equal(JINT(r->json, "ambiguous"), 0);
    EXPECT_ERROR(api_get("/api/v1/stats/areas?at=2025-02-30", admin), 422, "invalid", "at");
    EXPECT_ERROR(api_get("/api/v1/stats/areas?level=ward", admin), 422, "invalid", "level");
    EXPECT_ERROR(api_get("/api/v1/stats/areas?to=yesterday", admin), 422, "invalid", "to");
    EXPECT_ERROR(
        api_get("/api/v1/stats/areas?from=2026-01-01T00:00:00Z&to=2025-01-01T00:00:00Z", admin),
        422, "invalid", "to");

    /* The same count of operations and of positions: the same shape. */
    const char *kinds[] = {"/api/v1/stats/areas?" YEAR "&at=2025-11-01&kind=operations",
                           "/api/v1/stats/areas?at=2025-11-01&level=commune&kind=positions"};
    for (size_t i = 0; i < 2; i++) {
        r = api_get(kinds[i], admin);
        EXPECT_STATUS(r, 200);
        assert_string_equal(JSTR(r->json, "kind"), i == 0 ? "operations" : "positions");
        assert_true(json_is_array(json_object_get(r->json, "rows")));
        assert_true(json_is_array(json_object_get(r->json, "ambiguous_ids")));
        assert_true(json_is_integer(json_object_get(r->json, "total")));
        assert_true(json_is_integer(json_object_get(r->json, "ambiguous")));
        assert_true(json_is_integer(json_object_get(r->json, "no_area")));
        assert_string_equal(JSTR(r->json, "at"), "2025-11-01");
    }
    r = api_get("/api/v1/stats/areas?" YEAR "&kind=incidents", admin);
    EXPECT_STATUS(r, 200);
    assert_string_equal(JSTR(r->json, "kind"), "incidents");
    assert_int_equal(JINT(r->json, "total"), 4);
    EXPECT_ERROR(api_get("/api/v1/stats/areas?kind=bogus", admin), 422, "invalid", "kind");
    /* Positions: at most 31 days. */
    EXPECT_ERROR(api_get("/api/v1/stats/areas?" YEAR "&kind=positions", admin), 422, "invalid",
                 "to");

    /* Rules on closed areas. */
    EXPECT_IDS("/api/v1/routing-rules?on_closed_areas=1", g_srv->w.t_viewer, g.rule);

    /* Proposals: admins only, made once. */
    EXPECT_ERROR(api_json("POST", "/api/v1/unit-area-proposals", g_srv->w.t_duty, json_object()),
                 403, "forbidden", NULL);
    EXPECT_ERROR(api_get("/api/v1/unit-area-proposals", g_srv->w.t_duty), 403, "forbidden", NULL);
    EXPECT_ERROR(
        api_json("POST", "/api/v1/unit-area-proposals", admin, json_pack("{s:s}", "at", "1 July")),
        422, "invalid", "at");
    EXPECT_ERROR(api_json("POST", "/api/v1/unit-area-proposals", admin, json_pack("{s:i}", "x", 1)),
                 422, "invalid", "x");
    r = api_json("POST", "/api/v1/unit-area-proposals", admin, json_object());
    EXPECT_STATUS(r, 200);
    assert_int_equal(JINT(r->json, "created"), 2);
    r = api_json("POST", "/api/v1/unit-area-proposals", admin, json_pack("{s:s}", "at", REORG));
    EXPECT_STATUS(r, 200);
    assert_int_equal(JINT(r->json, "created"), 0);
    EXPECT_ERROR(api_get("/api/v1/unit-area-proposals?status=maybe", admin), 422, "invalid",
                 "status");
    items = list_items(
        tfmt("/api/v1/unit-area-proposals?status=proposed&unit_id=%lld", (long long)g.unit), admin);
    assert_int_equal(json_array_size(items), 2);
    int64_t to_a = 0, to_b = 0;
    for (size_t i = 0; i < 2; i++) {
        json_t *p = json_array_get(items, i);
        assert_string_equal(JSTR(p, "kind"), "partial");
        assert_string_equal(JSTR(p, "unit_name"), "Công an xã An Điền");
        if (JINT(p, "new_area_id") == g.nc2a)
            to_a = JINT(p, "id");
        else
            to_b = JINT(p, "id");
    }
    assert_true(to_a > 0 && to_b > 0);

    /* Confirm one: the unit now answers for the new commune. */
    r = api_json("POST", tfmt("/api/v1/unit-area-proposals/%lld/confirm", (long long)to_a), admin,
                 NULL);
    EXPECT_STATUS(r, 200);
    assert_string_equal(JSTR(r->json, "status"), "confirmed");
    assert_int_equal(JINT(r->json, "decided_by"), g_srv->w.admin_id);
    r = api_get(tfmt("/api/v1/units/%lld", (long long)g.unit), admin);
    EXPECT_STATUS(r, 200);
    json_t *areas = json_object_get(r->json, "area_ids");
    assert_int_equal(json_array_size(areas), 1);
    assert_int_equal(json_integer_value(json_array_get(areas, 0)), g.nc2a);
    EXPECT_ERROR(api_json("POST", tfmt("/api/v1/unit-area-proposals/%lld/reject", (long long)to_a),
                          admin, NULL),
                 409, "conflict", "status");
    r = api_json("POST", tfmt("/api/v1/unit-area-proposals/%lld/reject", (long long)to_b), admin,
                 NULL);
    EXPECT_STATUS(r, 200);
    assert_string_equal(JSTR(r->json, "status"), "rejected");
    EXPECT_ERROR(api_json("POST", "/api/v1/unit-area-proposals/99999999/confirm", admin, NULL), 404,
                 "not_found", NULL);
    EXPECT_ERROR(api_json("POST", tfmt("/api/v1/unit-area-proposals/%lld/confirm", (long long)to_b),
                          g_srv->w.t_duty, NULL),
                 403, "forbidden", NULL);
    assert_int_equal(list_count("/api/v1/unit-area-proposals?status=proposed", admin), 0);
}

int run_area_history_tests(void)
{
    const struct CMUnitTest fresh[] = {
        T_FRESH(test_area_history_http),
    };
    return cmocka_run_group_tests_name("areahistory", fresh, NULL, NULL);
}
