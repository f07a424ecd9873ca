/* password.c - argon2id through libsodium. Interactive limits keep one hash near
 * 64 MiB and well under a second, which bounds what a flood of logins can cost
 * (the work pool runs them off the event loops). */
#include "util/base.h"
#include <pthread.h>
#include <sodium.h>
#include "security/password.h"
#include "util/limits.h"
#include "util/log.h"
#include "util/text.h"

#define STR_(x) #x
#define STR(x) STR_(x)

_Static_assert(PASSWORD_HASH_BYTES >= crypto_pwhash_STRBYTES, "PASSWORD_HASH_BYTES too small");

/* Letters and digits without 0/O, 1/l/I: generated passwords are read aloud and
 * typed from paper. */
static const char alphabet[] = "abcdefghijkmnopqrstuvwxyz"
                               "ABCDEFGHJKLMNPQRSTUVWXYZ"
                               "23456789";

/* Verified instead of a real hash when the user is unknown, so that the answer
 * takes as long as for a known user with a wrong password. */
static char dummy_hash[PASSWORD_HASH_BYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy(void)
{
    char pw[24];
    password_generate(pw, sizeof(pw));
    if (password_hash(pw, dummy_hash) != PH_OK) {
        dummy_hash[0] = '\0';
        log_warn("security/password: cannot compute the dummy hash (out of memory?)");
    }
    sodium_memzero(pw, sizeof(pw));
}

ph_err password_lib_init(void)
{
    if (sodium_init() < 0) {
        log_error("security/password: sodium_init failed");
        return PH_EIO;
    }
    return PH_OK;
}

ph_err password_hash(const char *pw, char out[PASSWORD_HASH_BYTES])
{
    /* The explicit algorithm keeps hashes argon2id even if libsodium's default moves. */
    if (crypto_pwhash_str_alg(out, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE,
                              crypto_pwhash_ALG_ARGON2ID13) != 0) {
        log_warn("security/password: crypto_pwhash_str_alg failed (out of memory?)");
        return PH_EIO;
    }
    return PH_OK;
}

bool password_verify(const char *hash, const char *pw)
{
    if (pw == NULL)
        pw = "";
    if (hash == NULL || hash[0] == '\0') { /* unknown user, or no password set */
        pthread_once(&dummy_once, make_dummy);
        if (dummy_hash[0] != '\0') {
            /* The result is meaningless; only the time spent matters. */
            int ignored = crypto_pwhash_str_verify(dummy_hash, pw, strlen(pw));
            (void)ignored;
        }
        return false;
    }
    return crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0;
}

void password_generate(char *out, size_t n)
{
    if (n == 0)
        return;
    for (size_t i = 0; i + 1 < n; i++)
        out[i] = alphabet[randombytes_uniform((uint32_t)(sizeof(alphabet) - 1))];
    out[n - 1] = '\0';
}

ph_err password_check_policy(const char *pw, const char **why)
{
    const char *reason = NULL;
    /* strnlen: a client-sent string is never scanned further than the limit. */
    size_t n = pw != NULL ? strnlen(pw, PASSWORD_MAX_BYTES + 1) : 0;

    if (pw == NULL || n < PASSWORD_MIN_BYTES)
        reason = "must be at least " STR(PASSWORD_MIN_BYTES) " bytes long";
    else if (n > PASSWORD_MAX_BYTES)
        reason = "must be at most " STR(PASSWORD_MAX_BYTES) " bytes long";
    else if (!text_is_clean_utf8(pw, n))
        reason = "must be valid UTF-8 without control characters";
    if (reason == NULL)
        return PH_OK;
    if (why != NULL)
        *why = reason;
    return PH_EINVAL;
}
