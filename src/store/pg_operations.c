/* pg_operations.c - the PostgreSQL twin of sqlite_operations.c (pg_int.h):
 * operations (core/operation.h, migration 007), their links (units, people,
 * assets, covered areas), lists under the caller's access scope, the conflict
 * check of people and assets, the results log, and the rows of the coverage
 * statistics.
 *
 * The access scope is the SQLite store's: the classification against the
 * caller's clearance and, with the caller's unit path, some unit taking part
 * (the owner is one of operation_units, as 'lead') inside the path's range.
 * A list reads its page in one statement and the units of the whole page in
 * one more. Links are written one statement per kind (unnest of an array),
 * and the conflict check of a list of people or assets is one statement. */
#include "util/base.h"
#include "store/pg_int.h"
#include "util/arena.h"

/* ---- shared SQL pieces --------------------------------------------------- */

/* Some unit taking part in operation o is in [$LO, $HI); NULL $LO: any. */
#define IN_RANGE(p, LO, HI)                                                                        \
    "($" #LO "::text IS NULL OR EXISTS (SELECT 1 FROM operation_units AS " p "r JOIN units AS " p \
    "u ON " p "u.id = " p "r.unit_id WHERE " p "r.operation_id = o.id AND " p "u.path >= $" #LO   \
    " AND " p "u.path < $" #HI "::text))"

/* The access scope of operation o with the clearance at $C. */
#define SCOPE_EXPR(C, LO, HI) "o.classification <= $" #C "::bigint AND " IN_RANGE("scope", LO, HI)

/* The columns of struct operation (read_operation); lists of ids and paths come
 * space-separated (none holds a space), in the SQLite store's orders. */
#define OP_COLS                                                                                    \
    "o.id, o.kind, o.domain, o.title, o.description, o.campaign_id, o.geometry_kind, "            \
    "o.geometry, o.min_lat, o.min_lon, o.max_lat, o.max_lon, o.planned_start, o.planned_end, "     \
    "o.started_at, o.ended_at, o.owner_unit_id, o.commander_id, o.classification, o.status, "      \
    "o.cancel_reason, o.is_joint, o.created_by, o.version, o.created_at, o.updated_at, "           \
    "ow.path, ow.force, "                                                                          \
    "(SELECT string_agg(su.path, ' ' ORDER BY sr.pos) FROM operation_units AS sr "                 \
    "JOIN units AS su ON su.id = sr.unit_id WHERE sr.operation_id = o.id AND sr.role <> 'lead'), " \
    "(SELECT string_agg(unit_id::text, ' ' ORDER BY pos) FROM operation_units "                    \
    "WHERE operation_id = o.id), "                                                                 \
    "(SELECT string_agg(person_id::text, ' ' ORDER BY person_id) FROM operation_people "           \
    "WHERE operation_id = o.id), "                                                                 \
    "(SELECT string_agg(asset_id::text, ' ' ORDER BY asset_id) FROM operation_assets "             \
    "WHERE operation_id = o.id), "                                                                 \
    "(SELECT string_agg(area_id::text, ' ' ORDER BY area_id) FROM operation_areas "                \
    "WHERE operation_id = o.id)"
#define OP_JOINS " JOIN units AS ow ON ow.id = o.owner_unit_id"

static void read_operation(struct arena *ar, const PGresult *res, int row, void *out)
{
    struct operation *o = out;

    memset(o, 0, sizeof(*o));
    o->id = pg_col_i64(res, row, 0);
    o->kind = pg_col_text(ar, res, row, 1);
    o->domain = pg_col_text(ar, res, row, 2);
    o->title = pg_col_text(ar, res, row, 3);
    o->description = pg_col_text(ar, res, row, 4);
    o->campaign_id = pg_col_i64(res, row, 5);
    o->geometry_kind = pg_col_text(ar, res, row, 6);
    o->geometry = pg_col_text(ar, res, row, 7);
    o->min_lat = pg_col_f64(res, row, 8);
    o->min_lon = pg_col_f64(res, row, 9);
    o->max_lat = pg_col_f64(res, row, 10);
    o->max_lon = pg_col_f64(res, row, 11);
    o->planned_start = pg_col_i64(res, row, 12);
    o->planned_end = pg_col_i64(res, row, 13);
    o->started_at = pg_col_i64(res, row, 14);
    o->ended_at = pg_col_i64(res, row, 15);
    o->owner_unit_id = pg_col_i64(res, row, 16);
    o->commander_id = pg_col_i64(res, row, 17);
    o->classification = pg_col_int(res, row, 18);
    o->status = pg_col_text(ar, res, row, 19);
    o->cancel_reason = pg_col_text(ar, res, row, 20);
    o->is_joint = pg_col_int(res, row, 21) != 0;
    o->created_by = pg_col_i64(res, row, 22);
    o->version = pg_col_i64(res, row, 23);
    o->created_at = pg_col_i64(res, row, 24);
    o->updated_at = pg_col_i64(res, row, 25);
    o->owner_path = pg_col_text(ar, res, row, 26);
    o->owner_force = pg_col_text(ar, res, row, 27);
    o->sent_to_paths = store_split_words(ar, pg_col_text(ar, res, row, 28), &o->n_sent_to);
    o->unit_ids = store_split_ids(ar, pg_col_text(ar, res, row, 29), &o->n_units);
    o->people_ids = store_split_ids(ar, pg_col_text(ar, res, row, 30), &o->n_people);
    o->asset_ids = store_split_ids(ar, pg_col_text(ar, res, row, 31), &o->n_assets);
    o->area_ids = store_split_ids(ar, pg_col_text(ar, res, row, 32), &o->n_areas);
}

/* One row of the units of a page: its operation and the unit. */
struct unit_row {
    int64_t operation_id;
    struct operation_unit u;
};

static void read_unit_row(struct arena *ar, const PGresult *res, int row, void *out)
{
    struct unit_row *r = out;

    memset(r, 0, sizeof(*r));
    r->operation_id = pg_col_i64(res, row, 0);
    r->u.unit_id = pg_col_i64(res, row, 1);
    r->u.role = pg_col_text(ar, res, row, 2);
    r->u.unit_code = pg_col_text(ar, res, row, 3);
    r->u.unit_name = pg_col_text(ar, res, row, 4);
    r->u.unit_path = pg_col_text(ar, res, row, 5);
    r->u.force = pg_col_text(ar, res, row, 6);
}

static void read_text_0(struct arena *ar, const PGresult *res, int row, void *out)
{
    *(const char **)out = pg_col_text(ar, res, row, 0);
}

/* Fill the units of items[0..n) (each operation's rows, in pos order) with one
 * query over the array of their ids. */
static ph_err fill_units(struct store_pg *p, struct arena *ar, struct operation *items, size_t n)
{
    struct pg_args a = {0};
    struct unit_row *rows = NULL;
    int64_t *ids;
    size_t n_rows = 0;
    ph_err rc;

    if (n == 0)
        return PH_OK;
    ids = arena_alloc(ar, n * sizeof(*ids));
    for (size_t i = 0; i < n; i++)
        ids[i] = items[i].id;
    pg_arg_ids(&a, ar, ids, n);
    rc = pg_rows(p, ar,
                 "SELECT r.operation_id, r.unit_id, r.role, u.code, u.name, u.path, u.force "
                 "FROM operation_units AS r JOIN units AS u ON u.id = r.unit_id "
                 "WHERE r.operation_id = ANY ($1::bigint[]) ORDER BY r.operation_id, r.pos",
                 &a, "operation units", sizeof(*rows), 0, read_unit_row, (void **)&rows, &n_rows,
                 NULL);
    if (rc != PH_OK)
        return rc;
    for (size_t i = 0; i < n; i++) {
        size_t first = n_rows, count = 0;
        for (size_t k = 0; k < n_rows; k++) {
            if (rows[k].operation_id != items[i].id)
                continue;
            if (first == n_rows)
                first = k;
            count++;
        }
        items[i].units = arena_zalloc(ar, (count + 1) * sizeof(*items[i].units));
        for (size_t k = 0; k < count; k++)
            items[i].units[k] = rows[first + k].u;
    }
    return PH_OK;
}

/* ---- writes -------------------------------------------------------------- */

/* The members insert and update share: 22 parameters from kind to is_joint. */
static void arg_operation(struct pg_args *a, const struct operation *o, const char *title_folded)
{
    pg_arg_text(a, o->kind);
    pg_arg_text(a, o->domain);
    pg_arg_text(a, o->title);
    pg_arg_text(a, title_folded);
    pg_arg_text(a, o->description);
    pg_arg_i64(a, o->campaign_id);
    pg_arg_text(a, o->geometry_kind);
    pg_arg_text(a, o->geometry);
    pg_arg_f64(a, o->min_lat);
    pg_arg_f64(a, o->min_lon);
    pg_arg_f64(a, o->max_lat);
    pg_arg_f64(a, o->max_lon);
    pg_arg_i64(a, o->planned_start);
    pg_arg_i64(a, o->planned_end);
    pg_arg_i64(a, o->started_at);
    pg_arg_i64(a, o->ended_at);
    pg_arg_id(a, o->owner_unit_id);
    pg_arg_i64(a, o->commander_id);
    pg_arg_i64(a, o->classification);
    pg_arg_text(a, o->status);
    pg_arg_text(a, o->cancel_reason);
    pg_arg_i64(a, o->is_joint);
}

/* Link rows of operation $1 from the array $2: the insert for each kind. */
static ph_err add_links(struct store_pg *p, struct arena *ar, const char *sql, int64_t id,
                        const int64_t *ids, size_t n, const char *what)
{
    struct pg_args a = {0};

    if (n == 0)
        return PH_OK;
    pg_arg_i64(&a, id);
    pg_arg_ids(&a, ar, ids, n);
    return pg_write(p, sql, &a, what, NULL);
}

/* Replace the links of operation id with o's: the owner as lead at pos 0, the
 * other units as participants (pos 1, 2, ... in the order given, a repeat
 * using up its number as in the SQLite store), people, assets, areas. Repeats
 * count once. */
static ph_err write_links(struct store_pg *p, int64_t id, const struct operation *o, bool clear)
{
    static const char *const clears[] = {
        "DELETE FROM operation_units WHERE operation_id = $1",
        "DELETE FROM operation_people WHERE operation_id = $1",
        "DELETE FROM operation_assets WHERE operation_id = $1",
        "DELETE FROM operation_areas WHERE operation_id = $1",
    };
    struct arena ar;
    struct pg_args a = {0};
    ph_err rc = PH_OK;

    arena_init(&ar);
    for (size_t i = 0; clear && rc == PH_OK && i < PH_NELEM(clears); i++) {
        struct pg_args c = {0};
        pg_arg_i64(&c, id);
        rc = pg_write(p, clears[i], &c, "clear operation links", NULL);
    }
    pg_arg_i64(&a, id);
    pg_arg_id(&a, o->owner_unit_id);
    if (rc == PH_OK)
        rc = pg_write(p,
                      "INSERT INTO operation_units (operation_id, unit_id, role, pos) "
                      "VALUES ($1, $2, 'lead', 0) ON CONFLICT DO NOTHING",
                      &a, "add operation unit", NULL);
    if (rc == PH_OK && o->n_units > 0) {
        struct pg_args u = {0};
        pg_arg_i64(&u, id);
        pg_arg_ids(&u, &ar, o->unit_ids, o->n_units);
        pg_arg_i64(&u, o->owner_unit_id);
        rc = pg_write(p,
                      "INSERT INTO operation_units (operation_id, unit_id, role, pos) "
                      "SELECT $1, t.unit_id, 'participant', row_number() OVER (ORDER BY t.k) "
                      "FROM unnest($2::bigint[]) WITH ORDINALITY AS t (unit_id, k) "
                      "WHERE t.unit_id IS DISTINCT FROM $3::bigint ORDER BY t.k "
                      "ON CONFLICT DO NOTHING",
                      &u, "add operation units", NULL);
    }
    if (rc == PH_OK)
        rc = add_links(p, &ar,
                       "INSERT INTO operation_people (operation_id, person_id) "
                       "SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING",
                       id, o->people_ids, o->n_people, "add operation people");
    if (rc == PH_OK)
        rc = add_links(p, &ar,
                       "INSERT INTO operation_assets (operation_id, asset_id) "
                       "SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING",
                       id, o->asset_ids, o->n_assets, "add operation assets");
    if (rc == PH_OK)
        rc = add_links(p, &ar,
                       "INSERT INTO operation_areas (operation_id, area_id) "
                       "SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING",
                       id, o->area_ids, o->n_areas, "add operation areas");
    arena_release(&ar);
    return rc;
}

ph_err store_pg_operation_insert(struct store *st, const struct operation *o,
                                 const char *title_folded, int64_t *id)
{
    struct store_pg *p = store_pg_of(st);
    struct pg_args a = {0};
    int64_t new_id = 0;
    ph_err rc;

    arg_operation(&a, o, title_folded);
    pg_arg_i64(&a, o->created_by);
    pg_arg_created(&a, o->created_at, o->updated_at);
    if ((rc = pg_op_begin(p)) != PH_OK)
        return rc;
    rc = pg_insert(p,
                   "INSERT INTO operations (kind, domain, title, title_folded, description, "
                   "campaign_id, geometry_kind, geometry, min_lat, min_lon, max_lat, max_lon, "
                   "planned_start, planned_end, started_at, ended_at, owner_unit_id, "
                   "commander_id, classification, status, cancel_reason, is_joint, created_by, "
                   "version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
                   "$10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, 1, $24, "
                   "$25) RETURNING id",
                   &a, "insert operation", &new_id);
    if (rc == PH_OK)
        rc = write_links(p, new_id, o, false);
    rc = pg_op_end(p, rc);
    if (rc == PH_OK)
        *id = new_id;
    return rc;
}

ph_err store_pg_operation_update(struct store *st, const struct operation *o,
                                 const char *title_folded, bool links)
{
    struct store_pg *p = store_pg_of(st);
    struct pg_args a = {0};
    ph_err rc;

    pg_arg_i64(&a, o->id);
    arg_operation(&a, o, title_folded);
    pg_arg_i64(&a, store_time_or_now(o->updated_at));
    pg_arg_i64(&a, o->version);
    if ((rc = pg_op_begin(p)) != PH_OK)
        return rc;
    rc = pg_update_versioned(
        p,
        "UPDATE operations SET kind = $2, domain = $3, title = $4, title_folded = $5, "
        "description = $6, campaign_id = $7, geometry_kind = $8, geometry = $9, min_lat = $10, "
        "min_lon = $11, max_lat = $12, max_lon = $13, planned_start = $14, planned_end = $15, "
        "started_at = $16, ended_at = $17, owner_unit_id = $18, commander_id = $19, "
        "classification = $20, status = $21, cancel_reason = $22, is_joint = $23, "
        "updated_at = $24, version = version + 1 "
        "WHERE id = $1 AND ($25::bigint = 0 OR version = $25)",
        &a, "update operation", "SELECT 1 FROM operations WHERE id = $1", o->id);
    if (rc == PH_OK && links)
        rc = write_links(p, o->id, o, true);
    return pg_op_end(p, rc);
}

/* ---- reads --------------------------------------------------------------- */

ph_err store_pg_operation_get(struct store *st, struct arena *ar, int64_t id,
                              struct operation *out)
{
    struct store_pg *p = store_pg_of(st);
    struct pg_args a = {0};
    struct operation o;
    ph_err rc;

    pg_arg_i64(&a, id);
    rc = pg_get(p, ar, "SELECT " OP_COLS " FROM operations AS o" OP_JOINS " WHERE o.id = $1", &a,
                "get operation", read_operation, &o);
    if (rc == PH_OK)
        rc = fill_units(p, ar, &o, 1);
    if (rc == PH_OK)
        *out = o;
    return rc;
}

ph_err store_pg_operation_list(struct store *st, struct arena *ar, const struct operation_filter *f,
                               struct operation **items, size_t *n, bool *has_more)
{
    struct store_pg *p = store_pg_of(st);
    struct pg_args a = {0};
    int limit = store_list_limit(f->limit);
    const char *unit = NULL;
    struct operation *list = NULL;
    ph_err rc;

    if (f->unit_id != 0) {
        struct pg_args ua = {0};
        pg_arg_i64(&ua, f->unit_id);
        rc = pg_get(p, ar, "SELECT path FROM units WHERE id = $1", &ua, "unit path", read_text_0,
                    &unit);
        if (rc == PH_ENOTFOUND) { /* no such unit: nothing it takes part in */
            *items = NULL;
            *n = 0;
            *has_more = false;
            return PH_OK;
        }
        if (rc != PH_OK)
            return rc;
    }
    pg_arg_i64(&a, f->before_id);
    pg_arg_i64(&a, f->from);
    pg_arg_i64(&a, f->to);
    pg_arg_text(&a, f->kind);
    pg_arg_text(&a, f->status);
    pg_arg_text(&a, f->domain);
    pg_arg_i64(&a, f->joint_only);
    pg_arg_i64(&a, f->person_id);
    pg_arg_text(&a, store_like_escape(ar, f->q));
    pg_arg_range(&a, ar, unit);                  /* $10, $11 */
    pg_arg_i64(&a, f->scope_clearance);          /* $12 */
    pg_arg_range(&a, ar, f->scope_unit_path);    /* $13, $14 */
    pg_arg_i64(&a, limit + 1);                   /* $15 */
    rc = pg_rows(p, ar,
                 "SELECT " OP_COLS " FROM operations AS o" OP_JOINS " "
                 "WHERE ($1::bigint = 0 OR o.id < $1) AND ($2::bigint = 0 OR o.planned_end > $2) "
                 "AND ($3::bigint = 0 OR o.planned_start < $3) "
                 "AND ($4::text IS NULL OR o.kind = $4) "
                 "AND ($5::text IS NULL OR o.status = $5) "
                 "AND ($6::text IS NULL OR o.domain = $6) "
                 "AND ($7::bigint = 0 OR o.is_joint = 1) "
                 "AND ($8::bigint = 0 OR EXISTS (SELECT 1 FROM operation_people AS pp "
                 "WHERE pp.operation_id = o.id AND pp.person_id = $8)) "
                 "AND ($9::text IS NULL OR o.title_folded ILIKE '%' || $9 || '%' ESCAPE '\\') "
                 "AND " IN_RANGE("unit", 10, 11) " AND " SCOPE_EXPR(12, 13, 14)
                 " ORDER BY o.id DESC LIMIT $15",
                 &a, "list operations", sizeof(*list), limit, read_operation, (void **)&list, n,
                 has_more);
    if (rc == PH_OK)
        rc = fill_units(p, ar, list, *n);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

/* An operation's time, for conflicts: from its planned start (or its actual
 * start when earlier) to its planned end, and while active at least until now.
 * The ids at $1 are tried in their order: the first with a clash is reported,
 * with its clashing operation of the lowest id. CONFLICT_HEAD, the link table
 * and its join, then CONFLICT_TAIL make the statement. */
#define CONFLICT_HEAD                                                                              \
    "SELECT t.x, c.id FROM unnest($1::bigint[]) WITH ORDINALITY AS t (x, k) "                      \
    "CROSS JOIN LATERAL (SELECT o.id FROM "
#define CONFLICT_TAIL                                                                              \
    " AND o.id <> $2 AND (o.status = 'planned' OR o.status = 'active') "                          \
    "AND LEAST(o.planned_start, CASE WHEN o.started_at > 0 THEN o.started_at "                     \
    "ELSE o.planned_start END) < $4 "                                                              \
    "AND $3 < CASE WHEN o.status = 'active' THEN GREATEST(o.planned_end, $5) "                     \
    "ELSE o.planned_end END ORDER BY o.id LIMIT 1) AS c ORDER BY t.k LIMIT 1"

struct conflict {
    int64_t which, operation_id;
};

static void read_conflict(struct arena *ar, const PGresult *res, int row, void *out)
{
    struct conflict *c = out;

    (void)ar;
    c->which = pg_col_i64(res, row, 0);
    c->operation_id = pg_col_i64(res, row, 1);
}

ph_err store_pg_operation_conflict(struct store *st, bool is_assets, const int64_t *ids, size_t n,
                                   int64_t exclude_id, int64_t start, int64_t end, int64_t now,
                                   int64_t *which, int64_t *operation_id)
{
    struct store_pg *p = store_pg_of(st);
    struct pg_args a = {0};
    struct conflict c = {0};
    struct arena ar;
    ph_err rc;

    *which = 0;
    *operation_id = 0;
    if (n == 0)
        return PH_OK;
    arena_init(&ar);
    pg_arg_ids(&a, &ar, ids, n);
    pg_arg_i64(&a, exclude_id);
    pg_arg_i64(&a, start);
    pg_arg_i64(&a, end);
    pg_arg_i64(&a, now);
    rc = is_assets ? pg_get(p, NULL,
                            CONFLICT_HEAD "operation_assets AS l JOIN operations AS o "
                                          "ON o.id = l.operation_id WHERE l.asset_id = t.x"
                                          CONFLICT_TAIL,
                            &a, "operation conflict", read_conflict, &c)
                   : pg_get(p, NULL,
                            CONFLICT_HEAD "operation_people AS l JOIN operations AS o "
                                          "ON o.id = l.operation_id WHERE l.person_id = t.x"
                                          CONFLICT_TAIL,
                            &a, "operation conflict", read_conflict, &c);
    arena_release(&ar);
    if (rc == PH_ENOTFOUND)
        return PH_OK;
    if (rc != PH_OK)
        return rc;
    *which = c.which;
    *operation_id = c.operation_id;
    return PH_OK;
}

/* ---- the results log ----------------------------------------------------- */

#define LOG_COLS                                                                                   \
    "l.id, l.operation_id, l.at, l.person_id, l.lat, l.lon, l.text, l.people_checked, "           \
    "l.vehicles_checked, l.vessels_checked, l.violations, l.items_seized, l.incident_id, "         \
    "l.created_at, p.full_name"
#define LOG_JOINS " LEFT JOIN people AS p ON p.id = l.person_id"

static void read_log(struct arena *ar, const PGresult *res, int row, void *out)
{
    struct operation_log_entry *e = out;

    memset(e, 0, sizeof(*e));
    e->id = pg_col_i64(res, row, 0);
    e->operation_id = pg_col_i64(res, row, 1);
    e->at = pg_col_i64(res, row, 2);
    e->person_id = pg_col_i64(res, row, 3);
    e->has_location = !pg_col_null(res, row, 4);
    if (e->has_location) {
        e->lat = pg_col_f64(res, row, 4);
        e->lon = pg_col_f64(res, row, 5);
    }
    e->text = pg_col_text(ar, res, row, 6);
    e->people_checked = pg_col_int(res, row, 7);
    e->vehicles_checked = pg_col_int(res, row, 8);
    e->vessels_checked = pg_col_int(res, row, 9);
    e->violations = pg_col_int(res, row, 10);
    e->items_seized = pg_col_text(ar, res, row, 11);
    e->incident_id = pg_col_i64(res, row, 12);
    e->created_at = pg_col_i64(res, row, 13);
    e->person_name = pg_col_text(ar, res, row, 14);
}

ph_err store_pg_operation_log_insert(struct store *st, const struct operation_log_entry *e,
                                     int64_t *id)
{
    struct pg_args a = {0};

    pg_arg_i64(&a, e->operation_id);
    pg_arg_i64(&a, e->at);
    pg_arg_i64(&a, e->person_id);
    if (e->has_location) {
        pg_arg_f64(&a, e->lat);
        pg_arg_f64(&a, e->lon);
    } else {
        pg_arg_null(&a);
        pg_arg_null(&a);
    }
    pg_arg_text(&a, e->text);
    pg_arg_i64(&a, e->people_checked);
    pg_arg_i64(&a, e->vehicles_checked);
    pg_arg_i64(&a, e->vessels_checked);
    pg_arg_i64(&a, e->violations);
    pg_arg_text(&a, e->items_seized);
    pg_arg_id(&a, e->incident_id);
    pg_arg_i64(&a, store_time_or_now(e->created_at));
    return pg_insert(store_pg_of(st),
                     "INSERT INTO operation_log (operation_id, at, person_id, lat, lon, text, "
                     "people_checked, vehicles_checked, vessels_checked, violations, "
                     "items_seized, incident_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, "
                     "$8, $9, $10, $11, $12, $13) RETURNING id",
                     &a, "insert operation log entry", id);
}

ph_err store_pg_operation_log_get(struct store *st, struct arena *ar, int64_t id,
                                  struct operation_log_entry *out)
{
    struct pg_args a = {0};

    pg_arg_i64(&a, id);
    return pg_get(store_pg_of(st), ar,
                  "SELECT " LOG_COLS " FROM operation_log AS l" LOG_JOINS " WHERE l.id = $1", &a,
                  "get operation log entry", read_log, out);
}

ph_err store_pg_operation_log_list(struct store *st, struct arena *ar, int64_t operation_id,
                                   int64_t after_id, int limit, struct operation_log_entry **items,
                                   size_t *n, bool *has_more)
{
    struct pg_args a = {0};
    int lim = store_list_limit(limit);

    pg_arg_i64(&a, operation_id);
    pg_arg_i64(&a, after_id);
    pg_arg_i64(&a, lim + 1);
    /* (at, id) order: the index on (operation_id, at) walks it; the cursor is the
     * last entry's id, whose time the subquery looks up. */
    return pg_rows(store_pg_of(st), ar,
                   "SELECT " LOG_COLS " FROM operation_log AS l" LOG_JOINS
                   " WHERE l.operation_id = $1 AND ($2::bigint = 0 OR (l.at, l.id) > "
                   "((SELECT at FROM operation_log WHERE id = $2), $2)) "
                   "ORDER BY l.at, l.id LIMIT $3",
                   &a, "list operation log", sizeof(**items), lim, read_log, (void **)items, n,
                   has_more);
}

static void read_summary(struct arena *ar, const PGresult *res, int row, void *out)
{
    struct operation_summary *s = out;

    (void)ar;
    memset(s, 0, sizeof(*s));
    s->entries = pg_col_i64(res, row, 0);
    s->people_checked = pg_col_i64(res, row, 1);
    s->vehicles_checked = pg_col_i64(res, row, 2);
    s->vessels_checked = pg_col_i64(res, row, 3);
    s->violations = pg_col_i64(res, row, 4);
    s->incidents = pg_col_i64(res, row, 5);
}

ph_err store_pg_operation_summary(struct store *st, int64_t operation_id,
                                  struct operation_summary *out)
{
    struct pg_args a = {0};

    pg_arg_i64(&a, operation_id);
    /* sum() of bigint is numeric: cast back for the reader. */
    return pg_get(store_pg_of(st), NULL,
                  "SELECT count(*), coalesce(sum(people_checked), 0)::bigint, "
                  "coalesce(sum(vehicles_checked), 0)::bigint, "
                  "coalesce(sum(vessels_checked), 0)::bigint, "
                  "coalesce(sum(violations), 0)::bigint, count(incident_id) "
                  "FROM operation_log WHERE operation_id = $1",
                  &a, "operation summary", read_summary, out);
}

/* ---- coverage ------------------------------------------------------------ */

static void read_coverage(struct arena *ar, const PGresult *res, int row, void *out)
{
    struct store_coverage_row *c = out;

    c->operation_id = pg_col_i64(res, row, 0);
    c->area_id = pg_col_i64(res, row, 1);
    c->started_at = pg_col_i64(res, row, 2);
    c->ended_at = pg_col_i64(res, row, 3);
    c->forces = pg_col_text(ar, res, row, 4);
}

ph_err store_pg_operation_coverage_rows(struct store *st, struct arena *ar,
                                        const struct coverage_query *q,
                                        const struct incident_scope *scope,
                                        struct store_coverage_row **items, size_t *n)
{
    struct pg_args a = {0};

    pg_arg_i64(&a, q->from);
    pg_arg_i64(&a, q->to);
    pg_arg_text(&a, q->area_level);
    pg_arg_text(&a, q->area_kind);
    pg_arg_text(&a, q->force);
    pg_arg_scope(&a, ar, scope); /* $6, $7, $8 */
    /* An operation's areas are the deepest ones its geometry touched; it covers
     * those and every area above them (areas are at most three levels deep), so
     * the areas of the level asked for are found among the two parents. The
     * group keys are primary keys, so the operation's columns may be read. */
    return pg_rows(store_pg_of(st), ar,
                   "SELECT o.id, x.id, o.started_at, o.ended_at, "
                   "(SELECT string_agg(DISTINCT fu.force, ' ' ORDER BY fu.force) "
                   "FROM operation_units AS fr JOIN units AS fu ON fu.id = fr.unit_id "
                   "WHERE fr.operation_id = o.id) "
                   "FROM operations AS o JOIN operation_areas AS oa ON oa.operation_id = o.id "
                   "JOIN areas AS a0 ON a0.id = oa.area_id "
                   "LEFT JOIN areas AS a1 ON a1.id = a0.parent_id "
                   "LEFT JOIN areas AS a2 ON a2.id = a1.parent_id "
                   "JOIN areas AS x ON (x.id = a0.id OR x.id = a1.id OR x.id = a2.id) "
                   "WHERE (o.status = 'active' OR o.status = 'completed') AND o.started_at > 0 "
                   "AND o.started_at < $2 AND (o.ended_at = 0 OR o.ended_at > $1) "
                   "AND x.level = $3 AND ($4::text IS NULL OR x.kind = $4) "
                   "AND ($5::text IS NULL OR EXISTS (SELECT 1 FROM operation_units AS gr "
                   "JOIN units AS gu ON gu.id = gr.unit_id WHERE gr.operation_id = o.id "
                   "AND gu.force = $5)) "
                   "AND " SCOPE_EXPR(6, 7, 8) " GROUP BY x.id, o.id ORDER BY x.id, o.id",
                   &a, "coverage rows", sizeof(**items), 0, read_coverage, (void **)items, n,
                   NULL);
}
