/* store_copy.c - store_copy (store.h): every row of one database copied into a
 * new one, whichever backend each is (`phoihop migrate`: SQLite to PostgreSQL
 * and back). The one file that knows both backends' internals: it reads each
 * side's catalog, so that what is copied is what the schemas hold, not a list
 * kept here.
 *
 * What: every table but those a backend derives from the others
 * (derived_table: SQLite's full-text index with its queue and word list, the
 * area boxes of both, PostgreSQL's schema version table), each by the columns
 * of the same name on both sides (the schemas mirror each other column by
 * column; incidents.search, PostgreSQL's search words, is derived too). A
 * table or column on one side only, derived ones aside, is a schema mismatch:
 * the copy fails rather than lose data.
 *
 * How: the source is read in one snapshot (store_read_begin), the destination
 * written in one transaction, all or nothing. Its foreign keys wait for the
 * commit, so that tables go in any order and rows within one too (an area may
 * have a parent with a larger id). Rows stream: SQLite steps, PostgreSQL
 * fetches from a cursor a batch at a time, in binary (doubles exact, bytes as
 * they are); into PostgreSQL they go as multi-row INSERTs, into SQLite one
 * prepared INSERT per row. Statement text is put together here from the
 * identifiers the catalogs name, quoted; values are always bound.
 *
 * The destination must be new. store_open has migrated it, so it holds what
 * migrations seed (forces, categories, routing rules, ...): which tables those
 * are is learnt from a fresh in-memory SQLite database, not listed here. A row
 * in any other table refuses the copy (PH_ECONFLICT) before anything is
 * written; otherwise every table is emptied and the seeded rows come back as
 * the source has them.
 *
 * What a backend derives is made by its own means: area boxes by the
 * destination's triggers on areas (both backends), SQLite's full-text index by
 * the flush of the queue its incidents' insert trigger fills (tx_commit runs
 * it), PostgreSQL's search words by store_pg_incident_search_fill. Rows are
 * only inserted, never updated, so no revision trigger moves a copied rev.
 * Identities (PostgreSQL) and AUTOINCREMENT counters (SQLite) end past both
 * the largest id copied and the source's own counter: no id is given twice. */
#include "util/base.h"
#include <math.h>
#include "store/pg_int.h"
#include "store/sqlite_int.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/mem.h"

/* Rows per multi-row INSERT into PostgreSQL (at most 65535 parameters a
 * statement), and the bytes of values at which a batch goes early
 * (attachments are megabytes). */
#define COPY_BATCH_ROWS 500
#define COPY_BATCH_PARAMS 30000
#define COPY_BATCH_BYTES (8u << 20)
/* Rows per FETCH from a PostgreSQL source: fewer from a table with bytes. */
#define COPY_FETCH "FETCH 1000 FROM ph_copy"
#define COPY_FETCH_BYTES "FETCH 8 FROM ph_copy"
/* Progress is reported every this many rows. */
#define COPY_PROGRESS_ROWS 4096
/* The longest statement text put together here. */
#define COPY_SQL_MAX (64u << 20)

/* PostgreSQL type oids (catalog/pg_type.h, stable across versions). */
enum {
    PGT_BOOL = 16,
    PGT_BYTEA = 17,
    PGT_NAME = 19,
    PGT_INT8 = 20,
    PGT_INT2 = 21,
    PGT_INT4 = 23,
    PGT_TEXT = 25,
    PGT_JSON = 114,
    PGT_FLOAT4 = 700,
    PGT_FLOAT8 = 701,
    PGT_BPCHAR = 1042,
    PGT_VARCHAR = 1043,
    PGT_JSONB = 3802,
};

/* One side of the copy: exactly one of sq and pg is set. */
struct end {
    struct store *st;
    struct store_sq *sq;
    struct store_pg *pg;
};

struct column {
    const char *name;
    bool is_bytes;    /* PostgreSQL bytea: bound as binary */
    bool is_identity; /* PostgreSQL identity column */
};

struct table {
    const char *name;
    int64_t oid; /* PostgreSQL */
    bool derived;
    struct column *cols;
    size_t n_cols;
};

/* A table to copy: its columns in the source's order. */
struct copy_table {
    const char *name;
    const char **cols;
    bool *to_bytes; /* the destination column is bytea */
    size_t n_cols;
    bool from_bytes;                         /* the source has a bytea column */
    const char *from_identity, *to_identity; /* PostgreSQL identity columns, or NULL */
    int64_t rows;                            /* the source's count */
};

struct copier {
    struct arena ar;
    struct end from, to;
    const struct store_copy_report *r;
    struct table *from_tables, *to_tables;
    size_t n_from_tables, n_to_tables;
    struct copy_table *tables;
    size_t n_tables;
    const char **seeded;
    size_t n_seeded;
    int64_t done; /* rows copied, all tables */
    unsigned batch_names;
};

/* ---- names -------------------------------------------------------------------------- */

/* Tables a backend derives from the others, made anew in the destination. */
static bool derived_table(const char *name)
{
    static const char *const prefixes[] = {"sqlite_", "incidents_fts", "area_bbox"};
    static const char *const names[] = {"incident_terms", "phoihop_schema", "ref_rev"};

    for (size_t i = 0; i < PH_NELEM(prefixes); i++)
        if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
            return true;
    for (size_t i = 0; i < PH_NELEM(names); i++)
        if (strcmp(name, names[i]) == 0)
            return true;
    return false;
}

/* Columns a backend derives from the others (PostgreSQL's search words). */
static bool derived_column(const char *table, const char *column)
{
    return strcmp(table, "incidents") == 0 && strcmp(column, "search") == 0;
}

/* name as an identifier, quoted for either backend. */
static ph_err put_ident(struct buf *b, const char *name)
{
    ph_err rc = buf_puts(b, "\"");

    for (const char *c = name; *c != '\0' && rc == PH_OK; c++)
        rc = *c == '"' ? buf_puts(b, "\"\"") : buf_append(b, c, 1);
    return rc == PH_OK ? buf_puts(b, "\"") : rc;
}

/* before, the identifier quoted, after: copied into ar; NULL when too long. */
static const char *sql_with(struct arena *ar, const char *before, const char *ident,
                            const char *after)
{
    struct buf b;
    const char *out = NULL;

    buf_init(&b, COPY_SQL_MAX);
    if (buf_puts(&b, before) == PH_OK && put_ident(&b, ident) == PH_OK &&
        buf_puts(&b, after) == PH_OK)
        out = arena_strndup(ar, b.data, b.len);
    buf_release(&b);
    return out;
}

/* The copied columns, quoted and separated by commas. */
static ph_err put_columns(struct buf *b, const struct copy_table *t)
{
    ph_err rc = PH_OK;

    for (size_t i = 0; i < t->n_cols && rc == PH_OK; i++) {
        if (i > 0)
            rc = buf_puts(b, ", ");
        if (rc == PH_OK)
            rc = put_ident(b, t->cols[i]);
    }
    return rc;
}

/* Room for one more of n elements of size elem in *items (cap of them). */
static void grow(struct arena *ar, void **items, size_t n, size_t *cap, size_t elem)
{
    if (n < *cap)
        return;
    size_t more = *cap == 0 ? 16 : 2 * *cap;
    void *grown = arena_zalloc(ar, more * elem);
    if (n > 0)
        memcpy(grown, *items, n * elem);
    *items = grown;
    *cap = more;
}

/* ---- SQLite ------------------------------------------------------------------------- */

static ph_err sq_fail(struct store_sq *s, int e, const char *what, const char *table)
{
    log_error("store/copy: %s%s%s: %s (%s)", what, table != NULL ? " " : "",
              table != NULL ? table : "", sqlite3_errmsg(s->db), sqlite3_errstr(e));
    return PH_ESTORE;
}

static ph_err sq_prepare(struct store_sq *s, const char *sql, const char *what, const char *table,
                         sqlite3_stmt **out)
{
    int e = sql != NULL ? sqlite3_prepare_v2(s->db, sql, -1, out, NULL) : SQLITE_TOOBIG;

    return e == SQLITE_OK ? PH_OK : sq_fail(s, e, what, table);
}

/* Run sql (no parameters) to its end. */
static ph_err sq_exec(struct store_sq *s, const char *sql, const char *what, const char *table)
{
    sqlite3_stmt *stmt = NULL;
    ph_err rc = sq_prepare(s, sql, what, table, &stmt);
    int e = SQLITE_DONE;

    while (rc == PH_OK && (e = sqlite3_step(stmt)) == SQLITE_ROW)
        ;
    if (rc == PH_OK && e != SQLITE_DONE)
        rc = sq_fail(s, e, what, table);
    sqlite3_finalize(stmt);
    return rc;
}

/* The first column of sql's first row (0 without one), text bound as ?1. */
static ph_err sq_i64(struct store_sq *s, const char *sql, const char *param, const char *what,
                     const char *table, int64_t *v)
{
    sqlite3_stmt *stmt = NULL;
    ph_err rc = sq_prepare(s, sql, what, table, &stmt);
    int e;

    *v = 0;
    if (rc != PH_OK)
        return rc;
    e = param != NULL ? store_sq_bind_text(stmt, 1, param) : SQLITE_OK;
    if (e == SQLITE_OK)
        e = sqlite3_step(stmt);
    if (e == SQLITE_ROW)
        *v = sqlite3_column_int64(stmt, 0);
    else if (e != SQLITE_DONE)
        rc = sq_fail(s, e, what, table);
    sqlite3_finalize(stmt);
    return rc;
}

static ph_err sq_columns(struct copier *c, struct store_sq *s, struct table *t)
{
    sqlite3_stmt *stmt = NULL;
    size_t cap = 0;
    ph_err rc = sq_prepare(s, "SELECT name, type FROM pragma_table_info(?1) ORDER BY cid",
                           "read the columns of", t->name, &stmt);
    int e;

    if (rc != PH_OK)
        return rc;
    e = store_sq_bind_text(stmt, 1, t->name);
    while (e == SQLITE_OK && (e = sqlite3_step(stmt)) == SQLITE_ROW) {
        e = SQLITE_OK;
        const char *name = (const char *)sqlite3_column_text(stmt, 0);
        const char *type = (const char *)sqlite3_column_text(stmt, 1);
        if (name == NULL || derived_column(t->name, name))
            continue;
        grow(&c->ar, (void **)&t->cols, t->n_cols, &cap, sizeof(*t->cols));
        t->cols[t->n_cols++] = (struct column){
            .name = arena_strdup(&c->ar, name),
            .is_bytes = type != NULL && strcasestr(type, "BLOB") != NULL,
        };
    }
    if (e != SQLITE_DONE && e != SQLITE_OK)
        rc = sq_fail(s, e, "read the columns of", t->name);
    sqlite3_finalize(stmt);
    return rc;
}

/* Every table in order of creation, with its columns. */
static ph_err sq_tables(struct copier *c, struct store_sq *s, struct table **out, size_t *n)
{
    sqlite3_stmt *stmt = NULL;
    struct table *list = NULL;
    size_t cap = 0, count = 0;
    ph_err rc = sq_prepare(s, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid",
                           "list the tables", NULL, &stmt);
    int e = SQLITE_DONE;

    while (rc == PH_OK && (e = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(stmt, 0);
        if (name == NULL)
            continue;
        grow(&c->ar, (void **)&list, count, &cap, sizeof(*list));
        list[count] =
            (struct table){.name = arena_strdup(&c->ar, name), .derived = derived_table(name)};
        count++;
    }
    if (rc == PH_OK && e != SQLITE_DONE)
        rc = sq_fail(s, e, "list the tables", NULL);
    sqlite3_finalize(stmt);
    for (size_t i = 0; i < count && rc == PH_OK; i++)
        if (!list[i].derived)
            rc = sq_columns(c, s, &list[i]);
    *out = list;
    *n = count;
    return rc;
}

/* ---- PostgreSQL --------------------------------------------------------------------- */

static ph_err pgc_fail(struct store_pg *p, const PGresult *res, const char *what, const char *table)
{
    const char *msg = res != NULL ? PQresultErrorMessage(res) : NULL;
    size_t len;

    if (msg == NULL || msg[0] == '\0')
        msg = PQerrorMessage(p->conn);
    len = strlen(msg);
    while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
        len--; /* libpq's messages end in a newline */
    log_error("store/copy: %s%s%s: %.*s", what, table != NULL ? " " : "",
              table != NULL ? table : "", (int)len, msg);
    return PH_ESTORE;
}

/* Run sql (made here, so unnamed: planned per call) with n parameters; results
 * in format (0 text, 1 binary) into *out (may be NULL: cleared). Every
 * failure is logged, the foreign key and unique ones too. */
static ph_err pgc_exec(struct store_pg *p, const char *sql, int n, const char *const *values,
                       const int *lengths, const int *formats, int format, const char *what,
                       const char *table, PGresult **out)
{
    PGresult *res;
    ExecStatusType status;

    if (sql == NULL) {
        log_error("store/copy: %s %s: statement too long", what, table != NULL ? table : "");
        return PH_ESTORE;
    }
    res = PQexecParams(p->conn, sql, n, NULL, values, lengths, formats, format);
    status = PQresultStatus(res);
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
        if (out != NULL)
            *out = res;
        else
            PQclear(res);
        return PH_OK;
    }
    ph_err rc = pgc_fail(p, res, what, table);
    PQclear(res);
    return rc;
}

static ph_err pgc_run(struct store_pg *p, const char *sql, const char *what, const char *table)
{
    return pgc_exec(p, sql, 0, NULL, NULL, NULL, 0, what, table, NULL);
}

static void read_pg_table(struct arena *ar, const PGresult *res, int row, void *out)
{
    struct table *t = out;
    t->oid = pg_col_i64(res, row, 0);
    t->name = pg_col_text(ar, res, row, 1);
    t->derived = t->name == NULL || derived_table(t->name);
}

static void read_pg_column(struct arena *ar, const PGresult *res, int row, void *out)
{
    struct column *col = out;
    const char *type = PQgetvalue(res, row, 1);
    col->name = pg_col_text(ar, res, row, 0);
    col->is_bytes = strcmp(type, "bytea") == 0;
    col->is_identity = pg_col_bool(res, row, 2);
}

/* Every table of the current schema in order of creation, with its columns
 * (generated ones, which take no value, left out). */
static ph_err pg_tables(struct copier *c, struct store_pg *p, struct table **out, size_t *n)
{
    void *list = NULL;
    ph_err rc =
        pg_rows(p, &c->ar,
                "SELECT c.oid::bigint, c.relname FROM pg_class AS c "
                "JOIN pg_namespace AS ns ON ns.oid = c.relnamespace "
                "WHERE ns.nspname = current_schema() AND c.relkind = 'r' "
                "AND NOT c.relispartition ORDER BY c.oid",
                NULL, "list the tables", sizeof(struct table), 0, read_pg_table, &list, n, NULL);
    struct table *tables = list;

    *out = tables;
    for (size_t i = 0; rc == PH_OK && i < *n; i++) {
        struct pg_args a = {0};
        void *cols = NULL;
        size_t n_cols = 0;
        if (tables[i].derived)
            continue;
        pg_arg_i64(&a, tables[i].oid);
        rc =
            pg_rows(p, &c->ar,
                    "SELECT a.attname, t.typname, a.attidentity IN ('a', 'd') "
                    "FROM pg_attribute AS a JOIN pg_type AS t ON t.oid = a.atttypid "
                    "WHERE a.attrelid::bigint = $1::bigint AND a.attnum > 0 AND NOT a.attisdropped "
                    "AND a.attgenerated NOT IN ('s', 'v') ORDER BY a.attnum",
                    &a, "read the columns of a table", sizeof(struct column), 0, read_pg_column,
                    &cols, &n_cols, NULL);
        if (rc != PH_OK)
            break;
        /* Derived columns out, in place. */
        struct column *cl = cols;
        size_t kept = 0;
        for (size_t k = 0; k < n_cols; k++)
            if (!derived_column(tables[i].name, cl[k].name))
                cl[kept++] = cl[k];
        tables[i].cols = cl;
        tables[i].n_cols = kept;
    }
    return rc;
}

/* ---- either backend ----------------------------------------------------------------- */

static ph_err end_of(struct store *st, struct end *e)
{
    memset(e, 0, sizeof(*e));
    e->st = st;
    if (st->ops == &store_sqlite_ops)
        e->sq = store_sq_of(st);
    else if (st->ops == &store_postgres_ops)
        e->pg = store_pg_of(st);
    else {
        log_error("store/copy: the %s store cannot be copied", st->ops->name);
        return PH_EINVAL;
    }
    return PH_OK;
}

static ph_err tables_of(struct copier *c, struct end *e, struct table **out, size_t *n)
{
    return e->sq != NULL ? sq_tables(c, e->sq, out, n) : pg_tables(c, e->pg, out, n);
}

/* A number from "SELECT ... FROM <table>" (count, whether there is a row). */
static ph_err table_i64(struct copier *c, struct end *e, const char *before, const char *table,
                        const char *after, const char *what, int64_t *v)
{
    const char *sql = sql_with(&c->ar, before, table, after);
    PGresult *res = NULL;
    ph_err rc;

    if (e->sq != NULL)
        return sq_i64(e->sq, sql, NULL, what, table, v);
    rc = pgc_exec(e->pg, sql, 0, NULL, NULL, NULL, 0, what, table, &res);
    if (rc == PH_OK)
        *v = PQntuples(res) > 0 ? pg_col_i64(res, 0, 0) : 0;
    PQclear(res);
    return rc;
}

static ph_err has_rows(struct copier *c, struct end *e, const char *table, bool *any)
{
    int64_t v = 0;
    ph_err rc = table_i64(c, e, "SELECT count(*) FROM (SELECT 1 FROM ", table, " LIMIT 1) AS t",
                          "look into", &v);
    *any = v > 0;
    return rc;
}

/* ---- the plan ----------------------------------------------------------------------- */

static const struct table *find_table(const struct table *list, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i].name, name) == 0)
            return &list[i];
    return NULL;
}

static const struct column *find_column(const struct table *t, const char *name)
{
    for (size_t i = 0; i < t->n_cols; i++)
        if (strcmp(t->cols[i].name, name) == 0)
            return &t->cols[i];
    return NULL;
}

static ph_err mismatch(const char *what, const char *table, const char *column)
{
    log_error("store/copy: the schemas differ: %s %s%s%s", what, table, column != NULL ? "." : "",
              column != NULL ? column : "");
    return PH_ESTORE;
}

/* One table to copy: the source's columns, each of which the destination must
 * have, and no other. */
static ph_err plan_table(struct copier *c, const struct table *f, const struct table *t,
                         struct copy_table *out)
{
    *out = (struct copy_table){.name = f->name};
    out->cols = arena_zalloc(&c->ar, (f->n_cols + 1) * sizeof(*out->cols));
    out->to_bytes = arena_zalloc(&c->ar, (f->n_cols + 1) * sizeof(*out->to_bytes));
    for (size_t i = 0; i < f->n_cols; i++) {
        const struct column *tc = find_column(t, f->cols[i].name);
        if (tc == NULL)
            return mismatch("the destination lacks", f->name, f->cols[i].name);
        out->cols[out->n_cols] = f->cols[i].name;
        out->to_bytes[out->n_cols++] = tc->is_bytes;
        out->from_bytes = out->from_bytes || f->cols[i].is_bytes;
        if (f->cols[i].is_identity)
            out->from_identity = f->cols[i].name;
        if (tc->is_identity)
            out->to_identity = tc->name;
    }
    for (size_t i = 0; i < t->n_cols; i++)
        if (find_column(f, t->cols[i].name) == NULL)
            return mismatch("the source lacks", t->name, t->cols[i].name);
    return out->n_cols > 0 ? PH_OK : mismatch("no column to copy in", f->name, NULL);
}

static ph_err plan(struct copier *c)
{
    ph_err rc = PH_OK;

    for (size_t i = 0; i < c->n_to_tables; i++) {
        const struct table *t = &c->to_tables[i];
        if (!t->derived && find_table(c->from_tables, c->n_from_tables, t->name) == NULL)
            return mismatch("the source lacks table", t->name, NULL);
    }
    c->tables = arena_zalloc(&c->ar, (c->n_from_tables + 1) * sizeof(*c->tables));
    for (size_t i = 0; i < c->n_from_tables && rc == PH_OK; i++) {
        const struct table *f = &c->from_tables[i];
        if (f->derived)
            continue;
        const struct table *t = find_table(c->to_tables, c->n_to_tables, f->name);
        if (t == NULL || t->derived)
            return mismatch("the destination lacks table", f->name, NULL);
        rc = plan_table(c, f, t, &c->tables[c->n_tables++]);
    }
    return rc;
}

/* The tables a new database has rows in (what its migrations seed), from a
 * fresh in-memory SQLite database: the PostgreSQL schema seeds the same. */
static ph_err seeded_tables(struct copier *c)
{
    struct store *mem = NULL;
    struct end e;
    struct table *tables = NULL;
    size_t n = 0, cap = 0;
    ph_err rc = store_open("sqlite::memory:", &mem);

    if (rc != PH_OK)
        return rc;
    if ((rc = end_of(mem, &e)) == PH_OK)
        rc = tables_of(c, &e, &tables, &n);
    for (size_t i = 0; i < n && rc == PH_OK; i++) {
        bool any = false;
        if (tables[i].derived || (rc = has_rows(c, &e, tables[i].name, &any)) != PH_OK || !any)
            continue;
        grow(&c->ar, (void **)&c->seeded, c->n_seeded, &cap, sizeof(*c->seeded));
        c->seeded[c->n_seeded++] = tables[i].name;
    }
    store_close(mem);
    return rc;
}

/* The destination holds nothing but seeded rows, or PH_ECONFLICT. */
static ph_err check_new(struct copier *c)
{
    ph_err rc = PH_OK;

    for (size_t i = 0; i < c->n_to_tables && rc == PH_OK; i++) {
        const struct table *t = &c->to_tables[i];
        bool seeded = false, any = false;
        for (size_t k = 0; k < c->n_seeded && !seeded; k++)
            seeded = strcmp(c->seeded[k], t->name) == 0;
        if (t->derived || seeded || (rc = has_rows(c, &c->to, t->name, &any)) != PH_OK || !any)
            continue;
        log_error("store/copy: the destination already holds data (table %s has rows): "
                  "a copy goes into a new database only",
                  t->name);
        rc = PH_ECONFLICT;
    }
    return rc;
}

/* ---- the destination ---------------------------------------------------------------- */

/* References are checked at the commit, when every table is in. */
static ph_err defer_references(struct end *to)
{
    if (to->sq != NULL)
        return sq_exec(to->sq, "PRAGMA defer_foreign_keys = ON", "defer foreign keys", NULL);
    return pgc_run(to->pg, "SET CONSTRAINTS ALL DEFERRED", "defer foreign keys", NULL);
}

/* Empty every table of the destination: the seeded rows go, as do the derived
 * ones (PostgreSQL's area boxes, in the same TRUNCATE as the areas they
 * reference). SQLite's triggers empty its derived tables with their rows. */
static ph_err clear_destination(struct copier *c)
{
    struct buf b;
    ph_err rc = PH_OK;
    bool first = true;

    if (c->to.sq != NULL) {
        for (size_t i = c->n_tables; i-- > 0 && rc == PH_OK;)
            rc = sq_exec(c->to.sq, sql_with(&c->ar, "DELETE FROM ", c->tables[i].name, ""), "empty",
                         c->tables[i].name);
        return rc;
    }
    buf_init(&b, COPY_SQL_MAX);
    rc = buf_puts(&b, "TRUNCATE ");
    for (size_t i = 0; i < c->n_to_tables && rc == PH_OK; i++) {
        if (strcmp(c->to_tables[i].name, "phoihop_schema") == 0 ||
            strcmp(c->to_tables[i].name, "ref_rev") == 0) /* one row, moved by triggers */
            continue;
        if (!first)
            rc = buf_puts(&b, ", ");
        if (rc == PH_OK)
            rc = put_ident(&b, c->to_tables[i].name);
        first = false;
    }
    if (rc == PH_OK && !first)
        rc = pgc_run(c->to.pg, b.data, "empty the destination", NULL);
    buf_release(&b);
    return rc;
}

/* Is there an sqlite_sequence (made with the first AUTOINCREMENT table)? */
static ph_err has_sequences(struct store_sq *s, bool *any)
{
    int64_t n = 0;
    ph_err rc = sq_i64(s, "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_sequence'", NULL,
                       "look for", "sqlite_sequence", &n);
    *any = n > 0;
    return rc;
}

/* The source's id counter of t: SQLite's AUTOINCREMENT sequence, PostgreSQL's
 * identity (0 when it has none). */
static ph_err source_counter(struct copier *c, const struct copy_table *t, int64_t *v)
{
    *v = 0;
    if (c->from.sq != NULL) {
        bool counters = false;
        ph_err rc = has_sequences(c->from.sq, &counters);
        if (rc != PH_OK || !counters)
            return rc;
        return sq_i64(c->from.sq, "SELECT seq FROM sqlite_sequence WHERE name = ?1", t->name,
                      "read the id counter of", t->name, v);
    }
    if (t->from_identity == NULL)
        return PH_OK;
    struct pg_args a = {0};
    pg_arg_text(&a, sql_with(&c->ar, "", t->name, ""));
    pg_arg_text(&a, t->from_identity);
    return pg_get_i64(c->from.pg,
                      "SELECT coalesce((SELECT s.last_value FROM pg_sequences AS s "
                      "WHERE format('%I.%I', s.schemaname, s.sequencename) = "
                      "pg_get_serial_sequence($1, $2)), 0)",
                      &a, "read an identity", v);
}

/* Move the destination's id counter of t past its largest id and the source's
 * counter. */
static ph_err set_counter(struct copier *c, const struct copy_table *t)
{
    int64_t from = 0;
    ph_err rc = source_counter(c, t, &from);

    if (rc != PH_OK)
        return rc;
    if (c->to.sq != NULL) {
        /* The inserts moved it past the ids already; a row exists only for
         * AUTOINCREMENT tables with rows, so a table the copy left empty gets
         * one: its next id must still follow the source's (an outbox emptied
         * by retention must not give an id a client has seen again). */
        static const char *const sql[] = {
            "UPDATE sqlite_sequence SET seq = ?2 WHERE name = ?1 AND seq < ?2",
            "INSERT INTO sqlite_sequence (name, seq) SELECT ?1, ?2 "
            "WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = ?1)",
        };
        bool counters = false;
        if (from <= 0 || (rc = has_sequences(c->to.sq, &counters)) != PH_OK || !counters)
            return rc;
        for (size_t i = 0; i < PH_NELEM(sql) && rc == PH_OK; i++) {
            sqlite3_stmt *stmt = NULL;
            if ((rc = sq_prepare(c->to.sq, sql[i], "set the id counter of", t->name, &stmt)) !=
                PH_OK)
                return rc;
            int e = store_sq_bind_text(stmt, 1, t->name) | sqlite3_bind_int64(stmt, 2, from);
            if (e == SQLITE_OK)
                e = sqlite3_step(stmt);
            if (e != SQLITE_DONE)
                rc = sq_fail(c->to.sq, e, "set the id counter of", t->name);
            sqlite3_finalize(stmt);
        }
        return rc;
    }
    if (t->to_identity == NULL)
        return PH_OK;
    /* setval(seq, n, true): the next id is n + 1; an empty table's starts at 1. */
    struct buf b;
    char from_text[32];
    const char *quoted = sql_with(&c->ar, "", t->name, "");
    buf_init(&b, COPY_SQL_MAX);
    snprintf(from_text, sizeof(from_text), "%lld", (long long)from);
    rc = buf_puts(&b, "SELECT setval(pg_get_serial_sequence($1, $2), greatest(n, 1), n > 0) "
                      "FROM (SELECT greatest(coalesce(max(");
    if (rc == PH_OK)
        rc = put_ident(&b, t->to_identity);
    if (rc == PH_OK)
        rc = buf_puts(&b, "), 0), $3::bigint) AS n FROM ");
    if (rc == PH_OK)
        rc = put_ident(&b, t->name);
    if (rc == PH_OK)
        rc = buf_puts(&b, ") AS m");
    if (rc == PH_OK) {
        const char *values[3] = {quoted, t->to_identity, from_text};
        rc = pgc_exec(c->to.pg, b.data, 3, values, NULL, NULL, 0, "set the identity of", t->name,
                      NULL);
    }
    buf_release(&b);
    return rc;
}

/* ---- rows --------------------------------------------------------------------------- */

enum val_kind { V_NULL, V_INT, V_REAL, V_TEXT, V_BYTES };

struct val {
    enum val_kind kind;
    int64_t i;
    double d;
    const char *p; /* text or bytes, len of them */
    size_t len;
};

struct reader {
    struct end *e;
    const struct copy_table *t;
    sqlite3_stmt *stmt;
    PGresult *res;
    int row, n_rows;
    bool cursor, done;
};

static ph_err reader_open(struct copier *c, struct reader *rd, const struct copy_table *t)
{
    struct buf b;
    ph_err rc;

    *rd = (struct reader){.e = &c->from, .t = t};
    buf_init(&b, COPY_SQL_MAX);
    rc = buf_puts(&b,
                  c->from.pg != NULL ? "DECLARE ph_copy NO SCROLL CURSOR FOR SELECT " : "SELECT ");
    if (rc == PH_OK)
        rc = put_columns(&b, t);
    if (rc == PH_OK)
        rc = buf_puts(&b, " FROM ");
    if (rc == PH_OK)
        rc = put_ident(&b, t->name);
    if (rc == PH_OK && c->from.sq != NULL)
        rc = sq_prepare(c->from.sq, b.data, "read", t->name, &rd->stmt);
    else if (rc == PH_OK)
        rd->cursor = (rc = pgc_run(c->from.pg, b.data, "read", t->name)) == PH_OK;
    buf_release(&b);
    return rc;
}

static uint64_t big_endian(const unsigned char *b, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | b[i];
    return v;
}

/* Column col of a binary row. */
static ph_err pg_value(const struct reader *rd, int col, struct val *v)
{
    const PGresult *res = rd->res;
    const unsigned char *b = (const unsigned char *)PQgetvalue(res, rd->row, col);
    int len = PQgetlength(res, rd->row, col);
    Oid type = PQftype(res, col);
    int want = 0;

    *v = (struct val){.kind = V_NULL};
    if (PQgetisnull(res, rd->row, col))
        return PH_OK;
    switch (type) {
    case PGT_INT8:
    case PGT_INT4:
    case PGT_INT2:
        want = type == PGT_INT8 ? 8 : type == PGT_INT4 ? 4 : 2;
        if (len != want)
            break;
        v->kind = V_INT;
        v->i = want == 8   ? (int64_t)big_endian(b, 8)
               : want == 4 ? (int64_t)(int32_t)(uint32_t)big_endian(b, 4)
                           : (int64_t)(int16_t)(uint16_t)big_endian(b, 2);
        return PH_OK;
    case PGT_BOOL:
        if (len != 1)
            break;
        v->kind = V_INT;
        v->i = b[0] != 0;
        return PH_OK;
    case PGT_FLOAT8: {
        if (len != 8)
            break;
        uint64_t bits = big_endian(b, 8);
        v->kind = V_REAL;
        memcpy(&v->d, &bits, sizeof(v->d));
        return PH_OK;
    }
    case PGT_FLOAT4: {
        if (len != 4)
            break;
        uint32_t bits = (uint32_t)big_endian(b, 4);
        float f;
        memcpy(&f, &bits, sizeof(f));
        v->kind = V_REAL;
        v->d = f;
        return PH_OK;
    }
    case PGT_BYTEA:
        *v = (struct val){.kind = V_BYTES, .p = (const char *)b, .len = (size_t)len};
        return PH_OK;
    case PGT_JSONB: /* a version byte (1), then the text */
        if (len < 1 || b[0] != 1)
            break;
        *v = (struct val){.kind = V_TEXT, .p = (const char *)b + 1, .len = (size_t)len - 1};
        return PH_OK;
    case PGT_TEXT:
    case PGT_VARCHAR:
    case PGT_BPCHAR:
    case PGT_NAME:
    case PGT_JSON:
        *v = (struct val){.kind = V_TEXT, .p = (const char *)b, .len = (size_t)len};
        return PH_OK;
    default:
        break;
    }
    log_error("store/copy: %s.%s: cannot copy a value of type %u", rd->t->name, rd->t->cols[col],
              (unsigned)type);
    return PH_ESTORE;
}

static void sq_value(sqlite3_stmt *stmt, int col, struct val *v)
{
    *v = (struct val){.kind = V_NULL};
    switch (sqlite3_column_type(stmt, col)) {
    case SQLITE_INTEGER:
        v->kind = V_INT;
        v->i = sqlite3_column_int64(stmt, col);
        break;
    case SQLITE_FLOAT:
        v->kind = V_REAL;
        v->d = sqlite3_column_double(stmt, col);
        break;
    case SQLITE_TEXT:
        v->kind = V_TEXT;
        v->p = (const char *)sqlite3_column_text(stmt, col);
        v->len = (size_t)sqlite3_column_bytes(stmt, col);
        break;
    case SQLITE_BLOB:
        v->kind = V_BYTES;
        v->p = sqlite3_column_blob(stmt, col);
        v->len = (size_t)sqlite3_column_bytes(stmt, col);
        break;
    default:
        break;
    }
    if ((v->kind == V_TEXT || v->kind == V_BYTES) && v->p == NULL)
        v->p = ""; /* empty, not NULL */
}

/* The next row into vals (valid until the next call); *got false at the end. */
static ph_err reader_next(struct reader *rd, struct val *vals, bool *got)
{
    ph_err rc = PH_OK;

    *got = false;
    if (rd->e->sq != NULL) {
        int e = sqlite3_step(rd->stmt);
        if (e == SQLITE_DONE)
            return PH_OK;
        if (e != SQLITE_ROW)
            return sq_fail(rd->e->sq, e, "read", rd->t->name);
        for (size_t i = 0; i < rd->t->n_cols; i++)
            sq_value(rd->stmt, (int)i, &vals[i]);
        *got = true;
        return PH_OK;
    }
    if (rd->res == NULL || rd->row + 1 >= rd->n_rows) {
        PQclear(rd->res);
        rd->res = NULL;
        if (rd->done)
            return PH_OK;
        rc = pgc_exec(rd->e->pg, rd->t->from_bytes ? COPY_FETCH_BYTES : COPY_FETCH, 0, NULL, NULL,
                      NULL, 1, "read", rd->t->name, &rd->res);
        if (rc != PH_OK)
            return rc;
        rd->n_rows = PQntuples(rd->res);
        rd->row = -1;
        if (rd->n_rows == 0) {
            rd->done = true;
            return PH_OK;
        }
    }
    rd->row++;
    for (size_t i = 0; i < rd->t->n_cols && rc == PH_OK; i++)
        rc = pg_value(rd, (int)i, &vals[i]);
    *got = rc == PH_OK;
    return rc;
}

static ph_err reader_close(struct reader *rd, ph_err rc)
{
    sqlite3_finalize(rd->stmt);
    PQclear(rd->res);
    if (rd->cursor && rc == PH_OK)
        rc = pgc_run(rd->e->pg, "CLOSE ph_copy", "finish reading", rd->t->name);
    return rc;
}

/* Into SQLite a row per statement; into PostgreSQL a batch of rows per
 * statement, their values kept in ar until it runs. */
struct writer {
    struct end *e;
    const struct copy_table *t;
    sqlite3_stmt *stmt;
    size_t max_rows, rows, bytes;
    const char **values;
    int *lengths, *formats;
    struct arena ar;
    char name[32]; /* the prepared full batch */
    bool prepared;
};

/* INSERT INTO t (cols) VALUES (...) with rows rows of placeholders, into ar. */
static const char *insert_sql(struct arena *ar, const struct end *e, const struct copy_table *t,
                              size_t rows)
{
    struct buf b;
    const char *out = NULL;
    ph_err rc;
    size_t n = 0;

    buf_init(&b, COPY_SQL_MAX);
    rc = buf_puts(&b, "INSERT INTO ");
    if (rc == PH_OK)
        rc = put_ident(&b, t->name);
    if (rc == PH_OK)
        rc = buf_puts(&b, " (");
    if (rc == PH_OK)
        rc = put_columns(&b, t);
    if (rc == PH_OK)
        rc = buf_puts(&b, e->pg != NULL && t->to_identity != NULL
                              ? ") OVERRIDING SYSTEM VALUE VALUES "
                              : ") VALUES ");
    for (size_t r = 0; r < rows && rc == PH_OK; r++) {
        rc = buf_puts(&b, r > 0 ? ", (" : "(");
        for (size_t i = 0; i < t->n_cols && rc == PH_OK; i++)
            rc = buf_printf(&b, "%s%c%zu", i > 0 ? ", " : "", e->pg != NULL ? '$' : '?', ++n);
        if (rc == PH_OK)
            rc = buf_puts(&b, ")");
    }
    if (rc == PH_OK)
        out = arena_strndup(ar, b.data, b.len);
    buf_release(&b);
    return out;
}

static ph_err writer_open(struct copier *c, struct writer *w, const struct copy_table *t)
{
    *w = (struct writer){.e = &c->to, .t = t};
    arena_init(&w->ar);
    if (c->to.sq != NULL)
        return sq_prepare(c->to.sq, insert_sql(&w->ar, w->e, t, 1), "write", t->name, &w->stmt);
    w->max_rows = COPY_BATCH_PARAMS / t->n_cols;
    if (w->max_rows > COPY_BATCH_ROWS)
        w->max_rows = COPY_BATCH_ROWS;
    if (w->max_rows == 0)
        w->max_rows = 1;
    size_t n = w->max_rows * t->n_cols;
    w->values = xcalloc(n, sizeof(*w->values));
    w->lengths = xcalloc(n, sizeof(*w->lengths));
    w->formats = xcalloc(n, sizeof(*w->formats));
    snprintf(w->name, sizeof(w->name), "ph_copy_%u", ++c->batch_names);
    return PH_OK;
}

/* The batch so far, into PostgreSQL. */
static ph_err writer_flush(struct writer *w)
{
    struct store_pg *p = w->e->pg;
    int n = (int)(w->rows * w->t->n_cols);
    PGresult *res = NULL;
    ph_err rc = PH_OK;

    if (w->rows == 0)
        return PH_OK;
    if (w->rows < w->max_rows) {
        rc = pgc_exec(p, insert_sql(&w->ar, w->e, w->t, w->rows), n, w->values, w->lengths,
                      w->formats, 0, "write", w->t->name, NULL);
    } else {
        if (!w->prepared) {
            res = PQprepare(p->conn, w->name, insert_sql(&w->ar, w->e, w->t, w->rows), 0, NULL);
            if (PQresultStatus(res) != PGRES_COMMAND_OK)
                rc = pgc_fail(p, res, "prepare the write of", w->t->name);
            PQclear(res);
            w->prepared = rc == PH_OK;
        }
        if (rc == PH_OK) {
            res = PQexecPrepared(p->conn, w->name, n, w->values, w->lengths, w->formats, 0);
            if (PQresultStatus(res) != PGRES_COMMAND_OK)
                rc = pgc_fail(p, res, "write", w->t->name);
            PQclear(res);
        }
    }
    w->rows = w->bytes = 0;
    arena_release(&w->ar);
    arena_init(&w->ar);
    return rc;
}

static ph_err sq_put(struct writer *w, const struct val *vals)
{
    sqlite3_stmt *stmt = w->stmt;
    int e = SQLITE_OK;

    for (size_t i = 0; i < w->t->n_cols && e == SQLITE_OK; i++) {
        const struct val *v = &vals[i];
        int k = (int)i + 1;
        switch (v->kind) {
        case V_NULL:
            e = sqlite3_bind_null(stmt, k);
            break;
        case V_INT:
            e = sqlite3_bind_int64(stmt, k, v->i);
            break;
        case V_REAL:
            e = sqlite3_bind_double(stmt, k, v->d);
            break;
        case V_TEXT:
            e = sqlite3_bind_text64(stmt, k, v->p, v->len, SQLITE_STATIC, SQLITE_UTF8);
            break;
        case V_BYTES:
            e = v->len == 0 ? sqlite3_bind_zeroblob(stmt, k, 0)
                            : sqlite3_bind_blob64(stmt, k, v->p, v->len, SQLITE_STATIC);
            break;
        }
    }
    if (e == SQLITE_OK)
        e = sqlite3_step(stmt);
    ph_err rc = e == SQLITE_DONE ? PH_OK : sq_fail(w->e->sq, e, "write", w->t->name);
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return rc;
}

/* A double as text that reads back the same (17 significant digits). */
static const char *double_text(struct arena *ar, double d)
{
    if (isnan(d))
        return "NaN";
    if (isinf(d))
        return d > 0 ? "Infinity" : "-Infinity";
    return arena_printf(ar, "%.17g", d);
}

static ph_err writer_put(struct writer *w, const struct val *vals)
{
    if (w->e->sq != NULL)
        return sq_put(w, vals);
    size_t base = w->rows * w->t->n_cols;
    for (size_t i = 0; i < w->t->n_cols; i++) {
        const struct val *v = &vals[i];
        size_t k = base + i;
        w->lengths[k] = 0;
        w->formats[k] = 0;
        switch (v->kind) {
        case V_NULL:
            w->values[k] = NULL;
            break;
        case V_INT:
            w->values[k] = arena_printf(&w->ar, "%lld", (long long)v->i);
            break;
        case V_REAL:
            w->values[k] = double_text(&w->ar, v->d);
            break;
        case V_TEXT:
        case V_BYTES:
            if (v->len > INT32_MAX) {
                log_error("store/copy: %s.%s: a value of %zu bytes is too long", w->t->name,
                          w->t->cols[i], v->len);
                return PH_ETOOBIG;
            }
            /* Bytes, or anything going into bytea, as they are (binary); text
             * as text, so that the column's type reads it. */
            if (v->kind == V_BYTES || w->t->to_bytes[i]) {
                char *copy = arena_alloc(&w->ar, v->len + 1);
                memcpy(copy, v->p, v->len);
                w->values[k] = copy;
                w->lengths[k] = (int)v->len;
                w->formats[k] = 1;
            } else {
                w->values[k] = arena_strndup(&w->ar, v->p, v->len);
            }
            w->bytes += v->len;
            break;
        }
    }
    w->rows++;
    return w->rows == w->max_rows || w->bytes >= COPY_BATCH_BYTES ? writer_flush(w) : PH_OK;
}

static ph_err writer_close(struct writer *w, ph_err rc)
{
    if (rc == PH_OK && w->e->pg != NULL)
        rc = writer_flush(w);
    if (rc == PH_OK && w->prepared)
        rc = pgc_run(w->e->pg, arena_printf(&w->ar, "DEALLOCATE %s", w->name), "finish writing",
                     w->t->name);
    sqlite3_finalize(w->stmt);
    free(w->values);
    free(w->lengths);
    free(w->formats);
    arena_release(&w->ar);
    return rc;
}

static ph_err copy_table(struct copier *c, const struct copy_table *t)
{
    struct reader rd;
    struct writer w;
    struct val *vals = xcalloc(t->n_cols, sizeof(*vals));
    int64_t rows = 0;
    bool got = true;
    ph_err rc = reader_open(c, &rd, t), wrc;

    wrc = writer_open(c, &w, t);
    if (rc == PH_OK)
        rc = wrc;
    while (rc == PH_OK && (rc = reader_next(&rd, vals, &got)) == PH_OK && got) {
        rc = writer_put(&w, vals);
        rows++;
        if (++c->done % COPY_PROGRESS_ROWS == 0 && c->r != NULL && c->r->progress != NULL)
            c->r->progress(c->r->ctx, c->done);
    }
    rc = writer_close(&w, rc);
    rc = reader_close(&rd, rc);
    free(vals);
    if (rc == PH_OK && rows != t->rows) {
        log_error("store/copy: %s: %lld rows counted, %lld copied", t->name, (long long)t->rows,
                  (long long)rows);
        rc = PH_ESTORE;
    }
    if (rc == PH_OK && c->r != NULL) {
        if (c->r->progress != NULL)
            c->r->progress(c->r->ctx, c->done);
        if (c->r->table != NULL)
            c->r->table(c->r->ctx, t->name, rows);
    }
    return rc;
}

/* ---- the copy ----------------------------------------------------------------------- */

static void step(struct copier *c, const char *what)
{
    if (c->r != NULL && c->r->step != NULL)
        c->r->step(c->r->ctx, what);
}

static ph_err count_rows(struct copier *c)
{
    int64_t total = 0;
    ph_err rc = PH_OK;

    for (size_t i = 0; i < c->n_tables && rc == PH_OK; i++) {
        rc = table_i64(c, &c->from, "SELECT count(*) FROM ", c->tables[i].name, "", "count",
                       &c->tables[i].rows);
        total += c->tables[i].rows;
    }
    if (rc == PH_OK && c->r != NULL && c->r->counted != NULL)
        c->r->counted(c->r->ctx, c->n_tables, total);
    return rc;
}

/* What the destination derives, and its counters; then every reference is
 * checked (PostgreSQL names the broken one here rather than at COMMIT). */
static ph_err finish(struct copier *c)
{
    ph_err rc = PH_OK;

    for (size_t i = 0; i < c->n_tables && rc == PH_OK; i++)
        rc = set_counter(c, &c->tables[i]);
    if (rc != PH_OK)
        return rc;
    if (c->to.sq != NULL) {
        /* The insert trigger queued every incident; the commit indexes them. The
         * reference data kept by the connection is stale now. */
        c->to.sq->fts_pending = true;
        store_sq_ref_changed(c->to.sq);
        return PH_OK;
    }
    step(c, "indexing incidents for search");
    if ((rc = store_pg_incident_search_fill(c->to.pg)) != PH_OK)
        return rc;
    step(c, "checking references");
    return pgc_run(c->to.pg, "SET CONSTRAINTS ALL IMMEDIATE", "check references", NULL);
}

/* A failed SQLite commit for a broken reference: name one. */
static void explain_commit(struct end *to)
{
    sqlite3_stmt *stmt = NULL;

    if (to->sq == NULL || sqlite3_extended_errcode(to->sq->db) != SQLITE_CONSTRAINT_FOREIGNKEY ||
        sqlite3_prepare_v2(to->sq->db, "PRAGMA foreign_key_check", -1, &stmt, NULL) != SQLITE_OK)
        return;
    if (sqlite3_step(stmt) == SQLITE_ROW)
        log_error("store/copy: a row of %s (rowid %lld) refers to a missing row of %s",
                  (const char *)sqlite3_column_text(stmt, 0),
                  (long long)sqlite3_column_int64(stmt, 1),
                  (const char *)sqlite3_column_text(stmt, 2));
    else
        log_error("store/copy: the copy breaks a foreign key");
    sqlite3_finalize(stmt);
}

ph_err store_copy(struct store *from, struct store *to, const struct store_copy_report *r)
{
    struct copier c = {.r = r};
    bool reading = false, writing = false, refused = false;
    ph_err rc;

    arena_init(&c.ar);
    if ((rc = end_of(from, &c.from)) != PH_OK || (rc = end_of(to, &c.to)) != PH_OK ||
        (rc = seeded_tables(&c)) != PH_OK)
        goto out;
    if ((rc = store_read_begin(from)) != PH_OK)
        goto out;
    reading = true;
    if ((rc = store_tx_begin(to)) != PH_OK)
        goto out;
    writing = true;
    if ((rc = defer_references(&c.to)) != PH_OK ||
        (rc = tables_of(&c, &c.from, &c.from_tables, &c.n_from_tables)) != PH_OK ||
        (rc = tables_of(&c, &c.to, &c.to_tables, &c.n_to_tables)) != PH_OK ||
        (rc = plan(&c)) != PH_OK)
        goto out;
    if ((rc = check_new(&c)) != PH_OK) {
        refused = rc == PH_ECONFLICT;
        goto out;
    }
    if ((rc = count_rows(&c)) != PH_OK || (rc = clear_destination(&c)) != PH_OK)
        goto out;
    for (size_t i = 0; i < c.n_tables && rc == PH_OK; i++)
        rc = copy_table(&c, &c.tables[i]);
    if (rc == PH_OK)
        rc = finish(&c);
    if (rc != PH_OK)
        goto out;
    step(&c, c.to.sq != NULL ? "indexing incidents for search and committing" : "committing");
    writing = false;
    if ((rc = store_tx_commit(to)) != PH_OK) {
        log_error("store/copy: the commit failed: %s",
                  c.to.sq != NULL ? sqlite3_errmsg(c.to.sq->db) : PQerrorMessage(c.to.pg->conn));
        explain_commit(&c.to);
        (void)store_tx_rollback(to);
    }
out:
    if (writing)
        (void)store_tx_rollback(to);
    if (reading)
        (void)store_read_end(from);
    /* Fresh statistics for the planner, rather than at autovacuum's pace; the
     * copy is committed whatever comes of it (autovacuum will do it later). */
    if (rc == PH_OK && c.to.pg != NULL) {
        step(&c, "analyzing");
        (void)pgc_run(c.to.pg, "ANALYZE", "analyze", NULL);
    }
    arena_release(&c.ar);
    /* PH_ECONFLICT says the destination was not new; a clash while copying is
     * a failure like any other. */
    if (rc == PH_ECONFLICT && !refused)
        rc = PH_ESTORE;
    return rc;
}
