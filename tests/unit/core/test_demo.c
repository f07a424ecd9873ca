/* test_demo.c - the demo province at scale 1 on an in-memory store: the expected
 * numbers of areas, units and people; every unit has a force and areas of
 * responsibility, a commune unit exactly its commune; every name is NFC; the same
 * scale gives the same records; a second run is refused; progress reaches the total.
 * One generated store is shared by the read-only cases (argon2id for the demo
 * accounts is slow under the sanitizers). */
#include "util/base.h"
#include "testutil.h"
#include "core/access.h"
#include "core/area.h"
#include "core/demo.h"
#include "core/person.h"
#include "core/unit.h"
#include "security/password.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/limits.h"
#include "util/text.h"

struct progress_log {
    int64_t calls, last_done, total;
    bool is_monotonic;
};

static void on_progress(void *ctx, int64_t done, int64_t total)
{
    struct progress_log *pl = ctx;
    if (done < pl->last_done || (pl->total != 0 && total != pl->total))
        pl->is_monotonic = false;
    pl->calls++;
    pl->last_done = done;
    pl->total = total;
}

struct demo_fx {
    struct tu_fx tu; /* first, for tu_fx_teardown(); tu.sys generates and reads */
    struct demo_summary sum;
    struct progress_log pl;
};

static struct demo_fx *fx_new(void)
{
    struct demo_fx *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    tu_fx_open(&f->tu);
    f->pl.is_monotonic = true;
    assert_int_equal(demo_generate(&f->tu.sys, 1, on_progress, &f->pl, &f->sum), PH_OK);
    return f;
}

static void fx_free(struct demo_fx *f)
{
    tu_fx_close(&f->tu);
    free(f);
}

static int group_setup(void **state)
{
    unsetenv("PHOIHOP_DEMO_PASSWORD");
    if (password_lib_init() != PH_OK)
        return -1;
    *state = fx_new();
    return 0;
}

/* ---- listing everything ------------------------------------------------------------ */

/* One page of a list as cx's user sees it: the records after after_id, in *items
 * (in cx's arena). One adapter per kind of record, for all_of(). */
static ph_err area_page(struct core_ctx *cx, int64_t after_id, void **items, size_t *n,
                        bool *has_more)
{
    struct area_filter f = {.after_id = after_id, .limit = LIST_MAX_LIMIT};
    struct area *page = NULL;
    ph_err rc = area_list(cx, &f, &page, n, has_more);
    *items = page;
    return rc;
}

static ph_err unit_page(struct core_ctx *cx, int64_t after_id, void **items, size_t *n,
                        bool *has_more)
{
    struct unit_filter f = {
        .include_inactive = true, .after_id = after_id, .limit = LIST_MAX_LIMIT};
    struct unit *page = NULL;
    ph_err rc = unit_list(cx, &f, &page, n, has_more);
    *items = page;
    return rc;
}

static ph_err person_page(struct core_ctx *cx, int64_t after_id, void **items, size_t *n,
                          bool *has_more)
{
    struct person_filter f = {
        .include_disabled = true, .after_id = after_id, .limit = LIST_MAX_LIMIT};
    struct person *page = NULL;
    ph_err rc = person_list(cx, &f, &page, n, has_more);
    *items = page;
    return rc;
}

/* Every record page() lists, walked with the cursor, copied into one malloc'd array
 * of records of size bytes whose int64_t id is at id_offset; the caller frees it. */
static void *all_of(struct core_ctx *cx, size_t size, size_t id_offset,
                    ph_err (*page)(struct core_ctx *, int64_t, void **, size_t *, bool *),
                    size_t *n_all)
{
    char *all = NULL;
    int64_t after_id = 0;
    *n_all = 0;
    for (bool has_more = true; has_more;) {
        void *items = NULL;
        size_t n = 0;
        assert_int_equal(page(cx, after_id, &items, &n, &has_more), PH_OK);
        all = realloc(all, (*n_all + n + 1) * size);
        assert_non_null(all);
        memcpy(all + *n_all * size, items, n * size);
        *n_all += n;
        if (n == 0)
            break;
        memcpy(&after_id, (const char *)items + (n - 1) * size + id_offset, sizeof(after_id));
    }
    return all;
}

static size_t all_areas(struct core_ctx *cx, struct area **out)
{
    size_t n = 0;
    *out = all_of(cx, sizeof(**out), offsetof(struct area, id), area_page, &n);
    return n;
}

static size_t all_units(struct core_ctx *cx, struct unit **out)
{
    size_t n = 0;
    *out = all_of(cx, sizeof(**out), offsetof(struct unit, id), unit_page, &n);
    return n;
}

static size_t all_people(struct core_ctx *cx, struct person **out)
{
    size_t n = 0;
    *out = all_of(cx, sizeof(**out), offsetof(struct person, id), person_page, &n);
    return n;
}

static void assert_nfc(struct arena *a, const char *s)
{
    char *nfc = NULL;
    assert_non_null(s);
    assert_int_equal(text_nfc(a, s, &nfc), PH_OK);
    if (strcmp(nfc, s) != 0)
        fail_msg("not NFC: '%s'", s);
}

/* ---- cases --------------------------------------------------------------------------- */

static void test_demo_summary_counts(void **state)
{
    struct demo_fx *f = *state;
    const struct demo_summary *s = &f->sum;

    assert_int_equal(s->scale, 1);
    assert_string_equal(s->province, "Tỉnh Bến Tre");
    assert_int_equal(s->areas, 83);
    assert_int_equal(s->districts, 9);
    assert_int_equal(s->communes, 72);
    assert_int_equal(s->coastal_communes, 6);
    assert_int_equal(s->sea_areas, 1);
    assert_int_equal(s->units, 171);
    assert_int_equal(s->units_police, 82);
    assert_int_equal(s->units_military, 82);
    assert_int_equal(s->units_border_guard, 7);
    assert_int_equal(s->people, 402);
    assert_int_equal(s->n_accounts, 9);
    assert_false(s->is_password_from_env);
    assert_string_equal(s->accounts[0].username, "demo.admin.ca");
    assert_string_equal(s->accounts[0].role, "admin");
    assert_string_equal(s->accounts[0].unit, "Công an tỉnh Bến Tre");
}

static void test_demo_store_counts(void **state)
{
    struct demo_fx *f = *state;
    struct area *areas = NULL;
    struct unit *units = NULL;
    struct person *people = NULL;
    size_t n_areas = all_areas(&f->tu.sys, &areas), n_units = all_units(&f->tu.sys, &units);
    size_t n_people = all_people(&f->tu.sys, &people), coastal = 0, sea = 0, with_password = 0;

    assert_int_equal(n_areas, 83);
    assert_int_equal(n_units, 171);
    assert_int_equal(n_people, 402);
    for (size_t i = 0; i < n_areas; i++) {
        coastal += strcmp(areas[i].kind, "coastal") == 0;
        sea += strcmp(areas[i].kind, "sea") == 0;
        if (strcmp(areas[i].kind, "coastal") == 0)
            assert_string_equal(areas[i].level, "commune");
    }
    assert_int_equal(coastal, 6);
    assert_int_equal(sea, 1);
    for (size_t i = 0; i < n_people; i++) {
        assert_true(people[i].unit_id != 0);
        if (people[i].has_password) {
            with_password++;
            assert_memory_equal(people[i].username, "demo.", 5);
        }
    }
    assert_int_equal(with_password, 9);
    free(areas);
    free(units);
    free(people);
}

static void test_demo_units_have_force_and_areas(void **state)
{
    struct demo_fx *f = *state;
    struct unit *units = NULL;
    size_t n = all_units(&f->tu.sys, &units);

    for (size_t i = 0; i < n; i++) {
        struct unit u;
        assert_int_equal(unit_get(&f->tu.sys, units[i].id, &u), PH_OK);
        assert_true(force_is_valid(u.force));
        assert_true(level_is_valid(u.level));
        if (u.n_areas == 0)
            fail_msg("unit %s has no areas", u.code);
        if (strcmp(u.level, "commune") == 0) {
            struct area a;
            assert_int_equal(u.n_areas, 1);
            assert_int_equal(area_get(&f->tu.sys, u.area_ids[0], &a), PH_OK);
            assert_string_equal(a.level, "commune");
        }
        if (u.parent_id != 0) {
            struct unit parent;
            assert_int_equal(unit_get(&f->tu.sys, u.parent_id, &parent), PH_OK);
            assert_string_equal(parent.force, u.force);
            assert_true(level_rank(parent.level) < level_rank(u.level));
        }
        if (strcmp(u.force, "border_guard") == 0) {
            /* The border guard holds the sea and coastal communes, nothing inland. */
            for (size_t k = 0; k < u.n_areas; k++) {
                struct area a;
                assert_int_equal(area_get(&f->tu.sys, u.area_ids[k], &a), PH_OK);
                assert_true(strcmp(a.kind, "sea") == 0 || strcmp(a.kind, "coastal") == 0);
            }
        }
    }
    free(units);
}

static void test_demo_names_are_nfc(void **state)
{
    struct demo_fx *f = *state;
    struct area *areas = NULL;
    struct unit *units = NULL;
    struct person *people = NULL;
    size_t n_areas = all_areas(&f->tu.sys, &areas), n_units = all_units(&f->tu.sys, &units);
    size_t n_people = all_people(&f->tu.sys, &people);

    for (size_t i = 0; i < n_areas; i++)
        assert_nfc(&f->tu.a, areas[i].name);
    for (size_t i = 0; i < n_units; i++)
        assert_nfc(&f->tu.a, units[i].name);
    for (size_t i = 0; i < n_people; i++) {
        assert_nfc(&f->tu.a, people[i].full_name);
        if (people[i].rank != NULL)
            assert_nfc(&f->tu.a, people[i].rank);
        assert_nfc(&f->tu.a, people[i].position);
        assert_true(person_username_valid(people[i].username));
    }
    free(areas);
    free(units);
    free(people);
}

static void test_demo_geometry_valid(void **state)
{
    struct demo_fx *f = *state;
    struct area *areas = NULL;
    size_t n = all_areas(&f->tu.sys, &areas);

    for (size_t i = 0; i < n; i++) {
        struct area a;
        const char *why = NULL;
        assert_int_equal(area_get(&f->tu.sys, areas[i].id, &a), PH_OK);
        assert_non_null(a.geometry);
        if (!area_geometry_valid(a.geometry, &why))
            fail_msg("area %s: %s", a.code, why != NULL ? why : "invalid geometry");
    }
    free(areas);
}

static void test_demo_progress_reaches_total(void **state)
{
    struct demo_fx *f = *state;
    assert_true(f->pl.is_monotonic);
    assert_true(f->pl.calls >= 3);
    assert_int_equal(f->pl.total, 83 + 171 + 402);
    assert_int_equal(f->pl.last_done, f->pl.total);
}

static void test_demo_refuses_twice(void **state)
{
    struct demo_fx *f = *state;
    struct demo_summary again;
    struct area *areas = NULL;

    assert_int_equal(demo_generate(&f->tu.sys, 1, NULL, NULL, &again), PH_ECONFLICT);
    assert_int_equal(all_areas(&f->tu.sys, &areas), 83);
    free(areas);
}

static void test_demo_scale_range(void **state)
{
    struct demo_fx *f = *state;
    struct demo_summary s;
    assert_int_equal(demo_generate(&f->tu.sys, 0, NULL, NULL, &s), PH_EINVAL);
    assert_int_equal(demo_generate(&f->tu.sys, DEMO_MAX_SCALE + 1, NULL, NULL, &s), PH_EINVAL);
}

static void test_demo_deterministic(void **state)
{
    struct demo_fx *f = *state, *g = fx_new();
    struct person *p1 = NULL, *p2 = NULL;
    struct unit *u1 = NULL, *u2 = NULL;
    size_t n1 = all_people(&f->tu.sys, &p1), n2 = all_people(&g->tu.sys, &p2);

    assert_int_equal(g->sum.areas, f->sum.areas);
    assert_int_equal(g->sum.coastal_communes, f->sum.coastal_communes);
    assert_int_equal(g->sum.units, f->sum.units);
    assert_int_equal(g->sum.units_border_guard, f->sum.units_border_guard);
    assert_int_equal(g->sum.people, f->sum.people);
    assert_int_equal(g->sum.n_accounts, f->sum.n_accounts);
    for (size_t i = 0; i < f->sum.n_accounts; i++) {
        assert_string_equal(g->sum.accounts[i].username, f->sum.accounts[i].username);
        assert_string_equal(g->sum.accounts[i].unit, f->sum.accounts[i].unit);
    }
    assert_int_equal(n1, n2);
    for (size_t i = 0; i < n1; i++) {
        assert_string_equal(p1[i].username, p2[i].username);
        assert_string_equal(p1[i].full_name, p2[i].full_name);
        assert_int_equal(p1[i].clearance, p2[i].clearance);
    }
    n1 = all_units(&f->tu.sys, &u1);
    n2 = all_units(&g->tu.sys, &u2);
    assert_int_equal(n1, n2);
    for (size_t i = 0; i < n1; i++) {
        assert_string_equal(u1[i].code, u2[i].code);
        assert_string_equal(u1[i].name, u2[i].name);
    }
    free(p1);
    free(p2);
    free(u1);
    free(u2);
    fx_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_demo_summary_counts),
        cmocka_unit_test(test_demo_store_counts),
        cmocka_unit_test(test_demo_units_have_force_and_areas),
        cmocka_unit_test(test_demo_names_are_nfc),
        cmocka_unit_test(test_demo_geometry_valid),
        cmocka_unit_test(test_demo_progress_reaches_total),
        cmocka_unit_test(test_demo_refuses_twice),
        cmocka_unit_test(test_demo_scale_range),
        cmocka_unit_test(test_demo_deterministic),
    };
    return cmocka_run_group_tests(tests, group_setup, tu_fx_teardown);
}
