/* fuzz_token.c - the bearer token from the Authorization header, checked before any
 * database lookup (security/token.h). Checks that the shape test accepts only
 * "ph_" + 43 base64url characters and that hashing is deterministic for any text. */
#include "util/base.h"
#include <sodium.h>
#include "security/token.h"
#include "fuzz.h"

static bool is_b64url(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    char *s = fuzz_cstr(data, size);
    uint8_t h1[32], h2[32];

    if (!ready) {
        char fresh[TOKEN_STR_BYTES];
        FUZZ_CHECK(sodium_init() >= 0);
        token_generate(fresh);
        FUZZ_CHECK(token_well_formed(fresh));
        ready = true;
    }
    if (token_well_formed(s)) {
        FUZZ_CHECK(strlen(s) == 46 && memcmp(s, "ph_", 3) == 0);
        for (size_t i = 3; i < 46; i++)
            FUZZ_CHECK(is_b64url(s[i]));
    }
    token_hash(s, h1);
    token_hash(s, h2);
    FUZZ_CHECK(memcmp(h1, h2, sizeof(h1)) == 0);
    free(s);
    return 0;
}
