/* embed.h - files compiled into the binary by tools/embed.c: the schema migrations
 * (and, later, the web application). */
#ifndef PH_UTIL_EMBED_H
#define PH_UTIL_EMBED_H
#include <stddef.h>

struct embedded_file {
    const char *name; /* path relative to the project root, e.g. "src/store/schema/sqlite/001_foundation.sql" */
    const unsigned char *data; /* NUL-terminated */
    size_t len;
};

/* All embedded files, sorted by name, ending with {NULL, NULL, 0}. */
extern const struct embedded_file embedded_files[];
/* The file with exactly this name, or NULL. */
const struct embedded_file *embed_find(const char *name);
#endif
