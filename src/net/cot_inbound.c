/* cot_inbound.c - what the listener does with a parsed event (a connection's, or
 * a datagram's PLI):
 *
 *   PLI      -> queued report --COT_BATCH_DELAY_MS or COT_BATCH_MAX--> one writer
 *               job: position_ingest per identity --commit--> done() --queue-->
 *               livepos_publish (the hub relays it, cot_outbound.c)
 *   marker, emergency -> writer job: draft_upsert
 *   chat     -> writer job: message_send (the bus brings it back to relay)
 *   ping     -> pong
 *
 * Batches: at most COT_JOBS_MAX wait for the writer (each one transaction's
 * worth: more would make every commit, and so every relay, slower). While the
 * next batch is full, connections are not read (cot_conn.c), so nothing a TCP
 * client sends is dropped; UDP reports are, and counted (writer_busy).
 *
 * A job owns copies of everything it needs (the users, the strings in its
 * arena): a connection closing while its reports are in flight changes nothing.
 * The writer's done() runs on the writer's (or its syncer's) thread and only posts the job back to
 * the loop; it announces itself in s->posting so that the listener does not
 * dismantle its queue under a send still in progress (cot_server.c). */
#include "util/base.h"
#include <math.h>
#include "net/cot_int.h"
#include "core/draft.h"
#include "core/message.h"
#include "core/position.h"
#include "core/writer.h"
#include "events/livepos.h"
#include "util/log.h"
#include "util/time.h"

enum job_kind { JOB_PLI, JOB_CHAT, JOB_DRAFT };

/* What every writer job of ours starts with: the writer's job, the message that
 * brings it back to the loop after the commit. */
struct job_head {
    struct write_job job;
    h2o_multithread_message_t msg;
    struct cot_server *s;
    enum job_kind kind;
};

/* One batch of position reports. Users are the distinct identities in it (their
 * strings in job.arena); user_of[i] is reports[i]'s. */
struct cot_pli_job {
    struct job_head h;
    size_t n, n_users;
    bool is_due; /* its delay passed (or full): submit as soon as the writer may take it */
    struct core_user users[COT_BATCH_MAX];
    int user_of[COT_BATCH_MAX];
    struct position_report reports[COT_BATCH_MAX];
    struct position_result results[COT_BATCH_MAX];
    struct livepos_fix *fixes; /* in job.arena, after run */
    size_t n_fixes;
};

struct aux_job {
    struct job_head h;
    struct message m;
    struct incident_draft d;
    const char *field;
};

/* ---- jobs ---------------------------------------------------------------------------- */

/* On the writer's (or its syncer's) thread, once the commit is durable: back to the loop. */
static void on_job_done(struct write_job *job)
{
    struct job_head *h = H2O_STRUCT_FROM_MEMBER(struct job_head, job, job);
    struct cot_server *s = h->s;

    atomic_fetch_add(&s->posting, 1);
    h2o_multithread_send_message(&s->done_rx, &h->msg);
    atomic_fetch_sub(&s->posting, 1); /* the last touch of s: it may go now */
}

static void job_init(struct cot_server *s, struct job_head *h, enum job_kind kind, write_fn run,
                     const struct core_user *user)
{
    arena_init(&h->job.arena);
    h->job.run = run;
    h->job.arg = h;
    h->job.done = on_job_done;
    h->job.client = "cot";
    core_user_copy(&h->job.arena, &h->job.user, user);
    h->s = s;
    h->kind = kind;
}

static void job_free(struct job_head *h)
{
    arena_release(&h->job.arena);
    free(h);
}

/* The reports of j, each identity's in one slice: sorted[start[u] .. start[u+1])
 * are those of users[u] (a counting sort; both in cx->arena). */
static void sort_by_identity(struct core_ctx *cx, const struct cot_pli_job *j,
                             struct position_report **sorted, size_t **start)
{
    size_t *st = arena_zalloc(cx->arena, (j->n_users + 1) * sizeof(*st));
    size_t *fill = arena_alloc(cx->arena, (j->n_users + 1) * sizeof(*fill));
    struct position_report *out = arena_alloc(cx->arena, j->n * sizeof(*out));

    for (size_t i = 0; i < j->n; i++)
        st[j->user_of[i] + 1]++;
    for (size_t u = 0; u < j->n_users; u++)
        st[u + 1] += st[u];
    memcpy(fill, st, (j->n_users + 1) * sizeof(*fill));
    for (size_t i = 0; i < j->n; i++)
        out[fill[j->user_of[i]]++] = j->reports[i];
    *sorted = out;
    *start = st;
}

/* Positions, one call of position_ingest per identity of the batch. Results
 * are in sorted order: on_pli_done only counts them. */
static ph_err run_pli(struct core_ctx *cx, void *arg)
{
    struct cot_pli_job *j = arg;
    struct livepos_fix *all = arena_alloc(cx->arena, (j->n + 1) * sizeof(*all));
    struct position_report *sorted;
    size_t *start, n_all = 0;

    sort_by_identity(cx, j, &sorted, &start);
    for (size_t u = 0; u < j->n_users; u++) {
        size_t k = start[u], cnt = start[u + 1] - start[u];
        struct core_ctx ucx = *cx;
        struct livepos_fix *fixes = NULL;
        size_t n_fixes = 0;
        ph_err rc;
        if (cnt == 0)
            continue;
        ucx.user = &j->users[u];
        rc = position_ingest(&ucx, sorted + k, cnt, j->results + k, &fixes, &n_fixes);
        if (rc != PH_OK)
            return rc;
        for (size_t i = 0; i < n_fixes && n_all < j->n; i++)
            all[n_all++] = fixes[i];
    }
    j->fixes = all;
    j->n_fixes = n_all;
    return PH_OK;
}

static ph_err run_chat(struct core_ctx *cx, void *arg)
{
    struct aux_job *j = arg;
    return message_send(cx, &j->m, &j->field);
}

static ph_err run_draft(struct core_ctx *cx, void *arg)
{
    struct aux_job *j = arg;
    bool created = false;
    return draft_upsert(cx, &j->d, &created, &j->field);
}

/* ---- jobs back on the loop ---------------------------------------------------------------- */

static void on_pli_done(struct cot_server *s, struct cot_pli_job *j)
{
    if (j->h.job.rc != PH_OK) {
        cot_count(s, COT_C_POS_FAILED, j->n);
        return;
    }
    for (size_t i = 0; i < j->n; i++) {
        switch (j->results[i].rc) {
        case PH_OK:
            cot_count(s, COT_C_POS_STORED, 1);
            break;
        case PH_ENOTFOUND:
            cot_count(s, COT_C_POS_UNKNOWN, 1);
            break;
        case PH_EPERM:
            cot_count(s, COT_C_POS_FORBIDDEN, 1);
            break;
        case PH_EINVAL:
            cot_count(s, COT_C_POS_INVALID, 1);
            break;
        default:
            cot_count(s, COT_C_POS_FAILED, 1);
            break;
        }
    }
    if (s->hub != NULL && j->n_fixes > 0)
        livepos_publish(s->hub, j->fixes, j->n_fixes);
}

static void on_aux_done(struct cot_server *s, struct aux_job *j)
{
    bool is_chat = j->h.kind == JOB_CHAT;

    if (j->h.job.rc == PH_OK) {
        cot_count(s, is_chat ? COT_C_MSG_STORED : COT_C_DRAFT_STORED, 1);
        return;
    }
    cot_count(s, is_chat ? COT_C_MSG_REFUSED : COT_C_DRAFT_REFUSED, 1);
    log_info("cot: %s refused: %s (field %s)", is_chat ? "chat" : "draft", err_str(j->h.job.rc),
             j->field != NULL ? j->field : "-");
}

void cot_inbound_on_done(h2o_multithread_receiver_t *rx, h2o_linklist_t *messages)
{
    struct cot_server *s = H2O_STRUCT_FROM_MEMBER(struct cot_server, done_rx, rx);

    while (!h2o_linklist_is_empty(messages)) {
        h2o_multithread_message_t *msg =
            H2O_STRUCT_FROM_MEMBER(h2o_multithread_message_t, link, messages->next);
        struct job_head *h = H2O_STRUCT_FROM_MEMBER(struct job_head, msg, msg);
        h2o_linklist_unlink(&msg->link);
        if (h->kind == JOB_PLI)
            on_pli_done(s, (struct cot_pli_job *)h);
        else
            on_aux_done(s, (struct aux_job *)h);
        s->jobs_in_flight--;
        job_free(h);
    }
    if (s->batch != NULL && s->batch->is_due)
        cot_inbound_batch_flush(s, false);
    cot_conn_run_backlog(s); /* the writer took a batch: connections waiting get their turn */
    cot_conn_flush_all(s);   /* relayed fixes published just now are posted, not sent yet */
}

/* ---- the batch of positions ------------------------------------------------------------------ */

bool cot_inbound_writer_is_full(const struct cot_server *s)
{
    return s->batch != NULL && s->batch->n == COT_BATCH_MAX;
}

void cot_inbound_batch_flush(struct cot_server *s, bool force)
{
    struct cot_pli_job *j = s->batch;

    if (j == NULL)
        return;
    j->is_due = true;
    if (h2o_timeout_is_linked(&s->batch_entry))
        h2o_timeout_unlink(&s->batch_entry);
    if (!force && s->jobs_in_flight >= COT_JOBS_MAX)
        return;
    s->batch = NULL;
    if (writer_submit(s->writer, &j->h.job) != PH_OK) {
        cot_count(s, COT_C_DROP_BACKPRESSURE, j->n);
        job_free(&j->h);
        return;
    }
    s->jobs_in_flight++;
}

void cot_inbound_on_batch_timer(h2o_timeout_entry_t *entry)
{
    cot_inbound_batch_flush(H2O_STRUCT_FROM_MEMBER(struct cot_server, batch_entry, entry), false);
}

/* The index of user among j's identities, added when new. */
static int batch_user(struct cot_pli_job *j, const struct core_user *user)
{
    size_t u;
    for (u = 0; u < j->n_users; u++)
        if (j->users[u].person_id == user->person_id)
            return (int)u;
    core_user_copy(&j->h.job.arena, &j->users[j->n_users++], user);
    return (int)u;
}

void cot_inbound_pli(struct cot_server *s, const struct core_user *user, const struct cot_event *ev)
{
    struct cot_pli_job *j = s->batch;
    struct arena *a;
    struct position_report *r;

    if (j == NULL) {
        j = s->batch = xcalloc(1, sizeof(*j));
        job_init(s, &j->h, JOB_PLI, run_pli, &cot_ident_anonymous);
    }
    if (j->n == COT_BATCH_MAX) { /* full and the writer has enough: shed load */
        cot_count(s, COT_C_DROP_BACKPRESSURE, 1);
        return;
    }
    a = &j->h.job.arena;
    r = &j->reports[j->n];
    r->uid = arena_strdup(a, ev->uid);
    r->callsign = arena_strdup(a, ev->callsign);
    r->at = ev->time;
    r->lat = ev->lat;
    r->lon = ev->lon;
    r->speed = ev->speed;
    r->course = ev->course;
    r->alt = ev->hae;
    r->battery = ev->battery;
    r->source = POSITION_SOURCE_COT;
    j->user_of[j->n++] = batch_user(j, user);
    if (j->n == COT_BATCH_MAX)
        cot_inbound_batch_flush(s, false);
    else if (!h2o_timeout_is_linked(&s->batch_entry))
        h2o_timeout_link(s->loop, &s->batch_to, &s->batch_entry);
}

/* ---- chat and drafts ----------------------------------------------------------------------------
 */

static void submit_aux(struct cot_server *s, struct aux_job *j)
{
    if (writer_submit(s->writer, &j->h.job) != PH_OK) {
        cot_count(s, j->h.kind == JOB_CHAT ? COT_C_MSG_REFUSED : COT_C_DRAFT_REFUSED, 1);
        job_free(&j->h);
        return;
    }
    s->jobs_in_flight++;
}

static void submit_chat(struct cot_conn *c, const struct cot_event *ev)
{
    struct aux_job *j = xcalloc(1, sizeof(*j));
    struct arena *a;

    job_init(c->s, &j->h, JOB_CHAT, run_chat, cot_ident_user(c));
    a = &j->h.job.arena;
    j->m.uid = arena_strdup(a, ev->chat_message_id != NULL ? ev->chat_message_id : ev->uid);
    j->m.at = ev->time;
    j->m.from_device_id = c->device_id;
    j->m.from_callsign = arena_strdup(a, ev->chat_sender != NULL ? ev->chat_sender : ev->callsign);
    j->m.room = arena_strdup(a, ev->chat_room != NULL ? ev->chat_room : MESSAGE_ROOM_ALL);
    j->m.text = arena_strdup(a, ev->remarks);
    j->m.has_location = isfinite(ev->lat) && isfinite(ev->lon) && !(ev->lat == 0 && ev->lon == 0);
    j->m.lat = ev->lat;
    j->m.lon = ev->lon;
    j->m.source = "cot";
    submit_aux(c->s, j);
}

static void submit_draft(struct cot_conn *c, const struct cot_event *ev)
{
    struct aux_job *j = xcalloc(1, sizeof(*j));
    struct arena *a;

    job_init(c->s, &j->h, JOB_DRAFT, run_draft, cot_ident_user(c));
    a = &j->h.job.arena;
    j->d.uid = arena_strdup(a, ev->uid);
    j->d.cot_type = arena_strdup(a, ev->type);
    j->d.title = arena_strdup(a, ev->callsign != NULL ? ev->callsign : ev->type);
    j->d.remarks = arena_strdup(a, ev->remarks);
    j->d.at = ev->time;
    j->d.lat = ev->lat;
    j->d.lon = ev->lon;
    j->d.device_id = c->device_id;
    j->d.person_id = c->identified ? c->user.person_id : 0;
    j->d.unit_id = c->identified ? c->user.unit_id : 0;
    submit_aux(c->s, j);
}

/* ---- dispatch
 * -------------------------------------------------------------------------------------- */

void cot_inbound_count_class(struct cot_server *s, enum cot_class cls)
{
    static const enum cot_counter by_class[] = {
        [COT_OTHER] = COT_C_EV_OTHER,         [COT_PLI] = COT_C_EV_PLI,
        [COT_MARKER] = COT_C_EV_MARKER,       [COT_CHAT] = COT_C_EV_CHAT,
        [COT_EMERGENCY] = COT_C_EV_EMERGENCY, [COT_PING] = COT_C_EV_PING,
    };
    cot_count(s, (size_t)cls < PH_NELEM(by_class) ? by_class[cls] : COT_C_EV_OTHER, 1);
}

static void on_pli(struct cot_conn *c, const struct cot_event *ev)
{
    cot_conn_remember_uid(c, ev->uid);
    cot_ident_on_pli(c, ev->uid);
    if (!c->is_closed)
        cot_inbound_pli(c->s, cot_ident_user(c), ev);
}

static void send_pong(struct cot_conn *c)
{
    struct buf b;
    buf_init(&b, 4096);
    if (cot_write_pong(&b, time_now_ms()) == PH_OK)
        cot_conn_send_buf(c, &b);
    buf_release(&b);
}

void cot_inbound_event(struct cot_conn *c, const char *xml, size_t len)
{
    struct cot_server *s = c->s;
    struct cot_event ev;
    const char *why = NULL;
    struct arena a;
    ph_err rc;

    arena_init(&a);
    rc = cot_parse(xml, len, &a, &ev, &why);
    if (rc != PH_OK) {
        cot_count(s, COT_C_PARSE_ERRORS, 1);
        log_info("cot: %s %s: event refused: %s", cot_transport(c), c->peer,
                 why != NULL ? why : err_str(rc));
        if (++c->parse_errors >= COT_PARSE_ERRORS_MAX)
            cot_conn_close(c, COT_C_CUT_PARSE);
        goto out;
    }
    cot_inbound_count_class(s, ev.cls);
    switch (ev.cls) {
    case COT_PLI:
        on_pli(c, &ev);
        break;
    case COT_MARKER:
    case COT_EMERGENCY:
        /* Our own incidents and operations, echoed back by a client, are no drafts. */
        if (strncmp(ev.uid, "phoihop-", 8) != 0)
            submit_draft(c, &ev);
        break;
    case COT_CHAT:
        submit_chat(c, &ev);
        break;
    case COT_PING:
        send_pong(c);
        break;
    case COT_OTHER:
        break;
    }
out:
    arena_release(&a);
}
