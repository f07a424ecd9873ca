/* dsn.c - see dsn.h. */
#include "util/base.h"
#include "util/dsn.h"
#include <stdio.h>
#include <string.h>

const char *dsn_redact(const char *dsn, char *buf, size_t size)
{
    const char *scheme = dsn != NULL ? strstr(dsn, "://") : NULL;
    const char *at = scheme != NULL ? strchr(scheme + 3, '@') : NULL;
    const char *colon = at != NULL ? memchr(scheme + 3, ':', (size_t)(at - scheme - 3)) : NULL;

    if (colon == NULL)
        return dsn;
    snprintf(buf, size, "%.*s:***%s", (int)(colon - dsn), dsn, at);
    return buf;
}
