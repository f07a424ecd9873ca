/* test_password.c - argon2id hashing, the dummy verification for unknown users,
 * generated passwords and the password policy. */
#include "util/base.h"
#include "testutil.h"
#include "security/password.h"
#include "util/limits.h"
#include "util/time.h"

static int setup(void **state)
{
    (void)state;
    return password_lib_init() == PH_OK ? 0 : -1;
}

static void test_password_hash_verify(void **state)
{
    char h[PASSWORD_HASH_BYTES];
    (void)state;
    assert_int_equal(password_hash("Mật khẩu đúng 2026", h), PH_OK);
    assert_true(strncmp(h, "$argon2id$", 10) == 0);
    assert_true(password_verify(h, "Mật khẩu đúng 2026"));
    assert_false(password_verify(h, "Mật khẩu sai 2026"));
    assert_false(password_verify(h, ""));
    assert_false(password_verify(h, NULL));
    assert_false(password_verify("not a hash", "Mật khẩu đúng 2026"));
    assert_false(password_verify("", "")); /* no password set */

    /* Salted: the same password never gives the same string. */
    char h2[PASSWORD_HASH_BYTES];
    assert_int_equal(password_hash("Mật khẩu đúng 2026", h2), PH_OK);
    assert_string_not_equal(h, h2);
    assert_true(password_verify(h2, "Mật khẩu đúng 2026"));
}

static void test_password_verify_unknown_user_costs_a_hash(void **state)
{
    (void)state;
    /* The first call computes the dummy; the second is the one a login pays. */
    assert_false(password_verify(NULL, "whatever-password"));
    uint64_t t0 = time_mono_ns();
    assert_false(password_verify(NULL, "whatever-password"));
    uint64_t took_ns = time_mono_ns() - t0;
    /* An early return takes microseconds; an interactive argon2id verify tens of ms. */
    assert_true(took_ns > 5 * 1000 * 1000);
}

static void test_password_generate(void **state)
{
    char a[17], b[17];
    (void)state;
    password_generate(a, sizeof(a));
    password_generate(b, sizeof(b));
    assert_int_equal(strlen(a), 16);
    assert_string_not_equal(a, b);
    for (int round = 0; round < 200; round++) {
        char p[33];
        password_generate(p, sizeof(p));
        assert_int_equal(strlen(p), 32);
        for (size_t i = 0; i < 32; i++) {
            assert_non_null(
                strchr("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", p[i]));
            assert_null(strchr("0O1lI", p[i]));
        }
    }
    char one[1] = {'x'};
    password_generate(one, 1);
    assert_int_equal(one[0], '\0');
    password_generate(one, 0); /* writes nothing */
}

static void test_password_check_policy(void **state)
{
    char max[PASSWORD_MAX_BYTES + 1], over[PASSWORD_MAX_BYTES + 2];
    memset(max, 'a', PASSWORD_MAX_BYTES);
    max[PASSWORD_MAX_BYTES] = '\0';
    memset(over, 'a', PASSWORD_MAX_BYTES + 1);
    over[PASSWORD_MAX_BYTES + 1] = '\0';
    static const struct {
        const char *pw;
        ph_err want;
    } cases[] = {
        {NULL, PH_EINVAL},
        {"", PH_EINVAL},
        {"123456789", PH_EINVAL}, /* 9 bytes */
        {"1234567890", PH_OK},    /* 10 bytes */
        {"mậtkhẩu", PH_OK},       /* 7 characters, 11 bytes: the limit is in bytes */
        {"tab\there is ok", PH_OK},
        {"bell\a is not ok", PH_EINVAL},
        {"bad \xc3\x28 utf8 here", PH_EINVAL},
        {"overlong \xc0\xaf slash", PH_EINVAL},
    };
    (void)state;
    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        const char *why = NULL;
        assert_int_equal(password_check_policy(cases[i].pw, &why), cases[i].want);
        if (cases[i].want == PH_OK)
            assert_null(why);
        else
            assert_non_null(why);
    }
    const char *why = NULL;
    assert_int_equal(password_check_policy(max, &why), PH_OK);
    assert_int_equal(password_check_policy(over, &why), PH_EINVAL);
    assert_non_null(strstr(why, "at most"));
    assert_int_equal(password_check_policy("short", NULL), PH_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_password_hash_verify),
        cmocka_unit_test(test_password_verify_unknown_user_costs_a_hash),
        cmocka_unit_test(test_password_generate),
        cmocka_unit_test(test_password_check_policy),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
