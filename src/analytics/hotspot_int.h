/* hotspot_int.h - what the files of analytics/ share: the grid's layout and the
 * neighbour stencils of a regular grid. Not for callers outside analytics/ (the
 * unit tests and the benchmark use hs_grid_xy for their reference sums).
 *
 * Layout. Cells are numbered row-major, cell = row * nx + col, row 0 in the south,
 * col 0 in the west, in projected metres (x east, y north) with the centre of
 * cell (0, 0) at (x0, y0):
 *   square:  centre (x0 + col * s, y0 + row * s), s = cell_m;
 *   hexagon: pointy-top, "odd-r" offset rows (odd rows shifted east by half a
 *            cell): centre (x0 + (col + (row & 1) / 2) * w, y0 + row * w * sqrt(3) / 2),
 *            w = cell_m the distance between neighbouring centres.
 * A stencil offset is (dc, dr) for squares and axial (dq, dr) for hexagons, so that
 * one list of offsets serves every cell: the lattice distance of an offset is
 * sqrt(norm) * cell_m with the integer norm dc^2 + dr^2 (square) or
 * dq^2 + dq * dr + dr^2 (hexagon), which makes ties exact. */
#ifndef PH_ANALYTICS_HOTSPOT_INT_H
#define PH_ANALYTICS_HOTSPOT_INT_H
#include <stdatomic.h>
#include "analytics/hotspot.h"

/* A PJ object and its context are not thread-safe, so the grid keeps a few of
 * them, each taken by one caller at a time through an atomic flag (no mutex);
 * when all are busy the caller builds a private one for the call. */
#define HS_PJ_SLOTS 4

struct hs_pj_slot {
    atomic_flag busy;
    void *ctx; /* PJ_CONTEXT * */
    void *pj;  /* PJ *: the transverse Mercator of the grid */
};

struct hs_grid {
    enum hs_shape shape;
    double cell_m;
    double min_lon, min_lat, max_lon, max_lat;
    double x0, y0;  /* centre of cell 0, projected metres */
    double dy;      /* row spacing: s, or w * sqrt(3) / 2 */
    int64_t nx, ny; /* columns, rows */
    size_t n;       /* nx * ny */
    uint8_t *mask;  /* NULL: every cell is in the study */
    size_t n_study;
    char defn[160]; /* the PROJ string */
    struct hs_pj_slot slot[HS_PJ_SLOTS];
};

/* The centre of a cell in projected metres. */
void hs_grid_xy(const struct hs_grid *g, size_t cell, double *x, double *y);

/* A list of stencil offsets, sorted by norm (then dr, then dc). */
struct hs_stencil {
    size_t n;
    int32_t *dc, *dr; /* (dc, dr) or axial (dq, dr) */
    int64_t *norm;
    double *w;        /* a weight per offset (the kernel of hs_density), or NULL */
    int64_t *delta[2]; /* index delta of each offset from a cell in an even / odd row */
    int32_t *dcol[2];  /* column delta, same */
    int32_t reach_c, reach_r; /* the largest |column delta| and |dr| */
};

/* Every offset with norm <= max_norm (the cell itself, norm 0, first); w NULL. */
void hs_stencil_build(struct hs_stencil *st, const struct hs_grid *g, int64_t max_norm);
void hs_stencil_release(struct hs_stencil *st);
/* The largest integer norm whose distance is within dist_m (with a relative
 * slack of 1e-9, so a band that is an exact multiple of the spacing includes the
 * cells at that distance). */
int64_t hs_norm_within(const struct hs_grid *g, double dist_m);
/* The integer lattice norm between two cells (their distance is sqrt(norm) * cell_m). */
int64_t hs_grid_norm(const struct hs_grid *g, size_t a, size_t b);

/* The cell at offset o of st from cell c (in row r, column col), or -1 outside the grid. */
static inline int64_t hs_stencil_at(const struct hs_grid *g, const struct hs_stencil *st, size_t o, int64_t col,
                                    int64_t row, size_t c)
{
    int par = (int)(row & 1);
    int64_t r2 = row + st->dr[o], c2 = col + st->dcol[par][o];
    if (r2 < 0 || r2 >= g->ny || c2 < 0 || c2 >= g->nx)
        return -1;
    return (int64_t)c + st->delta[par][o];
}

/* The two-sided p-value of a standard normal z. */
double hs_p_two_sided(double z);

/* Spatial neighbours (the cell itself first) of every cell for the Gi* weights:
 * a stencil for a distance band, or an explicit list for k nearest neighbours. */
struct hs_nbrs {
    enum hs_weights kind;
    struct hs_stencil st; /* HS_DISTANCE_BAND */
    int32_t *list;        /* HS_KNN: (k + 1) per cell, -1 padded */
    int k1;               /* k + 1 */
};
ph_err hs_nbrs_build(struct hs_nbrs *nb, const struct hs_grid *g, const struct hs_gistar_params *p) PH_MUST_USE;
void hs_nbrs_release(struct hs_nbrs *nb);
/* Sum of x over the in-study neighbours of cell c (itself included), and their count. */
void hs_nbrs_sum(const struct hs_grid *g, const struct hs_nbrs *nb, const double *x, size_t c, double *sum,
                 double *count);
/* PH_EINVAL unless p is usable on g. */
ph_err hs_gistar_check(const struct hs_grid *g, const struct hs_gistar_params *p) PH_MUST_USE;
/* The |z| above which (inclusive) cells are significant after Benjamini-Hochberg
 * at alpha among m tests whose two-sided p-values are those of z[0..n-1] (entries
 * of excluded cells given as NaN are ignored; m counts the rest); INFINITY when
 * none is. */
double hs_bh_zcrit(const double *z, size_t n, double alpha);
#endif
