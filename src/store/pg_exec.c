/* pg_exec.c - running statements on a PostgreSQL connection: prepared once per
 * connection by their text, errors mapped from SQLSTATE, writes sent ahead in
 * pipeline mode inside a write transaction (pg_write_later, answered at the next
 * wait), single rows and lists read into an arena, and an operation's
 * savepoint. */
#include "util/base.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/pg_int.h"
#include "util/arena.h"
#include "util/log.h"
#include "util/mem.h"

/* ---- statements ------------------------------------------------------------------- */

/* The SQLSTATE of a failure mapped to ph_err (pg_int.h), logged with what. */
ph_err pg_fail(struct store_pg *p, const PGresult *res, const char *what)
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
ph_err pg_prepared(struct store_pg *p, const char *sql, const char *what, char name[16])
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
        ph_err rc = PQresultStatus(res) == PGRES_COMMAND_OK ? PH_OK : pg_fail(p, res, what);
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
    ph_err rc = pg_fail(p, res, what);
    PQclear(res);
    return rc;
}

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
        ph_err rc = pg_fail(p, NULL, what);
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
ph_err pg_pipe_sync(struct store_pg *p, PGresult **last)
{
    ph_err rc = PH_OK;
    int n = p->n_later;
    PGresult *r;

    p->n_later = 0;
    if (PQpipelineSync(p->conn) != 1) {
        rc = pg_fail(p, NULL, "send pipeline");
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
                 * (pg_fail() is silent about key clashes, which callers report). */
                if (last == NULL || i < n - 1)
                    log_warn("store/postgres: %s, sent ahead, failed: %s", p->later[i],
                             PQresultErrorMessage(r));
                rc = pg_fail(p, r, p->later[i]);
            }
            PQclear(r);
        }
    }
    /* The sync point's own result. */
    r = PQgetResult(p->conn);
    if (rc == PH_OK && PQresultStatus(r) != PGRES_PIPELINE_SYNC)
        rc = pg_fail(p, r, "end pipeline");
    PQclear(r);
    if (PQexitPipelineMode(p->conn) != 1) {
        if (rc == PH_OK)
            rc = pg_fail(p, NULL, "leave pipeline mode");
        /* Answers out of step (a lost connection, mostly): read what is left,
         * so that the connection leaves pipeline mode; if it still cannot,
         * pg_reconnect() makes it again once the transaction is over. */
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
    return p->n_later > 0 ? pg_pipe_sync(p, NULL) : PH_OK;
}

ph_err pg_write_later(struct store_pg *p, const char *sql, const struct pg_args *a,
                      const char *what)
{
    char name[16];
    ph_err rc;

    /* Only inside a write transaction: elsewhere nothing would wait for it. */
    if (!p->in_tx || p->read_tx)
        return pg_write(p, sql, a, what, NULL);
    if ((rc = args_ok(a, what)) != PH_OK || (rc = pg_prepared(p, sql, what, name)) != PH_OK)
        return rc;
    if (p->n_later >= PG_LATER_MAX && (rc = pg_pipe_sync(p, NULL)) != PH_OK)
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
    pg_reconnect(p);
    if ((rc = pg_prepared(p, sql, what, name)) != PH_OK)
        return rc;
    if (p->n_later > 0) {
        /* Writes are waiting: this statement ends their pipeline, one round trip
         * for all. An earlier write's failure is this statement's. */
        *res = NULL;
        return (rc = pipe_send(p, name, a, what)) != PH_OK ? rc : pg_pipe_sync(p, res);
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
    pg_reconnect(p);
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
ph_err pg_first_row(const PGresult *res, struct arena *ar, pg_read_fn read, void *out)
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
    ph_err rc = pg_first_row(res, ar, read, out);

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

/* The list of sql's rows, run prepared (pg_exec) or, with dyn, as text built for
 * this call (pg_exec_dyn). */
static ph_err rows_of(struct store_pg *p, bool dyn, struct arena *ar, const char *sql,
                      const struct pg_args *a, const char *what, size_t elem, int limit,
                      pg_read_fn read, void **items, size_t *n, bool *has_more)
{
    PGresult *res = NULL;
    ph_err rc = dyn ? pg_exec_dyn(p, sql, a, what, &res) : pg_exec(p, sql, a, what, &res);

    if (rc == PH_OK)
        rows_in(res, ar, elem, limit, read, items, n, has_more);
    return rc;
}

ph_err pg_rows(struct store_pg *p, struct arena *ar, const char *sql, const struct pg_args *a,
               const char *what, size_t elem, int limit, pg_read_fn read, void **items,
               size_t *n, bool *has_more)
{
    return rows_of(p, false, ar, sql, a, what, elem, limit, read, items, n, has_more);
}

ph_err pg_rows_dyn(struct store_pg *p, struct arena *ar, const char *sql, const struct pg_args *a,
                   const char *what, size_t elem, int limit, pg_read_fn read, void **items,
                   size_t *n, bool *has_more)
{
    return rows_of(p, true, ar, sql, a, what, elem, limit, read, items, n, has_more);
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
        pg_reconnect(p);
        PGresult *res = PQexec(p->conn, PG_BEGIN_WRITE);
        rc = PQresultStatus(res) == PGRES_TUPLES_OK ? PH_OK
                                                     : pg_fail(p, res, "begin operation");
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
     * a connection lost meanwhile is not made again under it (pg_reconnect()). */
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
