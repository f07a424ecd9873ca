/* routing.h - routing rules as data: which force leads an incident, which forces
 * and units are informed, and the deadlines, by category, severity, area (and
 * everything below it) and area kind. The schema seeds MISSION.md's defaults;
 * global administrators edit rules through the API (audited). A change applies to
 * incidents created after it: an incident keeps the rule id and the deadlines it
 * got.
 *
 * Matching: the active rules are tried in (priority, id) order, lowest first;
 * the first whose every condition holds decides everything (lead, informed,
 * deadlines, fallback). A condition left empty matches anything. */
#ifndef PH_CORE_ROUTING_H
#define PH_CORE_ROUTING_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/err.h"
struct core_ctx;
struct incident;

#define ROUTING_MAX_INFORM 16           /* forces or units one rule informs */
#define ROUTING_DEADLINE_MAX_MIN (30 * 24 * 60) /* deadlines in minutes: 1..30 days */
#define ROUTING_PRIORITY_MAX 1000000

struct routing_rule {
    int64_t id;
    const char *name;           /* "Vành đai biên giới: Biên phòng chủ trì", NFC */
    int priority;               /* 0..ROUTING_PRIORITY_MAX, lowest tried first */
    bool is_active;
    /* Conditions (empty: any). */
    int64_t category_id;        /* 0: any */
    int severity_min, severity_max; /* 1..4; 0: open */
    int64_t area_id;            /* the incident's area is this one or below it; 0: any */
    const char *area_kind;      /* "border" | "sea" | "coastal" | "inland"; NULL: any */
    /* Decisions. */
    const char *lead_force;     /* NULL: the category's lead_force (police when it has none) */
    const char **inform_forces; /* each force's responsible unit is informed */
    size_t n_inform_forces;
    int64_t *inform_unit_ids;   /* and these units */
    size_t n_inform_units;
    int report_deadline_min;    /* detected -> reported, minutes; 0: none */
    int ack_deadline_min;       /* sent -> "received", minutes; 0: none */
    int verify_deadline_min;    /* sent -> "verified", minutes; 0: none */
    int64_t fallback_unit_id;   /* where a refused item goes; 0: the top unit of the
                                 * refusing unit's force */
    int64_t version;
    int64_t created_at, updated_at;
};

struct routing_rule_filter {
    bool include_inactive;
    int64_t after_id;
    int limit;
};

/* The decision for one incident. */
struct routing_plan {
    int64_t rule_id;            /* 0: no rule matched (the defaults below were used) */
    int64_t lead_unit_id;       /* never 0 on PH_OK */
    int64_t *informed_unit_ids; /* without the lead and the reporting unit, no duplicates */
    size_t n_informed;
    int report_deadline_min, ack_deadline_min, verify_deadline_min;
    int64_t fallback_unit_id;   /* 0: the refusing unit's force's top unit */
};

ph_err routing_rule_validate(struct core_ctx *cx, struct routing_rule *r, const char **field) __attribute__((warn_unused_result));
/* Create / update (version must match; 0: any) / read / list, global admins write;
 * audit "routing_rule.create" / "routing_rule.update", outbox "routing_rule.*".
 * There is no delete: is_active false. */
ph_err routing_rule_create(struct core_ctx *cx, struct routing_rule *r, const char **field) __attribute__((warn_unused_result));
ph_err routing_rule_update(struct core_ctx *cx, struct routing_rule *r, const char **field) __attribute__((warn_unused_result));
ph_err routing_rule_get(struct core_ctx *cx, int64_t id, struct routing_rule *out) __attribute__((warn_unused_result));
ph_err routing_rule_list(struct core_ctx *cx, const struct routing_rule_filter *f,
                         struct routing_rule **items, size_t *n, bool *has_more) __attribute__((warn_unused_result));

/* The plan for inc (category_id, severity, area_id set; reporting_unit_id set):
 * the first matching rule, the lead force's unit responsible for the incident's
 * area (the unit linked to the area, else to the nearest area above it, else the
 * force's province-level unit), the same for each informed force, the rule's
 * informed units, and inc->informed_unit_ids (the reporter's extra units). Arrays
 * in cx->arena. PH_ENOTFOUND when the lead force has no active unit at all. */
ph_err routing_plan_for(struct core_ctx *cx, const struct incident *inc, struct routing_plan *out) __attribute__((warn_unused_result));
/* The rule's fallback for a refusal by unit_id (plan->fallback_unit_id, or the
 * top unit of unit_id's force). */
ph_err routing_fallback_unit(struct core_ctx *cx, int64_t rule_id, int64_t unit_id, int64_t *out) __attribute__((warn_unused_result));
/* The unit of force responsible for area_id (rules above); PH_ENOTFOUND when the
 * force has no active unit. */
ph_err routing_unit_for_area(struct core_ctx *cx, const char *force, int64_t area_id, int64_t *out) __attribute__((warn_unused_result));
#endif
