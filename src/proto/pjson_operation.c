/* pjson_operation.c - JSON shapes of operations, their results log, summary,
 * assets and coverage (proto/pjson_operation.h, docs/API.md "Operations").
 *
 * An operation's place is a GeoJSON geometry object (RFC 7946 section 3.1),
 * carried as it is:
 *   "geometry": {"type": "LineString", "coordinates": [[106.1, 10.0], [106.2, 10.05]]}
 * The decoder only checks that it is an object and keeps its compact text; what
 * makes it valid (types, ranges, closed rings, size) is core's to check
 * (core/coverage.c). Other members go through the shared member tables
 * (pjson_int.h). */
#include "util/base.h"
#include <math.h>
#include "proto/pjson_operation.h"
#include "proto/pjson.h"
#include "proto/pjson_int.h"
#include "core/access.h"
#include "core/fields.h"
#include "core/operation.h"
#include "util/arena.h"

/* ---- encoding ------------------------------------------------------------------ */

static json_t *id_or_null(int64_t id)
{
    return id ? json_integer(id) : json_null();
}

static json_t *location(bool has, double lat, double lon)
{
    if (!has)
        return json_null();
    return json_pack("{s:f, s:f}", "lat", lat, "lon", lon);
}

/* The stored geometry text as an object; null when absent or unparsable (it
 * was checked when stored, so that means a row written some other way). */
static json_t *geometry(const char *text)
{
    json_t *g = text != NULL ? json_loads(text, 0, NULL) : NULL;
    return g != NULL ? g : json_null();
}

json_t *pjson_operation(const struct operation *o, bool with_geometry)
{
    json_t *obj = json_object(), *units = json_array();

    for (size_t i = 0; o->units != NULL && i < o->n_units; i++) {
        const struct operation_unit *u = &o->units[i];
        json_t *ju = json_object();
        json_object_set_new(ju, "unit_id", json_integer(u->unit_id));
        json_object_set_new(ju, "role", fields_jstr(u->role));
        json_object_set_new(ju, "unit_code", fields_jstr(u->unit_code));
        json_object_set_new(ju, "unit_name", fields_jstr(u->unit_name));
        json_object_set_new(ju, "force", fields_jstr(u->force));
        json_array_append_new(units, ju);
    }
    json_object_set_new(obj, "id", json_integer(o->id));
    json_object_set_new(obj, "kind", fields_jstr(o->kind));
    json_object_set_new(obj, "domain", fields_jstr(o->domain));
    json_object_set_new(obj, "title", fields_jstr(o->title));
    json_object_set_new(obj, "description", fields_jstr(o->description));
    json_object_set_new(obj, "campaign_id", id_or_null(o->campaign_id));
    json_object_set_new(obj, "geometry_kind", fields_jstr(o->geometry_kind));
    json_object_set_new(obj, "geometry", with_geometry ? geometry(o->geometry) : json_null());
    json_object_set_new(obj, "bbox",
                        json_pack("[f, f, f, f]", o->min_lon, o->min_lat, o->max_lon, o->max_lat));
    json_object_set_new(obj, "planned_start", pjson_time(o->planned_start));
    json_object_set_new(obj, "planned_end", pjson_time(o->planned_end));
    json_object_set_new(obj, "started_at", pjson_time(o->started_at));
    json_object_set_new(obj, "ended_at", pjson_time(o->ended_at));
    json_object_set_new(obj, "owner_unit_id", id_or_null(o->owner_unit_id));
    json_object_set_new(obj, "owner_force", fields_jstr(o->owner_force));
    json_object_set_new(obj, "units", units);
    json_object_set_new(obj, "unit_ids", fields_ids_json(o->unit_ids, o->n_units));
    json_object_set_new(obj, "commander_id", id_or_null(o->commander_id));
    json_object_set_new(obj, "people_ids", fields_ids_json(o->people_ids, o->n_people));
    json_object_set_new(obj, "asset_ids", fields_ids_json(o->asset_ids, o->n_assets));
    json_object_set_new(obj, "area_ids", fields_ids_json(o->area_ids, o->n_areas));
    json_object_set_new(obj, "classification", fields_jstr(clearance_name(o->classification)));
    json_object_set_new(obj, "status", fields_jstr(o->status));
    json_object_set_new(obj, "cancel_reason", fields_jstr(o->cancel_reason));
    json_object_set_new(obj, "is_joint", json_boolean(o->is_joint));
    json_object_set_new(obj, "created_by", id_or_null(o->created_by));
    json_object_set_new(obj, "version", json_integer(o->version));
    json_object_set_new(obj, "created_at", pjson_time(o->created_at));
    json_object_set_new(obj, "updated_at", pjson_time(o->updated_at));
    return obj;
}

json_t *pjson_operation_summary(int64_t operation_id, const struct operation_summary *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "operation_id", json_integer(operation_id));
    json_object_set_new(o, "entries", json_integer(s->entries));
    json_object_set_new(o, "people_checked", json_integer(s->people_checked));
    json_object_set_new(o, "vehicles_checked", json_integer(s->vehicles_checked));
    json_object_set_new(o, "vessels_checked", json_integer(s->vessels_checked));
    json_object_set_new(o, "violations", json_integer(s->violations));
    json_object_set_new(o, "incidents", json_integer(s->incidents));
    json_object_set_new(o, "duration_ms", json_integer(s->duration_ms));
    json_object_set_new(o, "duration_hours",
                        json_real(round((double)s->duration_ms / 36000.0) / 100.0));
    return o;
}

json_t *pjson_operation_log_entry(const struct operation_log_entry *e)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(e->id));
    json_object_set_new(o, "operation_id", json_integer(e->operation_id));
    json_object_set_new(o, "at", pjson_time(e->at));
    json_object_set_new(o, "person_id", id_or_null(e->person_id));
    json_object_set_new(o, "person_name", fields_jstr(e->person_name));
    json_object_set_new(o, "location", location(e->has_location, e->lat, e->lon));
    json_object_set_new(o, "text", fields_jstr(e->text));
    json_object_set_new(o, "people_checked", json_integer(e->people_checked));
    json_object_set_new(o, "vehicles_checked", json_integer(e->vehicles_checked));
    json_object_set_new(o, "vessels_checked", json_integer(e->vessels_checked));
    json_object_set_new(o, "violations", json_integer(e->violations));
    json_object_set_new(o, "items_seized", fields_jstr(e->items_seized));
    json_object_set_new(o, "incident_id", id_or_null(e->incident_id));
    json_object_set_new(o, "created_at", pjson_time(e->created_at));
    return o;
}

json_t *pjson_asset(const struct asset *a)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(a->id));
    json_object_set_new(o, "kind", fields_jstr(a->kind));
    json_object_set_new(o, "code", fields_jstr(a->code));
    json_object_set_new(o, "name", fields_jstr(a->name));
    json_object_set_new(o, "unit_id", id_or_null(a->unit_id));
    json_object_set_new(o, "is_active", json_boolean(a->is_active));
    json_object_set_new(o, "version", json_integer(a->version));
    json_object_set_new(o, "created_at", pjson_time(a->created_at));
    json_object_set_new(o, "updated_at", pjson_time(a->updated_at));
    return o;
}

/* Hours with two decimals: the figures are for people, not for arithmetic. */
static json_t *hours(double h)
{
    return json_real(round(h * 100.0) / 100.0);
}

json_t *pjson_coverage_area(const struct coverage_area *c)
{
    json_t *o = json_object(), *f = json_object();
    json_object_set_new(f, "police", hours(c->hours_by_force[0]));
    json_object_set_new(f, "military", hours(c->hours_by_force[1]));
    json_object_set_new(f, "border_guard", hours(c->hours_by_force[2]));
    json_object_set_new(o, "area_id", json_integer(c->area_id));
    json_object_set_new(o, "area_code", fields_jstr(c->area_code));
    json_object_set_new(o, "area_name", fields_jstr(c->area_name));
    json_object_set_new(o, "area_kind", fields_jstr(c->area_kind));
    json_object_set_new(o, "operations", json_integer(c->operations));
    json_object_set_new(o, "hours", hours(c->hours));
    json_object_set_new(o, "hours_by_force", f);
    json_object_set_new(o, "last_covered_at", pjson_time(c->last_covered_at));
    json_object_set_new(o, "longest_gap_hours", hours((double)c->longest_gap_ms / 3600000.0));
    json_object_set_new(o, "longest_gap_days",
                        json_real(round((double)c->longest_gap_ms / 864000.0) / 100.0));
    json_object_set_new(o, "gap_exceeded", json_boolean(c->gap_exceeded));
    return o;
}

/* ---- decoding ------------------------------------------------------------------ */

static ph_err fail(struct arena *a, const char **field, const char *name)
{
    *field = arena_strdup(a, name);
    return PH_EINVAL;
}

/* A GeoJSON geometry object, kept as its compact text (at: const char **). */
static ph_err get_geometry(json_t *v, struct arena *a, void *at)
{
    char *s;

    if (!json_is_object(v))
        return PH_EINVAL;
    s = json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(15));
    if (s == NULL)
        return PH_EINVAL;
    *(const char **)at = arena_strdup(a, s);
    free(s);
    return PH_OK;
}

/* {"lat": number, "lon": number} (both, nothing else) or null for none; at is
 * the whole struct operation_log_entry. */
static ph_err get_location(json_t *v, struct arena *a, void *at)
{
    struct operation_log_entry *e = at;
    json_t *lat = json_object_get(v, "lat"), *lon = json_object_get(v, "lon");

    if (json_is_null(v)) {
        e->has_location = false;
        e->lat = e->lon = 0;
        return PH_OK;
    }
    if (!json_is_object(v) || json_object_size(v) != 2 || !json_is_number(lat) ||
        !json_is_number(lon))
        return PH_EINVAL;
    e->has_location = true;
    e->lat = json_number_value(lat);
    e->lon = json_number_value(lon);
    return PH_OK;
}

/* clang-format off */
static const struct pjson_member operation_members[] = {
    PJSON_M_TEXT(operation, kind),
    PJSON_M_TEXT(operation, domain),
    PJSON_M_TEXT(operation, title),
    PJSON_M_TEXT_OR_NULL(operation, description),
    PJSON_M_ID_OR_NULL(operation, campaign_id),
    PJSON_M_CUSTOM(operation, geometry, const char *, get_geometry),
    PJSON_M_TIME(operation, planned_start),
    PJSON_M_TIME(operation, planned_end),
    PJSON_M_FIXED_ID_OR_NULL(operation, owner_unit_id),
    PJSON_M_IDS(operation, unit_ids, n_units),
    PJSON_M_ID_OR_NULL(operation, commander_id),
    PJSON_M_IDS(operation, people_ids, n_people),
    PJSON_M_IDS(operation, asset_ids, n_assets),
    PJSON_M_CLEARANCE(operation, classification),
    PJSON_M_ID(operation, version),
    PJSON_M_READ_ONLY("id"),
    PJSON_M_READ_ONLY("geometry_kind"),
    PJSON_M_READ_ONLY("bbox"),
    PJSON_M_READ_ONLY("started_at"),
    PJSON_M_READ_ONLY("ended_at"),
    PJSON_M_READ_ONLY("owner_force"),
    PJSON_M_READ_ONLY("units"),
    PJSON_M_READ_ONLY("area_ids"),
    PJSON_M_READ_ONLY("status"),
    PJSON_M_READ_ONLY("cancel_reason"),
    PJSON_M_READ_ONLY("is_joint"),
    PJSON_M_READ_ONLY("created_by"),
    PJSON_M_READ_ONLY("created_at"),
    PJSON_M_READ_ONLY("updated_at"),
};

static const struct pjson_member log_members[] = {
    PJSON_M_TIME_OR_NULL(operation_log_entry, at),
    {.name = "location", .kind = PJSON_KIND_CUSTOM, .off = 0, .read = get_location},
    PJSON_M_TEXT(operation_log_entry, text),
    PJSON_M_INT(operation_log_entry, people_checked),
    PJSON_M_INT(operation_log_entry, vehicles_checked),
    PJSON_M_INT(operation_log_entry, vessels_checked),
    PJSON_M_INT(operation_log_entry, violations),
    PJSON_M_TEXT_OR_NULL(operation_log_entry, items_seized),
    PJSON_M_READ_ONLY("id"),
    PJSON_M_READ_ONLY("operation_id"),
    PJSON_M_READ_ONLY("person_id"),
    PJSON_M_READ_ONLY("person_name"),
    PJSON_M_READ_ONLY("incident_id"),
    PJSON_M_READ_ONLY("created_at"),
};

static const struct pjson_member asset_members[] = {
    PJSON_M_TEXT(asset, kind),
    PJSON_M_TEXT(asset, code),
    PJSON_M_TEXT(asset, name),
    PJSON_M_ID(asset, unit_id),
    PJSON_M_BOOL(asset, is_active),
    PJSON_M_ID(asset, version),
    PJSON_M_READ_ONLY("id"),
    PJSON_M_READ_ONLY("created_at"),
    PJSON_M_READ_ONLY("updated_at"),
};
/* clang-format on */

ph_err pjson_apply_operation(json_t *obj, struct arena *a, struct operation *inout, bool creating,
                             const char **field)
{
    if (!json_is_object(obj))
        return fail(a, field, "body");
    return pjson_apply_members(obj, a, inout, operation_members, PH_NELEM(operation_members),
                               creating, NULL, field);
}

ph_err pjson_apply_operation_status(json_t *obj, struct arena *a, struct pjson_operation_status *out,
                                    const char **field)
{
    const char *key;
    json_t *v;

    memset(out, 0, sizeof(*out));
    if (!json_is_object(obj))
        return fail(a, field, "body");
    json_object_foreach(obj, key, v)
    {
        ph_err rc = PH_EINVAL;
        if (strcmp(key, "status") == 0)
            rc = pjson_get_text(v, a, false, &out->status);
        else if (strcmp(key, "reason") == 0)
            rc = pjson_get_text(v, a, true, &out->reason);
        else if (strcmp(key, "at") == 0)
            rc = pjson_get_time(v, true, &out->at);
        else if (strcmp(key, "version") == 0)
            rc = pjson_get_id(v, false, &out->version);
        if (rc != PH_OK)
            return fail(a, field, key);
    }
    return PH_OK;
}

ph_err pjson_apply_operation_log(json_t *obj, struct arena *a, struct operation_log_entry *inout,
                                 json_t **incident, const char **field)
{
    json_t *inc;

    *incident = NULL;
    if (!json_is_object(obj))
        return fail(a, field, "body");
    inc = json_object_get(obj, "incident");
    if (inc != NULL && !json_is_null(inc) && !json_is_object(inc))
        return fail(a, field, "incident");
    /* The incident is the caller's: a table without it would call it unknown. */
    {
        json_t *rest = json_copy(obj);
        ph_err rc;
        if (rest == NULL)
            return fail(a, field, "body");
        json_object_del(rest, "incident");
        rc = pjson_apply_members(rest, a, inout, log_members, PH_NELEM(log_members), true, NULL,
                                 field);
        json_decref(rest);
        if (rc != PH_OK)
            return rc;
    }
    if (json_is_object(inc))
        *incident = inc;
    return PH_OK;
}

ph_err pjson_apply_asset(json_t *obj, struct arena *a, struct asset *inout, const char **field)
{
    if (!json_is_object(obj))
        return fail(a, field, "body");
    return pjson_apply_members(obj, a, inout, asset_members, PH_NELEM(asset_members), false, NULL,
                               field);
}
