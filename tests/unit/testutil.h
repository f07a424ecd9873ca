/* testutil.h - shared helpers for the cmocka unit tests: a fresh SQLite store (in
 * memory, or in a file in a temporary directory), core contexts for made-up callers,
 * cmocka fixtures (store + arena + system context, or just an arena), writes in a
 * transaction (TX, TX_EINVAL), units and users to build fixtures from, and the
 * newest audit entry or outbox event. Every helper fails the running test when a
 * step it relies on fails, so callers need not check. All static inline: nothing to
 * link besides libphoihop.a. */
#ifndef PH_TESTS_TESTUTIL_H
#define PH_TESTS_TESTUTIL_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "core/access.h"
#include "core/ctx.h"
#include "core/unit.h"
#include "security/audit_chain.h"
#include "security/token.h"
#include "store/pg_int.h"
#include "store/sqlite_int.h"
#include "store/store.h"
#include "util/arena.h"

/* ---- stores and contexts ------------------------------------------------------------ */

/* With PHOIHOP_TEST_PG set to a PostgreSQL server's URL ending in '/' (scripts/pg.sh
 * start prints one), the stores below are fresh PostgreSQL databases on it instead
 * (opening creates them), so that the core tests run on that store too. *dsn gets
 * "<url>phu_<pid>_<n>_<ns>"; false without the variable. */
static inline bool tu_pg_dsn(char *dsn, size_t size)
{
    static unsigned counter;
    const char *url = getenv("PHOIHOP_TEST_PG");
    struct timespec ts;

    if (url == NULL || url[0] == '\0')
        return false;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(dsn, size, "%sphu_%ld_%u_%ld", url, (long)getpid(), ++counter, (long)ts.tv_nsec);
    return true;
}

/* A fresh in-memory store with the schema applied (or a fresh PostgreSQL database,
 * tu_pg_dsn); fails the test when it cannot. */
static inline struct store *tu_store(void)
{
    struct store *st = NULL;
    char dsn[256];
    assert_int_equal(store_open(tu_pg_dsn(dsn, sizeof(dsn)) ? dsn : "sqlite::memory:", &st), PH_OK);
    return st;
}

/* A context acting as user on st, allocating in a (both owned by the caller). */
static inline struct core_ctx tu_ctx(struct store *st, struct arena *a, const struct core_user *user)
{
    struct core_ctx cx = {.st = st, .arena = a, .user = user, .client = "test", .now_ms = 1764000000000};
    return cx;
}

/* ---- fixtures ------------------------------------------------------------------------ */

/* What most core fixtures start with: a fresh in-memory store, an arena, and a
 * context acting as the system over both. A bigger fixture embeds it as its first
 * member, so that tu_fx_teardown() can release any of them. */
struct tu_fx {
    struct store *st;
    struct arena a;
    struct core_ctx sys;
};

static inline void tu_fx_open(struct tu_fx *t)
{
    t->st = tu_store();
    arena_init(&t->a);
    t->sys = tu_ctx(t->st, &t->a, &core_system_user);
}

static inline void tu_fx_close(struct tu_fx *t)
{
    store_close(t->st);
    arena_release(&t->a);
}

/* A context acting as user over t's store and arena. */
static inline struct core_ctx tu_as(struct tu_fx *t, const struct core_user *user)
{
    return tu_ctx(t->st, &t->a, user);
}

/* cmocka fixtures: *state is a calloc'd struct tu_fx, or (for the teardown) any
 * calloc'd fixture that starts with one. */
static inline int tu_fx_setup(void **state)
{
    struct tu_fx *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return -1;
    tu_fx_open(t);
    *state = t;
    return 0;
}

static inline int tu_fx_teardown(void **state)
{
    struct tu_fx *t = *state;
    tu_fx_close(t);
    free(t);
    return 0;
}

#define TU_FX_TEST(f) cmocka_unit_test_setup_teardown(f, tu_fx_setup, tu_fx_teardown)

/* A cmocka fixture for tests that need only an arena: *state is a struct arena *,
 * released by the teardown even when the test fails half-way. */
static inline int tu_arena_setup(void **state)
{
    struct arena *a = calloc(1, sizeof(*a));
    if (a == NULL)
        return -1;
    arena_init(a);
    *state = a;
    return 0;
}

static inline int tu_arena_teardown(void **state)
{
    arena_release(*state);
    free(*state);
    return 0;
}

#define TU_ARENA_TEST(f) cmocka_unit_test_setup_teardown(f, tu_arena_setup, tu_arena_teardown)

/* ---- transactions -------------------------------------------------------------------- */

/* Run call inside a transaction of cx's store: commit on PH_OK, else roll back.
 * Yields call's error, or the commit's. */
#define TX(cx, call) tu_tx_end((cx), store_tx_begin((cx)->st) == PH_OK ? (call) : PH_ESTORE)

static inline ph_err tu_tx_end(struct core_ctx *cx, ph_err rc)
{
    if (rc == PH_OK)
        return store_tx_commit(cx->st);
    (void)store_tx_rollback(cx->st);
    return rc;
}

/* TX(cx, call) must fail with PH_EINVAL naming want in field, the const char *
 * that call names the bad member in (reset to NULL first). */
#define TX_EINVAL(cx, call, field, want)                                                           \
    do {                                                                                           \
        ph_err tu_rc_;                                                                             \
        (field) = NULL;                                                                            \
        tu_rc_ = TX((cx), (call));                                                                 \
        tu_expect_einval_(tu_rc_, (field), (want), -1, __FILE__, __LINE__);                        \
    } while (0)
/* As TX_EINVAL for case i of a table, which the message names. */
#define TX_EINVAL_CASE(i, cx, call, field, want)                                                   \
    do {                                                                                           \
        ph_err tu_rc_;                                                                             \
        (field) = NULL;                                                                            \
        tu_rc_ = TX((cx), (call));                                                                 \
        tu_expect_einval_(tu_rc_, (field), (want), (long)(i), __FILE__, __LINE__);                 \
    } while (0)

static inline void tu_expect_einval_(ph_err rc, const char *field, const char *want, long case_no,
                                     const char *file, int line)
{
    if (rc == PH_EINVAL && field != NULL && strcmp(field, want) == 0)
        return;
    if (case_no >= 0)
        print_error("case %ld: ", case_no);
    print_error("rc %d field %s, want PH_EINVAL (%d) field %s\n", (int)rc,
                field != NULL ? field : "(null)", (int)PH_EINVAL, want);
    _fail(file, line);
}

/* ---- raw SQL, for tests that reach under the store (tampering, counting) ------------ */

/* Run sqlite_sql on an SQLite store, pg_sql (NULL: the same text) on a PostgreSQL one,
 * through the backend's own connection; the rows changed, or the first column of the
 * first row for a query. Fails the test on an error. */
static inline int64_t tu_raw_sql(struct store *st, const char *sqlite_sql, const char *pg_sql)
{
    int64_t v = 0;
    if (st->ops == &store_postgres_ops) {
        PGresult *res = PQexec(store_pg_of(st)->conn, pg_sql != NULL ? pg_sql : sqlite_sql);
        ExecStatusType rs = PQresultStatus(res);
        if (rs != PGRES_COMMAND_OK && rs != PGRES_TUPLES_OK) {
            PQclear(res);
            fail_msg("raw sql: %s", PQerrorMessage(store_pg_of(st)->conn));
        }
        if (rs == PGRES_TUPLES_OK)
            v = PQntuples(res) > 0 ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : 0;
        else
            v = strtoll(PQcmdTuples(res), NULL, 10);
        PQclear(res);
        return v;
    }
    /* Statement by statement (sqlite3_prepare takes one): the changes add up. */
    sqlite3 *db = store_sq_of(st)->db;
    const char *next = sqlite_sql;
    while (next != NULL && *next != '\0') {
        sqlite3_stmt *stmt = NULL;
        if (sqlite3_prepare_v2(db, next, -1, &stmt, &next) != SQLITE_OK)
            fail_msg("raw sql: %s", sqlite3_errmsg(db));
        if (stmt == NULL)
            break; /* only white space was left */
        int rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW)
            v = sqlite3_column_int64(stmt, 0);
        else if (rc == SQLITE_DONE)
            v += sqlite3_changes(db);
        sqlite3_finalize(stmt);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            fail_msg("raw sql: %s", sqlite3_errmsg(db));
    }
    return v;
}

/* ---- a database file in a temporary directory --------------------------------------- */

struct tu_tmpdb {
    char dir[64];   /* /tmp/phoihop-test-<name>-XXXXXX */
    char path[128]; /* <dir>/db.sqlite */
    char dsn[256];  /* sqlite:<path> (or a fresh PostgreSQL database, tu_pg_dsn) */
};

/* Make the directory and name the file in it (not created: store_open does that).
 * 0, or -1 when the directory cannot be made (for setups, which return it). */
static inline int tu_tmpdb_make(struct tu_tmpdb *db, const char *name)
{
    snprintf(db->dir, sizeof(db->dir), "/tmp/phoihop-test-%s-XXXXXX", name);
    if (mkdtemp(db->dir) == NULL)
        return -1;
    snprintf(db->path, sizeof(db->path), "%s/db.sqlite", db->dir);
    if (!tu_pg_dsn(db->dsn, sizeof(db->dsn)))
        snprintf(db->dsn, sizeof(db->dsn), "sqlite:%s", db->path);
    return 0;
}

/* Remove the file, SQLite's companions and the directory; rmdir's result (0 when
 * nothing else was left behind). */
static inline int tu_tmpdb_remove(const struct tu_tmpdb *db)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    char name[200];
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        snprintf(name, sizeof(name), "%s%s", db->path, suffixes[i]);
        (void)unlink(name);
    }
    return rmdir(db->dir);
}

/* ---- units and users ------------------------------------------------------------------ */

/* An active unit, not yet stored. */
static inline struct unit tu_unit(const char *code, const char *name, const char *force,
                                  const char *level, int64_t parent_id)
{
    struct unit u = {.code = code,
                     .name = name,
                     .force = force,
                     .level = level,
                     .parent_id = parent_id,
                     .is_active = true};
    return u;
}

/* Create u as cx's user, in a transaction; its id. Fails the test, naming the
 * field, when unit_create refuses. */
static inline int64_t tu_unit_create(struct core_ctx *cx, struct unit u)
{
    const char *field = NULL;
    ph_err rc = TX(cx, unit_create(cx, &u, &field));
    if (rc != PH_OK)
        fail_msg("create %s: %d (%s)", u.code, rc, field != NULL ? field : "");
    return u.id;
}

/* A made-up caller "qtv" (person 900 + unit_id) at unit_id, read through sys; the
 * unit's strings live in sys's arena. */
static inline struct core_user tu_user_at(struct core_ctx *sys, int64_t unit_id, unsigned roles,
                                          int clearance)
{
    struct unit u;
    struct core_user who = {.person_id = 900 + unit_id,
                            .username = "qtv",
                            .roles = roles,
                            .clearance = clearance,
                            .unit_id = unit_id};
    assert_int_equal(unit_get(sys, unit_id, &u), PH_OK);
    who.unit_path = u.path;
    who.unit_level = u.level;
    who.force = u.force;
    return who;
}

/* An administrator without a unit ("root", top secret): global. */
static inline struct core_user tu_global_admin(void)
{
    struct core_user who = {.person_id = 999,
                            .username = "root",
                            .roles = ROLE_ADMIN,
                            .clearance = CLEARANCE_TOP_SECRET};
    return who;
}

/* A live session token of person_id straight through the store (no login); its id.
 * text, when not NULL, gets the token itself. */
static inline int64_t tu_token_insert(struct store *st, int64_t person_id, int64_t created_at,
                                      int64_t expires_at, char text[TOKEN_STR_BYTES])
{
    char mine[TOKEN_STR_BYTES];
    struct store_token t = {.person_id = person_id,
                            .kind = "session",
                            .created_at = created_at,
                            .expires_at = expires_at};
    int64_t id = 0;
    if (text == NULL)
        text = mine;
    token_generate(text);
    token_hash(text, t.hash);
    assert_int_equal(store_token_insert(st, &t, &id), PH_OK);
    return id;
}

/* ---- audit log and outbox ------------------------------------------------------------- */

static inline int64_t tu_audit_count(struct store *st)
{
    int64_t n = 0;
    assert_int_equal(store_audit_count(st, &n), PH_OK);
    return n;
}

/* The one audit entry after seq before; its strings live in a. Fails the test
 * unless exactly one follows. */
static inline struct audit_entry tu_audit_one_after(struct store *st, struct arena *a,
                                                    int64_t before)
{
    struct audit_entry *items = NULL;
    size_t n = 0;
    assert_int_equal(store_audit_page(st, a, before, 2, &items, &n), PH_OK);
    assert_int_equal(n, 1);
    return items[0];
}

/* The newest audit entry; its strings live in a. Fails the test on an empty log. */
static inline struct audit_entry tu_audit_last(struct store *st, struct arena *a)
{
    return tu_audit_one_after(st, a, tu_audit_count(st) - 1);
}

/* The newest outbox event; its strings live in a. Fails the test when there is none. */
static inline struct store_outbox_event tu_event_last(struct store *st, struct arena *a)
{
    struct store_outbox_event last = {0}, *items = NULL;
    size_t n = 0;
    do {
        assert_int_equal(store_outbox_after(st, a, last.id, 1000, &items, &n), PH_OK);
        if (n > 0)
            last = items[n - 1];
    } while (n > 0);
    assert_true(last.id > 0);
    return last;
}
#endif
