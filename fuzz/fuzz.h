/* fuzz.h - shared by the fuzz harnesses: the libFuzzer entry point's prototype,
 * a NUL-terminated copy of the input, and the check that turns a broken invariant
 * into a crash both libFuzzer and replay.c report. */
#ifndef PH_FUZZ_FUZZ_H
#define PH_FUZZ_FUZZ_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* abort() so the sanitizer runtime (and libFuzzer) prints a stack and saves the input. */
#define FUZZ_CHECK(cond)                                                                  \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                      \
        }                                                                                 \
    } while (0)

/* A malloc'd copy of data with a NUL after it; the caller frees it. Inputs holding a
 * NUL are cut there, as any C-string parser would see them. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s == NULL)
        abort();
    if (size > 0)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}
#endif
