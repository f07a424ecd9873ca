/* person.h - people: the officers who use phoihop, with rank, position, unit,
 * roles and clearance; their passwords (argon2id) and account state. */
#ifndef PH_CORE_PERSON_H
#define PH_CORE_PERSON_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/err.h"
struct arena;
struct core_ctx;

struct person {
    int64_t id;
    const char *username;  /* lower-case ASCII [a-z0-9._-], 3..64 */
    const char *full_name; /* "Nguyễn Văn Cường", NFC */
    const char *rank;      /* "Thiếu tá", or NULL */
    const char *position;  /* "Trực ban", or NULL */
    int64_t unit_id;       /* 0: none (system administrators only) */
    unsigned roles;        /* ROLE_* bits, at least one */
    int clearance;         /* CLEARANCE_* */
    const char *phone, *email; /* or NULL */
    bool is_disabled;
    bool has_password;     /* read-only: a password is set */
    int failed_logins;     /* read-only: consecutive failures */
    int64_t locked_until;  /* read-only: UTC ms, 0 when not locked */
    int64_t version;
    int64_t created_at, updated_at;
    /* Store-only: the argon2id hash string; NULL when no password is set. Never
     * leaves core. */
    const char *password_hash;
};

struct person_filter {
    int64_t unit_id;   /* 0: any */
    int64_t within_unit_id; /* people of this unit and units below; 0: any */
    const char *force; /* people of units of this force, or NULL */
    unsigned role;     /* has this ROLE_* bit; 0: any */
    const char *q;     /* folded full name/username contains, or NULL */
    bool include_disabled;
    int64_t after_id;
    int limit;
};

ph_err person_validate(struct core_ctx *cx, struct person *p, const char **field) __attribute__((warn_unused_result));
/* The CPU-heavy half of setting a password, for any thread (a worker, never an
 * event loop or the writer): the password policy, then argon2id. *hash lives in
 * arena a. PH_EINVAL with *field = "password" when the policy refuses it; PH_EIO
 * when out of memory. */
ph_err person_password_prepare(struct arena *a, const char *password, const char **hash,
                               const char **field) __attribute__((warn_unused_result));
/* Create, optionally with a password, which comes in one of two ways: password
 * non-NULL is checked and hashed here (the CLI: argon2id in the transaction);
 * password NULL with p->password_hash non-NULL stores that hash, made by
 * person_password_prepare() off the writer (a string that does not start with
 * "$argon2id$" is PH_EINVAL, field "password"). Both NULL: no password, the
 * account cannot log in until one is set. The caller must administer p's unit; it
 * cannot grant a clearance above its own. p->password_hash is NULL afterwards. */
ph_err person_create(struct core_ctx *cx, struct person *p, const char *password,
                     const char **field) __attribute__((warn_unused_result));
/* Update profile, unit, roles, clearance, is_disabled. Disabling revokes sessions.
 * Nobody changes their own roles or disables their own account (PH_EPERM, field
 * "roles" or "is_disabled"), except the system user. */
ph_err person_update(struct core_ctx *cx, struct person *p, const char **field) __attribute__((warn_unused_result));
/* Set a new password (admin over the person's unit, or the person themself with
 * old_password correct: PH_EAUTH, field "old_password", when it is not; the
 * failure is then counted as by session_change_password(), but the caller's
 * rollback drops the count). Revokes every session and token of the person, the
 * caller's own included, and clears a lock-out. Hashes in the caller's transaction:
 * for the CLI and tests; the HTTP door uses person_set_password_hash() and
 * session_change_password(). */
ph_err person_set_password(struct core_ctx *cx, int64_t id, const char *old_password,
                           const char *new_password, const char **field) __attribute__((warn_unused_result));
/* The administrator's way of person_set_password() with a hash from
 * person_password_prepare(): admin over the person's unit (PH_EPERM otherwise, and
 * for a person cleared above the caller, and for the caller's own account, which
 * is changed with the old password through session_change_password()); PH_EINVAL,
 * field "password", for a hash that is not "$argon2id$...". Revokes every token of
 * the person, clears a lock-out, audits "person.password". */
/* Checks a door makes before it spends argon2id on the worker pool, so that a
 * caller without the right cannot keep the pool busy; the services check again. */
/* May the caller set person id's password (PH_EPERM, PH_ENOTFOUND otherwise)? */
ph_err person_may_set_password(struct core_ctx *cx, int64_t id) __attribute__((warn_unused_result));
/* May the caller create a person in p->unit_id? *field as person_create sets it. */
ph_err person_may_create(struct core_ctx *cx, const struct person *p, const char **field) __attribute__((warn_unused_result));
/* The password policy alone (cheap): PH_EINVAL with *field = "password". */
ph_err person_password_check(const char *password, const char **field) __attribute__((warn_unused_result));
ph_err person_set_password_hash(struct core_ctx *cx, int64_t id, const char *hash,
                                const char **field) __attribute__((warn_unused_result));
/* Disable (or enable) an account; disabling revokes every session and token. One
 * cannot disable one's own account (PH_EPERM), except the system user. */
ph_err person_set_disabled(struct core_ctx *cx, int64_t id, bool disabled) __attribute__((warn_unused_result));
ph_err person_get(struct core_ctx *cx, int64_t id, struct person *out) __attribute__((warn_unused_result));
ph_err person_get_by_username(struct core_ctx *cx, const char *username, struct person *out) __attribute__((warn_unused_result));
ph_err person_list(struct core_ctx *cx, const struct person_filter *f, struct person **items,
                   size_t *n, bool *has_more) __attribute__((warn_unused_result));
/* True when name is a valid username. */
bool person_username_valid(const char *name);
#endif
