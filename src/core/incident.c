/* incident.c - incident reports as records: validation, creation with routing
 * (lead, informed units, deadlines, a late first report flagged), updates of the
 * client members, reads through the access decision, reference numbers, and the
 * helpers incident_flow.c shares (core/incident_int.h).
 *
 * Access: an incident is an operational item whose owner is its lead unit and
 * which was "sent to" every other recipient (core/access.h). Before it exists, the
 * reporting unit stands in for the owner, so a reporter files for its own unit or
 * one below it. A read the caller may not make answers "not found", never
 * "forbidden": whether a secret incident exists is itself need-to-know. */
#include "util/base.h"
#include <jansson.h>
#include <time.h>
#include "core/access.h"
#include "core/audit.h"
#include "core/category.h"
#include "core/ctx.h"
#include "core/fields.h"
#include "core/geo.h"
#include "core/incident.h"
#include "core/incident_int.h"
#include "core/outbox.h"
#include "core/routing.h"
#include "core/unit.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/jsonw.h"
#include "util/limits.h"
#include "util/time.h"

#define REF_PREFIX_SETTING "incident_ref_prefix"
#define REF_PREFIX_DEFAULT "PH"
#define REF_PREFIX_MIN 2
#define REF_PREFIX_MAX 8
#define MS_PER_MIN 60000

/* ---- names ------------------------------------------------------------------------- */

static const char *const statuses[] = {
    INCIDENT_ST_NEW,    INCIDENT_ST_ACKNOWLEDGED, INCIDENT_ST_RESPONDING, INCIDENT_ST_RESOLVED,
    INCIDENT_ST_CLOSED, INCIDENT_ST_TRANSFERRED,  INCIDENT_ST_MERGED,
};

static const char *const cap_statuses[] = {"actual", "exercise", "test"};

/* The workflow of core/incident.h, less the moves an acknowledgement makes (new or
 * transferred -> acknowledged), which incident_set_status must not offer. */
static const struct {
    const char *from, *to;
} transitions[] = {
    {INCIDENT_ST_NEW, INCIDENT_ST_TRANSFERRED},
    {INCIDENT_ST_NEW, INCIDENT_ST_MERGED},
    {INCIDENT_ST_ACKNOWLEDGED, INCIDENT_ST_RESPONDING},
    {INCIDENT_ST_ACKNOWLEDGED, INCIDENT_ST_RESOLVED},
    {INCIDENT_ST_ACKNOWLEDGED, INCIDENT_ST_TRANSFERRED},
    {INCIDENT_ST_ACKNOWLEDGED, INCIDENT_ST_MERGED},
    {INCIDENT_ST_TRANSFERRED, INCIDENT_ST_TRANSFERRED},
    {INCIDENT_ST_TRANSFERRED, INCIDENT_ST_MERGED},
    {INCIDENT_ST_RESPONDING, INCIDENT_ST_RESOLVED},
    {INCIDENT_ST_RESPONDING, INCIDENT_ST_MERGED},
    {INCIDENT_ST_RESOLVED, INCIDENT_ST_CLOSED},
    {INCIDENT_ST_RESOLVED, INCIDENT_ST_RESPONDING},
};

static bool in_list(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; s != NULL && i < n; i++)
        if (strcmp(s, list[i]) == 0)
            return true;
    return false;
}

bool incident_status_valid(const char *s)
{
    return in_list(s, statuses, PH_NELEM(statuses));
}

bool incident_cap_status_valid(const char *s)
{
    return in_list(s, cap_statuses, PH_NELEM(cap_statuses));
}

bool incident_transition_allowed(const char *from, const char *to)
{
    for (size_t i = 0; from != NULL && to != NULL && i < PH_NELEM(transitions); i++)
        if (strcmp(from, transitions[i].from) == 0 && strcmp(to, transitions[i].to) == 0)
            return true;
    return false;
}

/* ---- access ------------------------------------------------------------------------ */

void incident_access_item(const struct incident *inc, struct access_item *out)
{
    struct access_item item = {
        .kind = ITEM_OPERATIONAL,
        .owner_path = inc->lead_unit_path,
        .owner_force = inc->lead_force,
        .classification = inc->classification,
        .sent_to_paths = inc->sent_to_paths,
        .n_sent_to = inc->n_sent_to,
    };
    *out = item;
}

/* The same rules as access_allows() for ACCESS_READ of an operational item, in the
 * form store queries apply: a caller without a unit sees everything only when it
 * is an administrator, and nothing otherwise (clearance -1 matches no row); a
 * caller without any role sees nothing. */
void incident_scope_of(const struct core_user *who, struct incident_scope *out)
{
    out->unit_path = NULL;
    out->clearance = -1;
    if (who == NULL)
        return;
    if (who->is_system) {
        out->clearance = CLEARANCE_TOP_SECRET;
        return;
    }
    if ((who->roles & ROLE_ALL) == 0)
        return;
    if (who->unit_path == NULL) {
        if ((who->roles & ROLE_ADMIN) != 0)
            out->clearance = who->clearance;
        return;
    }
    out->unit_path = who->unit_path;
    out->clearance = who->clearance;
}

/* ---- shared with incident_flow.c --------------------------------------------------- */

ph_err incident_load_for(struct core_ctx *cx, int64_t id, enum access_action act,
                         struct incident *out)
{
    struct access_item item;
    struct incident inc;
    ph_err rc;

    if (id <= 0)
        return PH_ENOTFOUND;
    rc = store_incident_get(cx->st, cx->arena, id, cx->now_ms, &inc);
    if (rc != PH_OK)
        return rc;
    incident_access_item(&inc, &item);
    rc = access_check(cx->user, act, &item);
    if (rc == PH_OK)
        *out = inc;
    return rc;
}

ph_err incident_log_event_text(struct core_ctx *cx, int64_t id, const char *kind, int64_t unit_id,
                               const char *detail)
{
    struct incident_event e = {
        .incident_id = id,
        .at = cx->now_ms,
        .person_id = cx->user->person_id,
        .kind = kind,
        .unit_id = unit_id,
        .detail = detail,
    };

    return store_incident_event_insert(cx->st, &e, NULL); /* its id is not needed */
}

ph_err incident_log_event(struct core_ctx *cx, int64_t id, const char *kind, int64_t unit_id,
                          json_t *detail)
{
    char *text = NULL;
    ph_err rc = PH_EINVAL;

    if (detail == NULL)
        detail = json_object();
    if (detail == NULL || (text = json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
        goto out;
    rc = incident_log_event_text(cx, id, kind, unit_id, text);
out:
    free(text);
    json_decref(detail);
    return rc;
}

/* Events and records of incidents are small JSON objects, written directly
 * (util/jsonw.h) rather than built as jansson trees: the writer makes one of
 * each per incident. This caps them; the longest member is a description. */
#define RECORD_MAX_BYTES (256 * 1024)

/* The members every event of inc carries: id, ref, title, status, severity,
 * category_code, lead_unit_id, cap_status. */
static void payload_members(struct jsonw *w, const struct incident *inc)
{
    jsonw_int_member(w, "id", inc->id);
    jsonw_str_member(w, "ref", inc->ref);
    jsonw_str_member(w, "title", inc->title);
    jsonw_str_member(w, "status", inc->status);
    jsonw_int_member(w, "severity", inc->severity);
    jsonw_str_member(w, "category_code", inc->category_code);
    jsonw_int_member(w, "lead_unit_id", inc->lead_unit_id);
    jsonw_str_member(w, "cap_status", inc->cap_status);
}

/* The members of extra after payload_members, in extra's order, each value as
 * json_dumps gives it (the whole payload used to be one jansson object). */
static void extra_members(struct jsonw *w, json_t *extra)
{
    const char *key;
    json_t *v;

    json_object_foreach (extra, key, v) {
        char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        if (text == NULL) {
            w->rc = PH_EINVAL;
            return;
        }
        jsonw_key(w, key);
        jsonw_put(w, text, strlen(text));
        free(text);
    }
}

ph_err incident_emit_for(struct core_ctx *cx, const char *topic, const struct incident *inc,
                         json_t *extra, const char *extra_path)
{
    struct access_item scope;
    struct buf payload;
    struct jsonw w = {.b = &payload};
    ph_err rc;

    incident_access_item(inc, &scope);
    if (extra_path != NULL) {
        const char **paths = arena_alloc(cx->arena, (inc->n_sent_to + 1) * sizeof(*paths));
        for (size_t i = 0; i < inc->n_sent_to; i++)
            paths[i] = inc->sent_to_paths[i];
        paths[inc->n_sent_to] = extra_path;
        scope.sent_to_paths = paths;
        scope.n_sent_to = inc->n_sent_to + 1;
    }
    buf_init(&payload, RECORD_MAX_BYTES);
    jsonw_open(&w, "{");
    payload_members(&w, inc);
    if (extra != NULL)
        extra_members(&w, extra);
    jsonw_close(&w, "}");
    json_decref(extra);
    rc = w.rc;
    if (rc == PH_OK)
        rc = outbox_emit_text(cx, topic, "incident", inc->id, payload.data, &scope);
    buf_release(&payload);
    return rc;
}

ph_err incident_emit_event(struct core_ctx *cx, const char *topic, int64_t id, json_t *extra,
                           const char *extra_path)
{
    struct incident inc;
    ph_err rc = store_incident_get(cx->st, cx->arena, id, cx->now_ms, &inc);

    if (rc != PH_OK) {
        json_decref(extra);
        return rc;
    }
    return incident_emit_for(cx, topic, &inc, extra, extra_path);
}

ph_err incident_check_version(const struct incident *inc, int64_t expected)
{
    return expected != 0 && expected != inc->version ? PH_ESTALE : PH_OK;
}

ph_err incident_clean_note(struct core_ctx *cx, const char *in, const char **out,
                           const char **field)
{
    ph_err rc = fields_clean_text(cx->arena, in, INCIDENT_NOTE_MAX_BYTES, false, out);

    if (rc != PH_OK && field != NULL)
        *field = "note";
    return rc;
}

/* ---- times ------------------------------------------------------------------------- */

/* The calendar day of ms in Asia/Ho_Chi_Minh (UTC+7, no daylight saving). */
static void vn_day(int64_t ms, struct tm *tm)
{
    int64_t s = ms / 1000 - (ms % 1000 < 0 ? 1 : 0);
    time_t t = (time_t)(s + TIME_VN_OFFSET_S);

    memset(tm, 0, sizeof(*tm));
    if (gmtime_r(&t, tm) == NULL)
        memset(tm, 0, sizeof(*tm));
}

static const char *vn_date(struct arena *a, int64_t ms)
{
    struct tm tm;

    vn_day(ms, &tm);
    return arena_printf(a, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/* ---- validation -------------------------------------------------------------------- */

static bool count_valid(int n)
{
    return n >= 0 && n <= INCIDENT_COUNT_MAX;
}

/* Make a store's PH_ENOTFOUND a client's bad reference. */
static ph_err must_exist(ph_err rc)
{
    return rc == PH_ENOTFOUND ? PH_EINVAL : rc;
}

static ph_err active_unit(struct core_ctx *cx, int64_t id, struct unit *u)
{
    ph_err rc;

    if (id <= 0)
        return PH_EINVAL;
    rc = must_exist(store_unit_get(cx->st, cx->arena, id, u));
    if (rc == PH_OK && !u->is_active)
        rc = PH_EINVAL;
    return rc;
}

/* incident_validate, which also gives the category it read (create joins its
 * code in rather than read the incident back). */
static ph_err validate(struct core_ctx *cx, struct incident *inc, bool creating, const char **field,
                       struct category *cat)
{
    int64_t latest = cx->now_ms + INCIDENT_FUTURE_SKEW_MS;
    int clearance = cx->user->is_system ? CLEARANCE_TOP_SECRET : cx->user->clearance;
    const char *f = NULL;
    ph_err rc = PH_EINVAL;

    f = "category_id";
    if (inc->category_id <= 0)
        goto out;
    rc = must_exist(store_category_get(cx->st, cx->arena, inc->category_id, cat));
    if (rc != PH_OK)
        goto out;
    rc = PH_EINVAL;
    if (creating && !cat->is_active)
        goto out;
    f = "severity";
    if (inc->severity == 0)
        inc->severity = cat->default_severity;
    if (inc->severity < 1 || inc->severity > 4)
        goto out;
    f = "title";
    if (fields_clean_text(cx->arena, inc->title, INCIDENT_TITLE_MAX_BYTES, true, &inc->title) !=
        PH_OK)
        goto out;
    f = "description";
    if (fields_clean_text(cx->arena, inc->description, INCIDENT_DESCRIPTION_MAX_BYTES, false,
                          &inc->description) != PH_OK)
        goto out;
    f = "occurred_at";
    if (inc->occurred_at <= 0 || inc->occurred_at > latest)
        goto out;
    f = "detected_at";
    if (inc->detected_at == 0)
        inc->detected_at = inc->occurred_at;
    if (inc->detected_at < inc->occurred_at || inc->detected_at > latest)
        goto out;
    f = "location";
    if (inc->has_location && !geo_point_valid(inc->lat, inc->lon))
        goto out;
    if (!inc->has_location)
        inc->lat = inc->lon = 0.0;
    f = "area_id";
    if (inc->area_id < 0)
        goto out;
    if (inc->area_id > 0) {
        struct area ar;
        rc = must_exist(store_area_get(cx->st, cx->arena, inc->area_id, &ar));
        if (rc != PH_OK)
            goto out;
        rc = PH_EINVAL;
    }
    f = "people_involved";
    if (!count_valid(inc->people_involved))
        goto out;
    f = "vehicles_involved";
    if (!count_valid(inc->vehicles_involved))
        goto out;
    f = "vessels_involved";
    if (!count_valid(inc->vessels_involved))
        goto out;
    f = "casualties_dead";
    if (!count_valid(inc->casualties_dead))
        goto out;
    f = "casualties_injured";
    if (!count_valid(inc->casualties_injured))
        goto out;
    f = "damage";
    if (fields_clean_text(cx->arena, inc->damage, INCIDENT_DAMAGE_MAX_BYTES, false, &inc->damage) !=
        PH_OK)
        goto out;
    f = "classification";
    if (inc->classification < CLEARANCE_UNCLASSIFIED ||
        inc->classification > CLEARANCE_TOP_SECRET || inc->classification > clearance)
        goto out;
    f = "cap_status";
    if (inc->cap_status == NULL)
        inc->cap_status = "actual";
    if (!incident_cap_status_valid(inc->cap_status))
        goto out;
    if (creating) {
        f = "informed_unit_ids";
        if (inc->n_informed > INCIDENT_MAX_INFORMED ||
            (inc->n_informed > 0 && inc->informed_unit_ids == NULL))
            goto out;
        for (size_t i = 0; i < inc->n_informed; i++) {
            struct unit u;
            rc = active_unit(cx, inc->informed_unit_ids[i], &u);
            if (rc != PH_OK)
                goto out;
        }
    }
    f = NULL;
    rc = PH_OK;
out:
    if (rc == PH_EINVAL && field != NULL)
        *field = f;
    return rc;
}

ph_err incident_validate(struct core_ctx *cx, struct incident *inc, bool creating,
                         const char **field)
{
    struct category cat;

    return validate(cx, inc, creating, field, &cat);
}

/* ---- create ------------------------------------------------------------------------ */

static bool idem_key_valid(const char *k)
{
    size_t n = 0;

    if (k == NULL)
        return false;
    for (; k[n] != '\0'; n++)
        if ((unsigned char)k[n] < 0x20 || (unsigned char)k[n] > 0x7e)
            return false;
    return n >= 1 && n <= INCIDENT_IDEM_KEY_MAX_BYTES;
}

static bool ref_prefix_valid(const char *p)
{
    size_t n = 0;

    if (p == NULL)
        return false;
    for (; p[n] != '\0'; n++)
        if (!((p[n] >= 'A' && p[n] <= 'Z') || (p[n] >= '0' && p[n] <= '9')))
            return false;
    return n >= REF_PREFIX_MIN && n <= REF_PREFIX_MAX;
}

/* The incident inc->id with its recipients, as a caller gets it back. */
static ph_err load_full(struct core_ctx *cx, int64_t id, struct incident *out)
{
    struct incident inc;
    ph_err rc = store_incident_get(cx->st, cx->arena, id, cx->now_ms, &inc);

    if (rc == PH_OK)
        rc = store_incident_recipients(cx->st, cx->arena, id, &inc.recipients, &inc.n_recipients);
    if (rc == PH_OK)
        *out = inc;
    return rc;
}

/* A replayed create: the incident the caller made with this key, when the request
 * is the same. *found false when the key is new. */
static ph_err idem_replay(struct core_ctx *cx, const struct incident_idem *idem,
                          struct incident *inc, bool *found, const char **field)
{
    uint8_t hash[32];
    int64_t id = 0;
    ph_err rc;

    *found = false;
    rc = store_idem_get(cx->st, cx->user->person_id, idem->key, hash, &id);
    if (rc == PH_ENOTFOUND)
        return PH_OK;
    if (rc != PH_OK)
        return rc;
    if (memcmp(hash, idem->request_hash, sizeof(hash)) != 0) {
        if (field != NULL)
            *field = "Idempotency-Key";
        return PH_ECONFLICT;
    }
    rc = incident_get(cx, id, inc);
    if (rc == PH_OK)
        *found = true;
    return rc;
}

/* The reporting unit: given, or the caller's; it must exist and be active. */
static ph_err reporting_unit(struct core_ctx *cx, struct incident *inc, struct unit *u,
                             const char **field)
{
    ph_err rc;

    if (inc->reporting_unit_id == 0)
        inc->reporting_unit_id = cx->user->unit_id;
    rc = active_unit(cx, inc->reporting_unit_id, u);
    if (rc == PH_EINVAL && field != NULL)
        *field = "reporting_unit_id";
    return rc;
}

static ph_err number(struct core_ctx *cx, struct incident *inc)
{
    const char *prefix = NULL;
    int64_t seq = 0;
    struct tm tm;
    ph_err rc;

    rc = incident_ref_prefix_get(cx, &prefix);
    if (rc != PH_OK)
        return rc;
    vn_day(inc->reported_at, &tm);
    rc = store_incident_ref_next(cx->st, prefix, tm.tm_year + 1900, &seq);
    if (rc == PH_OK)
        inc->ref =
            arena_printf(cx->arena, "%s-%04d-%06lld", prefix, tm.tm_year + 1900, (long long)seq);
    return rc;
}

static struct incident_recipient recipient(int64_t unit_id, const char *role, int64_t now,
                                           const struct routing_plan *plan)
{
    struct incident_recipient r = {.unit_id = unit_id, .role = role, .sent_at = now};

    if (plan != NULL && plan->ack_deadline_min > 0)
        r.ack_due_at = now + (int64_t)plan->ack_deadline_min * MS_PER_MIN;
    if (plan != NULL && plan->verify_deadline_min > 0)
        r.verify_due_at = now + (int64_t)plan->verify_deadline_min * MS_PER_MIN;
    return r;
}

/* The recipients a create wrote (items in cx->arena). */
struct sent_list {
    struct incident_recipient *items;
    size_t n;
};

/* The recipients of a new incident: the lead (acknowledged at once when it is the
 * reporting unit), the informed units, the reporting unit, written in one go;
 * *sent gets them as written (each unit once: the plan's informed units are
 * neither the lead nor the reporting unit, nor repeated). */
static ph_err send_out(struct core_ctx *cx, const struct incident *inc,
                       const struct routing_plan *plan, struct sent_list *sent)
{
    struct incident_recipient lead =
        recipient(inc->lead_unit_id, INCIDENT_ROLE_LEAD, cx->now_ms, plan);
    ph_err rc;

    sent->n = 0;
    sent->items = arena_alloc(cx->arena, (plan->n_informed + 2) * sizeof(*sent->items));
    if (inc->lead_unit_id == inc->reporting_unit_id) {
        struct incident_ack ack = {.incident_id = inc->id,
                                   .unit_id = lead.unit_id,
                                   .person_id = cx->user->person_id,
                                   .stage = ACK_RECEIVED,
                                   .at = cx->now_ms,
                                   .on_time = true};
        int64_t ack_id = 0;
        lead.received_at = cx->now_ms;
        lead.received_by = cx->user->person_id;
        rc = store_incident_ack_insert(cx->st, &ack, &ack_id);
        if (rc != PH_OK)
            return rc;
    }
    sent->items[sent->n++] = lead;
    for (size_t i = 0; i < plan->n_informed; i++) {
        struct incident_recipient r =
            recipient(plan->informed_unit_ids[i], INCIDENT_ROLE_INFORMED, cx->now_ms, plan);
        if (r.unit_id != inc->lead_unit_id && r.unit_id != inc->reporting_unit_id)
            sent->items[sent->n++] = r;
    }
    if (inc->reporting_unit_id != inc->lead_unit_id)
        sent->items[sent->n++] =
            recipient(inc->reporting_unit_id, INCIDENT_ROLE_REPORTING, cx->now_ms, NULL);
    return store_incident_recipients_add(cx->st, inc->id, sent->items, sent->n);
}

static int cmp_recipient_unit(const void *x, const void *y)
{
    const struct incident_recipient *a = x, *b = y;

    return a->unit_id < b->unit_id ? -1 : a->unit_id > b->unit_id;
}

/* The members a read joins in, for the incident create just wrote (its answer and
 * its event's scope), from what create wrote rather than from reading it back:
 * the recipients as send_out wrote them with their units' code, name, path and
 * force, in a read's order (sent_at, then unit id: all were sent at cx->now_ms);
 * the lead's path and force; the paths of the other recipients and the informed
 * units, in the same order; the reporting unit's path; the category's code; not
 * overdue, as every deadline of a new incident lies after its creation. */
static ph_err join_created(struct core_ctx *cx, struct incident *inc, const struct unit *rep,
                           const struct category *cat, const struct sent_list *sent)
{
    struct incident_recipient *rs = sent->items;
    size_t n = sent->n;

    qsort(rs, n, sizeof(*rs), cmp_recipient_unit);
    for (size_t i = 0; i < n; i++) {
        struct unit u;
        if (rs[i].unit_id == rep->id) {
            u = *rep;
        } else {
            ph_err rc = store_unit_get(cx->st, cx->arena, rs[i].unit_id, &u);
            if (rc != PH_OK)
                return rc;
        }
        rs[i].unit_code = u.code;
        rs[i].unit_name = u.name;
        rs[i].unit_path = u.path;
        rs[i].force = u.force;
    }
    inc->recipients = n > 0 ? rs : NULL;
    inc->n_recipients = n;
    inc->category_code = cat->code;
    inc->reporting_unit_path = rep->path;
    inc->lead_unit_path = inc->lead_force = NULL;
    inc->sent_to_paths = NULL;
    inc->n_sent_to = 0;
    inc->informed_unit_ids = NULL;
    inc->n_informed = 0;
    if (n > 0) {
        inc->sent_to_paths = arena_alloc(cx->arena, n * sizeof(*inc->sent_to_paths));
        inc->informed_unit_ids = arena_alloc(cx->arena, n * sizeof(*inc->informed_unit_ids));
    }
    for (size_t i = 0; i < n; i++) {
        if (rs[i].unit_id == inc->lead_unit_id) {
            inc->lead_unit_path = rs[i].unit_path;
            inc->lead_force = rs[i].force;
        } else {
            inc->sent_to_paths[inc->n_sent_to++] = rs[i].unit_path;
        }
        if (strcmp(rs[i].role, INCIDENT_ROLE_INFORMED) == 0)
            inc->informed_unit_ids[inc->n_informed++] = rs[i].unit_id;
    }
    if (inc->n_sent_to == 0)
        inc->sent_to_paths = NULL;
    if (inc->n_informed == 0)
        inc->informed_unit_ids = NULL;
    inc->overdue = false;
    return PH_OK;
}

/* What the timeline and the audit log record of a create, canonical like every
 * detail (compact, keys sorted: what json_dumps with JSON_SORT_KEYS gives). */
static ph_err create_detail(struct buf *b, const struct incident *inc,
                            const struct routing_plan *plan)
{
    struct jsonw w = {.b = b};

    jsonw_open(&w, "{");
    jsonw_str_member(&w, "cap_status", inc->cap_status);
    jsonw_int_member(&w, "classification", inc->classification);
    jsonw_ids_member(&w, "informed_unit_ids", plan->informed_unit_ids, plan->n_informed);
    jsonw_int_member(&w, "lead_unit_id", inc->lead_unit_id);
    jsonw_str_member(&w, "ref", inc->ref);
    jsonw_bool_member(&w, "report_late", inc->report_late);
    jsonw_int_member(&w, "reporting_unit_id", inc->reporting_unit_id);
    jsonw_int_member(&w, "rule_id", inc->rule_id);
    jsonw_str_member(&w, "status", inc->status);
    jsonw_close(&w, "}");
    return w.rc;
}

ph_err incident_create(struct core_ctx *cx, struct incident *inc, const struct incident_idem *idem,
                       bool *replayed, const char **field)
{
    struct access_item item = {.kind = ITEM_OPERATIONAL};
    struct routing_plan plan;
    struct sent_list sent = {0};
    struct category cat;
    struct unit rep;
    struct buf detail;
    bool found = false;
    int64_t id = 0;
    ph_err rc;

    buf_init(&detail, RECORD_MAX_BYTES);
    if (replayed != NULL)
        *replayed = false;
    if (idem != NULL) {
        rc = PH_EINVAL;
        if (!idem_key_valid(idem->key)) {
            if (field != NULL)
                *field = "Idempotency-Key";
            goto out;
        }
        rc = idem_replay(cx, idem, inc, &found, field);
        if (rc != PH_OK || found) {
            if (rc == PH_OK && replayed != NULL)
                *replayed = true;
            goto out;
        }
    }

    rc = reporting_unit(cx, inc, &rep, field);
    if (rc != PH_OK)
        goto out;
    /* Classification is checked against the clearance by validation, which names
     * the field; the access check here is the role and the unit. */
    item.owner_path = rep.path;
    item.owner_force = rep.force;
    rc = access_allows(cx->user, ACCESS_CREATE, &item, NULL) ? PH_OK : PH_EPERM;
    if (rc != PH_OK)
        goto out;
    rc = validate(cx, inc, true, field, &cat);
    if (rc != PH_OK)
        goto out;

    if (inc->area_id == 0 && inc->has_location) {
        rc = geo_resolve_area(cx, inc->lat, inc->lon, vn_date(cx->arena, inc->occurred_at),
                              &inc->area_id);
        if (rc != PH_OK)
            goto out;
    }
    inc->reported_at = cx->now_ms;
    rc = number(cx, inc);
    if (rc != PH_OK)
        goto out;
    rc = routing_plan_for(cx, inc, &plan);
    if (rc == PH_ENOTFOUND) {
        /* The force that should lead has no active unit: nothing to route to. The
         * report is refused as it stands (not "not found": the URL exists). */
        rc = PH_EINVAL;
        if (field != NULL)
            *field = "category";
    }
    if (rc != PH_OK)
        goto out;
    inc->lead_unit_id = plan.lead_unit_id;
    inc->rule_id = plan.rule_id;
    inc->report_due_at = plan.report_deadline_min > 0
                             ? inc->detected_at + (int64_t)plan.report_deadline_min * MS_PER_MIN
                             : 0;
    inc->report_late = inc->report_due_at != 0 && inc->reported_at > inc->report_due_at;
    inc->status =
        inc->lead_unit_id == inc->reporting_unit_id ? INCIDENT_ST_ACKNOWLEDGED : INCIDENT_ST_NEW;
    inc->merged_into_id = 0;
    inc->created_by = cx->user->person_id;
    inc->version = 1;
    inc->created_at = inc->updated_at = cx->now_ms;

    rc = store_incident_insert(cx->st, inc, &id);
    if (rc != PH_OK)
        goto out;
    inc->id = id;
    rc = send_out(cx, inc, &plan, &sent);
    if (rc != PH_OK)
        goto out;
    /* The timeline entry and the audit entry say the same: one object,
     * serialised once. */
    rc = create_detail(&detail, inc, &plan);
    if (rc != PH_OK)
        goto out;
    rc = incident_log_event_text(cx, id, "created", inc->reporting_unit_id, detail.data);
    if (rc != PH_OK)
        goto out;
    rc = audit_record_text(cx, "incident.create", "incident", id, detail.data);
    if (rc != PH_OK)
        goto out;
    if (idem != NULL) {
        rc = store_idem_put(cx->st, cx->user->person_id, idem->key, idem->request_hash, id,
                            cx->now_ms);
        if (rc != PH_OK)
            goto out;
    }
    /* The caller's answer and the scope of the event (the joined paths of the
     * recipients just written). */
    rc = join_created(cx, inc, &rep, &cat, &sent);
    if (rc != PH_OK)
        goto out;
    rc = incident_emit_for(cx, "incident.created", inc,
                           json_pack("{s:b, s:I}", "report_late", inc->report_late,
                                     "reporting_unit_id", (json_int_t)inc->reporting_unit_id),
                           NULL);
out:
    buf_release(&detail);
    return rc;
}

/* ---- update ------------------------------------------------------------------------ */

static json_t *update_diff(const struct incident *old, const struct incident *inc)
{
    json_t *d = json_object();

    fields_diff_int(d, "category_id", old->category_id, inc->category_id);
    fields_diff_int(d, "severity", old->severity, inc->severity);
    fields_diff_str(d, "title", old->title, inc->title);
    fields_diff_str(d, "description", old->description, inc->description);
    fields_diff_int(d, "occurred_at", old->occurred_at, inc->occurred_at);
    fields_diff_int(d, "detected_at", old->detected_at, inc->detected_at);
    if (old->has_location != inc->has_location || old->lat != inc->lat || old->lon != inc->lon) {
        json_t *o = old->has_location ? json_pack("{s:f, s:f}", "lat", old->lat, "lon", old->lon)
                                      : json_null();
        json_t *n = inc->has_location ? json_pack("{s:f, s:f}", "lat", inc->lat, "lon", inc->lon)
                                      : json_null();
        fields_diff_set(d, "location", o, n);
    }
    fields_diff_int(d, "area_id", old->area_id, inc->area_id);
    fields_diff_int(d, "people_involved", old->people_involved, inc->people_involved);
    fields_diff_int(d, "vehicles_involved", old->vehicles_involved, inc->vehicles_involved);
    fields_diff_int(d, "vessels_involved", old->vessels_involved, inc->vessels_involved);
    fields_diff_int(d, "casualties_dead", old->casualties_dead, inc->casualties_dead);
    fields_diff_int(d, "casualties_injured", old->casualties_injured, inc->casualties_injured);
    fields_diff_str(d, "damage", old->damage, inc->damage);
    fields_diff_int(d, "classification", old->classification, inc->classification);
    fields_diff_str(d, "cap_status", old->cap_status, inc->cap_status);
    return d;
}

/* The members update leaves alone come from the stored incident. */
static void keep_server_members(struct incident *inc, const struct incident *old)
{
    inc->ref = old->ref;
    inc->reporting_unit_id = old->reporting_unit_id;
    inc->lead_unit_id = old->lead_unit_id;
    inc->informed_unit_ids = old->informed_unit_ids;
    inc->n_informed = old->n_informed;
    inc->status = old->status;
    inc->merged_into_id = old->merged_into_id;
    inc->rule_id = old->rule_id;
    inc->reported_at = old->reported_at;
    inc->report_due_at = old->report_due_at;
    inc->report_late = old->report_late;
    inc->created_by = old->created_by;
    inc->created_at = old->created_at;
}

/* Turning an exercise or test into a real incident (or back), and lowering a
 * classification, change who sees it and what the statistics count: a commander's
 * decision (ACCESS_APPROVE over the lead unit), not a duty officer's. */
static ph_err check_sensitive_change(struct core_ctx *cx, const struct incident *old,
                                     const struct incident *inc, const char **field)
{
    struct access_item item;
    const char *what = NULL;

    if (!fields_str_eq(inc->cap_status, old->cap_status))
        what = "cap_status";
    else if (inc->classification < old->classification)
        what = "classification";
    if (what == NULL)
        return PH_OK;
    incident_access_item(old, &item);
    if (access_allows(cx->user, ACCESS_APPROVE, &item, NULL))
        return PH_OK;
    if (field != NULL)
        *field = what;
    return PH_EPERM;
}

ph_err incident_update(struct core_ctx *cx, struct incident *inc, const char **field)
{
    struct incident old;
    json_t *d = NULL, *changed = NULL;
    const char *key;
    json_t *val;
    ph_err rc;

    rc = incident_load_for(cx, inc->id, ACCESS_UPDATE, &old);
    if (rc != PH_OK)
        goto out;
    rc = incident_check_version(&old, inc->version);
    if (rc != PH_OK)
        goto out;
    if (strcmp(old.status, INCIDENT_ST_CLOSED) == 0 ||
        strcmp(old.status, INCIDENT_ST_MERGED) == 0) {
        rc = PH_ECONFLICT;
        if (field != NULL)
            *field = "status";
        goto out;
    }
    rc = incident_validate(cx, inc, false, field);
    if (rc != PH_OK)
        goto out;
    if (inc->category_id != old.category_id) {
        struct category cat;
        rc = store_category_get(cx->st, cx->arena, inc->category_id, &cat);
        if (rc == PH_OK && !cat.is_active)
            rc = PH_EINVAL;
        if (rc != PH_OK) {
            if (rc == PH_EINVAL && field != NULL)
                *field = "category_id";
            goto out;
        }
    }
    /* A new location without an area finds its area as on creation. */
    if (inc->area_id == 0 && inc->has_location) {
        rc = geo_resolve_area(cx, inc->lat, inc->lon, vn_date(cx->arena, inc->occurred_at),
                              &inc->area_id);
        if (rc != PH_OK)
            goto out;
    }
    keep_server_members(inc, &old);
    rc = check_sensitive_change(cx, &old, inc, field);
    if (rc != PH_OK)
        goto out;
    /* A corrected detection time moves the report deadline with it (the rule's
     * length is kept), and the lateness is judged again on the corrected facts. */
    if (inc->detected_at != old.detected_at) {
        if (inc->detected_at > old.reported_at) {
            rc = PH_EINVAL;
            if (field != NULL)
                *field = "detected_at";
            goto out;
        }
        if (old.report_due_at != 0) {
            inc->report_due_at = inc->detected_at + (old.report_due_at - old.detected_at);
            inc->report_late = inc->reported_at > inc->report_due_at;
        }
    }
    inc->version = old.version;
    d = update_diff(&old, inc);
    fields_diff_bool(d, "report_late", old.report_late, inc->report_late);
    if (json_object_size(d) == 0) {
        /* Nothing changed: no new version, no timeline entry, no event. */
        rc = load_full(cx, inc->id, inc);
        goto out;
    }
    inc->updated_at = cx->now_ms;
    rc = store_incident_update(cx->st, inc);
    if (rc != PH_OK)
        goto out;

    changed = json_array();
    json_object_foreach(d, key, val) json_array_append_new(changed, json_string(key));
    rc = incident_log_event(cx, inc->id, "updated", 0, json_deep_copy(d));
    if (rc != PH_OK)
        goto out;
    rc = audit_record(cx, "incident.update", "incident", inc->id,
                      json_pack("{s:o, s:O}", "ref", fields_jstr(old.ref), "changes", d));
    if (rc != PH_OK)
        goto out;
    rc = load_full(cx, inc->id, inc);
    if (rc != PH_OK)
        goto out;
    rc = incident_emit_for(cx, "incident.updated", inc, json_pack("{s:O}", "changed", changed),
                           NULL);
out:
    json_decref(d);
    json_decref(changed);
    return rc;
}

/* ---- reads ------------------------------------------------------------------------- */

ph_err incident_get(struct core_ctx *cx, int64_t id, struct incident *out)
{
    struct incident inc;
    ph_err rc = incident_load_for(cx, id, ACCESS_READ, &inc);

    if (rc == PH_OK)
        rc = store_incident_recipients(cx->st, cx->arena, id, &inc.recipients, &inc.n_recipients);
    if (rc == PH_OK)
        *out = inc;
    return rc;
}

ph_err incident_get_by_ref(struct core_ctx *cx, const char *ref, struct incident *out)
{
    struct incident inc;
    ph_err rc;

    if (ref == NULL || ref[0] == '\0' || strlen(ref) > INCIDENT_REF_MAX_BYTES)
        return PH_ENOTFOUND;
    rc = store_incident_get_by_ref(cx->st, cx->arena, ref, cx->now_ms, &inc);
    if (rc != PH_OK)
        return rc;
    return incident_get(cx, inc.id, out);
}

ph_err incident_list(struct core_ctx *cx, const struct incident_filter *f, struct incident **items,
                     size_t *n, bool *has_more)
{
    struct incident_filter g = *f;

    incident_scope_of(cx->user, &g.scope);
    /* Folding is harmless: the store's tokenizer folds the same way. */
    fields_list_filter(cx->arena, &g.limit, &g.q);
    if (g.scope.clearance < 0) {
        *items = NULL;
        *n = 0;
        *has_more = false;
        return PH_OK;
    }
    return store_incident_list(cx->st, cx->arena, &g, cx->now_ms, items, n, has_more);
}

ph_err incident_timeline(struct core_ctx *cx, int64_t id, struct incident_event **items, size_t *n)
{
    struct incident inc;
    ph_err rc = incident_load_for(cx, id, ACCESS_READ, &inc);

    if (rc == PH_OK)
        rc = store_incident_events(cx->st, cx->arena, id, items, n);
    return rc;
}

ph_err incident_acks(struct core_ctx *cx, int64_t id, struct incident_ack **items, size_t *n)
{
    struct incident inc;
    ph_err rc = incident_load_for(cx, id, ACCESS_READ, &inc);

    if (rc == PH_OK)
        rc = store_incident_acks(cx->st, cx->arena, id, items, n);
    return rc;
}

/* ---- reference prefix -------------------------------------------------------------- */

ph_err incident_ref_prefix_get(struct core_ctx *cx, const char **prefix)
{
    const char *v = NULL;
    ph_err rc = store_setting_get(cx->st, cx->arena, REF_PREFIX_SETTING, &v);

    if (rc == PH_ENOTFOUND || (rc == PH_OK && !ref_prefix_valid(v))) {
        v = REF_PREFIX_DEFAULT;
        rc = PH_OK;
    }
    if (rc == PH_OK)
        *prefix = v;
    return rc;
}

ph_err incident_ref_prefix_set(struct core_ctx *cx, const char *prefix)
{
    const char *old = NULL;
    ph_err rc;

    if (!access_is_global_admin(cx->user))
        return PH_EPERM;
    if (!ref_prefix_valid(prefix))
        return PH_EINVAL;
    rc = incident_ref_prefix_get(cx, &old);
    if (rc == PH_OK)
        rc = store_setting_set(cx->st, REF_PREFIX_SETTING, prefix);
    if (rc == PH_OK)
        rc = audit_record(
            cx, "settings.update", "setting", 0,
            json_pack("{s:{s:s, s:s}}", REF_PREFIX_SETTING, "old", old, "new", prefix));
    return rc;
}
