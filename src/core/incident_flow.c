/* incident_flow.c - the workflow of an incident (core/incident.h): status moves,
 * transfer of the lead, merging a duplicate, acknowledgements in stages with
 * refusal to the rule's fallback, the inbox of a unit, and the scheduler's step
 * that marks overdue stages and escalates them to the unit above.
 *
 * Moving a status needs the update right over the lead unit's subtree; closing
 * also needs a commander's decision (ACCESS_APPROVE). Acknowledging needs the
 * acknowledge right and a unit at or above the recipient acknowledged for.
 *
 * Deadlines: a unit that is handed the incident later (a new lead after a transfer
 * or a refusal, a fallback informed instead of a refusing unit) gets the durations
 * the incident was given at creation (due - sent of the rows that have them), not
 * those of the rule as it may have been edited since: an incident keeps the
 * deadlines it got (core/routing.h). */
#include "util/base.h"
#include <jansson.h>
#include "core/access.h"
#include "core/audit.h"
#include "core/ctx.h"
#include "core/fields.h"
#include "core/incident.h"
#include "core/incident_int.h"
#include "core/person.h"
#include "core/routing.h"
#include "core/unit.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/limits.h"

/* ---- helpers ----------------------------------------------------------------------- */

static bool is_status(const struct incident *inc, const char *s)
{
    return inc->status != NULL && strcmp(inc->status, s) == 0;
}

static bool is_final(const struct incident *inc)
{
    return is_status(inc, INCIDENT_ST_CLOSED) || is_status(inc, INCIDENT_ST_MERGED);
}

static ph_err conflict(const char **field, const char *name)
{
    if (field != NULL)
        *field = name;
    return PH_ECONFLICT;
}

static ph_err invalid(const char **field, const char *name)
{
    if (field != NULL)
        *field = name;
    return PH_EINVAL;
}

static struct incident_recipient *find_rcpt(struct incident_recipient *rows, size_t n,
                                            int64_t unit_id)
{
    for (size_t i = 0; i < n; i++)
        if (rows[i].unit_id == unit_id)
            return &rows[i];
    return NULL;
}

static bool role_is(const struct incident_recipient *r, const char *role)
{
    return r->role != NULL && strcmp(r->role, role) == 0;
}

/* The deadlines (durations in ms, 0: none) the incident gave its recipients: the
 * lead's first, else any recipient's. */
static void durations(const struct incident_recipient *rows, size_t n, int64_t lead,
                      int64_t *ack_ms, int64_t *verify_ms)
{
    *ack_ms = *verify_ms = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n; i++) {
            const struct incident_recipient *r = &rows[i];
            if (pass == 0 && r->unit_id != lead)
                continue;
            if (*ack_ms == 0 && r->ack_due_at > 0)
                *ack_ms = r->ack_due_at - r->sent_at;
            if (*verify_ms == 0 && r->verify_due_at > 0)
                *verify_ms = r->verify_due_at - r->sent_at;
        }
    }
}

/* r as a unit newly handed the incident in role: sent now, with the deadlines,
 * every acknowledgement state cleared. */
static void hand_over(struct core_ctx *cx, struct incident_recipient *r, const char *role,
                      int64_t ack_ms, int64_t verify_ms)
{
    struct incident_recipient fresh = {.unit_id = r->unit_id, .role = role, .sent_at = cx->now_ms};

    fresh.ack_due_at = ack_ms > 0 ? cx->now_ms + ack_ms : 0;
    fresh.verify_due_at = verify_ms > 0 ? cx->now_ms + verify_ms : 0;
    *r = fresh;
}

static ph_err load_rcpts(struct core_ctx *cx, int64_t id, struct incident_recipient **rows,
                         size_t *n)
{
    return store_incident_recipients(cx->st, cx->arena, id, rows, n);
}

/* Write inc's new status (and lead, merge target) at its current version. */
static ph_err write_incident(struct core_ctx *cx, struct incident *inc)
{
    inc->updated_at = cx->now_ms;
    return store_incident_update(cx->st, inc);
}

static json_t *with_note(json_t *d, const char *note)
{
    if (d != NULL && note != NULL)
        json_object_set_new(d, "note", json_string(note));
    return d;
}

/* ---- status ------------------------------------------------------------------------ */

ph_err incident_set_status(struct core_ctx *cx, int64_t id, int64_t expected_version,
                           const char *to, const char *note, const char **field)
{
    struct incident inc;
    const char *from;
    json_t *d = NULL;
    ph_err rc;

    rc = incident_load_for(cx, id, ACCESS_UPDATE, &inc);
    if (rc != PH_OK)
        goto out;
    rc = incident_check_version(&inc, expected_version);
    if (rc != PH_OK)
        goto out;
    if (!incident_status_valid(to)) {
        rc = invalid(field, "status");
        goto out;
    }
    /* acknowledged, transferred and merged come by their own calls. */
    if (!incident_transition_allowed(inc.status, to) || strcmp(to, INCIDENT_ST_TRANSFERRED) == 0 ||
        strcmp(to, INCIDENT_ST_MERGED) == 0) {
        rc = conflict(field, "status");
        goto out;
    }
    if (strcmp(to, INCIDENT_ST_CLOSED) == 0) {
        struct access_item item;
        incident_access_item(&inc, &item);
        rc = access_allows(cx->user, ACCESS_APPROVE, &item, NULL) ? PH_OK : PH_EPERM;
        if (rc != PH_OK)
            goto out;
    }
    rc = incident_clean_note(cx, note, &note, field);
    if (rc != PH_OK)
        goto out;
    from = inc.status;
    inc.status = to;
    rc = write_incident(cx, &inc);
    if (rc != PH_OK)
        goto out;
    d = json_object();
    fields_diff_str(d, "status", from, to);
    with_note(d, note);
    rc = incident_log_event(cx, id, "status", 0, json_deep_copy(d));
    if (rc != PH_OK)
        goto out;
    json_object_set_new(d, "ref", fields_jstr(inc.ref));
    rc = audit_record(cx, "incident.status", "incident", id, d);
    d = NULL;
    if (rc != PH_OK)
        goto out;
    rc = incident_emit_event(cx, "incident.status", id,
                             with_note(json_pack("{s:s}", "from", from), note), NULL);
out:
    json_decref(d);
    return rc;
}

/* ---- transfer ---------------------------------------------------------------------- */

ph_err incident_transfer(struct core_ctx *cx, int64_t id, int64_t expected_version,
                         int64_t new_lead, const char *note, const char **field)
{
    struct incident_recipient *rows = NULL, *old_row, *new_row, added;
    struct incident inc;
    struct unit u;
    int64_t old_lead, ack_ms, verify_ms;
    size_t n = 0;
    json_t *d = NULL;
    ph_err rc;

    rc = incident_load_for(cx, id, ACCESS_UPDATE, &inc);
    if (rc != PH_OK)
        goto out;
    rc = incident_check_version(&inc, expected_version);
    if (rc != PH_OK)
        goto out;
    if (!incident_transition_allowed(inc.status, INCIDENT_ST_TRANSFERRED)) {
        rc = conflict(field, "status");
        goto out;
    }
    rc = new_lead > 0 && new_lead != inc.lead_unit_id
             ? store_unit_get(cx->st, cx->arena, new_lead, &u)
             : PH_ENOTFOUND;
    if (rc == PH_OK && !u.is_active)
        rc = PH_ENOTFOUND;
    if (rc == PH_ENOTFOUND) {
        rc = invalid(field, "lead_unit_id");
        goto out;
    }
    if (rc != PH_OK)
        goto out;
    rc = incident_clean_note(cx, note, &note, field);
    if (rc != PH_OK)
        goto out;

    rc = load_rcpts(cx, id, &rows, &n);
    if (rc != PH_OK)
        goto out;
    old_lead = inc.lead_unit_id;
    durations(rows, n, old_lead, &ack_ms, &verify_ms);
    old_row = find_rcpt(rows, n, old_lead);
    if (old_row != NULL) {
        /* Its deadlines stay as history: a former lead owes nothing (the store
         * counts only leads and informed units as owing). */
        old_row->role = INCIDENT_ROLE_FORMER_LEAD;
        rc = store_incident_recipient_put(cx->st, id, old_row);
        if (rc != PH_OK)
            goto out;
    }
    new_row = find_rcpt(rows, n, new_lead);
    if (new_row == NULL) {
        added.unit_id = new_lead;
        new_row = &added;
    }
    hand_over(cx, new_row, INCIDENT_ROLE_LEAD, ack_ms, verify_ms);
    rc = store_incident_recipient_put(cx->st, id, new_row);
    if (rc != PH_OK)
        goto out;

    d = json_object();
    fields_diff_int(d, "lead_unit_id", old_lead, new_lead);
    fields_diff_str(d, "status", inc.status, INCIDENT_ST_TRANSFERRED);
    with_note(d, note);
    inc.lead_unit_id = new_lead;
    inc.status = INCIDENT_ST_TRANSFERRED;
    rc = write_incident(cx, &inc);
    if (rc != PH_OK)
        goto out;
    rc = incident_log_event(cx, id, "transferred", new_lead, json_deep_copy(d));
    if (rc != PH_OK)
        goto out;
    json_object_set_new(d, "ref", fields_jstr(inc.ref));
    rc = audit_record(cx, "incident.transfer", "incident", id, d);
    d = NULL;
    if (rc != PH_OK)
        goto out;
    rc = incident_emit_event(cx, "incident.transferred", id,
                             with_note(json_pack("{s:I, s:I}", "from_unit_id", (json_int_t)old_lead,
                                                 "to_unit_id", (json_int_t)new_lead),
                                       note),
                             NULL);
out:
    json_decref(d);
    return rc;
}

/* ---- merge ------------------------------------------------------------------------- */

ph_err incident_merge(struct core_ctx *cx, int64_t id, int64_t expected_version, int64_t into_id,
                      const char *note, const char **field)
{
    struct incident inc, into;
    const char *from;
    json_t *d = NULL;
    ph_err rc;

    rc = incident_load_for(cx, id, ACCESS_UPDATE, &inc);
    if (rc != PH_OK)
        goto out;
    rc = incident_check_version(&inc, expected_version);
    if (rc != PH_OK)
        goto out;
    /* The target's timeline names the duplicate: the caller must have the update
     * right over the target too, and the target may not be less classified, so
     * that a merge never shows a classified report to the target's readers. */
    rc = into_id != id ? incident_load_for(cx, into_id, ACCESS_UPDATE, &into) : PH_ENOTFOUND;
    if (rc == PH_ENOTFOUND) {
        rc = invalid(field, "into_id");
        goto out;
    }
    if (rc != PH_OK) {
        if (rc == PH_EPERM && field != NULL)
            *field = "into_id";
        goto out;
    }
    if (into.classification < inc.classification) {
        rc = invalid(field, "into_id");
        goto out;
    }
    if (is_status(&into, INCIDENT_ST_MERGED)) {
        rc = conflict(field, "into_id");
        goto out;
    }
    if (!incident_transition_allowed(inc.status, INCIDENT_ST_MERGED)) {
        rc = conflict(field, "status");
        goto out;
    }
    rc = incident_clean_note(cx, note, &note, field);
    if (rc != PH_OK)
        goto out;

    from = inc.status;
    inc.status = INCIDENT_ST_MERGED;
    inc.merged_into_id = into_id;
    rc = write_incident(cx, &inc);
    if (rc != PH_OK)
        goto out;
    d = json_object();
    fields_diff_str(d, "status", from, INCIDENT_ST_MERGED);
    json_object_set_new(d, "into_id", json_integer((json_int_t)into_id));
    json_object_set_new(d, "into_ref", fields_jstr(into.ref));
    with_note(d, note);
    rc = incident_log_event(cx, id, "merged", 0, json_deep_copy(d));
    if (rc != PH_OK)
        goto out;
    rc = incident_log_event(cx, into_id, "merged", 0,
                            with_note(json_pack("{s:I, s:o}", "merged_id", (json_int_t)id,
                                                "merged_ref", fields_jstr(inc.ref)),
                                      note));
    if (rc != PH_OK)
        goto out;
    rc = audit_record(cx, "incident.merge_target", "incident", into_id,
                      json_pack("{s:I, s:o}", "merged_id", (json_int_t)id, "merged_ref",
                                fields_jstr(inc.ref)));
    if (rc != PH_OK)
        goto out;
    json_object_set_new(d, "ref", fields_jstr(inc.ref));
    rc = audit_record(cx, "incident.merge", "incident", id, d);
    d = NULL;
    if (rc != PH_OK)
        goto out;
    rc = incident_emit_event(cx, "incident.merged", id,
                             with_note(json_pack("{s:I, s:o}", "into_id", (json_int_t)into_id,
                                                 "into_ref", fields_jstr(into.ref)),
                                       note),
                             NULL);
out:
    json_decref(d);
    return rc;
}

/* ---- acknowledgements -------------------------------------------------------------- */

static bool stage_valid(const char *s)
{
    return s != NULL && (strcmp(s, ACK_RECEIVED) == 0 || strcmp(s, ACK_VERIFIED) == 0 ||
                         strcmp(s, ACK_AGREED) == 0 || strcmp(s, ACK_REFUSED) == 0);
}

/* Is stage the next one for r? Stages go in order, each once; a refusal ends them,
 * and comes only before the unit agreed. */
static bool stage_next(const struct incident_recipient *r, const char *stage)
{
    if (r->refused_at != 0)
        return false;
    if (strcmp(stage, ACK_RECEIVED) == 0)
        return r->received_at == 0;
    if (strcmp(stage, ACK_VERIFIED) == 0)
        return r->received_at != 0 && r->verified_at == 0;
    if (strcmp(stage, ACK_AGREED) == 0)
        return r->verified_at != 0 && r->agreed_at == 0;
    return r->agreed_at == 0;
}

/* Record stage on r (at now, by the caller); whether it came within its deadline. */
static bool record_stage(struct core_ctx *cx, struct incident_recipient *r, const char *stage,
                         const char *note)
{
    int64_t now = cx->now_ms, by = cx->user->person_id;

    if (strcmp(stage, ACK_RECEIVED) == 0) {
        r->received_at = now;
        r->received_by = by;
        return r->ack_due_at == 0 || now <= r->ack_due_at;
    }
    if (strcmp(stage, ACK_VERIFIED) == 0) {
        r->verified_at = now;
        r->verified_by = by;
        return r->verify_due_at == 0 || now <= r->verify_due_at;
    }
    if (strcmp(stage, ACK_AGREED) == 0) {
        r->agreed_at = now;
        r->agreed_by = by;
        return true;
    }
    r->refused_at = now;
    r->refused_by = by;
    r->refused_reason = note;
    return true;
}

/* The unit the refusal by r sends the incident to: the rule's fallback, which
 * takes the lead when r led, or is informed (with the incident's deadlines)
 * instead of r; ack_ms and verify_ms are the incident's deadlines (durations).
 * *fallback gets its id. */
static ph_err refuse_to_fallback(struct core_ctx *cx, struct incident *inc,
                                 struct incident_recipient *rows, size_t n,
                                 struct incident_recipient *r, int64_t ack_ms, int64_t verify_ms,
                                 int64_t *fallback, const char **field)
{
    struct incident_recipient *fb, added;
    bool was_lead = role_is(r, INCIDENT_ROLE_LEAD);
    int64_t fb_id = 0;
    ph_err rc;

    rc = routing_fallback_unit(cx, inc->rule_id, r->unit_id, &fb_id);
    if (rc != PH_OK)
        return rc;
    if (fb_id == 0 || fb_id == r->unit_id)
        return conflict(field, "stage"); /* the fallback itself cannot refuse */
    fb = find_rcpt(rows, n, fb_id);
    if (fb == NULL) {
        added.unit_id = fb_id;
        fb = &added;
    }
    if (was_lead) {
        r->role = INCIDENT_ROLE_FORMER_LEAD;
        hand_over(cx, fb, INCIDENT_ROLE_LEAD, ack_ms, verify_ms);
        inc->lead_unit_id = fb_id;
        inc->status = INCIDENT_ST_TRANSFERRED;
        rc = store_incident_recipient_put(cx->st, inc->id, fb);
        if (rc == PH_OK)
            rc = write_incident(cx, inc);
    } else if (fb == &added ||
               !(role_is(fb, INCIDENT_ROLE_LEAD) || role_is(fb, INCIDENT_ROLE_INFORMED))) {
        hand_over(cx, fb, INCIDENT_ROLE_INFORMED, ack_ms, verify_ms);
        rc = store_incident_recipient_put(cx->st, inc->id, fb);
    }
    if (rc == PH_OK)
        *fallback = fb_id;
    return rc;
}

ph_err incident_acknowledge(struct core_ctx *cx, int64_t id, int64_t unit_id, const char *stage,
                            const char *note, struct incident_ack *out, const char **field)
{
    struct incident_recipient *rows = NULL, *r;
    struct incident_ack ack = {0};
    struct incident inc;
    const char *old_status;
    int64_t fallback = 0, ack_id = 0, ack_ms = 0, verify_ms = 0;
    bool refusing;
    size_t n = 0;
    json_t *d = NULL;
    ph_err rc;

    rc = incident_load_for(cx, id, ACCESS_ACKNOWLEDGE, &inc);
    if (rc != PH_OK)
        goto out;
    if (!stage_valid(stage)) {
        rc = invalid(field, "stage");
        goto out;
    }
    refusing = strcmp(stage, ACK_REFUSED) == 0;
    rc = incident_clean_note(cx, note, &note, field);
    if (rc != PH_OK)
        goto out;
    if (refusing && note == NULL) {
        rc = invalid(field, "note");
        goto out;
    }
    if (unit_id == 0)
        unit_id = cx->user->unit_id;
    rc = load_rcpts(cx, id, &rows, &n);
    if (rc != PH_OK)
        goto out;
    r = unit_id > 0 ? find_rcpt(rows, n, unit_id) : NULL;
    if (r == NULL || !(role_is(r, INCIDENT_ROLE_LEAD) || role_is(r, INCIDENT_ROLE_INFORMED))) {
        rc = invalid(field, "unit_id");
        goto out;
    }
    if (!cx->user->is_system && cx->user->unit_path != NULL &&
        !access_path_covers(cx->user->unit_path, r->unit_path)) {
        rc = PH_EPERM;
        goto out;
    }
    if (is_final(&inc)) {
        rc = conflict(field, "status");
        goto out;
    }
    if (!stage_next(r, stage)) {
        rc = conflict(field, "stage");
        goto out;
    }
    /* A lead that already works on the incident keeps it: a refusal is for an item
     * sent by mistake, before the response starts. */
    if (refusing && role_is(r, INCIDENT_ROLE_LEAD) &&
        !incident_transition_allowed(inc.status, INCIDENT_ST_TRANSFERRED)) {
        rc = conflict(field, "status");
        goto out;
    }

    durations(rows, n, inc.lead_unit_id, &ack_ms, &verify_ms);
    old_status = inc.status;
    ack.incident_id = id;
    ack.unit_id = r->unit_id;
    ack.person_id = cx->user->person_id;
    ack.stage = stage;
    ack.note = note;
    ack.at = cx->now_ms;
    ack.on_time = record_stage(cx, r, stage, note);
    ack.person_name = cx->user->full_name;
    if (refusing) {
        rc = refuse_to_fallback(cx, &inc, rows, n, r, ack_ms, verify_ms, &fallback, field);
        if (rc != PH_OK)
            goto out;
    } else if (strcmp(stage, ACK_RECEIVED) == 0 && role_is(r, INCIDENT_ROLE_LEAD) &&
               (is_status(&inc, INCIDENT_ST_NEW) || is_status(&inc, INCIDENT_ST_TRANSFERRED))) {
        inc.status = INCIDENT_ST_ACKNOWLEDGED;
        rc = write_incident(cx, &inc);
        if (rc != PH_OK)
            goto out;
    }
    rc = store_incident_recipient_put(cx->st, id, r);
    if (rc != PH_OK)
        goto out;
    rc = store_incident_ack_insert(cx->st, &ack, &ack_id);
    if (rc != PH_OK)
        goto out;
    ack.id = ack_id;

    d = json_pack("{s:s, s:b}", "stage", stage, "on_time", ack.on_time);
    with_note(d, note);
    fields_diff_str(d, "status", old_status, inc.status);
    if (fallback != 0)
        json_object_set_new(d, "fallback_unit_id", json_integer((json_int_t)fallback));
    rc = incident_log_event(cx, id, refusing ? "refused" : "acknowledged", r->unit_id,
                            json_deep_copy(d));
    if (rc != PH_OK)
        goto out;
    json_object_set_new(d, "ref", fields_jstr(inc.ref));
    json_object_set_new(d, "unit_id", json_integer((json_int_t)r->unit_id));
    rc = audit_record(cx, refusing ? "incident.refuse" : "incident.acknowledge", "incident", id,
                      json_deep_copy(d));
    if (rc != PH_OK)
        goto out;
    json_object_del(d, "ref");
    json_object_del(d, "status");
    rc = incident_emit_event(cx, refusing ? "incident.refused" : "incident.acknowledged", id, d,
                             NULL);
    d = NULL;
    if (rc != PH_OK)
        goto out;
    if (out != NULL)
        *out = ack;
out:
    json_decref(d);
    return rc;
}

/* ---- inbox ------------------------------------------------------------------------- */

ph_err incident_inbox_unit(struct core_ctx *cx, int64_t *unit_id)
{
    struct access_item item = {.kind = ITEM_OPERATIONAL};
    struct unit u;
    ph_err rc;

    if (*unit_id == 0)
        *unit_id = cx->user->unit_id;
    if (*unit_id <= 0)
        return PH_EINVAL;
    rc = store_unit_get(cx->st, cx->arena, *unit_id, &u);
    if (rc != PH_OK)
        return rc;
    item.owner_path = u.path;
    item.owner_force = u.force;
    return access_allows(cx->user, ACCESS_READ, &item, NULL) ? PH_OK : PH_EPERM;
}

ph_err incident_inbox(struct core_ctx *cx, int64_t unit_id, int limit,
                      struct incident_inbox_item **items, size_t *n)
{
    struct incident_scope scope;
    const char *q = NULL;
    ph_err rc = incident_inbox_unit(cx, &unit_id);

    if (rc != PH_OK)
        return rc;
    incident_scope_of(cx->user, &scope);
    fields_list_filter(cx->arena, &limit, &q);
    return store_incident_inbox(cx->st, cx->arena, unit_id, cx->now_ms, &scope, limit, items, n);
}

/* ---- deadlines --------------------------------------------------------------------- */

/* The commanders of unit_id, at most one page of them. */
static ph_err commanders_of(struct core_ctx *cx, int64_t unit_id, json_t **ids)
{
    struct person_filter f = {.unit_id = unit_id, .role = ROLE_COMMANDER, .limit = LIST_MAX_LIMIT};
    struct person *people = NULL;
    size_t n = 0;
    bool more = false;
    ph_err rc = store_person_list(cx->st, cx->arena, &f, &people, &n, &more);

    if (rc != PH_OK)
        return rc;
    *ids = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(*ids, json_integer((json_int_t)people[i].id));
    return PH_OK;
}

/* Tell the unit above late unit_id (and its commanders) that stage is overdue. */
static ph_err escalate(struct core_ctx *cx, const struct store_due *due)
{
    struct unit late, parent;
    json_t *cmd = NULL, *d = NULL;
    ph_err rc;

    rc = store_unit_get(cx->st, cx->arena, due->unit_id, &late);
    if (rc != PH_OK || late.parent_id == 0)
        goto out; /* a top-level unit has nobody above it */
    rc = store_unit_get(cx->st, cx->arena, late.parent_id, &parent);
    if (rc != PH_OK)
        goto out;
    rc = commanders_of(cx, parent.id, &cmd);
    if (rc != PH_OK)
        goto out;
    rc = store_recipient_mark_escalated(cx->st, due->incident_id, due->unit_id, cx->now_ms);
    if (rc != PH_OK)
        goto out;
    d = json_pack("{s:I, s:I, s:s, s:I, s:O}", "late_unit_id", (json_int_t)late.id,
                  "parent_unit_id", (json_int_t)parent.id, "stage", due->stage, "due_at",
                  (json_int_t)due->due_at, "commander_ids", cmd);
    rc = incident_log_event(cx, due->incident_id, "escalated", parent.id, json_deep_copy(d));
    if (rc == PH_OK)
        rc = audit_record(cx, "incident.escalate", "incident", due->incident_id, json_deep_copy(d));
    if (rc != PH_OK)
        goto out;
    json_object_set_new(d, "parent_unit_name", fields_jstr(parent.name));
    rc = incident_emit_event(cx, "incident.escalated", due->incident_id, d, parent.path);
    d = NULL;
out:
    json_decref(cmd);
    json_decref(d);
    return rc;
}

static ph_err mark_overdue(struct core_ctx *cx, const struct store_due *due)
{
    json_t *d;
    ph_err rc;

    rc = store_deadline_mark(cx->st, due->incident_id, due->unit_id, due->stage, cx->now_ms);
    if (rc != PH_OK)
        return rc;
    d = json_pack("{s:s, s:I, s:I}", "stage", due->stage, "due_at", (json_int_t)due->due_at,
                  "unit_id", (json_int_t)due->unit_id);
    rc = incident_log_event(cx, due->incident_id, "overdue", due->unit_id, json_deep_copy(d));
    if (rc == PH_OK)
        rc = audit_record(cx, "incident.overdue", "incident", due->incident_id, json_deep_copy(d));
    if (rc == PH_OK) {
        rc = incident_emit_event(cx, "incident.overdue", due->incident_id, d, NULL);
        d = NULL;
    }
    json_decref(d);
    if (rc == PH_OK)
        rc = escalate(cx, due);
    return rc;
}

ph_err incident_deadlines_run(struct core_ctx *cx, int limit, int64_t *next_due, int *marked)
{
    struct store_due *due = NULL;
    size_t n = 0;
    ph_err rc;

    if (limit <= 0)
        limit = LIST_DEFAULT_LIMIT;
    /* Idempotency keys only need to outlive a client's retries. */
    rc = store_idem_prune(cx->st, cx->now_ms - INCIDENT_IDEM_KEEP_MS, NULL);
    if (rc == PH_OK)
        rc = store_deadline_due(cx->st, cx->arena, cx->now_ms, limit, &due, &n);
    for (size_t i = 0; rc == PH_OK && i < n; i++)
        rc = mark_overdue(cx, &due[i]);
    if (rc != PH_OK)
        return rc;
    /* A full batch may leave more that are already due: run again at once. */
    if (n >= (size_t)limit)
        *next_due = cx->now_ms;
    else
        rc = store_deadline_next(cx->st, cx->now_ms, next_due);
    if (rc == PH_OK && marked != NULL)
        *marked = (int)n;
    return rc;
}
