/* test_sqlite_fts.c - the FTS5 tokenizer "phoihop" (store/sqlite_fts.c): the
 * tokenizer on its own (words, offsets, folding, cuts, invalid UTF-8), then an
 * FTS5 table over it on a store's connection, searched the ways people search:
 * without diacritics, in upper case, with đ typed as d, in NFD against NFC and
 * back, by prefix and by reference number, with highlight() at the right bytes. */
#include "util/base.h"
#include <sqlite3.h>
#include <time.h>
#include <utf8proc.h>
#include "testutil.h"
#include "store/sqlite_int.h"
#include "util/log.h"
#include "util/text.h"

/* ---- the tokenizer alone --------------------------------------------------- */

struct toks {
    int n;
    char text[16][STORE_SQ_FTS_MAX_TOKEN + 1];
    int start[16], end[16];
    int stop_after; /* when > 0, answer SQLITE_ABORT to that token */
};

static int on_token(void *ctx, int tflags, const char *token, int ntoken, int start, int end)
{
    struct toks *t = ctx;
    assert_int_equal(tflags, 0);
    assert_true(ntoken > 0 && ntoken <= STORE_SQ_FTS_MAX_TOKEN);
    assert_true(start >= 0 && start < end);
    if (t->n < 16) {
        memcpy(t->text[t->n], token, (size_t)ntoken);
        t->text[t->n][ntoken] = '\0';
        t->start[t->n] = start;
        t->end[t->n] = end;
    }
    t->n++;
    return t->stop_after > 0 && t->n == t->stop_after ? SQLITE_ABORT : SQLITE_OK;
}

static int tokenize(struct toks *t, const char *s, size_t n)
{
    memset(t, 0, sizeof(*t));
    return store_sq_fts_tokenize(t, s, (int)n, on_token);
}

/* A malloc'd NFD form of s. */
static char *nfd(const char *s)
{
    char *d = (char *)utf8proc_NFD((const utf8proc_uint8_t *)s);
    assert_non_null(d);
    return d;
}

static void test_sqlite_fts_words_and_offsets(void **state)
{
    /* Đ and ạ are two and three bytes: offsets are bytes of the original. */
    static const char s[] = "Đặng-Thạch, BT-2026-000123 (xã Thạnh Phú)";
    static const struct {
        const char *text;
        int start, end;
    } want[] = {{"dang", 0, 7},     {"thach", 8, 15}, {"bt", 17, 19},    {"2026", 20, 24},
                {"000123", 25, 31}, {"xa", 33, 36},   {"thanh", 37, 44}, {"phu", 45, 49}};
    struct toks t;
    (void)state;

    assert_int_equal(tokenize(&t, s, strlen(s)), SQLITE_OK);
    assert_int_equal(t.n, (int)PH_NELEM(want));
    for (size_t i = 0; i < PH_NELEM(want); i++) {
        assert_string_equal(t.text[i], want[i].text);
        assert_int_equal(t.start[i], want[i].start);
        assert_int_equal(t.end[i], want[i].end);
    }
}

/* Every word folds exactly as text_fold() folds it, whatever its form. */
static void test_sqlite_fts_folds_like_text_fold(void **state)
{
    static const char *const words[] = {
        "Biên", "PHÒNG", "Đặng",   "đăng",    "ĐẶNG",     "Nguyễn", "Cường", "Thạnh", "Phú",
        "chụp", "ảnh",   "Straße", "ΣΊΣΥΦΟΣ", "İstanbul", "ﬁne",    "२०२६",  "Ⅻ",     "Ǆemal",
    };
    struct arena a;
    struct toks t;
    (void)state;

    arena_init(&a);
    for (size_t i = 0; i < PH_NELEM(words); i++) {
        char *forms[2] = {(char *)words[i], nfd(words[i])};
        for (int f = 0; f < 2; f++) {
            assert_int_equal(tokenize(&t, forms[f], strlen(forms[f])), SQLITE_OK);
            assert_int_equal(t.n, 1);
            assert_string_equal(t.text[0], text_fold(&a, words[i]));
            assert_int_equal(t.start[0], 0);
            assert_int_equal(t.end[0], (int)strlen(forms[f]));
        }
        free(forms[1]);
    }
    arena_release(&a);
}

/* The table of folded forms below U+2000 (sqlite_fts.c, fold_cache) gives what
 * text_fold gives, for every code point of it, alone and inside a word. */
static void test_sqlite_fts_fold_table(void **state)
{
    struct arena a;
    struct toks t;
    int words = 0;
    (void)state;

    arena_init(&a);
    for (utf8proc_int32_t cp = 0x80; cp < 0x2000; cp++) {
        utf8proc_uint8_t enc[4];
        char s[16];
        utf8proc_ssize_t m = utf8proc_encode_char(cp, enc);
        /* "ab<cp>cd": a mark then belongs to the word, as it does in text. */
        s[0] = 'a';
        s[1] = 'b';
        memcpy(s + 2, enc, (size_t)m);
        s[2 + m] = 'c';
        s[3 + m] = 'd';
        s[4 + m] = '\0';
        assert_int_equal(tokenize(&t, s, strlen(s)), SQLITE_OK);
        if (t.n == 1 && t.end[0] == (int)strlen(s)) {
            const char *want = text_fold(&a, s);
            if (strcmp(t.text[0], want) != 0)
                fail_msg("U+%04X: %s, text_fold %s", (unsigned)cp, t.text[0], want);
            words++;
        } else { /* a separator: the word is cut in two around it */
            assert_int_equal(t.n, 2);
            assert_string_equal(t.text[0], "ab");
            assert_string_equal(t.text[1], "cd");
        }
    }
    assert_true(words > 5000);
    arena_release(&a);
}

static void test_sqlite_fts_edges(void **state)
{
    struct toks t;
    (void)state;

    assert_int_equal(store_sq_fts_tokenize(&t, NULL, 0, on_token), SQLITE_OK);
    assert_int_equal(tokenize(&t, "", 0), SQLITE_OK);
    assert_int_equal(t.n, 0);
    assert_int_equal(tokenize(&t, " ,.-!?\t\n", 8), SQLITE_OK);
    assert_int_equal(t.n, 0);
    /* Marks alone fold to nothing: no empty token. */
    assert_int_equal(tokenize(&t, "\xcc\x81\xcc\xa3 a", 6), SQLITE_OK);
    assert_int_equal(t.n, 1);
    assert_string_equal(t.text[0], "a");
    assert_int_equal(t.start[0], 5);
    /* The text is cut at n, not at a NUL; a NUL separates. */
    assert_int_equal(tokenize(&t, "ab\0cd", 5), SQLITE_OK);
    assert_int_equal(t.n, 2);
    assert_string_equal(t.text[1], "cd");
    assert_int_equal(tokenize(&t, "abcdef", 3), SQLITE_OK);
    assert_int_equal(t.n, 1);
    assert_string_equal(t.text[0], "abc");
    /* A multi-byte character cut by n is an invalid byte sequence. */
    assert_int_equal(tokenize(&t, "ab\xc3\xa9", 3), SQLITE_OK);
    assert_int_equal(t.n, 1);
    assert_string_equal(t.text[0], "ab");
    /* Emoji and symbols separate; CJK ideographs are letters like any other. */
    assert_int_equal(tokenize(&t, "a😀b€c中文", strlen("a😀b€c中文")), SQLITE_OK);
    assert_int_equal(t.n, 3);
    assert_string_equal(t.text[1], "b");
    assert_string_equal(t.text[2], "c中文");
}

static void test_sqlite_fts_invalid_utf8(void **state)
{
    /* Stray continuation, Latin-1, overlong '/', surrogate, truncated sequence. */
    static const char s[] = "Cảnh\x80"
                            "báo \xe9t\xe9 \xc0\xafxa \xed\xa0\x80yz đêm\xc3 nay";
    static const char *const want[] = {"canh", "bao", "t", "xa", "yz", "dem", "nay"};
    struct toks t;
    (void)state;

    assert_int_equal(tokenize(&t, s, sizeof(s) - 1), SQLITE_OK);
    assert_int_equal(t.n, (int)PH_NELEM(want));
    for (size_t i = 0; i < PH_NELEM(want); i++)
        assert_string_equal(t.text[i], want[i]);
    assert_int_equal(t.start[1], (int)strlen("Cảnh\x80"));
}

static void test_sqlite_fts_long_tokens(void **state)
{
    size_t n = 3000;
    char *s = malloc(n + 16);
    struct toks t;
    (void)state;

    /* 1000 × "ệ": one word of 3000 bytes, cut to 256 × "e", offsets whole. */
    for (size_t i = 0; i < 1000; i++)
        memcpy(s + 3 * i, "ệ", 3);
    memcpy(s + n, " ok", 3);
    assert_int_equal(tokenize(&t, s, n + 3), SQLITE_OK);
    assert_int_equal(t.n, 2);
    assert_int_equal((int)strlen(t.text[0]), STORE_SQ_FTS_MAX_TOKEN);
    assert_int_equal(strspn(t.text[0], "e"), STORE_SQ_FTS_MAX_TOKEN);
    assert_int_equal(t.start[0], 0);
    assert_int_equal(t.end[0], (int)n);
    assert_string_equal(t.text[1], "ok");

    /* The cut falls between characters: 255 bytes, then a 2-byte letter that does
     * not fit, then a 1-byte one that would (it must not jump the gap). */
    memset(s, 'a', 255);
    memcpy(s + 255, "Жb", 3);
    assert_int_equal(tokenize(&t, s, 258), SQLITE_OK);
    assert_int_equal(t.n, 1);
    assert_int_equal((int)strlen(t.text[0]), 255);
    assert_int_equal(t.end[0], 258);

    /* Đ is two bytes and folds to one. */
    for (size_t i = 0; i < 300; i++)
        memcpy(s + 2 * i, "Đ", 2);
    assert_int_equal(tokenize(&t, s, 600), SQLITE_OK);
    assert_int_equal(t.n, 1);
    assert_int_equal(strspn(t.text[0], "d"), STORE_SQ_FTS_MAX_TOKEN);
    free(s);
}

static void test_sqlite_fts_callback_stops(void **state)
{
    struct toks t;
    (void)state;

    memset(&t, 0, sizeof(t));
    t.stop_after = 2;
    assert_int_equal(
        store_sq_fts_tokenize(&t, "một hai ba bốn", (int)strlen("một hai ba bốn"), on_token),
        SQLITE_ABORT);
    assert_int_equal(t.n, 2);
}

/* ---- an FTS5 table on a store's connection --------------------------------- */

struct fx {
    struct store *st;
    sqlite3 *db;
};

static void exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg != NULL ? msg : "?");
}

static void insert(sqlite3 *db, int64_t rowid, const char *title, const char *body, int nbody)
{
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO t(rowid, title, body) VALUES (?1, ?2, ?3)",
                                        -1, &stmt, NULL),
                     SQLITE_OK);
    sqlite3_bind_int64(stmt, 1, rowid);
    sqlite3_bind_text(stmt, 2, title, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 3, body, nbody, SQLITE_TRANSIENT);
    assert_int_equal(sqlite3_step(stmt), SQLITE_DONE);
    sqlite3_finalize(stmt);
}

/* Row 5's body: invalid UTF-8 between and inside Vietnamese words. */
static const char bad_body[] = "Cảnh báo\xff\xfe"
                               "đêm\xc3 nay bão \xe0\x80 số 3";

static int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    char *title2 = nfd("Đặng Thạch báo cáo");
    char *body4 = nfd("Bãi biển Thạnh Phú, chụp ảnh.");

    f->st = tu_store();
    f->db = store_sq_of(f->st)->db;
    exec(f->db, "CREATE VIRTUAL TABLE t USING fts5(title, body, tokenize='phoihop')");
    insert(f->db, 1, "Biên phòng Thạnh Phú", "Đồn Biên phòng phát hiện tàu cá lạ.", -1);
    insert(f->db, 2, title2, "Số hiệu BT-2026-000123, 3 người.", -1);
    insert(f->db, 3, "ĐĂNG KÝ TẠM TRÚ", "Công an xã tiếp nhận.", -1);
    insert(f->db, 4, "Nguyễn Văn Cường", body4, -1);
    insert(f->db, 5, "Hỗn hợp", bad_body, (int)sizeof(bad_body) - 1);
    free(title2);
    free(body4);
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    struct fx *f = *state;
    store_close(f->st);
    free(f);
    return 0;
}

/* The rowids matching q, as bits. */
static uint64_t match(sqlite3 *db, const char *q)
{
    sqlite3_stmt *stmt = NULL;
    uint64_t rows = 0;
    int e;

    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT rowid FROM t WHERE t MATCH ?1", -1, &stmt, NULL), SQLITE_OK);
    sqlite3_bind_text(stmt, 1, q, -1, SQLITE_TRANSIENT);
    while ((e = sqlite3_step(stmt)) == SQLITE_ROW)
        rows |= UINT64_C(1) << sqlite3_column_int64(stmt, 0);
    if (e != SQLITE_DONE)
        fail_msg("MATCH '%s': %s", q, sqlite3_errmsg(db));
    sqlite3_finalize(stmt);
    return rows;
}

#define R(n) (UINT64_C(1) << (n))

static void test_sqlite_fts_match(void **state)
{
    struct fx *f = *state;
    char *nfd_thanh = nfd("Thạnh Phú"), *nfd_thach = nfd("THẠCH");
    const struct {
        const char *q;
        uint64_t want;
    } cases[] = {
        {"bien phong", R(1)},
        {"Biên phòng", R(1)},
        {"dang thach", R(2)}, /* title 2 is NFD */
        {"Đặng Thạch", R(2)},
        /* "Đăng" (row 3) folds to dang as well: intended, like any diacritic. */
        {"ĐẶNG", R(2) | R(3)},
        {"dang", R(2) | R(3)},
        {"đăng ký", R(3)},
        {"thanh phu", R(1) | R(4)}, /* body 4 is NFD */
        {nfd_thanh, R(1) | R(4)},   /* NFD query, NFC and NFD documents */
        {nfd_thach, R(2)},
        {"title:thanh", R(1)},
        {"body:thanh", R(4)},
        {"bien*", R(1) | R(4)}, /* biên, biển */
        {"biê*", R(1) | R(4)},
        {"\"bien phong\"", R(1)},
        {"\"phong bien\"", 0},
        {"cuong", R(4)},
        {"chup anh", R(4)},
        {"\"BT-2026-000123\"", R(2)},
        {"\"bt 2026 000123\"", R(2)},
        {"000123", R(2)},
        {"\"2026-000124\"", 0},
        {"canh bao", R(5)}, /* around the invalid bytes of row 5 */
        {"đêm", R(5)},
        {"\"dem nay bao\"", R(5)},
        {"so 3", R(2) | R(5)},
        {"cong an", R(3)},
        {"thach NOT dang", 0},
        {"bien OR cuong", R(1) | R(4)},
        {"xyz", 0},
    };

    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        uint64_t got = match(f->db, cases[i].q);
        if (got != cases[i].want)
            fail_msg("MATCH '%s': rows %#llx, want %#llx", cases[i].q, (unsigned long long)got,
                     (unsigned long long)cases[i].want);
    }
    free(nfd_thanh);
    free(nfd_thach);
}

/* highlight() cuts the original text at the offsets the tokenizer gave. */
static char *highlight(sqlite3 *db, int col, const char *q, int64_t rowid)
{
    sqlite3_stmt *stmt = NULL;
    char *out = NULL;

    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT highlight(t, ?1, '[', ']') FROM t "
                                        "WHERE t MATCH ?2 AND rowid = ?3",
                                        -1, &stmt, NULL),
                     SQLITE_OK);
    sqlite3_bind_int(stmt, 1, col);
    sqlite3_bind_text(stmt, 2, q, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(stmt, 3, rowid);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    const unsigned char *t = sqlite3_column_text(stmt, 0);
    int n = sqlite3_column_bytes(stmt, 0);
    out = malloc((size_t)n + 1);
    memcpy(out, t, (size_t)n);
    out[n] = '\0';
    sqlite3_finalize(stmt);
    return out;
}

static void test_sqlite_fts_highlight(void **state)
{
    struct fx *f = *state;
    char *h, *want;

    h = highlight(f->db, 0, "phu", 1);
    assert_string_equal(h, "Biên phòng Thạnh [Phú]");
    free(h);
    h = highlight(f->db, 0, "bien OR thanh", 1);
    assert_string_equal(h, "[Biên] phòng [Thạnh] Phú");
    free(h);
    h = highlight(f->db, 1, "don", 1);
    assert_string_equal(h, "[Đồn] Biên phòng phát hiện tàu cá lạ.");
    free(h);
    h = highlight(f->db, 1, "\"BT-2026-000123\"", 2);
    assert_string_equal(h, "Số hiệu [BT-2026-000123], 3 người.");
    free(h);
    h = highlight(f->db, 0, "dang", 3);
    assert_string_equal(h, "[ĐĂNG] KÝ TẠM TRÚ");
    free(h);

    /* NFD title: the marks belong to the words they follow. */
    h = highlight(f->db, 0, "thach", 2);
    want = nfd("Đặng [Thạch] báo cáo");
    assert_string_equal(h, want);
    free(h);
    free(want);

    /* Invalid bytes stay where they were, outside the marks. */
    h = highlight(f->db, 1, "dem", 5);
    assert_string_equal(h, "Cảnh báo\xff\xfe[đêm]\xc3 nay bão \xe0\x80 số 3");
    free(h);
}

/* Why the tokenizer exists (docs: NOTES-text): unicode61 keeps đ. */
static void test_sqlite_fts_unicode61_keeps_dd(void **state)
{
    struct fx *f = *state;

    exec(f->db, "CREATE VIRTUAL TABLE u USING fts5(x, tokenize='unicode61 remove_diacritics 2')");
    exec(f->db, "INSERT INTO u(x) VALUES ('Đặng Thạch')");
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(
        sqlite3_prepare_v2(f->db, "SELECT count(*) FROM u WHERE u MATCH 'dang'", -1, &stmt, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(stmt, 0), 0);
    sqlite3_finalize(stmt);
    assert_int_equal(match(f->db, "dang thach"), R(2));
}

static void test_sqlite_fts_refuses_options(void **state)
{
    struct fx *f = *state;
    assert_int_not_equal(sqlite3_exec(f->db,
                                      "CREATE VIRTUAL TABLE v USING fts5(x, tokenize='phoihop x')",
                                      NULL, NULL, NULL),
                         SQLITE_OK);
}

/* Not a timed assertion: 10,000 short titles go in and are all found. */
static void test_sqlite_fts_many_titles(void **state)
{
    struct fx *f = *state;
    sqlite3_stmt *stmt = NULL;
    struct timespec t0, t1;
    char title[96];

    clock_gettime(CLOCK_MONOTONIC, &t0);
    exec(f->db, "BEGIN");
    assert_int_equal(
        sqlite3_prepare_v2(f->db, "INSERT INTO t(title, body) VALUES (?1, '')", -1, &stmt, NULL),
        SQLITE_OK);
    for (int i = 0; i < 10000; i++) {
        snprintf(title, sizeof(title), "Vụ việc %d: tàu cá %s tại xã Thạnh Phong", i,
                 i % 2 ? "ĐÁNH BẮT" : "đánh bắt");
        sqlite3_bind_text(stmt, 1, title, -1, SQLITE_TRANSIENT);
        assert_int_equal(sqlite3_step(stmt), SQLITE_DONE);
        sqlite3_reset(stmt);
    }
    sqlite3_finalize(stmt);
    exec(f->db, "COMMIT");
    clock_gettime(CLOCK_MONOTONIC, &t1);

    assert_int_equal(
        sqlite3_prepare_v2(f->db, "SELECT count(*) FROM t WHERE t MATCH 'danh bat thanh phong'", -1,
                           &stmt, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(stmt, 0), 10000);
    sqlite3_finalize(stmt);
    print_message("10000 titles indexed in %.0f ms\n",
                  (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
}

#define FX(t) cmocka_unit_test_setup_teardown(t, fx_setup, fx_teardown)

int main(void)
{
    log_set_level(LOG_ERROR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sqlite_fts_words_and_offsets),
        cmocka_unit_test(test_sqlite_fts_folds_like_text_fold),
        cmocka_unit_test(test_sqlite_fts_fold_table),
        cmocka_unit_test(test_sqlite_fts_edges),
        cmocka_unit_test(test_sqlite_fts_invalid_utf8),
        cmocka_unit_test(test_sqlite_fts_long_tokens),
        cmocka_unit_test(test_sqlite_fts_callback_stops),
        FX(test_sqlite_fts_match),
        FX(test_sqlite_fts_highlight),
        FX(test_sqlite_fts_unicode61_keeps_dd),
        FX(test_sqlite_fts_refuses_options),
        FX(test_sqlite_fts_many_titles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
