/* buf.h - a growable byte buffer with a hard cap, always NUL-terminated. */
#ifndef PH_UTIL_BUF_H
#define PH_UTIL_BUF_H
#include <stdarg.h>
#include <stddef.h>
#include "util/err.h"

struct buf {
    char *data; /* NUL-terminated; caller frees with buf_release() */
    size_t len, cap, max;
};

/* max: the most bytes the buffer may ever hold (appends beyond fail with PH_ETOOBIG). */
void buf_init(struct buf *b, size_t max);
void buf_release(struct buf *b);
void buf_reset(struct buf *b);
ph_err buf_append(struct buf *b, const void *p, size_t n) __attribute__((warn_unused_result));
ph_err buf_puts(struct buf *b, const char *s) __attribute__((warn_unused_result));
ph_err buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3), warn_unused_result));
#endif
