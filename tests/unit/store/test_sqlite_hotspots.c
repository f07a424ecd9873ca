/* test_sqlite_hotspots.c - store/sqlite_hotspots.c on incident_fx.h's province:
 * the incident stream (filters of time, category, force, area and scope; only
 * located, actual, unmerged incidents), and hotspot records (insert with units
 * and incidents, get with the joined members, list filters and scope, open
 * records, versioned status, notes). */
#include "util/base.h"
#include "core/incident_fx.h"
#include "core/hotspot.h"
#include "store/store.h"

#define DAY (24LL * 60 * IFX_MIN)

static int64_t file(struct core_ctx *cx, int64_t cat, double lon, double lat, int64_t at,
                    int classification, const char *cap_status, bool located)
{
    struct incident inc = ifx_inc(cx, cat, 0, "Vụ việc");
    inc.has_location = located;
    inc.lat = lat;
    inc.lon = lon;
    inc.occurred_at = at;
    inc.classification = classification;
    inc.cap_status = cap_status;
    return ifx_create(cx, &inc);
}

struct seen {
    int n;
    int64_t ids[16];
};

static void on_point(void *ctx, const struct store_incident_point *p)
{
    struct seen *s = ctx;
    if (s->n < 16)
        s->ids[s->n] = p->id;
    s->n++;
}

static int count(struct ifx *f, const struct store_point_query *q, const struct incident_scope *sc)
{
    struct seen s = {0};
    assert_int_equal(store_incident_points(f->tu.st, q, sc, on_point, &s), PH_OK);
    return s.n;
}

static void test_sqlite_incident_points(void **state)
{
    struct ifx *f = *state;
    struct core_ctx cmd = tu_as(&f->tu, &f->h_cmd);
    int64_t now = cmd.now_ms;

    (void)file(&cmd, f->cat_crime, 106.05, 10.05, now - DAY, 0, NULL, true);          /* C1 */
    (void)file(&cmd, f->cat_crime, 106.05, 10.06, now - DAY, CLEARANCE_SECRET, NULL, true);
    (void)file(&cmd, f->cat_drugs, 106.25, 10.05, now - 2 * DAY, 0, NULL, true);      /* C2 */
    (void)file(&cmd, f->cat_crime, 106.05, 10.05, now - DAY, 0, "exercise", true);
    (void)file(&cmd, f->cat_crime, 0, 0, now - DAY, 0, NULL, false);                  /* no place */
    (void)file(&cmd, f->cat_crime, 106.05, 10.05, now - 40 * DAY, 0, NULL, true);     /* old */

    struct store_point_query q = {.since = now - 30 * DAY, .until = now};
    assert_int_equal(count(f, &q, NULL), 3);
    int64_t crime = f->cat_crime;
    q.category_ids = &crime;
    q.n_categories = 1;
    assert_int_equal(count(f, &q, NULL), 2);
    q.n_categories = 0;
    q.area_id = f->c2;
    assert_int_equal(count(f, &q, NULL), 1);
    q.area_id = f->d;
    assert_int_equal(count(f, &q, NULL), 3);
    q.area_id = 0;
    q.force = "border_guard"; /* C2 is in the border belt: led by the border post */
    assert_int_equal(count(f, &q, NULL), 1);
    q.force = NULL;
    struct incident_scope low = {.unit_path = f->x1.unit_path, .clearance = 0};
    assert_int_equal(count(f, &q, &low), 1);
    struct incident_scope high = {.unit_path = f->x1.unit_path, .clearance = 3};
    assert_int_equal(count(f, &q, &high), 2);
}

/* A record in C1 sent to ca_x1 and qs_h. */
static int64_t put_record(struct ifx *f, int classification, const int64_t *incidents, size_t n)
{
    int64_t units[] = {f->ca_x1, f->qs_h}, id = 0;
    struct store_hotspot sh = {
        .h = {.status = HOTSPOT_WATCH,
              .trend = "new_hot",
              .area_id = f->c1,
              .categories = "crime",
              .lat = 10.05,
              .lon = 106.05,
              .z = 4.2,
              .p = 0.00003,
              .cell_m = 500,
              .n_cells = 1,
              .cells_geojson = "{\"type\":\"MultiPolygon\",\"coordinates\":[]}",
              .incident_count = (int)n,
              .classification = classification,
              .window_from = 1,
              .window_to = 2,
              .detected_at = f->tu.sys.now_ms,
              .incident_ids = incidents,
              .n_incidents = n},
        .cells = "106.050000,10.050000",
        .unit_ids = units,
        .n_units = 2,
    };
    assert_int_equal(store_hotspot_insert(f->tu.st, &sh, &id), PH_OK);
    return id;
}

static void test_sqlite_hotspot_records(void **state)
{
    struct ifx *f = *state;
    struct core_ctx cmd = tu_as(&f->tu, &f->h_cmd);
    int64_t inc[2];
    struct store_hotspot got, *items = NULL;
    size_t n = 0;
    bool more = true;

    inc[0] = file(&cmd, f->cat_crime, 106.05, 10.05, cmd.now_ms - DAY, 0, NULL, true);
    inc[1] = file(&cmd, f->cat_crime, 106.05, 10.05, cmd.now_ms - DAY, 0, NULL, true);
    int64_t a = put_record(f, 0, inc, 2);
    int64_t b = put_record(f, CLEARANCE_SECRET, NULL, 0);

    assert_int_equal(store_hotspot_get(f->tu.st, &f->tu.a, a, true, &got), PH_OK);
    assert_string_equal(got.h.area_name, "Xã Bình Thắng");
    assert_int_equal(got.h.version, 1);
    assert_int_equal(got.h.n_incidents, 2);
    assert_int_equal(got.h.incident_ids[0], inc[0] < inc[1] ? inc[0] : inc[1]);
    assert_int_equal(got.n_units, 2);
    assert_string_equal(got.cells, "106.050000,10.050000");
    assert_non_null(got.unit_paths[0]);
    assert_int_equal(store_hotspot_get(f->tu.st, &f->tu.a, 999, false, &got), PH_ENOTFOUND);

    struct hotspot_filter all = {.limit = 10};
    assert_int_equal(store_hotspot_list(f->tu.st, &f->tu.a, &all, NULL, NULL, &items, &n, &more),
                     PH_OK);
    assert_int_equal(n, 2);
    assert_false(more);
    assert_int_equal(items[0].h.id, b); /* newest first */
    struct incident_scope low = {.unit_path = f->h.unit_path, .clearance = 0};
    assert_int_equal(store_hotspot_list(f->tu.st, &f->tu.a, &all, NULL, &low, &items, &n, &more),
                     PH_OK);
    assert_int_equal(n, 1);
    struct incident_scope other = {.unit_path = f->x2.unit_path, .clearance = 3};
    assert_int_equal(
        store_hotspot_list(f->tu.st, &f->tu.a, &all, NULL, &other, &items, &n, &more), PH_OK);
    assert_int_equal(n, 0);
    assert_int_equal(store_hotspot_list(f->tu.st, &f->tu.a, &all, f->x2.unit_path, NULL, &items,
                                        &n, &more),
                     PH_OK);
    assert_int_equal(n, 0);
    assert_int_equal(store_hotspot_list(f->tu.st, &f->tu.a, &all, f->h.unit_path, NULL, &items,
                                        &n, &more),
                     PH_OK);
    assert_int_equal(n, 2);
    struct hotspot_filter page = {.limit = 1};
    assert_int_equal(store_hotspot_list(f->tu.st, &f->tu.a, &page, NULL, NULL, &items, &n, &more),
                     PH_OK);
    assert_true(n == 1 && more);
    page.before_id = items[0].h.id;
    assert_int_equal(store_hotspot_list(f->tu.st, &f->tu.a, &page, NULL, NULL, &items, &n, &more),
                     PH_OK);
    assert_true(n == 1 && !more && items[0].h.id == a);
    struct hotspot_filter area = {.area_id = f->d, .limit = 10};
    assert_int_equal(store_hotspot_list(f->tu.st, &f->tu.a, &area, NULL, NULL, &items, &n, &more),
                     PH_OK);
    assert_int_equal(n, 2);
    area.area_id = f->c2;
    assert_int_equal(store_hotspot_list(f->tu.st, &f->tu.a, &area, NULL, NULL, &items, &n, &more),
                     PH_OK);
    assert_int_equal(n, 0);

    /* Versioned status; the open list follows it. */
    assert_int_equal(store_hotspot_set_status(f->tu.st, a, 2, HOTSPOT_CONFIRMED, 5), PH_ESTALE);
    assert_int_equal(store_hotspot_set_status(f->tu.st, 999, 0, HOTSPOT_CONFIRMED, 5),
                     PH_ENOTFOUND);
    assert_int_equal(store_hotspot_set_status(f->tu.st, a, 1, HOTSPOT_RESOLVED, 5), PH_OK);
    assert_int_equal(store_hotspot_open(f->tu.st, &f->tu.a, &items, &n), PH_OK);
    assert_int_equal(n, 1);
    assert_int_equal(items[0].h.id, b);
    struct hotspot_filter watch = {.status = HOTSPOT_WATCH, .limit = 10};
    assert_int_equal(store_hotspot_list(f->tu.st, &f->tu.a, &watch, NULL, NULL, &items, &n, &more),
                     PH_OK);
    assert_int_equal(n, 1);

    /* Notes, with the person's name. */
    struct hotspot_note note = {.hotspot_id = a, .person_id = f->cmd_ca_h, .at = 7,
                                .status_from = HOTSPOT_WATCH, .status_to = HOTSPOT_RESOLVED,
                                .text = "Đã xử lý"};
    struct hotspot_note *notes = NULL;
    int64_t note_id = 0;
    assert_int_equal(store_hotspot_note_insert(f->tu.st, &note, &note_id), PH_OK);
    note.status_from = note.status_to = NULL;
    note.text = "Theo dõi thêm";
    assert_int_equal(store_hotspot_note_insert(f->tu.st, &note, &note_id), PH_OK);
    assert_int_equal(store_hotspot_notes(f->tu.st, &f->tu.a, a, &notes, &n), PH_OK);
    assert_int_equal(n, 2);
    assert_string_equal(notes[0].person_name, "Nguyễn Văn Cường");
    assert_string_equal(notes[0].status_to, HOTSPOT_RESOLVED);
    assert_null(notes[1].status_from);
    assert_string_equal(notes[1].text, "Theo dõi thêm");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        IFX_TEST(test_sqlite_incident_points),
        IFX_TEST(test_sqlite_hotspot_records),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
