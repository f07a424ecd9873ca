/* fuzz_pjson_message.c - field message and incident draft request bodies
 * (proto/pjson.h, pjson_message.c): any bytes are loaded with jansson as the HTTP
 * door does, and a JSON object is applied as a message (fresh, and over one
 * already filled in), a draft, and a dismissal body. What a decoder accepts must
 * encode again without trouble, with a location only when it says it has one; a
 * refusal must name the member at fault; read-only members never change. */
#include "util/base.h"
#include "core/draft.h"
#include "core/message.h"
#include "proto/pjson.h"
#include "util/arena.h"
#include "fuzz.h"

static void encode_ok(json_t *j)
{
    char *s;

    FUZZ_CHECK(j != NULL);
    s = json_dumps(j, JSON_COMPACT);
    FUZZ_CHECK(s != NULL);
    free(s);
    json_decref(j);
}

static void apply_message(json_t *obj, struct arena *a, bool fresh)
{
    struct message m;
    const char *field = NULL;

    memset(&m, 0, sizeof(m));
    if (!fresh)
        m = (struct message){.id = 41,
                             .uid = "GeoChat.ANDROID-1.All Chat Rooms.7",
                             .at = 1764000000000,
                             .from_person_id = 12,
                             .from_device_id = 3,
                             .from_unit_id = 5,
                             .from_callsign = "TRINH-SAT-1",
                             .room = MESSAGE_ROOM_ALL,
                             .text = "Đã đến chốt",
                             .has_location = true,
                             .lat = 10.2,
                             .lon = 106.7,
                             .source = "cot",
                             .from_unit_path = "/1/5/",
                             .from_name = "Nguyễn Văn Cường"};
    if (pjson_apply_message(obj, a, &m, &field) == PH_OK) {
        FUZZ_CHECK(fresh || (m.id == 41 && m.from_person_id == 12 && m.from_unit_id == 5 &&
                             m.at == 1764000000000 && strcmp(m.source, "cot") == 0));
        FUZZ_CHECK(m.has_location || (m.lat == 0 && m.lon == 0));
        FUZZ_CHECK(m.to_unit_id >= 0 && m.to_person_id >= 0);
        encode_ok(pjson_message(&m));
    } else {
        FUZZ_CHECK(field != NULL);
    }
}

static void apply_draft(json_t *obj, struct arena *a)
{
    struct incident_draft d = {
        .id = 8, .status = DRAFT_OPEN, .unit_id = 5, .person_id = 12, .device_id = 3, .version = 2};
    const char *field = NULL;

    if (pjson_apply_incident_draft(obj, a, &d, &field) == PH_OK) {
        FUZZ_CHECK(d.id == 8 && d.unit_id == 5 && d.person_id == 12 && d.device_id == 3 &&
                   d.version == 2 && strcmp(d.status, DRAFT_OPEN) == 0);
        encode_ok(pjson_incident_draft(&d));
    } else {
        FUZZ_CHECK(field != NULL);
    }
}

static void apply_dismiss(json_t *obj, struct arena *a)
{
    static const char unset[] = "unset";
    const char *reason = unset, *field = NULL;

    if (pjson_apply_draft_dismiss(obj, a, &reason, &field) == PH_OK) {
        struct incident_draft d = {.status = DRAFT_DISMISSED, .dismiss_reason = reason};
        FUZZ_CHECK(reason != unset);
        encode_ok(pjson_incident_draft(&d));
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
        apply_message(obj, &a, true);
        apply_message(obj, &a, false);
        apply_draft(obj, &a);
        apply_dismiss(obj, &a);
        arena_release(&a);
    }
    json_decref(obj); /* NULL-safe */
    return 0;
}
