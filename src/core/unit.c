/* unit.c - units (đơn vị): one tree per force, with areas of responsibility.
 *
 * The store keeps each unit's materialised path ("/1/5/23/"), and access decisions
 * compare paths, so the rules that keep the trees sound live here: a child has its
 * parent's force and a lower level, a unit never moves below itself, and a unit's
 * force changes only while it stands alone in its tree. */
#include "util/base.h"
#include <jansson.h>
#include "core/access.h"
#include "core/audit.h"
#include "core/ctx.h"
#include "core/fields.h"
#include "core/outbox.h"
#include "core/unit.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/limits.h"
#include "util/text.h"

#define UNIT_CODE_MAX 32
/* A province unit may answer for every commune of the province: a few hundred. */
#define UNIT_MAX_AREAS 1024

static const char *const forces[] = {"police", "military", "border_guard"};
static const char *const levels[] = {"province", "district", "commune"};

bool force_is_valid(const char *name)
{
    if (name == NULL)
        return false;
    for (size_t i = 0; i < PH_NELEM(forces); i++)
        if (strcmp(name, forces[i]) == 0)
            return true;
    return false;
}

int level_rank(const char *level)
{
    if (level == NULL)
        return -1;
    for (size_t i = 0; i < PH_NELEM(levels); i++)
        if (strcmp(level, levels[i]) == 0)
            return (int)i;
    return -1;
}

bool level_is_valid(const char *level)
{
    return level_rank(level) >= 0;
}

/* ---- helpers ------------------------------------------------------------------------ */

static bool code_valid(const char *s)
{
    size_t n = 0;

    if (s == NULL || s[0] == '\0')
        return false;
    for (; s[n] != '\0'; n++) {
        char c = s[n];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              c == '_' || c == '.' || c == '-'))
            return false;
    }
    return n <= UNIT_CODE_MAX;
}

/* True when path lies at or below ancestor (both materialised paths). */
static bool path_within(const char *ancestor, const char *path)
{
    size_t n;

    if (ancestor == NULL || path == NULL)
        return false;
    n = strlen(ancestor);
    return strncmp(ancestor, path, n) == 0;
}

static bool ids_equal(const int64_t *x, size_t nx, const int64_t *y, size_t ny)
{
    if (nx != ny)
        return false;
    for (size_t i = 0; i < nx; i++) {
        bool found = false;
        for (size_t j = 0; j < ny && !found; j++)
            found = x[i] == y[j];
        if (!found)
            return false;
    }
    return true;
}

static json_t *unit_summary(const struct unit *u)
{
    return json_pack("{s:I, s:o, s:o, s:o, s:I, s:o, s:o, s:o, s:b, s:o, s:I}", "id",
                     (json_int_t)u->id, "code", fields_jstr(u->code), "name", fields_jstr(u->name),
                     "force", fields_jstr(u->force), "parent_id", (json_int_t)u->parent_id, "level",
                     fields_jstr(u->level), "path", fields_jstr(u->path), "phone",
                     fields_jstr(u->phone), "is_active", u->is_active, "area_ids",
                     fields_ids_json(u->area_ids, u->n_areas), "version", (json_int_t)u->version);
}

/* Does the caller administer (act) within path, of force? NULL path: the top level,
 * which only a global administrator may touch. */
static ph_err check_access(struct core_ctx *cx, enum access_action act, const char *path,
                           const char *force)
{
    struct access_item item = {.kind = ITEM_UNIT, .owner_path = path, .owner_force = force};

    if (path == NULL && act != ACCESS_READ && !access_is_global_admin(cx->user))
        return PH_EPERM;
    return access_allows(cx->user, act, &item, NULL) ? PH_OK : PH_EPERM;
}

/* The children of id, one page of up to limit after after_id. */
static ph_err list_children(struct core_ctx *cx, int64_t id, int64_t after_id, int limit,
                            struct unit **items, size_t *n, bool *more)
{
    struct unit_filter f = {.parent_id = id, .include_inactive = true, .after_id = after_id,
                            .limit = limit};

    return store_unit_list(cx->st, cx->arena, &f, items, n, more);
}

/* ---- validation ---------------------------------------------------------------------- */

ph_err unit_validate(struct core_ctx *cx, struct unit *u, const char **field)
{
    const char *f = NULL;
    ph_err rc = PH_EINVAL;

    f = "code";
    if (!fields_trim_valid(cx->arena, &u->code, code_valid))
        goto out;
    f = "name";
    if (fields_clean_text(cx->arena, u->name, TEXT_MAX_NAME_BYTES, true, &u->name) != PH_OK)
        goto out;
    f = "force";
    if (!force_is_valid(u->force))
        goto out;
    f = "level";
    if (!level_is_valid(u->level))
        goto out;
    f = "phone";
    if (fields_clean_text(cx->arena, u->phone, TEXT_MAX_SHORT_BYTES, false, &u->phone) != PH_OK)
        goto out;

    f = "parent_id";
    if (u->parent_id < 0 || (u->id != 0 && u->parent_id == u->id))
        goto out;
    if (u->parent_id > 0) {
        struct unit parent;
        rc = store_unit_get(cx->st, cx->arena, u->parent_id, &parent);
        if (rc == PH_ENOTFOUND)
            rc = PH_EINVAL;
        if (rc != PH_OK)
            goto out;
        rc = PH_EINVAL;
        if (!fields_str_eq(parent.force, u->force) || level_rank(parent.level) < 0 ||
            level_rank(parent.level) >= level_rank(u->level))
            goto out;
    }

    f = "area_ids";
    if (u->n_areas > UNIT_MAX_AREAS || (u->n_areas > 0 && u->area_ids == NULL))
        goto out;
    for (size_t i = 0; i < u->n_areas; i++) {
        struct area ar;
        if (u->area_ids[i] <= 0)
            goto out;
        for (size_t j = 0; j < i; j++)
            if (u->area_ids[j] == u->area_ids[i])
                goto out;
        rc = store_area_get(cx->st, cx->arena, u->area_ids[i], &ar);
        if (rc == PH_ENOTFOUND)
            rc = PH_EINVAL;
        if (rc != PH_OK)
            goto out;
        rc = PH_EINVAL;
    }
    f = NULL;
    rc = PH_OK;
out:
    if (rc == PH_EINVAL && field != NULL)
        *field = f;
    return rc;
}

/* ---- services -------------------------------------------------------------------------- */

/* The search key covers name and code so that q finds either. */
static char *search_key(struct core_ctx *cx, const struct unit *u)
{
    return text_fold(cx->arena, arena_printf(cx->arena, "%s %s", u->name, u->code));
}

ph_err unit_create(struct core_ctx *cx, struct unit *u, const char **field)
{
    struct unit parent, fresh;
    const char *parent_path = NULL;
    int64_t id = 0;
    ph_err rc;

    if (u->parent_id > 0) {
        rc = store_unit_get(cx->st, cx->arena, u->parent_id, &parent);
        if (rc != PH_OK) {
            if (rc == PH_ENOTFOUND) {
                rc = PH_EINVAL;
                if (field != NULL)
                    *field = "parent_id";
            }
            goto out;
        }
        parent_path = parent.path;
    }
    rc = check_access(cx, ACCESS_CREATE, parent_path, u->force);
    if (rc != PH_OK)
        goto out;
    u->id = 0;
    rc = unit_validate(cx, u, field);
    if (rc != PH_OK)
        goto out;
    u->version = 1;
    u->created_at = u->updated_at = cx->now_ms;
    rc = store_unit_insert(cx->st, u, search_key(cx, u), &id);
    if (rc != PH_OK)
        goto out;
    /* The store computed the path; read the row back so the caller sees it. */
    rc = store_unit_get(cx->st, cx->arena, id, &fresh);
    if (rc != PH_OK)
        goto out;
    *u = fresh;
    rc = audit_record(cx, "unit.create", "unit", id, unit_summary(u));
    if (rc != PH_OK)
        goto out;
    rc = outbox_emit(cx, "unit.created", "unit", id, unit_summary(u));
out:
    return rc;
}

/* PH_EINVAL when a child of id is not of a lower level than rank. */
static ph_err check_children_below(struct core_ctx *cx, int64_t id, int rank)
{
    int64_t after = 0;
    bool more = true;

    while (more) {
        struct unit *items = NULL;
        size_t n = 0;
        ph_err rc = list_children(cx, id, after, LIST_MAX_LIMIT, &items, &n, &more);
        if (rc != PH_OK)
            return rc;
        for (size_t i = 0; i < n; i++) {
            if (level_rank(items[i].level) <= rank)
                return PH_EINVAL;
            after = items[i].id;
        }
        if (n == 0)
            break;
    }
    return PH_OK;
}

ph_err unit_update(struct core_ctx *cx, struct unit *u, const char **field)
{
    struct unit old, parent, fresh;
    const char *f = NULL;
    json_t *d = NULL;
    ph_err rc;

    rc = store_unit_get(cx->st, cx->arena, u->id, &old);
    if (rc != PH_OK)
        goto out;
    rc = check_access(cx, ACCESS_UPDATE, old.path, old.force);
    if (rc != PH_OK)
        goto out;

    if (u->parent_id != old.parent_id) {
        /* Moving a unit also puts it under its new parent: the caller must
         * administer that place too. */
        const char *new_path = NULL;
        if (u->parent_id > 0) {
            rc = store_unit_get(cx->st, cx->arena, u->parent_id, &parent);
            if (rc != PH_OK) {
                if (rc == PH_ENOTFOUND) {
                    rc = PH_EINVAL;
                    f = "parent_id";
                }
                goto out;
            }
            new_path = parent.path;
            if (path_within(old.path, parent.path)) {
                rc = PH_EINVAL;
                f = "parent_id";
                goto out;
            }
        }
        rc = check_access(cx, ACCESS_CREATE, new_path, u->force);
        if (rc != PH_OK)
            goto out;
    }

    if (!fields_str_eq(u->force, old.force)) {
        struct unit *kids = NULL;
        size_t n = 0;
        bool more = false;
        rc = list_children(cx, u->id, 0, 1, &kids, &n, &more);
        if (rc != PH_OK)
            goto out;
        rc = PH_EINVAL;
        f = "force";
        if (n > 0)
            goto out;
        if (u->parent_id == old.parent_id && u->parent_id > 0) {
            rc = store_unit_get(cx->st, cx->arena, u->parent_id, &parent);
            if (rc != PH_OK)
                goto out;
            rc = PH_EINVAL;
            if (!fields_str_eq(parent.force, u->force))
                goto out;
        }
        f = NULL;
    }

    rc = unit_validate(cx, u, field);
    if (rc != PH_OK)
        goto out;
    if (!fields_str_eq(u->level, old.level)) {
        rc = check_children_below(cx, u->id, level_rank(u->level));
        if (rc != PH_OK) {
            if (rc == PH_EINVAL)
                f = "level";
            goto out;
        }
    }
    u->created_at = old.created_at;
    u->updated_at = cx->now_ms;
    rc = store_unit_update(cx->st, u, search_key(cx, u));
    if (rc != PH_OK)
        goto out;
    rc = store_unit_get(cx->st, cx->arena, u->id, &fresh);
    if (rc != PH_OK)
        goto out;
    *u = fresh;

    d = json_object();
    fields_diff_str(d, "code", old.code, u->code);
    fields_diff_str(d, "name", old.name, u->name);
    fields_diff_str(d, "force", old.force, u->force);
    fields_diff_str(d, "level", old.level, u->level);
    fields_diff_str(d, "phone", old.phone, u->phone);
    fields_diff_str(d, "path", old.path, u->path);
    fields_diff_int(d, "parent_id", old.parent_id, u->parent_id);
    fields_diff_bool(d, "is_active", old.is_active, u->is_active);
    if (!ids_equal(old.area_ids, old.n_areas, u->area_ids, u->n_areas))
        fields_diff_set(d, "area_ids", fields_ids_json(old.area_ids, old.n_areas),
                        fields_ids_json(u->area_ids, u->n_areas));
    rc = audit_record(cx, "unit.update", "unit", u->id, d);
    if (rc != PH_OK)
        goto out;
    rc = outbox_emit(cx, "unit.updated", "unit", u->id, unit_summary(u));
out:
    if (rc == PH_EINVAL && f != NULL && field != NULL)
        *field = f;
    return rc;
}

ph_err unit_delete(struct core_ctx *cx, int64_t id)
{
    struct unit old;
    ph_err rc;

    rc = store_unit_get(cx->st, cx->arena, id, &old);
    if (rc != PH_OK)
        goto out;
    rc = check_access(cx, ACCESS_DELETE, old.path, old.force);
    if (rc != PH_OK)
        goto out;
    rc = store_unit_delete(cx->st, id);
    if (rc != PH_OK)
        goto out;
    rc = audit_record(cx, "unit.delete", "unit", id,
                      json_pack("{s:o, s:o, s:o, s:o}", "code", fields_jstr(old.code), "name",
                                fields_jstr(old.name), "force", fields_jstr(old.force), "path",
                                fields_jstr(old.path)));
    if (rc != PH_OK)
        goto out;
    rc =
        outbox_emit(cx, "unit.deleted", "unit", id,
                    json_pack("{s:I, s:o}", "id", (json_int_t)id, "force", fields_jstr(old.force)));
out:
    return rc;
}

ph_err unit_get(struct core_ctx *cx, int64_t id, struct unit *out)
{
    struct unit u;
    ph_err rc = store_unit_get(cx->st, cx->arena, id, &u);

    if (rc == PH_OK)
        rc = check_access(cx, ACCESS_READ, u.path, u.force);
    if (rc == PH_OK)
        *out = u;
    return rc;
}

ph_err unit_get_active(struct core_ctx *cx, int64_t id, struct unit *out)
{
    ph_err rc;

    if (id <= 0)
        return PH_EINVAL;
    rc = store_unit_get(cx->st, cx->arena, id, out);
    if (rc == PH_ENOTFOUND || (rc == PH_OK && !out->is_active))
        return PH_EINVAL;
    return rc;
}

ph_err unit_list(struct core_ctx *cx, const struct unit_filter *f, struct unit **items, size_t *n,
                 bool *has_more)
{
    struct unit_filter g = *f;
    /* The directory is readable by every role: ask about the caller's own unit,
     * which access grants whenever it grants reading the directory at all. */
    ph_err rc = check_access(cx, ACCESS_READ, cx->user->unit_path, cx->user->force);

    if (rc != PH_OK)
        return rc;
    fields_list_filter(cx->arena, &g.limit, &g.q);
    return store_unit_list(cx->st, cx->arena, &g, items, n, has_more);
}
