/* test_static.c - the embedded web application as served by `phoihop serve`
 * (src/http/static.c): types, caching (ETag, 304, no-cache and immutable),
 * precompressed variants, the security headers, 404 for anything not embedded, no
 * way out of the table by dot segments or their encodings, and the API untouched;
 * JSON answers gzip-compressed when the client takes it (never the live feed), and
 * a configured map tile server in the CSP and GET /api/v1/config. */
#include "util/base.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <zlib.h>
#include "harness.h"

int run_static_tests(void); /* called by main.c */

/* "/assets/<version>" as index.html names it (on the garbage list). */
static char *asset_base(void)
{
    struct resp *r = api_get("/", NULL);
    EXPECT_STATUS(r, 200);
    const char *p = strstr(r->body, "src=\"/assets/");
    assert_non_null(p);
    p += strlen("src=\"");
    const char *end = strstr(p + strlen("/assets/"), "/");
    assert_non_null(end);
    return tfmt("%.*s", (int)(end - p), p);
}

static void expect_header(const struct resp *r, const char *name, const char *want)
{
    char *v = resp_header(r, name);
    if (v == NULL || strcmp(v, want) != 0)
        fail_msg("%s %s: header %s is \"%s\", want \"%s\"", r->method, r->path, name,
                 v ? v : "(absent)", want);
}

static void expect_security_headers(const struct resp *r)
{
    char *csp = resp_header(r, "Content-Security-Policy");
    assert_non_null(csp);
    assert_non_null(strstr(csp, "default-src 'self'"));
    assert_non_null(strstr(csp, "script-src 'self'"));
    assert_non_null(strstr(csp, "connect-src 'self'"));
    assert_non_null(strstr(csp, "img-src 'self' data: blob:"));
    assert_non_null(strstr(csp, "frame-ancestors 'none'"));
    assert_null(strstr(csp, "unsafe-inline"));
    assert_null(strstr(csp, "unsafe-eval"));
    assert_null(strstr(csp, "http:"));
    assert_null(strstr(csp, "https:"));
    expect_header(r, "X-Content-Type-Options", "nosniff");
    expect_header(r, "Referrer-Policy", "no-referrer");
    expect_header(r, "X-Frame-Options", "DENY");
}

static void test_static_index(void **state)
{
    (void)state;
    struct resp *r = api_get("/", NULL);
    EXPECT_STATUS(r, 200);
    expect_header(r, "Content-Type", "text/html; charset=utf-8");
    expect_header(r, "Cache-Control", "no-cache");
    expect_header(r, "Vary", "Accept-Encoding");
    assert_null(resp_header(r, "Content-Encoding"));
    char *etag = resp_header(r, "ETag");
    assert_non_null(etag);
    assert_true(etag[0] == '"' && etag[strlen(etag) - 1] == '"'); /* strong */
    expect_security_headers(r);
    /* The page loads its module by URL: no inline script for the CSP to refuse,
     * and no placeholder left unreplaced. */
    assert_non_null(strstr(r->body, "<script type=\"module\" src=\"/assets/"));
    for (const char *p = r->body; (p = strstr(p, "<script")) != NULL; p++) {
        const char *gt = strchr(p, '>');
        assert_non_null(gt);
        assert_non_null(memmem(p, (size_t)(gt - p), " src=", 5));
    }
    assert_null(strstr(r->body, "{{ASSETS}}"));
    assert_null(strstr(r->body, "style="));

    /* Revalidation: the same ETag is 304 with no body, also when weak-compared. */
    struct resp *nm = api_req("GET", "/", NULL, NULL, NULL, tfmt("If-None-Match: %s", etag));
    EXPECT_STATUS(nm, 304);
    assert_int_equal(nm->len, 0);
    expect_header(nm, "ETag", etag);
    expect_header(nm, "Cache-Control", "no-cache");
    nm = api_req("GET", "/", NULL, NULL, NULL, tfmt("If-None-Match: \"x\", W/%s", etag));
    EXPECT_STATUS(nm, 304);
    nm = api_req("GET", "/", NULL, NULL, NULL, "If-None-Match: \"0123\"");
    EXPECT_STATUS(nm, 200);
    assert_int_equal(nm->len, r->len);

    /* HEAD: the headers without the body. */
    struct resp *hd = api_req("HEAD", "/", NULL, NULL, NULL, NULL);
    EXPECT_STATUS(hd, 200);
    assert_int_equal(hd->len, 0);
    expect_header(hd, "Content-Length", tfmt("%zu", r->len));
    expect_header(hd, "ETag", etag);
}

static void test_static_types_and_caching(void **state)
{
    (void)state;
    static const struct {
        const char *path;
        const char *type;
    } files[] = {
        {"/js/app.js", "text/javascript; charset=utf-8"},
        {"/js/pages/dashboard.js", "text/javascript; charset=utf-8"},
        {"/css/app.css", "text/css; charset=utf-8"},
        {"/i18n/vi.json", "application/json; charset=utf-8"},
        {"/i18n/en.json", "application/json; charset=utf-8"},
        {"/img/icon.svg", "image/svg+xml"},
        {"/vendor/leaflet/leaflet.js", "text/javascript; charset=utf-8"},
        {"/vendor/leaflet/leaflet.css", "text/css; charset=utf-8"},
        {"/vendor/leaflet/images/marker-icon.png", "image/png"},
        {"/vendor/markercluster/leaflet.markercluster.js", "text/javascript; charset=utf-8"},
        {"/vendor/uplot/uPlot.iife.min.js", "text/javascript; charset=utf-8"},
        {"/vendor/uplot/uPlot.min.css", "text/css; charset=utf-8"},
    };
    char *base = asset_base();
    for (size_t i = 0; i < PH_NELEM(files); i++) {
        char *path = tfmt("%s%s", base, files[i].path);
        struct resp *r = api_get(path, NULL);
        EXPECT_STATUS(r, 200);
        assert_true(r->len > 0);
        expect_header(r, "Content-Type", files[i].type);
        expect_header(r, "Cache-Control", "public, max-age=31536000, immutable");
        expect_security_headers(r);
        char *etag = resp_header(r, "ETag");
        assert_non_null(etag);
        struct resp *nm = api_req("GET", path, NULL, NULL, NULL, tfmt("If-None-Match: %s", etag));
        EXPECT_STATUS(nm, 304);
        assert_int_equal(nm->len, 0);
    }
    /* The Vietnamese dictionary is UTF-8 with its diacritics. */
    struct resp *vi = api_get(tfmt("%s/i18n/vi.json", base), NULL);
    assert_non_null(vi->json);
    assert_string_equal(JSTR(vi->json, "nav.dashboard"), "Tổng quan");
}

/* One HTTP/1.1 request with the path exactly as given (libcurl would remove dot
 * segments itself) and headers ("Name: value\r\n"..., or ""); the status, and the
 * body's first bytes in body. */
static int raw_get(const char *path, const char *headers, char *body, size_t body_size)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)g_srv->port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    char *req = tfmt("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%s\r\n", path,
                     headers);
    assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
    char buf[8192];
    size_t n = 0;
    ssize_t k;
    while (n < sizeof(buf) - 1 && (k = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
        n += (size_t)k;
    close(fd);
    buf[n] = '\0';
    int status = 0;
    assert_int_equal(sscanf(buf, "HTTP/1.1 %d", &status), 1);
    const char *b = strstr(buf, "\r\n\r\n");
    snprintf(body, body_size, "%s", b ? b + 4 : "");
    return status;
}

static unsigned char *gunzip(const char *data, size_t len, size_t *out_len)
{
    size_t cap = 8 * len + 1024;
    unsigned char *out = malloc(cap);
    z_stream z;
    memset(&z, 0, sizeof(z));
    assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
    z.next_in = (unsigned char *)data;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
    *out_len = cap - z.avail_out;
    inflateEnd(&z);
    return out;
}

static void test_static_encodings(void **state)
{
    (void)state;
    char *path = tfmt("%s/vendor/leaflet/leaflet.js", asset_base());
    struct resp *plain = api_get(path, NULL);
    EXPECT_STATUS(plain, 200);
    assert_null(resp_header(plain, "Content-Encoding"));
    expect_header(plain, "Vary", "Accept-Encoding");
    char *etag = resp_header(plain, "ETag");

    struct resp *gz = api_req("GET", path, NULL, NULL, NULL, "Accept-Encoding: gzip");
    EXPECT_STATUS(gz, 200);
    expect_header(gz, "Content-Encoding", "gzip");
    expect_header(gz, "Vary", "Accept-Encoding");
    expect_header(gz, "Content-Type", "text/javascript; charset=utf-8");
    assert_true(gz->len < plain->len / 2);
    assert_true((unsigned char)gz->body[0] == 0x1f && (unsigned char)gz->body[1] == 0x8b);
    size_t n = 0;
    unsigned char *un = gunzip(gz->body, gz->len, &n);
    assert_int_equal(n, plain->len);
    assert_memory_equal(un, plain->body, n);
    free(un);
    /* Each encoding has its own strong ETag; each revalidates as itself. */
    char *etag_gz = resp_header(gz, "ETag");
    assert_string_not_equal(etag_gz, etag);
    char body[64];
    assert_int_equal(raw_get(path, tfmt("Accept-Encoding: gzip\r\nIf-None-Match: %s\r\n", etag_gz),
                             body, sizeof(body)),
                     304);
    /* The gzip ETag does not validate the identity bytes. */
    assert_int_equal(raw_get(path, tfmt("If-None-Match: %s\r\n", etag_gz), body, sizeof(body)), 200);

    static const struct {
        const char *accept;
        const char *want; /* Content-Encoding, NULL for none */
    } cases[] = {
        {"Accept-Encoding: gzip, deflate", "gzip"},
        {"Accept-Encoding: GZIP", "gzip"},
        {"Accept-Encoding: gzip;q=0", NULL},
        {"Accept-Encoding: gzip; q=0.0, identity", NULL},
        {"Accept-Encoding: identity", NULL},
        {"Accept-Encoding: deflate", NULL},
        {"Accept-Encoding: br", "br"},
        {"Accept-Encoding: gzip, deflate, br", "br"},
        {"Accept-Encoding: br;q=0, gzip", "gzip"},
        {"Accept-Encoding: *", "br"},
        {"Accept-Encoding: *;q=0", NULL},
        {"Accept-Encoding: xgzip", NULL},
    };
    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        struct resp *r = api_req("GET", path, NULL, NULL, NULL, cases[i].accept);
        EXPECT_STATUS(r, 200);
        char *ce = resp_header(r, "Content-Encoding");
        if (cases[i].want == NULL) {
            if (ce != NULL)
                fail_msg("%s: Content-Encoding %s, want none", cases[i].accept, ce);
            assert_int_equal(r->len, plain->len);
        } else {
            if (ce == NULL || strcmp(ce, cases[i].want) != 0)
                fail_msg("%s: Content-Encoding %s, want %s", cases[i].accept,
                         ce ? ce : "(none)", cases[i].want);
            assert_true(r->len < plain->len);
        }
    }
    /* A PNG gains nothing: no variant, no Vary. */
    struct resp *png = api_req("GET", tfmt("%s/vendor/leaflet/images/marker-icon.png", asset_base()),
                               NULL, NULL, NULL, "Accept-Encoding: gzip, br");
    EXPECT_STATUS(png, 200);
    assert_null(resp_header(png, "Content-Encoding"));
    assert_true((unsigned char)png->body[0] == 0x89 && png->body[1] == 'P');
}

static void test_static_not_found_and_traversal(void **state)
{
    (void)state;
    char *base = asset_base();
    const char *misses[] = {
        tfmt("%s/js/nope.js", base),
        tfmt("%s/", base),
        tfmt("%s", base),
        "/assets/000000000000/js/app.js", /* another build's name */
        tfmt("%s/js/app.js/", base),
        tfmt("%s/JS/APP.JS", base),
        tfmt("%s/package.json", base),
        tfmt("%s/index.html", base),
        "/index.html",
        "/assets/",
        "/web/js/app.js",
        "/js/app.js",
        "/etc/passwd",
    };
    for (size_t i = 0; i < PH_NELEM(misses); i++) {
        struct resp *r = api_get(misses[i], NULL);
        if (r->status != 404)
            fail_msg("GET %s: %ld, want 404", misses[i], r->status);
        EXPECT_ERROR(r, 404, "not_found", NULL);
    }
    const char *attacks[] = {
        "/assets/../../etc/passwd",
        tfmt("%s/../../../../etc/passwd", base),
        "/assets/%2e%2e/%2e%2e/etc/passwd",
        "/assets/%2E%2E/%2E%2E/etc/passwd",
        tfmt("%s/js/%%2e%%2e/%%2e%%2e/%%2e%%2e/etc/passwd", base),
        "/assets/..%2f..%2fetc%2fpasswd",
        "/assets/%252e%252e/etc/passwd",
        tfmt("%s/js/app.js%%00.png", base),
        "/assets/....//....//etc/passwd",
        tfmt("%s/js/./../js/../../../src/main.c", base),
    };
    for (size_t i = 0; i < PH_NELEM(attacks); i++) {
        char body[512];
        int st = raw_get(attacks[i], "", body, sizeof(body));
        if (st != 404 && st != 400)
            fail_msg("GET %s: %d, want 404 (or 400)", attacks[i], st);
        assert_null(strstr(body, "root:"));
        assert_null(strstr(body, "#include"));
    }
    /* Dot segments that resolve inside the table are just another spelling. */
    char body[64];
    assert_int_equal(raw_get(tfmt("%s/img/../js/app.js", base), "", body, sizeof(body)), 200);
}

static void test_static_api_untouched(void **state)
{
    (void)state;
    struct resp *r = api_get("/api/v1/no-such-thing", NULL);
    EXPECT_ERROR(r, 404, "not_found", NULL);
    assert_null(resp_header(r, "Content-Security-Policy"));
    r = api_get("/healthz", NULL);
    EXPECT_STATUS(r, 200);
    assert_non_null(r->json);
    r = api_get("/api/v1/auth/me", NULL);
    EXPECT_ERROR(r, 401, "unauthenticated", NULL);
    /* The web application is read-only. */
    r = api_req("POST", "/", NULL, "x", "text/plain", NULL);
    EXPECT_ERROR(r, 405, "method_not_allowed", NULL);
    r = api_req("DELETE", tfmt("%s/js/app.js", asset_base()), NULL, NULL, NULL, NULL);
    EXPECT_ERROR(r, 405, "method_not_allowed", NULL);
}

/* ---- API answers compressed (resp.c) ------------------------------------------------------ */

/* The header block of GET path (with extra header lines), read until its end only:
 * enough for an answer that never ends (the live feed). */
static char *raw_head(const char *path, const char *headers)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct timeval tv = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)g_srv->port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    char *req = tfmt("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n", path, headers);
    assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
    char buf[4096];
    size_t n = 0;
    ssize_t k;
    buf[0] = '\0';
    while (n < sizeof(buf) - 1 && strstr(buf, "\r\n\r\n") == NULL &&
           (k = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0) {
        n += (size_t)k;
        buf[n] = '\0';
    }
    close(fd);
    char *end = strstr(buf, "\r\n\r\n");
    assert_non_null(end);
    return tfmt("%.*s", (int)(end - buf), buf);
}

static void test_static_api_gzip(void **state)
{
    (void)state;
    world_build(0);
    const char *adm = g_srv->w.admin;
    /* The categories: a few KB of JSON. */
    const char *path = "/api/v1/categories?limit=500&include_inactive=1";
    struct resp *plain = api_get(path, adm);
    EXPECT_STATUS(plain, 200);
    assert_true(plain->len > 1024);
    assert_non_null(plain->json);
    assert_null(resp_header(plain, "Content-Encoding"));
    expect_header(plain, "Vary", "Accept-Encoding");

    struct resp *gz = api_req("GET", path, adm, NULL, NULL, "Accept-Encoding: gzip, deflate, br");
    EXPECT_STATUS(gz, 200);
    expect_header(gz, "Content-Encoding", "gzip");
    expect_header(gz, "Vary", "Accept-Encoding");
    expect_header(gz, "Content-Type", "application/json; charset=utf-8");
    assert_true((unsigned char)gz->body[0] == 0x1f && (unsigned char)gz->body[1] == 0x8b);
    assert_true(gz->len < plain->len / 2);
    size_t n = 0;
    unsigned char *un = gunzip(gz->body, gz->len, &n);
    json_error_t jerr;
    json_t *j = json_loadb((const char *)un, n, 0, &jerr);
    free(un);
    assert_non_null(j);
    assert_true(json_equal(j, plain->json));
    json_decref(j);

    /* Refused or not offered: identity. */
    static const char *const identity[] = {"Accept-Encoding: gzip;q=0", "Accept-Encoding: identity",
                                           "Accept-Encoding: br"};
    for (size_t i = 0; i < PH_NELEM(identity); i++) {
        struct resp *r = api_req("GET", path, adm, NULL, NULL, identity[i]);
        EXPECT_STATUS(r, 200);
        if (resp_header(r, "Content-Encoding") != NULL)
            fail_msg("%s: compressed", identity[i]);
        assert_int_equal(r->len, plain->len);
    }
    /* A small answer is not worth it. */
    struct resp *me = api_req("GET", "/api/v1/auth/me", adm, NULL, NULL, "Accept-Encoding: gzip");
    EXPECT_STATUS(me, 200);
    assert_null(resp_header(me, "Content-Encoding"));
    assert_non_null(me->json);
    /* HEAD announces the length GET sends. */
    struct resp *head = api_req("HEAD", path, adm, NULL, NULL, "Accept-Encoding: gzip");
    EXPECT_STATUS(head, 200);
    expect_header(head, "Content-Encoding", "gzip");
    expect_header(head, "Content-Length", tfmt("%zu", gz->len));

    /* The live feed is never compressed: each event must reach the client at once. */
    char *h = raw_head("/api/v1/stream",
                       tfmt("Authorization: Bearer %s\r\nAccept-Encoding: gzip\r\n", adm));
    assert_non_null(strstr(h, "HTTP/1.1 200"));
    assert_non_null(strcasestr(h, "content-type: text/event-stream"));
    assert_null(strcasestr(h, "content-encoding"));
    /* Nor are the web application's files compressed twice. */
    struct resp *js = api_req("GET", tfmt("%s/js/app.js", asset_base()), NULL, NULL, NULL,
                              "Accept-Encoding: gzip");
    EXPECT_STATUS(js, 200);
    expect_header(js, "Content-Encoding", "gzip");
    un = gunzip(js->body, js->len, &n);
    assert_non_null(memmem(un, n, "import", 6));
    free(un);
}

/* ---- a map tile server (serve --tile-url) ---------------------------------------------------- */

static void test_static_tile_url(void **state)
{
    (void)state;
    world_build(0);
    /* Without one: the page's configuration says so. */
    struct resp *c = api_get("/api/v1/config", g_srv->w.admin);
    EXPECT_STATUS(c, 200);
    assert_true(json_is_null(json_object_get(c->json, "tile_url")));
    EXPECT_ERROR(api_get("/api/v1/config", NULL), 401, "unauthenticated", NULL);

    /* With one: its origin joins img-src (a "{s}" subdomain as a wildcard), and
     * nothing else of the policy changes. */
    static struct server tile_srv;
    const char *url = "https://{s}.tiles.example.org:8443/osm/{z}/{x}/{y}.png";
    const char *extra[] = {"--tile-url", url, NULL};
    assert_int_equal(srv_start_args(&tile_srv, extra), 0);
    g_srv = &tile_srv;
    world_build(0);
    struct resp *r = api_get("/", NULL);
    EXPECT_STATUS(r, 200);
    char *csp = resp_header(r, "Content-Security-Policy");
    assert_non_null(csp);
    assert_non_null(strstr(csp, "img-src 'self' data: blob: https://*.tiles.example.org:8443;"));
    assert_non_null(strstr(csp, "default-src 'self'"));
    assert_non_null(strstr(csp, "connect-src 'self';"));
    assert_non_null(strstr(csp, "frame-ancestors 'none'"));
    assert_null(strstr(csp, "script-src 'self' https"));
    r = api_get(tfmt("%s/js/app.js", asset_base()), NULL);
    EXPECT_STATUS(r, 200);
    assert_non_null(strstr(resp_header(r, "Content-Security-Policy"), "https://*.tiles.example.org:8443"));
    c = api_get("/api/v1/config", g_srv->w.admin);
    EXPECT_STATUS(c, 200);
    assert_string_equal(JSTR(c->json, "tile_url"), url);
    g_srv = &g_main_srv;
    assert_int_equal(srv_stop(&tile_srv), 0);
    srv_cleanup(&tile_srv);

    /* What could break out of the policy, or is no tile template, is refused
     * before anything starts. */
    static const char *const bad[] = {
        "https://t.example.org/{z}/{x}/{y}.png; script-src *",
        "https://t.example.org/{z}/{x}/{y}.png 'unsafe-inline'",
        "https://t.example.org/{z}/{x}/{y}.png,https://evil.example",
        "javascript:alert(1)//{z}/{x}/{y}",
        "https://t.example.org/tiles.png",
        "https://t.exa\"mple.org/{z}/{x}/{y}.png",
        "ftp://t.example.org/{z}/{x}/{y}.png",
        "https://{z}/{x}/{y}",
    };
    for (size_t i = 0; i < PH_NELEM(bad); i++) {
        char *cmd = tfmt("'%s' serve --db /nonexistent/phoihop.db --tile-url '%s' 2>&1", h_bin(), bad[i]);
        FILE *p = popen(cmd, "r");
        assert_non_null(p);
        char out[1024];
        size_t k = fread(out, 1, sizeof(out) - 1, p);
        out[k] = '\0';
        int st = pclose(p);
        if (st == 0 || strstr(out, "--tile-url") == NULL)
            fail_msg("--tile-url %s: status %d, said: %s", bad[i], st, out);
    }
}

int run_static_tests(void)
{
    const struct CMUnitTest tests[] = {
        T(test_static_index),
        T(test_static_types_and_caching),
        T(test_static_encodings),
        T(test_static_not_found_and_traversal),
        T(test_static_api_untouched),
        T(test_static_api_gzip),
        T(test_static_tile_url),
    };
    return cmocka_run_group_tests_name("static", tests, NULL, NULL);
}
