/* sqlite_hotspots.c - the SQLite backend's hot spots (core/hotspot.h, migration
 * 011): the stream of located incidents an analysis reads, and hotspot records
 * with their responsible units, incidents and notes.
 *
 * The incident stream steps one prepared statement and hands each row to the
 * caller as it comes, so that an analysis over a million incidents holds one row
 * at a time, never the list (its memory is the grid's). It applies the same
 * access rule as incident lists (STORE_SQ_INCIDENT_SCOPE in sqlite_int.h: the
 * classification, and with a unit range some recipient inside it) and leaves
 * out exercises, tests and merged duplicates, as the incident counts do. The
 * optional filters are "(:x IS NULL OR ...)" terms of one cached statement: the
 * time range on incidents_occurred_at drives whatever else is given.
 *
 * A record's access is that of an item sent to its responsible units
 * (hotspot_units): lists test that some responsible unit lies inside the
 * caller's unit range, as incident lists test recipients. */
#include "util/base.h"
#include <inttypes.h>
#include "store/sqlite_int.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/log.h"

/* ---- the incident stream ------------------------------------------------------------ */

/* The category ids as a JSON array for json_each (NULL: no filter). */
static char *ids_json(struct arena *ar, const int64_t *ids, size_t n)
{
    size_t cap = 2 + n * 21;
    char *s, *p;

    if (n == 0)
        return NULL;
    s = arena_alloc(ar, cap);
    p = s;
    *p++ = '[';
    for (size_t i = 0; i < n; i++)
        p += snprintf(p, cap - (size_t)(p - s), "%s%" PRId64, i > 0 ? "," : "", ids[i]);
    snprintf(p, cap - (size_t)(p - s), "]");
    return s;
}

ph_err store_sq_incident_points(struct store *st, const struct store_point_query *q,
                                const struct incident_scope *scope,
                                void (*on_point)(void *ctx, const struct store_incident_point *p),
                                void *ctx)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_INCIDENT_POINTS,
        "SELECT i.id, i.lat, i.lon, i.occurred_at, i.severity, i.classification, i.category_id "
        "FROM incidents AS i WHERE i.occurred_at >= :since AND i.occurred_at < :until "
        "AND i.lat IS NOT NULL AND i.cap_status = 'actual' AND i.status <> 'merged' "
        "AND (:cats IS NULL OR i.category_id IN (SELECT value FROM json_each(:cats))) "
        "AND (:force IS NULL OR i.lead_unit_id IN (SELECT id FROM units WHERE force = :force)) "
        "AND (:area = 0 OR i.area_id IN (WITH RECURSIVE sub (id) AS (SELECT :area UNION "
        "SELECT a.id FROM areas AS a JOIN sub ON a.parent_id = sub.id) SELECT id FROM sub)) "
        "AND " STORE_SQ_INCIDENT_SCOPE);
    struct arena ar;
    ph_err rc = PH_OK;
    int e;

    if (stmt == NULL)
        return PH_ESTORE;
    arena_init(&ar);
    e = store_sq_bind_named_i64(stmt, ":since", q->since) |
        store_sq_bind_named_i64(stmt, ":until", q->until) |
        store_sq_bind_named_text(stmt, ":cats", ids_json(&ar, q->category_ids, q->n_categories)) |
        store_sq_bind_named_text(stmt, ":force", q->force) |
        store_sq_bind_named_i64(stmt, ":area", q->area_id) | store_sq_bind_scope(&ar, stmt, scope);
    if (e != SQLITE_OK) {
        rc = store_sq_fail(s, e, "bind incident points");
        goto out;
    }
    while ((e = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct store_incident_point p = {
            .id = sqlite3_column_int64(stmt, 0),
            .lat = sqlite3_column_double(stmt, 1),
            .lon = sqlite3_column_double(stmt, 2),
            .occurred_at = sqlite3_column_int64(stmt, 3),
            .severity = sqlite3_column_int(stmt, 4),
            .classification = sqlite3_column_int(stmt, 5),
            .category_id = sqlite3_column_int64(stmt, 6),
        };
        on_point(ctx, &p);
    }
    if (e != SQLITE_DONE)
        rc = store_sq_fail(s, e, "incident points");
out:
    store_sq_done(stmt);
    arena_release(&ar);
    return rc;
}

/* ---- records ------------------------------------------------------------------------ */

/* The columns of struct store_hotspot, the joined ones last. Unit ids and paths
 * come space-separated in the same (unit id) order. */
#define HOTSPOT_COLS HOTSPOT_COLS_COUNT("h.incident_count")
/* In lists, the incident count is of the incidents the reader may see (bound as
 * :clearance, :scope_lo, :scope_hi: the incident lists' rule), so that a count
 * does not tell of classified incidents. */
#define VISIBLE_INCIDENT_COUNT                                                                     \
    "(SELECT count(*) FROM hotspot_incidents AS vi JOIN incidents AS i ON i.id = vi.incident_id " \
    "WHERE vi.hotspot_id = h.id AND i.classification <= :clearance AND (:scope_lo IS NULL "       \
    "OR EXISTS (SELECT 1 FROM incident_recipients AS vr JOIN units AS vu ON vu.id = vr.unit_id "   \
    "WHERE vr.incident_id = i.id AND vu.path >= :scope_lo AND vu.path < :scope_hi)))"
#define HOTSPOT_COLS_COUNT(count)                                                                  \
    "h.id, h.version, h.status, h.trend, h.area_id, a.name, h.categories, h.lat, h.lon, h.z, "     \
    "h.p, h.cell_m, h.n_cells, h.cells_geojson, " count ", h.classification, "                     \
    "h.window_from, h.window_to, h.detected_at, h.updated_at, h.cells, "                           \
    "(SELECT group_concat(id, ' ') FROM (SELECT hu.unit_id AS id FROM hotspot_units AS hu "        \
    "WHERE hu.hotspot_id = h.id ORDER BY hu.unit_id)), "                                           \
    "(SELECT group_concat(path, ' ') FROM (SELECT u.path AS path FROM hotspot_units AS hu "        \
    "JOIN units AS u ON u.id = hu.unit_id WHERE hu.hotspot_id = h.id ORDER BY hu.unit_id))"
#define HOTSPOT_FROM " FROM hotspots AS h LEFT JOIN areas AS a ON a.id = h.area_id"

static void read_hotspot(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    struct store_hotspot *out = row;
    struct hotspot *h = &out->h;
    size_t n_ids = 0, n_paths = 0;

    memset(out, 0, sizeof(*out));
    h->id = sqlite3_column_int64(stmt, 0);
    h->version = sqlite3_column_int64(stmt, 1);
    h->status = store_sq_col_text(ar, stmt, 2);
    h->trend = store_sq_col_text(ar, stmt, 3);
    h->area_id = sqlite3_column_int64(stmt, 4);
    h->area_name = store_sq_col_text(ar, stmt, 5);
    h->categories = store_sq_col_text(ar, stmt, 6);
    h->lat = sqlite3_column_double(stmt, 7);
    h->lon = sqlite3_column_double(stmt, 8);
    h->z = sqlite3_column_double(stmt, 9);
    h->p = sqlite3_column_double(stmt, 10);
    h->cell_m = sqlite3_column_double(stmt, 11);
    h->n_cells = sqlite3_column_int(stmt, 12);
    h->cells_geojson = store_sq_col_text(ar, stmt, 13);
    h->incident_count = sqlite3_column_int(stmt, 14);
    h->classification = sqlite3_column_int(stmt, 15);
    h->window_from = sqlite3_column_int64(stmt, 16);
    h->window_to = sqlite3_column_int64(stmt, 17);
    h->detected_at = sqlite3_column_int64(stmt, 18);
    h->updated_at = sqlite3_column_int64(stmt, 19);
    out->cells = store_sq_col_text(ar, stmt, 20);
    out->unit_ids = store_split_ids(ar, (const char *)sqlite3_column_text(stmt, 21), &n_ids);
    out->unit_paths =
        store_split_words(ar, (const char *)sqlite3_column_text(stmt, 22), &n_paths);
    out->n_units = n_ids < n_paths ? n_ids : n_paths;
}

ph_err store_sq_hotspot_insert(struct store *st, const struct store_hotspot *sh, int64_t *id)
{
    struct store_sq *s = store_sq_of(st);
    const struct hotspot *h = &sh->h;
    sqlite3_stmt *ins = store_sq_stmt(
        s, SQ_HOTSPOT_INSERT,
        "INSERT INTO hotspots (status, trend, area_id, categories, lat, lon, z, p, cell_m, "
        "n_cells, cells_geojson, cells, incident_count, classification, window_from, window_to, "
        "detected_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
        "?14, ?15, ?16, ?17, ?18)");
    sqlite3_stmt *add_u = store_sq_stmt(
        s, SQ_HOTSPOT_UNIT_ADD,
        "INSERT OR IGNORE INTO hotspot_units (hotspot_id, unit_id) VALUES (?1, ?2)");
    sqlite3_stmt *add_i = store_sq_stmt(
        s, SQ_HOTSPOT_INCIDENT_ADD,
        "INSERT OR IGNORE INTO hotspot_incidents (hotspot_id, incident_id) VALUES (?1, ?2)");
    int64_t new_id = 0, detected = store_time_or_now(h->detected_at);
    ph_err rc;
    int e;

    if (ins == NULL || add_u == NULL || add_i == NULL)
        return PH_ESTORE;
    if ((rc = store_sq_op_begin(s)) != PH_OK)
        return rc;
    e = store_sq_bind_text(ins, 1, h->status) | store_sq_bind_text(ins, 2, h->trend) |
        store_sq_bind_id(ins, 3, h->area_id) |
        store_sq_bind_text(ins, 4, h->categories != NULL ? h->categories : "") |
        sqlite3_bind_double(ins, 5, h->lat) | sqlite3_bind_double(ins, 6, h->lon) |
        sqlite3_bind_double(ins, 7, h->z) | sqlite3_bind_double(ins, 8, h->p) |
        sqlite3_bind_double(ins, 9, h->cell_m) | sqlite3_bind_int(ins, 10, h->n_cells) |
        store_sq_bind_text(ins, 11, h->cells_geojson) | store_sq_bind_text(ins, 12, sh->cells) |
        sqlite3_bind_int(ins, 13, h->incident_count) |
        sqlite3_bind_int(ins, 14, h->classification) |
        sqlite3_bind_int64(ins, 15, h->window_from) | sqlite3_bind_int64(ins, 16, h->window_to) |
        sqlite3_bind_int64(ins, 17, detected) |
        sqlite3_bind_int64(ins, 18, h->updated_at != 0 ? h->updated_at : detected);
    rc = store_sq_insert(s, ins, e, "insert hotspot", &new_id);
    for (size_t i = 0; rc == PH_OK && i < sh->n_units; i++)
        rc = store_sq_write(s, add_u,
                            sqlite3_bind_int64(add_u, 1, new_id) |
                                sqlite3_bind_int64(add_u, 2, sh->unit_ids[i]),
                            "add hotspot unit", NULL);
    for (size_t i = 0; rc == PH_OK && i < h->n_incidents; i++)
        rc = store_sq_write(s, add_i,
                            sqlite3_bind_int64(add_i, 1, new_id) |
                                sqlite3_bind_int64(add_i, 2, h->incident_ids[i]),
                            "add hotspot incident", NULL);
    rc = store_sq_op_end(s, rc);
    if (rc == PH_OK)
        *id = new_id;
    return rc;
}

static void read_i64(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    (void)ar;
    *(int64_t *)row = sqlite3_column_int64(stmt, 0);
}

ph_err store_sq_hotspot_get(struct store *st, struct arena *ar, int64_t id, bool with_incidents,
                            struct store_hotspot *out)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(s, SQ_HOTSPOT_GET,
                                       "SELECT " HOTSPOT_COLS HOTSPOT_FROM " WHERE h.id = ?1");
    struct store_hotspot sh;
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    rc = store_sq_get(s, ar, stmt, sqlite3_bind_int64(stmt, 1, id), "get hotspot", read_hotspot,
                      &sh);
    if (rc == PH_OK && with_incidents) {
        sqlite3_stmt *inc = store_sq_stmt(s, SQ_HOTSPOT_INCIDENTS,
                                          "SELECT incident_id FROM hotspot_incidents "
                                          "WHERE hotspot_id = ?1 ORDER BY incident_id");
        void *ids = NULL;
        if (inc == NULL)
            return PH_ESTORE;
        rc = store_sq_rows(s, ar, inc, sqlite3_bind_int64(inc, 1, id), "hotspot incidents",
                           sizeof(int64_t), 0, read_i64, &ids, &sh.h.n_incidents, NULL);
        /* An empty list is still a list: incident_ids is set when asked for. */
        sh.h.incident_ids = ids != NULL ? ids : arena_alloc(ar, sizeof(int64_t));
    }
    if (rc == PH_OK)
        *out = sh;
    return rc;
}

ph_err store_sq_hotspot_list(struct store *st, struct arena *ar, const struct hotspot_filter *f,
                             const char *unit_path, const struct incident_scope *scope,
                             struct store_hotspot **items, size_t *n, bool *has_more)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_HOTSPOT_LIST,
        "SELECT " HOTSPOT_COLS_COUNT(VISIBLE_INCIDENT_COUNT) HOTSPOT_FROM
        " WHERE (:before = 0 OR h.id < :before) "
        "AND (:status IS NULL OR h.status = :status) "
        "AND (:area = 0 OR h.area_id IN (WITH RECURSIVE sub (id) AS (SELECT :area UNION "
        "SELECT c.id FROM areas AS c JOIN sub ON c.parent_id = sub.id) SELECT id FROM sub)) "
        "AND (:from = 0 OR h.detected_at >= :from) AND (:to = 0 OR h.detected_at < :to) "
        "AND (:unit_lo IS NULL OR EXISTS (SELECT 1 FROM hotspot_units AS fu JOIN units AS uu "
        "ON uu.id = fu.unit_id WHERE fu.hotspot_id = h.id AND uu.path >= :unit_lo "
        "AND uu.path < :unit_hi)) "
        "AND h.classification <= :clearance AND (:scope_lo IS NULL OR EXISTS (SELECT 1 "
        "FROM hotspot_units AS su JOIN units AS us ON us.id = su.unit_id "
        "WHERE su.hotspot_id = h.id AND us.path >= :scope_lo AND us.path < :scope_hi)) "
        "ORDER BY h.id DESC LIMIT :limit");
    int limit = store_list_limit(f->limit);
    void *list = NULL;
    ph_err rc;
    int e;

    if (stmt == NULL)
        return PH_ESTORE;
    e = store_sq_bind_named_i64(stmt, ":before", f->before_id > 0 ? f->before_id : 0) |
        store_sq_bind_named_text(stmt, ":status", f->status) |
        store_sq_bind_named_i64(stmt, ":area", f->area_id) |
        store_sq_bind_named_i64(stmt, ":from", f->from) |
        store_sq_bind_named_i64(stmt, ":to", f->to) |
        store_sq_bind_named_range(ar, stmt, ":unit_lo", ":unit_hi", unit_path) |
        store_sq_bind_scope(ar, stmt, scope) | store_sq_bind_named_i64(stmt, ":limit", limit + 1);
    rc = store_sq_rows(s, ar, stmt, e, "list hotspots", sizeof(**items), limit, read_hotspot,
                       &list, n, has_more);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

ph_err store_sq_hotspot_open(struct store *st, struct arena *ar, struct store_hotspot **items,
                             size_t *n)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(s, SQ_HOTSPOT_OPEN,
                                       "SELECT " HOTSPOT_COLS HOTSPOT_FROM
                                       " WHERE h.status IN ('watch', 'confirmed') ORDER BY h.id");
    void *list = NULL;
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    rc = store_sq_rows(s, ar, stmt, SQLITE_OK, "open hotspots", sizeof(**items), 0, read_hotspot,
                       &list, n, NULL);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

#define SQL_HOTSPOT_EXISTS "SELECT 1 FROM hotspots WHERE id = ?1"

ph_err store_sq_hotspot_set_status(struct store *st, int64_t id, int64_t version,
                                   const char *status, int64_t updated_at)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_HOTSPOT_SET_STATUS,
        "UPDATE hotspots SET status = ?2, updated_at = ?3, version = version + 1 "
        "WHERE id = ?1 AND (?4 = 0 OR version = ?4)");

    if (stmt == NULL)
        return PH_ESTORE;
    return store_sq_update_versioned(
        s, stmt,
        sqlite3_bind_int64(stmt, 1, id) | store_sq_bind_text(stmt, 2, status) |
            sqlite3_bind_int64(stmt, 3, store_time_or_now(updated_at)) |
            sqlite3_bind_int64(stmt, 4, version),
        "set hotspot status", SQ_HOTSPOT_EXISTS, SQL_HOTSPOT_EXISTS, id);
}

ph_err store_sq_hotspot_note_insert(struct store *st, const struct hotspot_note *note, int64_t *id)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_HOTSPOT_NOTE_INSERT,
        "INSERT INTO hotspot_notes (hotspot_id, person_id, at, status_from, status_to, text) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");

    if (stmt == NULL)
        return PH_ESTORE;
    return store_sq_insert(s, stmt,
                           sqlite3_bind_int64(stmt, 1, note->hotspot_id) |
                               sqlite3_bind_int64(stmt, 2, note->person_id) |
                               sqlite3_bind_int64(stmt, 3, store_time_or_now(note->at)) |
                               store_sq_bind_text(stmt, 4, note->status_from) |
                               store_sq_bind_text(stmt, 5, note->status_to) |
                               store_sq_bind_text(stmt, 6, note->text),
                           "insert hotspot note", id);
}

static void read_note(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    struct hotspot_note *n = row;

    memset(n, 0, sizeof(*n));
    n->id = sqlite3_column_int64(stmt, 0);
    n->hotspot_id = sqlite3_column_int64(stmt, 1);
    n->person_id = sqlite3_column_int64(stmt, 2);
    n->at = sqlite3_column_int64(stmt, 3);
    n->status_from = store_sq_col_text(ar, stmt, 4);
    n->status_to = store_sq_col_text(ar, stmt, 5);
    n->text = store_sq_col_text(ar, stmt, 6);
    n->person_name = store_sq_col_text(ar, stmt, 7);
}

ph_err store_sq_hotspot_notes(struct store *st, struct arena *ar, int64_t hotspot_id,
                              struct hotspot_note **items, size_t *n)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_HOTSPOT_NOTES,
        "SELECT n.id, n.hotspot_id, n.person_id, n.at, n.status_from, n.status_to, n.text, "
        "p.full_name FROM hotspot_notes AS n LEFT JOIN people AS p ON p.id = n.person_id "
        "WHERE n.hotspot_id = ?1 ORDER BY n.id");
    void *list = NULL;
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    rc = store_sq_rows(s, ar, stmt, sqlite3_bind_int64(stmt, 1, hotspot_id), "hotspot notes",
                       sizeof(**items), 0, read_note, &list, n, NULL);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

ph_err store_sq_hotspot_incidents_visible(struct store *st, struct arena *ar, int64_t hotspot_id,
                                          const struct incident_scope *scope, int64_t **ids,
                                          size_t *n)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_HOTSPOT_INCIDENTS_VISIBLE,
        "SELECT i.id FROM hotspot_incidents AS hi JOIN incidents AS i ON i.id = hi.incident_id "
        "WHERE hi.hotspot_id = :id AND " STORE_SQ_INCIDENT_SCOPE " ORDER BY i.id");
    void *list = NULL;
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    rc = store_sq_rows(s, ar, stmt,
                       store_sq_bind_named_i64(stmt, ":id", hotspot_id) |
                           store_sq_bind_scope(ar, stmt, scope),
                       "visible hotspot incidents", sizeof(int64_t), 0, read_i64, &list, n, NULL);
    if (rc == PH_OK)
        *ids = list != NULL ? list : arena_alloc(ar, sizeof(int64_t));
    return rc;
}
