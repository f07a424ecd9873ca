/* gistar.c - Getis-Ord Gi* over a grid (Getis & Ord 1992, Ord & Getis 1995):
 *
 *   z_i = (sum_j w_ij x_j - xbar W_i) / (S sqrt((n sum_j w_ij^2 - W_i^2) / (n - 1)))
 *
 * with binary weights w_ij (the cell itself included), W_i = sum_j w_ij, n the
 * cells in the study, xbar their mean and S^2 = sum (x - xbar)^2 / n. Gi* is
 * itself a z-score: p is two-sided from the standard normal.
 *
 * A distance band on a regular grid gives every cell the same neighbours up to a
 * translation, so they are one stencil of offsets (hotspot_int.h) walked without
 * bounds checks away from the edges: 1,000,000 cells x 49 neighbours is a few
 * milliseconds. k nearest neighbours depend on the mask and the edges, so they
 * are listed per cell once, from the stencil's offsets in order of distance (ties
 * by lower cell index), falling back to a scan of every cell where a sparse mask
 * leaves fewer than k within the stencil. */
#include "util/base.h"
#include <math.h>
#include "analytics/hotspot.h"
#include "analytics/hotspot_int.h"
#include "util/mem.h"

/* A band may reach HS_BAND_CELLS_MAX cells: beyond it the stencil (and the time)
 * grows as its square, and a map at that scale wants bigger cells. */
#define BAND_CELLS_MAX ((double)HS_BAND_CELLS_MAX)

double hs_p_two_sided(double z)
{
    if (isnan(z))
        return 1.0;
    return erfc(fabs(z) / M_SQRT2);
}

ph_err hs_gistar_check(const struct hs_grid *g, const struct hs_gistar_params *p)
{
    if (g == NULL || p == NULL)
        return PH_EINVAL;
    if (!(p->alpha > 0 && p->alpha < 1))
        return PH_EINVAL;
    if (p->weights == HS_DISTANCE_BAND)
        return p->band_m >= g->cell_m && p->band_m <= BAND_CELLS_MAX * g->cell_m ? PH_OK : PH_EINVAL;
    if (p->weights == HS_KNN)
        return p->k >= 1 && p->k <= HS_KNN_MAX ? PH_OK : PH_EINVAL;
    return PH_EINVAL;
}

/* ---- neighbours ------------------------------------------------------------------- */

struct cand {
    int64_t norm;
    int64_t cell;
};

static int cmp_cand(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;
    if (x->norm != y->norm)
        return x->norm < y->norm ? -1 : 1;
    return (x->cell > y->cell) - (x->cell < y->cell);
}

/* The k nearest in-study cells to c by scanning them all (a sparse mask). */
static void knn_scan(const struct hs_grid *g, size_t c, int k, struct cand *buf, int32_t *out)
{
    size_t m = 0;
    for (size_t j = 0; j < g->n; j++)
        if (j != c && hs_grid_in_study(g, j))
            buf[m++] = (struct cand){hs_grid_norm(g, c, j), (int64_t)j};
    qsort(buf, m, sizeof(*buf), cmp_cand);
    for (size_t i = 0; i < m && i < (size_t)k; i++)
        out[i] = (int32_t)buf[i].cell;
}

static void knn_build(struct hs_nbrs *nb, const struct hs_grid *g, int k)
{
    int32_t reach = (int32_t)ceil(sqrt((double)k)) + 2;
    struct cand group[64], *scan = NULL;

    hs_stencil_build(&nb->st, g, (int64_t)reach * reach);
    nb->k1 = k + 1;
    nb->list = xmalloc(g->n * (size_t)nb->k1 * sizeof(*nb->list));
    for (size_t c = 0; c < g->n; c++) {
        int32_t *out = nb->list + c * (size_t)nb->k1;
        int64_t row = (int64_t)c / g->nx, col = (int64_t)c % g->nx;
        int found = 0;
        for (int i = 0; i < nb->k1; i++)
            out[i] = -1;
        if (!hs_grid_in_study(g, c))
            continue;
        out[0] = (int32_t)c;
        /* Offset 0 is the cell itself; then groups of equal norm. */
        size_t o = 1;
        while (o < nb->st.n && found < k) {
            size_t end = o, m = 0;
            while (end < nb->st.n && nb->st.norm[end] == nb->st.norm[o])
                end++;
            for (size_t i = o; i < end; i++) {
                int64_t j = hs_stencil_at(g, &nb->st, i, col, row, c);
                if (j >= 0 && hs_grid_in_study(g, (size_t)j) && m < PH_NELEM(group))
                    group[m++] = (struct cand){nb->st.norm[i], j};
            }
            qsort(group, m, sizeof(*group), cmp_cand);
            for (size_t i = 0; i < m && found < k; i++)
                out[1 + found++] = (int32_t)group[i].cell;
            o = end;
        }
        if (found < k && g->n_study > (size_t)found + 1) {
            if (scan == NULL)
                scan = xmalloc(g->n * sizeof(*scan));
            knn_scan(g, c, k, scan, out + 1);
        }
    }
    free(scan);
}

ph_err hs_nbrs_build(struct hs_nbrs *nb, const struct hs_grid *g, const struct hs_gistar_params *p)
{
    ph_err rc = hs_gistar_check(g, p);

    memset(nb, 0, sizeof(*nb));
    if (rc != PH_OK)
        return rc;
    nb->kind = p->weights;
    if (p->weights == HS_DISTANCE_BAND)
        hs_stencil_build(&nb->st, g, hs_norm_within(g, p->band_m));
    else
        knn_build(nb, g, p->k);
    return PH_OK;
}

void hs_nbrs_release(struct hs_nbrs *nb)
{
    hs_stencil_release(&nb->st);
    free(nb->list);
    memset(nb, 0, sizeof(*nb));
}

void hs_nbrs_sum(const struct hs_grid *g, const struct hs_nbrs *nb, const double *x, size_t c, double *sum,
                 double *count)
{
    double s = 0, w = 0;

    if (nb->kind == HS_KNN) {
        const int32_t *l = nb->list + c * (size_t)nb->k1;
        for (int i = 0; i < nb->k1 && l[i] >= 0; i++)
            s += x[l[i]], w += 1;
        *sum = s;
        *count = w;
        return;
    }
    const struct hs_stencil *st = &nb->st;
    int64_t row = (int64_t)c / g->nx, col = (int64_t)c % g->nx;
    const int64_t *delta = st->delta[row & 1];
    bool inside = col >= st->reach_c && col < g->nx - st->reach_c && row >= st->reach_r && row < g->ny - st->reach_r;

    if (inside && g->mask == NULL) {
        const double *xc = x + c;
        for (size_t o = 0; o < st->n; o++)
            s += xc[delta[o]];
        w = (double)st->n;
    } else if (inside) {
        for (size_t o = 0; o < st->n; o++) {
            size_t j = c + (size_t)delta[o];
            if (g->mask[j])
                s += x[j], w += 1;
        }
    } else {
        for (size_t o = 0; o < st->n; o++) {
            int64_t j = hs_stencil_at(g, st, o, col, row, c);
            if (j >= 0 && (g->mask == NULL || g->mask[j]))
                s += x[j], w += 1;
        }
    }
    *sum = s;
    *count = w;
}

/* ---- Gi* -------------------------------------------------------------------------- */

ph_err hs_gistar(const struct hs_grid *g, const double *values, const struct hs_gistar_params *p, double *z,
                 double *pv, int8_t *significant)
{
    struct hs_nbrs nb;
    double n = (double)g->n_study, mean = 0, ss = 0, lo = HUGE_VAL, hi = -HUGE_VAL;
    ph_err rc = hs_nbrs_build(&nb, g, p);

    if (rc != PH_OK)
        return rc;
    for (size_t c = 0; c < g->n; c++) {
        if (hs_grid_in_study(g, c)) {
            if (!isfinite(values[c])) {
                rc = PH_EINVAL;
                goto out;
            }
            mean += values[c];
            lo = fmin(lo, values[c]);
            hi = fmax(hi, values[c]);
        }
    }
    mean /= n;
    for (size_t c = 0; c < g->n; c++)
        if (hs_grid_in_study(g, c))
            ss += (values[c] - mean) * (values[c] - mean);
    double sd = sqrt(ss / n);
    bool flat = g->n_study < 2 || !(hi > lo) || !(sd > 0);
    for (size_t c = 0; c < g->n; c++) {
        double zc = 0;
        if (!hs_grid_in_study(g, c)) {
            z[c] = NAN; /* left out of the FDR below */
            continue;
        }
        if (!flat) {
            double sum, w;
            hs_nbrs_sum(g, &nb, values, c, &sum, &w);
            double den = sd * sqrt((n * w - w * w) / (n - 1));
            if (den > 0)
                zc = (sum - mean * w) / den;
        }
        z[c] = zc;
    }
    double zcrit = hs_bh_zcrit(z, g->n, p->alpha);
    for (size_t c = 0; c < g->n; c++) {
        if (isnan(z[c])) {
            z[c] = 0;
            pv[c] = 1;
            significant[c] = 0;
            continue;
        }
        pv[c] = hs_p_two_sided(z[c]);
        significant[c] = fabs(z[c]) >= zcrit ? (z[c] > 0 ? 1 : -1) : 0;
    }
out:
    hs_nbrs_release(&nb);
    return rc;
}
