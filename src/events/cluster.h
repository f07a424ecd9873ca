/* cluster.h - several `phoihop serve` nodes on one PostgreSQL database acting as
 * one system (store_shared() true). Each node runs:
 *
 * - a listener thread on its own store connection, LISTENing on two channels:
 *   CLUSTER_CHANNEL_OUTBOX, which every transaction that adds outbox rows
 *   notifies at its commit (store/postgres.c), wakes the local event bus
 *   (bus_notify), so that another node's events reach this node's SSE streams,
 *   CoT clients and scheduler at once rather than at the bus's idle poll; and
 *   CLUSTER_CHANNEL_POS, which carries the position fixes other nodes committed,
 *   published here on the live-position hub (SSE "position" frames, CoT relay);
 * - a sender thread on its own connection: every fix published on this node's
 *   hub is queued, packed with the others waiting into notifications of under
 *   8000 bytes, and sent on CLUSTER_CHANNEL_POS with this node's id, which the
 *   node's own listener recognises and skips. A token revoked or an account
 *   changed here (session_generation_bump) is announced on
 *   CLUSTER_CHANNEL_SESSION: the other nodes empty their caches of
 *   authenticated users at once, as this node does (an SSE stream or a CoT
 *   connection of a revoked session ends on every node).
 *
 * Events are not carried by the notification: it only says "read the outbox",
 * and the bus reads it in id order, so no event is lost or doubled whatever
 * notifications are lost (a dropped connection, a restart: the bus also polls).
 * Positions are live data: a fix lost while a connection is down is not sent
 * again (GET /api/v1/positions/latest has them all). Both threads reconnect with
 * a growing pause (up to CLUSTER_BACKOFF_MAX_MS) when their connection drops. */
#ifndef PH_EVENTS_CLUSTER_H
#define PH_EVENTS_CLUSTER_H
#include <stddef.h>
#include <stdint.h>
#include "util/err.h"
struct arena;
struct buf;
struct bus;
struct livepos;
struct livepos_fix;

/* The outbox's channel: the same name as the store's PG_CHANNEL_OUTBOX. */
#define CLUSTER_CHANNEL_OUTBOX "phoihop_outbox"
/* Position fixes between nodes (cluster_pos_encode). */
#define CLUSTER_CHANNEL_POS "phoihop_pos"
/* Sessions revoked or accounts changed on a node (payload: its id): the others
 * drop their caches of authenticated users (session_generation_bump). */
#define CLUSTER_CHANNEL_SESSION "phoihop_session"
/* PostgreSQL takes NOTIFY payloads shorter than 8000 bytes. */
#define CLUSTER_PAYLOAD_MAX 7900
/* The longest pause before reconnecting a dropped connection. */
#define CLUSTER_BACKOFF_MAX_MS 10000

struct cluster;
/* Start both threads on their own connections to dsn (opened and listening
 * before this returns, so that nothing committed after it is missed). b and hub
 * must outlive cluster_stop. */
ph_err cluster_start(const char *dsn, struct bus *b, struct livepos *hub, struct cluster **out)
    __attribute__((warn_unused_result));
/* Stop both threads, close their connections, free c (NULL: nothing). After it
 * returns the bus and the hub are never called again by c, and fixes the hub
 * publishes are no longer sent. */
void cluster_stop(struct cluster *c);
/* The cluster's counters in Prometheus text (nothing for NULL). */
ph_err cluster_metrics(struct cluster *c, struct buf *b) __attribute__((warn_unused_result));

/* ---- the wire format of CLUSTER_CHANNEL_POS (exposed for the unit test) ---- */

/* A node id: 16 lower-case hex digits, random per process. */
#define CLUSTER_NODE_ID_BYTES 17
/* Append as many of fixes[0..n) as fit in CLUSTER_PAYLOAD_MAX bytes as one
 * payload into out (reset first): {"n":"<node>","f":[{...},...]}. Returns how
 * many it took (0 only for n 0, or when fixes[0] alone does not fit or has no
 * valid uid: the caller skips that one). */
size_t cluster_pos_encode(const char *node, const struct livepos_fix *fixes, size_t n,
                          struct buf *out);
/* Parse a payload: node (CLUSTER_NODE_ID_BYTES) and the fixes, in a (strings
 * too). PH_EPARSE when malformed. */
ph_err cluster_pos_decode(const char *payload, struct arena *a, char node[CLUSTER_NODE_ID_BYTES],
                          struct livepos_fix **fixes, size_t *n)
    __attribute__((warn_unused_result));
#endif
