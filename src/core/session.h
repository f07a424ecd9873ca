/* session.h - logging in and out, bearer tokens (login sessions and API tokens for
 * other systems), throttling of failed logins and account lock-out.
 *
 * A login runs in three steps so that no event loop waits on argon2id and every
 * outcome is written (and audited) by the writer:
 *   login_prepare()  any thread, read connection: find the account, apply throttling
 *                    (and count the attempt as a failure of the client until it
 *                    succeeds, so that parallel attempts cannot pass the limit);
 *   login_verify()   a worker thread: argon2id, constant work even for unknown names;
 *   login_finish()   the writer, in a transaction: count the failure (and lock) or
 *                    issue the token; audit either way.
 * Changing one's own password checks the old one the same way, with
 * session_change_password() as the last step.
 * Tokens are 32 random bytes (base64url, prefixed "ph_"); only their BLAKE2b-256
 * hash is stored. */
#ifndef PH_CORE_SESSION_H
#define PH_CORE_SESSION_H
#include <stdbool.h>
#include <stdint.h>
#include "core/ctx.h"
#include "core/person.h"
#include "util/err.h"

#define TOKEN_HASH_BYTES 32

struct session_config {
    int64_t session_ttl_ms;       /* login session lifetime (default 12 h) */
    int throttle_failures;        /* failures from one client within the window ... */
    int64_t throttle_window_ms;   /* ... before further attempts get PH_EBUSY (5, 5 min) */
    int lock_after;               /* consecutive failures that lock the account (10) */
    int64_t lock_ms;              /* for how long (15 min) */
};
/* Process-wide; set once before serving. NULL restores the defaults. */
void session_configure(const struct session_config *cfg);
const struct session_config *session_config_get(void);

struct login_attempt {
    const char *username;    /* as given, lives in the caller's arena */
    const char *client;
    int64_t person_id;       /* 0 when no such account */
    const char *password_hash; /* NULL when none */
    bool is_disabled;
    int64_t locked_until;
    ph_err verdict;          /* set by login_verify(): PH_OK, PH_EAUTH or PH_ELOCKED */
    bool first_refusal;      /* login_prepare() returned PH_EBUSY, the first time for this
                              * client since its last admitted attempt (or for a throttle
                              * window): audit this one, not every refusal of a flood */
    int64_t counted_at;      /* UTC ms of the throttle entry login_prepare() counted; 0: none */
};

struct login_result {
    ph_err verdict;          /* PH_OK, or why the login failed: PH_EAUTH, PH_ELOCKED */
    char *token;             /* the bearer token, shown once; lives in cx->arena */
    int64_t expires_at;      /* UTC ms */
    struct person person;    /* the account, strings in cx->arena */
};

/* Step 1. PH_EBUSY when the client is throttled (at->first_refusal set for the
 * first refusal of a throttling episode, see login_record_refusal()); PH_EINVAL
 * (field "username") when empty. Otherwise counts the attempt against the client
 * at once, as a failure that a successful step 3 takes back: an attempt abandoned
 * in between stays counted. Fills *at (strings in cx->arena); at->username and
 * at->client are set on PH_EBUSY too. */
ph_err login_prepare(struct core_ctx *cx, const char *username, struct login_attempt *at) __attribute__((warn_unused_result));
/* Step 2. Sets at->verdict. Thread-safe; CPU-bound (argon2id). */
void login_verify(struct login_attempt *at, const char *password);
/* Step 3, in a write transaction: records the outcome and audits it. A failed
 * login is an outcome to commit (counter, lock, audit entry), so this returns
 * PH_OK once it is recorded and out->verdict says how the login went: PH_OK with
 * the token and person filled, or PH_EAUTH / PH_ELOCKED (the verdict is re-checked
 * against the account as it is inside the transaction). Other returns are store
 * errors. */
ph_err login_finish(struct core_ctx *cx, const struct login_attempt *at, struct login_result *out) __attribute__((warn_unused_result));
/* In a write transaction, after login_prepare() refused at with PH_EBUSY and set
 * at->first_refusal: audit "auth.login_throttled" with the username and client.
 * Nothing else. */
ph_err login_record_refusal(struct core_ctx *cx, const struct login_attempt *at) __attribute__((warn_unused_result));

/* The caller (cx->user) changes their own password, in a write transaction. at was
 * filled by login_prepare() with the caller's username and checked by
 * login_verify() against the old password; new_hash comes from
 * person_password_prepare() (it may be NULL when at->verdict is not PH_OK).
 * PH_EPERM when at is not the caller's account. A wrong old password (or a locked,
 * disabled or password-less account, re-checked here) is recorded like a failed
 * login (the account's failure count and lock, audit "auth.password_failed"): this
 * returns PH_OK so that the record commits, with *verdict PH_EAUTH or PH_ELOCKED and
 * *field "old_password". Otherwise stores new_hash (PH_EINVAL, field
 * "new_password", when it is not "$argon2id$..."), revokes every token of the
 * person, clears failures and lock, audits "person.password"; *verdict PH_OK. */
ph_err session_change_password(struct core_ctx *cx, const struct login_attempt *at,
                               const char *new_hash, ph_err *verdict, const char **field) __attribute__((warn_unused_result));

/* After the transaction of a successful login_finish() or session_change_password()
 * has committed (not before: a failed commit must leave the attempt counted): take
 * the attempt's entry out of the client's throttle count. No-op unless the attempt's
 * verdict is PH_OK. */
void login_forgive(const struct login_attempt *at);

/* Resolve a bearer token to its user (read connection). PH_EAUTH when unknown,
 * expired, revoked, or the account is disabled. Strings live in cx->arena;
 * session_id and expires_at may be NULL. */
ph_err session_authenticate(struct core_ctx *cx, const char *token, struct core_user *out,
                            int64_t *session_id, int64_t *expires_at) __attribute__((warn_unused_result));
/* Revoke the session that token belongs to (write transaction); audited. */
ph_err session_logout(struct core_ctx *cx, const char *token) __attribute__((warn_unused_result));

/* API tokens for other systems, acting as person_id (admin over that person's
 * unit). ttl_ms 0 means one year. *token is shown once. */
ph_err api_token_create(struct core_ctx *cx, int64_t person_id, const char *name, int64_t ttl_ms,
                        char **token, int64_t *token_id, int64_t *expires_at) __attribute__((warn_unused_result));
ph_err api_token_revoke(struct core_ctx *cx, int64_t token_id) __attribute__((warn_unused_result));

/* Bumped whenever a token is revoked or an account's roles, unit, clearance or
 * state change: caches of authenticated users drop entries older than this. */
uint64_t session_generation(void);
void session_generation_bump(void);
/* fn (quick: it runs on the bumping thread) is called after every bump, so that
 * other nodes on the same database drop their caches too (events/cluster.c).
 * NULL removes it. */
typedef void (*session_bump_fn)(void);
void session_set_bump_hook(session_bump_fn fn);
#endif
