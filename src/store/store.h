/* store.h - the one storage interface. core/ calls only the store_*() functions
 * below; each backend (sqlite.c now, postgres.c later) fills a struct store_ops.
 * No SQL outside store/; input reaches SQL only as bound parameters.
 *
 * A struct store is one connection, used by one thread at a time: each event loop
 * has a read connection, the writer thread has the write connection.
 *
 * Conventions: strings returned live in the arena passed in; "not found" is
 * PH_ENOTFOUND; a unique-key clash is PH_ECONFLICT; a foreign-key violation on
 * delete is PH_ECONFLICT; a version mismatch on update is PH_ESTALE; anything else
 * from the backend is PH_ESTORE (logged with the backend's message). Lists return
 * rows with id > filter.after_id ordered by id, at most filter.limit of them, and
 * set *has_more when another row follows. */
#ifndef PH_STORE_STORE_H
#define PH_STORE_STORE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/area.h"
#include "core/area_history.h"
#include "core/attachment.h"
#include "core/bulletin.h"
#include "core/category.h"
#include "core/draft.h"
#include "core/hotspot.h"
#include "core/incident.h"
#include "core/message.h"
#include "core/operation.h"
#include "core/person.h"
#include "core/position.h"
#include "core/routing.h"
#include "core/stats.h"
#include "core/unit.h"
#include "security/audit_chain.h"
#include "util/err.h"
struct arena;
struct store;

/* The most areas a walk up the area tree visits (areas are three levels deep: a
 * longer chain of parents is corrupt data, perhaps a cycle). */
#define STORE_AREA_CHAIN_MAX 16

/* The schema version this binary knows (the highest migration). */
#define STORE_SCHEMA_VERSION 14

/* A person as authentication needs it (see store_token_lookup). */
struct store_auth {
    int64_t token_id, person_id, expires_at, revoked_at;
    const char *kind; /* "session" | "api" */
    const char *username, *full_name;
    unsigned roles;
    int clearance;
    bool is_disabled;
    int64_t unit_id;
    const char *unit_path, *unit_level, *force; /* NULL without a unit */
};

struct store_token {
    int64_t id, person_id;
    const char *kind; /* "session" | "api" */
    const char *name; /* API tokens: what it is for; sessions: NULL */
    uint8_t hash[32];
    int64_t created_at, expires_at;
    const char *client;
};

struct store_outbox_event {
    int64_t id, at;
    const char *topic, *item_kind;
    int64_t item_id;
    const char *payload; /* JSON text or NULL */
    /* Who may see the event (core/access.h): the item kind (enum item_kind), its
     * classification, and the units' paths, owner first then the units it was
     * sent to, separated by spaces ("/1/5/ /2/7/"); NULL when it has none. */
    int access_kind;
    int classification;
    const char *scope_paths;
};

/* What says whether a rendering of an incident is still current (migration 003,
 * "freshness"): equal values at two times mean the same stored incident, its
 * recipients and the units and category it shows. rev moves with every change of
 * the incident or of a recipient, n_recipients counts them (one added moves no
 * rev), dir_rev moves with every change of any unit's or category's code, name,
 * force or path. Time alone changes what incident_get computes at now_ms
 * (overdue); that is the caller's to account for. */
struct store_incident_rev {
    int64_t rev, n_recipients, dir_rev;
};

/* A recipient stage whose deadline passed and is not yet marked overdue. */
struct store_due {
    int64_t incident_id, unit_id;
    const char *stage; /* ACK_RECEIVED or ACK_VERIFIED */
    int64_t due_at;
};

/* One report or acknowledgement for the timeliness figures. */
struct store_timeliness_row {
    const char *kind;       /* "report" (by the reporting unit) or "ack" (due from a recipient) */
    int64_t unit_id;
    const char *unit_name, *force, *unit_path;
    int64_t delay_ms;       /* detected -> reported; sent -> received (pending: -1) */
    bool on_time;           /* pending acks are on time until their deadline passes */
    bool pending;           /* an ack not received (nor refused) yet */
};

/* One cell of the incident counts: incidents of a category whose lead unit is of
 * a force (force NULL: no lead unit). */
struct store_incident_count {
    int64_t category_id;
    const char *category; /* the category's code */
    const char *force;
    int64_t n;
};

/* A bulletin recipient whose acknowledgement deadline passed, not yet marked. */
struct store_bulletin_due {
    int64_t bulletin_id, unit_id, due_at;
};

/* Position retention's progress (migration 008): every position before
 * thinned_until is thinned; the window [thinned_until, window_end) is done for
 * the devices up to device_after, and for the device after it up to
 * device_until; runs and rows deleted so far. */
struct store_retention {
    int64_t thinned_until, window_end, device_after, device_until, runs, deleted;
};

/* A time interval [start, end) (an operation's active interval). */
struct store_interval {
    int64_t start, end;
};

struct store_force {
    const char *code, *name_vi, *name_en;
};

/* A candidate area of a point (area_candidates, core/geo.c): what identifies the
 * version of its outline, without the outline itself, which core/geo.c keeps
 * parsed and reads (store_area_get) only when it has not seen that version. The
 * box is the R*Tree's (single precision, rounded outwards). */
struct store_area_candidate {
    int64_t id, version, updated_at;
    int depth; /* 0 commune, 1 district, 2 any other level */
    double min_lon, max_lon, min_lat, max_lat;
};

/* One (operation, area) pair of the coverage statistics: an active or completed
 * operation covering area_id (the area itself, or one below it, was found on its
 * geometry), its actual start and end (0 while still active), and the forces
 * taking part (codes, space-separated). */
struct store_coverage_row {
    int64_t operation_id, area_id, started_at, ended_at;
    const char *forces;
};

/* Hot spots (core/hotspot.h; sqlite_hotspots.c). One located incident as an
 * analysis reads it, streamed row by row (store_incident_points). */
struct store_incident_point {
    int64_t id, occurred_at, category_id;
    double lat, lon;
    int severity, classification;
};
/* Which incidents an analysis reads: occurred_at in [since, until), category
 * among category_ids (n_categories 0: any), the lead unit's force (NULL: any),
 * in area_id or below it (0: anywhere). */
struct store_point_query {
    int64_t since, until;
    const int64_t *category_ids;
    size_t n_categories;
    const char *force;
    int64_t area_id;
};
/* A hotspot record with what the store keeps besides struct hotspot: the cell
 * centres ("lon,lat lon,lat ...", for the next run's overlap test) and the
 * responsible units (ids and paths in the same order). */
struct store_hotspot {
    struct hotspot h;
    const char *cells;
    const int64_t *unit_ids;
    const char **unit_paths;
    size_t n_units;
};

/* One area import or dry run (migration 013, area_imports; core/area_import.h). */
struct store_area_import {
    const char *kind;      /* "list" | "boundaries" | "reorganisation" */
    const char *province;  /* a level-1 code, NULL for the whole file */
    const char *effective; /* "YYYY-MM-DD" */
    uint8_t sha256[32];    /* of the file */
    bool dry_run;
    const char *counts;    /* JSON object of the report's counts */
    int64_t person_id, at; /* at: UTC ms (0: now) */
};

/* Area history (core/area_history.c; sqlite_area_history_queries.c). One
 * incident as counting by another day's areas reads it; a unit's link to an
 * area (unit_areas) with the unit's path and force; a proposal with its unit's
 * path (for access). */
struct store_area_incident {
    int64_t id, area_id; /* area_id 0: none */
    bool has_location;
    double lat, lon;
};
struct store_unit_area {
    int64_t unit_id, area_id;
    const char *unit_path, *unit_force;
};
struct store_unit_area_proposal {
    struct unit_area_proposal p;
    const char *unit_path;
};
/* Area history, operations and positions (issue 8): one row of an operation
 * (one per area it touched, area_id 0 when it touched none; the rows of one
 * operation come together), one position of a visible device. */
struct store_area_operation {
    int64_t id, area_id;
};
struct store_area_position {
    int64_t device_id, at;
    double lat, lon;
};

/* A notification from another connection (store_wait_notify): the channel and
 * the payload, truncated to fit. */
struct store_notification {
    char channel[64];
    char payload[8000]; /* PostgreSQL's NOTIFY payload is under 8000 bytes */
};

struct store_ops {
    const char *name;
    /* dsn: the part after "sqlite:" (a path, or ":memory:"). Applies pending
     * migrations; PH_ESCHEMA (and a logged message naming both versions) when the
     * database is newer than STORE_SCHEMA_VERSION. */
    ph_err (*open)(struct store *st, const char *dsn);
    void (*close)(struct store *st);
    ph_err (*schema_version)(struct store *st, int *version);
    ph_err (*db_size)(struct store *st, int64_t *bytes);

    /* Transactions. begin takes the write lock at once (SQLite: BEGIN IMMEDIATE). */
    ph_err (*tx_begin)(struct store *st);
    ph_err (*tx_commit)(struct store *st);
    ph_err (*tx_rollback)(struct store *st);
    /* Commits that do not wait for the disk (SQLite's WAL): after sync_later,
     * tx_commit on this connection returns once the commit is written to the
     * WAL file, not yet on disk: other connections see it at once, and a
     * power loss may undo it (never a part of it: the WAL keeps whole
     * transactions, in order). sync then makes every commit made so far
     * durable; it touches only the WAL file, so another thread may call it
     * while this connection runs the next transaction. PH_EINVAL where the
     * store cannot (PostgreSQL, whose commits wait for its own WAL; an
     * in-memory database): commits then stay durable by themselves. NULL ops
     * mean the same. */
    ph_err (*sync_later)(struct store *st);
    ph_err (*sync)(struct store *st);
    /* Savepoints inside a transaction (one level is enough for the writer).
     * Writes that need no answer may be sent ahead without waiting for it
     * (the PostgreSQL store does, inside a write transaction): savepoint
     * itself, audit_insert, incident_recipients_add, outbox_insert and
     * incident_event_insert with id NULL (no id asked for), and
     * incident_ref_next once the transaction has numbered an incident (the
     * number is known; its write is not answered yet). A failure of one is
     * then the error of the next call that waits, at the latest
     * savepoint_release, which then undoes nothing itself (the caller rolls
     * back to the savepoint), or tx_commit. */
    ph_err (*savepoint)(struct store *st);
    ph_err (*savepoint_release)(struct store *st);
    ph_err (*savepoint_rollback)(struct store *st);

    ph_err (*force_list)(struct store *st, struct arena *a, struct store_force **items, size_t *n);

    /* Areas. name_folded is the search key (text_fold of name), kept by the caller. */
    ph_err (*area_insert)(struct store *st, const struct area *a, const char *name_folded, int64_t *id);
    ph_err (*area_update)(struct store *st, const struct area *a, const char *name_folded); /* version+1 if a->version matches (0: any) */
    ph_err (*area_delete)(struct store *st, int64_t id);
    ph_err (*area_get)(struct store *st, struct arena *ar, int64_t id, struct area *out);
    ph_err (*area_list)(struct store *st, struct arena *ar, const struct area_filter *f,
                        struct area **items, size_t *n, bool *has_more);

    /* Incident categories. Never deleted (incidents refer to them): is_active goes
     * false instead. name_folded is the search key, kept by the caller. */
    ph_err (*category_insert)(struct store *st, const struct category *c, const char *name_folded, int64_t *id);
    ph_err (*category_update)(struct store *st, const struct category *c, const char *name_folded); /* version+1 if c->version matches (0: any) */
    ph_err (*category_get)(struct store *st, struct arena *ar, int64_t id, struct category *out);
    ph_err (*category_get_by_code)(struct store *st, struct arena *ar, const char *code, struct category *out);
    ph_err (*category_list)(struct store *st, struct arena *ar, const struct category_filter *f,
                            struct category **items, size_t *n, bool *has_more);

    /* Units. The store computes path from the parent (and rewrites the subtree's
     * paths when the parent changes) and replaces the area links with u->area_ids. */
    ph_err (*unit_insert)(struct store *st, const struct unit *u, const char *name_folded, int64_t *id);
    ph_err (*unit_update)(struct store *st, const struct unit *u, const char *name_folded);
    ph_err (*unit_delete)(struct store *st, int64_t id);
    ph_err (*unit_get)(struct store *st, struct arena *ar, int64_t id, struct unit *out);
    ph_err (*unit_list)(struct store *st, struct arena *ar, const struct unit_filter *f,
                        struct unit **items, size_t *n, bool *has_more);
    /* The unit of force responsible for area_id, as core/routing.h defines it:
     * among the force's active units linked to the area (unit_areas), the
     * deepest level (commune, district, province), then the lowest id; when none
     * is, the same for the area above it, and so on up the chain of areas that
     * exist (at most STORE_AREA_CHAIN_MAX of them); when none on the way has one,
     * the force's active province-level unit with the lowest id. area_id 0 (or
     * one that does not exist) goes straight to that last. PH_ENOTFOUND when the
     * force has no active province-level unit either. */
    ph_err (*unit_responsible)(struct store *st, const char *force, int64_t area_id,
                               int64_t *unit_id);

    /* People. password_hash is written by insert (may be NULL) and by
     * person_set_password only; update leaves it and the login counters alone. */
    ph_err (*person_insert)(struct store *st, const struct person *p, const char *name_folded, int64_t *id);
    ph_err (*person_update)(struct store *st, const struct person *p, const char *name_folded);
    ph_err (*person_get)(struct store *st, struct arena *ar, int64_t id, struct person *out);
    ph_err (*person_get_by_username)(struct store *st, struct arena *ar, const char *username, struct person *out);
    ph_err (*person_list)(struct store *st, struct arena *ar, const struct person_filter *f,
                          struct person **items, size_t *n, bool *has_more);
    ph_err (*person_set_password)(struct store *st, int64_t id, const char *password_hash);
    /* Record a login outcome: the failure counter and lock time as given. */
    ph_err (*person_set_login_state)(struct store *st, int64_t id, int failed_logins, int64_t locked_until);

    /* Tokens (login sessions and API tokens). */
    ph_err (*token_insert)(struct store *st, const struct store_token *t, int64_t *id);
    /* The token with this hash joined with its person and unit. PH_ENOTFOUND when
     * no such token (expiry and revocation are the caller's to check). */
    ph_err (*token_lookup)(struct store *st, struct arena *ar, const uint8_t hash[32], struct store_auth *out);
    ph_err (*token_revoke)(struct store *st, int64_t id, int64_t at);
    /* Revoke every live token of person_id; *n (may be NULL) gets how many. */
    ph_err (*token_revoke_person)(struct store *st, int64_t person_id, int64_t at, int *n);
    ph_err (*token_get)(struct store *st, struct arena *ar, int64_t id, struct store_token *out);

    /* Audit log. last: the highest seq and its hash (seq 0 and zero hash when empty). */
    ph_err (*audit_last)(struct store *st, int64_t *seq, uint8_t hash[32]);
    ph_err (*audit_insert)(struct store *st, const struct audit_entry *e);
    /* Entries with seq > after_seq in seq order, at most limit, into *items. */
    ph_err (*audit_page)(struct store *st, struct arena *ar, int64_t after_seq, int limit,
                         struct audit_entry **items, size_t *n);
    ph_err (*audit_count)(struct store *st, int64_t *n);

    /* id NULL: not needed (see savepoint). */
    ph_err (*outbox_insert)(struct store *st, const struct store_outbox_event *ev, int64_t *id);
    ph_err (*outbox_after)(struct store *st, struct arena *ar, int64_t after_id, int limit,
                           struct store_outbox_event **items, size_t *n);
    /* The highest outbox id (0 when empty). */
    ph_err (*outbox_last_id)(struct store *st, int64_t *id);

    /* Settings: small named values (e.g. "incident_ref_prefix"). */
    ph_err (*setting_get)(struct store *st, struct arena *ar, const char *key, const char **value);
    ph_err (*setting_set)(struct store *st, const char *key, const char *value);

    /* Areas whose bounding box (an R*Tree the store keeps from each geometry)
     * contains (lon, lat) and that are valid on date ("YYYY-MM-DD"; NULL: any),
     * without their geometry, deepest level first (commune, district, province),
     * then by id. */
    ph_err (*area_candidates)(struct store *st, struct arena *ar, double lon, double lat,
                              const char *date, struct store_area_candidate **items, size_t *n);
    /* Is area_id the area ancestor_id or below it? */
    ph_err (*area_within)(struct store *st, int64_t area_id, int64_t ancestor_id, bool *within);

    /* Incidents. ref_next: the next number for (prefix, year), counting from 1,
     * never given twice (the counter is in the caller's transaction). */
    ph_err (*incident_ref_next)(struct store *st, const char *prefix, int year, int64_t *seq);
    /* insert writes the row (every member but the joined ones and recipients) and
     * its full-text entry; update writes the client members, status, lead_unit_id,
     * merged_into_id, report_due_at, report_late and updated_at when inc->version
     * matches (0: any), version+1. */
    ph_err (*incident_insert)(struct store *st, const struct incident *inc, int64_t *id);
    ph_err (*incident_update)(struct store *st, const struct incident *inc);
    /* One incident with the joined members (category code, paths, sent_to_paths,
     * informed_unit_ids, overdue at now_ms); recipients are not filled. */
    ph_err (*incident_get)(struct store *st, struct arena *ar, int64_t id, int64_t now_ms, struct incident *out);
    ph_err (*incident_get_by_ref)(struct store *st, struct arena *ar, const char *ref, int64_t now_ms,
                                  struct incident *out);
    /* The freshness of incident id (indexed reads of a few rows); PH_ENOTFOUND when
     * there is no such incident. */
    ph_err (*incident_rev)(struct store *st, int64_t id, struct store_incident_rev *out);
    /* Newest first (id descending, ids < f->before_id), only what f->scope lets
     * see: classification <= scope.clearance, and with scope.unit_path, some
     * recipient's path starts with it. f->q: every word (folded by the FTS
     * tokenizer) must occur in title, description or ref. overdue at now_ms. */
    ph_err (*incident_list)(struct store *st, struct arena *ar, const struct incident_filter *f,
                            int64_t now_ms, struct incident **items, size_t *n, bool *has_more);
    /* Insert or replace the recipient (incident_id, r->unit_id). */
    ph_err (*incident_recipient_put)(struct store *st, int64_t incident_id, const struct incident_recipient *r);
    /* Insert the n recipients rs of a new incident, none of which exists yet
     * (PH_ECONFLICT, nothing written by the failing statement, if one does). */
    ph_err (*incident_recipients_add)(struct store *st, int64_t incident_id,
                                      const struct incident_recipient *rs, size_t n);
    /* Every recipient, with the unit's code, name, path and force; by sent_at, unit id. */
    ph_err (*incident_recipients)(struct store *st, struct arena *ar, int64_t incident_id,
                                  struct incident_recipient **items, size_t *n);
    ph_err (*incident_ack_insert)(struct store *st, const struct incident_ack *a, int64_t *id);
    /* In id order, with the person's name. */
    ph_err (*incident_acks)(struct store *st, struct arena *ar, int64_t incident_id,
                            struct incident_ack **items, size_t *n);
    /* id NULL: not needed (see savepoint). */
    ph_err (*incident_event_insert)(struct store *st, const struct incident_event *e, int64_t *id);
    /* In id order, with the person's name. */
    ph_err (*incident_events)(struct store *st, struct arena *ar, int64_t incident_id,
                              struct incident_event **items, size_t *n);
    /* Idempotency keys of creates, per person. get: PH_ENOTFOUND when unknown. */
    ph_err (*idem_get)(struct store *st, int64_t person_id, const char *key, uint8_t request_hash[32],
                       int64_t *incident_id);
    ph_err (*idem_put)(struct store *st, int64_t person_id, const char *key,
                       const uint8_t request_hash[32], int64_t incident_id, int64_t at);
    /* Forget keys created before 'before'; *n (may be NULL) how many. */
    ph_err (*idem_prune)(struct store *st, int64_t before, int *n);
    /* Inbox of unit_id: recipient rows of that unit (lead or informed) whose next
     * stage with a deadline, or "received", is not done and not refused, of
     * incidents not closed or merged; overdue (at now_ms) first, then due time,
     * then oldest; at most limit. */
    ph_err (*incident_inbox)(struct store *st, struct arena *ar, int64_t unit_id, int64_t now_ms,
                             const struct incident_scope *scope, int limit,
                             struct incident_inbox_item **items, size_t *n);

    /* Deadlines: stages due at or before now and not yet marked overdue, oldest
     * first, at most limit; the earliest pending due time after now (0: none);
     * marking a stage overdue (stage ACK_RECEIVED or ACK_VERIFIED), and escalated. */
    ph_err (*deadline_due)(struct store *st, struct arena *ar, int64_t now, int limit,
                           struct store_due **items, size_t *n);
    ph_err (*deadline_next)(struct store *st, int64_t now, int64_t *at);
    ph_err (*deadline_mark)(struct store *st, int64_t incident_id, int64_t unit_id, const char *stage,
                            int64_t at);
    ph_err (*recipient_mark_escalated)(struct store *st, int64_t incident_id, int64_t unit_id, int64_t at);

    /* Timeliness rows for incidents with cap_status "actual" that scope lets see:
     * reports with reported_at in [from, to), acks with sent_at in [from, to) (the
     * lead and informed recipients with an ack deadline). Unit filters as in
     * struct stats_period. Pending acks are late when their deadline is before now. */
    ph_err (*timeliness_rows)(struct store *st, struct arena *ar, const struct stats_period *p,
                              const struct incident_scope *scope, int64_t now,
                              struct store_timeliness_row **items, size_t *n);
    /* Incident counts by category and lead force: incidents with cap_status
     * "actual", not merged, reported_at in [from, to), that scope lets see; one
     * row per (category, force) with n > 0, in (category id, force) order. */
    ph_err (*incident_counts)(struct store *st, struct arena *ar, int64_t from, int64_t to,
                              const struct incident_scope *scope,
                              struct store_incident_count **items, size_t *n);

    /* Routing rules. Never deleted. list: f as usual, id order; match_candidates:
     * every active rule in (priority, id) order. */
    ph_err (*rule_insert)(struct store *st, const struct routing_rule *r, int64_t *id);
    ph_err (*rule_update)(struct store *st, const struct routing_rule *r); /* version+1 if it matches (0: any) */
    ph_err (*rule_get)(struct store *st, struct arena *ar, int64_t id, struct routing_rule *out);
    ph_err (*rule_list)(struct store *st, struct arena *ar, const struct routing_rule_filter *f,
                        struct routing_rule **items, size_t *n, bool *has_more);
    ph_err (*rule_active)(struct store *st, struct arena *ar, struct routing_rule **items, size_t *n);

    /* Bulletins (core/bulletin.h). insert writes the row (title_folded: its
     * search key, kept by the caller), the forces as given (b->to_forces) and
     * the recipients rcpts in their order (is_named when also in
     * b->to_unit_ids), all or nothing; a second bulletin of the same (schedule,
     * period_start) is PH_ECONFLICT. get and list fill the joined members
     * (from_unit_path, from_force, to_unit_ids, to_forces, sent_to_paths of every
     * recipient, overdue at now_ms), not recipients. list: newest first (ids <
     * f->before_id), only what f->scope_* lets see (classification, and with
     * scope_unit_path the sender or some recipient inside it); f->q is folded
     * text the folded title contains; f->unit_id: the sender or some recipient
     * is that unit or below it. */
    ph_err (*bulletin_insert)(struct store *st, const struct bulletin *b, const char *title_folded,
                              const struct bulletin_recipient *rcpts, size_t n_rcpts, int64_t *id);
    ph_err (*bulletin_get)(struct store *st, struct arena *ar, int64_t id, int64_t now_ms,
                           struct bulletin *out);
    ph_err (*bulletin_list)(struct store *st, struct arena *ar, const struct bulletin_filter *f,
                            int64_t now_ms, struct bulletin **items, size_t *n, bool *has_more);
    /* Every recipient with the unit's code, name, path and force, in order. */
    ph_err (*bulletin_recipients)(struct store *st, struct arena *ar, int64_t bulletin_id,
                                  struct bulletin_recipient **items, size_t *n);
    /* Record the receipt of recipient unit_id (note may be NULL): PH_ENOTFOUND
     * when it is none, PH_ECONFLICT when it already acknowledged. */
    ph_err (*bulletin_ack)(struct store *st, int64_t bulletin_id, int64_t unit_id, int64_t at,
                           int64_t person_id, const char *note);
    /* Inbox of unit_id: its recipient rows that owe an acknowledgement (a
     * deadline, not received) of bulletins scope lets see; overdue (at now_ms)
     * first, then by deadline, then oldest; at most limit. */
    ph_err (*bulletin_inbox)(struct store *st, struct arena *ar, int64_t unit_id, int64_t now_ms,
                             const struct incident_scope *scope, int limit,
                             struct bulletin_inbox_item **items, size_t *n);
    /* Deadlines: recipients whose deadline is at or before now, not received and
     * not yet marked, oldest first, at most limit; the earliest such deadline
     * after now (0: none); marking one overdue (the first time counts). */
    ph_err (*bulletin_due)(struct store *st, struct arena *ar, int64_t now, int limit,
                           struct store_bulletin_due **items, size_t *n);
    ph_err (*bulletin_deadline_next)(struct store *st, int64_t now, int64_t *at);
    ph_err (*bulletin_mark_overdue)(struct store *st, int64_t bulletin_id, int64_t unit_id, int64_t at);
    /* Periods of schedules: whether a bulletin answers (schedule_id,
     * period_start), and whether its miss is recorded; recording a miss
     * (PH_ECONFLICT when it is already). */
    ph_err (*bulletin_period_state)(struct store *st, int64_t schedule_id, const char *period_start,
                                    bool *sent, bool *missed);
    ph_err (*bulletin_miss_insert)(struct store *st, int64_t schedule_id, const char *period_start,
                                   int64_t due_at, int64_t at);
    /* Schedules, with their recipients as given and the unit's path. Never
     * deleted (is_active goes false). update: every member but unit_id and
     * created_at, version+1 if s->version matches (0: any). list: unit_id's
     * subtree (0: all), only what scope lets see (with scope->unit_path: the
     * schedule's unit, a unit it names, or the province-level unit of a force it
     * names inside it), id order after after_id. active: every active one, id
     * order. */
    ph_err (*bulletin_schedule_insert)(struct store *st, const struct bulletin_schedule *s, int64_t *id);
    ph_err (*bulletin_schedule_update)(struct store *st, const struct bulletin_schedule *s);
    ph_err (*bulletin_schedule_get)(struct store *st, struct arena *ar, int64_t id,
                                    struct bulletin_schedule *out);
    ph_err (*bulletin_schedule_list)(struct store *st, struct arena *ar, int64_t unit_id,
                                     const struct incident_scope *scope, int64_t after_id, int limit,
                                     struct bulletin_schedule **items, size_t *n, bool *has_more);
    ph_err (*bulletin_schedule_active)(struct store *st, struct arena *ar,
                                       struct bulletin_schedule **items, size_t *n);

    /* Attachments (core/attachment.h). blob_put stores data (len bytes) under
     * its SHA-256 unless that hash is stored already (identical content is kept
     * once); *stored (may be NULL) says whether it wrote. insert writes the row
     * (every member but id), whose blob must be there. count: the attachments
     * of an incident. list: metadata in id order. get: attachment id of
     * incident_id (PH_ENOTFOUND when it is none of that incident's), with data
     * not NULL also its bytes, copied into ar. */
    ph_err (*attachment_blob_put)(struct store *st, const uint8_t sha256[32], const void *data,
                                  size_t len, int64_t at, bool *stored);
    ph_err (*attachment_insert)(struct store *st, const struct attachment *a, int64_t *id);
    ph_err (*attachment_count)(struct store *st, int64_t incident_id, int64_t *n);
    ph_err (*attachment_list)(struct store *st, struct arena *ar, int64_t incident_id,
                              struct attachment **items, size_t *n);
    ph_err (*attachment_get)(struct store *st, struct arena *ar, int64_t incident_id, int64_t id,
                             struct attachment *out, const void **data, size_t *len);

    /* Devices and positions (core/position.h; sqlite_positions.c). Devices:
     * insert writes every member but id and the last_* ones; update writes
     * callsign, kind, person_id, unit_id, asset_id and is_active when d->version
     * matches (0: any), version+1; an unknown unit or asset is PH_ECONFLICT (a
     * foreign key). get and list fill unit_path and person_name. list: units at
     * or below path (NULL: all) and inside scope_path (the caller's unit; NULL:
     * no limit), f->person_id, f->q (folded, contained in the folded uid and
     * callsign), id order after f->after_id. latest: active devices with a
     * position at or after since (0: any) inside scope_path, by id. */
    ph_err (*device_insert)(struct store *st, const struct device *d, const char *search_folded,
                            int64_t *id);
    ph_err (*device_update)(struct store *st, const struct device *d, const char *search_folded);
    ph_err (*device_get)(struct store *st, struct arena *ar, int64_t id, struct device *out);
    ph_err (*device_get_by_uid)(struct store *st, struct arena *ar, const char *uid,
                                struct device *out);
    ph_err (*device_list)(struct store *st, struct arena *ar, const struct device_filter *f,
                          const char *path, const char *scope_path, struct device **items,
                          size_t *n, bool *has_more);
    ph_err (*device_latest)(struct store *st, struct arena *ar, int64_t since,
                            const char *scope_path, struct device **items, size_t *n);
    /* The devices bound to any of people (n_people ids), by id. */
    ph_err (*device_of_people)(struct store *st, struct arena *ar, const int64_t *people,
                               size_t n_people, struct device **items, size_t *n);
    /* A report's side effects on its device: a new callsign (and search key);
     * the latest position, moved only forward (p->at > last_at). */
    ph_err (*device_set_callsign)(struct store *st, int64_t id, const char *callsign,
                                  const char *search_folded);
    ph_err (*device_set_last)(struct store *st, int64_t id, const struct position_point *p);
    /* Positions. insert: *stored false when (device_id, p->at) is stored already
     * (the first report stays). range: the points of device_id with at in
     * [from, to), time order, at most limit of them (0: all). */
    ph_err (*position_insert)(struct store *st, int64_t device_id, const struct position_point *p,
                              bool *stored);
    ph_err (*position_range)(struct store *st, struct arena *ar, int64_t device_id, int64_t from,
                             int64_t to, int limit, struct position_point **items, size_t *n);
    /* The time of device_id's first point at or after from (PH_ENOTFOUND: none). */
    ph_err (*position_first)(struct store *st, int64_t device_id, int64_t from, int64_t *at);
    /* Retention: its progress (one row); devices by id after after_id (all,
     * active or not); the active intervals [started_at, ended_at, or end when
     * still active) of the started operations person_id is assigned to that
     * overlap [from, end), by start; removing the points of device_id at the n
     * times ats; removing up to limit of its points before before (*deleted). */
    ph_err (*retention_get)(struct store *st, struct store_retention *out);
    ph_err (*retention_put)(struct store *st, const struct store_retention *r);
    ph_err (*retention_devices)(struct store *st, struct arena *ar, int64_t after_id, int limit,
                                int64_t **ids, int64_t **person_ids, size_t *n);
    ph_err (*retention_intervals)(struct store *st, struct arena *ar, int64_t person_id,
                                  int64_t from, int64_t end, struct store_interval **items,
                                  size_t *n);
    ph_err (*position_delete_at)(struct store *st, int64_t device_id, const int64_t *ats, size_t n);
    ph_err (*position_expire)(struct store *st, int64_t device_id, int64_t before, int limit,
                              int *deleted);

    /* Operations and assets (core/operation.h; sqlite_operations.c, sqlite_assets.c).
     * Assets: insert writes every member but id (PH_ECONFLICT on a (kind, code)
     * already taken); update every member but created_at when a->version matches
     * (0: any), version+1; get and list join unit_path; list: f->kind, f->unit_id
     * and below, f->q (folded, contained in the folded name or the code), active
     * only unless f->include_inactive, id order after f->after_id.
     * Operations: insert writes the row and its links (o->owner_unit_id as the
     * unit 'lead' at pos 0, then o->unit_ids as participants, people_ids,
     * asset_ids, area_ids); update writes every member but created_by and
     * created_at when o->version matches (0: any), version+1, and with links also
     * replaces the links. get and list fill every member, units included
     * (list: one query for the units of a page). list: newest first, only what
     * f->scope_* lets see (classification, and some unit taking part inside the
     * scope path). conflict: the lowest id of an operation other than exclude_id,
     * planned or active, that has one of ids (people, or assets when is_assets)
     * and whose time overlaps [start, end) (an active one lasts at least until
     * now); *which gets that person or asset; *operation_id 0 when none. */
    ph_err (*asset_insert)(struct store *st, const struct asset *a, const char *name_folded,
                           int64_t *id);
    ph_err (*asset_update)(struct store *st, const struct asset *a, const char *name_folded);
    ph_err (*asset_get)(struct store *st, struct arena *ar, int64_t id, struct asset *out);
    ph_err (*asset_list)(struct store *st, struct arena *ar, const struct asset_filter *f,
                         struct asset **items, size_t *n, bool *has_more);
    ph_err (*operation_insert)(struct store *st, const struct operation *o, const char *title_folded,
                               int64_t *id);
    ph_err (*operation_update)(struct store *st, const struct operation *o, const char *title_folded,
                               bool links);
    ph_err (*operation_get)(struct store *st, struct arena *ar, int64_t id, struct operation *out);
    ph_err (*operation_list)(struct store *st, struct arena *ar, const struct operation_filter *f,
                             struct operation **items, size_t *n, bool *has_more);
    ph_err (*operation_conflict)(struct store *st, bool is_assets, const int64_t *ids, size_t n,
                                 int64_t exclude_id, int64_t start, int64_t end, int64_t now,
                                 int64_t *which, int64_t *operation_id);
    /* The results log: insert every member but id and person_name; get one entry
     * (with the writer's name); list an operation's entries in (at, id) order
     * after the entry after_id (0: from the start); summary: the sums of an
     * operation's entries (duration_ms is the caller's). */
    ph_err (*operation_log_insert)(struct store *st, const struct operation_log_entry *e,
                                   int64_t *id);
    ph_err (*operation_log_get)(struct store *st, struct arena *ar, int64_t id,
                                struct operation_log_entry *out);
    ph_err (*operation_log_list)(struct store *st, struct arena *ar, int64_t operation_id,
                                 int64_t after_id, int limit, struct operation_log_entry **items,
                                 size_t *n, bool *has_more);
    ph_err (*operation_summary)(struct store *st, int64_t operation_id,
                                struct operation_summary *out);
    /* Coverage: the (operation, area of level q->area_level and kind q->area_kind)
     * pairs of the active and completed operations scope lets see that ran
     * during [q->from, q->to) (and in which q->force took part), by area then
     * operation. */
    ph_err (*operation_coverage_rows)(struct store *st, struct arena *ar,
                                      const struct coverage_query *q,
                                      const struct incident_scope *scope,
                                      struct store_coverage_row **items, size_t *n);

    /* Field messages and incident drafts (core/message.h, core/draft.h;
     * sqlite_messages.c). message_insert writes every member but id and the
     * joined ones (a uid already stored for the same from_person_id and
     * from_device_id is PH_ECONFLICT); message_find gives that message's id
     * (PH_ENOTFOUND: none); get and list join from_unit_path and from_name.
     * message_list: newest first (ids < f->before_id), at >= f->since, room =
     * f->room (NULL: any), and only what the reader sees: with scope_path NULL
     * every message; otherwise messages to no person whose sender's unit or
     * addressed unit is inside scope_path, direct messages from or to person_id
     * (0: none), and when is_admin the direct messages sent from inside
     * scope_path.
     * draft_insert writes every member but id, incident_id, dismiss_reason and
     * the joined unit_path (status open, version 1; a second open draft of the
     * marker is PH_ECONFLICT); draft_update writes cot_type, title, remarks, at,
     * lat, lon, status, incident_id, dismiss_reason and updated_at when
     * d->version matches (0: any), version+1; get and list join unit_path;
     * draft_find: the newest draft, any status, of the marker uid of device_id
     * (device_id 0: of person_id without a device); draft_list: status, the
     * draft's unit inside scope_path (NULL: all), newest first (ids < before_id). */
    ph_err (*message_insert)(struct store *st, const struct message *m, int64_t *id);
    ph_err (*message_find)(struct store *st, int64_t from_person_id, int64_t from_device_id,
                           const char *uid, int64_t *id);
    ph_err (*message_get)(struct store *st, struct arena *ar, int64_t id, struct message *out);
    ph_err (*message_list)(struct store *st, struct arena *ar, const struct message_filter *f,
                           const char *scope_path, int64_t person_id, bool is_admin,
                           struct message **items, size_t *n, bool *has_more);
    ph_err (*draft_insert)(struct store *st, const struct incident_draft *d, int64_t *id);
    ph_err (*draft_update)(struct store *st, const struct incident_draft *d);
    ph_err (*draft_get)(struct store *st, struct arena *ar, int64_t id, struct incident_draft *out);
    ph_err (*draft_find)(struct store *st, struct arena *ar, int64_t device_id, int64_t person_id,
                         const char *uid, struct incident_draft *out);
    ph_err (*draft_list)(struct store *st, struct arena *ar, const char *status,
                         const char *scope_path, int64_t before_id, int limit,
                         struct incident_draft **items, size_t *n, bool *has_more);

    /* Hot spots (core/hotspot.h; sqlite_hotspots.c).
     * incident_points: calls on_point once per incident of q, row by row as the
     * statement steps (nothing is gathered: an analysis adds each into its grid),
     * that has a location, cap_status "actual", is not merged, and scope lets see
     * (classification, and with scope->unit_path some recipient inside it; NULL
     * scope: all), in no particular order.
     * hotspot_insert writes the record (every member of h->h but id, version and
     * the joined area_name), h->unit_ids as its responsible units and
     * h->h.incident_ids as its incidents. get joins area_name, the units and,
     * with with_incidents, the incident ids (by id). list: newest first (ids <
     * f->before_id), f->status, f->area_id and below, detected_at in [f->from,
     * f->to), some responsible unit at or below unit_path (NULL: any), and only
     * what scope lets see (classification, and with scope->unit_path some
     * responsible unit inside it). open: every watch or confirmed record, by id.
     * set_status: status and updated_at, version+1, when version matches (0:
     * any). Notes: insert every member but id and person_name; list in id order
     * with the person's name. */
    ph_err (*incident_points)(struct store *st, const struct store_point_query *q,
                              const struct incident_scope *scope,
                              void (*on_point)(void *ctx, const struct store_incident_point *p),
                              void *ctx);
    ph_err (*hotspot_insert)(struct store *st, const struct store_hotspot *h, int64_t *id);
    ph_err (*hotspot_get)(struct store *st, struct arena *ar, int64_t id, bool with_incidents,
                          struct store_hotspot *out);
    ph_err (*hotspot_list)(struct store *st, struct arena *ar, const struct hotspot_filter *f,
                           const char *unit_path, const struct incident_scope *scope,
                           struct store_hotspot **items, size_t *n, bool *has_more);
    ph_err (*hotspot_open)(struct store *st, struct arena *ar, struct store_hotspot **items,
                           size_t *n);
    ph_err (*hotspot_set_status)(struct store *st, int64_t id, int64_t version, const char *status,
                                 int64_t updated_at);
    ph_err (*hotspot_note_insert)(struct store *st, const struct hotspot_note *note, int64_t *id);
    ph_err (*hotspot_notes)(struct store *st, struct arena *ar, int64_t hotspot_id,
                            struct hotspot_note **items, size_t *n);

    /* WAL checkpoints, for core/writer.c (issue 3, ingest). wal_watch: from now
     * on this connection checkpoints nothing by itself after its commits (the
     * default every 1,000 pages is off) and calls fn(ctx, frames) after each
     * commit with the WAL's size in pages; fn NULL restores the default.
     * wal_checkpoint: a PASSIVE checkpoint (copies what no reader still needs,
     * waits for nobody): *wal_frames the WAL's size, *done the frames copied so
     * far; PH_EBUSY when another checkpoint runs. */
    ph_err (*wal_watch)(struct store *st, void (*fn)(void *ctx, int wal_frames), void *ctx);
    ph_err (*wal_checkpoint)(struct store *st, int *wal_frames, int *done);
    /* A read snapshot on a reader's connection: from read_begin to read_end every
     * statement sees the same commit, and SQLite's read lock is taken once rather
     * than per statement (a reader resolving many locations, or reading many rows
     * in several statements). Inside a transaction both do nothing. No writes in
     * it. */
    ph_err (*read_begin)(struct store *st);
    ph_err (*read_end)(struct store *st);

    /* Area history and imports (issue 8; sqlite_areas_history.c, core/area_import.c,
     * core/area_history.c). area_succession_put: insert the succession new <- old,
     * or update its kind and date; *changed (may be NULL) says whether a row was
     * added or changed. area_successions: the successions of area_id, its
     * predecessors when as_new (by old code) else its successors (by new code),
     * codes and names joined. area_import_insert: one area_imports row.
     * area_import_seen: was there a non-dry import of this kind, province (NULL:
     * the whole file), effective date and file hash? */
    ph_err (*area_succession_put)(struct store *st, int64_t new_area_id, int64_t old_area_id,
                                  const char *kind, const char *effective, bool *changed);
    ph_err (*area_successions)(struct store *st, struct arena *ar, int64_t area_id, bool as_new,
                               struct area_succession **items, size_t *n);
    ph_err (*area_import_insert)(struct store *st, const struct store_area_import *imp, int64_t *id);
    ph_err (*area_import_seen)(struct store *st, const char *kind, const char *province,
                               const char *effective, const uint8_t sha256[32], bool *seen);

    /* Area history (issue 8; sqlite_area_history_queries.c, core/area_history.c).
     * area_incidents: calls on_row once per incident with occurred_at in [from,
     * to), cap_status "actual", not merged, that scope lets see (as
     * incident_points; NULL scope: all), located or not, row by row as the
     * statement steps, in no particular order. unit_closed_areas: every unit_areas
     * link whose area closed on or before at (valid_to <= at), by unit then area.
     * unit_area_proposal_put: insert p (unit, old, new, kind, created_at) unless
     * that (unit, old, new) is there already: *id the new row's, 0 when it was there.
     * unit_area_proposal_get / _list (status NULL: any, unit_id 0: any, units at
     * or below unit_path, NULL: any; by id): names joined.
     * unit_area_proposal_decide: an open ("proposed") proposal to status, with
     * decided_at and decided_by; PH_ECONFLICT when it is decided already,
     * PH_ENOTFOUND when there is none. */
    ph_err (*area_incidents)(struct store *st, int64_t from, int64_t to,
                             const struct incident_scope *scope,
                             void (*on_row)(void *ctx, const struct store_area_incident *row),
                             void *ctx);
    ph_err (*unit_closed_areas)(struct store *st, struct arena *ar, const char *at,
                                struct store_unit_area **items, size_t *n);
    ph_err (*unit_area_proposal_put)(struct store *st, const struct unit_area_proposal *p,
                                     int64_t *id);
    ph_err (*unit_area_proposal_get)(struct store *st, struct arena *ar, int64_t id,
                                     struct store_unit_area_proposal *out);
    ph_err (*unit_area_proposal_list)(struct store *st, struct arena *ar, const char *status,
                                      int64_t unit_id, const char *unit_path,
                                      struct store_unit_area_proposal **items, size_t *n);
    ph_err (*unit_area_proposal_decide)(struct store *st, int64_t id, const char *status,
                                        int64_t decided_at, int64_t decided_by);

    /* Hot spots, added (sqlite_hotspots.c; core/hotspot_records.c).
     * hotspot_incidents_visible: the incident ids of record hotspot_id (by id)
     * that scope lets see, by the incident lists' rule (classification, and with
     * scope->unit_path some recipient inside it), in one query. */
    ph_err (*hotspot_incidents_visible)(struct store *st, struct arena *ar, int64_t hotspot_id,
                                        const struct incident_scope *scope, int64_t **ids,
                                        size_t *n);

    /* Area history, operations and positions (sqlite_area_history_queries.c).
     * area_operations: on_row per (operation, area) of each operation not
     * cancelled whose planned interval overlaps [from, to) and that scope lets
     * see (as operation lists), by operation id (area_id 0: none).
     * area_positions: on_row per position with at in [from, to) of a device of
     * a unit at or below scope_path (NULL: any), by device then time. */
    ph_err (*area_operations)(struct store *st, int64_t from, int64_t to,
                              const struct incident_scope *scope,
                              void (*on_row)(void *ctx, const struct store_area_operation *row),
                              void *ctx);
    ph_err (*area_positions)(struct store *st, int64_t from, int64_t to, const char *scope_path,
                             void (*on_row)(void *ctx, const struct store_area_position *row),
                             void *ctx);    /* Several nodes on one database (PostgreSQL; an SQLite file has one node). */
    bool (*shared)(struct store *st);
    ph_err (*listen)(struct store *st, const char *channel);
    ph_err (*notify)(struct store *st, const char *channel, const char *payload);
    ph_err (*wait_notify)(struct store *st, int timeout_ms, struct store_notification *out,
                          bool *got);
    ph_err (*leader_try)(struct store *st, bool *leader);
};

struct store {
    const struct store_ops *ops;
    void *impl; /* the backend's; freed by close */
};

extern const struct store_ops store_sqlite_ops;
extern const struct store_ops store_postgres_ops;

/* Open a connection for dsn: "sqlite:PATH", a bare PATH (SQLite), or
 * "postgres://..." / "postgresql://..." (PostgreSQL: a libpq URL; the database
 * is created when missing). PH_EINVAL for an unknown scheme. Caller frees with store_close. */
ph_err store_open(const char *dsn, struct store **out) __attribute__((warn_unused_result));
void store_close(struct store *st);

/* Thin wrappers, one per op, so that core never touches ops directly. */
ph_err store_schema_version(struct store *st, int *version);
ph_err store_db_size(struct store *st, int64_t *bytes);
ph_err store_tx_begin(struct store *st);
ph_err store_tx_commit(struct store *st);
ph_err store_tx_rollback(struct store *st);
ph_err store_sync_later(struct store *st);
ph_err store_sync(struct store *st);
ph_err store_savepoint(struct store *st);
ph_err store_savepoint_release(struct store *st);
ph_err store_savepoint_rollback(struct store *st);
ph_err store_force_list(struct store *st, struct arena *a, struct store_force **items, size_t *n);
ph_err store_area_insert(struct store *st, const struct area *a, const char *name_folded, int64_t *id);
ph_err store_area_update(struct store *st, const struct area *a, const char *name_folded);
ph_err store_area_delete(struct store *st, int64_t id);
ph_err store_area_get(struct store *st, struct arena *ar, int64_t id, struct area *out);
ph_err store_area_list(struct store *st, struct arena *ar, const struct area_filter *f,
                       struct area **items, size_t *n, bool *has_more);
ph_err store_category_insert(struct store *st, const struct category *c, const char *name_folded, int64_t *id);
ph_err store_category_update(struct store *st, const struct category *c, const char *name_folded);
ph_err store_category_get(struct store *st, struct arena *ar, int64_t id, struct category *out);
ph_err store_category_get_by_code(struct store *st, struct arena *ar, const char *code, struct category *out);
ph_err store_category_list(struct store *st, struct arena *ar, const struct category_filter *f,
                           struct category **items, size_t *n, bool *has_more);
ph_err store_unit_insert(struct store *st, const struct unit *u, const char *name_folded, int64_t *id);
ph_err store_unit_update(struct store *st, const struct unit *u, const char *name_folded);
ph_err store_unit_delete(struct store *st, int64_t id);
ph_err store_unit_get(struct store *st, struct arena *ar, int64_t id, struct unit *out);
ph_err store_unit_list(struct store *st, struct arena *ar, const struct unit_filter *f,
                       struct unit **items, size_t *n, bool *has_more);
ph_err store_unit_responsible(struct store *st, const char *force, int64_t area_id, int64_t *unit_id);
ph_err store_person_insert(struct store *st, const struct person *p, const char *name_folded, int64_t *id);
ph_err store_person_update(struct store *st, const struct person *p, const char *name_folded);
ph_err store_person_get(struct store *st, struct arena *ar, int64_t id, struct person *out);
ph_err store_person_get_by_username(struct store *st, struct arena *ar, const char *username, struct person *out);
ph_err store_person_list(struct store *st, struct arena *ar, const struct person_filter *f,
                         struct person **items, size_t *n, bool *has_more);
ph_err store_person_set_password(struct store *st, int64_t id, const char *password_hash);
ph_err store_person_set_login_state(struct store *st, int64_t id, int failed_logins, int64_t locked_until);
ph_err store_token_insert(struct store *st, const struct store_token *t, int64_t *id);
ph_err store_token_lookup(struct store *st, struct arena *ar, const uint8_t hash[32], struct store_auth *out);
ph_err store_token_revoke(struct store *st, int64_t id, int64_t at);
ph_err store_token_revoke_person(struct store *st, int64_t person_id, int64_t at, int *n);
ph_err store_token_get(struct store *st, struct arena *ar, int64_t id, struct store_token *out);
ph_err store_audit_last(struct store *st, int64_t *seq, uint8_t hash[32]);
ph_err store_audit_insert(struct store *st, const struct audit_entry *e);
ph_err store_audit_page(struct store *st, struct arena *ar, int64_t after_seq, int limit,
                        struct audit_entry **items, size_t *n);
ph_err store_audit_count(struct store *st, int64_t *n);
ph_err store_outbox_insert(struct store *st, const struct store_outbox_event *ev, int64_t *id);
ph_err store_outbox_after(struct store *st, struct arena *ar, int64_t after_id, int limit,
                          struct store_outbox_event **items, size_t *n);
ph_err store_outbox_last_id(struct store *st, int64_t *id);
ph_err store_setting_get(struct store *st, struct arena *ar, const char *key, const char **value);
ph_err store_setting_set(struct store *st, const char *key, const char *value);
ph_err store_area_candidates(struct store *st, struct arena *ar, double lon, double lat, const char *date,
                             struct store_area_candidate **items, size_t *n);
ph_err store_area_within(struct store *st, int64_t area_id, int64_t ancestor_id, bool *within);
ph_err store_incident_ref_next(struct store *st, const char *prefix, int year, int64_t *seq);
ph_err store_incident_insert(struct store *st, const struct incident *inc, int64_t *id);
ph_err store_incident_update(struct store *st, const struct incident *inc);
ph_err store_incident_get(struct store *st, struct arena *ar, int64_t id, int64_t now_ms, struct incident *out);
ph_err store_incident_get_by_ref(struct store *st, struct arena *ar, const char *ref, int64_t now_ms,
                                 struct incident *out);
ph_err store_incident_rev(struct store *st, int64_t id, struct store_incident_rev *out);
ph_err store_incident_list(struct store *st, struct arena *ar, const struct incident_filter *f, int64_t now_ms,
                           struct incident **items, size_t *n, bool *has_more);
ph_err store_incident_recipient_put(struct store *st, int64_t incident_id, const struct incident_recipient *r);
ph_err store_incident_recipients_add(struct store *st, int64_t incident_id,
                                     const struct incident_recipient *rs, size_t n);
ph_err store_incident_recipients(struct store *st, struct arena *ar, int64_t incident_id,
                                 struct incident_recipient **items, size_t *n);
ph_err store_incident_ack_insert(struct store *st, const struct incident_ack *a, int64_t *id);
ph_err store_incident_acks(struct store *st, struct arena *ar, int64_t incident_id, struct incident_ack **items,
                           size_t *n);
ph_err store_incident_event_insert(struct store *st, const struct incident_event *e, int64_t *id);
ph_err store_incident_events(struct store *st, struct arena *ar, int64_t incident_id,
                             struct incident_event **items, size_t *n);
ph_err store_idem_get(struct store *st, int64_t person_id, const char *key, uint8_t request_hash[32],
                      int64_t *incident_id);
ph_err store_idem_put(struct store *st, int64_t person_id, const char *key, const uint8_t request_hash[32],
                      int64_t incident_id, int64_t at);
ph_err store_idem_prune(struct store *st, int64_t before, int *n);
ph_err store_incident_inbox(struct store *st, struct arena *ar, int64_t unit_id, int64_t now_ms,
                            const struct incident_scope *scope, int limit, struct incident_inbox_item **items,
                            size_t *n);
ph_err store_deadline_due(struct store *st, struct arena *ar, int64_t now, int limit, struct store_due **items,
                          size_t *n);
ph_err store_deadline_next(struct store *st, int64_t now, int64_t *at);
ph_err store_deadline_mark(struct store *st, int64_t incident_id, int64_t unit_id, const char *stage, int64_t at);
ph_err store_recipient_mark_escalated(struct store *st, int64_t incident_id, int64_t unit_id, int64_t at);
ph_err store_timeliness_rows(struct store *st, struct arena *ar, const struct stats_period *p,
                             const struct incident_scope *scope, int64_t now,
                             struct store_timeliness_row **items, size_t *n);
ph_err store_incident_counts(struct store *st, struct arena *ar, int64_t from, int64_t to,
                             const struct incident_scope *scope, struct store_incident_count **items,
                             size_t *n);
ph_err store_rule_insert(struct store *st, const struct routing_rule *r, int64_t *id);
ph_err store_rule_update(struct store *st, const struct routing_rule *r);
ph_err store_rule_get(struct store *st, struct arena *ar, int64_t id, struct routing_rule *out);
ph_err store_rule_list(struct store *st, struct arena *ar, const struct routing_rule_filter *f,
                       struct routing_rule **items, size_t *n, bool *has_more);
ph_err store_rule_active(struct store *st, struct arena *ar, struct routing_rule **items, size_t *n);
ph_err store_bulletin_insert(struct store *st, const struct bulletin *b, const char *title_folded,
                             const struct bulletin_recipient *rcpts, size_t n_rcpts, int64_t *id);
ph_err store_bulletin_get(struct store *st, struct arena *ar, int64_t id, int64_t now_ms, struct bulletin *out);
ph_err store_bulletin_list(struct store *st, struct arena *ar, const struct bulletin_filter *f, int64_t now_ms,
                           struct bulletin **items, size_t *n, bool *has_more);
ph_err store_bulletin_recipients(struct store *st, struct arena *ar, int64_t bulletin_id,
                                 struct bulletin_recipient **items, size_t *n);
ph_err store_bulletin_ack(struct store *st, int64_t bulletin_id, int64_t unit_id, int64_t at, int64_t person_id,
                          const char *note);
ph_err store_bulletin_inbox(struct store *st, struct arena *ar, int64_t unit_id, int64_t now_ms,
                            const struct incident_scope *scope, int limit, struct bulletin_inbox_item **items,
                            size_t *n);
ph_err store_bulletin_due(struct store *st, struct arena *ar, int64_t now, int limit,
                          struct store_bulletin_due **items, size_t *n);
ph_err store_bulletin_deadline_next(struct store *st, int64_t now, int64_t *at);
ph_err store_bulletin_mark_overdue(struct store *st, int64_t bulletin_id, int64_t unit_id, int64_t at);
ph_err store_bulletin_period_state(struct store *st, int64_t schedule_id, const char *period_start, bool *sent,
                                   bool *missed);
ph_err store_bulletin_miss_insert(struct store *st, int64_t schedule_id, const char *period_start, int64_t due_at,
                                  int64_t at);
ph_err store_bulletin_schedule_insert(struct store *st, const struct bulletin_schedule *s, int64_t *id);
ph_err store_bulletin_schedule_update(struct store *st, const struct bulletin_schedule *s);
ph_err store_bulletin_schedule_get(struct store *st, struct arena *ar, int64_t id, struct bulletin_schedule *out);
ph_err store_bulletin_schedule_list(struct store *st, struct arena *ar, int64_t unit_id,
                                    const struct incident_scope *scope, int64_t after_id, int limit,
                                    struct bulletin_schedule **items, size_t *n, bool *has_more);
ph_err store_bulletin_schedule_active(struct store *st, struct arena *ar, struct bulletin_schedule **items,
                                      size_t *n);
ph_err store_attachment_blob_put(struct store *st, const uint8_t sha256[32], const void *data, size_t len,
                                 int64_t at, bool *stored);
ph_err store_attachment_insert(struct store *st, const struct attachment *a, int64_t *id);
ph_err store_attachment_count(struct store *st, int64_t incident_id, int64_t *n);
ph_err store_attachment_list(struct store *st, struct arena *ar, int64_t incident_id,
                             struct attachment **items, size_t *n);
ph_err store_attachment_get(struct store *st, struct arena *ar, int64_t incident_id, int64_t id,
                            struct attachment *out, const void **data, size_t *len);
ph_err store_device_insert(struct store *st, const struct device *d, const char *search_folded,
                           int64_t *id);
ph_err store_device_update(struct store *st, const struct device *d, const char *search_folded);
ph_err store_device_get(struct store *st, struct arena *ar, int64_t id, struct device *out);
ph_err store_device_get_by_uid(struct store *st, struct arena *ar, const char *uid, struct device *out);
ph_err store_device_list(struct store *st, struct arena *ar, const struct device_filter *f, const char *path,
                         const char *scope_path, struct device **items, size_t *n, bool *has_more);
ph_err store_device_latest(struct store *st, struct arena *ar, int64_t since, const char *scope_path,
                           struct device **items, size_t *n);
ph_err store_device_of_people(struct store *st, struct arena *ar, const int64_t *people, size_t n_people,
                              struct device **items, size_t *n);
ph_err store_device_set_callsign(struct store *st, int64_t id, const char *callsign, const char *search_folded);
ph_err store_device_set_last(struct store *st, int64_t id, const struct position_point *p);
ph_err store_position_insert(struct store *st, int64_t device_id, const struct position_point *p, bool *stored);
ph_err store_position_range(struct store *st, struct arena *ar, int64_t device_id, int64_t from, int64_t to,
                            int limit, struct position_point **items, size_t *n);
ph_err store_position_first(struct store *st, int64_t device_id, int64_t from, int64_t *at);
ph_err store_retention_get(struct store *st, struct store_retention *out);
ph_err store_retention_put(struct store *st, const struct store_retention *r);
ph_err store_retention_devices(struct store *st, struct arena *ar, int64_t after_id, int limit, int64_t **ids,
                               int64_t **person_ids, size_t *n);
ph_err store_retention_intervals(struct store *st, struct arena *ar, int64_t person_id, int64_t from,
                                 int64_t end, struct store_interval **items, size_t *n);
ph_err store_position_delete_at(struct store *st, int64_t device_id, const int64_t *ats, size_t n);
ph_err store_position_expire(struct store *st, int64_t device_id, int64_t before, int limit, int *deleted);
/* Operations and assets (core/operation.h). */
ph_err store_asset_insert(struct store *st, const struct asset *a, const char *name_folded, int64_t *id);
ph_err store_asset_update(struct store *st, const struct asset *a, const char *name_folded);
ph_err store_asset_get(struct store *st, struct arena *ar, int64_t id, struct asset *out);
ph_err store_asset_list(struct store *st, struct arena *ar, const struct asset_filter *f, struct asset **items,
                        size_t *n, bool *has_more);
ph_err store_operation_insert(struct store *st, const struct operation *o, const char *title_folded, int64_t *id);
ph_err store_operation_update(struct store *st, const struct operation *o, const char *title_folded, bool links);
ph_err store_operation_get(struct store *st, struct arena *ar, int64_t id, struct operation *out);
ph_err store_operation_list(struct store *st, struct arena *ar, const struct operation_filter *f,
                            struct operation **items, size_t *n, bool *has_more);
ph_err store_operation_conflict(struct store *st, bool is_assets, const int64_t *ids, size_t n, int64_t exclude_id,
                                int64_t start, int64_t end, int64_t now, int64_t *which, int64_t *operation_id);
ph_err store_operation_log_insert(struct store *st, const struct operation_log_entry *e, int64_t *id);
ph_err store_operation_log_get(struct store *st, struct arena *ar, int64_t id, struct operation_log_entry *out);
ph_err store_operation_log_list(struct store *st, struct arena *ar, int64_t operation_id, int64_t after_id,
                                int limit, struct operation_log_entry **items, size_t *n, bool *has_more);
ph_err store_operation_summary(struct store *st, int64_t operation_id, struct operation_summary *out);
ph_err store_operation_coverage_rows(struct store *st, struct arena *ar, const struct coverage_query *q,
                                     const struct incident_scope *scope, struct store_coverage_row **items,
                                     size_t *n);
/* Field messages and incident drafts (sqlite_messages.c). */
ph_err store_message_insert(struct store *st, const struct message *m, int64_t *id);
ph_err store_message_find(struct store *st, int64_t from_person_id, int64_t from_device_id,
                          const char *uid, int64_t *id);
ph_err store_message_get(struct store *st, struct arena *ar, int64_t id, struct message *out);
ph_err store_message_list(struct store *st, struct arena *ar, const struct message_filter *f,
                          const char *scope_path, int64_t person_id, bool is_admin,
                          struct message **items, size_t *n, bool *has_more);
ph_err store_draft_insert(struct store *st, const struct incident_draft *d, int64_t *id);
ph_err store_draft_update(struct store *st, const struct incident_draft *d);
ph_err store_draft_get(struct store *st, struct arena *ar, int64_t id, struct incident_draft *out);
ph_err store_draft_find(struct store *st, struct arena *ar, int64_t device_id, int64_t person_id,
                        const char *uid, struct incident_draft *out);
ph_err store_draft_list(struct store *st, struct arena *ar, const char *status, const char *scope_path,
                        int64_t before_id, int limit, struct incident_draft **items, size_t *n,
                        bool *has_more);
/* Hot spots (sqlite_hotspots.c). */
ph_err store_incident_points(struct store *st, const struct store_point_query *q,
                             const struct incident_scope *scope,
                             void (*on_point)(void *ctx, const struct store_incident_point *p), void *ctx);
ph_err store_hotspot_insert(struct store *st, const struct store_hotspot *h, int64_t *id);
ph_err store_hotspot_get(struct store *st, struct arena *ar, int64_t id, bool with_incidents,
                         struct store_hotspot *out);
ph_err store_hotspot_list(struct store *st, struct arena *ar, const struct hotspot_filter *f, const char *unit_path,
                          const struct incident_scope *scope, struct store_hotspot **items, size_t *n,
                          bool *has_more);
ph_err store_hotspot_open(struct store *st, struct arena *ar, struct store_hotspot **items, size_t *n);
ph_err store_hotspot_set_status(struct store *st, int64_t id, int64_t version, const char *status,
                                int64_t updated_at);
ph_err store_hotspot_note_insert(struct store *st, const struct hotspot_note *note, int64_t *id);
ph_err store_hotspot_notes(struct store *st, struct arena *ar, int64_t hotspot_id, struct hotspot_note **items,
                           size_t *n);

/* WAL checkpoints (sqlite.c; core/writer.c). */
ph_err store_wal_watch(struct store *st, void (*fn)(void *ctx, int wal_frames), void *ctx);
ph_err store_wal_checkpoint(struct store *st, int *wal_frames, int *done);
ph_err store_read_begin(struct store *st) __attribute__((warn_unused_result));
ph_err store_read_end(struct store *st);

/* Area history and imports (sqlite_areas_history.c; issue 8). */
ph_err store_area_succession_put(struct store *st, int64_t new_area_id, int64_t old_area_id, const char *kind,
                                 const char *effective, bool *changed);
ph_err store_area_successions(struct store *st, struct arena *ar, int64_t area_id, bool as_new,
                              struct area_succession **items, size_t *n);
ph_err store_area_import_insert(struct store *st, const struct store_area_import *imp, int64_t *id);
ph_err store_area_import_seen(struct store *st, const char *kind, const char *province, const char *effective,
                              const uint8_t sha256[32], bool *seen);
/* Area history: counting, units on closed areas, proposals
 * (sqlite_area_history_queries.c; core/area_history.c). */
ph_err store_area_incidents(struct store *st, int64_t from, int64_t to, const struct incident_scope *scope,
                            void (*on_row)(void *ctx, const struct store_area_incident *row), void *ctx);
ph_err store_unit_closed_areas(struct store *st, struct arena *ar, const char *at, struct store_unit_area **items,
                               size_t *n);
ph_err store_unit_area_proposal_put(struct store *st, const struct unit_area_proposal *p, int64_t *id);
ph_err store_unit_area_proposal_get(struct store *st, struct arena *ar, int64_t id,
                                    struct store_unit_area_proposal *out);
ph_err store_unit_area_proposal_list(struct store *st, struct arena *ar, const char *status, int64_t unit_id,
                                     const char *unit_path, struct store_unit_area_proposal **items, size_t *n);
ph_err store_unit_area_proposal_decide(struct store *st, int64_t id, const char *status, int64_t decided_at,
                                       int64_t decided_by);
/* Hot spots, added (sqlite_hotspots.c). */
ph_err store_hotspot_incidents_visible(struct store *st, struct arena *ar, int64_t hotspot_id,
                                       const struct incident_scope *scope, int64_t **ids, size_t *n);
/* Area history, operations and positions (sqlite_area_history_queries.c). */
ph_err store_area_operations(struct store *st, int64_t from, int64_t to, const struct incident_scope *scope,
                             void (*on_row)(void *ctx, const struct store_area_operation *row), void *ctx);
ph_err store_area_positions(struct store *st, int64_t from, int64_t to, const char *scope_path,
                            void (*on_row)(void *ctx, const struct store_area_position *row), void *ctx);
/* Several nodes on one database (PostgreSQL; events/cluster.c). shared: may
 * other nodes write this database (false for SQLite). listen subscribes this
 * connection to channel; notify sends payload to every listener, at the commit
 * of the open transaction (at once outside one); wait_notify waits up to
 * timeout_ms for one notification (*got false on time-out). leader_try takes
 * or keeps the scheduler's lock, held by this connection's session until it
 * closes or dies: *leader says whether this connection holds it. SQLite: one
 * node, always the leader; listen, notify and wait_notify are PH_EINVAL. */
bool store_shared(struct store *st);
ph_err store_listen(struct store *st, const char *channel);
ph_err store_notify(struct store *st, const char *channel, const char *payload);
ph_err store_wait_notify(struct store *st, int timeout_ms, struct store_notification *out, bool *got);
ph_err store_leader_try(struct store *st, bool *leader);
/* Copy every row of from into to, whichever backend each is (`phoihop migrate`;
 * store_copy.c says how). from is read in one snapshot, to written in one
 * transaction: all or nothing. to must be new, holding only the rows its
 * migrations seed, which the source's replace; anything else there refuses the
 * copy with PH_ECONFLICT (the table is logged) before a row is written. Any
 * other failure (PH_ESTORE, ...) is logged and leaves to as it was. r (may be
 * NULL; each member too) hears how the copy goes. */
struct store_copy_report {
    void *ctx;
    /* Before the first row: the tables to copy and the rows the source has. */
    void (*counted)(void *ctx, size_t tables, int64_t rows);
    /* Rows copied so far, all tables together (every few thousand). */
    void (*progress)(void *ctx, int64_t rows);
    /* A table is copied, with this many rows. */
    void (*table)(void *ctx, const char *table, int64_t rows);
    /* The work after the rows begins: "committing", ... */
    void (*step)(void *ctx, const char *what);
};
ph_err store_copy(struct store *from, struct store *to, const struct store_copy_report *r);
#endif
