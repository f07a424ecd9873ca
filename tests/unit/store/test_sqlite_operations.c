/* test_sqlite_operations.c - the SQLite backend's operations and assets: insert
 * with every link and read back (owner first, as lead), versioned updates that
 * replace the links (or leave them), the list's scope (clearance, some unit
 * taking part inside the path, with sibling paths that share a text prefix) and
 * its units filled per page, the conflict query at the edges of overlapping
 * times and statuses, the results log in (at, id) order with its cursor, the
 * summary, the incident's link back to its entry, the coverage rows mapped to
 * the level asked, and assets (unique code per kind, versions, list filters). */
#include "util/base.h"
#include "testutil.h"
#include "core/operation.h"
#include "store/sqlite_int.h"

#define T0 1764000000000LL /* 2025-11-24T16:00:00Z */
#define HOUR (3600 * 1000LL)

struct fx {
    struct store *st;
    struct arena a;
    int64_t p1, p2, p20, bg, mil, prov, dist, comm;
};

static int64_t add_unit(struct fx *f, const char *code, const char *force, int64_t parent_id)
{
    struct unit u = {.code = code, .name = code, .force = force, .parent_id = parent_id,
                     .level = parent_id == 0 ? "province" : "district", .is_active = true};
    int64_t id = 0;
    assert_int_equal(store_unit_insert(f->st, &u, code, &id), PH_OK);
    return id;
}

static int64_t add_area(struct fx *f, const char *code, const char *level, int64_t parent)
{
    struct area a = {.code = code, .name = code, .level = level, .kind = "coastal",
                     .parent_id = parent, .valid_from = "2020-01-01"};
    int64_t id = 0;
    assert_int_equal(store_area_insert(f->st, &a, code, &id), PH_OK);
    return id;
}

static int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    if (f == NULL || store_open("sqlite::memory:", &f->st) != PH_OK) {
        free(f);
        return -1;
    }
    arena_init(&f->a);
    f->p1 = add_unit(f, "CA", "police", 0);
    f->p2 = add_unit(f, "CA-2", "police", f->p1);
    for (int i = 3; i < 20; i++)
        (void)add_unit(f, arena_printf(&f->a, "CA-%d", i), "police", f->p1);
    f->p20 = add_unit(f, "CA-20", "police", f->p1); /* /1/20/ shares "/1/2" with /1/2/ */
    f->bg = add_unit(f, "BP", "border_guard", 0);
    f->mil = add_unit(f, "QS", "military", 0);
    f->prov = add_area(f, "83", "province", 0);
    f->dist = add_area(f, "829", "district", f->prov);
    f->comm = add_area(f, "28753", "commune", f->dist);
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    struct fx *f = *state;
    store_close(f->st);
    arena_release(&f->a);
    free(f);
    return 0;
}

#define FX_TEST(t) cmocka_unit_test_setup_teardown(t, fx_setup, fx_teardown)

static struct operation mk(int64_t owner, const char *title, int64_t start)
{
    struct operation o = {.kind = "patrol", .domain = "sea", .title = title,
                          .geometry = "{\"type\":\"Point\",\"coordinates\":[106,10]}",
                          .geometry_kind = "point", .min_lat = 10, .max_lat = 10, .min_lon = 106,
                          .max_lon = 106, .planned_start = start, .planned_end = start + 4 * HOUR,
                          .owner_unit_id = owner, .status = "planned", .version = 1,
                          .created_at = T0, .updated_at = T0};
    return o;
}

static int64_t insert(struct fx *f, struct operation *o)
{
    int64_t id = 0;
    assert_int_equal(store_operation_insert(f->st, o, o->title, &id), PH_OK);
    o->id = id;
    return id;
}

static void test_sqlite_operation_roundtrip(void **state)
{
    struct fx *f = *state;
    int64_t units[3] = {f->mil, f->p1 /* the owner again: once */, f->bg};
    int64_t people[2] = {7, 5}, areas[1] = {f->comm};
    struct operation o = mk(f->p2, "Tuần tra", T0), got;

    o.unit_ids = units;
    o.n_units = 3;
    o.people_ids = people;
    o.n_people = 2;
    o.area_ids = areas;
    o.n_areas = 1;
    o.owner_unit_id = f->p1;
    o.is_joint = true;
    o.classification = 2;
    insert(f, &o);
    assert_int_equal(store_operation_get(f->st, &f->a, o.id, &got), PH_OK);
    assert_string_equal(got.title, "Tuần tra");
    assert_int_equal(got.n_units, 3);
    assert_int_equal(got.unit_ids[0], f->p1);
    assert_string_equal(got.units[0].role, "lead");
    assert_int_equal(got.unit_ids[1], f->mil);
    assert_string_equal(got.units[1].force, "military");
    assert_int_equal(got.n_sent_to, 2);
    assert_string_equal(got.owner_force, "police");
    assert_int_equal(got.n_people, 2);
    assert_int_equal(got.n_areas, 1);
    assert_true(got.is_joint);
    assert_int_equal(got.classification, 2);
    /* Versioned; links replaced only when asked. */
    got.title = "Tuần tra mới";
    got.n_people = 1;
    assert_int_equal(store_operation_update(f->st, &got, "tuan tra moi", false), PH_OK);
    assert_int_equal(store_operation_get(f->st, &f->a, o.id, &got), PH_OK);
    assert_int_equal(got.version, 2);
    assert_int_equal(got.n_people, 2);
    got.n_people = 1;
    got.n_units = 1; /* only the owner (unit_ids[0]) */
    assert_int_equal(store_operation_update(f->st, &got, "x", true), PH_OK);
    assert_int_equal(store_operation_get(f->st, &f->a, o.id, &got), PH_OK);
    assert_int_equal(got.n_people, 1);
    assert_int_equal(got.n_units, 1);
    assert_int_equal(got.n_sent_to, 0);
    got.version = 1;
    assert_int_equal(store_operation_update(f->st, &got, "x", true), PH_ESTALE);
    got.id = 999;
    got.version = 0;
    assert_int_equal(store_operation_update(f->st, &got, "x", true), PH_ENOTFOUND);
    assert_int_equal(store_operation_get(f->st, &f->a, 999, &got), PH_ENOTFOUND);
}

static size_t list_n(struct fx *f, struct operation_filter *flt, int64_t *first)
{
    struct operation *items = NULL;
    size_t n = 0;
    bool more = false;
    assert_int_equal(store_operation_list(f->st, &f->a, flt, &items, &n, &more), PH_OK);
    for (size_t i = 0; i < n; i++)
        assert_non_null(items[i].units);
    if (first != NULL)
        *first = n > 0 ? items[0].id : 0;
    return n;
}

static void test_sqlite_operation_list_scope(void **state)
{
    struct fx *f = *state;
    struct unit p2, p20;
    int64_t mil[1] = {f->mil};
    struct operation a = mk(f->p2, "A", T0), b = mk(f->p20, "B", T0), c = mk(f->bg, "C", T0);
    struct operation_filter flt = {.limit = 100, .scope_clearance = 3};
    int64_t first = 0;

    assert_int_equal(store_unit_get(f->st, &f->a, f->p2, &p2), PH_OK);
    assert_int_equal(store_unit_get(f->st, &f->a, f->p20, &p20), PH_OK);
    c.unit_ids = mil;
    c.n_units = 1;
    c.classification = 3;
    insert(f, &a);
    insert(f, &b);
    insert(f, &c);
    assert_int_equal(list_n(f, &flt, &first), 3);
    assert_int_equal(first, c.id); /* newest first */
    flt.scope_unit_path = p2.path; /* /1/2/ sees A, not B (/1/20/) */
    assert_int_equal(list_n(f, &flt, &first), 1);
    assert_int_equal(first, a.id);
    flt.scope_unit_path = NULL;
    flt.scope_clearance = 2;
    assert_int_equal(list_n(f, &flt, NULL), 2);
    flt.scope_clearance = 3;
    flt.unit_id = f->mil; /* a participant */
    assert_int_equal(list_n(f, &flt, &first), 1);
    assert_int_equal(first, c.id);
    flt.unit_id = f->p1; /* everything below the police province */
    assert_int_equal(list_n(f, &flt, NULL), 2);
    flt.unit_id = 0;
    flt.before_id = c.id;
    assert_int_equal(list_n(f, &flt, &first), 2);
    assert_int_equal(first, b.id);
}

static void test_sqlite_operation_conflict(void **state)
{
    struct fx *f = *state;
    int64_t people[1] = {42}, which = 0, other = 0;
    struct operation a = mk(f->p2, "A", T0); /* [T0, T0+4h) */

    a.people_ids = people;
    a.n_people = 1;
    insert(f, &a);
    static const struct {
        int64_t start, end;
        bool conflict;
    } cases[] = {
        {T0 - 2 * HOUR, T0, false},             /* ends where a starts */
        {T0 + 4 * HOUR, T0 + 6 * HOUR, false},  /* starts where a ends */
        {T0 - HOUR, T0 + 1, true},
        {T0 + 4 * HOUR - 1, T0 + 5 * HOUR, true},
        {T0 + HOUR, T0 + 2 * HOUR, true},       /* inside */
        {T0 - HOUR, T0 + 5 * HOUR, true},       /* around */
    };
    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        assert_int_equal(store_operation_conflict(f->st, false, people, 1, 0, cases[i].start,
                                                  cases[i].end, T0, &which, &other),
                         PH_OK);
        if ((other == a.id) != cases[i].conflict)
            fail_msg("case %zu: other %lld", i, (long long)other);
    }
    /* Itself, another person, assets: none. */
    assert_int_equal(store_operation_conflict(f->st, false, people, 1, a.id, T0, T0 + HOUR, T0,
                                              &which, &other), PH_OK);
    assert_int_equal(other, 0);
    assert_int_equal(store_operation_conflict(f->st, true, people, 1, 0, T0, T0 + HOUR, T0,
                                              &which, &other), PH_OK);
    assert_int_equal(other, 0);
    /* Active: it lasts until now; completed: never. */
    a.status = "active";
    a.started_at = T0;
    a.version = 0;
    assert_int_equal(store_operation_update(f->st, &a, "a", false), PH_OK);
    assert_int_equal(store_operation_conflict(f->st, false, people, 1, 0, T0 + 9 * HOUR,
                                              T0 + 10 * HOUR, T0 + 10 * HOUR, &which, &other),
                     PH_OK);
    assert_int_equal(other, a.id);
    assert_int_equal(which, 42);
    a.status = "completed";
    a.ended_at = T0 + HOUR;
    assert_int_equal(store_operation_update(f->st, &a, "a", false), PH_OK);
    assert_int_equal(store_operation_conflict(f->st, false, people, 1, 0, T0, T0 + HOUR, T0,
                                              &which, &other), PH_OK);
    assert_int_equal(other, 0);
}

static void test_sqlite_operation_log(void **state)
{
    struct fx *f = *state;
    struct operation a = mk(f->p2, "A", T0);
    struct operation_log_entry e[3] = {
        {.at = T0 + 2 * HOUR, .text = "hai", .people_checked = 2, .violations = 1},
        {.at = T0 + HOUR, .text = "một", .has_location = true, .lat = 10.5, .lon = 106.5,
         .vehicles_checked = 3},
        {.at = T0 + 2 * HOUR, .text = "ba", .vessels_checked = 4},
    }, *items = NULL, got;
    struct operation_summary s;
    size_t n = 0;
    bool more = false;
    int64_t ids[3];

    insert(f, &a);
    for (int i = 0; i < 3; i++) {
        e[i].operation_id = a.id;
        assert_int_equal(store_operation_log_insert(f->st, &e[i], &ids[i]), PH_OK);
    }
    assert_int_equal(store_operation_log_list(f->st, &f->a, a.id, 0, 2, &items, &n, &more), PH_OK);
    assert_int_equal(n, 2);
    assert_true(more);
    assert_int_equal(items[0].id, ids[1]); /* the earliest */
    assert_true(items[0].has_location && items[0].lat == 10.5);
    assert_int_equal(items[1].id, ids[0]); /* same time: by id */
    assert_int_equal(store_operation_log_list(f->st, &f->a, a.id, items[1].id, 2, &items, &n, &more),
                     PH_OK);
    assert_int_equal(n, 1);
    assert_false(more);
    assert_int_equal(items[0].id, ids[2]);
    assert_int_equal(store_operation_log_get(f->st, &f->a, ids[0], &got), PH_OK);
    assert_false(got.has_location);
    assert_int_equal(store_operation_summary(f->st, a.id, &s), PH_OK);
    assert_int_equal(s.entries, 3);
    assert_int_equal(s.people_checked, 2);
    assert_int_equal(s.vehicles_checked, 3);
    assert_int_equal(s.vessels_checked, 4);
    assert_int_equal(s.violations, 1);
    assert_int_equal(s.incidents, 0);
}

static void test_sqlite_operation_coverage_rows(void **state)
{
    struct fx *f = *state;
    int64_t areas[1] = {f->comm}, mil[1] = {f->mil};
    struct operation a = mk(f->p2, "A", T0), b = mk(f->p2, "B", T0);
    struct coverage_query q = {.from = T0 - 24 * HOUR, .to = T0 + 24 * HOUR, .area_level = "district"};
    struct incident_scope scope = {.clearance = 3};
    struct store_coverage_row *rows = NULL;
    size_t n = 0;

    a.area_ids = areas;
    a.n_areas = 1;
    a.unit_ids = mil;
    a.n_units = 1;
    a.status = "completed";
    a.started_at = T0;
    a.ended_at = T0 + HOUR;
    b.area_ids = areas;
    b.n_areas = 1; /* planned: never counts */
    insert(f, &a);
    insert(f, &b);
    assert_int_equal(store_operation_coverage_rows(f->st, &f->a, &q, &scope, &rows, &n), PH_OK);
    assert_int_equal(n, 1);
    assert_int_equal(rows[0].area_id, f->dist); /* the commune's district */
    assert_int_equal(rows[0].operation_id, a.id);
    assert_non_null(strstr(rows[0].forces, "military"));
    assert_non_null(strstr(rows[0].forces, "police"));
    q.area_level = "province";
    assert_int_equal(store_operation_coverage_rows(f->st, &f->a, &q, &scope, &rows, &n), PH_OK);
    assert_int_equal(n, 1);
    assert_int_equal(rows[0].area_id, f->prov);
    q.force = "border_guard";
    assert_int_equal(store_operation_coverage_rows(f->st, &f->a, &q, &scope, &rows, &n), PH_OK);
    assert_int_equal(n, 0);
    q.force = NULL;
    q.from = T0 + HOUR; /* ended when the period starts */
    assert_int_equal(store_operation_coverage_rows(f->st, &f->a, &q, &scope, &rows, &n), PH_OK);
    assert_int_equal(n, 0);
}

static void test_sqlite_assets(void **state)
{
    struct fx *f = *state;
    struct asset a = {.kind = "vessel", .code = "BP-12-03", .name = "Tàu BP-12-03",
                      .unit_id = f->p2, .is_active = true}, got, *items = NULL;
    struct asset_filter flt = {.limit = 10};
    int64_t id = 0, id2 = 0;
    size_t n = 0;
    bool more = false;

    assert_int_equal(store_asset_insert(f->st, &a, "tau bp-12-03", &id), PH_OK);
    assert_int_equal(store_asset_insert(f->st, &a, "tau", &id2), PH_ECONFLICT);
    a.kind = "vehicle";
    assert_int_equal(store_asset_insert(f->st, &a, "xe", &id2), PH_OK);
    assert_int_equal(store_asset_get(f->st, &f->a, id, &got), PH_OK);
    assert_string_equal(got.code, "BP-12-03");
    assert_non_null(got.unit_path);
    got.is_active = false;
    assert_int_equal(store_asset_update(f->st, &got, "tau"), PH_OK);
    got.version = 1;
    assert_int_equal(store_asset_update(f->st, &got, "tau"), PH_ESTALE);
    assert_int_equal(store_asset_list(f->st, &f->a, &flt, &items, &n, &more), PH_OK);
    assert_int_equal(n, 1); /* the inactive one left out */
    flt.include_inactive = true;
    flt.unit_id = f->p1;
    flt.q = "bp-12";
    assert_int_equal(store_asset_list(f->st, &f->a, &flt, &items, &n, &more), PH_OK);
    assert_int_equal(n, 2);
    flt.unit_id = f->p20;
    assert_int_equal(store_asset_list(f->st, &f->a, &flt, &items, &n, &more), PH_OK);
    assert_int_equal(n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        FX_TEST(test_sqlite_operation_roundtrip),     FX_TEST(test_sqlite_operation_list_scope),
        FX_TEST(test_sqlite_operation_conflict),      FX_TEST(test_sqlite_operation_log),
        FX_TEST(test_sqlite_operation_coverage_rows), FX_TEST(test_sqlite_assets),
    };
    return cmocka_run_group_tests_name("sqlite_operations", tests, NULL, NULL);
}
