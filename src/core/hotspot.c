/* hotspot.c - hot-spot analyses over the incidents the caller may see
 * (core/hotspot.h): the query's defaults and checks, the study (grid and mask),
 * one streaming pass over the incidents into the grid, and Gi*, emerging hot
 * spots and kernel density through analytics/hotspot.h.
 *
 * The grid's extent is the bounding box of the area asked for and every area
 * below it (the whole province: every area, so that the sea area, which lies
 * outside the province's land outline, is in). The study mask keeps the cells
 * whose centre lies inside one of those areas' outlines (geo_shape_contains, the
 * exact ring test core/geo uses to resolve a point to an area): cells on open
 * land or sea outside the province would otherwise dilute the mean of Gi* with
 * zeros that are not observations.
 *
 * Incidents are streamed from the store (store_incident_points) and added into
 * the grid's value array as they come, in batches of PASS_BATCH for the
 * projection (hs_grid_cells_of): memory is the grid's (and the cube's), never
 * proportional to the incidents. Which incidents count is the store's rule:
 * located, actual (no exercise or test), not merged, and visible to the caller
 * (incident_scope_of: unit range and clearance), so that a map never shows what
 * the caller could not read. */
#include "util/base.h"
#include <math.h>
#include "core/area.h"
#include "core/category.h"
#include "core/ctx.h"
#include "core/geo.h"
#include "core/hotspot.h"
#include "core/hotspot_int.h"
#include "core/incident.h"
#include "core/unit.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/time.h"

#define DEFAULT_CELL_M 500.0
#define DEFAULT_BAND_M 1000.0
#define DEFAULT_ALPHA 0.05
#define DEFAULT_K 8
#define DEFAULT_SLICE_MS (7 * HOTSPOT_MS_PER_DAY)
#define DEFAULT_BANDWIDTH_M 1000.0
#define MAX_DISTANCE_M 100000.0 /* band and bandwidth: a province is ~100 km across */
#define MIN_SLICE_MS (60LL * 60 * 1000)
#define MAX_SLICE_MS (366 * HOTSPOT_MS_PER_DAY)
/* The cube's doubles at most (cells x slices): 256 MiB. */
#define MAX_CUBE_VALUES ((size_t)32 << 20)
/* k nearest neighbours keep (k + 1) int32 per cell: at most 256 MiB. */
#define MAX_KNN_ENTRIES ((double)(64 << 20))
/* The work an analysis may take, in units of about a nanosecond of -O2 code on
 * the 2-core reference machine (measured with a shared load, so a quiet machine
 * is faster): see work_estimate() and docs/HOTSPOTS.md, "Limits". With the pass
 * over the incidents and the mask, the largest accepted request stays under
 * about 5 s. */
#define WORK_BUDGET 4e9
/* The unit costs of work_estimate (measured; docs/HOTSPOTS.md). */
#define COST_VISIT 4.0         /* one neighbour summed by Gi* */
#define COST_DENSITY_VISIT 14.0 /* one neighbour weighed by the kernel (bounds-checked) */
#define COST_CELL 25.0         /* one cell's z, p and FDR per pass */
#define COST_KNN_BUILD 65.0    /* one neighbour listed per cell by k nearest */
#define COST_KNN_VISIT 5.0     /* one listed neighbour summed */
#define COST_MASK 2.0          /* one area's box tested per cell for the study mask */
#define PASS_BATCH 512
#define M_PER_DEG_LAT 111320.0

static ph_err invalid(const char **field, const char *name)
{
    if (field != NULL)
        *field = name;
    return PH_EINVAL;
}

void hotspot_local_date(int64_t ms, char out[11])
{
    char utc[TIME_RFC3339_BYTES];

    time_format_utc(ms + (int64_t)TIME_VN_OFFSET_S * 1000, utc);
    memcpy(out, utc, 10);
    out[10] = '\0';
}

/* ---- the study area ------------------------------------------------------------------ */

struct study_areas {
    struct geo_shape *shapes;
    size_t n;
    struct geo_bbox box;
};

/* Is id area_id or below it, by the parent links of the n areas? */
static bool below(const struct area *areas, size_t n, int64_t id, int64_t area_id)
{
    for (int depth = 0; depth < STORE_AREA_CHAIN_MAX && id != 0; depth++) {
        if (id == area_id)
            return true;
        int64_t parent = 0;
        for (size_t i = 0; i < n; i++)
            if (areas[i].id == id) {
                parent = areas[i].parent_id;
                break;
            }
        id = parent;
    }
    return false;
}

/* The outlines of area_id and the areas below it (0: every area) valid at now,
 * and their bounding box. PH_EINVAL (field "area") when none has an outline. */
static ph_err load_areas(struct core_ctx *cx, int64_t area_id, struct study_areas *out,
                         const char **field)
{
    char today[11];
    struct area *all = NULL;
    size_t n_all = 0, cap = 0;
    struct area_filter f = {.with_geometry = true, .limit = LIST_MAX_LIMIT};
    bool more = true;
    ph_err rc = PH_OK;

    hotspot_local_date(cx->now_ms, today);
    f.at = today;
    while (more && rc == PH_OK) {
        struct area *items = NULL;
        size_t n = 0;
        rc = store_area_list(cx->st, cx->arena, &f, &items, &n, &more);
        if (rc != PH_OK)
            break;
        if (n_all + n > cap) {
            size_t ncap = (n_all + n) * 2;
            struct area *grown = arena_alloc(cx->arena, ncap * sizeof(*grown));
            if (n_all > 0)
                memcpy(grown, all, n_all * sizeof(*all));
            all = grown;
            cap = ncap;
        }
        memcpy(all + n_all, items, n * sizeof(*items));
        n_all += n;
        if (n > 0)
            f.after_id = items[n - 1].id;
        if (n == 0)
            more = false;
    }
    if (rc != PH_OK)
        return rc;
    memset(out, 0, sizeof(*out));
    out->shapes = arena_alloc(cx->arena, (n_all + 1) * sizeof(*out->shapes));
    for (size_t i = 0; i < n_all; i++) {
        const char *why = NULL;
        if (all[i].geometry == NULL || (area_id != 0 && !below(all, n_all, all[i].id, area_id)))
            continue;
        if (geo_shape_parse(cx->arena, all[i].geometry, strlen(all[i].geometry),
                            &out->shapes[out->n], &why) != PH_OK)
            continue; /* area_create checked it; an outline that no longer parses adds nothing */
        const struct geo_bbox *b = &out->shapes[out->n].bbox;
        if (out->n == 0) {
            out->box = *b;
        } else {
            out->box.min_lon = fmin(out->box.min_lon, b->min_lon);
            out->box.min_lat = fmin(out->box.min_lat, b->min_lat);
            out->box.max_lon = fmax(out->box.max_lon, b->max_lon);
            out->box.max_lat = fmax(out->box.max_lat, b->max_lat);
        }
        out->n++;
    }
    if (out->n == 0)
        return invalid(field, "area");
    return PH_OK;
}

static bool inside_some(const struct study_areas *sa, double lon, double lat)
{
    for (size_t i = 0; i < sa->n; i++) {
        const struct geo_bbox *b = &sa->shapes[i].bbox;
        if (lon < b->min_lon || lon > b->max_lon || lat < b->min_lat || lat > b->max_lat)
            continue;
        if (geo_shape_contains(&sa->shapes[i], lon, lat))
            return true;
    }
    return false;
}

/* ---- checks -------------------------------------------------------------------------- */

/* The slices of [since, until) of q, the last one possibly shorter. */
static size_t slices_of(const struct hotspot_query *q)
{
    int64_t span = q->until - q->since;
    return (size_t)(span / q->slice_ms + (span % q->slice_ms != 0));
}

/* The defaults of core/hotspot.h, and every check but the ones that need the
 * store (categories, area, the grid's size and the work), before anything is
 * read: each parameter within its own range, and the band, the bandwidth and
 * the time neighbours within what the maths takes (HS_BAND_CELLS_MAX cells,
 * fewer time neighbours than slices). */
static ph_err check_plain(struct hotspot_query *q, bool emerging, const char **field)
{
    if (q->cell_m == 0)
        q->cell_m = DEFAULT_CELL_M;
    if (q->gi.alpha == 0)
        q->gi.alpha = DEFAULT_ALPHA;
    if (q->gi.weights == HS_DISTANCE_BAND && q->gi.band_m == 0)
        q->gi.band_m = fmax(DEFAULT_BAND_M, 1.5 * q->cell_m);
    if (q->gi.weights == HS_KNN && q->gi.k == 0)
        q->gi.k = DEFAULT_K;
    if (q->slice_ms == 0)
        q->slice_ms = DEFAULT_SLICE_MS;
    if (q->time_neighbours == 0)
        q->time_neighbours = 1;
    if (q->bandwidth_m == 0)
        q->bandwidth_m = fmax(DEFAULT_BANDWIDTH_M, q->cell_m);

    if (q->until <= 0)
        return invalid(field, "until");
    if (q->since < 0 || q->since >= q->until)
        return invalid(field, "since");
    if (!isfinite(q->cell_m) || q->cell_m < HS_CELL_M_MIN || q->cell_m > HS_CELL_M_MAX)
        return invalid(field, "cell");
    if (q->shape != HS_SQUARE && q->shape != HS_HEXAGON)
        return invalid(field, "shape");
    if (q->gi.weights == HS_DISTANCE_BAND) {
        if (!isfinite(q->gi.band_m) || q->gi.band_m < q->cell_m || q->gi.band_m > MAX_DISTANCE_M ||
            q->gi.band_m > HS_BAND_CELLS_MAX * q->cell_m)
            return invalid(field, "band");
    } else if (q->gi.weights == HS_KNN) {
        if (q->gi.k < 1 || q->gi.k > HS_KNN_MAX)
            return invalid(field, "k");
    } else {
        return invalid(field, "weights");
    }
    if (!isfinite(q->gi.alpha) || q->gi.alpha <= 0 || q->gi.alpha >= 1)
        return invalid(field, "alpha");
    if (q->slice_ms < MIN_SLICE_MS || q->slice_ms > MAX_SLICE_MS)
        return invalid(field, "slice");
    if (q->time_neighbours < 0 || q->time_neighbours > HS_TIME_NEIGHBOURS_MAX)
        return invalid(field, "time_neighbours");
    if (emerging) {
        size_t n_slices = slices_of(q);
        if (n_slices < 2 || n_slices > HS_SLICES_MAX)
            return invalid(field, "slice");
        if ((size_t)q->time_neighbours >= n_slices)
            return invalid(field, "time_neighbours");
    }
    if (!isfinite(q->bandwidth_m) || q->bandwidth_m < q->cell_m ||
        q->bandwidth_m > MAX_DISTANCE_M || q->bandwidth_m > HS_BAND_CELLS_MAX * q->cell_m)
        return invalid(field, "bandwidth");
    if (q->n_categories > HOTSPOT_CATEGORIES_MAX)
        return invalid(field, "category");
    if (q->force != NULL && !force_is_valid(q->force))
        return invalid(field, "force");
    if (q->area_id < 0)
        return invalid(field, "area");
    return PH_OK;
}

/* Cells within distance d_m of a cell (itself included), about: the disc over
 * the area of one cell. */
static double stencil_estimate(double d_m, double cell_m, enum hs_shape shape)
{
    double r = d_m / cell_m;
    return M_PI * r * r / (shape == HS_HEXAGON ? 0.8660254 : 1.0) + 1;
}

/* The work of an analysis of kind over about cells cells (and n_slices slices),
 * in the units of WORK_BUDGET: the neighbour sums (cells x stencil, or k + 1,
 * per pass; emerging makes two passes per slice), the Mann-Kendall test of
 * emerging (slices^2 / 2 pairs per cell), the k-nearest lists, and the mask
 * (every area's box per cell). gi: the weights to count with (the query's, or
 * the smallest band for "is the grid alone too large"). */
static double work_estimate(const struct hotspot_query *q, const struct hs_gistar_params *gi,
                            enum hotspot_kind kind, double cells, size_t n_slices, size_t n_areas)
{
    double per_pass, build = 0, w;

    if (kind == HOTSPOT_KIND_DENSITY) {
        per_pass = COST_DENSITY_VISIT * stencil_estimate(q->bandwidth_m, q->cell_m, q->shape);
    } else if (gi->weights == HS_KNN) {
        per_pass = COST_KNN_VISIT * (gi->k + 1) + COST_CELL;
        build = COST_KNN_BUILD * (gi->k + 1);
    } else {
        per_pass = COST_VISIT * stencil_estimate(gi->band_m, q->cell_m, q->shape) + COST_CELL;
    }
    if (kind == HOTSPOT_KIND_EMERGING)
        w = 2.0 * (double)n_slices * per_pass + (double)n_slices * (double)n_slices + build;
    else
        w = per_pass + build;
    return cells * (w + COST_MASK * (double)n_areas);
}

/* Refuse, before the grid is built, an analysis whose work or memory is over the
 * limits, naming the parameter to change: "cell" when even the smallest
 * neighbourhood is too much for the grid, else "k" for the k-nearest lists'
 * memory, else "slice" when the space part alone would fit, else "band", "k" or
 * "bandwidth". */
static ph_err check_work(const struct hotspot_query *q, enum hotspot_kind kind, double cells,
                         size_t n_slices, size_t n_areas, const char **field)
{
    const char *param = kind == HOTSPOT_KIND_DENSITY   ? "bandwidth"
                        : q->gi.weights == HS_KNN      ? "k"
                                                       : "band";
    struct hotspot_query least = *q;
    struct hs_gistar_params smallest = {.weights = HS_DISTANCE_BAND, .band_m = q->cell_m};

    least.bandwidth_m = q->cell_m;
    if (kind == HOTSPOT_KIND_CHECK) {
        /* Whatever analysis follows: the heaviest of the three. */
        ph_err rc = check_work(q, HOTSPOT_KIND_GISTAR, cells, n_slices, n_areas, field);
        if (rc == PH_OK)
            rc = check_work(q, HOTSPOT_KIND_DENSITY, cells, n_slices, n_areas, field);
        return rc;
    }
    if (work_estimate(&least, &smallest, kind == HOTSPOT_KIND_EMERGING ? HOTSPOT_KIND_GISTAR : kind,
                      cells, 1, n_areas) > WORK_BUDGET)
        return invalid(field, "cell");
    if (kind != HOTSPOT_KIND_DENSITY && q->gi.weights == HS_KNN &&
        cells * (double)(q->gi.k + 1) > MAX_KNN_ENTRIES)
        return invalid(field, "k");
    if (kind == HOTSPOT_KIND_EMERGING &&
        work_estimate(q, &q->gi, HOTSPOT_KIND_GISTAR, cells, 1, n_areas) <= WORK_BUDGET &&
        work_estimate(q, &q->gi, kind, cells, n_slices, n_areas) > WORK_BUDGET)
        return invalid(field, "slice");
    if (work_estimate(q, &q->gi, kind, cells, n_slices, n_areas) > WORK_BUDGET)
        return invalid(field, param);
    return PH_OK;
}

/* The category ids of q's codes (in the arena). */
static ph_err resolve_categories(struct core_ctx *cx, const struct hotspot_query *q, int64_t **ids,
                                 const char **field)
{
    *ids = NULL;
    if (q->n_categories == 0)
        return PH_OK;
    *ids = arena_alloc(cx->arena, q->n_categories * sizeof(**ids));
    for (size_t i = 0; i < q->n_categories; i++) {
        struct category c;
        ph_err rc = q->categories[i] != NULL
                        ? store_category_get_by_code(cx->st, cx->arena, q->categories[i], &c)
                        : PH_ENOTFOUND;
        if (rc == PH_ENOTFOUND)
            return invalid(field, "category");
        if (rc != PH_OK)
            return rc;
        (*ids)[i] = c.id;
    }
    return PH_OK;
}

/* About how many cells the grid over box would have (its own count decides). */
static double cells_estimate(const struct geo_bbox *b, double cell_m, enum hs_shape shape)
{
    double mid = (b->min_lat + b->max_lat) / 2 * M_PI / 180;
    double w = (b->max_lon - b->min_lon) * M_PER_DEG_LAT * cos(mid);
    double h = (b->max_lat - b->min_lat) * M_PER_DEG_LAT;
    double per = shape == HS_HEXAGON ? cell_m * cell_m * 0.8660254 : cell_m * cell_m;
    return (w + 2 * cell_m) * (h + 2 * cell_m) / per;
}

static ph_err check_full(struct core_ctx *cx, struct hotspot_query *q, enum hotspot_kind kind,
                         struct study_areas *sa, int64_t **category_ids, size_t *n_slices,
                         const char **field)
{
    bool emerging = kind == HOTSPOT_KIND_EMERGING;
    ph_err rc = check_plain(q, emerging, field);

    if (rc != PH_OK)
        return rc;
    if ((rc = resolve_categories(cx, q, category_ids, field)) != PH_OK)
        return rc;
    if (q->area_id != 0) {
        struct area a;
        rc = store_area_get(cx->st, cx->arena, q->area_id, &a);
        if (rc == PH_ENOTFOUND)
            return invalid(field, "area");
        if (rc != PH_OK)
            return rc;
    }
    if ((rc = load_areas(cx, q->area_id, sa, field)) != PH_OK)
        return rc;
    double cells = cells_estimate(&sa->box, q->cell_m, q->shape);
    if (cells > HS_CELLS_MAX)
        return invalid(field, "cell");
    *n_slices = slices_of(q);
    if (emerging && cells * (double)*n_slices > (double)MAX_CUBE_VALUES)
        return invalid(field, "slice");
    return check_work(q, kind, cells, emerging ? *n_slices : 1, sa->n, field);
}

ph_err hotspot_query_check(struct core_ctx *cx, struct hotspot_query *q, const char **field)
{
    struct study_areas sa;
    int64_t *ids = NULL;
    size_t n_slices = 0;

    return check_full(cx, q, HOTSPOT_KIND_CHECK, &sa, &ids, &n_slices, field);
}

/* ---- the study ----------------------------------------------------------------------- */

ph_err hotspot_study_open(struct core_ctx *cx, struct hotspot_query *q, enum hotspot_kind kind,
                          struct hotspot_study *out, const char **field)
{
    struct study_areas sa;
    struct hotspot_study s = {0};
    uint8_t *mask = NULL;
    ph_err rc = check_full(cx, q, kind, &sa, &s.category_ids, &s.n_slices, field);

    if (rc != PH_OK)
        return rc;
    s.n_categories = q->n_categories;
    struct hs_grid_spec spec = {
        .shape = q->shape,
        .cell_m = q->cell_m,
        .min_lon = sa.box.min_lon,
        .min_lat = sa.box.min_lat,
        .max_lon = sa.box.max_lon,
        .max_lat = sa.box.max_lat,
    };
    rc = hs_grid_new(&spec, &s.grid);
    if (rc == PH_EINVAL)
        return invalid(field, "cell");
    if (rc != PH_OK)
        return rc;
    s.n_cells = hs_grid_cells(s.grid);
    mask = xmalloc(s.n_cells + 1);
    for (size_t c = 0; c < s.n_cells; c++) {
        double lon, lat;
        hs_grid_centre(s.grid, c, &lon, &lat);
        mask[c] = inside_some(&sa, lon, lat);
    }
    rc = hs_grid_set_mask(s.grid, mask);
    free(mask);
    if (rc != PH_OK) {
        hs_grid_free(s.grid);
        return rc;
    }
    *out = s;
    return PH_OK;
}

void hotspot_study_close(struct hotspot_study *s)
{
    if (s == NULL)
        return;
    hs_grid_free(s->grid);
    s->grid = NULL;
}

/* ---- the pass over the incidents ----------------------------------------------------- */

struct pass_state {
    const struct hotspot_query *q;
    const struct hotspot_study *s;
    const struct hotspot_pass *p;
    struct store_incident_point pts[PASS_BATCH];
    double lon[PASS_BATCH], lat[PASS_BATCH];
    int64_t cells[PASS_BATCH];
    size_t n;
    int64_t incidents;
};

static void flush(struct pass_state *ps)
{
    const struct hotspot_pass *p = ps->p;
    size_t n_cells = ps->s->n_cells, n_slices = p->slice_ms > 0 ? ps->s->n_slices : 1;

    hs_grid_cells_of(ps->s->grid, ps->lon, ps->lat, ps->n, ps->cells);
    for (size_t i = 0; i < ps->n; i++) {
        const struct store_incident_point *pt = &ps->pts[i];
        int64_t c = ps->cells[i];
        if (c < 0 || (size_t)c >= n_cells || !hs_grid_in_study(ps->s->grid, (size_t)c))
            continue;
        ps->incidents++;
        if (p->values != NULL) {
            size_t slice = 0;
            if (p->slice_ms > 0) {
                int64_t k = (pt->occurred_at - ps->q->since) / p->slice_ms;
                slice = k < 0 ? 0 : (size_t)k >= n_slices ? n_slices - 1 : (size_t)k;
            }
            double w = ps->q->weight_by_severity ? (double)pt->severity : 1.0;
            p->values[slice * n_cells + (size_t)c] += w;
        }
        for (size_t k = 0; k < p->n_count; k++)
            if (p->count_ids[k] == pt->category_id)
                p->counts[k]++;
        if (p->cell_class != NULL && pt->classification > p->cell_class[c])
            p->cell_class[c] = (int8_t)pt->classification;
        if (p->cell_group != NULL && p->cell_group[c] >= 0 && p->on_member != NULL)
            p->on_member(p->member_ctx, p->cell_group[c], pt);
    }
    ps->n = 0;
}

static void on_point(void *ctx, const struct store_incident_point *pt)
{
    struct pass_state *ps = ctx;

    ps->pts[ps->n] = *pt;
    ps->lon[ps->n] = pt->lon;
    ps->lat[ps->n] = pt->lat;
    if (++ps->n == PASS_BATCH)
        flush(ps);
}

ph_err hotspot_study_pass(struct core_ctx *cx, const struct hotspot_query *q,
                          const struct hotspot_study *s, const struct incident_scope *scope,
                          const struct hotspot_pass *pass, int64_t *incidents)
{
    struct pass_state *ps = xcalloc(1, sizeof(*ps));
    struct store_point_query sq = {
        .since = q->since,
        .until = q->until,
        .category_ids = pass->category_ids,
        .n_categories = pass->n_categories,
        .force = q->force,
        .area_id = q->area_id,
    };
    ph_err rc;

    ps->q = q;
    ps->s = s;
    ps->p = pass;
    rc = store_incident_points(cx->st, &sq, scope, on_point, ps);
    if (rc == PH_OK && ps->n > 0)
        flush(ps);
    if (rc == PH_OK && incidents != NULL)
        *incidents = ps->incidents;
    free(ps);
    return rc;
}

/* ---- the analyses -------------------------------------------------------------------- */

/* Open the study for the caller and run the pass into values (slices when
 * sliced). A caller who may see no incident gets the empty surface. */
static ph_err load(struct core_ctx *cx, struct hotspot_query *q, enum hotspot_kind kind,
                   struct hotspot_study *s, double *(*alloc_values)(struct core_ctx *, size_t),
                   double **values, int64_t *incidents, const char **field)
{
    struct incident_scope scope;
    bool emerging = kind == HOTSPOT_KIND_EMERGING;
    ph_err rc = hotspot_study_open(cx, q, kind, s, field);

    if (rc != PH_OK)
        return rc;
    size_t n = s->n_cells * (emerging ? s->n_slices : 1);
    *values = alloc_values(cx, n);
    *incidents = 0;
    incident_scope_of(cx->user, &scope);
    if (scope.clearance < 0)
        return PH_OK;
    struct hotspot_pass pass = {
        .category_ids = s->category_ids,
        .n_categories = s->n_categories,
        .slice_ms = emerging ? q->slice_ms : 0,
        .values = *values,
    };
    rc = hotspot_study_pass(cx, q, s, &scope, &pass, incidents);
    if (rc != PH_OK)
        hotspot_study_close(s);
    return rc;
}

static double *arena_values(struct core_ctx *cx, size_t n)
{
    return arena_zalloc(cx->arena, (n + 1) * sizeof(double));
}

/* The cube is work memory, not a result: freed before the call returns. */
static double *heap_values(struct core_ctx *cx, size_t n)
{
    (void)cx;
    return xcalloc(n + 1, sizeof(double));
}

static void surface_init(struct hotspot_surface *out, struct hotspot_study *s, int64_t incidents)
{
    memset(out, 0, sizeof(*out));
    out->grid = s->grid;
    out->n_cells = s->n_cells;
    out->incidents = incidents;
}

ph_err hotspot_gistar(struct core_ctx *cx, struct hotspot_query *q, struct hotspot_surface *out,
                      const char **field)
{
    struct hotspot_study s;
    double *values = NULL;
    int64_t incidents = 0;
    ph_err rc = load(cx, q, HOTSPOT_KIND_GISTAR, &s, arena_values, &values, &incidents, field);

    if (rc != PH_OK)
        return rc;
    double *z = arena_alloc(cx->arena, (s.n_cells + 1) * sizeof(*z));
    double *p = arena_alloc(cx->arena, (s.n_cells + 1) * sizeof(*p));
    int8_t *sig = arena_alloc(cx->arena, s.n_cells + 1);
    rc = hs_gistar(s.grid, values, &q->gi, z, p, sig);
    if (rc != PH_OK) {
        hotspot_study_close(&s);
        return rc == PH_EINVAL ? invalid(field, "band") : rc;
    }
    surface_init(out, &s, incidents);
    out->value = values;
    out->z = z;
    out->p = p;
    out->sig = sig;
    return PH_OK;
}

ph_err hotspot_emerging(struct core_ctx *cx, struct hotspot_query *q, struct hotspot_surface *out,
                        const char **field)
{
    struct hotspot_study s;
    double *cube = NULL;
    int64_t incidents = 0;
    ph_err rc = load(cx, q, HOTSPOT_KIND_EMERGING, &s, heap_values, &cube, &incidents, field);

    if (rc != PH_OK) {
        free(cube);
        return rc;
    }
    struct hs_emerging_cell *trend = arena_alloc(cx->arena, (s.n_cells + 1) * sizeof(*trend));
    double *value = arena_zalloc(cx->arena, (s.n_cells + 1) * sizeof(*value));
    struct hs_emerging_params ep = {.gi = q->gi, .time_neighbours = q->time_neighbours};
    rc = hs_emerging(s.grid, cube, s.n_slices, &ep, trend);
    for (size_t k = 0; rc == PH_OK && k < s.n_slices; k++)
        for (size_t c = 0; c < s.n_cells; c++)
            value[c] += cube[k * s.n_cells + c];
    free(cube);
    if (rc != PH_OK) {
        hotspot_study_close(&s);
        return rc == PH_EINVAL ? invalid(field, "slice") : rc;
    }
    surface_init(out, &s, incidents);
    out->n_slices = s.n_slices;
    out->value = value;
    out->trend = trend;
    return PH_OK;
}

ph_err hotspot_density(struct core_ctx *cx, struct hotspot_query *q, struct hotspot_surface *out,
                       const char **field)
{
    struct hotspot_study s;
    double *values = NULL;
    int64_t incidents = 0;
    ph_err rc = load(cx, q, HOTSPOT_KIND_DENSITY, &s, arena_values, &values, &incidents, field);

    if (rc != PH_OK)
        return rc;
    double *density = arena_zalloc(cx->arena, (s.n_cells + 1) * sizeof(*density));
    rc = hs_density(s.grid, values, q->bandwidth_m, density);
    if (rc != PH_OK) {
        hotspot_study_close(&s);
        return rc == PH_EINVAL ? invalid(field, "bandwidth") : rc;
    }
    surface_init(out, &s, incidents);
    out->value = values;
    out->density = density;
    return PH_OK;
}

void hotspot_surface_free(struct hotspot_surface *s)
{
    if (s == NULL)
        return;
    hs_grid_free(s->grid);
    s->grid = NULL;
}
