/* category.c - incident categories: validation and the services every door
 * calls. Categories are reference data (ITEM_AREA in core/access.h): everyone
 * reads them, only a global administrator writes them. There is no delete:
 * incidents keep referring to a category, so it is deactivated instead. */
#include "util/base.h"
#include <jansson.h>
#include "core/access.h"
#include "core/audit.h"
#include "core/category.h"
#include "core/ctx.h"
#include "core/fields.h"
#include "core/outbox.h"
#include "core/unit.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/limits.h"
#include "util/text.h"

/* ---- validation ------------------------------------------------------------------ */

/* Lower-case ASCII, digits and '_': codes appear in URLs, rules and exports. */
static bool code_valid(const char *s)
{
    size_t n = 0;

    if (s == NULL)
        return false;
    for (; s[n] != '\0'; n++) {
        char c = s[n];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    }
    return n >= 2 && n <= CATEGORY_CODE_MAX;
}

ph_err category_validate(struct core_ctx *cx, struct category *c, const char **field)
{
    const char *f = NULL;
    ph_err rc = PH_EINVAL;

    f = "code";
    if (!fields_trim_valid(cx->arena, &c->code, code_valid))
        goto out;
    f = "name_vi";
    if (fields_clean_text(cx->arena, c->name_vi, TEXT_MAX_NAME_BYTES, true, &c->name_vi) != PH_OK)
        goto out;
    f = "name_en";
    if (fields_clean_text(cx->arena, c->name_en, TEXT_MAX_NAME_BYTES, true, &c->name_en) != PH_OK)
        goto out;
    f = "default_severity";
    if (c->default_severity < 1 || c->default_severity > 4)
        goto out;
    f = "lead_force";
    if (c->lead_force != NULL && !force_is_valid(c->lead_force))
        goto out;
    f = "sort_order";
    if (c->sort_order < 0 || c->sort_order > CATEGORY_SORT_MAX)
        goto out;
    f = NULL;
    rc = PH_OK;
out:
    if (rc == PH_EINVAL && field != NULL)
        *field = f;
    return rc;
}

/* ---- services ---------------------------------------------------------------------- */

static ph_err check_access(struct core_ctx *cx, enum access_action act)
{
    struct access_item item = {.kind = ITEM_AREA}; /* reference data, like areas */

    return access_allows(cx->user, act, &item, NULL) ? PH_OK : PH_EPERM;
}

/* Both names folded into one search key (see 002_categories.sql). */
static const char *search_key(struct core_ctx *cx, const struct category *c)
{
    return arena_printf(cx->arena, "%s %s", text_fold(cx->arena, c->name_vi),
                        text_fold(cx->arena, c->name_en));
}

static json_t *category_summary(const struct category *c)
{
    return json_pack("{s:I, s:o, s:o, s:o, s:i, s:o, s:b, s:i, s:I}", "id", (json_int_t)c->id,
                     "code", fields_jstr(c->code), "name_vi", fields_jstr(c->name_vi), "name_en",
                     fields_jstr(c->name_en), "default_severity", c->default_severity,
                     "lead_force", fields_jstr(c->lead_force), "is_active", c->is_active,
                     "sort_order", c->sort_order, "version", (json_int_t)c->version);
}

ph_err category_create(struct core_ctx *cx, struct category *c, const char **field)
{
    int64_t id = 0;
    ph_err rc;

    rc = check_access(cx, ACCESS_CREATE);
    if (rc != PH_OK)
        goto out;
    rc = category_validate(cx, c, field);
    if (rc != PH_OK)
        goto out;
    c->version = 1;
    c->created_at = c->updated_at = cx->now_ms;
    rc = store_category_insert(cx->st, c, search_key(cx, c), &id);
    if (rc != PH_OK)
        goto out;
    c->id = id;
    rc = audit_record(cx, "category.create", "category", id, category_summary(c));
    if (rc != PH_OK)
        goto out;
    rc = outbox_emit(cx, "category.created", "category", id, category_summary(c));
out:
    return rc;
}

ph_err category_update(struct core_ctx *cx, struct category *c, const char **field)
{
    struct category old;
    json_t *d = NULL;
    ph_err rc;

    rc = store_category_get(cx->st, cx->arena, c->id, &old);
    if (rc != PH_OK)
        goto out;
    rc = check_access(cx, ACCESS_UPDATE);
    if (rc != PH_OK)
        goto out;
    rc = category_validate(cx, c, field);
    if (rc != PH_OK)
        goto out;
    if (!fields_str_eq(c->code, old.code)) {
        rc = PH_EINVAL;
        if (field != NULL)
            *field = "code";
        goto out;
    }
    c->created_at = old.created_at;
    c->updated_at = cx->now_ms;
    rc = store_category_update(cx->st, c, search_key(cx, c));
    if (rc != PH_OK)
        goto out;
    c->version = old.version + 1;

    d = json_object();
    fields_diff_str(d, "name_vi", old.name_vi, c->name_vi);
    fields_diff_str(d, "name_en", old.name_en, c->name_en);
    fields_diff_int(d, "default_severity", old.default_severity, c->default_severity);
    fields_diff_str(d, "lead_force", old.lead_force, c->lead_force);
    fields_diff_bool(d, "is_active", old.is_active, c->is_active);
    fields_diff_int(d, "sort_order", old.sort_order, c->sort_order);
    rc = audit_record(cx, "category.update", "category", c->id, d);
    if (rc != PH_OK)
        goto out;
    rc = outbox_emit(cx, "category.updated", "category", c->id, category_summary(c));
out:
    return rc;
}

ph_err category_get(struct core_ctx *cx, int64_t id, struct category *out)
{
    ph_err rc = check_access(cx, ACCESS_READ);

    if (rc == PH_OK)
        rc = store_category_get(cx->st, cx->arena, id, out);
    return rc;
}

ph_err category_get_by_code(struct core_ctx *cx, const char *code, struct category *out)
{
    ph_err rc = check_access(cx, ACCESS_READ);

    if (rc == PH_OK)
        rc = code_valid(code) ? store_category_get_by_code(cx->st, cx->arena, code, out)
                              : PH_ENOTFOUND;
    return rc;
}

ph_err category_list(struct core_ctx *cx, const struct category_filter *f, struct category **items,
                     size_t *n, bool *has_more)
{
    struct category_filter g = *f;
    ph_err rc = check_access(cx, ACCESS_READ);

    if (rc != PH_OK)
        return rc;
    fields_list_filter(cx->arena, &g.limit, &g.q);
    return store_category_list(cx->st, cx->arena, &g, items, n, has_more);
}
