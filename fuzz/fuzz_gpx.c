/* fuzz_gpx.c - GPX files (proto/gpx.c): any bytes; a parsed file's points are
 * each in range or name the member at fault, and its track name is clean text.
 * Hostile XML (entities, external references, deep nesting) must be refused or
 * read without expansion: the harness would time out or run out of memory
 * otherwise. */
#include "util/base.h"
#include <math.h>
#include "proto/gpx.h"
#include "util/arena.h"
#include "util/text.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena a;
    struct gpx_result g;
    const char *why = NULL;

    arena_init(&a);
    if (gpx_parse((const char *)data, size, &a, &g, &why) == PH_OK) {
        FUZZ_CHECK(g.n <= GPX_MAX_POINTS);
        for (size_t i = 0; i < g.n; i++) {
            const struct gpx_point *p = &g.points[i];
            if (p->error == NULL)
                FUZZ_CHECK(p->lat >= -90 && p->lat <= 90 && p->lon >= -180 && p->lon <= 180 &&
                           p->at != 0);
        }
        FUZZ_CHECK(g.name == NULL || text_is_clean_utf8(g.name, strlen(g.name)));
    } else {
        FUZZ_CHECK(why != NULL);
    }
    arena_release(&a);
    return 0;
}
