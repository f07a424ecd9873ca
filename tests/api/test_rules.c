/* test_rules.c - /api/v1/routing-rules: MISSION.md's seeded defaults, create,
 * read and change by a global administrator (audited), refusal for everyone
 * else, bad input naming the member, no delete, and a new rule deciding who
 * leads a new incident (while an old incident keeps the rule it got).
 *
 * Rules made here are limited to an area tree of their own, so that they never
 * route another group's incidents. */
#include "util/base.h"
#include <time.h>
#include "harness.h"

int run_rule_tests(void); /* the group, run by main.c */

#define RULES "/api/v1/routing-rules"

static char *rule_path(int64_t id)
{
    return tfmt(RULES "/%lld", (long long)id);
}

/* The seeded rule named name, from the full list. */
static json_t *find_rule(const char *name, const char *token)
{
    json_t *items = list_items(RULES "?include_inactive=1&limit=500", token);
    size_t i;
    json_t *r;
    json_array_foreach (items, i, r) {
        if (strcmp(JSTR(r, "name"), name) == 0)
            return r;
    }
    return NULL;
}

static size_t rule_count(void)
{
    return list_count(RULES "?include_inactive=1&limit=500", g_srv->w.admin);
}

/* A category's id by code. */
static int64_t category_id(const char *code)
{
    json_t *items = list_items("/api/v1/categories?limit=500", g_srv->w.admin);
    size_t i;
    json_t *c;
    json_array_foreach (items, i, c) {
        if (strcmp(JSTR(c, "code"), code) == 0)
            return JINT(c, "id");
    }
    fail_msg("no category %s", code);
    return 0;
}

static char *iso_ago(long seconds_ago)
{
    time_t t = time(NULL) - seconds_ago;
    struct tm tm;
    gmtime_r(&t, &tm);
    return tfmt("%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* An area tree and units of the three forces of its own, for one test: a
 * province and an inland commune (polygon around lon, lat) with units linked to
 * the province, and a duty officer at the police unit. */
struct patch_of_land {
    int64_t prov, comm, u_ca, u_qs, u_bp;
    char *t_duty_ca;
};

static void land_build(struct patch_of_land *l, double lon, double lat)
{
    const char *adm = g_srv->w.admin;
    char *x = uniq_word();
    char *user = NULL;

    l->prov = mk_area(adm, uniq_num(), tfmt("Tỉnh Quy tắc %s", x), "province", "inland", 0, NULL);
    l->comm = mk_area(adm, uniq_num(), tfmt("Xã Quy tắc %s", x), "commune", "inland", l->prov,
                      geo_square(lon, lat, 0.05));
    l->u_ca = mk_unit(adm, tfmt("CA-QT-%s", x), tfmt("Công an tỉnh %s", x), "police", "province", 0,
                      l->prov);
    l->u_qs = mk_unit(adm, tfmt("QS-QT-%s", x), tfmt("Bộ CHQS tỉnh %s", x), "military", "province",
                      0, l->prov);
    l->u_bp = mk_unit(adm, tfmt("BP-QT-%s", x), tfmt("Bộ CH BĐBP tỉnh %s", x), "border_guard",
                      "province", 0, l->prov);
    (void)mk_person(adm, l->u_ca, "duty_officer", "secret", &user);
    l->t_duty_ca = login_ok(user, H_PASSWORD);
}

/* A valid create request for a rule limited to area_id. */
static json_t *rule_body(const char *name, int64_t area_id)
{
    return json_pack("{s:s, s:i, s:I, s:s, s:[s], s:i, s:i}", "name", name, "priority", 5,
                     "area_id", (json_int_t)area_id, "lead_force", "military", "inform_forces",
                     "border_guard", "report_deadline_min", 600, "ack_deadline_min", 600);
}

static long audit_entries(void)
{
    long n = -1;
    assert_int_equal(srv_audit_verify(g_srv, &n), 0);
    assert_true(n >= 0);
    return n;
}

static void test_rule_seeded(void **state)
{
    struct world *w = &g_srv->w;
    json_t *r, *forces;
    (void)state;

    assert_true(list_count(RULES "?limit=500", w->t_viewer) >= 13); /* any role reads */
    r = find_rule("Vành đai biên giới: Biên phòng chủ trì", w->t_viewer);
    assert_non_null(r);
    assert_int_equal(JINT(r, "priority"), 10);
    assert_string_equal(JSTR(r, "area_kind"), "border");
    assert_string_equal(JSTR(r, "lead_force"), "border_guard");
    assert_true(json_is_null(json_object_get(r, "category_id")));
    assert_true(json_is_null(json_object_get(r, "area_id")));
    assert_true(json_is_null(json_object_get(r, "severity_min")));
    forces = json_object_get(r, "inform_forces");
    assert_int_equal(json_array_size(forces), 2);
    assert_string_equal(json_string_value(json_array_get(forces, 0)), "police");
    assert_string_equal(json_string_value(json_array_get(forces, 1)), "military");
    assert_int_equal(json_array_size(json_object_get(r, "inform_unit_ids")), 0);
    assert_int_equal(JINT(r, "report_deadline_min"), 60);
    assert_int_equal(JINT(r, "ack_deadline_min"), 30);
    assert_int_equal(JINT(r, "verify_deadline_min"), 120);
    assert_true(json_is_null(json_object_get(r, "fallback_unit_id")));
    assert_true(json_is_true(json_object_get(r, "is_active")));
    assert_int_equal(JINT(r, "version"), 1);
    assert_non_null(JSTR(r, "created_at"));

    r = find_rule("Tìm kiếm cứu nạn: Quân sự chủ trì", w->t_viewer);
    assert_non_null(r);
    assert_int_equal(JINT(r, "category_id"), category_id("search_rescue"));
    assert_string_equal(JSTR(r, "lead_force"), "military");
    r = find_rule("Mặc định: lực lượng chủ trì theo loại vụ việc", w->t_viewer);
    assert_non_null(r);
    assert_int_equal(JINT(r, "priority"), 1000);
    assert_true(json_is_null(json_object_get(r, "lead_force")));
    assert_int_equal(json_array_size(json_object_get(r, "inform_forces")), 3);
    assert_true(json_is_null(json_object_get(r, "verify_deadline_min")));
}

static void test_rule_create_get_patch(void **state)
{
    struct world *w = &g_srv->w;
    struct patch_of_land l;
    char *name = tfmt("Quy tắc thử %s", uniq_word());
    json_t *b;
    struct resp *r;
    char *path;
    int64_t id;
    long audit0, audit1;
    (void)state;

    land_build(&l, 104.2, 8.7);
    audit0 = audit_entries();
    b = rule_body(name, l.prov);
    json_object_set_new(b, "category_id", json_integer(category_id("epidemic")));
    json_object_set_new(b, "severity_min", json_integer(2));
    json_object_set_new(b, "inform_unit_ids", json_pack("[I]", (json_int_t)l.u_ca));
    json_object_set_new(b, "fallback_unit_id", json_integer(l.u_qs));
    json_object_set_new(b, "verify_deadline_min", json_null());
    r = api_json("POST", RULES, w->admin, b);
    EXPECT_STATUS(r, 201);
    id = JINT(r->json, "id");
    path = rule_path(id);
    EXPECT_LOCATION(r, path);
    assert_string_equal(JSTR(r->json, "name"), name);
    assert_int_equal(JINT(r->json, "priority"), 5);
    assert_int_equal(JINT(r->json, "area_id"), l.prov);
    assert_int_equal(JINT(r->json, "category_id"), category_id("epidemic"));
    assert_int_equal(JINT(r->json, "severity_min"), 2);
    assert_true(json_is_null(json_object_get(r->json, "severity_max")));
    assert_true(json_is_null(json_object_get(r->json, "area_kind")));
    assert_string_equal(JSTR(r->json, "lead_force"), "military");
    assert_int_equal(json_array_size(json_object_get(r->json, "inform_forces")), 1);
    assert_int_equal(json_array_size(json_object_get(r->json, "inform_unit_ids")), 1);
    assert_int_equal(
        json_integer_value(json_array_get(json_object_get(r->json, "inform_unit_ids"), 0)), l.u_ca);
    assert_int_equal(JINT(r->json, "fallback_unit_id"), l.u_qs);
    assert_true(json_is_null(json_object_get(r->json, "verify_deadline_min")));
    assert_true(json_is_true(json_object_get(r->json, "is_active")));
    assert_int_equal(JINT(r->json, "version"), 1);
    audit1 = audit_entries();
    assert_int_equal(audit1, audit0 + 1); /* routing_rule.create */

    r = api_get(path, w->t_viewer);
    EXPECT_STATUS(r, 200);
    assert_string_equal(resp_header(r, "ETag"), "\"1\"");
    r = api_json_h("PATCH", path, w->admin,
                   json_pack("{s:i, s:[s,s], s:n}", "report_deadline_min", 720, "inform_forces",
                             "border_guard", "police", "severity_min"),
                   "If-Match: \"1\"");
    EXPECT_STATUS(r, 200);
    assert_int_equal(JINT(r->json, "version"), 2);
    assert_int_equal(JINT(r->json, "report_deadline_min"), 720);
    assert_int_equal(json_array_size(json_object_get(r->json, "inform_forces")), 2);
    assert_true(json_is_null(json_object_get(r->json, "severity_min")));
    assert_string_equal(JSTR(r->json, "name"), name); /* untouched */
    assert_int_equal(audit_entries(), audit1 + 1);    /* routing_rule.update */
    EXPECT_ERROR(
        api_json_h("PATCH", path, w->admin, json_pack("{s:i}", "priority", 6), "If-Match: \"1\""),
        412, "stale", NULL);
    EXPECT_ERROR(api_json("PATCH", path, w->admin, json_pack("{s:s}", "name", "  ")), 422,
                 "invalid", "name");
    EXPECT_ERROR(api_json("PATCH", path, w->admin, json_pack("{s:i}", "severity_max", 9)), 422,
                 "invalid", "severity_max");
    r = api_get(path, w->admin);
    assert_int_equal(JINT(r->json, "version"), 2);
    assert_int_equal(audit_entries(), audit1 + 1);
}

static void test_rule_applies_to_new_incidents(void **state)
{
    struct world *w = &g_srv->w;
    struct patch_of_land l;
    char *x = uniq_word();
    int64_t rule, first, second, crime_rule;
    json_t *inc;
    struct resp *r;
    (void)state;

    land_build(&l, 104.2, 8.2);
    crime_rule = JINT(find_rule("Tội phạm hình sự: Công an chủ trì", w->admin), "id");
    /* Before the rule: the seeded crime rule gives the police the lead. */
    r = api_json("POST", "/api/v1/incidents", l.t_duty_ca,
                 json_pack("{s:s, s:s, s:s, s:{s:f, s:f}}", "category", "crime", "title",
                           tfmt("Trước quy tắc %s", x), "occurred_at", iso_ago(300), "location",
                           "lat", 8.2, "lon", 104.2));
    EXPECT_STATUS(r, 201);
    assert_int_equal(JINT(r->json, "rule_id"), crime_rule);
    assert_int_equal(JINT(r->json, "lead_unit_id"), l.u_ca);

    r = api_json("POST", RULES, w->admin,
                 json_pack("{s:s, s:i, s:I, s:I, s:s, s:[s], s:[I], s:i, s:i, s:i}", "name",
                           tfmt("Tội phạm vùng thử %s: Quân sự chủ trì", x), "priority", 1,
                           "category_id", (json_int_t)category_id("crime"), "area_id",
                           (json_int_t)l.prov, "lead_force", "military", "inform_forces", "police",
                           "inform_unit_ids", (json_int_t)l.u_bp, "report_deadline_min", 15,
                           "ack_deadline_min", 600, "verify_deadline_min", 0));
    EXPECT_STATUS(r, 201);
    rule = JINT(r->json, "id");
    /* A new incident in the area: the new rule decides. */
    r = api_json("POST", "/api/v1/incidents", l.t_duty_ca,
                 json_pack("{s:s, s:s, s:s, s:s, s:{s:f, s:f}}", "category", "crime", "title",
                           tfmt("Sau quy tắc %s", x), "occurred_at", iso_ago(300), "detected_at",
                           iso_ago(300), "location", "lat", 8.2, "lon", 104.2));
    EXPECT_STATUS(r, 201);
    inc = r->json;
    first = JINT(inc, "id");
    assert_int_equal(JINT(inc, "rule_id"), rule);
    assert_int_equal(JINT(inc, "area_id"), l.comm);
    assert_int_equal(JINT(inc, "lead_unit_id"), l.u_qs);
    assert_string_equal(JSTR(inc, "lead_force"), "military");
    assert_string_equal(JSTR(inc, "status"), "new");
    {
        json_t *informed = json_object_get(inc, "informed_unit_ids");
        size_t i;
        json_t *v;
        int has_bp = 0;
        json_array_foreach (informed, i, v) {
            if (json_integer_value(v) == l.u_bp)
                has_bp = 1;
        }
        assert_true(has_bp);
    }
    /* The rule's 15-minute report deadline, from detection. */
    {
        int64_t due = 0, detected = 0;
        const char *d = JSTR(inc, "report_due_at"), *t = JSTR(inc, "detected_at");
        struct tm a = {0}, b2 = {0};
        assert_non_null(strptime(d, "%Y-%m-%dT%H:%M:%SZ", &a));
        assert_non_null(strptime(t, "%Y-%m-%dT%H:%M:%SZ", &b2));
        due = (int64_t)timegm(&a);
        detected = (int64_t)timegm(&b2);
        assert_int_equal(due - detected, 15 * 60);
    }
    /* Deactivated: new incidents go back to the seeded rules; the first keeps its own. */
    r = api_json("PATCH", rule_path(rule), w->admin, json_pack("{s:b}", "is_active", 0));
    EXPECT_STATUS(r, 200);
    assert_true(json_is_false(json_object_get(r->json, "is_active")));
    assert_false(json_has_id(list_items(RULES "?limit=500", w->admin), rule));
    assert_true(json_has_id(list_items(RULES "?limit=500&include_inactive=true", w->admin), rule));
    r = api_json("POST", "/api/v1/incidents", l.t_duty_ca,
                 json_pack("{s:s, s:s, s:s, s:{s:f, s:f}}", "category", "crime", "title",
                           tfmt("Sau khi tắt %s", x), "occurred_at", iso_ago(300), "location",
                           "lat", 8.2, "lon", 104.2));
    EXPECT_STATUS(r, 201);
    second = JINT(r->json, "id");
    assert_int_equal(JINT(r->json, "rule_id"), crime_rule);
    assert_int_equal(JINT(r->json, "lead_unit_id"), l.u_ca);
    r = api_get(tfmt("/api/v1/incidents/%lld", (long long)first), w->admin);
    EXPECT_STATUS(r, 200);
    assert_int_equal(JINT(r->json, "rule_id"), rule);
    assert_int_equal(JINT(r->json, "lead_unit_id"), l.u_qs);
    assert_true(second != first);
}

static void test_rule_write_access(void **state)
{
    struct world *w = &g_srv->w;
    struct patch_of_land l;
    const char *denied[] = {w->t_viewer,      w->t_reporter, w->t_duty,      w->t_commander,
                            w->t_coordinator, w->t_adm_pd,   w->t_mil_viewer};
    int64_t id;
    size_t before;
    struct resp *r;
    (void)state;

    land_build(&l, 104.2, 7.7);
    r = api_json("POST", RULES, w->admin, rule_body(tfmt("Quyền %s", uniq_word()), l.prov));
    EXPECT_STATUS(r, 201);
    id = JINT(r->json, "id");
    before = rule_count();
    for (size_t i = 0; i < PH_NELEM(denied); i++) {
        EXPECT_ERROR(
            api_json("POST", RULES, denied[i], rule_body(tfmt("Từ chối %s", uniq_word()), l.prov)),
            403, "forbidden", NULL);
        EXPECT_ERROR(api_json("PATCH", rule_path(id), denied[i], json_pack("{s:i}", "priority", 7)),
                     403, "forbidden", NULL);
        EXPECT_STATUS(api_get(rule_path(id), denied[i]), 200);
    }
    EXPECT_ERROR(api_json("POST", RULES, l.t_duty_ca, rule_body("Trực ban", l.prov)), 403,
                 "forbidden", NULL);
    assert_int_equal(rule_count(), before);
    r = api_get(rule_path(id), w->admin);
    assert_int_equal(JINT(r->json, "version"), 1);
    assert_int_equal(JINT(r->json, "priority"), 5);
    /* An administrator at a top-level unit acts globally for reference data. */
    EXPECT_STATUS(api_json("PATCH", rule_path(id), w->t_adm_pp, json_pack("{s:i}", "priority", 8)),
                  200);
    EXPECT_ERROR(api_get(RULES, NULL), 401, "unauthenticated", NULL);
}

static void test_rule_invalid_input(void **state)
{
    struct world *w = &g_srv->w;
    struct patch_of_land l;
    const struct bad_member cases[] = {
        {"name", NULL, "name", NULL},
        {"name", "\"   \"", "name", NULL},
        {"name", "3", "name", NULL},
        {"priority", "-1", "priority", NULL},
        {"priority", "1000001", "priority", NULL},
        {"priority", "\"1\"", "priority", NULL},
        {"is_active", "\"yes\"", "is_active", NULL},
        {"category_id", "987654321", "category_id", NULL},
        {"category_id", "\"crime\"", "category_id", NULL},
        {"severity_min", "5", "severity_min", NULL},
        {"severity_max", "-2", "severity_max", NULL},
        {"area_id", "987654321", "area_id", NULL},
        {"area_kind", "\"mountain\"", "area_kind", NULL},
        {"lead_force", "\"navy\"", "lead_force", NULL},
        {"inform_forces", "[\"navy\"]", "inform_forces", NULL},
        {"inform_forces", "[\"police\", \"police\"]", "inform_forces", NULL},
        {"inform_forces", "\"police\"", "inform_forces", NULL},
        {"inform_forces", "[1]", "inform_forces", NULL},
        {"inform_unit_ids", "[987654321]", "inform_unit_ids", NULL},
        {"inform_unit_ids", "[0]", "inform_unit_ids", NULL},
        {"report_deadline_min", "-5", "report_deadline_min", NULL},
        {"ack_deadline_min", "43201", "ack_deadline_min", NULL},
        {"verify_deadline_min", "1.5", "verify_deadline_min", NULL},
        {"fallback_unit_id", "987654321", "fallback_unit_id", NULL},
        {"colour", "\"red\"", "colour", NULL},
    };
    size_t before;
    (void)state;

    land_build(&l, 104.2, 7.2);
    before = rule_count();
    for (size_t i = 0; i < PH_NELEM(cases); i++)
        EXPECT_BAD_MEMBER(RULES, w->admin, rule_body(tfmt("Sai %s", uniq_word()), l.prov),
                          &cases[i], i);
    /* severity_min above severity_max. */
    {
        json_t *b = rule_body(tfmt("Sai %s", uniq_word()), l.prov);
        json_object_set_new(b, "severity_min", json_integer(3));
        json_object_set_new(b, "severity_max", json_integer(2));
        EXPECT_ERROR(api_json("POST", RULES, w->admin, b), 422, "invalid", "severity_max");
    }
    assert_int_equal(rule_count(), before);
}

static void test_rule_no_delete(void **state)
{
    struct world *w = &g_srv->w;
    struct resp *r;
    int64_t id = JINT(find_rule("Vùng biển: Biên phòng chủ trì", w->admin), "id");
    (void)state;

    r = api_req("DELETE", rule_path(id), w->admin, NULL, NULL, NULL);
    EXPECT_ERROR(r, 405, "method_not_allowed", NULL);
    assert_non_null(strstr(resp_header(r, "Allow"), "PATCH"));
    assert_null(strstr(resp_header(r, "Allow"), "DELETE"));
    EXPECT_STATUS(api_get(rule_path(id), w->admin), 200);
    EXPECT_ERROR(api_get(RULES "/987654321", w->admin), 404, "not_found", NULL);
    EXPECT_ERROR(api_json("PATCH", RULES "/987654321", w->admin, json_pack("{s:i}", "priority", 1)),
                 404, "not_found", NULL);
    EXPECT_ERROR(api_req("PUT", RULES, w->admin, NULL, NULL, NULL), 405, "method_not_allowed",
                 NULL);
    check_list_params(RULES, w->admin);
    EXPECT_ERROR(api_get(RULES "?include_inactive=maybe", w->admin), 400, "malformed",
                 "include_inactive");
}

int run_rule_tests(void)
{
    const struct CMUnitTest tests[] = {
        T(test_rule_seeded),
        T(test_rule_create_get_patch),
        T(test_rule_applies_to_new_incidents),
        T(test_rule_write_access),
        T(test_rule_invalid_input),
        T(test_rule_no_delete),
    };
    return cmocka_run_group_tests_name("rules", tests, h_group_setup, NULL);
}
