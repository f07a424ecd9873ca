/* geo_bench.c - the area lookup benchmark of issue 8: "point-in-polygon with an
 * R*Tree pre-filter and exact ring tests ... at least 200,000 points/s on the
 * real Bến Tre boundaries".
 *
 * The boundaries of Bến Tre (../shared/geo/gis-83-ben-tre.json: the province and
 * its 9 districts, ~2,000 vertices) go into a fresh database as areas, through
 * core's area_create with their official codes (83, 829..838). Then COUNT points
 * drawn uniformly (a fixed seed) in the province's bounding box, so that some fall
 * in a district, some in the province only, some in none, are resolved by
 * geo_resolve_area, the service every located incident goes through:
 *   - in a transaction, as the writer thread resolves a new incident's place (the
 *     store keeps the areas and their boxes between calls there);
 *   - outside one, as a reader connection does (an R*Tree query per point).
 * The goal applies to both. The reference of the same run: the same points
 * against a naive loop over every outline already parsed in memory (no R*Tree,
 * no bounding boxes, the plain crossing-number test over every edge of every
 * ring), deepest level first; its answers must equal the service's, point for
 * point, or the benchmark fails.
 *
 * Usage: geo_bench [-n COUNT] [-f FILE]   (defaults 200000 and
 *        ../shared/geo/gis-83-ben-tre.json, relative to the repository root)
 * Output (stdout): "bench geo: ..." lines. Exit 0 with a "SKIP" line when the data
 * file is missing, 1 when a store or core call failed or an answer differed. */
#include "util/base.h"
#include <jansson.h>
#include <math.h>
#include <time.h>
#include <unistd.h>
#include "core/area.h"
#include "core/ctx.h"
#include "core/geo.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/time.h"
#include "util/rng.h"

#define DEFAULT_FILE "../shared/geo/gis-83-ben-tre.json"
#define GOAL_PER_S 200000.0
#define MAX_AREAS 16
#define DATE "2025-06-01"

struct bench_area {
    int64_t id;
    const char *code;
    struct geo_shape shape; /* parsed once, for the reference */
};

static double cpu_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double wall_s(void)
{
    return (double)time_mono_ns() / 1e9;
}


/* ---- the reference: every edge of every ring, no boxes ----------------------------- */

static bool naive_ring(const struct geo_ring *r, double x, double y, bool *on_edge)
{
    const double eps = 1e-9; /* GEO_EDGE_EPS_DEG */
    bool inside = false;

    for (size_t i = 0; i + 1 < r->n; i++) {
        double ax = r->xy[2 * i], ay = r->xy[2 * i + 1];
        double bx = r->xy[2 * i + 2], by = r->xy[2 * i + 3];
        double dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
        double t = len2 > 0 ? ((x - ax) * dx + (y - ay) * dy) / len2 : 0;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        double ex = ax + t * dx - x, ey = ay + t * dy - y;
        if (ex * ex + ey * ey <= eps * eps) {
            *on_edge = true;
            return false;
        }
        if ((ay > y) != (by > y) && x < ax + (y - ay) * dx / dy)
            inside = !inside;
    }
    return inside;
}

static bool naive_contains(const struct geo_shape *s, double x, double y)
{
    for (size_t p = 0; p < s->n_polys; p++) {
        const struct geo_polygon *poly = &s->polys[p];
        bool edge = false, in = naive_ring(&poly->rings[0], x, y, &edge);
        if (edge)
            return true;
        for (size_t h = 1; in && h < poly->n_rings; h++) {
            bool hedge = false;
            if (naive_ring(&poly->rings[h], x, y, &hedge))
                in = false;
        }
        if (in)
            return true;
    }
    return false;
}

/* ---- loading the boundaries ---------------------------------------------------------- */

/* The unit's geometry ({"type", "coordinates"}) as GeoJSON text in a. */
static const char *unit_geometry(struct arena *a, const json_t *u)
{
    json_t *g = json_pack("{s:O,s:O}", "type", json_object_get(u, "type"), "coordinates",
                          json_object_get(u, "coordinates"));
    char *text = g != NULL ? json_dumps(g, JSON_COMPACT) : NULL;
    const char *out = arena_strdup(a, text);

    free(text);
    json_decref(g);
    return out;
}

static bool add_area(struct core_ctx *cx, const json_t *u, const char *code, const char *level,
                     int64_t parent_id, struct bench_area *out)
{
    const char *why = NULL, *field = NULL;
    struct area ar = {.code = code,
                      .name = json_string_value(json_object_get(u, "name")),
                      .level = level,
                      /* The three districts on the sea; the province too. */
                      .kind = strcmp(code, "83") == 0 || strcmp(code, "835") == 0 ||
                                      strcmp(code, "836") == 0 || strcmp(code, "837") == 0
                                  ? "coastal"
                                  : "inland",
                      .parent_id = parent_id,
                      .geometry = unit_geometry(cx->arena, u),
                      .valid_from = "2025-03-01"};
    ph_err rc;

    if (ar.geometry == NULL || ar.name == NULL) {
        fprintf(stderr, "geo_bench: unit %s has no name or geometry\n", code);
        return false;
    }
    rc = area_create(cx, &ar, &field);
    if (rc != PH_OK) {
        fprintf(stderr, "geo_bench: area %s: %s (%s)\n", code, err_str(rc), field ? field : "");
        return false;
    }
    out->id = ar.id;
    out->code = code;
    if (geo_shape_parse(cx->arena, ar.geometry, strlen(ar.geometry), &out->shape, &why) != PH_OK) {
        fprintf(stderr, "geo_bench: area %s: %s\n", code, why ? why : "?");
        return false;
    }
    return true;
}

/* The province and its districts into areas[] (districts first: deepest first, as
 * the service answers). */
static bool load(struct core_ctx *cx, const json_t *root, struct bench_area *areas, size_t *n,
                 struct geo_bbox *box)
{
    const json_t *l2 = json_object_get(root, "level2s");
    struct bench_area province;
    size_t k = 0;
    ph_err rc = store_tx_begin(cx->st);
    bool ok = rc == PH_OK;

    ok = ok && json_is_array(l2) && json_array_size(l2) + 1 <= MAX_AREAS &&
         add_area(cx, root, json_string_value(json_object_get(root, "level1_id")), "province", 0,
                  &province);
    for (size_t i = 0; ok && i < json_array_size(l2); i++) {
        const json_t *u = json_array_get(l2, i);
        const char *code = json_string_value(json_object_get(u, "level2_id"));
        ok = code != NULL && add_area(cx, u, code, "district", province.id, &areas[k++]);
    }
    if (ok) {
        areas[k++] = province;
        ok = store_tx_commit(cx->st) == PH_OK;
    } else if (rc == PH_OK) {
        (void)store_tx_rollback(cx->st);
    }
    *n = k;
    *box = province.shape.bbox;
    return ok;
}

/* ---- timing ------------------------------------------------------------------------- */

/* Resolve every point through the service; answers into got[]. */
/* How the calls are made: in the writer's transaction, one by one on a reader's
 * connection (each call takes SQLite's read lock), or by a reader in one read
 * snapshot (store_read_begin: the lock once for the batch). */
enum mode { IN_TX, PLAIN, READ_SNAPSHOT };

static bool run_service(struct core_ctx *cx, const double *pts, size_t count, int64_t *got,
                        enum mode mode, double *wall, double *cpu)
{
    struct arena a;
    struct core_ctx job = *cx;
    double w0, c0;
    bool ok = true;

    arena_init(&a);
    job.arena = &a;
    if (mode == IN_TX && store_tx_begin(cx->st) != PH_OK)
        return false;
    if (mode == READ_SNAPSHOT && store_read_begin(cx->st) != PH_OK)
        return false;
    w0 = wall_s();
    c0 = cpu_s();
    for (size_t i = 0; ok && i < count; i++) {
        /* The arena holds each call's candidates: emptied now and then, as the
         * writer empties a job's. */
        if (i % 4096 == 4095) {
            arena_release(&a);
            arena_init(&a);
        }
        ok = geo_resolve_area(&job, pts[2 * i + 1], pts[2 * i], DATE, &got[i]) == PH_OK;
    }
    *wall = wall_s() - w0;
    *cpu = cpu_s() - c0;
    if (mode == IN_TX)
        ok = store_tx_rollback(cx->st) == PH_OK && ok;
    if (mode == READ_SNAPSHOT)
        ok = store_read_end(cx->st) == PH_OK && ok;
    arena_release(&a);
    return ok;
}

static void run_naive(const struct bench_area *areas, size_t n_areas, const double *pts,
                      size_t count, int64_t *got, double *wall, double *cpu)
{
    double w0 = wall_s(), c0 = cpu_s();

    for (size_t i = 0; i < count; i++) {
        got[i] = 0;
        for (size_t k = 0; k < n_areas && got[i] == 0; k++)
            if (naive_contains(&areas[k].shape, pts[2 * i], pts[2 * i + 1]))
                got[i] = areas[k].id;
    }
    *wall = wall_s() - w0;
    *cpu = cpu_s() - c0;
}

static size_t differences(const int64_t *a, const int64_t *b, const double *pts, size_t count)
{
    size_t n = 0;

    for (size_t i = 0; i < count; i++)
        if (a[i] != b[i] && n++ < 5)
            fprintf(stderr, "geo_bench: (%.9f, %.9f): service %lld, reference %lld\n", pts[2 * i],
                    pts[2 * i + 1], (long long)a[i], (long long)b[i]);
    return n;
}

int main(int argc, char **argv)
{
    const char *file = DEFAULT_FILE;
    long count = 200000;
    char dir[] = "/tmp/phoihop-geo-bench.XXXXXX", path[sizeof(dir) + 8];
    struct store *st = NULL;
    struct arena a;
    struct core_ctx cx = {.arena = &a, .user = &core_system_user, .client = "bench"};
    struct bench_area areas[MAX_AREAS];
    struct geo_bbox box;
    json_t *root;
    json_error_t jerr;
    double *pts;
    int64_t *got_tx, *got_plain, *got_snap, *got_ref;
    double w_tx, c_tx, w_plain, c_plain, w_snap, c_snap, w_ref, c_ref;
    size_t n_areas = 0, in_district = 0, in_province = 0, diff;
    uint64_t seed = 20250301;
    int opt, status = 1;

    while ((opt = getopt(argc, argv, "n:f:")) != -1) {
        if (opt == 'n')
            count = strtol(optarg, NULL, 10);
        else if (opt == 'f')
            file = optarg;
        else
            count = 0;
    }
    if (count <= 0 || count > 100000000) {
        fprintf(stderr, "usage: geo_bench [-n COUNT] [-f FILE]\n");
        return 1;
    }
    if (access(file, R_OK) != 0) {
        printf("bench geo: SKIP: %s not found (the real boundaries are read from "
               "../shared/geo/, next to the repository)\n",
               file);
        return 0;
    }
    if ((root = json_load_file(file, 0, &jerr)) == NULL) {
        fprintf(stderr, "geo_bench: %s: %s\n", file, jerr.text);
        return 1;
    }
    if (mkdtemp(dir) == NULL) {
        perror("geo_bench: mkdtemp");
        return 1;
    }
    snprintf(path, sizeof(path), "%s/db", dir);
    log_set_level(LOG_WARN); /* not the migrations of the fresh database */
    arena_init(&a);
    if (store_open(path, &st) != PH_OK)
        goto out;
    cx.st = st;
    cx.now_ms = time_now_ms();
    if (!load(&cx, root, areas, &n_areas, &box))
        goto out;

    pts = xmalloc((size_t)count * 2 * sizeof(*pts));
    got_tx = xmalloc((size_t)count * sizeof(*got_tx));
    got_plain = xmalloc((size_t)count * sizeof(*got_plain));
    got_snap = xmalloc((size_t)count * sizeof(*got_snap));
    got_ref = xmalloc((size_t)count * sizeof(*got_ref));
    for (long i = 0; i < count; i++) {
        pts[2 * i] = box.min_lon + rng_unif(&seed) * (box.max_lon - box.min_lon);
        pts[2 * i + 1] = box.min_lat + rng_unif(&seed) * (box.max_lat - box.min_lat);
    }
    /* Once untimed: outlines parsed into the cache, statements prepared. */
    if (!run_service(&cx, pts, (size_t)(count < 1000 ? count : 1000), got_tx, IN_TX, &w_tx, &c_tx) ||
        !run_service(&cx, pts, (size_t)count, got_tx, IN_TX, &w_tx, &c_tx) ||
        !run_service(&cx, pts, (size_t)count, got_snap, READ_SNAPSHOT, &w_snap, &c_snap) ||
        !run_service(&cx, pts, (size_t)count, got_plain, PLAIN, &w_plain, &c_plain)) {
        fprintf(stderr, "geo_bench: geo_resolve_area failed\n");
        goto out_free;
    }
    run_naive(areas, n_areas, pts, (size_t)count, got_ref, &w_ref, &c_ref);
    for (long i = 0; i < count; i++) {
        in_district += got_ref[i] != 0 && got_ref[i] != areas[n_areas - 1].id;
        in_province += got_ref[i] == areas[n_areas - 1].id;
    }
    diff = differences(got_tx, got_ref, pts, (size_t)count) +
           differences(got_plain, got_ref, pts, (size_t)count) +
           differences(got_snap, got_ref, pts, (size_t)count);

    printf("bench geo: %ld points in Bến Tre's box (%zu in a district, %zu in the province only, "
           "%zu outside), %zu areas (province + %zu districts, %s)\n",
           count, in_district, in_province, (size_t)count - in_district - in_province, n_areas,
           n_areas - 1, file);
    printf("bench geo: in a transaction (the writer): %.0f points/s, %.2f us CPU per point "
           "(goal >= %.0f points/s)%s\n",
           (double)count / w_tx, c_tx * 1e6 / (double)count, GOAL_PER_S,
           (double)count / w_tx < GOAL_PER_S ? " BELOW GOAL" : "");
    printf("bench geo: a reader in one read snapshot (store_read_begin: statistics, analyses): "
           "%.0f points/s, %.2f us CPU per point (goal >= %.0f points/s)%s\n",
           (double)count / w_snap, c_snap * 1e6 / (double)count, GOAL_PER_S,
           (double)count / w_snap < GOAL_PER_S ? " BELOW GOAL" : "");
    /* One point per request: SQLite's read lock (two fcntl calls) is taken per call,
     * which is the floor here, not the lookup; shown, not judged. */
    printf("bench geo: a reader, one call at a time outside any transaction (a request "
           "resolving one point; SQLite's read lock per call): %.0f points/s, %.2f us CPU per "
           "point\n",
           (double)count / w_plain, c_plain * 1e6 / (double)count);
    printf("bench geo: reference, naive loop over the %zu parsed outlines (every edge, no boxes): "
           "%.0f points/s, %.2f us CPU per point; ratio %.1fx (transaction), %.1fx (read "
           "snapshot), %.1fx (one call at a time); %zu answers differ\n",
           n_areas, (double)count / w_ref, c_ref * 1e6 / (double)count, w_ref / w_tx,
           w_ref / w_snap, w_ref / w_plain, diff);
    status = diff == 0 ? 0 : 1;
out_free:
    free(pts);
    free(got_tx);
    free(got_plain);
    free(got_snap);
    free(got_ref);
out:
    store_close(st);
    arena_release(&a);
    json_decref(root);
    unlink(path);
    rmdir(dir);
    return status;
}
