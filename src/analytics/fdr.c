/* fdr.c - the Benjamini-Hochberg step-up procedure (Benjamini & Hochberg 1995):
 * with the m p-values sorted, p_(1) <= ... <= p_(m), find the largest k with
 * p_(k) <= k alpha / m and reject the k smallest. Since p_(k) <= alpha for any
 * rejection, only the p-values at most alpha are sorted: with 100,000 cells of
 * noise that is about 5,000, not 100,000. */
#include "util/base.h"
#include <math.h>
#include "analytics/hotspot.h"
#include "analytics/hotspot_int.h"
#include "util/mem.h"

struct pz {
    double p;
    double absz;
    size_t i;
};

static int cmp_pz(const void *a, const void *b)
{
    const struct pz *x = a, *y = b;
    if (x->p != y->p)
        return x->p < y->p ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

/* Sort c[0..nc-1] by p and return k, the number rejected among m tests. */
static size_t step_up(struct pz *c, size_t nc, size_t m, double alpha)
{
    size_t k = 0;
    qsort(c, nc, sizeof(*c), cmp_pz);
    for (size_t r = nc; r > 0; r--) {
        if (c[r - 1].p <= (double)r * alpha / (double)m) {
            k = r;
            break;
        }
    }
    return k;
}

void hs_fdr_bh(const double *p, size_t n, double alpha, bool *sig)
{
    struct pz *c = NULL;
    size_t nc = 0;

    for (size_t i = 0; i < n; i++) {
        sig[i] = false;
        if (!isnan(p[i]) && p[i] <= alpha)
            nc++;
    }
    if (nc == 0 || !(alpha > 0))
        return;
    c = xmalloc(nc * sizeof(*c));
    nc = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(p[i]) && p[i] <= alpha)
            c[nc++] = (struct pz){p[i], 0, i};
    size_t k = step_up(c, nc, n, alpha);
    for (size_t r = 0; r < k; r++)
        sig[c[r].i] = true;
    free(c);
}

double hs_bh_zcrit(const double *z, size_t n, double alpha)
{
    struct pz *c = NULL;
    size_t nc = 0, m = 0;
    double zcrit = INFINITY;

    for (size_t i = 0; i < n; i++) {
        if (isnan(z[i]))
            continue;
        m++;
        if (hs_p_two_sided(z[i]) <= alpha)
            nc++;
    }
    if (nc == 0)
        return zcrit;
    c = xmalloc(nc * sizeof(*c));
    nc = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(z[i]))
            continue;
        double p = hs_p_two_sided(z[i]);
        if (p <= alpha)
            c[nc++] = (struct pz){p, fabs(z[i]), i};
    }
    size_t k = step_up(c, nc, m, alpha);
    /* The rejected are exactly those with p <= p_(k); p falls as |z| grows, so
     * they are those with |z| at least the smallest |z| among them. */
    for (size_t r = 0; r < k; r++)
        zcrit = fmin(zcrit, c[r].absz);
    free(c);
    return zcrit;
}
