/* fuzz_pjson_position.c - position batches and device bodies (proto/pjson.h,
 * pjson_position.c): any bytes are loaded with jansson as the HTTP door does; an
 * object is decoded as a batch (each report decoded, or refused naming its
 * member), and as a device (create and PATCH). What decodes must encode again:
 * each report as a live fix, the device as JSON and as a latest position, and
 * the reports as a track. */
#include "util/base.h"
#include <math.h>
#include "core/position.h"
#include "events/livepos.h"
#include "proto/pjson.h"
#include "util/arena.h"
#include "util/buf.h"
#include "fuzz.h"

static void batch(json_t *obj, struct arena *a)
{
    struct position_report *r = NULL;
    const char **bad = NULL, *field = NULL;
    size_t n = 0;

    if (pjson_position_batch(obj, a, POSITION_BATCH_MAX, &r, &bad, &n, &field) != PH_OK) {
        FUZZ_CHECK(field != NULL);
        return;
    }
    FUZZ_CHECK(n > 0 && n <= POSITION_BATCH_MAX);
    struct position_point *pts = arena_alloc(a, n * sizeof(*pts));
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (bad[i] != NULL)
            continue;
        FUZZ_CHECK(r[i].uid != NULL);
        struct livepos_fix f = {.device_id = 1, .uid = r[i].uid, .callsign = r[i].callsign,
                                .unit_id = 2, .unit_path = "/2/", .at = r[i].at, .lat = r[i].lat,
                                .lon = r[i].lon, .speed = r[i].speed, .course = r[i].course,
                                .alt = r[i].alt, .battery = r[i].battery, .source = r[i].source};
        struct buf b;
        buf_init(&b, 1 << 20);
        FUZZ_CHECK(pjson_fix_write(&f, &b) == PH_OK);
        json_t *back = json_loadb(b.data, b.len, 0, NULL);
        FUZZ_CHECK(back != NULL); /* what we write is JSON */
        json_decref(back);
        buf_release(&b);
        pts[k++] = (struct position_point){.at = r[i].at, .lat = r[i].lat, .lon = r[i].lon,
                                           .speed = r[i].speed, .course = r[i].course,
                                           .alt = r[i].alt, .battery = r[i].battery};
    }
    if (k > 0) {
        struct position_track t = {.device_id = 1, .uid = r[0].uid, .callsign = r[0].callsign,
                                   .points = pts, .n_points = k};
        struct buf b;
        buf_init(&b, 64 << 20);
        FUZZ_CHECK(pjson_track_write(7, &t, 1, &b) == PH_OK);
        json_t *back = json_loadb(b.data, b.len, 0, NULL);
        FUZZ_CHECK(back != NULL || k > 1000000);
        json_decref(back);
        buf_release(&b);
    }
}

static void device(json_t *obj, struct arena *a, bool creating)
{
    struct device d = {.id = 3, .uid = "ANDROID-1", .kind = "phone", .unit_id = 5,
                       .is_active = true, .version = 2, .last_at = 1772415000000LL,
                       .last_lat = 10.2, .last_lon = 106.3, .last_speed = NAN,
                       .last_course = NAN, .last_alt = NAN, .last_battery = -1};
    const char *field = NULL;

    if (pjson_apply_device(obj, a, &d, creating, &field) == PH_OK) {
        FUZZ_CHECK(creating || strcmp(d.uid, "ANDROID-1") == 0);
        json_decref(pjson_device(&d));
        json_decref(pjson_positions_latest(&d, 1));
    } else {
        FUZZ_CHECK(field != NULL);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t jerr;
    json_t *obj = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);

    if (obj != NULL) {
        struct arena a;
        arena_init(&a);
        batch(obj, &a);
        if (json_is_object(obj)) {
            device(obj, &a, true);
            device(obj, &a, false);
        }
        arena_release(&a);
    }
    json_decref(obj);
    return 0;
}
