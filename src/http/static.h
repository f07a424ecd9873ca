/* static.h - the web application (web/ and the libraries vendored from npm), compiled
 * into the binary by tools/embed_web.c and served at "/" (index.html) and
 * "/assets/<version>/..." (everything else). See docs/ARCHITECTURE.md, "Web application". */
#ifndef PH_HTTP_STATIC_H
#define PH_HTTP_STATIC_H
#include <stdbool.h>
#include <stddef.h>

struct static_file {
    const char *path; /* the URL path: "/" or "/assets/<version>/js/app.js" */
    size_t path_len;
    const char *type;          /* Content-Type */
    const unsigned char *data; /* the bytes as they are */
    size_t len;
    const unsigned char *gz; /* gzip variant, or NULL when it would not be smaller */
    size_t gz_len;
    const unsigned char *br; /* brotli variant, or NULL */
    size_t br_len;
    const char *etag, *etag_gz, *etag_br; /* strong ETags, quotes included, one per encoding */
    bool immutable; /* versioned URL: cached for a year; else (index.html) revalidated */
};

/* Generated (build/gen/web.c): every file sorted by path, how many, and the version
 * (12 hex digits of a hash over all of them) that names this build's assets. */
extern const struct static_file static_files[];
extern const size_t static_files_count;
extern const char static_version[];

/* The file served at path (len bytes, no query), or NULL. */
const struct static_file *static_find(const char *path, size_t len);

/* The encoding to send given an Accept-Encoding value (NULL when absent):
 * 2 brotli, 1 gzip, 0 identity, among the variants f has. Exposed for the tests. */
int static_pick_encoding(const struct static_file *f, const char *accept, size_t len);

/* Whether an Accept-Encoding value (len bytes; NULL: absent) accepts coding
 * ("gzip"; "*" counts, q=0 refuses). */
bool static_accepts(const char *accept, size_t len, const char *coding);

/* The headers every answer of the web application carries (CSP and friends). */
extern const char static_csp[];
#endif
