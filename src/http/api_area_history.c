/* api_area_history.c - areas across time (core/area_history.h, docs/API.md "Area
 * history"): GET /api/v1/areas/:id/successions (both directions), GET
 * /api/v1/stats/areas (the incidents, operations or positions the caller may
 * see counted by the areas of another day's map: ?kind), and the proposals that move units' areas of
 * responsibility to the new map: GET and POST /api/v1/unit-area-proposals, POST
 * /api/v1/unit-area-proposals/:id/confirm and /reject. (GET
 * /api/v1/routing-rules?on_closed_areas=1 is api_rules.c's.)
 *
 * Counting reads every incident of the period and may test points against
 * outlines, so it runs on the worker pool on a read connection of its own, as
 * the hot-spot analyses do (api_analytics.c). It shows counts, never an
 * incident, so no read is audited; the ambiguous ids it lists are only those
 * the caller may see. Writes go through the writer. */
#include "util/base.h"
#include "http/async.h"
#include "http/http_int.h"
#include "http/req.h"
#include "http/resp.h"
#include "http/router.h"
#include "core/area_history.h"
#include "proto/pjson.h"
#include "util/arena.h"
#include "util/time.h"

/* Without ?from, counting covers the year before ?to (or now); positions, far
 * more numerous and bounded to AREA_POSITIONS_MAX_DAYS, the day before. */
#define AREA_STATS_DEFAULT_PERIOD_MS (365LL * 24 * 3600 * 1000)
#define AREA_STATS_POSITIONS_PERIOD_MS (24LL * 3600 * 1000)

/* ---- GET /api/v1/areas/:id/successions ---------------------------------------------- */

static json_t *succession_json(const struct area_succession *s, bool as_new)
{
    /* Predecessors name the old area, successors the new one. */
    return json_pack("{s:I, s:s?, s:s?, s:s?, s:s?}", "area_id",
                     (json_int_t)(as_new ? s->old_area_id : s->new_area_id), "code",
                     as_new ? s->old_code : s->new_code, "name", as_new ? s->old_name : s->new_name,
                     "kind", s->kind, "effective", s->effective);
}

static int get_successions(struct req *r)
{
    struct area_succession *pred = NULL, *succ = NULL;
    size_t np = 0, ns = 0;
    int64_t id;
    ph_err rc = req_path_id(r, "id", &id);

    if (rc == PH_OK)
        rc = area_successions(&r->cx, id, true, &pred, &np);
    if (rc == PH_OK)
        rc = area_successions(&r->cx, id, false, &succ, &ns);
    if (rc != PH_OK)
        return resp_error(r, rc, NULL);
    json_t *p = json_array(), *s = json_array();
    for (size_t i = 0; i < np; i++)
        json_array_append_new(p, succession_json(&pred[i], true));
    for (size_t i = 0; i < ns; i++)
        json_array_append_new(s, succession_json(&succ[i], false));
    return resp_json(r, 200,
                     json_pack("{s:I, s:o, s:o}", "area_id", (json_int_t)id, "predecessors", p,
                               "successors", s));
}

/* ---- GET /api/v1/stats/areas ----------------------------------------------------------- */

struct count_job {
    struct http_write *w;
    const char *dsn, *at, *level, *kind;
    int64_t from, to, now_ms;
    ph_err rc;
    const char *field;
    json_t *answer;
};

static json_t *count_json(const struct area_count_result *c, const struct count_job *j)
{
    json_t *rows = json_array(), *ids = json_array();

    for (size_t i = 0; i < c->n; i++)
        json_array_append_new(rows, json_pack("{s:I, s:s?, s:s?, s:I}", "area_id",
                                              (json_int_t)c->rows[i].area_id, "code",
                                              c->rows[i].code, "name", c->rows[i].name, "count",
                                              (json_int_t)c->rows[i].count));
    for (size_t i = 0; i < c->n_ambiguous_ids; i++)
        json_array_append_new(ids, json_integer(c->ambiguous_ids[i]));
    return json_pack("{s:s, s:o, s:o, s:s, s:s?, s:o, s:I, s:I, s:I, s:o}", "kind", j->kind, "from",
                     pjson_time(j->from), "to", pjson_time(j->to), "at", j->at, "level", j->level,
                     "rows", rows, "total",
                     (json_int_t)c->total, "ambiguous", (json_int_t)c->ambiguous, "no_area",
                     (json_int_t)c->no_area, "ambiguous_ids", ids);
}

static ph_err count_read(struct core_ctx *cx, void *arg)
{
    struct count_job *j = arg;
    struct area_count_result c;
    ph_err rc;

    if (strcmp(j->kind, "operations") == 0)
        rc = area_count_operations(cx, j->from, j->to, j->at, j->level, &c, &j->field);
    else if (strcmp(j->kind, "positions") == 0)
        rc = area_count_positions(cx, j->from, j->to, j->at, j->level, &c, &j->field);
    else
        rc = area_count_incidents(cx, j->from, j->to, j->at, j->level, &c, &j->field);

    if (rc == PH_OK)
        j->answer = count_json(&c, j);
    return rc;
}

/* On a pool thread: the count on a connection of its own. */
static void run_count(void *arg)
{
    struct count_job *j = arg;

    j->rc = http_pool_read(j->w, j->dsn, j->now_ms, "a count", count_read, j);
}

static int finish_count(struct req *r, struct http_write *w)
{
    struct count_job *j = w->arg;
    json_t *answer = j->answer;

    j->answer = NULL;
    if (w->job.rc != PH_OK) {
        json_decref(answer);
        return resp_error(r, w->job.rc, NULL);
    }
    if (j->rc != PH_OK)
        return resp_error(r, j->rc, j->field);
    return resp_json(r, 200, answer);
}

static void count_cleanup(void *arg)
{
    struct count_job *j = arg;
    json_decref(j->answer);
}

static int get_area_stats(struct req *r)
{
    struct http_write *w = http_write_begin(r);
    struct count_job *j = arena_zalloc(&w->job.arena, sizeof(*j));
    const char *at = NULL, *level = NULL, *kind = NULL, *field = NULL;
    char today[11];
    ph_err rc = PH_EINVAL;

    w->arg = j;
    w->cleanup = count_cleanup;
    j->w = w;
    j->now_ms = r->cx.now_ms;
    j->dsn = arena_strdup(&w->job.arena, r->t->cfg->dsn);
    field = "kind";
    if (req_query_text(r, "kind", &kind) != PH_OK)
        goto out;
    if (kind == NULL)
        kind = "incidents";
    if (strcmp(kind, "incidents") != 0 && strcmp(kind, "operations") != 0 &&
        strcmp(kind, "positions") != 0)
        goto out;
    j->kind = strcmp(kind, "positions") == 0    ? "positions"
              : strcmp(kind, "operations") == 0 ? "operations"
                                                : "incidents";
    field = "from";
    if (req_query_time(r, "from", &j->from) != PH_OK)
        goto out;
    field = "to";
    if (req_query_time(r, "to", &j->to) != PH_OK)
        goto out;
    if (j->to == 0)
        j->to = r->cx.now_ms + 1; /* [from, to): now included */
    if (j->from == 0)
        j->from = j->to - (strcmp(j->kind, "positions") == 0 ? AREA_STATS_POSITIONS_PERIOD_MS
                                                             : AREA_STATS_DEFAULT_PERIOD_MS);
    field = "at";
    if (req_query_text(r, "at", &at) != PH_OK || (at != NULL && !time_is_date(at)))
        goto out;
    if (at == NULL) {
        time_today_vn(today);
        at = today;
    }
    field = "level";
    if (req_query_text(r, "level", &level) != PH_OK)
        goto out;
    /* Copied into the job: the request may be gone when the pool runs it. */
    j->at = arena_strdup(&w->job.arena, at);
    j->level = level != NULL ? arena_strdup(&w->job.arena, level) : NULL;
    field = NULL;
    rc = PH_OK;
out:
    if (rc != PH_OK) {
        int ans = resp_error(r, rc, field);
        http_write_abandon(w);
        return ans;
    }
    return http_read_submit(w, run_count, j, finish_count);
}

/* ---- unit area proposals -------------------------------------------------------------- */

static json_t *proposal_json(const struct unit_area_proposal *p)
{
    json_t *o =
        json_pack("{s:I, s:I, s:s?, s:s?, s:I, s:s?, s:I, s:s?, s:s?, s:s?, s:o, s:o}", "id",
                  (json_int_t)p->id, "unit_id", (json_int_t)p->unit_id, "unit_code", p->unit_code,
                  "unit_name", p->unit_name, "old_area_id", (json_int_t)p->old_area_id,
                  "old_area_name", p->old_name, "new_area_id", (json_int_t)p->new_area_id,
                  "new_area_name", p->new_name, "kind", p->kind, "status", p->status, "created_at",
                  pjson_time(p->created_at), "decided_at", pjson_time(p->decided_at));
    json_object_set_new(o, "decided_by",
                        p->decided_at != 0 ? json_integer(p->decided_by) : json_null());
    return o;
}

static int list_proposals(struct req *r)
{
    struct unit_area_proposal *items = NULL;
    const char *status = NULL;
    int64_t unit_id = 0;
    bool present = false;
    size_t n = 0;
    ph_err rc;

    if (req_query_text(r, "status", &status) != PH_OK)
        return resp_error(r, PH_EPARSE, "status");
    if (req_query_i64(r, "unit_id", &unit_id, &present) != PH_OK || (present && unit_id <= 0))
        return resp_error(r, PH_EPARSE, "unit_id");
    rc = unit_area_proposals(&r->cx, status, unit_id, &items, &n);
    if (rc != PH_OK)
        return resp_error(r, rc, rc == PH_EINVAL ? "status" : NULL);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, proposal_json(&items[i]));
    /* A reorganisation makes a few hundred at most: one page. */
    return resp_json(r, 200, pjson_page(arr, false, 0));
}

struct propose_job {
    const char *at;
    int created;
};

static ph_err run_propose(struct core_ctx *cx, void *arg)
{
    struct propose_job *j = arg;
    return unit_area_propose(cx, j->at, &j->created);
}

static int finish_propose(struct req *r, struct http_write *w)
{
    struct propose_job *j = w->arg;
    if (w->job.rc != PH_OK)
        return resp_error(r, w->job.rc, w->job.rc == PH_EINVAL ? "at" : NULL);
    return resp_json(r, 200, json_pack("{s:i}", "created", j->created));
}

static int propose(struct req *r)
{
    json_t *at = json_object_get(r->body, "at");
    const char *key;
    json_t *v;

    json_object_foreach(r->body, key, v)
    {
        if (strcmp(key, "at") != 0)
            return resp_error(r, PH_EINVAL, key);
    }
    if (at != NULL && !json_is_null(at) &&
        (!json_is_string(at) || !time_is_date(json_string_value(at))))
        return resp_error(r, PH_EINVAL, "at");

    struct http_write *w = http_write_begin(r);
    struct propose_job *j = arena_zalloc(&w->job.arena, sizeof(*j));
    w->arg = j;
    if (json_is_string(at))
        j->at = arena_strdup(&w->job.arena, json_string_value(at));
    return http_write_submit(w, NULL, run_propose, j, finish_propose);
}

struct decide_job {
    int64_t id;
    bool confirm;
    const char *field;
    struct unit_area_proposal p; /* read back in the transaction */
    bool found;
};

static ph_err run_decide(struct core_ctx *cx, void *arg)
{
    struct decide_job *j = arg;
    struct unit_area_proposal *items = NULL;
    size_t n = 0;
    ph_err rc = unit_area_decide(cx, j->id, j->confirm, &j->field);

    if (rc == PH_OK)
        rc = unit_area_proposals(cx, NULL, 0, &items, &n);
    for (size_t i = 0; rc == PH_OK && i < n && !j->found; i++)
        if (items[i].id == j->id) {
            j->p = items[i];
            j->found = true;
        }
    return rc;
}

static int finish_decide(struct req *r, struct http_write *w)
{
    struct decide_job *j = w->arg;
    if (w->job.rc != PH_OK)
        return resp_error(r, w->job.rc, j->field);
    if (!j->found) /* decided, then moved out of the caller's units by the same job: never */
        return resp_json(r, 200, json_pack("{s:I}", "id", (json_int_t)j->id));
    return resp_json(r, 200, proposal_json(&j->p));
}

static int decide(struct req *r, bool confirm)
{
    int64_t id;
    ph_err rc = req_path_id(r, "id", &id);
    if (rc != PH_OK)
        return resp_error(r, rc, NULL);

    struct http_write *w = http_write_begin(r);
    struct decide_job *j = arena_zalloc(&w->job.arena, sizeof(*j));
    w->arg = j;
    j->id = id;
    j->confirm = confirm;
    return http_write_submit(w, NULL, run_decide, j, finish_decide);
}

static int confirm_proposal(struct req *r)
{
    return decide(r, true);
}

static int reject_proposal(struct req *r)
{
    return decide(r, false);
}

const struct route api_area_history_routes[] = {
    {"GET", "/api/v1/areas/:id/successions", get_successions, ROUTE_USER, false},
    {"GET", "/api/v1/stats/areas", get_area_stats, ROUTE_USER, false},
    {"GET", "/api/v1/unit-area-proposals", list_proposals, ROUTE_USER, false},
    {"POST", "/api/v1/unit-area-proposals", propose, ROUTE_USER, true},
    {"POST", "/api/v1/unit-area-proposals/:id/confirm", confirm_proposal, ROUTE_USER, false},
    {"POST", "/api/v1/unit-area-proposals/:id/reject", reject_proposal, ROUTE_USER, false},
    {NULL, NULL, NULL, 0, false},
};
