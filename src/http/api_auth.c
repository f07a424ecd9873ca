/* api_auth.c - /api/v1/auth: login, logout, the caller, own password, API tokens.
 *
 * A login is three hops (core/session.h): login_prepare on this loop's read
 * connection, login_verify (argon2id) on the worker pool, login_finish on the
 * writer, which records the outcome in the same transaction as its audit entry. */
#include "util/base.h"
#include <sodium.h>
#include "http/async.h"
#include "http/http_int.h"
#include "http/req.h"
#include "http/resp.h"
#include "http/router.h"
#include "core/session.h"
#include "proto/pjson.h"
#include "util/limits.h"

static void retry_after(struct req *r, int64_t seconds)
{
    char v[24];
    snprintf(v, sizeof(v), "%lld", (long long)(seconds > 0 ? seconds : 1));
    resp_header(r, "retry-after", v);
}

/* ---- login ------------------------------------------------------------------- */

struct login_job {
    struct login_attempt at;
    char *password;
    size_t password_len;
    struct login_result res;
};

static void login_cpu(void *arg)
{
    struct login_job *j = arg;
    login_verify(&j->at, j->password);
}

/* The job's cleanup, on every path. */
static void login_wipe(void *arg)
{
    struct login_job *j = arg;
    if (j->password != NULL)
        sodium_memzero(j->password, j->password_len);
}

/* The password member of the parsed body, wiped once copied. */
static void wipe_member(json_t *body, const char *name)
{
    json_t *v = json_object_get(body, name);
    if (json_is_string(v))
        sodium_memzero((char *)json_string_value(v), json_string_length(v));
}

static ph_err run_login(struct core_ctx *cx, void *arg)
{
    struct login_job *j = arg;
    return login_finish(cx, &j->at, &j->res);
}

static int finish_login(struct req *r, struct http_write *w)
{
    struct login_job *j = w->arg;
    if (w->job.rc != PH_OK)
        return resp_error(r, w->job.rc, NULL);
    if (j->res.verdict == PH_ELOCKED) {
        retry_after(r, (j->res.person.locked_until - r->cx.now_ms + 999) / 1000);
        if (j->res.person.locked_until <= r->cx.now_ms)
            retry_after(r, session_config_get()->lock_ms / 1000);
        return resp_error(r, PH_ELOCKED, NULL);
    }
    if (j->res.verdict != PH_OK)
        return resp_error(r, j->res.verdict, NULL);
    login_forgive(&j->at); /* committed: a success does not count against the client */
    json_t *o = json_object();
    json_object_set_new(o, "token", json_string(j->res.token));
    json_object_set_new(o, "expires_at", pjson_time(j->res.expires_at));
    json_object_set_new(o, "user", pjson_person(&j->res.person));
    resp_header(r, "cache-control", "no-store");
    return resp_json(r, 200, o);
}

static void throttled(struct req *r)
{
    retry_after(r, session_config_get()->throttle_window_ms / 1000);
}

static ph_err run_login_refusal(struct core_ctx *cx, void *arg)
{
    struct login_job *j = arg;
    return login_record_refusal(cx, &j->at);
}

static int finish_login_refused(struct req *r, struct http_write *w)
{
    throttled(r);
    return resp_error(r, PH_EBUSY, NULL);
}

static int login(struct req *r)
{
    struct http_write *w = http_write_begin(r);
    struct login_job *j = arena_zalloc(&w->job.arena, sizeof(*j));
    const char *username = NULL, *password = NULL, *field = NULL;
    w->arg = j;
    w->cleanup = login_wipe;
    ph_err rc = PH_OK;
    if (req_body_string(r, "username", TEXT_MAX_SHORT_BYTES, &w->job.arena, &username) != PH_OK)
        field = "username";
    else if (req_body_string(r, "password", PASSWORD_MAX_BYTES, &w->job.arena, &password) != PH_OK)
        field = "password";
    if (field != NULL)
        rc = PH_EINVAL;
    if (rc == PH_OK) {
        j->password = (char *)password;
        j->password_len = strlen(password);
        struct core_ctx cx = r->cx;
        cx.arena = &w->job.arena;
        rc = login_prepare(&cx, username, &j->at);
    }
    wipe_member(r->body, "password");
    if (rc == PH_EBUSY && j->at.first_refusal) /* audited once per client and window */
        return http_write_submit(w, NULL, run_login_refusal, j, finish_login_refused);
    if (rc != PH_OK) {
        http_write_abandon(w);
        if (rc == PH_EBUSY)
            throttled(r);
        return resp_error(r, rc, field);
    }
    return http_write_submit(w, login_cpu, run_login, j, finish_login);
}

/* ---- the caller -------------------------------------------------------------- */

static int me(struct req *r)
{
    return resp_json(r, 200, pjson_user(&r->user));
}

/* A write whose answer is 204; it may revoke sessions (http_write.revokes_sessions). */
struct simple_job {
    const char *token;
    int64_t id;
    const char *field;
};

static int finish_empty(struct req *r, struct http_write *w)
{
    struct simple_job *j = w->arg;
    if (w->job.rc != PH_OK)
        return resp_error(r, w->job.rc, j->field);
    return resp_empty(r, 204);
}

static ph_err run_logout(struct core_ctx *cx, void *arg)
{
    struct simple_job *j = arg;
    return session_logout(cx, j->token);
}

static int logout(struct req *r)
{
    struct http_write *w = http_write_begin(r);
    struct simple_job *j = arena_zalloc(&w->job.arena, sizeof(*j));
    j->token = arena_strdup(&w->job.arena, r->token);
    w->revokes_sessions = true;
    return http_write_submit(w, NULL, run_logout, j, finish_empty);
}

/* ---- own password: checked like a login, hashed on the worker pool --------------- */

struct password_job {
    struct login_attempt at; /* the caller, checked against old_password */
    char *old_password, *new_password;
    struct arena *arena;     /* the job's */
    const char *hash;        /* prepared new hash */
    ph_err prep_rc, verdict;
    const char *field;
};

static void wipe(char *s)
{
    if (s != NULL)
        sodium_memzero(s, strlen(s));
}

static void password_cpu(void *arg)
{
    struct password_job *j = arg;
    login_verify(&j->at, j->old_password);
    if (j->at.verdict == PH_OK &&
        person_password_prepare(j->arena, j->new_password, &j->hash, &j->field) != PH_OK) {
        j->prep_rc = PH_EINVAL;
        j->field = "new_password";
    }
}

static void password_wipe(void *arg)
{
    struct password_job *j = arg;
    wipe(j->old_password);
    wipe(j->new_password);
}

static ph_err run_password_refusal(struct core_ctx *cx, void *arg)
{
    struct password_job *j = arg;
    return login_record_refusal(cx, &j->at);
}

static ph_err run_own_password(struct core_ctx *cx, void *arg)
{
    struct password_job *j = arg;
    if (j->prep_rc != PH_OK)
        return j->prep_rc;
    return session_change_password(cx, &j->at, j->hash, &j->verdict, &j->field);
}

static int finish_own_password(struct req *r, struct http_write *w)
{
    struct password_job *j = w->arg;
    if (w->job.rc != PH_OK)
        return resp_error(r, w->job.rc, j->field);
    if (j->verdict == PH_ELOCKED) {
        retry_after(r, session_config_get()->lock_ms / 1000);
        return resp_error(r, PH_ELOCKED, NULL);
    }
    if (j->verdict != PH_OK)
        return resp_error(r, j->verdict, "old_password");
    login_forgive(&j->at);
    return resp_empty(r, 204);
}

static int own_password(struct req *r)
{
    struct http_write *w = http_write_begin(r);
    struct password_job *j = arena_zalloc(&w->job.arena, sizeof(*j));
    const char *old_pw = NULL, *new_pw = NULL, *field = NULL;
    j->arena = &w->job.arena;
    w->arg = j;
    w->cleanup = password_wipe;
    if (req_body_string(r, "old_password", PASSWORD_MAX_BYTES, &w->job.arena, &old_pw) != PH_OK)
        field = "old_password";
    else if (req_body_string(r, "new_password", PASSWORD_MAX_BYTES * 2, &w->job.arena, &new_pw) != PH_OK)
        field = "new_password";
    j->old_password = (char *)old_pw;
    j->new_password = (char *)new_pw;
    wipe_member(r->body, "old_password");
    wipe_member(r->body, "new_password");
    ph_err rc = field != NULL ? PH_EINVAL : PH_OK;
    /* The policy is cheap: checked before the attempt is counted against the
     * caller's login throttle. */
    if (rc == PH_OK && person_password_check(new_pw, &field) != PH_OK) {
        rc = PH_EINVAL;
        field = "new_password";
    }
    if (rc == PH_OK) {
        /* The same throttle as logins: a stolen token must not become a way to
         * guess the password. */
        struct core_ctx cx = r->cx;
        cx.arena = &w->job.arena;
        rc = login_prepare(&cx, r->user.username, &j->at);
    }
    if (rc == PH_EBUSY && j->at.first_refusal) /* audited once per client and window */
        return http_write_submit(w, NULL, run_password_refusal, j, finish_login_refused);
    if (rc != PH_OK) {
        http_write_abandon(w);
        if (rc == PH_EBUSY)
            throttled(r);
        return resp_error(r, rc, field);
    }
    w->revokes_sessions = true;
    return http_write_submit(w, password_cpu, run_own_password, j, finish_own_password);
}

/* ---- API tokens -------------------------------------------------------------- */

struct token_job {
    int64_t person_id, ttl_ms, id, expires_at;
    const char *name;
    char *token;
};

static ph_err run_token_create(struct core_ctx *cx, void *arg)
{
    struct token_job *j = arg;
    return api_token_create(cx, j->person_id, j->name, j->ttl_ms, &j->token, &j->id, &j->expires_at);
}

static int finish_token_create(struct req *r, struct http_write *w)
{
    struct token_job *j = w->arg;
    if (w->job.rc != PH_OK)
        return resp_error(r, w->job.rc, w->job.rc == PH_EINVAL ? "person_id" : NULL);
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(j->id));
    json_object_set_new(o, "token", json_string(j->token));
    json_object_set_new(o, "expires_at", pjson_time(j->expires_at));
    resp_header(r, "cache-control", "no-store");
    return resp_json(r, 201, o);
}

static int create_token(struct req *r)
{
    struct http_write *w = http_write_begin(r);
    struct token_job *j = arena_zalloc(&w->job.arena, sizeof(*j));
    json_t *pid = json_object_get(r->body, "person_id");
    json_t *ttl = json_object_get(r->body, "ttl_days");
    const char *field = NULL;
    if (!json_is_integer(pid) || json_integer_value(pid) <= 0)
        field = "person_id";
    else if (req_body_string(r, "name", TEXT_MAX_NAME_BYTES, &w->job.arena, &j->name) != PH_OK)
        field = "name";
    else if (ttl != NULL && (!json_is_integer(ttl) || json_integer_value(ttl) < 1 ||
                             json_integer_value(ttl) > 3660))
        field = "ttl_days";
    if (field != NULL) {
        http_write_abandon(w);
        return resp_error(r, PH_EINVAL, field);
    }
    j->person_id = json_integer_value(pid);
    j->ttl_ms = ttl ? json_integer_value(ttl) * 86400000LL : 0;
    return http_write_submit(w, NULL, run_token_create, j, finish_token_create);
}

static ph_err run_token_revoke(struct core_ctx *cx, void *arg)
{
    struct simple_job *j = arg;
    return api_token_revoke(cx, j->id);
}

static int revoke_token(struct req *r)
{
    int64_t id;
    ph_err rc = req_path_id(r, "id", &id);
    if (rc != PH_OK)
        return resp_error(r, rc, NULL);
    struct http_write *w = http_write_begin(r);
    struct simple_job *j = arena_zalloc(&w->job.arena, sizeof(*j));
    j->id = id;
    w->revokes_sessions = true;
    return http_write_submit(w, NULL, run_token_revoke, j, finish_empty);
}

const struct route api_auth_routes[] = {
    {"POST", "/api/v1/auth/login", login, ROUTE_PUBLIC, true},
    {"POST", "/api/v1/auth/logout", logout, ROUTE_USER, false},
    {"GET", "/api/v1/auth/me", me, ROUTE_USER, false},
    {"POST", "/api/v1/auth/password", own_password, ROUTE_USER, true},
    {"POST", "/api/v1/auth/tokens", create_token, ROUTE_USER, true},
    {"DELETE", "/api/v1/auth/tokens/:id", revoke_token, ROUTE_USER, false},
    {NULL, NULL, NULL, 0, false},
};
