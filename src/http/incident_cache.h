/* incident_cache.h - the answers of GET /api/v1/incidents/{id}, kept per event
 * loop: the rendered JSON of each incident a loop has sent, with what decides who
 * may see it, so that a repeated read costs one indexed query instead of three
 * queries and an encoding.
 *
 * An entry is served only while it is current: every request first asks the
 * store for the incident's freshness (store_incident_rev: a counter that every
 * write to the incident or its recipients moves, the recipients' count, and a
 * counter of unit and category renames and moves) and renders again on any
 * difference. A client that wrote and then reads therefore sees its write, from
 * any loop, and so do writes of other processes (the CLI). The question comes
 * before the rendering, so a write that lands between the two costs one more
 * rendering, never a stale answer. Time alone changes one member ("overdue",
 * when a deadline passes): an entry also ends at the next deadline of the
 * incident's recipients.
 *
 * Access is decided per caller, as incident_get decides it: the entry keeps the
 * incident's access item (core/incident.h: incident_access_item) and every hit
 * asks access_allows(ACCESS_READ); what the caller may not see is PH_ENOTFOUND,
 * without a rendering. */
#ifndef PH_HTTP_INCIDENT_CACHE_H
#define PH_HTTP_INCIDENT_CACHE_H
#include <stddef.h>
#include <stdint.h>
#include "util/err.h"
struct core_ctx;
struct incident_cache;

/* Per loop: how many incidents (a power of two; an incident has one slot, by its
 * id), and how many bytes of bodies and access items, at most. A typical incident
 * takes 3 to 4 KiB. */
#define INCIDENT_CACHE_SLOTS 4096
#define INCIDENT_CACHE_MAX_BYTES (16u << 20)

/* One answer. json is borrowed: valid until the next call on the cache (or, after
 * a rendering, until cx->arena is released). */
struct incident_view {
    const char *json; /* compact, as resp_json would send pjson_incident(inc, true) */
    size_t len;
    int64_t version; /* for the ETag */
    int classification; /* CLEARANCE_*: a classified read is audited before it is sent */
};

/* What a cache did, for tests and profiles. */
struct incident_cache_stats {
    uint64_t hits;    /* answered from an entry */
    uint64_t renders; /* answered by a rendering (no entry, or a stale one) */
    uint64_t stale;   /* an entry was there but no longer current (dropped) */
    uint64_t denied;  /* answered from an entry with PH_ENOTFOUND: not for this caller */
    uint64_t evicted; /* entries dropped to stay within the byte budget */
    size_t entries, bytes;
};

/* A cache of at most slots incidents (rounded up to a power of two) and about
 * max_bytes. Caller frees with incident_cache_free(). */
struct incident_cache *incident_cache_new(size_t slots, size_t max_bytes);
void incident_cache_free(struct incident_cache *c); /* NULL is fine */
/* The calling thread's cache (INCIDENT_CACHE_SLOTS, INCIDENT_CACHE_MAX_BYTES),
 * made on first use and freed when the thread exits: each event loop has its own,
 * used by its thread only, so no lock. */
struct incident_cache *incident_cache_local(void);
/* Incident id (with its recipients) as cx->user may see it, at cx->now_ms, from
 * cx->st: from the cache when current, else rendered (incident_get) and kept.
 * PH_ENOTFOUND when it does not exist or the caller may not see it; PH_ESTORE. A
 * cache serves one database: a call with another cx->st empties it first. */
ph_err incident_cache_get(struct incident_cache *c, struct core_ctx *cx, int64_t id,
                          struct incident_view *out) __attribute__((warn_unused_result));
void incident_cache_stats(const struct incident_cache *c, struct incident_cache_stats *out);
#endif
