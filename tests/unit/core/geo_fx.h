/* geo_fx.h - what test_area_import.c and test_area_realdata.c share: the real
 * files of ../shared/geo/ (relative to the repository root, where the tests run;
 * read, never copied into the repository) and reading one of them whole, or
 * skipping the test with a message when the directory is missing. Static inline,
 * like testutil.h. */
#ifndef PH_TESTS_GEO_FX_H
#define PH_TESTS_GEO_FX_H
#include "testutil.h"
#include "util/mem.h"

#define GEO_DIR "../shared/geo/"
#define LIST_FILE GEO_DIR "dvhcvn-2025-03-01.json"
#define GIS_FILE GEO_DIR "gis-83-ben-tre.json"
#define MERGES_FILE GEO_DIR "units-2025-07-01-merges.json"

/* The file at path, NUL-terminated (the caller frees it), its length in *len; NULL
 * when it cannot be read. */
static inline char *gfx_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;

    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = xmalloc((size_t)n + 1);
        if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
            free(buf);
            buf = NULL;
        } else {
            buf[n] = '\0';
            *len = (size_t)n;
        }
    }
    fclose(f);
    return buf;
}

/* The file, or skip the test with a message when ../shared/geo/ is absent. */
#define NEED_FILE(path, buf, len)                                                                  \
    do {                                                                                           \
        (buf) = gfx_read_file((path), &(len));                                                     \
        if ((buf) == NULL) {                                                                       \
            print_message("skipped: %s not found (the real data lives in ../shared/geo/)\n",       \
                          (path));                                                                 \
            skip();                                                                                \
        }                                                                                          \
    } while (0)
#endif
