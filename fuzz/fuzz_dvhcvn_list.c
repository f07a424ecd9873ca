/* fuzz_dvhcvn_list.c - the Statistics Office's three-level list of administrative
 * units (proto/dvhcvn.h, dvhcvn_parse_list), read by the area import from an
 * administrator's file. Besides crashes it checks what core/area_import.c relies
 * on: a refusal says why; an accepted file has at least one unit, each with a
 * code of the digits its level takes, a name and a type, each parent before its
 * children and one level above them (the shared part in fuzz_dvhcvn.h). */
#include "util/base.h"
#include "fuzz_dvhcvn.h"

static void unit_check(struct arena *a, const struct dvhcvn_unit *u)
{
    FUZZ_CHECK(u->type != NULL && u->geometry == NULL && u->n_merges == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_dvhcvn_run(data, size, dvhcvn_parse_list, unit_check);
}
