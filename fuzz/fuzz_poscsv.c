/* fuzz_poscsv.c - positions as CSV (proto/poscsv.c): any bytes; a parsed file's
 * rows are each complete (uid, finite coordinates) or name the column at fault,
 * with line numbers that never go back. */
#include "util/base.h"
#include <math.h>
#include "proto/poscsv.h"
#include "util/arena.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena a;
    struct poscsv_row *rows = NULL;
    size_t n = 0, line = 0;
    const char *why = NULL;

    arena_init(&a);
    if (poscsv_parse((const char *)data, size, &a, &rows, &n, &why) == PH_OK) {
        for (size_t i = 0; i < n; i++) {
            FUZZ_CHECK(rows[i].line > line);
            line = rows[i].line;
            if (rows[i].error == NULL)
                FUZZ_CHECK(rows[i].r.uid != NULL && isfinite(rows[i].r.lat) &&
                           isfinite(rows[i].r.lon));
        }
    } else {
        FUZZ_CHECK(why != NULL);
    }
    arena_release(&a);
    return 0;
}
