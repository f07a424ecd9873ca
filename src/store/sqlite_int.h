/* sqlite_int.h - internals shared by the SQLite backend's files (sqlite.c: the
 * connection, migrations, transactions, forces, areas, categories, audit, outbox;
 * sqlite_people.c: units, people, tokens; sqlite_fts.c: the FTS5 tokenizer;
 * sqlite_incidents.c: incidents, recipients, acknowledgements, timeline,
 * idempotency keys, inboxes, deadlines, timeliness rows; sqlite_rules.c: routing
 * rules, settings, area candidates; sqlite_attachments.c: incident attachments;
 * sqlite_bulletins.c: bulletins, their recipients and schedules).
 * Nothing here leaves store/.
 *
 * Every statement is prepared once per connection, on first use, and cached in
 * struct store_sq by its enum sq_stmt id; after use it is reset and its bindings
 * cleared (store_sq_done), so bound SQLITE_STATIC pointers never outlive a call.
 * The one exception is the incident list, whose text is put together from fixed
 * pieces by the filters given, and prepared per call (sqlite_incidents.c says why). */
#ifndef PH_STORE_SQLITE_INT_H
#define PH_STORE_SQLITE_INT_H
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "store/store.h"
#include "store/store_util.h"
#include "util/arena.h"
#include "util/err.h"

enum sq_stmt {
    SQ_BEGIN,
    SQ_COMMIT,
    SQ_ROLLBACK,
    SQ_SAVEPOINT,
    SQ_RELEASE,
    SQ_ROLLBACK_TO,
    SQ_OP_SAVEPOINT,
    SQ_OP_RELEASE,
    SQ_OP_ROLLBACK_TO,
    SQ_USER_VERSION,
    SQ_PAGE_COUNT,
    SQ_PAGE_SIZE,
    SQ_FORCE_LIST,
    SQ_AREA_INSERT,
    SQ_AREA_UPDATE,
    SQ_AREA_DELETE,
    SQ_AREA_EXISTS,
    SQ_AREA_GET,
    SQ_AREA_LIST,
    SQ_CATEGORY_INSERT,
    SQ_CATEGORY_UPDATE,
    SQ_CATEGORY_EXISTS,
    SQ_CATEGORY_GET,
    SQ_CATEGORY_GET_BY_CODE,
    SQ_CATEGORY_LIST,
    SQ_UNIT_INSERT,
    SQ_UNIT_SET_PATH,
    SQ_UNIT_PATH,
    SQ_UNIT_UPDATE,
    SQ_UNIT_MOVE_SUBTREE,
    SQ_UNIT_DELETE,
    SQ_UNIT_GET,
    SQ_UNIT_LIST,
    SQ_UNIT_AREAS_GET,
    SQ_UNIT_AREAS_CLEAR,
    SQ_UNIT_AREAS_ADD,
    SQ_PERSON_INSERT,
    SQ_PERSON_UPDATE,
    SQ_PERSON_EXISTS,
    SQ_PERSON_GET,
    SQ_PERSON_GET_BY_USERNAME,
    SQ_PERSON_LIST,
    SQ_PERSON_SET_PASSWORD,
    SQ_PERSON_SET_LOGIN_STATE,
    SQ_TOKEN_INSERT,
    SQ_TOKEN_LOOKUP,
    SQ_TOKEN_REVOKE,
    SQ_TOKEN_EXISTS,
    SQ_TOKEN_REVOKE_PERSON,
    SQ_TOKEN_GET,
    SQ_AUDIT_LAST,
    SQ_AUDIT_INSERT,
    SQ_AUDIT_PAGE,
    SQ_AUDIT_COUNT,
    SQ_OUTBOX_INSERT,
    SQ_OUTBOX_AFTER,
    SQ_OUTBOX_LAST_ID,
    SQ_SETTING_GET,
    SQ_SETTING_SET,
    SQ_AREA_CANDIDATES,
    SQ_AREA_WITHIN,
    SQ_INCIDENT_REF_READ,
    SQ_INCIDENT_REF_WRITE,
    SQ_INCIDENT_INSERT,
    SQ_INCIDENT_UPDATE,
    SQ_INCIDENT_EXISTS,
    SQ_INCIDENT_GET,
    SQ_INCIDENT_GET_BY_REF,
    SQ_RECIPIENT_ADD,
    SQ_RECIPIENT_ADD_2,
    SQ_RECIPIENT_ADD_3,
    SQ_RECIPIENT_ADD_4,
    SQ_RECIPIENT_PUT,
    SQ_RECIPIENTS,
    SQ_ACK_INSERT,
    SQ_ACKS,
    SQ_EVENT_INSERT,
    SQ_EVENTS,
    SQ_IDEM_GET,
    SQ_IDEM_PUT,
    SQ_IDEM_PRUNE,
    SQ_INBOX,
    SQ_DEADLINE_DUE,
    SQ_DEADLINE_NEXT,
    SQ_DEADLINE_MARK_ACK,
    SQ_DEADLINE_MARK_VERIFY,
    SQ_RECIPIENT_ESCALATED,
    SQ_TIMELINESS,
    SQ_INCIDENT_COUNTS,
    SQ_RULE_INSERT,
    SQ_RULE_UPDATE,
    SQ_RULE_EXISTS,
    SQ_RULE_GET,
    SQ_RULE_LIST,
    SQ_RULE_ACTIVE,
    SQ_RULE_FORCES_CLEAR,
    SQ_RULE_FORCES_ADD,
    SQ_RULE_UNITS_CLEAR,
    SQ_RULE_UNITS_ADD,
    SQ_FTS_PENDING_TEXT,
    SQ_FTS_TERM_ADD,
    SQ_FTS_INDEX,
    SQ_FTS_CLEAR,
    SQ_FTS_TERMS_PREFIX,
    SQ_UNIT_PATH_OF,
    SQ_LIST_COUNT_UNIT,
    SQ_LIST_COUNT_SCOPE,
    SQ_LIST_COUNT_AREA,
    SQ_LIST_COUNT_BBOX,
    SQ_LIST_COUNT_OVERDUE,
    SQ_LIST_COUNT_TIME,
    SQ_INCIDENT_REV,
    SQ_UNIT_RESPONSIBLE,
    SQ_UNIT_FORCE_TOP,
    SQ_DATA_VERSION,
    SQ_AREAS_BOXED,
    SQ_ATTACH_BLOB_PUT,
    SQ_ATTACH_INSERT,
    SQ_ATTACH_COUNT,
    SQ_ATTACH_LIST,
    SQ_ATTACH_GET,
    SQ_ATTACH_GET_DATA,
    SQ_BULLETIN_INSERT,
    SQ_BULLETIN_FORCE_ADD,
    SQ_BULLETIN_RCPT_ADD,
    SQ_BULLETIN_GET,
    SQ_BULLETIN_LIST,
    SQ_BULLETIN_RCPTS,
    SQ_BULLETIN_ACK,
    SQ_BULLETIN_RCPT_STATE,
    SQ_BULLETIN_INBOX,
    SQ_BULLETIN_DUE,
    SQ_BULLETIN_DEADLINE_NEXT,
    SQ_BULLETIN_MARK_OVERDUE,
    SQ_BULLETIN_PERIOD_STATE,
    SQ_BULLETIN_MISS_INSERT,
    SQ_BULLETIN_UNIT_PATH,
    SQ_SCHEDULE_INSERT,
    SQ_SCHEDULE_UPDATE,
    SQ_SCHEDULE_EXISTS,
    SQ_SCHEDULE_GET,
    SQ_SCHEDULE_LIST,
    SQ_SCHEDULE_ACTIVE,
    SQ_SCHEDULE_UNITS_CLEAR,
    SQ_SCHEDULE_UNITS_ADD,
    SQ_SCHEDULE_FORCES_CLEAR,
    SQ_SCHEDULE_FORCES_ADD,
    /* sqlite_positions.c: devices, positions, retention */
    SQ_DEVICE_INSERT,
    SQ_DEVICE_UPDATE,
    SQ_DEVICE_EXISTS,
    SQ_DEVICE_GET,
    SQ_DEVICE_GET_BY_UID,
    SQ_DEVICE_LIST,
    SQ_DEVICE_LATEST,
    SQ_DEVICE_OF_PERSON,
    SQ_DEVICE_SET_CALLSIGN,
    SQ_DEVICE_SET_LAST,
    SQ_POSITION_INSERT,
    SQ_POSITION_RANGE,
    SQ_POSITION_FIRST,
    SQ_RETENTION_GET,
    SQ_RETENTION_PUT,
    SQ_RETENTION_DEVICES,
    SQ_RETENTION_INTERVALS,
    SQ_POSITION_DELETE_AT,
    SQ_POSITION_EXPIRE,
    /* sqlite_operations.c, sqlite_assets.c: operations, their links and log, assets */
    SQ_ASSET_INSERT,
    SQ_ASSET_UPDATE,
    SQ_ASSET_EXISTS,
    SQ_ASSET_GET,
    SQ_ASSET_LIST,
    SQ_OPERATION_INSERT,
    SQ_OPERATION_UPDATE,
    SQ_OPERATION_EXISTS,
    SQ_OPERATION_GET,
    SQ_OPERATION_LIST,
    SQ_OPERATION_UNITS_OF,
    SQ_OPERATION_UNITS_PAGE,
    SQ_OPERATION_UNIT_PATH,
    SQ_OPERATION_LINKS_CLEAR_UNITS,
    SQ_OPERATION_LINKS_CLEAR_PEOPLE,
    SQ_OPERATION_LINKS_CLEAR_ASSETS,
    SQ_OPERATION_LINKS_CLEAR_AREAS,
    SQ_OPERATION_UNIT_ADD,
    SQ_OPERATION_PERSON_ADD,
    SQ_OPERATION_ASSET_ADD,
    SQ_OPERATION_AREA_ADD,
    SQ_OPERATION_PERSON_CONFLICT,
    SQ_OPERATION_ASSET_CONFLICT,
    SQ_OPERATION_LOG_INSERT,
    SQ_OPERATION_LOG_GET,
    SQ_OPERATION_LOG_LIST,
    SQ_OPERATION_SUMMARY,
    SQ_OPERATION_COVERAGE,
    /* sqlite_messages.c */
    SQ_MESSAGE_INSERT,
    SQ_MESSAGE_FIND,
    SQ_MESSAGE_GET,
    SQ_MESSAGE_LIST,
    SQ_DRAFT_INSERT,
    SQ_DRAFT_UPDATE,
    SQ_DRAFT_EXISTS,
    SQ_DRAFT_GET,
    SQ_DRAFT_FIND,
    SQ_DRAFT_LIST,
    /* sqlite_hotspots.c */
    SQ_INCIDENT_POINTS,
    SQ_HOTSPOT_INSERT,
    SQ_HOTSPOT_UNIT_ADD,
    SQ_HOTSPOT_INCIDENT_ADD,
    SQ_HOTSPOT_GET,
    SQ_HOTSPOT_INCIDENTS,
    SQ_HOTSPOT_LIST,
    SQ_HOTSPOT_OPEN,
    SQ_HOTSPOT_SET_STATUS,
    SQ_HOTSPOT_EXISTS,
    SQ_HOTSPOT_NOTE_INSERT,
    SQ_HOTSPOT_NOTES,
    SQ_HOTSPOT_INCIDENTS_VISIBLE,
    /* sqlite_areas_history.c: successions, area imports (issue 8) */
    SQ_AREA_SUCCESSION_PUT,
    SQ_AREA_PREDECESSORS,
    SQ_AREA_SUCCESSORS,
    SQ_AREA_IMPORT_INSERT,
    SQ_AREA_IMPORT_SEEN,
    /* sqlite_area_history_queries.c: counting by another day's areas, units
     * following the map (issue 8) */
    SQ_AREA_INCIDENTS,
    SQ_UNIT_CLOSED_AREAS,
    SQ_UNIT_AREA_PROPOSAL_PUT,
    SQ_UNIT_AREA_PROPOSAL_GET,
    SQ_UNIT_AREA_PROPOSAL_LIST,
    SQ_UNIT_AREA_PROPOSAL_DECIDE,
    SQ_UNIT_AREA_PROPOSAL_EXISTS,
    /* sqlite_area_history_queries.c: operations and positions by area (issue 8) */
    SQ_AREA_OPERATIONS,
    SQ_AREA_POSITIONS,
    SQ_BEGIN_READ,
    SQ_COUNT
};

/* Responsible units and units kept per connection (struct store_sq):
 * direct-mapped slots. */
#define STORE_SQ_UNIT_MEMO 64
#define STORE_SQ_UNIT_KEPT 256
/* Areas kept per connection for the candidates of a point: at most this many
 * (a province has a few hundred; past that the R*Tree beats a scan). */
#define STORE_SQ_AREAS_KEPT 4096

/* An area as a candidate (its box as the R*Tree area_bbox holds it: single
 * precision, rounded outwards) and its validity; no outline. */
struct store_sq_area_box {
    struct store_area_candidate c;
    const char *valid_from, *valid_to; /* valid_to NULL while valid */
};

/* struct store.impl of the SQLite backend. */
struct store_sq {
    sqlite3 *db;
    /* The WAL file, opened by store_sync_later (-1 until then): store_sync
     * fdatasync()s it, from whichever thread. */
    int wal_fd;
    sqlite3_stmt *stmts[SQ_COUNT]; /* prepared lazily; finalized by close */
    /* Incidents written in the open transaction wait in incidents_fts_pending
     * for store_sq_fts_flush, which tx_commit runs first (migration 003 says why). */
    bool fts_pending;
    /* The reference counter numbered last in the open transaction (tx_begin),
     * kept so that a number costs no statement: read once per transaction and
     * written once, by tx_commit (store_sq_refno_flush), like the index queue.
     * One writer at a time holds the database, so nothing else moves the row
     * meanwhile. refno_saved is its state at the job's savepoint, which a
     * rollback to it restores: a job undone gives its numbers back. */
    struct store_sq_refno {
        char prefix[16]; /* "" when nothing is kept */
        int year;
        int64_t last;
        bool dirty; /* last is not written yet */
    } refno, refno_saved;
    /* Words known to be in incident_terms (committed), so that a flush adds only
     * the new ones, and the words this transaction's flushes added, known once
     * it commits (store_sq_terms_end). sqlite_incidents.c owns both. */
    struct store_sq_words *terms_known, *terms_added;
    /* Reference data kept between calls, because every new incident reads it and
     * it seldom changes: the active routing rules and the areas with their boxes
     * (sqlite_rules.c), the responsible units of (force, area) and units by id
     * (sqlite_people.c). Kept
     * values are used and kept only inside a transaction begun by tx_begin (the
     * writer's batches, the CLI's jobs): outside one every statement reads the
     * latest commit, and telling whether a kept value is still current would
     * cost as much as reading it again. A kept value is good while ref_epoch and
     * PRAGMA data_version are what they were when it was read: this
     * connection's writes of the tables it comes from (rules, units and their
     * areas, areas) move ref_epoch (store_sq_ref_changed), another connection's
     * commit moves data_version (read once per transaction: it cannot move
     * inside one). While ref_written (such a write is in the open transaction,
     * which may still roll back) nothing kept is used and nothing is kept; the
     * transaction's end clears it. */
    bool in_tx; /* between tx_begin and tx_commit or tx_rollback */
    bool ref_written;
    bool tx_version_read; /* tx_data_version holds this transaction's */
    uint64_t ref_epoch;   /* from 1; 0 marks empty slots */
    int64_t tx_data_version;
    struct arena rules_arena;
    struct routing_rule *rules;
    size_t n_rules;
    uint64_t rules_epoch;
    int64_t rules_data_version;
    struct store_sq_unit_memo {
        uint64_t epoch;
        int64_t data_version, area_id, unit_id;
        char force[16];
    } unit_memo[STORE_SQ_UNIT_MEMO];
    struct store_sq_unit_kept {
        uint64_t epoch;
        int64_t data_version;
        struct unit unit; /* strings and area_ids in arena */
        struct arena arena;
    } unit_kept[STORE_SQ_UNIT_KEPT];
    /* Every area with a bounding box (sqlite_rules.c: area candidates), when
     * there are at most STORE_SQ_AREAS_KEPT of them; areas_too_many says there
     * were more at (areas_epoch, areas_data_version). Unlike the other kept
     * values these are also used outside a transaction, checked against PRAGMA
     * data_version read afresh (cheaper than the query they replace). */
    struct arena areas_arena;
    struct store_sq_area_box *areas;
    size_t n_areas;
    uint64_t areas_epoch;
    int64_t areas_data_version;
    bool areas_too_many;
    /* store_wal_watch's callback (sqlite.c): after each commit, the WAL's size. */
    void (*wal_fn)(void *ctx, int wal_frames);
    void *wal_ctx;
    bool read_tx; /* between read_begin and read_end (in_tx is set too) */
};

static inline struct store_sq *store_sq_of(struct store *st)
{
    return st->impl;
}

/* The cached statement id, prepared from sql on first use (sql must be the same
 * text at every call site of id). NULL, logged, when preparing fails. */
sqlite3_stmt *store_sq_stmt(struct store_sq *s, enum sq_stmt id, const char *sql);
/* Reset stmt and clear its bindings; NULL is fine. */
void store_sq_done(sqlite3_stmt *stmt);
/* Map an SQLite result code (extended codes are on) to ph_err: unique, primary
 * key and foreign key violations are PH_ECONFLICT, anything else PH_ESTORE
 * logged with what and the connection's message. */
ph_err store_sq_fail(struct store_sq *s, int sqlite_rc, const char *what);
/* Reference data (struct store_sq): ref_changed records that this connection
 * writes some (call it with every such write, failed or not); ref_check says
 * whether kept values may be used and kept now (*usable false outside a
 * transaction of tx_begin, and while a write of reference data is in it) and,
 * when they may, the connection's data_version to compare them with and tag new
 * ones with. */
void store_sq_ref_changed(struct store_sq *s);
ph_err store_sq_ref_check(struct store_sq *s, bool *usable, int64_t *data_version);

/* Run a cached statement that takes no parameters and returns no rows. */
ph_err store_sq_run(struct store_sq *s, enum sq_stmt id, const char *sql, const char *what);
/* The shapes every operation takes. Each steps stmt, whose bindings are done and
 * e the OR of their results (anything but SQLITE_OK fails without a step, logged
 * like a failed step), maps the outcome to ph_err (failures through
 * store_sq_fail, logged as what) and resets stmt (store_sq_done) before it
 * returns. Outputs are written only on PH_OK. */

/* A statement that returns no rows. *changes (may be NULL) gets the rows it
 * changed. */
ph_err store_sq_write(struct store_sq *s, sqlite3_stmt *stmt, int e, const char *what,
                      int *changes);
/* An INSERT: *id gets the new row's id. */
ph_err store_sq_insert(struct store_sq *s, sqlite3_stmt *stmt, int e, const char *what,
                       int64_t *id);
/* An UPDATE or DELETE of one row: PH_ENOTFOUND when it changed nothing. */
ph_err store_sq_write_one(struct store_sq *s, sqlite3_stmt *stmt, int e, const char *what);
/* An UPDATE of one row that also matches its version: when it changed nothing,
 * store_sq_stale_or_missing(s, exists_id, exists_sql, rowid) says why. */
ph_err store_sq_update_versioned(struct store_sq *s, sqlite3_stmt *stmt, int e, const char *what,
                                 enum sq_stmt exists_id, const char *exists_sql, int64_t rowid);
/* A query for one row: read (may be NULL: only whether there is one) copies it
 * into out, strings in ar; PH_ENOTFOUND when there is no row. */
ph_err store_sq_get(struct store_sq *s, struct arena *ar, sqlite3_stmt *stmt, int e,
                    const char *what, void (*read)(struct arena *ar, sqlite3_stmt *stmt, void *row),
                    void *out);
/* A query for a list: read copies each row into the next elem bytes of a new
 * array in ar, *items (NULL when there are no rows) with *n elements. With limit
 * > 0, at most limit rows are kept; the statement should ask for limit + 1, and
 * *has_more says whether that extra row came. With limit 0, every row is kept
 * (has_more may be NULL). */
ph_err store_sq_rows(struct store_sq *s, struct arena *ar, sqlite3_stmt *stmt, int e,
                     const char *what, size_t elem, int limit,
                     void (*read)(struct arena *ar, sqlite3_stmt *stmt, void *row), void **items,
                     size_t *n, bool *has_more);

/* Does a row with this id exist? sql takes the id as ?1. */
ph_err store_sq_exists(struct store_sq *s, enum sq_stmt id, const char *sql, int64_t rowid,
                       bool *found);
/* After an UPDATE that changed nothing: PH_ESTALE when the row exists (its
 * version did not match), PH_ENOTFOUND when it does not. */
ph_err store_sq_stale_or_missing(struct store_sq *s, enum sq_stmt id, const char *sql,
                                 int64_t rowid);

/* An internal savepoint around an operation of several statements, so that it
 * is all or nothing inside or outside the caller's transaction. op_end releases
 * it when rc is PH_OK, rolls it back otherwise, and returns rc (or the failure
 * of the release). */
ph_err store_sq_op_begin(struct store_sq *s);
ph_err store_sq_op_end(struct store_sq *s, ph_err rc);

/* Binding helpers; they return an SQLite result code. NULL text binds NULL, and
 * so does a zero id (no parent, no unit). Text is bound SQLITE_STATIC: it must
 * outlive the statement's use, which store_sq_done ends. */
int store_sq_bind_text(sqlite3_stmt *stmt, int i, const char *text);
int store_sq_bind_id(sqlite3_stmt *stmt, int i, int64_t id);
/* By name (":kind"), for the statements with optional filters: a name the
 * statement does not use is fine (SQLITE_OK). _range binds lo_name and hi_name to
 * the range of unit paths at or below path (store_path_upper, in ar), both NULL
 * for a NULL or empty path: "(:lo IS NULL OR (path >= :lo AND path < :hi))". */
int store_sq_bind_named_i64(sqlite3_stmt *stmt, const char *name, int64_t v);
int store_sq_bind_named_text(sqlite3_stmt *stmt, const char *name, const char *v);
int store_sq_bind_named_range(struct arena *ar, sqlite3_stmt *stmt, const char *lo_name,
                              const char *hi_name, const char *path);
/* :clearance, :scope_lo and :scope_hi of a caller's scope (core/incident.h); NULL
 * is the system's: every classification and unit. */
int store_sq_bind_scope(struct arena *ar, sqlite3_stmt *stmt, const struct incident_scope *scope);
/* Who may read incident i (core/access.h) with the parameters above: the
 * classification within :clearance and, with a unit range, some unit the
 * incident was sent to (lead or informed) inside it. Every read of incidents for
 * a caller (lists, search, hot spots, counts by area) uses this one rule. */
#define STORE_SQ_INCIDENT_SCOPE                                                                    \
    "i.classification <= :clearance AND (:scope_lo IS NULL OR EXISTS (SELECT 1 "                   \
    "FROM incident_recipients AS sr JOIN units AS su ON su.id = sr.unit_id "                       \
    "WHERE sr.incident_id = i.id AND su.path >= :scope_lo AND su.path < :scope_hi))"
/* The times of a new row: created_at at i (now when 0), updated_at at i + 1
 * (the creation time when 0). */
int store_sq_bind_created(sqlite3_stmt *stmt, int i, int64_t created_at, int64_t updated_at);
/* The text of column i copied into ar; NULL for SQL NULL. */
char *store_sq_col_text(struct arena *ar, sqlite3_stmt *stmt, int i);
/* A 32-byte hash column into out; false (and zeros) when it is not 32 bytes. */
bool store_sq_col_hash(sqlite3_stmt *stmt, int i, uint8_t out[32]);
/* Areas: the columns every area query reads (then geometry, column 11), and the
 * row reader for them (struct area). */
#define STORE_SQ_AREA_COLS                                                                         \
    "id, code, name, level, kind, parent_id, valid_from, valid_to, version, created_at, "          \
    "updated_at"
void store_sq_read_area(struct arena *ar, sqlite3_stmt *stmt, void *row);

/* ---- sqlite_fts.c: the FTS5 tokenizer ------------------------------------ */

/* The name FTS5 tables give it: `fts5(..., tokenize='phoihop')`. */
#define STORE_SQ_FTS_TOKENIZER "phoihop"
/* Folded tokens longer than this many bytes are cut (at a code point). */
#define STORE_SQ_FTS_MAX_TOKEN 256
/* Register the tokenizer on db (every connection, before migrations). PH_ESTORE,
 * logged, when this SQLite has no FTS5. */
ph_err store_sq_fts_register(sqlite3 *db);
/* The tokenizer itself, also for tests and the fuzzer: splits text[0..n) into
 * words (letters, digits, combining marks; invalid UTF-8 separates) and calls
 * on_token, in order, with each word folded like text_fold() (at most
 * STORE_SQ_FTS_MAX_TOKEN bytes, borrowed for the call) and the byte offsets
 * [start, end) of the word in text; tflags is 0. Stops at, and returns, the first
 * result of on_token other than SQLITE_OK; SQLITE_OK otherwise. */
int store_sq_fts_tokenize(void *ctx, const char *text, int n,
                          int (*on_token)(void *ctx, int tflags, const char *token, int ntoken,
                                          int start, int end));

/* The ops of sqlite_people.c, gathered into store_sqlite_ops by sqlite.c. */
ph_err store_sq_unit_insert(struct store *st, const struct unit *u, const char *name_folded,
                            int64_t *id);
ph_err store_sq_unit_update(struct store *st, const struct unit *u, const char *name_folded);
ph_err store_sq_unit_delete(struct store *st, int64_t id);
ph_err store_sq_unit_get(struct store *st, struct arena *ar, int64_t id, struct unit *out);
ph_err store_sq_unit_list(struct store *st, struct arena *ar, const struct unit_filter *f,
                          struct unit **items, size_t *n, bool *has_more);
ph_err store_sq_unit_responsible(struct store *st, const char *force, int64_t area_id,
                                 int64_t *unit_id);
ph_err store_sq_person_insert(struct store *st, const struct person *p, const char *name_folded,
                              int64_t *id);
ph_err store_sq_person_update(struct store *st, const struct person *p, const char *name_folded);
ph_err store_sq_person_get(struct store *st, struct arena *ar, int64_t id, struct person *out);
ph_err store_sq_person_get_by_username(struct store *st, struct arena *ar, const char *username,
                                       struct person *out);
ph_err store_sq_person_list(struct store *st, struct arena *ar, const struct person_filter *f,
                            struct person **items, size_t *n, bool *has_more);
ph_err store_sq_person_set_password(struct store *st, int64_t id, const char *password_hash);
ph_err store_sq_person_set_login_state(struct store *st, int64_t id, int failed_logins,
                                       int64_t locked_until);
ph_err store_sq_token_insert(struct store *st, const struct store_token *t, int64_t *id);
ph_err store_sq_token_lookup(struct store *st, struct arena *ar, const uint8_t hash[32],
                             struct store_auth *out);
ph_err store_sq_token_revoke(struct store *st, int64_t id, int64_t at);
ph_err store_sq_token_revoke_person(struct store *st, int64_t person_id, int64_t at, int *n);
ph_err store_sq_token_get(struct store *st, struct arena *ar, int64_t id, struct store_token *out);

/* Index the incidents queued in incidents_fts_pending (full-text entries and
 * the word list of prefix searches) and empty the queue; in the caller's
 * transaction. sqlite.c runs it before every COMMIT that follows an incident
 * write. */
ph_err store_sq_fts_flush(struct store_sq *s);

/* At the end of a transaction begun by tx_begin, committed or not: the words its
 * flushes added to incident_terms become known, or are forgotten. */
void store_sq_terms_end(struct store_sq *s, bool committed);
/* Free what the connection keeps of incident_terms (close). */
void store_sq_terms_free(struct store_sq *s);

/* Write the kept reference counter (struct store_sq's refno) if it moved; in the
 * caller's transaction. sqlite.c runs it before every COMMIT. */
ph_err store_sq_refno_flush(struct store_sq *s);

/* The ops of sqlite_incidents.c. */
ph_err store_sq_incident_ref_next(struct store *st, const char *prefix, int year, int64_t *seq);
ph_err store_sq_incident_insert(struct store *st, const struct incident *inc, int64_t *id);
ph_err store_sq_incident_update(struct store *st, const struct incident *inc);
ph_err store_sq_incident_get(struct store *st, struct arena *ar, int64_t id, int64_t now_ms,
                             struct incident *out);
ph_err store_sq_incident_get_by_ref(struct store *st, struct arena *ar, const char *ref,
                                    int64_t now_ms, struct incident *out);
ph_err store_sq_incident_rev(struct store *st, int64_t id, struct store_incident_rev *out);
ph_err store_sq_incident_list(struct store *st, struct arena *ar, const struct incident_filter *f,
                              int64_t now_ms, struct incident **items, size_t *n, bool *has_more);
ph_err store_sq_incident_recipients_add(struct store *st, int64_t incident_id,
                                        const struct incident_recipient *rs, size_t n);
ph_err store_sq_incident_recipient_put(struct store *st, int64_t incident_id,
                                       const struct incident_recipient *r);
ph_err store_sq_incident_recipients(struct store *st, struct arena *ar, int64_t incident_id,
                                    struct incident_recipient **items, size_t *n);
ph_err store_sq_incident_ack_insert(struct store *st, const struct incident_ack *a, int64_t *id);
ph_err store_sq_incident_acks(struct store *st, struct arena *ar, int64_t incident_id,
                              struct incident_ack **items, size_t *n);
ph_err store_sq_incident_event_insert(struct store *st, const struct incident_event *e,
                                      int64_t *id);
ph_err store_sq_incident_events(struct store *st, struct arena *ar, int64_t incident_id,
                                struct incident_event **items, size_t *n);
ph_err store_sq_idem_get(struct store *st, int64_t person_id, const char *key,
                         uint8_t request_hash[32], int64_t *incident_id);
ph_err store_sq_idem_put(struct store *st, int64_t person_id, const char *key,
                         const uint8_t request_hash[32], int64_t incident_id, int64_t at);
ph_err store_sq_idem_prune(struct store *st, int64_t before, int *n);
ph_err store_sq_incident_inbox(struct store *st, struct arena *ar, int64_t unit_id, int64_t now_ms,
                               const struct incident_scope *scope, int limit,
                               struct incident_inbox_item **items, size_t *n);
ph_err store_sq_deadline_due(struct store *st, struct arena *ar, int64_t now, int limit,
                             struct store_due **items, size_t *n);
ph_err store_sq_deadline_next(struct store *st, int64_t now, int64_t *at);
ph_err store_sq_deadline_mark(struct store *st, int64_t incident_id, int64_t unit_id,
                              const char *stage, int64_t at);
ph_err store_sq_recipient_mark_escalated(struct store *st, int64_t incident_id, int64_t unit_id,
                                         int64_t at);
ph_err store_sq_timeliness_rows(struct store *st, struct arena *ar, const struct stats_period *p,
                                const struct incident_scope *scope, int64_t now,
                                struct store_timeliness_row **items, size_t *n);
ph_err store_sq_incident_counts(struct store *st, struct arena *ar, int64_t from, int64_t to,
                                const struct incident_scope *scope,
                                struct store_incident_count **items, size_t *n);

/* The ops of sqlite_rules.c. */
ph_err store_sq_setting_get(struct store *st, struct arena *ar, const char *key,
                            const char **value);
ph_err store_sq_setting_set(struct store *st, const char *key, const char *value);
ph_err store_sq_area_candidates(struct store *st, struct arena *ar, double lon, double lat,
                                const char *date, struct store_area_candidate **items, size_t *n);
ph_err store_sq_area_within(struct store *st, int64_t area_id, int64_t ancestor_id, bool *within);
ph_err store_sq_rule_insert(struct store *st, const struct routing_rule *r, int64_t *id);
ph_err store_sq_rule_update(struct store *st, const struct routing_rule *r);
ph_err store_sq_rule_get(struct store *st, struct arena *ar, int64_t id, struct routing_rule *out);
ph_err store_sq_rule_list(struct store *st, struct arena *ar, const struct routing_rule_filter *f,
                          struct routing_rule **items, size_t *n, bool *has_more);
ph_err store_sq_rule_active(struct store *st, struct arena *ar, struct routing_rule **items,
                            size_t *n);

/* The ops of sqlite_attachments.c. */
ph_err store_sq_attachment_blob_put(struct store *st, const uint8_t sha256[32], const void *data,
                                    size_t len, int64_t at, bool *stored);
ph_err store_sq_attachment_insert(struct store *st, const struct attachment *a, int64_t *id);
ph_err store_sq_attachment_count(struct store *st, int64_t incident_id, int64_t *n);
ph_err store_sq_attachment_list(struct store *st, struct arena *ar, int64_t incident_id,
                                struct attachment **items, size_t *n);
ph_err store_sq_attachment_get(struct store *st, struct arena *ar, int64_t incident_id, int64_t id,
                               struct attachment *out, const void **data, size_t *len);
/* The ops of sqlite_bulletins.c. */
ph_err store_sq_bulletin_insert(struct store *st, const struct bulletin *b,
                                const char *title_folded, const struct bulletin_recipient *rcpts,
                                size_t n_rcpts, int64_t *id);
ph_err store_sq_bulletin_get(struct store *st, struct arena *ar, int64_t id, int64_t now_ms,
                             struct bulletin *out);
ph_err store_sq_bulletin_list(struct store *st, struct arena *ar, const struct bulletin_filter *f,
                              int64_t now_ms, struct bulletin **items, size_t *n, bool *has_more);
ph_err store_sq_bulletin_recipients(struct store *st, struct arena *ar, int64_t bulletin_id,
                                    struct bulletin_recipient **items, size_t *n);
ph_err store_sq_bulletin_ack(struct store *st, int64_t bulletin_id, int64_t unit_id, int64_t at,
                             int64_t person_id, const char *note);
ph_err store_sq_bulletin_inbox(struct store *st, struct arena *ar, int64_t unit_id, int64_t now_ms,
                               const struct incident_scope *scope, int limit,
                               struct bulletin_inbox_item **items, size_t *n);
ph_err store_sq_bulletin_due(struct store *st, struct arena *ar, int64_t now, int limit,
                             struct store_bulletin_due **items, size_t *n);
ph_err store_sq_bulletin_deadline_next(struct store *st, int64_t now, int64_t *at);
ph_err store_sq_bulletin_mark_overdue(struct store *st, int64_t bulletin_id, int64_t unit_id,
                                      int64_t at);
ph_err store_sq_bulletin_period_state(struct store *st, int64_t schedule_id,
                                      const char *period_start, bool *sent, bool *missed);
ph_err store_sq_bulletin_miss_insert(struct store *st, int64_t schedule_id,
                                     const char *period_start, int64_t due_at, int64_t at);
ph_err store_sq_bulletin_schedule_insert(struct store *st, const struct bulletin_schedule *s,
                                         int64_t *id);
ph_err store_sq_bulletin_schedule_update(struct store *st, const struct bulletin_schedule *s);
ph_err store_sq_bulletin_schedule_get(struct store *st, struct arena *ar, int64_t id,
                                      struct bulletin_schedule *out);
ph_err store_sq_bulletin_schedule_list(struct store *st, struct arena *ar, int64_t unit_id,
                                       const struct incident_scope *scope, int64_t after_id,
                                       int limit, struct bulletin_schedule **items, size_t *n,
                                       bool *has_more);
ph_err store_sq_bulletin_schedule_active(struct store *st, struct arena *ar,
                                         struct bulletin_schedule **items, size_t *n);
/* The ops of sqlite_positions.c. */
ph_err store_sq_device_insert(struct store *st, const struct device *d, const char *search_folded,
                              int64_t *id);
ph_err store_sq_device_update(struct store *st, const struct device *d, const char *search_folded);
ph_err store_sq_device_get(struct store *st, struct arena *ar, int64_t id, struct device *out);
ph_err store_sq_device_get_by_uid(struct store *st, struct arena *ar, const char *uid,
                                  struct device *out);
ph_err store_sq_device_list(struct store *st, struct arena *ar, const struct device_filter *f,
                            const char *path, const char *scope_path, struct device **items,
                            size_t *n, bool *has_more);
ph_err store_sq_device_latest(struct store *st, struct arena *ar, int64_t since,
                              const char *scope_path, struct device **items, size_t *n);
ph_err store_sq_device_of_people(struct store *st, struct arena *ar, const int64_t *people,
                                 size_t n_people, struct device **items, size_t *n);
ph_err store_sq_device_set_callsign(struct store *st, int64_t id, const char *callsign,
                                    const char *search_folded);
ph_err store_sq_device_set_last(struct store *st, int64_t id, const struct position_point *p);
ph_err store_sq_position_insert(struct store *st, int64_t device_id,
                                const struct position_point *p, bool *stored);
ph_err store_sq_position_range(struct store *st, struct arena *ar, int64_t device_id, int64_t from,
                               int64_t to, int limit, struct position_point **items, size_t *n);
ph_err store_sq_position_first(struct store *st, int64_t device_id, int64_t from, int64_t *at);
ph_err store_sq_retention_get(struct store *st, struct store_retention *out);
ph_err store_sq_retention_put(struct store *st, const struct store_retention *r);
ph_err store_sq_retention_devices(struct store *st, struct arena *ar, int64_t after_id, int limit,
                                  int64_t **ids, int64_t **person_ids, size_t *n);
ph_err store_sq_retention_intervals(struct store *st, struct arena *ar, int64_t person_id,
                                    int64_t from, int64_t end, struct store_interval **items,
                                    size_t *n);
ph_err store_sq_position_delete_at(struct store *st, int64_t device_id, const int64_t *ats,
                                   size_t n);
ph_err store_sq_position_expire(struct store *st, int64_t device_id, int64_t before, int limit,
                                int *deleted);

/* The ops of sqlite_assets.c and sqlite_operations.c. */
ph_err store_sq_asset_insert(struct store *st, const struct asset *a, const char *name_folded,
                             int64_t *id);
ph_err store_sq_asset_update(struct store *st, const struct asset *a, const char *name_folded);
ph_err store_sq_asset_get(struct store *st, struct arena *ar, int64_t id, struct asset *out);
ph_err store_sq_asset_list(struct store *st, struct arena *ar, const struct asset_filter *f,
                           struct asset **items, size_t *n, bool *has_more);
ph_err store_sq_operation_insert(struct store *st, const struct operation *o,
                                 const char *title_folded, int64_t *id);
ph_err store_sq_operation_update(struct store *st, const struct operation *o,
                                 const char *title_folded, bool links);
ph_err store_sq_operation_get(struct store *st, struct arena *ar, int64_t id,
                              struct operation *out);
ph_err store_sq_operation_list(struct store *st, struct arena *ar, const struct operation_filter *f,
                               struct operation **items, size_t *n, bool *has_more);
ph_err store_sq_operation_conflict(struct store *st, bool is_assets, const int64_t *ids, size_t n,
                                   int64_t exclude_id, int64_t start, int64_t end, int64_t now,
                                   int64_t *which, int64_t *operation_id);
ph_err store_sq_operation_log_insert(struct store *st, const struct operation_log_entry *e,
                                     int64_t *id);
ph_err store_sq_operation_log_get(struct store *st, struct arena *ar, int64_t id,
                                  struct operation_log_entry *out);
ph_err store_sq_operation_log_list(struct store *st, struct arena *ar, int64_t operation_id,
                                   int64_t after_id, int limit, struct operation_log_entry **items,
                                   size_t *n, bool *has_more);
ph_err store_sq_operation_summary(struct store *st, int64_t operation_id,
                                  struct operation_summary *out);
ph_err store_sq_operation_coverage_rows(struct store *st, struct arena *ar,
                                        const struct coverage_query *q,
                                        const struct incident_scope *scope,
                                        struct store_coverage_row **items, size_t *n);
/* The ops of sqlite_messages.c: field messages and incident drafts. */
ph_err store_sq_message_insert(struct store *st, const struct message *m, int64_t *id);
ph_err store_sq_message_find(struct store *st, int64_t from_person_id, int64_t from_device_id,
                             const char *uid, int64_t *id);
ph_err store_sq_message_get(struct store *st, struct arena *ar, int64_t id, struct message *out);
ph_err store_sq_message_list(struct store *st, struct arena *ar, const struct message_filter *f,
                             const char *scope_path, int64_t person_id, bool is_admin,
                             struct message **items, size_t *n, bool *has_more);
ph_err store_sq_draft_insert(struct store *st, const struct incident_draft *d, int64_t *id);
ph_err store_sq_draft_update(struct store *st, const struct incident_draft *d);
ph_err store_sq_draft_get(struct store *st, struct arena *ar, int64_t id,
                          struct incident_draft *out);
ph_err store_sq_draft_find(struct store *st, struct arena *ar, int64_t device_id,
                           int64_t person_id, const char *uid, struct incident_draft *out);
ph_err store_sq_draft_list(struct store *st, struct arena *ar, const char *status,
                           const char *scope_path, int64_t before_id, int limit,
                           struct incident_draft **items, size_t *n, bool *has_more);
/* The ops of sqlite_hotspots.c: analyses' incident stream, hotspot records. */
ph_err store_sq_incident_points(struct store *st, const struct store_point_query *q,
                                const struct incident_scope *scope,
                                void (*on_point)(void *ctx, const struct store_incident_point *p),
                                void *ctx);
ph_err store_sq_hotspot_insert(struct store *st, const struct store_hotspot *h, int64_t *id);
ph_err store_sq_hotspot_get(struct store *st, struct arena *ar, int64_t id, bool with_incidents,
                            struct store_hotspot *out);
ph_err store_sq_hotspot_list(struct store *st, struct arena *ar, const struct hotspot_filter *f,
                             const char *unit_path, const struct incident_scope *scope,
                             struct store_hotspot **items, size_t *n, bool *has_more);
ph_err store_sq_hotspot_open(struct store *st, struct arena *ar, struct store_hotspot **items,
                             size_t *n);
ph_err store_sq_hotspot_set_status(struct store *st, int64_t id, int64_t version,
                                   const char *status, int64_t updated_at);
ph_err store_sq_hotspot_note_insert(struct store *st, const struct hotspot_note *note, int64_t *id);
ph_err store_sq_hotspot_notes(struct store *st, struct arena *ar, int64_t hotspot_id,
                              struct hotspot_note **items, size_t *n);
ph_err store_sq_hotspot_incidents_visible(struct store *st, struct arena *ar, int64_t hotspot_id,
                                          const struct incident_scope *scope, int64_t **ids,
                                          size_t *n);
/* sqlite_areas_history.c: area successions and imports (issue 8). */
ph_err store_sq_area_succession_put(struct store *st, int64_t new_area_id, int64_t old_area_id,
                                    const char *kind, const char *effective, bool *changed);
ph_err store_sq_area_successions(struct store *st, struct arena *ar, int64_t area_id, bool as_new,
                                 struct area_succession **items, size_t *n);
ph_err store_sq_area_import_insert(struct store *st, const struct store_area_import *imp,
                                   int64_t *id);
ph_err store_sq_area_import_seen(struct store *st, const char *kind, const char *province,
                                 const char *effective, const uint8_t sha256[32], bool *seen);
/* sqlite_area_history_queries.c: counting by another day's areas, units
 * following the map (issue 8). */
ph_err store_sq_area_incidents(struct store *st, int64_t from, int64_t to,
                               const struct incident_scope *scope,
                               void (*on_row)(void *ctx, const struct store_area_incident *row),
                               void *ctx);
ph_err store_sq_unit_closed_areas(struct store *st, struct arena *ar, const char *at,
                                  struct store_unit_area **items, size_t *n);
ph_err store_sq_unit_area_proposal_put(struct store *st, const struct unit_area_proposal *p,
                                       int64_t *id);
ph_err store_sq_unit_area_proposal_get(struct store *st, struct arena *ar, int64_t id,
                                       struct store_unit_area_proposal *out);
ph_err store_sq_unit_area_proposal_list(struct store *st, struct arena *ar, const char *status,
                                        int64_t unit_id, const char *unit_path,
                                        struct store_unit_area_proposal **items, size_t *n);
ph_err store_sq_unit_area_proposal_decide(struct store *st, int64_t id, const char *status,
                                          int64_t decided_at, int64_t decided_by);
/* sqlite_area_history_queries.c: operations and positions by area (issue 8). */
ph_err store_sq_area_operations(struct store *st, int64_t from, int64_t to,
                                const struct incident_scope *scope,
                                void (*on_row)(void *ctx, const struct store_area_operation *row),
                                void *ctx);
ph_err store_sq_area_positions(struct store *st, int64_t from, int64_t to, const char *scope_path,
                               void (*on_row)(void *ctx, const struct store_area_position *row),
                               void *ctx);
/* sqlite_alloc.c: SQLite's allocator with per-thread caches of freed blocks;
 * called once, before SQLite initialises (sqlite.c, configure_library). */
void store_sq_alloc_install(void);
#endif
