/* cot_int.h - what the files of the CoT listener share (private to src/net/cot_*.c).
 *
 * The listener is one thread with one h2o event loop (cot_server.c). Everything
 * here is touched only on that thread, except what is marked atomic: the counters
 * (read by /metrics), the gauges and n_identified (read by the taps), and the
 * posting count (the cross-thread senders, see cot_server.c).
 *
 *   cot_server.c    start and stop, the thread and its loop, listeners, the tick
 *   cot_conn.c      a connection's life: accept, read and frame, the rate, the
 *                   output queue, idle and slow cut-offs, the backlog (fairness)
 *   cot_tls.c       OpenSSL over memory buffers; the client certificate's name
 *   cot_ident.c     who a connection or a UDP sender is (person, device)
 *   cot_udp.c       datagrams: per-source and global limits, uid -> person cache
 *   cot_inbound.c   parsed events: PLI batches to the writer, chat, drafts, pings
 *   cot_outbound.c  the initial picture, relay of fixes (hub) and objects (bus)
 *   cot_welcome.c   the initial picture read on a thread of its own, off the loop
 *   cot_metrics.c   counters and their Prometheus text */
#ifndef PH_NET_COT_INT_H
#define PH_NET_COT_INT_H
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <h2o.h>
#include <openssl/ssl.h>
#include "core/ctx.h"
#include "net/cot_server.h"
#include "proto/cot.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/mem.h"
struct bus_event;
struct livepos_fix;
struct cot_pli_job; /* cot_inbound.c */
struct cot_welcome; /* cot_welcome.c */
struct cot_welcomer;

/* clang-format off */
#define COT_BATCH_MAX 500               /* reports per writer job ... */
#define COT_BATCH_DELAY_MS 20           /* ... or this long after the first one */
#define COT_JOBS_MAX 4                  /* position batches queued to the writer at once */
#define COT_OUT_MAX_BYTES (4u << 20)    /* unsent bytes of one connection (a long route is ~1 MiB) */
#define COT_RENDER_MAX_BYTES (2u << 20) /* one event we send */
#define COT_IOV_MAX 64                  /* buffers per socket write */
#define COT_PARSE_ERRORS_MAX 10         /* per connection, then cut off */
#define COT_RATE_CUTOFF_S 5             /* seconds in a row over the rate: cut off */
#define COT_FLOOD_FACTOR 10             /* this many times the rate in one second: cut off */
#define COT_IDENT_RETRY_MS 30000        /* an unbound device asks again; a bound one is verified */
#define COT_OWN_UIDS 8                  /* device uids a connection reported (not relayed back) */
#define COT_UDP_READS 64                /* datagrams per wake-up, so TCP gets its turn */
#define COT_UDP_PEERS 1024              /* source addresses tracked (direct-mapped) */
#define COT_UDP_ALL_FACTOR 50           /* all UDP sources together: this many times the rate */
#define COT_UID_CACHE 256               /* UDP: uid -> person, direct-mapped */
#define COT_UID_TTL_MS 30000
#define COT_WELCOME_MAX 200             /* operations, open incidents sent on identification */
#define COT_WELCOME_WINDOW_MS (24LL * 3600 * 1000)
#define COT_GONE_STALE_MS 1000          /* what ended (completed, closed) goes stale at once */
#define COT_TLS_READ_BYTES 16384
#define COT_TLS_HANDSHAKE_MS 10000      /* a handshake's deadline (the idle timeout if shorter) */
#define COT_TURN_EVENTS 64              /* events of one connection per turn (fairness) */
#define COT_RELAY_PENDING_MAX 100000    /* fixes posted to the loop, not relayed yet; more dropped */
/* clang-format on */

/* ---- counters (cot_metrics.c) ----------------------------------------------------- */

enum cot_counter {
    COT_C_CONN_TCP,
    COT_C_CONN_TLS,
    COT_C_DATAGRAMS,
    COT_C_EV_PLI,
    COT_C_EV_MARKER,
    COT_C_EV_CHAT,
    COT_C_EV_EMERGENCY,
    COT_C_EV_PING,
    COT_C_EV_OTHER,
    COT_C_PARSE_ERRORS,
    COT_C_POS_STORED,
    COT_C_POS_UNKNOWN,
    COT_C_POS_FORBIDDEN,
    COT_C_POS_INVALID,
    COT_C_POS_FAILED,
    COT_C_MSG_STORED,
    COT_C_MSG_REFUSED,
    COT_C_DRAFT_STORED,
    COT_C_DRAFT_REFUSED,
    COT_C_DROP_RATE,
    COT_C_DROP_UDP_RATE,
    COT_C_DROP_UDP_TOO_BIG,
    COT_C_DROP_BACKPRESSURE,
    COT_C_DROP_RELAY,
    COT_C_CUT_IDLE,
    COT_C_CUT_RATE,
    COT_C_CUT_FLOOD,
    COT_C_CUT_SLOW,
    COT_C_CUT_TOO_BIG,
    COT_C_CUT_GARBAGE,
    COT_C_CUT_PARSE,
    COT_C_CUT_REVOKED,
    COT_C_REFUSED_MAX,
    COT_C_REFUSED_TLS,
    COT_C_REFUSED_IDENTITY,
    COT_C_SENT,
    COT_C_FIXES_IN,
    COT_C_N
};

/* A counter's labels ("reason=\"idle\""), for log lines; NULL when it has none. */
const char *cot_metrics_labels(enum cot_counter c);

/* ---- types ------------------------------------------------------------------------ */

/* Bytes shared by every connection they are queued on (this thread only). */
struct cot_blob {
    int refs;
    size_t len;
    char data[];
};

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
    uint64_t generation;          /* session_generation() before user was loaded */
    int64_t ident_tried_at;       /* plain TCP: last device lookup (or re-verification) */
    int64_t device_id;            /* the device of its latest identified PLI */
    char *ident_uid;              /* plain TCP: the device uid it is identified by */
    char *own_uids[COT_OWN_UIDS]; /* what it reported: not relayed back to it */
    size_t n_own;
    /* Limits. */
    double tokens;
    uint64_t tokens_at_ms;
    unsigned dropped_this_s;
    int over_s;
    int parse_errors;
    h2o_timeout_entry_t idle_entry;
    h2o_timeout_entry_t handshake_entry; /* TLS: the handshake's deadline */
    h2o_linklist_t backlog_link;         /* in s->backlog: events buffered, waiting for a turn */
    /* Output: a FIFO of blobs, and those of the write in flight. */
    struct cot_blob **q;
    size_t q_head, q_len, q_cap;
    size_t out_bytes;
    struct cot_blob *inflight[COT_IOV_MAX];
    h2o_iovec_t iov[COT_IOV_MAX];
    size_t n_inflight;
    struct cot_welcome *welcome; /* its picture being read (cot_welcome.c), or NULL */
    char peer[64];
};

/* The subscriptions' target: the hub and the bus cannot unsubscribe, so they
 * call this, which outlives the server (s is NULL once it stopped). */
struct cot_tap {
    pthread_mutex_t mu;
    struct cot_server *s;
    struct cot_tap *next; /* retired taps, kept reachable */
};

struct cot_udp_peer {
    struct sockaddr_storage addr;
    socklen_t len;
    double tokens;
    uint64_t at_ms;
};

struct cot_uid_ident {
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
    atomic_int posting; /* other threads inside a send to our queue (cot_server.c) */
    pthread_barrier_t ready;
    h2o_evloop_t *loop;
    h2o_multithread_queue_t *queue;
    h2o_multithread_receiver_t stop_rx, done_rx, fix_rx, bus_rx, welcome_rx;
    struct cot_welcomer *welcomer; /* the welcome thread (cot_welcome.c) */
    int tcp_fd, tls_fd, udp_fd;
    h2o_socket_t *tcp_l, *tls_l, *udp_sock;
    SSL_CTX *ssl_ctx;
    struct store *st; /* this thread's read connection */
    h2o_linklist_t conns, dead;
    int n_conns;
    atomic_int n_identified; /* read by the taps: nobody to relay to, nothing posted */
    h2o_timeout_t idle_to, batch_to, tick_to, reap_to, handshake_to;
    h2o_timeout_entry_t batch_entry, tick_entry, reap_entry;
    struct cot_pli_job *batch;
    int jobs_in_flight;
    h2o_linklist_t backlog; /* connections waiting for their turn (defer) */
    h2o_timeout_t backlog_to;
    h2o_timeout_entry_t backlog_entry;
    uint64_t generation;
    char *udp_buf;
    struct cot_udp_peer *peers;
    double udp_tokens;
    uint64_t udp_at_ms;
    struct cot_uid_ident *uids;
    atomic_int relay_pending; /* fixes posted by the taps, not relayed yet */
    atomic_uint_fast64_t counters[COT_C_N];
    atomic_int clients[2]; /* tcp, tls */
};

/* ---- small shared helpers ------------------------------------------------------------ */

static inline void cot_count(struct cot_server *s, enum cot_counter c, uint64_t n)
{
    atomic_fetch_add_explicit(&s->counters[c], n, memory_order_relaxed);
}

/* The loop's clock (ms), for rates. */
static inline uint64_t cot_now_ms(struct cot_server *s)
{
    return h2o_now(s->loop);
}

static inline const char *cot_transport(const struct cot_conn *c)
{
    return c->is_tls ? "tls" : "tcp";
}

static inline struct cot_blob *cot_blob_new(const char *data, size_t len)
{
    struct cot_blob *b = xmalloc(sizeof(*b) + len);
    b->refs = 1;
    b->len = len;
    memcpy(b->data, data, len);
    return b;
}

static inline void cot_blob_unref(struct cot_blob *b)
{
    if (b != NULL && --b->refs == 0)
        free(b);
}

/* ---- cot_conn.c ------------------------------------------------------------------------ */

/* The listener's accept callback (TCP and TLS). */
void cot_conn_on_accept(h2o_socket_t *listener, const char *err);
/* Queue b (shared: takes a reference) to c; the caller flushes. A client that
 * does not read is cut off rather than let its queue grow. */
void cot_conn_send(struct cot_conn *c, struct cot_blob *b);
/* Queue a copy of b's bytes to c. */
void cot_conn_send_buf(struct cot_conn *c, const struct buf *b);
/* Queue bytes that are already ours (TLS records): no copy, no count. */
void cot_conn_queue(struct cot_conn *c, struct cot_blob *b);
/* Start a write of what is queued, unless one is in flight. */
void cot_conn_flush(struct cot_conn *c);
void cot_conn_flush_all(struct cot_server *s);
/* Close now (reason: a counter, or -1 when the client went away or it is ours
 * to end). The memory goes on the next turn of the loop (cot_conn_reap): callers
 * up the stack may still look at c->is_closed. */
void cot_conn_close(struct cot_conn *c, int reason);
/* Free the connections closed so far. */
void cot_conn_reap(struct cot_server *s);
void cot_conn_on_reap(h2o_timeout_entry_t *entry);
/* Frame and hand over the events in data[0..len) (rate-limited, at most
 * COT_TURN_EVENTS); the bytes consumed. *stopped: events may be left that c
 * could not hand over now (cot_conn_defer). */
size_t cot_conn_frame_events(struct cot_conn *c, const char *data, size_t len, bool *stopped);
/* Stop reading c and queue it for its next turn (fairness, backpressure). */
void cot_conn_defer(struct cot_conn *c);
/* One turn for each connection waiting. */
void cot_conn_run_backlog(struct cot_server *s);
void cot_conn_on_backlog(h2o_timeout_entry_t *entry);
/* Once a second: the rate windows; connections over the rate for long are cut. */
void cot_conn_tick(struct cot_server *s);
/* Reset the idle timer: c was heard from. */
void cot_conn_touch(struct cot_conn *c);
/* The device uids c reported, which are never relayed back to it. */
void cot_conn_remember_uid(struct cot_conn *c, const char *uid);
bool cot_conn_is_own(const struct cot_conn *c, const char *uid);

/* ---- cot_tls.c ------------------------------------------------------------------------- */

/* The server context: certificate, key, client CA; PH_EINVAL when one is missing. */
ph_err cot_tls_ctx_new(const struct cot_config *cfg, SSL_CTX **out)
    __attribute__((warn_unused_result));
/* Give c its SSL over memory BIOs and the handshake's deadline; false on failure. */
bool cot_tls_conn_init(struct cot_conn *c);
/* Encrypt len bytes and queue the records; false when c must be closed. */
bool cot_tls_write(struct cot_conn *c, const char *data, size_t len);
/* The read callback of a TLS connection (err NULL: go on with what is buffered). */
void cot_tls_on_read(h2o_socket_t *sock, const char *err);
void cot_tls_on_handshake_timeout(h2o_timeout_entry_t *entry);
/* The username a verified client certificate names: its one subject CN, as
 * UTF-8 with no NUL, into out; false when there is none, several, or it does not
 * fit. */
bool cot_tls_cert_username(X509 *cert, char *out, size_t size);

/* ---- cot_ident.c ----------------------------------------------------------------------- */

/* Reports of connections with no person: position_ingest refuses unknown devices. */
extern const struct core_user cot_ident_anonymous;
/* Who c's events are written as: its person, or cot_ident_anonymous. */
const struct core_user *cot_ident_user(const struct cot_conn *c);
/* The person device uid is bound to (active device, enabled account): true with
 * *out (strings in a). *device_id gets the device's id when it exists. */
bool cot_ident_device_person(struct cot_server *s, struct arena *a, const char *uid,
                             int64_t *device_id, struct core_user *out);
/* Plain TCP: identify c by the device of a PLI it sent (retried every
 * COT_IDENT_RETRY_MS while unbound). */
void cot_ident_on_pli(struct cot_conn *c, const char *uid);
/* TLS: identify c as the account username; false when there is none (disabled). */
bool cot_ident_by_username(struct cot_conn *c, const char *username);
/* Reload the identities whose person changed (session_generation moved), and
 * re-verify the devices of plain TCP connections; cut off the revoked. */
void cot_ident_recheck(struct cot_server *s);
/* Forget c's person (on close). */
void cot_ident_release(struct cot_conn *c);

/* ---- cot_udp.c ------------------------------------------------------------------------- */

void cot_udp_init(struct cot_server *s);
void cot_udp_release(struct cot_server *s);
void cot_udp_on_read(h2o_socket_t *sock, const char *err);

/* ---- cot_inbound.c --------------------------------------------------------------------- */

/* One framed event of a connection: parse, count, dispatch. */
void cot_inbound_event(struct cot_conn *c, const char *xml, size_t len);
/* Count a parsed event's class. */
void cot_inbound_count_class(struct cot_server *s, enum cot_class cls);
/* Queue one position report under user (copied) for the next writer batch. */
void cot_inbound_pli(struct cot_server *s, const struct core_user *user,
                     const struct cot_event *ev);
/* Hand the waiting batch to the writer (unless COT_JOBS_MAX are in flight and
 * not force: the next job's return tries again). */
void cot_inbound_batch_flush(struct cot_server *s, bool force);
void cot_inbound_on_batch_timer(h2o_timeout_entry_t *entry);
/* The waiting batch is full and cannot go to the writer yet. */
bool cot_inbound_writer_is_full(const struct cot_server *s);
/* The receiver of our writer jobs' returns. */
void cot_inbound_on_done(h2o_multithread_receiver_t *rx, h2o_linklist_t *messages);

/* ---- cot_outbound.c -------------------------------------------------------------------- */

/* The picture of user: the active operations and the recent open incidents user
 * may read, on st (any thread's own connection; of s only its settings are read),
 * each event handed to add(ctx, bytes, len) as it is rendered. */
void cot_outbound_picture(struct cot_server *s, struct store *st, const struct core_user *user,
                          int64_t now, void (*add)(void *ctx, const char *data, size_t len),
                          void *ctx);
/* The taps (on the publishers' threads) and their receivers (on ours). */
void cot_outbound_on_hub(void *ctx, const struct livepos_fix *fixes, size_t n);
void cot_outbound_on_bus(void *ctx, struct bus_event *const *evs, size_t n);
void cot_outbound_on_fixes(h2o_multithread_receiver_t *rx, h2o_linklist_t *messages);
void cot_outbound_on_bus_events(h2o_multithread_receiver_t *rx, h2o_linklist_t *messages);

/* ---- cot_welcome.c --------------------------------------------------------------------- */

/* Start the welcome thread on its own connection to dsn (before the loop runs). */
ph_err cot_welcome_start(struct cot_server *s, const char *dsn) __attribute__((warn_unused_result));
/* Drop the pictures not started, join the thread (on the loop, every connection
 * closed; or before the loop ever ran). Harmless when not started. */
void cot_welcome_stop(struct cot_server *s);
/* c has just become a person: read its picture off the loop; it is queued to c
 * when it comes back (cot_welcome_on_done), unless c closed meanwhile. */
void cot_welcome_request(struct cot_conn *c);
/* c closes: whatever is being read for it is dropped when it comes back. */
void cot_welcome_forget(struct cot_conn *c);
void cot_welcome_on_done(h2o_multithread_receiver_t *rx, h2o_linklist_t *messages);
#endif
