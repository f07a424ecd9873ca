/* writer.h - the one writer thread: it takes every queued write job, runs each in
 * its own savepoint inside one transaction, commits once (group commit: one fsync
 * for the batch), and only once that commit is on disk calls each job's done()
 * callback. Nothing is answered before its commit is durable. The CLI runs the
 * same jobs with writer_run_sync(). */
#ifndef PH_CORE_WRITER_H
#define PH_CORE_WRITER_H
#include <stdbool.h>
#include <stdint.h>
#include "core/ctx.h"
#include "util/arena.h"
#include "util/err.h"

struct write_job;
/* The work: a core service call on cx (cx->st is the writer's connection, inside a
 * transaction; cx->arena is job->arena). Its return value becomes job->rc; any
 * return other than PH_OK rolls back this job's savepoint only. */
typedef ph_err (*write_fn)(struct core_ctx *cx, void *arg);

struct write_job {
    write_fn run;
    void *arg;
    /* Called once the batch's commit is durable (or the batch failed: job->rc then
     * says why), on the writer's thread or its syncer's (writer.c), in commit
     * order. Must be quick: it hands the job back to its owner. */
    void (*done)(struct write_job *job);
    struct core_user user;  /* copied by the submitter; strings must outlive the job */
    const char *client;
    struct arena arena;     /* owned by the job's owner; run() allocates here */
    ph_err rc;
    struct write_job *next; /* queue link, the writer's */
};

struct writer;
/* Start the writer thread on its own connection to dsn. */
ph_err writer_start(const char *dsn, struct writer **out) __attribute__((warn_unused_result));
/* Queue job (thread-safe). PH_EBUSY when the queue is full (job not queued). */
ph_err writer_submit(struct writer *w, struct write_job *job) __attribute__((warn_unused_result));
/* Finish queued jobs, stop the thread, close the connection, free w. */
void writer_stop(struct writer *w);
/* Call fn(ctx, deliverable_to, true) after every batch in which some job
 * committed, once it is durable and before the jobs' done() (the event bus
 * wakes up here), and, when writer_commits_later, fn(ctx, deliverable_to,
 * false) before a commit that other connections will see before it is durable
 * (and when the hook is set). deliverable_to:
 * outbox rows with ids up to it may be delivered, the ones above it not yet
 * (INT64_MAX: all). Called on the writer's or the syncer's thread (writer.c),
 * in order. fn must be quick and must not submit jobs. NULL removes it; once
 * this returns, no call of the old hook is running or will run. */
void writer_set_on_commit(struct writer *w,
                          void (*fn)(void *ctx, int64_t deliverable_to, bool wake), void *ctx);
/* Do this writer's commits become visible before they are durable (its store
 * syncs them on another thread, store_sync_later)? The hook's deliverable_to
 * then keeps them from the event bus until they are. */
bool writer_commits_later(struct writer *w);
/* Batches and jobs committed so far (for /metrics). */
void writer_stats(struct writer *w, uint64_t *batches, uint64_t *jobs);

/* Checkpoint passes the checkpointer thread has run so far (tests, /metrics). */
uint64_t writer_checkpoints(struct writer *w);

/* Run one job now on st in its own transaction (BEGIN IMMEDIATE .. COMMIT): the
 * CLI's door to the same core services. */
ph_err writer_run_sync(struct core_ctx *cx, write_fn run, void *arg) __attribute__((warn_unused_result));
#endif
