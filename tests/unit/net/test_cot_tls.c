/* test_cot_tls.c - net/cot_tls.c: the username a client certificate names.
 *
 * Certificates are built in memory (only the subject matters: verification
 * against the CA is OpenSSL's and is exercised by tests/api/test_cot.c). A
 * name is accepted only from exactly one subject CN, converted to UTF-8, with no
 * NUL inside and fitting the buffer: a CN "alice\0..." must not read as "alice",
 * and with two CNs neither is taken. */
#include "util/base.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <openssl/x509.h>
#include "net/cot_int.h"

/* A certificate whose subject has the given entries (NID, ASN.1 string type, bytes, length). */
struct entry {
    int nid, type;
    const char *bytes;
    int len;
};

static X509 *cert_with(const struct entry *e, size_t n)
{
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();
    assert_non_null(x);
    assert_non_null(name);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(X509_NAME_add_entry_by_NID(name, e[i].nid, e[i].type,
                                                    (const unsigned char *)e[i].bytes, e[i].len, -1,
                                                    0),
                         1);
    assert_int_equal(X509_set_subject_name(x, name), 1);
    X509_NAME_free(name);
    return x;
}

static void test_cot_tls_cert_username_one_cn(void **state)
{
    const struct entry e[] = {{NID_organizationName, MBSTRING_UTF8, "Công an tỉnh", -1},
                              {NID_commonName, MBSTRING_ASC, "nguyen.van.a", -1}};
    X509 *x = cert_with(e, PH_NELEM(e));
    char out[64];
    (void)state;
    assert_true(cot_tls_cert_username(x, out, sizeof(out)));
    assert_string_equal(out, "nguyen.van.a");
    X509_free(x);
}

static void test_cot_tls_cert_username_bmp_string(void **state)
{
    /* "bob" as a BMPString (UTF-16BE): read as its UTF-8, not as raw bytes. */
    const struct entry e[] = {{NID_commonName, V_ASN1_BMPSTRING, "\0b\0o\0b", 6}};
    X509 *x = cert_with(e, PH_NELEM(e));
    char out[64];
    (void)state;
    assert_true(cot_tls_cert_username(x, out, sizeof(out)));
    assert_string_equal(out, "bob");
    X509_free(x);
}

static void test_cot_tls_cert_username_refused(void **state)
{
    static const struct {
        const char *what;
        struct entry e[2];
        size_t n;
    } cases[] = {
        {"no CN", {{NID_organizationName, MBSTRING_ASC, "phoihop", -1}}, 1},
        {"two CNs",
         {{NID_commonName, MBSTRING_ASC, "alice", -1}, {NID_commonName, MBSTRING_ASC, "admin", -1}},
         2},
        {"a NUL inside", {{NID_commonName, V_ASN1_UTF8STRING, "alice\0.evil", 11}}, 1},
        {"empty", {{NID_commonName, V_ASN1_UTF8STRING, "", 0}}, 1},
        {"too long for the buffer", {{NID_commonName, MBSTRING_ASC, "abcdefghijklmnop", -1}}, 1},
    };
    (void)state;
    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        X509 *x = cert_with(cases[i].e, cases[i].n);
        char out[16] = "untouched";
        if (cot_tls_cert_username(x, out, sizeof(out)))
            fail_msg("%s: accepted as '%s'", cases[i].what, out);
        X509_free(x);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cot_tls_cert_username_one_cn),
        cmocka_unit_test(test_cot_tls_cert_username_bmp_string),
        cmocka_unit_test(test_cot_tls_cert_username_refused),
    };
    return cmocka_run_group_tests_name("cot_tls", tests, NULL, NULL);
}
