/* api_stream.c - GET /api/v1/stream: the live feed, as server-sent events.
 *
 * Wire format (HTML Living Standard, "Server-sent events"): each committed event
 * the caller may see is
 *     id: <outbox id>\nevent: <topic>\ndata: <payload JSON>\n\n
 * built once by the bus (events/bus.c). The stream opens with
 * "retry: <ms>\nid: <start>\n\n" (no data, so nothing is dispatched, but an
 * EventSource takes <start> as its last event id and resumes from there even if
 * no event came before a reconnect), and a comment ": hb\n\n" every heartbeat
 * keeps proxies from closing an idle connection.
 *
 * Where events come from: the bus thread hands every batch to each loop's
 * subscriber (api_stream_deliver), which takes references and posts them through
 * the loop's multithread queue; on the loop, on_bus_events appends each event a
 * stream's person may see (bus_event_visible) to that stream's queue. A loop with
 * no stream gets nothing posted.
 *
 * Resuming (Last-Event-ID, or ?last_event_id=): the backlog is read from the
 * loop's store connection, up to what the bus may deliver (bus_deliverable: not
 * past a commit that is not yet durable), SSE_REPLAY_PAGE rows at a time, the next page only once
 * the previous one has gone out (so a long backlog costs one page of memory and
 * follows the client's pace). Live events that reach the loop meanwhile need no
 * buffer: one that reached the loop was committed before the loop's next read, so
 * the replay reads it; the stream goes live only after a short page (the end of
 * the outbox at that moment), and from then on drops every event whose id is not
 * above the last one it read. No event is lost or sent twice, and none is held
 * twice in memory.
 *
 * Flow control: h2o takes one h2o_send() at a time per response and calls proceed
 * when it is written out; frames queue meanwhile. A client whose unsent data
 * passes SSE_MAX_UNSENT_BYTES is cut off (it resumes with Last-Event-ID) instead of
 * letting memory grow without bound.
 *
 * Authentication: the router checks the bearer token at connect (for EventSource,
 * which cannot send headers, ?access_token= is turned into that header first;
 * see api_stream_query_token). At each heartbeat a stream whose session has
 * expired is closed, and when session_generation() has moved (a logout, a
 * revocation, a changed account anywhere) the token is checked again: a revoked
 * one ends the stream, a changed account (clearance, unit, roles) filters from
 * then on as it now is. */
#include "util/base.h"
#include <inttypes.h>
#include <stdatomic.h>
#include "http/http_int.h"
#include "http/metrics.h"
#include "http/req.h"
#include "http/resp.h"
#include "http/router.h"
#include "core/session.h"
#include "events/bus.h"
#include "events/livepos.h"
#include "proto/pjson.h"
#include "util/buf.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/time.h"

/* A comment line this often; proxies commonly drop connections idle for 30-60 s. */
#define SSE_HEARTBEAT_MS 15000
/* Tests set the heartbeat (in ms) through this variable; read once at start-up. */
#define SSE_HEARTBEAT_ENV "PHOIHOP_SSE_HEARTBEAT_MS"
/* Bytes queued for one client and not yet written before it is cut off. */
#define SSE_MAX_UNSENT_BYTES (1024 * 1024)
/* Backlog rows read per page when resuming, and pages read in one turn of the
 * loop when none of them holds an event the caller may see. */
#define SSE_REPLAY_PAGE 100
#define SSE_REPLAY_PAGES_PER_TURN 10
/* How long an EventSource waits before reconnecting ("retry:"). */
#define SSE_RETRY_MS 3000
/* Frames handed to h2o in one h2o_send(). */
#define SSE_MAX_IOVECS 64

static const char heartbeat_text[] = ": hb\n\n";

/* One frame waiting to go out: an event (referenced), or text of the request's. */
struct sse_frame {
    struct bus_event *ev; /* NULL for the prelude and heartbeats */
    h2o_iovec_t text;
};

struct sse_stream {
    h2o_generator_t gen;
    h2o_req_t *h2o; /* NULL once h2o stopped us or the final chunk went out */
    struct http_thread *t;
    h2o_linklist_t link; /* in t->streams while live */
    h2o_timeout_entry_t heartbeat;
    h2o_timeout_entry_t replay_later; /* the backlog goes on at the loop's next turn */
    struct arena user_arena;          /* malloc'd; holds user's strings */
    struct core_user user;            /* whose access filters the events */
    const char *token;                /* in the request's pool */
    int64_t expires_at;               /* of the session; 0: none */
    uint64_t generation;              /* session_generation() when user was read */
    struct sse_frame *queue;          /* waiting frames: queue[q_head .. q_head + q_len) */
    size_t q_head, q_len, q_cap, q_bytes;
    struct sse_frame sending[SSE_MAX_IOVECS]; /* handed to h2o, until proceed */
    size_t n_sending, sending_bytes;
    int64_t last_id;   /* every event up to this id was sent or left out */
    bool is_replaying; /* reading the backlog; live events are dropped */
    bool is_sending;   /* an h2o_send() is in flight */
    bool is_closing;   /* end the response once the queue is out */
};

/* Per-batch message from the bus thread to a loop. */
struct stream_batch {
    h2o_multithread_message_t msg;
    size_t n;
    struct bus_event *evs[];
};

static int heartbeat_ms = SSE_HEARTBEAT_MS;
static atomic_long n_clients;
static atomic_uint_fast64_t n_events_sent;

void api_stream_stats(uint64_t *clients, uint64_t *events)
{
    long c = atomic_load(&n_clients);
    *clients = c > 0 ? (uint64_t)c : 0;
    *events = atomic_load(&n_events_sent);
}

/* ---- the queue --------------------------------------------------------------------- */

static void release_frames(struct sse_frame *f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        bus_event_unref(f[i].ev);
}

static void drop_queue(struct sse_stream *s)
{
    release_frames(s->queue + s->q_head, s->q_len);
    s->q_head = s->q_len = s->q_bytes = 0;
}

/* Append a frame (taking ev's reference). With bounded, a frame that would put
 * the unsent total over the limit closes the stream instead: false. */
static bool push(struct sse_stream *s, struct bus_event *ev, h2o_iovec_t text, bool bounded)
{
    if (bounded && s->q_bytes + s->sending_bytes + text.len > SSE_MAX_UNSENT_BYTES) {
        log_warn("http/stream: %s (person %" PRId64
                 ") reads too slowly; disconnected at id %" PRId64,
                 s->user.username != NULL ? s->user.username : "?", s->user.person_id, s->last_id);
        bus_event_unref(ev);
        drop_queue(s);
        s->is_closing = true;
        s->is_replaying = false;
        return false;
    }
    if (s->q_head + s->q_len == s->q_cap) {
        if (s->q_head > 0) {
            memmove(s->queue, s->queue + s->q_head, s->q_len * sizeof(*s->queue));
            s->q_head = 0;
        } else {
            s->q_cap = s->q_cap ? 2 * s->q_cap : 16;
            s->queue = xrealloc(s->queue, s->q_cap * sizeof(*s->queue));
        }
    }
    s->queue[s->q_head + s->q_len++] = (struct sse_frame){ev, text};
    s->q_bytes += text.len;
    return true;
}

static void push_event(struct sse_stream *s, struct bus_event *ev, bool bounded)
{
    (void)push(s, ev, h2o_iovec_init(ev->sse, ev->sse_len), bounded);
}

/* ---- lifetime ---------------------------------------------------------------------- */

/* Out of the loop's list and timer: no more events or heartbeats. Idempotent. */
static void detach(struct sse_stream *s)
{
    if (h2o_linklist_is_linked(&s->link)) {
        h2o_linklist_unlink(&s->link);
        atomic_fetch_sub(&s->t->n_streams, 1);
        atomic_fetch_sub(&n_clients, 1);
    }
    if (h2o_timeout_is_linked(&s->heartbeat))
        h2o_timeout_unlink(&s->heartbeat);
    if (h2o_timeout_is_linked(&s->replay_later))
        h2o_timeout_unlink(&s->replay_later);
}

/* The request's pool is being freed: after the final chunk, or after stop. */
static void on_dispose(void *p)
{
    struct sse_stream *s = p;

    detach(s);
    release_frames(s->sending, s->n_sending);
    s->n_sending = 0;
    drop_queue(s);
    free(s->queue);
    arena_release(&s->user_arena);
}

/* The client went away (or h2o aborts the response). h2o may still hold the frames
 * in flight until the pool goes: on_dispose releases them. */
static void on_stop(h2o_generator_t *gen, h2o_req_t *req)
{
    struct sse_stream *s = H2O_STRUCT_FROM_MEMBER(struct sse_stream, gen, gen);

    (void)req;
    s->h2o = NULL;
    detach(s);
    drop_queue(s);
}

/* ---- sending ----------------------------------------------------------------------- */

static void replay(struct sse_stream *s);

/* Hand the queue to h2o if nothing is in flight; end the response when closing and
 * everything is out. */
static void flush(struct sse_stream *s)
{
    h2o_iovec_t bufs[SSE_MAX_IOVECS];
    size_t n, events = 0;

    if (s->h2o == NULL || s->is_sending)
        return;
    if (s->q_len == 0) {
        if (s->is_closing) {
            h2o_req_t *h = s->h2o;
            s->h2o = NULL;
            detach(s);
            h2o_send(h, NULL, 0, H2O_SEND_STATE_FINAL); /* may dispose the pool */
        }
        return;
    }
    n = s->q_len < SSE_MAX_IOVECS ? s->q_len : SSE_MAX_IOVECS;
    s->sending_bytes = 0;
    uint64_t now = 0;
    for (size_t i = 0; i < n; i++) {
        const struct bus_event *ev = s->queue[s->q_head + i].ev;
        s->sending[i] = s->queue[s->q_head + i];
        bufs[i] = s->sending[i].text;
        s->sending_bytes += bufs[i].len;
        events += ev != NULL;
        if (ev != NULL && ev->committed_ns != 0) {
            if (now == 0)
                now = time_mono_ns();
            metrics_observe_delivery(s->t->metrics, now > ev->committed_ns ? now - ev->committed_ns : 0);
        }
    }
    s->n_sending = n;
    s->q_head += n;
    s->q_len -= n;
    s->q_bytes -= s->sending_bytes;
    if (s->q_len == 0)
        s->q_head = 0;
    atomic_fetch_add(&n_events_sent, events);
    s->is_sending = true; /* before h2o_send: it may call back */
    h2o_send(s->h2o, bufs, n, H2O_SEND_STATE_IN_PROGRESS);
}

/* h2o wrote what it was given: release it, read more backlog if resuming, send on. */
static void on_proceed(h2o_generator_t *gen, h2o_req_t *req)
{
    struct sse_stream *s = H2O_STRUCT_FROM_MEMBER(struct sse_stream, gen, gen);

    (void)req;
    release_frames(s->sending, s->n_sending);
    s->n_sending = s->sending_bytes = 0;
    s->is_sending = false;
    replay(s);
    flush(s);
}

/* One page of the backlog after s->last_id; the end of the outbox makes the
 * stream live (see the file comment). A read error closes the stream: the client
 * resumes from what it got. */
static void replay_page(struct sse_stream *s)
{
    struct store_outbox_event *rows = NULL;
    struct arena a;
    size_t n = 0;
    ph_err rc;

    arena_init(&a);
    rc = store_outbox_after(s->t->st, &a, s->last_id, SSE_REPLAY_PAGE, &rows, &n);
    if (rc != PH_OK) {
        log_warn("http/stream: cannot read the outbox after id %" PRId64 ": closing", s->last_id);
        s->is_closing = true;
        s->is_replaying = false;
        goto out;
    }
    /* Rows of commits not yet durable are the bus's to deliver once they are
     * (read after the rows, as the bus does: a hold is never below a row the bus
     * delivered). Cut there, the replay is over. */
    size_t got = n;
    if (s->t->bus != NULL)
        n = bus_deliverable_rows(s->t->bus, rows, n);
    if (n < got)
        got = 0; /* a short page: live from here */
    for (size_t i = 0; i < n; i++) {
        struct bus_event *ev = bus_event_from_outbox(&rows[i]);
        s->last_id = rows[i].id;
        if (bus_event_visible(&s->user, ev))
            push_event(s, ev, false); /* the queue was empty: one page is the bound */
        else
            bus_event_unref(ev);
    }
    if (got < SSE_REPLAY_PAGE)
        s->is_replaying = false;
out:
    arena_release(&a);
}

/* Read the backlog while the queue is empty: up to a page that holds something to
 * send (it goes out, and its proceed reads on). A long stretch of events the
 * caller may not see is read a few pages per turn of the loop, so that the loop
 * serves its other clients in between. */
static void replay(struct sse_stream *s)
{
    for (int pages = 0; s->is_replaying && s->q_len == 0 && !s->is_closing; pages++) {
        if (pages == SSE_REPLAY_PAGES_PER_TURN) {
            h2o_timeout_link(s->t->ctx.loop, &s->t->ctx.zero_timeout, &s->replay_later);
            return;
        }
        replay_page(s);
    }
}

static void on_replay_later(h2o_timeout_entry_t *entry)
{
    struct sse_stream *s = H2O_STRUCT_FROM_MEMBER(struct sse_stream, replay_later, entry);

    if (s->h2o == NULL || s->is_sending)
        return;
    replay(s);
    flush(s);
}

/* ---- events from the bus ----------------------------------------------------------- */

void api_stream_deliver(void *ctx, struct bus_event *const *evs, size_t n)
{
    struct http_thread *t = ctx;
    struct stream_batch *b;

    /* No stream on this loop: nothing to post. A stream that registers after
     * this check reads the outbox's last id after registering, so it does not
     * need these events (they are committed, hence at or below that id). */
    if (atomic_load(&t->n_streams) == 0 || n == 0)
        return;
    b = xmalloc(sizeof(*b) + n * sizeof(b->evs[0]));
    memset(&b->msg, 0, sizeof(b->msg));
    b->n = n;
    for (size_t i = 0; i < n; i++) {
        bus_event_ref(evs[i]);
        b->evs[i] = evs[i];
    }
    h2o_multithread_send_message(&t->stream_receiver, &b->msg);
}

static bool session_still_valid(struct sse_stream *s, int64_t now);

static void on_bus_events(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    struct http_thread *t = H2O_STRUCT_FROM_MEMBER(struct http_thread, stream_receiver, receiver);

    while (!h2o_linklist_is_empty(messages)) {
        h2o_multithread_message_t *msg =
            H2O_STRUCT_FROM_MEMBER(h2o_multithread_message_t, link, messages->next);
        struct stream_batch *b = H2O_STRUCT_FROM_MEMBER(struct stream_batch, msg, msg);
        h2o_linklist_t *node, *next;

        h2o_linklist_unlink(&msg->link);
        for (node = t->streams.next; node != &t->streams; node = next) {
            struct sse_stream *s = H2O_STRUCT_FROM_MEMBER(struct sse_stream, link, node);
            next = node->next; /* flush may end s */
            if (s->is_replaying || s->is_closing)
                continue;
            /* A revoked session or a changed account must not get one more event:
             * the generation is one atomic load, re-checked before each batch. */
            if (!session_still_valid(s, time_now_ms())) {
                drop_queue(s);
                flush(s);
                continue;
            }
            for (size_t i = 0; i < b->n && !s->is_closing; i++) {
                struct bus_event *ev = b->evs[i];
                if (ev->id <= s->last_id)
                    continue; /* read by the replay, or before the stream started */
                s->last_id = ev->id;
                if (bus_event_visible(&s->user, ev)) {
                    bus_event_ref(ev);
                    push_event(s, ev, true);
                }
            }
            flush(s);
        }
        for (size_t i = 0; i < b->n; i++)
            bus_event_unref(b->evs[i]);
        free(b);
    }
}

/* ---- live positions (events/livepos.h) ------------------------------------------------ *
 *
 * Positions are live only: "event: position" frames carry no id, so that they
 * never move an EventSource's Last-Event-ID (which resumes the outbox's events)
 * and are never replayed. The hub calls api_stream_positions on the publisher's
 * thread, which copies the fixes into one message for the loop; on the loop each
 * fix passes when it is at least position_interval_s (by the fix's own time)
 * after the last one of its device that passed on this loop, becomes one frame
 * (a bus_event of topic "position", reference counted like the bus's) and goes
 * to every live stream whose person may see it (livepos_visible). */

/* Frames of one device not sent again within this many bytes of JSON: a fix is
 * a few hundred. */
#define SSE_POS_JSON_MAX 4096

struct pos_batch {
    h2o_multithread_message_t msg;
    size_t n;
    struct livepos_fix fixes[]; /* their strings follow the array */
};

/* This loop's last fix time per device: open addressing, never shrinks (one
 * slot per device ever seen). */
struct stream_pos_thin {
    size_t cap, n;
    struct pos_slot {
        int64_t device_id, at;
    } *slots;
};

static size_t str_size(const char *s)
{
    return s != NULL ? strlen(s) + 1 : 0;
}

static const char *copy_str(char **p, const char *s)
{
    if (s == NULL)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = memcpy(*p, s, n);
    *p += n;
    return d;
}

void api_stream_positions(void *ctx, const struct livepos_fix *fixes, size_t n)
{
    struct http_thread *t = ctx;
    struct pos_batch *b;
    size_t strings = 0;
    char *p;

    if (atomic_load(&t->n_streams) == 0 || n == 0)
        return;
    for (size_t i = 0; i < n; i++)
        strings += str_size(fixes[i].uid) + str_size(fixes[i].callsign) +
                   str_size(fixes[i].unit_path) + str_size(fixes[i].force) +
                   str_size(fixes[i].source);
    b = xmalloc(sizeof(*b) + n * sizeof(b->fixes[0]) + strings);
    memset(&b->msg, 0, sizeof(b->msg));
    b->n = n;
    p = (char *)&b->fixes[n];
    for (size_t i = 0; i < n; i++) {
        b->fixes[i] = fixes[i];
        b->fixes[i].uid = copy_str(&p, fixes[i].uid);
        b->fixes[i].callsign = copy_str(&p, fixes[i].callsign);
        b->fixes[i].unit_path = copy_str(&p, fixes[i].unit_path);
        b->fixes[i].force = copy_str(&p, fixes[i].force);
        b->fixes[i].source = copy_str(&p, fixes[i].source);
    }
    h2o_multithread_send_message(&t->pos_receiver, &b->msg);
}

static struct pos_slot *thin_slot(struct stream_pos_thin *th, int64_t device_id)
{
    size_t mask = th->cap - 1, i = (size_t)((uint64_t)device_id * 0x9E3779B97F4A7C15u >> 32) & mask;

    while (th->slots[i].device_id != 0 && th->slots[i].device_id != device_id)
        i = (i + 1) & mask;
    return &th->slots[i];
}

/* Does fix f pass the thinning (and if so, remember it)? */
static bool thin_pass(struct http_thread *t, const struct livepos_fix *f)
{
    struct stream_pos_thin *th = t->pos_thin;
    int64_t interval = (int64_t)t->cfg->position_interval_s * 1000;
    struct pos_slot *s;

    if (th->n * 2 >= th->cap) { /* keep the load under a half */
        struct stream_pos_thin old = *th;
        th->cap = old.cap ? 2 * old.cap : 64;
        th->n = 0;
        th->slots = xcalloc(th->cap, sizeof(*th->slots));
        for (size_t i = 0; i < old.cap; i++)
            if (old.slots[i].device_id != 0) {
                *thin_slot(th, old.slots[i].device_id) = old.slots[i];
                th->n++;
            }
        free(old.slots);
    }
    s = thin_slot(th, f->device_id);
    if (s->device_id != 0 && (f->at < s->at + interval || f->at <= s->at))
        return false; /* too soon after the last one sent, or older than it */
    if (s->device_id == 0)
        th->n++;
    s->device_id = f->device_id;
    s->at = f->at;
    return true;
}

/* The frame of fix f as a bus_event (one block, freed by the last unref), or
 * NULL when it cannot be written. */
static struct bus_event *position_event(const struct livepos_fix *f)
{
    static const char head[] = "event: position\ndata: ";
    struct bus_event *ev;
    struct buf json;
    size_t l_path = str_size(f->unit_path), l_frame;
    char *p;

    buf_init(&json, SSE_POS_JSON_MAX);
    if (pjson_fix_write(f, &json) != PH_OK) {
        buf_release(&json);
        return NULL;
    }
    l_frame = sizeof(head) - 1 + json.len + 2;
    ev = xmalloc(sizeof(*ev) + l_path + l_frame + 1);
    memset(ev, 0, sizeof(*ev));
    p = (char *)(ev + 1);
    ev->at = f->at;
    ev->topic = "position";
    ev->item_kind = "device";
    ev->item_id = f->device_id;
    ev->access.kind = ITEM_OPERATIONAL;
    ev->access.classification = CLEARANCE_UNCLASSIFIED;
    ev->access.owner_path = copy_str(&p, f->unit_path);
    ev->sse = p;
    memcpy(p, head, sizeof(head) - 1);
    memcpy(p + sizeof(head) - 1, json.data, json.len);
    memcpy(p + sizeof(head) - 1 + json.len, "\n\n", 3);
    ev->sse_len = l_frame;
    ev->refs = 1;
    buf_release(&json);
    return ev;
}

static void on_position_fixes(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    struct http_thread *t = H2O_STRUCT_FROM_MEMBER(struct http_thread, pos_receiver, receiver);

    while (!h2o_linklist_is_empty(messages)) {
        h2o_multithread_message_t *msg =
            H2O_STRUCT_FROM_MEMBER(h2o_multithread_message_t, link, messages->next);
        struct pos_batch *b = H2O_STRUCT_FROM_MEMBER(struct pos_batch, msg, msg);
        h2o_linklist_t *node, *next;

        h2o_linklist_unlink(&msg->link);
        for (size_t i = 0; i < b->n && !h2o_linklist_is_empty(&t->streams); i++) {
            const struct livepos_fix *f = &b->fixes[i];
            struct bus_event *ev;
            if (!thin_pass(t, f) || (ev = position_event(f)) == NULL)
                continue;
            for (node = t->streams.next; node != &t->streams; node = node->next) {
                struct sse_stream *s = H2O_STRUCT_FROM_MEMBER(struct sse_stream, link, node);
                if (s->is_replaying || s->is_closing)
                    continue;
                /* As for the bus's events: a revoked session gets nothing more. */
                if (!session_still_valid(s, time_now_ms())) {
                    drop_queue(s);
                    continue;
                }
                if (!livepos_visible(&s->user, f))
                    continue;
                bus_event_ref(ev);
                push_event(s, ev, true);
            }
            bus_event_unref(ev);
        }
        for (node = t->streams.next; node != &t->streams; node = next) {
            struct sse_stream *s = H2O_STRUCT_FROM_MEMBER(struct sse_stream, link, node);
            next = node->next; /* flush may end s */
            flush(s);
        }
        free(b);
    }
}

void api_stream_loop_free(struct http_thread *t)
{
    if (t->pos_thin != NULL)
        free(t->pos_thin->slots);
    free(t->pos_thin);
    t->pos_thin = NULL;
}

/* ---- heartbeats and sessions ------------------------------------------------------- */

/* Read the caller again from the token (a new arena replaces the old one). PH_EAUTH
 * when the token no longer works; other errors leave the stream as it was. */
static ph_err reauthenticate(struct sse_stream *s, int64_t now)
{
    struct arena a;
    struct core_user u;
    int64_t expires_at = 0;
    uint64_t gen = session_generation();
    struct core_ctx cx = {
        .st = s->t->st, .arena = &a, .user = &core_system_user, .client = "stream", .now_ms = now};
    ph_err rc;

    arena_init(&a);
    rc = session_authenticate(&cx, s->token, &u, NULL, &expires_at);
    if (rc != PH_OK) {
        arena_release(&a);
        return rc;
    }
    arena_release(&s->user_arena);
    s->user_arena = a;
    s->user = u;
    s->expires_at = expires_at;
    s->generation = gen;
    return PH_OK;
}

/* False (and the stream marked closing) when its session expired or was revoked;
 * after any change of accounts the caller is read again, so that filtering follows
 * their current roles, unit and clearance. */
static bool session_still_valid(struct sse_stream *s, int64_t now)
{
    if (s->expires_at > 0 && now >= s->expires_at) {
        s->is_closing = true;
    } else if (session_generation() != s->generation && reauthenticate(s, now) == PH_EAUTH) {
        log_info("http/stream: session of person %" PRId64 " revoked: stream closed",
                 s->user.person_id);
        s->is_closing = true;
    }
    return !s->is_closing;
}

static void on_heartbeat(h2o_timeout_entry_t *entry)
{
    struct sse_stream *s = H2O_STRUCT_FROM_MEMBER(struct sse_stream, heartbeat, entry);

    if (s->h2o == NULL || s->is_closing)
        return;
    if (!session_still_valid(s, time_now_ms())) {
        drop_queue(s);
        s->is_replaying = false;
    } else {
        (void)push(s, NULL, h2o_iovec_init(heartbeat_text, sizeof(heartbeat_text) - 1), true);
        h2o_timeout_link(s->t->ctx.loop, &s->t->stream_heartbeat, &s->heartbeat);
    }
    flush(s);
}

/* ---- the handler ------------------------------------------------------------------- */

/* Last-Event-ID, else ?last_event_id=: *resume false when neither is given.
 * PH_EPARSE (naming *field) when not a non-negative integer. */
static ph_err resume_point(struct req *r, int64_t *after, bool *resume, const char **field)
{
    const char *v = req_header(r, "last-event-id");
    char *end;
    long long id;

    *resume = false;
    *field = "Last-Event-ID";
    if (v == NULL || *v == '\0') {
        v = req_query(r, "last_event_id");
        *field = "last_event_id";
    }
    if (v == NULL || *v == '\0')
        return PH_OK;
    if (*v < '0' || *v > '9')
        return PH_EPARSE;
    errno = 0;
    id = strtoll(v, &end, 10);
    if (errno != 0 || *end != '\0')
        return PH_EPARSE;
    *after = id;
    *resume = true;
    return PH_OK;
}

static int stream_get(struct req *r)
{
    h2o_req_t *h = r->h2o;
    struct http_thread *t = r->t;
    struct sse_stream *s;
    const char *field = NULL;
    int64_t after = 0, last = 0;
    bool resume = false;
    ph_err rc;

    if (atomic_load(&t->closing)) {
        resp_header(r, "retry-after", "5");
        return resp_error_raw(r, 503, "shutting_down", "the server is shutting down; retry shortly",
                              "máy chủ đang dừng; thử lại sau giây lát", NULL);
    }
    if (resume_point(r, &after, &resume, &field) != PH_OK)
        return resp_error(r, PH_EPARSE, field);
    if (h->method.len == 4 && memcmp(h->method.base, "HEAD", 4) == 0)
        return resp_text(r, 200, "text/event-stream; charset=utf-8", "", 0);

    s = h2o_mem_alloc_shared(&h->pool, sizeof(*s), on_dispose);
    memset(s, 0, sizeof(*s));
    s->gen.proceed = on_proceed;
    s->gen.stop = on_stop;
    s->h2o = h;
    s->t = t;
    s->token = r->token;
    s->heartbeat.cb = on_heartbeat;
    s->replay_later.cb = on_replay_later;
    arena_init(&s->user_arena);
    /* Registered before the outbox is read: see api_stream_deliver. */
    h2o_linklist_insert(&t->streams, &s->link);
    atomic_fetch_add(&t->n_streams, 1);
    atomic_fetch_add(&n_clients, 1);

    /* The caller again, with the session's expiry, into memory the stream owns. */
    s->generation = session_generation();
    rc = s->token != NULL ? session_authenticate(&r->cx, s->token, &s->user, NULL, &s->expires_at)
                          : PH_EAUTH;
    if (rc == PH_OK) {
        struct core_user u = s->user;
        core_user_copy(&s->user_arena, &s->user, &u);
        rc = store_outbox_last_id(t->st, &last);
    }
    /* The start id is never one a crash could undo (events/bus.h, bus_deliverable). */
    if (rc == PH_OK && t->bus != NULL) {
        int64_t deliverable = bus_deliverable(t->bus);
        if (deliverable < last)
            last = deliverable;
    }
    if (rc != PH_OK) {
        detach(s);
        if (rc == PH_EAUTH)
            resp_header(r, "www-authenticate", "Bearer");
        return resp_error(r, rc, rc == PH_EAUTH ? "Authorization" : NULL);
    }
    /* An id beyond the outbox (another database's) resumes from its end. */
    if (!resume || after > last)
        after = last;
    s->last_id = after;
    s->is_replaying = resume && after < last;

    h->res.status = 200;
    h->res.reason = "OK";
    resp_header(r, "content-type", "text/event-stream; charset=utf-8");
    resp_header(r, "cache-control", "no-store");
    resp_header(r, "x-accel-buffering", "no"); /* nginx: do not buffer the stream */
    uint64_t dur = time_mono_ns() - r->start_ns;
    metrics_observe(t->metrics, r->route_index, 200, dur);
    if (t->cfg->access_log)
        log_info("%s %.*s %.*s 200 stream from id %" PRId64 " %.3fms", r->client,
                 (int)h->method.len, h->method.base, (int)h->path_normalized.len,
                 h->path_normalized.base, after, (double)dur / 1e6);
    h2o_start_response(h, &s->gen);

    char *prelude = arena_printf(&r->arena, "retry: %d\nid: %" PRId64 "\n\n", SSE_RETRY_MS, after);
    (void)push(s, NULL, h2o_iovec_init(prelude, strlen(prelude)), false);
    /* The backlog follows once the prelude is out (on_proceed). */
    h2o_timeout_link(t->ctx.loop, &t->stream_heartbeat, &s->heartbeat);
    flush(s);
    return 0;
}

const struct route api_stream_routes[] = {
    {"GET", "/api/v1/stream", stream_get, ROUTE_USER, false},
    {NULL, NULL, NULL, 0, false},
};

/* ---- the loop's side --------------------------------------------------------------- */

void api_stream_query_token(struct req *r)
{
    h2o_req_t *h = r->h2o;
    const char *token;

    if (r->route == NULL || r->route->handler != stream_get ||
        h2o_find_header(&h->headers, H2O_TOKEN_AUTHORIZATION, -1) >= 0)
        return;
    token = req_query(r, "access_token");
    if (token == NULL || *token == '\0')
        return;
    char *value = arena_printf(&r->arena, "Bearer %s", token);
    h2o_add_header(&h->pool, &h->headers, H2O_TOKEN_AUTHORIZATION, NULL, value, strlen(value));
}

void api_stream_configure(void)
{
    const char *v = getenv(SSE_HEARTBEAT_ENV);
    char *end;
    long ms;

    heartbeat_ms = SSE_HEARTBEAT_MS;
    if (v == NULL || *v == '\0')
        return;
    errno = 0;
    ms = strtol(v, &end, 10);
    if (errno != 0 || *end != '\0' || ms < 10 || ms > 3600000) {
        log_warn("http/stream: %s=%s is not 10..3600000 ms; the heartbeat stays %d ms",
                 SSE_HEARTBEAT_ENV, v, SSE_HEARTBEAT_MS);
        return;
    }
    heartbeat_ms = (int)ms;
}

void api_stream_loop_init(struct http_thread *t)
{
    h2o_linklist_init_anchor(&t->streams);
    h2o_timeout_init(t->ctx.loop, &t->stream_heartbeat, (uint64_t)heartbeat_ms);
    h2o_multithread_register_receiver(t->queue, &t->stream_receiver, on_bus_events);
    t->pos_thin = xcalloc(1, sizeof(*t->pos_thin));
    h2o_multithread_register_receiver(t->queue, &t->pos_receiver, on_position_fixes);
}

void api_stream_close_all(struct http_thread *t)
{
    h2o_linklist_t *node, *next;

    for (node = t->streams.next; node != &t->streams; node = next) {
        struct sse_stream *s = H2O_STRUCT_FROM_MEMBER(struct sse_stream, link, node);
        next = node->next;
        s->is_closing = true;
        s->is_replaying = false;
        flush(s); /* ends it now unless a write is in flight (then at its proceed) */
    }
}
