/* test_audit_chain.c - the entry hash: fixed vectors computed independently
 * (Python hashlib.blake2b over the layout documented in audit_chain.h), the same
 * layout rebuilt here byte by byte, and sensitivity to every field. */
#include "util/base.h"
#include <sodium.h>
#include "testutil.h"
#include "security/audit_chain.h"

static int setup(void **state)
{
    (void)state;
    return sodium_init() < 0 ? -1 : 0;
}

static struct audit_entry sample(void)
{
    struct audit_entry e = {
        .seq = 1,
        .at = 1764000000000,
        .actor_id = 7,
        .actor = "nguyen.van.a",
        .action = "person.create",
        .item_kind = "person",
        .item_id = 42,
        .client = "127.0.0.1",
        .detail = "{\"full_name\":\"Nguyễn Văn A\"}",
    };
    return e;
}

static void unhex(const char *hex, uint8_t out[32])
{
    assert_int_equal(sodium_hex2bin(out, 32, hex, 64, NULL, NULL, NULL), 0);
}

/* The documented layout, built by hand: prev, then each field as a 4-byte
 * big-endian length and its bytes, numbers in decimal. */
static void layout_hash(const uint8_t prev[32], const struct audit_entry *e, uint8_t out[32])
{
    unsigned char buf[4096];
    size_t n = 0;
    char num[5][24];
    snprintf(num[0], sizeof(num[0]), "%lld", (long long)e->seq);
    snprintf(num[1], sizeof(num[1]), "%lld", (long long)e->at);
    snprintf(num[2], sizeof(num[2]), "%lld", (long long)e->actor_id);
    snprintf(num[3], sizeof(num[3]), "%lld", (long long)e->item_id);
    const char *fields[] = {num[0],       num[1], num[2],    e->actor, e->action,
                            e->item_kind, num[3], e->client, e->detail};
    memcpy(buf, prev, 32);
    n = 32;
    for (size_t i = 0; i < PH_NELEM(fields); i++) {
        size_t len = strlen(fields[i]);
        buf[n++] = (unsigned char)(len >> 24);
        buf[n++] = (unsigned char)(len >> 16);
        buf[n++] = (unsigned char)(len >> 8);
        buf[n++] = (unsigned char)len;
        memcpy(buf + n, fields[i], len);
        n += len;
    }
    crypto_generichash(out, 32, buf, n, NULL, 0);
}

static void test_audit_chain_known_vectors(void **state)
{
    uint8_t zero[32] = {0}, got[32], want[32];
    struct audit_entry e = sample();
    (void)state;
    audit_chain_hash(zero, &e, got);
    unhex("03c1bbaeea6ed9bda879b837547ce2476673f07ec2ef8f6bd190ccab53a267dd", want);
    assert_memory_equal(got, want, 32);

    struct audit_entry e2 = {
        .seq = 2,
        .at = 1764000000001,
        .actor_id = 0,
        .actor = "system",
        .action = "auth.login",
        .item_kind = "",
        .item_id = 0,
        .client = "cli",
        .detail = "",
    };
    uint8_t got2[32];
    audit_chain_hash(got, &e2, got2);
    unhex("4b25205c4bb3a9cd7c52634df3bb89685c917ba3957a534a84050c30b0259ba9", want);
    assert_memory_equal(got2, want, 32);
}

static void test_audit_chain_layout(void **state)
{
    uint8_t prev[32], got[32], want[32];
    struct audit_entry e = sample();
    (void)state;
    for (int i = 0; i < 32; i++)
        prev[i] = (uint8_t)(i * 7 + 1);
    e.seq = 123456789012345;
    e.item_id = -5;
    audit_chain_hash(prev, &e, got);
    layout_hash(prev, &e, want);
    assert_memory_equal(got, want, 32);

    /* NULL strings hash like "" (an absent client or detail). */
    struct audit_entry a = sample(), b = sample();
    a.detail = NULL;
    b.detail = "";
    audit_chain_hash(prev, &a, got);
    audit_chain_hash(prev, &b, want);
    assert_memory_equal(got, want, 32);
}

static void test_audit_chain_every_field_counts(void **state)
{
    uint8_t zero[32] = {0}, base[32], h[32];
    (void)state;
    struct audit_entry e = sample();
    audit_chain_hash(zero, &e, base);

    for (int field = 0; field < 10; field++) {
        struct audit_entry m = sample();
        uint8_t prev[32] = {0};
        /* clang-format off */
        switch (field) {
        case 0: m.seq++; break;
        case 1: m.at++; break;
        case 2: m.actor_id++; break;
        case 3: m.actor = "nguyen.van.b"; break;
        case 4: m.action = "person.update"; break;
        case 5: m.item_kind = "unit"; break;
        case 6: m.item_id++; break;
        case 7: m.client = "127.0.0.2"; break;
        case 8: m.detail = "{\"full_name\":\"Nguyễn Văn B\"}"; break;
        case 9: prev[31] = 1; break;
        }
        /* clang-format on */
        audit_chain_hash(prev, &m, h);
        assert_memory_not_equal(h, base, 32);
    }

    /* Length prefixes keep field boundaries: moving a byte between neighbours
     * changes the hash. */
    struct audit_entry a = sample(), b = sample();
    a.actor = "ab";
    a.action = "c";
    b.actor = "a";
    b.action = "bc";
    uint8_t ha[32], hb[32];
    audit_chain_hash(zero, &a, ha);
    audit_chain_hash(zero, &b, hb);
    assert_memory_not_equal(ha, hb, 32);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_audit_chain_known_vectors),
        cmocka_unit_test(test_audit_chain_layout),
        cmocka_unit_test(test_audit_chain_every_field_counts),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
