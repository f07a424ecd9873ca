/* routing.c - routing rules: validation, the services every door calls, and the
 * plan an incident gets on creation (who leads, who is informed, the deadlines).
 *
 * Rules are reference data (ITEM_AREA in core/access.h): every role reads them,
 * only a global administrator writes them. There is no delete: incidents keep the
 * id of the rule that routed them, so a rule is deactivated instead.
 *
 * A force's unit "responsible" for an area: among the force's active units linked
 * to the area (unit_areas), the deepest level wins (commune over district over
 * province), then the lowest id; when none is linked, the same one level up the
 * area tree, and so on; when nothing on the way up is linked, the force's
 * province-level unit with the lowest id. The province-level unit is the force's
 * provincial command, which answers for the whole province. */
#include "util/base.h"
#include <jansson.h>
#include "core/access.h"
#include "core/area.h"
#include "core/audit.h"
#include "core/category.h"
#include "core/ctx.h"
#include "core/fields.h"
#include "core/incident.h"
#include "core/outbox.h"
#include "core/routing.h"
#include "core/unit.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/limits.h"

/* When no rule matches (an administrator deactivated the seeded ones, say), the
 * incident still goes somewhere: the category's lead force leads, the other two
 * forces are informed, the first report is due an hour after detection and each
 * "received" half an hour after sending (cautious defaults: a province tunes its
 * own through rules), with no "verified" deadline. */
#define ROUTING_DEFAULT_REPORT_MIN 60
#define ROUTING_DEFAULT_ACK_MIN 30
#define ROUTING_DEFAULT_VERIFY_MIN 0
/* The lead force when neither the rule nor the category names one. */
#define ROUTING_DEFAULT_FORCE "police"

static const char *const routing_forces[] = {"police", "military", "border_guard"};
static const char *const area_kinds[] = {"border", "sea", "coastal", "inland"};

/* ---- validation ------------------------------------------------------------------ */

static bool area_kind_valid(const char *kind)
{
    if (kind == NULL)
        return false;
    for (size_t i = 0; i < PH_NELEM(area_kinds); i++)
        if (strcmp(kind, area_kinds[i]) == 0)
            return true;
    return false;
}

static bool severity_valid(int s)
{
    return s == 0 || (s >= 1 && s <= 4);
}

static bool deadline_valid(int min)
{
    return min >= 0 && min <= ROUTING_DEADLINE_MAX_MIN;
}

/* PH_OK when id exists, PH_EINVAL when it does not (or is not an id); other
 * errors as they come. */
static ph_err area_exists(struct core_ctx *cx, int64_t id)
{
    struct area a;
    ph_err rc = id > 0 ? store_area_get(cx->st, cx->arena, id, &a) : PH_ENOTFOUND;

    return rc == PH_ENOTFOUND ? PH_EINVAL : rc;
}

static ph_err category_exists(struct core_ctx *cx, int64_t id)
{
    struct category c;
    ph_err rc = id > 0 ? store_category_get(cx->st, cx->arena, id, &c) : PH_ENOTFOUND;

    return rc == PH_ENOTFOUND ? PH_EINVAL : rc;
}

static ph_err unit_exists(struct core_ctx *cx, int64_t id)
{
    struct unit u;
    ph_err rc = id > 0 ? store_unit_get(cx->st, cx->arena, id, &u) : PH_ENOTFOUND;

    return rc == PH_ENOTFOUND ? PH_EINVAL : rc;
}

static ph_err forces_valid(const char **forces, size_t n)
{
    if (n > ROUTING_MAX_INFORM || (n > 0 && forces == NULL))
        return PH_EINVAL;
    for (size_t i = 0; i < n; i++) {
        if (!force_is_valid(forces[i]))
            return PH_EINVAL;
        for (size_t j = 0; j < i; j++)
            if (strcmp(forces[i], forces[j]) == 0)
                return PH_EINVAL;
    }
    return PH_OK;
}

static ph_err units_valid(struct core_ctx *cx, const int64_t *ids, size_t n)
{
    if (n > ROUTING_MAX_INFORM || (n > 0 && ids == NULL))
        return PH_EINVAL;
    for (size_t i = 0; i < n; i++) {
        ph_err rc;
        for (size_t j = 0; j < i; j++)
            if (ids[i] == ids[j])
                return PH_EINVAL;
        rc = unit_exists(cx, ids[i]);
        if (rc != PH_OK)
            return rc;
    }
    return PH_OK;
}

ph_err routing_rule_validate(struct core_ctx *cx, struct routing_rule *r, const char **field)
{
    const char *f = NULL;
    ph_err rc = PH_EINVAL;

    f = "name";
    if (fields_clean_text(cx->arena, r->name, TEXT_MAX_NAME_BYTES, true, &r->name) != PH_OK)
        goto out;
    f = "priority";
    if (r->priority < 0 || r->priority > ROUTING_PRIORITY_MAX)
        goto out;
    f = "category_id";
    rc = r->category_id == 0 ? PH_OK : category_exists(cx, r->category_id);
    if (rc != PH_OK)
        goto out;
    rc = PH_EINVAL;
    f = "severity_min";
    if (!severity_valid(r->severity_min))
        goto out;
    f = "severity_max";
    if (!severity_valid(r->severity_max) ||
        (r->severity_min != 0 && r->severity_max != 0 && r->severity_min > r->severity_max))
        goto out;
    f = "area_id";
    rc = r->area_id == 0 ? PH_OK : area_exists(cx, r->area_id);
    if (rc != PH_OK)
        goto out;
    rc = PH_EINVAL;
    f = "area_kind";
    if (r->area_kind != NULL && !area_kind_valid(r->area_kind))
        goto out;
    f = "lead_force";
    if (r->lead_force != NULL && !force_is_valid(r->lead_force))
        goto out;
    f = "inform_forces";
    if (forces_valid(r->inform_forces, r->n_inform_forces) != PH_OK)
        goto out;
    f = "inform_unit_ids";
    rc = units_valid(cx, r->inform_unit_ids, r->n_inform_units);
    if (rc != PH_OK)
        goto out;
    rc = PH_EINVAL;
    f = "report_deadline_min";
    if (!deadline_valid(r->report_deadline_min))
        goto out;
    f = "ack_deadline_min";
    if (!deadline_valid(r->ack_deadline_min))
        goto out;
    f = "verify_deadline_min";
    if (!deadline_valid(r->verify_deadline_min))
        goto out;
    f = "fallback_unit_id";
    rc = r->fallback_unit_id == 0 ? PH_OK : unit_exists(cx, r->fallback_unit_id);
    if (rc != PH_OK)
        goto out;
    f = NULL;
    rc = PH_OK;
out:
    if (rc == PH_EINVAL && field != NULL)
        *field = f;
    return rc;
}

/* ---- services ---------------------------------------------------------------------- */

static ph_err check_access(struct core_ctx *cx, enum access_action act)
{
    struct access_item item = {.kind = ITEM_AREA}; /* reference data, like categories */

    return access_allows(cx->user, act, &item, NULL) ? PH_OK : PH_EPERM;
}

static json_t *forces_json(const char **forces, size_t n)
{
    json_t *arr = json_array();

    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, fields_jstr(forces[i]));
    return arr;
}

static json_t *rule_summary(const struct routing_rule *r)
{
    return json_pack("{s:I, s:o, s:i, s:b, s:I, s:i, s:i, s:I, s:o, s:o, s:o, s:o, s:i, s:i, "
                     "s:i, s:I, s:I}",
                     "id", (json_int_t)r->id, "name", fields_jstr(r->name), "priority", r->priority,
                     "is_active", r->is_active, "category_id", (json_int_t)r->category_id,
                     "severity_min", r->severity_min, "severity_max", r->severity_max, "area_id",
                     (json_int_t)r->area_id, "area_kind", fields_jstr(r->area_kind), "lead_force",
                     fields_jstr(r->lead_force), "inform_forces",
                     forces_json(r->inform_forces, r->n_inform_forces), "inform_unit_ids",
                     fields_ids_json(r->inform_unit_ids, r->n_inform_units), "report_deadline_min",
                     r->report_deadline_min, "ack_deadline_min", r->ack_deadline_min,
                     "verify_deadline_min", r->verify_deadline_min, "fallback_unit_id",
                     (json_int_t)r->fallback_unit_id, "version", (json_int_t)r->version);
}

static bool forces_equal(const char **x, size_t nx, const char **y, size_t ny)
{
    if (nx != ny)
        return false;
    for (size_t i = 0; i < nx; i++)
        if (!fields_str_eq(x[i], y[i]))
            return false;
    return true;
}

static bool ids_equal(const int64_t *x, size_t nx, const int64_t *y, size_t ny)
{
    if (nx != ny)
        return false;
    for (size_t i = 0; i < nx; i++)
        if (x[i] != y[i])
            return false;
    return true;
}

/* What changed from old to r, as the audit log's {"member": {"old", "new"}}. */
static json_t *rule_diff(const struct routing_rule *old, const struct routing_rule *r)
{
    json_t *d = json_object();

    fields_diff_str(d, "name", old->name, r->name);
    fields_diff_int(d, "priority", old->priority, r->priority);
    fields_diff_bool(d, "is_active", old->is_active, r->is_active);
    fields_diff_int(d, "category_id", old->category_id, r->category_id);
    fields_diff_int(d, "severity_min", old->severity_min, r->severity_min);
    fields_diff_int(d, "severity_max", old->severity_max, r->severity_max);
    fields_diff_int(d, "area_id", old->area_id, r->area_id);
    fields_diff_str(d, "area_kind", old->area_kind, r->area_kind);
    fields_diff_str(d, "lead_force", old->lead_force, r->lead_force);
    if (!forces_equal(old->inform_forces, old->n_inform_forces, r->inform_forces,
                      r->n_inform_forces))
        fields_diff_set(d, "inform_forces", forces_json(old->inform_forces, old->n_inform_forces),
                        forces_json(r->inform_forces, r->n_inform_forces));
    if (!ids_equal(old->inform_unit_ids, old->n_inform_units, r->inform_unit_ids,
                   r->n_inform_units))
        fields_diff_set(d, "inform_unit_ids",
                        fields_ids_json(old->inform_unit_ids, old->n_inform_units),
                        fields_ids_json(r->inform_unit_ids, r->n_inform_units));
    fields_diff_int(d, "report_deadline_min", old->report_deadline_min, r->report_deadline_min);
    fields_diff_int(d, "ack_deadline_min", old->ack_deadline_min, r->ack_deadline_min);
    fields_diff_int(d, "verify_deadline_min", old->verify_deadline_min, r->verify_deadline_min);
    fields_diff_int(d, "fallback_unit_id", old->fallback_unit_id, r->fallback_unit_id);
    return d;
}

ph_err routing_rule_create(struct core_ctx *cx, struct routing_rule *r, const char **field)
{
    int64_t id = 0;
    ph_err rc;

    rc = check_access(cx, ACCESS_CREATE);
    if (rc != PH_OK)
        goto out;
    rc = routing_rule_validate(cx, r, field);
    if (rc != PH_OK)
        goto out;
    r->version = 1;
    r->created_at = r->updated_at = cx->now_ms;
    rc = store_rule_insert(cx->st, r, &id);
    if (rc != PH_OK)
        goto out;
    r->id = id;
    rc = audit_record(cx, "routing_rule.create", "routing_rule", id, rule_summary(r));
    if (rc != PH_OK)
        goto out;
    rc = outbox_emit(cx, "routing_rule.created", "routing_rule", id, rule_summary(r));
out:
    return rc;
}

ph_err routing_rule_update(struct core_ctx *cx, struct routing_rule *r, const char **field)
{
    struct routing_rule old;
    ph_err rc;

    rc = store_rule_get(cx->st, cx->arena, r->id, &old);
    if (rc != PH_OK)
        goto out;
    rc = check_access(cx, ACCESS_UPDATE);
    if (rc != PH_OK)
        goto out;
    rc = routing_rule_validate(cx, r, field);
    if (rc != PH_OK)
        goto out;
    r->created_at = old.created_at;
    r->updated_at = cx->now_ms;
    rc = store_rule_update(cx->st, r);
    if (rc != PH_OK)
        goto out;
    r->version = old.version + 1;
    rc = audit_record(cx, "routing_rule.update", "routing_rule", r->id, rule_diff(&old, r));
    if (rc != PH_OK)
        goto out;
    rc = outbox_emit(cx, "routing_rule.updated", "routing_rule", r->id, rule_summary(r));
out:
    return rc;
}

ph_err routing_rule_get(struct core_ctx *cx, int64_t id, struct routing_rule *out)
{
    ph_err rc = check_access(cx, ACCESS_READ);

    if (rc == PH_OK)
        rc = store_rule_get(cx->st, cx->arena, id, out);
    return rc;
}

ph_err routing_rule_list(struct core_ctx *cx, const struct routing_rule_filter *f,
                         struct routing_rule **items, size_t *n, bool *has_more)
{
    struct routing_rule_filter g = *f;
    const char *no_q = NULL;
    ph_err rc = check_access(cx, ACCESS_READ);

    if (rc != PH_OK)
        return rc;
    fields_list_filter(cx->arena, &g.limit, &no_q);
    return store_rule_list(cx->st, cx->arena, &g, items, n, has_more);
}

/* ---- responsible units ------------------------------------------------------------- */

/* The force's active province-level unit with the lowest id; PH_ENOTFOUND when
 * it has none (the store's answer for no area). */
static ph_err force_top_unit(struct core_ctx *cx, const char *force, int64_t *out)
{
    return store_unit_responsible(cx->st, force, 0, out);
}

ph_err routing_unit_for_area(struct core_ctx *cx, const char *force, int64_t area_id, int64_t *out)
{
    if (!force_is_valid(force))
        return PH_EINVAL;
    /* The store walks up the area tree, one indexed lookup per level. */
    return store_unit_responsible(cx->st, force, area_id, out);
}

ph_err routing_fallback_unit(struct core_ctx *cx, int64_t rule_id, int64_t unit_id, int64_t *out)
{
    struct unit u, top;
    long long root_id = 0;
    ph_err rc;

    if (rule_id > 0) {
        struct routing_rule r;
        rc = store_rule_get(cx->st, cx->arena, rule_id, &r);
        if (rc != PH_OK && rc != PH_ENOTFOUND)
            return rc;
        /* A fallback unit deactivated since the rule was written is no use. */
        if (rc == PH_OK && r.fallback_unit_id > 0) {
            rc = store_unit_get(cx->st, cx->arena, r.fallback_unit_id, &top);
            if (rc != PH_OK && rc != PH_ENOTFOUND)
                return rc;
            if (rc == PH_OK && top.is_active) {
                *out = top.id;
                return PH_OK;
            }
        }
    }
    rc = store_unit_get(cx->st, cx->arena, unit_id, &u);
    if (rc != PH_OK)
        return rc;
    /* The root of the unit's own tree is the first id of its path ("/1/5/23/"). */
    if (u.path != NULL && sscanf(u.path, "/%lld/", &root_id) == 1 && root_id > 0) {
        rc = store_unit_get(cx->st, cx->arena, (int64_t)root_id, &top);
        if (rc != PH_OK && rc != PH_ENOTFOUND)
            return rc;
        if (rc == PH_OK && top.is_active) {
            *out = top.id;
            return PH_OK;
        }
    }
    return force_top_unit(cx, u.force, out);
}

/* ---- the plan for an incident ------------------------------------------------------ */

/* What of the incident the rules look at. */
struct facts {
    int64_t category_id, area_id;
    int severity;
    const char *area_kind; /* NULL when the incident has no (known) area */
};

static ph_err rule_matches(struct core_ctx *cx, const struct routing_rule *r,
                           const struct facts *in, bool *match)
{
    bool within = false;
    ph_err rc;

    *match = false;
    if (r->category_id != 0 && r->category_id != in->category_id)
        return PH_OK;
    if (r->severity_min != 0 && in->severity < r->severity_min)
        return PH_OK;
    if (r->severity_max != 0 && in->severity > r->severity_max)
        return PH_OK;
    if (r->area_kind != NULL && (in->area_kind == NULL || strcmp(r->area_kind, in->area_kind) != 0))
        return PH_OK;
    if (r->area_id != 0) {
        if (in->area_id == 0)
            return PH_OK;
        rc = store_area_within(cx->st, in->area_id, r->area_id, &within);
        if (rc != PH_OK)
            return rc;
        if (!within)
            return PH_OK;
    }
    *match = true;
    return PH_OK;
}

/* Append id to ids[*n] unless it is 0, the lead, the reporting unit or there already. */
static void add_informed(int64_t *ids, size_t *n, int64_t id, int64_t lead, int64_t reporting)
{
    if (id <= 0 || id == lead || id == reporting)
        return;
    for (size_t i = 0; i < *n; i++)
        if (ids[i] == id)
            return;
    ids[(*n)++] = id;
}

ph_err routing_plan_for(struct core_ctx *cx, const struct incident *inc, struct routing_plan *out)
{
    struct routing_plan plan = {0};
    struct routing_rule *rules = NULL;
    const struct routing_rule *rule = NULL;
    struct facts in = {.category_id = inc->category_id, .severity = inc->severity};
    const char *lead_force = NULL;
    const char *default_inform[PH_NELEM(routing_forces)];
    const char **inform_forces;
    size_t n_rules = 0, n_inform_forces = 0, cap;
    int64_t *inform_units = NULL;
    size_t n_inform_units = 0;
    ph_err rc;

    /* The incident's area and its kind; an area that does not exist (any more)
     * matches no area condition, and the units are then the forces' top ones. */
    if (inc->area_id > 0) {
        struct area a;
        rc = store_area_get(cx->st, cx->arena, inc->area_id, &a);
        if (rc != PH_OK && rc != PH_ENOTFOUND)
            goto out;
        if (rc == PH_OK) {
            in.area_id = a.id;
            in.area_kind = a.kind;
        }
    }

    rc = store_rule_active(cx->st, cx->arena, &rules, &n_rules);
    if (rc != PH_OK)
        goto out;
    for (size_t i = 0; i < n_rules && rule == NULL; i++) {
        bool match = false;
        rc = rule_matches(cx, &rules[i], &in, &match);
        if (rc != PH_OK)
            goto out;
        if (match)
            rule = &rules[i];
    }

    if (rule != NULL)
        lead_force = rule->lead_force;
    if (lead_force == NULL && inc->category_id > 0) {
        struct category c;
        rc = store_category_get(cx->st, cx->arena, inc->category_id, &c);
        if (rc != PH_OK && rc != PH_ENOTFOUND)
            goto out;
        if (rc == PH_OK)
            lead_force = c.lead_force;
    }
    if (lead_force == NULL)
        lead_force = ROUTING_DEFAULT_FORCE;

    if (rule != NULL) {
        plan.rule_id = rule->id;
        inform_forces = rule->inform_forces;
        n_inform_forces = rule->n_inform_forces;
        inform_units = rule->inform_unit_ids;
        n_inform_units = rule->n_inform_units;
        plan.report_deadline_min = rule->report_deadline_min;
        plan.ack_deadline_min = rule->ack_deadline_min;
        plan.verify_deadline_min = rule->verify_deadline_min;
        plan.fallback_unit_id = rule->fallback_unit_id;
    } else {
        for (size_t i = 0; i < PH_NELEM(routing_forces); i++)
            if (strcmp(routing_forces[i], lead_force) != 0)
                default_inform[n_inform_forces++] = routing_forces[i];
        inform_forces = default_inform;
        plan.report_deadline_min = ROUTING_DEFAULT_REPORT_MIN;
        plan.ack_deadline_min = ROUTING_DEFAULT_ACK_MIN;
        plan.verify_deadline_min = ROUTING_DEFAULT_VERIFY_MIN;
    }

    rc = store_unit_responsible(cx->st, lead_force, in.area_id, &plan.lead_unit_id);
    if (rc != PH_OK)
        goto out;

    cap = n_inform_forces + n_inform_units + inc->n_informed + 1;
    plan.informed_unit_ids = arena_alloc(cx->arena, cap * sizeof(*plan.informed_unit_ids));
    for (size_t i = 0; i < n_inform_forces; i++) {
        int64_t unit_id = 0;
        /* A force without any unit yet (a partial installation) is skipped: the
         * incident must still be created and led. */
        rc = store_unit_responsible(cx->st, inform_forces[i], in.area_id, &unit_id);
        if (rc == PH_ENOTFOUND)
            continue;
        if (rc != PH_OK)
            goto out;
        add_informed(plan.informed_unit_ids, &plan.n_informed, unit_id, plan.lead_unit_id,
                     inc->reporting_unit_id);
    }
    for (size_t i = 0; i < n_inform_units; i++) {
        struct unit u;
        /* A unit named by a rule may have been deactivated since: inform it no more. */
        rc = store_unit_get(cx->st, cx->arena, inform_units[i], &u);
        if (rc == PH_ENOTFOUND || (rc == PH_OK && !u.is_active))
            continue;
        if (rc != PH_OK)
            goto out;
        add_informed(plan.informed_unit_ids, &plan.n_informed, u.id, plan.lead_unit_id,
                     inc->reporting_unit_id);
    }
    for (size_t i = 0; i < inc->n_informed; i++)
        add_informed(plan.informed_unit_ids, &plan.n_informed, inc->informed_unit_ids[i],
                     plan.lead_unit_id, inc->reporting_unit_id);
    *out = plan;
    rc = PH_OK;
out:
    return rc;
}
