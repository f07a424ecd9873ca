/* operation.c - joint operations (core/operation.h): planning, updating, the
 * workflow (planned -> active -> completed, or cancelled with a reason), reads
 * and lists under the caller's scope, the summary of the results log, and the
 * refusal of people and assets already on an overlapping operation.
 *
 * Access: an operation is an operational item owned by its planning unit and
 * "sent to" every other unit taking part (core/access.h), so that the units
 * above any of them see it. A read the caller may not make answers "not found".
 * Planning and changing need a duty officer, commander or coordinator of the
 * owner or a unit above it (a reporter may report incidents, not plan patrols).
 *
 * Conflicts: a person, vehicle or vessel cannot be on two planned or active
 * operations whose times overlap. An operation's time is its plan, stretched
 * by what happened: from its actual start when earlier, and while active at
 * least until now (a patrol that runs late still holds its boat). The check
 * reads a person's or asset's rows through their indexes, one query each. */
#include "util/base.h"
#include <jansson.h>
#include "core/access.h"
#include "core/audit.h"
#include "core/ctx.h"
#include "core/fields.h"
#include "core/incident.h"
#include "core/operation.h"
#include "core/operation_int.h"
#include "core/outbox.h"
#include "core/person.h"
#include "core/unit.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/limits.h"
#include "util/text.h"

#define OPS_WRITERS (ROLE_DUTY_OFFICER | ROLE_COMMANDER | ROLE_COORDINATOR)
#define MS_PER_DAY (24LL * 3600 * 1000)
/* How far ahead an operation may be planned. */
#define PLAN_AHEAD_MAX_MS (366 * MS_PER_DAY)
/* How far in the future a status change may be dated (clock skew of devices). */
#define FUTURE_SKEW_MS INCIDENT_FUTURE_SKEW_MS
#define REASON_MAX_BYTES 4096
/* How long before both its planned start and its planning an operation may have
 * started: a team out a day before a plan made that day is plausible, and an
 * operation planned for next month may start today once it is entered; a start
 * weeks before the plan existed is a wrong date, which would make it hold its
 * people and assets against every later plan and cover its areas all along
 * (coverage). */
#define EARLY_START_MAX_MS MS_PER_DAY

/* ---- small helpers ----------------------------------------------------------------- */

static ph_err invalid(const char **field, const char *name)
{
    if (field != NULL)
        *field = name;
    return PH_EINVAL;
}

static bool has_id(const int64_t *ids, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id)
            return true;
    return false;
}

static bool is_status(const struct operation *o, const char *s)
{
    return o->status != NULL && strcmp(o->status, s) == 0;
}

static bool one_of(const char *s, const char *a, const char *b, const char *c)
{
    return s != NULL && (strcmp(s, a) == 0 || strcmp(s, b) == 0 || (c != NULL && strcmp(s, c) == 0));
}

/* The ids as a new array in a without repeats (and without skip, when not 0). */
static int64_t *unique_ids(struct arena *a, const int64_t *ids, size_t *n, int64_t skip)
{
    int64_t *out = arena_alloc(a, (*n + 1) * sizeof(*out));
    size_t k = 0;

    for (size_t i = 0; i < *n; i++)
        if (ids[i] != skip && !has_id(out, k, ids[i]))
            out[k++] = ids[i];
    *n = k;
    return out;
}

/* A person who may be assigned: stored and not disabled. */
static ph_err assignable(struct core_ctx *cx, int64_t id)
{
    struct person p;
    ph_err rc;

    if (id <= 0)
        return PH_EINVAL;
    rc = store_person_get(cx->st, cx->arena, id, &p);
    if (rc == PH_ENOTFOUND || (rc == PH_OK && p.is_disabled))
        return PH_EINVAL;
    return rc;
}

/* ---- access and events ------------------------------------------------------------- */

void operation_access_item(const struct operation *o, struct access_item *out)
{
    struct access_item item = {
        .kind = ITEM_OPERATIONAL,
        .owner_path = o->owner_path,
        .owner_force = o->owner_force,
        .classification = o->classification,
        .sent_to_paths = o->sent_to_paths,
        .n_sent_to = o->n_sent_to,
    };
    *out = item;
}

ph_err operation_load(struct core_ctx *cx, int64_t id, enum access_action act,
                      struct operation *out)
{
    struct access_item item;
    struct operation o;
    ph_err rc;

    if (id <= 0)
        return PH_ENOTFOUND;
    rc = store_operation_get(cx->st, cx->arena, id, &o);
    if (rc != PH_OK)
        return rc;
    operation_access_item(&o, &item);
    rc = access_check(cx->user, act, &item);
    if (rc == PH_OK)
        *out = o;
    return rc;
}

/* May the caller plan or change an operation of the unit at path (force)? */
static bool may_plan(const struct core_user *who, const char *path, const char *force)
{
    struct access_item item = {.kind = ITEM_OPERATIONAL, .owner_path = path, .owner_force = force};

    if (who->is_system)
        return true;
    return (who->roles & OPS_WRITERS) != 0 && access_allows(who, ACCESS_CREATE, &item, NULL);
}

ph_err operation_emit(struct core_ctx *cx, const char *topic, const struct operation *o,
                      json_t *extra)
{
    struct access_item scope;
    json_t *payload = json_pack(
        "{s:I, s:o, s:o, s:o, s:o, s:I, s:o, s:b, s:o, s:o, s:o}", "id", (json_int_t)o->id, "kind",
        fields_jstr(o->kind), "domain", fields_jstr(o->domain), "title", fields_jstr(o->title),
        "status", fields_jstr(o->status), "owner_unit_id", (json_int_t)o->owner_unit_id,
        "unit_ids", fields_ids_json(o->unit_ids, o->n_units), "is_joint", o->is_joint,
        "classification", fields_jstr(clearance_name(o->classification)), "planned_start",
        json_integer(o->planned_start), "planned_end", json_integer(o->planned_end));

    operation_access_item(o, &scope);
    if (payload != NULL && extra != NULL)
        json_object_update(payload, extra);
    json_decref(extra);
    return outbox_emit_scoped(cx, topic, "operation", o->id, payload, &scope);
}

/* ---- validation -------------------------------------------------------------------- */

ph_err operation_validate(struct core_ctx *cx, struct operation *o, const char **field)
{
    int clearance = cx->user->is_system ? CLEARANCE_TOP_SECRET : cx->user->clearance;
    const char *f = NULL, *owner_force = NULL;
    bool forces[3] = {false, false, false};
    int n_forces = 0;
    struct unit u;
    ph_err rc = PH_EINVAL;

    f = "kind";
    if (!one_of(o->kind, OPERATION_PATROL, OPERATION_CONTROL, OPERATION_CHECKPOINT))
        goto out;
    f = "domain";
    if (!one_of(o->domain, "land", "river", "sea"))
        goto out;
    f = "title";
    if (fields_clean_text(cx->arena, o->title, OPERATION_TITLE_MAX_BYTES, true, &o->title) != PH_OK)
        goto out;
    f = "description";
    if (fields_clean_text(cx->arena, o->description, OPERATION_TEXT_MAX_BYTES, false,
                          &o->description) != PH_OK)
        goto out;
    f = "campaign_id"; /* campaigns are a later issue: none exists yet */
    if (o->campaign_id != 0)
        goto out;
    f = "geometry";
    if (operation_geometry_check(cx, o) != PH_OK)
        goto out;
    /* What each kind is done on: a checkpoint holds a point, a patrol follows a
     * route or sweeps an area, control covers an area or holds a point. */
    if (strcmp(o->kind, OPERATION_CHECKPOINT) == 0 ? strcmp(o->geometry_kind, "point") != 0
        : strcmp(o->kind, OPERATION_PATROL) == 0   ? strcmp(o->geometry_kind, "point") == 0
                                                   : strcmp(o->geometry_kind, "route") == 0)
        goto out;
    f = "planned_start";
    if (o->planned_start <= 0 || o->planned_start > cx->now_ms + PLAN_AHEAD_MAX_MS)
        goto out;
    f = "planned_end";
    if (o->planned_end <= o->planned_start ||
        o->planned_end - o->planned_start > OPERATION_MAX_DAYS * MS_PER_DAY)
        goto out;
    f = "owner_unit_id";
    rc = unit_get_active(cx, o->owner_unit_id, &u);
    if (rc != PH_OK)
        goto out;
    owner_force = u.force;
    rc = PH_EINVAL;
    f = "unit_ids";
    if (o->n_units > OPERATION_MAX_UNITS || (o->n_units > 0 && o->unit_ids == NULL))
        goto out;
    o->unit_ids = unique_ids(cx->arena, o->unit_ids, &o->n_units, o->owner_unit_id);
    for (size_t i = 0; i <= o->n_units; i++) {
        const char *force = owner_force;
        if (i < o->n_units) {
            rc = unit_get_active(cx, o->unit_ids[i], &u);
            if (rc != PH_OK)
                goto out;
            force = u.force;
        }
        int k = strcmp(force, "police") == 0 ? 0 : strcmp(force, "military") == 0 ? 1 : 2;
        if (!forces[k])
            n_forces++;
        forces[k] = true;
    }
    o->is_joint = n_forces >= 2;
    rc = PH_EINVAL;
    f = "people_ids";
    if (o->n_people > OPERATION_MAX_PEOPLE || (o->n_people > 0 && o->people_ids == NULL))
        goto out;
    o->people_ids = unique_ids(cx->arena, o->people_ids, &o->n_people, 0);
    for (size_t i = 0; i < o->n_people; i++)
        if ((rc = assignable(cx, o->people_ids[i])) != PH_OK)
            goto out;
    f = "commander_id";
    if (o->commander_id != 0) {
        if ((rc = assignable(cx, o->commander_id)) != PH_OK)
            goto out;
        if (!has_id(o->people_ids, o->n_people, o->commander_id)) {
            rc = PH_EINVAL;
            f = "people_ids";
            if (o->n_people >= OPERATION_MAX_PEOPLE)
                goto out;
            o->people_ids[o->n_people++] = o->commander_id; /* unique_ids left a slot */
        }
    }
    rc = PH_EINVAL;
    f = "asset_ids";
    if (o->n_assets > OPERATION_MAX_ASSETS || (o->n_assets > 0 && o->asset_ids == NULL))
        goto out;
    o->asset_ids = unique_ids(cx->arena, o->asset_ids, &o->n_assets, 0);
    for (size_t i = 0; i < o->n_assets; i++) {
        struct asset a;
        rc = store_asset_get(cx->st, cx->arena, o->asset_ids[i], &a);
        if (rc == PH_ENOTFOUND || (rc == PH_OK && !a.is_active))
            rc = PH_EINVAL;
        if (rc != PH_OK)
            goto out;
    }
    rc = PH_EINVAL;
    f = "classification";
    if (o->classification < CLEARANCE_UNCLASSIFIED || o->classification > CLEARANCE_TOP_SECRET ||
        o->classification > clearance)
        goto out;
    f = NULL;
    rc = PH_OK;
out:
    if (rc == PH_EINVAL && field != NULL)
        *field = f;
    return rc;
}

/* Refuse people and assets already on another planned or active operation whose
 * time overlaps o's. */
static ph_err check_conflicts(struct core_ctx *cx, const struct operation *o, const char **field,
                              int64_t *conflict_id)
{
    for (int assets = 0; assets <= 1; assets++) {
        int64_t which = 0, other = 0;
        ph_err rc = store_operation_conflict(
            cx->st, assets, assets ? o->asset_ids : o->people_ids, assets ? o->n_assets : o->n_people,
            o->id, o->planned_start, o->planned_end, cx->now_ms, &which, &other);
        if (rc != PH_OK)
            return rc;
        if (other != 0) {
            if (conflict_id != NULL)
                *conflict_id = other;
            (void)invalid(field, assets ? "asset_ids" : "people_ids");
            return PH_ECONFLICT;
        }
    }
    return PH_OK;
}

/* ---- plan and change ---------------------------------------------------------------- */

static json_t *plan_detail(const struct operation *o)
{
    return json_pack("{s:o, s:o, s:o, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:o, s:I, s:I}",
                     "kind", fields_jstr(o->kind), "domain", fields_jstr(o->domain), "title",
                     fields_jstr(o->title), "owner_unit_id", (json_int_t)o->owner_unit_id,
                     "unit_ids", fields_ids_json(o->unit_ids, o->n_units), "people_ids",
                     fields_ids_json(o->people_ids, o->n_people), "asset_ids",
                     fields_ids_json(o->asset_ids, o->n_assets), "area_ids",
                     fields_ids_json(o->area_ids, o->n_areas), "classification",
                     fields_jstr(clearance_name(o->classification)), "geometry_kind",
                     fields_jstr(o->geometry_kind), "commander_id", (json_int_t)o->commander_id,
                     "is_joint", json_boolean(o->is_joint), "planned_start",
                     (json_int_t)o->planned_start, "planned_end", (json_int_t)o->planned_end);
}

ph_err operation_create(struct core_ctx *cx, struct operation *o, const char **field,
                        int64_t *conflict_id)
{
    struct unit owner;
    int64_t id = 0;
    ph_err rc;

    if (conflict_id != NULL)
        *conflict_id = 0;
    if (o->owner_unit_id == 0)
        o->owner_unit_id = cx->user->unit_id;
    rc = unit_get_active(cx, o->owner_unit_id, &owner);
    if (rc != PH_OK)
        return rc == PH_EINVAL ? invalid(field, "owner_unit_id") : rc;
    if (!may_plan(cx->user, owner.path, owner.force))
        return PH_EPERM;
    o->id = 0;
    rc = operation_validate(cx, o, field);
    if (rc == PH_OK)
        rc = operation_areas_resolve(cx, o);
    if (rc == PH_OK)
        rc = check_conflicts(cx, o, field, conflict_id);
    if (rc != PH_OK)
        return rc;
    o->status = OPERATION_PLANNED;
    o->started_at = o->ended_at = 0;
    o->cancel_reason = NULL;
    o->created_by = cx->user->person_id;
    o->version = 1;
    o->created_at = o->updated_at = cx->now_ms;
    rc = store_operation_insert(cx->st, o, text_fold(cx->arena, o->title), &id);
    if (rc == PH_OK)
        rc = audit_record(cx, "operation.create", "operation", id, plan_detail(o));
    if (rc == PH_OK)
        rc = store_operation_get(cx->st, cx->arena, id, o);
    if (rc == PH_OK)
        rc = operation_emit(cx, "operation.planned", o, NULL);
    return rc;
}

static void diff_ids(json_t *d, const char *key, const int64_t *old, size_t n_old,
                     const int64_t *nw, size_t n_new)
{
    bool same = n_old == n_new;
    for (size_t i = 0; same && i < n_new; i++)
        same = has_id(old, n_old, nw[i]);
    if (!same)
        fields_diff_set(d, key, fields_ids_json(old, n_old), fields_ids_json(nw, n_new));
}

ph_err operation_update(struct core_ctx *cx, struct operation *o, const char **field,
                        int64_t *conflict_id)
{
    struct operation old;
    json_t *d = NULL;
    ph_err rc;

    if (conflict_id != NULL)
        *conflict_id = 0;
    rc = operation_load(cx, o->id, ACCESS_UPDATE, &old);
    if (rc != PH_OK)
        return rc;
    if (!may_plan(cx->user, old.owner_path, old.owner_force))
        return PH_EPERM;
    if (is_status(&old, OPERATION_COMPLETED) || is_status(&old, OPERATION_CANCELLED)) {
        (void)invalid(field, "status");
        return PH_ECONFLICT;
    }
    if (o->version != 0 && o->version != old.version)
        return PH_ESTALE;
    /* What the plan does not change: its owner, and what the workflow set. */
    o->owner_unit_id = old.owner_unit_id;
    o->status = old.status;
    o->started_at = old.started_at;
    o->ended_at = old.ended_at;
    o->cancel_reason = old.cancel_reason;
    o->created_by = old.created_by;
    o->created_at = old.created_at;
    rc = operation_validate(cx, o, field);
    if (rc != PH_OK)
        return rc;
    if (old.geometry != NULL && strcmp(old.geometry, o->geometry) == 0 && old.n_areas > 0) {
        o->area_ids = old.area_ids;
        o->n_areas = old.n_areas;
    } else if ((rc = operation_areas_resolve(cx, o)) != PH_OK) {
        return rc;
    }
    rc = check_conflicts(cx, o, field, conflict_id);
    if (rc != PH_OK)
        return rc;
    o->version = old.version;
    o->updated_at = cx->now_ms;
    rc = store_operation_update(cx->st, o, text_fold(cx->arena, o->title), true);
    if (rc != PH_OK)
        return rc;
    d = json_object();
    fields_diff_str(d, "kind", old.kind, o->kind);
    fields_diff_str(d, "domain", old.domain, o->domain);
    fields_diff_str(d, "title", old.title, o->title);
    fields_diff_str(d, "description", old.description, o->description);
    fields_diff_str(d, "geometry_kind", old.geometry_kind, o->geometry_kind);
    fields_diff_bool(d, "geometry_changed", false, strcmp(old.geometry, o->geometry) != 0);
    fields_diff_int(d, "planned_start", old.planned_start, o->planned_start);
    fields_diff_int(d, "planned_end", old.planned_end, o->planned_end);
    fields_diff_int(d, "commander_id", old.commander_id, o->commander_id);
    fields_diff_int(d, "classification", old.classification, o->classification);
    fields_diff_bool(d, "is_joint", old.is_joint, o->is_joint);
    /* old.unit_ids holds the owner too (as read); o->unit_ids the others. */
    diff_ids(d, "unit_ids", old.unit_ids + (old.n_units > 0), old.n_units - (old.n_units > 0),
             o->unit_ids, o->n_units);
    diff_ids(d, "people_ids", old.people_ids, old.n_people, o->people_ids, o->n_people);
    diff_ids(d, "asset_ids", old.asset_ids, old.n_assets, o->asset_ids, o->n_assets);
    diff_ids(d, "area_ids", old.area_ids, old.n_areas, o->area_ids, o->n_areas);
    rc = audit_record(cx, "operation.update", "operation", o->id, d);
    if (rc == PH_OK)
        rc = store_operation_get(cx->st, cx->arena, o->id, o);
    if (rc == PH_OK)
        rc = operation_emit(cx, "operation.updated", o, NULL);
    return rc;
}

/* ---- the workflow ------------------------------------------------------------------- */

ph_err operation_set_status(struct core_ctx *cx, int64_t id, int64_t version, const char *status,
                            int64_t at, const char *reason, const char **field)
{
    struct operation o;
    const char *from, *topic;
    ph_err rc;

    rc = operation_load(cx, id, ACCESS_UPDATE, &o);
    if (rc != PH_OK)
        return rc;
    if (!may_plan(cx->user, o.owner_path, o.owner_force))
        return PH_EPERM;
    if (version != 0 && version != o.version)
        return PH_ESTALE;
    if (!one_of(status, OPERATION_ACTIVE, OPERATION_COMPLETED, OPERATION_CANCELLED))
        return invalid(field, "status");
    from = o.status;
    if (strcmp(status, OPERATION_ACTIVE) == 0 ? !is_status(&o, OPERATION_PLANNED)
        : strcmp(status, OPERATION_COMPLETED) == 0
            ? !is_status(&o, OPERATION_ACTIVE)
            : !is_status(&o, OPERATION_PLANNED) && !is_status(&o, OPERATION_ACTIVE)) {
        (void)invalid(field, "status");
        return PH_ECONFLICT;
    }
    if (at == 0)
        at = cx->now_ms;
    if (at < 0 || at > cx->now_ms + FUTURE_SKEW_MS || (o.started_at != 0 && at < o.started_at) ||
        (strcmp(status, OPERATION_ACTIVE) == 0 &&
         at < (o.created_at < o.planned_start ? o.created_at : o.planned_start) - EARLY_START_MAX_MS))
        return invalid(field, "at");
    if (at > cx->now_ms)
        at = cx->now_ms; /* a device's clock a little ahead: never recorded in the future */
    if (fields_clean_text(cx->arena, reason, REASON_MAX_BYTES, false, &reason) != PH_OK)
        return invalid(field, "reason");
    if (strcmp(status, OPERATION_ACTIVE) == 0) {
        o.started_at = at;
        topic = "operation.started";
    } else if (strcmp(status, OPERATION_COMPLETED) == 0) {
        o.ended_at = at;
        topic = "operation.completed";
    } else {
        if (reason == NULL)
            return invalid(field, "reason");
        o.cancel_reason = reason;
        if (o.started_at != 0)
            o.ended_at = at; /* an active operation called off ended then */
        topic = "operation.cancelled";
    }
    o.status = status;
    o.updated_at = cx->now_ms;
    rc = store_operation_update(cx->st, &o, text_fold(cx->arena, o.title), false);
    if (rc == PH_OK)
        rc = audit_record(cx, "operation.status", "operation", id,
                          json_pack("{s:o, s:s, s:I, s:o}", "from", fields_jstr(from), "to",
                                    status, "at", (json_int_t)at, "reason", fields_jstr(reason)));
    if (rc == PH_OK)
        rc = store_operation_get(cx->st, cx->arena, id, &o);
    if (rc == PH_OK)
        rc = operation_emit(cx, topic, &o,
                            json_pack("{s:o, s:I}", "from", fields_jstr(from), "at", (json_int_t)at));
    return rc;
}

/* ---- reads -------------------------------------------------------------------------- */

ph_err operation_get(struct core_ctx *cx, int64_t id, struct operation *out)
{
    return operation_load(cx, id, ACCESS_READ, out);
}

ph_err operation_list(struct core_ctx *cx, const struct operation_filter *f, struct operation **items,
                      size_t *n, bool *has_more)
{
    struct operation_filter g = *f;
    struct incident_scope scope;

    incident_scope_of(cx->user, &scope);
    g.scope_unit_path = scope.unit_path;
    g.scope_clearance = scope.clearance;
    fields_list_filter(cx->arena, &g.limit, &g.q);
    if (g.scope_clearance < 0) {
        *items = NULL;
        *n = 0;
        *has_more = false;
        return PH_OK;
    }
    return store_operation_list(cx->st, cx->arena, &g, items, n, has_more);
}

ph_err operation_summary(struct core_ctx *cx, int64_t id, struct operation_summary *out)
{
    struct operation o;
    struct operation_summary s;
    ph_err rc = operation_load(cx, id, ACCESS_READ, &o);

    if (rc == PH_OK)
        rc = store_operation_summary(cx->st, id, &s);
    if (rc != PH_OK)
        return rc;
    s.duration_ms = 0;
    if (o.started_at != 0) {
        int64_t end = o.ended_at != 0 ? o.ended_at : cx->now_ms;
        s.duration_ms = end > o.started_at ? end - o.started_at : 0;
    }
    *out = s;
    return PH_OK;
}
