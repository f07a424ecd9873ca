/* audit_chain.c - the canonical bytes of an audit entry, hashed with BLAKE2b-256.
 * Every field is length-prefixed so that no two different entries share bytes
 * ("ab"+"c" vs "a"+"bc"); numbers are decimal text so that both backends and any
 * outside verifier reproduce them without caring about integer layout. */
#include "util/base.h"
#include <inttypes.h>
#include <sodium.h>
#include "security/audit_chain.h"

static void put_bytes(crypto_generichash_state *h, const char *s, size_t n)
{
    unsigned char len[4] = {(unsigned char)(n >> 24), (unsigned char)(n >> 16),
                            (unsigned char)(n >> 8), (unsigned char)n};
    crypto_generichash_update(h, len, sizeof(len));
    if (n > 0)
        crypto_generichash_update(h, (const unsigned char *)s, n);
}

static void put_str(crypto_generichash_state *h, const char *s)
{
    put_bytes(h, s, s != NULL ? strlen(s) : 0); /* NULL hashes like "" */
}

static void put_i64(crypto_generichash_state *h, int64_t v)
{
    char buf[24];
    int n = snprintf(buf, sizeof(buf), "%" PRId64, v);
    put_bytes(h, buf, (size_t)n);
}

void audit_chain_hash(const uint8_t prev[32], const struct audit_entry *e, uint8_t out[32])
{
    crypto_generichash_state h;

    crypto_generichash_init(&h, NULL, 0, 32);
    crypto_generichash_update(&h, prev, 32);
    put_i64(&h, e->seq);
    put_i64(&h, e->at);
    put_i64(&h, e->actor_id);
    put_str(&h, e->actor);
    put_str(&h, e->action);
    put_str(&h, e->item_kind);
    put_i64(&h, e->item_id);
    put_str(&h, e->client);
    put_str(&h, e->detail);
    crypto_generichash_final(&h, out, 32);
}
