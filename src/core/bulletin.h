/* bulletin.h - information exchange (trao đổi thông tin): bulletins a unit sends
 * to units or forces, with structured sections, a classification, a CAP-like
 * status, and acknowledgement by a deadline; and schedules of periodic bulletins
 * (daily / weekly / monthly situation reports due at a local time) whose missing
 * bulletin is overdue like anything else.
 *
 * Access: the sending unit owns a bulletin; its recipient units are units it was
 * "sent to" (core/access.h), so that the units above any of them see it too. A
 * schedule is managed by the admins and commanders of its unit (or above), read by
 * everyone who may see that unit's bulletins.
 *
 * Every write: access, validation naming the field, the store, a timeline-free
 * audit entry ("bulletin.send", "bulletin.acknowledge", "bulletin_schedule.*",
 * "bulletin.overdue") and an outbox event with the bulletin's access scope
 * (outbox_emit_scoped): "bulletin.sent", "bulletin.acknowledged", "bulletin.overdue"
 * (a recipient missed its deadline), "bulletin.missing" (a periodic bulletin was
 * not sent by its due time; scope: the unit that owes it and the unit above). */
#ifndef PH_CORE_BULLETIN_H
#define PH_CORE_BULLETIN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/err.h"
struct arena;
struct core_ctx;

#define BULLETIN_SECTION_MAX_BYTES (32 * 1024)
#define BULLETIN_MAX_RECIPIENTS 64
#define BULLETIN_ACK_MAX_MIN (7 * 24 * 60)

/* Periods of a schedule (and of a periodic bulletin). */
#define BULLETIN_DAILY "daily"
#define BULLETIN_WEEKLY "weekly"
#define BULLETIN_MONTHLY "monthly"

struct bulletin_recipient {
    int64_t unit_id;
    const char *unit_code, *unit_name, *unit_path, *force; /* joined, read-only */
    int64_t ack_due_at;    /* 0: no deadline */
    int64_t received_at;   /* 0: not yet */
    int64_t received_by;
    const char *note;      /* the acknowledgement's note, or NULL */
    int64_t overdue_at;    /* when the scheduler found it late; 0: not */
};

struct bulletin {
    int64_t id;
    const char *kind;          /* "ad_hoc" | "periodic" */
    int64_t schedule_id;       /* periodic: the schedule it answers; 0 */
    const char *period_start;  /* periodic: "YYYY-MM-DD", the local day the period starts; NULL */
    int64_t from_unit_id;      /* default: the caller's unit */
    const char *title;         /* NFC, required, <= TEXT_MAX_NAME_BYTES */
    const char *situation;     /* tình hình; NFC; at least one section is required */
    const char *assessment;    /* nhận định, đánh giá */
    const char *proposals;     /* đề xuất, kiến nghị */
    /* Recipients as given: units, and forces (each force's province-level unit).
     * Periodic bulletins default to their schedule's recipients. */
    int64_t *to_unit_ids;
    size_t n_to_units;
    const char **to_forces;
    size_t n_to_forces;
    int classification;        /* CLEARANCE_*, not above the sender's clearance */
    const char *cap_status;    /* "actual" | "exercise" | "test" */
    bool ack_required;
    int ack_minutes;           /* deadline after sending, 1..BULLETIN_ACK_MAX_MIN when ack_required */
    int64_t sent_at;           /* read-only: set by the server */
    int64_t created_by;        /* read-only */
    int64_t version;
    /* Read-only, joined. */
    const char *from_unit_path, *from_force;
    const char **sent_to_paths;
    size_t n_sent_to;
    bool overdue;              /* some recipient's deadline passed without acknowledgement */
    struct bulletin_recipient *recipients; /* filled by bulletin_get */
    size_t n_recipients;
};

struct bulletin_filter {
    int64_t from, to;          /* sent_at in [from, to); 0: open */
    const char *kind;          /* or NULL */
    int64_t unit_id;           /* sender or recipient is this unit or below; 0: any */
    const char *cap_status;    /* or NULL */
    const char *q;             /* folded title contains; NULL: none */
    int64_t before_id;         /* newest first; 0: newest */
    int limit;
    /* Set by core from the caller (as for incidents). */
    const char *scope_unit_path;
    int scope_clearance;
};

/* A schedule: unit_id owes a bulletin every period, due at due_local ("HH:MM",
 * Asia/Ho_Chi_Minh) on the period's day (weekly: weekday 1 = Monday .. 7; monthly:
 * day 1..28), sent to its recipients with its acknowledgement deadline. */
struct bulletin_schedule {
    int64_t id;
    int64_t unit_id;
    const char *title;         /* "Báo cáo tình hình ngày", NFC */
    const char *period;        /* BULLETIN_DAILY | WEEKLY | MONTHLY */
    const char *due_local;     /* "07:00" */
    int due_day;               /* weekly 1..7, monthly 1..28; daily 0 */
    int64_t *to_unit_ids;
    size_t n_to_units;
    const char **to_forces;
    size_t n_to_forces;
    int ack_minutes;           /* 0: no acknowledgement required */
    bool is_active;
    int64_t version;
    int64_t created_at, updated_at;
    const char *unit_path;     /* joined, read-only */
};

ph_err bulletin_validate(struct core_ctx *cx, struct bulletin *b, const char **field) __attribute__((warn_unused_result));
/* Send: access (create, in the sending unit's scope), validate, resolve recipients
 * (forces to their province-level units; without the sender; no duplicates; at
 * least one), insert with recipients and deadlines (sent_at = cx->now_ms), audit,
 * outbox. A periodic bulletin names its schedule (the caller's unit must be the
 * schedule's) and its period_start (default: the period containing now); a second
 * bulletin for the same schedule and period is PH_ECONFLICT (*field
 * "period_start"). */
ph_err bulletin_send(struct core_ctx *cx, struct bulletin *b, const char **field) __attribute__((warn_unused_result));
/* Acknowledge receipt for unit_id (0: the caller's unit), a recipient, which the
 * caller's unit covers; once (PH_ECONFLICT when already). */
ph_err bulletin_acknowledge(struct core_ctx *cx, int64_t id, int64_t unit_id, const char *note,
                            const char **field) __attribute__((warn_unused_result));
/* PH_ENOTFOUND also when the caller may not see it. */
ph_err bulletin_get(struct core_ctx *cx, int64_t id, struct bulletin *out) __attribute__((warn_unused_result));
ph_err bulletin_list(struct core_ctx *cx, const struct bulletin_filter *f, struct bulletin **items, size_t *n,
                     bool *has_more) __attribute__((warn_unused_result));

ph_err bulletin_schedule_validate(struct core_ctx *cx, struct bulletin_schedule *s, const char **field) __attribute__((warn_unused_result));
ph_err bulletin_schedule_create(struct core_ctx *cx, struct bulletin_schedule *s, const char **field) __attribute__((warn_unused_result));
ph_err bulletin_schedule_update(struct core_ctx *cx, struct bulletin_schedule *s, const char **field) __attribute__((warn_unused_result));
ph_err bulletin_schedule_get(struct core_ctx *cx, int64_t id, struct bulletin_schedule *out) __attribute__((warn_unused_result));
/* Schedules of unit_id and below (0: all the caller may see), id order. */
ph_err bulletin_schedule_list(struct core_ctx *cx, int64_t unit_id, int64_t after_id, int limit,
                              struct bulletin_schedule **items, size_t *n, bool *has_more) __attribute__((warn_unused_result));

/* The due time (UTC ms) of the period of schedule s that contains local day
 * containing at, and that period's first local day ("YYYY-MM-DD", in arena a).
 * Pure. */
int64_t bulletin_period_due(const struct bulletin_schedule *s, int64_t at, struct arena *a,
                            const char **period_start);

/* An item of a unit's inbox from bulletins: a bulletin sent to the unit and not
 * yet acknowledged by it, among those that ask for an acknowledgement (the
 * recipient has a deadline: ack_required); overdue first, then by deadline. */
struct bulletin_inbox_item {
    struct bulletin b;             /* recipients not filled */
    struct bulletin_recipient rcpt;
    bool overdue;
};
ph_err bulletin_inbox(struct core_ctx *cx, int64_t unit_id, int limit, struct bulletin_inbox_item **items,
                      size_t *n) __attribute__((warn_unused_result));

/* The scheduler's step for bulletins (run with incident_deadlines_run): mark
 * recipients whose deadline passed before cx->now_ms (event "bulletin.overdue"),
 * and for every active schedule whose due time of the current (or previous)
 * period passed with no bulletin for that period, record the miss once (event
 * "bulletin.missing"). *next_due: the earliest future deadline or schedule due
 * time (0: none). At most limit items per run. */
ph_err bulletin_deadlines_run(struct core_ctx *cx, int limit, int64_t *next_due, int *marked) __attribute__((warn_unused_result));
/* What bulletin_deadlines_run would find, read only (the scheduler asks on its
 * read connection before it queues a write job): *due_now, whether a run at
 * cx->now_ms would mark or record anything; *next_due, the earliest later time
 * at which one would (0: none). */
ph_err bulletin_deadlines_next(struct core_ctx *cx, bool *due_now, int64_t *next_due) __attribute__((warn_unused_result));
#endif
