/* workpool.h - a few threads for CPU-heavy work (argon2id, later analytics and
 * exports) so that event loops never wait on it. */
#ifndef PH_CORE_WORKPOOL_H
#define PH_CORE_WORKPOOL_H
#include "util/err.h"

struct work_item {
    void (*run)(struct work_item *w);  /* on a pool thread */
    void (*done)(struct work_item *w); /* on the same pool thread, after run */
    struct work_item *next;
};

struct workpool;
ph_err workpool_start(int threads, int max_queued, struct workpool **out) __attribute__((warn_unused_result));
/* Queue w; PH_EBUSY when max_queued items wait already. */
ph_err workpool_submit(struct workpool *p, struct work_item *w) __attribute__((warn_unused_result));
/* Run what is queued, then stop the threads and free p. */
void workpool_stop(struct workpool *p);
#endif
