/* token.h - bearer tokens: 32 random bytes as "ph_" + base64url, stored only as
 * their BLAKE2b-256 hash. */
#ifndef PH_SECURITY_TOKEN_H
#define PH_SECURITY_TOKEN_H
#include <stdbool.h>
#include <stdint.h>

#define TOKEN_STR_BYTES 48 /* "ph_" + 43 base64url chars + NUL, rounded up */

void token_generate(char out[TOKEN_STR_BYTES]);
/* Hash of the token text (any length). */
void token_hash(const char *token, uint8_t out[32]);
/* True when s has the shape of one of our tokens (cheap check before a lookup). */
bool token_well_formed(const char *s);
#endif
