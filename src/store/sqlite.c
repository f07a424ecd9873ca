/* sqlite.c - the SQLite backend of store.h: one connection per struct store,
 * opened in WAL mode with synchronous=FULL (an acknowledged write survives a
 * power cut; the writer's connection switches to NORMAL and syncs the WAL
 * itself, sq_sync_later) and foreign keys on, schema migrations embedded in the binary, and
 * every statement prepared once and cached. Units, people and tokens live in
 * sqlite_people.c, incidents in sqlite_incidents.c, routing rules, settings and
 * area lookups in sqlite_rules.c; the shared helpers are declared in
 * sqlite_int.h. */
#include "util/base.h"
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>
#include "store/sqlite_int.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/embed.h"
#include "util/limits.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/time.h"

/* ---- migrations ---------------------------------------------------------- */

/* Forward only: version N is reached by applying N's file to a database at N-1.
 * A file, once released, never changes; a change is a new file. */
static const struct migration {
    int version;
    const char *path; /* its name in util/embed.h's table */
} migrations[] = {
    {1, "src/store/schema/sqlite/001_foundation.sql"},
    {2, "src/store/schema/sqlite/002_categories.sql"},
    {3, "src/store/schema/sqlite/003_incidents.sql"},
    {4, "src/store/schema/sqlite/004_bulletins.sql"},
    {5, "src/store/schema/sqlite/005_attachments.sql"},
    {6, "src/store/schema/sqlite/006_defensive_zone.sql"},
    {7, "src/store/schema/sqlite/007_operations.sql"},
    {8, "src/store/schema/sqlite/008_positions.sql"},
    {9, "src/store/schema/sqlite/009_field_messages.sql"},
    {10, "src/store/schema/sqlite/010_ingest.sql"},
    {11, "src/store/schema/sqlite/011_hotspots.sql"},
    {12, "src/store/schema/sqlite/012_ingest_fts.sql"},
    {13, "src/store/schema/sqlite/013_geography.sql"},
    {14, "src/store/schema/sqlite/014_kept.sql"},
};
_Static_assert(PH_NELEM(migrations) == STORE_SCHEMA_VERSION,
               "one migration per schema version, the last one is STORE_SCHEMA_VERSION");

/* ---- shared helpers ------------------------------------------------------ */

sqlite3_stmt *store_sq_stmt(struct store_sq *s, enum sq_stmt id, const char *sql)
{
    if (s->stmts[id] == NULL && sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
                                                   &s->stmts[id], NULL) != SQLITE_OK) {
        log_warn("store/sqlite: prepare statement %d: %s", (int)id, sqlite3_errmsg(s->db));
        s->stmts[id] = NULL;
    }
    return s->stmts[id];
}

void store_sq_done(sqlite3_stmt *stmt)
{
    if (stmt == NULL)
        return;
    /* reset repeats the last step's error, which the caller has already handled */
    (void)sqlite3_reset(stmt);
    (void)sqlite3_clear_bindings(stmt);
}

ph_err store_sq_fail(struct store_sq *s, int sqlite_rc, const char *what)
{
    switch (sqlite_rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
    case SQLITE_CONSTRAINT_FOREIGNKEY:
        log_debug("store/sqlite: %s: %s", what, sqlite3_errmsg(s->db));
        return PH_ECONFLICT;
    default:
        log_warn("store/sqlite: %s: %s (%s)", what, sqlite3_errmsg(s->db),
                 sqlite3_errstr(sqlite_rc));
        return PH_ESTORE;
    }
}

ph_err store_sq_run(struct store_sq *s, enum sq_stmt id, const char *sql, const char *what)
{
    sqlite3_stmt *stmt = store_sq_stmt(s, id, sql);
    if (stmt == NULL)
        return PH_ESTORE;
    int e = sqlite3_step(stmt);
    ph_err rc = e == SQLITE_DONE || e == SQLITE_ROW ? PH_OK : store_sq_fail(s, e, what);
    store_sq_done(stmt);
    return rc;
}

/* ---- statement shapes: write, one row, a list of rows ------------------------- */

/* Step a write statement once and reset it; *changes and *rowid (each may be
 * NULL) are read before the reset. */
static ph_err write_step(struct store_sq *s, sqlite3_stmt *stmt, int e, const char *what,
                         int *changes, int64_t *rowid)
{
    ph_err rc = PH_OK;

    if (e == SQLITE_OK)
        e = sqlite3_step(stmt);
    if (e != SQLITE_DONE) {
        rc = store_sq_fail(s, e, what);
    } else {
        if (changes != NULL)
            *changes = sqlite3_changes(s->db);
        if (rowid != NULL)
            *rowid = sqlite3_last_insert_rowid(s->db);
    }
    store_sq_done(stmt);
    return rc;
}

ph_err store_sq_write(struct store_sq *s, sqlite3_stmt *stmt, int e, const char *what, int *changes)
{
    return write_step(s, stmt, e, what, changes, NULL);
}

ph_err store_sq_insert(struct store_sq *s, sqlite3_stmt *stmt, int e, const char *what, int64_t *id)
{
    return write_step(s, stmt, e, what, NULL, id);
}

ph_err store_sq_write_one(struct store_sq *s, sqlite3_stmt *stmt, int e, const char *what)
{
    int changes = 0;
    ph_err rc = write_step(s, stmt, e, what, &changes, NULL);

    if (rc == PH_OK && changes == 0)
        rc = PH_ENOTFOUND;
    return rc;
}

ph_err store_sq_update_versioned(struct store_sq *s, sqlite3_stmt *stmt, int e, const char *what,
                                 enum sq_stmt exists_id, const char *exists_sql, int64_t rowid)
{
    int changes = 0;
    ph_err rc = write_step(s, stmt, e, what, &changes, NULL);

    if (rc == PH_OK && changes == 0)
        rc = store_sq_stale_or_missing(s, exists_id, exists_sql, rowid);
    return rc;
}

ph_err store_sq_get(struct store_sq *s, struct arena *ar, sqlite3_stmt *stmt, int e,
                    const char *what, void (*read)(struct arena *ar, sqlite3_stmt *stmt, void *row),
                    void *out)
{
    ph_err rc = PH_OK;

    if (e == SQLITE_OK)
        e = sqlite3_step(stmt);
    if (e == SQLITE_ROW) {
        if (read != NULL)
            read(ar, stmt, out);
    } else if (e == SQLITE_DONE) {
        rc = PH_ENOTFOUND;
    } else {
        rc = store_sq_fail(s, e, what);
    }
    store_sq_done(stmt);
    return rc;
}

/* Room for one more element of size elem in the arena array items holding n,
 * with capacity *cap: grows by doubling (the old copy stays in the arena). */
static void *grow(struct arena *ar, void *items, size_t n, size_t *cap, size_t elem)
{
    if (n < *cap)
        return items;
    size_t ncap = *cap == 0 ? 8 : 2 * *cap;
    void *p = arena_alloc(ar, ncap * elem);
    if (n > 0)
        memcpy(p, items, n * elem);
    *cap = ncap;
    return p;
}

ph_err store_sq_rows(struct store_sq *s, struct arena *ar, sqlite3_stmt *stmt, int e,
                     const char *what, size_t elem, int limit,
                     void (*read)(struct arena *ar, sqlite3_stmt *stmt, void *row), void **items,
                     size_t *n, bool *has_more)
{
    char *list = NULL;
    size_t count = 0, cap = 0;
    ph_err rc = PH_OK;

    /* Step before the count test: with a limit, the row after the last one kept
     * is read to learn whether there are more. */
    if (e == SQLITE_OK) {
        while ((e = sqlite3_step(stmt)) == SQLITE_ROW && (limit <= 0 || count < (size_t)limit)) {
            list = grow(ar, list, count, &cap, elem);
            read(ar, stmt, list + count++ * elem);
        }
    }
    if (e == SQLITE_ROW || e == SQLITE_DONE) {
        *items = list;
        *n = count;
        if (has_more != NULL)
            *has_more = e == SQLITE_ROW;
    } else {
        rc = store_sq_fail(s, e, what);
    }
    store_sq_done(stmt);
    return rc;
}

ph_err store_sq_exists(struct store_sq *s, enum sq_stmt id, const char *sql, int64_t rowid,
                       bool *found)
{
    sqlite3_stmt *stmt = store_sq_stmt(s, id, sql);
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    rc = store_sq_get(s, NULL, stmt, sqlite3_bind_int64(stmt, 1, rowid), "look up row", NULL, NULL);
    if (rc == PH_OK || rc == PH_ENOTFOUND) {
        *found = rc == PH_OK;
        rc = PH_OK;
    }
    return rc;
}

ph_err store_sq_stale_or_missing(struct store_sq *s, enum sq_stmt id, const char *sql,
                                 int64_t rowid)
{
    bool found = false;
    ph_err rc = store_sq_exists(s, id, sql, rowid, &found);
    if (rc != PH_OK)
        return rc;
    return found ? PH_ESTALE : PH_ENOTFOUND;
}

void store_sq_ref_changed(struct store_sq *s)
{
    s->ref_epoch++;
    if (!sqlite3_get_autocommit(s->db))
        s->ref_written = true;
}

ph_err store_sq_ref_check(struct store_sq *s, bool *usable, int64_t *data_version)
{
    sqlite3_stmt *stmt;
    ph_err rc = PH_OK;
    int e;

    *usable = false;
    /* An error may have rolled the transaction back under us: autocommit. */
    if (!s->in_tx || s->ref_written || sqlite3_get_autocommit(s->db))
        return PH_OK;
    if (!s->tx_version_read) {
        /* It moves when another connection commits (not for this one's commits). */
        if ((stmt = store_sq_stmt(s, SQ_DATA_VERSION, "PRAGMA data_version")) == NULL)
            return PH_ESTORE;
        if ((e = sqlite3_step(stmt)) == SQLITE_ROW) {
            s->tx_data_version = sqlite3_column_int64(stmt, 0);
            s->tx_version_read = true;
        } else {
            rc = store_sq_fail(s, e, "data version");
        }
        store_sq_done(stmt);
        if (rc != PH_OK)
            return rc;
    }
    *data_version = s->tx_data_version;
    *usable = true;
    return PH_OK;
}

#define SQL_OP_SAVEPOINT "SAVEPOINT ph_op"
#define SQL_OP_RELEASE "RELEASE ph_op"
#define SQL_OP_ROLLBACK_TO "ROLLBACK TO ph_op"

ph_err store_sq_op_begin(struct store_sq *s)
{
    return store_sq_run(s, SQ_OP_SAVEPOINT, SQL_OP_SAVEPOINT, "savepoint");
}

ph_err store_sq_op_end(struct store_sq *s, ph_err rc)
{
    if (rc == PH_OK)
        return store_sq_run(s, SQ_OP_RELEASE, SQL_OP_RELEASE, "release savepoint");
    /* Some errors (I/O, a full disk) roll back the whole transaction and with it
     * the savepoint; then there is nothing left to undo. */
    if (!sqlite3_get_autocommit(s->db) &&
        (store_sq_run(s, SQ_OP_ROLLBACK_TO, SQL_OP_ROLLBACK_TO, "rollback to savepoint") != PH_OK ||
         store_sq_run(s, SQ_OP_RELEASE, SQL_OP_RELEASE, "release savepoint") != PH_OK))
        return PH_ESTORE;
    return rc;
}

int store_sq_bind_text(sqlite3_stmt *stmt, int i, const char *text)
{
    if (text == NULL)
        return sqlite3_bind_null(stmt, i);
    return sqlite3_bind_text(stmt, i, text, -1, SQLITE_STATIC);
}

int store_sq_bind_named_i64(sqlite3_stmt *stmt, const char *name, int64_t v)
{
    int i = sqlite3_bind_parameter_index(stmt, name);
    return i > 0 ? sqlite3_bind_int64(stmt, i, v) : SQLITE_OK;
}

int store_sq_bind_named_text(sqlite3_stmt *stmt, const char *name, const char *v)
{
    int i = sqlite3_bind_parameter_index(stmt, name);
    return i > 0 ? store_sq_bind_text(stmt, i, v) : SQLITE_OK;
}

int store_sq_bind_named_range(struct arena *ar, sqlite3_stmt *stmt, const char *lo_name,
                              const char *hi_name, const char *path)
{
    if (path != NULL && path[0] == '\0')
        path = NULL;
    return store_sq_bind_named_text(stmt, lo_name, path) |
           store_sq_bind_named_text(stmt, hi_name, store_path_upper(ar, path));
}

int store_sq_bind_scope(struct arena *ar, sqlite3_stmt *stmt, const struct incident_scope *scope)
{
    return store_sq_bind_named_i64(stmt, ":clearance", scope != NULL ? scope->clearance : 3) |
           store_sq_bind_named_range(ar, stmt, ":scope_lo", ":scope_hi",
                                     scope != NULL ? scope->unit_path : NULL);
}

int store_sq_bind_id(sqlite3_stmt *stmt, int i, int64_t id)
{
    if (id == 0)
        return sqlite3_bind_null(stmt, i);
    return sqlite3_bind_int64(stmt, i, id);
}

int store_sq_bind_created(sqlite3_stmt *stmt, int i, int64_t created_at, int64_t updated_at)
{
    int64_t created = store_time_or_now(created_at);

    return sqlite3_bind_int64(stmt, i, created) |
           sqlite3_bind_int64(stmt, i + 1, updated_at != 0 ? updated_at : created);
}

char *store_sq_col_text(struct arena *ar, sqlite3_stmt *stmt, int i)
{
    const unsigned char *t = sqlite3_column_text(stmt, i);
    if (t == NULL)
        return NULL;
    return arena_strndup(ar, (const char *)t, (size_t)sqlite3_column_bytes(stmt, i));
}

bool store_sq_col_hash(sqlite3_stmt *stmt, int i, uint8_t out[32])
{
    const void *b = sqlite3_column_blob(stmt, i);
    if (b == NULL || sqlite3_column_bytes(stmt, i) != 32) {
        memset(out, 0, 32);
        return false;
    }
    memcpy(out, b, 32);
    return true;
}

/* ---- connection ---------------------------------------------------------- */

#define SQL_BEGIN "BEGIN IMMEDIATE"
#define SQL_COMMIT "COMMIT"
#define SQL_ROLLBACK "ROLLBACK"
#define SQL_USER_VERSION "PRAGMA user_version"

static void close_impl(struct store_sq *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < SQ_COUNT; i++)
        sqlite3_finalize(s->stmts[i]); /* harmless on NULL */
    arena_release(&s->rules_arena);
    for (size_t i = 0; i < STORE_SQ_UNIT_KEPT; i++)
        arena_release(&s->unit_kept[i].arena);
    arena_release(&s->areas_arena);
    store_sq_terms_free(s);
    sqlite3_close_v2(s->db);
    if (s->wal_fd >= 0)
        close(s->wal_fd);
    free(s);
}

/* Run a PRAGMA (constant text) and copy the first column of its first row, if
 * any, into out. */
static ph_err pragma(struct store_sq *s, const char *sql, char *out, size_t size)
{
    sqlite3_stmt *stmt = NULL;
    ph_err rc = PH_OK;
    int e = sqlite3_prepare_v2(s->db, sql, -1, &stmt, NULL);

    if (out != NULL && size > 0)
        out[0] = '\0';
    if (e == SQLITE_OK) {
        while ((e = sqlite3_step(stmt)) == SQLITE_ROW) {
            const char *t = (const char *)sqlite3_column_text(stmt, 0);
            if (out != NULL && out[0] == '\0' && t != NULL)
                snprintf(out, size, "%s", t);
        }
    }
    if (e != SQLITE_DONE) {
        log_error("store/sqlite: %s: %s", sql, sqlite3_errmsg(s->db));
        rc = PH_ESTORE;
    }
    sqlite3_finalize(stmt); /* harmless on NULL */
    return rc;
}

static ph_err configure(struct store_sq *s, bool is_memory)
{
    char val[32];
    ph_err rc;

    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, 5000);
    if ((rc = pragma(s, "PRAGMA foreign_keys = ON", NULL, 0)) != PH_OK ||
        (rc = pragma(s, "PRAGMA foreign_keys", val, sizeof(val))) != PH_OK)
        return rc;
    if (strcmp(val, "1") != 0) {
        log_error("store/sqlite: this SQLite does not enforce foreign keys");
        return PH_ESTORE;
    }
    if (is_memory)
        return PH_OK;
    /* WAL: readers never wait for the writer. FULL: in WAL mode NORMAL may lose
     * the last commits on power loss, and commits here are acknowledged writes. */
    /* Switching a fresh file to WAL needs its exclusive lock for a moment. Two
     * connections doing it at once can each hold what the other waits for, and
     * SQLite then answers SQLITE_BUSY at once instead of calling the busy handler
     * (it would deadlock): try again, a bounded number of times. */
    for (int attempt = 0;; attempt++) {
        rc = pragma(s, "PRAGMA journal_mode = WAL", val, sizeof(val));
        if (rc == PH_OK || (sqlite3_errcode(s->db) & 0xff) != SQLITE_BUSY || attempt == 100)
            break;
        struct timespec pause = {0, 20 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    if (rc != PH_OK)
        return rc;
    if (strcmp(val, "wal") != 0) {
        log_error("store/sqlite: cannot switch to WAL mode (journal mode is '%s')", val);
        return PH_ESTORE;
    }
    /* The writer runs each job of a group commit in its own savepoint, whose undo
     * log (the statement journal, which every statement with a trigger or a
     * foreign key also writes) would go to a file in /var/tmp once it passes
     * 64 KiB: one incident passes that, and the pwrite calls cost more than the
     * rest of the job. temp_store = MEMORY kept it in memory, but in pieces of
     * 1 KiB, a malloc and a free each, four per page journaled (measured: 13% of
     * the instructions of a new incident); configure_library() keeps it in
     * memory instead (see STMT_JOURNAL_MEMORY_BYTES), and temporary tables stay where
     * SQLite puts them (in memory until they outgrow their cache). A page cache
     * of 32 MiB (the default is 2 MiB) holds a whole batch's changed pages, so
     * they reach the WAL once, at commit, rather than spilled mid-transaction;
     * it is a ceiling, filled only as pages are read. */
    if ((rc = pragma(s, "PRAGMA cache_size = -32768", NULL, 0)) != PH_OK)
        return rc;
    return pragma(s, "PRAGMA synchronous = FULL", NULL, 0);
}

/* A cached single-value PRAGMA or query. */
static ph_err pragma_i64(struct store_sq *s, enum sq_stmt id, const char *sql, int64_t *v)
{
    sqlite3_stmt *stmt = store_sq_stmt(s, id, sql);
    ph_err rc = PH_OK;
    int e;

    if (stmt == NULL)
        return PH_ESTORE;
    if ((e = sqlite3_step(stmt)) == SQLITE_ROW)
        *v = sqlite3_column_int64(stmt, 0);
    else
        rc = store_sq_fail(s, e, sql);
    store_sq_done(stmt);
    return rc;
}

static ph_err pragma_int(struct store_sq *s, enum sq_stmt id, const char *sql, int *v)
{
    int64_t wide = 0;
    ph_err rc = pragma_i64(s, id, sql, &wide);
    if (rc == PH_OK)
        *v = (int)wide;
    return rc;
}

static ph_err read_user_version(struct store_sq *s, int *version)
{
    return pragma_int(s, SQ_USER_VERSION, SQL_USER_VERSION, version);
}

static ph_err refuse_newer(int version)
{
    log_error("database schema version %d is newer than this phoihop knows (%d): upgrade phoihop",
              version, STORE_SCHEMA_VERSION);
    return PH_ESCHEMA;
}

/* Apply m in its own transaction. BEGIN IMMEDIATE takes the write lock first, so
 * when several connections open a fresh file at once one migrates and the others,
 * re-reading the version under the lock, find the work done. */
static ph_err apply_migration(struct store_sq *s, const struct migration *m)
{
    const struct embedded_file *f = embed_find(m->path);
    char *msg = NULL;
    char set_version[64];
    int version = 0;
    bool applied = false;
    ph_err rc;

    if (f == NULL) {
        log_error("store/sqlite: migration %s is not built into this phoihop", m->path);
        return PH_ESTORE;
    }
    if ((rc = store_sq_run(s, SQ_BEGIN, SQL_BEGIN, "begin migration")) != PH_OK)
        return rc;
    if ((rc = read_user_version(s, &version)) != PH_OK)
        goto out;
    if (version > STORE_SCHEMA_VERSION) {
        rc = refuse_newer(version);
        goto out;
    }
    if (version < m->version) { /* else another connection got here first */
        if (sqlite3_exec(s->db, (const char *)f->data, NULL, NULL, &msg) != SQLITE_OK) {
            log_error("store/sqlite: migration %s: %s", m->path, msg != NULL ? msg : "failed");
            rc = PH_ESTORE;
            goto out;
        }
        /* PRAGMA takes no parameters; the number is ours, not input. */
        snprintf(set_version, sizeof(set_version), "PRAGMA user_version = %d", m->version);
        if ((rc = pragma(s, set_version, NULL, 0)) != PH_OK)
            goto out;
        applied = true;
    }
    rc = store_sq_run(s, SQ_COMMIT, SQL_COMMIT, "commit migration");
out:
    sqlite3_free(msg);
    if (rc != PH_OK && !sqlite3_get_autocommit(s->db))
        (void)store_sq_run(s, SQ_ROLLBACK, SQL_ROLLBACK, "roll back migration");
    if (rc == PH_OK && applied)
        log_info("store/sqlite: database schema migrated to version %d", m->version);
    return rc;
}

static ph_err migrate(struct store_sq *s)
{
    int version = 0;
    ph_err rc = read_user_version(s, &version);
    if (rc != PH_OK)
        return rc;
    if (version > STORE_SCHEMA_VERSION)
        return refuse_newer(version);
    for (size_t i = 0; i < PH_NELEM(migrations) && rc == PH_OK; i++)
        if (migrations[i].version > version)
            rc = apply_migration(s, &migrations[i]);
    return rc;
}

/* The undo log of savepoints and statements (the statement journal) stays in
 * memory up to this size, and grows by pieces of this size; see configure(). */
/* -1: statement journals never spill to a file. With a 1 MiB spill (one piece
 * in memory, then a file in /var/tmp) the FTS flush of a 10,000-incident
 * transaction (bench/search_bench's bulk load) failed with SQLITE_FULL on a disk
 * with room to spare, cause not yet found; until it is, journals stay in memory,
 * in SQLite's 1 KiB pieces (docs/PERFORMANCE.md, "Writer cost"). */
#define STMT_JOURNAL_MEMORY_BYTES (-1)

/* Library-wide settings, which SQLite takes only before it initialises. A
 * program that initialised SQLite earlier keeps its settings; that is harmless.
 *  - Memory statistics off: with them on, every allocation and free of every
 *    connection takes one process-wide mutex to count bytes that nothing here
 *    reads (measured: 8% of the instructions of a new incident).
 *  - The statement journal kept in memory (STMT_JOURNAL_MEMORY_BYTES) rather
 *    than in a file in /var/tmp once past 64 KiB (configure() says why).
 *  - The allocator of sqlite_alloc.c, which keeps freed blocks per thread.
 * A larger lookaside (SQLite's allocator of small objects per connection) would
 * be next, but Debian builds SQLite with SQLITE_OMIT_LOOKASIDE. */
static pthread_once_t configured_once = PTHREAD_ONCE_INIT;

static void configure_library(void)
{
    store_sq_alloc_install();
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    (void)sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, STMT_JOURNAL_MEMORY_BYTES);
    (void)sqlite3_initialize();
}

static ph_err sq_open(struct store *st, const char *dsn)
{
    struct store_sq *s = xcalloc(1, sizeof(*s));
    s->wal_fd = -1;
    ph_err rc = PH_ESTORE;
    int e;

    s->ref_epoch = 1; /* kept values of epoch 0 are empty slots */
    pthread_once(&configured_once, configure_library);

    if (dsn == NULL || dsn[0] == '\0') { /* "" would be a private temporary file */
        log_error("store/sqlite: no database file given");
        rc = PH_EINVAL;
        goto out;
    }
    /* NOMUTEX: each connection is used by one thread at a time. */
    e = sqlite3_open_v2(dsn, &s->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (e != SQLITE_OK) {
        log_error("store/sqlite: cannot open %s: %s", dsn,
                  s->db != NULL ? sqlite3_errmsg(s->db) : sqlite3_errstr(e));
        goto out;
    }
    if ((rc = configure(s, strcmp(dsn, ":memory:") == 0)) != PH_OK ||
        (rc = store_sq_fts_register(s->db)) != PH_OK || (rc = migrate(s)) != PH_OK)
        goto out;
    st->impl = s;
out:
    if (rc != PH_OK)
        close_impl(s);
    return rc;
}

static void sq_close(struct store *st)
{
    close_impl(st->impl);
    st->impl = NULL;
}

static ph_err sq_schema_version(struct store *st, int *version)
{
    return read_user_version(store_sq_of(st), version);
}

static ph_err sq_db_size(struct store *st, int64_t *bytes)
{
    struct store_sq *s = store_sq_of(st);
    int64_t pages = 0, page_size = 0;
    ph_err rc;

    if ((rc = pragma_i64(s, SQ_PAGE_COUNT, "PRAGMA page_count", &pages)) != PH_OK ||
        (rc = pragma_i64(s, SQ_PAGE_SIZE, "PRAGMA page_size", &page_size)) != PH_OK)
        return rc;
    int64_t total = pages * page_size;
    /* Recent commits may still sit in the WAL file until a checkpoint. */
    const char *file = sqlite3_db_filename(s->db, "main");
    if (file != NULL && file[0] != '\0') {
        char *wal = sqlite3_mprintf("%s-wal", file);
        struct stat sb;
        if (wal != NULL && stat(wal, &sb) == 0)
            total += (int64_t)sb.st_size;
        sqlite3_free(wal);
    }
    *bytes = total;
    return PH_OK;
}

/* ---- transactions -------------------------------------------------------- */

#define SQL_SAVEPOINT "SAVEPOINT ph_job"
#define SQL_RELEASE "RELEASE ph_job"
#define SQL_ROLLBACK_TO "ROLLBACK TO ph_job"

static ph_err sq_tx_begin(struct store *st)
{
    struct store_sq *s = store_sq_of(st);
    ph_err rc = store_sq_run(s, SQ_BEGIN, SQL_BEGIN, "begin");

    s->in_tx = rc == PH_OK;
    s->tx_version_read = false;
    memset(&s->refno, 0, sizeof(s->refno));
    return rc;
}

/* The kept reference counter is written and the incidents written in the
 * transaction are indexed for search first, in it, so that both commit with
 * them. A failed write fails the commit; the caller rolls back. */
static ph_err sq_tx_commit(struct store *st)
{
    struct store_sq *s = store_sq_of(st);
    ph_err rc = store_sq_refno_flush(s);

    if (rc == PH_OK && s->fts_pending)
        rc = store_sq_fts_flush(s);
    s->fts_pending = false;
    if (rc == PH_OK)
        rc = store_sq_run(s, SQ_COMMIT, SQL_COMMIT, "commit");
    store_sq_terms_end(s, rc == PH_OK);
    /* Committed or not (the caller rolls back), its writes are over. */
    s->ref_written = false;
    s->in_tx = false;
    memset(&s->refno, 0, sizeof(s->refno));
    return rc;
}

static ph_err sq_tx_rollback(struct store *st)
{
    struct store_sq *s = store_sq_of(st);
    /* The index queue rolls back with the rows it names. */
    s->fts_pending = false;
    s->ref_written = false;
    s->in_tx = false;
    memset(&s->refno, 0, sizeof(s->refno));
    store_sq_terms_end(s, false);
    if (sqlite3_get_autocommit(s->db)) /* an error already rolled it back */
        return PH_OK;
    return store_sq_run(s, SQ_ROLLBACK, SQL_ROLLBACK, "rollback");
}

static ph_err sq_savepoint(struct store *st)
{
    struct store_sq *s = store_sq_of(st);

    s->refno_saved = s->refno;
    return store_sq_run(s, SQ_SAVEPOINT, SQL_SAVEPOINT, "savepoint");
}

static ph_err sq_savepoint_release(struct store *st)
{
    return store_sq_run(store_sq_of(st), SQ_RELEASE, SQL_RELEASE, "release savepoint");
}

/* Undo everything since the savepoint and end it (no release needed after). */
static ph_err sq_savepoint_rollback(struct store *st)
{
    struct store_sq *s = store_sq_of(st);
    ph_err rc = store_sq_run(s, SQ_ROLLBACK_TO, SQL_ROLLBACK_TO, "rollback to savepoint");
    /* The numbers the job took go back with its rows. */
    s->refno = s->refno_saved;
    if (rc == PH_OK)
        rc = store_sq_run(s, SQ_RELEASE, SQL_RELEASE, "release savepoint");
    return rc;
}

/* ---- forces -------------------------------------------------------------- */

static void read_force(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    struct store_force *f = row;

    f->code = store_sq_col_text(ar, stmt, 0);
    f->name_vi = store_sq_col_text(ar, stmt, 1);
    f->name_en = store_sq_col_text(ar, stmt, 2);
}

static ph_err sq_force_list(struct store *st, struct arena *a, struct store_force **items,
                            size_t *n)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt =
        store_sq_stmt(s, SQ_FORCE_LIST, "SELECT code, name_vi, name_en FROM forces ORDER BY code");
    void *list = NULL;
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    rc = store_sq_rows(s, a, stmt, SQLITE_OK, "list forces", sizeof(**items), 0, read_force, &list,
                       n, NULL);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

/* ---- areas --------------------------------------------------------------- */

#define AREA_COLS STORE_SQ_AREA_COLS
#define SQL_AREA_EXISTS "SELECT 1 FROM areas WHERE id = ?1"

/* Columns AREA_COLS then geometry (column 11). */
void store_sq_read_area(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    struct area *out = row;

    memset(out, 0, sizeof(*out));
    out->id = sqlite3_column_int64(stmt, 0);
    out->code = store_sq_col_text(ar, stmt, 1);
    out->name = store_sq_col_text(ar, stmt, 2);
    out->level = store_sq_col_text(ar, stmt, 3);
    out->kind = store_sq_col_text(ar, stmt, 4);
    out->parent_id = sqlite3_column_int64(stmt, 5); /* NULL reads as 0 */
    out->valid_from = store_sq_col_text(ar, stmt, 6);
    out->valid_to = store_sq_col_text(ar, stmt, 7);
    out->version = sqlite3_column_int64(stmt, 8);
    out->created_at = sqlite3_column_int64(stmt, 9);
    out->updated_at = sqlite3_column_int64(stmt, 10);
    out->geometry = store_sq_col_text(ar, stmt, 11);
}

/* The columns insert and update share, from ?2 on (?1 is the id of an update). */
static int bind_area(sqlite3_stmt *stmt, const struct area *a, const char *name_folded)
{
    return store_sq_bind_text(stmt, 2, a->code) | store_sq_bind_text(stmt, 3, a->name) |
           store_sq_bind_text(stmt, 4, name_folded) | store_sq_bind_text(stmt, 5, a->level) |
           store_sq_bind_text(stmt, 6, a->kind) | store_sq_bind_id(stmt, 7, a->parent_id) |
           store_sq_bind_text(stmt, 8, a->geometry) | store_sq_bind_text(stmt, 9, a->valid_from) |
           store_sq_bind_text(stmt, 10, a->valid_to);
}

static ph_err sq_area_insert(struct store *st, const struct area *a, const char *name_folded,
                             int64_t *id)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_AREA_INSERT,
        "INSERT INTO areas (code, name, name_folded, level, kind, parent_id, geometry, "
        "valid_from, valid_to, version, created_at, updated_at) "
        "VALUES (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 1, ?11, ?12)");

    if (stmt == NULL)
        return PH_ESTORE;
    /* Areas are reference data (the parents routing walks up). */
    store_sq_ref_changed(s);
    return store_sq_insert(s, stmt,
                           bind_area(stmt, a, name_folded) |
                               store_sq_bind_created(stmt, 11, a->created_at, a->updated_at),
                           "insert area", id);
}

static ph_err sq_area_update(struct store *st, const struct area *a, const char *name_folded)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_AREA_UPDATE,
        "UPDATE areas SET code = ?2, name = ?3, name_folded = ?4, level = ?5, kind = ?6, "
        "parent_id = ?7, geometry = ?8, valid_from = ?9, valid_to = ?10, updated_at = ?11, "
        "version = version + 1 WHERE id = ?1 AND (?12 = 0 OR version = ?12)");

    if (stmt == NULL)
        return PH_ESTORE;
    store_sq_ref_changed(s);
    return store_sq_update_versioned(
        s, stmt,
        sqlite3_bind_int64(stmt, 1, a->id) | bind_area(stmt, a, name_folded) |
            sqlite3_bind_int64(stmt, 11, store_time_or_now(a->updated_at)) |
            sqlite3_bind_int64(stmt, 12, a->version),
        "update area", SQ_AREA_EXISTS, SQL_AREA_EXISTS, a->id);
}

static ph_err sq_area_delete(struct store *st, int64_t id)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(s, SQ_AREA_DELETE, "DELETE FROM areas WHERE id = ?1");

    if (stmt == NULL)
        return PH_ESTORE;
    store_sq_ref_changed(s);
    return store_sq_write_one(s, stmt, sqlite3_bind_int64(stmt, 1, id), "delete area");
}

static ph_err sq_area_get(struct store *st, struct arena *ar, int64_t id, struct area *out)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt =
        store_sq_stmt(s, SQ_AREA_GET, "SELECT " AREA_COLS ", geometry FROM areas WHERE id = ?1");

    if (stmt == NULL)
        return PH_ESTORE;
    return store_sq_get(s, ar, stmt, sqlite3_bind_int64(stmt, 1, id), "get area",
                        store_sq_read_area, out);
}

static ph_err sq_area_list(struct store *st, struct arena *ar, const struct area_filter *f,
                           struct area **items, size_t *n, bool *has_more)
{
    struct store_sq *s = store_sq_of(st);
    /* One statement for every combination of filters: an absent filter binds NULL
     * or 0 and its condition is true. The id range comes first, so SQLite walks
     * the primary key from the cursor and stops after limit+1 matches. */
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_AREA_LIST,
        "SELECT " AREA_COLS ", CASE WHEN ?8 <> 0 THEN geometry END FROM areas "
        "WHERE id > ?1 AND (?2 IS NULL OR level = ?2) AND (?3 IS NULL OR kind = ?3) "
        "AND (?4 IS NULL OR code = ?4) AND (?5 = 0 OR parent_id = ?5) "
        "AND (?6 IS NULL OR name_folded LIKE '%' || ?6 || '%' ESCAPE '\\') "
        "AND (?7 IS NULL OR (valid_from <= ?7 AND (valid_to IS NULL OR valid_to > ?7))) "
        "ORDER BY id LIMIT ?9");
    int limit = store_list_limit(f->limit);
    void *list = NULL;
    ph_err rc;
    int e;

    if (stmt == NULL)
        return PH_ESTORE;
    e = sqlite3_bind_int64(stmt, 1, f->after_id) | store_sq_bind_text(stmt, 2, f->level) |
        store_sq_bind_text(stmt, 3, f->kind) | store_sq_bind_text(stmt, 4, f->code) |
        sqlite3_bind_int64(stmt, 5, f->parent_id) |
        store_sq_bind_text(stmt, 6, store_like_escape(ar, f->q)) |
        store_sq_bind_text(stmt, 7, f->at) | sqlite3_bind_int(stmt, 8, f->with_geometry) |
        sqlite3_bind_int(stmt, 9, limit + 1);
    rc = store_sq_rows(s, ar, stmt, e, "list areas", sizeof(**items), limit, store_sq_read_area,
                       &list, n, has_more);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

/* ---- categories ---------------------------------------------------------- */

#define CATEGORY_COLS                                                                              \
    "id, code, name_vi, name_en, default_severity, lead_force, is_active, sort_order, version, "   \
    "created_at, updated_at"
#define SQL_CATEGORY_EXISTS "SELECT 1 FROM categories WHERE id = ?1"

static void read_category(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    struct category *out = row;

    memset(out, 0, sizeof(*out));
    out->id = sqlite3_column_int64(stmt, 0);
    out->code = store_sq_col_text(ar, stmt, 1);
    out->name_vi = store_sq_col_text(ar, stmt, 2);
    out->name_en = store_sq_col_text(ar, stmt, 3);
    out->default_severity = sqlite3_column_int(stmt, 4);
    out->lead_force = store_sq_col_text(ar, stmt, 5);
    out->is_active = sqlite3_column_int(stmt, 6) != 0;
    out->sort_order = sqlite3_column_int(stmt, 7);
    out->version = sqlite3_column_int64(stmt, 8);
    out->created_at = sqlite3_column_int64(stmt, 9);
    out->updated_at = sqlite3_column_int64(stmt, 10);
}

/* The columns insert and update share, from ?2 on (?1 is the id of an update). */
static int bind_category(sqlite3_stmt *stmt, const struct category *c, const char *name_folded)
{
    return store_sq_bind_text(stmt, 2, c->code) | store_sq_bind_text(stmt, 3, c->name_vi) |
           store_sq_bind_text(stmt, 4, c->name_en) | store_sq_bind_text(stmt, 5, name_folded) |
           sqlite3_bind_int(stmt, 6, c->default_severity) |
           store_sq_bind_text(stmt, 7, c->lead_force) | sqlite3_bind_int(stmt, 8, c->is_active) |
           sqlite3_bind_int(stmt, 9, c->sort_order);
}

static ph_err sq_category_insert(struct store *st, const struct category *c,
                                 const char *name_folded, int64_t *id)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_CATEGORY_INSERT,
        "INSERT INTO categories (code, name_vi, name_en, name_folded, default_severity, "
        "lead_force, is_active, sort_order, version, created_at, updated_at) "
        "VALUES (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 1, ?10, ?11)");

    if (stmt == NULL)
        return PH_ESTORE;
    return store_sq_insert(s, stmt,
                           bind_category(stmt, c, name_folded) |
                               store_sq_bind_created(stmt, 10, c->created_at, c->updated_at),
                           "insert category", id);
}

static ph_err sq_category_update(struct store *st, const struct category *c,
                                 const char *name_folded)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_CATEGORY_UPDATE,
        "UPDATE categories SET code = ?2, name_vi = ?3, name_en = ?4, name_folded = ?5, "
        "default_severity = ?6, lead_force = ?7, is_active = ?8, sort_order = ?9, "
        "updated_at = ?10, version = version + 1 WHERE id = ?1 AND (?11 = 0 OR version = ?11)");

    if (stmt == NULL)
        return PH_ESTORE;
    return store_sq_update_versioned(
        s, stmt,
        sqlite3_bind_int64(stmt, 1, c->id) | bind_category(stmt, c, name_folded) |
            sqlite3_bind_int64(stmt, 10, store_time_or_now(c->updated_at)) |
            sqlite3_bind_int64(stmt, 11, c->version),
        "update category", SQ_CATEGORY_EXISTS, SQL_CATEGORY_EXISTS, c->id);
}

static ph_err sq_category_get(struct store *st, struct arena *ar, int64_t id, struct category *out)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(s, SQ_CATEGORY_GET,
                                       "SELECT " CATEGORY_COLS " FROM categories WHERE id = ?1");

    if (stmt == NULL)
        return PH_ESTORE;
    return store_sq_get(s, ar, stmt, sqlite3_bind_int64(stmt, 1, id), "get category",
                        read_category, out);
}

static ph_err sq_category_get_by_code(struct store *st, struct arena *ar, const char *code,
                                      struct category *out)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_CATEGORY_GET_BY_CODE, "SELECT " CATEGORY_COLS " FROM categories WHERE code = ?1");

    if (stmt == NULL)
        return PH_ESTORE;
    return store_sq_get(s, ar, stmt, store_sq_bind_text(stmt, 1, code), "get category by code",
                        read_category, out);
}

static ph_err sq_category_list(struct store *st, struct arena *ar, const struct category_filter *f,
                               struct category **items, size_t *n, bool *has_more)
{
    struct store_sq *s = store_sq_of(st);
    /* As sq_area_list: one statement, absent filters bind NULL or 0. */
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_CATEGORY_LIST,
        "SELECT " CATEGORY_COLS " FROM categories "
        "WHERE id > ?1 AND (?2 <> 0 OR is_active = 1) "
        "AND (?3 IS NULL OR name_folded LIKE '%' || ?3 || '%' ESCAPE '\\') "
        "ORDER BY id LIMIT ?4");
    int limit = store_list_limit(f->limit);
    void *list = NULL;
    ph_err rc;
    int e;

    if (stmt == NULL)
        return PH_ESTORE;
    e = sqlite3_bind_int64(stmt, 1, f->after_id) | sqlite3_bind_int(stmt, 2, f->include_inactive) |
        store_sq_bind_text(stmt, 3, store_like_escape(ar, f->q)) |
        sqlite3_bind_int(stmt, 4, limit + 1);
    rc = store_sq_rows(s, ar, stmt, e, "list categories", sizeof(**items), limit, read_category,
                       &list, n, has_more);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

/* ---- audit log ----------------------------------------------------------- */

#define AUDIT_COLS                                                                                 \
    "seq, at, actor_id, actor, action, item_kind, item_id, client, detail, prev_hash, hash"

static ph_err sq_audit_last(struct store *st, int64_t *seq, uint8_t hash[32])
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(s, SQ_AUDIT_LAST,
                                       "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
    ph_err rc = PH_OK;
    int e;

    if (stmt == NULL)
        return PH_ESTORE;
    e = sqlite3_step(stmt);
    if (e == SQLITE_ROW) {
        *seq = sqlite3_column_int64(stmt, 0);
        if (!store_sq_col_hash(stmt, 1, hash)) {
            log_warn("store/sqlite: audit entry %lld has a damaged hash", (long long)*seq);
            rc = PH_ESTORE;
        }
    } else if (e == SQLITE_DONE) {
        *seq = 0;
        memset(hash, 0, 32);
    } else {
        rc = store_sq_fail(s, e, "last audit entry");
    }
    store_sq_done(stmt);
    return rc;
}

static ph_err sq_audit_insert(struct store *st, const struct audit_entry *a)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(s, SQ_AUDIT_INSERT,
                                       "INSERT INTO audit_log (" AUDIT_COLS ") "
                                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
    int e;

    if (stmt == NULL)
        return PH_ESTORE;
    e = sqlite3_bind_int64(stmt, 1, a->seq) | sqlite3_bind_int64(stmt, 2, a->at) |
        sqlite3_bind_int64(stmt, 3, a->actor_id) | store_sq_bind_text(stmt, 4, a->actor) |
        store_sq_bind_text(stmt, 5, a->action) | store_sq_bind_text(stmt, 6, a->item_kind) |
        sqlite3_bind_int64(stmt, 7, a->item_id) | store_sq_bind_text(stmt, 8, a->client) |
        store_sq_bind_text(stmt, 9, a->detail) |
        sqlite3_bind_blob(stmt, 10, a->prev_hash, 32, SQLITE_STATIC) |
        sqlite3_bind_blob(stmt, 11, a->hash, 32, SQLITE_STATIC);
    return store_sq_write(s, stmt, e, "insert audit entry", NULL);
}

static void read_audit_entry(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    struct audit_entry *a = row;

    a->seq = sqlite3_column_int64(stmt, 0);
    a->at = sqlite3_column_int64(stmt, 1);
    a->actor_id = sqlite3_column_int64(stmt, 2);
    a->actor = store_sq_col_text(ar, stmt, 3);
    a->action = store_sq_col_text(ar, stmt, 4);
    a->item_kind = store_sq_col_text(ar, stmt, 5);
    a->item_id = sqlite3_column_int64(stmt, 6);
    a->client = store_sq_col_text(ar, stmt, 7);
    a->detail = store_sq_col_text(ar, stmt, 8);
    /* A damaged hash reads as zeros: the chain check reports the entry. */
    (void)store_sq_col_hash(stmt, 9, a->prev_hash);
    (void)store_sq_col_hash(stmt, 10, a->hash);
}

static ph_err sq_audit_page(struct store *st, struct arena *ar, int64_t after_seq, int limit,
                            struct audit_entry **items, size_t *n)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt =
        store_sq_stmt(s, SQ_AUDIT_PAGE,
                      "SELECT " AUDIT_COLS " FROM audit_log WHERE seq > ?1 ORDER BY seq LIMIT ?2");
    void *list = NULL;
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    /* The LIMIT of the query bounds the page: every row it gives is kept. */
    rc = store_sq_rows(s, ar, stmt,
                       sqlite3_bind_int64(stmt, 1, after_seq) |
                           sqlite3_bind_int(stmt, 2, limit < 0 ? 0 : limit),
                       "page audit log", sizeof(**items), 0, read_audit_entry, &list, n, NULL);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

static ph_err sq_audit_count(struct store *st, int64_t *n)
{
    return pragma_i64(store_sq_of(st), SQ_AUDIT_COUNT, "SELECT count(*) FROM audit_log", n);
}

/* ---- outbox -------------------------------------------------------------- */

static ph_err sq_outbox_insert(struct store *st, const struct store_outbox_event *ev, int64_t *id)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_OUTBOX_INSERT,
        "INSERT INTO outbox (at, topic, item_kind, item_id, payload, access_kind, classification, "
        "scope_paths) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    int e;

    if (stmt == NULL)
        return PH_ESTORE;
    e = sqlite3_bind_int64(stmt, 1, store_time_or_now(ev->at)) |
        store_sq_bind_text(stmt, 2, ev->topic) | store_sq_bind_text(stmt, 3, ev->item_kind) |
        sqlite3_bind_int64(stmt, 4, ev->item_id) | store_sq_bind_text(stmt, 5, ev->payload) |
        sqlite3_bind_int(stmt, 6, ev->access_kind) | sqlite3_bind_int(stmt, 7, ev->classification) |
        store_sq_bind_text(stmt, 8, ev->scope_paths);
    return store_sq_insert(s, stmt, e, "insert outbox event", id);
}

static void read_outbox_event(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    struct store_outbox_event *ev = row;

    ev->id = sqlite3_column_int64(stmt, 0);
    ev->at = sqlite3_column_int64(stmt, 1);
    ev->topic = store_sq_col_text(ar, stmt, 2);
    ev->item_kind = store_sq_col_text(ar, stmt, 3);
    ev->item_id = sqlite3_column_int64(stmt, 4);
    ev->payload = store_sq_col_text(ar, stmt, 5);
    ev->access_kind = sqlite3_column_int(stmt, 6);
    ev->classification = sqlite3_column_int(stmt, 7);
    ev->scope_paths = store_sq_col_text(ar, stmt, 8);
}

static ph_err sq_outbox_after(struct store *st, struct arena *ar, int64_t after_id, int limit,
                              struct store_outbox_event **items, size_t *n)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_OUTBOX_AFTER,
        "SELECT id, at, topic, item_kind, item_id, payload, access_kind, classification, "
        "scope_paths FROM outbox WHERE id > ?1 ORDER BY id LIMIT ?2");
    void *list = NULL;
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    rc = store_sq_rows(s, ar, stmt,
                       sqlite3_bind_int64(stmt, 1, after_id) |
                           sqlite3_bind_int(stmt, 2, limit < 0 ? 0 : limit),
                       "read outbox", sizeof(**items), 0, read_outbox_event, &list, n, NULL);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

static ph_err sq_outbox_last_id(struct store *st, int64_t *id)
{
    /* max() of the primary key is one seek to the end of the table. */
    return pragma_i64(store_sq_of(st), SQ_OUTBOX_LAST_ID, "SELECT coalesce(max(id), 0) FROM outbox",
                      id);
}

/* ---- WAL checkpoints (core/writer.c) ---------------------------------------- */

/* SQLite's WAL hook: runs in the committing thread after each commit. */
static int wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
    struct store_sq *s = arg;
    (void)db;
    (void)name;
    s->wal_fn(s->wal_ctx, frames);
    return SQLITE_OK;
}

/* Commits stop waiting for the disk (store.h): synchronous = NORMAL, under
 * which a WAL commit is written but not synced (the WAL is still synced before
 * each checkpoint copies it, so a checkpoint never copies what is not on disk),
 * and a descriptor of the WAL file for sq_sync. The WAL file is SQLite's own
 * "<database>-wal" (sqlite3_filename_wal): the same file while a connection is
 * open, since it is removed only when the last one closes. */
static ph_err sq_sync_later(struct store *st)
{
    struct store_sq *s = store_sq_of(st);
    const char *db = sqlite3_db_filename(s->db, "main");
    const char *wal;

    if (db == NULL || db[0] == '\0' || (wal = sqlite3_filename_wal(db)) == NULL)
        return PH_EINVAL; /* in memory: nothing to sync */
    if (s->wal_fd < 0 && (s->wal_fd = open(wal, O_RDONLY | O_CLOEXEC)) < 0) {
        log_warn("store/sqlite: cannot open the WAL %s (%s): commits keep waiting for the disk",
                 wal, strerror(errno));
        return PH_EINVAL;
    }
    ph_err rc = pragma(s, "PRAGMA synchronous = NORMAL", NULL, 0);
    if (rc != PH_OK) {
        close(s->wal_fd);
        s->wal_fd = -1;
    }
    return rc;
}

static ph_err sq_sync(struct store *st)
{
    struct store_sq *s = store_sq_of(st);

    if (s->wal_fd < 0)
        return PH_OK; /* commits wait for the disk themselves */
    if (fdatasync(s->wal_fd) != 0) {
        log_error("store/sqlite: fdatasync of the WAL failed: %s", strerror(errno));
        return PH_ESTORE;
    }
    return PH_OK;
}

static ph_err sq_wal_watch(struct store *st, void (*fn)(void *ctx, int wal_frames), void *ctx)
{
    struct store_sq *s = store_sq_of(st);

    s->wal_fn = fn;
    s->wal_ctx = ctx;
    if (fn == NULL) /* SQLite's own hook: a checkpoint every 1,000 pages */
        return sqlite3_wal_autocheckpoint(s->db, 1000) == SQLITE_OK ? PH_OK : PH_ESTORE;
    (void)sqlite3_wal_hook(s->db, wal_hook, s); /* replaces the automatic checkpoints */
    return PH_OK;
}

static ph_err sq_wal_checkpoint(struct store *st, int *wal_frames, int *done)
{
    struct store_sq *s = store_sq_of(st);
    int e = sqlite3_wal_checkpoint_v2(s->db, "main", SQLITE_CHECKPOINT_PASSIVE, wal_frames, done);

    if (e == SQLITE_OK)
        return PH_OK;
    if (e == SQLITE_BUSY || e == SQLITE_LOCKED)
        return PH_EBUSY;
    return store_sq_fail(s, e, "wal checkpoint");
}

/* BEGIN DEFERRED takes the read lock at the first read and keeps it to the end.
 * in_tx makes the kept reference data (areas, rules) check the data version once
 * for the whole snapshot, as in a write transaction. */
static ph_err sq_read_begin(struct store *st)
{
    struct store_sq *s = store_sq_of(st);
    ph_err rc;

    if (!sqlite3_get_autocommit(s->db))
        return PH_OK; /* inside a transaction: already one snapshot */
    rc = store_sq_run(s, SQ_BEGIN_READ, "BEGIN DEFERRED", "begin read");
    s->read_tx = s->in_tx = rc == PH_OK;
    s->tx_version_read = false;
    return rc;
}

static ph_err sq_read_end(struct store *st)
{
    struct store_sq *s = store_sq_of(st);

    if (!s->read_tx)
        return PH_OK;
    s->read_tx = s->in_tx = false;
    if (sqlite3_get_autocommit(s->db)) /* an error already ended it */
        return PH_OK;
    return store_sq_run(s, SQ_COMMIT, SQL_COMMIT, "end read");
}

/* ---- the ops table ------------------------------------------------------- */

/* ---- one node ------------------------------------------------------------ */

/* An SQLite file is one node's: nothing to coordinate with. */
static bool sq_shared(struct store *st)
{
    return false;
}

static ph_err sq_one_node(const char *what)
{
    log_error("store/sqlite: %s needs a database several nodes share (PostgreSQL)", what);
    return PH_EINVAL;
}

static ph_err sq_listen(struct store *st, const char *channel)
{
    return sq_one_node("listen");
}

static ph_err sq_notify(struct store *st, const char *channel, const char *payload)
{
    return sq_one_node("notify");
}

static ph_err sq_wait_notify(struct store *st, int timeout_ms, struct store_notification *out,
                             bool *got)
{
    return sq_one_node("wait for notifications");
}

static ph_err sq_leader_try(struct store *st, bool *leader)
{
    *leader = true;
    return PH_OK;
}

const struct store_ops store_sqlite_ops = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .schema_version = sq_schema_version,
    .db_size = sq_db_size,
    .tx_begin = sq_tx_begin,
    .tx_commit = sq_tx_commit,
    .tx_rollback = sq_tx_rollback,
    .savepoint = sq_savepoint,
    .savepoint_release = sq_savepoint_release,
    .savepoint_rollback = sq_savepoint_rollback,
    .force_list = sq_force_list,
    .area_insert = sq_area_insert,
    .area_update = sq_area_update,
    .area_delete = sq_area_delete,
    .area_get = sq_area_get,
    .area_list = sq_area_list,
    .category_insert = sq_category_insert,
    .category_update = sq_category_update,
    .category_get = sq_category_get,
    .category_get_by_code = sq_category_get_by_code,
    .category_list = sq_category_list,
    .unit_insert = store_sq_unit_insert,
    .unit_update = store_sq_unit_update,
    .unit_delete = store_sq_unit_delete,
    .unit_get = store_sq_unit_get,
    .unit_list = store_sq_unit_list,
    .unit_responsible = store_sq_unit_responsible,
    .person_insert = store_sq_person_insert,
    .person_update = store_sq_person_update,
    .person_get = store_sq_person_get,
    .person_get_by_username = store_sq_person_get_by_username,
    .person_list = store_sq_person_list,
    .person_set_password = store_sq_person_set_password,
    .person_set_login_state = store_sq_person_set_login_state,
    .token_insert = store_sq_token_insert,
    .token_lookup = store_sq_token_lookup,
    .token_revoke = store_sq_token_revoke,
    .token_revoke_person = store_sq_token_revoke_person,
    .token_get = store_sq_token_get,
    .audit_last = sq_audit_last,
    .audit_insert = sq_audit_insert,
    .audit_page = sq_audit_page,
    .audit_count = sq_audit_count,
    .outbox_insert = sq_outbox_insert,
    .outbox_after = sq_outbox_after,
    .outbox_last_id = sq_outbox_last_id,
    .setting_get = store_sq_setting_get,
    .setting_set = store_sq_setting_set,
    .area_candidates = store_sq_area_candidates,
    .area_within = store_sq_area_within,
    .incident_ref_next = store_sq_incident_ref_next,
    .incident_insert = store_sq_incident_insert,
    .incident_update = store_sq_incident_update,
    .incident_get = store_sq_incident_get,
    .incident_get_by_ref = store_sq_incident_get_by_ref,
    .incident_rev = store_sq_incident_rev,
    .incident_list = store_sq_incident_list,
    .incident_recipient_put = store_sq_incident_recipient_put,
    .incident_recipients_add = store_sq_incident_recipients_add,
    .incident_recipients = store_sq_incident_recipients,
    .incident_ack_insert = store_sq_incident_ack_insert,
    .incident_acks = store_sq_incident_acks,
    .incident_event_insert = store_sq_incident_event_insert,
    .incident_events = store_sq_incident_events,
    .idem_get = store_sq_idem_get,
    .idem_put = store_sq_idem_put,
    .idem_prune = store_sq_idem_prune,
    .incident_inbox = store_sq_incident_inbox,
    .deadline_due = store_sq_deadline_due,
    .deadline_next = store_sq_deadline_next,
    .deadline_mark = store_sq_deadline_mark,
    .recipient_mark_escalated = store_sq_recipient_mark_escalated,
    .timeliness_rows = store_sq_timeliness_rows,
    .incident_counts = store_sq_incident_counts,
    .rule_insert = store_sq_rule_insert,
    .rule_update = store_sq_rule_update,
    .rule_get = store_sq_rule_get,
    .rule_list = store_sq_rule_list,
    .rule_active = store_sq_rule_active,
    .bulletin_insert = store_sq_bulletin_insert,
    .bulletin_get = store_sq_bulletin_get,
    .bulletin_list = store_sq_bulletin_list,
    .bulletin_recipients = store_sq_bulletin_recipients,
    .bulletin_ack = store_sq_bulletin_ack,
    .bulletin_inbox = store_sq_bulletin_inbox,
    .bulletin_due = store_sq_bulletin_due,
    .bulletin_deadline_next = store_sq_bulletin_deadline_next,
    .bulletin_mark_overdue = store_sq_bulletin_mark_overdue,
    .bulletin_period_state = store_sq_bulletin_period_state,
    .bulletin_miss_insert = store_sq_bulletin_miss_insert,
    .bulletin_schedule_insert = store_sq_bulletin_schedule_insert,
    .bulletin_schedule_update = store_sq_bulletin_schedule_update,
    .bulletin_schedule_get = store_sq_bulletin_schedule_get,
    .bulletin_schedule_list = store_sq_bulletin_schedule_list,
    .bulletin_schedule_active = store_sq_bulletin_schedule_active,
    .attachment_blob_put = store_sq_attachment_blob_put,
    .attachment_insert = store_sq_attachment_insert,
    .attachment_count = store_sq_attachment_count,
    .attachment_list = store_sq_attachment_list,
    .attachment_get = store_sq_attachment_get,
    .device_insert = store_sq_device_insert,
    .device_update = store_sq_device_update,
    .device_get = store_sq_device_get,
    .device_get_by_uid = store_sq_device_get_by_uid,
    .device_list = store_sq_device_list,
    .device_latest = store_sq_device_latest,
    .device_of_people = store_sq_device_of_people,
    .device_set_callsign = store_sq_device_set_callsign,
    .device_set_last = store_sq_device_set_last,
    .position_insert = store_sq_position_insert,
    .position_range = store_sq_position_range,
    .position_first = store_sq_position_first,
    .retention_get = store_sq_retention_get,
    .retention_put = store_sq_retention_put,
    .retention_devices = store_sq_retention_devices,
    .retention_intervals = store_sq_retention_intervals,
    .position_delete_at = store_sq_position_delete_at,
    .position_expire = store_sq_position_expire,
    .asset_insert = store_sq_asset_insert,
    .asset_update = store_sq_asset_update,
    .asset_get = store_sq_asset_get,
    .asset_list = store_sq_asset_list,
    .operation_insert = store_sq_operation_insert,
    .operation_update = store_sq_operation_update,
    .operation_get = store_sq_operation_get,
    .operation_list = store_sq_operation_list,
    .operation_conflict = store_sq_operation_conflict,
    .operation_log_insert = store_sq_operation_log_insert,
    .operation_log_get = store_sq_operation_log_get,
    .operation_log_list = store_sq_operation_log_list,
    .operation_summary = store_sq_operation_summary,
    .operation_coverage_rows = store_sq_operation_coverage_rows,
    .message_insert = store_sq_message_insert,
    .message_find = store_sq_message_find,
    .message_get = store_sq_message_get,
    .message_list = store_sq_message_list,
    .draft_insert = store_sq_draft_insert,
    .draft_update = store_sq_draft_update,
    .draft_get = store_sq_draft_get,
    .draft_find = store_sq_draft_find,
    .draft_list = store_sq_draft_list,
    .incident_points = store_sq_incident_points,
    .hotspot_insert = store_sq_hotspot_insert,
    .hotspot_get = store_sq_hotspot_get,
    .hotspot_list = store_sq_hotspot_list,
    .hotspot_open = store_sq_hotspot_open,
    .hotspot_set_status = store_sq_hotspot_set_status,
    .hotspot_note_insert = store_sq_hotspot_note_insert,
    .hotspot_notes = store_sq_hotspot_notes,
    .sync_later = sq_sync_later,
    .sync = sq_sync,
    .wal_watch = sq_wal_watch,
    .wal_checkpoint = sq_wal_checkpoint,
    .read_begin = sq_read_begin,
    .read_end = sq_read_end,
    .shared = sq_shared,
    .listen = sq_listen,
    .notify = sq_notify,
    .wait_notify = sq_wait_notify,
    .leader_try = sq_leader_try,
    .area_succession_put = store_sq_area_succession_put,
    .area_successions = store_sq_area_successions,
    .area_import_insert = store_sq_area_import_insert,
    .area_import_seen = store_sq_area_import_seen,
    /* sqlite_area_history_queries.c (issue 8) */
    .area_incidents = store_sq_area_incidents,
    .unit_closed_areas = store_sq_unit_closed_areas,
    .unit_area_proposal_put = store_sq_unit_area_proposal_put,
    .unit_area_proposal_get = store_sq_unit_area_proposal_get,
    .unit_area_proposal_list = store_sq_unit_area_proposal_list,
    .unit_area_proposal_decide = store_sq_unit_area_proposal_decide,
    /* sqlite_hotspots.c, added */
    .hotspot_incidents_visible = store_sq_hotspot_incidents_visible,
    /* sqlite_area_history_queries.c, operations and positions (issue 8) */
    .area_operations = store_sq_area_operations,
    .area_positions = store_sq_area_positions,
};
