/* density.c - kernel density at the cell centres for the map's heat layer: each
 * cell's value sits at its centre and spreads by the quartic (biweight) kernel
 *
 *   K(d) = 3 / (pi h^2) (1 - d^2 / h^2)^2   for d < h, else 0
 *
 * (Silverman 1986, the kernel of ArcGIS's Kernel Density), h the bandwidth in
 * kilometres so that the density is in value per square kilometre. The kernel
 * integrates to 1, so summing density x cell area over the grid gives back the
 * total, less what spills over the grid's edge. On a regular grid the kernel is a
 * stencil of weights, the same for every cell. Cells outside the study neither
 * give nor receive density. */
#include "util/base.h"
#include <math.h>
#include "analytics/hotspot.h"
#include "analytics/hotspot_int.h"
#include "util/mem.h"

ph_err hs_density(const struct hs_grid *g, const double *values, double bandwidth_m, double *density)
{
    struct hs_stencil st;

    if (g == NULL || values == NULL || density == NULL)
        return PH_EINVAL;
    if (!(bandwidth_m >= g->cell_m && bandwidth_m <= HS_BAND_CELLS_MAX * g->cell_m))
        return PH_EINVAL;
    for (size_t c = 0; c < g->n; c++)
        if (hs_grid_in_study(g, c) && !isfinite(values[c]))
            return PH_EINVAL;
    /* Offsets strictly inside the bandwidth (K is 0 on its rim). */
    hs_stencil_build(&st, g, hs_norm_within(g, bandwidth_m));
    double h_km = bandwidth_m / 1000.0, unit_km = g->cell_m / 1000.0;
    st.w = xmalloc(st.n * sizeof(*st.w));
    for (size_t o = 0; o < st.n; o++) {
        double u = (double)st.norm[o] * unit_km * unit_km / (h_km * h_km);
        st.w[o] = u < 1 ? 3.0 / (M_PI * h_km * h_km) * (1 - u) * (1 - u) : 0;
    }
    /* The density is a weighted sum over the same neighbours as a band: the
     * kernel is symmetric, so gathering at c equals scattering from c. */
    for (size_t c = 0; c < g->n; c++) {
        double d = 0;
        if (hs_grid_in_study(g, c)) {
            int64_t row = (int64_t)c / g->nx, col = (int64_t)c % g->nx;
            for (size_t o = 0; o < st.n; o++) {
                int64_t j = hs_stencil_at(g, &st, o, col, row, c);
                if (j >= 0 && hs_grid_in_study(g, (size_t)j))
                    d += st.w[o] * values[j];
            }
        }
        density[c] = d;
    }
    hs_stencil_release(&st);
    return PH_OK;
}
