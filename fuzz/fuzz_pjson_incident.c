/* fuzz_pjson_incident.c - incident request bodies (proto/pjson.h,
 * pjson_incident.c): any bytes are loaded with jansson as the HTTP door does, and
 * a JSON object is applied as an incident (create and PATCH, fresh and already
 * filled in), a routing rule, and each action body (status, transfer, merge,
 * acknowledgement). What a decoder accepts must encode again without trouble; a
 * refusal must name the member at fault; a PATCH never takes the members fixed
 * at creation. */
#include "util/base.h"
#include "core/access.h"
#include "core/incident.h"
#include "core/routing.h"
#include "core/stats.h"
#include "proto/pjson.h"
#include "util/arena.h"
#include "fuzz.h"

static int64_t stored_informed[] = {7, 9};
static struct incident_recipient stored_recipients[] = {
    {.unit_id = 5,
     .role = INCIDENT_ROLE_LEAD,
     .unit_code = "BP-DBP",
     .unit_name = "Đồn Biên phòng",
     .force = "border_guard",
     .sent_at = 1764000000000,
     .ack_due_at = 1764000900000,
     .received_at = 1764000300000,
     .received_by = 12},
    {.unit_id = 7,
     .role = INCIDENT_ROLE_INFORMED,
     .unit_code = "CA-H",
     .unit_name = "Công an huyện",
     .force = "police",
     .sent_at = 1764000000000,
     .refused_at = 1764000100000,
     .refused_by = 3,
     .refused_reason = "Gửi nhầm"},
};

/* What the store would return for a PATCH to start from. */
static void stored_incident(struct incident *inc)
{
    *inc = (struct incident){
        .id = 42,
        .ref = "BT-2026-000042",
        .category_id = 2,
        .category_code = "drugs",
        .severity = 3,
        .title = "Vận chuyển ma túy qua biên giới",
        .description = "Đặng Thạch",
        .occurred_at = 1764000000000,
        .detected_at = 1764000060000,
        .reported_at = 1764000120000,
        .has_location = true,
        .lat = 10.2,
        .lon = 106.7,
        .area_id = 12,
        .reporting_unit_id = 7,
        .lead_unit_id = 5,
        .informed_unit_ids = stored_informed,
        .n_informed = PH_NELEM(stored_informed),
        .classification = CLEARANCE_CONFIDENTIAL,
        .status = "acknowledged",
        .cap_status = "actual",
        .rule_id = 1,
        .report_due_at = 1764003660000,
        .created_by = 12,
        .version = 3,
        .created_at = 1764000120000,
        .updated_at = 1764000300000,
        .lead_force = "border_guard",
        .recipients = stored_recipients,
        .n_recipients = PH_NELEM(stored_recipients),
    };
}

static void apply_incident(json_t *obj, struct arena *a, bool creating, bool fresh)
{
    struct incident inc;
    const char *field = NULL, *code = "unset";

    if (fresh)
        memset(&inc, 0, sizeof(inc));
    else
        stored_incident(&inc);
    int64_t reporting = inc.reporting_unit_id;
    int64_t *informed = inc.informed_unit_ids;
    if (pjson_apply_incident(obj, a, &inc, creating, &code, &field) == PH_OK) {
        FUZZ_CHECK(code == NULL || json_is_string(json_object_get(obj, "category")));
        FUZZ_CHECK(inc.n_informed == 0 || inc.informed_unit_ids != NULL);
        if (!creating) { /* fixed at creation */
            FUZZ_CHECK(inc.reporting_unit_id == reporting);
            FUZZ_CHECK(inc.informed_unit_ids == informed);
        }
        json_t *j = pjson_incident(&inc, !fresh);
        FUZZ_CHECK(j != NULL);
        char *s = json_dumps(j, JSON_COMPACT);
        FUZZ_CHECK(s != NULL);
        free(s);
        json_decref(j);
    } else {
        FUZZ_CHECK(field != NULL);
    }
}

static void apply_rule(json_t *obj, struct arena *a, bool fresh)
{
    static const char *forces[] = {"police", "military"};
    static int64_t units[] = {4};
    struct routing_rule r;
    const char *field = NULL;

    memset(&r, 0, sizeof(r));
    if (!fresh) {
        r = (struct routing_rule){
            .id = 3,
            .name = "Vành đai biên giới: Biên phòng chủ trì",
            .priority = 10,
            .is_active = true,
            .area_kind = "border",
            .lead_force = "border_guard",
            .inform_forces = forces,
            .n_inform_forces = PH_NELEM(forces),
            .inform_unit_ids = units,
            .n_inform_units = PH_NELEM(units),
            .report_deadline_min = 60,
            .ack_deadline_min = 30,
            .version = 1,
        };
    }
    if (pjson_apply_routing_rule(obj, a, &r, &field) == PH_OK) {
        FUZZ_CHECK(r.n_inform_forces == 0 || r.inform_forces != NULL);
        FUZZ_CHECK(r.n_inform_units == 0 || r.inform_unit_ids != NULL);
        json_decref(pjson_routing_rule(&r));
    } else {
        FUZZ_CHECK(field != NULL);
    }
}

static void apply_actions(json_t *obj, struct arena *a)
{
    static const unsigned masks[] = {
        PJSON_ACT_STATUS | PJSON_ACT_NOTE | PJSON_ACT_VERSION,
        PJSON_ACT_LEAD_UNIT | PJSON_ACT_NOTE | PJSON_ACT_VERSION,
        PJSON_ACT_INTO | PJSON_ACT_NOTE | PJSON_ACT_VERSION,
        PJSON_ACT_STAGE | PJSON_ACT_NOTE | PJSON_ACT_UNIT,
    };
    for (size_t i = 0; i < PH_NELEM(masks); i++) {
        struct pjson_incident_action act;
        const char *field = NULL;
        if (pjson_apply_incident_action(obj, a, masks[i], &act, &field) == PH_OK) {
            FUZZ_CHECK(act.lead_unit_id >= 0 && act.into_id >= 0 && act.unit_id >= 0);
            FUZZ_CHECK(act.status == NULL || (masks[i] & PJSON_ACT_STATUS));
            FUZZ_CHECK(act.stage == NULL || (masks[i] & PJSON_ACT_STAGE));
            /* An acknowledgement as the API answers it, from what was decoded. */
            struct incident_ack ack = {.id = 1,
                                       .incident_id = 42,
                                       .unit_id = act.unit_id,
                                       .stage = act.stage,
                                       .note = act.note,
                                       .at = 1764000000000};
            json_decref(pjson_incident_ack(&ack));
        } else {
            FUZZ_CHECK(field != NULL);
        }
    }
}

/* Timeline details are JSON text the store returns: any text must encode. */
static void encode_event(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size);
    struct incident_event e = {
        .id = 1, .incident_id = 42, .at = 1764000000000, .kind = "updated", .detail = s};
    json_t *j = pjson_incident_event(&e);
    FUZZ_CHECK(j != NULL && json_object_get(j, "detail") != NULL);
    json_decref(j);
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t jerr;
    json_t *obj = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);

    if (json_is_object(obj)) {
        struct arena a;
        arena_init(&a);
        apply_incident(obj, &a, true, true);
        apply_incident(obj, &a, false, false);
        apply_incident(obj, &a, true, false);
        apply_rule(obj, &a, true);
        apply_rule(obj, &a, false);
        apply_actions(obj, &a);
        arena_release(&a);
    }
    json_decref(obj); /* NULL-safe */
    encode_event(data, size);
    return 0;
}
