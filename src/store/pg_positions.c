/* pg_positions.c - the PostgreSQL twin of sqlite_positions.c (pg_int.h): devices,
 * positions and position retention (core/position.h, migration 008).
 *
 * Positions are stored as the same scaled integers as in SQLite (1e-7 degree,
 * cm/s, 0.1 degree, dm; a member not given is NULL), and the device row keeps
 * its latest position rounded the same way, so that "latest" and the track
 * agree to the last digit on both stores. position_insert is one statement:
 * it is the ingest's hot path. */
#include "util/base.h"
#include <math.h>
#include "store/pg_int.h"
#include "util/arena.h"

/* ---- scaling ------------------------------------------------------------------ */

static int64_t to_e7(double deg)
{
    return (int64_t)llround(deg * 1e7);
}

/* An optional member scaled by mult; NaN binds NULL. */
static void arg_scaled(struct pg_args *a, double v, double mult)
{
    if (isnan(v))
        pg_arg_null(a);
    else
        pg_arg_i64(a, (int64_t)llround(v * mult));
}

static void arg_real(struct pg_args *a, double v)
{
    if (isnan(v))
        pg_arg_null(a);
    else
        pg_arg_f64(a, v);
}

static void arg_battery(struct pg_args *a, int battery)
{
    if (battery < 0)
        pg_arg_null(a);
    else
        pg_arg_i64(a, battery);
}

/* A LIMIT operand: NULL (no limit) for a negative one, as SQLite's LIMIT -1. */
static void arg_limit(struct pg_args *a, int limit)
{
    if (limit < 0)
        pg_arg_null(a);
    else
        pg_arg_i64(a, limit);
}

static double col_scaled(const PGresult *res, int row, int col, double div)
{
    return pg_col_null(res, row, col) ? NAN : (double)pg_col_i64(res, row, col) / div;
}

static double col_real(const PGresult *res, int row, int col)
{
    return pg_col_null(res, row, col) ? NAN : pg_col_f64(res, row, col);
}

static int col_battery(const PGresult *res, int row, int col)
{
    return pg_col_null(res, row, col) ? -1 : pg_col_int(res, row, col);
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

static void read_device(struct arena *ar, const PGresult *res, int row, void *out)
{
    struct device *d = out;

    memset(d, 0, sizeof(*d));
    d->id = pg_col_i64(res, row, 0);
    d->uid = pg_col_text(ar, res, row, 1);
    d->callsign = pg_col_text(ar, res, row, 2);
    d->kind = pg_col_text(ar, res, row, 3);
    d->person_id = pg_col_i64(res, row, 4);
    d->unit_id = pg_col_i64(res, row, 5);
    d->asset_id = pg_col_i64(res, row, 6);
    d->is_active = pg_col_int(res, row, 7) != 0;
    d->last_at = pg_col_i64(res, row, 8);
    d->last_lat = col_real(res, row, 9);
    d->last_lon = col_real(res, row, 10);
    d->last_speed = col_real(res, row, 11);
    d->last_course = col_real(res, row, 12);
    d->last_alt = col_real(res, row, 13);
    d->last_battery = col_battery(res, row, 14);
    d->version = pg_col_i64(res, row, 15);
    d->created_at = pg_col_i64(res, row, 16);
    d->updated_at = pg_col_i64(res, row, 17);
    d->unit_path = pg_col_text(ar, res, row, 18);
    d->person_name = pg_col_text(ar, res, row, 19);
}

ph_err store_pg_device_insert(struct store *st, const struct device *d, const char *search_folded,
                              int64_t *id)
{
    struct pg_args a = {0};

    pg_arg_text(&a, d->uid);
    pg_arg_text(&a, d->callsign);
    pg_arg_text(&a, search_folded);
    pg_arg_text(&a, d->kind);
    pg_arg_i64(&a, d->person_id);
    pg_arg_id(&a, d->unit_id);
    pg_arg_id(&a, d->asset_id);
    pg_arg_i64(&a, d->is_active);
    pg_arg_created(&a, d->created_at, d->updated_at);
    return pg_insert(store_pg_of(st),
                     "INSERT INTO devices (uid, callsign, search_folded, kind, person_id, unit_id, "
                     "asset_id, is_active, created_at, updated_at) "
                     "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                     &a, "insert device", id);
}

ph_err store_pg_device_update(struct store *st, const struct device *d, const char *search_folded)
{
    struct pg_args a = {0};

    pg_arg_i64(&a, d->id);
    pg_arg_text(&a, d->callsign);
    pg_arg_text(&a, search_folded);
    pg_arg_text(&a, d->kind);
    pg_arg_i64(&a, d->person_id);
    pg_arg_id(&a, d->unit_id);
    pg_arg_id(&a, d->asset_id);
    pg_arg_i64(&a, d->is_active);
    pg_arg_i64(&a, store_time_or_now(d->updated_at));
    pg_arg_i64(&a, d->version);
    return pg_update_versioned(
        store_pg_of(st),
        "UPDATE devices SET callsign = $2, search_folded = $3, kind = $4, person_id = $5, "
        "unit_id = $6, asset_id = $7, is_active = $8, updated_at = $9, version = version + 1 "
        "WHERE id = $1 AND ($10::bigint = 0 OR version = $10)",
        &a, "update device", "SELECT 1 FROM devices WHERE id = $1", d->id);
}

ph_err store_pg_device_get(struct store *st, struct arena *ar, int64_t id, struct device *out)
{
    struct pg_args a = {0};

    pg_arg_i64(&a, id);
    return pg_get(store_pg_of(st), ar, "SELECT " DEVICE_COLS DEVICE_FROM " WHERE d.id = $1", &a,
                  "get device", read_device, out);
}

ph_err store_pg_device_get_by_uid(struct store *st, struct arena *ar, const char *uid,
                                  struct device *out)
{
    struct pg_args a = {0};

    pg_arg_text(&a, uid);
    return pg_get(store_pg_of(st), ar, "SELECT " DEVICE_COLS DEVICE_FROM " WHERE d.uid = $1", &a,
                  "get device by uid", read_device, out);
}

ph_err store_pg_device_list(struct store *st, struct arena *ar, const struct device_filter *f,
                            const char *path, const char *scope_path, struct device **items,
                            size_t *n, bool *has_more)
{
    struct pg_args a = {0};
    int limit = store_list_limit(f->limit);

    pg_arg_i64(&a, f->after_id);
    pg_arg_range(&a, ar, path);
    pg_arg_range(&a, ar, scope_path);
    pg_arg_i64(&a, f->person_id);
    pg_arg_text(&a, store_like_escape(ar, f->q));
    pg_arg_i64(&a, limit + 1);
    /* ILIKE: SQLite's LIKE ignores ASCII case. */
    return pg_rows(store_pg_of(st), ar,
                   "SELECT " DEVICE_COLS DEVICE_FROM " WHERE d.id > $1 "
                   "AND ($2::text IS NULL OR (u.path >= $2 AND u.path < $3::text)) "
                   "AND ($4::text IS NULL OR (u.path >= $4 AND u.path < $5::text)) "
                   "AND ($6::bigint = 0 OR d.person_id = $6) "
                   "AND ($7::text IS NULL OR d.search_folded ILIKE '%' || $7 || '%' ESCAPE '\\') "
                   "ORDER BY d.id LIMIT $8",
                   &a, "list devices", sizeof(**items), limit, read_device, (void **)items, n,
                   has_more);
}

ph_err store_pg_device_latest(struct store *st, struct arena *ar, int64_t since,
                              const char *scope_path, struct device **items, size_t *n)
{
    struct pg_args a = {0};

    pg_arg_i64(&a, since);
    pg_arg_range(&a, ar, scope_path);
    return pg_rows(store_pg_of(st), ar,
                   "SELECT " DEVICE_COLS DEVICE_FROM " WHERE d.is_active = 1 AND d.last_at > 0 "
                   "AND d.last_at >= $1 "
                   "AND ($2::text IS NULL OR (u.path >= $2 AND u.path < $3::text)) ORDER BY d.id",
                   &a, "latest positions", sizeof(**items), 0, read_device, (void **)items, n,
                   NULL);
}

ph_err store_pg_device_of_people(struct store *st, struct arena *ar, const int64_t *people,
                                 size_t n_people, struct device **items, size_t *n)
{
    struct pg_args a = {0};

    if (n_people == 0) {
        *items = NULL;
        *n = 0;
        return PH_OK;
    }
    /* One statement for them all; a person given twice lists its devices
     * twice, as the SQLite store's statement per person does. */
    pg_arg_ids(&a, ar, people, n_people);
    return pg_rows(store_pg_of(st), ar,
                   "SELECT " DEVICE_COLS " FROM unnest($1::bigint[]) AS q (pid) "
                   "JOIN devices AS d ON d.person_id = q.pid "
                   "JOIN units AS u ON u.id = d.unit_id LEFT JOIN people AS p ON p.id = "
                   "d.person_id WHERE q.pid <> 0 ORDER BY d.id",
                   &a, "devices of people", sizeof(**items), 0, read_device, (void **)items, n,
                   NULL);
}

ph_err store_pg_device_set_callsign(struct store *st, int64_t id, const char *callsign,
                                    const char *search_folded)
{
    struct pg_args a = {0};

    pg_arg_i64(&a, id);
    pg_arg_text(&a, callsign);
    pg_arg_text(&a, search_folded);
    return pg_write_one(store_pg_of(st),
                        "UPDATE devices SET callsign = $2, search_folded = $3 WHERE id = $1", &a,
                        "set device callsign");
}

ph_err store_pg_device_set_last(struct store *st, int64_t id, const struct position_point *p)
{
    struct pg_args a = {0};

    pg_arg_i64(&a, id);
    pg_arg_i64(&a, p->at);
    pg_arg_f64(&a, rounded(p->lat, 1e7));
    pg_arg_f64(&a, rounded(p->lon, 1e7));
    arg_real(&a, rounded(p->speed, 100));
    arg_real(&a, rounded(p->course, 10));
    arg_real(&a, rounded(p->alt, 10));
    arg_battery(&a, p->battery);
    return pg_write(store_pg_of(st),
                    "UPDATE devices SET last_at = $2, last_lat = $3, last_lon = $4, "
                    "last_speed = $5, last_course = $6, last_alt = $7, last_battery = $8 "
                    "WHERE id = $1 AND last_at < $2",
                    &a, "set device's latest position", NULL);
}

/* ---- positions ----------------------------------------------------------------- */

ph_err store_pg_position_insert(struct store *st, int64_t device_id,
                                const struct position_point *p, bool *stored)
{
    struct pg_args a = {0};
    int changes = 0;
    ph_err rc;

    pg_arg_i64(&a, device_id);
    pg_arg_i64(&a, p->at);
    pg_arg_i64(&a, to_e7(p->lat));
    pg_arg_i64(&a, to_e7(p->lon));
    arg_scaled(&a, p->speed, 100);
    arg_scaled(&a, p->course, 10);
    arg_scaled(&a, p->alt, 10);
    arg_battery(&a, p->battery);
    /* DO NOTHING: the same report twice (a client's retry, CoT's repeats) is
     * stored once; only the primary key can clash here, and the transaction
     * goes on. */
    rc = pg_write(store_pg_of(st),
                  "INSERT INTO positions (device_id, at, lat_e7, lon_e7, speed_cms, course_dd, "
                  "alt_dm, battery) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
                  "ON CONFLICT DO NOTHING",
                  &a, "insert position", &changes);
    if (rc == PH_OK && stored != NULL)
        *stored = changes > 0;
    return rc;
}

static void read_point(struct arena *ar, const PGresult *res, int row, void *out)
{
    struct position_point *p = out;

    (void)ar;
    p->at = pg_col_i64(res, row, 0);
    p->lat = (double)pg_col_i64(res, row, 1) / 1e7;
    p->lon = (double)pg_col_i64(res, row, 2) / 1e7;
    p->speed = col_scaled(res, row, 3, 100);
    p->course = col_scaled(res, row, 4, 10);
    p->alt = col_scaled(res, row, 5, 10);
    p->battery = col_battery(res, row, 6);
}

ph_err store_pg_position_range(struct store *st, struct arena *ar, int64_t device_id, int64_t from,
                               int64_t to, int limit, struct position_point **items, size_t *n)
{
    struct pg_args a = {0};

    pg_arg_i64(&a, device_id);
    pg_arg_i64(&a, from);
    pg_arg_i64(&a, to);
    arg_limit(&a, limit > 0 ? limit : -1);
    return pg_rows(store_pg_of(st), ar,
                   "SELECT at, lat_e7, lon_e7, speed_cms, course_dd, alt_dm, battery "
                   "FROM positions WHERE device_id = $1 AND at >= $2 AND at < $3 "
                   "ORDER BY at LIMIT $4::bigint",
                   &a, "position range", sizeof(**items), 0, read_point, (void **)items, n, NULL);
}

ph_err store_pg_position_first(struct store *st, int64_t device_id, int64_t from, int64_t *at)
{
    struct pg_args a = {0};

    pg_arg_i64(&a, device_id);
    pg_arg_i64(&a, from);
    return pg_get_i64(store_pg_of(st),
                      "SELECT at FROM positions WHERE device_id = $1 AND at >= $2 "
                      "ORDER BY at LIMIT 1",
                      &a, "first position", at);
}

/* ---- retention ----------------------------------------------------------------- */

static void read_retention(struct arena *ar, const PGresult *res, int row, void *out)
{
    struct store_retention *r = out;

    (void)ar;
    r->thinned_until = pg_col_i64(res, row, 0);
    r->window_end = pg_col_i64(res, row, 1);
    r->device_after = pg_col_i64(res, row, 2);
    r->device_until = pg_col_i64(res, row, 3);
    r->runs = pg_col_i64(res, row, 4);
    r->deleted = pg_col_i64(res, row, 5);
}

ph_err store_pg_retention_get(struct store *st, struct store_retention *out)
{
    return pg_get(store_pg_of(st), NULL,
                  "SELECT thinned_until, window_end, device_after, device_until, runs, deleted "
                  "FROM position_retention WHERE id = 1",
                  NULL, "get retention", read_retention, out);
}

ph_err store_pg_retention_put(struct store *st, const struct store_retention *r)
{
    struct pg_args a = {0};

    pg_arg_i64(&a, r->thinned_until);
    pg_arg_i64(&a, r->window_end);
    pg_arg_i64(&a, r->device_after);
    pg_arg_i64(&a, r->device_until);
    pg_arg_i64(&a, r->runs);
    pg_arg_i64(&a, r->deleted);
    return pg_write_one(store_pg_of(st),
                        "UPDATE position_retention SET thinned_until = $1, window_end = $2, "
                        "device_after = $3, device_until = $4, runs = $5, deleted = $6 "
                        "WHERE id = 1",
                        &a, "put retention");
}

struct id_pair {
    int64_t id, person_id;
};

static void read_id_pair(struct arena *ar, const PGresult *res, int row, void *out)
{
    struct id_pair *p = out;

    (void)ar;
    p->id = pg_col_i64(res, row, 0);
    p->person_id = pg_col_i64(res, row, 1);
}

ph_err store_pg_retention_devices(struct store *st, struct arena *ar, int64_t after_id, int limit,
                                  int64_t **ids, int64_t **person_ids, size_t *n)
{
    struct pg_args a = {0};
    struct id_pair *rows = NULL;
    size_t k = 0;
    ph_err rc;

    pg_arg_i64(&a, after_id);
    arg_limit(&a, limit);
    rc = pg_rows(store_pg_of(st), ar,
                 "SELECT id, person_id FROM devices WHERE id > $1 ORDER BY id LIMIT $2::bigint",
                 &a, "retention devices", sizeof(*rows), 0, read_id_pair, (void **)&rows, &k,
                 NULL);
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

static void read_interval(struct arena *ar, const PGresult *res, int row, void *out)
{
    struct store_interval *iv = out;

    (void)ar;
    iv->start = pg_col_i64(res, row, 0);
    iv->end = pg_col_i64(res, row, 1);
}

ph_err store_pg_retention_intervals(struct store *st, struct arena *ar, int64_t person_id,
                                    int64_t from, int64_t end, struct store_interval **items,
                                    size_t *n)
{
    struct pg_args a = {0};

    pg_arg_i64(&a, person_id);
    pg_arg_i64(&a, from);
    pg_arg_i64(&a, end);
    /* Started operations (active, completed, or cancelled after they started):
     * an interval still open runs to end. */
    return pg_rows(store_pg_of(st), ar,
                   "SELECT o.started_at, CASE WHEN o.ended_at > 0 THEN o.ended_at "
                   "ELSE $3::bigint END "
                   "FROM operation_people AS op JOIN operations AS o ON o.id = op.operation_id "
                   "WHERE op.person_id = $1 AND o.started_at > 0 AND o.started_at < $3 "
                   "AND (o.ended_at = 0 OR o.ended_at > $2) ORDER BY o.started_at",
                   &a, "operation intervals", sizeof(**items), 0, read_interval, (void **)items,
                   n, NULL);
}

ph_err store_pg_position_delete_at(struct store *st, int64_t device_id, const int64_t *ats,
                                   size_t n)
{
    struct pg_args a = {0};
    struct arena ar;
    ph_err rc;

    if (n == 0)
        return PH_OK;
    /* One statement for the whole list (the SQLite store steps one per time). */
    arena_init(&ar);
    pg_arg_i64(&a, device_id);
    pg_arg_ids(&a, &ar, ats, n);
    rc = pg_write(store_pg_of(st),
                  "DELETE FROM positions WHERE device_id = $1 AND at = ANY ($2::bigint[])", &a,
                  "delete positions", NULL);
    arena_release(&ar);
    return rc;
}

ph_err store_pg_position_expire(struct store *st, int64_t device_id, int64_t before, int limit,
                                int *deleted)
{
    struct pg_args a = {0};

    pg_arg_i64(&a, device_id);
    pg_arg_i64(&a, before);
    arg_limit(&a, limit);
    /* The subquery bounds the work (there is no DELETE ... LIMIT). */
    return pg_write(store_pg_of(st),
                    "DELETE FROM positions WHERE device_id = $1 AND at IN (SELECT at FROM "
                    "positions WHERE device_id = $1 AND at < $2 ORDER BY at LIMIT $3::bigint)",
                    &a, "expire positions", deleted);
}
