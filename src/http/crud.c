/* crud.c - generic handlers over struct crud_resource. Writes parse on the loop
 * into the job's arena, run the core service on the writer, and answer with the
 * record as re-read after commit (so the answer shows what is stored: NFC text,
 * computed paths, the new version). */
#include "util/base.h"
#include "http/crud.h"
#include "http/async.h"
#include "http/http_int.h"
#include "http/req.h"
#include "http/resp.h"
#include "proto/pjson.h"

struct crud_job {
    const struct crud_resource *res;
    void *rec;          /* lives in the job's arena */
    int64_t id;
    const char *field;  /* set by the core service on PH_EINVAL */
    int status;         /* 201, 200, or 204 for a delete */
    json_t *patch;      /* update: the job's own copy of the body */
    int64_t if_match;   /* update: 0 or the version the client read */
    struct arena *arena; /* the job's */
    ph_err prep_rc;     /* create: the outcome of res->prepare */
};

/* Where a record keeps its id and its version (struct crud_resource). */
static int64_t *crud_id(const struct crud_resource *res, void *rec)
{
    return (int64_t *)((char *)rec + res->id_at);
}

static int64_t *crud_version(const struct crud_resource *res, void *rec)
{
    return (int64_t *)((char *)rec + res->version_at);
}

static void set_etag(struct req *r, int64_t version)
{
    char tag[32];
    snprintf(tag, sizeof(tag), "\"%lld\"", (long long)version);
    resp_header(r, "etag", tag);
}

/* Answer with the stored record id (read on this loop's connection). */
/* reading: a GET (its read may need auditing), not the answer to a write. */
static int answer_record(struct req *r, const struct crud_resource *res, int64_t id, int status,
                         bool reading)
{
    void *rec = arena_zalloc(&r->arena, res->rec_size);
    ph_err rc = res->get(&r->cx, id, rec);
    if (rc != PH_OK)
        return resp_error(r, rc, NULL);
    set_etag(r, *crud_version(res, rec));
    if (status == 201) {
        char loc[128];
        snprintf(loc, sizeof(loc), "%s/%lld", res->path, (long long)id);
        resp_header(r, "location", loc);
    }
    if (reading && res->note_read != NULL)
        res->note_read(r, rec);
    return resp_json(r, status, res->encode(rec));
}

int crud_get(struct req *r, const struct crud_resource *res)
{
    int64_t id;
    ph_err rc = req_path_id(r, "id", &id);
    if (rc != PH_OK)
        return resp_error(r, rc, NULL);
    return answer_record(r, res, id, 200, true);
}

static void prepare_cpu(void *arg)
{
    struct crud_job *j = arg;
    j->prep_rc = j->res->prepare(j->rec, j->arena, &j->field);
}

static ph_err run_create(struct core_ctx *cx, void *arg)
{
    struct crud_job *j = arg;
    if (j->prep_rc != PH_OK)
        return j->prep_rc;
    return j->res->create(cx, j->rec, &j->field);
}

/* Read, patch and write in one transaction on the writer, so that concurrent
 * updates without If-Match never see each other's versions as stale, and none of
 * them is lost. */
static ph_err run_update(struct core_ctx *cx, void *arg)
{
    struct crud_job *j = arg;
    const struct crud_resource *res = j->res;
    ph_err rc = res->get(cx, j->id, j->rec);
    if (rc != PH_OK)
        return rc;
    if (j->if_match != 0 && *crud_version(res, j->rec) != j->if_match)
        return PH_ESTALE;
    rc = res->apply(j->patch, cx->arena, j->rec, false, &j->field);
    if (rc == PH_OK && *crud_id(res, j->rec) != j->id) {
        j->field = "id";
        rc = PH_EINVAL;
    }
    return rc == PH_OK ? res->update(cx, j->rec, &j->field) : rc;
}

/* Every crud job's cleanup: its JSON copy, and secrets of the record. */
static void crud_cleanup(void *arg)
{
    struct crud_job *j = arg;
    json_decref(j->patch);
    if (j->res->wipe != NULL)
        j->res->wipe(j->rec);
}

static ph_err run_delete(struct core_ctx *cx, void *arg)
{
    struct crud_job *j = arg;
    return j->res->remove(cx, j->id);
}

static int finish_write(struct req *r, struct http_write *w)
{
    struct crud_job *j = w->arg;
    if (w->job.rc != PH_OK)
        return resp_error(r, w->job.rc, j->field);
    if (j->status == 204)
        return resp_empty(r, 204);
    return answer_record(r, j->res, j->status == 201 ? *crud_id(j->res, j->rec) : j->id, j->status,
                         false);
}

static struct crud_job *new_job(struct http_write *w, const struct crud_resource *res, int status)
{
    struct crud_job *j = arena_zalloc(&w->job.arena, sizeof(*j));
    j->res = res;
    j->status = status;
    j->rec = arena_zalloc(&w->job.arena, res->rec_size);
    j->arena = &w->job.arena;
    w->arg = j;
    w->cleanup = crud_cleanup;
    return j;
}

int crud_create(struct req *r, const struct crud_resource *res)
{
    struct http_write *w = http_write_begin(r);
    struct crud_job *j = new_job(w, res, 201);
    res->init(j->rec);
    ph_err rc = res->apply(r->body, &w->job.arena, j->rec, true, &j->field);
    if (rc == PH_OK && res->precheck != NULL)
        rc = res->precheck(&r->cx, j->rec, &j->field);
    if (rc != PH_OK) {
        int ans = resp_error(r, rc, j->field);
        http_write_abandon(w);
        return ans;
    }
    return http_write_submit(w, res->prepare ? prepare_cpu : NULL, run_create, j, finish_write);
}

int crud_update(struct req *r, const struct crud_resource *res)
{
    int64_t id, if_match;
    ph_err rc = req_path_id(r, "id", &id);
    if (rc != PH_OK)
        return resp_error(r, rc, NULL);
    if (req_if_match(r, &if_match) != PH_OK)
        return resp_error(r, PH_EPARSE, "If-Match");
    struct http_write *w = http_write_begin(r);
    struct crud_job *j = new_job(w, res, 200);
    j->id = id;
    j->if_match = if_match;
    /* The writer reads the body after this request may be gone: its own copy. */
    j->patch = json_deep_copy(r->body);
    w->revokes_sessions = res->changes_sessions;
    return http_write_submit(w, NULL, run_update, j, finish_write);
}

int crud_delete(struct req *r, const struct crud_resource *res)
{
    int64_t id;
    ph_err rc = req_path_id(r, "id", &id);
    if (rc != PH_OK)
        return resp_error(r, rc, NULL);
    struct http_write *w = http_write_begin(r);
    struct crud_job *j = new_job(w, res, 204);
    j->id = id;
    w->revokes_sessions = res->changes_sessions;
    return http_write_submit(w, NULL, run_delete, j, finish_write);
}

int crud_list_answer(struct req *r, const struct crud_resource *res, void *items, size_t stride,
                     size_t n, bool has_more)
{
    json_t *arr = json_array();
    int64_t last = 0;
    for (size_t i = 0; i < n; i++) {
        void *rec = (char *)items + i * stride;
        json_array_append_new(arr, res->encode(rec));
        last = *crud_id(res, rec);
    }
    return resp_json(r, 200, pjson_page(arr, has_more, last));
}
