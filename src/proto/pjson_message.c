/* pjson_message.c - JSON shapes of field messages and incident drafts
 * (docs/API.md, "Field messages" and "Incident drafts").
 *
 *   message: {"id", "uid", "at", "room", "from_person_id", "from_device_id",
 *             "from_unit_id", "from_callsign", "from_name", "to_unit_id",
 *             "to_person_id", "text", "location": {"lat", "lon"} | null, "source"}
 *   draft:   {"id", "uid", "cot_type", "title", "remarks", "at",
 *             "location": {"lat", "lon"}, "device_id", "person_id", "unit_id",
 *             "status", "incident_id", "dismiss_reason", "version", "created_at",
 *             "updated_at"}
 * Decoding goes through the member tables of pjson_int.h: each member is checked
 * for its JSON type and copied (text in NFC) into the record; an unknown member
 * is PH_EINVAL naming it. Values (ranges, existence, the clock) are core's. */
#include "util/base.h"
#include "proto/pjson.h"
#include "proto/pjson_int.h"
#include "core/draft.h"
#include "core/fields.h"
#include "core/message.h"
#include "util/arena.h"

/* ---- encoding ------------------------------------------------------------------ */

static json_t *id_or_null(int64_t id)
{
    return id != 0 ? json_integer(id) : json_null();
}

static json_t *point(double lat, double lon)
{
    json_t *o = json_object();
    json_object_set_new(o, "lat", json_real(lat));
    json_object_set_new(o, "lon", json_real(lon));
    return o;
}

json_t *pjson_message(const struct message *m)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(m->id));
    json_object_set_new(o, "uid", fields_jstr(m->uid));
    json_object_set_new(o, "at", pjson_time(m->at));
    json_object_set_new(o, "room", fields_jstr(m->room));
    json_object_set_new(o, "from_person_id", id_or_null(m->from_person_id));
    json_object_set_new(o, "from_device_id", id_or_null(m->from_device_id));
    json_object_set_new(o, "from_unit_id", id_or_null(m->from_unit_id));
    json_object_set_new(o, "from_callsign", fields_jstr(m->from_callsign));
    json_object_set_new(o, "from_name", fields_jstr(m->from_name));
    json_object_set_new(o, "to_unit_id", id_or_null(m->to_unit_id));
    json_object_set_new(o, "to_person_id", id_or_null(m->to_person_id));
    json_object_set_new(o, "text", fields_jstr(m->text));
    json_object_set_new(o, "location", m->has_location ? point(m->lat, m->lon) : json_null());
    json_object_set_new(o, "source", fields_jstr(m->source));
    return o;
}

json_t *pjson_incident_draft(const struct incident_draft *d)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(d->id));
    json_object_set_new(o, "uid", fields_jstr(d->uid));
    json_object_set_new(o, "cot_type", fields_jstr(d->cot_type));
    json_object_set_new(o, "title", fields_jstr(d->title));
    json_object_set_new(o, "remarks", fields_jstr(d->remarks));
    json_object_set_new(o, "at", pjson_time(d->at));
    json_object_set_new(o, "location", point(d->lat, d->lon));
    json_object_set_new(o, "device_id", id_or_null(d->device_id));
    json_object_set_new(o, "person_id", id_or_null(d->person_id));
    json_object_set_new(o, "unit_id", id_or_null(d->unit_id));
    json_object_set_new(o, "status", fields_jstr(d->status));
    json_object_set_new(o, "incident_id", id_or_null(d->incident_id));
    json_object_set_new(o, "dismiss_reason", fields_jstr(d->dismiss_reason));
    json_object_set_new(o, "version", json_integer(d->version));
    json_object_set_new(o, "created_at", pjson_time(d->created_at));
    json_object_set_new(o, "updated_at", pjson_time(d->updated_at));
    return o;
}

/* ---- decoding ------------------------------------------------------------------ */

/* {"lat": number, "lon": number}, both and nothing else, into lat and lon. */
static bool get_point(json_t *v, double *lat, double *lon)
{
    json_t *jlat = json_object_get(v, "lat"), *jlon = json_object_get(v, "lon");

    if (!json_is_object(v) || json_object_size(v) != 2 || !json_is_number(jlat) ||
        !json_is_number(jlon))
        return false;
    *lat = json_number_value(jlat);
    *lon = json_number_value(jlon);
    return true;
}

/* A message's "location": a point, or null for none; at is the whole record. */
static ph_err get_message_location(json_t *v, struct arena *a, void *at)
{
    struct message *m = at;
    double lat, lon;
    (void)a;
    if (json_is_null(v)) {
        m->has_location = false;
        m->lat = m->lon = 0;
        return PH_OK;
    }
    if (!get_point(v, &lat, &lon))
        return PH_EINVAL;
    m->has_location = true;
    m->lat = lat;
    m->lon = lon;
    return PH_OK;
}

/* A draft's "location": a point (a marker always has one). */
static ph_err get_draft_location(json_t *v, struct arena *a, void *at)
{
    struct incident_draft *d = at;
    double lat, lon;
    (void)a;
    if (!get_point(v, &lat, &lon))
        return PH_EINVAL;
    d->lat = lat;
    d->lon = lon;
    return PH_OK;
}

/* clang-format off */
static const struct pjson_member message_members[] = {
    PJSON_M_TEXT_OR_NULL(message, room),
    PJSON_M_ID_OR_NULL(message, to_unit_id),
    PJSON_M_ID_OR_NULL(message, to_person_id),
    PJSON_M_TEXT(message, text),
    PJSON_M_TEXT_OR_NULL(message, uid),
    PJSON_M_TEXT_OR_NULL(message, from_callsign),
    {.name = "location", .kind = PJSON_KIND_CUSTOM, .off = 0, .read = get_message_location},
    PJSON_M_READ_ONLY("id"),
    PJSON_M_READ_ONLY("at"),
    PJSON_M_READ_ONLY("from_person_id"),
    PJSON_M_READ_ONLY("from_device_id"),
    PJSON_M_READ_ONLY("from_unit_id"),
    PJSON_M_READ_ONLY("from_name"),
    PJSON_M_READ_ONLY("source"),
};

static const struct pjson_member draft_members[] = {
    PJSON_M_TEXT(incident_draft, uid),
    PJSON_M_TEXT_OR_NULL(incident_draft, cot_type),
    PJSON_M_TEXT(incident_draft, title),
    PJSON_M_TEXT_OR_NULL(incident_draft, remarks),
    PJSON_M_TIME_OR_NULL(incident_draft, at),
    {.name = "location", .kind = PJSON_KIND_CUSTOM, .off = 0, .read = get_draft_location},
    PJSON_M_READ_ONLY("id"),
    PJSON_M_READ_ONLY("device_id"),
    PJSON_M_READ_ONLY("person_id"),
    PJSON_M_READ_ONLY("unit_id"),
    PJSON_M_READ_ONLY("status"),
    PJSON_M_READ_ONLY("incident_id"),
    PJSON_M_READ_ONLY("dismiss_reason"),
    PJSON_M_READ_ONLY("version"),
    PJSON_M_READ_ONLY("created_at"),
    PJSON_M_READ_ONLY("updated_at"),
};
/* clang-format on */

ph_err pjson_apply_message(json_t *obj, struct arena *a, struct message *inout, const char **field)
{
    return pjson_apply_members(obj, a, inout, message_members, PH_NELEM(message_members), true,
                               NULL, field);
}

ph_err pjson_apply_incident_draft(json_t *obj, struct arena *a, struct incident_draft *inout,
                                  const char **field)
{
    return pjson_apply_members(obj, a, inout, draft_members, PH_NELEM(draft_members), true, NULL,
                               field);
}

ph_err pjson_apply_draft_dismiss(json_t *obj, struct arena *a, const char **reason,
                                 const char **field)
{
    const char *key;
    json_t *v;

    *reason = NULL;
    json_object_foreach(obj, key, v)
    {
        if (strcmp(key, "reason") != 0 || pjson_get_text(v, a, true, reason) != PH_OK) {
            *field = arena_strdup(a, key);
            return PH_EINVAL;
        }
    }
    return PH_OK;
}
