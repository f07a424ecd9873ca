/* test_areas.c - /api/v1/areas: create, read, change, delete; the hierarchy,
 * filters, paging, search that ignores diacritics, NFC on entry, validity dates,
 * versions, and who may write. */
#include "util/base.h"
#include "harness.h"

/* "Xã Bình Thắng" with every mark decomposed (NFD): a + U+0303, i + U+0300,
 * a + U+0306 + U+0301. */
#define NFD_BINH_THANG "Xa\xcc\x83 Bi\xcc\x80nh Tha\xcc\x86\xcc\x81ng"
#define NFC_BINH_THANG                                                                             \
    "X\xc3\xa3 B\xc3\xacnh Th\xe1\xba\xaf"                                                         \
    "ng"

static char *area_path(int64_t id)
{
    return tfmt("/api/v1/areas/%lld", (long long)id);
}

static json_t *area_body(const char *code, const char *name, const char *level, int64_t parent)
{
    json_t *b = json_pack("{s:s, s:s, s:s, s:s, s:s}", "code", code, "name", name, "level", level,
                          "kind", "inland", "valid_from", "2020-01-01");
    if (parent != 0)
        json_object_set_new(b, "parent_id", json_integer(parent));
    return b;
}

static void test_area_create_and_get(void **state)
{
    struct world *w = &g_srv->w;
    char *code = uniq_num(), *name = tfmt("Tỉnh Thử Nghiệm %s", uniq_word());
    json_t *geo = json_pack("{s:s, s:[[[[f,f],[f,f],[f,f],[f,f]]]]}", "type", "MultiPolygon",
                            "coordinates", 106.0, 10.0, 106.5, 10.0, 106.5, 10.5, 106.0, 10.0);
    json_t *b = area_body(code, name, "province", 0);
    struct resp *r, *g;
    char *etag;
    int64_t id;
    (void)state;

    json_object_set_new(b, "kind", json_string("border"));
    json_object_set_new(b, "geometry", geo);
    r = api_json("POST", "/api/v1/areas", w->admin, b);
    EXPECT_STATUS(r, 201);
    id = JINT(r->json, "id");
    assert_true(id > 0);
    EXPECT_LOCATION(r, area_path(id));
    assert_string_equal(JSTR(r->json, "code"), code);
    assert_string_equal(JSTR(r->json, "name"), name);
    assert_string_equal(JSTR(r->json, "level"), "province");
    assert_string_equal(JSTR(r->json, "kind"), "border");
    assert_true(json_is_null(json_object_get(r->json, "parent_id")));
    assert_string_equal(JSTR(r->json, "valid_from"), "2020-01-01");
    assert_true(json_is_null(json_object_get(r->json, "valid_to")));
    assert_int_equal(JINT(r->json, "version"), 1);
    assert_non_null(JSTR(r->json, "created_at"));
    assert_non_null(JSTR(r->json, "updated_at"));
    assert_string_equal(JSTR(json_object_get(r->json, "geometry"), "type"), "MultiPolygon");

    g = api_get(area_path(id), w->t_viewer); /* any role reads */
    EXPECT_STATUS(g, 200);
    etag = resp_header(g, "ETag");
    assert_non_null(etag);
    assert_string_equal(etag, "\"1\"");
    assert_int_equal(JINT(g->json, "id"), id);
    assert_string_equal(JSTR(g->json, "name"), name);
    assert_string_equal(JSTR(g->json, "created_at"), JSTR(r->json, "created_at"));
    assert_true(
        json_equal(json_object_get(g->json, "geometry"), json_object_get(r->json, "geometry")));
    {
        json_t *coords = json_object_get(json_object_get(g->json, "geometry"), "coordinates");
        json_t *ring = json_array_get(json_array_get(coords, 0), 0);
        assert_int_equal(json_array_size(ring), 4);
        assert_true(json_real_value(json_array_get(json_array_get(ring, 1), 0)) == 106.5);
    }
}

static void test_area_hierarchy_and_filters(void **state)
{
    struct world *w = &g_srv->w;
    char *x = uniq_word();
    char *ccode = uniq_num();
    int64_t p =
        mk_area(w->admin, uniq_num(), tfmt("Tỉnh Lọc %s", x), "province", "coastal", 0, NULL);
    int64_t d1 =
        mk_area(w->admin, uniq_num(), tfmt("Huyện Ven Biển %s", x), "district", "coastal", p, NULL);
    int64_t d2 =
        mk_area(w->admin, uniq_num(), tfmt("Huyện Nội Địa %s", x), "district", "inland", p, NULL);
    int64_t c = mk_area(w->admin, ccode, tfmt("Xã Cù Lao %s", x), "commune", "sea", d1,
                        geo_square(106.6, 9.9, 0.02));
    json_t *items;
    (void)state;

    {
        int64_t want[] = {d1, d2};
        EXPECT_ID_ARRAY(tfmt("/api/v1/areas?parent_id=%lld", (long long)p), w->t_viewer, want, 2);
        EXPECT_ID_ARRAY(tfmt("/api/v1/areas?parent_id=%lld&level=district", (long long)p),
                        w->t_viewer, want, 2);
    }
    {
        int64_t want[] = {d2};
        EXPECT_ID_ARRAY(tfmt("/api/v1/areas?parent_id=%lld&kind=inland", (long long)p), w->t_viewer,
                        want, 1);
    }
    assert_int_equal(
        list_count(tfmt("/api/v1/areas?parent_id=%lld&level=commune", (long long)p), w->t_viewer),
        0);
    {
        int64_t want[] = {c};
        EXPECT_ID_ARRAY(tfmt("/api/v1/areas?code=%s", ccode), w->t_viewer, want, 1);
        EXPECT_ID_ARRAY(tfmt("/api/v1/areas?kind=sea&q=%s", x), w->t_viewer, want, 1);
        EXPECT_ID_ARRAY(tfmt("/api/v1/areas?level=commune&q=%s", x), w->t_viewer, want, 1);
    }
    {
        int64_t want[] = {p, d1, d2, c};
        EXPECT_ID_ARRAY(tfmt("/api/v1/areas?q=%s", x), w->t_viewer, want, 4);
    }
    /* Lists leave geometry out unless asked. */
    items = list_items(tfmt("/api/v1/areas?parent_id=%lld", (long long)d1), w->t_viewer);
    assert_int_equal(json_array_size(items), 1);
    assert_null(json_object_get(json_array_get(items, 0), "geometry"));
    assert_int_equal(JINT(json_array_get(items, 0), "parent_id"), d1);
    items = list_items(tfmt("/api/v1/areas?parent_id=%lld&geometry=1", (long long)d1), w->t_viewer);
    assert_int_equal(json_array_size(items), 1);
    assert_string_equal(JSTR(json_object_get(json_array_get(items, 0), "geometry"), "type"),
                        "Polygon");
    /* Bad filter values. */
    EXPECT_ERROR(api_get("/api/v1/areas?parent_id=abc", w->t_viewer), 400, "malformed",
                 "parent_id");
    EXPECT_ERROR(api_get("/api/v1/areas?at=2024-99-99", w->t_viewer), 400, "malformed", "at");
}

static void test_area_search_ignores_diacritics(void **state)
{
    struct world *w = &g_srv->w;
    char *x = uniq_word();
    int64_t dang = mk_area(w->admin, uniq_num(), tfmt("Phường Đặng Xá %s", x), "commune", "inland",
                           w->a_dist, NULL);
    int64_t bien = mk_area(w->admin, uniq_num(), tfmt("Xã Biên Phòng %s", x), "commune", "border",
                           w->a_dist, NULL);
    int64_t want_dang[] = {dang}, want_bien[] = {bien}, want_both[] = {dang, bien};
    (void)state;

    EXPECT_ID_ARRAY(tfmt("/api/v1/areas?q=%s", urlenc(tfmt("dang xa %s", x))), w->t_viewer,
                    want_dang, 1);
    EXPECT_ID_ARRAY(tfmt("/api/v1/areas?q=%s", urlenc(tfmt("DANG XA %s", x))), w->t_viewer,
                    want_dang, 1);
    EXPECT_ID_ARRAY(tfmt("/api/v1/areas?q=%s", urlenc(tfmt("Đặng Xá %s", x))), w->t_viewer,
                    want_dang, 1);
    EXPECT_ID_ARRAY(tfmt("/api/v1/areas?q=%s", urlenc(tfmt("bien phong %s", x))), w->t_viewer,
                    want_bien, 1);
    EXPECT_ID_ARRAY(tfmt("/api/v1/areas?q=%s", urlenc(tfmt("Biên  phòng %s", x))), w->t_viewer,
                    want_bien, 1);
    EXPECT_ID_ARRAY(tfmt("/api/v1/areas?q=%s", x), w->t_viewer, want_both, 2);
    /* Folding must not over-match: "d" and "đ" fold alike, other letters do not. */
    assert_int_equal(
        list_count(tfmt("/api/v1/areas?q=%s", urlenc(tfmt("dong xa %s", x))), w->t_viewer), 0);
}

static void test_area_nfd_stored_as_nfc(void **state)
{
    struct world *w = &g_srv->w;
    char *x = uniq_word();
    json_t *b = area_body(uniq_num(), tfmt("%s %s", NFD_BINH_THANG, x), "commune", w->a_dist);
    struct resp *r, *g;
    int64_t id;
    (void)state;

    r = api_json("POST", "/api/v1/areas", w->admin, b);
    EXPECT_STATUS(r, 201);
    id = JINT(r->json, "id");
    assert_string_equal(JSTR(r->json, "name"), tfmt("%s %s", NFC_BINH_THANG, x));
    g = api_get(area_path(id), w->admin);
    EXPECT_STATUS(g, 200);
    assert_string_equal(JSTR(g->json, "name"), tfmt("%s %s", NFC_BINH_THANG, x));
    assert_true(strstr(g->body, "\xcc") == NULL); /* no combining marks left */
    {
        int64_t want[] = {id};
        EXPECT_ID_ARRAY(tfmt("/api/v1/areas?q=%s", urlenc(tfmt("binh thang %s", x))), w->admin,
                        want, 1);
        EXPECT_ID_ARRAY(tfmt("/api/v1/areas?q=%s", urlenc(tfmt("%s %s", NFD_BINH_THANG, x))),
                        w->admin, want, 1);
    }
}

static void test_area_paging(void **state)
{
    struct world *w = &g_srv->w;
    char *x = uniq_word();
    int64_t p =
        mk_area(w->admin, uniq_num(), tfmt("Tỉnh Phân Trang %s", x), "province", "inland", 0, NULL);
    int64_t ids[5];
    (void)state;

    for (size_t i = 0; i < PH_NELEM(ids); i++)
        ids[i] = mk_area(w->admin, uniq_num(), tfmt("Huyện %zu %s", i, x), "district", "inland", p,
                         NULL);
    for (size_t i = 1; i < PH_NELEM(ids); i++)
        assert_true(ids[i] > ids[i - 1]);
    check_paging(tfmt("/api/v1/areas?parent_id=%lld", (long long)p), ids, PH_NELEM(ids),
                 w->t_viewer);
    check_list_params("/api/v1/areas", w->t_viewer);
}

static void test_area_valid_at(void **state)
{
    struct world *w = &g_srv->w;
    char *code = uniq_num(), *x = uniq_word();
    json_t *b1 = area_body(code, tfmt("Huyện Cũ %s", x), "district", w->a_prov);
    json_t *b2 = area_body(code, tfmt("Huyện Mới %s", x), "district", w->a_prov);
    struct resp *r1, *r2;
    int64_t old_id, new_id;
    (void)state;

    /* The same code before and after a 2025 reorganisation: history is kept. */
    json_object_set_new(b1, "valid_to", json_string("2025-07-01"));
    json_object_set_new(b2, "valid_from", json_string("2025-07-01"));
    r1 = api_json("POST", "/api/v1/areas", w->admin, b1);
    EXPECT_STATUS(r1, 201);
    assert_string_equal(JSTR(r1->json, "valid_to"), "2025-07-01");
    r2 = api_json("POST", "/api/v1/areas", w->admin, b2);
    EXPECT_STATUS(r2, 201);
    old_id = JINT(r1->json, "id");
    new_id = JINT(r2->json, "id");
    {
        int64_t want_old[] = {old_id}, want_new[] = {new_id}, want_both[] = {old_id, new_id};
        EXPECT_ID_ARRAY(tfmt("/api/v1/areas?code=%s&at=2024-06-30", code), w->admin, want_old, 1);
        EXPECT_ID_ARRAY(tfmt("/api/v1/areas?code=%s&at=2025-06-30", code), w->admin, want_old, 1);
        /* valid_to is exclusive. */
        EXPECT_ID_ARRAY(tfmt("/api/v1/areas?code=%s&at=2025-07-01", code), w->admin, want_new, 1);
        EXPECT_ID_ARRAY(tfmt("/api/v1/areas?code=%s&at=2030-01-01", code), w->admin, want_new, 1);
        assert_int_equal(list_count(tfmt("/api/v1/areas?code=%s&at=2019-12-31", code), w->admin),
                         0);
        EXPECT_ID_ARRAY(tfmt("/api/v1/areas?code=%s", code), w->admin, want_both, 2);
    }
}

static void test_area_patch_and_versions(void **state)
{
    struct world *w = &g_srv->w;
    char *x = uniq_word();
    int64_t id =
        mk_area(w->admin, uniq_num(), tfmt("Xã Cũ %s", x), "commune", "inland", w->a_dist, NULL);
    char *path = area_path(id);
    struct resp *r, *g;
    (void)state;

    r = api_json_h("PATCH", path, w->admin, json_pack("{s:s}", "name", tfmt("Xã Mới %s", x)),
                   "If-Match: \"1\"");
    EXPECT_STATUS(r, 200);
    assert_int_equal(JINT(r->json, "version"), 2);
    assert_string_equal(JSTR(r->json, "name"), tfmt("Xã Mới %s", x));
    assert_string_equal(JSTR(r->json, "kind"), "inland"); /* untouched members stay */
    assert_int_equal(JINT(r->json, "parent_id"), w->a_dist);
    g = api_get(path, w->admin);
    EXPECT_STATUS(g, 200);
    assert_string_equal(resp_header(g, "ETag"), "\"2\"");
    assert_string_equal(JSTR(g->json, "name"), tfmt("Xã Mới %s", x));

    /* A stale version is refused and changes nothing. */
    EXPECT_ERROR(api_json_h("PATCH", path, w->admin, json_pack("{s:s}", "kind", "coastal"),
                            "If-Match: \"1\""),
                 412, "stale", NULL);
    g = api_get(path, w->admin);
    assert_int_equal(JINT(g->json, "version"), 2);
    assert_string_equal(JSTR(g->json, "kind"), "inland");

    EXPECT_ERROR(api_json_h("PATCH", path, w->admin, json_pack("{s:s}", "kind", "coastal"),
                            "If-Match: \"7\""),
                 412, "stale", NULL);
    /* Without If-Match the change applies. */
    r = api_json("PATCH", path, w->admin, json_pack("{s:s}", "kind", "coastal"));
    EXPECT_STATUS(r, 200);
    assert_int_equal(JINT(r->json, "version"), 3);
    assert_string_equal(JSTR(r->json, "kind"), "coastal");

    /* Invalid changes are refused whole. */
    EXPECT_ERROR(api_json("PATCH", path, w->admin,
                          json_pack("{s:s, s:s}", "name", "Xã Khác", "kind", "mountain")),
                 422, "invalid", "kind");
    EXPECT_ERROR(api_json("PATCH", path, w->admin, json_pack("{s:s}", "name", "")), 422, "invalid",
                 "name");
    EXPECT_ERROR(api_json("PATCH", path, w->t_adm_pd, json_pack("{s:s}", "name", "Xã Khác")), 403,
                 "forbidden", NULL);
    g = api_get(path, w->admin);
    assert_int_equal(JINT(g->json, "version"), 3);
    assert_string_equal(JSTR(g->json, "name"), tfmt("Xã Mới %s", x));
    assert_string_equal(JSTR(g->json, "kind"), "coastal");
    assert_true(strcmp(JSTR(g->json, "updated_at"), JSTR(g->json, "created_at")) >= 0);
}

static void test_area_invalid_input(void **state)
{
    struct world *w = &g_srv->w;
    char *open_ring =
        tfmt("{\"type\":\"Polygon\",\"coordinates\":[[[106,10],[106.1,10],[106.1,10.1]]]}");
    char *bad_lat = tfmt(
        "{\"type\":\"Polygon\",\"coordinates\":[[[106,95],[106.1,10],[106.1,10.1],[106,95]]]}");
    const struct bad_member cases[] = {
        {"name", NULL, "name", NULL},
        {"name", "\"\"", "name", NULL},
        {"name", "5", "name", NULL},
        {"name", "[\"Xã\"]", "name", NULL},
        {"code", NULL, "code", NULL},
        {"code", "\"\"", "code", NULL},
        {"level", NULL, "level", NULL},
        {"level", "\"city\"", "level", NULL},
        {"kind", "\"mountain\"", "kind", NULL},
        {"kind", "true", "kind", NULL},
        {"color", "\"red\"", "color", NULL},
        {"geometry", "{\"type\":\"Point\",\"coordinates\":[106,10]}", "geometry", NULL},
        {"geometry", open_ring, "geometry", NULL},
        {"geometry", bad_lat, "geometry", NULL},
        {"geometry", "\"POLYGON((106 10,107 10,107 11,106 10))\"", "geometry", NULL},
        {"geometry", "{\"type\":\"Polygon\"}", "geometry", NULL},
        {"valid_from", "\"2020-13-45\"", "valid_from", NULL},
        {"valid_from", "\"2021-02-29\"", "valid_from", NULL},
        {"valid_from", "\"yesterday\"", "valid_from", NULL},
        {"valid_from", "20200101", "valid_from", NULL},
        {"valid_to", "\"2019-01-01\"", "valid_to", NULL}, /* before valid_from */
        {"parent_id", "987654321", "parent_id", NULL},
        {"parent_id", "\"12\"", "parent_id", NULL},
    };
    (void)state;

    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        char *code = uniq_num();
        json_t *b = area_body(code, tfmt("Xã Lỗi %zu", i), "commune", w->a_dist);
        EXPECT_BAD_MEMBER("/api/v1/areas", w->admin, b, &cases[i], i);
        /* Nothing was created. */
        assert_int_equal(list_count(tfmt("/api/v1/areas?code=%s", code), w->admin), 0);
    }
    /* A parent whose level is not above the child's. */
    {
        char *code = uniq_num();
        struct resp *r = api_json("POST", "/api/v1/areas", w->admin,
                                  area_body(code, "Xã Dưới Xã", "commune", w->a_comm));
        EXPECT_ERROR2(r, 422, "invalid", "parent_id", "level");
        r = api_json("POST", "/api/v1/areas", w->admin,
                     area_body(code, "Tỉnh Dưới Huyện", "province", w->a_dist));
        EXPECT_ERROR2(r, 422, "invalid", "parent_id", "level");
        assert_int_equal(list_count(tfmt("/api/v1/areas?code=%s", code), w->admin), 0);
    }
}

static void test_area_duplicate_code(void **state)
{
    struct world *w = &g_srv->w;
    char *code = uniq_num();
    json_t *later;
    (void)state;

    (void)mk_area(w->admin, code, "Xã Trùng Mã", "commune", "inland", w->a_dist, NULL);
    EXPECT_ERROR(api_json("POST", "/api/v1/areas", w->admin,
                          area_body(code, "Xã Trùng Mã Khác", "commune", w->a_dist)),
                 409, "conflict", NULL);
    assert_int_equal(list_count(tfmt("/api/v1/areas?code=%s", code), w->admin), 1);
    /* The same code from another date is history, not a duplicate. */
    later = area_body(code, "Xã Trùng Mã Mới", "commune", w->a_dist);
    json_object_set_new(later, "valid_from", json_string("2025-07-01"));
    EXPECT_STATUS(api_json("POST", "/api/v1/areas", w->admin, later), 201);
    assert_int_equal(list_count(tfmt("/api/v1/areas?code=%s", code), w->admin), 2);
}

static void test_area_delete(void **state)
{
    struct world *w = &g_srv->w;
    char *x = uniq_word();
    int64_t p =
        mk_area(w->admin, uniq_num(), tfmt("Tỉnh Xóa %s", x), "province", "inland", 0, NULL);
    int64_t d =
        mk_area(w->admin, uniq_num(), tfmt("Huyện Xóa %s", x), "district", "inland", p, NULL);
    int64_t used = mk_area(w->admin, uniq_num(), tfmt("Huyện Có Đơn Vị %s", x), "district",
                           "inland", w->a_prov, NULL);
    (void)state;

    (void)mk_unit(w->admin, tfmt("CA-XOA-%s", x), tfmt("Công an huyện Xóa %s", x), "police",
                  "district", w->u_pp, used);
    EXPECT_ERROR(api_req("DELETE", area_path(p), w->admin, NULL, NULL, NULL), 409, "conflict",
                 NULL);
    EXPECT_STATUS(api_get(area_path(p), w->admin), 200);
    EXPECT_ERROR(api_req("DELETE", area_path(used), w->admin, NULL, NULL, NULL), 409, "conflict",
                 NULL);
    EXPECT_STATUS(api_get(area_path(used), w->admin), 200);
    EXPECT_ERROR(api_req("DELETE", area_path(d), w->t_viewer, NULL, NULL, NULL), 403, "forbidden",
                 NULL);
    EXPECT_STATUS(api_get(area_path(d), w->admin), 200);

    EXPECT_STATUS(api_req("DELETE", area_path(d), w->admin, NULL, NULL, NULL), 204);
    EXPECT_ERROR(api_get(area_path(d), w->admin), 404, "not_found", NULL);
    EXPECT_ERROR(api_req("DELETE", area_path(d), w->admin, NULL, NULL, NULL), 404, "not_found",
                 NULL);
    /* With its child gone the province may go too. */
    EXPECT_STATUS(api_req("DELETE", area_path(p), w->admin, NULL, NULL, NULL), 204);
    EXPECT_ERROR(api_get(area_path(p), w->admin), 404, "not_found", NULL);
}

static void test_area_write_access(void **state)
{
    struct world *w = &g_srv->w;
    char *x = uniq_word();
    const char *denied[] = {w->t_viewer,    w->t_reporter,    w->t_duty,
                            w->t_commander, w->t_coordinator, w->t_adm_pd};
    int64_t id =
        mk_area(w->admin, uniq_num(), tfmt("Xã Quyền %s", x), "commune", "inland", w->a_dist, NULL);
    (void)state;

    for (size_t i = 0; i < PH_NELEM(denied); i++) {
        char *code = uniq_num();
        /* Non-admins, and an admin scoped to a district unit, cannot create ... */
        EXPECT_ERROR(api_json("POST", "/api/v1/areas", denied[i],
                              area_body(code, "Xã Bị Cấm", "commune", w->a_dist)),
                     403, "forbidden", NULL);
        assert_int_equal(list_count(tfmt("/api/v1/areas?code=%s", code), w->admin), 0);
        /* ... change or delete areas. */
        EXPECT_ERROR(
            api_json("PATCH", area_path(id), denied[i], json_pack("{s:s}", "name", "Xã Bị Sửa")),
            403, "forbidden", NULL);
        EXPECT_ERROR(api_req("DELETE", area_path(id), denied[i], NULL, NULL, NULL), 403,
                     "forbidden", NULL);
        EXPECT_STATUS(api_get(area_path(id), denied[i]), 200); /* but read them */
    }
    {
        struct resp *g = api_get(area_path(id), w->admin);
        assert_int_equal(JINT(g->json, "version"), 1);
        assert_string_equal(JSTR(g->json, "name"), tfmt("Xã Quyền %s", x));
    }
    /* Admins at a top-level unit act globally for areas, whatever their force. */
    EXPECT_STATUS(api_json("POST", "/api/v1/areas", w->t_adm_pp,
                           area_body(uniq_num(), tfmt("Xã Tỉnh Tạo %s", x), "commune", w->a_dist)),
                  201);
    EXPECT_STATUS(
        api_json("POST", "/api/v1/areas", w->t_adm_mp,
                 area_body(uniq_num(), tfmt("Xã Quân Sự Tạo %s", x), "commune", w->a_dist)),
        201);
}

static void test_area_unknown_id(void **state)
{
    struct world *w = &g_srv->w;
    (void)state;
    EXPECT_ERROR(api_get("/api/v1/areas/987654321", w->admin), 404, "not_found", NULL);
    EXPECT_ERROR(api_json("PATCH", "/api/v1/areas/987654321", w->admin,
                          json_pack("{s:s}", "name", "Không có")),
                 404, "not_found", NULL);
    EXPECT_ERROR(api_req("DELETE", "/api/v1/areas/987654321", w->admin, NULL, NULL, NULL), 404,
                 "not_found", NULL);
}

int run_area_tests(void)
{
    const struct CMUnitTest tests[] = {
        T(test_area_create_and_get),
        T(test_area_hierarchy_and_filters),
        T(test_area_search_ignores_diacritics),
        T(test_area_nfd_stored_as_nfc),
        T(test_area_paging),
        T(test_area_valid_at),
        T(test_area_patch_and_versions),
        T(test_area_invalid_input),
        T(test_area_duplicate_code),
        T(test_area_delete),
        T(test_area_write_access),
        T(test_area_unknown_id),
    };
    return cmocka_run_group_tests_name("areas", tests, h_group_setup, NULL);
}
