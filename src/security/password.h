/* password.h - argon2id password hashes (libsodium crypto_pwhash_str, interactive
 * limits) and generated passwords. */
#ifndef PH_SECURITY_PASSWORD_H
#define PH_SECURITY_PASSWORD_H
#include <stdbool.h>
#include <stddef.h>
#include "util/err.h"

#define PASSWORD_HASH_BYTES 128 /* >= crypto_pwhash_STRBYTES */

/* Call once before any other function here (sodium_init); PH_EIO on failure. */
ph_err password_lib_init(void) __attribute__((warn_unused_result));
/* Hash pw into out (NUL-terminated "$argon2id$..."). PH_EIO when out of memory. */
ph_err password_hash(const char *pw, char out[PASSWORD_HASH_BYTES]) __attribute__((warn_unused_result));
/* True when pw matches hash. Takes the same time for a NULL hash (a dummy hash
 * is verified) so that unknown usernames cannot be told from wrong passwords. */
bool password_verify(const char *hash, const char *pw);
/* A random password of n-1 characters from an unambiguous alphabet, NUL-terminated. */
void password_generate(char *out, size_t n);
/* PH_EINVAL with a reason when pw is too short, too long or not clean UTF-8. */
ph_err password_check_policy(const char *pw, const char **why) __attribute__((warn_unused_result));
#endif
