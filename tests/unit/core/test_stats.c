/* test_stats.c - timeliness figures: exact counts and nearest-rank percentiles
 * per unit and per force from hand-made rows (a store backend that serves only
 * timeliness_rows), pending acknowledgements counted but not ranked, the
 * caller's scope handed to the store, and who may ask; incident counts by
 * category and lead force from hand-made cells. */
#include "util/base.h"
#include "testutil.h"
#include "core/access.h"
#include "core/incident.h"
#include "core/stats.h"
#include "store/store.h"
#include "util/arena.h"

/* ---- a store that only has rows ------------------------------------------------------ */

static struct {
    const struct store_timeliness_row *rows;
    size_t n;
    ph_err rc;
    int calls;
    struct stats_period period; /* as received */
    struct incident_scope scope;
    int64_t now;
} fake;

static ph_err fake_rows(struct store *st, struct arena *ar, const struct stats_period *p,
                        const struct incident_scope *scope, int64_t now,
                        struct store_timeliness_row **items, size_t *n)
{
    struct store_timeliness_row *copy = arena_alloc(ar, (fake.n + 1) * sizeof(*copy));

    (void)st;
    fake.calls++;
    fake.period = *p;
    fake.scope = *scope;
    fake.now = now;
    if (fake.rc != PH_OK)
        return fake.rc;
    if (fake.n > 0)
        memcpy(copy, fake.rows, fake.n * sizeof(*copy));
    *items = copy;
    *n = fake.n;
    return PH_OK;
}

/* Incident counts: rows served as given, the call's arguments kept. */
static struct {
    const struct store_incident_count *rows;
    size_t n;
    int calls;
    int64_t from, to;
    struct incident_scope scope;
} fake_counts;

static ph_err fake_count_rows(struct store *st, struct arena *ar, int64_t from, int64_t to,
                              const struct incident_scope *scope,
                              struct store_incident_count **items, size_t *n)
{
    struct store_incident_count *copy = arena_alloc(ar, (fake_counts.n + 1) * sizeof(*copy));

    (void)st;
    fake_counts.calls++;
    fake_counts.from = from;
    fake_counts.to = to;
    fake_counts.scope = *scope;
    if (fake.rc != PH_OK)
        return fake.rc;
    if (fake_counts.n > 0)
        memcpy(copy, fake_counts.rows, fake_counts.n * sizeof(*copy));
    *items = copy;
    *n = fake_counts.n;
    return PH_OK;
}

static const struct store_ops fake_ops = {
    .name = "fake", .timeliness_rows = fake_rows, .incident_counts = fake_count_rows};
static struct store fake_store = {.ops = &fake_ops};

static const struct core_user viewer = {.person_id = 60,
                                        .username = "xem",
                                        .roles = ROLE_VIEWER,
                                        .clearance = CLEARANCE_CONFIDENTIAL,
                                        .unit_id = 5,
                                        .unit_path = "/1/5/",
                                        .unit_level = "district",
                                        .force = "police"};

static int setup(void **state)
{
    struct arena *a = calloc(1, sizeof(*a));
    if (a == NULL)
        return -1;
    arena_init(a);
    memset(&fake, 0, sizeof(fake));
    memset(&fake_counts, 0, sizeof(fake_counts));
    *state = a;
    return 0;
}

static int teardown(void **state)
{
    arena_release(*state);
    free(*state);
    return 0;
}

static struct core_ctx ctx(struct arena *a, const struct core_user *who)
{
    return tu_ctx(&fake_store, a, who);
}

#define MIN_MS (60 * 1000)

/* Shorthands for rows: a report by unit u with a delay; an acknowledgement due
 * from u, received after d (pending: d < 0). */
#define REPORT(u, nm, fo, d, ok)                                                                   \
    {                                                                                              \
        .kind = "report", .unit_id = (u), .unit_name = (nm), .force = (fo), .unit_path = "/1/",    \
        .delay_ms = (d), .on_time = (ok)                                                           \
    }
#define ACK(u, nm, fo, d, ok)                                                                      \
    {                                                                                              \
        .kind = "ack", .unit_id = (u), .unit_name = (nm), .force = (fo), .unit_path = "/1/",       \
        .delay_ms = (d), .on_time = (ok), .pending = (d) < 0                                       \
    }

/* ---- figures ------------------------------------------------------------------------- */

static void test_stats_counts_and_percentiles(void **state)
{
    /* Unit 7 (police): ten reports of 1..10 minutes, the last three late; unit 3
     * (military): three acks of 5, 1, 3 minutes and three pending, two of them
     * past their deadline; unit 9 (police): one report, one ack. Given out of order. */
    static const struct store_timeliness_row rows[] = {
        REPORT(7, "Công an xã A", "police", 4 * MIN_MS, true),
        ACK(3, "Ban CHQS huyện B", "military", 5 * MIN_MS, true),
        REPORT(7, "Công an xã A", "police", 10 * MIN_MS, false),
        REPORT(7, "Công an xã A", "police", 1 * MIN_MS, true),
        REPORT(9, "Công an huyện C", "police", 30 * MIN_MS, false),
        ACK(3, "Ban CHQS huyện B", "military", -1, false), /* pending, overdue */
        REPORT(7, "Công an xã A", "police", 9 * MIN_MS, false),
        REPORT(7, "Công an xã A", "police", 2 * MIN_MS, true),
        ACK(3, "Ban CHQS huyện B", "military", 1 * MIN_MS, true),
        REPORT(7, "Công an xã A", "police", 6 * MIN_MS, true),
        REPORT(7, "Công an xã A", "police", 8 * MIN_MS, false),
        ACK(3, "Ban CHQS huyện B", "military", -1, true), /* pending, not yet due */
        REPORT(7, "Công an xã A", "police", 3 * MIN_MS, true),
        ACK(9, "Công an huyện C", "police", 45 * MIN_MS, false),
        REPORT(7, "Công an xã A", "police", 7 * MIN_MS, true),
        ACK(3, "Ban CHQS huyện B", "military", 3 * MIN_MS, false),
        REPORT(7, "Công an xã A", "police", 5 * MIN_MS, true),
        /* Pending with a delay (time waited so far?): still not ranked. */
        {.kind = "ack",
         .unit_id = 3,
         .unit_name = "Ban CHQS huyện B",
         .force = "military",
         .delay_ms = 100 * MIN_MS,
         .on_time = false,
         .pending = true},
    };
    struct arena *a = *state;
    struct core_ctx cx = ctx(a, &viewer);
    struct stats_period p = {.from = 1000, .to = 2000, .force = NULL, .unit_id = 0};
    struct stats_timeliness *units = NULL, *forces = NULL;
    size_t nu = 0, nf = 0;

    fake.rows = rows;
    fake.n = PH_NELEM(rows);
    assert_int_equal(stats_timeliness(&cx, &p, &units, &nu, &forces, &nf), PH_OK);

    /* Per unit, in id order. */
    assert_int_equal(nu, 3);
    assert_int_equal(units[0].unit_id, 3);
    assert_string_equal(units[0].unit_name, "Ban CHQS huyện B");
    assert_string_equal(units[0].force, "military");
    assert_int_equal(units[0].reports, 0);
    assert_int_equal(units[0].reports_on_time, 0);
    assert_int_equal(units[0].acks, 6);
    assert_int_equal(units[0].acks_on_time,
                     3); /* the overdue pending ones, the 3-minute one late */
    assert_int_equal(units[0].ack_delay_p50_ms, 3 * MIN_MS); /* 1, 3, 5: rank 2 */
    assert_int_equal(units[0].ack_delay_p90_ms, 5 * MIN_MS); /* rank 3 */
    assert_int_equal(units[0].report_delay_p50_ms, 0);
    assert_int_equal(units[0].report_delay_p90_ms, 0);

    assert_int_equal(units[1].unit_id, 7);
    assert_int_equal(units[1].reports, 10);
    assert_int_equal(units[1].reports_on_time, 7);
    assert_int_equal(units[1].acks, 0);
    assert_int_equal(units[1].report_delay_p50_ms, 5 * MIN_MS); /* rank 5 of 1..10 */
    assert_int_equal(units[1].report_delay_p90_ms, 9 * MIN_MS); /* rank 9 */
    assert_int_equal(units[1].ack_delay_p50_ms, 0);

    assert_int_equal(units[2].unit_id, 9);
    assert_int_equal(units[2].reports, 1);
    assert_int_equal(units[2].reports_on_time, 0);
    assert_int_equal(units[2].acks, 1);
    assert_int_equal(units[2].report_delay_p50_ms, 30 * MIN_MS);
    assert_int_equal(units[2].report_delay_p90_ms, 30 * MIN_MS);
    assert_int_equal(units[2].ack_delay_p90_ms, 45 * MIN_MS);

    /* Per force: police then military; no border guard figures, no entry. */
    assert_int_equal(nf, 2);
    assert_string_equal(forces[0].force, "police");
    assert_int_equal(forces[0].unit_id, 0);
    assert_null(forces[0].unit_name);
    assert_int_equal(forces[0].reports, 11);
    assert_int_equal(forces[0].reports_on_time, 7);
    assert_int_equal(forces[0].acks, 1);
    assert_int_equal(forces[0].acks_on_time, 0);
    /* 1..10 and 30 minutes: rank 6 of 11 is 6, rank ceil(9.9) = 10 is 10. */
    assert_int_equal(forces[0].report_delay_p50_ms, 6 * MIN_MS);
    assert_int_equal(forces[0].report_delay_p90_ms, 10 * MIN_MS);
    assert_int_equal(forces[0].ack_delay_p50_ms, 45 * MIN_MS);
    assert_string_equal(forces[1].force, "military");
    assert_int_equal(forces[1].acks, 6);
    assert_int_equal(forces[1].acks_on_time, 3);
    assert_int_equal(forces[1].ack_delay_p50_ms, 3 * MIN_MS);
    assert_int_equal(forces[1].ack_delay_p90_ms, 5 * MIN_MS);
    assert_int_equal(forces[1].reports, 0);

    /* The store got the period, now, and the caller's scope. */
    assert_int_equal(fake.calls, 1);
    assert_int_equal(fake.period.from, 1000);
    assert_int_equal(fake.period.to, 2000);
    assert_int_equal(fake.now, cx.now_ms);
    assert_string_equal(fake.scope.unit_path, "/1/5/");
    assert_int_equal(fake.scope.clearance, CLEARANCE_CONFIDENTIAL);
}

static void test_stats_percentile_ranks(void **state)
{
    /* Nearest rank: p50 of n values is the ceil(n/2)-th, p90 the ceil(0.9 n)-th. */
    static const struct {
        size_t n;
        int p50, p90; /* values are 1..n minutes */
    } cases[] = {{1, 1, 1},  {2, 1, 2},   {3, 2, 3},    {4, 2, 4},    {9, 5, 9},
                 {10, 5, 9}, {11, 6, 10}, {19, 10, 18}, {20, 10, 18}, {100, 50, 90}};
    struct arena *a = *state;
    struct core_ctx cx = ctx(a, &core_system_user);
    struct store_timeliness_row rows[100];
    struct stats_period p = {.from = 0, .to = 10};

    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        struct stats_timeliness *units = NULL, *forces = NULL;
        size_t nu = 0, nf = 0;
        /* Descending, so that sorting matters. */
        for (size_t k = 0; k < cases[i].n; k++)
            rows[k] = (struct store_timeliness_row)REPORT(4, "Đồn BP", "border_guard",
                                                          (int64_t)(cases[i].n - k) * MIN_MS, true);
        fake.rows = rows;
        fake.n = cases[i].n;
        assert_int_equal(stats_timeliness(&cx, &p, &units, &nu, &forces, &nf), PH_OK);
        assert_int_equal(nu, 1);
        assert_int_equal(nf, 1);
        assert_string_equal(forces[0].force, "border_guard");
        if (units[0].report_delay_p50_ms != cases[i].p50 * MIN_MS ||
            units[0].report_delay_p90_ms != cases[i].p90 * MIN_MS)
            fail_msg("n %zu: p50 %lld p90 %lld", cases[i].n,
                     (long long)units[0].report_delay_p50_ms / MIN_MS,
                     (long long)units[0].report_delay_p90_ms / MIN_MS);
        assert_int_equal(forces[0].report_delay_p90_ms, units[0].report_delay_p90_ms);
    }
}

static void test_stats_empty(void **state)
{
    struct arena *a = *state;
    struct core_ctx cx = ctx(a, &viewer);
    struct stats_period p = {.from = 0, .to = 10, .force = "police", .unit_id = 5};
    struct stats_timeliness *units = NULL, *forces = NULL;
    size_t nu = 9, nf = 9;

    assert_int_equal(stats_timeliness(&cx, &p, &units, &nu, &forces, &nf), PH_OK);
    assert_int_equal(nu, 0);
    assert_int_equal(nf, 0);
    assert_string_equal(fake.period.force, "police");
    assert_int_equal(fake.period.unit_id, 5);
}

static void test_stats_access_and_input(void **state)
{
    static const struct core_user nobody = {
        .person_id = 61, .username = "khong", .roles = 0, .unit_id = 5, .unit_path = "/1/5/"};
    /* Roles but no unit and not an administrator: may ask, sees nothing. */
    static const struct core_user unitless = {
        .person_id = 62, .username = "le", .roles = ROLE_VIEWER, .clearance = 3};
    static const struct store_timeliness_row rows[] = {
        REPORT(7, "Công an xã A", "police", MIN_MS, true)};
    struct arena *a = *state;
    struct core_ctx cx = ctx(a, &nobody);
    struct stats_period p = {.from = 0, .to = 10};
    struct stats_timeliness *units = NULL, *forces = NULL;
    size_t nu = 0, nf = 0;

    fake.rows = rows;
    fake.n = PH_NELEM(rows);
    assert_int_equal(stats_timeliness(&cx, &p, &units, &nu, &forces, &nf), PH_EPERM);
    assert_int_equal(fake.calls, 0);

    cx = ctx(a, &unitless);
    assert_int_equal(stats_timeliness(&cx, &p, &units, &nu, &forces, &nf), PH_OK);
    assert_int_equal(nu, 0);
    assert_int_equal(nf, 0);
    assert_int_equal(fake.calls, 0);

    /* Any role may ask. */
    cx = ctx(a, &viewer);
    assert_int_equal(stats_timeliness(&cx, &p, &units, &nu, &forces, &nf), PH_OK);
    assert_int_equal(nu, 1);

    /* Bad periods and forces. */
    p.from = 20;
    assert_int_equal(stats_timeliness(&cx, &p, &units, &nu, &forces, &nf), PH_EINVAL);
    p.from = 0;
    p.force = "navy";
    assert_int_equal(stats_timeliness(&cx, &p, &units, &nu, &forces, &nf), PH_EINVAL);
    p.force = NULL;
    p.unit_id = -2;
    assert_int_equal(stats_timeliness(&cx, &p, &units, &nu, &forces, &nf), PH_EINVAL);
    /* At most STATS_MAX_PERIOD_MS in one request, an open end counting up to now. */
    p.unit_id = 0;
    p.to = p.from + STATS_MAX_PERIOD_MS + 1;
    assert_int_equal(stats_timeliness(&cx, &p, &units, &nu, &forces, &nf), PH_EINVAL);
    p.to = 0;
    p.from = cx.now_ms - STATS_MAX_PERIOD_MS - 1;
    assert_int_equal(stats_timeliness(&cx, &p, &units, &nu, &forces, &nf), PH_EINVAL);
    p.from = 0;
    p.to = 10;
    p.unit_id = -2;
    assert_int_equal(fake.calls, 1);

    /* A store failure comes back as it is. */
    p.unit_id = 0;
    fake.rc = PH_ESTORE;
    assert_int_equal(stats_timeliness(&cx, &p, &units, &nu, &forces, &nf), PH_ESTORE);
}

/* ---- incident counts ------------------------------------------------------------------ */

static void test_stats_incident_counts(void **state)
{
    /* The store's rows in (category id, force) order; a category with two lead
     * forces, one with none (an incident without a lead unit). */
    static const struct store_incident_count rows[] = {
        {.category_id = 1, .category = "crime", .force = "police", .n = 5},
        {.category_id = 3, .category = "smuggling", .force = "border_guard", .n = 4},
        {.category_id = 3, .category = "smuggling", .force = "police", .n = 2},
        {.category_id = 9, .category = "natural_disaster", .force = NULL, .n = 1},
        {.category_id = 9, .category = "natural_disaster", .force = "military", .n = 3},
    };
    struct arena *a = *state;
    struct core_ctx cx = ctx(a, &viewer);
    struct stats_incident_counts c;

    fake_counts.rows = rows;
    fake_counts.n = PH_NELEM(rows);
    assert_int_equal(stats_incident_counts(&cx, 1000, 5000, &c), PH_OK);
    assert_int_equal(fake_counts.calls, 1);
    assert_int_equal(fake_counts.from, 1000);
    assert_int_equal(fake_counts.to, 5000);
    /* The caller's scope goes to the store. */
    assert_string_equal(fake_counts.scope.unit_path, "/1/5/");
    assert_int_equal(fake_counts.scope.clearance, CLEARANCE_CONFIDENTIAL);
    assert_int_equal(c.from, 1000);
    assert_int_equal(c.to, 5000);
    assert_int_equal(c.total, 15);
    assert_int_equal(c.n_cells, 5);
    assert_string_equal(c.cells[2].category, "smuggling");
    assert_string_equal(c.cells[2].force, "police");
    assert_int_equal(c.cells[2].count, 2);
    assert_int_equal(c.n_by_category, 3);
    assert_string_equal(c.by_category[0].category, "crime");
    assert_int_equal(c.by_category[0].count, 5);
    assert_int_equal(c.by_category[1].category_id, 3);
    assert_int_equal(c.by_category[1].count, 6);
    assert_null(c.by_category[1].force);
    assert_int_equal(c.by_category[2].count, 4);
    /* Every force, in order, zeros included; no lead counts in the total only. */
    assert_string_equal(c.by_force[0].force, "police");
    assert_int_equal(c.by_force[0].count, 7);
    assert_string_equal(c.by_force[1].force, "military");
    assert_int_equal(c.by_force[1].count, 3);
    assert_string_equal(c.by_force[2].force, "border_guard");
    assert_int_equal(c.by_force[2].count, 4);
    assert_null(c.by_force[0].category);

    /* Nothing in the period: zeros, the three forces still named. */
    fake_counts.n = 0;
    assert_int_equal(stats_incident_counts(&cx, 0, 10, &c), PH_OK);
    assert_int_equal(c.total, 0);
    assert_int_equal(c.n_cells, 0);
    assert_int_equal(c.n_by_category, 0);
    assert_string_equal(c.by_force[2].force, "border_guard");
    assert_int_equal(c.by_force[2].count, 0);
}

static void test_stats_incident_counts_access_and_input(void **state)
{
    static const struct core_user nobody = {
        .person_id = 61, .username = "khong", .roles = 0, .unit_id = 5, .unit_path = "/1/5/"};
    static const struct core_user unitless = {
        .person_id = 62, .username = "le", .roles = ROLE_VIEWER, .clearance = 3};
    static const struct store_incident_count rows[] = {
        {.category_id = 1, .category = "crime", .force = "police", .n = 2}};
    struct arena *a = *state;
    struct core_ctx cx = ctx(a, &nobody);
    struct stats_incident_counts c;

    fake_counts.rows = rows;
    fake_counts.n = PH_NELEM(rows);
    assert_int_equal(stats_incident_counts(&cx, 0, 10, &c), PH_EPERM);
    /* A person who may see no incident gets zeros without asking the store. */
    cx = ctx(a, &unitless);
    assert_int_equal(stats_incident_counts(&cx, 0, 10, &c), PH_OK);
    assert_int_equal(c.total, 0);
    assert_int_equal(fake_counts.calls, 0);
    /* Periods: empty, reversed, too long (an open end counts up to now). */
    cx = ctx(a, &viewer);
    assert_int_equal(stats_incident_counts(&cx, 10, 10, &c), PH_EINVAL);
    assert_int_equal(stats_incident_counts(&cx, 20, 10, &c), PH_EINVAL);
    assert_int_equal(stats_incident_counts(&cx, 0, STATS_MAX_PERIOD_MS + 1, &c), PH_EINVAL);
    assert_int_equal(stats_incident_counts(&cx, cx.now_ms - STATS_MAX_PERIOD_MS - 1, 0, &c),
                     PH_EINVAL);
    assert_int_equal(fake_counts.calls, 0);
    assert_int_equal(stats_incident_counts(&cx, cx.now_ms - 1000, 0, &c), PH_OK);
    assert_int_equal(c.total, 2);
    /* A store failure comes back as it is. */
    fake.rc = PH_ESTORE;
    assert_int_equal(stats_incident_counts(&cx, 0, 10, &c), PH_ESTORE);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_stats_counts_and_percentiles),
        T(test_stats_percentile_ranks),
        T(test_stats_empty),
        T(test_stats_access_and_input),
        T(test_stats_incident_counts),
        T(test_stats_incident_counts_access_and_input),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
