/* cot_chat.c - a stored field message as a GeoChat CoT event (b-t-f).
 *
 * What ATAK sends for a chat line, and what we send back (one event):
 *
 *   <event version="2.0" uid="GeoChat.<sender>.<room>.<msgid>" type="b-t-f"
 *          time=... start=... stale=... how="h-g-i-g-o">
 *     <point lat=... lon=... hae="9999999.0" ce="9999999.0" le="9999999.0"/>
 *     <detail>
 *       <__chat parent="RootContactGroup" groupOwner="false" messageId="<msgid>"
 *               chatroom="<room>" id="<room>" senderCallsign="<callsign>">
 *         <chatgrp uid0="<sender>" uid1="<room>" id="<room>"/>
 *       </__chat>
 *       <link uid="<sender>" type="a-f-G-U-C" relation="p-p"/>
 *       <remarks source="BAO.F.ATAK.<sender>" to="<room>" time=...>text</remarks>
 *     </detail>
 *   </event>
 *
 * The MITRE base schema leaves <detail> open (processContents lax), so only the
 * event and point attributes are constrained; the writer escapes every value and
 * drops the control characters XML 1.0 cannot carry. */
#include "util/base.h"
#include <inttypes.h>
#include <math.h>
#include "net/cot_chat.h"
#include "core/message.h"
#include "util/buf.h"
#include "util/time.h"

/* Append s escaped for an attribute value or text (both quoted with '"'). */
static ph_err put_escaped(struct buf *b, const char *s)
{
    ph_err rc = PH_OK;
    const char *run = s;

    for (const char *p = s; rc == PH_OK && *p != '\0'; p++) {
        const char *rep = NULL;
        unsigned char c = (unsigned char)*p;
        switch (c) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&apos;"; break;
        case '\n': rep = "&#10;"; break;
        case '\r': rep = "&#13;"; break;
        case '\t': rep = "&#9;"; break;
        default:
            if (c < 0x20 || c == 0x7f)
                rep = " "; /* not allowed in XML 1.0: a space keeps the words apart */
        }
        if (rep == NULL)
            continue;
        rc = buf_append(b, run, (size_t)(p - run));
        if (rc == PH_OK)
            rc = buf_puts(b, rep);
        run = p + 1;
    }
    if (rc == PH_OK)
        rc = buf_puts(b, run);
    return rc;
}

/* Appenders that do nothing once an earlier one failed: a long write reads as one
 * sequence with one check at the end. */
static void put(struct buf *b, ph_err *rc, const char *s)
{
    if (*rc == PH_OK)
        *rc = buf_puts(b, s);
}

static void put_esc(struct buf *b, ph_err *rc, const char *s)
{
    if (*rc == PH_OK)
        *rc = put_escaped(b, s);
}

void cot_chat_sender_uid(const struct message *m, char *out, size_t size)
{
    if (m->from_person_id != 0)
        snprintf(out, size, "phoihop-person-%" PRId64, m->from_person_id);
    else
        snprintf(out, size, "phoihop-device-%" PRId64, m->from_device_id);
}

ph_err cot_chat_write(struct buf *b, const struct message *m, int64_t now, int64_t stale_ms)
{
    char at[TIME_RFC3339_BYTES], stale[TIME_RFC3339_BYTES], sender[64], msgid[32];
    const char *room = m->room != NULL && m->room[0] != '\0' ? m->room : MESSAGE_ROOM_ALL;
    const char *id = m->uid;
    const char *callsign = m->from_callsign != NULL ? m->from_callsign
                           : m->from_name != NULL   ? m->from_name
                                                    : "phoihop";
    bool located = m->has_location && isfinite(m->lat) && isfinite(m->lon);
    size_t mark = b->len;
    ph_err rc = PH_OK;

    if (m->text == NULL || m->text[0] == '\0')
        return PH_EINVAL;
    if (id == NULL || id[0] == '\0') {
        snprintf(msgid, sizeof(msgid), "phoihop-%" PRId64, m->id);
        id = msgid;
    }
    cot_chat_sender_uid(m, sender, sizeof(sender));
    time_format_utc(m->at, at);
    time_format_utc(now + stale_ms, stale);

    put(b, &rc, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
                "<event version=\"2.0\" uid=\"GeoChat.");
    put_esc(b, &rc, sender);
    put(b, &rc, ".");
    put_esc(b, &rc, room);
    put(b, &rc, ".");
    put_esc(b, &rc, id);
    if (rc == PH_OK)
        rc = buf_printf(b, "\" type=\"b-t-f\" time=\"%s\" start=\"%s\" stale=\"%s\" how=\"h-g-i-g-o\">"
                           "<point lat=\"%.7f\" lon=\"%.7f\" hae=\"9999999.0\" ce=\"9999999.0\" "
                           "le=\"9999999.0\"/><detail><__chat parent=\"RootContactGroup\" "
                           "groupOwner=\"false\" messageId=\"",
                        at, at, stale, located ? m->lat : 0.0, located ? m->lon : 0.0);
    put_esc(b, &rc, id);
    put(b, &rc, "\" chatroom=\"");
    put_esc(b, &rc, room);
    put(b, &rc, "\" id=\"");
    put_esc(b, &rc, room);
    put(b, &rc, "\" senderCallsign=\"");
    put_esc(b, &rc, callsign);
    put(b, &rc, "\"><chatgrp uid0=\"");
    put_esc(b, &rc, sender);
    put(b, &rc, "\" uid1=\"");
    put_esc(b, &rc, room);
    put(b, &rc, "\" id=\"");
    put_esc(b, &rc, room);
    put(b, &rc, "\"/></__chat><link uid=\"");
    put_esc(b, &rc, sender);
    put(b, &rc, "\" type=\"a-f-G-U-C\" relation=\"p-p\"/><remarks source=\"BAO.F.ATAK.");
    put_esc(b, &rc, sender);
    put(b, &rc, "\" to=\"");
    put_esc(b, &rc, room);
    if (rc == PH_OK)
        rc = buf_printf(b, "\" time=\"%s\">", at);
    put_esc(b, &rc, m->text);
    put(b, &rc, "</remarks></detail></event>\n");
    if (rc != PH_OK && b->data != NULL) { /* leave b as it was */
        b->len = mark;
        b->data[mark] = '\0';
    }
    return rc;
}
