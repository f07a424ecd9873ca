/* api_incidents.c - /api/v1/incidents: incident reports, their workflow
 * (status, transfer, merge), acknowledgements and timeline (docs/API.md).
 *
 * Reads run on the loop's connection; writes go to the writer (http/async.h) and
 * answer after commit: a create with the incident as the writer stored it, the
 * other writes with the incident re-read. PATCH is crud.c's; create has its own
 * job because incident_create takes the Idempotency-Key and says whether it
 * replayed. Record access is core's: what the caller may not see is 404, what the
 * caller may not change is 403. */
#include "util/base.h"
#include <math.h>
#include <sodium.h>
#include "http/async.h"
#include "http/crud.h"
#include "http/http_int.h"
#include "http/incident_cache.h"
#include "http/req.h"
#include "http/read_audit.h"
#include "http/resp.h"
#include "http/router.h"
#include "core/access.h"
#include "core/audit.h"
#include "core/category.h"
#include "core/incident.h"
#include "core/unit.h"
#include "proto/pjson.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/time.h"

#define INCIDENTS_PATH "/api/v1/incidents"

/* The record the adapters work on: the incident first, so that a plain struct
 * incident (in lists) reads the same; then the body's "category" code, which
 * needs core to become category_id. */
struct incident_rec {
    struct incident inc;
    const char *category_code;
    bool id_given; /* the body also had "category_id": the two must agree */
};

/* Turn the body's category code into rec->inc.category_id (an unknown code is
 * the member's fault: 422 "category"; an id given beside it that names another
 * category, 422 "category_id"). */
static ph_err resolve_category(struct core_ctx *cx, struct incident_rec *rec, const char **field)
{
    if (rec->category_code == NULL)
        return PH_OK;
    struct category c;
    ph_err rc = category_get_by_code(cx, rec->category_code, &c);
    if (rc == PH_ENOTFOUND || rc == PH_EINVAL) {
        *field = "category";
        return PH_EINVAL;
    }
    if (rc == PH_OK && rec->id_given && rec->inc.category_id != c.id) {
        *field = "category_id";
        return PH_EINVAL;
    }
    if (rc == PH_OK)
        rec->inc.category_id = c.id;
    return rc;
}

/* Decode obj onto rec (see pjson_apply_incident). */
static ph_err apply_rec(json_t *obj, struct arena *a, struct incident_rec *rec, bool creating,
                        const char **field)
{
    rec->id_given = json_object_get(obj, "category_id") != NULL;
    return pjson_apply_incident(obj, a, &rec->inc, creating, &rec->category_code, field);
}

/* ---- adapters for crud.c (GET answers, PATCH) ---------------------------------- */

static void incident_init(struct incident *inc)
{
    memset(inc, 0, sizeof(*inc));
    inc->classification = CLEARANCE_UNCLASSIFIED;
    inc->cap_status = "actual";
}

static ph_err incident_get_rec(struct core_ctx *cx, int64_t id, void *rec)
{
    struct incident_rec *ir = rec;
    ir->category_code = NULL;
    return incident_get(cx, id, &ir->inc);
}

static ph_err incident_apply(json_t *obj, struct arena *a, void *rec, bool creating,
                             const char **field)
{
    return apply_rec(obj, a, rec, creating, field);
}

static json_t *incident_encode(const void *rec)
{
    return pjson_incident(rec, true);
}

static ph_err incident_update_rec(struct core_ctx *cx, void *rec, const char **field)
{
    struct incident_rec *ir = rec;
    ph_err rc = resolve_category(cx, ir, field);
    return rc == PH_OK ? incident_update(cx, &ir->inc, field) : rc;
}

static const struct crud_resource incident_resource = {
    .path = INCIDENTS_PATH,
    .rec_size = sizeof(struct incident_rec),
    .get = incident_get_rec,
    .apply = incident_apply,
    .encode = incident_encode,
    .update = incident_update_rec,
    .id_at = offsetof(struct incident, id),
    .version_at = offsetof(struct incident, version),
};

/* ---- answers ------------------------------------------------------------------- */

static void set_etag(struct req *r, int64_t version)
{
    char tag[32];
    snprintf(tag, sizeof(tag), "\"%lld\"", (long long)version);
    resp_header(r, "etag", tag);
}

static void set_location(struct req *r, int64_t id)
{
    char loc[64];
    snprintf(loc, sizeof(loc), INCIDENTS_PATH "/%lld", (long long)id);
    resp_header(r, "location", loc);
}

/* The largest incident answer written: as incident_cache.c's renderings. */
#define ANSWER_MAX_BYTES (4u << 20)

/* Answer with inc (recipients included), its ETag, and its Location when asked.
 * Written directly, like the cached GET answers (pjson_incident_write: the bytes
 * of pjson_incident, without a jansson tree of a hundred values per answer, which
 * at ingest rates cost the event loops half their time). */
static int answer_incident(struct req *r, const struct incident *inc, int status,
                           bool with_location)
{
    struct buf body;
    int ans;

    buf_init(&body, ANSWER_MAX_BYTES);
    if (pjson_incident_write(inc, true, &body) != PH_OK) {
        buf_release(&body);
        return resp_error(r, PH_EIO, NULL);
    }
    set_etag(r, inc->version);
    if (with_location)
        set_location(r, inc->id);
    ans = resp_text(r, status, "application/json; charset=utf-8", body.data, body.len);
    buf_release(&body);
    return ans;
}

/* Answer with incident id as the caller sees it after a write (the workflow
 * calls return nothing). A write after which the caller no longer sees the
 * incident answers 204: the write is done, and is not to be reported as an error. */
static int answer_written(struct req *r, int64_t id)
{
    struct incident inc;
    ph_err rc = incident_get(&r->cx, id, &inc);
    if (rc == PH_ENOTFOUND)
        return resp_empty(r, 204);
    if (rc != PH_OK) {
        log_warn("http/incidents: re-read of incident %lld after commit: %s", (long long)id,
                 err_str(rc));
        return resp_empty(r, 204);
    }
    return answer_incident(r, &inc, 200, false);
}

/* ---- GET /api/v1/incidents ----------------------------------------------------- */

/* "minLon,minLat,maxLon,maxLat" in WGS84 degrees. */
static bool parse_bbox(const char *s, struct incident_filter *f)
{
    double v[4];
    const char *p = s;
    for (int i = 0; i < 4; i++) {
        char *end;
        if (*p == '\0' || *p == ' ')
            return false;
        errno = 0;
        v[i] = strtod(p, &end);
        if (errno != 0 || end == p || !isfinite(v[i]))
            return false;
        if (i < 3 && *end != ',')
            return false;
        if (i == 3 && *end != '\0')
            return false;
        p = end + 1;
    }
    if (v[0] < -180 || v[2] > 180 || v[1] < -90 || v[3] > 90 || v[0] > v[2] || v[1] > v[3])
        return false;
    f->has_bbox = true;
    f->min_lon = v[0];
    f->min_lat = v[1];
    f->max_lon = v[2];
    f->max_lat = v[3];
    return true;
}

/* A severity bound 1..4 (untouched when absent). */
static ph_err query_severity(struct req *r, const char *name, int *out)
{
    int64_t v;
    bool present = false;
    if (req_query_i64(r, name, &v, &present) != PH_OK || (present && (v < 1 || v > 4)))
        return PH_EPARSE;
    if (present)
        *out = (int)v;
    return PH_OK;
}

/* The filters of the list; on failure *field names the parameter. */
static ph_err list_filter(struct req *r, struct incident_filter *f, const char **field)
{
    const char *category = NULL, *bbox = NULL;
    const struct query_param params[] = {
        {"q", QP_TEXT, &f->q},
        {"category", QP_TEXT, &category},
        {"category_id", QP_ID, &f->category_id},
        {"status", QP_TEXT, &f->status},
        {"cap_status", QP_TEXT, &f->cap_status},
        {"force", QP_TEXT, &f->force},
        {"unit_id", QP_ID, &f->unit_id},
        {"area_id", QP_ID, &f->area_id},
        {"bbox", QP_TEXT, &bbox},
        {"overdue", QP_BOOL, &f->overdue_only},
    };
    ph_err rc = req_list_query(r, params, PH_NELEM(params), &f->before_id, &f->limit, field);
    if (rc != PH_OK)
        return rc;
    if (req_query_time(r, "from", &f->from) != PH_OK) {
        *field = "from";
        return PH_EPARSE;
    }
    if (req_query_time(r, "to", &f->to) != PH_OK) {
        *field = "to";
        return PH_EPARSE;
    }
    if (query_severity(r, "severity_min", &f->severity_min) != PH_OK) {
        *field = "severity_min";
        return PH_EPARSE;
    }
    if (query_severity(r, "severity_max", &f->severity_max) != PH_OK) {
        *field = "severity_max";
        return PH_EPARSE;
    }
    if (f->status != NULL && !incident_status_valid(f->status)) {
        *field = "status";
        return PH_EPARSE;
    }
    if (f->cap_status != NULL && !incident_cap_status_valid(f->cap_status)) {
        *field = "cap_status";
        return PH_EPARSE;
    }
    if (f->force != NULL && !force_is_valid(f->force)) {
        *field = "force";
        return PH_EPARSE;
    }
    if (bbox != NULL && !parse_bbox(bbox, f)) {
        *field = "bbox";
        return PH_EPARSE;
    }
    if (category != NULL) {
        struct incident_rec rec = {.category_code = category, .id_given = f->category_id != 0};
        rec.inc.category_id = f->category_id;
        if ((rc = resolve_category(&r->cx, &rec, field)) != PH_OK)
            return rc;
        f->category_id = rec.inc.category_id;
    }
    return PH_OK;
}

static int list_incidents(struct req *r)
{
    struct incident_filter f = {0};
    const char *field = NULL;
    ph_err rc = list_filter(r, &f, &field);
    if (rc != PH_OK)
        return resp_error(r, rc, field);
    struct incident *items;
    size_t n;
    bool more;
    rc = incident_list(&r->cx, &f, &items, &n, &more);
    if (rc != PH_OK)
        return resp_error(r, rc, NULL);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        req_note_read(r, "incident", items[i].id, items[i].classification);
        json_array_append_new(arr, pjson_incident(&items[i], false));
    }
    /* Newest first: the cursor is the last (smallest) id, the store pages below it. */
    return resp_json(r, 200, pjson_page(arr, more, n ? items[n - 1].id : 0));
}

/* ---- GET /api/v1/incidents/:id (an id, or a reference number) ------------------ */

static const char *path_param(struct req *r, const char *name)
{
    for (int i = 0; i < r->n_params; i++)
        if (strcmp(r->param_names[i], name) == 0)
            return r->param_values[i];
    return NULL;
}

/* True for what a reference number is made of ("BT-2026-000123"). */
static bool looks_like_ref(const char *s)
{
    size_t n = strlen(s);
    if (n < 3 || n > INCIDENT_REF_MAX_BYTES)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return false;
    return strchr(s, '-') != NULL;
}

/* By id, the answer comes from the loop's cache (http/incident_cache.h: current
 * at every request, access checked per caller); by reference number, it is read
 * and rendered each time (the cache is by id, and such reads are rare). */
/* A classified incident is sent only after its read is audited (read_audit.h). */
static int answer_read(struct req *r, int64_t id, int64_t version, int classification,
                       const char *body, size_t len)
{
    set_etag(r, version);
    req_note_read(r, "incident", id, classification);
    return resp_text(r, 200, "application/json; charset=utf-8", body, len);
}

static int get_incident(struct req *r)
{
    const char *p = path_param(r, "id");
    struct incident_view v;
    struct incident inc;
    ph_err rc;
    int64_t id;

    if (p != NULL && looks_like_ref(p)) {
        rc = incident_get_by_ref(&r->cx, p, &inc);
        if (rc != PH_OK)
            return resp_error(r, rc, NULL);
        json_t *j = pjson_incident(&inc, true);
        char *body = j != NULL ? json_dumps(j, PJSON_DUMP_FLAGS) : NULL;
        json_decref(j);
        if (body == NULL)
            return resp_error(r, PH_EIO, NULL);
        int done = answer_read(r, inc.id, inc.version, inc.classification, body, strlen(body));
        free(body);
        return done;
    }
    if ((rc = req_path_id(r, "id", &id)) == PH_OK)
        rc = incident_cache_get(incident_cache_local(), &r->cx, id, &v);
    if (rc != PH_OK)
        return resp_error(r, rc, NULL);
    return answer_read(r, id, v.version, v.classification, v.json, v.len);
}

static int update_incident(struct req *r)
{
    return crud_update(r, &incident_resource);
}

/* ---- POST /api/v1/incidents ---------------------------------------------------- */

struct create_job {
    struct incident_rec rec;
    struct incident_idem idem;
    bool has_idem, replayed;
    const char *field;
};

/* 1..INCIDENT_IDEM_KEY_MAX_BYTES of printable ASCII. */
static bool idem_key_valid(const char *k)
{
    size_t n = strlen(k);
    if (n == 0 || n > INCIDENT_IDEM_KEY_MAX_BYTES)
        return false;
    for (size_t i = 0; i < n; i++)
        if (k[i] < 0x20 || k[i] > 0x7e)
            return false;
    return true;
}

/* BLAKE2b-256 of the body as parsed, written out canonically (compact, keys
 * sorted): the server wipes the raw bytes once parsed (they may carry secrets),
 * and a retry that only re-orders members or white space is the same request. */
static bool body_hash(json_t *body, uint8_t out[32])
{
    char *s = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
    if (s == NULL)
        return false;
    int rc = crypto_generichash(out, 32, (const unsigned char *)s, strlen(s), NULL, 0);
    free(s);
    return rc == 0;
}

static ph_err run_create(struct core_ctx *cx, void *arg)
{
    struct create_job *j = arg;
    return incident_create(cx, &j->rec.inc, j->has_idem ? &j->idem : NULL, &j->replayed,
                           &j->field);
}

static int finish_create(struct req *r, struct http_write *w)
{
    struct create_job *j = w->arg;
    if (w->job.rc != PH_OK)
        return resp_error(r, w->job.rc, j->field);
    /* incident_create gives the incident back as stored in its transaction (or, on
     * a replay, as first stored): no second read on the loop, which matters at
     * ingest rates. Its strings live in the job's arena, alive until we return. */
    if (j->replayed)
        resp_header(r, "idempotent-replayed", "true");
    return answer_incident(r, &j->rec.inc, j->replayed ? 200 : 201, true);
}

static int create_incident(struct req *r)
{
    const char *key = req_header(r, "idempotency-key");
    if (key != NULL && !idem_key_valid(key))
        return resp_error(r, PH_EPARSE, "Idempotency-Key");

    struct http_write *w = http_write_begin(r);
    struct create_job *j = arena_zalloc(&w->job.arena, sizeof(*j));
    ph_err rc = PH_OK;
    w->arg = j;
    incident_init(&j->rec.inc);
    if (key != NULL) {
        j->has_idem = true;
        j->idem.key = arena_strdup(&w->job.arena, key);
        if (!body_hash(r->body, j->idem.request_hash))
            rc = PH_EIO;
    }
    if (rc == PH_OK)
        rc = apply_rec(r->body, &w->job.arena, &j->rec, true, &j->field);
    /* On the loop's read connection: the writer only writes. */
    if (rc == PH_OK)
        rc = resolve_category(&r->cx, &j->rec, &j->field);
    if (rc != PH_OK) {
        int ans = resp_error(r, rc, j->field);
        http_write_abandon(w);
        return ans;
    }
    return http_write_submit(w, NULL, run_create, j, finish_create);
}

/* ---- POST /:id/status, /:id/transfer, /:id/merge ------------------------------- */

enum action_kind { ACTION_STATUS, ACTION_TRANSFER, ACTION_MERGE };

struct action_job {
    enum action_kind kind;
    int64_t id, version;
    struct pjson_incident_action body;
    const char *field;
};

static ph_err run_action(struct core_ctx *cx, void *arg)
{
    struct action_job *j = arg;
    const struct pjson_incident_action *b = &j->body;
    switch (j->kind) {
    case ACTION_STATUS:
        return incident_set_status(cx, j->id, j->version, b->status, b->note, &j->field);
    case ACTION_TRANSFER:
        return incident_transfer(cx, j->id, j->version, b->lead_unit_id, b->note, &j->field);
    case ACTION_MERGE:
        return incident_merge(cx, j->id, j->version, b->into_id, b->note, &j->field);
    }
    return PH_EINVAL;
}

static int finish_action(struct req *r, struct http_write *w)
{
    struct action_job *j = w->arg;
    if (w->job.rc != PH_OK)
        return resp_error(r, w->job.rc, j->field);
    return answer_written(r, j->id);
}

/* The member each action needs, and the members it knows. */
static const struct {
    const char *required;
    unsigned allowed;
} action_members[] = {
    [ACTION_STATUS] = {"status", PJSON_ACT_STATUS | PJSON_ACT_NOTE | PJSON_ACT_VERSION},
    [ACTION_TRANSFER] = {"lead_unit_id", PJSON_ACT_LEAD_UNIT | PJSON_ACT_NOTE | PJSON_ACT_VERSION},
    [ACTION_MERGE] = {"into_id", PJSON_ACT_INTO | PJSON_ACT_NOTE | PJSON_ACT_VERSION},
};

static int incident_action(struct req *r, enum action_kind kind)
{
    int64_t id, if_match;
    ph_err rc = req_path_id(r, "id", &id);
    if (rc != PH_OK)
        return resp_error(r, rc, NULL);
    if (req_if_match(r, &if_match) != PH_OK)
        return resp_error(r, PH_EPARSE, "If-Match");

    struct http_write *w = http_write_begin(r);
    struct action_job *j = arena_zalloc(&w->job.arena, sizeof(*j));
    const struct pjson_incident_action *b = &j->body;
    w->arg = j;
    j->kind = kind;
    j->id = id;
    rc = pjson_apply_incident_action(r->body, &w->job.arena, action_members[kind].allowed,
                                     &j->body, &j->field);
    if (rc == PH_OK && ((kind == ACTION_STATUS && b->status == NULL) ||
                        (kind == ACTION_TRANSFER && b->lead_unit_id == 0) ||
                        (kind == ACTION_MERGE && b->into_id == 0))) {
        j->field = action_members[kind].required;
        rc = PH_EINVAL;
    }
    if (rc != PH_OK) {
        int ans = resp_error(r, rc, j->field);
        http_write_abandon(w);
        return ans;
    }
    /* If-Match, else the body's "version", else any version. */
    j->version = if_match != 0 ? if_match : b->version;
    return http_write_submit(w, NULL, run_action, j, finish_action);
}

static int set_status(struct req *r) { return incident_action(r, ACTION_STATUS); }
static int transfer_incident(struct req *r) { return incident_action(r, ACTION_TRANSFER); }
static int merge_incident(struct req *r) { return incident_action(r, ACTION_MERGE); }

/* ---- /:id/acknowledgements ------------------------------------------------------- */

struct ack_job {
    int64_t id;
    struct pjson_incident_action body;
    struct incident_ack ack;
    const char *field;
};

static ph_err run_ack(struct core_ctx *cx, void *arg)
{
    struct ack_job *j = arg;
    return incident_acknowledge(cx, j->id, j->body.unit_id, j->body.stage, j->body.note, &j->ack,
                                &j->field);
}

static int finish_ack(struct req *r, struct http_write *w)
{
    struct ack_job *j = w->arg;
    if (w->job.rc != PH_OK)
        return resp_error(r, w->job.rc, j->field);
    return resp_json(r, 201, pjson_incident_ack(&j->ack));
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
    rc = pjson_apply_incident_action(r->body, &w->job.arena,
                                     PJSON_ACT_STAGE | PJSON_ACT_NOTE | PJSON_ACT_UNIT, &j->body,
                                     &j->field);
    if (rc == PH_OK && j->body.stage == NULL) {
        j->field = "stage";
        rc = PH_EINVAL;
    }
    if (rc != PH_OK) {
        int ans = resp_error(r, rc, j->field);
        http_write_abandon(w);
        return ans;
    }
    return http_write_submit(w, NULL, run_ack, j, finish_ack);
}

static int list_acks(struct req *r)
{
    int64_t id;
    struct incident_ack *items = NULL;
    size_t n = 0;
    ph_err rc = req_path_id(r, "id", &id);
    if (rc == PH_OK)
        rc = incident_acks(&r->cx, id, &items, &n);
    if (rc == PH_OK)
        rc = req_note_incident_read(r, id);
    if (rc != PH_OK)
        return resp_error(r, rc, NULL);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, pjson_incident_ack(&items[i]));
    return resp_json(r, 200, pjson_page(arr, false, 0));
}

/* ---- GET /:id/timeline ------------------------------------------------------------ */

static int get_timeline(struct req *r)
{
    int64_t id;
    struct incident_event *items = NULL;
    size_t n = 0;
    ph_err rc = req_path_id(r, "id", &id);
    if (rc == PH_OK)
        rc = incident_timeline(&r->cx, id, &items, &n);
    if (rc == PH_OK)
        rc = req_note_incident_read(r, id);
    if (rc != PH_OK)
        return resp_error(r, rc, NULL);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, pjson_incident_event(&items[i]));
    return resp_json(r, 200, pjson_page(arr, false, 0));
}

const struct route api_incident_routes[] = {
    {"GET", "/api/v1/incidents", list_incidents, ROUTE_USER, false},
    {"POST", "/api/v1/incidents", create_incident, ROUTE_USER, true},
    {"GET", "/api/v1/incidents/:id", get_incident, ROUTE_USER, false},
    {"PATCH", "/api/v1/incidents/:id", update_incident, ROUTE_USER, true},
    {"POST", "/api/v1/incidents/:id/status", set_status, ROUTE_USER, true},
    {"POST", "/api/v1/incidents/:id/transfer", transfer_incident, ROUTE_USER, true},
    {"POST", "/api/v1/incidents/:id/merge", merge_incident, ROUTE_USER, true},
    {"GET", "/api/v1/incidents/:id/acknowledgements", list_acks, ROUTE_USER, false},
    {"POST", "/api/v1/incidents/:id/acknowledgements", acknowledge, ROUTE_USER, true},
    {"GET", "/api/v1/incidents/:id/timeline", get_timeline, ROUTE_USER, false},
    {NULL, NULL, NULL, 0, false},
};
