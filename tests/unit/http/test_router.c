/* test_router.c - the route table and router_match(): exact paths, ":id" captures,
 * the tolerated trailing slash, 405 with the Allow list versus 404, and that every
 * route of every api_*.c table is reachable with its own (method, pattern). Only the
 * arena of struct req is used by the router, so requests here are built by hand. */
#include "util/base.h"
#include "testutil.h"
#include "http/http_int.h"
#include "http/req.h"
#include "http/router.h"

struct match {
    const struct route *route; /* NULL: no route */
    bool path_known;
    char allow[64];
};

/* Match method and path (lengths taken from the strings) on a fresh request. */
static struct match match_n(struct req *r, const char *method, size_t method_len, const char *path,
                            size_t path_len)
{
    struct match m = {.route = NULL};
    memset(m.allow, 'X', sizeof(m.allow)); /* the router must write it */
    r->n_params = 0;
    int i = router_match(r, method, method_len, path, path_len, &m.path_known, m.allow,
                         sizeof(m.allow));
    if (i >= 0) {
        assert_true((size_t)i < router_count());
        m.route = router_get((size_t)i);
        assert_non_null(m.route);
    }
    return m;
}

static struct match match(struct req *r, const char *method, const char *path)
{
    return match_n(r, method, strlen(method), path, strlen(path));
}

static void expect_route(struct req *r, const char *method, const char *path, const char *pattern)
{
    struct match m = match(r, method, path);
    if (m.route == NULL)
        fail_msg("%s %s: no route, want %s", method, path, pattern);
    assert_string_equal(m.route->method, method);
    if (strcmp(m.route->pattern, pattern) != 0)
        fail_msg("%s %s matched %s, want %s", method, path, m.route->pattern, pattern);
}

static void expect_404(struct req *r, const char *method, const char *path)
{
    struct match m = match(r, method, path);
    if (m.route != NULL)
        fail_msg("%s %s matched %s %s, want no route", method, path, m.route->method,
                 m.route->pattern);
    if (m.path_known)
        fail_msg("%s %s: path reported as known (405), want 404", method, path);
    assert_string_equal(m.allow, "");
}

/* 405: no route, the path known, and Allow listing exactly these methods (any order). */
static void expect_405(struct req *r, const char *method, const char *path,
                       const char *const *methods, size_t n)
{
    struct match m = match(r, method, path);
    assert_null(m.route);
    if (!m.path_known)
        fail_msg("%s %s: path not known, want 405", method, path);
    size_t found = 0;
    const char *p = m.allow;
    while (*p != '\0') {
        const char *end = strstr(p, ", ");
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        size_t i = 0;
        while (i < n && !(strlen(methods[i]) == len && memcmp(methods[i], p, len) == 0))
            i++;
        if (i == n)
            fail_msg("%s %s: Allow \"%s\" has an unexpected method", method, path, m.allow);
        found++;
        p += len;
        if (*p != '\0')
            p += 2;
    }
    if (found != n)
        fail_msg("%s %s: Allow \"%s\", want %zu methods", method, path, m.allow, n);
}

static void req_init(struct req *r)
{
    memset(r, 0, sizeof(*r));
    arena_init(&r->arena);
}

/* ---- the table ---------------------------------------------------------------- */

static void test_router_table(void **state)
{
    /* Routes docs/API.md promises (more may exist). */
    static const struct {
        const char *method, *pattern;
    } documented[] = {
        {"GET", "/healthz"},
        {"GET", "/metrics"},
        {"POST", "/api/v1/auth/login"},
        {"POST", "/api/v1/auth/logout"},
        {"GET", "/api/v1/auth/me"},
        {"POST", "/api/v1/auth/password"},
        {"POST", "/api/v1/auth/tokens"},
        {"DELETE", "/api/v1/auth/tokens/:id"},
        {"GET", "/api/v1/areas"},
        {"POST", "/api/v1/areas"},
        {"GET", "/api/v1/areas/:id"},
        {"PATCH", "/api/v1/areas/:id"},
        {"DELETE", "/api/v1/areas/:id"},
        {"GET", "/api/v1/units"},
        {"POST", "/api/v1/units"},
        {"GET", "/api/v1/units/:id"},
        {"PATCH", "/api/v1/units/:id"},
        {"DELETE", "/api/v1/units/:id"},
        {"GET", "/api/v1/people"},
        {"POST", "/api/v1/people"},
        {"GET", "/api/v1/people/:id"},
        {"PATCH", "/api/v1/people/:id"},
        {"DELETE", "/api/v1/people/:id"},
        {"POST", "/api/v1/people/:id/password"},
    };
    static const char *const methods[] = {"GET", "POST", "PATCH", "DELETE"};

    (void)state;
    router_init();
    size_t n = router_count();
    router_init(); /* idempotent: no route twice */
    assert_int_equal(router_count(), n);
    assert_true(n >= PH_NELEM(documented));
    assert_true(n <= ROUTER_MAX_ROUTES);
    assert_null(router_get(n));

    for (size_t i = 0; i < n; i++) {
        const struct route *rt = router_get(i);
        assert_non_null(rt);
        assert_non_null(rt->handler);
        assert_true(rt->auth == ROUTE_PUBLIC || rt->auth == ROUTE_USER);
        size_t k = 0;
        while (k < PH_NELEM(methods) && strcmp(methods[k], rt->method) != 0)
            k++;
        if (k == PH_NELEM(methods))
            fail_msg("route %zu: method \"%s\"", i, rt->method);
        if (rt->pattern[0] != '/')
            fail_msg("route %zu: pattern \"%s\" is not absolute", i, rt->pattern);
        /* Only POST and PATCH carry a JSON body (GET and DELETE never read one). */
        if (rt->json_body && strcmp(rt->method, "POST") != 0 && strcmp(rt->method, "PATCH") != 0)
            fail_msg("%s %s requires a body", rt->method, rt->pattern);
        for (size_t j = 0; j < i; j++) {
            const struct route *o = router_get(j);
            if (strcmp(o->method, rt->method) == 0 && strcmp(o->pattern, rt->pattern) == 0)
                fail_msg("routes %zu and %zu are both %s %s", j, i, rt->method, rt->pattern);
        }
    }
    for (size_t d = 0; d < PH_NELEM(documented); d++) {
        size_t i = 0;
        while (i < n && !(strcmp(router_get(i)->method, documented[d].method) == 0 &&
                          strcmp(router_get(i)->pattern, documented[d].pattern) == 0))
            i++;
        if (i == n)
            fail_msg("no route %s %s", documented[d].method, documented[d].pattern);
    }
    /* Only login (and the operations endpoints) go without a token. */
    for (size_t i = 0; i < n; i++) {
        const struct route *rt = router_get(i);
        if (strncmp(rt->pattern, "/api/", 5) == 0 && rt->auth == ROUTE_PUBLIC &&
            strcmp(rt->pattern, "/api/v1/auth/login") != 0)
            fail_msg("%s %s needs no token", rt->method, rt->pattern);
    }
}

/* Each route, asked for with its pattern's captures filled in, is the one matched:
 * no earlier route shadows it, and its captures come back by name. */
static void test_router_every_route_reachable(void **state)
{
    struct req r;

    (void)state;
    router_init();
    for (size_t i = 0; i < router_count(); i++) {
        const struct route *rt = router_get(i);
        char path[256];
        size_t w = 0;
        int n_caps = 0;
        for (const char *p = rt->pattern; *p != '\0';) {
            if (*p == ':') {
                while (*p != '\0' && *p != '/')
                    p++;
                w += (size_t)snprintf(path + w, sizeof(path) - w, "%d", 1000 + n_caps);
                n_caps++;
            } else {
                path[w++] = *p++;
            }
            assert_true(w < sizeof(path));
        }
        path[w] = '\0';
        req_init(&r);
        struct match m = match(&r, rt->method, path);
        if (m.route != rt)
            fail_msg("%s %s (route %zu) matched %s", rt->method, path, i,
                     m.route != NULL ? m.route->pattern : "nothing");
        assert_int_equal(r.n_params, n_caps);
        for (int c = 0; c < n_caps; c++) {
            char want[16];
            snprintf(want, sizeof(want), "%d", 1000 + c);
            assert_string_equal(r.param_values[c], want);
            assert_non_null(strstr(rt->pattern, r.param_names[c]));
        }
        arena_release(&r.arena);
    }
}

/* ---- matching ------------------------------------------------------------------- */

static void test_router_exact(void **state)
{
    struct req r;

    (void)state;
    router_init();
    req_init(&r);
    expect_route(&r, "GET", "/healthz", "/healthz");
    expect_route(&r, "GET", "/metrics", "/metrics");
    expect_route(&r, "GET", "/", "/");
    expect_route(&r, "POST", "/api/v1/auth/login", "/api/v1/auth/login");
    expect_route(&r, "GET", "/api/v1/auth/me", "/api/v1/auth/me");
    expect_route(&r, "GET", "/api/v1/units", "/api/v1/units");
    expect_route(&r, "POST", "/api/v1/units", "/api/v1/units");
    expect_route(&r, "GET", "/api/v1/people", "/api/v1/people");
    assert_int_equal(r.n_params, 0);
    /* Public or not, as the table says. */
    assert_int_equal(match(&r, "POST", "/api/v1/auth/login").route->auth, ROUTE_PUBLIC);
    assert_int_equal(match(&r, "GET", "/healthz").route->auth, ROUTE_PUBLIC);
    assert_int_equal(match(&r, "GET", "/api/v1/units").route->auth, ROUTE_USER);
    assert_true(match(&r, "POST", "/api/v1/units").route->json_body);
    assert_false(match(&r, "GET", "/api/v1/units").route->json_body);
    arena_release(&r.arena);
}

static void test_router_captures(void **state)
{
    struct req r;
    int64_t id = 0;

    (void)state;
    router_init();
    req_init(&r);
    expect_route(&r, "GET", "/api/v1/units/42", "/api/v1/units/:id");
    assert_int_equal(r.n_params, 1);
    assert_string_equal(r.param_names[0], "id");
    assert_string_equal(r.param_values[0], "42");
    assert_int_equal(req_path_id(&r, "id", &id), PH_OK);
    assert_int_equal(id, 42);

    expect_route(&r, "PATCH", "/api/v1/areas/9000000000", "/api/v1/areas/:id");
    assert_int_equal(req_path_id(&r, "id", &id), PH_OK);
    assert_int_equal(id, 9000000000LL);

    expect_route(&r, "POST", "/api/v1/people/7/password", "/api/v1/people/:id/password");
    assert_int_equal(r.n_params, 1);
    assert_string_equal(r.param_values[0], "7");

    expect_route(&r, "DELETE", "/api/v1/auth/tokens/3", "/api/v1/auth/tokens/:id");
    assert_string_equal(r.param_values[0], "3");

    /* A segment matches whatever it holds; turning it into an id is req_path_id's job,
     * and an id that cannot exist is "not found". */
    static const char *const not_ids[] = {"abc", "0",   "-5", "12x", "99999999999999999999",
                                          "1.5", "0x10"};
    for (size_t i = 0; i < PH_NELEM(not_ids); i++) {
        char path[64];
        snprintf(path, sizeof(path), "/api/v1/units/%s", not_ids[i]);
        expect_route(&r, "GET", path, "/api/v1/units/:id");
        assert_string_equal(r.param_values[0], not_ids[i]);
        id = 77;
        assert_int_equal(req_path_id(&r, "id", &id), PH_ENOTFOUND);
        assert_int_equal(id, 77);
    }
    expect_route(&r, "GET", "/api/v1/units/5", "/api/v1/units/:id");
    assert_int_equal(req_path_id(&r, "unit_id", &id), PH_ENOTFOUND); /* no such capture */
    /* Unicode in a segment is captured byte for byte. */
    expect_route(&r, "GET", "/api/v1/units/B\xe1\xba\xbfn", "/api/v1/units/:id");
    assert_string_equal(r.param_values[0], "B\xe1\xba\xbfn");
    arena_release(&r.arena);
}

static void test_router_trailing_slash(void **state)
{
    struct req r;

    (void)state;
    router_init();
    req_init(&r);
    expect_route(&r, "GET", "/api/v1/units/", "/api/v1/units");
    expect_route(&r, "GET", "/healthz/", "/healthz");
    expect_route(&r, "GET", "/api/v1/units/42/", "/api/v1/units/:id");
    assert_string_equal(r.param_values[0], "42"); /* the slash is not part of the id */
    expect_route(&r, "POST", "/api/v1/people/7/password/", "/api/v1/people/:id/password");
    /* One slash only, and never an empty segment for ":id". */
    expect_404(&r, "GET", "/api/v1/units//");
    expect_404(&r, "GET", "/api/v1/units//5");
    expect_404(&r, "GET", "/api/v1/units/5//");
    expect_404(&r, "POST", "/api/v1/people//password");
    expect_404(&r, "GET", "/healthz//");
    arena_release(&r.arena);
}

static void test_router_not_found(void **state)
{
    static const char *const paths[] = {
        "",
        "/api",
        "/api/v1",
        "/api/v1/",
        "/api/v1/nothing",
        "/api/v1/unit",              /* shorter than a pattern */
        "/api/v1/unitsx",            /* longer, no separator */
        "/api/v1/units/42/extra",    /* a segment more */
        "/api/v1/units/42/password", /* a sub-resource people have, units do not */
        "/api/v1/people/7/passwor",
        "/api/v1/people/7/password/x",
        "/api/v2/units",
        "/API/v1/units", /* paths are case-sensitive */
        "/healthzz",
        "/health",
        "api/v1/units", /* not absolute */
    };
    struct req r;

    (void)state;
    router_init();
    req_init(&r);
    for (size_t i = 0; i < PH_NELEM(paths); i++)
        expect_404(&r, "GET", paths[i]);
    expect_404(&r, "POST", "/api/v1/nothing");
    arena_release(&r.arena);
}

static void test_router_method_not_allowed(void **state)
{
    static const char *const get_patch_delete[] = {"GET", "PATCH", "DELETE"};
    static const char *const get_post[] = {"GET", "POST"};
    static const char *const post[] = {"POST"};
    static const char *const get[] = {"GET"};
    static const char *const del[] = {"DELETE"};
    struct req r;

    (void)state;
    router_init();
    req_init(&r);
    expect_405(&r, "PUT", "/api/v1/units/42", get_patch_delete, 3);
    expect_405(&r, "POST", "/api/v1/units/42", get_patch_delete, 3);
    expect_405(&r, "PUT", "/api/v1/units/42/", get_patch_delete, 3);
    expect_405(&r, "DELETE", "/api/v1/units", get_post, 2);
    expect_405(&r, "PATCH", "/api/v1/people", get_post, 2);
    expect_405(&r, "GET", "/api/v1/auth/login", post, 1);
    expect_405(&r, "POST", "/healthz", get, 1);
    expect_405(&r, "GET", "/api/v1/auth/tokens/5", del, 1);
    expect_405(&r, "GET", "/api/v1/people/7/password", post, 1);
    /* Methods are case-sensitive (RFC 9110 9.1). */
    expect_405(&r, "get", "/api/v1/units", get_post, 2);
    expect_405(&r, "", "/api/v1/units", get_post, 2);
    expect_405(&r, "GETX", "/api/v1/units", get_post, 2);
    arena_release(&r.arena);
}

/* h2o's strings are not NUL-terminated: only method_len and path_len bytes count. */
static void test_router_lengths(void **state)
{
    struct req r;

    (void)state;
    router_init();
    req_init(&r);
    struct match m = match_n(&r, "GETX", 3, "/healthzzz", 8);
    assert_non_null(m.route);
    assert_string_equal(m.route->pattern, "/healthz");
    m = match_n(&r, "GET", 3, "/api/v1/units/42?x=1", 16);
    assert_non_null(m.route);
    assert_string_equal(m.route->pattern, "/api/v1/units/:id");
    assert_string_equal(r.param_values[0], "42");
    m = match_n(&r, "GET", 3, "/api/v1/units/42", 15); /* "/api/v1/units/4" */
    assert_string_equal(r.param_values[0], "4");
    m = match_n(&r, "GET", 3, "/api/v1/units/42", 14); /* "/api/v1/units/" */
    assert_non_null(m.route);
    assert_string_equal(m.route->pattern, "/api/v1/units");
    m = match_n(&r, "GET", 2, "/healthz", 8); /* "GE" */
    assert_null(m.route);
    assert_true(m.path_known);
    m = match_n(&r, "GET", 3, "/healthz", 0);
    assert_null(m.route);
    assert_false(m.path_known);
    arena_release(&r.arena);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_router_table),
        cmocka_unit_test(test_router_every_route_reachable),
        cmocka_unit_test(test_router_exact),
        cmocka_unit_test(test_router_captures),
        cmocka_unit_test(test_router_trailing_slash),
        cmocka_unit_test(test_router_not_found),
        cmocka_unit_test(test_router_method_not_allowed),
        cmocka_unit_test(test_router_lengths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
