/* api_rules.c - /api/v1/routing-rules: who leads an incident, who is informed,
 * and the deadlines, as data (core/routing.h, docs/API.md). Every role reads;
 * global administrators write (audited). There is no DELETE: a rule is
 * deactivated with PATCH {"is_active": false} (the router answers 405). */
#include "util/base.h"
#include "http/crud.h"
#include "http/http_int.h"
#include "http/req.h"
#include "http/resp.h"
#include "http/router.h"
#include "core/area_history.h"
#include "core/routing.h"
#include "proto/pjson.h"
#include "util/arena.h"

/* A new rule is active and, unless told otherwise, tried after the seeded
 * specific rules (priorities 10..320) and before the seeded catch-all (1000),
 * which would otherwise match first and leave the new rule unused. */
#define RULE_DEFAULT_PRIORITY 500

static void rule_init(void *rec)
{
    struct routing_rule *r = rec;
    memset(r, 0, sizeof(*r));
    r->is_active = true;
    r->priority = RULE_DEFAULT_PRIORITY;
}

static ph_err rule_get_rec(struct core_ctx *cx, int64_t id, void *rec)
{
    return routing_rule_get(cx, id, rec);
}

static ph_err rule_apply(json_t *obj, struct arena *a, void *rec, bool creating, const char **field)
{
    return pjson_apply_routing_rule(obj, a, rec, field);
}

static json_t *rule_encode(const void *rec)
{
    return pjson_routing_rule(rec);
}

static ph_err rule_create_rec(struct core_ctx *cx, void *rec, const char **field)
{
    return routing_rule_create(cx, rec, field);
}

static ph_err rule_update_rec(struct core_ctx *cx, void *rec, const char **field)
{
    return routing_rule_update(cx, rec, field);
}

static const struct crud_resource rule_resource = {
    .path = "/api/v1/routing-rules",
    .rec_size = sizeof(struct routing_rule),
    .init = rule_init,
    .get = rule_get_rec,
    .apply = rule_apply,
    .encode = rule_encode,
    .create = rule_create_rec,
    .update = rule_update_rec,
    .id_at = offsetof(struct routing_rule, id),
    .version_at = offsetof(struct routing_rule, version),
};

/* ?on_closed_areas=1 (issue 8): only the active rules whose area closed by today
 * (core/area_history.h), in one page: after a reorganisation, what to edit. */
static int list_rules_on_closed_areas(struct req *r)
{
    int64_t *ids = NULL;
    size_t n = 0;
    ph_err rc = routing_rules_on_closed_areas(&r->cx, NULL, &ids, &n);
    struct routing_rule *items = arena_zalloc(&r->arena, (n + 1) * sizeof(*items));
    for (size_t i = 0; i < n && rc == PH_OK; i++)
        rc = routing_rule_get(&r->cx, ids[i], &items[i]);
    if (rc != PH_OK)
        return resp_error(r, rc, NULL);
    return crud_list_answer(r, &rule_resource, items, sizeof(*items), n, false);
}

static int list_rules(struct req *r)
{
    struct routing_rule_filter f = {0};
    bool on_closed_areas = false;
    const struct query_param params[] = {
        {"include_inactive", QP_BOOL, &f.include_inactive},
        {"on_closed_areas", QP_BOOL, &on_closed_areas},
    };
    const char *field = NULL;
    ph_err rc = req_list_query(r, params, PH_NELEM(params), &f.after_id, &f.limit, &field);
    if (rc != PH_OK)
        return resp_error(r, rc, field);
    if (on_closed_areas)
        return list_rules_on_closed_areas(r);
    struct routing_rule *items;
    size_t n;
    bool more;
    rc = routing_rule_list(&r->cx, &f, &items, &n, &more);
    if (rc != PH_OK)
        return resp_error(r, rc, NULL);
    return crud_list_answer(r, &rule_resource, items, sizeof(*items), n, more);
}

static int get_rule(struct req *r) { return crud_get(r, &rule_resource); }
static int create_rule(struct req *r) { return crud_create(r, &rule_resource); }
static int update_rule(struct req *r) { return crud_update(r, &rule_resource); }

const struct route api_rule_routes[] = {
    {"GET", "/api/v1/routing-rules", list_rules, ROUTE_USER, false},
    {"POST", "/api/v1/routing-rules", create_rule, ROUTE_USER, true},
    {"GET", "/api/v1/routing-rules/:id", get_rule, ROUTE_USER, false},
    {"PATCH", "/api/v1/routing-rules/:id", update_rule, ROUTE_USER, true},
    {NULL, NULL, NULL, 0, false},
};
