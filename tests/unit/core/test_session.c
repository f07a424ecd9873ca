/* test_session.c - logging in and out: tokens that authenticate, failures counted
 * and audited, lock-out (even against the right password), disabled accounts,
 * throttling per client (attempts in flight counted, first refusal flagged and
 * audited), revocation on logout and password change, changing one's own password
 * (wrong old passwords counted, locking and audited), API tokens.
 * Real argon2id is used, so the tests keep the number of hashes small. */
#include "util/base.h"
#include "testutil.h"
#include "core/access.h"
#include "core/person.h"
#include "core/session.h"
#include "core/unit.h"
#include "security/password.h"
#include "security/token.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/time.h"

#define PASSWORD "Bến Tre 2026 trực ban"

static const struct core_user anonymous = {.username = "anonymous"};

struct fx {
    struct tu_fx tu;      /* first, for tu_fx_teardown() */
    struct core_ctx anon; /* a login from 192.0.2.10 */
    int64_t ca, ca_bd, qs;
    int64_t officer; /* "nguyen.van.a" at ca_bd, password PASSWORD */
    struct core_user police_admin, military_admin, viewer;
};

static int64_t person_ok(struct fx *f, const char *username, int64_t unit_id, int clearance,
                         const char *password)
{
    struct person p = {.username = username, .full_name = "Nguyễn Văn A", .unit_id = unit_id,
                       .roles = ROLE_DUTY_OFFICER | ROLE_REPORTER, .clearance = clearance};
    const char *field = NULL;
    assert_int_equal(TX(&f->tu.sys, person_create(&f->tu.sys, &p, password, &field)), PH_OK);
    return p.id;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct core_ctx *sys = &f->tu.sys;

    session_configure(NULL);
    tu_fx_open(&f->tu);
    /* Lock times are compared with the real clock by login_verify. */
    sys->now_ms = time_now_ms();
    f->anon = *sys;
    f->anon.user = &anonymous;
    f->anon.client = "192.0.2.10";
    f->ca = tu_unit_create(sys, tu_unit("CA-BT", "CA-BT", "police", "province", 0));
    f->ca_bd = tu_unit_create(sys, tu_unit("CA-H-BD", "CA-H-BD", "police", "district", f->ca));
    f->qs = tu_unit_create(sys, tu_unit("QS-BT", "QS-BT", "military", "province", 0));
    f->officer = person_ok(f, "nguyen.van.a", f->ca_bd, CLEARANCE_CONFIDENTIAL, PASSWORD);
    f->police_admin = tu_user_at(sys, f->ca, ROLE_ADMIN, CLEARANCE_SECRET);
    f->military_admin = tu_user_at(sys, f->qs, ROLE_ADMIN, CLEARANCE_TOP_SECRET);
    f->viewer = tu_user_at(sys, f->ca, ROLE_VIEWER, CLEARANCE_TOP_SECRET);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    (void)tu_fx_teardown(state);
    session_configure(NULL);
    return 0;
}

/* The three steps as the HTTP door runs them. Returns login_prepare's error or the
 * verdict. */
static ph_err login(struct core_ctx *cx, const char *username, const char *password,
                    struct login_result *res)
{
    struct login_attempt at;
    struct login_result dummy;
    ph_err rc = login_prepare(cx, username, &at);

    if (res == NULL)
        res = &dummy;
    if (rc != PH_OK)
        return rc;
    login_verify(&at, password);
    assert_int_equal(TX(cx, login_finish(cx, &at, res)), PH_OK);
    if (res->verdict == PH_OK)
        login_forgive(&at); /* as the door does after the commit */
    return res->verdict;
}

/* The newest audit entry. */
static struct audit_entry last_audit(struct fx *f)
{
    return tu_audit_last(f->tu.st, &f->tu.a);
}

static struct person person_now(struct fx *f, int64_t id)
{
    struct person p;
    assert_int_equal(person_get(&f->tu.sys, id, &p), PH_OK);
    return p;
}

static void test_session_config(void **state)
{
    const struct session_config *c;
    struct session_config mine = {.lock_after = 3};
    uint64_t g;
    (void)state;

    session_configure(NULL);
    c = session_config_get();
    assert_int_equal(c->session_ttl_ms, 12 * 3600 * 1000LL);
    assert_int_equal(c->throttle_failures, 5);
    assert_int_equal(c->throttle_window_ms, 5 * 60 * 1000LL);
    assert_int_equal(c->lock_after, 10);
    assert_int_equal(c->lock_ms, 15 * 60 * 1000LL);
    session_configure(&mine); /* unset members keep their defaults */
    assert_int_equal(session_config_get()->lock_after, 3);
    assert_int_equal(session_config_get()->throttle_failures, 5);
    session_configure(NULL);

    g = session_generation();
    session_generation_bump();
    assert_true(session_generation() == g + 1);
}

static void test_session_login_logout(void **state)
{
    struct fx *f = *state;
    struct login_result res;
    struct core_user who;
    struct audit_entry e;
    int64_t sid = 0, exp = 0;
    uint64_t gen;

    assert_int_equal(login(&f->anon, " Nguyen.Van.A ", PASSWORD, &res), PH_OK);
    assert_non_null(res.token);
    assert_true(token_well_formed(res.token));
    assert_int_equal(res.expires_at, f->anon.now_ms + 12 * 3600 * 1000LL);
    assert_int_equal(res.person.id, f->officer);
    assert_string_equal(res.person.username, "nguyen.van.a");
    assert_null(res.person.password_hash);
    assert_true(res.person.has_password);

    e = last_audit(f);
    assert_string_equal(e.action, "auth.login");
    assert_int_equal(e.actor_id, f->officer);
    assert_string_equal(e.actor, "nguyen.van.a");
    assert_string_equal(e.client, "192.0.2.10");
    assert_null(strstr(e.detail, res.token));

    assert_int_equal(session_authenticate(&f->anon, res.token, &who, &sid, &exp), PH_OK);
    assert_int_equal(who.person_id, f->officer);
    assert_string_equal(who.username, "nguyen.van.a");
    assert_int_equal(who.roles, ROLE_DUTY_OFFICER | ROLE_REPORTER);
    assert_int_equal(who.clearance, CLEARANCE_CONFIDENTIAL);
    assert_int_equal(who.unit_id, f->ca_bd);
    assert_string_equal(who.force, "police");
    assert_string_equal(who.unit_level, "district");
    assert_non_null(who.unit_path);
    assert_false(who.is_system);
    assert_true(sid > 0);
    assert_int_equal(exp, res.expires_at);

    /* Expired, malformed, unknown. */
    struct core_ctx later = f->anon;
    later.now_ms = res.expires_at;
    assert_int_equal(session_authenticate(&later, res.token, &who, NULL, NULL), PH_EAUTH);
    assert_int_equal(session_authenticate(&f->anon, "ph_short", &who, NULL, NULL), PH_EAUTH);
    assert_int_equal(session_authenticate(&f->anon, NULL, &who, NULL, NULL), PH_EAUTH);
    char other[TOKEN_STR_BYTES];
    token_generate(other);
    assert_int_equal(session_authenticate(&f->anon, other, &who, NULL, NULL), PH_EAUTH);

    /* Logout revokes. */
    gen = session_generation();
    assert_int_equal(TX(&f->anon, session_logout(&f->anon, res.token)), PH_OK);
    assert_true(session_generation() > gen);
    assert_int_equal(session_authenticate(&f->anon, res.token, &who, NULL, NULL), PH_EAUTH);
    e = last_audit(f);
    assert_string_equal(e.action, "auth.logout");
    assert_int_equal(e.actor_id, f->officer);
    assert_int_equal(TX(&f->anon, session_logout(&f->anon, res.token)), PH_EAUTH);
}

static void test_session_wrong_password(void **state)
{
    struct fx *f = *state;
    struct login_result res;
    struct audit_entry e;
    struct login_attempt at;

    assert_int_equal(login(&f->anon, "nguyen.van.a", "không đúng mật khẩu", &res), PH_EAUTH);
    assert_null(res.token);
    assert_int_equal(person_now(f, f->officer).failed_logins, 1);
    e = last_audit(f);
    assert_string_equal(e.action, "auth.login_failed");
    assert_int_equal(e.item_id, f->officer);
    assert_int_equal(e.actor_id, 0);
    assert_non_null(strstr(e.detail, "\"reason\":\"wrong_password\""));
    assert_null(strstr(e.detail, "không đúng"));

    assert_int_equal(login(&f->anon, "khong.ton.tai", PASSWORD, &res), PH_EAUTH);
    e = last_audit(f);
    assert_int_equal(e.item_id, 0);
    assert_non_null(strstr(e.detail, "\"reason\":\"unknown_user\""));
    assert_non_null(strstr(e.detail, "\"username\":\"khong.ton.tai\""));

    /* A success clears the count. */
    assert_int_equal(login(&f->anon, "nguyen.van.a", PASSWORD, &res), PH_OK);
    assert_int_equal(person_now(f, f->officer).failed_logins, 0);

    assert_int_equal(login_prepare(&f->anon, "   ", &at), PH_EINVAL);
    assert_int_equal(login_prepare(&f->anon, NULL, &at), PH_EINVAL);
}

static void test_session_lock(void **state)
{
    struct fx *f = *state;
    struct session_config cfg = {.lock_after = 3, .lock_ms = 60 * 1000, .throttle_failures = 30};
    struct login_result res;
    struct person p;

    session_configure(&cfg);
    for (int i = 0; i < 3; i++)
        assert_int_equal(login(&f->anon, "nguyen.van.a", "sai mật khẩu rồi", &res), PH_EAUTH);
    p = person_now(f, f->officer);
    assert_int_equal(p.locked_until, f->anon.now_ms + 60 * 1000);

    /* Locked: refused even with the right password, and audited as such. */
    assert_int_equal(login(&f->anon, "nguyen.van.a", PASSWORD, &res), PH_ELOCKED);
    assert_null(res.token);
    assert_int_equal(res.person.locked_until, p.locked_until); /* for Retry-After */
    assert_null(res.person.username);
    assert_non_null(strstr(last_audit(f).detail, "\"reason\":\"locked\""));
    /* Attempts while locked do not extend the lock. */
    assert_int_equal(person_now(f, f->officer).locked_until, p.locked_until);

    /* Once the lock has passed, the right password works again. */
    assert_int_equal(store_person_set_login_state(f->tu.st, f->officer, 0, f->anon.now_ms - 1),
                     PH_OK);
    assert_int_equal(login(&f->anon, "nguyen.van.a", PASSWORD, &res), PH_OK);
    assert_int_equal(person_now(f, f->officer).locked_until, 0);
}

static void test_session_disabled_and_no_password(void **state)
{
    struct fx *f = *state;
    struct login_result res;
    struct core_user who;
    int64_t nopw = person_ok(f, "chua.co.mk", f->ca_bd, 0, NULL);
    char text[TOKEN_STR_BYTES];

    assert_int_equal(login(&f->anon, "chua.co.mk", "bất kỳ mật khẩu nào", &res), PH_EAUTH);
    assert_non_null(strstr(last_audit(f).detail, "\"reason\":\"no_password\""));
    assert_int_equal(last_audit(f).item_id, nopw);

    assert_int_equal(TX(&f->tu.sys, person_set_disabled(&f->tu.sys, f->officer, true)), PH_OK);
    assert_int_equal(login(&f->anon, "nguyen.van.a", PASSWORD, &res), PH_EAUTH);
    assert_non_null(strstr(last_audit(f).detail, "\"reason\":\"disabled\""));

    /* A token of a disabled account does not authenticate. */
    (void)tu_token_insert(f->tu.st, f->officer, f->tu.sys.now_ms, f->tu.sys.now_ms + 60000, text);
    assert_int_equal(session_authenticate(&f->anon, text, &who, NULL, NULL), PH_EAUTH);
}

static void test_session_throttle(void **state)
{
    struct fx *f = *state;
    struct session_config cfg = {.throttle_failures = 3, .throttle_window_ms = 60 * 1000};
    struct core_ctx other = f->anon;
    struct core_ctx later = f->anon;
    struct login_attempt at;

    session_configure(&cfg);
    other.client = "198.51.100.7";
    for (int i = 0; i < 3; i++)
        assert_int_equal(login(&f->anon, "ai.do", "đoán mò mật khẩu", NULL), PH_EAUTH);
    /* Over the limit: refused before any password work, even for a real account. */
    assert_int_equal(login_prepare(&f->anon, "nguyen.van.a", &at), PH_EBUSY);
    /* Another client is not affected. */
    assert_int_equal(login_prepare(&other, "nguyen.van.a", &at), PH_OK);
    assert_int_equal(at.person_id, f->officer);
    /* The window slides. */
    later.now_ms += 60 * 1000;
    assert_int_equal(login_prepare(&later, "nguyen.van.a", &at), PH_OK);
}

static void test_session_password_change_revokes(void **state)
{
    struct fx *f = *state;
    struct login_result res;
    struct core_user who, self_user;
    struct core_ctx self;
    struct login_attempt at;
    const char *field = NULL;

    assert_int_equal(login(&f->anon, "nguyen.van.a", PASSWORD, &res), PH_OK);
    assert_int_equal(session_authenticate(&f->anon, res.token, &self_user, NULL, NULL), PH_OK);
    self = f->anon;
    self.user = &self_user;

    /* A login checked against the old password, finished after the change. */
    assert_int_equal(login_prepare(&f->anon, "nguyen.van.a", &at), PH_OK);
    login_verify(&at, PASSWORD);
    assert_int_equal(at.verdict, PH_OK);

    assert_int_equal(
        TX(&self, person_set_password(&self, f->officer, PASSWORD, "mật khẩu mới 2026", &field)),
        PH_OK);
    assert_int_equal(session_authenticate(&f->anon, res.token, &who, NULL, NULL), PH_EAUTH);

    assert_int_equal(TX(&f->anon, login_finish(&f->anon, &at, &res)), PH_OK);
    assert_int_equal(res.verdict, PH_EAUTH);
    assert_null(res.token);
}

static void test_session_api_tokens(void **state)
{
    struct fx *f = *state;
    struct core_ctx admin = tu_as(&f->tu, &f->police_admin);
    struct core_ctx mil = tu_as(&f->tu, &f->military_admin);
    struct core_ctx viewer = tu_as(&f->tu, &f->viewer);
    struct core_user who;
    struct audit_entry e;
    char *token = NULL;
    int64_t id = 0, exp = 0;
    int64_t secret = person_ok(f, "mat.cao", f->ca_bd, CLEARANCE_TOP_SECRET, NULL);

    admin.now_ms = viewer.now_ms = mil.now_ms = f->tu.sys.now_ms;
    assert_int_equal(TX(&viewer, api_token_create(&viewer, f->officer, "Hệ thống CAP", 0, &token,
                                                   &id, &exp)),
                     PH_EPERM);
    assert_int_equal(
        TX(&mil, api_token_create(&mil, f->officer, "Hệ thống CAP", 0, &token, &id, &exp)),
        PH_EPERM);
    assert_int_equal(
        TX(&admin, api_token_create(&admin, secret, "Hệ thống CAP", 0, &token, &id, &exp)),
        PH_EPERM);
    assert_int_equal(TX(&admin, api_token_create(&admin, f->officer, "  ", 0, &token, &id, &exp)),
                     PH_EINVAL);
    assert_int_equal(TX(&admin, api_token_create(&admin, 9999, "x", 0, &token, &id, &exp)),
                     PH_ENOTFOUND);
    assert_int_equal(
        TX(&admin, api_token_create(&admin, f->officer, "Hệ thống CAP", 0, &token, &id, &exp)),
        PH_OK);
    assert_true(token_well_formed(token));
    assert_int_equal(exp, admin.now_ms + 365LL * 24 * 3600 * 1000);
    e = last_audit(f);
    assert_string_equal(e.action, "token.create");
    assert_string_equal(e.item_kind, "token");
    assert_int_equal(e.item_id, id);
    assert_null(strstr(e.detail, token));

    assert_int_equal(session_authenticate(&f->anon, token, &who, NULL, NULL), PH_OK);
    assert_int_equal(who.person_id, f->officer);

    assert_int_equal(TX(&mil, api_token_revoke(&mil, id)), PH_EPERM);
    assert_int_equal(TX(&admin, api_token_revoke(&admin, 9999)), PH_ENOTFOUND);
    assert_int_equal(TX(&admin, api_token_revoke(&admin, id)), PH_OK);
    assert_int_equal(session_authenticate(&f->anon, token, &who, NULL, NULL), PH_EAUTH);
    assert_string_equal(last_audit(f).action, "token.revoke");

    /* A chosen lifetime. */
    assert_int_equal(
        TX(&admin, api_token_create(&admin, f->officer, "Trạm AIS", 1000, &token, &id, &exp)),
        PH_OK);
    assert_int_equal(exp, admin.now_ms + 1000);
}

/* A context acting as the officer, through a real session token. */
static struct core_ctx officer_ctx(struct fx *f, struct core_user *who)
{
    struct login_result res;
    struct core_ctx cx = f->anon;

    assert_int_equal(login(&f->anon, "nguyen.van.a", PASSWORD, &res), PH_OK);
    assert_int_equal(session_authenticate(&f->anon, res.token, who, NULL, NULL), PH_OK);
    cx.user = who;
    return cx;
}

/* The door's own-password change: prepare and verify the old password, hash the
 * new one (when the old was right), then the write. Returns the verdict. */
static ph_err change_own(struct core_ctx *cx, const char *old_pw, const char *new_pw,
                         const char **field)
{
    struct login_attempt at;
    const char *hash = NULL;
    ph_err verdict = PH_EIO;

    assert_int_equal(login_prepare(cx, cx->user->username, &at), PH_OK);
    login_verify(&at, old_pw);
    if (at.verdict == PH_OK)
        assert_int_equal(person_password_prepare(cx->arena, new_pw, &hash, field), PH_OK);
    assert_int_equal(TX(cx, session_change_password(cx, &at, hash, &verdict, field)), PH_OK);
    if (verdict == PH_OK)
        login_forgive(&at);
    return verdict;
}

static void test_session_change_password(void **state)
{
    struct fx *f = *state;
    struct core_user who, again;
    struct core_ctx self = officer_ctx(f, &who);
    struct login_result res;
    struct audit_entry e;
    struct person p;
    const char *field = NULL;
    char *token;

    assert_int_equal(login(&f->anon, "nguyen.van.a", PASSWORD, &res), PH_OK);
    token = res.token;

    /* A wrong old password: counted, audited, committed; the session stays. */
    field = NULL;
    assert_int_equal(change_own(&self, "đoán sai mật khẩu cũ", "mật khẩu mới 2026", &field),
                     PH_EAUTH);
    assert_string_equal(field, "old_password");
    assert_int_equal(person_now(f, f->officer).failed_logins, 1);
    e = last_audit(f);
    assert_string_equal(e.action, "auth.password_failed");
    assert_int_equal(e.item_id, f->officer);
    assert_int_equal(e.actor_id, f->officer);
    assert_non_null(strstr(e.detail, "\"reason\":\"wrong_password\""));
    assert_null(strstr(e.detail, "đoán sai"));
    assert_int_equal(session_authenticate(&f->anon, token, &again, NULL, NULL), PH_OK);

    /* The right one: stored, every token revoked, failures cleared, audited. */
    field = NULL;
    assert_int_equal(change_own(&self, PASSWORD, "mật khẩu mới 2026", &field), PH_OK);
    assert_null(field);
    assert_int_equal(session_authenticate(&f->anon, token, &again, NULL, NULL), PH_EAUTH);
    p = person_now(f, f->officer);
    assert_int_equal(p.failed_logins, 0);
    assert_int_equal(p.locked_until, 0);
    e = last_audit(f);
    assert_string_equal(e.action, "person.password");
    assert_int_equal(e.actor_id, f->officer);
    assert_non_null(strstr(e.detail, "\"by\":\"self\""));
    assert_null(strstr(e.detail, "argon2"));
    assert_int_equal(login(&f->anon, "nguyen.van.a", PASSWORD, &res), PH_EAUTH);
    assert_int_equal(login(&f->anon, "nguyen.van.a", "mật khẩu mới 2026", &res), PH_OK);
}

static void test_session_change_password_rules(void **state)
{
    struct fx *f = *state;
    struct core_user who;
    struct core_ctx self = officer_ctx(f, &who);
    struct core_ctx sys = f->tu.sys;
    struct login_attempt at, other;
    const char *hash = NULL, *field = NULL;
    ph_err verdict = PH_EIO;
    int64_t before;

    person_ok(f, "nguoi.khac", f->ca_bd, 0, PASSWORD);
    assert_int_equal(person_password_prepare(&f->tu.a, "mật khẩu mới 2026", &hash, &field), PH_OK);

    /* Only one's own account: not another's attempt, not as the system. */
    assert_int_equal(login_prepare(&self, "nguoi.khac", &other), PH_OK);
    login_verify(&other, PASSWORD);
    assert_int_equal(other.verdict, PH_OK);
    before = tu_audit_count(f->tu.st);
    assert_int_equal(TX(&self, session_change_password(&self, &other, hash, &verdict, &field)),
                     PH_EPERM);
    assert_int_equal(TX(&sys, session_change_password(&sys, &other, hash, &verdict, &field)),
                     PH_EPERM);
    assert_int_equal(login_prepare(&self, "khong.ton.tai", &other), PH_OK);
    login_verify(&other, PASSWORD);
    assert_int_equal(TX(&sys, session_change_password(&sys, &other, hash, &verdict, &field)),
                     PH_EPERM);
    assert_int_equal(tu_audit_count(f->tu.st), before);
    assert_int_equal(verdict, PH_EIO); /* untouched on errors */

    /* A right old password with something that is no argon2id hash. */
    assert_int_equal(login_prepare(&self, "nguyen.van.a", &at), PH_OK);
    login_verify(&at, PASSWORD);
    TX_EINVAL(&self, session_change_password(&self, &at, "mật khẩu thô", &verdict, &field), field,
              "new_password");
    assert_int_equal(TX(&self, session_change_password(&self, &at, NULL, &verdict, &field)),
                     PH_EINVAL);

    /* A password changed between the check and the write: the check is stale. */
    assert_int_equal(TX(&sys, person_set_password(&sys, f->officer, NULL, "đổi bởi quản trị",
                                                  &field)),
                     PH_OK);
    assert_int_equal(TX(&self, session_change_password(&self, &at, hash, &verdict, &field)),
                     PH_OK);
    assert_int_equal(verdict, PH_EAUTH);
    assert_non_null(strstr(last_audit(f).detail, "\"reason\":\"wrong_password\""));
}

static void test_session_change_password_locks(void **state)
{
    struct fx *f = *state;
    struct session_config cfg = {.lock_after = 3, .lock_ms = 60 * 1000, .throttle_failures = 30};
    struct core_user who;
    struct core_ctx self;
    struct login_result res;
    const char *field = NULL;
    struct person p;

    session_configure(&cfg);
    self = officer_ctx(f, &who);
    for (int i = 0; i < 3; i++)
        assert_int_equal(change_own(&self, "đoán mò lần nữa", "mật khẩu mới 2026", &field),
                         PH_EAUTH);
    p = person_now(f, f->officer);
    assert_int_equal(p.locked_until, self.now_ms + 60 * 1000);
    assert_string_equal(last_audit(f).action, "auth.password_failed");

    /* Locked: the right old password no longer works here, nor at the login. */
    field = NULL;
    assert_int_equal(change_own(&self, PASSWORD, "mật khẩu mới 2026", &field), PH_ELOCKED);
    assert_string_equal(field, "old_password");
    assert_non_null(strstr(last_audit(f).detail, "\"reason\":\"locked\""));
    assert_int_equal(person_now(f, f->officer).locked_until, p.locked_until);
    assert_int_equal(login(&f->anon, "nguyen.van.a", PASSWORD, &res), PH_ELOCKED);

    /* The self path of person_set_password goes the same way. */
    assert_int_equal(store_person_set_login_state(f->tu.st, f->officer, 0, 0), PH_OK);
    field = NULL;
    assert_int_equal(
        TX(&self, person_set_password(&self, f->officer, "sai rồi nhé", "mật khẩu mới 2026", &field)),
        PH_EAUTH);
    assert_string_equal(field, "old_password");
    assert_int_equal(
        TX(&self, person_set_password(&self, f->officer, PASSWORD, "mật khẩu mới 2026", &field)),
        PH_OK);
    assert_int_equal(login(&f->anon, "nguyen.van.a", "mật khẩu mới 2026", &res), PH_OK);
}

static void test_session_throttle_parallel(void **state)
{
    struct fx *f = *state;
    struct session_config cfg = {.throttle_failures = 3, .throttle_window_ms = 60 * 1000};
    struct core_ctx other = f->anon, later = f->anon;
    struct login_attempt at[6];
    struct login_result res;
    int firsts = 0;

    session_configure(&cfg);
    other.client = "198.51.100.7";
    /* Attempts in flight count at once: the fourth is refused before any of the
     * first three has finished. */
    for (int i = 0; i < 3; i++)
        assert_int_equal(login_prepare(&f->anon, "nguyen.van.a", &at[i]), PH_OK);
    for (int i = 3; i < 6; i++) {
        assert_int_equal(login_prepare(&f->anon, "Nguyen.Van.A", &at[i]), PH_EBUSY);
        assert_string_equal(at[i].username, "Nguyen.Van.A");
        assert_string_equal(at[i].client, "192.0.2.10");
        firsts += at[i].first_refusal;
    }
    assert_int_equal(firsts, 1);
    assert_true(at[3].first_refusal);
    assert_int_equal(login_prepare(&other, "nguyen.van.a", &at[5]), PH_OK);

    /* A success, once committed, takes its own entry back; a failure adds nothing
     * more. */
    login_verify(&at[0], PASSWORD);
    assert_int_equal(TX(&f->anon, login_finish(&f->anon, &at[0], &res)), PH_OK);
    assert_int_equal(res.verdict, PH_OK);
    login_forgive(&at[0]);
    login_verify(&at[1], "sai mật khẩu rồi");
    assert_int_equal(TX(&f->anon, login_finish(&f->anon, &at[1], &res)), PH_OK);
    assert_int_equal(res.verdict, PH_EAUTH);
    assert_int_equal(login_prepare(&f->anon, "nguyen.van.a", &at[4]), PH_OK);
    /* Refusals after an admitted attempt are a new episode: flagged once again.
     * Refusals in a row are not. */
    assert_int_equal(login_prepare(&f->anon, "nguyen.van.a", &at[4]), PH_EBUSY);
    assert_true(at[4].first_refusal);
    assert_int_equal(login_prepare(&f->anon, "nguyen.van.a", &at[4]), PH_EBUSY);
    assert_false(at[4].first_refusal);

    /* After the window a new episode gets its own first refusal. */
    later.now_ms += 60 * 1000;
    for (int i = 0; i < 3; i++)
        assert_int_equal(login_prepare(&later, "ai.do", &at[i]), PH_OK);
    assert_int_equal(login_prepare(&later, "ai.do", &at[3]), PH_EBUSY);
    assert_true(at[3].first_refusal);
}

static void test_session_throttle_success_not_counted(void **state)
{
    struct fx *f = *state;
    struct session_config cfg = {.throttle_failures = 2, .throttle_window_ms = 60 * 1000};
    struct core_user who;
    struct core_ctx self;
    struct login_attempt at;
    const char *field = NULL;

    session_configure(&cfg);
    /* Successes, however many, never throttle ... */
    for (int i = 0; i < 4; i++)
        assert_int_equal(login(&f->anon, "nguyen.van.a", PASSWORD, NULL), PH_OK);
    /* ... nor push failures out of the count: one failure, more successes than
     * the table keeps entries (the verdict is set by hand: argon2id is slow),
     * and the next failure is the second within the window. */
    assert_int_equal(login(&f->anon, "ai.do", "đoán mò", NULL), PH_EAUTH);
    for (int i = 0; i < 40; i++) {
        struct login_result res;
        assert_int_equal(login_prepare(&f->anon, "nguyen.van.a", &at), PH_OK);
        at.verdict = PH_OK;
        assert_int_equal(TX(&f->anon, login_finish(&f->anon, &at, &res)), PH_OK);
        assert_int_equal(res.verdict, PH_OK);
        login_forgive(&at);
    }
    assert_int_equal(login(&f->anon, "ai.do", "đoán mò nữa", NULL), PH_EAUTH);
    assert_int_equal(login_prepare(&f->anon, "nguyen.van.a", &at), PH_EBUSY);

    /* Wrong old passwords count like failed logins. */
    session_configure(&cfg);
    self = officer_ctx(f, &who);
    assert_int_equal(change_own(&self, "đoán mò mật khẩu", "mật khẩu mới 2026", &field), PH_EAUTH);
    assert_int_equal(login(&f->anon, "nguyen.van.a", "sai nữa rồi", NULL), PH_EAUTH);
    assert_int_equal(login_prepare(&self, "nguyen.van.a", &at), PH_EBUSY);
}

static void test_session_refusal_audit(void **state)
{
    struct fx *f = *state;
    struct session_config cfg = {.throttle_failures = 1, .throttle_window_ms = 60 * 1000};
    struct login_attempt at;
    struct audit_entry e;
    int64_t before;

    session_configure(&cfg);
    assert_int_equal(login(&f->anon, "nguyen.van.a", "sai mật khẩu", NULL), PH_EAUTH);
    assert_int_equal(login_prepare(&f->anon, " nguyen.van.a ", &at), PH_EBUSY);
    assert_true(at.first_refusal);
    before = tu_audit_count(f->tu.st);
    assert_int_equal(TX(&f->anon, login_record_refusal(&f->anon, &at)), PH_OK);
    assert_int_equal(tu_audit_count(f->tu.st), before + 1);
    e = last_audit(f);
    assert_string_equal(e.action, "auth.login_throttled");
    assert_int_equal(e.actor_id, 0);
    assert_int_equal(e.item_id, 0);
    assert_string_equal(e.client, "192.0.2.10");
    assert_non_null(strstr(e.detail, "\"username\":\"nguyen.van.a\""));
    assert_non_null(strstr(e.detail, "\"client\":\"192.0.2.10\""));
    /* Nothing else: the account's count is the one failure. */
    assert_int_equal(person_now(f, f->officer).failed_logins, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_session_config),
        cmocka_unit_test_setup_teardown(test_session_login_logout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_wrong_password, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_lock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_disabled_and_no_password, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_throttle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_password_change_revokes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_api_tokens, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_change_password, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_change_password_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_change_password_locks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_throttle_parallel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_throttle_success_not_counted, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_session_refusal_audit, setup, teardown),
    };
    if (password_lib_init() != PH_OK)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
