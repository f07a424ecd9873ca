/* sqlite_incidents.c - the SQLite backend's incidents (core/incident.h): rows
 * and reference numbers, recipients with their acknowledgement state, the
 * history of acknowledgement stages, the timeline, idempotency keys of creates,
 * lists and full-text search, inboxes, the deadlines the scheduler watches and
 * the rows behind the timeliness figures. See sqlite_int.h and migration 003.
 *
 * Who owes what: only the lead and informed recipients owe acknowledgements
 * (the reporting unit reported it; a former lead handed it on), a refusal ends
 * what a recipient owes, and a closed or merged incident owes nothing more. The
 * overdue flag, the inbox and the deadlines all apply these same three rules.
 *
 * Incident lists are the one query here whose text is not fixed: it is put
 * together from constant pieces, one per filter given, and prepared per call
 * (a fraction of a millisecond). Input never reaches the text: every value is a
 * named parameter (:name) bound after preparing. A cached statement of
 * "(?N IS NULL OR col = ?N)" terms could not use an index for any of them, and
 * over a million incidents the plan is what matters:
 *  - with a text query, the full-text index drives: its rowids come newest
 *    first (FTS5 walks doclists backwards), each is joined to its incident and
 *    tested, and the walk stops once a page is full. The last word is a prefix,
 *    expanded through incident_terms (migration 003 says why);
 *  - else a filter whose candidates are few (unit, scope, area, box, overdue:
 *    each counted up to DRIVE_CAP through its own index) drives: its
 *    candidates are read, tested and sorted;
 *  - else the table is walked newest first (or a category's or status's index,
 *    which end in id) until a page is full; indexes that would yield too many
 *    rows to sort are kept out of it with a unary +.
 * Only ids are sorted: an inner query finds the page, the outer one reads the
 * columns of its rows.
 *
 * Full-text entries are written at commit, not row by row (store_sq_fts_flush,
 * and migration 003 on why). */
#include "util/base.h"
#include "store/sqlite_int.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/mem.h"

/* ---- named parameters ---------------------------------------------------- */

/* Bind by name; a name the statement does not use is fine (the list query uses
 * the parameters of the filters given only). */
static int bind_named_i64(sqlite3_stmt *stmt, const char *name, int64_t v)
{
    int i = sqlite3_bind_parameter_index(stmt, name);
    return i > 0 ? sqlite3_bind_int64(stmt, i, v) : SQLITE_OK;
}

static int bind_named_double(sqlite3_stmt *stmt, const char *name, double v)
{
    int i = sqlite3_bind_parameter_index(stmt, name);
    return i > 0 ? sqlite3_bind_double(stmt, i, v) : SQLITE_OK;
}

static int bind_named_text(sqlite3_stmt *stmt, const char *name, const char *v)
{
    int i = sqlite3_bind_parameter_index(stmt, name);
    return i > 0 ? store_sq_bind_text(stmt, i, v) : SQLITE_OK;
}

/* ---- shared SQL pieces --------------------------------------------------- */

/* What owes an acknowledgement at all (see the top of the file): recipient rows
 * o (the overdue test) and r (inboxes) of incident i. */
#define OWES_O                                                                                     \
    "o.role IN ('lead', 'informed') AND o.refused_at = 0 "                                         \
    "AND i.status NOT IN ('closed', 'merged')"
#define OWES_R                                                                                     \
    "r.role IN ('lead', 'informed') AND r.refused_at = 0 "                                         \
    "AND i.status NOT IN ('closed', 'merged')"

/* Some recipient's deadline passed (before :now) without its stage. */
#define OVERDUE_EXPR                                                                               \
    "EXISTS (SELECT 1 FROM incident_recipients AS o WHERE o.incident_id = i.id AND " OWES_O        \
    " AND ((o.ack_due_at > 0 AND o.ack_due_at < :now AND o.received_at = 0) "                      \
    "OR (o.verify_due_at > 0 AND o.verify_due_at < :now AND o.verified_at = 0)))"

/* The access scope of incident i: its classification, and with a unit range
 * some recipient inside it. */
/* The columns of struct incident, joined members included (read_incident).
 * Paths and ids hold no spaces, so the lists come space-separated. */
#define INCIDENT_COLS                                                                              \
    "i.id, i.ref, i.category_id, c.code, i.severity, i.title, i.description, i.occurred_at, "      \
    "i.detected_at, i.reported_at, i.lat, i.lon, i.area_id, i.reporting_unit_id, "                 \
    "i.lead_unit_id, i.people_involved, i.vehicles_involved, i.vessels_involved, "                 \
    "i.casualties_dead, i.casualties_injured, i.damage, i.classification, i.status, "              \
    "i.cap_status, i.merged_into_id, i.rule_id, i.report_due_at, i.report_late, i.created_by, "    \
    "i.version, i.created_at, i.updated_at, lu.path, lu.force, ru.path, "                          \
    "(SELECT group_concat(path, ' ') FROM (SELECT cu.path FROM incident_recipients AS cr "         \
    "JOIN units AS cu ON cu.id = cr.unit_id WHERE cr.incident_id = i.id "                          \
    "AND cr.unit_id IS NOT i.lead_unit_id ORDER BY cr.sent_at, cr.unit_id)), "                     \
    "(SELECT group_concat(unit_id, ' ') FROM (SELECT cr.unit_id FROM incident_recipients AS cr "   \
    "WHERE cr.incident_id = i.id AND cr.role = 'informed' ORDER BY cr.sent_at, "                   \
    "cr.unit_id)), " OVERDUE_EXPR ", "                                                             \
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

#define SQL_INCIDENT_EXISTS "SELECT 1 FROM incidents WHERE id = ?1"

static void read_incident_cols(struct arena *ar, sqlite3_stmt *stmt, struct incident *out)
{
    memset(out, 0, sizeof(*out));
    out->id = sqlite3_column_int64(stmt, 0);
    out->ref = store_sq_col_text(ar, stmt, 1);
    out->category_id = sqlite3_column_int64(stmt, 2);
    out->category_code = store_sq_col_text(ar, stmt, 3);
    out->severity = sqlite3_column_int(stmt, 4);
    out->title = store_sq_col_text(ar, stmt, 5);
    out->description = store_sq_col_text(ar, stmt, 6);
    out->occurred_at = sqlite3_column_int64(stmt, 7);
    out->detected_at = sqlite3_column_int64(stmt, 8);
    out->reported_at = sqlite3_column_int64(stmt, 9);
    out->has_location = sqlite3_column_type(stmt, 10) != SQLITE_NULL;
    if (out->has_location) {
        out->lat = sqlite3_column_double(stmt, 10);
        out->lon = sqlite3_column_double(stmt, 11);
    }
    out->area_id = sqlite3_column_int64(stmt, 12);
    out->reporting_unit_id = sqlite3_column_int64(stmt, 13);
    out->lead_unit_id = sqlite3_column_int64(stmt, 14);
    out->people_involved = sqlite3_column_int(stmt, 15);
    out->vehicles_involved = sqlite3_column_int(stmt, 16);
    out->vessels_involved = sqlite3_column_int(stmt, 17);
    out->casualties_dead = sqlite3_column_int(stmt, 18);
    out->casualties_injured = sqlite3_column_int(stmt, 19);
    out->damage = store_sq_col_text(ar, stmt, 20);
    out->classification = sqlite3_column_int(stmt, 21);
    out->status = store_sq_col_text(ar, stmt, 22);
    out->cap_status = store_sq_col_text(ar, stmt, 23);
    out->merged_into_id = sqlite3_column_int64(stmt, 24);
    out->rule_id = sqlite3_column_int64(stmt, 25);
    out->report_due_at = sqlite3_column_int64(stmt, 26);
    out->report_late = sqlite3_column_int(stmt, 27) != 0;
    out->created_by = sqlite3_column_int64(stmt, 28);
    out->version = sqlite3_column_int64(stmt, 29);
    out->created_at = sqlite3_column_int64(stmt, 30);
    out->updated_at = sqlite3_column_int64(stmt, 31);
    out->lead_unit_path = store_sq_col_text(ar, stmt, 32);
    out->lead_force = store_sq_col_text(ar, stmt, 33);
    out->reporting_unit_path = store_sq_col_text(ar, stmt, 34);
    out->sent_to_paths =
        store_split_words(ar, (const char *)sqlite3_column_text(stmt, 35), &out->n_sent_to);
    out->informed_unit_ids =
        store_split_ids(ar, (const char *)sqlite3_column_text(stmt, 36), &out->n_informed);
    out->overdue = sqlite3_column_int(stmt, 37) != 0;
    out->operation_id = sqlite3_column_int64(stmt, 38);
    out->operation_log_id = sqlite3_column_int64(stmt, 39);
}

static void read_incident(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    read_incident_cols(ar, stmt, row);
}

/* RECIPIENT_COLS from column base on. */
static void read_recipient_at(struct arena *ar, sqlite3_stmt *stmt, int base,
                              struct incident_recipient *out)
{
    memset(out, 0, sizeof(*out));
    out->unit_id = sqlite3_column_int64(stmt, base + 0);
    out->role = store_sq_col_text(ar, stmt, base + 1);
    out->unit_code = store_sq_col_text(ar, stmt, base + 2);
    out->unit_name = store_sq_col_text(ar, stmt, base + 3);
    out->unit_path = store_sq_col_text(ar, stmt, base + 4);
    out->force = store_sq_col_text(ar, stmt, base + 5);
    out->sent_at = sqlite3_column_int64(stmt, base + 6);
    out->ack_due_at = sqlite3_column_int64(stmt, base + 7);
    out->verify_due_at = sqlite3_column_int64(stmt, base + 8);
    out->received_at = sqlite3_column_int64(stmt, base + 9);
    out->verified_at = sqlite3_column_int64(stmt, base + 10);
    out->agreed_at = sqlite3_column_int64(stmt, base + 11);
    out->refused_at = sqlite3_column_int64(stmt, base + 12);
    out->received_by = sqlite3_column_int64(stmt, base + 13);
    out->verified_by = sqlite3_column_int64(stmt, base + 14);
    out->agreed_by = sqlite3_column_int64(stmt, base + 15);
    out->refused_by = sqlite3_column_int64(stmt, base + 16);
    out->refused_reason = store_sq_col_text(ar, stmt, base + 17);
    out->ack_overdue_at = sqlite3_column_int64(stmt, base + 18);
    out->verify_overdue_at = sqlite3_column_int64(stmt, base + 19);
    out->escalated_at = sqlite3_column_int64(stmt, base + 20);
}

static void read_recipient(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    read_recipient_at(ar, stmt, 0, row);
}

static void read_i64_0(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    *(int64_t *)row = sqlite3_column_int64(stmt, 0);
}

/* lat at i, lon at i + 1: both NULL without a location. */
static int bind_location(sqlite3_stmt *stmt, int i, const struct incident *inc)
{
    if (!inc->has_location)
        return sqlite3_bind_null(stmt, i) | sqlite3_bind_null(stmt, i + 1);
    return sqlite3_bind_double(stmt, i, inc->lat) | sqlite3_bind_double(stmt, i + 1, inc->lon);
}

/* ---- the index queue ------------------------------------------------------- */

/* A set of words: open addressing over strings in an arena, the table at most
 * half full. A flush collects the distinct words of its incidents in one, so that
 * each is added to incident_terms once however many incidents carry it; the
 * connection keeps two more (struct store_sq's terms_known, terms_added). */
struct store_sq_words {
    struct arena a;
    char **slots;
    size_t cap, n;
};

/* Words known to be in incident_terms are not added again: a common word would
 * otherwise cost a statement in every flush. This many at most are kept (a few
 * MiB); then the set starts afresh. */
#define TERMS_KNOWN_MAX 65536

static uint64_t word_hash(const char *p, size_t n)
{
    uint64_t h = 14695981039346656037u; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 1099511628211u;
    return h;
}

/* The slot of word[0..n): where it is, or the free one where it would go. */
static char **word_slot(char **slots, size_t cap, const char *word, size_t n)
{
    size_t i = (size_t)word_hash(word, n) & (cap - 1);
    while (slots[i] != NULL && (strncmp(slots[i], word, n) != 0 || slots[i][n] != '\0'))
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

static bool words_has(const struct store_sq_words *ws, const char *word)
{
    return ws != NULL && ws->n > 0 && *word_slot(ws->slots, ws->cap, word, strlen(word)) != NULL;
}

static void words_add(struct store_sq_words *ws, const char *word, size_t n)
{
    if (2 * (ws->n + 1) > ws->cap) {
        size_t cap = ws->cap == 0 ? 1024 : 2 * ws->cap;
        char **slots = xcalloc(cap, sizeof(*slots));
        for (size_t i = 0; i < ws->cap; i++)
            if (ws->slots[i] != NULL)
                *word_slot(slots, cap, ws->slots[i], strlen(ws->slots[i])) = ws->slots[i];
        free(ws->slots);
        ws->slots = slots;
        ws->cap = cap;
    }
    char **slot = word_slot(ws->slots, ws->cap, word, n);
    if (*slot == NULL) {
        *slot = arena_strndup(&ws->a, word, n);
        ws->n++;
    }
}

static void words_clear(struct store_sq_words *ws)
{
    free(ws->slots);
    arena_release(&ws->a);
    ws->slots = NULL;
    ws->cap = ws->n = 0;
    arena_init(&ws->a);
}

static struct store_sq_words *words_new(void)
{
    struct store_sq_words *ws = xcalloc(1, sizeof(*ws));
    arena_init(&ws->a);
    return ws;
}

static void words_free(struct store_sq_words *ws)
{
    if (ws == NULL)
        return;
    free(ws->slots);
    arena_release(&ws->a);
    free(ws);
}

static int on_doc_word(void *ctx, int tflags, const char *token, int ntoken, int start, int end)
{
    words_add(ctx, token, (size_t)ntoken);
    return SQLITE_OK;
}

void store_sq_terms_end(struct store_sq *s, bool committed)
{
    struct store_sq_words *added = s->terms_added;

    if (added == NULL || added->n == 0)
        return;
    if (committed) {
        if (s->terms_known == NULL)
            s->terms_known = words_new();
        if (s->terms_known->n + added->n > TERMS_KNOWN_MAX)
            words_clear(s->terms_known);
        for (size_t i = 0; i < added->cap; i++)
            if (added->slots[i] != NULL)
                words_add(s->terms_known, added->slots[i], strlen(added->slots[i]));
    }
    words_clear(added);
}

void store_sq_terms_free(struct store_sq *s)
{
    words_free(s->terms_known);
    words_free(s->terms_added);
    s->terms_known = s->terms_added = NULL;
}

/* Add the words of ws to incident_terms. In a transaction begun by tx_begin, a
 * word known to be there already is skipped, and the words added are kept to be
 * known once it commits: one rolled back takes them away again. */
static ph_err add_terms(struct store_sq *s, sqlite3_stmt *add, const struct store_sq_words *ws)
{
    ph_err rc = PH_OK;

    if (s->in_tx && s->terms_added == NULL)
        s->terms_added = words_new();
    for (size_t i = 0; i < ws->cap && rc == PH_OK; i++) {
        const char *w = ws->slots[i];
        if (w == NULL || (s->in_tx && words_has(s->terms_known, w)))
            continue;
        rc = store_sq_write(s, add, store_sq_bind_text(add, 1, w), "add search word", NULL);
        if (rc == PH_OK && s->in_tx)
            words_add(s->terms_added, w, strlen(w));
    }
    return rc;
}

ph_err store_sq_fts_flush(struct store_sq *s)
{
    sqlite3_stmt *text = store_sq_stmt(s, SQ_FTS_PENDING_TEXT,
                                       "SELECT i.title, i.description, i.ref "
                                       "FROM incidents_fts_pending AS p JOIN incidents AS i "
                                       "ON i.id = p.id");
    sqlite3_stmt *add = store_sq_stmt(s, SQ_FTS_TERM_ADD,
                                      "INSERT OR IGNORE INTO incident_terms (term) VALUES (?1)");
    sqlite3_stmt *index =
        store_sq_stmt(s, SQ_FTS_INDEX,
                      "INSERT INTO incidents_fts (rowid, title, description, ref) "
                      "SELECT i.id, i.title, i.description, i.ref FROM incidents_fts_pending AS p "
                      "JOIN incidents AS i ON i.id = p.id");
    sqlite3_stmt *clear = store_sq_stmt(s, SQ_FTS_CLEAR, "DELETE FROM incidents_fts_pending");
    struct store_sq_words words = {.slots = NULL};
    ph_err rc = PH_OK;
    int e;

    if (text == NULL || add == NULL || index == NULL || clear == NULL)
        return PH_ESTORE;
    arena_init(&words.a);
    while ((e = sqlite3_step(text)) == SQLITE_ROW)
        for (int c = 0; c < 3; c++)
            (void)store_sq_fts_tokenize(&words, (const char *)sqlite3_column_text(text, c),
                                        sqlite3_column_bytes(text, c), on_doc_word);
    if (e != SQLITE_DONE)
        rc = store_sq_fail(s, e, "read incidents to index");
    store_sq_done(text);
    if (rc == PH_OK)
        rc = add_terms(s, add, &words);
    if (rc == PH_OK)
        rc = store_sq_write(s, index, SQLITE_OK, "index incidents", NULL);
    if (rc == PH_OK)
        rc = store_sq_write(s, clear, SQLITE_OK, "empty the index queue", NULL);
    free(words.slots);
    arena_release(&words.a);
    return rc;
}

/* After an incident write: in a transaction the queue waits for its commit;
 * alone (autocommit), the write and its indexing share an op savepoint. */
static ph_err fts_write_begin(struct store_sq *s, bool *alone)
{
    *alone = sqlite3_get_autocommit(s->db) != 0;
    return *alone ? store_sq_op_begin(s) : PH_OK;
}

static ph_err fts_write_end(struct store_sq *s, bool alone, ph_err rc)
{
    if (!alone) {
        if (rc == PH_OK)
            s->fts_pending = true;
        return rc;
    }
    if (rc == PH_OK)
        rc = store_sq_fts_flush(s);
    return store_sq_op_end(s, rc);
}

/* ---- reference numbers --------------------------------------------------- */

ph_err store_sq_refno_flush(struct store_sq *s)
{
    sqlite3_stmt *stmt;
    ph_err rc;

    if (!s->refno.dirty)
        return PH_OK;
    stmt = store_sq_stmt(s, SQ_INCIDENT_REF_WRITE,
                         "INSERT INTO incident_ref_counters (prefix, year, last) "
                         "VALUES (?1, ?2, ?3) ON CONFLICT (prefix, year) DO UPDATE SET "
                         "last = excluded.last");
    if (stmt == NULL)
        return PH_ESTORE;
    rc = store_sq_write(s, stmt,
                        store_sq_bind_text(stmt, 1, s->refno.prefix) |
                            sqlite3_bind_int(stmt, 2, s->refno.year) |
                            sqlite3_bind_int64(stmt, 3, s->refno.last),
                        "write incident number", NULL);
    if (rc == PH_OK)
        s->refno.dirty = false;
    return rc;
}

/* Keep the counter of (prefix, year) as stored: none yet counts as 0. */
static ph_err refno_load(struct store_sq *s, const char *prefix, int year)
{
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_INCIDENT_REF_READ,
        "SELECT last FROM incident_ref_counters WHERE prefix = ?1 AND year = ?2");
    int64_t last = 0;
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    rc = store_sq_get(s, NULL, stmt,
                      store_sq_bind_text(stmt, 1, prefix) | sqlite3_bind_int(stmt, 2, year),
                      "incident number", read_i64_0, &last);
    if (rc == PH_ENOTFOUND)
        rc = PH_OK;
    if (rc == PH_OK) {
        snprintf(s->refno.prefix, sizeof(s->refno.prefix), "%s", prefix);
        s->refno.year = year;
        s->refno.last = last;
        s->refno.dirty = false;
    }
    return rc;
}

/* Numbers are taken in the caller's transaction, so a create that rolls back
 * gives its number back (migration 003). Outside a transaction begun by
 * tx_begin the number is written at once. */
ph_err store_sq_incident_ref_next(struct store *st, const char *prefix, int year, int64_t *seq)
{
    struct store_sq *s = store_sq_of(st);
    int64_t next;
    ph_err rc = PH_OK;

    if (prefix == NULL || prefix[0] == '\0' || strlen(prefix) >= sizeof(s->refno.prefix))
        return PH_EINVAL;
    /* An error may have rolled the transaction back under us: autocommit. */
    if (!s->in_tx || sqlite3_get_autocommit(s->db))
        memset(&s->refno, 0, sizeof(s->refno));
    if (strcmp(s->refno.prefix, prefix) != 0 || s->refno.year != year) {
        rc = store_sq_refno_flush(s);
        if (rc == PH_OK)
            rc = refno_load(s, prefix, year);
    }
    if (rc != PH_OK)
        return rc;
    next = ++s->refno.last;
    s->refno.dirty = true;
    if (!s->in_tx) {
        rc = store_sq_refno_flush(s);
        memset(&s->refno, 0, sizeof(s->refno));
        if (rc != PH_OK)
            return rc;
    }
    *seq = next;
    return PH_OK;
}

/* ---- incidents ----------------------------------------------------------- */

ph_err store_sq_incident_insert(struct store *st, const struct incident *inc, int64_t *id)
{
    struct store_sq *s = store_sq_of(st);
    /* The trigger incidents_fts_insert queues the full-text entry. */
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_INCIDENT_INSERT,
        "INSERT INTO incidents (ref, category_id, severity, title, description, occurred_at, "
        "detected_at, reported_at, lat, lon, area_id, reporting_unit_id, lead_unit_id, "
        "people_involved, vehicles_involved, vessels_involved, casualties_dead, "
        "casualties_injured, damage, classification, status, cap_status, merged_into_id, rule_id, "
        "report_due_at, report_late, created_by, version, created_at, updated_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, "
        "?19, ?20, coalesce(?21, 'new'), coalesce(?22, 'actual'), ?23, ?24, ?25, ?26, ?27, 1, "
        "?28, ?29)");
    int64_t new_id = 0;
    bool alone = false;
    ph_err rc;
    int e;

    if (stmt == NULL)
        return PH_ESTORE;
    if ((rc = fts_write_begin(s, &alone)) != PH_OK)
        return rc;
    e = store_sq_bind_text(stmt, 1, inc->ref) | sqlite3_bind_int64(stmt, 2, inc->category_id) |
        sqlite3_bind_int(stmt, 3, inc->severity) | store_sq_bind_text(stmt, 4, inc->title) |
        store_sq_bind_text(stmt, 5, inc->description) |
        sqlite3_bind_int64(stmt, 6, inc->occurred_at) |
        sqlite3_bind_int64(stmt, 7, inc->detected_at) |
        sqlite3_bind_int64(stmt, 8, store_time_or_now(inc->reported_at)) |
        bind_location(stmt, 9, inc) | store_sq_bind_id(stmt, 11, inc->area_id) |
        store_sq_bind_id(stmt, 12, inc->reporting_unit_id) |
        store_sq_bind_id(stmt, 13, inc->lead_unit_id) |
        sqlite3_bind_int(stmt, 14, inc->people_involved) |
        sqlite3_bind_int(stmt, 15, inc->vehicles_involved) |
        sqlite3_bind_int(stmt, 16, inc->vessels_involved) |
        sqlite3_bind_int(stmt, 17, inc->casualties_dead) |
        sqlite3_bind_int(stmt, 18, inc->casualties_injured) |
        store_sq_bind_text(stmt, 19, inc->damage) |
        sqlite3_bind_int(stmt, 20, inc->classification) |
        store_sq_bind_text(stmt, 21, inc->status) | store_sq_bind_text(stmt, 22, inc->cap_status) |
        store_sq_bind_id(stmt, 23, inc->merged_into_id) | store_sq_bind_id(stmt, 24, inc->rule_id) |
        sqlite3_bind_int64(stmt, 25, inc->report_due_at) |
        sqlite3_bind_int(stmt, 26, inc->report_late) |
        sqlite3_bind_int64(stmt, 27, inc->created_by) |
        store_sq_bind_created(stmt, 28, inc->created_at, inc->updated_at);
    rc = store_sq_insert(s, stmt, e, "insert incident", &new_id);
    rc = fts_write_end(s, alone, rc);
    if (rc == PH_OK)
        *id = new_id;
    return rc;
}

ph_err store_sq_incident_update(struct store *st, const struct incident *inc)
{
    struct store_sq *s = store_sq_of(st);
    /* ref, reported_at, the reporting unit, routing's decisions (rule, report
     * deadline) and created_* are written once, by insert. */
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_INCIDENT_UPDATE,
        "UPDATE incidents SET category_id = ?2, severity = ?3, title = ?4, description = ?5, "
        "occurred_at = ?6, detected_at = ?7, lat = ?8, lon = ?9, area_id = ?10, "
        "people_involved = ?11, vehicles_involved = ?12, vessels_involved = ?13, "
        "casualties_dead = ?14, casualties_injured = ?15, damage = ?16, classification = ?17, "
        "cap_status = coalesce(?18, cap_status), status = coalesce(?19, status), "
        "lead_unit_id = ?20, merged_into_id = ?21, updated_at = ?22, version = version + 1, "
        "rev = rev + 1, report_due_at = ?24, report_late = ?25 "
        "WHERE id = ?1 AND (?23 = 0 OR version = ?23)");
    bool alone = false;
    ph_err rc;
    int e;

    if (stmt == NULL)
        return PH_ESTORE;
    if ((rc = fts_write_begin(s, &alone)) != PH_OK)
        return rc;
    e = sqlite3_bind_int64(stmt, 1, inc->id) | sqlite3_bind_int64(stmt, 2, inc->category_id) |
        sqlite3_bind_int(stmt, 3, inc->severity) | store_sq_bind_text(stmt, 4, inc->title) |
        store_sq_bind_text(stmt, 5, inc->description) |
        sqlite3_bind_int64(stmt, 6, inc->occurred_at) |
        sqlite3_bind_int64(stmt, 7, inc->detected_at) | bind_location(stmt, 8, inc) |
        store_sq_bind_id(stmt, 10, inc->area_id) |
        sqlite3_bind_int(stmt, 11, inc->people_involved) |
        sqlite3_bind_int(stmt, 12, inc->vehicles_involved) |
        sqlite3_bind_int(stmt, 13, inc->vessels_involved) |
        sqlite3_bind_int(stmt, 14, inc->casualties_dead) |
        sqlite3_bind_int(stmt, 15, inc->casualties_injured) |
        store_sq_bind_text(stmt, 16, inc->damage) |
        sqlite3_bind_int(stmt, 17, inc->classification) |
        store_sq_bind_text(stmt, 18, inc->cap_status) | store_sq_bind_text(stmt, 19, inc->status) |
        store_sq_bind_id(stmt, 20, inc->lead_unit_id) |
        store_sq_bind_id(stmt, 21, inc->merged_into_id) |
        sqlite3_bind_int64(stmt, 22, store_time_or_now(inc->updated_at)) |
        sqlite3_bind_int64(stmt, 23, inc->version) |
        sqlite3_bind_int64(stmt, 24, inc->report_due_at) | sqlite3_bind_int(stmt, 25, inc->report_late);
    rc = store_sq_update_versioned(s, stmt, e, "update incident", SQ_INCIDENT_EXISTS,
                                   SQL_INCIDENT_EXISTS, inc->id);
    return fts_write_end(s, alone, rc);
}

ph_err store_sq_incident_get(struct store *st, struct arena *ar, int64_t id, int64_t now_ms,
                             struct incident *out)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(s, SQ_INCIDENT_GET,
                                       "SELECT " INCIDENT_COLS " FROM incidents AS i" INCIDENT_JOINS
                                       " WHERE i.id = :id");

    if (stmt == NULL)
        return PH_ESTORE;
    return store_sq_get(s, ar, stmt,
                        bind_named_i64(stmt, ":id", id) | bind_named_i64(stmt, ":now", now_ms),
                        "get incident", read_incident, out);
}

ph_err store_sq_incident_get_by_ref(struct store *st, struct arena *ar, const char *ref,
                                    int64_t now_ms, struct incident *out)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(s, SQ_INCIDENT_GET_BY_REF,
                                       "SELECT " INCIDENT_COLS " FROM incidents AS i" INCIDENT_JOINS
                                       " WHERE i.ref = :ref");

    if (stmt == NULL)
        return PH_ESTORE;
    return store_sq_get(s, ar, stmt,
                        bind_named_text(stmt, ":ref", ref) | bind_named_i64(stmt, ":now", now_ms),
                        "get incident by reference", read_incident, out);
}

static void read_rev(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    struct store_incident_rev *out = row;

    out->rev = sqlite3_column_int64(stmt, 0);
    out->n_recipients = sqlite3_column_int64(stmt, 1);
    out->dir_rev = sqlite3_column_int64(stmt, 2);
}

/* Asked before every cached GET answer, so it reads only what it must: the row by
 * its rowid, the recipients' keys (their primary key, no other column) and the
 * one directory row. */
ph_err store_sq_incident_rev(struct store *st, int64_t id, struct store_incident_rev *out)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_INCIDENT_REV,
        "SELECT i.rev, (SELECT count(*) FROM incident_recipients AS r WHERE r.incident_id = i.id), "
        "(SELECT rev FROM directory_rev WHERE id = 1) FROM incidents AS i WHERE i.id = ?1");

    if (stmt == NULL)
        return PH_ESTORE;
    return store_sq_get(s, NULL, stmt, sqlite3_bind_int64(stmt, 1, id), "incident freshness",
                        read_rev, out);
}

/* ---- lists and search ---------------------------------------------------- */

/* The most words a search's last word may stand for, as a prefix, before the
 * search leaves the prefix to FTS5 itself (slower for common words, but a
 * prefix that matches that many words is a short one, seldom typed). */
#define FTS_PREFIX_MAX_TERMS 128

/* The words of a search, folded by the tokenizer, in ar. */
struct query_words {
    struct arena *ar;
    const char **w;
    size_t n, cap;
};

static int on_query_word(void *ctx, int tflags, const char *token, int ntoken, int start, int end)
{
    struct query_words *q = ctx;

    if (q->n == q->cap) {
        q->cap = q->cap == 0 ? 8 : 2 * q->cap;
        const char **grown = arena_alloc(q->ar, q->cap * sizeof(*grown));
        if (q->n > 0)
            memcpy(grown, q->w, q->n * sizeof(*grown));
        q->w = grown;
    }
    q->w[q->n++] = arena_strndup(q->ar, token, (size_t)ntoken);
    return SQLITE_OK;
}

/* Append word as an FTS5 string: quoted, '"' doubled. Words are letters and
 * digits only, but the quoting is what keeps them words whatever they hold. */
static ph_err put_quoted(struct buf *b, const char *word)
{
    ph_err rc = buf_puts(b, "\"");
    for (const char *p = word; *p != '\0' && rc == PH_OK; p++)
        rc = buf_append(b, *p == '"' ? "\"\"" : p, *p == '"' ? 2 : 1);
    return rc == PH_OK ? buf_puts(b, "\"") : rc;
}

static void read_text0(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    *(const char **)row = store_sq_col_text(ar, stmt, 0);
}

/* Append the last word of a search, a prefix: the indexed words it begins, joined
 * by OR (see incident_terms in migration 003), or FTS5's own prefix query when it
 * begins none or too many of them. */
static ph_err put_prefix(struct store_sq *s, struct arena *ar, struct buf *b, const char *prefix)
{
    sqlite3_stmt *stmt = store_sq_stmt(s, SQ_FTS_TERMS_PREFIX,
                                       "SELECT term FROM incident_terms WHERE term >= ?1 "
                                       "AND term < ?2 ORDER BY term LIMIT ?3");
    void *list = NULL;
    size_t n = 0;
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    rc = store_sq_rows(s, ar, stmt,
                       store_sq_bind_text(stmt, 1, prefix) |
                           store_sq_bind_text(stmt, 2, store_path_upper(ar, prefix)) |
                           sqlite3_bind_int(stmt, 3, FTS_PREFIX_MAX_TERMS + 1),
                       "search words by prefix", sizeof(const char *), 0, read_text0, &list, &n,
                       NULL);
    if (rc != PH_OK)
        return rc;
    const char **terms = list;
    if (n == 0 || n > FTS_PREFIX_MAX_TERMS) {
        rc = put_quoted(b, prefix);
        return rc == PH_OK ? buf_puts(b, "*") : rc;
    }
    if (n > 1)
        rc = buf_puts(b, "(");
    for (size_t i = 0; i < n && rc == PH_OK; i++) {
        if (i > 0)
            rc = buf_puts(b, " OR ");
        if (rc == PH_OK)
            rc = put_quoted(b, terms[i]);
    }
    if (n > 1 && rc == PH_OK)
        rc = buf_puts(b, ")");
    return rc;
}

/* The FTS5 query for q in *out: every word the tokenizer finds in it, folded and
 * quoted, all required, the last one as a prefix: "bien" AND ("phong" OR "phot").
 * *out is NULL when q holds no word (then there is no text filter). */
static ph_err fts_query_of(struct store_sq *s, struct arena *ar, const char *q, const char **out)
{
    struct query_words words = {.ar = ar};
    struct buf b;
    size_t len = q != NULL ? strlen(q) : 0;
    ph_err rc = PH_OK;

    *out = NULL;
    if (len == 0 || len > INT32_MAX)
        return PH_OK;
    (void)store_sq_fts_tokenize(&words, q, (int)len, on_query_word);
    if (words.n == 0)
        return PH_OK;
    /* Each word costs at most twice its bytes and three more; the prefix's
     * alternatives are at most FTS_PREFIX_MAX_TERMS words of bounded length. */
    buf_init(&b, 4 * len + FTS_PREFIX_MAX_TERMS * (2 * STORE_SQ_FTS_MAX_TOKEN + 8) + 64);
    for (size_t i = 0; i + 1 < words.n && rc == PH_OK; i++) {
        rc = put_quoted(&b, words.w[i]);
        if (rc == PH_OK) /* FTS5 allows no implicit AND before a parenthesis */
            rc = buf_puts(&b, " AND ");
    }
    if (rc == PH_OK)
        rc = put_prefix(s, ar, &b, words.w[words.n - 1]);
    if (rc == PH_OK)
        *out = arena_strndup(ar, b.data, b.len);
    buf_release(&b);
    return rc;
}

/* ---- list plans ------------------------------------------------------------ */

/* Which filter's candidates drive a list (see the top of the file). */
enum drive { DRIVE_NONE, DRIVE_UNIT, DRIVE_SCOPE, DRIVE_AREA, DRIVE_BBOX, DRIVE_OVERDUE };

/* A filter with at most this many candidates drives: they are read, filtered
 * and sorted (ids only). More than that, and walking newest first until a page
 * is full costs less than reading them all. */
#define DRIVE_CAP 1000

/* The area and everything below it. UNION (not UNION ALL) ends the walk down
 * even if the areas held a cycle. */
#define CTE_SUB_AREAS                                                                              \
    "WITH RECURSIVE sub_areas (id) AS (SELECT :area UNION SELECT a.id FROM areas AS a "            \
    "JOIN sub_areas ON a.parent_id = sub_areas.id) "

/* The candidates of each filter, each an indexed walk. */
#define SET_UNIT                                                                                   \
    "SELECT DISTINCT r.incident_id AS id FROM units AS u JOIN incident_recipients AS r "           \
    "ON r.unit_id = u.id WHERE u.path >= :unit_lo AND u.path < :unit_hi"
#define SET_SCOPE                                                                                  \
    "SELECT DISTINCT r.incident_id AS id FROM units AS u JOIN incident_recipients AS r "           \
    "ON r.unit_id = u.id WHERE u.path >= :scope_lo AND u.path < :scope_hi"
#define SET_AREA                                                                                   \
    "SELECT a_i.id AS id FROM sub_areas JOIN incidents AS a_i ON a_i.area_id = sub_areas.id"
#define SET_BBOX                                                                                   \
    "SELECT id FROM incidents WHERE lat IS NOT NULL AND lon BETWEEN :min_lon AND :max_lon "        \
    "AND lat BETWEEN :min_lat AND :max_lat"
/* Owed stages whose deadline passed: per stage, those already found late and
 * those not yet, each an indexed walk of the stage's index (migration 007). */
#define OWED_ACK                                                                                   \
    "r.ack_due_at > 0 AND r.received_at = 0 AND r.refused_at = 0 "                                 \
    "AND r.role IN ('lead', 'informed')"
#define OWED_VERIFY                                                                                \
    "r.verify_due_at > 0 AND r.verified_at = 0 AND r.refused_at = 0 "                              \
    "AND r.role IN ('lead', 'informed')"
#define SET_OVERDUE                                                                                \
    "SELECT r.incident_id AS id FROM incident_recipients AS r WHERE " OWED_ACK                     \
    " AND r.ack_overdue_at > 0 AND r.ack_due_at < :now "                                           \
    "UNION SELECT r.incident_id FROM incident_recipients AS r WHERE " OWED_ACK                     \
    " AND r.ack_overdue_at = 0 AND r.ack_due_at < :now "                                           \
    "UNION SELECT r.incident_id FROM incident_recipients AS r WHERE " OWED_VERIFY                  \
    " AND r.verify_overdue_at > 0 AND r.verify_due_at < :now "                                     \
    "UNION SELECT r.incident_id FROM incident_recipients AS r WHERE " OWED_VERIFY                  \
    " AND r.verify_overdue_at = 0 AND r.verify_due_at < :now"
#define SET_TIME "SELECT id FROM incidents WHERE occurred_at >= :from AND occurred_at < :to"

static const struct drive_set {
    enum drive kind;
    enum sq_stmt count_id;
    const char *count_sql, *set_sql;
} drive_sets[] = {
    {DRIVE_UNIT, SQ_LIST_COUNT_UNIT, "SELECT count(*) FROM (" SET_UNIT " LIMIT :cap)", SET_UNIT},
    {DRIVE_SCOPE, SQ_LIST_COUNT_SCOPE, "SELECT count(*) FROM (" SET_SCOPE " LIMIT :cap)",
     SET_SCOPE},
    {DRIVE_AREA, SQ_LIST_COUNT_AREA, CTE_SUB_AREAS "SELECT count(*) FROM (" SET_AREA " LIMIT :cap)",
     SET_AREA},
    {DRIVE_BBOX, SQ_LIST_COUNT_BBOX, "SELECT count(*) FROM (" SET_BBOX " LIMIT :cap)", SET_BBOX},
    {DRIVE_OVERDUE, SQ_LIST_COUNT_OVERDUE, "SELECT count(*) FROM (" SET_OVERDUE " LIMIT :cap)",
     SET_OVERDUE},
};

/* What a list query looks like for a filter, and the values it binds besides
 * the filter's own. */
struct list_plan {
    const char *match;               /* FTS5 query, or NULL */
    const char *unit_lo, *unit_hi;   /* f->unit_id's subtree */
    const char *scope_lo, *scope_hi; /* f->scope's */
    int64_t from, to;                /* occurred_at bounds, open ends at the extremes */
    enum drive drive;
    bool time_small; /* the time range has few incidents: its index may drive */
};

/* Every named parameter any list statement may use; each binds only those it has. */
static int bind_list(sqlite3_stmt *stmt, const struct incident_filter *f, const struct list_plan *p,
                     int64_t now, int limit)
{
    const struct incident_scope *sc = &f->scope;
    return bind_named_i64(stmt, ":now", now) | bind_named_text(stmt, ":q", p->match) |
           bind_named_i64(stmt, ":before", f->before_id) |
           bind_named_i64(stmt, ":clearance", sc->clearance) |
           bind_named_text(stmt, ":scope_lo", p->scope_lo) |
           bind_named_text(stmt, ":scope_hi", p->scope_hi) |
           bind_named_i64(stmt, ":from", p->from) | bind_named_i64(stmt, ":to", p->to) |
           bind_named_i64(stmt, ":category", f->category_id) |
           bind_named_i64(stmt, ":severity_min", f->severity_min) |
           bind_named_i64(stmt, ":severity_max", f->severity_max) |
           bind_named_text(stmt, ":status", f->status) |
           bind_named_text(stmt, ":cap_status", f->cap_status) |
           bind_named_text(stmt, ":force", f->force) |
           bind_named_text(stmt, ":unit_lo", p->unit_lo) |
           bind_named_text(stmt, ":unit_hi", p->unit_hi) |
           bind_named_i64(stmt, ":area", f->area_id) |
           bind_named_double(stmt, ":min_lat", f->min_lat) |
           bind_named_double(stmt, ":max_lat", f->max_lat) |
           bind_named_double(stmt, ":min_lon", f->min_lon) |
           bind_named_double(stmt, ":max_lon", f->max_lon) |
           bind_named_i64(stmt, ":limit", limit + 1) | bind_named_i64(stmt, ":cap", DRIVE_CAP + 1);
}

/* How many candidates a cached count statement finds (at most DRIVE_CAP + 1). */
static ph_err count_candidates(struct store_sq *s, enum sq_stmt id, const char *sql,
                               const struct incident_filter *f, const struct list_plan *p,
                               int64_t now, int64_t *count)
{
    sqlite3_stmt *stmt = store_sq_stmt(s, id, sql);

    if (stmt == NULL)
        return PH_ESTORE;
    return store_sq_get(s, NULL, stmt, bind_list(stmt, f, p, now, 0), "count list candidates",
                        read_i64_0, count);
}

/* Fill p for f: the text query, the path ranges, and the filter that drives. */
static ph_err plan_list(struct store_sq *s, struct arena *ar, const struct incident_filter *f,
                        int64_t now, struct list_plan *p)
{
    int64_t best = DRIVE_CAP + 1, count = 0;
    ph_err rc;

    memset(p, 0, sizeof(*p));
    p->from = f->from != 0 ? f->from : INT64_MIN;
    p->to = f->to != 0 ? f->to : INT64_MAX;
    if (f->scope.unit_path != NULL && f->scope.unit_path[0] != '\0') {
        p->scope_lo = f->scope.unit_path;
        p->scope_hi = store_path_upper(ar, p->scope_lo);
    }
    if (f->unit_id != 0) {
        sqlite3_stmt *stmt =
            store_sq_stmt(s, SQ_UNIT_PATH_OF, "SELECT path FROM units WHERE id = ?1");
        if (stmt == NULL)
            return PH_ESTORE;
        rc = store_sq_get(s, ar, stmt, sqlite3_bind_int64(stmt, 1, f->unit_id), "unit path",
                          read_text0, &p->unit_lo);
        if (rc == PH_ENOTFOUND) /* no such unit: an empty range, no incident */
            p->unit_lo = "/";
        else if (rc != PH_OK)
            return rc;
        p->unit_hi = rc == PH_OK ? store_path_upper(ar, p->unit_lo) : "/";
    }
    if ((rc = fts_query_of(s, ar, f->q, &p->match)) != PH_OK || p->match != NULL)
        return rc; /* the text index drives */

    bool present[] = {f->unit_id != 0, p->scope_lo != NULL, f->area_id != 0, f->has_bbox,
                      f->overdue_only};
    _Static_assert(PH_NELEM(present) == PH_NELEM(drive_sets), "one flag per candidate set");
    for (size_t i = 0; i < PH_NELEM(drive_sets); i++) {
        if (!present[i])
            continue;
        rc =
            count_candidates(s, drive_sets[i].count_id, drive_sets[i].count_sql, f, p, now, &count);
        if (rc != PH_OK)
            return rc;
        if (count < best) {
            best = count;
            p->drive = drive_sets[i].kind;
        }
    }
    if (f->from != 0 || f->to != 0) {
        rc = count_candidates(s, SQ_LIST_COUNT_TIME,
                              "SELECT count(*) FROM (" SET_TIME " LIMIT :cap)", f, p, now, &count);
        if (rc != PH_OK)
            return rc;
        p->time_small = count <= DRIVE_CAP;
    }
    return PH_OK;
}

/* Append piece to the query text (the first failure sticks in *rc). */
static void put(struct buf *b, ph_err *rc, const char *piece)
{
    if (*rc == PH_OK)
        *rc = buf_puts(b, piece);
}

/* The list query of plan p: an inner query finds the page's ids (only ids are
 * ever sorted), the outer one reads their columns. Every filter is tested on
 * every row whatever drives; a driving set only says where rows come from. */
static ph_err list_sql(struct buf *b, const struct incident_filter *f, const struct list_plan *p)
{
    ph_err rc = PH_OK;
    bool text = p->match != NULL;

    if (f->area_id != 0)
        put(b, &rc, CTE_SUB_AREAS);
    put(b, &rc, "SELECT " INCIDENT_COLS " FROM (SELECT i.id AS id FROM ");
    if (text) {
        put(b, &rc,
            "incidents_fts CROSS JOIN incidents AS i ON i.id = incidents_fts.rowid "
            "WHERE incidents_fts MATCH :q");
    } else if (p->drive != DRIVE_NONE) {
        for (size_t i = 0; i < PH_NELEM(drive_sets); i++)
            if (drive_sets[i].kind == p->drive) {
                put(b, &rc, "(");
                put(b, &rc, drive_sets[i].set_sql);
            }
        put(b, &rc, ") AS d CROSS JOIN incidents AS i ON i.id = d.id WHERE 1");
    } else {
        put(b, &rc, "incidents AS i WHERE 1");
    }
    if (f->before_id > 0)
        put(b, &rc, text ? " AND incidents_fts.rowid < :before" : " AND i.id < :before");
    put(b, &rc, " AND i.classification <= :clearance");
    if (p->scope_lo != NULL)
        put(b, &rc,
            " AND EXISTS (SELECT 1 FROM incident_recipients AS sr JOIN units AS su "
            "ON su.id = sr.unit_id WHERE sr.incident_id = i.id AND su.path >= :scope_lo "
            "AND su.path < :scope_hi)");
    /* A unary + keeps SQLite from an index that would find too many rows to sort. */
    if (f->from != 0)
        put(b, &rc, p->time_small ? " AND i.occurred_at >= :from" : " AND +i.occurred_at >= :from");
    if (f->to != 0)
        put(b, &rc, p->time_small ? " AND i.occurred_at < :to" : " AND +i.occurred_at < :to");
    if (f->category_id != 0)
        put(b, &rc, " AND i.category_id = :category");
    if (f->severity_min != 0)
        put(b, &rc, " AND i.severity >= :severity_min");
    if (f->severity_max != 0)
        put(b, &rc, " AND i.severity <= :severity_max");
    if (f->status != NULL)
        put(b, &rc, " AND i.status = :status");
    if (f->cap_status != NULL)
        put(b, &rc, " AND i.cap_status = :cap_status");
    if (f->force != NULL)
        put(b, &rc, " AND +i.lead_unit_id IN (SELECT id FROM units WHERE force = :force)");
    if (f->unit_id != 0)
        put(b, &rc,
            " AND EXISTS (SELECT 1 FROM incident_recipients AS fr JOIN units AS fu "
            "ON fu.id = fr.unit_id WHERE fr.incident_id = i.id AND fu.path >= :unit_lo "
            "AND fu.path < :unit_hi)");
    if (f->area_id != 0)
        put(b, &rc, " AND +i.area_id IN sub_areas");
    if (f->has_bbox)
        put(b, &rc,
            " AND +i.lat BETWEEN :min_lat AND :max_lat AND +i.lon BETWEEN :min_lon AND :max_lon");
    if (f->overdue_only)
        put(b, &rc, " AND " OVERDUE_EXPR);
    put(b, &rc, text ? " ORDER BY incidents_fts.rowid DESC" : " ORDER BY i.id DESC");
    put(b, &rc,
        " LIMIT :limit) AS page CROSS JOIN incidents AS i ON i.id = page.id" INCIDENT_JOINS
        " ORDER BY i.id DESC");
    return rc;
}

ph_err store_sq_incident_list(struct store *st, struct arena *ar, const struct incident_filter *f,
                              int64_t now_ms, struct incident **items, size_t *n, bool *has_more)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = NULL;
    struct list_plan plan;
    struct buf sql;
    int limit = store_list_limit(f->limit);
    void *list = NULL;
    ph_err rc;
    int e;

    buf_init(&sql, 16 * 1024);
    if ((rc = plan_list(s, ar, f, now_ms, &plan)) != PH_OK)
        goto out;
    if (list_sql(&sql, f, &plan) != PH_OK) { /* the pieces fit by far */
        rc = PH_ESTORE;
        goto out;
    }
    e = sqlite3_prepare_v3(s->db, sql.data, (int)sql.len, 0, &stmt, NULL);
    if (e != SQLITE_OK) {
        rc = store_sq_fail(s, e, "prepare incident list");
        goto out;
    }
    rc = store_sq_rows(s, ar, stmt, bind_list(stmt, f, &plan, now_ms, limit), "list incidents",
                       sizeof(**items), limit, read_incident, &list, n, has_more);
    if (rc == PH_OK)
        *items = list;
out:
    sqlite3_finalize(stmt); /* harmless on NULL */
    buf_release(&sql);
    return rc;
}

/* ---- recipients ---------------------------------------------------------- */

/* The 18 columns of recipient r of incident_id, as parameters base+1..base+18
 * of the statements below. */
#define RECIPIENT_NPARAMS 18
static int bind_recipient(sqlite3_stmt *stmt, int base, int64_t incident_id,
                          const struct incident_recipient *r)
{
    return sqlite3_bind_int64(stmt, base + 1, incident_id) |
           sqlite3_bind_int64(stmt, base + 2, r->unit_id) |
           store_sq_bind_text(stmt, base + 3, r->role) |
           sqlite3_bind_int64(stmt, base + 4, r->sent_at) |
           sqlite3_bind_int64(stmt, base + 5, r->ack_due_at) |
           sqlite3_bind_int64(stmt, base + 6, r->verify_due_at) |
           sqlite3_bind_int64(stmt, base + 7, r->received_at) |
           sqlite3_bind_int64(stmt, base + 8, r->verified_at) |
           sqlite3_bind_int64(stmt, base + 9, r->agreed_at) |
           sqlite3_bind_int64(stmt, base + 10, r->refused_at) |
           sqlite3_bind_int64(stmt, base + 11, r->received_by) |
           sqlite3_bind_int64(stmt, base + 12, r->verified_by) |
           sqlite3_bind_int64(stmt, base + 13, r->agreed_by) |
           sqlite3_bind_int64(stmt, base + 14, r->refused_by) |
           store_sq_bind_text(stmt, base + 15, r->refused_reason) |
           sqlite3_bind_int64(stmt, base + 16, r->ack_overdue_at) |
           sqlite3_bind_int64(stmt, base + 17, r->verify_overdue_at) |
           sqlite3_bind_int64(stmt, base + 18, r->escalated_at);
}

#define RECIPIENT_INTO                                                                             \
    "INSERT INTO incident_recipients (incident_id, unit_id, role, sent_at, ack_due_at, "           \
    "verify_due_at, received_at, verified_at, agreed_at, refused_at, received_by, "                \
    "verified_by, agreed_by, refused_by, refused_reason, ack_overdue_at, verify_overdue_at, "      \
    "escalated_at) VALUES "
#define RECIPIENT_INSERT                                                                           \
    RECIPIENT_INTO "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, " \
                   "?18)"
/* One row of anonymous parameters: they number on from the row before. */
#define RECIPIENT_ROW "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"

/* A statement of 1..RECIPIENTS_PER_INSERT rows (index: rows - 1). */
#define RECIPIENTS_PER_INSERT 4
static const struct {
    enum sq_stmt id;
    const char *sql;
} recipient_adds[RECIPIENTS_PER_INSERT] = {
    {SQ_RECIPIENT_ADD, RECIPIENT_INSERT},
    {SQ_RECIPIENT_ADD_2, RECIPIENT_INTO RECIPIENT_ROW ", " RECIPIENT_ROW},
    {SQ_RECIPIENT_ADD_3, RECIPIENT_INTO RECIPIENT_ROW ", " RECIPIENT_ROW ", " RECIPIENT_ROW},
    {SQ_RECIPIENT_ADD_4,
     RECIPIENT_INTO RECIPIENT_ROW ", " RECIPIENT_ROW ", " RECIPIENT_ROW ", " RECIPIENT_ROW},
};

/* The recipients of a new incident go in several rows a statement: a statement
 * costs its start and end and, as the table has foreign keys, a statement
 * journal, whatever its number of rows, and an incident has three or four.
 * None of the rows exists yet, so this is a plain INSERT: one that does is an
 * error (PH_ECONFLICT), and the statement stops before writing anything. */
ph_err store_sq_incident_recipients_add(struct store *st, int64_t incident_id,
                                        const struct incident_recipient *rs, size_t n)
{
    struct store_sq *s = store_sq_of(st);
    ph_err rc = PH_OK;

    while (rc == PH_OK && n > 0) {
        size_t k = n < RECIPIENTS_PER_INSERT ? n : RECIPIENTS_PER_INSERT;
        sqlite3_stmt *stmt = store_sq_stmt(s, recipient_adds[k - 1].id, recipient_adds[k - 1].sql);
        int e = SQLITE_OK;

        if (stmt == NULL)
            return PH_ESTORE;
        for (size_t i = 0; i < k; i++)
            e |= bind_recipient(stmt, (int)i * RECIPIENT_NPARAMS, incident_id, &rs[i]);
        rc = store_sq_write(s, stmt, e, "add incident recipients", NULL);
        rs += k;
        n -= k;
    }
    return rc;
}

/* Most puts add the row of a new incident, so a plain INSERT goes first and the
 * upsert runs only when the row exists. The plain INSERT writes one row and
 * fires no trigger, so SQLite runs it without a statement journal; the upsert
 * may run the recipients' update trigger, so it takes one, which copies every
 * page it touches (measured: a quarter of the cost of a new incident). A plain
 * INSERT that meets the primary key stops before writing anything, so the
 * transaction is as before it. */
ph_err store_sq_incident_recipient_put(struct store *st, int64_t incident_id,
                                       const struct incident_recipient *r)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *add = store_sq_stmt(s, recipient_adds[0].id, recipient_adds[0].sql);
    sqlite3_stmt *stmt;
    int e;

    if (add == NULL)
        return PH_ESTORE;
    e = bind_recipient(add, 0, incident_id, r);
    if (e == SQLITE_OK)
        e = sqlite3_step(add);
    store_sq_done(add);
    if (e == SQLITE_DONE)
        return PH_OK;
    if (e != SQLITE_CONSTRAINT_PRIMARYKEY)
        return store_sq_fail(s, e, "put incident recipient");
    /* An upsert rather than INSERT OR REPLACE: replace deletes first, which would
     * run delete triggers and foreign-key actions for what is an update. */
    stmt = store_sq_stmt(
        s, SQ_RECIPIENT_PUT,
        RECIPIENT_INSERT " ON CONFLICT (incident_id, unit_id) DO UPDATE SET role = excluded.role, "
        "sent_at = excluded.sent_at, ack_due_at = excluded.ack_due_at, "
        "verify_due_at = excluded.verify_due_at, received_at = excluded.received_at, "
        "verified_at = excluded.verified_at, agreed_at = excluded.agreed_at, "
        "refused_at = excluded.refused_at, received_by = excluded.received_by, "
        "verified_by = excluded.verified_by, agreed_by = excluded.agreed_by, "
        "refused_by = excluded.refused_by, refused_reason = excluded.refused_reason, "
        "ack_overdue_at = excluded.ack_overdue_at, "
        "verify_overdue_at = excluded.verify_overdue_at, escalated_at = excluded.escalated_at");
    if (stmt == NULL)
        return PH_ESTORE;
    return store_sq_write(s, stmt, bind_recipient(stmt, 0, incident_id, r), "put incident recipient",
                          NULL);
}

ph_err store_sq_incident_recipients(struct store *st, struct arena *ar, int64_t incident_id,
                                    struct incident_recipient **items, size_t *n)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(s, SQ_RECIPIENTS,
                                       "SELECT " RECIPIENT_COLS " FROM incident_recipients AS r "
                                       "JOIN units AS u ON u.id = r.unit_id "
                                       "WHERE r.incident_id = ?1 ORDER BY r.sent_at, r.unit_id");
    void *list = NULL;
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    rc = store_sq_rows(s, ar, stmt, sqlite3_bind_int64(stmt, 1, incident_id), "incident recipients",
                       sizeof(**items), 0, read_recipient, &list, n, NULL);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

/* ---- acknowledgements and the timeline ----------------------------------- */

ph_err store_sq_incident_ack_insert(struct store *st, const struct incident_ack *a, int64_t *id)
{
    struct store_sq *s = store_sq_of(st);
    /* on_time against the recipient's deadline for the stage as it is now (no
     * deadline, or no recipient row: on time). */
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_ACK_INSERT,
        "INSERT INTO incident_acks (incident_id, unit_id, person_id, stage, note, at, on_time) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, coalesce((SELECT CASE ?4 "
        "WHEN 'received' THEN ack_due_at = 0 OR ?6 <= ack_due_at "
        "WHEN 'verified' THEN verify_due_at = 0 OR ?6 <= verify_due_at ELSE 1 END "
        "FROM incident_recipients WHERE incident_id = ?1 AND unit_id = ?2), 1))");
    int e;

    if (stmt == NULL)
        return PH_ESTORE;
    e = sqlite3_bind_int64(stmt, 1, a->incident_id) | sqlite3_bind_int64(stmt, 2, a->unit_id) |
        sqlite3_bind_int64(stmt, 3, a->person_id) | store_sq_bind_text(stmt, 4, a->stage) |
        store_sq_bind_text(stmt, 5, a->note) |
        sqlite3_bind_int64(stmt, 6, store_time_or_now(a->at));
    return store_sq_insert(s, stmt, e, "insert incident acknowledgement", id);
}

static void read_ack(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    struct incident_ack *out = row;

    memset(out, 0, sizeof(*out));
    out->id = sqlite3_column_int64(stmt, 0);
    out->incident_id = sqlite3_column_int64(stmt, 1);
    out->unit_id = sqlite3_column_int64(stmt, 2);
    out->person_id = sqlite3_column_int64(stmt, 3);
    out->stage = store_sq_col_text(ar, stmt, 4);
    out->note = store_sq_col_text(ar, stmt, 5);
    out->at = sqlite3_column_int64(stmt, 6);
    out->on_time = sqlite3_column_int(stmt, 7) != 0;
    out->person_name = store_sq_col_text(ar, stmt, 8);
}

ph_err store_sq_incident_acks(struct store *st, struct arena *ar, int64_t incident_id,
                              struct incident_ack **items, size_t *n)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_ACKS,
        "SELECT a.id, a.incident_id, a.unit_id, a.person_id, a.stage, a.note, a.at, a.on_time, "
        "p.full_name FROM incident_acks AS a LEFT JOIN people AS p ON p.id = a.person_id "
        "WHERE a.incident_id = ?1 ORDER BY a.id");
    void *list = NULL;
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    rc = store_sq_rows(s, ar, stmt, sqlite3_bind_int64(stmt, 1, incident_id),
                       "incident acknowledgements", sizeof(**items), 0, read_ack, &list, n, NULL);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

ph_err store_sq_incident_event_insert(struct store *st, const struct incident_event *ev,
                                      int64_t *id)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_EVENT_INSERT,
        "INSERT INTO incident_events (incident_id, at, person_id, kind, unit_id, detail) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    int e;

    if (stmt == NULL)
        return PH_ESTORE;
    e = sqlite3_bind_int64(stmt, 1, ev->incident_id) |
        sqlite3_bind_int64(stmt, 2, store_time_or_now(ev->at)) |
        sqlite3_bind_int64(stmt, 3, ev->person_id) | store_sq_bind_text(stmt, 4, ev->kind) |
        store_sq_bind_id(stmt, 5, ev->unit_id) | store_sq_bind_text(stmt, 6, ev->detail);
    return store_sq_insert(s, stmt, e, "insert incident event", id);
}

static void read_event(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    struct incident_event *out = row;

    memset(out, 0, sizeof(*out));
    out->id = sqlite3_column_int64(stmt, 0);
    out->incident_id = sqlite3_column_int64(stmt, 1);
    out->at = sqlite3_column_int64(stmt, 2);
    out->person_id = sqlite3_column_int64(stmt, 3);
    out->kind = store_sq_col_text(ar, stmt, 4);
    out->unit_id = sqlite3_column_int64(stmt, 5);
    out->detail = store_sq_col_text(ar, stmt, 6);
    out->person_name = store_sq_col_text(ar, stmt, 7);
}

ph_err store_sq_incident_events(struct store *st, struct arena *ar, int64_t incident_id,
                                struct incident_event **items, size_t *n)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_EVENTS,
        "SELECT e.id, e.incident_id, e.at, e.person_id, e.kind, e.unit_id, e.detail, p.full_name "
        "FROM incident_events AS e LEFT JOIN people AS p ON p.id = e.person_id "
        "WHERE e.incident_id = ?1 ORDER BY e.id");
    void *list = NULL;
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    rc = store_sq_rows(s, ar, stmt, sqlite3_bind_int64(stmt, 1, incident_id), "incident events",
                       sizeof(**items), 0, read_event, &list, n, NULL);
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

static void read_idem(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    struct idem_row *out = row;

    out->hash_ok = store_sq_col_hash(stmt, 0, out->hash);
    out->incident_id = sqlite3_column_int64(stmt, 1);
}

ph_err store_sq_idem_get(struct store *st, int64_t person_id, const char *key,
                         uint8_t request_hash[32], int64_t *incident_id)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(s, SQ_IDEM_GET,
                                       "SELECT request_hash, incident_id FROM idempotency_keys "
                                       "WHERE person_id = ?1 AND key = ?2");
    struct idem_row row;
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    rc = store_sq_get(s, NULL, stmt,
                      sqlite3_bind_int64(stmt, 1, person_id) | store_sq_bind_text(stmt, 2, key),
                      "get idempotency key", read_idem, &row);
    if (rc == PH_OK && !row.hash_ok) { /* the CHECK makes this impossible short of damage */
        log_warn("store/sqlite: idempotency key of person %lld has a damaged hash",
                 (long long)person_id);
        rc = PH_ESTORE;
    }
    if (rc == PH_OK) {
        memcpy(request_hash, row.hash, 32);
        *incident_id = row.incident_id;
    }
    return rc;
}

ph_err store_sq_idem_put(struct store *st, int64_t person_id, const char *key,
                         const uint8_t request_hash[32], int64_t incident_id, int64_t at)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_IDEM_PUT,
        "INSERT INTO idempotency_keys (person_id, key, request_hash, incident_id, created_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5)");
    int e;

    if (stmt == NULL)
        return PH_ESTORE;
    e = sqlite3_bind_int64(stmt, 1, person_id) | store_sq_bind_text(stmt, 2, key) |
        sqlite3_bind_blob(stmt, 3, request_hash, 32, SQLITE_STATIC) |
        sqlite3_bind_int64(stmt, 4, incident_id) |
        sqlite3_bind_int64(stmt, 5, store_time_or_now(at));
    return store_sq_write(s, stmt, e, "put idempotency key", NULL);
}

ph_err store_sq_idem_prune(struct store *st, int64_t before, int *n)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt =
        store_sq_stmt(s, SQ_IDEM_PRUNE, "DELETE FROM idempotency_keys WHERE created_at < ?1");
    int changes = 0;
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    rc = store_sq_write(s, stmt, sqlite3_bind_int64(stmt, 1, before), "prune idempotency keys",
                        &changes);
    if (rc == PH_OK && n != NULL)
        *n = changes;
    return rc;
}

/* ---- inbox --------------------------------------------------------------- */

/* The incident, the unit's recipient row, then the stage awaited, its deadline
 * and whether it has passed (columns INCIDENT_NCOLS + RECIPIENT_NCOLS on). */
static void read_inbox_item(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    struct incident_inbox_item *out = row;
    int base = INCIDENT_NCOLS + RECIPIENT_NCOLS;

    memset(out, 0, sizeof(*out));
    read_incident_cols(ar, stmt, &out->inc);
    read_recipient_at(ar, stmt, INCIDENT_NCOLS, &out->rcpt);
    out->awaiting = sqlite3_column_int(stmt, base) != 0 ? ACK_VERIFIED : ACK_RECEIVED;
    out->due_at = sqlite3_column_int64(stmt, base + 1);
    out->overdue = sqlite3_column_int(stmt, base + 2) != 0;
}

ph_err store_sq_incident_inbox(struct store *st, struct arena *ar, int64_t unit_id, int64_t now_ms,
                               const struct incident_scope *scope, int limit,
                               struct incident_inbox_item **items, size_t *n)
{
    struct store_sq *s = store_sq_of(st);
    /* The stage awaited is "received" until it is done, then "verified" when it
     * has a deadline; after that nothing is awaited. */
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_INBOX,
        "SELECT " INCIDENT_COLS ", " RECIPIENT_COLS ", r.received_at <> 0 AS awaits_verify, "
        "CASE WHEN r.received_at = 0 THEN r.ack_due_at ELSE r.verify_due_at END AS due, "
        "(CASE WHEN r.received_at = 0 THEN r.ack_due_at ELSE r.verify_due_at END) "
        "BETWEEN 1 AND :now - 1 AS is_overdue "
        "FROM incident_recipients AS r JOIN incidents AS i ON i.id = r.incident_id "
        "JOIN units AS u ON u.id = r.unit_id" INCIDENT_JOINS " "
        "WHERE r.unit_id = :unit AND " OWES_R " "
        "AND (r.received_at = 0 OR (r.verify_due_at > 0 AND r.verified_at = 0)) "
        "AND " STORE_SQ_INCIDENT_SCOPE " "
        "ORDER BY is_overdue DESC, due = 0, due, r.sent_at, i.id LIMIT :limit");
    void *list = NULL;
    ph_err rc;
    int e;

    if (stmt == NULL)
        return PH_ESTORE;
    e = bind_named_i64(stmt, ":now", now_ms) | bind_named_i64(stmt, ":unit", unit_id) |
        store_sq_bind_scope(ar, stmt, scope) | bind_named_i64(stmt, ":limit", store_list_limit(limit));
    rc = store_sq_rows(s, ar, stmt, e, "incident inbox", sizeof(**items), 0, read_inbox_item, &list,
                       n, NULL);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

/* ---- deadlines ----------------------------------------------------------- */

/* The pending stages: owed (the WHERE of the stage's partial index, migration
 * 007, which lets SQLite use it) and not yet found late (the index's first
 * column), of an incident still open. */
#define PENDING_ACK                                                                                \
    OWED_ACK " AND r.ack_overdue_at = 0 AND i.status NOT IN ('closed', 'merged')"
#define PENDING_VERIFY                                                                             \
    OWED_VERIFY " AND r.verify_overdue_at = 0 AND i.status NOT IN ('closed', 'merged')"

static void read_due(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    struct store_due *out = row;

    out->incident_id = sqlite3_column_int64(stmt, 0);
    out->unit_id = sqlite3_column_int64(stmt, 1);
    out->stage = sqlite3_column_int(stmt, 2) != 0 ? ACK_VERIFIED : ACK_RECEIVED;
    out->due_at = sqlite3_column_int64(stmt, 3);
}

ph_err store_sq_deadline_due(struct store *st, struct arena *ar, int64_t now, int limit,
                             struct store_due **items, size_t *n)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt =
        store_sq_stmt(s, SQ_DEADLINE_DUE,
                      "SELECT incident_id, unit_id, is_verify, due FROM ("
                      "SELECT r.incident_id, r.unit_id, 0 AS is_verify, r.ack_due_at AS due "
                      "FROM incident_recipients AS r JOIN incidents AS i ON i.id = r.incident_id "
                      "WHERE " PENDING_ACK " AND r.ack_due_at <= ?1 UNION ALL "
                      "SELECT r.incident_id, r.unit_id, 1, r.verify_due_at "
                      "FROM incident_recipients AS r JOIN incidents AS i ON i.id = r.incident_id "
                      "WHERE " PENDING_VERIFY " AND r.verify_due_at <= ?1) "
                      "ORDER BY due, incident_id, unit_id, is_verify LIMIT ?2");
    void *list = NULL;
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    rc = store_sq_rows(s, ar, stmt,
                       sqlite3_bind_int64(stmt, 1, now) |
                           sqlite3_bind_int(stmt, 2, limit < 0 ? 0 : limit),
                       "due deadlines", sizeof(**items), 0, read_due, &list, n, NULL);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

ph_err store_sq_deadline_next(struct store *st, int64_t now, int64_t *at)
{
    struct store_sq *s = store_sq_of(st);
    /* Each branch walks its partial index from now and stops at the first
     * incident still open. */
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_DEADLINE_NEXT,
        "SELECT coalesce(min(due), 0) FROM ("
        "SELECT (SELECT r.ack_due_at FROM incident_recipients AS r JOIN incidents AS i "
        "ON i.id = r.incident_id WHERE " PENDING_ACK " AND r.ack_due_at > ?1 "
        "ORDER BY r.ack_due_at LIMIT 1) AS due UNION ALL "
        "SELECT (SELECT r.verify_due_at FROM incident_recipients AS r JOIN incidents AS i "
        "ON i.id = r.incident_id WHERE " PENDING_VERIFY " AND r.verify_due_at > ?1 "
        "ORDER BY r.verify_due_at LIMIT 1))");
    int64_t next = 0;
    ph_err rc;

    if (stmt == NULL)
        return PH_ESTORE;
    rc = store_sq_get(s, NULL, stmt, sqlite3_bind_int64(stmt, 1, now), "next deadline", read_i64_0,
                      &next);
    if (rc == PH_OK)
        *at = next;
    return rc;
}

/* The first time a stage was found late is the one that counts: marking it again
 * keeps it (and still finds the row). */
ph_err store_sq_deadline_mark(struct store *st, int64_t incident_id, int64_t unit_id,
                              const char *stage, int64_t at)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt;

    if (stage != NULL && strcmp(stage, ACK_RECEIVED) == 0)
        stmt = store_sq_stmt(s, SQ_DEADLINE_MARK_ACK,
                             "UPDATE incident_recipients SET ack_overdue_at = CASE "
                             "WHEN ack_overdue_at = 0 THEN ?3 ELSE ack_overdue_at END "
                             "WHERE incident_id = ?1 AND unit_id = ?2");
    else if (stage != NULL && strcmp(stage, ACK_VERIFIED) == 0)
        stmt = store_sq_stmt(s, SQ_DEADLINE_MARK_VERIFY,
                             "UPDATE incident_recipients SET verify_overdue_at = CASE "
                             "WHEN verify_overdue_at = 0 THEN ?3 ELSE verify_overdue_at END "
                             "WHERE incident_id = ?1 AND unit_id = ?2");
    else
        return PH_EINVAL; /* only those two stages have deadlines */
    if (stmt == NULL)
        return PH_ESTORE;
    return store_sq_write_one(s, stmt,
                              sqlite3_bind_int64(stmt, 1, incident_id) |
                                  sqlite3_bind_int64(stmt, 2, unit_id) |
                                  sqlite3_bind_int64(stmt, 3, store_time_or_now(at)),
                              "mark deadline overdue");
}

ph_err store_sq_recipient_mark_escalated(struct store *st, int64_t incident_id, int64_t unit_id,
                                         int64_t at)
{
    struct store_sq *s = store_sq_of(st);
    sqlite3_stmt *stmt = store_sq_stmt(s, SQ_RECIPIENT_ESCALATED,
                                       "UPDATE incident_recipients SET escalated_at = CASE "
                                       "WHEN escalated_at = 0 THEN ?3 ELSE escalated_at END "
                                       "WHERE incident_id = ?1 AND unit_id = ?2");

    if (stmt == NULL)
        return PH_ESTORE;
    return store_sq_write_one(s, stmt,
                              sqlite3_bind_int64(stmt, 1, incident_id) |
                                  sqlite3_bind_int64(stmt, 2, unit_id) |
                                  sqlite3_bind_int64(stmt, 3, store_time_or_now(at)),
                              "mark recipient escalated");
}

/* ---- timeliness ---------------------------------------------------------- */

static void read_timeliness(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    struct store_timeliness_row *out = row;

    memset(out, 0, sizeof(*out));
    out->kind = sqlite3_column_int(stmt, 0) != 0 ? "ack" : "report";
    out->unit_id = sqlite3_column_int64(stmt, 1);
    out->unit_name = store_sq_col_text(ar, stmt, 2);
    out->force = store_sq_col_text(ar, stmt, 3);
    out->unit_path = store_sq_col_text(ar, stmt, 4);
    out->delay_ms = sqlite3_column_int64(stmt, 5);
    out->on_time = sqlite3_column_int(stmt, 6) != 0;
    out->pending = sqlite3_column_int(stmt, 7) != 0;
}

/* The unit filters of struct stats_period on unit alias u. */
#define PERIOD_UNIT_EXPR                                                                           \
    "(:force IS NULL OR u.force = :force) AND (:unit = 0 OR EXISTS (SELECT 1 FROM units AS pu "    \
    "WHERE pu.id = :unit AND u.path >= pu.path "                                                   \
    "AND u.path < substr(pu.path, 1, length(pu.path) - 1) || '0'))"

ph_err store_sq_timeliness_rows(struct store *st, struct arena *ar, const struct stats_period *p,
                                const struct incident_scope *scope, int64_t now,
                                struct store_timeliness_row **items, size_t *n)
{
    struct store_sq *s = store_sq_of(st);
    /* A report is on time unless core flagged it late on creation. An ack is
     * answered by "received" or by a refusal (a unit that says at once that the
     * item is not its own has answered); one still pending is late once its
     * deadline is behind now. A former lead (the lead passed to another unit)
     * counts when it answered, or when the scheduler found it late before the
     * transfer (ack_overdue_at): a late lead does not escape the figures by being
     * relieved; one relieved in time without answering owed nothing. Rows come by
     * unit, reports first. */
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_TIMELINESS,
        "SELECT 0 AS is_ack, u.id, u.name, u.force, u.path, i.reported_at - i.detected_at, "
        "1 - i.report_late, 0, i.id AS incident_id "
        "FROM incidents AS i JOIN units AS u ON u.id = i.reporting_unit_id "
        "WHERE i.reported_at >= :from AND i.reported_at < :to AND i.cap_status = 'actual' "
        "AND " PERIOD_UNIT_EXPR " AND " STORE_SQ_INCIDENT_SCOPE " UNION ALL "
        "SELECT 1, u.id, u.name, u.force, u.path, CASE "
        "WHEN r.received_at > 0 THEN r.received_at - r.sent_at "
        "WHEN r.refused_at > 0 THEN r.refused_at - r.sent_at ELSE -1 END, CASE "
        "WHEN r.received_at > 0 THEN r.received_at <= r.ack_due_at "
        "WHEN r.refused_at > 0 THEN r.refused_at <= r.ack_due_at "
        "WHEN r.role = 'former_lead' THEN 0 ELSE r.ack_due_at >= :now END, "
        "r.received_at = 0 AND r.refused_at = 0 AND r.role <> 'former_lead', i.id "
        "FROM incident_recipients AS r JOIN incidents AS i ON i.id = r.incident_id "
        "JOIN units AS u ON u.id = r.unit_id "
        "WHERE r.sent_at >= :from AND r.sent_at < :to AND (r.role IN ('lead', 'informed') "
        "OR (r.role = 'former_lead' AND (r.received_at > 0 OR r.refused_at > 0 "
        "OR r.ack_overdue_at > 0))) "
        "AND r.ack_due_at > 0 AND i.cap_status = 'actual' AND " PERIOD_UNIT_EXPR " AND " STORE_SQ_INCIDENT_SCOPE
        " ORDER BY 2, 1, 9");
    void *list = NULL;
    ph_err rc;
    int e;

    if (stmt == NULL)
        return PH_ESTORE;
    e = bind_named_i64(stmt, ":from", p->from) |
        bind_named_i64(stmt, ":to", p->to != 0 ? p->to : INT64_MAX) |
        bind_named_text(stmt, ":force", p->force) | bind_named_i64(stmt, ":unit", p->unit_id) |
        bind_named_i64(stmt, ":now", now) | store_sq_bind_scope(ar, stmt, scope);
    rc = store_sq_rows(s, ar, stmt, e, "timeliness rows", sizeof(**items), 0, read_timeliness,
                       &list, n, NULL);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

/* ---- incident counts ------------------------------------------------------- */

static void read_incident_count(struct arena *ar, sqlite3_stmt *stmt, void *row)
{
    struct store_incident_count *out = row;

    memset(out, 0, sizeof(*out));
    out->category_id = sqlite3_column_int64(stmt, 0);
    out->category = store_sq_col_text(ar, stmt, 1);
    out->force = store_sq_col_text(ar, stmt, 2);
    out->n = sqlite3_column_int64(stmt, 3);
}

ph_err store_sq_incident_counts(struct store *st, struct arena *ar, int64_t from, int64_t to,
                                const struct incident_scope *scope,
                                struct store_incident_count **items, size_t *n)
{
    struct store_sq *s = store_sq_of(st);
    /* The period walks incidents_reported_at; a merged incident is a duplicate of
     * the one it was merged into, which counts. */
    sqlite3_stmt *stmt = store_sq_stmt(
        s, SQ_INCIDENT_COUNTS,
        "SELECT i.category_id, c.code, lu.force, count(*) FROM incidents AS i "
        "LEFT JOIN categories AS c ON c.id = i.category_id "
        "LEFT JOIN units AS lu ON lu.id = i.lead_unit_id "
        "WHERE i.reported_at >= :from AND i.reported_at < :to AND i.cap_status = 'actual' "
        "AND i.status <> 'merged' AND " STORE_SQ_INCIDENT_SCOPE " "
        "GROUP BY i.category_id, lu.force ORDER BY i.category_id, lu.force");
    void *list = NULL;
    ph_err rc;
    int e;

    if (stmt == NULL)
        return PH_ESTORE;
    e = bind_named_i64(stmt, ":from", from) |
        bind_named_i64(stmt, ":to", to != 0 ? to : INT64_MAX) | store_sq_bind_scope(ar, stmt, scope);
    rc = store_sq_rows(s, ar, stmt, e, "incident counts", sizeof(**items), 0, read_incident_count,
                       &list, n, NULL);
    if (rc == PH_OK)
        *items = list;
    return rc;
}
