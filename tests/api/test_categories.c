/* test_categories.c - /api/v1/categories: MISSION.md's seeded defaults, create,
 * read, change, deactivate (there is no delete), search that ignores diacritics,
 * paging, versions, bad input, and who may write. */
#include "util/base.h"
#include "harness.h"

static char *category_path(int64_t id)
{
    return tfmt("/api/v1/categories/%lld", (long long)id);
}

/* A valid create request: code "c_<word>" and names carrying the same word. */
static json_t *category_body(const char *word)
{
    return json_pack("{s:s, s:s, s:s, s:i}", "code", tfmt("c_%s", word), "name_vi",
                     tfmt("Cướp biển %s", word), "name_en", tfmt("Piracy %s", word),
                     "default_severity", 3);
}

static int64_t mk_category(const char *token, const char *word)
{
    struct resp *r = api_json("POST", "/api/v1/categories", token, category_body(word));
    EXPECT_STATUS(r, 201);
    return JINT(r->json, "id");
}

/* The category with code in the full list (inactive too), or NULL. */
static json_t *find_code(const char *code, const char *token)
{
    json_t *items = list_items("/api/v1/categories?include_inactive=true&limit=500", token);
    size_t i;
    json_t *c;
    json_array_foreach(items, i, c) {
        if (strcmp(JSTR(c, "code"), code) == 0)
            return c;
    }
    return NULL;
}

static void test_category_seeded(void **state)
{
    struct world *w = &g_srv->w;
    struct resp *r;
    json_t *c;
    (void)state;

    r = api_get("/api/v1/categories", w->t_viewer); /* any role reads */
    EXPECT_STATUS(r, 200);
    assert_non_null(json_object_get(r->json, "items"));
    assert_non_null(json_object_get(r->json, "next_cursor"));
    assert_true(json_array_size(items_of(r)) >= 15);

    c = json_array_get(items_of(r), 0);
    assert_int_equal(JINT(c, "id"), 1);
    assert_string_equal(JSTR(c, "code"), "crime");
    assert_string_equal(JSTR(c, "name_vi"), "tội phạm hình sự");
    assert_string_equal(JSTR(c, "name_en"), "Crime");
    assert_string_equal(JSTR(c, "lead_force"), "police");
    assert_true(json_is_true(json_object_get(c, "is_active")));
    assert_int_equal(JINT(c, "version"), 1);
    assert_non_null(JSTR(c, "created_at"));

    c = find_code("drugs", w->t_viewer);
    assert_non_null(c);
    assert_string_equal(JSTR(c, "name_vi"), "ma túy");
    c = find_code("illegal_fishing", w->t_viewer);
    assert_non_null(c);
    assert_string_equal(JSTR(c, "name_vi"), "khai thác thủy sản trái phép, IUU");
    assert_string_equal(JSTR(c, "lead_force"), "border_guard");
    c = find_code("search_rescue", w->t_viewer);
    assert_non_null(c);
    assert_string_equal(JSTR(c, "lead_force"), "military");
    c = find_code("epidemic", w->t_viewer);
    assert_non_null(c);
    assert_true(json_is_null(json_object_get(c, "lead_force")));
    assert_non_null(find_code("other", w->t_viewer));
}

static void test_category_search(void **state)
{
    struct world *w = &g_srv->w;
    json_t *items;
    (void)state;

    items = list_items(tfmt("/api/v1/categories?q=%s", urlenc("ma tuy")), w->t_viewer);
    assert_int_equal(json_array_size(items), 1);
    assert_string_equal(JSTR(json_array_get(items, 0), "code"), "drugs");
    items = list_items(tfmt("/api/v1/categories?q=%s", urlenc("MA TÚY")), w->t_viewer);
    assert_int_equal(json_array_size(items), 1);
    items = list_items(tfmt("/api/v1/categories?q=%s", urlenc("dong nguoi")), w->t_viewer);
    assert_int_equal(json_array_size(items), 1);
    assert_string_equal(JSTR(json_array_get(items, 0), "code"), "mass_gathering");
    items = list_items("/api/v1/categories?q=rescue", w->t_viewer);
    assert_int_equal(json_array_size(items), 1);
    assert_string_equal(JSTR(json_array_get(items, 0), "code"), "search_rescue");
    assert_int_equal(list_count(tfmt("/api/v1/categories?q=%s", urlenc("ma tay")), w->t_viewer),
                     0);
}

static void test_category_create_get_patch(void **state)
{
    struct world *w = &g_srv->w;
    char *x = uniq_word();
    json_t *b = category_body(x);
    struct resp *r, *g;
    char *path;
    int64_t id;
    (void)state;

    json_object_set_new(b, "lead_force", json_string("border_guard"));
    r = api_json("POST", "/api/v1/categories", w->admin, b);
    EXPECT_STATUS(r, 201);
    id = JINT(r->json, "id");
    path = category_path(id);
    EXPECT_LOCATION(r, path);
    assert_string_equal(JSTR(r->json, "code"), tfmt("c_%s", x));
    assert_string_equal(JSTR(r->json, "name_vi"), tfmt("Cướp biển %s", x));
    assert_int_equal(JINT(r->json, "default_severity"), 3);
    assert_string_equal(JSTR(r->json, "lead_force"), "border_guard");
    assert_true(json_is_true(json_object_get(r->json, "is_active")));
    assert_int_equal(JINT(r->json, "sort_order"), 1000);
    assert_int_equal(JINT(r->json, "version"), 1);

    g = api_get(path, w->t_viewer);
    EXPECT_STATUS(g, 200);
    assert_string_equal(resp_header(g, "ETag"), "\"1\"");
    assert_string_equal(JSTR(g->json, "name_en"), tfmt("Piracy %s", x));
    {
        int64_t want[] = {id};
        EXPECT_ID_ARRAY(tfmt("/api/v1/categories?q=%s", urlenc(tfmt("cuop bien %s", x))),
                        w->t_viewer, want, 1);
    }

    r = api_json_h("PATCH", path, w->admin,
                   json_pack("{s:i, s:n}", "default_severity", 4, "lead_force"), "If-Match: \"1\"");
    EXPECT_STATUS(r, 200);
    assert_int_equal(JINT(r->json, "version"), 2);
    assert_int_equal(JINT(r->json, "default_severity"), 4);
    assert_true(json_is_null(json_object_get(r->json, "lead_force")));
    assert_string_equal(JSTR(r->json, "name_vi"), tfmt("Cướp biển %s", x)); /* untouched */
    g = api_get(path, w->admin);
    assert_string_equal(resp_header(g, "ETag"), "\"2\"");

    /* A stale version is refused and changes nothing. */
    EXPECT_ERROR(api_json_h("PATCH", path, w->admin, json_pack("{s:i}", "default_severity", 1),
                            "If-Match: \"1\""),
                 412, "stale", NULL);
    /* The code is fixed once created. */
    EXPECT_ERROR(api_json("PATCH", path, w->admin, json_pack("{s:s}", "code", "c_khac")), 422,
                 "invalid", "code");
    EXPECT_ERROR(api_json("PATCH", path, w->admin, json_pack("{s:i}", "default_severity", 9)), 422,
                 "invalid", "default_severity");
    g = api_get(path, w->admin);
    assert_int_equal(JINT(g->json, "version"), 2);
    assert_int_equal(JINT(g->json, "default_severity"), 4);
}

static void test_category_deactivate(void **state)
{
    struct world *w = &g_srv->w;
    char *x = uniq_word();
    int64_t id = mk_category(w->admin, x);
    int64_t want[] = {id};
    struct resp *r;
    (void)state;

    EXPECT_ID_ARRAY(tfmt("/api/v1/categories?q=%s", x), w->t_viewer, want, 1);
    r = api_json("PATCH", category_path(id), w->admin, json_pack("{s:b}", "is_active", 0));
    EXPECT_STATUS(r, 200);
    assert_true(json_is_false(json_object_get(r->json, "is_active")));
    /* Hidden from the default list, still there for old incidents. */
    assert_int_equal(list_count(tfmt("/api/v1/categories?q=%s", x), w->t_viewer), 0);
    EXPECT_ID_ARRAY(tfmt("/api/v1/categories?q=%s&include_inactive=1", x), w->t_viewer, want, 1);
    EXPECT_STATUS(api_get(category_path(id), w->t_viewer), 200);
    /* There is no delete. */
    r = api_req("DELETE", category_path(id), w->admin, NULL, NULL, NULL);
    EXPECT_ERROR(r, 405, "method_not_allowed", NULL);
    assert_non_null(resp_header(r, "Allow"));
    assert_non_null(strstr(resp_header(r, "Allow"), "PATCH"));
    assert_null(strstr(resp_header(r, "Allow"), "DELETE"));
    EXPECT_STATUS(api_get(category_path(id), w->t_viewer), 200);
}

static void test_category_paging(void **state)
{
    struct world *w = &g_srv->w;
    char *x = uniq_word();
    int64_t ids[5];
    (void)state;

    for (size_t i = 0; i < PH_NELEM(ids); i++)
        ids[i] = mk_category(w->admin, tfmt("%s%c", x, (char)('a' + i)));
    check_paging(tfmt("/api/v1/categories?q=%s", x), ids, PH_NELEM(ids), w->t_viewer);
    check_list_params("/api/v1/categories", w->t_viewer);
    EXPECT_ERROR(api_get("/api/v1/categories?include_inactive=maybe", w->t_viewer), 400,
                 "malformed", "include_inactive");
}

static void test_category_invalid_input(void **state)
{
    struct world *w = &g_srv->w;
    const struct bad_member cases[] = {
        {"code", NULL, "code", NULL},
        {"code", "\"\"", "code", NULL},
        {"code", "\"x\"", "code", NULL},
        {"code", "\"Bad-Code\"", "code", NULL},
        {"code", "7", "code", NULL},
        {"name_vi", NULL, "name_vi", NULL},
        {"name_vi", "\"  \"", "name_vi", NULL},
        {"name_vi", "5", "name_vi", NULL},
        {"name_en", NULL, "name_en", NULL},
        {"default_severity", "0", "default_severity", NULL},
        {"default_severity", "5", "default_severity", NULL},
        {"default_severity", "\"3\"", "default_severity", NULL},
        {"default_severity", "2.5", "default_severity", NULL},
        {"default_severity", "99999999999", "default_severity", NULL},
        {"lead_force", "\"navy\"", "lead_force", NULL},
        {"lead_force", "1", "lead_force", NULL},
        {"is_active", "\"yes\"", "is_active", NULL},
        {"sort_order", "-1", "sort_order", NULL},
        {"colour", "\"red\"", "colour", NULL},
    };
    (void)state;

    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        char *x = uniq_word();
        EXPECT_BAD_MEMBER("/api/v1/categories", w->admin, category_body(x), &cases[i], i);
        assert_null(find_code(tfmt("c_%s", x), w->admin)); /* nothing was created */
    }
}

static void test_category_duplicate_code(void **state)
{
    struct world *w = &g_srv->w;
    char *x = uniq_word();
    (void)state;

    (void)mk_category(w->admin, x);
    EXPECT_ERROR(api_json("POST", "/api/v1/categories", w->admin, category_body(x)), 409,
                 "conflict", NULL);
    EXPECT_ERROR(api_json("POST", "/api/v1/categories", w->admin,
                          json_pack("{s:s, s:s, s:s, s:i}", "code", "drugs", "name_vi", "Ma túy 2",
                                    "name_en", "Drugs 2", "default_severity", 2)),
                 409, "conflict", NULL);
    assert_int_equal(list_count(tfmt("/api/v1/categories?q=%s", x), w->admin), 1);
}

static void test_category_write_access(void **state)
{
    struct world *w = &g_srv->w;
    char *x = uniq_word();
    const char *denied[] = {w->t_viewer,    w->t_reporter,    w->t_duty,
                            w->t_commander, w->t_coordinator, w->t_adm_pd};
    int64_t id = mk_category(w->admin, x);
    (void)state;

    for (size_t i = 0; i < PH_NELEM(denied); i++) {
        char *y = uniq_word();
        EXPECT_ERROR(api_json("POST", "/api/v1/categories", denied[i], category_body(y)), 403,
                     "forbidden", NULL);
        assert_null(find_code(tfmt("c_%s", y), w->admin));
        EXPECT_ERROR(api_json("PATCH", category_path(id), denied[i],
                              json_pack("{s:b}", "is_active", 0)),
                     403, "forbidden", NULL);
        EXPECT_STATUS(api_get(category_path(id), denied[i]), 200); /* but read them */
    }
    {
        struct resp *g = api_get(category_path(id), w->admin);
        assert_int_equal(JINT(g->json, "version"), 1);
        assert_true(json_is_true(json_object_get(g->json, "is_active")));
    }
    /* An admin at a top-level unit acts globally for reference data. */
    EXPECT_STATUS(api_json("POST", "/api/v1/categories", w->t_adm_pp, category_body(uniq_word())),
                  201);
    /* Without a token: 401. */
    EXPECT_ERROR(api_get("/api/v1/categories", NULL), 401, "unauthenticated", NULL);
}

static void test_category_unknown_id(void **state)
{
    struct world *w = &g_srv->w;
    (void)state;
    EXPECT_ERROR(api_get("/api/v1/categories/987654321", w->admin), 404, "not_found", NULL);
    EXPECT_ERROR(api_json("PATCH", "/api/v1/categories/987654321", w->admin,
                          json_pack("{s:i}", "default_severity", 2)),
                 404, "not_found", NULL);
    EXPECT_ERROR(api_req("PUT", "/api/v1/categories", w->admin, NULL, NULL, NULL), 405,
                 "method_not_allowed", NULL);
}

int run_category_tests(void)
{
    const struct CMUnitTest tests[] = {
        T(test_category_seeded),
        T(test_category_search),
        T(test_category_create_get_patch),
        T(test_category_deactivate),
        T(test_category_paging),
        T(test_category_invalid_input),
        T(test_category_duplicate_code),
        T(test_category_write_access),
        T(test_category_unknown_id),
    };
    return cmocka_run_group_tests_name("categories", tests, h_group_setup, NULL);
}
