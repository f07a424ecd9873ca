/* test_sqlite_positions.c - the SQLite backend's devices and positions
 * (store/sqlite_positions.c): scaled columns read back as stored (coordinates
 * to 1e-7 degree, members not given stay not given), a report stored once per
 * (device, time), ranges in time order and bounded, the latest position moving
 * only forward, devices of people, and the retention row. */
#include "util/base.h"
#include <math.h>
#include "testutil.h"
#include "core/position.h"
#include "store/store.h"
#include "util/arena.h"

static int64_t mk_device(struct tu_fx *t, const char *uid, int64_t person_id)
{
    struct core_ctx *sys = &t->sys;
    int64_t unit = tu_unit_create(sys, tu_unit(uid, "Đồn Biên phòng", "border_guard", "province", 0));
    struct device d = {.uid = uid, .kind = "tracker", .person_id = person_id, .unit_id = unit,
                       .is_active = true, .created_at = 1, .updated_at = 1};
    int64_t id = 0;
    assert_int_equal(store_device_insert(t->st, &d, uid, &id), PH_OK);
    return id;
}

static void test_sqlite_positions_roundtrip(void **state)
{
    struct tu_fx *t = *state;
    int64_t dev = mk_device(t, "BP-1", 0);
    struct position_point p = {.at = 1000, .lat = 10.245, .lon = -106.3751234, .speed = 4.25,
                               .course = 270.05, .alt = -3.5, .battery = 81};
    struct position_point q = {.at = 2000, .lat = -0.0000001, .lon = 179.9999999, .speed = NAN,
                               .course = NAN, .alt = NAN, .battery = -1};
    struct position_point *pts = NULL;
    size_t n = 0;
    bool stored = false;

    assert_int_equal(store_position_insert(t->st, dev, &q, &stored), PH_OK);
    assert_true(stored);
    assert_int_equal(store_position_insert(t->st, dev, &p, &stored), PH_OK);
    assert_true(stored);
    struct position_point again = p;
    again.lat = 11;
    assert_int_equal(store_position_insert(t->st, dev, &again, &stored), PH_OK);
    assert_false(stored);
    assert_int_equal(store_position_range(t->st, &t->a, dev, 0, 3000, 0, &pts, &n), PH_OK);
    assert_int_equal(n, 2);
    assert_int_equal(pts[0].at, 1000);
    assert_true(pts[0].lat == 10.245 && pts[0].lon == -106.3751234);
    assert_true(pts[0].speed == 4.25 && fabs(pts[0].course - 270.1) < 1e-9 && pts[0].alt == -3.5);
    assert_int_equal(pts[0].battery, 81);
    assert_true(pts[1].lat == -0.0000001 && pts[1].lon == 179.9999999);
    assert_true(isnan(pts[1].speed) && isnan(pts[1].course) && isnan(pts[1].alt));
    assert_int_equal(pts[1].battery, -1);
    assert_int_equal(store_position_range(t->st, &t->a, dev, 0, 3000, 1, &pts, &n), PH_OK);
    assert_int_equal(n, 1);
    assert_int_equal(store_position_range(t->st, &t->a, dev, 1001, 2000, 0, &pts, &n), PH_OK);
    assert_int_equal(n, 0);
    int64_t at = 0;
    assert_int_equal(store_position_first(t->st, dev, 1001, &at), PH_OK);
    assert_int_equal(at, 2000);
    assert_int_equal(store_position_first(t->st, dev, 2001, &at), PH_ENOTFOUND);

    /* The latest moves forward only. */
    struct device d;
    assert_int_equal(store_device_set_last(t->st, dev, &q), PH_OK);
    assert_int_equal(store_device_set_last(t->st, dev, &p), PH_OK);
    assert_int_equal(store_device_get(t->st, &t->a, dev, &d), PH_OK);
    assert_int_equal(d.last_at, 2000);
    assert_true(d.last_lon == 179.9999999 && isnan(d.last_speed) && d.last_battery == -1);

    /* Expiry is bounded. */
    int gone = 0;
    assert_int_equal(store_position_expire(t->st, dev, 5000, 1, &gone), PH_OK);
    assert_int_equal(gone, 1);
    assert_int_equal(store_position_delete_at(t->st, dev, &q.at, 1), PH_OK);
    assert_int_equal(store_position_range(t->st, &t->a, dev, 0, 3000, 0, &pts, &n), PH_OK);
    assert_int_equal(n, 0);
}

static void test_sqlite_positions_devices(void **state)
{
    struct tu_fx *t = *state;
    int64_t a = mk_device(t, "BP-A", 41), b = mk_device(t, "BP-B", 42);
    int64_t c = mk_device(t, "BP-C", 41), people[] = {41, 43};
    struct device *items = NULL, d;
    size_t n = 0;

    (void)b;
    assert_int_equal(store_device_of_people(t->st, &t->a, people, 2, &items, &n), PH_OK);
    assert_int_equal(n, 2);
    assert_int_equal(items[0].id, a);
    assert_int_equal(items[1].id, c);
    assert_int_equal(store_device_get_by_uid(t->st, &t->a, "BP-B", &d), PH_OK);
    assert_int_equal(d.person_id, 42);
    assert_non_null(d.unit_path);
    assert_int_equal(store_device_get_by_uid(t->st, &t->a, "nope", &d), PH_ENOTFOUND);
    d.uid = "BP-A"; /* a uid is unique */
    int64_t id = 0;
    assert_int_equal(store_device_insert(t->st, &d, "x", &id), PH_ECONFLICT);

    struct store_retention r;
    assert_int_equal(store_retention_get(t->st, &r), PH_OK);
    assert_int_equal(r.thinned_until, 0);
    r.thinned_until = 5;
    r.deleted = 7;
    assert_int_equal(store_retention_put(t->st, &r), PH_OK);
    assert_int_equal(store_retention_get(t->st, &r), PH_OK);
    assert_int_equal(r.thinned_until, 5);
    assert_int_equal(r.deleted, 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TU_FX_TEST(test_sqlite_positions_roundtrip),
        TU_FX_TEST(test_sqlite_positions_devices),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
