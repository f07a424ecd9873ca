/* api_positions.c - /api/v1/positions, /api/v1/devices and
 * /api/v1/operations/{id}/track: position reports from the field, the devices
 * that send them, the latest position of each, and an operation's track
 * (docs/API.md, "Positions and devices").
 *
 * A batch of reports is one writer job (position_ingest); its answer is 200
 * with one result per report, stored or refused with the error and field, since
 * a phone's queue of fixes should not be lost for one bad fix. After the commit
 * the stored fixes go to the live-position hub (events/livepos.h), from the
 * job's cleanup, which runs on the loop whether or not the client waited for
 * the answer. Devices are crud.c's (ETag, If-Match, Location). */
#include "util/base.h"
#include "http/async.h"
#include "http/crud.h"
#include "http/http_int.h"
#include "http/req.h"
#include "http/resp.h"
#include "http/router.h"
#include "core/position.h"
#include "events/livepos.h"
#include "proto/pjson.h"
#include "util/buf.h"
#include "util/time.h"

#define POSITIONS_PATH "/api/v1/positions"
#define DEVICES_PATH "/api/v1/devices"
/* A track of 500 people's devices over a 92-day operation at 10 s would be
 * hundreds of megabytes: an answer this big asks for a shorter from/to. */
#define TRACK_MAX_BYTES ((size_t)64 << 20)

/* ---- POST /api/v1/positions ----------------------------------------------------------- */

struct pos_job {
    struct http_write *w;
    struct position_report *reports;
    const char **bad;                 /* per report: the member at fault when decoding */
    size_t n;
    struct position_result *results;
    struct livepos_fix *fixes;        /* to publish once committed */
    size_t n_fixes;
};

static ph_err run_ingest(struct core_ctx *cx, void *arg)
{
    struct pos_job *j = arg;
    struct position_report *good = arena_alloc(cx->arena, j->n * sizeof(*good));
    struct position_result *res = arena_alloc(cx->arena, j->n * sizeof(*res));
    size_t n_good = 0;
    ph_err rc;

    for (size_t i = 0; i < j->n; i++)
        if (j->bad[i] == NULL)
            good[n_good++] = j->reports[i];
    rc = position_ingest(cx, good, n_good, res, &j->fixes, &j->n_fixes);
    if (rc != PH_OK)
        return rc;
    for (size_t i = 0, k = 0; i < j->n; i++)
        j->results[i] = j->bad[i] != NULL
                            ? (struct position_result){.rc = PH_EINVAL, .field = j->bad[i]}
                            : res[k++];
    return PH_OK;
}

static int finish_ingest(struct req *r, struct http_write *w)
{
    struct pos_job *j = w->arg;
    json_t *arr;
    size_t stored = 0;

    if (w->job.rc != PH_OK)
        return resp_error(r, w->job.rc, NULL);
    arr = json_array();
    for (size_t i = 0; i < j->n; i++) {
        const struct position_result *res = &j->results[i];
        json_t *o = json_pack("{s:I, s:s}", "index", (json_int_t)i, "status",
                              res->rc == PH_OK ? "stored" : "refused");
        if (res->rc == PH_OK) {
            stored++;
            json_object_set_new(o, "device_id", json_integer(res->device_id));
        } else {
            json_object_set_new(o, "error", json_string(err_code(res->rc)));
            if (res->field != NULL)
                json_object_set_new(o, "field", json_string(res->field));
        }
        json_array_append_new(arr, o);
    }
    return resp_json(r, 200, json_pack("{s:o, s:I}", "results", arr, "stored", (json_int_t)stored));
}

/* On the loop, on every path: publish what committed. */
static void cleanup_ingest(void *arg)
{
    struct pos_job *j = arg;

    if (j->w->job.rc == PH_OK && j->n_fixes > 0)
        livepos_publish(j->w->t->livepos, j->fixes, j->n_fixes);
}

static int post_positions(struct req *r)
{
    struct http_write *w = http_write_begin(r);
    struct pos_job *j = arena_zalloc(&w->job.arena, sizeof(*j));
    const char *field = NULL;
    ph_err rc;

    j->w = w;
    w->arg = j;
    rc = pjson_position_batch(r->body, &w->job.arena, POSITION_BATCH_MAX, &j->reports, &j->bad,
                              &j->n, &field);
    if (rc != PH_OK) {
        int ans = resp_error(r, rc, field);
        http_write_abandon(w);
        return ans;
    }
    j->results = arena_zalloc(&w->job.arena, j->n * sizeof(*j->results));
    w->cleanup = cleanup_ingest;
    return http_write_submit(w, NULL, run_ingest, j, finish_ingest);
}

/* ---- GET /api/v1/positions/latest ------------------------------------------------------ */

/* An RFC 3339 (or UTC ms) query parameter into *ms (untouched when absent). */
static ph_err query_time(struct req *r, const char *name, int64_t *ms)
{
    const char *v;
    char *end;
    ph_err rc = req_query_text(r, name, &v);

    if (rc != PH_OK || v == NULL)
        return rc;
    if (v[0] >= '0' && v[0] <= '9' && strchr(v, '-') == NULL) {
        errno = 0;
        long long x = strtoll(v, &end, 10);
        if (errno != 0 || *end != '\0' || x < 0)
            return PH_EPARSE;
        *ms = x;
        return PH_OK;
    }
    return time_parse_rfc3339(v, ms) == PH_OK ? PH_OK : PH_EPARSE;
}

static int get_latest(struct req *r)
{
    struct device *items = NULL;
    size_t n = 0;
    int64_t since = 0;
    ph_err rc;

    if (query_time(r, "since", &since) != PH_OK)
        return resp_error(r, PH_EPARSE, "since");
    rc = position_latest(&r->cx, since, &items, &n);
    if (rc != PH_OK)
        return resp_error(r, rc, NULL);
    return resp_json(r, 200, pjson_positions_latest(items, n));
}

/* ---- GET /api/v1/operations/:id/track --------------------------------------------------- */

static int get_track(struct req *r)
{
    struct position_track *tracks = NULL;
    size_t n = 0;
    int64_t id, from = 0, to = 0;
    struct buf b;
    ph_err rc = req_path_id(r, "id", &id);

    if (rc != PH_OK)
        return resp_error(r, rc, NULL);
    if (query_time(r, "from", &from) != PH_OK)
        return resp_error(r, PH_EPARSE, "from");
    if (query_time(r, "to", &to) != PH_OK)
        return resp_error(r, PH_EPARSE, "to");
    if (to != 0 && from >= to)
        return resp_error(r, PH_EINVAL, "to");
    rc = position_operation_track(&r->cx, id, from, to, &tracks, &n);
    if (rc != PH_OK)
        return resp_error(r, rc, rc == PH_ETOOBIG ? "to" : NULL);
    buf_init(&b, TRACK_MAX_BYTES);
    rc = pjson_track_write(id, tracks, n, &b);
    int ans = rc == PH_OK ? resp_text(r, 200, "application/geo+json", b.data, b.len)
                          : resp_error(r, rc, "to");
    buf_release(&b);
    return ans;
}

/* ---- devices: adapters for crud.c --------------------------------------------------------- */

static void device_init(void *rec)
{
    struct device *d = rec;
    memset(d, 0, sizeof(*d));
    d->is_active = true;
    d->last_battery = -1;
}

static ph_err device_get_rec(struct core_ctx *cx, int64_t id, void *rec)
{
    return device_get(cx, id, rec);
}

static ph_err device_apply(json_t *obj, struct arena *a, void *rec, bool creating,
                           const char **field)
{
    return pjson_apply_device(obj, a, rec, creating, field);
}

static json_t *device_encode(const void *rec)
{
    return pjson_device(rec);
}

static ph_err device_create_rec(struct core_ctx *cx, void *rec, const char **field)
{
    return device_create(cx, rec, field);
}

static ph_err device_update_rec(struct core_ctx *cx, void *rec, const char **field)
{
    return device_update(cx, rec, field);
}

static const struct crud_resource device_resource = {
    .path = DEVICES_PATH,
    .rec_size = sizeof(struct device),
    .init = device_init,
    .get = device_get_rec,
    .apply = device_apply,
    .encode = device_encode,
    .create = device_create_rec,
    .update = device_update_rec,
    .id_at = offsetof(struct device, id),
    .version_at = offsetof(struct device, version),
    /* A device deactivated or bound to someone else must lose what its CoT
     * connection may read at once: the listener re-checks identities when the
     * session generation moves. */
    .changes_sessions = true,
};

static int list_devices(struct req *r)
{
    struct device_filter f = {0};
    const struct query_param params[] = {
        {"unit_id", QP_ID, &f.unit_id},
        {"person_id", QP_ID, &f.person_id},
        {"q", QP_TEXT, &f.q},
    };
    const char *field = NULL;
    ph_err rc = req_list_query(r, params, PH_NELEM(params), &f.after_id, &f.limit, &field);
    struct device *items = NULL;
    size_t n = 0;
    bool more = false;

    if (rc != PH_OK)
        return resp_error(r, rc, field);
    rc = device_list(&r->cx, &f, &items, &n, &more);
    if (rc != PH_OK)
        return resp_error(r, rc, NULL);
    return crud_list_answer(r, &device_resource, items, sizeof(*items), n, more);
}

static int get_device(struct req *r)
{
    return crud_get(r, &device_resource);
}

static int create_device(struct req *r)
{
    return crud_create(r, &device_resource);
}

static int update_device(struct req *r)
{
    return crud_update(r, &device_resource);
}

const struct route api_position_routes[] = {
    {"POST", POSITIONS_PATH, post_positions, ROUTE_USER, ROUTE_JSON_BODY},
    {"GET", POSITIONS_PATH "/latest", get_latest, ROUTE_USER, ROUTE_NO_BODY},
    {"GET", "/api/v1/operations/:id/track", get_track, ROUTE_USER, ROUTE_NO_BODY},
    {"GET", DEVICES_PATH, list_devices, ROUTE_USER, ROUTE_NO_BODY},
    {"POST", DEVICES_PATH, create_device, ROUTE_USER, ROUTE_JSON_BODY},
    {"GET", DEVICES_PATH "/:id", get_device, ROUTE_USER, ROUTE_NO_BODY},
    {"PATCH", DEVICES_PATH "/:id", update_device, ROUTE_USER, ROUTE_JSON_BODY},
    {NULL, NULL, NULL, 0, ROUTE_NO_BODY},
};
