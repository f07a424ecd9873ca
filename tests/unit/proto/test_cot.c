/* test_cot.c - the Cursor-on-Target codec (proto/cot.h): every real capture in
 * ../shared/interop/cot/samples/ parses and is classified as docs/COT.md says;
 * the real 64-event TCP stream frames into exactly 64 events whatever the chunk
 * sizes it arrives in; hostile and malformed input is refused with a reason and
 * nothing on stderr; every event we write validates against the MITRE base
 * event schema and reads back the same; parsing is thread-safe.
 *
 * Runs from the repository root (as make check does): the shared captures and
 * schema are ../shared/interop/cot/. */
#include "util/base.h"
#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <unistd.h>
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include "testutil.h"
#include "core/incident.h"
#include "core/operation.h"
#include "events/livepos.h"
#include "proto/cot.h"
#include "util/buf.h"

#define COT_DIR "../shared/interop/cot"
#define SAMPLES COT_DIR "/samples"
#define STREAM SAMPLES "/freetakserver/stream-first-60s-64-events.xml"
#define SCHEMA COT_DIR "/schema/mitre/cot-base-event-public.xsd"

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open %s (run from the repository root)", path);
    struct buf b;
    buf_init(&b, 16 * 1024 * 1024);
    char tmp[8192];
    size_t k;
    while ((k = fread(tmp, 1, sizeof(tmp), f)) > 0)
        assert_int_equal(buf_append(&b, tmp, k), PH_OK);
    fclose(f);
    *len = b.len;
    return b.data != NULL ? b.data : calloc(1, 1);
}

/* ---- real samples ---------------------------------------------------------------- */

/* What each capture is to phoihop (docs/COT.md); every file must be listed. */
static const struct {
    const char *file;
    enum cot_class cls;
} expected[] = {
    {"itak-pli-a-f-G-E-V-C.xml", COT_PLI},
    {"wearos-emergency-b-a-o.xml", COT_EMERGENCY},
    {"wintak-chat-read-receipt-b-t-f-r.xml", COT_OTHER},
    {"atak-chat-delivered-receipt-b-t-f-d.xml", COT_OTHER},
    {"atak-spot-marker-b-m-p-s-m.xml", COT_MARKER},
    {"drawing-shapes-telestration.xml", COT_MARKER},
    {"marker-2525.xml", COT_MARKER},
    {"marker-spot.xml", COT_MARKER},
    {"geo-fence.xml", COT_MARKER},
    {"drawing-shapes-rectangle.xml", COT_MARKER},
    {"marker-icon-set.xml", COT_MARKER},
    {"range-bearing-circle.xml", COT_OTHER},
    {"range-bearing-line.xml", COT_OTHER},
    {"range-bearing-bullseye.xml", COT_OTHER},
    {"drawing-shapes-free-form.xml", COT_MARKER},
    {"drawing-shapes-circle.xml", COT_MARKER},
    {"route.xml", COT_OTHER},
    {"a-u-G-E-V-1581186126505.xml", COT_MARKER},
    {"a-f-G-U-C-1581185463802.xml", COT_PLI},
    {"a-f-G-U-C-1581185446278.xml", COT_PLI},
    {"a-f-G-1581185498052.xml", COT_MARKER},
    {"a-h-G-1581185498005.xml", COT_MARKER},
    {"b-t-f-1581185463563.xml", COT_CHAT},
    {"b-m-p-s-m-1581185985900.xml", COT_MARKER},
    {"a-u-G-1581185491946.xml", COT_MARKER},
    {"a-u-A-M-H-1581185489385.xml", COT_MARKER},
    {"a-f-G-E-V-C-1581185447835.xml", COT_PLI},
    {"a-u-A-M-F-1581185491901.xml", COT_MARKER},
};

static void check_invariants(const struct cot_event *ev)
{
    assert_non_null(ev->uid);
    assert_non_null(ev->type);
    assert_non_null(ev->how);
    assert_true(ev->lat >= -90 && ev->lat <= 90);
    assert_true(ev->lon >= -180 && ev->lon <= 180);
    assert_true(ev->time > 0 && ev->start > 0 && ev->stale >= ev->start);
    assert_true(isnan(ev->ce) || ev->ce < 9999999);
    assert_true(ev->battery >= -1 && ev->battery <= 100);
}

static void test_cot_samples_parse(void **state)
{
    struct arena *a = *state;
    DIR *top = opendir(SAMPLES);
    struct dirent *d;
    int n_files = 0;

    if (top == NULL)
        fail_msg("cannot open %s (run from the repository root)", SAMPLES);
    while ((d = readdir(top)) != NULL) {
        if (d->d_name[0] == '.')
            continue;
        char dir[512];
        snprintf(dir, sizeof(dir), "%s/%s", SAMPLES, d->d_name);
        DIR *sub = opendir(dir);
        if (sub == NULL)
            continue;
        struct dirent *e;
        while ((e = readdir(sub)) != NULL) {
            size_t nl = strlen(e->d_name);
            if (nl < 5 || strcmp(e->d_name + nl - 4, ".xml") != 0 || strstr(e->d_name, "stream") != NULL)
                continue;
            char path[1024];
            snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
            size_t len;
            char *xml = read_all(path, &len);
            struct cot_event ev;
            const char *why = NULL;
            ph_err rc = cot_parse(xml, len, a, &ev, &why);
            if (rc != PH_OK)
                fail_msg("%s: refused: %s", path, why);
            check_invariants(&ev);
            size_t i = 0;
            while (i < PH_NELEM(expected) && strcmp(expected[i].file, e->d_name) != 0)
                i++;
            if (i == PH_NELEM(expected))
                fail_msg("%s: a new sample: add its class to the table", path);
            if (ev.cls != expected[i].cls)
                fail_msg("%s (%s): class %d, want %d", path, ev.type, ev.cls, expected[i].cls);
            free(xml);
            n_files++;
        }
        closedir(sub);
    }
    closedir(top);
    assert_int_equal(n_files, (int)PH_NELEM(expected));
}

static struct cot_event parse_file(struct arena *a, const char *rel)
{
    char path[512];
    size_t len;
    struct cot_event ev;
    const char *why = NULL;
    snprintf(path, sizeof(path), "%s/%s", SAMPLES, rel);
    char *xml = read_all(path, &len);
    if (cot_parse(xml, len, a, &ev, &why) != PH_OK)
        fail_msg("%s: %s", path, why);
    free(xml);
    return ev;
}

static void test_cot_samples_fields(void **state)
{
    struct arena *a = *state;

    struct cot_event ev = parse_file(a, "node-cot-tests/itak-pli-a-f-G-E-V-C.xml");
    assert_string_equal(ev.uid, "C94B9215-9BD4-4DBE-BDE1-83625F09153F");
    assert_string_equal(ev.type, "a-f-G-E-V-C");
    assert_string_equal(ev.how, "m-g");
    assert_string_equal(ev.version, "2.0");
    assert_string_equal(ev.callsign, "DFPC-iSchmidt");
    assert_string_equal(ev.endpoint, "*:-1:stcp");
    assert_string_equal(ev.group_name, "Yellow");
    assert_string_equal(ev.group_role, "Team Member");
    assert_int_equal(ev.battery, 100);
    assert_true(fabs(ev.course - 137.23542786) < 1e-9);
    assert_true(fabs(ev.speed) < 1e-9);
    assert_true(fabs(ev.lat - 41.52309645) < 1e-9 && fabs(ev.lon + 107.72376567) < 1e-9);
    assert_true(fabs(ev.hae - 1681.23725821) < 1e-6);
    assert_true(isnan(ev.ce) && isnan(ev.le));
    assert_int_equal(ev.time, 1689693789000); /* 2023-07-18T15:23:09.00Z */
    assert_int_equal(ev.stale - ev.start, 120000);
    assert_null(ev.remarks);

    ev = parse_file(a, "freetakserver/b-t-f-1581185463563.xml");
    assert_int_equal(ev.cls, COT_CHAT);
    assert_string_equal(ev.remarks, "need supoort");
    assert_string_equal(ev.chat_room, "Eliopoli HQ");
    assert_string_equal(ev.chat_sender, "corvTab");
    assert_string_equal(ev.chat_id, "aa0b0312-b5cd-4c2c-bbbc-9c4c70216261");
    assert_string_equal(ev.chat_parent, "RootContactGroup");
    assert_null(ev.chat_message_id);
    assert_string_equal(ev.link_uid, "ANDROID-R52JB0CDC4E");
    assert_string_equal(ev.link_relation, "p-p");
    assert_null(ev.callsign);

    ev = parse_file(a, "node-cot-tests/wintak-chat-read-receipt-b-t-f-r.xml");
    assert_string_equal(ev.chat_message_id, "f77dae64-3573-4dae-8447-c0c7a0219d7a");

    ev = parse_file(a, "node-cot-tests/wearos-emergency-b-a-o.xml");
    assert_int_equal(ev.cls, COT_EMERGENCY);
    assert_string_equal(ev.emergency_type, "Manual Alert: Gunshot");
    assert_string_equal(ev.callsign, "SP-Dev\nManual Alert: Gunshot");
    assert_true(fabs(ev.ce - 17.75) < 1e-9);

    ev = parse_file(a, "atak-civ-takcot/range-bearing-circle.xml");
    assert_string_equal(ev.callsign, "R&B Circle 1"); /* &amp; is one of the five */
    assert_string_equal(ev.remarks, "");
    assert_null(ev.link_uid); /* the <link> inside <shape> is not a child of <detail> */

    ev = parse_file(a, "atak-civ-takcot/marker-2525.xml");
    assert_int_equal(ev.cls, COT_MARKER); /* a contact, but placed by someone (link p-p) */
    assert_string_equal(ev.callsign, "U.16.135057");
    assert_string_equal(ev.link_uid, "ANDROID-589520ccfcd20f01");
    assert_string_equal(ev.link_type, "a-f-G-U-C");

    ev = parse_file(a, "atak-civ-takcot/route.xml");
    assert_string_equal(ev.link_uid, "f3acf150-d75c-407d-be43-e401ab40fe74");
    assert_string_equal(ev.link_type, "b-m-p-w");
}

/* ---- framing -------------------------------------------------------------------- */

/* What a connection does: append each chunk to its pending bytes, take every
 * whole event out, parse it. Returns the number of events; each is also appended
 * (with a NUL after it) to got. */
static int feed(const char *data, size_t len, const size_t *chunks, size_t n_chunks, struct buf *got,
                struct arena *a)
{
    struct cot_framer f;
    struct buf pend;
    size_t off = 0, ci = 0;
    int events = 0;

    memset(&f, 0, sizeof(f));
    buf_init(&pend, 4 * COT_EVENT_MAX_BYTES);
    while (off < len) {
        size_t k = chunks[ci++ % n_chunks];
        if (k > len - off)
            k = len - off;
        assert_int_equal(buf_append(&pend, data + off, k), PH_OK);
        off += k;
        for (;;) {
            size_t s = 0, e = 0;
            assert_int_equal(cot_frame(&f, pend.data, pend.len, &s, &e), PH_OK);
            if (e == 0)
                break;
            assert_true(s < e && e <= pend.len);
            struct cot_event ev;
            const char *why = NULL;
            if (cot_parse(pend.data + s, e - s, a, &ev, &why) != PH_OK)
                fail_msg("event %d refused: %s", events, why);
            assert_int_equal(buf_append(got, pend.data + s, e - s), PH_OK);
            assert_int_equal(buf_append(got, "", 1), PH_OK);
            events++;
            memmove(pend.data, pend.data + e, pend.len - e);
            pend.len -= e;
            pend.data[pend.len] = '\0';
        }
    }
    /* Only blanks may be left. */
    for (size_t i = 0; i < pend.len; i++)
        assert_true(strchr(" \t\r\n", pend.data[i]) != NULL);
    buf_release(&pend);
    return events;
}

static void test_cot_frame_stream(void **state)
{
    struct arena *a = *state;
    size_t len;
    char *data = read_all(STREAM, &len);
    struct buf whole, got;
    size_t all[] = {len}, one[] = {1}, seven[] = {7}, hundred[] = {100}, rnd[64];
    uint64_t x = 88172645463325252ULL;

    for (size_t i = 0; i < PH_NELEM(rnd); i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        rnd[i] = 1 + x % 1500;
    }
    buf_init(&whole, 1 << 20);
    assert_int_equal(feed(data, len, all, 1, &whole, a), 64);
    const size_t *sizes[] = {one, seven, hundred, rnd};
    const size_t counts[] = {1, 1, 1, PH_NELEM(rnd)};
    for (size_t i = 0; i < PH_NELEM(sizes); i++) {
        buf_init(&got, 1 << 20);
        assert_int_equal(feed(data, len, sizes[i], counts[i], &got, a), 64);
        assert_int_equal(got.len, whole.len);
        assert_memory_equal(got.data, whole.data, whole.len);
        buf_release(&got);
    }
    /* The events are the stream's bytes, less blanks between them. */
    size_t blanks = 0;
    for (size_t i = 0; i < len; i++)
        blanks += strchr(" \t\r\n", data[i]) != NULL;
    assert_true(whole.len - 64 <= len && whole.len - 64 + blanks >= len);
    buf_release(&whole);
    free(data);
}

/* One call on a whole input: rc, and the event's bytes when one was found. */
static ph_err frame_once(const char *in, size_t *s, size_t *e)
{
    struct cot_framer f;
    memset(&f, 0, sizeof(f));
    return cot_frame(&f, in, strlen(in), s, e);
}

static void test_cot_frame_cases(void **state)
{
    static const struct {
        const char *in;
        ph_err rc;
        const char *event; /* the bytes framed; NULL: none (need more) */
    } cases[] = {
        {"<event uid='a'/>", PH_OK, "<event uid='a'/>"},
        {"  \r\n\t<event/>tail", PH_OK, "<event/>"},
        {"<?xml version='1.0'?>\n<event><point/></event><event/>", PH_OK,
         "<?xml version='1.0'?>\n<event><point/></event>"},
        {"<event a='&lt;/event>' b=\"x>y/\"><detail/></event>", PH_OK,
         "<event a='&lt;/event>' b=\"x>y/\"><detail/></event>"},
        {"<event><!-- </event> --><x/></event>", PH_OK, "<event><!-- </event> --><x/></event>"},
        {"<event><r><![CDATA[</event> <x>]]></r></event>", PH_OK,
         "<event><r><![CDATA[</event> <x>]]></r></event>"},
        {"<event><?pi </event> ?></event>", PH_OK, "<event><?pi </event> ?></event>"},
        {"<!-- hello --><event/>", PH_OK, "<event/>"},
        {"<event><a><b></b></a></event>", PH_OK, "<event><a><b></b></a></event>"},
        {"\xef\xbb\xbf<event/>", PH_OK, "<event/>"},
        /* Not yet whole. */
        {"<event><point/>", PH_OK, NULL},
        {"<eve", PH_OK, NULL},
        {"<?xml version='1.0'?>", PH_OK, NULL},
        {"<event a='>", PH_OK, NULL},
        {"   ", PH_OK, NULL},
        /* Garbage. */
        {"hello<event/>", PH_EPARSE, NULL},
        {"<events/>", PH_EPARSE, NULL},
        {"<foo/>", PH_EPARSE, NULL},
        {"<!DOCTYPE event [<!ENTITY a 'b'>]><event/>", PH_EPARSE, NULL},
        {"</event>", PH_EPARSE, NULL},
        {"<?xml version='1.0'?><?xml version='1.0'?><event/>", PH_EPARSE, NULL},
        {"<event a='<'/>", PH_EPARSE, NULL},
        {"<event a='</event>'/>", PH_EPARSE, NULL}, /* not XML: '<' must be &lt; there */
        {"<event><!DOCTYPE x></event>", PH_EPARSE, NULL},
        {"\xbf\x01\x02", PH_EPARSE, NULL},
    };
    (void)state;
    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        size_t s = 99, e = 99;
        ph_err rc = frame_once(cases[i].in, &s, &e);
        if (rc != cases[i].rc)
            fail_msg("case %zu (%s): rc %d, want %d", i, cases[i].in, rc, cases[i].rc);
        if (rc != PH_OK)
            continue;
        if (cases[i].event == NULL) {
            if (e != 0)
                fail_msg("case %zu: framed %zu..%zu, want none", i, s, e);
        } else if (e - s != strlen(cases[i].event) ||
                   memcmp(cases[i].in + s, cases[i].event, e - s) != 0) {
            fail_msg("case %zu: framed '%.*s'", i, (int)(e - s), cases[i].in + s);
        }
    }
}

static void test_cot_frame_bounds(void **state)
{
    struct buf b;
    struct cot_framer f;
    size_t s, e;
    (void)state;

    /* An event just at the bound frames; one byte more is too big. */
    for (int extra = 0; extra <= 1; extra++) {
        buf_init(&b, 2 * COT_EVENT_MAX_BYTES);
        assert_int_equal(buf_puts(&b, "<event r='"), PH_OK);
        while (b.len < COT_EVENT_MAX_BYTES - 3 + (size_t)extra)
            assert_int_equal(buf_puts(&b, "x"), PH_OK);
        assert_int_equal(buf_puts(&b, "'/>"), PH_OK);
        assert_int_equal(b.len, COT_EVENT_MAX_BYTES + (size_t)extra);
        memset(&f, 0, sizeof(f));
        ph_err rc = cot_frame(&f, b.data, b.len, &s, &e);
        if (extra == 0) {
            assert_int_equal(rc, PH_OK);
            assert_int_equal(e, COT_EVENT_MAX_BYTES);
        } else {
            assert_int_equal(rc, PH_ETOOBIG);
        }
        buf_release(&b);
    }
    /* Never ending, fed in chunks: too big once the bound passes, not before. */
    buf_init(&b, 4 * COT_EVENT_MAX_BYTES);
    memset(&f, 0, sizeof(f));
    assert_int_equal(buf_puts(&b, "<event><detail>"), PH_OK);
    ph_err rc = PH_OK;
    while (rc == PH_OK && b.len < 3 * COT_EVENT_MAX_BYTES) {
        assert_int_equal(buf_puts(&b, "<a x='1'>text</a><!-- c -->"), PH_OK);
        rc = cot_frame(&f, b.data, b.len, &s, &e);
        if (rc == PH_OK)
            assert_int_equal(e, 0);
    }
    assert_int_equal(rc, PH_ETOOBIG);
    assert_true(b.len > COT_EVENT_MAX_BYTES && b.len < COT_EVENT_MAX_BYTES + 64);
    buf_release(&b);
    /* Blanks for ever: too big as well. */
    buf_init(&b, 4 * COT_EVENT_MAX_BYTES);
    memset(&f, 0, sizeof(f));
    rc = PH_OK;
    while (rc == PH_OK && b.len < 3 * COT_EVENT_MAX_BYTES) {
        assert_int_equal(buf_puts(&b, "\n\n\n\n\n\n\n\n"), PH_OK);
        rc = cot_frame(&f, b.data, b.len, &s, &e);
    }
    assert_int_equal(rc, PH_ETOOBIG);
    buf_release(&b);
}

/* ---- hostile and malformed input ----------------------------------------------- */

#define EV_OPEN "<event version='2.0' uid='u1' type='a-f-G-U-C' how='m-g' " \
                "time='2026-01-01T00:00:00Z' start='2026-01-01T00:00:00Z' stale='2026-01-01T00:02:00Z'>"
#define PT "<point lat='10.5' lon='106.7' hae='1' ce='2' le='3'/>"
#define EV(detail) EV_OPEN PT "<detail>" detail "</detail></event>"
#define EV_ATTRS(attrs) "<event version='2.0' " attrs ">" PT "</event>"
#define A10 "<a><a><a><a><a><a><a><a><a><a>"
#define C10 "</a></a></a></a></a></a></a></a></a></a>"
#define T0 "time='2026-01-01T00:00:00Z' start='2026-01-01T00:00:00Z' "

static const struct {
    const char *name, *xml;
    ph_err rc;
    const char *why; /* expected reason (NULL: any) */
} hostile[] = {
    {"billion laughs",
     "<?xml version='1.0'?><!DOCTYPE event [<!ENTITY lol 'lol'>"
     "<!ENTITY lol2 '&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;'>"
     "<!ENTITY lol3 '&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;'>"
     "<!ENTITY lol4 '&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;'>"
     "<!ENTITY lol5 '&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;'>]>" EV(
         "<remarks>&lol5;</remarks>"),
     PH_EPARSE, "DOCTYPE not allowed"},
    {"external entity",
     "<?xml version='1.0'?><!DOCTYPE event [<!ENTITY xxe SYSTEM 'file:///etc/passwd'>]>" EV(
         "<remarks>&xxe;</remarks>"),
     PH_EPARSE, "DOCTYPE not allowed"},
    {"external DTD", "<!DOCTYPE event SYSTEM 'file:///etc/passwd'>" EV(""), PH_EPARSE,
     "DOCTYPE not allowed"},
    {"parameter entity",
     "<!DOCTYPE event [<!ENTITY % p SYSTEM 'http://127.0.0.1:1/x.dtd'> %p;]>" EV(""), PH_EPARSE,
     "DOCTYPE not allowed"},
    {"undeclared entity", EV("<remarks>&xxe;</remarks>"), PH_EPARSE, "undeclared entity reference"},
    {"XInclude",
     EV("<xi:include xmlns:xi='http://www.w3.org/2001/XInclude' href='file:///etc/passwd' "
        "parse='text'/>"),
     PH_EPARSE, "XInclude not allowed"},
    {"deep nesting", EV(A10 A10 A10 "<a>" C10 C10 C10 "</a>"), PH_EPARSE, "nested too deep"},
    {"very deep nesting", EV(A10 A10 A10 A10 A10 A10 A10 A10 A10 A10 A10 A10), PH_EPARSE,
     "nested too deep"},
    {"truncated", EV_OPEN PT "<detail><contact callsign='x'/></deta", PH_EPARSE, NULL},
    {"truncated in a tag", EV_OPEN "<point lat='1", PH_EPARSE, NULL},
    {"unbalanced", EV_OPEN PT "<detail></event>", PH_EPARSE, NULL},
    {"non-event root", "<?xml version='1.0'?><foo/>", PH_EPARSE, "root element is not <event>"},
    {"namespaced root", "<event xmlns='urn:x' uid='a'/>", PH_EPARSE, "root element is not <event>"},
    {"two roots", EV("") EV(""), PH_EPARSE, "content after the event"},
    {"empty", "", PH_EPARSE, "empty document"},
    {"blanks", " \n ", PH_EPARSE, "empty document"},
    {"not XML", "hello", PH_EPARSE, "not XML (no start tag)"},
    {"bad UTF-8", EV("<contact callsign='\xff\xfe'/>"), PH_EPARSE, "invalid character"},
    {"control character", EV("<remarks>&#1;</remarks>"), PH_EPARSE, NULL},
    {"DEL", EV("<contact callsign='a\x7f'/>"), PH_EPARSE, "control character in text"},
    /* A refusal half-way through an element's attributes (found by fuzz_cot). */
    {"DEL then more attributes", EV("<link uid='a\x7f' type='a-f-G' relation='p-p'/>"), PH_EPARSE,
     "control character in text"},
    {"missing point", EV_OPEN "<detail/></event>", PH_EPARSE, "missing <point>"},
    {"two points", EV_OPEN PT PT "</event>", PH_EPARSE, "more than one <point>"},
    {"lat 91", EV_OPEN "<point lat='91' lon='0' hae='0' ce='0' le='0'/></event>", PH_EPARSE,
     "bad point lat"},
    {"lat -90.0001", EV_OPEN "<point lat='-90.0001' lon='0' hae='0' ce='0' le='0'/></event>",
     PH_EPARSE, "bad point lat"},
    {"lon 180.5", EV_OPEN "<point lat='0' lon='180.5' hae='0' ce='0' le='0'/></event>", PH_EPARSE,
     "bad point lon"},
    {"lat NaN", EV_OPEN "<point lat='nan' lon='0' hae='0' ce='0' le='0'/></event>", PH_EPARSE,
     "bad point lat"},
    {"lat text", EV_OPEN "<point lat='north' lon='0' hae='0' ce='0' le='0'/></event>", PH_EPARSE,
     "bad point lat"},
    {"lat trailing", EV_OPEN "<point lat='10.5x' lon='0' hae='0' ce='0' le='0'/></event>", PH_EPARSE,
     "bad point lat"},
    {"lat missing", EV_OPEN "<point lon='0' hae='0' ce='0' le='0'/></event>", PH_EPARSE,
     "missing point lat"},
    {"missing uid", EV_ATTRS("type='a' how='m-g' " T0 "stale='2026-01-01T00:01:00Z'"), PH_EPARSE,
     "missing uid"},
    {"empty uid", EV_ATTRS("uid='' type='a' how='m-g' " T0 "stale='2026-01-01T00:01:00Z'"), PH_EPARSE,
     "empty uid"},
    {"missing type", EV_ATTRS("uid='u' how='m-g' " T0 "stale='2026-01-01T00:01:00Z'"), PH_EPARSE,
     "missing type"},
    {"blank in type", EV_ATTRS("uid='u' type='a f' how='m-g' " T0 "stale='2026-01-01T00:01:00Z'"),
     PH_EPARSE, "bad type"},
    {"missing how", EV_ATTRS("uid='u' type='a' " T0 "stale='2026-01-01T00:01:00Z'"), PH_EPARSE,
     "missing how"},
    {"missing stale", EV_ATTRS("uid='u' type='a' how='m-g' " T0), PH_EPARSE, "missing stale"},
    {"bad time month 13",
     EV_ATTRS("uid='u' type='a' how='m-g' time='2026-13-01T00:00:00Z' start='2026-01-01T00:00:00Z' "
              "stale='2026-01-01T00:01:00Z'"),
     PH_EPARSE, "bad time"},
    {"bad time text",
     EV_ATTRS("uid='u' type='a' how='m-g' time='yesterday' start='2026-01-01T00:00:00Z' "
              "stale='2026-01-01T00:01:00Z'"),
     PH_EPARSE, "bad time"},
    {"bad start no zone",
     EV_ATTRS("uid='u' type='a' how='m-g' time='2026-01-01T00:00:00Z' start='2026-01-01T00:00:00' "
              "stale='2026-01-01T00:01:00Z'"),
     PH_EPARSE, "bad start"},
    {"time before 1970",
     EV_ATTRS("uid='u' type='a' how='m-g' time='1969-12-31T23:59:59Z' start='2026-01-01T00:00:00Z' "
              "stale='2026-01-01T00:01:00Z'"),
     PH_EPARSE, "bad time"},
    {"stale year 2999",
     EV_ATTRS("uid='u' type='a' how='m-g' " T0 "stale='2999-01-01T00:00:00Z'"), PH_EPARSE,
     "bad stale"},
    {"stale before start",
     EV_ATTRS("uid='u' type='a' how='m-g' " T0 "stale='2025-12-31T23:59:59Z'"), PH_EPARSE,
     "stale before start"},
};

static void test_cot_parse_hostile(void **state)
{
    struct arena *a = *state;
    char path[] = "/tmp/phoihop-test-cot-stderr-XXXXXX";
    int fd = mkstemp(path), saved = dup(STDERR_FILENO);

    /* Whatever libxml2 thinks of these, none of it may reach stderr. */
    assert_true(fd >= 0 && saved >= 0);
    fflush(stderr);
    dup2(fd, STDERR_FILENO);
    for (size_t i = 0; i < PH_NELEM(hostile); i++) {
        struct cot_event ev;
        const char *why = NULL;
        ph_err rc = cot_parse(hostile[i].xml, strlen(hostile[i].xml), a, &ev, &why);
        if (rc != hostile[i].rc || why == NULL ||
            (hostile[i].why != NULL && strcmp(why, hostile[i].why) != 0)) {
            fflush(stderr);
            dup2(saved, STDERR_FILENO);
            fail_msg("%s: rc %d why '%s', want %d '%s'", hostile[i].name, rc, why ? why : "(null)",
                     hostile[i].rc, hostile[i].why ? hostile[i].why : "any");
        }
    }
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    off_t size = lseek(fd, 0, SEEK_END);
    close(fd);
    unlink(path);
    assert_int_equal(size, 0);
}

static void test_cot_parse_limits(void **state)
{
    struct arena *a = *state;
    struct buf b;
    struct cot_event ev;
    const char *why = NULL;

    /* An attribute of COT_ATTR_MAX_BYTES is fine, one byte more is not. */
    for (int extra = 0; extra <= 1; extra++) {
        buf_init(&b, 2 * COT_EVENT_MAX_BYTES);
        assert_int_equal(buf_puts(&b, EV_OPEN PT "<detail><contact callsign='"), PH_OK);
        for (int i = 0; i < COT_ATTR_MAX_BYTES + extra; i++)
            assert_int_equal(buf_puts(&b, "x"), PH_OK);
        assert_int_equal(buf_puts(&b, "'/></detail></event>"), PH_OK);
        ph_err rc = cot_parse(b.data, b.len, a, &ev, &why);
        if (extra == 0) {
            assert_int_equal(rc, PH_OK);
            assert_int_equal(strlen(ev.callsign), COT_ATTR_MAX_BYTES);
        } else {
            assert_int_equal(rc, PH_EPARSE);
            assert_string_equal(why, "attribute too long");
        }
        buf_release(&b);
    }
    /* A huge attribute (1 MiB) and a huge event: too big before libxml2 sees them. */
    buf_init(&b, 2 * 1024 * 1024);
    assert_int_equal(buf_puts(&b, EV_OPEN PT "<detail><contact callsign='"), PH_OK);
    while (b.len < 1024 * 1024)
        assert_int_equal(buf_puts(&b, "xxxxxxxxxxxxxxxx"), PH_OK);
    assert_int_equal(buf_puts(&b, "'/></detail></event>"), PH_OK);
    assert_int_equal(cot_parse(b.data, b.len, a, &ev, &why), PH_ETOOBIG);
    assert_string_equal(why, "event too big");
    buf_release(&b);
    /* 32 levels (event, detail and 30 more) are fine. */
    buf_init(&b, COT_EVENT_MAX_BYTES);
    assert_int_equal(buf_puts(&b, EV_OPEN PT "<detail>"), PH_OK);
    for (int i = 0; i < COT_MAX_DEPTH - 2; i++)
        assert_int_equal(buf_puts(&b, "<a>"), PH_OK);
    for (int i = 0; i < COT_MAX_DEPTH - 2; i++)
        assert_int_equal(buf_puts(&b, "</a>"), PH_OK);
    assert_int_equal(buf_puts(&b, "</detail></event>"), PH_OK);
    assert_int_equal(cot_parse(b.data, b.len, a, &ev, &why), PH_OK);
    buf_release(&b);
}

static void test_cot_parse_lenient(void **state)
{
    static const char *const ok[] = {
        /* Blanks and a BOM before the declaration; a comment and a PI. */
        "\n \xef\xbb\xbf<?xml version='1.0' encoding='UTF-8'?><!-- c --><?pi x?>" EV(""),
        /* A declaration claiming another encoding: read as UTF-8 all the same. */
        "<?xml version='1.0' encoding='ISO-8859-1'?>" EV("<contact callsign='Đồn Biên phòng'/>"),
        /* CDATA remarks, entity and character references, a namespaced extension. */
        EV("<remarks><![CDATA[a < b]]> &amp; &#x1EA1;&#10;</remarks><x:y xmlns:x='urn:x'/>"),
        /* Self-closing with no detail; "unknown" hae, ce, le; fractional seconds of any length. */
        "<event version='2.0' uid='u' type='t-x-c-t' how='h-g-i-g-o' time='2026-01-01T00:00:00.123456Z' "
        "start='2026-01-01T00:00:00.1Z' stale='2026-01-01T00:00:20+00:00'><point lat='0' lon='0' "
        "hae='9999999' ce='9999999.0' le='9999999'/></event>",
    };
    struct arena *a = *state;
    for (size_t i = 0; i < PH_NELEM(ok); i++) {
        struct cot_event ev;
        const char *why = NULL;
        if (cot_parse(ok[i], strlen(ok[i]), a, &ev, &why) != PH_OK)
            fail_msg("case %zu refused: %s", i, why);
        check_invariants(&ev);
        if (i == 1)
            assert_string_equal(ev.callsign, "Đồn Biên phòng");
        if (i == 2)
            assert_string_equal(ev.remarks, "a < b & \xe1\xba\xa1\n");
        if (i == 3) {
            assert_int_equal(ev.cls, COT_PING);
            assert_true(isnan(ev.hae) && isnan(ev.ce) && isnan(ev.le));
            assert_int_equal(ev.time % 1000, 123);
        }
    }
    /* NFC: a decomposed "ệ" (e, U+0323, U+0302) comes out composed (U+1EC7). */
    const char *nfd = EV("<contact callsign='Vie\xcc\xa3\xcc\x82t'/>");
    struct cot_event ev;
    const char *why = NULL;
    assert_int_equal(cot_parse(nfd, strlen(nfd), a, &ev, &why), PH_OK);
    assert_string_equal(ev.callsign, "Vi\xe1\xbb\x87t");
}

/* ---- classification -------------------------------------------------------------- */

static void test_cot_classify(void **state)
{
    static const struct {
        const char *type;
        bool contact;
        enum cot_class want;
    } cases[] = {
        {"a-f-G-U-C", true, COT_PLI},       {"a-f-G-U-C", false, COT_MARKER},
        {"a-f-G-E-V-C", true, COT_PLI},     {"a-n-G", true, COT_PLI},
        {"a-h-G", false, COT_MARKER},       {"a-u-G", false, COT_MARKER},
        {"b-m-p-s-m", false, COT_MARKER},   {"b-m-p-w", true, COT_MARKER},
        {"b-m-p-c", false, COT_MARKER},     {"u-d-f", false, COT_MARKER},
        {"u-d-c-c", false, COT_MARKER},     {"u-rb-a", false, COT_OTHER},
        {"b-m-r", false, COT_OTHER},        {"b-t-f", true, COT_CHAT},
        {"b-t-f;x", false, COT_CHAT},       {"b-t-f-d", false, COT_OTHER},
        {"b-t-f-r", false, COT_OTHER},      {"b-t-fx", false, COT_OTHER},
        {"b-a-o", false, COT_EMERGENCY},    {"b-a-o-tbl", false, COT_EMERGENCY},
        {"b-a-o-can", false, COT_EMERGENCY}, {"b-a-og", false, COT_OTHER},
        {"b-a-g", false, COT_OTHER},        {"t-x-c-t", false, COT_PING},
        {"t-x-c-t-r", false, COT_OTHER},    {"t-x-d-d", false, COT_OTHER},
        {"a", true, COT_OTHER},             {"a-", true, COT_OTHER},
        {"", true, COT_OTHER},              {NULL, true, COT_OTHER},
    };
    (void)state;
    for (size_t i = 0; i < PH_NELEM(cases); i++)
        if (cot_classify(cases[i].type, cases[i].contact) != cases[i].want)
            fail_msg("%s (%d)", cases[i].type ? cases[i].type : "NULL", cases[i].contact);
}

/* ---- writing ---------------------------------------------------------------------- */

static xmlSchemaPtr schema;

static int schema_setup(void **state)
{
    xmlSchemaParserCtxtPtr pc = xmlSchemaNewParserCtxt(SCHEMA);
    if (pc == NULL)
        return -1;
    schema = xmlSchemaParse(pc);
    xmlSchemaFreeParserCtxt(pc);
    return schema != NULL ? 0 : -1;
}

static int schema_teardown(void **state)
{
    xmlSchemaFree(schema);
    return 0;
}

static void on_schema_error(void *ctx, xmlErrorPtr err)
{
    fprintf(stderr, "schema: %s", err->message);
}

/* The event valid against the MITRE base schema, and read back by cot_parse. */
static struct cot_event check_written(struct arena *a, const char *xml, size_t len)
{
    xmlDocPtr doc = xmlReadMemory(xml, (int)len, "event.xml", NULL, XML_PARSE_NONET);
    if (doc == NULL)
        fail_msg("not XML: %s", xml);
    xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(schema);
    xmlSchemaSetValidStructuredErrors(vc, on_schema_error, NULL);
    int v = xmlSchemaValidateDoc(vc, doc);
    xmlSchemaFreeValidCtxt(vc);
    xmlFreeDoc(doc);
    if (v != 0)
        fail_msg("invalid (%d): %s", v, xml);
    struct cot_event ev;
    const char *why = NULL;
    if (cot_parse(xml, len, a, &ev, &why) != PH_OK)
        fail_msg("refused (%s): %s", why, xml);
    check_invariants(&ev);
    assert_string_equal(ev.version, "2.0");
    return ev;
}

#define NOW 1764000000123LL /* 2025-11-24T16:00:00.123Z */
#define NASTY "Tàu <BP-12> & \"Biển\" 'Đông'\n\x01\xff end"

static void test_cot_write_position(void **state)
{
    struct arena *a = *state;
    struct buf b;
    struct livepos_fix f = {.device_id = 7,
                            .uid = "ANDROID-abc",
                            .callsign = NASTY,
                            .force = "border_guard",
                            .at = 1764000000000,
                            .lat = 10.1234567,
                            .lon = 106.7654321,
                            .speed = 3.5,
                            .course = 270,
                            .alt = 12.25,
                            .battery = 80};

    buf_init(&b, COT_EVENT_MAX_BYTES);
    assert_int_equal(cot_write_position(&b, &f, NULL, NOW, 120000), PH_OK);
    assert_non_null(strstr(b.data, "time=\"2025-11-24T16:00:00.000Z\""));
    assert_non_null(strstr(b.data, "stale=\"2025-11-24T16:02:00.123Z\""));
    struct cot_event ev = check_written(a, b.data, b.len);
    assert_int_equal(ev.cls, COT_PLI);
    assert_string_equal(ev.uid, "ANDROID-abc");
    assert_string_equal(ev.type, "a-f-G-U-C");
    assert_string_equal(ev.how, "m-g");
    assert_string_equal(ev.callsign, "Tàu <BP-12> & \"Biển\" 'Đông'\n\xef\xbf\xbd end");
    assert_string_equal(ev.group_name, "Dark Green");
    assert_int_equal(ev.time, f.at);
    assert_int_equal(ev.start, f.at);
    assert_int_equal(ev.stale, NOW + 120000);
    assert_true(fabs(ev.lat - f.lat) < 1e-7 && fabs(ev.lon - f.lon) < 1e-7);
    assert_true(fabs(ev.hae - 12.25) < 1e-9);
    assert_true(fabs(ev.speed - 3.5) < 1e-9 && fabs(ev.course - 270) < 1e-9);
    assert_int_equal(ev.battery, 80);

    /* The type it reported with; nothing optional; a fix newer than now + stale. */
    buf_reset(&b);
    f = (struct livepos_fix){.device_id = 9, .at = NOW + 600000, .lat = -90, .lon = 180,
                             .speed = NAN, .course = NAN, .alt = NAN, .battery = -1};
    assert_int_equal(cot_write_position(&b, &f, "a-f-G-E-V-C", NOW, 1000), PH_OK);
    ev = check_written(a, b.data, b.len);
    assert_string_equal(ev.type, "a-f-G-E-V-C");
    assert_string_equal(ev.uid, "phoihop-device-9");
    assert_string_equal(ev.callsign, "phoihop-device-9");
    assert_true(ev.stale >= ev.start);
    assert_true(isnan(ev.hae) && isnan(ev.speed));
    assert_int_equal(ev.battery, -1);
    /* A type that would not validate falls back. */
    buf_reset(&b);
    assert_int_equal(cot_write_position(&b, &f, "a-f-G;x_y", NOW, 1000), PH_OK);
    ev = check_written(a, b.data, b.len);
    assert_string_equal(ev.type, "a-f-G-U-C");

    /* Bad place: refused, the buffer as it was. */
    buf_reset(&b);
    assert_int_equal(buf_puts(&b, "kept"), PH_OK);
    f.lat = NAN;
    assert_int_equal(cot_write_position(&b, &f, NULL, NOW, 1000), PH_EINVAL);
    f.lat = 91;
    assert_int_equal(cot_write_position(&b, &f, NULL, NOW, 1000), PH_EINVAL);
    assert_string_equal(b.data, "kept");
    buf_release(&b);
    /* No room: PH_ETOOBIG, nothing half-written. */
    buf_init(&b, 200);
    f.lat = 10;
    assert_int_equal(buf_puts(&b, "kept"), PH_OK);
    assert_int_equal(cot_write_position(&b, &f, NULL, NOW, 1000), PH_ETOOBIG);
    assert_string_equal(b.data, "kept");
    buf_release(&b);
}

static void test_cot_write_incident(void **state)
{
    struct arena *a = *state;
    struct buf b;
    struct incident inc = {.id = 42,
                           .ref = "BT-2026-000123",
                           .category_code = "smuggling",
                           .severity = 4,
                           .title = "Buôn lậu <thuốc lá> & \"rượu\" qua biên giới tại khu vực cửa khẩu phụ",
                           .has_location = true,
                           .lat = 21.5,
                           .lon = 107.9,
                           .status = "responding",
                           .cap_status = "exercise"};

    buf_init(&b, COT_EVENT_MAX_BYTES);
    assert_int_equal(cot_write_incident(&b, &inc, NOW, 300000), PH_OK);
    struct cot_event ev = check_written(a, b.data, b.len);
    assert_int_equal(ev.cls, COT_MARKER);
    assert_string_equal(ev.uid, "phoihop-incident-BT-2026-000123");
    assert_string_equal(ev.type, "b-m-p-s-m");
    assert_string_equal(ev.how, "h-e");
    assert_int_equal(ev.time, NOW);
    assert_int_equal(ev.stale, NOW + 300000);
    assert_true(strncmp(ev.callsign, "BT-2026-000123 · Buôn lậu <thuốc lá>", 40) == 0);
    assert_true(strlen(ev.callsign) < 100);
    assert_non_null(strstr(ev.remarks, "BT-2026-000123"));
    assert_non_null(strstr(ev.remarks, inc.title));
    assert_non_null(strstr(ev.remarks, "smuggling"));
    assert_non_null(strstr(ev.remarks, "Mức độ: 4 (nghiêm trọng)"));
    assert_non_null(strstr(ev.remarks, "Trạng thái: đang xử lý"));
    assert_non_null(strstr(ev.remarks, "Diễn tập"));
    assert_true(fabs(ev.lat - 21.5) < 1e-9 && fabs(ev.lon - 107.9) < 1e-9);

    /* No reference yet: by id. No location: refused. */
    buf_reset(&b);
    inc.ref = NULL;
    inc.title = NASTY;
    assert_int_equal(cot_write_incident(&b, &inc, NOW, 300000), PH_OK);
    ev = check_written(a, b.data, b.len);
    assert_string_equal(ev.uid, "phoihop-incident-42");
    buf_reset(&b);
    inc.has_location = false;
    assert_int_equal(cot_write_incident(&b, &inc, NOW, 300000), PH_EINVAL);
    assert_int_equal(b.len, 0);
    buf_release(&b);
}

static void test_cot_write_operation(void **state)
{
    struct arena *a = *state;
    struct buf b, line;
    struct operation o = {.id = 5,
                          .kind = OPERATION_PATROL,
                          .domain = "sea",
                          .title = "Tuần tra liên hợp vùng biển Cô Tô",
                          .status = OPERATION_ACTIVE,
                          .is_joint = true,
                          .planned_start = 1764000000000,
                          .planned_end = 1764028800000,
                          .geometry = "{\"type\":\"LineString\",\"coordinates\":[[107.1,20.9],[107.5,21.0,3],"
                                      "[107.8,20.95]]}"};

    buf_init(&b, 4 * COT_EVENT_MAX_BYTES);
    /* A route. */
    assert_int_equal(cot_write_operation(&b, &o, NOW, 120000), PH_OK);
    struct cot_event ev = check_written(a, b.data, b.len);
    assert_int_equal(ev.cls, COT_OTHER);
    assert_string_equal(ev.uid, "phoihop-operation-5");
    assert_string_equal(ev.type, "b-m-r");
    assert_string_equal(ev.callsign, o.title);
    assert_string_equal(ev.link_uid, "phoihop-operation-5.0");
    assert_string_equal(ev.link_type, "b-m-p-w");
    assert_non_null(strstr(ev.remarks, "Tuần tra liên hợp trên biển"));
    assert_non_null(strstr(ev.remarks, "đang thực hiện"));
    assert_non_null(strstr(b.data, "point=\"21.0000000,107.5000000\""));
    assert_non_null(strstr(b.data, "method=\"Watercraft\""));

    /* A long route is thinned and still fits. */
    buf_init(&line, 1 << 20);
    assert_int_equal(buf_puts(&line, "{\"type\":\"LineString\",\"coordinates\":["), PH_OK);
    for (int i = 0; i < 20000; i++)
        assert_int_equal(buf_printf(&line, "%s[%.6f,%.6f]", i ? "," : "", 106 + i * 1e-4, 10 + i * 5e-5), PH_OK);
    assert_int_equal(buf_puts(&line, "]}"), PH_OK);
    o.geometry = line.data;
    buf_reset(&b);
    assert_int_equal(cot_write_operation(&b, &o, NOW, 120000), PH_OK);
    assert_true(b.len < COT_EVENT_MAX_BYTES);
    check_written(a, b.data, b.len);
    assert_non_null(strstr(b.data, "point=\"10.0000000,106.0000000\""));
    assert_non_null(strstr(b.data, "point=\"10.9999500,107.9999000\"")); /* the last vertex */
    buf_release(&line);

    /* An area: a drawing shape with the ring as links. */
    o.kind = OPERATION_CONTROL;
    o.domain = "land";
    o.is_joint = false;
    o.geometry = "{\"type\":\"Polygon\",\"coordinates\":[[[106,10],[106.2,10],[106.2,10.2],[106,10.2],"
                 "[106,10]],[[106.05,10.05],[106.1,10.05],[106.1,10.1],[106.05,10.05]]]}";
    buf_reset(&b);
    assert_int_equal(cot_write_operation(&b, &o, NOW, 120000), PH_OK);
    ev = check_written(a, b.data, b.len);
    assert_string_equal(ev.type, "u-d-f");
    assert_int_equal(ev.cls, COT_MARKER);
    assert_true(fabs(ev.lat - 10.1) < 1e-9 && fabs(ev.lon - 106.1) < 1e-9);
    assert_non_null(strstr(ev.remarks, "Kiểm soát trên bộ"));
    const char *p = b.data;
    int links = 0;
    while ((p = strstr(p, "<link point=")) != NULL) {
        links++;
        p++;
    }
    assert_int_equal(links, 5); /* the outer ring only, closed */

    /* A checkpoint. */
    o.kind = OPERATION_CHECKPOINT;
    o.title = NASTY;
    o.geometry = "{\"type\":\"Point\",\"coordinates\":[105.5,9.25]}";
    buf_reset(&b);
    assert_int_equal(cot_write_operation(&b, &o, NOW, 120000), PH_OK);
    ev = check_written(a, b.data, b.len);
    assert_string_equal(ev.type, "b-m-p-c");
    assert_true(fabs(ev.lat - 9.25) < 1e-9 && fabs(ev.lon - 105.5) < 1e-9);

    /* Bad geometries: refused, nothing written. */
    static const char *const bad[] = {
        NULL,
        "",
        "{}",
        "[1,2]",
        "{\"type\":\"LineString\",\"coordinates\":[[107,20]]}",
        "{\"type\":\"LineString\",\"coordinates\":[[107,20],[\"x\",1]]}",
        "{\"type\":\"Polygon\",\"coordinates\":[[[106,10],[106.2,10],[106,10]]]}",
        "{\"type\":\"Point\",\"coordinates\":[200,10]}",
        "{\"type\":\"Point\",\"coordinates\":[10]}",
        "{\"type\":\"MultiPoint\",\"coordinates\":[[10,10]]}",
    };
    buf_reset(&b);
    for (size_t i = 0; i < PH_NELEM(bad); i++) {
        o.geometry = bad[i];
        if (cot_write_operation(&b, &o, NOW, 120000) != PH_EINVAL)
            fail_msg("bad geometry %zu accepted", i);
        assert_int_equal(b.len, 0);
    }
    buf_release(&b);
}

static void test_cot_write_pong(void **state)
{
    struct arena *a = *state;
    struct buf b;

    buf_init(&b, 4096);
    assert_int_equal(cot_write_pong(&b, NOW), PH_OK);
    struct cot_event ev = check_written(a, b.data, b.len);
    assert_string_equal(ev.type, "t-x-c-t-r");
    assert_int_equal(ev.cls, COT_OTHER);
    assert_int_equal(ev.time, NOW);
    /* Two writes in a row: a stream the framer splits again. */
    assert_int_equal(cot_write_pong(&b, NOW), PH_OK);
    struct cot_framer f;
    size_t s, e;
    memset(&f, 0, sizeof(f));
    assert_int_equal(cot_frame(&f, b.data, b.len, &s, &e), PH_OK);
    assert_int_equal(s, 0);
    assert_int_equal(e, b.len / 2);
    buf_release(&b);
}

/* ---- threads and the parser context ----------------------------------------------- */

struct job {
    const char *xml;
    size_t len;
    int ok;
};

static void *parse_many(void *p)
{
    struct job *j = p;
    struct arena a;
    arena_init(&a);
    for (int i = 0; i < 300; i++) {
        struct cot_framer f;
        size_t off = 0, s, e;
        memset(&f, 0, sizeof(f));
        while (cot_frame(&f, j->xml + off, j->len - off, &s, &e) == PH_OK && e != 0) {
            struct cot_event ev;
            const char *why;
            j->ok += cot_parse(j->xml + off + s, e - s, &a, &ev, &why) == PH_OK;
            off += e;
        }
        /* Hostile input on the same thread's context does not poison it. */
        const char *why;
        struct cot_event ev;
        j->ok -= cot_parse(hostile[i % PH_NELEM(hostile)].xml, strlen(hostile[i % PH_NELEM(hostile)].xml),
                           &a, &ev, &why) == PH_OK;
        arena_release(&a);
    }
    return NULL;
}

static void test_cot_parse_threads(void **state)
{
    size_t len;
    char *data = read_all(STREAM, &len);
    struct job jobs[2] = {{data, len, 0}, {data, len, 0}};
    pthread_t t[2];
    (void)state;

    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, parse_many, &jobs[i]), 0);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    for (int i = 0; i < 2; i++)
        assert_int_equal(jobs[i].ok, 300 * 64);
    free(data);
}

/* Names a client makes up grow the context's dictionary: it is replaced, and
 * parsing goes on. */
static void test_cot_parse_many_names(void **state)
{
    struct arena *a = *state;
    char xml[512];
    for (int i = 0; i < 10000; i++) {
        struct cot_event ev;
        const char *why = NULL;
        int n = snprintf(xml, sizeof(xml), EV("<n%d a%d='1'/>"), i, i);
        if (cot_parse(xml, (size_t)n, a, &ev, &why) != PH_OK)
            fail_msg("%d: %s", i, why);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TU_ARENA_TEST(test_cot_samples_parse),
        TU_ARENA_TEST(test_cot_samples_fields),
        TU_ARENA_TEST(test_cot_frame_stream),
        cmocka_unit_test(test_cot_frame_cases),
        cmocka_unit_test(test_cot_frame_bounds),
        TU_ARENA_TEST(test_cot_parse_hostile),
        TU_ARENA_TEST(test_cot_parse_limits),
        TU_ARENA_TEST(test_cot_parse_lenient),
        cmocka_unit_test(test_cot_classify),
        TU_ARENA_TEST(test_cot_write_position),
        TU_ARENA_TEST(test_cot_write_incident),
        TU_ARENA_TEST(test_cot_write_operation),
        TU_ARENA_TEST(test_cot_write_pong),
        cmocka_unit_test(test_cot_parse_threads),
        TU_ARENA_TEST(test_cot_parse_many_names),
    };
    cot_init();
    return cmocka_run_group_tests(tests, schema_setup, schema_teardown);
}
