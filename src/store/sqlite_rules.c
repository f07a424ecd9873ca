/* sqlite_rules.c - the SQLite backend's routing rules (core/routing.h), settings,
 * and the area lookups routing and location resolving need: the candidate areas
 * of a point through the R*Tree of bounding boxes (area_bbox, kept by triggers
 * of migration 003), and whether one area lies within another. See
 * sqlite_int.h. */
#include "util/base.h"
#include "store/sqlite_int.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/log.h"

/* ---- settings ------------------------------------------------------------ */

static void read_text0(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    *(const char **)row = store_sq_col_text(ar, stmt, 0);
}

ph_err store_sq_setting_get(struct store *st, struct arena *ar, const char *key, const char **value)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt =
        store_sq_stmt(s, SQ_SETTING_GET, "SELECT value FROM settings WHERE key = ?1");

    if (stmt == NULL)
        return PH_ESTORE;
    return store_sq_get(s, ar, stmt, store_sq_bind_text(stmt, 1, key), "get setting", read_text0,
                        value);
}

ph_err store_sq_setting_set(struct store *st, const char *key, const char *value)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_SETTING_SET,
        "INSERT INTO settings (key, value, updated_at) VALUES (?1, ?2, ?3) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at");

    if (stmt == NULL)
        return PH_ESTORE;
    return store_sq_write(s, stmt,
                          store_sq_bind_text(stmt, 1, key) | store_sq_bind_text(stmt, 2, value) |
                              sqlite3_bind_int64(stmt, 3, store_time_or_now(0)),
                          "set setting", NULL);
}

/* ---- areas: candidates and ancestry -------------------------------------- */

/* Deepest level first (commune, district, then the rest), then by id. */
static int level_depth(const char *level)
{
    if (level != NULL && strcmp(level, "commune") == 0)
        return 0;
    if (level != NULL && strcmp(level, "district") == 0)
        return 1;
    return 2;
}

static int cmp_candidates(const void *x, const void *y)
{
    const struct store_area_candidate *a = x, *b = y;

    if (a->depth != b->depth)
        return a->depth < b->depth ? -1 : 1;
    return a->id < b->id ? -1 : a->id > b->id;
}

/* The columns of both candidate queries: id, level, version, updated_at, the
 * box (4..7), then valid_from and valid_to (8, 9; read only for kept areas).
 * The geometry is not read: core/geo.c keeps outlines parsed by version. */
#define CANDIDATE_COLS                                                                             \
    "a.id, a.level, a.version, a.updated_at, b.min_lon, b.max_lon, b.min_lat, b.max_lat"

static void read_candidate(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    struct store_area_candidate *c = row;

    (void)ar;
    c->id = sqlite3_column_int64(stmt, 0);
    c->depth = level_depth((const char *)sqlite3_column_text(stmt, 1));
    c->version = sqlite3_column_int64(stmt, 2);
    c->updated_at = sqlite3_column_int64(stmt, 3);
    c->min_lon = sqlite3_column_double(stmt, 4);
    c->max_lon = sqlite3_column_double(stmt, 5);
    c->min_lat = sqlite3_column_double(stmt, 6);
    c->max_lat = sqlite3_column_double(stmt, 7);
}

static void read_area_box(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    struct store_sq_area_box *out = row;

    read_candidate(ar, stmt, &out->c);
    out->valid_from = store_sq_col_text(ar, stmt, 8);
    out->valid_to = store_sq_col_text(ar, stmt, 9);
}

/* Outside any transaction, the data version now: each statement there reads the
 * latest commit, so kept areas are current if no other connection has committed
 * since they were read (data_version) and this one has written no area since
 * (ref_epoch). One small statement instead of the R*Tree query it saves, for a
 * reader resolving many points (statistics by area). *usable false inside a
 * transaction not begun by tx_begin, or one that wrote reference data. */
static ph_err version_outside_tx(struct store_sq *s, bool *usable, int64_t *version)
{
    sqlite3_stmt *stmt;
    ph_err rc = PH_OK;
    int e;

    *usable = false;
    if (s->in_tx || s->ref_written || !sqlite3_get_autocommit(s->db))
        return PH_OK;
    if ((stmt = store_sq_stmt(s, SQ_DATA_VERSION, "PRAGMA data_version")) == NULL)
        return PH_ESTORE;
    if ((e = sqlite3_step(stmt)) == SQLITE_ROW) {
        *version = sqlite3_column_int64(stmt, 0);
        *usable = true;
    } else {
        rc = store_sq_fail(s, e, "data version");
    }
    store_sq_done(stmt);
    return rc;
}

/* The kept areas with their boxes, read again when they are not current; *ok
 * false when they cannot be kept (in a transaction that wrote reference data,
 * too many). */
static ph_err boxed_areas(struct store_sq *s, bool *ok)
{
    sqlite3_stmt *stmt = store_sq_stmt(s, SQ_AREAS_BOXED,
                                       "SELECT " CANDIDATE_COLS ", a.valid_from, a.valid_to "
                                       "FROM area_bbox AS b CROSS JOIN areas AS a ON a.id = b.id "
                                       "LIMIT ?1");
    int64_t version = 0;
    bool usable = false, more = false;
    void *list = NULL;
    size_t count = 0;
    ph_err rc;

    *ok = false;
    if (stmt == NULL)
        return PH_ESTORE;
    if ((rc = store_sq_ref_check(s, &usable, &version)) != PH_OK)
        return rc;
    if (!usable && (rc = version_outside_tx(s, &usable, &version)) != PH_OK)
        return rc;
    if (!usable)
        return PH_OK;
    if (s->areas_epoch == s->ref_epoch && s->areas_data_version == version) {
        *ok = !s->areas_too_many;
        return PH_OK;
    }
    arena_release(&s->areas_arena);
    s->areas = NULL;
    s->n_areas = 0;
    rc = store_sq_rows(s, &s->areas_arena, stmt, sqlite3_bind_int(stmt, 1, STORE_SQ_AREAS_KEPT + 1),
                       "boxed areas", sizeof(*s->areas), STORE_SQ_AREAS_KEPT, read_area_box, &list,
                       &count, &more);
    if (rc != PH_OK) {
        s->areas_epoch = 0;
        arena_release(&s->areas_arena);
        return rc;
    }
    s->areas_epoch = s->ref_epoch;
    s->areas_data_version = version;
    s->areas_too_many = more;
    if (s->areas_too_many) {
        arena_release(&s->areas_arena);
        return PH_OK;
    }
    s->areas = list;
    s->n_areas = count;
    *ok = true;
    return PH_OK;
}

/* Is the kept area valid on date (NULL: any day)? As the query's text comparisons. */
static bool valid_on(const struct store_sq_area_box *a, const char *date)
{
    if (date == NULL)
        return true;
    return a->valid_from != NULL && strcmp(a->valid_from, date) <= 0 &&
           (a->valid_to == NULL || strcmp(a->valid_to, date) > 0);
}

ph_err store_sq_area_candidates(struct store *st, struct arena *ar, double lon, double lat,
                                const char *date, struct store_area_candidate **items, size_t *n)
{
    struct store_sq *s = store_sq_of(st);
    /* The R*Tree answers the box test; the join reads only the areas it names.
     * A NULL date binds as "valid whenever". The handful of rows is sorted here:
     * an ORDER BY would build a temporary b-tree on every call, which costs more
     * than the query. */
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_AREA_CANDIDATES,
        "SELECT " CANDIDATE_COLS " FROM area_bbox AS b CROSS JOIN areas AS a ON a.id = b.id "
        "WHERE b.min_lon <= ?1 AND b.max_lon >= ?1 AND b.min_lat <= ?2 AND b.max_lat >= ?2 "
        "AND (?3 IS NULL OR (a.valid_from <= ?3 AND (a.valid_to IS NULL OR a.valid_to > ?3)))");
    struct store_area_candidate *list = NULL;
    size_t count = 0;
    bool kept = false;
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    /* In the writer's transactions every located incident asks, and readers
     * resolve many points at a time: the areas and their boxes are kept (struct
     * store_sq), and the same tests run on them. */
    if ((rc = boxed_areas(s, &kept)) != PH_OK)
        return rc;
    if (kept) {
        size_t cap = 0;
        for (size_t i = 0; i < s->n_areas; i++) {
            const struct store_sq_area_box *b = &s->areas[i];
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
    } else {
        void *rows = NULL;
        rc = store_sq_rows(s, ar, stmt,
                           sqlite3_bind_double(stmt, 1, lon) | sqlite3_bind_double(stmt, 2, lat) |
                               store_sq_bind_text(stmt, 3, date),
                           "area candidates", sizeof(**items), 0, read_candidate, &rows, &count,
                           NULL);
        if (rc != PH_OK)
            return rc;
        list = rows;
    }
    if (count > 1)
        qsort(list, count, sizeof(*list), cmp_candidates);
    *items = list;
    *n = count;
    return PH_OK;
}

static void read_bool0(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    *(bool *)row = sqlite3_column_int(stmt, 0) != 0;
}

ph_err store_sq_area_within(struct store *st, int64_t area_id, int64_t ancestor_id, bool *within)
{
    struct store_sq *s = store_sq_of(st);
    /* Up the parent chain from area_id. The depth bound stops a cycle an
     * administrator might have made; real hierarchies have three levels. */
    sqlite3_stmt *stmt =
        store_sq_stmt(s, SQ_AREA_WITHIN,
                      "WITH RECURSIVE up (id, depth) AS (SELECT ?1, 0 UNION ALL "
                      "SELECT a.parent_id, up.depth + 1 FROM areas AS a JOIN up ON a.id = up.id "
                      "WHERE a.parent_id IS NOT NULL AND up.depth < 32) "
                      "SELECT EXISTS (SELECT 1 FROM up WHERE id = ?2)");
    bool found = false;
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    rc = store_sq_get(s, NULL, stmt,
                      sqlite3_bind_int64(stmt, 1, area_id) |
                          sqlite3_bind_int64(stmt, 2, ancestor_id),
                      "area within", read_bool0, &found);
    if (rc == PH_OK)
        *within = found;
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
    "(SELECT group_concat(force, ' ') FROM (SELECT force FROM routing_rule_forces "                \
    "WHERE rule_id = r.id ORDER BY pos)), "                                                        \
    "(SELECT group_concat(unit_id, ' ') FROM (SELECT unit_id FROM routing_rule_units "             \
    "WHERE rule_id = r.id ORDER BY pos))"
#define SQL_RULE_EXISTS "SELECT 1 FROM routing_rules WHERE id = ?1"

static void read_rule(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    struct routing_rule *out = row;

    memset(out, 0, sizeof(*out));
    out->id = sqlite3_column_int64(stmt, 0);
    out->name = store_sq_col_text(ar, stmt, 1);
    out->priority = sqlite3_column_int(stmt, 2);
    out->is_active = sqlite3_column_int(stmt, 3) != 0;
    out->category_id = sqlite3_column_int64(stmt, 4);
    out->severity_min = sqlite3_column_int(stmt, 5);
    out->severity_max = sqlite3_column_int(stmt, 6);
    out->area_id = sqlite3_column_int64(stmt, 7);
    out->area_kind = store_sq_col_text(ar, stmt, 8);
    out->lead_force = store_sq_col_text(ar, stmt, 9);
    out->report_deadline_min = sqlite3_column_int(stmt, 10);
    out->ack_deadline_min = sqlite3_column_int(stmt, 11);
    out->verify_deadline_min = sqlite3_column_int(stmt, 12);
    out->fallback_unit_id = sqlite3_column_int64(stmt, 13);
    out->version = sqlite3_column_int64(stmt, 14);
    out->created_at = sqlite3_column_int64(stmt, 15);
    out->updated_at = sqlite3_column_int64(stmt, 16);
    out->inform_forces = store_split_words(ar, (const char *)sqlite3_column_text(stmt, 17),
                                              &out->n_inform_forces);
    out->inform_unit_ids =
        store_split_ids(ar, (const char *)sqlite3_column_text(stmt, 18), &out->n_inform_units);
}

/* The columns insert and update share, ?2 to ?14. */
static int bind_rule(sqlite3_stmt *stmt, const struct routing_rule *r)
{
    return store_sq_bind_text(stmt, 2, r->name) | sqlite3_bind_int(stmt, 3, r->priority) |
           sqlite3_bind_int(stmt, 4, r->is_active) | store_sq_bind_id(stmt, 5, r->category_id) |
           sqlite3_bind_int(stmt, 6, r->severity_min) | sqlite3_bind_int(stmt, 7, r->severity_max) |
           store_sq_bind_id(stmt, 8, r->area_id) | store_sq_bind_text(stmt, 9, r->area_kind) |
           store_sq_bind_text(stmt, 10, r->lead_force) |
           sqlite3_bind_int(stmt, 11, r->report_deadline_min) |
           sqlite3_bind_int(stmt, 12, r->ack_deadline_min) |
           sqlite3_bind_int(stmt, 13, r->verify_deadline_min) |
           store_sq_bind_id(stmt, 14, r->fallback_unit_id);
}

/* Replace what rule id informs with r's. A repeated force or unit counts once
 * (its first place); an unknown one is a foreign-key violation (PH_ECONFLICT). */
static ph_err write_rule_informs(struct store_sq *s, int64_t id, const struct routing_rule *r)
{
    sqlite3_stmt *clear_f = store_sq_stmt(s, SQ_RULE_FORCES_CLEAR,
                                          "DELETE FROM routing_rule_forces WHERE rule_id = ?1");
    sqlite3_stmt *add_f =
        store_sq_stmt(s, SQ_RULE_FORCES_ADD,
                      "INSERT INTO routing_rule_forces (rule_id, pos, force) VALUES (?1, ?2, ?3) "
                      "ON CONFLICT DO NOTHING");
    sqlite3_stmt *clear_u =
        store_sq_stmt(s, SQ_RULE_UNITS_CLEAR, "DELETE FROM routing_rule_units WHERE rule_id = ?1");
    sqlite3_stmt *add_u =
        store_sq_stmt(s, SQ_RULE_UNITS_ADD,
                      "INSERT INTO routing_rule_units (rule_id, pos, unit_id) VALUES (?1, ?2, ?3) "
                      "ON CONFLICT DO NOTHING");
    ph_err rc;

    if (clear_f == NULL || add_f == NULL || clear_u == NULL || add_u == NULL)
        return PH_ESTORE;
    rc = store_sq_write(s, clear_f, sqlite3_bind_int64(clear_f, 1, id), "clear rule forces", NULL);
    for (size_t i = 0; i < r->n_inform_forces && rc == PH_OK; i++)
        rc = store_sq_write(s, add_f,
                            sqlite3_bind_int64(add_f, 1, id) |
                                sqlite3_bind_int64(add_f, 2, (int64_t)i) |
                                store_sq_bind_text(add_f, 3, r->inform_forces[i]),
                            "add rule force", NULL);
    if (rc == PH_OK)
        rc = store_sq_write(s, clear_u, sqlite3_bind_int64(clear_u, 1, id), "clear rule units",
                            NULL);
    for (size_t i = 0; i < r->n_inform_units && rc == PH_OK; i++)
        rc = store_sq_write(s, add_u,
                            sqlite3_bind_int64(add_u, 1, id) |
                                sqlite3_bind_int64(add_u, 2, (int64_t)i) |
                                sqlite3_bind_int64(add_u, 3, r->inform_unit_ids[i]),
                            "add rule unit", NULL);
    return rc;
}

ph_err store_sq_rule_insert(struct store *st, const struct routing_rule *r, int64_t *id)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_RULE_INSERT,
        "INSERT INTO routing_rules (name, priority, is_active, category_id, severity_min, "
        "severity_max, area_id, area_kind, lead_force, report_deadline_min, ack_deadline_min, "
        "verify_deadline_min, fallback_unit_id, version, created_at, updated_at) "
        "VALUES (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, 1, ?15, ?16)");
    int64_t new_id = 0;
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    if ((rc = store_sq_op_begin(s)) != PH_OK)
        return rc;
    rc = store_sq_insert(
        s, stmt, bind_rule(stmt, r) | store_sq_bind_created(stmt, 15, r->created_at, r->updated_at),
        "insert routing rule", &new_id);
    if (rc == PH_OK)
        rc = write_rule_informs(s, new_id, r);
    rc = store_sq_op_end(s, rc);
    store_sq_ref_changed(s);
    if (rc == PH_OK)
        *id = new_id;
    return rc;
}

ph_err store_sq_rule_update(struct store *st, const struct routing_rule *r)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_RULE_UPDATE,
        "UPDATE routing_rules SET name = ?2, priority = ?3, is_active = ?4, category_id = ?5, "
        "severity_min = ?6, severity_max = ?7, area_id = ?8, area_kind = ?9, lead_force = ?10, "
        "report_deadline_min = ?11, ack_deadline_min = ?12, verify_deadline_min = ?13, "
        "fallback_unit_id = ?14, updated_at = ?15, version = version + 1 "
        "WHERE id = ?1 AND (?16 = 0 OR version = ?16)");
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    if ((rc = store_sq_op_begin(s)) != PH_OK)
        return rc;
    rc = store_sq_update_versioned(
        s, stmt,
        sqlite3_bind_int64(stmt, 1, r->id) | bind_rule(stmt, r) |
            sqlite3_bind_int64(stmt, 15, store_time_or_now(r->updated_at)) |
            sqlite3_bind_int64(stmt, 16, r->version),
        "update routing rule", SQ_RULE_EXISTS, SQL_RULE_EXISTS, r->id);
    if (rc == PH_OK)
        rc = write_rule_informs(s, r->id, r);
    rc = store_sq_op_end(s, rc);
    store_sq_ref_changed(s);
    return rc;
}

ph_err store_sq_rule_get(struct store *st, struct arena *ar, int64_t id, struct routing_rule *out)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_RULE_GET, "SELECT " RULE_COLS " FROM routing_rules AS r WHERE r.id = ?1");

    if (stmt == NULL)
        return PH_ESTORE;
    return store_sq_get(s, ar, stmt, sqlite3_bind_int64(stmt, 1, id), "get routing rule", read_rule,
                        out);
}

ph_err store_sq_rule_list(struct store *st, struct arena *ar, const struct routing_rule_filter *f,
                          struct routing_rule **items, size_t *n, bool *has_more)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(s, SQ_RULE_LIST,
                                       "SELECT " RULE_COLS
                                       " FROM routing_rules AS r WHERE r.id > ?1 AND (?2 <> 0 OR "
                                       "r.is_active = 1) ORDER BY r.id LIMIT ?3");
    int limit = store_list_limit(f->limit);
    void *list = NULL;
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    rc = store_sq_rows(s, ar, stmt,
                       sqlite3_bind_int64(stmt, 1, f->after_id) |
                           sqlite3_bind_int(stmt, 2, f->include_inactive) |
                           sqlite3_bind_int(stmt, 3, limit + 1),
                       "list routing rules", sizeof(**items), limit, read_rule, &list, n, has_more);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

/* Every new incident is matched against the active rules, which change seldom:
 * they are read once and kept on the connection (struct store_sq says when they
 * are read again), and each call gets its own copy. */
ph_err store_sq_rule_active(struct store *st, struct arena *ar, struct routing_rule **items,
                            size_t *n)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(s, SQ_RULE_ACTIVE,
                                       "SELECT " RULE_COLS " FROM routing_rules AS r "
                                       "WHERE r.is_active = 1 ORDER BY r.priority, r.id");
    void *list = NULL;
    size_t count = 0;
    int64_t version = 0;
    bool usable = false;
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    /* The data version is read before the rules: a commit between the two makes
     * the next call read them again, never keep old rules. */
    rc = store_sq_ref_check(s, &usable, &version);
    if (rc != PH_OK)
        return rc;
    if (usable && s->rules_epoch == s->ref_epoch && s->rules_data_version == version) {
        *items = store_rules_copy(ar, s->rules, s->n_rules);
        *n = s->n_rules;
        return PH_OK;
    }
    rc = store_sq_rows(s, ar, stmt, SQLITE_OK, "active routing rules", sizeof(**items), 0,
                       read_rule, &list, &count, NULL);
    if (rc != PH_OK)
        return rc;
    if (usable) {
        arena_release(&s->rules_arena);
        s->rules = store_rules_copy(&s->rules_arena, list, count);
        s->n_rules = count;
        s->rules_epoch = s->ref_epoch;
        s->rules_data_version = version;
    }
    *items = list;
    *n = count;
    return PH_OK;
}
