/* api_categories.c - /api/v1/categories: incident categories (docs/API.md).
 * There is no DELETE: incidents refer to categories, which are deactivated with
 * PATCH {"is_active": false} instead (the router answers 405 with Allow). */
#include "util/base.h"
#include "http/crud.h"
#include "http/http_int.h"
#include "http/req.h"
#include "http/resp.h"
#include "http/router.h"
#include "core/category.h"
#include "proto/pjson.h"

/* A new category is active and offered after MISSION.md's defaults (10..150). */
#define CATEGORY_DEFAULT_SORT 1000

static void category_init(void *rec)
{
    struct category *c = rec;
    memset(c, 0, sizeof(*c));
    c->is_active = true;
    c->sort_order = CATEGORY_DEFAULT_SORT;
}

static ph_err category_get_rec(struct core_ctx *cx, int64_t id, void *rec)
{
    return category_get(cx, id, rec);
}

static ph_err category_apply(json_t *obj, struct arena *a, void *rec, bool creating,
                             const char **field)
{
    return pjson_apply_category(obj, a, rec, field);
}

static json_t *category_encode(const void *rec)
{
    return pjson_category(rec);
}

static ph_err category_create_rec(struct core_ctx *cx, void *rec, const char **field)
{
    return category_create(cx, rec, field);
}

static ph_err category_update_rec(struct core_ctx *cx, void *rec, const char **field)
{
    return category_update(cx, rec, field);
}

static const struct crud_resource category_resource = {
    .path = "/api/v1/categories",
    .rec_size = sizeof(struct category),
    .init = category_init,
    .get = category_get_rec,
    .apply = category_apply,
    .encode = category_encode,
    .create = category_create_rec,
    .update = category_update_rec,
    .id_at = offsetof(struct category, id),
    .version_at = offsetof(struct category, version),
};

static int list_categories(struct req *r)
{
    struct category_filter f = {0};
    const struct query_param params[] = {
        {"include_inactive", QP_BOOL, &f.include_inactive},
        {"q", QP_TEXT, &f.q},
    };
    const char *field = NULL;
    ph_err rc = req_list_query(r, params, PH_NELEM(params), &f.after_id, &f.limit, &field);
    if (rc != PH_OK)
        return resp_error(r, rc, field);
    struct category *items;
    size_t n;
    bool more;
    rc = category_list(&r->cx, &f, &items, &n, &more);
    if (rc != PH_OK)
        return resp_error(r, rc, NULL);
    return crud_list_answer(r, &category_resource, items, sizeof(*items), n, more);
}

static int get_category(struct req *r) { return crud_get(r, &category_resource); }
static int create_category(struct req *r) { return crud_create(r, &category_resource); }
static int update_category(struct req *r) { return crud_update(r, &category_resource); }

const struct route api_category_routes[] = {
    {"GET", "/api/v1/categories", list_categories, ROUTE_USER, false},
    {"POST", "/api/v1/categories", create_category, ROUTE_USER, true},
    {"GET", "/api/v1/categories/:id", get_category, ROUTE_USER, false},
    {"PATCH", "/api/v1/categories/:id", update_category, ROUTE_USER, true},
    {NULL, NULL, NULL, 0, false},
};
