/* sqlite_operations.c - the SQLite backend's operations (core/operation.h,
 * migration 007): the row and its links (units, people, assets, covered areas),
 * lists under the caller's access scope, the conflict check of people and
 * assets, the results log, and the rows of the coverage statistics.
 *
 * The access scope is applied in SQL as for incidents and bulletins: the
 * classification against the caller's clearance, and with the caller's unit
 * path some unit taking part (the owner is one of operation_units, as 'lead')
 * inside the path's range [lo, hi) (store_path_upper). A list reads its page
 * in one statement and the units of the whole page in one more (json_each over
 * the page's ids), so that a caller walking the active operations (the CoT
 * publisher) costs two queries per page, never one per operation. */
#include "util/base.h"
#include "store/sqlite_int.h"
#include "store/store.h"
#include "util/arena.h"

/* ---- shared SQL pieces --------------------------------------------------- */

/* Some unit taking part in operation o is in [:<p>_lo, :<p>_hi). */
#define IN_RANGE(p)                                                                                \
    "(:" p "_lo IS NULL OR EXISTS (SELECT 1 FROM operation_units AS " p "r JOIN units AS " p      \
    "u ON " p "u.id = " p "r.unit_id WHERE " p "r.operation_id = o.id AND " p                     \
    "u.path >= :" p "_lo AND " p "u.path < :" p "_hi))"

/* The access scope of operation o. */
#define SCOPE_EXPR "o.classification <= :clearance AND " IN_RANGE("scope")

/* The columns of struct operation (read_operation); lists of ids and paths come
 * space-separated (none holds a space). */
#define OP_COLS                                                                                    \
    "o.id, o.kind, o.domain, o.title, o.description, o.campaign_id, o.geometry_kind, "            \
    "o.geometry, o.min_lat, o.min_lon, o.max_lat, o.max_lon, o.planned_start, o.planned_end, "     \
    "o.started_at, o.ended_at, o.owner_unit_id, o.commander_id, o.classification, o.status, "      \
    "o.cancel_reason, o.is_joint, o.created_by, o.version, o.created_at, o.updated_at, "           \
    "ow.path, ow.force, "                                                                          \
    "(SELECT group_concat(path, ' ') FROM (SELECT su.path FROM operation_units AS sr "             \
    "JOIN units AS su ON su.id = sr.unit_id WHERE sr.operation_id = o.id AND sr.role <> 'lead' "   \
    "ORDER BY sr.pos)), "                                                                          \
    "(SELECT group_concat(unit_id, ' ') FROM (SELECT unit_id FROM operation_units "                \
    "WHERE operation_id = o.id ORDER BY pos)), "                                                   \
    "(SELECT group_concat(person_id, ' ') FROM operation_people WHERE operation_id = o.id), "      \
    "(SELECT group_concat(asset_id, ' ') FROM operation_assets WHERE operation_id = o.id), "       \
    "(SELECT group_concat(area_id, ' ') FROM operation_areas WHERE operation_id = o.id)"
#define OP_JOINS " JOIN units AS ow ON ow.id = o.owner_unit_id"
#define SQL_OPERATION_EXISTS "SELECT 1 FROM operations WHERE id = ?1"

static void read_operation(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    struct operation *out = row;

    memset(out, 0, sizeof(*out));
    out->id = sqlite3_column_int64(stmt, 0);
    out->kind = store_sq_col_text(ar, stmt, 1);
    out->domain = store_sq_col_text(ar, stmt, 2);
    out->title = store_sq_col_text(ar, stmt, 3);
    out->description = store_sq_col_text(ar, stmt, 4);
    out->campaign_id = sqlite3_column_int64(stmt, 5);
    out->geometry_kind = store_sq_col_text(ar, stmt, 6);
    out->geometry = store_sq_col_text(ar, stmt, 7);
    out->min_lat = sqlite3_column_double(stmt, 8);
    out->min_lon = sqlite3_column_double(stmt, 9);
    out->max_lat = sqlite3_column_double(stmt, 10);
    out->max_lon = sqlite3_column_double(stmt, 11);
    out->planned_start = sqlite3_column_int64(stmt, 12);
    out->planned_end = sqlite3_column_int64(stmt, 13);
    out->started_at = sqlite3_column_int64(stmt, 14);
    out->ended_at = sqlite3_column_int64(stmt, 15);
    out->owner_unit_id = sqlite3_column_int64(stmt, 16);
    out->commander_id = sqlite3_column_int64(stmt, 17);
    out->classification = sqlite3_column_int(stmt, 18);
    out->status = store_sq_col_text(ar, stmt, 19);
    out->cancel_reason = store_sq_col_text(ar, stmt, 20);
    out->is_joint = sqlite3_column_int(stmt, 21) != 0;
    out->created_by = sqlite3_column_int64(stmt, 22);
    out->version = sqlite3_column_int64(stmt, 23);
    out->created_at = sqlite3_column_int64(stmt, 24);
    out->updated_at = sqlite3_column_int64(stmt, 25);
    out->owner_path = store_sq_col_text(ar, stmt, 26);
    out->owner_force = store_sq_col_text(ar, stmt, 27);
    out->sent_to_paths =
        store_split_words(ar, (const char *)sqlite3_column_text(stmt, 28), &out->n_sent_to);
    out->unit_ids =
        store_split_ids(ar, (const char *)sqlite3_column_text(stmt, 29), &out->n_units);
    out->people_ids =
        store_split_ids(ar, (const char *)sqlite3_column_text(stmt, 30), &out->n_people);
    out->asset_ids =
        store_split_ids(ar, (const char *)sqlite3_column_text(stmt, 31), &out->n_assets);
    out->area_ids =
        store_split_ids(ar, (const char *)sqlite3_column_text(stmt, 32), &out->n_areas);
}

/* One row of the units of a page: its operation and the unit. */
struct unit_row {
    int64_t operation_id;
    struct operation_unit u;
};

static void read_unit_row(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    struct unit_row *out = row;

    memset(out, 0, sizeof(*out));
    out->operation_id = sqlite3_column_int64(stmt, 0);
    out->u.unit_id = sqlite3_column_int64(stmt, 1);
    out->u.role = store_sq_col_text(ar, stmt, 2);
    out->u.unit_code = store_sq_col_text(ar, stmt, 3);
    out->u.unit_name = store_sq_col_text(ar, stmt, 4);
    out->u.unit_path = store_sq_col_text(ar, stmt, 5);
    out->u.force = store_sq_col_text(ar, stmt, 6);
}

static void read_i64_0(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    *(int64_t *)row = sqlite3_column_int64(stmt, 0);
}

static void read_text_0(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    *(const char **)row = store_sq_col_text(ar, stmt, 0);
}

/* Fill the units of items[0..n) (each operation's rows, in pos order) with one
 * query over the JSON array of their ids. */
static ph_err fill_units(struct store_sq *s, struct arena *ar, struct operation *items, size_t n)
{
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_OPERATION_UNITS_PAGE,
        "SELECT r.operation_id, r.unit_id, r.role, u.code, u.name, u.path, u.force "
        "FROM operation_units AS r JOIN units AS u ON u.id = r.unit_id "
        "WHERE r.operation_id IN (SELECT value FROM json_each(?1)) ORDER BY r.operation_id, r.pos");
    struct unit_row *rows = NULL;
    size_t n_rows = 0;
    void *list = NULL;
    char *ids;
    size_t len = 2;
    ph_err rc;

    if (n == 0)
        return PH_OK;
    if (stmt == NULL)
        return PH_ESTORE;
    ids = arena_alloc(ar, n * 22 + 8);
    ids[0] = '[';
    ids[1] = '\0';
    len = 1;
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(ids + len, 23, "%s%lld", i > 0 ? "," : "", (long long)items[i].id);
    ids[len++] = ']';
    ids[len] = '\0';
    rc = store_sq_rows(s, ar, stmt, store_sq_bind_text(stmt, 1, ids), "operation units",
                       sizeof(*rows), 0, read_unit_row, &list, &n_rows, NULL);
    if (rc != PH_OK)
        return rc;
    rows = list;
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

/* The members insert and update share, ?2 to ?23. */
static int bind_operation(sqlite3_stmt *stmt, const struct operation *o, const char *title_folded)
{
    return store_sq_bind_text(stmt, 2, o->kind) | store_sq_bind_text(stmt, 3, o->domain) |
           store_sq_bind_text(stmt, 4, o->title) | store_sq_bind_text(stmt, 5, title_folded) |
           store_sq_bind_text(stmt, 6, o->description) |
           sqlite3_bind_int64(stmt, 7, o->campaign_id) |
           store_sq_bind_text(stmt, 8, o->geometry_kind) |
           store_sq_bind_text(stmt, 9, o->geometry) | sqlite3_bind_double(stmt, 10, o->min_lat) |
           sqlite3_bind_double(stmt, 11, o->min_lon) | sqlite3_bind_double(stmt, 12, o->max_lat) |
           sqlite3_bind_double(stmt, 13, o->max_lon) |
           sqlite3_bind_int64(stmt, 14, o->planned_start) |
           sqlite3_bind_int64(stmt, 15, o->planned_end) |
           sqlite3_bind_int64(stmt, 16, o->started_at) | sqlite3_bind_int64(stmt, 17, o->ended_at) |
           store_sq_bind_id(stmt, 18, o->owner_unit_id) |
           sqlite3_bind_int64(stmt, 19, o->commander_id) |
           sqlite3_bind_int(stmt, 20, o->classification) | store_sq_bind_text(stmt, 21, o->status) |
           store_sq_bind_text(stmt, 22, o->cancel_reason) | sqlite3_bind_int(stmt, 23, o->is_joint);
}

/* Write one link row of operation id: stmt takes (?1 operation, ?2 value). */
static ph_err add_link(struct store_sq *s, sqlite3_stmt *stmt, int64_t id, int64_t v,
                       const char *what)
{
    return store_sq_write(s, stmt, sqlite3_bind_int64(stmt, 1, id) | sqlite3_bind_int64(stmt, 2, v),
                          what, NULL);
}

/* Replace the links of operation id with o's: the owner as lead at pos 0, the
 * other units as participants, people, assets, areas. Repeats count once. */
static ph_err write_links(struct store_sq *s, int64_t id, const struct operation *o, bool clear)
{
    static const struct {
        enum sq_stmt id;
        const char *sql;
    } clears[] = {
        {SQ_OPERATION_LINKS_CLEAR_UNITS, "DELETE FROM operation_units WHERE operation_id = ?1"},
        {SQ_OPERATION_LINKS_CLEAR_PEOPLE, "DELETE FROM operation_people WHERE operation_id = ?1"},
        {SQ_OPERATION_LINKS_CLEAR_ASSETS, "DELETE FROM operation_assets WHERE operation_id = ?1"},
        {SQ_OPERATION_LINKS_CLEAR_AREAS, "DELETE FROM operation_areas WHERE operation_id = ?1"},
    };
    sqlite3_stmt *unit = store_sq_stmt(
        s, SQ_OPERATION_UNIT_ADD,
        "INSERT INTO operation_units (operation_id, unit_id, role, pos) VALUES (?1, ?2, ?3, ?4) "
        "ON CONFLICT DO NOTHING");
    sqlite3_stmt *person = store_sq_stmt(s, SQ_OPERATION_PERSON_ADD,
                                         "INSERT INTO operation_people (operation_id, person_id) "
                                         "VALUES (?1, ?2) ON CONFLICT DO NOTHING");
    sqlite3_stmt *asset = store_sq_stmt(s, SQ_OPERATION_ASSET_ADD,
                                        "INSERT INTO operation_assets (operation_id, asset_id) "
                                        "VALUES (?1, ?2) ON CONFLICT DO NOTHING");
    sqlite3_stmt *area = store_sq_stmt(s, SQ_OPERATION_AREA_ADD,
                                       "INSERT INTO operation_areas (operation_id, area_id) "
                                       "VALUES (?1, ?2) ON CONFLICT DO NOTHING");
    ph_err rc = PH_OK;
    int pos = 1;

    if (unit == NULL || person == NULL || asset == NULL || area == NULL)
        return PH_ESTORE;
    for (size_t i = 0; clear && rc == PH_OK && i < PH_NELEM(clears); i++) {
        sqlite3_stmt *c = store_sq_stmt(s, clears[i].id, clears[i].sql);
        rc = c == NULL ? PH_ESTORE
                       : store_sq_write(s, c, sqlite3_bind_int64(c, 1, id), "clear operation links",
                                        NULL);
    }
    if (rc == PH_OK)
        rc = store_sq_write(s, unit,
                            sqlite3_bind_int64(unit, 1, id) |
                                sqlite3_bind_int64(unit, 2, o->owner_unit_id) |
                                store_sq_bind_text(unit, 3, "lead") | sqlite3_bind_int(unit, 4, 0),
                            "add operation unit", NULL);
    for (size_t i = 0; rc == PH_OK && i < o->n_units; i++) {
        if (o->unit_ids[i] == o->owner_unit_id)
            continue;
        rc = store_sq_write(s, unit,
                            sqlite3_bind_int64(unit, 1, id) |
                                sqlite3_bind_int64(unit, 2, o->unit_ids[i]) |
                                store_sq_bind_text(unit, 3, "participant") |
                                sqlite3_bind_int(unit, 4, pos++),
                            "add operation unit", NULL);
    }
    for (size_t i = 0; rc == PH_OK && i < o->n_people; i++)
        rc = add_link(s, person, id, o->people_ids[i], "add operation person");
    for (size_t i = 0; rc == PH_OK && i < o->n_assets; i++)
        rc = add_link(s, asset, id, o->asset_ids[i], "add operation asset");
    for (size_t i = 0; rc == PH_OK && i < o->n_areas; i++)
        rc = add_link(s, area, id, o->area_ids[i], "add operation area");
    return rc;
}

ph_err store_sq_operation_insert(struct store *st, const struct operation *o,
                                 const char *title_folded, int64_t *id)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_OPERATION_INSERT,
        "INSERT INTO operations (kind, domain, title, title_folded, description, campaign_id, "
        "geometry_kind, geometry, min_lat, min_lon, max_lat, max_lon, planned_start, planned_end, "
        "started_at, ended_at, owner_unit_id, commander_id, classification, status, "
        "cancel_reason, is_joint, created_by, version, created_at, updated_at) "
        "VALUES (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, "
        "?20, ?21, ?22, ?23, ?24, 1, ?25, ?26)");
    int64_t new_id = 0;
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    if ((rc = store_sq_op_begin(s)) != PH_OK)
        return rc;
    rc = store_sq_insert(s, stmt,
                         bind_operation(stmt, o, title_folded) |
                             sqlite3_bind_int64(stmt, 24, o->created_by) |
                             store_sq_bind_created(stmt, 25, o->created_at, o->updated_at),
                         "insert operation", &new_id);
    if (rc == PH_OK)
        rc = write_links(s, new_id, o, false);
    rc = store_sq_op_end(s, rc);
    if (rc == PH_OK)
        *id = new_id;
    return rc;
}

ph_err store_sq_operation_update(struct store *st, const struct operation *o,
                                 const char *title_folded, bool links)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_OPERATION_UPDATE,
        "UPDATE operations SET kind = ?2, domain = ?3, title = ?4, title_folded = ?5, "
        "description = ?6, campaign_id = ?7, geometry_kind = ?8, geometry = ?9, min_lat = ?10, "
        "min_lon = ?11, max_lat = ?12, max_lon = ?13, planned_start = ?14, planned_end = ?15, "
        "started_at = ?16, ended_at = ?17, owner_unit_id = ?18, commander_id = ?19, "
        "classification = ?20, status = ?21, cancel_reason = ?22, is_joint = ?23, "
        "updated_at = ?24, version = version + 1 WHERE id = ?1 AND (?25 = 0 OR version = ?25)");
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    if ((rc = store_sq_op_begin(s)) != PH_OK)
        return rc;
    rc = store_sq_update_versioned(
        s, stmt,
        sqlite3_bind_int64(stmt, 1, o->id) | bind_operation(stmt, o, title_folded) |
            sqlite3_bind_int64(stmt, 24, store_time_or_now(o->updated_at)) |
            sqlite3_bind_int64(stmt, 25, o->version),
        "update operation", SQ_OPERATION_EXISTS, SQL_OPERATION_EXISTS, o->id);
    if (rc == PH_OK && links)
        rc = write_links(s, o->id, o, true);
    return store_sq_op_end(s, rc);
}

/* ---- reads --------------------------------------------------------------- */

ph_err store_sq_operation_get(struct store *st, struct arena *ar, int64_t id,
                              struct operation *out)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_OPERATION_GET,
        "SELECT " OP_COLS " FROM operations AS o" OP_JOINS " WHERE o.id = ?1");
    struct operation o;
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    rc = store_sq_get(s, ar, stmt, sqlite3_bind_int64(stmt, 1, id), "get operation",
                      read_operation, &o);
    if (rc == PH_OK)
        rc = fill_units(s, ar, &o, 1);
    if (rc == PH_OK)
        *out = o;
    return rc;
}

/* The path of unit id into *path (in ar); PH_ENOTFOUND when there is none. */
static ph_err unit_path(struct store_sq *s, struct arena *ar, int64_t id, const char **path)
{
    sqlite3_stmt *stmt =
        store_sq_stmt(s, SQ_OPERATION_UNIT_PATH, "SELECT path FROM units WHERE id = ?1");

    if (stmt == NULL)
        return PH_ESTORE;
    return store_sq_get(s, ar, stmt, sqlite3_bind_int64(stmt, 1, id), "unit path", read_text_0,
                        path);
}

ph_err store_sq_operation_list(struct store *st, struct arena *ar, const struct operation_filter *f,
                               struct operation **items, size_t *n, bool *has_more)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_OPERATION_LIST,
        "SELECT " OP_COLS " FROM operations AS o" OP_JOINS " "
        "WHERE (:before = 0 OR o.id < :before) AND (:from = 0 OR o.planned_end > :from) "
        "AND (:to = 0 OR o.planned_start < :to) AND (:kind IS NULL OR o.kind = :kind) "
        "AND (:status IS NULL OR o.status = :status) AND (:domain IS NULL OR o.domain = :domain) "
        "AND (:joint = 0 OR o.is_joint = 1) "
        "AND (:person = 0 OR EXISTS (SELECT 1 FROM operation_people AS pp "
        "WHERE pp.operation_id = o.id AND pp.person_id = :person)) "
        "AND (:q IS NULL OR o.title_folded LIKE '%' || :q || '%' ESCAPE '\\') "
        "AND " IN_RANGE("unit") " AND " SCOPE_EXPR " ORDER BY o.id DESC LIMIT :limit");
    int limit = store_list_limit(f->limit);
    const char *unit = NULL;
    void *list = NULL;
    ph_err rc;
    int e;

    if (stmt == NULL)
        return PH_ESTORE;
    if (f->unit_id != 0) {
        rc = unit_path(s, ar, f->unit_id, &unit);
        if (rc == PH_ENOTFOUND) { /* no such unit: nothing it takes part in */
            *items = NULL;
            *n = 0;
            *has_more = false;
            return PH_OK;
        }
        if (rc != PH_OK)
            return rc;
    }
    e = store_sq_bind_named_i64(stmt, ":before", f->before_id) | store_sq_bind_named_i64(stmt, ":from", f->from) |
        store_sq_bind_named_i64(stmt, ":to", f->to) | store_sq_bind_named_text(stmt, ":kind", f->kind) |
        store_sq_bind_named_text(stmt, ":status", f->status) | store_sq_bind_named_text(stmt, ":domain", f->domain) |
        store_sq_bind_named_i64(stmt, ":joint", f->joint_only) | store_sq_bind_named_i64(stmt, ":person", f->person_id) |
        store_sq_bind_named_text(stmt, ":q", store_like_escape(ar, f->q)) |
        store_sq_bind_named_range(ar, stmt, ":unit_lo", ":unit_hi", unit) |
        store_sq_bind_named_i64(stmt, ":clearance", f->scope_clearance) |
        store_sq_bind_named_range(ar, stmt, ":scope_lo", ":scope_hi", f->scope_unit_path) |
        store_sq_bind_named_i64(stmt, ":limit", limit + 1);
    rc = store_sq_rows(s, ar, stmt, e, "list operations", sizeof(**items), limit, read_operation,
                       &list, n, has_more);
    if (rc == PH_OK)
        rc = fill_units(s, ar, list, *n);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

/* An operation's time, for conflicts: from its planned start (or its actual
 * start when earlier) to its planned end, and while active at least until now. */
#define CONFLICT_WHERE                                                                             \
    "o.id <> ?2 AND (o.status = 'planned' OR o.status = 'active') "                               \
    "AND min(o.planned_start, CASE WHEN o.started_at > 0 THEN o.started_at "                       \
    "ELSE o.planned_start END) < ?4 "                                                              \
    "AND ?3 < CASE WHEN o.status = 'active' THEN max(o.planned_end, ?5) ELSE o.planned_end END "   \
    "ORDER BY o.id LIMIT 1"

ph_err store_sq_operation_conflict(struct store *st, bool is_assets, const int64_t *ids, size_t n,
                                   int64_t exclude_id, int64_t start, int64_t end, int64_t now,
                                   int64_t *which, int64_t *operation_id)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt =
        is_assets
            ? store_sq_stmt(s, SQ_OPERATION_ASSET_CONFLICT,
                            "SELECT o.id FROM operation_assets AS l JOIN operations AS o "
                            "ON o.id = l.operation_id WHERE l.asset_id = ?1 AND " CONFLICT_WHERE)
            : store_sq_stmt(s, SQ_OPERATION_PERSON_CONFLICT,
                            "SELECT o.id FROM operation_people AS l JOIN operations AS o "
                            "ON o.id = l.operation_id WHERE l.person_id = ?1 AND " CONFLICT_WHERE);
    ph_err rc = PH_OK;

    if (stmt == NULL)
        return PH_ESTORE;
    *which = 0;
    *operation_id = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t other = 0;
        rc = store_sq_get(s, NULL, stmt,
                          sqlite3_bind_int64(stmt, 1, ids[i]) |
                              sqlite3_bind_int64(stmt, 2, exclude_id) |
                              sqlite3_bind_int64(stmt, 3, start) |
                              sqlite3_bind_int64(stmt, 4, end) | sqlite3_bind_int64(stmt, 5, now),
                          "operation conflict", read_i64_0, &other);
        if (rc == PH_ENOTFOUND)
            continue;
        if (rc != PH_OK)
            return rc;
        *which = ids[i];
        *operation_id = other;
        return PH_OK;
    }
    return PH_OK;
}

/* ---- the results log ----------------------------------------------------- */

#define LOG_COLS                                                                                   \
    "l.id, l.operation_id, l.at, l.person_id, l.lat, l.lon, l.text, l.people_checked, "           \
    "l.vehicles_checked, l.vessels_checked, l.violations, l.items_seized, l.incident_id, "         \
    "l.created_at, p.full_name"
#define LOG_JOINS " LEFT JOIN people AS p ON p.id = l.person_id"

static void read_log(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    struct operation_log_entry *out = row;

    memset(out, 0, sizeof(*out));
    out->id = sqlite3_column_int64(stmt, 0);
    out->operation_id = sqlite3_column_int64(stmt, 1);
    out->at = sqlite3_column_int64(stmt, 2);
    out->person_id = sqlite3_column_int64(stmt, 3);
    out->has_location = sqlite3_column_type(stmt, 4) != SQLITE_NULL;
    if (out->has_location) {
        out->lat = sqlite3_column_double(stmt, 4);
        out->lon = sqlite3_column_double(stmt, 5);
    }
    out->text = store_sq_col_text(ar, stmt, 6);
    out->people_checked = sqlite3_column_int(stmt, 7);
    out->vehicles_checked = sqlite3_column_int(stmt, 8);
    out->vessels_checked = sqlite3_column_int(stmt, 9);
    out->violations = sqlite3_column_int(stmt, 10);
    out->items_seized = store_sq_col_text(ar, stmt, 11);
    out->incident_id = sqlite3_column_int64(stmt, 12);
    out->created_at = sqlite3_column_int64(stmt, 13);
    out->person_name = store_sq_col_text(ar, stmt, 14);
}

ph_err store_sq_operation_log_insert(struct store *st, const struct operation_log_entry *e,
                                     int64_t *id)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_OPERATION_LOG_INSERT,
        "INSERT INTO operation_log (operation_id, at, person_id, lat, lon, text, people_checked, "
        "vehicles_checked, vessels_checked, violations, items_seized, incident_id, created_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
    int loc;

    if (stmt == NULL)
        return PH_ESTORE;
    loc = e->has_location ? sqlite3_bind_double(stmt, 4, e->lat) |
                                sqlite3_bind_double(stmt, 5, e->lon)
                          : sqlite3_bind_null(stmt, 4) | sqlite3_bind_null(stmt, 5);
    return store_sq_insert(
        s, stmt,
        sqlite3_bind_int64(stmt, 1, e->operation_id) | sqlite3_bind_int64(stmt, 2, e->at) |
            sqlite3_bind_int64(stmt, 3, e->person_id) | loc | store_sq_bind_text(stmt, 6, e->text) |
            sqlite3_bind_int(stmt, 7, e->people_checked) |
            sqlite3_bind_int(stmt, 8, e->vehicles_checked) |
            sqlite3_bind_int(stmt, 9, e->vessels_checked) |
            sqlite3_bind_int(stmt, 10, e->violations) |
            store_sq_bind_text(stmt, 11, e->items_seized) |
            store_sq_bind_id(stmt, 12, e->incident_id) |
            sqlite3_bind_int64(stmt, 13, store_time_or_now(e->created_at)),
        "insert operation log entry", id);
}

ph_err store_sq_operation_log_get(struct store *st, struct arena *ar, int64_t id,
                                  struct operation_log_entry *out)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_OPERATION_LOG_GET,
        "SELECT " LOG_COLS " FROM operation_log AS l" LOG_JOINS " WHERE l.id = ?1");

    if (stmt == NULL)
        return PH_ESTORE;
    return store_sq_get(s, ar, stmt, sqlite3_bind_int64(stmt, 1, id), "get operation log entry",
                        read_log, out);
}

ph_err store_sq_operation_log_list(struct store *st, struct arena *ar, int64_t operation_id,
                                   int64_t after_id, int limit, struct operation_log_entry **items,
                                   size_t *n, bool *has_more)
{
    struct store_sq *s = store_sq_of(st);
    /* (at, id) order: the index on (operation_id, at) walks it; the cursor is the
     * last entry's id, whose time the subquery looks up. */
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_OPERATION_LOG_LIST,
        "SELECT " LOG_COLS " FROM operation_log AS l" LOG_JOINS " WHERE l.operation_id = ?1 "
        "AND (?2 = 0 OR (l.at, l.id) > ((SELECT at FROM operation_log WHERE id = ?2), ?2)) "
        "ORDER BY l.at, l.id LIMIT ?3");
    int lim = store_list_limit(limit);
    void *list = NULL;
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    rc = store_sq_rows(s, ar, stmt,
                       sqlite3_bind_int64(stmt, 1, operation_id) |
                           sqlite3_bind_int64(stmt, 2, after_id) |
                           sqlite3_bind_int(stmt, 3, lim + 1),
                       "list operation log", sizeof(**items), lim, read_log, &list, n, has_more);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

static void read_summary(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    struct operation_summary *out = row;

    memset(out, 0, sizeof(*out));
    out->entries = sqlite3_column_int64(stmt, 0);
    out->people_checked = sqlite3_column_int64(stmt, 1);
    out->vehicles_checked = sqlite3_column_int64(stmt, 2);
    out->vessels_checked = sqlite3_column_int64(stmt, 3);
    out->violations = sqlite3_column_int64(stmt, 4);
    out->incidents = sqlite3_column_int64(stmt, 5);
}

ph_err store_sq_operation_summary(struct store *st, int64_t operation_id,
                                  struct operation_summary *out)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_OPERATION_SUMMARY,
        "SELECT count(*), coalesce(sum(people_checked), 0), coalesce(sum(vehicles_checked), 0), "
        "coalesce(sum(vessels_checked), 0), coalesce(sum(violations), 0), count(incident_id) "
        "FROM operation_log WHERE operation_id = ?1");

    if (stmt == NULL)
        return PH_ESTORE;
    return store_sq_get(s, NULL, stmt, sqlite3_bind_int64(stmt, 1, operation_id),
                        "operation summary", read_summary, out);
}

/* ---- coverage ------------------------------------------------------------ */

static void read_coverage(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    struct store_coverage_row *out = row;

    out->operation_id = sqlite3_column_int64(stmt, 0);
    out->area_id = sqlite3_column_int64(stmt, 1);
    out->started_at = sqlite3_column_int64(stmt, 2);
    out->ended_at = sqlite3_column_int64(stmt, 3);
    out->forces = store_sq_col_text(ar, stmt, 4);
}

ph_err store_sq_operation_coverage_rows(struct store *st, struct arena *ar,
                                        const struct coverage_query *q,
                                        const struct incident_scope *scope,
                                        struct store_coverage_row **items, size_t *n)
{
    struct store_sq *s = store_sq_of(st);
    /* An operation's areas are the deepest ones its geometry touched; it covers
     * those and every area above them (areas are at most three levels deep), so
     * the areas of the level asked for are found among the two parents. */
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_OPERATION_COVERAGE,
        "SELECT o.id, x.id, o.started_at, o.ended_at, "
        "(SELECT group_concat(force, ' ') FROM (SELECT DISTINCT fu.force FROM operation_units "
        "AS fr JOIN units AS fu ON fu.id = fr.unit_id WHERE fr.operation_id = o.id)) "
        "FROM operations AS o JOIN operation_areas AS oa ON oa.operation_id = o.id "
        "JOIN areas AS a0 ON a0.id = oa.area_id LEFT JOIN areas AS a1 ON a1.id = a0.parent_id "
        "LEFT JOIN areas AS a2 ON a2.id = a1.parent_id "
        "JOIN areas AS x ON (x.id = a0.id OR x.id = a1.id OR x.id = a2.id) "
        "WHERE (o.status = 'active' OR o.status = 'completed') AND o.started_at > 0 "
        "AND o.started_at < :to AND (o.ended_at = 0 OR o.ended_at > :from) "
        "AND x.level = :level AND (:kind IS NULL OR x.kind = :kind) "
        "AND (:force IS NULL OR EXISTS (SELECT 1 FROM operation_units AS gr JOIN units AS gu "
        "ON gu.id = gr.unit_id WHERE gr.operation_id = o.id AND gu.force = :force)) "
        "AND " SCOPE_EXPR " GROUP BY x.id, o.id ORDER BY x.id, o.id");
    void *list = NULL;
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    rc = store_sq_rows(
        s, ar, stmt,
        store_sq_bind_named_i64(stmt, ":from", q->from) | store_sq_bind_named_i64(stmt, ":to", q->to) |
            store_sq_bind_named_text(stmt, ":level", q->area_level) | store_sq_bind_named_text(stmt, ":kind", q->area_kind) |
            store_sq_bind_named_text(stmt, ":force", q->force) |
            store_sq_bind_scope(ar, stmt, scope),
        "coverage rows", sizeof(**items), 0, read_coverage, &list, n, NULL);
    if (rc == PH_OK)
        *items = list;
    return rc;
}
