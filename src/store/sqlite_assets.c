/* sqlite_assets.c - the SQLite backend's vehicles and vessels (core/operation.h,
 * migration 007): directory data of the units, read by everyone, listed in id
 * order. See sqlite_int.h. */
#include "util/base.h"
#include "store/sqlite_int.h"
#include "store/store.h"
#include "util/arena.h"

#define ASSET_COLS                                                                                 \
    "a.id, a.kind, a.code, a.name, a.unit_id, a.is_active, a.version, a.created_at, "            \
    "a.updated_at, u.path"
#define ASSET_JOINS " JOIN units AS u ON u.id = a.unit_id"
#define SQL_ASSET_EXISTS "SELECT 1 FROM assets WHERE id = ?1"

static void read_asset(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    struct asset *out = row;

    memset(out, 0, sizeof(*out));
    out->id = sqlite3_column_int64(stmt, 0);
    out->kind = store_sq_col_text(ar, stmt, 1);
    out->code = store_sq_col_text(ar, stmt, 2);
    out->name = store_sq_col_text(ar, stmt, 3);
    out->unit_id = sqlite3_column_int64(stmt, 4);
    out->is_active = sqlite3_column_int(stmt, 5) != 0;
    out->version = sqlite3_column_int64(stmt, 6);
    out->created_at = sqlite3_column_int64(stmt, 7);
    out->updated_at = sqlite3_column_int64(stmt, 8);
    out->unit_path = store_sq_col_text(ar, stmt, 9);
}

/* The members insert and update share, ?2 to ?7. */
static int bind_asset(sqlite3_stmt *stmt, const struct asset *a, const char *name_folded)
{
    return store_sq_bind_text(stmt, 2, a->kind) | store_sq_bind_text(stmt, 3, a->code) |
           store_sq_bind_text(stmt, 4, a->name) | store_sq_bind_text(stmt, 5, name_folded) |
           store_sq_bind_id(stmt, 6, a->unit_id) | sqlite3_bind_int(stmt, 7, a->is_active);
}

ph_err store_sq_asset_insert(struct store *st, const struct asset *a, const char *name_folded,
                             int64_t *id)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_ASSET_INSERT,
        "INSERT INTO assets (kind, code, name, name_folded, unit_id, is_active, version, "
        "created_at, updated_at) VALUES (?2, ?3, ?4, ?5, ?6, ?7, 1, ?8, ?9)");

    if (stmt == NULL)
        return PH_ESTORE;
    return store_sq_insert(s, stmt,
                           bind_asset(stmt, a, name_folded) |
                               store_sq_bind_created(stmt, 8, a->created_at, a->updated_at),
                           "insert asset", id);
}

ph_err store_sq_asset_update(struct store *st, const struct asset *a, const char *name_folded)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_ASSET_UPDATE,
        "UPDATE assets SET kind = ?2, code = ?3, name = ?4, name_folded = ?5, unit_id = ?6, "
        "is_active = ?7, updated_at = ?8, version = version + 1 "
        "WHERE id = ?1 AND (?9 = 0 OR version = ?9)");

    if (stmt == NULL)
        return PH_ESTORE;
    return store_sq_update_versioned(
        s, stmt,
        sqlite3_bind_int64(stmt, 1, a->id) | bind_asset(stmt, a, name_folded) |
            sqlite3_bind_int64(stmt, 8, store_time_or_now(a->updated_at)) |
            sqlite3_bind_int64(stmt, 9, a->version),
        "update asset", SQ_ASSET_EXISTS, SQL_ASSET_EXISTS, a->id);
}

ph_err store_sq_asset_get(struct store *st, struct arena *ar, int64_t id, struct asset *out)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_ASSET_GET, "SELECT " ASSET_COLS " FROM assets AS a" ASSET_JOINS " WHERE a.id = ?1");

    if (stmt == NULL)
        return PH_ESTORE;
    return store_sq_get(s, ar, stmt, sqlite3_bind_int64(stmt, 1, id), "get asset", read_asset, out);
}

ph_err store_sq_asset_list(struct store *st, struct arena *ar, const struct asset_filter *f,
                           struct asset **items, size_t *n, bool *has_more)
{
    struct store_sq *s = store_sq_of(st);
    /* The unit filter is the unit's path range (store_path_upper). */
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_ASSET_LIST,
        "SELECT " ASSET_COLS " FROM assets AS a" ASSET_JOINS " "
        "WHERE a.id > ?1 AND (?2 IS NULL OR a.kind = ?2) "
        "AND (?3 = 0 OR (u.path >= (SELECT path FROM units WHERE id = ?3) "
        "AND u.path < ?4)) "
        "AND (?5 IS NULL OR a.name_folded LIKE '%' || ?5 || '%' ESCAPE '\\' "
        "OR lower(a.code) LIKE '%' || ?5 || '%' ESCAPE '\\') "
        "AND (?6 = 1 OR a.is_active = 1) ORDER BY a.id LIMIT ?7");
    int limit = store_list_limit(f->limit);
    const char *hi = NULL;
    void *list = NULL;
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    if (f->unit_id != 0) {
        struct unit u;
        rc = store_sq_unit_get(st, ar, f->unit_id, &u);
        if (rc == PH_ENOTFOUND) {
            *items = NULL;
            *n = 0;
            *has_more = false;
            return PH_OK;
        }
        if (rc != PH_OK)
            return rc;
        hi = store_path_upper(ar, u.path);
    }
    rc = store_sq_rows(s, ar, stmt,
                       sqlite3_bind_int64(stmt, 1, f->after_id) |
                           store_sq_bind_text(stmt, 2, f->kind) |
                           sqlite3_bind_int64(stmt, 3, f->unit_id) |
                           store_sq_bind_text(stmt, 4, hi) |
                           store_sq_bind_text(stmt, 5, store_like_escape(ar, f->q)) |
                           sqlite3_bind_int(stmt, 6, f->include_inactive) |
                           sqlite3_bind_int(stmt, 7, limit + 1),
                       "list assets", sizeof(**items), limit, read_asset, &list, n, has_more);
    if (rc == PH_OK)
        *items = list;
    return rc;
}
