/* fuzz_pjson_bulletin.c - bulletin request bodies (proto/pjson.h,
 * pjson_bulletin.c): any bytes are loaded with jansson as the HTTP door does, and
 * a JSON object is applied as a bulletin (fresh, and over one already filled in),
 * a bulletin schedule (create and PATCH) and an acknowledgement body. What a
 * decoder accepts must encode again without trouble; a refusal must name the
 * member at fault; a PATCH never moves a schedule to another unit. */
#include "util/base.h"
#include "core/access.h"
#include "core/bulletin.h"
#include "proto/pjson.h"
#include "util/arena.h"
#include "fuzz.h"

static int64_t stored_units[] = {7, 9};
static const char *stored_forces[] = {"military", "border_guard"};
static struct bulletin_recipient stored_recipients[] = {
    {.unit_id = 7,
     .unit_code = "CA-H",
     .unit_name = "Công an huyện",
     .force = "police",
     .ack_due_at = 1764003600000,
     .received_at = 1764000300000,
     .received_by = 12,
     .note = "Đã nhận"},
    {.unit_id = 9, .unit_code = "QS-T", .unit_name = "Bộ CHQS tỉnh", .force = "military"},
};

static void apply_bulletin(json_t *obj, struct arena *a, bool fresh)
{
    struct bulletin b;
    const char *field = NULL;

    memset(&b, 0, sizeof(b));
    if (!fresh)
        b = (struct bulletin){
            .id = 17,
            .kind = "periodic",
            .schedule_id = 3,
            .period_start = "2026-03-02",
            .from_unit_id = 5,
            .title = "Báo cáo tình hình ngày",
            .situation = "Ổn định",
            .to_unit_ids = stored_units,
            .n_to_units = PH_NELEM(stored_units),
            .to_forces = stored_forces,
            .n_to_forces = PH_NELEM(stored_forces),
            .classification = CLEARANCE_CONFIDENTIAL,
            .cap_status = "actual",
            .ack_required = true,
            .ack_minutes = 60,
            .sent_at = 1764000000000,
            .version = 1,
            .from_force = "police",
            .recipients = stored_recipients,
            .n_recipients = PH_NELEM(stored_recipients),
        };
    if (pjson_apply_bulletin(obj, a, &b, &field) == PH_OK) {
        FUZZ_CHECK(b.n_to_units == 0 || b.to_unit_ids != NULL);
        FUZZ_CHECK(b.n_to_forces == 0 || b.to_forces != NULL);
        json_t *j = pjson_bulletin(&b, !fresh);
        FUZZ_CHECK(j != NULL);
        char *s = json_dumps(j, JSON_COMPACT);
        FUZZ_CHECK(s != NULL);
        free(s);
        json_decref(j);
    } else {
        FUZZ_CHECK(field != NULL);
    }
}

static void apply_schedule(json_t *obj, struct arena *a, bool creating)
{
    struct bulletin_schedule s = {.id = 3,
                                  .unit_id = 5,
                                  .title = "Báo cáo tình hình tuần",
                                  .period = "weekly",
                                  .due_local = "08:00",
                                  .due_day = 1,
                                  .to_forces = stored_forces,
                                  .n_to_forces = PH_NELEM(stored_forces),
                                  .is_active = true,
                                  .version = 2};
    const char *field = NULL;

    if (pjson_apply_bulletin_schedule(obj, a, &s, creating, &field) == PH_OK) {
        FUZZ_CHECK(creating || s.unit_id == 5);
        FUZZ_CHECK(s.n_to_units == 0 || s.to_unit_ids != NULL);
        json_decref(pjson_bulletin_schedule(&s));
    } else {
        FUZZ_CHECK(field != NULL);
    }
}

static void apply_ack(json_t *obj, struct arena *a)
{
    int64_t unit = -1;
    const char *note = NULL, *field = NULL;

    if (pjson_apply_bulletin_ack(obj, a, &unit, &note, &field) == PH_OK) {
        struct bulletin_inbox_item it = {.rcpt = {.unit_id = unit, .note = note}};
        FUZZ_CHECK(unit >= 0);
        json_decref(pjson_bulletin_inbox_item(&it));
    } else {
        FUZZ_CHECK(field != NULL);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t jerr;
    json_t *obj = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);

    if (json_is_object(obj)) {
        struct arena a;
        arena_init(&a);
        apply_bulletin(obj, &a, true);
        apply_bulletin(obj, &a, false);
        apply_schedule(obj, &a, true);
        apply_schedule(obj, &a, false);
        apply_ack(obj, &a);
        arena_release(&a);
    }
    json_decref(obj); /* NULL-safe */
    return 0;
}
