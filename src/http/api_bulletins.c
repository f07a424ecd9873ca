/* api_bulletins.c - /api/v1/bulletins and /api/v1/bulletin-schedules: the
 * information exchange between units (docs/API.md, "Bulletins"): bulletins sent
 * to units and forces, their acknowledgements, and the schedules of periodic
 * bulletins.
 *
 * Creates and schedule updates are crud.c's (the record re-read after commit,
 * ETag, If-Match); an acknowledgement has its own job, which reads the bulletin
 * back in the writer's transaction to answer with the recipient's row. Record
 * access is core's: what the caller may not see is 404, what the caller may not
 * do is 403. Bulletins are never changed once sent, so they have no PATCH. */
#include "util/base.h"
#include "http/async.h"
#include "http/crud.h"
#include "http/http_int.h"
#include "http/req.h"
#include "http/read_audit.h"
#include "http/resp.h"
#include "http/router.h"
#include "core/access.h"
#include "core/bulletin.h"
#include "core/incident.h"
#include "proto/pjson.h"
#include "util/time.h"

#define BULLETINS_PATH "/api/v1/bulletins"
#define SCHEDULES_PATH "/api/v1/bulletin-schedules"

/* ---- bulletins: adapters for crud.c ------------------------------------------------ */

static void bulletin_init(void *rec)
{
    struct bulletin *b = rec;
    memset(b, 0, sizeof(*b));
    b->classification = CLEARANCE_UNCLASSIFIED;
}

static ph_err bulletin_get_rec(struct core_ctx *cx, int64_t id, void *rec)
{
    return bulletin_get(cx, id, rec);
}

static ph_err bulletin_apply(json_t *obj, struct arena *a, void *rec, bool creating,
                             const char **field)
{
    return pjson_apply_bulletin(obj, a, rec, field);
}

static json_t *bulletin_encode(const void *rec)
{
    return pjson_bulletin(rec, true);
}

static ph_err bulletin_create_rec(struct core_ctx *cx, void *rec, const char **field)
{
    return bulletin_send(cx, rec, field);
}

static void bulletin_note_read(struct req *r, const void *rec)
{
    const struct bulletin *b = rec;
    req_note_read(r, "bulletin", b->id, b->classification);
}

static const struct crud_resource bulletin_resource = {
    .path = BULLETINS_PATH,
    .rec_size = sizeof(struct bulletin),
    .init = bulletin_init,
    .get = bulletin_get_rec,
    .apply = bulletin_apply,
    .encode = bulletin_encode,
    .create = bulletin_create_rec,
    .id_at = offsetof(struct bulletin, id),
    .version_at = offsetof(struct bulletin, version),
    .note_read = bulletin_note_read,
};

/* ---- GET /api/v1/bulletins ------------------------------------------------------- */

static int list_bulletins(struct req *r)
{
    struct bulletin_filter f = {0};
    const struct query_param params[] = {
        {"kind", QP_TEXT, &f.kind},
        {"unit_id", QP_ID, &f.unit_id},
        {"cap_status", QP_TEXT, &f.cap_status},
        {"q", QP_TEXT, &f.q},
    };
    const char *field = NULL;
    ph_err rc = req_list_query(r, params, PH_NELEM(params), &f.before_id, &f.limit, &field);
    if (rc != PH_OK)
        return resp_error(r, rc, field);
    if (req_query_time(r, "from", &f.from) != PH_OK)
        return resp_error(r, PH_EPARSE, "from");
    if (req_query_time(r, "to", &f.to) != PH_OK)
        return resp_error(r, PH_EPARSE, "to");
    if (f.kind != NULL && strcmp(f.kind, "ad_hoc") != 0 && strcmp(f.kind, "periodic") != 0)
        return resp_error(r, PH_EPARSE, "kind");
    if (f.cap_status != NULL && !incident_cap_status_valid(f.cap_status))
        return resp_error(r, PH_EPARSE, "cap_status");

    struct bulletin *items = NULL;
    size_t n = 0;
    bool more = false;
    rc = bulletin_list(&r->cx, &f, &items, &n, &more);
    if (rc != PH_OK)
        return resp_error(r, rc, NULL);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        req_note_read(r, "bulletin", items[i].id, items[i].classification);
        json_array_append_new(arr, pjson_bulletin(&items[i], false));
    }
    /* Newest first: the cursor is the last (smallest) id, the store pages below it. */
    return resp_json(r, 200, pjson_page(arr, more, n ? items[n - 1].id : 0));
}

static int get_bulletin(struct req *r)
{
    return crud_get(r, &bulletin_resource);
}
static int send_bulletin(struct req *r)
{
    return crud_create(r, &bulletin_resource);
}

/* ---- POST /api/v1/bulletins/:id/acknowledgements ------------------------------------ */

struct ack_job {
    int64_t id, unit_id;
    const char *note, *field;
    struct bulletin b; /* read back after the acknowledgement, in its transaction */
};

static ph_err run_ack(struct core_ctx *cx, void *arg)
{
    struct ack_job *j = arg;
    ph_err rc = bulletin_acknowledge(cx, j->id, j->unit_id, j->note, &j->field);
    return rc == PH_OK ? bulletin_get(cx, j->id, &j->b) : rc;
}

static int finish_ack(struct req *r, struct http_write *w)
{
    struct ack_job *j = w->arg;
    if (w->job.rc != PH_OK)
        return resp_error(r, w->job.rc, j->field);
    /* The unit acknowledged for: given, else the caller's. */
    int64_t unit = j->unit_id != 0 ? j->unit_id : r->cx.user->unit_id;
    for (size_t i = 0; i < j->b.n_recipients; i++) {
        const struct bulletin_recipient *row = &j->b.recipients[i];
        if (row->unit_id != unit)
            continue;
        json_t *o = pjson_bulletin_recipient(row);
        json_object_set_new(o, "bulletin_id", json_integer(j->b.id));
        json_object_set_new(
            o, "on_time",
            json_boolean(row->ack_due_at == 0 || row->received_at <= row->ack_due_at));
        return resp_json(r, 201, o);
    }
    return resp_json(r, 201, pjson_bulletin(&j->b, true));
}

static int acknowledge(struct req *r)
{
    int64_t id;
    ph_err rc = req_path_id(r, "id", &id);
    if (rc != PH_OK)
        return resp_error(r, rc, NULL);

    struct http_write *w = http_write_begin(r);
    struct ack_job *j = arena_zalloc(&w->job.arena, sizeof(*j));
    w->arg = j;
    j->id = id;
    rc = pjson_apply_bulletin_ack(r->body, &w->job.arena, &j->unit_id, &j->note, &j->field);
    if (rc != PH_OK) {
        int ans = resp_error(r, rc, j->field);
        http_write_abandon(w);
        return ans;
    }
    return http_write_submit(w, NULL, run_ack, j, finish_ack);
}

/* ---- schedules ------------------------------------------------------------------- */

static void schedule_init(void *rec)
{
    struct bulletin_schedule *s = rec;
    memset(s, 0, sizeof(*s));
    s->is_active = true;
}

static ph_err schedule_get_rec(struct core_ctx *cx, int64_t id, void *rec)
{
    return bulletin_schedule_get(cx, id, rec);
}

static ph_err schedule_apply(json_t *obj, struct arena *a, void *rec, bool creating,
                             const char **field)
{
    return pjson_apply_bulletin_schedule(obj, a, rec, creating, field);
}

static json_t *schedule_encode(const void *rec)
{
    return pjson_bulletin_schedule(rec);
}

static ph_err schedule_create_rec(struct core_ctx *cx, void *rec, const char **field)
{
    return bulletin_schedule_create(cx, rec, field);
}

static ph_err schedule_update_rec(struct core_ctx *cx, void *rec, const char **field)
{
    return bulletin_schedule_update(cx, rec, field);
}

static const struct crud_resource schedule_resource = {
    .path = SCHEDULES_PATH,
    .rec_size = sizeof(struct bulletin_schedule),
    .init = schedule_init,
    .get = schedule_get_rec,
    .apply = schedule_apply,
    .encode = schedule_encode,
    .create = schedule_create_rec,
    .update = schedule_update_rec,
    .id_at = offsetof(struct bulletin_schedule, id),
    .version_at = offsetof(struct bulletin_schedule, version),
};

static int list_schedules(struct req *r)
{
    int64_t unit_id = 0, after_id = 0;
    int limit = 0;
    const struct query_param params[] = {
        {"unit_id", QP_ID, &unit_id},
    };
    const char *field = NULL;
    ph_err rc = req_list_query(r, params, PH_NELEM(params), &after_id, &limit, &field);
    if (rc != PH_OK)
        return resp_error(r, rc, field);
    struct bulletin_schedule *items = NULL;
    size_t n = 0;
    bool more = false;
    rc = bulletin_schedule_list(&r->cx, unit_id, after_id, limit, &items, &n, &more);
    if (rc != PH_OK)
        return resp_error(r, rc, NULL);
    return crud_list_answer(r, &schedule_resource, items, sizeof(*items), n, more);
}

static int get_schedule(struct req *r)
{
    return crud_get(r, &schedule_resource);
}
static int create_schedule(struct req *r)
{
    return crud_create(r, &schedule_resource);
}
static int update_schedule(struct req *r)
{
    return crud_update(r, &schedule_resource);
}

const struct route api_bulletin_routes[] = {
    {"GET", BULLETINS_PATH, list_bulletins, ROUTE_USER, false},
    {"POST", BULLETINS_PATH, send_bulletin, ROUTE_USER, true},
    {"GET", BULLETINS_PATH "/:id", get_bulletin, ROUTE_USER, false},
    {"POST", BULLETINS_PATH "/:id/acknowledgements", acknowledge, ROUTE_USER, true},
    {"GET", SCHEDULES_PATH, list_schedules, ROUTE_USER, false},
    {"POST", SCHEDULES_PATH, create_schedule, ROUTE_USER, true},
    {"GET", SCHEDULES_PATH "/:id", get_schedule, ROUTE_USER, false},
    {"PATCH", SCHEDULES_PATH "/:id", update_schedule, ROUTE_USER, true},
    {NULL, NULL, NULL, 0, false},
};
