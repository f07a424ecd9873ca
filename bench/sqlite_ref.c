/* sqlite_ref.c - the reference for the ingest benchmark: how fast plain SQLite
 * inserts incident-sized rows on this machine, with the settings phoihop's store
 * uses (WAL, synchronous=FULL), one row per transaction (one fsync per row) and
 * 1,000 rows per transaction. bench/run.sh prints phoihop's durable HTTP ingest
 * rate next to these.
 *
 * Usage: sqlite_ref DIR SECONDS   (prints "rows_per_tx=N rows_per_s=R" per mode)
 * Loops are bounded by SECONDS and by a row cap, so it always stops by itself. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ROW_CAP 2000000

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "sqlite_ref: %s: %s\n", sql, msg != NULL ? msg : "?");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

/* Insert rows in transactions of per_tx rows for about seconds; rows per second. */
static double run(const char *dir, int per_tx, double seconds)
{
    char path[4096];
    sqlite3 *db = NULL;
    sqlite3_stmt *ins = NULL;
    long rows = 0;
    double t0, t1 = 0;

    snprintf(path, sizeof(path), "%s/ref-%d.db", dir, per_tx);
    remove(path);
    if (sqlite3_open(path, &db) != SQLITE_OK ||
        exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;") != 0 ||
        exec(db, "CREATE TABLE incidents (id INTEGER PRIMARY KEY AUTOINCREMENT, ref TEXT UNIQUE,"
                 " category_id INTEGER, severity INTEGER, title TEXT, description TEXT,"
                 " occurred_at INTEGER, detected_at INTEGER, reported_at INTEGER, lat REAL,"
                 " lon REAL, area_id INTEGER, reporting_unit_id INTEGER, lead_unit_id INTEGER,"
                 " status TEXT, cap_status TEXT, classification INTEGER, version INTEGER,"
                 " created_at INTEGER, updated_at INTEGER)") != 0 ||
        sqlite3_prepare_v2(db,
                           "INSERT INTO incidents (ref, category_id, severity, title, description,"
                           " occurred_at, detected_at, reported_at, lat, lon, area_id,"
                           " reporting_unit_id, lead_unit_id, status, cap_status, classification,"
                           " version, created_at, updated_at) VALUES (?1, 3, 2, ?2, ?3, ?4, ?4, ?4,"
                           " 10.05, 106.6, 12, 7, 9, 'new', 'actual', 0, 1, ?4, ?4)",
                           -1, &ins, NULL) != SQLITE_OK) {
        fprintf(stderr, "sqlite_ref: %s\n", db != NULL ? sqlite3_errmsg(db) : "open failed");
        sqlite3_close(db);
        return -1;
    }
    t0 = now_s();
    while (rows < ROW_CAP && (t1 = now_s()) - t0 < seconds) {
        if (exec(db, "BEGIN IMMEDIATE") != 0)
            break;
        for (int i = 0; i < per_tx; i++, rows++) {
            char ref[32];
            snprintf(ref, sizeof(ref), "BT-2026-%09ld", rows + 1);
            sqlite3_bind_text(ins, 1, ref, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(ins, 2, "Phát hiện tàu cá vi phạm vùng biển, xã Bình Thắng", -1,
                              SQLITE_STATIC);
            sqlite3_bind_text(ins, 3, "Tổ tuần tra phát hiện một tàu cá khai thác trái phép.", -1,
                              SQLITE_STATIC);
            sqlite3_bind_int64(ins, 4, 1764000000000 + rows);
            if (sqlite3_step(ins) != SQLITE_DONE) {
                fprintf(stderr, "sqlite_ref: insert: %s\n", sqlite3_errmsg(db));
                rows = -1;
                break;
            }
            sqlite3_reset(ins);
        }
        if (rows < 0 || exec(db, "COMMIT") != 0)
            break;
    }
    t1 = now_s();
    sqlite3_finalize(ins);
    sqlite3_close(db);
    remove(path);
    return rows > 0 ? (double)rows / (t1 - t0) : -1;
}

int main(int argc, char **argv)
{
    const int modes[] = {1, 1000};

    if (argc != 3) {
        fprintf(stderr, "usage: sqlite_ref DIR SECONDS\n");
        return 2;
    }
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        double r = run(argv[1], modes[i], atof(argv[2]));
        if (r < 0)
            return 1;
        printf("rows_per_tx=%d rows_per_s=%.0f\n", modes[i], r);
    }
    return 0;
}
