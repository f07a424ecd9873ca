/* workpool.c - a fixed set of threads over one bounded FIFO. Items are owned by
 * their submitter; done() runs on the pool thread right after run(), and hands the
 * result back (e.g. to an event loop's queue). */
#include "util/base.h"
#include <pthread.h>
#include "core/workpool.h"
#include "util/log.h"
#include "util/mem.h"

struct workpool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct work_item *head, *tail; /* under mu */
    int queued, max_queued;        /* under mu */
    bool stopping;                 /* under mu */
    int n_threads;
    pthread_t *threads;
};

static void *pool_main(void *arg)
{
    struct workpool *p = arg;

    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->head == NULL && !p->stopping)
            pthread_cond_wait(&p->cv, &p->mu);
        if (p->head == NULL)
            break; /* stopping and drained */
        struct work_item *w = p->head;
        p->head = w->next;
        if (p->head == NULL)
            p->tail = NULL;
        p->queued--;
        pthread_mutex_unlock(&p->mu);

        w->next = NULL;
        w->run(w);
        if (w->done != NULL)
            w->done(w); /* may free w */
        pthread_mutex_lock(&p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

ph_err workpool_start(int threads, int max_queued, struct workpool **out)
{
    if (threads <= 0 || max_queued <= 0)
        return PH_EINVAL;
    struct workpool *p = xcalloc(1, sizeof(*p));
    p->max_queued = max_queued;
    p->threads = xcalloc((size_t)threads, sizeof(*p->threads));
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    for (; p->n_threads < threads; p->n_threads++) {
        int err = pthread_create(&p->threads[p->n_threads], NULL, pool_main, p);
        if (err != 0) {
            log_error("core/workpool: pthread_create: %s", strerror(err));
            workpool_stop(p); /* joins the threads already started */
            return PH_EIO;
        }
    }
    *out = p;
    return PH_OK;
}

ph_err workpool_submit(struct workpool *p, struct work_item *w)
{
    ph_err rc = PH_EBUSY;

    w->next = NULL;
    pthread_mutex_lock(&p->mu);
    if (p->stopping || p->queued >= p->max_queued)
        goto out;
    if (p->tail != NULL)
        p->tail->next = w;
    else
        p->head = w;
    p->tail = w;
    p->queued++;
    pthread_cond_signal(&p->cv);
    rc = PH_OK;
out:
    pthread_mutex_unlock(&p->mu);
    return rc;
}

void workpool_stop(struct workpool *p)
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&p->mu);
    p->stopping = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->n_threads; i++)
        pthread_join(p->threads[i], NULL);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p->threads);
    free(p);
}
