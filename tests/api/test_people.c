/* test_people.c - /api/v1/people: the directory of officers. Create with a
 * password, read (any role), filters, paging, search and NFC, versions, disable
 * by DELETE, and the admin rules: own subtree, own force, never a clearance above
 * one's own. */
#include "util/base.h"
#include "harness.h"

/* "Đặng Thị Hà" decomposed: Đ has no decomposition; ặ = a + U+0323 + U+0306,
 * ị = i + U+0323, à = a + U+0300. */
#define NFD_DANG_THI_HA                                                                            \
    "\xc4\x90"                                                                                     \
    "a\xcc\xa3\xcc\x86ng Thi\xcc\xa3 Ha\xcc\x80"
#define NFC_DANG_THI_HA "Đặng Thị Hà"

static char *person_path(int64_t id)
{
    return tfmt("/api/v1/people/%lld", (long long)id);
}

static json_t *person_body(const char *username, const char *full_name, int64_t unit,
                           const char *role, const char *clearance)
{
    json_t *b =
        json_pack("{s:s, s:s, s:I, s:[s], s:s}", "username", username, "full_name", full_name,
                  "unit_id", (json_int_t)unit, "roles", role, "clearance", clearance);
    return b;
}

static int64_t mk_named(const char *token, const char *username, const char *full_name,
                        int64_t unit, const char *role, const char *clearance)
{
    struct resp *r = api_json("POST", "/api/v1/people", token,
                              person_body(username, full_name, unit, role, clearance));
    EXPECT_STATUS(r, 201);
    return JINT(r->json, "id");
}

static void test_person_create_and_get(void **state)
{
    struct world *w = &g_srv->w;
    char *x = uniq_word();
    char *user = tfmt("tran.van.%s", x);
    json_t *b = json_pack("{s:s, s:s, s:s, s:s, s:I, s:[s,s], s:s, s:s, s:s, s:s}", "username",
                          user, "full_name", tfmt("Trần Văn Bình %s", x), "rank", "Thiếu tá",
                          "position", "Trực ban", "unit_id", (json_int_t)w->u_pc, "roles",
                          "duty_officer", "commander", "clearance", "confidential", "phone",
                          "0912 345 678", "email", "tvb@example.vn", "password", H_PASSWORD);
    struct resp *r, *g;
    json_t *roles;
    int64_t id;
    (void)state;

    r = api_json("POST", "/api/v1/people", w->admin, b);
    EXPECT_STATUS(r, 201);
    id = JINT(r->json, "id");
    EXPECT_LOCATION(r, person_path(id));
    assert_string_equal(JSTR(r->json, "username"), user);
    assert_string_equal(JSTR(r->json, "full_name"), tfmt("Trần Văn Bình %s", x));
    assert_string_equal(JSTR(r->json, "rank"), "Thiếu tá");
    assert_string_equal(JSTR(r->json, "position"), "Trực ban");
    assert_int_equal(JINT(r->json, "unit_id"), w->u_pc);
    roles = json_object_get(r->json, "roles");
    assert_int_equal(json_array_size(roles), 2);
    assert_string_equal(JSTR(r->json, "clearance"), "confidential");
    assert_string_equal(JSTR(r->json, "phone"), "0912 345 678");
    assert_string_equal(JSTR(r->json, "email"), "tvb@example.vn");
    assert_true(json_is_false(json_object_get(r->json, "is_disabled")));
    assert_true(json_is_true(json_object_get(r->json, "has_password")));
    assert_true(json_is_null(json_object_get(r->json, "locked_until")));
    assert_int_equal(JINT(r->json, "version"), 1);
    assert_null(json_object_get(r->json, "password"));
    assert_null(json_object_get(r->json, "password_hash"));
    assert_true(strstr(r->body, H_PASSWORD) == NULL);
    assert_true(strstr(r->body, "$argon2") == NULL);

    /* Any role, of any force, reads the directory; no secret ever leaves. */
    g = api_get(person_path(id), w->t_mil_viewer);
    EXPECT_STATUS(g, 200);
    assert_string_equal(resp_header(g, "ETag"), "\"1\"");
    assert_string_equal(JSTR(g->json, "username"), user);
    assert_true(strstr(g->body, "$argon2") == NULL);
    assert_null(json_object_get(g->json, "password_hash"));
    {
        json_t *items = list_items(tfmt("/api/v1/people?q=%s", x), w->t_viewer);
        assert_int_equal(json_array_size(items), 1);
        assert_null(json_object_get(json_array_get(items, 0), "password_hash"));
    }
    /* The new person can log in with the password given. */
    (void)login_ok(user, H_PASSWORD);
}

static void test_person_nfd_name_and_search(void **state)
{
    struct world *w = &g_srv->w;
    char *x = uniq_word();
    char *user = tfmt("dang.thi.ha.%s", x);
    struct resp *r, *g;
    int64_t id;
    (void)state;

    r = api_json(
        "POST", "/api/v1/people", w->admin,
        person_body(user, tfmt("%s %s", NFD_DANG_THI_HA, x), w->u_pd, "reporter", "unclassified"));
    EXPECT_STATUS(r, 201);
    id = JINT(r->json, "id");
    g = api_get(person_path(id), w->t_viewer);
    EXPECT_STATUS(g, 200);
    assert_string_equal(JSTR(g->json, "full_name"), tfmt("%s %s", NFC_DANG_THI_HA, x));
    {
        int64_t want[] = {id};
        /* đ folds to d, marks and case go. */
        EXPECT_ID_ARRAY(tfmt("/api/v1/people?q=%s", urlenc(tfmt("dang thi ha %s", x))), w->t_viewer,
                        want, 1);
        EXPECT_ID_ARRAY(tfmt("/api/v1/people?q=%s", urlenc(tfmt("DANG THI HA %s", x))), w->t_viewer,
                        want, 1);
        EXPECT_ID_ARRAY(tfmt("/api/v1/people?q=%s", urlenc(tfmt("Đặng Thị Hà %s", x))), w->t_viewer,
                        want, 1);
        /* The username is searched too. */
        EXPECT_ID_ARRAY(tfmt("/api/v1/people?q=%s", urlenc(user)), w->t_viewer, want, 1);
    }
    assert_int_equal(
        list_count(tfmt("/api/v1/people?q=%s", urlenc(tfmt("dung thi ha %s", x))), w->t_viewer), 0);
}

static void test_person_filters(void **state)
{
    struct world *w = &g_srv->w;
    char *x = uniq_word();
    int64_t top = mk_unit(w->admin, tfmt("CA-NG-%s", x), tfmt("Công an tỉnh Người %s", x), "police",
                          "province", 0, 0);
    int64_t dist = mk_unit(w->admin, tfmt("CA-NGH-%s", x), tfmt("Công an huyện Người %s", x),
                           "police", "district", top, 0);
    int64_t a =
        mk_named(w->admin, tfmt("a.%s", x), tfmt("Lê Văn An %s", x), top, "viewer", "unclassified");
    int64_t b = mk_named(w->admin, tfmt("b.%s", x), tfmt("Phạm Thị Bích %s", x), dist,
                         "duty_officer", "confidential");
    int64_t c = mk_named(w->admin, tfmt("c.%s", x), tfmt("Võ Minh Châu %s", x), dist, "commander",
                         "secret");
    int64_t m = mk_named(w->admin, tfmt("m.%s", x), tfmt("Hồ Quân Sự %s", x), w->u_mp, "commander",
                         "secret");
    (void)state;

    EXPECT_STATUS(api_req("DELETE", person_path(c), w->admin, NULL, NULL, NULL), 204);
    {
        int64_t want[] = {b}, all[] = {b, c};
        EXPECT_ID_ARRAY(tfmt("/api/v1/people?unit_id=%lld", (long long)dist), w->t_viewer, want, 1);
        EXPECT_ID_ARRAY(tfmt("/api/v1/people?unit_id=%lld&include_disabled=1", (long long)dist),
                        w->t_viewer, all, 2);
    }
    {
        int64_t want[] = {a, b};
        EXPECT_ID_ARRAY(tfmt("/api/v1/people?within=%lld", (long long)top), w->t_viewer, want, 2);
        EXPECT_ID_ARRAY(tfmt("/api/v1/people?force=police&q=%s", x), w->t_viewer, want, 2);
    }
    {
        int64_t want[] = {m};
        EXPECT_ID_ARRAY(tfmt("/api/v1/people?force=military&q=%s", x), w->t_viewer, want, 1);
        EXPECT_ID_ARRAY(tfmt("/api/v1/people?role=commander&q=%s", x), w->t_viewer, want, 1);
    }
    {
        int64_t want[] = {c, m};
        EXPECT_ID_ARRAY(tfmt("/api/v1/people?role=commander&q=%s&include_disabled=1", x),
                        w->t_viewer, want, 2);
    }
    {
        int64_t want[] = {b};
        EXPECT_ID_ARRAY(tfmt("/api/v1/people?role=duty_officer&within=%lld", (long long)top),
                        w->t_viewer, want, 1);
        EXPECT_ID_ARRAY(tfmt("/api/v1/people?q=%s", urlenc(tfmt("pham thi bich %s", x))),
                        w->t_viewer, want, 1);
    }
    assert_int_equal(list_count(tfmt("/api/v1/people?force=border_guard&q=%s", x), w->t_viewer), 0);
    EXPECT_ERROR(api_get("/api/v1/people?role=general", w->t_viewer), 400, "malformed", "role");
    EXPECT_ERROR(api_get("/api/v1/people?unit_id=x", w->t_viewer), 400, "malformed", "unit_id");
}

static void test_person_paging(void **state)
{
    struct world *w = &g_srv->w;
    char *x = uniq_word();
    int64_t unit = mk_unit(w->admin, tfmt("BP-NPT-%s", x), tfmt("Đồn Phân Trang %s", x),
                           "border_guard", "district", w->u_bp, 0);
    int64_t ids[5];
    (void)state;

    for (size_t i = 0; i < PH_NELEM(ids); i++)
        ids[i] = mk_person(w->admin, unit, "viewer", "unclassified", NULL);
    check_paging(tfmt("/api/v1/people?unit_id=%lld", (long long)unit), ids, PH_NELEM(ids),
                 w->t_viewer);
    check_list_params("/api/v1/people", w->t_viewer);
}

static void test_person_invalid_input(void **state)
{
    struct world *w = &g_srv->w;
    const struct bad_member cases[] = {
        {"full_name", NULL, "full_name", NULL},
        {"full_name", "\"\"", "full_name", NULL},
        {"full_name", "\"   \"", "full_name", NULL},
        {"full_name", "12", "full_name", NULL},
        {"username", NULL, "username", NULL},
        {"username", "\"Co Dau Cach\"", "username", NULL},
        {"username", "\"ab\"", "username", NULL},
        {"username", "\"nguyễn\"", "username", NULL},
        {"roles", NULL, "roles", NULL},
        {"roles", "\"admin\"", "roles", NULL},
        {"roles", "[]", "roles", NULL},
        {"roles", "[\"general\"]", "roles", NULL},
        {"roles", "[1]", "roles", NULL},
        {"clearance", "\"cosmic\"", "clearance", NULL},
        {"clearance", "3", "clearance", NULL},
        {"password", "\"ngan\"", "password", NULL},
        {"password", "\"123456789\"", "password", NULL},
        {"password", "123456789012", "password", NULL},
        {"unit_id", "987654321", "unit_id", NULL},
        {"unit_id", "\"5\"", "unit_id", NULL},
        {"email", "5", "email", NULL},
        {"is_disabled", "\"no\"", "is_disabled", NULL},
        {"salary", "1000", "salary", NULL},
        {"password_hash", "\"$argon2id$v=19$m=1,t=1,p=1$AAAA$AAAA\"", "password_hash", NULL},
    };
    (void)state;

    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        char *x = uniq_word();
        char *user = tfmt("loi.%s", x);
        json_t *b = person_body(user, tfmt("Người Lỗi %s", x), w->u_pd, "viewer", "unclassified");
        json_object_set_new(b, "password", json_string(H_PASSWORD));
        EXPECT_BAD_MEMBER("/api/v1/people", w->admin, b, &cases[i], i);
        /* Nothing was created. */
        assert_int_equal(list_count(tfmt("/api/v1/people?q=%s&include_disabled=1", x), w->admin),
                         0);
    }
    /* A password of exactly 10 characters is enough. */
    {
        char *x = uniq_word();
        json_t *b = person_body(tfmt("du.%s", x), tfmt("Người Đủ %s", x), w->u_pd, "viewer",
                                "unclassified");
        json_object_set_new(b, "password", json_string("1234567890"));
        EXPECT_STATUS(api_json("POST", "/api/v1/people", w->admin, b), 201);
    }
}

static void test_person_duplicate_username(void **state)
{
    struct world *w = &g_srv->w;
    char *x = uniq_word();
    char *user = tfmt("trung.%s", x);
    (void)state;

    (void)mk_named(w->admin, user, tfmt("Người Thứ Nhất %s", x), w->u_pd, "viewer", "unclassified");
    EXPECT_ERROR(
        api_json("POST", "/api/v1/people", w->admin,
                 person_body(user, tfmt("Người Thứ Hai %s", x), w->u_mp, "viewer", "unclassified")),
        409, "conflict", NULL);
    assert_int_equal(list_count(tfmt("/api/v1/people?q=%s&include_disabled=1", x), w->admin), 1);
    /* A disabled account keeps its name. */
    {
        json_t *items = list_items(tfmt("/api/v1/people?q=%s", x), w->admin);
        int64_t id = JINT(json_array_get(items, 0), "id");
        EXPECT_STATUS(api_req("DELETE", person_path(id), w->admin, NULL, NULL, NULL), 204);
    }
    EXPECT_ERROR(
        api_json("POST", "/api/v1/people", w->admin,
                 person_body(user, tfmt("Người Thứ Ba %s", x), w->u_pd, "viewer", "unclassified")),
        409, "conflict", NULL);
}

static void test_person_admin_rules(void **state)
{
    struct world *w = &g_srv->w;
    char *x = uniq_word();
    int64_t mine, mil = w->p_mil_viewer;
    struct resp *r, *g;
    (void)state;

    /* The district police admin (clearance secret) manages its own subtree. */
    mine = mk_named(w->t_adm_pd, tfmt("cua.toi.%s", x), tfmt("Người Của Tôi %s", x), w->u_pc,
                    "duty_officer", "secret");
    r = api_json("PATCH", person_path(mine), w->t_adm_pd, json_pack("{s:s}", "rank", "Đại úy"));
    EXPECT_STATUS(r, 200);
    assert_string_equal(JSTR(r->json, "rank"), "Đại úy");

    /* No clearance above one's own, on create or on change. */
    EXPECT_ERROR(api_json("POST", "/api/v1/people", w->t_adm_pd,
                          person_body(tfmt("toi.mat.%s", x), tfmt("Người Tối Mật %s", x), w->u_pd,
                                      "viewer", "top_secret")),
                 403, "forbidden", NULL);
    EXPECT_ERROR(api_json("PATCH", person_path(mine), w->t_adm_pd,
                          json_pack("{s:s}", "clearance", "top_secret")),
                 403, "forbidden", NULL);
    /* Not above one's unit, not in another force. */
    EXPECT_ERROR(api_json("POST", "/api/v1/people", w->t_adm_pd,
                          person_body(tfmt("tinh.%s", x), tfmt("Người Cấp Tỉnh %s", x), w->u_pp,
                                      "viewer", "unclassified")),
                 403, "forbidden", NULL);
    EXPECT_ERROR(api_json("POST", "/api/v1/people", w->t_adm_pd,
                          person_body(tfmt("quan.%s", x), tfmt("Người Quân Sự %s", x), w->u_mp,
                                      "viewer", "unclassified")),
                 403, "forbidden", NULL);
    EXPECT_ERROR(api_json("PATCH", person_path(mil), w->t_adm_pd,
                          json_pack("{s:s}", "full_name", "Bị Đổi Tên")),
                 403, "forbidden", NULL);
    EXPECT_ERROR(
        api_json("PATCH", person_path(mil), w->t_adm_pp, json_pack("{s:s}", "position", "Bị đổi")),
        403, "forbidden", NULL);
    EXPECT_ERROR(api_req("DELETE", person_path(mil), w->t_adm_pp, NULL, NULL, NULL), 403,
                 "forbidden", NULL);
    EXPECT_ERROR(api_json("POST", tfmt("/api/v1/people/%lld/password", (long long)mil), w->t_adm_pp,
                          json_pack("{s:s}", "password", "Mat-khau-bi-dat-1")),
                 403, "forbidden", NULL);
    EXPECT_ERROR(
        api_json("PATCH", person_path(mine), w->t_adm_mp, json_pack("{s:s}", "rank", "Binh nhì")),
        403, "forbidden", NULL);
    /* Nor move one's person into another force. */
    EXPECT_ERROR(api_json("PATCH", person_path(mine), w->t_adm_pd,
                          json_pack("{s:I}", "unit_id", (json_int_t)w->u_mp)),
                 403, "forbidden", NULL);
    /* Non-admins change nobody, themselves included. */
    EXPECT_ERROR(api_json("PATCH", person_path(w->p_duty), w->t_duty,
                          json_pack("{s:s}", "clearance", "top_secret")),
                 403, "forbidden", NULL);
    EXPECT_ERROR(api_json("PATCH", person_path(mine), w->t_commander,
                          json_pack("{s:[s]}", "roles", "admin")),
                 403, "forbidden", NULL);
    {
        const char *nonadmin[] = {w->t_viewer, w->t_reporter, w->t_duty, w->t_commander,
                                  w->t_coordinator};
        for (size_t i = 0; i < PH_NELEM(nonadmin); i++)
            EXPECT_ERROR(
                api_json("POST", "/api/v1/people", nonadmin[i],
                         person_body(tfmt("ptv.%zu.%s", i, x), tfmt("Người Phối Hợp %zu %s", i, x),
                                     w->u_pd, "viewer", "unclassified")),
                403, "forbidden", NULL);
    }
    EXPECT_ERROR(api_req("DELETE", person_path(mine), w->t_viewer, NULL, NULL, NULL), 403,
                 "forbidden", NULL);

    /* Loses nothing: none of it happened. */
    assert_int_equal(list_count(tfmt("/api/v1/people?q=%s&include_disabled=1", x), w->admin), 1);
    g = api_get(person_path(mine), w->admin);
    EXPECT_STATUS(g, 200);
    assert_int_equal(JINT(g->json, "version"), 2);
    assert_string_equal(JSTR(g->json, "clearance"), "secret");
    assert_int_equal(JINT(g->json, "unit_id"), w->u_pc);
    assert_string_equal(JSTR(g->json, "rank"), "Đại úy");
    assert_true(json_is_false(json_object_get(g->json, "is_disabled")));
    assert_int_equal(json_array_size(json_object_get(g->json, "roles")), 1);
    g = api_get(person_path(mil), w->admin);
    assert_int_equal(JINT(g->json, "version"), 1);
    assert_true(json_is_false(json_object_get(g->json, "is_disabled")));
    g = api_get(person_path(w->p_duty), w->admin);
    assert_string_equal(JSTR(g->json, "clearance"), "confidential");
    EXPECT_STATUS(api_get("/api/v1/auth/me", w->t_mil_viewer), 200); /* password not reset */
}

static void test_person_versions(void **state)
{
    struct world *w = &g_srv->w;
    int64_t id = mk_person(w->admin, w->u_pd, "reporter", "unclassified", NULL);
    char *path = person_path(id);
    struct resp *r, *g;
    (void)state;

    r = api_json_h("PATCH", path, w->admin, json_pack("{s:s}", "position", "Cán bộ điều tra"),
                   "If-Match: \"1\"");
    EXPECT_STATUS(r, 200);
    assert_int_equal(JINT(r->json, "version"), 2);
    assert_string_equal(JSTR(r->json, "position"), "Cán bộ điều tra");
    EXPECT_ERROR(api_json_h("PATCH", path, w->admin, json_pack("{s:s}", "position", "Khác"),
                            "If-Match: \"1\""),
                 412, "stale", NULL);
    g = api_get(path, w->admin);
    EXPECT_STATUS(g, 200);
    assert_string_equal(resp_header(g, "ETag"), "\"2\"");
    assert_string_equal(JSTR(g->json, "position"), "Cán bộ điều tra");
    /* Roles are replaced as a whole. */
    r = api_json_h("PATCH", path, w->admin,
                   json_pack("{s:[s,s]}", "roles", "reporter", "coordinator"), "If-Match: \"2\"");
    EXPECT_STATUS(r, 200);
    assert_int_equal(JINT(r->json, "version"), 3);
    assert_int_equal(json_array_size(json_object_get(r->json, "roles")), 2);
    EXPECT_ERROR(api_json("PATCH", path, w->admin, json_pack("{s:[]}", "roles")), 422, "invalid",
                 "roles");
    EXPECT_ERROR(api_json("PATCH", path, w->admin, json_pack("{s:s}", "password", H_PASSWORD)), 422,
                 "invalid", "password");
    g = api_get(path, w->admin);
    assert_int_equal(JINT(g->json, "version"), 3);
    assert_int_equal(json_array_size(json_object_get(g->json, "roles")), 2);
}

static void test_person_delete_disables(void **state)
{
    struct world *w = &g_srv->w;
    char *user;
    int64_t id = mk_person(w->admin, w->u_pc, "viewer", "unclassified", &user);
    struct resp *g;
    (void)state;

    EXPECT_STATUS(api_req("DELETE", person_path(id), w->admin, NULL, NULL, NULL), 204);
    g = api_get(person_path(id), w->t_viewer);
    EXPECT_STATUS(g, 200);
    assert_true(json_is_true(json_object_get(g->json, "is_disabled")));
    assert_int_equal(JINT(g->json, "version"), 2);
    assert_int_equal(list_count(tfmt("/api/v1/people?q=%s", user), w->admin), 0);
    assert_int_equal(list_count(tfmt("/api/v1/people?q=%s&include_disabled=1", user), w->admin), 1);
    EXPECT_ERROR(api_req("DELETE", "/api/v1/people/987654321", w->admin, NULL, NULL, NULL), 404,
                 "not_found", NULL);
    EXPECT_ERROR(api_get("/api/v1/people/987654321", w->admin), 404, "not_found", NULL);
    EXPECT_ERROR(api_json("PATCH", "/api/v1/people/987654321", w->admin,
                          json_pack("{s:s}", "rank", "Đại tá")),
                 404, "not_found", NULL);
}

int run_people_tests(void)
{
    const struct CMUnitTest tests[] = {
        T(test_person_create_and_get),  T(test_person_nfd_name_and_search),
        T(test_person_filters),         T(test_person_paging),
        T(test_person_invalid_input),   T(test_person_duplicate_username),
        T(test_person_admin_rules),     T(test_person_versions),
        T(test_person_delete_disables),
    };
    return cmocka_run_group_tests_name("people", tests, h_group_setup, NULL);
}
