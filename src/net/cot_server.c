/* cot_server.c - the Cursor-on-Target listener: TAK clients over TCP, TLS and UDP.
 *
 * One thread, one h2o event loop. Every CoT connection, the UDP socket, the batch
 * of positions on its way to the writer and the relay to other clients live on
 * it, so the fan-out of a fix to every connection is a walk over a local list,
 * with no locking. Other threads reach the loop only through its multithread
 * queue: the writer's done() of our jobs, the live-position hub's fixes and the
 * event bus's batches.
 *
 *   client --bytes--> frame (cot_frame) --> parse (cot_parse) --> class
 *      PLI      -> queued report --20 ms or 500--> one writer job: position_ingest
 *                  per identity --commit--> done() --queue--> livepos_publish
 *      marker, emergency -> writer job: draft_upsert
 *      chat     -> writer job: message_send (the bus relays it back, below)
 *      ping     -> pong
 *   hub (any thread publishing committed fixes) --copy--> queue --> per
 *      connection: livepos_visible, not its own device --> cot_write_position
 *   bus (committed outbox rows) --ref--> queue --> per connection:
 *      bus_event_visible --> incident_get / operation_get / the message, read
 *      under the connection's person on this thread's store connection --> CoT
 *
 * Identity. A TLS connection is the person whose username is its client
 * certificate's subject CN (the certificate verified against cfg->tls_ca). A
 * plain TCP connection is the person the device of its first PLI is bound to
 * (device_by_uid as the system); until one is found (retried every
 * COT_IDENT_RETRY_MS) it is anonymous: it receives nothing, and its reports are
 * written with no person, so position_ingest takes only those of devices an
 * administrator bound to a unit. A UDP datagram is its device's person, through
 * a small cache of uid -> person.
 *
 * TLS is done here with OpenSSL over memory BIOs, not with h2o's
 * h2o_socket_ssl_handshake: h2o 2.2.5 does not expose the SSL object of a
 * socket, so the peer certificate (the identity) could not be read. h2o still
 * does the socket I/O; OpenSSL only turns bytes into bytes.
 *
 * UDP is read with recvfrom from a readiness callback (a socket created with
 * H2O_SOCKET_FLAG_DONT_READ): h2o's own read path appends whatever read()
 * returns to one buffer, 4 KiB at a time, which loses the datagram boundaries and
 * truncates a longer datagram.
 *
 * Limits, each counted (cot_server_metrics): connections (max_clients, refused
 * at accept), idle connections (idle_timeout_s), the per-connection rate (a
 * token bucket of rate_per_s events, a second's worth of burst: events over it
 * are dropped before parsing; COT_FLOOD_FACTOR times the rate in one second, or
 * drops in COT_RATE_CUTOFF_S seconds in a row, cut the connection off), unsent
 * output (COT_OUT_MAX_BYTES: a slow reader is cut off), the event size (the
 * framer's PH_ETOOBIG cuts off; so does bytes that cannot start an event),
 * parse errors (COT_PARSE_ERRORS_MAX per connection), UDP per source address
 * and for all sources together.
 *
 * Backpressure and fairness: at most COT_JOBS_MAX batches wait for the writer
 * (each one transaction's worth: more would make every commit, and so every
 * relay, slower); while the next batch is full, connections are not read, so TCP
 * makes the clients wait and nothing is dropped. A connection hands over at most
 * COT_TURN_EVENTS events per turn, then waits behind the others (defer), so that
 * a client sending as fast as it can does not delay the PLI of one sending once a
 * second. UDP cannot wait: its reports are dropped and counted instead. */
#include "util/base.h"
#include <arpa/inet.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <unistd.h>
#include <h2o.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include "net/cot_server.h"
#include "net/cot_chat.h"
#include "core/access.h"
#include "core/ctx.h"
#include "core/draft.h"
#include "core/incident.h"
#include "core/message.h"
#include "core/operation.h"
#include "core/person.h"
#include "core/position.h"
#include "core/session.h"
#include "core/unit.h"
#include "core/writer.h"
#include "events/bus.h"
#include "events/livepos.h"
#include "proto/cot.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/time.h"

#define COT_BATCH_MAX 500              /* reports per writer job ... */
#define COT_BATCH_DELAY_MS 20          /* ... or this long after the first one */
#define COT_JOBS_MAX 4                 /* position batches queued to the writer at once */
#define COT_OUT_MAX_BYTES (4u << 20)   /* unsent bytes of one connection (a long route is ~1 MiB) */
#define COT_RENDER_MAX_BYTES (2u << 20) /* one event we send */
#define COT_IOV_MAX 64                 /* buffers per socket write */
#define COT_PARSE_ERRORS_MAX 10        /* per connection, then cut off */
#define COT_RATE_CUTOFF_S 5            /* seconds in a row over the rate: cut off */
#define COT_FLOOD_FACTOR 10            /* this many times the rate in one second: cut off */
#define COT_IDENT_RETRY_MS 30000       /* an unbound device's connection asks again */
#define COT_OWN_UIDS 8                 /* device uids a connection reported (not relayed back) */
#define COT_UDP_READS 64               /* datagrams per wake-up, so TCP gets its turn */
#define COT_UDP_PEERS 1024             /* source addresses tracked (direct-mapped) */
#define COT_UDP_ALL_FACTOR 50          /* all UDP sources together: this many times the rate */
#define COT_UID_CACHE 256              /* UDP: uid -> person, direct-mapped */
#define COT_UID_TTL_MS 30000
#define COT_WELCOME_MAX 200            /* active operations, open incidents sent on identification */
#define COT_WELCOME_WINDOW_MS (24LL * 3600 * 1000)
#define COT_GONE_STALE_MS 1000         /* what ended (completed, closed) goes stale at once */
#define COT_TLS_READ_BYTES 16384
#define COT_TURN_EVENTS 64             /* events of one connection per turn (fairness) */

/* ---- counters ------------------------------------------------------------------ */

enum counter {
    C_CONN_TCP,
    C_CONN_TLS,
    C_DATAGRAMS,
    C_EV_PLI,
    C_EV_MARKER,
    C_EV_CHAT,
    C_EV_EMERGENCY,
    C_EV_PING,
    C_EV_OTHER,
    C_PARSE_ERRORS,
    C_POS_STORED,
    C_POS_UNKNOWN,
    C_POS_FORBIDDEN,
    C_POS_INVALID,
    C_POS_FAILED,
    C_MSG_STORED,
    C_MSG_REFUSED,
    C_DRAFT_STORED,
    C_DRAFT_REFUSED,
    C_DROP_RATE,
    C_DROP_UDP_RATE,
    C_DROP_UDP_TOO_BIG,
    C_DROP_BACKPRESSURE,
    C_CUT_IDLE,
    C_CUT_RATE,
    C_CUT_FLOOD,
    C_CUT_SLOW,
    C_CUT_TOO_BIG,
    C_CUT_GARBAGE,
    C_CUT_PARSE,
    C_CUT_REVOKED,
    C_REFUSED_MAX,
    C_REFUSED_TLS,
    C_REFUSED_IDENTITY,
    C_SENT,
    C_FIXES_IN,
    C_N
};

/* Counters of one metric are adjacent: HELP and TYPE are printed once per name. */
static const struct {
    const char *name, *labels, *help;
} counter_info[C_N] = {
    [C_CONN_TCP] = {"phoihop_cot_connections_total", "transport=\"tcp\"", "CoT connections accepted."},
    [C_CONN_TLS] = {"phoihop_cot_connections_total", "transport=\"tls\"", NULL},
    [C_DATAGRAMS] = {"phoihop_cot_udp_datagrams_total", NULL, "CoT UDP datagrams received."},
    [C_EV_PLI] = {"phoihop_cot_events_total", "class=\"pli\"", "CoT events parsed, by class."},
    [C_EV_MARKER] = {"phoihop_cot_events_total", "class=\"marker\"", NULL},
    [C_EV_CHAT] = {"phoihop_cot_events_total", "class=\"chat\"", NULL},
    [C_EV_EMERGENCY] = {"phoihop_cot_events_total", "class=\"emergency\"", NULL},
    [C_EV_PING] = {"phoihop_cot_events_total", "class=\"ping\"", NULL},
    [C_EV_OTHER] = {"phoihop_cot_events_total", "class=\"other\"", NULL},
    [C_PARSE_ERRORS] = {"phoihop_cot_parse_errors_total", NULL,
                        "CoT events refused as malformed or hostile (entities, DOCTYPE, depth, size)."},
    [C_POS_STORED] = {"phoihop_cot_positions_total", "result=\"stored\"",
                      "Position reports from CoT, by what became of them."},
    [C_POS_UNKNOWN] = {"phoihop_cot_positions_total", "result=\"unknown_device\"", NULL},
    [C_POS_FORBIDDEN] = {"phoihop_cot_positions_total", "result=\"forbidden\"", NULL},
    [C_POS_INVALID] = {"phoihop_cot_positions_total", "result=\"invalid\"", NULL},
    [C_POS_FAILED] = {"phoihop_cot_positions_total", "result=\"failed\"", NULL},
    [C_MSG_STORED] = {"phoihop_cot_writes_total", "kind=\"chat\",result=\"stored\"",
                      "Chat messages and incident drafts from CoT, by result."},
    [C_MSG_REFUSED] = {"phoihop_cot_writes_total", "kind=\"chat\",result=\"refused\"", NULL},
    [C_DRAFT_STORED] = {"phoihop_cot_writes_total", "kind=\"draft\",result=\"stored\"", NULL},
    [C_DRAFT_REFUSED] = {"phoihop_cot_writes_total", "kind=\"draft\",result=\"refused\"", NULL},
    [C_DROP_RATE] = {"phoihop_cot_dropped_total", "reason=\"rate\"", "CoT events dropped unread, by reason."},
    [C_DROP_UDP_RATE] = {"phoihop_cot_dropped_total", "reason=\"udp_rate\"", NULL},
    [C_DROP_UDP_TOO_BIG] = {"phoihop_cot_dropped_total", "reason=\"udp_too_big\"", NULL},
    [C_DROP_BACKPRESSURE] = {"phoihop_cot_dropped_total", "reason=\"writer_busy\"", NULL},
    [C_CUT_IDLE] = {"phoihop_cot_cutoffs_total", "reason=\"idle\"", "CoT connections cut off, by reason."},
    [C_CUT_RATE] = {"phoihop_cot_cutoffs_total", "reason=\"rate\"", NULL},
    [C_CUT_FLOOD] = {"phoihop_cot_cutoffs_total", "reason=\"flood\"", NULL},
    [C_CUT_SLOW] = {"phoihop_cot_cutoffs_total", "reason=\"slow_reader\"", NULL},
    [C_CUT_TOO_BIG] = {"phoihop_cot_cutoffs_total", "reason=\"too_big\"", NULL},
    [C_CUT_GARBAGE] = {"phoihop_cot_cutoffs_total", "reason=\"garbage\"", NULL},
    [C_CUT_PARSE] = {"phoihop_cot_cutoffs_total", "reason=\"parse_errors\"", NULL},
    [C_CUT_REVOKED] = {"phoihop_cot_cutoffs_total", "reason=\"revoked\"", NULL},
    [C_REFUSED_MAX] = {"phoihop_cot_refused_total", "reason=\"max_clients\"",
                       "CoT connections refused, by reason."},
    [C_REFUSED_TLS] = {"phoihop_cot_refused_total", "reason=\"tls_handshake\"", NULL},
    [C_REFUSED_IDENTITY] = {"phoihop_cot_refused_total", "reason=\"tls_identity\"", NULL},
    [C_SENT] = {"phoihop_cot_sent_events_total", NULL, "CoT events queued to clients."},
    [C_FIXES_IN] = {"phoihop_cot_relay_fixes_total", NULL, "Committed positions the listener got to relay."},
};

/* ---- types --------------------------------------------------------------------- */

/* Bytes shared by every connection they are queued on (this thread only). */
struct blob {
    int refs;
    size_t len;
    char data[];
};

struct cot_server;

struct cot_conn {
    h2o_linklist_t link; /* s->conns, then s->dead */
    struct cot_server *s;
    h2o_socket_t *sock;
    bool is_tls, handshake_done, is_closed, close_after_flush, identified, is_writing;
    SSL *ssl;
    BIO *rbio, *wbio; /* owned by ssl */
    struct buf in;    /* TLS: plaintext awaiting its event end */
    struct cot_framer framer;
    /* Who: the person (identified), in user_arena. */
    struct core_user user;
    struct arena user_arena;
    uint64_t generation;          /* session_generation() when user was loaded */
    int64_t ident_tried_at;       /* plain TCP: last device lookup */
    int64_t device_id;            /* the device of its latest identified PLI */
    char *own_uids[COT_OWN_UIDS]; /* what it reported: not relayed back to it */
    size_t n_own;
    /* Limits. */
    double tokens;
    uint64_t tokens_at_ms;
    unsigned dropped_this_s;
    int over_s;
    int parse_errors;
    h2o_timeout_entry_t idle_entry;
    h2o_linklist_t backlog_link; /* in s->backlog: events buffered, waiting for a turn */
    /* Output: a FIFO of blobs, and those of the write in flight. */
    struct blob **q;
    size_t q_head, q_len, q_cap;
    size_t out_bytes;
    struct blob *inflight[COT_IOV_MAX];
    h2o_iovec_t iov[COT_IOV_MAX];
    size_t n_inflight;
    char peer[64];
};

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
struct pli_job {
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

/* Fixes copied off the publisher's thread. */
struct fix_msg {
    h2o_multithread_message_t msg;
    size_t n;
    struct livepos_fix fixes[];
};

struct bus_msg {
    h2o_multithread_message_t msg;
    size_t n;
    struct bus_event *evs[];
};

/* The subscriptions' target: the hub and the bus cannot unsubscribe, so they
 * call this, which outlives the server (s is NULL once it stopped). */
struct cot_tap {
    pthread_mutex_t mu;
    struct cot_server *s;
    struct cot_tap *next; /* retired taps, kept reachable */
};

struct udp_peer {
    struct sockaddr_storage addr;
    socklen_t len;
    double tokens;
    uint64_t at_ms;
};

struct uid_ident {
    char *uid;
    int64_t at;
    bool has_user;
    struct core_user user;
    struct arena arena;
};

struct cot_server {
    /* Settings. */
    int max_clients, idle_timeout_s, rate_per_s;
    int64_t stale_ms;
    struct writer *writer;
    struct bus *bus;
    struct livepos *hub;
    struct cot_tap *tap;
    /* The thread. */
    pthread_t thread;
    bool started;
    atomic_bool stopping;
    pthread_barrier_t ready;
    h2o_evloop_t *loop;
    h2o_multithread_queue_t *queue;
    h2o_multithread_receiver_t stop_rx, done_rx, fix_rx, bus_rx;
    int tcp_fd, tls_fd, udp_fd;
    h2o_socket_t *tcp_l, *tls_l, *udp_sock;
    SSL_CTX *ssl_ctx;
    struct store *st; /* this thread's read connection */
    h2o_linklist_t conns, dead;
    int n_conns;
    atomic_int n_identified; /* read by the taps: nobody to relay to, nothing posted */
    h2o_timeout_t idle_to, batch_to, tick_to, reap_to;
    h2o_timeout_entry_t batch_entry, tick_entry, reap_entry;
    struct pli_job *batch;
    int jobs_in_flight;
    h2o_linklist_t backlog; /* connections waiting for their turn (defer) */
    h2o_timeout_t backlog_to;
    h2o_timeout_entry_t backlog_entry;
    uint64_t generation;
    char *udp_buf;
    struct udp_peer *peers;
    double udp_tokens;
    uint64_t udp_at_ms;
    struct uid_ident *uids;
    atomic_uint_fast64_t counters[C_N];
    atomic_int clients[2]; /* tcp, tls */
};

/* Reports of connections with no person: position_ingest refuses unknown devices. */
static const struct core_user anonymous_user = {.username = "cot"};

static pthread_mutex_t retired_mu = PTHREAD_MUTEX_INITIALIZER;
static struct cot_tap *retired_taps;

static void count(struct cot_server *s, enum counter c, uint64_t n)
{
    atomic_fetch_add_explicit(&s->counters[c], n, memory_order_relaxed);
}

static uint64_t now_ms(struct cot_server *s)
{
    return h2o_now(s->loop);
}

/* ---- blobs --------------------------------------------------------------------- */

static struct blob *blob_new(const char *data, size_t len)
{
    struct blob *b = xmalloc(sizeof(*b) + len);
    b->refs = 1;
    b->len = len;
    memcpy(b->data, data, len);
    return b;
}

static void blob_unref(struct blob *b)
{
    if (b != NULL && --b->refs == 0)
        free(b);
}

/* ---- output -------------------------------------------------------------------- */

static void conn_close(struct cot_conn *c, int reason);
static void on_write_done(h2o_socket_t *sock, const char *err);

static void queue_blob(struct cot_conn *c, struct blob *b)
{
    if (c->q_head + c->q_len == c->q_cap) {
        if (c->q_head > 0) {
            memmove(c->q, c->q + c->q_head, c->q_len * sizeof(*c->q));
            c->q_head = 0;
        } else {
            c->q_cap = c->q_cap != 0 ? c->q_cap * 2 : 16;
            c->q = xrealloc(c->q, c->q_cap * sizeof(*c->q));
        }
    }
    c->q[c->q_head + c->q_len++] = b;
    c->out_bytes += b->len;
}

/* TLS: move what OpenSSL wrote (records, alerts) to the output queue. */
static void tls_drain(struct cot_conn *c)
{
    size_t pending;
    while (c->wbio != NULL && (pending = BIO_ctrl_pending(c->wbio)) > 0) {
        struct blob *b = xmalloc(sizeof(*b) + pending);
        int n = BIO_read(c->wbio, b->data, (int)pending);
        if (n <= 0) {
            free(b);
            break;
        }
        b->refs = 1;
        b->len = (size_t)n;
        queue_blob(c, b);
    }
}

/* Start a write of what is queued, unless one is in flight. */
static void conn_flush(struct cot_conn *c)
{
    size_t n = 0;

    if (c->is_closed || c->is_writing)
        return;
    if (c->q_len == 0) {
        if (c->close_after_flush)
            conn_close(c, -1);
        return;
    }
    while (n < COT_IOV_MAX && c->q_len > 0) {
        struct blob *b = c->q[c->q_head++];
        c->q_len--;
        c->inflight[n] = b;
        c->iov[n] = h2o_iovec_init(b->data, b->len);
        n++;
    }
    if (c->q_len == 0)
        c->q_head = 0;
    c->n_inflight = n;
    c->is_writing = true;
    h2o_socket_write(c->sock, c->iov, n, on_write_done);
}

static void release_inflight(struct cot_conn *c)
{
    for (size_t i = 0; i < c->n_inflight; i++) {
        c->out_bytes -= c->inflight[i]->len;
        blob_unref(c->inflight[i]);
    }
    c->n_inflight = 0;
}

static void on_write_done(h2o_socket_t *sock, const char *err)
{
    struct cot_conn *c = sock->data;

    c->is_writing = false;
    release_inflight(c);
    if (err != NULL) {
        conn_close(c, -1);
        return;
    }
    conn_flush(c);
}

/* Queue b (shared) to c; the caller flushes. A client that does not read is cut
 * off rather than let its queue grow. */
static void conn_send(struct cot_conn *c, struct blob *b)
{
    if (c->is_closed)
        return;
    if (c->ssl != NULL) {
        /* Memory BIOs: SSL_write takes it all at once. */
        if (SSL_write(c->ssl, b->data, (int)b->len) <= 0) {
            conn_close(c, -1);
            return;
        }
        tls_drain(c);
    } else {
        b->refs++;
        queue_blob(c, b);
    }
    count(c->s, C_SENT, 1);
    if (c->out_bytes > COT_OUT_MAX_BYTES)
        conn_close(c, C_CUT_SLOW);
}

static void send_buf(struct cot_conn *c, const struct buf *b)
{
    struct blob *bl;
    if (b->len == 0)
        return;
    bl = blob_new(b->data, b->len);
    conn_send(c, bl);
    blob_unref(bl);
}

static void flush_all(struct cot_server *s)
{
    h2o_linklist_t *node, *next;
    for (node = s->conns.next; node != &s->conns; node = next) {
        struct cot_conn *c = H2O_STRUCT_FROM_MEMBER(struct cot_conn, link, node);
        next = node->next;
        if (c->q_len > 0)
            conn_flush(c);
    }
}

/* ---- closing --------------------------------------------------------------------- */

static void release_user(struct cot_conn *c)
{
    if (c->identified) {
        atomic_fetch_sub(&c->s->n_identified, 1);
        c->identified = false;
    }
    arena_release(&c->user_arena);
    arena_init(&c->user_arena);
    memset(&c->user, 0, sizeof(c->user));
}

/* Close now (reason: a counter, or -1 when the client went away or it is ours to
 * end). The memory goes on the next turn of the loop: callers up the stack may
 * still look at c->is_closed. */
static void conn_close(struct cot_conn *c, int reason)
{
    struct cot_server *s = c->s;

    if (c->is_closed)
        return;
    c->is_closed = true;
    if (reason >= 0) {
        count(s, (enum counter)reason, 1);
        log_info("cot: %s %s cut off: %s", c->is_tls ? "tls" : "tcp", c->peer,
                 counter_info[reason].labels);
    }
    if (h2o_timeout_is_linked(&c->idle_entry))
        h2o_timeout_unlink(&c->idle_entry);
    if (h2o_linklist_is_linked(&c->backlog_link))
        h2o_linklist_unlink(&c->backlog_link);
    h2o_linklist_unlink(&c->link);
    h2o_linklist_insert(&s->dead, &c->link);
    s->n_conns--;
    atomic_fetch_sub(&s->clients[c->is_tls ? 1 : 0], 1);
    release_user(c);
    /* After h2o_socket_close h2o reads none of our buffers again. */
    h2o_socket_close(c->sock);
    c->sock = NULL;
    release_inflight(c);
    while (c->q_len > 0) {
        blob_unref(c->q[c->q_head++]);
        c->q_len--;
    }
    if (!h2o_timeout_is_linked(&s->reap_entry))
        h2o_timeout_link(s->loop, &s->reap_to, &s->reap_entry);
}

static void conn_free(struct cot_conn *c)
{
    for (size_t i = 0; i < c->n_own; i++)
        free(c->own_uids[i]);
    free(c->q);
    if (c->ssl != NULL)
        SSL_free(c->ssl); /* frees both BIOs */
    buf_release(&c->in);
    arena_release(&c->user_arena);
    free(c);
}

static void on_reap(h2o_timeout_entry_t *entry)
{
    struct cot_server *s = H2O_STRUCT_FROM_MEMBER(struct cot_server, reap_entry, entry);
    while (!h2o_linklist_is_empty(&s->dead)) {
        struct cot_conn *c = H2O_STRUCT_FROM_MEMBER(struct cot_conn, link, s->dead.next);
        h2o_linklist_unlink(&c->link);
        conn_free(c);
    }
}

static void on_idle(h2o_timeout_entry_t *entry)
{
    struct cot_conn *c = H2O_STRUCT_FROM_MEMBER(struct cot_conn, idle_entry, entry);
    conn_close(c, C_CUT_IDLE);
}

static void touch(struct cot_conn *c)
{
    if (h2o_timeout_is_linked(&c->idle_entry))
        h2o_timeout_unlink(&c->idle_entry);
    h2o_timeout_link(c->s->loop, &c->s->idle_to, &c->idle_entry);
}

/* ---- identity ------------------------------------------------------------------ */

static struct core_ctx system_cx(struct cot_server *s, struct arena *a)
{
    return (struct core_ctx){.st = s->st, .arena = a, .user = &core_system_user, .client = "cot",
                             .now_ms = time_now_ms()};
}

/* The core_user of a person (by id, or by username when username is not NULL),
 * strings in a. False when there is none or the account is disabled. */
static bool load_person_user(struct cot_server *s, struct arena *a, int64_t person_id,
                             const char *username, struct core_user *out)
{
    struct core_ctx cx = system_cx(s, a);
    struct person p;
    struct unit u;
    ph_err rc = username != NULL ? person_get_by_username(&cx, username, &p)
                                 : person_get(&cx, person_id, &p);

    if (rc != PH_OK || p.is_disabled)
        return false;
    memset(&u, 0, sizeof(u));
    if (p.unit_id != 0 && unit_get(&cx, p.unit_id, &u) != PH_OK)
        return false;
    memset(out, 0, sizeof(*out));
    out->person_id = p.id;
    out->username = p.username;
    out->full_name = p.full_name;
    out->roles = p.roles;
    out->clearance = p.clearance;
    out->unit_id = p.unit_id;
    out->unit_path = u.path;
    out->unit_level = u.level;
    out->force = u.force;
    return true;
}

/* The person device uid is bound to: true with *out (strings in a). */
static bool device_person(struct cot_server *s, struct arena *a, const char *uid, int64_t *device_id,
                          struct core_user *out)
{
    struct core_ctx cx = system_cx(s, a);
    struct device d;

    if (device_by_uid(&cx, uid, &d) != PH_OK)
        return false;
    *device_id = d.id;
    if (d.person_id == 0 || !d.is_active)
        return false;
    return load_person_user(s, a, d.person_id, NULL, out);
}

static void send_welcome(struct cot_conn *c);

static void set_identity(struct cot_conn *c, const struct core_user *u)
{
    struct core_user tmp = *u;
    bool was = c->identified;

    /* u may live in c->user_arena: copy out through a fresh arena. */
    struct arena fresh;
    arena_init(&fresh);
    core_user_copy(&fresh, &c->user, &tmp);
    arena_release(&c->user_arena);
    c->user_arena = fresh;
    c->generation = session_generation();
    if (!was) {
        c->identified = true;
        atomic_fetch_add(&c->s->n_identified, 1);
        log_info("cot: %s %s is %s", c->is_tls ? "tls" : "tcp", c->peer, c->user.username);
        send_welcome(c);
    }
}

/* Plain TCP: who is the device behind uid? */
static void identify_by_device(struct cot_conn *c, const char *uid)
{
    struct arena a;
    struct core_user u;
    int64_t device_id = 0;

    c->ident_tried_at = time_now_ms();
    arena_init(&a);
    if (device_person(c->s, &a, uid, &device_id, &u))
        set_identity(c, &u);
    if (device_id != 0)
        c->device_id = device_id;
    arena_release(&a);
}

/* TLS: the verified client certificate's subject CN is a username. */
static bool identify_by_certificate(struct cot_conn *c)
{
    X509 *cert = SSL_get1_peer_certificate(c->ssl);
    char cn[256];
    struct arena a;
    struct core_user u;
    bool ok = false;

    if (cert == NULL || SSL_get_verify_result(c->ssl) != X509_V_OK)
        goto out;
    cn[0] = '\0';
    if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof(cn)) <= 0)
        goto out;
    arena_init(&a);
    ok = person_username_valid(cn) && load_person_user(c->s, &a, 0, cn, &u);
    if (ok)
        set_identity(c, &u);
    arena_release(&a);
    if (!ok)
        log_warn("cot: tls %s: certificate CN '%s' is no active account", c->peer, cn);
out:
    X509_free(cert);
    return ok;
}

/* The identities of connections whose person changed (roles, unit, clearance,
 * disabled): reloaded when session_generation() moved. */
static void recheck_identities(struct cot_server *s)
{
    uint64_t gen = session_generation();
    h2o_linklist_t *node, *next;

    if (gen == s->generation)
        return;
    s->generation = gen;
    for (node = s->conns.next; node != &s->conns; node = next) {
        struct cot_conn *c = H2O_STRUCT_FROM_MEMBER(struct cot_conn, link, node);
        struct arena a;
        struct core_user u;
        next = node->next;
        if (!c->identified || c->generation == gen)
            continue;
        arena_init(&a);
        if (load_person_user(s, &a, c->user.person_id, NULL, &u))
            set_identity(c, &u);
        else
            conn_close(c, C_CUT_REVOKED);
        arena_release(&a);
    }
}

/* ---- what we send about incidents, operations, messages ------------------------- */

static bool is_gone_status(const char *status)
{
    static const char *const gone[] = {"closed", "merged", "resolved", OPERATION_COMPLETED,
                                       OPERATION_CANCELLED};
    for (size_t i = 0; status != NULL && i < PH_NELEM(gone); i++)
        if (strcmp(status, gone[i]) == 0)
            return true;
    return false;
}

static ph_err render_incident(struct cot_server *s, const struct incident *inc, int64_t now, struct buf *b)
{
    if (!inc->has_location)
        return PH_EINVAL;
    return cot_write_incident(b, inc, now, is_gone_status(inc->status) ? COT_GONE_STALE_MS : s->stale_ms);
}

static ph_err render_operation(struct cot_server *s, const struct operation *o, int64_t now, struct buf *b)
{
    if (o->status == NULL || strcmp(o->status, OPERATION_PLANNED) == 0)
        return PH_EINVAL; /* only active operations are on the map */
    return cot_write_operation(b, o, now, is_gone_status(o->status) ? COT_GONE_STALE_MS : s->stale_ms);
}

static void send_welcome(struct cot_conn *c)
{
    struct cot_server *s = c->s;
    struct arena a;
    struct core_ctx cx;
    struct buf b;
    struct operation *ops = NULL;
    struct incident *incs = NULL;
    size_t n = 0;
    bool more = false;
    int64_t now = time_now_ms();

    arena_init(&a);
    buf_init(&b, COT_RENDER_MAX_BYTES);
    cx = (struct core_ctx){.st = s->st, .arena = &a, .user = &c->user, .client = "cot", .now_ms = now};
    struct operation_filter of = {.status = OPERATION_ACTIVE, .limit = COT_WELCOME_MAX};
    if (operation_list(&cx, &of, &ops, &n, &more) == PH_OK) {
        for (size_t i = 0; i < n && !c->is_closed; i++) {
            struct operation o;
            buf_reset(&b);
            if (operation_get(&cx, ops[i].id, &o) == PH_OK && render_operation(s, &o, now, &b) == PH_OK)
                send_buf(c, &b);
        }
    }
    struct incident_filter f = {.from = now - COT_WELCOME_WINDOW_MS, .limit = COT_WELCOME_MAX};
    n = 0;
    if (incident_list(&cx, &f, &incs, &n, &more) == PH_OK) {
        for (size_t i = 0; i < n && !c->is_closed; i++) {
            buf_reset(&b);
            if (!is_gone_status(incs[i].status) && render_incident(s, &incs[i], now, &b) == PH_OK)
                send_buf(c, &b);
        }
    }
    buf_release(&b);
    arena_release(&a);
}

/* ---- incoming events ------------------------------------------------------------ */

static void on_job_done(struct write_job *job);

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

/* Positions, one call of position_ingest per identity of the batch. */
static ph_err run_pli(struct core_ctx *cx, void *arg)
{
    struct pli_job *j = arg;
    size_t *start = arena_zalloc(cx->arena, (j->n_users + 1) * sizeof(*start));
    struct position_report *sorted = arena_alloc(cx->arena, j->n * sizeof(*sorted));
    struct livepos_fix *all = arena_alloc(cx->arena, (j->n + 1) * sizeof(*all));
    size_t n_all = 0;

    /* Counting sort by identity: each identity's reports in one slice. */
    for (size_t i = 0; i < j->n; i++)
        start[j->user_of[i] + 1]++;
    for (size_t u = 0; u < j->n_users; u++)
        start[u + 1] += start[u];
    {
        size_t *fill = arena_alloc(cx->arena, (j->n_users + 1) * sizeof(*fill));
        memcpy(fill, start, (j->n_users + 1) * sizeof(*fill));
        for (size_t i = 0; i < j->n; i++)
            sorted[fill[j->user_of[i]]++] = j->reports[i];
    }
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

/* On the writer thread, after the commit: back to the loop. */
static void on_job_done(struct write_job *job)
{
    struct job_head *h = H2O_STRUCT_FROM_MEMBER(struct job_head, job, job);
    h2o_multithread_send_message(&h->s->done_rx, &h->msg);
}

static void batch_flush(struct cot_server *s, bool force);
static void run_backlog(struct cot_server *s);

static void on_pli_done(struct cot_server *s, struct pli_job *j)
{
    if (j->h.job.rc != PH_OK) {
        count(s, C_POS_FAILED, j->n);
    } else {
        for (size_t i = 0; i < j->n; i++) {
            switch (j->results[i].rc) {
            case PH_OK: count(s, C_POS_STORED, 1); break;
            case PH_ENOTFOUND: count(s, C_POS_UNKNOWN, 1); break;
            case PH_EPERM: count(s, C_POS_FORBIDDEN, 1); break;
            case PH_EINVAL: count(s, C_POS_INVALID, 1); break;
            default: count(s, C_POS_FAILED, 1); break;
            }
        }
        if (s->hub != NULL && j->n_fixes > 0)
            livepos_publish(s->hub, j->fixes, j->n_fixes);
    }
}

static void on_done(h2o_multithread_receiver_t *rx, h2o_linklist_t *messages)
{
    struct cot_server *s = H2O_STRUCT_FROM_MEMBER(struct cot_server, done_rx, rx);

    while (!h2o_linklist_is_empty(messages)) {
        h2o_multithread_message_t *msg = H2O_STRUCT_FROM_MEMBER(h2o_multithread_message_t, link, messages->next);
        struct job_head *h = H2O_STRUCT_FROM_MEMBER(struct job_head, msg, msg);
        h2o_linklist_unlink(&msg->link);
        switch (h->kind) {
        case JOB_PLI:
            on_pli_done(s, (struct pli_job *)h);
            s->jobs_in_flight--;
            break;
        case JOB_CHAT:
            count(s, h->job.rc == PH_OK ? C_MSG_STORED : C_MSG_REFUSED, 1);
            s->jobs_in_flight--;
            break;
        case JOB_DRAFT:
            count(s, h->job.rc == PH_OK ? C_DRAFT_STORED : C_DRAFT_REFUSED, 1);
            s->jobs_in_flight--;
            break;
        }
        if (h->job.rc != PH_OK && h->kind != JOB_PLI)
            log_info("cot: %s refused: %s (field %s)", h->kind == JOB_CHAT ? "chat" : "draft",
                     err_str(h->job.rc), ((struct aux_job *)h)->field ? ((struct aux_job *)h)->field : "-");
        job_free(h);
    }
    if (s->batch != NULL && s->batch->is_due)
        batch_flush(s, false);
    run_backlog(s); /* the writer took a batch: connections waiting get their turn */
    flush_all(s);   /* relayed fixes published just now are posted, not sent yet */
}

/* Hand the waiting batch to the writer (unless COT_JOBS_MAX are in flight and
 * not force: on_done tries again). */
static void batch_flush(struct cot_server *s, bool force)
{
    struct pli_job *j = s->batch;

    if (j == NULL)
        return;
    j->is_due = true;
    if (h2o_timeout_is_linked(&s->batch_entry))
        h2o_timeout_unlink(&s->batch_entry);
    if (!force && s->jobs_in_flight >= COT_JOBS_MAX)
        return;
    s->batch = NULL;
    if (writer_submit(s->writer, &j->h.job) != PH_OK) {
        count(s, C_DROP_BACKPRESSURE, j->n);
        job_free(&j->h);
        return;
    }
    s->jobs_in_flight++;
}

static void on_batch_timer(h2o_timeout_entry_t *entry)
{
    struct cot_server *s = H2O_STRUCT_FROM_MEMBER(struct cot_server, batch_entry, entry);
    batch_flush(s, false);
}

static const char *job_strdup(struct pli_job *j, const char *p)
{
    return arena_strdup(&j->h.job.arena, p);
}

/* Queue one position report under user (copied). */
static void batch_add(struct cot_server *s, const struct core_user *user, const struct cot_event *ev)
{
    struct pli_job *j = s->batch;
    size_t u;

    if (j == NULL) {
        j = s->batch = xmalloc(sizeof(*j));
        memset(j, 0, sizeof(*j));
        job_init(s, &j->h, JOB_PLI, run_pli, &anonymous_user);
    }
    if (j->n == COT_BATCH_MAX) { /* full and the writer has enough: shed load */
        count(s, C_DROP_BACKPRESSURE, 1);
        return;
    }
    for (u = 0; u < j->n_users; u++)
        if (j->users[u].person_id == user->person_id)
            break;
    if (u == j->n_users)
        core_user_copy(&j->h.job.arena, &j->users[j->n_users++], user);
    struct position_report *r = &j->reports[j->n];
    r->uid = job_strdup(j, ev->uid);
    r->callsign = job_strdup(j, ev->callsign);
    r->at = ev->time;
    r->lat = ev->lat;
    r->lon = ev->lon;
    r->speed = ev->speed;
    r->course = ev->course;
    r->alt = ev->hae;
    r->battery = ev->battery;
    r->source = POSITION_SOURCE_COT;
    j->user_of[j->n++] = (int)u;
    if (j->n == COT_BATCH_MAX)
        batch_flush(s, false);
    else if (!h2o_timeout_is_linked(&s->batch_entry))
        h2o_timeout_link(s->loop, &s->batch_to, &s->batch_entry);
}

static void submit_aux(struct cot_server *s, struct aux_job *j)
{
    if (writer_submit(s->writer, &j->h.job) != PH_OK) {
        count(s, j->h.kind == JOB_CHAT ? C_MSG_REFUSED : C_DRAFT_REFUSED, 1);
        job_free(&j->h);
        return;
    }
    s->jobs_in_flight++;
}

static const struct core_user *conn_user(const struct cot_conn *c)
{
    return c->identified ? &c->user : &anonymous_user;
}

static void submit_chat(struct cot_conn *c, const struct cot_event *ev)
{
    struct aux_job *j = xcalloc(1, sizeof(*j));
    struct arena *a;

    job_init(c->s, &j->h, JOB_CHAT, run_chat, conn_user(c));
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

    job_init(c->s, &j->h, JOB_DRAFT, run_draft, conn_user(c));
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

static void remember_uid(struct cot_conn *c, const char *uid)
{
    for (size_t i = 0; i < c->n_own; i++)
        if (strcmp(c->own_uids[i], uid) == 0)
            return;
    if (c->n_own < COT_OWN_UIDS)
        c->own_uids[c->n_own++] = xstrdup(uid);
}

static bool is_own(const struct cot_conn *c, const char *uid)
{
    for (size_t i = 0; uid != NULL && i < c->n_own; i++)
        if (strcmp(c->own_uids[i], uid) == 0)
            return true;
    return false;
}

/* A token bucket of rate_per_s, holding a second's worth. */
static bool take_token(struct cot_conn *c)
{
    struct cot_server *s = c->s;
    uint64_t now = now_ms(s);
    double rate = s->rate_per_s;

    if (c->tokens_at_ms == 0) {
        c->tokens = rate;
    } else if (now > c->tokens_at_ms) {
        c->tokens += (double)(now - c->tokens_at_ms) * rate / 1000.0;
        if (c->tokens > rate)
            c->tokens = rate;
    }
    c->tokens_at_ms = now;
    if (c->tokens >= 1.0) {
        c->tokens -= 1.0;
        return true;
    }
    count(s, C_DROP_RATE, 1);
    if (++c->dropped_this_s > (unsigned)s->rate_per_s * COT_FLOOD_FACTOR)
        conn_close(c, C_CUT_FLOOD);
    return false;
}

static void count_class(struct cot_server *s, enum cot_class cls)
{
    static const enum counter by_class[] = {
        [COT_OTHER] = C_EV_OTHER, [COT_PLI] = C_EV_PLI,       [COT_MARKER] = C_EV_MARKER,
        [COT_CHAT] = C_EV_CHAT,   [COT_EMERGENCY] = C_EV_EMERGENCY, [COT_PING] = C_EV_PING,
    };
    count(s, (size_t)cls < PH_NELEM(by_class) ? by_class[cls] : C_EV_OTHER, 1);
}

static void on_pli(struct cot_conn *c, const struct cot_event *ev)
{
    remember_uid(c, ev->uid);
    if (!c->identified && !c->is_tls &&
        (c->ident_tried_at == 0 || time_now_ms() - c->ident_tried_at >= COT_IDENT_RETRY_MS))
        identify_by_device(c, ev->uid);
    if (!c->is_closed)
        batch_add(c->s, conn_user(c), ev);
}

static void send_pong(struct cot_conn *c)
{
    struct buf b;
    buf_init(&b, 4096);
    if (cot_write_pong(&b, time_now_ms()) == PH_OK)
        send_buf(c, &b);
    buf_release(&b);
}

/* One framed event of a connection. */
static void on_event(struct cot_conn *c, const char *xml, size_t len)
{
    struct cot_server *s = c->s;
    struct cot_event ev;
    const char *why = NULL;
    struct arena a;
    ph_err rc;

    if (!take_token(c))
        return;
    arena_init(&a);
    rc = cot_parse(xml, len, &a, &ev, &why);
    if (rc != PH_OK) {
        count(s, C_PARSE_ERRORS, 1);
        log_info("cot: %s %s: event refused: %s", c->is_tls ? "tls" : "tcp", c->peer,
                 why != NULL ? why : err_str(rc));
        if (++c->parse_errors >= COT_PARSE_ERRORS_MAX)
            conn_close(c, C_CUT_PARSE);
        goto out;
    }
    count_class(s, ev.cls);
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

/* The waiting batch is full and cannot go to the writer yet. */
static bool writer_is_full(const struct cot_server *s)
{
    return s->batch != NULL && s->batch->n == COT_BATCH_MAX;
}

/* c has events buffered it may not hand over now (its turn is used up, or the
 * writer has enough): stop reading it (TCP makes the client wait; nothing is
 * dropped) and queue it for its next turn, after every connection already
 * waiting. A burst from one client thus cannot starve the others. */
static void defer(struct cot_conn *c)
{
    struct cot_server *s = c->s;

    if (c->is_closed)
        return;
    h2o_socket_read_stop(c->sock);
    if (!h2o_linklist_is_linked(&c->backlog_link))
        h2o_linklist_insert(&s->backlog, &c->backlog_link);
    if (!writer_is_full(s) && !h2o_timeout_is_linked(&s->backlog_entry))
        h2o_timeout_link(s->loop, &s->backlog_to, &s->backlog_entry);
}

static void on_read_tcp(h2o_socket_t *sock, const char *err);
static void on_read_tls(h2o_socket_t *sock, const char *err);

/* One turn for each connection waiting (those deferred again go to the end). */
static void run_backlog(struct cot_server *s)
{
    size_t n = 0;
    h2o_linklist_t *node;

    for (node = s->backlog.next; node != &s->backlog; node = node->next)
        n++;
    while (n-- > 0 && !h2o_linklist_is_empty(&s->backlog) && !writer_is_full(s)) {
        struct cot_conn *c = H2O_STRUCT_FROM_MEMBER(struct cot_conn, backlog_link, s->backlog.next);
        h2o_linklist_unlink(&c->backlog_link);
        h2o_socket_read_start(c->sock, c->is_tls ? on_read_tls : on_read_tcp);
        if (c->is_tls)
            on_read_tls(c->sock, NULL);
        else
            on_read_tcp(c->sock, NULL);
    }
    flush_all(s);
}

static void on_backlog(h2o_timeout_entry_t *entry)
{
    struct cot_server *s = H2O_STRUCT_FROM_MEMBER(struct cot_server, backlog_entry, entry);
    run_backlog(s);
}

/* Frame and handle the events in data[0..len), at most COT_TURN_EVENTS of them;
 * the bytes consumed. *stopped: events may be left that c could not hand over
 * now (see defer). */
static size_t frame_events(struct cot_conn *c, const char *data, size_t len, bool *stopped)
{
    size_t used = 0;
    int turn = 0;

    *stopped = false;
    while (!c->is_closed && used < len) {
        size_t start = 0, end = 0;
        ph_err rc;
        if (writer_is_full(c->s) || turn == COT_TURN_EVENTS) {
            *stopped = true;
            break;
        }
        rc = cot_frame(&c->framer, data + used, len - used, &start, &end);
        if (rc == PH_ETOOBIG) {
            conn_close(c, C_CUT_TOO_BIG);
            break;
        }
        if (rc != PH_OK) {
            count(c->s, C_PARSE_ERRORS, 1);
            conn_close(c, C_CUT_GARBAGE);
            break;
        }
        if (end == 0)
            break;
        on_event(c, data + used + start, end - start);
        used += end;
        turn++;
        memset(&c->framer, 0, sizeof(c->framer));
    }
    return used;
}

static void on_read_tcp(h2o_socket_t *sock, const char *err)
{
    struct cot_conn *c = sock->data;
    bool stopped = false;
    size_t used;

    if (err != NULL) {
        conn_close(c, -1);
        return;
    }
    touch(c);
    used = frame_events(c, sock->input->bytes, sock->input->size, &stopped);
    if (c->is_closed)
        return;
    h2o_buffer_consume(&sock->input, used);
    if (stopped)
        defer(c);
    conn_flush(c);
}

static void tls_fail(struct cot_conn *c, int reason, const char *what)
{
    unsigned long e = ERR_peek_last_error();
    char msg[256];
    ERR_error_string_n(e, msg, sizeof(msg));
    log_info("cot: tls %s refused: %s%s%s", c->peer, what, e != 0 ? ": " : "", e != 0 ? msg : "");
    ERR_clear_error();
    count(c->s, (enum counter)reason, 1);
    /* Let the alert go out, then close. */
    tls_drain(c);
    h2o_socket_read_stop(c->sock);
    c->close_after_flush = true;
    conn_flush(c);
}

static void on_read_tls(h2o_socket_t *sock, const char *err)
{
    struct cot_conn *c = sock->data;
    char tmp[COT_TLS_READ_BYTES];

    if (err != NULL) {
        conn_close(c, -1);
        return;
    }
    touch(c);
    if (sock->input->size > 0) {
        if (BIO_write(c->rbio, sock->input->bytes, (int)sock->input->size) != (int)sock->input->size) {
            conn_close(c, -1);
            return;
        }
        h2o_buffer_consume(&sock->input, sock->input->size);
    }
    if (!c->handshake_done) {
        int r;
        ERR_clear_error();
        r = SSL_do_handshake(c->ssl);
        if (r != 1) {
            int e = SSL_get_error(c->ssl, r);
            if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
                tls_drain(c);
                conn_flush(c);
            } else {
                tls_fail(c, C_REFUSED_TLS, "handshake failed");
            }
            return;
        }
        c->handshake_done = true;
        tls_drain(c);
        if (!identify_by_certificate(c)) {
            tls_fail(c, C_REFUSED_IDENTITY, "no account for the certificate");
            return;
        }
    }
    /* Plaintext left from an earlier turn first, then what OpenSSL holds. */
    while (!c->is_closed) {
        bool stopped = false;
        size_t used = frame_events(c, c->in.data != NULL ? c->in.data : "", c->in.len, &stopped);
        int n;
        if (c->is_closed)
            return;
        if (used > 0) {
            memmove(c->in.data, c->in.data + used, c->in.len - used);
            c->in.len -= used;
            c->in.data[c->in.len] = '\0';
        }
        if (stopped) {
            defer(c);
            break;
        }
        ERR_clear_error();
        n = SSL_read(c->ssl, tmp, sizeof(tmp));
        if (n <= 0) {
            int e = SSL_get_error(c->ssl, n);
            if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
                break;
            conn_close(c, -1); /* close_notify or a broken record */
            return;
        }
        if (buf_append(&c->in, tmp, (size_t)n) != PH_OK) {
            conn_close(c, C_CUT_TOO_BIG);
            return;
        }
    }
    if (!c->is_closed) {
        tls_drain(c);
        conn_flush(c);
    }
}

static void on_accept(h2o_socket_t *listener, const char *err)
{
    struct cot_server *s = listener->data;
    bool is_tls = listener == s->tls_l;
    struct sockaddr_storage ss;
    socklen_t sl;
    h2o_socket_t *sock;
    struct cot_conn *c;

    if (err != NULL)
        return;
    sock = h2o_evloop_socket_accept(listener);
    if (sock == NULL)
        return;
    if (s->n_conns >= s->max_clients) {
        count(s, C_REFUSED_MAX, 1);
        h2o_socket_close(sock);
        return;
    }
    c = xcalloc(1, sizeof(*c));
    c->s = s;
    c->sock = sock;
    c->is_tls = is_tls;
    sock->data = c;
    arena_init(&c->user_arena);
    buf_init(&c->in, 2 * COT_EVENT_MAX_BYTES + COT_TLS_READ_BYTES);
    c->idle_entry.cb = on_idle;
    sl = h2o_socket_getpeername(sock, (struct sockaddr *)&ss);
    if (sl == 0 || h2o_socket_getnumerichost((struct sockaddr *)&ss, sl, c->peer) == SIZE_MAX)
        snprintf(c->peer, sizeof(c->peer), "unknown");
    else
        snprintf(c->peer + strlen(c->peer), sizeof(c->peer) - strlen(c->peer), ":%d",
                 (int)h2o_socket_getport((struct sockaddr *)&ss));
    h2o_linklist_insert(&s->conns, &c->link);
    s->n_conns++;
    atomic_fetch_add(&s->clients[is_tls ? 1 : 0], 1);
    count(s, is_tls ? C_CONN_TLS : C_CONN_TCP, 1);
    if (is_tls) {
        c->ssl = SSL_new(s->ssl_ctx);
        c->rbio = BIO_new(BIO_s_mem());
        c->wbio = BIO_new(BIO_s_mem());
        if (c->ssl == NULL || c->rbio == NULL || c->wbio == NULL) {
            BIO_free(c->rbio);
            BIO_free(c->wbio);
            c->rbio = c->wbio = NULL;
            conn_close(c, -1);
            return;
        }
        SSL_set_bio(c->ssl, c->rbio, c->wbio);
        SSL_set_accept_state(c->ssl);
    }
    touch(c);
    h2o_socket_read_start(sock, is_tls ? on_read_tls : on_read_tcp);
}

/* ---- UDP ----------------------------------------------------------------------- */

static uint64_t hash_bytes(const void *p, size_t n)
{
    const unsigned char *b = p;
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ULL;
    return h;
}

/* The address as hashed and compared: family, port and address only. */
static size_t addr_key(const struct sockaddr_storage *ss, unsigned char key[20])
{
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
        memcpy(key, &a->sin6_addr, 16);
        memcpy(key + 16, &a->sin6_port, 2);
        return 18;
    }
    const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
    memcpy(key, &a->sin_addr, 4);
    memcpy(key + 4, &a->sin_port, 2);
    return 6;
}

/* Per source address and for all sources: a token bucket each. A source that
 * collides with another in the table starts afresh: spoofed sources can evade the
 * per-source bucket, which is why there is a bucket for all. */
static bool udp_admit(struct cot_server *s, const struct sockaddr_storage *from, socklen_t len)
{
    unsigned char key[20], other[20];
    size_t kl = addr_key(from, key);
    struct udp_peer *p = &s->peers[hash_bytes(key, kl) % COT_UDP_PEERS];
    uint64_t now = now_ms(s);
    double rate = s->rate_per_s, all = rate * COT_UDP_ALL_FACTOR;

    if (p->len == 0 || addr_key(&p->addr, other) != kl || memcmp(key, other, kl) != 0) {
        memcpy(&p->addr, from, sizeof(*from));
        p->len = len;
        p->tokens = rate;
        p->at_ms = now;
    }
    p->tokens += (double)(now - p->at_ms) * rate / 1000.0;
    if (p->tokens > rate)
        p->tokens = rate;
    p->at_ms = now;
    s->udp_tokens += (double)(now - s->udp_at_ms) * all / 1000.0;
    if (s->udp_tokens > all)
        s->udp_tokens = all;
    s->udp_at_ms = now;
    if (p->tokens < 1.0 || s->udp_tokens < 1.0) {
        count(s, C_DROP_UDP_RATE, 1);
        return false;
    }
    p->tokens -= 1.0;
    s->udp_tokens -= 1.0;
    return true;
}

/* The person of device uid, cached for COT_UID_TTL_MS; the anonymous user when none. */
static const struct core_user *uid_user(struct cot_server *s, const char *uid)
{
    struct uid_ident *e = &s->uids[hash_bytes(uid, strlen(uid)) % COT_UID_CACHE];
    int64_t now = time_now_ms();
    int64_t device_id = 0;

    if (e->uid != NULL && strcmp(e->uid, uid) == 0 && now - e->at < COT_UID_TTL_MS)
        return e->has_user ? &e->user : &anonymous_user;
    free(e->uid);
    arena_release(&e->arena);
    arena_init(&e->arena);
    e->uid = xstrdup(uid);
    e->at = now;
    e->has_user = device_person(s, &e->arena, uid, &device_id, &e->user);
    return e->has_user ? &e->user : &anonymous_user;
}

static void udp_event(struct cot_server *s, const char *data, size_t len)
{
    struct cot_event ev;
    const char *why = NULL;
    struct arena a;

    arena_init(&a);
    if (cot_parse(data, len, &a, &ev, &why) != PH_OK) {
        count(s, C_PARSE_ERRORS, 1);
        goto out;
    }
    count_class(s, ev.cls);
    /* UDP carries positions (TAK's SA broadcast); chat and markers need a stream. */
    if (ev.cls == COT_PLI)
        batch_add(s, uid_user(s, ev.uid), &ev);
out:
    arena_release(&a);
}

static void on_udp(h2o_socket_t *sock, const char *err)
{
    struct cot_server *s = sock->data;

    if (err != NULL)
        return;
    for (int i = 0; i < COT_UDP_READS; i++) {
        struct sockaddr_storage from;
        socklen_t fl = sizeof(from);
        /* MSG_TRUNC: the datagram's real length, to refuse a longer one whole. */
        ssize_t n = recvfrom(s->udp_fd, s->udp_buf, COT_EVENT_MAX_BYTES + 1, MSG_TRUNC,
                             (struct sockaddr *)&from, &fl);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        count(s, C_DATAGRAMS, 1);
        if ((size_t)n > COT_EVENT_MAX_BYTES) {
            count(s, C_DROP_UDP_TOO_BIG, 1);
            continue;
        }
        if (!udp_admit(s, &from, fl))
            continue;
        udp_event(s, s->udp_buf, (size_t)n);
    }
}

/* ---- relay: positions from the hub, objects from the bus ------------------------- */

static size_t str_size(const char *p)
{
    return p != NULL ? strlen(p) + 1 : 0;
}

static const char *str_put(char **at, const char *p)
{
    char *d;
    size_t n;
    if (p == NULL)
        return NULL;
    n = strlen(p) + 1;
    d = *at;
    memcpy(d, p, n);
    *at += n;
    return d;
}

/* On the publisher's thread: one allocation holding the fixes and their strings. */
static void on_hub(void *ctx, const struct livepos_fix *fixes, size_t n)
{
    struct cot_tap *tap = ctx;
    size_t strs = 0;
    struct fix_msg *m;
    char *at;

    if (n == 0)
        return;
    pthread_mutex_lock(&tap->mu);
    if (tap->s == NULL || atomic_load(&tap->s->n_identified) == 0) {
        pthread_mutex_unlock(&tap->mu);
        return;
    }
    for (size_t i = 0; i < n; i++)
        strs += str_size(fixes[i].uid) + str_size(fixes[i].callsign) + str_size(fixes[i].unit_path) +
                str_size(fixes[i].force) + str_size(fixes[i].source);
    m = xmalloc(sizeof(*m) + n * sizeof(m->fixes[0]) + strs);
    memset(&m->msg, 0, sizeof(m->msg));
    m->n = n;
    at = (char *)&m->fixes[n];
    for (size_t i = 0; i < n; i++) {
        struct livepos_fix *f = &m->fixes[i];
        *f = fixes[i];
        f->uid = str_put(&at, fixes[i].uid);
        f->callsign = str_put(&at, fixes[i].callsign);
        f->unit_path = str_put(&at, fixes[i].unit_path);
        f->force = str_put(&at, fixes[i].force);
        f->source = str_put(&at, fixes[i].source);
    }
    h2o_multithread_send_message(&tap->s->fix_rx, &m->msg);
    pthread_mutex_unlock(&tap->mu);
}

static void relay_fixes(struct cot_server *s, const struct fix_msg *m)
{
    int64_t now = time_now_ms();
    struct buf b;

    buf_init(&b, COT_EVENT_MAX_BYTES);
    count(s, C_FIXES_IN, m->n);
    for (size_t i = 0; i < m->n; i++) {
        const struct livepos_fix *f = &m->fixes[i];
        struct blob *bl = NULL;
        h2o_linklist_t *node, *next;
        /* Connections of one person in a row (a team on one account) ask once. */
        int64_t memo_person = 0;
        bool memo_visible = false;
        for (node = s->conns.next; node != &s->conns; node = next) {
            struct cot_conn *c = H2O_STRUCT_FROM_MEMBER(struct cot_conn, link, node);
            bool visible;
            next = node->next;
            if (!c->identified || is_own(c, f->uid))
                continue;
            if (memo_person != 0 && c->user.person_id == memo_person && c->generation == s->generation) {
                visible = memo_visible;
            } else {
                visible = livepos_visible(&c->user, f);
                memo_person = c->generation == s->generation ? c->user.person_id : 0;
                memo_visible = visible;
            }
            if (!visible)
                continue;
            if (bl == NULL) { /* rendered once for every connection */
                buf_reset(&b);
                if (cot_write_position(&b, f, NULL, now, s->stale_ms) != PH_OK)
                    break;
                bl = blob_new(b.data, b.len);
            }
            conn_send(c, bl);
        }
        blob_unref(bl);
    }
    buf_release(&b);
}

static void on_fixes(h2o_multithread_receiver_t *rx, h2o_linklist_t *messages)
{
    struct cot_server *s = H2O_STRUCT_FROM_MEMBER(struct cot_server, fix_rx, rx);

    while (!h2o_linklist_is_empty(messages)) {
        h2o_multithread_message_t *msg = H2O_STRUCT_FROM_MEMBER(h2o_multithread_message_t, link, messages->next);
        struct fix_msg *m = H2O_STRUCT_FROM_MEMBER(struct fix_msg, msg, msg);
        h2o_linklist_unlink(&msg->link);
        if (!atomic_load(&s->stopping))
            relay_fixes(s, m);
        free(m);
    }
    flush_all(s);
}

static bool topic_relayed(const char *topic)
{
    return topic != NULL && (strncmp(topic, "incident.", 9) == 0 || strncmp(topic, "operation.", 10) == 0 ||
                             strcmp(topic, "message.sent") == 0);
}

/* On the bus thread. */
static void on_bus(void *ctx, struct bus_event *const *evs, size_t n)
{
    struct cot_tap *tap = ctx;
    struct bus_msg *m = NULL;
    size_t k = 0;

    pthread_mutex_lock(&tap->mu);
    if (tap->s == NULL || atomic_load(&tap->s->n_identified) == 0) {
        pthread_mutex_unlock(&tap->mu);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (!topic_relayed(evs[i]->topic))
            continue;
        if (m == NULL) {
            m = xmalloc(sizeof(*m) + n * sizeof(m->evs[0]));
            memset(&m->msg, 0, sizeof(m->msg));
        }
        bus_event_ref(evs[i]);
        m->evs[k++] = evs[i];
    }
    if (m != NULL) {
        m->n = k;
        h2o_multithread_send_message(&tap->s->bus_rx, &m->msg);
    }
    pthread_mutex_unlock(&tap->mu);
}

/* The message id as c's person may read it. */
static ph_err message_for(struct core_ctx *cx, int64_t id, struct message *out)
{
    struct message_filter f = {.before_id = id + 1, .limit = 1};
    struct message *items = NULL;
    size_t n = 0;
    bool more = false;
    ph_err rc = message_list(cx, &f, &items, &n, &more);

    if (rc != PH_OK)
        return rc;
    if (n == 0 || items[0].id != id)
        return PH_ENOTFOUND;
    *out = items[0];
    return PH_OK;
}

/* ev as CoT for c (read under c's person), into b; PH_OK when there is something
 * to send. *skip: nothing for c (its own chat). */
static ph_err render_event(struct cot_server *s, struct cot_conn *c, const struct bus_event *ev, int64_t now,
                           struct buf *b, bool *skip)
{
    struct arena a;
    struct core_ctx cx;
    ph_err rc = PH_EINVAL;

    *skip = false;
    arena_init(&a);
    cx = (struct core_ctx){.st = s->st, .arena = &a, .user = &c->user, .client = "cot", .now_ms = now};
    if (strncmp(ev->topic, "incident.", 9) == 0) {
        struct incident inc;
        rc = incident_get(&cx, ev->item_id, &inc);
        if (rc == PH_OK)
            rc = render_incident(s, &inc, now, b);
    } else if (strncmp(ev->topic, "operation.", 10) == 0) {
        struct operation o;
        rc = operation_get(&cx, ev->item_id, &o);
        if (rc == PH_OK)
            rc = render_operation(s, &o, now, b);
    } else if (strcmp(ev->topic, "message.sent") == 0) {
        struct message m;
        rc = message_for(&cx, ev->item_id, &m);
        /* Its sender's client shows it already. */
        if (rc == PH_OK && m.from_person_id != 0 && m.from_person_id == c->user.person_id &&
            m.source != NULL && strcmp(m.source, "cot") == 0)
            *skip = true;
        else if (rc == PH_OK)
            rc = cot_chat_write(b, &m, now, s->stale_ms);
    }
    arena_release(&a);
    return rc;
}

static void relay_event(struct cot_server *s, const struct bus_event *ev)
{
    int64_t now = time_now_ms();
    struct buf b;
    struct blob *bl = NULL;
    int64_t bl_person = -1;
    h2o_linklist_t *node, *next;

    buf_init(&b, COT_RENDER_MAX_BYTES);
    for (node = s->conns.next; node != &s->conns; node = next) {
        struct cot_conn *c = H2O_STRUCT_FROM_MEMBER(struct cot_conn, link, node);
        bool skip = false;
        next = node->next;
        if (!c->identified || !bus_event_visible(&c->user, ev))
            continue;
        /* Read as each person (a second device of the same person reuses it). */
        if (bl == NULL || bl_person != c->user.person_id) {
            blob_unref(bl);
            bl = NULL;
            buf_reset(&b);
            if (render_event(s, c, ev, now, &b, &skip) != PH_OK)
                continue;
            if (skip)
                continue;
            bl = blob_new(b.data, b.len);
            bl_person = c->user.person_id;
        }
        conn_send(c, bl);
    }
    blob_unref(bl);
    buf_release(&b);
}

static void on_bus_events(h2o_multithread_receiver_t *rx, h2o_linklist_t *messages)
{
    struct cot_server *s = H2O_STRUCT_FROM_MEMBER(struct cot_server, bus_rx, rx);

    while (!h2o_linklist_is_empty(messages)) {
        h2o_multithread_message_t *msg = H2O_STRUCT_FROM_MEMBER(h2o_multithread_message_t, link, messages->next);
        struct bus_msg *m = H2O_STRUCT_FROM_MEMBER(struct bus_msg, msg, msg);
        h2o_linklist_unlink(&msg->link);
        for (size_t i = 0; i < m->n; i++) {
            if (!atomic_load(&s->stopping))
                relay_event(s, m->evs[i]);
            bus_event_unref(m->evs[i]);
        }
        free(m);
    }
    flush_all(s);
}

/* ---- the thread -------------------------------------------------------------------- */

/* Once a second: the rate windows, and identities whose person changed. */
static void on_tick(h2o_timeout_entry_t *entry)
{
    struct cot_server *s = H2O_STRUCT_FROM_MEMBER(struct cot_server, tick_entry, entry);
    h2o_linklist_t *node, *next;

    for (node = s->conns.next; node != &s->conns; node = next) {
        struct cot_conn *c = H2O_STRUCT_FROM_MEMBER(struct cot_conn, link, node);
        next = node->next;
        c->over_s = c->dropped_this_s > 0 ? c->over_s + 1 : 0;
        c->dropped_this_s = 0;
        if (c->over_s >= COT_RATE_CUTOFF_S)
            conn_close(c, C_CUT_RATE);
    }
    recheck_identities(s);
    flush_all(s);
    h2o_timeout_link(s->loop, &s->tick_to, &s->tick_entry);
}

static void on_stop(h2o_multithread_receiver_t *rx, h2o_linklist_t *messages)
{
    (void)rx;
    while (!h2o_linklist_is_empty(messages))
        h2o_linklist_unlink(messages->next);
}

static void close_listener(h2o_socket_t **l)
{
    if (*l == NULL)
        return;
    h2o_socket_read_stop(*l);
    h2o_socket_close(*l);
    *l = NULL;
}

static h2o_socket_t *listen_on(struct cot_server *s, int fd, h2o_socket_cb cb)
{
    h2o_socket_t *sock;
    if (fd < 0)
        return NULL;
    sock = h2o_evloop_socket_create(s->loop, fd, H2O_SOCKET_FLAG_DONT_READ);
    sock->data = s;
    h2o_socket_read_start(sock, cb);
    return sock;
}

static void *cot_main(void *arg)
{
    struct cot_server *s = arg;
    h2o_linklist_t *node, *next;

    s->loop = h2o_evloop_create();
    s->queue = h2o_multithread_create_queue(s->loop);
    h2o_multithread_register_receiver(s->queue, &s->stop_rx, on_stop);
    h2o_multithread_register_receiver(s->queue, &s->done_rx, on_done);
    h2o_multithread_register_receiver(s->queue, &s->fix_rx, on_fixes);
    h2o_multithread_register_receiver(s->queue, &s->bus_rx, on_bus_events);
    h2o_timeout_init(s->loop, &s->idle_to, (uint64_t)s->idle_timeout_s * 1000);
    h2o_timeout_init(s->loop, &s->batch_to, COT_BATCH_DELAY_MS);
    h2o_timeout_init(s->loop, &s->tick_to, 1000);
    h2o_timeout_init(s->loop, &s->reap_to, 0);
    h2o_timeout_init(s->loop, &s->backlog_to, 0);
    s->backlog_entry.cb = on_backlog;
    s->batch_entry.cb = on_batch_timer;
    s->tick_entry.cb = on_tick;
    s->reap_entry.cb = on_reap;
    h2o_timeout_link(s->loop, &s->tick_to, &s->tick_entry);
    s->tcp_l = listen_on(s, s->tcp_fd, on_accept);
    s->tls_l = listen_on(s, s->tls_fd, on_accept);
    s->udp_sock = listen_on(s, s->udp_fd, on_udp);
    s->generation = session_generation();
    pthread_barrier_wait(&s->ready);

    while (!atomic_load(&s->stopping))
        h2o_evloop_run(s->loop, INT32_MAX);

    /* Stop: no new connections or events, nothing accepted lost: the waiting
     * batch goes to the writer, and the loop runs until every job came back. */
    close_listener(&s->tcp_l);
    close_listener(&s->tls_l);
    close_listener(&s->udp_sock);
    for (node = s->conns.next; node != &s->conns; node = next) {
        next = node->next;
        conn_close(H2O_STRUCT_FROM_MEMBER(struct cot_conn, link, node), -1);
    }
    batch_flush(s, true);
    while (s->jobs_in_flight > 0 || s->batch != NULL) {
        h2o_evloop_run(s->loop, 10);
        batch_flush(s, true);
    }
    h2o_evloop_run(s->loop, 0); /* messages already queued, sockets to free */
    if (h2o_timeout_is_linked(&s->tick_entry))
        h2o_timeout_unlink(&s->tick_entry);
    if (h2o_timeout_is_linked(&s->batch_entry))
        h2o_timeout_unlink(&s->batch_entry);
    if (h2o_timeout_is_linked(&s->reap_entry))
        h2o_timeout_unlink(&s->reap_entry);
    if (h2o_timeout_is_linked(&s->backlog_entry))
        h2o_timeout_unlink(&s->backlog_entry);
    on_reap(&s->reap_entry);
    h2o_multithread_unregister_receiver(s->queue, &s->stop_rx);
    h2o_multithread_unregister_receiver(s->queue, &s->done_rx);
    h2o_multithread_unregister_receiver(s->queue, &s->fix_rx);
    h2o_multithread_unregister_receiver(s->queue, &s->bus_rx);
    h2o_multithread_destroy_queue(s->queue);
    h2o_evloop_run(s->loop, 0);
    /* h2o 2.2.5's evloop build closes the queue's socket but never frees the
     * queue itself (h2o_multithread_create_queue allocated it with malloc). */
    free(s->queue);
    s->queue = NULL;
    h2o_timeout_dispose(s->loop, &s->idle_to);
    h2o_timeout_dispose(s->loop, &s->batch_to);
    h2o_timeout_dispose(s->loop, &s->tick_to);
    h2o_timeout_dispose(s->loop, &s->reap_to);
    h2o_timeout_dispose(s->loop, &s->backlog_to);
    h2o_evloop_destroy(s->loop);
    return NULL;
}

/* ---- start, stop, metrics ---------------------------------------------------------- */

static ph_err split_host_port(const char *text, char *host, size_t hsize, char *port, size_t psize)
{
    const char *colon = strrchr(text, ':');
    size_t hl;

    if (colon == NULL || colon == text || colon[1] == '\0')
        return PH_EINVAL;
    hl = (size_t)(colon - text);
    if (text[0] == '[' && hl >= 2 && text[hl - 1] == ']') { /* [::1]:8087 */
        text++;
        hl -= 2;
    }
    if (hl >= hsize || strlen(colon + 1) >= psize)
        return PH_EINVAL;
    memcpy(host, text, hl);
    host[hl] = '\0';
    snprintf(port, psize, "%s", colon + 1);
    return PH_OK;
}

/* A bound socket (listening when stream) on text "HOST:PORT"; *bound gets the
 * address with the port the kernel chose. */
static ph_err open_socket(const char *what, const char *text, bool stream, int *fd_out, char *bound,
                          size_t bsize)
{
    char host[256], port[16];
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = stream ? SOCK_STREAM : SOCK_DGRAM,
                             .ai_flags = AI_PASSIVE};
    struct addrinfo *ai = NULL;
    struct sockaddr_storage addr;
    socklen_t alen = sizeof(addr);
    int fd = -1, on = 1, gai, p;
    ph_err rc = PH_EINVAL;

    if (split_host_port(text, host, sizeof(host), port, sizeof(port)) != PH_OK) {
        log_error("cot: --%s wants HOST:PORT, got '%s'", what, text);
        goto out;
    }
    if ((gai = getaddrinfo(host, port, &hints, &ai)) != 0) {
        log_error("cot: cannot resolve %s: %s", text, gai_strerror(gai));
        goto out;
    }
    rc = PH_EIO;
    fd = socket(ai->ai_family, (stream ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0 || (stream && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0) ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || (stream && listen(fd, SOMAXCONN) != 0) ||
        getsockname(fd, (struct sockaddr *)&addr, &alen) != 0) {
        log_error("cot: cannot listen on %s: %s", text, strerror(errno));
        goto out;
    }
    p = ntohs(addr.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&addr)->sin6_port
                                         : ((struct sockaddr_in *)&addr)->sin_port);
    snprintf(bound, bsize, addr.ss_family == AF_INET6 ? "[%s]:%d" : "%s:%d", host, p);
    *fd_out = fd;
    fd = -1;
    rc = PH_OK;
out:
    if (fd >= 0)
        close(fd);
    if (ai != NULL)
        freeaddrinfo(ai);
    return rc;
}

static ph_err make_ssl_ctx(const struct cot_config *cfg, SSL_CTX **out)
{
    SSL_CTX *ctx = NULL;
    STACK_OF(X509_NAME) *cas = NULL;
    ph_err rc = PH_EINVAL;

    if (cfg->tls_cert == NULL || cfg->tls_key == NULL || cfg->tls_ca == NULL) {
        log_error("cot: --cot-tls-listen needs --cot-tls-cert, --cot-tls-key and --cot-tls-ca");
        goto out;
    }
    rc = PH_EIO;
    ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL || SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1)
        goto out;
    if (SSL_CTX_use_certificate_chain_file(ctx, cfg->tls_cert) != 1) {
        log_error("cot: cannot use the certificate %s", cfg->tls_cert);
        goto out;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, cfg->tls_key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        log_error("cot: cannot use the key %s with %s", cfg->tls_key, cfg->tls_cert);
        goto out;
    }
    if (SSL_CTX_load_verify_locations(ctx, cfg->tls_ca, NULL) != 1 ||
        (cas = SSL_load_client_CA_file(cfg->tls_ca)) == NULL) {
        log_error("cot: cannot load the client CA %s", cfg->tls_ca);
        goto out;
    }
    SSL_CTX_set_client_CA_list(ctx, cas); /* takes cas */
    /* No certificate, or one our CA did not sign: no handshake. */
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
    *out = ctx;
    ctx = NULL;
    rc = PH_OK;
out:
    if (rc != PH_OK) {
        unsigned long e = ERR_get_error();
        if (e != 0) {
            char msg[256];
            ERR_error_string_n(e, msg, sizeof(msg));
            log_error("cot: tls: %s", msg);
        }
    }
    SSL_CTX_free(ctx);
    return rc;
}

static void server_free(struct cot_server *s)
{
    if (s == NULL)
        return;
    if (s->tcp_fd >= 0 && !s->started)
        close(s->tcp_fd);
    if (s->tls_fd >= 0 && !s->started)
        close(s->tls_fd);
    if (s->udp_fd >= 0 && !s->started)
        close(s->udp_fd);
    store_close(s->st);
    SSL_CTX_free(s->ssl_ctx);
    for (size_t i = 0; s->uids != NULL && i < COT_UID_CACHE; i++) {
        free(s->uids[i].uid);
        arena_release(&s->uids[i].arena);
    }
    free(s->uids);
    free(s->peers);
    free(s->udp_buf);
    free(s);
}

ph_err cot_server_start(const struct cot_config *cfg, const char *dsn, struct writer *w, struct bus *b,
                        struct livepos *lp, struct cot_server **out)
{
    struct cot_server *s = xcalloc(1, sizeof(*s));
    char tcp_at[300] = "", tls_at[300] = "", udp_at[300] = "";
    ph_err rc = PH_OK;

    cot_init();
    s->tcp_fd = s->tls_fd = s->udp_fd = -1;
    s->max_clients = cfg->max_clients > 0 ? cfg->max_clients : 1000;
    s->idle_timeout_s = cfg->idle_timeout_s > 0 ? cfg->idle_timeout_s : 120;
    s->rate_per_s = cfg->rate_per_s > 0 ? cfg->rate_per_s : 50;
    s->stale_ms = (int64_t)(cfg->stale_s > 0 ? cfg->stale_s : 120) * 1000;
    s->writer = w;
    s->bus = b;
    s->hub = lp;
    h2o_linklist_init_anchor(&s->conns);
    h2o_linklist_init_anchor(&s->dead);
    h2o_linklist_init_anchor(&s->backlog);
    s->udp_buf = xmalloc(COT_EVENT_MAX_BYTES + 1);
    s->peers = xcalloc(COT_UDP_PEERS, sizeof(*s->peers));
    s->uids = xcalloc(COT_UID_CACHE, sizeof(*s->uids));
    for (size_t i = 0; i < COT_UID_CACHE; i++)
        arena_init(&s->uids[i].arena);
    s->udp_tokens = (double)s->rate_per_s * COT_UDP_ALL_FACTOR;

    if (cfg->listen != NULL)
        rc = open_socket("cot-listen", cfg->listen, true, &s->tcp_fd, tcp_at, sizeof(tcp_at));
    if (rc == PH_OK && cfg->tls_listen != NULL) {
        rc = make_ssl_ctx(cfg, &s->ssl_ctx);
        if (rc == PH_OK)
            rc = open_socket("cot-tls-listen", cfg->tls_listen, true, &s->tls_fd, tls_at, sizeof(tls_at));
    }
    if (rc == PH_OK && cfg->udp_listen != NULL)
        rc = open_socket("cot-udp-listen", cfg->udp_listen, false, &s->udp_fd, udp_at, sizeof(udp_at));
    if (rc == PH_OK && store_open(dsn, &s->st) != PH_OK) {
        log_error("cot: cannot open the database %s", dsn);
        rc = PH_ESTORE;
    }
    if (rc != PH_OK)
        goto out;

    pthread_barrier_init(&s->ready, NULL, 2);
    if (pthread_create(&s->thread, NULL, cot_main, s) != 0) {
        pthread_barrier_destroy(&s->ready);
        rc = PH_EIO;
        goto out;
    }
    s->started = true;
    pthread_barrier_wait(&s->ready);
    pthread_barrier_destroy(&s->ready);

    s->tap = xcalloc(1, sizeof(*s->tap));
    pthread_mutex_init(&s->tap->mu, NULL);
    s->tap->s = s;
    if (lp != NULL)
        livepos_subscribe(lp, on_hub, s->tap);
    if (b != NULL)
        bus_subscribe(b, on_bus, s->tap);

    if (tcp_at[0] != '\0')
        printf("phoihop: cot listening on tcp://%s\n", tcp_at);
    if (udp_at[0] != '\0')
        printf("phoihop: cot listening on udp://%s\n", udp_at);
    if (tls_at[0] != '\0')
        printf("phoihop: cot listening on tls://%s\n", tls_at);
    fflush(stdout);
    log_info("cot: listening%s%s%s%s%s%s (rate %d/s, idle %d s, at most %d clients)",
             tcp_at[0] ? " tcp " : "", tcp_at, udp_at[0] ? " udp " : "", udp_at, tls_at[0] ? " tls " : "",
             tls_at, s->rate_per_s, s->idle_timeout_s, s->max_clients);
    *out = s;
    s = NULL;
out:
    server_free(s);
    return rc;
}

void cot_server_stop(struct cot_server *s)
{
    if (s == NULL)
        return;
    /* No call from the hub or the bus reaches s after this. */
    if (s->tap != NULL) {
        pthread_mutex_lock(&s->tap->mu);
        s->tap->s = NULL;
        pthread_mutex_unlock(&s->tap->mu);
        pthread_mutex_lock(&retired_mu);
        s->tap->next = retired_taps;
        retired_taps = s->tap;
        pthread_mutex_unlock(&retired_mu);
    }
    if (s->started) {
        atomic_store(&s->stopping, true);
        h2o_multithread_send_message(&s->stop_rx, NULL);
        pthread_join(s->thread, NULL);
    }
    server_free(s);
}

ph_err cot_server_metrics(struct cot_server *s, struct buf *out)
{
    ph_err rc = PH_OK;
    const char *prev = NULL;

    if (s == NULL)
        return PH_OK;
    rc = buf_printf(out,
                    "# HELP phoihop_cot_clients CoT connections open.\n"
                    "# TYPE phoihop_cot_clients gauge\n"
                    "phoihop_cot_clients{transport=\"tcp\"} %d\nphoihop_cot_clients{transport=\"tls\"} %d\n"
                    "# HELP phoihop_cot_identified_clients CoT connections that are a person (receive).\n"
                    "# TYPE phoihop_cot_identified_clients gauge\nphoihop_cot_identified_clients %d\n",
                    atomic_load(&s->clients[0]), atomic_load(&s->clients[1]), atomic_load(&s->n_identified));
    for (size_t i = 0; i < C_N && rc == PH_OK; i++) {
        const char *name = counter_info[i].name;
        uint64_t v = atomic_load_explicit(&s->counters[i], memory_order_relaxed);
        if (prev == NULL || strcmp(prev, name) != 0) {
            const char *help = counter_info[i].help;
            rc = buf_printf(out, "# HELP %s %s\n# TYPE %s counter\n", name, help != NULL ? help : "", name);
            prev = name;
        }
        if (rc != PH_OK)
            break;
        if (counter_info[i].labels != NULL)
            rc = buf_printf(out, "%s{%s} %" PRIu64 "\n", name, counter_info[i].labels, v);
        else
            rc = buf_printf(out, "%s %" PRIu64 "\n", name, v);
    }
    return rc;
}
