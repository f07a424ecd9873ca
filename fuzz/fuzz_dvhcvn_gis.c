/* fuzz_dvhcvn_gis.c - one province's boundaries from the government's map
 * (proto/dvhcvn.h, dvhcvn_parse_gis), read by the area import from an
 * administrator's file. Besides crashes it checks what core/area_import.c relies
 * on: a refusal says why; an accepted file has at least one unit, each with a
 * code of the digits its level takes and a name, each parent before its children
 * and one level above them (the shared part in fuzz_dvhcvn.h); every outline is
 * GeoJSON text that geo_shape_parse reads (or refuses with a reason). */
#include "util/base.h"
#include "core/geo.h"
#include "fuzz_dvhcvn.h"

static void unit_check(struct arena *a, const struct dvhcvn_unit *u)
{
    struct geo_shape s;
    const char *w = NULL;

    FUZZ_CHECK(u->geometry != NULL && u->level <= 2);
    if (geo_shape_parse(a, u->geometry, strlen(u->geometry), &s, &w) != PH_OK)
        FUZZ_CHECK(w != NULL);
    else
        FUZZ_CHECK(s.n_polys >= 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_dvhcvn_run(data, size, dvhcvn_parse_gis, unit_check);
}
