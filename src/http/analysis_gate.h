/* analysis_gate.h - how many hot-spot analyses (GET /api/v1/analytics/gistar,
 * /emerging, /density) and detection runs (POST /api/v1/hotspots/detect) may be
 * in flight at once in one server: ANALYSIS_GATE_MAX. Each may take seconds of
 * a worker-pool thread, and the pool also hashes passwords (argon2id) for
 * logins: with at most one analysis, a pool of two threads always has one for
 * logins (docs/SECURITY.md). Beyond it, 429 with Retry-After. */
#ifndef PH_HTTP_ANALYSIS_GATE_H
#define PH_HTTP_ANALYSIS_GATE_H
#include <stdbool.h>

#define ANALYSIS_GATE_MAX 1
#define ANALYSIS_GATE_RETRY_S "5"

/* Take a place (true), or false when ANALYSIS_GATE_MAX are taken. Any thread. */
bool analysis_gate_enter(void);
/* Give back a place taken by analysis_gate_enter. Any thread. */
void analysis_gate_leave(void);
/* Is dsn a database in memory (":memory:", a "file:" URI with mode=memory or
 * ":memory:")? Every connection to it would be a new, empty database, so the
 * analyses, which open connections of their own, refuse it (503). */
bool analysis_gate_dsn_in_memory(const char *dsn);
#endif
