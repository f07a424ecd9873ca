/* dsn.h - database URLs as they may be shown in logs and messages. */
#ifndef PH_UTIL_DSN_H
#define PH_UTIL_DSN_H
#include <stddef.h>

/* dsn with a URL's password ("postgres://user:secret@host/db") replaced by
 * "***", written into buf; dsn itself when it holds none. */
const char *dsn_redact(const char *dsn, char *buf, size_t size);
#endif
