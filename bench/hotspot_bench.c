/* hotspot_bench.c - the hot-spot benchmarks of issue 6 (analytics/hotspot.h, no
 * store, no server):
 *
 *   gistar    1,000,000 synthetic incidents (a fixed seed: 65% uniform noise over
 *             the province, 35% in 40 clusters of 200-1,500 m) over the demo
 *             province's extent (lon 105.95-106.85, lat 9.80-10.35, as
 *             src/core/demo.c draws it) on a 250 m square grid (~97,000 cells)
 *             with a 1 km band: the projection of every point into its cell
 *             (hs_grid_cells_of, fed in chunks of 4,096 as a store cursor would)
 *             plus Gi* and the FDR; goal < 1 s.
 *   reference the O(n^2) formula (sums over every pair of cells) on a ~2,000-cell
 *             grid, beside hs_gistar on the same grid, and their largest |dz|.
 *   scaling   incidents 125k..1M at 250 m, and cells 1,000..125 m at 1M.
 *   emerging  the same 1,000,000 incidents spread over 52 weekly slices (some
 *             clusters growing) into a cells x 52 cube, then hs_emerging with one
 *             previous week as neighbours; goal < 5 s.
 *   memory    each case in a child process of its own, peak RSS (ru_maxrss): 250k
 *             and 1M incidents on the same grid take the same memory, since the
 *             points stream through and only the cells are kept.
 *
 * Times are wall clock, with the CPU time beside them: on a machine shared with
 * other work the wall clock can be several times the CPU time. The generator
 * (which stands in for the store's cursor) is not counted.
 *
 * Usage: hotspot_bench [-q] (-q: the main case and the emerging one only).
 * Output (stdout): "bench hotspot ..." lines; exit 1 when it could not run. */
#include "util/base.h"
#include <math.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "analytics/hotspot.h"
#include "analytics/hotspot_int.h"
#include "util/rng.h"

#define LON0 105.95
#define LON1 106.85
#define LAT0 9.80
#define LAT1 10.35
#define CHUNK 4096
#define CLUSTERS 40
#define WEEKS 52
#define GOAL_GISTAR_S 1.0
#define GOAL_EMERGING_S 5.0

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}


/* The synthetic incidents: a stream, drawn CHUNK at a time. */
struct gen {
    uint64_t seed;
    double clon[CLUSTERS], clat[CLUSTERS], csd_deg[CLUSTERS];
    bool growing[CLUSTERS];
};

static void gen_init(struct gen *g, uint64_t seed)
{
    g->seed = seed;
    for (int i = 0; i < CLUSTERS; i++) {
        g->clon[i] = LON0 + 0.05 + rng_unif(&g->seed) * (LON1 - LON0 - 0.1);
        g->clat[i] = LAT0 + 0.05 + rng_unif(&g->seed) * (LAT1 - LAT0 - 0.1);
        g->csd_deg[i] = (200 + rng_unif(&g->seed) * 1300) / 111000.0;
        g->growing[i] = i % 4 == 0;
    }
}

/* n incidents into lon, lat and (when week is not NULL) their week 0..51. */
static void gen_chunk(struct gen *g, size_t n, double *lon, double *lat, int *week)
{
    for (size_t i = 0; i < n; i++) {
        double u = rng_unif(&g->seed);
        int w = (int)(rng_unif(&g->seed) * WEEKS);
        if (u < 0.65) {
            lon[i] = LON0 + rng_unif(&g->seed) * (LON1 - LON0);
            lat[i] = LAT0 + rng_unif(&g->seed) * (LAT1 - LAT0);
        } else {
            int c = (int)(rng_unif(&g->seed) * CLUSTERS);
            /* A growing cluster's incidents lean to later weeks (density ~ week). */
            if (g->growing[c])
                w = (int)(sqrt(rng_unif(&g->seed)) * WEEKS);
            /* Box-Muller */
            double r = sqrt(-2 * log(1 - rng_unif(&g->seed))), t = 2 * M_PI * rng_unif(&g->seed);
            lon[i] = g->clon[c] + r * cos(t) * g->csd_deg[c] / cos(g->clat[c] * M_PI / 180);
            lat[i] = g->clat[c] + r * sin(t) * g->csd_deg[c];
        }
        if (week != NULL)
            week[i] = w < WEEKS ? w : WEEKS - 1;
    }
}

static struct hs_grid *province_grid(double cell_m)
{
    struct hs_grid_spec sp = {.shape = HS_SQUARE, .cell_m = cell_m, .min_lon = LON0, .min_lat = LAT0,
                              .max_lon = LON1, .max_lat = LAT1};
    struct hs_grid *g = NULL;
    if (hs_grid_new(&sp, &g) != PH_OK) {
        fprintf(stderr, "hotspot_bench: hs_grid_new failed\n");
        exit(1);
    }
    return g;
}

struct result {
    size_t cells, incidents;
    double agg_s, gi_s, total_s;
    double cpu_s; /* CPU time of total_s (the machine may be shared) */
    size_t hot, cold;
    long maxrss_kb;
};

/* Stream n incidents into a grid of cell_m and run Gi* with a 1 km band. */
static struct result run_gistar(size_t n, double cell_m)
{
    static double lon[CHUNK], lat[CHUNK];
    static int64_t cells[CHUNK];
    struct result r = {.incidents = n};
    struct gen gen;
    struct hs_gistar_params p = {.weights = HS_DISTANCE_BAND, .band_m = fmax(1000, cell_m), .alpha = 0.05};
    double t0 = now_s(), gen_s = 0, c0 = cpu_s(), gen_cpu = 0;

    gen_init(&gen, 2024);
    struct hs_grid *g = province_grid(cell_m);
    r.cells = hs_grid_cells(g);
    double *v = calloc(r.cells, sizeof(*v)), *z = malloc(r.cells * sizeof(*z)), *pv = malloc(r.cells * sizeof(*pv));
    int8_t *sig = malloc(r.cells);
    for (size_t done = 0; done < n; done += CHUNK) {
        size_t m = n - done < CHUNK ? n - done : CHUNK;
        double tg = now_s(), cg = cpu_s();
        gen_chunk(&gen, m, lon, lat, NULL);
        gen_s += now_s() - tg; /* the generator stands in for the store: not counted */
        gen_cpu += cpu_s() - cg;
        hs_grid_cells_of(g, lon, lat, m, cells);
        for (size_t i = 0; i < m; i++)
            if (cells[i] >= 0)
                v[cells[i]] += 1;
    }
    double t1 = now_s();
    if (hs_gistar(g, v, &p, z, pv, sig) != PH_OK) {
        fprintf(stderr, "hotspot_bench: hs_gistar failed\n");
        exit(1);
    }
    double t2 = now_s();
    for (size_t c = 0; c < r.cells; c++)
        r.hot += sig[c] > 0, r.cold += sig[c] < 0;
    r.agg_s = t1 - t0 - gen_s;
    r.gi_s = t2 - t1;
    r.total_s = t2 - t0 - gen_s;
    r.cpu_s = cpu_s() - c0 - gen_cpu;
    free(v);
    free(z);
    free(pv);
    free(sig);
    hs_grid_free(g);
    return r;
}

static struct result run_emerging(size_t n, double cell_m, size_t counts[3])
{
    static double lon[CHUNK], lat[CHUNK];
    static int64_t cells[CHUNK];
    static int week[CHUNK];
    struct result r = {.incidents = n};
    struct gen gen;
    struct hs_emerging_params p = {.gi = {.weights = HS_DISTANCE_BAND, .band_m = 1000, .alpha = 0.05},
                                   .time_neighbours = 1};
    double t0 = now_s(), gen_s = 0, c0 = cpu_s(), gen_cpu = 0;

    gen_init(&gen, 2024);
    struct hs_grid *g = province_grid(cell_m);
    r.cells = hs_grid_cells(g);
    double *cube = calloc(r.cells * WEEKS, sizeof(*cube));
    struct hs_emerging_cell *out = malloc(r.cells * sizeof(*out));
    for (size_t done = 0; done < n; done += CHUNK) {
        size_t m = n - done < CHUNK ? n - done : CHUNK;
        double tg = now_s(), cg = cpu_s();
        gen_chunk(&gen, m, lon, lat, week);
        gen_s += now_s() - tg;
        gen_cpu += cpu_s() - cg;
        hs_grid_cells_of(g, lon, lat, m, cells);
        for (size_t i = 0; i < m; i++)
            if (cells[i] >= 0)
                cube[(size_t)week[i] * r.cells + (size_t)cells[i]] += 1;
    }
    double t1 = now_s();
    if (hs_emerging(g, cube, WEEKS, &p, out) != PH_OK) {
        fprintf(stderr, "hotspot_bench: hs_emerging failed\n");
        exit(1);
    }
    double t2 = now_s();
    counts[0] = counts[1] = counts[2] = 0;
    for (size_t c = 0; c < r.cells; c++) {
        counts[0] += out[c].trend_class == HS_NEW_HOT || out[c].trend_class == HS_CONSECUTIVE_HOT;
        counts[1] += out[c].trend_class == HS_INTENSIFYING_HOT;
        counts[2] += out[c].trend_class != HS_NO_PATTERN;
    }
    r.agg_s = t1 - t0 - gen_s;
    r.gi_s = t2 - t1;
    r.total_s = t2 - t0 - gen_s;
    r.cpu_s = cpu_s() - c0 - gen_cpu;
    free(cube);
    free(out);
    hs_grid_free(g);
    return r;
}

/* The reference: Gi* from the formula, every pair of cells. */
static void reference_gistar(const struct hs_grid *g, const double *v, double band_m, double *z)
{
    size_t n = hs_grid_cells(g);
    double sx = 0, sxx = 0;
    for (size_t j = 0; j < n; j++)
        sx += v[j], sxx += v[j] * v[j];
    double mean = sx / (double)n, S = sqrt(sxx / (double)n - mean * mean);
    for (size_t i = 0; i < n; i++) {
        double xi, yi, swx = 0, sw = 0;
        hs_grid_xy(g, i, &xi, &yi);
        for (size_t j = 0; j < n; j++) {
            double xj, yj;
            hs_grid_xy(g, j, &xj, &yj);
            if (hypot(xi - xj, yi - yj) <= band_m * (1 + 1e-10))
                swx += v[j], sw += 1;
        }
        z[i] = (swx - mean * sw) / (S * sqrt(((double)n * sw - sw * sw) / ((double)n - 1)));
    }
}

static void bench_reference(void)
{
    static double lon[CHUNK], lat[CHUNK];
    static int64_t cells[CHUNK];
    struct gen gen;
    double cell_m = 1700, band_m = 3400;
    struct hs_gistar_params p = {.weights = HS_DISTANCE_BAND, .band_m = band_m, .alpha = 0.05};
    struct hs_grid *g = province_grid(cell_m);
    size_t n = hs_grid_cells(g);
    double *v = calloc(n, sizeof(*v)), *z = malloc(n * sizeof(*z)), *rz = malloc(n * sizeof(*rz));
    double *pv = malloc(n * sizeof(*pv)), dz = 0;
    int8_t *sig = malloc(n);

    gen_init(&gen, 2024);
    for (size_t done = 0; done < 100000; done += CHUNK) {
        gen_chunk(&gen, CHUNK, lon, lat, NULL);
        hs_grid_cells_of(g, lon, lat, CHUNK, cells);
        for (size_t i = 0; i < CHUNK; i++)
            if (cells[i] >= 0)
                v[cells[i]] += 1;
    }
    double t0 = now_s();
    if (hs_gistar(g, v, &p, z, pv, sig) != PH_OK)
        exit(1);
    double t1 = now_s();
    reference_gistar(g, v, band_m, rz);
    double t2 = now_s();
    for (size_t i = 0; i < n; i++)
        dz = fmax(dz, fabs(z[i] - rz[i]));
    printf("bench hotspot reference: %zu cells (%.0f m, band %.0f m): hs_gistar %.3f ms, O(n^2) reference %.1f ms "
           "(x%.0f), largest |dz| %.1e\n",
           n, cell_m, band_m, (t1 - t0) * 1e3, (t2 - t1) * 1e3, (t2 - t1) / fmax(t1 - t0, 1e-9), dz);
    free(v);
    free(z);
    free(rz);
    free(pv);
    free(sig);
    hs_grid_free(g);
}

/* Run one case in a child process so that its peak RSS is its own. */
enum { CASE_GISTAR, CASE_EMERGING };
static long in_child(int kind, size_t n, double cell_m, struct result *out, size_t counts[3])
{
    int fd[2];
    pid_t pid;
    struct {
        struct result r;
        size_t counts[3];
    } msg;

    if (pipe(fd) != 0 || (pid = fork()) < 0) {
        perror("hotspot_bench: fork");
        exit(1);
    }
    if (pid == 0) {
        struct rusage ru;
        close(fd[0]);
        memset(&msg, 0, sizeof(msg));
        msg.r = kind == CASE_GISTAR ? run_gistar(n, cell_m) : run_emerging(n, cell_m, msg.counts);
        getrusage(RUSAGE_SELF, &ru);
        msg.r.maxrss_kb = ru.ru_maxrss;
        ssize_t w = write(fd[1], &msg, sizeof(msg));
        _exit(w == (ssize_t)sizeof(msg) ? 0 : 1);
    }
    close(fd[1]);
    ssize_t got = read(fd[0], &msg, sizeof(msg));
    close(fd[0]);
    int status;
    waitpid(pid, &status, 0);
    if (got != (ssize_t)sizeof(msg) || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "hotspot_bench: a case failed\n");
        exit(1);
    }
    *out = msg.r;
    if (counts != NULL)
        memcpy(counts, msg.counts, sizeof(msg.counts));
    return msg.r.maxrss_kb;
}

int main(int argc, char **argv)
{
    bool quick = argc > 1 && strcmp(argv[1], "-q") == 0;
    struct result r, r250k;
    size_t counts[3];

    in_child(CASE_GISTAR, 1000000, 250, &r, NULL);
    printf("bench hotspot gistar: 1000000 incidents, %zu cells (250 m, band 1 km): %.3f s (projection and "
           "aggregation %.3f s, Gi* + FDR %.3f s; goal < %.0f s)%s, CPU %.3f s; %zu hot, %zu cold cells; peak RSS "
           "%.1f MB\n",
           r.cells, r.total_s, r.agg_s, r.gi_s, GOAL_GISTAR_S, r.total_s < GOAL_GISTAR_S ? "" : " OVER GOAL", r.cpu_s,
           r.hot, r.cold, (double)r.maxrss_kb / 1024);
    in_child(CASE_GISTAR, 250000, 250, &r250k, NULL);
    printf("bench hotspot memory: peak RSS %.1f MB for 250000 incidents, %.1f MB for 1000000 (same %zu cells): "
           "proportional to cells, not incidents\n",
           (double)r250k.maxrss_kb / 1024, (double)r.maxrss_kb / 1024, r.cells);
    if (!quick) {
        bench_reference();
        printf("bench hotspot scaling (band 1 km; seconds; each in its own process):\n");
        printf("  %10s %8s %9s %10s %8s %8s %8s %9s\n", "incidents", "cell_m", "cells", "aggregate", "Gi*", "total",
               "CPU", "RSS MB");
        static const size_t ns[] = {125000, 250000, 500000, 1000000};
        for (size_t i = 0; i < PH_NELEM(ns); i++) {
            in_child(CASE_GISTAR, ns[i], 250, &r, NULL);
            printf("  %10zu %8.0f %9zu %10.3f %8.3f %8.3f %8.3f %9.1f\n", ns[i], 250.0, r.cells, r.agg_s, r.gi_s,
                   r.total_s, r.cpu_s, (double)r.maxrss_kb / 1024);
        }
        static const double cm[] = {1000, 500, 250, 125};
        for (size_t i = 0; i < PH_NELEM(cm); i++) {
            in_child(CASE_GISTAR, 1000000, cm[i], &r, NULL);
            printf("  %10d %8.0f %9zu %10.3f %8.3f %8.3f %8.3f %9.1f\n", 1000000, cm[i], r.cells, r.agg_s, r.gi_s,
                   r.total_s, r.cpu_s, (double)r.maxrss_kb / 1024);
        }
    }
    in_child(CASE_EMERGING, 1000000, 250, &r, counts);
    printf("bench hotspot emerging: 1000000 incidents, %zu cells x %d weekly slices (250 m, band 1 km, 1 previous "
           "week): %.3f s (aggregation %.3f s, space-time Gi* + FDR + Mann-Kendall + classes %.3f s; goal < %.0f "
           "s)%s, CPU %.3f s; %zu new/consecutive hot, %zu intensifying hot, %zu with a pattern; peak RSS %.1f MB "
           "(the cube is %.1f MB)\n",
           r.cells, WEEKS, r.total_s, r.agg_s, r.gi_s, GOAL_EMERGING_S, r.total_s < GOAL_EMERGING_S ? "" : " OVER GOAL",
           r.cpu_s, counts[0], counts[1], counts[2], (double)r.maxrss_kb / 1024,
           (double)r.cells * WEEKS * sizeof(double) / 1048576.0);
    return 0;
}
