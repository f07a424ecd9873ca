/* person.c - people: the accounts of phoihop, their roles, clearance and
 * passwords.
 *
 * Two rules hold everything here: a caller changes only people of units it
 * administers (and of the unit it moves them to), and nobody grants a clearance
 * above their own. Any change that narrows what an account may do (disabling,
 * other roles, another unit or clearance, a new password) revokes the account's
 * tokens in the same transaction and bumps the session generation, so that no
 * cached identity outlives it. Nobody changes their own roles or disables their
 * own account: an administrator would otherwise make themself commander of
 * everything they administer, or lock the last administrator out by a slip.
 * Password hashes never leave this file and session.c: not in results, not in the
 * audit log, not in events. argon2id runs in person_password_prepare() on a worker;
 * the writer only stores what it made, so that no hash stalls every other write. */
#include "util/base.h"
#include <jansson.h>
#include <sodium.h>
#include "core/access.h"
#include "core/audit.h"
#include "core/ctx.h"
#include "core/fields.h"
#include "core/outbox.h"
#include "core/person.h"
#include "core/session.h"
#include "security/password.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/limits.h"
#include "util/text.h"

#define USERNAME_MIN 3
#define USERNAME_MAX 64
#define EMAIL_MAX 254 /* RFC 5321 path limit */

bool person_username_valid(const char *name)
{
    size_t n = 0;

    if (name == NULL)
        return false;
    for (; name[n] != '\0'; n++) {
        char c = name[n];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && (n == 0 || (c != '.' && c != '_' && c != '-')))
            return false;
        if (n >= USERNAME_MAX)
            return false;
    }
    return n >= USERNAME_MIN;
}

/* ---- helpers ------------------------------------------------------------------------ */

/* Deliberately loose: one '@' with text on both sides and no white space. Whether
 * the mailbox exists is not ours to know. */
static bool email_valid(const char *s)
{
    const char *at = strchr(s, '@');

    if (at == NULL || at == s || at[1] == '\0' || strchr(at + 1, '@') != NULL)
        return false;
    for (; *s != '\0'; s++)
        if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
            return false;
    return true;
}

static json_t *person_summary(const struct person *p)
{
    return json_pack("{s:I, s:o, s:o, s:o, s:o, s:I, s:o, s:o, s:o, s:o, s:b, s:b, s:I}", "id",
                     (json_int_t)p->id, "username", fields_jstr(p->username), "full_name",
                     fields_jstr(p->full_name), "rank", fields_jstr(p->rank), "position",
                     fields_jstr(p->position), "unit_id", (json_int_t)p->unit_id, "roles",
                     fields_roles_json(p->roles), "clearance",
                     fields_jstr(clearance_name(p->clearance)), "phone", fields_jstr(p->phone),
                     "email", fields_jstr(p->email), "is_disabled", p->is_disabled, "has_password",
                     p->has_password, "version", (json_int_t)p->version);
}

/* The search key covers the full name and the username so that q finds either. */
static char *search_key(struct core_ctx *cx, const struct person *p)
{
    return text_fold(cx->arena, arena_printf(cx->arena, "%s %s", p->full_name, p->username));
}

/* Path and force of unit_id (both NULL for 0). PH_ENOTFOUND when no such unit. */
static ph_err unit_scope(struct core_ctx *cx, int64_t unit_id, const char **path,
                         const char **force)
{
    struct unit u;
    ph_err rc;

    *path = *force = NULL;
    if (unit_id == 0)
        return PH_OK;
    rc = store_unit_get(cx->st, cx->arena, unit_id, &u);
    if (rc == PH_OK) {
        *path = u.path;
        *force = u.force;
    }
    return rc;
}

/* People without a unit are the installation's own administrators: only a
 * global administrator changes them. */
static ph_err check_access(struct core_ctx *cx, enum access_action act, const char *path,
                           const char *force)
{
    struct access_item item = {.kind = ITEM_PERSON, .owner_path = path, .owner_force = force};

    if (path == NULL && act != ACCESS_READ && !access_is_global_admin(cx->user))
        return PH_EPERM;
    return access_allows(cx->user, act, &item, NULL) ? PH_OK : PH_EPERM;
}

/* Access to the person's unit, then the unit of person id. */
static ph_err check_person_access(struct core_ctx *cx, enum access_action act,
                                  const struct person *p)
{
    const char *path, *force;
    ph_err rc = unit_scope(cx, p->unit_id, &path, &force);

    if (rc == PH_ENOTFOUND)
        rc = PH_ESTORE; /* a person's unit cannot vanish: the foreign key keeps it */
    if (rc == PH_OK)
        rc = check_access(cx, act, path, force);
    return rc;
}

/* Person id, if the caller may do act to them. */
static ph_err load_person(struct core_ctx *cx, int64_t id, enum access_action act, struct person *p)
{
    ph_err rc = store_person_get(cx->st, cx->arena, id, p);
    return rc == PH_OK ? check_person_access(cx, act, p) : rc;
}

/* Access to people of the unit a record names (unit_id, which may be 0 or, not
 * yet validated, negative): an unknown unit is a bad unit_id. */
static ph_err check_unit_access(struct core_ctx *cx, enum access_action act, int64_t unit_id,
                                const char **field)
{
    const char *path, *force;
    ph_err rc = unit_scope(cx, unit_id > 0 ? unit_id : 0, &path, &force);

    if (rc == PH_ENOTFOUND) {
        rc = PH_EINVAL;
        if (field != NULL)
            *field = "unit_id";
    }
    if (rc == PH_OK)
        rc = check_access(cx, act, path, force);
    return rc;
}

static bool above_caller(const struct core_ctx *cx, int clearance)
{
    return !cx->user->is_system && clearance > cx->user->clearance;
}

/* The caller acting on their own account (never the system user). */
static bool is_self(const struct core_ctx *cx, int64_t id)
{
    return !cx->user->is_system && cx->user->person_id != 0 && cx->user->person_id == id;
}

/* A hash made by person_password_prepare(): argon2id, and short enough to be one.
 * Anything else would be a password nobody can log in with, or a weaker scheme. */
static bool hash_acceptable(const char *hash)
{
    static const char prefix[] = "$argon2id$";
    return hash != NULL && strncmp(hash, prefix, sizeof(prefix) - 1) == 0 &&
           strlen(hash) < PASSWORD_HASH_BYTES;
}

/* Checks every member. old is the stored record on update, NULL on create: a
 * clearance above the caller's own may stay but not be granted. */
static ph_err validate(struct core_ctx *cx, struct person *p, const struct person *old,
                       const char **field)
{
    const char *f = NULL;
    ph_err rc = PH_EINVAL;

    f = "username";
    if (!fields_trim_valid(cx->arena, &p->username, person_username_valid))
        goto out;
    f = "full_name";
    if (fields_clean_text(cx->arena, p->full_name, TEXT_MAX_NAME_BYTES, true, &p->full_name) !=
        PH_OK)
        goto out;
    f = "rank";
    if (fields_clean_text(cx->arena, p->rank, TEXT_MAX_SHORT_BYTES, false, &p->rank) != PH_OK)
        goto out;
    f = "position";
    if (fields_clean_text(cx->arena, p->position, TEXT_MAX_NAME_BYTES, false, &p->position) !=
        PH_OK)
        goto out;
    f = "phone";
    if (fields_clean_text(cx->arena, p->phone, TEXT_MAX_SHORT_BYTES, false, &p->phone) != PH_OK)
        goto out;
    f = "email";
    if (fields_clean_text(cx->arena, p->email, EMAIL_MAX, false, &p->email) != PH_OK ||
        (p->email != NULL && !email_valid(p->email)))
        goto out;

    f = "unit_id";
    if (p->unit_id < 0)
        goto out;
    if (p->unit_id == 0) {
        if (!access_is_global_admin(cx->user))
            goto out;
    } else {
        struct unit u;
        rc = store_unit_get(cx->st, cx->arena, p->unit_id, &u);
        if (rc == PH_ENOTFOUND)
            rc = PH_EINVAL;
        if (rc != PH_OK)
            goto out;
        rc = PH_EINVAL;
    }
    f = "roles";
    if (p->roles == 0 || (p->roles & ~ROLE_ALL) != 0)
        goto out;
    f = "clearance";
    if (p->clearance < CLEARANCE_UNCLASSIFIED || p->clearance > CLEARANCE_TOP_SECRET)
        goto out;
    if (above_caller(cx, p->clearance) && (old == NULL || old->clearance != p->clearance)) {
        rc = PH_EPERM; /* cannot grant a clearance above your own */
        goto out;
    }
    f = NULL;
    rc = PH_OK;
out:
    if (rc != PH_OK && f != NULL && field != NULL)
        *field = f;
    return rc;
}

/* Revoke every token of id and tell caches. *n gets how many were live. */
static ph_err revoke_all(struct core_ctx *cx, int64_t id, int *n)
{
    ph_err rc = store_token_revoke_person(cx->st, id, cx->now_ms, n);

    session_generation_bump();
    return rc;
}

/* ---- services -------------------------------------------------------------------------- */

ph_err person_validate(struct core_ctx *cx, struct person *p, const char **field)
{
    return validate(cx, p, NULL, field);
}

ph_err person_password_prepare(struct arena *a, const char *password, const char **hash,
                               const char **field)
{
    char buf[PASSWORD_HASH_BYTES];
    const char *why = NULL;
    ph_err rc = PH_EINVAL;

    buf[0] = '\0';
    if (password == NULL || password_check_policy(password, &why) != PH_OK) {
        if (field != NULL)
            *field = "password";
        goto out;
    }
    rc = password_hash(password, buf);
    if (rc == PH_OK)
        *hash = arena_strdup(a, buf);
out:
    sodium_memzero(buf, sizeof(buf));
    return rc;
}

ph_err person_create(struct core_ctx *cx, struct person *p, const char *password,
                     const char **field)
{
    char hash[PASSWORD_HASH_BYTES];
    const char *prepared = p->password_hash;
    const char *why = NULL;
    int64_t id = 0;
    ph_err rc;

    hash[0] = '\0';
    p->password_hash = NULL;
    rc = person_may_create(cx, p, field);
    if (rc != PH_OK)
        goto out;
    rc = validate(cx, p, NULL, field);
    if (rc != PH_OK)
        goto out;
    if (password != NULL) {
        rc = password_check_policy(password, &why);
        if (rc != PH_OK) {
            rc = PH_EINVAL;
            if (field != NULL)
                *field = "password";
            goto out;
        }
        rc = password_hash(password, hash);
        if (rc != PH_OK)
            goto out;
        p->password_hash = hash;
    } else if (prepared != NULL) {
        if (!hash_acceptable(prepared)) {
            rc = PH_EINVAL;
            if (field != NULL)
                *field = "password";
            goto out;
        }
        p->password_hash = prepared;
    }
    p->has_password = p->password_hash != NULL;
    p->failed_logins = 0;
    p->locked_until = 0;
    p->version = 1;
    p->created_at = p->updated_at = cx->now_ms;
    rc = store_person_insert(cx->st, p, search_key(cx, p), &id);
    p->password_hash = NULL;
    if (rc != PH_OK)
        goto out;
    p->id = id;
    rc = audit_record(cx, "person.create", "person", id, person_summary(p));
    if (rc != PH_OK)
        goto out;
    rc = outbox_emit(cx, "person.created", "person", id, person_summary(p));
out:
    p->password_hash = NULL;
    sodium_memzero(hash, sizeof(hash));
    return rc;
}

ph_err person_update(struct core_ctx *cx, struct person *p, const char **field)
{
    struct person old;
    bool narrows;
    int revoked = 0;
    json_t *d = NULL;
    ph_err rc;

    rc = store_person_get(cx->st, cx->arena, p->id, &old);
    if (rc != PH_OK)
        goto out;
    rc = check_person_access(cx, ACCESS_UPDATE, &old);
    if (rc != PH_OK)
        goto out;
    if (is_self(cx, p->id) && (p->roles != old.roles || (p->is_disabled && !old.is_disabled))) {
        rc = PH_EPERM;
        if (field != NULL)
            *field = p->roles != old.roles ? "roles" : "is_disabled";
        goto out;
    }
    if (p->unit_id != old.unit_id) {
        /* Moving someone needs admin rights over both units. */
        rc = check_unit_access(cx, ACCESS_UPDATE, p->unit_id, field);
        if (rc != PH_OK)
            goto out;
    }
    rc = validate(cx, p, &old, field);
    if (rc != PH_OK)
        goto out;
    p->password_hash = NULL;
    p->created_at = old.created_at;
    p->updated_at = cx->now_ms;
    rc = store_person_update(cx->st, p, search_key(cx, p));
    if (rc != PH_OK)
        goto out;

    narrows = (p->is_disabled && !old.is_disabled) || p->roles != old.roles ||
              p->unit_id != old.unit_id || p->clearance != old.clearance;
    if (narrows) {
        rc = revoke_all(cx, p->id, &revoked);
        if (rc != PH_OK)
            goto out;
    } else if (p->is_disabled != old.is_disabled) {
        session_generation_bump();
    }
    p->has_password = old.password_hash != NULL || old.has_password;
    p->failed_logins = old.failed_logins;
    p->locked_until = old.locked_until;
    p->version = old.version + 1;

    d = json_object();
    fields_diff_str(d, "username", old.username, p->username);
    fields_diff_str(d, "full_name", old.full_name, p->full_name);
    fields_diff_str(d, "rank", old.rank, p->rank);
    fields_diff_str(d, "position", old.position, p->position);
    fields_diff_str(d, "phone", old.phone, p->phone);
    fields_diff_str(d, "email", old.email, p->email);
    fields_diff_int(d, "unit_id", old.unit_id, p->unit_id);
    if (old.roles != p->roles)
        fields_diff_set(d, "roles", fields_roles_json(old.roles), fields_roles_json(p->roles));
    fields_diff_str(d, "clearance", clearance_name(old.clearance), clearance_name(p->clearance));
    fields_diff_bool(d, "is_disabled", old.is_disabled, p->is_disabled);
    if (revoked > 0)
        json_object_set_new(d, "tokens_revoked", json_integer(revoked));
    rc = audit_record(cx, "person.update", "person", p->id, d);
    if (rc != PH_OK)
        goto out;
    rc = outbox_emit(cx, "person.updated", "person", p->id, person_summary(p));
out:
    return rc;
}

ph_err person_may_set_password(struct core_ctx *cx, int64_t id)
{
    struct person p;
    ph_err rc = load_person(cx, id, ACCESS_UPDATE, &p);
    /* Setting someone's password is becoming them: not above one's own clearance.
     * One's own needs the old one (session_change_password), so that a stolen
     * session cannot take over the account. */
    if (rc == PH_OK && (above_caller(cx, p.clearance) || is_self(cx, id)))
        rc = PH_EPERM;
    return rc;
}

ph_err person_may_create(struct core_ctx *cx, const struct person *p, const char **field)
{
    return check_unit_access(cx, ACCESS_CREATE, p->unit_id, field);
}

ph_err person_password_check(const char *password, const char **field)
{
    const char *why = NULL;
    if (password == NULL || password_check_policy(password, &why) != PH_OK) {
        if (field != NULL)
            *field = "password";
        return PH_EINVAL;
    }
    return PH_OK;
}

ph_err person_set_password_hash(struct core_ctx *cx, int64_t id, const char *hash,
                                const char **field)
{
    int revoked = 0;
    ph_err rc;

    rc = person_may_set_password(cx, id);
    if (rc != PH_OK)
        goto out;
    if (!hash_acceptable(hash)) {
        rc = PH_EINVAL;
        if (field != NULL)
            *field = "password";
        goto out;
    }
    rc = store_person_set_password(cx->st, id, hash);
    if (rc != PH_OK)
        goto out;
    /* A new password is also the way out of a lock-out. */
    rc = store_person_set_login_state(cx->st, id, 0, 0);
    if (rc != PH_OK)
        goto out;
    rc = revoke_all(cx, id, &revoked);
    if (rc != PH_OK)
        goto out;
    rc = audit_record(cx, "person.password", "person", id,
                      json_pack("{s:s, s:i}", "by", "admin", "tokens_revoked", revoked));
    if (rc != PH_OK)
        goto out;
    rc = outbox_emit(cx, "person.password_set", "person", id,
                     json_pack("{s:I}", "id", (json_int_t)id));
out:
    return rc;
}

/* The person's own change, as the HTTP door makes it but in one go: the three
 * steps of a login for the old password, then session_change_password(). */
static ph_err set_own_password(struct core_ctx *cx, const struct person *p,
                               const char *old_password, const char *new_password,
                               const char **field)
{
    char hash[PASSWORD_HASH_BYTES];
    struct login_attempt at;
    const char *why = NULL;
    ph_err verdict = PH_EAUTH;
    ph_err rc = PH_EINVAL;

    hash[0] = '\0';
    if (new_password == NULL || password_check_policy(new_password, &why) != PH_OK) {
        if (field != NULL)
            *field = "new_password";
        goto out;
    }
    rc = login_prepare(cx, p->username, &at);
    if (rc != PH_OK)
        goto out;
    login_verify(&at, old_password != NULL ? old_password : "");
    /* No argon2id for a new password that will not be stored. */
    if (at.verdict == PH_OK) {
        rc = password_hash(new_password, hash);
        if (rc != PH_OK)
            goto out;
    }
    /* The attempt stays counted in the throttle: this runs inside the caller's
     * transaction, and only after a commit may a success be forgiven (login_forgive,
     * as the HTTP door does). */
    rc = session_change_password(cx, &at, at.verdict == PH_OK ? hash : NULL, &verdict, field);
    if (rc == PH_OK)
        rc = verdict;
out:
    sodium_memzero(hash, sizeof(hash));
    return rc;
}

ph_err person_set_password(struct core_ctx *cx, int64_t id, const char *old_password,
                           const char *new_password, const char **field)
{
    const char *hash = NULL;
    struct person p;
    ph_err rc;

    rc = store_person_get(cx->st, cx->arena, id, &p);
    if (rc != PH_OK)
        goto out;
    if (is_self(cx, id)) {
        rc = set_own_password(cx, &p, old_password, new_password, field);
        goto out;
    }
    /* The access rules before any argon2id work. */
    rc = check_person_access(cx, ACCESS_UPDATE, &p);
    if (rc != PH_OK)
        goto out;
    if (above_caller(cx, p.clearance)) {
        rc = PH_EPERM;
        goto out;
    }
    rc = person_password_prepare(cx->arena, new_password, &hash, field);
    if (rc != PH_OK)
        goto out;
    rc = person_set_password_hash(cx, id, hash, field);
out:
    return rc;
}

ph_err person_set_disabled(struct core_ctx *cx, int64_t id, bool disabled)
{
    struct person p;
    int revoked = 0;
    ph_err rc;

    rc = load_person(cx, id, ACCESS_UPDATE, &p);
    if (rc != PH_OK)
        goto out;
    if (disabled && is_self(cx, id)) {
        rc = PH_EPERM;
        goto out;
    }
    p.is_disabled = disabled;
    p.version = 0; /* a flag flip, not an edit of what the caller saw */
    p.updated_at = cx->now_ms;
    rc = store_person_update(cx->st, &p, search_key(cx, &p));
    if (rc != PH_OK)
        goto out;
    if (disabled) {
        rc = revoke_all(cx, id, &revoked);
        if (rc != PH_OK)
            goto out;
    } else {
        session_generation_bump();
    }
    rc = audit_record(cx, disabled ? "person.disable" : "person.enable", "person", id,
                      json_pack("{s:s, s:i}", "username", p.username, "tokens_revoked", revoked));
    if (rc != PH_OK)
        goto out;
    rc = outbox_emit(cx, "person.updated", "person", id,
                     json_pack("{s:I, s:b}", "id", (json_int_t)id, "is_disabled", disabled));
out:
    return rc;
}

/* Hide what never leaves core. */
static void scrub(struct person *p)
{
    p->has_password = p->has_password || p->password_hash != NULL;
    p->password_hash = NULL;
}

ph_err person_get(struct core_ctx *cx, int64_t id, struct person *out)
{
    struct person p;
    ph_err rc = load_person(cx, id, ACCESS_READ, &p);

    if (rc == PH_OK) {
        scrub(&p);
        *out = p;
    }
    return rc;
}

ph_err person_get_by_username(struct core_ctx *cx, const char *username, struct person *out)
{
    struct person p;
    ph_err rc;

    if (!person_username_valid(username))
        return PH_ENOTFOUND;
    rc = store_person_get_by_username(cx->st, cx->arena, username, &p);
    if (rc == PH_OK)
        rc = check_person_access(cx, ACCESS_READ, &p);
    if (rc == PH_OK) {
        scrub(&p);
        *out = p;
    }
    return rc;
}

ph_err person_list(struct core_ctx *cx, const struct person_filter *f, struct person **items,
                   size_t *n, bool *has_more)
{
    struct person_filter g = *f;
    /* The directory is readable by every role: ask about the caller's own unit,
     * which access grants whenever it grants reading the directory at all. */
    ph_err rc = check_access(cx, ACCESS_READ, cx->user->unit_path, cx->user->force);

    if (rc != PH_OK)
        return rc;
    fields_list_filter(cx->arena, &g.limit, &g.q);
    rc = store_person_list(cx->st, cx->arena, &g, items, n, has_more);
    if (rc == PH_OK)
        for (size_t i = 0; i < *n; i++)
            scrub(&(*items)[i]);
    return rc;
}
