/* cmd_hotspots.c - `phoihop hotspots`: the hot-spot analyses of GET
 * /api/v1/analytics/... from the command line (core/hotspot.h; method in
 * docs/HOTSPOTS.md): Getis-Ord Gi* by default, emerging hot spots with
 * --emerging, kernel density with --density.
 *
 * The options are the API's parameters under the names a person types (--area
 * for area_id, --knn K for weights=knn&k=K) and go through the same parser
 * (proto/hsquery.h); --since and --until also take dates (midnight in
 * Asia/Ho_Chi_Minh). As whom: --as USERNAME counts only what that person may
 * see, as the API would for them; without it, as the installation (everything).
 *
 * Output: a table on stdout (Gi*: the significant cells, hottest first; emerging:
 * how many cells fall in each class, then the cells with a class; density: the
 * densest cells), times in Asia/Ho_Chi_Minh; or with --geojson the API's
 * FeatureCollection (proto/geojson_cells.h, the same writer). */
#include "util/base.h"
#include <math.h>
#include "cli/cli.h"
#include "core/hotspot.h"
#include "proto/geojson_cells.h"
#include "proto/hsquery.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/mem.h"

#define HOTSPOTS_DEFAULT_PERIOD_MS (90LL * 24 * 3600 * 1000) /* as the API */
#define HOTSPOTS_DENSITY_ROWS 20
#define HOTSPOTS_GEOJSON_MAX_BYTES ((size_t)1 << 30)

enum {
    O_DB, O_AS, O_SINCE, O_UNTIL, O_CATEGORY, O_FORCE, O_AREA, O_WEIGHT, O_CELL, O_SHAPE,
    O_BAND, O_KNN, O_ALPHA, O_EMERGING, O_SLICE, O_TIME_NEIGHBOURS, O_DENSITY, O_BANDWIDTH,
    O_GEOJSON,
};

/* The parser's parameter names and the options that carry them. */
static const struct {
    const char *param;
    int opt;
} param_opts[] = {
    {"category", O_CATEGORY}, {"force", O_FORCE},   {"area_id", O_AREA},
    {"weight", O_WEIGHT},     {"cell", O_CELL},     {"shape", O_SHAPE},
    {"band", O_BAND},         {"k", O_KNN},         {"alpha", O_ALPHA},
    {"slice", O_SLICE},       {"time_neighbours", O_TIME_NEIGHBOURS},
    {"bandwidth", O_BANDWIDTH},
};

static const char *opt_get(void *ctx, const char *name)
{
    const struct cli_opt *opts = ctx;
    for (size_t i = 0; i < PH_NELEM(param_opts); i++)
        if (strcmp(param_opts[i].param, name) == 0)
            return opts[param_opts[i].opt].value;
    return NULL; /* "weights": --knn says it */
}

/* The option of a parameter or a field of hotspot_query_check ("area": --area). */
static const char *opt_name(const struct cli_opt *opts, const char *field)
{
    if (field == NULL)
        return "?";
    if (strcmp(field, "area") == 0)
        return opts[O_AREA].name;
    if (strcmp(field, "since") == 0 || strcmp(field, "until") == 0)
        return field;
    for (size_t i = 0; i < PH_NELEM(param_opts); i++)
        if (strcmp(param_opts[i].param, field) == 0)
            return opts[param_opts[i].opt].name;
    return field;
}

/* v with the given decimals, "-" when the analysis could not say. */
static const char *num(struct arena *a, int decimals, double v)
{
    return isfinite(v) ? arena_printf(a, "%.*f", decimals, v) : "-";
}

/* A p-value: two significant digits ("0.0036", "4.1e-05"). */
static const char *pval(struct arena *a, double v)
{
    return isfinite(v) ? arena_printf(a, "%.2g", v) : "-";
}

/* Cell c's number, centre and count: the first five columns of every table. */
static void cell_cells(struct arena *a, const struct hotspot_surface *s, size_t c, double count,
                       const char **row)
{
    double lon, lat;
    hs_grid_centre(s->grid, c, &lon, &lat);
    row[0] = arena_printf(a, "%zu", c);
    row[1] = arena_printf(a, "%.5f", lat);
    row[2] = arena_printf(a, "%.5f", lon);
    row[3] = arena_printf(a, "%.0f", count);
}

/* Sorting cells by a key, largest first (ties by cell number). */
static const double *sort_key;
static int by_key_desc(const void *pa, const void *pb)
{
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    double ka = sort_key[a], kb = sort_key[b];
    if (ka != kb)
        return ka > kb ? -1 : 1;
    return a < b ? -1 : a > b;
}

static void print_summary(struct arena *a, const char *what, const struct hotspot_query *q,
                          const struct hotspot_surface *s)
{
    int64_t in_study = 0;
    for (size_t c = 0; c < s->n_cells; c++)
        in_study += hs_grid_in_study(s->grid, c);
    printf("%s: %lld incidents from %s to %s, %lld cells of %.0f m (%s)\n", what,
           (long long)s->incidents, cli_vn_time(a, q->since), cli_vn_time(a, q->until),
           (long long)in_study, q->cell_m, hsquery_shape_name(q->shape));
}

static void print_weights(const struct hotspot_query *q)
{
    if (q->gi.weights == HS_KNN)
        printf("neighbours: the %d nearest cells; false discovery rate %g\n", q->gi.k, q->gi.alpha);
    else
        printf("neighbours: within %.0f m; false discovery rate %g\n", q->gi.band_m, q->gi.alpha);
}

static void print_gistar(struct arena *a, const struct hotspot_query *q,
                         const struct hotspot_surface *s)
{
    static const char *const heads[] = {"cell", "lat", "lon", "count", "z", "p", "kind"};
    size_t n = 0, hot = 0;
    size_t *idx = xcalloc(s->n_cells + 1, sizeof(*idx));

    for (size_t c = 0; c < s->n_cells; c++)
        if (s->sig[c] != 0) {
            idx[n++] = c;
            hot += s->sig[c] > 0;
        }
    print_summary(a, "Gi*", q, s);
    print_weights(q);
    printf("%zu hot, %zu cold\n", hot, n - hot);
    sort_key = s->z;
    qsort(idx, n, sizeof(*idx), by_key_desc);
    const char **cells = arena_alloc(a, (n + 1) * PH_NELEM(heads) * sizeof(*cells));
    for (size_t i = 0; i < n; i++) {
        size_t c = idx[i];
        const char **row = &cells[i * PH_NELEM(heads)];
        cell_cells(a, s, c, s->value[c], row);
        row[4] = num(a, 2, s->z[c]);
        row[5] = pval(a, s->p[c]);
        row[6] = geojson_cells_kind(s->sig[c]);
    }
    if (n > 0)
        cli_print_table(heads, cells, n, (int)PH_NELEM(heads));
    free(idx);
}

static void print_emerging(struct arena *a, const struct hotspot_query *q,
                           const struct hotspot_surface *s)
{
    static const char *const heads[] = {"cell",    "lat",    "lon",        "count",      "trend",
                                        "trend_z", "last_z", "hot slices", "cold slices"};
    size_t counts[HS_HISTORICAL_COLD + 1] = {0}, n = 0;
    size_t *idx = xcalloc(s->n_cells + 1, sizeof(*idx));
    double *key = xcalloc(s->n_cells + 1, sizeof(*key));

    for (size_t c = 0; c < s->n_cells; c++) {
        unsigned k = s->trend[c].trend_class;
        if (k == HS_NO_PATTERN || k > HS_HISTORICAL_COLD)
            continue;
        counts[k]++;
        idx[n++] = c;
        /* Hot classes first, in the classes' order, then by the last slice's z. */
        key[c] = -(double)k * 1000.0 + (isfinite(s->trend[c].last_z) ? s->trend[c].last_z : 0);
    }
    print_summary(a, "Emerging hot spots", q, s);
    print_weights(q);
    printf("%zu slices of %lld days\n", s->n_slices, (long long)(q->slice_ms / HSQUERY_DAY_MS));
    for (unsigned k = HS_NEW_HOT; k <= HS_HISTORICAL_COLD; k++)
        if (counts[k] > 0)
            printf("  %-20s %zu\n", hs_trend_name((enum hs_trend_class)k), counts[k]);
    if (n == 0)
        printf("  no cell with a trend\n");
    sort_key = key;
    qsort(idx, n, sizeof(*idx), by_key_desc);
    const char **cells = arena_alloc(a, (n + 1) * PH_NELEM(heads) * sizeof(*cells));
    for (size_t i = 0; i < n; i++) {
        const struct hs_emerging_cell *e = &s->trend[idx[i]];
        const char **row = &cells[i * PH_NELEM(heads)];
        cell_cells(a, s, idx[i], e->count, row);
        row[4] = hs_trend_name((enum hs_trend_class)e->trend_class);
        row[5] = num(a, 2, e->trend_z);
        row[6] = num(a, 2, e->last_z);
        row[7] = arena_printf(a, "%u", (unsigned)e->hot_slices);
        row[8] = arena_printf(a, "%u", (unsigned)e->cold_slices);
    }
    if (n > 0)
        cli_print_table(heads, cells, n, (int)PH_NELEM(heads));
    free(key);
    free(idx);
}

static void print_density(struct arena *a, const struct hotspot_query *q,
                          const struct hotspot_surface *s)
{
    static const char *const heads[] = {"cell", "lat", "lon", "count", "per km2"};
    size_t n = 0;
    size_t *idx = xcalloc(s->n_cells + 1, sizeof(*idx));

    for (size_t c = 0; c < s->n_cells; c++)
        if (s->density[c] > 0)
            idx[n++] = c;
    print_summary(a, "Kernel density", q, s);
    printf("bandwidth %.0f m; %zu cells above zero%s\n", q->bandwidth_m, n,
           n > HOTSPOTS_DENSITY_ROWS ? ", the densest shown" : "");
    sort_key = s->density;
    qsort(idx, n, sizeof(*idx), by_key_desc);
    if (n > HOTSPOTS_DENSITY_ROWS)
        n = HOTSPOTS_DENSITY_ROWS;
    const char **cells = arena_alloc(a, (n + 1) * PH_NELEM(heads) * sizeof(*cells));
    for (size_t i = 0; i < n; i++) {
        const char **row = &cells[i * PH_NELEM(heads)];
        cell_cells(a, s, idx[i], s->value != NULL ? s->value[idx[i]] : 0, row);
        row[4] = num(a, 3, s->density[idx[i]]);
    }
    if (n > 0)
        cli_print_table(heads, cells, n, (int)PH_NELEM(heads));
    free(idx);
}

int cmd_hotspots(int argc, char **argv)
{
    struct cli_opt opts[] = {
        [O_DB] = {"db", "PATH", "database file (or sqlite:PATH)", NULL, false},
        [O_AS] = {"as", "USERNAME", "count only what this person may see", NULL, false},
        [O_SINCE] = {"since", "TIME", "from (RFC 3339, or a date; default 90 days before --until)",
                     NULL, false},
        [O_UNTIL] = {"until", "TIME", "to, not included (RFC 3339, or a date; default now)", NULL,
                     false},
        [O_CATEGORY] = {"category", "CODES", "category codes, comma-separated (default all)", NULL,
                        false},
        [O_FORCE] = {"force", "FORCE", "the lead unit's force: police, military, border_guard",
                     NULL, false},
        [O_AREA] = {"area", "ID", "an area (and the areas below it); default the province", NULL,
                    false},
        [O_WEIGHT] = {"weight", "count|severity", "count incidents, or sum their severity", NULL,
                      false},
        [O_CELL] = {"cell", "METRES", "cell size (default 500)", NULL, false},
        [O_SHAPE] = {"shape", "square|hexagon", "cell shape (default square)", NULL, false},
        [O_BAND] = {"band", "METRES", "neighbours within this distance (default 1000)", NULL,
                    false},
        [O_KNN] = {"knn", "K", "neighbours: the K nearest cells instead of --band", NULL, false},
        [O_ALPHA] = {"alpha", "A", "false discovery rate (default 0.05)", NULL, false},
        [O_EMERGING] = {"emerging", NULL, "emerging hot spots over time slices", NULL, false},
        [O_SLICE] = {"slice", "day|week|month", "with --emerging: the slice (default week)", NULL,
                     false},
        [O_TIME_NEIGHBOURS] = {"time-neighbours", "N",
                               "with --emerging: earlier slices as neighbours (default 1)", NULL,
                               false},
        [O_DENSITY] = {"density", NULL, "kernel density instead of Gi*", NULL, false},
        [O_BANDWIDTH] = {"bandwidth", "METRES", "with --density: the kernel's radius (default 1000)",
                         NULL, false},
        [O_GEOJSON] = {"geojson", NULL, "print the GeoJSON FeatureCollection instead of a table",
                       NULL, false},
    };
    const struct cli_spec spec = {
        .name = "hotspots",
        .synopsis = "hotspots --db PATH [--since TIME] [--until TIME] [--category CODES]\n"
                    "       [--cell 500] [--shape hexagon] [--band 1000 | --knn K] [--alpha A]\n"
                    "       [--force FORCE] [--area ID] [--emerging [--slice week]]\n"
                    "       [--density [--bandwidth M]] [--geojson] [--as USERNAME]",
        .about = "Hot spots of the incidents (actual ones, not merged) that occurred between\n"
                 "--since and --until, on a grid of cells: Getis-Ord Gi* with a false\n"
                 "discovery rate correction (prints the significant cells, hottest first),\n"
                 "--emerging for the trend of each cell over time slices (prints how many\n"
                 "cells fall in each class, then those cells), or --density for a kernel\n"
                 "density surface (prints the densest cells). Times are shown in\n"
                 "Asia/Ho_Chi_Minh. --geojson prints what GET /api/v1/analytics/... answers.\n"
                 "Method and parameters: docs/HOTSPOTS.md.",
        .opts = opts,
        .n_opts = PH_NELEM(opts),
        .max_args = 0,
    };
    char *args[1];
    size_t n_args = 0;
    struct store *st = NULL;
    struct arena a;
    struct core_ctx cx;
    struct core_user who;
    struct hsquery hq;
    struct hotspot_surface s;
    const char *field = NULL;
    enum geojson_cells_analysis which = GEOJSON_CELLS_GISTAR;
    int ec = cli_parse(&spec, argc, argv, args, &n_args);
    ph_err rc;

    if (ec != CLI_CONTINUE)
        return ec;
    memset(&hq, 0, sizeof(hq));
    memset(&s, 0, sizeof(s));
    arena_init(&a);
    if (cli_flag(&opts[O_EMERGING]) && cli_flag(&opts[O_DENSITY])) {
        ec = cli_usage_error(&spec, "--emerging and --density are two analyses: choose one");
        goto out;
    }
    if (cli_flag(&opts[O_EMERGING]))
        which = GEOJSON_CELLS_EMERGING;
    if (cli_flag(&opts[O_DENSITY]))
        which = GEOJSON_CELLS_DENSITY;
    if (opts[O_BAND].value != NULL && opts[O_KNN].value != NULL) {
        ec = cli_usage_error(&spec, "--band and --knn are two kinds of neighbours: choose one");
        goto out;
    }
    if (which != GEOJSON_CELLS_EMERGING &&
        (opts[O_SLICE].value != NULL || opts[O_TIME_NEIGHBOURS].value != NULL)) {
        ec = cli_usage_error(&spec, "--slice and --time-neighbours go with --emerging");
        goto out;
    }
    if (which != GEOJSON_CELLS_DENSITY && opts[O_BANDWIDTH].value != NULL) {
        ec = cli_usage_error(&spec, "--bandwidth goes with --density");
        goto out;
    }
    if ((ec = cli_time_opt(&spec, &opts[O_SINCE], true, &hq.q.since)) != CLI_CONTINUE ||
        (ec = cli_time_opt(&spec, &opts[O_UNTIL], true, &hq.q.until)) != CLI_CONTINUE)
        goto out;
    if (hsquery_parse(opt_get, opts, &a, &hq, &field) != PH_OK) {
        ec = cli_usage_error(&spec, "--%s: not a valid value", opt_name(opts, field));
        goto out;
    }
    if (which == GEOJSON_CELLS_EMERGING && hq.slice == NULL) {
        hq.slice = "week";
        hq.q.slice_ms = 7 * HSQUERY_DAY_MS;
    }
    ec = cli_open_as(&spec, &opts[O_DB], &opts[O_AS], &a, &st, &cx, &who);
    if (ec != CLI_CONTINUE)
        goto out;
    if (opts[O_UNTIL].value == NULL)
        hq.q.until = cx.now_ms + 1; /* [since, until): now included */
    if (opts[O_SINCE].value == NULL)
        hq.q.since = hq.q.until - HOTSPOTS_DEFAULT_PERIOD_MS;

    switch (which) {
    case GEOJSON_CELLS_GISTAR:
        rc = hotspot_gistar(&cx, &hq.q, &s, &field);
        break;
    case GEOJSON_CELLS_EMERGING:
        rc = hotspot_emerging(&cx, &hq.q, &s, &field);
        break;
    default:
        rc = hotspot_density(&cx, &hq.q, &s, &field);
        break;
    }
    if (rc == PH_EINVAL) {
        ec = cli_usage_error(&spec, "--%s: out of range or unknown", opt_name(opts, field));
        goto out;
    }
    if (rc != PH_OK) {
        ec = cli_fail_rc("cannot analyse the incidents", rc, NULL);
        goto out;
    }
    if (cli_flag(&opts[O_GEOJSON])) {
        struct buf b;
        const struct geojson_cells_meta m = {which, &hq.q, hq.slice};
        buf_init(&b, HOTSPOTS_GEOJSON_MAX_BYTES);
        rc = geojson_cells_write(&b, &s, &m);
        if (rc == PH_OK && (fwrite(b.data, 1, b.len, stdout) != b.len || fputc('\n', stdout) == EOF))
            rc = PH_EIO;
        buf_release(&b);
        ec = rc == PH_OK ? CLI_EXIT_OK : cli_fail_rc("cannot write the GeoJSON", rc, NULL);
        goto out;
    }
    if (which == GEOJSON_CELLS_GISTAR)
        print_gistar(&a, &hq.q, &s);
    else if (which == GEOJSON_CELLS_EMERGING)
        print_emerging(&a, &hq.q, &s);
    else
        print_density(&a, &hq.q, &s);
    ec = CLI_EXIT_OK;
out:
    hotspot_surface_free(&s);
    if (st != NULL)
        store_close(st);
    arena_release(&a);
    if (ec == CLI_EXIT_OK && fflush(stdout) != 0)
        ec = cli_fail("cannot write the output: %s", strerror(errno));
    return ec;
}
