/* test_jsonw.c - the direct JSON writer prints what jansson prints for the same
 * values, members and order (compact, reals with 15 digits): strings with every
 * escape, text that is not UTF-8 (its member left out), ids and times as null
 * for 0, arrays of ids, reals; and a full buffer fails. */
#include "util/base.h"
#include <jansson.h>
#include "testutil.h"
#include "util/buf.h"
#include "util/jsonw.h"

#define DUMP_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15))

static void test_jsonw_like_jansson(void **state)
{
    static const char *const strings[] = {
        "", "Biên phòng", "\"quoted\" \\ back", "tab\tnew\nline\r\b\f", "\x01\x1f\x7f",
        "đ/Đ ệ 𝄞", "bad \xC3\x28 utf8", "\xED\xA0\x80 surrogate", "overlong \xC0\xAF",
    };
    static const int64_t ids[] = {1, 0, -7, INT64_MAX, INT64_MIN};
    static const double reals[] = {10.245, 106.38, 0.0, -90.0, 1e22, 1e-7, 123456789012345678.0};
    struct buf b;
    struct jsonw w = {.b = &b};
    json_t *o = json_object(), *arr = json_array();
    char key[16], *want;

    (void)state;
    buf_init(&b, 1 << 16);
    jsonw_open(&w, "{");
    for (size_t i = 0; i < PH_NELEM(strings); i++) {
        snprintf(key, sizeof(key), "s%zu", i);
        jsonw_str_member(&w, key, strings[i]);
        json_object_set_new(o, key, json_string(strings[i])); /* NULL: left out */
    }
    jsonw_str_member(&w, "none", NULL);
    json_object_set_new(o, "none", json_null());
    for (size_t i = 0; i < PH_NELEM(ids); i++) {
        snprintf(key, sizeof(key), "i%zu", i);
        jsonw_int_member(&w, key, ids[i]);
        json_object_set_new(o, key, json_integer(ids[i]));
        snprintf(key, sizeof(key), "id%zu", i);
        jsonw_id_member(&w, key, ids[i]);
        json_object_set_new(o, key, ids[i] != 0 ? json_integer(ids[i]) : json_null());
        json_array_append_new(arr, json_integer(ids[i]));
    }
    jsonw_ids_member(&w, "ids", ids, PH_NELEM(ids));
    json_object_set_new(o, "ids", arr);
    jsonw_ids_member(&w, "empty", NULL, 0);
    json_object_set_new(o, "empty", json_array());
    for (size_t i = 0; i < PH_NELEM(reals); i++) {
        snprintf(key, sizeof(key), "r%zu", i);
        jsonw_real_member(&w, key, reals[i]);
        json_object_set_new(o, key, json_real(reals[i]));
    }
    jsonw_bool_member(&w, "yes", true);
    json_object_set_new(o, "yes", json_true());
    jsonw_time_member(&w, "never", 0);
    json_object_set_new(o, "never", json_null());
    jsonw_time_member(&w, "at", 1764460800123);
    json_object_set_new(o, "at", json_string("2025-11-30T00:00:00.123Z"));
    jsonw_close(&w, "}");
    assert_int_equal(w.rc, PH_OK);
    want = json_dumps(o, DUMP_FLAGS);
    assert_non_null(want);
    assert_string_equal(b.data, want);
    free(want);
    json_decref(o);
    buf_release(&b);
}

static void test_jsonw_full(void **state)
{
    struct buf b;
    struct jsonw w = {.b = &b};

    (void)state;
    buf_init(&b, 16);
    jsonw_open(&w, "{");
    jsonw_str_member(&w, "title", "longer than sixteen bytes");
    jsonw_int_member(&w, "id", 1); /* nothing more once full */
    assert_int_equal(w.rc, PH_ETOOBIG);
    assert_true(b.len <= 16);
    buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jsonw_like_jansson),
        cmocka_unit_test(test_jsonw_full),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
