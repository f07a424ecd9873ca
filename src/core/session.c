/* session.c - logins, bearer tokens, throttling and lock-out.
 *
 * Two brakes on password guessing, with different keys:
 *   - throttling, per client address: after throttle_failures failures within
 *     throttle_window_ms, login_prepare answers PH_EBUSY before any argon2id work,
 *     so one client cannot keep a worker busy. login_prepare counts each attempt
 *     as a failure under the same lock as the check, and a success takes its entry
 *     back: counting only when the outcome is known let 40 parallel attempts pass
 *     a limit of 5. The first refusal of an episode is flagged so that the door
 *     audits it once (login_record_refusal), not once per request of a flood.
 *     Kept in memory only (a restart forgets it), in a small fixed table: an
 *     attacker with many addresses evicts entries, which is why the account lock
 *     below exists;
 *   - lock-out, per account and stored: lock_after consecutive failures lock the
 *     account for lock_ms, even against the right password.
 * The verdict a worker reached is re-checked in login_finish against the account
 * as the write transaction sees it, so concurrent attempts cannot slip past a
 * lock or a password change that happened in between. Changing one's own password
 * goes through the same steps and the same brakes (session_change_password), so
 * that it is no way around them for whoever holds a session. */
#include "util/base.h"
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include "core/access.h"
#include "core/audit.h"
#include "core/ctx.h"
#include "core/outbox.h"
#include "core/session.h"
#include "security/password.h"
#include "security/token.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/limits.h"
#include "util/text.h"
#include "util/time.h"

#define MINUTE_MS (60 * 1000LL)
#define HOUR_MS (60 * MINUTE_MS)
#define API_TOKEN_DEFAULT_TTL_MS (365 * 24 * HOUR_MS)

#define THROTTLE_SLOTS 256
#define THROTTLE_KEEP 32 /* failure times kept per client: caps throttle_failures */
#define THROTTLE_CLIENT_BYTES 64 /* an IPv6 address with zone fits */

/* The defaults API.md documents. */
#define SESSION_DEFAULTS                                                                           \
    {                                                                                              \
        .session_ttl_ms = 12 * HOUR_MS, .throttle_failures = 5,                                    \
        .throttle_window_ms = 5 * MINUTE_MS, .lock_after = 10, .lock_ms = 15 * MINUTE_MS,          \
    }

struct throttle_slot {
    char client[THROTTLE_CLIENT_BYTES]; /* "" when free */
    int64_t times[THROTTLE_KEEP];       /* failure times, in no order; n of them */
    int n;
    int64_t last;       /* the latest failure, for eviction */
    int64_t refused_at; /* first refusal of the current episode; 0: not refusing */
};

static struct session_config config = SESSION_DEFAULTS;
static pthread_mutex_t throttle_mu = PTHREAD_MUTEX_INITIALIZER;
static struct throttle_slot throttle[THROTTLE_SLOTS];
static _Atomic uint64_t generation = 1;

/* ---- configuration ------------------------------------------------------------------ */

void session_configure(const struct session_config *cfg)
{
    struct session_config c = SESSION_DEFAULTS;

    if (cfg != NULL) {
        if (cfg->session_ttl_ms > 0)
            c.session_ttl_ms = cfg->session_ttl_ms;
        if (cfg->throttle_failures > 0)
            c.throttle_failures = cfg->throttle_failures;
        if (cfg->throttle_window_ms > 0)
            c.throttle_window_ms = cfg->throttle_window_ms;
        if (cfg->lock_after > 0)
            c.lock_after = cfg->lock_after;
        if (cfg->lock_ms > 0)
            c.lock_ms = cfg->lock_ms;
    }
    if (c.throttle_failures > THROTTLE_KEEP)
        c.throttle_failures = THROTTLE_KEEP;
    /* New rules start from a clean slate: failures counted under old ones are
     * forgotten (this also lets tests start afresh). */
    pthread_mutex_lock(&throttle_mu);
    config = c;
    memset(throttle, 0, sizeof(throttle));
    pthread_mutex_unlock(&throttle_mu);
}

const struct session_config *session_config_get(void)
{
    return &config;
}

uint64_t session_generation(void)
{
    return atomic_load(&generation);
}

/* Told of every bump (events/cluster.c: the other nodes' caches); NULL: nobody. */
static _Atomic(session_bump_fn) bump_hook;

void session_set_bump_hook(session_bump_fn fn)
{
    atomic_store(&bump_hook, fn);
}

void session_generation_bump(void)
{
    session_bump_fn fn;

    atomic_fetch_add(&generation, 1);
    fn = atomic_load(&bump_hook);
    if (fn != NULL)
        fn();
}

/* ---- throttling ----------------------------------------------------------------------- */

static const char *client_key(const char *client)
{
    return client != NULL && client[0] != '\0' ? client : "?";
}

/* The slot of client, or NULL. Caller holds throttle_mu. */
static struct throttle_slot *throttle_find(const char *client)
{
    for (size_t i = 0; i < THROTTLE_SLOTS; i++)
        if (throttle[i].client[0] != '\0' &&
            strncmp(throttle[i].client, client, THROTTLE_CLIENT_BYTES - 1) == 0)
            return &throttle[i];
    return NULL;
}

static int throttle_recent(const struct throttle_slot *s, int64_t now, int64_t window)
{
    int k = 0;

    for (int i = 0; i < s->n; i++)
        if (s->times[i] > now - window)
            k++;
    return k;
}

/* The slot of key, claimed when it has none: a free slot, or one whose failures
 * have all aged out, or else the one quiet for longest. Caller holds throttle_mu. */
static struct throttle_slot *throttle_claim(const char *key, int64_t now)
{
    struct throttle_slot *s = throttle_find(key), *victim = &throttle[0];

    if (s != NULL)
        return s;
    for (size_t i = 0; i < THROTTLE_SLOTS; i++) {
        struct throttle_slot *t = &throttle[i];
        if (t->client[0] == '\0' || t->last <= now - config.throttle_window_ms) {
            victim = t;
            break;
        }
        if (t->last < victim->last)
            victim = t;
    }
    memset(victim, 0, sizeof(*victim));
    snprintf(victim->client, sizeof(victim->client), "%s", key);
    return victim;
}

/* Admit an attempt of client at now, counting it as a failure at once, or refuse
 * it (false) when the client is over the limit; *first says whether this is the
 * first refusal since the client was last admitted (or for a window). */
static bool throttle_admit(const char *client, int64_t now, bool *first)
{
    struct throttle_slot *s;
    bool admit;

    pthread_mutex_lock(&throttle_mu);
    s = throttle_claim(client_key(client), now);
    admit = throttle_recent(s, now, config.throttle_window_ms) < config.throttle_failures;
    *first = false;
    if (!admit) {
        *first = s->refused_at == 0 || s->refused_at <= now - config.throttle_window_ms;
        if (*first)
            s->refused_at = now;
    } else {
        /* Full: the oldest goes (throttle_failures <= THROTTLE_KEEP, so a client
         * over the limit is never under it for lack of room). */
        int at = 0;
        if (s->n < THROTTLE_KEEP)
            at = s->n++;
        else
            for (int i = 1; i < s->n; i++)
                if (s->times[i] < s->times[at])
                    at = i;
        s->refused_at = 0;
        s->times[at] = now;
        s->last = now;
    }
    pthread_mutex_unlock(&throttle_mu);
    return admit;
}

/* Take back the failure throttle_admit counted at time at for client: the attempt
 * succeeded. Gone already (evicted, aged out) is fine. */
static void throttle_forgive(const char *client, int64_t at)
{
    struct throttle_slot *s;

    if (at == 0)
        return;
    pthread_mutex_lock(&throttle_mu);
    s = throttle_find(client_key(client));
    /* Removed, not marked: successes must not push out failures still counting. */
    for (int i = 0; s != NULL && i < s->n; i++)
        if (s->times[i] == at) {
            s->times[i] = s->times[--s->n];
            break;
        }
    pthread_mutex_unlock(&throttle_mu);
}

void login_forgive(const struct login_attempt *at)
{
    if (at != NULL && at->verdict == PH_OK)
        throttle_forgive(at->client, at->counted_at);
}

/* ---- helpers -------------------------------------------------------------------------- */

/* The user an account acts as, strings in cx->arena. */
static ph_err user_of(struct core_ctx *cx, const struct person *p, struct core_user *u)
{
    memset(u, 0, sizeof(*u));
    u->person_id = p->id;
    u->username = p->username;
    u->full_name = p->full_name;
    u->roles = p->roles;
    u->clearance = p->clearance;
    u->unit_id = p->unit_id;
    if (p->unit_id != 0) {
        struct unit un;
        ph_err rc = store_unit_get(cx->st, cx->arena, p->unit_id, &un);
        if (rc != PH_OK)
            return rc;
        u->unit_path = un.path;
        u->unit_level = un.level;
        u->force = un.force;
    }
    return PH_OK;
}

static void user_of_auth(const struct store_auth *a, struct core_user *u)
{
    memset(u, 0, sizeof(*u));
    u->person_id = a->person_id;
    u->username = a->username;
    u->full_name = a->full_name;
    u->roles = a->roles;
    u->clearance = a->clearance;
    u->unit_id = a->unit_id;
    u->unit_path = a->unit_path;
    u->unit_level = a->unit_level;
    u->force = a->force;
}

/* Admin rights over person p (its unit; a global admin for people without one). */
static ph_err check_admin_over(struct core_ctx *cx, const struct person *p)
{
    struct access_item item = {.kind = ITEM_PERSON};

    if (p->unit_id != 0) {
        struct unit un;
        ph_err rc = store_unit_get(cx->st, cx->arena, p->unit_id, &un);
        if (rc != PH_OK)
            return rc == PH_ENOTFOUND ? PH_ESTORE : rc;
        item.owner_path = un.path;
        item.owner_force = un.force;
    } else if (!access_is_global_admin(cx->user)) {
        return PH_EPERM;
    }
    return access_allows(cx->user, ACCESS_UPDATE, &item, NULL) ? PH_OK : PH_EPERM;
}

/* Make a token, store its hash. *text gets the token in cx->arena. */
static ph_err issue_token(struct core_ctx *cx, int64_t person_id, const char *kind,
                          const char *name, int64_t expires_at, char **text, int64_t *id)
{
    char tok[TOKEN_STR_BYTES];
    struct store_token t;
    ph_err rc;

    memset(&t, 0, sizeof(t));
    token_generate(tok);
    token_hash(tok, t.hash);
    t.person_id = person_id;
    t.kind = kind;
    t.name = name;
    t.created_at = cx->now_ms;
    t.expires_at = expires_at;
    t.client = cx->client;
    rc = store_token_insert(cx->st, &t, id);
    if (rc == PH_OK)
        *text = arena_strdup(cx->arena, tok);
    sodium_memzero(tok, sizeof(tok));
    return rc;
}

/* ---- login ------------------------------------------------------------------------------ */

ph_err login_prepare(struct core_ctx *cx, const char *username, struct login_attempt *at)
{
    struct person p;
    char *name = NULL, *lower;
    ph_err rc = PH_EINVAL;

    memset(at, 0, sizeof(*at));
    at->verdict = PH_EAUTH;
    if (username != NULL)
        name = text_trim(cx->arena, username);
    if (name == NULL || name[0] == '\0' || strlen(name) > TEXT_MAX_SHORT_BYTES ||
        !text_is_clean_utf8(name, strlen(name)))
        goto out;
    at->username = name;
    at->client = arena_strdup(cx->arena, client_key(cx->client));
    rc = PH_EBUSY;
    if (!throttle_admit(at->client, cx->now_ms, &at->first_refusal))
        goto out;
    at->counted_at = cx->now_ms;

    /* Usernames are lower case; people type them otherwise. */
    lower = arena_strdup(cx->arena, name);
    for (char *c = lower; *c != '\0'; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    rc = PH_OK;
    if (!person_username_valid(lower))
        goto out; /* cannot exist: an unknown user */
    rc = store_person_get_by_username(cx->st, cx->arena, lower, &p);
    if (rc == PH_ENOTFOUND)
        rc = PH_OK;
    else if (rc == PH_OK) {
        at->person_id = p.id;
        at->password_hash = p.password_hash;
        at->is_disabled = p.is_disabled;
        at->locked_until = p.locked_until;
    }
out:
    return rc;
}

void login_verify(struct login_attempt *at, const char *password)
{
    /* Always verify, against a dummy hash when there is none, so that the time
     * taken does not tell unknown names from wrong passwords. */
    bool ok = password_verify(at->password_hash, password != NULL ? password : "");

    if (at->person_id != 0 && at->locked_until > time_now_ms())
        at->verdict = PH_ELOCKED;
    else if (!ok || at->person_id == 0 || at->password_hash == NULL || at->is_disabled)
        at->verdict = PH_EAUTH;
    else
        at->verdict = PH_OK;
}

/* A wrong guess (or an attempt on a locked, disabled or password-less account) as
 * the transaction sees it: the account's failure count and lock, and the audit
 * entry action. The client's throttle entry was counted by login_prepare. */
static ph_err record_failure(struct core_ctx *cx, const struct login_attempt *at,
                             const struct person *p, ph_err verdict, const char *reason,
                             const char *action)
{
    /* Only wrong guesses count towards the lock: attempts on a locked account
     * would otherwise extend the lock for ever. */
    if (p != NULL && verdict == PH_EAUTH) {
        int failed = p->failed_logins + 1;
        int64_t locked_until = p->locked_until;
        ph_err rc;
        if (failed >= config.lock_after) {
            locked_until = cx->now_ms + config.lock_ms;
            failed = 0; /* the next lock takes as many failures again */
        }
        rc = store_person_set_login_state(cx->st, p->id, failed, locked_until);
        if (rc != PH_OK)
            return rc;
    }
    return audit_record(cx, action, "person", p != NULL ? p->id : 0,
                        json_pack("{s:s?, s:s}", "username", at->username, "reason", reason));
}

/* The verdict on at against account p as the transaction sees it, re-checked:
 * locks, disabling and password changes since login_prepare count. *reason names
 * a failure for the audit entry. */
static ph_err judge(const struct core_ctx *cx, const struct login_attempt *at,
                    const struct person *p, const char **reason)
{
    if (p->locked_until > cx->now_ms || at->verdict == PH_ELOCKED) {
        *reason = "locked";
        return PH_ELOCKED;
    }
    if (p->is_disabled) {
        *reason = "disabled";
        return PH_EAUTH;
    }
    if (p->password_hash == NULL) {
        *reason = "no_password";
        return PH_EAUTH;
    }
    if (at->verdict != PH_OK || at->password_hash == NULL ||
        strcmp(at->password_hash, p->password_hash) != 0) {
        /* A password changed since login_prepare was checked against the old one. */
        *reason = "wrong_password";
        return PH_EAUTH;
    }
    return PH_OK;
}

ph_err login_finish(struct core_ctx *cx, const struct login_attempt *at, struct login_result *out)
{
    struct person p;
    struct core_user u;
    struct core_ctx lcx;
    const char *reason = NULL;
    ph_err verdict;
    int64_t sid = 0;
    ph_err rc = PH_OK;

    memset(out, 0, sizeof(*out));
    out->verdict = PH_EAUTH;
    if (at->person_id != 0) {
        rc = store_person_get(cx->st, cx->arena, at->person_id, &p);
        if (rc != PH_OK && rc != PH_ENOTFOUND)
            goto out;
    }
    if (at->person_id == 0 || rc == PH_ENOTFOUND) {
        rc = record_failure(cx, at, NULL, PH_EAUTH, "unknown_user", "auth.login_failed");
        goto out;
    }

    verdict = judge(cx, at, &p, &reason);
    if (verdict != PH_OK) {
        rc = record_failure(cx, at, &p, verdict, reason, "auth.login_failed");
        if (rc == PH_OK) {
            out->verdict = verdict;
            /* Only the lock time, for a Retry-After: nothing else of a failed account. */
            if (verdict == PH_ELOCKED)
                out->person.locked_until = p.locked_until;
        }
        goto out;
    }

    if (p.failed_logins != 0 || p.locked_until != 0) {
        rc = store_person_set_login_state(cx->st, p.id, 0, 0);
        if (rc != PH_OK)
            goto out;
    }
    out->expires_at = cx->now_ms + config.session_ttl_ms;
    rc = issue_token(cx, p.id, "session", NULL, out->expires_at, &out->token, &sid);
    if (rc != PH_OK)
        goto out;
    /* The entry names the person who logged in as its actor. */
    rc = user_of(cx, &p, &u);
    if (rc != PH_OK)
        goto out;
    lcx = *cx;
    lcx.user = &u;
    rc = audit_record(&lcx, "auth.login", "person", p.id,
                      json_pack("{s:s, s:I}", "username", p.username, "session_id",
                                (json_int_t)sid));
    if (rc != PH_OK)
        goto out;
    p.has_password = true;
    p.password_hash = NULL;
    p.failed_logins = 0;
    p.locked_until = 0;
    out->person = p;
    out->verdict = PH_OK;
out:
    if (rc != PH_OK) {
        out->token = NULL;
        out->verdict = PH_EAUTH;
    }
    return rc;
}

ph_err login_record_refusal(struct core_ctx *cx, const struct login_attempt *at)
{
    return audit_record(cx, "auth.login_throttled", "person", 0,
                        json_pack("{s:s?, s:s?}", "username", at->username, "client",
                                  at->client != NULL ? at->client : cx->client));
}

/* A hash as person_password_prepare() makes them. */
static bool hash_acceptable(const char *hash)
{
    static const char prefix[] = "$argon2id$";
    return hash != NULL && strncmp(hash, prefix, sizeof(prefix) - 1) == 0 &&
           strlen(hash) < PASSWORD_HASH_BYTES;
}

ph_err session_change_password(struct core_ctx *cx, const struct login_attempt *at,
                               const char *new_hash, ph_err *verdict, const char **field)
{
    struct person p;
    const char *reason = NULL;
    ph_err v;
    int revoked = 0;
    ph_err rc = PH_EPERM;

    /* The attempt must be the caller's own: anyone else's would let one session
     * guess, or set, another account's password. */
    if (at->person_id == 0 || cx->user->is_system || at->person_id != cx->user->person_id)
        goto out;
    rc = store_person_get(cx->st, cx->arena, at->person_id, &p);
    if (rc != PH_OK)
        goto out;
    v = judge(cx, at, &p, &reason);
    if (v != PH_OK) {
        /* A wrong old password is a guess like a wrong login: counted, locking,
         * audited, and committed (hence PH_OK), or the session would be an
         * unlimited oracle for the password. */
        rc = record_failure(cx, at, &p, v, reason, "auth.password_failed");
        if (rc == PH_OK) {
            *verdict = v;
            if (field != NULL)
                *field = "old_password";
        }
        goto out;
    }
    rc = PH_EINVAL;
    if (!hash_acceptable(new_hash)) {
        if (field != NULL)
            *field = "new_password";
        goto out;
    }
    rc = store_person_set_password(cx->st, p.id, new_hash);
    if (rc != PH_OK)
        goto out;
    rc = store_person_set_login_state(cx->st, p.id, 0, 0);
    if (rc != PH_OK)
        goto out;
    /* Every session goes, this one included: whoever else held one is out. */
    rc = store_token_revoke_person(cx->st, p.id, cx->now_ms, &revoked);
    session_generation_bump();
    if (rc != PH_OK)
        goto out;
    rc = audit_record(cx, "person.password", "person", p.id,
                      json_pack("{s:s, s:i}", "by", "self", "tokens_revoked", revoked));
    if (rc != PH_OK)
        goto out;
    rc = outbox_emit(cx, "person.password_set", "person", p.id,
                     json_pack("{s:I}", "id", (json_int_t)p.id));
    if (rc != PH_OK)
        goto out;
    *verdict = PH_OK;
out:
    return rc;
}

/* ---- sessions --------------------------------------------------------------------------- */

/* The live token behind text: PH_EAUTH when malformed, unknown, revoked or expired. */
static ph_err find_token(struct core_ctx *cx, const char *text, struct store_auth *a)
{
    uint8_t hash[32];
    ph_err rc;

    if (text == NULL || !token_well_formed(text))
        return PH_EAUTH;
    token_hash(text, hash);
    rc = store_token_lookup(cx->st, cx->arena, hash, a);
    if (rc == PH_ENOTFOUND)
        return PH_EAUTH;
    if (rc != PH_OK)
        return rc;
    /* expires_at 0: a token that never expires (the store's convention). */
    if (a->revoked_at != 0 || (a->expires_at != 0 && a->expires_at <= cx->now_ms))
        return PH_EAUTH;
    return PH_OK;
}

ph_err session_authenticate(struct core_ctx *cx, const char *token, struct core_user *out,
                            int64_t *session_id, int64_t *expires_at)
{
    struct store_auth a;
    ph_err rc = find_token(cx, token, &a);

    if (rc != PH_OK)
        return rc;
    if (a.is_disabled)
        return PH_EAUTH;
    user_of_auth(&a, out);
    if (session_id != NULL)
        *session_id = a.token_id;
    if (expires_at != NULL)
        *expires_at = a.expires_at;
    return PH_OK;
}

ph_err session_logout(struct core_ctx *cx, const char *token)
{
    struct store_auth a;
    struct core_user u;
    struct core_ctx lcx;
    ph_err rc = find_token(cx, token, &a);

    if (rc != PH_OK)
        goto out;
    rc = store_token_revoke(cx->st, a.token_id, cx->now_ms);
    if (rc != PH_OK)
        goto out;
    session_generation_bump();
    user_of_auth(&a, &u);
    lcx = *cx;
    lcx.user = &u;
    rc = audit_record(&lcx, "auth.logout", "person", a.person_id,
                      json_pack("{s:s, s:I}", "username", a.username, "session_id",
                                (json_int_t)a.token_id));
out:
    return rc;
}

/* ---- API tokens ------------------------------------------------------------------------- */

ph_err api_token_create(struct core_ctx *cx, int64_t person_id, const char *name, int64_t ttl_ms,
                        char **token, int64_t *token_id, int64_t *expires_at)
{
    struct person p;
    char *t = NULL, *nfc = NULL, *text = NULL;
    int64_t id = 0, exp;
    ph_err rc;

    rc = store_person_get(cx->st, cx->arena, person_id, &p);
    if (rc != PH_OK)
        goto out;
    rc = check_admin_over(cx, &p);
    if (rc != PH_OK)
        goto out;
    /* A token acts as p: handing one out is becoming p, so not above one's own
     * clearance. */
    rc = PH_EPERM;
    if (!cx->user->is_system && p.clearance > cx->user->clearance)
        goto out;
    rc = PH_EINVAL;
    if (name != NULL)
        t = text_trim(cx->arena, name);
    if (t == NULL || t[0] == '\0' || !text_is_clean_utf8(t, strlen(t)) ||
        text_nfc(cx->arena, t, &nfc) != PH_OK || strlen(nfc) > TEXT_MAX_SHORT_BYTES)
        goto out;
    if (ttl_ms < 0 || p.is_disabled)
        goto out;
    exp = cx->now_ms + (ttl_ms == 0 ? API_TOKEN_DEFAULT_TTL_MS : ttl_ms);
    rc = issue_token(cx, p.id, "api", nfc, exp, &text, &id);
    if (rc != PH_OK)
        goto out;
    rc = audit_record(cx, "token.create", "token", id,
                      json_pack("{s:I, s:s, s:s, s:I}", "person_id", (json_int_t)p.id, "username",
                                p.username, "name", nfc, "expires_at", (json_int_t)exp));
    if (rc != PH_OK)
        goto out;
    *token = text;
    if (token_id != NULL)
        *token_id = id;
    if (expires_at != NULL)
        *expires_at = exp;
out:
    return rc;
}

ph_err api_token_revoke(struct core_ctx *cx, int64_t token_id)
{
    struct store_token t;
    struct person p;
    ph_err rc;

    rc = store_token_get(cx->st, cx->arena, token_id, &t);
    if (rc != PH_OK)
        goto out;
    rc = store_person_get(cx->st, cx->arena, t.person_id, &p);
    if (rc == PH_ENOTFOUND)
        rc = PH_ESTORE; /* the foreign key keeps a token's person */
    if (rc != PH_OK)
        goto out;
    rc = check_admin_over(cx, &p);
    if (rc != PH_OK)
        goto out;
    rc = store_token_revoke(cx->st, token_id, cx->now_ms);
    if (rc != PH_OK)
        goto out;
    session_generation_bump();
    rc = audit_record(cx, "token.revoke", "token", token_id,
                      json_pack("{s:I, s:s, s:s?, s:s?}", "person_id", (json_int_t)p.id,
                                "username", p.username, "kind", t.kind, "name", t.name));
out:
    return rc;
}
