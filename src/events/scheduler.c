/* scheduler.c - the deadline scheduler: one thread that sleeps until the next
 * acknowledgement deadline, then has the writer run incident_deadlines_run()
 * (mark the overdue stages, escalate, emit the events) and waits for that job.
 *
 * It does not poll: it asks the store when the next deadline falls
 * (store_deadline_next on its own read connection) and waits on a condition
 * variable until then. Events that can bring a deadline nearer (an incident
 * created, transferred, refused or acknowledged) wake it through the bus, and it
 * asks again. The longest sleep is still bounded (SCHEDULER_MAX_SLEEP_MS) so that a
 * deadline written behind our back (another process on the same database whose
 * event was missed) is found within minutes, not never.
 *
 * Times: deadlines are wall-clock UTC ms; the waits run on CLOCK_MONOTONIC so
 * that a clock step cannot make the thread sleep for hours.
 *
 * Bulletins (core/bulletin.h) ride along: the same write job also runs
 * bulletin_deadlines_run() (late acknowledgements, periodic bulletins that did
 * not come by their due time), and the thread sleeps until the earlier of the
 * two next due times. What bulletins need next takes several reads (one per
 * schedule), so it is kept between wake-ups and asked again only when it may
 * have changed: after a bulletin or schedule event, after a run, once the time
 * it named has come, and at least every SCHEDULER_MAX_SLEEP_MS.
 *
 * Position retention (core/retention.c) runs here too, once a day: a chain of
 * write jobs of a bounded number of rows each (RETENTION_JOB_ROWS), with a pause
 * as long as the job after each, so that the writer serves other jobs in between.
 *
 * The hot-spot early warning (core/hotspot.h) too, every interval: its analysis
 * (hotspot_detect_find) on the thread's read connection, then a short writer job
 * only when it found records to create (hotspot_detect_record).
 *
 * Several nodes on one database (store_shared): all of this runs on one node at
 * a time, the one whose read connection holds the scheduler's lock
 * (store_leader_try, a session lock): each round starts by taking or checking
 * it, and a leader waiting for its next round checks it every
 * SCHEDULER_LEAD_CHECK_MS (so that /metrics never shows two leaders for long
 * after a cut connection). The others stand by and try again every
 * SCHEDULER_STANDBY_MS; when the leader's process dies its session ends, the
 * lock is free, and the next try of another node takes it. A connection that
 * failed is opened again before the next try. On SQLite the node is always the
 * leader. */
#include "util/base.h"
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include "core/bulletin.h"
#include "core/hotspot.h"
#include "core/incident.h"
#include "core/position.h"
#include "core/writer.h"
#include "events/bus.h"
#include "events/scheduler.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/time.h"

/* Stages marked per write job: a long backlog (after downtime) is taken in
 * several short transactions instead of one that holds the writer. */
#define SCHEDULER_BATCH 200
/* The longest sleep without a deadline in sight (see above). */
#define SCHEDULER_MAX_SLEEP_MS (5 * 60 * 1000)
/* After a failed or fruitless run (writer busy, store error, a stage that will not
 * mark), wait this long before trying again rather than spin. */
#define SCHEDULER_RETRY_MS 5000
/* Position retention: the first run this long after start (not in the way of
 * start-up), then once a day. */
#define RETENTION_FIRST_MS (10 * 60 * 1000)
#define RETENTION_EVERY_MS (24LL * 60 * 60 * 1000)
/* A retention job holds the writer, and with it every CoT relay and HTTP answer
 * waiting for a commit: at most this many rows a job (20-40 ms; jobs of 50,000
 * held it 120-470 ms, and the relay of every fix waited as long, for the whole
 * pass: docs/PERFORMANCE.md, CoT). After each job the writer is left to the
 * others for as long as the job took (at least RETENTION_YIELD_MIN_MS), so that
 * their batches commit on their own rather than in one transaction behind the
 * next job. */
#define RETENTION_JOB_ROWS 5000
#define RETENTION_YIELD_MIN_MS 10
/* A node that does not lead tries to take the lead this often (the failover
 * time after the leader dies). */
#define SCHEDULER_STANDBY_MS 1000
/* A leader waiting for its next run looks at its lock this often. */
#define SCHEDULER_LEAD_CHECK_MS 2000

struct scheduler {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* on CLOCK_MONOTONIC: wake-ups, stop and the job's end */
    bool stopping;     /* under mu */
    bool woken;        /* under mu: an event may have brought a deadline nearer */
    bool job_done;     /* under mu */
    struct store *st;  /* the thread's read connection (NULL while reopening) */
    char *dsn;         /* to open it again after a failure */
    bool shared;       /* other nodes may run a scheduler on the same database */
    int leading;       /* the thread's: 1 leading, 0 standby, -1 not known yet */
    _Atomic bool is_leader;
    struct writer *w;
    struct write_job job;
    int64_t job_next_due; /* written by the job on the writer, read after job_done */
    int job_marked;
    /* Bulletins: what bulletin_deadlines_next() said last (the thread's own), and
     * whether it must be asked again (under mu: events set it). */
    bool bull_stale;
    bool bull_due;
    int64_t bull_next, bull_checked_at;
    _Atomic uint64_t runs, marked;
    /* Position retention (under mu: set by scheduler_set_retention). */
    bool ret_on;
    struct position_retention ret;
    int64_t ret_next; /* wall clock UTC ms of the next run */
    bool ret_more;    /* written by the job, read after job_done */
    int64_t ret_deleted;
    /* Hot-spot early warning (under mu: set by scheduler_set_hotspots). */
    int64_t hs_every_ms; /* 0: off */
    int64_t hs_next;     /* wall clock UTC ms of the next run */
    struct hotspot_detect_params hs;
    struct hotspot_found *hs_found; /* the thread's find, read by the job */
    int hs_created;      /* written by the job, read after job_done */
};

/* The topics after which the next deadline may be earlier than the one we wait for. */
static const char *const wake_topics[] = {
    "incident.created",
    "incident.transferred",
    "incident.refused",
    "incident.acknowledged",
};

/* The same for bulletins: a new deadline, or a schedule with new due times. */
static const char *const bulletin_wake_topics[] = {
    "bulletin.sent",
    "bulletin_schedule.created",
    "bulletin_schedule.updated",
};

static void on_events(void *ctx, struct bus_event *const *evs, size_t n)
{
    struct scheduler *s = ctx;
    bool wake = false, bulletins = false;

    for (size_t i = 0; i < n && !(wake && bulletins); i++) {
        for (size_t k = 0; k < PH_NELEM(wake_topics); k++)
            wake = wake || strcmp(evs[i]->topic, wake_topics[k]) == 0;
        for (size_t k = 0; k < PH_NELEM(bulletin_wake_topics); k++)
            bulletins = bulletins || strcmp(evs[i]->topic, bulletin_wake_topics[k]) == 0;
    }
    if (!wake && !bulletins)
        return;
    pthread_mutex_lock(&s->mu); /* one wake-up per batch is enough */
    s->woken = true;
    s->bull_stale = s->bull_stale || bulletins;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

/* ---- the write job ----------------------------------------------------------------- */

static ph_err run_deadlines(struct core_ctx *cx, void *arg)
{
    struct scheduler *s = arg;
    int64_t bull_next = 0;
    int bull_marked = 0;
    ph_err rc = incident_deadlines_run(cx, SCHEDULER_BATCH, &s->job_next_due, &s->job_marked);

    if (rc == PH_OK)
        rc = bulletin_deadlines_run(cx, SCHEDULER_BATCH, &bull_next, &bull_marked);
    if (rc == PH_OK) {
        s->job_marked += bull_marked;
        if (bull_next != 0 && (s->job_next_due == 0 || bull_next < s->job_next_due))
            s->job_next_due = bull_next;
    }
    return rc;
}

/* Writer's (or its syncer's) thread, once the commit is durable. */
static void on_job_done(struct write_job *job)
{
    struct scheduler *s = job->arg;

    pthread_mutex_lock(&s->mu);
    s->job_done = true;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

/* Run run(cx, s) as the system on the writer and wait for it (the writer
 * finishes queued jobs before it stops, so this returns). PH_EBUSY when the
 * writer did not take it. */
static ph_err submit_wait(struct scheduler *s, write_fn run)
{
    ph_err rc;

    s->job = (struct write_job){
        .run = run,
        .arg = s,
        .done = on_job_done,
        .user = core_system_user,
        .client = "scheduler",
    };
    arena_init(&s->job.arena);
    pthread_mutex_lock(&s->mu);
    s->job_done = false;
    pthread_mutex_unlock(&s->mu);
    rc = writer_submit(s->w, &s->job);
    if (rc == PH_OK) {
        pthread_mutex_lock(&s->mu);
        while (!s->job_done)
            pthread_cond_wait(&s->cv, &s->mu);
        pthread_mutex_unlock(&s->mu);
        rc = s->job.rc;
    }
    arena_release(&s->job.arena);
    return rc;
}

/* Run one deadlines job and wait for it. *marked gets how many stages it
 * marked. */
static ph_err run_job(struct scheduler *s, int *marked)
{
    ph_err rc;

    s->job_next_due = 0;
    s->job_marked = 0;
    rc = submit_wait(s, run_deadlines);
    *marked = rc == PH_OK ? s->job_marked : 0;
    pthread_mutex_lock(&s->mu); /* what bulletins need next has changed */
    s->bull_stale = true;
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* ---- position retention ------------------------------------------------------------ */

static ph_err run_retention(struct core_ctx *cx, void *arg)
{
    struct scheduler *s = arg;
    struct position_retention p = s->ret;

    if (p.max_rows > RETENTION_JOB_ROWS)
        p.max_rows = RETENTION_JOB_ROWS;
    return position_retention_run(cx, &p, &s->ret_deleted, &s->ret_more);
}

/* One retention job, waited for. */
static ph_err run_retention_job(struct scheduler *s, bool *more)
{
    ph_err rc;

    s->ret_more = false;
    s->ret_deleted = 0;
    rc = submit_wait(s, run_retention);
    *more = rc == PH_OK && s->ret_more;
    return rc;
}

static bool sleep_for(struct scheduler *s, int64_t ms);

/* When retention is due, run it to the end (false when stopping meanwhile);
 * *wait_ms is lowered to the time until the next run. */
static bool retention_step(struct scheduler *s, int64_t *wait_ms)
{
    int64_t now = time_now_ms(), next;
    bool on, more = true;

    pthread_mutex_lock(&s->mu);
    on = s->ret_on;
    next = s->ret_next;
    pthread_mutex_unlock(&s->mu);
    if (!on)
        return true;
    if (now < next) {
        if (next - now < *wait_ms)
            *wait_ms = next - now;
        return true;
    }
    for (int64_t chunks = 0; more; chunks++) {
        uint64_t t0 = time_mono_ns();
        ph_err rc = run_retention_job(s, &more);
        int64_t took_ms = (int64_t)((time_mono_ns() - t0) / 1000000);
        if (rc != PH_OK) {
            log_warn("events/scheduler: position retention failed (%d); next try tomorrow",
                     (int)rc);
            break;
        }
        /* The writer's turn for the others (a stop is seen here too). */
        if (more &&
            !sleep_for(s, took_ms > RETENTION_YIELD_MIN_MS ? took_ms : RETENTION_YIELD_MIN_MS))
            return false;
    }
    pthread_mutex_lock(&s->mu);
    s->ret_next = time_now_ms() + RETENTION_EVERY_MS;
    pthread_mutex_unlock(&s->mu);
    return true;
}

void scheduler_set_retention(struct scheduler *s, const struct position_retention *p)
{
    if (s == NULL)
        return;
    pthread_mutex_lock(&s->mu);
    s->ret_on = p != NULL && p->thin_interval_ms > 0 && p->max_rows > 0;
    if (p != NULL)
        s->ret = *p;
    s->ret_next = time_now_ms() + RETENTION_FIRST_MS;
    s->woken = true;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

/* ---- hot-spot early warning ------------------------------------------------------- */

static ph_err run_hotspots(struct core_ctx *cx, void *arg)
{
    struct scheduler *s = arg;

    return hotspot_detect_record(cx, s->hs_found, &s->hs_created);
}

/* hotspot_detect_params.should_stop: the scheduler is stopping. */
static bool hs_stopping(void *ctx)
{
    struct scheduler *s = ctx;
    bool stop;

    pthread_mutex_lock(&s->mu);
    stop = s->stopping;
    pthread_mutex_unlock(&s->mu);
    return stop;
}

/* When the early warning is due, run it (true: it ran, which took a while, so
 * the caller computes its waits again); *wait_ms is lowered to the time until
 * the next run. The analysis (hotspot_detect_find, seconds on a province's data)
 * runs here on the thread's read connection; only what it found, if anything,
 * goes to the writer as one short job (hotspot_detect_record, waited for), so
 * that other writes are not held behind the analysis. A failure waits for the
 * next interval: the next run looks at the same window again. */
static bool hotspot_step(struct scheduler *s, int64_t *wait_ms)
{
    struct hotspot_detect_params hs;
    int64_t now = time_now_ms(), next, every;
    struct arena a;
    ph_err rc;

    pthread_mutex_lock(&s->mu);
    every = s->hs_every_ms;
    next = s->hs_next;
    hs = s->hs;
    pthread_mutex_unlock(&s->mu);
    if (every <= 0)
        return false;
    if (now < next) {
        if (next - now < *wait_ms)
            *wait_ms = next - now;
        return false;
    }
    hs.should_stop = hs_stopping;
    hs.stop_ctx = s;
    arena_init(&a);
    struct core_ctx cx = {
        .st = s->st, .arena = &a, .user = &core_system_user, .client = "scheduler", .now_ms = now};
    s->hs_found = NULL;
    s->hs_created = 0;
    rc = hotspot_detect_find(&cx, &hs, &s->hs_found);
    arena_release(&a);
    if (rc == PH_OK && hotspot_found_count(s->hs_found) > 0)
        rc = submit_wait(s, run_hotspots);
    hotspot_found_free(s->hs_found);
    s->hs_found = NULL;
    if (rc == PH_EBUSY && hs_stopping(s))
        return true; /* stopped between groups: the loop sees the stop */
    if (rc != PH_OK)
        log_warn("events/scheduler: hot-spot early warning failed (%d)", (int)rc);
    else if (s->hs_created > 0)
        log_info("events/scheduler: hot-spot early warning: %d new", s->hs_created);
    pthread_mutex_lock(&s->mu);
    s->hs_next = time_now_ms() + s->hs_every_ms;
    pthread_mutex_unlock(&s->mu);
    if (every < *wait_ms)
        *wait_ms = every;
    return true;
}

void scheduler_set_hotspots(struct scheduler *s, const struct hotspot_detect_params *p,
                            int64_t interval_ms)
{
    if (s == NULL)
        return;
    pthread_mutex_lock(&s->mu);
    s->hs_every_ms = interval_ms > 0 ? interval_ms : 0;
    s->hs = p != NULL ? *p : (struct hotspot_detect_params){0};
    s->hs_next = time_now_ms() + s->hs_every_ms;
    s->woken = true;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}

/* ---- the thread -------------------------------------------------------------------- */

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

/* Sleep up to ms, or until woken or stopping. False when stopping. */
static bool sleep_for(struct scheduler *s, int64_t ms)
{
    struct timespec until;
    bool go_on;

    deadline_in(&until, ms);
    pthread_mutex_lock(&s->mu);
    while (!s->woken && !s->stopping) {
        if (pthread_cond_timedwait(&s->cv, &s->mu, &until) == ETIMEDOUT)
            break;
    }
    s->woken = false;
    go_on = !s->stopping;
    pthread_mutex_unlock(&s->mu);
    return go_on;
}

/* How long until bulletins need a run: 0 when one is due now (see the top of
 * the file on when the store is asked). */
static int64_t bulletin_wait(struct scheduler *s, struct arena *a, int64_t now, ph_err *rc)
{
    bool stale;

    pthread_mutex_lock(&s->mu);
    stale = s->bull_stale;
    s->bull_stale = false;
    pthread_mutex_unlock(&s->mu);
    if (stale || (s->bull_next != 0 && s->bull_next <= now) ||
        now - s->bull_checked_at >= SCHEDULER_MAX_SLEEP_MS) {
        struct core_ctx cx = {
            .st = s->st, .arena = a, .user = &core_system_user, .client = "scheduler", .now_ms = now};
        bool due = false;
        int64_t next = 0;
        *rc = bulletin_deadlines_next(&cx, &due, &next);
        if (*rc != PH_OK) {
            pthread_mutex_lock(&s->mu);
            s->bull_stale = true;
            pthread_mutex_unlock(&s->mu);
            return SCHEDULER_MAX_SLEEP_MS;
        }
        s->bull_due = due;
        s->bull_next = next;
        s->bull_checked_at = now;
    }
    if (s->bull_due)
        return 0;
    if (s->bull_next == 0)
        return SCHEDULER_MAX_SLEEP_MS;
    return s->bull_next > now ? s->bull_next - now : 0;
}

/* How long to sleep before the next run: 0 when a stage is due now. */
static int64_t time_to_next(struct scheduler *s, ph_err *rc)
{
    struct store_due *due = NULL;
    struct arena a;
    size_t n = 0;
    int64_t now = time_now_ms(), next = 0, wait = SCHEDULER_MAX_SLEEP_MS;

    arena_init(&a);
    *rc = store_deadline_due(s->st, &a, now, 1, &due, &n);
    if (*rc == PH_OK && n > 0)
        wait = 0;
    else if (*rc == PH_OK)
        *rc = store_deadline_next(s->st, now, &next);
    if (*rc == PH_OK && n == 0 && next > 0 && next - now < wait)
        wait = next > now ? next - now : 0;
    if (*rc == PH_OK) {
        int64_t bwait = bulletin_wait(s, &a, now, rc);
        if (bwait < wait)
            wait = bwait;
    }
    arena_release(&a);
    return wait;
}

/* Wait ms or until stopping, wake-ups aside (a standby node has nothing to
 * recompute). False when stopping. */
static bool standby_for(struct scheduler *s, int64_t ms)
{
    struct timespec until;
    bool go_on;

    deadline_in(&until, ms);
    pthread_mutex_lock(&s->mu);
    while (!s->stopping && pthread_cond_timedwait(&s->cv, &s->mu, &until) != ETIMEDOUT)
        ;
    s->woken = false;
    go_on = !s->stopping;
    pthread_mutex_unlock(&s->mu);
    return go_on;
}

/* Does this node run the scheduler now? Takes or checks the lock; a failed
 * connection is closed and opened again here (on a later call when that
 * fails). Logs every change. */
static bool lead(struct scheduler *s)
{
    bool leader = false;
    ph_err rc = PH_ESTORE;

    if (s->st == NULL && store_open(s->dsn, &s->st) != PH_OK)
        s->st = NULL;
    if (s->st != NULL)
        rc = store_leader_try(s->st, &leader);
    if (rc != PH_OK) {
        leader = false;
        if (s->st != NULL && s->shared) {
            log_warn("events/scheduler: lost the database connection; opening it again");
            store_close(s->st);
            s->st = NULL;
        }
    }
    if (s->shared && leader && s->leading != 1)
        log_info("events/scheduler: leading (this node runs deadlines, bulletins, retention and "
                 "the hot-spot early warning)");
    else if (s->shared && !leader && s->leading != 0)
        log_info("events/scheduler: standby (%s; trying every %d ms)",
                 rc == PH_OK ? "another node leads" : "no database connection",
                 SCHEDULER_STANDBY_MS);
    if (leader && s->leading != 1) { /* what bulletins need may have changed meanwhile */
        pthread_mutex_lock(&s->mu);
        s->bull_stale = true;
        pthread_mutex_unlock(&s->mu);
    }
    s->leading = leader;
    atomic_store(&s->is_leader, leader);
    return leader;
}

/* The leader's sleep: sleep_for, looking at the lock every SCHEDULER_LEAD_CHECK_MS
 * on a shared store, so that a leader whose session ended (the database
 * restarted, the connection was cut) says so within seconds rather than at its
 * next deadline. Returns early when woken or no longer leading; false when
 * stopping. */
static bool lead_sleep(struct scheduler *s, int64_t ms)
{
    while (s->shared && ms > SCHEDULER_LEAD_CHECK_MS) {
        uint64_t t0 = time_mono_ns();
        if (!sleep_for(s, SCHEDULER_LEAD_CHECK_MS))
            return false;
        if (time_mono_ns() - t0 < (uint64_t)SCHEDULER_LEAD_CHECK_MS * 1000000u || !lead(s))
            return true; /* woken: the caller computes its wait again */
        ms -= SCHEDULER_LEAD_CHECK_MS;
    }
    return sleep_for(s, ms);
}

static void *scheduler_main(void *arg)
{
    struct scheduler *s = arg;
    bool failing = false;

    for (;;) {
        if (!lead(s)) {
            if (!standby_for(s, SCHEDULER_STANDBY_MS))
                break;
            continue;
        }
        ph_err rc;
        int64_t wait = time_to_next(s, &rc);
        int marked = 0;

        if (!retention_step(s, &wait))
            break;
        /* The analysis may take seconds: a deadline that fell due meanwhile is
         * seen by computing the waits again (and a stop by sleep_for). */
        if (hotspot_step(s, &wait)) {
            if (!sleep_for(s, 0))
                break;
            continue;
        }

        if (rc == PH_OK && wait == 0) {
            rc = run_job(s, &marked);
            atomic_fetch_add(&s->runs, 1);
            atomic_fetch_add(&s->marked, (uint64_t)(marked > 0 ? marked : 0));
            if (rc == PH_OK && marked > 0) {
                failing = false;
                if (!sleep_for(s, 0)) /* only to see a stop between batches */
                    break;
                continue;
            }
        }
        if (rc != PH_OK || wait == 0) {
            /* A store error, a busy writer, or a due stage that the run did not
             * mark: try again a little later instead of spinning. */
            if (!failing)
                log_warn("events/scheduler: deadline run failed (%d); retrying in %d ms", (int)rc,
                         SCHEDULER_RETRY_MS);
            failing = true;
            wait = SCHEDULER_RETRY_MS;
        } else {
            failing = false;
        }
        if (!lead_sleep(s, wait))
            break;
    }
    return NULL;
}

/* ---- the interface ----------------------------------------------------------------- */

ph_err scheduler_start(const char *dsn, struct writer *w, struct bus *b, struct scheduler **out)
{
    struct scheduler *s = xcalloc(1, sizeof(*s));
    pthread_condattr_t ca;
    ph_err rc = store_open(dsn, &s->st);
    int err;

    if (rc != PH_OK)
        goto fail_store;
    s->w = w;
    s->dsn = xstrdup(dsn);
    s->shared = store_shared(s->st);
    s->leading = -1;
    atomic_init(&s->is_leader, false);
    s->bull_stale = true; /* not asked yet */
    atomic_init(&s->runs, 0);
    atomic_init(&s->marked, 0);
    pthread_mutex_init(&s->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cv, &ca);
    pthread_condattr_destroy(&ca);
    err = pthread_create(&s->thread, NULL, scheduler_main, s);
    if (err != 0) {
        log_error("events/scheduler: pthread_create: %s", strerror(err));
        rc = PH_EIO;
        goto fail_thread;
    }
    /* After the thread: a subscription cannot be taken back, so none for an s that
     * start-up failure frees. The thread looks at the store first anyway. */
    if (b != NULL)
        bus_subscribe(b, on_events, s);
    *out = s;
    return PH_OK;

fail_thread:
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    store_close(s->st);
    free(s->dsn);
fail_store:
    free(s);
    return rc;
}

void scheduler_stats(struct scheduler *s, uint64_t *runs, uint64_t *marked)
{
    *runs = s != NULL ? atomic_load(&s->runs) : 0;
    *marked = s != NULL ? atomic_load(&s->marked) : 0;
}

bool scheduler_is_leader(struct scheduler *s)
{
    return s != NULL && atomic_load(&s->is_leader);
}

void scheduler_stop(struct scheduler *s)
{
    if (s == NULL)
        return;
    pthread_mutex_lock(&s->mu);
    s->stopping = true;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->thread, NULL);
    store_close(s->st);
    free(s->dsn);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s);
}
