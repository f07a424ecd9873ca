/* test_units.c - /api/v1/units: the three forces' trees, paths, filters, paging,
 * versions, deletes that would orphan something, and the admin scope rules (own
 * subtree only, never another force, top-level units only for admins without a
 * unit). */
#include "util/base.h"
#include "harness.h"

static char *unit_path(int64_t id)
{
    return tfmt("/api/v1/units/%lld", (long long)id);
}

static json_t *unit_body(const char *code, const char *name, const char *force, const char *level,
                         int64_t parent)
{
    json_t *b = json_pack("{s:s, s:s, s:s, s:s}", "code", code, "name", name, "force", force,
                          "level", level);
    if (parent != 0)
        json_object_set_new(b, "parent_id", json_integer(parent));
    return b;
}

static void test_unit_create_and_get(void **state)
{
    struct world *w = &g_srv->w;
    char *x = uniq_word();
    char *code = tfmt("BP-%s", x);
    json_t *b =
        unit_body(code, tfmt("Bộ Chỉ huy Bộ đội Biên phòng %s", x), "border_guard", "province", 0);
    struct resp *r, *c, *g;
    int64_t top, child;
    (void)state;

    json_object_set_new(b, "phone", json_string("0275 3822 000"));
    json_object_set_new(b, "area_ids", json_pack("[I]", (json_int_t)w->a_prov));
    r = api_json("POST", "/api/v1/units", w->admin, b);
    EXPECT_STATUS(r, 201);
    top = JINT(r->json, "id");
    EXPECT_LOCATION(r, unit_path(top));
    assert_string_equal(JSTR(r->json, "code"), code);
    assert_string_equal(JSTR(r->json, "force"), "border_guard");
    assert_string_equal(JSTR(r->json, "level"), "province");
    assert_true(json_is_null(json_object_get(r->json, "parent_id")));
    assert_string_equal(JSTR(r->json, "path"), tfmt("/%lld/", (long long)top));
    assert_string_equal(JSTR(r->json, "phone"), "0275 3822 000");
    assert_true(json_is_true(json_object_get(r->json, "is_active")));
    assert_int_equal(json_array_size(json_object_get(r->json, "area_ids")), 1);
    assert_int_equal(json_integer_value(json_array_get(json_object_get(r->json, "area_ids"), 0)),
                     w->a_prov);
    assert_int_equal(JINT(r->json, "version"), 1);
    assert_non_null(JSTR(r->json, "created_at"));

    c = api_json("POST", "/api/v1/units", w->admin,
                 unit_body(tfmt("BP-DON-%s", x), tfmt("Đồn Biên phòng Cửa khẩu %s", x),
                           "border_guard", "district", top));
    EXPECT_STATUS(c, 201);
    child = JINT(c->json, "id");
    assert_string_equal(JSTR(c->json, "path"),
                        tfmt("/%lld/%lld/", (long long)top, (long long)child));
    assert_int_equal(JINT(c->json, "parent_id"), top);
    assert_true(json_is_null(json_object_get(c->json, "phone")));
    assert_int_equal(json_array_size(json_object_get(c->json, "area_ids")), 0);

    /* Names arrive in any normalisation form and are kept in NFC: "Đồn" with the
     * marks of ồ decomposed (o + U+0302 + U+0300). */
    {
        struct resp *n =
            api_json("POST", "/api/v1/units", w->admin,
                     unit_body(tfmt("BP-NFD-%s", x), tfmt("\xc4\x90o\xcc\x82\xcc\x80n %s", x),
                               "border_guard", "district", top));
        EXPECT_STATUS(n, 201);
        n = api_get(unit_path(JINT(n->json, "id")), w->admin);
        EXPECT_STATUS(n, 200);
        assert_string_equal(JSTR(n->json, "name"), tfmt("Đồn %s", x));
    }

    g = api_get(unit_path(child), w->t_mil_viewer); /* any role, any force reads */
    EXPECT_STATUS(g, 200);
    assert_string_equal(resp_header(g, "ETag"), "\"1\"");
    assert_string_equal(JSTR(g->json, "name"), tfmt("Đồn Biên phòng Cửa khẩu %s", x));
    assert_string_equal(JSTR(g->json, "path"), JSTR(c->json, "path"));
}

static void test_unit_invalid_input(void **state)
{
    struct world *w = &g_srv->w;
    char *x = uniq_word();
    const struct bad_member cases[] = {
        {"name", NULL, "name", NULL},
        {"name", "\"\"", "name", NULL},
        {"name", "42", "name", NULL},
        {"code", NULL, "code", NULL},
        {"force", "\"navy\"", "force", NULL},
        {"force", "\"Police\"", "force", NULL},
        {"level", "\"ward\"", "level", NULL},
        {"level", "1", "level", NULL},
        {"parent_id", "987654321", "parent_id", NULL},
        {"parent_id", "\"1\"", "parent_id", NULL},
        {"area_ids", "[987654321]", "area_ids", NULL},
        {"area_ids", "\"1\"", "area_ids", NULL},
        {"area_ids", "[\"1\"]", "area_ids", NULL},
        {"phone", "84275", "phone", NULL},
        {"is_active", "\"yes\"", "is_active", NULL},
        {"commander", "\"Nguyễn Văn A\"", "commander", NULL},
        /* a parent of another force */
        {"force", "\"military\"", "force", "parent_id"},
        /* a child must be below its parent: district under a district */
        {"level", "\"district\"", "level", "parent_id"},
        {"level", "\"province\"", "level", "parent_id"},
    };
    (void)state;

    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        char *code = tfmt("LOI-%zu-%s", i, x);
        /* Base: a valid police commune unit under the police district unit. */
        json_t *b =
            unit_body(code, tfmt("Công an xã Lỗi %zu %s", i, x), "police", "commune", w->u_pd);
        EXPECT_BAD_MEMBER("/api/v1/units", w->admin, b, &cases[i], i);
    }
    /* Nothing was created. */
    assert_int_equal(list_count(tfmt("/api/v1/units?q=%s", x), w->admin), 0);
}

static void test_unit_duplicate_code(void **state)
{
    struct world *w = &g_srv->w;
    char *x = uniq_word();
    char *code = tfmt("CA-TRUNG-%s", x);
    (void)state;

    (void)mk_unit(w->admin, code, tfmt("Công an xã Trùng %s", x), "police", "commune", w->u_pd, 0);
    EXPECT_ERROR(
        api_json("POST", "/api/v1/units", w->admin,
                 unit_body(code, tfmt("Công an xã Khác %s", x), "police", "commune", w->u_pd)),
        409, "conflict", NULL);
    assert_int_equal(list_count(tfmt("/api/v1/units?q=%s", x), w->admin), 1);
    /* Codes are unique across forces too. */
    EXPECT_ERROR(
        api_json("POST", "/api/v1/units", w->admin,
                 unit_body(code, tfmt("Ban CHQS Khác %s", x), "military", "district", w->u_mp)),
        409, "conflict", NULL);
    assert_int_equal(list_count(tfmt("/api/v1/units?q=%s", x), w->admin), 1);
}

static void test_unit_admin_scope(void **state)
{
    struct world *w = &g_srv->w;
    char *x = uniq_word();
    int64_t mine, mil_child;
    struct resp *r, *g;
    (void)state;

    /* A district police admin creates below their own unit ... */
    r = api_json(
        "POST", "/api/v1/units", w->t_adm_pd,
        unit_body(tfmt("CA-X1-%s", x), tfmt("Công an xã Một %s", x), "police", "commune", w->u_pd));
    EXPECT_STATUS(r, 201);
    mine = JINT(r->json, "id");
    r = api_json("PATCH", unit_path(mine), w->t_adm_pd,
                 json_pack("{s:s}", "name", tfmt("Công an xã Một Mới %s", x)));
    EXPECT_STATUS(r, 200);
    assert_int_equal(JINT(r->json, "version"), 2);

    /* ... but not above it, not in another force, and no top-level unit. */
    EXPECT_ERROR(api_json("POST", "/api/v1/units", w->t_adm_pd,
                          unit_body(tfmt("CA-H2-%s", x), tfmt("Công an huyện Hai %s", x), "police",
                                    "district", w->u_pp)),
                 403, "forbidden", NULL);
    EXPECT_ERROR(api_json("POST", "/api/v1/units", w->t_adm_pd,
                          unit_body(tfmt("QS-H2-%s", x), tfmt("Ban CHQS huyện Hai %s", x),
                                    "military", "district", w->u_mp)),
                 403, "forbidden", NULL);
    EXPECT_ERROR(api_json("POST", "/api/v1/units", w->t_adm_pd,
                          unit_body(tfmt("CA-T2-%s", x), tfmt("Công an tỉnh Hai %s", x), "police",
                                    "province", 0)),
                 403, "forbidden", NULL);
    /* An admin at a top-level unit still has a unit: no new top-level unit. */
    EXPECT_ERROR(api_json("POST", "/api/v1/units", w->t_adm_pp,
                          unit_body(tfmt("CA-T3-%s", x), tfmt("Công an tỉnh Ba %s", x), "police",
                                    "province", 0)),
                 403, "forbidden", NULL);
    /* Non-admins write nothing. */
    {
        const char *nonadmin[] = {w->t_viewer, w->t_reporter, w->t_duty, w->t_commander,
                                  w->t_coordinator};
        for (size_t i = 0; i < PH_NELEM(nonadmin); i++)
            EXPECT_ERROR(
                api_json("POST", "/api/v1/units", nonadmin[i],
                         unit_body(tfmt("CA-X4-%zu-%s", i, x), tfmt("Công an xã Bốn %zu %s", i, x),
                                   "police", "commune", w->u_pd)),
                403, "forbidden", NULL);
    }
    EXPECT_ERROR(
        api_json("PATCH", unit_path(mine), w->t_viewer, json_pack("{s:s}", "phone", "113")), 403,
        "forbidden", NULL);
    assert_int_equal(list_count(tfmt("/api/v1/units?q=%s", x), w->admin), 1);

    /* Another force's units cannot be changed or deleted. */
    mil_child = mk_unit(w->admin, tfmt("QS-H-%s", x), tfmt("Ban CHQS huyện %s", x), "military",
                        "district", w->u_mp, 0);
    EXPECT_ERROR(api_json("PATCH", unit_path(mil_child), w->t_adm_pd,
                          json_pack("{s:s}", "name", "Bị đổi tên")),
                 403, "forbidden", NULL);
    EXPECT_ERROR(api_json("PATCH", unit_path(mil_child), w->t_adm_pp,
                          json_pack("{s:s}", "name", "Bị đổi tên")),
                 403, "forbidden", NULL);
    EXPECT_ERROR(api_req("DELETE", unit_path(mil_child), w->t_adm_pp, NULL, NULL, NULL), 403,
                 "forbidden", NULL);
    EXPECT_ERROR(
        api_json("PATCH", unit_path(mine), w->t_adm_mp, json_pack("{s:s}", "name", "Bị đổi tên")),
        403, "forbidden", NULL);
    /* Moving one's own unit under another force's unit is refused too. */
    r = api_json("PATCH", unit_path(mine), w->t_adm_pd,
                 json_pack("{s:I}", "parent_id", (json_int_t)w->u_mp));
    assert_true(r->status == 403 || r->status == 422);
    g = api_get(unit_path(mil_child), w->admin);
    EXPECT_STATUS(g, 200);
    assert_int_equal(JINT(g->json, "version"), 1);
    assert_string_equal(JSTR(g->json, "name"), tfmt("Ban CHQS huyện %s", x));
    g = api_get(unit_path(mine), w->admin);
    assert_int_equal(JINT(g->json, "version"), 2);
    assert_int_equal(JINT(g->json, "parent_id"), w->u_pd);
    assert_string_equal(JSTR(g->json, "force"), "police");
    /* The military admin manages its own tree. */
    EXPECT_STATUS(api_json("PATCH", unit_path(mil_child), w->t_adm_mp,
                           json_pack("{s:s}", "phone", "069 123 456")),
                  200);
}

static void test_unit_filters(void **state)
{
    struct world *w = &g_srv->w;
    char *x = uniq_word();
    int64_t area = mk_area(w->admin, uniq_num(), tfmt("Huyện Lọc Đơn Vị %s", x), "district",
                           "inland", w->a_prov, NULL);
    int64_t top = mk_unit(w->admin, tfmt("CA-LT-%s", x), tfmt("Công an tỉnh Lọc %s", x), "police",
                          "province", 0, 0);
    int64_t d1 = mk_unit(w->admin, tfmt("CA-LH1-%s", x), tfmt("Công an huyện Một %s", x), "police",
                         "district", top, area);
    int64_t d2 = mk_unit(w->admin, tfmt("CA-LH2-%s", x), tfmt("Công an huyện Hai %s", x), "police",
                         "district", top, 0);
    int64_t c1 = mk_unit(w->admin, tfmt("CA-LX1-%s", x), tfmt("Công an xã Một %s", x), "police",
                         "commune", d1, 0);
    int64_t bp = mk_unit(w->admin, tfmt("BP-L-%s", x), tfmt("Đồn Biên phòng Lọc %s", x),
                         "border_guard", "district", w->u_bp, 0);
    struct resp *r;
    (void)state;

    {
        int64_t want[] = {top, d1, d2, c1};
        EXPECT_ID_ARRAY(tfmt("/api/v1/units?within=%lld", (long long)top), w->t_viewer, want, 4);
        EXPECT_ID_ARRAY(tfmt("/api/v1/units?force=police&q=%s", x), w->t_viewer, want, 4);
    }
    {
        int64_t want[] = {d1, c1};
        EXPECT_ID_ARRAY(tfmt("/api/v1/units?within=%lld", (long long)d1), w->t_viewer, want, 2);
    }
    {
        int64_t want[] = {d1, d2};
        EXPECT_ID_ARRAY(tfmt("/api/v1/units?parent_id=%lld", (long long)top), w->t_viewer, want, 2);
        EXPECT_ID_ARRAY(tfmt("/api/v1/units?within=%lld&level=district", (long long)top),
                        w->t_viewer, want, 2);
    }
    {
        int64_t want[] = {c1};
        EXPECT_ID_ARRAY(tfmt("/api/v1/units?within=%lld&level=commune", (long long)top),
                        w->t_viewer, want, 1);
    }
    {
        int64_t want[] = {d1};
        EXPECT_ID_ARRAY(tfmt("/api/v1/units?area_id=%lld", (long long)area), w->t_viewer, want, 1);
    }
    {
        int64_t want[] = {bp};
        EXPECT_ID_ARRAY(tfmt("/api/v1/units?force=border_guard&q=%s", x), w->t_viewer, want, 1);
        EXPECT_ID_ARRAY(tfmt("/api/v1/units?q=%s", urlenc(tfmt("bien phong loc %s", x))),
                        w->t_viewer, want, 1);
        EXPECT_ID_ARRAY(tfmt("/api/v1/units?q=%s", urlenc(tfmt("ĐỒN BIÊN PHÒNG LỌC %s", x))),
                        w->t_viewer, want, 1);
    }
    assert_int_equal(list_count(tfmt("/api/v1/units?force=military&q=%s", x), w->t_viewer), 0);
    {
        int64_t want[] = {d1, d2};
        EXPECT_ID_ARRAY(
            tfmt("/api/v1/units?within=%lld&q=%s", (long long)top, urlenc("cong an huyen")),
            w->t_viewer, want, 2);
    }

    /* Inactive units drop out of lists unless asked for. */
    r = api_json("PATCH", unit_path(d2), w->admin, json_pack("{s:b}", "is_active", 0));
    EXPECT_STATUS(r, 200);
    assert_true(json_is_false(json_object_get(r->json, "is_active")));
    {
        int64_t want[] = {top, d1, c1}, all[] = {top, d1, d2, c1};
        EXPECT_ID_ARRAY(tfmt("/api/v1/units?within=%lld", (long long)top), w->t_viewer, want, 3);
        EXPECT_ID_ARRAY(tfmt("/api/v1/units?within=%lld&include_inactive=1", (long long)top),
                        w->t_viewer, all, 4);
    }
    EXPECT_STATUS(api_get(unit_path(d2), w->t_viewer), 200); /* still readable by id */

    EXPECT_ERROR(api_get("/api/v1/units?within=abc", w->t_viewer), 400, "malformed", "within");
    EXPECT_ERROR(api_get("/api/v1/units?area_id=1x", w->t_viewer), 400, "malformed", "area_id");
}

static void test_unit_paging(void **state)
{
    struct world *w = &g_srv->w;
    char *x = uniq_word();
    int64_t top = mk_unit(w->admin, tfmt("QS-PT-%s", x), tfmt("Bộ CHQS Phân Trang %s", x),
                          "military", "province", 0, 0);
    int64_t ids[6];
    (void)state;

    for (size_t i = 0; i < PH_NELEM(ids); i++)
        ids[i] = mk_unit(w->admin, tfmt("QS-PT%zu-%s", i, x), tfmt("Ban CHQS %zu %s", i, x),
                         "military", "district", top, 0);
    check_paging(tfmt("/api/v1/units?parent_id=%lld", (long long)top), ids, PH_NELEM(ids),
                 w->t_viewer);
    check_list_params("/api/v1/units", w->t_viewer);
}

static void test_unit_versions(void **state)
{
    struct world *w = &g_srv->w;
    char *x = uniq_word();
    int64_t id = mk_unit(w->admin, tfmt("CA-V-%s", x), tfmt("Công an xã Phiên Bản %s", x), "police",
                         "commune", w->u_pd, 0);
    char *path = unit_path(id);
    struct resp *r, *g;
    (void)state;

    r = api_json_h("PATCH", path, w->admin, json_pack("{s:s}", "phone", "113"), "If-Match: \"1\"");
    EXPECT_STATUS(r, 200);
    assert_int_equal(JINT(r->json, "version"), 2);
    assert_string_equal(JSTR(r->json, "phone"), "113");
    assert_string_equal(JSTR(r->json, "code"), tfmt("CA-V-%s", x));
    EXPECT_ERROR(
        api_json_h("PATCH", path, w->admin, json_pack("{s:s}", "phone", "114"), "If-Match: \"1\""),
        412, "stale", NULL);
    g = api_get(path, w->admin);
    EXPECT_STATUS(g, 200);
    assert_string_equal(resp_header(g, "ETag"), "\"2\"");
    assert_string_equal(JSTR(g->json, "phone"), "113");
    r = api_json_h("PATCH", path, w->admin, json_pack("{s:s}", "phone", "114"), "If-Match: \"2\"");
    EXPECT_STATUS(r, 200);
    assert_int_equal(JINT(r->json, "version"), 3);
    /* A refused change leaves the version alone. */
    EXPECT_ERROR(api_json("PATCH", path, w->admin, json_pack("{s:s}", "level", "hamlet")), 422,
                 "invalid", "level");
    g = api_get(path, w->admin);
    assert_int_equal(JINT(g->json, "version"), 3);
    assert_string_equal(JSTR(g->json, "level"), "commune");
}

static void test_unit_reparent(void **state)
{
    struct world *w = &g_srv->w;
    char *x = uniq_word();
    int64_t top = mk_unit(w->admin, tfmt("CA-RP-%s", x), tfmt("Công an tỉnh Chuyển %s", x),
                          "police", "province", 0, 0);
    int64_t d1 = mk_unit(w->admin, tfmt("CA-RP1-%s", x), tfmt("Công an huyện A %s", x), "police",
                         "district", top, 0);
    int64_t d2 = mk_unit(w->admin, tfmt("CA-RP2-%s", x), tfmt("Công an huyện B %s", x), "police",
                         "district", top, 0);
    int64_t c = mk_unit(w->admin, tfmt("CA-RP3-%s", x), tfmt("Công an xã C %s", x), "police",
                        "commune", d1, 0);
    struct resp *r, *g;
    (void)state;

    r = api_json("PATCH", unit_path(c), w->admin, json_pack("{s:I}", "parent_id", (json_int_t)d2));
    EXPECT_STATUS(r, 200);
    assert_string_equal(JSTR(r->json, "path"),
                        tfmt("/%lld/%lld/%lld/", (long long)top, (long long)d2, (long long)c));
    {
        int64_t want[] = {d2, c};
        json_t *items = list_items(tfmt("/api/v1/units?within=%lld", (long long)d2), w->admin);
        assert_int_equal(json_array_size(items), 2);
        assert_true(json_has_id(items, want[0]) && json_has_id(items, want[1]));
        assert_int_equal(list_count(tfmt("/api/v1/units?within=%lld", (long long)d1), w->admin), 1);
    }
    /* A unit cannot move below itself, nor under another force. */
    EXPECT_ERROR2(
        api_json("PATCH", unit_path(d2), w->admin, json_pack("{s:I}", "parent_id", (json_int_t)c)),
        422, "invalid", "parent_id", "level");
    EXPECT_ERROR2(api_json("PATCH", unit_path(c), w->admin,
                           json_pack("{s:I}", "parent_id", (json_int_t)w->u_mp)),
                  422, "invalid", "parent_id", "force");
    EXPECT_ERROR(api_json("PATCH", unit_path(c), w->admin, json_pack("{s:s}", "force", "military")),
                 422, "invalid", "force");
    g = api_get(unit_path(c), w->admin);
    EXPECT_STATUS(g, 200);
    assert_int_equal(JINT(g->json, "parent_id"), d2);
    assert_string_equal(JSTR(g->json, "force"), "police");
    assert_int_equal(JINT(g->json, "version"), 2);
}

static void test_unit_delete(void **state)
{
    struct world *w = &g_srv->w;
    char *x = uniq_word();
    int64_t top = mk_unit(w->admin, tfmt("BP-XD-%s", x), tfmt("BĐBP Xóa %s", x), "border_guard",
                          "province", 0, 0);
    int64_t staffed = mk_unit(w->admin, tfmt("BP-XD1-%s", x), tfmt("Đồn Có Người %s", x),
                              "border_guard", "district", top, 0);
    int64_t empty = mk_unit(w->admin, tfmt("BP-XD2-%s", x), tfmt("Đồn Trống %s", x), "border_guard",
                            "district", top, 0);
    (void)state;

    (void)mk_person(w->admin, staffed, "duty_officer", "confidential", NULL);
    EXPECT_ERROR(api_req("DELETE", unit_path(top), w->admin, NULL, NULL, NULL), 409, "conflict",
                 NULL);
    EXPECT_ERROR(api_req("DELETE", unit_path(staffed), w->admin, NULL, NULL, NULL), 409, "conflict",
                 NULL);
    EXPECT_STATUS(api_get(unit_path(top), w->admin), 200);
    EXPECT_STATUS(api_get(unit_path(staffed), w->admin), 200);
    EXPECT_ERROR(api_req("DELETE", unit_path(empty), w->t_adm_pd, NULL, NULL, NULL), 403,
                 "forbidden", NULL);
    EXPECT_STATUS(api_get(unit_path(empty), w->admin), 200);

    EXPECT_STATUS(api_req("DELETE", unit_path(empty), w->admin, NULL, NULL, NULL), 204);
    EXPECT_ERROR(api_get(unit_path(empty), w->admin), 404, "not_found", NULL);
    EXPECT_ERROR(api_req("DELETE", unit_path(empty), w->admin, NULL, NULL, NULL), 404, "not_found",
                 NULL);
    EXPECT_ERROR(api_json("PATCH", unit_path(empty), w->admin, json_pack("{s:s}", "phone", "1")),
                 404, "not_found", NULL);
    assert_int_equal(
        list_count(tfmt("/api/v1/units?within=%lld&include_inactive=1", (long long)top), w->admin),
        2);
}

int run_unit_tests(void)
{
    const struct CMUnitTest tests[] = {
        T(test_unit_create_and_get), T(test_unit_invalid_input), T(test_unit_duplicate_code),
        T(test_unit_admin_scope),    T(test_unit_filters),       T(test_unit_paging),
        T(test_unit_versions),       T(test_unit_reparent),      T(test_unit_delete),
    };
    return cmocka_run_group_tests_name("units", tests, h_group_setup, NULL);
}
