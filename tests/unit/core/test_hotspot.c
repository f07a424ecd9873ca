/* test_hotspot.c - core/hotspot.c, hotspot_records.c, hotspot_detect.c on
 * incident_fx.h's small province: analyses count only what the caller may see (a
 * classified planted cluster is significant for a cleared commander and not for
 * a person without the clearance; exercises and merged duplicates are left out);
 * the query check names the wrong parameter; the early-warning run records a
 * planted new cluster once (not again on a second run), audits it and announces
 * it to the responsible units, also in two phases (find writes nothing; a record
 * made between find and record is not duplicated); records are visible to those
 * units and above; status moves, illegal moves (409), stale versions, rights (a
 * duty officer may not confirm), notes, and the inbox. */
#include "util/base.h"
#include <math.h>
#include "incident_fx.h"
#include "core/geo.h"
#include "core/hotspot.h"
#include "core/outbox.h"
#include "util/time.h"

#define DAY (24LL * 60 * IFX_MIN)
#define CELL 2000.0
#define BAND 3000.0
#define C1_LON 106.05
#define C1_LAT 10.05
#define C2_LON 106.25
#define C2_LAT 10.05

static uint32_t rng_state = 12345;

static double uniform(void)
{
    rng_state = rng_state * 1664525u + 1013904223u;
    return (double)(rng_state >> 8) / 16777216.0;
}

/* File an incident at (lon, lat) occurring at 'at' as cx's user; its id. */
static int64_t file_at(struct ifx *f, struct core_ctx *cx, int64_t cat, double lon, double lat,
                       int64_t at, int classification, const char *cap_status)
{
    struct incident inc = ifx_inc(cx, cat, 0, "Vụ việc thử");
    (void)f;
    inc.has_location = true;
    inc.lat = lat;
    inc.lon = lon;
    inc.occurred_at = at;
    inc.classification = classification;
    inc.cap_status = cap_status;
    return ifx_create(cx, &inc);
}

/* n incidents spread over district D in [from, to). */
static void background(struct ifx *f, struct core_ctx *cx, int64_t cat, int n, int64_t from,
                       int64_t to)
{
    for (int i = 0; i < n; i++) {
        double lon = 105.92 + uniform() * 0.56, lat = 9.92 + uniform() * 0.36;
        /* Nothing within ~6 km of the cluster in C1, so that its cell is new there. */
        if (fabs(lon - C1_LON) < 0.06 && fabs(lat - C1_LAT) < 0.06) {
            i--;
            continue;
        }
        int64_t at = from + (int64_t)(uniform() * (double)(to - from - 1));
        (void)file_at(f, cx, cat, lon, lat, at, CLEARANCE_UNCLASSIFIED, NULL);
    }
}

/* n incidents within ~200 m of (lon, lat) in [from, to). */
static void cluster(struct ifx *f, struct core_ctx *cx, int64_t cat, int n, double lon, double lat,
                    int64_t from, int64_t to, int classification, const char *cap_status,
                    int64_t *last_id)
{
    for (int i = 0; i < n; i++) {
        int64_t at = from + (int64_t)(uniform() * (double)(to - from - 1));
        int64_t id = file_at(f, cx, cat, lon + (uniform() - 0.5) * 0.004,
                             lat + (uniform() - 0.5) * 0.004, at, classification, cap_status);
        if (last_id != NULL)
            *last_id = id;
    }
}

static struct hotspot_query query(int64_t since, int64_t until)
{
    struct hotspot_query q = {
        .since = since,
        .until = until,
        .cell_m = CELL,
        .gi = {.weights = HS_DISTANCE_BAND, .band_m = BAND, .alpha = 0.05},
    };
    return q;
}

static size_t cell_at(const struct hotspot_surface *s, double lon, double lat)
{
    int64_t c = hs_grid_cell_of(s->grid, lon, lat);
    assert_true(c >= 0 && (size_t)c < s->n_cells);
    return (size_t)c;
}

/* ---- analyses see what the caller may see ---------------------------------------------- */

static void test_hotspot_gistar_visible_only(void **state)
{
    struct ifx *f = *state;
    struct core_ctx cmd = tu_as(&f->tu, &f->h_cmd), low = tu_as(&f->tu, &f->h_low);
    int64_t now = cmd.now_ms, since = now - 28 * DAY, last = 0, first = 0;
    struct hotspot_surface s;
    const char *field = NULL;

    background(f, &cmd, f->cat_other, 60, since, now);
    cluster(f, &cmd, f->cat_crime, 30, C1_LON, C1_LAT, since, now, CLEARANCE_SECRET, NULL, &last);
    /* An exercise in C2 and a duplicate merged into the cluster count for nobody. */
    cluster(f, &cmd, f->cat_crime, 30, C2_LON, C2_LAT, since, now, CLEARANCE_UNCLASSIFIED,
            "exercise", NULL);
    first = file_at(f, &cmd, f->cat_crime, C1_LON, C1_LAT, now - DAY, CLEARANCE_SECRET, NULL);
    assert_int_equal(TX(&f->tu.sys, incident_merge(&f->tu.sys, first, 0, last, "trùng", &field)),
                     PH_OK);

    struct hotspot_query q = query(since, now);
    assert_int_equal(hotspot_gistar(&cmd, &q, &s, &field), PH_OK);
    assert_int_equal(s.incidents, 90);
    size_t c1 = cell_at(&s, C1_LON, C1_LAT), c2 = cell_at(&s, C2_LON, C2_LAT);
    assert_true(s.value[c1] >= 30 && s.value[c1] <= 31);
    assert_int_equal(s.sig[c1], 1);
    assert_true(s.z[c1] > 3);
    assert_true(s.value[c2] < 3); /* the exercise is not there, background may be */
    assert_int_not_equal(s.sig[c2], 1);
    hotspot_surface_free(&s);

    /* Without the clearance the same cells show nothing. */
    q = query(since, now);
    assert_int_equal(hotspot_gistar(&low, &q, &s, &field), PH_OK);
    assert_int_equal(s.incidents, 60);
    c1 = cell_at(&s, C1_LON, C1_LAT);
    assert_true(s.value[c1] < 3);
    assert_int_not_equal(s.sig[c1], 1);
    hotspot_surface_free(&s);

    /* Density and the emerging cube count the same incidents. */
    q = query(since, now);
    assert_int_equal(hotspot_density(&cmd, &q, &s, &field), PH_OK);
    assert_int_equal(s.incidents, 90);
    c1 = cell_at(&s, C1_LON, C1_LAT);
    assert_true(s.density[c1] > 0);
    hotspot_surface_free(&s);
    q = query(since, now);
    q.slice_ms = 7 * DAY;
    assert_int_equal(hotspot_emerging(&cmd, &q, &s, &field), PH_OK);
    assert_int_equal(s.n_slices, 4);
    assert_int_equal(s.incidents, 90);
    c1 = cell_at(&s, C1_LON, C1_LAT);
    assert_true(s.value[c1] >= 30);
    assert_true(hs_trend_is_hot((enum hs_trend_class)s.trend[c1].trend_class));
    hotspot_surface_free(&s);
}

static void test_hotspot_query_check(void **state)
{
    struct ifx *f = *state;
    struct core_ctx cx = tu_as(&f->tu, &f->h_cmd);
    int64_t now = cx.now_ms;
    static const char *const bad_cat[] = {"no_such_kind"};
    static const char *const good_cat[] = {"crime"};
    struct {
        int what;
        const char *field;
    } cases[] = {
        {0, "since"}, {1, "until"}, {2, "cell"},     {3, "band"},  {4, "alpha"},
        {5, "k"},     {6, "category"}, {7, "force"}, {8, "area"},  {9, "bandwidth"},
        {10, "slice"}, {11, NULL},
    };

    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        struct hotspot_query q = query(now - 30 * DAY, now);
        const char *field = NULL;
        switch (cases[i].what) {
        case 0: q.since = now; break;
        case 1: q.until = 0; break;
        case 2: q.cell_m = 10; break;
        case 3: q.gi.band_m = 100; break;
        case 4: q.gi.alpha = 1.5; break;
        case 5: q.gi.weights = HS_KNN; q.gi.k = HS_KNN_MAX + 1; break;
        case 6: q.categories = bad_cat; q.n_categories = 1; break;
        case 7: q.force = "navy"; break;
        case 8: q.area_id = 99999; break;
        case 9: q.bandwidth_m = 10; break;
        case 10: q.slice_ms = 1000; break;
        case 11: q.categories = good_cat; q.n_categories = 1; q.area_id = f->d; break;
        }
        ph_err rc = hotspot_query_check(&cx, &q, &field);
        if (cases[i].field == NULL) {
            assert_int_equal(rc, PH_OK);
            continue;
        }
        if (rc != PH_EINVAL || field == NULL || strcmp(field, cases[i].field) != 0)
            fail_msg("case %zu: want %s, got %d (%s)", i, cases[i].field, rc,
                     field != NULL ? field : "-");
    }
    /* Defaults fill what is unset. */
    struct hotspot_query q = {.since = now - DAY, .until = now};
    const char *field = NULL;
    assert_int_equal(hotspot_query_check(&cx, &q, &field), PH_OK);
    assert_true(q.cell_m == 500 && q.gi.band_m == 1000 && q.gi.alpha == 0.05);
    assert_int_equal(q.slice_ms, 7 * DAY);
    /* One slice is no trend. */
    struct hotspot_surface s;
    q = query(now - DAY, now);
    field = NULL;
    assert_int_equal(hotspot_emerging(&cx, &q, &s, &field), PH_EINVAL);
    assert_string_equal(field, "slice");
}

/* Limits on the work of one analysis (docs/HOTSPOTS.md, "Limits"): each refused
 * before the grid is built, naming the parameter to change. Over district D
 * (about 66 x 44 km). */
static void test_hotspot_query_limits(void **state)
{
    struct ifx *f = *state;
    struct core_ctx cx = tu_as(&f->tu, &f->h_cmd);
    int64_t now = cx.now_ms;
    struct hotspot_surface s;
    enum { GI, EM, DE };
    struct {
        int analysis;
        double cell_m, band_m, bandwidth_m;
        int k, time_neighbours;
        int64_t days, slice_days;
        const char *field;
    } cases[] = {
        /* Bands and bandwidths of more than HS_BAND_CELLS_MAX cells. */
        {GI, 500, 25500, 0, 0, 0, 30, 7, "band"},
        {EM, 500, 30000, 0, 0, 0, 56, 7, "band"},
        {DE, 500, 0, 25500, 0, 0, 30, 7, "bandwidth"},
        /* Time neighbours: at most HS_TIME_NEIGHBOURS_MAX, fewer than the slices. */
        {EM, 2000, 3000, 0, 0, 3, 21, 7, "time_neighbours"},
        {EM, 2000, 3000, 0, 0, HS_TIME_NEIGHBOURS_MAX + 1, 365, 7, "time_neighbours"},
        /* ~1,000,000 cells of 50 m: a band of 50 cells is too much work, k
         * nearest lists of 65 too much memory, and the same grid with a small
         * band is fine. */
        {GI, 50, 2500, 0, 0, 0, 30, 7, "band"},
        {GI, 50, 0, 0, HS_KNN_MAX, 0, 30, 7, "k"},
        {DE, 50, 0, 2500, 0, 0, 30, 7, "bandwidth"},
        {GI, 50, 100, 0, 0, 0, 30, 7, NULL},
        /* A year of days with a band of 10 cells: the space part fits, the
         * slices do not; the same over a quarter does. */
        {EM, 500, 5000, 0, 0, 1, 365, 1, "slice"},
        {EM, 500, 5000, 0, 0, 1, 91, 7, NULL},
    };

    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        struct hotspot_query q = {
            .since = now - cases[i].days * DAY,
            .until = now,
            .area_id = f->d,
            .cell_m = cases[i].cell_m,
            .gi = {.weights = cases[i].k > 0 ? HS_KNN : HS_DISTANCE_BAND,
                   .band_m = cases[i].band_m,
                   .k = cases[i].k},
            .bandwidth_m = cases[i].bandwidth_m,
            .time_neighbours = cases[i].time_neighbours,
            .slice_ms = cases[i].slice_days * DAY,
        };
        const char *field = NULL;
        uint64_t t0 = time_mono_ns();
        ph_err rc = cases[i].analysis == GI   ? hotspot_gistar(&cx, &q, &s, &field)
                    : cases[i].analysis == EM ? hotspot_emerging(&cx, &q, &s, &field)
                                              : hotspot_density(&cx, &q, &s, &field);
        double took_s = (double)(time_mono_ns() - t0) / 1e9;
        if (rc == PH_OK)
            hotspot_surface_free(&s);
        if (cases[i].field == NULL) {
            if (rc != PH_OK)
                fail_msg("case %zu: want OK, got %d (%s)", i, rc, field != NULL ? field : "-");
            continue;
        }
        if (rc != PH_EINVAL || field == NULL || strcmp(field, cases[i].field) != 0)
            fail_msg("case %zu: want %s, got %d (%s)", i, cases[i].field, rc,
                     field != NULL ? field : "-");
        /* Refused before the grid is built: no more than reading the areas. */
        if (took_s > 1.0)
            fail_msg("case %zu: refused after %.2f s", i, took_s);
    }
}

/* ---- the early-warning run ----------------------------------------------------------- */

static const struct hotspot_detect_params detect_params = {
    .window_ms = 12 * 7 * DAY, .slice_ms = 7 * DAY, .cell_m = CELL, .band_m = BAND, .alpha = 0.05};

/* A district with background all quarter and a crime cluster in C1 this week. */
static void plant(struct ifx *f)
{
    struct core_ctx cmd = tu_as(&f->tu, &f->h_cmd);
    int64_t now = cmd.now_ms;

    background(f, &cmd, f->cat_other, 60, now - 12 * 7 * DAY, now);
    cluster(f, &cmd, f->cat_crime, 25, C1_LON, C1_LAT, now - 5 * DAY, now, CLEARANCE_UNCLASSIFIED,
            NULL, NULL);
}

static struct hotspot detect_one(struct ifx *f)
{
    struct core_ctx *sys = &f->tu.sys;
    struct hotspot *items = NULL;
    struct hotspot_filter all = {.limit = 10};
    size_t n = 0;
    bool more = false;
    int created = -1;

    assert_int_equal(TX(sys, hotspot_detect(sys, &detect_params, &created)), PH_OK);
    assert_int_equal(created, 1);
    assert_int_equal(hotspot_list(sys, &all, &items, &n, &more), PH_OK);
    assert_int_equal(n, 1);
    return items[0];
}

static void test_hotspot_detect_once(void **state)
{
    struct ifx *f = *state;
    struct core_ctx *sys = &f->tu.sys;
    int created = -1;

    plant(f);
    struct hotspot h = detect_one(f);
    assert_string_equal(h.status, HOTSPOT_WATCH);
    assert_string_equal(h.trend, "new_hot");
    assert_string_equal(h.categories, "crime");
    assert_true(geo_distance_m(h.lat, h.lon, C1_LAT, C1_LON) < 2 * CELL);
    assert_int_equal(h.area_id, f->c1);
    assert_true(h.incident_count >= 20);
    assert_true(h.z > 2);
    assert_non_null(strstr(h.cells_geojson, "MultiPolygon"));

    struct audit_entry a = tu_audit_last(f->tu.st, &f->tu.a);
    assert_string_equal(a.action, "hotspot.detect");
    struct store_outbox_event ev = tu_event_last(f->tu.st, &f->tu.a);
    assert_string_equal(ev.topic, "hotspot.detected");
    assert_int_equal(ev.item_id, h.id);
    assert_int_equal(ev.access_kind, ITEM_OPERATIONAL);
    assert_non_null(strstr(ev.scope_paths, f->x1.unit_path)); /* Công an xã Bình Thắng */
    assert_non_null(strstr(ev.payload, "\"incident_count\""));

    /* The full record with its incidents. */
    struct hotspot full;
    assert_int_equal(hotspot_get(sys, h.id, &full), PH_OK);
    assert_int_equal((int)full.n_incidents, full.incident_count);

    /* The same place again: nothing new. */
    assert_int_equal(TX(sys, hotspot_detect(sys, &detect_params, &created)), PH_OK);
    assert_int_equal(created, 0);

    /* Only the system runs it. */
    struct core_ctx cmd = tu_as(&f->tu, &f->h_cmd);
    assert_int_equal(TX(&cmd, hotspot_detect(&cmd, &detect_params, &created)), PH_EPERM);
}

static void test_hotspot_quiet_detects_nothing(void **state)
{
    struct ifx *f = *state;
    struct core_ctx *sys = &f->tu.sys;
    struct core_ctx cmd = tu_as(&f->tu, &f->h_cmd);
    int created = -1;

    background(f, &cmd, f->cat_other, 40, cmd.now_ms - 12 * 7 * DAY, cmd.now_ms);
    assert_int_equal(TX(sys, hotspot_detect(sys, &detect_params, &created)), PH_OK);
    assert_int_equal(created, 0);
}

/* The run in two phases: find reads only (no record, no audit entry, no event),
 * record creates what find found; a record made between the phases (another
 * run) is not made again, nor by a second record of the same find; only the
 * system runs either phase. */
static void test_hotspot_detect_phases(void **state)
{
    struct ifx *f = *state;
    struct core_ctx *sys = &f->tu.sys;
    struct core_ctx cmd = tu_as(&f->tu, &f->h_cmd);
    struct hotspot_found *found = NULL, *again = NULL;
    struct hotspot_filter all = {.limit = 10};
    struct hotspot *items = NULL;
    size_t n = 0;
    bool more = false;
    int created = -1;

    plant(f);
    int64_t audits = tu_audit_count(f->tu.st);
    int64_t last_event = tu_event_last(f->tu.st, &f->tu.a).id;
    assert_int_equal(hotspot_detect_find(sys, &detect_params, &found), PH_OK);
    assert_int_equal(hotspot_found_count(found), 1);
    assert_int_equal(tu_audit_count(f->tu.st), audits);
    assert_int_equal(tu_event_last(f->tu.st, &f->tu.a).id, last_event);
    assert_int_equal(hotspot_list(sys, &all, &items, &n, &more), PH_OK);
    assert_int_equal(n, 0);

    /* Found twice before anything is recorded: both hold the place. */
    assert_int_equal(hotspot_detect_find(sys, &detect_params, &again), PH_OK);
    assert_int_equal(hotspot_found_count(again), 1);

    assert_int_equal(TX(sys, hotspot_detect_record(sys, found, &created)), PH_OK);
    assert_int_equal(created, 1);
    assert_int_equal(hotspot_list(sys, &all, &items, &n, &more), PH_OK);
    assert_int_equal(n, 1);
    assert_string_equal(items[0].status, HOTSPOT_WATCH);
    assert_string_equal(items[0].categories, "crime");
    assert_int_equal(items[0].area_id, f->c1);
    assert_true(items[0].incident_count >= 20);
    assert_int_equal(items[0].window_to, sys->now_ms);
    assert_int_equal(items[0].detected_at, sys->now_ms);
    assert_int_equal(tu_audit_count(f->tu.st), audits + 1);
    assert_string_equal(tu_audit_last(f->tu.st, &f->tu.a).action, "hotspot.detect");
    struct store_outbox_event ev = tu_event_last(f->tu.st, &f->tu.a);
    assert_string_equal(ev.topic, "hotspot.detected");
    assert_int_equal(ev.item_id, items[0].id);
    assert_non_null(strstr(ev.scope_paths, f->x1.unit_path));
    struct hotspot full;
    assert_int_equal(hotspot_get(sys, items[0].id, &full), PH_OK);
    assert_int_equal((int)full.n_incidents, full.incident_count);

    /* The second find's place is recorded now: nothing, and the same find again
     * neither. */
    created = -1;
    assert_int_equal(TX(sys, hotspot_detect_record(sys, again, &created)), PH_OK);
    assert_int_equal(created, 0);
    created = -1;
    assert_int_equal(TX(sys, hotspot_detect_record(sys, found, &created)), PH_OK);
    assert_int_equal(created, 0);
    assert_int_equal(hotspot_list(sys, &all, &items, &n, &more), PH_OK);
    assert_int_equal(n, 1);
    assert_int_equal(tu_audit_count(f->tu.st), audits + 1);
    hotspot_found_free(again);
    again = NULL;

    /* Only the system. */
    assert_int_equal(hotspot_detect_find(&cmd, &detect_params, &again), PH_EPERM);
    assert_null(again);
    assert_int_equal(TX(&cmd, hotspot_detect_record(&cmd, found, &created)), PH_EPERM);
    hotspot_found_free(found);
}

/* A record made between find and record (the convenience run, as another run
 * or the HTTP route would) is not duplicated. */
static void test_hotspot_detect_between_phases(void **state)
{
    struct ifx *f = *state;
    struct core_ctx *sys = &f->tu.sys;
    struct hotspot_found *found = NULL;
    struct hotspot_filter all = {.limit = 10};
    struct hotspot *items = NULL;
    size_t n = 0;
    bool more = false;
    int created = -1;

    plant(f);
    assert_int_equal(hotspot_detect_find(sys, &detect_params, &found), PH_OK);
    assert_int_equal(hotspot_found_count(found), 1);
    (void)detect_one(f); /* hotspot_detect: created 1 */
    int64_t events = tu_event_last(f->tu.st, &f->tu.a).id;
    assert_int_equal(TX(sys, hotspot_detect_record(sys, found, &created)), PH_OK);
    assert_int_equal(created, 0);
    assert_int_equal(hotspot_list(sys, &all, &items, &n, &more), PH_OK);
    assert_int_equal(n, 1);
    assert_int_equal(tu_event_last(f->tu.st, &f->tu.a).id, events);
    hotspot_found_free(found);

    /* Nothing found: record has nothing to do (NULL too). */
    assert_int_equal(hotspot_detect_find(sys, &detect_params, &found), PH_OK);
    assert_int_equal(hotspot_found_count(found), 0);
    assert_int_equal(TX(sys, hotspot_detect_record(sys, found, &created)), PH_OK);
    assert_int_equal(created, 0);
    hotspot_found_free(found);
    assert_int_equal(TX(sys, hotspot_detect_record(sys, NULL, &created)), PH_OK);
    assert_int_equal(created, 0);
    assert_int_equal(hotspot_found_count(NULL), 0);
}

/* A record is classified as the highest incident within the band of its cells
 * (a secret incident next to the cluster, outside the record's cells, shaped
 * its z), and is sent only to the forces that received its incidents. */
static void test_hotspot_record_band_classification(void **state)
{
    struct ifx *f = *state;
    struct core_ctx *sys = &f->tu.sys;
    struct core_ctx cmd = tu_as(&f->tu, &f->h_cmd);
    struct store_hotspot sh;
    struct geo_shape cells;
    const char *why = NULL, *field = NULL;
    int created = -1;

    plant(f);
    struct hotspot a = detect_one(f);
    assert_int_equal(a.classification, CLEARANCE_UNCLASSIFIED);
    assert_int_equal(geo_shape_parse(&f->tu.a, a.cells_geojson, strlen(a.cells_geojson), &cells,
                                     &why),
                     PH_OK);
    /* A point 1.2 cells from the hottest centre, outside every cell of the record
     * (so within the band of 1.5 cells of one of them). */
    double lon = 0, lat = 0;
    bool found = false;
    for (int k = 0; k < 16 && !found; k++) {
        double ang = k * M_PI / 8, d = 1.2 * CELL;
        lon = a.lon + d * cos(ang) / (111320.0 * cos(a.lat * M_PI / 180));
        lat = a.lat + d * sin(ang) / 111320.0;
        found = !geo_shape_contains(&cells, lon, lat);
    }
    assert_true(found);
    /* Resolved, the place may be recorded again: with the secret incident. */
    assert_int_equal(TX(sys, hotspot_set_status(sys, a.id, 0, HOTSPOT_CONFIRMED, NULL, &field)),
                     PH_OK);
    assert_int_equal(TX(sys, hotspot_set_status(sys, a.id, 0, HOTSPOT_RESOLVED, NULL, &field)),
                     PH_OK);
    int64_t secret = file_at(f, &cmd, f->cat_crime, lon, lat, cmd.now_ms - DAY, CLEARANCE_SECRET,
                             NULL);
    assert_int_equal(TX(sys, hotspot_detect(sys, &detect_params, &created)), PH_OK);
    assert_int_equal(created, 1);
    struct hotspot b, *items = NULL;
    struct hotspot_filter open = {.status = HOTSPOT_WATCH, .limit = 10};
    size_t n = 0;
    bool more = false;
    assert_int_equal(hotspot_list(sys, &open, &items, &n, &more), PH_OK);
    assert_int_equal(n, 1);
    assert_int_equal(hotspot_get(sys, items[0].id, &b), PH_OK);
    for (size_t i = 0; i < b.n_incidents; i++)
        assert_true(b.incident_ids[i] != secret); /* not one of its own */
    assert_int_equal(b.classification, CLEARANCE_SECRET);

    /* Crime in C1 went to all three forces (ca_x1 leads, qs_h and bp informed). */
    assert_int_equal(store_hotspot_get(f->tu.st, &f->tu.a, b.id, false, &sh), PH_OK);
    assert_int_equal(sh.n_units, 3);
}

/* A force that received none of its incidents is not told of a record: here
 * the military's informed rows of every incident are turned into former ones
 * (as if it had handed them on), so only police and border guard hear of it. */
static void test_hotspot_record_forces_told(void **state)
{
    struct ifx *f = *state;
    struct core_ctx cmd = tu_as(&f->tu, &f->h_cmd);
    struct store_hotspot sh;
    int64_t now = cmd.now_ms, last = 0;

    background(f, &cmd, f->cat_other, 60, now - 12 * 7 * DAY, now);
    cluster(f, &cmd, f->cat_crime, 25, C1_LON, C1_LAT, now - 5 * DAY, now,
            CLEARANCE_UNCLASSIFIED, NULL, &last);
    for (int64_t id = 1; id <= last; id++) {
        struct incident_recipient *rs = NULL;
        size_t n = 0;
        if (store_incident_recipients(f->tu.st, &f->tu.a, id, &rs, &n) != PH_OK)
            continue;
        for (size_t i = 0; i < n; i++)
            if (rs[i].force != NULL && strcmp(rs[i].force, "military") == 0) {
                rs[i].role = "former_lead";
                assert_int_equal(store_incident_recipient_put(f->tu.st, id, &rs[i]), PH_OK);
            }
    }
    struct hotspot h = detect_one(f);
    assert_int_equal(store_hotspot_get(f->tu.st, &f->tu.a, h.id, false, &sh), PH_OK);
    assert_int_equal(sh.n_units, 2);
    for (size_t u = 0; u < sh.n_units; u++) {
        struct unit unit;
        assert_int_equal(store_unit_get(f->tu.st, &f->tu.a, sh.unit_ids[u], &unit), PH_OK);
        assert_string_not_equal(unit.force, "military");
    }
}

static bool stop_now(void *ctx)
{
    (void)ctx;
    return true;
}

/* A run a person starts is the system's (it reads every incident) but its audit
 * entries name who started it; a run asked to stop finds nothing. */
static void test_hotspot_detect_started_by(void **state)
{
    struct ifx *f = *state;
    struct core_user as_system = f->h_cmd;
    struct hotspot_found *found = NULL;
    int created = -1;

    plant(f);
    as_system.is_system = true;
    struct core_ctx cx = tu_as(&f->tu, &as_system);
    struct hotspot_detect_params stop = detect_params;
    stop.should_stop = stop_now;
    assert_int_equal(hotspot_detect_find(&cx, &stop, &found), PH_EBUSY);
    assert_null(found);
    assert_int_equal(TX(&cx, hotspot_detect(&cx, &detect_params, &created)), PH_OK);
    assert_int_equal(created, 1);
    struct audit_entry a = tu_audit_last(f->tu.st, &f->tu.a);
    assert_string_equal(a.action, "hotspot.detect");
    assert_string_equal(a.actor, "system");
    assert_non_null(strstr(a.detail, "\"started_by\""));
    assert_non_null(strstr(a.detail, f->h_cmd.username));
}

/* ---- records: access, status, notes, inbox -------------------------------------------- */

static void test_hotspot_record_access(void **state)
{
    struct ifx *f = *state;
    struct core_ctx x1 = tu_as(&f->tu, &f->x1), x2 = tu_as(&f->tu, &f->x2);
    struct core_ctx qs = tu_as(&f->tu, &f->qs_top);
    struct hotspot got, *items = NULL;
    struct hotspot_filter all = {.limit = 10};
    size_t n = 0;
    bool more = false, can = true;

    plant(f);
    struct hotspot h = detect_one(f);
    assert_int_equal(hotspot_get(&x1, h.id, &got), PH_OK);   /* a responsible unit */
    assert_int_equal(hotspot_get(&qs, h.id, &got), PH_OK);   /* above one (qs_h) */
    assert_int_equal(hotspot_get(&x2, h.id, &got), PH_ENOTFOUND); /* a neighbour */
    assert_int_equal(hotspot_list(&x2, &all, &items, &n, &more), PH_OK);
    assert_int_equal(n, 0);
    assert_int_equal(hotspot_list(&x1, &all, &items, &n, &more), PH_OK);
    assert_int_equal(n, 1);
    assert_int_equal(hotspot_can_set_status(&x1, h.id, &can), PH_OK);
    assert_false(can);
    assert_int_equal(hotspot_can_set_status(&qs, h.id, &can), PH_OK);
    assert_true(can);
    struct hotspot_filter bad = {.status = "open"};
    assert_int_equal(hotspot_list(&x1, &bad, &items, &n, &more), PH_EINVAL);
}

/* A record names only the incidents the reader may open: one of its incidents
 * classified above x1's clearance after detection leaves x1's list, not qs_top's. */
static void test_hotspot_record_incidents_visible(void **state)
{
    struct ifx *f = *state;
    struct core_ctx *sys = &f->tu.sys;
    struct core_ctx x1 = tu_as(&f->tu, &f->x1), qs = tu_as(&f->tu, &f->qs_top);
    struct hotspot all, mine, top;
    struct incident inc;
    const char *field = NULL;

    plant(f);
    struct hotspot h = detect_one(f);
    assert_int_equal(hotspot_get(sys, h.id, &all), PH_OK);
    assert_true(all.n_incidents >= 2);
    assert_int_equal(hotspot_get(&x1, h.id, &mine), PH_OK);
    assert_int_equal(mine.n_incidents, all.n_incidents);

    int64_t hidden = all.incident_ids[0];
    assert_int_equal(incident_get(sys, hidden, &inc), PH_OK);
    inc.classification = CLEARANCE_TOP_SECRET;
    inc.version = 0;
    assert_int_equal(TX(sys, incident_update(sys, &inc, &field)), PH_OK);

    assert_int_equal(hotspot_get(&x1, h.id, &mine), PH_OK);
    assert_int_equal(mine.n_incidents, all.n_incidents - 1);
    for (size_t i = 0; i < mine.n_incidents; i++)
        assert_true(mine.incident_ids[i] != hidden);
    assert_int_equal(hotspot_get(&qs, h.id, &top), PH_OK);
    assert_int_equal(top.n_incidents, all.n_incidents);
}

static void test_hotspot_status_moves(void **state)
{
    struct ifx *f = *state;
    struct core_ctx duty = tu_as(&f->tu, &f->x1), cmd = tu_as(&f->tu, &f->h_cmd);
    struct core_ctx x2 = tu_as(&f->tu, &f->x2);
    struct hotspot got, *items = NULL;
    struct hotspot_note *notes = NULL;
    const char *field = NULL;
    size_t n = 0;

    plant(f);
    struct hotspot h = detect_one(f);

    /* The inbox of the responsible commune lists it while it is watched. */
    assert_int_equal(hotspot_inbox(&duty, 0, 10, &items, &n), PH_OK);
    assert_int_equal(n, 1);
    assert_int_equal(items[0].id, h.id);
    assert_int_equal(hotspot_inbox(&x2, 0, 10, &items, &n), PH_OK);
    assert_int_equal(n, 0);

    /* A duty officer may note, not confirm; a stranger sees nothing. */
    assert_int_equal(TX(&duty, hotspot_set_status(&duty, h.id, 0, HOTSPOT_CONFIRMED, NULL, &field)),
                     PH_EPERM);
    assert_int_equal(TX(&x2, hotspot_set_status(&x2, h.id, 0, HOTSPOT_CONFIRMED, NULL, &field)),
                     PH_ENOTFOUND);
    assert_int_equal(TX(&duty, hotspot_add_note(&duty, h.id, "  Đã cử tổ tuần tra  ", &field)),
                     PH_OK);
    field = NULL;
    assert_int_equal(TX(&duty, hotspot_add_note(&duty, h.id, "   ", &field)), PH_EINVAL);
    assert_string_equal(field, "text");

    /* watch -> resolved is not a move; an unknown status is invalid. */
    field = NULL;
    assert_int_equal(TX(&cmd, hotspot_set_status(&cmd, h.id, 0, HOTSPOT_RESOLVED, NULL, &field)),
                     PH_ECONFLICT);
    assert_string_equal(field, "status");
    field = NULL;
    assert_int_equal(TX(&cmd, hotspot_set_status(&cmd, h.id, 0, "closed", NULL, &field)),
                     PH_EINVAL);
    assert_string_equal(field, "status");
    assert_int_equal(TX(&cmd, hotspot_set_status(&cmd, h.id, h.version + 1, HOTSPOT_CONFIRMED,
                                                 NULL, &field)),
                     PH_ESTALE);

    assert_int_equal(TX(&cmd, hotspot_set_status(&cmd, h.id, h.version, HOTSPOT_CONFIRMED,
                                                 "Xác nhận điểm nóng", &field)),
                     PH_OK);
    struct store_outbox_event ev = tu_event_last(f->tu.st, &f->tu.a);
    assert_string_equal(ev.topic, "hotspot.status");
    assert_non_null(strstr(ev.payload, "\"confirmed\""));
    assert_string_equal(tu_audit_last(f->tu.st, &f->tu.a).action, "hotspot.status");
    assert_int_equal(hotspot_inbox(&duty, 0, 10, &items, &n), PH_OK);
    assert_int_equal(n, 0);

    assert_int_equal(TX(&cmd, hotspot_set_status(&cmd, h.id, 0, HOTSPOT_CONFIRMED, NULL, &field)),
                     PH_ECONFLICT);
    assert_int_equal(TX(&cmd, hotspot_set_status(&cmd, h.id, 0, HOTSPOT_RESOLVED, NULL, &field)),
                     PH_OK);
    assert_int_equal(TX(&cmd, hotspot_set_status(&cmd, h.id, 0, HOTSPOT_CONFIRMED, NULL, &field)),
                     PH_ECONFLICT);
    assert_int_equal(TX(&cmd, hotspot_set_status(&cmd, h.id, 0, HOTSPOT_WATCH, "Tái phát", &field)),
                     PH_OK);
    assert_int_equal(hotspot_get(&cmd, h.id, &got), PH_OK);
    assert_string_equal(got.status, HOTSPOT_WATCH);
    assert_int_equal(got.version, h.version + 3);

    assert_int_equal(hotspot_notes(&duty, h.id, &notes, &n), PH_OK);
    assert_int_equal(n, 4);
    assert_string_equal(notes[0].text, "Đã cử tổ tuần tra");
    assert_null(notes[0].status_from);
    assert_string_equal(notes[1].status_from, HOTSPOT_WATCH);
    assert_string_equal(notes[1].status_to, HOTSPOT_CONFIRMED);
    assert_string_equal(notes[1].text, "Xác nhận điểm nóng");
    assert_null(notes[2].text);
    assert_string_equal(notes[3].status_to, HOTSPOT_WATCH);
    assert_int_equal(hotspot_notes(&x2, h.id, &notes, &n), PH_ENOTFOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        IFX_TEST(test_hotspot_query_limits),
        IFX_TEST(test_hotspot_gistar_visible_only),
        IFX_TEST(test_hotspot_query_check),
        IFX_TEST(test_hotspot_detect_once),
        IFX_TEST(test_hotspot_quiet_detects_nothing),
        IFX_TEST(test_hotspot_detect_phases),
        IFX_TEST(test_hotspot_detect_between_phases),
        IFX_TEST(test_hotspot_record_access),
        IFX_TEST(test_hotspot_record_incidents_visible),
        IFX_TEST(test_hotspot_record_band_classification),
        IFX_TEST(test_hotspot_record_forces_told),
        IFX_TEST(test_hotspot_detect_started_by),
        IFX_TEST(test_hotspot_status_moves),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
