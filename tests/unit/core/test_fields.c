/* test_fields.c - the member helpers core's record services share: text
 * cleaning, comparison, list filters, and the JSON of values and changes. */
#include "util/base.h"
#include "testutil.h"
#include "core/access.h"
#include "core/fields.h"
#include "util/arena.h"
#include "util/limits.h"

/* Compact JSON with sorted keys, in a, for comparing with a literal; takes j. */
static const char *dump(struct arena *a, json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    const char *out = s != NULL ? arena_strdup(a, s) : NULL;

    free(s);
    json_decref(j);
    return out;
}

static void test_fields_clean_text(void **state)
{
    static const struct {
        const char *in;
        size_t max;
        bool required;
        ph_err want;
        const char *out; /* on PH_OK; NULL: no value */
    } cases[] = {
        {NULL, 10, false, PH_OK, NULL},
        {NULL, 10, true, PH_EINVAL, NULL},
        {" \t\n ", 10, false, PH_OK, NULL},
        {"   ", 10, true, PH_EINVAL, NULL},
        {"  Bến Tre \n", 64, true, PH_OK, "Bến Tre"},
        /* decomposed "Việt" (e, combining circumflex, combining dot below) -> NFC */
        {"Vie\xcc\x82\xcc\xa3t", 64, true, PH_OK, "Vi\xe1\xbb\x87t"},
        {"a\001b", 64, true, PH_EINVAL, NULL},                       /* C0 control */
        {"a\377b", 64, false, PH_EINVAL, NULL},                      /* not UTF-8 */
        {"abcd", 4, true, PH_OK, "abcd"},                            /* exactly max bytes */
        {"abcde", 4, true, PH_EINVAL, NULL},                         /* one byte over */
        {" ab ", 2, true, PH_OK, "ab"},                              /* size after trimming */
        {"Vie\xcc\x82\xcc\xa3t", 6, true, PH_OK, "Vi\xe1\xbb\x87t"}, /* size after NFC */
    };
    struct arena a;

    (void)state;
    arena_init(&a);
    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        const char *out = "untouched";
        ph_err rc = fields_clean_text(&a, cases[i].in, cases[i].max, cases[i].required, &out);
        assert_int_equal(rc, cases[i].want);
        if (rc != PH_OK)
            continue;
        if (cases[i].out == NULL)
            assert_null(out);
        else
            assert_string_equal(out, cases[i].out);
    }
    arena_release(&a);
}

static bool is_lower(const char *s)
{
    for (; *s != '\0'; s++)
        if (*s < 'a' || *s > 'z')
            return false;
    return true;
}

static void test_fields_trim_valid(void **state)
{
    struct arena a;
    const char *s = NULL;

    (void)state;
    arena_init(&a);
    assert_false(fields_trim_valid(&a, &s, is_lower));
    assert_null(s);
    s = "  abc\t";
    assert_true(fields_trim_valid(&a, &s, is_lower));
    assert_string_equal(s, "abc");
    s = " aBc ";
    assert_false(fields_trim_valid(&a, &s, is_lower));
    assert_string_equal(s, "aBc"); /* trimmed even when refused */
    arena_release(&a);
}

static void test_fields_str_eq(void **state)
{
    (void)state;
    assert_true(fields_str_eq(NULL, NULL));
    assert_false(fields_str_eq(NULL, ""));
    assert_false(fields_str_eq("", NULL));
    assert_true(fields_str_eq("", ""));
    assert_true(fields_str_eq("Cà Mau", "Cà Mau"));
    assert_false(fields_str_eq("a", "A"));
}

static void test_fields_list_filter(void **state)
{
    static const struct {
        int limit, want;
    } limits[] = {
        {-5, LIST_DEFAULT_LIMIT},
        {0, LIST_DEFAULT_LIMIT},
        {1, 1},
        {LIST_MAX_LIMIT, LIST_MAX_LIMIT},
        {LIST_MAX_LIMIT + 1, LIST_MAX_LIMIT},
    };
    struct arena a;

    (void)state;
    arena_init(&a);
    for (size_t i = 0; i < PH_NELEM(limits); i++) {
        int limit = limits[i].limit;
        const char *q = NULL;
        fields_list_filter(&a, &limit, &q);
        assert_int_equal(limit, limits[i].want);
        assert_null(q);
    }
    {
        int limit = 10;
        const char *q = "  Đặng Văn  CƯỜNG ";
        fields_list_filter(&a, &limit, &q);
        assert_int_equal(limit, 10);
        assert_string_equal(q, "dang van cuong");
    }
    {
        int limit = 10;
        const char *q = " \t ";
        fields_list_filter(&a, &limit, &q);
        assert_null(q); /* folds to nothing: no search */
    }
    arena_release(&a);
}

static void test_fields_json_values(void **state)
{
    static const int64_t ids[] = {3, 1, 9000000000};
    struct arena a;

    (void)state;
    arena_init(&a);
    assert_string_equal(dump(&a, fields_jstr(NULL)), "null");
    assert_string_equal(dump(&a, fields_jstr("Sóc Trăng")), "\"Sóc Trăng\"");
    assert_string_equal(dump(&a, fields_ids_json(NULL, 0)), "[]");
    assert_string_equal(dump(&a, fields_ids_json(ids, PH_NELEM(ids))), "[3,1,9000000000]");
    assert_string_equal(dump(&a, fields_roles_json(0)), "[]");
    assert_string_equal(dump(&a, fields_roles_json(ROLE_ADMIN | ROLE_VIEWER | ROLE_COMMANDER)),
                        "[\"viewer\",\"commander\",\"admin\"]");
    assert_string_equal(dump(&a, fields_roles_json(ROLE_ALL | 0x40u)), /* unknown bits ignored */
                        "[\"viewer\",\"reporter\",\"duty_officer\",\"commander\","
                        "\"coordinator\",\"admin\"]");
    arena_release(&a);
}

static void test_fields_diff(void **state)
{
    struct arena a;
    json_t *d = json_object();

    (void)state;
    arena_init(&a);
    fields_diff_str(d, "same", "x", "x");
    fields_diff_str(d, "both_null", NULL, NULL);
    fields_diff_str(d, "name", "Cũ", "Mới");
    fields_diff_str(d, "phone", NULL, "0275");
    fields_diff_int(d, "same_id", 4, 4);
    fields_diff_int(d, "parent_id", 1, 0);
    fields_diff_bool(d, "same_flag", true, true);
    fields_diff_bool(d, "is_active", true, false);
    fields_diff_set(d, "area_ids", fields_ids_json(NULL, 0), json_integer(2));
    /* A value that cannot be made drops the pair rather than leaving half of it. */
    fields_diff_set(d, "broken", json_string("ok"), NULL);
    assert_string_equal(dump(&a, d), "{\"area_ids\":{\"new\":2,\"old\":[]},"
                                     "\"is_active\":{\"new\":false,\"old\":true},"
                                     "\"name\":{\"new\":\"Mới\",\"old\":\"Cũ\"},"
                                     "\"parent_id\":{\"new\":0,\"old\":1},"
                                     "\"phone\":{\"new\":\"0275\",\"old\":null}}");
    arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields_clean_text),  cmocka_unit_test(test_fields_trim_valid),
        cmocka_unit_test(test_fields_str_eq),      cmocka_unit_test(test_fields_list_filter),
        cmocka_unit_test(test_fields_json_values), cmocka_unit_test(test_fields_diff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
