/* livepos.h - the live-position hub: committed positions go to every subscriber
 * (the SSE streams of the event loops, the CoT listener's connections) without
 * passing through the outbox, which would otherwise grow by every fix of every
 * device. Whoever commits a batch of positions (the HTTP door after its writer
 * job, the CoT listener after its own) publishes it here; subscribers filter by
 * access themselves (livepos_visible) and thin what they pass on (at most one fix
 * per device per interval for SSE; CoT clients get every fix, like a TAK server).
 *
 * Positions are live data only: a client that reconnects asks
 * GET /api/v1/positions/latest, there is no replay. */
#ifndef PH_EVENTS_LIVEPOS_H
#define PH_EVENTS_LIVEPOS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
struct core_user;

/* One committed fix, with what access and display need (strings owned by the
 * publisher for the duration of the call only: copy what you keep). */
struct livepos_fix {
    int64_t device_id;
    const char *uid, *callsign;
    int64_t person_id, unit_id;
    const char *unit_path, *force; /* the device's unit: its access owner */
    int64_t at;                    /* UTC ms */
    double lat, lon, speed, course, alt; /* NaN when not given */
    int battery;                   /* -1 when not given */
    const char *source;            /* POSITION_SOURCE_* (core/position.h) */
};

/* Called on the publisher's thread: must be quick (copy and hand over to the
 * subscriber's own thread). */
typedef void (*livepos_fn)(void *ctx, const struct livepos_fix *fixes, size_t n);

struct livepos;
struct livepos *livepos_create(void);
/* Subscribe (thread-safe; not removable until livepos_destroy). */
void livepos_subscribe(struct livepos *h, livepos_fn fn, void *ctx);
/* Hand fixes to every subscriber, in subscription order. Thread-safe; publishers
 * may run on several threads at once. */
void livepos_publish(struct livepos *h, const struct livepos_fix *fixes, size_t n);
/* Fixes published so far (for /metrics). */
uint64_t livepos_published(struct livepos *h);
void livepos_destroy(struct livepos *h);

/* May who see fix (access_allows READ of an unclassified operational item owned
 * by the fix's unit)? Pure. */
bool livepos_visible(const struct core_user *who, const struct livepos_fix *fix);
#endif
