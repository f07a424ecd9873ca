/* test_incidents.c - /api/v1/incidents, /api/v1/inbox and /api/v1/stats/timeliness:
 * routing on creation (rules as data), reference numbers, 422 per member with
 * nothing half-written, Idempotency-Key replays, ETag/If-Match, the workflow
 * (status, transfer, merge), acknowledgement stages and refusal, the timeline,
 * the inbox, timeliness figures, search without diacritics, filters, cursor
 * paging, and who sees what on every read path.
 *
 * The tests share a "theatre" of their own, built once through the API: a
 * province with a district, an inland commune and a border commune (each with a
 * polygon, far from any other test's), and units of the three forces linked to
 * those areas, with people of several roles and clearances:
 *
 *   Công an tỉnh (u_ca_t)          commander, top_secret
 *     Công an huyện (u_ca_h)        duty officer secret; viewer unclassified
 *       Công an xã (u_ca_x)         reporter, confidential      (inland commune)
 *       Công an xã 2 (u_ca_x2)      reporter, confidential      (timeliness only)
 *   Bộ CHQS tỉnh (u_qs_t)           duty officer, confidential
 *   Bộ CH BĐBP tỉnh (u_bp_t)        duty officer, secret
 *     Đồn Biên phòng (u_bp_d)       duty officer, secret; commander secret (border commune)
 *
 * An incident in the border commune is led by the border post (the seeded border
 * belt rule); the police district (responsible for the district) and the
 * military province command are informed. A crime in the inland commune is led
 * by the commune police. */
#include "util/base.h"
#include <time.h>
#include "harness.h"

int run_incident_tests(void); /* the group, run by main.c */

#define INCIDENTS "/api/v1/incidents"
/* Points inside the theatre's communes (lon, lat). */
#define INLAND_LON 105.3
#define INLAND_LAT 9.3
#define BORDER_LON 105.7
#define BORDER_LAT 9.3
#define HOUR_S 3600

struct theatre {
    int built;
    int64_t a_prov, a_dist, a_comm, a_border;
    int64_t u_ca_t, u_ca_h, u_ca_x, u_ca_x2, u_qs_t, u_bp_t, u_bp_d;
    char *t_cmd_cat, *t_duty_cah, *t_view_cah, *t_rep_cax, *t_rep_cax2;
    char *t_duty_qst, *t_duty_bpt, *t_duty_bpd, *t_cmd_bpd;
    int64_t border_rule_id, crime_rule_id;
};

static struct theatre th;

/* ---- helpers ------------------------------------------------------------------------ */

static char *inc_path(int64_t id)
{
    return tfmt(INCIDENTS "/%lld", (long long)id);
}

static char *inc_sub(int64_t id, const char *what)
{
    return tfmt(INCIDENTS "/%lld/%s", (long long)id, what);
}

/* RFC 3339 UTC of now - seconds_ago (negative: in the future). */
static char *iso_ago(long seconds_ago)
{
    time_t t = time(NULL) - seconds_ago;
    struct tm tm;
    gmtime_r(&t, &tm);
    return tfmt("%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* A create request: category code, title, occurred ten minutes ago, at (lon, lat). */
static json_t *body_at(const char *category, const char *title, double lon, double lat)
{
    json_t *b = json_pack("{s:s, s:s, s:s}", "category", category, "title", title, "occurred_at",
                          iso_ago(600));
    json_object_set_new(b, "location", json_pack("{s:f, s:f}", "lat", lat, "lon", lon));
    return b;
}

static json_t *inland(const char *category, const char *title)
{
    return body_at(category, title, INLAND_LON, INLAND_LAT);
}

static json_t *border(const char *category, const char *title)
{
    return body_at(category, title, BORDER_LON, BORDER_LAT);
}

static int64_t mk_inc(const char *token, json_t *body)
{
    struct resp *r = api_json("POST", INCIDENTS, token, body);
    EXPECT_STATUS(r, 201);
    return JINT(r->json, "id");
}

/* GET the incident as token: fails unless 200. */
static json_t *get_inc(int64_t id, const char *token)
{
    struct resp *r = api_get(inc_path(id), token);
    EXPECT_STATUS(r, 200);
    return r->json;
}

/* The recipient row of unit_id in an incident, or NULL. */
static json_t *recipient_of(json_t *inc, int64_t unit_id)
{
    json_t *rows = json_object_get(inc, "recipients");
    size_t i;
    json_t *row;
    assert_true(json_is_array(rows));
    json_array_foreach (rows, i, row) {
        if (JINT(row, "unit_id") == unit_id)
            return row;
    }
    return NULL;
}

static int ids_has(json_t *arr, int64_t id)
{
    size_t i;
    json_t *v;
    json_array_foreach (arr, i, v) {
        if (json_is_integer(v) && json_integer_value(v) == id)
            return 1;
    }
    return 0;
}

/* The list at path (one page of up to 500) holds id. */
static int listed(const char *path, const char *token, int64_t id)
{
    return json_has_id(list_items(path, token), id);
}

static char *q_path(const char *words)
{
    return tfmt(INCIDENTS "?limit=500&q=%s", urlenc(words));
}

/* "PH-2026-000123": 2..8 of [A-Z0-9], the year in Vietnam now, six digits. */
static void check_ref(const char *ref)
{
    time_t t = time(NULL) + 7 * HOUR_S;
    struct tm tm;
    const char *dash = strchr(ref, '-');
    char year[16];
    gmtime_r(&t, &tm);
    snprintf(year, sizeof(year), "%04d", tm.tm_year + 1900);
    assert_non_null(dash);
    assert_in_range(dash - ref, 2, 8);
    for (const char *p = ref; p < dash; p++)
        assert_true((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'));
    assert_int_equal(strlen(dash), 1 + 4 + 1 + 6);
    assert_memory_equal(dash + 1, year, 4);
    assert_int_equal(dash[5], '-');
    for (int i = 6; i < 12; i++)
        assert_true(dash[i] >= '0' && dash[i] <= '9');
}

/* The id of the seeded rule whose name starts with prefix. */
static int64_t seeded_rule(const char *prefix)
{
    json_t *items = list_items("/api/v1/routing-rules?limit=500", th.t_cmd_cat);
    size_t i;
    json_t *r;
    json_array_foreach (items, i, r) {
        if (strncmp(JSTR(r, "name"), prefix, strlen(prefix)) == 0)
            return JINT(r, "id");
    }
    fail_msg("no routing rule named \"%s...\"", prefix);
    return 0;
}

/* ---- the theatre -------------------------------------------------------------------- */

static char *person_token(int64_t unit, const char *role, const char *clearance)
{
    char *user = NULL;
    (void)mk_person(g_srv->w.admin, unit, role, clearance, &user);
    char *t = strdup(login_ok(user, H_PASSWORD));
    if (t == NULL)
        abort();
    return t;
}

static void theatre_build(void)
{
    const char *adm = g_srv->w.admin;
    char *x = uniq_word();

    if (th.built)
        return;
    th.a_prov =
        mk_area(adm, uniq_num(), tfmt("Tỉnh Thử nghiệm %s", x), "province", "coastal", 0, NULL);
    th.a_dist = mk_area(adm, uniq_num(), tfmt("Huyện Biên Giới %s", x), "district", "inland",
                        th.a_prov, geo_square(105.5, 9.3, 0.4));
    th.a_comm = mk_area(adm, uniq_num(), tfmt("Xã Nội Địa %s", x), "commune", "inland", th.a_dist,
                        geo_square(INLAND_LON, INLAND_LAT, 0.05));
    th.a_border = mk_area(adm, uniq_num(), tfmt("Xã Biên Giới %s", x), "commune", "border",
                          th.a_dist, geo_square(BORDER_LON, BORDER_LAT, 0.05));
    th.u_ca_t = mk_unit(adm, tfmt("CA-T-%s", x), tfmt("Công an tỉnh %s", x), "police", "province",
                        0, th.a_prov);
    th.u_ca_h = mk_unit(adm, tfmt("CA-H-%s", x), tfmt("Công an huyện %s", x), "police", "district",
                        th.u_ca_t, th.a_dist);
    th.u_ca_x = mk_unit(adm, tfmt("CA-X-%s", x), tfmt("Công an xã %s", x), "police", "commune",
                        th.u_ca_h, th.a_comm);
    th.u_ca_x2 = mk_unit(adm, tfmt("CA-X2-%s", x), tfmt("Công an xã %s hai", x), "police",
                         "commune", th.u_ca_h, 0);
    th.u_qs_t = mk_unit(adm, tfmt("QS-T-%s", x), tfmt("Bộ CHQS tỉnh %s", x), "military", "province",
                        0, th.a_prov);
    th.u_bp_t = mk_unit(adm, tfmt("BP-T-%s", x), tfmt("Bộ CH BĐBP tỉnh %s", x), "border_guard",
                        "province", 0, th.a_prov);
    th.u_bp_d = mk_unit(adm, tfmt("BP-D-%s", x), tfmt("Đồn Biên phòng %s", x), "border_guard",
                        "district", th.u_bp_t, th.a_border);
    th.t_cmd_cat = person_token(th.u_ca_t, "commander", "top_secret");
    th.t_duty_cah = person_token(th.u_ca_h, "duty_officer", "secret");
    th.t_view_cah = person_token(th.u_ca_h, "viewer", "unclassified");
    th.t_rep_cax = person_token(th.u_ca_x, "reporter", "confidential");
    th.t_rep_cax2 = person_token(th.u_ca_x2, "reporter", "confidential");
    th.t_duty_qst = person_token(th.u_qs_t, "duty_officer", "confidential");
    th.t_duty_bpt = person_token(th.u_bp_t, "duty_officer", "secret");
    th.t_duty_bpd = person_token(th.u_bp_d, "duty_officer", "secret");
    th.t_cmd_bpd = person_token(th.u_bp_d, "commander", "secret");
    th.border_rule_id = seeded_rule("Vành đai biên giới");
    th.crime_rule_id = seeded_rule("Tội phạm hình sự");
    th.built = 1;
}

static void theatre_release(void)
{
    char **toks[] = {&th.t_cmd_cat,  &th.t_duty_cah, &th.t_view_cah, &th.t_rep_cax, &th.t_rep_cax2,
                     &th.t_duty_qst, &th.t_duty_bpt, &th.t_duty_bpd, &th.t_cmd_bpd};
    for (size_t i = 0; i < PH_NELEM(toks); i++) {
        free(*toks[i]);
        *toks[i] = NULL;
    }
    th.built = 0;
}

static int incidents_setup(void **state)
{
    int rc = h_group_setup(state);
    if (rc == 0)
        theatre_build();
    h_gc(NULL);
    return rc;
}

static int incidents_teardown(void **state)
{
    (void)state;
    theatre_release();
    return h_gc(NULL);
}

/* ---- creation and routing ------------------------------------------------------------- */

static void test_incident_create_border_routing(void **state)
{
    char *w = uniq_word();
    struct resp *r;
    json_t *inc, *row;
    int64_t id;
    (void)state;

    r = api_json("POST", INCIDENTS, th.t_rep_cax,
                 border("smuggling", tfmt("Buôn lậu thuốc lá qua biên giới %s", w)));
    EXPECT_STATUS(r, 201);
    inc = r->json;
    id = JINT(inc, "id");
    EXPECT_LOCATION(r, inc_path(id));
    assert_string_equal(resp_header(r, "ETag"), "\"1\"");
    check_ref(JSTR(inc, "ref"));
    assert_string_equal(JSTR(inc, "category"), "smuggling");
    assert_true(JINT(inc, "category_id") > 0);
    assert_in_range(JINT(inc, "severity"), 1, 4); /* the category's default */
    assert_string_equal(JSTR(inc, "status"), "new");
    assert_string_equal(JSTR(inc, "cap_status"), "actual");
    assert_string_equal(JSTR(inc, "classification"), "unclassified");
    assert_int_equal(JINT(inc, "version"), 1);
    /* Routing as data: the border belt rule makes the border post lead. */
    assert_int_equal(JINT(inc, "area_id"), th.a_border);
    assert_int_equal(JINT(inc, "reporting_unit_id"), th.u_ca_x);
    assert_int_equal(JINT(inc, "lead_unit_id"), th.u_bp_d);
    assert_string_equal(JSTR(inc, "lead_force"), "border_guard");
    assert_int_equal(JINT(inc, "rule_id"), th.border_rule_id);
    assert_true(ids_has(json_object_get(inc, "informed_unit_ids"), th.u_ca_h));
    assert_true(ids_has(json_object_get(inc, "informed_unit_ids"), th.u_qs_t));
    assert_non_null(JSTR(inc, "reported_at"));
    assert_non_null(JSTR(inc, "report_due_at"));
    assert_true(json_is_false(json_object_get(inc, "report_late")));
    assert_true(json_is_false(json_object_get(inc, "overdue")));
    assert_true(json_is_null(json_object_get(inc, "merged_into_id")));
    {
        json_t *loc = json_object_get(inc, "location");
        assert_true(json_is_object(loc));
        assert_true(json_number_value(json_object_get(loc, "lat")) == BORDER_LAT);
        assert_true(json_number_value(json_object_get(loc, "lon")) == BORDER_LON);
        /* Printed as entered, not as %.17g's 9.3000000000000007. */
        assert_non_null(strstr(r->body, "\"location\":{\"lat\":9.3,\"lon\":105.7}"));
    }
    /* Recipients: the lead with both deadlines, the informed units, the reporter. */
    assert_int_equal(json_array_size(json_object_get(inc, "recipients")), 4);
    row = recipient_of(inc, th.u_bp_d);
    assert_non_null(row);
    assert_string_equal(JSTR(row, "role"), "lead");
    assert_string_equal(JSTR(row, "force"), "border_guard");
    assert_non_null(JSTR(row, "sent_at"));
    assert_non_null(JSTR(row, "ack_due_at"));
    assert_non_null(JSTR(row, "verify_due_at"));
    assert_true(json_is_null(json_object_get(row, "received_at")));
    row = recipient_of(inc, th.u_ca_h);
    assert_non_null(row);
    assert_string_equal(JSTR(row, "role"), "informed");
    assert_non_null(JSTR(row, "ack_due_at"));
    row = recipient_of(inc, th.u_qs_t);
    assert_non_null(row);
    assert_string_equal(JSTR(row, "role"), "informed");
    row = recipient_of(inc, th.u_ca_x);
    assert_non_null(row);
    assert_string_equal(JSTR(row, "role"), "reporting");

    /* Read back by id and by reference number, by the lead. */
    r = api_get(inc_path(id), th.t_duty_bpd);
    assert_non_null(strstr(r->body, "\"location\":{\"lat\":9.3,\"lon\":105.7}"));
    EXPECT_STATUS(r, 200);
    assert_string_equal(resp_header(r, "ETag"), "\"1\"");
    assert_int_equal(json_array_size(json_object_get(r->json, "recipients")), 4);
    r = api_get(tfmt(INCIDENTS "/%s", JSTR(inc, "ref")), th.t_duty_bpd);
    EXPECT_STATUS(r, 200);
    assert_int_equal(JINT(r->json, "id"), id);
    /* References are never reused: the next one is another number. */
    {
        json_t *next = json_object_get(
            api_json("POST", INCIDENTS, th.t_rep_cax, border("smuggling", tfmt("Lần hai %s", w)))
                ->json,
            "ref");
        assert_true(json_is_string(next));
        check_ref(json_string_value(next));
        assert_string_not_equal(json_string_value(next), JSTR(inc, "ref"));
    }
}

/* Migration 006: defensive-zone matters are led by the Military Command, the other
 * two forces informed (MISSION.md's routing defaults). */
static void test_incident_create_defensive_zone_military_leads(void **state)
{
    struct resp *r;
    json_t *inc;
    (void)state;

    r = api_json("POST", INCIDENTS, th.t_rep_cax,
                 inland("defensive_zone", tfmt("Xâm phạm công trình phòng thủ %s", uniq_word())));
    EXPECT_STATUS(r, 201);
    inc = r->json;
    assert_string_equal(JSTR(inc, "category"), "defensive_zone");
    assert_string_equal(JSTR(inc, "lead_force"), "military");
    assert_string_equal(JSTR(recipient_of(inc, JINT(inc, "lead_unit_id")), "force"), "military");
    assert_string_equal(JSTR(recipient_of(inc, th.u_bp_t), "role"), "informed");
    assert_string_equal(JSTR(recipient_of(inc, th.u_ca_x), "role"), "reporting");
}

static void test_incident_create_inland_reporter_leads(void **state)
{
    char *w = uniq_word();
    /* The title in NFD (decomposed marks): stored and answered in NFC. */
    json_t *b = inland("crime", tfmt("Bie\xcc\x82n pho\xcc\x80ng %s", w));
    struct resp *r;
    json_t *inc, *row;
    (void)state;

    json_object_set_new(b, "description", json_string("Đối tượng Đặng Thạch, 35 tuổi"));
    json_object_set_new(b, "people_involved", json_integer(3));
    json_object_set_new(b, "vehicles_involved", json_integer(1));
    json_object_set_new(b, "casualties_injured", json_integer(2));
    json_object_set_new(b, "damage", json_string("Thiệt hại khoảng 20 triệu đồng"));
    json_object_set_new(b, "classification", json_string("confidential"));
    json_object_set_new(b, "severity", json_integer(3));
    r = api_json("POST", INCIDENTS, th.t_rep_cax, b);
    EXPECT_STATUS(r, 201);
    inc = r->json;
    assert_string_equal(JSTR(inc, "title"), tfmt("Biên phòng %s", w));
    assert_string_equal(JSTR(inc, "description"), "Đối tượng Đặng Thạch, 35 tuổi");
    assert_int_equal(JINT(inc, "people_involved"), 3);
    assert_int_equal(JINT(inc, "vehicles_involved"), 1);
    assert_int_equal(JINT(inc, "vessels_involved"), 0);
    assert_int_equal(JINT(inc, "casualties_dead"), 0);
    assert_int_equal(JINT(inc, "casualties_injured"), 2);
    assert_string_equal(JSTR(inc, "classification"), "confidential");
    assert_int_equal(JINT(inc, "severity"), 3);
    /* No detection time given: detected when it occurred. */
    assert_string_equal(JSTR(inc, "detected_at"), JSTR(inc, "occurred_at"));
    /* The crime rule: the commune police leads, which is the reporter's own unit,
     * so the incident is acknowledged at once. */
    assert_int_equal(JINT(inc, "area_id"), th.a_comm);
    assert_int_equal(JINT(inc, "lead_unit_id"), th.u_ca_x);
    assert_int_equal(JINT(inc, "rule_id"), th.crime_rule_id);
    assert_string_equal(JSTR(inc, "status"), "acknowledged");
    row = recipient_of(inc, th.u_ca_x);
    assert_string_equal(JSTR(row, "role"), "lead");
    assert_non_null(JSTR(row, "received_at"));
    assert_non_null(recipient_of(inc, th.u_qs_t));
    assert_non_null(recipient_of(inc, th.u_bp_t));

    /* Every read of a classified incident is in the audit log before it is
     * answered (by id and by reference); a refused read and an unclassified one
     * add nothing. */
    {
        int64_t id = JINT(inc, "id");
        const char *ref = JSTR(inc, "ref");
        long before = -1, after = -1;
        assert_int_equal(srv_audit_verify(g_srv, &before), 0);
        EXPECT_STATUS(api_get(inc_path(id), th.t_rep_cax), 200);
        EXPECT_STATUS(api_get(tfmt("%s/%s", INCIDENTS, ref), th.t_rep_cax), 200);
        assert_int_equal(srv_audit_verify(g_srv, &after), 0);
        assert_int_equal(after, before + 2);
        EXPECT_STATUS(api_get(inc_path(id), th.t_view_cah), 404); /* below its clearance */
        assert_int_equal(srv_audit_verify(g_srv, &before), 0);
        assert_int_equal(before, after);

        /* Every other answer that shows it is audited as well: a list (a search), the
         * timeline, the acknowledgements, the inbox; one entry each. */
        r = api_get(tfmt("%s?q=%s", INCIDENTS, w), th.t_rep_cax);
        EXPECT_STATUS(r, 200);
        assert_int_equal(json_array_size(json_object_get(r->json, "items")), 1);
        EXPECT_STATUS(api_get(tfmt("%s/timeline", inc_path(id)), th.t_rep_cax), 200);
        EXPECT_STATUS(api_get(tfmt("%s/acknowledgements", inc_path(id)), th.t_rep_cax), 200);
        assert_int_equal(srv_audit_verify(g_srv, &after), 0);
        assert_int_equal(after, before + 3);
        /* ... and a list that does not show it adds nothing. */
        r = api_get(tfmt("%s?q=%s", INCIDENTS, w), th.t_view_cah);
        EXPECT_STATUS(r, 200);
        assert_int_equal(json_array_size(json_object_get(r->json, "items")), 0);
        assert_int_equal(srv_audit_verify(g_srv, &before), 0);
        assert_int_equal(before, after);
    }
}

/* ---- bad input ------------------------------------------------------------------------- */

static void test_incident_invalid_members(void **state)
{
    char *long_title = tfmt("%0301d", 0);
    char *long_desc = tfmt("%032769d", 0);
    const struct bad_member cases[] = {
        {"category", "\"khong_co\"", "category", NULL},
        {"category", "7", "category", NULL},
        {"category_id", "987654321", "category_id", NULL},
        {"severity", "5", "severity", NULL},
        {"severity", "-1", "severity", NULL},
        {"severity", "\"3\"", "severity", NULL},
        {"severity", "2.5", "severity", NULL},
        {"location", "{\"lat\": 91, \"lon\": 105.3}", "location", NULL},
        {"location", "{\"lat\": 9.3, \"lon\": 181}", "location", NULL},
        {"location", "{\"lat\": 9.3}", "location", NULL},
        {"location", "[105.3, 9.3]", "location", NULL},
        {"location", "{\"lat\": \"9.3\", \"lon\": 105.3}", "location", NULL},
        {"occurred_at", "\"2099-01-01T00:00:00Z\"", "occurred_at", NULL},
        {"occurred_at", "\"hôm qua\"", "occurred_at", NULL},
        {"occurred_at", "\"2026-02-30T00:00:00Z\"", "occurred_at", NULL},
        {"occurred_at", "1764000000000", "occurred_at", NULL},
        {"occurred_at", NULL, "occurred_at", NULL},
        {"detected_at", "\"2020-01-01T00:00:00Z\"", "detected_at", NULL},
        {"detected_at", "\"2099-01-01T00:00:00+07:00\"", "detected_at", NULL},
        {"title", tfmt("\"%s\"", long_title), "title", NULL},
        {"title", "\"   \"", "title", NULL},
        {"title", "\"a\\u0001b\"", "title", NULL},
        {"title", "5", "title", NULL},
        {"title", NULL, "title", NULL},
        {"description", tfmt("\"%s\"", long_desc), "description", NULL},
        {"classification", "\"very_secret\"", "classification", NULL},
        {"classification", "\"top_secret\"", "classification", NULL}, /* above the reporter's */
        {"cap_status", "\"drill\"", "cap_status", NULL},
        {"people_involved", "-1", "people_involved", NULL},
        {"vessels_involved", "2000000", "vessels_involved", NULL},
        {"casualties_dead", "\"2\"", "casualties_dead", NULL},
        {"damage", "7", "damage", NULL},
        {"area_id", "987654321", "area_id", NULL},
        {"area_id", "0", "area_id", NULL},
        {"informed_unit_ids", "[987654321]", "informed_unit_ids", NULL},
        {"informed_unit_ids", "\"1\"", "informed_unit_ids", NULL},
        {"reporting_unit_id", "987654321", "reporting_unit_id", NULL},
        {"colour", "\"red\"", "colour", NULL},
    };
    char *w = uniq_word();
    const char *adm = g_srv->w.admin;
    size_t before =
        list_count(tfmt(INCIDENTS "?limit=500&unit_id=%lld", (long long)th.u_ca_x), adm);
    (void)state;

    for (size_t i = 0; i < PH_NELEM(cases); i++)
        EXPECT_BAD_MEMBER(INCIDENTS, th.t_rep_cax, inland("crime", tfmt("Vụ %s", w)), &cases[i], i);
    /* Not valid UTF-8 (a lone lead byte): the body is malformed. */
    {
        char *raw = tfmt("{\"category\":\"crime\",\"title\":\"V\xe1 %s\",\"occurred_at\":\"%s\"}",
                         w, iso_ago(60));
        EXPECT_ERROR(api_req("POST", INCIDENTS, th.t_rep_cax, raw, "application/json", NULL), 400,
                     "malformed", NULL);
        EXPECT_ERROR(api_req("POST", INCIDENTS, th.t_rep_cax, "[1]", "application/json", NULL), 400,
                     "malformed", NULL);
    }
    /* Nothing was written by any of them. */
    assert_int_equal(list_count(q_path(w), adm), 0);
    assert_int_equal(
        list_count(tfmt(INCIDENTS "?limit=500&unit_id=%lld", (long long)th.u_ca_x), adm), before);
}

static void test_incident_create_refused(void **state)
{
    char *w = uniq_word();
    json_t *b;
    (void)state;

    /* A viewer files nothing; a reporter files for its own unit (or below) only;
     * an administrator runs the directory, not the operations. */
    EXPECT_ERROR(api_json("POST", INCIDENTS, th.t_view_cah, inland("crime", tfmt("A %s", w))), 403,
                 "forbidden", NULL);
    b = inland("crime", tfmt("B %s", w));
    json_object_set_new(b, "reporting_unit_id", json_integer(th.u_bp_d));
    EXPECT_ERROR(api_json("POST", INCIDENTS, th.t_rep_cax, b), 403, "forbidden", NULL);
    EXPECT_ERROR(api_json("POST", INCIDENTS, g_srv->w.t_adm_pd, inland("crime", tfmt("C %s", w))),
                 403, "forbidden", NULL);
    EXPECT_ERROR(api_json("POST", INCIDENTS, NULL, inland("crime", tfmt("D %s", w))), 401,
                 "unauthenticated", NULL);
    assert_int_equal(list_count(q_path(w), g_srv->w.admin), 0);
    /* A duty officer above the reporting unit may file for it. */
    b = inland("crime", tfmt("E %s", w));
    json_object_set_new(b, "reporting_unit_id", json_integer(th.u_ca_x));
    {
        struct resp *r = api_json("POST", INCIDENTS, th.t_duty_cah, b);
        EXPECT_STATUS(r, 201);
        assert_int_equal(JINT(r->json, "reporting_unit_id"), th.u_ca_x);
    }
}

/* ---- Idempotency-Key ---------------------------------------------------------------------- */

static void test_incident_idempotency(void **state)
{
    char *w = uniq_word();
    char *key = tfmt("Idempotency-Key: bao-cao-%s-1", w);
    char *occurred = iso_ago(900);
    char *title = tfmt("Cháy kho hàng %s", w);
    struct resp *r;
    int64_t id;
    (void)state;

    r = api_json_h("POST", INCIDENTS, th.t_rep_cax,
                   json_pack("{s:s, s:s, s:s, s:i}", "category", "fire_explosion", "title", title,
                             "occurred_at", occurred, "severity", 2),
                   key);
    EXPECT_STATUS(r, 201);
    id = JINT(r->json, "id");
    assert_null(resp_header(r, "Idempotent-Replayed"));

    /* The retry of a flaky link: the same incident, 200, marked as a replay. */
    r = api_json_h("POST", INCIDENTS, th.t_rep_cax,
                   json_pack("{s:s, s:s, s:s, s:i}", "category", "fire_explosion", "title", title,
                             "occurred_at", occurred, "severity", 2),
                   key);
    EXPECT_STATUS(r, 200);
    assert_int_equal(JINT(r->json, "id"), id);
    assert_string_equal(resp_header(r, "Idempotent-Replayed"), "true");
    assert_string_equal(resp_header(r, "ETag"), "\"1\"");
    EXPECT_LOCATION(r, inc_path(id));
    /* Members in another order and other white space are the same request. */
    r = api_req("POST", INCIDENTS, th.t_rep_cax,
                tfmt("{ \"severity\": 2, \"occurred_at\": \"%s\", \"title\": \"%s\",\n"
                     "  \"category\": \"fire_explosion\" }",
                     occurred, title),
                "application/json", key);
    EXPECT_STATUS(r, 200);
    assert_int_equal(JINT(r->json, "id"), id);
    assert_int_equal(list_count(q_path(w), th.t_rep_cax), 1);

    /* The key again with another body: a conflict, and nothing written. */
    EXPECT_ERROR(api_json_h("POST", INCIDENTS, th.t_rep_cax,
                            json_pack("{s:s, s:s, s:s, s:i}", "category", "fire_explosion", "title",
                                      title, "occurred_at", occurred, "severity", 3),
                            key),
                 409, "conflict", "Idempotency-Key");
    assert_int_equal(list_count(q_path(w), th.t_rep_cax), 1);
    {
        json_t *g = get_inc(id, th.t_rep_cax);
        assert_int_equal(JINT(g, "severity"), 2);
        assert_int_equal(JINT(g, "version"), 1);
    }

    /* Keys are per person: another person's identical key makes its own incident. */
    r = api_json_h("POST", INCIDENTS, th.t_duty_cah,
                   json_pack("{s:s, s:s, s:s, s:i}", "category", "fire_explosion", "title", title,
                             "occurred_at", occurred, "severity", 2),
                   key);
    EXPECT_STATUS(r, 201);
    assert_true(JINT(r->json, "id") != id);

    /* Malformed keys: too long, not printable ASCII. */
    EXPECT_ERROR(api_json_h("POST", INCIDENTS, th.t_rep_cax, inland("crime", tfmt("X %s", w)),
                            tfmt("Idempotency-Key: %0201d", 7)),
                 400, "malformed", "Idempotency-Key");
    EXPECT_ERROR(api_json_h("POST", INCIDENTS, th.t_rep_cax, inland("crime", tfmt("Y %s", w)),
                            "Idempotency-Key: khóa-1"),
                 400, "malformed", "Idempotency-Key");
    /* A key of the maximum length is fine. */
    EXPECT_STATUS(api_json_h("POST", INCIDENTS, th.t_rep_cax, inland("crime", tfmt("Z %s", w)),
                             tfmt("Idempotency-Key: %s%0194d", w, 1)),
                  201);
    /* Without a key, two posts are two incidents. */
    (void)mk_inc(th.t_rep_cax, inland("crime", tfmt("Trùng %s", w)));
    (void)mk_inc(th.t_rep_cax, inland("crime", tfmt("Trùng %s", w)));
    assert_int_equal(list_count(q_path(tfmt("trung %s", w)), th.t_rep_cax), 2);
    assert_int_equal(list_count(q_path(w), g_srv->w.admin), 5);
}

/* ---- versions ---------------------------------------------------------------------------- */

static void test_incident_etag_patch(void **state)
{
    char *w = uniq_word();
    int64_t id = mk_inc(th.t_rep_cax, inland("crime", tfmt("Trộm cắp tài sản %s", w)));
    char *path = inc_path(id);
    struct resp *r;
    json_t *g;
    (void)state;

    r = api_get(path, th.t_duty_cah);
    EXPECT_STATUS(r, 200);
    assert_string_equal(resp_header(r, "ETag"), "\"1\"");

    r = api_json_h("PATCH", path, th.t_duty_cah,
                   json_pack("{s:i, s:s}", "severity", 4, "title", tfmt("Trộm cắp xe máy %s", w)),
                   "If-Match: \"1\"");
    EXPECT_STATUS(r, 200);
    assert_string_equal(resp_header(r, "ETag"), "\"2\"");
    assert_int_equal(JINT(r->json, "version"), 2);
    assert_int_equal(JINT(r->json, "severity"), 4);
    assert_string_equal(JSTR(r->json, "title"), tfmt("Trộm cắp xe máy %s", w));
    assert_int_equal(json_array_size(json_object_get(r->json, "recipients")), 3);

    /* Stale by header or by body: 412 and nothing changes. */
    EXPECT_ERROR(api_json_h("PATCH", path, th.t_duty_cah, json_pack("{s:i}", "severity", 1),
                            "If-Match: \"1\""),
                 412, "stale", NULL);
    EXPECT_ERROR(api_json("PATCH", path, th.t_duty_cah,
                          json_pack("{s:i, s:i}", "severity", 1, "version", 1)),
                 412, "stale", NULL);
    EXPECT_ERROR(api_json_h("PATCH", path, th.t_duty_cah, json_pack("{s:i}", "severity", 1),
                            "If-Match: abc"),
                 400, "malformed", "If-Match");
    g = get_inc(id, th.t_duty_cah);
    assert_int_equal(JINT(g, "version"), 2);
    assert_int_equal(JINT(g, "severity"), 4);

    /* What a client read may be sent back: read-only and fixed members are ignored. */
    {
        json_t *back = json_deep_copy(g);
        json_object_set_new(back, "status", json_string("closed"));
        json_object_set_new(back, "lead_unit_id", json_integer(th.u_bp_d));
        json_object_set_new(back, "reporting_unit_id", json_integer(th.u_ca_h));
        json_object_set_new(back, "ref", json_string("XX-1999-000001"));
        json_object_set_new(back, "severity", json_integer(3));
        r = api_json("PATCH", path, th.t_duty_cah, back);
        EXPECT_STATUS(r, 200);
        assert_int_equal(JINT(r->json, "severity"), 3);
        assert_string_equal(JSTR(r->json, "status"), "acknowledged");
        assert_int_equal(JINT(r->json, "lead_unit_id"), th.u_ca_x);
        assert_int_equal(JINT(r->json, "reporting_unit_id"), th.u_ca_x);
        assert_string_equal(JSTR(r->json, "ref"), JSTR(g, "ref"));
        assert_int_equal(JINT(r->json, "version"), 3);
    }
    /* The category by code; unknown codes and members name the field. */
    r = api_json("PATCH", path, th.t_duty_cah, json_pack("{s:s}", "category", "drugs"));
    EXPECT_STATUS(r, 200);
    assert_string_equal(JSTR(r->json, "category"), "drugs");
    EXPECT_ERROR(api_json("PATCH", path, th.t_duty_cah, json_pack("{s:s}", "category", "khong_co")),
                 422, "invalid", "category");
    EXPECT_ERROR(api_json("PATCH", path, th.t_duty_cah, json_pack("{s:i}", "colour", 1)), 422,
                 "invalid", "colour");
    EXPECT_ERROR(api_json("PATCH", path, th.t_duty_cah, json_pack("{s:i}", "severity", 9)), 422,
                 "invalid", "severity");
    EXPECT_ERROR(api_json("PATCH", path, th.t_duty_cah,
                          json_pack("{s:{s:i, s:i}}", "location", "lat", 95, "lon", 1)),
                 422, "invalid", "location");
    /* Who may not change it: a reporter (role), an informed force (unit), and
     * someone who cannot even see it (404). */
    EXPECT_ERROR(api_json("PATCH", path, th.t_rep_cax, json_pack("{s:i}", "severity", 1)), 403,
                 "forbidden", NULL);
    EXPECT_ERROR(api_json("PATCH", path, th.t_duty_qst, json_pack("{s:i}", "severity", 1)), 403,
                 "forbidden", NULL);
    EXPECT_ERROR(api_json("PATCH", path, g_srv->w.t_duty, json_pack("{s:i}", "severity", 1)), 404,
                 "not_found", NULL);
    g = get_inc(id, th.t_duty_cah);
    assert_int_equal(JINT(g, "version"), 4);
    assert_string_equal(JSTR(g, "category"), "drugs");
    assert_int_equal(JINT(g, "severity"), 3);
    EXPECT_ERROR(
        api_json("PATCH", INCIDENTS "/987654321", th.t_duty_cah, json_pack("{s:i}", "severity", 1)),
        404, "not_found", NULL);
}

/* ---- workflow ---------------------------------------------------------------------------- */

static struct resp *post_status(int64_t id, const char *token, const char *status,
                                const char *if_match)
{
    json_t *b = status != NULL ? json_pack("{s:s, s:s}", "status", status, "note", "Ghi chú")
                               : json_object();
    return api_json_h("POST", inc_sub(id, "status"), token, b,
                      if_match != NULL ? tfmt("If-Match: \"%s\"", if_match) : NULL);
}

static void test_incident_status_workflow(void **state)
{
    char *w = uniq_word();
    int64_t id = mk_inc(th.t_rep_cax, inland("public_order", tfmt("Gây rối trật tự %s", w)));
    struct resp *r;
    (void)state;

    r = post_status(id, th.t_duty_cah, "responding", "1");
    EXPECT_STATUS(r, 200);
    assert_string_equal(JSTR(r->json, "status"), "responding");
    assert_int_equal(JINT(r->json, "version"), 2);
    assert_string_equal(resp_header(r, "ETag"), "\"2\"");
    /* Transitions the workflow does not have. */
    EXPECT_ERROR(post_status(id, th.t_duty_cah, "closed", NULL), 409, "conflict", "status");
    EXPECT_ERROR(post_status(id, th.t_duty_cah, "acknowledged", NULL), 409, "conflict", "status");
    EXPECT_ERROR(post_status(id, th.t_duty_cah, "merged", NULL), 409, "conflict", "status");
    EXPECT_ERROR(post_status(id, th.t_duty_cah, "bogus", NULL), 422, "invalid", "status");
    EXPECT_ERROR(post_status(id, th.t_duty_cah, NULL, NULL), 422, "invalid", "status");
    EXPECT_ERROR(api_json("POST", inc_sub(id, "status"), th.t_duty_cah,
                          json_pack("{s:s, s:i}", "status", "resolved", "colour", 1)),
                 422, "invalid", "colour");
    EXPECT_ERROR(post_status(id, th.t_duty_cah, "resolved", "1"), 412, "stale", NULL);
    /* Not the reporter's to move, nor an informed force's. */
    EXPECT_ERROR(post_status(id, th.t_rep_cax, "resolved", NULL), 403, "forbidden", NULL);
    EXPECT_ERROR(post_status(id, th.t_duty_qst, "resolved", NULL), 403, "forbidden", NULL);
    r = post_status(id, th.t_duty_cah, "resolved", "2");
    EXPECT_STATUS(r, 200);
    assert_string_equal(JSTR(r->json, "status"), "resolved");
    /* Reopened, resolved again, then closed: closing is a commander's decision. */
    EXPECT_STATUS(post_status(id, th.t_duty_cah, "responding", NULL), 200);
    EXPECT_STATUS(post_status(id, th.t_duty_cah, "resolved", NULL), 200);
    EXPECT_ERROR(post_status(id, th.t_duty_cah, "closed", NULL), 403, "forbidden", NULL);
    r = post_status(id, th.t_cmd_cat, "closed", NULL);
    EXPECT_STATUS(r, 200);
    assert_string_equal(JSTR(r->json, "status"), "closed");
    assert_int_equal(JINT(r->json, "version"), 6);
    /* Closed is final. */
    EXPECT_ERROR(post_status(id, th.t_cmd_cat, "responding", NULL), 409, "conflict", "status");
    EXPECT_ERROR(api_json("PATCH", inc_path(id), th.t_duty_cah, json_pack("{s:i}", "severity", 1)),
                 409, "conflict", NULL);
    EXPECT_ERROR(post_status(987654321, th.t_duty_cah, "resolved", NULL), 404, "not_found", NULL);
}

static void test_incident_transfer(void **state)
{
    char *w = uniq_word();
    int64_t id =
        mk_inc(th.t_rep_cax, border("illegal_border_crossing", tfmt("Xuất cảnh trái phép %s", w)));
    char *path = inc_sub(id, "transfer");
    struct resp *r;
    json_t *row;
    (void)state;

    /* Who may not pass the lead on: an informed unit, a reporter. */
    EXPECT_ERROR(api_json("POST", path, th.t_duty_cah,
                          json_pack("{s:I}", "lead_unit_id", (json_int_t)th.u_ca_h)),
                 403, "forbidden", NULL);
    EXPECT_ERROR(api_json("POST", path, th.t_rep_cax,
                          json_pack("{s:I}", "lead_unit_id", (json_int_t)th.u_ca_h)),
                 403, "forbidden", NULL);
    EXPECT_ERROR(api_json("POST", path, th.t_duty_bpd, json_object()), 422, "invalid",
                 "lead_unit_id");
    EXPECT_ERROR(api_json("POST", path, th.t_duty_bpd, json_pack("{s:s}", "lead_unit_id", "x")),
                 422, "invalid", "lead_unit_id");
    EXPECT_ERROR(
        api_json("POST", path, th.t_duty_bpd, json_pack("{s:i}", "lead_unit_id", 987654321)), 422,
        "invalid", "lead_unit_id");
    EXPECT_ERROR(api_json("POST", path, th.t_duty_bpd,
                          json_pack("{s:I}", "lead_unit_id", (json_int_t)th.u_bp_d)),
                 422, "invalid", "lead_unit_id"); /* already the lead */
    EXPECT_ERROR(api_json_h("POST", path, th.t_duty_bpd,
                            json_pack("{s:I}", "lead_unit_id", (json_int_t)th.u_bp_t),
                            "If-Match: \"7\""),
                 412, "stale", NULL);

    r = api_json_h("POST", path, th.t_duty_bpd,
                   json_pack("{s:I, s:s}", "lead_unit_id", (json_int_t)th.u_bp_t, "note",
                             "Chuyển Bộ Chỉ huy xử lý"),
                   "If-Match: \"1\"");
    EXPECT_STATUS(r, 200);
    assert_string_equal(JSTR(r->json, "status"), "transferred");
    assert_int_equal(JINT(r->json, "lead_unit_id"), th.u_bp_t);
    assert_int_equal(JINT(r->json, "version"), 2);
    row = recipient_of(r->json, th.u_bp_d);
    assert_non_null(row);
    assert_string_equal(JSTR(row, "role"), "former_lead");
    row = recipient_of(r->json, th.u_bp_t);
    assert_non_null(row);
    assert_string_equal(JSTR(row, "role"), "lead");
    assert_non_null(JSTR(row, "ack_due_at"));
    /* The former lead still sees it; the new lead acknowledges it. */
    (void)get_inc(id, th.t_duty_bpd);
    r = api_json("POST", inc_sub(id, "acknowledgements"), th.t_duty_bpt,
                 json_pack("{s:s}", "stage", "received"));
    EXPECT_STATUS(r, 201);
    assert_string_equal(JSTR(get_inc(id, th.t_duty_bpt), "status"), "acknowledged");
}

static void test_incident_merge(void **state)
{
    char *w = uniq_word();
    int64_t dup = mk_inc(th.t_rep_cax, border("smuggling", tfmt("Tàu lạ %s bản sao", w)));
    int64_t main_id = mk_inc(th.t_rep_cax, border("smuggling", tfmt("Tàu lạ %s", w)));
    int64_t other = mk_inc(th.t_rep_cax, border("smuggling", tfmt("Tàu khác %s", w)));
    char *path = inc_sub(dup, "merge");
    struct resp *r;
    (void)state;

    EXPECT_ERROR(
        api_json("POST", path, th.t_duty_cah, json_pack("{s:I}", "into_id", (json_int_t)main_id)),
        403, "forbidden", NULL);
    EXPECT_ERROR(api_json("POST", path, th.t_duty_bpd, json_object()), 422, "invalid", "into_id");
    EXPECT_ERROR(
        api_json("POST", path, th.t_duty_bpd, json_pack("{s:I}", "into_id", (json_int_t)dup)), 422,
        "invalid", "into_id");
    EXPECT_ERROR(api_json("POST", path, th.t_duty_bpd, json_pack("{s:i}", "into_id", 987654321)),
                 422, "invalid", "into_id");
    r = api_json("POST", path, th.t_duty_bpd,
                 json_pack("{s:I, s:s}", "into_id", (json_int_t)main_id, "note", "Trùng báo cáo"));
    EXPECT_STATUS(r, 200);
    assert_string_equal(JSTR(r->json, "status"), "merged");
    assert_int_equal(JINT(r->json, "merged_into_id"), main_id);
    /* Final: no second merge, no change, no acknowledgement; nothing merges into it. */
    EXPECT_ERROR(
        api_json("POST", path, th.t_duty_bpd, json_pack("{s:I}", "into_id", (json_int_t)other)),
        409, "conflict", "status");
    EXPECT_ERROR(api_json("PATCH", inc_path(dup), th.t_duty_bpd, json_pack("{s:i}", "severity", 1)),
                 409, "conflict", NULL);
    EXPECT_ERROR(api_json("POST", inc_sub(dup, "acknowledgements"), th.t_duty_qst,
                          json_pack("{s:s}", "stage", "received")),
                 409, "conflict", "status");
    EXPECT_ERROR(api_json("POST", inc_sub(other, "merge"), th.t_duty_bpd,
                          json_pack("{s:I}", "into_id", (json_int_t)dup)),
                 409, "conflict", "into_id");
    /* Both timelines say so. */
    {
        json_t *items = list_items(inc_sub(main_id, "timeline"), th.t_duty_bpd);
        json_t *last = json_array_get(items, json_array_size(items) - 1);
        assert_string_equal(JSTR(last, "kind"), "merged");
        assert_int_equal(JINT(json_object_get(last, "detail"), "merged_id"), dup);
    }
}

/* ---- acknowledgements ---------------------------------------------------------------------- */

static struct resp *ack(int64_t id, const char *token, json_t *body)
{
    return api_json("POST", inc_sub(id, "acknowledgements"), token, body);
}

static void test_incident_acknowledgement_stages(void **state)
{
    char *w = uniq_word();
    int64_t id = mk_inc(th.t_rep_cax, border("illegal_fishing", tfmt("Tàu cá trái phép %s", w)));
    struct resp *r;
    json_t *g, *items;
    (void)state;

    assert_int_equal(list_count(inc_sub(id, "acknowledgements"), th.t_duty_bpd), 0);
    /* Stages go in order, each once. */
    EXPECT_ERROR(ack(id, th.t_duty_bpd, json_pack("{s:s}", "stage", "agreed")), 409, "conflict",
                 "stage");
    EXPECT_ERROR(ack(id, th.t_duty_bpd, json_pack("{s:s}", "stage", "verified")), 409, "conflict",
                 "stage");
    EXPECT_ERROR(ack(id, th.t_duty_bpd, json_pack("{s:s}", "stage", "bogus")), 422, "invalid",
                 "stage");
    EXPECT_ERROR(ack(id, th.t_duty_bpd, json_object()), 422, "invalid", "stage");
    EXPECT_ERROR(ack(id, th.t_duty_bpd, json_pack("{s:s, s:s}", "stage", "received", "by", "x")),
                 422, "invalid", "by");
    r = ack(id, th.t_duty_bpd, json_pack("{s:s, s:s}", "stage", "received", "note", "Đã nhận"));
    EXPECT_STATUS(r, 201);
    assert_string_equal(JSTR(r->json, "stage"), "received");
    assert_int_equal(JINT(r->json, "unit_id"), th.u_bp_d);
    assert_int_equal(JINT(r->json, "incident_id"), id);
    assert_true(JINT(r->json, "id") > 0);
    assert_true(json_is_true(json_object_get(r->json, "on_time")));
    assert_string_equal(JSTR(r->json, "note"), "Đã nhận");
    assert_non_null(JSTR(r->json, "at"));
    assert_non_null(JSTR(r->json, "person_name"));
    g = get_inc(id, th.t_duty_bpd);
    assert_string_equal(JSTR(g, "status"), "acknowledged"); /* the lead received it */
    assert_non_null(JSTR(recipient_of(g, th.u_bp_d), "received_at"));
    EXPECT_ERROR(ack(id, th.t_duty_bpd, json_pack("{s:s}", "stage", "received")), 409, "conflict",
                 "stage");
    EXPECT_STATUS(ack(id, th.t_duty_bpd, json_pack("{s:s}", "stage", "verified")), 201);
    r = ack(id, th.t_duty_bpd,
            json_pack("{s:s, s:s}", "stage", "agreed", "note", "Thống nhất đánh giá mức độ 3"));
    EXPECT_STATUS(r, 201);
    assert_string_equal(JSTR(r->json, "stage"), "agreed");
    g = get_inc(id, th.t_duty_bpd);
    assert_non_null(JSTR(recipient_of(g, th.u_bp_d), "verified_at"));
    assert_non_null(JSTR(recipient_of(g, th.u_bp_d), "agreed_at"));

    /* An informed unit acknowledges for itself (unit_id omitted) ... */
    r = ack(id, th.t_duty_cah, json_pack("{s:s}", "stage", "received"));
    EXPECT_STATUS(r, 201);
    assert_int_equal(JINT(r->json, "unit_id"), th.u_ca_h);
    /* ... a unit above it could have, for it; a unit beside it may not. */
    EXPECT_ERROR(
        ack(id, th.t_duty_cah,
            json_pack("{s:s, s:I}", "stage", "received", "unit_id", (json_int_t)th.u_qs_t)),
        403, "forbidden", NULL);
    EXPECT_STATUS(
        ack(id, th.t_cmd_cat,
            json_pack("{s:s, s:I}", "stage", "verified", "unit_id", (json_int_t)th.u_ca_h)),
        201);
    /* The reporting unit owes no acknowledgement. */
    EXPECT_ERROR(
        ack(id, th.t_duty_cah,
            json_pack("{s:s, s:I}", "stage", "received", "unit_id", (json_int_t)th.u_ca_x)),
        422, "invalid", "unit_id");
    /* Roles that do not acknowledge. */
    EXPECT_ERROR(ack(id, th.t_rep_cax, json_pack("{s:s}", "stage", "received")), 403, "forbidden",
                 NULL);
    EXPECT_ERROR(ack(id, th.t_view_cah, json_pack("{s:s}", "stage", "received")), 403, "forbidden",
                 NULL);
    /* Who cannot see it cannot acknowledge it. */
    EXPECT_ERROR(ack(id, g_srv->w.t_duty, json_pack("{s:s}", "stage", "received")), 404,
                 "not_found", NULL);

    items = list_items(inc_sub(id, "acknowledgements"), th.t_duty_qst);
    assert_int_equal(json_array_size(items), 5);
    assert_string_equal(JSTR(json_array_get(items, 0), "stage"), "received");
    assert_string_equal(JSTR(json_array_get(items, 1), "stage"), "verified");
    assert_string_equal(JSTR(json_array_get(items, 2), "stage"), "agreed");
    assert_int_equal(JINT(json_array_get(items, 4), "unit_id"), th.u_ca_h);
}

static void test_incident_refusal(void **state)
{
    char *w = uniq_word();
    int64_t id = mk_inc(th.t_rep_cax, border("smuggling", tfmt("Gửi nhầm %s", w)));
    struct resp *r;
    json_t *g, *row;
    (void)state;

    /* A refusal needs its reason. */
    EXPECT_ERROR(ack(id, th.t_duty_cah, json_pack("{s:s}", "stage", "refused")), 422, "invalid",
                 "note");
    r = ack(id, th.t_duty_cah,
            json_pack("{s:s, s:s}", "stage", "refused", "note", "Không thuộc địa bàn của đơn vị"));
    EXPECT_STATUS(r, 201);
    assert_string_equal(JSTR(r->json, "stage"), "refused");
    /* Back to the fallback: the rule has none, so the top of the refusing unit's
     * tree (the provincial police) is informed instead. */
    g = get_inc(id, th.t_cmd_cat);
    row = recipient_of(g, th.u_ca_h);
    assert_non_null(JSTR(row, "refused_at"));
    assert_string_equal(JSTR(row, "refused_reason"), "Không thuộc địa bàn của đơn vị");
    row = recipient_of(g, th.u_ca_t);
    assert_non_null(row);
    assert_string_equal(JSTR(row, "role"), "informed");
    assert_non_null(JSTR(row, "ack_due_at"));
    /* A refused unit is done; the fallback itself cannot refuse. */
    EXPECT_ERROR(ack(id, th.t_duty_cah, json_pack("{s:s}", "stage", "received")), 409, "conflict",
                 "stage");
    EXPECT_ERROR(
        ack(id, th.t_duty_qst, json_pack("{s:s, s:s}", "stage", "refused", "note", "Nhầm")), 409,
        "conflict", "stage");
    /* The refusal is on the timeline. */
    {
        json_t *items = list_items(inc_sub(id, "timeline"), th.t_cmd_cat);
        json_t *last = json_array_get(items, json_array_size(items) - 1);
        assert_string_equal(JSTR(last, "kind"), "refused");
        assert_int_equal(JINT(last, "unit_id"), th.u_ca_h);
        assert_int_equal(JINT(json_object_get(last, "detail"), "fallback_unit_id"), th.u_ca_t);
    }
}

/* ---- timeline ----------------------------------------------------------------------------- */

static void test_incident_timeline(void **state)
{
    char *w = uniq_word();
    int64_t id = mk_inc(th.t_rep_cax, border("crime", tfmt("Cướp tài sản %s", w)));
    static const char *const kinds[] = {"created", "updated", "acknowledged", "status"};
    json_t *items, *e;
    (void)state;

    EXPECT_STATUS(api_json("PATCH", inc_path(id), th.t_duty_bpd, json_pack("{s:i}", "severity", 4)),
                  200);
    EXPECT_STATUS(ack(id, th.t_duty_bpd, json_pack("{s:s}", "stage", "received")), 201);
    EXPECT_STATUS(post_status(id, th.t_duty_bpd, "responding", NULL), 200);

    items = list_items(inc_sub(id, "timeline"), th.t_duty_qst);
    assert_int_equal(json_array_size(items), PH_NELEM(kinds));
    for (size_t i = 0; i < PH_NELEM(kinds); i++) {
        e = json_array_get(items, i);
        assert_string_equal(JSTR(e, "kind"), kinds[i]);
        assert_int_equal(JINT(e, "incident_id"), id);
        assert_non_null(JSTR(e, "at"));
        assert_true(JINT(e, "person_id") > 0);
        assert_non_null(JSTR(e, "person_name"));
        assert_true(json_is_object(json_object_get(e, "detail")));
    }
    e = json_array_get(items, 1);
    {
        json_t *sev = json_object_get(json_object_get(e, "detail"), "severity");
        assert_true(json_is_object(sev));
        assert_int_equal(JINT(sev, "new"), 4);
    }
    e = json_array_get(items, 3);
    assert_string_equal(JSTR(json_object_get(json_object_get(e, "detail"), "status"), "new"),
                        "responding");
    EXPECT_ERROR(api_get(inc_sub(id, "timeline"), g_srv->w.t_duty), 404, "not_found", NULL);
    EXPECT_ERROR(api_get(inc_sub(987654321, "timeline"), th.t_duty_bpd), 404, "not_found", NULL);
}

/* ---- inbox -------------------------------------------------------------------------------- */

/* The inbox item of incident id in the list at path, or NULL. */
static json_t *inbox_item(const char *path, const char *token, int64_t id)
{
    json_t *items = list_items(path, token);
    size_t i;
    json_t *it;
    json_array_foreach (items, i, it) {
        if (JINT(json_object_get(it, "incident"), "id") == id)
            return it;
    }
    return NULL;
}

static void test_incident_inbox(void **state)
{
    char *w = uniq_word();
    int64_t id = mk_inc(th.t_rep_cax, border("smuggling", tfmt("Hàng lậu %s", w)));
    const char *path = "/api/v1/inbox?limit=500";
    json_t *it;
    (void)state;

    it = inbox_item(path, th.t_duty_qst, id);
    assert_non_null(it);
    assert_string_equal(JSTR(it, "awaiting"), "received");
    assert_non_null(JSTR(it, "due_at"));
    assert_true(json_is_false(json_object_get(it, "overdue")));
    assert_int_equal(JINT(json_object_get(it, "recipient"), "unit_id"), th.u_qs_t);
    assert_string_equal(JSTR(json_object_get(it, "incident"), "title"), tfmt("Hàng lậu %s", w));
    /* Received: now the "verified" stage is awaited (the border rule has its deadline). */
    EXPECT_STATUS(ack(id, th.t_duty_qst, json_pack("{s:s}", "stage", "received")), 201);
    it = inbox_item(path, th.t_duty_qst, id);
    assert_non_null(it);
    assert_string_equal(JSTR(it, "awaiting"), "verified");
    EXPECT_STATUS(ack(id, th.t_duty_qst, json_pack("{s:s}", "stage", "verified")), 201);
    assert_null(inbox_item(path, th.t_duty_qst, id));

    /* The lead's and the police district's inboxes have it; the reporter's unit owes
     * nothing. A unit above may look at the inbox of a unit below, not beside. */
    assert_non_null(inbox_item(path, th.t_duty_bpd, id));
    assert_non_null(
        inbox_item(tfmt("%s&unit_id=%lld", path, (long long)th.u_ca_h), th.t_cmd_cat, id));
    assert_null(inbox_item(path, th.t_rep_cax, id));
    EXPECT_ERROR(api_get(tfmt("/api/v1/inbox?unit_id=%lld", (long long)th.u_qs_t), th.t_duty_cah),
                 403, "forbidden", NULL);
    EXPECT_ERROR(api_get("/api/v1/inbox?unit_id=abc", th.t_duty_cah), 400, "malformed", "unit_id");
    EXPECT_ERROR(api_get("/api/v1/inbox?limit=0", th.t_duty_cah), 400, "malformed", "limit");
    EXPECT_ERROR(api_get("/api/v1/inbox", NULL), 401, "unauthenticated", NULL);
}

/* ---- deadlines and timeliness -------------------------------------------------------------- */

static json_t *timeliness_row(json_t *rows, int64_t unit_id)
{
    size_t i;
    json_t *r;
    json_array_foreach (rows, i, r) {
        json_t *u = json_object_get(r, "unit_id");
        if (json_is_integer(u) && json_integer_value(u) == unit_id)
            return r;
    }
    return NULL;
}

static void test_incident_late_report_and_timeliness(void **state)
{
    char *w = uniq_word();
    json_t *b, *row, *force;
    struct resp *r;
    char *path;
    (void)state;

    /* On time: detected ten minutes ago, the crime rule gives an hour. */
    r = api_json("POST", INCIDENTS, th.t_rep_cax2, inland("crime", tfmt("Kịp thời %s", w)));
    EXPECT_STATUS(r, 201);
    assert_true(json_is_false(json_object_get(r->json, "report_late")));
    /* Late: detected three hours ago. Flagged on creation. */
    b = inland("crime", tfmt("Chậm %s", w));
    json_object_set_new(b, "occurred_at", json_string(iso_ago(4 * HOUR_S)));
    json_object_set_new(b, "detected_at", json_string(iso_ago(3 * HOUR_S)));
    r = api_json("POST", INCIDENTS, th.t_rep_cax2, b);
    EXPECT_STATUS(r, 201);
    assert_true(json_is_true(json_object_get(r->json, "report_late")));
    /* An exercise, also late: left out of real statistics. */
    b = inland("crime", tfmt("Diễn tập %s", w));
    json_object_set_new(b, "occurred_at", json_string(iso_ago(5 * HOUR_S)));
    json_object_set_new(b, "cap_status", json_string("exercise"));
    r = api_json("POST", INCIDENTS, th.t_rep_cax2, b);
    EXPECT_STATUS(r, 201);
    assert_true(json_is_true(json_object_get(r->json, "report_late")));
    assert_string_equal(JSTR(r->json, "cap_status"), "exercise");

    path = tfmt("/api/v1/stats/timeliness?unit_id=%lld", (long long)th.u_ca_x2);
    r = api_get(path, th.t_cmd_cat);
    EXPECT_STATUS(r, 200);
    assert_non_null(JSTR(r->json, "from"));
    assert_non_null(JSTR(r->json, "to"));
    row = timeliness_row(json_object_get(r->json, "units"), th.u_ca_x2);
    assert_non_null(row);
    assert_string_equal(JSTR(row, "force"), "police");
    assert_non_null(JSTR(row, "unit_name"));
    assert_int_equal(JINT(row, "reports"), 2);
    assert_int_equal(JINT(row, "reports_on_time"), 1);
    assert_true(json_real_value(json_object_get(row, "reports_on_time_share")) == 0.5);
    /* Nearest rank over {~10 min, ~3 h}: the median is the short one. */
    assert_true(JINT(row, "report_delay_p50_ms") < 30 * 60 * 1000);
    assert_true(JINT(row, "report_delay_p90_ms") >= (3 * HOUR_S - 60) * 1000LL);
    assert_int_equal(JINT(row, "acks"), 0); /* a reporting unit owes none */
    assert_true(json_is_null(json_object_get(row, "acks_on_time_share")));
    force = json_array_get(json_object_get(r->json, "forces"), 0);
    assert_non_null(force);
    assert_string_equal(JSTR(force, "force"), "police");
    assert_true(json_is_null(json_object_get(force, "unit_id")));
    assert_int_equal(JINT(force, "reports"), 2);
    assert_int_equal(json_array_size(json_object_get(r->json, "forces")), 1);

    /* Only what the caller may see is counted: other forces' and other provinces'
     * people see no figures for these reports. */
    r = api_get(path, g_srv->w.t_mil_viewer);
    EXPECT_STATUS(r, 200);
    assert_null(timeliness_row(json_object_get(r->json, "units"), th.u_ca_x2));
    r = api_get(path, g_srv->w.t_duty);
    EXPECT_STATUS(r, 200);
    assert_null(timeliness_row(json_object_get(r->json, "units"), th.u_ca_x2));
    /* A period that ended before them has nothing. */
    r = api_get(tfmt("%s&from=%s&to=%s", path, urlenc("2020-01-01T00:00:00Z"),
                     urlenc("2021-01-01T00:00:00+07:00")),
                th.t_cmd_cat);
    EXPECT_STATUS(r, 200);
    assert_null(timeliness_row(json_object_get(r->json, "units"), th.u_ca_x2));
    r = api_get(tfmt("%s&force=military", path), th.t_cmd_cat);
    EXPECT_STATUS(r, 200);
    assert_null(timeliness_row(json_object_get(r->json, "units"), th.u_ca_x2));
    /* Bad parameters. */
    EXPECT_ERROR(api_get("/api/v1/stats/timeliness?from=yesterday", th.t_cmd_cat), 400, "malformed",
                 "from");
    EXPECT_ERROR(api_get("/api/v1/stats/timeliness?to=2026-01-01", th.t_cmd_cat), 400, "malformed",
                 "to");
    EXPECT_ERROR(api_get("/api/v1/stats/timeliness?force=navy", th.t_cmd_cat), 400, "malformed",
                 "force");
    EXPECT_ERROR(api_get("/api/v1/stats/timeliness?unit_id=0", th.t_cmd_cat), 400, "malformed",
                 "unit_id");
    EXPECT_ERROR(api_get(tfmt("/api/v1/stats/timeliness?from=%s&to=%s",
                              urlenc("2026-02-01T00:00:00Z"), urlenc("2026-01-01T00:00:00Z")),
                         th.t_cmd_cat),
                 422, "invalid", "from");
    /* More than STATS_MAX_PERIOD_MS (400 days) in one request. */
    EXPECT_ERROR(api_get(tfmt("/api/v1/stats/timeliness?from=%s&to=%s",
                              urlenc("2024-01-01T00:00:00Z"), urlenc("2026-01-01T00:00:00Z")),
                         th.t_cmd_cat),
                 422, "invalid", "from");
}

/* ---- search, filters, paging ---------------------------------------------------------------- */

static void test_incident_search_diacritics(void **state)
{
    char *w = uniq_word();
    int64_t s1 = mk_inc(th.t_rep_cax, inland("crime", tfmt("Đồn Biên phòng phát hiện %s", w)));
    json_t *b = inland("drugs", tfmt("Vận chuyển trái phép %s", w));
    int64_t s2;
    char *ref;
    (void)state;

    json_object_set_new(b, "description", json_string("Đối tượng Đặng Thạch khai nhận"));
    s2 = mk_inc(th.t_rep_cax, b);
    EXPECT_IDS(q_path(tfmt("bien phong %s", w)), th.t_rep_cax, s1);
    EXPECT_IDS(q_path(tfmt("BIÊN PHÒNG %s", w)), th.t_rep_cax, s1);
    EXPECT_IDS(q_path(tfmt("dang thach %s", w)), th.t_rep_cax, s2);
    EXPECT_IDS(q_path(tfmt("Đặng %s", w)), th.t_rep_cax, s2);
    EXPECT_IDS(q_path(w), th.t_rep_cax, s1, s2);
    EXPECT_IDS(q_path(tfmt("bien phong dang thach %s", w)), th.t_rep_cax);
    /* By reference number. */
    ref = tfmt("%s", JSTR(get_inc(s2, th.t_rep_cax), "ref"));
    assert_true(listed(q_path(ref), th.t_rep_cax, s2));
    /* Search answers only what the caller may see. */
    EXPECT_IDS(q_path(w), g_srv->w.t_duty);
    EXPECT_IDS(q_path(w), g_srv->w.t_mil_viewer);
    EXPECT_IDS(q_path(tfmt("dang thach %s", w)), g_srv->w.t_duty);
}

static void test_incident_filters(void **state)
{
    char *w = uniq_word();
    const char *adm = g_srv->w.admin;
    json_t *b;
    int64_t f1, f2, f3, f4, drugs_id;
    char *base = tfmt(INCIDENTS "?limit=500&q=%s", w);
    (void)state;

    b = inland("crime", tfmt("Một %s", w));
    json_object_set_new(b, "severity", json_integer(1));
    json_object_set_new(b, "occurred_at", json_string(iso_ago(48 * HOUR_S)));
    f1 = mk_inc(th.t_rep_cax, b);
    b = inland("drugs", tfmt("Hai %s", w));
    json_object_set_new(b, "severity", json_integer(3));
    json_object_set_new(b, "occurred_at", json_string(iso_ago(HOUR_S)));
    json_object_set_new(b, "cap_status", json_string("exercise"));
    f2 = mk_inc(th.t_rep_cax, b);
    drugs_id = JINT(get_inc(f2, adm), "category_id");
    b = border("smuggling", tfmt("Ba %s", w));
    json_object_set_new(b, "severity", json_integer(4));
    f3 = mk_inc(th.t_rep_cax, b);
    b = json_pack("{s:s, s:s, s:s, s:i, s:I}", "category", "crime", "title", tfmt("Bốn %s", w),
                  "occurred_at", iso_ago(72 * HOUR_S), "severity", 2, "area_id",
                  (json_int_t)th.a_comm);
    f4 = mk_inc(th.t_rep_cax, b);

    EXPECT_IDS(base, adm, f1, f2, f3, f4);
    EXPECT_IDS(tfmt("%s&category=crime", base), adm, f1, f4);
    EXPECT_IDS(tfmt("%s&category_id=%lld", base, (long long)drugs_id), adm, f2);
    EXPECT_IDS(tfmt("%s&severity_min=3", base), adm, f2, f3);
    EXPECT_IDS(tfmt("%s&severity_max=2", base), adm, f1, f4);
    EXPECT_IDS(tfmt("%s&severity_min=2&severity_max=3", base), adm, f2, f4);
    EXPECT_IDS(tfmt("%s&cap_status=exercise", base), adm, f2);
    EXPECT_IDS(tfmt("%s&cap_status=actual", base), adm, f1, f3, f4);
    EXPECT_IDS(tfmt("%s&status=new", base), adm, f3);
    EXPECT_IDS(tfmt("%s&status=acknowledged", base), adm, f1, f2, f4);
    EXPECT_IDS(tfmt("%s&force=border_guard", base), adm, f3);
    EXPECT_IDS(tfmt("%s&force=police", base), adm, f1, f2, f4);
    EXPECT_IDS(tfmt("%s&force=military", base), adm);
    /* A unit: incidents sent to it or to a unit below it. */
    EXPECT_IDS(tfmt("%s&unit_id=%lld", base, (long long)th.u_bp_d), adm, f3);
    EXPECT_IDS(tfmt("%s&unit_id=%lld", base, (long long)th.u_ca_h), adm, f1, f2, f3, f4);
    EXPECT_IDS(tfmt("%s&unit_id=%lld", base, (long long)th.u_ca_x2), adm);
    /* An area and everything below it. */
    EXPECT_IDS(tfmt("%s&area_id=%lld", base, (long long)th.a_dist), adm, f1, f2, f3, f4);
    EXPECT_IDS(tfmt("%s&area_id=%lld", base, (long long)th.a_border), adm, f3);
    EXPECT_IDS(tfmt("%s&area_id=%lld", base, (long long)th.a_comm), adm, f1, f2, f4);
    EXPECT_IDS(tfmt("%s&bbox=105.6,9.2,105.8,9.4", base), adm, f3);
    EXPECT_IDS(tfmt("%s&bbox=105.2,9.2,105.4,9.4", base), adm, f1, f2); /* f4 has no location */
    EXPECT_IDS(tfmt("%s&bbox=100,0,101,1", base), adm);
    /* Time range on occurred_at, [from, to). */
    EXPECT_IDS(tfmt("%s&from=%s", base, urlenc(iso_ago(36 * HOUR_S))), adm, f2, f3);
    EXPECT_IDS(tfmt("%s&to=%s", base, urlenc(iso_ago(36 * HOUR_S))), adm, f1, f4);
    EXPECT_IDS(
        tfmt("%s&from=%s&to=%s", base, urlenc(iso_ago(60 * HOUR_S)), urlenc(iso_ago(36 * HOUR_S))),
        adm, f1);
    EXPECT_IDS(tfmt("%s&overdue=true", base), adm);
    EXPECT_IDS(tfmt("%s&severity_min=3&force=police&cap_status=exercise", base), adm, f2);
}

static void test_incident_paging(void **state)
{
    char *w = uniq_word();
    const char *adm = g_srv->w.admin;
    int64_t ids[5], newest_first[5];
    struct resp *r;
    json_t *seen;
    const char *cursor;
    (void)state;

    for (size_t i = 0; i < PH_NELEM(ids); i++)
        ids[i] = mk_inc(th.t_rep_cax, inland("crime", tfmt("Trang %s %zu", w, i)));
    for (size_t i = 0; i < PH_NELEM(ids); i++)
        newest_first[i] = ids[PH_NELEM(ids) - 1 - i];
    check_paging(tfmt(INCIDENTS "?q=%s", w), newest_first, PH_NELEM(ids), adm);

    /* A page boundary stays where it was while new incidents arrive: no duplicate,
     * no gap, the newcomer only on a fresh first page. */
    r = api_get(tfmt(INCIDENTS "?q=%s&limit=2", w), th.t_rep_cax);
    EXPECT_STATUS(r, 200);
    cursor = json_string_value(json_object_get(r->json, "next_cursor"));
    assert_non_null(cursor);
    seen = json_copy(items_of(r));
    {
        int64_t late = mk_inc(th.t_rep_cax, inland("crime", tfmt("Trang %s moi", w)));
        while (cursor != NULL) {
            json_t *items;
            size_t i;
            json_t *it;
            r = api_get(tfmt(INCIDENTS "?q=%s&limit=2&cursor=%s", w, urlenc(cursor)), th.t_rep_cax);
            EXPECT_STATUS(r, 200);
            items = items_of(r);
            json_array_foreach (items, i, it) {
                assert_false(json_has_id(seen, JINT(it, "id")));
                json_array_append(seen, it);
            }
            cursor = json_string_value(json_object_get(r->json, "next_cursor"));
        }
        assert_int_equal(json_array_size(seen), PH_NELEM(ids));
        assert_false(json_has_id(seen, late));
        json_decref(seen);
        assert_int_equal(
            JINT(json_array_get(list_items(tfmt(INCIDENTS "?q=%s&limit=1", w), th.t_rep_cax), 0),
                 "id"),
            late);
    }
    check_list_params(INCIDENTS, adm);
}

static void test_incident_bad_params(void **state)
{
    const char *t = th.t_duty_cah;
    (void)state;

    EXPECT_ERROR(api_get(INCIDENTS "?from=yesterday", t), 400, "malformed", "from");
    EXPECT_ERROR(api_get(INCIDENTS "?to=2026-01-01", t), 400, "malformed", "to");
    EXPECT_ERROR(api_get(INCIDENTS "?bbox=1,2,3", t), 400, "malformed", "bbox");
    EXPECT_ERROR(api_get(INCIDENTS "?bbox=10,10,5,5", t), 400, "malformed", "bbox");
    EXPECT_ERROR(api_get(INCIDENTS "?bbox=1,2,3,4,5", t), 400, "malformed", "bbox");
    EXPECT_ERROR(api_get(INCIDENTS "?bbox=-200,0,0,10", t), 400, "malformed", "bbox");
    EXPECT_ERROR(api_get(INCIDENTS "?severity_min=0", t), 400, "malformed", "severity_min");
    EXPECT_ERROR(api_get(INCIDENTS "?severity_max=x", t), 400, "malformed", "severity_max");
    EXPECT_ERROR(api_get(INCIDENTS "?status=bogus", t), 400, "malformed", "status");
    EXPECT_ERROR(api_get(INCIDENTS "?cap_status=drill", t), 400, "malformed", "cap_status");
    EXPECT_ERROR(api_get(INCIDENTS "?force=navy", t), 400, "malformed", "force");
    EXPECT_ERROR(api_get(INCIDENTS "?unit_id=abc", t), 400, "malformed", "unit_id");
    EXPECT_ERROR(api_get(INCIDENTS "?area_id=-1", t), 400, "malformed", "area_id");
    EXPECT_ERROR(api_get(INCIDENTS "?overdue=maybe", t), 400, "malformed", "overdue");
    EXPECT_ERROR(api_get(INCIDENTS "?category=khong_co", t), 422, "invalid", "category");
    EXPECT_ERROR(api_get(INCIDENTS "/987654321", t), 404, "not_found", NULL);
    EXPECT_ERROR(api_get(INCIDENTS "/abc", t), 404, "not_found", NULL);
    EXPECT_ERROR(api_get(INCIDENTS "/XX-1999-000001", t), 404, "not_found", NULL);
    EXPECT_ERROR(api_get(INCIDENTS, NULL), 401, "unauthenticated", NULL);
    {
        struct resp *r = api_req("DELETE", INCIDENTS "/1", t, NULL, NULL, NULL);
        EXPECT_ERROR(r, 405, "method_not_allowed", NULL);
        assert_null(strstr(resp_header(r, "Allow"), "DELETE"));
    }
}

/* ---- who sees what ------------------------------------------------------------------------ */

/* token sees incident id on every read path, or on none. */
static void expect_sees(const char *who, const char *token, int64_t id, const char *ref,
                        const char *word, int sees)
{
    long want = sees ? 200 : 404;
    struct resp *r;
    int in_list;

    r = api_get(inc_path(id), token);
    if (r->status != want)
        fail_msg("%s: GET incident %lld: %ld, want %ld", who, (long long)id, r->status, want);
    r = api_get(tfmt(INCIDENTS "/%s", ref), token);
    if (r->status != want)
        fail_msg("%s: GET by ref %s: %ld, want %ld", who, ref, r->status, want);
    r = api_get(inc_sub(id, "timeline"), token);
    if (r->status != want)
        fail_msg("%s: timeline of %lld: %ld, want %ld", who, (long long)id, r->status, want);
    r = api_get(inc_sub(id, "acknowledgements"), token);
    if (r->status != want)
        fail_msg("%s: acknowledgements of %lld: %ld, want %ld", who, (long long)id, r->status,
                 want);
    in_list = listed(q_path(word), token, id);
    if (in_list != sees)
        fail_msg("%s: search for %lld: %s", who, (long long)id, in_list ? "listed" : "not listed");
    in_list = listed(INCIDENTS "?limit=500", token, id);
    if (in_list != sees)
        fail_msg("%s: plain list, %lld: %s", who, (long long)id, in_list ? "listed" : "not listed");
    in_list = listed(tfmt(INCIDENTS "?limit=500&area_id=%lld", (long long)th.a_dist), token, id);
    if (in_list != sees)
        fail_msg("%s: area list, %lld: %s", who, (long long)id, in_list ? "listed" : "not listed");
}

static void test_incident_access_paths(void **state)
{
    char *w = uniq_word();
    json_t *b;
    int64_t sec, conf, pub;
    char *sec_ref, *conf_ref, *pub_ref;
    const struct world *wd = &g_srv->w;
    (void)state;

    /* A secret border incident filed by the border post itself (it leads: the
     * police district and the military command are informed). */
    b = border("illegal_border_crossing", tfmt("Mật biên giới %s", w));
    json_object_set_new(b, "classification", json_string("secret"));
    sec = mk_inc(th.t_duty_bpd, b);
    b = inland("crime", tfmt("Hạn chế %s", w));
    json_object_set_new(b, "classification", json_string("confidential"));
    conf = mk_inc(th.t_rep_cax, b);
    pub = mk_inc(th.t_rep_cax, inland("crime", tfmt("Công khai %s", w)));
    sec_ref = tfmt("%s", JSTR(get_inc(sec, wd->admin), "ref"));
    conf_ref = tfmt("%s", JSTR(get_inc(conf, wd->admin), "ref"));
    pub_ref = tfmt("%s", JSTR(get_inc(pub, wd->admin), "ref"));

    const struct {
        const char *who;
        const char *token;
        int sec, conf, pub;
    } cases[] = {
        /* the lead's own post; the commune police led conf/pub, not below the post */
        {"BP post duty (secret)", th.t_duty_bpd, 1, 0, 0},
        /* above the post; conf/pub informed the provincial border guard */
        {"BP province duty (secret)", th.t_duty_bpt, 1, 1, 1},
        /* informed of sec; above the commune police */
        {"police district duty (secret)", th.t_duty_cah, 1, 1, 1},
        /* the same unit, without clearance */
        {"police district viewer (unclassified)", th.t_view_cah, 0, 0, 1},
        /* above everything police, top secret */
        {"police province commander (top_secret)", th.t_cmd_cat, 1, 1, 1},
        /* informed of all three, confidential clearance */
        {"military duty (confidential)", th.t_duty_qst, 0, 1, 1},
        /* the commune police: not sent sec (its district was) */
        {"commune reporter (confidential)", th.t_rep_cax, 0, 1, 1},
        /* other provinces' units, whatever their role */
        {"other police district duty", wd->t_duty, 0, 0, 0},
        {"other police district commander", wd->t_commander, 0, 0, 0},
        {"other military viewer", wd->t_mil_viewer, 0, 0, 0},
        {"other police province admin", wd->t_adm_pp, 0, 0, 0},
        /* the administrator without a unit */
        {"global admin", wd->admin, 1, 1, 1},
    };
    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        expect_sees(cases[i].who, cases[i].token, sec, sec_ref, w, cases[i].sec);
        expect_sees(cases[i].who, cases[i].token, conf, conf_ref, w, cases[i].conf);
        expect_sees(cases[i].who, cases[i].token, pub, pub_ref, w, cases[i].pub);
    }

    /* The inbox: the military command awaits all three, but its officer's
     * clearance hides the secret one; the police district's officer has it. */
    assert_null(inbox_item("/api/v1/inbox?limit=500", th.t_duty_qst, sec));
    assert_non_null(inbox_item("/api/v1/inbox?limit=500", th.t_duty_qst, conf));
    assert_non_null(inbox_item("/api/v1/inbox?limit=500", th.t_duty_cah, sec));
    assert_null(inbox_item("/api/v1/inbox?limit=500", th.t_view_cah, sec));
    /* Figures: the post's one report counts for who may see it only. */
    {
        char *path = tfmt("/api/v1/stats/timeliness?unit_id=%lld", (long long)th.u_bp_d);
        json_t *row;
        struct resp *r = api_get(path, th.t_duty_bpt);
        EXPECT_STATUS(r, 200);
        row = timeliness_row(json_object_get(r->json, "units"), th.u_bp_d);
        assert_non_null(row);
        assert_int_equal(JINT(row, "reports"), 1);
        r = api_get(path, th.t_duty_qst);
        EXPECT_STATUS(r, 200);
        row = timeliness_row(json_object_get(r->json, "units"), th.u_bp_d);
        assert_true(row == NULL || JINT(row, "reports") == 0);
        r = api_get(path, wd->t_mil_viewer);
        EXPECT_STATUS(r, 200);
        assert_null(timeliness_row(json_object_get(r->json, "units"), th.u_bp_d));
    }
    /* Writes: seen but not theirs is 403, not seen is 404. */
    EXPECT_ERROR(
        api_json("PATCH", inc_path(conf), th.t_duty_qst, json_pack("{s:i}", "severity", 2)), 403,
        "forbidden", NULL);
    EXPECT_ERROR(api_json("PATCH", inc_path(sec), th.t_duty_qst, json_pack("{s:i}", "severity", 2)),
                 404, "not_found", NULL);
    EXPECT_ERROR(ack(sec, th.t_duty_qst, json_pack("{s:s}", "stage", "received")), 404, "not_found",
                 NULL);
    /* A classification above one's own clearance cannot be given. */
    b = inland("crime", tfmt("Tối mật %s", w));
    json_object_set_new(b, "classification", json_string("top_secret"));
    EXPECT_ERROR(api_json("POST", INCIDENTS, th.t_duty_cah, b), 422, "invalid", "classification");
    EXPECT_ERROR(api_json("PATCH", inc_path(pub), th.t_duty_cah,
                          json_pack("{s:s}", "classification", "top_secret")),
                 422, "invalid", "classification");
}

/* ---- incident counts (GET /api/v1/stats/incidents) ------------------------------------------ */

/* The count of the item of arr whose member key is value (0 when absent). */
static int64_t count_of(json_t *arr, const char *key, const char *value)
{
    size_t i;
    json_t *it;
    assert_true(json_is_array(arr));
    json_array_foreach (arr, i, it) {
        json_t *v = json_object_get(it, key);
        if (json_is_string(v) && strcmp(json_string_value(v), value) == 0)
            return JINT(it, "count");
    }
    return 0;
}

/* The count of the (category, force) cell. */
static int64_t cell_of(json_t *o, const char *category, const char *force)
{
    size_t i;
    json_t *it;
    json_array_foreach (json_object_get(o, "items"), i, it) {
        if (strcmp(JSTR(it, "category"), category) == 0 && json_is_string(json_object_get(it, "force")) &&
            strcmp(JSTR(it, "force"), force) == 0)
            return JINT(it, "count");
    }
    return 0;
}

static json_t *counts(const char *token, const char *query)
{
    struct resp *r = api_get(tfmt("/api/v1/stats/incidents%s", query), token);
    EXPECT_STATUS(r, 200);
    assert_true(json_is_string(json_object_get(r->json, "from")));
    assert_true(json_is_string(json_object_get(r->json, "to")));
    assert_int_equal(json_array_size(json_object_get(r->json, "by_force")), 3);
    return r->json;
}

static void test_incident_counts(void **state)
{
    char *w = uniq_word();
    /* From an hour ago: what the other tests filed earlier counts in both reads. */
    char *q = tfmt("?from=%s", iso_ago(HOUR_S));
    json_t *b;
    (void)state;

    json_t *bp0 = counts(th.t_duty_bpd, q), *cmd0 = counts(th.t_cmd_cat, q);
    json_t *qs0 = counts(th.t_duty_qst, q), *other0 = counts(g_srv->w.t_mil_viewer, q);

    /* Two border crossings led by the border post, one of them confidential;
     * an inland crime led by the commune police; an exercise and a merged
     * duplicate, which never count. */
    mk_inc(th.t_duty_bpd, border("illegal_border_crossing", tfmt("Vượt biên %s 1", w)));
    b = border("illegal_border_crossing", tfmt("Vượt biên %s 2", w));
    json_object_set_new(b, "classification", json_string("secret"));
    mk_inc(th.t_duty_bpd, b);
    mk_inc(th.t_rep_cax, inland("crime", tfmt("Trộm cắp %s", w)));
    b = border("illegal_border_crossing", tfmt("Diễn tập %s", w));
    json_object_set_new(b, "cap_status", json_string("exercise"));
    mk_inc(th.t_duty_bpd, b);
    int64_t keep = mk_inc(th.t_duty_bpd, border("smuggling", tfmt("Buôn lậu %s", w)));
    int64_t dup = mk_inc(th.t_duty_bpd, border("smuggling", tfmt("Buôn lậu trùng %s", w)));
    EXPECT_STATUS(api_json("POST", inc_sub(dup, "merge"), th.t_duty_bpd,
                           json_pack("{s:I}", "into_id", (json_int_t)keep)),
                  200);

    json_t *bp1 = counts(th.t_duty_bpd, q), *cmd1 = counts(th.t_cmd_cat, q);
    json_t *qs1 = counts(th.t_duty_qst, q), *other1 = counts(g_srv->w.t_mil_viewer, q);
#define DELTA(a, b, arr, key, val)                                                                 \
    (count_of(json_object_get((b), arr), key, val) - count_of(json_object_get((a), arr), key, val))
    /* The border post: both crossings and one smuggling (not the exercise, not the
     * duplicate); not the commune's crime. */
    assert_int_equal(JINT(bp1, "total") - JINT(bp0, "total"), 3);
    assert_int_equal(DELTA(bp0, bp1, "by_category", "category", "illegal_border_crossing"), 2);
    assert_int_equal(DELTA(bp0, bp1, "by_category", "category", "smuggling"), 1);
    assert_int_equal(DELTA(bp0, bp1, "by_category", "category", "crime"), 0);
    assert_int_equal(DELTA(bp0, bp1, "by_force", "force", "border_guard"), 3);
    assert_int_equal(cell_of(bp1, "illegal_border_crossing", "border_guard") -
                         cell_of(bp0, "illegal_border_crossing", "border_guard"),
                     2);
    /* The police province commander (top secret, above the informed district):
     * everything, the crime under the police. */
    assert_int_equal(JINT(cmd1, "total") - JINT(cmd0, "total"), 4);
    assert_int_equal(DELTA(cmd0, cmd1, "by_force", "force", "police"), 1);
    assert_int_equal(DELTA(cmd0, cmd1, "by_force", "force", "border_guard"), 3);
    /* The military command (informed, confidential): not the secret crossing. */
    assert_int_equal(DELTA(qs0, qs1, "by_category", "category", "illegal_border_crossing"), 1);
    /* Another province's viewer: nothing of it. */
    assert_int_equal(JINT(other1, "total"), JINT(other0, "total"));
#undef DELTA

    /* A period that ended before any of it: none counts. */
    json_t *past = counts(th.t_cmd_cat, tfmt("?from=%s&to=%s", urlenc("2020-01-01T00:00:00Z"),
                                             urlenc("2020-02-01T00:00:00+07:00")));
    assert_int_equal(JINT(past, "total"), 0);
    assert_int_equal(json_array_size(json_object_get(past, "items")), 0);
    /* Without parameters: the last 30 days. */
    json_t *dflt = counts(th.t_cmd_cat, "");
    assert_true(JINT(dflt, "total") >= JINT(cmd1, "total"));

    /* Bad parameters. */
    EXPECT_ERROR(api_get("/api/v1/stats/incidents?from=yesterday", th.t_cmd_cat), 400, "malformed",
                 "from");
    EXPECT_ERROR(api_get("/api/v1/stats/incidents?to=2026-13-01T00:00:00Z", th.t_cmd_cat), 400,
                 "malformed", "to");
    EXPECT_ERROR(api_get("/api/v1/stats/incidents?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z",
                         th.t_cmd_cat),
                 422, "invalid", "from");
    EXPECT_ERROR(api_get("/api/v1/stats/incidents?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z",
                         th.t_cmd_cat),
                 422, "invalid", "from");
    EXPECT_ERROR(api_get("/api/v1/stats/incidents", NULL), 401, "unauthenticated", NULL);
}

int run_incident_tests(void)
{
    const struct CMUnitTest tests[] = {
        T(test_incident_create_border_routing),
        T(test_incident_create_defensive_zone_military_leads),
        T(test_incident_create_inland_reporter_leads),
        T(test_incident_invalid_members),
        T(test_incident_create_refused),
        T(test_incident_idempotency),
        T(test_incident_etag_patch),
        T(test_incident_status_workflow),
        T(test_incident_transfer),
        T(test_incident_merge),
        T(test_incident_acknowledgement_stages),
        T(test_incident_refusal),
        T(test_incident_timeline),
        T(test_incident_inbox),
        T(test_incident_late_report_and_timeliness),
        T(test_incident_search_diacritics),
        T(test_incident_filters),
        T(test_incident_paging),
        T(test_incident_bad_params),
        T(test_incident_access_paths),
        T(test_incident_counts),
    };
    return cmocka_run_group_tests_name("incidents", tests, incidents_setup, incidents_teardown);
}
