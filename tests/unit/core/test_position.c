/* test_position.c - devices and positions (core/device.c, core/position.c,
 * core/retention.c): report validation naming the field, a batch binding an
 * unknown uid to its sender and refusing what it must (no person to bind to, a
 * device of someone else, an inactive one), duplicates stored once, the latest
 * position moving only forward, devices and who may bind them, an operation's
 * track clipped to its active interval, and retention on constructed tracks: a
 * straight run thins to its ends, a zig-zag keeps its corners, an operation's
 * first and last points stay, outside operations one point per thin interval
 * remains, recent data is untouched, and a second run changes nothing. */
#include "util/base.h"
#include <math.h>
#include "testutil.h"
#include "core/access.h"
#include "core/operation.h"
#include "core/person.h"
#include "core/position.h"
#include "events/livepos.h"
#include "store/store.h"
#include "util/arena.h"

#define MIN_MS 60000LL
#define HOUR_MS (60 * MIN_MS)
#define DAY_MS (24 * HOUR_MS)
#define NOW 1764000000000LL /* tu_ctx's now */

struct pfx {
    struct tu_fx tu;
    int64_t u_pp, u_pd, u_mp;   /* police province > district; military province */
    int64_t p_a, p_b, p_mil;    /* people: two at the district, one military */
    struct core_user a, b, mil, duty_pd, viewer_pp;
};

static int64_t mk_person(struct core_ctx *sys, const char *username, int64_t unit)
{
    struct person p = {.username = username,
                       .full_name = "Nguyễn Văn Tuần",
                       .unit_id = unit,
                       .roles = ROLE_REPORTER,
                       .clearance = CLEARANCE_SECRET};
    const char *field = NULL;
    ph_err rc = TX(sys, person_create(sys, &p, NULL, &field));
    if (rc != PH_OK)
        fail_msg("person %s: %d (%s)", username, rc, field != NULL ? field : "");
    return p.id;
}

static int pfx_setup(void **state)
{
    struct pfx *f = calloc(1, sizeof(*f));
    struct core_ctx *sys;

    if (f == NULL)
        return -1;
    tu_fx_open(&f->tu);
    sys = &f->tu.sys;
    f->u_pp = tu_unit_create(sys, tu_unit("CA-T", "Công an tỉnh", "police", "province", 0));
    f->u_pd = tu_unit_create(sys, tu_unit("CA-H", "Công an huyện", "police", "district", f->u_pp));
    f->u_mp = tu_unit_create(sys, tu_unit("QS-T", "Bộ CHQS tỉnh", "military", "province", 0));
    f->p_a = mk_person(sys, "tuan", f->u_pd);
    f->p_b = mk_person(sys, "binh", f->u_pd);
    f->p_mil = mk_person(sys, "quan", f->u_mp);
    f->a = tu_user_at(sys, f->u_pd, ROLE_REPORTER, CLEARANCE_SECRET);
    f->a.person_id = f->p_a;
    f->b = tu_user_at(sys, f->u_pd, ROLE_REPORTER, CLEARANCE_SECRET);
    f->b.person_id = f->p_b;
    f->mil = tu_user_at(sys, f->u_mp, ROLE_REPORTER, CLEARANCE_SECRET);
    f->mil.person_id = f->p_mil;
    f->duty_pd = tu_user_at(sys, f->u_pd, ROLE_DUTY_OFFICER, CLEARANCE_SECRET);
    f->viewer_pp = tu_user_at(sys, f->u_pp, ROLE_VIEWER, CLEARANCE_UNCLASSIFIED);
    *state = f;
    return 0;
}

#define PFX_TEST(t) cmocka_unit_test_setup_teardown(t, pfx_setup, tu_fx_teardown)

static struct position_report rep(const char *uid, int64_t at, double lat, double lon)
{
    return (struct position_report){.uid = uid, .at = at, .lat = lat, .lon = lon, .speed = NAN,
                                    .course = NAN, .alt = NAN, .battery = -1,
                                    .source = POSITION_SOURCE_API};
}

/* Ingest n reports as cx's user in a transaction; results into res. */
static void ingest(struct core_ctx *cx, const struct position_report *r, size_t n,
                   struct position_result *res, size_t *n_fixes)
{
    struct livepos_fix *fixes = NULL;
    size_t nf = 0;
    assert_int_equal(TX(cx, position_ingest(cx, r, n, res, &fixes, &nf)), PH_OK);
    if (n_fixes != NULL)
        *n_fixes = nf;
}

static size_t count_points(struct pfx *f, int64_t device_id, int64_t from, int64_t to)
{
    struct position_point *pts = NULL;
    size_t n = 0;
    assert_int_equal(store_position_range(f->tu.st, &f->tu.a, device_id, from, to, 0, &pts, &n), PH_OK);
    return n;
}

static bool has_point(struct pfx *f, int64_t device_id, int64_t at)
{
    return count_points(f, device_id, at, at + 1) == 1;
}

/* ---- validation ------------------------------------------------------------------- */

static void test_position_validate(void **state)
{
    struct pfx *f = *state;
    struct core_ctx cx = tu_as(&f->tu, &f->a);
    char long_uid[POSITION_UID_MAX_BYTES + 2];
    memset(long_uid, 'x', sizeof(long_uid) - 1);
    long_uid[sizeof(long_uid) - 1] = '\0';
    static const struct {
        const char *uid;
        int64_t dt;
        double lat, lon, speed, course, alt;
        int battery;
        const char *source, *want;
    } cases[] = {
        {"a", 0, 10.2, 106.3, NAN, NAN, NAN, -1, NULL, NULL},
        {"a", 0, 90, 180, 0, 360, -10, 100, NULL, NULL},
        {"a", 0, 90.0001, 106, NAN, NAN, NAN, -1, NULL, "lat"},
        {"a", 0, NAN, 106, NAN, NAN, NAN, -1, NULL, "lat"},
        {"a", 0, 10, -180.5, NAN, NAN, NAN, -1, NULL, "lon"},
        {"a", 0, 0, 0, NAN, NAN, NAN, -1, NULL, "lat"},
        {"a", 0, 10, 106, -1, NAN, NAN, -1, NULL, "speed"},
        {"a", 0, 10, 106, 501, NAN, NAN, -1, NULL, "speed"},
        {"a", 0, 10, 106, NAN, 361, NAN, -1, NULL, "course"},
        {"a", 0, 10, 106, NAN, NAN, 200000, -1, NULL, "alt"},
        {"a", 0, 10, 106, NAN, NAN, NAN, 101, NULL, "battery"},
        {"a", 0, 10, 106, NAN, NAN, NAN, -2, NULL, "battery"},
        {"a", 6 * MIN_MS, 10, 106, NAN, NAN, NAN, -1, NULL, "time"},
        {"a", 4 * MIN_MS, 10, 106, NAN, NAN, NAN, -1, NULL, NULL},
        {"a", -8 * DAY_MS, 10, 106, NAN, NAN, NAN, -1, NULL, "time"},
        {"a", -8 * DAY_MS, 10, 106, NAN, NAN, NAN, -1, POSITION_SOURCE_IMPORT, NULL},
        {"", 0, 10, 106, NAN, NAN, NAN, -1, NULL, "uid"},
        {" a", 0, 10, 106, NAN, NAN, NAN, -1, NULL, "uid"},
        {"a\tb", 0, 10, 106, NAN, NAN, NAN, -1, NULL, "uid"},
        {NULL, 0, 10, 106, NAN, NAN, NAN, -1, NULL, "uid"},
    };
    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        struct position_report r = rep(cases[i].uid, NOW + cases[i].dt, cases[i].lat, cases[i].lon);
        const char *field = NULL;
        r.speed = cases[i].speed;
        r.course = cases[i].course;
        r.alt = cases[i].alt;
        r.battery = cases[i].battery;
        if (cases[i].source != NULL)
            r.source = cases[i].source;
        ph_err rc = position_validate(&cx, &r, &field);
        if (cases[i].want == NULL) {
            if (rc != PH_OK)
                fail_msg("case %zu: %d (%s)", i, rc, field != NULL ? field : "");
        } else if (rc != PH_EINVAL || field == NULL || strcmp(field, cases[i].want) != 0) {
            fail_msg("case %zu: %d (%s), want %s", i, rc, field != NULL ? field : "",
                     cases[i].want);
        }
    }
    struct position_report r = rep(long_uid, NOW, 10, 106);
    const char *field = NULL;
    assert_int_equal(position_validate(&cx, &r, &field), PH_EINVAL);
    assert_string_equal(field, "uid");
    r = rep("a", NOW, 10, 106);
    r.callsign = "BP\n12";
    assert_int_equal(position_validate(&cx, &r, &field), PH_EINVAL);
    assert_string_equal(field, "callsign");
}

/* ---- ingest ----------------------------------------------------------------------- */

static void test_position_ingest_binds_and_refuses(void **state)
{
    struct pfx *f = *state;
    struct core_ctx ca = tu_as(&f->tu, &f->a), cb = tu_as(&f->tu, &f->b);
    struct core_ctx anon_cx = tu_as(&f->tu, &(struct core_user){.username = "cot"});
    struct position_report r[5] = {
        rep("phone-a", NOW - 30000, 10.20, 106.30), rep("phone-a", NOW - 20000, 10.21, 106.31),
        rep("phone-a", NOW - 20000, 10.99, 106.99), /* duplicate time: the first stays */
        rep("phone-a", NOW - 40000, 10.19, 106.29), /* older: stored, latest stays */
        rep("phone-a", NOW + 10 * MIN_MS, 10.2, 106.3), /* too far ahead */
    };
    struct position_result res[5];
    size_t n_fixes = 0;
    struct device d;

    r[0].callsign = "Tổ tuần tra 1";
    ingest(&ca, r, 5, res, &n_fixes);
    for (int i = 0; i < 4; i++)
        assert_int_equal(res[i].rc, PH_OK);
    assert_int_equal(res[4].rc, PH_EINVAL);
    assert_string_equal(res[4].field, "time");
    assert_int_equal(n_fixes, 3); /* the duplicate is not published again */
    assert_int_equal(device_by_uid(&f->tu.sys, "phone-a", &d), PH_OK);
    assert_int_equal(d.person_id, f->p_a);
    assert_int_equal(d.unit_id, f->u_pd);
    assert_string_equal(d.kind, "phone");
    assert_string_equal(d.callsign, "Tổ tuần tra 1");
    assert_int_equal(d.last_at, NOW - 20000);
    assert_true(fabs(d.last_lat - 10.21) < 1e-9);
    assert_int_equal(count_points(f, d.id, 0, NOW + DAY_MS), 3);
    assert_true(fabs(d.last_lon - 106.31) < 1e-9);

    /* Someone else's device: refused, nothing stored. */
    struct position_report rb = rep("phone-a", NOW - 1000, 10.5, 106.5);
    ingest(&cb, &rb, 1, res, NULL);
    assert_int_equal(res[0].rc, PH_EPERM);
    assert_string_equal(res[0].field, "uid");
    assert_int_equal(count_points(f, d.id, 0, NOW + DAY_MS), 3);

    /* No person to bind an unknown uid to (the anonymous door, the system). */
    struct position_report ru = rep("tracker-x", NOW - 1000, 10.5, 106.5);
    ingest(&anon_cx, &ru, 1, res, NULL);
    assert_int_equal(res[0].rc, PH_ENOTFOUND);
    ingest(&f->tu.sys, &ru, 1, res, NULL);
    assert_int_equal(res[0].rc, PH_ENOTFOUND);
    assert_int_equal(device_by_uid(&f->tu.sys, "tracker-x", &d), PH_ENOTFOUND);

    /* The anonymous door may report a device bound beforehand. */
    struct device boat = {.uid = "tracker-x", .kind = "tracker", .unit_id = f->u_pd,
                          .is_active = true};
    const char *field = NULL;
    assert_int_equal(TX(&f->tu.sys, device_create(&f->tu.sys, &boat, &field)), PH_OK);
    ingest(&anon_cx, &ru, 1, res, NULL);
    assert_int_equal(res[0].rc, PH_OK);
    assert_int_equal(res[0].device_id, boat.id);

    /* An inactive device is refused. */
    boat.is_active = false;
    boat.version = 0;
    assert_int_equal(TX(&f->tu.sys, device_update(&f->tu.sys, &boat, &field)), PH_OK);
    ru.at += 1000;
    ingest(&anon_cx, &ru, 1, res, NULL);
    assert_int_equal(res[0].rc, PH_EPERM);
}

static void test_position_latest_and_access(void **state)
{
    struct pfx *f = *state;
    struct core_ctx ca = tu_as(&f->tu, &f->a), cm = tu_as(&f->tu, &f->mil);
    struct core_ctx cv = tu_as(&f->tu, &f->viewer_pp);
    struct position_report ra = rep("a1", NOW - 5000, 10.1, 106.1),
                           rm = rep("m1", NOW - 5000, 10.2, 106.2);
    struct position_result res[1];
    struct device *items = NULL, d;
    size_t n = 0;

    ingest(&ca, &ra, 1, res, NULL);
    ingest(&cm, &rm, 1, res, NULL);
    /* The police province sees the district's device, not the military one. */
    assert_int_equal(position_latest(&cv, 0, &items, &n), PH_OK);
    assert_int_equal(n, 1);
    assert_string_equal(items[0].uid, "a1");
    assert_int_equal(device_by_uid(&cv, "m1", &d), PH_ENOTFOUND);
    assert_int_equal(position_latest(&cm, 0, &items, &n), PH_OK);
    assert_int_equal(n, 1);
    assert_string_equal(items[0].uid, "m1");
    /* since */
    assert_int_equal(position_latest(&f->tu.sys, NOW - 4000, &items, &n), PH_OK);
    assert_int_equal(n, 0);
    assert_int_equal(position_latest(&f->tu.sys, NOW - 5000, &items, &n), PH_OK);
    assert_int_equal(n, 2);
    /* A caller with a unit but no role reads nothing (access_allows says "role"),
     * in lists as for a single device. */
    struct core_user norole = tu_user_at(&f->tu.sys, f->u_pp, 0, CLEARANCE_SECRET);
    struct core_ctx cn = tu_as(&f->tu, &norole);
    struct device_filter df = {0};
    bool more = false;
    assert_int_equal(device_by_uid(&cn, "a1", &d), PH_ENOTFOUND);
    assert_int_equal(position_latest(&cn, 0, &items, &n), PH_OK);
    assert_int_equal(n, 0);
    assert_int_equal(device_list(&cn, &df, &items, &n, &more), PH_OK);
    assert_int_equal(n, 0);
}

static void test_position_device_binding(void **state)
{
    struct pfx *f = *state;
    struct core_ctx duty = tu_as(&f->tu, &f->duty_pd), ca = tu_as(&f->tu, &f->a);
    struct core_ctx cm = tu_as(&f->tu, &f->mil);
    struct device d = {.uid = "atak-1", .kind = "tak", .person_id = f->p_a, .is_active = true};
    const char *field = NULL;

    /* A reporter binds nothing; a military person not a police device. */
    assert_int_equal(TX(&ca, device_create(&ca, &d, &field)), PH_EPERM);
    d.uid = "atak-1";
    assert_int_equal(TX(&cm, device_create(&cm, &d, &field)), PH_EPERM);
    d.uid = "atak-1";
    assert_int_equal(TX(&duty, device_create(&duty, &d, &field)), PH_OK);
    assert_int_equal(d.unit_id, f->u_pd); /* the person's */
    assert_int_equal(d.version, 1);
    struct device again = {.uid = "atak-1", .kind = "tak", .unit_id = f->u_pd, .is_active = true};
    assert_int_equal(TX(&duty, device_create(&duty, &again, &field)), PH_ECONFLICT);
    assert_string_equal(field, "uid");
    struct device bad = {.uid = "x", .kind = "radio", .unit_id = f->u_pd, .is_active = true};
    TX_EINVAL(&duty, device_create(&duty, &bad, &field), field, "kind");
    bad = (struct device){.uid = "x", .kind = "phone", .person_id = 99999, .is_active = true};
    TX_EINVAL(&duty, device_create(&duty, &bad, &field), field, "person_id");
    bad = (struct device){.uid = "x", .kind = "phone", .person_id = f->p_a, .unit_id = f->u_pp,
                          .is_active = true};
    TX_EINVAL(&duty, device_create(&duty, &bad, &field), field, "unit_id");
    bad = (struct device){.uid = "x", .kind = "phone", .unit_id = f->u_pd, .asset_id = 4242,
                          .is_active = true};
    TX_EINVAL(&duty, device_create(&duty, &bad, &field), field, "asset_id");

    /* Rebinding to another person moves it to that person. */
    d.person_id = f->p_b;
    d.version = 1;
    assert_int_equal(TX(&duty, device_update(&duty, &d, &field)), PH_OK);
    assert_int_equal(d.person_id, f->p_b);
    assert_int_equal(d.version, 2);
    d.version = 1;
    assert_int_equal(TX(&duty, device_update(&duty, &d, &field)), PH_ESTALE);

    /* Lists: by person, by text. */
    struct device_filter flt = {.person_id = f->p_b};
    struct device *items = NULL;
    size_t n = 0;
    bool more = false;
    assert_int_equal(device_list(&duty, &flt, &items, &n, &more), PH_OK);
    assert_int_equal(n, 1);
    flt = (struct device_filter){.q = "ATAK"};
    assert_int_equal(device_list(&duty, &flt, &items, &n, &more), PH_OK);
    assert_int_equal(n, 1);
    assert_int_equal(device_list(&cm, &flt, &items, &n, &more), PH_OK);
    assert_int_equal(n, 0);
}

/* ---- tracks ----------------------------------------------------------------------- */

static int64_t mk_operation(struct pfx *f, struct core_ctx *sys, const int64_t *people,
                            size_t n_people, int64_t start, int64_t end)
{
    int64_t *ids = arena_alloc(sys->arena, (n_people + 1) * sizeof(*ids));
    memcpy(ids, people, n_people * sizeof(*ids));
    struct operation o = {.kind = OPERATION_PATROL,
                          .domain = "river",
                          .title = "Tuần tra trên sông",
                          .geometry = "{\"type\":\"LineString\",\"coordinates\":[[106.3,10.2],"
                                      "[106.4,10.3]]}",
                          .planned_start = start,
                          .planned_end = end,
                          .owner_unit_id = f->u_pd,
                          .people_ids = ids,
                          .n_people = n_people};
    const char *field = NULL;
    int64_t conflict = 0;
    ph_err rc = TX(sys, operation_create(sys, &o, &field, &conflict));
    if (rc != PH_OK)
        fail_msg("operation: %d (%s)", rc, field != NULL ? field : "");
    assert_int_equal(TX(sys, operation_set_status(sys, o.id, 0, OPERATION_ACTIVE, start, NULL,
                                                  &field)),
                     PH_OK);
    assert_int_equal(TX(sys, operation_set_status(sys, o.id, 0, OPERATION_COMPLETED, end, NULL,
                                                  &field)),
                     PH_OK);
    return o.id;
}

static void test_position_operation_track(void **state)
{
    struct pfx *f = *state;
    struct core_ctx ca = tu_as(&f->tu, &f->a), cb = tu_as(&f->tu, &f->b);
    struct core_ctx cm = tu_as(&f->tu, &f->mil);
    int64_t t0 = NOW - 2 * HOUR_MS, t1 = NOW - HOUR_MS;
    int64_t people[] = {f->p_a};
    int64_t op = mk_operation(f, &f->tu.sys, people, 1, t0, t1);
    struct position_report r[4] = {
        rep("a-track", t0 - 10000, 10.2, 106.3), rep("a-track", t0, 10.21, 106.31),
        rep("a-track", t0 + 60000, 10.22, 106.32), rep("a-track", t1 + 10000, 10.23, 106.33)};
    struct position_report rb = rep("b-track", t0 + 60000, 10.3, 106.4);
    struct position_result res[4];
    struct position_track *tr = NULL;
    size_t n = 0;

    ingest(&ca, r, 4, res, NULL);
    ingest(&cb, &rb, 1, res, NULL); /* b is not on the operation */
    assert_int_equal(position_operation_track(&ca, op, 0, 0, &tr, &n), PH_OK);
    assert_int_equal(n, 1);
    assert_string_equal(tr[0].uid, "a-track");
    assert_int_equal(tr[0].person_id, f->p_a);
    assert_int_equal(tr[0].n_points, 2);
    assert_int_equal(tr[0].points[0].at, t0);
    assert_int_equal(tr[0].points[1].at, t0 + 60000);
    /* from/to clip further */
    assert_int_equal(position_operation_track(&ca, op, t0 + 1, 0, &tr, &n), PH_OK);
    assert_int_equal(n, 1);
    assert_int_equal(tr[0].n_points, 1);
    assert_int_equal(position_operation_track(&ca, op, 0, t0, &tr, &n), PH_OK);
    assert_int_equal(n, 0);
    /* The military may not see the operation. */
    assert_int_equal(position_operation_track(&cm, op, 0, 0, &tr, &n), PH_ENOTFOUND);
    assert_int_equal(position_operation_track(&ca, op + 1000, 0, 0, &tr, &n), PH_ENOTFOUND);
}

/* ---- retention -------------------------------------------------------------------- */

/* Store points of uid straight through the import door (old times allowed). */
static void put_points(struct core_ctx *cx, const char *uid, int64_t from, int64_t step, size_t n,
                       double (*lat)(size_t), double (*lon)(size_t))
{
    struct position_report *r = arena_alloc(cx->arena, n * sizeof(*r));
    struct position_result *res = arena_alloc(cx->arena, n * sizeof(*res));
    for (size_t i = 0; i < n; i++) {
        r[i] = rep(uid, from + (int64_t)i * step, lat(i), lon(i));
        r[i].source = POSITION_SOURCE_IMPORT;
    }
    ingest(cx, r, n, res, NULL);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(res[i].rc, PH_OK);
}

/* A straight run north at constant speed (about 11 m per fix). */
static double line_lat(size_t i)
{
    return 10.0 + (double)i * 0.0001;
}
static double line_lon(size_t i)
{
    (void)i;
    return 106.0;
}
/* A zig-zag: 30 fixes east-north-east, then 30 west-north-west, and so on
 * (corners every 30 fixes, about 300 m sideways). */
static double zig_lon(size_t i)
{
    size_t leg = i / 30, k = i % 30;
    double x = (double)k * 0.0001;
    return 106.0 + (leg % 2 == 0 ? x : 0.003 - x);
}
/* Wandering about a point (a boat at anchor, swinging). */
static double wander_lat(size_t i)
{
    return 10.5 + 0.00003 * (double)(i % 7);
}
static double wander_lon(size_t i)
{
    return 106.5 + 0.00002 * (double)(i % 5);
}

static void run_retention_to_end(struct core_ctx *cx, const struct position_retention *p,
                                 int64_t *deleted, int *calls)
{
    bool more = true;
    *deleted = 0;
    *calls = 0;
    while (more) {
        int64_t d = 0;
        assert_int_equal(TX(cx, position_retention_run(cx, p, &d, &more)), PH_OK);
        *deleted += d;
        assert_true(++*calls < 1000);
    }
}

static void test_position_retention_shapes(void **state)
{
    struct pfx *f = *state;
    struct core_ctx ca = tu_as(&f->tu, &f->a), cb = tu_as(&f->tu, &f->b);
    struct core_ctx *sys = &f->tu.sys;
    /* Forty days ago, on a minute. */
    int64_t base = (NOW - 40 * DAY_MS) / MIN_MS * MIN_MS;
    int64_t op1_start = base + HOUR_MS, op1_end = op1_start + 299 * 10000; /* 300 fixes */
    int64_t op2_start = base + 3 * HOUR_MS, op2_end = op2_start + 239 * 10000; /* 240 fixes */
    int64_t people[] = {f->p_a};
    struct device da, db;

    /* a: before op1 wandering (an hour at 10 s), op1 a straight line, then
     * wandering again, op2 a zig-zag; b (not on any operation) wanders for an
     * hour. Recent data of a: ten minutes a day ago. */
    put_points(&ca, "ret-a", base, 10000, 360, wander_lat, wander_lon);
    put_points(&ca, "ret-a", op1_start, 10000, 300, line_lat, line_lon);
    put_points(&ca, "ret-a", op1_end + 10000, 10000, 360, wander_lat, wander_lon);
    put_points(&ca, "ret-a", op2_start, 10000, 240, line_lat, zig_lon);
    put_points(&cb, "ret-b", base, 10000, 360, wander_lat, wander_lon);
    put_points(&ca, "ret-a", NOW - DAY_MS, 10000, 60, wander_lat, wander_lon);
    (void)mk_operation(f, sys, people, 1, op1_start, op1_end);
    (void)mk_operation(f, sys, people, 1, op2_start, op2_end);
    assert_int_equal(device_by_uid(sys, "ret-a", &da), PH_OK);
    assert_int_equal(device_by_uid(sys, "ret-b", &db), PH_OK);

    struct position_retention p = {.keep_full_ms = 30 * DAY_MS,
                                   .thin_interval_ms = MIN_MS,
                                   .keep_ms = 0,
                                   .tolerance_m = 5,
                                   .max_rows = 50000};
    int64_t deleted = 0;
    int calls = 0;
    run_retention_to_end(sys, &p, &deleted, &calls);

    /* The straight run keeps its two ends only. */
    assert_int_equal(count_points(f, da.id, op1_start, op1_end + 1), 2);
    assert_true(has_point(f, da.id, op1_start));
    assert_true(has_point(f, da.id, op1_end));
    /* The zig-zag: its ends and its seven corners (fixes 29/30, 59/60, ...: the
     * turn lies between two fixes, and both of them are off the straight line
     * joining the neighbouring corners). */
    size_t zig = count_points(f, da.id, op2_start, op2_end + 1);
    assert_true(zig >= 9 && zig <= 16);
    assert_true(has_point(f, da.id, op2_start));
    assert_true(has_point(f, da.id, op2_end));
    for (int c = 1; c < 8; c++) { /* each corner keeps one of its two fixes */
        int64_t t = op2_start + (int64_t)(30 * c - 1) * 10000;
        assert_true(has_point(f, da.id, t) || has_point(f, da.id, t + 10000));
    }
    /* Outside operations: one point per minute. */
    assert_int_equal(count_points(f, da.id, base, op1_start), 60);
    assert_int_equal(count_points(f, db.id, base, base + HOUR_MS), 60);
    /* Recent data untouched. */
    assert_int_equal(count_points(f, da.id, NOW - DAY_MS, NOW), 60);
    int64_t kept = (int64_t)count_points(f, da.id, 0, NOW) + (int64_t)count_points(f, db.id, 0, NOW);
    assert_int_equal(deleted + kept, 360 + 300 + 360 + 240 + 360 + 60);

    /* Nothing left to do: a second run deletes nothing. */
    run_retention_to_end(sys, &p, &deleted, &calls);
    assert_int_equal(deleted, 0);
    assert_int_equal(calls, 1);
}

/* A small budget cuts the work into many calls (at thin-interval boundaries),
 * with the same result outside operations; an operation cut by a chunk keeps
 * its ends. */
static void test_position_retention_chunks(void **state)
{
    struct pfx *f = *state;
    struct core_ctx ca = tu_as(&f->tu, &f->a);
    struct core_ctx *sys = &f->tu.sys;
    int64_t base = (NOW - 35 * DAY_MS) / MIN_MS * MIN_MS;
    int64_t op_start = base + 2 * HOUR_MS, op_end = op_start + 299 * 10000;
    int64_t people[] = {f->p_a};
    struct device d;

    put_points(&ca, "chunk-a", base, 10000, 720, wander_lat, wander_lon);
    put_points(&ca, "chunk-a", op_start, 10000, 300, line_lat, line_lon);
    (void)mk_operation(f, sys, people, 1, op_start, op_end);
    assert_int_equal(device_by_uid(sys, "chunk-a", &d), PH_OK);
    struct position_retention p = {.keep_full_ms = 30 * DAY_MS,
                                   .thin_interval_ms = MIN_MS,
                                   .tolerance_m = 5,
                                   .max_rows = 100};
    int64_t deleted = 0;
    int calls = 0;
    run_retention_to_end(sys, &p, &deleted, &calls);
    assert_true(calls >= 10);
    assert_int_equal(count_points(f, d.id, base, base + 2 * HOUR_MS), 120);
    assert_true(has_point(f, d.id, op_start));
    assert_true(has_point(f, d.id, op_end));
    size_t line = count_points(f, d.id, op_start, op_end + 1);
    assert_true(line >= 2 && line <= 12); /* the ends of each chunk at most */
    run_retention_to_end(sys, &p, &deleted, &calls);
    assert_int_equal(deleted, 0);
}

static void test_position_retention_expiry(void **state)
{
    struct pfx *f = *state;
    struct core_ctx ca = tu_as(&f->tu, &f->a);
    struct core_ctx *sys = &f->tu.sys;
    int64_t old = (NOW - 400 * DAY_MS) / MIN_MS * MIN_MS;
    struct device d;

    put_points(&ca, "exp-a", old, MIN_MS, 100, wander_lat, wander_lon);
    put_points(&ca, "exp-a", NOW - 100 * DAY_MS, MIN_MS, 10, wander_lat, wander_lon);
    assert_int_equal(device_by_uid(sys, "exp-a", &d), PH_OK);
    struct position_retention p = {.keep_full_ms = 30 * DAY_MS,
                                   .thin_interval_ms = MIN_MS,
                                   .keep_ms = 365 * DAY_MS,
                                   .tolerance_m = 5,
                                   .max_rows = 30};
    int64_t deleted = 0;
    int calls = 0;
    run_retention_to_end(sys, &p, &deleted, &calls);
    assert_int_equal(deleted, 100);
    assert_int_equal(count_points(f, d.id, 0, NOW), 10);

    /* Parameters that make no sense are refused. */
    bool more = false;
    p.thin_interval_ms = 0;
    assert_int_equal(position_retention_run(sys, &p, &deleted, &more), PH_EINVAL);
    p.thin_interval_ms = MIN_MS;
    p.keep_ms = DAY_MS; /* shorter than the full-resolution keep */
    assert_int_equal(position_retention_run(sys, &p, &deleted, &more), PH_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        PFX_TEST(test_position_validate),
        PFX_TEST(test_position_ingest_binds_and_refuses),
        PFX_TEST(test_position_latest_and_access),
        PFX_TEST(test_position_device_binding),
        PFX_TEST(test_position_operation_track),
        PFX_TEST(test_position_retention_shapes),
        PFX_TEST(test_position_retention_chunks),
        PFX_TEST(test_position_retention_expiry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
