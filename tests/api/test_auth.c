/* test_auth.c - /api/v1/auth: login, logout, me, password changes, API tokens,
 * disabled accounts, throttling and lock-out.
 *
 * Throttling counts failed logins per client, and every request here comes from
 * 127.0.0.1: a test that makes a login fail therefore runs on a fresh server of
 * its own (T_FRESH), so that the shared server never throttles the others. */
#include "util/base.h"
#include <time.h>
#include "harness.h"

/* "YYYY-MM-DDTHH:MM:SSZ" for now + secs; on the garbage list. */
static char *utc_in(int64_t secs)
{
    time_t t = time(NULL) + (time_t)secs;
    struct tm tm;
    char buf[32];
    gmtime_r(&t, &tm);
    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return tfmt("%s", buf);
}

/* RFC 3339 in UTC: "YYYY-MM-DDTHH:MM:SS", optional fraction, then "Z". */
static void assert_rfc3339_utc(const char *s)
{
    int y, mo, d, h, mi, sec, n = 0;
    assert_non_null(s);
    assert_int_equal(sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n), 6);
    assert_int_equal(n, 19);
    s += n;
    if (*s == '.') {
        s++;
        assert_true(*s >= '0' && *s <= '9');
        while (*s >= '0' && *s <= '9')
            s++;
    }
    assert_string_equal(s, "Z");
}

static struct resp *login(const char *user, const char *password)
{
    return api_json("POST", "/api/v1/auth/login", NULL,
                    json_pack("{s:s, s:s}", "username", user, "password", password));
}

static struct resp *login_body(json_t *body)
{
    return api_json("POST", "/api/v1/auth/login", NULL, body);
}

static struct resp *me(const char *token)
{
    return api_get("/api/v1/auth/me", token);
}

static int has_string(const json_t *arr, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
            return 1;
    }
    return 0;
}

/* ---- on the shared server: nothing here makes a login fail ------------------------- */

static void test_auth_login_returns_token_and_person(void **state)
{
    struct world *w = &g_srv->w;
    char *user;
    int64_t id = mk_person(w->admin, w->u_pd, "duty_officer", "confidential", &user);
    struct resp *r1 = login(user, H_PASSWORD), *r2;
    json_t *u;
    (void)state;

    EXPECT_STATUS(r1, 200);
    assert_true(strncmp(JSTR(r1->json, "token"), "ph_", 3) == 0);
    assert_true(strlen(JSTR(r1->json, "token")) >= 40); /* 32 random bytes, base64url */
    assert_rfc3339_utc(JSTR(r1->json, "expires_at"));
    /* Sessions last hours, not seconds (default 12 h). */
    assert_true(strcmp(JSTR(r1->json, "expires_at"), utc_in(3600)) > 0);
    assert_true(strcmp(JSTR(r1->json, "expires_at"), utc_in(2 * 86400)) < 0);
    u = json_object_get(r1->json, "user");
    assert_int_equal(JINT(u, "id"), id);
    assert_string_equal(JSTR(u, "username"), user);
    assert_null(json_object_get(u, "password"));
    assert_null(json_object_get(u, "password_hash"));
    assert_true(strstr(r1->body, "argon2") == NULL);
    /* A second login is a second session with its own token. */
    r2 = login(user, H_PASSWORD);
    EXPECT_STATUS(r2, 200);
    assert_string_not_equal(JSTR(r1->json, "token"), JSTR(r2->json, "token"));
}

static void test_auth_me_describes_caller(void **state)
{
    struct world *w = &g_srv->w;
    char *user;
    int64_t id = mk_person(w->admin, w->u_pd, "commander", "secret", &user);
    char *tok = login_ok(user, H_PASSWORD);
    struct resp *r = me(tok), *ra;
    json_t *roles;
    (void)state;

    EXPECT_STATUS(r, 200);
    assert_int_equal(JINT(r->json, "id"), id);
    assert_string_equal(JSTR(r->json, "username"), user);
    assert_true(strncmp(JSTR(r->json, "full_name"), "Nguyễn Văn ", strlen("Nguyễn Văn ")) == 0);
    roles = json_object_get(r->json, "roles");
    assert_true(json_is_array(roles));
    assert_int_equal(json_array_size(roles), 1);
    assert_true(has_string(roles, "commander"));
    assert_string_equal(JSTR(r->json, "clearance"), "secret");
    assert_int_equal(JINT(r->json, "unit_id"), w->u_pd);
    assert_string_equal(JSTR(r->json, "unit_path"),
                        tfmt("/%lld/%lld/", (long long)w->u_pp, (long long)w->u_pd));
    assert_string_equal(JSTR(r->json, "unit_level"), "district");
    assert_string_equal(JSTR(r->json, "force"), "police");
    assert_true(strncmp(resp_header(r, "Content-Type") ? resp_header(r, "Content-Type") : "",
                        "application/json", 16) == 0);

    /* The administrator made by init: no unit, the admin role. */
    ra = me(w->admin);
    EXPECT_STATUS(ra, 200);
    assert_string_equal(JSTR(ra->json, "username"), h_admin_user());
    assert_true(has_string(json_object_get(ra->json, "roles"), "admin"));
    assert_true(json_is_null(json_object_get(ra->json, "unit_id")) ||
                json_object_get(ra->json, "unit_id") == NULL);
}

static void test_auth_logout_revokes_only_that_token(void **state)
{
    struct world *w = &g_srv->w;
    char *user;
    char *t1, *t2;
    (void)state;

    (void)mk_person(w->admin, w->u_pc, "reporter", "unclassified", &user);
    t1 = login_ok(user, H_PASSWORD);
    t2 = login_ok(user, H_PASSWORD);
    EXPECT_STATUS(me(t1), 200);
    EXPECT_STATUS(api_req("POST", "/api/v1/auth/logout", t1, NULL, NULL, NULL), 204);
    EXPECT_ERROR(me(t1), 401, "unauthenticated", NULL);
    EXPECT_ERROR(api_get("/api/v1/units", t1), 401, "unauthenticated", NULL);
    EXPECT_STATUS(me(t2), 200);
    /* Logging out twice, or without a token, is not a way to probe tokens. */
    EXPECT_ERROR(api_req("POST", "/api/v1/auth/logout", t1, NULL, NULL, NULL), 401,
                 "unauthenticated", NULL);
    EXPECT_ERROR(api_req("POST", "/api/v1/auth/logout", NULL, NULL, NULL, NULL), 401,
                 "unauthenticated", NULL);
}

static void test_auth_missing_or_bad_token(void **state)
{
    struct world *w = &g_srv->w;
    static const char *const paths[] = {
        "/api/v1/auth/me",
        "/api/v1/areas",
        "/api/v1/units",
        "/api/v1/people",
    };
    (void)state;

    for (size_t i = 0; i < PH_NELEM(paths); i++) {
        EXPECT_ERROR(api_get(paths[i], NULL), 401, "unauthenticated", NULL);
        EXPECT_ERROR(api_get(paths[i], "garbage"), 401, "unauthenticated", NULL);
        EXPECT_ERROR(api_get(paths[i], "ph_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"), 401,
                     "unauthenticated", NULL);
    }
    /* A valid token under another scheme, or with a byte changed, is not accepted. */
    EXPECT_ERROR(api_req("GET", "/api/v1/auth/me", NULL, NULL, NULL,
                         tfmt("Authorization: Basic %s", w->t_viewer)),
                 401, "unauthenticated", NULL);
    {
        char *bad = tfmt("%s", w->t_viewer);
        size_t n = strlen(bad);
        bad[n - 1] = bad[n - 1] == 'A' ? 'B' : 'A';
        EXPECT_ERROR(me(bad), 401, "unauthenticated", NULL);
        EXPECT_ERROR(me(tfmt("%sA", w->t_viewer)), 401, "unauthenticated", NULL);
    }
    /* Writes too, and nothing is created. */
    {
        char *code = uniq_num();
        EXPECT_ERROR(
            api_json("POST", "/api/v1/areas", NULL,
                     json_pack("{s:s,s:s,s:s,s:s,s:s}", "code", code, "name", "Xã Không", "level",
                               "province", "kind", "inland", "valid_from", "2020-01-01")),
            401, "unauthenticated", NULL);
        struct resp *l = api_get(tfmt("/api/v1/areas?code=%s", code), w->admin);
        EXPECT_STATUS(l, 200);
        assert_int_equal(json_array_size(items_of(l)), 0);
    }
    EXPECT_STATUS(me(w->t_viewer), 200); /* the real one still works */
}

static void test_auth_api_tokens(void **state)
{
    struct world *w = &g_srv->w;
    char *user;
    int64_t pid = mk_person(w->admin, w->u_pd, "reporter", "unclassified", &user);
    int64_t mil = mk_person(w->admin, w->u_mp, "reporter", "unclassified", NULL);
    struct resp *r, *r2, *m;
    const char *tok, *tok2;
    int64_t tid, tid2;
    (void)state;

    r = api_json("POST", "/api/v1/auth/tokens", w->admin,
                 json_pack("{s:I, s:s, s:i}", "person_id", (json_int_t)pid, "name",
                           "Hệ thống cảnh báo", "ttl_days", 30));
    EXPECT_STATUS(r, 201);
    tok = JSTR(r->json, "token");
    tid = JINT(r->json, "id");
    assert_true(strncmp(tok, "ph_", 3) == 0);
    assert_rfc3339_utc(JSTR(r->json, "expires_at"));
    assert_true(strcmp(JSTR(r->json, "expires_at"), utc_in(29 * 86400)) > 0);
    assert_true(strcmp(JSTR(r->json, "expires_at"), utc_in(31 * 86400)) < 0);
    m = me(tok);
    EXPECT_STATUS(m, 200);
    assert_int_equal(JINT(m->json, "id"), pid); /* acts as that person */
    assert_string_equal(JSTR(m->json, "username"), user);

    /* Only admins make tokens, and only for people of their subtree and force. */
    EXPECT_ERROR(api_json("POST", "/api/v1/auth/tokens", w->t_duty,
                          json_pack("{s:I, s:s, s:i}", "person_id", (json_int_t)pid, "name", "x",
                                    "ttl_days", 1)),
                 403, "forbidden", NULL);
    EXPECT_ERROR(api_json("POST", "/api/v1/auth/tokens", w->t_adm_pd,
                          json_pack("{s:I, s:s, s:i}", "person_id", (json_int_t)mil, "name", "x",
                                    "ttl_days", 1)),
                 403, "forbidden", NULL);

    EXPECT_ERROR(api_json("POST", "/api/v1/auth/tokens", w->admin,
                          json_pack("{s:I, s:s, s:s}", "person_id", (json_int_t)pid, "name", "x",
                                    "ttl_days", "30")),
                 422, "invalid", "ttl_days");
    EXPECT_ERROR(
        api_json("POST", "/api/v1/auth/tokens", w->admin,
                 json_pack("{s:s, s:s, s:i}", "person_id", "7", "name", "x", "ttl_days", 1)),
        422, "invalid", "person_id");
    {
        struct resp *u = api_json("POST", "/api/v1/auth/tokens", w->admin,
                                  json_pack("{s:I, s:s, s:i}", "person_id", (json_int_t)987654321,
                                            "name", "x", "ttl_days", 1));
        if (u->status == 404)
            EXPECT_ERROR(u, 404, "not_found", NULL);
        else
            EXPECT_ERROR(u, 422, "invalid", "person_id");
    }

    r2 = api_json("POST", "/api/v1/auth/tokens", w->t_adm_pd,
                  json_pack("{s:I, s:s, s:i}", "person_id", (json_int_t)pid, "name", "Hệ thống 2",
                            "ttl_days", 1));
    EXPECT_STATUS(r2, 201);
    tok2 = JSTR(r2->json, "token");
    tid2 = JINT(r2->json, "id");
    assert_int_not_equal(tid, tid2);
    assert_string_not_equal(tok, tok2);

    /* A non-admin cannot revoke it; the token keeps working. */
    EXPECT_ERROR(api_req("DELETE", tfmt("/api/v1/auth/tokens/%lld", (long long)tid), w->t_viewer,
                         NULL, NULL, NULL),
                 403, "forbidden", NULL);
    EXPECT_STATUS(me(tok), 200);
    /* Revoking one leaves the other. */
    EXPECT_STATUS(api_req("DELETE", tfmt("/api/v1/auth/tokens/%lld", (long long)tid), w->admin,
                          NULL, NULL, NULL),
                  204);
    EXPECT_ERROR(me(tok), 401, "unauthenticated", NULL);
    EXPECT_STATUS(me(tok2), 200);
    EXPECT_ERROR(api_req("DELETE", "/api/v1/auth/tokens/987654321", w->admin, NULL, NULL, NULL),
                 404, "not_found", NULL);
}

static void test_auth_password_change_validation(void **state)
{
    struct world *w = &g_srv->w;
    char *user;
    char *tok;
    (void)state;

    (void)mk_person(w->admin, w->u_pd, "viewer", "unclassified", &user);
    tok = login_ok(user, H_PASSWORD);
    EXPECT_ERROR(
        api_json("POST", "/api/v1/auth/password", tok,
                 json_pack("{s:s, s:s}", "old_password", H_PASSWORD, "new_password", "ngan-qua")),
        422, "invalid", "new_password");
    EXPECT_ERROR(api_json("POST", "/api/v1/auth/password", tok,
                          json_pack("{s:s}", "old_password", H_PASSWORD)),
                 422, "invalid", "new_password");
    EXPECT_ERROR(api_json("POST", "/api/v1/auth/password", NULL,
                          json_pack("{s:s, s:s}", "old_password", H_PASSWORD, "new_password",
                                    "Mat-khau-moi-dai-2026")),
                 401, "unauthenticated", NULL);
    /* Nothing changed: the old password still logs in (a success, so no throttling). */
    EXPECT_STATUS(me(tok), 200);
    (void)login_ok(user, H_PASSWORD);
}

/* ---- on fresh servers: tests where logins fail ------------------------------------ */

static void test_auth_wrong_credentials_same_answer(void **state)
{
    struct world *w = &g_srv->w;
    char *user;
    char *nopw = tfmt("khong.mk.%s", uniq_word());
    struct resp *r_wrong, *r_unknown, *r_nopw, *p;
    const char *msg;
    (void)state;

    (void)mk_person(w->admin, w->u_pp, "viewer", "unclassified", &user);
    p = api_json("POST", "/api/v1/people", w->admin,
                 json_pack("{s:s, s:s, s:I, s:[s], s:s}", "username", nopw, "full_name",
                           "Trần Thị Không Mật Khẩu", "unit_id", (json_int_t)w->u_pp, "roles",
                           "viewer", "clearance", "unclassified"));
    EXPECT_STATUS(p, 201);
    assert_true(json_is_false(json_object_get(p->json, "has_password")));

    r_wrong = login(user, "Sai-mat-khau-123");
    r_unknown = login(tfmt("khong.co.%s", uniq_word()), H_PASSWORD);
    r_nopw = login(nopw, H_PASSWORD);
    EXPECT_ERROR(r_wrong, 401, "unauthenticated", NULL);
    EXPECT_ERROR(r_unknown, 401, "unauthenticated", NULL);
    EXPECT_ERROR(r_nopw, 401, "unauthenticated", NULL);
    /* The same answer each time: no way to tell which usernames exist. */
    msg = JSTR(json_object_get(r_wrong->json, "error"), "message");
    assert_string_equal(JSTR(json_object_get(r_unknown->json, "error"), "message"), msg);
    assert_string_equal(JSTR(json_object_get(r_nopw->json, "error"), "message"), msg);
    assert_null(json_object_get(r_wrong->json, "token"));
    /* Three failures (below the throttle of 5): the right password still works. */
    (void)login_ok(user, H_PASSWORD);
}

static void test_auth_disabled_account(void **state)
{
    struct world *w = &g_srv->w;
    char *ua, *ub;
    int64_t a = mk_person(w->admin, w->u_pd, "duty_officer", "confidential", &ua);
    int64_t b = mk_person(w->admin, w->u_pd, "duty_officer", "confidential", &ub);
    char *ta = login_ok(ua, H_PASSWORD), *tb = login_ok(ub, H_PASSWORD);
    char *path_a = tfmt("/api/v1/people/%lld", (long long)a);
    char *path_b = tfmt("/api/v1/people/%lld", (long long)b);
    struct resp *r;
    (void)state;

    EXPECT_STATUS(me(ta), 200);
    /* PATCH is_disabled: the live session dies and logging in fails. */
    r = api_json("PATCH", path_a, w->admin, json_pack("{s:b}", "is_disabled", 1));
    EXPECT_STATUS(r, 200);
    assert_true(json_is_true(json_object_get(r->json, "is_disabled")));
    EXPECT_ERROR(me(ta), 401, "unauthenticated", NULL);
    EXPECT_ERROR(login(ua, H_PASSWORD), 401, "unauthenticated", NULL);

    /* DELETE disables too; the record stays (the audit log refers to it). */
    EXPECT_STATUS(me(tb), 200);
    EXPECT_STATUS(api_req("DELETE", path_b, w->admin, NULL, NULL, NULL), 204);
    EXPECT_ERROR(me(tb), 401, "unauthenticated", NULL);
    EXPECT_ERROR(login(ub, H_PASSWORD), 401, "unauthenticated", NULL);
    r = api_get(path_b, w->admin);
    EXPECT_STATUS(r, 200);
    assert_true(json_is_true(json_object_get(r->json, "is_disabled")));
    assert_string_equal(JSTR(r->json, "username"), ub);

    /* Enabling again lets the person log in, but the old session stays revoked. */
    r = api_json("PATCH", path_a, w->admin, json_pack("{s:b}", "is_disabled", 0));
    EXPECT_STATUS(r, 200);
    assert_true(json_is_false(json_object_get(r->json, "is_disabled")));
    (void)login_ok(ua, H_PASSWORD);
    EXPECT_ERROR(me(ta), 401, "unauthenticated", NULL);
}

static void test_auth_login_body_validation(void **state)
{
    struct world *w = &g_srv->w;
    char *user;
    (void)state;

    (void)mk_person(w->admin, w->u_pd, "viewer", "unclassified", &user);
    EXPECT_ERROR(login_body(json_pack("{s:s}", "username", user)), 422, "invalid", "password");
    EXPECT_ERROR(login_body(json_pack("{s:s}", "password", H_PASSWORD)), 422, "invalid",
                 "username");
    EXPECT_ERROR(login_body(json_pack("{s:i, s:s}", "username", 5, "password", H_PASSWORD)), 422,
                 "invalid", "username");
    EXPECT_ERROR(login_body(json_pack("{s:s, s:s}", "username", "", "password", H_PASSWORD)), 422,
                 "invalid", "username");
    /* Four refusals, none a wrong password: the right one still logs in. */
    (void)login_ok(user, H_PASSWORD);
}

static void test_auth_password_change(void **state)
{
    struct world *w = &g_srv->w;
    static const char new_pw[] = "Mat-khau-moi-2026-dai";
    char *user;
    char *t1, *t2;
    struct resp *r;
    (void)state;

    (void)mk_person(w->admin, w->u_pd, "coordinator", "confidential", &user);
    t1 = login_ok(user, H_PASSWORD);
    t2 = login_ok(user, H_PASSWORD);
    /* A wrong old password changes nothing. */
    r = api_json(
        "POST", "/api/v1/auth/password", t1,
        json_pack("{s:s, s:s}", "old_password", "Khong-phai-mat-khau", "new_password", new_pw));
    assert_int_equal(r->status, 401);
    EXPECT_STATUS(me(t2), 200);

    EXPECT_STATUS(
        api_json("POST", "/api/v1/auth/password", t1,
                 json_pack("{s:s, s:s}", "old_password", H_PASSWORD, "new_password", new_pw)),
        204);
    /* Every session is revoked, the caller's too (docs/API.md): log in again. */
    EXPECT_ERROR(me(t1), 401, "unauthenticated", NULL);
    EXPECT_ERROR(me(t2), 401, "unauthenticated", NULL);
    EXPECT_ERROR(login(user, H_PASSWORD), 401, "unauthenticated", NULL);
    (void)login_ok(user, new_pw);
}

static void test_auth_admin_sets_password(void **state)
{
    struct world *w = &g_srv->w;
    static const char new_pw[] = "Dat-lai-boi-quan-tri-1";
    char *user, *vuser;
    int64_t pid = mk_person(w->admin, w->u_pd, "reporter", "unclassified", &user);
    char *path = tfmt("/api/v1/people/%lld/password", (long long)pid);
    char *tp = login_ok(user, H_PASSWORD), *tv;
    (void)state;

    (void)mk_person(w->admin, w->u_pd, "commander", "secret", &vuser);
    tv = login_ok(vuser, H_PASSWORD);
    /* Not an admin: refused, and nothing is revoked. */
    EXPECT_ERROR(api_json("POST", path, tv, json_pack("{s:s}", "password", new_pw)), 403,
                 "forbidden", NULL);
    EXPECT_ERROR(api_json("POST", path, w->admin, json_pack("{s:s}", "password", "short")), 422,
                 "invalid", "password");
    EXPECT_STATUS(me(tp), 200);
    EXPECT_ERROR(api_json("POST", "/api/v1/people/987654321/password", w->admin,
                          json_pack("{s:s}", "password", new_pw)),
                 404, "not_found", NULL);

    EXPECT_STATUS(api_json("POST", path, w->admin, json_pack("{s:s}", "password", new_pw)), 204);
    EXPECT_ERROR(me(tp), 401, "unauthenticated", NULL);
    EXPECT_ERROR(login(user, H_PASSWORD), 401, "unauthenticated", NULL);
    (void)login_ok(user, new_pw);
    EXPECT_STATUS(me(tv), 200); /* someone else's session is untouched */
}

static void test_auth_throttle_per_client(void **state)
{
    struct world *w = &g_srv->w;
    char *user;
    struct resp *r;
    (void)state;

    (void)mk_person(w->admin, w->u_pd, "viewer", "unclassified", &user);
    /* Five failures for five different (unknown) names: no account gets locked. */
    for (int i = 0; i < 5; i++)
        EXPECT_ERROR(login(tfmt("khong.ton.tai.%d.%s", i, uniq_word()), "Sai-mat-khau-123"), 401,
                     "unauthenticated", NULL);
    /* The sixth attempt is refused before the password is even looked at. */
    r = login(user, H_PASSWORD);
    EXPECT_ERROR(r, 429, "too_many_requests", NULL);
    assert_null(json_object_get(r->json, "token"));
    assert_non_null(resp_header(r, "Retry-After"));
    /* Throttling is about logins: existing sessions keep working. */
    EXPECT_STATUS(me(w->admin), 200);
}

static void test_auth_account_lockout(void **state)
{
    struct world *w = &g_srv->w;
    char *user;
    int64_t pid = mk_person(w->admin, w->u_pd, "duty_officer", "confidential", &user);
    struct resp *r, *p;
    char *ra;
    long secs;
    (void)state;

    /* --login-lock-after 4: four failures in a row lock the account ... */
    for (int i = 0; i < 4; i++)
        EXPECT_ERROR(login(user, tfmt("Sai-mat-khau-%d", i)), 401, "unauthenticated", NULL);
    /* ... so the right password is refused too (the client, at 4 failures, is not yet
     * throttled: this is the account's lock). */
    r = login(user, H_PASSWORD);
    EXPECT_ERROR(r, 429, "account_locked", NULL);
    assert_null(json_object_get(r->json, "token"));
    ra = resp_header(r, "Retry-After");
    assert_non_null(ra);
    secs = strtol(ra, NULL, 10);
    assert_true(secs >= 1 && secs <= 60); /* --login-lock-minutes 1 */
    p = api_get(tfmt("/api/v1/people/%lld", (long long)pid), w->admin);
    EXPECT_STATUS(p, 200);
    assert_true(json_is_string(json_object_get(p->json, "locked_until")));
}

/* A stolen token must not become a way to guess the password: wrong old passwords
 * count as failed logins and lock the account like them. */
static void test_auth_own_password_guessing_locks(void **state)
{
    struct world *w = &g_srv->w;
    char *user;
    char *t;
    struct resp *r;
    (void)state;

    (void)mk_person(w->admin, w->u_pd, "reporter", "unclassified", &user);
    t = login_ok(user, H_PASSWORD);
    /* --login-lock-after 4 */
    for (int i = 0; i < 4; i++)
        EXPECT_ERROR(api_json("POST", "/api/v1/auth/password", t,
                              json_pack("{s:s, s:s}", "old_password", tfmt("Doan-sai-%d", i),
                                        "new_password", "Mat-khau-moi-dai-2026")),
                     401, "unauthenticated", "old_password");
    /* Locked now: even the right old password is refused, and so is a login. */
    r = api_json("POST", "/api/v1/auth/password", t,
                 json_pack("{s:s, s:s}", "old_password", H_PASSWORD, "new_password",
                           "Mat-khau-moi-dai-2026"));
    EXPECT_ERROR(r, 429, "account_locked", NULL);
    assert_non_null(resp_header(r, "Retry-After"));
    EXPECT_ERROR(login(user, H_PASSWORD), 429, "too_many_requests", NULL);
    /* The password did not change: the old one is still the one stored. */
    EXPECT_STATUS(me(t), 200);
}

/* A new password the policy refuses is answered at once and costs the caller
 * nothing of the login throttle. */
static void test_auth_weak_new_password_not_counted(void **state)
{
    struct world *w = &g_srv->w;
    char *user;
    char *t;
    (void)state;

    (void)mk_person(w->admin, w->u_pd, "viewer", "unclassified", &user);
    t = login_ok(user, H_PASSWORD);
    for (int i = 0; i < 7; i++) /* more than --login-throttle 5 */
        EXPECT_ERROR(api_json("POST", "/api/v1/auth/password", t,
                              json_pack("{s:s, s:s}", "old_password", H_PASSWORD, "new_password",
                                        "ngan")),
                     422, "invalid", "new_password");
    EXPECT_STATUS(me(t), 200);
    (void)login_ok(user, H_PASSWORD);
}

int run_auth_tests(void)
{
    const struct CMUnitTest tests[] = {
        T(test_auth_login_returns_token_and_person),
        T(test_auth_me_describes_caller),
        T(test_auth_logout_revokes_only_that_token),
        T(test_auth_missing_or_bad_token),
        T(test_auth_api_tokens),
        T(test_auth_password_change_validation),
        T_FRESH(test_auth_wrong_credentials_same_answer),
        T_FRESH(test_auth_disabled_account),
        T_FRESH(test_auth_login_body_validation),
        T_FRESH(test_auth_password_change),
        T_FRESH(test_auth_admin_sets_password),
        T_FRESH(test_auth_throttle_per_client),
        T_FRESH(test_auth_account_lockout),
        T_FRESH(test_auth_own_password_guessing_locks),
        T_FRESH(test_auth_weak_new_password_not_counted),
    };
    return cmocka_run_group_tests_name("auth", tests, h_group_setup, NULL);
}
