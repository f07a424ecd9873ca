/* sqlite_bulletins.c - the SQLite backend's bulletins (core/bulletin.h):
 * bulletins with the forces they were addressed to and their recipients'
 * acknowledgements, lists under the caller's access scope, inboxes, the
 * deadlines the scheduler watches, the periods of schedules (answered or found
 * missing), and the schedules themselves. See sqlite_int.h and migration 004.
 *
 * Who owes what: a recipient owes an acknowledgement when its row has a
 * deadline (ack_due_at > 0: the bulletin required one) and no receipt yet. The
 * overdue flag, the inbox and the deadlines all apply that one rule.
 *
 * The access scope is applied in SQL, as for incidents: the bulletin's
 * classification against the caller's clearance, and with the caller's unit
 * path, the sender or some recipient inside the path's range [lo, hi) (unit
 * paths compare as text; store_path_upper). Bulletins are a few per unit and
 * day, so the statements are fixed ("(:x IS NULL OR ...)" terms) and cached:
 * lists walk the primary key newest first and stop after a page. */
#include "util/base.h"
#include "store/sqlite_int.h"
#include "store/store.h"
#include "util/arena.h"

/* ---- shared SQL pieces --------------------------------------------------- */

/* Recipient rows that owe an acknowledgement (see the top of the file). */
#define OWES(r) r ".ack_due_at > 0 AND " r ".received_at = 0"

/* Some recipient of bulletin b owes one past its deadline (before :now). */
#define OVERDUE_EXPR                                                                               \
    "EXISTS (SELECT 1 FROM bulletin_recipients AS o WHERE o.bulletin_id = b.id AND " OWES(         \
        "o") " AND o.ack_due_at < :now)"

/* The sender (unit fu) or some recipient of bulletin b is in [:<p>_lo, :<p>_hi). */
#define IN_RANGE(p)                                                                                \
    "(:" p "_lo IS NULL OR (fu.path >= :" p "_lo AND fu.path < :" p "_hi) OR EXISTS (SELECT 1 "    \
    "FROM bulletin_recipients AS " p "r JOIN units AS " p "u ON " p "u.id = " p "r.unit_id "       \
    "WHERE " p "r.bulletin_id = b.id AND " p "u.path >= :" p "_lo AND " p "u.path < :" p "_hi))"

/* The access scope of bulletin b. */
#define SCOPE_EXPR "b.classification <= :clearance AND " IN_RANGE("scope")

/* The columns of struct bulletin, joined members included (read_bulletin).
 * Paths, ids and force codes hold no spaces, so the lists come space-separated. */
#define BULLETIN_COLS                                                                              \
    "b.id, b.kind, b.schedule_id, b.period_start, b.from_unit_id, b.title, b.situation, "          \
    "b.assessment, b.proposals, b.classification, b.cap_status, b.ack_required, b.ack_minutes, "   \
    "b.sent_at, b.created_by, b.version, fu.path, fu.force, "                                      \
    "(SELECT group_concat(unit_id, ' ') FROM (SELECT unit_id FROM bulletin_recipients "            \
    "WHERE bulletin_id = b.id AND is_named = 1 ORDER BY pos)), "                                   \
    "(SELECT group_concat(force, ' ') FROM (SELECT force FROM bulletin_forces "                    \
    "WHERE bulletin_id = b.id ORDER BY pos)), "                                                    \
    "(SELECT group_concat(path, ' ') FROM (SELECT cu.path FROM bulletin_recipients AS cr "         \
    "JOIN units AS cu ON cu.id = cr.unit_id WHERE cr.bulletin_id = b.id ORDER BY "                 \
    "cr.pos)), " OVERDUE_EXPR
#define BULLETIN_NCOLS 22
#define BULLETIN_JOINS " JOIN units AS fu ON fu.id = b.from_unit_id"

/* The columns of struct bulletin_recipient, for recipient r and its unit u. */
#define RCPT_COLS                                                                                  \
    "r.unit_id, u.code, u.name, u.path, u.force, r.ack_due_at, r.received_at, r.received_by, "     \
    "r.note, r.overdue_at"
#define RCPT_NCOLS 10

static void read_bulletin_cols(struct arena *ar, sqlite3_stmt *stmt, struct bulletin *out)
{
    memset(out, 0, sizeof(*out));
    out->id = sqlite3_column_int64(stmt, 0);
    out->kind = store_sq_col_text(ar, stmt, 1);
    out->schedule_id = sqlite3_column_int64(stmt, 2);
    out->period_start = store_sq_col_text(ar, stmt, 3);
    out->from_unit_id = sqlite3_column_int64(stmt, 4);
    out->title = store_sq_col_text(ar, stmt, 5);
    out->situation = store_sq_col_text(ar, stmt, 6);
    out->assessment = store_sq_col_text(ar, stmt, 7);
    out->proposals = store_sq_col_text(ar, stmt, 8);
    out->classification = sqlite3_column_int(stmt, 9);
    out->cap_status = store_sq_col_text(ar, stmt, 10);
    out->ack_required = sqlite3_column_int(stmt, 11) != 0;
    out->ack_minutes = sqlite3_column_int(stmt, 12);
    out->sent_at = sqlite3_column_int64(stmt, 13);
    out->created_by = sqlite3_column_int64(stmt, 14);
    out->version = sqlite3_column_int64(stmt, 15);
    out->from_unit_path = store_sq_col_text(ar, stmt, 16);
    out->from_force = store_sq_col_text(ar, stmt, 17);
    out->to_unit_ids =
        store_split_ids(ar, (const char *)sqlite3_column_text(stmt, 18), &out->n_to_units);
    out->to_forces =
        store_split_words(ar, (const char *)sqlite3_column_text(stmt, 19), &out->n_to_forces);
    out->sent_to_paths =
        store_split_words(ar, (const char *)sqlite3_column_text(stmt, 20), &out->n_sent_to);
    out->overdue = sqlite3_column_int(stmt, 21) != 0;
}

static void read_bulletin(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    read_bulletin_cols(ar, stmt, row);
}

/* RCPT_COLS from column base on. */
static void read_rcpt_at(struct arena *ar, sqlite3_stmt *stmt, int base,
                         struct bulletin_recipient *out)
{
    memset(out, 0, sizeof(*out));
    out->unit_id = sqlite3_column_int64(stmt, base + 0);
    out->unit_code = store_sq_col_text(ar, stmt, base + 1);
    out->unit_name = store_sq_col_text(ar, stmt, base + 2);
    out->unit_path = store_sq_col_text(ar, stmt, base + 3);
    out->force = store_sq_col_text(ar, stmt, base + 4);
    out->ack_due_at = sqlite3_column_int64(stmt, base + 5);
    out->received_at = sqlite3_column_int64(stmt, base + 6);
    out->received_by = sqlite3_column_int64(stmt, base + 7);
    out->note = store_sq_col_text(ar, stmt, base + 8);
    out->overdue_at = sqlite3_column_int64(stmt, base + 9);
}

static void read_rcpt(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    read_rcpt_at(ar, stmt, 0, row);
}

static void read_i64_0(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    *(int64_t *)row = sqlite3_column_int64(stmt, 0);
}

static void read_text_0(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    *(const char **)row = store_sq_col_text(ar, stmt, 0);
}

/* The path of unit id into *path (in ar); PH_ENOTFOUND when there is none. */
static ph_err unit_path(struct store_sq *s, struct arena *ar, int64_t id, const char **path)
{
    sqlite3_stmt *stmt =
        store_sq_stmt(s, SQ_BULLETIN_UNIT_PATH, "SELECT path FROM units WHERE id = ?1");

    if (stmt == NULL)
        return PH_ESTORE;
    return store_sq_get(s, ar, stmt, sqlite3_bind_int64(stmt, 1, id), "unit path", read_text_0,
                        path);
}

/* ---- bulletins ----------------------------------------------------------- */

static bool has_id(const int64_t *ids, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id)
            return true;
    return false;
}

ph_err store_sq_bulletin_insert(struct store *st, const struct bulletin *b,
                                const char *title_folded, const struct bulletin_recipient *rcpts,
                                size_t n_rcpts, int64_t *id)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *ins = store_sq_stmt(
        s, SQ_BULLETIN_INSERT,
        "INSERT INTO bulletins (kind, schedule_id, period_start, from_unit_id, title, "
        "title_folded, situation, assessment, proposals, classification, cap_status, "
        "ack_required, ack_minutes, sent_at, created_by, version) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, coalesce(?11, 'actual'), ?12, ?13, ?14, "
        "?15, 1)");
    sqlite3_stmt *add_f =
        store_sq_stmt(s, SQ_BULLETIN_FORCE_ADD,
                      "INSERT INTO bulletin_forces (bulletin_id, pos, force) VALUES (?1, ?2, ?3) "
                      "ON CONFLICT DO NOTHING");
    sqlite3_stmt *add_r = store_sq_stmt(
        s, SQ_BULLETIN_RCPT_ADD,
        "INSERT INTO bulletin_recipients (bulletin_id, unit_id, pos, is_named, ack_due_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5)");
    int64_t new_id = 0;
    ph_err rc;
    int e;

    if (ins == NULL || add_f == NULL || add_r == NULL)
        return PH_ESTORE;
    if ((rc = store_sq_op_begin(s)) != PH_OK)
        return rc;
    e = store_sq_bind_text(ins, 1, b->kind) | store_sq_bind_id(ins, 2, b->schedule_id) |
        store_sq_bind_text(ins, 3, b->period_start) | store_sq_bind_id(ins, 4, b->from_unit_id) |
        store_sq_bind_text(ins, 5, b->title) | store_sq_bind_text(ins, 6, title_folded) |
        store_sq_bind_text(ins, 7, b->situation) | store_sq_bind_text(ins, 8, b->assessment) |
        store_sq_bind_text(ins, 9, b->proposals) | sqlite3_bind_int(ins, 10, b->classification) |
        store_sq_bind_text(ins, 11, b->cap_status) | sqlite3_bind_int(ins, 12, b->ack_required) |
        sqlite3_bind_int(ins, 13, b->ack_minutes) |
        sqlite3_bind_int64(ins, 14, store_time_or_now(b->sent_at)) |
        sqlite3_bind_int64(ins, 15, b->created_by);
    rc = store_sq_insert(s, ins, e, "insert bulletin", &new_id);
    for (size_t i = 0; rc == PH_OK && i < b->n_to_forces; i++)
        rc = store_sq_write(s, add_f,
                            sqlite3_bind_int64(add_f, 1, new_id) |
                                sqlite3_bind_int64(add_f, 2, (int64_t)i) |
                                store_sq_bind_text(add_f, 3, b->to_forces[i]),
                            "add bulletin force", NULL);
    for (size_t i = 0; rc == PH_OK && i < n_rcpts; i++)
        rc = store_sq_write(
            s, add_r,
            sqlite3_bind_int64(add_r, 1, new_id) | sqlite3_bind_int64(add_r, 2, rcpts[i].unit_id) |
                sqlite3_bind_int64(add_r, 3, (int64_t)i) |
                sqlite3_bind_int(add_r, 4,
                                 has_id(b->to_unit_ids, b->n_to_units, rcpts[i].unit_id)) |
                sqlite3_bind_int64(add_r, 5, rcpts[i].ack_due_at),
            "add bulletin recipient", NULL);
    rc = store_sq_op_end(s, rc);
    if (rc == PH_OK)
        *id = new_id;
    return rc;
}

ph_err store_sq_bulletin_get(struct store *st, struct arena *ar, int64_t id, int64_t now_ms,
                             struct bulletin *out)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(s, SQ_BULLETIN_GET,
                                       "SELECT " BULLETIN_COLS " FROM bulletins AS b" BULLETIN_JOINS
                                       " WHERE b.id = :id");

    if (stmt == NULL)
        return PH_ESTORE;
    return store_sq_get(s, ar, stmt, store_sq_bind_named_i64(stmt, ":id", id) | store_sq_bind_named_i64(stmt, ":now", now_ms),
                        "get bulletin", read_bulletin, out);
}

ph_err store_sq_bulletin_list(struct store *st, struct arena *ar, const struct bulletin_filter *f,
                              int64_t now_ms, struct bulletin **items, size_t *n, bool *has_more)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_BULLETIN_LIST,
        "SELECT " BULLETIN_COLS " FROM bulletins AS b" BULLETIN_JOINS " "
        "WHERE (:before = 0 OR b.id < :before) AND (:from = 0 OR b.sent_at >= :from) "
        "AND (:to = 0 OR b.sent_at < :to) AND (:kind IS NULL OR b.kind = :kind) "
        "AND (:cap IS NULL OR b.cap_status = :cap) "
        "AND (:q IS NULL OR b.title_folded LIKE '%' || :q || '%' ESCAPE '\\') "
        "AND " IN_RANGE("unit") " AND " SCOPE_EXPR " ORDER BY b.id DESC LIMIT :limit");
    int limit = store_list_limit(f->limit);
    const char *unit = NULL;
    void *list = NULL;
    ph_err rc;
    int e;

    if (stmt == NULL)
        return PH_ESTORE;
    if (f->unit_id != 0) {
        rc = unit_path(s, ar, f->unit_id, &unit);
        if (rc == PH_ENOTFOUND) { /* no such unit: nothing is sent by or to it */
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
        store_sq_bind_named_text(stmt, ":cap", f->cap_status) |
        store_sq_bind_named_text(stmt, ":q", store_like_escape(ar, f->q)) |
        store_sq_bind_named_range(ar, stmt, ":unit_lo", ":unit_hi", unit) |
        store_sq_bind_named_i64(stmt, ":clearance", f->scope_clearance) |
        store_sq_bind_named_range(ar, stmt, ":scope_lo", ":scope_hi", f->scope_unit_path) |
        store_sq_bind_named_i64(stmt, ":now", now_ms) | store_sq_bind_named_i64(stmt, ":limit", limit + 1);
    rc = store_sq_rows(s, ar, stmt, e, "list bulletins", sizeof(**items), limit, read_bulletin,
                       &list, n, has_more);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

ph_err store_sq_bulletin_recipients(struct store *st, struct arena *ar, int64_t bulletin_id,
                                    struct bulletin_recipient **items, size_t *n)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(s, SQ_BULLETIN_RCPTS,
                                       "SELECT " RCPT_COLS " FROM bulletin_recipients AS r "
                                       "JOIN units AS u ON u.id = r.unit_id "
                                       "WHERE r.bulletin_id = ?1 ORDER BY r.pos");
    void *list = NULL;
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    rc = store_sq_rows(s, ar, stmt, sqlite3_bind_int64(stmt, 1, bulletin_id), "bulletin recipients",
                       sizeof(**items), 0, read_rcpt, &list, n, NULL);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

ph_err store_sq_bulletin_ack(struct store *st, int64_t bulletin_id, int64_t unit_id, int64_t at,
                             int64_t person_id, const char *note)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_BULLETIN_ACK,
        "UPDATE bulletin_recipients SET received_at = ?3, received_by = ?4, note = ?5 "
        "WHERE bulletin_id = ?1 AND unit_id = ?2 AND received_at = 0");
    sqlite3_stmt *state =
        store_sq_stmt(s, SQ_BULLETIN_RCPT_STATE,
                      "SELECT 1 FROM bulletin_recipients WHERE bulletin_id = ?1 AND unit_id = ?2");
    ph_err rc;

    if (stmt == NULL || state == NULL)
        return PH_ESTORE;
    rc = store_sq_write_one(
        s, stmt,
        sqlite3_bind_int64(stmt, 1, bulletin_id) | sqlite3_bind_int64(stmt, 2, unit_id) |
            sqlite3_bind_int64(stmt, 3, store_time_or_now(at)) |
            sqlite3_bind_int64(stmt, 4, person_id) | store_sq_bind_text(stmt, 5, note),
        "acknowledge bulletin");
    if (rc != PH_ENOTFOUND)
        return rc;
    /* Nothing changed: a recipient that already acknowledged, or none at all. */
    rc = store_sq_get(s, NULL, state,
                      sqlite3_bind_int64(state, 1, bulletin_id) |
                          sqlite3_bind_int64(state, 2, unit_id),
                      "bulletin recipient", NULL, NULL);
    return rc == PH_OK ? PH_ECONFLICT : rc;
}

/* ---- inbox --------------------------------------------------------------- */

/* The bulletin, the unit's recipient row, then whether its deadline passed. */
static void read_inbox_item(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    struct bulletin_inbox_item *out = row;

    memset(out, 0, sizeof(*out));
    read_bulletin_cols(ar, stmt, &out->b);
    read_rcpt_at(ar, stmt, BULLETIN_NCOLS, &out->rcpt);
    out->overdue = sqlite3_column_int(stmt, BULLETIN_NCOLS + RCPT_NCOLS) != 0;
}

ph_err store_sq_bulletin_inbox(struct store *st, struct arena *ar, int64_t unit_id, int64_t now_ms,
                               const struct incident_scope *scope, int limit,
                               struct bulletin_inbox_item **items, size_t *n)
{
    struct store_sq *s = store_sq_of(st);
    /* The partial index bulletin_recipients_inbox holds exactly the rows asked for. */
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_BULLETIN_INBOX,
        "SELECT " BULLETIN_COLS ", " RCPT_COLS ", r.ack_due_at < :now AS is_overdue "
        "FROM bulletin_recipients AS r JOIN bulletins AS b ON b.id = r.bulletin_id "
        "JOIN units AS u ON u.id = r.unit_id" BULLETIN_JOINS " "
        "WHERE r.unit_id = :unit AND " OWES(
            "r") " AND " SCOPE_EXPR " "
                 "ORDER BY is_overdue DESC, r.ack_due_at, b.sent_at, b.id LIMIT :limit");
    void *list = NULL;
    ph_err rc;
    int e;

    if (stmt == NULL)
        return PH_ESTORE;
    e = store_sq_bind_named_i64(stmt, ":now", now_ms) | store_sq_bind_named_i64(stmt, ":unit", unit_id) |
        store_sq_bind_scope(ar, stmt, scope) |
        store_sq_bind_named_i64(stmt, ":limit", store_list_limit(limit));
    rc = store_sq_rows(s, ar, stmt, e, "bulletin inbox", sizeof(**items), 0, read_inbox_item, &list,
                       n, NULL);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

/* ---- deadlines ----------------------------------------------------------- */

/* Repeats the WHERE of the partial index bulletin_recipients_pending, which lets
 * SQLite use it. */
#define PENDING "r.ack_due_at > 0 AND r.received_at = 0 AND r.overdue_at = 0"

static void read_due(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    struct store_bulletin_due *out = row;

    out->bulletin_id = sqlite3_column_int64(stmt, 0);
    out->unit_id = sqlite3_column_int64(stmt, 1);
    out->due_at = sqlite3_column_int64(stmt, 2);
}

ph_err store_sq_bulletin_due(struct store *st, struct arena *ar, int64_t now, int limit,
                             struct store_bulletin_due **items, size_t *n)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt =
        store_sq_stmt(s, SQ_BULLETIN_DUE,
                      "SELECT r.bulletin_id, r.unit_id, r.ack_due_at FROM bulletin_recipients AS r "
                      "WHERE " PENDING " AND r.ack_due_at <= ?1 "
                      "ORDER BY r.ack_due_at, r.bulletin_id, r.unit_id LIMIT ?2");
    void *list = NULL;
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    rc = store_sq_rows(s, ar, stmt,
                       sqlite3_bind_int64(stmt, 1, now) |
                           sqlite3_bind_int(stmt, 2, limit < 0 ? 0 : limit),
                       "due bulletin deadlines", sizeof(**items), 0, read_due, &list, n, NULL);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

ph_err store_sq_bulletin_deadline_next(struct store *st, int64_t now, int64_t *at)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_BULLETIN_DEADLINE_NEXT,
        "SELECT coalesce((SELECT r.ack_due_at FROM bulletin_recipients AS r WHERE " PENDING
        " AND r.ack_due_at > ?1 ORDER BY r.ack_due_at LIMIT 1), 0)");
    int64_t next = 0;
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    rc = store_sq_get(s, NULL, stmt, sqlite3_bind_int64(stmt, 1, now), "next bulletin deadline",
                      read_i64_0, &next);
    if (rc == PH_OK)
        *at = next;
    return rc;
}

ph_err store_sq_bulletin_mark_overdue(struct store *st, int64_t bulletin_id, int64_t unit_id,
                                      int64_t at)
{
    struct store_sq *s = store_sq_of(st);
    /* The first time a deadline was found late is the one that counts. */
    sqlite3_stmt *stmt = store_sq_stmt(s, SQ_BULLETIN_MARK_OVERDUE,
                                       "UPDATE bulletin_recipients SET overdue_at = CASE "
                                       "WHEN overdue_at = 0 THEN ?3 ELSE overdue_at END "
                                       "WHERE bulletin_id = ?1 AND unit_id = ?2");

    if (stmt == NULL)
        return PH_ESTORE;
    return store_sq_write_one(s, stmt,
                              sqlite3_bind_int64(stmt, 1, bulletin_id) |
                                  sqlite3_bind_int64(stmt, 2, unit_id) |
                                  sqlite3_bind_int64(stmt, 3, store_time_or_now(at)),
                              "mark bulletin overdue");
}

struct period_state {
    bool sent, missed;
};

static void read_period_state(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    struct period_state *out = row;

    out->sent = sqlite3_column_int(stmt, 0) != 0;
    out->missed = sqlite3_column_int(stmt, 1) != 0;
}

ph_err store_sq_bulletin_period_state(struct store *st, int64_t schedule_id,
                                      const char *period_start, bool *sent, bool *missed)
{
    struct store_sq *s = store_sq_of(st);
    /* Both are lookups by key: the unique index of periods and the misses' key. */
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_BULLETIN_PERIOD_STATE,
        "SELECT EXISTS (SELECT 1 FROM bulletins WHERE schedule_id = ?1 AND period_start = ?2), "
        "EXISTS (SELECT 1 FROM bulletin_schedule_misses WHERE schedule_id = ?1 "
        "AND period_start = ?2)");
    struct period_state ps = {false, false};
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    rc = store_sq_get(s, NULL, stmt,
                      sqlite3_bind_int64(stmt, 1, schedule_id) |
                          store_sq_bind_text(stmt, 2, period_start),
                      "bulletin period", read_period_state, &ps);
    if (rc == PH_OK) {
        *sent = ps.sent;
        *missed = ps.missed;
    }
    return rc;
}

ph_err store_sq_bulletin_miss_insert(struct store *st, int64_t schedule_id,
                                     const char *period_start, int64_t due_at, int64_t at)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_BULLETIN_MISS_INSERT,
        "INSERT INTO bulletin_schedule_misses (schedule_id, period_start, due_at, recorded_at) "
        "VALUES (?1, ?2, ?3, ?4)");

    if (stmt == NULL)
        return PH_ESTORE;
    return store_sq_write(s, stmt,
                          sqlite3_bind_int64(stmt, 1, schedule_id) |
                              store_sq_bind_text(stmt, 2, period_start) |
                              sqlite3_bind_int64(stmt, 3, due_at) |
                              sqlite3_bind_int64(stmt, 4, store_time_or_now(at)),
                          "record missing bulletin", NULL);
}

/* ---- schedules ----------------------------------------------------------- */

#define SCHEDULE_COLS                                                                              \
    "s.id, s.unit_id, s.title, s.period, s.due_local, s.due_day, s.ack_minutes, s.is_active, "     \
    "s.version, s.created_at, s.updated_at, u.path, "                                              \
    "(SELECT group_concat(unit_id, ' ') FROM (SELECT unit_id FROM bulletin_schedule_units "        \
    "WHERE schedule_id = s.id ORDER BY pos)), "                                                    \
    "(SELECT group_concat(force, ' ') FROM (SELECT force FROM bulletin_schedule_forces "           \
    "WHERE schedule_id = s.id ORDER BY pos))"
#define SCHEDULE_JOINS " JOIN units AS u ON u.id = s.unit_id"
#define SQL_SCHEDULE_EXISTS "SELECT 1 FROM bulletin_schedules WHERE id = ?1"

static void read_schedule(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    struct bulletin_schedule *out = row;

    memset(out, 0, sizeof(*out));
    out->id = sqlite3_column_int64(stmt, 0);
    out->unit_id = sqlite3_column_int64(stmt, 1);
    out->title = store_sq_col_text(ar, stmt, 2);
    out->period = store_sq_col_text(ar, stmt, 3);
    out->due_local = store_sq_col_text(ar, stmt, 4);
    out->due_day = sqlite3_column_int(stmt, 5);
    out->ack_minutes = sqlite3_column_int(stmt, 6);
    out->is_active = sqlite3_column_int(stmt, 7) != 0;
    out->version = sqlite3_column_int64(stmt, 8);
    out->created_at = sqlite3_column_int64(stmt, 9);
    out->updated_at = sqlite3_column_int64(stmt, 10);
    out->unit_path = store_sq_col_text(ar, stmt, 11);
    out->to_unit_ids =
        store_split_ids(ar, (const char *)sqlite3_column_text(stmt, 12), &out->n_to_units);
    out->to_forces =
        store_split_words(ar, (const char *)sqlite3_column_text(stmt, 13), &out->n_to_forces);
}

/* Replace the recipients schedule id names with s's. A repeated unit or force
 * counts once (its first place). */
static ph_err write_schedule_targets(struct store_sq *s, int64_t id,
                                     const struct bulletin_schedule *sc)
{
    sqlite3_stmt *clear_u = store_sq_stmt(
        s, SQ_SCHEDULE_UNITS_CLEAR, "DELETE FROM bulletin_schedule_units WHERE schedule_id = ?1");
    sqlite3_stmt *add_u = store_sq_stmt(
        s, SQ_SCHEDULE_UNITS_ADD,
        "INSERT INTO bulletin_schedule_units (schedule_id, pos, unit_id) VALUES (?1, ?2, ?3) "
        "ON CONFLICT DO NOTHING");
    sqlite3_stmt *clear_f = store_sq_stmt(
        s, SQ_SCHEDULE_FORCES_CLEAR, "DELETE FROM bulletin_schedule_forces WHERE schedule_id = ?1");
    sqlite3_stmt *add_f = store_sq_stmt(
        s, SQ_SCHEDULE_FORCES_ADD,
        "INSERT INTO bulletin_schedule_forces (schedule_id, pos, force) VALUES (?1, ?2, ?3) "
        "ON CONFLICT DO NOTHING");
    ph_err rc;

    if (clear_u == NULL || add_u == NULL || clear_f == NULL || add_f == NULL)
        return PH_ESTORE;
    rc = store_sq_write(s, clear_u, sqlite3_bind_int64(clear_u, 1, id), "clear schedule units",
                        NULL);
    for (size_t i = 0; rc == PH_OK && i < sc->n_to_units; i++)
        rc = store_sq_write(s, add_u,
                            sqlite3_bind_int64(add_u, 1, id) |
                                sqlite3_bind_int64(add_u, 2, (int64_t)i) |
                                sqlite3_bind_int64(add_u, 3, sc->to_unit_ids[i]),
                            "add schedule unit", NULL);
    if (rc == PH_OK)
        rc = store_sq_write(s, clear_f, sqlite3_bind_int64(clear_f, 1, id), "clear schedule forces",
                            NULL);
    for (size_t i = 0; rc == PH_OK && i < sc->n_to_forces; i++)
        rc = store_sq_write(s, add_f,
                            sqlite3_bind_int64(add_f, 1, id) |
                                sqlite3_bind_int64(add_f, 2, (int64_t)i) |
                                store_sq_bind_text(add_f, 3, sc->to_forces[i]),
                            "add schedule force", NULL);
    return rc;
}

/* The members insert and update share, ?2 to ?7. */
static int bind_schedule(sqlite3_stmt *stmt, const struct bulletin_schedule *sc)
{
    return store_sq_bind_text(stmt, 2, sc->title) | store_sq_bind_text(stmt, 3, sc->period) |
           store_sq_bind_text(stmt, 4, sc->due_local) | sqlite3_bind_int(stmt, 5, sc->due_day) |
           sqlite3_bind_int(stmt, 6, sc->ack_minutes) | sqlite3_bind_int(stmt, 7, sc->is_active);
}

ph_err store_sq_bulletin_schedule_insert(struct store *st, const struct bulletin_schedule *sc,
                                         int64_t *id)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_SCHEDULE_INSERT,
        "INSERT INTO bulletin_schedules (unit_id, title, period, due_local, due_day, ack_minutes, "
        "is_active, version, created_at, updated_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8, ?9)");
    int64_t new_id = 0;
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    if ((rc = store_sq_op_begin(s)) != PH_OK)
        return rc;
    rc = store_sq_insert(s, stmt,
                         store_sq_bind_id(stmt, 1, sc->unit_id) | bind_schedule(stmt, sc) |
                             store_sq_bind_created(stmt, 8, sc->created_at, sc->updated_at),
                         "insert bulletin schedule", &new_id);
    if (rc == PH_OK)
        rc = write_schedule_targets(s, new_id, sc);
    rc = store_sq_op_end(s, rc);
    if (rc == PH_OK)
        *id = new_id;
    return rc;
}

ph_err store_sq_bulletin_schedule_update(struct store *st, const struct bulletin_schedule *sc)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_SCHEDULE_UPDATE,
        "UPDATE bulletin_schedules SET title = ?2, period = ?3, due_local = ?4, due_day = ?5, "
        "ack_minutes = ?6, is_active = ?7, updated_at = ?8, version = version + 1 "
        "WHERE id = ?1 AND (?9 = 0 OR version = ?9)");
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    if ((rc = store_sq_op_begin(s)) != PH_OK)
        return rc;
    rc = store_sq_update_versioned(
        s, stmt,
        sqlite3_bind_int64(stmt, 1, sc->id) | bind_schedule(stmt, sc) |
            sqlite3_bind_int64(stmt, 8, store_time_or_now(sc->updated_at)) |
            sqlite3_bind_int64(stmt, 9, sc->version),
        "update bulletin schedule", SQ_SCHEDULE_EXISTS, SQL_SCHEDULE_EXISTS, sc->id);
    if (rc == PH_OK)
        rc = write_schedule_targets(s, sc->id, sc);
    return store_sq_op_end(s, rc);
}

ph_err store_sq_bulletin_schedule_get(struct store *st, struct arena *ar, int64_t id,
                                      struct bulletin_schedule *out)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_SCHEDULE_GET,
        "SELECT " SCHEDULE_COLS " FROM bulletin_schedules AS s" SCHEDULE_JOINS " WHERE s.id = ?1");

    if (stmt == NULL)
        return PH_ESTORE;
    return store_sq_get(s, ar, stmt, sqlite3_bind_int64(stmt, 1, id), "get bulletin schedule",
                        read_schedule, out);
}

/* A force's province-level unit is its active one of that level with the lowest
 * id, as store_unit_responsible() answers for no area. */
#define SCHEDULE_SCOPE_EXPR                                                                        \
    "(:scope_lo IS NULL OR (u.path >= :scope_lo AND u.path < :scope_hi) "                          \
    "OR EXISTS (SELECT 1 FROM bulletin_schedule_units AS su JOIN units AS suu "                    \
    "ON suu.id = su.unit_id WHERE su.schedule_id = s.id AND suu.path >= :scope_lo "                \
    "AND suu.path < :scope_hi) "                                                                   \
    "OR EXISTS (SELECT 1 FROM bulletin_schedule_forces AS sf JOIN units AS sfu "                   \
    "ON sfu.id = (SELECT min(id) FROM units WHERE force = sf.force AND level = 'province' "        \
    "AND is_active = 1) WHERE sf.schedule_id = s.id AND sfu.path >= :scope_lo "                    \
    "AND sfu.path < :scope_hi))"

ph_err store_sq_bulletin_schedule_list(struct store *st, struct arena *ar, int64_t unit_id,
                                       const struct incident_scope *scope, int64_t after_id,
                                       int limit, struct bulletin_schedule **items, size_t *n,
                                       bool *has_more)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_SCHEDULE_LIST,
        "SELECT " SCHEDULE_COLS " FROM bulletin_schedules AS s" SCHEDULE_JOINS " "
        "WHERE s.id > :after AND (:unit_lo IS NULL OR (u.path >= :unit_lo AND u.path < :unit_hi)) "
        "AND :clearance >= 0 AND " SCHEDULE_SCOPE_EXPR " ORDER BY s.id LIMIT :limit");
    int lim = store_list_limit(limit);
    const char *unit = NULL;
    void *list = NULL;
    ph_err rc;
    int e;

    if (stmt == NULL)
        return PH_ESTORE;
    if (unit_id != 0) {
        rc = unit_path(s, ar, unit_id, &unit);
        if (rc == PH_ENOTFOUND) {
            *items = NULL;
            *n = 0;
            *has_more = false;
            return PH_OK;
        }
        if (rc != PH_OK)
            return rc;
    }
    e = store_sq_bind_named_i64(stmt, ":after", after_id) | store_sq_bind_named_range(ar, stmt, ":unit_lo", ":unit_hi", unit) |
        store_sq_bind_scope(ar, stmt, scope) |
        store_sq_bind_named_i64(stmt, ":limit", lim + 1);
    rc = store_sq_rows(s, ar, stmt, e, "list bulletin schedules", sizeof(**items), lim,
                       read_schedule, &list, n, has_more);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

ph_err store_sq_bulletin_schedule_active(struct store *st, struct arena *ar,
                                         struct bulletin_schedule **items, size_t *n)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt =
        store_sq_stmt(s, SQ_SCHEDULE_ACTIVE,
                      "SELECT " SCHEDULE_COLS " FROM bulletin_schedules AS s" SCHEDULE_JOINS
                      " WHERE s.is_active = 1 ORDER BY s.id");
    void *list = NULL;
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    rc = store_sq_rows(s, ar, stmt, SQLITE_OK, "active bulletin schedules", sizeof(**items), 0,
                       read_schedule, &list, n, NULL);
    if (rc == PH_OK)
        *items = list;
    return rc;
}
