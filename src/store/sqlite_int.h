/* sqlite_int.h - internals shared by the SQLite backend's files (sqlite.c: the
 * connection, migrations, transactions, forces, areas, categories, audit, outbox;
 * sqlite_people.c: units, people, tokens; sqlite_fts.c: the FTS5 tokenizer).
 * Nothing here leaves store/.
 *
 * Every statement is prepared once per connection, on first use, and cached in
 * struct store_sq by its enum sq_stmt id; after use it is reset and its bindings
 * cleared (store_sq_done), so bound SQLITE_STATIC pointers never outlive a call. */
#ifndef PH_STORE_SQLITE_INT_H
#define PH_STORE_SQLITE_INT_H
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "store/store.h"
#include "util/err.h"
struct arena;

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
    SQ_COUNT
};

/* struct store.impl of the SQLite backend. */
struct store_sq {
    sqlite3 *db;
    sqlite3_stmt *stmts[SQ_COUNT]; /* prepared lazily; finalized by close */
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
/* The times of a new row: created_at at i (now when 0), updated_at at i + 1
 * (the creation time when 0). */
int store_sq_bind_created(sqlite3_stmt *stmt, int i, int64_t created_at, int64_t updated_at);
/* The text of column i copied into ar; NULL for SQL NULL. */
char *store_sq_col_text(struct arena *ar, sqlite3_stmt *stmt, int i);
/* A 32-byte hash column into out; false (and zeros) when it is not 32 bytes. */
bool store_sq_col_hash(sqlite3_stmt *stmt, int i, uint8_t out[32]);
/* A LIKE operand for "contains q": q with %, _ and \ escaped by \ (the queries
 * say ESCAPE '\'), in ar. NULL and "" give NULL (no filter). */
const char *store_sq_like_escape(struct arena *ar, const char *q);
/* A list limit clamped to 1..LIST_MAX_LIMIT (LIST_DEFAULT_LIMIT when <= 0). */
int store_sq_list_limit(int limit);
/* t when non-zero, else the current time. */
int64_t store_sq_time_or_now(int64_t t);

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
#endif
