/* grid.c - the grid of hs_grid: a transverse Mercator projection centred on the
 * extent (PROJ, "+approx": the Evenden/Snyder series, accurate to well under a
 * millimetre within a few degrees of the central meridian), square or pointy-top
 * hexagonal cells laid on it (layout in hotspot_int.h), the cell of a point, a
 * cell's centre and ring, the study mask, and the neighbour stencils.
 *
 * Thread safety: the grid is read-only after hs_grid_new/hs_grid_set_mask, but
 * a PJ is not, so each projection takes one of the grid's HS_PJ_SLOTS PJ objects
 * with an atomic test-and-set (no mutex, no waiting); when all are taken the
 * caller builds a private PJ for that call (slow, about 0.1 ms, but correct). */
#include "util/base.h"
#include <math.h>
#include <proj.h>
#include "analytics/hotspot.h"
#include "analytics/hotspot_int.h"
#include "util/log.h"
#include "util/mem.h"

#define DEG (M_PI / 180.0)
#define SQRT3 1.7320508075688772
/* The study extent may span at most this many degrees each way: the grid is for
 * a province, and +approx tmerc stays exact only near its central meridian. */
#define SPAN_MAX_DEG 10.0
/* Points sampled along each edge of the extent to find its projected bounding box
 * (meridians curve on a transverse Mercator). */
#define EDGE_SAMPLES 64
#define CHUNK 512

/* ---- projection ------------------------------------------------------------------- */

static bool make_pj(const char *defn, PJ_CONTEXT **ctx, PJ **pj)
{
    *ctx = proj_context_create();
    if (*ctx == NULL)
        return false;
    /* Never look for grids or a database online; a plain tmerc needs neither. */
    proj_context_set_enable_network(*ctx, 0);
    proj_log_level(*ctx, PJ_LOG_NONE);
    *pj = proj_create(*ctx, defn);
    if (*pj == NULL) {
        proj_context_destroy(*ctx);
        *ctx = NULL;
        return false;
    }
    return true;
}

static void free_pj(PJ_CONTEXT *ctx, PJ *pj)
{
    if (pj != NULL)
        proj_destroy(pj);
    if (ctx != NULL)
        proj_context_destroy(ctx);
}

/* Transform n points in place (x, y: radians <-> metres) with one of g's PJ. */
static void transform(const struct hs_grid *g, PJ_DIRECTION dir, double *x, double *y, size_t n)
{
    /* The slots are the one mutable part of a grid shared by readers. */
    struct hs_grid *mg = (struct hs_grid *)g;
    PJ_CONTEXT *ctx = NULL;
    PJ *pj = NULL;
    int taken = -1;

    for (int i = 0; i < HS_PJ_SLOTS; i++) {
        if (mg->slot[i].pj != NULL && !atomic_flag_test_and_set_explicit(&mg->slot[i].busy, memory_order_acquire)) {
            taken = i;
            pj = mg->slot[i].pj;
            break;
        }
    }
    if (taken < 0 && !make_pj(g->defn, &ctx, &pj)) {
        log_warn("analytics/grid: cannot build the projection %s", g->defn);
        for (size_t i = 0; i < n; i++)
            x[i] = y[i] = HUGE_VAL;
        return;
    }
    proj_trans_generic(pj, dir, x, sizeof(double), n, y, sizeof(double), n, NULL, 0, 0, NULL, 0, 0);
    if (taken >= 0)
        atomic_flag_clear_explicit(&mg->slot[taken].busy, memory_order_release);
    else
        free_pj(ctx, pj);
}

/* ---- layout ----------------------------------------------------------------------- */

void hs_grid_xy(const struct hs_grid *g, size_t cell, double *x, double *y)
{
    int64_t row = (int64_t)cell / g->nx, col = (int64_t)cell % g->nx;
    double fc = (double)col;

    if (g->shape == HS_HEXAGON && (row & 1))
        fc += 0.5;
    *x = g->x0 + fc * g->cell_m;
    *y = g->y0 + (double)row * g->dy;
}

/* The cell holding projected point (x, y), or -1 outside the grid. */
static int64_t locate(const struct hs_grid *g, double x, double y)
{
    double u = (x - g->x0) / g->cell_m, v = (y - g->y0) / g->dy;
    int64_t col, row;

    if (!isfinite(u) || !isfinite(v))
        return -1;
    if (g->shape == HS_SQUARE) {
        col = (int64_t)floor(u + 0.5);
        row = (int64_t)floor(v + 0.5);
    } else {
        /* Fractional axial coordinates (unit: w), then cube rounding: the nearest
         * centre, which is the hexagon holding the point. */
        double r = v, q = u - r / 2, s = -q - r;
        double rq = round(q), rr = round(r), rs = round(s);
        double eq = fabs(rq - q), er = fabs(rr - r), es = fabs(rs - s);
        if (eq > er && eq > es)
            rq = -rr - rs;
        else if (er > es)
            rr = -rq - rs;
        if (fabs(rq) > 1e15 || fabs(rr) > 1e15)
            return -1;
        row = (int64_t)rr;
        /* col = q + floor(r / 2), the odd-r offset of axial (q, r) */
        col = (int64_t)rq + (int64_t)floor(rr / 2);
    }
    if (row < 0 || row >= g->ny || col < 0 || col >= g->nx)
        return -1;
    return row * g->nx + col;
}

static bool in_extent(const struct hs_grid *g, double lon, double lat)
{
    return lon >= g->min_lon && lon <= g->max_lon && lat >= g->min_lat && lat <= g->max_lat;
}

/* ---- the grid --------------------------------------------------------------------- */

static bool spec_ok(const struct hs_grid_spec *s)
{
    if (s->shape != HS_SQUARE && s->shape != HS_HEXAGON)
        return false;
    if (!(s->cell_m >= HS_CELL_M_MIN && s->cell_m <= HS_CELL_M_MAX))
        return false;
    if (!isfinite(s->min_lon) || !isfinite(s->max_lon) || !isfinite(s->min_lat) || !isfinite(s->max_lat))
        return false;
    if (!(s->min_lon < s->max_lon && s->min_lat < s->max_lat))
        return false;
    if (s->min_lon < -180 || s->max_lon > 180 || s->min_lat < -80 || s->max_lat > 80)
        return false;
    return s->max_lon - s->min_lon <= SPAN_MAX_DEG && s->max_lat - s->min_lat <= SPAN_MAX_DEG;
}

ph_err hs_grid_new(const struct hs_grid_spec *spec, struct hs_grid **out)
{
    struct hs_grid *g = NULL;
    double bx[4 * EDGE_SAMPLES], by[4 * EDGE_SAMPLES];
    double xmin = HUGE_VAL, xmax = -HUGE_VAL, ymin = HUGE_VAL, ymax = -HUGE_VAL;
    ph_err rc = PH_EINVAL;

    if (spec == NULL || out == NULL || !spec_ok(spec))
        goto out;
    g = xcalloc(1, sizeof(*g));
    g->shape = spec->shape;
    g->cell_m = spec->cell_m;
    g->min_lon = spec->min_lon;
    g->min_lat = spec->min_lat;
    g->max_lon = spec->max_lon;
    g->max_lat = spec->max_lat;
    g->dy = g->shape == HS_SQUARE ? g->cell_m : g->cell_m * SQRT3 / 2;
    snprintf(g->defn, sizeof(g->defn), "+proj=tmerc +approx +lat_0=%.9f +lon_0=%.9f +k=1 +x_0=0 +y_0=0 +ellps=WGS84",
             (spec->min_lat + spec->max_lat) / 2, (spec->min_lon + spec->max_lon) / 2);
    for (int i = 0; i < HS_PJ_SLOTS; i++) {
        atomic_flag_clear(&g->slot[i].busy);
        PJ_CONTEXT *ctx;
        PJ *pj;
        if (!make_pj(g->defn, &ctx, &pj)) {
            log_warn("analytics/grid: PROJ cannot build %s", g->defn);
            rc = PH_EIO;
            goto out;
        }
        g->slot[i].ctx = ctx;
        g->slot[i].pj = pj;
    }
    /* The projected bounding box of the extent's boundary. */
    for (int i = 0; i < EDGE_SAMPLES; i++) {
        double t = (double)i / EDGE_SAMPLES;
        double lon = spec->min_lon + t * (spec->max_lon - spec->min_lon);
        double lat = spec->min_lat + t * (spec->max_lat - spec->min_lat);
        bx[4 * i] = lon, by[4 * i] = spec->min_lat;
        bx[4 * i + 1] = spec->max_lon, by[4 * i + 1] = lat;
        bx[4 * i + 2] = spec->max_lon - (lon - spec->min_lon), by[4 * i + 2] = spec->max_lat;
        bx[4 * i + 3] = spec->min_lon, by[4 * i + 3] = spec->max_lat - (lat - spec->min_lat);
    }
    for (size_t i = 0; i < PH_NELEM(bx); i++)
        bx[i] *= DEG, by[i] *= DEG;
    transform(g, PJ_FWD, bx, by, PH_NELEM(bx));
    for (size_t i = 0; i < PH_NELEM(bx); i++) {
        if (!isfinite(bx[i]) || !isfinite(by[i]) || fabs(bx[i]) > 1e7 || fabs(by[i]) > 1e7) {
            rc = PH_EIO;
            goto out;
        }
        xmin = fmin(xmin, bx[i]), xmax = fmax(xmax, bx[i]);
        ymin = fmin(ymin, by[i]), ymax = fmax(ymax, by[i]);
    }
    /* Squares: (nearly) the fewest that cover the box, centred on it, so that the cells of
     * the rim reach as little as possible past the extent. Hexagons: centres on
     * the box's edges and one more column and row, since rows zigzag and odd
     * rows are shifted east. */
    if (g->shape == HS_SQUARE) {
        g->nx = (int64_t)floor((xmax - xmin) / g->cell_m) + 1;
        g->ny = (int64_t)floor((ymax - ymin) / g->dy) + 1;
        g->x0 = (xmin + xmax) / 2 - (double)(g->nx - 1) * g->cell_m / 2;
        g->y0 = (ymin + ymax) / 2 - (double)(g->ny - 1) * g->dy / 2;
    } else {
        g->nx = (int64_t)ceil((xmax - xmin) / g->cell_m) + 1;
        g->ny = (int64_t)ceil((ymax - ymin) / g->dy) + 1;
        g->x0 = xmin;
        g->y0 = ymin;
    }
    if (g->nx < 1 || g->ny < 1 || (double)g->nx * (double)g->ny > HS_CELLS_MAX) {
        rc = PH_EINVAL;
        goto out;
    }
    g->n = (size_t)(g->nx * g->ny);
    g->n_study = g->n;
    *out = g;
    g = NULL;
    rc = PH_OK;
out:
    hs_grid_free(g);
    return rc;
}

void hs_grid_free(struct hs_grid *g)
{
    if (g == NULL)
        return;
    for (int i = 0; i < HS_PJ_SLOTS; i++)
        free_pj(g->slot[i].ctx, g->slot[i].pj);
    free(g->mask);
    free(g);
}

size_t hs_grid_cells(const struct hs_grid *g)
{
    return g->n;
}

int64_t hs_grid_cell_of(const struct hs_grid *g, double lon, double lat)
{
    int64_t c;
    hs_grid_cells_of(g, &lon, &lat, 1, &c);
    return c;
}

void hs_grid_cells_of(const struct hs_grid *g, const double *lon, const double *lat, size_t n, int64_t *cells)
{
    double x[CHUNK], y[CHUNK];
    size_t idx[CHUNK];

    for (size_t base = 0; base < n; base += CHUNK) {
        size_t m = n - base < CHUNK ? n - base : CHUNK, k = 0;
        for (size_t i = 0; i < m; i++) {
            cells[base + i] = -1;
            if (in_extent(g, lon[base + i], lat[base + i])) {
                x[k] = lon[base + i] * DEG;
                y[k] = lat[base + i] * DEG;
                idx[k++] = base + i;
            }
        }
        if (k == 0)
            continue;
        transform(g, PJ_FWD, x, y, k);
        for (size_t i = 0; i < k; i++)
            cells[idx[i]] = locate(g, x[i], y[i]);
    }
}

void hs_grid_centre(const struct hs_grid *g, size_t cell, double *lon, double *lat)
{
    double x, y;
    hs_grid_xy(g, cell, &x, &y);
    transform(g, PJ_INV, &x, &y, 1);
    *lon = x / DEG;
    *lat = y / DEG;
}

size_t hs_grid_ring(const struct hs_grid *g, size_t cell, double ring[HS_RING_MAX][2])
{
    double cx, cy, x[HS_RING_MAX], y[HS_RING_MAX];
    size_t n;

    hs_grid_xy(g, cell, &cx, &cy);
    if (g->shape == HS_SQUARE) {
        /* Counter-clockwise from the south-west corner (GeoJSON's right-hand rule). */
        static const double sx[4] = {-0.5, 0.5, 0.5, -0.5}, sy[4] = {-0.5, -0.5, 0.5, 0.5};
        n = 4;
        for (size_t i = 0; i < n; i++)
            x[i] = cx + sx[i] * g->cell_m, y[i] = cy + sy[i] * g->cell_m;
    } else {
        /* Pointy-top: vertices at -90, -30, 30, 90, 150, 210 degrees, circumradius w / sqrt(3). */
        double rad = g->cell_m / SQRT3;
        n = 6;
        for (size_t i = 0; i < n; i++) {
            double a = (-90.0 + 60.0 * (double)i) * DEG;
            x[i] = cx + rad * cos(a), y[i] = cy + rad * sin(a);
        }
    }
    transform(g, PJ_INV, x, y, n);
    for (size_t i = 0; i < n; i++)
        ring[i][0] = x[i] / DEG, ring[i][1] = y[i] / DEG;
    ring[n][0] = ring[0][0];
    ring[n][1] = ring[0][1];
    return n + 1;
}

ph_err hs_grid_set_mask(struct hs_grid *g, const uint8_t *in_study)
{
    free(g->mask);
    g->mask = NULL;
    g->n_study = g->n;
    if (in_study == NULL)
        return PH_OK;
    g->mask = xmalloc(g->n);
    g->n_study = 0;
    for (size_t i = 0; i < g->n; i++) {
        g->mask[i] = in_study[i] != 0;
        g->n_study += g->mask[i];
    }
    return PH_OK;
}

bool hs_grid_in_study(const struct hs_grid *g, size_t cell)
{
    return cell < g->n && (g->mask == NULL || g->mask[cell]);
}

/* ---- stencils --------------------------------------------------------------------- */

int64_t hs_norm_within(const struct hs_grid *g, double dist_m)
{
    double r = dist_m / g->cell_m;
    return (int64_t)floor(r * r * (1 + 1e-9));
}

int64_t hs_grid_norm(const struct hs_grid *g, size_t a, size_t b)
{
    int64_t ra = (int64_t)a / g->nx, ca = (int64_t)a % g->nx, rb = (int64_t)b / g->nx, cb = (int64_t)b % g->nx;
    int64_t dr = rb - ra;
    if (g->shape == HS_SQUARE)
        return (cb - ca) * (cb - ca) + dr * dr;
    /* axial q = col - floor(row / 2) */
    int64_t dq = (cb - (rb >> 1)) - (ca - (ra >> 1));
    return dq * dq + dq * dr + dr * dr;
}

struct offset {
    int32_t dc, dr;
    int64_t norm;
};

static int cmp_offset(const void *a, const void *b)
{
    const struct offset *x = a, *y = b;
    if (x->norm != y->norm)
        return x->norm < y->norm ? -1 : 1;
    if (x->dr != y->dr)
        return x->dr < y->dr ? -1 : 1;
    return (x->dc > y->dc) - (x->dc < y->dc);
}

static int32_t floor_half(int32_t v)
{
    return (int32_t)floor(v / 2.0);
}

void hs_stencil_build(struct hs_stencil *st, const struct hs_grid *g, int64_t max_norm)
{
    /* The largest |dr| or |dc| with norm <= max_norm: sqrt(max_norm) on squares;
     * on hexagons the axial norm dq^2 + dq dr + dr^2 is smallest for a given dq
     * at dr = -dq / 2 (offsets near 60 and 120 degrees), where it is 3/4 dq^2, so
     * |dq| (and |dr|) reach 2 sqrt(max_norm / 3). One more for rounding. */
    double r = g->shape == HS_SQUARE ? sqrt((double)max_norm) : 2 * sqrt((double)max_norm / 3.0);
    int32_t reach = (int32_t)ceil(r) + 1;
    size_t cap = (size_t)(2 * reach + 1) * (size_t)(2 * reach + 1), n = 0;
    struct offset *o = xmalloc(cap * sizeof(*o));

    memset(st, 0, sizeof(*st));
    for (int32_t dr = -reach; dr <= reach; dr++) {
        for (int32_t dc = -reach; dc <= reach; dc++) {
            int64_t norm = g->shape == HS_SQUARE ? (int64_t)dc * dc + (int64_t)dr * dr
                                                 : (int64_t)dc * dc + (int64_t)dc * dr + (int64_t)dr * dr;
            if (norm <= max_norm)
                o[n++] = (struct offset){dc, dr, norm};
        }
    }
    qsort(o, n, sizeof(*o), cmp_offset);
    st->n = n;
    st->dc = xmalloc(n * sizeof(*st->dc));
    st->dr = xmalloc(n * sizeof(*st->dr));
    st->norm = xmalloc(n * sizeof(*st->norm));
    for (int par = 0; par < 2; par++) {
        st->delta[par] = xmalloc(n * sizeof(*st->delta[par]));
        st->dcol[par] = xmalloc(n * sizeof(*st->dcol[par]));
    }
    for (size_t i = 0; i < n; i++) {
        st->dc[i] = o[i].dc;
        st->dr[i] = o[i].dr;
        st->norm[i] = o[i].norm;
        for (int par = 0; par < 2; par++) {
            /* Hexagon: from axial dq to the column delta of odd-r rows, which
             * depends on the parity of the row it starts from. */
            int32_t dcol = g->shape == HS_SQUARE ? o[i].dc
                                                 : o[i].dc + (par ? floor_half(o[i].dr + 1) : floor_half(o[i].dr));
            st->dcol[par][i] = dcol;
            st->delta[par][i] = (int64_t)o[i].dr * g->nx + dcol;
            if (abs(dcol) > st->reach_c)
                st->reach_c = abs(dcol);
        }
        if (abs(o[i].dr) > st->reach_r)
            st->reach_r = abs(o[i].dr);
    }
    free(o);
}

void hs_stencil_release(struct hs_stencil *st)
{
    free(st->dc);
    free(st->dr);
    free(st->norm);
    free(st->w);
    for (int par = 0; par < 2; par++) {
        free(st->delta[par]);
        free(st->dcol[par]);
    }
    memset(st, 0, sizeof(*st));
}
