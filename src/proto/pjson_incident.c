/* pjson_incident.c - JSON shapes of incidents, their recipients, acknowledgements
 * and timeline, inbox items, routing rules and timeliness figures (docs/API.md).
 *
 * Decoding follows pjson.c, with its readers and loop (pjson_int.h): each member
 * of the request object is looked up in the record's table, checked for its JSON
 * type and copied (text in NFC) into the record; an unknown member or a wrong
 * type is PH_EINVAL naming the member. Values (ranges, existence, the clock) are
 * core's to check. Two members need more than a type: "category" is a code the
 * caller resolves with core (this file does no I/O), and "location" is an object
 * {"lat": number, "lon": number} or null. */
#include "util/base.h"
#include <math.h>
#include "proto/pjson.h"
#include "proto/pjson_int.h"
#include "core/access.h"
#include "core/fields.h"
#include "core/incident.h"
#include "core/routing.h"
#include "core/stats.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/jsonw.h"
#include "util/time.h"

/* ---- encoding ------------------------------------------------------------------ */

static json_t *id_or_null(int64_t id)
{
    return id ? json_integer(id) : json_null();
}

/* 0 means "none" for deadlines and severity bounds: JSON null. */
static json_t *int_or_null(int64_t v)
{
    return v ? json_integer(v) : json_null();
}

static json_t *location(const struct incident *inc)
{
    if (!inc->has_location)
        return json_null();
    json_t *o = json_object();
    json_object_set_new(o, "lat", json_real(inc->lat));
    json_object_set_new(o, "lon", json_real(inc->lon));
    return o;
}

static json_t *strings_json(const char *const *s, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, fields_jstr(s[i]));
    return arr;
}

json_t *pjson_incident_recipient(const struct incident_recipient *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "unit_id", json_integer(r->unit_id));
    json_object_set_new(o, "role", fields_jstr(r->role));
    json_object_set_new(o, "unit_code", fields_jstr(r->unit_code));
    json_object_set_new(o, "unit_name", fields_jstr(r->unit_name));
    json_object_set_new(o, "force", fields_jstr(r->force));
    json_object_set_new(o, "sent_at", pjson_time(r->sent_at));
    json_object_set_new(o, "ack_due_at", pjson_time(r->ack_due_at));
    json_object_set_new(o, "verify_due_at", pjson_time(r->verify_due_at));
    json_object_set_new(o, "received_at", pjson_time(r->received_at));
    json_object_set_new(o, "received_by", id_or_null(r->received_by));
    json_object_set_new(o, "verified_at", pjson_time(r->verified_at));
    json_object_set_new(o, "verified_by", id_or_null(r->verified_by));
    json_object_set_new(o, "agreed_at", pjson_time(r->agreed_at));
    json_object_set_new(o, "agreed_by", id_or_null(r->agreed_by));
    json_object_set_new(o, "refused_at", pjson_time(r->refused_at));
    json_object_set_new(o, "refused_by", id_or_null(r->refused_by));
    json_object_set_new(o, "refused_reason", fields_jstr(r->refused_reason));
    json_object_set_new(o, "ack_overdue_at", pjson_time(r->ack_overdue_at));
    json_object_set_new(o, "verify_overdue_at", pjson_time(r->verify_overdue_at));
    json_object_set_new(o, "escalated_at", pjson_time(r->escalated_at));
    return o;
}

json_t *pjson_incident(const struct incident *inc, bool with_recipients)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(inc->id));
    json_object_set_new(o, "ref", fields_jstr(inc->ref));
    json_object_set_new(o, "category", fields_jstr(inc->category_code));
    json_object_set_new(o, "category_id", id_or_null(inc->category_id));
    json_object_set_new(o, "severity", json_integer(inc->severity));
    json_object_set_new(o, "title", fields_jstr(inc->title));
    json_object_set_new(o, "description", fields_jstr(inc->description));
    json_object_set_new(o, "occurred_at", pjson_time(inc->occurred_at));
    json_object_set_new(o, "detected_at", pjson_time(inc->detected_at));
    json_object_set_new(o, "reported_at", pjson_time(inc->reported_at));
    json_object_set_new(o, "location", location(inc));
    json_object_set_new(o, "area_id", id_or_null(inc->area_id));
    json_object_set_new(o, "reporting_unit_id", id_or_null(inc->reporting_unit_id));
    json_object_set_new(o, "lead_unit_id", id_or_null(inc->lead_unit_id));
    json_object_set_new(o, "lead_force", fields_jstr(inc->lead_force));
    json_object_set_new(o, "informed_unit_ids",
                        fields_ids_json(inc->informed_unit_ids, inc->n_informed));
    json_object_set_new(o, "people_involved", json_integer(inc->people_involved));
    json_object_set_new(o, "vehicles_involved", json_integer(inc->vehicles_involved));
    json_object_set_new(o, "vessels_involved", json_integer(inc->vessels_involved));
    json_object_set_new(o, "casualties_dead", json_integer(inc->casualties_dead));
    json_object_set_new(o, "casualties_injured", json_integer(inc->casualties_injured));
    json_object_set_new(o, "damage", fields_jstr(inc->damage));
    json_object_set_new(o, "classification", fields_jstr(clearance_name(inc->classification)));
    json_object_set_new(o, "status", fields_jstr(inc->status));
    json_object_set_new(o, "cap_status", fields_jstr(inc->cap_status));
    json_object_set_new(o, "merged_into_id", id_or_null(inc->merged_into_id));
    json_object_set_new(o, "rule_id", id_or_null(inc->rule_id));
    json_object_set_new(o, "report_due_at", pjson_time(inc->report_due_at));
    json_object_set_new(o, "report_late", json_boolean(inc->report_late));
    json_object_set_new(o, "overdue", json_boolean(inc->overdue));
    json_object_set_new(o, "created_by", id_or_null(inc->created_by));
    json_object_set_new(o, "version", json_integer(inc->version));
    json_object_set_new(o, "created_at", pjson_time(inc->created_at));
    json_object_set_new(o, "updated_at", pjson_time(inc->updated_at));
    json_object_set_new(o, "operation_id", id_or_null(inc->operation_id));
    json_object_set_new(o, "operation_log_id", id_or_null(inc->operation_log_id));
    if (with_recipients) {
        json_t *arr = json_array();
        for (size_t i = 0; i < inc->n_recipients; i++)
            json_array_append_new(arr, pjson_incident_recipient(&inc->recipients[i]));
        json_object_set_new(o, "recipients", arr);
    }
    return o;
}

/* ---- encoding straight into a buffer --------------------------------------------- */

/* GET /api/v1/incidents/{id} renders an incident with its recipients: about a
 * hundred values, which as a jansson tree are as many allocations.
 * pjson_incident_write prints the same bytes directly (util/jsonw.h), members
 * in the order above. */

static void write_recipient(struct jsonw *w, const struct incident_recipient *r)
{
    jsonw_open(w, "{");
    jsonw_int_member(w, "unit_id", r->unit_id);
    jsonw_str_member(w, "role", r->role);
    jsonw_str_member(w, "unit_code", r->unit_code);
    jsonw_str_member(w, "unit_name", r->unit_name);
    jsonw_str_member(w, "force", r->force);
    jsonw_time_member(w, "sent_at", r->sent_at);
    jsonw_time_member(w, "ack_due_at", r->ack_due_at);
    jsonw_time_member(w, "verify_due_at", r->verify_due_at);
    jsonw_time_member(w, "received_at", r->received_at);
    jsonw_id_member(w, "received_by", r->received_by);
    jsonw_time_member(w, "verified_at", r->verified_at);
    jsonw_id_member(w, "verified_by", r->verified_by);
    jsonw_time_member(w, "agreed_at", r->agreed_at);
    jsonw_id_member(w, "agreed_by", r->agreed_by);
    jsonw_time_member(w, "refused_at", r->refused_at);
    jsonw_id_member(w, "refused_by", r->refused_by);
    jsonw_str_member(w, "refused_reason", r->refused_reason);
    jsonw_time_member(w, "ack_overdue_at", r->ack_overdue_at);
    jsonw_time_member(w, "verify_overdue_at", r->verify_overdue_at);
    jsonw_time_member(w, "escalated_at", r->escalated_at);
    jsonw_close(w, "}");
}

ph_err pjson_incident_write(const struct incident *inc, bool with_recipients, struct buf *out)
{
    struct jsonw w = {.b = out, .rc = PH_OK, .comma = false};

    jsonw_open(&w, "{");
    jsonw_int_member(&w, "id", inc->id);
    jsonw_str_member(&w, "ref", inc->ref);
    jsonw_str_member(&w, "category", inc->category_code);
    jsonw_id_member(&w, "category_id", inc->category_id);
    jsonw_int_member(&w, "severity", inc->severity);
    jsonw_str_member(&w, "title", inc->title);
    jsonw_str_member(&w, "description", inc->description);
    jsonw_time_member(&w, "occurred_at", inc->occurred_at);
    jsonw_time_member(&w, "detected_at", inc->detected_at);
    jsonw_time_member(&w, "reported_at", inc->reported_at);
    jsonw_key(&w, "location");
    if (inc->has_location) {
        jsonw_open(&w, "{");
        jsonw_real_member(&w, "lat", inc->lat);
        jsonw_real_member(&w, "lon", inc->lon);
        jsonw_close(&w, "}");
    } else {
        JSONW_LIT(&w, "null");
    }
    jsonw_id_member(&w, "area_id", inc->area_id);
    jsonw_id_member(&w, "reporting_unit_id", inc->reporting_unit_id);
    jsonw_id_member(&w, "lead_unit_id", inc->lead_unit_id);
    jsonw_str_member(&w, "lead_force", inc->lead_force);
    jsonw_ids_member(&w, "informed_unit_ids", inc->informed_unit_ids, inc->n_informed);
    jsonw_int_member(&w, "people_involved", inc->people_involved);
    jsonw_int_member(&w, "vehicles_involved", inc->vehicles_involved);
    jsonw_int_member(&w, "vessels_involved", inc->vessels_involved);
    jsonw_int_member(&w, "casualties_dead", inc->casualties_dead);
    jsonw_int_member(&w, "casualties_injured", inc->casualties_injured);
    jsonw_str_member(&w, "damage", inc->damage);
    jsonw_str_member(&w, "classification", clearance_name(inc->classification));
    jsonw_str_member(&w, "status", inc->status);
    jsonw_str_member(&w, "cap_status", inc->cap_status);
    jsonw_id_member(&w, "merged_into_id", inc->merged_into_id);
    jsonw_id_member(&w, "rule_id", inc->rule_id);
    jsonw_time_member(&w, "report_due_at", inc->report_due_at);
    jsonw_bool_member(&w, "report_late", inc->report_late);
    jsonw_bool_member(&w, "overdue", inc->overdue);
    jsonw_id_member(&w, "created_by", inc->created_by);
    jsonw_int_member(&w, "version", inc->version);
    jsonw_time_member(&w, "created_at", inc->created_at);
    jsonw_time_member(&w, "updated_at", inc->updated_at);
    jsonw_id_member(&w, "operation_id", inc->operation_id);
    jsonw_id_member(&w, "operation_log_id", inc->operation_log_id);
    if (with_recipients) {
        jsonw_key(&w, "recipients");
        jsonw_open(&w, "[");
        for (size_t i = 0; i < inc->n_recipients; i++) {
            if (i > 0)
                JSONW_LIT(&w, ",");
            write_recipient(&w, &inc->recipients[i]);
        }
        jsonw_close(&w, "]");
    }
    jsonw_close(&w, "}");
    return w.rc;
}

json_t *pjson_incident_ack(const struct incident_ack *a)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(a->id));
    json_object_set_new(o, "incident_id", json_integer(a->incident_id));
    json_object_set_new(o, "unit_id", id_or_null(a->unit_id));
    json_object_set_new(o, "stage", fields_jstr(a->stage));
    json_object_set_new(o, "note", fields_jstr(a->note));
    json_object_set_new(o, "at", pjson_time(a->at));
    json_object_set_new(o, "on_time", json_boolean(a->on_time));
    json_object_set_new(o, "person_id", id_or_null(a->person_id));
    json_object_set_new(o, "person_name", fields_jstr(a->person_name));
    return o;
}

json_t *pjson_incident_event(const struct incident_event *e)
{
    json_t *o = json_object();
    json_t *detail = e->detail != NULL ? json_loads(e->detail, 0, NULL) : NULL;
    json_object_set_new(o, "id", json_integer(e->id));
    json_object_set_new(o, "incident_id", json_integer(e->incident_id));
    json_object_set_new(o, "at", pjson_time(e->at));
    json_object_set_new(o, "kind", fields_jstr(e->kind));
    json_object_set_new(o, "unit_id", id_or_null(e->unit_id));
    json_object_set_new(o, "person_id", id_or_null(e->person_id));
    json_object_set_new(o, "person_name", fields_jstr(e->person_name));
    json_object_set_new(o, "detail", detail != NULL ? detail : json_null());
    return o;
}

json_t *pjson_inbox_item(const struct incident_inbox_item *it)
{
    json_t *o = json_object();
    json_object_set_new(o, "incident", pjson_incident(&it->inc, false));
    json_object_set_new(o, "recipient", pjson_incident_recipient(&it->rcpt));
    json_object_set_new(o, "awaiting", fields_jstr(it->awaiting));
    json_object_set_new(o, "due_at", pjson_time(it->due_at));
    json_object_set_new(o, "overdue", json_boolean(it->overdue));
    return o;
}

json_t *pjson_routing_rule(const struct routing_rule *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(r->id));
    json_object_set_new(o, "name", fields_jstr(r->name));
    json_object_set_new(o, "priority", json_integer(r->priority));
    json_object_set_new(o, "is_active", json_boolean(r->is_active));
    json_object_set_new(o, "category_id", id_or_null(r->category_id));
    json_object_set_new(o, "severity_min", int_or_null(r->severity_min));
    json_object_set_new(o, "severity_max", int_or_null(r->severity_max));
    json_object_set_new(o, "area_id", id_or_null(r->area_id));
    json_object_set_new(o, "area_kind", fields_jstr(r->area_kind));
    json_object_set_new(o, "lead_force", fields_jstr(r->lead_force));
    json_object_set_new(o, "inform_forces", strings_json(r->inform_forces, r->n_inform_forces));
    json_object_set_new(o, "inform_unit_ids",
                        fields_ids_json(r->inform_unit_ids, r->n_inform_units));
    json_object_set_new(o, "report_deadline_min", int_or_null(r->report_deadline_min));
    json_object_set_new(o, "ack_deadline_min", int_or_null(r->ack_deadline_min));
    json_object_set_new(o, "verify_deadline_min", int_or_null(r->verify_deadline_min));
    json_object_set_new(o, "fallback_unit_id", id_or_null(r->fallback_unit_id));
    json_object_set_new(o, "version", json_integer(r->version));
    json_object_set_new(o, "created_at", pjson_time(r->created_at));
    json_object_set_new(o, "updated_at", pjson_time(r->updated_at));
    return o;
}

/* part / whole, or null when there is no whole. */
static json_t *share(int64_t part, int64_t whole)
{
    return whole > 0 ? json_real((double)part / (double)whole) : json_null();
}

json_t *pjson_timeliness(const struct stats_timeliness *t)
{
    json_t *o = json_object();
    json_object_set_new(o, "unit_id", id_or_null(t->unit_id));
    json_object_set_new(o, "unit_name", fields_jstr(t->unit_name));
    json_object_set_new(o, "force", fields_jstr(t->force));
    json_object_set_new(o, "reports", json_integer(t->reports));
    json_object_set_new(o, "reports_on_time", json_integer(t->reports_on_time));
    json_object_set_new(o, "reports_on_time_share", share(t->reports_on_time, t->reports));
    json_object_set_new(o, "acks", json_integer(t->acks));
    json_object_set_new(o, "acks_on_time", json_integer(t->acks_on_time));
    json_object_set_new(o, "acks_on_time_share", share(t->acks_on_time, t->acks));
    json_object_set_new(o, "report_delay_p50_ms", json_integer(t->report_delay_p50_ms));
    json_object_set_new(o, "report_delay_p90_ms", json_integer(t->report_delay_p90_ms));
    json_object_set_new(o, "ack_delay_p50_ms", json_integer(t->ack_delay_p50_ms));
    json_object_set_new(o, "ack_delay_p90_ms", json_integer(t->ack_delay_p90_ms));
    return o;
}

/* ---- decoding: records --------------------------------------------------------- */

/* {"lat": number, "lon": number} (both, nothing else) or null for no location;
 * at is the whole struct incident. */
static ph_err get_location(json_t *v, struct arena *a, void *at)
{
    struct incident *inc = at;
    (void)a;
    if (json_is_null(v)) {
        inc->has_location = false;
        inc->lat = inc->lon = 0;
        return PH_OK;
    }
    json_t *lat = json_object_get(v, "lat"), *lon = json_object_get(v, "lon");
    if (!json_is_object(v) || json_object_size(v) != 2 || !json_is_number(lat) ||
        !json_is_number(lon))
        return PH_EINVAL;
    inc->has_location = true;
    inc->lat = json_number_value(lat);
    inc->lon = json_number_value(lon);
    return PH_OK;
}

/* Member tables (pjson_int.h); "category" is the caller's slot. */
/* clang-format off */
static const struct pjson_member incident_members[] = {
    PJSON_M_SLOT("category"),
    PJSON_M_ID(incident, category_id),
    PJSON_M_INT(incident, severity),
    PJSON_M_TEXT(incident, title),
    PJSON_M_TEXT_OR_NULL(incident, description),
    PJSON_M_TIME(incident, occurred_at),
    PJSON_M_TIME_OR_NULL(incident, detected_at),
    {.name = "location", .kind = PJSON_KIND_CUSTOM, .off = 0, .read = get_location},
    PJSON_M_ID_OR_NULL(incident, area_id),
    PJSON_M_FIXED_ID_OR_NULL(incident, reporting_unit_id),
    PJSON_M_FIXED_IDS(incident, informed_unit_ids, n_informed),
    PJSON_M_INT(incident, people_involved),
    PJSON_M_INT(incident, vehicles_involved),
    PJSON_M_INT(incident, vessels_involved),
    PJSON_M_INT(incident, casualties_dead),
    PJSON_M_INT(incident, casualties_injured),
    PJSON_M_TEXT_OR_NULL(incident, damage),
    PJSON_M_CLEARANCE(incident, classification),
    PJSON_M_TEXT(incident, cap_status),
    PJSON_M_ID(incident, version),
    PJSON_M_READ_ONLY("id"),
    PJSON_M_READ_ONLY("ref"),
    PJSON_M_READ_ONLY("status"),
    PJSON_M_READ_ONLY("lead_unit_id"),
    PJSON_M_READ_ONLY("lead_force"),
    PJSON_M_READ_ONLY("reported_at"),
    PJSON_M_READ_ONLY("merged_into_id"),
    PJSON_M_READ_ONLY("rule_id"),
    PJSON_M_READ_ONLY("report_due_at"),
    PJSON_M_READ_ONLY("report_late"),
    PJSON_M_READ_ONLY("overdue"),
    PJSON_M_READ_ONLY("recipients"),
    PJSON_M_READ_ONLY("created_by"),
    PJSON_M_READ_ONLY("created_at"),
    PJSON_M_READ_ONLY("updated_at"),
    PJSON_M_READ_ONLY("operation_id"),
    PJSON_M_READ_ONLY("operation_log_id"),
};

static const struct pjson_member rule_members[] = {
    PJSON_M_TEXT(routing_rule, name),
    PJSON_M_INT(routing_rule, priority),
    PJSON_M_BOOL(routing_rule, is_active),
    PJSON_M_ID_OR_NULL(routing_rule, category_id),
    PJSON_M_INT_OR_NULL(routing_rule, severity_min),
    PJSON_M_INT_OR_NULL(routing_rule, severity_max),
    PJSON_M_ID_OR_NULL(routing_rule, area_id),
    PJSON_M_TEXT_OR_NULL(routing_rule, area_kind),
    PJSON_M_TEXT_OR_NULL(routing_rule, lead_force),
    PJSON_M_STRINGS(routing_rule, inform_forces, n_inform_forces),
    PJSON_M_IDS(routing_rule, inform_unit_ids, n_inform_units),
    PJSON_M_INT_OR_NULL(routing_rule, report_deadline_min),
    PJSON_M_INT_OR_NULL(routing_rule, ack_deadline_min),
    PJSON_M_INT_OR_NULL(routing_rule, verify_deadline_min),
    PJSON_M_ID_OR_NULL(routing_rule, fallback_unit_id),
    PJSON_M_ID(routing_rule, version),
    PJSON_M_READ_ONLY("id"),
    PJSON_M_READ_ONLY("created_at"),
    PJSON_M_READ_ONLY("updated_at"),
};
/* clang-format on */

/* pjson_apply_members, and a body that is not an object is PH_EINVAL on "body". */
static ph_err apply(json_t *obj, struct arena *a, void *rec, const struct pjson_member *members,
                    size_t n_members, bool creating, const char **category_code, const char **field)
{
    if (!json_is_object(obj)) {
        *field = "body";
        return PH_EINVAL;
    }
    return pjson_apply_members(obj, a, rec, members, n_members, creating, category_code, field);
}

ph_err pjson_apply_incident(json_t *obj, struct arena *a, struct incident *inout, bool creating,
                            const char **category_code, const char **field)
{
    ph_err rc;

    *category_code = NULL; /* absent unless the object has it */
    rc = apply(obj, a, inout, incident_members, PH_NELEM(incident_members), creating,
               category_code, field);
    /* A new location without an area means "find the area of the new place":
     * the one stored for the old location would be wrong (core resolves 0). */
    if (rc == PH_OK && json_object_get(obj, "location") != NULL &&
        json_object_get(obj, "area_id") == NULL)
        inout->area_id = 0;
    return rc;
}

ph_err pjson_apply_routing_rule(json_t *obj, struct arena *a, struct routing_rule *inout,
                                const char **field)
{
    return apply(obj, a, inout, rule_members, PH_NELEM(rule_members), true, NULL, field);
}

/* ---- decoding: action bodies --------------------------------------------------- */

ph_err pjson_apply_incident_action(json_t *obj, struct arena *a, unsigned allowed,
                                   struct pjson_incident_action *out, const char **field)
{
    const char *key;
    json_t *v;

    memset(out, 0, sizeof(*out));
    if (!json_is_object(obj)) {
        *field = "body";
        return PH_EINVAL;
    }
    json_object_foreach (obj, key, v) {
        ph_err rc = PH_EINVAL;
        if (strcmp(key, "status") == 0 && (allowed & PJSON_ACT_STATUS))
            rc = pjson_get_text(v, a, false, &out->status);
        else if (strcmp(key, "note") == 0 && (allowed & PJSON_ACT_NOTE))
            rc = pjson_get_text(v, a, true, &out->note);
        else if (strcmp(key, "stage") == 0 && (allowed & PJSON_ACT_STAGE))
            rc = pjson_get_text(v, a, false, &out->stage);
        else if (strcmp(key, "lead_unit_id") == 0 && (allowed & PJSON_ACT_LEAD_UNIT))
            rc = pjson_get_id(v, false, &out->lead_unit_id);
        else if (strcmp(key, "into_id") == 0 && (allowed & PJSON_ACT_INTO))
            rc = pjson_get_id(v, false, &out->into_id);
        else if (strcmp(key, "unit_id") == 0 && (allowed & PJSON_ACT_UNIT))
            rc = pjson_get_id(v, true, &out->unit_id);
        else if (strcmp(key, "version") == 0 && (allowed & PJSON_ACT_VERSION))
            rc = pjson_get_id(v, false, &out->version);
        if (rc != PH_OK) {
            *field = arena_strdup(a, key);
            return rc;
        }
    }
    return PH_OK;
}
