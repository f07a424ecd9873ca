/* postgres.c - the PostgreSQL backend (libpq): transactions and savepoints,
 * read snapshots, the outbox, several nodes' coordination (LISTEN/NOTIFY, the
 * scheduler's advisory lock) and the ops table. The helpers every pg_*.c file
 * uses are in pg_args.c (parameters), pg_exec.c (statements, pipeline mode),
 * pg_kept.c (kept answers), pg_result.c (columns) and pg_conn.c (the
 * connection, migrations); the domains live in the other pg_*.c files, twins of
 * the sqlite_*.c files. */
#include "util/base.h"
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/pg_int.h"
#include "store/store.h"
#include "util/log.h"
#include "util/mem.h"

/* ---- transactions ----------------------------------------------------------------- */

static void tx_ended(struct store_pg *p)
{
    p->in_tx = p->read_tx = false;
    pg_tx_kept_forget(p);
    p->op_depth = 0;
    /* Committed or not, its writes are over (a commit moved ref_rev). */
    p->ref_written = false;
    p->tx_rev_known = false;
}

void pg_ref_changed(struct store_pg *p)
{
    p->ref_epoch++;
    if (p->in_tx || p->op_depth > 0 || PQtransactionStatus(p->conn) != PQTRANS_IDLE)
        p->ref_written = true;
}

ph_err pg_ref_check(struct store_pg *p, bool *usable, int64_t *rev)
{
    ph_err rc;

    *usable = false;
    /* An error may have aborted the transaction: nothing more runs in it. (With
     * writes waiting in a pipeline the status is "active": a failure among them
     * fails the job anyway.) */
    if (!p->in_tx || p->ref_written ||
        (p->n_later == 0 && PQtransactionStatus(p->conn) != PQTRANS_INTRANS))
        return PH_OK;
    if (!p->tx_rev_known) {
        /* A read transaction's snapshot (a write transaction read it at begin). */
        if (!p->read_tx)
            return PH_OK;
        if ((rc = pg_get_i64(p, "SELECT rev FROM ref_rev", NULL, "reference revision",
                             &p->tx_ref_rev)) != PH_OK)
            return rc;
        p->tx_rev_known = true;
    }
    *rev = p->tx_ref_rev;
    *usable = true;
    return PH_OK;
}

/* A write transaction (the writer's batches, the command line's jobs) takes the
 * database's write lock first, before any row lock, and holds it to its end:
 * several nodes then write one after another, as SQLite's one writer does. The
 * code above the store was built on that: numbers read then written (the audit
 * chain's seq, reference counters), "find, else insert" (device and message
 * uids, idempotency keys) and the scheduler's due marks stay right without
 * retries, outbox ids come in commit order (events/bus.c reads "after the last
 * id"), and two writers can never deadlock. Reads use read_begin or no
 * transaction and never wait for it. */
static ph_err pg_tx_begin(struct store *st)
{
    struct store_pg *p = store_pg_of(st);
    PGresult *res;
    ph_err rc = PH_OK;

    /* One round trip: the three statements of one simple query (fixed text, no
     * parameters), each with its own snapshot. The revision of the reference
     * data (struct store_pg) is read by a statement after the one that waited
     * for the lock, so it sees every commit made before the lock was granted;
     * in one statement its snapshot would predate the wait. */
    pg_reconnect(p);
    p->ref_written = p->tx_rev_known = false;
    res = PQexec(p->conn, PG_BEGIN_WRITE "; SELECT rev FROM ref_rev");
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        rc = pg_fail(p, res, "begin and take the write lock");
    else if (PQntuples(res) != 1) {
        log_error("store/postgres: ref_rev holds %d rows, not one", PQntuples(res));
        rc = PH_ESTORE;
    } else {
        p->tx_ref_rev = pg_col_i64(res, 0, 0);
        p->tx_rev_known = true;
    }
    PQclear(res);
    p->in_tx = rc == PH_OK;
    if (rc != PH_OK) {
        p->tx_rev_known = false;
        if (PQtransactionStatus(p->conn) != PQTRANS_IDLE)
            (void)pg_run(p, "ROLLBACK", "rollback");
    }
    return rc;
}

static ph_err pg_tx_commit(struct store *st)
{
    struct store_pg *p = store_pg_of(st);
    ph_err rc = pg_run(p, "COMMIT", "commit");

    tx_ended(p);
    return rc;
}

static ph_err pg_tx_rollback(struct store *st)
{
    struct store_pg *p = store_pg_of(st);

    (void)pg_flush(p); /* what was sent is answered first; it is undone anyway */
    bool open = PQtransactionStatus(p->conn) != PQTRANS_IDLE;

    tx_ended(p);
    return open ? pg_run(p, "ROLLBACK", "rollback") : PH_OK;
}

/* A job's savepoint is sent with the job's first statement that waits for an
 * answer (pg_write_later); its release waits, and answers for every write of
 * the job that did not: one round trip where a job's writes need no answer.
 * A write of the job that failed is the release's error (store.h). */
static ph_err pg_savepoint(struct store *st)
{
    return pg_write_later(store_pg_of(st), "SAVEPOINT ph_job", NULL, "savepoint");
}

static ph_err pg_savepoint_release(struct store *st)
{
    return pg_run(store_pg_of(st), "RELEASE SAVEPOINT ph_job", "release savepoint");
}

/* Undo everything since the savepoint and end it. */
static ph_err pg_savepoint_rollback(struct store *st)
{
    struct store_pg *p = store_pg_of(st);

    (void)pg_flush(p); /* answered first: undone anyway */
    pg_tx_kept_forget(p);
    ph_err rc = pg_run(p, "ROLLBACK TO SAVEPOINT ph_job", "rollback to savepoint");

    p->op_depth = 0;
    if (rc == PH_OK)
        rc = pg_run(p, "RELEASE SAVEPOINT ph_job", "release savepoint");
    return rc;
}

/* One snapshot for several reads (store_read_begin): repeatable read, read only. */
static ph_err pg_read_begin(struct store *st)
{
    struct store_pg *p = store_pg_of(st);
    ph_err rc;

    if (p->in_tx)
        return PH_OK; /* inside a transaction: its snapshot serves */
    rc = pg_run(p, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "begin read");
    p->read_tx = p->in_tx = rc == PH_OK;
    p->ref_written = p->tx_rev_known = false;
    return rc;
}

static ph_err pg_read_end(struct store *st)
{
    struct store_pg *p = store_pg_of(st);

    if (!p->read_tx)
        return PH_OK;
    ph_err rc = pg_run(p, "COMMIT", "end read");
    tx_ended(p);
    return rc;
}

/* WAL checkpoints are PostgreSQL's own business. */
static ph_err pg_wal_watch(struct store *st, void (*fn)(void *ctx, int wal_frames), void *ctx)
{
    return PH_OK;
}

static ph_err pg_wal_checkpoint(struct store *st, int *wal_frames, int *done)
{
    *wal_frames = 0;
    *done = 0;
    return PH_OK;
}

/* ---- the outbox ------------------------------------------------------------------- */

/* Readers take events "after the last id they saw" (events/bus.c), on every
 * node. With several writers, ids from a sequence could commit out of order and
 * a reader past a later id would never see an earlier one. Writers take turns
 * (the write lock, pg_tx_begin and pg_op_begin), so ids are given in commit
 * order; the statement takes the lock too, before the row (and its id) is made,
 * for an event written with no transaction around it (then a no-op when held).
 * The NOTIFY, one per transaction (PostgreSQL folds identical ones), reaches
 * the other nodes' listeners at the commit. */
static ph_err pg_outbox_insert(struct store *st, const struct store_outbox_event *ev, int64_t *id)
{
    struct store_pg *p = store_pg_of(st);
    struct pg_args a = {0};

    pg_arg_i64(&a, store_time_or_now(ev->at));
    pg_arg_text(&a, ev->topic);
    pg_arg_text(&a, ev->item_kind);
    pg_arg_i64(&a, ev->item_id);
    pg_arg_text(&a, ev->payload);
    pg_arg_i64(&a, ev->access_kind);
    pg_arg_i64(&a, ev->classification);
    pg_arg_text(&a, ev->scope_paths);
    static const char sql[] =
        "WITH l AS (SELECT pg_advisory_xact_lock(" PG_LOCK_WRITE ")), "
        "n AS (SELECT pg_notify('" PG_CHANNEL_OUTBOX "', '')), "
        "ins AS (INSERT INTO outbox (at, topic, item_kind, item_id, payload, "
        "access_kind, classification, scope_paths) "
        "SELECT $1, $2, $3, $4, $5, $6, $7, $8 FROM l, n RETURNING id) "
        "SELECT id FROM ins";
    /* Without id nothing waits for the answer (pg_write_later). */
    return id != NULL ? pg_insert(p, sql, &a, "insert outbox event", id)
                      : pg_write_later(p, sql, &a, "insert outbox event");
}

static void read_outbox_event(struct arena *ar, const PGresult *res, int row, void *out)
{
    struct store_outbox_event *ev = out;

    ev->id = pg_col_i64(res, row, 0);
    ev->at = pg_col_i64(res, row, 1);
    ev->topic = pg_col_text(ar, res, row, 2);
    ev->item_kind = pg_col_text(ar, res, row, 3);
    ev->item_id = pg_col_i64(res, row, 4);
    ev->payload = pg_col_text(ar, res, row, 5);
    ev->access_kind = pg_col_int(res, row, 6);
    ev->classification = pg_col_int(res, row, 7);
    ev->scope_paths = pg_col_text(ar, res, row, 8);
}

static ph_err pg_outbox_after(struct store *st, struct arena *ar, int64_t after_id, int limit,
                              struct store_outbox_event **items, size_t *n)
{
    struct pg_args a = {0};
    void *list = NULL;
    ph_err rc;

    pg_arg_i64(&a, after_id);
    pg_arg_i64(&a, limit < 0 ? 0 : limit);
    rc = pg_rows(store_pg_of(st), ar,
                 "SELECT id, at, topic, item_kind, item_id, payload, access_kind, classification, "
                 "scope_paths FROM outbox WHERE id > $1 ORDER BY id LIMIT $2",
                 &a, "read outbox", sizeof(**items), 0, read_outbox_event, &list, n, NULL);
    if (rc == PH_OK)
        *items = list;
    return rc;
}

static ph_err pg_outbox_last_id(struct store *st, int64_t *id)
{
    return pg_get_i64(store_pg_of(st), "SELECT coalesce(max(id), 0) FROM outbox", NULL,
                      "last outbox id", id);
}

/* ---- several nodes ---------------------------------------------------------------- */

static bool pg_shared(struct store *st)
{
    return true;
}

static ph_err pg_listen(struct store *st, const char *channel)
{
    struct store_pg *p = store_pg_of(st);
    /* LISTEN takes no parameters; channels are our constants, quoted all the same. */
    char *ident = PQescapeIdentifier(p->conn, channel, strlen(channel));
    if (ident == NULL)
        return PH_ESTORE;
    size_t size = strlen(ident) + 8;
    char *sql = xmalloc(size);
    snprintf(sql, size, "LISTEN %s", ident);
    PQfreemem(ident);
    PGresult *res = PQexec(p->conn, sql);
    free(sql);
    ph_err rc = PQresultStatus(res) == PGRES_COMMAND_OK ? PH_OK : pg_fail(p, res, "listen");
    PQclear(res);
    return rc;
}

static ph_err pg_notify(struct store *st, const char *channel, const char *payload)
{
    struct pg_args a = {0};

    pg_arg_text(&a, channel);
    pg_arg_text(&a, payload != NULL ? payload : "");
    return pg_write(store_pg_of(st), "SELECT pg_notify($1, $2)", &a, "notify", NULL);
}

static bool take_notification(struct store_pg *p, struct store_notification *out)
{
    PGnotify *n = PQnotifies(p->conn);
    if (n == NULL)
        return false;
    snprintf(out->channel, sizeof(out->channel), "%s", n->relname);
    snprintf(out->payload, sizeof(out->payload), "%s", n->extra != NULL ? n->extra : "");
    PQfreemem(n);
    return true;
}

static ph_err pg_wait_notify(struct store *st, int timeout_ms, struct store_notification *out,
                             bool *got)
{
    struct store_pg *p = store_pg_of(st);

    *got = false;
    if (PQconsumeInput(p->conn) == 0)
        goto lost;
    if ((*got = take_notification(p, out)))
        return PH_OK;
    struct pollfd pfd = {.fd = PQsocket(p->conn), .events = POLLIN};
    if (pfd.fd < 0)
        goto lost;
    int r = poll(&pfd, 1, timeout_ms);
    if (r < 0 && errno != EINTR) {
        log_error("store/postgres: poll: %s", strerror(errno));
        return PH_EIO;
    }
    if (r > 0 && PQconsumeInput(p->conn) == 0)
        goto lost;
    *got = take_notification(p, out);
    return PH_OK;
lost:
    log_error("store/postgres: connection lost: %s", PQerrorMessage(p->conn));
    return PH_ESTORE;
}

/* The scheduler's lock is a session lock: it stays with this connection until
 * it closes, or the node dies and PostgreSQL ends the session. Taking it again
 * while held would stack it, so a holder only checks the session is alive.
 * A node whose machine or network dies sends no FIN: the server learns it only
 * from TCP keepalives, after the kernel's two hours by default. The try sets
 * this session's probes (idle 5 s, then every 2 s, 3 lost: about 11 s) in the
 * same statement, so that a dead leader's lock is freed within seconds. */
static ph_err pg_leader_try(struct store *st, bool *leader)
{
    struct store_pg *p = store_pg_of(st);
    PGresult *res = NULL;
    ph_err rc;

    if (p->leader) {
        rc = pg_run(p, "SELECT 1", "check leadership");
        if (rc == PH_OK && p->leader) {
            *leader = true;
            return PH_OK;
        }
        /* It failed, or it reconnected (pg_reconnect() clears p->leader) and ran in
         * a new session, which holds no lock: take it again below. */
        p->leader = false;
        if (rc != PH_OK) {
            *leader = false;
            return rc;
        }
    }
    rc = pg_exec(p,
                 "SELECT pg_try_advisory_lock(" PG_LOCK_SCHEDULER ") FROM (SELECT "
                 "set_config('tcp_keepalives_idle', '5', false), "
                 "set_config('tcp_keepalives_interval', '2', false), "
                 "set_config('tcp_keepalives_count', '3', false)) AS keepalive",
                 NULL, "take leadership", &res);
    if (rc == PH_OK)
        p->leader = pg_col_bool(res, 0, 0);
    PQclear(res);
    *leader = p->leader;
    return rc;
}

/* ---- the ops table ---------------------------------------------------------------- */

const struct store_ops store_postgres_ops = {
    .name = "postgres",
    .open = pg_open,
    .close = pg_close,
    .schema_version = pg_schema_version,
    .db_size = pg_db_size,
    .tx_begin = pg_tx_begin,
    .tx_commit = pg_tx_commit,
    .tx_rollback = pg_tx_rollback,
    .savepoint = pg_savepoint,
    .savepoint_release = pg_savepoint_release,
    .savepoint_rollback = pg_savepoint_rollback,
    .force_list = store_pg_force_list,
    .area_insert = store_pg_area_insert,
    .area_update = store_pg_area_update,
    .area_delete = store_pg_area_delete,
    .area_get = store_pg_area_get,
    .area_list = store_pg_area_list,
    .category_insert = store_pg_category_insert,
    .category_update = store_pg_category_update,
    .category_get = store_pg_category_get,
    .category_get_by_code = store_pg_category_get_by_code,
    .category_list = store_pg_category_list,
    .unit_insert = store_pg_unit_insert,
    .unit_update = store_pg_unit_update,
    .unit_delete = store_pg_unit_delete,
    .unit_get = store_pg_unit_get,
    .unit_list = store_pg_unit_list,
    .unit_responsible = store_pg_unit_responsible,
    .person_insert = store_pg_person_insert,
    .person_update = store_pg_person_update,
    .person_get = store_pg_person_get,
    .person_get_by_username = store_pg_person_get_by_username,
    .person_list = store_pg_person_list,
    .person_set_password = store_pg_person_set_password,
    .person_set_login_state = store_pg_person_set_login_state,
    .token_insert = store_pg_token_insert,
    .token_lookup = store_pg_token_lookup,
    .token_revoke = store_pg_token_revoke,
    .token_revoke_person = store_pg_token_revoke_person,
    .token_get = store_pg_token_get,
    .audit_last = store_pg_audit_last,
    .audit_insert = store_pg_audit_insert,
    .audit_page = store_pg_audit_page,
    .audit_count = store_pg_audit_count,
    .outbox_insert = pg_outbox_insert,
    .outbox_after = pg_outbox_after,
    .outbox_last_id = pg_outbox_last_id,
    .setting_get = store_pg_setting_get,
    .setting_set = store_pg_setting_set,
    .area_candidates = store_pg_area_candidates,
    .area_within = store_pg_area_within,
    .incident_ref_next = store_pg_incident_ref_next,
    .incident_insert = store_pg_incident_insert,
    .incident_update = store_pg_incident_update,
    .incident_get = store_pg_incident_get,
    .incident_get_by_ref = store_pg_incident_get_by_ref,
    .incident_rev = store_pg_incident_rev,
    .incident_list = store_pg_incident_list,
    .incident_recipient_put = store_pg_incident_recipient_put,
    .incident_recipients_add = store_pg_incident_recipients_add,
    .incident_recipients = store_pg_incident_recipients,
    .incident_ack_insert = store_pg_incident_ack_insert,
    .incident_acks = store_pg_incident_acks,
    .incident_event_insert = store_pg_incident_event_insert,
    .incident_events = store_pg_incident_events,
    .idem_get = store_pg_idem_get,
    .idem_put = store_pg_idem_put,
    .idem_prune = store_pg_idem_prune,
    .incident_inbox = store_pg_incident_inbox,
    .deadline_due = store_pg_deadline_due,
    .deadline_next = store_pg_deadline_next,
    .deadline_mark = store_pg_deadline_mark,
    .recipient_mark_escalated = store_pg_recipient_mark_escalated,
    .timeliness_rows = store_pg_timeliness_rows,
    .incident_counts = store_pg_incident_counts,
    .rule_insert = store_pg_rule_insert,
    .rule_update = store_pg_rule_update,
    .rule_get = store_pg_rule_get,
    .rule_list = store_pg_rule_list,
    .rule_active = store_pg_rule_active,
    .bulletin_insert = store_pg_bulletin_insert,
    .bulletin_get = store_pg_bulletin_get,
    .bulletin_list = store_pg_bulletin_list,
    .bulletin_recipients = store_pg_bulletin_recipients,
    .bulletin_ack = store_pg_bulletin_ack,
    .bulletin_inbox = store_pg_bulletin_inbox,
    .bulletin_due = store_pg_bulletin_due,
    .bulletin_deadline_next = store_pg_bulletin_deadline_next,
    .bulletin_mark_overdue = store_pg_bulletin_mark_overdue,
    .bulletin_period_state = store_pg_bulletin_period_state,
    .bulletin_miss_insert = store_pg_bulletin_miss_insert,
    .bulletin_schedule_insert = store_pg_bulletin_schedule_insert,
    .bulletin_schedule_update = store_pg_bulletin_schedule_update,
    .bulletin_schedule_get = store_pg_bulletin_schedule_get,
    .bulletin_schedule_list = store_pg_bulletin_schedule_list,
    .bulletin_schedule_active = store_pg_bulletin_schedule_active,
    .attachment_blob_put = store_pg_attachment_blob_put,
    .attachment_insert = store_pg_attachment_insert,
    .attachment_count = store_pg_attachment_count,
    .attachment_list = store_pg_attachment_list,
    .attachment_get = store_pg_attachment_get,
    .device_insert = store_pg_device_insert,
    .device_update = store_pg_device_update,
    .device_get = store_pg_device_get,
    .device_get_by_uid = store_pg_device_get_by_uid,
    .device_list = store_pg_device_list,
    .device_latest = store_pg_device_latest,
    .device_of_people = store_pg_device_of_people,
    .device_set_callsign = store_pg_device_set_callsign,
    .device_set_last = store_pg_device_set_last,
    .position_insert = store_pg_position_insert,
    .position_range = store_pg_position_range,
    .position_first = store_pg_position_first,
    .retention_get = store_pg_retention_get,
    .retention_put = store_pg_retention_put,
    .retention_devices = store_pg_retention_devices,
    .retention_intervals = store_pg_retention_intervals,
    .position_delete_at = store_pg_position_delete_at,
    .position_expire = store_pg_position_expire,
    .asset_insert = store_pg_asset_insert,
    .asset_update = store_pg_asset_update,
    .asset_get = store_pg_asset_get,
    .asset_list = store_pg_asset_list,
    .operation_insert = store_pg_operation_insert,
    .operation_update = store_pg_operation_update,
    .operation_get = store_pg_operation_get,
    .operation_list = store_pg_operation_list,
    .operation_conflict = store_pg_operation_conflict,
    .operation_log_insert = store_pg_operation_log_insert,
    .operation_log_get = store_pg_operation_log_get,
    .operation_log_list = store_pg_operation_log_list,
    .operation_summary = store_pg_operation_summary,
    .operation_coverage_rows = store_pg_operation_coverage_rows,
    .message_insert = store_pg_message_insert,
    .message_find = store_pg_message_find,
    .message_get = store_pg_message_get,
    .message_list = store_pg_message_list,
    .draft_insert = store_pg_draft_insert,
    .draft_update = store_pg_draft_update,
    .draft_get = store_pg_draft_get,
    .draft_find = store_pg_draft_find,
    .draft_list = store_pg_draft_list,
    .incident_points = store_pg_incident_points,
    .hotspot_insert = store_pg_hotspot_insert,
    .hotspot_get = store_pg_hotspot_get,
    .hotspot_list = store_pg_hotspot_list,
    .hotspot_open = store_pg_hotspot_open,
    .hotspot_set_status = store_pg_hotspot_set_status,
    .hotspot_note_insert = store_pg_hotspot_note_insert,
    .hotspot_notes = store_pg_hotspot_notes,
    .wal_watch = pg_wal_watch,
    .wal_checkpoint = pg_wal_checkpoint,
    .read_begin = pg_read_begin,
    .read_end = pg_read_end,
    .area_succession_put = store_pg_area_succession_put,
    .area_successions = store_pg_area_successions,
    .area_import_insert = store_pg_area_import_insert,
    .area_import_seen = store_pg_area_import_seen,
    .area_incidents = store_pg_area_incidents,
    .unit_closed_areas = store_pg_unit_closed_areas,
    .unit_area_proposal_put = store_pg_unit_area_proposal_put,
    .unit_area_proposal_get = store_pg_unit_area_proposal_get,
    .unit_area_proposal_list = store_pg_unit_area_proposal_list,
    .unit_area_proposal_decide = store_pg_unit_area_proposal_decide,
    .hotspot_incidents_visible = store_pg_hotspot_incidents_visible,
    .area_operations = store_pg_area_operations,
    .area_positions = store_pg_area_positions,
    .shared = pg_shared,
    .listen = pg_listen,
    .notify = pg_notify,
    .wait_notify = pg_wait_notify,
    .leader_try = pg_leader_try,
};
