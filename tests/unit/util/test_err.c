/* test_err.c - every ph_err has an HTTP status, a stable code, and text in English
 * and Vietnamese; the statuses and codes are those util/err.h and docs/API.md give. */
#include "util/base.h"
#include "testutil.h"
#include "util/arena.h"
#include "util/err.h"
#include "util/text.h"

#define LAST_ERR PH_ESTALE

static void test_err_statuses_and_codes(void **state)
{
    static const struct {
        ph_err rc;
        int status;
        const char *code; /* docs/API.md "Errors"; NULL: not listed there */
    } cases[] = {
        {PH_EPARSE, 400, "malformed"},
        {PH_EAUTH, 401, "unauthenticated"},
        {PH_EPERM, 403, "forbidden"},
        {PH_ENOTFOUND, 404, "not_found"},
        {PH_ECONFLICT, 409, "conflict"},
        {PH_ETOOBIG, 413, "too_large"},
        {PH_EINVAL, 422, "invalid"},
        {PH_EBUSY, 429, "too_many_requests"},
        {PH_EIO, 500, NULL},
        {PH_ESTORE, 503, "store_unavailable"},
        {PH_ELOCKED, 429, "account_locked"},
        {PH_ESTALE, 412, "stale"},
    };

    (void)state;
    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        assert_int_equal(err_http_status(cases[i].rc), cases[i].status);
        if (cases[i].code != NULL)
            assert_string_equal(err_code(cases[i].rc), cases[i].code);
    }
    int ok = err_http_status(PH_OK);
    assert_true(ok >= 200 && ok < 300);
    int schema = err_http_status(PH_ESCHEMA); /* a server-side condition */
    assert_true(schema >= 500 && schema < 600);
}

static bool is_code(const char *s)
{
    if (*s == '\0')
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || *s == '_'))
            return false;
    return true;
}

static void test_err_every_value(void **state)
{
    struct arena a;

    (void)state;
    arena_init(&a);
    for (int i = PH_OK; i <= LAST_ERR; i++) {
        ph_err rc = (ph_err)i;
        int status = err_http_status(rc);
        const char *code = err_code(rc), *en = err_str(rc), *vi = err_str_vi(rc);
        if (code == NULL || en == NULL || vi == NULL)
            fail_msg("ph_err %d lacks a code or a text", i);
        assert_true(status >= 200 && status < 600);
        assert_true(is_code(code));
        assert_true(strlen(en) > 1);
        assert_true(strlen(vi) > 1);
        assert_string_not_equal(vi, en); /* really translated */
        assert_true(text_is_clean_utf8(vi, strlen(vi)));
        char *nfc = NULL;
        assert_int_equal(text_nfc(&a, vi, &nfc), PH_OK);
        assert_string_equal(nfc, vi); /* Vietnamese text in NFC, as everywhere */
        if (i != PH_OK)
            assert_true(status >= 400);
        for (int j = PH_OK; j < i; j++) {
            if (strcmp(err_code((ph_err)j), code) == 0)
                fail_msg("ph_err %d and %d share the code \"%s\"", j, i, code);
            if (strcmp(err_str((ph_err)j), en) == 0 || strcmp(err_str_vi((ph_err)j), vi) == 0)
                fail_msg("ph_err %d and %d share a text", j, i);
        }
    }
    arena_release(&a);
}

static void test_err_unknown(void **state)
{
    static const int unknown[] = {LAST_ERR + 1, 1000, -1};

    (void)state;
    for (size_t i = 0; i < PH_NELEM(unknown); i++) {
        ph_err rc = (ph_err)unknown[i];
        assert_int_equal(err_http_status(rc), 500);
        assert_string_equal(err_code(rc), "internal");
        assert_non_null(err_str(rc));
        assert_non_null(err_str_vi(rc));
        assert_true(strlen(err_str_vi(rc)) > 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_err_statuses_and_codes),
        cmocka_unit_test(test_err_every_value),
        cmocka_unit_test(test_err_unknown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
