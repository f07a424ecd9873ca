/* pg_directory.c - the PostgreSQL twin of the directory parts of sqlite.c: forces,
 * areas, categories and the audit log (pg_int.h). Area boxes (area_bbox) follow
 * the areas by a trigger of the schema, so nothing here writes them. */
#include "util/base.h"
#include "store/pg_int.h"
#include "util/log.h"

/* ---- forces -------------------------------------------------------------- */

static void read_force(struct arena *ar, const PGresult *res, int row, void *out)
{
    struct store_force *f = out;

    f->code = pg_col_text(ar, res, row, 0);
    f->name_vi = pg_col_text(ar, res, row, 1);
    f->name_en = pg_col_text(ar, res, row, 2);
}

ph_err store_pg_force_list(struct store *st, struct arena *a, struct store_force **items, size_t *n)
{
    void *list = NULL;
    ph_err rc =
        pg_rows(store_pg_of(st), a, "SELECT code, name_vi, name_en FROM forces ORDER BY code", NULL,
                "list forces", sizeof(**items), 0, read_force, &list, n, NULL);

    if (rc == PH_OK)
        *items = list;
    return rc;
}

/* ---- areas --------------------------------------------------------------- */

#define SQL_AREA_EXISTS "SELECT 1 FROM areas WHERE id = $1"

/* Columns PG_AREA_COLS then geometry (column 11). */
void pg_read_area(struct arena *ar, const PGresult *res, int row, void *out)
{
    struct area *a = out;

    memset(a, 0, sizeof(*a));
    a->id = pg_col_i64(res, row, 0);
    a->code = pg_col_text(ar, res, row, 1);
    a->name = pg_col_text(ar, res, row, 2);
    a->level = pg_col_text(ar, res, row, 3);
    a->kind = pg_col_text(ar, res, row, 4);
    a->parent_id = pg_col_i64(res, row, 5); /* NULL reads as 0 */
    a->valid_from = pg_col_text(ar, res, row, 6);
    a->valid_to = pg_col_text(ar, res, row, 7);
    a->version = pg_col_i64(res, row, 8);
    a->created_at = pg_col_i64(res, row, 9);
    a->updated_at = pg_col_i64(res, row, 10);
    a->geometry = pg_col_text(ar, res, row, 11);
}

/* The columns insert and update share, $1 to $9. */
static void arg_area(struct pg_args *args, const struct area *a, const char *name_folded)
{
    pg_arg_text(args, a->code);
    pg_arg_text(args, a->name);
    pg_arg_text(args, name_folded);
    pg_arg_text(args, a->level);
    pg_arg_text(args, a->kind);
    pg_arg_id(args, a->parent_id);
    pg_arg_text(args, a->geometry);
    pg_arg_text(args, a->valid_from);
    pg_arg_text(args, a->valid_to);
}

ph_err store_pg_area_insert(struct store *st, const struct area *a, const char *name_folded,
                            int64_t *id)
{
    struct pg_args args = {0};

    arg_area(&args, a, name_folded);
    pg_arg_created(&args, a->created_at, a->updated_at);
    pg_ref_changed(store_pg_of(st)); /* areas are reference data (kept) */
    return pg_insert(store_pg_of(st),
                     "INSERT INTO areas (code, name, name_folded, level, kind, parent_id, "
                     "geometry, valid_from, valid_to, version, created_at, updated_at) "
                     "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $11) RETURNING id",
                     &args, "insert area", id);
}

ph_err store_pg_area_update(struct store *st, const struct area *a, const char *name_folded)
{
    struct pg_args args = {0};

    arg_area(&args, a, name_folded);
    pg_arg_i64(&args, store_time_or_now(a->updated_at));
    pg_arg_i64(&args, a->version);
    pg_arg_i64(&args, a->id);
    pg_ref_changed(store_pg_of(st));
    return pg_update_versioned(
        store_pg_of(st),
        "UPDATE areas SET code = $1, name = $2, name_folded = $3, level = $4, kind = $5, "
        "parent_id = $6, geometry = $7, valid_from = $8, valid_to = $9, updated_at = $10, "
        "version = version + 1 WHERE id = $12 AND ($11::bigint = 0 OR version = $11)",
        &args, "update area", SQL_AREA_EXISTS, a->id);
}

ph_err store_pg_area_delete(struct store *st, int64_t id)
{
    struct pg_args args = {0};

    pg_arg_i64(&args, id);
    pg_ref_changed(store_pg_of(st));
    return pg_write_one(store_pg_of(st), "DELETE FROM areas WHERE id = $1", &args, "delete area");
}

ph_err store_pg_area_get(struct store *st, struct arena *ar, int64_t id, struct area *out)
{
    struct pg_args args = {0};

    pg_arg_i64(&args, id);
    /* Kept: a new incident reads the area it lies in (its kind, for routing). */
    return pg_get_kept(store_pg_of(st), ar,
                       "SELECT " PG_AREA_COLS ", geometry FROM areas WHERE id = $1", &args,
                       "get area", pg_read_area, out);
}

ph_err store_pg_area_list(struct store *st, struct arena *ar, const struct area_filter *f,
                          struct area **items, size_t *n, bool *has_more)
{
    /* One statement for every combination of filters, as in SQLite: an absent
     * filter binds NULL or 0 and its condition is true. */
    static const char sql[] =
        "SELECT " PG_AREA_COLS ", CASE WHEN $8::int <> 0 THEN geometry END FROM areas "
        "WHERE id > $1::bigint AND ($2::text IS NULL OR level = $2) "
        "AND ($3::text IS NULL OR kind = $3) AND ($4::text IS NULL OR code = $4) "
        "AND ($5::bigint = 0 OR parent_id = $5) "
        "AND ($6::text IS NULL OR name_folded ILIKE '%' || $6 || '%' ESCAPE '\\') "
        "AND ($7::text IS NULL OR (valid_from <= $7 AND (valid_to IS NULL OR valid_to > $7))) "
        "ORDER BY id LIMIT $9";
    int limit = store_list_limit(f->limit);
    struct pg_args args = {0};
    void *list = NULL;
    ph_err rc;

    pg_arg_i64(&args, f->after_id);
    pg_arg_text(&args, f->level);
    pg_arg_text(&args, f->kind);
    pg_arg_text(&args, f->code);
    pg_arg_i64(&args, f->parent_id);
    pg_arg_text(&args, store_like_escape(ar, f->q));
    pg_arg_text(&args, f->at);
    pg_arg_i64(&args, f->with_geometry ? 1 : 0);
    pg_arg_i64(&args, limit + 1);
    rc = pg_rows(store_pg_of(st), ar, sql, &args, "list areas", sizeof(**items), limit,
                 pg_read_area, &list, n, has_more);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

/* ---- categories ---------------------------------------------------------- */

#define CATEGORY_COLS                                                                              \
    "id, code, name_vi, name_en, default_severity, lead_force, is_active, sort_order, version, "   \
    "created_at, updated_at"
#define SQL_CATEGORY_EXISTS "SELECT 1 FROM categories WHERE id = $1"

static void read_category(struct arena *ar, const PGresult *res, int row, void *out)
{
    struct category *c = out;

    memset(c, 0, sizeof(*c));
    c->id = pg_col_i64(res, row, 0);
    c->code = pg_col_text(ar, res, row, 1);
    c->name_vi = pg_col_text(ar, res, row, 2);
    c->name_en = pg_col_text(ar, res, row, 3);
    c->default_severity = pg_col_int(res, row, 4);
    c->lead_force = pg_col_text(ar, res, row, 5);
    c->is_active = pg_col_int(res, row, 6) != 0;
    c->sort_order = pg_col_int(res, row, 7);
    c->version = pg_col_i64(res, row, 8);
    c->created_at = pg_col_i64(res, row, 9);
    c->updated_at = pg_col_i64(res, row, 10);
}

/* The columns insert and update share, $1 to $8. */
static void arg_category(struct pg_args *args, const struct category *c, const char *name_folded)
{
    pg_arg_text(args, c->code);
    pg_arg_text(args, c->name_vi);
    pg_arg_text(args, c->name_en);
    pg_arg_text(args, name_folded);
    pg_arg_i64(args, c->default_severity);
    pg_arg_text(args, c->lead_force);
    pg_arg_i64(args, c->is_active ? 1 : 0);
    pg_arg_i64(args, c->sort_order);
}

ph_err store_pg_category_insert(struct store *st, const struct category *c, const char *name_folded,
                                int64_t *id)
{
    struct pg_args args = {0};

    arg_category(&args, c, name_folded);
    pg_arg_created(&args, c->created_at, c->updated_at);
    pg_ref_changed(store_pg_of(st));
    return pg_insert(store_pg_of(st),
                     "INSERT INTO categories (code, name_vi, name_en, name_folded, "
                     "default_severity, lead_force, is_active, sort_order, version, created_at, "
                     "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $10) RETURNING id",
                     &args, "insert category", id);
}

ph_err store_pg_category_update(struct store *st, const struct category *c, const char *name_folded)
{
    struct pg_args args = {0};

    arg_category(&args, c, name_folded);
    pg_arg_i64(&args, store_time_or_now(c->updated_at));
    pg_ref_changed(store_pg_of(st));
    pg_arg_i64(&args, c->version);
    pg_arg_i64(&args, c->id);
    return pg_update_versioned(
        store_pg_of(st),
        "UPDATE categories SET code = $1, name_vi = $2, name_en = $3, name_folded = $4, "
        "default_severity = $5, lead_force = $6, is_active = $7, sort_order = $8, "
        "updated_at = $9, version = version + 1 "
        "WHERE id = $11 AND ($10::bigint = 0 OR version = $10)",
        &args, "update category", SQL_CATEGORY_EXISTS, c->id);
}

ph_err store_pg_category_get(struct store *st, struct arena *ar, int64_t id, struct category *out)
{
    struct pg_args args = {0};

    pg_arg_i64(&args, id);
    /* Kept, as the next: every new incident reads its category (schema 014). */
    return pg_get_kept(store_pg_of(st), ar,
                       "SELECT " CATEGORY_COLS " FROM categories WHERE id = $1", &args,
                       "get category", read_category, out);
}

ph_err store_pg_category_get_by_code(struct store *st, struct arena *ar, const char *code,
                                     struct category *out)
{
    struct pg_args args = {0};

    pg_arg_text(&args, code);
    return pg_get_kept(store_pg_of(st), ar,
                       "SELECT " CATEGORY_COLS " FROM categories WHERE code = $1", &args,
                       "get category by code", read_category, out);
}

ph_err store_pg_category_list(struct store *st, struct arena *ar, const struct category_filter *f,
                              struct category **items, size_t *n, bool *has_more)
{
    int limit = store_list_limit(f->limit);
    struct pg_args args = {0};
    void *list = NULL;
    ph_err rc;

    pg_arg_i64(&args, f->after_id);
    pg_arg_i64(&args, f->include_inactive ? 1 : 0);
    pg_arg_text(&args, store_like_escape(ar, f->q));
    pg_arg_i64(&args, limit + 1);
    rc = pg_rows(store_pg_of(st), ar,
                 "SELECT " CATEGORY_COLS " FROM categories "
                 "WHERE id > $1::bigint AND ($2::int <> 0 OR is_active = 1) "
                 "AND ($3::text IS NULL OR name_folded ILIKE '%' || $3 || '%' ESCAPE '\\') "
                 "ORDER BY id LIMIT $4",
                 &args, "list categories", sizeof(**items), limit, read_category, &list, n,
                 has_more);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

/* ---- audit log ----------------------------------------------------------- */

/* prev_hash and hash are bytea: bound as binary, read back byte for byte, so
 * that the chain verifies the same as in SQLite. */
#define AUDIT_COLS                                                                                 \
    "seq, at, actor_id, actor, action, item_kind, item_id, client, detail, prev_hash, hash"

struct audit_last {
    int64_t seq;
    uint8_t hash[32];
    bool hash_ok;
};

static void read_audit_last(struct arena *ar, const PGresult *res, int row, void *out)
{
    struct audit_last *l = out;

    (void)ar;
    l->seq = pg_col_i64(res, row, 0);
    l->hash_ok = pg_col_hash(res, row, 1, l->hash);
}

/* The head is kept in a write transaction (struct store_pg): every entry of a
 * batch but the first then costs no read. */
static void audit_head_keep(struct store_pg *p, int64_t seq, const uint8_t hash[32])
{
    if (!pg_tx_keeps(p))
        return;
    p->audit_head_known = true;
    p->audit_head_seq = seq;
    memcpy(p->audit_head_hash, hash, 32);
}

ph_err store_pg_audit_last(struct store *st, int64_t *seq, uint8_t hash[32])
{
    struct store_pg *p = store_pg_of(st);
    struct audit_last l = {0};
    ph_err rc;

    if (p->audit_head_known && pg_tx_keeps(p)) {
        *seq = p->audit_head_seq;
        memcpy(hash, p->audit_head_hash, 32);
        return PH_OK;
    }
    rc = pg_get(p, NULL, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", NULL,
                "last audit entry", read_audit_last, &l);
    if (rc == PH_ENOTFOUND) {
        *seq = 0;
        memset(hash, 0, 32);
        audit_head_keep(p, *seq, hash);
        return PH_OK;
    }
    if (rc != PH_OK)
        return rc;
    if (!l.hash_ok) {
        log_warn("store/postgres: audit entry %lld has a damaged hash", (long long)l.seq);
        return PH_ESTORE;
    }
    *seq = l.seq;
    memcpy(hash, l.hash, 32);
    audit_head_keep(p, *seq, hash);
    return PH_OK;
}

ph_err store_pg_audit_insert(struct store *st, const struct audit_entry *e)
{
    struct store_pg *p = store_pg_of(st);
    struct pg_args args = {0};

    pg_arg_i64(&args, e->seq);
    pg_arg_i64(&args, e->at);
    pg_arg_i64(&args, e->actor_id);
    pg_arg_text(&args, e->actor);
    pg_arg_text(&args, e->action);
    pg_arg_text(&args, e->item_kind);
    pg_arg_i64(&args, e->item_id);
    pg_arg_text(&args, e->client);
    pg_arg_text(&args, e->detail);
    pg_arg_bytes(&args, e->prev_hash, 32);
    pg_arg_bytes(&args, e->hash, 32);
    /* Nothing waits for the answer: a failure fails the job (pg_write_later). */
    ph_err rc = pg_write_later(p,
                               "INSERT INTO audit_log (" AUDIT_COLS ") "
                               "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                               &args, "insert audit entry");
    if (rc == PH_OK)
        audit_head_keep(p, e->seq, e->hash);
    else
        pg_tx_kept_forget(p);
    return rc;
}

static void read_audit_entry(struct arena *ar, const PGresult *res, int row, void *out)
{
    struct audit_entry *a = out;

    a->seq = pg_col_i64(res, row, 0);
    a->at = pg_col_i64(res, row, 1);
    a->actor_id = pg_col_i64(res, row, 2);
    a->actor = pg_col_text(ar, res, row, 3);
    a->action = pg_col_text(ar, res, row, 4);
    a->item_kind = pg_col_text(ar, res, row, 5);
    a->item_id = pg_col_i64(res, row, 6);
    a->client = pg_col_text(ar, res, row, 7);
    a->detail = pg_col_text(ar, res, row, 8);
    /* A damaged hash reads as zeros: the chain check reports the entry. */
    (void)pg_col_hash(res, row, 9, a->prev_hash);
    (void)pg_col_hash(res, row, 10, a->hash);
}

ph_err store_pg_audit_page(struct store *st, struct arena *ar, int64_t after_seq, int limit,
                           struct audit_entry **items, size_t *n)
{
    struct pg_args args = {0};
    void *list = NULL;
    ph_err rc;

    pg_arg_i64(&args, after_seq);
    pg_arg_i64(&args, limit < 0 ? 0 : limit);
    /* The LIMIT of the query bounds the page: every row it gives is kept. */
    rc = pg_rows(store_pg_of(st), ar,
                 "SELECT " AUDIT_COLS " FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2", &args,
                 "page audit log", sizeof(**items), 0, read_audit_entry, &list, n, NULL);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

ph_err store_pg_audit_count(struct store *st, int64_t *n)
{
    return pg_get_i64(store_pg_of(st), "SELECT count(*) FROM audit_log", NULL, "count audit log",
                      n);
}
