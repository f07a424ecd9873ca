/* store.c - store_open() chooses the backend from the DSN; the store_*() wrappers
 * keep core away from the ops table. */
#include "util/base.h"
#include "store/store.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/dsn.h"

ph_err store_open(const char *dsn, struct store **out)
{
    const struct store_ops *ops = &store_sqlite_ops;
    const char *rest = dsn;
    if (strncmp(dsn, "sqlite:", 7) == 0) {
        rest = dsn + 7;
    } else if (strncmp(dsn, "postgres://", 11) == 0 || strncmp(dsn, "postgresql://", 13) == 0) {
        ops = &store_postgres_ops; /* libpq takes the URL as it is */
    } else if (strstr(dsn, "://") != NULL) {
        char shown[512];
        log_error("store: unknown database URL scheme in '%s'", dsn_redact(dsn, shown, sizeof(shown)));
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

ph_err store_unit_responsible(struct store *st, const char *force, int64_t area_id, int64_t *unit_id)
{
    return st->ops->unit_responsible(st, force, area_id, unit_id);
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

ph_err store_sync_later(struct store *st)
{
    return st->ops->sync_later != NULL ? st->ops->sync_later(st) : PH_EINVAL;
}

ph_err store_sync(struct store *st)
{
    return st->ops->sync != NULL ? st->ops->sync(st) : PH_OK;
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

ph_err store_outbox_last_id(struct store *st, int64_t *id)
{
    return st->ops->outbox_last_id(st, id);
}

ph_err store_setting_get(struct store *st, struct arena *ar, const char *key, const char **value)
{
    return st->ops->setting_get(st, ar, key, value);
}

ph_err store_setting_set(struct store *st, const char *key, const char *value)
{
    return st->ops->setting_set(st, key, value);
}

ph_err store_area_candidates(struct store *st, struct arena *ar, double lon, double lat, const char *date,
                             struct store_area_candidate **items, size_t *n)
{
    return st->ops->area_candidates(st, ar, lon, lat, date, items, n);
}

ph_err store_area_within(struct store *st, int64_t area_id, int64_t ancestor_id, bool *within)
{
    return st->ops->area_within(st, area_id, ancestor_id, within);
}

ph_err store_incident_ref_next(struct store *st, const char *prefix, int year, int64_t *seq)
{
    return st->ops->incident_ref_next(st, prefix, year, seq);
}

ph_err store_incident_insert(struct store *st, const struct incident *inc, int64_t *id)
{
    return st->ops->incident_insert(st, inc, id);
}

ph_err store_incident_update(struct store *st, const struct incident *inc)
{
    return st->ops->incident_update(st, inc);
}

ph_err store_incident_get(struct store *st, struct arena *ar, int64_t id, int64_t now_ms, struct incident *out)
{
    return st->ops->incident_get(st, ar, id, now_ms, out);
}

ph_err store_incident_get_by_ref(struct store *st, struct arena *ar, const char *ref, int64_t now_ms,
                                 struct incident *out)
{
    return st->ops->incident_get_by_ref(st, ar, ref, now_ms, out);
}

ph_err store_incident_rev(struct store *st, int64_t id, struct store_incident_rev *out)
{
    return st->ops->incident_rev(st, id, out);
}

ph_err store_incident_list(struct store *st, struct arena *ar, const struct incident_filter *f, int64_t now_ms,
                           struct incident **items, size_t *n, bool *has_more)
{
    return st->ops->incident_list(st, ar, f, now_ms, items, n, has_more);
}

ph_err store_incident_recipient_put(struct store *st, int64_t incident_id, const struct incident_recipient *r)
{
    return st->ops->incident_recipient_put(st, incident_id, r);
}

ph_err store_incident_recipients_add(struct store *st, int64_t incident_id,
                                     const struct incident_recipient *rs, size_t n)
{
    return st->ops->incident_recipients_add(st, incident_id, rs, n);
}

ph_err store_incident_recipients(struct store *st, struct arena *ar, int64_t incident_id,
                                 struct incident_recipient **items, size_t *n)
{
    return st->ops->incident_recipients(st, ar, incident_id, items, n);
}

ph_err store_incident_ack_insert(struct store *st, const struct incident_ack *a, int64_t *id)
{
    return st->ops->incident_ack_insert(st, a, id);
}

ph_err store_incident_acks(struct store *st, struct arena *ar, int64_t incident_id, struct incident_ack **items,
                           size_t *n)
{
    return st->ops->incident_acks(st, ar, incident_id, items, n);
}

ph_err store_incident_event_insert(struct store *st, const struct incident_event *e, int64_t *id)
{
    return st->ops->incident_event_insert(st, e, id);
}

ph_err store_incident_events(struct store *st, struct arena *ar, int64_t incident_id,
                             struct incident_event **items, size_t *n)
{
    return st->ops->incident_events(st, ar, incident_id, items, n);
}

ph_err store_idem_get(struct store *st, int64_t person_id, const char *key, uint8_t request_hash[32],
                      int64_t *incident_id)
{
    return st->ops->idem_get(st, person_id, key, request_hash, incident_id);
}

ph_err store_idem_put(struct store *st, int64_t person_id, const char *key, const uint8_t request_hash[32],
                      int64_t incident_id, int64_t at)
{
    return st->ops->idem_put(st, person_id, key, request_hash, incident_id, at);
}

ph_err store_idem_prune(struct store *st, int64_t before, int *n)
{
    return st->ops->idem_prune(st, before, n);
}

ph_err store_incident_inbox(struct store *st, struct arena *ar, int64_t unit_id, int64_t now_ms,
                            const struct incident_scope *scope, int limit, struct incident_inbox_item **items,
                            size_t *n)
{
    return st->ops->incident_inbox(st, ar, unit_id, now_ms, scope, limit, items, n);
}

ph_err store_deadline_due(struct store *st, struct arena *ar, int64_t now, int limit, struct store_due **items,
                          size_t *n)
{
    return st->ops->deadline_due(st, ar, now, limit, items, n);
}

ph_err store_deadline_next(struct store *st, int64_t now, int64_t *at)
{
    return st->ops->deadline_next(st, now, at);
}

ph_err store_deadline_mark(struct store *st, int64_t incident_id, int64_t unit_id, const char *stage, int64_t at)
{
    return st->ops->deadline_mark(st, incident_id, unit_id, stage, at);
}

ph_err store_recipient_mark_escalated(struct store *st, int64_t incident_id, int64_t unit_id, int64_t at)
{
    return st->ops->recipient_mark_escalated(st, incident_id, unit_id, at);
}

ph_err store_timeliness_rows(struct store *st, struct arena *ar, const struct stats_period *p,
                             const struct incident_scope *scope, int64_t now,
                             struct store_timeliness_row **items, size_t *n)
{
    return st->ops->timeliness_rows(st, ar, p, scope, now, items, n);
}

ph_err store_incident_counts(struct store *st, struct arena *ar, int64_t from, int64_t to,
                             const struct incident_scope *scope, struct store_incident_count **items,
                             size_t *n)
{
    return st->ops->incident_counts(st, ar, from, to, scope, items, n);
}

ph_err store_rule_insert(struct store *st, const struct routing_rule *r, int64_t *id)
{
    return st->ops->rule_insert(st, r, id);
}

ph_err store_rule_update(struct store *st, const struct routing_rule *r)
{
    return st->ops->rule_update(st, r);
}

ph_err store_rule_get(struct store *st, struct arena *ar, int64_t id, struct routing_rule *out)
{
    return st->ops->rule_get(st, ar, id, out);
}

ph_err store_rule_list(struct store *st, struct arena *ar, const struct routing_rule_filter *f,
                       struct routing_rule **items, size_t *n, bool *has_more)
{
    return st->ops->rule_list(st, ar, f, items, n, has_more);
}

ph_err store_rule_active(struct store *st, struct arena *ar, struct routing_rule **items, size_t *n)
{
    return st->ops->rule_active(st, ar, items, n);
}

ph_err store_bulletin_insert(struct store *st, const struct bulletin *b, const char *title_folded,
                             const struct bulletin_recipient *rcpts, size_t n_rcpts, int64_t *id)
{
    return st->ops->bulletin_insert(st, b, title_folded, rcpts, n_rcpts, id);
}

ph_err store_bulletin_get(struct store *st, struct arena *ar, int64_t id, int64_t now_ms, struct bulletin *out)
{
    return st->ops->bulletin_get(st, ar, id, now_ms, out);
}

ph_err store_bulletin_list(struct store *st, struct arena *ar, const struct bulletin_filter *f, int64_t now_ms,
                           struct bulletin **items, size_t *n, bool *has_more)
{
    return st->ops->bulletin_list(st, ar, f, now_ms, items, n, has_more);
}

ph_err store_bulletin_recipients(struct store *st, struct arena *ar, int64_t bulletin_id,
                                 struct bulletin_recipient **items, size_t *n)
{
    return st->ops->bulletin_recipients(st, ar, bulletin_id, items, n);
}

ph_err store_bulletin_ack(struct store *st, int64_t bulletin_id, int64_t unit_id, int64_t at, int64_t person_id,
                          const char *note)
{
    return st->ops->bulletin_ack(st, bulletin_id, unit_id, at, person_id, note);
}

ph_err store_bulletin_inbox(struct store *st, struct arena *ar, int64_t unit_id, int64_t now_ms,
                            const struct incident_scope *scope, int limit, struct bulletin_inbox_item **items,
                            size_t *n)
{
    return st->ops->bulletin_inbox(st, ar, unit_id, now_ms, scope, limit, items, n);
}

ph_err store_bulletin_due(struct store *st, struct arena *ar, int64_t now, int limit,
                          struct store_bulletin_due **items, size_t *n)
{
    return st->ops->bulletin_due(st, ar, now, limit, items, n);
}

ph_err store_bulletin_deadline_next(struct store *st, int64_t now, int64_t *at)
{
    return st->ops->bulletin_deadline_next(st, now, at);
}

ph_err store_bulletin_mark_overdue(struct store *st, int64_t bulletin_id, int64_t unit_id, int64_t at)
{
    return st->ops->bulletin_mark_overdue(st, bulletin_id, unit_id, at);
}

ph_err store_bulletin_period_state(struct store *st, int64_t schedule_id, const char *period_start, bool *sent,
                                   bool *missed)
{
    return st->ops->bulletin_period_state(st, schedule_id, period_start, sent, missed);
}

ph_err store_bulletin_miss_insert(struct store *st, int64_t schedule_id, const char *period_start, int64_t due_at,
                                  int64_t at)
{
    return st->ops->bulletin_miss_insert(st, schedule_id, period_start, due_at, at);
}

ph_err store_bulletin_schedule_insert(struct store *st, const struct bulletin_schedule *s, int64_t *id)
{
    return st->ops->bulletin_schedule_insert(st, s, id);
}

ph_err store_bulletin_schedule_update(struct store *st, const struct bulletin_schedule *s)
{
    return st->ops->bulletin_schedule_update(st, s);
}

ph_err store_bulletin_schedule_get(struct store *st, struct arena *ar, int64_t id, struct bulletin_schedule *out)
{
    return st->ops->bulletin_schedule_get(st, ar, id, out);
}

ph_err store_bulletin_schedule_list(struct store *st, struct arena *ar, int64_t unit_id,
                                    const struct incident_scope *scope, int64_t after_id, int limit,
                                    struct bulletin_schedule **items, size_t *n, bool *has_more)
{
    return st->ops->bulletin_schedule_list(st, ar, unit_id, scope, after_id, limit, items, n, has_more);
}

ph_err store_bulletin_schedule_active(struct store *st, struct arena *ar, struct bulletin_schedule **items,
                                      size_t *n)
{
    return st->ops->bulletin_schedule_active(st, ar, items, n);
}

ph_err store_attachment_blob_put(struct store *st, const uint8_t sha256[32], const void *data, size_t len,
                                 int64_t at, bool *stored)
{
    return st->ops->attachment_blob_put(st, sha256, data, len, at, stored);
}

ph_err store_attachment_insert(struct store *st, const struct attachment *a, int64_t *id)
{
    return st->ops->attachment_insert(st, a, id);
}

ph_err store_attachment_count(struct store *st, int64_t incident_id, int64_t *n)
{
    return st->ops->attachment_count(st, incident_id, n);
}

ph_err store_attachment_list(struct store *st, struct arena *ar, int64_t incident_id,
                             struct attachment **items, size_t *n)
{
    return st->ops->attachment_list(st, ar, incident_id, items, n);
}

ph_err store_attachment_get(struct store *st, struct arena *ar, int64_t incident_id, int64_t id,
                            struct attachment *out, const void **data, size_t *len)
{
    return st->ops->attachment_get(st, ar, incident_id, id, out, data, len);
}

/* ---- devices and positions (core/position.h) ---- */

ph_err store_device_insert(struct store *st, const struct device *d, const char *search_folded,
                           int64_t *id)
{
    return st->ops->device_insert(st, d, search_folded, id);
}

ph_err store_device_update(struct store *st, const struct device *d, const char *search_folded)
{
    return st->ops->device_update(st, d, search_folded);
}

ph_err store_device_get(struct store *st, struct arena *ar, int64_t id, struct device *out)
{
    return st->ops->device_get(st, ar, id, out);
}

ph_err store_device_get_by_uid(struct store *st, struct arena *ar, const char *uid, struct device *out)
{
    return st->ops->device_get_by_uid(st, ar, uid, out);
}

ph_err store_device_list(struct store *st, struct arena *ar, const struct device_filter *f, const char *path,
                         const char *scope_path, struct device **items, size_t *n, bool *has_more)
{
    return st->ops->device_list(st, ar, f, path, scope_path, items, n, has_more);
}

ph_err store_device_latest(struct store *st, struct arena *ar, int64_t since, const char *scope_path,
                           struct device **items, size_t *n)
{
    return st->ops->device_latest(st, ar, since, scope_path, items, n);
}

ph_err store_device_of_people(struct store *st, struct arena *ar, const int64_t *people, size_t n_people,
                              struct device **items, size_t *n)
{
    return st->ops->device_of_people(st, ar, people, n_people, items, n);
}

ph_err store_device_set_callsign(struct store *st, int64_t id, const char *callsign, const char *search_folded)
{
    return st->ops->device_set_callsign(st, id, callsign, search_folded);
}

ph_err store_device_set_last(struct store *st, int64_t id, const struct position_point *p)
{
    return st->ops->device_set_last(st, id, p);
}

ph_err store_position_insert(struct store *st, int64_t device_id, const struct position_point *p, bool *stored)
{
    return st->ops->position_insert(st, device_id, p, stored);
}

ph_err store_position_range(struct store *st, struct arena *ar, int64_t device_id, int64_t from, int64_t to,
                            int limit, struct position_point **items, size_t *n)
{
    return st->ops->position_range(st, ar, device_id, from, to, limit, items, n);
}

ph_err store_position_first(struct store *st, int64_t device_id, int64_t from, int64_t *at)
{
    return st->ops->position_first(st, device_id, from, at);
}

ph_err store_retention_get(struct store *st, struct store_retention *out)
{
    return st->ops->retention_get(st, out);
}

ph_err store_retention_put(struct store *st, const struct store_retention *r)
{
    return st->ops->retention_put(st, r);
}

ph_err store_retention_devices(struct store *st, struct arena *ar, int64_t after_id, int limit, int64_t **ids,
                               int64_t **person_ids, size_t *n)
{
    return st->ops->retention_devices(st, ar, after_id, limit, ids, person_ids, n);
}

ph_err store_retention_intervals(struct store *st, struct arena *ar, int64_t person_id, int64_t from,
                                 int64_t end, struct store_interval **items, size_t *n)
{
    return st->ops->retention_intervals(st, ar, person_id, from, end, items, n);
}

ph_err store_position_delete_at(struct store *st, int64_t device_id, const int64_t *ats, size_t n)
{
    return st->ops->position_delete_at(st, device_id, ats, n);
}

ph_err store_position_expire(struct store *st, int64_t device_id, int64_t before, int limit, int *deleted)
{
    return st->ops->position_expire(st, device_id, before, limit, deleted);
}

/* ---- operations and assets (core/operation.h) ---- */

ph_err store_asset_insert(struct store *st, const struct asset *a, const char *name_folded, int64_t *id)
{
    return st->ops->asset_insert(st, a, name_folded, id);
}

ph_err store_asset_update(struct store *st, const struct asset *a, const char *name_folded)
{
    return st->ops->asset_update(st, a, name_folded);
}

ph_err store_asset_get(struct store *st, struct arena *ar, int64_t id, struct asset *out)
{
    return st->ops->asset_get(st, ar, id, out);
}

ph_err store_asset_list(struct store *st, struct arena *ar, const struct asset_filter *f, struct asset **items,
                        size_t *n, bool *has_more)
{
    return st->ops->asset_list(st, ar, f, items, n, has_more);
}

ph_err store_operation_insert(struct store *st, const struct operation *o, const char *title_folded, int64_t *id)
{
    return st->ops->operation_insert(st, o, title_folded, id);
}

ph_err store_operation_update(struct store *st, const struct operation *o, const char *title_folded, bool links)
{
    return st->ops->operation_update(st, o, title_folded, links);
}

ph_err store_operation_get(struct store *st, struct arena *ar, int64_t id, struct operation *out)
{
    return st->ops->operation_get(st, ar, id, out);
}

ph_err store_operation_list(struct store *st, struct arena *ar, const struct operation_filter *f,
                            struct operation **items, size_t *n, bool *has_more)
{
    return st->ops->operation_list(st, ar, f, items, n, has_more);
}

ph_err store_operation_conflict(struct store *st, bool is_assets, const int64_t *ids, size_t n, int64_t exclude_id,
                                int64_t start, int64_t end, int64_t now, int64_t *which, int64_t *operation_id)
{
    return st->ops->operation_conflict(st, is_assets, ids, n, exclude_id, start, end, now, which, operation_id);
}

ph_err store_operation_log_insert(struct store *st, const struct operation_log_entry *e, int64_t *id)
{
    return st->ops->operation_log_insert(st, e, id);
}

ph_err store_operation_log_get(struct store *st, struct arena *ar, int64_t id, struct operation_log_entry *out)
{
    return st->ops->operation_log_get(st, ar, id, out);
}

ph_err store_operation_log_list(struct store *st, struct arena *ar, int64_t operation_id, int64_t after_id,
                                int limit, struct operation_log_entry **items, size_t *n, bool *has_more)
{
    return st->ops->operation_log_list(st, ar, operation_id, after_id, limit, items, n, has_more);
}

ph_err store_operation_summary(struct store *st, int64_t operation_id, struct operation_summary *out)
{
    return st->ops->operation_summary(st, operation_id, out);
}

ph_err store_operation_coverage_rows(struct store *st, struct arena *ar, const struct coverage_query *q,
                                     const struct incident_scope *scope, struct store_coverage_row **items,
                                     size_t *n)
{
    return st->ops->operation_coverage_rows(st, ar, q, scope, items, n);
}

ph_err store_message_insert(struct store *st, const struct message *m, int64_t *id)
{
    return st->ops->message_insert(st, m, id);
}

ph_err store_message_find(struct store *st, int64_t from_person_id, int64_t from_device_id,
                          const char *uid, int64_t *id)
{
    return st->ops->message_find(st, from_person_id, from_device_id, uid, id);
}

ph_err store_message_get(struct store *st, struct arena *ar, int64_t id, struct message *out)
{
    return st->ops->message_get(st, ar, id, out);
}

ph_err store_message_list(struct store *st, struct arena *ar, const struct message_filter *f,
                          const char *scope_path, int64_t person_id, bool is_admin,
                          struct message **items, size_t *n, bool *has_more)
{
    return st->ops->message_list(st, ar, f, scope_path, person_id, is_admin, items, n, has_more);
}

ph_err store_draft_insert(struct store *st, const struct incident_draft *d, int64_t *id)
{
    return st->ops->draft_insert(st, d, id);
}

ph_err store_draft_update(struct store *st, const struct incident_draft *d)
{
    return st->ops->draft_update(st, d);
}

ph_err store_draft_get(struct store *st, struct arena *ar, int64_t id, struct incident_draft *out)
{
    return st->ops->draft_get(st, ar, id, out);
}

ph_err store_draft_find(struct store *st, struct arena *ar, int64_t device_id, int64_t person_id,
                        const char *uid, struct incident_draft *out)
{
    return st->ops->draft_find(st, ar, device_id, person_id, uid, out);
}

ph_err store_draft_list(struct store *st, struct arena *ar, const char *status, const char *scope_path,
                        int64_t before_id, int limit, struct incident_draft **items, size_t *n,
                        bool *has_more)
{
    return st->ops->draft_list(st, ar, status, scope_path, before_id, limit, items, n, has_more);
}

ph_err store_incident_points(struct store *st, const struct store_point_query *q,
                             const struct incident_scope *scope,
                             void (*on_point)(void *ctx, const struct store_incident_point *p), void *ctx)
{
    return st->ops->incident_points(st, q, scope, on_point, ctx);
}

ph_err store_hotspot_insert(struct store *st, const struct store_hotspot *h, int64_t *id)
{
    return st->ops->hotspot_insert(st, h, id);
}

ph_err store_hotspot_get(struct store *st, struct arena *ar, int64_t id, bool with_incidents,
                         struct store_hotspot *out)
{
    return st->ops->hotspot_get(st, ar, id, with_incidents, out);
}

ph_err store_hotspot_list(struct store *st, struct arena *ar, const struct hotspot_filter *f, const char *unit_path,
                          const struct incident_scope *scope, struct store_hotspot **items, size_t *n,
                          bool *has_more)
{
    return st->ops->hotspot_list(st, ar, f, unit_path, scope, items, n, has_more);
}

ph_err store_hotspot_open(struct store *st, struct arena *ar, struct store_hotspot **items, size_t *n)
{
    return st->ops->hotspot_open(st, ar, items, n);
}

ph_err store_hotspot_set_status(struct store *st, int64_t id, int64_t version, const char *status,
                                int64_t updated_at)
{
    return st->ops->hotspot_set_status(st, id, version, status, updated_at);
}

ph_err store_hotspot_note_insert(struct store *st, const struct hotspot_note *note, int64_t *id)
{
    return st->ops->hotspot_note_insert(st, note, id);
}

ph_err store_hotspot_notes(struct store *st, struct arena *ar, int64_t hotspot_id, struct hotspot_note **items,
                           size_t *n)
{
    return st->ops->hotspot_notes(st, ar, hotspot_id, items, n);
}

ph_err store_wal_watch(struct store *st, void (*fn)(void *ctx, int wal_frames), void *ctx)
{
    return st->ops->wal_watch(st, fn, ctx);
}

ph_err store_wal_checkpoint(struct store *st, int *wal_frames, int *done)
{
    return st->ops->wal_checkpoint(st, wal_frames, done);
}

ph_err store_read_begin(struct store *st)
{
    return st->ops->read_begin(st);
}

ph_err store_read_end(struct store *st)
{
    return st->ops->read_end(st);
}

/* ---- area history and imports (issue 8) ---- */

ph_err store_area_succession_put(struct store *st, int64_t new_area_id, int64_t old_area_id, const char *kind,
                                 const char *effective, bool *changed)
{
    return st->ops->area_succession_put(st, new_area_id, old_area_id, kind, effective, changed);
}

ph_err store_area_successions(struct store *st, struct arena *ar, int64_t area_id, bool as_new,
                              struct area_succession **items, size_t *n)
{
    return st->ops->area_successions(st, ar, area_id, as_new, items, n);
}

ph_err store_area_import_insert(struct store *st, const struct store_area_import *imp, int64_t *id)
{
    return st->ops->area_import_insert(st, imp, id);
}

ph_err store_area_import_seen(struct store *st, const char *kind, const char *province, const char *effective,
                              const uint8_t sha256[32], bool *seen)
{
    return st->ops->area_import_seen(st, kind, province, effective, sha256, seen);
}

/* ---- area history: counting, units on closed areas, proposals (issue 8) ---- */

ph_err store_area_incidents(struct store *st, int64_t from, int64_t to, const struct incident_scope *scope,
                            void (*on_row)(void *ctx, const struct store_area_incident *row), void *ctx)
{
    return st->ops->area_incidents(st, from, to, scope, on_row, ctx);
}

ph_err store_unit_closed_areas(struct store *st, struct arena *ar, const char *at, struct store_unit_area **items,
                               size_t *n)
{
    return st->ops->unit_closed_areas(st, ar, at, items, n);
}

ph_err store_unit_area_proposal_put(struct store *st, const struct unit_area_proposal *p, int64_t *id)
{
    return st->ops->unit_area_proposal_put(st, p, id);
}

ph_err store_unit_area_proposal_get(struct store *st, struct arena *ar, int64_t id,
                                    struct store_unit_area_proposal *out)
{
    return st->ops->unit_area_proposal_get(st, ar, id, out);
}

ph_err store_unit_area_proposal_list(struct store *st, struct arena *ar, const char *status, int64_t unit_id,
                                     const char *unit_path, struct store_unit_area_proposal **items, size_t *n)
{
    return st->ops->unit_area_proposal_list(st, ar, status, unit_id, unit_path, items, n);
}

ph_err store_unit_area_proposal_decide(struct store *st, int64_t id, const char *status, int64_t decided_at,
                                       int64_t decided_by)
{
    return st->ops->unit_area_proposal_decide(st, id, status, decided_at, decided_by);
}

ph_err store_hotspot_incidents_visible(struct store *st, struct arena *ar, int64_t hotspot_id,
                                       const struct incident_scope *scope, int64_t **ids, size_t *n)
{
    return st->ops->hotspot_incidents_visible(st, ar, hotspot_id, scope, ids, n);
}

ph_err store_area_operations(struct store *st, int64_t from, int64_t to, const struct incident_scope *scope,
                             void (*on_row)(void *ctx, const struct store_area_operation *row), void *ctx)
{
    return st->ops->area_operations(st, from, to, scope, on_row, ctx);
}

ph_err store_area_positions(struct store *st, int64_t from, int64_t to, const char *scope_path,
                            void (*on_row)(void *ctx, const struct store_area_position *row), void *ctx)
{
    return st->ops->area_positions(st, from, to, scope_path, on_row, ctx);
}

bool store_shared(struct store *st)
{
    return st->ops->shared(st);
}

ph_err store_listen(struct store *st, const char *channel)
{
    return st->ops->listen(st, channel);
}

ph_err store_notify(struct store *st, const char *channel, const char *payload)
{
    return st->ops->notify(st, channel, payload);
}

ph_err store_wait_notify(struct store *st, int timeout_ms, struct store_notification *out, bool *got)
{
    return st->ops->wait_notify(st, timeout_ms, out, got);
}

ph_err store_leader_try(struct store *st, bool *leader)
{
    return st->ops->leader_try(st, leader);
}
