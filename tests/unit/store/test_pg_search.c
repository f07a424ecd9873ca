/* test_pg_search.c - full-text search of incidents gives the same incidents on
 * both stores: the same incidents are filed through core on a SQLite store and
 * on a PostgreSQL one, and every search (folded case and diacritics, đ/Đ, a
 * prefix last word, reference numbers, absent words, words needing quotes, a
 * paged walk) must find the same ids on both, and the ones expected. Then the
 * PostgreSQL search column is emptied and refilled the way `phoihop migrate`
 * does (store_pg_incident_search_fill), and the searches must still agree.
 * Lists with every other filter, alone and with a text query, with paging and
 * a caller's scope, must also agree.
 * Runs only with PHOIHOP_TEST_PG set (a PostgreSQL server's URL ending in '/',
 * as for the core tests); without it the test says so and passes. */
#include "util/base.h"
#include <libpq-fe.h>
#include "core/incident_fx.h"
#include "core/incident.h"
#include "store/pg_int.h"
#include "store/store.h"
#include "util/arena.h"

/* One store with a small province on it (a subset of incident_fx.h's): crime
 * in commune C1 is filed by its police unit, which leads it. */
struct side {
    struct tu_fx tu;
    char dsn[256];
    int64_t p, d, c1, c2;
    int64_t ca, ca_h, ca_x1, qs, qs_h, bp, bp_don;
    int64_t cat_crime;
    struct core_user x1;
};

struct pair {
    struct side sq, pg;
};

static void side_open(struct side *s, const char *dsn)
{
    struct core_ctx *sys;

    snprintf(s->dsn, sizeof(s->dsn), "%s", dsn);
    assert_int_equal(store_open(dsn, &s->tu.st), PH_OK);
    arena_init(&s->tu.a);
    s->tu.sys = tu_ctx(s->tu.st, &s->tu.a, &core_system_user);
    sys = &s->tu.sys;
    s->p = ifx_area(sys, "83", "Tỉnh Bến Tre", "province", "coastal", 0,
                    IFX_SQUARE(105.5, 9.5, 107, 10.5));
    s->d = ifx_area(sys, "829", "Huyện Bình Đại", "district", "coastal", s->p,
                    IFX_SQUARE(105.9, 9.9, 106.5, 10.3));
    s->c1 = ifx_area(sys, "28753", "Xã Bình Thắng", "commune", "inland", s->d,
                     IFX_SQUARE(106.0, 10.0, 106.1, 10.1));
    s->c2 = ifx_area(sys, "28756", "Xã Thạnh Phước", "commune", "border", s->d,
                     IFX_SQUARE(106.2, 10.0, 106.3, 10.1));
    s->ca = ifx_unit(sys, "CA-BT", "Công an tỉnh Bến Tre", "police", "province", 0, s->p);
    s->ca_h = ifx_unit(sys, "CA-H-BD", "Công an huyện Bình Đại", "police", "district", s->ca, s->d);
    s->ca_x1 =
        ifx_unit(sys, "CA-X-BT", "Công an xã Bình Thắng", "police", "commune", s->ca_h, s->c1);
    s->qs = ifx_unit(sys, "QS-BT", "Bộ CHQS tỉnh Bến Tre", "military", "province", 0, s->p);
    s->qs_h =
        ifx_unit(sys, "QS-H-BD", "Ban CHQS huyện Bình Đại", "military", "district", s->qs, s->d);
    s->bp =
        ifx_unit(sys, "BP-BT", "Bộ Chỉ huy BĐBP tỉnh Bến Tre", "border_guard", "province", 0, s->p);
    s->bp_don = ifx_unit(sys, "BP-DON-TP", "Đồn Biên phòng Thạnh Phước", "border_guard", "district",
                         s->bp, s->c2);
    s->cat_crime = ifx_category(sys, "crime");
    s->x1 = tu_user_at(sys, s->ca_x1, ROLE_DUTY_OFFICER | ROLE_REPORTER, CLEARANCE_CONFIDENTIAL);
}

static int setup(void **state)
{
    struct pair *pr;
    char dsn[256];

    if (!tu_pg_dsn(dsn, sizeof(dsn))) {
        *state = NULL;
        return 0;
    }
    pr = calloc(1, sizeof(*pr));
    if (pr == NULL)
        return -1;
    side_open(&pr->sq, "sqlite::memory:");
    side_open(&pr->pg, dsn);
    *state = pr;
    return 0;
}

static int teardown(void **state)
{
    struct pair *pr = *state;

    if (pr == NULL)
        return 0;
    tu_fx_close(&pr->sq.tu);
    tu_fx_close(&pr->pg.tu);
    free(pr);
    return 0;
}

/* ---- the incidents --------------------------------------------------------------- */

static const struct {
    const char *title, *description;
} docs[] = {
    /* 0 */ {"Biên phòng bắt giữ tàu cá", "Tàu cá vi phạm vùng biển"},
    /* 1 */ {"Trộm cắp tài sản", "Đối tượng Đặng Thạch bị bắt quả tang"},
    /* 2 */ {"Tai nạn giao thông", "Xe tải va chạm trên quốc lộ 60"},
    /* 3 */ {"BIÊN PHÒNG TUẦN TRA", NULL},
    /* 4 */ {"Biển động mạnh", "Sóng lớn, đánh bắt bị đình chỉ"},
    /* 5 */ {"Phòng chống ma túy", "Bắt giữ đối tượng tàng trữ ở Bình Thắng"},
    /* 6 */ {"dang thach o'neil", "Back\\slash \"quoted\" words"},
    /* 7 */ {"Biên phòng", "phối hợp biên phòng và công an"},
};
#define N_DOCS PH_NELEM(docs)

static int64_t ids[N_DOCS];
static const char *refs[N_DOCS];

static int64_t file_on(struct side *s, size_t i)
{
    struct core_ctx cx = tu_as(&s->tu, &s->x1);
    struct incident inc = ifx_inc(&cx, s->cat_crime, s->c1, docs[i].title);

    inc.description = docs[i].description;
    ifx_create(&cx, &inc);
    if (refs[i] == NULL)
        refs[i] = arena_strdup(&s->tu.a, inc.ref);
    else
        assert_string_equal(refs[i], inc.ref);
    return inc.id;
}

/* File every document on both stores, in the same order: the same ids. */
static void file_all(struct pair *pr)
{
    memset(refs, 0, sizeof(refs));
    for (size_t i = 0; i < N_DOCS; i++) {
        ids[i] = file_on(&pr->sq, i);
        assert_int_equal(file_on(&pr->pg, i), ids[i]);
    }
}

/* ---- searching --------------------------------------------------------------------- */

#define MAX_HITS 64

/* The ids filter f0 lists for cx, newest first, walking pages of page_size. */
static size_t list_as(struct core_ctx *cx, const struct incident_filter *f0, int page_size,
                      int64_t out[MAX_HITS])
{
    struct incident_filter f = *f0;
    size_t total = 0;
    bool more = true;

    f.limit = page_size;
    while (more) {
        struct incident *items = NULL;
        size_t n = 0;
        assert_int_equal(incident_list(cx, &f, &items, &n, &more), PH_OK);
        for (size_t i = 0; i < n; i++) {
            assert_true(total < MAX_HITS);
            out[total++] = items[i].id;
        }
        if (n > 0)
            f.before_id = items[n - 1].id;
        else
            more = false;
    }
    return total;
}

/* The ids q finds on s as the system. */
static size_t search_on(struct side *s, const char *q, int page_size, int64_t out[MAX_HITS])
{
    struct incident_filter f = {.q = q};
    return list_as(&s->tu.sys, &f, page_size, out);
}

/* q finds the same ids on both stores, and exactly the documents want (indexes
 * into docs, ended by -1), newest first. */
static void expect(struct pair *pr, const char *q, const int *want)
{
    int64_t a[MAX_HITS], b[MAX_HITS], w[MAX_HITS];
    size_t na, nb, nw = 0;

    while (want[nw] >= 0)
        nw++;
    for (size_t i = 0; i < nw; i++) /* newest first: documents were filed in order */
        w[i] = ids[want[nw - 1 - i]];
    for (int page = 1; page <= 50; page += 49) {
        na = search_on(&pr->sq, q, page, a);
        nb = search_on(&pr->pg, q, page, b);
        if (na != nb || na != nw)
            fail_msg("\"%s\" (page %d): sqlite %zu hits, postgres %zu, want %zu", q, page, na, nb,
                     nw);
        for (size_t i = 0; i < na; i++) {
            if (a[i] != b[i] || a[i] != w[i])
                fail_msg("\"%s\" hit %zu: sqlite %lld, postgres %lld, want %lld", q, i,
                         (long long)a[i], (long long)b[i], (long long)w[i]);
        }
    }
}

#define WANT(...) ((const int[]){__VA_ARGS__, -1})
#define NONE ((const int[]){-1})

static void searches(struct pair *pr)
{
    char q[128];

    expect(pr, "bien phong", WANT(0, 3, 7));
    expect(pr, "Biên Phòng", WANT(0, 3, 7));
    expect(pr, "BIEN", WANT(0, 3, 4, 7));
    expect(pr, "bien pho", WANT(0, 3, 7)); /* the last word a prefix */
    expect(pr, "bie", WANT(0, 3, 4, 7));   /* bien, biển */
    expect(pr, "pho bien", NONE);          /* only the last word is a prefix */
    expect(pr, "dang thach", WANT(1, 6));
    expect(pr, "Đặng Thạch", WANT(1, 6));
    expect(pr, "đặng", WANT(1, 6));
    expect(pr, "DANG", WANT(1, 6));
    expect(pr, "bat giu", WANT(0, 5));
    expect(pr, "tau ca", WANT(0));
    expect(pr, "khongcotu", NONE);
    expect(pr, "bien khongcotu", NONE);
    expect(pr, "o'neil", WANT(6));
    expect(pr, "back\\slash", WANT(6));
    expect(pr, "\"quoted\"", WANT(6));
    expect(pr, "60", WANT(2));
    expect(pr, "6", WANT(2)); /* 60, as a prefix */
    /* Reference numbers: the whole one, its number alone, its prefix. */
    expect(pr, refs[2], WANT(2));
    snprintf(q, sizeof(q), "%s", strrchr(refs[4], '-') + 1);
    expect(pr, q, WANT(4));
    /* No word at all: no text filter. */
    expect(pr, "!!! ...", WANT(0, 1, 2, 3, 4, 5, 6, 7));
}

static void test_pg_search_same_hits(void **state)
{
    struct pair *pr = *state;

    if (pr == NULL) {
        print_message("test_pg_search: PHOIHOP_TEST_PG is not set, skipped\n");
        return;
    }
    file_all(pr);
    searches(pr);
    expect(pr, refs[0], WANT(0));
}

/* An update of the text changes what finds the incident on both stores. */
static void test_pg_search_after_update(void **state)
{
    struct pair *pr = *state;
    struct side *sides[2];

    if (pr == NULL) {
        print_message("test_pg_search: PHOIHOP_TEST_PG is not set, skipped\n");
        return;
    }
    sides[0] = &pr->sq;
    sides[1] = &pr->pg;
    file_all(pr);
    for (size_t k = 0; k < 2; k++) {
        struct core_ctx cx = tu_as(&sides[k]->tu, &sides[k]->x1);
        struct incident inc;
        const char *field = NULL;
        assert_int_equal(incident_get(&cx, ids[2], &inc), PH_OK);
        inc.title = "Biên phòng cứu hộ";
        inc.description = "Cứu nạn ngư dân";
        assert_int_equal(TX(&cx, incident_update(&cx, &inc, &field)), PH_OK);
    }
    expect(pr, "bien phong", WANT(0, 2, 3, 7));
    expect(pr, "giao thong", NONE); /* the old words are gone */
    expect(pr, "ngu dan", WANT(2));
    expect(pr, refs[2], WANT(2)); /* the reference stays */
}

/* Incidents copied in without their words (as `phoihop migrate` copies them)
 * are found again once the store fills them. */
static void test_pg_search_fill(void **state)
{
    struct pair *pr = *state;
    PGconn *conn;
    PGresult *res;

    if (pr == NULL) {
        print_message("test_pg_search: PHOIHOP_TEST_PG is not set, skipped\n");
        return;
    }
    file_all(pr);
    conn = PQconnectdb(pr->pg.dsn);
    assert_int_equal(PQstatus(conn), CONNECTION_OK);
    res = PQexec(conn, "UPDATE incidents SET search = NULL");
    assert_int_equal(PQresultStatus(res), PGRES_COMMAND_OK);
    PQclear(res);
    PQfinish(conn);
    {
        int64_t hits[MAX_HITS];
        assert_int_equal(search_on(&pr->pg, "bien phong", 50, hits), 0);
    }
    assert_int_equal(store_pg_incident_search_fill(store_pg_of(pr->pg.tu.st)), PH_OK);
    searches(pr);
}

/* ---- the other filters ------------------------------------------------------------ */

/* More incidents, the same on both stores: two communes (C1 led by its police,
 * C2 in the border belt by the border post), two categories, every severity,
 * some located, some exercises, an hour apart. */
static void file_varied(struct pair *pr, int64_t *first_at)
{
    struct side *sides[2] = {&pr->sq, &pr->pg};

    for (int i = 0; i < 24; i++) {
        int64_t id[2];
        for (size_t k = 0; k < 2; k++) {
            struct side *s = sides[k];
            struct core_ctx cx = tu_as(&s->tu, &s->x1);
            bool border = i % 2 == 1;
            struct incident inc = ifx_inc(
                &cx, i % 3 == 0 ? ifx_category(&s->tu.sys, "drugs") : s->cat_crime,
                border ? s->c2 : s->c1, i % 4 <= 1 ? "Biên phòng phối hợp" : "Vụ việc khác");
            inc.severity = 1 + i % 4;
            inc.occurred_at = cx.now_ms - (int64_t)(i + 1) * 60 * IFX_MIN;
            if (i % 3 != 2) {
                inc.has_location = true;
                inc.lat = 10.05;
                inc.lon = border ? 106.25 : 106.05;
                inc.area_id = 0; /* from the location */
            }
            if (i % 5 == 0)
                inc.cap_status = "exercise";
            id[k] = ifx_create(&cx, &inc);
        }
        assert_int_equal(id[0], id[1]);
        if (i == 0)
            *first_at = pr->sq.tu.sys.now_ms - 60 * IFX_MIN;
    }
}

/* f (q, filters, scope of who) lists the same ids on both stores, pages of one
 * and of seven; at least min_hits of them. */
static void same_list(struct pair *pr, const struct core_user *who_sq,
                      const struct core_user *who_pg, int64_t now_ms,
                      const struct incident_filter *f, size_t min_hits, const char *what)
{
    int64_t a[MAX_HITS], b[MAX_HITS];
    struct core_ctx cq = tu_as(&pr->sq.tu, who_sq), cp = tu_as(&pr->pg.tu, who_pg);

    cq.now_ms = cp.now_ms = now_ms;
    for (int page = 1; page <= 7; page += 6) {
        size_t na = list_as(&cq, f, page, a), nb = list_as(&cp, f, page, b);
        if (na != nb)
            fail_msg("%s (page %d): sqlite %zu, postgres %zu", what, page, na, nb);
        for (size_t i = 0; i < na; i++)
            if (a[i] != b[i])
                fail_msg("%s hit %zu: sqlite %lld, postgres %lld", what, i, (long long)a[i],
                         (long long)b[i]);
        if (na < min_hits)
            fail_msg("%s: %zu hits, want at least %zu", what, na, min_hits);
    }
}

static void test_pg_list_filters(void **state)
{
    struct pair *pr = *state;
    const struct core_user *sys = &core_system_user;
    struct incident_filter f;
    int64_t first_at = 0, now;

    if (pr == NULL) {
        print_message("test_pg_search: PHOIHOP_TEST_PG is not set, skipped\n");
        return;
    }
    file_all(pr);
    file_varied(pr, &first_at);
    now = pr->sq.tu.sys.now_ms;

#define SAME(min, ...)                                                                             \
    do {                                                                                           \
        f = (struct incident_filter){__VA_ARGS__};                                                 \
        same_list(pr, sys, sys, now, &f, (min), #__VA_ARGS__);                                     \
    } while (0)
    SAME(32, .q = NULL);
    SAME(6, .q = "bien phong");
    SAME(3, .q = "bien pho", .severity_min = 1, .severity_max = 2);
    SAME(5, .from = now - 10 * 60 * IFX_MIN, .to = now - 3 * 60 * IFX_MIN);
    SAME(1, .from = now - 5 * 60 * IFX_MIN);
    SAME(1, .to = now - 20 * 60 * IFX_MIN);
    SAME(8, .category_id = ifx_category(&pr->sq.tu.sys, "drugs"));
    SAME(6, .severity_min = 4);
    SAME(6, .severity_max = 1);
    SAME(1, .status = "new");
    SAME(1, .status = "acknowledged");
    SAME(5, .cap_status = "exercise");
    SAME(20, .cap_status = "actual");
    SAME(1, .force = "police");
    SAME(1, .force = "border_guard");
    SAME(1, .unit_id = pr->sq.ca_h);
    SAME(1, .unit_id = pr->sq.bp_don);
    SAME(0, .unit_id = 999999);
    SAME(32, .area_id = pr->sq.d);
    SAME(10, .area_id = pr->sq.c2);
    SAME(5, .has_bbox = true, .min_lon = 106.0, .max_lon = 106.1, .min_lat = 10.0, .max_lat = 10.1);
    SAME(2, .q = "bien", .has_bbox = true, .min_lon = 106.2, .max_lon = 106.3, .min_lat = 10.0,
         .max_lat = 10.1, .area_id = pr->sq.c2, .force = "border_guard", .cap_status = "actual");
    SAME(1, .before_id = ids[5]);
    SAME(1, .q = "bien phong", .before_id = ids[7] + 3);
#undef SAME
    /* Deadlines passed a day later: overdue; on time now. */
    f = (struct incident_filter){.overdue_only = true};
    same_list(pr, sys, sys, now + 24 * 60 * IFX_MIN, &f, 1, "overdue a day later");
    same_list(pr, sys, sys, now, &f, 0, "overdue now");
    f = (struct incident_filter){.overdue_only = true, .q = "bien"};
    same_list(pr, sys, sys, now + 24 * 60 * IFX_MIN, &f, 1, "overdue by text");
    /* A caller's scope: their unit's subtree and clearance. */
    f = (struct incident_filter){.q = NULL};
    same_list(pr, &pr->sq.x1, &pr->pg.x1, now, &f, 1, "as the commune's police");
    f = (struct incident_filter){.q = "bien"};
    same_list(pr, &pr->sq.x1, &pr->pg.x1, now, &f, 1, "as the commune's police, by text");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pg_search_same_hits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pg_search_after_update, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pg_search_fill, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pg_list_filters, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
