/* mem.h - allocation that aborts on out-of-memory, for long-lived objects.
 * Client-driven sizes are capped before they reach these. */
#ifndef PH_UTIL_MEM_H
#define PH_UTIL_MEM_H
#include <stddef.h>
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
/* Copy of s (NULL gives NULL); caller frees with free(). */
char *xstrdup(const char *s);
#endif
