/* jsonw.c - JSON written straight into a buffer, byte for byte as jansson 2.14
 * dumps it compact (util/jsonw.h). */
#include "util/base.h"
#include <math.h>
#include "util/buf.h"
#include "util/jsonw.h"
#include "util/time.h"

void jsonw_put(struct jsonw *w, const char *s, size_t n)
{
    if (w->rc == PH_OK)
        w->rc = buf_append(w->b, s, n);
}

void jsonw_open(struct jsonw *w, const char *bracket)
{
    jsonw_put(w, bracket, 1);
    w->comma = false;
}

void jsonw_close(struct jsonw *w, const char *bracket)
{
    jsonw_put(w, bracket, 1);
    w->comma = true;
}

/* The start of a member; keys are our own names, with nothing to escape. */
void jsonw_key(struct jsonw *w, const char *key)
{
    if (w->comma)
        JSONW_LIT(w, ",");
    JSONW_LIT(w, "\"");
    jsonw_put(w, key, strlen(key));
    JSONW_LIT(w, "\":");
    w->comma = true;
}

/* The length of the UTF-8 sequence at s, 0 when jansson would refuse it: a
 * continuation or 0xC0/0xC1/0xF5.. lead byte, a missing continuation, an
 * overlong form, a surrogate or a code point above U+10FFFF. */
static size_t utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    uint32_t v;
    size_t n;

    if (c < 0x80)
        return 1;
    if (c < 0xC2)
        return 0;
    if (c < 0xE0) {
        n = 2;
        v = c & 0x1F;
    } else if (c < 0xF0) {
        n = 3;
        v = c & 0x0F;
    } else if (c < 0xF5) {
        n = 4;
        v = c & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) { /* the NUL at the end is no continuation byte */
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF) || (n == 2 && v < 0x80) ||
        (n == 3 && v < 0x800) || (n == 4 && v < 0x10000))
        return 0;
    return n;
}

bool jsonw_utf8_ok(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p != '\0') {
        size_t n = utf8_len(p);
        if (n == 0)
            return false;
        p += n;
    }
    return true;
}

/* s (valid UTF-8) as a JSON string; runs of plain bytes go out in one piece. */
void jsonw_string(struct jsonw *w, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    const char *run = s, *p = s;

    JSONW_LIT(w, "\"");
    for (; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;
        char esc[6] = {'\\', 0, '0', '0', 0, 0};
        size_t n = 2;
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        jsonw_put(w, run, (size_t)(p - run));
        run = p + 1;
        switch (c) {
        case '"':
        case '\\':
            esc[1] = (char)c;
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default:
            esc[1] = 'u';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            n = 6;
        }
        jsonw_put(w, esc, n);
    }
    jsonw_put(w, run, (size_t)(p - run));
    JSONW_LIT(w, "\"");
}

/* A string member (null for NULL); left out when s is not valid UTF-8. */
void jsonw_str_member(struct jsonw *w, const char *key, const char *s)
{
    if (s != NULL && !jsonw_utf8_ok(s))
        return;
    jsonw_key(w, key);
    if (s == NULL)
        JSONW_LIT(w, "null");
    else
        jsonw_string(w, s);
}

void jsonw_i64(struct jsonw *w, int64_t v)
{
    char tmp[24], *end = tmp + sizeof(tmp), *p = end;
    /* Through uint64_t: -INT64_MIN does not fit an int64_t. */
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        *--p = '-';
    jsonw_put(w, p, (size_t)(end - p));
}

void jsonw_int_member(struct jsonw *w, const char *key, int64_t v)
{
    jsonw_key(w, key);
    jsonw_i64(w, v);
}

/* An id, or null for 0. */
void jsonw_id_member(struct jsonw *w, const char *key, int64_t id)
{
    jsonw_key(w, key);
    if (id)
        jsonw_i64(w, id);
    else
        JSONW_LIT(w, "null");
}

void jsonw_bool_member(struct jsonw *w, const char *key, bool v)
{
    jsonw_key(w, key);
    if (v)
        JSONW_LIT(w, "true");
    else
        JSONW_LIT(w, "false");
}

/* A time as RFC 3339 UTC, or null for 0 (what pjson_time gives). */
void jsonw_time_member(struct jsonw *w, const char *key, int64_t ms)
{
    char t[TIME_RFC3339_BYTES];
    jsonw_key(w, key);
    if (ms == 0) {
        JSONW_LIT(w, "null");
        return;
    }
    time_format_utc(ms, t);
    JSONW_LIT(w, "\"");
    jsonw_put(w, t, strlen(t));
    JSONW_LIT(w, "\"");
}

void jsonw_real_member(struct jsonw *w, const char *key, double v)
{
    char t[40], *e;
    int n;
    if (!isfinite(v))
        return;
    n = snprintf(t, sizeof(t), "%.15g", v);
    if (n < 0 || (size_t)n + 3 > sizeof(t)) {
        w->rc = PH_EIO;
        return;
    }
    if (strchr(t, '.') == NULL && strchr(t, 'e') == NULL) {
        memcpy(t + n, ".0", 3);
        n += 2;
    }
    /* As jansson: "1e+22" -> "1e22", "1e-07" -> "1e-7". */
    e = strchr(t, 'e');
    if (e != NULL) {
        char *start = e + 1, *end = start + 1;
        if (*start == '-')
            start++;
        while (*end == '0')
            end++;
        if (end != start) {
            memmove(start, end, strlen(end) + 1);
            n = (int)strlen(t);
        }
    }
    jsonw_key(w, key);
    jsonw_put(w, t, (size_t)n);
}


void jsonw_ids_member(struct jsonw *w, const char *key, const int64_t *ids, size_t n)
{
    jsonw_key(w, key);
    jsonw_open(w, "[");
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            JSONW_LIT(w, ",");
        jsonw_i64(w, ids[i]);
    }
    jsonw_close(w, "]");
}
