/* writer_int.h - the writer's parts, shared by writer.c (the queue, the batches,
 * the thread), writer_checkpoint.c (the checkpointer) and writer_sync.c (the
 * syncer and the event bus's holds). Nothing here leaves core/. */
#ifndef PH_CORE_WRITER_INT_H
#define PH_CORE_WRITER_INT_H
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include "core/writer.h"

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

/* writer_checkpoint.c: the checkpointer thread (started when the database has a
 * WAL), and the writer's own copy between batches past CKPT_WRITER_PAGES. */
void writer_checkpointer_start(struct writer *w, const char *dsn);
void writer_checkpointer_stop(struct writer *w);
void writer_catch_up(struct writer *w);

/* writer_sync.c: the syncer, when the store lets commits skip the disk
 * (store_sync_later); hold_push before a batch's commit (its outbox's last id
 * before it); to_syncer after its transaction; deliver a batch's done()s. */
void writer_syncer_start(struct writer *w);
void writer_syncer_stop(struct writer *w);
void writer_hold_push(struct writer *w, int64_t start);
void writer_to_syncer(struct writer *w, struct write_job *batch, bool committed, bool held);
void writer_deliver(struct writer *w, struct write_job *batch, bool committed);
#endif
