/* sqlite_messages.c - the SQLite backend's field messages (core/message.h) and
 * incident drafts (core/draft.h). See sqlite_int.h and migration 009.
 *
 * Who reads a message is applied in SQL, like the bulletins' scope: unit paths
 * as the text range [lo, hi) below the reader's unit (store_path_upper). A
 * message to no person is read inside the range of its sender's unit or of the
 * unit it was addressed to; a direct message only by its sender, its addressee,
 * and administrators whose range holds the sender's unit. Chat is a few
 * thousand rows a day at most, so the statements are fixed ("(:x IS NULL OR
 * ...)" terms), cached, and walk the primary key newest first. */
#include "util/base.h"
#include "store/sqlite_int.h"
#include "store/store.h"
#include "util/arena.h"

/* A REAL column that may be NULL: false for NULL. */
static bool col_real(sqlite3_stmt *stmt, int i, double *out)
{
    if (sqlite3_column_type(stmt, i) == SQLITE_NULL)
        return false;
    *out = sqlite3_column_double(stmt, i);
    return true;
}

/* ---- messages ------------------------------------------------------------ */

#define MSG_COLS                                                                                   \
    "m.id, m.uid, m.at, m.from_person_id, m.from_device_id, m.from_unit_id, m.from_callsign, "     \
    "m.room, m.to_unit_id, m.to_person_id, m.text, m.lat, m.lon, m.source, fu.path, p.full_name"
#define MSG_JOINS                                                                                  \
    " JOIN units AS fu ON fu.id = m.from_unit_id LEFT JOIN people AS p ON p.id = m.from_person_id"

static void read_message(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    struct message *m = row;
    double lat = 0, lon = 0;

    memset(m, 0, sizeof(*m));
    m->id = sqlite3_column_int64(stmt, 0);
    m->uid = store_sq_col_text(ar, stmt, 1);
    m->at = sqlite3_column_int64(stmt, 2);
    m->from_person_id = sqlite3_column_int64(stmt, 3);
    m->from_device_id = sqlite3_column_int64(stmt, 4);
    m->from_unit_id = sqlite3_column_int64(stmt, 5);
    m->from_callsign = store_sq_col_text(ar, stmt, 6);
    m->room = store_sq_col_text(ar, stmt, 7);
    m->to_unit_id = sqlite3_column_int64(stmt, 8);
    m->to_person_id = sqlite3_column_int64(stmt, 9);
    m->text = store_sq_col_text(ar, stmt, 10);
    m->has_location = col_real(stmt, 11, &lat) && col_real(stmt, 12, &lon);
    m->lat = m->has_location ? lat : 0;
    m->lon = m->has_location ? lon : 0;
    m->source = store_sq_col_text(ar, stmt, 13);
    m->from_unit_path = store_sq_col_text(ar, stmt, 14);
    m->from_name = store_sq_col_text(ar, stmt, 15);
}

static void read_i64_0(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    *(int64_t *)row = sqlite3_column_int64(stmt, 0);
}

ph_err store_sq_message_insert(struct store *st, const struct message *m, int64_t *id)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_MESSAGE_INSERT,
        "INSERT INTO messages (uid, at, from_person_id, from_device_id, from_unit_id, "
        "from_callsign, room, to_unit_id, to_person_id, text, lat, lon, source, created_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, coalesce(?13, 'api'), ?14)");
    int e;

    if (stmt == NULL)
        return PH_ESTORE;
    e = store_sq_bind_text(stmt, 1, m->uid) |
        sqlite3_bind_int64(stmt, 2, store_time_or_now(m->at)) |
        sqlite3_bind_int64(stmt, 3, m->from_person_id) |
        sqlite3_bind_int64(stmt, 4, m->from_device_id) |
        sqlite3_bind_int64(stmt, 5, m->from_unit_id) |
        store_sq_bind_text(stmt, 6, m->from_callsign) | store_sq_bind_text(stmt, 7, m->room) |
        store_sq_bind_id(stmt, 8, m->to_unit_id) | sqlite3_bind_int64(stmt, 9, m->to_person_id) |
        store_sq_bind_text(stmt, 10, m->text) | store_sq_bind_text(stmt, 13, m->source) |
        sqlite3_bind_int64(stmt, 14, store_time_or_now(0));
    if (m->has_location)
        e |= sqlite3_bind_double(stmt, 11, m->lat) | sqlite3_bind_double(stmt, 12, m->lon);
    return store_sq_insert(s, stmt, e, "insert message", id);
}

ph_err store_sq_message_find(struct store *st, int64_t from_person_id, int64_t from_device_id,
                             const char *uid, int64_t *id)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(s, SQ_MESSAGE_FIND,
                                       "SELECT id FROM messages WHERE from_person_id = ?1 "
                                       "AND from_device_id = ?2 AND uid = ?3");

    if (stmt == NULL)
        return PH_ESTORE;
    return store_sq_get(s, NULL, stmt,
                        sqlite3_bind_int64(stmt, 1, from_person_id) |
                            sqlite3_bind_int64(stmt, 2, from_device_id) |
                            store_sq_bind_text(stmt, 3, uid),
                        "find message", read_i64_0, id);
}

ph_err store_sq_message_get(struct store *st, struct arena *ar, int64_t id, struct message *out)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_MESSAGE_GET, "SELECT " MSG_COLS " FROM messages AS m" MSG_JOINS " WHERE m.id = ?1");

    if (stmt == NULL)
        return PH_ESTORE;
    return store_sq_get(s, ar, stmt, sqlite3_bind_int64(stmt, 1, id), "get message", read_message,
                        out);
}

ph_err store_sq_message_list(struct store *st, struct arena *ar, const struct message_filter *f,
                             const char *scope_path, int64_t person_id, bool is_admin,
                             struct message **items, size_t *n, bool *has_more)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_MESSAGE_LIST,
        "SELECT " MSG_COLS " FROM messages AS m" MSG_JOINS
        " LEFT JOIN units AS tu ON tu.id = m.to_unit_id "
        "WHERE (:before = 0 OR m.id < :before) AND (:since = 0 OR m.at >= :since) "
        "AND (:room IS NULL OR m.room = :room) AND (:lo IS NULL "
        "OR (m.to_person_id = 0 AND ((fu.path >= :lo AND fu.path < :hi) "
        "OR (tu.path >= :lo AND tu.path < :hi))) "
        "OR (m.to_person_id <> 0 AND ((:me <> 0 AND (m.from_person_id = :me "
        "OR m.to_person_id = :me)) OR (:admin = 1 AND fu.path >= :lo AND fu.path < :hi)))) "
        "ORDER BY m.id DESC LIMIT :limit");
    int limit = store_list_limit(f->limit);
    void *list = NULL;
    ph_err rc;
    int e;

    if (stmt == NULL)
        return PH_ESTORE;
    e = store_sq_bind_named_i64(stmt, ":before", f->before_id) | store_sq_bind_named_i64(stmt, ":since", f->since) |
        store_sq_bind_named_text(stmt, ":room", f->room) | store_sq_bind_named_range(ar, stmt, ":lo", ":hi", scope_path) |
        store_sq_bind_named_i64(stmt, ":me", person_id) | store_sq_bind_named_i64(stmt, ":admin", is_admin ? 1 : 0) |
        store_sq_bind_named_i64(stmt, ":limit", limit + 1);
    rc = store_sq_rows(s, ar, stmt, e, "list messages", sizeof(**items), limit, read_message, &list,
                       n, has_more);
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

static void read_draft(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    struct incident_draft *d = row;

    memset(d, 0, sizeof(*d));
    d->id = sqlite3_column_int64(stmt, 0);
    d->uid = store_sq_col_text(ar, stmt, 1);
    d->cot_type = store_sq_col_text(ar, stmt, 2);
    d->title = store_sq_col_text(ar, stmt, 3);
    d->remarks = store_sq_col_text(ar, stmt, 4);
    d->at = sqlite3_column_int64(stmt, 5);
    d->lat = sqlite3_column_double(stmt, 6);
    d->lon = sqlite3_column_double(stmt, 7);
    d->device_id = sqlite3_column_int64(stmt, 8);
    d->person_id = sqlite3_column_int64(stmt, 9);
    d->unit_id = sqlite3_column_int64(stmt, 10);
    d->status = store_sq_col_text(ar, stmt, 11);
    d->incident_id = sqlite3_column_int64(stmt, 12);
    d->dismiss_reason = store_sq_col_text(ar, stmt, 13);
    d->version = sqlite3_column_int64(stmt, 14);
    d->created_at = sqlite3_column_int64(stmt, 15);
    d->updated_at = sqlite3_column_int64(stmt, 16);
    d->unit_path = store_sq_col_text(ar, stmt, 17);
}

ph_err store_sq_draft_insert(struct store *st, const struct incident_draft *d, int64_t *id)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_DRAFT_INSERT,
        "INSERT INTO incident_drafts (uid, cot_type, title, remarks, at, lat, lon, device_id, "
        "person_id, unit_id, status, version, created_at, updated_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'open', 1, ?11, ?12)");
    int e;

    if (stmt == NULL)
        return PH_ESTORE;
    e = store_sq_bind_text(stmt, 1, d->uid) | store_sq_bind_text(stmt, 2, d->cot_type) |
        store_sq_bind_text(stmt, 3, d->title) | store_sq_bind_text(stmt, 4, d->remarks) |
        sqlite3_bind_int64(stmt, 5, d->at) | sqlite3_bind_double(stmt, 6, d->lat) |
        sqlite3_bind_double(stmt, 7, d->lon) | sqlite3_bind_int64(stmt, 8, d->device_id) |
        sqlite3_bind_int64(stmt, 9, d->person_id) | sqlite3_bind_int64(stmt, 10, d->unit_id) |
        store_sq_bind_created(stmt, 11, d->created_at, d->updated_at);
    return store_sq_insert(s, stmt, e, "insert incident draft", id);
}

ph_err store_sq_draft_update(struct store *st, const struct incident_draft *d)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_DRAFT_UPDATE,
        "UPDATE incident_drafts SET cot_type = ?2, title = ?3, remarks = ?4, at = ?5, lat = ?6, "
        "lon = ?7, status = ?8, incident_id = ?9, dismiss_reason = ?10, updated_at = ?11, "
        "version = version + 1 WHERE id = ?1 AND (?12 = 0 OR version = ?12)");
    int e;

    if (stmt == NULL)
        return PH_ESTORE;
    e = sqlite3_bind_int64(stmt, 1, d->id) | store_sq_bind_text(stmt, 2, d->cot_type) |
        store_sq_bind_text(stmt, 3, d->title) | store_sq_bind_text(stmt, 4, d->remarks) |
        sqlite3_bind_int64(stmt, 5, d->at) | sqlite3_bind_double(stmt, 6, d->lat) |
        sqlite3_bind_double(stmt, 7, d->lon) | store_sq_bind_text(stmt, 8, d->status) |
        store_sq_bind_id(stmt, 9, d->incident_id) |
        store_sq_bind_text(stmt, 10, d->dismiss_reason) |
        sqlite3_bind_int64(stmt, 11, store_time_or_now(d->updated_at)) |
        sqlite3_bind_int64(stmt, 12, d->version);
    return store_sq_update_versioned(s, stmt, e, "update incident draft", SQ_DRAFT_EXISTS,
                                     "SELECT 1 FROM incident_drafts WHERE id = ?1", d->id);
}

ph_err store_sq_draft_get(struct store *st, struct arena *ar, int64_t id,
                          struct incident_draft *out)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(s, SQ_DRAFT_GET,
                                       "SELECT " DRAFT_COLS " FROM incident_drafts AS d" DRAFT_JOINS
                                       " WHERE d.id = ?1");

    if (stmt == NULL)
        return PH_ESTORE;
    return store_sq_get(s, ar, stmt, sqlite3_bind_int64(stmt, 1, id), "get incident draft",
                        read_draft, out);
}

ph_err store_sq_draft_find(struct store *st, struct arena *ar, int64_t device_id, int64_t person_id,
                           const char *uid, struct incident_draft *out)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt =
        store_sq_stmt(s, SQ_DRAFT_FIND,
                      "SELECT " DRAFT_COLS " FROM incident_drafts AS d" DRAFT_JOINS
                      " WHERE d.device_id = ?1 AND d.uid = ?3 AND (?1 <> 0 OR d.person_id = ?2) "
                      "ORDER BY d.id DESC LIMIT 1");

    if (stmt == NULL)
        return PH_ESTORE;
    return store_sq_get(s, ar, stmt,
                        sqlite3_bind_int64(stmt, 1, device_id) |
                            sqlite3_bind_int64(stmt, 2, person_id) |
                            store_sq_bind_text(stmt, 3, uid),
                        "find incident draft", read_draft, out);
}

ph_err store_sq_draft_list(struct store *st, struct arena *ar, const char *status,
                           const char *scope_path, int64_t before_id, int limit,
                           struct incident_draft **items, size_t *n, bool *has_more)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_DRAFT_LIST,
        "SELECT " DRAFT_COLS " FROM incident_drafts AS d" DRAFT_JOINS
        " WHERE d.status = :status AND (:before = 0 OR d.id < :before) "
        "AND (:lo IS NULL OR (u.path >= :lo AND u.path < :hi)) ORDER BY d.id DESC LIMIT :limit");
    void *list = NULL;
    ph_err rc;
    int e;

    if (stmt == NULL)
        return PH_ESTORE;
    limit = store_list_limit(limit);
    e = store_sq_bind_named_text(stmt, ":status", status) | store_sq_bind_named_i64(stmt, ":before", before_id) |
        store_sq_bind_named_range(ar, stmt, ":lo", ":hi", scope_path) | store_sq_bind_named_i64(stmt, ":limit", limit + 1);
    rc = store_sq_rows(s, ar, stmt, e, "list incident drafts", sizeof(**items), limit, read_draft,
                       &list, n, has_more);
    if (rc == PH_OK)
        *items = list;
    return rc;
}
