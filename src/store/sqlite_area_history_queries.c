/* sqlite_area_history_queries.c - the SQLite backend's reads and writes for
 * core/area_history.c (issue 8, migration 013): the stream of incidents counted
 * by another day's areas, the units responsible for areas that closed, and the
 * proposals that move those units to the new areas. The successions themselves
 * are sqlite_areas_history.c's.
 *
 * The incident stream steps one prepared statement and hands each row over as it
 * comes (a year of incidents is never gathered), with the access rule of
 * incident lists and the hot-spot stream (STORE_SQ_INCIDENT_SCOPE in sqlite_int.h: the
 * classification, and with a unit range some recipient inside it), leaving out
 * exercises, tests and merged duplicates as the incident counts do. Unlike the
 * hot-spot stream it keeps incidents without a location: they still have an
 * area, and counting by a later map needs them.
 *
 * Operations and positions stream the same way: an operation as one row per
 * area it touched (operation_areas, kept when it was planned), with the access
 * rule of operation lists; positions of the devices of units in scope, the
 * primary key (device_id, at) giving each device's stretch of the period. */
#include "util/base.h"
#include "store/sqlite_int.h"
#include "store/store.h"
#include "util/arena.h"

/* ---- incidents by area ----------------------------------------------------------- */

ph_err store_sq_area_incidents(struct store *st, int64_t from, int64_t to,
                               const struct incident_scope *scope,
                               void (*on_row)(void *ctx, const struct store_area_incident *row),
                               void *ctx)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_AREA_INCIDENTS,
        "SELECT i.id, i.area_id, i.lat, i.lon FROM incidents AS i "
        "WHERE i.occurred_at >= :from AND i.occurred_at < :to "
        "AND i.cap_status = 'actual' AND i.status <> 'merged' "
        "AND " STORE_SQ_INCIDENT_SCOPE);
    struct arena ar;
    ph_err rc = PH_OK;
    int e;

    if (stmt == NULL)
        return PH_ESTORE;
    arena_init(&ar);
    e = store_sq_bind_named_i64(stmt, ":from", from) | store_sq_bind_named_i64(stmt, ":to", to) |
        store_sq_bind_scope(&ar, stmt, scope);
    if (e != SQLITE_OK) {
        rc = store_sq_fail(s, e, "bind area incidents");
        goto out;
    }
    while ((e = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct store_area_incident row = {
            .id = sqlite3_column_int64(stmt, 0),
            .area_id = sqlite3_column_int64(stmt, 1),
            .has_location = sqlite3_column_type(stmt, 2) != SQLITE_NULL &&
                            sqlite3_column_type(stmt, 3) != SQLITE_NULL,
            .lat = sqlite3_column_double(stmt, 2),
            .lon = sqlite3_column_double(stmt, 3),
        };
        on_row(ctx, &row);
    }
    if (e != SQLITE_DONE)
        rc = store_sq_fail(s, e, "area incidents");
out:
    store_sq_done(stmt);
    arena_release(&ar);
    return rc;
}

/* ---- operations and positions by area ---------------------------------------------- */

ph_err store_sq_area_operations(struct store *st, int64_t from, int64_t to,
                                const struct incident_scope *scope,
                                void (*on_row)(void *ctx, const struct store_area_operation *row),
                                void *ctx)
{
    struct store_sq *s = store_sq_of(st);
    /* The scope rule of sqlite_operations.c (SCOPE_EXPR): the classification,
     * and with a unit range some unit of the operation inside it. */
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_AREA_OPERATIONS,
        "SELECT o.id, COALESCE(oa.area_id, 0) FROM operations AS o "
        "LEFT JOIN operation_areas AS oa ON oa.operation_id = o.id "
        "WHERE o.planned_end > :from AND o.planned_start < :to AND o.status <> 'cancelled' "
        "AND o.classification <= :clearance AND (:scope_lo IS NULL OR EXISTS (SELECT 1 "
        "FROM operation_units AS sr JOIN units AS su ON su.id = sr.unit_id "
        "WHERE sr.operation_id = o.id AND su.path >= :scope_lo AND su.path < :scope_hi)) "
        "ORDER BY o.id");
    struct arena ar;
    ph_err rc = PH_OK;
    int e;

    if (stmt == NULL)
        return PH_ESTORE;
    arena_init(&ar);
    e = store_sq_bind_named_i64(stmt, ":from", from) | store_sq_bind_named_i64(stmt, ":to", to) |
        store_sq_bind_scope(&ar, stmt, scope);
    if (e != SQLITE_OK) {
        rc = store_sq_fail(s, e, "bind area operations");
        goto out;
    }
    while ((e = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct store_area_operation row = {
            .id = sqlite3_column_int64(stmt, 0),
            .area_id = sqlite3_column_int64(stmt, 1),
        };
        on_row(ctx, &row);
    }
    if (e != SQLITE_DONE)
        rc = store_sq_fail(s, e, "area operations");
out:
    store_sq_done(stmt);
    arena_release(&ar);
    return rc;
}

ph_err store_sq_area_positions(struct store *st, int64_t from, int64_t to, const char *scope_path,
                               void (*on_row)(void *ctx, const struct store_area_position *row),
                               void *ctx)
{
    struct store_sq *s = store_sq_of(st);
    /* Devices first (CROSS JOIN keeps that order): each device's stretch of the
     * period is a range of the positions' primary key, never a scan of them all. */
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_AREA_POSITIONS,
        "SELECT p.device_id, p.at, p.lat_e7, p.lon_e7 FROM devices AS d "
        "JOIN units AS u ON u.id = d.unit_id CROSS JOIN positions AS p ON p.device_id = d.id "
        "WHERE p.at >= :from AND p.at < :to "
        "AND (:scope_lo IS NULL OR (u.path >= :scope_lo AND u.path < :scope_hi)) "
        "ORDER BY d.id, p.at");
    struct arena ar;
    ph_err rc = PH_OK;
    int e;

    if (stmt == NULL)
        return PH_ESTORE;
    if (scope_path != NULL && scope_path[0] == '\0')
        scope_path = NULL;
    arena_init(&ar);
    e = store_sq_bind_named_i64(stmt, ":from", from) | store_sq_bind_named_i64(stmt, ":to", to) |
        store_sq_bind_named_range(&ar, stmt, ":scope_lo", ":scope_hi", scope_path);
    if (e != SQLITE_OK) {
        rc = store_sq_fail(s, e, "bind area positions");
        goto out;
    }
    while ((e = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct store_area_position row = {
            .device_id = sqlite3_column_int64(stmt, 0),
            .at = sqlite3_column_int64(stmt, 1),
            .lat = (double)sqlite3_column_int64(stmt, 2) / 1e7,
            .lon = (double)sqlite3_column_int64(stmt, 3) / 1e7,
        };
        on_row(ctx, &row);
    }
    if (e != SQLITE_DONE)
        rc = store_sq_fail(s, e, "area positions");
out:
    store_sq_done(stmt);
    arena_release(&ar);
    return rc;
}

/* ---- units on closed areas ------------------------------------------------------- */

static void read_unit_area(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    struct store_unit_area *out = row;

    out->unit_id = sqlite3_column_int64(stmt, 0);
    out->area_id = sqlite3_column_int64(stmt, 1);
    out->unit_path = store_sq_col_text(ar, stmt, 2);
    out->unit_force = store_sq_col_text(ar, stmt, 3);
}

ph_err store_sq_unit_closed_areas(struct store *st, struct arena *ar, const char *at,
                                  struct store_unit_area **items, size_t *n)
{
    struct store_sq *s = store_sq_of(st);
    /* Dates are 'YYYY-MM-DD' text: they compare as they sort. */
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_UNIT_CLOSED_AREAS,
        "SELECT ua.unit_id, ua.area_id, u.path, u.force FROM unit_areas AS ua "
        "JOIN areas AS a ON a.id = ua.area_id JOIN units AS u ON u.id = ua.unit_id "
        "WHERE a.valid_to IS NOT NULL AND a.valid_to <= ?1 ORDER BY ua.unit_id, ua.area_id");
    void *list = NULL;
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    rc = store_sq_rows(s, ar, stmt, store_sq_bind_text(stmt, 1, at), "units on closed areas",
                       sizeof(**items), 0, read_unit_area, &list, n, NULL);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

/* ---- proposals --------------------------------------------------------------------- */

ph_err store_sq_unit_area_proposal_put(struct store *st, const struct unit_area_proposal *p,
                                       int64_t *id)
{
    struct store_sq *s = store_sq_of(st);
    /* A proposal once made (and perhaps rejected) is not made again. */
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_UNIT_AREA_PROPOSAL_PUT,
        "INSERT INTO unit_area_proposals (unit_id, old_area_id, new_area_id, kind, created_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (unit_id, old_area_id, new_area_id) DO NOTHING");
    int changes = 0;
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    rc = store_sq_write(
        s, stmt,
        sqlite3_bind_int64(stmt, 1, p->unit_id) | sqlite3_bind_int64(stmt, 2, p->old_area_id) |
            sqlite3_bind_int64(stmt, 3, p->new_area_id) | store_sq_bind_text(stmt, 4, p->kind) |
            sqlite3_bind_int64(stmt, 5, store_time_or_now(p->created_at)),
        "put unit area proposal", &changes);
    if (rc == PH_OK)
        *id = changes > 0 ? sqlite3_last_insert_rowid(s->db) : 0;
    return rc;
}

/* The columns of struct unit_area_proposal, then the unit's path (for access). */
#define PROPOSAL_COLS                                                                              \
    "p.id, p.unit_id, p.old_area_id, p.new_area_id, p.kind, p.status, p.created_at, "              \
    "p.decided_at, p.decided_by, u.code, u.name, o.name, n.name, u.path "                          \
    "FROM unit_area_proposals AS p JOIN units AS u ON u.id = p.unit_id "                           \
    "JOIN areas AS o ON o.id = p.old_area_id JOIN areas AS n ON n.id = p.new_area_id "

static void read_proposal(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    struct store_unit_area_proposal *out = row;
    struct unit_area_proposal *p = &out->p;

    memset(out, 0, sizeof(*out));
    p->id = sqlite3_column_int64(stmt, 0);
    p->unit_id = sqlite3_column_int64(stmt, 1);
    p->old_area_id = sqlite3_column_int64(stmt, 2);
    p->new_area_id = sqlite3_column_int64(stmt, 3);
    p->kind = store_sq_col_text(ar, stmt, 4);
    p->status = store_sq_col_text(ar, stmt, 5);
    p->created_at = sqlite3_column_int64(stmt, 6);
    p->decided_at = sqlite3_column_int64(stmt, 7);
    p->decided_by = sqlite3_column_int64(stmt, 8);
    p->unit_code = store_sq_col_text(ar, stmt, 9);
    p->unit_name = store_sq_col_text(ar, stmt, 10);
    p->old_name = store_sq_col_text(ar, stmt, 11);
    p->new_name = store_sq_col_text(ar, stmt, 12);
    out->unit_path = store_sq_col_text(ar, stmt, 13);
}

ph_err store_sq_unit_area_proposal_get(struct store *st, struct arena *ar, int64_t id,
                                       struct store_unit_area_proposal *out)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt =
        store_sq_stmt(s, SQ_UNIT_AREA_PROPOSAL_GET, "SELECT " PROPOSAL_COLS "WHERE p.id = ?1");

    if (stmt == NULL)
        return PH_ESTORE;
    return store_sq_get(s, ar, stmt, sqlite3_bind_int64(stmt, 1, id), "get unit area proposal",
                        read_proposal, out);
}

ph_err store_sq_unit_area_proposal_list(struct store *st, struct arena *ar, const char *status,
                                        int64_t unit_id, const char *unit_path,
                                        struct store_unit_area_proposal **items, size_t *n)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt =
        store_sq_stmt(s, SQ_UNIT_AREA_PROPOSAL_LIST,
                      "SELECT " PROPOSAL_COLS "WHERE (:status IS NULL OR p.status = :status) "
                      "AND (:unit = 0 OR p.unit_id = :unit) "
                      "AND (:lo IS NULL OR (u.path >= :lo AND u.path < :hi)) ORDER BY p.id");
    void *list = NULL;
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    rc = store_sq_rows(s, ar, stmt,
                       store_sq_bind_named_text(stmt, ":status", status) |
                           store_sq_bind_named_i64(stmt, ":unit", unit_id) |
                           store_sq_bind_named_range(ar, stmt, ":lo", ":hi", unit_path),
                       "list unit area proposals", sizeof(**items), 0, read_proposal, &list, n,
                       NULL);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

ph_err store_sq_unit_area_proposal_decide(struct store *st, int64_t id, const char *status,
                                          int64_t decided_at, int64_t decided_by)
{
    struct store_sq *s = store_sq_of(st);
    /* Only an open proposal is decided: a second decision changes nothing. */
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_UNIT_AREA_PROPOSAL_DECIDE,
        "UPDATE unit_area_proposals SET status = ?2, decided_at = ?3, decided_by = ?4 "
        "WHERE id = ?1 AND status = 'proposed'");
    int changes = 0;
    bool found = false;
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    rc = store_sq_write(s, stmt,
                        sqlite3_bind_int64(stmt, 1, id) | store_sq_bind_text(stmt, 2, status) |
                            sqlite3_bind_int64(stmt, 3, store_time_or_now(decided_at)) |
                            sqlite3_bind_int64(stmt, 4, decided_by),
                        "decide unit area proposal", &changes);
    if (rc != PH_OK || changes > 0)
        return rc;
    rc = store_sq_exists(s, SQ_UNIT_AREA_PROPOSAL_EXISTS,
                         "SELECT 1 FROM unit_area_proposals WHERE id = ?1", id, &found);
    if (rc != PH_OK)
        return rc;
    return found ? PH_ECONFLICT : PH_ENOTFOUND;
}
