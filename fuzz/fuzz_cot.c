/* fuzz_cot.c - one CoT event from a TAK client (proto/cot.h, cot_parse), as
 * bytes framed off a TCP stream or a UDP datagram. Besides crashes and leaks it
 * checks that a refusal says why, that what is accepted holds the documented
 * ranges (coordinates, times, battery, UTF-8 text), that its class agrees with
 * cot_classify, and that writing it back as a position (cot_write_position)
 * gives an event that parses again to the same uid, callsign and place. */
#include "util/base.h"
#include <math.h>
#include "events/livepos.h"
#include "proto/cot.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/text.h"
#include "fuzz.h"

static void check_text(const char *s)
{
    if (s != NULL)
        FUZZ_CHECK(text_is_clean_utf8(s, strlen(s)));
}

static void round_trip(const struct cot_event *ev, struct arena *a)
{
    struct livepos_fix f = {.device_id = 1,
                            .uid = ev->uid,
                            .callsign = ev->callsign,
                            .at = ev->time,
                            .lat = ev->lat,
                            .lon = ev->lon,
                            .speed = ev->speed,
                            .course = ev->course,
                            .alt = ev->hae,
                            .battery = ev->battery,
                            .force = ev->group_name};
    struct buf b;
    struct cot_event back;
    const char *why = NULL;

    buf_init(&b, 4 * COT_EVENT_MAX_BYTES);
    ph_err rc = cot_write_position(&b, &f, ev->type, ev->time, 60000);
    FUZZ_CHECK(rc == PH_OK);
    FUZZ_CHECK(b.len <= COT_EVENT_MAX_BYTES);
    FUZZ_CHECK(cot_parse(b.data, b.len, a, &back, &why) == PH_OK);
    FUZZ_CHECK(strcmp(back.uid, ev->uid) == 0);
    if (ev->callsign != NULL && ev->callsign[0] != '\0')
        FUZZ_CHECK(strcmp(back.callsign, ev->callsign) == 0);
    FUZZ_CHECK(fabs(back.lat - ev->lat) <= 1e-7 && fabs(back.lon - ev->lon) <= 1e-7);
    FUZZ_CHECK(back.time == ev->time);
    FUZZ_CHECK(back.cls == COT_PLI);
    buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct arena a;
    struct cot_event ev;
    const char *why = NULL;

    arena_init(&a);
    ph_err rc = cot_parse((const char *)data, size, &a, &ev, &why);
    if (rc == PH_OK) {
        FUZZ_CHECK(ev.uid != NULL && ev.uid[0] != '\0' && ev.type != NULL && ev.how != NULL);
        FUZZ_CHECK(ev.lat >= -90 && ev.lat <= 90 && ev.lon >= -180 && ev.lon <= 180);
        FUZZ_CHECK(ev.stale >= ev.start && ev.time >= 0);
        FUZZ_CHECK(ev.battery >= -1 && ev.battery <= 100);
        FUZZ_CHECK(isnan(ev.hae) || fabs(ev.hae) < 9999999);
        FUZZ_CHECK(isnan(ev.course) || (ev.course >= 0 && ev.course <= 360));
        FUZZ_CHECK(ev.cls == cot_classify(ev.type, true) || ev.cls == cot_classify(ev.type, false));
        const char *texts[] = {ev.uid, ev.callsign, ev.endpoint, ev.group_name, ev.group_role,
                               ev.remarks, ev.chat_room, ev.chat_sender, ev.chat_id,
                               ev.chat_parent, ev.chat_message_id, ev.link_uid, ev.link_type,
                               ev.link_relation, ev.emergency_type, ev.version};
        for (size_t i = 0; i < PH_NELEM(texts); i++)
            check_text(texts[i]);
        round_trip(&ev, &a);
    } else {
        FUZZ_CHECK(why != NULL && why[0] != '\0');
        FUZZ_CHECK(rc == PH_EPARSE || rc == PH_ETOOBIG);
    }
    arena_release(&a);
    return 0;
}
