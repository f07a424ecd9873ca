/* http_int.h - what the files of http/ share: the per-loop thread state and our
 * wrapper of an h2o request. Nothing outside http/ includes this (or h2o.h). */
#ifndef PH_HTTP_INT_H
#define PH_HTTP_INT_H
#include <h2o.h>
#include <stdatomic.h>
#include <jansson.h>
#include "core/ctx.h"
#include "http/server.h"
#include "util/arena.h"
#include "util/err.h"

struct bus;
struct bus_event;
struct scheduler;
struct writer;
struct workpool;
struct auth_cache;
struct metrics_thread;
struct route;
struct read_notes;

/* One event loop thread. */
struct http_thread {
    int index;
    h2o_context_t ctx;
    h2o_accept_ctx_t accept_ctx;
    h2o_socket_t *listener;
    h2o_multithread_queue_t *queue;
    h2o_multithread_receiver_t done_receiver; /* write and work completions */
    h2o_multithread_receiver_t stop_receiver; /* shutdown */
    struct store *st;                         /* this loop's read connection */
    struct writer *writer;                    /* shared */
    struct workpool *workpool;                /* shared */
    struct scheduler *scheduler;              /* shared: deadlines (for /metrics) */
    struct bus *bus;                          /* shared: what is deliverable (api_stream.c) */
    struct auth_cache *auth;                  /* this loop's token cache */
    struct metrics_thread *metrics;           /* this loop's counters */
    const struct http_config *cfg;
    atomic_int stopping;          /* set by the main thread: leave the loop */
    atomic_int closing;           /* set by the main thread: stop accepting */
    h2o_timeout_t accept_backoff; /* out of file descriptors: pause accepting */
    h2o_timeout_entry_t accept_resume;
    /* The live feed (api_stream.c): this loop's SSE connections, their heartbeat,
     * and the bus's batches posted to this loop. */
    h2o_multithread_receiver_t stream_receiver;
    h2o_linklist_t streams;
    h2o_timeout_t stream_heartbeat;
    atomic_int n_streams; /* read by the bus thread: post nothing to a loop without */
    /* Live positions (events/livepos.h): the hub (shared), the fixes it posts to
     * this loop, and the time of the last fix sent per device (api_stream.c thins
     * the "position" events to one per device per --position-interval). */
    struct livepos *livepos;
    h2o_multithread_receiver_t pos_receiver;
    struct stream_pos_thin *pos_thin;
};

/* Our view of one request; lives in the h2o request's pool. */
struct req {
    h2o_req_t *h2o;
    struct http_thread *t;
    const struct route *route;
    int route_index;
    struct arena arena; /* backed by h2o's pool: freed with the request */
    struct core_ctx cx; /* st: the loop's read connection; user: &user */
    struct core_user user;
    int64_t session_id;
    const char *token; /* the bearer token as sent (for logout) */
    json_t *body;      /* parsed JSON body of POST/PATCH, or NULL */
    const char *param_names[4], *param_values[4];
    int n_params;
    char client[64];
    uint64_t start_ns;
    struct read_notes *reads; /* classified items the answer shows (read_audit.h) */
};

/* The pool of h2o's request as an arena allocation hook. */
void *http_pool_alloc(void *pool, size_t n);

/* The live feed (api_stream.c). Read the heartbeat setting (once, before the loops
 * start); set up a loop's side (on the loop, after t->queue exists); the bus
 * subscriber, one per loop with ctx t (any thread); end every stream of the loop
 * (on the loop, when the server starts draining); for the stream route, turn
 * ?access_token= into the Authorization header (before authentication), keeping the
 * token itself out of the logged path; SSE clients connected and events sent. */
void api_stream_configure(void);
void api_stream_loop_init(struct http_thread *t);
void api_stream_deliver(void *ctx, struct bus_event *const *evs, size_t n);
void api_stream_close_all(struct http_thread *t);
void api_stream_query_token(struct req *r);
void api_stream_stats(uint64_t *clients, uint64_t *events);
/* Live positions: the hub's subscriber, one per loop with ctx t (any thread);
 * free the loop's thinning state (after the loop stopped). */
struct livepos_fix;
void api_stream_positions(void *ctx, const struct livepos_fix *fixes, size_t n);
void api_stream_loop_free(struct http_thread *t);
#endif
