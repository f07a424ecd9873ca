/* message.h - short field messages (tin nhắn): the chat of TAK clients (CoT
 * GeoChat, b-t-f) and of the API, kept with the exchange between units. A message
 * is sent by a person (or a device bound to a unit) into a room: "All Chat Rooms"
 * (everyone who may see the sender's unit), a unit's room, or to one person.
 *
 * Access: the sender's unit owns a message (ITEM_OPERATIONAL, unclassified);
 * a message to a unit was "sent to" that unit; a direct message is read only by
 * its sender and its addressee (and the admins above the sender's unit).
 * Every message: the store, an audit entry ("message.send") and an outbox event
 * "message.sent" with its access scope, so that SSE clients and the CoT listener
 * (which relays it to connected TAK clients as b-t-f) get it after commit. */
#ifndef PH_CORE_MESSAGE_H
#define PH_CORE_MESSAGE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/err.h"
struct core_ctx;

#define MESSAGE_TEXT_MAX_BYTES 4096
#define MESSAGE_ROOM_ALL "All Chat Rooms"

struct message {
    int64_t id;
    const char *uid;          /* the client's message id (CoT __chat id / messageId): a
                               * repeat of a uid from the same sender is stored once;
                               * NULL: the server makes one */
    int64_t at;               /* UTC ms; default cx->now_ms */
    int64_t from_person_id;   /* read-only: the caller (0: a unit device) */
    int64_t from_device_id;   /* when sent from a device; 0 */
    int64_t from_unit_id;     /* read-only: the sender's unit */
    const char *from_callsign; /* as shown to TAK clients; NFC, or NULL */
    const char *room;         /* MESSAGE_ROOM_ALL, or a room name (NFC) */
    int64_t to_unit_id;       /* a unit's room; 0 */
    int64_t to_person_id;     /* a direct message; 0 */
    const char *text;         /* NFC, required, <= MESSAGE_TEXT_MAX_BYTES */
    bool has_location;
    double lat, lon;
    const char *source;       /* "api" | "cot" */
    const char *from_unit_path, *from_name; /* joined, read-only */
};

struct message_filter {
    int64_t since;            /* at >= since; 0: any */
    const char *room;         /* or NULL */
    int64_t before_id;        /* newest first */
    int limit;
};

/* Send (validate, store, audit, outbox). A repeated (sender, uid) is PH_OK and
 * gives back the stored message's id without a second row or event. */
ph_err message_send(struct core_ctx *cx, struct message *m, const char **field) __attribute__((warn_unused_result));
/* Messages the caller may read, newest first. */
ph_err message_list(struct core_ctx *cx, const struct message_filter *f, struct message **items, size_t *n,
                    bool *has_more) __attribute__((warn_unused_result));
#endif
