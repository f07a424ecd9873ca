/* api_messages.c - /api/v1/messages (field chat) and /api/v1/incident-drafts
 * (markers from the field waiting for a duty officer): docs/API.md, "Field
 * messages" and "Incident drafts".
 *
 * Writes parse on the loop into the job's arena and run one core call on the
 * writer, which gives the record back as stored in its transaction (message_send
 * and draft_upsert read it back; promote gives the incident incident_create
 * made), so the answer needs no second read. Record access is core's: what the
 * caller may not see is 404, what the caller may not do is 403.
 *
 * Drafts come mostly from the CoT listener (net/), which calls draft_upsert
 * itself; POST /api/v1/incident-drafts is the same call for a phone app that
 * drops a marker over HTTP. */
#include "util/base.h"
#include "http/async.h"
#include "http/http_int.h"
#include "http/req.h"
#include "http/resp.h"
#include "http/router.h"
#include "core/category.h"
#include "core/draft.h"
#include "core/incident.h"
#include "core/message.h"
#include "proto/pjson.h"
#include "util/arena.h"
#include "util/time.h"

#define MESSAGES_PATH "/api/v1/messages"
#define DRAFTS_PATH "/api/v1/incident-drafts"

/* The page below: ?before_id= (an id) or ?cursor= (as every list); the smaller
 * wins when both are given. */
static int64_t below(int64_t before_id, int64_t cursor)
{
    if (before_id == 0)
        return cursor;
    if (cursor == 0)
        return before_id;
    return before_id < cursor ? before_id : cursor;
}

/* ---- GET /api/v1/messages -------------------------------------------------------- */

static int list_messages(struct req *r)
{
    struct message_filter f = {0};
    const char *since = NULL;
    int64_t before_id = 0, cursor = 0;
    const struct query_param params[] = {
        {"since", QP_TEXT, &since},
        {"room", QP_TEXT, &f.room},
        {"before_id", QP_ID, &before_id},
    };
    const char *field = NULL;
    ph_err rc = req_list_query(r, params, PH_NELEM(params), &cursor, &f.limit, &field);
    if (rc != PH_OK)
        return resp_error(r, rc, field);
    if (since != NULL && time_parse_rfc3339(since, &f.since) != PH_OK)
        return resp_error(r, PH_EPARSE, "since");
    f.before_id = below(before_id, cursor);

    struct message *items = NULL;
    size_t n = 0;
    bool more = false;
    rc = message_list(&r->cx, &f, &items, &n, &more);
    if (rc == PH_EINVAL)
        return resp_error(r, PH_EPARSE, "room");
    if (rc != PH_OK)
        return resp_error(r, rc, NULL);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, pjson_message(&items[i]));
    /* Newest first: the cursor is the last (smallest) id, the store pages below it. */
    return resp_json(r, 200, pjson_page(arr, more, n ? items[n - 1].id : 0));
}

/* ---- POST /api/v1/messages ------------------------------------------------------- */

struct send_job {
    struct message m; /* parsed, then as stored */
    const char *field;
};

static ph_err run_send(struct core_ctx *cx, void *arg)
{
    struct send_job *j = arg;
    return message_send(cx, &j->m, &j->field);
}

static int finish_send(struct req *r, struct http_write *w)
{
    struct send_job *j = w->arg;
    if (w->job.rc != PH_OK)
        return resp_error(r, w->job.rc, j->field);
    return resp_json(r, 201, pjson_message(&j->m));
}

static int send_message(struct req *r)
{
    struct http_write *w = http_write_begin(r);
    struct send_job *j = arena_zalloc(&w->job.arena, sizeof(*j));
    w->arg = j;
    ph_err rc = pjson_apply_message(r->body, &w->job.arena, &j->m, &j->field);
    if (rc == PH_OK && j->m.text == NULL) {
        j->field = "text";
        rc = PH_EINVAL;
    }
    if (rc != PH_OK) {
        int ans = resp_error(r, rc, j->field);
        http_write_abandon(w);
        return ans;
    }
    return http_write_submit(w, NULL, run_send, j, finish_send);
}

/* ---- drafts: reads --------------------------------------------------------------- */

static void set_draft_location(struct req *r, int64_t id)
{
    char loc[64];
    snprintf(loc, sizeof(loc), DRAFTS_PATH "/%lld", (long long)id);
    resp_header(r, "location", loc);
}

static void set_etag(struct req *r, int64_t version)
{
    char tag[32];
    snprintf(tag, sizeof(tag), "\"%lld\"", (long long)version);
    resp_header(r, "etag", tag);
}

static int list_drafts(struct req *r)
{
    const char *status = NULL;
    int64_t before_id = 0, cursor = 0;
    int limit = 0;
    const struct query_param params[] = {
        {"status", QP_TEXT, &status},
        {"before_id", QP_ID, &before_id},
    };
    const char *field = NULL;
    ph_err rc = req_list_query(r, params, PH_NELEM(params), &cursor, &limit, &field);
    if (rc != PH_OK)
        return resp_error(r, rc, field);

    struct incident_draft *items = NULL;
    size_t n = 0;
    bool more = false;
    rc = draft_list(&r->cx, status, below(before_id, cursor), limit, &items, &n, &more);
    if (rc == PH_EINVAL)
        return resp_error(r, PH_EPARSE, "status");
    if (rc != PH_OK)
        return resp_error(r, rc, NULL);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, pjson_incident_draft(&items[i]));
    return resp_json(r, 200, pjson_page(arr, more, n ? items[n - 1].id : 0));
}

static int get_draft(struct req *r)
{
    struct incident_draft d;
    int64_t id;
    ph_err rc = req_path_id(r, "id", &id);
    if (rc == PH_OK)
        rc = draft_get(&r->cx, id, &d);
    if (rc != PH_OK)
        return resp_error(r, rc, NULL);
    set_etag(r, d.version);
    return resp_json(r, 200, pjson_incident_draft(&d));
}

/* ---- POST /api/v1/incident-drafts ------------------------------------------------ */

struct upsert_job {
    struct incident_draft d;
    bool created;
    const char *field;
};

static ph_err run_upsert(struct core_ctx *cx, void *arg)
{
    struct upsert_job *j = arg;
    return draft_upsert(cx, &j->d, &j->created, &j->field);
}

static int finish_upsert(struct req *r, struct http_write *w)
{
    struct upsert_job *j = w->arg;
    if (w->job.rc != PH_OK)
        return resp_error(r, w->job.rc, j->field);
    set_draft_location(r, j->d.id);
    set_etag(r, j->d.version);
    return resp_json(r, j->created ? 201 : 200, pjson_incident_draft(&j->d));
}

static int create_draft(struct req *r)
{
    struct http_write *w = http_write_begin(r);
    struct upsert_job *j = arena_zalloc(&w->job.arena, sizeof(*j));
    w->arg = j;
    ph_err rc = pjson_apply_incident_draft(r->body, &w->job.arena, &j->d, &j->field);
    /* A marker always has a place: absent is as wrong as malformed. */
    if (rc == PH_OK && json_object_get(r->body, "location") == NULL) {
        j->field = "location";
        rc = PH_EINVAL;
    }
    if (rc != PH_OK) {
        int ans = resp_error(r, rc, j->field);
        http_write_abandon(w);
        return ans;
    }
    return http_write_submit(w, NULL, run_upsert, j, finish_upsert);
}

/* ---- POST /api/v1/incident-drafts/:id/promote ------------------------------------ */

struct promote_job {
    int64_t id;
    struct incident inc; /* the officer's members, then the incident as created */
    const char *field;
};

static ph_err run_promote(struct core_ctx *cx, void *arg)
{
    struct promote_job *j = arg;
    return draft_promote(cx, j->id, &j->inc, &j->field);
}

static int finish_promote(struct req *r, struct http_write *w)
{
    struct promote_job *j = w->arg;
    char loc[64];
    if (w->job.rc != PH_OK)
        return resp_error(r, w->job.rc, j->field);
    snprintf(loc, sizeof(loc), "/api/v1/incidents/%lld", (long long)j->inc.id);
    resp_header(r, "location", loc);
    set_etag(r, j->inc.version);
    return resp_json(r, 201, pjson_incident(&j->inc, true));
}

/* The body's "category" code (or category_id) into inc->category_id, on the
 * loop's read connection: one of them is required, and they must agree. */
static ph_err resolve_category(struct req *r, json_t *body, const char *code, struct incident *inc,
                               const char **field)
{
    struct category c;
    ph_err rc;

    if (code == NULL) {
        if (inc->category_id != 0)
            return PH_OK;
        *field = "category";
        return PH_EINVAL;
    }
    rc = category_get_by_code(&r->cx, code, &c);
    if (rc == PH_ENOTFOUND || rc == PH_EINVAL) {
        *field = "category";
        return PH_EINVAL;
    }
    if (rc != PH_OK)
        return rc;
    if (json_object_get(body, "category_id") != NULL && inc->category_id != c.id) {
        *field = "category_id";
        return PH_EINVAL;
    }
    inc->category_id = c.id;
    return PH_OK;
}

static int promote_draft(struct req *r)
{
    int64_t id;
    ph_err rc = req_path_id(r, "id", &id);
    if (rc != PH_OK)
        return resp_error(r, rc, NULL);

    struct http_write *w = http_write_begin(r);
    struct promote_job *j = arena_zalloc(&w->job.arena, sizeof(*j));
    const char *code = NULL;
    w->arg = j;
    j->id = id;
    j->inc.cap_status = "actual";
    rc = pjson_apply_incident(r->body, &w->job.arena, &j->inc, true, &code, &j->field);
    if (rc == PH_OK)
        rc = resolve_category(r, r->body, code, &j->inc, &j->field);
    if (rc != PH_OK) {
        int ans = resp_error(r, rc, j->field);
        http_write_abandon(w);
        return ans;
    }
    return http_write_submit(w, NULL, run_promote, j, finish_promote);
}

/* ---- POST /api/v1/incident-drafts/:id/dismiss ------------------------------------ */

struct dismiss_job {
    int64_t id;
    const char *reason, *field;
    struct incident_draft d; /* read back in the same transaction */
};

static ph_err run_dismiss(struct core_ctx *cx, void *arg)
{
    struct dismiss_job *j = arg;
    ph_err rc = draft_dismiss(cx, j->id, j->reason, &j->field);
    return rc == PH_OK ? draft_get(cx, j->id, &j->d) : rc;
}

static int finish_dismiss(struct req *r, struct http_write *w)
{
    struct dismiss_job *j = w->arg;
    if (w->job.rc != PH_OK)
        return resp_error(r, w->job.rc, j->field);
    set_etag(r, j->d.version);
    return resp_json(r, 200, pjson_incident_draft(&j->d));
}

static int dismiss_draft(struct req *r)
{
    int64_t id;
    ph_err rc = req_path_id(r, "id", &id);
    if (rc != PH_OK)
        return resp_error(r, rc, NULL);

    struct http_write *w = http_write_begin(r);
    struct dismiss_job *j = arena_zalloc(&w->job.arena, sizeof(*j));
    w->arg = j;
    j->id = id;
    rc = pjson_apply_draft_dismiss(r->body, &w->job.arena, &j->reason, &j->field);
    if (rc != PH_OK) {
        int ans = resp_error(r, rc, j->field);
        http_write_abandon(w);
        return ans;
    }
    return http_write_submit(w, NULL, run_dismiss, j, finish_dismiss);
}

const struct route api_message_routes[] = {
    {"GET", MESSAGES_PATH, list_messages, ROUTE_USER, false},
    {"POST", MESSAGES_PATH, send_message, ROUTE_USER, true},
    {"GET", DRAFTS_PATH, list_drafts, ROUTE_USER, false},
    {"POST", DRAFTS_PATH, create_draft, ROUTE_USER, true},
    {"GET", DRAFTS_PATH "/:id", get_draft, ROUTE_USER, false},
    {"POST", DRAFTS_PATH "/:id/promote", promote_draft, ROUTE_USER, true},
    {"POST", DRAFTS_PATH "/:id/dismiss", dismiss_draft, ROUTE_USER, true},
    {NULL, NULL, NULL, 0, false},
};
