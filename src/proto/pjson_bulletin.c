/* pjson_bulletin.c - JSON shapes of bulletins, their recipients, inbox items and
 * bulletin schedules (docs/API.md, "Bulletins").
 *
 * A bulletin's text comes in three sections and its addressees as units and
 * forces:
 *   "sections": {"situation": "...", "assessment": "...", "proposals": "..."}
 *   "to": {"units": [12, 15], "forces": ["police", "border_guard"]}
 * Decoding follows pjson.c, with its readers (pjson_int.h): every member is
 * checked for its JSON type and copied (text in NFC) into the record; an unknown
 * member, also inside "sections" and "to", is PH_EINVAL naming it
 * ("sections.summary", "to.people"). Values (ranges, existence, the clock) are
 * core's to check. */
#include "util/base.h"
#include "proto/pjson.h"
#include "proto/pjson_int.h"
#include "core/access.h"
#include "core/bulletin.h"
#include "core/fields.h"
#include "util/arena.h"
#include "util/time.h"

/* ---- encoding ------------------------------------------------------------------ */

static json_t *id_or_null(int64_t id)
{
    return id ? json_integer(id) : json_null();
}

static json_t *int_or_null(int64_t v)
{
    return v ? json_integer(v) : json_null();
}

static json_t *to_json(const int64_t *ids, size_t n_ids, const char *const *forces, size_t n_forces)
{
    json_t *o = json_object(), *f = json_array();
    for (size_t i = 0; i < n_forces; i++)
        json_array_append_new(f, fields_jstr(forces[i]));
    json_object_set_new(o, "units", fields_ids_json(ids, n_ids));
    json_object_set_new(o, "forces", f);
    return o;
}

json_t *pjson_bulletin_recipient(const struct bulletin_recipient *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "unit_id", json_integer(r->unit_id));
    json_object_set_new(o, "unit_code", fields_jstr(r->unit_code));
    json_object_set_new(o, "unit_name", fields_jstr(r->unit_name));
    json_object_set_new(o, "force", fields_jstr(r->force));
    json_object_set_new(o, "ack_due_at", pjson_time(r->ack_due_at));
    json_object_set_new(o, "received_at", pjson_time(r->received_at));
    json_object_set_new(o, "received_by", id_or_null(r->received_by));
    json_object_set_new(o, "note", fields_jstr(r->note));
    json_object_set_new(o, "overdue_at", pjson_time(r->overdue_at));
    return o;
}

json_t *pjson_bulletin(const struct bulletin *b, bool with_recipients)
{
    json_t *o = json_object(), *sec = json_object();
    json_object_set_new(o, "id", json_integer(b->id));
    json_object_set_new(o, "kind", fields_jstr(b->kind));
    json_object_set_new(o, "schedule_id", id_or_null(b->schedule_id));
    json_object_set_new(o, "period_start", fields_jstr(b->period_start));
    json_object_set_new(o, "from_unit_id", id_or_null(b->from_unit_id));
    json_object_set_new(o, "from_force", fields_jstr(b->from_force));
    json_object_set_new(o, "title", fields_jstr(b->title));
    json_object_set_new(sec, "situation", fields_jstr(b->situation));
    json_object_set_new(sec, "assessment", fields_jstr(b->assessment));
    json_object_set_new(sec, "proposals", fields_jstr(b->proposals));
    json_object_set_new(o, "sections", sec);
    json_object_set_new(o, "to",
                        to_json(b->to_unit_ids, b->n_to_units, b->to_forces, b->n_to_forces));
    json_object_set_new(o, "classification", fields_jstr(clearance_name(b->classification)));
    json_object_set_new(o, "cap_status", fields_jstr(b->cap_status));
    json_object_set_new(o, "ack_required", json_boolean(b->ack_required));
    json_object_set_new(o, "ack_minutes", int_or_null(b->ack_minutes));
    json_object_set_new(o, "sent_at", pjson_time(b->sent_at));
    json_object_set_new(o, "created_by", id_or_null(b->created_by));
    json_object_set_new(o, "overdue", json_boolean(b->overdue));
    json_object_set_new(o, "version", json_integer(b->version));
    if (with_recipients) {
        json_t *arr = json_array();
        for (size_t i = 0; i < b->n_recipients; i++)
            json_array_append_new(arr, pjson_bulletin_recipient(&b->recipients[i]));
        json_object_set_new(o, "recipients", arr);
    }
    return o;
}

json_t *pjson_bulletin_inbox_item(const struct bulletin_inbox_item *it)
{
    json_t *o = json_object();
    json_object_set_new(o, "kind", json_string("bulletin"));
    json_object_set_new(o, "bulletin", pjson_bulletin(&it->b, false));
    json_object_set_new(o, "recipient", pjson_bulletin_recipient(&it->rcpt));
    json_object_set_new(o, "awaiting", json_string("received"));
    json_object_set_new(o, "due_at", pjson_time(it->rcpt.ack_due_at));
    json_object_set_new(o, "overdue", json_boolean(it->overdue));
    return o;
}

json_t *pjson_bulletin_schedule(const struct bulletin_schedule *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(s->id));
    json_object_set_new(o, "unit_id", id_or_null(s->unit_id));
    json_object_set_new(o, "title", fields_jstr(s->title));
    json_object_set_new(o, "period", fields_jstr(s->period));
    json_object_set_new(o, "due_local", fields_jstr(s->due_local));
    json_object_set_new(o, "due_day", int_or_null(s->due_day));
    json_object_set_new(o, "to",
                        to_json(s->to_unit_ids, s->n_to_units, s->to_forces, s->n_to_forces));
    json_object_set_new(o, "ack_minutes", int_or_null(s->ack_minutes));
    json_object_set_new(o, "is_active", json_boolean(s->is_active));
    json_object_set_new(o, "version", json_integer(s->version));
    json_object_set_new(o, "created_at", pjson_time(s->created_at));
    json_object_set_new(o, "updated_at", pjson_time(s->updated_at));
    return o;
}

/* ---- decoding: nested members -------------------------------------------------- */

static ph_err fail(struct arena *a, const char **field, const char *name)
{
    *field = arena_strdup(a, name);
    return PH_EINVAL;
}

/* "to": {"units": [ids], "forces": [codes]}, each optional; a member absent
 * leaves its list empty (the whole object replaces the addressees). */
static ph_err get_to(json_t *v, struct arena *a, int64_t **ids, size_t *n_ids, const char ***forces,
                     size_t *n_forces, const char **field)
{
    const char *key;
    json_t *m;

    if (!json_is_object(v))
        return fail(a, field, "to");
    *ids = NULL;
    *n_ids = 0;
    *forces = NULL;
    *n_forces = 0;
    json_object_foreach(v, key, m)
    {
        if (strcmp(key, "units") == 0) {
            if (pjson_get_ids(m, a, ids, n_ids) != PH_OK)
                return fail(a, field, "to.units");
        } else if (strcmp(key, "forces") == 0) {
            if (pjson_get_strings(m, a, forces, n_forces) != PH_OK)
                return fail(a, field, "to.forces");
        } else {
            return fail(a, field, arena_printf(a, "to.%s", key));
        }
    }
    return PH_OK;
}

/* "sections": {"situation", "assessment", "proposals"}: strings or null, each
 * optional (a section absent keeps its value). */
static ph_err get_sections(json_t *v, struct arena *a, struct bulletin *b, const char **field)
{
    const char *key;
    json_t *m;

    if (!json_is_object(v))
        return fail(a, field, "sections");
    json_object_foreach(v, key, m)
    {
        const char **slot = strcmp(key, "situation") == 0    ? &b->situation
                            : strcmp(key, "assessment") == 0 ? &b->assessment
                            : strcmp(key, "proposals") == 0  ? &b->proposals
                                                             : NULL;
        if (slot == NULL || pjson_get_text(m, a, true, slot) != PH_OK)
            return fail(a, field, arena_printf(a, "sections.%s", key));
    }
    return PH_OK;
}

static bool is_one_of(const char *key, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(key, names[i]) == 0)
            return true;
    return false;
}

/* ---- decoding: records --------------------------------------------------------- */

/* What a client may send back as it got it: ignored. */
static const char *const bulletin_read_only[] = {
    "id", "from_force", "sent_at", "created_by", "overdue", "version", "recipients",
};

ph_err pjson_apply_bulletin(json_t *obj, struct arena *a, struct bulletin *inout,
                            const char **field)
{
    const char *key;
    json_t *v;

    if (!json_is_object(obj))
        return fail(a, field, "body");
    json_object_foreach(obj, key, v)
    {
        ph_err rc = PH_OK;
        if (strcmp(key, "kind") == 0)
            rc = pjson_get_text(v, a, true, &inout->kind);
        else if (strcmp(key, "schedule_id") == 0)
            rc = pjson_get_id(v, true, &inout->schedule_id);
        else if (strcmp(key, "period_start") == 0)
            rc = pjson_get_text(v, a, true, &inout->period_start);
        else if (strcmp(key, "from_unit_id") == 0)
            rc = pjson_get_id(v, true, &inout->from_unit_id);
        else if (strcmp(key, "title") == 0)
            rc = pjson_get_text(v, a, false, &inout->title);
        else if (strcmp(key, "sections") == 0)
            rc = get_sections(v, a, inout, field);
        else if (strcmp(key, "to") == 0)
            rc = get_to(v, a, &inout->to_unit_ids, &inout->n_to_units, &inout->to_forces,
                        &inout->n_to_forces, field);
        else if (strcmp(key, "classification") == 0)
            rc = pjson_get_clearance(v, &inout->classification);
        else if (strcmp(key, "cap_status") == 0)
            rc = pjson_get_text(v, a, false, &inout->cap_status);
        else if (strcmp(key, "ack_required") == 0)
            rc = pjson_get_bool(v, &inout->ack_required);
        else if (strcmp(key, "ack_minutes") == 0)
            rc = pjson_get_int(v, true, &inout->ack_minutes);
        else if (!is_one_of(key, bulletin_read_only, PH_NELEM(bulletin_read_only)))
            rc = PH_EINVAL;
        if (rc != PH_OK) {
            /* The nested decoders name their own member. */
            if (strcmp(key, "sections") != 0 && strcmp(key, "to") != 0)
                *field = arena_strdup(a, key);
            return rc;
        }
    }
    return PH_OK;
}

static const char *const schedule_read_only[] = {"id", "created_at", "updated_at"};

ph_err pjson_apply_bulletin_schedule(json_t *obj, struct arena *a, struct bulletin_schedule *inout,
                                     bool creating, const char **field)
{
    const char *key;
    json_t *v;

    if (!json_is_object(obj))
        return fail(a, field, "body");
    json_object_foreach(obj, key, v)
    {
        ph_err rc = PH_OK;
        if (strcmp(key, "unit_id") == 0) {
            /* Fixed once created: a client may send it back unchanged. */
            int64_t id = 0;
            rc = pjson_get_id(v, true, &id);
            if (rc == PH_OK && creating)
                inout->unit_id = id;
        } else if (strcmp(key, "title") == 0)
            rc = pjson_get_text(v, a, false, &inout->title);
        else if (strcmp(key, "period") == 0)
            rc = pjson_get_text(v, a, false, &inout->period);
        else if (strcmp(key, "due_local") == 0)
            rc = pjson_get_text(v, a, false, &inout->due_local);
        else if (strcmp(key, "due_day") == 0)
            rc = pjson_get_int(v, true, &inout->due_day);
        else if (strcmp(key, "to") == 0)
            rc = get_to(v, a, &inout->to_unit_ids, &inout->n_to_units, &inout->to_forces,
                        &inout->n_to_forces, field);
        else if (strcmp(key, "ack_minutes") == 0)
            rc = pjson_get_int(v, true, &inout->ack_minutes);
        else if (strcmp(key, "is_active") == 0)
            rc = pjson_get_bool(v, &inout->is_active);
        else if (strcmp(key, "version") == 0)
            rc = pjson_get_id(v, false, &inout->version);
        else if (!is_one_of(key, schedule_read_only, PH_NELEM(schedule_read_only)))
            rc = PH_EINVAL;
        if (rc != PH_OK) {
            if (strcmp(key, "to") != 0)
                *field = arena_strdup(a, key);
            return rc;
        }
    }
    return PH_OK;
}

ph_err pjson_apply_bulletin_ack(json_t *obj, struct arena *a, int64_t *unit_id, const char **note,
                                const char **field)
{
    const char *key;
    json_t *v;

    *unit_id = 0;
    *note = NULL;
    if (!json_is_object(obj))
        return fail(a, field, "body");
    json_object_foreach(obj, key, v)
    {
        ph_err rc = PH_EINVAL;
        if (strcmp(key, "unit_id") == 0)
            rc = pjson_get_id(v, true, unit_id);
        else if (strcmp(key, "note") == 0)
            rc = pjson_get_text(v, a, true, note);
        if (rc != PH_OK)
            return fail(a, field, key);
    }
    return PH_OK;
}
