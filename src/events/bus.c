/* bus.c - the event bus: one thread that turns committed outbox rows into shared,
 * reference-counted events and hands them to every subscriber.
 *
 * The writer's on-commit hook (bus_attach: bus_committed) wakes it after each
 * durable commit and says up to which id rows may be delivered (a commit
 * visible before it is durable is held back, core/writer.c); the thread then
 * reads every row above the last id it delivered, up to that id, in id order, on its
 * own read connection, page by page. Because the rows are read after the commit
 * and the writer is the only one assigning ids, ids ascend in commit order and
 * each row is read exactly once. A slow poll (BUS_IDLE_POLL_MS) also catches rows
 * that another process committed (the command line writing to the same database),
 * which no on-commit hook of ours announces.
 *
 * Each event carries its ready SSE frame, built once here rather than once per
 * connected client, and the access item parsed from the row, so that the event
 * loops filter per person without touching the database.
 *
 * Rounds start at least min_gap_ms (BUS_MIN_GAP_MS) apart. A round costs every
 * event loop one write per connected stream, whatever it carries: with 1,000
 * streams and 200 incidents a second (about 92 commits), a round per commit was
 * 92,000 writes a second, which kept both cores busy and made the requests
 * themselves wait (docs/PERFORMANCE.md, "Live feed"). A notification within the
 * gap waits for its end and joins whatever else came meanwhile; one after a
 * quiet spell goes at once, so a lone event is never delayed. */
#include "util/base.h"
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include "events/bus.h"
#include "core/writer.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/time.h"

/* Rows read (and delivered) per batch: bounds the bus thread's memory per round. */
#define BUS_PAGE 256
/* Without a notification, look at the outbox this often anyway (see above). */
#define BUS_IDLE_POLL_MS 1000
/* The shortest time between the starts of two rounds (see above). */
#define BUS_MIN_GAP_MS 25
/* Event loops (at most 64) plus the scheduler, with room to spare. */
#define BUS_MAX_SUBSCRIBERS 128
/* A kind outside enum item_kind (a newer binary's row): shown to nobody. */
#define BUS_HIDDEN_CLASSIFICATION (CLEARANCE_TOP_SECRET + 1)

struct bus_sub {
    bus_deliver_fn fn;
    void *ctx;
};

struct bus {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* on CLOCK_MONOTONIC */
    bool notified;     /* under mu */
    uint64_t notified_ns; /* under mu: time_mono_ns() of the first unanswered notify; 0 none */
    bool stopping;     /* under mu */
    int min_gap_ms;       /* under mu (bus_set_min_gap) */
    uint64_t round_ns;    /* bus thread: time_mono_ns() when the last round handing out events began */
    _Atomic uint64_t rounds, spaced; /* rounds that handed out events; of them, those that waited */
    /* Entries below n_subs never change once written, so the thread calls them
     * outside mu after reading n_subs under it. */
    struct bus_sub subs[BUS_MAX_SUBSCRIBERS];
    size_t n_subs;             /* under mu */
    struct store *st;          /* the bus thread's only */
    _Atomic int64_t last_id;   /* the highest row read: the next read starts above it */
    _Atomic int64_t delivered; /* the highest delivered since start (0: none yet) */
    /* Nothing above it is delivered (bus_committed): rows the writer committed
     * but the disk does not hold yet. INT64_MAX: no such rows. */
    _Atomic int64_t horizon;
};

/* ---- events ------------------------------------------------------------------------ */

/* Bytes of the SSE frame for one row, with a NUL after it: "id: N\nevent: T\n",
 * one "data: " line per line of the payload, then the blank line that ends the
 * event. */
static size_t frame_len(int64_t id, const char *topic, const char *payload)
{
    size_t n = (size_t)snprintf(NULL, 0, "id: %" PRId64 "\nevent: %s\n", id, topic) + 2;
    const char *p = payload;

    for (;;) {
        const char *nl = strchr(p, '\n');
        n += 6 + (nl != NULL ? (size_t)(nl - p) : strlen(p)) + 1; /* "data: " line "\n" */
        if (nl == NULL)
            break;
        p = nl + 1;
    }
    return n;
}

/* Write the frame into out (frame_len bytes, plus a NUL); its length. Carriage
 * returns and line feeds cannot end up inside a field: a payload line break starts
 * another data line (EventSource joins them back with "\n"), and a topic's is
 * replaced, so that no row can forge a second event. */
static size_t frame_write(char *out, size_t size, int64_t id, const char *topic,
                          const char *payload)
{
    size_t w = (size_t)snprintf(out, size, "id: %" PRId64 "\nevent: ", id);
    const char *p = payload;

    for (const char *t = topic; *t != '\0'; t++)
        out[w++] = (*t == '\n' || *t == '\r') ? '_' : *t;
    out[w++] = '\n';
    for (;;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl != NULL ? (size_t)(nl - p) : strlen(p);
        memcpy(out + w, "data: ", 6);
        w += 6;
        for (size_t i = 0; i < len; i++)
            out[w++] = p[i] == '\r' ? ' ' : p[i];
        out[w++] = '\n';
        if (nl == NULL)
            break;
        p = nl + 1;
    }
    out[w++] = '\n';
    out[w] = '\0';
    return w;
}

/* Split the copied scope_paths in place: "owner sent1 sent2", the owner's slot
 * empty (a leading space) when the item has none (core/outbox.c writes it so). */
static void parse_scope(char *paths, const char **sent, struct access_item *ai)
{
    char *p = paths, *sp;

    ai->owner_path = NULL;
    ai->n_sent_to = 0;
    if (paths == NULL)
        return;
    sp = strchr(p, ' ');
    if (sp != NULL)
        *sp = '\0';
    if (*p != '\0')
        ai->owner_path = p;
    while (sp != NULL) {
        p = sp + 1;
        sp = strchr(p, ' ');
        if (sp != NULL)
            *sp = '\0';
        if (*p != '\0')
            sent[ai->n_sent_to++] = p;
    }
    ai->sent_to_paths = sent;
}

static size_t count_char(const char *s, char c)
{
    size_t n = 0;
    for (; s != NULL && *s != '\0'; s++)
        n += *s == c;
    return n;
}

struct bus_event *bus_event_from_outbox(const struct store_outbox_event *row)
{
    const char *topic = row->topic != NULL ? row->topic : "";
    const char *kind = row->item_kind != NULL ? row->item_kind : "";
    const char *payload = row->payload != NULL ? row->payload : "{}";
    size_t n_paths = row->scope_paths != NULL ? count_char(row->scope_paths, ' ') + 1 : 0;
    size_t l_topic = strlen(topic) + 1, l_kind = strlen(kind) + 1, l_payload = strlen(payload) + 1;
    size_t l_paths = row->scope_paths != NULL ? strlen(row->scope_paths) + 1 : 0;
    size_t l_frame = frame_len(row->id, topic, payload);
    /* One block: the struct, the sent-to pointers, then the strings and the frame,
     * so that the last unref frees everything with one free(). */
    size_t head = sizeof(struct bus_event) + n_paths * sizeof(const char *);
    struct bus_event *ev = xmalloc(head + l_topic + l_kind + l_payload + l_paths + l_frame);
    const char **sent = (const char **)(ev + 1);
    char *s = (char *)ev + head;

    memset(ev, 0, sizeof(*ev));
    ev->id = row->id;
    ev->at = row->at;
    ev->item_id = row->item_id;
    ev->topic = memcpy(s, topic, l_topic);
    s += l_topic;
    ev->item_kind = memcpy(s, kind, l_kind);
    s += l_kind;
    ev->payload = row->payload != NULL ? memcpy(s, payload, l_payload) : NULL;
    s += l_payload;
    if (row->scope_paths != NULL) {
        parse_scope(memcpy(s, row->scope_paths, l_paths), sent, &ev->access);
        s += l_paths;
    }
    if (row->access_kind >= (int)ITEM_AREA && row->access_kind <= (int)ITEM_OPERATIONAL) {
        ev->access.kind = (enum item_kind)row->access_kind;
        ev->access.classification = row->classification;
    } else {
        ev->access.kind = ITEM_OPERATIONAL;
        ev->access.classification = BUS_HIDDEN_CLASSIFICATION;
    }
    ev->sse = s;
    ev->sse_len = frame_write(s, l_frame, row->id, topic, payload);
    ev->refs = 1;
    return ev;
}

void bus_event_ref(struct bus_event *ev)
{
    __atomic_add_fetch(&ev->refs, 1, __ATOMIC_RELAXED);
}

void bus_event_unref(struct bus_event *ev)
{
    if (ev != NULL && __atomic_sub_fetch(&ev->refs, 1, __ATOMIC_ACQ_REL) == 0)
        free(ev);
}

bool bus_event_visible(const struct core_user *who, const struct bus_event *ev)
{
    return who != NULL && ev != NULL && access_allows(who, ACCESS_READ, &ev->access, NULL);
}

/* ---- the thread -------------------------------------------------------------------- */

/* Deliver every row above last_id to the first n_subs subscribers, adding their
 * number to *handed. PH_ESTORE when a read failed (the rest waits for the next
 * round; nothing is skipped). */
static ph_err drain(struct bus *b, size_t n_subs, uint64_t committed_ns, size_t *handed)
{
    struct bus_event *evs[BUS_PAGE];
    struct arena a;
    ph_err rc = PH_OK;
    size_t n;

    arena_init(&a);
    do {
        struct store_outbox_event *rows = NULL;
        int64_t after = atomic_load(&b->last_id);

        n = 0;
        rc = store_outbox_after(b->st, &a, after, BUS_PAGE, &rows, &n);
        if (rc != PH_OK)
            break;
        /* Rows not yet durable wait for the hook that says they are. */
        size_t got = n;
        n = bus_deliverable_rows(b, rows, n);
        for (size_t i = 0; i < n; i++) {
            evs[i] = bus_event_from_outbox(&rows[i]);
            evs[i]->committed_ns = committed_ns;
        }
        for (size_t k = 0; n > 0 && k < n_subs; k++)
            b->subs[k].fn(b->subs[k].ctx, evs, n);
        *handed += n;
        if (n > 0) {
            atomic_store(&b->last_id, rows[n - 1].id);
            atomic_store(&b->delivered, rows[n - 1].id);
        }
        for (size_t i = 0; i < n; i++)
            bus_event_unref(evs[i]);
        arena_release(&a);
        arena_init(&a);
        if (n < got)
            break;
    } while (n == BUS_PAGE);
    arena_release(&a);
    return rc;
}

static void deadline_in(struct timespec *ts, int64_t ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

/* Under mu: wait until min_gap_ms after the start of the last round that handed
 * out events; notifications in the meantime join this round. Whether it waited. */
static bool wait_for_gap(struct bus *b)
{
    uint64_t end = b->round_ns + (uint64_t)b->min_gap_ms * 1000000u;

    if (b->round_ns == 0 || time_mono_ns() >= end)
        return false;
    /* The condition variable waits on CLOCK_MONOTONIC, as time_mono_ns() reads. */
    struct timespec until = {(time_t)(end / 1000000000u), (long)(end % 1000000000u)};
    while (!b->stopping && pthread_cond_timedwait(&b->cv, &b->mu, &until) != ETIMEDOUT)
        ;
    return true;
}

static void *bus_main(void *arg)
{
    struct bus *b = arg;
    bool failing = false;

    pthread_mutex_lock(&b->mu);
    for (;;) {
        struct timespec until;
        deadline_in(&until, BUS_IDLE_POLL_MS);
        while (!b->notified && !b->stopping) {
            if (pthread_cond_timedwait(&b->cv, &b->mu, &until) == ETIMEDOUT)
                break;
        }
        bool waited = wait_for_gap(b); /* returns at once when stopping */
        if (b->stopping)
            break;
        b->notified = false;
        uint64_t committed_ns = b->notified_ns; /* 0 after a timeout: the idle poll */
        b->notified_ns = 0;
        size_t n_subs = b->n_subs;
        pthread_mutex_unlock(&b->mu);

        uint64_t started = time_mono_ns();
        size_t handed = 0;
        ph_err rc = drain(b, n_subs, committed_ns, &handed);
        if (handed > 0) { /* a round that found nothing wrote nothing: no gap after it */
            b->round_ns = started;
            atomic_fetch_add(&b->rounds, 1);
            if (waited)
                atomic_fetch_add(&b->spaced, 1);
        }
        /* Log a failing database once, not once a second. */
        if (rc != PH_OK && !failing)
            log_error("events/bus: cannot read the outbox after id %" PRId64 "; retrying",
                      atomic_load(&b->last_id));
        else if (rc == PH_OK && failing)
            log_info("events/bus: reading the outbox again");
        failing = rc != PH_OK;
        pthread_mutex_lock(&b->mu);
    }
    pthread_mutex_unlock(&b->mu);
    return NULL;
}

/* ---- the interface ----------------------------------------------------------------- */

ph_err bus_start(const char *dsn, struct bus **out)
{
    struct bus *b = xcalloc(1, sizeof(*b));
    pthread_condattr_t ca;
    int64_t last = 0;
    ph_err rc = store_open(dsn, &b->st);
    int err;

    if (rc != PH_OK)
        goto fail_store;
    rc = store_outbox_last_id(b->st, &last);
    if (rc != PH_OK)
        goto fail_last;
    atomic_init(&b->last_id, last);
    atomic_init(&b->horizon, INT64_MAX);
    atomic_init(&b->delivered, 0);
    atomic_init(&b->rounds, 0);
    atomic_init(&b->spaced, 0);
    b->min_gap_ms = BUS_MIN_GAP_MS;
    pthread_mutex_init(&b->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&b->cv, &ca);
    pthread_condattr_destroy(&ca);
    err = pthread_create(&b->thread, NULL, bus_main, b);
    if (err != 0) {
        log_error("events/bus: pthread_create: %s", strerror(err));
        rc = PH_EIO;
        goto fail_thread;
    }
    *out = b;
    return PH_OK;

fail_thread:
    pthread_cond_destroy(&b->cv);
    pthread_mutex_destroy(&b->mu);
fail_last:
    store_close(b->st);
fail_store:
    free(b);
    return rc;
}

void bus_subscribe(struct bus *b, bus_deliver_fn fn, void *ctx)
{
    pthread_mutex_lock(&b->mu);
    if (b->n_subs < BUS_MAX_SUBSCRIBERS)
        b->subs[b->n_subs++] = (struct bus_sub){fn, ctx};
    else
        log_error("events/bus: more than %d subscribers; one is ignored", BUS_MAX_SUBSCRIBERS);
    pthread_mutex_unlock(&b->mu);
}

void bus_set_min_gap(struct bus *b, int ms)
{
    pthread_mutex_lock(&b->mu);
    b->min_gap_ms = ms > 0 ? ms : 0;
    pthread_mutex_unlock(&b->mu);
}

void bus_rounds(struct bus *b, uint64_t *rounds, uint64_t *spaced)
{
    /* spaced first: it never passes rounds, which moves first. */
    *spaced = atomic_load(&b->spaced);
    *rounds = atomic_load(&b->rounds);
}

void bus_notify(void *bus)
{
    struct bus *b = bus;

    if (b == NULL)
        return;
    uint64_t now = time_mono_ns();
    pthread_mutex_lock(&b->mu);
    b->notified = true;
    if (b->notified_ns == 0)
        b->notified_ns = now;
    pthread_cond_signal(&b->cv);
    pthread_mutex_unlock(&b->mu);
}

void bus_attach(struct bus *b, struct writer *w)
{
    writer_set_on_commit(w, bus_committed, b);
}

void bus_committed(void *bus, int64_t deliverable_to, bool wake)
{
    struct bus *b = bus;

    if (b == NULL)
        return;
    atomic_store(&b->horizon, deliverable_to);
    if (wake)
        bus_notify(b);
}

int64_t bus_deliverable(struct bus *b)
{
    return atomic_load(&b->horizon);
}

size_t bus_deliverable_rows(struct bus *b, const struct store_outbox_event *rows, size_t n)
{
    int64_t horizon = atomic_load(&b->horizon);

    while (n > 0 && rows[n - 1].id > horizon)
        n--;
    return n;
}

int64_t bus_last_id(struct bus *b)
{
    return atomic_load(&b->delivered);
}

void bus_stop(struct bus *b)
{
    if (b == NULL)
        return;
    pthread_mutex_lock(&b->mu);
    b->stopping = true;
    pthread_cond_signal(&b->cv);
    pthread_mutex_unlock(&b->mu);
    pthread_join(b->thread, NULL);
    store_close(b->st);
    pthread_cond_destroy(&b->cv);
    pthread_mutex_destroy(&b->mu);
    free(b);
}
