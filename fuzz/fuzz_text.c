/* fuzz_text.c - UTF-8 validation, NFC and search-key folding (util/text.h) on
 * arbitrary bytes: every name, title and query string passes through them. Checks:
 * NFC is idempotent; folding ignores the normalisation form of its input, is
 * idempotent on its own output, never grows ASCII and turns ASCII into lower case. */
#include "util/base.h"
#include "util/arena.h"
#include "util/text.h"
#include "fuzz.h"

static bool is_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return false;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena a;
    char *s = fuzz_cstr(data, size);
    char *nfc = NULL, *nfc2 = NULL;

    arena_init(&a);
    if (!text_is_clean_utf8((const char *)data, size)) {
        /* Dirty input must still be handled: folding gives "" for invalid UTF-8. */
        (void)text_fold(&a, s);
        goto out;
    }
    FUZZ_CHECK(strlen(s) == size); /* clean text holds no NUL */
    FUZZ_CHECK(text_nfc(&a, s, &nfc) == PH_OK);
    FUZZ_CHECK(text_is_clean_utf8(nfc, strlen(nfc)));
    FUZZ_CHECK(text_nfc(&a, nfc, &nfc2) == PH_OK);
    FUZZ_CHECK(strcmp(nfc, nfc2) == 0);

    char *key = text_fold(&a, s);
    FUZZ_CHECK(text_is_clean_utf8(key, strlen(key)));
    FUZZ_CHECK(strcmp(text_fold(&a, nfc), key) == 0);
    FUZZ_CHECK(strcmp(text_fold(&a, key), key) == 0);
    /* Search keys are trimmed with single spaces inside. */
    size_t kn = strlen(key);
    FUZZ_CHECK(kn == 0 || (key[0] != ' ' && key[kn - 1] != ' '));
    FUZZ_CHECK(strstr(key, "  ") == NULL);
    if (is_ascii(s)) {
        FUZZ_CHECK(kn <= size);
        for (const char *p = key; *p; p++)
            FUZZ_CHECK((unsigned char)*p < 0x80 && !(*p >= 'A' && *p <= 'Z'));
    }

    char *t = text_trim(&a, s);
    FUZZ_CHECK(strlen(t) <= size);
out:
    arena_release(&a);
    free(s);
    return 0;
}
