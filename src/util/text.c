/* text.c - utf8proc does normalisation and mark stripping; đ is mapped by hand
 * because U+0111/U+0110 are letters of their own that no Unicode decomposition
 * turns into d (see docs: NOTES-text). */
#include "util/base.h"
#include <utf8proc.h>
#include "util/arena.h"
#include "util/text.h"

bool text_is_clean_utf8(const char *s, size_t n)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    utf8proc_ssize_t left = (utf8proc_ssize_t)n;
    while (left > 0) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(p, left, &cp);
        if (k <= 0 || cp == 0 || (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') ||
            cp == 0x7f)
            return false;
        p += k;
        left -= k;
    }
    return true;
}

/* Length of s when it is certainly NFC already, else -1: every character is in a
 * range where each code point is its own NFC form and composes with nothing
 * before it (no combining marks, no NFC_QC "No" or "Maybe"): U+0000..U+02FF,
 * Latin Extended Additional U+1E00..U+1EFF (Vietnamese precomposed letters) and
 * the dashes and quotes U+2010..U+2027. Decoded by hand, so only well-formed
 * UTF-8 passes; anything else takes utf8proc's full path. Text is normalised on
 * the way in and validated again in core, so the second pass is usually this. */
static ssize_t nfc_quick_len(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    for (;;) {
        unsigned char c = *p;
        if (c == 0)
            return (ssize_t)((const char *)p - s);
        if (c < 0x80) {
            p++;
        } else if (c >= 0xc2 && c <= 0xcb && (p[1] & 0xc0) == 0x80) {
            p += 2; /* U+0080..U+02FF */
        } else if (c == 0xe1 && p[1] >= 0xb8 && p[1] <= 0xbb && (p[2] & 0xc0) == 0x80) {
            p += 3; /* U+1E00..U+1EFF */
        } else if (c == 0xe2 && p[1] == 0x80 && p[2] >= 0x90 && p[2] <= 0xa7) {
            p += 3; /* U+2010..U+2027 */
        } else {
            return -1;
        }
    }
}

ph_err text_nfc(struct arena *a, const char *s, char **out)
{
    ssize_t quick = nfc_quick_len(s);
    if (quick >= 0) {
        *out = arena_strndup(a, s, (size_t)quick);
        return PH_OK;
    }
    utf8proc_uint8_t *r = NULL;
    utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)s, 0, &r,
                                      UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    if (n < 0)
        return PH_EPARSE;
    *out = arena_strndup(a, (const char *)r, (size_t)n);
    free(r);
    return PH_OK;
}

char *text_fold(struct arena *a, const char *s)
{
    utf8proc_uint8_t *r = NULL;
    utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)s, 0, &r,
                                      UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_DECOMPOSE |
                                          UTF8PROC_STRIPMARK | UTF8PROC_CASEFOLD);
    if (n < 0)
        return arena_strdup(a, "");
    /* Output is never longer than the folded text: đ (2 bytes) becomes d (1). */
    char *d = arena_alloc(a, (size_t)n + 1), *w = d;
    bool space = true; /* drops leading white space */
    for (utf8proc_ssize_t i = 0; i < n; i++) {
        unsigned char c = r[i];
        if (c == 0xc4 && i + 1 < n && (r[i + 1] == 0x91 || r[i + 1] == 0x90)) {
            *w++ = 'd'; /* U+0111 đ, U+0110 Đ (already case-folded, but be sure) */
            i++;
            space = false;
        } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            if (!space)
                *w++ = ' ';
            space = true;
        } else {
            *w++ = (char)c;
            space = false;
        }
    }
    if (w > d && w[-1] == ' ')
        w--;
    *w = '\0';
    free(r);
    return d;
}

char *text_trim(struct arena *a, const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        n--;
    return arena_strndup(a, s, n);
}
