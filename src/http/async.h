/* async.h - how a handler runs a write: it parses into the job's own arena (the
 * request may vanish while the job runs; the job must not point into it), submits a
 * core call to the writer, and is called back on its own event loop after the
 * commit to answer. Optionally a CPU-heavy step (argon2id) runs first on the
 * worker pool. */
#ifndef PH_HTTP_ASYNC_H
#define PH_HTTP_ASYNC_H
#include "http/http_int.h"
#include "core/workpool.h"
#include "core/writer.h"
struct req;
struct http_write;

/* Runs on the loop after commit (or failure: w->job.rc). Answers r. */
typedef int (*http_finish_fn)(struct req *r, struct http_write *w);

struct http_write {
    struct write_job job;   /* job.arena: where arg and results live */
    struct work_item work;  /* the optional CPU step */
    void (*cpu)(void *arg); /* NULL: straight to the writer */
    h2o_multithread_message_t msg;
    struct http_thread *t;
    struct req *r;          /* NULL once the request is gone */
    struct req_link *link;  /* the request pool's pointer back to us */
    http_finish_fn finish;
    const char *field;      /* set by run() on PH_EINVAL; lives in job.arena */
    void *arg;
    /* The job may revoke tokens or change accounts: once it has committed, every
     * loop's token cache is emptied, whether or not its client is still there. */
    bool revokes_sessions;
    /* When the job is freed, on every path (answered, abandoned, refused): drop a
     * JSON copy, wipe passwords. */
    void (*cleanup)(void *arg);
};

/* A job bound to r, with the caller copied into it. */
struct http_write *http_write_begin(struct req *r);
/* Submit run(arg) (after cpu(arg) when not NULL). Returns 0; on a full queue answers
 * 429 itself, and while the server shuts down 503. */
int http_write_submit(struct http_write *w, void (*cpu)(void *arg), write_fn run, void *arg,
                      http_finish_fn finish);
/* A heavy read (an analysis) on the worker pool, so that it neither blocks a loop
 * nor waits for the writer: work(arg) runs on a pool thread (w->job.user is the
 * caller, w->job.arena its memory; it opens the store connection it reads
 * through itself, the loop's is not for other threads), then finish(r, w) on the
 * loop, as for a write; work keeps its outcome in arg, and w->job.rc is PH_OK
 * unless the server gave up on the work at shutdown (PH_EBUSY). Returns 0; on a
 * full pool answers 429 itself, while the server shuts down 503. */
int http_read_submit(struct http_write *w, void (*work)(void *arg), void *arg,
                     http_finish_fn finish);
/* Inside such a work: opens a read connection of its own on dsn, runs run(cx, arg)
 * as w's caller at now_ms with w's arena, and closes the connection. Returns run's
 * outcome, or PH_ESTORE (logged, naming what the read was for) when the database
 * does not open. */
ph_err http_pool_read(struct http_write *w, const char *dsn, int64_t now_ms, const char *what,
                      ph_err (*run)(struct core_ctx *cx, void *arg), void *arg);
/* Give up on w before submitting it (an error answered by the caller). */
void http_write_abandon(struct http_write *w);
/* The loop's receiver callback for completions. */
void http_async_on_done(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages);
/* Shutdown: refuse new writes from now on. */
void http_async_drain(void);
/* Shutdown past its deadline: CPU steps still queued are skipped (their writes are
 * not done). */
void http_async_abandon(void);
/* Writes submitted and not yet handed back to their loop. */
long http_async_in_flight(void);
/* Writes taken on since start (for /metrics; tests wait on it). */
unsigned long http_async_accepted(void);
#endif
