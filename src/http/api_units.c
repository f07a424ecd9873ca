/* api_units.c - /api/v1/units: the units of the three forces (docs/API.md). */
#include "util/base.h"
#include "http/crud.h"
#include "http/http_int.h"
#include "http/req.h"
#include "http/resp.h"
#include "http/router.h"
#include "core/unit.h"
#include "proto/pjson.h"

static void unit_init(void *rec)
{
    struct unit *u = rec;
    memset(u, 0, sizeof(*u));
    u->is_active = true;
}

static ph_err unit_get_rec(struct core_ctx *cx, int64_t id, void *rec)
{
    return unit_get(cx, id, rec);
}

static ph_err unit_apply(json_t *obj, struct arena *a, void *rec, bool creating, const char **field)
{
    return pjson_apply_unit(obj, a, rec, field);
}

static json_t *unit_encode(const void *rec)
{
    return pjson_unit(rec);
}

static ph_err unit_create_rec(struct core_ctx *cx, void *rec, const char **field)
{
    return unit_create(cx, rec, field);
}

static ph_err unit_update_rec(struct core_ctx *cx, void *rec, const char **field)
{
    return unit_update(cx, rec, field);
}

static const struct crud_resource unit_resource = {
    .path = "/api/v1/units",
    .rec_size = sizeof(struct unit),
    .init = unit_init,
    .get = unit_get_rec,
    .apply = unit_apply,
    .encode = unit_encode,
    .create = unit_create_rec,
    .update = unit_update_rec,
    .remove = unit_delete,
    .id_at = offsetof(struct unit, id),
    .version_at = offsetof(struct unit, version),
    /* a unit's path moves with its parent: cached users carry paths */
    .changes_sessions = true,
};

static int list_units(struct req *r)
{
    struct unit_filter f = {0};
    const struct query_param params[] = {
        {"force", QP_TEXT, &f.force},         {"level", QP_TEXT, &f.level},
        {"q", QP_TEXT, &f.q},                 {"parent_id", QP_ID, &f.parent_id},
        {"area_id", QP_ID, &f.area_id},       {"within", QP_ID, &f.within_id},
        {"include_inactive", QP_BOOL, &f.include_inactive},
    };
    const char *field = NULL;
    ph_err rc = req_list_query(r, params, PH_NELEM(params), &f.after_id, &f.limit, &field);
    if (rc != PH_OK)
        return resp_error(r, rc, field);
    struct unit *items;
    size_t n;
    bool more;
    rc = unit_list(&r->cx, &f, &items, &n, &more);
    if (rc != PH_OK)
        return resp_error(r, rc, NULL);
    return crud_list_answer(r, &unit_resource, items, sizeof(*items), n, more);
}

static int get_unit(struct req *r) { return crud_get(r, &unit_resource); }
static int create_unit(struct req *r) { return crud_create(r, &unit_resource); }
static int update_unit(struct req *r) { return crud_update(r, &unit_resource); }
static int delete_unit(struct req *r) { return crud_delete(r, &unit_resource); }

const struct route api_unit_routes[] = {
    {"GET", "/api/v1/units", list_units, ROUTE_USER, false},
    {"POST", "/api/v1/units", create_unit, ROUTE_USER, true},
    {"GET", "/api/v1/units/:id", get_unit, ROUTE_USER, false},
    {"PATCH", "/api/v1/units/:id", update_unit, ROUTE_USER, true},
    {"DELETE", "/api/v1/units/:id", delete_unit, ROUTE_USER, false},
    {NULL, NULL, NULL, 0, false},
};
