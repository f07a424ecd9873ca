/* test_positions.c - POST /api/v1/positions, GET /api/v1/positions/latest,
 * /api/v1/devices and GET /api/v1/operations/{id}/track over real HTTP, and the
 * live "position" events of /api/v1/stream: a batch answers per report (stored,
 * or refused with the error and the field: coordinates out of range, times too
 * far ahead or too old, an unknown member, a device bound to someone else, a
 * person with no unit to bind to), a body that is not a batch is 400, an empty
 * one 422 and an oversize one 413 with nothing stored; the latest positions are
 * GeoJSON and follow access; devices are bound by duty officers and admins of
 * the unit only; a track is one LineString per device, clipped to the
 * operation's active interval, 404 for who may not see the operation; the live
 * feed carries positions without an SSE id, thinned to one per device per
 * interval (the server's default 5 s), only to those who may see them. */
#include "util/base.h"
#include <curl/curl.h>
#include "harness.h"
#include "util/time.h"

int run_position_tests(void); /* the group, run by main.c */

#define POSITIONS "/api/v1/positions"
#define DEVICES "/api/v1/devices"
#define WAIT_MS 8000

static char *rfc(int64_t ms)
{
    char t[TIME_RFC3339_BYTES];
    time_format_utc(ms, t);
    return tfmt("%s", t);
}

static json_t *fix(const char *uid, int64_t at, double lat, double lon)
{
    return json_pack("{s:s, s:s, s:f, s:f}", "uid", uid, "time", rfc(at), "lat", lat, "lon", lon);
}

/* POST {"positions": arr} (taken) as token: the answer. */
static struct resp *post_batch(const char *token, json_t *arr)
{
    return api_json("POST", POSITIONS, token, json_pack("{s:o}", "positions", arr));
}

static json_t *result(const struct resp *r, size_t i)
{
    json_t *res = json_object_get(r->json, "results");
    assert_true(json_is_array(res));
    assert_true(i < json_array_size(res));
    return json_array_get(res, i);
}

static void expect_stored(const struct resp *r, size_t i)
{
    json_t *o = result(r, i);
    if (strcmp(JSTR(o, "status"), "stored") != 0)
        fail_msg("report %zu: %s", i, r->body);
    assert_true(JINT(o, "device_id") > 0);
}

static void expect_refused(const struct resp *r, size_t i, const char *error, const char *field)
{
    json_t *o = result(r, i);
    if (strcmp(JSTR(o, "status"), "refused") != 0 || strcmp(JSTR(o, "error"), error) != 0 ||
        strcmp(JSTR(o, "field"), field) != 0)
        fail_msg("report %zu: want %s/%s: %s", i, error, field, r->body);
}

/* The Feature of uid in a latest-positions answer, or NULL. */
static json_t *feature_of(const struct resp *r, const char *uid)
{
    json_t *fs = json_object_get(r->json, "features");
    for (size_t i = 0; i < json_array_size(fs); i++) {
        json_t *p = json_object_get(json_array_get(fs, i), "properties");
        if (strcmp(JSTR(p, "uid"), uid) == 0)
            return json_array_get(fs, i);
    }
    return NULL;
}

/* ---- batches -------------------------------------------------------------------- */

/* phoihop_livepos_published_total in /metrics. */
static double published_total(void)
{
    static const char series[] = "\nphoihop_livepos_published_total ";
    struct resp *r = api_get("/metrics", NULL);
    const char *p;
    EXPECT_STATUS(r, 200);
    p = strstr(r->body, series);
    assert_non_null(p);
    return strtod(p + sizeof(series) - 1, NULL);
}

static void test_positions_batch(void **state)
{
    struct world *w = &g_srv->w;
    int64_t now = time_now_ms();
    char *uid = tfmt("phone-%s", uniq_word());
    json_t *arr = json_array();
    (void)state;

    json_array_append_new(arr, fix(uid, now - 20000, 10.245, 106.375));
    json_array_append_new(arr, fix(uid, now - 10000, 91.0, 106.375));            /* lat */
    json_array_append_new(arr, fix(uid, now - 10000, 10.2, 180.5));              /* lon */
    json_array_append_new(arr, fix(uid, now + 3600 * 1000, 10.2, 106.3));        /* future */
    json_array_append_new(arr, fix(uid, now - 30LL * 86400 * 1000, 10.2, 106.3)); /* too old */
    json_array_append_new(arr, json_pack("{s:s, s:I, s:f, s:f, s:f, s:f, s:f, s:i, s:s}", "uid",
                                         uid, "time", (json_int_t)(now - 5000), "lat", 10.246,
                                         "lon", 106.376, "speed", 4.5, "course", 270.0, "alt",
                                         3.5, "battery", 81, "callsign", "Tổ tuần tra 2"));
    json_array_append_new(arr, json_pack("{s:s, s:s, s:f, s:f, s:s}", "uid", uid, "time",
                                         rfc(now - 4000), "lat", 10.2, "lon", 106.3, "speed",
                                         "fast")); /* wrong type */
    json_array_append_new(arr, json_pack("{s:s, s:s, s:f, s:f, s:i}", "uid", uid, "time",
                                         rfc(now - 4000), "lat", 10.2, "lon", 106.3, "heading",
                                         90)); /* unknown member */
    json_array_append_new(arr, json_string("not a report"));
    json_array_append_new(arr, json_pack("{s:s, s:f, s:f}", "uid", uid, "lat", 10.2, "lon", 106.3));
    json_array_append_new(arr, fix(uid, now - 20000, 10.9, 106.9)); /* same time again */
    json_array_append_new(arr, fix(uid, now - 3000, 0.0, 0.0));     /* no fix */
    double published = published_total();
    struct resp *r = post_batch(w->t_reporter, arr);
    EXPECT_STATUS(r, 200);
    expect_stored(r, 0);
    expect_refused(r, 1, "invalid", "lat");
    expect_refused(r, 2, "invalid", "lon");
    expect_refused(r, 3, "invalid", "time");
    expect_refused(r, 4, "invalid", "time");
    expect_stored(r, 5);
    expect_refused(r, 6, "invalid", "speed");
    expect_refused(r, 7, "invalid", "heading");
    expect_refused(r, 8, "invalid", "positions");
    expect_refused(r, 9, "invalid", "time");
    expect_stored(r, 10); /* a duplicate is fine, and stored once */
    expect_refused(r, 11, "invalid", "lat");
    assert_int_equal(JINT(r->json, "stored"), 3);
    /* What was stored went to the live feeds (the duplicate once): /metrics counts
     * it once the job's cleanup on the loop has run. */
    for (int64_t end = time_now_ms() + WAIT_MS;
         published_total() < published + 2 && time_now_ms() < end;)
        nanosleep(&(struct timespec){.tv_nsec = 20 * 1000 * 1000}, NULL);
    assert_true(published_total() >= published + 2);

    /* The latest position: the newest fix, with what it carried. */
    r = api_get(POSITIONS "/latest", w->t_viewer);
    EXPECT_STATUS(r, 200);
    assert_string_equal(JSTR(r->json, "type"), "FeatureCollection");
    json_t *f = feature_of(r, uid);
    assert_non_null(f);
    json_t *p = json_object_get(f, "properties"), *c;
    assert_string_equal(JSTR(p, "callsign"), "Tổ tuần tra 2");
    assert_int_equal(JINT(p, "person_id"), w->p_reporter);
    assert_int_equal(JINT(p, "battery"), 81);
    assert_true(json_real_value(json_object_get(p, "speed")) == 4.5);
    assert_true(json_real_value(json_object_get(p, "course")) == 270.0);
    assert_non_null(json_object_get(p, "person"));
    c = json_object_get(json_object_get(f, "geometry"), "coordinates");
    assert_true(json_real_value(json_array_get(c, 0)) == 106.376);
    assert_true(json_real_value(json_array_get(c, 1)) == 10.246);
    /* Another force does not see it; since= leaves it out when older. */
    r = api_get(POSITIONS "/latest", w->t_mil_viewer);
    EXPECT_STATUS(r, 200);
    assert_null(feature_of(r, uid));
    r = api_get(tfmt(POSITIONS "/latest?since=%s", urlenc(rfc(now))), w->t_viewer);
    EXPECT_STATUS(r, 200);
    assert_null(feature_of(r, uid));
    r = api_get(POSITIONS "/latest?since=yesterday", w->t_viewer);
    EXPECT_ERROR(r, 400, "malformed", "since");
}

static void test_positions_bad_bodies(void **state)
{
    struct world *w = &g_srv->w;
    int64_t now = time_now_ms();
    char *uid = tfmt("big-%s", uniq_word());
    struct resp *r;
    (void)state;

    r = api_req("POST", POSITIONS, w->t_reporter, "[1,2]", "application/json", NULL);
    EXPECT_ERROR(r, 400, "malformed", NULL);
    r = api_json("POST", POSITIONS, w->t_reporter, json_pack("{s:i}", "positions", 3));
    EXPECT_ERROR(r, 400, "malformed", "positions");
    r = api_json("POST", POSITIONS, w->t_reporter, json_object());
    EXPECT_ERROR(r, 400, "malformed", "positions");
    r = post_batch(w->t_reporter, json_array());
    EXPECT_ERROR(r, 422, "invalid", "positions");
    r = api_json("POST", POSITIONS, w->t_reporter,
                 json_pack("{s:[], s:b}", "positions", "dry_run", 1));
    EXPECT_ERROR(r, 422, "invalid", "dry_run");
    json_t *arr = json_array();
    for (int i = 0; i < 1001; i++)
        json_array_append_new(arr, fix(uid, now - 1000000 + i * 10, 10.2, 106.3));
    r = post_batch(w->t_reporter, arr);
    EXPECT_ERROR(r, 413, "too_large", "positions");
    r = api_get(POSITIONS "/latest", w->admin);
    EXPECT_STATUS(r, 200);
    assert_null(feature_of(r, uid)); /* nothing of it was stored */
    r = post_batch(NULL, json_pack("[o]", fix(uid, now, 10.2, 106.3)));
    EXPECT_STATUS(r, 401);
}

static void test_positions_binding(void **state)
{
    struct world *w = &g_srv->w;
    int64_t now = time_now_ms();
    char *uid = tfmt("mine-%s", uniq_word());
    struct resp *r;
    (void)state;

    r = post_batch(w->t_reporter, json_pack("[o]", fix(uid, now - 1000, 10.2, 106.3)));
    EXPECT_STATUS(r, 200);
    expect_stored(r, 0);
    /* Bound to the reporter: anyone else is refused, even in the same unit. */
    r = post_batch(w->t_duty, json_pack("[o]", fix(uid, now - 500, 10.3, 106.4)));
    EXPECT_STATUS(r, 200);
    expect_refused(r, 0, "forbidden", "uid");
    assert_int_equal(JINT(r->json, "stored"), 0);
    /* An administrator with no unit has no unit to bind a device to. */
    r = post_batch(w->admin, json_pack("[o]", fix(tfmt("adm-%s", uniq_word()), now, 10.2, 106.3)));
    EXPECT_STATUS(r, 200);
    expect_refused(r, 0, "forbidden", "uid");

    /* The device as the API shows it. */
    r = api_get(tfmt(DEVICES "?person_id=%lld&q=%s", (long long)w->p_reporter, uid), w->t_viewer);
    EXPECT_STATUS(r, 200);
    json_t *items = items_of(r);
    assert_int_equal(json_array_size(items), 1);
    json_t *d = json_array_get(items, 0);
    assert_string_equal(JSTR(d, "uid"), uid);
    assert_string_equal(JSTR(d, "kind"), "phone");
    assert_true(json_is_object(json_object_get(d, "last")));
}

static void test_positions_devices(void **state)
{
    struct world *w = &g_srv->w;
    char *uid = tfmt("boat-%s", uniq_word());
    struct resp *r;
    (void)state;

    json_t *body = json_pack("{s:s, s:s, s:s, s:I}", "uid", uid, "kind", "tracker", "callsign",
                             "Tàu CA-01", "unit_id", (json_int_t)w->u_pd);
    r = api_json("POST", DEVICES, w->t_viewer, json_incref(body));
    EXPECT_STATUS(r, 403);
    r = api_json("POST", DEVICES, w->t_adm_mp, json_incref(body)); /* another force's admin */
    EXPECT_STATUS(r, 403);
    r = api_json("POST", DEVICES, w->t_duty, json_incref(body));
    EXPECT_STATUS(r, 201);
    int64_t id = JINT(r->json, "id");
    EXPECT_LOCATION(r, tfmt(DEVICES "/%lld", (long long)id));
    assert_true(json_is_null(json_object_get(r->json, "person_id")));
    r = api_json("POST", DEVICES, w->t_duty, body);
    EXPECT_ERROR(r, 409, "conflict", "uid");

    static const struct bad_member bad[] = {
        {"kind", "\"radio\"", "kind", NULL},
        {"uid", "\"\"", "uid", NULL},
        {"unit_id", "999999", "unit_id", NULL},
        {"person_id", "999999", "person_id", NULL},
        {"callsign", "7", "callsign", NULL},
        {"colour", "\"red\"", "colour", NULL},
    };
    for (size_t i = 0; i < PH_NELEM(bad); i++)
        EXPECT_BAD_MEMBER(DEVICES, w->t_duty,
                          json_pack("{s:s, s:s, s:I}", "uid", tfmt("x-%s", uniq_word()), "kind",
                                    "phone", "unit_id", (json_int_t)w->u_pd),
                          &bad[i], i);

    r = api_get(tfmt(DEVICES "/%lld", (long long)id), w->t_viewer);
    EXPECT_STATUS(r, 200);
    assert_string_equal(JSTR(r->json, "callsign"), "Tàu CA-01");
    r = api_get(tfmt(DEVICES "/%lld", (long long)id), w->t_mil_viewer);
    EXPECT_STATUS(r, 404);
    /* Bind it to the reporter: the reporter may then report for it. */
    r = api_json_h("PATCH", tfmt(DEVICES "/%lld", (long long)id), w->t_duty,
                   json_pack("{s:I}", "person_id", (json_int_t)w->p_reporter), "If-Match: \"1\"");
    EXPECT_STATUS(r, 200);
    assert_int_equal(JINT(r->json, "person_id"), w->p_reporter);
    assert_int_equal(JINT(r->json, "version"), 2);
    r = api_json_h("PATCH", tfmt(DEVICES "/%lld", (long long)id), w->t_duty,
                   json_pack("{s:b}", "is_active", 0), "If-Match: \"1\"");
    EXPECT_STATUS(r, 412);
    r = post_batch(w->t_reporter, json_pack("[o]", fix(uid, time_now_ms() - 100, 10.2, 106.3)));
    EXPECT_STATUS(r, 200);
    expect_stored(r, 0);
    r = api_json("PATCH", tfmt(DEVICES "/%lld", (long long)id), w->t_reporter,
                 json_pack("{s:b}", "is_active", 0));
    EXPECT_STATUS(r, 403);
}

/* ---- tracks ---------------------------------------------------------------------- */

static int64_t mk_operation(const char *token, int64_t start, int64_t end, int64_t person)
{
    json_t *b = json_pack(
        "{s:s, s:s, s:s, s:{s:s, s:[[f,f],[f,f]]}, s:s, s:s, s:I, s:[I]}", "kind", "patrol",
        "domain", "river", "title", "Tuần tra đường sông", "geometry", "type", "LineString",
        "coordinates", 106.3, 10.2, 106.4, 10.3, "planned_start", rfc(start), "planned_end",
        rfc(end), "owner_unit_id", (json_int_t)g_srv->w.u_pd, "people_ids", (json_int_t)person);
    struct resp *r = api_json("POST", "/api/v1/operations", token, b);
    if (r->status != 201)
        fail_msg("operation: %ld %s", r->status, r->body);
    return JINT(r->json, "id");
}

static void set_status(const char *token, int64_t op, const char *status, int64_t at)
{
    struct resp *r = api_json("POST", tfmt("/api/v1/operations/%lld/status", (long long)op), token,
                              json_pack("{s:s, s:s}", "status", status, "at", rfc(at)));
    if (r->status != 200)
        fail_msg("status %s: %ld %s", status, r->status, r->body);
}

static void test_positions_track(void **state)
{
    struct world *w = &g_srv->w;
    int64_t now = time_now_ms() / 1000 * 1000, t0 = now - 3600 * 1000, t1 = now - 600 * 1000;
    char *uid = tfmt("trk-%s", uniq_word());
    json_t *arr = json_array();
    struct resp *r;
    (void)state;

    int64_t op = mk_operation(w->t_duty, t0 - 60000, now + 3600 * 1000, w->p_reporter);
    char *path = tfmt("/api/v1/operations/%lld/track", (long long)op);
    r = api_get(path, w->t_viewer); /* planned: no track yet */
    EXPECT_STATUS(r, 200);
    assert_int_equal(json_array_size(json_object_get(r->json, "features")), 0);
    set_status(w->t_duty, op, "active", t0);
    json_array_append_new(arr, fix(uid, t0 - 60000, 10.20, 106.30)); /* before */
    for (int i = 0; i < 10; i++)
        json_array_append_new(arr, fix(uid, t0 + i * 60000, 10.2 + i * 0.001, 106.3 + i * 0.001));
    json_array_append_new(arr, fix(uid, t1 + 60000, 10.3, 106.4)); /* after */
    r = post_batch(w->t_reporter, arr);
    EXPECT_STATUS(r, 200);
    assert_int_equal(JINT(r->json, "stored"), 12);
    set_status(w->t_duty, op, "completed", t1);

    r = api_get(path, w->t_viewer);
    EXPECT_STATUS(r, 200);
    assert_non_null(strstr(resp_header(r, "content-type"), "geo+json"));
    json_t *fs = json_object_get(r->json, "features");
    assert_int_equal(json_array_size(fs), 1);
    json_t *f = json_array_get(fs, 0), *g = json_object_get(f, "geometry"),
           *p = json_object_get(f, "properties");
    assert_string_equal(JSTR(g, "type"), "LineString");
    assert_int_equal(json_array_size(json_object_get(g, "coordinates")), 10);
    assert_true(json_real_value(json_array_get(json_array_get(json_object_get(g, "coordinates"), 0),
                                               0)) == 106.3);
    assert_string_equal(JSTR(p, "uid"), uid);
    assert_int_equal(JINT(p, "person_id"), w->p_reporter);
    assert_int_equal(JINT(p, "n_points"), 10);
    json_t *times = json_object_get(p, "times");
    assert_int_equal(json_array_size(times), 10);
    assert_int_equal(json_integer_value(json_array_get(times, 0)), t0);
    assert_string_equal(JSTR(p, "start"), rfc(t0));

    /* from/to narrow it; one fix is a Point. */
    r = api_get(tfmt("%s?from=%s&to=%s", path, urlenc(rfc(t0)), urlenc(rfc(t0 + 1))), w->t_viewer);
    EXPECT_STATUS(r, 200);
    fs = json_object_get(r->json, "features");
    assert_int_equal(json_array_size(fs), 1);
    assert_string_equal(JSTR(json_object_get(json_array_get(fs, 0), "geometry"), "type"), "Point");
    r = api_get(tfmt("%s?from=soon", path), w->t_viewer);
    EXPECT_ERROR(r, 400, "malformed", "from");
    r = api_get(tfmt("%s?from=%s&to=%s", path, urlenc(rfc(t1)), urlenc(rfc(t0))), w->t_viewer);
    EXPECT_ERROR(r, 422, "invalid", "to");
    /* Who may not see the operation gets 404, as for a missing one. */
    r = api_get(path, w->t_mil_viewer);
    EXPECT_STATUS(r, 404);
    r = api_get("/api/v1/operations/999999999/track", w->t_viewer);
    EXPECT_STATUS(r, 404);
}

/* ---- the live feed ------------------------------------------------------------------ */

struct feed {
    CURLM *multi;
    CURL *easy;
    struct curl_slist *hl;
    char *raw;
    size_t n, cap;
};

static size_t on_feed(char *data, size_t size, size_t nmemb, void *arg)
{
    struct feed *f = arg;
    size_t len = size * nmemb;
    if (f->n + len + 1 > f->cap) {
        f->cap = (f->n + len + 1) * 2;
        f->raw = realloc(f->raw, f->cap);
        if (f->raw == NULL)
            abort();
    }
    memcpy(f->raw + f->n, data, len);
    f->n += len;
    f->raw[f->n] = '\0';
    return len;
}

static void feed_open(struct feed *f, const char *token)
{
    memset(f, 0, sizeof(*f));
    f->multi = curl_multi_init();
    f->easy = curl_easy_init();
    f->hl = curl_slist_append(NULL, tfmt("Authorization: Bearer %s", token));
    curl_easy_setopt(f->easy, CURLOPT_URL, tfmt("%s/api/v1/stream", g_srv->base));
    curl_easy_setopt(f->easy, CURLOPT_HTTPHEADER, f->hl);
    curl_easy_setopt(f->easy, CURLOPT_WRITEFUNCTION, on_feed);
    curl_easy_setopt(f->easy, CURLOPT_WRITEDATA, f);
    curl_multi_add_handle(f->multi, f->easy);
}

static void feed_pump(struct feed *f, int ms)
{
    int running = 0;
    curl_multi_perform(f->multi, &running);
    curl_multi_poll(f->multi, NULL, 0, ms, NULL);
    curl_multi_perform(f->multi, &running);
}

static size_t count_of(const struct feed *f, const char *needle)
{
    size_t k = 0;
    for (const char *p = f->raw; p != NULL && (p = strstr(p, needle)) != NULL; p++)
        k++;
    return k;
}

/* Pump until needle occurs n times (true), or WAIT_MS passed. */
static bool feed_wait(struct feed *f, const char *needle, size_t n)
{
    uint64_t until = time_mono_ns() + (uint64_t)WAIT_MS * 1000000u;
    while (count_of(f, needle) < n && time_mono_ns() < until)
        feed_pump(f, 50);
    return count_of(f, needle) >= n;
}

static void feed_close(struct feed *f)
{
    curl_multi_remove_handle(f->multi, f->easy);
    curl_easy_cleanup(f->easy);
    curl_multi_cleanup(f->multi);
    curl_slist_free_all(f->hl);
    free(f->raw);
}

static void test_positions_stream(void **state)
{
    struct world *w = &g_srv->w;
    struct feed mine, other;
    int64_t now = time_now_ms() / 1000 * 1000;
    char *uid = tfmt("live-%s", uniq_word());
    /* Only this test's device posts while the streams are open. */
    const char *needle = "event: position\n";
    (void)state;

    feed_open(&mine, w->t_viewer);
    feed_open(&other, w->t_mil_viewer);
    assert_true(feed_wait(&mine, "retry:", 1));
    assert_true(feed_wait(&other, "retry:", 1));
    /* Three fixes a second apart: one event (the interval is 5 s). */
    struct resp *r = post_batch(w->t_reporter,
                                json_pack("[o,o,o]", fix(uid, now - 3000, 10.2, 106.3),
                                          fix(uid, now - 2000, 10.21, 106.31),
                                          fix(uid, now - 1000, 10.22, 106.32)));
    EXPECT_STATUS(r, 200);
    assert_int_equal(JINT(r->json, "stored"), 3);
    assert_true(feed_wait(&mine, needle, 1));
    /* Then one 10 s later passes. */
    r = post_batch(w->t_reporter, json_pack("[o]", fix(uid, now + 7000, 10.3, 106.4)));
    EXPECT_STATUS(r, 200);
    assert_true(feed_wait(&mine, needle, 2));
    feed_pump(&mine, 300);
    assert_int_equal(count_of(&mine, needle), 2);
    /* The frame: "event: position", no id (positions never move Last-Event-ID). */
    char *ev = strstr(mine.raw, "event: position\ndata: {");
    assert_non_null(ev);
    assert_true(ev - mine.raw >= 2 && ev[-1] == '\n' && ev[-2] == '\n'); /* no "id:" line */
    assert_non_null(strstr(ev, uid));
    assert_non_null(strstr(ev, "\"lat\":10.2,"));
    assert_null(strstr(ev, "\"lat\":10.21,")); /* thinned away */
    /* Another force sees none of it. */
    feed_pump(&other, 300);
    assert_int_equal(count_of(&other, needle), 0);
    feed_close(&mine);
    feed_close(&other);
}

int run_position_tests(void)
{
    const struct CMUnitTest tests[] = {
        T(test_positions_batch),   T(test_positions_bad_bodies), T(test_positions_binding),
        T(test_positions_devices), T(test_positions_track),      T(test_positions_stream),
    };
    return cmocka_run_group_tests_name("positions", tests, h_group_setup, NULL);
}
