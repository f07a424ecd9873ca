/* server.h - the HTTP door: h2o event loops (one per core) serving the JSON API,
 * a writer thread that group-commits, and a worker pool for argon2id. */
#ifndef PH_HTTP_SERVER_H
#define PH_HTTP_SERVER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/position.h"
#include "core/session.h"
#include "net/cot_server.h"

struct http_config {
    const char *dsn;     /* database: "sqlite:PATH" or PATH */
    const char *listen;  /* "127.0.0.1:8080"; port 0 picks a free port */
    int threads;         /* event loops; 0: the number of cores */
    int workers;         /* argon2id worker threads; 0: 2 */
    bool access_log;     /* one log line per request */
    struct session_config session; /* login throttling, lock-out, session lifetime */
    int position_interval_s; /* live feed: at most one "position" per device this often; 0: every fix */
    struct position_retention retention; /* the scheduler's daily run (core/position.h) */
    int64_t hotspot_interval_ms; /* the scheduler's hot-spot early warning; 0: off */
    struct cot_config cot; /* the CoT listener (net/cot_server.h); no address given: off */
    const char *tile_url; /* map tiles "https://host/{z}/{x}/{y}.png" (checked by
                           * http_tile_origin), added to the CSP's img-src; NULL: none */
};

/* The origin ("https://tiles.example.org", or a "*.example.org" wildcard host for a
 * "{s}." subdomain template) of a tile URL template into out (cap bytes).
 * 0 when url is an http(s) URL with {z}, {x} and {y} and nothing that could
 * break out of a CSP source list (spaces, ';', ',', quotes, non-ASCII); -1
 * otherwise. */
int http_tile_origin(const char *url, char *out, size_t cap);

/* Serve until SIGINT or SIGTERM. Once listening, prints exactly one line
 * "phoihop: listening on http://HOST:PORT" to stdout and flushes it, after the CoT
 * listener's "phoihop: cot listening on ..." lines when it runs (tests read the
 * port from it). Returns 0 after a clean shutdown, 1 when it could not start. */
int http_serve(const struct http_config *cfg);
#endif
