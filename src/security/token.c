/* token.c - bearer tokens. 32 bytes from the system CSPRNG give 256 bits: nothing
 * to gain from guessing, so the store keeps only a fast hash (BLAKE2b) of the text
 * and a stolen database copy yields no usable token. */
#include "util/base.h"
#include <sodium.h>
#include "security/token.h"

#define TOKEN_PREFIX "ph_"
#define TOKEN_PREFIX_LEN 3
#define TOKEN_RAW_BYTES 32
#define TOKEN_B64_LEN 43 /* ceil(32 * 8 / 6), no padding */

_Static_assert(TOKEN_PREFIX_LEN + TOKEN_B64_LEN + 1 <= TOKEN_STR_BYTES,
               "TOKEN_STR_BYTES too small");

void token_generate(char out[TOKEN_STR_BYTES])
{
    unsigned char raw[TOKEN_RAW_BYTES];

    randombytes_buf(raw, sizeof(raw));
    memcpy(out, TOKEN_PREFIX, TOKEN_PREFIX_LEN);
    sodium_bin2base64(out + TOKEN_PREFIX_LEN, TOKEN_STR_BYTES - TOKEN_PREFIX_LEN, raw, sizeof(raw),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof(raw));
}

void token_hash(const char *token, uint8_t out[32])
{
    crypto_generichash(out, 32, (const unsigned char *)token, strlen(token), NULL, 0);
}

bool token_well_formed(const char *s)
{
    unsigned char raw[TOKEN_RAW_BYTES];
    size_t raw_len = 0;

    if (s == NULL || strncmp(s, TOKEN_PREFIX, TOKEN_PREFIX_LEN) != 0 ||
        strnlen(s, TOKEN_STR_BYTES) != TOKEN_PREFIX_LEN + TOKEN_B64_LEN)
        return false;
    /* libsodium 1.0.18 decodes bytes >= 0x80 as base64 characters: check the
     * alphabet ourselves first (found by fuzz/fuzz_token.c). */
    for (size_t i = TOKEN_PREFIX_LEN; i < TOKEN_PREFIX_LEN + TOKEN_B64_LEN; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    /* Decoding checks the alphabet and that the unused low bits of the last
     * character are zero, so each token has exactly one spelling. */
    bool ok = sodium_base642bin(raw, sizeof(raw), s + TOKEN_PREFIX_LEN, TOKEN_B64_LEN, NULL,
                                &raw_len, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0 &&
              raw_len == TOKEN_RAW_BYTES;
    sodium_memzero(raw, sizeof(raw));
    return ok;
}
