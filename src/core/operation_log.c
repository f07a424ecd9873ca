/* operation_log.c - the results log of an operation (core/operation.h): what a
 * patrol, control or checkpoint found, when and where (people, vehicles and
 * vessels checked, violations, items seized), each entry able to become an
 * incident in the same call and transaction, linked both ways (the entry names
 * the incident; the incident names the entry through operation_log's unique
 * index on incident_id).
 *
 * Who writes: anyone assigned to the operation (a patrol member at a terminal
 * or on a TAK device) who may read it, or anyone who may update it. Entries are
 * taken only while the operation is active: before, nothing was found; after,
 * the record is closed. */
#include "util/base.h"
#include <jansson.h>
#include "core/access.h"
#include "core/audit.h"
#include "core/ctx.h"
#include "core/fields.h"
#include "core/geo.h"
#include "core/incident.h"
#include "core/operation.h"
#include "core/operation_int.h"
#include "store/store.h"
#include "util/arena.h"

static ph_err invalid(const char **field, const char *name)
{
    if (field != NULL)
        *field = name;
    return PH_EINVAL;
}

static bool is_assigned(const struct operation *o, int64_t person_id)
{
    for (size_t i = 0; person_id != 0 && i < o->n_people; i++)
        if (o->people_ids[i] == person_id)
            return true;
    return false;
}

static bool count_ok(int v)
{
    return v >= 0 && v <= OPERATION_COUNT_MAX;
}

/* Check the members of e against operation o and the clock, in place (NFC). */
static ph_err entry_validate(struct core_ctx *cx, const struct operation *o,
                             struct operation_log_entry *e, const char **field)
{
    if (e->at == 0)
        e->at = cx->now_ms;
    if (e->at < o->started_at || e->at > cx->now_ms + INCIDENT_FUTURE_SKEW_MS)
        return invalid(field, "at");
    if (e->at > cx->now_ms)
        e->at = cx->now_ms; /* a device's clock a little ahead: never recorded in the future */
    if (e->has_location && !geo_point_valid(e->lat, e->lon))
        return invalid(field, "location");
    if (fields_clean_text(cx->arena, e->text, OPERATION_TEXT_MAX_BYTES, true, &e->text) != PH_OK)
        return invalid(field, "text");
    if (!count_ok(e->people_checked))
        return invalid(field, "people_checked");
    if (!count_ok(e->vehicles_checked))
        return invalid(field, "vehicles_checked");
    if (!count_ok(e->vessels_checked))
        return invalid(field, "vessels_checked");
    if (!count_ok(e->violations))
        return invalid(field, "violations");
    if (fields_clean_text(cx->arena, e->items_seized, OPERATION_TEXT_MAX_BYTES, false,
                          &e->items_seized) != PH_OK)
        return invalid(field, "items_seized");
    return PH_OK;
}

ph_err operation_log_add(struct core_ctx *cx, int64_t operation_id, struct operation_log_entry *e,
                         struct incident *inc, const char **field)
{
    struct access_item item;
    struct operation o;
    int64_t id = 0;
    json_t *d;
    ph_err rc;

    rc = operation_load(cx, operation_id, ACCESS_READ, &o);
    if (rc != PH_OK)
        return rc;
    operation_access_item(&o, &item);
    if (!cx->user->is_system && !is_assigned(&o, cx->user->person_id) &&
        !access_allows(cx->user, ACCESS_UPDATE, &item, NULL))
        return PH_EPERM;
    if (strcmp(o.status, OPERATION_ACTIVE) != 0) {
        (void)invalid(field, "status");
        return PH_ECONFLICT;
    }
    rc = entry_validate(cx, &o, e, field);
    if (rc != PH_OK)
        return rc;
    e->operation_id = operation_id;
    e->person_id = cx->user->person_id;
    e->incident_id = 0;
    e->created_at = cx->now_ms;
    if (inc != NULL) {
        const char *f = NULL;
        bool replayed = false;
        if (!inc->has_location && e->has_location) {
            inc->has_location = true;
            inc->lat = e->lat;
            inc->lon = e->lon;
        }
        if (inc->occurred_at == 0)
            inc->occurred_at = e->at;
        rc = incident_create(cx, inc, NULL, &replayed, &f);
        if (rc != PH_OK) {
            /* The incident's members are named inside it: "incident.title". */
            if (field != NULL && f != NULL)
                *field = arena_printf(cx->arena, "incident.%s", f);
            return rc;
        }
        e->incident_id = inc->id;
    }
    rc = store_operation_log_insert(cx->st, e, &id);
    if (rc != PH_OK)
        return rc;
    d = json_pack("{s:I, s:I, s:I, s:i, s:i, s:i, s:i, s:o}", "operation_id",
                  (json_int_t)operation_id, "entry_id", (json_int_t)id, "at", (json_int_t)e->at,
                  "people_checked", e->people_checked, "vehicles_checked", e->vehicles_checked,
                  "vessels_checked", e->vessels_checked, "violations", e->violations,
                  "incident_id",
                  e->incident_id != 0 ? json_integer((json_int_t)e->incident_id) : json_null());
    rc = audit_record(cx, "operation.log", "operation", operation_id, d);
    if (rc == PH_OK)
        rc = store_operation_log_get(cx->st, cx->arena, id, e);
    if (rc == PH_OK) {
        json_t *extra = json_pack("{s:I, s:I}", "operation_id", (json_int_t)operation_id,
                                  "entry_id", (json_int_t)id);
        if (extra != NULL && e->incident_id != 0)
            json_object_set_new(extra, "incident_id", json_integer((json_int_t)e->incident_id));
        rc = operation_emit(cx, "operation.logged", &o, extra);
    }
    return rc;
}

ph_err operation_log_list(struct core_ctx *cx, int64_t operation_id, int64_t after_id, int limit,
                          struct operation_log_entry **items, size_t *n, bool *has_more)
{
    struct operation o;
    ph_err rc = operation_load(cx, operation_id, ACCESS_READ, &o);

    if (rc != PH_OK)
        return rc;
    return store_operation_log_list(cx->st, cx->arena, operation_id, after_id, limit, items, n,
                                    has_more);
}
