/* fuzz_dvhcvn.h - what the three dvhcvn harnesses (list, gis, merges) check alike:
 * a refusal says why; an accepted file has at least one unit, each with a code of
 * the digits its level takes and a name, each parent before its children and one
 * level above them. Each harness adds its own check of a unit. Not a harness
 * itself (the Makefile builds fuzz/fuzz_*.c). */
#ifndef PH_FUZZ_FUZZ_DVHCVN_H
#define PH_FUZZ_FUZZ_DVHCVN_H
#include "proto/dvhcvn.h"
#include "util/arena.h"
#include "fuzz.h"

/* A code: 2 (province), 3 (district) or 5 (commune) digits. */
static inline bool fuzz_dvhcvn_digits(const char *s)
{
    size_t n = strlen(s);

    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return n == 2 || n == 3 || n == 5;
}

/* One input through parse (dvhcvn_parse_list, _gis or _merges), then the shared
 * checks and unit_check(a, u) on every unit of an accepted file. */
static inline int fuzz_dvhcvn_run(const uint8_t *data, size_t size,
                                  ph_err (*parse)(struct arena *a, const char *json, size_t len,
                                                  struct dvhcvn_file *out, const char **why),
                                  void (*unit_check)(struct arena *a, const struct dvhcvn_unit *u))
{
    struct dvhcvn_file f;
    const char *why = NULL;
    struct arena a;

    arena_init(&a);
    if (parse(&a, (const char *)data, size, &f, &why) == PH_OK) {
        FUZZ_CHECK(f.n_units >= 1 && f.units[0].level == 1);
        for (size_t i = 0; i < f.n_units; i++) {
            const struct dvhcvn_unit *u = &f.units[i];
            FUZZ_CHECK(u->code != NULL && fuzz_dvhcvn_digits(u->code));
            FUZZ_CHECK(u->name != NULL && u->name[0] != '\0');
            FUZZ_CHECK(u->level >= 1 && u->level <= 3);
            FUZZ_CHECK((u->level == 1) == (u->parent == DVHCVN_NO_PARENT));
            if (u->parent != DVHCVN_NO_PARENT) {
                FUZZ_CHECK(u->parent < i);
                FUZZ_CHECK(f.units[u->parent].level == u->level - 1);
            }
            unit_check(&a, u);
        }
    } else {
        FUZZ_CHECK(why != NULL && why[0] != '\0');
    }
    arena_release(&a);
    return 0;
}
#endif
