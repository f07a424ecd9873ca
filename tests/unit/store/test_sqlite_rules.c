/* test_sqlite_rules.c - the SQLite backend's routing rules (seeded defaults,
 * CRUD, the active order, the active rules kept between calls), settings, the
 * area lookups: candidates of a point through the R*Tree of bounding boxes kept
 * by triggers (insert, update, delete, and the boxes migration 003 fills for
 * areas stored before it), and ancestry; the unit responsible for an area; and
 * the reference data kept between calls in transactions (rules, responsible
 * units, units) after this connection's writes, a rollback, and another
 * connection's commit. Run on PostgreSQL too (PHOIHOP_TEST_PG, scripts/run_tests.sh's
 * unit-pg), where the same kept values are checked against ref_rev. */
#include "util/base.h"
#include <sqlite3.h>
#include "testutil.h"
#include "store/sqlite_int.h"
#include "util/embed.h"
#include "util/log.h"
#include "util/text.h"

/* ---- fixture and builders ------------------------------------------------ */

struct fx {
    struct store *st;
    struct arena a;
};

static int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    if (f == NULL || (f->st = tu_store()) == NULL) { /* PostgreSQL too (PHOIHOP_TEST_PG) */
        free(f);
        return -1;
    }
    arena_init(&f->a);
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

/* A closed square ring [lon0, lon0 + side] x [lat0, lat0 + side] as a Polygon. */
static const char *square(struct arena *a, double lon0, double lat0, double side)
{
    return arena_printf(a,
                        "{\"type\":\"Polygon\",\"coordinates\":[[[%g,%g],[%g,%g],[%g,%g],[%g,%g],"
                        "[%g,%g]]]}",
                        lon0, lat0, lon0 + side, lat0, lon0 + side, lat0 + side, lon0, lat0 + side,
                        lon0, lat0);
}

static int64_t add_area(struct fx *f, const char *code, const char *level, int64_t parent_id,
                        const char *geometry, const char *from, const char *to)
{
    struct area a = {.code = code,
                     .name = code,
                     .level = level,
                     .kind = "inland",
                     .parent_id = parent_id,
                     .geometry = geometry,
                     .valid_from = from,
                     .valid_to = to};
    int64_t id = 0;
    assert_int_equal(store_area_insert(f->st, &a, code, &id), PH_OK);
    return id;
}

static int64_t add_unit(struct fx *f, const char *code, const char *force, int64_t parent_id)
{
    struct unit u = {.code = code,
                     .name = code,
                     .force = force,
                     .parent_id = parent_id,
                     .level = parent_id == 0 ? "province" : "district",
                     .is_active = true};
    int64_t id = 0;
    assert_int_equal(store_unit_insert(f->st, &u, code, &id), PH_OK);
    return id;
}

static int64_t category_id(struct fx *f, const char *code)
{
    struct category c;
    assert_int_equal(store_category_get_by_code(f->st, &f->a, code, &c), PH_OK);
    return c.id;
}

/* Whether candidates() asks in a transaction of its own, where the store answers
 * from the areas it keeps (struct store_sq), or outside one, where the R*Tree
 * query does. */
static bool g_candidates_in_tx;

/* The ids of the candidates of (lon, lat) on date, in order, as "id id ...". */
static const char *candidates(struct fx *f, double lon, double lat, const char *date)
{
    struct store_area_candidate *items = NULL;
    size_t n = 0;
    char *out = arena_strdup(&f->a, "");
    if (g_candidates_in_tx)
        assert_int_equal(store_tx_begin(f->st), PH_OK);
    assert_int_equal(store_area_candidates(f->st, &f->a, lon, lat, date, &items, &n), PH_OK);
    if (g_candidates_in_tx)
        assert_int_equal(store_tx_commit(f->st), PH_OK);
    for (size_t i = 0; i < n; i++) {
        /* What tells the versions of an outline apart, and its box. */
        assert_true(items[i].version >= 1 && items[i].updated_at > 0);
        assert_true(items[i].min_lon <= lon && items[i].max_lon >= lon && items[i].min_lat <= lat &&
                    items[i].max_lat >= lat);
        out = arena_printf(&f->a, "%s%s%lld", out, i > 0 ? " " : "", (long long)items[i].id);
    }
    return out;
}

/* "x y z" of the ids given, up to the first 0. */
static const char *ids(struct arena *a, int64_t x, int64_t y, int64_t z, int64_t w)
{
    int64_t v[] = {y, z, w};
    const char *s = arena_printf(a, "%lld", (long long)x);
    for (size_t i = 0; i < PH_NELEM(v) && v[i] != 0; i++)
        s = arena_printf(a, "%s %lld", s, (long long)v[i]);
    return s;
}

/* ---- seeded rules -------------------------------------------------------- */

static void test_sqlite_rules_seeded(void **state)
{
    struct fx *f = *state;
    struct routing_rule *r = NULL;
    size_t n = 0;

    assert_int_equal(store_rule_active(f->st, &f->a, &r, &n), PH_OK);
    assert_int_equal(n, 14);
    for (size_t i = 1; i < n; i++)
        assert_true(r[i - 1].priority < r[i].priority);

    /* the border belt and the sea come first: Border Guard leads, the others informed */
    assert_string_equal(r[0].area_kind, "border");
    assert_string_equal(r[0].lead_force, "border_guard");
    assert_int_equal(r[0].category_id, 0);
    assert_int_equal(r[0].n_inform_forces, 2);
    assert_string_equal(r[0].inform_forces[0], "police");
    assert_string_equal(r[0].inform_forces[1], "military");
    assert_int_equal(r[0].report_deadline_min, 60);
    assert_int_equal(r[0].ack_deadline_min, 30);
    assert_int_equal(r[0].verify_deadline_min, 120);
    assert_string_equal(r[1].area_kind, "sea");
    assert_string_equal(r[1].lead_force, "border_guard");

    /* each category rule names its category by id and leads by the decree */
    static const struct {
        const char *code, *lead;
    } want[] = {
        {"crime", "police"},
        {"drugs", "police"},
        {"public_order", "police"},
        {"mass_gathering", "police"},
        {"political_security", "police"},
        {"natural_disaster", "military"},
        {"search_rescue", "military"},
        {"defensive_zone", "military"}, /* migration 006 */
        {"smuggling", "border_guard"},
        {"illegal_border_crossing", "border_guard"},
        {"illegal_fishing", "border_guard"},
    };
    for (size_t i = 0; i < PH_NELEM(want); i++) {
        const struct routing_rule *x = &r[2 + i];
        assert_int_equal(x->category_id, category_id(f, want[i].code));
        assert_string_equal(x->lead_force, want[i].lead);
        assert_null(x->area_kind);
        assert_int_equal(x->n_inform_forces, 2);
        for (size_t k = 0; k < x->n_inform_forces; k++)
            assert_string_not_equal(x->inform_forces[k], want[i].lead);
        assert_true(x->report_deadline_min > 0 && x->ack_deadline_min > 0);
        assert_true(x->is_active);
        assert_int_equal(x->version, 1);
    }

    /* the catch-all: last, the category's lead, all three forces informed */
    assert_int_equal(r[13].priority, 1000);
    assert_null(r[13].lead_force);
    assert_int_equal(r[13].category_id, 0);
    assert_int_equal(r[13].n_inform_forces, 3);

    /* names are Vietnamese, NFC */
    for (size_t i = 0; i < n; i++) {
        char *nfc = NULL;
        assert_int_equal(text_nfc(&f->a, r[i].name, &nfc), PH_OK);
        assert_string_equal(nfc, r[i].name);
        assert_non_null(strstr(r[i].name, "chủ trì"));
    }
}

/* ---- CRUD ---------------------------------------------------------------- */

static void test_sqlite_rules_crud(void **state)
{
    struct fx *f = *state;
    int64_t unit_a = add_unit(f, "CA-T", "police", 0);
    int64_t unit_b = add_unit(f, "BP-T", "border_guard", 0);
    int64_t area = add_area(f, "83", "province", 0, NULL, "2020-01-01", NULL);
    const char *forces[] = {"military", "police", "military"};
    int64_t units[] = {unit_b, unit_a, unit_b};
    struct routing_rule r = {.name = "Ven biển, nghiêm trọng: Quân sự chủ trì",
                             .priority = 50,
                             .is_active = true,
                             .category_id = category_id(f, "accident"),
                             .severity_min = 3,
                             .severity_max = 4,
                             .area_id = area,
                             .area_kind = "coastal",
                             .lead_force = "military",
                             .inform_forces = forces,
                             .n_inform_forces = 3,
                             .inform_unit_ids = units,
                             .n_inform_units = 3,
                             .report_deadline_min = 45,
                             .ack_deadline_min = 20,
                             .verify_deadline_min = 90,
                             .fallback_unit_id = unit_a,
                             .created_at = 1000};
    struct routing_rule got;
    int64_t id = 0;

    assert_int_equal(store_rule_insert(f->st, &r, &id), PH_OK);
    assert_int_equal(store_rule_get(f->st, &f->a, id, &got), PH_OK);
    assert_int_equal(got.id, id);
    assert_string_equal(got.name, r.name);
    assert_int_equal(got.priority, 50);
    assert_true(got.is_active);
    assert_int_equal(got.category_id, r.category_id);
    assert_int_equal(got.severity_min, 3);
    assert_int_equal(got.severity_max, 4);
    assert_int_equal(got.area_id, area);
    assert_string_equal(got.area_kind, "coastal");
    assert_string_equal(got.lead_force, "military");
    /* a repeated force or unit counts once, in its first place */
    assert_int_equal(got.n_inform_forces, 2);
    assert_string_equal(got.inform_forces[0], "military");
    assert_string_equal(got.inform_forces[1], "police");
    assert_int_equal(got.n_inform_units, 2);
    assert_int_equal(got.inform_unit_ids[0], unit_b);
    assert_int_equal(got.inform_unit_ids[1], unit_a);
    assert_int_equal(got.report_deadline_min, 45);
    assert_int_equal(got.ack_deadline_min, 20);
    assert_int_equal(got.verify_deadline_min, 90);
    assert_int_equal(got.fallback_unit_id, unit_a);
    assert_int_equal(got.version, 1);
    assert_int_equal(got.created_at, 1000);
    assert_int_equal(got.updated_at, 1000);

    /* update: versioned, replaces the informed lists, empties conditions */
    r.id = id;
    r.version = 1;
    r.name = "Ven biển: Quân sự chủ trì";
    r.category_id = 0;
    r.area_id = 0;
    r.area_kind = NULL;
    r.lead_force = NULL;
    r.n_inform_forces = 0;
    r.n_inform_units = 1;
    r.fallback_unit_id = 0;
    r.updated_at = 2000;
    assert_int_equal(store_rule_update(f->st, &r), PH_OK);
    assert_int_equal(store_rule_get(f->st, &f->a, id, &got), PH_OK);
    assert_int_equal(got.version, 2);
    assert_string_equal(got.name, "Ven biển: Quân sự chủ trì");
    assert_int_equal(got.category_id, 0);
    assert_int_equal(got.area_id, 0);
    assert_null(got.area_kind);
    assert_null(got.lead_force);
    assert_int_equal(got.n_inform_forces, 0);
    assert_null(got.inform_forces);
    assert_int_equal(got.n_inform_units, 1);
    assert_int_equal(got.inform_unit_ids[0], unit_b);
    assert_int_equal(got.fallback_unit_id, 0);
    assert_int_equal(got.updated_at, 2000);
    assert_int_equal(store_rule_update(f->st, &r), PH_ESTALE); /* still version 1 */
    r.version = 0;
    assert_int_equal(store_rule_update(f->st, &r), PH_OK); /* 0: any */
    r.id = 9999;
    assert_int_equal(store_rule_update(f->st, &r), PH_ENOTFOUND);
    assert_int_equal(store_rule_get(f->st, &f->a, 9999, &got), PH_ENOTFOUND);

    /* an unknown unit or force refuses the whole rule */
    int64_t bad_units[] = {4242};
    const char *bad_forces[] = {"navy"};
    struct routing_rule bad = {.name = "x",
                               .priority = 1,
                               .is_active = true,
                               .inform_unit_ids = bad_units,
                               .n_inform_units = 1};
    struct routing_rule *items = NULL;
    size_t n = 0, before = 0;
    bool more = false;
    assert_int_equal(store_rule_active(f->st, &f->a, &items, &before), PH_OK);
    assert_int_equal(store_rule_insert(f->st, &bad, &id), PH_ECONFLICT);
    bad.n_inform_units = 0;
    bad.inform_forces = bad_forces;
    bad.n_inform_forces = 1;
    assert_int_equal(store_rule_insert(f->st, &bad, &id), PH_ECONFLICT);
    assert_int_equal(store_rule_active(f->st, &f->a, &items, &n), PH_OK);
    assert_int_equal(n, before);
    /* a unit a rule names cannot be deleted */
    assert_int_equal(store_unit_delete(f->st, unit_b), PH_ECONFLICT);

    /* list: id order, pages, inactive rules only when asked */
    r.id = got.id;
    r.version = 0;
    r.is_active = false;
    assert_int_equal(store_rule_update(f->st, &r), PH_OK);
    struct routing_rule_filter flt = {.limit = 5};
    assert_int_equal(store_rule_list(f->st, &f->a, &flt, &items, &n, &more), PH_OK);
    assert_int_equal(n, 5);
    assert_true(more);
    assert_true(items[0].id < items[1].id);
    flt.after_id = items[4].id;
    flt.limit = 100;
    assert_int_equal(store_rule_list(f->st, &f->a, &flt, &items, &n, &more), PH_OK);
    assert_int_equal(n, 9); /* 14 seeded in all; ours is inactive */
    assert_false(more);
    flt.include_inactive = true;
    assert_int_equal(store_rule_list(f->st, &f->a, &flt, &items, &n, &more), PH_OK);
    assert_int_equal(n, 10);
    assert_int_equal(items[9].id, got.id);
    assert_false(items[9].is_active);
}

static void test_sqlite_rules_active_order(void **state)
{
    struct fx *f = *state;
    struct routing_rule r = {.name = "a", .priority = 100, .is_active = true};
    struct routing_rule *items = NULL;
    size_t n = 0;
    int64_t same = 0, first = 0, off = 0;

    assert_int_equal(store_rule_insert(f->st, &r, &same), PH_OK); /* ties the crime rule */
    r.priority = 0;
    assert_int_equal(store_rule_insert(f->st, &r, &first), PH_OK);
    r.is_active = false;
    assert_int_equal(store_rule_insert(f->st, &r, &off), PH_OK);
    assert_int_equal(store_rule_active(f->st, &f->a, &items, &n), PH_OK);
    assert_int_equal(n, 16);
    assert_int_equal(items[0].id, first);
    for (size_t i = 0; i < n; i++) {
        assert_int_not_equal(items[i].id, off);
        if (items[i].priority == 100) { /* the seeded crime rule, then ours (by id) */
            assert_int_equal(items[i].category_id, category_id(f, "crime"));
            assert_int_equal(items[i + 1].id, same);
            break;
        }
    }
}

/* ---- settings ------------------------------------------------------------ */

static void test_sqlite_settings(void **state)
{
    struct fx *f = *state;
    const char *v = NULL;

    /* incident_ref_prefix is not seeded: core knows its default */
    assert_int_equal(store_setting_get(f->st, &f->a, "incident_ref_prefix", &v), PH_ENOTFOUND);
    assert_int_equal(store_setting_set(f->st, "incident_ref_prefix", "BT"), PH_OK);
    assert_int_equal(store_setting_get(f->st, &f->a, "incident_ref_prefix", &v), PH_OK);
    assert_string_equal(v, "BT");
    assert_int_equal(store_setting_set(f->st, "incident_ref_prefix", "KG"), PH_OK);
    assert_int_equal(store_setting_get(f->st, &f->a, "incident_ref_prefix", &v), PH_OK);
    assert_string_equal(v, "KG");
    assert_int_equal(store_setting_get(f->st, &f->a, "other", &v), PH_ENOTFOUND);
}

/* ---- areas --------------------------------------------------------------- */

static void area_candidates(struct fx *f)
{
    struct arena *a = &f->a;
    int64_t prov = add_area(f, "83", "province", 0, square(a, 106, 9, 1), "2020-01-01", NULL);
    int64_t dist = add_area(f, "829", "district", prov, square(a, 106, 9, 0.5), "2020-01-01", NULL);
    int64_t comm =
        add_area(f, "29000", "commune", dist, square(a, 106.1, 9.1, 0.1), "2020-01-01", NULL);
    int64_t old = add_area(f, "28999", "commune", dist, square(a, 106.1, 9.1, 0.1), "2019-01-01",
                           "2020-01-01");
    (void)add_area(f, "29001", "commune", dist, NULL, "2020-01-01", NULL); /* no geometry */

    /* deepest first; the ended commune only on a date it was valid */
    assert_string_equal(candidates(f, 106.15, 9.15, "2026-01-01"), ids(a, comm, dist, prov, 0));
    assert_string_equal(candidates(f, 106.15, 9.15, "2019-06-01"), ids(a, old, 0, 0, 0));
    assert_string_equal(candidates(f, 106.15, 9.15, NULL), ids(a, comm, old, dist, prov));
    /* inside the district's box but not the commune's; the province's only; none */
    assert_string_equal(candidates(f, 106.4, 9.4, "2026-01-01"), ids(a, dist, prov, 0, 0));
    assert_string_equal(candidates(f, 106.9, 9.9, "2026-01-01"), ids(a, prov, 0, 0, 0));
    assert_string_equal(candidates(f, 107.5, 9.5, "2026-01-01"), "");
    assert_string_equal(candidates(f, 106.15, 8.5, "2026-01-01"), "");

    /* an updated geometry moves the box */
    struct area c;
    assert_int_equal(store_area_get(f->st, a, comm, &c), PH_OK);
    c.geometry = square(a, 106.6, 9.6, 0.1);
    assert_int_equal(store_area_update(f->st, &c, "29000"), PH_OK);
    assert_string_equal(candidates(f, 106.15, 9.15, "2026-01-01"), ids(a, dist, prov, 0, 0));
    assert_string_equal(candidates(f, 106.65, 9.65, "2026-01-01"), ids(a, comm, prov, 0, 0));
    /* losing the geometry removes it; deleting an area removes its box */
    c.geometry = NULL;
    c.version = 0;
    assert_int_equal(store_area_update(f->st, &c, "29000"), PH_OK);
    assert_string_equal(candidates(f, 106.65, 9.65, "2026-01-01"), ids(a, prov, 0, 0, 0));
    assert_int_equal(store_area_delete(f->st, old), PH_OK);
    assert_string_equal(candidates(f, 106.15, 9.15, "2019-06-01"), "");

    /* a Feature and a MultiPolygon: positions only, numbers in properties ignored */
    int64_t feat = add_area(
        f, "30000", "commune", dist,
        "{\"type\":\"Feature\",\"properties\":{\"codes\":[150,60],\"coordinates\":[170,80]},"
        "\"geometry\":{\"type\":\"MultiPolygon\",\"coordinates\":[[[[120,20],[121,20],[121,21],"
        "[120,20]]],[[[122,22],[123,22],[123,23],[122,22]]]]}}",
        "2020-01-01", NULL);
    assert_string_equal(candidates(f, 121.5, 21.5, "2026-01-01"), ids(a, feat, 0, 0, 0));
    assert_string_equal(candidates(f, 122.9, 22.9, "2026-01-01"), ids(a, feat, 0, 0, 0));
    assert_string_equal(candidates(f, 150, 60, "2026-01-01"), "");
    assert_string_equal(candidates(f, 119.9, 21.5, "2026-01-01"), "");

    /* Changed in a transaction: seen in it, gone with its rollback. */
    struct store_area_candidate *items = NULL;
    size_t n = 0;
    assert_int_equal(store_tx_begin(f->st), PH_OK);
    assert_int_equal(store_area_candidates(f->st, a, 121.5, 21.5, NULL, &items, &n), PH_OK);
    assert_int_equal(n, 1);
    assert_int_equal(store_area_delete(f->st, feat), PH_OK);
    assert_int_equal(store_area_candidates(f->st, a, 121.5, 21.5, NULL, &items, &n), PH_OK);
    assert_int_equal(n, 0);
    assert_int_equal(store_tx_rollback(f->st), PH_OK);
    assert_string_equal(candidates(f, 121.5, 21.5, "2026-01-01"), ids(a, feat, 0, 0, 0));
}

static void test_sqlite_area_candidates(void **state)
{
    g_candidates_in_tx = false;
    area_candidates(*state);
}

/* The same in transactions: answered from the areas kept, each call with its own
 * copies. */
static void test_sqlite_area_candidates_kept(void **state)
{
    struct fx *f = *state;
    struct store_area_candidate *x = NULL, *y = NULL;
    size_t n = 0;

    g_candidates_in_tx = true;
    area_candidates(f);
    g_candidates_in_tx = false;
    assert_int_equal(store_tx_begin(f->st), PH_OK);
    assert_int_equal(store_area_candidates(f->st, &f->a, 106.9, 9.9, NULL, &x, &n), PH_OK);
    assert_int_equal(n, 1);
    assert_int_equal(store_area_candidates(f->st, &f->a, 106.9, 9.9, NULL, &y, &n), PH_OK);
    assert_int_equal(n, 1);
    assert_ptr_not_equal(x, y);
    assert_memory_equal(x, y, sizeof(*x));
    assert_int_equal(x[0].depth, 2); /* the province */
    assert_true(x[0].min_lon <= 106 && x[0].max_lon >= 107);
    assert_int_equal(store_tx_commit(f->st), PH_OK);
}

/* Outside a transaction the kept areas serve too, but another connection's commit
 * is seen at once (its data version moved). */
static void test_sqlite_area_candidates_other_connection(void **state)
{
    struct tu_tmpdb tmp;
    struct store *one = NULL, *two = NULL;
    struct store_area_candidate *items = NULL;
    struct area ar = {.code = "83",
                      .name = "83",
                      .level = "province",
                      .kind = "inland",
                      .valid_from = "2020-01-01"};
    struct arena a;
    size_t n = 0;
    int64_t prov = 0, dist = 0;
    (void)state;

    arena_init(&a);
    assert_int_equal(tu_tmpdb_make(&tmp, "rules-cand"), 0);
    assert_int_equal(store_open(tmp.dsn, &one), PH_OK);
    assert_int_equal(store_open(tmp.dsn, &two), PH_OK);
    ar.geometry = square(&a, 106, 9, 1);
    assert_int_equal(store_area_insert(one, &ar, "83", &prov), PH_OK);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(store_area_candidates(one, &a, 106.2, 9.2, NULL, &items, &n), PH_OK);
        assert_int_equal(n, 1);
    }
    ar.code = "829";
    ar.level = "district";
    ar.parent_id = prov;
    ar.geometry = square(&a, 106.1, 9.1, 0.2);
    assert_int_equal(store_area_insert(two, &ar, "829", &dist), PH_OK);
    assert_int_equal(store_area_candidates(one, &a, 106.2, 9.2, NULL, &items, &n), PH_OK);
    assert_int_equal(n, 2);
    assert_int_equal(items[0].id, dist);
    assert_int_equal(items[0].depth, 1);
    assert_int_equal(store_area_delete(two, dist), PH_OK);
    assert_int_equal(store_area_candidates(one, &a, 106.2, 9.2, NULL, &items, &n), PH_OK);
    assert_int_equal(n, 1);
    assert_int_equal(items[0].id, prov);

    store_close(one);
    store_close(two);
    arena_release(&a);
    assert_int_equal(tu_tmpdb_remove(&tmp), 0);
}

/* A read snapshot (store_read_begin) sees one commit throughout: another
 * connection's new area appears only after store_read_end; inside a write
 * transaction both calls do nothing. */
static void test_sqlite_read_snapshot(void **state)
{
    struct tu_tmpdb tmp;
    struct store *one = NULL, *two = NULL;
    struct store_area_candidate *items = NULL;
    struct area ar = {.code = "83",
                      .name = "83",
                      .level = "province",
                      .kind = "inland",
                      .valid_from = "2020-01-01"};
    struct arena a;
    size_t n = 0;
    int64_t prov = 0, dist = 0;
    (void)state;

    arena_init(&a);
    assert_int_equal(tu_tmpdb_make(&tmp, "rules-snap"), 0);
    assert_int_equal(store_open(tmp.dsn, &one), PH_OK);
    assert_int_equal(store_open(tmp.dsn, &two), PH_OK);
    ar.geometry = square(&a, 106, 9, 1);
    assert_int_equal(store_area_insert(two, &ar, "83", &prov), PH_OK);

    assert_int_equal(store_read_begin(one), PH_OK);
    assert_int_equal(store_area_candidates(one, &a, 106.2, 9.2, NULL, &items, &n), PH_OK);
    assert_int_equal(n, 1);
    ar.code = "829";
    ar.level = "district";
    ar.parent_id = prov;
    ar.geometry = square(&a, 106.1, 9.1, 0.2);
    assert_int_equal(store_area_insert(two, &ar, "829", &dist), PH_OK);
    for (int i = 0; i < 2; i++) { /* the snapshot, read again and from what was kept */
        assert_int_equal(store_area_candidates(one, &a, 106.2, 9.2, NULL, &items, &n), PH_OK);
        assert_int_equal(n, 1);
        assert_int_equal(items[0].id, prov);
    }
    assert_int_equal(store_read_end(one), PH_OK);
    assert_int_equal(store_read_end(one), PH_OK); /* once more: nothing to end */
    assert_int_equal(store_area_candidates(one, &a, 106.2, 9.2, NULL, &items, &n), PH_OK);
    assert_int_equal(n, 2);
    assert_int_equal(items[0].id, dist);

    /* In a write transaction: no second BEGIN, and the end leaves it open. */
    assert_int_equal(store_tx_begin(one), PH_OK);
    assert_int_equal(store_read_begin(one), PH_OK);
    assert_int_equal(store_read_end(one), PH_OK);
    assert_int_equal(store_area_delete(one, dist), PH_OK);
    assert_int_equal(store_tx_commit(one), PH_OK);
    assert_int_equal(store_area_candidates(two, &a, 106.2, 9.2, NULL, &items, &n), PH_OK);
    assert_int_equal(n, 1);

    store_close(one);
    store_close(two);
    arena_release(&a);
    assert_int_equal(tu_tmpdb_remove(&tmp), 0);
}

static void test_sqlite_area_within(void **state)
{
    struct fx *f = *state;
    int64_t prov = add_area(f, "83", "province", 0, NULL, "2020-01-01", NULL);
    int64_t dist = add_area(f, "829", "district", prov, NULL, "2020-01-01", NULL);
    int64_t comm = add_area(f, "29000", "commune", dist, NULL, "2020-01-01", NULL);
    int64_t other = add_area(f, "84", "province", 0, NULL, "2020-01-01", NULL);
    static const struct {
        int area, ancestor;
        bool want;
    } cases[] = {
        {2, 0, true},  {2, 1, true},  {2, 2, true},  {1, 0, true},  {0, 0, true},
        {0, 1, false}, {0, 2, false}, {1, 2, false}, {2, 3, false}, {3, 0, false},
    };
    int64_t id[] = {prov, dist, comm, other};
    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        bool within = !cases[i].want;
        assert_int_equal(
            store_area_within(f->st, id[cases[i].area], id[cases[i].ancestor], &within), PH_OK);
        if (within != cases[i].want)
            fail_msg("case %zu: within %d", i, within);
    }
}

/* A database at version 2 with an area: migrating to 3 gives it its box. */
static void test_sqlite_area_bbox_backfill(void **state)
{
    struct tu_tmpdb tmp;
    struct store *st = NULL;
    struct arena a;
    sqlite3 *db = NULL;
    struct store_area_candidate *items = NULL;
    size_t n = 0;
    char pg[256];
    (void)state;
    if (tu_pg_dsn(pg, sizeof(pg)))
        skip(); /* SQLite's own migration of an older file */
    arena_init(&a);
    assert_int_equal(tu_tmpdb_make(&tmp, "rules"), 0);
    assert_int_equal(sqlite3_open(tmp.path, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(db,
                     (const char *)embed_find("src/store/schema/sqlite/001_foundation.sql")->data,
                     NULL, NULL, NULL),
        SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(db,
                     (const char *)embed_find("src/store/schema/sqlite/002_categories.sql")->data,
                     NULL, NULL, NULL),
        SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(db,
                     "INSERT INTO areas (code, name, name_folded, level, kind, valid_from, "
                     "created_at, updated_at, geometry) VALUES ('83', 'Sóc Trăng', 'soc trang', "
                     "'province', 'coastal', '2020-01-01', 1, 1, '{\"type\":\"Polygon\","
                     "\"coordinates\":[[[105.5,9.2],[106.3,9.2],[106.3,9.9],[105.5,9.2]]]}'); "
                     "INSERT INTO areas (code, name, name_folded, level, kind, valid_from, "
                     "created_at, updated_at, geometry) VALUES ('84', 'x', 'x', 'province', "
                     "'inland', '2020-01-01', 1, 1, 'not json'); PRAGMA user_version = 2",
                     NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);

    assert_int_equal(store_open(tmp.dsn, &st), PH_OK);
    assert_int_equal(store_area_candidates(st, &a, 106, 9.5, "2026-01-01", &items, &n), PH_OK);
    assert_int_equal(n, 1);
    assert_int_equal(items[0].id, 1); /* '83', the first row */
    assert_int_equal(store_area_candidates(st, &a, 106.5, 9.5, "2026-01-01", &items, &n), PH_OK);
    assert_int_equal(n, 0);
    store_close(st);
    arena_release(&a);
    assert_int_equal(tu_tmpdb_remove(&tmp), 0);
}

/* ---- responsible units --------------------------------------------------- */

/* A unit of force at level under parent (0: top), linked to the areas given (up
 * to the first 0), active or not. */
static int64_t unit_at(struct store *st, const char *code, const char *force, const char *level,
                       int64_t parent_id, bool active, int64_t area1, int64_t area2)
{
    int64_t areas[] = {area1, area2};
    size_t n_areas = area1 == 0 ? 0 : 1 + (area2 != 0);
    struct unit u = {.code = code,
                     .name = code,
                     .force = force,
                     .parent_id = parent_id,
                     .level = level,
                     .is_active = active,
                     .area_ids = areas,
                     .n_areas = n_areas};
    int64_t id = 0;
    assert_int_equal(store_unit_insert(st, &u, code, &id), PH_OK);
    return id;
}

static int64_t responsible(struct store *st, const char *force, int64_t area_id)
{
    int64_t id = -1;
    assert_int_equal(store_unit_responsible(st, force, area_id, &id), PH_OK);
    return id;
}

/* Kept reference data is used inside transactions of store_tx_begin only, as the
 * writer's batches are: the checks below run in them. */
static void begin(struct store *st)
{
    assert_int_equal(store_tx_begin(st), PH_OK);
}

static void commit(struct store *st)
{
    assert_int_equal(store_tx_commit(st), PH_OK);
}

/* Re-store unit id with is_active and its areas changed (a unit as read back). */
static void unit_change(struct store *st, struct arena *a, int64_t id, bool active, int64_t area)
{
    struct unit u;
    assert_int_equal(store_unit_get(st, a, id, &u), PH_OK);
    u.is_active = active;
    u.area_ids = area != 0 ? &area : NULL;
    u.n_areas = area != 0 ? 1 : 0;
    assert_int_equal(store_unit_update(st, &u, u.code), PH_OK);
}

static void test_sqlite_unit_responsible(void **state)
{
    struct fx *f = *state;
    int64_t prov = add_area(f, "83", "province", 0, NULL, "2020-01-01", NULL);
    int64_t dist = add_area(f, "829", "district", prov, NULL, "2020-01-01", NULL);
    int64_t comm = add_area(f, "28867", "commune", dist, NULL, "2020-01-01", NULL);
    int64_t comm2 = add_area(f, "28870", "commune", dist, NULL, "2020-01-01", NULL);
    int64_t top = unit_at(f->st, "CA-T", "police", "province", 0, true, 0, 0);
    (void)unit_at(f->st, "CA-T2", "police", "province", 0, true, 0, 0);
    /* Linked to the district and the commune, but of a higher level than the
     * commune's own units: those win, lowest id first, inactive ones skipped. */
    int64_t du = unit_at(f->st, "CA-D", "police", "district", top, true, dist, comm);
    (void)unit_at(f->st, "CA-X", "police", "commune", du, false, comm, 0);
    int64_t cu = unit_at(f->st, "CA-C", "police", "commune", du, true, comm, 0);
    int64_t cu2 = unit_at(f->st, "CA-C2", "police", "commune", du, true, comm, 0);
    /* The military has no links: its active province-level unit, lowest id. */
    (void)unit_at(f->st, "QS-OFF", "military", "province", 0, false, 0, 0);
    int64_t mil = unit_at(f->st, "QS-T", "military", "province", 0, true, 0, 0);
    int64_t mil2 = unit_at(f->st, "QS-T2", "military", "province", 0, true, 0, 0);
    int64_t id = 0;
    struct unit u1, u2;
    struct area a;

    for (int pass = 0; pass < 2; pass++) { /* outside a transaction, then in one */
        if (pass == 1)
            begin(f->st);
        for (int i = 0; i < 2; i++) { /* the second time from what was kept */
            assert_int_equal(responsible(f->st, "police", comm), cu);
            assert_int_equal(responsible(f->st, "police", comm2), du); /* one level up */
            assert_int_equal(responsible(f->st, "police", dist), du);
            assert_int_equal(responsible(f->st, "police", prov), top); /* none linked */
            assert_int_equal(responsible(f->st, "police", 0), top);
            assert_int_equal(responsible(f->st, "police", 99999), top); /* no such area */
            assert_int_equal(responsible(f->st, "military", comm), mil);
            assert_int_equal(store_unit_responsible(f->st, "border_guard", comm, &id),
                             PH_ENOTFOUND);
            assert_int_equal(store_unit_get(f->st, &f->a, cu, &u1), PH_OK);
        }
        if (pass == 1)
            commit(f->st);
    }
    /* Units kept are copied out: each caller has its own. */
    begin(f->st);
    assert_int_equal(store_unit_get(f->st, &f->a, du, &u1), PH_OK);
    assert_int_equal(store_unit_get(f->st, &f->a, du, &u2), PH_OK);
    assert_ptr_not_equal(u1.path, u2.path);
    assert_string_equal(u1.path, u2.path);
    assert_int_equal(u2.n_areas, 2);
    assert_ptr_not_equal(u1.area_ids, u2.area_ids);
    assert_memory_equal(u1.area_ids, u2.area_ids, 2 * sizeof(*u1.area_ids));
    commit(f->st);

    /* A change in a transaction is seen at once, and forgotten with a rollback. */
    begin(f->st);
    assert_int_equal(responsible(f->st, "police", comm), cu);
    unit_change(f->st, &f->a, cu, false, comm);
    assert_int_equal(responsible(f->st, "police", comm), cu2);
    assert_int_equal(store_unit_get(f->st, &f->a, cu, &u1), PH_OK);
    assert_false(u1.is_active);
    assert_int_equal(store_tx_rollback(f->st), PH_OK);
    begin(f->st);
    assert_int_equal(responsible(f->st, "police", comm), cu);
    assert_int_equal(store_unit_get(f->st, &f->a, cu, &u1), PH_OK);
    assert_true(u1.is_active);
    commit(f->st);
    /* Outside one: links moved, units deactivated. */
    unit_change(f->st, &f->a, cu, true, comm2);
    unit_change(f->st, &f->a, mil, false, 0);
    begin(f->st);
    assert_int_equal(responsible(f->st, "police", comm), cu2);
    assert_int_equal(responsible(f->st, "police", comm2), cu);
    assert_int_equal(responsible(f->st, "military", comm), mil2);
    assert_int_equal(store_unit_get(f->st, &f->a, cu, &u1), PH_OK);
    assert_int_equal(u1.n_areas, 1);
    assert_int_equal(u1.area_ids[0], comm2);
    commit(f->st);
    /* An area moved under another parent changes the walk up. */
    unit_change(f->st, &f->a, cu, true, 0);
    begin(f->st);
    assert_int_equal(responsible(f->st, "police", comm2), du);
    commit(f->st);
    assert_int_equal(store_area_get(f->st, &f->a, comm2, &a), PH_OK);
    a.parent_id = prov;
    assert_int_equal(store_area_update(f->st, &a, a.code), PH_OK);
    begin(f->st);
    assert_int_equal(responsible(f->st, "police", comm2), top);
    commit(f->st);
}

/* Another connection's commit is seen by the kept rules, responsible units and
 * units. */
static void test_sqlite_ref_other_connection(void **state)
{
    struct tu_tmpdb tmp;
    struct store *one = NULL, *two = NULL;
    struct routing_rule *items = NULL;
    struct routing_rule r = {.name = "mới", .priority = 5, .is_active = true};
    struct arena a;
    struct unit u;
    size_t n = 0, n0 = 0;
    int64_t rule = 0;
    (void)state;

    arena_init(&a);
    assert_int_equal(tu_tmpdb_make(&tmp, "rules-ref"), 0);
    assert_int_equal(store_open(tmp.dsn, &one), PH_OK);
    assert_int_equal(store_open(tmp.dsn, &two), PH_OK);
    int64_t top = unit_at(one, "CA-T", "police", "province", 0, true, 0, 0);
    int64_t top2 = unit_at(one, "CA-T2", "police", "province", 0, true, 0, 0);

    begin(one);
    assert_int_equal(store_rule_active(one, &a, &items, &n0), PH_OK);
    assert_int_equal(responsible(one, "police", 0), top);
    assert_int_equal(store_unit_get(one, &a, top, &u), PH_OK);
    assert_true(u.is_active);
    commit(one);
    assert_int_equal(store_rule_insert(two, &r, &rule), PH_OK);
    unit_change(two, &a, top, false, 0);
    begin(one);
    assert_int_equal(store_rule_active(one, &a, &items, &n), PH_OK);
    assert_int_equal(n, n0 + 1);
    assert_int_equal(items[0].id, rule);
    assert_string_equal(items[0].name, "mới");
    assert_int_equal(responsible(one, "police", 0), top2);
    assert_int_equal(store_unit_get(one, &a, top, &u), PH_OK);
    assert_false(u.is_active);
    commit(one);

    store_close(one);
    store_close(two);
    arena_release(&a);
    assert_int_equal(tu_tmpdb_remove(&tmp), 0);
}

/* The kept active rules follow this connection's writes, in a transaction and
 * out of one, and never keep what a rollback undid. Each call gets its own copy. */
static void test_sqlite_rules_active_kept(void **state)
{
    struct fx *f = *state;
    struct routing_rule r = {.name = "trước", .priority = 1, .is_active = true};
    struct routing_rule *items = NULL, *again = NULL;
    size_t n0 = 0, n = 0;
    int64_t id = 0, other = 0;

    begin(f->st);
    assert_int_equal(store_rule_active(f->st, &f->a, &items, &n0), PH_OK);
    assert_int_equal(store_rule_active(f->st, &f->a, &again, &n), PH_OK);
    assert_int_equal(n, n0);
    assert_ptr_not_equal(items, again);
    assert_ptr_not_equal(items[0].name, again[0].name);
    assert_string_equal(items[0].name, again[0].name);
    assert_int_equal(store_rule_insert(f->st, &r, &id), PH_OK);
    assert_int_equal(store_rule_active(f->st, &f->a, &items, &n), PH_OK);
    assert_int_equal(n, n0 + 1);
    assert_int_equal(items[0].id, id);
    assert_int_equal(store_rule_active(f->st, &f->a, &items, &n), PH_OK); /* not kept yet */
    assert_int_equal(items[0].id, id);
    assert_int_equal(store_tx_rollback(f->st), PH_OK);
    begin(f->st);
    assert_int_equal(store_rule_active(f->st, &f->a, &items, &n), PH_OK);
    assert_int_equal(n, n0);
    assert_int_not_equal(items[0].id, id);
    commit(f->st);

    /* Committed: seen, and an update (deactivation) outside a transaction too. */
    begin(f->st);
    assert_int_equal(store_rule_insert(f->st, &r, &other), PH_OK);
    commit(f->st);
    begin(f->st);
    assert_int_equal(store_rule_active(f->st, &f->a, &items, &n), PH_OK);
    assert_int_equal(n, n0 + 1);
    assert_int_equal(items[0].id, other);
    commit(f->st);
    r.id = other;
    r.is_active = false;
    assert_int_equal(store_rule_update(f->st, &r), PH_OK);
    begin(f->st);
    assert_int_equal(store_rule_active(f->st, &f->a, &items, &n), PH_OK);
    assert_int_equal(n, n0);
    assert_int_not_equal(items[0].id, other);
    commit(f->st);
}

int main(void)
{
    log_set_level(LOG_ERROR);
    const struct CMUnitTest tests[] = {
        FX_TEST(test_sqlite_rules_seeded),
        FX_TEST(test_sqlite_rules_crud),
        FX_TEST(test_sqlite_rules_active_order),
        FX_TEST(test_sqlite_settings),
        FX_TEST(test_sqlite_area_candidates),
        FX_TEST(test_sqlite_read_snapshot),
        FX_TEST(test_sqlite_area_candidates_kept),
        cmocka_unit_test(test_sqlite_area_candidates_other_connection),
        FX_TEST(test_sqlite_area_within),
        cmocka_unit_test(test_sqlite_area_bbox_backfill),
        FX_TEST(test_sqlite_unit_responsible),
        cmocka_unit_test(test_sqlite_ref_other_connection),
        FX_TEST(test_sqlite_rules_active_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
