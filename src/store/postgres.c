/* postgres.c - the PostgreSQL backend (libpq): the connection, migrations,
 * transactions and savepoints, read snapshots, the outbox, several nodes'
 * coordination (LISTEN/NOTIFY, the scheduler's advisory lock), the helpers of
 * pg_int.h every pg_*.c file uses, and the ops table. The domains live in the
 * pg_*.c files, twins of the sqlite_*.c files. */
#include "util/base.h"
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/pg_int.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/embed.h"
#include "util/log.h"
#include "util/mem.h"

/* ---- parameters ------------------------------------------------------------------- */

static bool arg_slot(struct pg_args *a)
{
    if (a->n >= PG_ARGS_MAX) {
        a->overflow = true;
        return false;
    }
    a->len[a->n] = 0;
    a->fmt[a->n] = 0;
    return true;
}

void pg_arg_text(struct pg_args *a, const char *text)
{
    if (arg_slot(a))
        a->v[a->n++] = text;
}

void pg_arg_i64(struct pg_args *a, int64_t v)
{
    if (!arg_slot(a))
        return;
    snprintf(a->num[a->n], sizeof(a->num[a->n]), "%lld", (long long)v);
    a->v[a->n] = a->num[a->n];
    a->n++;
}

void pg_arg_id(struct pg_args *a, int64_t id)
{
    if (id == 0)
        pg_arg_null(a);
    else
        pg_arg_i64(a, id);
}

void pg_arg_f64(struct pg_args *a, double v)
{
    if (!arg_slot(a))
        return;
    /* 17 significant digits give the same double back. */
    snprintf(a->num[a->n], sizeof(a->num[a->n]), "%.17g", v);
    a->v[a->n] = a->num[a->n];
    a->n++;
}

void pg_arg_null(struct pg_args *a)
{
    if (arg_slot(a))
        a->v[a->n++] = NULL;
}

void pg_arg_bytes(struct pg_args *a, const void *data, size_t len)
{
    if (!arg_slot(a))
        return;
    a->v[a->n] = data;
    a->len[a->n] = (int)len;
    a->fmt[a->n] = 1; /* binary: the bytes as they are */
    a->n++;
}

void pg_arg_ids(struct pg_args *a, struct arena *ar, const int64_t *ids, size_t n)
{
    /* "{1,2,3}": at most 20 digits, a sign and a comma each. */
    char *lit = arena_alloc(ar, n * 22 + 3), *o = lit;
    *o++ = '{';
    for (size_t i = 0; i < n; i++)
        o += snprintf(o, 23, "%s%lld", i > 0 ? "," : "", (long long)ids[i]);
    *o++ = '}';
    *o = '\0';
    pg_arg_text(a, lit);
}

void pg_arg_texts(struct pg_args *a, struct arena *ar, const char *const *texts, size_t n)
{
    /* Each element double-quoted, with " and \ escaped by \; NULL is NULL. */
    size_t size = 3;
    for (size_t i = 0; i < n; i++)
        size += texts[i] != NULL ? 2 * strlen(texts[i]) + 3 : 5;
    char *lit = arena_alloc(ar, size), *o = lit;
    *o++ = '{';
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            *o++ = ',';
        if (texts[i] == NULL) {
            memcpy(o, "NULL", 4);
            o += 4;
            continue;
        }
        *o++ = '"';
        for (const char *p = texts[i]; *p != '\0'; p++) {
            if (*p == '"' || *p == '\\')
                *o++ = '\\';
            *o++ = *p;
        }
        *o++ = '"';
    }
    *o++ = '}';
    *o = '\0';
    pg_arg_text(a, lit);
}

int pg_arg_range(struct pg_args *a, struct arena *ar, const char *path)
{
    int first = a->n + 1;
    bool any = path != NULL && path[0] != '\0';

    pg_arg_text(a, any ? path : NULL);
    pg_arg_text(a, any ? store_path_upper(ar, path) : NULL);
    return first;
}

int pg_arg_scope(struct pg_args *a, struct arena *ar, const struct incident_scope *scope)
{
    int first = a->n + 1;

    /* The system's NULL scope sees every classification (4 is the highest). */
    pg_arg_i64(a, scope != NULL ? scope->clearance : 1000);
    (void)pg_arg_range(a, ar, scope != NULL ? scope->unit_path : NULL);
    return first;
}

void pg_arg_created(struct pg_args *a, int64_t created_at, int64_t updated_at)
{
    int64_t created = store_time_or_now(created_at);

    pg_arg_i64(a, created);
    pg_arg_i64(a, updated_at != 0 ? updated_at : created);
}

/* ---- statements ------------------------------------------------------------------- */

/* The SQLSTATE of a failure mapped to ph_err (pg_int.h), logged with what. */
static ph_err fail(struct store_pg *p, const PGresult *res, const char *what)
{
    const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res != NULL ? PQresultErrorMessage(res) : NULL;

    if (msg == NULL || msg[0] == '\0')
        msg = PQerrorMessage(p->conn);
    if (state != NULL && (strcmp(state, "23505") == 0 || strcmp(state, "23503") == 0))
        return PH_ECONFLICT; /* the caller reports the clash; nothing to log */
    log_error("store/postgres: %s failed: %s%s%s", what, state != NULL ? state : "",
              state != NULL ? " " : "", msg);
    if (state != NULL && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0))
        return PH_EBUSY;
    return PH_ESTORE;
}

static size_t slot_hash(const char *sql, size_t cap)
{
    uintptr_t h = (uintptr_t)sql;
    h ^= h >> 17;
    h *= (uintptr_t)0x9e3779b97f4a7c15ULL;
    return (size_t)(h >> 7) & (cap - 1);
}

static struct pg_stmt_slot *slot_find(struct pg_stmt_slot *slots, size_t cap, const char *sql)
{
    for (size_t i = slot_hash(sql, cap);; i = (i + 1) & (cap - 1))
        if (slots[i].sql == sql || slots[i].sql == NULL)
            return &slots[i];
}

static void slots_grow(struct store_pg *p)
{
    size_t cap = p->cap_slots == 0 ? PG_STMT_SLOTS : 2 * p->cap_slots;
    struct pg_stmt_slot *grown = xcalloc(cap, sizeof(*grown));

    for (size_t i = 0; i < p->cap_slots; i++)
        if (p->slots[i].sql != NULL)
            *slot_find(grown, cap, p->slots[i].sql) = p->slots[i];
    free(p->slots);
    p->slots = grown;
    p->cap_slots = cap;
}

/* The prepared statement of sql on this connection, prepared on first use. */
static ph_err prepared(struct store_pg *p, const char *sql, const char *what, char name[16])
{
    if (p->n_slots + 1 > p->cap_slots / 2)
        slots_grow(p);
    struct pg_stmt_slot *slot = slot_find(p->slots, p->cap_slots, sql);
    if (slot->sql == NULL) {
        /* PQprepare waits for its answer: no pipeline may be open. */
        ph_err flushed = pg_flush(p);
        if (flushed != PH_OK)
            return flushed;
        unsigned id = ++p->next_name;
        snprintf(name, 16, "s%u", id);
        PGresult *res = PQprepare(p->conn, name, sql, 0, NULL);
        ph_err rc = PQresultStatus(res) == PGRES_COMMAND_OK ? PH_OK : fail(p, res, what);
        PQclear(res);
        if (rc != PH_OK)
            return rc;
        slot->sql = sql;
        slot->name = id;
        p->n_slots++;
        return PH_OK;
    }
    snprintf(name, 16, "s%u", slot->name);
    return PH_OK;
}

static ph_err result_of(struct store_pg *p, PGresult *res, const char *what, PGresult **out)
{
    ExecStatusType st = PQresultStatus(res);

    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
        *out = res;
        return PH_OK;
    }
    ph_err rc = fail(p, res, what);
    PQclear(res);
    return rc;
}

static void reconnect(struct store_pg *p);

static ph_err args_ok(const struct pg_args *a, const char *what)
{
    if (a != NULL && a->overflow) {
        log_error("store/postgres: %s: more than %d parameters", what, PG_ARGS_MAX);
        return PH_ESTORE;
    }
    return PH_OK;
}

/* ---- writes that wait (pipeline mode) ---------------------------------------------- */

/* Sends the prepared statement name in pipeline mode (entering it first) and
 * notes it as the next answer to read (what names it in errors). When it
 * cannot be sent, what was sent before it is answered, and the error is its. */
static ph_err pipe_send(struct store_pg *p, const char *name, const struct pg_args *a,
                        const char *what)
{
    if ((PQpipelineStatus(p->conn) == PQ_PIPELINE_OFF && PQenterPipelineMode(p->conn) != 1) ||
        PQsendQueryPrepared(p->conn, name, a != NULL ? a->n : 0, a != NULL ? a->v : NULL,
                            a != NULL ? a->len : NULL, a != NULL ? a->fmt : NULL, 0) != 1) {
        ph_err rc = fail(p, NULL, what);
        (void)pg_flush(p);
        return rc;
    }
    p->later[p->n_later++] = what;
    return PH_OK;
}

/* Ends the pipeline: a sync point, then every queued answer in order. Returns the
 * error of the first statement that failed (the server skipped the rest, and
 * the transaction is aborted, as after any failed statement); with last, the
 * result of the last statement goes to *last (the caller PQclear()s it). */
static ph_err pipe_sync(struct store_pg *p, PGresult **last)
{
    ph_err rc = PH_OK;
    int n = p->n_later;
    PGresult *r;

    p->n_later = 0;
    if (PQpipelineSync(p->conn) != 1) {
        rc = fail(p, NULL, "send pipeline");
        n = 0; /* nothing more can be read in order: the connection is gone */
    }
    for (int i = 0; i < n; i++) {
        /* Each statement's results, then NULL. */
        while ((r = PQgetResult(p->conn)) != NULL) {
            ExecStatusType st = PQresultStatus(r);
            if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
                if (last != NULL && i == n - 1 && rc == PH_OK && *last == NULL) {
                    *last = r;
                    continue;
                }
            } else if (st != PGRES_PIPELINE_ABORTED && rc == PH_OK) {
                /* Its error becomes a later statement's: say here which it was
                 * (fail() is silent about key clashes, which callers report). */
                if (last == NULL || i < n - 1)
                    log_warn("store/postgres: %s, sent ahead, failed: %s", p->later[i],
                             PQresultErrorMessage(r));
                rc = fail(p, r, p->later[i]);
            }
            PQclear(r);
        }
    }
    /* The sync point's own result. */
    r = PQgetResult(p->conn);
    if (rc == PH_OK && PQresultStatus(r) != PGRES_PIPELINE_SYNC)
        rc = fail(p, r, "end pipeline");
    PQclear(r);
    if (PQexitPipelineMode(p->conn) != 1) {
        if (rc == PH_OK)
            rc = fail(p, NULL, "leave pipeline mode");
        /* Answers out of step (a lost connection, mostly): read what is left,
         * so that the connection leaves pipeline mode; if it still cannot,
         * reconnect() makes it again once the transaction is over. */
        for (int left = 0; left < 2 * PG_LATER_MAX + 2; left++) {
            r = PQgetResult(p->conn);
            bool sync = r != NULL && PQresultStatus(r) == PGRES_PIPELINE_SYNC;
            PQclear(r);
            if (sync || (r == NULL && PQstatus(p->conn) != CONNECTION_OK))
                break;
        }
        (void)PQexitPipelineMode(p->conn);
    }
    if (rc != PH_OK && last != NULL && *last != NULL) {
        PQclear(*last);
        *last = NULL;
    }
    return rc;
}

ph_err pg_flush(struct store_pg *p)
{
    return p->n_later > 0 ? pipe_sync(p, NULL) : PH_OK;
}

ph_err pg_write_later(struct store_pg *p, const char *sql, const struct pg_args *a,
                      const char *what)
{
    char name[16];
    ph_err rc;

    /* Only inside a write transaction: elsewhere nothing would wait for it. */
    if (!p->in_tx || p->read_tx)
        return pg_write(p, sql, a, what, NULL);
    if ((rc = args_ok(a, what)) != PH_OK || (rc = prepared(p, sql, what, name)) != PH_OK)
        return rc;
    if (p->n_later >= PG_LATER_MAX && (rc = pipe_sync(p, NULL)) != PH_OK)
        return rc;
    return pipe_send(p, name, a, what);
}

ph_err pg_exec(struct store_pg *p, const char *sql, const struct pg_args *a, const char *what,
               PGresult **res)
{
    char name[16];
    ph_err rc;

    if ((rc = args_ok(a, what)) != PH_OK)
        return rc;
    reconnect(p);
    if ((rc = prepared(p, sql, what, name)) != PH_OK)
        return rc;
    if (p->n_later > 0) {
        /* Writes are waiting: this statement ends their pipeline, one round trip
         * for all. An earlier write's failure is this statement's. */
        *res = NULL;
        return (rc = pipe_send(p, name, a, what)) != PH_OK ? rc : pipe_sync(p, res);
    }
    PGresult *r = PQexecPrepared(p->conn, name, a != NULL ? a->n : 0, a != NULL ? a->v : NULL,
                                 a != NULL ? a->len : NULL, a != NULL ? a->fmt : NULL, 0);
    return result_of(p, r, what, res);
}

ph_err pg_exec_dyn(struct store_pg *p, const char *sql, const struct pg_args *a, const char *what,
                   PGresult **res)
{
    ph_err rc = args_ok(a, what);

    if (rc != PH_OK || (rc = pg_flush(p)) != PH_OK)
        return rc;
    reconnect(p);
    PGresult *r = PQexecParams(p->conn, sql, a != NULL ? a->n : 0, NULL, a != NULL ? a->v : NULL,
                               a != NULL ? a->len : NULL, a != NULL ? a->fmt : NULL, 0);
    return result_of(p, r, what, res);
}

ph_err pg_run(struct store_pg *p, const char *sql, const char *what)
{
    PGresult *res = NULL;
    ph_err rc = pg_exec(p, sql, NULL, what, &res);

    PQclear(res);
    return rc;
}

ph_err pg_write(struct store_pg *p, const char *sql, const struct pg_args *a, const char *what,
                int *changes)
{
    PGresult *res = NULL;
    ph_err rc = pg_exec(p, sql, a, what, &res);

    if (rc == PH_OK && changes != NULL)
        *changes = (int)strtol(PQcmdTuples(res), NULL, 10);
    PQclear(res);
    return rc;
}

ph_err pg_insert(struct store_pg *p, const char *sql, const struct pg_args *a, const char *what,
                 int64_t *id)
{
    PGresult *res = NULL;
    ph_err rc = pg_exec(p, sql, a, what, &res);

    if (rc == PH_OK) {
        if (PQntuples(res) < 1 || PQnfields(res) < 1) {
            log_error("store/postgres: %s returned no id (RETURNING id missing?)", what);
            rc = PH_ESTORE;
        } else if (id != NULL) {
            *id = pg_col_i64(res, 0, 0);
        }
    }
    PQclear(res);
    return rc;
}

ph_err pg_write_one(struct store_pg *p, const char *sql, const struct pg_args *a,
                    const char *what)
{
    int changes = 0;
    ph_err rc = pg_write(p, sql, a, what, &changes);

    return rc == PH_OK && changes == 0 ? PH_ENOTFOUND : rc;
}

ph_err pg_exists(struct store_pg *p, const char *sql, int64_t rowid, bool *found)
{
    struct pg_args a = {0};
    PGresult *res = NULL;
    ph_err rc;

    pg_arg_i64(&a, rowid);
    if ((rc = pg_exec(p, sql, &a, "find row", &res)) == PH_OK)
        *found = PQntuples(res) > 0;
    PQclear(res);
    return rc;
}

ph_err pg_update_versioned(struct store_pg *p, const char *sql, const struct pg_args *a,
                           const char *what, const char *exists_sql, int64_t rowid)
{
    int changes = 0;
    bool found = false;
    ph_err rc = pg_write(p, sql, a, what, &changes);

    if (rc != PH_OK || changes > 0)
        return rc;
    if ((rc = pg_exists(p, exists_sql, rowid, &found)) != PH_OK)
        return rc;
    return found ? PH_ESTALE : PH_ENOTFOUND;
}

/* The first row of res into out (read may be NULL); PH_ENOTFOUND without one.
 * res stays (pg_get_kept reads kept answers with it). */
static ph_err first_row(const PGresult *res, struct arena *ar, pg_read_fn read, void *out)
{
    if (PQntuples(res) == 0)
        return PH_ENOTFOUND;
    if (read != NULL)
        read(ar, res, 0, out);
    return PH_OK;
}

static ph_err get_in(struct store_pg *p, PGresult *res, struct arena *ar, pg_read_fn read,
                     void *out)
{
    ph_err rc = first_row(res, ar, read, out);

    PQclear(res);
    return rc;
}

ph_err pg_get(struct store_pg *p, struct arena *ar, const char *sql, const struct pg_args *a,
              const char *what, pg_read_fn read, void *out)
{
    PGresult *res = NULL;
    ph_err rc = pg_exec(p, sql, a, what, &res);

    return rc == PH_OK ? get_in(p, res, ar, read, out) : rc;
}

ph_err pg_get_i64(struct store_pg *p, const char *sql, const struct pg_args *a, const char *what,
                  int64_t *v)
{
    PGresult *res = NULL;
    ph_err rc = pg_exec(p, sql, a, what, &res);

    if (rc != PH_OK)
        return rc;
    rc = PQntuples(res) > 0 ? PH_OK : PH_ENOTFOUND;
    if (rc == PH_OK)
        *v = pg_col_i64(res, 0, 0);
    PQclear(res);
    return rc;
}

static void rows_in(PGresult *res, struct arena *ar, size_t elem, int limit, pg_read_fn read,
                    void **items, size_t *n, bool *has_more)
{
    int rows = PQntuples(res);
    size_t keep = limit > 0 && rows > limit ? (size_t)limit : (size_t)rows;
    char *list = NULL;

    if (keep > 0) {
        list = arena_alloc(ar, keep * elem);
        memset(list, 0, keep * elem);
        for (size_t i = 0; i < keep; i++)
            read(ar, res, (int)i, list + i * elem);
    }
    *items = list;
    *n = keep;
    if (has_more != NULL)
        *has_more = limit > 0 && rows > limit;
    PQclear(res);
}

ph_err pg_rows(struct store_pg *p, struct arena *ar, const char *sql, const struct pg_args *a,
               const char *what, size_t elem, int limit, pg_read_fn read, void **items,
               size_t *n, bool *has_more)
{
    PGresult *res = NULL;
    ph_err rc = pg_exec(p, sql, a, what, &res);

    if (rc == PH_OK)
        rows_in(res, ar, elem, limit, read, items, n, has_more);
    return rc;
}

ph_err pg_rows_dyn(struct store_pg *p, struct arena *ar, const char *sql, const struct pg_args *a,
                   const char *what, size_t elem, int limit, pg_read_fn read, void **items,
                   size_t *n, bool *has_more)
{
    PGresult *res = NULL;
    ph_err rc = pg_exec_dyn(p, sql, a, what, &res);

    if (rc == PH_OK)
        rows_in(res, ar, elem, limit, read, items, n, has_more);
    return rc;
}

/* ---- kept answers (pg_get_kept) ---------------------------------------------------- */

/* The parameters as one string: each value's length, then the value ("-" for
 * NULL), so that no two lists give the same key. NULL when one is binary. */
static char *kept_key(const struct pg_args *a)
{
    size_t size = 1;
    int n = a != NULL ? a->n : 0;

    for (int i = 0; i < n; i++) {
        if (a->fmt[i] != 0)
            return NULL;
        size += a->v[i] != NULL ? strlen(a->v[i]) + 22 : 2;
    }
    char *key = xmalloc(size);
    size_t at = 0;
    key[0] = '\0';
    for (int i = 0; i < n; i++)
        at += (size_t)(a->v[i] != NULL
                           ? snprintf(key + at, size - at, "%zu:%s", strlen(a->v[i]), a->v[i])
                           : snprintf(key + at, size - at, "-;"));
    return key;
}

static size_t kept_slot(const char *sql, const char *key)
{
    uint64_t h = (uint64_t)(uintptr_t)sql * 0x9e3779b97f4a7c15ULL;
    for (const char *c = key; *c != '\0'; c++)
        h = (h ^ (unsigned char)*c) * 0x100000001b3ULL;
    return (size_t)(h >> 32) % PG_RESULTS_KEPT;
}

static size_t result_bytes(const PGresult *res)
{
    size_t n = 0;
    for (int r = 0; r < PQntuples(res); r++)
        for (int c = 0; c < PQnfields(res); c++)
            n += (size_t)PQgetlength(res, r, c);
    return n;
}

static void kept_clear(struct store_pg *p, struct pg_result_kept *k)
{
    p->kept_bytes -= k->bytes;
    PQclear(k->res);
    free(k->key);
    memset(k, 0, sizeof(*k));
}

ph_err pg_get_kept(struct store_pg *p, struct arena *ar, const char *sql, const struct pg_args *a,
                   const char *what, pg_read_fn read, void *out)
{
    bool usable = false;
    int64_t rev = 0;
    char *key = NULL;
    PGresult *res = NULL;
    ph_err rc = pg_ref_check(p, &usable, &rev);

    if (rc != PH_OK)
        return rc;
    if (!usable || (key = kept_key(a)) == NULL)
        return pg_get(p, ar, sql, a, what, read, out);
    struct pg_result_kept *k = &p->results_kept[kept_slot(sql, key)];
    if (k->epoch == p->ref_epoch && k->rev == rev && k->sql == sql && strcmp(k->key, key) == 0) {
        free(key);
        p->kept_hits++;
        return first_row(k->res, ar, read, out);
    }
    if ((rc = pg_exec(p, sql, a, what, &res)) != PH_OK) {
        free(key);
        return rc;
    }
    rc = first_row(res, ar, read, out);
    kept_clear(p, k);
    size_t bytes = result_bytes(res) + strlen(key);
    if (p->kept_bytes + bytes > PG_KEPT_BUDGET) {
        PQclear(res);
        free(key);
        return rc;
    }
    *k = (struct pg_result_kept){.epoch = p->ref_epoch, .rev = rev, .sql = sql, .key = key,
                                 .res = res, .bytes = bytes};
    p->kept_bytes += bytes;
    return rc;
}

/* An operation's savepoint. Outside a transaction a savepoint cannot exist in
 * PostgreSQL (SQLite begins one): the outermost operation then is a
 * transaction of its own. */
ph_err pg_op_begin(struct store_pg *p)
{
    ph_err rc;

    if (!p->in_tx && p->op_depth == 0) {
        /* A write of its own: it waits for the write lock like any (tx_begin),
         * in the same round trip as its BEGIN. */
        reconnect(p);
        PGresult *res = PQexec(p->conn, PG_BEGIN_WRITE);
        rc = PQresultStatus(res) == PGRES_TUPLES_OK ? PH_OK
                                                     : fail(p, res, "begin operation");
        PQclear(res);
        if (rc != PH_OK && PQtransactionStatus(p->conn) != PQTRANS_IDLE)
            (void)pg_run(p, "ROLLBACK", "roll back operation");
    } else
        rc = pg_run(p, "SAVEPOINT ph_op", "operation savepoint");
    if (rc == PH_OK)
        p->op_depth++;
    return rc;
}

ph_err pg_op_end(struct store_pg *p, ph_err rc)
{
    ph_err end;

    /* Writes of the operation still waiting (pg_write_later): their failure is
     * the operation's, undone by its savepoint like any other. */
    if (p->n_later > 0) {
        end = pg_flush(p);
        if (rc == PH_OK)
            rc = end;
    }

    /* op_depth drops only after the statement that ends the operation, so that
     * a connection lost meanwhile is not made again under it (reconnect()). */
    if (!p->in_tx && p->op_depth == 1) {
        end = pg_run(p, rc == PH_OK ? "COMMIT" : "ROLLBACK",
                     rc == PH_OK ? "commit operation" : "roll back operation");
        p->op_depth--;
        p->ref_written = false; /* its transaction is over */
        return rc != PH_OK ? rc : end;
    }
    if (rc == PH_OK) {
        end = pg_run(p, "RELEASE SAVEPOINT ph_op", "release operation savepoint");
        p->op_depth--;
        return end;
    }
    pg_tx_kept_forget(p);
    end = pg_run(p, "ROLLBACK TO SAVEPOINT ph_op", "roll back operation");
    if (end == PH_OK)
        (void)pg_run(p, "RELEASE SAVEPOINT ph_op", "release operation savepoint");
    p->op_depth--;
    return rc;
}

/* ---- reading results -------------------------------------------------------------- */

bool pg_col_null(const PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) != 0;
}

int64_t pg_col_i64(const PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col))
        return 0;
    return strtoll(PQgetvalue(res, row, col), NULL, 10);
}

int pg_col_int(const PGresult *res, int row, int col)
{
    return (int)pg_col_i64(res, row, col);
}

double pg_col_f64(const PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col))
        return 0;
    return strtod(PQgetvalue(res, row, col), NULL);
}

bool pg_col_bool(const PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col))
        return false;
    const char *v = PQgetvalue(res, row, col);
    if (v[0] == 't')
        return true;
    if (v[0] == 'f')
        return false;
    return strtoll(v, NULL, 10) != 0;
}

char *pg_col_text(struct arena *ar, const PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col))
        return NULL;
    return arena_strndup(ar, PQgetvalue(res, row, col), (size_t)PQgetlength(res, row, col));
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* bytea in text format is "\x" and two hex digits a byte (bytea_output hex,
 * set at connect). Decodes into out (room for (len - 2) / 2 bytes); -1 when the
 * text is not that. */
static long decode_bytea(const char *v, size_t len, uint8_t *out)
{
    if (len < 2 || v[0] != '\\' || v[1] != 'x' || (len - 2) % 2 != 0)
        return -1;
    for (size_t i = 2, o = 0; i < len; i += 2, o++) {
        int hi = hex_digit(v[i]), lo = hex_digit(v[i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[o] = (uint8_t)(hi << 4 | lo);
    }
    return (long)((len - 2) / 2);
}

void *pg_col_bytes(struct arena *ar, const PGresult *res, int row, int col, size_t *len)
{
    *len = 0;
    if (PQgetisnull(res, row, col))
        return NULL;
    size_t tlen = (size_t)PQgetlength(res, row, col);
    uint8_t *out = arena_alloc(ar, tlen / 2 + 1);
    long n = decode_bytea(PQgetvalue(res, row, col), tlen, out);
    if (n < 0) {
        log_error("store/postgres: a bytea column came back not as hex");
        return NULL;
    }
    *len = (size_t)n;
    return out;
}

bool pg_col_hash(const PGresult *res, int row, int col, uint8_t out[32])
{
    size_t tlen = PQgetisnull(res, row, col) ? 0 : (size_t)PQgetlength(res, row, col);

    if (tlen != 2 + 64 || decode_bytea(PQgetvalue(res, row, col), tlen, out) != 32) {
        memset(out, 0, 32);
        return false;
    }
    return true;
}

/* ---- the connection --------------------------------------------------------------- */

static void close_impl(struct store_pg *p)
{
    if (p == NULL)
        return;
    if (p->conn != NULL)
        PQfinish(p->conn);
    free(p->slots);
    arena_release(&p->rules_arena);
    for (size_t i = 0; i < PG_UNIT_KEPT; i++)
        arena_release(&p->unit_kept[i].arena);
    arena_release(&p->areas_arena);
    for (size_t i = 0; i < PG_RESULTS_KEPT; i++)
        kept_clear(p, &p->results_kept[i]);
    free(p);
}

/* libpq's notices (e.g. "there is no transaction in progress") go to our log
 * at debug level instead of stderr. */
static void on_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* Connect to dsn with dbname replaced by "postgres" (the maintenance database). */
static PGconn *connect_maintenance(const char *dsn, char **dbname)
{
    char *err = NULL;
    PQconninfoOption *opts = PQconninfoParse(dsn, &err);
    const char *keys[64], *values[64];
    int n = 0;
    PGconn *conn = NULL;

    *dbname = NULL;
    if (opts == NULL) {
        log_error("store/postgres: bad database URL: %s", err != NULL ? err : "?");
        PQfreemem(err);
        return NULL;
    }
    for (PQconninfoOption *o = opts; o->keyword != NULL && n < 63; o++) {
        if (o->val == NULL)
            continue;
        if (strcmp(o->keyword, "dbname") == 0) {
            size_t len = strlen(o->val) + 1;
            *dbname = xmalloc(len);
            memcpy(*dbname, o->val, len);
            continue;
        }
        keys[n] = o->keyword;
        values[n++] = o->val;
    }
    keys[n] = "dbname";
    values[n++] = "postgres";
    keys[n] = NULL;
    values[n] = NULL;
    if (*dbname != NULL)
        conn = PQconnectdbParams(keys, values, 0);
    PQconninfoFree(opts);
    return conn;
}

/* Create the database dsn names, as SQLite creates a missing file: UTF-8 with
 * byte order for text (pg_int.h). Another node creating it at the same moment
 * is fine. The name comes from the operator's configuration, and is quoted as
 * an identifier all the same. */
static ph_err create_database(const char *dsn)
{
    char *dbname = NULL;
    PGconn *conn = connect_maintenance(dsn, &dbname);
    ph_err rc = PH_ESTORE;

    if (conn == NULL || dbname == NULL || PQstatus(conn) != CONNECTION_OK) {
        log_error("store/postgres: cannot connect to create the database: %s",
                  conn != NULL ? PQerrorMessage(conn) : "no database name in the URL");
        goto out;
    }
    char *ident = PQescapeIdentifier(conn, dbname, strlen(dbname));
    if (ident == NULL)
        goto out;
    size_t size = strlen(ident) + 128;
    char *sql = xmalloc(size);
    snprintf(sql, size,
             "CREATE DATABASE %s TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'",
             ident);
    PQfreemem(ident);
    PGresult *res = PQexec(conn, sql);
    free(sql);
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    if (PQresultStatus(res) == PGRES_COMMAND_OK || (state != NULL && strcmp(state, "42P04") == 0)) {
        rc = PH_OK;
        log_info("store/postgres: created database %s", dbname);
    } else {
        log_error("store/postgres: cannot create database %s: %s", dbname,
                  PQresultErrorMessage(res));
    }
    PQclear(res);
out:
    if (conn != NULL)
        PQfinish(conn);
    free(dbname);
    return rc;
}

/* The URL as given, with "phoihop" as the application name unless it names
 * one (pg_stat_activity then tells our sessions apart). */
static PGconn *connect_url(const char *dsn)
{
    const char *keys[] = {"dbname", "fallback_application_name", NULL};
    const char *values[] = {dsn, "phoihop", NULL};
    return PQconnectdbParams(keys, values, 1);
}

static ph_err connect_to(struct store_pg *p, const char *dsn)
{
    p->conn = connect_url(dsn);
    if (PQstatus(p->conn) == CONNECTION_OK)
        return PH_OK;
    /* No SQLSTATE comes with a failed connection: the server's message says. */
    bool missing = strstr(PQerrorMessage(p->conn), "does not exist") != NULL &&
                   strstr(PQerrorMessage(p->conn), "database") != NULL;
    if (missing) {
        PQfinish(p->conn);
        p->conn = NULL;
        if (create_database(dsn) != PH_OK)
            return PH_ESTORE;
        p->conn = connect_url(dsn);
        if (PQstatus(p->conn) == CONNECTION_OK)
            return PH_OK;
    }
    log_error("store/postgres: cannot connect: %s", PQerrorMessage(p->conn));
    return PH_ESTORE;
}

/* Text compares as bytes (pg_int.h): refuse a database that sorts otherwise. */
static ph_err check_collation(struct store_pg *p)
{
    PGresult *res = NULL;
    ph_err rc = pg_exec(p, "SELECT datcollate FROM pg_database WHERE datname = current_database()",
                        NULL, "read collation", &res);

    if (rc != PH_OK)
        return rc;
    const char *c = PQntuples(res) > 0 ? PQgetvalue(res, 0, 0) : "";
    if (strcmp(c, "C") != 0 && strcmp(c, "POSIX") != 0 && strncmp(c, "C.", 2) != 0) {
        log_error("store/postgres: the database sorts text by '%s'; phoihop needs byte order: "
                  "create it with LC_COLLATE 'C' (docs/OPERATIONS.md)",
                  c);
        rc = PH_EINVAL;
    }
    PQclear(res);
    return rc;
}

/* ---- migrations ------------------------------------------------------------------- */

#define MIGRATION_DIR "src/store/schema/postgres/"

static ph_err read_version(struct store_pg *p, int *version)
{
    int64_t v = 0;
    ph_err rc = pg_get_i64(p, "SELECT coalesce(max(version), 0) FROM phoihop_schema", NULL,
                           "read schema version", &v);
    if (rc == PH_OK)
        *version = (int)v;
    return rc;
}

static ph_err refuse_newer(int version)
{
    log_error("database schema version %d is newer than this phoihop knows (%d): upgrade phoihop",
              version, STORE_SCHEMA_VERSION);
    return PH_ESCHEMA;
}

/* The embedded migration of version v, or NULL. */
static const struct embedded_file *migration_file(int v)
{
    size_t dir = strlen(MIGRATION_DIR);

    for (const struct embedded_file *f = embedded_files; f->name != NULL; f++)
        if (strncmp(f->name, MIGRATION_DIR, dir) == 0 && strtol(f->name + dir, NULL, 10) == v)
            return f;
    return NULL;
}

/* Every pending migration, each in its own transaction, under a session lock so
 * that nodes starting together migrate once (the others wait, then find the
 * work done). */
static ph_err migrate(struct store_pg *p)
{
    int version = 0;
    ph_err rc;

    if ((rc = pg_run(p, "SELECT pg_advisory_lock(" PG_LOCK_MIGRATE ")", "lock migrations")) !=
        PH_OK)
        return rc;
    rc = pg_run(p,
                "CREATE TABLE IF NOT EXISTS phoihop_schema (version INTEGER PRIMARY KEY, "
                "applied_at BIGINT NOT NULL)",
                "create schema table");
    if (rc == PH_OK)
        rc = read_version(p, &version);
    if (rc == PH_OK && version > STORE_SCHEMA_VERSION)
        rc = refuse_newer(version);
    for (int v = version + 1; rc == PH_OK && v <= STORE_SCHEMA_VERSION; v++) {
        const struct embedded_file *f = migration_file(v);
        if (f == NULL) {
            log_error("store/postgres: migration %d is not built into this phoihop", v);
            rc = PH_ESTORE;
            break;
        }
        if ((rc = pg_run(p, "BEGIN", "begin migration")) != PH_OK)
            break;
        PGresult *res = PQexec(p->conn, (const char *)f->data);
        if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK) {
            log_error("store/postgres: migration %s: %s", f->name, PQresultErrorMessage(res));
            rc = PH_ESTORE;
        }
        PQclear(res);
        if (rc == PH_OK) {
            struct pg_args a = {0};
            pg_arg_i64(&a, v);
            rc = pg_write(p,
                          "INSERT INTO phoihop_schema (version, applied_at) VALUES ($1, "
                          "(extract(epoch FROM clock_timestamp()) * 1000)::bigint)",
                          &a, "record schema version", NULL);
        }
        if (rc == PH_OK)
            rc = pg_run(p, "COMMIT", "commit migration");
        if (rc != PH_OK)
            (void)pg_run(p, "ROLLBACK", "roll back migration");
        else
            log_info("store/postgres: database schema migrated to version %d", v);
    }
    (void)pg_run(p, "SELECT pg_advisory_unlock(" PG_LOCK_MIGRATE ")", "unlock migrations");
    return rc;
}

/* ---- the session ------------------------------------------------------------------ */

/* What every session of ours starts with. Times are numbers, but every session
 * agrees on UTC and hex bytea all the same; the client speaks UTF-8 (text is NFC
 * UTF-8 everywhere). */
static ph_err session_setup(struct store_pg *p)
{
    ph_err rc;

    PQsetNoticeProcessor(p->conn, on_notice, NULL);
    if ((rc = pg_run(p, "SET TIME ZONE 'UTC'", "set time zone")) != PH_OK ||
        (rc = pg_run(p, "SET bytea_output = 'hex'", "set bytea output")) != PH_OK)
        return rc;
    return pg_run(p, "SET client_encoding = 'UTF8'", "set client encoding");
}

/* A lost connection (the server restarted, or a standby was promoted and the URL
 * names both hosts with target_session_attrs=read-write) is made again before the
 * next statement, and only between transactions: inside one, the transaction is
 * lost with the session and its caller rolls back. The statement that found the
 * connection lost is never sent again: it may have reached the server (a COMMIT
 * among them), so its caller learns of the failure. The new session has no
 * prepared statements, no LISTEN (events/cluster.c listens again) and no
 * leadership (pg_leader_try takes it again). */
static void reconnect(struct store_pg *p)
{
    /* A connection stuck in pipeline mode (pipe_sync could not leave it) is
     * made again too: no statement could run on it. */
    if ((PQstatus(p->conn) == CONNECTION_OK && PQpipelineStatus(p->conn) == PQ_PIPELINE_OFF) ||
        p->in_tx || p->op_depth > 0)
        return;
    PQreset(p->conn);
    if (PQstatus(p->conn) != CONNECTION_OK) {
        log_error("store/postgres: reconnecting failed: %s", PQerrorMessage(p->conn));
        return;
    }
    for (size_t i = 0; i < p->cap_slots; i++)
        p->slots[i].sql = NULL;
    p->n_slots = 0;
    p->leader = false;
    p->ref_epoch++; /* another server, perhaps (a promoted standby): read again */
    log_warn("store/postgres: connection lost and made again");
    (void)session_setup(p);
}

static ph_err pg_open(struct store *st, const char *dsn)
{
    struct store_pg *p = xcalloc(1, sizeof(*p));
    ph_err rc;

    p->ref_epoch = 1; /* kept values of epoch 0 are empty slots */
    if ((rc = connect_to(p, dsn)) != PH_OK)
        goto out;
    if ((rc = session_setup(p)) != PH_OK || (rc = check_collation(p)) != PH_OK ||
        (rc = migrate(p)) != PH_OK)
        goto out;
    st->impl = p;
    return PH_OK;
out:
    close_impl(p);
    return rc;
}

static void pg_close(struct store *st)
{
    close_impl(st->impl);
    st->impl = NULL;
}

static ph_err pg_schema_version(struct store *st, int *version)
{
    return read_version(store_pg_of(st), version);
}

static ph_err pg_db_size(struct store *st, int64_t *bytes)
{
    return pg_get_i64(store_pg_of(st), "SELECT pg_database_size(current_database())", NULL,
                      "database size", bytes);
}

/* ---- transactions ----------------------------------------------------------------- */

static void tx_ended(struct store_pg *p)
{
    p->in_tx = p->read_tx = false;
    pg_tx_kept_forget(p);
    p->op_depth = 0;
    /* Committed or not, its writes are over (a commit moved ref_rev). */
    p->ref_written = false;
    p->tx_rev_known = false;
}

void pg_ref_changed(struct store_pg *p)
{
    p->ref_epoch++;
    if (p->in_tx || p->op_depth > 0 || PQtransactionStatus(p->conn) != PQTRANS_IDLE)
        p->ref_written = true;
}

ph_err pg_ref_check(struct store_pg *p, bool *usable, int64_t *rev)
{
    ph_err rc;

    *usable = false;
    /* An error may have aborted the transaction: nothing more runs in it. (With
     * writes waiting in a pipeline the status is "active": a failure among them
     * fails the job anyway.) */
    if (!p->in_tx || p->ref_written ||
        (p->n_later == 0 && PQtransactionStatus(p->conn) != PQTRANS_INTRANS))
        return PH_OK;
    if (!p->tx_rev_known) {
        /* A read transaction's snapshot (a write transaction read it at begin). */
        if (!p->read_tx)
            return PH_OK;
        if ((rc = pg_get_i64(p, "SELECT rev FROM ref_rev", NULL, "reference revision",
                             &p->tx_ref_rev)) != PH_OK)
            return rc;
        p->tx_rev_known = true;
    }
    *rev = p->tx_ref_rev;
    *usable = true;
    return PH_OK;
}

/* A write transaction (the writer's batches, the command line's jobs) takes the
 * database's write lock first, before any row lock, and holds it to its end:
 * several nodes then write one after another, as SQLite's one writer does. The
 * code above the store was built on that: numbers read then written (the audit
 * chain's seq, reference counters), "find, else insert" (device and message
 * uids, idempotency keys) and the scheduler's due marks stay right without
 * retries, outbox ids come in commit order (events/bus.c reads "after the last
 * id"), and two writers can never deadlock. Reads use read_begin or no
 * transaction and never wait for it. */
static ph_err pg_tx_begin(struct store *st)
{
    struct store_pg *p = store_pg_of(st);
    PGresult *res;
    ph_err rc = PH_OK;

    /* One round trip: the three statements of one simple query (fixed text, no
     * parameters), each with its own snapshot. The revision of the reference
     * data (struct store_pg) is read by a statement after the one that waited
     * for the lock, so it sees every commit made before the lock was granted;
     * in one statement its snapshot would predate the wait. */
    reconnect(p);
    p->ref_written = p->tx_rev_known = false;
    res = PQexec(p->conn, PG_BEGIN_WRITE "; SELECT rev FROM ref_rev");
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        rc = fail(p, res, "begin and take the write lock");
    else if (PQntuples(res) != 1) {
        log_error("store/postgres: ref_rev holds %d rows, not one", PQntuples(res));
        rc = PH_ESTORE;
    } else {
        p->tx_ref_rev = pg_col_i64(res, 0, 0);
        p->tx_rev_known = true;
    }
    PQclear(res);
    p->in_tx = rc == PH_OK;
    if (rc != PH_OK) {
        p->tx_rev_known = false;
        if (PQtransactionStatus(p->conn) != PQTRANS_IDLE)
            (void)pg_run(p, "ROLLBACK", "rollback");
    }
    return rc;
}

static ph_err pg_tx_commit(struct store *st)
{
    struct store_pg *p = store_pg_of(st);
    ph_err rc = pg_run(p, "COMMIT", "commit");

    tx_ended(p);
    return rc;
}

static ph_err pg_tx_rollback(struct store *st)
{
    struct store_pg *p = store_pg_of(st);

    (void)pg_flush(p); /* what was sent is answered first; it is undone anyway */
    bool open = PQtransactionStatus(p->conn) != PQTRANS_IDLE;

    tx_ended(p);
    return open ? pg_run(p, "ROLLBACK", "rollback") : PH_OK;
}

/* A job's savepoint is sent with the job's first statement that waits for an
 * answer (pg_write_later); its release waits, and answers for every write of
 * the job that did not: one round trip where a job's writes need no answer.
 * A write of the job that failed is the release's error (store.h). */
static ph_err pg_savepoint(struct store *st)
{
    return pg_write_later(store_pg_of(st), "SAVEPOINT ph_job", NULL, "savepoint");
}

static ph_err pg_savepoint_release(struct store *st)
{
    return pg_run(store_pg_of(st), "RELEASE SAVEPOINT ph_job", "release savepoint");
}

/* Undo everything since the savepoint and end it. */
static ph_err pg_savepoint_rollback(struct store *st)
{
    struct store_pg *p = store_pg_of(st);

    (void)pg_flush(p); /* answered first: undone anyway */
    pg_tx_kept_forget(p);
    ph_err rc = pg_run(p, "ROLLBACK TO SAVEPOINT ph_job", "rollback to savepoint");

    p->op_depth = 0;
    if (rc == PH_OK)
        rc = pg_run(p, "RELEASE SAVEPOINT ph_job", "release savepoint");
    return rc;
}

/* One snapshot for several reads (store_read_begin): repeatable read, read only. */
static ph_err pg_read_begin(struct store *st)
{
    struct store_pg *p = store_pg_of(st);
    ph_err rc;

    if (p->in_tx)
        return PH_OK; /* inside a transaction: its snapshot serves */
    rc = pg_run(p, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "begin read");
    p->read_tx = p->in_tx = rc == PH_OK;
    p->ref_written = p->tx_rev_known = false;
    return rc;
}

static ph_err pg_read_end(struct store *st)
{
    struct store_pg *p = store_pg_of(st);

    if (!p->read_tx)
        return PH_OK;
    ph_err rc = pg_run(p, "COMMIT", "end read");
    tx_ended(p);
    return rc;
}

/* WAL checkpoints are PostgreSQL's own business. */
static ph_err pg_wal_watch(struct store *st, void (*fn)(void *ctx, int wal_frames), void *ctx)
{
    return PH_OK;
}

static ph_err pg_wal_checkpoint(struct store *st, int *wal_frames, int *done)
{
    *wal_frames = 0;
    *done = 0;
    return PH_OK;
}

/* ---- the outbox ------------------------------------------------------------------- */

/* Readers take events "after the last id they saw" (events/bus.c), on every
 * node. With several writers, ids from a sequence could commit out of order and
 * a reader past a later id would never see an earlier one. Writers take turns
 * (the write lock, pg_tx_begin and pg_op_begin), so ids are given in commit
 * order; the statement takes the lock too, before the row (and its id) is made,
 * for an event written with no transaction around it (then a no-op when held).
 * The NOTIFY, one per transaction (PostgreSQL folds identical ones), reaches
 * the other nodes' listeners at the commit. */
static ph_err pg_outbox_insert(struct store *st, const struct store_outbox_event *ev, int64_t *id)
{
    struct store_pg *p = store_pg_of(st);
    struct pg_args a = {0};

    pg_arg_i64(&a, store_time_or_now(ev->at));
    pg_arg_text(&a, ev->topic);
    pg_arg_text(&a, ev->item_kind);
    pg_arg_i64(&a, ev->item_id);
    pg_arg_text(&a, ev->payload);
    pg_arg_i64(&a, ev->access_kind);
    pg_arg_i64(&a, ev->classification);
    pg_arg_text(&a, ev->scope_paths);
    static const char sql[] =
        "WITH l AS (SELECT pg_advisory_xact_lock(" PG_LOCK_WRITE ")), "
        "n AS (SELECT pg_notify('" PG_CHANNEL_OUTBOX "', '')), "
        "ins AS (INSERT INTO outbox (at, topic, item_kind, item_id, payload, "
        "access_kind, classification, scope_paths) "
        "SELECT $1, $2, $3, $4, $5, $6, $7, $8 FROM l, n RETURNING id) "
        "SELECT id FROM ins";
    /* Without id nothing waits for the answer (pg_write_later). */
    return id != NULL ? pg_insert(p, sql, &a, "insert outbox event", id)
                      : pg_write_later(p, sql, &a, "insert outbox event");
}

static void read_outbox_event(struct arena *ar, const PGresult *res, int row, void *out)
{
    struct store_outbox_event *ev = out;

    ev->id = pg_col_i64(res, row, 0);
    ev->at = pg_col_i64(res, row, 1);
    ev->topic = pg_col_text(ar, res, row, 2);
    ev->item_kind = pg_col_text(ar, res, row, 3);
    ev->item_id = pg_col_i64(res, row, 4);
    ev->payload = pg_col_text(ar, res, row, 5);
    ev->access_kind = pg_col_int(res, row, 6);
    ev->classification = pg_col_int(res, row, 7);
    ev->scope_paths = pg_col_text(ar, res, row, 8);
}

static ph_err pg_outbox_after(struct store *st, struct arena *ar, int64_t after_id, int limit,
                              struct store_outbox_event **items, size_t *n)
{
    struct pg_args a = {0};
    void *list = NULL;
    ph_err rc;

    pg_arg_i64(&a, after_id);
    pg_arg_i64(&a, limit < 0 ? 0 : limit);
    rc = pg_rows(store_pg_of(st), ar,
                 "SELECT id, at, topic, item_kind, item_id, payload, access_kind, classification, "
                 "scope_paths FROM outbox WHERE id > $1 ORDER BY id LIMIT $2",
                 &a, "read outbox", sizeof(**items), 0, read_outbox_event, &list, n, NULL);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

static ph_err pg_outbox_last_id(struct store *st, int64_t *id)
{
    return pg_get_i64(store_pg_of(st), "SELECT coalesce(max(id), 0) FROM outbox", NULL,
                      "last outbox id", id);
}

/* ---- several nodes ---------------------------------------------------------------- */

static bool pg_shared(struct store *st)
{
    return true;
}

static ph_err pg_listen(struct store *st, const char *channel)
{
    struct store_pg *p = store_pg_of(st);
    /* LISTEN takes no parameters; channels are our constants, quoted all the same. */
    char *ident = PQescapeIdentifier(p->conn, channel, strlen(channel));
    if (ident == NULL)
        return PH_ESTORE;
    size_t size = strlen(ident) + 8;
    char *sql = xmalloc(size);
    snprintf(sql, size, "LISTEN %s", ident);
    PQfreemem(ident);
    PGresult *res = PQexec(p->conn, sql);
    free(sql);
    ph_err rc = PQresultStatus(res) == PGRES_COMMAND_OK ? PH_OK : fail(p, res, "listen");
    PQclear(res);
    return rc;
}

static ph_err pg_notify(struct store *st, const char *channel, const char *payload)
{
    struct pg_args a = {0};

    pg_arg_text(&a, channel);
    pg_arg_text(&a, payload != NULL ? payload : "");
    return pg_write(store_pg_of(st), "SELECT pg_notify($1, $2)", &a, "notify", NULL);
}

static bool take_notification(struct store_pg *p, struct store_notification *out)
{
    PGnotify *n = PQnotifies(p->conn);
    if (n == NULL)
        return false;
    snprintf(out->channel, sizeof(out->channel), "%s", n->relname);
    snprintf(out->payload, sizeof(out->payload), "%s", n->extra != NULL ? n->extra : "");
    PQfreemem(n);
    return true;
}

static ph_err pg_wait_notify(struct store *st, int timeout_ms, struct store_notification *out,
                             bool *got)
{
    struct store_pg *p = store_pg_of(st);

    *got = false;
    if (PQconsumeInput(p->conn) == 0)
        goto lost;
    if ((*got = take_notification(p, out)))
        return PH_OK;
    struct pollfd pfd = {.fd = PQsocket(p->conn), .events = POLLIN};
    if (pfd.fd < 0)
        goto lost;
    int r = poll(&pfd, 1, timeout_ms);
    if (r < 0 && errno != EINTR) {
        log_error("store/postgres: poll: %s", strerror(errno));
        return PH_EIO;
    }
    if (r > 0 && PQconsumeInput(p->conn) == 0)
        goto lost;
    *got = take_notification(p, out);
    return PH_OK;
lost:
    log_error("store/postgres: connection lost: %s", PQerrorMessage(p->conn));
    return PH_ESTORE;
}

/* The scheduler's lock is a session lock: it stays with this connection until
 * it closes, or the node dies and PostgreSQL ends the session. Taking it again
 * while held would stack it, so a holder only checks the session is alive.
 * A node whose machine or network dies sends no FIN: the server learns it only
 * from TCP keepalives, after the kernel's two hours by default. The try sets
 * this session's probes (idle 5 s, then every 2 s, 3 lost: about 11 s) in the
 * same statement, so that a dead leader's lock is freed within seconds. */
static ph_err pg_leader_try(struct store *st, bool *leader)
{
    struct store_pg *p = store_pg_of(st);
    PGresult *res = NULL;
    ph_err rc;

    if (p->leader) {
        rc = pg_run(p, "SELECT 1", "check leadership");
        if (rc == PH_OK && p->leader) {
            *leader = true;
            return PH_OK;
        }
        /* It failed, or it reconnected (reconnect() clears p->leader) and ran in
         * a new session, which holds no lock: take it again below. */
        p->leader = false;
        if (rc != PH_OK) {
            *leader = false;
            return rc;
        }
    }
    rc = pg_exec(p,
                 "SELECT pg_try_advisory_lock(" PG_LOCK_SCHEDULER ") FROM (SELECT "
                 "set_config('tcp_keepalives_idle', '5', false), "
                 "set_config('tcp_keepalives_interval', '2', false), "
                 "set_config('tcp_keepalives_count', '3', false)) AS keepalive",
                 NULL, "take leadership", &res);
    if (rc == PH_OK)
        p->leader = pg_col_bool(res, 0, 0);
    PQclear(res);
    *leader = p->leader;
    return rc;
}

/* ---- the ops table ---------------------------------------------------------------- */

const struct store_ops store_postgres_ops = {
    .name = "postgres",
    .open = pg_open,
    .close = pg_close,
    .schema_version = pg_schema_version,
    .db_size = pg_db_size,
    .tx_begin = pg_tx_begin,
    .tx_commit = pg_tx_commit,
    .tx_rollback = pg_tx_rollback,
    .savepoint = pg_savepoint,
    .savepoint_release = pg_savepoint_release,
    .savepoint_rollback = pg_savepoint_rollback,
    .force_list = store_pg_force_list,
    .area_insert = store_pg_area_insert,
    .area_update = store_pg_area_update,
    .area_delete = store_pg_area_delete,
    .area_get = store_pg_area_get,
    .area_list = store_pg_area_list,
    .category_insert = store_pg_category_insert,
    .category_update = store_pg_category_update,
    .category_get = store_pg_category_get,
    .category_get_by_code = store_pg_category_get_by_code,
    .category_list = store_pg_category_list,
    .unit_insert = store_pg_unit_insert,
    .unit_update = store_pg_unit_update,
    .unit_delete = store_pg_unit_delete,
    .unit_get = store_pg_unit_get,
    .unit_list = store_pg_unit_list,
    .unit_responsible = store_pg_unit_responsible,
    .person_insert = store_pg_person_insert,
    .person_update = store_pg_person_update,
    .person_get = store_pg_person_get,
    .person_get_by_username = store_pg_person_get_by_username,
    .person_list = store_pg_person_list,
    .person_set_password = store_pg_person_set_password,
    .person_set_login_state = store_pg_person_set_login_state,
    .token_insert = store_pg_token_insert,
    .token_lookup = store_pg_token_lookup,
    .token_revoke = store_pg_token_revoke,
    .token_revoke_person = store_pg_token_revoke_person,
    .token_get = store_pg_token_get,
    .audit_last = store_pg_audit_last,
    .audit_insert = store_pg_audit_insert,
    .audit_page = store_pg_audit_page,
    .audit_count = store_pg_audit_count,
    .outbox_insert = pg_outbox_insert,
    .outbox_after = pg_outbox_after,
    .outbox_last_id = pg_outbox_last_id,
    .setting_get = store_pg_setting_get,
    .setting_set = store_pg_setting_set,
    .area_candidates = store_pg_area_candidates,
    .area_within = store_pg_area_within,
    .incident_ref_next = store_pg_incident_ref_next,
    .incident_insert = store_pg_incident_insert,
    .incident_update = store_pg_incident_update,
    .incident_get = store_pg_incident_get,
    .incident_get_by_ref = store_pg_incident_get_by_ref,
    .incident_rev = store_pg_incident_rev,
    .incident_list = store_pg_incident_list,
    .incident_recipient_put = store_pg_incident_recipient_put,
    .incident_recipients_add = store_pg_incident_recipients_add,
    .incident_recipients = store_pg_incident_recipients,
    .incident_ack_insert = store_pg_incident_ack_insert,
    .incident_acks = store_pg_incident_acks,
    .incident_event_insert = store_pg_incident_event_insert,
    .incident_events = store_pg_incident_events,
    .idem_get = store_pg_idem_get,
    .idem_put = store_pg_idem_put,
    .idem_prune = store_pg_idem_prune,
    .incident_inbox = store_pg_incident_inbox,
    .deadline_due = store_pg_deadline_due,
    .deadline_next = store_pg_deadline_next,
    .deadline_mark = store_pg_deadline_mark,
    .recipient_mark_escalated = store_pg_recipient_mark_escalated,
    .timeliness_rows = store_pg_timeliness_rows,
    .incident_counts = store_pg_incident_counts,
    .rule_insert = store_pg_rule_insert,
    .rule_update = store_pg_rule_update,
    .rule_get = store_pg_rule_get,
    .rule_list = store_pg_rule_list,
    .rule_active = store_pg_rule_active,
    .bulletin_insert = store_pg_bulletin_insert,
    .bulletin_get = store_pg_bulletin_get,
    .bulletin_list = store_pg_bulletin_list,
    .bulletin_recipients = store_pg_bulletin_recipients,
    .bulletin_ack = store_pg_bulletin_ack,
    .bulletin_inbox = store_pg_bulletin_inbox,
    .bulletin_due = store_pg_bulletin_due,
    .bulletin_deadline_next = store_pg_bulletin_deadline_next,
    .bulletin_mark_overdue = store_pg_bulletin_mark_overdue,
    .bulletin_period_state = store_pg_bulletin_period_state,
    .bulletin_miss_insert = store_pg_bulletin_miss_insert,
    .bulletin_schedule_insert = store_pg_bulletin_schedule_insert,
    .bulletin_schedule_update = store_pg_bulletin_schedule_update,
    .bulletin_schedule_get = store_pg_bulletin_schedule_get,
    .bulletin_schedule_list = store_pg_bulletin_schedule_list,
    .bulletin_schedule_active = store_pg_bulletin_schedule_active,
    .attachment_blob_put = store_pg_attachment_blob_put,
    .attachment_insert = store_pg_attachment_insert,
    .attachment_count = store_pg_attachment_count,
    .attachment_list = store_pg_attachment_list,
    .attachment_get = store_pg_attachment_get,
    .device_insert = store_pg_device_insert,
    .device_update = store_pg_device_update,
    .device_get = store_pg_device_get,
    .device_get_by_uid = store_pg_device_get_by_uid,
    .device_list = store_pg_device_list,
    .device_latest = store_pg_device_latest,
    .device_of_people = store_pg_device_of_people,
    .device_set_callsign = store_pg_device_set_callsign,
    .device_set_last = store_pg_device_set_last,
    .position_insert = store_pg_position_insert,
    .position_range = store_pg_position_range,
    .position_first = store_pg_position_first,
    .retention_get = store_pg_retention_get,
    .retention_put = store_pg_retention_put,
    .retention_devices = store_pg_retention_devices,
    .retention_intervals = store_pg_retention_intervals,
    .position_delete_at = store_pg_position_delete_at,
    .position_expire = store_pg_position_expire,
    .asset_insert = store_pg_asset_insert,
    .asset_update = store_pg_asset_update,
    .asset_get = store_pg_asset_get,
    .asset_list = store_pg_asset_list,
    .operation_insert = store_pg_operation_insert,
    .operation_update = store_pg_operation_update,
    .operation_get = store_pg_operation_get,
    .operation_list = store_pg_operation_list,
    .operation_conflict = store_pg_operation_conflict,
    .operation_log_insert = store_pg_operation_log_insert,
    .operation_log_get = store_pg_operation_log_get,
    .operation_log_list = store_pg_operation_log_list,
    .operation_summary = store_pg_operation_summary,
    .operation_coverage_rows = store_pg_operation_coverage_rows,
    .message_insert = store_pg_message_insert,
    .message_find = store_pg_message_find,
    .message_get = store_pg_message_get,
    .message_list = store_pg_message_list,
    .draft_insert = store_pg_draft_insert,
    .draft_update = store_pg_draft_update,
    .draft_get = store_pg_draft_get,
    .draft_find = store_pg_draft_find,
    .draft_list = store_pg_draft_list,
    .incident_points = store_pg_incident_points,
    .hotspot_insert = store_pg_hotspot_insert,
    .hotspot_get = store_pg_hotspot_get,
    .hotspot_list = store_pg_hotspot_list,
    .hotspot_open = store_pg_hotspot_open,
    .hotspot_set_status = store_pg_hotspot_set_status,
    .hotspot_note_insert = store_pg_hotspot_note_insert,
    .hotspot_notes = store_pg_hotspot_notes,
    .wal_watch = pg_wal_watch,
    .wal_checkpoint = pg_wal_checkpoint,
    .read_begin = pg_read_begin,
    .read_end = pg_read_end,
    .area_succession_put = store_pg_area_succession_put,
    .area_successions = store_pg_area_successions,
    .area_import_insert = store_pg_area_import_insert,
    .area_import_seen = store_pg_area_import_seen,
    .area_incidents = store_pg_area_incidents,
    .unit_closed_areas = store_pg_unit_closed_areas,
    .unit_area_proposal_put = store_pg_unit_area_proposal_put,
    .unit_area_proposal_get = store_pg_unit_area_proposal_get,
    .unit_area_proposal_list = store_pg_unit_area_proposal_list,
    .unit_area_proposal_decide = store_pg_unit_area_proposal_decide,
    .hotspot_incidents_visible = store_pg_hotspot_incidents_visible,
    .area_operations = store_pg_area_operations,
    .area_positions = store_pg_area_positions,
    .shared = pg_shared,
    .listen = pg_listen,
    .notify = pg_notify,
    .wait_notify = pg_wait_notify,
    .leader_try = pg_leader_try,
};
