/* track_bench.c - the track benchmark of issue 4: "a 12-hour track at 10 s
 * resolution returns in under 20 ms", and the bytes a position takes on disk.
 *
 * The database holds a year of positions of DEVICES devices as retention leaves
 * it (migration 008, docs/PERFORMANCE.md): each device on duty 12 hours a day,
 * the last 30 days at one fix per 10 s, the 335 days before at one per minute.
 * With 100 devices that is 37 million rows. Positions are written straight into
 * the table in big transactions (the store's own prepared INSERT would do the
 * same, slower); the unit, the person, the devices and the operation go through
 * the core services. Making it takes about a minute, so the file is kept in
 * CACHE_DIR under a name holding the schema version, a hash of the embedded
 * migrations, the generator's version and DEVICES (written under another name
 * and renamed when complete).
 *
 * Timed, interleaved, RUNS times each, on one connection:
 *   - phoihop: position_operation_track (operation_get with its access check,
 *     the devices of its people, their points) and pjson_track_write, the GeoJSON
 *     GET /api/v1/operations/{id}/track answers with: a 12-hour operation 3 days
 *     ago, one device, 4,320 points;
 *   - reference: a raw SELECT of the same rows (at, lat_e7, lon_e7 of the device
 *     in the interval), stepped to the end: what reading them costs at least.
 * Then the size: 1,000,000 positions (100 devices, 10,000 fixes each, every
 * member given) into a fresh database, and the growth of the file per row.
 *
 * With -o FILE it also makes sure the database has a viewer of the operation's
 * unit, HTTP_USER with HTTP_PASSWORD (a local benchmark file), and writes
 * "OPERATION_ID DATABASE_PATH" into FILE: bench/run.sh then times
 * GET /api/v1/operations/{id}/track over real HTTP on the same file.
 *
 * Usage: track_bench [-n DEVICES] [-r RUNS] [-d CACHE_DIR] [-o FILE]
 * Output (stdout): "bench track: ..." lines with median, p99 and max against the
 * goal, the reference, and "bench track size: N bytes per position". Exit 1 when
 * it could not run. */
#include "util/base.h"
#include <math.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>
#include "core/access.h"
#include "core/ctx.h"
#include "core/operation.h"
#include "core/person.h"
#include "core/position.h"
#include "core/unit.h"
#include "core/writer.h"
#include "proto/pjson.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/embed.h"
#include "util/log.h"
#include "util/time.h"

#define GEN_VERSION 1
#define MIN_MS 60000LL
#define HOUR_MS (60 * MIN_MS)
#define DAY_MS (24 * HOUR_MS)
#define GOAL_MS 20.0
#define HTTP_USER "track.http"
#define HTTP_PASSWORD "track-bench-http"

static void die(const char *what)
{
    fprintf(stderr, "track_bench: %s\n", what);
    exit(1);
}

static uint64_t fnv(const void *p, size_t n, uint64_t h)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 1099511628211u;
    return h;
}

/* A hash of the embedded migrations: a cache made by another schema is not reused. */
static uint64_t schema_hash(void)
{
    uint64_t h = 14695981039346656037u;
    for (int v = 1; v <= STORE_SCHEMA_VERSION; v++) {
        char name[80];
        const struct embedded_file *f = NULL;
        snprintf(name, sizeof(name), "src/store/schema/sqlite/%03d_", v);
        for (size_t i = 0; embedded_files[i].name != NULL; i++)
            if (strncmp(embedded_files[i].name, name, strlen(name)) == 0)
                f = &embedded_files[i];
        if (f != NULL)
            h = fnv(f->data, f->len, h);
    }
    return h;
}

static double ms_since(uint64_t t0)
{
    return (double)(time_mono_ns() - t0) / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* ---- the database ------------------------------------------------------------------- */

struct setup {
    int64_t op_id, end_ms;
};

static ph_err make_people(struct core_ctx *cx, void *arg)
{
    struct setup *s = arg;
    struct unit u = {.code = "BP-BENCH", .name = "Đồn Biên phòng Cửa Đại", .force = "border_guard",
                     .level = "province", .is_active = true};
    const char *field = NULL;
    ph_err rc = unit_create(cx, &u, &field);
    struct person p = {.username = "tuan.tra", .full_name = "Trần Văn Tuần", .unit_id = u.id,
                       .roles = ROLE_REPORTER, .clearance = CLEARANCE_SECRET};
    if (rc == PH_OK)
        rc = person_create(cx, &p, NULL, &field);
    (void)s;
    return rc;
}

static void build(const char *path, int n_devices)
{
    struct store *st = NULL;
    struct arena a;
    struct setup s = {0};
    sqlite3 *db = NULL;
    sqlite3_stmt *ins = NULL;
    int64_t end = time_now_ms() / DAY_MS * DAY_MS; /* today, 00:00 UTC */
    char dsn[600];

    snprintf(dsn, sizeof(dsn), "sqlite:%s", path);
    arena_init(&a);
    if (store_open(dsn, &st) != PH_OK)
        die("cannot create the database");
    struct core_ctx cx = {.st = st, .arena = &a, .user = &core_system_user, .client = "bench",
                          .now_ms = time_now_ms()};
    if (writer_run_sync(&cx, make_people, &s) != PH_OK)
        die("cannot make the unit and person");
    store_close(st);

    if (sqlite3_open(path, &db) != SQLITE_OK)
        die("cannot open the database");
    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; PRAGMA cache_size=-262144",
                 NULL, NULL, NULL);
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    for (int d = 0; d < n_devices; d++) {
        char sql[400];
        snprintf(sql, sizeof(sql),
                 "INSERT INTO devices (uid, callsign, search_folded, kind, person_id, unit_id, "
                 "created_at, updated_at) VALUES ('bench-%d', 'BP-%02d', 'bench-%d', 'tracker', "
                 "(SELECT CASE WHEN %d = 0 THEN id ELSE 0 END FROM people WHERE username = "
                 "'tuan.tra'), (SELECT id FROM units WHERE code = 'BP-BENCH'), 1, 1)",
                 d, d, d, d);
        if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
            die(sqlite3_errmsg(db));
    }
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (sqlite3_prepare_v2(db, "INSERT INTO positions VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, ?7)",
                           -1, &ins, NULL) != SQLITE_OK)
        die(sqlite3_errmsg(db));
    uint64_t t0 = time_mono_ns();
    int64_t rows = 0;
    for (int d = 0; d < n_devices; d++) {
        sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
        double lat = 10.0 + 0.01 * (d % 50), lon = 106.0 + 0.01 * (d / 50);
        for (int day = 365; day >= 1; day--) {
            int64_t from = end - (int64_t)day * DAY_MS - 7 * HOUR_MS; /* 06:00 local */
            int64_t step = day <= 30 ? 10000 : MIN_MS;
            for (int64_t t = from; t < from + 12 * HOUR_MS; t += step) {
                /* A slow loop around the station: about 4 m/s. */
                double ang = (double)(t / 1000 % 3600) / 3600.0 * 2 * 3.14159265358979;
                sqlite3_bind_int64(ins, 1, d + 1);
                sqlite3_bind_int64(ins, 2, t);
                sqlite3_bind_int64(ins, 3, llround((lat + 0.02 * sin(ang)) * 1e7));
                sqlite3_bind_int64(ins, 4, llround((lon + 0.02 * cos(ang)) * 1e7));
                sqlite3_bind_int64(ins, 5, 400);
                sqlite3_bind_int64(ins, 6, (int64_t)(ang * 1800 / 3.14159265358979) % 3600);
                sqlite3_bind_int(ins, 7, 80);
                if (sqlite3_step(ins) != SQLITE_DONE)
                    die(sqlite3_errmsg(db));
                sqlite3_reset(ins);
                rows++;
            }
        }
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
        fprintf(stderr, "\rtrack_bench: device %d/%d, %lld rows, %.0f s", d + 1, n_devices,
                (long long)rows, ms_since(t0) / 1000);
    }
    fprintf(stderr, "\n");
    sqlite3_finalize(ins);
    sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
    sqlite3_close(db);
}

/* The operation: device 1's person on patrol three days ago, 06:00-18:00 local. */
static ph_err make_operation(struct core_ctx *cx, void *arg)
{
    struct setup *s = arg;
    struct person p;
    struct unit u;
    int64_t start = s->end_ms - 3 * DAY_MS - 7 * HOUR_MS, stop = start + 12 * HOUR_MS;
    ph_err rc = person_get_by_username(cx, "tuan.tra", &p);
    if (rc == PH_OK)
        rc = unit_get(cx, p.unit_id, &u);
    if (rc != PH_OK)
        return rc;
    int64_t people[1] = {p.id};
    struct operation o = {.kind = OPERATION_PATROL, .domain = "river",
                          .title = "Tuần tra đường sông (bench)",
                          .geometry = "{\"type\":\"LineString\",\"coordinates\":[[106.0,10.0],"
                                      "[106.02,10.02]]}",
                          .planned_start = start, .planned_end = stop, .owner_unit_id = u.id,
                          .people_ids = people, .n_people = 1};
    const char *field = NULL;
    int64_t conflict = 0;
    rc = operation_create(cx, &o, &field, &conflict);
    if (rc == PH_OK)
        rc = operation_set_status(cx, o.id, 0, OPERATION_ACTIVE, start, NULL, &field);
    if (rc == PH_OK)
        rc = operation_set_status(cx, o.id, 0, OPERATION_COMPLETED, stop, NULL, &field);
    s->op_id = o.id;
    return rc;
}

/* The viewer GET .../track is timed as over HTTP (bench/run.sh), made once. */
static ph_err make_http_user(struct core_ctx *cx, void *arg)
{
    struct person p, tuan;
    const char *field = NULL;
    ph_err rc = person_get_by_username(cx, HTTP_USER, &p);

    (void)arg;
    if (rc != PH_ENOTFOUND)
        return rc;
    rc = person_get_by_username(cx, "tuan.tra", &tuan);
    if (rc != PH_OK)
        return rc;
    p = (struct person){.username = HTTP_USER, .full_name = "Trực ban (bench)",
                        .unit_id = tuan.unit_id, .roles = ROLE_VIEWER,
                        .clearance = CLEARANCE_SECRET};
    return person_create(cx, &p, HTTP_PASSWORD, &field);
}

/* ---- bytes per row ------------------------------------------------------------------ */

static double bytes_per_row(const char *dir)
{
    char path[600], dsn[620];
    struct store *st = NULL;
    sqlite3 *db = NULL;
    sqlite3_stmt *ins = NULL, *q = NULL;
    int64_t before = 0, after = 0;

    snprintf(path, sizeof(path), "%s/track-size-%d.db", dir, (int)getpid());
    snprintf(dsn, sizeof(dsn), "sqlite:%s", path);
    if (store_open(dsn, &st) != PH_OK)
        die("cannot create the size database");
    store_close(st);
    if (sqlite3_open(path, &db) != SQLITE_OK)
        die("cannot open the size database");
    sqlite3_exec(db, "PRAGMA synchronous=OFF", NULL, NULL, NULL);
    sqlite3_prepare_v2(db, "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
                       -1, &q, NULL);
    sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
    if (sqlite3_step(q) == SQLITE_ROW)
        before = sqlite3_column_int64(q, 0);
    sqlite3_reset(q);
    sqlite3_prepare_v2(db, "INSERT INTO positions VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", -1,
                       &ins, NULL);
    int64_t t0 = 1764000000000LL;
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    for (int d = 1; d <= 100; d++) {
        for (int i = 0; i < 10000; i++) {
            double ang = i / 360.0;
            sqlite3_bind_int64(ins, 1, d);
            sqlite3_bind_int64(ins, 2, t0 + (int64_t)i * 10000);
            sqlite3_bind_int64(ins, 3, llround((10.0 + 0.01 * d + 0.02 * sin(ang)) * 1e7));
            sqlite3_bind_int64(ins, 4, llround((106.0 + 0.02 * cos(ang)) * 1e7));
            sqlite3_bind_int64(ins, 5, 350 + i % 200);
            sqlite3_bind_int64(ins, 6, i % 3600);
            sqlite3_bind_int64(ins, 7, 20 + i % 50);
            sqlite3_bind_int64(ins, 8, 100 - i / 200);
            sqlite3_step(ins);
            sqlite3_reset(ins);
        }
    }
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
    if (sqlite3_step(q) == SQLITE_ROW)
        after = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_finalize(ins);
    sqlite3_close(db);
    unlink(path);
    char wal[620];
    snprintf(wal, sizeof(wal), "%s-wal", path);
    unlink(wal);
    snprintf(wal, sizeof(wal), "%s-shm", path);
    unlink(wal);
    return (double)(after - before) / 1e6;
}

/* A positive integer option, else def. */
static int int_arg(const char *s, int def)
{
    char *end;
    long v = strtol(s, &end, 10);
    return *end == '\0' && v > 0 && v < 1000000 ? (int)v : def;
}

/* ---- main --------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    int n_devices = 100, runs = 200;
    const char *dir = "build/bench-cache", *http_file = NULL;
    char path[512], tmp[560], dsn[600];
    struct stat sb;

    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "-n") == 0)
            n_devices = int_arg(argv[i + 1], 100);
        else if (strcmp(argv[i], "-r") == 0)
            runs = int_arg(argv[i + 1], 200);
        else if (strcmp(argv[i], "-d") == 0)
            dir = argv[i + 1];
        else if (strcmp(argv[i], "-o") == 0)
            http_file = argv[i + 1];
    }
    log_set_level(LOG_WARN);
    mkdir(dir, 0755);
    snprintf(path, sizeof(path), "%s/track-v%d-%016llx-g%d-n%d.db", dir, STORE_SCHEMA_VERSION,
             (unsigned long long)schema_hash(), GEN_VERSION, n_devices);
    if (stat(path, &sb) != 0) {
        snprintf(tmp, sizeof(tmp), "%s.tmp%d", path, (int)getpid());
        build(tmp, n_devices);
        if (rename(tmp, path) != 0)
            die("cannot rename the new database");
    }

    struct store *st = NULL;
    struct arena a;
    struct setup s = {.end_ms = time_now_ms() / DAY_MS * DAY_MS};
    snprintf(dsn, sizeof(dsn), "sqlite:%s", path);
    if (store_open(dsn, &st) != PH_OK)
        die("cannot open the database");
    arena_init(&a);
    struct core_ctx cx = {.st = st, .arena = &a, .user = &core_system_user, .client = "bench",
                          .now_ms = time_now_ms()};
    /* The cache was made on some day: the operation is placed three days before
     * the day the data ends (its last full-resolution days). */
    {
        sqlite3 *db = NULL;
        sqlite3_stmt *q = NULL;
        sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
        sqlite3_prepare_v2(db, "SELECT max(at) FROM positions WHERE device_id = 1", -1, &q, NULL);
        if (sqlite3_step(q) == SQLITE_ROW)
            s.end_ms = (sqlite3_column_int64(q, 0) / DAY_MS + 1) * DAY_MS;
        sqlite3_finalize(q);
        sqlite3_close(db);
    }
    if (writer_run_sync(&cx, make_operation, &s) != PH_OK)
        die("cannot make the operation");
    if (http_file != NULL) {
        FILE *f;
        if (writer_run_sync(&cx, make_http_user, NULL) != PH_OK)
            die("cannot make the HTTP user");
        if ((f = fopen(http_file, "w")) == NULL)
            die("cannot write the -o file");
        fprintf(f, "%lld %s\n", (long long)s.op_id, path);
        fclose(f);
    }

    /* The reference: the raw rows, on a connection of its own to the same file. */
    sqlite3 *raw = NULL;
    sqlite3_stmt *sel = NULL;
    int64_t start = s.end_ms - 3 * DAY_MS - 7 * HOUR_MS, stop = start + 12 * HOUR_MS;
    sqlite3_open_v2(path, &raw, SQLITE_OPEN_READONLY, NULL);
    if (sqlite3_prepare_v2(raw, "SELECT at, lat_e7, lon_e7 FROM positions WHERE device_id = 1 "
                                "AND at >= ?1 AND at <= ?2 ORDER BY at",
                           -1, &sel, NULL) != SQLITE_OK)
        die(sqlite3_errmsg(raw));

    double *ours = calloc((size_t)runs, sizeof(double)), *ref = calloc((size_t)runs, sizeof(double));
    size_t points = 0, raw_rows = 0, bytes = 0;
    for (int r = 0; r < runs; r++) {
        struct position_track *tr = NULL;
        size_t n = 0;
        struct buf b;
        arena_release(&a);
        arena_init(&a);
        cx.now_ms = time_now_ms();
        buf_init(&b, (size_t)64 << 20);
        uint64_t t0 = time_mono_ns();
        if (position_operation_track(&cx, s.op_id, 0, 0, &tr, &n) != PH_OK ||
            pjson_track_write(s.op_id, tr, n, &b) != PH_OK)
            die("the track query failed");
        ours[r] = ms_since(t0);
        points = n > 0 ? tr[0].n_points : 0;
        bytes = b.len;
        buf_release(&b);

        t0 = time_mono_ns();
        sqlite3_bind_int64(sel, 1, start);
        sqlite3_bind_int64(sel, 2, stop);
        raw_rows = 0;
        while (sqlite3_step(sel) == SQLITE_ROW)
            raw_rows++;
        sqlite3_reset(sel);
        ref[r] = ms_since(t0);
    }
    if (points != 4320 || raw_rows != points)
        fprintf(stderr, "track_bench: %zu points, %zu raw rows (expected 4320)\n", points,
                raw_rows);
    qsort(ours, (size_t)runs, sizeof(double), cmp_double);
    qsort(ref, (size_t)runs, sizeof(double), cmp_double);
    int p99 = (int)ceil(0.99 * runs) - 1;
    printf("bench track: %d devices, a year of positions (%s), 12-hour track of %zu points "
           "(%zu bytes of GeoJSON), %d runs: phoihop median %.2f ms p99 %.2f ms max %.2f ms "
           "(goal <%.0f ms: %s); raw SELECT median %.2f ms p99 %.2f ms; ratio %.1f (medians)\n",
           n_devices, path, points, bytes, runs, ours[runs / 2], ours[p99], ours[runs - 1],
           GOAL_MS, ours[p99] < GOAL_MS ? "met" : "NOT met", ref[runs / 2], ref[p99],
           ref[runs / 2] > 0 ? ours[runs / 2] / ref[runs / 2] : 0.0);
    printf("bench track size: %.1f bytes per position (1,000,000 rows, every member given, "
           "file growth)\n",
           bytes_per_row(dir));
    sqlite3_finalize(sel);
    sqlite3_close(raw);
    store_close(st);
    arena_release(&a);
    free(ours);
    free(ref);
    return points == 4320 ? 0 : 1;
}
