/* pg_areas_history.c - the PostgreSQL twin of sqlite_areas_history.c (pg_int.h):
 * the successions a reorganisation records between areas (new <- old, full or
 * partial; core/area_history.h) and the record of every area import or dry run
 * (core/area_import.h).
 *
 * A succession is keyed by (new, old): writing it again with the same kind and
 * date changes nothing, which is what makes a re-run of a reorganisation
 * idempotent; writing it with another kind or date updates the row. */
#include "util/base.h"
#include "store/pg_int.h"
#include "util/arena.h"

/* ---- successions ----------------------------------------------------------- */

ph_err store_pg_area_succession_put(struct store *st, int64_t new_area_id, int64_t old_area_id,
                                    const char *kind, const char *effective, bool *changed)
{
    struct pg_args a = {0};
    int changes = 0;
    ph_err rc;

    /* The WHERE of the upsert leaves an identical row alone, so that the count
     * of changed rows tells a new or different row from a repeated one. */
    pg_arg_i64(&a, new_area_id);
    pg_arg_i64(&a, old_area_id);
    pg_arg_text(&a, kind);
    pg_arg_text(&a, effective);
    rc = pg_write(store_pg_of(st),
                  "INSERT INTO area_successions AS s (new_area_id, old_area_id, kind, effective) "
                  "VALUES ($1, $2, $3, $4) ON CONFLICT (new_area_id, old_area_id) DO UPDATE SET "
                  "kind = excluded.kind, effective = excluded.effective "
                  "WHERE s.kind <> excluded.kind OR s.effective <> excluded.effective",
                  &a, "put area succession", &changes);
    if (rc == PH_OK && changed != NULL)
        *changed = changes > 0;
    return rc;
}

/* Columns: new id, old id, kind, effective, new code, new name, old code, old name. */
static void read_succession(struct arena *ar, const PGresult *res, int row, void *o)
{
    struct area_succession *out = o;

    memset(out, 0, sizeof(*out));
    out->new_area_id = pg_col_i64(res, row, 0);
    out->old_area_id = pg_col_i64(res, row, 1);
    out->kind = pg_col_text(ar, res, row, 2);
    out->effective = pg_col_text(ar, res, row, 3);
    out->new_code = pg_col_text(ar, res, row, 4);
    out->new_name = pg_col_text(ar, res, row, 5);
    out->old_code = pg_col_text(ar, res, row, 6);
    out->old_name = pg_col_text(ar, res, row, 7);
}

#define SUCCESSION_COLS                                                                            \
    "s.new_area_id, s.old_area_id, s.kind, s.effective, n.code, n.name, o.code, o.name "           \
    "FROM area_successions AS s JOIN areas AS n ON n.id = s.new_area_id "                          \
    "JOIN areas AS o ON o.id = s.old_area_id "

ph_err store_pg_area_successions(struct store *st, struct arena *ar, int64_t area_id, bool as_new,
                                 struct area_succession **items, size_t *n)
{
    struct store_pg *p = store_pg_of(st);
    struct pg_args a = {0};
    void *list = NULL;
    ph_err rc;

    /* Two statements rather than one with an OR, so that each walks its index
     * (the primary key for predecessors, area_successions_old for successors). */
    pg_arg_i64(&a, area_id);
    if (as_new)
        rc = pg_rows(p, ar,
                     "SELECT " SUCCESSION_COLS "WHERE s.new_area_id = $1 "
                     "ORDER BY o.code, s.old_area_id",
                     &a, "list area predecessors", sizeof(**items), 0, read_succession, &list, n,
                     NULL);
    else
        rc = pg_rows(p, ar,
                     "SELECT " SUCCESSION_COLS "WHERE s.old_area_id = $1 "
                     "ORDER BY n.code, s.new_area_id",
                     &a, "list area successors", sizeof(**items), 0, read_succession, &list, n,
                     NULL);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

/* ---- imports ----------------------------------------------------------------- */

ph_err store_pg_area_import_insert(struct store *st, const struct store_area_import *imp,
                                   int64_t *id)
{
    struct pg_args a = {0};

    pg_arg_text(&a, imp->kind);
    pg_arg_text(&a, imp->province);
    pg_arg_text(&a, imp->effective);
    pg_arg_bytes(&a, imp->sha256, 32);
    pg_arg_i64(&a, imp->dry_run ? 1 : 0);
    pg_arg_text(&a, imp->counts);
    pg_arg_i64(&a, imp->person_id);
    pg_arg_i64(&a, store_time_or_now(imp->at));
    return pg_insert(store_pg_of(st),
                     "INSERT INTO area_imports (kind, province, effective, sha256, dry_run, "
                     "counts, person_id, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                     &a, "insert area import", id);
}

ph_err store_pg_area_import_seen(struct store *st, const char *kind, const char *province,
                                 const char *effective, const uint8_t sha256[32], bool *seen)
{
    struct pg_args a = {0};
    ph_err rc;

    /* NULL provinces (the whole file) compare as equal. */
    pg_arg_text(&a, kind);
    pg_arg_text(&a, province);
    pg_arg_text(&a, effective);
    pg_arg_bytes(&a, sha256, 32);
    rc = pg_get(store_pg_of(st), NULL,
                "SELECT 1 FROM area_imports WHERE kind = $1 "
                "AND province IS NOT DISTINCT FROM $2::text AND effective = $3 "
                "AND sha256 = $4 AND dry_run = 0 LIMIT 1",
                &a, "find area import", NULL, NULL);
    if (rc == PH_OK || rc == PH_ENOTFOUND) {
        *seen = rc == PH_OK;
        rc = PH_OK;
    }
    return rc;
}
