/* writer.c - the writer thread and group commit (the syncer: writer_sync.c; the
 * checkpointer: writer_checkpoint.c).
 *
 * Submitters append jobs to a mutex-protected list; the thread takes the whole
 * list at once, so while one batch commits (one fsync) the next accumulates: under
 * load the cost of a commit is shared by every job that arrived meanwhile. Each job
 * runs inside a savepoint, so a job that fails (validation, conflict) undoes only
 * its own writes and the rest of the batch still commits. done() is called only
 * after the commit is on disk, because an answer must never announce a change the
 * database could still lose. */
#include "util/base.h"
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include "core/writer.h"
#include "core/writer_int.h"
#include "store/store.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/time.h"

/* Run every job of batch in one transaction. On return each job->rc is final;
 * true when some job committed; *held when it pushed a hold. */

static bool run_batch(struct writer *w, struct write_job *batch, bool *held)
{
    struct write_job *job;
    uint64_t n = 0, n_ok = 0;
    int64_t start = 0;
    ph_err rc = store_tx_begin(w->st);
    bool began = rc == PH_OK;

    /* The outbox's last id before this batch, for its hold (see the top): read
     * under the transaction's lock, so no other writer moves it meanwhile. */
    *held = false;
    if (rc == PH_OK && w->sync_split)
        rc = store_outbox_last_id(w->st, &start);

    for (job = batch; job != NULL; job = job->next)
        n++;
    for (job = batch; rc == PH_OK && job != NULL; job = job->next) {
        if (store_savepoint(w->st) != PH_OK) {
            rc = PH_ESTORE;
            break;
        }
        struct core_ctx cx = {
            .st = w->st,
            .arena = &job->arena,
            .user = &job->user,
            .client = job->client,
            .now_ms = time_now_ms(),
        };
        job->rc = job->run(&cx, job->arg);
        /* The release answers for the job's writes that did not wait (a store may
         * send them ahead, store.h): its failure is the job's, undone below. */
        if (job->rc == PH_OK)
            job->rc = store_savepoint_release(w->st);
        if (job->rc == PH_OK)
            n_ok++;
        /* If the savepoint cannot be undone, the transaction's state is unknown:
         * give up on the whole batch rather than commit half a job. */
        else if (store_savepoint_rollback(w->st) != PH_OK)
            rc = PH_ESTORE;
    }
    if (rc == PH_OK && w->sync_split) {
        writer_hold_push(w, start); /* before the commit makes its rows visible */
        *held = true;
    }
    if (rc == PH_OK)
        rc = store_tx_commit(w->st);
    if (rc != PH_OK) {
        log_error("core/writer: batch of %" PRIu64 " jobs rolled back", n);
        if (began)
            (void)store_tx_rollback(w->st);
        for (job = batch; job != NULL; job = job->next)
            job->rc = PH_ESTORE;
        return false;
    }
    atomic_fetch_add(&w->batches, 1);
    atomic_fetch_add(&w->jobs, n_ok); /* a failed job committed nothing */
    return n_ok > 0;
}

static void *writer_main(void *arg)
{
    struct writer *w = arg;

    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (w->head == NULL && !w->stopping)
            pthread_cond_wait(&w->cv, &w->mu);
        if (w->head == NULL)
            break; /* stopping, and nothing left to drain */
        struct write_job *batch = w->head;
        w->head = w->tail = NULL;
        w->queued = 0;
        pthread_mutex_unlock(&w->mu);

        bool held;
        bool committed = run_batch(w, batch, &held);
        if (w->sync_split)
            writer_to_syncer(w, batch, committed, held);
        else
            writer_deliver(w, batch, committed);
        if (w->ck_running)
            writer_catch_up(w);
        pthread_mutex_lock(&w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

ph_err writer_start(const char *dsn, struct writer **out)
{
    struct writer *w = xcalloc(1, sizeof(*w));
    ph_err rc = store_open(dsn, &w->st);
    int err;

    if (rc != PH_OK)
        goto fail_store;
    pthread_mutex_init(&w->mu, NULL);
    pthread_mutex_init(&w->hook_mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    pthread_mutex_init(&w->ck_mu, NULL);
    pthread_cond_init(&w->ck_cv, NULL);
    atomic_init(&w->batches, 0);
    atomic_init(&w->jobs, 0);
    atomic_init(&w->ck_passes, 0);
    w->ck_next = CKPT_PAGES;
    writer_checkpointer_start(w, dsn);
    writer_syncer_start(w);
    err = pthread_create(&w->thread, NULL, writer_main, w);
    if (err != 0) {
        log_error("core/writer: pthread_create: %s", strerror(err));
        rc = PH_EIO;
        goto fail_thread;
    }
    *out = w;
    return PH_OK;

fail_thread:
    writer_syncer_stop(w);
    writer_checkpointer_stop(w);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    pthread_mutex_destroy(&w->hook_mu);
    store_close(w->st);
fail_store:
    free(w);
    return rc;
}

ph_err writer_submit(struct writer *w, struct write_job *job)
{
    ph_err rc = PH_EBUSY;

    job->next = NULL;
    pthread_mutex_lock(&w->mu);
    if (w->stopping || w->queued >= WRITER_MAX_QUEUED)
        goto out;
    if (w->tail != NULL)
        w->tail->next = job;
    else
        w->head = job;
    w->tail = job;
    w->queued++;
    pthread_cond_signal(&w->cv);
    rc = PH_OK;
out:
    pthread_mutex_unlock(&w->mu);
    return rc;
}

void writer_stop(struct writer *w)
{
    if (w == NULL)
        return;
    pthread_mutex_lock(&w->mu);
    w->stopping = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    writer_syncer_stop(w); /* after the writer: it delivers the last batches */
    writer_checkpointer_stop(w);
    store_close(w->st);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    pthread_mutex_destroy(&w->hook_mu);
    free(w);
}

void writer_stats(struct writer *w, uint64_t *batches, uint64_t *jobs)
{
    *batches = atomic_load(&w->batches);
    *jobs = atomic_load(&w->jobs);
}

ph_err writer_run_sync(struct core_ctx *cx, write_fn run, void *arg)
{
    ph_err rc = store_tx_begin(cx->st);

    if (rc != PH_OK)
        return rc;
    rc = run(cx, arg);
    if (rc == PH_OK) {
        rc = store_tx_commit(cx->st);
        if (rc == PH_OK)
            return PH_OK;
    }
    (void)store_tx_rollback(cx->st);
    return rc;
}
