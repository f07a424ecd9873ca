/* message.c - field messages (core/message.h): the chat of TAK clients and of
 * the API, one service for every door (HTTP, the CoT listener).
 *
 * Who reads a message (the same rule for GET, for the stream and, through the
 * outbox scope, for the CoT relay):
 *   - to a room of the sender's unit ("All Chat Rooms" or a TAK group's name):
 *     the sender's unit and the units above it (the general rule of an
 *     operational item owned by the sender's unit);
 *   - to a unit (to_unit_id): also that unit and those above it (it was "sent
 *     to" it);
 *   - to a person (to_person_id): the sender, the addressee, and the
 *     administrators at or above the sender's unit. The outbox cannot name
 *     people, so the event of a direct message is scoped as an audit item of the
 *     sender's unit: the stream shows it to those administrators only, and the
 *     two people read it with GET /api/v1/messages.
 *
 * Retries: a client's uid is stored once per sender (person, device). A retry
 * answers the stored message, whatever else it carries, without a second row,
 * audit entry or event; a message without a uid gets one made here. */
#include "util/base.h"
#include <jansson.h>
#include <sodium.h>
#include "core/access.h"
#include "core/audit.h"
#include "core/ctx.h"
#include "core/fields.h"
#include "core/geo.h"
#include "core/incident.h"
#include "core/message.h"
#include "core/outbox.h"
#include "core/person.h"
#include "core/unit.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/text.h"

#define UID_MAX_BYTES 200
#define ROOM_MAX_BYTES 200
#define CALLSIGN_MAX_BYTES 100
/* Device clocks run a little ahead; a message older than this is not news (a
 * client replaying its history after a long time offline gets a clear 422). */
#define FUTURE_SKEW_MS (5 * 60 * 1000)
#define MAX_AGE_MS (7LL * 24 * 60 * 60 * 1000)

static ph_err invalid(const char **field, const char *name)
{
    if (field != NULL)
        *field = name;
    return PH_EINVAL;
}

/* "msg-" and 32 random hex digits: unique without asking the store. */
static const char *make_uid(struct arena *a)
{
    unsigned char raw[16];
    char hex[2 * sizeof(raw) + 1];

    randombytes_buf(raw, sizeof(raw));
    sodium_bin2hex(hex, sizeof(hex), raw, sizeof(raw));
    return arena_printf(a, "msg-%s", hex);
}

/* The members a sender gives, in place. */
static ph_err validate(struct core_ctx *cx, struct message *m, const char **field)
{
    struct unit to_unit;
    struct person to_person;
    ph_err rc;

    if (fields_clean_text(cx->arena, m->text, MESSAGE_TEXT_MAX_BYTES, true, &m->text) != PH_OK)
        return invalid(field, "text");
    if (m->to_unit_id < 0)
        return invalid(field, "to_unit_id");
    if (m->to_person_id < 0 || (m->to_person_id != 0 && m->to_unit_id != 0))
        return invalid(field, "to_person_id");
    if (m->to_unit_id != 0) {
        rc = unit_get_active(cx, m->to_unit_id, &to_unit);
        if (rc != PH_OK)
            return rc == PH_EINVAL ? invalid(field, "to_unit_id") : rc;
    }
    if (m->to_person_id != 0) {
        rc = store_person_get(cx->st, cx->arena, m->to_person_id, &to_person);
        if (rc == PH_ENOTFOUND || (rc == PH_OK && to_person.is_disabled))
            return invalid(field, "to_person_id");
        if (rc != PH_OK)
            return rc;
    }
    if (fields_clean_text(cx->arena, m->room, ROOM_MAX_BYTES, false, &m->room) != PH_OK)
        return invalid(field, "room");
    /* The label a TAK client shows: a unit's room is its name, a direct
     * message's the addressee's name. */
    if (m->room == NULL)
        m->room = m->to_unit_id != 0     ? to_unit.name
                  : m->to_person_id != 0 ? to_person.full_name
                                         : MESSAGE_ROOM_ALL;
    if (fields_clean_text(cx->arena, m->from_callsign, CALLSIGN_MAX_BYTES, false,
                          &m->from_callsign) != PH_OK)
        return invalid(field, "from_callsign");
    if (m->has_location && !geo_point_valid(m->lat, m->lon))
        return invalid(field, "location");
    if (!m->has_location)
        m->lat = m->lon = 0;
    if (m->at == 0)
        m->at = cx->now_ms;
    if (m->at < cx->now_ms - MAX_AGE_MS || m->at > cx->now_ms + FUTURE_SKEW_MS)
        return invalid(field, "at");
    if (m->source == NULL)
        m->source = "api";
    if (strcmp(m->source, "api") != 0 && strcmp(m->source, "cot") != 0)
        return invalid(field, "source");
    if (m->from_device_id < 0)
        return invalid(field, "from_device_id");
    return PH_OK;
}

/* ---- events ------------------------------------------------------------------------ */

static json_t *message_json(const struct message *m)
{
    json_t *o = json_pack(
        "{s:I, s:o, s:I, s:o, s:o, s:I, s:o, s:o, s:o, s:o, s:o, s:o}", "id", (json_int_t)m->id,
        "uid", fields_jstr(m->uid), "at", (json_int_t)m->at, "from_person_id",
        m->from_person_id != 0 ? json_integer(m->from_person_id) : json_null(), "from_device_id",
        m->from_device_id != 0 ? json_integer(m->from_device_id) : json_null(), "from_unit_id",
        (json_int_t)m->from_unit_id, "from_callsign", fields_jstr(m->from_callsign), "from_name",
        fields_jstr(m->from_name), "room", fields_jstr(m->room), "to_unit_id",
        m->to_unit_id != 0 ? json_integer(m->to_unit_id) : json_null(), "to_person_id",
        m->to_person_id != 0 ? json_integer(m->to_person_id) : json_null(), "text",
        fields_jstr(m->text));

    if (o == NULL)
        return NULL;
    json_object_set_new(o, "location",
                        m->has_location ? json_pack("{s:f, s:f}", "lat", m->lat, "lon", m->lon)
                                        : json_null());
    json_object_set_new(o, "source", fields_jstr(m->source));
    return o;
}

/* "message.sent" to those who may read m (see the top of the file). */
static ph_err emit_sent(struct core_ctx *cx, const struct message *m, const struct unit *from)
{
    struct access_item scope = {
        .kind = ITEM_OPERATIONAL, .owner_path = m->from_unit_path, .owner_force = from->force};
    const char **paths = NULL;

    if (m->to_person_id != 0) {
        scope.kind = ITEM_AUDIT;
    } else if (m->to_unit_id != 0) {
        struct unit to;
        ph_err rc = store_unit_get(cx->st, cx->arena, m->to_unit_id, &to);
        if (rc != PH_OK)
            return rc;
        paths = arena_alloc(cx->arena, sizeof(*paths));
        paths[0] = to.path;
        scope.sent_to_paths = paths;
        scope.n_sent_to = 1;
    }
    return outbox_emit_scoped(cx, "message.sent", "message", m->id, message_json(m), &scope);
}

/* ---- services ---------------------------------------------------------------------- */

ph_err message_send(struct core_ctx *cx, struct message *m, const char **field)
{
    struct access_item item = {.kind = ITEM_OPERATIONAL};
    struct unit from;
    int64_t id = 0;
    json_t *d;
    ph_err rc;

    m->from_person_id = cx->user->person_id;
    /* The system (set-up, demo) names the unit it speaks for; everyone else
     * speaks for their own unit. */
    m->from_unit_id = cx->user->is_system ? m->from_unit_id : cx->user->unit_id;
    rc = unit_get_active(cx, m->from_unit_id, &from);
    if (rc != PH_OK)
        return rc == PH_EINVAL ? invalid(field, "from_unit_id") : rc;
    item.owner_path = from.path;
    item.owner_force = from.force;
    if (!access_allows(cx->user, ACCESS_CREATE, &item, NULL))
        return PH_EPERM;
    if (m->uid != NULL) {
        /* A client's id (fields_clean_key): CoT chat ids hold the sender's uid and the
         * room's name, so they are not ASCII-only. */
        if (!fields_clean_key(cx->arena, m->uid, UID_MAX_BYTES, &m->uid))
            return invalid(field, "uid");
        if (m->from_device_id < 0)
            return invalid(field, "from_device_id");
        rc = store_message_find(cx->st, m->from_person_id, m->from_device_id, m->uid, &id);
        if (rc == PH_OK)
            return store_message_get(cx->st, cx->arena, id, m);
        if (rc != PH_ENOTFOUND)
            return rc;
    }
    rc = validate(cx, m, field);
    if (rc != PH_OK)
        return rc;
    if (m->uid == NULL)
        m->uid = make_uid(cx->arena);
    rc = store_message_insert(cx->st, m, &id);
    if (rc != PH_OK)
        return rc;
    d = json_pack("{s:s, s:o, s:o, s:o, s:s, s:o}", "uid", m->uid, "room", fields_jstr(m->room),
                  "to_unit_id", m->to_unit_id != 0 ? json_integer(m->to_unit_id) : json_null(),
                  "to_person_id",
                  m->to_person_id != 0 ? json_integer(m->to_person_id) : json_null(), "source",
                  m->source, "text", fields_jstr(m->text));
    rc = audit_record(cx, "message.send", "message", id, d);
    /* Read back: the answer and the event show the row as stored, names joined. */
    if (rc == PH_OK)
        rc = store_message_get(cx->st, cx->arena, id, m);
    if (rc == PH_OK)
        rc = emit_sent(cx, m, &from);
    return rc;
}

ph_err message_list(struct core_ctx *cx, const struct message_filter *f, struct message **items,
                    size_t *n, bool *has_more)
{
    struct message_filter g = *f;
    struct incident_scope scope;
    const char *q = NULL;

    incident_scope_of(cx->user, &scope);
    fields_list_filter(cx->arena, &g.limit, &q);
    if (fields_clean_text(cx->arena, f->room, ROOM_MAX_BYTES, false, &g.room) != PH_OK)
        return PH_EINVAL;
    if (g.since < 0 || g.before_id < 0)
        return PH_EINVAL;
    if (scope.clearance < 0) {
        *items = NULL;
        *n = 0;
        *has_more = false;
        return PH_OK;
    }
    return store_message_list(cx->st, cx->arena, &g, scope.unit_path, cx->user->person_id,
                              (cx->user->roles & ROLE_ADMIN) != 0, items, n, has_more);
}
