/* fuzz_dvhcvn_merges.c - the July 2025 reorganisation: the new units and the old
 * units merged into each (proto/dvhcvn.h, dvhcvn_parse_merges), read by the area
 * import from an administrator's file. Besides crashes it checks what
 * core/area_import.c relies on: a refusal says why; an accepted file has at least
 * one unit, each with a code of the digits its level takes and a name, each
 * parent before its children and one level above them (the shared part in
 * fuzz_dvhcvn.h); every new unit has merges, each with an old code. */
#include "util/base.h"
#include "fuzz_dvhcvn.h"

static void unit_check(struct arena *a, const struct dvhcvn_unit *u)
{
    FUZZ_CHECK(u->n_merges >= 1 && u->merges != NULL && u->level <= 2);
    for (size_t k = 0; k < u->n_merges; k++)
        FUZZ_CHECK(fuzz_dvhcvn_digits(u->merges[k].old_id) && u->merges[k].name != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_dvhcvn_run(data, size, dvhcvn_parse_merges, unit_check);
}
