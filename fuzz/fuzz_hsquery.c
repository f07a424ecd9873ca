/* fuzz_hsquery.c - the parameters of a hot-spot analysis (proto/hsquery.h), as
 * both doors hand them over: the input is a query string "name=value&..."
 * (not percent-decoded: the HTTP door decodes before the parser sees a value).
 * What the parser accepts must be in the ranges hsquery.h promises; a refusal
 * must name the parameter. */
#include "util/base.h"
#include <math.h>
#include "proto/hsquery.h"
#include "util/arena.h"
#include "fuzz.h"

#define MAX_PARAMS 32

struct params {
    const char *names[MAX_PARAMS], *values[MAX_PARAMS];
    size_t n;
};

/* The first value of name, as req_query gives it (an empty value is absent, as
 * the HTTP door passes it). */
static const char *get(void *ctx, const char *name)
{
    const struct params *p = ctx;
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->names[i], name) == 0)
            return p->values[i][0] != '\0' ? p->values[i] : NULL;
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size);
    struct params p = {.n = 0};
    struct arena a;
    struct hsquery hq;
    const char *field = NULL;

    for (char *q = s; q != NULL && *q != '\0' && p.n < MAX_PARAMS;) {
        char *amp = strchr(q, '&'), *eq;
        if (amp != NULL)
            *amp = '\0';
        eq = strchr(q, '=');
        if (eq != NULL)
            *eq = '\0';
        p.names[p.n] = q;
        p.values[p.n++] = eq != NULL ? eq + 1 : "";
        q = amp != NULL ? amp + 1 : NULL;
    }
    arena_init(&a);
    memset(&hq, 0, sizeof(hq));
    if (hsquery_parse(get, &p, &a, &hq, &field) == PH_OK) {
        const struct hotspot_query *q = &hq.q;
        FUZZ_CHECK(field == NULL);
        FUZZ_CHECK(q->n_categories <= HOTSPOT_CATEGORIES_MAX);
        for (size_t i = 0; i < q->n_categories; i++) {
            size_t n = strlen(q->categories[i]);
            FUZZ_CHECK(n >= 1 && n <= HSQUERY_CODE_MAX_BYTES);
        }
        FUZZ_CHECK(q->cell_m == 0 || (isfinite(q->cell_m) && q->cell_m > 0));
        FUZZ_CHECK(q->gi.band_m == 0 || (isfinite(q->gi.band_m) && q->gi.band_m > 0));
        FUZZ_CHECK(q->gi.alpha == 0 || (q->gi.alpha > 0 && q->gi.alpha < 1));
        FUZZ_CHECK(q->bandwidth_m == 0 || (isfinite(q->bandwidth_m) && q->bandwidth_m > 0));
        FUZZ_CHECK(q->gi.k == 0 || (q->gi.k >= 1 && q->gi.k <= HS_KNN_MAX));
        FUZZ_CHECK(q->area_id >= 0);
        FUZZ_CHECK(q->time_neighbours >= 0 && q->time_neighbours <= HSQUERY_TIME_NEIGHBOURS_MAX);
        FUZZ_CHECK((q->slice_ms == 0) == (hq.slice == NULL));
        FUZZ_CHECK(q->shape == HS_SQUARE || q->shape == HS_HEXAGON);
    } else {
        FUZZ_CHECK(field != NULL);
        FUZZ_CHECK(get(&p, field) != NULL);
    }
    arena_release(&a);
    free(s);
    return 0;
}
