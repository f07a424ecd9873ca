/* pg_area_history_queries.c - the PostgreSQL twin of
 * sqlite_area_history_queries.c (pg_int.h): the streams of incidents,
 * operations and positions counted by another day's areas, the units
 * responsible for areas that closed, and the proposals that move those units
 * to the new areas.
 *
 * The callbacks of the streams call the store again (resolving a point reads
 * areas), so a stream cannot hold the connection busy with a row-by-row
 * result: it reads batches, each a complete result, and hands their rows over
 * before asking for the next one. Incidents are batched by id; positions go
 * device by device (the devices of units in scope first), each device's
 * stretch of the period in batches along the primary key (device_id, at), as
 * the SQLite store walks it. Operations (one row per area an operation
 * touched) are few enough for one result. */
#include "util/base.h"
#include "store/pg_int.h"
#include "util/arena.h"

/* Rows per batch of a stream. */
#define STREAM_BATCH 4096

/* ---- incidents by area ----------------------------------------------------------- */

ph_err store_pg_area_incidents(struct store *st, int64_t from, int64_t to,
                               const struct incident_scope *scope,
                               void (*on_row)(void *ctx, const struct store_area_incident *row),
                               void *ctx)
{
    struct store_pg *p = store_pg_of(st);
    struct arena ar;
    int64_t after = 0;
    ph_err rc = PH_OK;

    /* Exercises, tests and merged duplicates are left out, as the incident
     * counts do; incidents without a location are kept (they have an area). */
    arena_init(&ar);
    for (;;) {
        struct pg_args a = {0};
        PGresult *res = NULL;
        int rows;

        pg_arg_i64(&a, from);
        pg_arg_i64(&a, to);
        (void)pg_arg_scope(&a, &ar, scope); /* $3, $4, $5 */
        pg_arg_i64(&a, after);
        pg_arg_i64(&a, STREAM_BATCH);
        rc = pg_exec(p,
                     "SELECT i.id, i.area_id, i.lat, i.lon FROM incidents AS i "
                     "WHERE i.occurred_at >= $1 AND i.occurred_at < $2 "
                     "AND i.cap_status = 'actual' AND i.status <> 'merged' "
                     "AND " PG_INCIDENT_SCOPE(3, 4, 5) " AND i.id > $6 ORDER BY i.id LIMIT $7",
                     &a, "area incidents", &res);
        if (rc != PH_OK)
            break;
        rows = PQntuples(res);
        for (int i = 0; i < rows; i++) {
            struct store_area_incident row = {
                .id = pg_col_i64(res, i, 0),
                .area_id = pg_col_i64(res, i, 1),
                .has_location = !pg_col_null(res, i, 2) && !pg_col_null(res, i, 3),
                .lat = pg_col_f64(res, i, 2),
                .lon = pg_col_f64(res, i, 3),
            };
            on_row(ctx, &row);
        }
        if (rows > 0)
            after = pg_col_i64(res, rows - 1, 0);
        PQclear(res);
        if (rows < STREAM_BATCH)
            break;
    }
    arena_release(&ar);
    return rc;
}

/* ---- operations and positions by area ---------------------------------------------- */

ph_err store_pg_area_operations(struct store *st, int64_t from, int64_t to,
                                const struct incident_scope *scope,
                                void (*on_row)(void *ctx, const struct store_area_operation *row),
                                void *ctx)
{
    struct store_pg *p = store_pg_of(st);
    struct pg_args a = {0};
    struct arena ar;
    PGresult *res = NULL;
    ph_err rc;

    /* The scope rule of operation lists: the classification, and with a unit
     * range some unit of the operation inside it. The rows of one operation
     * come together (ORDER BY). */
    arena_init(&ar);
    pg_arg_i64(&a, from);
    pg_arg_i64(&a, to);
    (void)pg_arg_scope(&a, &ar, scope); /* $3, $4, $5 */
    rc = pg_exec(p,
                 "SELECT o.id, COALESCE(oa.area_id, 0) FROM operations AS o "
                 "LEFT JOIN operation_areas AS oa ON oa.operation_id = o.id "
                 "WHERE o.planned_end > $1 AND o.planned_start < $2 "
                 "AND o.status <> 'cancelled' AND o.classification <= $3 "
                 "AND ($4::text IS NULL OR EXISTS (SELECT 1 "
                 "FROM operation_units AS sr JOIN units AS su ON su.id = sr.unit_id "
                 "WHERE sr.operation_id = o.id AND su.path >= $4::text "
                 "AND su.path < $5::text)) ORDER BY o.id, 2",
                 &a, "area operations", &res);
    if (rc == PH_OK) {
        int rows = PQntuples(res);
        for (int i = 0; i < rows; i++) {
            struct store_area_operation row = {
                .id = pg_col_i64(res, i, 0),
                .area_id = pg_col_i64(res, i, 1),
            };
            on_row(ctx, &row);
        }
        PQclear(res);
    }
    arena_release(&ar);
    return rc;
}

/* One device's positions in [from, to), in batches along the primary key. */
static ph_err device_positions(struct store_pg *p, int64_t device_id, int64_t from, int64_t to,
                               void (*on_row)(void *ctx, const struct store_area_position *row),
                               void *ctx)
{
    int64_t start = from;
    ph_err rc = PH_OK;

    for (;;) {
        struct pg_args a = {0};
        PGresult *res = NULL;
        int rows;

        pg_arg_i64(&a, device_id);
        pg_arg_i64(&a, start);
        pg_arg_i64(&a, to);
        pg_arg_i64(&a, STREAM_BATCH);
        rc = pg_exec(p,
                     "SELECT p.at, p.lat_e7, p.lon_e7 FROM positions AS p "
                     "WHERE p.device_id = $1 AND p.at >= $2 AND p.at < $3 "
                     "ORDER BY p.at LIMIT $4",
                     &a, "area positions", &res);
        if (rc != PH_OK)
            break;
        rows = PQntuples(res);
        for (int i = 0; i < rows; i++) {
            struct store_area_position row = {
                .device_id = device_id,
                .at = pg_col_i64(res, i, 0),
                .lat = (double)pg_col_i64(res, i, 1) / 1e7,
                .lon = (double)pg_col_i64(res, i, 2) / 1e7,
            };
            on_row(ctx, &row);
        }
        if (rows > 0)
            start = pg_col_i64(res, rows - 1, 0) + 1; /* at is unique per device */
        PQclear(res);
        if (rows < STREAM_BATCH)
            break;
    }
    return rc;
}

static void read_id0(struct arena *ar, const PGresult *res, int row, void *out)
{
    (void)ar;
    *(int64_t *)out = pg_col_i64(res, row, 0);
}

ph_err store_pg_area_positions(struct store *st, int64_t from, int64_t to, const char *scope_path,
                               void (*on_row)(void *ctx, const struct store_area_position *row),
                               void *ctx)
{
    struct store_pg *p = store_pg_of(st);
    struct pg_args a = {0};
    struct arena ar;
    void *list = NULL;
    size_t n = 0;
    ph_err rc;

    /* The devices of units in scope, by id; then each one's stretch. */
    arena_init(&ar);
    (void)pg_arg_range(&a, &ar, scope_path); /* $1, $2 */
    rc = pg_rows(p, &ar,
                 "SELECT d.id FROM devices AS d JOIN units AS u ON u.id = d.unit_id "
                 "WHERE $1::text IS NULL OR (u.path >= $1::text AND u.path < $2::text) "
                 "ORDER BY d.id",
                 &a, "area position devices", sizeof(int64_t), 0, read_id0, &list, &n, NULL);
    for (size_t i = 0; i < n && rc == PH_OK; i++)
        rc = device_positions(p, ((const int64_t *)list)[i], from, to, on_row, ctx);
    arena_release(&ar);
    return rc;
}

/* ---- units on closed areas ------------------------------------------------------- */

static void read_unit_area(struct arena *ar, const PGresult *res, int row, void *o)
{
    struct store_unit_area *out = o;

    out->unit_id = pg_col_i64(res, row, 0);
    out->area_id = pg_col_i64(res, row, 1);
    out->unit_path = pg_col_text(ar, res, row, 2);
    out->unit_force = pg_col_text(ar, res, row, 3);
}

ph_err store_pg_unit_closed_areas(struct store *st, struct arena *ar, const char *at,
                                  struct store_unit_area **items, size_t *n)
{
    struct pg_args a = {0};
    void *list = NULL;
    ph_err rc;

    /* Dates are 'YYYY-MM-DD' text: they compare as they sort. */
    pg_arg_text(&a, at);
    rc = pg_rows(store_pg_of(st), ar,
                 "SELECT ua.unit_id, ua.area_id, u.path, u.force FROM unit_areas AS ua "
                 "JOIN areas AS a ON a.id = ua.area_id JOIN units AS u ON u.id = ua.unit_id "
                 "WHERE a.valid_to IS NOT NULL AND a.valid_to <= $1 "
                 "ORDER BY ua.unit_id, ua.area_id",
                 &a, "units on closed areas", sizeof(**items), 0, read_unit_area, &list, n, NULL);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

/* ---- proposals --------------------------------------------------------------------- */

ph_err store_pg_unit_area_proposal_put(struct store *st, const struct unit_area_proposal *prop,
                                       int64_t *id)
{
    struct pg_args a = {0};
    PGresult *res = NULL;
    ph_err rc;

    /* A proposal once made (and perhaps rejected) is not made again: then no
     * row comes back and *id is 0. */
    pg_arg_i64(&a, prop->unit_id);
    pg_arg_i64(&a, prop->old_area_id);
    pg_arg_i64(&a, prop->new_area_id);
    pg_arg_text(&a, prop->kind);
    pg_arg_i64(&a, store_time_or_now(prop->created_at));
    rc = pg_exec(store_pg_of(st),
                 "INSERT INTO unit_area_proposals (unit_id, old_area_id, new_area_id, kind, "
                 "created_at) VALUES ($1, $2, $3, $4, $5) "
                 "ON CONFLICT (unit_id, old_area_id, new_area_id) DO NOTHING RETURNING id",
                 &a, "put unit area proposal", &res);
    if (rc != PH_OK)
        return rc;
    *id = PQntuples(res) > 0 ? pg_col_i64(res, 0, 0) : 0;
    PQclear(res);
    return PH_OK;
}

/* The columns of struct unit_area_proposal, then the unit's path (for access). */
#define PROPOSAL_COLS                                                                              \
    "p.id, p.unit_id, p.old_area_id, p.new_area_id, p.kind, p.status, p.created_at, "              \
    "p.decided_at, p.decided_by, u.code, u.name, o.name, n.name, u.path "                          \
    "FROM unit_area_proposals AS p JOIN units AS u ON u.id = p.unit_id "                           \
    "JOIN areas AS o ON o.id = p.old_area_id JOIN areas AS n ON n.id = p.new_area_id "

static void read_proposal(struct arena *ar, const PGresult *res, int row, void *o)
{
    struct store_unit_area_proposal *out = o;
    struct unit_area_proposal *p = &out->p;

    memset(out, 0, sizeof(*out));
    p->id = pg_col_i64(res, row, 0);
    p->unit_id = pg_col_i64(res, row, 1);
    p->old_area_id = pg_col_i64(res, row, 2);
    p->new_area_id = pg_col_i64(res, row, 3);
    p->kind = pg_col_text(ar, res, row, 4);
    p->status = pg_col_text(ar, res, row, 5);
    p->created_at = pg_col_i64(res, row, 6);
    p->decided_at = pg_col_i64(res, row, 7);
    p->decided_by = pg_col_i64(res, row, 8);
    p->unit_code = pg_col_text(ar, res, row, 9);
    p->unit_name = pg_col_text(ar, res, row, 10);
    p->old_name = pg_col_text(ar, res, row, 11);
    p->new_name = pg_col_text(ar, res, row, 12);
    out->unit_path = pg_col_text(ar, res, row, 13);
}

ph_err store_pg_unit_area_proposal_get(struct store *st, struct arena *ar, int64_t id,
                                       struct store_unit_area_proposal *out)
{
    struct pg_args a = {0};

    pg_arg_i64(&a, id);
    return pg_get(store_pg_of(st), ar, "SELECT " PROPOSAL_COLS "WHERE p.id = $1", &a,
                  "get unit area proposal", read_proposal, out);
}

ph_err store_pg_unit_area_proposal_list(struct store *st, struct arena *ar, const char *status,
                                        int64_t unit_id, const char *unit_path,
                                        struct store_unit_area_proposal **items, size_t *n)
{
    struct pg_args a = {0};
    void *list = NULL;
    ph_err rc;

    pg_arg_text(&a, status);
    pg_arg_i64(&a, unit_id);
    (void)pg_arg_range(&a, ar, unit_path); /* $3, $4 */
    rc = pg_rows(store_pg_of(st), ar,
                 "SELECT " PROPOSAL_COLS "WHERE ($1::text IS NULL OR p.status = $1::text) "
                 "AND ($2::bigint = 0 OR p.unit_id = $2::bigint) "
                 "AND ($3::text IS NULL OR (u.path >= $3::text AND u.path < $4::text)) "
                 "ORDER BY p.id",
                 &a, "list unit area proposals", sizeof(**items), 0, read_proposal, &list, n, NULL);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

ph_err store_pg_unit_area_proposal_decide(struct store *st, int64_t id, const char *status,
                                          int64_t decided_at, int64_t decided_by)
{
    struct store_pg *p = store_pg_of(st);
    struct pg_args a = {0};
    int changes = 0;
    bool found = false;
    ph_err rc;

    /* Only an open proposal is decided: a second decision changes nothing. */
    pg_arg_i64(&a, id);
    pg_arg_text(&a, status);
    pg_arg_i64(&a, store_time_or_now(decided_at));
    pg_arg_i64(&a, decided_by);
    rc = pg_write(p,
                  "UPDATE unit_area_proposals SET status = $2, decided_at = $3, decided_by = $4 "
                  "WHERE id = $1 AND status = 'proposed'",
                  &a, "decide unit area proposal", &changes);
    if (rc != PH_OK || changes > 0)
        return rc;
    rc = pg_exists(p, "SELECT 1 FROM unit_area_proposals WHERE id = $1", id, &found);
    if (rc != PH_OK)
        return rc;
    return found ? PH_ECONFLICT : PH_ENOTFOUND;
}
