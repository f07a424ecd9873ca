/* test_routing.c - routing rules: the seeded defaults (border belt and sea to the
 * Border Guard, crime and drugs to the Police, disasters to the Military
 * Command), priorities, inactive rules, severity ranges, area and area-kind
 * conditions, the responsible unit found up the area tree, the informed units
 * without duplicates, the defaults when nothing matches, the fallback unit,
 * validation with the field named, and who may write rules (audited). */
#include "util/base.h"
#include "testutil.h"
#include "core/access.h"
#include "core/area.h"
#include "core/category.h"
#include "core/incident.h"
#include "core/routing.h"
#include "core/unit.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/limits.h"

/* A province P with districts D1 (coastal) and D2 (inland) and a sea area SEA;
 * communes C1 (inland) and C2 (border belt) in D1, C3 (inland) in D2. Units:
 * police CA > CA_D1 (D1) > CA_C1 (C1), CA > CA_D2 (D2); military QS > QS_D1 (D1);
 * border guard BP > BP_C2 (C2 and SEA). */
struct fx {
    struct tu_fx tu; /* first, for tu_fx_teardown() */
    int64_t p, d1, d2, sea, c1, c2, c3;
    int64_t ca, ca_d1, ca_c1, ca_d2, qs, qs_d1, bp, bp_c2;
    int64_t crime, drugs, disaster, fishing, epidemic;
    struct core_user admin, viewer, district_admin;
};

static int64_t mk_area(struct core_ctx *sys, const char *code, const char *name, const char *level,
                       const char *kind, int64_t parent)
{
    struct area a = {.code = code,
                     .name = name,
                     .level = level,
                     .kind = kind,
                     .parent_id = parent,
                     .valid_from = "2020-01-01"};
    const char *field = NULL;
    ph_err rc = TX(sys, area_create(sys, &a, &field));
    if (rc != PH_OK)
        fail_msg("area %s: %d (%s)", code, rc, field != NULL ? field : "");
    return a.id;
}

static int64_t mk_unit(struct core_ctx *sys, const char *code, const char *name, const char *force,
                       const char *level, int64_t parent, int64_t *areas, size_t n_areas)
{
    struct unit u = tu_unit(code, name, force, level, parent);
    u.area_ids = areas;
    u.n_areas = n_areas;
    return tu_unit_create(sys, u);
}

static int64_t category_id(struct core_ctx *sys, const char *code)
{
    struct category c;
    assert_int_equal(category_get_by_code(sys, code, &c), PH_OK);
    return c.id;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct core_ctx *sys;
    int64_t a[2];

    if (f == NULL)
        return -1;
    tu_fx_open(&f->tu);
    sys = &f->tu.sys;
    f->p = mk_area(sys, "83", "Tỉnh Bến Tre", "province", "coastal", 0);
    f->d1 = mk_area(sys, "831", "Huyện Thạnh Phú", "district", "coastal", f->p);
    f->d2 = mk_area(sys, "832", "Huyện Chợ Lách", "district", "inland", f->p);
    f->sea = mk_area(sys, "83B", "Vùng biển Bến Tre", "district", "sea", f->p);
    f->c1 = mk_area(sys, "28900", "Xã Mỹ Hưng", "commune", "inland", f->d1);
    f->c2 = mk_area(sys, "28901", "Xã Thạnh Phong", "commune", "border", f->d1);
    f->c3 = mk_area(sys, "28902", "Xã Long Thới", "commune", "inland", f->d2);

    f->ca = mk_unit(sys, "CA-BT", "Công an tỉnh Bến Tre", "police", "province", 0, NULL, 0);
    a[0] = f->d1;
    f->ca_d1 = mk_unit(sys, "CA-TP", "Công an huyện Thạnh Phú", "police", "district", f->ca, a, 1);
    a[0] = f->c1;
    f->ca_c1 = mk_unit(sys, "CA-MH", "Công an xã Mỹ Hưng", "police", "commune", f->ca_d1, a, 1);
    a[0] = f->d2;
    f->ca_d2 = mk_unit(sys, "CA-CL", "Công an huyện Chợ Lách", "police", "district", f->ca, a, 1);
    f->qs = mk_unit(sys, "QS-BT", "Bộ CHQS tỉnh Bến Tre", "military", "province", 0, NULL, 0);
    a[0] = f->d1;
    f->qs_d1 =
        mk_unit(sys, "QS-TP", "Ban CHQS huyện Thạnh Phú", "military", "district", f->qs, a, 1);
    f->bp = mk_unit(sys, "BP-BT", "BĐBP tỉnh Bến Tre", "border_guard", "province", 0, NULL, 0);
    a[0] = f->c2;
    a[1] = f->sea;
    f->bp_c2 = mk_unit(sys, "BP-TP", "Đồn Biên phòng Thạnh Phong", "border_guard", "district",
                       f->bp, a, 2);

    f->crime = category_id(sys, "crime");
    f->drugs = category_id(sys, "drugs");
    f->disaster = category_id(sys, "natural_disaster");
    f->fishing = category_id(sys, "illegal_fishing");
    f->epidemic = category_id(sys, "epidemic");

    f->admin = tu_global_admin();
    f->viewer = tu_user_at(sys, f->ca_d1, ROLE_VIEWER | ROLE_DUTY_OFFICER, CLEARANCE_SECRET);
    f->district_admin = tu_user_at(sys, f->ca_d1, ROLE_ADMIN, CLEARANCE_SECRET);
    *state = f;
    return 0;
}

/* ---- helpers ------------------------------------------------------------------------ */

static struct incident inc_at(int64_t category, int severity, int64_t area, int64_t reporting)
{
    struct incident inc = {.category_id = category,
                           .severity = severity,
                           .area_id = area,
                           .reporting_unit_id = reporting};
    return inc;
}

static struct routing_plan plan_ok(struct fx *f, struct incident inc)
{
    struct routing_plan p;
    ph_err rc = routing_plan_for(&f->tu.sys, &inc, &p);
    if (rc != PH_OK)
        fail_msg("routing_plan_for: %d", rc);
    assert_true(p.lead_unit_id > 0);
    return p;
}

/* The plan's informed units are exactly want (in order). */
static void informed_is(const struct routing_plan *p, const int64_t *want, size_t n)
{
    bool same = p->n_informed == n;
    for (size_t i = 0; same && i < n; i++)
        same = p->informed_unit_ids[i] == want[i];
    if (!same) {
        print_error("informed:");
        for (size_t i = 0; i < p->n_informed; i++)
            print_error(" %lld", (long long)p->informed_unit_ids[i]);
        print_error("; want:");
        for (size_t i = 0; i < n; i++)
            print_error(" %lld", (long long)want[i]);
        print_error("\n");
        fail();
    }
}

static bool informs(const struct routing_plan *p, int64_t unit_id)
{
    for (size_t i = 0; i < p->n_informed; i++)
        if (p->informed_unit_ids[i] == unit_id)
            return true;
    return false;
}

static int64_t create_rule(struct fx *f, struct routing_rule r)
{
    struct core_ctx cx = tu_as(&f->tu, &f->admin);
    const char *field = NULL;
    ph_err rc = TX(&cx, routing_rule_create(&cx, &r, &field));
    if (rc != PH_OK)
        fail_msg("create rule: %d (%s)", rc, field != NULL ? field : "");
    return r.id;
}

static void set_active(struct fx *f, int64_t id, bool active)
{
    struct core_ctx cx = tu_as(&f->tu, &f->admin);
    struct routing_rule r;
    const char *field = NULL;

    assert_int_equal(routing_rule_get(&cx, id, &r), PH_OK);
    r.is_active = active;
    r.version = 0;
    assert_int_equal(TX(&cx, routing_rule_update(&cx, &r, &field)), PH_OK);
}

/* Deactivate every active rule (the seeded ones), so that a test sees only its own. */
static void isolate(struct fx *f)
{
    struct core_ctx cx = tu_as(&f->tu, &f->admin);
    struct routing_rule_filter flt = {.limit = LIST_MAX_LIMIT};
    struct routing_rule *items = NULL;
    size_t n = 0;
    bool more = false;

    assert_int_equal(routing_rule_list(&cx, &flt, &items, &n, &more), PH_OK);
    assert_false(more);
    for (size_t i = 0; i < n; i++)
        set_active(f, items[i].id, false);
}

static void set_unit_active(struct fx *f, int64_t id, bool active)
{
    struct core_ctx *sys = &f->tu.sys;
    struct unit u;
    const char *field = NULL;

    assert_int_equal(unit_get(sys, id, &u), PH_OK);
    u.is_active = active;
    assert_int_equal(TX(sys, unit_update(sys, &u, &field)), PH_OK);
}

static struct routing_rule rule_named(const char *name, int priority)
{
    struct routing_rule r = {.name = name, .priority = priority, .is_active = true};
    return r;
}

/* ---- the seeded defaults ------------------------------------------------------------- */

static void test_routing_seeded_border(void **state)
{
    struct fx *f = *state;
    struct core_ctx v = tu_as(&f->tu, &f->viewer);
    struct routing_rule rule;
    /* Crime in the border belt: the place decides, the Border Guard leads. */
    struct routing_plan p = plan_ok(f, inc_at(f->crime, 3, f->c2, f->ca_c1));
    const int64_t want[] = {f->ca_d1, f->qs_d1};

    assert_int_equal(p.lead_unit_id, f->bp_c2);
    informed_is(&p, want, PH_NELEM(want));
    assert_true(p.rule_id > 0);
    assert_int_equal(routing_rule_get(&v, p.rule_id, &rule), PH_OK);
    assert_string_equal(rule.area_kind, "border");
    assert_string_equal(rule.lead_force, "border_guard");
    assert_int_equal(p.report_deadline_min, rule.report_deadline_min);
    assert_int_equal(p.ack_deadline_min, rule.ack_deadline_min);
    assert_int_equal(p.verify_deadline_min, rule.verify_deadline_min);
    assert_true(p.ack_deadline_min > 0);

    /* Drugs there too, whatever the category's own lead. */
    p = plan_ok(f, inc_at(f->drugs, 2, f->c2, f->ca_c1));
    assert_int_equal(p.lead_unit_id, f->bp_c2);

    /* At sea: the Border Guard's post answering for the sea area. */
    p = plan_ok(f, inc_at(f->fishing, 2, f->sea, f->bp_c2));
    assert_int_equal(p.lead_unit_id, f->bp_c2);
    assert_int_equal(routing_rule_get(&v, p.rule_id, &rule), PH_OK);
    assert_string_equal(rule.area_kind, "sea");
    /* The other two forces, each its unit up the tree: neither answers for SEA or
     * P, so their provincial commands. The reporter (the lead here) is left out. */
    const int64_t want_sea[] = {f->ca, f->qs};
    informed_is(&p, want_sea, PH_NELEM(want_sea));
}

static void test_routing_seeded_by_category(void **state)
{
    struct fx *f = *state;
    struct core_ctx v = tu_as(&f->tu, &f->viewer);
    struct routing_rule rule;

    /* Drugs inland: the Police, the commune's own police station. */
    struct routing_plan p = plan_ok(f, inc_at(f->drugs, 3, f->c1, f->ca_c1));
    const int64_t want_drugs[] = {f->qs_d1, f->bp};
    assert_int_equal(p.lead_unit_id, f->ca_c1);
    informed_is(&p, want_drugs, PH_NELEM(want_drugs));
    assert_int_equal(routing_rule_get(&v, p.rule_id, &rule), PH_OK);
    assert_int_equal(rule.category_id, f->drugs);

    /* A disaster: the Military Command; the district's military answers for C1. */
    p = plan_ok(f, inc_at(f->disaster, 4, f->c1, f->ca_c1));
    const int64_t want_disaster[] = {f->bp};
    assert_int_equal(p.lead_unit_id, f->qs_d1);
    informed_is(&p, want_disaster, PH_NELEM(want_disaster)); /* ca_c1 reported it */
    assert_int_equal(routing_rule_get(&v, p.rule_id, &rule), PH_OK);
    assert_int_equal(rule.category_id, f->disaster);
    assert_string_equal(rule.lead_force, "military");

    /* Crime in the other district: its district police. */
    p = plan_ok(f, inc_at(f->crime, 3, f->c3, 0));
    assert_int_equal(p.lead_unit_id, f->ca_d2);
    const int64_t want_crime[] = {f->qs, f->bp};
    informed_is(&p, want_crime, PH_NELEM(want_crime));

    /* A category with no lead of its own (epidemic) falls to the catch-all rule,
     * which leaves the lead to the category, and then to the Police. */
    p = plan_ok(f, inc_at(f->epidemic, 2, f->c3, 0));
    assert_true(p.rule_id > 0);
    assert_int_equal(p.lead_unit_id, f->ca_d2);
    informed_is(&p, want_crime, PH_NELEM(want_crime));

    /* No area: the forces' provincial commands. */
    p = plan_ok(f, inc_at(f->drugs, 3, 0, 0));
    assert_int_equal(p.lead_unit_id, f->ca);
    assert_false(informs(&p, f->ca));
}

/* ---- rule mechanics ------------------------------------------------------------------ */

static void test_routing_priority_and_inactive(void **state)
{
    struct fx *f = *state;
    int64_t inform_units[] = {f->ca};
    const char *inform_forces[] = {"border_guard"};
    struct routing_rule r = rule_named("Ma túy trên địa bàn Thạnh Phú: Quân sự chủ trì", 5);
    int64_t id;
    struct routing_plan p;

    r.category_id = f->drugs;
    r.area_id = f->d1;
    r.lead_force = "military";
    r.inform_forces = inform_forces;
    r.n_inform_forces = 1;
    r.inform_unit_ids = inform_units;
    r.n_inform_units = 1;
    r.report_deadline_min = 15;
    r.ack_deadline_min = 10;
    r.verify_deadline_min = 45;
    r.fallback_unit_id = f->ca_d1;
    id = create_rule(f, r);

    /* Priority 5 comes before the seeded rules. */
    p = plan_ok(f, inc_at(f->drugs, 3, f->c1, f->ca_c1));
    assert_int_equal(p.rule_id, id);
    assert_int_equal(p.lead_unit_id, f->qs_d1);
    const int64_t want[] = {f->bp, f->ca};
    informed_is(&p, want, PH_NELEM(want));
    assert_int_equal(p.report_deadline_min, 15);
    assert_int_equal(p.ack_deadline_min, 10);
    assert_int_equal(p.verify_deadline_min, 45);
    assert_int_equal(p.fallback_unit_id, f->ca_d1);
    /* Outside its area, the seeded drugs rule. */
    p = plan_ok(f, inc_at(f->drugs, 3, f->c3, 0));
    assert_true(p.rule_id != id);
    assert_int_equal(p.lead_unit_id, f->ca_d2);
    /* Before the border rule too (priority 10), since C2 lies in D1. */
    p = plan_ok(f, inc_at(f->drugs, 3, f->c2, 0));
    assert_int_equal(p.rule_id, id);

    /* Deactivated: skipped. */
    set_active(f, id, false);
    p = plan_ok(f, inc_at(f->drugs, 3, f->c1, f->ca_c1));
    assert_true(p.rule_id != id);
    assert_int_equal(p.lead_unit_id, f->ca_c1);
    set_active(f, id, true);
    p = plan_ok(f, inc_at(f->drugs, 3, f->c1, f->ca_c1));
    assert_int_equal(p.rule_id, id);

    /* Equal priorities: the lower id first. */
    r.name = "Bản sao";
    r.lead_force = "border_guard";
    assert_true(create_rule(f, r) > id);
    p = plan_ok(f, inc_at(f->drugs, 3, f->c1, f->ca_c1));
    assert_int_equal(p.rule_id, id);
}

static void test_routing_severity_range(void **state)
{
    struct fx *f = *state;
    struct routing_rule high = rule_named("Nghiêm trọng: Quân sự", 1);
    struct routing_rule low = rule_named("Ít nghiêm trọng: Biên phòng", 2);
    struct routing_rule top = rule_named("Đặc biệt nghiêm trọng: Công an", 0);
    int64_t id_high, id_low, id_top;
    static const struct {
        int severity;
        int which; /* 0 top, 1 high, 2 low */
    } cases[] = {{1, 2}, {2, 2}, {3, 1}, {4, 0}};

    isolate(f);
    high.severity_min = 3;
    high.severity_max = 4;
    high.lead_force = "military";
    low.severity_max = 2; /* open below */
    low.lead_force = "border_guard";
    top.severity_min = 4; /* open above */
    top.lead_force = "police";
    id_high = create_rule(f, high);
    id_low = create_rule(f, low);
    id_top = create_rule(f, top);
    const int64_t ids[] = {id_top, id_high, id_low};
    const int64_t leads[] = {f->ca_c1, f->qs_d1, f->bp};
    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        struct routing_plan p = plan_ok(f, inc_at(f->crime, cases[i].severity, f->c1, 0));
        if (p.rule_id != ids[cases[i].which] || p.lead_unit_id != leads[cases[i].which])
            fail_msg("severity %d: rule %lld lead %lld", cases[i].severity, (long long)p.rule_id,
                     (long long)p.lead_unit_id);
    }
}

static void test_routing_area_conditions(void **state)
{
    struct fx *f = *state;
    struct routing_rule in_d1 = rule_named("Huyện Thạnh Phú: Quân sự", 1);
    struct routing_rule coastal = rule_named("Ven biển: Biên phòng", 0);
    int64_t id_d1, id_coastal;
    struct routing_plan p;

    isolate(f);
    in_d1.area_id = f->d1;
    in_d1.lead_force = "military";
    id_d1 = create_rule(f, in_d1);
    /* The area itself and everything below it. */
    p = plan_ok(f, inc_at(f->crime, 2, f->c1, 0));
    assert_int_equal(p.rule_id, id_d1);
    p = plan_ok(f, inc_at(f->crime, 2, f->c2, 0));
    assert_int_equal(p.rule_id, id_d1);
    p = plan_ok(f, inc_at(f->crime, 2, f->d1, 0));
    assert_int_equal(p.rule_id, id_d1);
    assert_int_equal(p.lead_unit_id, f->qs_d1);
    /* Not beside it, above it, or without an area. */
    assert_int_equal(plan_ok(f, inc_at(f->crime, 2, f->c3, 0)).rule_id, 0);
    assert_int_equal(plan_ok(f, inc_at(f->crime, 2, f->p, 0)).rule_id, 0);
    assert_int_equal(plan_ok(f, inc_at(f->crime, 2, 0, 0)).rule_id, 0);

    /* The kind is the incident's own area's: D1 is coastal, C1 in it inland. */
    coastal.area_kind = "coastal";
    coastal.lead_force = "border_guard";
    id_coastal = create_rule(f, coastal);
    p = plan_ok(f, inc_at(f->crime, 2, f->d1, 0));
    assert_int_equal(p.rule_id, id_coastal);
    assert_int_equal(p.lead_unit_id, f->bp); /* nobody of BP answers for D1 or P */
    p = plan_ok(f, inc_at(f->crime, 2, f->c1, 0));
    assert_int_equal(p.rule_id, id_d1);
    p = plan_ok(f, inc_at(f->crime, 2, f->p, 0));
    assert_int_equal(p.rule_id, id_coastal);
    assert_int_equal(plan_ok(f, inc_at(f->crime, 2, 0, 0)).rule_id, 0);
    /* An area that does not exist matches no area condition. */
    assert_int_equal(plan_ok(f, inc_at(f->crime, 2, 99999, 0)).rule_id, 0);
}

static void test_routing_no_rule_matched(void **state)
{
    struct fx *f = *state;
    struct routing_plan p;

    isolate(f);
    /* The category's lead force, the other two informed, 60 / 30 / 0. */
    p = plan_ok(f, inc_at(f->drugs, 3, f->c1, f->ca_c1));
    const int64_t want_drugs[] = {f->qs_d1, f->bp};
    assert_int_equal(p.rule_id, 0);
    assert_int_equal(p.lead_unit_id, f->ca_c1);
    informed_is(&p, want_drugs, PH_NELEM(want_drugs));
    assert_int_equal(p.report_deadline_min, 60);
    assert_int_equal(p.ack_deadline_min, 30);
    assert_int_equal(p.verify_deadline_min, 0);
    assert_int_equal(p.fallback_unit_id, 0);

    p = plan_ok(f, inc_at(f->disaster, 3, f->c1, 0));
    const int64_t want_disaster[] = {f->ca_c1, f->bp};
    assert_int_equal(p.lead_unit_id, f->qs_d1);
    informed_is(&p, want_disaster, PH_NELEM(want_disaster));

    p = plan_ok(f, inc_at(f->fishing, 3, f->c2, 0));
    const int64_t want_fishing[] = {f->ca_d1, f->qs_d1};
    assert_int_equal(p.lead_unit_id, f->bp_c2);
    informed_is(&p, want_fishing, PH_NELEM(want_fishing));

    /* No lead force anywhere: the Police. */
    p = plan_ok(f, inc_at(f->epidemic, 3, f->c1, 0));
    assert_int_equal(p.lead_unit_id, f->ca_c1);
}

static void test_routing_informed_dedup(void **state)
{
    struct fx *f = *state;
    const char *forces[] = {"police", "military", "border_guard"};
    int64_t units[] = {f->ca_d1, f->qs, f->ca_c1};
    int64_t extra[] = {f->qs, f->ca_c1, f->ca_d1, f->bp, f->ca_d2, f->ca_d2, f->qs_d1};
    struct routing_rule r = rule_named("Mọi lực lượng", 0);
    struct incident inc = inc_at(f->drugs, 3, f->c1, f->qs_d1);
    struct routing_plan p;

    r.lead_force = "police";
    r.inform_forces = forces;
    r.n_inform_forces = PH_NELEM(forces);
    r.inform_unit_ids = units;
    r.n_inform_units = PH_NELEM(units);
    create_rule(f, r);
    inc.informed_unit_ids = extra;
    inc.n_informed = PH_NELEM(extra);
    /* Police's unit is the lead, military's the reporter: both left out; then the
     * rule's units, then the reporter's, each once. */
    p = plan_ok(f, inc);
    const int64_t want[] = {f->bp, f->ca_d1, f->qs, f->ca_d2};
    assert_int_equal(p.lead_unit_id, f->ca_c1);
    informed_is(&p, want, PH_NELEM(want));

    /* A unit the rule names that was deactivated since is informed no more. */
    set_unit_active(f, f->qs, false);
    inc.n_informed = 0;
    p = plan_ok(f, inc);
    const int64_t want2[] = {f->bp, f->ca_d1};
    informed_is(&p, want2, PH_NELEM(want2));
}

/* ---- responsible units --------------------------------------------------------------- */

static void test_routing_unit_for_area(void **state)
{
    struct fx *f = *state;
    struct core_ctx *sys = &f->tu.sys;
    int64_t got = 0, d1[] = {f->d1}, ca_d1_b;
    struct unit u;
    const char *field = NULL;
    struct routing_plan p;
    struct incident inc = inc_at(f->crime, 2, f->c2, 0);

    static const struct {
        const char *force;
        int which_area; /* index into areas */
        int which_unit; /* index into units */
    } cases[] = {
        {"police", 4, 2},       /* C1: its commune police */
        {"police", 5, 1},       /* C2: none, D1's district police */
        {"police", 1, 1},       /* D1 */
        {"police", 6, 3},       /* C3: D2's */
        {"police", 0, 0},       /* P: none, the provincial police */
        {"police", 3, 0},       /* SEA */
        {"police", 7, 0},       /* no area */
        {"military", 4, 5},     /* C1: up to D1 */
        {"military", 6, 4},     /* C3: up to P, none, the provincial command */
        {"border_guard", 5, 7}, /* C2 */
        {"border_guard", 3, 7}, /* SEA */
        {"border_guard", 4, 6}, /* C1 */
    };
    const int64_t areas[] = {f->p, f->d1, f->d2, f->sea, f->c1, f->c2, f->c3, 0};
    const int64_t units[] = {f->ca, f->ca_d1, f->ca_c1, f->ca_d2, f->qs, f->qs_d1, f->bp, f->bp_c2};
    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        assert_int_equal(
            routing_unit_for_area(sys, cases[i].force, areas[cases[i].which_area], &got), PH_OK);
        if (got != units[cases[i].which_unit])
            fail_msg("case %zu: unit %lld, want %lld", i, (long long)got,
                     (long long)units[cases[i].which_unit]);
    }

    /* The deepest level wins over a province unit linked to the same area; the
     * lowest id among units of the same level. */
    assert_int_equal(unit_get(sys, f->ca, &u), PH_OK);
    u.area_ids = d1;
    u.n_areas = 1;
    assert_int_equal(TX(sys, unit_update(sys, &u, &field)), PH_OK);
    ca_d1_b =
        mk_unit(sys, "CA-TP2", "Công an huyện Thạnh Phú (2)", "police", "district", f->ca, d1, 1);
    assert_int_equal(routing_unit_for_area(sys, "police", f->c2, &got), PH_OK);
    assert_int_equal(got, f->ca_d1);
    /* Inactive units do not answer for anything. */
    set_unit_active(f, f->ca_d1, false);
    assert_int_equal(routing_unit_for_area(sys, "police", f->c2, &got), PH_OK);
    assert_int_equal(got, ca_d1_b);
    set_unit_active(f, f->ca_c1, false);
    assert_int_equal(routing_unit_for_area(sys, "police", f->c1, &got), PH_OK);
    assert_int_equal(got, ca_d1_b);

    assert_int_equal(routing_unit_for_area(sys, "navy", f->c1, &got), PH_EINVAL);

    /* A force with no active unit at all: nothing can lead. */
    set_unit_active(f, f->bp_c2, false);
    assert_int_equal(routing_unit_for_area(sys, "border_guard", f->c2, &got), PH_OK);
    assert_int_equal(got, f->bp);
    set_unit_active(f, f->bp, false);
    got = 42;
    assert_int_equal(routing_unit_for_area(sys, "border_guard", f->c2, &got), PH_ENOTFOUND);
    assert_int_equal(got, 42);
    assert_int_equal(routing_plan_for(sys, &inc, &p), PH_ENOTFOUND);
    /* Informing such a force is skipped instead. */
    p = plan_ok(f, inc_at(f->crime, 2, f->c3, 0));
    const int64_t want[] = {f->qs};
    assert_int_equal(p.lead_unit_id, f->ca_d2);
    informed_is(&p, want, PH_NELEM(want));
}

static void test_routing_fallback(void **state)
{
    struct fx *f = *state;
    struct core_ctx *sys = &f->tu.sys;
    struct routing_rule r = rule_named("Có đơn vị dự phòng", 50);
    int64_t id, got = 0;

    r.fallback_unit_id = f->ca_d2;
    id = create_rule(f, r);
    assert_int_equal(routing_fallback_unit(sys, id, f->qs_d1, &got), PH_OK);
    assert_int_equal(got, f->ca_d2);
    /* No fallback in the rule, or no rule: the top of the refusing unit's tree. */
    assert_int_equal(routing_fallback_unit(sys, 0, f->ca_c1, &got), PH_OK);
    assert_int_equal(got, f->ca);
    assert_int_equal(routing_fallback_unit(sys, 0, f->qs_d1, &got), PH_OK);
    assert_int_equal(got, f->qs);
    r.name = "Không có đơn vị dự phòng";
    r.fallback_unit_id = 0;
    assert_int_equal(routing_fallback_unit(sys, create_rule(f, r), f->bp_c2, &got), PH_OK);
    assert_int_equal(got, f->bp);
    /* A fallback unit deactivated since: the top unit instead. */
    set_unit_active(f, f->ca_d2, false);
    assert_int_equal(routing_fallback_unit(sys, id, f->qs_d1, &got), PH_OK);
    assert_int_equal(got, f->qs);
    assert_int_equal(routing_fallback_unit(sys, id, 99999, &got), PH_ENOTFOUND);
    /* The top of the tree deactivated: the force's active province-level unit. */
    int64_t ca2 = mk_unit(sys, "CA-BT2", "Công an tỉnh (mới)", "police", "province", 0, NULL, 0);
    set_unit_active(f, f->ca, false);
    assert_int_equal(routing_fallback_unit(sys, 0, f->ca_c1, &got), PH_OK);
    assert_int_equal(got, ca2);
}

/* ---- validation ------------------------------------------------------------------------ */

static void test_routing_validate_fields(void **state)
{
    struct fx *f = *state;
    struct core_ctx cx = tu_as(&f->tu, &f->admin);
    const char *police2[] = {"police", "police"}, *navy[] = {"navy"}, *many_forces[17];
    int64_t missing[] = {99999}, twice[] = {f->ca, f->ca}, many_units[17], zero[] = {0};
    char long_name[TEXT_MAX_NAME_BYTES + 2];
    const char *field = NULL;
    struct routing_rule good = rule_named("  Quy tắc thử  ", 7);

    for (size_t i = 0; i < 17; i++) {
        many_forces[i] = "police";
        many_units[i] = f->ca + (int64_t)i;
    }
    memset(long_name, 'a', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    good.category_id = f->crime;
    good.severity_min = 2;
    good.severity_max = 3;
    good.area_id = f->d1;
    good.area_kind = "inland";
    good.lead_force = "police";
    good.report_deadline_min = ROUTING_DEADLINE_MAX_MIN;
    good.fallback_unit_id = f->ca;

    /* Each case: the good rule with one change, refused naming want. */
#define BAD(want, change)                                                                          \
    do {                                                                                           \
        struct routing_rule r = good;                                                              \
        change;                                                                                    \
        TX_EINVAL(&cx, routing_rule_create(&cx, &r, &field), field, want);                         \
    } while (0)
    BAD("name", r.name = NULL);
    BAD("name", r.name = " \t ");
    BAD("name", r.name = "Quy t\xff");
    BAD("name", r.name = long_name);
    BAD("priority", r.priority = -1);
    BAD("priority", r.priority = ROUTING_PRIORITY_MAX + 1);
    BAD("category_id", r.category_id = 99999);
    BAD("category_id", r.category_id = -1);
    BAD("severity_min", r.severity_min = 5);
    BAD("severity_min", r.severity_min = -1);
    BAD("severity_max", r.severity_max = 5);
    BAD("severity_max", r.severity_min = 4); /* above the maximum */
    BAD("area_id", r.area_id = 99999);
    BAD("area_kind", r.area_kind = "mountain");
    BAD("area_kind", r.area_kind = "");
    BAD("lead_force", r.lead_force = "navy");
    BAD("inform_forces", (r.inform_forces = police2, r.n_inform_forces = 2));
    BAD("inform_forces", (r.inform_forces = navy, r.n_inform_forces = 1));
    BAD("inform_forces", (r.inform_forces = many_forces, r.n_inform_forces = 17));
    BAD("inform_forces", (r.inform_forces = NULL, r.n_inform_forces = 1));
    BAD("inform_unit_ids", (r.inform_unit_ids = missing, r.n_inform_units = 1));
    BAD("inform_unit_ids", (r.inform_unit_ids = twice, r.n_inform_units = 2));
    BAD("inform_unit_ids", (r.inform_unit_ids = many_units, r.n_inform_units = 17));
    BAD("inform_unit_ids", (r.inform_unit_ids = zero, r.n_inform_units = 1));
    BAD("report_deadline_min", r.report_deadline_min = -1);
    BAD("report_deadline_min", r.report_deadline_min = ROUTING_DEADLINE_MAX_MIN + 1);
    BAD("ack_deadline_min", r.ack_deadline_min = -5);
    BAD("ack_deadline_min", r.ack_deadline_min = ROUTING_DEADLINE_MAX_MIN + 1);
    BAD("verify_deadline_min", r.verify_deadline_min = -1);
    BAD("verify_deadline_min", r.verify_deadline_min = ROUTING_DEADLINE_MAX_MIN + 1);
    BAD("fallback_unit_id", r.fallback_unit_id = 99999);
    BAD("fallback_unit_id", r.fallback_unit_id = -3);
#undef BAD

    /* The good one passes, trimmed and in NFC ("Quy tắc" written decomposed). */
    good.name = "  Quy ta\xcc\x86\xcc\x81"
                "c thử  ";
    struct routing_rule got;
    int64_t id = create_rule(f, good);
    assert_int_equal(routing_rule_get(&cx, id, &got), PH_OK);
    assert_string_equal(got.name, "Quy tắc thử");
    assert_int_equal(got.category_id, f->crime);
    assert_int_equal(got.severity_min, 2);
    assert_int_equal(got.severity_max, 3);
    assert_int_equal(got.area_id, f->d1);
    assert_string_equal(got.area_kind, "inland");
    assert_string_equal(got.lead_force, "police");
    assert_int_equal(got.report_deadline_min, ROUTING_DEADLINE_MAX_MIN);
    assert_int_equal(got.fallback_unit_id, f->ca);
    assert_int_equal(got.version, 1);
    assert_true(got.is_active);
}

/* ---- access, updates, audit ------------------------------------------------------------ */

static void test_routing_crud(void **state)
{
    struct fx *f = *state;
    struct core_ctx admin = tu_as(&f->tu, &f->admin);
    struct core_ctx viewer = tu_as(&f->tu, &f->viewer);
    struct core_ctx district = tu_as(&f->tu, &f->district_admin);
    const char *forces[] = {"military"};
    int64_t units[] = {f->qs_d1};
    struct routing_rule r = rule_named("Cháy nổ ven biển: Biên phòng chủ trì", 30), got;
    struct routing_rule_filter flt = {.limit = LIST_MAX_LIMIT};
    struct routing_rule *items = NULL;
    struct audit_entry e;
    struct store_outbox_event ev;
    const char *field = NULL;
    size_t n = 0, n_seeded;
    bool more = true;
    int64_t audits;

    /* Everyone reads: the seeded rules, in id order. */
    assert_int_equal(routing_rule_list(&viewer, &flt, &items, &n, &more), PH_OK);
    assert_false(more);
    assert_true(n >= 10);
    n_seeded = n;
    for (size_t i = 1; i < n; i++)
        assert_true(items[i].id > items[i - 1].id);

    r.category_id = category_id(&f->tu.sys, "fire_explosion");
    r.area_kind = "coastal";
    r.lead_force = "border_guard";
    r.inform_forces = forces;
    r.n_inform_forces = 1;
    r.inform_unit_ids = units;
    r.n_inform_units = 1;
    r.report_deadline_min = 30;
    r.ack_deadline_min = 20;

    /* Only a global administrator writes. */
    audits = tu_audit_count(f->tu.st);
    assert_int_equal(TX(&viewer, routing_rule_create(&viewer, &r, &field)), PH_EPERM);
    assert_int_equal(TX(&district, routing_rule_create(&district, &r, &field)), PH_EPERM);
    assert_int_equal(tu_audit_count(f->tu.st), audits);
    assert_int_equal(TX(&admin, routing_rule_create(&admin, &r, &field)), PH_OK);
    assert_true(r.id > 0);
    assert_int_equal(r.version, 1);
    e = tu_audit_last(f->tu.st, &f->tu.a);
    assert_string_equal(e.action, "routing_rule.create");
    assert_string_equal(e.item_kind, "routing_rule");
    assert_int_equal(e.item_id, r.id);
    assert_non_null(strstr(e.detail, "\"inform_forces\":[\"military\"]"));
    ev = tu_event_last(f->tu.st, &f->tu.a);
    assert_string_equal(ev.topic, "routing_rule.created");
    assert_int_equal(ev.item_id, r.id);

    assert_int_equal(routing_rule_get(&viewer, r.id, &got), PH_OK);
    assert_string_equal(got.name, r.name);
    assert_int_equal(got.n_inform_forces, 1);
    assert_string_equal(got.inform_forces[0], "military");
    assert_int_equal(got.n_inform_units, 1);
    assert_int_equal(got.inform_unit_ids[0], f->qs_d1);
    assert_int_equal(routing_rule_get(&viewer, 99999, &got), PH_ENOTFOUND);

    /* Updates: admins only, versions checked, the change audited. */
    got.priority = 25;
    got.n_inform_forces = 0;
    got.severity_min = 3;
    assert_int_equal(TX(&viewer, routing_rule_update(&viewer, &got, &field)), PH_EPERM);
    assert_int_equal(TX(&district, routing_rule_update(&district, &got, &field)), PH_EPERM);
    got.version = 7;
    assert_int_equal(TX(&admin, routing_rule_update(&admin, &got, &field)), PH_ESTALE);
    got.version = 1;
    assert_int_equal(TX(&admin, routing_rule_update(&admin, &got, &field)), PH_OK);
    assert_int_equal(got.version, 2);
    e = tu_audit_last(f->tu.st, &f->tu.a);
    assert_string_equal(e.action, "routing_rule.update");
    assert_int_equal(e.item_id, r.id);
    assert_non_null(strstr(e.detail, "\"priority\":{\"new\":25,\"old\":30}"));
    assert_non_null(strstr(e.detail, "\"inform_forces\":{\"new\":[],\"old\":[\"military\"]}"));
    assert_non_null(strstr(e.detail, "\"severity_min\":{\"new\":3,\"old\":0}"));
    assert_null(strstr(e.detail, "\"name\""));
    ev = tu_event_last(f->tu.st, &f->tu.a);
    assert_string_equal(ev.topic, "routing_rule.updated");
    assert_int_equal(routing_rule_get(&viewer, r.id, &got), PH_OK);
    assert_int_equal(got.priority, 25);
    assert_int_equal(got.n_inform_forces, 0);
    assert_int_equal(got.version, 2);
    got.version = 1;
    assert_int_equal(TX(&admin, routing_rule_update(&admin, &got, &field)), PH_ESTALE);
    got.id = 99999;
    assert_int_equal(TX(&admin, routing_rule_update(&admin, &got, &field)), PH_ENOTFOUND);

    /* "Delete" is deactivation: gone from nothing but the active set. */
    set_active(f, r.id, false);
    assert_int_equal(routing_rule_list(&viewer, &flt, &items, &n, &more), PH_OK);
    assert_int_equal(n, n_seeded);
    flt.include_inactive = true;
    assert_int_equal(routing_rule_list(&viewer, &flt, &items, &n, &more), PH_OK);
    assert_int_equal(n, n_seeded + 1);
    /* Paging. */
    flt.limit = 2;
    assert_int_equal(routing_rule_list(&viewer, &flt, &items, &n, &more), PH_OK);
    assert_int_equal(n, 2);
    assert_true(more);
    flt.after_id = items[1].id;
    assert_int_equal(routing_rule_list(&viewer, &flt, &items, &n, &more), PH_OK);
    assert_true(items[0].id > flt.after_id);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, tu_fx_teardown)
    const struct CMUnitTest tests[] = {
        T(test_routing_seeded_border),
        T(test_routing_seeded_by_category),
        T(test_routing_priority_and_inactive),
        T(test_routing_severity_range),
        T(test_routing_area_conditions),
        T(test_routing_no_rule_matched),
        T(test_routing_informed_dedup),
        T(test_routing_unit_for_area),
        T(test_routing_fallback),
        T(test_routing_validate_fields),
        T(test_routing_crud),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
