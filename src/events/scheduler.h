/* scheduler.h - the deadline scheduler: a thread that sleeps until the next
 * acknowledgement deadline (not polling every second), then runs
 * incident_deadlines_run() as a write job (marking overdue stages and escalating),
 * and sleeps again until the next one. Events that can bring a deadline nearer
 * (an incident created, transferred, refused) wake it early through the bus. */
#ifndef PH_EVENTS_SCHEDULER_H
#define PH_EVENTS_SCHEDULER_H
#include <stdbool.h>
#include <stdint.h>
#include "util/err.h"
struct bus;
struct hotspot_detect_params;
struct position_retention;
struct writer;

struct scheduler;
/* Start on writer (the jobs) and bus (wake-ups); dsn for its own read connection. */
ph_err scheduler_start(const char *dsn, struct writer *w, struct bus *b, struct scheduler **out) __attribute__((warn_unused_result));
/* Runs done so far and stages marked overdue (for /metrics and tests). */
void scheduler_stats(struct scheduler *s, uint64_t *runs, uint64_t *marked);
/* Does this node run the scheduler (several nodes on one database elect one;
 * a lone node always does, once its thread has looked)? For /metrics. */
bool scheduler_is_leader(struct scheduler *s);
void scheduler_stop(struct scheduler *s);
/* Position retention (core/position.h): once a day (the first run a few minutes
 * after start), position_retention_run as writer jobs of p->max_rows rows each
 * until it is done. p is copied; NULL or p->thin_interval_ms 0 turns it off. */
void scheduler_set_retention(struct scheduler *s, const struct position_retention *p);
/* The hot-spot early warning (core/hotspot.h) every interval_ms (the first run
 * one interval after this call): hotspot_detect_find on the scheduler's read
 * connection, then hotspot_detect_record as a writer job when it found any. p is
 * copied (NULL: the defaults); interval_ms 0 turns it off. */
void scheduler_set_hotspots(struct scheduler *s, const struct hotspot_detect_params *p,
                            int64_t interval_ms);
#endif
