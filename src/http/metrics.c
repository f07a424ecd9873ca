/* metrics.c - counters in the Prometheus text exposition format (version 0.0.4).
 * Each loop thread writes only its own struct with relaxed atomics; the scrape
 * reads them all. Status codes outside the list count as "other". */
#include "util/base.h"
#include <pthread.h>
#include <stdatomic.h>
#include "http/http_int.h"
#include "http/async.h"
#include "http/metrics.h"
#include "http/router.h"
#include "core/writer.h"
#include "events/bus.h"
#include "events/cluster.h"
#include "events/livepos.h"
#include "events/scheduler.h"
#include "net/cot_server.h"
#include "store/store.h"
#include "util/mem.h"

static const int statuses[] = {200, 201, 204, 304, 400, 401, 403, 404, 405, 409,
                               412, 413, 415, 422, 429, 500, 503};
#define N_STATUS (PH_NELEM(statuses) + 1)
#define N_ROUTES (ROUTER_MAX_ROUTES + 1)
/* Upper bounds in seconds of the latency buckets. */
static const double bounds[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
/* The same for commit -> SSE delivery: finer around the 100 ms goal. */
static const double delivery_bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075,
                                         0.1, 0.15, 0.25, 0.5, 1, 2.5, 5};
#define HIST_BUCKETS 16 /* the most bounds of a histogram, and +Inf */

/* One thread's counts of a histogram (its bounds are the caller's). */
struct hist {
    _Atomic uint64_t buckets[HIST_BUCKETS]; /* not cumulative; summed at render */
    _Atomic uint64_t ns;
    _Atomic uint64_t count;
};

struct metrics_thread {
    _Atomic uint64_t requests[N_ROUTES][N_STATUS];
    struct hist duration; /* request -> answer (bounds) */
    struct hist delivery; /* commit -> SSE hand-over (delivery_bounds) */
};

_Static_assert(PH_NELEM(bounds) < HIST_BUCKETS && PH_NELEM(delivery_bounds) < HIST_BUCKETS,
               "a histogram's bounds and +Inf fit its buckets");

static struct metrics_thread **all;
static int n_all;
/* The CoT listener, under cot_mu: it stops (and is freed) while the loops still
 * answer /metrics. */
static pthread_mutex_t cot_mu = PTHREAD_MUTEX_INITIALIZER;
static struct cot_server *cot;
/* The cluster's threads, under the same mutex and for the same reason. */
static struct cluster *cluster;
/* The event bus, likewise: it is freed while the loops still answer. */
static struct bus *bus;

struct metrics_thread *metrics_thread_new(void)
{
    return xcalloc(1, sizeof(struct metrics_thread));
}

void metrics_thread_free(struct metrics_thread *m)
{
    free(m);
}

void metrics_register(struct metrics_thread **threads, int n)
{
    all = threads;
    n_all = n;
}

void metrics_register_cot(struct cot_server *s)
{
    pthread_mutex_lock(&cot_mu);
    cot = s;
    pthread_mutex_unlock(&cot_mu);
}

void metrics_register_bus(struct bus *b)
{
    pthread_mutex_lock(&cot_mu);
    bus = b;
    pthread_mutex_unlock(&cot_mu);
}

void metrics_register_cluster(struct cluster *c)
{
    pthread_mutex_lock(&cot_mu);
    cluster = c;
    pthread_mutex_unlock(&cot_mu);
}

static size_t status_slot(int status)
{
    for (size_t i = 0; i < PH_NELEM(statuses); i++)
        if (statuses[i] == status)
            return i;
    return PH_NELEM(statuses);
}

static void hist_observe(struct hist *h, const double *upper, size_t n_upper, uint64_t duration_ns)
{
    double s = (double)duration_ns / 1e9;
    size_t b = 0;
    while (b < n_upper && s > upper[b])
        b++;
    atomic_fetch_add_explicit(&h->buckets[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->ns, duration_ns, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->count, 1, memory_order_relaxed);
}

void metrics_observe(struct metrics_thread *m, int route_index, int status, uint64_t duration_ns)
{
    if (m == NULL)
        return;
    size_t route = route_index >= 0 && route_index < N_ROUTES ? (size_t)route_index : N_ROUTES - 1;
    atomic_fetch_add_explicit(&m->requests[route][status_slot(status)], 1, memory_order_relaxed);
    hist_observe(&m->duration, bounds, PH_NELEM(bounds), duration_ns);
}

void metrics_observe_delivery(struct metrics_thread *m, uint64_t duration_ns)
{
    if (m != NULL)
        hist_observe(&m->delivery, delivery_bounds, PH_NELEM(delivery_bounds), duration_ns);
}

static uint64_t load(_Atomic uint64_t *v)
{
    return atomic_load_explicit(v, memory_order_relaxed);
}

/* One counter or gauge with its HELP and TYPE lines; nothing once *rc failed. */
static void put_metric(struct buf *b, ph_err *rc, const char *name, const char *type,
                       const char *help, long long value)
{
    if (*rc == PH_OK)
        *rc = buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n%s %lld\n", name, help, name, type, name,
                         value);
}

/* A thread's histogram at offset in its struct metrics_thread. */
static struct hist *hist_at(struct metrics_thread *m, size_t offset)
{
    return (struct hist *)((char *)m + offset);
}

/* A histogram summed over every loop thread's struct hist at offset: cumulative
 * buckets with their upper bounds, +Inf, the sum in seconds and the count. */
static void put_histogram(struct buf *b, ph_err *rc, const char *name, const char *help,
                          size_t offset, const double *upper, size_t n_upper)
{
    uint64_t cum = 0, count = 0, ns = 0;

    if (*rc == PH_OK)
        *rc = buf_printf(b, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
    for (int i = 0; i < n_all; i++) {
        count += load(&hist_at(all[i], offset)->count);
        ns += load(&hist_at(all[i], offset)->ns);
    }
    for (size_t k = 0; k <= n_upper && *rc == PH_OK; k++) {
        for (int i = 0; i < n_all; i++)
            cum += load(&hist_at(all[i], offset)->buckets[k]);
        if (k < n_upper)
            *rc = buf_printf(b, "%s_bucket{le=\"%g\"} %llu\n", name, upper[k], (unsigned long long)cum);
        else
            *rc = buf_printf(b, "%s_bucket{le=\"+Inf\"} %llu\n", name, (unsigned long long)cum);
    }
    if (*rc == PH_OK)
        *rc = buf_printf(b, "%s_sum %.6f\n%s_count %llu\n", name, (double)ns / 1e9, name,
                         (unsigned long long)count);
}

ph_err metrics_render(struct http_thread *t, struct buf *b)
{
    ph_err rc = buf_puts(b, "# HELP phoihop_http_requests_total HTTP requests answered, by route, method and status.\n"
                            "# TYPE phoihop_http_requests_total counter\n");
    size_t nroutes = router_count();
    for (size_t r = 0; r <= nroutes && rc == PH_OK; r++) {
        const struct route *rt = router_get(r);
        size_t slot = r; /* r == nroutes: requests that matched no route */
        for (size_t s = 0; s < N_STATUS && rc == PH_OK; s++) {
            uint64_t sum = 0;
            for (int i = 0; i < n_all; i++)
                sum += load(&all[i]->requests[slot][s]);
            if (sum == 0)
                continue;
            char status[8];
            if (s < PH_NELEM(statuses))
                snprintf(status, sizeof(status), "%d", statuses[s]);
            else
                snprintf(status, sizeof(status), "other");
            rc = buf_printf(b, "phoihop_http_requests_total{route=\"%s\",method=\"%s\",status=\"%s\"} %llu\n",
                            rt ? rt->pattern : "none", rt ? rt->method : "any", status,
                            (unsigned long long)sum);
        }
    }
    put_histogram(b, &rc, "phoihop_http_request_duration_seconds", "Time from request to answer.",
                  offsetof(struct metrics_thread, duration), bounds, PH_NELEM(bounds));
    int64_t size = 0;
    if (rc == PH_OK && store_db_size(t->st, &size) == PH_OK)
        put_metric(b, &rc, "phoihop_db_size_bytes", "gauge", "Size of the database.", size);
    uint64_t batches = 0, jobs = 0;
    writer_stats(t->writer, &batches, &jobs);
    put_metric(b, &rc, "phoihop_writer_batches_total", "counter",
               "Transactions committed by the writer.", (long long)batches);
    put_metric(b, &rc, "phoihop_writer_jobs_total", "counter", "Writes committed by the writer.",
               (long long)jobs);
    put_metric(b, &rc, "phoihop_http_writes_in_flight", "gauge",
               "Writes submitted and not yet answered.", http_async_in_flight());
    put_metric(b, &rc, "phoihop_http_writes_total", "counter",
               "Writes taken on (not refused while shutting down).", (long long)http_async_accepted());
    uint64_t clients = 0, events = 0;
    api_stream_stats(&clients, &events);
    put_metric(b, &rc, "phoihop_sse_clients", "gauge", "Live feed (SSE) connections open.",
               (long long)clients);
    put_metric(b, &rc, "phoihop_sse_events_sent_total", "counter",
               "Events handed to live feed connections.", (long long)events);
    uint64_t rounds = 0, spaced = 0;
    pthread_mutex_lock(&cot_mu);
    if (bus != NULL)
        bus_rounds(bus, &rounds, &spaced);
    pthread_mutex_unlock(&cot_mu);
    put_metric(b, &rc, "phoihop_bus_rounds_total", "counter",
               "Rounds in which the event bus handed new events to its subscribers (live feeds, CoT, the scheduler).",
               (long long)rounds);
    put_metric(b, &rc, "phoihop_bus_rounds_spaced_total", "counter",
               "Of those rounds, the ones that waited for the shortest gap after the last one.",
               (long long)spaced);
    put_histogram(b, &rc, "phoihop_sse_delivery_seconds",
                  "Time from an event's commit to its hand-over to a live feed connection.",
                  offsetof(struct metrics_thread, delivery), delivery_bounds,
                  PH_NELEM(delivery_bounds));
    put_metric(b, &rc, "phoihop_livepos_published_total", "counter",
               "Position fixes committed and handed to the live feeds (SSE, CoT).",
               (long long)livepos_published(t->livepos));
    uint64_t runs = 0, marked = 0;
    scheduler_stats(t->scheduler, &runs, &marked);
    put_metric(b, &rc, "phoihop_scheduler_runs_total", "counter", "Deadline runs of the scheduler.",
               (long long)runs);
    put_metric(b, &rc, "phoihop_deadlines_marked_total", "counter",
               "Deadlines found missed: incident stages, bulletin acknowledgements and periodic "
               "bulletins not sent.",
               (long long)marked);
    put_metric(b, &rc, "phoihop_scheduler_leader", "gauge",
               "Whether this node runs the scheduler (one node of those sharing a database).",
               scheduler_is_leader(t->scheduler) ? 1 : 0);
    if (rc == PH_OK) {
        pthread_mutex_lock(&cot_mu);
        rc = cot_server_metrics(cot, b); /* nothing when CoT is off */
        if (rc == PH_OK)
            rc = cluster_metrics(cluster, b); /* nothing on a lone node */
        pthread_mutex_unlock(&cot_mu);
    }
    return rc;
}
