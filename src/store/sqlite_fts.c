/* sqlite_fts.c - the FTS5 tokenizer "phoihop", registered on every SQLite
 * connection before migrations run, so that a migration may say
 * `CREATE VIRTUAL TABLE ... USING fts5(..., tokenize='phoihop')`.
 *
 * Why our own: FTS5's unicode61 with remove_diacritics 2 folds every Vietnamese
 * tone and vowel mark but leaves đ/Đ (U+0111/U+0110) alone, because đ is a letter
 * of its own and not d plus a mark: "dang" would not find "Đặng" (docs:
 * NOTES-text). Here each token is folded exactly as util/text.h text_fold() folds
 * a search key - canonically decomposed, marks stripped, case-folded, đ/Đ mapped
 * to d - so documents and queries meet on the same form whatever the normalisation
 * form, case or diacritics of either.
 *
 * Tokens are the longest runs of letters (L*), digits and other numbers (N*) and
 * combining marks (M*: an NFD "ệ" is e plus two marks, all of one word); anything
 * else, bytes that are not valid UTF-8 included, separates tokens. Each token is
 * handed to FTS5 folded, with the byte offsets of the original text, which
 * highlight() and snippet() cut the document by. A folded token is built in a
 * stack buffer and cut, at a code point, at STORE_SQ_FTS_MAX_TOKEN bytes: longer
 * words are not words anyone searches for, and the cut keeps the tokenizer free of
 * allocation. A token whose folded form is empty (marks alone) is dropped.
 *
 * Documents, queries and prefix queries ('bien*') are tokenized alike. A database
 * holding such tables needs this tokenizer to be read: the sqlite3 shell can list
 * them but not query them. */
#include "util/base.h"
#include <pthread.h>
#include <utf8proc.h>
#include "store/sqlite_int.h"
#include "util/log.h"

/* The folding of util/text.c text_fold(), applied one code point at a time. */
#define FOLD_OPTIONS (UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK | UTF8PROC_CASEFOLD)

/* Room for the folded form of one code point: a full case folding gives at most
 * three code points, and their canonical decompositions are short. */
#define FOLD_MAX_CPS 32

static bool is_token_char(utf8proc_int32_t cp)
{
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
        return true;
    default:
        return false;
    }
}

/* Append the folded form of cp to tok[0..*len). Sets *full, and appends nothing
 * more, once the next code point would not fit: a cut token stays a prefix of the
 * whole folded token. Decomposing one character with STRIPMARK drops the marks
 * before any reordering could matter, so this gives what utf8proc_map gives for
 * the whole word. */
static void fold_append(utf8proc_int32_t cp, char *tok, int *len, bool *full)
{
    utf8proc_int32_t dec[FOLD_MAX_CPS];
    int boundclass = 0;
    utf8proc_ssize_t k = utf8proc_decompose_char(cp, dec, (utf8proc_ssize_t)PH_NELEM(dec),
                                                 FOLD_OPTIONS, &boundclass);

    if (k < 0 || k > (utf8proc_ssize_t)PH_NELEM(dec))
        return; /* not a valid code point, or an expansion no Unicode version has */
    for (utf8proc_ssize_t i = 0; i < k; i++) {
        utf8proc_int32_t c = dec[i];
        utf8proc_uint8_t enc[4];
        if (c == 0x0111 || c == 0x0110) /* đ, Đ: no decomposition removes the stroke */
            c = 'd';
        utf8proc_ssize_t m = utf8proc_encode_char(c, enc);
        if (*len + m > STORE_SQ_FTS_MAX_TOKEN) {
            *full = true;
            return;
        }
        memcpy(tok + *len, enc, (size_t)m);
        *len += (int)m;
    }
}

/* Code points below FOLD_CACHE_END (Latin, its extensions and combining marks,
 * Vietnamese's letters among them) are looked up in a table made once from
 * is_token_char and fold_append: utf8proc's decomposition per character was a
 * fifth of the cost of indexing an incident. An entry holds the folded form when
 * it has at most 6 bytes (every Vietnamese letter folds to one ASCII letter, a
 * mark to nothing); the rest still go through fold_append. */
#define FOLD_CACHE_END 0x2000
#define FOLD_WORD 1   /* a token character */
#define FOLD_CACHED 2 /* s[0..len) is its folded form */

struct fold_entry {
    unsigned char flags, len;
    char s[6];
};

static struct fold_entry fold_cache[FOLD_CACHE_END];
static pthread_once_t fold_once = PTHREAD_ONCE_INIT;

static void fold_cache_build(void)
{
    for (utf8proc_int32_t cp = 0x80; cp < FOLD_CACHE_END; cp++) {
        struct fold_entry *e = &fold_cache[cp];
        char tmp[STORE_SQ_FTS_MAX_TOKEN];
        int len = 0;
        bool full = false;
        if (!is_token_char(cp))
            continue;
        e->flags = FOLD_WORD;
        fold_append(cp, tmp, &len, &full);
        if (!full && len <= (int)sizeof(e->s)) {
            memcpy(e->s, tmp, (size_t)len);
            e->len = (unsigned char)len;
            e->flags |= FOLD_CACHED;
        }
    }
}

/* fold_append from the table: the folded code points one by one, with the same
 * cut at STORE_SQ_FTS_MAX_TOKEN bytes. */
static void cached_fold_append(const struct fold_entry *e, char *tok, int *len, bool *full)
{
    for (int j = 0; j < e->len;) {
        unsigned char lead = (unsigned char)e->s[j];
        int m = lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
        if (*len + m > STORE_SQ_FTS_MAX_TOKEN) {
            *full = true;
            return;
        }
        memcpy(tok + *len, e->s + j, (size_t)m);
        *len += m;
        j += m;
    }
}

/* ASCII, most of the bytes of Vietnamese text too, needs no table: letters and
 * digits are the token characters, and folding is lower-casing (what
 * fold_append gives for them, at a tenth of the cost). Sets *cp as
 * utf8proc_iterate would. */
static bool ascii_char(unsigned char c, utf8proc_int32_t *cp, bool *in_word)
{
    if (c >= 0x80)
        return false;
    *cp = c;
    *in_word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    return true;
}

static void ascii_fold_append(utf8proc_int32_t c, char *tok, int *len, bool *full)
{
    if (*len + 1 > STORE_SQ_FTS_MAX_TOKEN) {
        *full = true;
        return;
    }
    tok[(*len)++] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
}

int store_sq_fts_tokenize(void *ctx, const char *text, int n,
                          int (*on_token)(void *ctx, int tflags, const char *token, int ntoken,
                                          int start, int end))
{
    char tok[STORE_SQ_FTS_MAX_TOKEN];
    int len = 0, start = -1, end = 0, i = 0, rc = SQLITE_OK;
    bool full = false;

    if (text == NULL)
        return SQLITE_OK;
    pthread_once(&fold_once, fold_cache_build);
    while (i < n) {
        utf8proc_int32_t cp = -1;
        utf8proc_ssize_t k = 1;
        bool in_word, ascii = ascii_char((unsigned char)text[i], &cp, &in_word);
        const struct fold_entry *e = NULL;
        if (!ascii) {
            k = utf8proc_iterate((const utf8proc_uint8_t *)text + i, (utf8proc_ssize_t)(n - i),
                                 &cp);
            if (k > 0 && cp < FOLD_CACHE_END) {
                e = &fold_cache[cp];
                in_word = (e->flags & FOLD_WORD) != 0;
            } else {
                in_word = k > 0 && is_token_char(cp);
            }
            if (k <= 0)
                k = 1; /* an invalid byte separates, and the next one starts afresh */
        }
        if (in_word) {
            if (start < 0) {
                start = i;
                len = 0;
                full = false;
            }
            if (!full && ascii)
                ascii_fold_append(cp, tok, &len, &full);
            else if (!full && e != NULL && (e->flags & FOLD_CACHED))
                cached_fold_append(e, tok, &len, &full);
            else if (!full)
                fold_append(cp, tok, &len, &full);
            end = i + (int)k;
        } else if (start >= 0) {
            if (len > 0 && (rc = on_token(ctx, 0, tok, len, start, end)) != SQLITE_OK)
                return rc;
            start = -1;
        }
        i += (int)k;
    }
    if (start >= 0 && len > 0)
        rc = on_token(ctx, 0, tok, len, start, end);
    return rc;
}

/* ---- the FTS5 tokenizer object -------------------------------------------- */

/* The tokenizer keeps no state: every table gets this one handle. */
static char fts_handle;

static int on_create(void *ctx, const char **args, int nargs, Fts5Tokenizer **out)
{
    (void)ctx;
    (void)args;
    if (nargs > 0) /* no options: a table asking for some is a mistake to report */
        return SQLITE_ERROR;
    *out = (Fts5Tokenizer *)&fts_handle;
    return SQLITE_OK;
}

static void on_delete(Fts5Tokenizer *t)
{
    (void)t;
}

/* Queries, prefix queries and documents fold alike, so flags do not matter. */
static int on_tokenize(Fts5Tokenizer *t, void *ctx, int flags, const char *text, int n,
                       int (*on_token)(void *ctx, int tflags, const char *token, int ntoken,
                                       int start, int end))
{
    (void)t;
    (void)flags;
    return store_sq_fts_tokenize(ctx, text, n, on_token);
}

/* Read only; FTS5 copies it anyway. */
static fts5_tokenizer fts_tokenizer = {on_create, on_delete, on_tokenize};

ph_err store_sq_fts_register(sqlite3 *db)
{
    fts5_api *api = NULL;
    sqlite3_stmt *stmt = NULL;
    ph_err rc = PH_ESTORE;
    int e = sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &stmt, NULL);

    if (e == SQLITE_OK)
        e = sqlite3_bind_pointer(stmt, 1, &api, "fts5_api_ptr", NULL);
    if (e == SQLITE_OK && (e = sqlite3_step(stmt)) == SQLITE_ROW)
        e = SQLITE_OK;
    if (e != SQLITE_OK) {
        log_error("store/sqlite: cannot reach FTS5: %s", sqlite3_errmsg(db));
        goto out;
    }
    if (api == NULL || api->iVersion < 2) {
        log_error("store/sqlite: this SQLite has no usable FTS5");
        goto out;
    }
    e = api->xCreateTokenizer(api, STORE_SQ_FTS_TOKENIZER, NULL, &fts_tokenizer, NULL);
    if (e != SQLITE_OK) {
        log_error("store/sqlite: cannot register the FTS5 tokenizer: %s", sqlite3_errstr(e));
        goto out;
    }
    rc = PH_OK;
out:
    sqlite3_finalize(stmt); /* harmless on NULL */
    return rc;
}
