/* test_hotspots.c - the hot-spot analyses (/api/v1/analytics/gistar, /emerging,
 * /density) and hotspot records (/api/v1/hotspots) over HTTP.
 *
 * Analyses, on the shared server: a district of our own (a 6.6 km square of
 * 169 cells of 500 m) with a planted cluster of 30 incidents in one cell and 16
 * single incidents scattered around it, all reported a year ago (a window no
 * other group writes in), and a second district with the same pattern
 * classified confidential. Gi* finds the cluster's cell significant; a viewer
 * without clearance gets no significant cell from the classified one and a
 * viewer of another force none at all; density peaks at the cluster; emerging
 * hot spots over weekly slices see the cluster grow; every bad parameter is 422
 * naming it (bands and bandwidths over 50 cells, time neighbours not fewer than
 * the slices); an analysis asked with Accept-Encoding: gzip comes compressed
 * (by the worker pool) and unpacks to the plain answer.
 *
 * Records, on a fresh server (the early-warning run reads every incident of the
 * last 12 weeks): a cluster in the world's commune in the last days, a run
 * started by the administrator creates a record, which the list and GET show
 * (ETag, incidents, notes, can_set_status); a commander of the commune's police
 * unit moves it, its duty officer may not (403) but may add a note (201); an
 * illegal move is 409, a stale version 412; a body member "" or "note version"
 * is 422 naming it (and answers at once: "" once hung the loop); the record is
 * confidential (one of its incidents is), so a status change's answer is
 * read-audited as GET's is; the duty officer's stream carried hotspot.detected. */
#include "util/base.h"
#include <curl/curl.h>
#include <zlib.h>
#include "harness.h"
#include "util/time.h"

int run_hotspot_tests(void); /* the group, run by main.c */

#define GISTAR "/api/v1/analytics/gistar"
#define EMERGING "/api/v1/analytics/emerging"
#define DENSITY "/api/v1/analytics/density"
#define HOTSPOTS "/api/v1/hotspots"
#define DAY_S (24L * 3600)
/* The analyses' districts: centres (lon, lat), half a side in degrees. */
#define A_LON 106.0
#define A_LAT 9.9
#define B_LON 106.2
#define B_LAT 9.9
#define HALF 0.03
/* The clusters sit off the districts' centres: a grid centred on an extent with
 * an even number of cells has a boundary through its centre. */
#define OFF 0.0013
#define CLUSTER_N 30

struct hth {
    int built;
    int64_t area_a, area_b;
    char window[160]; /* "&since=...&until=..." (kept past h_gc) */
};

static struct hth ht;

/* ---- helpers ------------------------------------------------------------------------ */

/* RFC 3339 UTC of now - seconds_ago. */
static char *iso_ago(long seconds_ago)
{
    time_t t = time(NULL) - seconds_ago;
    struct tm tm;
    gmtime_r(&t, &tm);
    return tfmt("%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static int64_t mk_inc_at(const char *token, double lon, double lat, const char *occurred,
                         const char *classification)
{
    json_t *b = json_pack("{s:s, s:s, s:s, s:{s:f, s:f}}", "category", "crime", "title",
                          "Trộm cắp tài sản", "occurred_at", occurred, "location", "lat", lat,
                          "lon", lon);
    if (classification != NULL)
        json_object_set_new(b, "classification", json_string(classification));
    struct resp *r = api_json("POST", "/api/v1/incidents", token, b);
    EXPECT_STATUS(r, 201);
    return JINT(r->json, "id");
}

/* The cluster (n at the centre, occurred at the times given by ago(i)) and 16
 * single incidents at least 1.6 km from it. */
static void plant(const char *token, double lon, double lat, int n, long base_ago,
                  const char *classification)
{
    static const double off[] = {-0.025, -0.015, 0.015, 0.025};
    for (int i = 0; i < n; i++)
        (void)mk_inc_at(token, lon + OFF, lat + OFF, iso_ago(base_ago + i * 3600L), classification);
    for (size_t i = 0; i < 4; i++)
        for (size_t k = 0; k < 4; k++)
            (void)mk_inc_at(token, lon + off[i], lat + off[k], iso_ago(base_ago + 600),
                            classification);
}

static json_t *features(const char *path, const char *token)
{
    struct resp *r = api_get(path, token);
    EXPECT_STATUS(r, 200);
    char *ct = resp_header(r, "content-type");
    assert_non_null(ct);
    assert_non_null(strstr(ct, "application/geo+json"));
    assert_string_equal(JSTR(r->json, "type"), "FeatureCollection");
    assert_true(json_is_object(json_object_get(r->json, "meta")));
    json_t *f = json_object_get(r->json, "features");
    assert_true(json_is_array(f));
    return r->json;
}

/* The feature whose polygon holds (lon, lat) (a bounding-box test: cells are
 * convex and small), or NULL. */
static json_t *feature_at(json_t *fc, double lon, double lat)
{
    json_t *fs = json_object_get(fc, "features"), *f;
    size_t i;
    json_array_foreach (fs, i, f) {
        json_t *ring = json_array_get(json_object_get(json_object_get(f, "geometry"), "coordinates"), 0);
        double x0 = 1e9, x1 = -1e9, y0 = 1e9, y1 = -1e9;
        size_t k;
        json_t *pt;
        json_array_foreach (ring, k, pt) {
            double x = json_real_value(json_array_get(pt, 0)), y = json_real_value(json_array_get(pt, 1));
            x0 = x < x0 ? x : x0;
            x1 = x > x1 ? x : x1;
            y0 = y < y0 ? y : y0;
            y1 = y > y1 ? y : y1;
        }
        assert_true(json_array_size(ring) == 5 || json_array_size(ring) == 7);
        if (lon >= x0 && lon <= x1 && lat >= y0 && lat <= y1)
            return f;
    }
    return NULL;
}

static json_t *props(json_t *f)
{
    json_t *p = json_object_get(f, "properties");
    assert_true(json_is_object(p));
    return p;
}

static size_t count_significant(json_t *fc)
{
    json_t *fs = json_object_get(fc, "features"), *f;
    size_t i, n = 0;
    json_array_foreach (fs, i, f)
        n += json_is_true(json_object_get(props(f), "significant"));
    return n;
}

/* ---- the analyses' theatre ---------------------------------------------------------- */

static void theatre_build(void)
{
    const char *adm = g_srv->w.admin;
    char *x = uniq_word();

    if (ht.built)
        return;
    ht.area_a = mk_area(adm, uniq_num(), tfmt("Huyện Điểm Nóng %s", x), "district", "inland",
                        g_srv->w.a_prov, geo_square(A_LON, A_LAT, HALF));
    ht.area_b = mk_area(adm, uniq_num(), tfmt("Huyện Mật %s", x), "district", "inland",
                        g_srv->w.a_prov, geo_square(B_LON, B_LAT, HALF));
    /* A year ago, over 30 hours: in one weekly slice. */
    plant(g_srv->w.t_reporter, A_LON, A_LAT, CLUSTER_N, 365 * DAY_S, NULL);
    plant(g_srv->w.t_reporter, B_LON, B_LAT, CLUSTER_N, 365 * DAY_S, "confidential");
    snprintf(ht.window, sizeof(ht.window), "&since=%s&until=%s", urlenc(iso_ago(380 * DAY_S)),
             urlenc(iso_ago(350 * DAY_S)));
    ht.built = 1;
}

static int hotspots_setup(void **state)
{
    int rc = h_group_setup(state);
    if (rc == 0)
        theatre_build();
    h_gc(NULL);
    return rc;
}

static int hotspots_teardown(void **state)
{
    (void)state;
    ht.built = 0;
    return h_gc(NULL);
}

static char *q_area(const char *base, int64_t area, const char *extra)
{
    return tfmt("%s?area_id=%lld%s%s", base, (long long)area, ht.window, extra);
}

/* ---- analyses ------------------------------------------------------------------------ */

static void test_hotspot_gistar_finds_cluster(void **state)
{
    (void)state;
    json_t *fc = features(q_area(GISTAR, ht.area_a, ""), g_srv->w.admin);
    json_t *meta = json_object_get(fc, "meta");
    assert_string_equal(JSTR(meta, "analysis"), "gistar");
    assert_int_equal(JINT(meta, "incidents"), CLUSTER_N + 16);
    /* A 6.6 km square: 13 or 14 cells a side, as the grid falls. */
    assert_in_range(JINT(meta, "cells"), 150, 230);
    assert_string_equal(JSTR(meta, "weights"), "band");
    assert_string_equal(JSTR(meta, "shape"), "square");
    assert_true(JINT(meta, "hot") >= 1);
    json_t *f = feature_at(fc, A_LON + OFF, A_LAT + OFF);
    assert_non_null(f);
    json_t *p = props(f);
    assert_int_equal(JINT(p, "count"), CLUSTER_N);
    assert_true(json_is_true(json_object_get(p, "significant")));
    assert_string_equal(JSTR(p, "kind"), "hot");
    assert_true(json_real_value(json_object_get(p, "z")) > 3);
    assert_true(json_real_value(json_object_get(p, "p")) < 0.01);
    assert_int_equal(JINT(f, "id"), JINT(p, "cell"));

    /* k nearest neighbours and hexagons find it too. */
    fc = features(q_area(GISTAR, ht.area_a, "&weights=knn&k=8&shape=hexagon"), g_srv->w.admin);
    meta = json_object_get(fc, "meta");
    assert_string_equal(JSTR(meta, "weights"), "knn");
    assert_int_equal(JINT(meta, "k"), 8);
    assert_true(json_is_null(json_object_get(meta, "band_m")));
    f = feature_at(fc, A_LON + OFF, A_LAT + OFF);
    assert_non_null(f);
    assert_true(json_is_true(json_object_get(props(f), "significant")));

    /* Another category: nothing counted. */
    fc = features(q_area(GISTAR, ht.area_a, "&category=drugs,smuggling"), g_srv->w.admin);
    assert_int_equal(JINT(json_object_get(fc, "meta"), "incidents"), 0);
    assert_int_equal(count_significant(fc), 0);
}

static void test_hotspot_gistar_access(void **state)
{
    (void)state;
    /* The classified cluster: the administrator sees it, an unclassified viewer of
     * the reporting unit nothing of it. */
    json_t *fc = features(q_area(GISTAR, ht.area_b, ""), g_srv->w.admin);
    assert_true(count_significant(fc) >= 1);
    fc = features(q_area(GISTAR, ht.area_b, ""), g_srv->w.t_viewer);
    assert_int_equal(JINT(json_object_get(fc, "meta"), "incidents"), 0);
    assert_int_equal(count_significant(fc), 0);
    assert_int_equal(json_array_size(json_object_get(fc, "features")), 0);
    /* The same viewer sees the unclassified cluster (its unit reported it). */
    fc = features(q_area(GISTAR, ht.area_a, ""), g_srv->w.t_viewer);
    assert_int_equal(JINT(json_object_get(fc, "meta"), "incidents"), CLUSTER_N + 16);
    /* A viewer of another force without clearance: nothing of the classified one
     * (the unclassified one may reach the military as an informed force). */
    fc = features(q_area(GISTAR, ht.area_b, ""), g_srv->w.t_mil_viewer);
    assert_int_equal(JINT(json_object_get(fc, "meta"), "incidents"), 0);
    assert_int_equal(count_significant(fc), 0);
    /* No token, no analysis. */
    EXPECT_STATUS(api_get(q_area(GISTAR, ht.area_a, ""), NULL), 401);
}

static void test_hotspot_density_peaks_at_cluster(void **state)
{
    (void)state;
    json_t *fc = features(q_area(DENSITY, ht.area_a, "&bandwidth=1500"), g_srv->w.admin);
    json_t *meta = json_object_get(fc, "meta");
    assert_string_equal(JSTR(meta, "analysis"), "density");
    double max = json_real_value(json_object_get(meta, "max"));
    assert_true(max > 0);
    assert_true(json_real_value(json_object_get(meta, "bandwidth_m")) == 1500);
    json_t *f = feature_at(fc, A_LON + OFF, A_LAT + OFF);
    assert_non_null(f);
    assert_true(json_real_value(json_object_get(props(f), "density")) == max);
    assert_int_equal(JINT(props(f), "count"), CLUSTER_N);
}

static void test_hotspot_emerging(void **state)
{
    const char *rep = g_srv->w.t_reporter;
    (void)state;
    /* A growing cluster in area A over the four weeks before the window's end:
     * 1, 3, 6 and 10 incidents in the cell next to the planted one (1 km east). */
    static const int per_week[] = {1, 3, 6, 10};
    double lon = A_LON + OFF + 0.0092;
    for (int w = 0; w < 4; w++)
        for (int i = 0; i < per_week[w]; i++)
            (void)mk_inc_at(rep, lon, A_LAT + OFF, iso_ago((long)(326 - 7 * w) * DAY_S + i * 600L), NULL);
    char *q = tfmt("%s?area_id=%lld&since=%s&until=%s&slice=week", EMERGING, (long long)ht.area_a,
                   urlenc(iso_ago(354 * DAY_S)), urlenc(iso_ago(298 * DAY_S)));
    json_t *fc = features(q, g_srv->w.admin);
    json_t *meta = json_object_get(fc, "meta");
    assert_string_equal(JSTR(meta, "analysis"), "emerging");
    assert_int_equal(JINT(meta, "slices"), 8);
    assert_string_equal(JSTR(meta, "slice"), "week");
    json_t *f = feature_at(fc, lon, A_LAT + OFF);
    assert_non_null(f);
    json_t *p = props(f);
    assert_int_equal(JINT(p, "count"), 20);
    const char *trend = JSTR(p, "trend");
    assert_non_null(strstr(trend, "_hot"));
    assert_true(JINT(p, "hot_slices") >= 1);
    assert_true(json_object_get(p, "trend_z") != NULL);
    assert_true(json_object_get(p, "last_p") != NULL);
}

/* The gzip of an analysis unpacks to the plain answer. */
static unsigned char *gunzip_all(const char *data, size_t len, size_t *out_len)
{
    size_t cap = 64 * len + 4096;
    unsigned char *out = malloc(cap);
    z_stream z;
    memset(&z, 0, sizeof(z));
    assert_non_null(out);
    assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
    z.next_in = (unsigned char *)(uintptr_t)data;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
    *out_len = cap - z.avail_out;
    inflateEnd(&z);
    return out;
}

static void test_hotspot_gzip(void **state)
{
    (void)state;
    char *path = q_area(DENSITY, ht.area_a, "&bandwidth=1500");
    struct resp *plain = api_get(path, g_srv->w.admin);
    EXPECT_STATUS(plain, 200);
    assert_null(resp_header(plain, "content-encoding"));
    assert_non_null(strstr(resp_header(plain, "vary"), "Accept-Encoding"));
    assert_true(plain->len > 1024);
    struct resp *gz = api_req("GET", path, g_srv->w.admin, NULL, NULL, "Accept-Encoding: gzip");
    EXPECT_STATUS(gz, 200);
    assert_string_equal(resp_header(gz, "content-encoding"), "gzip");
    assert_non_null(strstr(resp_header(gz, "vary"), "Accept-Encoding"));
    assert_non_null(strstr(resp_header(gz, "content-type"), "application/geo+json"));
    assert_true(gz->len < plain->len);
    size_t n = 0;
    unsigned char *un = gunzip_all(gz->body, gz->len, &n);
    json_error_t e;
    json_t *a = json_loadb((const char *)un, n, 0, &e);
    free(un);
    assert_non_null(a);
    assert_true(json_equal(a, plain->json));
    json_decref(a);
}

static void test_hotspot_bad_params(void **state)
{
    (void)state;
    static const struct {
        const char *query, *field;
    } cases[] = {
        {"cell=10", "cell"},          {"cell=abc", "cell"},       {"cell=1e9", "cell"},
        {"cell=-500", "cell"},        {"shape=circle", "shape"},  {"weights=queen", "weights"},
        {"k=0", "k"},                 {"k=65", "k"},              {"alpha=0", "alpha"},
        {"alpha=1.5", "alpha"},       {"band=100", "band"},       {"band=x", "band"},
        {"since=hôm qua", "since"},   {"until=2020-13-01T00:00:00Z", "until"},
        {"since=2030-01-01T00:00:00Z", "since"},                  {"category=nosuchcode", "category"},
        {"category=crime,,drugs", "category"},                   {"force=navy", "force"},
        {"area_id=99999999", "area_id"}, {"area_id=-1", "area_id"}, {"weight=heavy", "weight"},
        {"bandwidth=0", "bandwidth"},
    };
    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        const char *base = strcmp(cases[i].field, "bandwidth") == 0 ? DENSITY : GISTAR;
        /* The name as it is, the value URL-encoded. */
        const char *eq = strchr(cases[i].query, '=');
        struct resp *r = api_get(tfmt("%s?%.*s=%s", base, (int)(eq - cases[i].query), cases[i].query,
                         urlenc(eq + 1)),
                    g_srv->w.admin);
        EXPECT_ERROR(r, 422, "invalid", cases[i].field);
    }
    /* Bands and bandwidths of more than 50 cells; in emerging too (not "slice"). */
    EXPECT_ERROR(api_get(GISTAR "?cell=500&band=25500", g_srv->w.admin), 422, "invalid", "band");
    EXPECT_ERROR(api_get(EMERGING "?cell=500&band=30000", g_srv->w.admin), 422, "invalid", "band");
    EXPECT_ERROR(api_get(DENSITY "?cell=500&bandwidth=25500", g_srv->w.admin), 422, "invalid",
                 "bandwidth");
    /* Time neighbours must be fewer than the slices (3 weeks here). */
    EXPECT_ERROR(api_get(tfmt(EMERGING "?slice=week&time_neighbours=5&since=%s&until=%s",
                              urlenc(iso_ago(21 * DAY_S)), urlenc(iso_ago(0))),
                         g_srv->w.admin),
                 422, "invalid", "time_neighbours");
    EXPECT_ERROR(api_get(EMERGING "?slice=year", g_srv->w.admin), 422, "invalid", "slice");
    EXPECT_ERROR(api_get(EMERGING "?time_neighbours=0", g_srv->w.admin), 422, "invalid",
                 "time_neighbours");
    /* One slice is no trend. */
    EXPECT_ERROR(api_get(tfmt(EMERGING "?slice=month&since=%s&until=%s", urlenc(iso_ago(20 * DAY_S)),
                              urlenc(iso_ago(DAY_S))),
                         g_srv->w.admin),
                 422, "invalid", "slice");
}

/* ---- records (a fresh server) ------------------------------------------------------- */

struct sse_find {
    char *buf;
    size_t len;
    const char *want;
    bool found;
};

static size_t on_sse(char *data, size_t size, size_t nmemb, void *arg)
{
    struct sse_find *s = arg;
    size_t n = size * nmemb;
    char *b = realloc(s->buf, s->len + n + 1);
    if (b == NULL)
        abort();
    memcpy(b + s->len, data, n);
    s->len += n;
    b[s->len] = '\0';
    s->buf = b;
    if (strstr(b, s->want) != NULL) {
        s->found = true;
        return 0; /* enough: abort the transfer */
    }
    return n;
}

/* Does token's stream, replayed from the start, carry want ("event: x")? */
static bool stream_has(const char *token, const char *want)
{
    struct sse_find s = {.want = want};
    CURL *c = curl_easy_init();
    struct curl_slist *hl = NULL;
    char *url = tfmt("%s/api/v1/stream", g_srv->base);
    hl = curl_slist_append(hl, tfmt("Authorization: Bearer %s", token));
    hl = curl_slist_append(hl, "Last-Event-ID: 0");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_sse);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
    (void)curl_easy_perform(c);
    curl_easy_cleanup(c);
    curl_slist_free_all(hl);
    free(s.buf);
    return s.found;
}

/* POST body (JSON text) to path as token with a 10 s limit (a hung loop fails
 * the test instead of holding it); the status, 0 on timeout. *field gets
 * error.field (on the garbage list) or NULL. */
static long post_bounded(const char *path, const char *token, const char *body, char **field)
{
    struct sse_find s = {.want = "\x01never"};
    CURL *c = curl_easy_init();
    struct curl_slist *hl = NULL;
    long status = 0;
    hl = curl_slist_append(hl, tfmt("Authorization: Bearer %s", token));
    hl = curl_slist_append(hl, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_URL, tfmt("%s%s", g_srv->base, path));
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_sse);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    curl_slist_free_all(hl);
    *field = NULL;
    json_t *j = s.buf != NULL ? json_loads(s.buf, 0, NULL) : NULL;
    const char *fv = json_string_value(json_object_get(json_object_get(j, "error"), "field"));
    if (fv != NULL)
        *field = tfmt("%s", fv);
    json_decref(j);
    free(s.buf);
    return status;
}

static char *person_token(int64_t unit, const char *role, const char *clearance)
{
    char *user = NULL;
    (void)mk_person(g_srv->w.admin, unit, role, clearance, &user);
    return login_ok(user, H_PASSWORD);
}

static struct resp *post_status(int64_t id, const char *token, const char *status, int64_t version,
                                const char *if_match)
{
    json_t *b = json_pack("{s:s, s:s}", "status", status, "note", "Đã xác minh tại chỗ");
    if (version > 0)
        json_object_set_new(b, "version", json_integer(version));
    return api_json_h("POST", tfmt(HOTSPOTS "/%lld/status", (long long)id), token, b, if_match);
}

static void test_hotspot_records(void **state)
{
    struct world *w = &g_srv->w;
    (void)state;
    char *rep = person_token(w->u_pc, "reporter", "secret");
    char *cmd = person_token(w->u_pc, "commander", "secret");
    char *duty = person_token(w->u_pc, "duty_officer", "secret");
    char *coord = person_token(w->u_pc, "coordinator", "secret");
    /* A police commune unit of its own, with no area: not responsible. */
    int64_t u_other = mk_unit(w->admin, tfmt("CA-K-%s", uniq_word()), "Công an xã Khác", "police",
                              "commune", w->u_pd, 0);
    char *outsider = person_token(u_other, "duty_officer", "secret");

    /* In the world's commune, in the last days: a new hot spot. */
    /* One of them confidential: the record is too. */
    for (int i = 0; i < 15; i++)
        (void)mk_inc_at(rep, 106.7, 10.2, iso_ago(DAY_S + i * 600L),
                        i == 0 ? "confidential" : NULL);
    for (int i = 0; i < 6; i++)
        (void)mk_inc_at(rep, 106.67 + 0.01 * i, 10.17, iso_ago(40 * DAY_S + i * DAY_S), NULL);

    /* Only administrators and coordinators start a run. */
    EXPECT_ERROR(api_json("POST", HOTSPOTS "/detect", cmd, NULL), 403, "forbidden", NULL);
    struct resp *r = api_json("POST", HOTSPOTS "/detect", w->admin, NULL);
    EXPECT_STATUS(r, 200);
    assert_int_equal(JINT(r->json, "created"), 1);
    /* A second run finds the place already recorded. */
    r = api_json("POST", HOTSPOTS "/detect", coord, NULL);
    EXPECT_STATUS(r, 200);
    assert_int_equal(JINT(r->json, "created"), 0);

    /* The list. */
    r = api_get(HOTSPOTS "?status=watch", duty);
    EXPECT_STATUS(r, 200);
    assert_string_equal(JSTR(r->json, "type"), "FeatureCollection");
    json_t *fs = json_object_get(r->json, "features");
    assert_int_equal(json_array_size(fs), 1);
    json_t *f = json_array_get(fs, 0);
    int64_t id = JINT(f, "id");
    json_t *p = props(f);
    assert_string_equal(JSTR(p, "status"), "watch");
    assert_string_equal(JSTR(p, "trend"), "new_hot");
    assert_int_equal(JINT(p, "area_id"), w->a_comm);
    assert_true(JINT(p, "incident_count") >= 15);
    assert_true(json_is_false(json_object_get(r->json, "has_more")));
    assert_true(json_is_null(json_object_get(r->json, "next_before")));
    assert_string_equal(JSTR(json_object_get(f, "geometry"), "type"), "MultiPolygon");
    r = api_get(HOTSPOTS "?status=resolved", duty);
    EXPECT_STATUS(r, 200);
    assert_int_equal(json_array_size(json_object_get(r->json, "features")), 0);
    EXPECT_ERROR(api_get(HOTSPOTS "?status=open", duty), 400, "malformed", "status");
    /* A unit neither responsible nor above one sees nothing of it. */
    r = api_get(HOTSPOTS, outsider);
    EXPECT_STATUS(r, 200);
    assert_int_equal(json_array_size(json_object_get(r->json, "features")), 0);
    EXPECT_STATUS(api_get(tfmt(HOTSPOTS "/%lld", (long long)id), outsider), 404);

    /* One record: ETag, incidents, notes, who may move it. */
    r = api_get(tfmt(HOTSPOTS "/%lld", (long long)id), duty);
    EXPECT_STATUS(r, 200);
    char *etag = resp_header(r, "etag");
    assert_non_null(etag);
    assert_string_equal(etag, "\"1\"");
    p = props(r->json);
    assert_true(json_array_size(json_object_get(p, "incident_ids")) >= 15);
    assert_int_equal(json_array_size(json_object_get(p, "notes")), 0);
    assert_true(json_is_false(json_object_get(p, "can_set_status")));
    r = api_get(tfmt(HOTSPOTS "/%lld", (long long)id), cmd);
    assert_true(json_is_true(json_object_get(props(r->json), "can_set_status")));
    EXPECT_STATUS(api_get(HOTSPOTS "/999999", cmd), 404);

    /* Moves. */
    EXPECT_ERROR(post_status(id, duty, "confirmed", 0, NULL), 403, "forbidden", NULL);
    EXPECT_ERROR(post_status(id, cmd, "resolved", 0, NULL), 409, "conflict", "status");
    EXPECT_ERROR(post_status(id, cmd, "gone", 0, NULL), 422, "invalid", "status");
    EXPECT_ERROR(post_status(id, cmd, "confirmed", 7, NULL), 412, "stale", NULL);
    EXPECT_ERROR(post_status(id, cmd, "confirmed", 0, "If-Match: \"9\""), 412, "stale", NULL);
    /* Body members are compared whole: "" and "note version" are unknown. */
    {
        char *field = NULL;
        assert_int_equal(post_bounded(tfmt(HOTSPOTS "/%lld/status", (long long)id), cmd,
                                      "{\"\":0}", &field),
                         422);
        assert_non_null(field);
        assert_string_equal(field, "");
        assert_int_equal(post_bounded(tfmt(HOTSPOTS "/%lld/notes", (long long)id), duty,
                                      "{\"text\":\"x\",\"\":0}", &field),
                         422);
        assert_string_equal(field, "");
        assert_int_equal(post_bounded(tfmt(HOTSPOTS "/%lld/status", (long long)id), cmd,
                                      "{\"status\":\"confirmed\",\"note version\":1}", &field),
                         422);
        assert_string_equal(field, "note version");
    }
    /* The record is confidential: the move's answer, which shows it, is audited
     * as a read (hotspot.status, then hotspot.read). */
    long audit_before = -1, audit_after = -1;
    assert_int_equal(srv_audit_verify(g_srv, &audit_before), 0);
    r = post_status(id, cmd, "confirmed", 0, "If-Match: \"1\"");
    EXPECT_STATUS(r, 200);
    assert_int_equal(srv_audit_verify(g_srv, &audit_after), 0);
    if (audit_before >= 0 && audit_after >= 0)
        assert_int_equal(audit_after, audit_before + 2);
    assert_string_equal(JSTR(props(r->json), "classification"), "confidential");
    assert_string_equal(JSTR(props(r->json), "status"), "confirmed");
    assert_int_equal(JINT(props(r->json), "version"), 2);
    assert_string_equal(resp_header(r, "etag"), "\"2\"");
    json_t *notes = json_object_get(props(r->json), "notes");
    assert_int_equal(json_array_size(notes), 1);
    assert_string_equal(JSTR(json_array_get(notes, 0), "status_to"), "confirmed");
    EXPECT_ERROR(post_status(id, cmd, "confirmed", 1, NULL), 412, "stale", NULL);
    r = post_status(id, cmd, "resolved", 2, NULL);
    EXPECT_STATUS(r, 200);
    assert_string_equal(JSTR(props(r->json), "status"), "resolved");

    /* Notes: the duty officer may write one; bad bodies name the member. */
    r = api_json("POST", tfmt(HOTSPOTS "/%lld/notes", (long long)id), duty,
                 json_pack("{s:s}", "text", "Tăng cường tuần tra ban đêm"));
    EXPECT_STATUS(r, 201);
    assert_string_equal(JSTR(r->json, "text"), "Tăng cường tuần tra ban đêm");
    assert_true(json_is_null(json_object_get(r->json, "status_to")));
    EXPECT_ERROR(api_json("POST", tfmt(HOTSPOTS "/%lld/notes", (long long)id), duty,
                          json_pack("{s:i}", "text", 3)),
                 422, "invalid", "text");
    EXPECT_ERROR(api_json("POST", tfmt(HOTSPOTS "/%lld/notes", (long long)id), duty,
                          json_pack("{s:s, s:s}", "text", "x", "colour", "red")),
                 422, "invalid", "colour");
    EXPECT_ERROR(api_json("POST", tfmt(HOTSPOTS "/%lld/notes", (long long)id), outsider,
                          json_pack("{s:s}", "text", "x")),
                 404, "not_found", NULL);
    r = api_get(tfmt(HOTSPOTS "/%lld", (long long)id), duty);
    assert_int_equal(json_array_size(json_object_get(props(r->json), "notes")), 3);

    /* The duty officer of a responsible unit was told. */
    assert_true(stream_has(duty, "event: hotspot.detected"));
    assert_false(stream_has(outsider, "event: hotspot.detected"));
}

int run_hotspot_tests(void)
{
    const struct CMUnitTest tests[] = {
        T(test_hotspot_gistar_finds_cluster),
        T(test_hotspot_gistar_access),
        T(test_hotspot_density_peaks_at_cluster),
        T(test_hotspot_emerging),
        T(test_hotspot_bad_params),
        T(test_hotspot_gzip),
    };
    const struct CMUnitTest fresh[] = {
        T_FRESH(test_hotspot_records),
    };
    int failed = cmocka_run_group_tests_name("hotspots", tests, hotspots_setup, hotspots_teardown);
    return failed + cmocka_run_group_tests_name("hotspots (records)", fresh, NULL, NULL);
}
