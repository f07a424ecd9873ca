/* pg_bulletins.c - the PostgreSQL twin of sqlite_bulletins.c (pg_int.h):
 * bulletins with the forces they were addressed to and their recipients'
 * acknowledgements, lists under the caller's access scope, inboxes, the
 * deadlines the scheduler watches, the periods of schedules (answered or found
 * missing), and the schedules themselves.
 *
 * The rules are the SQLite store's: a recipient owes an acknowledgement when its
 * row has a deadline (ack_due_at > 0) and no receipt yet; the access scope is
 * the bulletin's classification against the caller's clearance and, with the
 * caller's unit path, the sender or some recipient inside the path's range
 * [lo, hi). Parameters have fixed numbers per statement, so the SQL pieces below
 * take the numbers they refer to; every use of a parameter carries its cast so
 * that PostgreSQL deduces one type for it. */
#include "util/base.h"
#include "store/pg_int.h"
#include "store/store.h"
#include "util/arena.h"

/* ---- shared SQL pieces --------------------------------------------------- */

/* Recipient rows that owe an acknowledgement (see the top of the file). */
#define OWES(r) r ".ack_due_at > 0 AND " r ".received_at = 0"

/* Some recipient of bulletin b owes one past its deadline (before $NOW). */
#define OVERDUE_EXPR(NOW)                                                                          \
    "EXISTS (SELECT 1 FROM bulletin_recipients AS o WHERE o.bulletin_id = b.id AND " OWES(         \
        "o") " AND o.ack_due_at < $" NOW "::bigint)"

/* The sender (unit fu) or some recipient of bulletin b is in [$LO, $HI); p
 * names the subquery's aliases. */
#define IN_RANGE(p, LO, HI)                                                                        \
    "($" LO "::text IS NULL OR (fu.path >= $" LO "::text AND fu.path < $" HI "::text) "           \
    "OR EXISTS (SELECT 1 FROM bulletin_recipients AS " p "r JOIN units AS " p "u ON " p           \
    "u.id = " p "r.unit_id WHERE " p "r.bulletin_id = b.id AND " p "u.path >= $" LO "::text "     \
    "AND " p "u.path < $" HI "::text))"

/* The access scope of bulletin b: clearance $C, unit range [$LO, $HI). */
#define SCOPE_EXPR(C, LO, HI) "b.classification <= $" C "::bigint AND " IN_RANGE("scope", LO, HI)

/* The columns of struct bulletin, joined members included (read_bulletin_cols).
 * Paths, ids and force codes hold no spaces, so the lists come space-separated. */
#define BULLETIN_COLS(NOW)                                                                         \
    "b.id, b.kind, b.schedule_id, b.period_start, b.from_unit_id, b.title, b.situation, "          \
    "b.assessment, b.proposals, b.classification, b.cap_status, b.ack_required, b.ack_minutes, "   \
    "b.sent_at, b.created_by, b.version, fu.path, fu.force, "                                      \
    "(SELECT string_agg(unit_id::text, ' ' ORDER BY pos) FROM bulletin_recipients "                \
    "WHERE bulletin_id = b.id AND is_named = 1), "                                                 \
    "(SELECT string_agg(force, ' ' ORDER BY pos) FROM bulletin_forces "                            \
    "WHERE bulletin_id = b.id), "                                                                  \
    "(SELECT string_agg(cu.path, ' ' ORDER BY cr.pos) FROM bulletin_recipients AS cr "             \
    "JOIN units AS cu ON cu.id = cr.unit_id WHERE cr.bulletin_id = b.id), " OVERDUE_EXPR(NOW)
#define BULLETIN_NCOLS 22
#define BULLETIN_JOINS " JOIN units AS fu ON fu.id = b.from_unit_id"

/* The columns of struct bulletin_recipient, for recipient r and its unit u. */
#define RCPT_COLS                                                                                  \
    "r.unit_id, u.code, u.name, u.path, u.force, r.ack_due_at, r.received_at, r.received_by, "     \
    "r.note, r.overdue_at"
#define RCPT_NCOLS 10

static void read_bulletin_cols(struct arena *ar, const PGresult *res, int row,
                               struct bulletin *out)
{
    memset(out, 0, sizeof(*out));
    out->id = pg_col_i64(res, row, 0);
    out->kind = pg_col_text(ar, res, row, 1);
    out->schedule_id = pg_col_i64(res, row, 2);
    out->period_start = pg_col_text(ar, res, row, 3);
    out->from_unit_id = pg_col_i64(res, row, 4);
    out->title = pg_col_text(ar, res, row, 5);
    out->situation = pg_col_text(ar, res, row, 6);
    out->assessment = pg_col_text(ar, res, row, 7);
    out->proposals = pg_col_text(ar, res, row, 8);
    out->classification = pg_col_int(res, row, 9);
    out->cap_status = pg_col_text(ar, res, row, 10);
    out->ack_required = pg_col_bool(res, row, 11);
    out->ack_minutes = pg_col_int(res, row, 12);
    out->sent_at = pg_col_i64(res, row, 13);
    out->created_by = pg_col_i64(res, row, 14);
    out->version = pg_col_i64(res, row, 15);
    out->from_unit_path = pg_col_text(ar, res, row, 16);
    out->from_force = pg_col_text(ar, res, row, 17);
    /* PQgetvalue gives "" for NULL, which the splitters read as an empty list. */
    out->to_unit_ids = store_split_ids(ar, PQgetvalue(res, row, 18), &out->n_to_units);
    out->to_forces = store_split_words(ar, PQgetvalue(res, row, 19), &out->n_to_forces);
    out->sent_to_paths = store_split_words(ar, PQgetvalue(res, row, 20), &out->n_sent_to);
    out->overdue = pg_col_bool(res, row, 21);
}

static void read_bulletin(struct arena *ar, const PGresult *res, int row, void *out)
{
    read_bulletin_cols(ar, res, row, out);
}

/* RCPT_COLS from column base on. */
static void read_rcpt_at(struct arena *ar, const PGresult *res, int row, int base,
                         struct bulletin_recipient *out)
{
    memset(out, 0, sizeof(*out));
    out->unit_id = pg_col_i64(res, row, base + 0);
    out->unit_code = pg_col_text(ar, res, row, base + 1);
    out->unit_name = pg_col_text(ar, res, row, base + 2);
    out->unit_path = pg_col_text(ar, res, row, base + 3);
    out->force = pg_col_text(ar, res, row, base + 4);
    out->ack_due_at = pg_col_i64(res, row, base + 5);
    out->received_at = pg_col_i64(res, row, base + 6);
    out->received_by = pg_col_i64(res, row, base + 7);
    out->note = pg_col_text(ar, res, row, base + 8);
    out->overdue_at = pg_col_i64(res, row, base + 9);
}

static void read_rcpt(struct arena *ar, const PGresult *res, int row, void *out)
{
    read_rcpt_at(ar, res, row, 0, out);
}

static void read_text_0(struct arena *ar, const PGresult *res, int row, void *out)
{
    *(const char **)out = pg_col_text(ar, res, row, 0);
}

/* The path of unit id into *path (in ar); PH_ENOTFOUND when there is none. */
static ph_err unit_path(struct store_pg *p, struct arena *ar, int64_t id, const char **path)
{
    struct pg_args a = {0};

    pg_arg_i64(&a, id);
    return pg_get(p, ar, "SELECT path FROM units WHERE id = $1::bigint", &a, "unit path",
                  read_text_0, path);
}

/* ---- bulletins ----------------------------------------------------------- */

static bool has_id(const int64_t *ids, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id)
            return true;
    return false;
}

/* The forces, then the recipients, of new bulletin id. */
static ph_err add_targets(struct store_pg *p, int64_t id, const struct bulletin *b,
                          const struct bulletin_recipient *rcpts, size_t n_rcpts)
{
    ph_err rc = PH_OK;

    for (size_t i = 0; rc == PH_OK && i < b->n_to_forces; i++) {
        struct pg_args a = {0};
        pg_arg_i64(&a, id);
        pg_arg_i64(&a, (int64_t)i);
        pg_arg_text(&a, b->to_forces[i]);
        rc = pg_write(p,
                      "INSERT INTO bulletin_forces (bulletin_id, pos, force) "
                      "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                      &a, "add bulletin force", NULL);
    }
    for (size_t i = 0; rc == PH_OK && i < n_rcpts; i++) {
        struct pg_args a = {0};
        pg_arg_i64(&a, id);
        pg_arg_i64(&a, rcpts[i].unit_id);
        pg_arg_i64(&a, (int64_t)i);
        pg_arg_i64(&a, has_id(b->to_unit_ids, b->n_to_units, rcpts[i].unit_id) ? 1 : 0);
        pg_arg_i64(&a, rcpts[i].ack_due_at);
        rc = pg_write(p,
                      "INSERT INTO bulletin_recipients (bulletin_id, unit_id, pos, is_named, "
                      "ack_due_at) VALUES ($1, $2, $3, $4, $5)",
                      &a, "add bulletin recipient", NULL);
    }
    return rc;
}

ph_err store_pg_bulletin_insert(struct store *st, const struct bulletin *b,
                                const char *title_folded, const struct bulletin_recipient *rcpts,
                                size_t n_rcpts, int64_t *id)
{
    struct store_pg *p = store_pg_of(st);
    struct pg_args a = {0};
    int64_t new_id = 0;
    ph_err rc;

    pg_arg_text(&a, b->kind);
    pg_arg_id(&a, b->schedule_id);
    pg_arg_text(&a, b->period_start);
    pg_arg_id(&a, b->from_unit_id);
    pg_arg_text(&a, b->title);
    pg_arg_text(&a, title_folded);
    pg_arg_text(&a, b->situation);
    pg_arg_text(&a, b->assessment);
    pg_arg_text(&a, b->proposals);
    pg_arg_i64(&a, b->classification);
    pg_arg_text(&a, b->cap_status);
    pg_arg_i64(&a, b->ack_required ? 1 : 0);
    pg_arg_i64(&a, b->ack_minutes);
    pg_arg_i64(&a, store_time_or_now(b->sent_at));
    pg_arg_i64(&a, b->created_by);
    if ((rc = pg_op_begin(p)) != PH_OK)
        return rc;
    rc = pg_insert(p,
                   "INSERT INTO bulletins (kind, schedule_id, period_start, from_unit_id, title, "
                   "title_folded, situation, assessment, proposals, classification, cap_status, "
                   "ack_required, ack_minutes, sent_at, created_by, version) "
                   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, coalesce($11::text, "
                   "'actual'), $12, $13, $14, $15, 1) RETURNING id",
                   &a, "insert bulletin", &new_id);
    if (rc == PH_OK)
        rc = add_targets(p, new_id, b, rcpts, n_rcpts);
    rc = pg_op_end(p, rc);
    if (rc == PH_OK)
        *id = new_id;
    return rc;
}

ph_err store_pg_bulletin_get(struct store *st, struct arena *ar, int64_t id, int64_t now_ms,
                             struct bulletin *out)
{
    struct pg_args a = {0};

    pg_arg_i64(&a, id);
    pg_arg_i64(&a, now_ms);
    return pg_get(store_pg_of(st), ar,
                  "SELECT " BULLETIN_COLS("2") " FROM bulletins AS b" BULLETIN_JOINS
                  " WHERE b.id = $1::bigint",
                  &a, "get bulletin", read_bulletin, out);
}

ph_err store_pg_bulletin_list(struct store *st, struct arena *ar, const struct bulletin_filter *f,
                              int64_t now_ms, struct bulletin **items, size_t *n, bool *has_more)
{
    struct store_pg *p = store_pg_of(st);
    struct pg_args a = {0};
    int limit = store_list_limit(f->limit);
    const char *unit = NULL;
    void *list = NULL;
    ph_err rc;

    if (f->unit_id != 0) {
        rc = unit_path(p, ar, f->unit_id, &unit);
        if (rc == PH_ENOTFOUND) { /* no such unit: nothing is sent by or to it */
            *items = NULL;
            *n = 0;
            *has_more = false;
            return PH_OK;
        }
        if (rc != PH_OK)
            return rc;
    }
    pg_arg_i64(&a, f->before_id);                     /* $1 */
    pg_arg_i64(&a, f->from);                          /* $2 */
    pg_arg_i64(&a, f->to);                            /* $3 */
    pg_arg_text(&a, f->kind);                         /* $4 */
    pg_arg_text(&a, f->cap_status);                   /* $5 */
    pg_arg_text(&a, store_like_escape(ar, f->q));     /* $6 */
    pg_arg_range(&a, ar, unit);                       /* $7, $8 */
    pg_arg_i64(&a, f->scope_clearance);               /* $9 */
    pg_arg_range(&a, ar, f->scope_unit_path);         /* $10, $11 */
    pg_arg_i64(&a, now_ms);                           /* $12 */
    pg_arg_i64(&a, limit + 1);                        /* $13 */
    /* SQLite's LIKE ignores ASCII case: ILIKE does the same here (collation C). */
    rc = pg_rows(p, ar,
                 "SELECT " BULLETIN_COLS("12") " FROM bulletins AS b" BULLETIN_JOINS " "
                 "WHERE ($1::bigint = 0 OR b.id < $1::bigint) "
                 "AND ($2::bigint = 0 OR b.sent_at >= $2::bigint) "
                 "AND ($3::bigint = 0 OR b.sent_at < $3::bigint) "
                 "AND ($4::text IS NULL OR b.kind = $4::text) "
                 "AND ($5::text IS NULL OR b.cap_status = $5::text) "
                 "AND ($6::text IS NULL OR b.title_folded ILIKE '%' || $6::text || '%' "
                 "ESCAPE '\\') "
                 "AND " IN_RANGE("unit", "7", "8") " AND " SCOPE_EXPR("9", "10", "11") " "
                 "ORDER BY b.id DESC LIMIT $13::bigint",
                 &a, "list bulletins", sizeof(**items), limit, read_bulletin, &list, n, has_more);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

ph_err store_pg_bulletin_recipients(struct store *st, struct arena *ar, int64_t bulletin_id,
                                    struct bulletin_recipient **items, size_t *n)
{
    struct pg_args a = {0};
    void *list = NULL;
    ph_err rc;

    pg_arg_i64(&a, bulletin_id);
    rc = pg_rows(store_pg_of(st), ar,
                 "SELECT " RCPT_COLS " FROM bulletin_recipients AS r "
                 "JOIN units AS u ON u.id = r.unit_id "
                 "WHERE r.bulletin_id = $1::bigint ORDER BY r.pos",
                 &a, "bulletin recipients", sizeof(**items), 0, read_rcpt, &list, n, NULL);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

ph_err store_pg_bulletin_ack(struct store *st, int64_t bulletin_id, int64_t unit_id, int64_t at,
                             int64_t person_id, const char *note)
{
    struct store_pg *p = store_pg_of(st);
    struct pg_args a = {0}, k = {0};
    ph_err rc;

    pg_arg_i64(&a, bulletin_id);
    pg_arg_i64(&a, unit_id);
    pg_arg_i64(&a, store_time_or_now(at));
    pg_arg_i64(&a, person_id);
    pg_arg_text(&a, note);
    rc = pg_write_one(p,
                      "UPDATE bulletin_recipients SET received_at = $3, received_by = $4, "
                      "note = $5 WHERE bulletin_id = $1 AND unit_id = $2 AND received_at = 0",
                      &a, "acknowledge bulletin");
    if (rc != PH_ENOTFOUND)
        return rc;
    /* Nothing changed: a recipient that already acknowledged, or none at all. */
    pg_arg_i64(&k, bulletin_id);
    pg_arg_i64(&k, unit_id);
    rc = pg_get(p, NULL,
                "SELECT 1 FROM bulletin_recipients WHERE bulletin_id = $1 AND unit_id = $2", &k,
                "bulletin recipient", NULL, NULL);
    return rc == PH_OK ? PH_ECONFLICT : rc;
}

/* ---- inbox --------------------------------------------------------------- */

/* The bulletin, the unit's recipient row, then whether its deadline passed. */
static void read_inbox_item(struct arena *ar, const PGresult *res, int row, void *out)
{
    struct bulletin_inbox_item *it = out;

    memset(it, 0, sizeof(*it));
    read_bulletin_cols(ar, res, row, &it->b);
    read_rcpt_at(ar, res, row, BULLETIN_NCOLS, &it->rcpt);
    it->overdue = pg_col_bool(res, row, BULLETIN_NCOLS + RCPT_NCOLS);
}

ph_err store_pg_bulletin_inbox(struct store *st, struct arena *ar, int64_t unit_id, int64_t now_ms,
                               const struct incident_scope *scope, int limit,
                               struct bulletin_inbox_item **items, size_t *n)
{
    struct pg_args a = {0};
    void *list = NULL;
    ph_err rc;

    pg_arg_i64(&a, now_ms);                    /* $1 */
    pg_arg_i64(&a, unit_id);                   /* $2 */
    pg_arg_scope(&a, ar, scope);               /* $3, $4, $5 */
    pg_arg_i64(&a, store_list_limit(limit));   /* $6 */
    /* The partial index bulletin_recipients_inbox holds exactly the rows asked for. */
    rc = pg_rows(store_pg_of(st), ar,
                 "SELECT " BULLETIN_COLS("1") ", " RCPT_COLS ", "
                 "r.ack_due_at < $1::bigint AS is_overdue "
                 "FROM bulletin_recipients AS r JOIN bulletins AS b ON b.id = r.bulletin_id "
                 "JOIN units AS u ON u.id = r.unit_id" BULLETIN_JOINS " "
                 "WHERE r.unit_id = $2::bigint AND " OWES("r") " AND " SCOPE_EXPR("3", "4", "5")
                 " ORDER BY is_overdue DESC, r.ack_due_at, b.sent_at, b.id LIMIT $6::bigint",
                 &a, "bulletin inbox", sizeof(**items), 0, read_inbox_item, &list, n, NULL);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

/* ---- deadlines ----------------------------------------------------------- */

/* Repeats the WHERE of the partial index bulletin_recipients_pending, so that the
 * planner may use it. */
#define PENDING "r.ack_due_at > 0 AND r.received_at = 0 AND r.overdue_at = 0"

static void read_due(struct arena *ar, const PGresult *res, int row, void *out)
{
    struct store_bulletin_due *d = out;

    d->bulletin_id = pg_col_i64(res, row, 0);
    d->unit_id = pg_col_i64(res, row, 1);
    d->due_at = pg_col_i64(res, row, 2);
}

ph_err store_pg_bulletin_due(struct store *st, struct arena *ar, int64_t now, int limit,
                             struct store_bulletin_due **items, size_t *n)
{
    struct pg_args a = {0};
    void *list = NULL;
    ph_err rc;

    pg_arg_i64(&a, now);
    pg_arg_i64(&a, limit < 0 ? 0 : limit);
    rc = pg_rows(store_pg_of(st), ar,
                 "SELECT r.bulletin_id, r.unit_id, r.ack_due_at FROM bulletin_recipients AS r "
                 "WHERE " PENDING " AND r.ack_due_at <= $1::bigint "
                 "ORDER BY r.ack_due_at, r.bulletin_id, r.unit_id LIMIT $2::bigint",
                 &a, "due bulletin deadlines", sizeof(**items), 0, read_due, &list, n, NULL);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

ph_err store_pg_bulletin_deadline_next(struct store *st, int64_t now, int64_t *at)
{
    struct pg_args a = {0};
    int64_t next = 0;
    ph_err rc;

    pg_arg_i64(&a, now);
    rc = pg_get_i64(store_pg_of(st),
                    "SELECT coalesce((SELECT r.ack_due_at FROM bulletin_recipients AS r WHERE " PENDING
                    " AND r.ack_due_at > $1::bigint ORDER BY r.ack_due_at LIMIT 1), 0)",
                    &a, "next bulletin deadline", &next);
    if (rc == PH_OK)
        *at = next;
    return rc;
}

ph_err store_pg_bulletin_mark_overdue(struct store *st, int64_t bulletin_id, int64_t unit_id,
                                      int64_t at)
{
    struct pg_args a = {0};

    pg_arg_i64(&a, bulletin_id);
    pg_arg_i64(&a, unit_id);
    pg_arg_i64(&a, store_time_or_now(at));
    /* The first time a deadline was found late is the one that counts. */
    return pg_write_one(store_pg_of(st),
                        "UPDATE bulletin_recipients SET overdue_at = CASE "
                        "WHEN overdue_at = 0 THEN $3::bigint ELSE overdue_at END "
                        "WHERE bulletin_id = $1 AND unit_id = $2",
                        &a, "mark bulletin overdue");
}

struct period_state {
    bool sent, missed;
};

static void read_period_state(struct arena *ar, const PGresult *res, int row, void *out)
{
    struct period_state *ps = out;

    ps->sent = pg_col_bool(res, row, 0);
    ps->missed = pg_col_bool(res, row, 1);
}

ph_err store_pg_bulletin_period_state(struct store *st, int64_t schedule_id,
                                      const char *period_start, bool *sent, bool *missed)
{
    struct pg_args a = {0};
    struct period_state ps = {false, false};
    ph_err rc;

    pg_arg_i64(&a, schedule_id);
    pg_arg_text(&a, period_start);
    /* Both are lookups by key: the unique index of periods and the misses' key. */
    rc = pg_get(store_pg_of(st), NULL,
                "SELECT EXISTS (SELECT 1 FROM bulletins WHERE schedule_id = $1::bigint "
                "AND period_start = $2::text), "
                "EXISTS (SELECT 1 FROM bulletin_schedule_misses WHERE schedule_id = $1::bigint "
                "AND period_start = $2::text)",
                &a, "bulletin period", read_period_state, &ps);
    if (rc == PH_OK) {
        *sent = ps.sent;
        *missed = ps.missed;
    }
    return rc;
}

ph_err store_pg_bulletin_miss_insert(struct store *st, int64_t schedule_id,
                                     const char *period_start, int64_t due_at, int64_t at)
{
    struct pg_args a = {0};

    pg_arg_i64(&a, schedule_id);
    pg_arg_text(&a, period_start);
    pg_arg_i64(&a, due_at);
    pg_arg_i64(&a, store_time_or_now(at));
    return pg_write(store_pg_of(st),
                    "INSERT INTO bulletin_schedule_misses (schedule_id, period_start, due_at, "
                    "recorded_at) VALUES ($1, $2, $3, $4)",
                    &a, "record missing bulletin", NULL);
}

/* ---- schedules ----------------------------------------------------------- */

#define SCHEDULE_COLS                                                                              \
    "s.id, s.unit_id, s.title, s.period, s.due_local, s.due_day, s.ack_minutes, s.is_active, "     \
    "s.version, s.created_at, s.updated_at, u.path, "                                              \
    "(SELECT string_agg(unit_id::text, ' ' ORDER BY pos) FROM bulletin_schedule_units "            \
    "WHERE schedule_id = s.id), "                                                                  \
    "(SELECT string_agg(force, ' ' ORDER BY pos) FROM bulletin_schedule_forces "                   \
    "WHERE schedule_id = s.id)"
#define SCHEDULE_JOINS " JOIN units AS u ON u.id = s.unit_id"

static void read_schedule(struct arena *ar, const PGresult *res, int row, void *out)
{
    struct bulletin_schedule *sc = out;

    memset(sc, 0, sizeof(*sc));
    sc->id = pg_col_i64(res, row, 0);
    sc->unit_id = pg_col_i64(res, row, 1);
    sc->title = pg_col_text(ar, res, row, 2);
    sc->period = pg_col_text(ar, res, row, 3);
    sc->due_local = pg_col_text(ar, res, row, 4);
    sc->due_day = pg_col_int(res, row, 5);
    sc->ack_minutes = pg_col_int(res, row, 6);
    sc->is_active = pg_col_bool(res, row, 7);
    sc->version = pg_col_i64(res, row, 8);
    sc->created_at = pg_col_i64(res, row, 9);
    sc->updated_at = pg_col_i64(res, row, 10);
    sc->unit_path = pg_col_text(ar, res, row, 11);
    sc->to_unit_ids = store_split_ids(ar, PQgetvalue(res, row, 12), &sc->n_to_units);
    sc->to_forces = store_split_words(ar, PQgetvalue(res, row, 13), &sc->n_to_forces);
}

/* Replace the recipients schedule id names with sc's. A repeated unit or force
 * counts once (its first place). */
static ph_err write_schedule_targets(struct store_pg *p, int64_t id,
                                     const struct bulletin_schedule *sc)
{
    struct pg_args k = {0};
    ph_err rc;

    pg_arg_i64(&k, id);
    rc = pg_write(p, "DELETE FROM bulletin_schedule_units WHERE schedule_id = $1", &k,
                  "clear schedule units", NULL);
    for (size_t i = 0; rc == PH_OK && i < sc->n_to_units; i++) {
        struct pg_args a = {0};
        pg_arg_i64(&a, id);
        pg_arg_i64(&a, (int64_t)i);
        pg_arg_i64(&a, sc->to_unit_ids[i]);
        rc = pg_write(p,
                      "INSERT INTO bulletin_schedule_units (schedule_id, pos, unit_id) "
                      "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                      &a, "add schedule unit", NULL);
    }
    if (rc == PH_OK)
        rc = pg_write(p, "DELETE FROM bulletin_schedule_forces WHERE schedule_id = $1", &k,
                      "clear schedule forces", NULL);
    for (size_t i = 0; rc == PH_OK && i < sc->n_to_forces; i++) {
        struct pg_args a = {0};
        pg_arg_i64(&a, id);
        pg_arg_i64(&a, (int64_t)i);
        pg_arg_text(&a, sc->to_forces[i]);
        rc = pg_write(p,
                      "INSERT INTO bulletin_schedule_forces (schedule_id, pos, force) "
                      "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                      &a, "add schedule force", NULL);
    }
    return rc;
}

/* The members insert and update share, $2 to $7. */
static void arg_schedule(struct pg_args *a, const struct bulletin_schedule *sc)
{
    pg_arg_text(a, sc->title);
    pg_arg_text(a, sc->period);
    pg_arg_text(a, sc->due_local);
    pg_arg_i64(a, sc->due_day);
    pg_arg_i64(a, sc->ack_minutes);
    pg_arg_i64(a, sc->is_active ? 1 : 0);
}

ph_err store_pg_bulletin_schedule_insert(struct store *st, const struct bulletin_schedule *sc,
                                         int64_t *id)
{
    struct store_pg *p = store_pg_of(st);
    struct pg_args a = {0};
    int64_t new_id = 0;
    ph_err rc;

    pg_arg_id(&a, sc->unit_id);
    arg_schedule(&a, sc);
    pg_arg_created(&a, sc->created_at, sc->updated_at);
    if ((rc = pg_op_begin(p)) != PH_OK)
        return rc;
    rc = pg_insert(p,
                   "INSERT INTO bulletin_schedules (unit_id, title, period, due_local, due_day, "
                   "ack_minutes, is_active, version, created_at, updated_at) "
                   "VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9) RETURNING id",
                   &a, "insert bulletin schedule", &new_id);
    if (rc == PH_OK)
        rc = write_schedule_targets(p, new_id, sc);
    rc = pg_op_end(p, rc);
    if (rc == PH_OK)
        *id = new_id;
    return rc;
}

ph_err store_pg_bulletin_schedule_update(struct store *st, const struct bulletin_schedule *sc)
{
    struct store_pg *p = store_pg_of(st);
    struct pg_args a = {0};
    ph_err rc;

    pg_arg_i64(&a, sc->id);
    arg_schedule(&a, sc);
    pg_arg_i64(&a, store_time_or_now(sc->updated_at));
    pg_arg_i64(&a, sc->version);
    if ((rc = pg_op_begin(p)) != PH_OK)
        return rc;
    rc = pg_update_versioned(
        p,
        "UPDATE bulletin_schedules SET title = $2, period = $3, due_local = $4, due_day = $5, "
        "ack_minutes = $6, is_active = $7, updated_at = $8, version = version + 1 "
        "WHERE id = $1 AND ($9::bigint = 0 OR version = $9::bigint)",
        &a, "update bulletin schedule", "SELECT 1 FROM bulletin_schedules WHERE id = $1",
        sc->id);
    if (rc == PH_OK)
        rc = write_schedule_targets(p, sc->id, sc);
    return pg_op_end(p, rc);
}

ph_err store_pg_bulletin_schedule_get(struct store *st, struct arena *ar, int64_t id,
                                      struct bulletin_schedule *out)
{
    struct pg_args a = {0};

    pg_arg_i64(&a, id);
    return pg_get(store_pg_of(st), ar,
                  "SELECT " SCHEDULE_COLS " FROM bulletin_schedules AS s" SCHEDULE_JOINS
                  " WHERE s.id = $1::bigint",
                  &a, "get bulletin schedule", read_schedule, out);
}

/* The schedule's unit, a unit it names or a named force's province-level unit is
 * in [$LO, $HI). A force's province-level unit is its active one of that level
 * with the lowest id, as store_unit_responsible() answers for no area. */
#define SCHEDULE_SCOPE_EXPR(LO, HI)                                                                \
    "($" LO "::text IS NULL OR (u.path >= $" LO "::text AND u.path < $" HI "::text) "             \
    "OR EXISTS (SELECT 1 FROM bulletin_schedule_units AS su JOIN units AS suu "                    \
    "ON suu.id = su.unit_id WHERE su.schedule_id = s.id AND suu.path >= $" LO "::text "           \
    "AND suu.path < $" HI "::text) "                                                              \
    "OR EXISTS (SELECT 1 FROM bulletin_schedule_forces AS sf JOIN units AS sfu "                   \
    "ON sfu.id = (SELECT min(id) FROM units WHERE force = sf.force AND level = 'province' "        \
    "AND is_active = 1) WHERE sf.schedule_id = s.id AND sfu.path >= $" LO "::text "               \
    "AND sfu.path < $" HI "::text))"

ph_err store_pg_bulletin_schedule_list(struct store *st, struct arena *ar, int64_t unit_id,
                                       const struct incident_scope *scope, int64_t after_id,
                                       int limit, struct bulletin_schedule **items, size_t *n,
                                       bool *has_more)
{
    struct store_pg *p = store_pg_of(st);
    struct pg_args a = {0};
    int lim = store_list_limit(limit);
    const char *unit = NULL;
    void *list = NULL;
    ph_err rc;

    if (unit_id != 0) {
        rc = unit_path(p, ar, unit_id, &unit);
        if (rc == PH_ENOTFOUND) {
            *items = NULL;
            *n = 0;
            *has_more = false;
            return PH_OK;
        }
        if (rc != PH_OK)
            return rc;
    }
    pg_arg_i64(&a, after_id);      /* $1 */
    pg_arg_range(&a, ar, unit);    /* $2, $3 */
    pg_arg_scope(&a, ar, scope);   /* $4, $5, $6 */
    pg_arg_i64(&a, lim + 1);       /* $7 */
    rc = pg_rows(p, ar,
                 "SELECT " SCHEDULE_COLS " FROM bulletin_schedules AS s" SCHEDULE_JOINS " "
                 "WHERE s.id > $1::bigint AND ($2::text IS NULL "
                 "OR (u.path >= $2::text AND u.path < $3::text)) "
                 "AND $4::bigint >= 0 AND " SCHEDULE_SCOPE_EXPR("5", "6") " "
                 "ORDER BY s.id LIMIT $7::bigint",
                 &a, "list bulletin schedules", sizeof(**items), lim, read_schedule, &list, n,
                 has_more);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

ph_err store_pg_bulletin_schedule_active(struct store *st, struct arena *ar,
                                         struct bulletin_schedule **items, size_t *n)
{
    void *list = NULL;
    ph_err rc;

    rc = pg_rows(store_pg_of(st), ar,
                 "SELECT " SCHEDULE_COLS " FROM bulletin_schedules AS s" SCHEDULE_JOINS
                 " WHERE s.is_active = 1 ORDER BY s.id",
                 NULL, "active bulletin schedules", sizeof(**items), 0, read_schedule, &list, n,
                 NULL);
    if (rc == PH_OK)
        *items = list;
    return rc;
}
