/* buf.c - capped growable buffer. */
#include "util/base.h"
#include <stdarg.h>
#include "util/buf.h"
#include "util/mem.h"

void buf_init(struct buf *b, size_t max)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->max = max;
}

void buf_release(struct buf *b)
{
    free(b->data);
    buf_init(b, b->max);
}

void buf_reset(struct buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

static ph_err reserve(struct buf *b, size_t extra)
{
    if (extra > b->max || b->len > b->max - extra)
        return PH_ETOOBIG;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return PH_OK;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    b->data = xrealloc(b->data, cap);
    b->cap = cap;
    return PH_OK;
}

ph_err buf_append(struct buf *b, const void *p, size_t n)
{
    ph_err rc = reserve(b, n);
    if (rc != PH_OK)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return PH_OK;
}

ph_err buf_puts(struct buf *b, const char *s)
{
    return buf_append(b, s, strlen(s));
}

ph_err buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return PH_EINVAL;
    ph_err rc = reserve(b, (size_t)n);
    if (rc != PH_OK)
        return rc;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return PH_OK;
}
