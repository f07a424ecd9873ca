/* draft.c - incident drafts (core/draft.h): markers from the field waiting for a
 * duty officer, who promotes them to incidents or dismisses them.
 *
 * A marker is known by its uid and its reporter: the device that sent it, or,
 * without a device (the API), the person. An upsert of a marker:
 *   - whose newest draft is open: updates it when something changed and the
 *     marker's time is not older than the stored one (a moved or edited marker);
 *     an older or identical repeat (TAK clients and servers resend markers) is
 *     answered with the draft as stored, nothing written;
 *   - whose newest draft was promoted or dismissed: the same repeat is answered
 *     with that draft; a newer, changed marker opens a new draft (the team is
 *     still reporting something), so a decision is never undone behind the
 *     officer's back;
 *   - otherwise: a new open draft.
 * Promotion calls incident_create in the caller's transaction: the incident and
 * the draft's link to it (incident_id) are written together, or neither is.
 *
 * Access: the reporter's unit owns a draft; reads by the general rule of an
 * operational item, promote and dismiss with ACCESS_UPDATE (duty officers,
 * commanders, coordinators of the unit or above it). */
#include "util/base.h"
#include <jansson.h>
#include "core/access.h"
#include "core/audit.h"
#include "core/ctx.h"
#include "core/draft.h"
#include "core/fields.h"
#include "core/geo.h"
#include "core/incident.h"
#include "core/outbox.h"
#include "core/unit.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/text.h"

#define UID_MAX_BYTES 200
#define COT_TYPE_MAX_BYTES 64
#define DEFAULT_COT_TYPE "b-m-p-s-m" /* a spot map marker */
#define REMARKS_MAX_BYTES 8192
#define REASON_MAX_BYTES 4096
#define FUTURE_SKEW_MS (5 * 60 * 1000)
/* A marker may have been dropped during a long patrol out of coverage. */
#define MAX_AGE_MS (30LL * 24 * 60 * 60 * 1000)

static ph_err invalid(const char **field, const char *name)
{
    if (field != NULL)
        *field = name;
    return PH_EINVAL;
}

static bool is_open(const struct incident_draft *d)
{
    return d->status != NULL && strcmp(d->status, DRAFT_OPEN) == 0;
}

/* A CoT type: "b-m-p-s-m", "a-h-G", "u-d-f": letters, digits and - . _ */
static bool cot_type_valid(const char *t)
{
    size_t n = strlen(t);

    if (n == 0 || n > COT_TYPE_MAX_BYTES)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = t[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_'))
            return false;
    }
    return true;
}

static void access_item_of(const struct incident_draft *d, const char *force,
                           struct access_item *out)
{
    struct access_item item = {
        .kind = ITEM_OPERATIONAL,
        .owner_path = d->unit_path,
        .owner_force = force,
    };
    *out = item;
}

/* Draft id for act by the caller: PH_ENOTFOUND when it does not exist or the
 * caller may not read it, PH_EPERM when the caller may read it but not act. */
static ph_err load_for(struct core_ctx *cx, int64_t id, enum access_action act,
                       struct incident_draft *out)
{
    struct access_item item;
    struct incident_draft d;
    ph_err rc;

    if (id <= 0)
        return PH_ENOTFOUND;
    rc = store_draft_get(cx->st, cx->arena, id, &d);
    if (rc != PH_OK)
        return rc;
    access_item_of(&d, NULL, &item);
    rc = access_check(cx->user, act, &item);
    if (rc == PH_OK)
        *out = d;
    return rc;
}

/* The marker's members a reporter gives, in place. */
static ph_err validate(struct core_ctx *cx, struct incident_draft *d, const char **field)
{
    if (!fields_clean_key(cx->arena, d->uid, UID_MAX_BYTES, &d->uid)) /* the marker's CoT uid */
        return invalid(field, "uid");
    if (d->device_id < 0)
        return invalid(field, "device_id");
    if (d->cot_type == NULL)
        d->cot_type = DEFAULT_COT_TYPE;
    if (!cot_type_valid(d->cot_type))
        return invalid(field, "cot_type");
    /* Promotion makes the title an incident's: the same bound. */
    if (fields_clean_text(cx->arena, d->title, INCIDENT_TITLE_MAX_BYTES, true, &d->title) != PH_OK)
        return invalid(field, "title");
    if (fields_clean_text(cx->arena, d->remarks, REMARKS_MAX_BYTES, false, &d->remarks) != PH_OK)
        return invalid(field, "remarks");
    if (d->at == 0)
        d->at = cx->now_ms;
    if (d->at < cx->now_ms - MAX_AGE_MS || d->at > cx->now_ms + FUTURE_SKEW_MS)
        return invalid(field, "at");
    if (!geo_point_valid(d->lat, d->lon) || (d->lat == 0 && d->lon == 0))
        return invalid(field, "location");
    return PH_OK;
}

static bool same_marker(const struct incident_draft *a, const struct incident_draft *b)
{
    return fields_str_eq(a->cot_type, b->cot_type) && fields_str_eq(a->title, b->title) &&
           fields_str_eq(a->remarks, b->remarks) && a->at == b->at && a->lat == b->lat &&
           a->lon == b->lon;
}

/* ---- events ------------------------------------------------------------------------ */

static json_t *draft_json(const struct incident_draft *d)
{
    return json_pack("{s:I, s:o, s:o, s:o, s:o, s:I, s:f, s:f, s:I, s:o, s:o, s:I}", "id",
                     (json_int_t)d->id, "uid", fields_jstr(d->uid), "cot_type",
                     fields_jstr(d->cot_type), "title", fields_jstr(d->title), "status",
                     fields_jstr(d->status), "at", (json_int_t)d->at, "lat", d->lat, "lon", d->lon,
                     "unit_id", (json_int_t)d->unit_id, "device_id",
                     d->device_id != 0 ? json_integer(d->device_id) : json_null(), "incident_id",
                     d->incident_id != 0 ? json_integer(d->incident_id) : json_null(), "version",
                     (json_int_t)d->version);
}

/* Read draft id back into *d (the answer shows the row as stored) and emit
 * topic to those who may read it. */
static ph_err reread_emit(struct core_ctx *cx, int64_t id, const char *topic,
                          struct incident_draft *d)
{
    struct access_item scope;
    struct unit u;
    ph_err rc = store_draft_get(cx->st, cx->arena, id, d);

    if (rc == PH_OK)
        rc = store_unit_get(cx->st, cx->arena, d->unit_id, &u);
    if (rc != PH_OK)
        return rc;
    access_item_of(d, u.force, &scope);
    return outbox_emit_scoped(cx, topic, "incident_draft", d->id, draft_json(d), &scope);
}

/* ---- upsert ------------------------------------------------------------------------ */

static ph_err create(struct core_ctx *cx, struct incident_draft *d, bool *created)
{
    int64_t id = 0;
    ph_err rc;

    d->status = DRAFT_OPEN;
    d->incident_id = 0;
    d->dismiss_reason = NULL;
    d->version = 1;
    d->created_at = d->updated_at = cx->now_ms;
    rc = store_draft_insert(cx->st, d, &id);
    if (rc == PH_OK)
        rc = audit_record(cx, "draft.create", "incident_draft", id,
                          json_pack("{s:s, s:s, s:o, s:I, s:f, s:f, s:o}", "uid", d->uid,
                                    "cot_type", d->cot_type, "title", fields_jstr(d->title),
                                    "unit_id", (json_int_t)d->unit_id, "lat", d->lat, "lon", d->lon,
                                    "device_id",
                                    d->device_id != 0 ? json_integer(d->device_id) : json_null()));
    if (rc == PH_OK)
        rc = reread_emit(cx, id, "draft.created", d);
    if (rc == PH_OK)
        *created = true;
    return rc;
}

static ph_err update(struct core_ctx *cx, const struct incident_draft *old,
                     struct incident_draft *d)
{
    struct incident_draft nw = *old;
    json_t *diff = json_object();
    ph_err rc;

    nw.cot_type = d->cot_type;
    nw.title = d->title;
    nw.remarks = d->remarks;
    nw.at = d->at;
    nw.lat = d->lat;
    nw.lon = d->lon;
    nw.updated_at = cx->now_ms;
    rc = store_draft_update(cx->st, &nw);
    if (rc != PH_OK) {
        json_decref(diff);
        return rc;
    }
    fields_diff_str(diff, "cot_type", old->cot_type, nw.cot_type);
    fields_diff_str(diff, "title", old->title, nw.title);
    fields_diff_str(diff, "remarks", old->remarks, nw.remarks);
    fields_diff_int(diff, "at", old->at, nw.at);
    if (old->lat != nw.lat || old->lon != nw.lon)
        fields_diff_set(diff, "location", json_pack("{s:f, s:f}", "lat", old->lat, "lon", old->lon),
                        json_pack("{s:f, s:f}", "lat", nw.lat, "lon", nw.lon));
    rc = audit_record(cx, "draft.update", "incident_draft", old->id, diff);
    if (rc == PH_OK)
        rc = reread_emit(cx, old->id, "draft.updated", d);
    return rc;
}

ph_err draft_upsert(struct core_ctx *cx, struct incident_draft *d, bool *created,
                    const char **field)
{
    struct access_item item = {.kind = ITEM_OPERATIONAL};
    struct incident_draft old;
    struct unit u;
    ph_err rc;

    *created = false;
    d->person_id = cx->user->person_id;
    /* The system names the unit it reports for; everyone else reports for their
     * own (the CoT listener acts as the device's person, or its unit). */
    d->unit_id = cx->user->is_system ? d->unit_id : cx->user->unit_id;
    rc = unit_get_active(cx, d->unit_id, &u);
    if (rc != PH_OK)
        return rc == PH_EINVAL ? invalid(field, "unit_id") : rc;
    item.owner_path = u.path;
    item.owner_force = u.force;
    if (!access_allows(cx->user, ACCESS_CREATE, &item, NULL))
        return PH_EPERM;
    rc = validate(cx, d, field);
    if (rc != PH_OK)
        return rc;
    rc = store_draft_find(cx->st, cx->arena, d->device_id, d->person_id, d->uid, &old);
    if (rc == PH_ENOTFOUND)
        return create(cx, d, created);
    if (rc != PH_OK)
        return rc;
    if (d->at < old.at || same_marker(d, &old)) {
        *d = old; /* a repeat: as stored */
        return PH_OK;
    }
    if (!is_open(&old))
        return create(cx, d, created);
    /* The marker stays with the unit it was first reported for. */
    access_item_of(&old, NULL, &item);
    if (!access_allows(cx->user, ACCESS_CREATE, &item, NULL))
        return PH_EPERM;
    return update(cx, &old, d);
}

/* ---- reads ------------------------------------------------------------------------- */

ph_err draft_get(struct core_ctx *cx, int64_t id, struct incident_draft *out)
{
    return load_for(cx, id, ACCESS_READ, out);
}

ph_err draft_list(struct core_ctx *cx, const char *status, int64_t before_id, int limit,
                  struct incident_draft **items, size_t *n, bool *has_more)
{
    struct incident_scope scope;
    const char *q = NULL;

    if (status == NULL)
        status = DRAFT_OPEN;
    if (strcmp(status, DRAFT_OPEN) != 0 && strcmp(status, DRAFT_PROMOTED) != 0 &&
        strcmp(status, DRAFT_DISMISSED) != 0)
        return PH_EINVAL;
    if (before_id < 0)
        return PH_EINVAL;
    incident_scope_of(cx->user, &scope);
    fields_list_filter(cx->arena, &limit, &q);
    if (scope.clearance < 0) {
        *items = NULL;
        *n = 0;
        *has_more = false;
        return PH_OK;
    }
    return store_draft_list(cx->st, cx->arena, status, scope.unit_path, before_id, limit, items, n,
                            has_more);
}

/* ---- decisions --------------------------------------------------------------------- */

/* Close open draft d as status (the incident or the reason set in *d by the
 * caller), audited as action with detail (stolen), announced as topic. */
static ph_err decide(struct core_ctx *cx, struct incident_draft *d, const char *action,
                     json_t *detail, const char *topic)
{
    ph_err rc;

    d->updated_at = cx->now_ms;
    rc = store_draft_update(cx->st, d);
    if (rc != PH_OK) {
        json_decref(detail);
        return rc;
    }
    rc = audit_record(cx, action, "incident_draft", d->id, detail);
    if (rc == PH_OK)
        rc = reread_emit(cx, d->id, topic, d);
    return rc;
}

ph_err draft_promote(struct core_ctx *cx, int64_t id, struct incident *inc, const char **field)
{
    struct incident_draft d;
    ph_err rc;

    rc = load_for(cx, id, ACCESS_UPDATE, &d);
    if (rc != PH_OK)
        return rc;
    if (!is_open(&d)) {
        if (field != NULL)
            *field = "status";
        return PH_ECONFLICT;
    }
    if (inc->category_id <= 0)
        return invalid(field, "category");
    /* The draft gives what the officer leaves out: its place, time, name and
     * remarks, and its unit as the reporting one. */
    if (inc->title == NULL)
        inc->title = d.title;
    if (inc->description == NULL)
        inc->description = d.remarks;
    if (!inc->has_location) {
        inc->has_location = true;
        inc->lat = d.lat;
        inc->lon = d.lon;
    }
    if (inc->occurred_at == 0)
        inc->occurred_at = d.at;
    if (inc->reporting_unit_id == 0)
        inc->reporting_unit_id = d.unit_id;
    rc = incident_create(cx, inc, NULL, NULL, field);
    if (rc != PH_OK)
        return rc;
    d.status = DRAFT_PROMOTED;
    d.incident_id = inc->id;
    return decide(cx, &d, "draft.promote",
                  json_pack("{s:I, s:o}", "incident_id", (json_int_t)inc->id, "incident_ref",
                            fields_jstr(inc->ref)),
                  "draft.promoted");
}

ph_err draft_dismiss(struct core_ctx *cx, int64_t id, const char *reason, const char **field)
{
    struct incident_draft d;
    ph_err rc;

    rc = load_for(cx, id, ACCESS_UPDATE, &d);
    if (rc != PH_OK)
        return rc;
    if (fields_clean_text(cx->arena, reason, REASON_MAX_BYTES, true, &reason) != PH_OK)
        return invalid(field, "reason");
    if (!is_open(&d)) {
        if (field != NULL)
            *field = "status";
        return PH_ECONFLICT;
    }
    d.status = DRAFT_DISMISSED;
    d.dismiss_reason = reason;
    return decide(cx, &d, "draft.dismiss", json_pack("{s:s}", "reason", reason), "draft.dismissed");
}
