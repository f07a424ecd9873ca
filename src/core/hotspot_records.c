/* hotspot_records.c - hotspot records (core/hotspot.h): reading them, the
 * commanders' status moves with notes, and the inbox's open records.
 *
 * Access: a record is an operational item sent to the units responsible for its
 * area (hotspot_units), with no owner: like an incident sent to them, their
 * people and the people of the units above them see it when their clearance
 * reaches its classification (the highest of its incidents'). A record the
 * caller may not see is "not found". Moving it takes a commander or coordinator
 * of a responsible unit or of a unit above one (the system may too); a note
 * without a move also a duty officer there.
 *
 * Status: watch -> confirmed -> resolved, and back to watch from either when the
 * place flares up again; anything else (watch -> resolved, a move to the same
 * status) is a conflict. */
#include "util/base.h"
#include <jansson.h>
#include "core/access.h"
#include "core/audit.h"
#include "core/ctx.h"
#include "core/fields.h"
#include "core/hotspot.h"
#include "core/hotspot_int.h"
#include "core/incident.h"
#include "core/outbox.h"
#include "store/store.h"
#include "util/arena.h"

#define NOTE_MAX_BYTES 4000

void hotspot_access_item(const struct store_hotspot *h, struct access_item *out)
{
    struct access_item item = {
        .kind = ITEM_OPERATIONAL,
        .owner_path = NULL,
        .owner_force = NULL,
        .classification = h->h.classification,
        .sent_to_paths = h->unit_paths,
        .n_sent_to = h->n_units,
    };
    *out = item;
}

json_t *hotspot_event_payload(const struct hotspot *h)
{
    return json_pack("{s:I, s:o, s:o, s:o, s:o, s:f, s:i}", "id", (json_int_t)h->id, "status",
                     fields_jstr(h->status), "trend", fields_jstr(h->trend), "area_id",
                     h->area_id != 0 ? json_integer((json_int_t)h->area_id) : json_null(),
                     "area_name", fields_jstr(h->area_name), "z", h->z, "incident_count",
                     h->incident_count);
}

/* Record id as the caller may read it: PH_ENOTFOUND when it does not exist or
 * the caller may not see it. */
static ph_err load_for(struct core_ctx *cx, int64_t id, bool with_incidents,
                       struct store_hotspot *out)
{
    struct access_item item;
    struct store_hotspot h;
    ph_err rc;

    if (id <= 0)
        return PH_ENOTFOUND;
    rc = store_hotspot_get(cx->st, cx->arena, id, with_incidents, &h);
    if (rc != PH_OK)
        return rc;
    hotspot_access_item(&h, &item);
    rc = access_check(cx->user, ACCESS_READ, &item);
    if (rc == PH_OK)
        *out = h;
    return rc;
}

/* Does who hold one of roles in a responsible unit of h or a unit above one? */
static bool may_act(const struct core_user *who, const struct store_hotspot *h, unsigned roles)
{
    if (who->is_system)
        return true;
    if ((who->roles & roles) == 0 || who->clearance < h->h.classification ||
        who->unit_path == NULL)
        return false;
    for (size_t i = 0; i < h->n_units; i++)
        if (access_path_covers(who->unit_path, h->unit_paths[i]))
            return true;
    return false;
}

#define MOVERS (ROLE_COMMANDER | ROLE_COORDINATOR)
#define NOTERS (ROLE_DUTY_OFFICER | ROLE_COMMANDER | ROLE_COORDINATOR)

static bool status_valid(const char *s)
{
    return s != NULL && (strcmp(s, HOTSPOT_WATCH) == 0 || strcmp(s, HOTSPOT_CONFIRMED) == 0 ||
                         strcmp(s, HOTSPOT_RESOLVED) == 0);
}

static bool move_allowed(const char *from, const char *to)
{
    if (strcmp(to, HOTSPOT_CONFIRMED) == 0)
        return strcmp(from, HOTSPOT_WATCH) == 0;
    if (strcmp(to, HOTSPOT_RESOLVED) == 0)
        return strcmp(from, HOTSPOT_CONFIRMED) == 0;
    if (strcmp(to, HOTSPOT_WATCH) == 0)
        return strcmp(from, HOTSPOT_CONFIRMED) == 0 || strcmp(from, HOTSPOT_RESOLVED) == 0;
    return false;
}

/* ---- reads --------------------------------------------------------------------------- */

/* A record goes to the responsible units of every force, but its incidents each
 * have their own readers: keep in h the ids of those the caller may see (one
 * store query, by the incident lists' rule), and count only those, so that the
 * record neither names nor counts an incident the caller could not open. */
static ph_err keep_visible_incidents(struct core_ctx *cx, struct hotspot *h)
{
    struct incident_scope scope;
    int64_t *ids = NULL;
    size_t n = 0;
    ph_err rc;

    incident_scope_of(cx->user, &scope);
    if (scope.clearance < 0) {
        h->incident_ids = arena_alloc(cx->arena, sizeof(int64_t));
        h->n_incidents = 0;
        h->incident_count = 0;
        return PH_OK;
    }
    rc = store_hotspot_incidents_visible(cx->st, cx->arena, h->id, &scope, &ids, &n);
    if (rc != PH_OK)
        return rc;
    h->incident_ids = ids;
    h->n_incidents = n;
    h->incident_count = (int)n;
    return PH_OK;
}

ph_err hotspot_get(struct core_ctx *cx, int64_t id, struct hotspot *out)
{
    struct store_hotspot h;
    bool all = cx->user->is_system;
    ph_err rc = load_for(cx, id, all, &h);

    if (rc == PH_OK && !all)
        rc = keep_visible_incidents(cx, &h.h);
    if (rc == PH_OK)
        *out = h.h;
    return rc;
}

ph_err hotspot_get_detail(struct core_ctx *cx, int64_t id, struct hotspot *out,
                          struct hotspot_note **notes, size_t *n_notes, bool *can_set_status)
{
    struct store_hotspot h;
    bool all = cx->user->is_system;
    ph_err rc = load_for(cx, id, all, &h);

    if (rc == PH_OK && !all)
        rc = keep_visible_incidents(cx, &h.h);
    if (rc == PH_OK)
        rc = store_hotspot_notes(cx->st, cx->arena, id, notes, n_notes);
    if (rc == PH_OK) {
        *can_set_status = may_act(cx->user, &h, MOVERS);
        *out = h.h;
    }
    return rc;
}

/* The records of a store list as struct hotspot (in the arena). */
static struct hotspot *plain(struct core_ctx *cx, const struct store_hotspot *rows, size_t n)
{
    struct hotspot *items = arena_alloc(cx->arena, (n + 1) * sizeof(*items));
    for (size_t i = 0; i < n; i++)
        items[i] = rows[i].h;
    return items;
}

ph_err hotspot_list(struct core_ctx *cx, const struct hotspot_filter *f, struct hotspot **items,
                    size_t *n, bool *has_more)
{
    struct hotspot_filter g = *f;
    struct incident_scope scope;
    struct store_hotspot *rows = NULL;
    const char *q = NULL;
    ph_err rc;

    *items = NULL;
    *n = 0;
    *has_more = false;
    if (g.status != NULL && !status_valid(g.status))
        return PH_EINVAL;
    incident_scope_of(cx->user, &scope);
    fields_list_filter(cx->arena, &g.limit, &q);
    if (scope.clearance < 0)
        return PH_OK;
    rc = store_hotspot_list(cx->st, cx->arena, &g, NULL, &scope, &rows, n, has_more);
    if (rc == PH_OK)
        *items = plain(cx, rows, *n);
    return rc;
}

ph_err hotspot_inbox(struct core_ctx *cx, int64_t unit_id, int limit, struct hotspot **items,
                     size_t *n)
{
    struct hotspot_filter f = {.status = HOTSPOT_WATCH, .limit = limit};
    struct incident_scope scope;
    struct store_hotspot *rows = NULL;
    struct unit u;
    const char *q = NULL;
    bool more = false;
    ph_err rc = incident_inbox_unit(cx, &unit_id);

    *items = NULL;
    *n = 0;
    if (rc != PH_OK)
        return rc;
    if ((rc = store_unit_get(cx->st, cx->arena, unit_id, &u)) != PH_OK)
        return rc;
    incident_scope_of(cx->user, &scope);
    fields_list_filter(cx->arena, &f.limit, &q);
    if (scope.clearance < 0)
        return PH_OK;
    rc = store_hotspot_list(cx->st, cx->arena, &f, u.path, &scope, &rows, n, &more);
    if (rc == PH_OK)
        *items = plain(cx, rows, *n);
    return rc;
}

ph_err hotspot_notes(struct core_ctx *cx, int64_t id, struct hotspot_note **items, size_t *n)
{
    struct store_hotspot h;
    ph_err rc = load_for(cx, id, false, &h);

    if (rc == PH_OK)
        rc = store_hotspot_notes(cx->st, cx->arena, id, items, n);
    return rc;
}

ph_err hotspot_can_set_status(struct core_ctx *cx, int64_t id, bool *can)
{
    struct store_hotspot h;
    ph_err rc = load_for(cx, id, false, &h);

    if (rc == PH_OK)
        *can = may_act(cx->user, &h, MOVERS);
    return rc;
}

/* ---- writes -------------------------------------------------------------------------- */

static ph_err emit(struct core_ctx *cx, const char *topic, const struct store_hotspot *h,
                   json_t *extra)
{
    struct access_item scope;
    json_t *payload = hotspot_event_payload(&h->h);

    hotspot_access_item(h, &scope);
    if (payload != NULL && extra != NULL)
        json_object_update(payload, extra);
    json_decref(extra);
    return outbox_emit_scoped(cx, topic, "hotspot", h->h.id, payload, &scope);
}

ph_err hotspot_set_status(struct core_ctx *cx, int64_t id, int64_t version, const char *status,
                          const char *note, const char **field)
{
    struct store_hotspot h, after;
    struct hotspot_note n = {0};
    int64_t note_id = 0;
    json_t *d = NULL;
    ph_err rc = load_for(cx, id, false, &h);

    if (rc != PH_OK)
        return rc;
    if (!may_act(cx->user, &h, MOVERS))
        return PH_EPERM;
    if (!status_valid(status)) {
        if (field != NULL)
            *field = "status";
        return PH_EINVAL;
    }
    if (fields_clean_text(cx->arena, note, NOTE_MAX_BYTES, false, &note) != PH_OK) {
        if (field != NULL)
            *field = "note";
        return PH_EINVAL;
    }
    if (version != 0 && version != h.h.version)
        return PH_ESTALE;
    if (!move_allowed(h.h.status, status)) {
        if (field != NULL)
            *field = "status";
        return PH_ECONFLICT;
    }
    rc = store_hotspot_set_status(cx->st, id, version, status, cx->now_ms);
    if (rc != PH_OK)
        return rc;
    n.hotspot_id = id;
    n.person_id = cx->user->person_id;
    n.at = cx->now_ms;
    n.status_from = h.h.status;
    n.status_to = status;
    n.text = note;
    if ((rc = store_hotspot_note_insert(cx->st, &n, &note_id)) != PH_OK)
        return rc;
    d = json_pack("{s:o, s:o, s:o}", "from", fields_jstr(h.h.status), "to", fields_jstr(status),
                  "note", fields_jstr(note));
    rc = audit_record(cx, "hotspot.status", "hotspot", id, json_deep_copy(d));
    if (rc == PH_OK)
        rc = store_hotspot_get(cx->st, cx->arena, id, false, &after);
    if (rc == PH_OK) {
        json_object_set_new(d, "status_from", json_string(h.h.status));
        rc = emit(cx, "hotspot.status", &after, d);
        d = NULL;
    }
    json_decref(d);
    return rc;
}

ph_err hotspot_add_note(struct core_ctx *cx, int64_t id, const char *text, const char **field)
{
    struct store_hotspot h;
    struct hotspot_note n = {0};
    int64_t note_id = 0;
    ph_err rc = load_for(cx, id, false, &h);

    if (rc != PH_OK)
        return rc;
    if (!may_act(cx->user, &h, NOTERS))
        return PH_EPERM;
    if (fields_clean_text(cx->arena, text, NOTE_MAX_BYTES, true, &text) != PH_OK) {
        if (field != NULL)
            *field = "text";
        return PH_EINVAL;
    }
    n.hotspot_id = id;
    n.person_id = cx->user->person_id;
    n.at = cx->now_ms;
    n.text = text;
    if ((rc = store_hotspot_note_insert(cx->st, &n, &note_id)) != PH_OK)
        return rc;
    rc = audit_record(cx, "hotspot.note", "hotspot", id,
                      json_pack("{s:I, s:o}", "note_id", (json_int_t)note_id, "text",
                                fields_jstr(text)));
    if (rc == PH_OK)
        rc = emit(cx, "hotspot.noted", &h, json_pack("{s:I}", "note_id", (json_int_t)note_id));
    return rc;
}
