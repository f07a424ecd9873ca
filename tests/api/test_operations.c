/* test_operations.c - /api/v1/operations, /api/v1/assets and
 * /api/v1/stats/coverage over HTTP: planning (201, Location, ETag, the JSON
 * shape with units, people, assets, covered areas and the joint flag), a 422
 * naming each bad member with nothing written, the 409 of a person or asset
 * already on an overlapping operation (the other operation's id in the error
 * and its title in the message), the workflow and its 409s, PATCH with If-Match
 * (412 when stale), who sees what (a unit outside: 404; a participant's unit:
 * seen; a viewer cannot change), the results log (an entry that becomes an
 * incident in the same call, linked both ways; bad members named, also inside
 * "incident"), the summary, assets, and the coverage figures with their bad
 * parameters.
 *
 * Each test makes its own people (so that no other test's operations conflict
 * with them) and, for coverage, its own areas:
 *
 *   police province P (world) > police district D (world)   duty officer, viewer
 *   military province M (world)                              duty officer
 *   border guard province B (world)                          viewer */
#include "util/base.h"
#include <curl/curl.h>
#include "harness.h"
#include "util/time.h"

int run_operation_tests(void); /* the group, run by main.c */

#define OPS "/api/v1/operations"
#define ASSETS "/api/v1/assets"
#define HOUR (3600LL * 1000)
#define DAY (24 * HOUR)

struct oth {
    char *t_d_duty, *t_d_view, *t_m_duty, *t_b_view;
};
static struct oth ot;

static char *person_token(int64_t unit, const char *role, const char *clearance, int64_t *id)
{
    char *user = NULL;
    int64_t pid = mk_person(g_srv->w.admin, unit, role, clearance, &user);
    char *t = strdup(login_ok(user, H_PASSWORD));
    if (t == NULL)
        abort();
    if (id != NULL)
        *id = pid;
    return t;
}

static int ops_setup(void **state)
{
    int rc = h_group_setup(state);
    if (rc == 0) {
        ot.t_d_duty = person_token(g_srv->w.u_pd, "duty_officer", "secret", NULL);
        ot.t_d_view = person_token(g_srv->w.u_pd, "viewer", "secret", NULL);
        ot.t_m_duty = person_token(g_srv->w.u_mp, "duty_officer", "secret", NULL);
        ot.t_b_view = person_token(g_srv->w.u_bp, "viewer", "top_secret", NULL);
    }
    h_gc(NULL);
    return rc;
}

static int ops_teardown(void **state)
{
    (void)state;
    free(ot.t_d_duty);
    free(ot.t_d_view);
    free(ot.t_m_duty);
    free(ot.t_b_view);
    return h_gc(NULL);
}

/* ---- helpers ------------------------------------------------------------------------ */

static char *at(int64_t ms)
{
    char s[TIME_RFC3339_BYTES];
    time_format_utc(ms, s);
    return tfmt("%s", s);
}

static char *op_path(int64_t id)
{
    return tfmt(OPS "/%lld", (long long)id);
}

/* A person of unit, stored (its id; the world's admin makes it). */
static int64_t new_person(int64_t unit)
{
    return mk_person(g_srv->w.admin, unit, "viewer", "secret", NULL);
}

/* A valid patrol along a route through the world's commune, starting in `in`
 * from now, 4 hours long. */
static json_t *plan(const char *title, int64_t in)
{
    int64_t now = time_now_ms();
    return json_pack("{s:s, s:s, s:s, s:{s:s, s:[[f,f],[f,f]]}, s:s, s:s}", "kind", "patrol",
                     "domain", "land", "title", title, "geometry", "type", "LineString",
                     "coordinates", 106.66, 10.2, 106.74, 10.2, "planned_start", at(now + in),
                     "planned_end", at(now + in + 4 * HOUR));
}

static int64_t mk_op(const char *token, json_t *body)
{
    struct resp *r = api_json("POST", OPS, token, body);
    EXPECT_STATUS(r, 201);
    return JINT(r->json, "id");
}

static size_t count_all(void)
{
    return json_array_size(list_items(OPS "?limit=500", g_srv->w.admin));
}

static int has_int(json_t *arr, int64_t v)
{
    size_t i;
    json_t *x;
    json_array_foreach(arr, i, x)
    {
        if (json_is_integer(x) && json_integer_value(x) == v)
            return 1;
    }
    return 0;
}

static struct resp *set_status(const char *token, int64_t id, json_t *body)
{
    return api_json("POST", tfmt(OPS "/%lld/status", (long long)id), token, body);
}

/* ---- plans ---------------------------------------------------------------------------- */

static void test_operation_create_and_read(void **state)
{
    struct world *w = &g_srv->w;
    int64_t cmdr = new_person(w->u_pd), boat;
    json_t *b = plan("Tuần tra liên ngành ven biển", 2 * DAY), *o;
    struct resp *r;
    int64_t id;
    (void)state;

    r = api_json("POST", ASSETS, ot.t_d_duty,
                 json_pack("{s:s, s:s, s:s}", "kind", "vessel", "code", tfmt("BP-%s", uniq_num()),
                           "name", "Tàu tuần tra"));
    EXPECT_STATUS(r, 201);
    boat = JINT(r->json, "id");
    json_object_set_new(b, "unit_ids", json_pack("[I]", (json_int_t)w->u_mp));
    json_object_set_new(b, "commander_id", json_integer(cmdr));
    json_object_set_new(b, "asset_ids", json_pack("[I]", (json_int_t)boat));
    json_object_set_new(b, "description", json_string("Tuần tra  chung  với quân sự"));
    r = api_json("POST", OPS, ot.t_d_duty, b);
    EXPECT_STATUS(r, 201);
    id = JINT(r->json, "id");
    EXPECT_LOCATION(r, op_path(id));
    assert_non_null(resp_header(r, "etag"));
    o = r->json;
    assert_string_equal(JSTR(o, "status"), "planned");
    assert_string_equal(JSTR(o, "geometry_kind"), "route");
    assert_true(json_is_true(json_object_get(o, "is_joint")));
    assert_int_equal(JINT(o, "owner_unit_id"), w->u_pd); /* the planner's unit */
    assert_true(has_int(json_object_get(o, "unit_ids"), w->u_mp));
    assert_true(has_int(json_object_get(o, "people_ids"), cmdr)); /* the commander is on it */
    assert_true(has_int(json_object_get(o, "asset_ids"), boat));
    assert_true(has_int(json_object_get(o, "area_ids"), w->a_comm));
    assert_string_equal(JSTR(json_object_get(o, "geometry"), "type"), "LineString");
    assert_string_equal(JSTR(json_array_get(json_object_get(o, "units"), 0), "role"), "lead");
    assert_string_equal(JSTR(o, "classification"), "unclassified");
    /* GET answers the same, with its ETag; the list leaves the geometry out unless asked. */
    r = api_get(op_path(id), ot.t_d_duty);
    EXPECT_STATUS(r, 200);
    assert_string_equal(JSTR(r->json, "title"), "Tuần tra liên ngành ven biển");
    assert_string_equal(resp_header(r, "etag"), tfmt("\"%lld\"", (long long)JINT(r->json, "version")));
    r = api_get(tfmt(OPS "?joint=true&person_id=%lld", (long long)cmdr), ot.t_d_duty);
    EXPECT_STATUS(r, 200);
    assert_int_equal(json_array_size(items_of(r)), 1);
    assert_true(json_is_null(json_object_get(json_array_get(items_of(r), 0), "geometry")));
    r = api_get(tfmt(OPS "?with_geometry=true&person_id=%lld", (long long)cmdr), ot.t_d_duty);
    assert_true(json_is_object(json_object_get(json_array_get(items_of(r), 0), "geometry")));
    EXPECT_ERROR(api_get(OPS "?status=paused", ot.t_d_duty), 400, "malformed", "status");
    EXPECT_ERROR(api_get(OPS "?from=yesterday", ot.t_d_duty), 400, "malformed", "from");
    check_list_params(OPS, ot.t_d_duty);
}

static void test_operation_invalid_members(void **state)
{
    const struct bad_member cases[] = {
        {"kind", "\"raid\"", "kind", NULL},
        {"kind", NULL, "kind", NULL},
        {"domain", "\"air\"", "domain", NULL},
        {"title", "\"\"", "title", NULL},
        {"title", "5", "title", NULL},
        {"geometry", NULL, "geometry", NULL},
        {"geometry", "\"LINESTRING(1 2)\"", "geometry", NULL},
        {"geometry", "{\"type\":\"LineString\",\"coordinates\":[[106,10]]}", "geometry", NULL},
        {"geometry", "{\"type\":\"LineString\",\"coordinates\":[[106,95],[106,10]]}", "geometry",
         NULL},
        {"geometry", "{\"type\":\"LineString\",\"coordinates\":[[-200,10],[106,10]]}", "geometry",
         NULL},
        {"geometry",
         "{\"type\":\"Polygon\",\"coordinates\":[[[106,10],[106.1,10],[106.1,10.1],[106,10.1]]]}",
         "geometry", NULL},
        {"geometry", "{\"type\":\"Point\",\"coordinates\":[106,10]}", "geometry", NULL},
        {"planned_start", "\"tomorrow\"", "planned_start", NULL},
        {"planned_start", NULL, "planned_start", NULL},
        {"planned_end", "\"2020-01-01T00:00:00Z\"", "planned_end", NULL},
        {"unit_ids", "[987654321]", "unit_ids", NULL},
        {"unit_ids", "[\"x\"]", "unit_ids", NULL},
        {"people_ids", "[987654321]", "people_ids", NULL},
        {"commander_id", "987654321", "commander_id", NULL},
        {"asset_ids", "[987654321]", "asset_ids", NULL},
        {"classification", "\"top_secret\"", "classification", NULL}, /* above the planner's */
        {"classification", "\"cosmic\"", "classification", NULL},
        {"owner_unit_id", "987654321", "owner_unit_id", NULL},
        {"campaign_id", "12", "campaign_id", NULL},
        {"colour", "\"đỏ\"", "colour", NULL},
    };
    size_t before = count_all();
    (void)state;

    for (size_t i = 0; i < PH_NELEM(cases); i++)
        EXPECT_BAD_MEMBER(OPS, ot.t_d_duty, plan("Hợp lệ", 3 * DAY), &cases[i], i);
    /* A route of 20,000 points is fine; a geometry of more than 512 KiB is not
     * (the body limit answers first when the whole body is too big). */
    assert_int_equal(count_all(), before);
    EXPECT_ERROR(api_req("POST", OPS, ot.t_d_duty, "{\"kind\":", "application/json", NULL), 400,
                 "malformed", NULL);
    /* A viewer or a reporter does not plan. */
    EXPECT_ERROR(api_json("POST", OPS, ot.t_d_view, plan("Không được", 3 * DAY)), 403, "forbidden",
                 NULL);
    assert_int_equal(count_all(), before);
}

/* ---- conflicts ------------------------------------------------------------------------- */

static void test_operation_conflict(void **state)
{
    struct world *w = &g_srv->w;
    int64_t person = new_person(w->u_pd), a, other;
    json_t *b = plan("Ca tuần tra sáng", 5 * DAY), *e;
    struct resp *r;
    char *boat_code = tfmt("QS-%s", uniq_num());
    int64_t boat;
    size_t before;
    (void)state;

    json_object_set_new(b, "people_ids", json_pack("[I]", (json_int_t)person));
    a = mk_op(ot.t_d_duty, b);
    before = count_all();
    /* Two hours later, the same person: 409 naming the first. */
    b = plan("Ca tuần tra trưa", 5 * DAY + 2 * HOUR);
    json_object_set_new(b, "people_ids", json_pack("[I]", (json_int_t)person));
    r = api_json("POST", OPS, ot.t_d_duty, b);
    EXPECT_ERROR(r, 409, "conflict", "people_ids");
    e = json_object_get(r->json, "error");
    assert_int_equal(JINT(e, "conflict_operation_id"), a);
    assert_non_null(strstr(JSTR(e, "message"), tfmt("%lld", (long long)a)));
    assert_non_null(strstr(JSTR(e, "message"), "Ca tuần tra sáng"));
    assert_int_equal(count_all(), before);
    /* Right after it: fine. */
    b = plan("Ca tuần tra chiều", 5 * DAY + 4 * HOUR);
    json_object_set_new(b, "people_ids", json_pack("[I]", (json_int_t)person));
    other = mk_op(ot.t_d_duty, b);
    /* A vessel: the military's boat on two overlapping operations. */
    r = api_json("POST", ASSETS, ot.t_m_duty,
                 json_pack("{s:s, s:s, s:s}", "kind", "vessel", "code", boat_code, "name",
                           "Xuồng quân sự"));
    EXPECT_STATUS(r, 201);
    boat = JINT(r->json, "id");
    b = plan("Tuần tra đường sông", 6 * DAY);
    json_object_set_new(b, "domain", json_string("river"));
    json_object_set_new(b, "asset_ids", json_pack("[I]", (json_int_t)boat));
    a = mk_op(ot.t_m_duty, b);
    b = plan("Tuần tra đường sông 2", 6 * DAY + HOUR);
    json_object_set_new(b, "asset_ids", json_pack("[I]", (json_int_t)boat));
    r = api_json("POST", OPS, ot.t_d_duty, b);
    EXPECT_ERROR(r, 409, "conflict", "asset_ids");
    e = json_object_get(r->json, "error");
    /* The police district does not see the military's plan: neither its id nor
     * its title is told, only that the boat is busy. */
    assert_null(json_object_get(e, "conflict_operation_id"));
    assert_null(strstr(JSTR(e, "message"), tfmt("%lld", (long long)a)));
    assert_null(strstr(JSTR(e, "message"), "Tuần tra đường sông"));
    assert_non_null(strstr(JSTR(e, "message"), "một hoạt động khác"));
    /* PATCH onto the boat's time conflicts too, and changes nothing. */
    r = api_json("PATCH", op_path(other), ot.t_d_duty,
                 json_pack("{s:[I], s:s, s:s}", "asset_ids", (json_int_t)boat, "planned_start",
                           at(time_now_ms() + 6 * DAY), "planned_end",
                           at(time_now_ms() + 6 * DAY + HOUR)));
    EXPECT_ERROR(r, 409, "conflict", "asset_ids");
    r = api_get(op_path(other), ot.t_d_duty);
    assert_int_equal(json_array_size(json_object_get(r->json, "asset_ids")), 0);
    /* Cancelled, the first frees the boat. */
    EXPECT_STATUS(set_status(ot.t_m_duty, a, json_pack("{s:s, s:s}", "status", "cancelled", "reason",
                                                       "Nước lũ dâng cao")),
                  200);
    b = plan("Tuần tra đường sông 3", 6 * DAY + HOUR);
    json_object_set_new(b, "asset_ids", json_pack("[I]", (json_int_t)boat));
    (void)mk_op(ot.t_d_duty, b);
}

/* ---- workflow, PATCH ---------------------------------------------------------------------- */

static void test_operation_workflow(void **state)
{
    int64_t id = mk_op(ot.t_d_duty, plan("Tuần tra đêm", -HOUR)), v;
    struct resp *r;
    (void)state;

    EXPECT_ERROR(set_status(ot.t_d_duty, id, json_pack("{s:s}", "status", "completed")), 409,
                 "conflict", "status");
    EXPECT_ERROR(set_status(ot.t_d_duty, id, json_pack("{s:s}", "status", "paused")), 422,
                 "invalid", "status");
    EXPECT_ERROR(set_status(ot.t_d_duty, id, json_object()), 422, "invalid", "status");
    EXPECT_ERROR(set_status(ot.t_d_duty, id,
                            json_pack("{s:s, s:s}", "status", "active", "at",
                                      at(time_now_ms() + DAY))),
                 422, "invalid", "at");
    EXPECT_ERROR(set_status(ot.t_d_duty, id, json_pack("{s:s, s:i}", "status", "active", "at", 5)),
                 422, "invalid", "at");
    EXPECT_ERROR(set_status(ot.t_d_view, id, json_pack("{s:s}", "status", "active")), 403,
                 "forbidden", NULL);
    EXPECT_ERROR(set_status(ot.t_b_view, id, json_pack("{s:s}", "status", "active")), 404,
                 "not_found", NULL);
    r = set_status(ot.t_d_duty, id, json_pack("{s:s}", "status", "active"));
    EXPECT_STATUS(r, 200);
    assert_string_equal(JSTR(r->json, "status"), "active");
    assert_true(json_is_string(json_object_get(r->json, "started_at")));
    v = JINT(r->json, "version");
    /* PATCH with a stale If-Match: 412; with the current one: 200. */
    EXPECT_ERROR(api_json_h("PATCH", op_path(id), ot.t_d_duty,
                            json_pack("{s:s}", "title", "Tuần tra đêm (đổi)"),
                            tfmt("If-Match: \"%lld\"", (long long)(v - 1))),
                 412, "stale", NULL);
    r = api_json_h("PATCH", op_path(id), ot.t_d_duty, json_pack("{s:s}", "title", "Tuần tra khuya"),
                   tfmt("If-Match: \"%lld\"", (long long)v));
    EXPECT_STATUS(r, 200);
    assert_string_equal(JSTR(r->json, "title"), "Tuần tra khuya");
    assert_string_equal(JSTR(r->json, "status"), "active"); /* read-only members stay */
    EXPECT_ERROR(api_json("PATCH", op_path(id), ot.t_d_duty, json_pack("{s:s}", "kind", "raid")),
                 422, "invalid", "kind");
    EXPECT_ERROR(api_json("PATCH", op_path(id), ot.t_d_duty, json_pack("{s:i}", "colour", 1)), 422,
                 "invalid", "colour");
    r = set_status(ot.t_d_duty, id, json_pack("{s:s}", "status", "completed"));
    EXPECT_STATUS(r, 200);
    assert_string_equal(JSTR(r->json, "status"), "completed");
    EXPECT_ERROR(set_status(ot.t_d_duty, id,
                            json_pack("{s:s, s:s}", "status", "cancelled", "reason", "Muộn")),
                 409, "conflict", "status");
    EXPECT_ERROR(api_json("PATCH", op_path(id), ot.t_d_duty, json_pack("{s:s}", "title", "Sau")),
                 409, "conflict", "status");
    /* Cancelling needs a reason. */
    id = mk_op(ot.t_d_duty, plan("Tuần tra hủy", 8 * DAY));
    EXPECT_ERROR(set_status(ot.t_d_duty, id, json_pack("{s:s}", "status", "cancelled")), 422,
                 "invalid", "reason");
    r = set_status(ot.t_d_duty, id,
                   json_pack("{s:s, s:s}", "status", "cancelled", "reason", "Bão số 9"));
    EXPECT_STATUS(r, 200);
    assert_string_equal(JSTR(r->json, "cancel_reason"), "Bão số 9");
    EXPECT_ERROR(api_get(OPS "/987654321", ot.t_d_duty), 404, "not_found", NULL);
    EXPECT_ERROR(api_get(OPS "/abc", ot.t_d_duty), 404, "not_found", NULL);
}

/* ---- access ------------------------------------------------------------------------------- */

static void test_operation_access(void **state)
{
    struct world *w = &g_srv->w;
    json_t *b = plan("Tuần tra an ninh mật", 9 * DAY);
    int64_t id, joint;
    (void)state;

    json_object_set_new(b, "classification", json_string("confidential"));
    id = mk_op(ot.t_d_duty, b);
    /* A unit outside sees nothing; the district's own people and the province do. */
    EXPECT_ERROR(api_get(op_path(id), ot.t_m_duty), 404, "not_found", NULL);
    EXPECT_ERROR(api_get(op_path(id), ot.t_b_view), 404, "not_found", NULL);
    EXPECT_STATUS(api_get(op_path(id), ot.t_d_view), 200);
    EXPECT_STATUS(api_get(op_path(id), w->t_adm_pp), 200);
    EXPECT_ERROR(api_get(op_path(id), w->t_viewer), 404, "not_found", NULL); /* unclassified */
    assert_false(json_has_id(list_items(OPS "?limit=500", ot.t_m_duty), id));
    /* A participant's unit sees it, and the list says so too. */
    b = plan("Tuần tra phối hợp", 10 * DAY);
    json_object_set_new(b, "unit_ids", json_pack("[I]", (json_int_t)w->u_mp));
    joint = mk_op(ot.t_d_duty, b);
    EXPECT_STATUS(api_get(op_path(joint), ot.t_m_duty), 200);
    assert_true(json_has_id(list_items(OPS "?limit=500&joint=true", ot.t_m_duty), joint));
    assert_true(json_has_id(
        list_items(tfmt(OPS "?limit=500&unit_id=%lld", (long long)w->u_mp), ot.t_d_duty), joint));
    /* ... but does not change the plan. */
    EXPECT_ERROR(api_json("PATCH", op_path(joint), ot.t_m_duty, json_pack("{s:s}", "title", "X")),
                 403, "forbidden", NULL);
    EXPECT_ERROR(api_get(tfmt(OPS "/%lld/summary", (long long)id), ot.t_m_duty), 404, "not_found",
                 NULL);
    EXPECT_ERROR(api_get(tfmt(OPS "/%lld/log", (long long)id), ot.t_m_duty), 404, "not_found", NULL);
}

/* ---- the results log ---------------------------------------------------------------------- */

static void test_operation_log(void **state)
{
    int64_t id = mk_op(ot.t_d_duty, plan("Tuần tra có kết quả", -2 * HOUR)), inc;
    char *log = tfmt(OPS "/%lld/log", (long long)id);
    json_t *entry, *items;
    struct resp *r;
    (void)state;

    EXPECT_ERROR(api_json("POST", log, ot.t_d_duty, json_pack("{s:s}", "text", "Trước giờ")), 409,
                 "conflict", "status");
    EXPECT_STATUS(set_status(ot.t_d_duty, id,
                             json_pack("{s:s, s:s}", "status", "active", "at",
                                       at(time_now_ms() - 2 * HOUR))),
                  200);
    {
        static const struct {
            const char *body, *field;
        } bad[] = {
            {"{}", "text"},
            {"{\"text\":\"\"}", "text"},
            {"{\"text\":\"x\",\"location\":{\"lat\":95,\"lon\":106}}", "location"},
            {"{\"text\":\"x\",\"location\":{\"lat\":10}}", "location"},
            {"{\"text\":\"x\",\"people_checked\":-1}", "people_checked"},
            {"{\"text\":\"x\",\"vessels_checked\":\"3\"}", "vessels_checked"},
            {"{\"text\":\"x\",\"at\":\"2001-01-01T00:00:00Z\"}", "at"},
            {"{\"text\":\"x\",\"colour\":1}", "colour"},
            {"{\"text\":\"x\",\"incident\":5}", "incident"},
            {"{\"text\":\"x\",\"incident\":{\"category\":\"crime\",\"severity\":2}}",
             "incident.title"},
            {"{\"text\":\"x\",\"incident\":{\"category\":\"no_such\",\"severity\":2,\"title\":\"t\"}}",
             "incident.category"},
            {"{\"text\":\"x\",\"incident\":{\"category\":\"crime\",\"severity\":9,\"title\":\"t\"}}",
             "incident.severity"},
        };
        for (size_t i = 0; i < PH_NELEM(bad); i++) {
            r = api_req("POST", log, ot.t_d_duty, bad[i].body, "application/json", NULL);
            if (r->status != 422)
                print_error("case %zu\n", i);
            EXPECT_ERROR(r, 422, "invalid", bad[i].field);
        }
        assert_int_equal(json_array_size(list_items(log, ot.t_d_duty)), 0);
    }
    r = api_json("POST", log, ot.t_d_duty,
                 json_pack("{s:s, s:i, s:i, s:{s:f, s:f}}", "text", "Kiểm tra 5 người, 2 xe",
                           "people_checked", 5, "vehicles_checked", 2, "location", "lat", 10.2,
                           "lon", 106.7));
    EXPECT_STATUS(r, 201);
    assert_true(json_is_null(json_object_get(r->json, "incident_id")));
    /* With an incident: made in the same call, linked both ways. */
    r = api_json("POST", log, ot.t_d_duty,
                 json_pack("{s:s, s:i, s:s, s:{s:f, s:f}, s:{s:s, s:i, s:s}}", "text",
                           "Phát hiện xe chở gỗ lậu", "violations", 1, "items_seized",
                           "3 m³ gỗ", "location", "lat", 10.21, "lon", 106.71, "incident",
                           "category", "crime", "severity", 3, "title", "Vận chuyển gỗ lậu"));
    EXPECT_STATUS(r, 201);
    entry = r->json;
    inc = JINT(entry, "incident_id");
    r = api_get(tfmt("/api/v1/incidents/%lld", (long long)inc), ot.t_d_duty);
    EXPECT_STATUS(r, 200);
    assert_int_equal(JINT(r->json, "operation_id"), id);
    assert_int_equal(JINT(r->json, "operation_log_id"), JINT(entry, "id"));
    assert_true(JINT(r->json, "area_id") > 0); /* from the entry's location */
    /* The list in time order, paged; the summary. */
    r = api_get(tfmt("%s?limit=1", log), ot.t_d_duty);
    EXPECT_STATUS(r, 200);
    items = items_of(r);
    assert_int_equal(json_array_size(items), 1);
    assert_string_equal(JSTR(json_array_get(items, 0), "text"), "Kiểm tra 5 người, 2 xe");
    r = api_get(tfmt("%s?cursor=%s", log, JSTR(r->json, "next_cursor")), ot.t_d_duty);
    assert_int_equal(JINT(json_array_get(items_of(r), 0), "incident_id"), inc);
    r = api_get(tfmt(OPS "/%lld/summary", (long long)id), ot.t_d_duty);
    EXPECT_STATUS(r, 200);
    assert_int_equal(JINT(r->json, "entries"), 2);
    assert_int_equal(JINT(r->json, "people_checked"), 5);
    assert_int_equal(JINT(r->json, "violations"), 1);
    assert_int_equal(JINT(r->json, "incidents"), 1);
    assert_true(JINT(r->json, "duration_ms") >= 2 * HOUR);
    /* A viewer of the unit, not assigned, only reads. */
    EXPECT_ERROR(api_json("POST", log, ot.t_d_view, json_pack("{s:s}", "text", "x")), 403,
                 "forbidden", NULL);
}

/* ---- assets ------------------------------------------------------------------------------- */

static void test_operation_assets(void **state)
{
    char *code = tfmt("71A-%s", uniq_num());
    struct resp *r;
    int64_t id;
    (void)state;

    r = api_json("POST", ASSETS, ot.t_d_duty,
                 json_pack("{s:s, s:s, s:s}", "kind", "vehicle", "code", code, "name",
                           "Xe bán tải tuần tra"));
    EXPECT_STATUS(r, 201);
    id = JINT(r->json, "id");
    EXPECT_LOCATION(r, tfmt(ASSETS "/%lld", (long long)id));
    assert_int_equal(JINT(r->json, "unit_id"), g_srv->w.u_pd);
    EXPECT_STATUS(api_get(tfmt(ASSETS "/%lld", (long long)id), ot.t_b_view), 200);
    assert_true(json_has_id(list_items(tfmt(ASSETS "?kind=vehicle&q=%s", code), ot.t_b_view), id));
    EXPECT_ERROR(api_json("POST", ASSETS, ot.t_d_duty,
                          json_pack("{s:s, s:s, s:s}", "kind", "vehicle", "code", code, "name", "B")),
                 409, "conflict", "code");
    {
        const struct bad_member cases[] = {
            {"kind", "\"plane\"", "kind", NULL},   {"code", "\"\"", "code", NULL},
            {"name", NULL, "name", NULL},          {"unit_id", "987654321", "unit_id", NULL},
            {"colour", "1", "colour", NULL},
        };
        for (size_t i = 0; i < PH_NELEM(cases); i++)
            EXPECT_BAD_MEMBER(ASSETS, ot.t_d_duty,
                              json_pack("{s:s, s:s, s:s}", "kind", "vessel", "code",
                                        tfmt("X-%s", uniq_num()), "name", "Tàu"),
                              &cases[i], i);
    }
    EXPECT_ERROR(api_json("POST", ASSETS, ot.t_d_view,
                          json_pack("{s:s, s:s, s:s}", "kind", "vessel", "code", "V-1", "name", "T")),
                 403, "forbidden", NULL);
    r = api_json("PATCH", tfmt(ASSETS "/%lld", (long long)id), ot.t_d_duty,
                 json_pack("{s:b}", "is_active", 0));
    EXPECT_STATUS(r, 200);
    assert_false(json_is_true(json_object_get(r->json, "is_active")));
    assert_false(json_has_id(list_items(tfmt(ASSETS "?q=%s", code), ot.t_d_duty), id));
    assert_true(
        json_has_id(list_items(tfmt(ASSETS "?q=%s&include_inactive=true", code), ot.t_d_duty), id));
    EXPECT_ERROR(api_json("PATCH", tfmt(ASSETS "/%lld", (long long)id), ot.t_m_duty,
                          json_pack("{s:s}", "name", "Của quân sự")),
                 403, "forbidden", NULL);
}

/* ---- coverage ----------------------------------------------------------------------------- */

static json_t *cov_item(json_t *items, int64_t area)
{
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        if (JINT(it, "area_id") == area)
            return it;
    }
    return NULL;
}

static void test_operation_coverage(void **state)
{
    struct world *w = &g_srv->w;
    const char *adm = w->admin;
    char *x = uniq_word();
    int64_t now = time_now_ms();
    int64_t prov = mk_area(adm, uniq_num(), tfmt("Tỉnh %s", x), "province", "border", 0, NULL);
    int64_t dist = mk_area(adm, uniq_num(), tfmt("Huyện %s", x), "district", "border", prov, NULL);
    int64_t c1 = mk_area(adm, uniq_num(), tfmt("Xã Một %s", x), "commune", "border", dist,
                         geo_square(104.0, 22.0, 0.05));
    int64_t c2 = mk_area(adm, uniq_num(), tfmt("Xã Hai %s", x), "commune", "border", dist,
                         geo_square(104.2, 22.0, 0.05));
    char *from = at(now - 10 * DAY), *to = at(now);
    json_t *b, *it;
    struct resp *r;
    int64_t a;
    (void)state;

    b = json_pack("{s:s, s:s, s:s, s:{s:s, s:[f,f]}, s:s, s:s, s:[I]}", "kind", "checkpoint",
                  "domain", "land", "title", "Chốt biên giới", "geometry", "type", "Point",
                  "coordinates", 104.0, 22.0, "planned_start", at(now - 5 * DAY), "planned_end",
                  at(now - 5 * DAY + 4 * HOUR), "unit_ids", (json_int_t)w->u_mp);
    a = mk_op(ot.t_d_duty, b);
    EXPECT_STATUS(set_status(ot.t_d_duty, a,
                             json_pack("{s:s, s:s}", "status", "active", "at", at(now - 5 * DAY))),
                  200);
    EXPECT_STATUS(set_status(ot.t_d_duty, a,
                             json_pack("{s:s, s:s}", "status", "completed", "at",
                                       at(now - 5 * DAY + 4 * HOUR))),
                  200);
    r = api_get(tfmt("/api/v1/stats/coverage?from=%s&to=%s&gap_days=7&area_kind=border",
                     urlenc(from), urlenc(to)),
                ot.t_d_duty);
    EXPECT_STATUS(r, 200);
    assert_string_equal(JSTR(r->json, "area_level"), "commune");
    it = cov_item(json_object_get(r->json, "items"), c1);
    assert_non_null(it);
    assert_int_equal(JINT(it, "operations"), 1);
    assert_true(json_real_value(json_object_get(it, "hours")) == 4.0);
    assert_true(json_real_value(json_object_get(json_object_get(it, "hours_by_force"), "military")) ==
                4.0);
    assert_false(json_is_true(json_object_get(it, "gap_exceeded")));
    it = cov_item(json_object_get(r->json, "items"), c2);
    assert_int_equal(JINT(it, "operations"), 0);
    assert_true(json_is_true(json_object_get(it, "gap_exceeded")));
    assert_true(json_is_null(json_object_get(it, "last_covered_at")));
    /* By district; by force; what a unit outside may see. */
    r = api_get(tfmt("/api/v1/stats/coverage?from=%s&to=%s&area_level=district", urlenc(from),
                     urlenc(to)),
                ot.t_d_duty);
    assert_int_equal(JINT(cov_item(json_object_get(r->json, "items"), dist), "operations"), 1);
    r = api_get(tfmt("/api/v1/stats/coverage?from=%s&to=%s&force=border_guard", urlenc(from),
                     urlenc(to)),
                ot.t_d_duty);
    assert_int_equal(JINT(cov_item(json_object_get(r->json, "items"), c1), "operations"), 0);
    r = api_get(tfmt("/api/v1/stats/coverage?from=%s&to=%s", urlenc(from), urlenc(to)), ot.t_b_view);
    assert_int_equal(JINT(cov_item(json_object_get(r->json, "items"), c1), "operations"), 0);
    /* Bad parameters. */
    EXPECT_ERROR(api_get("/api/v1/stats/coverage?from=x", ot.t_d_duty), 400, "malformed", "from");
    EXPECT_ERROR(api_get("/api/v1/stats/coverage?gap_days=x", ot.t_d_duty), 400, "malformed",
                 "gap_days");
    EXPECT_ERROR(api_get("/api/v1/stats/coverage?gap_days=0", ot.t_d_duty), 422, "invalid",
                 "gap_days");
    EXPECT_ERROR(api_get("/api/v1/stats/coverage?area_level=hamlet", ot.t_d_duty), 422, "invalid",
                 "area_level");
    EXPECT_ERROR(api_get("/api/v1/stats/coverage?area_kind=lake", ot.t_d_duty), 422, "invalid",
                 "area_kind");
    EXPECT_ERROR(api_get("/api/v1/stats/coverage?force=navy", ot.t_d_duty), 422, "invalid", "force");
    EXPECT_ERROR(api_get(tfmt("/api/v1/stats/coverage?from=%s&to=%s", urlenc(to), urlenc(from)),
                         ot.t_d_duty),
                 422, "invalid", "to");
    EXPECT_ERROR(api_get(tfmt("/api/v1/stats/coverage?from=%s&to=%s",
                              urlenc(at(now - 500 * DAY)), urlenc(to)),
                         ot.t_d_duty),
                 422, "invalid", "to");
}

int run_operation_tests(void)
{
    const struct CMUnitTest tests[] = {
        T(test_operation_create_and_read), T(test_operation_invalid_members),
        T(test_operation_conflict),        T(test_operation_workflow),
        T(test_operation_access),          T(test_operation_log),
        T(test_operation_assets),          T(test_operation_coverage),
    };
    return cmocka_run_group_tests_name("operations", tests, ops_setup, ops_teardown);
}
