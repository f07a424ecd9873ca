/* test_req.c - reading a request: query parameters (percent-decoding, NUL refused),
 * typed parameters, paging, list filters and If-Match. The parts of h2o's request
 * req.c reads (path, query_at, headers) are filled in by hand; no server runs. */
#include "util/base.h"
#include "testutil.h"
#include "http/http_int.h"
#include "http/req.h"
#include "util/limits.h"

/* A request for target ("/path?query"), with optional If-Match header. */
struct fake {
    h2o_mem_pool_t pool;
    h2o_req_t h;
    struct req r;
};

static void fake_init(struct fake *f, const char *target, const char *if_match)
{
    memset(f, 0, sizeof(*f));
    h2o_mem_init_pool(&f->pool);
    f->h.path = h2o_iovec_init(target, strlen(target));
    const char *q = strchr(target, '?');
    f->h.query_at = q != NULL ? (size_t)(q - target) : SIZE_MAX;
    if (if_match != NULL)
        h2o_add_header_by_str(&f->pool, &f->h.headers, H2O_STRLIT("if-match"), 0, NULL, if_match,
                              strlen(if_match));
    f->r.h2o = &f->h;
    arena_init(&f->r.arena);
}

static void fake_release(struct fake *f)
{
    arena_release(&f->r.arena);
    h2o_mem_clear_pool(&f->pool);
}

static void test_req_query(void **state)
{
    struct fake f;

    (void)state;
    fake_init(&f, "/api/v1/units?limit=5&q=B%E1%BA%BFn+Tre&flag&empty=&lit=%zz%4&a%41=x&pct=%41%62",
              NULL);
    assert_string_equal(req_query(&f.r, "limit"), "5");
    assert_string_equal(req_query(&f.r, "q"), "Bến Tre"); /* %XX and '+' decoded */
    assert_string_equal(req_query(&f.r, "flag"), "");     /* present without a value */
    assert_string_equal(req_query(&f.r, "empty"), "");
    assert_string_equal(req_query(&f.r, "lit"), "%zz%4"); /* not escapes: kept */
    assert_string_equal(req_query(&f.r, "pct"), "Ab");
    assert_string_equal(req_query(&f.r, "a%41"), "x"); /* names are matched as sent */
    assert_null(req_query(&f.r, "missing"));
    assert_null(req_query(&f.r, "lim"));    /* a prefix of a name is another name */
    assert_null(req_query(&f.r, "limit5")); /* ... and so is a longer one */
    fake_release(&f);

    fake_init(&f, "/api/v1/units", NULL);
    assert_null(req_query(&f.r, "limit"));
    fake_release(&f);

    fake_init(&f, "/api/v1/units?", NULL);
    assert_null(req_query(&f.r, "limit"));
    fake_release(&f);

    /* The first of repeated names wins. */
    fake_init(&f, "/x?a=1&a=2", NULL);
    assert_string_equal(req_query(&f.r, "a"), "1");
    fake_release(&f);
}

static void test_req_query_i64_bool(void **state)
{
    struct fake f;
    int64_t v;
    bool present, b;

    (void)state;
    fake_init(&f,
              "/x?n=42&neg=-3&bad=4x&empty=&huge=99999999999999999999&nul=1%00&t1=1&t2=true"
              "&t3&f1=0&f2=false&yes=yes&TRUE=TRUE",
              NULL);
    v = 0;
    assert_int_equal(req_query_i64(&f.r, "n", &v, &present), PH_OK);
    assert_true(present);
    assert_int_equal(v, 42);
    assert_int_equal(req_query_i64(&f.r, "neg", &v, &present), PH_OK);
    assert_int_equal(v, -3);
    static const char *const bad[] = {"bad", "empty", "huge", "nul", "t2"};
    for (size_t i = 0; i < PH_NELEM(bad); i++) {
        v = 7;
        present = false;
        assert_int_equal(req_query_i64(&f.r, bad[i], &v, &present), PH_EPARSE);
        assert_true(present);
        assert_int_equal(v, 7);
    }
    v = 7;
    present = true;
    assert_int_equal(req_query_i64(&f.r, "missing", &v, &present), PH_OK);
    assert_false(present);
    assert_int_equal(v, 7);

    static const struct {
        const char *name;
        bool want;
    } bools[] = {{"t1", true}, {"t2", true}, {"t3", true}, {"f1", false}, {"f2", false}};
    for (size_t i = 0; i < PH_NELEM(bools); i++) {
        b = !bools[i].want;
        assert_int_equal(req_query_bool(&f.r, bools[i].name, &b), PH_OK);
        assert_int_equal(b, bools[i].want);
    }
    b = true;
    assert_int_equal(req_query_bool(&f.r, "missing", &b), PH_OK);
    assert_true(b); /* absent: left as it was */
    assert_int_equal(req_query_bool(&f.r, "yes", &b), PH_EPARSE);
    assert_int_equal(req_query_bool(&f.r, "TRUE", &b), PH_EPARSE);
    assert_int_equal(req_query_bool(&f.r, "n", &b), PH_EPARSE);
    assert_int_equal(req_query_bool(&f.r, "nul", &b), PH_EPARSE);
    fake_release(&f);
}

static void test_req_query_text(void **state)
{
    struct fake f;
    const char *out;
    char target[2048];

    (void)state;
    fake_init(&f, "/x?q=%C4%90%E1%BA%B7ng&e=&ctl=a%01b&tab=a%09b&nul=a%00b&bad=%FF&over=%C0%AF",
              NULL);
    assert_int_equal(req_query_text(&f.r, "q", &out), PH_OK);
    assert_string_equal(out, "Đặng");
    out = "x";
    assert_int_equal(req_query_text(&f.r, "e", &out), PH_OK);
    assert_null(out); /* empty is absent */
    out = "x";
    assert_int_equal(req_query_text(&f.r, "missing", &out), PH_OK);
    assert_null(out);
    assert_int_equal(req_query_text(&f.r, "tab", &out), PH_OK);
    assert_string_equal(out, "a\tb");
    static const char *const bad[] = {"ctl", "nul", "bad", "over"};
    for (size_t i = 0; i < PH_NELEM(bad); i++)
        assert_int_equal(req_query_text(&f.r, bad[i], &out), PH_EPARSE);
    fake_release(&f);

    /* At most a name's length. */
    for (size_t len = TEXT_MAX_NAME_BYTES; len <= TEXT_MAX_NAME_BYTES + 1; len++) {
        int w = snprintf(target, sizeof(target), "/x?q=");
        memset(target + w, 'a', len);
        target[(size_t)w + len] = '\0';
        fake_init(&f, target, NULL);
        ph_err want = len <= TEXT_MAX_NAME_BYTES ? PH_OK : PH_EPARSE;
        assert_int_equal(req_query_text(&f.r, "q", &out), want);
        fake_release(&f);
    }
}

static void test_req_page(void **state)
{
    static const struct {
        const char *target;
        ph_err want;
        int64_t after_id;
        int limit;
        const char *field;
    } cases[] = {
        {"/x", PH_OK, 0, LIST_DEFAULT_LIMIT, NULL},
        {"/x?cursor=cz", PH_OK, 35, LIST_DEFAULT_LIMIT, NULL},
        {"/x?cursor=c10&limit=2", PH_OK, 36, 2, NULL},
        {"/x?cursor=&limit=1", PH_OK, 0, 1, NULL},
        {"/x?limit=500", PH_OK, 0, LIST_MAX_LIMIT, NULL},
        {"/x?cursor=c1y2p0ij32e8e7", PH_OK, INT64_MAX, LIST_DEFAULT_LIMIT, NULL},
        {"/x?cursor=zz", PH_EPARSE, 0, 0, "cursor"},
        {"/x?cursor=c-1", PH_EPARSE, 0, 0, "cursor"},
        {"/x?cursor=c1%00", PH_EPARSE, 0, 0, "cursor"},
        {"/x?cursor=c1y2p0ij32e8e8", PH_EPARSE, 0, 0, "cursor"},
        {"/x?limit=0", PH_EPARSE, 0, 0, "limit"},
        {"/x?limit=-1", PH_EPARSE, 0, 0, "limit"},
        {"/x?limit=501", PH_EPARSE, 0, 0, "limit"},
        {"/x?limit=ten", PH_EPARSE, 0, 0, "limit"},
        {"/x?limit=+5", PH_EPARSE, 0, 0, "limit"},
        {"/x?limit=%205", PH_EPARSE, 0, 0, "limit"},
        {"/x?limit=", PH_EPARSE, 0, 0, "limit"},
        {"/x?limit=4294967346", PH_EPARSE, 0, 0, "limit"}, /* 2^32 + 50 must not wrap to 50 */
    };

    (void)state;
    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        struct fake f;
        int64_t after = -1;
        int limit = -1;
        const char *field = NULL;
        fake_init(&f, cases[i].target, NULL);
        ph_err rc = req_page(&f.r, &after, &limit, &field);
        if (rc != cases[i].want)
            fail_msg("%s: rc %d, want %d", cases[i].target, rc, cases[i].want);
        if (rc == PH_OK) {
            assert_int_equal(after, cases[i].after_id);
            assert_int_equal(limit, cases[i].limit);
        } else {
            assert_non_null(field);
            assert_string_equal(field, cases[i].field);
        }
        fake_release(&f);
    }
}

static void test_req_list_query(void **state)
{
    struct fake f;
    const char *q = NULL, *at = NULL, *field = NULL;
    int64_t unit_id = 0, after = -1;
    bool inactive = false;
    int limit = 0;
    const struct query_param params[] = {
        {"q", QP_TEXT, &q},
        {"at", QP_DATE, &at},
        {"unit_id", QP_ID, &unit_id},
        {"include_inactive", QP_BOOL, &inactive},
    };

    (void)state;
    fake_init(&f, "/x?q=B%E1%BA%BFn&at=2024-02-29&unit_id=5&include_inactive=1&limit=3&cursor=c1",
              NULL);
    assert_int_equal(req_list_query(&f.r, params, PH_NELEM(params), &after, &limit, &field), PH_OK);
    assert_string_equal(q, "Bến");
    assert_string_equal(at, "2024-02-29");
    assert_int_equal(unit_id, 5);
    assert_true(inactive);
    assert_int_equal(limit, 3);
    assert_int_equal(after, 1);
    fake_release(&f);

    static const struct {
        const char *target, *field;
    } bad[] = {
        {"/x?at=2026-02-29", "at"},
        {"/x?at=29/02/2024", "at"},
        {"/x?unit_id=0", "unit_id"},
        {"/x?unit_id=-4", "unit_id"},
        {"/x?unit_id=x", "unit_id"},
        {"/x?include_inactive=maybe", "include_inactive"},
        {"/x?q=%01", "q"},
        {"/x?q=ok&limit=0", "limit"},
        {"/x?at=2024-02-29&cursor=bad", "cursor"},
    };
    for (size_t i = 0; i < PH_NELEM(bad); i++) {
        fake_init(&f, bad[i].target, NULL);
        field = NULL;
        ph_err rc = req_list_query(&f.r, params, PH_NELEM(params), &after, &limit, &field);
        if (rc != PH_EPARSE)
            fail_msg("%s: rc %d, want PH_EPARSE", bad[i].target, rc);
        if (field == NULL || strcmp(field, bad[i].field) != 0)
            fail_msg("%s: field %s, want %s", bad[i].target, field ? field : "(null)",
                     bad[i].field);
        fake_release(&f);
    }
}

static void test_req_if_match(void **state)
{
    static const struct {
        const char *header; /* NULL: absent */
        ph_err want;
        int64_t version;
    } cases[] = {
        {NULL, PH_OK, 0},
        {"\"3\"", PH_OK, 3},
        {"W/\"3\"", PH_OK, 3},
        {"*", PH_OK, 0},          /* any current version */
        {"\"+3\"", PH_EPARSE, 0}, /* versions are plain digits */
        {"\" 3\"", PH_EPARSE, 0},
        {"\"9000000000\"", PH_OK, 9000000000LL},
        {"3", PH_EPARSE, 0},
        {"\"\"", PH_EPARSE, 0},
        {"\"", PH_EPARSE, 0},
        {"\"0\"", PH_EPARSE, 0},
        {"\"-1\"", PH_EPARSE, 0},
        {"\"abc\"", PH_EPARSE, 0},
        {"\"3", PH_EPARSE, 0},
        {"3\"", PH_EPARSE, 0},
        {"\"3\", \"4\"", PH_EPARSE, 0},
        {"\"99999999999999999999999999\"", PH_EPARSE, 0},
        {"", PH_EPARSE, 0},
    };

    (void)state;
    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        struct fake f;
        int64_t v = -7;
        fake_init(&f, "/api/v1/units/1", cases[i].header);
        ph_err rc = req_if_match(&f.r, &v);
        if (rc != cases[i].want)
            fail_msg("If-Match %s: rc %d, want %d", cases[i].header ? cases[i].header : "(none)",
                     rc, cases[i].want);
        if (rc == PH_OK)
            assert_int_equal(v, cases[i].version);
        fake_release(&f);
    }
}

static void test_req_header(void **state)
{
    struct fake f;

    (void)state;
    fake_init(&f, "/x", "\"12\"");
    const char *v = req_header(&f.r, "if-match");
    assert_non_null(v);
    assert_string_equal(v, "\"12\"");
    assert_null(req_header(&f.r, "authorization"));
    fake_release(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_req_query),      cmocka_unit_test(test_req_query_i64_bool),
        cmocka_unit_test(test_req_query_text), cmocka_unit_test(test_req_page),
        cmocka_unit_test(test_req_list_query), cmocka_unit_test(test_req_if_match),
        cmocka_unit_test(test_req_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
