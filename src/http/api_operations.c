/* api_operations.c - /api/v1/operations, /api/v1/assets and
 * /api/v1/stats/coverage (docs/API.md, "Operations"): joint patrols, control and
 * checkpoints with their workflow and results log, the vehicles and vessels
 * they use, and which areas went without any.
 *
 * Reads run on the loop's connection; writes go to the writer (http/async.h)
 * and answer after commit with what is stored. Plans and their changes have
 * their own jobs (not crud.c's) because a conflict answers 409 naming the other
 * operation: "conflict_operation_id" in the error, and its title in the message
 * when the caller may see it. Assets are crud.c's. Record access is core's: what
 * the caller may not see is 404, what the caller may not do is 403. The track
 * of an operation (/operations/{id}/track) is api_positions.c's. */
#include "util/base.h"
#include "http/async.h"
#include "http/crud.h"
#include "http/http_int.h"
#include "http/req.h"
#include "http/resp.h"
#include "http/router.h"
#include "core/access.h"
#include "core/category.h"
#include "core/incident.h"
#include "core/operation.h"
#include "core/unit.h"
#include "proto/pjson.h"
#include "proto/pjson_operation.h"
#include "util/arena.h"
#include "util/log.h"
#include "util/time.h"

#define OPERATIONS_PATH "/api/v1/operations"
#define ASSETS_PATH "/api/v1/assets"

/* ---- answers ------------------------------------------------------------------- */

static void set_etag(struct req *r, int64_t version)
{
    char tag[32];
    snprintf(tag, sizeof(tag), "\"%lld\"", (long long)version);
    resp_header(r, "etag", tag);
}

static int answer_operation(struct req *r, const struct operation *o, int status)
{
    set_etag(r, o->version);
    if (status == 201) {
        char loc[64];
        snprintf(loc, sizeof(loc), OPERATIONS_PATH "/%lld", (long long)o->id);
        resp_header(r, "location", loc);
    }
    return resp_json(r, status, pjson_operation(o, true));
}

/* 409: person or asset (field) already on operation other at that time. The
 * other operation (its id and title) is named only to a caller who may see it;
 * anyone else learns that the person or asset is busy, not what with, so that a
 * conflict does not reveal a classified operation or another force's plan. */
static int answer_conflict(struct req *r, const char *field, int64_t other)
{
    struct operation o;
    bool assets = field != NULL && strcmp(field, "asset_ids") == 0;
    const char *name = assets ? "asset_ids" : "people_ids";
    const char *who_en = assets ? "a vehicle or vessel is" : "a person is";
    const char *who_vi = assets ? "phương tiện đã được dùng cho" : "cán bộ đã được phân công cho";

    if (operation_get(&r->cx, other, &o) != PH_OK)
        return resp_error_extra(
            r, PH_ECONFLICT, name,
            arena_printf(&r->arena, "%s: %s already on another operation at an overlapping time", name, who_en),
            arena_printf(&r->arena, "%s: %s một hoạt động khác trùng thời gian", name, who_vi), NULL);
    const char *en = arena_printf(&r->arena, "%s: %s already on operation %lld (\"%s\") at an overlapping time",
                                  name, who_en, (long long)other, o.title);
    const char *vi = arena_printf(&r->arena, "%s: %s hoạt động số %lld («%s») trùng thời gian", name, who_vi,
                                  (long long)other, o.title);
    return resp_error_extra(r, PH_ECONFLICT, name, en, vi,
                            json_pack("{s:I}", "conflict_operation_id", (json_int_t)other));
}

/* ---- GET /api/v1/operations ------------------------------------------------------ */

static bool one_of(const char *s, const char *const *names, size_t n)
{
    for (size_t i = 0; s != NULL && i < n; i++)
        if (strcmp(s, names[i]) == 0)
            return true;
    return false;
}

static const char *const kinds[] = {OPERATION_PATROL, OPERATION_CONTROL, OPERATION_CHECKPOINT};
static const char *const statuses[] = {OPERATION_PLANNED, OPERATION_ACTIVE, OPERATION_COMPLETED,
                                       OPERATION_CANCELLED};
static const char *const domains[] = {"land", "river", "sea"};

static int list_operations(struct req *r)
{
    struct operation_filter f = {0};
    bool with_geometry = false;
    const struct query_param params[] = {
        {"kind", QP_TEXT, &f.kind},           {"status", QP_TEXT, &f.status},
        {"domain", QP_TEXT, &f.domain},       {"unit_id", QP_ID, &f.unit_id},
        {"person_id", QP_ID, &f.person_id},   {"joint", QP_BOOL, &f.joint_only},
        {"q", QP_TEXT, &f.q},                 {"with_geometry", QP_BOOL, &with_geometry},
    };
    const char *field = NULL;
    ph_err rc = req_list_query(r, params, PH_NELEM(params), &f.before_id, &f.limit, &field);
    if (rc != PH_OK)
        return resp_error(r, rc, field);
    if (req_query_time(r, "from", &f.from) != PH_OK)
        return resp_error(r, PH_EPARSE, "from");
    if (req_query_time(r, "to", &f.to) != PH_OK)
        return resp_error(r, PH_EPARSE, "to");
    if (f.kind != NULL && !one_of(f.kind, kinds, PH_NELEM(kinds)))
        return resp_error(r, PH_EPARSE, "kind");
    if (f.status != NULL && !one_of(f.status, statuses, PH_NELEM(statuses)))
        return resp_error(r, PH_EPARSE, "status");
    if (f.domain != NULL && !one_of(f.domain, domains, PH_NELEM(domains)))
        return resp_error(r, PH_EPARSE, "domain");

    struct operation *items = NULL;
    size_t n = 0;
    bool more = false;
    rc = operation_list(&r->cx, &f, &items, &n, &more);
    if (rc != PH_OK)
        return resp_error(r, rc, NULL);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, pjson_operation(&items[i], with_geometry));
    /* Newest first: the cursor is the last (smallest) id; the store pages below it. */
    return resp_json(r, 200, pjson_page(arr, more, n ? items[n - 1].id : 0));
}

static int get_operation(struct req *r)
{
    struct operation o;
    int64_t id;
    ph_err rc = req_path_id(r, "id", &id);
    if (rc == PH_OK)
        rc = operation_get(&r->cx, id, &o);
    if (rc != PH_OK)
        return resp_error(r, rc, NULL);
    return answer_operation(r, &o, 200);
}

static int get_summary(struct req *r)
{
    struct operation_summary s;
    int64_t id;
    ph_err rc = req_path_id(r, "id", &id);
    if (rc == PH_OK)
        rc = operation_summary(&r->cx, id, &s);
    if (rc != PH_OK)
        return resp_error(r, rc, NULL);
    return resp_json(r, 200, pjson_operation_summary(id, &s));
}

/* ---- POST /api/v1/operations, PATCH /api/v1/operations/{id} ------------------------ */

struct plan_job {
    struct operation o;   /* in the job's arena; the stored operation after commit */
    int64_t id, if_match; /* PATCH */
    json_t *patch;        /* PATCH: the job's own copy of the body */
    const char *field;
    int64_t conflict_id;
};

static void plan_cleanup(void *arg)
{
    struct plan_job *j = arg;
    json_decref(j->patch);
}

static ph_err run_create(struct core_ctx *cx, void *arg)
{
    struct plan_job *j = arg;
    return operation_create(cx, &j->o, &j->field, &j->conflict_id);
}

/* Read, patch and write in the writer's transaction (as crud.c's updates). */
static ph_err run_update(struct core_ctx *cx, void *arg)
{
    struct plan_job *j = arg;
    ph_err rc = operation_get(cx, j->id, &j->o);
    if (rc != PH_OK)
        return rc;
    if (j->if_match != 0 && j->o.version != j->if_match)
        return PH_ESTALE;
    rc = pjson_apply_operation(j->patch, cx->arena, &j->o, false, &j->field);
    if (rc != PH_OK)
        return rc;
    return operation_update(cx, &j->o, &j->field, &j->conflict_id);
}

static int finish_plan(struct req *r, struct http_write *w)
{
    struct plan_job *j = w->arg;
    if (w->job.rc == PH_ECONFLICT && j->conflict_id != 0)
        return answer_conflict(r, j->field, j->conflict_id);
    if (w->job.rc != PH_OK)
        return resp_error(r, w->job.rc, j->field);
    /* The strings of j->o live in the job's arena, alive until we return. */
    return answer_operation(r, &j->o, j->id == 0 ? 201 : 200);
}

static int create_operation(struct req *r)
{
    struct http_write *w = http_write_begin(r);
    struct plan_job *j = arena_zalloc(&w->job.arena, sizeof(*j));
    ph_err rc;

    w->arg = j;
    w->cleanup = plan_cleanup;
    j->o.classification = CLEARANCE_UNCLASSIFIED;
    rc = pjson_apply_operation(r->body, &w->job.arena, &j->o, true, &j->field);
    if (rc != PH_OK) {
        int ans = resp_error(r, rc, j->field);
        http_write_abandon(w);
        return ans;
    }
    return http_write_submit(w, NULL, run_create, j, finish_plan);
}

static int update_operation(struct req *r)
{
    int64_t id, if_match;
    ph_err rc = req_path_id(r, "id", &id);
    if (rc != PH_OK)
        return resp_error(r, rc, NULL);
    if (req_if_match(r, &if_match) != PH_OK)
        return resp_error(r, PH_EPARSE, "If-Match");
    struct http_write *w = http_write_begin(r);
    struct plan_job *j = arena_zalloc(&w->job.arena, sizeof(*j));
    w->arg = j;
    w->cleanup = plan_cleanup;
    j->id = id;
    j->if_match = if_match;
    j->patch = json_deep_copy(r->body);
    return http_write_submit(w, NULL, run_update, j, finish_plan);
}

/* ---- POST /api/v1/operations/{id}/status ----------------------------------------- */

struct status_job {
    int64_t id;
    struct pjson_operation_status body;
    const char *field;
    struct operation o;
};

static ph_err run_status(struct core_ctx *cx, void *arg)
{
    struct status_job *j = arg;
    ph_err rc = operation_set_status(cx, j->id, j->body.version, j->body.status, j->body.at,
                                     j->body.reason, &j->field);
    return rc == PH_OK ? operation_get(cx, j->id, &j->o) : rc;
}

static int finish_status(struct req *r, struct http_write *w)
{
    struct status_job *j = w->arg;
    if (w->job.rc != PH_OK)
        return resp_error(r, w->job.rc, j->field);
    return answer_operation(r, &j->o, 200);
}

static int set_status(struct req *r)
{
    int64_t id, if_match;
    ph_err rc = req_path_id(r, "id", &id);
    if (rc != PH_OK)
        return resp_error(r, rc, NULL);
    if (req_if_match(r, &if_match) != PH_OK)
        return resp_error(r, PH_EPARSE, "If-Match");
    struct http_write *w = http_write_begin(r);
    struct status_job *j = arena_zalloc(&w->job.arena, sizeof(*j));
    w->arg = j;
    j->id = id;
    rc = pjson_apply_operation_status(r->body, &w->job.arena, &j->body, &j->field);
    if (rc == PH_OK && j->body.status == NULL) {
        j->field = "status";
        rc = PH_EINVAL;
    }
    if (rc != PH_OK) {
        int ans = resp_error(r, rc, j->field);
        http_write_abandon(w);
        return ans;
    }
    if (j->body.version == 0)
        j->body.version = if_match;
    return http_write_submit(w, NULL, run_status, j, finish_status);
}

/* ---- the results log ------------------------------------------------------------- */

struct log_job {
    int64_t id;
    struct operation_log_entry e;
    struct incident inc;
    bool has_incident;
    const char *field;
};

static ph_err run_log(struct core_ctx *cx, void *arg)
{
    struct log_job *j = arg;
    return operation_log_add(cx, j->id, &j->e, j->has_incident ? &j->inc : NULL, &j->field);
}

static int finish_log(struct req *r, struct http_write *w)
{
    struct log_job *j = w->arg;
    if (w->job.rc != PH_OK)
        return resp_error(r, w->job.rc, j->field);
    return resp_json(r, 201, pjson_operation_log_entry(&j->e));
}

/* The body's "incident" onto j->inc, its category code resolved on the loop's
 * read connection; errors name the member inside it ("incident.title"). */
static ph_err apply_incident(struct req *r, struct arena *a, json_t *obj, struct log_job *j)
{
    const char *code = NULL, *f = NULL;
    ph_err rc;

    j->inc.classification = CLEARANCE_UNCLASSIFIED;
    j->inc.cap_status = "actual";
    rc = pjson_apply_incident(obj, a, &j->inc, true, &code, &f);
    if (rc == PH_OK && code != NULL) {
        struct category c;
        rc = category_get_by_code(&r->cx, code, &c);
        if (rc == PH_ENOTFOUND || rc == PH_EINVAL) {
            f = "category";
            rc = PH_EINVAL;
        } else if (rc == PH_OK && json_object_get(obj, "category_id") != NULL &&
                   j->inc.category_id != c.id) {
            f = "category_id";
            rc = PH_EINVAL;
        } else if (rc == PH_OK) {
            j->inc.category_id = c.id;
        }
    }
    if (rc == PH_EINVAL)
        j->field = arena_printf(a, "incident.%s", f != NULL ? f : "body");
    j->has_incident = rc == PH_OK;
    return rc;
}

static int add_log(struct req *r)
{
    int64_t id;
    json_t *inc = NULL;
    ph_err rc = req_path_id(r, "id", &id);
    if (rc != PH_OK)
        return resp_error(r, rc, NULL);
    struct http_write *w = http_write_begin(r);
    struct log_job *j = arena_zalloc(&w->job.arena, sizeof(*j));
    w->arg = j;
    j->id = id;
    rc = pjson_apply_operation_log(r->body, &w->job.arena, &j->e, &inc, &j->field);
    if (rc == PH_OK && inc != NULL)
        rc = apply_incident(r, &w->job.arena, inc, j);
    if (rc != PH_OK) {
        int ans = resp_error(r, rc, j->field);
        http_write_abandon(w);
        return ans;
    }
    return http_write_submit(w, NULL, run_log, j, finish_log);
}

static int list_log(struct req *r)
{
    int64_t id, after = 0;
    int limit = 0;
    const char *field = NULL;
    ph_err rc = req_path_id(r, "id", &id);
    if (rc != PH_OK)
        return resp_error(r, rc, NULL);
    rc = req_list_query(r, NULL, 0, &after, &limit, &field);
    if (rc != PH_OK)
        return resp_error(r, rc, field);
    struct operation_log_entry *items = NULL;
    size_t n = 0;
    bool more = false;
    rc = operation_log_list(&r->cx, id, after, limit, &items, &n, &more);
    if (rc != PH_OK)
        return resp_error(r, rc, NULL);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, pjson_operation_log_entry(&items[i]));
    return resp_json(r, 200, pjson_page(arr, more, n ? items[n - 1].id : 0));
}

/* ---- GET /api/v1/stats/coverage --------------------------------------------------- */

#define COVERAGE_MAX_DAYS 400

static int get_coverage(struct req *r)
{
    static const char *const levels[] = {"province", "district", "commune"};
    static const char *const area_kinds[] = {"inland", "coastal", "border", "sea"};
    struct coverage_query q = {0};
    int64_t gap = 0;
    bool present = false;
    ph_err rc;

    if (req_query_time(r, "from", &q.from) != PH_OK)
        return resp_error(r, PH_EPARSE, "from");
    if (req_query_time(r, "to", &q.to) != PH_OK)
        return resp_error(r, PH_EPARSE, "to");
    if (req_query_i64(r, "gap_days", &gap, &present) != PH_OK)
        return resp_error(r, PH_EPARSE, "gap_days");
    if (req_query_text(r, "area_kind", &q.area_kind) != PH_OK)
        return resp_error(r, PH_EPARSE, "area_kind");
    if (req_query_text(r, "area_level", &q.area_level) != PH_OK)
        return resp_error(r, PH_EPARSE, "area_level");
    if (req_query_text(r, "force", &q.force) != PH_OK)
        return resp_error(r, PH_EPARSE, "force");
    /* Without ?to: now; without ?from: 30 days before to. */
    if (q.to == 0)
        q.to = r->cx.now_ms;
    if (q.from == 0)
        q.from = q.to - 30LL * 24 * 3600 * 1000;
    if (q.from <= 0)
        return resp_error(r, PH_EINVAL, "from");
    if (q.to <= q.from || q.to - q.from > COVERAGE_MAX_DAYS * 24LL * 3600 * 1000)
        return resp_error(r, PH_EINVAL, "to");
    if (present && (gap < 1 || gap > COVERAGE_MAX_DAYS))
        return resp_error(r, PH_EINVAL, "gap_days");
    q.gap_days = present ? (int)gap : 7;
    if (q.area_kind != NULL && !one_of(q.area_kind, area_kinds, PH_NELEM(area_kinds)))
        return resp_error(r, PH_EINVAL, "area_kind");
    if (q.area_level == NULL)
        q.area_level = "commune";
    if (!one_of(q.area_level, levels, PH_NELEM(levels)))
        return resp_error(r, PH_EINVAL, "area_level");
    if (q.force != NULL && !force_is_valid(q.force))
        return resp_error(r, PH_EINVAL, "force");

    struct coverage_area *items = NULL;
    size_t n = 0, exceeded = 0;
    rc = operation_coverage(&r->cx, &q, &items, &n);
    if (rc != PH_OK)
        return resp_error(r, rc, NULL);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(arr, pjson_coverage_area(&items[i]));
        exceeded += items[i].gap_exceeded;
    }
    json_t *o = json_object();
    json_object_set_new(o, "from", pjson_time(q.from));
    json_object_set_new(o, "to", pjson_time(q.to));
    json_object_set_new(o, "gap_days", json_integer(q.gap_days));
    json_object_set_new(o, "area_level", json_string(q.area_level));
    json_object_set_new(o, "area_kind", q.area_kind ? json_string(q.area_kind) : json_null());
    json_object_set_new(o, "force", q.force ? json_string(q.force) : json_null());
    json_object_set_new(o, "areas_exceeded", json_integer((json_int_t)exceeded));
    json_object_set_new(o, "items", arr);
    return resp_json(r, 200, o);
}

/* ---- assets: adapters for crud.c --------------------------------------------------- */

static void asset_init(void *rec)
{
    struct asset *a = rec;
    memset(a, 0, sizeof(*a));
    a->is_active = true;
}

static ph_err asset_get_rec(struct core_ctx *cx, int64_t id, void *rec)
{
    return asset_get(cx, id, rec);
}

static ph_err asset_apply(json_t *obj, struct arena *a, void *rec, bool creating,
                          const char **field)
{
    return pjson_apply_asset(obj, a, rec, field);
}

static json_t *asset_encode(const void *rec)
{
    return pjson_asset(rec);
}

static ph_err asset_create_rec(struct core_ctx *cx, void *rec, const char **field)
{
    return asset_create(cx, rec, field);
}

static ph_err asset_update_rec(struct core_ctx *cx, void *rec, const char **field)
{
    return asset_update(cx, rec, field);
}

static const struct crud_resource asset_resource = {
    .path = ASSETS_PATH,
    .rec_size = sizeof(struct asset),
    .init = asset_init,
    .get = asset_get_rec,
    .apply = asset_apply,
    .encode = asset_encode,
    .create = asset_create_rec,
    .update = asset_update_rec,
    .id_at = offsetof(struct asset, id),
    .version_at = offsetof(struct asset, version),
};

static int list_assets(struct req *r)
{
    struct asset_filter f = {0};
    const struct query_param params[] = {
        {"kind", QP_TEXT, &f.kind},
        {"unit_id", QP_ID, &f.unit_id},
        {"q", QP_TEXT, &f.q},
        {"include_inactive", QP_BOOL, &f.include_inactive},
    };
    const char *field = NULL;
    ph_err rc = req_list_query(r, params, PH_NELEM(params), &f.after_id, &f.limit, &field);
    if (rc != PH_OK)
        return resp_error(r, rc, field);
    if (f.kind != NULL && strcmp(f.kind, "vehicle") != 0 && strcmp(f.kind, "vessel") != 0)
        return resp_error(r, PH_EPARSE, "kind");
    struct asset *items = NULL;
    size_t n = 0;
    bool more = false;
    rc = asset_list(&r->cx, &f, &items, &n, &more);
    if (rc != PH_OK)
        return resp_error(r, rc, NULL);
    return crud_list_answer(r, &asset_resource, items, sizeof(*items), n, more);
}

static int get_asset(struct req *r)
{
    return crud_get(r, &asset_resource);
}
static int create_asset(struct req *r)
{
    return crud_create(r, &asset_resource);
}
static int update_asset(struct req *r)
{
    return crud_update(r, &asset_resource);
}

const struct route api_operation_routes[] = {
    {"GET", OPERATIONS_PATH, list_operations, ROUTE_USER, false},
    {"POST", OPERATIONS_PATH, create_operation, ROUTE_USER, true},
    {"GET", OPERATIONS_PATH "/:id", get_operation, ROUTE_USER, false},
    {"PATCH", OPERATIONS_PATH "/:id", update_operation, ROUTE_USER, true},
    {"POST", OPERATIONS_PATH "/:id/status", set_status, ROUTE_USER, true},
    {"GET", OPERATIONS_PATH "/:id/summary", get_summary, ROUTE_USER, false},
    {"POST", OPERATIONS_PATH "/:id/log", add_log, ROUTE_USER, true},
    {"GET", OPERATIONS_PATH "/:id/log", list_log, ROUTE_USER, false},
    {"GET", ASSETS_PATH, list_assets, ROUTE_USER, false},
    {"POST", ASSETS_PATH, create_asset, ROUTE_USER, true},
    {"GET", ASSETS_PATH "/:id", get_asset, ROUTE_USER, false},
    {"PATCH", ASSETS_PATH "/:id", update_asset, ROUTE_USER, true},
    {"GET", "/api/v1/stats/coverage", get_coverage, ROUTE_USER, false},
    {NULL, NULL, NULL, 0, false},
};
