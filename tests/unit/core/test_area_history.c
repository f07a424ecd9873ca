/* test_area_history.c - areas across time (core/area_history.c): successions in
 * both directions, an area seen on another day's map (full merges directly,
 * partial ones by the location on the successors' outlines, ambiguous without
 * one or outside them, a lone partial successor only by location, chains
 * followed, backwards to an older map), incidents
 * counted by the old map and by the new one (the same incidents: the new rows
 * plus the ambiguous ones make the old rows), rolled up by level, only what the
 * caller may see; units following the map (proposals made once, confirm puts
 * the new area in place of the old through the unit's update, reject, a second
 * decision is a conflict, admins only and within their units), and routing
 * rules naming closed areas. Operations counted by the areas they touched (a
 * full merge rolls up, a partial one is ambiguous) and positions by their
 * location on the day's map, both only those the caller may see.
 *
 * The fixture is incident_fx.h's province (areas valid from 2020-01-01), then a
 * reorganisation on 2025-07-01 (REORG):
 *   P  (83)   -> P2 (86, new province), full
 *   D  (829)  closed with no successor (districts abolished)
 *   C1, C3    -> N1 (new commune [106.0, 106.15] x [10.0, 10.2]), full
 *   C2        -> N2 ([106.2, 106.25] x [10.0, 10.1]) and N3 ([106.25, 106.3] x
 *                [10.0, 10.1]), partial
 * and on 2026-01-01 N3 -> M (full). New communes lie in P2. */
#include "util/base.h"
#include <math.h>
#include "incident_fx.h"
#include "core/area_history.h"
#include "core/operation.h"
#include "core/position.h"
#include "core/routing.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/time.h"

#define REORG "2025-07-01"
#define BEFORE "2025-03-01"
#define AFTER "2025-11-24" /* the fixture's "now" (1764000000000) in Vietnam */
#define LATER "2026-06-01"

struct hfx {
    struct ifx f; /* first, for tu_fx_teardown() */
    int64_t p2, n1, n2, n3, m;
};

static int64_t new_area(struct core_ctx *sys, const char *code, const char *name, const char *level,
                        int64_t parent, const char *geometry, const char *from, const char *to)
{
    struct area a = {.code = code,
                     .name = name,
                     .level = level,
                     .kind = "inland",
                     .parent_id = parent,
                     .geometry = geometry,
                     .valid_from = from,
                     .valid_to = to};
    const char *field = NULL;
    ph_err rc = TX(sys, area_create(sys, &a, &field));
    if (rc != PH_OK)
        fail_msg("area %s: %d (%s)", code, rc, field != NULL ? field : "");
    return a.id;
}

static void close_area(struct core_ctx *sys, int64_t id, const char *on)
{
    struct area a;
    const char *field = NULL;
    assert_int_equal(area_get(sys, id, &a), PH_OK);
    a.valid_to = on;
    a.version = 0;
    if (TX(sys, area_update(sys, &a, &field)) != PH_OK)
        fail_msg("close area %lld (%s)", (long long)id, field != NULL ? field : "");
}

static void succession(struct core_ctx *sys, int64_t new_id, int64_t old_id, const char *kind,
                       const char *on)
{
    bool changed = false;
    assert_int_equal(store_area_succession_put(sys->st, new_id, old_id, kind, on, &changed), PH_OK);
    assert_true(changed);
}

static int hfx_setup(void **state)
{
    struct hfx *h;
    struct core_ctx *sys;
    void *inner = NULL;

    if (ifx_setup(&inner) != 0)
        return -1;
    h = realloc(inner, sizeof(*h));
    if (h == NULL)
        return -1;
    memset((char *)h + sizeof(h->f), 0, sizeof(*h) - sizeof(h->f));
    sys = &h->f.tu.sys;
    /* The context points into the fixture, which realloc may have moved. */
    h->f.tu.sys = tu_ctx(h->f.tu.st, &h->f.tu.a, &core_system_user);
    h->p2 = new_area(sys, "86", "Tỉnh Vĩnh Long", "province", 0, IFX_SQUARE(105, 9, 107.5, 10.8),
                     REORG, NULL);
    h->n1 = new_area(sys, "29001", "Xã Bình Thắng Mới", "commune", h->p2,
                     IFX_SQUARE(106.0, 10.0, 106.15, 10.2), REORG, NULL);
    h->n2 = new_area(sys, "29002", "Xã Thạnh Phước", "commune", h->p2,
                     IFX_SQUARE(106.2, 10.0, 106.25, 10.1), REORG, NULL);
    h->n3 = new_area(sys, "29003", "Xã Thạnh Hải", "commune", h->p2,
                     IFX_SQUARE(106.25, 10.0, 106.3, 10.1), REORG, "2026-01-01");
    h->m = new_area(sys, "29004", "Xã Hải Mới", "commune", h->p2,
                    IFX_SQUARE(106.25, 10.0, 106.4, 10.1), "2026-01-01", NULL);
    close_area(sys, h->f.c1, REORG);
    close_area(sys, h->f.c2, REORG);
    close_area(sys, h->f.c3, REORG);
    close_area(sys, h->f.d, REORG);
    close_area(sys, h->f.p, REORG);
    succession(sys, h->p2, h->f.p, "full", REORG);
    succession(sys, h->n1, h->f.c1, "full", REORG);
    succession(sys, h->n1, h->f.c3, "full", REORG);
    succession(sys, h->n2, h->f.c2, "partial", REORG);
    succession(sys, h->n3, h->f.c2, "partial", REORG);
    succession(sys, h->m, h->n3, "full", "2026-01-01");
    *state = h;
    return 0;
}

#define HFX_TEST(t) cmocka_unit_test_setup_teardown(t, hfx_setup, tu_fx_teardown)

static int64_t ms_of(const char *rfc3339)
{
    int64_t ms = 0;
    assert_int_equal(time_parse_rfc3339(rfc3339, &ms), PH_OK);
    return ms;
}

/* An incident in area (0: none) on 2025-03-10, at (lat, lon) when located. */
static int64_t old_incident(struct hfx *h, int64_t area, bool located, double lat, double lon)
{
    struct incident inc = ifx_inc(&h->f.tu.sys, h->f.cat_crime, area, "Trộm cắp tài sản");
    inc.occurred_at = ms_of("2025-03-10T03:00:00Z");
    inc.reporting_unit_id = h->f.ca_h;
    inc.has_location = located;
    inc.lat = lat;
    inc.lon = lon;
    return ifx_create(&h->f.tu.sys, &inc);
}

/* ---- successions and the map of a day ------------------------------------------------ */

static void test_area_history_successions(void **state)
{
    struct hfx *h = *state;
    struct core_ctx *sys = &h->f.tu.sys;
    struct area_succession *items = NULL;
    size_t n = 0;

    assert_int_equal(area_successions(sys, h->f.c2, false, &items, &n), PH_OK);
    assert_int_equal(n, 2);
    assert_int_equal(items[0].new_area_id, h->n2);
    assert_string_equal(items[0].kind, "partial");
    assert_string_equal(items[0].effective, REORG);
    assert_string_equal(items[0].old_name, "Xã Thạnh Phước");
    assert_int_equal(items[1].new_area_id, h->n3);

    assert_int_equal(area_successions(sys, h->n1, true, &items, &n), PH_OK);
    assert_int_equal(n, 2);
    assert_string_equal(items[0].kind, "full");
    assert_true((items[0].old_area_id == h->f.c1 && items[1].old_area_id == h->f.c3) ||
                (items[0].old_area_id == h->f.c3 && items[1].old_area_id == h->f.c1));

    assert_int_equal(area_successions(sys, h->f.d, false, &items, &n), PH_OK);
    assert_int_equal(n, 0);
    assert_int_equal(area_successions(sys, 999999, false, &items, &n), PH_ENOTFOUND);
}

static void test_area_history_map_to(void **state)
{
    struct hfx *h = *state;
    struct core_ctx *sys = &h->f.tu.sys;
    const struct {
        int64_t *area;
        bool located;
        double lat, lon;
        const char *at;
        int64_t *want; /* NULL: 0 */
        bool ambiguous;
    } cases[] = {
        /* The same day's map: itself. */
        {&h->f.c1, false, 0, 0, BEFORE, &h->f.c1, false},
        {&h->n2, false, 0, 0, AFTER, &h->n2, false},
        /* Full merges: directly, with or without a location. */
        {&h->f.c1, false, 0, 0, AFTER, &h->n1, false},
        {&h->f.c3, true, 10.05, 106.05, AFTER, &h->n1, false},
        {&h->f.p, false, 0, 0, AFTER, &h->p2, false},
        /* A partial merge: the location decides, else ambiguous. */
        {&h->f.c2, true, 10.05, 106.22, AFTER, &h->n2, false},
        {&h->f.c2, true, 10.05, 106.28, AFTER, &h->n3, false},
        {&h->f.c2, false, 0, 0, AFTER, NULL, true},
        {&h->f.c2, true, 10.3, 106.6, AFTER, NULL, true},
        /* A chain: N3 went fully into M on 2026-01-01. */
        {&h->f.c2, true, 10.05, 106.28, LATER, &h->m, false},
        {&h->n3, false, 0, 0, LATER, &h->m, false},
        /* Closed without a successor. */
        {&h->f.d, false, 0, 0, AFTER, NULL, false},
        /* Backwards: one predecessor holds it all; several need the location. */
        {&h->n2, false, 0, 0, BEFORE, &h->f.c2, false},
        {&h->n1, false, 0, 0, BEFORE, NULL, true},
        {&h->n1, true, 10.05, 106.05, BEFORE, &h->f.c1, false},
        {&h->m, false, 0, 0, AFTER, &h->n3, false},
    };

    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        int64_t to = -1;
        bool amb = false;
        ph_err rc = area_map_to(sys, *cases[i].area, cases[i].located, cases[i].lat, cases[i].lon,
                                cases[i].at, &to, &amb);
        if (rc != PH_OK || to != (cases[i].want != NULL ? *cases[i].want : 0) ||
            amb != cases[i].ambiguous)
            fail_msg("case %zu: rc %d, to %lld, ambiguous %d", i, rc, (long long)to, amb);
    }
    int64_t to = 0;
    bool amb = false;
    assert_int_equal(area_map_to(sys, h->f.c1, false, 0, 0, "2025-13-01", &to, &amb), PH_EINVAL);
    assert_int_equal(area_map_to(sys, 999999, false, 0, 0, AFTER, &to, &amb), PH_ENOTFOUND);
}

/* A lone partial successor: the rest of the old area went somewhere unrecorded,
 * so only a location inside the successor decides. */
static void test_area_history_lone_partial(void **state)
{
    struct hfx *h = *state;
    struct core_ctx *sys = &h->f.tu.sys;
    int64_t c4 = new_area(sys, "28762", "Xã Giao Thạnh", "commune", h->f.d,
                          IFX_SQUARE(106.2, 10.0, 106.4, 10.1), "2020-01-01", REORG);
    int64_t to = -1;
    bool amb = false;

    succession(sys, h->n2, c4, "partial", REORG);
    assert_int_equal(area_map_to(sys, c4, false, 0, 0, AFTER, &to, &amb), PH_OK);
    assert_int_equal(to, 0);
    assert_true(amb);
    assert_int_equal(area_map_to(sys, c4, true, 10.05, 106.22, AFTER, &to, &amb), PH_OK);
    assert_int_equal(to, h->n2);
    assert_false(amb);
    assert_int_equal(area_map_to(sys, c4, true, 10.05, 106.35, AFTER, &to, &amb), PH_OK);
    assert_int_equal(to, 0);
    assert_true(amb);
    /* An invalid location is refused, not treated as unknown. */
    assert_int_equal(area_map_to(sys, c4, true, 91, 106.35, AFTER, &to, &amb), PH_EINVAL);
}

/* ---- counting ------------------------------------------------------------------------ */

static int64_t row_of(const struct area_count_result *r, int64_t area_id)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->rows[i].area_id == area_id)
            return r->rows[i].count;
    return 0;
}

static int64_t rows_sum(const struct area_count_result *r)
{
    int64_t s = 0;
    for (size_t i = 0; i < r->n; i++)
        s += r->rows[i].count;
    return s;
}

static struct area_count_result count(struct core_ctx *cx, const char *at, const char *level)
{
    struct area_count_result r;
    const char *field = NULL;
    ph_err rc = area_count_incidents(cx, ms_of("2025-01-01T00:00:00Z"),
                                     ms_of("2026-01-01T00:00:00Z"), at, level, &r, &field);
    if (rc != PH_OK)
        fail_msg("count at %s by %s: %d (%s)", at, level != NULL ? level : "-", rc,
                 field != NULL ? field : "");
    assert_int_equal(rows_sum(&r) + r.ambiguous + r.no_area, r.total);
    return r;
}

/* The fixture's year: 12 incidents with an area (C1 x3, C3 x2, C2 x5 of which
 * 2 in N2, 1 in N3, 1 without location, 1 outside both, D x2 of which one
 * located inside N1) and one without an area. */
static int64_t file_year(struct hfx *h, int64_t *amb_c2)
{
    for (int i = 0; i < 3; i++)
        old_incident(h, h->f.c1, false, 0, 0);
    old_incident(h, h->f.c3, false, 0, 0);
    old_incident(h, h->f.c3, true, 10.15, 106.12); /* inside N1 only: must not matter */
    old_incident(h, h->f.c2, true, 10.05, 106.21);
    old_incident(h, h->f.c2, true, 10.02, 106.24);
    old_incident(h, h->f.c2, true, 10.05, 106.29);
    amb_c2[0] = old_incident(h, h->f.c2, false, 0, 0);
    amb_c2[1] = old_incident(h, h->f.c2, true, 10.3, 106.6);
    old_incident(h, h->f.d, false, 0, 0);
    old_incident(h, h->f.d, true, 10.05, 106.05);
    return old_incident(h, 0, false, 0, 0);
}

static void test_area_history_count_old_and_new(void **state)
{
    struct hfx *h = *state;
    struct core_ctx *sys = &h->f.tu.sys;
    int64_t amb[2];
    struct area_count_result old, now, prov, later, dist;

    file_year(h, amb);

    /* The old map: every incident in its own area. */
    old = count(sys, BEFORE, NULL);
    assert_int_equal(old.total, 13);
    assert_int_equal(old.no_area, 1);
    assert_int_equal(old.ambiguous, 0);
    assert_int_equal(row_of(&old, h->f.c1), 3);
    assert_int_equal(row_of(&old, h->f.c3), 2);
    assert_int_equal(row_of(&old, h->f.c2), 5);
    assert_int_equal(row_of(&old, h->f.d), 2);
    assert_int_equal(old.rows[0].area_id, h->f.c2); /* largest first */

    /* The new map, communes: full merges roll up, the partial one by location,
     * the rest is reported. The district's located incident finds its commune. */
    now = count(sys, AFTER, "commune");
    assert_int_equal(now.total, 13);
    assert_int_equal(now.no_area, 1);
    assert_int_equal(row_of(&now, h->n1), 3 + 2 + 1);
    assert_int_equal(row_of(&now, h->n2), 2);
    assert_int_equal(row_of(&now, h->n3), 1);
    assert_int_equal(now.ambiguous, 3); /* C2 unlocated, C2 outside, D unlocated */
    assert_int_equal(rows_sum(&old), rows_sum(&now) + now.ambiguous);
    assert_int_equal(now.n_ambiguous_ids, 3);
    bool seen0 = false, seen1 = false;
    for (size_t i = 0; i < now.n_ambiguous_ids; i++) {
        seen0 = seen0 || now.ambiguous_ids[i] == amb[0];
        seen1 = seen1 || now.ambiguous_ids[i] == amb[1];
    }
    assert_true(seen0 && seen1);
    assert_string_equal(now.rows[0].code, "29001");
    assert_string_equal(now.rows[0].name, "Xã Bình Thắng Mới");

    /* By province everything is decided: the new province holds all of the old. */
    prov = count(sys, AFTER, "province");
    assert_int_equal(prov.ambiguous, 0);
    assert_int_equal(prov.n, 1);
    assert_int_equal(row_of(&prov, h->p2), 12);

    /* A chain: on LATER N3 is M. */
    later = count(sys, LATER, "commune");
    assert_int_equal(row_of(&later, h->m), 1);
    assert_int_equal(row_of(&later, h->n3), 0);
    assert_int_equal(later.ambiguous, 3);

    /* The old map by district: all 12 in D. */
    dist = count(sys, BEFORE, "district");
    assert_int_equal(row_of(&dist, h->f.d), 12);
    assert_int_equal(dist.n, 1);

    /* The new map has no districts: nothing can be placed at that level. */
    dist = count(sys, AFTER, "district");
    assert_int_equal(dist.n, 0);
    assert_int_equal(dist.ambiguous, 12);
}

static void test_area_history_count_validation(void **state)
{
    struct hfx *h = *state;
    struct core_ctx *sys = &h->f.tu.sys;
    struct area_count_result r;
    const char *field = NULL;

    assert_int_equal(area_count_incidents(sys, 10, 10, AFTER, NULL, &r, &field), PH_EINVAL);
    assert_string_equal(field, "to");
    assert_int_equal(area_count_incidents(sys, 0, 10, "2025-02-30", NULL, &r, &field), PH_EINVAL);
    assert_string_equal(field, "at");
    assert_int_equal(area_count_incidents(sys, 0, 10, AFTER, "ward", &r, &field), PH_EINVAL);
    assert_string_equal(field, "level");
    /* Default day: today (the context's now). */
    assert_int_equal(area_count_incidents(sys, 0, 10, NULL, "commune", &r, &field), PH_OK);
    assert_int_equal(r.total, 0);
}

static void test_area_history_count_visible_only(void **state)
{
    struct hfx *h = *state;
    int64_t amb[2];
    struct core_ctx x2 = tu_as(&h->f.tu, &h->f.x2);
    struct core_user nobody = {.person_id = 5, .username = "x"};
    struct core_ctx none = tu_as(&h->f.tu, &nobody);
    struct incident_filter f = {.from = ms_of("2025-01-01T00:00:00Z"),
                                .to = ms_of("2026-01-01T00:00:00Z"),
                                .cap_status = "actual",
                                .limit = 500};
    struct incident *items = NULL;
    size_t n = 0;
    bool more = false;
    struct area_count_result r, all;

    file_year(h, amb);
    /* ca_x2 sees what was sent to it (C2's incidents), not C1's. */
    assert_int_equal(incident_list(&x2, &f, &items, &n, &more), PH_OK);
    r = count(&x2, AFTER, "commune");
    all = count(&h->f.tu.sys, AFTER, "commune");
    assert_int_equal(r.total, (int64_t)n);
    assert_true(r.total < all.total);
    assert_int_equal(row_of(&r, h->n1), 0);

    r = count(&none, AFTER, NULL);
    assert_int_equal(r.total, 0);
}

/* ---- operations and positions -------------------------------------------------------- */

/* A planned operation of owner (and participant, 0: none) at point (lat, lon)
 * on 2025-03-10: its areas are those of that day's map. */
static int64_t old_operation(struct hfx *h, int64_t owner, int64_t participant, double lat,
                             double lon)
{
    struct core_ctx *sys = &h->f.tu.sys;
    char geometry[128];
    int64_t units[1] = {participant}, other = 0;
    const char *field = NULL;
    snprintf(geometry, sizeof(geometry), "{\"type\":\"Point\",\"coordinates\":[%.4f,%.4f]}", lon,
             lat);
    struct operation o = {.kind = OPERATION_CHECKPOINT,
                          .domain = "land",
                          .title = "Chốt chặn kiểm soát",
                          .geometry = geometry,
                          .planned_start = ms_of("2025-03-10T01:00:00Z"),
                          .planned_end = ms_of("2025-03-10T05:00:00Z"),
                          .owner_unit_id = owner,
                          .unit_ids = participant != 0 ? units : NULL,
                          .n_units = participant != 0 ? 1 : 0};
    ph_err rc = TX(sys, operation_create(sys, &o, &field, &other));
    if (rc != PH_OK)
        fail_msg("operation: %d (%s)", rc, field != NULL ? field : "");
    return o.id;
}

static struct area_count_result count_ops(struct core_ctx *cx, const char *at, const char *level)
{
    struct area_count_result r;
    const char *field = NULL;
    ph_err rc = area_count_operations(cx, ms_of("2025-01-01T00:00:00Z"),
                                      ms_of("2026-01-01T00:00:00Z"), at, level, &r, &field);
    if (rc != PH_OK)
        fail_msg("count operations at %s: %d (%s)", at, rc, field != NULL ? field : "");
    return r;
}

static void test_area_history_count_operations(void **state)
{
    struct hfx *h = *state;
    struct core_ctx *sys = &h->f.tu.sys;
    struct core_ctx x2 = tu_as(&h->f.tu, &h->f.x2);
    struct area_count_result r;
    const char *field = NULL;
    int64_t in_c1, in_c2, gone;

    in_c1 = old_operation(h, h->f.ca_x1, 0, 10.05, 106.05);
    in_c2 = old_operation(h, h->f.bp_don, h->f.ca_x2, 10.05, 106.25);
    gone = old_operation(h, h->f.ca_x1, 0, 10.06, 106.06);
    assert_int_equal(TX(sys, operation_set_status(sys, gone, 0, OPERATION_CANCELLED, 0,
                                                  "Thay đổi kế hoạch", &field)),
                     PH_OK);

    /* The old map: each in the commune it touched; the cancelled one not at all. */
    r = count_ops(sys, BEFORE, "commune");
    assert_int_equal(r.total, 2);
    assert_int_equal(row_of(&r, h->f.c1), 1);
    assert_int_equal(row_of(&r, h->f.c2), 1);
    assert_int_equal(r.ambiguous, 0);

    /* The new map: C1 went fully into N1; C2 was split and an operation has no
     * single location, so it is ambiguous, listed for review. */
    r = count_ops(sys, AFTER, "commune");
    assert_int_equal(r.total, 2);
    assert_int_equal(row_of(&r, h->n1), 1);
    assert_int_equal(row_of(&r, h->n2) + row_of(&r, h->n3), 0);
    assert_int_equal(r.ambiguous, 1);
    assert_int_equal(r.n_ambiguous_ids, 1);
    assert_int_equal(r.ambiguous_ids[0], in_c2);
    (void)in_c1;

    /* By province both are decided. */
    r = count_ops(sys, AFTER, "province");
    assert_int_equal(row_of(&r, h->p2), 2);
    assert_int_equal(r.ambiguous, 0);

    /* ca_x2 takes part in the C2 one only; no role sees nothing. */
    r = count_ops(&x2, BEFORE, "commune");
    assert_int_equal(r.total, 1);
    assert_int_equal(row_of(&r, h->f.c1), 0);
    assert_int_equal(row_of(&r, h->f.c2), 1);
    struct core_user nobody = {.person_id = 5, .username = "x"};
    struct core_ctx none = tu_as(&h->f.tu, &nobody);
    r = count_ops(&none, AFTER, NULL);
    assert_int_equal(r.total, 0);

    assert_int_equal(area_count_operations(sys, 10, 5, AFTER, NULL, &r, &field), PH_EINVAL);
    assert_string_equal(field, "to");
}

/* A device of unit reporting the n points (lat, lon pairs) an hour apart, ending
 * an hour before the fixture's now. */
static void report(struct hfx *h, const char *uid, int64_t unit, const double *pts, size_t n)
{
    struct core_ctx *sys = &h->f.tu.sys;
    struct device d = {.uid = uid, .kind = "tracker", .unit_id = unit, .is_active = true};
    struct position_report r[8];
    struct position_result res[8];
    struct livepos_fix *fixes = NULL;
    size_t nf = 0;
    const char *field = NULL;

    assert_true(n <= 8);
    assert_int_equal(TX(sys, device_create(sys, &d, &field)), PH_OK);
    for (size_t i = 0; i < n; i++)
        r[i] = (struct position_report){.uid = uid,
                                        .at = sys->now_ms - (int64_t)(n - i) * 3600000,
                                        .lat = pts[2 * i],
                                        .lon = pts[2 * i + 1],
                                        .speed = NAN,
                                        .course = NAN,
                                        .alt = NAN,
                                        .battery = -1,
                                        .source = POSITION_SOURCE_API};
    assert_int_equal(TX(sys, position_ingest(sys, r, n, res, &fixes, &nf)), PH_OK);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(res[i].rc, PH_OK);
}

static struct area_count_result count_pos(struct core_ctx *cx, const char *at, const char *level)
{
    struct area_count_result r;
    const char *field = NULL;
    ph_err rc = area_count_positions(cx, cx->now_ms - 24 * 3600000LL, cx->now_ms + 1, at, level,
                                     &r, &field);
    if (rc != PH_OK)
        fail_msg("count positions at %s: %d (%s)", at, rc, field != NULL ? field : "");
    assert_int_equal(rows_sum(&r) + r.no_area, r.total);
    assert_int_equal(r.ambiguous, 0);
    return r;
}

static void test_area_history_count_positions(void **state)
{
    struct hfx *h = *state;
    struct core_ctx *sys = &h->f.tu.sys;
    struct core_ctx x1 = tu_as(&h->f.tu, &h->f.x1), x2 = tu_as(&h->f.tu, &h->f.x2);
    /* A patrol boat of ca_x1: twice in N1 (old C1), then in N3 (old C2). */
    const double boat[] = {10.05, 106.05, 10.06, 106.07, 10.05, 106.27};
    /* A tracker of bp_don: in N2 (old C2), then far out at sea. */
    const double tracker[] = {10.05, 106.22, 10.9, 108.0};
    struct area_count_result r;
    const char *field = NULL;

    report(h, "tau-ca-x1", h->f.ca_x1, boat, 3);
    report(h, "tracker-bp", h->f.bp_don, tracker, 2);

    /* The new map: each point where it lies, whatever the old commune. */
    r = count_pos(sys, AFTER, "commune");
    assert_int_equal(r.total, 5);
    assert_int_equal(row_of(&r, h->n1), 2);
    assert_int_equal(row_of(&r, h->n2), 1);
    assert_int_equal(row_of(&r, h->n3), 1);
    assert_int_equal(r.no_area, 1);

    /* The old map: both C2 points in C2. A chain: on LATER N3's point is M's. */
    r = count_pos(sys, BEFORE, "commune");
    assert_int_equal(row_of(&r, h->f.c1), 2);
    assert_int_equal(row_of(&r, h->f.c2), 2);
    r = count_pos(sys, LATER, NULL);
    assert_int_equal(row_of(&r, h->m), 1);
    assert_int_equal(row_of(&r, h->n3), 0);
    r = count_pos(sys, AFTER, "province");
    assert_int_equal(row_of(&r, h->p2), 4);

    /* Only the devices of the caller's unit and below. */
    r = count_pos(&x1, AFTER, "commune");
    assert_int_equal(r.total, 3);
    assert_int_equal(row_of(&r, h->n2), 0);
    r = count_pos(&x2, AFTER, "commune");
    assert_int_equal(r.total, 0);

    /* The period is bounded. */
    assert_int_equal(area_count_positions(sys, 0, 32 * 24 * 3600000LL, AFTER, NULL, &r, &field),
                     PH_EINVAL);
    assert_string_equal(field, "to");
    assert_int_equal(area_count_positions(sys, 0, 31 * 24 * 3600000LL, AFTER, "ward", &r, &field),
                     PH_EINVAL);
    assert_string_equal(field, "level");
}

/* ---- units follow the map ------------------------------------------------------------ */

static const struct unit_area_proposal *find_proposal(const struct unit_area_proposal *items,
                                                      size_t n, int64_t unit, int64_t new_area)
{
    for (size_t i = 0; i < n; i++)
        if (items[i].unit_id == unit && items[i].new_area_id == new_area)
            return &items[i];
    return NULL;
}

static void test_area_history_proposals(void **state)
{
    struct hfx *h = *state;
    struct core_ctx *sys = &h->f.tu.sys;
    struct core_user root = tu_global_admin();
    struct core_ctx admin = tu_as(&h->f.tu, &root);
    struct unit_area_proposal *items = NULL;
    const struct unit_area_proposal *p;
    size_t n = 0;
    int created = -1;
    const char *field = NULL;
    struct unit u;

    /* ca, qs, bp [P] -> P2; ca_x1 [C1] -> N1; ca_x2 and bp_don [C2] -> N2, N3.
     * The district units [D] get none: D has no successor. */
    assert_int_equal(TX(&admin, unit_area_propose(&admin, NULL, &created)), PH_OK);
    assert_int_equal(created, 8);
    assert_string_equal(tu_event_last(h->f.tu.st, &h->f.tu.a).topic, "unit_area_proposal.created");
    assert_int_equal(TX(&admin, unit_area_propose(&admin, AFTER, &created)), PH_OK);
    assert_int_equal(created, 0); /* made once */
    /* Before the reorganisation nothing had closed. */
    assert_int_equal(TX(&admin, unit_area_propose(&admin, BEFORE, &created)), PH_OK);
    assert_int_equal(created, 0);

    assert_int_equal(unit_area_proposals(&admin, "proposed", 0, &items, &n), PH_OK);
    assert_int_equal(n, 8);
    p = find_proposal(items, n, h->f.ca_x2, h->n3);
    assert_non_null(p);
    assert_string_equal(p->kind, "partial");
    assert_string_equal(p->unit_code, "CA-X-TP");
    assert_string_equal(p->new_name, "Xã Thạnh Hải");
    assert_int_equal(unit_area_proposals(&admin, NULL, h->f.ca_x1, &items, &n), PH_OK);
    assert_int_equal(n, 1);
    assert_string_equal(items[0].kind, "full");
    int64_t x1_id = items[0].id;

    /* Confirm: C1 out, N1 in, through the unit's update (audit, event). */
    assert_int_equal(TX(&admin, unit_area_decide(&admin, x1_id, true, &field)), PH_OK);
    assert_int_equal(unit_get(sys, h->f.ca_x1, &u), PH_OK);
    assert_int_equal(u.n_areas, 1);
    assert_int_equal(u.area_ids[0], h->n1);
    assert_string_equal(tu_event_last(h->f.tu.st, &h->f.tu.a).topic, "unit.updated");
    assert_string_equal(tu_audit_last(h->f.tu.st, &h->f.tu.a).action, "unit.update");

    /* A second decision is a conflict and changes nothing. */
    field = NULL;
    assert_int_equal(TX(&admin, unit_area_decide(&admin, x1_id, false, &field)), PH_ECONFLICT);
    assert_string_equal(field, "status");
    assert_int_equal(unit_area_proposals(&admin, "confirmed", 0, &items, &n), PH_OK);
    assert_int_equal(n, 1);
    assert_int_equal(items[0].decided_by, root.person_id);

    /* The split commune: confirm N2, reject N3; the unit ends with N2 only. */
    assert_int_equal(unit_area_proposals(&admin, "proposed", h->f.ca_x2, &items, &n), PH_OK);
    assert_int_equal(n, 2);
    int64_t to_n2 = find_proposal(items, n, h->f.ca_x2, h->n2)->id;
    int64_t to_n3 = find_proposal(items, n, h->f.ca_x2, h->n3)->id;
    assert_int_equal(TX(&admin, unit_area_decide(&admin, to_n3, false, &field)), PH_OK);
    assert_string_equal(tu_audit_last(h->f.tu.st, &h->f.tu.a).action, "unit_area_proposal.reject");
    assert_int_equal(unit_get(sys, h->f.ca_x2, &u), PH_OK);
    assert_int_equal(u.area_ids[0], h->f.c2);
    assert_int_equal(TX(&admin, unit_area_decide(&admin, to_n2, true, &field)), PH_OK);
    assert_int_equal(unit_get(sys, h->f.ca_x2, &u), PH_OK);
    assert_int_equal(u.n_areas, 1);
    assert_int_equal(u.area_ids[0], h->n2);
    assert_int_equal(TX(&admin, unit_area_decide(&admin, to_n3, true, &field)), PH_ECONFLICT);
    assert_int_equal(TX(&admin, unit_area_decide(&admin, 999999, true, &field)), PH_ENOTFOUND);

    /* A rejected proposal is not made again. */
    assert_int_equal(TX(&admin, unit_area_propose(&admin, NULL, &created)), PH_OK);
    assert_int_equal(created, 0);
}

static void test_area_history_proposals_access(void **state)
{
    struct hfx *h = *state;
    struct core_ctx *sys = &h->f.tu.sys;
    struct core_user h_admin = tu_user_at(sys, h->f.ca_h, ROLE_ADMIN, CLEARANCE_SECRET);
    struct core_ctx hx = tu_as(&h->f.tu, &h_admin);
    struct core_ctx duty = tu_as(&h->f.tu, &h->f.h);
    struct unit_area_proposal *items = NULL;
    size_t n = 0;
    int created = 0;
    const char *field = NULL;

    /* Not an admin: refused. */
    assert_int_equal(TX(&duty, unit_area_propose(&duty, NULL, &created)), PH_EPERM);
    assert_int_equal(unit_area_proposals(&duty, NULL, 0, &items, &n), PH_EPERM);
    /* The district's admin proposes for its communes' police posts only. */
    assert_int_equal(TX(&hx, unit_area_propose(&hx, NULL, &created)), PH_OK);
    assert_int_equal(created, 3); /* ca_x1 -> N1, ca_x2 -> N2, N3 */
    assert_int_equal(unit_area_proposals(&hx, NULL, 0, &items, &n), PH_OK);
    assert_int_equal(n, 3);
    assert_int_equal(unit_area_proposals(&hx, "maybe", 0, &items, &n), PH_EINVAL);
    /* The system proposes the rest; the district's admin still sees its own. */
    assert_int_equal(TX(sys, unit_area_propose(sys, NULL, &created)), PH_OK);
    assert_int_equal(created, 5);
    assert_int_equal(unit_area_proposals(&hx, NULL, 0, &items, &n), PH_OK);
    assert_int_equal(n, 3);
    assert_int_equal(unit_area_proposals(sys, NULL, h->f.bp_don, &items, &n), PH_OK);
    assert_int_equal(n, 2);
    /* and cannot decide for a unit outside its own. */
    assert_int_equal(TX(&hx, unit_area_decide(&hx, items[0].id, true, &field)), PH_ENOTFOUND);
}

/* ---- routing rules on closed areas -------------------------------------------------- */

static void test_area_history_rules_on_closed_areas(void **state)
{
    struct hfx *h = *state;
    struct core_ctx *sys = &h->f.tu.sys;
    struct routing_rule old = {.name = "Xã Thạnh Phước: Biên phòng chủ trì",
                               .priority = 50,
                               .is_active = true,
                               .area_id = h->f.c2,
                               .lead_force = "border_guard"};
    struct routing_rule fresh = {.name = "Tỉnh Vĩnh Long: Công an chủ trì",
                                 .priority = 60,
                                 .is_active = true,
                                 .area_id = h->p2,
                                 .lead_force = "police"};
    const char *field = NULL;
    int64_t *ids = NULL;
    size_t n = 0;

    assert_int_equal(TX(sys, routing_rule_create(sys, &old, &field)), PH_OK);
    assert_int_equal(TX(sys, routing_rule_create(sys, &fresh, &field)), PH_OK);
    assert_int_equal(routing_rules_on_closed_areas(sys, NULL, &ids, &n), PH_OK);
    assert_int_equal(n, 1);
    assert_int_equal(ids[0], old.id);
    /* Before the reorganisation nothing was closed. */
    assert_int_equal(routing_rules_on_closed_areas(sys, BEFORE, &ids, &n), PH_OK);
    assert_int_equal(n, 0);
    /* An inactive rule is not flagged. */
    old.is_active = false;
    assert_int_equal(TX(sys, routing_rule_update(sys, &old, &field)), PH_OK);
    assert_int_equal(routing_rules_on_closed_areas(sys, AFTER, &ids, &n), PH_OK);
    assert_int_equal(n, 0);
    assert_int_equal(routing_rules_on_closed_areas(sys, "yesterday", &ids, &n), PH_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        HFX_TEST(test_area_history_successions),
        HFX_TEST(test_area_history_map_to),
        HFX_TEST(test_area_history_lone_partial),
        HFX_TEST(test_area_history_count_old_and_new),
        HFX_TEST(test_area_history_count_validation),
        HFX_TEST(test_area_history_count_visible_only),
        HFX_TEST(test_area_history_count_operations),
        HFX_TEST(test_area_history_count_positions),
        HFX_TEST(test_area_history_proposals),
        HFX_TEST(test_area_history_proposals_access),
        HFX_TEST(test_area_history_rules_on_closed_areas),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
