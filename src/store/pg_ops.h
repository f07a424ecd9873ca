/* pg_ops.h - the ops each PostgreSQL file implements (included by pg_int.h),
 * the twins of the store_sq_* ops of the sqlite_*.c files; store.h documents
 * each. */
#ifndef PH_STORE_PG_OPS_H
#define PH_STORE_PG_OPS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "store/store.h"
struct arena;

/* pg_area_history_queries.c */
ph_err store_pg_area_positions(struct store *st, int64_t from, int64_t to, const char *scope_path, void (*on_row)(void *ctx, const struct store_area_position *row), void *ctx);
ph_err store_pg_area_operations(struct store *st, int64_t from, int64_t to, const struct incident_scope *scope, void (*on_row)(void *ctx, const struct store_area_operation *row), void *ctx);
ph_err store_pg_area_incidents(struct store *st, int64_t from, int64_t to, const struct incident_scope *scope, void (*on_row)(void *ctx, const struct store_area_incident *row), void *ctx);
ph_err store_pg_unit_closed_areas(struct store *st, struct arena *ar, const char *at, struct store_unit_area **items, size_t *n);
ph_err store_pg_unit_area_proposal_put(struct store *st, const struct unit_area_proposal *p, int64_t *id);
ph_err store_pg_unit_area_proposal_get(struct store *st, struct arena *ar, int64_t id, struct store_unit_area_proposal *out);
ph_err store_pg_unit_area_proposal_list(struct store *st, struct arena *ar, const char *status, int64_t unit_id, const char *unit_path, struct store_unit_area_proposal **items, size_t *n);
ph_err store_pg_unit_area_proposal_decide(struct store *st, int64_t id, const char *status, int64_t decided_at, int64_t decided_by);

/* pg_areas_history.c */
ph_err store_pg_area_succession_put(struct store *st, int64_t new_area_id, int64_t old_area_id, const char *kind, const char *effective, bool *changed);
ph_err store_pg_area_successions(struct store *st, struct arena *ar, int64_t area_id, bool as_new, struct area_succession **items, size_t *n);
ph_err store_pg_area_import_insert(struct store *st, const struct store_area_import *imp, int64_t *id);
ph_err store_pg_area_import_seen(struct store *st, const char *kind, const char *province, const char *effective, const uint8_t sha256[32], bool *seen);

/* pg_assets.c */
ph_err store_pg_asset_insert(struct store *st, const struct asset *a, const char *name_folded, int64_t *id);
ph_err store_pg_asset_update(struct store *st, const struct asset *a, const char *name_folded);
ph_err store_pg_asset_get(struct store *st, struct arena *ar, int64_t id, struct asset *out);
ph_err store_pg_asset_list(struct store *st, struct arena *ar, const struct asset_filter *f, struct asset **items, size_t *n, bool *has_more);

/* pg_attachments.c */
ph_err store_pg_attachment_blob_put(struct store *st, const uint8_t sha256[32], const void *data, size_t len, int64_t at, bool *stored);
ph_err store_pg_attachment_insert(struct store *st, const struct attachment *a, int64_t *id);
ph_err store_pg_attachment_count(struct store *st, int64_t incident_id, int64_t *n);
ph_err store_pg_attachment_list(struct store *st, struct arena *ar, int64_t incident_id, struct attachment **items, size_t *n);
ph_err store_pg_attachment_get(struct store *st, struct arena *ar, int64_t incident_id, int64_t id, struct attachment *out, const void **data, size_t *len);

/* pg_bulletins.c */
ph_err store_pg_bulletin_insert(struct store *st, const struct bulletin *b, const char *title_folded, const struct bulletin_recipient *rcpts, size_t n_rcpts, int64_t *id);
ph_err store_pg_bulletin_get(struct store *st, struct arena *ar, int64_t id, int64_t now_ms, struct bulletin *out);
ph_err store_pg_bulletin_list(struct store *st, struct arena *ar, const struct bulletin_filter *f, int64_t now_ms, struct bulletin **items, size_t *n, bool *has_more);
ph_err store_pg_bulletin_recipients(struct store *st, struct arena *ar, int64_t bulletin_id, struct bulletin_recipient **items, size_t *n);
ph_err store_pg_bulletin_ack(struct store *st, int64_t bulletin_id, int64_t unit_id, int64_t at, int64_t person_id, const char *note);
ph_err store_pg_bulletin_inbox(struct store *st, struct arena *ar, int64_t unit_id, int64_t now_ms, const struct incident_scope *scope, int limit, struct bulletin_inbox_item **items, size_t *n);
ph_err store_pg_bulletin_due(struct store *st, struct arena *ar, int64_t now, int limit, struct store_bulletin_due **items, size_t *n);
ph_err store_pg_bulletin_deadline_next(struct store *st, int64_t now, int64_t *at);
ph_err store_pg_bulletin_mark_overdue(struct store *st, int64_t bulletin_id, int64_t unit_id, int64_t at);
ph_err store_pg_bulletin_period_state(struct store *st, int64_t schedule_id, const char *period_start, bool *sent, bool *missed);
ph_err store_pg_bulletin_miss_insert(struct store *st, int64_t schedule_id, const char *period_start, int64_t due_at, int64_t at);
ph_err store_pg_bulletin_schedule_insert(struct store *st, const struct bulletin_schedule *sc, int64_t *id);
ph_err store_pg_bulletin_schedule_update(struct store *st, const struct bulletin_schedule *sc);
ph_err store_pg_bulletin_schedule_get(struct store *st, struct arena *ar, int64_t id, struct bulletin_schedule *out);
ph_err store_pg_bulletin_schedule_list(struct store *st, struct arena *ar, int64_t unit_id, const struct incident_scope *scope, int64_t after_id, int limit, struct bulletin_schedule **items, size_t *n, bool *has_more);
ph_err store_pg_bulletin_schedule_active(struct store *st, struct arena *ar, struct bulletin_schedule **items, size_t *n);

/* pg_hotspots.c */
ph_err store_pg_incident_points(struct store *st, const struct store_point_query *q, const struct incident_scope *scope, void (*on_point)(void *ctx, const struct store_incident_point *p), void *ctx);
ph_err store_pg_hotspot_insert(struct store *st, const struct store_hotspot *sh, int64_t *id);
ph_err store_pg_hotspot_get(struct store *st, struct arena *ar, int64_t id, bool with_incidents, struct store_hotspot *out);
ph_err store_pg_hotspot_list(struct store *st, struct arena *ar, const struct hotspot_filter *f, const char *unit_path, const struct incident_scope *scope, struct store_hotspot **items, size_t *n, bool *has_more);
ph_err store_pg_hotspot_open(struct store *st, struct arena *ar, struct store_hotspot **items, size_t *n);
ph_err store_pg_hotspot_set_status(struct store *st, int64_t id, int64_t version, const char *status, int64_t updated_at);
ph_err store_pg_hotspot_note_insert(struct store *st, const struct hotspot_note *note, int64_t *id);
ph_err store_pg_hotspot_notes(struct store *st, struct arena *ar, int64_t hotspot_id, struct hotspot_note **items, size_t *n);
ph_err store_pg_hotspot_incidents_visible(struct store *st, struct arena *ar, int64_t hotspot_id, const struct incident_scope *scope, int64_t **ids, size_t *n);

/* pg_incidents.c */
ph_err store_pg_incident_ref_next(struct store *st, const char *prefix, int year, int64_t *seq);
ph_err store_pg_incident_insert(struct store *st, const struct incident *inc, int64_t *id);
ph_err store_pg_incident_update(struct store *st, const struct incident *inc);
ph_err store_pg_incident_get(struct store *st, struct arena *ar, int64_t id, int64_t now_ms, struct incident *out);
ph_err store_pg_incident_get_by_ref(struct store *st, struct arena *ar, const char *ref, int64_t now_ms, struct incident *out);
ph_err store_pg_incident_rev(struct store *st, int64_t id, struct store_incident_rev *out);
ph_err store_pg_incident_list(struct store *st, struct arena *ar, const struct incident_filter *f, int64_t now_ms, struct incident **items, size_t *n, bool *has_more);
ph_err store_pg_incident_recipient_put(struct store *st, int64_t incident_id, const struct incident_recipient *r);
ph_err store_pg_incident_recipients_add(struct store *st, int64_t incident_id, const struct incident_recipient *rs, size_t n);
ph_err store_pg_incident_recipients(struct store *st, struct arena *ar, int64_t incident_id, struct incident_recipient **items, size_t *n);
ph_err store_pg_incident_ack_insert(struct store *st, const struct incident_ack *a, int64_t *id);
ph_err store_pg_incident_acks(struct store *st, struct arena *ar, int64_t incident_id, struct incident_ack **items, size_t *n);
ph_err store_pg_incident_event_insert(struct store *st, const struct incident_event *ev, int64_t *id);
ph_err store_pg_incident_events(struct store *st, struct arena *ar, int64_t incident_id, struct incident_event **items, size_t *n);
ph_err store_pg_idem_get(struct store *st, int64_t person_id, const char *key, uint8_t request_hash[32], int64_t *incident_id);
ph_err store_pg_idem_put(struct store *st, int64_t person_id, const char *key, const uint8_t request_hash[32], int64_t incident_id, int64_t at);
ph_err store_pg_idem_prune(struct store *st, int64_t before, int *n);
ph_err store_pg_incident_inbox(struct store *st, struct arena *ar, int64_t unit_id, int64_t now_ms, const struct incident_scope *scope, int limit, struct incident_inbox_item **items, size_t *n);
ph_err store_pg_deadline_due(struct store *st, struct arena *ar, int64_t now, int limit, struct store_due **items, size_t *n);
ph_err store_pg_deadline_next(struct store *st, int64_t now, int64_t *at);
ph_err store_pg_deadline_mark(struct store *st, int64_t incident_id, int64_t unit_id, const char *stage, int64_t at);
ph_err store_pg_recipient_mark_escalated(struct store *st, int64_t incident_id, int64_t unit_id, int64_t at);
ph_err store_pg_timeliness_rows(struct store *st, struct arena *ar, const struct stats_period *p, const struct incident_scope *scope, int64_t now, struct store_timeliness_row **items, size_t *n);
ph_err store_pg_incident_counts(struct store *st, struct arena *ar, int64_t from, int64_t to, const struct incident_scope *scope, struct store_incident_count **items, size_t *n);

/* pg_messages.c */
ph_err store_pg_message_insert(struct store *st, const struct message *m, int64_t *id);
ph_err store_pg_message_find(struct store *st, int64_t from_person_id, int64_t from_device_id, const char *uid, int64_t *id);
ph_err store_pg_message_get(struct store *st, struct arena *ar, int64_t id, struct message *out);
ph_err store_pg_message_list(struct store *st, struct arena *ar, const struct message_filter *f, const char *scope_path, int64_t person_id, bool is_admin, struct message **items, size_t *n, bool *has_more);
ph_err store_pg_draft_insert(struct store *st, const struct incident_draft *d, int64_t *id);
ph_err store_pg_draft_update(struct store *st, const struct incident_draft *d);
ph_err store_pg_draft_get(struct store *st, struct arena *ar, int64_t id, struct incident_draft *out);
ph_err store_pg_draft_find(struct store *st, struct arena *ar, int64_t device_id, int64_t person_id, const char *uid, struct incident_draft *out);
ph_err store_pg_draft_list(struct store *st, struct arena *ar, const char *status, const char *scope_path, int64_t before_id, int limit, struct incident_draft **items, size_t *n, bool *has_more);

/* pg_operations.c */
ph_err store_pg_operation_insert(struct store *st, const struct operation *o, const char *title_folded, int64_t *id);
ph_err store_pg_operation_update(struct store *st, const struct operation *o, const char *title_folded, bool links);
ph_err store_pg_operation_get(struct store *st, struct arena *ar, int64_t id, struct operation *out);
ph_err store_pg_operation_list(struct store *st, struct arena *ar, const struct operation_filter *f, struct operation **items, size_t *n, bool *has_more);
ph_err store_pg_operation_conflict(struct store *st, bool is_assets, const int64_t *ids, size_t n, int64_t exclude_id, int64_t start, int64_t end, int64_t now, int64_t *which, int64_t *operation_id);
ph_err store_pg_operation_log_insert(struct store *st, const struct operation_log_entry *e, int64_t *id);
ph_err store_pg_operation_log_get(struct store *st, struct arena *ar, int64_t id, struct operation_log_entry *out);
ph_err store_pg_operation_log_list(struct store *st, struct arena *ar, int64_t operation_id, int64_t after_id, int limit, struct operation_log_entry **items, size_t *n, bool *has_more);
ph_err store_pg_operation_summary(struct store *st, int64_t operation_id, struct operation_summary *out);
ph_err store_pg_operation_coverage_rows(struct store *st, struct arena *ar, const struct coverage_query *q, const struct incident_scope *scope, struct store_coverage_row **items, size_t *n);

/* pg_people.c */
ph_err store_pg_unit_insert(struct store *st, const struct unit *u, const char *name_folded, int64_t *id);
ph_err store_pg_unit_update(struct store *st, const struct unit *u, const char *name_folded);
ph_err store_pg_unit_delete(struct store *st, int64_t id);
ph_err store_pg_unit_get(struct store *st, struct arena *ar, int64_t id, struct unit *out);
ph_err store_pg_unit_list(struct store *st, struct arena *ar, const struct unit_filter *f, struct unit **items, size_t *n, bool *has_more);
ph_err store_pg_unit_responsible(struct store *st, const char *force, int64_t area_id, int64_t *unit_id);
ph_err store_pg_person_insert(struct store *st, const struct person *p, const char *name_folded, int64_t *id);
ph_err store_pg_person_update(struct store *st, const struct person *p, const char *name_folded);
ph_err store_pg_person_get(struct store *st, struct arena *ar, int64_t id, struct person *out);
ph_err store_pg_person_get_by_username(struct store *st, struct arena *ar, const char *username, struct person *out);
ph_err store_pg_person_list(struct store *st, struct arena *ar, const struct person_filter *f, struct person **items, size_t *n, bool *has_more);
ph_err store_pg_person_set_password(struct store *st, int64_t id, const char *password_hash);
ph_err store_pg_person_set_login_state(struct store *st, int64_t id, int failed_logins, int64_t locked_until);
ph_err store_pg_token_insert(struct store *st, const struct store_token *t, int64_t *id);
ph_err store_pg_token_lookup(struct store *st, struct arena *ar, const uint8_t hash[32], struct store_auth *out);
ph_err store_pg_token_revoke(struct store *st, int64_t id, int64_t at);
ph_err store_pg_token_revoke_person(struct store *st, int64_t person_id, int64_t at, int *n);
ph_err store_pg_token_get(struct store *st, struct arena *ar, int64_t id, struct store_token *out);

/* pg_positions.c */
ph_err store_pg_device_insert(struct store *st, const struct device *d, const char *search_folded, int64_t *id);
ph_err store_pg_device_update(struct store *st, const struct device *d, const char *search_folded);
ph_err store_pg_device_get(struct store *st, struct arena *ar, int64_t id, struct device *out);
ph_err store_pg_device_get_by_uid(struct store *st, struct arena *ar, const char *uid, struct device *out);
ph_err store_pg_device_list(struct store *st, struct arena *ar, const struct device_filter *f, const char *path, const char *scope_path, struct device **items, size_t *n, bool *has_more);
ph_err store_pg_device_latest(struct store *st, struct arena *ar, int64_t since, const char *scope_path, struct device **items, size_t *n);
ph_err store_pg_device_of_people(struct store *st, struct arena *ar, const int64_t *people, size_t n_people, struct device **items, size_t *n);
ph_err store_pg_device_set_callsign(struct store *st, int64_t id, const char *callsign, const char *search_folded);
ph_err store_pg_device_set_last(struct store *st, int64_t id, const struct position_point *p);
ph_err store_pg_position_insert(struct store *st, int64_t device_id, const struct position_point *p, bool *stored);
ph_err store_pg_position_range(struct store *st, struct arena *ar, int64_t device_id, int64_t from, int64_t to, int limit, struct position_point **items, size_t *n);
ph_err store_pg_position_first(struct store *st, int64_t device_id, int64_t from, int64_t *at);
ph_err store_pg_retention_get(struct store *st, struct store_retention *out);
ph_err store_pg_retention_put(struct store *st, const struct store_retention *r);
ph_err store_pg_retention_devices(struct store *st, struct arena *ar, int64_t after_id, int limit, int64_t **ids, int64_t **person_ids, size_t *n);
ph_err store_pg_retention_intervals(struct store *st, struct arena *ar, int64_t person_id, int64_t from, int64_t end, struct store_interval **items, size_t *n);
ph_err store_pg_position_delete_at(struct store *st, int64_t device_id, const int64_t *ats, size_t n);
ph_err store_pg_position_expire(struct store *st, int64_t device_id, int64_t before, int limit, int *deleted);

/* pg_rules.c */
ph_err store_pg_setting_get(struct store *st, struct arena *ar, const char *key, const char **value);
ph_err store_pg_setting_set(struct store *st, const char *key, const char *value);
ph_err store_pg_area_candidates(struct store *st, struct arena *ar, double lon, double lat, const char *date, struct store_area_candidate **items, size_t *n);
ph_err store_pg_area_within(struct store *st, int64_t area_id, int64_t ancestor_id, bool *within);
ph_err store_pg_rule_insert(struct store *st, const struct routing_rule *r, int64_t *id);
ph_err store_pg_rule_update(struct store *st, const struct routing_rule *r);
ph_err store_pg_rule_get(struct store *st, struct arena *ar, int64_t id, struct routing_rule *out);
ph_err store_pg_rule_list(struct store *st, struct arena *ar, const struct routing_rule_filter *f, struct routing_rule **items, size_t *n, bool *has_more);
ph_err store_pg_rule_active(struct store *st, struct arena *ar, struct routing_rule **items, size_t *n);

/* pg_directory.c: forces, areas, categories, the audit log */
ph_err store_pg_force_list(struct store *st, struct arena *a, struct store_force **items, size_t *n);
ph_err store_pg_area_insert(struct store *st, const struct area *a, const char *name_folded, int64_t *id);
ph_err store_pg_area_update(struct store *st, const struct area *a, const char *name_folded);
ph_err store_pg_area_delete(struct store *st, int64_t id);
ph_err store_pg_area_get(struct store *st, struct arena *ar, int64_t id, struct area *out);
ph_err store_pg_area_list(struct store *st, struct arena *ar, const struct area_filter *f, struct area **items, size_t *n, bool *has_more);
ph_err store_pg_category_insert(struct store *st, const struct category *c, const char *name_folded, int64_t *id);
ph_err store_pg_category_update(struct store *st, const struct category *c, const char *name_folded);
ph_err store_pg_category_get(struct store *st, struct arena *ar, int64_t id, struct category *out);
ph_err store_pg_category_get_by_code(struct store *st, struct arena *ar, const char *code, struct category *out);
ph_err store_pg_category_list(struct store *st, struct arena *ar, const struct category_filter *f, struct category **items, size_t *n, bool *has_more);
ph_err store_pg_audit_last(struct store *st, int64_t *seq, uint8_t hash[32]);
ph_err store_pg_audit_insert(struct store *st, const struct audit_entry *e);
ph_err store_pg_audit_page(struct store *st, struct arena *ar, int64_t after_seq, int limit, struct audit_entry **items, size_t *n);
ph_err store_pg_audit_count(struct store *st, int64_t *n);

#endif
