/* cot_chat.h - a stored field message (core/message.h) as a GeoChat event
 * (type b-t-f), the way ATAK, iTAK and WinTAK show chat: the CoT listener relays
 * every "message.sent" event to the connected clients that may read it.
 *
 * proto/cot.h writes phoihop's other objects; chat lives here, next to its only
 * user, because it is written from a stored message, never parsed. */
#ifndef PH_NET_COT_CHAT_H
#define PH_NET_COT_CHAT_H
#include <stddef.h>
#include <stdint.h>
#include "util/err.h"
struct buf;
struct message;

/* The uid a message's sender has in the events we send: "phoihop-person-<id>",
 * or "phoihop-device-<id>" for a unit device, into out. */
void cot_chat_sender_uid(const struct message *m, char *out, size_t size);
/* Append m as one whole <event> (with its XML declaration): uid
 * "GeoChat.<sender>.<room>.<message uid>", how "h-g-i-g-o", time/start m->at,
 * stale now + stale_ms, the point where it was sent from (or 0,0 with the unknown
 * errors), <__chat>, <link> to the sender and <remarks> with the text. PH_ETOOBIG
 * when b is full; PH_EINVAL without text. */
ph_err cot_chat_write(struct buf *b, const struct message *m, int64_t now, int64_t stale_ms) __attribute__((warn_unused_result));
#endif
