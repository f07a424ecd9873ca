/* pg_rules.c - the PostgreSQL twin of sqlite_rules.c (pg_int.h): routing rules
 * (core/routing.h), settings, the candidate areas of a point through the box
 * table area_bbox (kept by a trigger on areas), and whether one area lies
 * within another. As the SQLite store, it keeps the active rules and the boxed
 * areas on the connection (struct store_pg says when they are used). */
#include "util/base.h"
#include "store/pg_int.h"
#include "util/arena.h"

/* ---- settings ------------------------------------------------------------ */

static void read_text0(struct arena *ar, const PGresult *res, int row, void *out)
{
    *(const char **)out = pg_col_text(ar, res, row, 0);
}

ph_err store_pg_setting_get(struct store *st, struct arena *ar, const char *key, const char **value)
{
    struct pg_args a = {0};

    pg_arg_text(&a, key);
    /* Kept (schema 014): a new incident's number reads its prefix. */
    return pg_get_kept(store_pg_of(st), ar, "SELECT value FROM settings WHERE key = $1", &a,
                       "get setting", read_text0, value);
}

ph_err store_pg_setting_set(struct store *st, const char *key, const char *value)
{
    struct pg_args a = {0};

    pg_arg_text(&a, key);
    pg_arg_text(&a, value);
    pg_arg_i64(&a, store_time_or_now(0));
    pg_ref_changed(store_pg_of(st));
    return pg_write(store_pg_of(st),
                    "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
                    "updated_at = excluded.updated_at",
                    &a, "set setting", NULL);
}

/* ---- areas: candidates and ancestry -------------------------------------- */

/* Deepest level first (commune, district, then the rest), as the ORDER BY. */
static int level_depth(const char *level)
{
    if (level != NULL && strcmp(level, "commune") == 0)
        return 0;
    if (level != NULL && strcmp(level, "district") == 0)
        return 1;
    return 2;
}

static void read_candidate(struct arena *ar, const PGresult *res, int row, void *out)
{
    struct store_area_candidate *c = out;

    (void)ar;
    c->id = pg_col_i64(res, row, 0);
    c->depth = level_depth(PQgetisnull(res, row, 1) ? NULL : PQgetvalue(res, row, 1));
    c->version = pg_col_i64(res, row, 2);
    c->updated_at = pg_col_i64(res, row, 3);
    c->min_lon = pg_col_f64(res, row, 4);
    c->max_lon = pg_col_f64(res, row, 5);
    c->min_lat = pg_col_f64(res, row, 6);
    c->max_lat = pg_col_f64(res, row, 7);
}

static int cmp_candidates(const void *x, const void *y)
{
    const struct store_area_candidate *a = x, *b = y;

    if (a->depth != b->depth)
        return a->depth < b->depth ? -1 : 1;
    return a->id < b->id ? -1 : a->id > b->id;
}

static void read_area_box(struct arena *ar, const PGresult *res, int row, void *out)
{
    struct pg_area_box *b = out;

    read_candidate(ar, res, row, &b->c);
    b->valid_from = pg_col_text(ar, res, row, 8);
    b->valid_to = pg_col_text(ar, res, row, 9);
}

/* The kept areas with their boxes, read again when they are not current; *ok
 * false when they cannot be kept (outside a transaction, in one that wrote
 * reference data, too many). */
static ph_err boxed_areas(struct store_pg *p, bool *ok)
{
    struct pg_args a = {0};
    int64_t rev = 0;
    bool usable = false, more = false;
    void *list = NULL;
    size_t count = 0;
    ph_err rc;

    *ok = false;
    if ((rc = pg_ref_check(p, &usable, &rev)) != PH_OK || !usable)
        return rc;
    if (p->areas_epoch == p->ref_epoch && p->areas_rev == rev) {
        *ok = !p->areas_too_many;
        return PH_OK;
    }
    arena_release(&p->areas_arena);
    p->areas = NULL;
    p->n_areas = 0;
    pg_arg_i64(&a, PG_AREAS_KEPT + 1);
    rc = pg_rows(p, &p->areas_arena,
                 "SELECT a.id, a.level, a.version, a.updated_at, b.min_lon, b.max_lon, "
                 "b.min_lat, b.max_lat, a.valid_from, a.valid_to "
                 "FROM area_bbox AS b JOIN areas AS a ON a.id = b.id LIMIT $1",
                 &a, "boxed areas", sizeof(*p->areas), PG_AREAS_KEPT, read_area_box, &list,
                 &count, &more);
    if (rc != PH_OK) {
        p->areas_epoch = 0;
        arena_release(&p->areas_arena);
        return rc;
    }
    p->areas_epoch = p->ref_epoch;
    p->areas_rev = rev;
    p->areas_too_many = more;
    if (more) {
        arena_release(&p->areas_arena);
        return PH_OK;
    }
    p->areas = list;
    p->n_areas = count;
    *ok = true;
    return PH_OK;
}

/* Is the kept area valid on date (NULL: any day)? As the query's text comparisons
 * (the database compares text as bytes). */
static bool valid_on(const struct pg_area_box *a, const char *date)
{
    if (date == NULL)
        return true;
    return a->valid_from != NULL && strcmp(a->valid_from, date) <= 0 &&
           (a->valid_to == NULL || strcmp(a->valid_to, date) > 0);
}

/* The candidates among the kept areas, in the query's order. */
static void kept_candidates(const struct store_pg *p, struct arena *ar, double lon, double lat,
                            const char *date, struct store_area_candidate **items, size_t *n)
{
    struct store_area_candidate *list = NULL;
    size_t count = 0, cap = 0;

    for (size_t i = 0; i < p->n_areas; i++) {
        const struct pg_area_box *b = &p->areas[i];
        if (!(b->c.min_lon <= lon && b->c.max_lon >= lon && b->c.min_lat <= lat &&
              b->c.max_lat >= lat && valid_on(b, date)))
            continue;
        if (count == cap) {
            struct store_area_candidate *grown;
            cap = cap == 0 ? 4 : 2 * cap;
            grown = arena_alloc(ar, cap * sizeof(*grown));
            if (count > 0)
                memcpy(grown, list, count * sizeof(*grown));
            list = grown;
        }
        list[count++] = b->c;
    }
    if (count > 1)
        qsort(list, count, sizeof(*list), cmp_candidates);
    *items = list;
    *n = count;
}

ph_err store_pg_area_candidates(struct store *st, struct arena *ar, double lon, double lat,
                                const char *date, struct store_area_candidate **items, size_t *n)
{
    struct store_pg *p = store_pg_of(st);
    struct pg_args a = {0};
    void *list = NULL;
    bool kept = false;
    ph_err rc;

    /* Every located incident of the writer asks, and readers resolve many
     * points in one snapshot: the areas and their boxes are kept (struct
     * store_pg), and the same tests run on them. */
    if ((rc = boxed_areas(p, &kept)) != PH_OK)
        return rc;
    if (kept) {
        kept_candidates(p, ar, lon, lat, date, items, n);
        return PH_OK;
    }

    /* A NULL date is "valid whenever". Dates are 'YYYY-MM-DD' text: they compare
     * as they sort. The geometry is not read: core/geo.c keeps outlines parsed
     * by version. */
    pg_arg_f64(&a, lon);
    pg_arg_f64(&a, lat);
    pg_arg_text(&a, date);
    rc = pg_rows(p, ar,
                 "SELECT a.id, a.level, a.version, a.updated_at, b.min_lon, b.max_lon, "
                 "b.min_lat, b.max_lat FROM area_bbox AS b JOIN areas AS a ON a.id = b.id "
                 "WHERE b.min_lon <= $1::float8 AND b.max_lon >= $1::float8 "
                 "AND b.min_lat <= $2::float8 AND b.max_lat >= $2::float8 "
                 "AND ($3::text IS NULL OR (a.valid_from <= $3::text "
                 "AND (a.valid_to IS NULL OR a.valid_to > $3::text))) "
                 "ORDER BY CASE a.level WHEN 'commune' THEN 0 WHEN 'district' THEN 1 ELSE 2 END, "
                 "a.id",
                 &a, "area candidates", sizeof(**items), 0, read_candidate, &list, n, NULL);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

ph_err store_pg_area_within(struct store *st, int64_t area_id, int64_t ancestor_id, bool *within)
{
    struct pg_args a = {0};
    int64_t found = 0;
    ph_err rc;

    /* Up the parent chain from area_id. The depth bound stops a cycle an
     * administrator might have made; real hierarchies have three levels. */
    pg_arg_i64(&a, area_id);
    pg_arg_i64(&a, ancestor_id);
    rc = pg_get_i64(store_pg_of(st),
                    "WITH RECURSIVE up (id, depth) AS (SELECT $1::bigint, 0 UNION ALL "
                    "SELECT a.parent_id, up.depth + 1 FROM areas AS a JOIN up ON a.id = up.id "
                    "WHERE a.parent_id IS NOT NULL AND up.depth < 32) "
                    "SELECT CASE WHEN EXISTS (SELECT 1 FROM up WHERE id = $2::bigint) "
                    "THEN 1 ELSE 0 END",
                    &a, "area within", &found);
    if (rc == PH_OK)
        *within = found != 0;
    return rc;
}

/* ---- routing rules ------------------------------------------------------- */

/* The informed forces and units come along as space-separated lists in their
 * given order (force codes and ids hold no spaces), so a list of rules is one
 * query. */
#define RULE_COLS                                                                                  \
    "r.id, r.name, r.priority, r.is_active, r.category_id, r.severity_min, r.severity_max, "       \
    "r.area_id, r.area_kind, r.lead_force, r.report_deadline_min, r.ack_deadline_min, "            \
    "r.verify_deadline_min, r.fallback_unit_id, r.version, r.created_at, r.updated_at, "           \
    "(SELECT string_agg(rf.force, ' ' ORDER BY rf.pos) FROM routing_rule_forces AS rf "            \
    "WHERE rf.rule_id = r.id), "                                                                   \
    "(SELECT string_agg(ru.unit_id::text, ' ' ORDER BY ru.pos) FROM routing_rule_units AS ru "     \
    "WHERE ru.rule_id = r.id)"
#define SQL_RULE_EXISTS "SELECT 1 FROM routing_rules WHERE id = $1"

static void read_rule(struct arena *ar, const PGresult *res, int row, void *o)
{
    struct routing_rule *out = o;

    memset(out, 0, sizeof(*out));
    out->id = pg_col_i64(res, row, 0);
    out->name = pg_col_text(ar, res, row, 1);
    out->priority = pg_col_int(res, row, 2);
    out->is_active = pg_col_int(res, row, 3) != 0;
    out->category_id = pg_col_i64(res, row, 4);
    out->severity_min = pg_col_int(res, row, 5);
    out->severity_max = pg_col_int(res, row, 6);
    out->area_id = pg_col_i64(res, row, 7);
    out->area_kind = pg_col_text(ar, res, row, 8);
    out->lead_force = pg_col_text(ar, res, row, 9);
    out->report_deadline_min = pg_col_int(res, row, 10);
    out->ack_deadline_min = pg_col_int(res, row, 11);
    out->verify_deadline_min = pg_col_int(res, row, 12);
    out->fallback_unit_id = pg_col_i64(res, row, 13);
    out->version = pg_col_i64(res, row, 14);
    out->created_at = pg_col_i64(res, row, 15);
    out->updated_at = pg_col_i64(res, row, 16);
    out->inform_forces = store_split_words(
        ar, PQgetisnull(res, row, 17) ? NULL : PQgetvalue(res, row, 17), &out->n_inform_forces);
    out->inform_unit_ids = store_split_ids(
        ar, PQgetisnull(res, row, 18) ? NULL : PQgetvalue(res, row, 18), &out->n_inform_units);
}

/* The columns insert and update share, $1 to $13. */
static void arg_rule(struct pg_args *a, const struct routing_rule *r)
{
    pg_arg_text(a, r->name);
    pg_arg_i64(a, r->priority);
    pg_arg_i64(a, r->is_active ? 1 : 0);
    pg_arg_id(a, r->category_id);
    pg_arg_i64(a, r->severity_min);
    pg_arg_i64(a, r->severity_max);
    pg_arg_id(a, r->area_id);
    pg_arg_text(a, r->area_kind);
    pg_arg_text(a, r->lead_force);
    pg_arg_i64(a, r->report_deadline_min);
    pg_arg_i64(a, r->ack_deadline_min);
    pg_arg_i64(a, r->verify_deadline_min);
    pg_arg_id(a, r->fallback_unit_id);
}

/* Replace what rule id informs with r's. A repeated force or unit counts once
 * (its first place); an unknown one is a foreign-key violation (PH_ECONFLICT).
 * Each list is one statement: unnest keeps the given order as pos. */
static ph_err write_rule_informs(struct store_pg *p, int64_t id, const struct routing_rule *r)
{
    struct arena ar;
    struct pg_args a = {0};
    ph_err rc;

    pg_arg_i64(&a, id);
    rc = pg_write(p, "DELETE FROM routing_rule_forces WHERE rule_id = $1", &a, "clear rule forces",
                  NULL);
    if (rc == PH_OK)
        rc = pg_write(p, "DELETE FROM routing_rule_units WHERE rule_id = $1", &a,
                      "clear rule units", NULL);
    if (rc != PH_OK)
        return rc;
    arena_init(&ar);
    if (r->n_inform_forces > 0) {
        struct pg_args f = {0};
        pg_arg_i64(&f, id);
        pg_arg_texts(&f, &ar, (const char *const *)r->inform_forces, r->n_inform_forces);
        rc = pg_write(p,
                      "INSERT INTO routing_rule_forces (rule_id, pos, force) "
                      "SELECT $1::bigint, t.ord - 1, t.force FROM unnest($2::text[]) "
                      "WITH ORDINALITY AS t (force, ord) ORDER BY t.ord "
                      "ON CONFLICT DO NOTHING",
                      &f, "add rule forces", NULL);
    }
    if (rc == PH_OK && r->n_inform_units > 0) {
        struct pg_args u = {0};
        pg_arg_i64(&u, id);
        pg_arg_ids(&u, &ar, r->inform_unit_ids, r->n_inform_units);
        rc = pg_write(p,
                      "INSERT INTO routing_rule_units (rule_id, pos, unit_id) "
                      "SELECT $1::bigint, t.ord - 1, t.unit_id FROM unnest($2::bigint[]) "
                      "WITH ORDINALITY AS t (unit_id, ord) ORDER BY t.ord "
                      "ON CONFLICT DO NOTHING",
                      &u, "add rule units", NULL);
    }
    arena_release(&ar);
    return rc;
}

ph_err store_pg_rule_insert(struct store *st, const struct routing_rule *r, int64_t *id)
{
    struct store_pg *p = store_pg_of(st);
    struct pg_args a = {0};
    int64_t new_id = 0;
    ph_err rc;

    arg_rule(&a, r);
    pg_arg_created(&a, r->created_at, r->updated_at);
    pg_ref_changed(p); /* rules are reference data (kept) */
    if ((rc = pg_op_begin(p)) != PH_OK)
        return rc;
    rc = pg_insert(p,
                   "INSERT INTO routing_rules (name, priority, is_active, category_id, "
                   "severity_min, severity_max, area_id, area_kind, lead_force, "
                   "report_deadline_min, ack_deadline_min, verify_deadline_min, "
                   "fallback_unit_id, version, created_at, updated_at) "
                   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1, $14, $15) "
                   "RETURNING id",
                   &a, "insert routing rule", &new_id);
    if (rc == PH_OK)
        rc = write_rule_informs(p, new_id, r);
    rc = pg_op_end(p, rc);
    if (rc == PH_OK)
        *id = new_id;
    return rc;
}

ph_err store_pg_rule_update(struct store *st, const struct routing_rule *r)
{
    struct store_pg *p = store_pg_of(st);
    struct pg_args a = {0};
    ph_err rc;

    arg_rule(&a, r);
    pg_arg_i64(&a, store_time_or_now(r->updated_at));
    pg_arg_i64(&a, r->version);
    pg_arg_i64(&a, r->id);
    pg_ref_changed(p);
    if ((rc = pg_op_begin(p)) != PH_OK)
        return rc;
    rc = pg_update_versioned(
        p,
        "UPDATE routing_rules SET name = $1, priority = $2, is_active = $3, category_id = $4, "
        "severity_min = $5, severity_max = $6, area_id = $7, area_kind = $8, lead_force = $9, "
        "report_deadline_min = $10, ack_deadline_min = $11, verify_deadline_min = $12, "
        "fallback_unit_id = $13, updated_at = $14, version = version + 1 "
        "WHERE id = $16 AND ($15::bigint = 0 OR version = $15::bigint)",
        &a, "update routing rule", SQL_RULE_EXISTS, r->id);
    if (rc == PH_OK)
        rc = write_rule_informs(p, r->id, r);
    return pg_op_end(p, rc);
}

ph_err store_pg_rule_get(struct store *st, struct arena *ar, int64_t id, struct routing_rule *out)
{
    struct pg_args a = {0};

    pg_arg_i64(&a, id);
    return pg_get(store_pg_of(st), ar,
                  "SELECT " RULE_COLS " FROM routing_rules AS r WHERE r.id = $1", &a,
                  "get routing rule", read_rule, out);
}

ph_err store_pg_rule_list(struct store *st, struct arena *ar, const struct routing_rule_filter *f,
                          struct routing_rule **items, size_t *n, bool *has_more)
{
    struct pg_args a = {0};
    int limit = store_list_limit(f->limit);
    void *list = NULL;
    ph_err rc;

    pg_arg_i64(&a, f->after_id);
    pg_arg_i64(&a, f->include_inactive ? 1 : 0);
    pg_arg_i64(&a, limit + 1);
    rc = pg_rows(store_pg_of(st), ar,
                 "SELECT " RULE_COLS " FROM routing_rules AS r WHERE r.id > $1 "
                 "AND ($2::int <> 0 OR r.is_active = 1) ORDER BY r.id LIMIT $3",
                 &a, "list routing rules", sizeof(**items), limit, read_rule, &list, n, has_more);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

/* Every new incident is matched against the active rules, which change seldom:
 * they are kept on the connection (struct store_pg says when they are used),
 * and each call gets its own copy. */
ph_err store_pg_rule_active(struct store *st, struct arena *ar, struct routing_rule **items,
                            size_t *n)
{
    struct store_pg *p = store_pg_of(st);
    void *list = NULL;
    size_t count = 0;
    int64_t rev = 0;
    bool usable = false;
    ph_err rc;

    if ((rc = pg_ref_check(p, &usable, &rev)) != PH_OK)
        return rc;
    if (usable && p->rules_epoch == p->ref_epoch && p->rules_rev == rev) {
        *items = store_rules_copy(ar, p->rules, p->n_rules);
        *n = p->n_rules;
        return PH_OK;
    }
    rc = pg_rows(p, ar,
                 "SELECT " RULE_COLS " FROM routing_rules AS r WHERE r.is_active = 1 "
                 "ORDER BY r.priority, r.id",
                 NULL, "active routing rules", sizeof(**items), 0, read_rule, &list, &count, NULL);
    if (rc != PH_OK)
        return rc;
    if (usable) {
        arena_release(&p->rules_arena);
        p->rules = store_rules_copy(&p->rules_arena, list, count);
        p->n_rules = count;
        p->rules_epoch = p->ref_epoch;
        p->rules_rev = rev;
    }
    *items = list;
    *n = count;
    return PH_OK;
}
