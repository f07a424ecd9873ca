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
#define N_BUCKETS (PH_NELEM(bounds) + 1)
/* The same for commit -> SSE delivery: finer around the 100 ms goal. */
static const double delivery_bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075,
                                         0.1, 0.15, 0.25, 0.5, 1, 2.5, 5};
#define N_DELIVERY_BUCKETS (PH_NELEM(delivery_bounds) + 1)

struct metrics_thread {
    _Atomic uint64_t requests[N_ROUTES][N_STATUS];
    _Atomic uint64_t buckets[N_BUCKETS]; /* not cumulative; summed at render */
    _Atomic uint64_t duration_ns;
    _Atomic uint64_t count;
    _Atomic uint64_t delivery_buckets[N_DELIVERY_BUCKETS]; /* not cumulative */
    _Atomic uint64_t delivery_ns;
    _Atomic uint64_t delivery_count;
};

static struct metrics_thread **all;
static int n_all;
/* The CoT listener, under cot_mu: it stops (and is freed) while the loops still
 * answer /metrics. */
static pthread_mutex_t cot_mu = PTHREAD_MUTEX_INITIALIZER;
static struct cot_server *cot;
/* The cluster's threads, under the same mutex and for the same reason. */
static struct cluster *cluster;

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

void metrics_observe(struct metrics_thread *m, int route_index, int status, uint64_t duration_ns)
{
    if (m == NULL)
        return;
    size_t route = route_index >= 0 && route_index < N_ROUTES ? (size_t)route_index : N_ROUTES - 1;
    atomic_fetch_add_explicit(&m->requests[route][status_slot(status)], 1, memory_order_relaxed);
    double s = (double)duration_ns / 1e9;
    size_t b = 0;
    while (b < PH_NELEM(bounds) && s > bounds[b])
        b++;
    atomic_fetch_add_explicit(&m->buckets[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->duration_ns, duration_ns, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->count, 1, memory_order_relaxed);
}

void metrics_observe_delivery(struct metrics_thread *m, uint64_t duration_ns)
{
    if (m == NULL)
        return;
    double s = (double)duration_ns / 1e9;
    size_t b = 0;
    while (b < PH_NELEM(delivery_bounds) && s > delivery_bounds[b])
        b++;
    atomic_fetch_add_explicit(&m->delivery_buckets[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->delivery_ns, duration_ns, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->delivery_count, 1, memory_order_relaxed);
}

static uint64_t load(_Atomic uint64_t *v)
{
    return atomic_load_explicit(v, memory_order_relaxed);
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
    if (rc == PH_OK)
        rc = buf_puts(b, "# HELP phoihop_http_request_duration_seconds Time from request to answer.\n"
                         "# TYPE phoihop_http_request_duration_seconds histogram\n");
    uint64_t cum = 0, count = 0, dur = 0;
    for (int i = 0; i < n_all; i++) {
        count += load(&all[i]->count);
        dur += load(&all[i]->duration_ns);
    }
    for (size_t k = 0; k < N_BUCKETS && rc == PH_OK; k++) {
        for (int i = 0; i < n_all; i++)
            cum += load(&all[i]->buckets[k]);
        if (k < PH_NELEM(bounds))
            rc = buf_printf(b, "phoihop_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n", bounds[k],
                            (unsigned long long)cum);
        else
            rc = buf_printf(b, "phoihop_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
                            (unsigned long long)cum);
    }
    if (rc == PH_OK)
        rc = buf_printf(b, "phoihop_http_request_duration_seconds_sum %.6f\n"
                           "phoihop_http_request_duration_seconds_count %llu\n",
                        (double)dur / 1e9, (unsigned long long)count);
    int64_t size = 0;
    if (rc == PH_OK && store_db_size(t->st, &size) == PH_OK)
        rc = buf_printf(b, "# HELP phoihop_db_size_bytes Size of the database.\n"
                           "# TYPE phoihop_db_size_bytes gauge\nphoihop_db_size_bytes %lld\n",
                        (long long)size);
    uint64_t batches = 0, jobs = 0;
    writer_stats(t->writer, &batches, &jobs);
    if (rc == PH_OK)
        rc = buf_printf(b, "# HELP phoihop_writer_batches_total Transactions committed by the writer.\n"
                           "# TYPE phoihop_writer_batches_total counter\nphoihop_writer_batches_total %llu\n"
                           "# HELP phoihop_writer_jobs_total Writes committed by the writer.\n"
                           "# TYPE phoihop_writer_jobs_total counter\nphoihop_writer_jobs_total %llu\n"
                           "# HELP phoihop_http_writes_in_flight Writes submitted and not yet answered.\n"
                           "# TYPE phoihop_http_writes_in_flight gauge\nphoihop_http_writes_in_flight %ld\n"
                           "# HELP phoihop_http_writes_total Writes taken on (not refused while shutting down).\n"
                           "# TYPE phoihop_http_writes_total counter\nphoihop_http_writes_total %lu\n",
                        (unsigned long long)batches, (unsigned long long)jobs, http_async_in_flight(),
                        http_async_accepted());
    uint64_t clients = 0, events = 0;
    api_stream_stats(&clients, &events);
    if (rc == PH_OK)
        rc = buf_printf(
            b,
            "# HELP phoihop_sse_clients Live feed (SSE) connections open.\n"
            "# TYPE phoihop_sse_clients gauge\nphoihop_sse_clients %llu\n"
            "# HELP phoihop_sse_events_sent_total Events handed to live feed connections.\n"
            "# TYPE phoihop_sse_events_sent_total counter\nphoihop_sse_events_sent_total %llu\n",
            (unsigned long long)clients, (unsigned long long)events);
    uint64_t rounds = 0, spaced = 0;
    if (t->bus != NULL)
        bus_rounds(t->bus, &rounds, &spaced);
    if (rc == PH_OK)
        rc = buf_printf(
            b,
            "# HELP phoihop_bus_rounds_total Rounds in which the event bus handed new events to the live feeds and the scheduler.\n"
            "# TYPE phoihop_bus_rounds_total counter\nphoihop_bus_rounds_total %llu\n"
            "# HELP phoihop_bus_rounds_spaced_total Of those rounds, the ones that waited for the shortest gap after the last one.\n"
            "# TYPE phoihop_bus_rounds_spaced_total counter\nphoihop_bus_rounds_spaced_total %llu\n",
            (unsigned long long)rounds, (unsigned long long)spaced);
    if (rc == PH_OK)
        rc = buf_puts(b, "# HELP phoihop_sse_delivery_seconds Time from an event's commit to its hand-over to a live feed connection.\n"
                         "# TYPE phoihop_sse_delivery_seconds histogram\n");
    uint64_t dcum = 0, dcount = 0, ddur = 0;
    for (int i = 0; i < n_all; i++) {
        dcount += load(&all[i]->delivery_count);
        ddur += load(&all[i]->delivery_ns);
    }
    for (size_t k = 0; k < N_DELIVERY_BUCKETS && rc == PH_OK; k++) {
        for (int i = 0; i < n_all; i++)
            dcum += load(&all[i]->delivery_buckets[k]);
        if (k < PH_NELEM(delivery_bounds))
            rc = buf_printf(b, "phoihop_sse_delivery_seconds_bucket{le=\"%g\"} %llu\n", delivery_bounds[k],
                            (unsigned long long)dcum);
        else
            rc = buf_printf(b, "phoihop_sse_delivery_seconds_bucket{le=\"+Inf\"} %llu\n",
                            (unsigned long long)dcum);
    }
    if (rc == PH_OK)
        rc = buf_printf(b, "phoihop_sse_delivery_seconds_sum %.6f\nphoihop_sse_delivery_seconds_count %llu\n",
                        (double)ddur / 1e9, (unsigned long long)dcount);
    if (rc == PH_OK)
        rc = buf_printf(
            b,
            "# HELP phoihop_livepos_published_total Position fixes committed and handed to the live feeds (SSE, CoT).\n"
            "# TYPE phoihop_livepos_published_total counter\nphoihop_livepos_published_total %llu\n",
            (unsigned long long)livepos_published(t->livepos));
    uint64_t runs = 0, marked = 0;
    scheduler_stats(t->scheduler, &runs, &marked);
    if (rc == PH_OK)
        rc = buf_printf(
            b,
            "# HELP phoihop_scheduler_runs_total Deadline runs of the scheduler.\n"
            "# TYPE phoihop_scheduler_runs_total counter\nphoihop_scheduler_runs_total %llu\n"
            "# HELP phoihop_deadlines_marked_total Deadlines found missed: incident stages, bulletin acknowledgements and periodic bulletins not sent.\n"
            "# TYPE phoihop_deadlines_marked_total counter\nphoihop_deadlines_marked_total %llu\n",
            (unsigned long long)runs, (unsigned long long)marked);
    if (rc == PH_OK)
        rc = buf_printf(b,
                        "# HELP phoihop_scheduler_leader Whether this node runs the scheduler (one node of those sharing a database).\n"
                        "# TYPE phoihop_scheduler_leader gauge\nphoihop_scheduler_leader %d\n",
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
