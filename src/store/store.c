/* store.c - store_open() chooses the backend from the DSN; the store_*() wrappers
 * keep core away from the ops table. */
#include "util/base.h"
#include "store/store.h"
#include "util/log.h"
#include "util/mem.h"

ph_err store_open(const char *dsn, struct store **out)
{
    const struct store_ops *ops = &store_sqlite_ops;
    const char *rest = dsn;
    if (strncmp(dsn, "sqlite:", 7) == 0) {
        rest = dsn + 7;
    } else if (strncmp(dsn, "postgres://", 11) == 0 || strncmp(dsn, "postgresql://", 13) == 0) {
        log_error("store: PostgreSQL is not built into this phoihop yet");
        return PH_EINVAL;
    } else if (strstr(dsn, "://") != NULL) {
        log_error("store: unknown database URL scheme in '%s'", dsn);
        return PH_EINVAL;
    }
    struct store *st = xcalloc(1, sizeof(*st));
    st->ops = ops;
    ph_err rc = ops->open(st, rest);
    if (rc != PH_OK) {
        free(st);
        return rc;
    }
    *out = st;
    return PH_OK;
}

void store_close(struct store *st)
{
    if (st == NULL)
        return;
    st->ops->close(st);
    free(st);
}

ph_err store_schema_version(struct store *st, int *version)
{
    return st->ops->schema_version(st, version);
}

ph_err store_db_size(struct store *st, int64_t *bytes)
{
    return st->ops->db_size(st, bytes);
}

ph_err store_tx_begin(struct store *st)
{
    return st->ops->tx_begin(st);
}

ph_err store_tx_commit(struct store *st)
{
    return st->ops->tx_commit(st);
}

ph_err store_tx_rollback(struct store *st)
{
    return st->ops->tx_rollback(st);
}

ph_err store_savepoint(struct store *st)
{
    return st->ops->savepoint(st);
}

ph_err store_savepoint_release(struct store *st)
{
    return st->ops->savepoint_release(st);
}

ph_err store_savepoint_rollback(struct store *st)
{
    return st->ops->savepoint_rollback(st);
}

ph_err store_force_list(struct store *st, struct arena *a, struct store_force **items, size_t *n)
{
    return st->ops->force_list(st, a, items, n);
}

ph_err store_area_insert(struct store *st, const struct area *a, const char *name_folded, int64_t *id)
{
    return st->ops->area_insert(st, a, name_folded, id);
}

ph_err store_area_update(struct store *st, const struct area *a, const char *name_folded)
{
    return st->ops->area_update(st, a, name_folded);
}

ph_err store_area_delete(struct store *st, int64_t id)
{
    return st->ops->area_delete(st, id);
}

ph_err store_area_get(struct store *st, struct arena *ar, int64_t id, struct area *out)
{
    return st->ops->area_get(st, ar, id, out);
}

ph_err store_area_list(struct store *st, struct arena *ar, const struct area_filter *f, struct area **items, size_t *n, bool *has_more)
{
    return st->ops->area_list(st, ar, f, items, n, has_more);
}

ph_err store_category_insert(struct store *st, const struct category *c, const char *name_folded, int64_t *id)
{
    return st->ops->category_insert(st, c, name_folded, id);
}

ph_err store_category_update(struct store *st, const struct category *c, const char *name_folded)
{
    return st->ops->category_update(st, c, name_folded);
}

ph_err store_category_get(struct store *st, struct arena *ar, int64_t id, struct category *out)
{
    return st->ops->category_get(st, ar, id, out);
}

ph_err store_category_get_by_code(struct store *st, struct arena *ar, const char *code, struct category *out)
{
    return st->ops->category_get_by_code(st, ar, code, out);
}

ph_err store_category_list(struct store *st, struct arena *ar, const struct category_filter *f,
                           struct category **items, size_t *n, bool *has_more)
{
    return st->ops->category_list(st, ar, f, items, n, has_more);
}

ph_err store_unit_insert(struct store *st, const struct unit *u, const char *name_folded, int64_t *id)
{
    return st->ops->unit_insert(st, u, name_folded, id);
}

ph_err store_unit_update(struct store *st, const struct unit *u, const char *name_folded)
{
    return st->ops->unit_update(st, u, name_folded);
}

ph_err store_unit_delete(struct store *st, int64_t id)
{
    return st->ops->unit_delete(st, id);
}

ph_err store_unit_get(struct store *st, struct arena *ar, int64_t id, struct unit *out)
{
    return st->ops->unit_get(st, ar, id, out);
}

ph_err store_unit_list(struct store *st, struct arena *ar, const struct unit_filter *f, struct unit **items, size_t *n, bool *has_more)
{
    return st->ops->unit_list(st, ar, f, items, n, has_more);
}

ph_err store_person_insert(struct store *st, const struct person *p, const char *name_folded, int64_t *id)
{
    return st->ops->person_insert(st, p, name_folded, id);
}

ph_err store_person_update(struct store *st, const struct person *p, const char *name_folded)
{
    return st->ops->person_update(st, p, name_folded);
}

ph_err store_person_get(struct store *st, struct arena *ar, int64_t id, struct person *out)
{
    return st->ops->person_get(st, ar, id, out);
}

ph_err store_person_get_by_username(struct store *st, struct arena *ar, const char *username, struct person *out)
{
    return st->ops->person_get_by_username(st, ar, username, out);
}

ph_err store_person_list(struct store *st, struct arena *ar, const struct person_filter *f, struct person **items, size_t *n, bool *has_more)
{
    return st->ops->person_list(st, ar, f, items, n, has_more);
}

ph_err store_person_set_password(struct store *st, int64_t id, const char *password_hash)
{
    return st->ops->person_set_password(st, id, password_hash);
}

ph_err store_person_set_login_state(struct store *st, int64_t id, int failed_logins, int64_t locked_until)
{
    return st->ops->person_set_login_state(st, id, failed_logins, locked_until);
}

ph_err store_token_insert(struct store *st, const struct store_token *t, int64_t *id)
{
    return st->ops->token_insert(st, t, id);
}

ph_err store_token_lookup(struct store *st, struct arena *ar, const uint8_t hash[32], struct store_auth *out)
{
    return st->ops->token_lookup(st, ar, hash, out);
}

ph_err store_token_revoke(struct store *st, int64_t id, int64_t at)
{
    return st->ops->token_revoke(st, id, at);
}

ph_err store_token_revoke_person(struct store *st, int64_t person_id, int64_t at, int *n)
{
    return st->ops->token_revoke_person(st, person_id, at, n);
}

ph_err store_token_get(struct store *st, struct arena *ar, int64_t id, struct store_token *out)
{
    return st->ops->token_get(st, ar, id, out);
}

ph_err store_audit_last(struct store *st, int64_t *seq, uint8_t hash[32])
{
    return st->ops->audit_last(st, seq, hash);
}

ph_err store_audit_insert(struct store *st, const struct audit_entry *e)
{
    return st->ops->audit_insert(st, e);
}

ph_err store_audit_page(struct store *st, struct arena *ar, int64_t after_seq, int limit, struct audit_entry **items, size_t *n)
{
    return st->ops->audit_page(st, ar, after_seq, limit, items, n);
}

ph_err store_audit_count(struct store *st, int64_t *n)
{
    return st->ops->audit_count(st, n);
}

ph_err store_outbox_insert(struct store *st, const struct store_outbox_event *ev, int64_t *id)
{
    return st->ops->outbox_insert(st, ev, id);
}

ph_err store_outbox_after(struct store *st, struct arena *ar, int64_t after_id, int limit, struct store_outbox_event **items, size_t *n)
{
    return st->ops->outbox_after(st, ar, after_id, limit, items, n);
}
