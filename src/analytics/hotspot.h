/* hotspot.h - hot-spot statistics over a grid of cells: pure computation over
 * arrays, no store, no I/O (DESIGN.md: core/ loads what the caller may see and
 * hands it over). Method and parameters: docs/HOTSPOTS.md.
 *
 *  - hs_grid: square or hexagonal cells of a size in metres over a WGS84 extent,
 *    laid on a transverse Mercator projection centred on the extent (PROJ), so a
 *    cell is cell_m wide on the ground at the province's latitude.
 *  - hs_gistar: Getis-Ord Gi* z-scores and p-values of per-cell values, with
 *    binary weights by a fixed distance band or k nearest neighbours (the cell
 *    itself included, as Gi* requires), and Benjamini-Hochberg FDR significance.
 *  - hs_emerging: a space-time cube (cells x slices), Gi* per slice with the
 *    previous slices as neighbours too, a Mann-Kendall trend test per cell over
 *    its z-scores, and the emerging-hot-spot classes.
 *  - hs_density: a kernel density surface (quartic kernel) for the map's heat layer.
 *
 * Memory is proportional to cells (and slices), never to incidents: callers add
 * each incident's weight to values[hs_grid_cell_of(...)] as they read it. */
#ifndef PH_ANALYTICS_HOTSPOT_H
#define PH_ANALYTICS_HOTSPOT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/err.h"

/* Limits the callers check input against (422 beyond them). */
#define HS_CELL_M_MIN 50.0
#define HS_CELL_M_MAX 50000.0
#define HS_CELLS_MAX 4000000 /* cells in one grid */
#define HS_SLICES_MAX 520    /* slices in one cube (ten years of weeks) */
#define HS_KNN_MAX 64
#define HS_TIME_NEIGHBOURS_MAX 12 /* hs_emerging_params.time_neighbours */
#define HS_BAND_CELLS_MAX 50 /* band_m and bandwidth_m at most this many cell_m */

enum hs_shape { HS_SQUARE = 0, HS_HEXAGON = 1 };

struct hs_grid_spec {
    enum hs_shape shape;
    /* Square: the side. Hexagon (pointy-top): the distance between the centres
     * of two neighbours (flat-to-flat width). Metres, HS_CELL_M_MIN..MAX. */
    double cell_m;
    /* The study extent in WGS84 degrees; min < max. */
    double min_lon, min_lat, max_lon, max_lat;
};

struct hs_grid;
/* PH_EINVAL when the spec is out of range or would exceed HS_CELLS_MAX cells;
 * PH_EIO when PROJ cannot build the projection. */
ph_err hs_grid_new(const struct hs_grid_spec *spec, struct hs_grid **out) __attribute__((warn_unused_result));
void hs_grid_free(struct hs_grid *g);
size_t hs_grid_cells(const struct hs_grid *g);
/* The cell holding a WGS84 point, or -1 outside the grid. Thread-safe for reading.
 * (A grid is read-only once built and may be shared by threads; a PROJ object is
 * not thread-safe, so each call takes one of the grid's few PROJ objects with an
 * atomic flag, no mutex, or builds a private one for the call when all are busy.
 * Points outside the extent given to hs_grid_new are -1 even where a rim cell
 * reaches past it.) */
int64_t hs_grid_cell_of(const struct hs_grid *g, double lon, double lat);
/* The same for n points at once (faster: one projection call); cells[i] = -1 outside. */
void hs_grid_cells_of(const struct hs_grid *g, const double *lon, const double *lat, size_t n, int64_t *cells);
/* A cell's centre, and its boundary as a closed WGS84 ring (first point repeated
 * at the end): ring must hold HS_RING_MAX points; returns the count (5 or 7). */
#define HS_RING_MAX 7
void hs_grid_centre(const struct hs_grid *g, size_t cell, double *lon, double *lat);
size_t hs_grid_ring(const struct hs_grid *g, size_t cell, double ring[HS_RING_MAX][2]);
/* The study area: cells whose mask byte is 0 are left out of every statistic (not
 * counted in n, the mean or anyone's neighbours; their results are z = 0, p = 1,
 * not significant). NULL (the default) means every cell. The grid copies it. */
ph_err hs_grid_set_mask(struct hs_grid *g, const uint8_t *in_study) __attribute__((warn_unused_result));
bool hs_grid_in_study(const struct hs_grid *g, size_t cell);

enum hs_weights { HS_DISTANCE_BAND = 0, HS_KNN = 1 };

struct hs_gistar_params {
    enum hs_weights weights;
    double band_m; /* HS_DISTANCE_BAND: neighbours whose centre is within band_m (cell_m..HS_BAND_CELLS_MAX * cell_m) */
    int k;         /* HS_KNN: the k nearest other cells (1..HS_KNN_MAX); ties by lower cell index */
    double alpha;  /* the false discovery rate for significance, e.g. 0.05 */
};

/* Gi* of values[n_cells] (counts, or severity-weighted sums). Writes z[], p[]
 * (two-sided, from the standard normal) and significant[] (1 hot, -1 cold, 0 not,
 * after Benjamini-Hochberg at alpha over the cells in the study). PH_EINVAL on bad
 * parameters; when every value is equal (no variance) all z are 0 and p 1. */
ph_err hs_gistar(const struct hs_grid *g, const double *values, const struct hs_gistar_params *p, double *z,
                 double *pv, int8_t *significant) __attribute__((warn_unused_result));

/* Benjamini-Hochberg: sig[i] = true when p[i] is rejected at false discovery rate
 * alpha among the n values (NaN counts as 1). */
void hs_fdr_bh(const double *p, size_t n, double alpha, bool *sig);

/* Mann-Kendall trend test of x[0..n-1] (n >= 2; ties corrected in the variance,
 * continuity-corrected z): S, z and the two-sided p. n < 3 gives z 0, p 1. */
void hs_mann_kendall(const double *x, size_t n, double *s, double *z, double *p);

enum hs_trend_class {
    HS_NO_PATTERN = 0,
    HS_NEW_HOT, HS_CONSECUTIVE_HOT, HS_INTENSIFYING_HOT, HS_PERSISTENT_HOT,
    HS_DIMINISHING_HOT, HS_SPORADIC_HOT, HS_OSCILLATING_HOT, HS_HISTORICAL_HOT,
    HS_NEW_COLD, HS_CONSECUTIVE_COLD, HS_INTENSIFYING_COLD, HS_PERSISTENT_COLD,
    HS_DIMINISHING_COLD, HS_SPORADIC_COLD, HS_OSCILLATING_COLD, HS_HISTORICAL_COLD,
};
/* "new_hot", "intensifying_cold", "none", ... (stable API names). */
const char *hs_trend_name(enum hs_trend_class c);
bool hs_trend_is_hot(enum hs_trend_class c);

struct hs_emerging_params {
    struct hs_gistar_params gi;
    /* Slices before the current one that count as neighbours in each slice's
     * Gi* (the space-time neighbourhood); 0 = space only. Default 1. At most
     * HS_TIME_NEIGHBOURS_MAX and fewer than n_slices. */
    int time_neighbours;
};

struct hs_emerging_cell {
    uint8_t trend_class;        /* enum hs_trend_class */
    uint16_t hot_slices, cold_slices; /* significant slices of each sign */
    double last_z, last_p;      /* the final slice's Gi* */
    double trend_z, trend_p;    /* Mann-Kendall over the cell's z-scores */
    int32_t count;              /* the cell's total value over all slices, rounded */
};

/* cube[s * n_cells + c] is cell c's value in slice s (slice 0 the oldest),
 * n_slices 2..HS_SLICES_MAX. Writes one hs_emerging_cell per cell. Work memory:
 * O(n_cells x (time_neighbours + 1)) besides the cube. */
ph_err hs_emerging(const struct hs_grid *g, const double *cube, size_t n_slices, const struct hs_emerging_params *p,
                   struct hs_emerging_cell *out) __attribute__((warn_unused_result));

/* Kernel density at every cell's centre from the per-cell values placed at the
 * centres, quartic kernel of radius bandwidth_m (>= cell_m): density[] in value
 * per square kilometre. */
ph_err hs_density(const struct hs_grid *g, const double *values, double bandwidth_m, double *density)
    __attribute__((warn_unused_result));
#endif
