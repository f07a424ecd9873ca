/* pjson.h - the API's JSON shapes of phoihop's records (jansson). Encoders return a
 * new reference; decoders apply the members present in a JSON object onto a record
 * (so one decoder serves create and PATCH), rejecting unknown members and wrong
 * types with PH_EINVAL and *field naming the member. Strings they set live in the
 * arena given; text is NFC-normalised. Validation of values is core's job. */
#ifndef PH_PROTO_PJSON_H
#define PH_PROTO_PJSON_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/area.h"
#include "core/category.h"
#include "core/ctx.h"
#include "core/person.h"
#include "core/unit.h"
#include "util/err.h"
struct arena;
struct buf;

json_t *pjson_area(const struct area *a, bool with_geometry);
json_t *pjson_category(const struct category *c);
json_t *pjson_unit(const struct unit *u);
/* Never includes the password hash. */
json_t *pjson_person(const struct person *p);
/* The caller as /auth/me shows it. */
json_t *pjson_user(const struct core_user *u);
/* {"items":[...], "next_cursor": "..." | null}; takes the items reference. */
json_t *pjson_page(json_t *items, bool has_more, int64_t last_id);
/* An RFC 3339 UTC string for ms, or JSON null for 0. */
json_t *pjson_time(int64_t ms);

ph_err pjson_apply_area(json_t *obj, struct arena *a, struct area *inout, const char **field) __attribute__((warn_unused_result));
ph_err pjson_apply_category(json_t *obj, struct arena *a, struct category *inout, const char **field) __attribute__((warn_unused_result));
ph_err pjson_apply_unit(json_t *obj, struct arena *a, struct unit *inout, const char **field) __attribute__((warn_unused_result));
/* Also extracts "password" (create only: *password NULL when absent or when
 * password is NULL, which makes the member unknown). */
ph_err pjson_apply_person(json_t *obj, struct arena *a, struct person *inout, const char **password,
                          const char **field) __attribute__((warn_unused_result));

/* Cursors are opaque to clients: "c" + base-36 id. PH_EINVAL when malformed. */
ph_err pjson_cursor_decode(const char *s, int64_t *after_id) __attribute__((warn_unused_result));

/* ---- incidents, routing rules, timeliness (pjson_incident.c) -------------------- */
struct incident;
struct incident_recipient;
struct incident_ack;
struct incident_event;
struct incident_inbox_item;
struct routing_rule;
struct stats_timeliness;

/* An incident: category as its code, classification as its name, times RFC 3339,
 * "location": {"lat","lon"} or null; "recipients" only when with_recipients. */
json_t *pjson_incident(const struct incident *inc, bool with_recipients);
/* Reals in answers: 15 significant digits, so that 10.245 reads back as 10.245
 * rather than %.17g's 10.244999999999999 (still far finer than any coordinate). */
#define PJSON_DUMP_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15))
/* The same JSON, compact (the bytes json_dumps(pjson_incident(inc, w), PJSON_DUMP_FLAGS)
 * gives), appended to out without building a tree: several times faster, for
 * GET /api/v1/incidents/{id}. PH_ETOOBIG past out's cap. */
ph_err pjson_incident_write(const struct incident *inc, bool with_recipients, struct buf *out) __attribute__((warn_unused_result));
json_t *pjson_incident_recipient(const struct incident_recipient *r);
json_t *pjson_incident_ack(const struct incident_ack *a);
/* A timeline entry; "detail" is the entry's JSON object (null when unparsable). */
json_t *pjson_incident_event(const struct incident_event *e);
/* {"incident", "recipient", "awaiting", "due_at", "overdue"}. */
json_t *pjson_inbox_item(const struct incident_inbox_item *it);
json_t *pjson_routing_rule(const struct routing_rule *r);
/* One row of figures; shares are null when there is nothing to divide. */
json_t *pjson_timeliness(const struct stats_timeliness *t);

/* Apply the members of an incident request. "category" (a code) is not resolved
 * here: *category_code gets it (NULL when absent) for the caller to turn into
 * category_id. When !creating, the members fixed after creation
 * (reporting_unit_id, informed_unit_ids) are ignored like the read-only ones. A
 * "location" without "area_id" sets area_id to 0 (to be found from the location). */
ph_err pjson_apply_incident(json_t *obj, struct arena *a, struct incident *inout, bool creating,
                            const char **category_code, const char **field) __attribute__((warn_unused_result));
ph_err pjson_apply_routing_rule(json_t *obj, struct arena *a, struct routing_rule *inout,
                                const char **field) __attribute__((warn_unused_result));

/* The body of an incident action: status, transfer, merge, acknowledgement. Only
 * the members in allowed (PJSON_ACT_* bits) are known; presence of required ones
 * is the caller's to check (absent strings are NULL, absent ids 0). */
enum pjson_action_member {
    PJSON_ACT_STATUS = 1u << 0,    /* "status" */
    PJSON_ACT_NOTE = 1u << 1,      /* "note" (string or null) */
    PJSON_ACT_STAGE = 1u << 2,     /* "stage" */
    PJSON_ACT_LEAD_UNIT = 1u << 3, /* "lead_unit_id" */
    PJSON_ACT_INTO = 1u << 4,      /* "into_id" */
    PJSON_ACT_UNIT = 1u << 5,      /* "unit_id" (or null) */
    PJSON_ACT_VERSION = 1u << 6,   /* "version": as If-Match */
};
struct pjson_incident_action {
    const char *status, *note, *stage;
    int64_t lead_unit_id, into_id, unit_id, version;
};
ph_err pjson_apply_incident_action(json_t *obj, struct arena *a, unsigned allowed,
                                   struct pjson_incident_action *out, const char **field) __attribute__((warn_unused_result));

/* ---- attachments (pjson_attachment.c) -------------------------------------------- */
struct attachment;
/* An attachment's metadata: id, incident_id, filename, content_type, size, sha256
 * (64 lower-case hex digits), note, created_by, created_at, and url (the path
 * of its bytes: /api/v1/incidents/{incident_id}/attachments/{id}). */
json_t *pjson_attachment(const struct attachment *a);
/* The lower-case hex of a SHA-256 into out (65 bytes with the NUL). */
void pjson_sha256_hex(const uint8_t sha256[32], char out[65]);
/* ---- bulletins and their schedules (pjson_bulletin.c) ---------------------------- */
struct bulletin;
struct bulletin_recipient;
struct bulletin_schedule;
struct bulletin_inbox_item;

/* A bulletin: "sections": {"situation","assessment","proposals"}, "to": {"units":
 * [ids], "forces": [codes]} as addressed, classification by name, times RFC 3339;
 * "recipients" (every unit it went to, with its acknowledgement) only when
 * with_recipients. */
json_t *pjson_bulletin(const struct bulletin *b, bool with_recipients);
json_t *pjson_bulletin_recipient(const struct bulletin_recipient *r);
/* {"kind": "bulletin", "bulletin", "recipient", "awaiting": "received", "due_at",
 * "overdue"}: an inbox item, shaped like pjson_inbox_item()'s incidents. */
json_t *pjson_bulletin_inbox_item(const struct bulletin_inbox_item *it);
json_t *pjson_bulletin_schedule(const struct bulletin_schedule *s);
/* Apply the members of a bulletin request (read-only members are ignored, unknown
 * ones, also inside "sections" and "to", are PH_EINVAL naming them, e.g.
 * "sections.summary"). */
ph_err pjson_apply_bulletin(json_t *obj, struct arena *a, struct bulletin *inout,
                            const char **field) __attribute__((warn_unused_result));
/* The same for a schedule; "unit_id" is taken only when creating. */
ph_err pjson_apply_bulletin_schedule(json_t *obj, struct arena *a, struct bulletin_schedule *inout,
                                     bool creating, const char **field) __attribute__((warn_unused_result));
/* An acknowledgement body: {"unit_id"?: id or null, "note"?: string or null}. */
ph_err pjson_apply_bulletin_ack(json_t *obj, struct arena *a, int64_t *unit_id, const char **note,
                                const char **field) __attribute__((warn_unused_result));
/* ---- devices and positions (pjson_position.c) ------------------------------------- */
struct device;
struct livepos_fix;
struct position_report;
struct position_track;
struct buf;

/* A batch {"positions": [...]} of at most max reports into (*reports)[0..*n)
 * (in a; source POSITION_SOURCE_API). (*bad)[i] is NULL for a report that
 * decoded, else the member at fault ("positions" when it is not an object): it
 * is refused alone. The whole body: PH_EPARSE when "positions" is not an array,
 * PH_EINVAL when it is empty or another member is there (*field names it),
 * PH_ETOOBIG over max. */
ph_err pjson_position_batch(json_t *obj, struct arena *a, size_t max, struct position_report **reports,
                            const char ***bad, size_t *n, const char **field) __attribute__((warn_unused_result));
/* A device, its latest position as "last" (null before the first). */
json_t *pjson_device(const struct device *d);
/* Apply the members of a device request ("uid" only when creating). */
ph_err pjson_apply_device(json_t *obj, struct arena *a, struct device *inout, bool creating,
                          const char **field) __attribute__((warn_unused_result));
/* The latest positions as a GeoJSON FeatureCollection of Points. */
json_t *pjson_positions_latest(const struct device *items, size_t n);
/* An operation's tracks as a GeoJSON FeatureCollection (one LineString, or Point,
 * per device; "times" in UTC ms), appended to out. */
ph_err pjson_track_write(int64_t operation_id, const struct position_track *tracks, size_t n,
                         struct buf *out) __attribute__((warn_unused_result));
/* A live fix as the JSON object of an SSE "position" event, appended to out. */
ph_err pjson_fix_write(const struct livepos_fix *f, struct buf *out) __attribute__((warn_unused_result));
/* ---- field messages and incident drafts (pjson_message.c) ----------------------- */
struct message;
struct incident_draft;

/* A message: times RFC 3339, "location": {"lat","lon"} or null, ids of nothing
 * (no device, no addressee) null. */
json_t *pjson_message(const struct message *m);
/* A draft: its marker (uid, cot_type, title, remarks, at, "location"), who
 * dropped it, and its decision (status, incident_id, dismiss_reason). */
json_t *pjson_incident_draft(const struct incident_draft *d);
/* A send request: room, to_unit_id, to_person_id, text, location, uid,
 * from_callsign (each may be null but text); read-only members are ignored,
 * unknown ones are PH_EINVAL naming them. */
ph_err pjson_apply_message(json_t *obj, struct arena *a, struct message *inout,
                           const char **field) __attribute__((warn_unused_result));
/* A marker posted through the API: uid, cot_type, title, remarks, at,
 * "location" {"lat","lon"} (not null). */
ph_err pjson_apply_incident_draft(json_t *obj, struct arena *a, struct incident_draft *inout,
                                  const char **field) __attribute__((warn_unused_result));
/* A dismissal body: {"reason": string} (*reason NULL when absent or null). */
ph_err pjson_apply_draft_dismiss(json_t *obj, struct arena *a, const char **reason,
                                 const char **field) __attribute__((warn_unused_result));
#endif
