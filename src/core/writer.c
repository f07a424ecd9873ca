/* writer.c - the writer thread and group commit.
 *
 * Submitters append jobs to a mutex-protected list; the thread takes the whole
 * list at once, so while one batch commits (one fsync) the next accumulates: under
 * load the cost of a commit is shared by every job that arrived meanwhile. Each job
 * runs inside a savepoint, so a job that fails (validation, conflict) undoes only
 * its own writes and the rest of the batch still commits. done() is called only
 * after the commit is on disk, because an answer must never announce a change the
 * database could still lose.
 *
 * Where the store can (SQLite: store_sync_later), a commit does not wait for the
 * disk on the writer thread: the batch goes to the syncer thread, which makes
 * every batch committed so far durable with one sync of the WAL, then runs the
 * jobs' done(), in commit order. Meanwhile the writer runs the next batch: the
 * disk's wait (a third of a batch's time, PERFORMANCE.md) overlaps the next
 * batch's work. At most SYNC_QUEUED_MAX batches wait for the disk. Such a
 * commit is visible to other connections before it is durable, so the event
 * bus must not deliver its outbox rows yet: before its commit each batch holds
 * the outbox back at the last id before it (a FIFO of holds, one per batch not
 * yet synced), and the on_commit hook is told the highest id deliverable now
 * each time that changes (hold_publish); rows of other processes (the command
 * line commits with its own sync) below the oldest hold go through. A failed
 * sync stops the process, as PostgreSQL does: what the disk holds is then
 * unknown, and SQLite's recovery at the next start decides.
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
/* Committed batches waiting for the disk before the writer waits for room. */
#define SYNC_QUEUED_MAX 4
/* Holds: the batches queued, the ones the syncer is syncing, and one more. */
#define SYNC_HOLDS_MAX (2 * SYNC_QUEUED_MAX + 2)

/* A batch after its transaction: committed (or failed), on its way to done(). */
struct synced_batch {
    struct write_job *jobs;
    bool committed;
    bool held; /* it pushed a hold, which the syncer pops */
    struct synced_batch *next;
};

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
    void (*on_commit)(void *ctx, int64_t deliverable_to, bool wake);
    void *on_commit_ctx;
    /* The syncer (see the top), when the store lets commits skip the disk. */
    bool sync_split;
    pthread_t sync_thread;
    pthread_mutex_t sync_mu;
    pthread_cond_t sync_cv, sync_room_cv;
    struct synced_batch *sync_head, *sync_tail; /* under sync_mu */
    size_t sync_queued;                         /* under sync_mu */
    bool sync_stopping;                         /* under sync_mu */
    int64_t holds[SYNC_HOLDS_MAX];              /* under sync_mu, oldest first */
    size_t n_holds;                             /* under sync_mu */
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

static void hold_push(struct writer *w, int64_t start);

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
        hold_push(w, start); /* before the commit makes its rows visible */
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

/* The hook, told the highest outbox id deliverable now: below the oldest hold,
 * or all; wake when commits became durable. Under sync_mu, so that what it is
 * told follows the holds' order. */
static void hold_publish(struct writer *w, bool wake)
{
    pthread_mutex_lock(&w->hook_mu);
    if (w->on_commit != NULL)
        w->on_commit(w->on_commit_ctx, w->n_holds > 0 ? w->holds[0] : INT64_MAX, wake);
    pthread_mutex_unlock(&w->hook_mu);
}

static void hold_push(struct writer *w, int64_t start)
{
    pthread_mutex_lock(&w->sync_mu);
    if (w->n_holds == SYNC_HOLDS_MAX) {
        /* Cannot be: the writer waits for room before SYNC_QUEUED_MAX are queued. */
        log_error("core/writer: more than %d batches wait for the disk", SYNC_HOLDS_MAX);
        abort();
    }
    w->holds[w->n_holds++] = start;
    hold_publish(w, false); /* nothing new to read yet */
    pthread_mutex_unlock(&w->sync_mu);
}

/* The batches' ends: each job's done(), in order. Without the syncer the hook
 * first (before the answers: a client told "201" finds its event). */
static void deliver(struct writer *w, struct write_job *batch, bool committed)
{
    if (committed && !w->sync_split) {
        pthread_mutex_lock(&w->hook_mu);
        if (w->on_commit != NULL)
            w->on_commit(w->on_commit_ctx, INT64_MAX, true);
        pthread_mutex_unlock(&w->hook_mu);
    }
    while (batch != NULL) {
        struct write_job *next = batch->next; /* done() may free the job */
        batch->next = NULL;
        batch->done(batch);
        batch = next;
    }
}

/* On the writer thread, after the batch's transaction: hand it to the syncer,
 * waiting while SYNC_QUEUED_MAX batches wait for the disk. */
static void to_syncer(struct writer *w, struct write_job *batch, bool committed, bool held)
{
    struct synced_batch *sb = xcalloc(1, sizeof(*sb));

    *sb = (struct synced_batch){.jobs = batch, .committed = committed, .held = held};
    pthread_mutex_lock(&w->sync_mu);
    while (w->sync_queued >= SYNC_QUEUED_MAX)
        pthread_cond_wait(&w->sync_room_cv, &w->sync_mu);
    if (w->sync_tail != NULL)
        w->sync_tail->next = sb;
    else
        w->sync_head = sb;
    w->sync_tail = sb;
    w->sync_queued++;
    pthread_cond_signal(&w->sync_cv);
    pthread_mutex_unlock(&w->sync_mu);
}

/* The syncer: every batch waiting, made durable by one sync; their holds
 * popped (the hook wakes the bus), then their jobs' done(). */
static void *syncer_main(void *arg)
{
    struct writer *w = arg;

    pthread_mutex_lock(&w->sync_mu);
    for (;;) {
        while (w->sync_head == NULL && !w->sync_stopping)
            pthread_cond_wait(&w->sync_cv, &w->sync_mu);
        if (w->sync_head == NULL)
            break; /* stopping, and nothing left */
        struct synced_batch *list = w->sync_head;
        w->sync_head = w->sync_tail = NULL;
        w->sync_queued = 0;
        pthread_cond_broadcast(&w->sync_room_cv);
        pthread_mutex_unlock(&w->sync_mu);

        size_t held = 0;
        bool any = false;
        for (struct synced_batch *sb = list; sb != NULL; sb = sb->next) {
            any |= sb->committed;
            held += sb->held;
        }
        if (any && store_sync(w->st) != PH_OK) {
            log_error("core/writer: the write-ahead log could not be synced: stopping");
            abort();
        }
        pthread_mutex_lock(&w->sync_mu);
        memmove(w->holds, w->holds + held, (w->n_holds - held) * sizeof(w->holds[0]));
        w->n_holds -= held;
        hold_publish(w, true);
        pthread_mutex_unlock(&w->sync_mu);
        while (list != NULL) {
            struct synced_batch *next = list->next;
            deliver(w, list->jobs, list->committed);
            free(list);
            list = next;
        }
        pthread_mutex_lock(&w->sync_mu);
    }
    pthread_mutex_unlock(&w->sync_mu);
    return NULL;
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
            to_syncer(w, batch, committed, held);
        else
            deliver(w, batch, committed);
        if (w->ck_running)
            writer_catch_up(w);
        pthread_mutex_lock(&w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

void writer_set_on_commit(struct writer *w,
                          void (*fn)(void *ctx, int64_t deliverable_to, bool wake), void *ctx)
{
    pthread_mutex_lock(&w->hook_mu);
    w->on_commit = fn;
    w->on_commit_ctx = ctx;
    pthread_mutex_unlock(&w->hook_mu);
    if (w->sync_split && fn != NULL) {
        /* What is deliverable now: holds pushed before the hook was there. */
        pthread_mutex_lock(&w->sync_mu);
        hold_publish(w, false);
        pthread_mutex_unlock(&w->sync_mu);
    }
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

/* The syncer, when the store lets commits skip the disk (store_sync_later);
 * otherwise each commit waits for the disk on the writer thread, as before. */
static void syncer_start(struct writer *w)
{
    int err;

    pthread_mutex_init(&w->sync_mu, NULL);
    pthread_cond_init(&w->sync_cv, NULL);
    pthread_cond_init(&w->sync_room_cv, NULL);
    if (getenv("PHOIHOP_WRITER_SYNC") != NULL && strcmp(getenv("PHOIHOP_WRITER_SYNC"), "commit") == 0)
        return; /* commits wait for the disk (a comparison for the benchmarks) */
    if (store_sync_later(w->st) != PH_OK)
        return;
    if ((err = pthread_create(&w->sync_thread, NULL, syncer_main, w)) != 0) {
        /* Without the thread no one would sync: the commits must again. */
        log_error("core/writer: no syncer thread (%s): stopping", strerror(err));
        abort();
    }
    w->sync_split = true;
}

static void syncer_stop(struct writer *w)
{
    if (w->sync_split) {
        pthread_mutex_lock(&w->sync_mu);
        w->sync_stopping = true;
        pthread_cond_signal(&w->sync_cv);
        pthread_mutex_unlock(&w->sync_mu);
        pthread_join(w->sync_thread, NULL);
        w->sync_split = false;
    }
    pthread_cond_destroy(&w->sync_room_cv);
    pthread_cond_destroy(&w->sync_cv);
    pthread_mutex_destroy(&w->sync_mu);
}

bool writer_commits_later(struct writer *w)
{
    return w->sync_split;
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
    syncer_start(w);
    err = pthread_create(&w->thread, NULL, writer_main, w);
    if (err != 0) {
        log_error("core/writer: pthread_create: %s", strerror(err));
        rc = PH_EIO;
        goto fail_thread;
    }
    *out = w;
    return PH_OK;

fail_thread:
    syncer_stop(w);
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
    syncer_stop(w); /* after the writer: it delivers the last batches */
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
