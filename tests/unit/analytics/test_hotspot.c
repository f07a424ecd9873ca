/* test_hotspot.c - the hot-spot maths of analytics/: the grid's projection and
 * cells, Gi* against an independent O(n^2) reference written here (plain sums over
 * every pair of cells, distances between centres), Benjamini-Hochberg and
 * Mann-Kendall against hand computations, each emerging class from a constructed
 * cube, the kernel density, and the parameter checks. */
#include "util/base.h"
#include <math.h>
#include <pthread.h>
#include "testutil.h"
#include "analytics/hotspot.h"
#include "analytics/hotspot_int.h"
#include "util/rng.h"

#define TOL 1e-9

/* ---- helpers ------------------------------------------------------------------------ */


static struct hs_grid *grid(enum hs_shape shape, double cell_m, double lon0, double lat0, double lon1, double lat1)
{
    struct hs_grid_spec sp = {.shape = shape, .cell_m = cell_m, .min_lon = lon0, .min_lat = lat0,
                              .max_lon = lon1, .max_lat = lat1};
    struct hs_grid *g = NULL;
    assert_int_equal(hs_grid_new(&sp, &g), PH_OK);
    assert_non_null(g);
    return g;
}

/* Add n incidents to values, each in a cell drawn uniformly (the cells on the
 * grid's rim reach past the extent, so points uniform over the extent would make
 * them look cold). */
static void scatter(const struct hs_grid *g, uint64_t *seed, size_t n, double *values)
{
    size_t cells = hs_grid_cells(g);
    for (size_t i = 0; i < n; i++)
        values[(size_t)(rng_unif(seed) * (double)cells)] += 1;
}

static bool centre_in_extent(const struct hs_grid *g, size_t c)
{
    double lon, lat;
    hs_grid_centre(g, c, &lon, &lat);
    return lon >= g->min_lon && lon <= g->max_lon && lat >= g->min_lat && lat <= g->max_lat;
}

/* ---- the reference: O(n^2) sums, written from the formulas ------------------------ */

static double dist2(const struct hs_grid *g, size_t a, size_t b)
{
    double xa, ya, xb, yb;
    hs_grid_xy(g, a, &xa, &ya);
    hs_grid_xy(g, b, &xb, &yb);
    return (xa - xb) * (xa - xb) + (ya - yb) * (ya - yb);
}

struct nd {
    double d2;
    size_t j;
    double tol;
};

static int cmp_nd(const void *a, const void *b)
{
    const struct nd *x = a, *y = b;
    /* Equal distances on a lattice differ here only by rounding. */
    if (fabs(x->d2 - y->d2) > x->tol)
        return x->d2 < y->d2 ? -1 : 1;
    return (x->j > y->j) - (x->j < y->j);
}

/* w[i * n + j] = 1 when j is a neighbour of i (i itself included). */
static uint8_t *ref_weights(const struct hs_grid *g, const struct hs_gistar_params *p)
{
    size_t n = hs_grid_cells(g);
    uint8_t *w = calloc(n * n, 1);
    struct nd *nd = malloc(n * sizeof(*nd));
    for (size_t i = 0; i < n; i++) {
        if (!hs_grid_in_study(g, i))
            continue;
        w[i * n + i] = 1;
        size_t m = 0;
        for (size_t j = 0; j < n; j++) {
            if (j == i || !hs_grid_in_study(g, j))
                continue;
            double d2 = dist2(g, i, j);
            if (p->weights == HS_DISTANCE_BAND && sqrt(d2) <= p->band_m * (1 + 1e-10))
                w[i * n + j] = 1;
            nd[m++] = (struct nd){d2, j, 1e-6 * g->cell_m * g->cell_m};
        }
        if (p->weights == HS_KNN) {
            qsort(nd, m, sizeof(*nd), cmp_nd);
            for (size_t r = 0; r < m && r < (size_t)p->k; r++)
                w[i * n + nd[r].j] = 1;
        }
    }
    free(nd);
    return w;
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Benjamini-Hochberg the long way: sort all m p-values, find the largest k with
 * p_(k) <= k alpha / m; the threshold is p_(k) (or -1 when none). */
static double ref_bh_threshold(const double *p, size_t m, double alpha)
{
    double *s = malloc((m ? m : 1) * sizeof(*s)), t = -1;
    memcpy(s, p, m * sizeof(*s));
    qsort(s, m, sizeof(*s), cmp_dbl);
    for (size_t k = m; k > 0; k--)
        if (s[k - 1] <= (double)k * alpha / (double)m) {
            t = s[k - 1];
            break;
        }
    free(s);
    return t;
}

/* Gi* of every in-study cell of slice s of a cube (n_slices 1: plain Gi*), with
 * the tn slices before as neighbours; mean and S over the whole cube. */
static void ref_gistar_cube(const struct hs_grid *g, const uint8_t *w, const double *cube, size_t n_slices, size_t tn,
                            size_t s, double *z)
{
    size_t n = hs_grid_cells(g);
    double N = 0, sx = 0, sxx = 0;
    for (size_t t = 0; t < n_slices; t++)
        for (size_t j = 0; j < n; j++)
            if (hs_grid_in_study(g, j))
                N += 1, sx += cube[t * n + j], sxx += cube[t * n + j] * cube[t * n + j];
    double mean = sx / N, S = sqrt(sxx / N - mean * mean);
    for (size_t i = 0; i < n; i++) {
        z[i] = NAN;
        if (!hs_grid_in_study(g, i))
            continue;
        double swx = 0, sw = 0, sw2 = 0;
        for (size_t l = 0; l <= tn && l <= s; l++)
            for (size_t j = 0; j < n; j++) {
                double wij = w[i * n + j];
                swx += wij * cube[(s - l) * n + j];
                sw += wij;
                sw2 += wij * wij;
            }
        z[i] = (swx - mean * sw) / (S * sqrt((N * sw2 - sw * sw) / (N - 1)));
    }
}

/* hs_gistar on g (freed here) against the reference; need_sig: some cell must be
 * significant (a wide band smooths a small grid's clusters away). */
static void check_grid_against_reference(struct hs_grid *g, const struct hs_gistar_params *p, bool masked,
                                         uint64_t seed, bool need_sig)
{
    size_t n = hs_grid_cells(g);
    double *v = calloc(n, sizeof(*v)), *z = calloc(n, sizeof(*z)), *pv = calloc(n, sizeof(*pv));
    double *rz = calloc(n, sizeof(*rz)), *rp = calloc(n, sizeof(*rp));
    int8_t *sig = calloc(n, 1);
    uint8_t *mask = NULL;

    if (masked) {
        mask = calloc(n, 1);
        for (size_t i = 0; i < n; i++)
            mask[i] = rng_unif(&seed) < 0.8;
        assert_int_equal(hs_grid_set_mask(g, mask), PH_OK);
    }
    /* Skewed counts with a few clusters, so that some cells are significant. */
    for (size_t i = 0; i < n; i++)
        v[i] = floor(-log(1 - rng_unif(&seed)) * 3);
    for (int k = 0; k < 3; k++) {
        size_t c = (size_t)(rng_unif(&seed) * (double)n);
        for (size_t i = 0; i < n; i++)
            if (dist2(g, c, i) <= 1000.0 * 1000.0)
                v[i] += 6;
    }
    assert_int_equal(hs_gistar(g, v, p, z, pv, sig), PH_OK);
    uint8_t *w = ref_weights(g, p);
    ref_gistar_cube(g, w, v, 1, 0, 0, rz);
    size_t m = 0, n_sig = 0;
    for (size_t i = 0; i < n; i++)
        if (hs_grid_in_study(g, i))
            rp[m++] = erfc(fabs(rz[i]) / sqrt(2.0));
    double t = ref_bh_threshold(rp, m, p->alpha);
    for (size_t i = 0; i < n; i++) {
        if (!hs_grid_in_study(g, i)) {
            assert_true(z[i] == 0 && pv[i] == 1 && sig[i] == 0);
            continue;
        }
        double p_ref = erfc(fabs(rz[i]) / sqrt(2.0));
        if (fabs(z[i] - rz[i]) > TOL || fabs(pv[i] - p_ref) > TOL)
            fail_msg("cell %zu: z %.15g (reference %.15g), p %.15g (reference %.15g)", i, z[i], rz[i], pv[i],
                     p_ref);
        int want = p_ref <= t ? (rz[i] > 0 ? 1 : -1) : 0;
        assert_int_equal(sig[i], want);
        n_sig += sig[i] != 0;
    }
    if (need_sig)
        assert_true(n_sig > 0); /* the test means something */
    free(w);
    free(v);
    free(z);
    free(pv);
    free(rz);
    free(rp);
    free(sig);
    free(mask);
    hs_grid_free(g);
}

static void check_against_reference(enum hs_shape shape, const struct hs_gistar_params *p, bool masked, uint64_t seed)
{
    struct hs_grid *g = grid(shape, 500, 106.30, 10.10, 106.45, 10.21);
    size_t n = hs_grid_cells(g);

    assert_true(n > 300 && n < 2000);
    check_grid_against_reference(g, p, masked, seed, true);
}

/* Bands of many cells: on hexagons the stencil must reach offsets near 60 and
 * 120 degrees, whose axial |dq| is up to 2 sqrt(norm / 3) (more than the band's
 * cell count from 13 cells on). A 250 m grid ~64 cells wide, bands of 13, 20
 * and 30 cells, and k nearest neighbours at the maximum. */
static void test_hotspot_gistar_wide_band(void **state)
{
    (void)state;
    static const double cells[] = {13, 20, 30};
    for (int shape = HS_SQUARE; shape <= HS_HEXAGON; shape++) {
        for (size_t i = 0; i < PH_NELEM(cells); i++) {
            struct hs_gistar_params band = {.weights = HS_DISTANCE_BAND, .band_m = cells[i] * 250, .alpha = 0.05};
            struct hs_grid *g = grid((enum hs_shape)shape, 250, 106.30, 10.10, 106.45, 10.21);
            assert_true(hs_grid_cells(g) > 3000);
            check_grid_against_reference(g, &band, false, 21 + i, false);
        }
        struct hs_gistar_params knn = {.weights = HS_KNN, .k = HS_KNN_MAX, .alpha = 0.05};
        check_grid_against_reference(grid((enum hs_shape)shape, 250, 106.30, 10.10, 106.45, 10.21), &knn, true,
                                     31, false);
    }
}

static void test_hotspot_gistar_reference(void **state)
{
    (void)state;
    struct hs_gistar_params band = {.weights = HS_DISTANCE_BAND, .band_m = 1000, .alpha = 0.05};
    struct hs_gistar_params band2 = {.weights = HS_DISTANCE_BAND, .band_m = 1750, .alpha = 0.05};
    struct hs_gistar_params knn = {.weights = HS_KNN, .k = 8, .alpha = 0.05};
    struct hs_gistar_params knn2 = {.weights = HS_KNN, .k = 13, .alpha = 0.1};
    for (int masked = 0; masked < 2; masked++) {
        for (int shape = HS_SQUARE; shape <= HS_HEXAGON; shape++) {
            check_against_reference((enum hs_shape)shape, &band, masked, 11 + (uint64_t)masked);
            check_against_reference((enum hs_shape)shape, &band2, masked, 12);
            check_against_reference((enum hs_shape)shape, &knn, masked, 13);
            check_against_reference((enum hs_shape)shape, &knn2, masked, 14);
        }
    }
}

/* ---- constructed data ------------------------------------------------------------ */

static void test_hotspot_planted_cluster(void **state)
{
    (void)state;
    for (int shape = HS_SQUARE; shape <= HS_HEXAGON; shape++) {
        struct hs_grid *g = grid((enum hs_shape)shape, 250, 106.0, 10.0, 106.1, 10.08);
        size_t n = hs_grid_cells(g);
        double *v = calloc(n, sizeof(*v)), *z = calloc(n, sizeof(*z)), *pv = calloc(n, sizeof(*pv));
        int8_t *sig = calloc(n, 1);
        uint64_t seed = 42;
        struct hs_gistar_params p = {.weights = HS_DISTANCE_BAND, .band_m = 500, .alpha = 0.05};

        scatter(g, &seed, 10 * n, v);
        /* 120 more incidents within 300 m of a point */
        int64_t centre = hs_grid_cell_of(g, 106.05, 10.04);
        double cx, cy;
        hs_grid_xy(g, (size_t)centre, &cx, &cy);
        for (int i = 0; i < 120; i++) {
            int64_t c = hs_grid_cell_of(g, 106.05 + (rng_unif(&seed) - 0.5) * 0.005, 10.04 + (rng_unif(&seed) - 0.5) * 0.005);
            v[c] += 1;
        }
        assert_int_equal(hs_gistar(g, v, &p, z, pv, sig), PH_OK);
        assert_int_equal(sig[centre], 1);
        assert_true(z[centre] > 5);
        for (size_t i = 0; i < n; i++) {
            double x, y;
            hs_grid_xy(g, i, &x, &y);
            if (sig[i] != 0 && hypot(x - cx, y - cy) > 1200)
                fail_msg("cell %zu, %.0f m from the cluster, is significant (z %.2f)", i, hypot(x - cx, y - cy),
                         z[i]);
        }
        free(v);
        free(z);
        free(pv);
        free(sig);
        hs_grid_free(g);
    }
}

static void test_hotspot_noise_not_significant(void **state)
{
    (void)state;
    struct hs_grid *g = grid(HS_SQUARE, 250, 106.0, 10.0, 106.1, 10.08);
    size_t n = hs_grid_cells(g), seeds_with_alarm = 0, raw_05 = 0;
    double *v = calloc(n, sizeof(*v)), *z = calloc(n, sizeof(*z)), *pv = calloc(n, sizeof(*pv));
    int8_t *sig = calloc(n, 1);
    struct hs_gistar_params p = {.weights = HS_DISTANCE_BAND, .band_m = 500, .alpha = 0.05};

    for (uint64_t seed = 1; seed <= 10; seed++) {
        uint64_t s = seed * 7919;
        memset(v, 0, n * sizeof(*v));
        scatter(g, &s, 8 * n, v);
        assert_int_equal(hs_gistar(g, v, &p, z, pv, sig), PH_OK);
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            k += sig[i] != 0;
            raw_05 += pv[i] < 0.05;
        }
        seeds_with_alarm += k > 0;
    }
    /* Uncorrected, about 5% of the cells would be "hot or cold"; after FDR the
     * chance of any alarm on pure noise is at most about alpha per map. */
    assert_true(raw_05 > n / 4);
    assert_int_equal(seeds_with_alarm, 0);
    free(v);
    free(z);
    free(pv);
    free(sig);
    hs_grid_free(g);
}

static void test_hotspot_flat_values(void **state)
{
    (void)state;
    struct hs_grid *g = grid(HS_HEXAGON, 500, 106.0, 10.0, 106.1, 10.08);
    size_t n = hs_grid_cells(g);
    double *v = calloc(n, sizeof(*v)), *z = calloc(n, sizeof(*z)), *pv = calloc(n, sizeof(*pv));
    int8_t *sig = calloc(n, 1);
    struct hs_gistar_params p = {.weights = HS_KNN, .k = 6, .alpha = 0.05};
    for (size_t i = 0; i < n; i++)
        v[i] = 0.1;
    assert_int_equal(hs_gistar(g, v, &p, z, pv, sig), PH_OK);
    for (size_t i = 0; i < n; i++)
        assert_true(z[i] == 0 && pv[i] == 1 && sig[i] == 0);
    free(v);
    free(z);
    free(pv);
    free(sig);
    hs_grid_free(g);
}

/* ---- Benjamini-Hochberg --------------------------------------------------------- */

static void test_hotspot_fdr_bh(void **state)
{
    (void)state;
    /* m = 5, alpha 0.05, thresholds k alpha / m = 0.01 0.02 0.03 0.04 0.05.
     * Sorted: 0.005 <= 0.01 yes, 0.01 <= 0.02 yes, 0.03 <= 0.03 yes,
     * 0.04 <= 0.04 yes, 0.2 <= 0.05 no: k = 4, the four smallest rejected. */
    const double p1[] = {0.01, 0.04, 0.03, 0.005, 0.2};
    const bool want1[] = {true, true, true, true, false};
    /* m = 5 with a NaN (counted as 1), thresholds as above. Sorted: 0.001 <= 0.01
     * yes, 0.025 <= 0.02 no, 0.029 <= 0.03 yes (step-up: k = 3, so 0.025 is rejected
     * too), 0.5 no, NaN no. */
    const double p2[] = {0.5, 0.029, NAN, 0.001, 0.025};
    const bool want2[] = {false, true, false, true, true};
    /* Nothing small enough: 0.02 > 0.01, 0.03 > 0.02, 0.04 > 0.03 ... */
    const double p3[] = {0.02, 0.03, 0.045, 0.049, 0.9};
    bool sig[5];

    hs_fdr_bh(p1, 5, 0.05, sig);
    for (int i = 0; i < 5; i++)
        assert_int_equal(sig[i], want1[i]);
    hs_fdr_bh(p2, 5, 0.05, sig);
    for (int i = 0; i < 5; i++)
        assert_int_equal(sig[i], want2[i]);
    hs_fdr_bh(p3, 5, 0.05, sig);
    for (int i = 0; i < 5; i++)
        assert_false(sig[i]);
    hs_fdr_bh(p1, 0, 0.05, sig);
}

/* ---- Mann-Kendall ---------------------------------------------------------------- */

static void test_hotspot_mann_kendall(void **state)
{
    (void)state;
    static const struct {
        double x[6];
        size_t n;
        double s, z, p;
    } cases[] = {
        /* 1 2 3 4 5: all 10 pairs rise, S = 10. Var = 5*4*15/18 = 16.6667;
         * z = (10 - 1)/sqrt(16.6667) = 2.204541; p = 2(1 - Phi(2.204541)) = 0.027486. */
        {{1, 2, 3, 4, 5}, 5, 10, 2.2045407685048604, 0.027486336111510353},
        /* 1 2 2 3: pairs 1<2, 1<2, 1<3, 2=2, 2<3, 2<3: S = 5. Var = (4*3*13 - 2*1*9)/18
         * = (156 - 18)/18 = 7.6667 (one tie group of 2); z = 4/sqrt(7.6667) = 1.444630,
         * p = 0.148562. */
        {{1, 2, 2, 3}, 4, 5, 1.4446302370292303, 0.1485617748918687},
        /* 5 4 4 4 1: 5>4 x3, 5>1, 4=4 x3, 4>1 x3: S = -7. Var = (300 - 3*2*11)/18
         * = 234/18 = 13; z = (-7 + 1)/sqrt(13) = -1.664101, p = 0.096092. */
        {{5, 4, 4, 4, 1}, 5, -7, -1.6641005886756874, 0.0960923294556733},
        /* 3 1 2: 3>1, 3>2, 1<2: S = -1; continuity correction: z = 0, p = 1. */
        {{3, 1, 2}, 3, -1, 0, 1},
        /* 2 2 2 2: all tied, Var = (4*3*13 - 4*3*13)/18 = 0: z = 0, p = 1. */
        {{2, 2, 2, 2}, 4, 0, 0, 1},
        /* Two points: S = 1 but n < 3 gives z = 0, p = 1. */
        {{1, 2}, 2, 1, 0, 1},
        /* 6 5 4 3 2 1: S = -15, Var = 6*5*17/18 = 28.3333, z = -14/5.322906 = -2.630142,
         * p = 0.008535. */
        {{6, 5, 4, 3, 2, 1}, 6, -15, -2.630142022557628, 0.00853492041422708},
    };
    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        double s, z, p;
        hs_mann_kendall(cases[i].x, cases[i].n, &s, &z, &p);
        if (s != cases[i].s || fabs(z - cases[i].z) > 1e-6 || fabs(p - cases[i].p) > 1e-6)
            fail_msg("case %zu: S %g z %.10g p %.10g, want %g %.10g %.10g", i, s, z, p, cases[i].s, cases[i].z,
                     cases[i].p);
    }
}

/* ---- emerging hot spots ---------------------------------------------------------- */

#define SLICES 20
#define BG 10.0
#define HOT 30.0
#define COLD 0.0

/* The value of a 5 x 5 block in slice s for each class (background 10). */
static double pattern(enum hs_trend_class c, int s)
{
    const int last = SLICES - 1;
    switch (c) {
    case HS_NEW_HOT: return s == last ? HOT : BG;
    case HS_CONSECUTIVE_HOT: return s >= last - 2 ? HOT : BG;
    case HS_INTENSIFYING_HOT: return 20.0 + s;
    case HS_PERSISTENT_HOT: return HOT;
    case HS_DIMINISHING_HOT: return 39.0 - s;
    case HS_SPORADIC_HOT: return s == 3 || s == 9 || s == last ? HOT : BG;
    case HS_OSCILLATING_HOT: return s == 5 ? COLD : s == last ? HOT : BG;
    case HS_HISTORICAL_HOT: return s == last ? BG : HOT;
    case HS_NEW_COLD: return s == last ? COLD : BG;
    case HS_CONSECUTIVE_COLD: return s >= last - 2 ? COLD : BG;
    case HS_INTENSIFYING_COLD: return 3.8 - 0.2 * s;
    case HS_PERSISTENT_COLD: return COLD;
    case HS_DIMINISHING_COLD: return 0.2 * s;
    case HS_SPORADIC_COLD: return s == 3 || s == 9 || s == last ? COLD : BG;
    case HS_OSCILLATING_COLD: return s == 5 ? HOT : s == last ? COLD : BG;
    case HS_HISTORICAL_COLD: return s == last ? BG : COLD;
    default: return BG;
    }
}

static void test_hotspot_emerging_classes(void **state)
{
    (void)state;
    /* 100 m squares, about 40 x 40; a 150 m band is the 3 x 3 block around a cell. */
    struct hs_grid *g = grid(HS_SQUARE, 100, 106.0, 10.0, 106.0365, 10.0355);
    size_t n = hs_grid_cells(g);
    double *cube = calloc(n * SLICES, sizeof(*cube));
    struct hs_emerging_cell *out = calloc(n, sizeof(*out));
    struct hs_emerging_params p = {.gi = {.weights = HS_DISTANCE_BAND, .band_m = 150, .alpha = 0.05},
                                   .time_neighbours = 0};
    size_t centre[HS_HISTORICAL_COLD + 1];

    assert_true(g->nx >= 40 && g->ny >= 40);
    for (size_t i = 0; i < n * SLICES; i++)
        cube[i] = BG;
    for (int c = HS_NEW_HOT; c <= HS_HISTORICAL_COLD; c++) {
        int64_t bc = 5 + 10 * ((c - 1) % 4), br = 5 + 10 * ((c - 1) / 4);
        centre[c] = (size_t)(br * g->nx + bc);
        for (int s = 0; s < SLICES; s++)
            for (int64_t r = br - 2; r <= br + 2; r++)
                for (int64_t col = bc - 2; col <= bc + 2; col++)
                    cube[(size_t)s * n + (size_t)(r * g->nx + col)] = pattern((enum hs_trend_class)c, s);
    }
    assert_int_equal(hs_emerging(g, cube, SLICES, &p, out), PH_OK);
    for (int c = HS_NEW_HOT; c <= HS_HISTORICAL_COLD; c++) {
        const struct hs_emerging_cell *e = &out[centre[c]];
        if (e->trend_class != c)
            fail_msg("block %s came out %s (hot %u cold %u, trend z %.2f p %.3g, last z %.2f)",
                     hs_trend_name((enum hs_trend_class)c), hs_trend_name((enum hs_trend_class)e->trend_class),
                     e->hot_slices, e->cold_slices, e->trend_z, e->trend_p, e->last_z);
        assert_int_equal(hs_trend_is_hot((enum hs_trend_class)c), c <= HS_HISTORICAL_HOT);
    }
    /* A background cell far from every block: no pattern; its count is 20 x 10. */
    size_t bgc = (size_t)(g->ny - 1) * (size_t)g->nx + (size_t)g->nx - 1;
    assert_int_equal(out[bgc].trend_class, HS_NO_PATTERN);
    assert_int_equal(out[bgc].count, 200);
    assert_int_equal(out[centre[HS_PERSISTENT_HOT]].hot_slices, SLICES);
    assert_int_equal(out[centre[HS_OSCILLATING_COLD]].hot_slices, 1);
    assert_int_equal(out[centre[HS_OSCILLATING_COLD]].cold_slices, 1);
    assert_string_equal(hs_trend_name(HS_NO_PATTERN), "none");
    assert_string_equal(hs_trend_name(HS_INTENSIFYING_COLD), "intensifying_cold");
    assert_string_equal(hs_trend_name(HS_NEW_HOT), "new_hot");
    free(cube);
    free(out);
    hs_grid_free(g);
}

/* The space-time z-scores and per-slice significance against the reference. */
static void test_hotspot_emerging_reference(void **state)
{
    (void)state;
    for (int shape = HS_SQUARE; shape <= HS_HEXAGON; shape++) {
        struct hs_grid *g = grid((enum hs_shape)shape, 500, 106.30, 10.10, 106.40, 10.17);
        size_t n = hs_grid_cells(g), ns = 6;
        double *cube = calloc(n * ns, sizeof(*cube)), *rz = calloc(n, sizeof(*rz)), *rp = calloc(n, sizeof(*rp));
        struct hs_emerging_cell *out = calloc(n, sizeof(*out));
        uint64_t seed = 99 + (uint64_t)shape;
        uint8_t *mask = calloc(n, 1);
        unsigned *hot = calloc(n, sizeof(*hot)), *cold = calloc(n, sizeof(*cold));
        struct hs_emerging_params p = {.gi = {.weights = HS_DISTANCE_BAND, .band_m = 1000, .alpha = 0.05},
                                       .time_neighbours = 2};

        for (size_t i = 0; i < n; i++)
            mask[i] = rng_unif(&seed) < 0.9;
        assert_int_equal(hs_grid_set_mask(g, mask), PH_OK);
        size_t grow = (size_t)(rng_unif(&seed) * (double)n);
        for (size_t s = 0; s < ns; s++)
            for (size_t i = 0; i < n; i++)
                cube[s * n + i] = floor(-log(1 - rng_unif(&seed)) * 2) + (dist2(g, grow, i) < 1e6 ? (double)s * 2 : 0);
        for (int k = 0; k < 2; k++) {
            p.gi.weights = k ? HS_KNN : HS_DISTANCE_BAND;
            p.gi.k = 6;
            assert_int_equal(hs_emerging(g, cube, ns, &p, out), PH_OK);
            uint8_t *w = ref_weights(g, &p.gi);
            memset(hot, 0, n * sizeof(*hot));
            memset(cold, 0, n * sizeof(*cold));
            for (size_t s = 0; s < ns; s++) {
                ref_gistar_cube(g, w, cube, ns, 2, s, rz);
                size_t m = 0;
                for (size_t i = 0; i < n; i++)
                    if (hs_grid_in_study(g, i))
                        rp[m++] = erfc(fabs(rz[i]) / sqrt(2.0));
                double t = ref_bh_threshold(rp, m, p.gi.alpha);
                for (size_t i = 0; i < n; i++) {
                    if (!hs_grid_in_study(g, i))
                        continue;
                    if (erfc(fabs(rz[i]) / sqrt(2.0)) <= t)
                        rz[i] > 0 ? hot[i]++ : cold[i]++;
                    if (s == ns - 1 && fabs(out[i].last_z - rz[i]) > TOL)
                        fail_msg("cell %zu: last z %.15g, reference %.15g", i, out[i].last_z, rz[i]);
                }
            }
            size_t any = 0;
            for (size_t i = 0; i < n; i++) {
                assert_int_equal(out[i].hot_slices, hot[i]);
                assert_int_equal(out[i].cold_slices, cold[i]);
                any += hot[i];
                if (!hs_grid_in_study(g, i))
                    assert_int_equal(out[i].trend_class, HS_NO_PATTERN);
            }
            assert_true(any > 0);
            free(w);
        }
        free(cube);
        free(rz);
        free(rp);
        free(out);
        free(mask);
        free(hot);
        free(cold);
        hs_grid_free(g);
    }
}

/* ---- kernel density -------------------------------------------------------------- */

static void test_hotspot_density(void **state)
{
    (void)state;
    for (int shape = HS_SQUARE; shape <= HS_HEXAGON; shape++) {
        struct hs_grid *g = grid((enum hs_shape)shape, 100, 106.0, 10.0, 106.06, 10.05);
        size_t n = hs_grid_cells(g);
        double *v = calloc(n, sizeof(*v)), *d = calloc(n, sizeof(*d)), total = 0, mass = 0;
        uint64_t seed = 5;
        int64_t peak = hs_grid_cell_of(g, 106.03, 10.025);

        for (int i = 0; i < 500; i++) {
            int64_t c = hs_grid_cell_of(g, 106.03 + (rng_unif(&seed) - 0.5) * 0.004, 10.025 + (rng_unif(&seed) - 0.5) * 0.004);
            v[c] += 1;
        }
        v[peak] += 100;
        for (size_t i = 0; i < n; i++)
            total += v[i];
        assert_int_equal(hs_density(g, v, 600, d), PH_OK);
        double area_km2 = shape == HS_SQUARE ? 0.01 : 0.01 * sqrt(3.0) / 2;
        size_t best = 0;
        for (size_t i = 0; i < n; i++) {
            mass += d[i] * area_km2;
            if (d[i] > d[best])
                best = i;
        }
        if (fabs(mass - total) > 0.01 * total)
            fail_msg("density integrates to %.3f, total %.0f", mass, total);
        assert_int_equal(best, peak);
        free(v);
        free(d);
        hs_grid_free(g);
    }
}

/* The kernel density against the formula summed over every pair of cells, with
 * bandwidths up to the largest (HS_BAND_CELLS_MAX cells): on hexagons too every
 * cell within the bandwidth must count. */
static void test_hotspot_density_reference(void **state)
{
    (void)state;
    static const double bands[] = {7, 16, 25};
    for (int shape = HS_SQUARE; shape <= HS_HEXAGON; shape++) {
        struct hs_grid *g = grid((enum hs_shape)shape, 300, 106.30, 10.10, 106.45, 10.21);
        size_t n = hs_grid_cells(g);
        double *v = calloc(n, sizeof(*v)), *d = calloc(n, sizeof(*d));
        uint64_t seed = 41;
        for (size_t i = 0; i < n; i++)
            v[i] = floor(-log(1 - rng_unif(&seed)) * 2);
        for (size_t b = 0; b < PH_NELEM(bands); b++) {
            double h = bands[b] * 300, h_km = h / 1000;
            assert_int_equal(hs_density(g, v, h, d), PH_OK);
            for (size_t i = 0; i < n; i++) {
                double ref = 0;
                for (size_t j = 0; j < n; j++) {
                    double u = dist2(g, i, j) / (h * h);
                    if (u < 1 - 1e-9)
                        ref += 3.0 / (M_PI * h_km * h_km) * (1 - u) * (1 - u) * v[j];
                }
                if (fabs(d[i] - ref) > 1e-9 * fmax(1, fabs(ref)))
                    fail_msg("shape %d band %g cell %zu: density %.15g, reference %.15g", shape, bands[b], i, d[i],
                             ref);
            }
        }
        free(v);
        free(d);
        hs_grid_free(g);
    }
}

/* ---- the projection and the cells ------------------------------------------------ */

/* Distance in metres between two nearby WGS84 points: the ellipsoid's meridian and
 * prime-vertical radii of curvature at the mean latitude (good to 1e-7 over a km). */
static double ground_m(double lon1, double lat1, double lon2, double lat2)
{
    const double a = 6378137.0, f = 1 / 298.257223563, e2 = f * (2 - f), deg = M_PI / 180;
    double phi = (lat1 + lat2) / 2 * deg, s2 = sin(phi) * sin(phi);
    double M = a * (1 - e2) / pow(1 - e2 * s2, 1.5), N = a / sqrt(1 - e2 * s2);
    double dn = (lat2 - lat1) * deg * M, de = (lon2 - lon1) * deg * N * cos(phi);
    return sqrt(dn * dn + de * de);
}

static bool in_ring(double ring[HS_RING_MAX][2], size_t n, double lon, double lat)
{
    bool in = false;
    for (size_t i = 0, j = n - 2; i < n - 1; j = i++) {
        if ((ring[i][1] > lat) != (ring[j][1] > lat) &&
            lon < (ring[j][0] - ring[i][0]) * (lat - ring[i][1]) / (ring[j][1] - ring[i][1]) + ring[i][0])
            in = !in;
    }
    return in;
}

/* Distance in degrees from a point to the ring's edges (planar, for tiny cells). */
static double ring_gap(double ring[HS_RING_MAX][2], size_t n, double lon, double lat)
{
    double best = HUGE_VAL;
    for (size_t i = 0; i + 1 < n; i++) {
        double ax = ring[i][0], ay = ring[i][1], bx = ring[i + 1][0], by = ring[i + 1][1];
        double t = ((lon - ax) * (bx - ax) + (lat - ay) * (by - ay)) / ((bx - ax) * (bx - ax) + (by - ay) * (by - ay));
        t = fmax(0, fmin(1, t));
        best = fmin(best, hypot(lon - (ax + t * (bx - ax)), lat - (ay + t * (by - ay))));
    }
    return best;
}

static void test_hotspot_projection(void **state)
{
    (void)state;
    /* Bến Tre: a 250 m square is 250 m a side on the ground, at the centre to a few
     * millimetres and at the edge of the extent (55 km off the central meridian,
     * tmerc scale 1.00004) to 0.1%. */
    struct hs_grid *g = grid(HS_SQUARE, 250, 105.9, 9.75, 106.9, 10.35);
    double ring[HS_RING_MAX][2], lon, lat;
    int64_t mid = hs_grid_cell_of(g, 106.4, 10.05);
    assert_true(mid >= 0);
    assert_int_equal(hs_grid_ring(g, (size_t)mid, ring), 5);
    assert_true(ring[4][0] == ring[0][0] && ring[4][1] == ring[0][1]);
    for (int i = 0; i < 4; i++) {
        double d = ground_m(ring[i][0], ring[i][1], ring[i + 1][0], ring[i + 1][1]);
        if (fabs(d - 250) > 0.01)
            fail_msg("side %d of the centre cell is %.4f m", i, d);
    }
    int64_t edge = hs_grid_cell_of(g, 105.91, 9.76);
    assert_true(edge >= 0);
    hs_grid_ring(g, (size_t)edge, ring);
    for (int i = 0; i < 4; i++)
        assert_true(fabs(ground_m(ring[i][0], ring[i][1], ring[i + 1][0], ring[i + 1][1]) - 250) < 0.25);
    /* The grid covers the extent: ~110 km x 66 km in 250 m cells. */
    assert_true(hs_grid_cells(g) > 100000 && hs_grid_cells(g) < 130000);
    /* Outside the extent, or not a number: -1. */
    assert_int_equal(hs_grid_cell_of(g, 105.89, 10.0), -1);
    assert_int_equal(hs_grid_cell_of(g, 106.0, 10.36), -1);
    assert_int_equal(hs_grid_cell_of(g, NAN, 10.0), -1);
    hs_grid_free(g);

    for (int shape = HS_SQUARE; shape <= HS_HEXAGON; shape++) {
        g = grid((enum hs_shape)shape, 300, 106.2, 10.0, 106.3, 10.1);
        uint64_t seed = 3;
        size_t n = 2000, far = 0;
        double *lons = malloc(n * sizeof(*lons)), *lats = malloc(n * sizeof(*lats));
        int64_t *cells = malloc(n * sizeof(*cells));
        for (size_t i = 0; i < n; i++) {
            lons[i] = 106.2 + rng_unif(&seed) * 0.1;
            lats[i] = 10.0 + rng_unif(&seed) * 0.1;
        }
        hs_grid_cells_of(g, lons, lats, n, cells);
        for (size_t i = 0; i < n; i++) {
            assert_true(cells[i] >= 0);
            assert_int_equal(cells[i], hs_grid_cell_of(g, lons[i], lats[i]));
            size_t k = hs_grid_ring(g, (size_t)cells[i], ring);
            assert_int_equal(k, shape == HS_SQUARE ? 5 : 7);
            /* Inside its cell's ring; a point within a centimetre of an edge may fall
             * either side (the ring's edges are straight in degrees). */
            if (!in_ring(ring, k, lons[i], lats[i]) && ring_gap(ring, k, lons[i], lats[i]) > 1e-7)
                far++;
            /* and a cell's centre is in that cell (when in the extent) */
            hs_grid_centre(g, (size_t)cells[i], &lon, &lat);
            if (centre_in_extent(g, (size_t)cells[i]))
                assert_int_equal(hs_grid_cell_of(g, lon, lat), cells[i]);
        }
        assert_int_equal(far, 0);
        if (shape == HS_HEXAGON) {
            /* Neighbouring centres are cell_m apart: east, and north-east. */
            size_t c = (size_t)hs_grid_cell_of(g, 106.25, 10.05);
            double lon2, lat2;
            hs_grid_centre(g, c, &lon, &lat);
            hs_grid_centre(g, c + 1, &lon2, &lat2);
            assert_true(fabs(ground_m(lon, lat, lon2, lat2) - 300) < 0.02);
            hs_grid_centre(g, c + (size_t)g->nx, &lon2, &lat2);
            assert_true(fabs(ground_m(lon, lat, lon2, lat2) - 300) < 0.02);
            hs_grid_ring(g, c, ring);
            /* flat-to-flat 300 m: the side is 300 / sqrt(3) */
            assert_true(fabs(ground_m(ring[0][0], ring[0][1], ring[1][0], ring[1][1]) - 300 / sqrt(3.0)) < 0.02);
        }
        free(lons);
        free(lats);
        free(cells);
        hs_grid_free(g);
    }
}

struct reader {
    const struct hs_grid *g;
    int id;
    size_t wrong;
};

static void *read_cells(void *arg)
{
    struct reader *r = arg;
    uint64_t seed = (uint64_t)r->id;
    for (int i = 0; i < 3000; i++) {
        double lon = 106.2 + rng_unif(&seed) * 0.1, lat = 10.0 + rng_unif(&seed) * 0.1, clon, clat;
        int64_t c = hs_grid_cell_of(r->g, lon, lat);
        if (c < 0) {
            r->wrong++;
            continue;
        }
        hs_grid_centre(r->g, (size_t)c, &clon, &clat);
        if (centre_in_extent(r->g, (size_t)c) && hs_grid_cell_of(r->g, clon, clat) != c)
            r->wrong++;
    }
    return NULL;
}

/* More readers than the grid has PJ slots, all at once. */
static void test_hotspot_concurrent_readers(void **state)
{
    (void)state;
    struct hs_grid *g = grid(HS_HEXAGON, 200, 106.2, 10.0, 106.3, 10.1);
    pthread_t t[HS_PJ_SLOTS + 3];
    struct reader r[HS_PJ_SLOTS + 3];
    for (int i = 0; i < (int)PH_NELEM(t); i++) {
        r[i] = (struct reader){g, i + 1, 0};
        assert_int_equal(pthread_create(&t[i], NULL, read_cells, &r[i]), 0);
    }
    size_t wrong = 0;
    for (int i = 0; i < (int)PH_NELEM(t); i++) {
        pthread_join(t[i], NULL);
        wrong += r[i].wrong;
    }
    assert_int_equal(wrong, 0);
    hs_grid_free(g);
}

/* ---- parameters ------------------------------------------------------------------ */

static void test_hotspot_bad_parameters(void **state)
{
    (void)state;
    static const struct hs_grid_spec bad[] = {
        {HS_SQUARE, 49, 106, 10, 106.1, 10.1},
        {HS_SQUARE, 50001, 106, 10, 106.1, 10.1},
        {HS_SQUARE, 250, 106.1, 10, 106, 10.1},
        {HS_SQUARE, 250, 106, 10.1, 106.1, 10.1},
        {HS_SQUARE, NAN, 106, 10, 106.1, 10.1},
        {HS_SQUARE, 250, 106, NAN, 106.1, 10.1},
        {HS_SQUARE, 250, -181, 10, 106.1, 10.1},
        {HS_SQUARE, 50, 100, 5, 110, 15}, /* far over HS_CELLS_MAX */
        {(enum hs_shape)7, 250, 106, 10, 106.1, 10.1},
    };
    struct hs_grid *g = NULL;
    for (size_t i = 0; i < PH_NELEM(bad); i++) {
        assert_int_equal(hs_grid_new(&bad[i], &g), PH_EINVAL);
        assert_null(g);
    }
    g = grid(HS_SQUARE, 250, 106.0, 10.0, 106.1, 10.1);
    size_t n = hs_grid_cells(g);
    double *v = calloc(n * 3, sizeof(*v)), *z = calloc(n, sizeof(*z)), *pv = calloc(n, sizeof(*pv));
    int8_t *sig = calloc(n, 1);
    struct hs_emerging_cell *out = calloc(n, sizeof(*out));
    static const struct hs_gistar_params badp[] = {
        {HS_DISTANCE_BAND, 249, 0, 0.05},   {HS_DISTANCE_BAND, 12501, 0, 0.05}, {HS_DISTANCE_BAND, 1000, 0, 0},
        {HS_DISTANCE_BAND, 1000, 0, 1},     {HS_DISTANCE_BAND, NAN, 0, 0.05},   {HS_KNN, 0, 0, 0.05},
        {HS_KNN, 0, HS_KNN_MAX + 1, 0.05}, {(enum hs_weights)3, 1000, 8, 0.05},
    };
    for (size_t i = 0; i < PH_NELEM(badp); i++) {
        assert_int_equal(hs_gistar(g, v, &badp[i], z, pv, sig), PH_EINVAL);
        struct hs_emerging_params ep = {.gi = badp[i], .time_neighbours = 1};
        assert_int_equal(hs_emerging(g, v, 3, &ep, out), PH_EINVAL);
    }
    struct hs_emerging_params ep = {.gi = {HS_DISTANCE_BAND, 500, 0, 0.05}, .time_neighbours = 1};
    assert_int_equal(hs_emerging(g, v, 1, &ep, out), PH_EINVAL);
    assert_int_equal(hs_emerging(g, v, HS_SLICES_MAX + 1, &ep, out), PH_EINVAL);
    ep.time_neighbours = 3;
    assert_int_equal(hs_emerging(g, v, 3, &ep, out), PH_EINVAL);
    ep.time_neighbours = -1;
    assert_int_equal(hs_emerging(g, v, 3, &ep, out), PH_EINVAL);
    ep.time_neighbours = 2;
    assert_int_equal(hs_emerging(g, v, 3, &ep, out), PH_OK);
    v[5] = NAN;
    assert_int_equal(hs_gistar(g, v, &ep.gi, z, pv, sig), PH_EINVAL);
    v[5] = 0;
    assert_int_equal(hs_density(g, v, 249, z), PH_EINVAL);
    assert_int_equal(hs_density(g, v, 12501, z), PH_EINVAL);
    assert_int_equal(hs_density(g, v, 500, z), PH_OK);
    free(v);
    free(z);
    free(pv);
    free(sig);
    free(out);
    hs_grid_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hotspot_gistar_reference),  cmocka_unit_test(test_hotspot_gistar_wide_band),
        cmocka_unit_test(test_hotspot_density_reference),  cmocka_unit_test(test_hotspot_planted_cluster),
        cmocka_unit_test(test_hotspot_noise_not_significant), cmocka_unit_test(test_hotspot_flat_values),
        cmocka_unit_test(test_hotspot_fdr_bh),            cmocka_unit_test(test_hotspot_mann_kendall),
        cmocka_unit_test(test_hotspot_emerging_classes),  cmocka_unit_test(test_hotspot_emerging_reference),
        cmocka_unit_test(test_hotspot_density),           cmocka_unit_test(test_hotspot_projection),
        cmocka_unit_test(test_hotspot_concurrent_readers), cmocka_unit_test(test_hotspot_bad_parameters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
