/* api_people.c - /api/v1/people: accounts of the officers (docs/API.md). A create
 * may carry the first password; DELETE disables (people are never erased: the
 * audit log names them). */
#include "util/base.h"
#include <sodium.h>
#include "http/async.h"
#include "http/crud.h"
#include "http/http_int.h"
#include "http/req.h"
#include "http/resp.h"
#include "http/router.h"
#include "core/access.h"
#include "core/person.h"
#include "proto/pjson.h"
#include "util/limits.h"

/* The record the CRUD adapters work on: the person first, so that a plain
 * struct person (in lists) reads the same. */
struct person_rec {
    struct person p;
    const char *password; /* create only */
};

static void person_init(void *rec)
{
    struct person_rec *pr = rec;
    memset(pr, 0, sizeof(*pr));
    pr->p.clearance = CLEARANCE_UNCLASSIFIED;
}

static ph_err person_get_rec(struct core_ctx *cx, int64_t id, void *rec)
{
    return person_get(cx, id, &((struct person_rec *)rec)->p);
}

static ph_err person_apply(json_t *obj, struct arena *a, void *rec, bool creating, const char **field)
{
    struct person_rec *pr = rec;
    return pjson_apply_person(obj, a, &pr->p, creating ? &pr->password : NULL, field);
}

static json_t *person_encode(const void *rec)
{
    return pjson_person(rec);
}

/* On the worker pool: the first password's policy check and argon2id hash, so the
 * writer only stores the hash. */
static ph_err person_prepare(void *rec, struct arena *a, const char **field)
{
    struct person_rec *pr = rec;
    ph_err rc = PH_OK;
    if (pr->password != NULL) {
        rc = person_password_prepare(a, pr->password, &pr->p.password_hash, field);
    }
    return rc;
}

/* Only a create with a password costs argon2id: check the right to create first. */
static ph_err person_precheck(struct core_ctx *cx, void *rec, const char **field)
{
    struct person_rec *pr = rec;
    return pr->password != NULL ? person_may_create(cx, &pr->p, field) : PH_OK;
}

static void person_wipe(void *rec)
{
    struct person_rec *pr = rec;
    if (pr->password != NULL)
        sodium_memzero((char *)pr->password, strlen(pr->password));
}

static ph_err person_create_rec(struct core_ctx *cx, void *rec, const char **field)
{
    struct person_rec *pr = rec;
    return person_create(cx, &pr->p, NULL, field);
}

static ph_err person_update_rec(struct core_ctx *cx, void *rec, const char **field)
{
    return person_update(cx, &((struct person_rec *)rec)->p, field);
}

static ph_err person_remove(struct core_ctx *cx, int64_t id)
{
    return person_set_disabled(cx, id, true);
}

static const struct crud_resource person_resource = {
    .path = "/api/v1/people",
    .rec_size = sizeof(struct person_rec),
    .init = person_init,
    .get = person_get_rec,
    .apply = person_apply,
    .encode = person_encode,
    .create = person_create_rec,
    .update = person_update_rec,
    .remove = person_remove,
    .id_at = offsetof(struct person, id),
    .version_at = offsetof(struct person, version),
    .changes_sessions = true,
    .prepare = person_prepare,
    .precheck = person_precheck,
    .wipe = person_wipe,
};

static int list_people(struct req *r)
{
    struct person_filter f = {0};
    const char *role = NULL;
    const struct query_param params[] = {
        {"unit_id", QP_ID, &f.unit_id},  {"within", QP_ID, &f.within_unit_id},
        {"force", QP_TEXT, &f.force},    {"role", QP_TEXT, &role},
        {"q", QP_TEXT, &f.q},            {"include_disabled", QP_BOOL, &f.include_disabled},
    };
    const char *field = NULL;
    ph_err rc = req_list_query(r, params, PH_NELEM(params), &f.after_id, &f.limit, &field);
    if (rc == PH_OK && role != NULL && (f.role = role_parse(role)) == 0) {
        rc = PH_EPARSE;
        field = "role";
    }
    if (rc != PH_OK)
        return resp_error(r, rc, field);
    struct person *items;
    size_t n;
    bool more;
    rc = person_list(&r->cx, &f, &items, &n, &more);
    if (rc != PH_OK)
        return resp_error(r, rc, NULL);
    return crud_list_answer(r, &person_resource, items, sizeof(*items), n, more);
}

static int get_person(struct req *r) { return crud_get(r, &person_resource); }
static int create_person(struct req *r) { return crud_create(r, &person_resource); }
static int update_person(struct req *r) { return crud_update(r, &person_resource); }
static int delete_person(struct req *r) { return crud_delete(r, &person_resource); }

/* ---- POST /api/v1/people/:id/password (an administrator sets it) ---------------- */

struct set_password_job {
    int64_t id;
    const char *password, *hash;
    const char *field;
    struct arena *arena;
    ph_err prep_rc;
};

static void set_password_cpu(void *arg)
{
    struct set_password_job *j = arg;
    j->prep_rc = person_password_prepare(j->arena, j->password, &j->hash, &j->field);
}

static void set_password_wipe(void *arg)
{
    struct set_password_job *j = arg;
    if (j->password != NULL)
        sodium_memzero((char *)j->password, strlen(j->password));
}

static ph_err run_set_password(struct core_ctx *cx, void *arg)
{
    struct set_password_job *j = arg;
    if (j->prep_rc != PH_OK)
        return j->prep_rc;
    return person_set_password_hash(cx, j->id, j->hash, &j->field);
}

static int finish_set_password(struct req *r, struct http_write *w)
{
    struct set_password_job *j = w->arg;
    if (w->job.rc != PH_OK)
        return resp_error(r, w->job.rc, j->field);
    return resp_empty(r, 204);
}

static int set_password(struct req *r)
{
    int64_t id;
    ph_err rc = req_path_id(r, "id", &id);
    if (rc != PH_OK)
        return resp_error(r, rc, NULL);
    struct http_write *w = http_write_begin(r);
    struct set_password_job *j = arena_zalloc(&w->job.arena, sizeof(*j));
    j->id = id;
    j->arena = &w->job.arena;
    w->arg = j;
    w->cleanup = set_password_wipe;
    if (req_body_string(r, "password", PASSWORD_MAX_BYTES, &w->job.arena, &j->password) != PH_OK) {
        http_write_abandon(w);
        return resp_error(r, PH_EINVAL, "password");
    }
    /* Refuse before spending argon2id on the worker pool. */
    if ((rc = person_may_set_password(&r->cx, id)) != PH_OK) {
        http_write_abandon(w);
        return resp_error(r, rc, NULL);
    }
    w->revokes_sessions = true;
    return http_write_submit(w, set_password_cpu, run_set_password, j, finish_set_password);
}

const struct route api_person_routes[] = {
    {"GET", "/api/v1/people", list_people, ROUTE_USER, false},
    {"POST", "/api/v1/people", create_person, ROUTE_USER, true},
    {"GET", "/api/v1/people/:id", get_person, ROUTE_USER, false},
    {"PATCH", "/api/v1/people/:id", update_person, ROUTE_USER, true},
    {"DELETE", "/api/v1/people/:id", delete_person, ROUTE_USER, false},
    {"POST", "/api/v1/people/:id/password", set_password, ROUTE_USER, true},
    {NULL, NULL, NULL, 0, false},
};
