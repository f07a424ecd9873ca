/* cot_server.h - the Cursor-on-Target listener: TAK clients (ATAK, iTAK, WinTAK)
 * connect over TCP (the TAK "streaming" protocol: CoT events concatenated), TLS
 * with client certificates, or send UDP datagrams (one event each).
 *
 * Incoming (proto/cot.h parses, core does the rest): PLI -> position_ingest
 * (queued and written in batches by the writer), markers -> draft_upsert,
 * GeoChat -> message_send, pings answered. Outgoing, per connection and with its
 * person's access: committed positions of others (events/livepos.h), incidents
 * and active operations as CoT (on connect, then from the event bus), chat.
 *
 * Identity: a TLS connection is the person its client certificate maps to; a
 * plain TCP connection or a UDP sender is the person its device (the uid of its
 * first PLI) is bound to (core/position.h): until then it receives nothing and
 * its events from unbound devices are refused (counted).
 *
 * Limits: bounded event size (COT_EVENT_MAX_BYTES), a per-connection rate (events
 * over it are dropped and counted; a client over it for long is cut off), idle
 * and slow clients (an output queue over its bound) cut off, a maximum number of
 * connections. Every refusal is counted in /metrics (cot_server_metrics). */
#ifndef PH_NET_COT_SERVER_H
#define PH_NET_COT_SERVER_H
#include <stdbool.h>
#include <stdint.h>
#include "util/err.h"
struct buf;
struct bus;
struct livepos;
struct writer;

struct cot_config {
    const char *listen;      /* TCP "HOST:PORT" (default "127.0.0.1:8087"; port 0 picks one); NULL: off */
    const char *udp_listen;  /* UDP "HOST:PORT"; NULL: off */
    const char *tls_listen;  /* TLS "HOST:PORT" (8089 by custom); NULL: off */
    const char *tls_cert, *tls_key; /* the server's certificate and key (PEM files) */
    const char *tls_ca;      /* CA (PEM) that signs client certificates; required with tls_listen */
    int max_clients;         /* 0: 1000 */
    int idle_timeout_s;      /* no bytes for this long: cut off (0: 120) */
    int rate_per_s;          /* events a connection may send per second (0: 50) */
    int stale_s;             /* stale of what we send (0: 120) */
};

struct cot_server;
/* Start listening (on its own thread, with a second one that reads each new
 * connection's starting picture off the relay's loop: cot_welcome.c). Prints one
 * line per listener to stdout,
 * before the HTTP door's "listening" line: "phoihop: cot listening on
 * tcp://HOST:PORT" (udp://, tls://), so that tests find the ports chosen. */
ph_err cot_server_start(const struct cot_config *cfg, const char *dsn, struct writer *w, struct bus *b,
                        struct livepos *lp, struct cot_server **out) __attribute__((warn_unused_result));
/* Append this listener's counters to out in the Prometheus text format
 * (phoihop_cot_*). Thread-safe. */
ph_err cot_server_metrics(struct cot_server *s, struct buf *out) __attribute__((warn_unused_result));
/* Close every connection and listener, stop the threads, free s. */
void cot_server_stop(struct cot_server *s);
#endif
