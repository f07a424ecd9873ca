/* test_bulletins.c - /api/v1/bulletins, /api/v1/bulletin-schedules and the
 * bulletins in /api/v1/inbox: sending to units and forces, the JSON shape
 * (sections, "to", times, classification by name), a 422 naming each bad member
 * (also inside "sections" and "to") with nothing written, acknowledgement once,
 * the inbox mixing incidents and bulletins in due order, who sees what (GET,
 * list, inbox) for people of each force and clearance, list filters and paging,
 * schedules (CRUD, 403 for anyone but the unit's commanders and admins, ETag and
 * If-Match), periodic bulletins once per period, and the stream, which carries
 * bulletin.sent only to those who may read the bulletin.
 *
 * The tests build on the world's province units (the lowest-id province unit of
 * each force, so also what "forces" resolve to) and a police district of their
 * own below the world's police province, with people of their own:
 *
 *   police province P (world)   duty officer secret
 *     district D (ours)         duty officer secret, commander secret, viewer unclassified
 *   military province M (world) duty officer confidential, commander top_secret,
 *                               viewer unclassified
 *   border guard province B     duty officer secret */
#include "util/base.h"
#include <curl/curl.h>
#include "harness.h"
#include "util/time.h"

int run_bulletin_tests(void); /* the group, run by main.c */

#define BULLETINS "/api/v1/bulletins"
#define SCHEDULES "/api/v1/bulletin-schedules"
#define INBOX "/api/v1/inbox?limit=500"

struct bth {
    int built;
    int64_t p, d, m, b;
    char *t_p_duty, *t_d_duty, *t_d_cmd, *t_d_view, *t_m_duty, *t_m_cmd, *t_m_view, *t_b_duty;
};

static struct bth bt;

/* ---- helpers ------------------------------------------------------------------------ */

static char *bul_path(int64_t id)
{
    return tfmt(BULLETINS "/%lld", (long long)id);
}

static char *person_token(int64_t unit, const char *role, const char *clearance)
{
    char *user = NULL;
    (void)mk_person(g_srv->w.admin, unit, role, clearance, &user);
    char *t = strdup(login_ok(user, H_PASSWORD));
    if (t == NULL)
        abort();
    return t;
}

/* {"units": [u]} */
static json_t *to_unit(int64_t u)
{
    return json_pack("{s:[I]}", "units", (json_int_t)u);
}

/* A valid send request to to (taken). */
static json_t *body(const char *title, json_t *to)
{
    return json_pack("{s:s, s:{s:s, s:s}, s:o}", "title", title, "sections", "situation",
                     "Tình hình an ninh trật tự trên địa bàn ổn định.", "assessment",
                     "Không có diễn biến phức tạp.", "to", to);
}

static int64_t mk_bul(const char *token, json_t *b)
{
    struct resp *r = api_json("POST", BULLETINS, token, b);
    EXPECT_STATUS(r, 201);
    return JINT(r->json, "id");
}

/* How many bulletins the global administrator sees. */
static size_t count_all(void)
{
    return json_array_size(list_items(BULLETINS "?limit=500", g_srv->w.admin));
}

/* The recipient row of unit u in a bulletin, or NULL. */
static json_t *rcpt_of(json_t *bul, int64_t u)
{
    json_t *rows = json_object_get(bul, "recipients"), *row;
    size_t i;
    assert_true(json_is_array(rows));
    json_array_foreach(rows, i, row)
    {
        if (JINT(row, "unit_id") == u)
            return row;
    }
    return NULL;
}

static int ids_has(json_t *arr, int64_t id)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (json_is_integer(v) && json_integer_value(v) == id)
            return 1;
    }
    return 0;
}

/* The position of the inbox item of kind ("incident", "bulletin") about id in
 * items, or -1. */
static long inbox_pos(json_t *items, const char *kind, int64_t id)
{
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        if (strcmp(JSTR(it, "kind"), kind) == 0 && JINT(json_object_get(it, kind), "id") == id)
            return (long)i;
    }
    return -1;
}

/* The lowest-id active province-level unit of force: what "forces" resolve to. */
static int64_t province_unit(const char *force)
{
    json_t *items =
        list_items(tfmt("/api/v1/units?force=%s&level=province&limit=1", force), g_srv->w.admin);
    assert_int_equal(json_array_size(items), 1);
    return JINT(json_array_get(items, 0), "id");
}

/* ---- the theatre -------------------------------------------------------------------- */

static void theatre_build(void)
{
    const char *adm = g_srv->w.admin;
    char *x = uniq_word();

    if (bt.built)
        return;
    bt.p = province_unit("police");
    bt.m = province_unit("military");
    bt.b = province_unit("border_guard");
    bt.d = mk_unit(adm, tfmt("CA-BT-%s", x), tfmt("Công an huyện Bản Tin %s", x), "police",
                   "district", bt.p, 0);
    bt.t_p_duty = person_token(bt.p, "duty_officer", "secret");
    bt.t_d_duty = person_token(bt.d, "duty_officer", "secret");
    bt.t_d_cmd = person_token(bt.d, "commander", "secret");
    bt.t_d_view = person_token(bt.d, "viewer", "unclassified");
    bt.t_m_duty = person_token(bt.m, "duty_officer", "confidential");
    bt.t_m_cmd = person_token(bt.m, "commander", "top_secret");
    bt.t_m_view = person_token(bt.m, "viewer", "unclassified");
    bt.t_b_duty = person_token(bt.b, "duty_officer", "secret");
    bt.built = 1;
}

static void theatre_release(void)
{
    char **toks[] = {&bt.t_p_duty, &bt.t_d_duty, &bt.t_d_cmd,  &bt.t_d_view,
                     &bt.t_m_duty, &bt.t_m_cmd,  &bt.t_m_view, &bt.t_b_duty};
    for (size_t i = 0; i < PH_NELEM(toks); i++) {
        free(*toks[i]);
        *toks[i] = NULL;
    }
    bt.built = 0;
}

static int bulletins_setup(void **state)
{
    int rc = h_group_setup(state);
    if (rc == 0)
        theatre_build();
    h_gc(NULL);
    return rc;
}

static int bulletins_teardown(void **state)
{
    (void)state;
    theatre_release();
    return h_gc(NULL);
}

/* ---- sending and reading -------------------------------------------------------------- */

static void test_bulletin_send_and_read(void **state)
{
    char *w = uniq_word();
    json_t *b, *bul, *sec, *to, *row;
    struct resp *r;
    int64_t id, t;
    (void)state;

    b = body(tfmt("  Thông báo tình hình %s  ", w),
             json_pack("{s:[I], s:[s]}", "units", (json_int_t)bt.p, "forces", "military"));
    json_object_set_new(b, "ack_minutes", json_integer(60));
    json_object_set_new(b, "classification", json_string("confidential"));
    r = api_json("POST", BULLETINS, bt.t_d_duty, b);
    EXPECT_STATUS(r, 201);
    bul = r->json;
    id = JINT(bul, "id");
    EXPECT_LOCATION(r, bul_path(id));
    assert_string_equal(resp_header(r, "ETag"), "\"1\"");
    assert_string_equal(JSTR(bul, "kind"), "ad_hoc");
    assert_true(json_is_null(json_object_get(bul, "schedule_id")));
    assert_true(json_is_null(json_object_get(bul, "period_start")));
    assert_string_equal(JSTR(bul, "title"), tfmt("Thông báo tình hình %s", w)); /* trimmed */
    assert_int_equal(JINT(bul, "from_unit_id"), bt.d);
    assert_string_equal(JSTR(bul, "from_force"), "police");
    sec = json_object_get(bul, "sections");
    assert_true(json_is_object(sec));
    assert_string_equal(JSTR(sec, "situation"), "Tình hình an ninh trật tự trên địa bàn ổn định.");
    assert_string_equal(JSTR(sec, "assessment"), "Không có diễn biến phức tạp.");
    assert_true(json_is_null(json_object_get(sec, "proposals")));
    to = json_object_get(bul, "to");
    assert_int_equal(json_array_size(json_object_get(to, "units")), 1);
    assert_true(ids_has(json_object_get(to, "units"), bt.p));
    assert_int_equal(json_array_size(json_object_get(to, "forces")), 1);
    assert_string_equal(json_string_value(json_array_get(json_object_get(to, "forces"), 0)),
                        "military");
    assert_string_equal(JSTR(bul, "classification"), "confidential");
    assert_string_equal(JSTR(bul, "cap_status"), "actual");
    assert_true(json_is_true(json_object_get(bul, "ack_required")));
    assert_int_equal(JINT(bul, "ack_minutes"), 60);
    assert_true(json_is_false(json_object_get(bul, "overdue")));
    assert_int_equal(JINT(bul, "version"), 1);
    assert_int_equal(time_parse_rfc3339(JSTR(bul, "sent_at"), &t), PH_OK);
    assert_true(llabs(t - time_now_ms()) < 60000);
    /* Recipients: the named unit, then the force's province-level unit. */
    assert_int_equal(json_array_size(json_object_get(bul, "recipients")), 2);
    row = rcpt_of(bul, bt.m);
    assert_non_null(row);
    assert_string_equal(JSTR(row, "force"), "military");
    assert_non_null(JSTR(row, "ack_due_at"));
    assert_true(json_is_null(json_object_get(row, "received_at")));
    assert_non_null(rcpt_of(bul, bt.p));

    /* Read back by a recipient; in the list, without recipients. Being
     * confidential, each answer that shows it is audited first (one entry each). */
    long before = -1, after = -1;
    assert_int_equal(srv_audit_verify(g_srv, &before), 0);
    r = api_get(bul_path(id), bt.t_m_duty);
    EXPECT_STATUS(r, 200);
    assert_string_equal(resp_header(r, "ETag"), "\"1\"");
    assert_int_equal(JINT(r->json, "id"), id);
    assert_int_equal(json_array_size(json_object_get(r->json, "recipients")), 2);
    {
        json_t *items = list_items(tfmt(BULLETINS "?q=%s", w), bt.t_m_duty);
        assert_int_equal(json_array_size(items), 1);
        assert_null(json_object_get(json_array_get(items, 0), "recipients"));
    }
    assert_int_equal(srv_audit_verify(g_srv, &after), 0);
    assert_int_equal(after, before + 2);
    EXPECT_ERROR(api_get(bul_path(987654321), bt.t_d_duty), 404, "not_found", NULL);
    EXPECT_ERROR(api_get(BULLETINS "/abc", bt.t_d_duty), 404, "not_found", NULL);
    EXPECT_ERROR(api_get(bul_path(id), NULL), 401, "unauthenticated", NULL);
    /* Never changed once sent. */
    assert_int_equal(
        api_json("PATCH", bul_path(id), bt.t_d_duty, json_pack("{s:s}", "title", "x"))->status,
        405);
}

static void test_bulletin_invalid_members(void **state)
{
    const struct bad_member cases[] = {
        {"title", NULL, "title", NULL},
        {"title", "\"   \"", "title", NULL},
        {"title", "42", "title", NULL},
        {"sections", NULL, "sections", NULL},
        {"sections", "{}", "sections", NULL},
        {"sections", "\"tình hình\"", "sections", NULL},
        {"sections", "{\"summary\": \"x\"}", "sections.summary", NULL},
        {"sections", "{\"situation\": 7}", "sections.situation", NULL},
        {"to", NULL, "to", NULL},
        {"to", "{}", "to", NULL},
        {"to", "[1]", "to", NULL},
        {"to", "{\"people\": [1]}", "to.people", NULL},
        {"to", "{\"units\": \"1\"}", "to.units", NULL},
        {"to", "{\"units\": [0]}", "to.units", NULL},
        {"to", "{\"units\": [987654321]}", "to.units", NULL},
        {"to", "{\"forces\": [\"navy\"]}", "to.forces", NULL},
        {"classification", "\"ultra\"", "classification", NULL},
        {"classification", "\"top_secret\"", "classification", NULL}, /* above the sender's */
        {"cap_status", "\"drill\"", "cap_status", NULL},
        {"ack_required", "true", "ack_minutes", NULL},
        {"ack_minutes", "100000", "ack_minutes", NULL},
        {"ack_minutes", "-5", "ack_minutes", NULL},
        {"kind", "\"urgent\"", "kind", NULL},
        {"kind", "\"periodic\"", "schedule_id", NULL},
        {"schedule_id", "987654321", "schedule_id", NULL},
        {"period_start", "\"2026-03-02\"", "period_start", NULL},
        {"from_unit_id", "987654321", "from_unit_id", NULL},
        {"colour", "\"đỏ\"", "colour", NULL},
    };
    size_t before = count_all();
    (void)state;

    for (size_t i = 0; i < PH_NELEM(cases); i++)
        EXPECT_BAD_MEMBER(BULLETINS, bt.t_d_duty, body("Hợp lệ", to_unit(bt.p)), &cases[i], i);
    /* Only itself as recipient: nobody to send to. */
    EXPECT_ERROR(api_json("POST", BULLETINS, bt.t_d_duty, body("Cho mình", to_unit(bt.d))), 422,
                 "invalid", "to");
    /* Not for a unit it does not run; not as a viewer. */
    {
        json_t *b = body("Thay mặt", to_unit(bt.p));
        json_object_set_new(b, "from_unit_id", json_integer(bt.m));
        EXPECT_ERROR(api_json("POST", BULLETINS, bt.t_d_duty, b), 403, "forbidden", NULL);
    }
    EXPECT_ERROR(api_json("POST", BULLETINS, bt.t_d_view, body("Người xem", to_unit(bt.p))), 403,
                 "forbidden", NULL);
    EXPECT_ERROR(api_req("POST", BULLETINS, bt.t_d_duty, "{\"title\":", "application/json", NULL),
                 400, "malformed", NULL);
    /* Nothing was written. */
    assert_int_equal(count_all(), before);
}

/* ---- acknowledgements ------------------------------------------------------------------ */

static char *ack_path(int64_t id)
{
    return tfmt(BULLETINS "/%lld/acknowledgements", (long long)id);
}

static void test_bulletin_acknowledge(void **state)
{
    json_t *b = body(tfmt("Đề nghị xác nhận %s", uniq_word()),
                     json_pack("{s:[s, s]}", "forces", "military", "border_guard"));
    struct resp *r;
    int64_t id;
    (void)state;

    json_object_set_new(b, "ack_minutes", json_integer(30));
    id = mk_bul(bt.t_d_duty, b);
    r = api_json("POST", ack_path(id), bt.t_m_duty,
                 json_pack("{s:s}", "note", "Đã nhận, báo cáo chỉ huy"));
    EXPECT_STATUS(r, 201);
    assert_int_equal(JINT(r->json, "bulletin_id"), id);
    assert_int_equal(JINT(r->json, "unit_id"), bt.m);
    assert_non_null(JSTR(r->json, "received_at"));
    assert_true(JINT(r->json, "received_by") > 0);
    assert_string_equal(JSTR(r->json, "note"), "Đã nhận, báo cáo chỉ huy");
    assert_true(json_is_true(json_object_get(r->json, "on_time")));
    /* Once. */
    EXPECT_ERROR(api_json("POST", ack_path(id), bt.t_m_cmd, json_object()), 409, "conflict",
                 "unit_id");
    /* The border guard names its unit; others cannot answer for it. */
    EXPECT_ERROR(api_json("POST", ack_path(id), bt.t_m_duty,
                          json_pack("{s:I}", "unit_id", (json_int_t)bt.b)),
                 403, "forbidden", NULL);
    EXPECT_ERROR(api_json("POST", ack_path(id), bt.t_b_duty,
                          json_pack("{s:I}", "unit_id", (json_int_t)bt.d)),
                 422, "invalid", "unit_id");
    EXPECT_STATUS(api_json("POST", ack_path(id), bt.t_b_duty,
                           json_pack("{s:I, s:n}", "unit_id", (json_int_t)bt.b, "note")),
                  201);
    /* Bad bodies, the sender, a viewer, an unknown bulletin, one not seen. */
    EXPECT_ERROR(api_json("POST", ack_path(id), bt.t_m_cmd, json_pack("{s:i}", "colour", 1)), 422,
                 "invalid", "colour");
    EXPECT_ERROR(api_json("POST", ack_path(id), bt.t_m_cmd, json_pack("{s:i}", "note", 1)), 422,
                 "invalid", "note");
    EXPECT_ERROR(api_json("POST", ack_path(id), bt.t_d_duty, json_object()), 422, "invalid",
                 "unit_id");
    EXPECT_ERROR(api_json("POST", ack_path(id), bt.t_m_view, json_object()), 403, "forbidden",
                 NULL);
    EXPECT_ERROR(api_json("POST", ack_path(987654321), bt.t_m_duty, json_object()), 404,
                 "not_found", NULL);
    {
        int64_t other = mk_bul(bt.t_d_duty, body("Chỉ cho tỉnh", to_unit(bt.p)));
        EXPECT_ERROR(api_json("POST", ack_path(other), bt.t_m_duty, json_object()), 404,
                     "not_found", NULL);
    }
    /* Both receipts show on the bulletin. */
    r = api_get(bul_path(id), bt.t_d_duty);
    EXPECT_STATUS(r, 200);
    assert_non_null(JSTR(rcpt_of(r->json, bt.m), "received_at"));
    assert_non_null(JSTR(rcpt_of(r->json, bt.b), "received_at"));
    assert_true(json_is_null(json_object_get(rcpt_of(r->json, bt.b), "note")));
}

/* ---- the inbox ---------------------------------------------------------------------------- */

/* A crime reported by the world's police district reporter: the military is
 * informed (its "received" due in 30 minutes, the seeded crime rule). */
static int64_t mk_crime(void)
{
    char occurred[TIME_RFC3339_BYTES];
    struct resp *r;
    time_format_utc(time_now_ms() - 600 * 1000, occurred);
    r = api_json("POST", "/api/v1/incidents", g_srv->w.t_reporter,
                 json_pack("{s:s, s:s, s:s}", "category", "crime", "title",
                           tfmt("Trộm cắp tài sản %s", uniq_word()), "occurred_at", occurred));
    EXPECT_STATUS(r, 201);
    return JINT(r->json, "id");
}

static void test_bulletin_inbox_mixes_incidents(void **state)
{
    int64_t inc = mk_crime(), u = 0, soon, late;
    json_t *inc_json, *row, *items, *it;
    char *tok;
    long p_soon, p_inc, p_late;
    size_t i;
    int64_t prev = 0;
    (void)state;

    /* The unit of the military informed of the crime, and a duty officer there. */
    inc_json = api_get(tfmt("/api/v1/incidents/%lld", (long long)inc), g_srv->w.admin)->json;
    json_array_foreach(json_object_get(inc_json, "recipients"), i, row)
    {
        if (strcmp(JSTR(row, "force"), "military") == 0 &&
            strcmp(JSTR(row, "role"), "informed") == 0)
            u = JINT(row, "unit_id");
    }
    assert_true(u > 0);
    {
        char *user = NULL;
        (void)mk_person(g_srv->w.admin, u, "duty_officer", "confidential", &user);
        tok = login_ok(user, H_PASSWORD); /* on the garbage list */
    }
    /* Bulletins to it due before and after the incident's acknowledgement. */
    {
        json_t *b = body("Hạn một phút", to_unit(u));
        json_object_set_new(b, "ack_minutes", json_integer(1));
        soon = mk_bul(bt.t_d_duty, b);
        b = body("Hạn mười giờ", to_unit(u));
        json_object_set_new(b, "ack_minutes", json_integer(600));
        late = mk_bul(bt.t_d_duty, b);
        (void)mk_bul(bt.t_d_duty, body("Không cần xác nhận", to_unit(u)));
    }
    items = list_items(INBOX, tok);
    p_soon = inbox_pos(items, "bulletin", soon);
    p_inc = inbox_pos(items, "incident", inc);
    p_late = inbox_pos(items, "bulletin", late);
    assert_true(p_soon >= 0 && p_inc >= 0 && p_late >= 0);
    assert_true(p_soon < p_inc && p_inc < p_late);
    /* Every item says its kind; after the overdue ones, by due time. */
    json_array_foreach(items, i, it)
    {
        const char *kind = JSTR(it, "kind");
        int64_t due = 0;
        assert_true(strcmp(kind, "incident") == 0 || strcmp(kind, "bulletin") == 0);
        assert_true(json_is_object(json_object_get(it, kind)));
        assert_true(json_is_object(json_object_get(it, "recipient")));
        assert_non_null(JSTR(it, "awaiting"));
        if (json_is_true(json_object_get(it, "overdue")))
            continue;
        if (json_is_string(json_object_get(it, "due_at")))
            assert_int_equal(time_parse_rfc3339(JSTR(it, "due_at"), &due), PH_OK);
        if (due != 0) {
            assert_true(due >= prev);
            prev = due;
        }
    }
    it = json_array_get(items, (size_t)p_soon);
    assert_string_equal(JSTR(it, "awaiting"), "received");
    assert_int_equal(JINT(json_object_get(it, "recipient"), "unit_id"), u);
    assert_string_equal(JSTR(json_object_get(it, "bulletin"), "title"), "Hạn một phút");
    /* Acknowledged: gone from the inbox; the limit counts both kinds. */
    EXPECT_STATUS(api_json("POST", ack_path(soon), tok, json_object()), 201);
    items = list_items(INBOX, tok);
    assert_int_equal(inbox_pos(items, "bulletin", soon), -1);
    assert_true(inbox_pos(items, "bulletin", late) >= 0);
    assert_int_equal(json_array_size(list_items("/api/v1/inbox?limit=1", tok)), 1);
    /* A unit above may look at the inbox of its unit; one beside may not. */
    EXPECT_STATUS(api_get(tfmt("/api/v1/inbox?unit_id=%lld", (long long)bt.d), bt.t_p_duty), 200);
    EXPECT_ERROR(api_get(tfmt("/api/v1/inbox?unit_id=%lld", (long long)u), bt.t_d_duty), 403,
                 "forbidden", NULL);
}

/* ---- who sees what ------------------------------------------------------------------------ */

static void test_bulletin_access_paths(void **state)
{
    char *w = uniq_word();
    const struct world *wd = &g_srv->w;
    json_t *b = body(tfmt("Hạn chế %s", w), to_unit(bt.m));
    int64_t id;
    (void)state;

    json_object_set_new(b, "classification", json_string("confidential"));
    json_object_set_new(b, "ack_minutes", json_integer(60));
    id = mk_bul(bt.t_d_duty, b);
    const struct {
        const char *who, *token;
        int sees;
    } cases[] = {
        {"district duty (secret): the sender", bt.t_d_duty, 1},
        {"district commander (secret)", bt.t_d_cmd, 1},
        {"district viewer (unclassified)", bt.t_d_view, 0},
        {"police province duty (secret): above the sender", bt.t_p_duty, 1},
        {"military duty (confidential): the recipient", bt.t_m_duty, 1},
        {"military commander (top secret)", bt.t_m_cmd, 1},
        {"military viewer (unclassified)", bt.t_m_view, 0},
        {"border guard duty (secret): another force", bt.t_b_duty, 0},
        {"another police district's duty officer", wd->t_duty, 0},
        {"another police district's commander", wd->t_commander, 0},
        {"police district admin", wd->t_adm_pd, 0},
        {"global admin", wd->admin, 1},
    };
    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        struct resp *r = api_get(bul_path(id), cases[i].token);
        int listed = json_has_id(list_items(tfmt(BULLETINS "?q=%s", w), cases[i].token), id);
        if ((r->status == 200) != cases[i].sees || (r->status != 200 && r->status != 404) ||
            listed != cases[i].sees)
            fail_msg("%s: GET %ld, listed %d, want %d", cases[i].who, r->status, listed,
                     cases[i].sees);
    }
    /* The inbox: the military command's, but not for its viewer's clearance. */
    assert_true(inbox_pos(list_items(INBOX, bt.t_m_duty), "bulletin", id) >= 0);
    assert_int_equal(inbox_pos(list_items(INBOX, bt.t_m_view), "bulletin", id), -1);
    assert_int_equal(inbox_pos(list_items(INBOX, bt.t_d_duty), "bulletin", id), -1);
    /* Acknowledging what one cannot see is "not found". */
    EXPECT_ERROR(api_json("POST", ack_path(id), bt.t_b_duty, json_object()), 404, "not_found",
                 NULL);
}

/* ---- lists -------------------------------------------------------------------------------- */

static void test_bulletin_list_filters(void **state)
{
    char *w = uniq_word();
    int64_t ids[4], newest_first[4];
    json_t *b;
    (void)state;

    for (size_t i = 0; i < 3; i++)
        ids[i] = mk_bul(bt.t_d_duty, body(tfmt("Bản tin %s số %zu", w, i), to_unit(bt.p)));
    b = body(tfmt("Diễn tập %s", w), to_unit(bt.m));
    json_object_set_new(b, "cap_status", json_string("exercise"));
    ids[3] = mk_bul(bt.t_d_duty, b);
    for (size_t i = 0; i < 4; i++)
        newest_first[i] = ids[3 - i];
    check_paging(tfmt(BULLETINS "?q=%s", w), newest_first, 4, bt.t_d_duty);
    /* Diacritics and case do not matter to q. */
    EXPECT_IDS(tfmt(BULLETINS "?q=%s", urlenc(tfmt("DIEN TAP %s", w))), bt.t_d_duty, ids[3]);
    EXPECT_IDS(tfmt(BULLETINS "?q=%s&cap_status=exercise", w), bt.t_d_duty, ids[3]);
    EXPECT_IDS(tfmt(BULLETINS "?q=%s&unit_id=%lld", w, (long long)bt.m), bt.t_d_duty, ids[3]);
    EXPECT_IDS(tfmt(BULLETINS "?q=%s&kind=periodic", w), bt.t_d_duty);
    /* The sender (D) is below the police province: all four concern it. */
    EXPECT_IDS(tfmt(BULLETINS "?q=%s&kind=ad_hoc&unit_id=%lld", w, (long long)bt.p), bt.t_d_duty,
               ids[0], ids[1], ids[2], ids[3]);
    EXPECT_IDS(tfmt(BULLETINS "?q=%s&unit_id=%lld", w, (long long)bt.b), bt.t_d_duty);
    {
        char later[TIME_RFC3339_BYTES];
        time_format_utc(time_now_ms() + 3600 * 1000, later);
        EXPECT_IDS(tfmt(BULLETINS "?q=%s&from=%s", w, urlenc(later)), bt.t_d_duty);
        EXPECT_IDS(tfmt(BULLETINS "?q=%s&to=%s", w, urlenc(later)), bt.t_d_duty, ids[0], ids[1],
                   ids[2], ids[3]);
    }
    EXPECT_ERROR(api_get(BULLETINS "?kind=urgent", bt.t_d_duty), 400, "malformed", "kind");
    EXPECT_ERROR(api_get(BULLETINS "?cap_status=drill", bt.t_d_duty), 400, "malformed",
                 "cap_status");
    EXPECT_ERROR(api_get(BULLETINS "?from=yesterday", bt.t_d_duty), 400, "malformed", "from");
    EXPECT_ERROR(api_get(BULLETINS "?to=2026-13-01T00:00:00Z", bt.t_d_duty), 400, "malformed",
                 "to");
    EXPECT_ERROR(api_get(BULLETINS "?unit_id=abc", bt.t_d_duty), 400, "malformed", "unit_id");
    check_list_params(BULLETINS, bt.t_d_duty);
}

/* ---- schedules and periodic bulletins ------------------------------------------------------- */

static void test_bulletin_schedules(void **state)
{
    char *w = uniq_word();
    json_t *s = json_pack("{s:I, s:s, s:s, s:s, s:o, s:i}", "unit_id", (json_int_t)bt.d, "title",
                          tfmt("Báo cáo tình hình ngày %s", w), "period", "daily", "due_local",
                          "07:00", "to", to_unit(bt.p), "ack_minutes", 120);
    struct resp *r;
    int64_t sid, sid2, bid;
    (void)state;

    /* Only the unit's commanders and admins (or those above it) manage it. */
    EXPECT_ERROR(api_json("POST", SCHEDULES, bt.t_d_duty, json_deep_copy(s)), 403, "forbidden",
                 NULL);
    EXPECT_ERROR(api_json("POST", SCHEDULES, bt.t_m_cmd, json_deep_copy(s)), 403, "forbidden",
                 NULL);
    r = api_json("POST", SCHEDULES, bt.t_d_cmd, json_deep_copy(s));
    EXPECT_STATUS(r, 201);
    sid = JINT(r->json, "id");
    EXPECT_LOCATION(r, tfmt(SCHEDULES "/%lld", (long long)sid));
    assert_string_equal(resp_header(r, "ETag"), "\"1\"");
    assert_string_equal(JSTR(r->json, "period"), "daily");
    assert_string_equal(JSTR(r->json, "due_local"), "07:00");
    assert_true(json_is_null(json_object_get(r->json, "due_day")));
    assert_true(ids_has(json_object_get(json_object_get(r->json, "to"), "units"), bt.p));
    assert_int_equal(JINT(r->json, "ack_minutes"), 120);
    assert_true(json_is_true(json_object_get(r->json, "is_active")));
    json_object_set_new(s, "title", json_string(tfmt("Báo cáo tuần %s", w)));
    json_object_set_new(s, "period", json_string("weekly"));
    json_object_set_new(s, "due_day", json_integer(1));
    r = api_json("POST", SCHEDULES, g_srv->w.admin, json_deep_copy(s));
    EXPECT_STATUS(r, 201);
    sid2 = JINT(r->json, "id");

    /* Reads: the unit, above it, the unit it reports to; not another force. */
    EXPECT_STATUS(api_get(tfmt(SCHEDULES "/%lld", (long long)sid), bt.t_d_duty), 200);
    EXPECT_STATUS(api_get(tfmt(SCHEDULES "/%lld", (long long)sid), bt.t_p_duty), 200);
    EXPECT_ERROR(api_get(tfmt(SCHEDULES "/%lld", (long long)sid), bt.t_b_duty), 404, "not_found",
                 NULL);
    EXPECT_IDS(tfmt(SCHEDULES "?unit_id=%lld", (long long)bt.d), bt.t_d_duty, sid, sid2);
    assert_false(json_has_id(list_items(SCHEDULES "?limit=500", bt.t_b_duty), sid));
    check_list_params(SCHEDULES, bt.t_d_duty);

    /* PATCH: If-Match, 412 when stale, 403 for a duty officer, 422 naming the member. */
    r = api_json_h("PATCH", tfmt(SCHEDULES "/%lld", (long long)sid), bt.t_d_cmd,
                   json_pack("{s:s}", "due_local", "06:30"), "If-Match: \"1\"");
    EXPECT_STATUS(r, 200);
    assert_string_equal(resp_header(r, "ETag"), "\"2\"");
    assert_string_equal(JSTR(r->json, "due_local"), "06:30");
    EXPECT_ERROR(api_json_h("PATCH", tfmt(SCHEDULES "/%lld", (long long)sid), bt.t_d_cmd,
                            json_pack("{s:s}", "due_local", "06:00"), "If-Match: \"1\""),
                 412, "stale", NULL);
    EXPECT_ERROR(api_json("PATCH", tfmt(SCHEDULES "/%lld", (long long)sid), bt.t_d_duty,
                          json_pack("{s:s}", "due_local", "06:00")),
                 403, "forbidden", NULL);
    EXPECT_ERROR(api_json("PATCH", tfmt(SCHEDULES "/%lld", (long long)sid), bt.t_d_cmd,
                          json_pack("{s:s}", "due_local", "25:00")),
                 422, "invalid", "due_local");
    EXPECT_ERROR(api_json("PATCH", tfmt(SCHEDULES "/%lld", (long long)sid), bt.t_d_cmd,
                          json_pack("{s:i}", "due_day", 3)),
                 422, "invalid", "due_day");
    EXPECT_ERROR(api_json("PATCH", tfmt(SCHEDULES "/%lld", (long long)sid), bt.t_d_cmd,
                          json_pack("{s:{s:[s]}}", "to", "forces", "navy")),
                 422, "invalid", "to.forces");
    EXPECT_ERROR(api_json("PATCH", tfmt(SCHEDULES "/%lld", (long long)sid), bt.t_d_cmd,
                          json_pack("{s:s}", "colour", "đỏ")),
                 422, "invalid", "colour");
    EXPECT_ERROR(api_json("PATCH", tfmt(SCHEDULES "/%lld", (long long)sid), bt.t_b_duty,
                          json_pack("{s:s}", "due_local", "06:00")),
                 404, "not_found", NULL);
    {
        const struct bad_member cases[] = {
            {"period", "\"yearly\"", "period", NULL},   {"due_local", "\"7h\"", "due_local", NULL},
            {"unit_id", "987654321", "unit_id", NULL},  {"to", "{\"units\": []}", "to", NULL},
            {"ack_minutes", "-1", "ack_minutes", NULL}, {"title", "\"\"", "title", NULL},
        };
        for (size_t i = 0; i < PH_NELEM(cases); i++)
            EXPECT_BAD_MEMBER(SCHEDULES, g_srv->w.admin, json_deep_copy(s), &cases[i], i);
    }

    /* A periodic bulletin: the schedule's unit, title and recipients by default,
     * the period holding now; a second one for it is a conflict. */
    r = api_json("POST", BULLETINS, bt.t_d_duty,
                 json_pack("{s:I, s:{s:s}}", "schedule_id", (json_int_t)sid, "sections",
                           "situation", "Không có vụ việc nghiêm trọng."));
    EXPECT_STATUS(r, 201);
    bid = JINT(r->json, "id");
    assert_string_equal(JSTR(r->json, "kind"), "periodic");
    assert_int_equal(JINT(r->json, "schedule_id"), sid);
    assert_true(time_is_date(JSTR(r->json, "period_start")));
    {
        char today[11];
        time_today_vn(today);
        assert_string_equal(JSTR(r->json, "period_start"), today);
    }
    assert_string_equal(JSTR(r->json, "title"), tfmt("Báo cáo tình hình ngày %s", w));
    assert_int_equal(JINT(rcpt_of(r->json, bt.p), "unit_id"), bt.p);
    assert_int_equal(JINT(r->json, "ack_minutes"), 120);
    EXPECT_ERROR(api_json("POST", BULLETINS, bt.t_d_duty,
                          json_pack("{s:I, s:{s:s}}", "schedule_id", (json_int_t)sid, "sections",
                                    "situation", "Lần hai.")),
                 409, "conflict", "period_start");
    EXPECT_IDS(tfmt(BULLETINS "?kind=periodic&unit_id=%lld", (long long)bt.d), bt.t_d_duty, bid);
    /* Deactivated: no more reports on it. */
    EXPECT_STATUS(api_json("PATCH", tfmt(SCHEDULES "/%lld", (long long)sid2), g_srv->w.admin,
                           json_pack("{s:b}", "is_active", 0)),
                  200);
    EXPECT_ERROR(api_json("POST", BULLETINS, bt.t_d_duty,
                          json_pack("{s:I, s:{s:s}}", "schedule_id", (json_int_t)sid2, "sections",
                                    "situation", "Tuần.")),
                 422, "invalid", "schedule_id");
    json_decref(s);
}

/* ---- the stream ------------------------------------------------------------------------------ */

struct sse_buf {
    char *data;
    size_t n, cap;
    const char *until; /* stop once this has arrived */
};

static size_t on_sse(char *p, size_t size, size_t nmemb, void *arg)
{
    struct sse_buf *b = arg;
    size_t len = size * nmemb;
    if (b->n + len + 1 > b->cap) {
        b->cap = (b->n + len + 1) * 2;
        b->data = realloc(b->data, b->cap);
        if (b->data == NULL)
            abort();
    }
    memcpy(b->data + b->n, p, len);
    b->n += len;
    b->data[b->n] = '\0';
    return strstr(b->data, b->until) != NULL ? 0 : len; /* 0 ends the transfer */
}

/* The stream as token sees it from after event last_id (0: from now), read until
 * until has come (or ten seconds); on the garbage list. */
static char *sse_read(const char *token, int64_t last_id, const char *until)
{
    struct sse_buf b = {.until = until};
    struct curl_slist *hl = NULL;
    CURL *c = curl_easy_init();
    char *out;

    hl = curl_slist_append(hl, tfmt("Authorization: Bearer %s", token));
    hl = curl_slist_append(hl, "Accept: text/event-stream");
    if (last_id > 0)
        hl = curl_slist_append(hl, tfmt("Last-Event-ID: %lld", (long long)last_id));
    curl_easy_setopt(c, CURLOPT_URL, tfmt("%s/api/v1/stream", g_srv->base));
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_sse);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    (void)curl_easy_perform(c); /* ends by our callback, or by the timeout */
    curl_easy_cleanup(c);
    curl_slist_free_all(hl);
    out = tfmt("%s", b.data != NULL ? b.data : "");
    free(b.data);
    return out;
}

/* The id the stream opens with ("retry: ..\nid: N\n\n"): where it stands now. */
static int64_t stream_start(const char *token)
{
    char *s = sse_read(token, 0, "\n\n"), *id = strstr(s, "id: ");
    assert_non_null(id);
    return strtoll(id + 4, NULL, 10);
}

static void test_bulletin_stream_scope(void **state)
{
    const struct world *wd = &g_srv->w;
    const struct {
        const char *who, *token;
    } people[] = {
        {"district duty (secret)", bt.t_d_duty},
        {"district viewer (unclassified)", bt.t_d_view},
        {"police province duty", bt.t_p_duty},
        {"military duty (confidential)", bt.t_m_duty},
        {"military viewer (unclassified)", bt.t_m_view},
        {"border guard duty", bt.t_b_duty},
        {"another police district", wd->t_duty},
        {"global admin", wd->admin},
    };
    int64_t start = stream_start(wd->admin), id, cat;
    char *word = uniq_word(), *want, *fence;
    json_t *b = body(tfmt("Luồng sự kiện %s", word), to_unit(bt.m));
    struct resp *r;
    int seen_by = 0, hidden_from = 0;
    (void)state;

    json_object_set_new(b, "classification", json_string("confidential"));
    id = mk_bul(bt.t_d_duty, b);
    /* A fence everyone sees: events come in commit order. */
    r = api_json("POST", "/api/v1/categories", wd->admin,
                 json_pack("{s:s, s:s, s:s, s:i}", "code", tfmt("bt_%s", word), "name_vi",
                           tfmt("Bản tin %s", word), "name_en", tfmt("Bulletin %s", word),
                           "default_severity", 2));
    EXPECT_STATUS(r, 201);
    cat = JINT(r->json, "id");
    want = tfmt("event: bulletin.sent\ndata: {\"id\":%lld,", (long long)id);
    fence = tfmt("event: category.created\ndata: {\"id\":%lld,", (long long)cat);
    for (size_t k = 0; k < PH_NELEM(people); k++) {
        char *s = sse_read(people[k].token, start, fence);
        int may_read = api_get(bul_path(id), people[k].token)->status == 200;
        if (strstr(s, fence) == NULL)
            fail_msg("%s: the fence did not arrive: %.2000s", people[k].who, s);
        if ((strstr(s, want) != NULL) != may_read)
            fail_msg("%s: bulletin.sent %s, may read %d", people[k].who,
                     strstr(s, want) != NULL ? "seen" : "not seen", may_read);
        seen_by += may_read;
        hidden_from += !may_read;
    }
    assert_true(seen_by >= 3 && hidden_from >= 3);
    /* An acknowledgement is an event too, for the same people. */
    EXPECT_STATUS(api_json("POST", ack_path(id), bt.t_m_duty, json_object()), 201);
    r = api_json("POST", "/api/v1/categories", wd->admin,
                 json_pack("{s:s, s:s, s:s, s:i}", "code", tfmt("bt2_%s", word), "name_vi",
                           tfmt("Bản tin hai %s", word), "name_en", tfmt("Bulletin two %s", word),
                           "default_severity", 2));
    EXPECT_STATUS(r, 201);
    fence = tfmt("event: category.created\ndata: {\"id\":%lld,", (long long)JINT(r->json, "id"));
    want = tfmt("event: bulletin.acknowledged\ndata: {\"id\":%lld,", (long long)id);
    {
        char *seen = sse_read(bt.t_d_duty, start, fence);
        char *hidden = sse_read(bt.t_b_duty, start, fence);
        assert_non_null(strstr(seen, fence));
        assert_non_null(strstr(seen, want));
        assert_non_null(strstr(hidden, fence));
        assert_null(strstr(hidden, want));
    }
}

int run_bulletin_tests(void)
{
    const struct CMUnitTest tests[] = {
        T(test_bulletin_send_and_read), T(test_bulletin_invalid_members),
        T(test_bulletin_acknowledge),   T(test_bulletin_inbox_mixes_incidents),
        T(test_bulletin_access_paths),  T(test_bulletin_list_filters),
        T(test_bulletin_schedules),     T(test_bulletin_stream_scope),
    };
    return cmocka_run_group_tests_name("bulletins", tests, bulletins_setup, bulletins_teardown);
}
