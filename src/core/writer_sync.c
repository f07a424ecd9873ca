/* writer_sync.c - the writer's syncer: commits made durable off the writer
 * thread, and the event bus held back meanwhile (core/writer.c; writer_int.h).
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
 * unknown, and SQLite's recovery at the next start decides. */
#include "util/base.h"
#include <pthread.h>
#include <time.h>
#include "core/writer_int.h"
#include "store/store.h"
#include "util/log.h"
#include "util/mem.h"

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

void writer_hold_push(struct writer *w, int64_t start)
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
 * first (before the answers: a client told "201" finds its event), with no
 * hold (there are none): every row deliverable. */
void writer_deliver(struct writer *w, struct write_job *batch, bool committed)
{
    if (committed && !w->sync_split) {
        pthread_mutex_lock(&w->sync_mu);
        hold_publish(w, true);
        pthread_mutex_unlock(&w->sync_mu);
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
void writer_to_syncer(struct writer *w, struct write_job *batch, bool committed, bool held)
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

#ifdef PH_TEST_HOOKS
/* Test builds only (the sanitizer build of `make test`): PHOIHOP_TEST_SYNC_DELAY_MS
 * holds every sync back that long, so that a test can look into the window
 * between a commit and its durability (tests/api/test_stream.c). Read by the
 * syncer thread alone. */
static void test_sync_delay(void)
{
    static long ms = -1;

    if (ms < 0) {
        const char *v = getenv("PHOIHOP_TEST_SYNC_DELAY_MS");
        ms = v != NULL ? strtol(v, NULL, 10) : 0;
        if (ms < 0 || ms > 60000)
            ms = 0;
        if (ms > 0)
            log_warn("core/writer: test hook: every sync held back %ld ms", ms);
    }
    if (ms > 0) {
        struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
}
#else
static void test_sync_delay(void)
{
}
#endif

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
        if (any)
            test_sync_delay(); /* nothing outside test builds */
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
            writer_deliver(w, list->jobs, list->committed);
            free(list);
            list = next;
        }
        pthread_mutex_lock(&w->sync_mu);
    }
    pthread_mutex_unlock(&w->sync_mu);
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

/* The syncer, when the store lets commits skip the disk (store_sync_later);
 * otherwise each commit waits for the disk on the writer thread, as before. */
void writer_syncer_start(struct writer *w)
{
    int err;

    pthread_mutex_init(&w->sync_mu, NULL);
    pthread_cond_init(&w->sync_cv, NULL);
    pthread_cond_init(&w->sync_room_cv, NULL);
    const char *mode = getenv("PHOIHOP_WRITER_SYNC");
    if (mode != NULL && strcmp(mode, "commit") == 0)
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

void writer_syncer_stop(struct writer *w)
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
