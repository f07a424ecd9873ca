/* asset.c - vehicles and vessels (phương tiện) of the units (core/operation.h),
 * so that one boat or car is not sent on two operations at once. Assets are
 * directory data like units: everyone reads them; a unit's administrators, duty
 * officers and commanders (or those of a unit above it) write them. Codes (plate
 * or hull numbers) are unique per kind. */
#include "util/base.h"
#include <jansson.h>
#include "core/access.h"
#include "core/audit.h"
#include "core/ctx.h"
#include "core/fields.h"
#include "core/operation.h"
#include "core/outbox.h"
#include "core/unit.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/limits.h"
#include "util/text.h"

#define ASSET_WRITERS (ROLE_ADMIN | ROLE_DUTY_OFFICER | ROLE_COMMANDER)

static ph_err invalid(const char **field, const char *name)
{
    if (field != NULL)
        *field = name;
    return PH_EINVAL;
}

/* May who write the assets of the unit at path? */
static bool may_write(const struct core_user *who, const char *path)
{
    if (who->is_system || access_is_global_admin(who))
        return true;
    if ((who->roles & ASSET_WRITERS) == 0)
        return false;
    return access_path_covers(who->unit_path, path);
}

static ph_err asset_validate(struct core_ctx *cx, struct asset *a, const char **field)
{
    if (a->kind == NULL || (strcmp(a->kind, "vehicle") != 0 && strcmp(a->kind, "vessel") != 0))
        return invalid(field, "kind");
    if (fields_clean_text(cx->arena, a->code, TEXT_MAX_SHORT_BYTES, true, &a->code) != PH_OK)
        return invalid(field, "code");
    if (fields_clean_text(cx->arena, a->name, TEXT_MAX_NAME_BYTES, true, &a->name) != PH_OK)
        return invalid(field, "name");
    return PH_OK;
}

static json_t *asset_json(const struct asset *a)
{
    return json_pack("{s:I, s:o, s:o, s:o, s:I, s:b}", "id", (json_int_t)a->id, "kind",
                     fields_jstr(a->kind), "code", fields_jstr(a->code), "name",
                     fields_jstr(a->name), "unit_id", (json_int_t)a->unit_id, "is_active",
                     a->is_active);
}

ph_err asset_create(struct core_ctx *cx, struct asset *a, const char **field)
{
    struct unit u;
    int64_t id = 0;
    ph_err rc;

    if (a->unit_id == 0)
        a->unit_id = cx->user->unit_id;
    rc = unit_get_active(cx, a->unit_id, &u);
    if (rc != PH_OK)
        return rc == PH_EINVAL ? invalid(field, "unit_id") : rc;
    if (!may_write(cx->user, u.path))
        return PH_EPERM;
    rc = asset_validate(cx, a, field);
    if (rc != PH_OK)
        return rc;
    a->version = 1;
    a->created_at = a->updated_at = cx->now_ms;
    rc = store_asset_insert(cx->st, a, text_fold(cx->arena, a->name), &id);
    if (rc == PH_ECONFLICT)
        (void)invalid(field, "code");
    if (rc == PH_OK)
        rc = store_asset_get(cx->st, cx->arena, id, a);
    if (rc == PH_OK)
        rc = audit_record(cx, "asset.create", "asset", id, asset_json(a));
    if (rc == PH_OK)
        rc = outbox_emit(cx, "asset.created", "asset", id, asset_json(a));
    return rc;
}

ph_err asset_update(struct core_ctx *cx, struct asset *a, const char **field)
{
    struct asset old;
    struct unit u;
    json_t *d;
    ph_err rc;

    rc = store_asset_get(cx->st, cx->arena, a->id, &old);
    if (rc != PH_OK)
        return rc;
    if (!may_write(cx->user, old.unit_path))
        return PH_EPERM;
    if (a->version != 0 && a->version != old.version)
        return PH_ESTALE;
    if (a->unit_id != old.unit_id) {
        rc = unit_get_active(cx, a->unit_id, &u);
        if (rc != PH_OK)
            return rc == PH_EINVAL ? invalid(field, "unit_id") : rc;
        if (!may_write(cx->user, u.path))
            return PH_EPERM;
    }
    rc = asset_validate(cx, a, field);
    if (rc != PH_OK)
        return rc;
    a->version = old.version;
    a->created_at = old.created_at;
    a->updated_at = cx->now_ms;
    rc = store_asset_update(cx->st, a, text_fold(cx->arena, a->name));
    if (rc == PH_ECONFLICT)
        (void)invalid(field, "code");
    if (rc != PH_OK)
        return rc;
    d = json_object();
    fields_diff_str(d, "kind", old.kind, a->kind);
    fields_diff_str(d, "code", old.code, a->code);
    fields_diff_str(d, "name", old.name, a->name);
    fields_diff_int(d, "unit_id", old.unit_id, a->unit_id);
    fields_diff_bool(d, "is_active", old.is_active, a->is_active);
    rc = audit_record(cx, "asset.update", "asset", a->id, d);
    if (rc == PH_OK)
        rc = store_asset_get(cx->st, cx->arena, a->id, a);
    if (rc == PH_OK)
        rc = outbox_emit(cx, "asset.updated", "asset", a->id, asset_json(a));
    return rc;
}

ph_err asset_get(struct core_ctx *cx, int64_t id, struct asset *out)
{
    if (id <= 0)
        return PH_ENOTFOUND;
    return store_asset_get(cx->st, cx->arena, id, out);
}

ph_err asset_list(struct core_ctx *cx, const struct asset_filter *f, struct asset **items, size_t *n,
                  bool *has_more)
{
    struct asset_filter g = *f;

    fields_list_filter(cx->arena, &g.limit, &g.q);
    return store_asset_list(cx->st, cx->arena, &g, items, n, has_more);
}
