/* sqlite_areas_history.c - the SQLite backend's area history (issue 8, migration
 * 013): the successions a reorganisation records between areas (new <- old, full
 * or partial; core/area_history.h) and the record of every area import or dry
 * run (core/area_import.h). See sqlite_int.h.
 *
 * A succession is keyed by (new, old): writing it again with the same kind and
 * date changes nothing, which is what makes a re-run of a reorganisation
 * idempotent; writing it with another kind or date updates the row. */
#include "util/base.h"
#include "store/sqlite_int.h"
#include "store/store.h"
#include "util/arena.h"

/* ---- successions ----------------------------------------------------------- */

ph_err store_sq_area_succession_put(struct store *st, int64_t new_area_id, int64_t old_area_id,
                                    const char *kind, const char *effective, bool *changed)
{
    struct store_sq *s = store_sq_of(st);
    /* The WHERE of the upsert leaves an identical row alone, so that changes()
     * tells a new or different row from a repeated one. */
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_AREA_SUCCESSION_PUT,
        "INSERT INTO area_successions (new_area_id, old_area_id, kind, effective) "
        "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (new_area_id, old_area_id) DO UPDATE SET "
        "kind = excluded.kind, effective = excluded.effective "
        "WHERE kind <> excluded.kind OR effective <> excluded.effective");
    int changes = 0;
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    rc = store_sq_write(
        s, stmt,
        sqlite3_bind_int64(stmt, 1, new_area_id) | sqlite3_bind_int64(stmt, 2, old_area_id) |
            store_sq_bind_text(stmt, 3, kind) | store_sq_bind_text(stmt, 4, effective),
        "put area succession", &changes);
    if (rc == PH_OK && changed != NULL)
        *changed = changes > 0;
    return rc;
}

/* Columns: new id, old id, kind, effective, new code, new name, old code, old name. */
static void read_succession(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    struct area_succession *out = row;

    memset(out, 0, sizeof(*out));
    out->new_area_id = sqlite3_column_int64(stmt, 0);
    out->old_area_id = sqlite3_column_int64(stmt, 1);
    out->kind = store_sq_col_text(ar, stmt, 2);
    out->effective = store_sq_col_text(ar, stmt, 3);
    out->new_code = store_sq_col_text(ar, stmt, 4);
    out->new_name = store_sq_col_text(ar, stmt, 5);
    out->old_code = store_sq_col_text(ar, stmt, 6);
    out->old_name = store_sq_col_text(ar, stmt, 7);
}

#define SUCCESSION_COLS                                                                            \
    "s.new_area_id, s.old_area_id, s.kind, s.effective, n.code, n.name, o.code, o.name "           \
    "FROM area_successions AS s JOIN areas AS n ON n.id = s.new_area_id "                          \
    "JOIN areas AS o ON o.id = s.old_area_id "

ph_err store_sq_area_successions(struct store *st, struct arena *ar, int64_t area_id, bool as_new,
                                 struct area_succession **items, size_t *n)
{
    struct store_sq *s = store_sq_of(st);
    /* Two statements rather than one with an OR, so that each walks its index
     * (the primary key for predecessors, area_successions_old for successors). */
    sqlite3_stmt *stmt =
        as_new ? store_sq_stmt(s, SQ_AREA_PREDECESSORS,
                               "SELECT " SUCCESSION_COLS
                               "WHERE s.new_area_id = ?1 ORDER BY o.code, s.old_area_id")
               : store_sq_stmt(s, SQ_AREA_SUCCESSORS,
                               "SELECT " SUCCESSION_COLS
                               "WHERE s.old_area_id = ?1 ORDER BY n.code, s.new_area_id");
    void *list = NULL;
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    rc = store_sq_rows(s, ar, stmt, sqlite3_bind_int64(stmt, 1, area_id), "list area successions",
                       sizeof(**items), 0, read_succession, &list, n, NULL);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

/* ---- imports ----------------------------------------------------------------- */

ph_err store_sq_area_import_insert(struct store *st, const struct store_area_import *imp,
                                   int64_t *id)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_AREA_IMPORT_INSERT,
        "INSERT INTO area_imports (kind, province, effective, sha256, dry_run, counts, "
        "person_id, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");

    if (stmt == NULL)
        return PH_ESTORE;
    return store_sq_insert(
        s, stmt,
        store_sq_bind_text(stmt, 1, imp->kind) | store_sq_bind_text(stmt, 2, imp->province) |
            store_sq_bind_text(stmt, 3, imp->effective) |
            sqlite3_bind_blob(stmt, 4, imp->sha256, 32, SQLITE_STATIC) |
            sqlite3_bind_int(stmt, 5, imp->dry_run ? 1 : 0) |
            store_sq_bind_text(stmt, 6, imp->counts) | sqlite3_bind_int64(stmt, 7, imp->person_id) |
            sqlite3_bind_int64(stmt, 8, store_time_or_now(imp->at)),
        "insert area import", id);
}

ph_err store_sq_area_import_seen(struct store *st, const char *kind, const char *province,
                                 const char *effective, const uint8_t sha256[32], bool *seen)
{
    struct store_sq *s = store_sq_of(st);
    /* "IS" compares NULL provinces (the whole file) as equal. */
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_AREA_IMPORT_SEEN,
        "SELECT 1 FROM area_imports WHERE kind = ?1 AND province IS ?2 AND effective = ?3 "
        "AND sha256 = ?4 AND dry_run = 0 LIMIT 1");
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    rc = store_sq_get(s, NULL, stmt,
                      store_sq_bind_text(stmt, 1, kind) | store_sq_bind_text(stmt, 2, province) |
                          store_sq_bind_text(stmt, 3, effective) |
                          sqlite3_bind_blob(stmt, 4, sha256, 32, SQLITE_STATIC),
                      "find area import", NULL, NULL);
    if (rc == PH_OK || rc == PH_ENOTFOUND) {
        *seen = rc == PH_OK;
        rc = PH_OK;
    }
    return rc;
}
