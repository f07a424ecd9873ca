/* cot.h - Cursor-on-Target (MITRE CoT 2.0, as TAK clients speak it): a pure codec,
 * no I/O. Splits a TCP byte stream into events, parses an event with libxml2
 * (no entity expansion, no DTD, no network, bounded size and depth), classifies
 * it, and writes phoihop's own objects as CoT events that validate against the
 * MITRE base event schema (../shared/interop/cot/schema/mitre/).
 *
 * The profile (which types mean what, how our objects map) is docs/COT.md. */
#ifndef PH_PROTO_COT_H
#define PH_PROTO_COT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/err.h"
struct arena;
struct buf;
struct incident;
struct livepos_fix;
struct operation;

#define COT_EVENT_MAX_BYTES (64 * 1024) /* one event; a longer one is refused */
#define COT_MAX_DEPTH 32                /* element nesting */
#define COT_ATTR_MAX_BYTES 4096         /* one attribute value */

/* What an event is to phoihop. */
enum cot_class {
    COT_OTHER,     /* relayed or ignored, never stored */
    COT_PLI,       /* a-f-G-U-C and kin: an atom with a <contact>: a position
                    * (cot_parse: the device itself, i.e. a contact with an endpoint,
                    * <takv> or <__group>, and no <link relation="p-p">; docs/COT.md) */
    COT_MARKER,    /* b-m-p-* (spot, waypoint, checkpoint), u-d-*, and atoms placed
                    * by a user (a-h-G, a-u-G ...): may become an incident draft */
    COT_CHAT,      /* b-t-f: GeoChat message (receipts b-t-f-d / b-t-f-r are COT_OTHER) */
    COT_EMERGENCY, /* b-a-o-*: a 911 / emergency alert */
    COT_PING,      /* t-x-c-t: keep-alive */
};

/* One parsed event. Strings are NFC-checked UTF-8 in the arena given; absent
 * ones are NULL; absent numbers NaN (battery -1). Times UTC ms. */
struct cot_event {
    const char *version, *uid, *type, *how;
    int64_t time, start, stale;
    double lat, lon, hae, ce, le;      /* <point>; CoT's 9999999 means unknown: kept as NaN */
    /* <detail>, the parts phoihop uses. */
    const char *callsign, *endpoint;   /* <contact> */
    const char *group_name, *group_role; /* <__group> */
    double speed, course;              /* <track> */
    int battery;                       /* <status battery> */
    const char *remarks;               /* <remarks> text */
    const char *chat_room, *chat_sender, *chat_id, *chat_parent; /* <__chat> */
    const char *chat_message_id;       /* <__chat messageId> (newer clients) */
    const char *link_uid, *link_type, *link_relation; /* first <link> */
    const char *emergency_type;        /* <emergency type=...> text/attribute */
    enum cot_class cls;
};

/* ---- framing a TCP stream (events concatenated, each maybe with its own XML
 * declaration, no separators) ---- */
struct cot_framer {
    size_t scanned;  /* private: bytes of the pending data already searched */
    /* Private too (zero the whole struct before the first call): where the event
     * being framed starts, and the scanner's state and element depth there. */
    size_t start;
    int state, depth;
    bool in_event;
};
/* Look at data[0..len) (the unconsumed bytes of a stream): when it holds a whole
 * event, PH_OK with *start and *end its bytes (from "<?xml" or "<event" to the end of
 * "</event>" or of a self-closing "<event .../>") and the caller consumes up to
 * *end; PH_OK with *end == 0 means "need more bytes".
 * PH_ETOOBIG when more than COT_EVENT_MAX_BYTES pass without an event end (the
 * caller drops the connection); PH_EPARSE when the bytes cannot start an event
 * (leading garbage other than whitespace). */
ph_err cot_frame(struct cot_framer *f, const char *data, size_t len, size_t *start, size_t *end) __attribute__((warn_unused_result));

/* ---- parsing ---- */
/* Parse one event (its bytes as framed, or a whole UDP datagram). PH_EPARSE with
 * *why (static text) for anything malformed or hostile: not well-formed, a
 * DOCTYPE, an entity reference other than the five predefined and character
 * references, deeper than COT_MAX_DEPTH, an attribute longer than
 * COT_ATTR_MAX_BYTES, a root other than <event>, missing uid/type/time/start/
 * stale/how or <point>, lat/lon out of range, bad times. PH_ETOOBIG over
 * COT_EVENT_MAX_BYTES. Thread-safe (cot_init first). */
ph_err cot_parse(const char *xml, size_t len, struct arena *a, struct cot_event *out, const char **why) __attribute__((warn_unused_result));
/* The class of a CoT type string ("a-f-G-U-C" with a contact is COT_PLI: pass
 * has_contact). Pure. */
enum cot_class cot_classify(const char *type, bool has_contact);

/* ---- writing (each appends one whole <event> with its XML declaration) ---- */
/* A position as a PLI: the device's uid and callsign, type "a-f-G-U-C" (or the
 * type it reported with, when known), how "m-g", time/start = the fix time, stale
 * = now + stale_ms. */
ph_err cot_write_position(struct buf *b, const struct livepos_fix *f, const char *type, int64_t now,
                          int64_t stale_ms) __attribute__((warn_unused_result));
/* An incident as a marker at its location (none: PH_EINVAL), uid
 * "phoihop-incident-<ref>", remarks with its reference, title, category and
 * status, stale = now + stale_ms. */
ph_err cot_write_incident(struct buf *b, const struct incident *inc, int64_t now, int64_t stale_ms) __attribute__((warn_unused_result));
/* An operation as a route (LineString), a shape (Polygon) or a checkpoint marker
 * (Point), uid "phoihop-operation-<id>". */
ph_err cot_write_operation(struct buf *b, const struct operation *o, int64_t now, int64_t stale_ms) __attribute__((warn_unused_result));
/* A server ping answer / keep-alive (t-x-c-t-r). */
ph_err cot_write_pong(struct buf *b, int64_t now) __attribute__((warn_unused_result));

/* Set up libxml2 once per process (idempotent, thread-safe). */
void cot_init(void);
#endif
