/* api_areas.c - /api/v1/areas: the administrative areas (docs/API.md). */
#include "util/base.h"
#include "http/crud.h"
#include "http/http_int.h"
#include "http/req.h"
#include "http/resp.h"
#include "http/router.h"
#include "core/area.h"
#include "proto/pjson.h"

static void area_init(void *rec)
{
    struct area *a = rec;
    memset(a, 0, sizeof(*a));
}

static ph_err area_get_rec(struct core_ctx *cx, int64_t id, void *rec)
{
    return area_get(cx, id, rec);
}

static ph_err area_apply(json_t *obj, struct arena *a, void *rec, bool creating, const char **field)
{
    return pjson_apply_area(obj, a, rec, field);
}

static json_t *area_encode(const void *rec)
{
    return pjson_area(rec, true);
}

static json_t *area_encode_brief(const void *rec)
{
    return pjson_area(rec, false);
}

static ph_err area_create_rec(struct core_ctx *cx, void *rec, const char **field)
{
    return area_create(cx, rec, field);
}

static ph_err area_update_rec(struct core_ctx *cx, void *rec, const char **field)
{
    return area_update(cx, rec, field);
}

static const struct crud_resource area_resource = {
    .path = "/api/v1/areas",
    .rec_size = sizeof(struct area),
    .init = area_init,
    .get = area_get_rec,
    .apply = area_apply,
    .encode = area_encode,
    .create = area_create_rec,
    .update = area_update_rec,
    .remove = area_delete,
    .id_at = offsetof(struct area, id),
    .version_at = offsetof(struct area, version),
};

static int list_areas(struct req *r)
{
    struct area_filter f = {0};
    const struct query_param params[] = {
        {"level", QP_TEXT, &f.level},     {"kind", QP_TEXT, &f.kind},
        {"code", QP_TEXT, &f.code},       {"q", QP_TEXT, &f.q},
        {"at", QP_DATE, &f.at},           {"parent_id", QP_ID, &f.parent_id},
        {"geometry", QP_BOOL, &f.with_geometry},
    };
    const char *field = NULL;
    ph_err rc = req_list_query(r, params, PH_NELEM(params), &f.after_id, &f.limit, &field);
    if (rc != PH_OK)
        return resp_error(r, rc, field);
    struct area *items;
    size_t n;
    bool more;
    rc = area_list(&r->cx, &f, &items, &n, &more);
    if (rc != PH_OK)
        return resp_error(r, rc, NULL);
    struct crud_resource res = area_resource;
    if (!f.with_geometry)
        res.encode = area_encode_brief;
    return crud_list_answer(r, &res, items, sizeof(*items), n, more);
}

static int get_area(struct req *r) { return crud_get(r, &area_resource); }
static int create_area(struct req *r) { return crud_create(r, &area_resource); }
static int update_area(struct req *r) { return crud_update(r, &area_resource); }
static int delete_area(struct req *r) { return crud_delete(r, &area_resource); }

const struct route api_area_routes[] = {
    {"GET", "/api/v1/areas", list_areas, ROUTE_USER, false},
    {"POST", "/api/v1/areas", create_area, ROUTE_USER, true},
    {"GET", "/api/v1/areas/:id", get_area, ROUTE_USER, false},
    {"PATCH", "/api/v1/areas/:id", update_area, ROUTE_USER, true},
    {"DELETE", "/api/v1/areas/:id", delete_area, ROUTE_USER, false},
    {NULL, NULL, NULL, 0, false},
};
