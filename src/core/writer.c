/* writer.c - the writer thread and group commit.
 *
 * Submitters append jobs to a mutex-protected list; the thread takes the whole
 * list at once, so while one batch commits (one fsync) the next accumulates: under
 * load the cost of a commit is shared by every job that arrived meanwhile. Each job
 * runs inside a savepoint, so a job that fails (validation, conflict) undoes only
 * its own writes and the rest of the batch still commits. done() is called only
 * after the commit returned, because an answer must never announce a change the
 * database could still lose.
 *
 * Checkpoints (copying the WAL's pages into the database file, then an fsync of
 * it) run on a thread of their own, on its own connection, so that the writer
 * does not stop for them every 1,000 pages as SQLite's automatic checkpoint
 * would: the writer's connection reports the WAL's size after each commit
 * (store_wal_watch), and past CKPT_PAGES new pages the checkpointer runs a
 * PASSIVE checkpoint, which never blocks the writer. The WAL starts over from its
 * beginning only when a checkpoint has copied all of it before the writer's next
 * transaction begins; a writer that never pauses leaves no such moment, so past
 * CKPT_WRITER_PAGES the writer itself runs one between batches (after the
 * answers), which copies the little the checkpointer has not yet copied: the WAL
 * stays bounded. */
#include "util/base.h"
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include "core/writer.h"
#include "store/store.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/time.h"

/* The checkpointer copies the WAL into the database after this many new pages
 * (SQLite's automatic checkpoint uses the same number), and the writer copies the
 * rest itself once the WAL holds this many pages (32 MiB of 4 KiB pages). */
#define CKPT_PAGES 1000
#define CKPT_WRITER_PAGES 8000

/* Beyond this many waiting jobs the writer is not keeping up: refusing (429) is
 * better than letting memory and latency grow without bound. */
#define WRITER_MAX_QUEUED 10000

struct writer {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct write_job *head, *tail; /* under mu */
    size_t queued;                 /* under mu */
    bool stopping;                 /* under mu */
    struct store *st;              /* the writer thread's only */
    /* Under hook_mu, which is held while the hook runs: removing the hook waits for
     * a call in flight, so that its target can be freed right after. */
    pthread_mutex_t hook_mu;
    void (*on_commit)(void *ctx);
    void *on_commit_ctx;
    atomic_uint_fast64_t batches, jobs;
    /* Checkpoints. wal_pages is the WAL's size after the last commit (the writer
     * thread's). The checkpointer thread (ck_*, its own connection ck_st) runs
     * when ck_wanted; ck_next is the size at which the writer next asks. */
    int wal_pages, ck_next;
    pthread_t ck_thread;
    bool ck_running;
    pthread_mutex_t ck_mu;
    pthread_cond_t ck_cv;
    bool ck_wanted, ck_stopping; /* under ck_mu */
    struct store *ck_st;
    atomic_uint_fast64_t ck_passes;
};

/* The writer connection's WAL hook (store_wal_watch), on the writer thread after
 * each commit. */
static void on_wal(void *ctx, int pages)
{
    struct writer *w = ctx;

    if (pages < w->wal_pages) /* the WAL started over */
        w->ck_next = CKPT_PAGES;
    w->wal_pages = pages;
    if (pages < w->ck_next || !w->ck_running)
        return;
    w->ck_next = pages + CKPT_PAGES;
    pthread_mutex_lock(&w->ck_mu);
    w->ck_wanted = true;
    pthread_cond_signal(&w->ck_cv);
    pthread_mutex_unlock(&w->ck_mu);
}

static void *checkpointer_main(void *arg)
{
    struct writer *w = arg;

    pthread_mutex_lock(&w->ck_mu);
    for (;;) {
        while (!w->ck_wanted && !w->ck_stopping)
            pthread_cond_wait(&w->ck_cv, &w->ck_mu);
        if (w->ck_stopping)
            break;
        w->ck_wanted = false;
        pthread_mutex_unlock(&w->ck_mu);
        int pages = 0, done = 0;
        ph_err rc = store_wal_checkpoint(w->ck_st, &pages, &done);
        if (rc != PH_OK && rc != PH_EBUSY)
            log_warn("core/writer: checkpoint: %s", err_str(rc));
        atomic_fetch_add(&w->ck_passes, 1);
        pthread_mutex_lock(&w->ck_mu);
    }
    pthread_mutex_unlock(&w->ck_mu);
    return NULL;
}

/* Between batches: when the WAL has grown past CKPT_WRITER_PAGES, copy the rest
 * of it now, so that the next transaction starts it over. Busy (the checkpointer
 * is copying) is fine: the next batch tries again. */
static void writer_catch_up(struct writer *w)
{
    int pages = 0, done = 0;

    if (w->wal_pages < CKPT_WRITER_PAGES)
        return;
    ph_err rc = store_wal_checkpoint(w->st, &pages, &done);
    if (rc != PH_OK && rc != PH_EBUSY)
        log_warn("core/writer: checkpoint: %s", err_str(rc));
}

/* Run every job of batch in one transaction. On return each job->rc is final;
 * true when some job committed. */
static bool run_batch(struct writer *w, struct write_job *batch)
{
    struct write_job *job;
    uint64_t n = 0, n_ok = 0;
    ph_err rc = store_tx_begin(w->st);
    bool began = rc == PH_OK;

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

        bool committed = run_batch(w, batch);
        if (committed) {
            pthread_mutex_lock(&w->hook_mu);
            if (w->on_commit != NULL)
                w->on_commit(w->on_commit_ctx); /* before the answers: a client told "201" finds its event */
            pthread_mutex_unlock(&w->hook_mu);
        }
        while (batch != NULL) {
            struct write_job *next = batch->next; /* done() may free the job */
            batch->next = NULL;
            batch->done(batch);
            batch = next;
        }
        if (w->ck_running)
            writer_catch_up(w);
        pthread_mutex_lock(&w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

void writer_set_on_commit(struct writer *w, void (*fn)(void *ctx), void *ctx)
{
    pthread_mutex_lock(&w->hook_mu);
    w->on_commit = fn;
    w->on_commit_ctx = ctx;
    pthread_mutex_unlock(&w->hook_mu);
}

/* The checkpointer on its own connection, and the writer's connection told to
 * leave checkpoints to it. Without it (an in-memory database has no WAL, or the
 * thread could not start) the writer's connection checkpoints as SQLite does by
 * default, after its commits: slower, never wrong. */
static void checkpointer_start(struct writer *w, const char *dsn)
{
    int err;

    if (strcmp(dsn, ":memory:") == 0 || store_open(dsn, &w->ck_st) != PH_OK)
        return;
    if ((err = pthread_create(&w->ck_thread, NULL, checkpointer_main, w)) != 0) {
        log_warn("core/writer: no checkpointer thread: %s", strerror(err));
        store_close(w->ck_st);
        w->ck_st = NULL;
        return;
    }
    w->ck_running = true;
    if (store_wal_watch(w->st, on_wal, w) != PH_OK)
        log_warn("core/writer: the writer's connection keeps its own checkpoints");
}

static void checkpointer_stop(struct writer *w)
{
    if (w->ck_running) {
        (void)store_wal_watch(w->st, NULL, NULL);
        pthread_mutex_lock(&w->ck_mu);
        w->ck_stopping = true;
        pthread_cond_signal(&w->ck_cv);
        pthread_mutex_unlock(&w->ck_mu);
        pthread_join(w->ck_thread, NULL);
        w->ck_running = false;
    }
    store_close(w->ck_st); /* harmless on NULL */
    w->ck_st = NULL;
    pthread_cond_destroy(&w->ck_cv);
    pthread_mutex_destroy(&w->ck_mu);
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
    checkpointer_start(w, dsn);
    err = pthread_create(&w->thread, NULL, writer_main, w);
    if (err != 0) {
        log_error("core/writer: pthread_create: %s", strerror(err));
        rc = PH_EIO;
        goto fail_thread;
    }
    *out = w;
    return PH_OK;

fail_thread:
    checkpointer_stop(w);
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
    checkpointer_stop(w);
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

uint64_t writer_checkpoints(struct writer *w)
{
    return atomic_load(&w->ck_passes);
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
