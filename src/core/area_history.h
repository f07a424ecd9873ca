/* area_history.h - areas across time (issue 8): the successions a reorganisation
 * recorded (new <- old, full or partial; 013_geography.sql), the map of a given
 * day, counting incidents by the areas of another day's map, units whose areas of
 * responsibility closed (with proposals an admin confirms), and routing rules
 * that name closed areas.
 *
 * Items keep the area they happened in, at their time. Seen on a later map, an
 * old area goes to its successor when the merge was full; when it was partial, a
 * location decides (point-in-polygon on the later map's outlines), and without a
 * location, or with one that no successor's outline holds, the item is reported
 * as ambiguous, never guessed. Chains (a successor later merged again) are
 * followed. */
#ifndef PH_CORE_AREA_HISTORY_H
#define PH_CORE_AREA_HISTORY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/err.h"
struct core_ctx;

struct area_succession {
    int64_t new_area_id, old_area_id;
    const char *kind;       /* "full" | "partial" */
    const char *effective;  /* "YYYY-MM-DD" */
    const char *new_code, *new_name, *old_code, *old_name; /* joined */
};

/* The successions of an area: its predecessors (old areas merged into it) when
 * as_new, else its successors. */
ph_err area_successions(struct core_ctx *cx, int64_t area_id, bool as_new, struct area_succession **items,
                        size_t *n) __attribute__((warn_unused_result));

/* The area of day `at`'s map ("YYYY-MM-DD") that area_id (valid earlier, or on
 * that day: then itself) became. has_location/lat/lon decide partial merges.
 * *to_id is 0 and *ambiguous true when it cannot be decided; *to_id 0 and
 * *ambiguous false when the area has no successor valid that day (it closed
 * without one). */
ph_err area_map_to(struct core_ctx *cx, int64_t area_id, bool has_location, double lat, double lon,
                   const char *at, int64_t *to_id, bool *ambiguous) __attribute__((warn_unused_result));

/* Incidents (those the caller may see, actual, not merged, occurred in
 * [from, to)) counted by the areas of day `at`'s map, at `level` ("province",
 * "district", "commune": an incident in a deeper area counts for its ancestor at
 * that level on that map; NULL: the deepest). */
struct area_count {
    int64_t area_id;        /* 0 for the ambiguous row */
    const char *code, *name;
    int64_t count;
};
struct area_count_result {
    struct area_count *rows; /* by count descending, then code */
    size_t n;
    int64_t total;           /* every incident counted: the rows' sum + ambiguous + no_area */
    int64_t ambiguous;       /* a partial merge that no location decided */
    int64_t no_area;         /* incidents without an area */
    const int64_t *ambiguous_ids; /* up to AREA_AMBIGUOUS_IDS_MAX of them, for review */
    size_t n_ambiguous_ids;
};
#define AREA_AMBIGUOUS_IDS_MAX 1000
ph_err area_count_incidents(struct core_ctx *cx, int64_t from, int64_t to, const char *at, const char *level,
                            struct area_count_result *out, const char **field) __attribute__((warn_unused_result));

/* Operations (those the caller may see, as operation_list: not cancelled, the
 * planned interval overlapping [from, to)) counted by day `at`'s areas: each
 * once per area of that map that one of its area_ids (the deepest areas its
 * geometry touched when planned) maps to, so rows may add up to more than
 * total. total: the operations; ambiguous: those with an area that no map
 * decides (a partial merge: operations have no single location), also counted
 * in the rows their other areas reach; no_area: those that touched no area. */
ph_err area_count_operations(struct core_ctx *cx, int64_t from, int64_t to, const char *at,
                             const char *level, struct area_count_result *out, const char **field)
    __attribute__((warn_unused_result));

/* Positions (of the devices the caller may see, as position_latest; at in
 * [from, to), at most AREA_POSITIONS_MAX_DAYS: longer is PH_EINVAL, field
 * "to") counted by the area of day `at`'s map that holds each (its location,
 * geo_resolve_area): total the positions, no_area those no area (at `level`)
 * holds, ambiguous always 0. */
#define AREA_POSITIONS_MAX_DAYS 31
ph_err area_count_positions(struct core_ctx *cx, int64_t from, int64_t to, const char *at,
                            const char *level, struct area_count_result *out, const char **field)
    __attribute__((warn_unused_result));

/* ---- units follow the map ---- */
struct unit_area_proposal {
    int64_t id, unit_id, old_area_id, new_area_id;
    const char *kind;       /* of the succession */
    const char *status;     /* "proposed" | "confirmed" | "rejected" */
    int64_t created_at, decided_at, decided_by;
    const char *unit_code, *unit_name, *old_name, *new_name; /* joined */
};
/* For every unit responsible for an area closed on or before `at` (default
 * today), a proposal per successor of that area (not made twice). *created
 * counts the new ones. Admins over the unit. */
ph_err unit_area_propose(struct core_ctx *cx, const char *at, int *created) __attribute__((warn_unused_result));
ph_err unit_area_proposals(struct core_ctx *cx, const char *status, int64_t unit_id,
                           struct unit_area_proposal **items, size_t *n) __attribute__((warn_unused_result));
/* Confirm (the unit's areas: the old one out, the new one in; audit, outbox
 * "unit.updated") or reject. PH_ECONFLICT (field "status") when already decided. */
ph_err unit_area_decide(struct core_ctx *cx, int64_t id, bool confirm, const char **field)
    __attribute__((warn_unused_result));

/* Routing rules (active) that name an area closed on or before `at`: their ids. */
ph_err routing_rules_on_closed_areas(struct core_ctx *cx, const char *at, int64_t **rule_ids, size_t *n)
    __attribute__((warn_unused_result));
#endif
