/* incident_int.h - what incident.c (records: create, update, reads) and
 * incident_flow.c (workflow: status, transfer, merge, acknowledgements, deadlines)
 * share: loading an incident with the access decision, the timeline entry, the
 * compact event payload, and the outbox event scoped to the incident as it is
 * after the change. Not for other modules: they call core/incident.h. */
#ifndef PH_CORE_INCIDENT_INT_H
#define PH_CORE_INCIDENT_INT_H
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include "core/access.h"
#include "core/incident.h"
#include "util/err.h"
struct core_ctx;

/* Statuses of the workflow (core/incident.h). */
#define INCIDENT_ST_NEW "new"
#define INCIDENT_ST_ACKNOWLEDGED "acknowledged"
#define INCIDENT_ST_RESPONDING "responding"
#define INCIDENT_ST_RESOLVED "resolved"
#define INCIDENT_ST_CLOSED "closed"
#define INCIDENT_ST_TRANSFERRED "transferred"
#define INCIDENT_ST_MERGED "merged"

/* Load incident id (recipients not filled) for act by the caller: PH_ENOTFOUND when
 * it does not exist or the caller may not read it (its existence does not leak),
 * PH_EPERM when the caller may read it but not act. Strings live in cx->arena. */
ph_err incident_load_for(struct core_ctx *cx, int64_t id, enum access_action act,
                         struct incident *out) __attribute__((warn_unused_result));
/* Append timeline entry kind of incident id about unit_id (0: none), by the
 * caller, at cx->now_ms; detail is a JSON object (stolen; NULL: {}). */
ph_err incident_log_event(struct core_ctx *cx, int64_t id, const char *kind, int64_t unit_id,
                          json_t *detail) __attribute__((warn_unused_result));
/* As incident_log_event, with detail already serialised (compact, sorted keys). */
ph_err incident_log_event_text(struct core_ctx *cx, int64_t id, const char *kind, int64_t unit_id,
                               const char *detail) __attribute__((warn_unused_result));
/* Emit topic for inc, which must be as read from the store after the change (its
 * joined paths give the scope). The payload is compact JSON: id, ref, title,
 * status, severity, category_code, lead_unit_id, cap_status, then the members of
 * extra (stolen; may be NULL), none of which may have one of those names. With
 * extra_path, that unit's path is added to the units the event is sent to (an
 * escalation). */
ph_err incident_emit_for(struct core_ctx *cx, const char *topic, const struct incident *inc,
                         json_t *extra, const char *extra_path) __attribute__((warn_unused_result));
/* incident_emit_for() for incident id, read again first. */
ph_err incident_emit_event(struct core_ctx *cx, const char *topic, int64_t id, json_t *extra,
                           const char *extra_path) __attribute__((warn_unused_result));
/* Check the version a caller expects (0: any): PH_ESTALE when it differs. */
ph_err incident_check_version(const struct incident *inc, int64_t expected)
    __attribute__((warn_unused_result));
/* A note as given to a workflow call: NFC, at most INCIDENT_NOTE_MAX_BYTES, or
 * NULL. PH_EINVAL (field "note") otherwise. */
ph_err incident_clean_note(struct core_ctx *cx, const char *in, const char **out,
                           const char **field) __attribute__((warn_unused_result));
#endif
