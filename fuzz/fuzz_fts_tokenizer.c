/* fuzz_fts_tokenizer.c - the FTS5 tokenizer "phoihop" (store/sqlite_fts.c) on
 * arbitrary bytes: every incident title, description and search query goes through
 * it. Checks, on the tokenizer alone: tokens come in order without overlapping,
 * inside the input, between 1 and STORE_SQ_FTS_MAX_TOKEN bytes; each covers valid
 * UTF-8 and equals text_fold() of the text it covers (a prefix of it, cut near the
 * limit, when that is longer). Then through SQLite: the input is indexed in an
 * FTS5 table, highlighted, and found by a phrase query made of itself. */
#include "util/base.h"
#include <limits.h>
#include <sqlite3.h>
#include "store/sqlite_int.h"
#include "util/arena.h"
#include "util/text.h"
#include "fuzz.h"

struct seen {
    const char *text;
    int n;
    int last_end;
    int count;
    struct arena *a;
};

static int on_token(void *ctx, int tflags, const char *token, int ntoken, int start, int end)
{
    struct seen *s = ctx;

    FUZZ_CHECK(tflags == 0);
    FUZZ_CHECK(ntoken > 0 && ntoken <= STORE_SQ_FTS_MAX_TOKEN);
    FUZZ_CHECK(start >= s->last_end && start < end && end <= s->n);
    FUZZ_CHECK(text_is_clean_utf8(token, (size_t)ntoken));
    FUZZ_CHECK(text_is_clean_utf8(s->text + start, (size_t)(end - start)));

    char *word = arena_strndup(s->a, s->text + start, (size_t)(end - start));
    char *key = text_fold(s->a, word);
    size_t kn = strlen(key);
    if (kn <= STORE_SQ_FTS_MAX_TOKEN) {
        FUZZ_CHECK(kn == (size_t)ntoken && memcmp(key, token, kn) == 0);
    } else {
        /* Cut at the first code point that does not fit (at most 4 bytes). */
        FUZZ_CHECK(ntoken > STORE_SQ_FTS_MAX_TOKEN - 4 && memcmp(key, token, (size_t)ntoken) == 0);
    }
    s->last_end = end;
    s->count++;
    return SQLITE_OK;
}

/* One connection for the whole run, as the server keeps its own: opened on the
 * first input, never closed (still reachable, so not a leak). */
static sqlite3 *open_db(void)
{
    static sqlite3 *db;
    if (db != NULL)
        return db;
    FUZZ_CHECK(sqlite3_open(":memory:", &db) == SQLITE_OK);
    FUZZ_CHECK(store_sq_fts_register(db) == PH_OK);
    FUZZ_CHECK(sqlite3_exec(db, "CREATE VIRTUAL TABLE t USING fts5(x, tokenize='phoihop')", NULL,
                            NULL, NULL) == SQLITE_OK);
    return db;
}

/* Index the input, highlight it, and look it up by a phrase of its own words. */
static void through_sqlite(const uint8_t *data, size_t size, bool has_tokens, struct arena *a)
{
    sqlite3 *db = open_db();
    sqlite3_stmt *stmt = NULL;

    FUZZ_CHECK(sqlite3_prepare_v2(db, "INSERT INTO t(rowid, x) VALUES (1, ?1)", -1, &stmt, NULL) ==
               SQLITE_OK);
    sqlite3_bind_text(stmt, 1, (const char *)data, (int)size, SQLITE_STATIC);
    FUZZ_CHECK(sqlite3_step(stmt) == SQLITE_DONE);
    sqlite3_finalize(stmt);

    /* "..." with " doubled: FTS5 hands what is inside to the tokenizer as is. */
    char *q = arena_alloc(a, 2 * size + 3), *w = q;
    *w++ = '"';
    for (size_t i = 0; i < size; i++) {
        if (data[i] == '"')
            *w++ = '"';
        *w++ = (char)data[i];
    }
    *w++ = '"';
    FUZZ_CHECK(sqlite3_prepare_v2(db,
                                  "SELECT rowid, highlight(t, 0, '[', ']') FROM t WHERE t MATCH ?1",
                                  -1, &stmt, NULL) == SQLITE_OK);
    sqlite3_bind_text(stmt, 1, q, (int)(w - q), SQLITE_STATIC);
    int e, rows = 0;
    while ((e = sqlite3_step(stmt)) == SQLITE_ROW)
        rows++;
    /* A query holding a NUL may be read up to it; anything else must find the row. */
    if (memchr(data, 0, size) == NULL) {
        FUZZ_CHECK(e == SQLITE_DONE);
        FUZZ_CHECK(rows == (has_tokens ? 1 : 0));
    }
    sqlite3_finalize(stmt);
    FUZZ_CHECK(sqlite3_exec(db, "DELETE FROM t", NULL, NULL, NULL) == SQLITE_OK);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena a;

    if (size > (size_t)INT_MAX / 4)
        return 0;
    arena_init(&a);
    struct seen s = {.text = (const char *)data, .n = (int)size, .a = &a};
    FUZZ_CHECK(store_sq_fts_tokenize(&s, (const char *)data, (int)size, on_token) == SQLITE_OK);
    if (size <= 65536)
        through_sqlite(data, size, s.count > 0, &a);
    arena_release(&a);
    return 0;
}
