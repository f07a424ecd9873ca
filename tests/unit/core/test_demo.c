/* test_demo.c - the demo province at scale 1 on an in-memory store: the expected
 * numbers of areas, units and people; every unit has a force and areas of
 * responsibility, a commune unit exactly its commune; every name is NFC; the same
 * scale gives the same records; a second run is refused; progress reaches the total.
 * Incidents: a year of them, numbered BT-YYYY-NNNNNN without repeats, some reported
 * late, acknowledged in stages by the units' people (some late, some refused),
 * most closed, a few exercises and tests, and more of them in the communes of the
 * growing clusters than in the average commune, and more late in the year there.
 * Bulletins: a daily report from every district-level unit to its province
 * command and a weekly one between the province commands, one per period, some
 * late and a few never (recorded missing, with their events), acknowledged by the
 * recipients (some late, found overdue).
 * Operations: a year of patrols, control and checkpoints, most of them joint,
 * manned by patrol members added to the units (no one on two at once), one
 * active now and a few planned, with results logs (a few entries made
 * incidents) and tracks: the devices' positions inside each operation's active
 * interval, in time order, every 10 s in the last 30 days.
 * One generated store is shared by the read-only cases (argon2id for the demo
 * accounts is slow under the sanitizers). */
#include "util/base.h"
#include <math.h>
#include "testutil.h"
#include "core/access.h"
#include "core/area.h"
#include "core/bulletin.h"
#include "core/demo.h"
#include "core/geo.h"
#include "core/hotspot.h"
#include "core/incident.h"
#include "core/operation.h"
#include "core/person.h"
#include "core/position.h"
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

/* Every incident, newest first, walked with the cursor; the caller frees the array.
 * Strings live in cx's arena. */
static size_t all_incidents(struct core_ctx *cx, struct incident **out)
{
    struct incident_filter f = {.limit = LIST_MAX_LIMIT};
    struct incident *all = NULL;
    size_t n_all = 0;
    for (bool has_more = true; has_more;) {
        struct incident *items = NULL;
        size_t n = 0;
        assert_int_equal(incident_list(cx, &f, &items, &n, &has_more), PH_OK);
        all = realloc(all, (n_all + n + 1) * sizeof(*all));
        assert_non_null(all);
        memcpy(all + n_all, items, n * sizeof(*items));
        n_all += n;
        if (n == 0)
            break;
        f.before_id = items[n - 1].id;
    }
    *out = all;
    return n_all;
}

/* Every bulletin, newest first, walked with the cursor; the caller frees the array.
 * Strings live in cx's arena. */
static size_t all_bulletins(struct core_ctx *cx, struct bulletin **out)
{
    struct bulletin_filter f = {.limit = LIST_MAX_LIMIT};
    struct bulletin *all = NULL;
    size_t n_all = 0;
    for (bool has_more = true; has_more;) {
        struct bulletin *items = NULL;
        size_t n = 0;
        assert_int_equal(bulletin_list(cx, &f, &items, &n, &has_more), PH_OK);
        all = realloc(all, (n_all + n + 1) * sizeof(*all));
        assert_non_null(all);
        memcpy(all + n_all, items, n * sizeof(*items));
        n_all += n;
        if (n == 0)
            break;
        f.before_id = items[n - 1].id;
    }
    *out = all;
    return n_all;
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
    assert_int_equal(s->people, 402 + 156); /* the units' roles, the patrol members */
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
    assert_int_equal(n_people, 402 + 156);
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
    assert_true(f->pl.calls >= 4);
    /* Every planned report counts, also one that would be made after "now". */
    assert_true(f->pl.total >= 83 + 171 + 402 + f->sum.incidents + f->sum.operations);
    assert_int_equal(f->pl.last_done, f->pl.total);
}

/* ---- incidents --------------------------------------------------------------------------- */

static bool is_ref(const char *ref)
{
    /* "BT-2025-000123" */
    if (strlen(ref) != 14 || strncmp(ref, "BT-", 3) != 0 || ref[7] != '-')
        return false;
    for (int i = 3; i < 14; i++)
        if (i != 7 && (ref[i] < '0' || ref[i] > '9'))
            return false;
    return true;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "12 2026-03-02": a bulletin's schedule and period; the caller frees it. */
static char *tfmt_key(int64_t schedule_id, const char *period_start)
{
    char *k = NULL;
    if (asprintf(&k, "%lld %s", (long long)schedule_id, period_start) < 0)
        abort();
    return k;
}

static void test_demo_incidents_created(void **state)
{
    struct demo_fx *f = *state;
    const struct demo_summary *s = &f->sum;
    struct incident *items = NULL;
    size_t n = all_incidents(&f->tu.sys, &items), late = 0, exercise = 0, test = 0, closed = 0;
    const char **refs = calloc(n + 1, sizeof(*refs));
    const char *prefix = NULL;

    assert_non_null(refs);
    assert_string_equal(s->ref_prefix, "BT");
    assert_int_equal(incident_ref_prefix_get(&f->tu.sys, &prefix), PH_OK);
    assert_string_equal(prefix, "BT");
    assert_true(s->incidents >= 1500 && s->incidents <= 3500);
    assert_int_equal((int64_t)n, s->incidents);
    assert_int_equal(s->incidents_to - s->incidents_from, INT64_C(365) * 86400000);
    assert_true(s->incidents_to <= f->tu.sys.now_ms);
    for (size_t i = 0; i < n; i++) {
        const struct incident *inc = &items[i];
        if (!is_ref(inc->ref))
            fail_msg("bad reference number '%s'", inc->ref);
        refs[i] = inc->ref;
        assert_true(inc->occurred_at >= s->incidents_from && inc->occurred_at < s->incidents_to);
        assert_true(inc->detected_at >= inc->occurred_at);
        assert_true(inc->reported_at >= inc->detected_at);
        assert_true(inc->lead_unit_id != 0);
        assert_true(inc->area_id != 0);
        assert_nfc(&f->tu.a, inc->title);
        late += inc->report_late;
        exercise += strcmp(inc->cap_status, "exercise") == 0;
        test += strcmp(inc->cap_status, "test") == 0;
        closed += strcmp(inc->status, "closed") == 0;
    }
    qsort(refs, n, sizeof(*refs), cmp_str);
    for (size_t i = 1; i < n; i++)
        if (strcmp(refs[i - 1], refs[i]) == 0)
            fail_msg("reference number %s given twice", refs[i]);
    /* Some late, not most; a few drills and tests; most done with. */
    assert_int_equal((int64_t)late, s->incidents_late);
    assert_true(late > n / 50 && late < n / 4);
    assert_int_equal((int64_t)exercise, s->incidents_exercise);
    assert_int_equal((int64_t)test, s->incidents_test);
    assert_true(exercise > 0 && test > 0 && exercise + test < n / 20);
    assert_int_equal((int64_t)closed, s->incidents_closed);
    assert_true(closed > n / 2);
    assert_true(s->transfers > 0 && s->merges > 0);
    free(refs);
    free(items);
}

static void test_demo_incidents_acknowledged(void **state)
{
    struct demo_fx *f = *state;
    const struct demo_summary *s = &f->sum;
    struct incident *items = NULL;
    size_t n = all_incidents(&f->tu.sys, &items), with_acks = 0, late_acks = 0, refused = 0;

    assert_true(s->acknowledgements > s->incidents);
    assert_true(s->acknowledgements_late > 0 && s->acknowledgements_late < s->acknowledgements / 5);
    assert_true(s->refusals > 0 && s->refusals < s->incidents / 10);
    assert_true(s->overdue_marked > 0);
    /* A sample of them, read back: stages by people of the units, in order. */
    for (size_t i = 0; i < n; i += 7) {
        struct incident_ack *acks = NULL;
        size_t n_acks = 0;
        assert_int_equal(incident_acks(&f->tu.sys, items[i].id, &acks, &n_acks), PH_OK);
        with_acks += n_acks > 0;
        for (size_t k = 0; k < n_acks; k++) {
            assert_true(acks[k].person_id != 0);
            assert_non_null(acks[k].person_name);
            late_acks += !acks[k].on_time;
            if (strcmp(acks[k].stage, ACK_REFUSED) == 0) {
                refused++;
                assert_non_null(acks[k].note);
            }
            if (k > 0)
                assert_true(acks[k].at >= acks[k - 1].at);
        }
    }
    assert_true(with_acks > n / 7 / 2);
    assert_true(late_acks > 0);
    (void)refused;
    free(items);
}

/* The incidents in the area a cluster's centre lies in, by quarter of the year. */
static void cluster_counts(struct demo_fx *f, const struct incident *items, size_t n,
                           int64_t area_id, int64_t quarter[4], int64_t *total)
{
    const struct demo_summary *s = &f->sum;
    *total = 0;
    memset(quarter, 0, 4 * sizeof(*quarter));
    for (size_t i = 0; i < n; i++) {
        if (items[i].area_id != area_id)
            continue;
        (*total)++;
        int64_t q =
            (items[i].occurred_at - s->incidents_from) * 4 / (s->incidents_to - s->incidents_from);
        quarter[q < 0 ? 0 : q > 3 ? 3 : q]++;
    }
}

static void test_demo_incidents_clustered(void **state)
{
    struct demo_fx *f = *state;
    struct incident *items = NULL;
    size_t n = all_incidents(&f->tu.sys, &items), in_communes = 0;
    int64_t quarter[4], total = 0;

    assert_true(f->sum.incidents_clustered > 100);
    for (size_t i = 0; i < n; i++) {
        struct area a;
        assert_int_equal(area_get(&f->tu.sys, items[i].area_id, &a), PH_OK);
        in_communes += strcmp(a.level, "commune") == 0;
    }
    double mean = (double)in_communes / 72.0;
    for (size_t j = 0; j < demo_n_clusters; j++) {
        const struct demo_cluster *c = &demo_clusters[j];
        int64_t area_id = 0;
        struct area a;
        assert_int_equal(geo_resolve_area(&f->tu.sys, c->lat, c->lon, "2026-01-01", &area_id),
                         PH_OK);
        assert_true(area_id != 0);
        assert_int_equal(area_get(&f->tu.sys, area_id, &a), PH_OK);
        if (c->is_at_sea) {
            assert_string_equal(a.kind, "sea");
            continue;
        }
        assert_string_equal(a.level, "commune");
        cluster_counts(f, items, n, area_id, quarter, &total);
        if ((double)total < 1.8 * mean)
            fail_msg("cluster %zu (%s): %lld incidents in %s, the mean commune has %.1f", j,
                     c->name, (long long)total, a.name, mean);
        /* Growing: the last quarter has more than the first. */
        if (quarter[3] <= quarter[0])
            fail_msg("cluster %zu (%s) does not grow: %lld, %lld, %lld, %lld", j, c->name,
                     (long long)quarter[0], (long long)quarter[1], (long long)quarter[2],
                     (long long)quarter[3]);
    }
    free(items);
}

/* ---- hot spots ------------------------------------------------------------------------ */

static bool hot_near(const struct hotspot_surface *s, double lon, double lat, double cell_m)
{
    /* The centre's cell or one of its neighbours (a cell's width away each way). */
    double dlat = cell_m / 111320.0, dlon = dlat / cos(lat * M_PI / 180);
    for (int i = -1; i <= 1; i++)
        for (int k = -1; k <= 1; k++) {
            int64_t c = hs_grid_cell_of(s->grid, lon + k * dlon, lat + i * dlat);
            if (c < 0)
                continue;
            enum hs_trend_class t = (enum hs_trend_class)s->trend[c].trend_class;
            if (t == HS_NEW_HOT || t == HS_CONSECUTIVE_HOT || t == HS_INTENSIFYING_HOT ||
                t == HS_PERSISTENT_HOT)
                return true;
        }
    return false;
}

/* Every planted growing cluster is an emerging hot spot over weekly slices of the
 * year; a quiet inland place far from them is not. */
static void test_demo_clusters_are_emerging_hot_spots(void **state)
{
    struct demo_fx *f = *state;
    struct hotspot_surface s;
    const char *field = NULL;
    /* The last 16 weeks, when every cluster is under way (the last starts on day
     * 210), on 2 km cells with the three previous weeks as neighbours in time: at
     * scale 1 a cell sees a few incidents a week, and over the whole year the
     * early, sparse weeks make even a growing cluster "sporadic". */
    struct hotspot_query q = {
        .since = f->sum.incidents_to - 16 * 7 * 24 * 3600 * 1000LL,
        .until = f->sum.incidents_to,
        .cell_m = 2000,
        .gi = {.weights = HS_DISTANCE_BAND, .band_m = 3000, .alpha = 0.05},
        .slice_ms = 7 * 24 * 3600 * 1000LL,
        .time_neighbours = 3,
    };

    assert_int_equal(hotspot_emerging(&f->tu.sys, &q, &s, &field), PH_OK);
    assert_int_equal(s.n_slices, 16);
    for (size_t j = 0; j < demo_n_clusters; j++) {
        const struct demo_cluster *c = &demo_clusters[j];
        if (!hot_near(&s, c->lon, c->lat, q.cell_m))
            fail_msg("cluster %zu is not an emerging hot spot", j);
    }
    /* A quiet place: the in-study cell (of a sample) farthest from every
     * cluster, at least 15 km away, with at most 2 incidents. */
    double quiet_lon = 0, quiet_lat = 0, best = 0;
    for (size_t cell = 0; cell < s.n_cells; cell += 97) {
        double lon, lat, nearest = 1e12;
        if (!hs_grid_in_study(s.grid, cell))
            continue;
        hs_grid_centre(s.grid, cell, &lon, &lat);
        for (size_t j = 0; j < demo_n_clusters; j++)
            nearest = fmin(nearest, geo_distance_m(lat, lon, demo_clusters[j].lat,
                                                   demo_clusters[j].lon));
        if (nearest > 15000 && s.value[cell] <= 2 && nearest > best) {
            best = nearest;
            quiet_lon = lon;
            quiet_lat = lat;
        }
    }
    assert_true(best > 0);
    int64_t quiet = hs_grid_cell_of(s.grid, quiet_lon, quiet_lat);
    assert_true(quiet >= 0);
    assert_false(hs_trend_is_hot((enum hs_trend_class)s.trend[quiet].trend_class));
    hotspot_surface_free(&s);
}

/* ---- bulletins --------------------------------------------------------------------------- */

static void test_demo_bulletins(void **state)
{
    struct demo_fx *f = *state;
    const struct demo_summary *s = &f->sum;
    struct core_ctx *sys = &f->tu.sys;
    struct bulletin_schedule *sched = NULL;
    struct bulletin *items = NULL;
    struct store_outbox_event *evs = NULL;
    size_t n_sched = 0, n, daily = 0, weekly = 0, missing = 0, overdue = 0;
    int64_t last = 0;
    bool more = false;
    char **keys;

    /* 9 district police, 9 district military commands and 6 border posts report
     * daily; the 3 province commands weekly. */
    assert_int_equal(s->bulletin_schedules, 27);
    assert_int_equal(bulletin_schedule_list(sys, 0, 0, LIST_MAX_LIMIT, &sched, &n_sched, &more),
                     PH_OK);
    assert_int_equal(n_sched, 27);
    for (size_t i = 0; i < n_sched; i++) {
        struct unit u;
        assert_true(sched[i].is_active);
        assert_int_equal(unit_get(sys, sched[i].unit_id, &u), PH_OK);
        if (strcmp(sched[i].period, BULLETIN_DAILY) == 0) {
            daily++;
            assert_string_equal(u.level, "district");
            assert_string_equal(sched[i].due_local, "07:00");
            assert_int_equal(sched[i].n_to_units, 1);
            assert_int_equal(sched[i].to_unit_ids[0], u.parent_id);
        } else {
            weekly++;
            assert_string_equal(sched[i].period, BULLETIN_WEEKLY);
            assert_string_equal(u.level, "province");
            assert_int_equal(sched[i].due_day, 1);
            assert_int_equal(sched[i].n_to_forces, 2);
        }
    }
    assert_int_equal(daily, 24);
    assert_int_equal(weekly, 3);

    /* A year of them: a few late, a few never. */
    assert_true(s->bulletins > 8000 && s->bulletins < 9500);
    assert_true(s->bulletins_late > 0 && s->bulletins_late < s->bulletins / 20);
    assert_true(s->bulletins_not_sent > 0 && s->bulletins_not_sent < s->bulletins / 50);
    assert_true(s->bulletin_acks > s->bulletins && s->bulletin_acks < 2 * s->bulletins);
    assert_true(s->bulletin_acks_late > 0 && s->bulletin_acks_late < s->bulletin_acks / 10);
    assert_true(s->bulletin_deadline_marks >= s->bulletins_not_sent + s->bulletins_late);
    n = all_bulletins(sys, &items);
    assert_int_equal((int64_t)n, s->bulletins);
    keys = calloc(n + 1, sizeof(*keys));
    assert_non_null(keys);
    for (size_t i = 0; i < n; i++) {
        const struct bulletin *b = &items[i];
        assert_string_equal(b->kind, "periodic");
        assert_true(b->schedule_id > 0);
        assert_non_null(b->period_start);
        assert_true(b->sent_at >= s->incidents_from - 86400000 && b->sent_at <= sys->now_ms);
        assert_non_null(b->situation);
        assert_non_null(b->assessment);
        assert_nfc(&f->tu.a, b->title);
        assert_nfc(&f->tu.a, b->situation);
        assert_true(b->ack_required);
        assert_true(b->n_sent_to >= 1 && b->n_sent_to <= 2);
        keys[i] = tfmt_key(b->schedule_id, b->period_start);
    }
    /* One per schedule and period. */
    qsort(keys, n, sizeof(*keys), cmp_str);
    for (size_t i = 1; i < n; i++)
        if (strcmp(keys[i - 1], keys[i]) == 0)
            fail_msg("two bulletins for %s", keys[i]);
    for (size_t i = 0; i < n; i++)
        free(keys[i]);
    free(keys);
    free(items);

    /* The scheduler's runs left their events: periods missed, acknowledgements late. */
    do {
        assert_int_equal(store_outbox_after(f->tu.st, &f->tu.a, last, 1000, &evs, &n), PH_OK);
        for (size_t i = 0; i < n; i++) {
            missing += strcmp(evs[i].topic, "bulletin.missing") == 0;
            overdue += strcmp(evs[i].topic, "bulletin.overdue") == 0;
        }
        if (n > 0)
            last = evs[n - 1].id;
    } while (n > 0);
    assert_true(missing >= (size_t)(s->bulletins_not_sent + s->bulletins_late));
    assert_true(overdue > 0);
    assert_int_equal((int64_t)(missing + overdue), s->bulletin_deadline_marks);
}

/* ---- operations --------------------------------------------------------------------------- */

/* Every operation, newest first; the caller frees the array. Strings live in cx's
 * arena. */
static size_t all_operations(struct core_ctx *cx, struct operation **out)
{
    struct operation_filter f = {.limit = LIST_MAX_LIMIT};
    struct operation *all = NULL;
    size_t n_all = 0;
    for (bool has_more = true; has_more;) {
        struct operation *items = NULL;
        size_t n = 0;
        assert_int_equal(operation_list(cx, &f, &items, &n, &has_more), PH_OK);
        all = realloc(all, (n_all + n + 1) * sizeof(*all));
        assert_non_null(all);
        memcpy(all + n_all, items, n * sizeof(*items));
        n_all += n;
        if (n == 0)
            break;
        f.before_id = items[n - 1].id;
    }
    *out = all;
    return n_all;
}

/* The track of operation id: inside its active interval (up to now while active),
 * each device's points in time order, at most step_ms apart but for stops in
 * reporting (checkpoint shifts). The number of points. */
static size_t check_track(struct core_ctx *cx, const struct operation *o, int64_t step_ms)
{
    struct position_track *tracks = NULL;
    size_t n = 0, points = 0;
    int64_t end = o->ended_at != 0 ? o->ended_at : cx->now_ms;

    assert_int_equal(position_operation_track(cx, o->id, 0, 0, &tracks, &n), PH_OK);
    for (size_t i = 0; i < n; i++) {
        size_t close = 0;
        assert_non_null(tracks[i].uid);
        assert_true(tracks[i].person_id != 0);
        for (size_t k = 0; k < tracks[i].n_points; k++) {
            const struct position_point *p = &tracks[i].points[k];
            assert_true(p->at >= o->started_at && p->at <= end);
            assert_true(p->lat > 9.7 && p->lat < 10.45 && p->lon > 105.9 && p->lon < 106.9);
            if (k > 0) {
                assert_true(p->at > tracks[i].points[k - 1].at);
                close += p->at - tracks[i].points[k - 1].at <= step_ms;
            }
        }
        if (tracks[i].n_points > 1)
            assert_true(close >= (tracks[i].n_points - 1) * 9 / 10);
        points += tracks[i].n_points;
    }
    return points;
}

static void test_demo_operations(void **state)
{
    struct demo_fx *f = *state;
    const struct demo_summary *s = &f->sum;
    struct core_ctx *sys = &f->tu.sys;
    struct operation *items = NULL;
    size_t n = all_operations(sys, &items), joint = 0, active = 0, planned = 0, cancelled = 0;
    size_t kinds[4] = {0}, recent = 0, older = 0;

    /* A year of them: most joint and completed, a few called off, one under way,
     * a few planned for the coming days. */
    assert_true(s->operations > 300 && s->operations < 1200);
    assert_int_equal((int64_t)n, s->operations);
    assert_true(s->operations_joint > s->operations / 2 && s->operations_joint < s->operations);
    assert_true(s->operations_completed > s->operations * 9 / 10);
    assert_true(s->operations_cancelled > 0 && s->operations_cancelled < s->operations / 10);
    assert_int_equal(s->operations_active, 1);
    assert_true(s->operations_planned >= 1 && s->operations_planned < 20);
    assert_int_equal(s->operations, s->operations_completed + s->operations_cancelled +
                                        s->operations_active + s->operations_planned);
    assert_true(s->operation_log_entries > s->operations);
    assert_true(s->operation_incidents > 0 && s->operation_incidents < s->incidents / 20);
    assert_int_equal(s->patrol_staff, 156);
    assert_int_equal(s->assets, 42);
    assert_true(s->devices > 100);
    assert_true(s->positions > 200000);
    for (size_t i = 0; i < n; i++) {
        const struct operation *o = &items[i];
        assert_nfc(&f->tu.a, o->title);
        joint += o->is_joint;
        kinds[strcmp(o->kind, OPERATION_CHECKPOINT) == 0 ? 3
              : strcmp(o->kind, OPERATION_CONTROL) == 0  ? 2
              : strcmp(o->domain, "river") == 0          ? 1
                                                         : 0]++;
        if (strcmp(o->status, OPERATION_ACTIVE) == 0) {
            active++;
            assert_true(o->started_at < sys->now_ms && o->started_at > sys->now_ms - 4 * 3600000);
            assert_true(check_track(sys, o, 10000) > 100);
        } else if (strcmp(o->status, OPERATION_PLANNED) == 0) {
            planned++;
            assert_true(o->planned_start > sys->now_ms - 600000 &&
                        o->planned_start < sys->now_ms + 8 * 86400000LL);
        } else if (strcmp(o->status, OPERATION_CANCELLED) == 0) {
            cancelled++;
            assert_non_null(o->cancel_reason);
        } else {
            assert_string_equal(o->status, OPERATION_COMPLETED);
            assert_true(o->ended_at > o->started_at && o->ended_at <= sys->now_ms);
            /* A sample of tracks: every 10 s in the last 30 days, sparser before. */
            bool is_recent = o->started_at > sys->now_ms - 29 * 86400000LL;
            if (strcmp(o->kind, OPERATION_CHECKPOINT) != 0 && (is_recent ? recent : older) < 3) {
                assert_true(check_track(sys, o, is_recent ? 10000 : 60000) > 50);
                *(is_recent ? &recent : &older) += 1;
            }
        }
    }
    assert_int_equal((int64_t)joint, s->operations_joint);
    assert_int_equal(active, 1);
    assert_int_equal((int64_t)planned, s->operations_planned);
    assert_int_equal((int64_t)cancelled, s->operations_cancelled);
    assert_true(kinds[0] > 250 && kinds[1] > 150 && kinds[2] > 50 && kinds[3] > 5);
    assert_int_equal(recent, 3);
    assert_int_equal(older, 3);
    free(items);
}

/* The results log of the newest completed operations: entries in its active
 * interval by its people, the incidents made from them linked both ways. */
static void test_demo_operation_logs(void **state)
{
    struct demo_fx *f = *state;
    struct core_ctx *sys = &f->tu.sys;
    struct operation *items = NULL;
    size_t n = all_operations(sys, &items), with_incident = 0, logs = 0;

    for (size_t i = 0; i < n; i++) {
        const struct operation *o = &items[i];
        struct operation_log_entry *entries = NULL;
        struct operation_summary sum;
        size_t n_entries = 0;
        bool more = false;
        if (strcmp(o->status, OPERATION_COMPLETED) != 0)
            continue;
        assert_int_equal(operation_log_list(sys, o->id, 0, 100, &entries, &n_entries, &more),
                         PH_OK);
        assert_int_equal(operation_summary(sys, o->id, &sum), PH_OK);
        assert_int_equal(sum.entries, (int64_t)n_entries);
        logs += n_entries > 0;
        for (size_t k = 0; k < n_entries; k++) {
            const struct operation_log_entry *e = &entries[k];
            bool is_assigned = false;
            assert_true(e->at >= o->started_at && e->at <= o->ended_at);
            assert_true(e->has_location);
            assert_nfc(&f->tu.a, e->text);
            for (size_t p = 0; p < o->n_people; p++)
                is_assigned = is_assigned || o->people_ids[p] == e->person_id;
            assert_true(is_assigned);
            if (e->incident_id != 0) {
                struct incident inc;
                assert_int_equal(incident_get(sys, e->incident_id, &inc), PH_OK);
                assert_int_equal(inc.operation_id, o->id);
                assert_int_equal(inc.operation_log_id, e->id);
                assert_true(inc.occurred_at <= e->at);
                with_incident++;
            }
        }
    }
    assert_true(logs > n * 8 / 10);
    assert_int_equal((int64_t)with_incident, f->sum.operation_incidents);
    free(items);
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
    struct incident *i1 = NULL, *i2 = NULL;
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
    assert_int_equal(g->sum.incidents, f->sum.incidents);
    assert_int_equal(g->sum.acknowledgements, f->sum.acknowledgements);
    assert_int_equal(g->sum.refusals, f->sum.refusals);
    assert_int_equal(g->sum.overdue_marked, f->sum.overdue_marked);
    assert_int_equal(g->sum.bulletins, f->sum.bulletins);
    assert_int_equal(g->sum.bulletin_acks, f->sum.bulletin_acks);
    assert_int_equal(g->sum.bulletin_deadline_marks, f->sum.bulletin_deadline_marks);
    assert_int_equal(g->sum.operations, f->sum.operations);
    assert_int_equal(g->sum.operation_log_entries, f->sum.operation_log_entries);
    assert_int_equal(g->sum.positions, f->sum.positions);
    n1 = all_incidents(&f->tu.sys, &i1);
    n2 = all_incidents(&g->tu.sys, &i2);
    assert_int_equal(n1, n2);
    for (size_t i = 0; i < n1; i++) {
        assert_string_equal(i1[i].ref, i2[i].ref);
        assert_string_equal(i1[i].title, i2[i].title);
        assert_string_equal(i1[i].status, i2[i].status);
        assert_int_equal(i1[i].occurred_at, i2[i].occurred_at);
        assert_int_equal(i1[i].lead_unit_id, i2[i].lead_unit_id);
    }
    free(p1);
    free(p2);
    free(u1);
    free(u2);
    free(i1);
    free(i2);
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
        cmocka_unit_test(test_demo_incidents_created),
        cmocka_unit_test(test_demo_incidents_acknowledged),
        cmocka_unit_test(test_demo_incidents_clustered),
        cmocka_unit_test(test_demo_clusters_are_emerging_hot_spots),
        cmocka_unit_test(test_demo_bulletins),
        cmocka_unit_test(test_demo_operations),
        cmocka_unit_test(test_demo_operation_logs),
        cmocka_unit_test(test_demo_refuses_twice),
        cmocka_unit_test(test_demo_scale_range),
        cmocka_unit_test(test_demo_deterministic),
    };
    return cmocka_run_group_tests(tests, group_setup, tu_fx_teardown);
}
