/* cot_welcome.c - the picture a connection gets once it is a person (the active
 * operations and the open incidents of the last day it may read), read and
 * rendered off the listener's loop:
 *
 *   identified (loop) --job--> the welcome thread: reads on its own store
 *      connection, renders each event --message--> loop: queued to the
 *      connection, unless it closed or its rights changed meanwhile
 *
 * Why a thread: these reads are lists over incidents and operations, a few
 * milliseconds each on a small database but tens of milliseconds on a year of
 * incidents, and every client asks for them at once when the server restarts.
 * Read on the loop, 200 clients reconnecting held every relayed fix back for
 * seconds (docs/PERFORMANCE.md, CoT). The relay of fixes never waits on the
 * welcome now; a relayed fix may reach a client before its picture does, which
 * TAK clients do not mind (each event stands on its own).
 *
 * A connection has at most one welcome in flight (c->welcome); closing it
 * detaches the job (job->c = NULL), which is then dropped when it comes back.
 * Only the loop thread touches job->c and the connection; the thread touches
 * only the job's own copies (the user in job->arena) and its blobs, which the
 * loop takes over with the message. Stopping (cot_welcome_stop, on the loop
 * after every connection closed) drops the jobs not started and joins the
 * thread, whose last message the loop's final turn frees. */
#include "util/base.h"
#include "net/cot_int.h"
#include "store/store.h"
#include "util/log.h"
#include "util/time.h"
#include "util/dsn.h"

struct cot_welcome {
    h2o_multithread_message_t msg;
    struct cot_server *s;
    struct cot_conn *c;    /* loop thread only; NULL once c closed */
    struct core_user user; /* c's person when asked (strings in arena) */
    uint64_t generation;   /* c->generation when asked */
    struct arena arena;
    struct cot_blob **blobs; /* the rendered events, in order */
    size_t n, cap;
    struct cot_welcome *next; /* the thread's queue */
};

struct cot_welcomer {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct cot_welcome *head, *tail; /* under mu */
    bool stopping;                   /* under mu */
    struct store *st;                /* the thread's read connection */
};

static void job_free(struct cot_welcome *j)
{
    for (size_t i = 0; i < j->n; i++)
        cot_blob_unref(j->blobs[i]);
    free(j->blobs);
    arena_release(&j->arena);
    free(j);
}

/* cot_outbound_picture's sink: one event. */
static void add_event(void *ctx, const char *data, size_t len)
{
    struct cot_welcome *j = ctx;

    if (j->n == j->cap) {
        j->cap = j->cap ? 2 * j->cap : 16;
        j->blobs = xrealloc(j->blobs, j->cap * sizeof(*j->blobs));
    }
    j->blobs[j->n++] = cot_blob_new(data, len);
}

static void *welcome_main(void *arg)
{
    struct cot_server *s = arg;
    struct cot_welcomer *w = s->welcomer;

    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (w->head == NULL && !w->stopping)
            pthread_cond_wait(&w->cv, &w->mu);
        if (w->stopping)
            break;
        struct cot_welcome *j = w->head;
        w->head = j->next;
        if (w->head == NULL)
            w->tail = NULL;
        pthread_mutex_unlock(&w->mu);

        cot_outbound_picture(s, w->st, &j->user, time_now_ms(), add_event, j);
        atomic_fetch_add(&s->posting, 1);
        h2o_multithread_send_message(&s->welcome_rx, &j->msg);
        atomic_fetch_sub(&s->posting, 1);

        pthread_mutex_lock(&w->mu);
    }
    /* Stopping: every connection is closed, so the jobs not started are nobody's. */
    while (w->head != NULL) {
        struct cot_welcome *j = w->head;
        w->head = j->next;
        job_free(j);
    }
    w->tail = NULL;
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

ph_err cot_welcome_start(struct cot_server *s, const char *dsn)
{
    struct cot_welcomer *w = xcalloc(1, sizeof(*w));
    ph_err rc = store_open(dsn, &w->st);

    if (rc != PH_OK) {
        char shown[512];
        log_error("cot: cannot open the database %s for the welcome thread",
                  dsn_redact(dsn, shown, sizeof(shown)));
        free(w);
        return rc;
    }
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    s->welcomer = w;
    if (pthread_create(&w->thread, NULL, welcome_main, s) != 0) {
        log_error("cot: cannot start the welcome thread");
        pthread_cond_destroy(&w->cv);
        pthread_mutex_destroy(&w->mu);
        store_close(w->st);
        free(w);
        s->welcomer = NULL;
        return PH_EIO;
    }
    return PH_OK;
}

void cot_welcome_stop(struct cot_server *s)
{
    struct cot_welcomer *w = s->welcomer;

    if (w == NULL)
        return;
    pthread_mutex_lock(&w->mu);
    w->stopping = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    store_close(w->st);
    free(w);
    s->welcomer = NULL;
}

void cot_welcome_request(struct cot_conn *c)
{
    struct cot_welcomer *w = c->s->welcomer;
    struct cot_welcome *j;

    if (w == NULL || !c->identified || c->is_closed)
        return;
    cot_welcome_forget(c); /* a newer picture replaces one still being read */
    j = xcalloc(1, sizeof(*j));
    arena_init(&j->arena);
    j->s = c->s;
    j->c = c;
    j->generation = c->generation;
    core_user_copy(&j->arena, &j->user, &c->user);
    c->welcome = j;
    pthread_mutex_lock(&w->mu);
    if (w->tail != NULL)
        w->tail->next = j;
    else
        w->head = j;
    w->tail = j;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

void cot_welcome_forget(struct cot_conn *c)
{
    if (c->welcome != NULL) {
        c->welcome->c = NULL;
        c->welcome = NULL;
    }
}

void cot_welcome_on_done(h2o_multithread_receiver_t *rx, h2o_linklist_t *messages)
{
    struct cot_server *s = H2O_STRUCT_FROM_MEMBER(struct cot_server, welcome_rx, rx);

    while (!h2o_linklist_is_empty(messages)) {
        h2o_multithread_message_t *msg =
            H2O_STRUCT_FROM_MEMBER(h2o_multithread_message_t, link, messages->next);
        struct cot_welcome *j = H2O_STRUCT_FROM_MEMBER(struct cot_welcome, msg, msg);
        struct cot_conn *c = j->c;
        h2o_linklist_unlink(&msg->link);
        if (c != NULL) {
            c->welcome = NULL;
            if (c->generation != j->generation || c->user.person_id != j->user.person_id) {
                cot_welcome_request(c); /* read with rights c no longer has: again */
            } else {
                for (size_t i = 0; i < j->n && !c->is_closed; i++)
                    cot_conn_send(c, j->blobs[i]);
            }
        }
        job_free(j);
    }
    cot_conn_flush_all(s);
}
