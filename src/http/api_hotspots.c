/* api_hotspots.c - /api/v1/hotspots: the hotspot records the early-warning run
 * finds (core/hotspot.h), which commanders move watch -> confirmed -> resolved
 * with notes (docs/API.md, "Hot spots").
 *
 * A record is a GeoJSON Feature (proto/pjson_hotspot.h: the same shape as in the
 * inbox); the list is a FeatureCollection with the usual paging members. One
 * record adds its incidents, its notes, and whether the caller may move it
 * ("can_set_status", so that the web application offers only what would be
 * allowed; the core decides again on the move). Status moves and notes are
 * writer jobs that answer with what their transaction stored. A detection run on
 * demand (administrators and coordinators) is split as the scheduler's is: its
 * analysis (hotspot_detect_find) is the CPU step on the worker pool, on a read
 * connection of its own, and only the inserts (hotspot_detect_record) are a
 * writer job, so that other writes do not wait behind the analysis. Record
 * access is core's: what the caller may not see is 404, a move the caller may
 * not make 403. Classified records shown are noted for the read audit, as
 * incidents are (also in the answer of a status move). A run holds a place of
 * http/analysis_gate.h until its writer job is done: a second run, or an
 * analysis, meanwhile is 429. */
#include "util/base.h"
#include "http/analysis_gate.h"
#include "http/async.h"
#include "http/http_int.h"
#include "http/req.h"
#include "http/read_audit.h"
#include "http/resp.h"
#include "http/router.h"
#include "core/access.h"
#include "core/hotspot.h"
#include "proto/pjson.h"
#include "proto/pjson_hotspot.h"
#include "util/arena.h"
#include "util/limits.h"

#define HOTSPOTS_PATH "/api/v1/hotspots"
#define HOTSPOT_NOTE_MAX_BYTES 4000

/* ---- answers ------------------------------------------------------------------------ */

static void set_etag(struct req *r, int64_t version)
{
    char tag[32];
    snprintf(tag, sizeof(tag), "\"%lld\"", (long long)version);
    resp_header(r, "etag", tag);
}

/* The Feature of record id with its notes and can_set_status, read through cx (the
 * loop's connection, or the writer's inside the job that changed it). */
static ph_err full_feature(struct core_ctx *cx, int64_t id, struct hotspot *h, json_t **out)
{
    struct hotspot_note *notes = NULL;
    size_t n = 0;
    bool can = false;
    ph_err rc = hotspot_get_detail(cx, id, h, &notes, &n, &can);

    if (rc != PH_OK)
        return rc;
    json_t *f = pjson_hotspot_feature(h);
    json_t *props = json_object_get(f, "properties");
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, pjson_hotspot_note(&notes[i]));
    if (json_object_get(props, "incident_ids") == NULL)
        json_object_set_new(props, "incident_ids", json_array());
    json_object_set_new(props, "notes", arr);
    json_object_set_new(props, "can_set_status", json_boolean(can));
    *out = f;
    return PH_OK;
}

/* ---- GET /api/v1/hotspots ------------------------------------------------------------ */

static int list_hotspots(struct req *r)
{
    struct hotspot_filter f = {0};
    int64_t before = 0;
    const struct query_param params[] = {
        {"status", QP_TEXT, &f.status},
        {"area_id", QP_ID, &f.area_id},
        {"before", QP_ID, &before},
    };
    const char *field = NULL;
    ph_err rc = req_list_query(r, params, PH_NELEM(params), &f.before_id, &f.limit, &field);
    if (rc != PH_OK)
        return resp_error(r, rc, field);
    if (req_query_time(r, "from", &f.from) != PH_OK)
        return resp_error(r, PH_EPARSE, "from");
    if (req_query_time(r, "to", &f.to) != PH_OK)
        return resp_error(r, PH_EPARSE, "to");
    if (f.status != NULL && strcmp(f.status, HOTSPOT_WATCH) != 0 &&
        strcmp(f.status, HOTSPOT_CONFIRMED) != 0 && strcmp(f.status, HOTSPOT_RESOLVED) != 0)
        return resp_error(r, PH_EPARSE, "status");
    if (before != 0) /* ?before=ID (docs/API.md), or the usual ?cursor= */
        f.before_id = before;

    struct hotspot *items = NULL;
    size_t n = 0;
    bool more = false;
    rc = hotspot_list(&r->cx, &f, &items, &n, &more);
    if (rc != PH_OK)
        return resp_error(r, rc, NULL);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        req_note_read(r, "hotspot", items[i].id, items[i].classification);
        json_array_append_new(arr, pjson_hotspot_feature(&items[i]));
    }
    /* Newest first: the next page is below the last (smallest) id. The usual
     * "items"/"next_cursor" members are not here: a FeatureCollection keeps
     * "features", which map libraries read as they are. */
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string("FeatureCollection"));
    json_object_set_new(o, "has_more", json_boolean(more));
    json_object_set_new(o, "next_before",
                        more && n > 0 ? json_integer(items[n - 1].id) : json_null());
    json_object_set_new(o, "features", arr);
    return resp_json(r, 200, o);
}

/* ---- GET /api/v1/hotspots/:id ---------------------------------------------------------- */

static int get_hotspot(struct req *r)
{
    struct hotspot h;
    json_t *f = NULL;
    int64_t id;
    ph_err rc = req_path_id(r, "id", &id);

    if (rc == PH_OK)
        rc = full_feature(&r->cx, id, &h, &f);
    if (rc != PH_OK)
        return resp_error(r, rc, NULL);
    set_etag(r, h.version);
    req_note_read(r, "hotspot", h.id, h.classification);
    return resp_json(r, 200, f);
}

/* ---- POST /api/v1/hotspots/:id/status and /notes --------------------------------------- */

struct hotspot_job {
    int64_t id, version;
    const char *status, *text, *field;
    json_t *answer;       /* made in the job's transaction; taken by finish */
    int64_t answer_version;
    int classification;
};

static void hotspot_job_cleanup(void *arg)
{
    struct hotspot_job *j = arg;
    json_decref(j->answer);
}

/* A string member of the body of at most max bytes, copied into a: absent is
 * fine when !required; anything but a string is PH_EINVAL. */
static ph_err body_text(json_t *body, const char *name, size_t max, bool required, struct arena *a,
                        const char **out)
{
    json_t *v = json_object_get(body, name);
    *out = NULL;
    if (v == NULL || json_is_null(v))
        return required ? PH_EINVAL : PH_OK;
    if (!json_is_string(v) || json_string_length(v) > max ||
        strlen(json_string_value(v)) != json_string_length(v))
        return PH_EINVAL;
    *out = arena_strndup(a, json_string_value(v), json_string_length(v));
    return PH_OK;
}

/* Only the members named in allowed (NULL-terminated) may be there, each compared
 * whole: an empty name, or "note version" as one name, is unknown and named in
 * *field (an empty name as ""). */
static ph_err body_members(json_t *body, const char *const *allowed, const char **field)
{
    const char *key;
    json_t *v;
    json_object_foreach (body, key, v) {
        bool known = false;
        for (size_t i = 0; allowed[i] != NULL && !known; i++)
            known = strcmp(key, allowed[i]) == 0;
        if (!known) {
            *field = key;
            return PH_EINVAL;
        }
    }
    return PH_OK;
}

static const char *const status_members[] = {"status", "note", "version", NULL};
static const char *const note_members[] = {"text", NULL};

static ph_err run_status(struct core_ctx *cx, void *arg)
{
    struct hotspot_job *j = arg;
    struct hotspot h;
    ph_err rc = hotspot_set_status(cx, j->id, j->version, j->status, j->text, &j->field);
    if (rc == PH_OK)
        rc = full_feature(cx, j->id, &h, &j->answer);
    if (rc == PH_OK) {
        j->answer_version = h.version;
        j->classification = h.classification;
    }
    return rc;
}

static int finish_status(struct req *r, struct http_write *w)
{
    struct hotspot_job *j = w->arg;
    if (w->job.rc != PH_OK)
        return resp_error(r, w->job.rc, j->field);
    set_etag(r, j->answer_version);
    /* The answer shows the record as GET does: audited the same way. */
    req_note_read(r, "hotspot", j->id, j->classification);
    json_t *a = j->answer;
    j->answer = NULL;
    return resp_json(r, 200, a);
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
    struct hotspot_job *j = arena_zalloc(&w->job.arena, sizeof(*j));
    w->arg = j;
    w->cleanup = hotspot_job_cleanup;
    j->id = id;
    rc = body_members(r->body, status_members, &j->field);
    if (rc == PH_OK && body_text(r->body, "status", TEXT_MAX_NAME_BYTES, true, &w->job.arena,
                                 &j->status) != PH_OK) {
        j->field = "status";
        rc = PH_EINVAL;
    }
    if (rc == PH_OK && body_text(r->body, "note", HOTSPOT_NOTE_MAX_BYTES, false, &w->job.arena,
                                 &j->text) != PH_OK) {
        j->field = "note";
        rc = PH_EINVAL;
    }
    json_t *v = json_object_get(r->body, "version");
    if (rc == PH_OK && v != NULL && !json_is_null(v) &&
        (!json_is_integer(v) || json_integer_value(v) < 1)) {
        j->field = "version";
        rc = PH_EINVAL;
    }
    if (rc != PH_OK) {
        int ans = resp_error(r, rc, j->field);
        http_write_abandon(w);
        return ans;
    }
    /* If-Match, else the body's "version", else any version. */
    j->version = if_match != 0 ? if_match : json_is_integer(v) ? json_integer_value(v) : 0;
    return http_write_submit(w, NULL, run_status, j, finish_status);
}

static ph_err run_note(struct core_ctx *cx, void *arg)
{
    struct hotspot_job *j = arg;
    struct hotspot_note *notes = NULL;
    size_t n = 0;
    ph_err rc = hotspot_add_note(cx, j->id, j->text, &j->field);
    /* Notes come in id order and the writer runs one job at a time: the last
     * one is ours. */
    if (rc == PH_OK)
        rc = hotspot_notes(cx, j->id, &notes, &n);
    if (rc == PH_OK && n == 0)
        rc = PH_ESTORE;
    if (rc == PH_OK)
        j->answer = pjson_hotspot_note(&notes[n - 1]);
    return rc;
}

static int finish_note(struct req *r, struct http_write *w)
{
    struct hotspot_job *j = w->arg;
    if (w->job.rc != PH_OK)
        return resp_error(r, w->job.rc, j->field);
    json_t *a = j->answer;
    j->answer = NULL;
    return resp_json(r, 201, a);
}

static int add_note(struct req *r)
{
    int64_t id;
    ph_err rc = req_path_id(r, "id", &id);
    if (rc != PH_OK)
        return resp_error(r, rc, NULL);

    struct http_write *w = http_write_begin(r);
    struct hotspot_job *j = arena_zalloc(&w->job.arena, sizeof(*j));
    w->arg = j;
    w->cleanup = hotspot_job_cleanup;
    j->id = id;
    rc = body_members(r->body, note_members, &j->field);
    /* Length and emptiness are the core's (after NFC); only the type is checked here. */
    if (rc == PH_OK &&
        body_text(r->body, "text", HOTSPOT_NOTE_MAX_BYTES * 4, true, &w->job.arena, &j->text) !=
            PH_OK) {
        j->field = "text";
        rc = PH_EINVAL;
    }
    if (rc != PH_OK) {
        int ans = resp_error(r, rc, j->field);
        http_write_abandon(w);
        return ans;
    }
    return http_write_submit(w, NULL, run_note, j, finish_note);
}

/* ---- POST /api/v1/hotspots/detect ------------------------------------------------------ */

struct detect_job {
    struct http_write *w; /* the caller and the arena */
    const char *dsn;
    int64_t now_ms;
    ph_err rc;            /* find's */
    struct hotspot_found *found;
    int created;
    bool gated;           /* holds a place of analysis_gate until the job ends */
};

/* The run is the system's (it reads every incident, as the scheduler's does);
 * the caller, checked by detect() below, keeps its person id and username, which
 * each record's audit entry names as "started_by". */
static struct core_ctx detect_ctx(struct core_ctx cx, struct core_user *as_system)
{
    *as_system = *cx.user;
    as_system->is_system = true;
    cx.user = as_system;
    return cx;
}

static ph_err detect_read(struct core_ctx *cx, void *arg)
{
    struct detect_job *j = arg;
    struct core_user as_system;
    struct core_ctx sys = detect_ctx(*cx, &as_system);

    return hotspot_detect_find(&sys, NULL, &j->found); /* the scheduler's defaults */
}

/* On a pool thread: the analysis on a read connection of its own (a loop's
 * serves only its loop), so that the writer is not held while it runs. */
static void detect_find(void *arg)
{
    struct detect_job *j = arg;

    j->rc = http_pool_read(j->w, j->dsn, j->now_ms, "a detection run", detect_read, j);
}

/* On the writer: only the inserts of what find found. */
static ph_err run_detect(struct core_ctx *cx, void *arg)
{
    struct detect_job *j = arg;
    struct core_user as_system;

    if (j->rc != PH_OK)
        return j->rc;
    struct core_ctx sys = detect_ctx(*cx, &as_system);
    return hotspot_detect_record(&sys, j->found, &j->created);
}

static void detect_cleanup(void *arg)
{
    struct detect_job *j = arg;
    hotspot_found_free(j->found);
    j->found = NULL;
    if (j->gated) {
        j->gated = false;
        analysis_gate_leave();
    }
}

static int finish_detect(struct req *r, struct http_write *w)
{
    struct detect_job *j = w->arg;
    if (w->job.rc != PH_OK)
        return resp_error(r, w->job.rc, NULL);
    json_t *o = json_object();
    json_object_set_new(o, "created", json_integer(j->created));
    return resp_json(r, 200, o);
}

static int detect(struct req *r)
{
    /* The run reads every incident as the system does: only those who may see
     * the whole picture may start it. */
    if ((r->cx.user->roles & (ROLE_ADMIN | ROLE_COORDINATOR)) == 0)
        return resp_error(r, PH_EPERM, NULL);
    /* A connection of its own to a database in memory would be an empty one. */
    if (analysis_gate_dsn_in_memory(r->t->cfg->dsn))
        return resp_error(r, PH_ESTORE, NULL);
    /* One run (or analysis) at a time: a second run while one is in flight is
     * 429, as an analysis is (http/analysis_gate.h). */
    if (!analysis_gate_enter()) {
        resp_header(r, "retry-after", ANALYSIS_GATE_RETRY_S);
        return resp_error(r, PH_EBUSY, NULL);
    }
    struct http_write *w = http_write_begin(r);
    struct detect_job *j = arena_zalloc(&w->job.arena, sizeof(*j));
    w->arg = j;
    w->cleanup = detect_cleanup;
    j->w = w;
    j->gated = true;
    j->dsn = arena_strdup(&w->job.arena, r->t->cfg->dsn);
    j->now_ms = r->cx.now_ms;
    j->rc = PH_EBUSY; /* until find has run */
    return http_write_submit(w, detect_find, run_detect, j, finish_detect);
}

const struct route api_hotspot_routes[] = {
    {"GET", HOTSPOTS_PATH, list_hotspots, ROUTE_USER, false},
    {"POST", HOTSPOTS_PATH "/detect", detect, ROUTE_USER, false},
    {"GET", HOTSPOTS_PATH "/:id", get_hotspot, ROUTE_USER, false},
    {"POST", HOTSPOTS_PATH "/:id/status", set_status, ROUTE_USER, true},
    {"POST", HOTSPOTS_PATH "/:id/notes", add_note, ROUTE_USER, true},
    {NULL, NULL, NULL, 0, false},
};
