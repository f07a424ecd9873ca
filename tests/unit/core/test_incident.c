/* test_incident.c - incident records: reference numbers (prefix, year in Vietnam's
 * time, counting), routing on creation (lead by area kind and by category,
 * informed units, deadlines, the late first report), defaults (detected_at,
 * severity, area from the location), every validation failure naming its field,
 * idempotent creates, updates with versions, and who sees what (force, unit,
 * clearance) in get, list and search. Timeline, audit and outbox entries of
 * each write. */
#include "util/base.h"
#include <math.h>
#include "incident_fx.h"
#include "core/access.h"
#include "core/incident.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/limits.h"

/* ---- names ------------------------------------------------------------------------- */

static void test_incident_names(void **state)
{
    static const char *const ok[] = {"new",    "acknowledged", "responding", "resolved",
                                     "closed", "transferred",  "merged"};
    (void)state;
    for (size_t i = 0; i < PH_NELEM(ok); i++)
        assert_true(incident_status_valid(ok[i]));
    assert_false(incident_status_valid("open"));
    assert_false(incident_status_valid(NULL));
    assert_true(incident_cap_status_valid("actual"));
    assert_true(incident_cap_status_valid("exercise"));
    assert_true(incident_cap_status_valid("test"));
    assert_false(incident_cap_status_valid("Actual"));
    assert_false(incident_cap_status_valid(NULL));
}

/* ---- create and routing ------------------------------------------------------------ */

static void test_incident_create_routes_by_category(void **state)
{
    struct ifx *f = *state;
    struct core_ctx cx = tu_as(&f->tu, &f->x1);
    struct incident inc = ifx_inc(&cx, f->cat_crime, f->c1, "  Trộm cắp xe máy  ");
    const struct incident_recipient *lead, *qs, *bp;
    struct store_outbox_event ev;
    struct audit_entry e;
    struct incident_event tl;
    struct incident_ack *acks = NULL;
    size_t n_acks = 0;

    ifx_create(&cx, &inc);
    assert_string_equal(inc.ref, "PH-2025-000001");
    assert_string_equal(inc.title, "Trộm cắp xe máy");
    assert_string_equal(inc.category_code, "crime");
    assert_int_equal(inc.severity, 3); /* crime's default */
    assert_int_equal(inc.reported_at, cx.now_ms);
    assert_int_equal(inc.detected_at, inc.occurred_at);
    assert_string_equal(inc.cap_status, "actual");
    assert_int_equal(inc.reporting_unit_id, f->ca_x1);
    /* The police commune linked to C1 leads, and it reported: acknowledged at once. */
    assert_int_equal(inc.lead_unit_id, f->ca_x1);
    assert_string_equal(inc.status, "acknowledged");
    assert_true(inc.rule_id > 0);
    assert_int_equal(inc.report_due_at, inc.detected_at + 60 * IFX_MIN);
    assert_false(inc.report_late);
    assert_int_equal(inc.version, 1);
    assert_int_equal(inc.created_by, f->x1.person_id);

    assert_int_equal(inc.n_recipients, 3);
    lead = ifx_rcpt(&inc, f->ca_x1);
    qs = ifx_rcpt(&inc, f->qs_h);
    bp = ifx_rcpt(&inc, f->bp);
    assert_non_null(lead);
    assert_non_null(qs);
    assert_non_null(bp);
    assert_string_equal(lead->role, "lead");
    assert_int_equal(lead->received_at, cx.now_ms);
    assert_int_equal(lead->received_by, f->x1.person_id);
    assert_string_equal(qs->role, "informed");
    assert_string_equal(bp->role, "informed");
    assert_int_equal(qs->sent_at, cx.now_ms);
    assert_int_equal(qs->ack_due_at, cx.now_ms + 30 * IFX_MIN);
    assert_int_equal(qs->verify_due_at, cx.now_ms + 120 * IFX_MIN);
    assert_int_equal(bp->ack_due_at, cx.now_ms + 30 * IFX_MIN);
    assert_int_equal(qs->received_at, 0);
    assert_int_equal(inc.n_informed, 2);

    /* The lead's "received" is in the acknowledgement history. */
    assert_int_equal(incident_acks(&cx, inc.id, &acks, &n_acks), PH_OK);
    assert_int_equal(n_acks, 1);
    assert_string_equal(acks[0].stage, "received");
    assert_int_equal(acks[0].unit_id, f->ca_x1);

    tl = ifx_last_event(f, inc.id);
    assert_string_equal(tl.kind, "created");
    assert_int_equal(tl.person_id, f->x1.person_id);
    assert_non_null(strstr(tl.detail, "\"ref\":\"PH-2025-000001\""));

    e = tu_audit_last(f->tu.st, &f->tu.a);
    assert_string_equal(e.action, "incident.create");
    assert_int_equal(e.item_id, inc.id);
    ev = tu_event_last(f->tu.st, &f->tu.a);
    assert_string_equal(ev.topic, "incident.created");
    assert_int_equal(ev.item_id, inc.id);
    assert_int_equal(ev.access_kind, ITEM_OPERATIONAL);
    assert_int_equal(ev.classification, 0);
    assert_non_null(ev.scope_paths);
    /* Owner (the lead) first, then every other recipient. */
    assert_memory_equal(ev.scope_paths, lead->unit_path, strlen(lead->unit_path));
    assert_non_null(strstr(ev.scope_paths, qs->unit_path));
    assert_non_null(strstr(ev.scope_paths, bp->unit_path));
    assert_non_null(strstr(ev.payload, "\"ref\":\"PH-2025-000001\""));
    assert_non_null(strstr(ev.payload, "\"category_code\":\"crime\""));

    /* The next one is numbered after it. */
    inc = ifx_inc(&cx, f->cat_drugs, f->c1, "Tàng trữ ma túy");
    ifx_create(&cx, &inc);
    assert_string_equal(inc.ref, "PH-2025-000002");
}

static void test_incident_create_border_belt_leads(void **state)
{
    struct ifx *f = *state;
    struct core_ctx cx = tu_as(&f->tu, &f->x2);
    struct incident inc = ifx_inc(&cx, f->cat_crime, f->c2, "Cướp tài sản gần biên giới");
    const struct incident_recipient *rep, *lead;

    ifx_create(&cx, &inc);
    /* The border belt rule comes before the crime rule. */
    assert_int_equal(inc.lead_unit_id, f->bp_don);
    assert_string_equal(inc.status, "new");
    assert_string_equal(inc.lead_force, "border_guard");
    rep = ifx_rcpt(&inc, f->ca_x2);
    lead = ifx_rcpt(&inc, f->bp_don);
    assert_non_null(rep);
    assert_non_null(lead);
    assert_string_equal(rep->role, "reporting");
    assert_int_equal(rep->ack_due_at, 0);
    assert_string_equal(lead->role, "lead");
    assert_int_equal(lead->received_at, 0);
    assert_int_equal(lead->ack_due_at, cx.now_ms + 30 * IFX_MIN);
    assert_non_null(ifx_rcpt(&inc, f->qs_h));
    assert_string_equal(ifx_rcpt(&inc, f->qs_h)->role, "informed");
    assert_int_equal(inc.n_recipients, 3);
}

static void test_incident_create_category_lead_and_extra_informed(void **state)
{
    struct ifx *f = *state;
    struct core_ctx cx = tu_as(&f->tu, &f->h);
    int64_t extra[] = {f->qs};
    struct incident inc = ifx_inc(&cx, f->cat_disaster, f->c3, "Sạt lở bờ sông");

    inc.informed_unit_ids = extra;
    inc.n_informed = 1;
    ifx_create(&cx, &inc);
    assert_int_equal(inc.lead_unit_id, f->qs_h);
    assert_string_equal(inc.status, "new");
    assert_int_equal(ifx_rcpt(&inc, f->qs_h)->ack_due_at, cx.now_ms + 15 * IFX_MIN);
    assert_string_equal(ifx_rcpt(&inc, f->ca_h)->role, "reporting");
    assert_string_equal(ifx_rcpt(&inc, f->bp)->role, "informed");
    assert_non_null(ifx_rcpt(&inc, f->qs));
    assert_string_equal(ifx_rcpt(&inc, f->qs)->role, "informed");
    assert_int_equal(inc.report_due_at, inc.detected_at + 30 * IFX_MIN);
}

static void test_incident_create_late_report_and_defaults(void **state)
{
    struct ifx *f = *state;
    struct core_ctx cx = tu_as(&f->tu, &f->x1);
    struct incident inc = ifx_inc(&cx, f->cat_crime, f->c1, "Đánh nhau gây thương tích");

    inc.occurred_at = cx.now_ms - 3 * 60 * IFX_MIN;
    inc.detected_at = cx.now_ms - 2 * 60 * IFX_MIN; /* reported two hours after: late */
    inc.severity = 2;
    inc.cap_status = "exercise";
    ifx_create(&cx, &inc);
    assert_true(inc.report_late);
    assert_int_equal(inc.report_due_at, inc.detected_at + 60 * IFX_MIN);
    assert_int_equal(inc.severity, 2);
    assert_string_equal(inc.cap_status, "exercise");
    assert_non_null(strstr(tu_event_last(f->tu.st, &f->tu.a).payload, "\"report_late\":true"));

    /* Detected 59 minutes ago: on time. */
    inc = ifx_inc(&cx, f->cat_crime, f->c1, "Trộm gà");
    inc.occurred_at = cx.now_ms - 59 * IFX_MIN;
    ifx_create(&cx, &inc);
    assert_false(inc.report_late);
    assert_int_equal(inc.detected_at, inc.occurred_at);
}

static void test_incident_create_area_from_location(void **state)
{
    struct ifx *f = *state;
    struct core_ctx cx = tu_as(&f->tu, &f->x2);
    struct incident inc = ifx_inc(&cx, f->cat_crime, 0, "Vượt biên trái phép");

    inc.has_location = true;
    inc.lat = 10.05;
    inc.lon = 106.25; /* inside C2, the border commune */
    ifx_create(&cx, &inc);
    assert_int_equal(inc.area_id, f->c2);
    assert_true(inc.has_location);
    assert_true(inc.lat == 10.05 && inc.lon == 106.25);
    assert_int_equal(inc.lead_unit_id, f->bp_don);

    /* In the district but in no commune: the district. */
    inc = ifx_inc(&cx, f->cat_crime, 0, "Trộm cắp ngoài xã");
    inc.has_location = true;
    inc.lat = 10.2;
    inc.lon = 106.4;
    ifx_create(&cx, &inc);
    assert_int_equal(inc.area_id, f->d);

    /* Outside every area: none, and the force's province unit leads. */
    inc = ifx_inc(&cx, f->cat_crime, 0, "Trộm ngoài tỉnh");
    inc.has_location = true;
    inc.lat = 21.0;
    inc.lon = 105.8;
    ifx_create(&cx, &inc);
    assert_int_equal(inc.area_id, 0);
    assert_int_equal(inc.lead_unit_id, f->ca);

    /* A given area wins over the location. */
    inc = ifx_inc(&cx, f->cat_crime, f->c1, "Trộm có địa bàn");
    inc.has_location = true;
    inc.lat = 10.05;
    inc.lon = 106.25;
    inc.reporting_unit_id = f->ca_x2;
    ifx_create(&cx, &inc);
    assert_int_equal(inc.area_id, f->c1);
}

static void test_incident_ref_prefix_and_year(void **state)
{
    struct ifx *f = *state;
    struct core_ctx sys = f->tu.sys;
    struct core_ctx cx = tu_as(&f->tu, &f->x1);
    struct core_user root = tu_global_admin();
    struct core_ctx admin = tu_as(&f->tu, &root);
    struct core_user top_police_admin = tu_user_at(&sys, f->ca, ROLE_ADMIN, CLEARANCE_SECRET);
    struct core_ctx tpa = tu_as(&f->tu, &top_police_admin);
    struct incident inc;
    const char *prefix = NULL;
    struct audit_entry e;

    assert_int_equal(incident_ref_prefix_get(&cx, &prefix), PH_OK);
    assert_string_equal(prefix, "PH");
    assert_int_equal(TX(&cx, incident_ref_prefix_set(&cx, "BT")), PH_EPERM);
    assert_int_equal(TX(&admin, incident_ref_prefix_set(&admin, "b")), PH_EINVAL);
    assert_int_equal(TX(&admin, incident_ref_prefix_set(&admin, "bt")), PH_EINVAL);
    assert_int_equal(TX(&admin, incident_ref_prefix_set(&admin, "BT-1")), PH_EINVAL);
    assert_int_equal(TX(&admin, incident_ref_prefix_set(&admin, "ABCDEFGHI")), PH_EINVAL);
    assert_int_equal(TX(&admin, incident_ref_prefix_set(&admin, NULL)), PH_EINVAL);
    /* A top-level unit's administrator acts globally too. */
    assert_int_equal(TX(&tpa, incident_ref_prefix_set(&tpa, "BT")), PH_OK);
    e = tu_audit_last(f->tu.st, &f->tu.a);
    assert_string_equal(e.action, "settings.update");
    assert_int_equal(incident_ref_prefix_get(&cx, &prefix), PH_OK);
    assert_string_equal(prefix, "BT");

    inc = ifx_inc(&cx, f->cat_crime, f->c1, "Trộm cắp");
    ifx_create(&cx, &inc);
    assert_string_equal(inc.ref, "BT-2025-000001");

    /* 31/12/2025 17:30 UTC is already 01/01/2026 00:30 in Vietnam: a new year,
     * numbered from 1 again. */
    cx.now_ms = 1767202200000LL;
    inc = ifx_inc(&cx, f->cat_crime, f->c1, "Trộm đêm giao thừa");
    ifx_create(&cx, &inc);
    assert_string_equal(inc.ref, "BT-2026-000001");
    inc = ifx_inc(&cx, f->cat_crime, f->c1, "Trộm đêm giao thừa 2");
    ifx_create(&cx, &inc);
    assert_string_equal(inc.ref, "BT-2026-000002");
    /* 31/12/2025 16:59 UTC is 23:59 in Vietnam: still 2025. */
    cx.now_ms = 1767200340000LL;
    inc = ifx_inc(&cx, f->cat_crime, f->c1, "Trộm cuối năm");
    ifx_create(&cx, &inc);
    assert_string_equal(inc.ref, "BT-2025-000002");

    /* Found by reference, by whoever may see it. */
    assert_int_equal(incident_get_by_ref(&cx, "BT-2025-000002", &inc), PH_OK);
    assert_string_equal(inc.title, "Trộm cuối năm");
    assert_int_equal(incident_get_by_ref(&cx, "BT-2025-999999", &inc), PH_ENOTFOUND);
    assert_int_equal(incident_get_by_ref(&cx, "", &inc), PH_ENOTFOUND);
}

/* ---- validation -------------------------------------------------------------------- */

static void test_incident_create_validation(void **state)
{
    struct ifx *f = *state;
    struct core_ctx cx = tu_as(&f->tu, &f->x1);
    char long_title[INCIDENT_TITLE_MAX_BYTES + 2];
    int64_t too_many[INCIDENT_MAX_INFORMED + 1];
    int64_t bad_unit[] = {424242};
    int64_t now = cx.now_ms;
    const char *field = NULL;
    enum {
        K_CATEGORY_0,
        K_CATEGORY_UNKNOWN,
        K_CATEGORY_INACTIVE,
        K_SEVERITY_LOW,
        K_SEVERITY_HIGH,
        K_TITLE_NULL,
        K_TITLE_BLANK,
        K_TITLE_LONG,
        K_TITLE_UTF8,
        K_DESCRIPTION_UTF8,
        K_OCCURRED_0,
        K_OCCURRED_FUTURE,
        K_DETECTED_BEFORE,
        K_DETECTED_FUTURE,
        K_LAT,
        K_LON,
        K_LAT_NAN,
        K_AREA,
        K_PEOPLE,
        K_VEHICLES,
        K_VESSELS,
        K_DEAD,
        K_INJURED,
        K_DAMAGE,
        K_CLASS_HIGH,
        K_CLASS_CLEARANCE,
        K_CAP,
        K_INFORMED_MANY,
        K_INFORMED_UNKNOWN,
        K_REPORTING_UNKNOWN,
        K_COUNT
    };
    static const char *const want[K_COUNT] = {
        "category_id",
        "category_id",
        "category_id",
        "severity",
        "severity",
        "title",
        "title",
        "title",
        "title",
        "description",
        "occurred_at",
        "occurred_at",
        "detected_at",
        "detected_at",
        "location",
        "location",
        "location",
        "area_id",
        "people_involved",
        "vehicles_involved",
        "vessels_involved",
        "casualties_dead",
        "casualties_injured",
        "damage",
        "classification",
        "classification",
        "cap_status",
        "informed_unit_ids",
        "informed_unit_ids",
        "reporting_unit_id",
    };
    int64_t before_audit = tu_audit_count(f->tu.st);

    memset(long_title, 'a', sizeof(long_title) - 1);
    long_title[sizeof(long_title) - 1] = '\0';
    for (size_t i = 0; i < PH_NELEM(too_many); i++)
        too_many[i] = f->qs;

    for (int k = 0; k < K_COUNT; k++) {
        struct incident inc = ifx_inc(&cx, f->cat_crime, f->c1, "Trộm cắp");
        switch (k) {
        case K_CATEGORY_0:
            inc.category_id = 0;
            break;
        case K_CATEGORY_UNKNOWN:
            inc.category_id = 9999;
            break;
        case K_CATEGORY_INACTIVE:
            inc.category_id = f->cat_off;
            break;
        case K_SEVERITY_LOW:
            inc.severity = -1;
            break;
        case K_SEVERITY_HIGH:
            inc.severity = 5;
            break;
        case K_TITLE_NULL:
            inc.title = NULL;
            break;
        case K_TITLE_BLANK:
            inc.title = "   ";
            break;
        case K_TITLE_LONG:
            inc.title = long_title;
            break;
        case K_TITLE_UTF8:
            inc.title = "Tr\xff\xfe";
            break;
        case K_DESCRIPTION_UTF8:
            inc.description = "m\xc3";
            break;
        case K_OCCURRED_0:
            inc.occurred_at = 0;
            break;
        case K_OCCURRED_FUTURE:
            inc.occurred_at = now + INCIDENT_FUTURE_SKEW_MS + 1;
            break;
        case K_DETECTED_BEFORE:
            inc.detected_at = inc.occurred_at - 1;
            break;
        case K_DETECTED_FUTURE:
            inc.detected_at = now + INCIDENT_FUTURE_SKEW_MS + 1;
            break;
        case K_LAT:
            inc.has_location = true;
            inc.lat = 90.5;
            inc.lon = 106;
            break;
        case K_LON:
            inc.has_location = true;
            inc.lat = 10;
            inc.lon = -180.5;
            break;
        case K_LAT_NAN:
            inc.has_location = true;
            inc.lat = NAN;
            inc.lon = 106;
            break;
        case K_AREA:
            inc.area_id = 9999;
            break;
        case K_PEOPLE:
            inc.people_involved = -1;
            break;
        case K_VEHICLES:
            inc.vehicles_involved = INCIDENT_COUNT_MAX + 1;
            break;
        case K_VESSELS:
            inc.vessels_involved = -5;
            break;
        case K_DEAD:
            inc.casualties_dead = -1;
            break;
        case K_INJURED:
            inc.casualties_injured = INCIDENT_COUNT_MAX + 1;
            break;
        case K_DAMAGE:
            inc.damage = "\x01 hỏng";
            break;
        case K_CLASS_HIGH:
            inc.classification = 4;
            break;
        case K_CLASS_CLEARANCE:
            inc.classification = CLEARANCE_SECRET;
            break; /* x1: confidential */
        case K_CAP:
            inc.cap_status = "drill";
            break;
        case K_INFORMED_MANY:
            inc.informed_unit_ids = too_many;
            inc.n_informed = PH_NELEM(too_many);
            break;
        case K_INFORMED_UNKNOWN:
            inc.informed_unit_ids = bad_unit;
            inc.n_informed = 1;
            break;
        case K_REPORTING_UNKNOWN:
            inc.reporting_unit_id = 424242;
            break;
        }
        TX_EINVAL_CASE(k, &cx, incident_create(&cx, &inc, NULL, NULL, &field), field, want[k]);
    }
    /* Nothing half-written. */
    assert_int_equal(tu_audit_count(f->tu.st), before_audit);

    /* Limits themselves pass: the full title, the skew, NFC text. */
    {
        struct incident inc = ifx_inc(&cx, f->cat_crime, f->c1, NULL);
        long_title[INCIDENT_TITLE_MAX_BYTES] = '\0';
        inc.title = long_title;
        inc.occurred_at = now + INCIDENT_FUTURE_SKEW_MS;
        inc.description = "Ca\xcc\x81 tra\xcc\x81i phe\xcc\x81p"; /* NFD */
        ifx_create(&cx, &inc);
        assert_int_equal(strlen(inc.title), INCIDENT_TITLE_MAX_BYTES);
        assert_string_equal(inc.description, "Cá trái phép");
    }
}

static void test_incident_create_who_may(void **state)
{
    struct ifx *f = *state;
    struct core_ctx reporter = tu_as(&f->tu, &f->x1_reporter);
    struct core_ctx viewer = tu_as(&f->tu, &f->x1_viewer);
    struct core_ctx x1 = tu_as(&f->tu, &f->x1);
    struct core_ctx h = tu_as(&f->tu, &f->h);
    struct core_user root = tu_global_admin();
    struct core_ctx admin = tu_as(&f->tu, &root);
    struct core_ctx sys = f->tu.sys;
    const char *field = NULL;
    struct incident inc;

    /* A reporter may file for its own unit. */
    inc = ifx_inc(&reporter, f->cat_crime, f->c1, "Báo cáo của trinh sát");
    ifx_create(&reporter, &inc);
    /* A viewer may not. */
    inc = ifx_inc(&viewer, f->cat_crime, f->c1, "Xem thôi");
    assert_int_equal(TX(&viewer, incident_create(&viewer, &inc, NULL, NULL, &field)), PH_EPERM);
    /* Nobody files for a unit beside or above its own... */
    inc = ifx_inc(&x1, f->cat_crime, f->c1, "Cho xã khác");
    inc.reporting_unit_id = f->ca_x2;
    assert_int_equal(TX(&x1, incident_create(&x1, &inc, NULL, NULL, &field)), PH_EPERM);
    inc.reporting_unit_id = f->qs_h;
    assert_int_equal(TX(&x1, incident_create(&x1, &inc, NULL, NULL, &field)), PH_EPERM);
    /* ...but a district files for its communes. */
    inc = ifx_inc(&h, f->cat_crime, f->c1, "Huyện báo thay xã");
    inc.reporting_unit_id = f->ca_x1;
    ifx_create(&h, &inc);
    assert_int_equal(inc.reporting_unit_id, f->ca_x1);
    /* Administrators run the directory, not operations. */
    inc = ifx_inc(&admin, f->cat_crime, f->c1, "Quản trị");
    inc.reporting_unit_id = f->ca_x1;
    assert_int_equal(TX(&admin, incident_create(&admin, &inc, NULL, NULL, &field)), PH_EPERM);
    /* The system needs a reporting unit, having none of its own. */
    inc = ifx_inc(&sys, f->cat_crime, f->c1, "Hệ thống");
    TX_EINVAL(&sys, incident_create(&sys, &inc, NULL, NULL, &field), field, "reporting_unit_id");
    inc.reporting_unit_id = f->ca_x1;
    ifx_create(&sys, &inc);
    assert_int_equal(inc.created_by, 0);
}

/* ---- idempotency ------------------------------------------------------------------- */

static void test_incident_create_idempotent(void **state)
{
    struct ifx *f = *state;
    struct core_ctx cx = tu_as(&f->tu, &f->x1);
    struct incident_idem idem = {.key = "a5d0c1e2-retry"};
    struct incident first = ifx_inc(&cx, f->cat_crime, f->c1, "Trộm điện thoại"), again;
    const char *field = NULL;
    bool replayed = true;
    int64_t audits;

    memset(idem.request_hash, 7, sizeof(idem.request_hash));
    assert_int_equal(TX(&cx, incident_create(&cx, &first, &idem, &replayed, &field)), PH_OK);
    assert_false(replayed);
    audits = tu_audit_count(f->tu.st);

    /* The same request again: the same incident, nothing written. */
    again = ifx_inc(&cx, f->cat_crime, f->c1, "Trộm điện thoại");
    assert_int_equal(TX(&cx, incident_create(&cx, &again, &idem, &replayed, &field)), PH_OK);
    assert_true(replayed);
    assert_int_equal(again.id, first.id);
    assert_string_equal(again.ref, first.ref);
    assert_true(again.n_recipients > 0);
    assert_int_equal(tu_audit_count(f->tu.st), audits);

    /* The key with another request is a conflict naming the header. */
    idem.request_hash[0] = 8;
    again = ifx_inc(&cx, f->cat_crime, f->c1, "Trộm xe đạp");
    field = NULL;
    assert_int_equal(TX(&cx, incident_create(&cx, &again, &idem, &replayed, &field)), PH_ECONFLICT);
    assert_string_equal(field, "Idempotency-Key");
    assert_false(replayed);

    /* Keys are per person: another caller's same key is a new create. */
    {
        struct core_ctx h = tu_as(&f->tu, &f->h);
        struct incident other = ifx_inc(&h, f->cat_crime, f->c1, "Trộm điện thoại");
        assert_int_equal(TX(&h, incident_create(&h, &other, &idem, &replayed, &field)), PH_OK);
        assert_false(replayed);
        assert_true(other.id != first.id);
    }

    /* A malformed key. */
    idem.key = "";
    TX_EINVAL(&cx, incident_create(&cx, &again, &idem, &replayed, &field), field,
              "Idempotency-Key");
    idem.key = "tab\there";
    TX_EINVAL(&cx, incident_create(&cx, &again, &idem, &replayed, &field), field,
              "Idempotency-Key");
}

/* ---- update ------------------------------------------------------------------------ */

static void test_incident_update(void **state)
{
    struct ifx *f = *state;
    struct core_ctx x2 = tu_as(&f->tu, &f->x2);
    struct core_ctx bp = tu_as(&f->tu, &f->bp_don_duty);
    struct core_ctx qs = tu_as(&f->tu, &f->qs_duty);
    struct core_ctx bp_top = tu_as(&f->tu, &f->bp_duty);
    struct incident inc = ifx_inc(&x2, f->cat_crime, f->c2, "Trộm ngư cụ"), upd, got;
    struct incident_event tl;
    struct store_outbox_event ev;
    struct audit_entry e;
    const char *field = NULL;
    int64_t id = ifx_create(&x2, &inc);

    /* The lead (border post) updates; the reporter and an informed unit do not. */
    upd = ifx_get(f, id);
    upd.title = "Trộm ngư cụ trên sông";
    upd.casualties_injured = 2;
    upd.version = 1;
    assert_int_equal(TX(&x2, incident_update(&x2, &upd, &field)), PH_EPERM);
    assert_int_equal(TX(&qs, incident_update(&qs, &upd, &field)), PH_EPERM);
    bp.now_ms += IFX_MIN;
    assert_int_equal(TX(&bp, incident_update(&bp, &upd, &field)), PH_OK);
    assert_int_equal(upd.version, 2);
    assert_int_equal(upd.updated_at, bp.now_ms);
    got = ifx_get(f, id);
    assert_string_equal(got.title, "Trộm ngư cụ trên sông");
    assert_int_equal(got.casualties_injured, 2);
    assert_string_equal(got.ref, inc.ref);
    assert_string_equal(got.status, "new");

    tl = ifx_last_event(f, id);
    assert_string_equal(tl.kind, "updated");
    assert_non_null(
        strstr(tl.detail, "\"title\":{\"new\":\"Trộm ngư cụ trên sông\",\"old\":\"Trộm ngư cụ\"}"));
    assert_non_null(strstr(tl.detail, "casualties_injured"));
    assert_null(strstr(tl.detail, "severity"));
    e = tu_audit_last(f->tu.st, &f->tu.a);
    assert_string_equal(e.action, "incident.update");
    ev = tu_event_last(f->tu.st, &f->tu.a);
    assert_string_equal(ev.topic, "incident.updated");
    assert_non_null(strstr(ev.payload, "\"changed\":["));

    /* A stale version. */
    upd = ifx_get(f, id);
    upd.version = 1;
    upd.severity = 4;
    assert_int_equal(TX(&bp, incident_update(&bp, &upd, &field)), PH_ESTALE);
    /* The province command above the lead may update; version 0 is any. */
    upd.version = 0;
    assert_int_equal(TX(&bp_top, incident_update(&bp_top, &upd, &field)), PH_OK);
    assert_int_equal(ifx_get(f, id).severity, 4);

    /* Server members cannot be changed through update. */
    upd = ifx_get(f, id);
    upd.status = "closed";
    upd.lead_unit_id = f->ca_x2;
    upd.ref = "XX-1";
    upd.reporting_unit_id = f->bp;
    assert_int_equal(TX(&bp, incident_update(&bp, &upd, &field)), PH_OK);
    got = ifx_get(f, id);
    assert_string_equal(got.status, "new");
    assert_int_equal(got.lead_unit_id, f->bp_don);
    assert_string_equal(got.ref, inc.ref);
    assert_int_equal(got.reporting_unit_id, f->ca_x2);

    /* Validation names the field; clearance bounds the classification. */
    upd = ifx_get(f, id);
    upd.title = "";
    TX_EINVAL(&bp, incident_update(&bp, &upd, &field), field, "title");
    upd = ifx_get(f, id);
    upd.classification = CLEARANCE_TOP_SECRET; /* bp_don_duty: secret */
    TX_EINVAL(&bp, incident_update(&bp, &upd, &field), field, "classification");
    upd = ifx_get(f, id);
    upd.category_id = f->cat_off;
    TX_EINVAL(&bp, incident_update(&bp, &upd, &field), field, "category_id");

    /* Unknown or hidden: not found. */
    upd.id = 424242;
    assert_int_equal(TX(&bp, incident_update(&bp, &upd, &field)), PH_ENOTFOUND);
}

static void test_incident_update_location_resolves_area(void **state)
{
    struct ifx *f = *state;
    struct core_ctx x1 = tu_as(&f->tu, &f->x1);
    struct incident inc = ifx_inc(&x1, f->cat_crime, f->c1, "Trộm cắp"), upd;
    const char *field = NULL;
    int64_t id = ifx_create(&x1, &inc);

    upd = ifx_get(f, id);
    upd.area_id = 0;
    upd.has_location = true;
    upd.lat = 10.01;
    upd.lon = 106.01;
    assert_int_equal(TX(&x1, incident_update(&x1, &upd, &field)), PH_OK);
    assert_int_equal(ifx_get(f, id).area_id, f->c1);
    assert_non_null(strstr(ifx_last_event(f, id).detail, "location"));
    /* The lead does not change with the location: routing is done on creation. */
    assert_int_equal(ifx_get(f, id).lead_unit_id, f->ca_x1);
}

/* Exercise/actual and declassification are a commander's; a corrected detection
 * time moves the report deadline; an update that changes nothing writes nothing. */
static void test_incident_update_sensitive(void **state)
{
    struct ifx *f = *state;
    struct core_ctx x1 = tu_as(&f->tu, &f->x1);
    struct core_ctx cmd = tu_as(&f->tu, &f->h_cmd);
    struct incident inc = ifx_inc(&x1, f->cat_crime, f->c1, "Tin báo trộm cắp"), upd, got;
    const char *field = NULL;
    int64_t id, due, events;

    inc.classification = CLEARANCE_CONFIDENTIAL;
    id = ifx_create(&x1, &inc);
    got = ifx_get(f, id);
    due = got.report_due_at;
    assert_true(due > got.detected_at);

    upd = ifx_get(f, id);
    upd.cap_status = "exercise";
    field = NULL;
    assert_int_equal(TX(&x1, incident_update(&x1, &upd, &field)), PH_EPERM);
    assert_string_equal(field, "cap_status");
    upd = ifx_get(f, id);
    upd.classification = CLEARANCE_UNCLASSIFIED;
    field = NULL;
    assert_int_equal(TX(&x1, incident_update(&x1, &upd, &field)), PH_EPERM);
    assert_string_equal(field, "classification");
    assert_int_equal(ifx_get(f, id).version, 1);
    /* The commander of the district above decides both. */
    assert_int_equal(TX(&cmd, incident_update(&cmd, &upd, &field)), PH_OK);
    assert_int_equal(ifx_get(f, id).classification, CLEARANCE_UNCLASSIFIED);

    /* Nothing changed: same version, no timeline entry. */
    upd = ifx_get(f, id);
    events = ifx_last_event(f, id).id;
    assert_int_equal(TX(&x1, incident_update(&x1, &upd, &field)), PH_OK);
    assert_int_equal(ifx_get(f, id).version, 2);
    assert_int_equal(ifx_last_event(f, id).id, events);

    /* Detection five minutes later: the deadline moves five minutes too. */
    upd = ifx_get(f, id);
    upd.detected_at = upd.occurred_at + 5 * IFX_MIN;
    assert_int_equal(TX(&x1, incident_update(&x1, &upd, &field)), PH_OK);
    got = ifx_get(f, id);
    assert_int_equal(got.report_due_at, due + 5 * IFX_MIN);
    assert_false(got.report_late);
    /* Detected after it was reported is impossible. */
    upd = ifx_get(f, id);
    upd.detected_at = got.reported_at + 1;
    field = NULL;
    assert_int_equal(TX(&x1, incident_update(&x1, &upd, &field)), PH_EINVAL);
    assert_string_equal(field, "detected_at");
}

/* ---- access ------------------------------------------------------------------------ */

static bool listed(struct core_ctx *cx, const struct incident_filter *filter, int64_t id)
{
    struct incident *items = NULL;
    size_t n = 0;
    bool more = false;

    assert_int_equal(incident_list(cx, filter, &items, &n, &more), PH_OK);
    for (size_t i = 0; i < n; i++)
        if (items[i].id == id)
            return true;
    return false;
}

static void test_incident_access(void **state)
{
    struct ifx *f = *state;
    struct core_ctx x1 = tu_as(&f->tu, &f->x1);
    struct core_ctx x2 = tu_as(&f->tu, &f->x2);
    struct core_ctx h = tu_as(&f->tu, &f->h);
    struct core_ctx h_low = tu_as(&f->tu, &f->h_low);
    struct core_ctx qs = tu_as(&f->tu, &f->qs_cmd);
    struct core_ctx qs_top = tu_as(&f->tu, &f->qs_top);
    struct core_ctx bp = tu_as(&f->tu, &f->bp_duty);
    struct core_user root = tu_global_admin();
    struct core_ctx admin = tu_as(&f->tu, &root);
    struct core_user nobody_u = {
        .person_id = 77, .username = "x", .roles = ROLE_DUTY_OFFICER, .clearance = 3};
    struct core_ctx nobody = tu_as(&f->tu, &nobody_u);
    struct incident_filter all = {.limit = 100};
    struct incident disaster, secret, crime, got;
    struct incident_event *events = NULL;
    struct incident_ack *acks = NULL;
    size_t n = 0;

    /* A military-led disaster in C3: ca_h is informed, the police commune is not. */
    disaster = ifx_inc(&qs, f->cat_disaster, f->c3, "Lốc xoáy tốc mái nhà");
    ifx_create(&qs, &disaster);
    assert_int_equal(disaster.lead_unit_id, f->qs_h);
    assert_int_equal(incident_get(&x1, disaster.id, &got), PH_ENOTFOUND);
    assert_int_equal(incident_timeline(&x1, disaster.id, &events, &n), PH_ENOTFOUND);
    assert_int_equal(incident_acks(&x1, disaster.id, &acks, &n), PH_ENOTFOUND);
    assert_false(listed(&x1, &all, disaster.id));
    assert_int_equal(incident_get(&h, disaster.id, &got), PH_OK);
    assert_true(listed(&h, &all, disaster.id));
    assert_int_equal(incident_get(&qs_top, disaster.id, &got), PH_OK);
    assert_int_equal(incident_get(&bp, disaster.id, &got), PH_OK);

    /* A secret one: hidden from an unclassified caller of the same unit. */
    secret = ifx_inc(&qs, f->cat_disaster, f->c3, "Sự cố kho vũ khí");
    secret.classification = CLEARANCE_SECRET;
    ifx_create(&qs, &secret);
    assert_int_equal(incident_get(&h, secret.id, &got), PH_OK);
    assert_true(listed(&h, &all, secret.id));
    assert_int_equal(incident_get(&h_low, secret.id, &got), PH_ENOTFOUND);
    assert_false(listed(&h_low, &all, secret.id));
    assert_true(listed(&h_low, &all, disaster.id));
    assert_non_null(strstr(tu_event_last(f->tu.st, &f->tu.a).topic, "incident.created"));
    assert_int_equal(tu_event_last(f->tu.st, &f->tu.a).classification, CLEARANCE_SECRET);

    /* A police crime in C1: the other commune does not see it. */
    crime = ifx_inc(&x1, f->cat_crime, f->c1, "Cướp giật túi xách");
    ifx_create(&x1, &crime);
    assert_int_equal(incident_get(&x2, crime.id, &got), PH_ENOTFOUND);
    assert_false(listed(&x2, &all, crime.id));
    assert_true(listed(&x1, &all, crime.id));
    assert_true(listed(&h, &all, crime.id));
    assert_false(listed(&x1, &all, disaster.id));

    /* A global administrator sees all it is cleared for; a caller without a unit
     * and not an administrator sees nothing. */
    assert_true(listed(&admin, &all, secret.id));
    assert_true(listed(&admin, &all, crime.id));
    assert_int_equal(incident_get(&admin, crime.id, &got), PH_OK);
    assert_false(listed(&nobody, &all, crime.id));
    assert_int_equal(incident_get(&nobody, crime.id, &got), PH_ENOTFOUND);
    assert_int_equal(incident_get(&x1, 424242, &got), PH_ENOTFOUND);
}

static void test_incident_scope_of(void **state)
{
    struct core_user u = {.roles = ROLE_VIEWER, .clearance = 2, .unit_id = 5, .unit_path = "/1/5/"};
    struct core_user root = tu_global_admin();
    struct core_user none = {.roles = 0, .clearance = 3, .unit_id = 5, .unit_path = "/1/5/"};
    struct incident_scope s;
    (void)state;

    incident_scope_of(&u, &s);
    assert_string_equal(s.unit_path, "/1/5/");
    assert_int_equal(s.clearance, 2);
    incident_scope_of(&core_system_user, &s);
    assert_null(s.unit_path);
    assert_int_equal(s.clearance, 3);
    incident_scope_of(&root, &s);
    assert_null(s.unit_path);
    assert_int_equal(s.clearance, 3);
    incident_scope_of(&none, &s);
    assert_true(s.clearance < 0);
}

static void test_incident_list_filters_and_search(void **state)
{
    struct ifx *f = *state;
    struct core_ctx x1 = tu_as(&f->tu, &f->x1);
    struct core_ctx h = tu_as(&f->tu, &f->h);
    struct incident a = ifx_inc(&x1, f->cat_crime, f->c1, "Trộm cắp tại chợ Bình Thắng");
    struct incident b = ifx_inc(&x1, f->cat_drugs, f->c1, "Tàng trữ ma túy đá");
    struct incident c = ifx_inc(&h, f->cat_disaster, f->c3, "Bão lũ làm đổ nhà");
    struct incident_filter filter = {.limit = 100};
    struct incident *items = NULL;
    size_t n = 0;
    bool more = true;

    ifx_create(&x1, &a);
    ifx_create(&x1, &b);
    ifx_create(&h, &c);

    assert_int_equal(incident_list(&h, &filter, &items, &n, &more), PH_OK);
    assert_int_equal(n, 3);
    assert_false(more);
    assert_int_equal(items[0].id, c.id); /* newest first */
    assert_int_equal(items[2].id, a.id);

    filter.q = "bao lu";
    assert_int_equal(incident_list(&h, &filter, &items, &n, &more), PH_OK);
    assert_int_equal(n, 1);
    assert_int_equal(items[0].id, c.id);
    filter.q = "MA TUY";
    assert_int_equal(incident_list(&h, &filter, &items, &n, &more), PH_OK);
    assert_int_equal(n, 1);
    assert_int_equal(items[0].id, b.id);
    /* The police commune does not see the disaster even when it searches for it. */
    filter.q = "bao lu";
    assert_int_equal(incident_list(&x1, &filter, &items, &n, &more), PH_OK);
    assert_int_equal(n, 0);

    filter.q = NULL;
    filter.category_id = f->cat_crime;
    assert_int_equal(incident_list(&h, &filter, &items, &n, &more), PH_OK);
    assert_int_equal(n, 1);
    assert_int_equal(items[0].id, a.id);

    /* Paging: the limit is clamped, the cursor goes on. */
    filter.category_id = 0;
    filter.limit = 2;
    assert_int_equal(incident_list(&h, &filter, &items, &n, &more), PH_OK);
    assert_int_equal(n, 2);
    assert_true(more);
    filter.before_id = items[1].id;
    assert_int_equal(incident_list(&h, &filter, &items, &n, &more), PH_OK);
    assert_int_equal(n, 1);
    assert_false(more);
    assert_int_equal(items[0].id, a.id);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_incident_names),
        IFX_TEST(test_incident_create_routes_by_category),
        IFX_TEST(test_incident_create_border_belt_leads),
        IFX_TEST(test_incident_create_category_lead_and_extra_informed),
        IFX_TEST(test_incident_create_late_report_and_defaults),
        IFX_TEST(test_incident_create_area_from_location),
        IFX_TEST(test_incident_ref_prefix_and_year),
        IFX_TEST(test_incident_create_validation),
        IFX_TEST(test_incident_create_who_may),
        IFX_TEST(test_incident_create_idempotent),
        IFX_TEST(test_incident_update),
        IFX_TEST(test_incident_update_location_resolves_area),
        IFX_TEST(test_incident_update_sensitive),
        IFX_TEST(test_incident_access),
        cmocka_unit_test(test_incident_scope_of),
        IFX_TEST(test_incident_list_filters_and_search),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
