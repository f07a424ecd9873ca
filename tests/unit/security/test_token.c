/* test_token.c - token shape, uniqueness, hashing and the well-formedness check. */
#include "util/base.h"
#include <sodium.h>
#include "testutil.h"
#include "security/token.h"

static int setup(void **state)
{
    (void)state;
    return sodium_init() < 0 ? -1 : 0;
}

static void unhex(const char *hex, uint8_t out[32])
{
    assert_int_equal(sodium_hex2bin(out, 32, hex, 64, NULL, NULL, NULL), 0);
}

static void test_token_generate(void **state)
{
    char a[TOKEN_STR_BYTES], b[TOKEN_STR_BYTES];
    (void)state;
    token_generate(a);
    token_generate(b);
    assert_int_equal(strlen(a), 46);
    assert_true(strncmp(a, "ph_", 3) == 0);
    assert_string_not_equal(a, b);
    for (int i = 0; i < 1000; i++) {
        token_generate(a);
        assert_int_equal(strlen(a), 46);
        assert_null(strpbrk(a, "+/="));
        assert_true(token_well_formed(a));
    }
}

static void test_token_hash(void **state)
{
    uint8_t got[32], want[32];
    (void)state;
    /* BLAKE2b-256 vectors computed with Python's hashlib.blake2b(digest_size=32). */
    token_hash("", got);
    unhex("0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8", want);
    assert_memory_equal(got, want, 32);
    token_hash("abc", got);
    unhex("bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319", want);
    assert_memory_equal(got, want, 32);
    token_hash("ph_test", got);
    unhex("8d94856609a4a4cdcab3c8ae4fbc76544551c2fcf5f37a2b33f1810ba859392f", want);
    assert_memory_equal(got, want, 32);

    char t[TOKEN_STR_BYTES];
    uint8_t h1[32], h2[32];
    token_generate(t);
    token_hash(t, h1);
    token_hash(t, h2);
    assert_memory_equal(h1, h2, 32);
    t[10] = t[10] == 'A' ? 'B' : 'A';
    token_hash(t, h2);
    assert_memory_not_equal(h1, h2, 32);
}

static void test_token_well_formed(void **state)
{
    /* 43 characters encoding 32 bytes: the last one carries 4 bits and 2 zero bits,
     * so it is one of A E I M Q U Y c g k o s w 0 4 8. */
    static const struct {
        const char *s;
        bool want;
    } cases[] = {
        {"ph_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", true},
        {"ph_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_w", true},
        {"ph_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB", false},  /* non-zero spare bits */
        {"ph_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", false},   /* 42 */
        {"ph_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", false}, /* 44 */
        {"pk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", false},
        {"PH_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", false},
        {"ph_AAAAAAAAAAAAAAAAAAAAA+AAAAAAAAAAAAAAAAAAAAA", false},
        {"ph_AAAAAAAAAAAAAAAAAAAAA/AAAAAAAAAAAAAAAAAAAAA", false},
        {"ph_AAAAAAAAAAAAAAAAAAAAA AAAAAAAAAAAAAAAAAAAAA", false},
        {"ph_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", false},
        {"ph_", false},
        {"", false},
        {NULL, false},
    };
    (void)state;
    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        if (token_well_formed(cases[i].s) != cases[i].want)
            fail_msg("case %zu (%s): want %d", i, cases[i].s ? cases[i].s : "NULL", cases[i].want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_generate),
        cmocka_unit_test(test_token_hash),
        cmocka_unit_test(test_token_well_formed),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
