/* test_messages.c - /api/v1/messages and /api/v1/incident-drafts over HTTP: the
 * JSON shapes, a 422 naming each bad member with nothing written, who may send,
 * who reads a room of the sender's unit, a unit's room and a direct message,
 * a retried uid stored once, the list's filters and paging (newest first), the
 * stream (message.sent and draft.* reach those who may read them and not a
 * person of another force's province unit), and drafts: a marker posted twice
 * or moved updates its open draft, promotion makes the incident (its Location,
 * the draft's place and time) and links the draft to it, dismissal needs a
 * reason, and a decided draft answers 409.
 *
 * People: the world's police district people (viewer, reporter, duty officer,
 * commander), its administrators (police district, police province, military
 * province) and the military province viewer. Each test writes in a room or
 * with a uid of its own (uniq_word), so that its lists hold only its messages. */
#include "util/base.h"
#include <curl/curl.h>
#include "harness.h"
#include "util/time.h"

int run_message_tests(void); /* the group, run by main.c */

#define MESSAGES "/api/v1/messages"
#define DRAFTS "/api/v1/incident-drafts"

/* ---- helpers ----------------------------------------------------------------------- */

static int64_t send_ok(const char *token, json_t *body)
{
    struct resp *r = api_json("POST", MESSAGES, token, body);
    EXPECT_STATUS(r, 201);
    return JINT(r->json, "id");
}

/* The ids of the messages of room as token reads them, newest first. */
static json_t *room_items(const char *room, const char *token)
{
    return list_items(tfmt(MESSAGES "?room=%s&limit=500", urlenc(room)), token);
}

static bool reads(const char *room, const char *token, int64_t id)
{
    return json_has_id(room_items(room, token), id) != 0;
}

static char *draft_path(int64_t id)
{
    return tfmt(DRAFTS "/%lld", (long long)id);
}

/* A marker inside the world's commune, at one time for the whole run (a minute
 * before its first use), so that the same marker posted again is a repeat. */
static json_t *marker(const char *uid)
{
    static char at[TIME_RFC3339_BYTES];
    if (at[0] == '\0')
        time_format_utc(time_now_ms() - 60000, at);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:f, s:f}}", "uid", uid, "cot_type", "b-m-p-s-m",
                     "title", "Ghe lạ neo đậu", "remarks", "Hai người trên ghe, không rõ quốc tịch",
                     "at", at, "location", "lat", 10.21, "lon", 106.71);
}

static int64_t draft_ok(const char *token, json_t *body, long want_status)
{
    struct resp *r = api_json("POST", DRAFTS, token, body);
    EXPECT_STATUS(r, want_status);
    int64_t id = JINT(r->json, "id");
    EXPECT_LOCATION(r, draft_path(id));
    return id;
}

/* ---- the stream -------------------------------------------------------------------- */

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

/* The stream as token sees it after event last_id (0: from now), read until
 * `until` has come (or eight seconds); on the garbage list. */
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
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 8L);
    (void)curl_easy_perform(c); /* ends by our callback, or by the timeout */
    curl_easy_cleanup(c);
    curl_slist_free_all(hl);
    out = tfmt("%s", b.data != NULL ? b.data : "");
    free(b.data);
    return out;
}

/* Where the stream stands now (the id of its opening block). */
static int64_t stream_start(const char *token)
{
    char *s = sse_read(token, 0, "\n\n"), *id = strstr(s, "id: ");
    assert_non_null(id);
    return strtoll(id + 4, NULL, 10);
}

/* An event every person sees, after everything written so far: a category. */
static char *fence(void)
{
    const char *word = uniq_word();
    struct resp *r = api_json("POST", "/api/v1/categories", g_srv->w.admin,
                              json_pack("{s:s, s:s, s:s, s:i}", "code", tfmt("tn_%s", word),
                                        "name_vi", tfmt("Tin nhắn %s", word), "name_en",
                                        tfmt("Message %s", word), "default_severity", 2));
    EXPECT_STATUS(r, 201);
    return tfmt("event: category.created\ndata: {\"id\":%lld,", (long long)JINT(r->json, "id"));
}

/* ---- messages ---------------------------------------------------------------------- */

static void test_message_send_and_read(void **state)
{
    const struct world *w = &g_srv->w;
    char *room = tfmt("Phòng %s", uniq_word());
    struct resp *r;
    json_t *m;
    int64_t id;
    (void)state;

    /* Decomposed marks come back as NFC. */
    r = api_json("POST", MESSAGES, w->t_reporter,
                 json_pack("{s:s, s:s, s:{s:f, s:f}}", "text",
                           "  \xC4\x90\x61\xCC\x83 \xC4\x91\x65\xCC\x82\xCC\x81n ch\xE1\xBB\x91t ",
                           "room", room, "location", "lat", 10.2, "lon", 106.7));
    EXPECT_STATUS(r, 201);
    m = r->json;
    id = JINT(m, "id");
    assert_string_equal(JSTR(m, "text"), "Đã đến chốt");
    assert_string_equal(JSTR(m, "room"), room);
    assert_true(strncmp(JSTR(m, "uid"), "msg-", 4) == 0);
    assert_int_equal(JINT(m, "from_person_id"), w->p_reporter);
    assert_int_equal(JINT(m, "from_unit_id"), w->u_pd);
    assert_true(json_is_null(json_object_get(m, "from_device_id")));
    assert_true(json_is_null(json_object_get(m, "to_unit_id")));
    assert_true(json_is_null(json_object_get(m, "to_person_id")));
    assert_string_equal(JSTR(m, "source"), "api");
    assert_non_null(strchr(JSTR(m, "at"), 'T'));
    assert_true(json_real_value(json_object_get(json_object_get(m, "location"), "lat")) == 10.2);
    assert_non_null(JSTR(m, "from_name"));

    /* The default room, and the list: the sender's unit and those above it. */
    r = api_json("POST", MESSAGES, w->t_duty, json_pack("{s:s}", "text", "Nhận rõ"));
    EXPECT_STATUS(r, 201);
    assert_string_equal(JSTR(r->json, "room"), "All Chat Rooms");
    assert_true(reads(room, w->t_reporter, id));
    assert_true(reads(room, w->t_viewer, id));
    assert_true(reads(room, w->t_commander, id));
    assert_true(reads(room, w->t_adm_pp, id));
    assert_true(reads(room, w->admin, id));
    assert_false(reads(room, w->t_mil_viewer, id));
    assert_false(reads(room, w->t_adm_mp, id));
    EXPECT_STATUS(api_get(MESSAGES, w->t_mil_viewer), 200);

    /* Readers send nothing. */
    EXPECT_ERROR(api_json("POST", MESSAGES, w->t_viewer, json_pack("{s:s}", "text", "Xin chào")),
                 403, "forbidden", NULL);
    EXPECT_ERROR(api_json("POST", MESSAGES, NULL, json_pack("{s:s}", "text", "Xin chào")), 401,
                 "unauthenticated", NULL);
}

static void test_message_bad_members(void **state)
{
    const struct world *w = &g_srv->w;
    char *room = tfmt("Phòng %s", uniq_word());
    char *big = calloc(1, 4098), *long_uid = calloc(1, 202);
    static const struct bad_member cases[] = {
        {"text", NULL, "text", NULL},
        {"text", "\"\"", "text", NULL},
        {"text", "\"  \\n \"", "text", NULL},
        {"text", "42", "text", NULL},
        {"text", "null", "text", NULL},
        {"room", "7", "room", NULL},
        {"to_unit_id", "0", "to_unit_id", NULL},
        {"to_unit_id", "-3", "to_unit_id", NULL},
        {"to_unit_id", "\"x\"", "to_unit_id", NULL},
        {"to_unit_id", "987654321", "to_unit_id", NULL},
        {"to_person_id", "987654321", "to_person_id", NULL},
        {"to_person_id", "1.5", "to_person_id", NULL},
        {"location", "{\"lat\": 91, \"lon\": 106}", "location", NULL},
        {"location", "{\"lat\": 10}", "location", NULL},
        {"location", "{\"lat\": 10, \"lon\": 106, \"alt\": 3}", "location", NULL},
        {"location", "\"10,106\"", "location", NULL},
        {"uid", "\"\"", "uid", NULL},
        {"uid", "\"a\\tb\"", "uid", NULL},
        {"uid", "5", "uid", NULL},
        {"from_callsign", "[]", "from_callsign", NULL},
        {"priority", "\"high\"", "priority", NULL},
    };
    struct resp *r;
    size_t before;
    (void)state;

    if (big == NULL || long_uid == NULL)
        abort();
    memset(big, 'a', 4097);
    memset(long_uid, 'u', 201);
    before = json_array_size(room_items(room, w->admin));
    for (size_t i = 0; i < PH_NELEM(cases); i++)
        EXPECT_BAD_MEMBER(MESSAGES, w->t_reporter,
                          json_pack("{s:s, s:s}", "text", "Báo cáo", "room", room), &cases[i], i);
    /* Too long, both addressees, a long room and uid. */
    EXPECT_ERROR(api_json("POST", MESSAGES, w->t_reporter,
                          json_pack("{s:s, s:s}", "text", big, "room", room)),
                 422, "invalid", "text");
    EXPECT_ERROR(
        api_json("POST", MESSAGES, w->t_reporter,
                 json_pack("{s:s, s:I, s:I}", "text", "Hai nơi nhận", "to_unit_id",
                           (json_int_t)w->u_mp, "to_person_id", (json_int_t)w->p_mil_viewer)),
        422, "invalid", "to_person_id");
    EXPECT_ERROR(api_json("POST", MESSAGES, w->t_reporter,
                          json_pack("{s:s, s:s}", "text", "Phòng dài", "room", big)),
                 422, "invalid", "room");
    EXPECT_ERROR(
        api_json("POST", MESSAGES, w->t_reporter,
                 json_pack("{s:s, s:s, s:s}", "text", "uid dài", "room", room, "uid", long_uid)),
        422, "invalid", "uid");
    /* Not JSON, not an object. */
    r = api_req("POST", MESSAGES, w->t_reporter, "{\"text\": ", "application/json", NULL);
    EXPECT_ERROR(r, 400, "malformed", NULL);
    r = api_req("POST", MESSAGES, w->t_reporter, "[1]", "application/json", NULL);
    EXPECT_STATUS(r, 400);
    /* Nothing was written. */
    assert_int_equal(json_array_size(room_items(room, w->admin)), before);
    /* The bound itself is fine. */
    big[4096] = '\0';
    send_ok(w->t_reporter, json_pack("{s:s, s:s}", "text", big, "room", room));
    free(big);
    free(long_uid);
}

static void test_message_uid_once(void **state)
{
    const struct world *w = &g_srv->w;
    char *room = tfmt("Phòng %s", uniq_word());
    char *uid = tfmt("GeoChat.ANDROID-%s.All Chat Rooms.1", uniq_word());
    int64_t a, b, c;
    json_t *items;
    (void)state;

    a = send_ok(w->t_reporter, json_pack("{s:s, s:s, s:s}", "text", "Có đối tượng khả nghi", "room",
                                         room, "uid", uid));
    b = send_ok(w->t_reporter,
                json_pack("{s:s, s:s, s:s}", "text", "lặp lại", "room", room, "uid", uid));
    assert_int_equal(a, b);
    items = room_items(room, w->t_reporter);
    assert_int_equal(json_array_size(items), 1);
    assert_string_equal(JSTR(json_array_get(items, 0), "text"), "Có đối tượng khả nghi");
    assert_string_equal(JSTR(json_array_get(items, 0), "uid"), uid);
    /* Another sender may use the same uid. */
    c = send_ok(w->t_duty, json_pack("{s:s, s:s, s:s}", "text", "Nhận", "room", room, "uid", uid));
    assert_true(c != a);
    assert_int_equal(json_array_size(room_items(room, w->t_reporter)), 2);
}

static void test_message_addressing(void **state)
{
    const struct world *w = &g_srv->w;
    char *room = tfmt("Phòng %s", uniq_word());
    struct resp *r;
    int64_t to_unit, direct;
    (void)state;

    /* A unit's room: that unit reads it too; the room is its name by default. */
    r = api_json("POST", MESSAGES, w->t_duty,
                 json_pack("{s:s, s:I}", "text", "Đề nghị phối hợp tuần tra", "to_unit_id",
                           (json_int_t)w->u_mp));
    EXPECT_STATUS(r, 201);
    to_unit = JINT(r->json, "id");
    assert_int_equal(JINT(r->json, "to_unit_id"), w->u_mp);
    {
        const char *unit_room = JSTR(r->json, "room");
        json_t *u = api_get(tfmt("/api/v1/units/%lld", (long long)w->u_mp), w->admin)->json;
        assert_string_equal(unit_room, JSTR(u, "name"));
        assert_true(reads(unit_room, w->t_mil_viewer, to_unit));
        assert_true(reads(unit_room, w->t_viewer, to_unit));
    }

    /* A direct message: its two people and the admins above the sender's unit. */
    r = api_json("POST", MESSAGES, w->t_reporter,
                 json_pack("{s:s, s:s, s:I}", "text", "Gọi lại cho tôi", "room", room,
                           "to_person_id", (json_int_t)w->p_mil_viewer));
    EXPECT_STATUS(r, 201);
    direct = JINT(r->json, "id");
    assert_true(reads(room, w->t_reporter, direct));
    assert_true(reads(room, w->t_mil_viewer, direct));
    assert_true(reads(room, w->t_adm_pd, direct));
    assert_true(reads(room, w->t_adm_pp, direct));
    assert_true(reads(room, w->admin, direct));
    assert_false(reads(room, w->t_viewer, direct));
    assert_false(reads(room, w->t_duty, direct));
    assert_false(reads(room, w->t_commander, direct));
    assert_false(reads(room, w->t_adm_mp, direct));
}

static void test_message_list_params(void **state)
{
    const struct world *w = &g_srv->w;
    char *room = tfmt("Phòng %s", uniq_word());
    int64_t ids[4];
    json_t *items;
    (void)state;

    for (int i = 3; i >= 0; i--)
        ids[i] = send_ok(w->t_reporter,
                         json_pack("{s:s, s:s}", "text", tfmt("Tin %d", 3 - i), "room", room));
    /* ids[0] is the newest: the list's order. */
    check_paging(tfmt(MESSAGES "?room=%s", urlenc(room)), ids, 4, w->t_viewer);
    items = list_items(tfmt(MESSAGES "?room=%s&before_id=%lld", urlenc(room), (long long)ids[1]),
                       w->t_viewer);
    assert_int_equal(json_array_size(items), 2);
    assert_int_equal(JINT(json_array_get(items, 0), "id"), ids[2]);
    items =
        list_items(tfmt(MESSAGES "?room=%s&since=2000-01-01T00:00:00Z", urlenc(room)), w->t_viewer);
    assert_int_equal(json_array_size(items), 4);
    items =
        list_items(tfmt(MESSAGES "?room=%s&since=2999-01-01T00:00:00Z", urlenc(room)), w->t_viewer);
    assert_int_equal(json_array_size(items), 0);
    EXPECT_ERROR(api_get(MESSAGES "?since=yesterday", w->t_viewer), 400, "malformed", "since");
    EXPECT_ERROR(api_get(MESSAGES "?before_id=abc", w->t_viewer), 400, "malformed", "before_id");
    EXPECT_ERROR(api_get(MESSAGES "?before_id=-4", w->t_viewer), 400, "malformed", "before_id");
    check_list_params(MESSAGES, w->t_viewer);
}

static void test_message_stream_scope(void **state)
{
    const struct world *w = &g_srv->w;
    int64_t start = stream_start(w->admin), id, direct;
    char *want, *want_direct, *f;
    (void)state;

    id = send_ok(w->t_reporter, json_pack("{s:s}", "text", "Tuần tra bắt đầu"));
    direct = send_ok(w->t_reporter, json_pack("{s:s, s:I}", "text", "Riêng", "to_person_id",
                                              (json_int_t)w->p_mil_viewer));
    f = fence();
    want = tfmt("event: message.sent\ndata: {\"id\":%lld,", (long long)id);
    want_direct = tfmt("event: message.sent\ndata: {\"id\":%lld,", (long long)direct);
    {
        char *seen = sse_read(w->t_viewer, start, f);
        char *hidden = sse_read(w->t_mil_viewer, start, f);
        char *adm = sse_read(w->t_adm_pd, start, f);
        char *adm_mp = sse_read(w->t_adm_mp, start, f);
        assert_non_null(strstr(seen, f));
        assert_non_null(strstr(seen, want));
        assert_non_null(strstr(seen, "\"text\":\"Tuần tra bắt đầu\""));
        assert_non_null(strstr(hidden, f));
        assert_null(strstr(hidden, want)); /* another force's province unit */
        /* A direct message's event: the admins above the sender's unit only. */
        assert_null(strstr(seen, want_direct));
        assert_non_null(strstr(adm, f));
        assert_non_null(strstr(adm, want_direct));
        assert_non_null(strstr(adm_mp, f));
        assert_null(strstr(adm_mp, want_direct));
        assert_null(strstr(adm_mp, want));
    }
}

/* ---- drafts ------------------------------------------------------------------------ */

static void test_draft_post_and_update(void **state)
{
    const struct world *w = &g_srv->w;
    char *uid = tfmt("ANDROID-%s.marker", uniq_word());
    struct resp *r;
    json_t *body;
    int64_t id;
    (void)state;

    r = api_json("POST", DRAFTS, w->t_reporter, marker(uid));
    EXPECT_STATUS(r, 201);
    id = JINT(r->json, "id");
    EXPECT_LOCATION(r, draft_path(id));
    assert_string_equal(JSTR(r->json, "status"), "open");
    assert_string_equal(JSTR(r->json, "uid"), uid);
    assert_string_equal(JSTR(r->json, "title"), "Ghe lạ neo đậu");
    assert_int_equal(JINT(r->json, "unit_id"), w->u_pd);
    assert_int_equal(JINT(r->json, "person_id"), w->p_reporter);
    assert_int_equal(JINT(r->json, "version"), 1);
    assert_true(json_is_null(json_object_get(r->json, "incident_id")));
    assert_true(json_is_null(json_object_get(r->json, "device_id")));

    /* The same marker again: the same draft, nothing changed. */
    assert_int_equal(draft_ok(w->t_reporter, marker(uid), 200), id);
    r = api_get(draft_path(id), w->t_viewer);
    EXPECT_STATUS(r, 200);
    assert_int_equal(JINT(r->json, "version"), 1);
    /* Moved: the same draft, a new version. */
    body = marker(uid);
    json_object_set_new(body, "at", json_null()); /* now */
    json_object_set_new(body, "location", json_pack("{s:f, s:f}", "lat", 10.22, "lon", 106.72));
    r = api_json("POST", DRAFTS, w->t_reporter, body);
    EXPECT_STATUS(r, 200);
    assert_int_equal(JINT(r->json, "id"), id);
    assert_int_equal(JINT(r->json, "version"), 2);
    assert_true(json_real_value(json_object_get(json_object_get(r->json, "location"), "lat")) ==
                10.22);
    /* Another person's marker with that uid is another draft. */
    assert_true(draft_ok(w->t_duty, marker(uid), 201) != id);

    /* Who reads it. */
    EXPECT_STATUS(api_get(draft_path(id), w->t_adm_pp), 200);
    EXPECT_ERROR(api_get(draft_path(id), w->t_mil_viewer), 404, "not_found", NULL);
    EXPECT_ERROR(api_get(draft_path(987654321), w->t_viewer), 404, "not_found", NULL);
    EXPECT_ERROR(api_get(DRAFTS "/abc", w->t_viewer), 404, "not_found", NULL);
    assert_true(json_has_id(list_items(DRAFTS "?limit=500", w->t_viewer), id));
    assert_true(json_has_id(list_items(DRAFTS "?status=open&limit=500", w->t_viewer), id));
    assert_false(json_has_id(list_items(DRAFTS "?limit=500", w->t_mil_viewer), id));
    EXPECT_ERROR(api_json("POST", DRAFTS, w->t_viewer, marker(tfmt("%s-v", uid))), 403, "forbidden",
                 NULL);
}

static void test_draft_bad_members(void **state)
{
    const struct world *w = &g_srv->w;
    char *uid = tfmt("ANDROID-%s.bad", uniq_word());
    static const struct bad_member cases[] = {
        {"uid", NULL, "uid", NULL},
        {"uid", "\"\"", "uid", NULL},
        {"uid", "\"a\\nb\"", "uid", NULL},
        {"title", NULL, "title", NULL},
        {"title", "\"   \"", "title", NULL},
        {"title", "3", "title", NULL},
        {"cot_type", "\"b m p\"", "cot_type", NULL},
        {"remarks", "{}", "remarks", NULL},
        {"at", "\"yesterday\"", "at", NULL},
        {"at", "\"2999-01-01T00:00:00Z\"", "at", NULL},
        {"location", NULL, "location", NULL},
        {"location", "null", "location", NULL},
        {"location", "{\"lat\": 200, \"lon\": 1}", "location", NULL},
        {"location", "{\"lat\": 0, \"lon\": 0}", "location", NULL},
        {"location", "[10, 106]", "location", NULL},
        {"severity", "3", "severity", NULL},
    };
    (void)state;

    for (size_t i = 0; i < PH_NELEM(cases); i++)
        EXPECT_BAD_MEMBER(DRAFTS, w->t_reporter, marker(uid), &cases[i], i);
    /* Nothing was written under that uid: the first good one is new. */
    assert_int_equal(api_json("POST", DRAFTS, w->t_reporter, marker(uid))->status, 201);
    EXPECT_ERROR(api_get(DRAFTS "?status=closed", w->t_viewer), 400, "malformed", "status");
    EXPECT_ERROR(api_get(DRAFTS "?before_id=x", w->t_viewer), 400, "malformed", "before_id");
    check_list_params(DRAFTS, w->t_viewer);
}

static void test_draft_promote(void **state)
{
    const struct world *w = &g_srv->w;
    char *uid = tfmt("ANDROID-%s.promote", uniq_word());
    char *promote;
    struct resp *r, *d;
    int64_t id, inc;
    (void)state;

    id = draft_ok(w->t_reporter, marker(uid), 201);
    d = api_get(draft_path(id), w->t_duty);
    promote = tfmt("%s/promote", draft_path(id));

    /* Who decides, and what the officer must give. */
    EXPECT_ERROR(api_json("POST", promote, w->t_reporter, json_pack("{s:s}", "category", "crime")),
                 403, "forbidden", NULL);
    EXPECT_ERROR(
        api_json("POST", promote, w->t_mil_viewer, json_pack("{s:s}", "category", "crime")), 404,
        "not_found", NULL);
    EXPECT_ERROR(api_json("POST", promote, w->t_duty, json_object()), 422, "invalid", "category");
    EXPECT_ERROR(api_json("POST", promote, w->t_duty, json_pack("{s:s}", "category", "nope")), 422,
                 "invalid", "category");
    EXPECT_ERROR(api_json("POST", promote, w->t_duty,
                          json_pack("{s:s, s:i}", "category", "crime", "severity", 7)),
                 422, "invalid", "severity");
    EXPECT_ERROR(api_json("POST", promote, w->t_duty,
                          json_pack("{s:s, s:s}", "category", "crime", "colour", "red")),
                 422, "invalid", "colour");
    EXPECT_ERROR(api_json("POST", tfmt("%s/promote", draft_path(987654321)), w->t_duty,
                          json_pack("{s:s}", "category", "crime")),
                 404, "not_found", NULL);
    assert_string_equal(JSTR(api_get(draft_path(id), w->t_duty)->json, "status"), "open");

    r = api_json("POST", promote, w->t_duty,
                 json_pack("{s:s, s:i}", "category", "crime", "severity", 3));
    EXPECT_STATUS(r, 201);
    inc = JINT(r->json, "id");
    EXPECT_LOCATION(r, tfmt("/api/v1/incidents/%lld", (long long)inc));
    assert_string_equal(JSTR(r->json, "title"), "Ghe lạ neo đậu");
    assert_string_equal(JSTR(r->json, "description"), "Hai người trên ghe, không rõ quốc tịch");
    assert_string_equal(JSTR(r->json, "occurred_at"), JSTR(d->json, "at"));
    assert_true(json_real_value(json_object_get(json_object_get(r->json, "location"), "lat")) ==
                10.21);
    assert_int_equal(JINT(r->json, "reporting_unit_id"), w->u_pd);
    EXPECT_STATUS(api_get(tfmt("/api/v1/incidents/%lld", (long long)inc), w->t_duty), 200);
    /* Linked back. */
    r = api_get(draft_path(id), w->t_viewer);
    assert_string_equal(JSTR(r->json, "status"), "promoted");
    assert_int_equal(JINT(r->json, "incident_id"), inc);
    assert_true(json_has_id(list_items(DRAFTS "?status=promoted&limit=500", w->t_viewer), id));
    assert_false(json_has_id(list_items(DRAFTS "?limit=500", w->t_viewer), id));
    /* Decided: 409 to both. */
    EXPECT_ERROR(api_json("POST", promote, w->t_duty, json_pack("{s:s}", "category", "crime")), 409,
                 "conflict", "status");
    EXPECT_ERROR(api_json("POST", tfmt("%s/dismiss", draft_path(id)), w->t_duty,
                          json_pack("{s:s}", "reason", "Muộn")),
                 409, "conflict", "status");
    /* The same marker resent: the promoted draft, not a new one. */
    assert_int_equal(draft_ok(w->t_reporter, marker(uid), 200), id);
}

static void test_draft_dismiss(void **state)
{
    const struct world *w = &g_srv->w;
    char *uid = tfmt("ANDROID-%s.dismiss", uniq_word());
    char *dismiss;
    struct resp *r;
    int64_t id;
    (void)state;

    id = draft_ok(w->t_reporter, marker(uid), 201);
    dismiss = tfmt("%s/dismiss", draft_path(id));
    EXPECT_ERROR(api_json("POST", dismiss, w->t_duty, json_object()), 422, "invalid", "reason");
    EXPECT_ERROR(api_json("POST", dismiss, w->t_duty, json_pack("{s:s}", "reason", "   ")), 422,
                 "invalid", "reason");
    EXPECT_ERROR(api_json("POST", dismiss, w->t_duty, json_pack("{s:i}", "reason", 5)), 422,
                 "invalid", "reason");
    EXPECT_ERROR(
        api_json("POST", dismiss, w->t_duty, json_pack("{s:s, s:i}", "reason", "x", "n", 1)), 422,
        "invalid", "n");
    EXPECT_ERROR(api_json("POST", dismiss, w->t_viewer, json_pack("{s:s}", "reason", "Trùng")), 403,
                 "forbidden", NULL);
    assert_string_equal(JSTR(api_get(draft_path(id), w->t_duty)->json, "status"), "open");

    r = api_json("POST", dismiss, w->t_commander,
                 json_pack("{s:s}", "reason", " Ghe đánh cá quen thuộc "));
    EXPECT_STATUS(r, 200);
    assert_string_equal(JSTR(r->json, "status"), "dismissed");
    assert_string_equal(JSTR(r->json, "dismiss_reason"), "Ghe đánh cá quen thuộc");
    assert_int_equal(JINT(r->json, "version"), 2);
    EXPECT_ERROR(api_json("POST", tfmt("%s/promote", draft_path(id)), w->t_duty,
                          json_pack("{s:s}", "category", "crime")),
                 409, "conflict", "status");
    EXPECT_ERROR(api_json("POST", dismiss, w->t_duty, json_pack("{s:s}", "reason", "Lần nữa")), 409,
                 "conflict", "status");
    assert_true(json_has_id(list_items(DRAFTS "?status=dismissed&limit=500", w->t_viewer), id));
}

static void test_draft_stream_scope(void **state)
{
    const struct world *w = &g_srv->w;
    int64_t start = stream_start(w->admin), id;
    char *uid = tfmt("ANDROID-%s.stream", uniq_word());
    char *f, *created, *dismissed;
    (void)state;

    id = draft_ok(w->t_reporter, marker(uid), 201);
    EXPECT_STATUS(api_json("POST", tfmt("%s/dismiss", draft_path(id)), w->t_duty,
                           json_pack("{s:s}", "reason", "Trùng lặp")),
                  200);
    f = fence();
    created = tfmt("event: draft.created\ndata: {\"id\":%lld,", (long long)id);
    dismissed = tfmt("event: draft.dismissed\ndata: {\"id\":%lld,", (long long)id);
    {
        char *seen = sse_read(w->t_viewer, start, f);
        char *hidden = sse_read(w->t_mil_viewer, start, f);
        char *above = sse_read(w->t_adm_pp, start, f);
        assert_non_null(strstr(seen, f));
        assert_non_null(strstr(seen, created));
        assert_non_null(strstr(seen, dismissed));
        assert_non_null(strstr(above, created));
        assert_non_null(strstr(hidden, f));
        assert_null(strstr(hidden, created));
        assert_null(strstr(hidden, dismissed));
    }
}

int run_message_tests(void)
{
    const struct CMUnitTest tests[] = {
        T(test_message_send_and_read), T(test_message_bad_members), T(test_message_uid_once),
        T(test_message_addressing),    T(test_message_list_params), T(test_message_stream_scope),
        T(test_draft_post_and_update), T(test_draft_bad_members),   T(test_draft_promote),
        T(test_draft_dismiss),         T(test_draft_stream_scope),
    };
    return cmocka_run_group_tests_name("messages", tests, h_group_setup, h_gc);
}
