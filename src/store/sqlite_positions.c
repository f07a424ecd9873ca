/* sqlite_positions.c - the SQLite backend's devices, positions and position
 * retention (core/position.h, migration 008).
 *
 * Positions are stored as scaled integers (migration 008 says why): latitude
 * and longitude in 1e-7 degree, speed in cm/s, course in 0.1 degree, altitude
 * in dm; a member not given (NaN, battery -1) is NULL. Converting back divides,
 * so 10.245 is stored as 102450000 and reads back as the double nearest 10.245.
 * The device row keeps its latest position already rounded the same way, so
 * that "latest" and the track agree to the last digit.
 *
 * Unit scopes are ranges of unit paths [lo, hi) as elsewhere
 * (store_path_upper). */
#include "util/base.h"
#include <math.h>
#include "store/sqlite_int.h"
#include "store/store.h"
#include "util/arena.h"

/* ---- scaling ------------------------------------------------------------------ */

static int64_t to_e7(double deg)
{
    return (int64_t)llround(deg * 1e7);
}

static double from_e7(int64_t v)
{
    return (double)v / 1e7;
}

/* An optional member scaled by mult into column i; NaN binds NULL. */
static int bind_scaled(sqlite3_stmt *stmt, int i, double v, double mult)
{
    if (isnan(v))
        return sqlite3_bind_null(stmt, i);
    return sqlite3_bind_int64(stmt, i, (int64_t)llround(v * mult));
}

static double col_scaled(sqlite3_stmt *stmt, int i, double div)
{
    if (sqlite3_column_type(stmt, i) == SQLITE_NULL)
        return NAN;
    return (double)sqlite3_column_int64(stmt, i) / div;
}

static double col_real(sqlite3_stmt *stmt, int i)
{
    if (sqlite3_column_type(stmt, i) == SQLITE_NULL)
        return NAN;
    return sqlite3_column_double(stmt, i);
}

static int bind_real(sqlite3_stmt *stmt, int i, double v)
{
    return isnan(v) ? sqlite3_bind_null(stmt, i) : sqlite3_bind_double(stmt, i, v);
}

static int bind_battery(sqlite3_stmt *stmt, int i, int battery)
{
    return battery < 0 ? sqlite3_bind_null(stmt, i) : sqlite3_bind_int(stmt, i, battery);
}

static int col_battery(sqlite3_stmt *stmt, int i)
{
    return sqlite3_column_type(stmt, i) == SQLITE_NULL ? -1 : sqlite3_column_int(stmt, i);
}

/* The value as stored and read back: what the device row keeps as its latest. */
static double rounded(double v, double mult)
{
    return isnan(v) ? v : (double)llround(v * mult) / mult;
}

/* ---- devices ------------------------------------------------------------------- */

#define DEVICE_COLS                                                                                \
    "d.id, d.uid, d.callsign, d.kind, d.person_id, d.unit_id, d.asset_id, d.is_active, "          \
    "d.last_at, d.last_lat, d.last_lon, d.last_speed, d.last_course, d.last_alt, "                 \
    "d.last_battery, d.version, d.created_at, d.updated_at, u.path, p.full_name"
#define DEVICE_FROM                                                                                \
    " FROM devices AS d JOIN units AS u ON u.id = d.unit_id LEFT JOIN people AS p ON p.id = "      \
    "d.person_id AND d.person_id <> 0"

static void read_device(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    struct device *d = row;

    memset(d, 0, sizeof(*d));
    d->id = sqlite3_column_int64(stmt, 0);
    d->uid = store_sq_col_text(ar, stmt, 1);
    d->callsign = store_sq_col_text(ar, stmt, 2);
    d->kind = store_sq_col_text(ar, stmt, 3);
    d->person_id = sqlite3_column_int64(stmt, 4);
    d->unit_id = sqlite3_column_int64(stmt, 5);
    d->asset_id = sqlite3_column_int64(stmt, 6);
    d->is_active = sqlite3_column_int(stmt, 7) != 0;
    d->last_at = sqlite3_column_int64(stmt, 8);
    d->last_lat = col_real(stmt, 9);
    d->last_lon = col_real(stmt, 10);
    d->last_speed = col_real(stmt, 11);
    d->last_course = col_real(stmt, 12);
    d->last_alt = col_real(stmt, 13);
    d->last_battery = col_battery(stmt, 14);
    d->version = sqlite3_column_int64(stmt, 15);
    d->created_at = sqlite3_column_int64(stmt, 16);
    d->updated_at = sqlite3_column_int64(stmt, 17);
    d->unit_path = store_sq_col_text(ar, stmt, 18);
    d->person_name = store_sq_col_text(ar, stmt, 19);
}

ph_err store_sq_device_insert(struct store *st, const struct device *d, const char *search_folded,
                              int64_t *id)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_DEVICE_INSERT,
        "INSERT INTO devices (uid, callsign, search_folded, kind, person_id, unit_id, asset_id, "
        "is_active, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    if (stmt == NULL)
        return PH_ESTORE;
    int e = store_sq_bind_text(stmt, 1, d->uid) | store_sq_bind_text(stmt, 2, d->callsign) |
            store_sq_bind_text(stmt, 3, search_folded) | store_sq_bind_text(stmt, 4, d->kind) |
            sqlite3_bind_int64(stmt, 5, d->person_id) | store_sq_bind_id(stmt, 6, d->unit_id) |
            store_sq_bind_id(stmt, 7, d->asset_id) | sqlite3_bind_int(stmt, 8, d->is_active) |
            store_sq_bind_created(stmt, 9, d->created_at, d->updated_at);
    return store_sq_insert(s, stmt, e, "insert device", id);
}

ph_err store_sq_device_update(struct store *st, const struct device *d, const char *search_folded)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_DEVICE_UPDATE,
        "UPDATE devices SET callsign = ?2, search_folded = ?3, kind = ?4, person_id = ?5, "
        "unit_id = ?6, asset_id = ?7, is_active = ?8, updated_at = ?9, version = version + 1 "
        "WHERE id = ?1 AND (?10 = 0 OR version = ?10)");
    if (stmt == NULL)
        return PH_ESTORE;
    int e = sqlite3_bind_int64(stmt, 1, d->id) | store_sq_bind_text(stmt, 2, d->callsign) |
            store_sq_bind_text(stmt, 3, search_folded) | store_sq_bind_text(stmt, 4, d->kind) |
            sqlite3_bind_int64(stmt, 5, d->person_id) | store_sq_bind_id(stmt, 6, d->unit_id) |
            store_sq_bind_id(stmt, 7, d->asset_id) | sqlite3_bind_int(stmt, 8, d->is_active) |
            sqlite3_bind_int64(stmt, 9, store_time_or_now(d->updated_at)) |
            sqlite3_bind_int64(stmt, 10, d->version);
    return store_sq_update_versioned(s, stmt, e, "update device", SQ_DEVICE_EXISTS,
                                     "SELECT 1 FROM devices WHERE id = ?1", d->id);
}

ph_err store_sq_device_get(struct store *st, struct arena *ar, int64_t id, struct device *out)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt =
        store_sq_stmt(s, SQ_DEVICE_GET, "SELECT " DEVICE_COLS DEVICE_FROM " WHERE d.id = ?1");
    if (stmt == NULL)
        return PH_ESTORE;
    int e = sqlite3_bind_int64(stmt, 1, id);
    return store_sq_get(s, ar, stmt, e, "get device", read_device, out);
}

ph_err store_sq_device_get_by_uid(struct store *st, struct arena *ar, const char *uid,
                                  struct device *out)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(s, SQ_DEVICE_GET_BY_UID,
                                       "SELECT " DEVICE_COLS DEVICE_FROM " WHERE d.uid = ?1");
    if (stmt == NULL)
        return PH_ESTORE;
    int e = store_sq_bind_text(stmt, 1, uid);
    return store_sq_get(s, ar, stmt, e, "get device by uid", read_device, out);
}

ph_err store_sq_device_list(struct store *st, struct arena *ar, const struct device_filter *f,
                            const char *path, const char *scope_path, struct device **items,
                            size_t *n, bool *has_more)
{
    struct store_sq *s = store_sq_of(st);
    int limit = store_list_limit(f->limit);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_DEVICE_LIST,
        "SELECT " DEVICE_COLS DEVICE_FROM " WHERE d.id > ?1 "
        "AND (?2 IS NULL OR (u.path >= ?2 AND u.path < ?3)) "
        "AND (?4 IS NULL OR (u.path >= ?4 AND u.path < ?5)) "
        "AND (?6 = 0 OR d.person_id = ?6) "
        "AND (?7 IS NULL OR d.search_folded LIKE '%' || ?7 || '%' ESCAPE '\\') "
        "ORDER BY d.id LIMIT ?8");
    if (stmt == NULL)
        return PH_ESTORE;
    if (path != NULL && path[0] == '\0')
        path = NULL;
    if (scope_path != NULL && scope_path[0] == '\0')
        scope_path = NULL;
    int e = sqlite3_bind_int64(stmt, 1, f->after_id) | store_sq_bind_text(stmt, 2, path) |
            store_sq_bind_text(stmt, 3, store_path_upper(ar, path)) |
            store_sq_bind_text(stmt, 4, scope_path) |
            store_sq_bind_text(stmt, 5, store_path_upper(ar, scope_path)) |
            sqlite3_bind_int64(stmt, 6, f->person_id) |
            store_sq_bind_text(stmt, 7, store_like_escape(ar, f->q)) |
            sqlite3_bind_int(stmt, 8, limit + 1);
    return store_sq_rows(s, ar, stmt, e, "list devices", sizeof(**items), limit, read_device,
                         (void **)items, n, has_more);
}

ph_err store_sq_device_latest(struct store *st, struct arena *ar, int64_t since,
                              const char *scope_path, struct device **items, size_t *n)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_DEVICE_LATEST,
        "SELECT " DEVICE_COLS DEVICE_FROM " WHERE d.is_active = 1 AND d.last_at > 0 "
        "AND d.last_at >= ?1 AND (?2 IS NULL OR (u.path >= ?2 AND u.path < ?3)) ORDER BY d.id");
    if (stmt == NULL)
        return PH_ESTORE;
    if (scope_path != NULL && scope_path[0] == '\0')
        scope_path = NULL;
    int e = sqlite3_bind_int64(stmt, 1, since) | store_sq_bind_text(stmt, 2, scope_path) |
            store_sq_bind_text(stmt, 3, store_path_upper(ar, scope_path));
    return store_sq_rows(s, ar, stmt, e, "latest positions", sizeof(**items), 0, read_device,
                         (void **)items, n, NULL);
}

static int cmp_device_id(const void *a, const void *b)
{
    const struct device *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

ph_err store_sq_device_of_people(struct store *st, struct arena *ar, const int64_t *people,
                                 size_t n_people, struct device **items, size_t *n)
{
    struct store_sq *s = store_sq_of(st);
    struct device *all = NULL;
    size_t count = 0, cap = 0;
    ph_err rc = PH_OK;

    for (size_t i = 0; rc == PH_OK && i < n_people; i++) {
        sqlite3_stmt *stmt = store_sq_stmt(
            s, SQ_DEVICE_OF_PERSON,
            "SELECT " DEVICE_COLS DEVICE_FROM " WHERE d.person_id = ?1 ORDER BY d.id");
        struct device *some = NULL;
        size_t k = 0;
        if (stmt == NULL || people[i] == 0) {
            rc = stmt == NULL ? PH_ESTORE : PH_OK;
            continue;
        }
        rc = store_sq_rows(s, ar, stmt, sqlite3_bind_int64(stmt, 1, people[i]),
                           "devices of person", sizeof(*some), 0, read_device, (void **)&some, &k,
                           NULL);
        if (rc != PH_OK || k == 0)
            continue;
        if (count + k > cap) {
            size_t ncap = cap == 0 ? 8 : cap;
            while (ncap < count + k)
                ncap *= 2;
            struct device *grown = arena_alloc(ar, ncap * sizeof(*grown));
            if (count > 0)
                memcpy(grown, all, count * sizeof(*all));
            all = grown;
            cap = ncap;
        }
        memcpy(all + count, some, k * sizeof(*some));
        count += k;
    }
    if (rc != PH_OK)
        return rc;
    if (count > 1)
        qsort(all, count, sizeof(*all), cmp_device_id);
    *items = all;
    *n = count;
    return PH_OK;
}

ph_err store_sq_device_set_callsign(struct store *st, int64_t id, const char *callsign,
                                    const char *search_folded)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt =
        store_sq_stmt(s, SQ_DEVICE_SET_CALLSIGN,
                      "UPDATE devices SET callsign = ?2, search_folded = ?3 WHERE id = ?1");
    if (stmt == NULL)
        return PH_ESTORE;
    int e = sqlite3_bind_int64(stmt, 1, id) | store_sq_bind_text(stmt, 2, callsign) |
            store_sq_bind_text(stmt, 3, search_folded);
    return store_sq_write_one(s, stmt, e, "set device callsign");
}

ph_err store_sq_device_set_last(struct store *st, int64_t id, const struct position_point *p)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_DEVICE_SET_LAST,
        "UPDATE devices SET last_at = ?2, last_lat = ?3, last_lon = ?4, last_speed = ?5, "
        "last_course = ?6, last_alt = ?7, last_battery = ?8 WHERE id = ?1 AND last_at < ?2");
    if (stmt == NULL)
        return PH_ESTORE;
    int e = sqlite3_bind_int64(stmt, 1, id) | sqlite3_bind_int64(stmt, 2, p->at) |
            sqlite3_bind_double(stmt, 3, rounded(p->lat, 1e7)) |
            sqlite3_bind_double(stmt, 4, rounded(p->lon, 1e7)) |
            bind_real(stmt, 5, rounded(p->speed, 100)) |
            bind_real(stmt, 6, rounded(p->course, 10)) | bind_real(stmt, 7, rounded(p->alt, 10)) |
            bind_battery(stmt, 8, p->battery);
    return store_sq_write(s, stmt, e, "set device's latest position", NULL);
}

/* ---- positions ----------------------------------------------------------------- */

ph_err store_sq_position_insert(struct store *st, int64_t device_id,
                                const struct position_point *p, bool *stored)
{
    struct store_sq *s = store_sq_of(st);
    int changes = 0;
    /* OR IGNORE: the same report twice (a client's retry, CoT's repeats) is
     * stored once; only the primary key can clash here. */
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_POSITION_INSERT,
        "INSERT OR IGNORE INTO positions (device_id, at, lat_e7, lon_e7, speed_cms, course_dd, "
        "alt_dm, battery) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (stmt == NULL)
        return PH_ESTORE;
    int e = sqlite3_bind_int64(stmt, 1, device_id) | sqlite3_bind_int64(stmt, 2, p->at) |
            sqlite3_bind_int64(stmt, 3, to_e7(p->lat)) |
            sqlite3_bind_int64(stmt, 4, to_e7(p->lon)) | bind_scaled(stmt, 5, p->speed, 100) |
            bind_scaled(stmt, 6, p->course, 10) | bind_scaled(stmt, 7, p->alt, 10) |
            bind_battery(stmt, 8, p->battery);
    ph_err rc = store_sq_write(s, stmt, e, "insert position", &changes);
    if (rc == PH_OK && stored != NULL)
        *stored = changes > 0;
    return rc;
}

static void read_point(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    struct position_point *p = row;

    (void)ar;
    p->at = sqlite3_column_int64(stmt, 0);
    p->lat = from_e7(sqlite3_column_int64(stmt, 1));
    p->lon = from_e7(sqlite3_column_int64(stmt, 2));
    p->speed = col_scaled(stmt, 3, 100);
    p->course = col_scaled(stmt, 4, 10);
    p->alt = col_scaled(stmt, 5, 10);
    p->battery = col_battery(stmt, 6);
}

ph_err store_sq_position_range(struct store *st, struct arena *ar, int64_t device_id, int64_t from,
                               int64_t to, int limit, struct position_point **items, size_t *n)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_POSITION_RANGE,
        "SELECT at, lat_e7, lon_e7, speed_cms, course_dd, alt_dm, battery FROM positions "
        "WHERE device_id = ?1 AND at >= ?2 AND at < ?3 ORDER BY at LIMIT ?4");
    if (stmt == NULL)
        return PH_ESTORE;
    int e = sqlite3_bind_int64(stmt, 1, device_id) | sqlite3_bind_int64(stmt, 2, from) |
            sqlite3_bind_int64(stmt, 3, to) | sqlite3_bind_int(stmt, 4, limit > 0 ? limit : -1);
    return store_sq_rows(s, ar, stmt, e, "position range", sizeof(**items), 0, read_point,
                         (void **)items, n, NULL);
}

static void read_at(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    (void)ar;
    *(int64_t *)row = sqlite3_column_int64(stmt, 0);
}

ph_err store_sq_position_first(struct store *st, int64_t device_id, int64_t from, int64_t *at)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(s, SQ_POSITION_FIRST,
                                       "SELECT at FROM positions WHERE device_id = ?1 AND at >= ?2 "
                                       "ORDER BY at LIMIT 1");
    if (stmt == NULL)
        return PH_ESTORE;
    int e = sqlite3_bind_int64(stmt, 1, device_id) | sqlite3_bind_int64(stmt, 2, from);
    return store_sq_get(s, NULL, stmt, e, "first position", read_at, at);
}

/* ---- retention ----------------------------------------------------------------- */

static void read_retention(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    struct store_retention *r = row;

    (void)ar;
    r->thinned_until = sqlite3_column_int64(stmt, 0);
    r->window_end = sqlite3_column_int64(stmt, 1);
    r->device_after = sqlite3_column_int64(stmt, 2);
    r->device_until = sqlite3_column_int64(stmt, 3);
    r->runs = sqlite3_column_int64(stmt, 4);
    r->deleted = sqlite3_column_int64(stmt, 5);
}

ph_err store_sq_retention_get(struct store *st, struct store_retention *out)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(s, SQ_RETENTION_GET,
                                       "SELECT thinned_until, window_end, device_after, "
                                       "device_until, runs, deleted FROM position_retention "
                                       "WHERE id = 1");
    if (stmt == NULL)
        return PH_ESTORE;
    return store_sq_get(s, NULL, stmt, SQLITE_OK, "get retention", read_retention, out);
}

ph_err store_sq_retention_put(struct store *st, const struct store_retention *r)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_RETENTION_PUT,
        "UPDATE position_retention SET thinned_until = ?1, window_end = ?2, device_after = ?3, "
        "device_until = ?4, runs = ?5, deleted = ?6 WHERE id = 1");
    if (stmt == NULL)
        return PH_ESTORE;
    int e = sqlite3_bind_int64(stmt, 1, r->thinned_until) |
            sqlite3_bind_int64(stmt, 2, r->window_end) |
            sqlite3_bind_int64(stmt, 3, r->device_after) |
            sqlite3_bind_int64(stmt, 4, r->device_until) | sqlite3_bind_int64(stmt, 5, r->runs) |
            sqlite3_bind_int64(stmt, 6, r->deleted);
    return store_sq_write_one(s, stmt, e, "put retention");
}

struct id_pair {
    int64_t id, person_id;
};

static void read_id_pair(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    struct id_pair *p = row;

    (void)ar;
    p->id = sqlite3_column_int64(stmt, 0);
    p->person_id = sqlite3_column_int64(stmt, 1);
}

ph_err store_sq_retention_devices(struct store *st, struct arena *ar, int64_t after_id, int limit,
                                  int64_t **ids, int64_t **person_ids, size_t *n)
{
    struct store_sq *s = store_sq_of(st);
    struct id_pair *rows = NULL;
    size_t k = 0;
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_RETENTION_DEVICES,
        "SELECT id, person_id FROM devices WHERE id > ?1 ORDER BY id LIMIT ?2");
    if (stmt == NULL)
        return PH_ESTORE;
    int e = sqlite3_bind_int64(stmt, 1, after_id) | sqlite3_bind_int(stmt, 2, limit);
    ph_err rc = store_sq_rows(s, ar, stmt, e, "retention devices", sizeof(*rows), 0, read_id_pair,
                              (void **)&rows, &k, NULL);
    if (rc != PH_OK)
        return rc;
    *ids = arena_alloc(ar, (k + 1) * sizeof(**ids));
    *person_ids = arena_alloc(ar, (k + 1) * sizeof(**person_ids));
    for (size_t i = 0; i < k; i++) {
        (*ids)[i] = rows[i].id;
        (*person_ids)[i] = rows[i].person_id;
    }
    *n = k;
    return PH_OK;
}

static void read_interval(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    struct store_interval *iv = row;

    (void)ar;
    iv->start = sqlite3_column_int64(stmt, 0);
    iv->end = sqlite3_column_int64(stmt, 1);
}

ph_err store_sq_retention_intervals(struct store *st, struct arena *ar, int64_t person_id,
                                    int64_t from, int64_t end, struct store_interval **items,
                                    size_t *n)
{
    struct store_sq *s = store_sq_of(st);
    /* Started operations (active, completed, or cancelled after they started):
     * an interval still open runs to end. */
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_RETENTION_INTERVALS,
        "SELECT o.started_at, CASE WHEN o.ended_at > 0 THEN o.ended_at ELSE ?3 END "
        "FROM operation_people AS op JOIN operations AS o ON o.id = op.operation_id "
        "WHERE op.person_id = ?1 AND o.started_at > 0 AND o.started_at < ?3 "
        "AND (o.ended_at = 0 OR o.ended_at > ?2) ORDER BY o.started_at");
    if (stmt == NULL)
        return PH_ESTORE;
    int e = sqlite3_bind_int64(stmt, 1, person_id) | sqlite3_bind_int64(stmt, 2, from) |
            sqlite3_bind_int64(stmt, 3, end);
    return store_sq_rows(s, ar, stmt, e, "operation intervals", sizeof(**items), 0, read_interval,
                         (void **)items, n, NULL);
}

ph_err store_sq_position_delete_at(struct store *st, int64_t device_id, const int64_t *ats,
                                   size_t n)
{
    struct store_sq *s = store_sq_of(st);
    ph_err rc = PH_OK;

    for (size_t i = 0; rc == PH_OK && i < n; i++) {
        sqlite3_stmt *stmt = store_sq_stmt(s, SQ_POSITION_DELETE_AT,
                                           "DELETE FROM positions WHERE device_id = ?1 AND at = ?2");
        if (stmt == NULL)
            return PH_ESTORE;
        int e = sqlite3_bind_int64(stmt, 1, device_id) | sqlite3_bind_int64(stmt, 2, ats[i]);
        rc = store_sq_write(s, stmt, e, "delete position", NULL);
    }
    return rc;
}

ph_err store_sq_position_expire(struct store *st, int64_t device_id, int64_t before, int limit,
                                int *deleted)
{
    struct store_sq *s = store_sq_of(st);
    /* The subquery bounds the work (this SQLite has no DELETE ... LIMIT). */
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_POSITION_EXPIRE,
        "DELETE FROM positions WHERE device_id = ?1 AND at IN (SELECT at FROM positions "
        "WHERE device_id = ?1 AND at < ?2 ORDER BY at LIMIT ?3)");
    if (stmt == NULL)
        return PH_ESTORE;
    int e = sqlite3_bind_int64(stmt, 1, device_id) | sqlite3_bind_int64(stmt, 2, before) |
            sqlite3_bind_int(stmt, 3, limit);
    return store_sq_write(s, stmt, e, "expire positions", deleted);
}
