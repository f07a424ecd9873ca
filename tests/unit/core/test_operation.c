/* test_operation.c - joint operations (core/operation.c, operation_log.c,
 * coverage.c, asset.c): validation naming each bad member with nothing written,
 * the geometry rules, the areas a route, a point and an area cover, the joint
 * flag, the workflow (planned -> active -> completed, cancelled with a reason;
 * everything else 409 "status"), conflicts of people and assets between
 * overlapping operations (and none between operations that only touch, or once
 * one is cancelled), who sees and changes what (a unit outside: not found; a
 * participant's unit and the units above: seen; clearance), the results log with
 * an incident made in the same call and linked both ways, the summary, the
 * coverage figures, and assets.
 *
 * The fixture is incident_fx.h's province: police ca > ca_h > ca_x1 [C1], ca_x2
 * [C2]; military qs > qs_h; border guard bp > bp_don [C2]. Communes C1 and C2 lie
 * side by side in district D; C3 has no outline. */
#include "util/base.h"
#include "incident_fx.h"
#include "core/access.h"
#include "core/operation.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/time.h"

#define HOUR (3600LL * 1000)
#define DAY (24 * HOUR)
#define ROUTE_C1_C2 "{\"type\":\"LineString\",\"coordinates\":[[106.05,10.05],[106.25,10.05]]}"
#define POINT_C1 "{\"type\":\"Point\",\"coordinates\":[106.05,10.05]}"
#define POINT_C2 "{\"type\":\"Point\",\"coordinates\":[106.25,10.05]}"
#define AREA_C1 IFX_SQUARE(106.02, 10.02, 106.08, 10.08)

/* ---- helpers ----------------------------------------------------------------------- */

/* A valid patrol of unit owner along the route, starting in `in` from now for 4 h. */
static struct operation patrol(struct core_ctx *cx, int64_t owner, const char *title, int64_t in)
{
    struct operation o = {.kind = OPERATION_PATROL,
                          .domain = "land",
                          .title = title,
                          .geometry = ROUTE_C1_C2,
                          .planned_start = cx->now_ms + in,
                          .planned_end = cx->now_ms + in + 4 * HOUR,
                          .owner_unit_id = owner};
    return o;
}

static int64_t plan_ok(struct core_ctx *cx, struct operation *o)
{
    const char *field = NULL;
    int64_t other = 0;
    ph_err rc = TX(cx, operation_create(cx, o, &field, &other));
    if (rc != PH_OK)
        fail_msg("plan %s: %d (%s, other %lld)", o->title, rc, field != NULL ? field : "",
                 (long long)other);
    assert_true(o->id > 0);
    return o->id;
}

static void status_ok(struct core_ctx *cx, int64_t id, const char *status, int64_t at,
                      const char *reason)
{
    const char *field = NULL;
    ph_err rc = TX(cx, operation_set_status(cx, id, 0, status, at, reason, &field));
    if (rc != PH_OK)
        fail_msg("status %s of %lld: %d (%s)", status, (long long)id, rc,
                 field != NULL ? field : "");
}

static size_t count_all(struct ifx *f)
{
    struct operation_filter filter = {.limit = 500};
    struct operation *items = NULL;
    size_t n = 0;
    bool more = false;
    assert_int_equal(operation_list(&f->tu.sys, &filter, &items, &n, &more), PH_OK);
    return n;
}

static bool ids_have(const int64_t *ids, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id)
            return true;
    return false;
}

static int64_t asset_ok(struct core_ctx *cx, const char *kind, const char *code, int64_t unit)
{
    struct asset a = {.kind = kind, .code = code, .name = "Tàu tuần tra", .unit_id = unit,
                      .is_active = true};
    const char *field = NULL;
    ph_err rc = TX(cx, asset_create(cx, &a, &field));
    if (rc != PH_OK)
        fail_msg("asset %s: %d (%s)", code, rc, field != NULL ? field : "");
    return a.id;
}

/* A stored person at unit with roles, and a caller acting as them. */
static struct core_user person_user(struct ifx *f, const char *username, int64_t unit,
                                    unsigned roles)
{
    struct core_user who = tu_user_at(&f->tu.sys, unit, roles, CLEARANCE_SECRET);
    who.person_id = ifx_person(&f->tu.sys, username, "Võ Văn Tuần", unit, roles);
    return who;
}

/* ---- validation ---------------------------------------------------------------------- */

static void test_operation_validation(void **state)
{
    struct ifx *f = *state;
    struct core_ctx h = tu_as(&f->tu, &f->h); /* duty officer at ca_h, secret */
    int64_t bad_ids[1] = {99999};
    static const struct {
        const char *geometry;
        const char *kind;
    } bad_geometry[] = {
        {NULL, OPERATION_PATROL},
        {"not json", OPERATION_PATROL},
        {"[1,2]", OPERATION_PATROL},
        {"{\"type\":\"LineString\",\"coordinates\":[[106.0,10.0]]}", OPERATION_PATROL},
        {"{\"type\":\"LineString\",\"coordinates\":[[106.0,91.0],[106.1,10.0]]}", OPERATION_PATROL},
        {"{\"type\":\"LineString\",\"coordinates\":[[181.0,10.0],[106.1,10.0]]}", OPERATION_PATROL},
        {"{\"type\":\"LineString\",\"coordinates\":[[\"106\",10.0],[106.1,10.0]]}",
         OPERATION_PATROL},
        {"{\"type\":\"Polygon\",\"coordinates\":[[[106,10],[106.1,10],[106.1,10.1],[106,10.2]]]}",
         OPERATION_CONTROL}, /* open ring */
        {"{\"type\":\"Polygon\",\"coordinates\":[[[106,10],[106.1,10],[106,10]]]}",
         OPERATION_CONTROL}, /* three points */
        {"{\"type\":\"MultiPoint\",\"coordinates\":[[106,10]]}", OPERATION_CHECKPOINT},
        {"{\"type\":\"Point\",\"coordinates\":[106,10],\"crs\":\"x\"}", OPERATION_CHECKPOINT},
        {ROUTE_C1_C2, OPERATION_CHECKPOINT}, /* a checkpoint holds a point */
        {POINT_C1, OPERATION_PATROL},         /* a patrol moves */
        {ROUTE_C1_C2, OPERATION_CONTROL},     /* control: an area or a point */
    };
    size_t before = count_all(f);
    int64_t audits = tu_audit_count(f->tu.st);
    const char *field = NULL;
    int64_t other = 0;

    for (int i = 0; i < 13; i++) {
        struct operation o = patrol(&h, f->ca_h, "Tuần tra tuyến ven biển", HOUR);
        const char *want = NULL;
        switch (i) {
        case 0: o.kind = "raid"; want = "kind"; break;
        case 1: o.domain = "air"; want = "domain"; break;
        case 2: o.title = "   "; want = "title"; break;
        case 3: o.planned_start = 0; want = "planned_start"; break;
        case 4: o.planned_end = o.planned_start; want = "planned_end"; break;
        case 5: o.planned_end = o.planned_start + (OPERATION_MAX_DAYS + 1) * DAY; want = "planned_end"; break;
        case 6: o.unit_ids = bad_ids; o.n_units = 1; want = "unit_ids"; break;
        case 7: o.people_ids = bad_ids; o.n_people = 1; want = "people_ids"; break;
        case 8: o.commander_id = 99999; want = "commander_id"; break;
        case 9: o.asset_ids = bad_ids; o.n_assets = 1; want = "asset_ids"; break;
        case 10: o.classification = CLEARANCE_TOP_SECRET; want = "classification"; break;
        case 11: o.campaign_id = 3; want = "campaign_id"; break;
        case 12: o.owner_unit_id = 99999; want = "owner_unit_id"; break;
        }
        TX_EINVAL_CASE(i, &h, operation_create(&h, &o, &field, &other), field, want);
    }
    for (size_t i = 0; i < PH_NELEM(bad_geometry); i++) {
        struct operation o = patrol(&h, f->ca_h, "Tuần tra", HOUR);
        o.kind = bad_geometry[i].kind;
        o.geometry = bad_geometry[i].geometry;
        TX_EINVAL_CASE(i, &h, operation_create(&h, &o, &field, &other), field, "geometry");
    }
    assert_int_equal(count_all(f), before);
    assert_int_equal(tu_audit_count(f->tu.st), audits);
}

/* ---- plans, areas, the joint flag ------------------------------------------------------ */

static void test_operation_create_areas_joint(void **state)
{
    struct ifx *f = *state;
    struct core_ctx h = tu_as(&f->tu, &f->h);
    int64_t units[2] = {f->qs_h, f->ca_x1}, people[1] = {f->duty_ca_h};
    struct operation o = patrol(&h, f->ca_h, "Tuần tra liên ngành tuyến Bình Thắng", HOUR), got;
    struct operation c = patrol(&h, 0, "Kiểm soát khu vực bãi ngang", 2 * DAY);
    struct operation k = patrol(&h, 0, "Chốt chặn ngã ba", 3 * DAY);
    struct operation solo = patrol(&h, 0, "Tuần tra công an", 4 * DAY);
    struct store_outbox_event ev;

    o.unit_ids = units;
    o.n_units = 2;
    o.people_ids = people;
    o.n_people = 1;
    o.commander_id = f->cmd_ca_h; /* joins the people */
    plan_ok(&h, &o);
    assert_string_equal(o.status, OPERATION_PLANNED);
    assert_true(o.is_joint); /* police and military */
    assert_string_equal(o.geometry_kind, "route");
    assert_true(o.min_lon == 106.05 && o.max_lon == 106.25);
    /* The route runs through C1, the district between them, and C2. */
    assert_true(ids_have(o.area_ids, o.n_areas, f->c1));
    assert_true(ids_have(o.area_ids, o.n_areas, f->c2));
    assert_true(ids_have(o.area_ids, o.n_areas, f->d));
    assert_false(ids_have(o.area_ids, o.n_areas, f->p)); /* the deepest only */
    assert_int_equal(o.n_people, 2);
    assert_true(ids_have(o.people_ids, o.n_people, f->cmd_ca_h));
    /* Every unit, the owner first, with what it is. */
    assert_int_equal(o.n_units, 3);
    assert_int_equal(o.unit_ids[0], f->ca_h);
    assert_string_equal(o.units[0].role, "lead");
    assert_string_equal(o.units[1].force, "military");
    assert_string_equal(o.units[2].role, "participant");
    ev = tu_event_last(f->tu.st, &f->tu.a);
    assert_string_equal(ev.topic, "operation.planned");
    assert_string_equal(tu_audit_last(f->tu.st, &f->tu.a).action, "operation.create");
    assert_int_equal(operation_get(&h, o.id, &got), PH_OK);
    assert_string_equal(got.title, "Tuần tra liên ngành tuyến Bình Thắng");
    assert_int_equal(got.n_units, 3);
    assert_non_null(got.units);

    /* A control area inside C1; a checkpoint on C1; one force is not joint. */
    c.kind = OPERATION_CONTROL;
    c.geometry = AREA_C1;
    plan_ok(&h, &c);
    assert_string_equal(c.geometry_kind, "area");
    assert_int_equal(c.n_areas, 1);
    assert_int_equal(c.area_ids[0], f->c1);
    assert_int_equal(c.owner_unit_id, f->ca_h); /* the caller's unit by default */
    k.kind = OPERATION_CHECKPOINT;
    k.geometry = POINT_C1;
    plan_ok(&h, &k);
    assert_int_equal(k.n_areas, 1);
    assert_int_equal(k.area_ids[0], f->c1);
    solo.unit_ids = &units[1];
    solo.n_units = 1;
    plan_ok(&h, &solo);
    assert_false(solo.is_joint);
}

/* ---- the workflow --------------------------------------------------------------------- */

static void test_operation_workflow(void **state)
{
    struct ifx *f = *state;
    struct core_ctx h = tu_as(&f->tu, &f->h);
    struct operation o = patrol(&h, f->ca_h, "Tuần tra đêm", -HOUR), got;
    struct operation p = patrol(&h, f->ca_h, "Tuần tra hủy", 8 * DAY);
    const char *field = NULL;
    int64_t other = 0;

    plan_ok(&h, &o);
    /* Not from planned to completed; an unknown status names the field. */
    field = NULL;
    assert_int_equal(TX(&h, operation_set_status(&h, o.id, 0, OPERATION_COMPLETED, 0, NULL, &field)),
                     PH_ECONFLICT);
    assert_string_equal(field, "status");
    TX_EINVAL(&h, operation_set_status(&h, o.id, 0, "paused", 0, NULL, &field), field, "status");
    TX_EINVAL(&h, operation_set_status(&h, o.id, 0, OPERATION_ACTIVE, h.now_ms + DAY, NULL, &field),
              field, "at");
    assert_int_equal(TX(&h, operation_set_status(&h, o.id, 99, OPERATION_ACTIVE, 0, NULL, &field)),
                     PH_ESTALE);
    /* Nor long before its plan: a start in 1970 would make it conflict with every
     * later plan of its people and cover every area all along (coverage). */
    TX_EINVAL(&h, operation_set_status(&h, o.id, 0, OPERATION_ACTIVE, 1, NULL, &field), field, "at");
    TX_EINVAL(&h, operation_set_status(&h, o.id, 0, OPERATION_ACTIVE, o.planned_start - 2 * DAY,
                                        NULL, &field),
              field, "at");
    /* An operation planned for a week ahead may start today (entered, then moved up). */
    {
        struct operation early = patrol(&h, f->ca_h, "Tuần tra sớm", 7 * DAY);
        plan_ok(&h, &early);
        status_ok(&h, early.id, OPERATION_ACTIVE, 0, NULL);
        status_ok(&h, early.id, OPERATION_COMPLETED, 0, NULL);
    }
    status_ok(&h, o.id, OPERATION_ACTIVE, h.now_ms - 30 * 60000, NULL);
    assert_int_equal(operation_get(&h, o.id, &got), PH_OK);
    assert_string_equal(got.status, OPERATION_ACTIVE);
    assert_int_equal(got.started_at, h.now_ms - 30 * 60000);
    assert_string_equal(tu_event_last(f->tu.st, &f->tu.a).topic, "operation.started");
    field = NULL;
    assert_int_equal(TX(&h, operation_set_status(&h, o.id, 0, OPERATION_ACTIVE, 0, NULL, &field)),
                     PH_ECONFLICT);
    /* Completing before it started is no time at all. */
    TX_EINVAL(&h, operation_set_status(&h, o.id, 0, OPERATION_COMPLETED, h.now_ms - HOUR, NULL,
                                        &field),
              field, "at");
    status_ok(&h, o.id, OPERATION_COMPLETED, 0, NULL);
    assert_int_equal(operation_get(&h, o.id, &got), PH_OK);
    assert_int_equal(got.ended_at, h.now_ms);
    assert_string_equal(tu_event_last(f->tu.st, &f->tu.a).topic, "operation.completed");
    field = NULL;
    assert_int_equal(TX(&h, operation_set_status(&h, o.id, 0, OPERATION_CANCELLED, 0, "Bão", &field)),
                     PH_ECONFLICT);
    /* A completed operation is history: no more changes. */
    got.title = "Đổi tên";
    field = NULL;
    assert_int_equal(TX(&h, operation_update(&h, &got, &field, &other)), PH_ECONFLICT);
    assert_string_equal(field, "status");

    /* Cancelling needs a reason. */
    plan_ok(&h, &p);
    TX_EINVAL(&h, operation_set_status(&h, p.id, 0, OPERATION_CANCELLED, 0, "  ", &field), field,
              "reason");
    status_ok(&h, p.id, OPERATION_CANCELLED, 0, "Áp thấp nhiệt đới, biển động");
    assert_int_equal(operation_get(&h, p.id, &got), PH_OK);
    assert_string_equal(got.status, OPERATION_CANCELLED);
    assert_string_equal(got.cancel_reason, "Áp thấp nhiệt đới, biển động");
    assert_int_equal(got.ended_at, 0);
}

static void test_operation_update(void **state)
{
    struct ifx *f = *state;
    struct core_ctx h = tu_as(&f->tu, &f->h);
    struct core_ctx qs = tu_as(&f->tu, &f->qs_duty);
    int64_t units[1] = {f->qs_h};
    struct operation o = patrol(&h, f->ca_h, "Tuần tra", DAY), got;
    const char *field = NULL;
    int64_t other = 0, version;

    plan_ok(&h, &o);
    assert_false(o.is_joint);
    assert_int_equal(operation_get(&h, o.id, &got), PH_OK);
    version = got.version;
    got.title = "Tuần tra liên ngành";
    got.unit_ids = units;
    got.n_units = 1;
    got.kind = OPERATION_CONTROL;
    got.geometry = POINT_C2;
    assert_int_equal(TX(&h, operation_update(&h, &got, &field, &other)), PH_OK);
    assert_true(got.is_joint);
    assert_int_equal(got.version, version + 1);
    assert_int_equal(got.n_areas, 1);
    assert_int_equal(got.area_ids[0], f->c2);
    assert_string_equal(tu_event_last(f->tu.st, &f->tu.a).topic, "operation.updated");
    /* A stale version; a participant reads but does not change the plan. */
    got.version = version;
    assert_int_equal(TX(&h, operation_update(&h, &got, &field, &other)), PH_ESTALE);
    assert_int_equal(operation_get(&qs, o.id, &got), PH_OK);
    assert_int_equal(TX(&qs, operation_update(&qs, &got, &field, &other)), PH_EPERM);
    assert_int_equal(TX(&qs, operation_set_status(&qs, o.id, 0, OPERATION_ACTIVE, 0, NULL, &field)),
                     PH_EPERM);
    /* Bad members on update name themselves too. */
    assert_int_equal(operation_get(&h, o.id, &got), PH_OK);
    got.planned_end = got.planned_start - 1;
    TX_EINVAL(&h, operation_update(&h, &got, &field, &other), field, "planned_end");
}

/* ---- conflicts ------------------------------------------------------------------------ */

static void test_operation_conflicts(void **state)
{
    struct ifx *f = *state;
    struct core_ctx h = tu_as(&f->tu, &f->h);
    int64_t boat = asset_ok(&h, "vessel", "BP-12-03", f->ca_h);
    int64_t car = asset_ok(&h, "vehicle", "71A-123.45", f->ca_h);
    int64_t person[1] = {f->duty_ca_h}, boats[1] = {boat}, cars[1] = {car};
    struct operation a = patrol(&h, f->ca_h, "Ca sáng", DAY);             /* +24h .. +28h */
    struct operation b = patrol(&h, f->ca_h, "Ca trưa", DAY + 2 * HOUR);  /* overlaps a */
    struct operation c = patrol(&h, f->ca_h, "Ca chiều", DAY + 4 * HOUR); /* touches a */
    struct operation d = patrol(&h, f->ca_h, "Ca tàu", DAY + 3 * HOUR);
    const char *field = NULL;
    int64_t other = 0;
    size_t before;

    a.people_ids = person;
    a.n_people = 1;
    a.asset_ids = boats;
    a.n_assets = 1;
    plan_ok(&h, &a);
    before = count_all(f);
    b.people_ids = person;
    b.n_people = 1;
    field = NULL;
    assert_int_equal(TX(&h, operation_create(&h, &b, &field, &other)), PH_ECONFLICT);
    assert_string_equal(field, "people_ids");
    assert_int_equal(other, a.id);
    assert_int_equal(count_all(f), before);
    /* The boat, with other people. */
    d.asset_ids = boats;
    d.n_assets = 1;
    d.people_ids = NULL;
    d.n_people = 0;
    other = 0;
    field = NULL;
    assert_int_equal(TX(&h, operation_create(&h, &d, &field, &other)), PH_ECONFLICT);
    assert_string_equal(field, "asset_ids");
    assert_int_equal(other, a.id);
    /* Another vehicle at the same time is fine; so is the same person right after. */
    d.asset_ids = cars;
    plan_ok(&h, &d);
    c.people_ids = person;
    c.n_people = 1;
    plan_ok(&h, &c);
    /* Cancelling a frees the person and the boat. */
    status_ok(&h, a.id, OPERATION_CANCELLED, 0, "Thay đổi kế hoạch");
    b.asset_ids = boats;
    b.n_assets = 1;
    b.people_ids = NULL; /* the person is on c, which b overlaps */
    b.n_people = 0;
    plan_ok(&h, &b);
    /* An update that gives c the boat conflicts with b; an operation never
     * conflicts with itself. */
    {
        struct operation got;
        assert_int_equal(operation_get(&h, c.id, &got), PH_OK);
        assert_int_equal(TX(&h, operation_update(&h, &got, &field, &other)), PH_OK);
        got.asset_ids = boats;
        got.n_assets = 1;
        other = 0;
        assert_int_equal(TX(&h, operation_update(&h, &got, &field, &other)), PH_ECONFLICT);
        assert_int_equal(other, b.id);
    }
}

/* An active operation past its planned end still holds its people. */
static void test_operation_conflict_running_late(void **state)
{
    struct ifx *f = *state;
    struct core_ctx h = tu_as(&f->tu, &f->h);
    int64_t person[1] = {f->cmd_ca_h};
    struct operation a = patrol(&h, f->ca_h, "Tuần tra kéo dài", -6 * HOUR); /* ended -2h */
    struct operation b = patrol(&h, f->ca_h, "Tuần tra tiếp", -HOUR);
    const char *field = NULL;
    int64_t other = 0;

    a.people_ids = person;
    a.n_people = 1;
    plan_ok(&h, &a);
    b.people_ids = person;
    b.n_people = 1;
    b.planned_start = h.now_ms - HOUR;
    b.planned_end = h.now_ms + HOUR;
    /* Planned only, a is over by its plan: no conflict ... */
    plan_ok(&h, &b);
    status_ok(&h, b.id, OPERATION_CANCELLED, 0, "Thử");
    /* ... but once active it runs until it is completed. */
    status_ok(&h, a.id, OPERATION_ACTIVE, h.now_ms - 6 * HOUR, NULL);
    b.id = 0;
    assert_int_equal(TX(&h, operation_create(&h, &b, &field, &other)), PH_ECONFLICT);
    assert_int_equal(other, a.id);
}

/* ---- access --------------------------------------------------------------------------- */

static void test_operation_access(void **state)
{
    struct ifx *f = *state;
    struct core_ctx x1 = tu_as(&f->tu, &f->x1);       /* ca_x1, confidential */
    struct core_ctx x2 = tu_as(&f->tu, &f->x2);       /* ca_x2: a unit outside */
    struct core_ctx h = tu_as(&f->tu, &f->h);         /* ca_h: above the owner */
    struct core_ctx h_low = tu_as(&f->tu, &f->h_low); /* ca_h, unclassified */
    struct core_ctx qs = tu_as(&f->tu, &f->qs_duty);  /* qs_h: a participant */
    struct core_ctx qs_top = tu_as(&f->tu, &f->qs_top); /* qs: above the participant */
    struct core_ctx bp = tu_as(&f->tu, &f->bp_duty);  /* another force, not taking part */
    struct core_ctx rep = tu_as(&f->tu, &f->x1_reporter);
    int64_t units[1] = {f->qs_h};
    struct operation o = patrol(&x1, f->ca_x1, "Tuần tra xã Bình Thắng", HOUR), got;
    const char *field = NULL;
    int64_t other = 0;

    o.unit_ids = units;
    o.n_units = 1;
    o.classification = CLEARANCE_CONFIDENTIAL;
    plan_ok(&x1, &o);
    assert_int_equal(operation_get(&x2, o.id, &got), PH_ENOTFOUND);
    assert_int_equal(operation_get(&bp, o.id, &got), PH_ENOTFOUND);
    assert_int_equal(operation_get(&h_low, o.id, &got), PH_ENOTFOUND); /* clearance */
    assert_int_equal(operation_get(&h, o.id, &got), PH_OK);
    assert_int_equal(operation_get(&qs, o.id, &got), PH_OK);
    assert_int_equal(operation_get(&qs_top, o.id, &got), PH_OK);
    /* Lists apply the same rule. */
    {
        struct operation_filter filter = {.limit = 100};
        struct operation *items = NULL;
        size_t n = 0;
        bool more = false;
        struct core_ctx *who[] = {&x2, &bp, &h_low, &h, &qs, &qs_top};
        bool sees[] = {false, false, false, true, true, true};
        for (size_t i = 0; i < PH_NELEM(who); i++) {
            bool found = false;
            assert_int_equal(operation_list(who[i], &filter, &items, &n, &more), PH_OK);
            for (size_t k = 0; k < n; k++)
                found = found || items[k].id == o.id;
            if (found != sees[i])
                fail_msg("caller %zu: found %d", i, found);
        }
    }
    /* Outside: changes are "not found"; reporters do not plan. */
    assert_int_equal(TX(&x2, operation_set_status(&x2, o.id, 0, OPERATION_ACTIVE, 0, NULL, &field)),
                     PH_ENOTFOUND);
    {
        struct operation r = patrol(&rep, f->ca_x1, "Báo cáo viên lập kế hoạch", 2 * DAY);
        assert_int_equal(TX(&rep, operation_create(&rep, &r, &field, &other)), PH_EPERM);
    }
    /* The unit above plans for the unit below, not the other way. */
    {
        struct operation down = patrol(&h, f->ca_x2, "Huyện giao xã", 3 * DAY);
        struct operation up = patrol(&x1, f->ca_h, "Xã giao huyện", 3 * DAY);
        plan_ok(&h, &down);
        assert_int_equal(TX(&x1, operation_create(&x1, &up, &field, &other)), PH_EPERM);
    }
}

/* ---- the results log --------------------------------------------------------------------- */

static void test_operation_log(void **state)
{
    struct ifx *f = *state;
    struct core_ctx h = tu_as(&f->tu, &f->h);
    struct core_user member = person_user(f, "tuantra.x1", f->ca_x1, ROLE_VIEWER);
    struct core_user stranger = person_user(f, "nguoingoai.x1", f->ca_x1, ROLE_VIEWER);
    struct core_ctx m = tu_as(&f->tu, &member), s = tu_as(&f->tu, &stranger);
    int64_t people[1] = {member.person_id}, units[1] = {f->ca_x1};
    struct operation o = patrol(&h, f->ca_h, "Tuần tra có kết quả", -2 * HOUR);
    struct operation_log_entry e = {.text = "Kiểm tra 3 người, 1 xe máy"}, *items = NULL;
    struct operation_summary sum;
    struct incident inc, got;
    const char *field = NULL;
    size_t n = 0;
    bool more = false;
    int64_t before_audit;

    o.people_ids = people;
    o.n_people = 1;
    o.unit_ids = units;
    o.n_units = 1;
    plan_ok(&h, &o);
    /* Not before it starts. */
    field = NULL;
    assert_int_equal(TX(&h, operation_log_add(&h, o.id, &e, NULL, &field)), PH_ECONFLICT);
    assert_string_equal(field, "status");
    status_ok(&h, o.id, OPERATION_ACTIVE, h.now_ms - 2 * HOUR, NULL);
    /* Bad members, and a bad incident named inside it: nothing written. */
    before_audit = tu_audit_count(f->tu.st);
    for (int i = 0; i < 7; i++) {
        struct operation_log_entry b = {.text = "Kết quả", .at = h.now_ms - HOUR};
        struct incident bi = ifx_inc(&h, f->cat_crime, 0, "Vận chuyển hàng cấm");
        struct incident *pi = NULL;
        const char *want = NULL;
        switch (i) {
        case 0: b.text = NULL; want = "text"; break;
        case 1: b.has_location = true; b.lat = 95; want = "location"; break;
        case 2: b.people_checked = -1; want = "people_checked"; break;
        case 3: b.violations = OPERATION_COUNT_MAX + 1; want = "violations"; break;
        case 4: b.at = h.now_ms - 3 * HOUR; want = "at"; break; /* before it started */
        case 5: b.at = h.now_ms + DAY; want = "at"; break;
        case 6: bi.title = ""; pi = &bi; want = "incident.title"; break;
        }
        TX_EINVAL_CASE(i, &h, operation_log_add(&h, o.id, &b, pi, &field), field, want);
    }
    assert_int_equal(tu_audit_count(f->tu.st), before_audit);
    /* An assigned viewer writes; someone else of the same unit only reads. */
    e.people_checked = 3;
    e.vehicles_checked = 1;
    e.at = h.now_ms - 90 * 60000;
    assert_int_equal(TX(&m, operation_log_add(&m, o.id, &e, NULL, &field)), PH_OK);
    assert_true(e.id > 0);
    assert_int_equal(e.person_id, member.person_id);
    assert_string_equal(e.person_name, "Võ Văn Tuần");
    {
        struct operation_log_entry x = {.text = "Không phải thành viên"};
        assert_int_equal(TX(&s, operation_log_add(&s, o.id, &x, NULL, &field)), PH_EPERM);
    }
    /* An entry that becomes an incident, linked both ways, in one call. */
    inc = ifx_inc(&h, f->cat_crime, 0, "Phát hiện tàu cá vận chuyển hàng lậu");
    inc.occurred_at = 0; /* defaults to the entry's time */
    {
        struct operation_log_entry x = {.text = "Bắt giữ tàu cá",
                                        .has_location = true,
                                        .lat = 10.05,
                                        .lon = 106.05,
                                        .violations = 1,
                                        .vessels_checked = 2,
                                        .items_seized = "200 kg hàng lậu",
                                        .at = h.now_ms - 30 * 60000};
        assert_int_equal(TX(&h, operation_log_add(&h, o.id, &x, &inc, &field)), PH_OK);
        assert_true(inc.id > 0);
        assert_int_equal(x.incident_id, inc.id);
        assert_int_equal(incident_get(&h, inc.id, &got), PH_OK);
        assert_int_equal(got.operation_id, o.id);
        assert_int_equal(got.operation_log_id, x.id);
        assert_int_equal(got.occurred_at, x.at);
        assert_true(got.has_location && got.area_id == f->c1); /* found from the entry */
        assert_string_equal(tu_event_last(f->tu.st, &f->tu.a).topic, "operation.logged");
    }
    /* Time order, then paging by the last id. */
    assert_int_equal(operation_log_list(&h, o.id, 0, 1, &items, &n, &more), PH_OK);
    assert_int_equal(n, 1);
    assert_true(more);
    assert_int_equal(items[0].id, e.id);
    assert_int_equal(operation_log_list(&h, o.id, items[0].id, 10, &items, &n, &more), PH_OK);
    assert_int_equal(n, 1);
    assert_false(more);
    assert_int_equal(items[0].incident_id, inc.id);
    assert_int_equal(operation_summary(&h, o.id, &sum), PH_OK);
    assert_int_equal(sum.entries, 2);
    assert_int_equal(sum.people_checked, 3);
    assert_int_equal(sum.vehicles_checked, 1);
    assert_int_equal(sum.vessels_checked, 2);
    assert_int_equal(sum.violations, 1);
    assert_int_equal(sum.incidents, 1);
    assert_int_equal(sum.duration_ms, 2 * HOUR);
    /* A unit outside sees neither the log nor the summary. */
    {
        struct core_ctx bp = tu_as(&f->tu, &f->bp_duty);
        assert_int_equal(operation_log_list(&bp, o.id, 0, 10, &items, &n, &more), PH_ENOTFOUND);
        assert_int_equal(operation_summary(&bp, o.id, &sum), PH_ENOTFOUND);
    }
}

/* ---- coverage ---------------------------------------------------------------------------- */

static const struct coverage_area *cov_of(const struct coverage_area *items, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (items[i].area_id == id)
            return &items[i];
    return NULL;
}

static void test_operation_coverage(void **state)
{
    struct ifx *f = *state;
    struct core_ctx x1 = tu_as(&f->tu, &f->x1);
    struct core_ctx bd = tu_as(&f->tu, &f->bp_don_duty);
    struct core_ctx h = tu_as(&f->tu, &f->h);
    int64_t units[1] = {f->qs_h};
    struct operation a = patrol(&x1, f->ca_x1, "Tuần tra C1", -5 * DAY);
    struct operation b = patrol(&bd, f->bp_don, "Chốt biên phòng C2", -DAY);
    struct operation planned = patrol(&x1, f->ca_x1, "Chưa bắt đầu", -3 * DAY);
    struct coverage_query q = {.from = x1.now_ms - 10 * DAY, .to = x1.now_ms, .gap_days = 7};
    struct coverage_area *items = NULL;
    const struct coverage_area *c;
    size_t n = 0;

    a.kind = OPERATION_CONTROL;
    a.geometry = AREA_C1;
    a.unit_ids = units;
    a.n_units = 1;
    plan_ok(&x1, &a);
    status_ok(&x1, a.id, OPERATION_ACTIVE, x1.now_ms - 5 * DAY, NULL);
    status_ok(&x1, a.id, OPERATION_COMPLETED, x1.now_ms - 5 * DAY + 4 * HOUR, NULL);
    b.kind = OPERATION_CHECKPOINT;
    b.geometry = POINT_C2;
    plan_ok(&bd, &b);
    status_ok(&bd, b.id, OPERATION_ACTIVE, bd.now_ms - DAY, NULL);
    planned.kind = OPERATION_CHECKPOINT;
    planned.geometry = POINT_C1;
    plan_ok(&x1, &planned); /* never started: covers nothing */

    assert_int_equal(operation_coverage(&f->tu.sys, &q, &items, &n), PH_OK);
    assert_int_equal(n, 3); /* the communes */
    c = cov_of(items, n, f->c1);
    assert_non_null(c);
    assert_int_equal(c->operations, 1);
    assert_true(c->hours > 3.99 && c->hours < 4.01);
    assert_true(c->hours_by_force[0] > 3.99 && c->hours_by_force[1] > 3.99);
    assert_true(c->hours_by_force[2] == 0);
    assert_int_equal(c->last_covered_at, x1.now_ms - 5 * DAY + 4 * HOUR);
    assert_int_equal(c->longest_gap_ms, 5 * DAY);
    assert_false(c->gap_exceeded);
    c = cov_of(items, n, f->c2);
    assert_int_equal(c->operations, 1);
    assert_true(c->hours > 23.99 && c->hours < 24.01);
    assert_true(c->hours_by_force[2] > 23.99);
    assert_int_equal(c->longest_gap_ms, 9 * DAY);
    assert_true(c->gap_exceeded);
    c = cov_of(items, n, f->c3);
    assert_int_equal(c->operations, 0);
    assert_int_equal(c->longest_gap_ms, 10 * DAY);
    assert_int_equal(c->last_covered_at, 0);
    assert_true(c->gap_exceeded);
    /* A shorter threshold; one force; another level and kind. */
    q.gap_days = 3;
    assert_int_equal(operation_coverage(&f->tu.sys, &q, &items, &n), PH_OK);
    assert_true(cov_of(items, n, f->c1)->gap_exceeded);
    q.force = "military";
    assert_int_equal(operation_coverage(&f->tu.sys, &q, &items, &n), PH_OK);
    assert_int_equal(cov_of(items, n, f->c1)->operations, 1);
    assert_int_equal(cov_of(items, n, f->c2)->operations, 0);
    q.force = NULL;
    q.area_level = "district";
    assert_int_equal(operation_coverage(&f->tu.sys, &q, &items, &n), PH_OK);
    assert_int_equal(n, 1);
    assert_int_equal(items[0].operations, 2);
    q.area_level = NULL;
    q.area_kind = "border";
    assert_int_equal(operation_coverage(&f->tu.sys, &q, &items, &n), PH_OK);
    assert_int_equal(n, 1);
    assert_int_equal(items[0].area_id, f->c2);
    /* Only what the caller may see counts: the district police does not see the
     * border guard's checkpoint. */
    q.area_kind = NULL;
    assert_int_equal(operation_coverage(&h, &q, &items, &n), PH_OK);
    assert_int_equal(cov_of(items, n, f->c2)->operations, 0);
    assert_int_equal(cov_of(items, n, f->c1)->operations, 1);
    /* Bad queries. */
    q.to = q.from;
    assert_int_equal(operation_coverage(&h, &q, &items, &n), PH_EINVAL);
    q.to = q.from + 401 * DAY;
    assert_int_equal(operation_coverage(&h, &q, &items, &n), PH_EINVAL);
}

/* ---- assets ------------------------------------------------------------------------------ */

static void test_operation_assets(void **state)
{
    struct ifx *f = *state;
    struct core_ctx h = tu_as(&f->tu, &f->h);
    struct core_ctx x1 = tu_as(&f->tu, &f->x1);
    struct core_ctx view = tu_as(&f->tu, &f->x1_viewer);
    struct asset a = {.kind = "vessel", .code = "BP-90-01", .name = "Tàu BP-90-01", .unit_id = 0,
                      .is_active = true}, got, *items = NULL;
    struct asset_filter filter = {.kind = "vessel", .q = "bp-90"};
    const char *field = NULL;
    size_t n = 0;
    bool more = false;

    assert_int_equal(TX(&h, asset_create(&h, &a, &field)), PH_OK);
    assert_int_equal(a.unit_id, f->ca_h);
    assert_int_equal(asset_get(&view, a.id, &got), PH_OK); /* everyone reads */
    assert_int_equal(asset_list(&view, &filter, &items, &n, &more), PH_OK);
    assert_int_equal(n, 1);
    /* Same code and kind: taken; a vehicle may share it. */
    {
        struct asset dup = {.kind = "vessel", .code = "BP-90-01", .name = "Trùng", .is_active = true};
        struct asset car = {.kind = "vehicle", .code = "BP-90-01", .name = "Xe", .is_active = true};
        field = NULL;
        assert_int_equal(TX(&h, asset_create(&h, &dup, &field)), PH_ECONFLICT);
        assert_string_equal(field, "code");
        assert_int_equal(TX(&h, asset_create(&h, &car, &field)), PH_OK);
    }
    {
        struct asset bad = {.kind = "plane", .code = "X", .name = "Máy bay", .is_active = true};
        TX_EINVAL(&h, asset_create(&h, &bad, &field), field, "kind");
        bad.kind = "vehicle";
        bad.name = NULL;
        TX_EINVAL(&h, asset_create(&h, &bad, &field), field, "name");
    }
    /* The commune does not write the district's assets; a viewer writes none. */
    got.name = "Tàu đổi tên";
    assert_int_equal(TX(&x1, asset_update(&x1, &got, &field)), PH_EPERM);
    assert_int_equal(TX(&view, asset_update(&view, &got, &field)), PH_EPERM);
    assert_int_equal(TX(&h, asset_update(&h, &got, &field)), PH_OK);
    assert_int_equal(got.version, 2);
    got.version = 1;
    assert_int_equal(TX(&h, asset_update(&h, &got, &field)), PH_ESTALE);
    /* An inactive asset cannot be assigned. */
    assert_int_equal(asset_get(&h, a.id, &got), PH_OK);
    got.is_active = false;
    assert_int_equal(TX(&h, asset_update(&h, &got, &field)), PH_OK);
    {
        int64_t ids[1] = {a.id};
        struct operation o = patrol(&h, f->ca_h, "Tuần tra bằng tàu", DAY);
        int64_t other = 0;
        o.asset_ids = ids;
        o.n_assets = 1;
        TX_EINVAL(&h, operation_create(&h, &o, &field, &other), field, "asset_ids");
    }
}

/* ---- list filters --------------------------------------------------------------------------- */

static void test_operation_list_filters(void **state)
{
    struct ifx *f = *state;
    struct core_ctx h = tu_as(&f->tu, &f->h);
    int64_t units[1] = {f->qs_h}, people[1] = {f->duty_ca_h};
    struct operation j = patrol(&h, f->ca_h, "Tuần tra liên ngành Thạnh Phước", DAY);
    struct operation k = patrol(&h, f->ca_x2, "Chốt kiểm soát", 10 * DAY);
    struct operation_filter filter = {.limit = 100};
    struct operation *items = NULL;
    size_t n = 0;
    bool more = false;

    j.unit_ids = units;
    j.n_units = 1;
    j.people_ids = people;
    j.n_people = 1;
    plan_ok(&h, &j);
    k.kind = OPERATION_CHECKPOINT;
    k.geometry = POINT_C2;
    plan_ok(&h, &k);
    filter.joint_only = true;
    assert_int_equal(operation_list(&h, &filter, &items, &n, &more), PH_OK);
    assert_int_equal(n, 1);
    assert_int_equal(items[0].id, j.id);
    assert_int_equal(items[0].n_units, 2);
    assert_non_null(items[0].units); /* filled for a page */
    filter = (struct operation_filter){.kind = OPERATION_CHECKPOINT, .limit = 100};
    assert_int_equal(operation_list(&h, &filter, &items, &n, &more), PH_OK);
    assert_int_equal(n, 1);
    assert_int_equal(items[0].id, k.id);
    filter = (struct operation_filter){.person_id = f->duty_ca_h, .limit = 100};
    assert_int_equal(operation_list(&h, &filter, &items, &n, &more), PH_OK);
    assert_int_equal(n, 1);
    filter = (struct operation_filter){.unit_id = f->qs, .limit = 100}; /* qs_h is below qs */
    assert_int_equal(operation_list(&h, &filter, &items, &n, &more), PH_OK);
    assert_int_equal(n, 1);
    filter = (struct operation_filter){.q = "thanh phuoc", .limit = 100};
    assert_int_equal(operation_list(&h, &filter, &items, &n, &more), PH_OK);
    assert_int_equal(n, 1);
    filter = (struct operation_filter){.from = h.now_ms + 5 * DAY, .to = h.now_ms + 20 * DAY,
                                       .limit = 100};
    assert_int_equal(operation_list(&h, &filter, &items, &n, &more), PH_OK);
    assert_int_equal(n, 1);
    assert_int_equal(items[0].id, k.id);
    status_ok(&h, j.id, OPERATION_ACTIVE, 0, NULL);
    filter = (struct operation_filter){.status = OPERATION_ACTIVE, .limit = 100};
    assert_int_equal(operation_list(&h, &filter, &items, &n, &more), PH_OK);
    assert_int_equal(n, 1);
    assert_int_equal(items[0].id, j.id);
    /* Newest first, paged below the last id. */
    filter = (struct operation_filter){.limit = 1};
    assert_int_equal(operation_list(&h, &filter, &items, &n, &more), PH_OK);
    assert_int_equal(items[0].id, k.id);
    assert_true(more);
    filter.before_id = items[0].id;
    assert_int_equal(operation_list(&h, &filter, &items, &n, &more), PH_OK);
    assert_int_equal(items[0].id, j.id);
    assert_false(more);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        IFX_TEST(test_operation_validation),
        IFX_TEST(test_operation_create_areas_joint),
        IFX_TEST(test_operation_workflow),
        IFX_TEST(test_operation_update),
        IFX_TEST(test_operation_conflicts),
        IFX_TEST(test_operation_conflict_running_late),
        IFX_TEST(test_operation_access),
        IFX_TEST(test_operation_log),
        IFX_TEST(test_operation_coverage),
        IFX_TEST(test_operation_assets),
        IFX_TEST(test_operation_list_filters),
    };
    return cmocka_run_group_tests_name("operation", tests, NULL, NULL);
}
