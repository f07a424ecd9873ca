/* test_area_realdata.c - the end-to-end check of area history on the real
 * data of ../shared/geo/ (read, never copied; skipped with a message when the
 * directory is missing): import Bến Tre's March 2025 list (9 districts, 148
 * communes) and its boundaries, apply the real July 2025 reorganisation for 83
 * (Bến Tre went fully into Vĩnh Long, 86), file a year of incidents in the old
 * communes (and a few in old districts, some located), then count the same
 * incidents by the old map and by the new one:
 *   - by the old map every incident is in its own commune (none ambiguous);
 *   - by the new map, communes: an old commune fully merged counts for its new
 *     commune, one split between several is reported as ambiguous (the new
 *     communes have no outlines in the data, so no location can decide), and
 *     the new rows plus the ambiguous ones are exactly the old rows, commune by
 *     commune as the successions say;
 *   - by the new map, provinces: all of them in Vĩnh Long. */
#include "util/base.h"
#include <time.h>
#include "geo_fx.h"
#include "core/area.h"
#include "core/area_history.h"
#include "core/area_import.h"
#include "core/incident.h"
#include "core/category.h"
#include "core/geo.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/time.h"

#define OLD_FROM "2024-01-01"
#define REORG "2025-07-01"
#define OLD_DAY "2025-06-30"
#define NEW_DAY "2025-11-24"
#define N_INCIDENTS 730 /* two a day for a year */
#define DAY_MS (24LL * 3600 * 1000)

static void import(struct core_ctx *cx, const char *path, enum area_import_kind kind,
                   const char *effective)
{
    struct area_import_opts o = {.kind = kind, .province = "83", .effective = effective};
    struct area_import_report rep;
    const char *field = NULL;
    size_t len = 0;
    char *json;
    ph_err rc;

    NEED_FILE(path, json, len);
    memset(&rep, 0, sizeof(rep));
    rc = TX(cx, area_import(cx, json, len, &o, &rep, &field));
    free(json);
    if (rc != PH_OK)
        fail_msg("import %s: %d (%s)", path, rc, field != NULL ? field : "");
}

/* Every area of level valid on date, into *items (cx->arena). */
static size_t areas_of(struct core_ctx *cx, const char *level, const char *date,
                       struct area **items)
{
    struct area_filter f = {.level = level, .at = date, .limit = LIST_MAX_LIMIT};
    struct area *all = NULL;
    size_t total = 0;
    bool more = true;

    while (more) {
        struct area *page = NULL;
        size_t n = 0;
        assert_int_equal(store_area_list(cx->st, cx->arena, &f, &page, &n, &more), PH_OK);
        if (n == 0)
            break;
        struct area *grown = arena_alloc(cx->arena, (total + n) * sizeof(*grown));
        if (total > 0)
            memcpy(grown, all, total * sizeof(*all));
        memcpy(grown + total, page, n * sizeof(*page));
        all = grown;
        total += n;
        f.after_id = page[n - 1].id;
    }
    *items = all;
    return total;
}

static int64_t row_of(const struct area_count_result *r, int64_t area_id)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->rows[i].area_id == area_id)
            return r->rows[i].count;
    return 0;
}

static int64_t unit_at(struct core_ctx *sys, const char *code, const char *force, int64_t area)
{
    struct unit u = tu_unit(code, code, force, "province", 0);
    int64_t areas[1] = {area};
    u.area_ids = areas;
    u.n_areas = 1;
    return tu_unit_create(sys, u);
}

static void test_area_realdata_year_by_old_and_new_map(void **state)
{
    struct tu_fx *t = *state;
    struct core_ctx *sys = &t->sys;
    struct area *communes = NULL, *districts = NULL, *provinces = NULL, *new_communes = NULL;
    struct category crime;
    int64_t *per_commune, old_start, p83 = 0, p86 = 0, police, ambiguous_want = 0;
    size_t orphans = 0; /* old communes the mapping does not name */
    size_t nc, nd, np, nn;
    struct area_count_result old, now, prov;
    const char *field = NULL;
    clock_t c0;

    import(sys, LIST_FILE, AREA_IMPORT_LIST, OLD_FROM);
    import(sys, GIS_FILE, AREA_IMPORT_BOUNDARIES, OLD_FROM);
    import(sys, MERGES_FILE, AREA_IMPORT_REORGANISATION, REORG);

    nc = areas_of(sys, "commune", OLD_DAY, &communes);
    nd = areas_of(sys, "district", OLD_DAY, &districts);
    np = areas_of(sys, "province", OLD_DAY, &provinces);
    assert_int_equal(nc, 148);
    assert_int_equal(nd, 9);
    assert_int_equal(np, 1);
    p83 = provinces[0].id;
    np = areas_of(sys, "province", NEW_DAY, &provinces);
    assert_int_equal(np, 1);
    assert_string_equal(provinces[0].code, "86");
    p86 = provinces[0].id;
    nn = areas_of(sys, "commune", NEW_DAY, &new_communes);
    assert_true(nn > 0 && nn < nc);
    print_message(
        "Bến Tre: %zu communes, %zu districts before; %zu communes of Vĩnh Long from 83 after\n",
        nc, nd, nn);

    /* The forces' province units, so that routing finds a lead. */
    police = unit_at(sys, "CA-BT", "police", p83);
    (void)unit_at(sys, "QS-BT", "military", p83);
    (void)unit_at(sys, "BP-BT", "border_guard", p83);
    assert_int_equal(category_get_by_code(sys, "crime", &crime), PH_OK);

    /* A year of incidents: commune i % 148, every 12 hours; every tenth in a
     * district instead, half of those at the district's outline centre. */
    per_commune = xcalloc(nc, sizeof(*per_commune));
    assert_int_equal(time_parse_rfc3339("2024-07-01T03:00:00Z", &old_start), PH_OK);
    c0 = clock();
    for (int i = 0; i < N_INCIDENTS; i++) {
        struct incident inc = {.category_id = crime.id,
                               .title = "Trộm cắp tài sản",
                               .occurred_at = old_start + i * (DAY_MS / 2),
                               .reporting_unit_id = police};
        if (i % 10 == 9) {
            const struct area *d = &districts[(size_t)i % nd];
            inc.area_id = d->id;
            if (i % 20 == 19) {
                struct area full;
                assert_int_equal(area_get(sys, d->id, &full), PH_OK);
                if (full.geometry != NULL) {
                    struct geo_shape sh;
                    const char *why = NULL;
                    assert_int_equal(geo_shape_parse(sys->arena, full.geometry,
                                                     strlen(full.geometry), &sh, &why),
                                     PH_OK);
                    inc.has_location = true;
                    inc.lon = (sh.bbox.min_lon + sh.bbox.max_lon) / 2;
                    inc.lat = (sh.bbox.min_lat + sh.bbox.max_lat) / 2;
                }
            }
        } else {
            size_t k = (size_t)i % nc;
            inc.area_id = communes[k].id;
            per_commune[k]++;
        }
        if (TX(sys, incident_create(sys, &inc, NULL, NULL, &field)) != PH_OK)
            fail_msg("incident %d: %s", i, field != NULL ? field : "");
    }
    print_message("%d incidents filed in %.1f s\n", N_INCIDENTS,
                  (double)(clock() - c0) / CLOCKS_PER_SEC);

    /* By the old map: each in its own commune; the district ones at no commune
     * level (they are coarser) unless located inside a commune outline, which
     * the data does not have: ambiguous. */
    int64_t from = old_start - DAY_MS, to = old_start + 400 * DAY_MS;
    assert_int_equal(area_count_incidents(sys, from, to, OLD_DAY, "commune", &old, &field), PH_OK);
    assert_int_equal(old.total, N_INCIDENTS);
    assert_int_equal(old.no_area, 0);
    for (size_t k = 0; k < nc; k++)
        assert_int_equal(row_of(&old, communes[k].id), per_commune[k]);
    assert_int_equal(old.ambiguous, N_INCIDENTS / 10);

    /* By the new map: what the successions say, commune by commune. */
    c0 = clock();
    assert_int_equal(area_count_incidents(sys, from, to, NEW_DAY, "commune", &now, &field), PH_OK);
    print_message("counted by the new map in %.3f s\n", (double)(clock() - c0) / CLOCKS_PER_SEC);
    assert_int_equal(now.total, N_INCIDENTS);
    int64_t *want = arena_zalloc(sys->arena, (nn + 1) * sizeof(*want));
    for (size_t k = 0; k < nc; k++) {
        struct area_succession *succ = NULL;
        size_t ns = 0;
        int64_t to_id = 0;
        assert_int_equal(area_successions(sys, communes[k].id, false, &succ, &ns), PH_OK);
        if (ns == 0)
            orphans++;
        for (size_t s = 0; s < ns && to_id == 0; s++)
            if (strcmp(succ[s].kind, "full") == 0)
                to_id = succ[s].new_area_id;
        if (to_id == 0) {
            ambiguous_want += per_commune[k];
            continue;
        }
        size_t j = 0;
        while (j < nn && new_communes[j].id != to_id)
            j++;
        assert_true(j < nn);
        want[j] += per_commune[k];
    }
    if (orphans > 0)
        print_message("%zu old communes without a successor in the mapping\n", orphans);
    int64_t rows = 0;
    for (size_t j = 0; j < nn; j++) {
        assert_int_equal(row_of(&now, new_communes[j].id), want[j]);
        rows += want[j];
    }
    for (size_t i = 0; i < now.n; i++)
        assert_int_equal(now.rows[i].count, row_of(&now, now.rows[i].area_id));
    /* The district ones cannot be placed in a new commune without outlines. */
    assert_int_equal(now.ambiguous, ambiguous_want + N_INCIDENTS / 10);
    assert_int_equal(rows + now.ambiguous, old.total - old.ambiguous + N_INCIDENTS / 10);
    print_message("by the new map: %lld in %zu communes, %lld ambiguous (split communes and "
                  "districts), e.g. incident %lld\n",
                  (long long)rows, now.n, (long long)now.ambiguous,
                  (long long)(now.n_ambiguous_ids > 0 ? now.ambiguous_ids[0] : 0));

    /* By province: every one of them in Vĩnh Long, none ambiguous. */
    assert_int_equal(area_count_incidents(sys, from, to, NEW_DAY, "province", &prov, &field),
                     PH_OK);
    assert_int_equal(prov.n, 1);
    assert_int_equal(row_of(&prov, p86), N_INCIDENTS);
    assert_int_equal(prov.ambiguous, 0);
    free(per_commune);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TU_FX_TEST(test_area_realdata_year_by_old_and_new_map),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
