/* cluster.c - the threads that make several nodes on one database one system
 * (cluster.h): the listener (notifications in: bus wake-ups, other nodes'
 * fixes and session changes) and the sender (this node's out).
 *
 * Fixes reach the sender through a subscription to the live-position hub: the
 * hub calls it on the publisher's thread (an HTTP loop, the CoT listener) after
 * the positions committed; it copies them into a bounded queue and signals the
 * sender, which packs everything waiting into as few notifications as fit
 * (several fixes each), off the publishers' threads. Fixes that came from
 * another node are published on the hub by the listener with relaying set (a
 * thread-local flag): the subscription sees it and does not send them back out.
 * Session changes go the same way: core/session.c's hook (on the bumping thread)
 * marks one as due, the sender announces it, and the other nodes' listeners bump
 * their own generation with relaying set, which the hook does not announce.
 *
 * Neither thread's connection is anyone else's, so both may block on it: the
 * listener waits at most CLUSTER_WAIT_MS at a time and looks at the stop flag
 * in between. A failed wait or send closes the connection; it is opened again
 * after a pause that doubles from CLUSTER_BACKOFF_MIN_MS up to
 * CLUSTER_BACKOFF_MAX_MS. After the listener (re)connects it wakes the bus once:
 * whatever was committed while it was not listening is read then. */
#include "util/base.h"
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include "core/session.h"
#include "events/bus.h"
#include "events/cluster.h"
#include "events/livepos.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/rng.h"
#include "util/time.h"
#include "util/dsn.h"

/* The longest wait for a notification between looks at the stop flag. */
#define CLUSTER_WAIT_MS 1000
/* The first pause before reconnecting (then doubled up to CLUSTER_BACKOFF_MAX_MS). */
#define CLUSTER_BACKOFF_MIN_MS 250
/* Fixes waiting for the sender: beyond, new ones are dropped and counted (live
 * data: the next fix of the device replaces a lost one). */
#define CLUSTER_PENDING_MAX 20000

/* Set on the listener's thread while it publishes other nodes' fixes. */
static _Thread_local bool relaying;

/* The hub's subscription (it cannot be taken back): cleared at stop, then kept
 * reachable, as net/cot_server.c does with its taps. */
struct cluster_tap {
    pthread_mutex_t mu;
    struct cluster *c; /* under mu; NULL once stopped */
    struct cluster_tap *next;
};
static pthread_mutex_t retired_mu = PTHREAD_MUTEX_INITIALIZER;
static struct cluster_tap *retired_taps;

/* The cluster the session hook tells (one per process), under session_mu. */
static pthread_mutex_t session_mu = PTHREAD_MUTEX_INITIALIZER;
static struct cluster *session_cluster;

/* Fixes of one publish call, with their strings, waiting for the sender. */
struct pending {
    struct pending *next;
    size_t n;
    struct livepos_fix fixes[];
};

struct cluster {
    char *dsn;
    char node[CLUSTER_NODE_ID_BYTES];
    struct bus *bus;
    struct livepos *hub;
    struct cluster_tap *tap;
    pthread_t listener, sender;
    bool listener_started, sender_started;
    struct store *lst; /* the listener's connection (NULL while down) */
    struct store *sst; /* the sender's */
    pthread_mutex_t mu;
    pthread_cond_t cv;    /* on CLOCK_MONOTONIC: fixes queued, a session change, stop */
    bool stopping;        /* under mu */
    struct pending *head; /* under mu */
    struct pending **tail;
    size_t n_pending;
    bool session_dirty; /* under mu: the other nodes must drop their caches */
    _Atomic bool listener_up, sender_up;
    _Atomic uint64_t wakeups, sent, notes_sent, received, dropped, reconnects;
    _Atomic uint64_t sessions_sent, sessions_received;
};

/* ---- small helpers ------------------------------------------------------------------ */

static void node_id(char out[CLUSTER_NODE_ID_BYTES])
{
    uint64_t v = 0;

    if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v)) {
        uint64_t seed = (uint64_t)time_now_ms() ^ ((uint64_t)getpid() << 32) ^ time_mono_ns();
        v = rng_next(&seed);
    }
    snprintf(out, CLUSTER_NODE_ID_BYTES, "%016" PRIx64, v);
}

static bool is_stopping(struct cluster *c)
{
    bool stop;

    pthread_mutex_lock(&c->mu);
    stop = c->stopping;
    pthread_mutex_unlock(&c->mu);
    return stop;
}

static void deadline_in(struct timespec *ts, int ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

/* Wait ms unless stopping; false when stopping. */
static bool pause_ms(struct cluster *c, int ms)
{
    struct timespec until;
    bool go_on;

    deadline_in(&until, ms);
    pthread_mutex_lock(&c->mu);
    while (!c->stopping && pthread_cond_timedwait(&c->cv, &c->mu, &until) != ETIMEDOUT)
        ;
    go_on = !c->stopping;
    pthread_mutex_unlock(&c->mu);
    return go_on;
}

static int next_backoff(int ms)
{
    if (ms < CLUSTER_BACKOFF_MIN_MS)
        return CLUSTER_BACKOFF_MIN_MS;
    return ms * 2 > CLUSTER_BACKOFF_MAX_MS ? CLUSTER_BACKOFF_MAX_MS : ms * 2;
}

/* ---- the listener ------------------------------------------------------------------- */

static ph_err open_listener(struct cluster *c)
{
    ph_err rc = store_open(c->dsn, &c->lst);

    if (rc == PH_OK)
        rc = store_listen(c->lst, CLUSTER_CHANNEL_OUTBOX);
    if (rc == PH_OK)
        rc = store_listen(c->lst, CLUSTER_CHANNEL_POS);
    if (rc == PH_OK)
        rc = store_listen(c->lst, CLUSTER_CHANNEL_SESSION);
    if (rc != PH_OK && c->lst != NULL) {
        store_close(c->lst);
        c->lst = NULL;
    }
    atomic_store(&c->listener_up, rc == PH_OK);
    return rc;
}

/* Another node changed sessions or accounts: drop what this node's caches hold
 * (http/auth.c, the SSE streams, the CoT identities), without telling the others
 * back. */
static void remote_bump(struct cluster *c)
{
    relaying = true;
    session_generation_bump();
    relaying = false;
    atomic_fetch_add(&c->sessions_received, 1);
}

/* Another node's fixes onto this node's hub (our own are skipped). */
static void on_positions(struct cluster *c, const char *payload)
{
    char from[CLUSTER_NODE_ID_BYTES];
    struct livepos_fix *fixes = NULL;
    struct arena a;
    size_t n = 0;

    arena_init(&a);
    if (cluster_pos_decode(payload, &a, from, &fixes, &n) != PH_OK) {
        log_warn("events/cluster: a malformed position notification is ignored");
    } else if (strcmp(from, c->node) != 0 && n > 0) {
        relaying = true;
        livepos_publish(c->hub, fixes, n);
        relaying = false;
        atomic_fetch_add(&c->received, (uint64_t)n);
    }
    arena_release(&a);
}

static void *listener_main(void *arg)
{
    struct cluster *c = arg;
    struct store_notification *note = xmalloc(sizeof(*note)); /* 8 KB: not on the stack */
    int backoff = 0;

    while (!is_stopping(c)) {
        bool got = false;
        if (c->lst == NULL) {
            if (!pause_ms(c, backoff))
                break;
            if (open_listener(c) != PH_OK) {
                backoff = next_backoff(backoff);
                continue;
            }
            atomic_fetch_add(&c->reconnects, 1);
            log_info("events/cluster: listening again");
            backoff = 0;
            bus_notify(c->bus); /* what committed while nobody listened */
            remote_bump(c);     /* and any session revoked meanwhile */
        }
        if (store_wait_notify(c->lst, CLUSTER_WAIT_MS, note, &got) != PH_OK) {
            log_warn("events/cluster: the listening connection failed; reconnecting");
            store_close(c->lst);
            c->lst = NULL;
            atomic_store(&c->listener_up, false);
            backoff = next_backoff(backoff);
            continue;
        }
        if (!got)
            continue;
        if (strcmp(note->channel, CLUSTER_CHANNEL_OUTBOX) == 0) {
            atomic_fetch_add(&c->wakeups, 1);
            bus_notify(c->bus);
        } else if (strcmp(note->channel, CLUSTER_CHANNEL_POS) == 0) {
            on_positions(c, note->payload);
        } else if (strcmp(note->channel, CLUSTER_CHANNEL_SESSION) == 0 &&
                   strcmp(note->payload, c->node) != 0) {
            remote_bump(c);
        }
    }
    free(note);
    return NULL;
}

/* ---- the sender --------------------------------------------------------------------- */

static size_t str_size(const char *s)
{
    return s != NULL ? strlen(s) + 1 : 0;
}

static const char *str_put(char **at, const char *s)
{
    size_t n = str_size(s);
    char *d;

    if (n == 0)
        return NULL;
    d = memcpy(*at, s, n);
    *at += n;
    return d;
}

/* One allocation holding the fixes and their strings. */
static struct pending *copy_fixes(const struct livepos_fix *fixes, size_t n)
{
    size_t strs = 0;
    struct pending *p;
    char *at;

    for (size_t i = 0; i < n; i++)
        strs += str_size(fixes[i].uid) + str_size(fixes[i].callsign) +
                str_size(fixes[i].unit_path) + str_size(fixes[i].force) + str_size(fixes[i].source);
    p = xmalloc(sizeof(*p) + n * sizeof(p->fixes[0]) + strs);
    p->next = NULL;
    p->n = n;
    at = (char *)&p->fixes[n];
    for (size_t i = 0; i < n; i++) {
        struct livepos_fix *f = &p->fixes[i];
        *f = fixes[i];
        f->uid = str_put(&at, fixes[i].uid);
        f->callsign = str_put(&at, fixes[i].callsign);
        f->unit_path = str_put(&at, fixes[i].unit_path);
        f->force = str_put(&at, fixes[i].force);
        f->source = str_put(&at, fixes[i].source);
    }
    return p;
}

/* The hub's subscriber, on the publisher's thread. */
static void on_hub(void *ctx, const struct livepos_fix *fixes, size_t n)
{
    struct cluster_tap *tap = ctx;
    struct cluster *c;

    if (relaying || n == 0)
        return; /* another node's fixes: they came from there */
    pthread_mutex_lock(&tap->mu);
    c = tap->c;
    if (c != NULL) {
        pthread_mutex_lock(&c->mu);
        if (c->n_pending + n > CLUSTER_PENDING_MAX) {
            atomic_fetch_add(&c->dropped, (uint64_t)n);
        } else {
            struct pending *p = copy_fixes(fixes, n);
            *c->tail = p;
            c->tail = &p->next;
            c->n_pending += n;
            pthread_cond_broadcast(&c->cv); /* the listener may be pausing on it too */
        }
        pthread_mutex_unlock(&c->mu);
    }
    pthread_mutex_unlock(&tap->mu);
}

/* session.h's hook, on the bumping thread (often the writer's, inside its
 * transaction; http/async.c bumps again after the commit, so a notification
 * always follows the last bump). */
static void on_session_bump(void)
{
    struct cluster *c;

    if (relaying)
        return; /* another node's bump: it told everyone */
    pthread_mutex_lock(&session_mu);
    c = session_cluster;
    if (c != NULL) {
        pthread_mutex_lock(&c->mu);
        c->session_dirty = true;
        pthread_cond_broadcast(&c->cv);
        pthread_mutex_unlock(&c->mu);
    }
    pthread_mutex_unlock(&session_mu);
}

static void free_pending(struct pending *p)
{
    while (p != NULL) {
        struct pending *next = p->next;
        free(p);
        p = next;
    }
}

/* Send the fixes of list, packed. False when the connection failed (what was not
 * sent is counted as dropped). */
static bool send_all(struct cluster *c, struct pending *list, size_t total)
{
    struct livepos_fix *all = xmalloc(total * sizeof(*all));
    struct buf payload;
    size_t k = 0, done = 0;
    bool ok = true;

    for (struct pending *p = list; p != NULL; p = p->next) {
        memcpy(all + k, p->fixes, p->n * sizeof(*all));
        k += p->n;
    }
    buf_init(&payload, CLUSTER_PAYLOAD_MAX + 1);
    while (done < total) {
        size_t took = cluster_pos_encode(c->node, all + done, total - done, &payload);
        if (took == 0) { /* one fix too large to send: skip it */
            atomic_fetch_add(&c->dropped, 1);
            done++;
            continue;
        }
        if (store_notify(c->sst, CLUSTER_CHANNEL_POS, payload.data) != PH_OK) {
            ok = false;
            break;
        }
        done += took;
        atomic_fetch_add(&c->sent, (uint64_t)took);
        atomic_fetch_add(&c->notes_sent, 1);
    }
    if (done < total)
        atomic_fetch_add(&c->dropped, (uint64_t)(total - done));
    buf_release(&payload);
    free(all);
    return ok;
}

/* Open the sender's connection when it is down and its pause is over. */
static void sender_connect(struct cluster *c, uint64_t *retry_at, int *backoff)
{
    if (c->sst != NULL || time_mono_ns() < *retry_at)
        return;
    if (store_open(c->dsn, &c->sst) == PH_OK) {
        atomic_store(&c->sender_up, true);
        atomic_fetch_add(&c->reconnects, 1);
        log_info("events/cluster: sending to the other nodes again");
        *backoff = 0;
        return;
    }
    c->sst = NULL;
    *backoff = next_backoff(*backoff);
    *retry_at = time_mono_ns() + (uint64_t)*backoff * 1000000u;
}

static void sender_failed(struct cluster *c, uint64_t *retry_at, int *backoff)
{
    log_warn("events/cluster: the sending connection failed; reconnecting");
    store_close(c->sst);
    c->sst = NULL;
    atomic_store(&c->sender_up, false);
    *backoff = next_backoff(*backoff);
    *retry_at = time_mono_ns() + (uint64_t)*backoff * 1000000u;
}

/* Waits for fixes or a session change; a session change that could not be sent
 * is kept and tried again (every CLUSTER_WAIT_MS while the connection is down),
 * fixes are not (live data). */
static void *sender_main(void *arg)
{
    struct cluster *c = arg;
    uint64_t retry_at = 0; /* time_mono_ns(): no connection attempt before */
    int backoff = 0;

    for (;;) {
        struct pending *list;
        size_t total;
        bool session;
        struct timespec until;

        deadline_in(&until, CLUSTER_WAIT_MS);
        pthread_mutex_lock(&c->mu);
        while (c->head == NULL && !c->session_dirty && !c->stopping &&
               pthread_cond_timedwait(&c->cv, &c->mu, &until) != ETIMEDOUT)
            ;
        if (c->stopping) {
            pthread_mutex_unlock(&c->mu);
            break;
        }
        list = c->head;
        total = c->n_pending;
        session = c->session_dirty;
        c->head = NULL;
        c->tail = &c->head;
        c->n_pending = 0;
        c->session_dirty = false;
        pthread_mutex_unlock(&c->mu);
        if (list == NULL && !session)
            continue;

        sender_connect(c, &retry_at, &backoff);
        if (session && c->sst != NULL) {
            if (store_notify(c->sst, CLUSTER_CHANNEL_SESSION, c->node) == PH_OK) {
                atomic_fetch_add(&c->sessions_sent, 1);
                session = false;
            } else {
                sender_failed(c, &retry_at, &backoff);
            }
        }
        if (session) { /* not sent: again at the next round */
            pthread_mutex_lock(&c->mu);
            c->session_dirty = true;
            pthread_mutex_unlock(&c->mu);
        }
        if (list != NULL && c->sst == NULL)
            atomic_fetch_add(&c->dropped, (uint64_t)total); /* live data: not kept */
        else if (list != NULL && !send_all(c, list, total))
            sender_failed(c, &retry_at, &backoff);
        free_pending(list);
        if (session && !pause_ms(c, CLUSTER_WAIT_MS)) /* not spinning on a dead database */
            break;
    }
    return NULL;
}

/* ---- the interface ----------------------------------------------------------------- */

static void retire_tap(struct cluster_tap *tap)
{
    if (tap == NULL)
        return;
    pthread_mutex_lock(&tap->mu);
    tap->c = NULL;
    pthread_mutex_unlock(&tap->mu);
    pthread_mutex_lock(&retired_mu);
    tap->next = retired_taps;
    retired_taps = tap;
    pthread_mutex_unlock(&retired_mu);
}

static void cluster_free(struct cluster *c)
{
    store_close(c->lst);
    store_close(c->sst);
    free_pending(c->head);
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    free(c->dsn);
    free(c);
}

ph_err cluster_start(const char *dsn, struct bus *b, struct livepos *hub, struct cluster **out)
{
    struct cluster *c = xcalloc(1, sizeof(*c));
    pthread_condattr_t ca;
    ph_err rc;
    int err;

    c->dsn = xstrdup(dsn);
    c->bus = b;
    c->hub = hub;
    c->tail = &c->head;
    node_id(c->node);
    atomic_init(&c->listener_up, false);
    atomic_init(&c->sessions_sent, 0);
    atomic_init(&c->sender_up, false);
    pthread_mutex_init(&c->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&c->cv, &ca);
    pthread_condattr_destroy(&ca);
    /* Listening before we return: a commit after start is announced to us. */
    rc = open_listener(c);
    if (rc == PH_OK)
        rc = store_open(dsn, &c->sst);
    if (rc != PH_OK) {
        char shown[512];
        log_error("events/cluster: cannot open the cluster connections on %s",
                  dsn_redact(dsn, shown, sizeof(shown)));
        cluster_free(c);
        return rc;
    }
    atomic_store(&c->sender_up, true);
    err = pthread_create(&c->listener, NULL, listener_main, c);
    c->listener_started = err == 0;
    if (err == 0) {
        err = pthread_create(&c->sender, NULL, sender_main, c);
        c->sender_started = err == 0;
    }
    if (err != 0) {
        log_error("events/cluster: pthread_create: %s", strerror(err));
        cluster_stop(c);
        return PH_EIO;
    }
    if (hub != NULL) {
        c->tap = xcalloc(1, sizeof(*c->tap));
        pthread_mutex_init(&c->tap->mu, NULL);
        c->tap->c = c;
        livepos_subscribe(hub, on_hub, c->tap);
    }
    pthread_mutex_lock(&session_mu);
    session_cluster = c;
    pthread_mutex_unlock(&session_mu);
    session_set_bump_hook(on_session_bump);
    /* Anything committed between the bus's start and our LISTEN. */
    bus_notify(b);
    log_info("events/cluster: node %s listening on %s and %s", c->node, CLUSTER_CHANNEL_OUTBOX,
             CLUSTER_CHANNEL_POS);
    *out = c;
    return PH_OK;
}

void cluster_stop(struct cluster *c)
{
    if (c == NULL)
        return;
    retire_tap(c->tap); /* no fix is queued after this */
    pthread_mutex_lock(&session_mu);
    if (session_cluster == c) {
        session_cluster = NULL;
        session_set_bump_hook(NULL);
    }
    pthread_mutex_unlock(&session_mu);
    pthread_mutex_lock(&c->mu);
    c->stopping = true;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
    if (c->listener_started)
        pthread_join(c->listener, NULL);
    if (c->sender_started)
        pthread_join(c->sender, NULL);
    cluster_free(c);
}

ph_err cluster_metrics(struct cluster *c, struct buf *b)
{
    if (c == NULL)
        return PH_OK;
    const struct {
        const char *name, *help;
        uint64_t v;
    } counters[] = {
        {"outbox_wakeups", "Outbox notifications received (each wakes the event bus).",
         atomic_load(&c->wakeups)},
        {"positions_sent", "Position fixes of this node sent to the other nodes.",
         atomic_load(&c->sent)},
        {"position_notifications", "Notifications that carried them.", atomic_load(&c->notes_sent)},
        {"positions_received", "Position fixes of other nodes published here.",
         atomic_load(&c->received)},
        {"positions_dropped", "Position fixes not sent (queue full, connection down, too large).",
         atomic_load(&c->dropped)},
        {"session_changes_sent", "Session or account changes of this node announced to the others.",
         atomic_load(&c->sessions_sent)},
        {"session_changes_received",
         "Announcements of other nodes (each empties this node's caches of sessions).",
         atomic_load(&c->sessions_received)},
        {"reconnects", "Cluster connections opened again after a failure.",
         atomic_load(&c->reconnects)},
    };
    ph_err rc =
        buf_printf(b,
                   "# HELP phoihop_cluster_connected Whether this node's cluster connection "
                   "is up (listener: notifications in; sender: out).\n"
                   "# TYPE phoihop_cluster_connected gauge\n"
                   "phoihop_cluster_connected{conn=\"listener\"} %d\n"
                   "phoihop_cluster_connected{conn=\"sender\"} %d\n",
                   atomic_load(&c->listener_up) ? 1 : 0, atomic_load(&c->sender_up) ? 1 : 0);

    for (size_t i = 0; rc == PH_OK && i < PH_NELEM(counters); i++)
        rc = buf_printf(b,
                        "# HELP phoihop_cluster_%s_total %s\n# TYPE phoihop_cluster_%s_total "
                        "counter\nphoihop_cluster_%s_total %llu\n",
                        counters[i].name, counters[i].help, counters[i].name, counters[i].name,
                        (unsigned long long)counters[i].v);
    return rc;
}
