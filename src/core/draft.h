/* draft.h - incident drafts (báo cáo ban đầu chưa xác nhận): markers that field
 * teams drop on a TAK map (CoT b-m-p-*, u-d-*, an emergency b-a-o-*) arrive here,
 * not as incidents: a duty officer of the unit promotes a draft to an incident
 * (incident_create with the draft's place and time, the officer's category,
 * severity and text) or dismisses it. A marker moved or edited on the map (same
 * CoT uid from the same device) updates its open draft.
 *
 * Access: the reporting device's unit owns a draft (ITEM_OPERATIONAL,
 * unclassified). Promote and dismiss need ROLE_DUTY_OFFICER or ROLE_COMMANDER
 * (ACCESS_UPDATE). Writes are audited ("draft.create", "draft.update",
 * "draft.promote", "draft.dismiss") with outbox events "draft.created",
 * "draft.updated", "draft.promoted", "draft.dismissed". */
#ifndef PH_CORE_DRAFT_H
#define PH_CORE_DRAFT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/err.h"
struct core_ctx;
struct incident;

#define DRAFT_OPEN "open"
#define DRAFT_PROMOTED "promoted"
#define DRAFT_DISMISSED "dismissed"

struct incident_draft {
    int64_t id;
    const char *uid;          /* the marker's CoT uid; unique among open drafts of a device */
    const char *cot_type;     /* "b-m-p-s-m", ... */
    const char *title;        /* the marker's callsign / name, NFC */
    const char *remarks;      /* NFC, or NULL */
    int64_t at;               /* the marker's time, UTC ms */
    double lat, lon;
    int64_t device_id, person_id, unit_id; /* who dropped it */
    const char *status;       /* DRAFT_* (read-only here) */
    int64_t incident_id;      /* read-only: set by promote; 0 */
    const char *dismiss_reason;
    int64_t version, created_at, updated_at;
    const char *unit_path;    /* joined, read-only */
};

/* Create or (same device and uid, still open) update. *created says which. */
ph_err draft_upsert(struct core_ctx *cx, struct incident_draft *d, bool *created, const char **field) __attribute__((warn_unused_result));
ph_err draft_get(struct core_ctx *cx, int64_t id, struct incident_draft *out) __attribute__((warn_unused_result));
/* Open drafts (status NULL) or those of status, newest first. */
ph_err draft_list(struct core_ctx *cx, const char *status, int64_t before_id, int limit,
                  struct incident_draft **items, size_t *n, bool *has_more) __attribute__((warn_unused_result));
/* Make inc (category, severity, title... given by the officer; location and
 * occurred_at default to the draft's) with incident_create in the same
 * transaction; the draft becomes promoted with inc->id. */
ph_err draft_promote(struct core_ctx *cx, int64_t id, struct incident *inc, const char **field) __attribute__((warn_unused_result));
ph_err draft_dismiss(struct core_ctx *cx, int64_t id, const char *reason, const char **field) __attribute__((warn_unused_result));
#endif
