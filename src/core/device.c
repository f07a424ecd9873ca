/* device.c - devices that report positions (core/position.h): a phone, a TAK
 * client, a tracker on a boat, bound to a person and the unit it reports for.
 *
 * Access: a device is an unclassified operational item owned by its unit, so
 * whoever may read that unit's items sees it (and a read it may not make is
 * "not found"). Binding a device (create, update) is for the administrators and
 * duty officers of its unit or a unit above (both the old and the new unit on a
 * move); a report from an unknown uid binds it to its sender instead
 * (position.c, position_device_bind). Each write: validation naming the field,
 * the store, an audit entry ("device.create", "device.update") and an event
 * ("device.created", "device.updated") scoped to the unit. */
#include "util/base.h"
#include <jansson.h>
#include "core/access.h"
#include "core/audit.h"
#include "core/ctx.h"
#include "core/fields.h"
#include "core/outbox.h"
#include "core/person.h"
#include "core/position.h"
#include "core/position_int.h"
#include "core/unit.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/text.h"

static ph_err invalid(const char **field, const char *name)
{
    if (field != NULL)
        *field = name;
    return PH_EINVAL;
}

bool position_kind_valid(const char *kind)
{
    return kind != NULL && (strcmp(kind, "phone") == 0 || strcmp(kind, "tak") == 0 ||
                            strcmp(kind, "tracker") == 0);
}

/* Printable: no control character anywhere (C0, DEL), no space at the ends. */
bool position_uid_valid(const char *uid)
{
    size_t n = uid != NULL ? strlen(uid) : 0;

    if (n == 0 || n > POSITION_UID_MAX_BYTES || !text_is_clean_utf8(uid, n))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)uid[i];
        if (c < 0x20 || c == 0x7f)
            return false;
    }
    return uid[0] != ' ' && uid[n - 1] != ' ';
}

const char *position_search_key(struct arena *a, const char *uid, const char *callsign)
{
    return text_fold(a, callsign != NULL ? arena_printf(a, "%s %s", uid, callsign) : uid);
}

void position_device_item(const struct device *d, const char *force, struct access_item *out)
{
    memset(out, 0, sizeof(*out));
    out->kind = ITEM_OPERATIONAL;
    out->owner_path = d->unit_path;
    out->owner_force = force;
    out->classification = CLEARANCE_UNCLASSIFIED;
}

/* Administrators and duty officers of the unit at path or above it (an
 * administrator without a unit: any). A province's administrator does not bind
 * another force's devices. */
static bool may_bind(const struct core_user *who, const char *path)
{
    if (who->is_system)
        return true;
    if ((who->roles & (ROLE_ADMIN | ROLE_DUTY_OFFICER)) == 0)
        return false;
    if (who->unit_path == NULL)
        return (who->roles & ROLE_ADMIN) != 0;
    return access_path_covers(who->unit_path, path);
}

static json_t *device_json(const struct device *d)
{
    return json_pack("{s:o, s:o, s:o, s:I, s:I, s:I, s:b}", "uid", fields_jstr(d->uid),
                     "callsign", fields_jstr(d->callsign), "kind", fields_jstr(d->kind),
                     "person_id", (json_int_t)d->person_id, "unit_id", (json_int_t)d->unit_id,
                     "asset_id", (json_int_t)d->asset_id, "is_active", d->is_active);
}

static ph_err device_emit(struct core_ctx *cx, const char *topic, const struct device *d)
{
    struct unit u;
    struct access_item item;
    ph_err rc = store_unit_get(cx->st, cx->arena, d->unit_id, &u);

    if (rc != PH_OK)
        return rc;
    position_device_item(d, u.force, &item);
    return outbox_emit_scoped(cx, topic, "device", d->id,
                              json_pack("{s:I, s:o, s:o, s:I, s:I}", "id", (json_int_t)d->id,
                                        "uid", fields_jstr(d->uid), "callsign",
                                        fields_jstr(d->callsign), "person_id",
                                        (json_int_t)d->person_id, "unit_id",
                                        (json_int_t)d->unit_id),
                              &item);
}

/* Check and normalise the members of d (uid only when creating); resolve the
 * unit from the person when bound. *unit gets the device's unit. */
static ph_err device_check(struct core_ctx *cx, struct device *d, bool creating, struct unit *unit,
                           const char **field)
{
    struct person p;
    ph_err rc;

    if (creating) {
        if (d->uid == NULL)
            return invalid(field, "uid");
        d->uid = text_trim(cx->arena, d->uid);
        if (!position_uid_valid(d->uid))
            return invalid(field, "uid");
    }
    if (fields_clean_text(cx->arena, d->callsign, POSITION_CALLSIGN_MAX_BYTES, false,
                          &d->callsign) != PH_OK)
        return invalid(field, "callsign");
    if (d->kind == NULL)
        d->kind = "phone";
    if (!position_kind_valid(d->kind))
        return invalid(field, "kind");
    if (d->person_id < 0)
        return invalid(field, "person_id");
    if (d->person_id > 0) {
        rc = store_person_get(cx->st, cx->arena, d->person_id, &p);
        if (rc == PH_ENOTFOUND || (rc == PH_OK && (p.unit_id == 0 || p.is_disabled)))
            return invalid(field, "person_id");
        if (rc != PH_OK)
            return rc;
        /* A bound device reports for its person's unit. */
        if (d->unit_id != 0 && d->unit_id != p.unit_id)
            return invalid(field, "unit_id");
        d->unit_id = p.unit_id;
    }
    if (d->unit_id <= 0)
        return invalid(field, "unit_id");
    rc = store_unit_get(cx->st, cx->arena, d->unit_id, unit);
    if (rc == PH_ENOTFOUND || (rc == PH_OK && !unit->is_active))
        return invalid(field, "unit_id");
    if (rc != PH_OK)
        return rc;
    if (d->asset_id < 0)
        return invalid(field, "asset_id");
    return PH_OK;
}

ph_err device_create(struct core_ctx *cx, struct device *d, const char **field)
{
    struct unit u;
    struct device other;
    int64_t id = 0;
    ph_err rc = device_check(cx, d, true, &u, field);

    if (rc != PH_OK)
        return rc;
    if (!may_bind(cx->user, u.path))
        return PH_EPERM;
    rc = store_device_get_by_uid(cx->st, cx->arena, d->uid, &other);
    if (rc == PH_OK) {
        if (field != NULL)
            *field = "uid";
        return PH_ECONFLICT;
    }
    if (rc != PH_ENOTFOUND)
        return rc;
    d->created_at = d->updated_at = cx->now_ms;
    d->version = 1;
    rc = store_device_insert(cx->st, d, position_search_key(cx->arena, d->uid, d->callsign), &id);
    if (rc == PH_ECONFLICT)
        return invalid(field, "asset_id"); /* the uid was free: the asset is unknown */
    if (rc == PH_OK)
        rc = audit_record(cx, "device.create", "device", id, device_json(d));
    if (rc == PH_OK)
        rc = store_device_get(cx->st, cx->arena, id, d);
    if (rc == PH_OK)
        rc = device_emit(cx, "device.created", d);
    return rc;
}

ph_err device_update(struct core_ctx *cx, struct device *d, const char **field)
{
    struct device old;
    struct unit u;
    json_t *diff = NULL;
    ph_err rc = store_device_get(cx->st, cx->arena, d->id, &old);

    if (rc != PH_OK)
        goto out;
    if (!position_device_readable(cx->user, &old)) {
        rc = PH_ENOTFOUND;
        goto out;
    }
    if (!may_bind(cx->user, old.unit_path)) {
        rc = PH_EPERM;
        goto out;
    }
    if (d->version != 0 && d->version != old.version) {
        rc = PH_ESTALE;
        goto out;
    }
    d->uid = old.uid; /* a device keeps its uid */
    /* A device moved to another person takes that person's unit. */
    if (d->person_id > 0 && d->person_id != old.person_id && d->unit_id == old.unit_id)
        d->unit_id = 0;
    rc = device_check(cx, d, false, &u, field);
    if (rc != PH_OK)
        goto out;
    if (!may_bind(cx->user, u.path)) {
        rc = PH_EPERM;
        goto out;
    }
    d->updated_at = cx->now_ms;
    d->created_at = old.created_at;
    rc = store_device_update(cx->st, d, position_search_key(cx->arena, d->uid, d->callsign));
    if (rc == PH_ECONFLICT) /* a foreign key: the unit was checked, so the asset */
        rc = invalid(field, "asset_id");
    if (rc != PH_OK)
        goto out;
    diff = json_object();
    fields_diff_str(diff, "callsign", old.callsign, d->callsign);
    fields_diff_str(diff, "kind", old.kind, d->kind);
    fields_diff_int(diff, "person_id", old.person_id, d->person_id);
    fields_diff_int(diff, "unit_id", old.unit_id, d->unit_id);
    fields_diff_int(diff, "asset_id", old.asset_id, d->asset_id);
    fields_diff_bool(diff, "is_active", old.is_active, d->is_active);
    rc = audit_record(cx, "device.update", "device", d->id, diff);
    diff = NULL;
    if (rc == PH_OK)
        rc = store_device_get(cx->st, cx->arena, d->id, d);
    if (rc == PH_OK)
        rc = device_emit(cx, "device.updated", d);
out:
    json_decref(diff);
    return rc;
}

bool position_device_readable(const struct core_user *who, const struct device *d)
{
    struct access_item item;

    position_device_item(d, NULL, &item);
    return access_allows(who, ACCESS_READ, &item, NULL);
}

ph_err device_get(struct core_ctx *cx, int64_t id, struct device *out)
{
    struct device d;
    ph_err rc = store_device_get(cx->st, cx->arena, id, &d);

    if (rc != PH_OK)
        return rc;
    if (!position_device_readable(cx->user, &d))
        return PH_ENOTFOUND;
    *out = d;
    return PH_OK;
}

ph_err device_by_uid(struct core_ctx *cx, const char *uid, struct device *out)
{
    struct device d;
    ph_err rc;

    if (uid == NULL)
        return PH_ENOTFOUND;
    rc = store_device_get_by_uid(cx->st, cx->arena, uid, &d);
    if (rc != PH_OK)
        return rc;
    if (!position_device_readable(cx->user, &d))
        return PH_ENOTFOUND;
    *out = d;
    return PH_OK;
}

bool position_scope(const struct core_user *who, const char **scope_path)
{
    /* As access_allows reads an operational item: the system and an administrator
     * without a unit see all, anyone else with a role what their unit and those
     * below own; a caller with no role at all sees nothing. */
    *scope_path = NULL;
    if (who->is_system)
        return true;
    if ((who->roles & ROLE_ALL) == 0)
        return false;
    if (who->unit_path == NULL)
        return (who->roles & ROLE_ADMIN) != 0;
    *scope_path = who->unit_path;
    return true;
}

ph_err device_list(struct core_ctx *cx, const struct device_filter *f, struct device **items,
                   size_t *n, bool *has_more)
{
    struct device_filter ff = *f;
    const char *scope = NULL, *path = NULL;
    ph_err rc;

    *items = NULL;
    *n = 0;
    *has_more = false;
    fields_list_filter(cx->arena, &ff.limit, &ff.q);
    if (!position_scope(cx->user, &scope))
        return PH_OK;
    if (ff.unit_id > 0) {
        struct unit u;
        rc = store_unit_get(cx->st, cx->arena, ff.unit_id, &u);
        if (rc == PH_ENOTFOUND)
            return PH_OK; /* no such unit: nothing below it */
        if (rc != PH_OK)
            return rc;
        path = u.path;
    }
    return store_device_list(cx->st, cx->arena, &ff, path, scope, items, n, has_more);
}
