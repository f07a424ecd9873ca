/* pg_hotspots.c - the PostgreSQL twin of sqlite_hotspots.c (pg_int.h): the
 * stream of located incidents an analysis reads, and hotspot records with
 * their responsible units, incidents and notes (core/hotspot.h, migration 011).
 *
 * The incident stream runs in libpq's single-row mode and hands each row to the
 * caller as it comes, so that an analysis over a million incidents holds one
 * row at a time, never the list, as the SQLite store's stepped statement does.
 * It applies the incident lists' access rule (PG_INCIDENT_SCOPE) and leaves out
 * exercises, tests and merged duplicates, as the incident counts do.
 *
 * A record's access is that of an item sent to its responsible units
 * (hotspot_units): lists test that some responsible unit lies inside the
 * caller's unit range, as incident lists test recipients. */
#include "util/base.h"
#include "store/pg_int.h"
#include "util/arena.h"
#include "util/log.h"

/* ---- the incident stream ------------------------------------------------------------ */

/* The statement's text goes through PQsendQueryParams (single-row mode needs
 * the asynchronous calls): planned per call, which costs nothing next to the
 * rows of an analysis. */
#define SQL_INCIDENT_POINTS                                                                        \
    "SELECT i.id, i.lat, i.lon, i.occurred_at, i.severity, i.classification, i.category_id "      \
    "FROM incidents AS i WHERE i.occurred_at >= $1 AND i.occurred_at < $2 "                        \
    "AND i.lat IS NOT NULL AND i.cap_status = 'actual' AND i.status <> 'merged' "                  \
    "AND ($3::bigint[] IS NULL OR i.category_id = ANY ($3::bigint[])) "                            \
    "AND ($4::text IS NULL OR i.lead_unit_id IN (SELECT id FROM units WHERE force = $4)) "         \
    "AND ($5::bigint = 0 OR i.area_id IN (WITH RECURSIVE sub (id) AS (SELECT $5::bigint UNION "    \
    "SELECT a.id FROM areas AS a JOIN sub ON a.parent_id = sub.id) SELECT id FROM sub)) "          \
    "AND " PG_INCIDENT_SCOPE(6, 7, 8)

/* A failed result of the stream: serialization failures and deadlocks are
 * PH_EBUSY (as pg_exec maps them), anything else PH_ESTORE; logged. */
static ph_err stream_fail(struct store_pg *p, const PGresult *res)
{
    const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res != NULL ? PQresultErrorMessage(res) : PQerrorMessage(p->conn);

    log_error("store/postgres: incident points: %s", msg != NULL ? msg : "?");
    if (state != NULL && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0))
        return PH_EBUSY;
    return PH_ESTORE;
}

ph_err store_pg_incident_points(struct store *st, const struct store_point_query *q,
                                const struct incident_scope *scope,
                                void (*on_point)(void *ctx, const struct store_incident_point *p),
                                void *ctx)
{
    struct store_pg *p = store_pg_of(st);
    struct pg_args a = {0};
    struct arena ar;
    PGresult *res;
    ph_err rc = PH_OK;

    arena_init(&ar);
    pg_arg_i64(&a, q->since);
    pg_arg_i64(&a, q->until);
    if (q->n_categories > 0)
        pg_arg_ids(&a, &ar, q->category_ids, q->n_categories);
    else
        pg_arg_null(&a);
    pg_arg_text(&a, q->force);
    pg_arg_i64(&a, q->area_id);
    pg_arg_scope(&a, &ar, scope); /* $6, $7, $8 */
    if (a.overflow) {
        log_error("store/postgres: incident points: too many parameters");
        arena_release(&ar);
        return PH_ESTORE;
    }
    /* Writes sent ahead are answered first: this query's results follow theirs. */
    if ((rc = pg_flush(p)) != PH_OK) {
        arena_release(&ar);
        return rc;
    }
    if (!PQsendQueryParams(p->conn, SQL_INCIDENT_POINTS, a.n, NULL, a.v, a.len, a.fmt, 0)) {
        rc = stream_fail(p, NULL);
        arena_release(&ar);
        return rc;
    }
    if (!PQsetSingleRowMode(p->conn))
        log_warn("store/postgres: incident points: single-row mode refused, reading all rows");
    /* Every result is read to the end (NULL), failed or not, so that the
     * connection is ready for the next statement. */
    while ((res = PQgetResult(p->conn)) != NULL) {
        ExecStatusType status = PQresultStatus(res);
        if (status == PGRES_SINGLE_TUPLE || status == PGRES_TUPLES_OK) {
            for (int row = 0; rc == PH_OK && row < PQntuples(res); row++) {
                struct store_incident_point pt = {
                    .id = pg_col_i64(res, row, 0),
                    .lat = pg_col_f64(res, row, 1),
                    .lon = pg_col_f64(res, row, 2),
                    .occurred_at = pg_col_i64(res, row, 3),
                    .severity = pg_col_int(res, row, 4),
                    .classification = pg_col_int(res, row, 5),
                    .category_id = pg_col_i64(res, row, 6),
                };
                on_point(ctx, &pt);
            }
        } else if (rc == PH_OK) {
            rc = stream_fail(p, res);
        }
        PQclear(res);
    }
    arena_release(&ar);
    return rc;
}

/* ---- records ------------------------------------------------------------------------ */

/* The columns of struct store_hotspot, the joined ones last. Unit ids and paths
 * come space-separated in the same (unit id) order. */
#define HOTSPOT_COLS HOTSPOT_COLS_COUNT("h.incident_count")
/* In lists, the incident count is of the incidents the reader may see (the
 * scope at $8, $9, $10: the incident lists' rule), so that a count does not
 * tell of classified incidents. */
#define VISIBLE_INCIDENT_COUNT                                                                     \
    "(SELECT count(*) FROM hotspot_incidents AS vi JOIN incidents AS i ON i.id = vi.incident_id " \
    "WHERE vi.hotspot_id = h.id AND " PG_INCIDENT_SCOPE(8, 9, 10) ")"
#define HOTSPOT_COLS_COUNT(count)                                                                  \
    "h.id, h.version, h.status, h.trend, h.area_id, a.name, h.categories, h.lat, h.lon, h.z, "     \
    "h.p, h.cell_m, h.n_cells, h.cells_geojson, " count ", h.classification, "                     \
    "h.window_from, h.window_to, h.detected_at, h.updated_at, h.cells, "                           \
    "(SELECT string_agg(hu.unit_id::text, ' ' ORDER BY hu.unit_id) FROM hotspot_units AS hu "      \
    "WHERE hu.hotspot_id = h.id), "                                                                \
    "(SELECT string_agg(u.path, ' ' ORDER BY hu.unit_id) FROM hotspot_units AS hu "                \
    "JOIN units AS u ON u.id = hu.unit_id WHERE hu.hotspot_id = h.id)"
#define HOTSPOT_FROM " FROM hotspots AS h LEFT JOIN areas AS a ON a.id = h.area_id"

static void read_hotspot(struct arena *ar, const PGresult *res, int row, void *out)
{
    struct store_hotspot *sh = out;
    struct hotspot *h = &sh->h;
    size_t n_ids = 0, n_paths = 0;

    memset(sh, 0, sizeof(*sh));
    h->id = pg_col_i64(res, row, 0);
    h->version = pg_col_i64(res, row, 1);
    h->status = pg_col_text(ar, res, row, 2);
    h->trend = pg_col_text(ar, res, row, 3);
    h->area_id = pg_col_i64(res, row, 4);
    h->area_name = pg_col_text(ar, res, row, 5);
    h->categories = pg_col_text(ar, res, row, 6);
    h->lat = pg_col_f64(res, row, 7);
    h->lon = pg_col_f64(res, row, 8);
    h->z = pg_col_f64(res, row, 9);
    h->p = pg_col_f64(res, row, 10);
    h->cell_m = pg_col_f64(res, row, 11);
    h->n_cells = pg_col_int(res, row, 12);
    h->cells_geojson = pg_col_text(ar, res, row, 13);
    h->incident_count = pg_col_int(res, row, 14);
    h->classification = pg_col_int(res, row, 15);
    h->window_from = pg_col_i64(res, row, 16);
    h->window_to = pg_col_i64(res, row, 17);
    h->detected_at = pg_col_i64(res, row, 18);
    h->updated_at = pg_col_i64(res, row, 19);
    sh->cells = pg_col_text(ar, res, row, 20);
    sh->unit_ids = store_split_ids(ar, pg_col_text(ar, res, row, 21), &n_ids);
    sh->unit_paths = store_split_words(ar, pg_col_text(ar, res, row, 22), &n_paths);
    sh->n_units = n_ids < n_paths ? n_ids : n_paths;
}

ph_err store_pg_hotspot_insert(struct store *st, const struct store_hotspot *sh, int64_t *id)
{
    struct store_pg *p = store_pg_of(st);
    const struct hotspot *h = &sh->h;
    struct pg_args a = {0};
    struct arena ar;
    int64_t new_id = 0, detected = store_time_or_now(h->detected_at);
    ph_err rc;

    pg_arg_text(&a, h->status);
    pg_arg_text(&a, h->trend);
    pg_arg_id(&a, h->area_id);
    pg_arg_text(&a, h->categories != NULL ? h->categories : "");
    pg_arg_f64(&a, h->lat);
    pg_arg_f64(&a, h->lon);
    pg_arg_f64(&a, h->z);
    pg_arg_f64(&a, h->p);
    pg_arg_f64(&a, h->cell_m);
    pg_arg_i64(&a, h->n_cells);
    pg_arg_text(&a, h->cells_geojson);
    pg_arg_text(&a, sh->cells);
    pg_arg_i64(&a, h->incident_count);
    pg_arg_i64(&a, h->classification);
    pg_arg_i64(&a, h->window_from);
    pg_arg_i64(&a, h->window_to);
    pg_arg_i64(&a, detected);
    pg_arg_i64(&a, h->updated_at != 0 ? h->updated_at : detected);
    if ((rc = pg_op_begin(p)) != PH_OK)
        return rc;
    arena_init(&ar);
    rc = pg_insert(p,
                   "INSERT INTO hotspots (status, trend, area_id, categories, lat, lon, z, p, "
                   "cell_m, n_cells, cells_geojson, cells, incident_count, classification, "
                   "window_from, window_to, detected_at, updated_at) VALUES ($1, $2, $3, $4, $5, "
                   "$6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id",
                   &a, "insert hotspot", &new_id);
    /* The links, one statement each; a repeat counts once. */
    if (rc == PH_OK && sh->n_units > 0) {
        struct pg_args u = {0};
        pg_arg_i64(&u, new_id);
        pg_arg_ids(&u, &ar, sh->unit_ids, sh->n_units);
        rc = pg_write(p,
                      "INSERT INTO hotspot_units (hotspot_id, unit_id) "
                      "SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING",
                      &u, "add hotspot units", NULL);
    }
    if (rc == PH_OK && h->n_incidents > 0) {
        struct pg_args i = {0};
        pg_arg_i64(&i, new_id);
        pg_arg_ids(&i, &ar, h->incident_ids, h->n_incidents);
        rc = pg_write(p,
                      "INSERT INTO hotspot_incidents (hotspot_id, incident_id) "
                      "SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING",
                      &i, "add hotspot incidents", NULL);
    }
    arena_release(&ar);
    rc = pg_op_end(p, rc);
    if (rc == PH_OK)
        *id = new_id;
    return rc;
}

static void read_i64(struct arena *ar, const PGresult *res, int row, void *out)
{
    (void)ar;
    *(int64_t *)out = pg_col_i64(res, row, 0);
}

ph_err store_pg_hotspot_get(struct store *st, struct arena *ar, int64_t id, bool with_incidents,
                            struct store_hotspot *out)
{
    struct store_pg *p = store_pg_of(st);
    struct pg_args a = {0};
    struct store_hotspot sh;
    ph_err rc;

    pg_arg_i64(&a, id);
    rc = pg_get(p, ar, "SELECT " HOTSPOT_COLS HOTSPOT_FROM " WHERE h.id = $1", &a, "get hotspot",
                read_hotspot, &sh);
    if (rc == PH_OK && with_incidents) {
        void *ids = NULL;
        rc = pg_rows(p, ar,
                     "SELECT incident_id FROM hotspot_incidents WHERE hotspot_id = $1 "
                     "ORDER BY incident_id",
                     &a, "hotspot incidents", sizeof(int64_t), 0, read_i64, &ids,
                     &sh.h.n_incidents, NULL);
        /* An empty list is still a list: incident_ids is set when asked for. */
        sh.h.incident_ids = ids != NULL ? ids : arena_alloc(ar, sizeof(int64_t));
    }
    if (rc == PH_OK)
        *out = sh;
    return rc;
}

ph_err store_pg_hotspot_list(struct store *st, struct arena *ar, const struct hotspot_filter *f,
                             const char *unit_path, const struct incident_scope *scope,
                             struct store_hotspot **items, size_t *n, bool *has_more)
{
    struct pg_args a = {0};
    int limit = store_list_limit(f->limit);

    pg_arg_i64(&a, f->before_id > 0 ? f->before_id : 0);
    pg_arg_text(&a, f->status);
    pg_arg_i64(&a, f->area_id);
    pg_arg_i64(&a, f->from);
    pg_arg_i64(&a, f->to);
    pg_arg_range(&a, ar, unit_path);  /* $6, $7 */
    pg_arg_scope(&a, ar, scope);      /* $8, $9, $10 */
    pg_arg_i64(&a, limit + 1);
    return pg_rows(store_pg_of(st), ar,
                   "SELECT " HOTSPOT_COLS_COUNT(VISIBLE_INCIDENT_COUNT) HOTSPOT_FROM
                   " WHERE ($1::bigint = 0 OR h.id < $1) "
                   "AND ($2::text IS NULL OR h.status = $2) "
                   "AND ($3::bigint = 0 OR h.area_id IN (WITH RECURSIVE sub (id) AS "
                   "(SELECT $3::bigint UNION SELECT c.id FROM areas AS c JOIN sub "
                   "ON c.parent_id = sub.id) SELECT id FROM sub)) "
                   "AND ($4::bigint = 0 OR h.detected_at >= $4) "
                   "AND ($5::bigint = 0 OR h.detected_at < $5) "
                   "AND ($6::text IS NULL OR EXISTS (SELECT 1 FROM hotspot_units AS fu "
                   "JOIN units AS uu ON uu.id = fu.unit_id WHERE fu.hotspot_id = h.id "
                   "AND uu.path >= $6 AND uu.path < $7::text)) "
                   "AND h.classification <= $8 AND ($9::text IS NULL OR EXISTS (SELECT 1 "
                   "FROM hotspot_units AS su JOIN units AS us ON us.id = su.unit_id "
                   "WHERE su.hotspot_id = h.id AND us.path >= $9 AND us.path < $10::text)) "
                   "ORDER BY h.id DESC LIMIT $11",
                   &a, "list hotspots", sizeof(**items), limit, read_hotspot, (void **)items, n,
                   has_more);
}

ph_err store_pg_hotspot_open(struct store *st, struct arena *ar, struct store_hotspot **items,
                             size_t *n)
{
    return pg_rows(store_pg_of(st), ar,
                   "SELECT " HOTSPOT_COLS HOTSPOT_FROM
                   " WHERE h.status IN ('watch', 'confirmed') ORDER BY h.id",
                   NULL, "open hotspots", sizeof(**items), 0, read_hotspot, (void **)items, n,
                   NULL);
}

ph_err store_pg_hotspot_set_status(struct store *st, int64_t id, int64_t version,
                                   const char *status, int64_t updated_at)
{
    struct pg_args a = {0};

    pg_arg_i64(&a, id);
    pg_arg_text(&a, status);
    pg_arg_i64(&a, store_time_or_now(updated_at));
    pg_arg_i64(&a, version);
    return pg_update_versioned(store_pg_of(st),
                               "UPDATE hotspots SET status = $2, updated_at = $3, "
                               "version = version + 1 "
                               "WHERE id = $1 AND ($4::bigint = 0 OR version = $4)",
                               &a, "set hotspot status", "SELECT 1 FROM hotspots WHERE id = $1",
                               id);
}

ph_err store_pg_hotspot_note_insert(struct store *st, const struct hotspot_note *note, int64_t *id)
{
    struct pg_args a = {0};

    pg_arg_i64(&a, note->hotspot_id);
    pg_arg_i64(&a, note->person_id);
    pg_arg_i64(&a, store_time_or_now(note->at));
    pg_arg_text(&a, note->status_from);
    pg_arg_text(&a, note->status_to);
    pg_arg_text(&a, note->text);
    return pg_insert(store_pg_of(st),
                     "INSERT INTO hotspot_notes (hotspot_id, person_id, at, status_from, "
                     "status_to, text) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                     &a, "insert hotspot note", id);
}

static void read_note(struct arena *ar, const PGresult *res, int row, void *out)
{
    struct hotspot_note *n = out;

    memset(n, 0, sizeof(*n));
    n->id = pg_col_i64(res, row, 0);
    n->hotspot_id = pg_col_i64(res, row, 1);
    n->person_id = pg_col_i64(res, row, 2);
    n->at = pg_col_i64(res, row, 3);
    n->status_from = pg_col_text(ar, res, row, 4);
    n->status_to = pg_col_text(ar, res, row, 5);
    n->text = pg_col_text(ar, res, row, 6);
    n->person_name = pg_col_text(ar, res, row, 7);
}

ph_err store_pg_hotspot_notes(struct store *st, struct arena *ar, int64_t hotspot_id,
                              struct hotspot_note **items, size_t *n)
{
    struct pg_args a = {0};

    pg_arg_i64(&a, hotspot_id);
    return pg_rows(store_pg_of(st), ar,
                   "SELECT n.id, n.hotspot_id, n.person_id, n.at, n.status_from, n.status_to, "
                   "n.text, p.full_name FROM hotspot_notes AS n "
                   "LEFT JOIN people AS p ON p.id = n.person_id "
                   "WHERE n.hotspot_id = $1 ORDER BY n.id",
                   &a, "hotspot notes", sizeof(**items), 0, read_note, (void **)items, n, NULL);
}

ph_err store_pg_hotspot_incidents_visible(struct store *st, struct arena *ar, int64_t hotspot_id,
                                          const struct incident_scope *scope, int64_t **ids,
                                          size_t *n)
{
    struct pg_args a = {0};
    void *list = NULL;
    ph_err rc;

    pg_arg_i64(&a, hotspot_id);
    pg_arg_scope(&a, ar, scope); /* $2, $3, $4 */
    rc = pg_rows(store_pg_of(st), ar,
                 "SELECT i.id FROM hotspot_incidents AS hi JOIN incidents AS i "
                 "ON i.id = hi.incident_id WHERE hi.hotspot_id = $1 AND " PG_INCIDENT_SCOPE(2, 3, 4)
                 " ORDER BY i.id",
                 &a, "visible hotspot incidents", sizeof(int64_t), 0, read_i64, &list, n, NULL);
    if (rc == PH_OK)
        *ids = list != NULL ? list : arena_alloc(ar, sizeof(int64_t));
    return rc;
}
