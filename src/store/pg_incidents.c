/* pg_incidents.c - the PostgreSQL twin of sqlite_incidents.c (pg_int.h): incident
 * rows and reference numbers, recipients with their acknowledgement state, the
 * history of acknowledgement stages, the timeline, idempotency keys of creates,
 * lists and full-text search, inboxes, the deadlines the scheduler watches and
 * the rows behind the timeliness figures and counts. Same rules, same answers
 * as the SQLite store; sqlite_incidents.c explains them.
 *
 * Search: incidents.search (a tsvector, GIN-indexed) holds the incident's words
 * as the store's own tokenizer folds them (store_sq_fts_tokenize: case,
 * diacritics and đ/Đ folded), over title, description and ref. It is written
 * with the row, from a text[] of the words (array_to_tsvector takes them as
 * they are: no dictionary, no stemming). A search becomes a tsquery of the
 * same folded words, all required, the last one a prefix ('bien' & 'pho':*),
 * which is what the SQLite store's FTS5 query asks. PostgreSQL has no
 * FTS5-style pending segments, so unlike SQLite the words are indexed at
 * once, and the writing transaction finds its own incidents too.
 *
 * Reference numbers: one upsert that returns the new counter. Its row lock is
 * held until the creating transaction ends, so nodes writing at once each get
 * their own number, and a create that rolls back gives its number back.
 *
 * Lists: the query is put together per call from fixed pieces, one per filter
 * given, with parameters numbered as the pieces are appended; PostgreSQL's
 * planner picks the index that drives (the SQLite store counts candidates to
 * pick one itself). As there, only ids are sorted: an inner query finds the
 * page, the outer one reads the columns of its rows. */
#include "util/base.h"
#include <stdarg.h>
#include <stdio.h>
#include "store/pg_int.h"
#include "store/sqlite_int.h" /* store_sq_fts_tokenize, STORE_SQ_FTS_MAX_TOKEN */
#include "store/store.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/log.h"

/* ---- shared SQL pieces --------------------------------------------------- */

/* What owes an acknowledgement at all: recipient rows o (the overdue test) and
 * r (inboxes) of incident i. */
#define OWES_O                                                                                     \
    "o.role IN ('lead', 'informed') AND o.refused_at = 0 "                                         \
    "AND i.status NOT IN ('closed', 'merged')"
#define OWES_R                                                                                     \
    "r.role IN ('lead', 'informed') AND r.refused_at = 0 "                                         \
    "AND i.status NOT IN ('closed', 'merged')"

/* Some recipient's deadline passed (before now, parameter $NOW) without its stage. */
#define OVERDUE_EXPR(NOW)                                                                          \
    "EXISTS (SELECT 1 FROM incident_recipients AS o WHERE o.incident_id = i.id AND " OWES_O        \
    " AND ((o.ack_due_at > 0 AND o.ack_due_at < $" #NOW "::bigint AND o.received_at = 0) "         \
    "OR (o.verify_due_at > 0 AND o.verify_due_at < $" #NOW "::bigint AND o.verified_at = 0)))"

/* The columns of struct incident, joined members included (read_incident), with
 * now at $NOW. Paths and ids hold no spaces, so the lists come space-separated. */
#define INCIDENT_COLS(NOW)                                                                         \
    "i.id, i.ref, i.category_id, c.code, i.severity, i.title, i.description, i.occurred_at, "      \
    "i.detected_at, i.reported_at, i.lat, i.lon, i.area_id, i.reporting_unit_id, "                 \
    "i.lead_unit_id, i.people_involved, i.vehicles_involved, i.vessels_involved, "                 \
    "i.casualties_dead, i.casualties_injured, i.damage, i.classification, i.status, "              \
    "i.cap_status, i.merged_into_id, i.rule_id, i.report_due_at, i.report_late, i.created_by, "    \
    "i.version, i.created_at, i.updated_at, lu.path, lu.force, ru.path, "                          \
    "(SELECT string_agg(cu.path, ' ' ORDER BY cr.sent_at, cr.unit_id) "                            \
    "FROM incident_recipients AS cr JOIN units AS cu ON cu.id = cr.unit_id "                       \
    "WHERE cr.incident_id = i.id AND cr.unit_id IS DISTINCT FROM i.lead_unit_id), "                \
    "(SELECT string_agg(cr.unit_id::text, ' ' ORDER BY cr.sent_at, cr.unit_id) "                   \
    "FROM incident_recipients AS cr WHERE cr.incident_id = i.id AND cr.role = 'informed'), "       \
    OVERDUE_EXPR(NOW) ", "                                                                         \
    "(SELECT ol.operation_id FROM operation_log AS ol WHERE ol.incident_id = i.id), "             \
    "(SELECT ol.id FROM operation_log AS ol WHERE ol.incident_id = i.id)"
#define INCIDENT_NCOLS 40
#define INCIDENT_JOINS                                                                             \
    " LEFT JOIN categories AS c ON c.id = i.category_id LEFT JOIN units AS lu "                    \
    "ON lu.id = i.lead_unit_id LEFT JOIN units AS ru ON ru.id = i.reporting_unit_id"

/* The columns of struct incident_recipient, for recipient alias r and its unit u. */
#define RECIPIENT_COLS                                                                             \
    "r.unit_id, r.role, u.code, u.name, u.path, u.force, r.sent_at, r.ack_due_at, "                \
    "r.verify_due_at, r.received_at, r.verified_at, r.agreed_at, r.refused_at, r.received_by, "    \
    "r.verified_by, r.agreed_by, r.refused_by, r.refused_reason, r.ack_overdue_at, "               \
    "r.verify_overdue_at, r.escalated_at"
#define RECIPIENT_NCOLS 21

#define SQL_INCIDENT_EXISTS "SELECT 1 FROM incidents WHERE id = $1"

static void read_incident_cols(struct arena *ar, const PGresult *res, int row, struct incident *out)
{
    memset(out, 0, sizeof(*out));
    out->id = pg_col_i64(res, row, 0);
    out->ref = pg_col_text(ar, res, row, 1);
    out->category_id = pg_col_i64(res, row, 2);
    out->category_code = pg_col_text(ar, res, row, 3);
    out->severity = pg_col_int(res, row, 4);
    out->title = pg_col_text(ar, res, row, 5);
    out->description = pg_col_text(ar, res, row, 6);
    out->occurred_at = pg_col_i64(res, row, 7);
    out->detected_at = pg_col_i64(res, row, 8);
    out->reported_at = pg_col_i64(res, row, 9);
    out->has_location = !pg_col_null(res, row, 10);
    if (out->has_location) {
        out->lat = pg_col_f64(res, row, 10);
        out->lon = pg_col_f64(res, row, 11);
    }
    out->area_id = pg_col_i64(res, row, 12);
    out->reporting_unit_id = pg_col_i64(res, row, 13);
    out->lead_unit_id = pg_col_i64(res, row, 14);
    out->people_involved = pg_col_int(res, row, 15);
    out->vehicles_involved = pg_col_int(res, row, 16);
    out->vessels_involved = pg_col_int(res, row, 17);
    out->casualties_dead = pg_col_int(res, row, 18);
    out->casualties_injured = pg_col_int(res, row, 19);
    out->damage = pg_col_text(ar, res, row, 20);
    out->classification = pg_col_int(res, row, 21);
    out->status = pg_col_text(ar, res, row, 22);
    out->cap_status = pg_col_text(ar, res, row, 23);
    out->merged_into_id = pg_col_i64(res, row, 24);
    out->rule_id = pg_col_i64(res, row, 25);
    out->report_due_at = pg_col_i64(res, row, 26);
    out->report_late = pg_col_int(res, row, 27) != 0;
    out->created_by = pg_col_i64(res, row, 28);
    out->version = pg_col_i64(res, row, 29);
    out->created_at = pg_col_i64(res, row, 30);
    out->updated_at = pg_col_i64(res, row, 31);
    out->lead_unit_path = pg_col_text(ar, res, row, 32);
    out->lead_force = pg_col_text(ar, res, row, 33);
    out->reporting_unit_path = pg_col_text(ar, res, row, 34);
    out->sent_to_paths = store_split_words(ar, pg_col_text(ar, res, row, 35), &out->n_sent_to);
    out->informed_unit_ids = store_split_ids(ar, pg_col_text(ar, res, row, 36), &out->n_informed);
    out->overdue = pg_col_bool(res, row, 37);
    out->operation_id = pg_col_i64(res, row, 38);
    out->operation_log_id = pg_col_i64(res, row, 39);
}

static void read_incident(struct arena *ar, const PGresult *res, int row, void *out)
{
    read_incident_cols(ar, res, row, out);
}

/* RECIPIENT_COLS from column base on. */
static void read_recipient_at(struct arena *ar, const PGresult *res, int row, int base,
                              struct incident_recipient *out)
{
    memset(out, 0, sizeof(*out));
    out->unit_id = pg_col_i64(res, row, base + 0);
    out->role = pg_col_text(ar, res, row, base + 1);
    out->unit_code = pg_col_text(ar, res, row, base + 2);
    out->unit_name = pg_col_text(ar, res, row, base + 3);
    out->unit_path = pg_col_text(ar, res, row, base + 4);
    out->force = pg_col_text(ar, res, row, base + 5);
    out->sent_at = pg_col_i64(res, row, base + 6);
    out->ack_due_at = pg_col_i64(res, row, base + 7);
    out->verify_due_at = pg_col_i64(res, row, base + 8);
    out->received_at = pg_col_i64(res, row, base + 9);
    out->verified_at = pg_col_i64(res, row, base + 10);
    out->agreed_at = pg_col_i64(res, row, base + 11);
    out->refused_at = pg_col_i64(res, row, base + 12);
    out->received_by = pg_col_i64(res, row, base + 13);
    out->verified_by = pg_col_i64(res, row, base + 14);
    out->agreed_by = pg_col_i64(res, row, base + 15);
    out->refused_by = pg_col_i64(res, row, base + 16);
    out->refused_reason = pg_col_text(ar, res, row, base + 17);
    out->ack_overdue_at = pg_col_i64(res, row, base + 18);
    out->verify_overdue_at = pg_col_i64(res, row, base + 19);
    out->escalated_at = pg_col_i64(res, row, base + 20);
}

static void read_recipient(struct arena *ar, const PGresult *res, int row, void *out)
{
    read_recipient_at(ar, res, row, 0, out);
}

static void read_text0(struct arena *ar, const PGresult *res, int row, void *out)
{
    *(const char **)out = pg_col_text(ar, res, row, 0);
}

/* lat, then lon: both NULL without a location. */
static void arg_location(struct pg_args *a, const struct incident *inc)
{
    if (!inc->has_location) {
        pg_arg_null(a);
        pg_arg_null(a);
        return;
    }
    pg_arg_f64(a, inc->lat);
    pg_arg_f64(a, inc->lon);
}

/* ---- search words ---------------------------------------------------------- */

/* Words as the tokenizer hands them over, folded, in ar. */
struct words {
    struct arena *ar;
    const char **w;
    size_t n, cap;
};

static int on_word(void *ctx, int tflags, const char *token, int ntoken, int start, int end)
{
    struct words *ws = ctx;

    (void)tflags;
    (void)start;
    (void)end;
    if (ws->n == ws->cap) {
        ws->cap = ws->cap == 0 ? 16 : 2 * ws->cap;
        const char **grown = arena_alloc(ws->ar, ws->cap * sizeof(*grown));
        if (ws->n > 0)
            memcpy(grown, ws->w, ws->n * sizeof(*grown));
        ws->w = grown;
    }
    ws->w[ws->n++] = arena_strndup(ws->ar, token, (size_t)ntoken);
    return 0; /* SQLITE_OK: go on */
}

static void words_of(struct words *ws, const char *text)
{
    size_t len = text != NULL ? strlen(text) : 0;

    if (len > 0 && len <= INT32_MAX)
        (void)store_sq_fts_tokenize(ws, text, (int)len, on_word);
}

/* The words an incident is found by: those of its title, description and ref,
 * the same three columns as the SQLite store's incidents_fts. */
static void incident_words(struct words *ws, const char *title, const char *description,
                           const char *ref)
{
    words_of(ws, title);
    words_of(ws, description);
    words_of(ws, ref);
}

/* Append word as a tsquery operand: quoted, "'" doubled, "\" escaped. Words are
 * letters and digits only, but the quoting is what keeps them words whatever
 * they hold. */
static ph_err put_lexeme(struct buf *b, const char *word)
{
    ph_err rc = buf_puts(b, "'");
    for (const char *p = word; *p != '\0' && rc == PH_OK; p++) {
        if (*p == '\'')
            rc = buf_puts(b, "''");
        else if (*p == '\\')
            rc = buf_puts(b, "\\\\");
        else
            rc = buf_append(b, p, 1);
    }
    return rc == PH_OK ? buf_puts(b, "'") : rc;
}

/* The tsquery of q in *out: every word the tokenizer finds in it, folded and
 * quoted, all required, the last one as a prefix ('bien' & 'pho':*). *out is
 * NULL when q holds no word (then there is no text filter). */
static ph_err tsquery_of(struct arena *ar, const char *q, const char **out)
{
    struct words ws = {.ar = ar};
    struct buf b;
    size_t len = q != NULL ? strlen(q) : 0;
    ph_err rc = PH_OK;

    *out = NULL;
    words_of(&ws, q);
    if (ws.n == 0)
        return PH_OK;
    /* Folding may lengthen a word a little and quoting doubles what it escapes:
     * a generous cap, never reached by any real query. */
    buf_init(&b, 16 * len + 8 * ws.n + 64);
    for (size_t i = 0; i < ws.n && rc == PH_OK; i++) {
        if (i > 0)
            rc = buf_puts(&b, " & ");
        if (rc == PH_OK)
            rc = put_lexeme(&b, ws.w[i]);
    }
    if (rc == PH_OK)
        rc = buf_puts(&b, ":*");
    if (rc == PH_OK)
        *out = arena_strndup(ar, b.data, b.len);
    buf_release(&b);
    return rc;
}

/* Fill the search column of every incident that has none (incidents copied in
 * by `phoihop migrate`), a batch at a time: the words go over as one text per
 * incident, space-separated (a word holds no space), split again in SQL. */
#define SEARCH_FILL_BATCH 500

struct fill_row {
    int64_t id;
    const char *title, *description, *ref;
};

static void read_fill_row(struct arena *ar, const PGresult *res, int row, void *out)
{
    struct fill_row *r = out;

    r->id = pg_col_i64(res, row, 0);
    r->title = pg_col_text(ar, res, row, 1);
    r->description = pg_col_text(ar, res, row, 2);
    r->ref = pg_col_text(ar, res, row, 3);
}

static ph_err search_fill_batch(struct store_pg *p, struct arena *ar, int64_t *after, size_t *done)
{
    struct pg_args a = {0};
    void *list = NULL;
    size_t n = 0;
    ph_err rc;

    pg_arg_i64(&a, *after);
    pg_arg_i64(&a, SEARCH_FILL_BATCH);
    rc = pg_rows(p, ar,
                 "SELECT id, title, description, ref FROM incidents "
                 "WHERE search IS NULL AND id > $1::bigint ORDER BY id LIMIT $2::bigint",
                 &a, "incidents to index", sizeof(struct fill_row), 0, read_fill_row, &list, &n,
                 NULL);
    *done = n;
    if (rc != PH_OK || n == 0)
        return rc;

    struct fill_row *rows = list;
    int64_t *ids = arena_alloc(ar, n * sizeof(*ids));
    const char **texts = arena_alloc(ar, n * sizeof(*texts));
    for (size_t i = 0; i < n; i++) {
        struct words ws = {.ar = ar};
        struct buf b;
        incident_words(&ws, rows[i].title, rows[i].description, rows[i].ref);
        buf_init(&b, SIZE_MAX);
        for (size_t k = 0; k < ws.n && rc == PH_OK; k++) {
            if (k > 0)
                rc = buf_puts(&b, " ");
            if (rc == PH_OK)
                rc = buf_puts(&b, ws.w[k]);
        }
        texts[i] = arena_strndup(ar, b.data != NULL ? b.data : "", b.len);
        buf_release(&b);
        ids[i] = rows[i].id;
        if (rc != PH_OK)
            return rc;
    }
    *after = rows[n - 1].id;

    struct pg_args u = {0};
    pg_arg_ids(&u, ar, ids, n);
    pg_arg_texts(&u, ar, texts, n);
    return pg_write(p,
                    "UPDATE incidents AS i SET search = array_to_tsvector(string_to_array(v.words, "
                    "' ')) FROM unnest($1::bigint[], $2::text[]) AS v (id, words) WHERE i.id = v.id",
                    &u, "index incidents", NULL);
}

ph_err store_pg_incident_search_fill(struct store_pg *p)
{
    int64_t after = 0;
    size_t done = 0, total = 0;
    ph_err rc;

    do {
        struct arena ar;
        arena_init(&ar);
        rc = search_fill_batch(p, &ar, &after, &done);
        arena_release(&ar);
        total += done;
    } while (rc == PH_OK && done == SEARCH_FILL_BATCH);
    if (rc == PH_OK && total > 0)
        log_info("store/postgres: search words of %zu incidents written", total);
    return rc;
}

/* ---- reference numbers --------------------------------------------------- */

/* The prefixes the SQLite store keeps per connection are this short too. */
#define REF_PREFIX_MAX 15

ph_err store_pg_incident_ref_next(struct store *st, const char *prefix, int year, int64_t *seq)
{
    struct store_pg *p = store_pg_of(st);
    struct pg_args a = {0};

    ph_err rc;

    if (prefix == NULL || prefix[0] == '\0' || strlen(prefix) > REF_PREFIX_MAX)
        return PH_EINVAL;
    pg_arg_text(&a, prefix);
    pg_arg_i64(&a, year);
    /* Kept in a write transaction (struct store_pg): the next number is known,
     * and only written (without waiting: pg_write_later). */
    if (p->ref_counter_known && pg_tx_keeps(p) && p->ref_counter_year == year &&
        strcmp(p->ref_counter_prefix, prefix) == 0) {
        pg_arg_i64(&a, p->ref_counter_last + 1);
        rc = pg_write_later(p,
                            "INSERT INTO incident_ref_counters AS c (prefix, year, last) "
                            "VALUES ($1, $2, $3) ON CONFLICT (prefix, year) DO UPDATE SET "
                            "last = excluded.last",
                            &a, "next incident number");
        if (rc != PH_OK) {
            pg_tx_kept_forget(p);
            return rc;
        }
        *seq = ++p->ref_counter_last;
        return PH_OK;
    }
    rc = pg_get_i64(p,
                    "INSERT INTO incident_ref_counters AS c (prefix, year, last) "
                    "VALUES ($1, $2, 1) ON CONFLICT (prefix, year) DO UPDATE SET "
                    "last = c.last + 1 RETURNING last",
                    &a, "next incident number", seq);
    if (rc == PH_OK && pg_tx_keeps(p) && strlen(prefix) < sizeof(p->ref_counter_prefix)) {
        p->ref_counter_known = true;
        p->ref_counter_year = year;
        p->ref_counter_last = *seq;
        snprintf(p->ref_counter_prefix, sizeof(p->ref_counter_prefix), "%s", prefix);
    }
    return rc;
}

/* ---- incidents ----------------------------------------------------------- */

ph_err store_pg_incident_insert(struct store *st, const struct incident *inc, int64_t *id)
{
    struct store_pg *p = store_pg_of(st);
    struct pg_args a = {0};
    struct arena ar;
    struct words ws;
    ph_err rc;

    arena_init(&ar);
    ws = (struct words){.ar = &ar};
    incident_words(&ws, inc->title, inc->description, inc->ref);
    pg_arg_text(&a, inc->ref);
    pg_arg_i64(&a, inc->category_id);
    pg_arg_i64(&a, inc->severity);
    pg_arg_text(&a, inc->title);
    pg_arg_text(&a, inc->description);
    pg_arg_i64(&a, inc->occurred_at);
    pg_arg_i64(&a, inc->detected_at);
    pg_arg_i64(&a, store_time_or_now(inc->reported_at));
    arg_location(&a, inc); /* $9, $10 */
    pg_arg_id(&a, inc->area_id);
    pg_arg_id(&a, inc->reporting_unit_id);
    pg_arg_id(&a, inc->lead_unit_id);
    pg_arg_i64(&a, inc->people_involved);
    pg_arg_i64(&a, inc->vehicles_involved);
    pg_arg_i64(&a, inc->vessels_involved);
    pg_arg_i64(&a, inc->casualties_dead);
    pg_arg_i64(&a, inc->casualties_injured);
    pg_arg_text(&a, inc->damage);
    pg_arg_i64(&a, inc->classification);
    pg_arg_text(&a, inc->status);
    pg_arg_text(&a, inc->cap_status);
    pg_arg_id(&a, inc->merged_into_id);
    pg_arg_id(&a, inc->rule_id);
    pg_arg_i64(&a, inc->report_due_at);
    pg_arg_i64(&a, inc->report_late ? 1 : 0);
    pg_arg_i64(&a, inc->created_by);
    pg_arg_created(&a, inc->created_at, inc->updated_at); /* $28, $29 */
    pg_arg_texts(&a, &ar, ws.w, ws.n);                    /* $30 */
    rc = pg_insert(
        p,
        "INSERT INTO incidents (ref, category_id, severity, title, description, occurred_at, "
        "detected_at, reported_at, lat, lon, area_id, reporting_unit_id, lead_unit_id, "
        "people_involved, vehicles_involved, vessels_involved, casualties_dead, "
        "casualties_injured, damage, classification, status, cap_status, merged_into_id, rule_id, "
        "report_due_at, report_late, created_by, version, created_at, updated_at, search) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, "
        "$19, $20, coalesce($21::text, 'new'), coalesce($22::text, 'actual'), $23, $24, $25, $26, "
        "$27, 1, $28, $29, array_to_tsvector($30::text[])) RETURNING id",
        &a, "insert incident", id);
    arena_release(&ar);
    return rc;
}

ph_err store_pg_incident_update(struct store *st, const struct incident *inc)
{
    struct store_pg *p = store_pg_of(st);
    struct pg_args a = {0};
    struct arena ar;
    struct words ws;
    const char *ref = inc->ref;
    ph_err rc = PH_OK;

    arena_init(&ar);
    /* ref is written once, by insert; the words need it all the same. */
    if (ref == NULL) {
        struct pg_args r = {0};
        pg_arg_i64(&r, inc->id);
        rc = pg_get(p, &ar, "SELECT ref FROM incidents WHERE id = $1", &r, "incident reference",
                    read_text0, &ref);
    }
    if (rc != PH_OK)
        goto out;
    ws = (struct words){.ar = &ar};
    incident_words(&ws, inc->title, inc->description, ref);
    pg_arg_i64(&a, inc->id);
    pg_arg_i64(&a, inc->category_id);
    pg_arg_i64(&a, inc->severity);
    pg_arg_text(&a, inc->title);
    pg_arg_text(&a, inc->description);
    pg_arg_i64(&a, inc->occurred_at);
    pg_arg_i64(&a, inc->detected_at);
    arg_location(&a, inc); /* $8, $9 */
    pg_arg_id(&a, inc->area_id);
    pg_arg_i64(&a, inc->people_involved);
    pg_arg_i64(&a, inc->vehicles_involved);
    pg_arg_i64(&a, inc->vessels_involved);
    pg_arg_i64(&a, inc->casualties_dead);
    pg_arg_i64(&a, inc->casualties_injured);
    pg_arg_text(&a, inc->damage);
    pg_arg_i64(&a, inc->classification);
    pg_arg_text(&a, inc->cap_status);
    pg_arg_text(&a, inc->status);
    pg_arg_id(&a, inc->lead_unit_id);
    pg_arg_id(&a, inc->merged_into_id);
    pg_arg_i64(&a, store_time_or_now(inc->updated_at));
    pg_arg_i64(&a, inc->version);
    pg_arg_i64(&a, inc->report_due_at);
    pg_arg_i64(&a, inc->report_late ? 1 : 0);
    pg_arg_texts(&a, &ar, ws.w, ws.n); /* $26 */
    /* ref, reported_at, the reporting unit, routing's decisions and created_*
     * are written once, by insert. The words are written again only when the
     * text changed. */
    rc = pg_update_versioned(
        p,
        "UPDATE incidents SET category_id = $2, severity = $3, title = $4, description = $5, "
        "occurred_at = $6, detected_at = $7, lat = $8, lon = $9, area_id = $10, "
        "people_involved = $11, vehicles_involved = $12, vessels_involved = $13, "
        "casualties_dead = $14, casualties_injured = $15, damage = $16, classification = $17, "
        "cap_status = coalesce($18::text, cap_status), status = coalesce($19::text, status), "
        "lead_unit_id = $20, merged_into_id = $21, updated_at = $22, version = version + 1, "
        "rev = rev + 1, report_due_at = $24, report_late = $25, search = CASE "
        "WHEN search IS NULL OR title IS DISTINCT FROM $4::text "
        "OR description IS DISTINCT FROM $5::text THEN array_to_tsvector($26::text[]) "
        "ELSE search END WHERE id = $1 AND ($23::bigint = 0 OR version = $23::bigint)",
        &a, "update incident", SQL_INCIDENT_EXISTS, inc->id);
out:
    arena_release(&ar);
    return rc;
}

ph_err store_pg_incident_get(struct store *st, struct arena *ar, int64_t id, int64_t now_ms,
                             struct incident *out)
{
    struct pg_args a = {0};

    pg_arg_i64(&a, id);
    pg_arg_i64(&a, now_ms);
    return pg_get(store_pg_of(st), ar,
                  "SELECT " INCIDENT_COLS(2) " FROM incidents AS i" INCIDENT_JOINS
                  " WHERE i.id = $1",
                  &a, "get incident", read_incident, out);
}

ph_err store_pg_incident_get_by_ref(struct store *st, struct arena *ar, const char *ref,
                                    int64_t now_ms, struct incident *out)
{
    struct pg_args a = {0};

    pg_arg_text(&a, ref);
    pg_arg_i64(&a, now_ms);
    return pg_get(store_pg_of(st), ar,
                  "SELECT " INCIDENT_COLS(2) " FROM incidents AS i" INCIDENT_JOINS
                  " WHERE i.ref = $1::text",
                  &a, "get incident by reference", read_incident, out);
}

static void read_rev(struct arena *ar, const PGresult *res, int row, void *out)
{
    struct store_incident_rev *r = out;

    (void)ar;
    r->rev = pg_col_i64(res, row, 0);
    r->n_recipients = pg_col_i64(res, row, 1);
    r->dir_rev = pg_col_i64(res, row, 2);
}

ph_err store_pg_incident_rev(struct store *st, int64_t id, struct store_incident_rev *out)
{
    struct pg_args a = {0};

    pg_arg_i64(&a, id);
    return pg_get(store_pg_of(st), NULL,
                  "SELECT i.rev, (SELECT count(*) FROM incident_recipients AS r "
                  "WHERE r.incident_id = i.id), (SELECT rev FROM directory_rev WHERE id = 1) "
                  "FROM incidents AS i WHERE i.id = $1",
                  &a, "incident freshness", read_rev, out);
}

/* ---- lists --------------------------------------------------------------- */

/* Append piece to the query text (the first failure sticks in *rc). */
static void put(struct buf *b, ph_err *rc, const char *piece)
{
    if (*rc == PH_OK)
        *rc = buf_puts(b, piece);
}

/* The same with parameter numbers (or any other number) put in. */
static void putf(struct buf *b, ph_err *rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void putf(struct buf *b, ph_err *rc, const char *fmt, ...)
{
    char piece[1024];
    va_list ap;
    int len;

    if (*rc != PH_OK)
        return;
    va_start(ap, fmt);
    len = vsnprintf(piece, sizeof(piece), fmt, ap);
    va_end(ap);
    *rc = len >= 0 && (size_t)len < sizeof(piece) ? buf_puts(b, piece) : PH_ESTORE;
}

/* The filters of a list after the first four parameters ($1..$3 the scope, $4
 * now), each a piece with its parameters; then the order and the limit. */
static ph_err list_filters(struct buf *b, struct pg_args *a, const struct incident_filter *f,
                           const char *tsq, const char *unit_lo, const char *unit_hi, int limit)
{
    ph_err rc = PH_OK;

    if (tsq != NULL) {
        pg_arg_text(a, tsq);
        putf(b, &rc, " AND i.search @@ $%d::tsquery", a->n);
    }
    if (f->before_id > 0) {
        pg_arg_i64(a, f->before_id);
        putf(b, &rc, " AND i.id < $%d::bigint", a->n);
    }
    if (f->from != 0) {
        pg_arg_i64(a, f->from);
        putf(b, &rc, " AND i.occurred_at >= $%d::bigint", a->n);
    }
    if (f->to != 0) {
        pg_arg_i64(a, f->to);
        putf(b, &rc, " AND i.occurred_at < $%d::bigint", a->n);
    }
    if (f->category_id != 0) {
        pg_arg_i64(a, f->category_id);
        putf(b, &rc, " AND i.category_id = $%d::bigint", a->n);
    }
    if (f->severity_min != 0) {
        pg_arg_i64(a, f->severity_min);
        putf(b, &rc, " AND i.severity >= $%d::bigint", a->n);
    }
    if (f->severity_max != 0) {
        pg_arg_i64(a, f->severity_max);
        putf(b, &rc, " AND i.severity <= $%d::bigint", a->n);
    }
    if (f->status != NULL) {
        pg_arg_text(a, f->status);
        putf(b, &rc, " AND i.status = $%d::text", a->n);
    }
    if (f->cap_status != NULL) {
        pg_arg_text(a, f->cap_status);
        putf(b, &rc, " AND i.cap_status = $%d::text", a->n);
    }
    if (f->force != NULL) {
        pg_arg_text(a, f->force);
        putf(b, &rc, " AND i.lead_unit_id IN (SELECT id FROM units WHERE force = $%d::text)", a->n);
    }
    if (f->unit_id != 0) {
        pg_arg_text(a, unit_lo);
        pg_arg_text(a, unit_hi);
        putf(b, &rc,
             " AND EXISTS (SELECT 1 FROM incident_recipients AS fr JOIN units AS fu "
             "ON fu.id = fr.unit_id WHERE fr.incident_id = i.id AND fu.path >= $%d::text "
             "AND fu.path < $%d::text)",
             a->n - 1, a->n);
    }
    /* The area and everything below it; UNION (not UNION ALL) ends the walk
     * down even if the areas held a cycle. */
    if (f->area_id != 0) {
        pg_arg_i64(a, f->area_id);
        putf(b, &rc,
             " AND i.area_id IN (WITH RECURSIVE sub_areas (id) AS (SELECT $%d::bigint "
             "UNION SELECT ar.id FROM areas AS ar JOIN sub_areas ON ar.parent_id = sub_areas.id) "
             "SELECT id FROM sub_areas)",
             a->n);
    }
    if (f->has_bbox) {
        pg_arg_f64(a, f->min_lat);
        pg_arg_f64(a, f->max_lat);
        pg_arg_f64(a, f->min_lon);
        pg_arg_f64(a, f->max_lon);
        putf(b, &rc,
             " AND i.lat BETWEEN $%d::double precision AND $%d::double precision "
             "AND i.lon BETWEEN $%d::double precision AND $%d::double precision",
             a->n - 3, a->n - 2, a->n - 1, a->n);
    }
    if (f->overdue_only)
        put(b, &rc, " AND " OVERDUE_EXPR(4));
    pg_arg_i64(a, limit + 1);
    putf(b, &rc,
         " ORDER BY i.id DESC LIMIT $%d::bigint) AS page JOIN incidents AS i ON i.id = page.id",
         a->n);
    put(b, &rc, INCIDENT_JOINS " ORDER BY i.id DESC");
    return rc;
}

ph_err store_pg_incident_list(struct store *st, struct arena *ar, const struct incident_filter *f,
                              int64_t now_ms, struct incident **items, size_t *n, bool *has_more)
{
    struct store_pg *p = store_pg_of(st);
    struct pg_args a = {0};
    const char *tsq = NULL, *unit_lo = NULL, *unit_hi = NULL;
    int limit = store_list_limit(f->limit);
    void *list = NULL;
    struct buf sql;
    ph_err rc;

    if (f->unit_id != 0) {
        struct pg_args u = {0};
        pg_arg_i64(&u, f->unit_id);
        rc = pg_get(p, ar, "SELECT path FROM units WHERE id = $1", &u, "unit path", read_text0,
                    &unit_lo);
        if (rc == PH_ENOTFOUND) /* no such unit: an empty range, no incident */
            unit_lo = unit_hi = "/";
        else if (rc != PH_OK)
            return rc;
        else
            unit_hi = store_path_upper(ar, unit_lo);
    }
    if ((rc = tsquery_of(ar, f->q, &tsq)) != PH_OK)
        return rc;

    (void)pg_arg_scope(&a, ar, &f->scope); /* $1..$3 */
    pg_arg_i64(&a, now_ms);                /* $4 */
    buf_init(&sql, 64 * 1024);
    put(&sql, &rc,
        "SELECT " INCIDENT_COLS(4) " FROM (SELECT i.id AS id FROM incidents AS i "
        "WHERE " PG_INCIDENT_SCOPE(1, 2, 3));
    if (rc == PH_OK)
        rc = list_filters(&sql, &a, f, tsq, unit_lo, unit_hi, limit);
    if (rc != PH_OK) /* the pieces fit by far */
        rc = PH_ESTORE;
    if (rc == PH_OK)
        rc = pg_rows_dyn(p, ar, sql.data, &a, "list incidents", sizeof(**items), limit,
                         read_incident, &list, n, has_more);
    if (rc == PH_OK)
        *items = list;
    buf_release(&sql);
    return rc;
}

/* ---- recipients ---------------------------------------------------------- */

/* The 18 columns of recipient r of incident_id, the next 18 parameters. */
static void arg_recipient(struct pg_args *a, int64_t incident_id,
                          const struct incident_recipient *r)
{
    pg_arg_i64(a, incident_id);
    pg_arg_i64(a, r->unit_id);
    pg_arg_text(a, r->role);
    pg_arg_i64(a, r->sent_at);
    pg_arg_i64(a, r->ack_due_at);
    pg_arg_i64(a, r->verify_due_at);
    pg_arg_i64(a, r->received_at);
    pg_arg_i64(a, r->verified_at);
    pg_arg_i64(a, r->agreed_at);
    pg_arg_i64(a, r->refused_at);
    pg_arg_i64(a, r->received_by);
    pg_arg_i64(a, r->verified_by);
    pg_arg_i64(a, r->agreed_by);
    pg_arg_i64(a, r->refused_by);
    pg_arg_text(a, r->refused_reason);
    pg_arg_i64(a, r->ack_overdue_at);
    pg_arg_i64(a, r->verify_overdue_at);
    pg_arg_i64(a, r->escalated_at);
}

#define RECIPIENT_INTO_COLS                                                                        \
    "INSERT INTO incident_recipients (incident_id, unit_id, role, sent_at, ack_due_at, "           \
    "verify_due_at, received_at, verified_at, agreed_at, refused_at, received_by, "                \
    "verified_by, agreed_by, refused_by, refused_reason, ack_overdue_at, verify_overdue_at, "      \
    "escalated_at) "
#define RECIPIENT_INTO RECIPIENT_INTO_COLS "VALUES "
#define RECIPIENT_ROW_1                                                                            \
    "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"

/* Any number of rows in one statement (one round trip, and all or none of them
 * written, as one statement is): the columns as arrays, unnested side by side. */
#define RECIPIENTS_ADD                                                                             \
    RECIPIENT_INTO_COLS "SELECT $1::bigint, r.* FROM unnest($2::bigint[], $3::text[], "            \
                        "$4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[], "   \
                        "$9::bigint[], $10::bigint[], $11::bigint[], $12::bigint[], "              \
                        "$13::bigint[], $14::bigint[], $15::text[], $16::bigint[], "               \
                        "$17::bigint[], $18::bigint[]) AS r"

/* None of the rows exists yet, so this is a plain INSERT: one that does is an
 * error (PH_ECONFLICT), and the statement writes none of them. */
ph_err store_pg_incident_recipients_add(struct store *st, int64_t incident_id,
                                        const struct incident_recipient *rs, size_t n)
{
    enum { N_I64 = 15 };
    struct pg_args a = {0};
    struct arena ar;
    int64_t *col[N_I64];
    const char **role, **reason;
    ph_err rc;

    if (n == 0)
        return PH_OK;
    arena_init(&ar);
    for (int c = 0; c < N_I64; c++)
        col[c] = arena_alloc(&ar, n * sizeof(int64_t));
    role = arena_alloc(&ar, n * sizeof(*role));
    reason = arena_alloc(&ar, n * sizeof(*reason));
    for (size_t i = 0; i < n; i++) {
        const struct incident_recipient *r = &rs[i];
        const int64_t v[N_I64] = {r->unit_id,        r->sent_at,           r->ack_due_at,
                                  r->verify_due_at,  r->received_at,       r->verified_at,
                                  r->agreed_at,      r->refused_at,        r->received_by,
                                  r->verified_by,    r->agreed_by,         r->refused_by,
                                  r->ack_overdue_at, r->verify_overdue_at, r->escalated_at};
        for (int c = 0; c < N_I64; c++)
            col[c][i] = v[c];
        role[i] = r->role;
        reason[i] = r->refused_reason;
    }
    /* In column order: unit_id, role, sent_at .. refused_by, refused_reason, the rest. */
    pg_arg_i64(&a, incident_id);
    pg_arg_ids(&a, &ar, col[0], n);
    pg_arg_texts(&a, &ar, role, n);
    for (int c = 1; c <= 11; c++)
        pg_arg_ids(&a, &ar, col[c], n);
    pg_arg_texts(&a, &ar, reason, n);
    for (int c = 12; c < N_I64; c++)
        pg_arg_ids(&a, &ar, col[c], n);
    /* Nothing waits for the answer: a failure fails the job (pg_write_later). */
    rc = pg_write_later(store_pg_of(st), RECIPIENTS_ADD, &a, "add incident recipients");
    arena_release(&ar);
    return rc;
}

ph_err store_pg_incident_recipient_put(struct store *st, int64_t incident_id,
                                       const struct incident_recipient *r)
{
    struct pg_args a = {0};

    arg_recipient(&a, incident_id, r);
    return pg_write(
        store_pg_of(st),
        RECIPIENT_INTO RECIPIENT_ROW_1
        " ON CONFLICT (incident_id, unit_id) DO UPDATE SET role = excluded.role, "
        "sent_at = excluded.sent_at, ack_due_at = excluded.ack_due_at, "
        "verify_due_at = excluded.verify_due_at, received_at = excluded.received_at, "
        "verified_at = excluded.verified_at, agreed_at = excluded.agreed_at, "
        "refused_at = excluded.refused_at, received_by = excluded.received_by, "
        "verified_by = excluded.verified_by, agreed_by = excluded.agreed_by, "
        "refused_by = excluded.refused_by, refused_reason = excluded.refused_reason, "
        "ack_overdue_at = excluded.ack_overdue_at, "
        "verify_overdue_at = excluded.verify_overdue_at, escalated_at = excluded.escalated_at",
        &a, "put incident recipient", NULL);
}

ph_err store_pg_incident_recipients(struct store *st, struct arena *ar, int64_t incident_id,
                                    struct incident_recipient **items, size_t *n)
{
    struct pg_args a = {0};
    void *list = NULL;
    ph_err rc;

    pg_arg_i64(&a, incident_id);
    rc = pg_rows(store_pg_of(st), ar,
                 "SELECT " RECIPIENT_COLS " FROM incident_recipients AS r "
                 "JOIN units AS u ON u.id = r.unit_id "
                 "WHERE r.incident_id = $1 ORDER BY r.sent_at, r.unit_id",
                 &a, "incident recipients", sizeof(**items), 0, read_recipient, &list, n, NULL);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

/* ---- acknowledgements and the timeline ----------------------------------- */

ph_err store_pg_incident_ack_insert(struct store *st, const struct incident_ack *a, int64_t *id)
{
    struct pg_args g = {0};

    pg_arg_i64(&g, a->incident_id);
    pg_arg_i64(&g, a->unit_id);
    pg_arg_i64(&g, a->person_id);
    pg_arg_text(&g, a->stage);
    pg_arg_text(&g, a->note);
    pg_arg_i64(&g, store_time_or_now(a->at));
    /* on_time against the recipient's deadline for the stage as it is now (no
     * deadline, or no recipient row: on time). */
    return pg_insert(
        store_pg_of(st),
        "INSERT INTO incident_acks (incident_id, unit_id, person_id, stage, note, at, on_time) "
        "VALUES ($1, $2, $3, $4, $5, $6, coalesce((SELECT CASE "
        "WHEN $4::text = 'received' THEN (ack_due_at = 0 OR $6::bigint <= ack_due_at)::int "
        "WHEN $4::text = 'verified' THEN (verify_due_at = 0 OR $6::bigint <= verify_due_at)::int "
        "ELSE 1 END FROM incident_recipients WHERE incident_id = $1::bigint "
        "AND unit_id = $2::bigint), 1)) RETURNING id",
        &g, "insert incident acknowledgement", id);
}

static void read_ack(struct arena *ar, const PGresult *res, int row, void *out)
{
    struct incident_ack *r = out;

    memset(r, 0, sizeof(*r));
    r->id = pg_col_i64(res, row, 0);
    r->incident_id = pg_col_i64(res, row, 1);
    r->unit_id = pg_col_i64(res, row, 2);
    r->person_id = pg_col_i64(res, row, 3);
    r->stage = pg_col_text(ar, res, row, 4);
    r->note = pg_col_text(ar, res, row, 5);
    r->at = pg_col_i64(res, row, 6);
    r->on_time = pg_col_int(res, row, 7) != 0;
    r->person_name = pg_col_text(ar, res, row, 8);
}

ph_err store_pg_incident_acks(struct store *st, struct arena *ar, int64_t incident_id,
                              struct incident_ack **items, size_t *n)
{
    struct pg_args a = {0};
    void *list = NULL;
    ph_err rc;

    pg_arg_i64(&a, incident_id);
    rc = pg_rows(store_pg_of(st), ar,
                 "SELECT a.id, a.incident_id, a.unit_id, a.person_id, a.stage, a.note, a.at, "
                 "a.on_time, p.full_name FROM incident_acks AS a "
                 "LEFT JOIN people AS p ON p.id = a.person_id "
                 "WHERE a.incident_id = $1 ORDER BY a.id",
                 &a, "incident acknowledgements", sizeof(**items), 0, read_ack, &list, n, NULL);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

ph_err store_pg_incident_event_insert(struct store *st, const struct incident_event *ev,
                                      int64_t *id)
{
    struct pg_args a = {0};

    pg_arg_i64(&a, ev->incident_id);
    pg_arg_i64(&a, store_time_or_now(ev->at));
    pg_arg_i64(&a, ev->person_id);
    pg_arg_text(&a, ev->kind);
    pg_arg_id(&a, ev->unit_id);
    pg_arg_text(&a, ev->detail);
    static const char sql[] = "INSERT INTO incident_events (incident_id, at, person_id, kind, "
                              "unit_id, detail) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";
    /* Without id nothing waits for the answer (pg_write_later). */
    return id != NULL ? pg_insert(store_pg_of(st), sql, &a, "insert incident event", id)
                      : pg_write_later(store_pg_of(st), sql, &a, "insert incident event");
}

static void read_event(struct arena *ar, const PGresult *res, int row, void *out)
{
    struct incident_event *r = out;

    memset(r, 0, sizeof(*r));
    r->id = pg_col_i64(res, row, 0);
    r->incident_id = pg_col_i64(res, row, 1);
    r->at = pg_col_i64(res, row, 2);
    r->person_id = pg_col_i64(res, row, 3);
    r->kind = pg_col_text(ar, res, row, 4);
    r->unit_id = pg_col_i64(res, row, 5);
    r->detail = pg_col_text(ar, res, row, 6);
    r->person_name = pg_col_text(ar, res, row, 7);
}

ph_err store_pg_incident_events(struct store *st, struct arena *ar, int64_t incident_id,
                                struct incident_event **items, size_t *n)
{
    struct pg_args a = {0};
    void *list = NULL;
    ph_err rc;

    pg_arg_i64(&a, incident_id);
    rc = pg_rows(store_pg_of(st), ar,
                 "SELECT e.id, e.incident_id, e.at, e.person_id, e.kind, e.unit_id, e.detail, "
                 "p.full_name FROM incident_events AS e "
                 "LEFT JOIN people AS p ON p.id = e.person_id "
                 "WHERE e.incident_id = $1 ORDER BY e.id",
                 &a, "incident events", sizeof(**items), 0, read_event, &list, n, NULL);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

/* ---- idempotency keys ---------------------------------------------------- */

struct idem_row {
    uint8_t hash[32];
    int64_t incident_id;
    bool hash_ok;
};

static void read_idem(struct arena *ar, const PGresult *res, int row, void *out)
{
    struct idem_row *r = out;

    (void)ar;
    r->hash_ok = pg_col_hash(res, row, 0, r->hash);
    r->incident_id = pg_col_i64(res, row, 1);
}

ph_err store_pg_idem_get(struct store *st, int64_t person_id, const char *key,
                         uint8_t request_hash[32], int64_t *incident_id)
{
    struct pg_args a = {0};
    struct idem_row row;
    ph_err rc;

    pg_arg_i64(&a, person_id);
    pg_arg_text(&a, key);
    rc = pg_get(store_pg_of(st), NULL,
                "SELECT request_hash, incident_id FROM idempotency_keys "
                "WHERE person_id = $1 AND key = $2",
                &a, "get idempotency key", read_idem, &row);
    if (rc == PH_OK && !row.hash_ok) { /* the CHECK makes this impossible short of damage */
        log_warn("store/postgres: idempotency key of person %lld has a damaged hash",
                 (long long)person_id);
        rc = PH_ESTORE;
    }
    if (rc == PH_OK) {
        memcpy(request_hash, row.hash, 32);
        *incident_id = row.incident_id;
    }
    return rc;
}

ph_err store_pg_idem_put(struct store *st, int64_t person_id, const char *key,
                         const uint8_t request_hash[32], int64_t incident_id, int64_t at)
{
    struct pg_args a = {0};

    pg_arg_i64(&a, person_id);
    pg_arg_text(&a, key);
    pg_arg_bytes(&a, request_hash, 32);
    pg_arg_i64(&a, incident_id);
    pg_arg_i64(&a, store_time_or_now(at));
    return pg_write(store_pg_of(st),
                    "INSERT INTO idempotency_keys (person_id, key, request_hash, incident_id, "
                    "created_at) VALUES ($1, $2, $3, $4, $5)",
                    &a, "put idempotency key", NULL);
}

ph_err store_pg_idem_prune(struct store *st, int64_t before, int *n)
{
    struct pg_args a = {0};
    int changes = 0;
    ph_err rc;

    pg_arg_i64(&a, before);
    rc = pg_write(store_pg_of(st), "DELETE FROM idempotency_keys WHERE created_at < $1", &a,
                  "prune idempotency keys", &changes);
    if (rc == PH_OK && n != NULL)
        *n = changes;
    return rc;
}

/* ---- inbox --------------------------------------------------------------- */

/* The incident, the unit's recipient row, then the stage awaited, its deadline
 * and whether it has passed (columns INCIDENT_NCOLS + RECIPIENT_NCOLS on). */
static void read_inbox_item(struct arena *ar, const PGresult *res, int row, void *out)
{
    struct incident_inbox_item *r = out;
    int base = INCIDENT_NCOLS + RECIPIENT_NCOLS;

    memset(r, 0, sizeof(*r));
    read_incident_cols(ar, res, row, &r->inc);
    read_recipient_at(ar, res, row, INCIDENT_NCOLS, &r->rcpt);
    r->awaiting = pg_col_bool(res, row, base) ? ACK_VERIFIED : ACK_RECEIVED;
    r->due_at = pg_col_i64(res, row, base + 1);
    r->overdue = pg_col_bool(res, row, base + 2);
}

/* The deadline of the stage awaited: "received" until it is done, then
 * "verified" when it has a deadline; after that nothing is awaited. */
#define INBOX_DUE "(CASE WHEN r.received_at = 0 THEN r.ack_due_at ELSE r.verify_due_at END)"

ph_err store_pg_incident_inbox(struct store *st, struct arena *ar, int64_t unit_id, int64_t now_ms,
                               const struct incident_scope *scope, int limit,
                               struct incident_inbox_item **items, size_t *n)
{
    struct pg_args a = {0};
    void *list = NULL;
    ph_err rc;

    pg_arg_i64(&a, now_ms);
    pg_arg_i64(&a, unit_id);
    (void)pg_arg_scope(&a, ar, scope); /* $3..$5 */
    pg_arg_i64(&a, store_list_limit(limit));
    rc = pg_rows(store_pg_of(st), ar,
                 "SELECT " INCIDENT_COLS(1) ", " RECIPIENT_COLS ", r.received_at <> 0, "
                 INBOX_DUE ", " INBOX_DUE " BETWEEN 1 AND $1::bigint - 1 AS is_overdue "
                 "FROM incident_recipients AS r JOIN incidents AS i ON i.id = r.incident_id "
                 "JOIN units AS u ON u.id = r.unit_id" INCIDENT_JOINS " "
                 "WHERE r.unit_id = $2::bigint AND " OWES_R " "
                 "AND (r.received_at = 0 OR (r.verify_due_at > 0 AND r.verified_at = 0)) "
                 "AND " PG_INCIDENT_SCOPE(3, 4, 5) " "
                 "ORDER BY is_overdue DESC, " INBOX_DUE " = 0, " INBOX_DUE ", r.sent_at, i.id "
                 "LIMIT $6::bigint",
                 &a, "incident inbox", sizeof(**items), 0, read_inbox_item, &list, n, NULL);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

/* ---- deadlines ----------------------------------------------------------- */

/* Owed stages: the WHERE of the stages' partial indexes. */
#define OWED_ACK                                                                                   \
    "r.ack_due_at > 0 AND r.received_at = 0 AND r.refused_at = 0 "                                 \
    "AND r.role IN ('lead', 'informed')"
#define OWED_VERIFY                                                                                \
    "r.verify_due_at > 0 AND r.verified_at = 0 AND r.refused_at = 0 "                              \
    "AND r.role IN ('lead', 'informed')"
/* The incident of recipient row r is still open. A subquery per row rather than
 * a join: the planner, not knowing how few rows are owed before now, would hash
 * every open incident to join them (20 ms per call at 12,700 open incidents,
 * 0.4 ms this way); the scheduler asks after every commit. */
#define R_INCIDENT_OPEN                                                                            \
    "(SELECT i.status FROM incidents AS i WHERE i.id = r.incident_id) NOT IN ('closed', 'merged')"
/* The pending stages: owed and not yet found late, of an incident still open. */
#define PENDING_ACK OWED_ACK " AND r.ack_overdue_at = 0 AND " R_INCIDENT_OPEN
#define PENDING_VERIFY OWED_VERIFY " AND r.verify_overdue_at = 0 AND " R_INCIDENT_OPEN

static void read_due(struct arena *ar, const PGresult *res, int row, void *out)
{
    struct store_due *r = out;

    (void)ar;
    r->incident_id = pg_col_i64(res, row, 0);
    r->unit_id = pg_col_i64(res, row, 1);
    r->stage = pg_col_int(res, row, 2) != 0 ? ACK_VERIFIED : ACK_RECEIVED;
    r->due_at = pg_col_i64(res, row, 3);
}

ph_err store_pg_deadline_due(struct store *st, struct arena *ar, int64_t now, int limit,
                             struct store_due **items, size_t *n)
{
    struct pg_args a = {0};
    void *list = NULL;
    ph_err rc;

    pg_arg_i64(&a, now);
    pg_arg_i64(&a, limit < 0 ? 0 : limit);
    rc = pg_rows(store_pg_of(st), ar,
                 "SELECT incident_id, unit_id, is_verify, due FROM ("
                 "SELECT r.incident_id, r.unit_id, 0 AS is_verify, r.ack_due_at AS due "
                 "FROM incident_recipients AS r "
                 "WHERE " PENDING_ACK " AND r.ack_due_at <= $1::bigint UNION ALL "
                 "SELECT r.incident_id, r.unit_id, 1, r.verify_due_at "
                 "FROM incident_recipients AS r "
                 "WHERE " PENDING_VERIFY " AND r.verify_due_at <= $1::bigint) AS d "
                 "ORDER BY due, incident_id, unit_id, is_verify LIMIT $2::bigint",
                 &a, "due deadlines", sizeof(**items), 0, read_due, &list, n, NULL);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

ph_err store_pg_deadline_next(struct store *st, int64_t now, int64_t *at)
{
    struct pg_args a = {0};

    /* Each branch walks its partial index from now and stops at the first
     * incident still open. */
    pg_arg_i64(&a, now);
    return pg_get_i64(store_pg_of(st),
                      "SELECT coalesce(min(due), 0) FROM ("
                      "SELECT (SELECT r.ack_due_at FROM incident_recipients AS r WHERE "
                      PENDING_ACK " AND r.ack_due_at > $1::bigint ORDER BY r.ack_due_at LIMIT 1) "
                      "AS due UNION ALL SELECT (SELECT r.verify_due_at FROM incident_recipients "
                      "AS r WHERE " PENDING_VERIFY
                      " AND r.verify_due_at > $1::bigint ORDER BY r.verify_due_at LIMIT 1)) AS d",
                      &a, "next deadline", at);
}

/* The first time a stage was found late is the one that counts: marking it again
 * keeps it (and still finds the row). */
ph_err store_pg_deadline_mark(struct store *st, int64_t incident_id, int64_t unit_id,
                              const char *stage, int64_t at)
{
    struct pg_args a = {0};
    const char *sql;

    if (stage != NULL && strcmp(stage, ACK_RECEIVED) == 0)
        sql = "UPDATE incident_recipients SET ack_overdue_at = CASE "
              "WHEN ack_overdue_at = 0 THEN $3::bigint ELSE ack_overdue_at END "
              "WHERE incident_id = $1 AND unit_id = $2";
    else if (stage != NULL && strcmp(stage, ACK_VERIFIED) == 0)
        sql = "UPDATE incident_recipients SET verify_overdue_at = CASE "
              "WHEN verify_overdue_at = 0 THEN $3::bigint ELSE verify_overdue_at END "
              "WHERE incident_id = $1 AND unit_id = $2";
    else
        return PH_EINVAL; /* only those two stages have deadlines */
    pg_arg_i64(&a, incident_id);
    pg_arg_i64(&a, unit_id);
    pg_arg_i64(&a, store_time_or_now(at));
    return pg_write_one(store_pg_of(st), sql, &a, "mark deadline overdue");
}

ph_err store_pg_recipient_mark_escalated(struct store *st, int64_t incident_id, int64_t unit_id,
                                         int64_t at)
{
    struct pg_args a = {0};

    pg_arg_i64(&a, incident_id);
    pg_arg_i64(&a, unit_id);
    pg_arg_i64(&a, store_time_or_now(at));
    return pg_write_one(store_pg_of(st),
                        "UPDATE incident_recipients SET escalated_at = CASE "
                        "WHEN escalated_at = 0 THEN $3::bigint ELSE escalated_at END "
                        "WHERE incident_id = $1 AND unit_id = $2",
                        &a, "mark recipient escalated");
}

/* ---- timeliness ---------------------------------------------------------- */

static void read_timeliness(struct arena *ar, const PGresult *res, int row, void *out)
{
    struct store_timeliness_row *r = out;

    memset(r, 0, sizeof(*r));
    r->kind = pg_col_int(res, row, 0) != 0 ? "ack" : "report";
    r->unit_id = pg_col_i64(res, row, 1);
    r->unit_name = pg_col_text(ar, res, row, 2);
    r->force = pg_col_text(ar, res, row, 3);
    r->unit_path = pg_col_text(ar, res, row, 4);
    r->delay_ms = pg_col_i64(res, row, 5);
    r->on_time = pg_col_int(res, row, 6) != 0;
    r->pending = pg_col_int(res, row, 7) != 0;
}

/* The unit filters of struct stats_period on unit alias u: force at $3, unit at $4. */
#define PERIOD_UNIT_EXPR                                                                           \
    "($3::text IS NULL OR u.force = $3::text) AND ($4::bigint = 0 OR EXISTS (SELECT 1 "            \
    "FROM units AS pu WHERE pu.id = $4::bigint AND u.path >= pu.path "                             \
    "AND u.path < (substr(pu.path, 1, length(pu.path) - 1) || '0')))"

ph_err store_pg_timeliness_rows(struct store *st, struct arena *ar, const struct stats_period *p,
                                const struct incident_scope *scope, int64_t now,
                                struct store_timeliness_row **items, size_t *n)
{
    struct pg_args a = {0};
    void *list = NULL;
    ph_err rc;

    pg_arg_i64(&a, p->from);
    pg_arg_i64(&a, p->to != 0 ? p->to : INT64_MAX);
    pg_arg_text(&a, p->force);
    pg_arg_i64(&a, p->unit_id);
    pg_arg_i64(&a, now);
    (void)pg_arg_scope(&a, ar, scope); /* $6..$8 */
    /* As the SQLite store (sqlite_incidents.c says why): reports on time unless
     * flagged late; an ack answered by "received" or a refusal; a pending one
     * late once its deadline is behind now; a former lead counts when it
     * answered or was found late before the transfer. By unit, reports first. */
    rc = pg_rows(
        store_pg_of(st), ar,
        "SELECT 0 AS is_ack, u.id, u.name, u.force, u.path, i.reported_at - i.detected_at, "
        "1 - i.report_late, 0, i.id AS incident_id "
        "FROM incidents AS i JOIN units AS u ON u.id = i.reporting_unit_id "
        "WHERE i.reported_at >= $1::bigint AND i.reported_at < $2::bigint "
        "AND i.cap_status = 'actual' AND " PERIOD_UNIT_EXPR " AND " PG_INCIDENT_SCOPE(6, 7, 8)
        " UNION ALL "
        "SELECT 1, u.id, u.name, u.force, u.path, CASE "
        "WHEN r.received_at > 0 THEN r.received_at - r.sent_at "
        "WHEN r.refused_at > 0 THEN r.refused_at - r.sent_at ELSE -1 END, CASE "
        "WHEN r.received_at > 0 THEN (r.received_at <= r.ack_due_at)::int "
        "WHEN r.refused_at > 0 THEN (r.refused_at <= r.ack_due_at)::int "
        "WHEN r.role = 'former_lead' THEN 0 ELSE (r.ack_due_at >= $5::bigint)::int END, "
        "(r.received_at = 0 AND r.refused_at = 0 AND r.role <> 'former_lead')::int, i.id "
        "FROM incident_recipients AS r JOIN incidents AS i ON i.id = r.incident_id "
        "JOIN units AS u ON u.id = r.unit_id "
        "WHERE r.sent_at >= $1::bigint AND r.sent_at < $2::bigint "
        "AND (r.role IN ('lead', 'informed') "
        "OR (r.role = 'former_lead' AND (r.received_at > 0 OR r.refused_at > 0 "
        "OR r.ack_overdue_at > 0))) "
        "AND r.ack_due_at > 0 AND i.cap_status = 'actual' AND " PERIOD_UNIT_EXPR
        " AND " PG_INCIDENT_SCOPE(6, 7, 8) " ORDER BY 2, 1, 9",
        &a, "timeliness rows", sizeof(**items), 0, read_timeliness, &list, n, NULL);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

/* ---- incident counts ------------------------------------------------------- */

static void read_incident_count(struct arena *ar, const PGresult *res, int row, void *out)
{
    struct store_incident_count *r = out;

    memset(r, 0, sizeof(*r));
    r->category_id = pg_col_i64(res, row, 0);
    r->category = pg_col_text(ar, res, row, 1);
    r->force = pg_col_text(ar, res, row, 2);
    r->n = pg_col_i64(res, row, 3);
}

ph_err store_pg_incident_counts(struct store *st, struct arena *ar, int64_t from, int64_t to,
                                const struct incident_scope *scope,
                                struct store_incident_count **items, size_t *n)
{
    struct pg_args a = {0};
    void *list = NULL;
    ph_err rc;

    pg_arg_i64(&a, from);
    pg_arg_i64(&a, to != 0 ? to : INT64_MAX);
    (void)pg_arg_scope(&a, ar, scope); /* $3..$5 */
    /* A merged incident is a duplicate of the one it was merged into, which
     * counts. No lead unit (force NULL) sorts first, as in SQLite. */
    rc = pg_rows(store_pg_of(st), ar,
                 "SELECT i.category_id, c.code, lu.force, count(*) FROM incidents AS i "
                 "LEFT JOIN categories AS c ON c.id = i.category_id "
                 "LEFT JOIN units AS lu ON lu.id = i.lead_unit_id "
                 "WHERE i.reported_at >= $1::bigint AND i.reported_at < $2::bigint "
                 "AND i.cap_status = 'actual' AND i.status <> 'merged' "
                 "AND " PG_INCIDENT_SCOPE(3, 4, 5) " "
                 "GROUP BY i.category_id, c.code, lu.force "
                 "ORDER BY i.category_id, lu.force NULLS FIRST",
                 &a, "incident counts", sizeof(**items), 0, read_incident_count, &list, n, NULL);
    if (rc == PH_OK)
        *items = list;
    return rc;
}
