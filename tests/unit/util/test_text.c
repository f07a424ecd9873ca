/* test_text.c - UTF-8 validation, NFC, the search-key folding every "q" filter relies
 * on, and trimming. Inputs are spelled in bytes where the form (NFC or NFD) matters. */
#include "util/base.h"
#include "testutil.h"
#include "util/arena.h"
#include "util/text.h"

/* "Nguyễn" decomposed: e, U+0302 combining circumflex, U+0303 combining tilde. */
#define NGUYEN_NFD "Nguye\xcc\x82\xcc\x83n"
/* ... and composed: U+1EC5. */
#define NGUYEN_NFC "Nguy\xe1\xbb\x85n"

static void test_text_is_clean_utf8(void **state)
{
    static const struct {
        const char *s;
        size_t n; /* 0: strlen(s) */
        bool want;
    } cases[] = {
        {"Nguyễn Văn Cường, Đồn Biên phòng Bình Đại", 0, true},
        {NGUYEN_NFD, 0, true},
        {"tab\there, new\nline, cr\r\n", 0, true},
        {"\xf0\x9f\x9a\x93", 0, true},      /* U+1F693, a four-byte sequence */
        {"\xef\xbf\xbd", 0, true},          /* U+FFFD itself is a character */
        {"\xc0\xaf", 0, false},             /* overlong '/' (two bytes) */
        {"\xe0\x80\xaf", 0, false},         /* overlong '/' (three bytes) */
        {"\xf0\x80\x80\xaf", 0, false},     /* overlong '/' (four bytes) */
        {"\xc1\xbf", 0, false},             /* overlong U+007F */
        {"\xed\xa0\x80", 0, false},         /* UTF-16 surrogate U+D800 */
        {"\xf4\x90\x80\x80", 0, false},     /* U+110000, past Unicode */
        {"\xf8\x88\x80\x80\x80", 0, false}, /* five-byte form */
        {"\x80", 0, false},                 /* lone continuation byte */
        {"ab\xe1\xbb", 0, false},           /* sequence cut short at the end */
        {"\xe1\xbb"
         "a",
         0, false}, /* ... or interrupted */
        {"\xff", 0, false},
        {"\xfe", 0, false},
        {"a\x01"
         "b",
         0, false},             /* C0 controls other than tab, LF, CR */
        {"\x1b[31m", 0, false}, /* ESC: terminal escape sequences */
        {"\x1f", 0, false},
        {"\b", 0, false},
        {"a\0b", 3, false}, /* embedded NUL counted in n */
        {"\0", 1, false},
        {"ok\x01", 2, true},    /* only n bytes are looked at */
        {"\xc3\xa9", 1, false}, /* n cuts "é" in half */
    };

    (void)state;
    assert_true(text_is_clean_utf8("", 0));
    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        size_t n = cases[i].n != 0 ? cases[i].n : strlen(cases[i].s);
        if (text_is_clean_utf8(cases[i].s, n) != cases[i].want)
            fail_msg("case %zu: text_is_clean_utf8 gave %d", i, !cases[i].want);
    }
}

static void test_text_nfc(void **state)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {NGUYEN_NFD, NGUYEN_NFC},
        {NGUYEN_NFC, NGUYEN_NFC}, /* NFC stays as it is */
        /* "Việt": dot below (ccc 220) and circumflex (ccc 230) in either order compose
         * to U+1EC7 once canonically ordered. */
        {"Vie\xcc\x82\xcc\xa3t", "Vi\xe1\xbb\x87t"},
        {"Vie\xcc\xa3\xcc\x82t", "Vi\xe1\xbb\x87t"},
        {"D\xcc\x9b", "D\xcc\x9b"},            /* no precomposed form: kept */
        {"U\xcc\x9b\xcc\x80", "\xe1\xbb\xaa"}, /* U + horn + grave -> Ừ U+1EEA */
        {"A\xcc\x86\xcc\x81", "\xe1\xba\xae"}, /* A + breve + acute -> Ắ U+1EAE */
        {"\xc4\x90", "\xc4\x90"},              /* Đ has no decomposition */
        {"", ""},
        {"plain ASCII", "plain ASCII"},
        /* Precomposed letters, dashes and quotes: NFC already (the quick path). */
        {"T\xe1\xbb\xa5 t\xe1\xba\xadp \xe2\x80\x93 \xe2\x80\x9c" "ch\xe1\xbb\xa3\xe2\x80\x9d",
         "T\xe1\xbb\xa5 t\xe1\xba\xadp \xe2\x80\x93 \xe2\x80\x9c" "ch\xe1\xbb\xa3\xe2\x80\x9d"},
        {"\xe1\xbb\x87" "a\xcc\x81", "\xe1\xbb\x87\xc3\xa1"}, /* a mark after them: full path */
    };
    struct arena a;

    (void)state;
    arena_init(&a);
    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        char *out = NULL;
        assert_int_equal(text_nfc(&a, cases[i].in, &out), PH_OK);
        assert_non_null(out);
        assert_string_equal(out, cases[i].want);
        assert_true(out != cases[i].in); /* a copy in the arena, not the input */
    }
    static const char *const bad[] = {"\xff", "ab\xc0\xaf", "\xed\xa0\x80", "x\xe1\xbb"};
    for (size_t i = 0; i < PH_NELEM(bad); i++) {
        char *out = (char *)"untouched";
        assert_int_equal(text_nfc(&a, bad[i], &out), PH_EPARSE);
        assert_string_equal(out, "untouched");
    }
    arena_release(&a);
}

static void test_text_fold(void **state)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"Biên phòng", "bien phong"},
        {"Đặng Văn  Cường", "dang van cuong"},
        {"ĐẶNG", "dang"},
        {"đồn", "don"},
        {"Thừa Thiên Huế", "thua thien hue"},
        {"Trường Sơn", "truong son"},
        {"Quảng Trị", "quang tri"},
        {"Bà Rịa – Vũng Tàu", "ba ria – vung tau"}, /* punctuation kept, en dash too */
        {"CA-BT", "ca-bt"},
        {"  \t Bến\n\n Tre \r\n", "ben tre"}, /* runs collapse to one space, ends trimmed */
        {"a\t\tb", "a b"},
        {NGUYEN_NFD " V\xc4\x83n", "nguyen van"}, /* NFD folds like NFC */
        {NGUYEN_NFC " Văn", "nguyen van"},
        {"", ""},
        {" \t\r\n ", ""},
        {"\xff", ""},             /* invalid UTF-8 */
        {"Bến \xc0\xaf Tre", ""}, /* invalid anywhere */
    };
    struct arena a;

    (void)state;
    arena_init(&a);
    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        const char *got = text_fold(&a, cases[i].in);
        assert_non_null(got);
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("case %zu: text_fold(\"%s\") = \"%s\", want \"%s\"", i, cases[i].in, got,
                     cases[i].want);
        /* A key folds to itself: searching with a stored key finds it. */
        assert_string_equal(text_fold(&a, got), got);
    }
    arena_release(&a);
}

/* Every Vietnamese letter, both cases, folds to one ASCII lower-case letter. */
static void test_text_fold_alphabet(void **state)
{
    static const char lower[] = "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợ"
                                "pqrstuùúủũụưừứửữựvxyỳýỷỹỵ";
    static const char upper[] = "AÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬBCDĐEÈÉẺẼẸÊỀẾỂỄỆGHIÌÍỈĨỊKLMNOÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢ"
                                "PQRSTUÙÚỦŨỤƯỪỨỬỮỰVXYỲÝỶỸỴ";
    static const char want[] = "aaaaaaaaaaaaaaaaaabcddeeeeeeeeeeeeghiiiiiiklmnoooooooooooooooooo"
                               "pqrstuuuuuuuuuuuuvxyyyyyy";
    struct arena a;

    (void)state;
    arena_init(&a);
    assert_string_equal(text_fold(&a, lower), want);
    assert_string_equal(text_fold(&a, upper), want);
    arena_release(&a);
}

static void test_text_trim(void **state)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"  Bến Tre  ", "Bến Tre"},
        {"\t\r\n x \n", "x"},
        {"a  b", "a  b"}, /* inside is left alone */
        {"", ""},
        {" \t\r\n", ""},
        {"no-space", "no-space"},
        {"\xc2\xa0x\xc2\xa0", "\xc2\xa0x\xc2\xa0"}, /* only ASCII white space */
    };
    struct arena a;

    (void)state;
    arena_init(&a);
    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        char *got = text_trim(&a, cases[i].in);
        assert_string_equal(got, cases[i].want);
        /* A copy: writing to it must not touch the input (which may be read-only). */
        assert_true(got < cases[i].in || got > cases[i].in + strlen(cases[i].in));
    }
    arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_is_clean_utf8), cmocka_unit_test(test_text_nfc),
        cmocka_unit_test(test_text_fold),          cmocka_unit_test(test_text_fold_alphabet),
        cmocka_unit_test(test_text_trim),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
