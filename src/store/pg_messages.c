/* pg_messages.c - the PostgreSQL twin of sqlite_messages.c (pg_int.h): field
 * messages (core/message.h) and incident drafts (core/draft.h).
 *
 * Who reads a message is the SQLite store's rule, applied in SQL: unit paths as
 * the text range [lo, hi) below the reader's unit (store_path_upper). A message
 * to no person is read inside the range of its sender's unit or of the unit it
 * was addressed to; a direct message only by its sender, its addressee, and
 * administrators whose range holds the sender's unit. Every use of a parameter
 * carries its cast so that PostgreSQL deduces one type for it. */
#include "util/base.h"
#include "store/pg_int.h"
#include "store/store.h"
#include "util/arena.h"

/* ---- messages ------------------------------------------------------------ */

#define MSG_COLS                                                                                   \
    "m.id, m.uid, m.at, m.from_person_id, m.from_device_id, m.from_unit_id, m.from_callsign, "     \
    "m.room, m.to_unit_id, m.to_person_id, m.text, m.lat, m.lon, m.source, fu.path, p.full_name"
#define MSG_JOINS                                                                                  \
    " JOIN units AS fu ON fu.id = m.from_unit_id LEFT JOIN people AS p ON p.id = m.from_person_id"

static void read_message(struct arena *ar, const PGresult *res, int row, void *out)
{
    struct message *m = out;

    memset(m, 0, sizeof(*m));
    m->id = pg_col_i64(res, row, 0);
    m->uid = pg_col_text(ar, res, row, 1);
    m->at = pg_col_i64(res, row, 2);
    m->from_person_id = pg_col_i64(res, row, 3);
    m->from_device_id = pg_col_i64(res, row, 4);
    m->from_unit_id = pg_col_i64(res, row, 5);
    m->from_callsign = pg_col_text(ar, res, row, 6);
    m->room = pg_col_text(ar, res, row, 7);
    m->to_unit_id = pg_col_i64(res, row, 8);
    m->to_person_id = pg_col_i64(res, row, 9);
    m->text = pg_col_text(ar, res, row, 10);
    m->has_location = !pg_col_null(res, row, 11) && !pg_col_null(res, row, 12);
    m->lat = m->has_location ? pg_col_f64(res, row, 11) : 0;
    m->lon = m->has_location ? pg_col_f64(res, row, 12) : 0;
    m->source = pg_col_text(ar, res, row, 13);
    m->from_unit_path = pg_col_text(ar, res, row, 14);
    m->from_name = pg_col_text(ar, res, row, 15);
}

ph_err store_pg_message_insert(struct store *st, const struct message *m, int64_t *id)
{
    struct pg_args a = {0};

    pg_arg_text(&a, m->uid);
    pg_arg_i64(&a, store_time_or_now(m->at));
    pg_arg_i64(&a, m->from_person_id);
    pg_arg_i64(&a, m->from_device_id);
    pg_arg_i64(&a, m->from_unit_id);
    pg_arg_text(&a, m->from_callsign);
    pg_arg_text(&a, m->room);
    pg_arg_id(&a, m->to_unit_id);
    pg_arg_i64(&a, m->to_person_id);
    pg_arg_text(&a, m->text);
    if (m->has_location) {
        pg_arg_f64(&a, m->lat);
        pg_arg_f64(&a, m->lon);
    } else {
        pg_arg_null(&a);
        pg_arg_null(&a);
    }
    pg_arg_text(&a, m->source);
    pg_arg_i64(&a, store_time_or_now(0));
    return pg_insert(store_pg_of(st),
                     "INSERT INTO messages (uid, at, from_person_id, from_device_id, from_unit_id, "
                     "from_callsign, room, to_unit_id, to_person_id, text, lat, lon, source, "
                     "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, "
                     "coalesce($13::text, 'api'), $14) RETURNING id",
                     &a, "insert message", id);
}

ph_err store_pg_message_find(struct store *st, int64_t from_person_id, int64_t from_device_id,
                             const char *uid, int64_t *id)
{
    struct pg_args a = {0};

    pg_arg_i64(&a, from_person_id);
    pg_arg_i64(&a, from_device_id);
    pg_arg_text(&a, uid);
    return pg_get_i64(store_pg_of(st),
                      "SELECT id FROM messages WHERE from_person_id = $1::bigint "
                      "AND from_device_id = $2::bigint AND uid = $3::text",
                      &a, "find message", id);
}

ph_err store_pg_message_get(struct store *st, struct arena *ar, int64_t id, struct message *out)
{
    struct pg_args a = {0};

    pg_arg_i64(&a, id);
    return pg_get(store_pg_of(st), ar,
                  "SELECT " MSG_COLS " FROM messages AS m" MSG_JOINS " WHERE m.id = $1::bigint",
                  &a, "get message", read_message, out);
}

ph_err store_pg_message_list(struct store *st, struct arena *ar, const struct message_filter *f,
                             const char *scope_path, int64_t person_id, bool is_admin,
                             struct message **items, size_t *n, bool *has_more)
{
    struct pg_args a = {0};
    int limit = store_list_limit(f->limit);
    void *list = NULL;
    ph_err rc;

    pg_arg_i64(&a, f->before_id);          /* $1 */
    pg_arg_i64(&a, f->since);              /* $2 */
    pg_arg_text(&a, f->room);              /* $3 */
    pg_arg_range(&a, ar, scope_path);      /* $4, $5 */
    pg_arg_i64(&a, person_id);             /* $6 */
    pg_arg_i64(&a, is_admin ? 1 : 0);      /* $7 */
    pg_arg_i64(&a, limit + 1);             /* $8 */
    rc = pg_rows(store_pg_of(st), ar,
                 "SELECT " MSG_COLS " FROM messages AS m" MSG_JOINS
                 " LEFT JOIN units AS tu ON tu.id = m.to_unit_id "
                 "WHERE ($1::bigint = 0 OR m.id < $1::bigint) "
                 "AND ($2::bigint = 0 OR m.at >= $2::bigint) "
                 "AND ($3::text IS NULL OR m.room = $3::text) AND ($4::text IS NULL "
                 "OR (m.to_person_id = 0 AND ((fu.path >= $4::text AND fu.path < $5::text) "
                 "OR (tu.path >= $4::text AND tu.path < $5::text))) "
                 "OR (m.to_person_id <> 0 AND (($6::bigint <> 0 AND (m.from_person_id = "
                 "$6::bigint OR m.to_person_id = $6::bigint)) OR ($7::bigint = 1 "
                 "AND fu.path >= $4::text AND fu.path < $5::text)))) "
                 "ORDER BY m.id DESC LIMIT $8::bigint",
                 &a, "list messages", sizeof(**items), limit, read_message, &list, n, has_more);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

/* ---- incident drafts ----------------------------------------------------- */

#define DRAFT_COLS                                                                                 \
    "d.id, d.uid, d.cot_type, d.title, d.remarks, d.at, d.lat, d.lon, d.device_id, d.person_id, "  \
    "d.unit_id, d.status, d.incident_id, d.dismiss_reason, d.version, d.created_at, "              \
    "d.updated_at, u.path"
#define DRAFT_JOINS " JOIN units AS u ON u.id = d.unit_id"

static void read_draft(struct arena *ar, const PGresult *res, int row, void *out)
{
    struct incident_draft *d = out;

    memset(d, 0, sizeof(*d));
    d->id = pg_col_i64(res, row, 0);
    d->uid = pg_col_text(ar, res, row, 1);
    d->cot_type = pg_col_text(ar, res, row, 2);
    d->title = pg_col_text(ar, res, row, 3);
    d->remarks = pg_col_text(ar, res, row, 4);
    d->at = pg_col_i64(res, row, 5);
    d->lat = pg_col_f64(res, row, 6);
    d->lon = pg_col_f64(res, row, 7);
    d->device_id = pg_col_i64(res, row, 8);
    d->person_id = pg_col_i64(res, row, 9);
    d->unit_id = pg_col_i64(res, row, 10);
    d->status = pg_col_text(ar, res, row, 11);
    d->incident_id = pg_col_i64(res, row, 12);
    d->dismiss_reason = pg_col_text(ar, res, row, 13);
    d->version = pg_col_i64(res, row, 14);
    d->created_at = pg_col_i64(res, row, 15);
    d->updated_at = pg_col_i64(res, row, 16);
    d->unit_path = pg_col_text(ar, res, row, 17);
}

ph_err store_pg_draft_insert(struct store *st, const struct incident_draft *d, int64_t *id)
{
    struct pg_args a = {0};

    pg_arg_text(&a, d->uid);
    pg_arg_text(&a, d->cot_type);
    pg_arg_text(&a, d->title);
    pg_arg_text(&a, d->remarks);
    pg_arg_i64(&a, d->at);
    pg_arg_f64(&a, d->lat);
    pg_arg_f64(&a, d->lon);
    pg_arg_i64(&a, d->device_id);
    pg_arg_i64(&a, d->person_id);
    pg_arg_i64(&a, d->unit_id);
    pg_arg_created(&a, d->created_at, d->updated_at);
    return pg_insert(store_pg_of(st),
                     "INSERT INTO incident_drafts (uid, cot_type, title, remarks, at, lat, lon, "
                     "device_id, person_id, unit_id, status, version, created_at, updated_at) "
                     "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'open', 1, $11, $12) "
                     "RETURNING id",
                     &a, "insert incident draft", id);
}

ph_err store_pg_draft_update(struct store *st, const struct incident_draft *d)
{
    struct pg_args a = {0};

    pg_arg_i64(&a, d->id);
    pg_arg_text(&a, d->cot_type);
    pg_arg_text(&a, d->title);
    pg_arg_text(&a, d->remarks);
    pg_arg_i64(&a, d->at);
    pg_arg_f64(&a, d->lat);
    pg_arg_f64(&a, d->lon);
    pg_arg_text(&a, d->status);
    pg_arg_id(&a, d->incident_id);
    pg_arg_text(&a, d->dismiss_reason);
    pg_arg_i64(&a, store_time_or_now(d->updated_at));
    pg_arg_i64(&a, d->version);
    return pg_update_versioned(
        store_pg_of(st),
        "UPDATE incident_drafts SET cot_type = $2, title = $3, remarks = $4, at = $5, lat = $6, "
        "lon = $7, status = $8, incident_id = $9, dismiss_reason = $10, updated_at = $11, "
        "version = version + 1 WHERE id = $1 AND ($12::bigint = 0 OR version = $12::bigint)",
        &a, "update incident draft", "SELECT 1 FROM incident_drafts WHERE id = $1", d->id);
}

ph_err store_pg_draft_get(struct store *st, struct arena *ar, int64_t id,
                          struct incident_draft *out)
{
    struct pg_args a = {0};

    pg_arg_i64(&a, id);
    return pg_get(store_pg_of(st), ar,
                  "SELECT " DRAFT_COLS " FROM incident_drafts AS d" DRAFT_JOINS
                  " WHERE d.id = $1::bigint",
                  &a, "get incident draft", read_draft, out);
}

ph_err store_pg_draft_find(struct store *st, struct arena *ar, int64_t device_id, int64_t person_id,
                           const char *uid, struct incident_draft *out)
{
    struct pg_args a = {0};

    pg_arg_i64(&a, device_id);
    pg_arg_i64(&a, person_id);
    pg_arg_text(&a, uid);
    return pg_get(store_pg_of(st), ar,
                  "SELECT " DRAFT_COLS " FROM incident_drafts AS d" DRAFT_JOINS
                  " WHERE d.device_id = $1::bigint AND d.uid = $3::text "
                  "AND ($1::bigint <> 0 OR d.person_id = $2::bigint) "
                  "ORDER BY d.id DESC LIMIT 1",
                  &a, "find incident draft", read_draft, out);
}

ph_err store_pg_draft_list(struct store *st, struct arena *ar, const char *status,
                           const char *scope_path, int64_t before_id, int limit,
                           struct incident_draft **items, size_t *n, bool *has_more)
{
    struct pg_args a = {0};
    void *list = NULL;
    ph_err rc;

    limit = store_list_limit(limit);
    pg_arg_text(&a, status);               /* $1 */
    pg_arg_i64(&a, before_id);             /* $2 */
    pg_arg_range(&a, ar, scope_path);      /* $3, $4 */
    pg_arg_i64(&a, limit + 1);             /* $5 */
    rc = pg_rows(store_pg_of(st), ar,
                 "SELECT " DRAFT_COLS " FROM incident_drafts AS d" DRAFT_JOINS
                 " WHERE d.status = $1::text AND ($2::bigint = 0 OR d.id < $2::bigint) "
                 "AND ($3::text IS NULL OR (u.path >= $3::text AND u.path < $4::text)) "
                 "ORDER BY d.id DESC LIMIT $5::bigint",
                 &a, "list incident drafts", sizeof(**items), limit, read_draft, &list, n,
                 has_more);
    if (rc == PH_OK)
        *items = list;
    return rc;
}
