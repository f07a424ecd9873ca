/* pg_assets.c - the PostgreSQL twin of sqlite_assets.c (pg_int.h): vehicles and
 * vessels (core/operation.h, migration 007), directory data of the units, read
 * by everyone, listed in id order. */
#include "util/base.h"
#include "store/pg_int.h"
#include "util/arena.h"

#define ASSET_COLS                                                                                 \
    "a.id, a.kind, a.code, a.name, a.unit_id, a.is_active, a.version, a.created_at, "            \
    "a.updated_at, u.path"
#define ASSET_JOINS " JOIN units AS u ON u.id = a.unit_id"

static void read_asset(struct arena *ar, const PGresult *res, int row, void *out)
{
    struct asset *a = out;

    memset(a, 0, sizeof(*a));
    a->id = pg_col_i64(res, row, 0);
    a->kind = pg_col_text(ar, res, row, 1);
    a->code = pg_col_text(ar, res, row, 2);
    a->name = pg_col_text(ar, res, row, 3);
    a->unit_id = pg_col_i64(res, row, 4);
    a->is_active = pg_col_int(res, row, 5) != 0;
    a->version = pg_col_i64(res, row, 6);
    a->created_at = pg_col_i64(res, row, 7);
    a->updated_at = pg_col_i64(res, row, 8);
    a->unit_path = pg_col_text(ar, res, row, 9);
}

/* The members insert ($1 to $6) and update ($2 to $7, after the id) share. */
static void arg_asset(struct pg_args *a, const struct asset *as, const char *name_folded)
{
    pg_arg_text(a, as->kind);
    pg_arg_text(a, as->code);
    pg_arg_text(a, as->name);
    pg_arg_text(a, name_folded);
    pg_arg_id(a, as->unit_id);
    pg_arg_i64(a, as->is_active);
}

ph_err store_pg_asset_insert(struct store *st, const struct asset *a, const char *name_folded,
                             int64_t *id)
{
    struct pg_args args = {0};

    arg_asset(&args, a, name_folded);
    pg_arg_created(&args, a->created_at, a->updated_at);
    return pg_insert(store_pg_of(st),
                     "INSERT INTO assets (kind, code, name, name_folded, unit_id, is_active, "
                     "version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8) "
                     "RETURNING id",
                     &args, "insert asset", id);
}

ph_err store_pg_asset_update(struct store *st, const struct asset *a, const char *name_folded)
{
    struct pg_args args = {0};

    pg_arg_i64(&args, a->id);
    arg_asset(&args, a, name_folded);
    pg_arg_i64(&args, store_time_or_now(a->updated_at));
    pg_arg_i64(&args, a->version);
    return pg_update_versioned(
        store_pg_of(st),
        "UPDATE assets SET kind = $2, code = $3, name = $4, name_folded = $5, unit_id = $6, "
        "is_active = $7, updated_at = $8, version = version + 1 "
        "WHERE id = $1 AND ($9::bigint = 0 OR version = $9)",
        &args, "update asset", "SELECT 1 FROM assets WHERE id = $1", a->id);
}

ph_err store_pg_asset_get(struct store *st, struct arena *ar, int64_t id, struct asset *out)
{
    struct pg_args args = {0};

    pg_arg_i64(&args, id);
    return pg_get(store_pg_of(st), ar,
                  "SELECT " ASSET_COLS " FROM assets AS a" ASSET_JOINS " WHERE a.id = $1", &args,
                  "get asset", read_asset, out);
}

static void read_text_0(struct arena *ar, const PGresult *res, int row, void *out)
{
    *(const char **)out = pg_col_text(ar, res, row, 0);
}

ph_err store_pg_asset_list(struct store *st, struct arena *ar, const struct asset_filter *f,
                           struct asset **items, size_t *n, bool *has_more)
{
    struct store_pg *p = store_pg_of(st);
    struct pg_args args = {0};
    int limit = store_list_limit(f->limit);
    const char *path = NULL;
    ph_err rc;

    /* The unit filter is the unit's path range; no such unit lists nothing. */
    if (f->unit_id != 0) {
        struct pg_args ua = {0};
        pg_arg_i64(&ua, f->unit_id);
        rc = pg_get(p, ar, "SELECT path FROM units WHERE id = $1", &ua, "asset list unit",
                    read_text_0, &path);
        if (rc == PH_ENOTFOUND) {
            *items = NULL;
            *n = 0;
            *has_more = false;
            return PH_OK;
        }
        if (rc != PH_OK)
            return rc;
        if (path == NULL || path[0] == '\0')
            path = NULL;
    }
    pg_arg_i64(&args, f->after_id);
    pg_arg_text(&args, f->kind);
    pg_arg_i64(&args, f->unit_id);
    pg_arg_range(&args, ar, path);
    pg_arg_text(&args, store_like_escape(ar, f->q));
    pg_arg_i64(&args, f->include_inactive);
    pg_arg_i64(&args, limit + 1);
    /* ILIKE: SQLite's LIKE ignores ASCII case (so matching the code needs no
     * lower()). */
    return pg_rows(p, ar,
                   "SELECT " ASSET_COLS " FROM assets AS a" ASSET_JOINS " "
                   "WHERE a.id > $1 AND ($2::text IS NULL OR a.kind = $2) "
                   "AND ($3::bigint = 0 OR (u.path >= $4::text AND u.path < $5::text)) "
                   "AND ($6::text IS NULL OR a.name_folded ILIKE '%' || $6 || '%' ESCAPE '\\' "
                   "OR a.code ILIKE '%' || $6 || '%' ESCAPE '\\') "
                   "AND ($7::bigint = 1 OR a.is_active = 1) ORDER BY a.id LIMIT $8",
                   &args, "list assets", sizeof(**items), limit, read_asset, (void **)items, n,
                   has_more);
}
