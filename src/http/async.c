/* async.c - the round trip of a write: loop -> (worker pool) -> writer -> loop.
 *
 * The request can be disposed by h2o while its job is in flight (the client went
 * away). A small chunk linked to the request's pool points at the job; h2o's
 * dispose callback clears the job's pointer to the request, and the loop, when the
 * job comes back, answers only if the request is still there. Both happen on the
 * loop thread, so no lock is needed. */
#include "util/base.h"
#include <stdatomic.h>
#include "http/http_int.h"
#include "http/async.h"
#include "http/resp.h"
#include "core/session.h"
#include "store/store.h"
#include "util/log.h"
#include "util/mem.h"

static atomic_long in_flight;
static atomic_ulong accepted; /* writes taken on (not refused while draining) */
static atomic_int draining, abandoned;

void http_async_drain(void)
{
    atomic_store(&draining, 1);
}

void http_async_abandon(void)
{
    atomic_store(&abandoned, 1);
}

long http_async_in_flight(void)
{
    return atomic_load(&in_flight);
}

unsigned long http_async_accepted(void)
{
    return atomic_load(&accepted);
}

struct req_link {
    struct http_write *w;
};

static void on_req_disposed(void *p)
{
    struct req_link *l = p;
    if (l->w != NULL)
        l->w->r = NULL;
}

struct http_write *http_write_begin(struct req *r)
{
    struct http_write *w = xcalloc(1, sizeof(*w));
    arena_init(&w->job.arena);
    w->t = r->t;
    w->r = r;
    core_user_copy(&w->job.arena, &w->job.user, &r->user);
    w->job.client = arena_strdup(&w->job.arena, r->client);
    w->link = h2o_mem_alloc_shared(&r->h2o->pool, sizeof(*w->link), on_req_disposed);
    w->link->w = w;
    return w;
}

static void free_write(struct http_write *w)
{
    if (w->cleanup != NULL)
        w->cleanup(w->arg);
    arena_release(&w->job.arena);
    free(w);
}

void http_write_abandon(struct http_write *w)
{
    if (w->r != NULL)
        w->link->w = NULL;
    free_write(w);
}

/* Writer's (or its syncer's) thread, once the commit is durable: hand the job
 * back to its loop. */
static void on_job_done(struct write_job *job)
{
    struct http_write *w = H2O_STRUCT_FROM_MEMBER(struct http_write, job, job);
    /* Committed: only now can no loop re-cache what the job revoked. */
    if (w->revokes_sessions && job->rc == PH_OK)
        session_generation_bump();
    h2o_multithread_send_message(&w->t->done_receiver, &w->msg);
}

static void on_cpu_run(struct work_item *item)
{
    struct http_write *w = H2O_STRUCT_FROM_MEMBER(struct http_write, work, item);
    if (!atomic_load(&abandoned))
        w->cpu(w->arg);
}

/* Pool thread, after the CPU step: on to the writer, or for a read (no run)
 * straight back to the loop. */
static void on_cpu_done(struct work_item *item)
{
    struct http_write *w = H2O_STRUCT_FROM_MEMBER(struct http_write, work, item);
    if (w->job.run == NULL) {
        if (atomic_load(&abandoned))
            w->job.rc = PH_EBUSY;
        h2o_multithread_send_message(&w->t->done_receiver, &w->msg);
        return;
    }
    if (atomic_load(&abandoned) || writer_submit(w->t->writer, &w->job) != PH_OK) {
        w->job.rc = PH_EBUSY;
        h2o_multithread_send_message(&w->t->done_receiver, &w->msg);
    }
}

static int submit(struct http_write *w, void (*cpu)(void *arg), write_fn run, void *arg,
                  http_finish_fn finish)
{
    w->cpu = cpu;
    w->arg = arg;
    w->finish = finish;
    w->job.run = run;
    w->job.arg = arg;
    w->job.done = on_job_done;
    /* Counted before the check: the main thread, which sets `draining` and then
     * waits for the count to reach 0, either sees this job or makes us refuse it. */
    atomic_fetch_add(&in_flight, 1);
    if (atomic_load(&draining)) {
        atomic_fetch_sub(&in_flight, 1);
        struct req *r = w->r;
        http_write_abandon(w);
        resp_header(r, "retry-after", "5");
        return resp_error_raw(r, 503, "shutting_down", "the server is shutting down; retry shortly",
                              "máy chủ đang dừng; thử lại sau giây lát", NULL);
    }
    if (run != NULL)
        atomic_fetch_add(&accepted, 1);
    ph_err rc;
    if (cpu != NULL) {
        w->work.run = on_cpu_run;
        w->work.done = on_cpu_done;
        rc = workpool_submit(w->t->workpool, &w->work);
    } else {
        rc = writer_submit(w->t->writer, &w->job);
    }
    if (rc != PH_OK) {
        atomic_fetch_sub(&in_flight, 1);
        struct req *r = w->r;
        http_write_abandon(w);
        resp_header(r, "retry-after", "1");
        return resp_error(r, PH_EBUSY, NULL);
    }
    return 0;
}

int http_write_submit(struct http_write *w, void (*cpu)(void *arg), write_fn run, void *arg,
                      http_finish_fn finish)
{
    return submit(w, cpu, run, arg, finish);
}

int http_read_submit(struct http_write *w, void (*work)(void *arg), void *arg,
                     http_finish_fn finish)
{
    w->job.rc = PH_OK;
    return submit(w, work, NULL, arg, finish);
}

ph_err http_pool_read(struct http_write *w, const char *dsn, int64_t now_ms, const char *what,
                      ph_err (*run)(struct core_ctx *cx, void *arg), void *arg)
{
    struct store *st = NULL;
    ph_err rc = store_open(dsn, &st);

    if (rc != PH_OK) {
        log_error("http: cannot open the database for %s", what);
        return PH_ESTORE;
    }
    struct core_ctx cx = {
        .st = st,
        .arena = &w->job.arena,
        .user = &w->job.user,
        .client = w->job.client,
        .now_ms = now_ms,
    };
    rc = run(&cx, arg);
    store_close(st);
    return rc;
}

void http_async_on_done(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    (void)receiver;
    while (!h2o_linklist_is_empty(messages)) {
        h2o_multithread_message_t *msg = H2O_STRUCT_FROM_MEMBER(h2o_multithread_message_t, link, messages->next);
        h2o_linklist_unlink(&msg->link);
        struct http_write *w = H2O_STRUCT_FROM_MEMBER(struct http_write, msg, msg);
        if (w->r != NULL) {
            w->link->w = NULL;
            struct req *r = w->r;
            w->finish(r, w);
        }
        free_write(w);
        atomic_fetch_sub(&in_flight, 1);
    }
}
