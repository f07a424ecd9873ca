/* metrics.h - Prometheus counters: requests by route, method and status, a latency
 * histogram, database size and writer batches. Each loop counts into its own
 * slots (no locks on the hot path); /metrics sums them. */
#ifndef PH_HTTP_METRICS_H
#define PH_HTTP_METRICS_H
#include <stdint.h>
#include "util/buf.h"
struct metrics_thread;
struct http_thread;

struct metrics_thread *metrics_thread_new(void);
void metrics_thread_free(struct metrics_thread *m);
/* route_index: router index, or router_count() for "no route". */
void metrics_observe(struct metrics_thread *m, int route_index, int status, uint64_t duration_ns);
/* An event handed to an SSE client's connection duration_ns after its commit
 * (bus_event.committed_ns): phoihop_sse_delivery_seconds, the live feed's goal. */
void metrics_observe_delivery(struct metrics_thread *m, uint64_t duration_ns);
/* Register every loop's counters for the exposition (called at start-up). */
void metrics_register(struct metrics_thread **threads, int n);
/* The CoT listener whose counters the exposition adds (net/cot_server.h); NULL
 * before it stops: once this returns no scrape reads the old one. */
struct cot_server;
void metrics_register_cot(struct cot_server *s);
/* The same for the cluster's threads (events/cluster.h); NULL before they stop. */
struct cluster;
void metrics_register_cluster(struct cluster *c);
/* The event bus whose rounds /metrics counts; NULL before it is freed. */
struct bus;
void metrics_register_bus(struct bus *b);
/* Write the exposition of all threads' counters into b. */
ph_err metrics_render(struct http_thread *t, struct buf *b) __attribute__((warn_unused_result));
#endif
