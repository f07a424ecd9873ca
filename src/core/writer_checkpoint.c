/* writer_checkpoint.c - the writer's checkpoints (core/writer.c; writer_int.h).
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
#include <pthread.h>
#include <stdatomic.h>
#include "core/writer_int.h"
#include "store/store.h"
#include "util/log.h"

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

/* One PASSIVE checkpoint on st; busy (another is copying) is no failure. */
static void checkpoint_on(struct store *st)
{
    int pages = 0, done = 0;
    ph_err rc = store_wal_checkpoint(st, &pages, &done);

    if (rc != PH_OK && rc != PH_EBUSY)
        log_warn("core/writer: checkpoint: %s", err_str(rc));
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
        checkpoint_on(w->ck_st);
        atomic_fetch_add(&w->ck_passes, 1);
        pthread_mutex_lock(&w->ck_mu);
    }
    pthread_mutex_unlock(&w->ck_mu);
    return NULL;
}

/* Between batches: when the WAL has grown past CKPT_WRITER_PAGES, copy the rest
 * of it now, so that the next transaction starts it over. Busy (the checkpointer
 * is copying) is fine: the next batch tries again. */
void writer_catch_up(struct writer *w)
{
    if (w->wal_pages >= CKPT_WRITER_PAGES)
        checkpoint_on(w->st);
}

/* The checkpointer on its own connection, and the writer's connection told to
 * leave checkpoints to it. Without it (an in-memory database has no WAL, or the
 * thread could not start) the writer's connection checkpoints as SQLite does by
 * default, after its commits: slower, never wrong. */
void writer_checkpointer_start(struct writer *w, const char *dsn)
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

void writer_checkpointer_stop(struct writer *w)
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

uint64_t writer_checkpoints(struct writer *w)
{
    return atomic_load(&w->ck_passes);
}
