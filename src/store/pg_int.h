/* pg_int.h - internals shared by the PostgreSQL backend's files: its own parts
 * (pg_conn.c: the connection and migrations; pg_exec.c: statements and pipeline
 * mode; pg_kept.c: kept answers; pg_args.c, pg_result.c: parameters and columns;
 * postgres.c: transactions, the outbox, cluster coordination, the ops table) and
 * the domains (pg_directory.c: forces, areas, categories and audit;
 * pg_people.c, pg_incidents.c, pg_rules.c, pg_assets.c, pg_attachments.c,
 * pg_bulletins.c, pg_positions.c, pg_operations.c, pg_messages.c, pg_hotspots.c,
 * pg_areas_history.c, pg_area_history_queries.c: the same domains as their
 * sqlite_*.c twins). Nothing here leaves store/.
 *
 * The schema (schema/postgres/NNN_*.sql) mirrors the SQLite one table by table
 * and column by column, with the same migration versions: INTEGER is BIGINT,
 * REAL is DOUBLE PRECISION, TEXT is TEXT, BLOB is BYTEA, and flags stay 0/1
 * integers, so that `phoihop migrate` copies rows as they are. What SQLite does
 * with virtual tables is done with plain ones: the search words of an incident
 * are a tsvector column (pg_incidents.c), area boxes a table kept by the store.
 * The database must compare text as bytes, like SQLite (LC_COLLATE "C"): unit
 * paths and search words are ranged by byte order; open refuses any other.
 *
 * Statements: every statement text is a string literal (or a fixed macro), and
 * is prepared once per connection on first use, cached by the address of its
 * text (pg_exec). Text put together per call goes through pg_exec_dyn
 * (unnamed, planned per call). Parameters are $1, $2, ... bound through struct
 * pg_args: text format for everything but bytea (binary). Results come back in
 * text format and are read with the pg_col_* helpers. Write the casts
 * PostgreSQL needs where a parameter's type is not clear from its use
 * ($1::bigint, $2::text IS NULL).
 *
 * Unlike SQLite, a failed statement aborts the whole PostgreSQL transaction.
 * Operations of several statements that must be all or nothing inside the
 * caller's transaction use pg_op_begin/pg_op_end (a savepoint), as the SQLite
 * store does; a statement expected to fail as part of normal work (a unique
 * key clash reported as PH_ECONFLICT that the caller handles and goes on) must
 * run inside one, so that the transaction survives it. */
#ifndef PH_STORE_PG_INT_H
#define PH_STORE_PG_INT_H
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "store/store.h"
#include "store/store_util.h"
#include "util/arena.h"
#include "util/err.h"

/* Advisory lock keys (one namespace for the whole database), as SQL text:
 * "phoiho" and a number. */
#define PG_LOCK_MIGRATE "8099846428340219905"   /* session lock while migrating */
#define PG_LOCK_WRITE "8099846428340219906"    /* xact lock: one writer at a time (tx_begin);
                                                 * also taken by the trigger ref_rev_bump (013) */
/* A write transaction's start: BEGIN, then the write lock (one simple query). */
#define PG_BEGIN_WRITE "BEGIN; SELECT pg_advisory_xact_lock(" PG_LOCK_WRITE ")"
#define PG_LOCK_SCHEDULER "8099846428340219907" /* session lock of the scheduling node */
/* The channels of LISTEN/NOTIFY (events/cluster.c). */
#define PG_CHANNEL_OUTBOX "phoihop_outbox"

struct pg_stmt_slot {
    const char *sql; /* the key: the literal's address */
    unsigned name;   /* prepared as "s<name>" */
};
#define PG_STMT_SLOTS 1024 /* power of two; more statements than this grow it */
#define PG_LATER_MAX 64    /* writes queued before a sync point is forced */
#define PG_KEPT_BUDGET (8 << 20) /* bytes of kept answers per connection, at most */

/* Reference data kept per connection (struct store_pg): direct-mapped slots of
 * responsible units and units, and at most PG_AREAS_KEPT boxed areas. */
#define PG_UNIT_MEMO 64
#define PG_UNIT_KEPT 256
#define PG_AREAS_KEPT 4096
/* Answers of pg_get_kept: slots (PG_KEPT_BUDGET bounds their bytes). */
#define PG_RESULTS_KEPT 64

/* An area as a candidate (its box as area_bbox holds it) and its validity; no
 * outline. */
struct pg_area_box {
    struct store_area_candidate c;
    const char *valid_from, *valid_to; /* valid_to NULL while valid */
};

/* struct store.impl of the PostgreSQL backend. */
struct store_pg {
    PGconn *conn;
    struct pg_stmt_slot *slots;
    size_t n_slots, cap_slots;
    unsigned next_name;
    bool in_tx;   /* between tx_begin and tx_commit or tx_rollback */
    bool read_tx; /* between read_begin and read_end */
    int op_depth; /* pg_op_begin nesting */
    bool leader; /* this session holds PG_LOCK_SCHEDULER */
    /* Statements sent in pipeline mode and not answered yet (pg_write_later),
     * oldest first: what each does, for its error. At most PG_LATER_MAX
     * writes, and the statement that waits for them all. */
    const char *later[PG_LATER_MAX + 1];
    int n_later;
    /* Numbers a write transaction reads then writes, kept once read or written
     * in it (the write lock keeps other writers out until its end), so that
     * only its first incident waits for them: the audit chain's head
     * (pg_directory.c) and the last incident number of a prefix and year
     * (pg_incidents.c). Forgotten at its end and when a savepoint is rolled
     * back (pg_tx_kept_forget). */
    bool audit_head_known;
    int64_t audit_head_seq;
    uint8_t audit_head_hash[32];
    bool ref_counter_known;
    int ref_counter_year;
    int64_t ref_counter_last;
    char ref_counter_prefix[32];
    /* Reference data kept between calls, as the SQLite store keeps it, because
     * every new incident reads it and it seldom changes: the active routing
     * rules and the boxed areas (pg_rules.c), the responsible units of (force,
     * area) and units by id (pg_people.c). The table ref_rev (schema 013) holds
     * a revision that every statement writing those tables moves, in its
     * transaction, after taking the write lock. A value is kept with the
     * revision and ref_epoch it was read at, and used only inside a
     * transaction: one of tx_begin, which reads the revision in the same round
     * trip as it takes the write lock (nothing else writes reference data
     * until it ends), or a read transaction (one snapshot: the revision is read
     * once, at the first use). While ref_written (this connection wrote
     * reference data in the open transaction, which may still roll back)
     * nothing kept is used and nothing is kept. ref_epoch moves with each such
     * write (pg_ref_changed) and each reconnection. */
    bool ref_written;
    bool tx_rev_known; /* tx_ref_rev holds the open transaction's revision */
    int64_t tx_ref_rev;
    uint64_t ref_epoch; /* from 1; 0 marks empty slots */
    struct arena rules_arena;
    struct routing_rule *rules;
    size_t n_rules;
    uint64_t rules_epoch;
    int64_t rules_rev;
    struct pg_unit_memo {
        uint64_t epoch;
        int64_t rev, area_id, unit_id;
        char force[16];
    } unit_memo[PG_UNIT_MEMO];
    struct pg_unit_kept {
        uint64_t epoch;
        int64_t rev;
        struct unit unit; /* strings and area_ids in arena */
        struct arena arena;
    } unit_kept[PG_UNIT_KEPT];
    struct pg_result_kept {
        uint64_t epoch; /* 0: empty */
        int64_t rev;
        const char *sql; /* the statement's literal */
        char *key;       /* its parameters (xmalloc) */
        PGresult *res;
        size_t bytes;    /* of its values */
    } results_kept[PG_RESULTS_KEPT];
    size_t kept_bytes;  /* of all kept answers */
    uint64_t kept_hits; /* answers given from what was kept (tests read it) */
    struct arena areas_arena;
    struct pg_area_box *areas;
    size_t n_areas;
    uint64_t areas_epoch;
    int64_t areas_rev;
    bool areas_too_many; /* there were more than PG_AREAS_KEPT at (areas_epoch, areas_rev) */
};

static inline struct store_pg *store_pg_of(struct store *st)
{
    return st->impl;
}

/* May numbers be kept now (struct store_pg: a write transaction)? */
static inline bool pg_tx_keeps(const struct store_pg *p)
{
    return p->in_tx && !p->read_tx;
}

static inline void pg_tx_kept_forget(struct store_pg *p)
{
    p->audit_head_known = false;
    p->ref_counter_known = false;
}

/* Reference data (struct store_pg): ref_changed records that this connection
 * writes some (call it before every such write); ref_check says whether kept
 * values may be used and kept now (*usable false outside a transaction, and
 * while a write of reference data is in it) and, when they may, the revision
 * to compare them with and tag new ones with (and ref_epoch). */
void pg_ref_changed(struct store_pg *p);
ph_err pg_ref_check(struct store_pg *p, bool *usable, int64_t *rev);

/* ---- parameters ------------------------------------------------------------------- */

#define PG_ARGS_MAX 64
struct pg_args {
    int n;
    bool overflow; /* more than PG_ARGS_MAX: the statement fails, logged */
    const char *v[PG_ARGS_MAX];
    int len[PG_ARGS_MAX];
    int fmt[PG_ARGS_MAX];
    char num[PG_ARGS_MAX][32];
};
/* Each appends the next parameter ($n+1). text NULL binds NULL; _id binds NULL
 * for 0 (no parent, no unit), as store_sq_bind_id does. Strings are borrowed:
 * they must live until the statement has run. */
void pg_arg_text(struct pg_args *a, const char *text);
void pg_arg_i64(struct pg_args *a, int64_t v);
void pg_arg_id(struct pg_args *a, int64_t id);
void pg_arg_f64(struct pg_args *a, double v);
void pg_arg_null(struct pg_args *a);
/* Binary bytes (a bytea parameter); data NULL binds NULL. */
void pg_arg_bytes(struct pg_args *a, const void *data, size_t len);
/* Arrays, for "= ANY($n::bigint[])" and unnest(): the literal is made in ar. */
void pg_arg_ids(struct pg_args *a, struct arena *ar, const int64_t *ids, size_t n);
void pg_arg_texts(struct pg_args *a, struct arena *ar, const char *const *texts, size_t n);
/* A caller's scope (core/incident.h): three parameters, the clearance, then the
 * low and high ends of the unit range (both NULL for the system's NULL scope or
 * an empty path). Returns the number of the first ($k); use PG_INCIDENT_SCOPE. */
int pg_arg_scope(struct pg_args *a, struct arena *ar, const struct incident_scope *scope);
/* The range of unit paths at or below path: two parameters, both NULL for NULL
 * or "" (store_path_upper). Returns the number of the first. */
int pg_arg_range(struct pg_args *a, struct arena *ar, const char *path);
/* The times of a new row: created_at (now when 0), then updated_at (the
 * creation time when 0); as store_sq_bind_created. */
void pg_arg_created(struct pg_args *a, int64_t created_at, int64_t updated_at);

/* Who may read incident i, with the three scope parameters at $C, $LO, $HI
 * (pg_arg_scope): the same rule as STORE_SQ_INCIDENT_SCOPE. C, LO and HI are
 * number literals: PG_INCIDENT_SCOPE(4, 5, 6). */
#define PG_INCIDENT_SCOPE(C, LO, HI)                                                               \
    "i.classification <= $" #C " AND ($" #LO "::text IS NULL OR EXISTS (SELECT 1 "                 \
    "FROM incident_recipients AS sr JOIN units AS su ON su.id = sr.unit_id "                       \
    "WHERE sr.incident_id = i.id AND su.path >= $" #LO "::text AND su.path < $" #HI "::text))"

/* ---- running statements ----------------------------------------------------------- */

/* Run sql (a literal: cached by address) with args (NULL: none). On success *res
 * (never NULL) holds the result, which the caller PQclear()s. Failures are
 * mapped: unique and foreign-key violations PH_ECONFLICT, serialization failures
 * and deadlocks PH_EBUSY, anything else PH_ESTORE; logged with what. */
ph_err pg_exec(struct store_pg *p, const char *sql, const struct pg_args *a, const char *what,
               PGresult **res);
/* The same for text made per call (never cached). */
ph_err pg_exec_dyn(struct store_pg *p, const char *sql, const struct pg_args *a, const char *what,
                   PGresult **res);
/* A statement without parameters or rows (BEGIN, SAVEPOINT ...). */
ph_err pg_run(struct store_pg *p, const char *sql, const char *what);
/* The shapes every operation takes, as in sqlite_int.h. Outputs are written only
 * on PH_OK. */
/* A statement without rows; *changes (may be NULL) gets the rows it changed. */
ph_err pg_write(struct store_pg *p, const char *sql, const struct pg_args *a, const char *what,
                int *changes);
/* An INSERT ... RETURNING id: *id gets it. */
ph_err pg_insert(struct store_pg *p, const char *sql, const struct pg_args *a, const char *what,
                 int64_t *id);
/* An UPDATE or DELETE of one row: PH_ENOTFOUND when it changed nothing. */
ph_err pg_write_one(struct store_pg *p, const char *sql, const struct pg_args *a,
                    const char *what);
/* An UPDATE of one row that also matches its version: when it changed nothing,
 * PH_ESTALE when exists_sql ("SELECT 1 FROM t WHERE id = $1") finds the row,
 * PH_ENOTFOUND when it does not. */
ph_err pg_update_versioned(struct store_pg *p, const char *sql, const struct pg_args *a,
                           const char *what, const char *exists_sql, int64_t rowid);
/* A write whose answer can wait (no rows, no count, and any failure fails the
 * job): inside a write transaction it is sent in pipeline mode and answered
 * with the next statement that waits for its own answer (pg_exec and the
 * shapes above, in the same round trip when that statement was prepared
 * before; a first use, pg_exec_dyn and a streamed query answer them first),
 * at the latest by the job's savepoint release, an operation's end
 * (pg_op_end) or the commit; that statement then fails with this one's error,
 * as the whole transaction does (logged, naming this one). Outside a write
 * transaction it runs at once. Parameters are copied when it is sent. */
ph_err pg_write_later(struct store_pg *p, const char *sql, const struct pg_args *a,
                      const char *what);
/* Answers every write still waiting: the first failure's error. */
ph_err pg_flush(struct store_pg *p);
/* Reads row `row` of res into out (strings in ar). */
typedef void (*pg_read_fn)(struct arena *ar, const PGresult *res, int row, void *out);
/* A query for one row: read (may be NULL) copies it into out; PH_ENOTFOUND
 * when there is no row. */
ph_err pg_get(struct store_pg *p, struct arena *ar, const char *sql, const struct pg_args *a,
              const char *what, pg_read_fn read, void *out);
/* pg_get of reference data (a table whose writes move ref_rev, schema 013 and
 * 014): the answer, found or not, is kept with its parameters and used again
 * while pg_ref_check allows (struct store_pg). A statement with a binary
 * parameter, and an answer that would pass PG_KEPT_BUDGET, is not kept. */
ph_err pg_get_kept(struct store_pg *p, struct arena *ar, const char *sql, const struct pg_args *a,
                   const char *what, pg_read_fn read, void *out);
/* A query for a list, as store_sq_rows: elem bytes per row in a new array in ar
 * (*items NULL when there are none); with limit > 0 at most limit rows are kept
 * (ask for limit + 1) and *has_more says whether the extra one came. */
ph_err pg_rows(struct store_pg *p, struct arena *ar, const char *sql, const struct pg_args *a,
               const char *what, size_t elem, int limit, pg_read_fn read, void **items,
               size_t *n, bool *has_more);
/* The same two for text made per call. */
ph_err pg_rows_dyn(struct store_pg *p, struct arena *ar, const char *sql, const struct pg_args *a,
                   const char *what, size_t elem, int limit, pg_read_fn read, void **items,
                   size_t *n, bool *has_more);
/* One int64 from the first column of the first row (*v 0 for SQL NULL);
 * PH_ENOTFOUND without a row. */
ph_err pg_get_i64(struct store_pg *p, const char *sql, const struct pg_args *a, const char *what,
                  int64_t *v);
/* Does a row with this id exist? sql takes the id as $1. */
ph_err pg_exists(struct store_pg *p, const char *sql, int64_t rowid, bool *found);
/* A savepoint around an operation of several statements (see above): op_end
 * releases it when rc is PH_OK, rolls back to it otherwise, and returns rc. */
ph_err pg_op_begin(struct store_pg *p);
ph_err pg_op_end(struct store_pg *p, ph_err rc);

/* ---- reading results -------------------------------------------------------------- */

bool pg_col_null(const PGresult *res, int row, int col);
int64_t pg_col_i64(const PGresult *res, int row, int col); /* NULL: 0 */
int pg_col_int(const PGresult *res, int row, int col);
double pg_col_f64(const PGresult *res, int row, int col); /* NULL: 0 */
/* 't', 'true' or a non-zero number. */
bool pg_col_bool(const PGresult *res, int row, int col);
/* The text copied into ar; NULL for SQL NULL. */
char *pg_col_text(struct arena *ar, const PGresult *res, int row, int col);
/* A bytea column (text format "\x..."), decoded into ar; NULL for SQL NULL. */
void *pg_col_bytes(struct arena *ar, const PGresult *res, int row, int col, size_t *len);
/* A 32-byte hash column into out; false (and zeros) when it is not 32 bytes. */
bool pg_col_hash(const PGresult *res, int row, int col, uint8_t out[32]);

/* Areas: the columns every area query reads (then geometry, column 11), and the
 * row reader for them (struct area), as STORE_SQ_AREA_COLS. */
#define PG_AREA_COLS                                                                               \
    "id, code, name, level, kind, parent_id, valid_from, valid_to, version, created_at, "          \
    "updated_at"
void pg_read_area(struct arena *ar, const PGresult *res, int row, void *out);

/* ---- shared by the backend's own files (pg_exec.c, pg_kept.c, pg_conn.c, postgres.c) -- */

/* A failed result's SQLSTATE mapped to ph_err (unique and foreign key clashes
 * PH_ECONFLICT, serialization failures and deadlocks PH_EBUSY, the rest logged
 * with what and PH_ESTORE). */
ph_err pg_fail(struct store_pg *p, const PGresult *res, const char *what);
/* sql prepared on this connection once (its name in name), from then on found
 * by its text. */
ph_err pg_prepared(struct store_pg *p, const char *sql, const char *what, char name[16]);
/* Answer every write sent ahead (pipeline mode); the last result in *last when
 * last is not NULL. The first failure among them is the result. */
ph_err pg_pipe_sync(struct store_pg *p, PGresult **last);
/* The first row of res read by read into out; PH_ENOTFOUND when there is none. */
ph_err pg_first_row(const PGresult *res, struct arena *ar, pg_read_fn read, void *out);
/* Forget one kept answer (its bytes leave the budget). */
void pg_kept_clear(struct store_pg *p, struct pg_result_kept *k);
/* When the connection is lost (never inside a transaction or operation): connect
 * again, forgetting prepared statements and leadership, and read kept answers anew. */
void pg_reconnect(struct store_pg *p);
/* The ops of the connection (pg_conn.c) that postgres.c's ops table names. */
ph_err pg_open(struct store *st, const char *dsn);
void pg_close(struct store *st);
ph_err pg_schema_version(struct store *st, int *version);
ph_err pg_db_size(struct store *st, int64_t *bytes);

/* ---- the ops of each file, gathered into store_postgres_ops by postgres.c --------- */
#include "store/pg_ops.h"

/* pg_incidents.c: compute incidents.search (the folded words of title,
 * description and ref) for every incident whose search is NULL, in batches;
 * `phoihop migrate` runs it after copying incidents from SQLite. */
ph_err store_pg_incident_search_fill(struct store_pg *p);
#endif
