/* bus.h - the event bus: after each commit the writer wakes the bus thread, which
 * reads the new outbox rows (in id order, on its own store connection) and hands
 * each batch to every subscriber. Events therefore reach anyone only after they
 * are committed, in commit order, each once. Subscribers are the event loops
 * (the SSE stream) and the deadline scheduler; they filter by access themselves
 * (bus_event_visible). */
#ifndef PH_EVENTS_BUS_H
#define PH_EVENTS_BUS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/access.h"
#include "util/err.h"
struct store_outbox_event;

/* One committed event, shared by every subscriber (reference counted; read-only). */
struct bus_event {
    int64_t id, at;
    const char *topic, *item_kind;
    int64_t item_id;
    const char *payload;        /* JSON object text, or NULL */
    struct access_item access;  /* kind, classification, owner and sent-to paths */
    char *sse;                  /* the ready SSE frame: "id: N\nevent: topic\ndata: {...}\n\n" */
    size_t sse_len;
    int refs;                   /* atomic */
    /* time_mono_ns() of the first commit announcement (bus_notify) that the read
     * delivering this event answered: at or before this event's own announcement,
     * so now - committed_ns never understates the time since its commit. 0 when
     * unknown (replayed from the store, found by the idle poll, or a position). */
    uint64_t committed_ns;
};

/* Build an event from an outbox row (strings copied; refs 1). Also used to replay
 * rows read from the store for Last-Event-ID. */
struct bus_event *bus_event_from_outbox(const struct store_outbox_event *row);
void bus_event_ref(struct bus_event *ev);
void bus_event_unref(struct bus_event *ev);
/* May who see ev in the stream (access_allows READ on ev->access)? */
bool bus_event_visible(const struct core_user *who, const struct bus_event *ev);

/* A subscriber gets batches on the bus thread: it must be quick (hand them to its
 * own thread) and take its own references (bus_event_ref) of what it keeps. */
typedef void (*bus_deliver_fn)(void *ctx, struct bus_event *const *evs, size_t n);

struct bus;
/* Start the bus thread on its own connection to dsn, delivering events with ids
 * above the outbox's last id at start. */
ph_err bus_start(const char *dsn, struct bus **out) __attribute__((warn_unused_result));
/* Subscribe (before or after start; not removable until bus_stop). */
void bus_subscribe(struct bus *b, bus_deliver_fn fn, void *ctx);
/* Rounds of delivery start at least ms apart (default 25; 0: as soon as woken).
 * Under load this turns many small rounds into fewer fuller ones; bus.c says why. */
void bus_set_min_gap(struct bus *b, int ms);
/* Rounds that handed out events since start, and how many of them waited for the gap. */
void bus_rounds(struct bus *b, uint64_t *rounds, uint64_t *spaced);
/* Wake the bus: new rows may be in the outbox. */
void bus_notify(void *bus);
/* The writer's on-commit hook (writer_set_on_commit): from now on rows with ids
 * up to deliverable_to may be delivered, none above it (INT64_MAX: all); with
 * wake, new rows are there (a commit became durable): wake the bus. */
void bus_committed(void *bus, int64_t deliverable_to, bool wake);
/* The highest outbox id that may be delivered now (INT64_MAX: any): a reader of
 * the outbox other than the bus (a stream's replay, its start id) stops there.
 * Load it after reading rows, as the bus does: it never falls below a row that
 * was deliverable when read. */
int64_t bus_deliverable(struct bus *b);
/* Of rows (read from the outbox in id order, before this call), how many from
 * the first may be delivered now (bus_deliverable). */
size_t bus_deliverable_rows(struct bus *b, const struct store_outbox_event *rows, size_t n);
/* The writer's commits wake the bus, which delivers only what is durable
 * (bus_committed as the writer's on-commit hook). Before the writer's first
 * commit; writer_set_on_commit(w, NULL, NULL) detaches. */
struct writer;
void bus_attach(struct bus *b, struct writer *w);
/* The id of the last event delivered (0: none yet since start). */
int64_t bus_last_id(struct bus *b);
/* Stop the thread, close the connection, free b. */
void bus_stop(struct bus *b);
#endif
