/* incident.h - incident reports (vụ việc): one schema for the three forces, a
 * reference number per province and year, routing on creation (core/routing.h:
 * who leads, who is informed, the deadlines), the workflow, acknowledgements in
 * stages, and a timeline of every change. Every service checks core/access, and
 * writes its change, its timeline entry, its audit entry and its outbox event in
 * the caller's one transaction.
 *
 * Workflow (status):
 *   new -> acknowledged -> responding -> resolved -> closed
 *   new | acknowledged | transferred -> transferred  (incident_transfer: the lead
 *        passes to another unit, which must acknowledge it)
 *   new | acknowledged | transferred | responding -> merged (incident_merge: a
 *        duplicate joins another incident; final)
 *   acknowledged -> resolved (nothing to do), resolved -> responding (reopened)
 * Anything else is PH_ECONFLICT (HTTP 409). "acknowledged" is reached by the lead
 * unit's "received" acknowledgement (or at once when the reporting unit leads).
 *
 * Units an incident concerns are its recipients: the lead, the reporting unit
 * and the informed units (and a former lead after a transfer). Access: the lead
 * unit owns the incident; every other recipient is a unit it was "sent to"
 * (core/access.h), so that the units above any of them see it too. */
#ifndef PH_CORE_INCIDENT_H
#define PH_CORE_INCIDENT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/err.h"
struct access_item;
struct core_ctx;
struct core_user;

#define INCIDENT_TITLE_MAX_BYTES 300
#define INCIDENT_DESCRIPTION_MAX_BYTES (32 * 1024)
#define INCIDENT_DAMAGE_MAX_BYTES 4096
#define INCIDENT_NOTE_MAX_BYTES 4096
#define INCIDENT_MAX_INFORMED 64       /* informed units given by a reporter */
#define INCIDENT_COUNT_MAX 1000000     /* people/vehicles/vessels/casualties counts */
#define INCIDENT_REF_MAX_BYTES 32      /* "BT-2026-000123" */
#define INCIDENT_IDEM_KEY_MAX_BYTES 200 /* Idempotency-Key header */
/* How long a create's Idempotency-Key is remembered (the scheduler prunes older ones). */
#define INCIDENT_IDEM_KEEP_MS (7LL * 24 * 60 * 60 * 1000)
/* How far in the future occurred_at/detected_at may be (clock skew of field devices). */
#define INCIDENT_FUTURE_SKEW_MS (5 * 60 * 1000)

/* Recipient roles. */
#define INCIDENT_ROLE_LEAD "lead"
#define INCIDENT_ROLE_REPORTING "reporting"
#define INCIDENT_ROLE_INFORMED "informed"
#define INCIDENT_ROLE_FORMER_LEAD "former_lead"

/* Acknowledgement stages, in order; "refused" instead of all of them. */
#define ACK_RECEIVED "received" /* đã nhận */
#define ACK_VERIFIED "verified" /* đã kiểm tra, xác minh */
#define ACK_AGREED "agreed"     /* thống nhất đánh giá */
#define ACK_REFUSED "refused"   /* sent by mistake: back to the rule's fallback */

/* One unit an incident concerns, with its acknowledgement state. */
struct incident_recipient {
    int64_t unit_id;
    const char *role;        /* INCIDENT_ROLE_* */
    const char *unit_code, *unit_name, *unit_path, *force; /* joined, read-only */
    int64_t sent_at;         /* UTC ms */
    int64_t ack_due_at;      /* "received" due by; 0: no deadline */
    int64_t verify_due_at;   /* "verified" due by; 0: no deadline */
    int64_t received_at, verified_at, agreed_at, refused_at; /* 0: not (yet) */
    int64_t received_by, verified_by, agreed_by, refused_by; /* person ids */
    const char *refused_reason;
    int64_t ack_overdue_at;    /* when the scheduler found "received" late; 0: not */
    int64_t verify_overdue_at; /* when the scheduler found "verified" late; 0: not */
    int64_t escalated_at;      /* when the unit above was first notified; 0: not */
};

/* One acknowledgement stage as recorded (the history behind the recipient row). */
struct incident_ack {
    int64_t id, incident_id, unit_id, person_id;
    const char *stage;       /* ACK_* */
    const char *note;        /* or NULL; the reason of a refusal */
    int64_t at;
    bool on_time;            /* read-only: within the deadline of the stage (true without one) */
    const char *person_name; /* joined, read-only */
};

/* One timeline entry: who did what when. */
struct incident_event {
    int64_t id, incident_id, at, person_id;
    const char *kind;        /* "created", "updated", "status", "transferred", "merged",
                              * "acknowledged", "refused", "overdue", "escalated",
                              * "attachment" */
    int64_t unit_id;         /* the unit concerned, or 0 */
    const char *detail;      /* JSON object text: what changed ({"title":{"old","new"}}, ...) */
    const char *person_name; /* joined, read-only; NULL for the system */
};

struct incident {
    int64_t id;
    const char *ref;          /* read-only: "BT-2026-000123", never reused */
    int64_t category_id;
    const char *category_code; /* read-only, joined */
    int severity;             /* 1 (low) .. 4 (critical) */
    const char *title;        /* NFC, required */
    const char *description;  /* NFC, or NULL */
    int64_t occurred_at;      /* UTC ms; not in the future */
    int64_t detected_at;      /* UTC ms; not before occurred_at, not in the future; 0: = occurred_at */
    int64_t reported_at;      /* read-only: set by the server on creation */
    bool has_location;
    double lat, lon;          /* WGS84, when has_location */
    int64_t area_id;          /* given, or resolved from the location; 0: unknown */
    int64_t reporting_unit_id; /* default: the caller's unit */
    int64_t lead_unit_id;     /* read-only: set by routing, changed by transfer */
    /* On create: extra units to inform besides the rule's (at most
     * INCIDENT_MAX_INFORMED). On read: every informed unit. */
    int64_t *informed_unit_ids;
    size_t n_informed;
    int people_involved, vehicles_involved, vessels_involved;
    int casualties_dead, casualties_injured;
    const char *damage;       /* NFC, or NULL */
    int classification;       /* CLEARANCE_* */
    const char *status;       /* read-only here: the workflow above */
    const char *cap_status;   /* "actual" | "exercise" | "test" (like CAP's <status>) */
    int64_t merged_into_id;   /* read-only: set by merge; 0 */
    int64_t rule_id;          /* read-only: the routing rule applied; 0: none matched */
    int64_t report_due_at;    /* read-only: detected_at + the rule's report deadline; 0 */
    bool report_late;         /* read-only: reported_at > report_due_at */
    int64_t created_by;       /* read-only: person id; 0 for the system */
    int64_t version;
    int64_t created_at, updated_at;
    /* Read-only: the operation and its results log entry this incident was made
     * from (core/operation.h, operation_log_add); 0: none. */
    int64_t operation_id, operation_log_id;
    /* Read-only, joined: what access decisions and displays need. */
    const char *lead_unit_path, *lead_force, *reporting_unit_path;
    const char **sent_to_paths; /* paths of every recipient other than the lead */
    size_t n_sent_to;
    bool overdue;             /* some recipient's deadline passed without its stage */
    /* Filled by incident_get (not by lists): every recipient. */
    struct incident_recipient *recipients;
    size_t n_recipients;
};

/* Who may see what, as store queries apply it (from the caller, by core). */
struct incident_scope {
    const char *unit_path; /* the caller's unit path; NULL: no unit limit (global) */
    int clearance;         /* incidents classified above this are left out */
};

struct incident_filter {
    const char *q;            /* full-text words (title, description, ref); NULL: none */
    int64_t from, to;         /* occurred_at in [from, to) UTC ms; 0: open */
    int64_t category_id;      /* 0: any */
    int severity_min, severity_max; /* 0: any */
    const char *status;       /* exact, or NULL */
    const char *cap_status;   /* exact, or NULL (NULL includes exercise and test) */
    const char *force;        /* lead unit's force, or NULL */
    int64_t unit_id;          /* a recipient is this unit or below it; 0: any */
    int64_t area_id;          /* in this area or below it; 0: any */
    bool has_bbox;
    double min_lon, min_lat, max_lon, max_lat; /* located inside, when has_bbox */
    bool overdue_only;
    int64_t before_id;        /* keyset cursor: ids < before_id (newest first); 0: newest */
    int limit;                /* 1..LIST_MAX_LIMIT */
    struct incident_scope scope; /* set by core from the caller; input ignored */
};

/* What POST's Idempotency-Key says about a create. */
struct incident_idem {
    const char *key;          /* the header's value (1..INCIDENT_IDEM_KEY_MAX_BYTES printable ASCII) */
    uint8_t request_hash[32]; /* BLAKE2b of the request body: the same key with another body is a conflict */
};

/* An item of a unit's inbox: an incident sent to the unit that awaits its
 * acknowledgement. */
struct incident_inbox_item {
    struct incident inc;         /* recipients not filled */
    struct incident_recipient rcpt; /* the unit's row */
    const char *awaiting;        /* ACK_RECEIVED or ACK_VERIFIED */
    int64_t due_at;              /* that stage's deadline; 0: none */
    bool overdue;                /* due_at passed */
};

/* Validate the members a client gives, in place (NFC text, ranges, times against
 * cx->now_ms, the category exists and is active for a new incident). On
 * PH_EINVAL *field names the first bad member. */
ph_err incident_validate(struct core_ctx *cx, struct incident *inc, bool creating,
                         const char **field) __attribute__((warn_unused_result));
/* Create: access (create, in the reporting unit's scope), validate, resolve the
 * area from the location when not given, number it, apply routing (lead,
 * recipients, deadlines, report_late), insert, timeline "created", audit
 * "incident.create", outbox "incident.created". With idem (may be NULL): when the
 * caller already created an incident with this key, *replayed = true and *inc is
 * that incident (nothing written); the key with a different request_hash is
 * PH_ECONFLICT with *field "Idempotency-Key". */
ph_err incident_create(struct core_ctx *cx, struct incident *inc, const struct incident_idem *idem,
                       bool *replayed, const char **field) __attribute__((warn_unused_result));
/* Update the client members of inc->id (not status, lead, ref, reporting unit,
 * informed units); inc->version must match (PH_ESTALE otherwise; 0: any). A
 * closed or merged incident is PH_ECONFLICT. Timeline "updated" with the changed
 * members, audit, outbox "incident.updated". */
ph_err incident_update(struct core_ctx *cx, struct incident *inc, const char **field) __attribute__((warn_unused_result));
/* Move to status to ("responding", "resolved", "closed"; "acknowledged" comes by
 * acknowledgement, "transferred"/"merged" by their calls) with an optional note.
 * expected_version 0: any. PH_ECONFLICT for a transition the workflow does not
 * have (*field "status"). Needs ACCESS_UPDATE over the lead's subtree (as do
 * transfer and merge); closing also needs a commander's ACCESS_APPROVE. */
ph_err incident_set_status(struct core_ctx *cx, int64_t id, int64_t expected_version, const char *to,
                           const char *note, const char **field) __attribute__((warn_unused_result));
/* Pass the lead to unit new_lead (active, not the current lead; else PH_EINVAL,
 * *field "lead_unit_id"): the old lead becomes a former lead (still sees it), the
 * new lead gets the rule's acknowledgement deadline; status "transferred". */
ph_err incident_transfer(struct core_ctx *cx, int64_t id, int64_t expected_version, int64_t new_lead,
                         const char *note, const char **field) __attribute__((warn_unused_result));
/* Merge duplicate id into into_id (not itself, visible to the caller: else
 * PH_EINVAL, *field "into_id"; merged: PH_ECONFLICT, *field "into_id"): status
 * "merged", merged_into_id set, a timeline entry on both. */
ph_err incident_merge(struct core_ctx *cx, int64_t id, int64_t expected_version, int64_t into_id,
                      const char *note, const char **field) __attribute__((warn_unused_result));
/* Record acknowledgement stage (ACK_*) for unit_id (0: the caller's unit), which
 * must be a lead or informed recipient (a reporting unit that also leads records
 * its later stages, "verified" and "agreed", as the lead), and the caller's unit
 * or below it. Stages go in order, each once (PH_ECONFLICT otherwise). The lead's
 * "received" moves a new/transferred incident to "acknowledged". ACK_REFUSED
 * needs a note (the reason, *field "note"): the unit is marked refused and the
 * rule's fallback unit is informed instead (or, when the lead refuses, leads);
 * the fallback itself cannot refuse. *out (may be NULL) gets the recorded stage. */
ph_err incident_acknowledge(struct core_ctx *cx, int64_t id, int64_t unit_id, const char *stage,
                            const char *note, struct incident_ack *out,
                            const char **field) __attribute__((warn_unused_result));
/* One incident with its recipients; PH_ENOTFOUND also when the caller may not see
 * it (so that its existence does not leak). */
ph_err incident_get(struct core_ctx *cx, int64_t id, struct incident *out) __attribute__((warn_unused_result));
/* Like incident_get, by reference number. */
ph_err incident_get_by_ref(struct core_ctx *cx, const char *ref, struct incident *out) __attribute__((warn_unused_result));
/* The incidents the caller may see that match f, newest first; f->scope is set
 * from the caller. Recipients are not filled. */
ph_err incident_list(struct core_ctx *cx, const struct incident_filter *f, struct incident **items,
                     size_t *n, bool *has_more) __attribute__((warn_unused_result));
/* The timeline and the acknowledgement history of an incident the caller may see. */
ph_err incident_timeline(struct core_ctx *cx, int64_t id, struct incident_event **items, size_t *n) __attribute__((warn_unused_result));
ph_err incident_acks(struct core_ctx *cx, int64_t id, struct incident_ack **items, size_t *n) __attribute__((warn_unused_result));

/* The unit whose inbox the caller asks for (*unit_id 0: their own unit), which
 * they must be at or above: PH_EINVAL when neither gives a unit, PH_ENOTFOUND for
 * an unknown unit, PH_EPERM outside the caller's scope. Both inboxes (incidents,
 * bulletins) start here. */
ph_err incident_inbox_unit(struct core_ctx *cx, int64_t *unit_id) __attribute__((warn_unused_result));
/* What awaits the acknowledgement of the caller's own unit (or unit_id, the
 * caller's unit or below it), overdue first, then by due time, then oldest first;
 * at most limit. */
ph_err incident_inbox(struct core_ctx *cx, int64_t unit_id, int limit, struct incident_inbox_item **items,
                      size_t *n) __attribute__((warn_unused_result));

/* The scheduler's step (events/scheduler.c runs it on the writer): mark every
 * recipient stage whose deadline passed before cx->now_ms (at most limit of
 * them), each with a timeline entry "overdue" and outbox "incident.overdue", and
 * escalate it: outbox "incident.escalated" to the unit above (its commanders
 * named in the payload) and a timeline entry "escalated". *next_due gets the
 * earliest deadline still pending after this step (0: none). *marked (may be
 * NULL) gets how many were marked. Also forgets Idempotency-Keys older than
 * INCIDENT_IDEM_KEEP_MS. */
ph_err incident_deadlines_run(struct core_ctx *cx, int limit, int64_t *next_due, int *marked) __attribute__((warn_unused_result));

/* The prefix of reference numbers ("BT": BT-2026-000123), the setting
 * "incident_ref_prefix" (default "PH" when unset): 2..8 of [A-Z0-9]. Setting it
 * needs a global admin (or the system); audited "settings.update". Numbers
 * already given keep their prefix. */
ph_err incident_ref_prefix_get(struct core_ctx *cx, const char **prefix) __attribute__((warn_unused_result));
ph_err incident_ref_prefix_set(struct core_ctx *cx, const char *prefix) __attribute__((warn_unused_result));

/* The access item of an incident (owner: the lead; sent to: the other recipients). */
void incident_access_item(const struct incident *inc, struct access_item *out);
/* The scope of the caller for store queries. */
void incident_scope_of(const struct core_user *who, struct incident_scope *out);

/* Names and checks. */
bool incident_status_valid(const char *s);
bool incident_cap_status_valid(const char *s);
/* True when the workflow goes from status from to status to by incident_set_status,
 * transfer ("transferred") or merge ("merged"). */
bool incident_transition_allowed(const char *from, const char *to);
/* Outbox topics: "incident.created", "incident.updated", "incident.status",
 * "incident.transferred", "incident.merged", "incident.acknowledged",
 * "incident.refused", "incident.overdue", "incident.escalated". */
#endif
