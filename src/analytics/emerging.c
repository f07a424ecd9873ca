/* emerging.c - emerging hot spots over a space-time cube (cells x slices), after
 * the emerging hot spot analysis of ArcGIS (definitions in docs/HOTSPOTS.md):
 *
 *  1. Space-time Gi*: bin (c, s) has as neighbours the spatial neighbours of c
 *     (the cell included) in slice s and in the time_neighbours slices before it;
 *     the mean and standard deviation are those of every bin of the cube in the
 *     study, n = cells x slices.
 *  2. Benjamini-Hochberg per slice (each slice is one map of n_cells tests).
 *  3. Mann-Kendall over each cell's series of z-scores.
 *  4. The classes, from each cell's series of significant hot/cold slices and
 *     its trend.
 *
 * Work memory stays O(cells) (x (time_neighbours + 1)) by computing the z-scores
 * twice: pass 1 goes slice by slice to find each slice's FDR threshold |z|; pass 2
 * goes cell by cell, recomputing that cell's series of z (the very same sums in
 * the same order, so bit for bit the same values), and classifies it. */
#include "util/base.h"
#include <math.h>
#include "analytics/hotspot.h"
#include "analytics/hotspot_int.h"
#include "util/mem.h"

static const char *const trend_names[] = {
    [HS_NO_PATTERN] = "none",
    [HS_NEW_HOT] = "new_hot",
    [HS_CONSECUTIVE_HOT] = "consecutive_hot",
    [HS_INTENSIFYING_HOT] = "intensifying_hot",
    [HS_PERSISTENT_HOT] = "persistent_hot",
    [HS_DIMINISHING_HOT] = "diminishing_hot",
    [HS_SPORADIC_HOT] = "sporadic_hot",
    [HS_OSCILLATING_HOT] = "oscillating_hot",
    [HS_HISTORICAL_HOT] = "historical_hot",
    [HS_NEW_COLD] = "new_cold",
    [HS_CONSECUTIVE_COLD] = "consecutive_cold",
    [HS_INTENSIFYING_COLD] = "intensifying_cold",
    [HS_PERSISTENT_COLD] = "persistent_cold",
    [HS_DIMINISHING_COLD] = "diminishing_cold",
    [HS_SPORADIC_COLD] = "sporadic_cold",
    [HS_OSCILLATING_COLD] = "oscillating_cold",
    [HS_HISTORICAL_COLD] = "historical_cold",
};

const char *hs_trend_name(enum hs_trend_class c)
{
    if ((size_t)c >= PH_NELEM(trend_names))
        return "none";
    return trend_names[c];
}

bool hs_trend_is_hot(enum hs_trend_class c)
{
    return c >= HS_NEW_HOT && c <= HS_HISTORICAL_HOT;
}

/* The class of one sign (want = 1 hot, -1 cold) given that sign's pattern
 * applies; first is HS_NEW_HOT or HS_NEW_COLD, the classes being in the same
 * order for both. */
static enum hs_trend_class classify_sign(const int8_t *sig, size_t n, int want, double trend_z, double trend_p,
                                         double alpha, enum hs_trend_class first)
{
    size_t same = 0, other = 0, run = 0;
    bool last = sig[n - 1] == want;

    for (size_t s = 0; s < n; s++) {
        same += sig[s] == want;
        other += sig[s] == -want;
    }
    for (size_t s = n; s > 0 && sig[s - 1] == want; s--)
        run++;
    /* trend toward this sign: rising z for hot, falling for cold */
    double toward = want > 0 ? trend_z : -trend_z;
    bool trend = trend_p < alpha;

    if (same * 10 >= n * 9) {
        if (!last)
            return first + (HS_HISTORICAL_HOT - HS_NEW_HOT);
        if (trend && toward > 0)
            return first + (HS_INTENSIFYING_HOT - HS_NEW_HOT);
        if (trend && toward < 0)
            return first + (HS_DIMINISHING_HOT - HS_NEW_HOT);
        return first + (HS_PERSISTENT_HOT - HS_NEW_HOT);
    }
    if (!last)
        return HS_NO_PATTERN;
    if (other > 0)
        return first + (HS_OSCILLATING_HOT - HS_NEW_HOT);
    if (same == 1)
        return first;
    if (run == same)
        return first + (HS_CONSECUTIVE_HOT - HS_NEW_HOT);
    return first + (HS_SPORADIC_HOT - HS_NEW_HOT);
}

static enum hs_trend_class classify(const int8_t *sig, size_t n, double trend_z, double trend_p, double alpha)
{
    size_t hot = 0, cold = 0;
    for (size_t s = 0; s < n; s++)
        hot += sig[s] == 1, cold += sig[s] == -1;
    /* A cell significant in 90% of the slices belongs to that sign whatever its
     * last slice; otherwise the last slice decides. */
    if (hot * 10 >= n * 9 || (cold * 10 < n * 9 && sig[n - 1] == 1))
        return classify_sign(sig, n, 1, trend_z, trend_p, alpha, HS_NEW_HOT);
    if (cold * 10 >= n * 9 || sig[n - 1] == -1)
        return classify_sign(sig, n, -1, trend_z, trend_p, alpha, HS_NEW_COLD);
    return HS_NO_PATTERN;
}

struct cube_stats {
    double N, mean, sd;
    bool flat;
};

static double bin_z(const struct cube_stats *cs, double sum, double w)
{
    if (cs->flat)
        return 0;
    double den = cs->sd * sqrt((cs->N * w - w * w) / (cs->N - 1));
    return den > 0 ? (sum - cs->mean * w) / den : 0;
}

ph_err hs_emerging(const struct hs_grid *g, const double *cube, size_t n_slices, const struct hs_emerging_params *p,
                   struct hs_emerging_cell *out)
{
    struct hs_nbrs nb;
    struct cube_stats cs = {0};
    size_t n = g != NULL ? g->n : 0, tn, ring_n;
    double *ring = NULL, *wsp = NULL, *zs = NULL, *zcrit = NULL, *sp = NULL, *zser = NULL;
    int8_t *sig = NULL;
    double lo = HUGE_VAL, hi = -HUGE_VAL, sum = 0, ss = 0;
    ph_err rc = PH_EINVAL;

    memset(&nb, 0, sizeof(nb));
    if (g == NULL || cube == NULL || p == NULL || out == NULL || n_slices < 2 || n_slices > HS_SLICES_MAX)
        return PH_EINVAL;
    if (p->time_neighbours < 0 || p->time_neighbours > HS_TIME_NEIGHBOURS_MAX || (size_t)p->time_neighbours >= n_slices)
        return PH_EINVAL;
    rc = hs_nbrs_build(&nb, g, &p->gi);
    if (rc != PH_OK)
        return rc;
    tn = (size_t)p->time_neighbours;

    /* Pass 0: the cube's mean and standard deviation over the study's bins. */
    for (size_t s = 0; s < n_slices; s++) {
        const double *x = cube + s * n;
        for (size_t c = 0; c < n; c++) {
            if (!hs_grid_in_study(g, c))
                continue;
            if (!isfinite(x[c])) {
                rc = PH_EINVAL;
                goto out;
            }
            sum += x[c];
            lo = fmin(lo, x[c]);
            hi = fmax(hi, x[c]);
        }
    }
    cs.N = (double)g->n_study * (double)n_slices;
    cs.mean = cs.N > 0 ? sum / cs.N : 0;
    for (size_t s = 0; s < n_slices; s++) {
        const double *x = cube + s * n;
        for (size_t c = 0; c < n; c++)
            if (hs_grid_in_study(g, c))
                ss += (x[c] - cs.mean) * (x[c] - cs.mean);
    }
    cs.sd = cs.N > 0 ? sqrt(ss / cs.N) : 0;
    cs.flat = cs.N < 2 || !(hi > lo) || !(cs.sd > 0);

    /* Pass 1, slice by slice: the spatial sums of the last tn + 1 slices in a
     * ring, the space-time z of every cell, the slice's FDR threshold. */
    ring_n = tn + 1;
    ring = xmalloc(ring_n * n * sizeof(*ring));
    wsp = xmalloc(n * sizeof(*wsp));
    zs = xmalloc(n * sizeof(*zs));
    zcrit = xmalloc(n_slices * sizeof(*zcrit));
    for (size_t s = 0; s < n_slices; s++) {
        double *spr = ring + (s % ring_n) * n;
        for (size_t c = 0; c < n; c++) {
            if (hs_grid_in_study(g, c))
                hs_nbrs_sum(g, &nb, cube + s * n, c, &spr[c], &wsp[c]);
        }
        size_t lags = s < tn ? s + 1 : tn + 1;
        for (size_t c = 0; c < n; c++) {
            if (!hs_grid_in_study(g, c)) {
                zs[c] = NAN;
                continue;
            }
            double st = 0;
            for (size_t l = 0; l < lags; l++)
                st += ring[((s - l) % ring_n) * n + c];
            zs[c] = bin_z(&cs, st, wsp[c] * (double)lags);
        }
        zcrit[s] = hs_bh_zcrit(zs, n, p->gi.alpha);
    }
    free(ring);
    ring = NULL;
    free(zs);
    zs = NULL;

    /* Pass 2, cell by cell: the same z series again, then the trend and class. */
    sp = xmalloc(n_slices * sizeof(*sp));
    zser = xmalloc(n_slices * sizeof(*zser));
    sig = xmalloc(n_slices);
    for (size_t c = 0; c < n; c++) {
        struct hs_emerging_cell *e = &out[c];
        double total = 0, w = 0, mk_s;
        for (size_t s = 0; s < n_slices; s++)
            total += cube[s * n + c];
        memset(e, 0, sizeof(*e));
        e->count = (int32_t)fmax(fmin(round(total), INT32_MAX), INT32_MIN);
        e->last_p = e->trend_p = 1;
        if (!hs_grid_in_study(g, c))
            continue;
        for (size_t s = 0; s < n_slices; s++)
            hs_nbrs_sum(g, &nb, cube + s * n, c, &sp[s], &w);
        for (size_t s = 0; s < n_slices; s++) {
            size_t lags = s < tn ? s + 1 : tn + 1;
            double st = 0;
            for (size_t l = 0; l < lags; l++)
                st += sp[s - l];
            zser[s] = bin_z(&cs, st, w * (double)lags);
            sig[s] = fabs(zser[s]) >= zcrit[s] ? (zser[s] > 0 ? 1 : -1) : 0;
            e->hot_slices += sig[s] == 1;
            e->cold_slices += sig[s] == -1;
        }
        e->last_z = zser[n_slices - 1];
        e->last_p = hs_p_two_sided(e->last_z);
        hs_mann_kendall(zser, n_slices, &mk_s, &e->trend_z, &e->trend_p);
        e->trend_class = (uint8_t)classify(sig, n_slices, e->trend_z, e->trend_p, p->gi.alpha);
    }
    rc = PH_OK;
out:
    free(ring);
    free(wsp);
    free(zs);
    free(zcrit);
    free(sp);
    free(zser);
    free(sig);
    hs_nbrs_release(&nb);
    return rc;
}
