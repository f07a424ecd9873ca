/* test_cot.c - the CoT listener (net/cot_server.c) against the real server, over
 * real TCP, UDP and TLS sockets on 127.0.0.1.
 *
 * - The real 64-event TCP stream of ../shared/interop/cot (FreeTAKServer's
 *   capture of ATAK and WinTAK), sent in 700-byte pieces that cut events
 *   anywhere: its devices are bound first through POST /api/v1/devices, and its
 *   times (February 2020) are rewritten to now, because position_ingest refuses
 *   reports older than 7 days (POSITION_MAX_AGE_MS). The last position of each
 *   device is then read back through GET /api/v1/positions/latest.
 * - UDP: one datagram, one event; an unknown device is refused and counted.
 * - Relay: A's PLI reaches B (same unit) as a CoT event that cot_parse reads
 *   and that validates against the MITRE base event schema; C (another force's
 *   province unit) does not get it but gets a PLI of its own unit.
 * - The picture on identification: a recent incident reaches a client that
 *   connects after it; clients gone before their picture comes back harm nothing.
 * - An incident created over HTTP, a chat line (b-t-f, stored and readable in
 *   GET /api/v1/messages, relayed to B), a marker (b-m-p-s-m, an incident draft).
 * - Hostile input: billion laughs, an external entity, deep nesting, a huge
 *   attribute, an oversize event, a flood from one client, a UDP flood: each is
 *   refused or cut off, counted in /metrics, and another client keeps working.
 * - TLS (a server of its own, with a CA, server and client certificates made by
 *   the openssl command line): the certificate's CN is the person who binds an
 *   unknown device; a client without a certificate is refused, and so is one
 *   whose certificate has no CN or two; a handshake trickling in a byte at a
 *   time is refused when its deadline passes; an idle connection is closed
 *   (--cot-idle-seconds).
 * - Revocation: a plain TCP connection identified by its device is cut off once
 *   that device is deactivated. */
#include "util/base.h"
#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include "harness.h"
#include "proto/cot.h"
#include "util/arena.h"
#include "util/time.h"

int run_cot_tests(void);

#define WAIT_MS 8000
#define COT_DIR "../shared/interop/cot"
#define CAPTURE COT_DIR "/samples/freetakserver/stream-first-60s-64-events.xml"
#define XSD COT_DIR "/schema/mitre/cot-base-event-public.xsd"

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void pause_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static char *iso(int64_t ms)
{
    char out[TIME_RFC3339_BYTES];
    time_format_utc(ms, out);
    return tfmt("%s", out);
}

/* ---- a CoT client over TCP ---------------------------------------------------------- */

struct client {
    int fd;
    char *buf; /* everything received, NUL-terminated */
    size_t n, cap;
    bool is_closed; /* the server closed (or reset) it */
};

/* Clients still open: the teardown closes them when an assertion ended a test. */
static struct client *open_clients[64];

static void client_free(struct client *c)
{
    for (size_t i = 0; i < PH_NELEM(open_clients); i++)
        if (open_clients[i] == c)
            open_clients[i] = NULL;
    if (c->fd >= 0)
        close(c->fd);
    free(c->buf);
    free(c);
}

static int cot_teardown(void **state)
{
    for (size_t i = 0; i < PH_NELEM(open_clients); i++)
        if (open_clients[i] != NULL)
            client_free(open_clients[i]);
    return h_gc(state);
}

static int tcp_connect(int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    assert_true(fd >= 0);
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

static struct client *cot_open(void)
{
    struct client *c = calloc(1, sizeof(*c));
    int port = srv_cot_port(g_srv, "tcp");
    assert_non_null(c);
    assert_true(port > 0);
    c->fd = tcp_connect(port);
    for (size_t i = 0; i < PH_NELEM(open_clients); i++)
        if (open_clients[i] == NULL) {
            open_clients[i] = c;
            break;
        }
    return c;
}

/* Read what is there (waiting at most wait_ms for the first byte). */
static void client_pump(struct client *c, int wait_ms)
{
    struct pollfd p = {.fd = c->fd, .events = POLLIN};
    char tmp[65536];
    ssize_t n;

    if (c->is_closed || poll(&p, 1, wait_ms) <= 0)
        return;
    n = recv(c->fd, tmp, sizeof(tmp), MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        c->is_closed = true;
        return;
    }
    if (n < 0)
        return;
    if (c->n + (size_t)n + 1 > c->cap) {
        c->cap = (c->n + (size_t)n + 1) * 2;
        c->buf = realloc(c->buf, c->cap);
        assert_non_null(c->buf);
    }
    memcpy(c->buf + c->n, tmp, (size_t)n);
    c->n += (size_t)n;
    c->buf[c->n] = '\0';
}

/* Wait until needle was received; true when it was. */
static bool client_wait(struct client *c, const char *needle, int timeout_ms)
{
    int64_t end = mono_ms() + timeout_ms;
    while (c->buf == NULL || strstr(c->buf, needle) == NULL) {
        int64_t left = end - mono_ms();
        if (left <= 0 || c->is_closed)
            return false;
        client_pump(c, (int)(left < 100 ? left : 100));
    }
    return true;
}

/* Wait until the server closed c; true when it did. */
static bool client_wait_closed(struct client *c, int timeout_ms)
{
    int64_t end = mono_ms() + timeout_ms;
    while (!c->is_closed && mono_ms() < end)
        client_pump(c, 100);
    return c->is_closed;
}

static void client_send(struct client *c, const char *data, size_t len)
{
    size_t off = 0;
    while (off < len) {
        ssize_t n = send(c->fd, data + off, len - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) { /* the server cut us off: what the hostile tests expect */
            c->is_closed = true;
            return;
        }
        off += (size_t)n;
    }
}

static void client_puts(struct client *c, const char *s)
{
    client_send(c, s, strlen(s));
}

/* The whole event around the first occurrence of needle in c's input (a copy on
 * the garbage list), or NULL. */
static char *event_with(const struct client *c, const char *needle)
{
    const char *at = c->buf != NULL ? strstr(c->buf, needle) : NULL;
    const char *start, *end;
    if (at == NULL)
        return NULL;
    for (start = at; start > c->buf && strncmp(start, "<event", 6) != 0; start--)
        ;
    if (start >= c->buf + 6 && strncmp(start - 0, "<event", 6) == 0) {
        /* keep a declaration just before it */
        const char *decl = start;
        while (decl > c->buf && strncmp(decl, "<?xml", 5) != 0 && decl > start - 100)
            decl--;
        if (strncmp(decl, "<?xml", 5) == 0)
            start = decl;
    }
    end = strstr(at, "</event>");
    if (end == NULL)
        return NULL;
    return tfmt("%.*s", (int)(end + 8 - start), start);
}

/* ---- events -------------------------------------------------------------------------- */

static char *pli_xml(const char *uid, const char *callsign, double lat, double lon)
{
    int64_t now = time_now_ms();
    return tfmt("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
                "<event version=\"2.0\" uid=\"%s\" type=\"a-f-G-U-C\" time=\"%s\" start=\"%s\" "
                "stale=\"%s\" how=\"m-g\"><point lat=\"%.6f\" lon=\"%.6f\" hae=\"12.0\" ce=\"9.9\" "
                "le=\"9999999.0\"/><detail><contact callsign=\"%s\" endpoint=\"*:-1:stcp\"/>"
                "<__group name=\"Cyan\" role=\"Team Member\"/><status battery=\"77\"/>"
                "<track speed=\"1.5\" course=\"90.0\"/></detail></event>\n",
                uid, iso(now), iso(now), iso(now + 120000), lat, lon, callsign);
}

static char *ping_xml(const char *uid)
{
    int64_t now = time_now_ms();
    return tfmt("<event version=\"2.0\" uid=\"%s-ping\" type=\"t-x-c-t\" time=\"%s\" start=\"%s\" "
                "stale=\"%s\" how=\"h-g-i-g-o\"><point lat=\"0.0\" lon=\"0.0\" hae=\"0.0\" "
                "ce=\"9999999.0\" le=\"9999999.0\"/><detail/></event>",
                uid, iso(now), iso(now), iso(now + 20000));
}

static char *chat_xml(const char *sender, const char *callsign, const char *msgid, const char *text)
{
    int64_t now = time_now_ms();
    return tfmt("<?xml version='1.0' encoding='UTF-8' standalone='yes'?><event version='2.0' "
                "uid='GeoChat.%s.All Chat Rooms.%s' type='b-t-f' time='%s' start='%s' stale='%s' "
                "how='h-g-i-g-o'><point lat='10.2' lon='106.7' hae='9999999.0' ce='9999999.0' "
                "le='9999999.0'/><detail><__chat parent='RootContactGroup' groupOwner='false' "
                "messageId='%s' chatroom='All Chat Rooms' id='All Chat Rooms' senderCallsign='%s'>"
                "<chatgrp uid0='%s' uid1='All Chat Rooms' id='All Chat Rooms'/></__chat>"
                "<link uid='%s' type='a-f-G-U-C' relation='p-p'/><remarks source='BAO.F.ATAK.%s' "
                "to='All Chat Rooms' time='%s'>%s</remarks></detail></event>",
                sender, msgid, iso(now), iso(now), iso(now + 86400000), msgid, callsign, sender, sender,
                sender, iso(now), text);
}

static char *marker_xml(const char *uid, const char *name, double lat, double lon)
{
    int64_t now = time_now_ms();
    return tfmt("<event version=\"2.0\" uid=\"%s\" type=\"b-m-p-s-m\" time=\"%s\" start=\"%s\" "
                "stale=\"%s\" how=\"h-g-i-g-o\"><point lat=\"%.6f\" lon=\"%.6f\" hae=\"0.0\" "
                "ce=\"9999999.0\" le=\"9999999.0\"/><detail><status readiness=\"true\"/>"
                "<contact callsign=\"%s\"/><remarks>Thuyền lạ neo gần cửa sông</remarks>"
                "<color argb=\"-1\"/></detail></event>",
                uid, iso(now), iso(now), iso(now + 86400000), lat, lon, name);
}

/* ---- the API side ---------------------------------------------------------------------- */

/* The device's id. */
static int64_t bind_device(const char *uid, int64_t person_id)
{
    struct resp *r = api_json("POST", "/api/v1/devices", g_srv->w.admin,
                              json_pack("{s:s, s:s, s:I}", "uid", uid, "kind", "tak", "person_id",
                                        (json_int_t)person_id));
    EXPECT_STATUS(r, 201);
    return JINT(r->json, "id");
}

/* A person of unit_id with role, and a device bound to them. */
struct member {
    int64_t id, device_id;
    char *username, *token, *uid;
};

static struct member mk_member(int64_t unit_id, const char *role)
{
    struct member m;
    m.id = mk_person(g_srv->w.admin, unit_id, role, "secret", &m.username);
    m.token = login_ok(m.username, H_PASSWORD);
    m.uid = tfmt("ANDROID-%s", uniq_word());
    m.device_id = bind_device(m.uid, m.id);
    return m;
}

/* The value of one series in /metrics ("name{labels}"); 0 when absent. */
static double metric(const char *series)
{
    struct resp *r = api_get("/metrics", NULL);
    const char *p;
    size_t n = strlen(series);
    EXPECT_STATUS(r, 200);
    for (p = r->body; (p = strstr(p, series)) != NULL; p += n) {
        if ((p == r->body || p[-1] == '\n') && p[n] == ' ')
            return strtod(p + n + 1, NULL);
    }
    return 0;
}

/* Poll GET /api/v1/positions/latest until uid is there (at lat, lon when
 * lat is not NAN); the feature, or NULL after WAIT_MS. */
static json_t *wait_latest(const char *uid, double lat, double lon)
{
    int64_t end = mono_ms() + WAIT_MS;
    do {
        struct resp *r = api_get("/api/v1/positions/latest", g_srv->w.admin);
        json_t *features, *f;
        size_t i;
        EXPECT_STATUS(r, 200);
        features = json_object_get(r->json, "features");
        json_array_foreach(features, i, f)
        {
            json_t *props = json_object_get(f, "properties");
            json_t *coords = json_object_get(json_object_get(f, "geometry"), "coordinates");
            const char *u = json_string_value(json_object_get(props, "uid"));
            if (u == NULL || strcmp(u, uid) != 0)
                continue;
            if (isnan(lat) || (fabs(json_real_value(json_array_get(coords, 1)) - lat) < 1e-6 &&
                               fabs(json_real_value(json_array_get(coords, 0)) - lon) < 1e-6))
                return f;
        }
        pause_ms(100);
    } while (mono_ms() < end);
    return NULL;
}

/* Connect, send a PLI of m's device (which identifies the connection as m) and a
 * ping; wait for the pong, by which the PLI has been read too. */
static struct client *connect_as(const struct member *m, double lat, double lon)
{
    struct client *c = cot_open();
    client_puts(c, pli_xml(m->uid, m->username, lat, lon));
    client_puts(c, ping_xml(m->uid));
    assert_true(client_wait(c, "t-x-c-t-r", WAIT_MS));
    return c;
}

/* Parse one event we were sent with the codec, and validate it against the MITRE
 * base event schema. */
static void check_event(const char *xml, struct cot_event *ev, struct arena *a)
{
    const char *why = NULL;
    xmlSchemaParserCtxtPtr pc;
    xmlSchemaPtr schema;
    xmlSchemaValidCtxtPtr vc;
    xmlDocPtr doc;

    assert_int_equal(cot_parse(xml, strlen(xml), a, ev, &why), PH_OK);
    pc = xmlSchemaNewParserCtxt(XSD);
    assert_non_null(pc);
    schema = xmlSchemaParse(pc);
    assert_non_null(schema);
    vc = xmlSchemaNewValidCtxt(schema);
    doc = xmlReadMemory(xml, (int)strlen(xml), "relayed.xml", NULL, XML_PARSE_NONET);
    assert_non_null(doc);
    if (xmlSchemaValidateDoc(vc, doc) != 0)
        fail_msg("not valid against %s:\n%s", XSD, xml);
    xmlFreeDoc(doc);
    xmlSchemaFreeValidCtxt(vc);
    xmlSchemaFree(schema);
    xmlSchemaFreeParserCtxt(pc);
}

/* ---- the capture ------------------------------------------------------------------------ */

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *data;
    long n;
    if (f == NULL)
        fail_msg("cannot read %s: %s", path, strerror(errno));
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    data = malloc((size_t)n + 1);
    assert_non_null(data);
    assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    data[n] = '\0';
    *len = (size_t)n;
    {
        char *kept = tfmt("%.*s", (int)n, data);
        free(data);
        return kept;
    }
}

/* The attribute name='value' of the tag starting at tag (up to its '>'), as a
 * copy on the garbage list, or NULL. */
static char *tag_attr(const char *tag, const char *name)
{
    const char *end = strchr(tag, '>');
    char *pat = tfmt(" %s='", name);
    const char *p = strstr(tag, pat), *q;
    if (p == NULL || (end != NULL && p > end))
        return NULL;
    p += strlen(pat);
    q = strchr(p, '\'');
    return q != NULL ? tfmt("%.*s", (int)(q - p), p) : NULL;
}

/* The capture with each event's time and start set k seconds ago (k from 70 down,
 * in stream order) and stale five minutes ahead. */
static char *capture_now(const char *in, size_t *out_len)
{
    int64_t now = time_now_ms();
    size_t cap = strlen(in) + 64 * 200, n = 0, k = 0;
    char *out = malloc(cap);
    const char *p = in;
    assert_non_null(out);
    while (*p != '\0') {
        const char *ev = strstr(p, "<event ");
        const char *gt;
        if (ev == NULL) {
            n += (size_t)snprintf(out + n, cap - n, "%s", p);
            break;
        }
        gt = strchr(ev, '>');
        assert_non_null(gt);
        memcpy(out + n, p, (size_t)(ev - p));
        n += (size_t)(ev - p);
        /* Copy the start tag, replacing the three times. */
        for (const char *q = ev; q < gt;) {
            const char *which = NULL;
            int64_t t = 0;
            if (strncmp(q, " time='", 7) == 0 || strncmp(q, " start='", 8) == 0) {
                which = q[1] == 't' ? " time='" : " start='";
                t = now - (int64_t)(70 - k) * 1000;
            } else if (strncmp(q, " stale='", 8) == 0) {
                which = " stale='";
                t = now + 300000;
            }
            if (which == NULL) {
                out[n++] = *q++;
                continue;
            }
            n += (size_t)snprintf(out + n, cap - n, "%s%s'", which, iso(t));
            q = strchr(q + strlen(which), '\'') + 1;
        }
        k++;
        p = gt;
    }
    out[n] = '\0';
    *out_len = n;
    {
        char *kept = tfmt("%s", out);
        free(out);
        return kept;
    }
}

static void test_cot_capture_stream(void **state)
{
    struct world *w = &g_srv->w;
    size_t len = 0, sent_len = 0;
    char *raw, *stream;
    struct member p;
    struct client *c;
    double stored0;
    const char *last_android = NULL, *last_wintak = NULL;
    (void)state;

    raw = read_file(CAPTURE, &len);
    p = mk_member(w->u_pd, "reporter");
    /* Bind every device of the capture to p (the chat's GeoChat uid is no device). */
    for (const char *q = raw; (q = strstr(q, "<event ")) != NULL; q++) {
        char *uid = tag_attr(q, "uid"), *type = tag_attr(q, "type");
        const char *end = strstr(q, "</event>");
        bool seen = false;
        assert_non_null(uid);
        if (strncmp(uid, "GeoChat.", 8) == 0)
            continue;
        for (const char *r = raw; r < q; r++)
            if (strncmp(r, "<event ", 7) == 0 && strcmp(tag_attr(r, "uid"), uid) == 0) {
                seen = true;
                break;
            }
        if (!seen)
            bind_device(uid, p.id);
        /* The last PLI of the ATAK phone and of the WinTAK laptop (with a contact). */
        if (end != NULL && type != NULL && strncmp(type, "a-f-G", 5) == 0 &&
            memmem(q, (size_t)(end - q), "<contact", 8) != NULL) {
            if (strcmp(uid, "ANDROID-R52JB0CDC4E") == 0)
                last_android = q;
            else if (strcmp(uid, "aa0b0312-b5cd-4c2c-bbbc-9c4c70216261") == 0)
                last_wintak = q;
        }
    }
    assert_non_null(last_android);
    assert_non_null(last_wintak);
    stream = capture_now(raw, &sent_len);
    stored0 = metric("phoihop_cot_positions_total{result=\"stored\"}");

    /* 700 bytes at a time: events split anywhere, declarations included. */
    c = cot_open();
    for (size_t off = 0; off < sent_len; off += 700) {
        client_send(c, stream + off, sent_len - off < 700 ? sent_len - off : 700);
        pause_ms(10);
    }
    client_puts(c, ping_xml("capture"));
    assert_true(client_wait(c, "t-x-c-t-r", WAIT_MS));
    assert_false(c->is_closed);

    {
        const char *pt = strstr(last_android, "<point ");
        double lat = strtod(tag_attr(pt, "lat"), NULL), lon = strtod(tag_attr(pt, "lon"), NULL);
        assert_non_null(wait_latest("ANDROID-R52JB0CDC4E", lat, lon));
        pt = strstr(last_wintak, "<point ");
        lat = strtod(tag_attr(pt, "lat"), NULL);
        lon = strtod(tag_attr(pt, "lon"), NULL);
        assert_non_null(wait_latest("aa0b0312-b5cd-4c2c-bbbc-9c4c70216261", lat, lon));
    }
    /* 24 of the phone's events and 17 of the laptop's are PLIs, at least. The
     * listener counts a batch when the writer hands it back, which may be just
     * after the API can read it: wait for the count. */
    {
        const char *stored = "phoihop_cot_positions_total{result=\"stored\"}";
        for (int i = 0; i < 50 && metric(stored) < stored0 + 40; i++)
            pause_ms(100);
        assert_true(metric(stored) >= stored0 + 40);
    }
    client_free(c);
}

/* ---- UDP -------------------------------------------------------------------------------- */

static int udp_socket(struct sockaddr_in *to)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int port = srv_cot_port(g_srv, "udp");
    assert_true(fd >= 0);
    assert_true(port > 0);
    memset(to, 0, sizeof(*to));
    to->sin_family = AF_INET;
    to->sin_port = htons((uint16_t)port);
    inet_pton(AF_INET, "127.0.0.1", &to->sin_addr);
    return fd;
}

static void test_cot_udp(void **state)
{
    struct world *w = &g_srv->w;
    struct member m = mk_member(w->u_pd, "reporter");
    struct sockaddr_in to;
    int fd = udp_socket(&to);
    double unknown0 = metric("phoihop_cot_positions_total{result=\"unknown_device\"}");
    double dgrams0 = metric("phoihop_cot_udp_datagrams_total");
    char *ev;
    (void)state;

    ev = pli_xml(m.uid, "BP-UDP", 10.25, 106.75);
    assert_true(sendto(fd, ev, strlen(ev), 0, (struct sockaddr *)&to, sizeof(to)) > 0);
    assert_non_null(wait_latest(m.uid, 10.25, 106.75));
    /* A device nobody bound: no person to bind it to over UDP. */
    ev = pli_xml(tfmt("UNBOUND-%s", uniq_word()), "X", 10.3, 106.8);
    assert_true(sendto(fd, ev, strlen(ev), 0, (struct sockaddr *)&to, sizeof(to)) > 0);
    for (int i = 0; i < 50 && metric("phoihop_cot_positions_total{result=\"unknown_device\"}") <= unknown0; i++)
        pause_ms(100);
    assert_true(metric("phoihop_cot_positions_total{result=\"unknown_device\"}") > unknown0);
    assert_true(metric("phoihop_cot_udp_datagrams_total") >= dgrams0 + 2);
    close(fd);
}

/* ---- relay -------------------------------------------------------------------------------- */

static void test_cot_relay_by_access(void **state)
{
    struct world *w = &g_srv->w;
    struct member a = mk_member(w->u_pd, "reporter");
    struct member b = mk_member(w->u_pd, "viewer");
    struct member c = mk_member(w->u_mp, "viewer");
    struct member d = mk_member(w->u_mp, "reporter");
    struct client *ca = connect_as(&a, 10.20, 106.70);
    struct client *cb = connect_as(&b, 10.21, 106.71);
    struct client *cc = connect_as(&c, 10.22, 106.72);
    struct client *cd = connect_as(&d, 10.23, 106.73);
    struct cot_event ev;
    struct arena ar;
    char *got, *needle_a = tfmt("uid=\"%s\"", a.uid), *needle_d = tfmt("uid=\"%s\"", d.uid);
    (void)state;

    client_puts(ca, pli_xml(a.uid, "CA-Tuan-tra-1", 10.123456, 106.654321));
    assert_true(client_wait(cb, "10.123456", WAIT_MS));
    got = event_with(cb, "10.123456");
    assert_non_null(got);
    arena_init(&ar);
    check_event(got, &ev, &ar);
    assert_string_equal(ev.uid, a.uid);
    assert_true(fabs(ev.lat - 10.123456) < 1e-6 && fabs(ev.lon - 106.654321) < 1e-6);
    assert_int_equal(ev.cls, COT_PLI);
    arena_release(&ar);
    /* The Military Command's unit sees its own member, never A: D's fix was
     * published after A's, so A's would have come first. */
    client_puts(cd, pli_xml(d.uid, "QS-1", 10.5, 106.5));
    assert_true(client_wait(cc, needle_d, WAIT_MS));
    assert_null(strstr(cc->buf, needle_a));
    /* Nobody gets their own device back. */
    client_pump(ca, 300);
    assert_true(ca->buf == NULL || strstr(ca->buf, "10.123456") == NULL);
    client_free(ca);
    client_free(cb);
    client_free(cc);
    client_free(cd);
}

static void test_cot_incident_reaches_client(void **state)
{
    struct world *w = &g_srv->w;
    struct member b = mk_member(w->u_pd, "viewer");
    struct client *cb = connect_as(&b, 10.21, 106.71);
    struct resp *r;
    char *uid;
    struct cot_event ev;
    struct arena ar;
    (void)state;

    r = api_json("POST", "/api/v1/incidents", w->t_reporter,
                 json_pack("{s:s, s:i, s:s, s:s, s:s, s:{s:f, s:f}}", "category", "smuggling",
                           "severity", 3, "title", tfmt("Buôn lậu thuốc lá %s", uniq_word()),
                           "occurred_at", iso(time_now_ms() - 600000), "classification",
                           "unclassified", "location", "lat", 10.2, "lon", 106.7));
    EXPECT_STATUS(r, 201);
    uid = tfmt("phoihop-incident-%s", JSTR(r->json, "ref"));
    assert_true(client_wait(cb, uid, WAIT_MS));
    arena_init(&ar);
    check_event(event_with(cb, uid), &ev, &ar);
    assert_string_equal(ev.uid, uid);
    arena_release(&ar);
    client_free(cb);
}

/* The picture on identification (read on the listener's welcome thread, not its
 * loop): an incident of the last hour is there without anything happening after
 * the client connected; and clients that go away before their picture comes
 * back change nothing for the others (the picture is dropped; ASan checks that
 * nothing freed is touched). */
static void test_cot_welcome_picture(void **state)
{
    struct world *w = &g_srv->w;
    struct member a = mk_member(w->u_pd, "reporter");
    struct member b = mk_member(w->u_pd, "viewer");
    struct member q = mk_member(w->u_pd, "viewer");
    struct resp *r;
    struct client *ca, *cb;
    char *uid;
    (void)state;

    r = api_json("POST", "/api/v1/incidents", w->t_reporter,
                 json_pack("{s:s, s:i, s:s, s:s, s:s, s:{s:f, s:f}}", "category", "smuggling",
                           "severity", 2, "title", tfmt("Ghe lạ cập bến %s", uniq_word()),
                           "occurred_at", iso(time_now_ms() - 1800000), "classification",
                           "unclassified", "location", "lat", 10.25, "lon", 106.75));
    EXPECT_STATUS(r, 201);
    uid = tfmt("phoihop-incident-%s", JSTR(r->json, "ref"));
    for (int i = 0; i < 20; i++) { /* identified, then gone at once */
        struct client *cq = cot_open();
        client_puts(cq, pli_xml(q.uid, q.username, 10.3, 106.8));
        client_free(cq);
    }
    ca = connect_as(&a, 10.20, 106.70);
    cb = connect_as(&b, 10.21, 106.71);
    assert_true(client_wait(cb, uid, WAIT_MS));
    client_puts(ca, pli_xml(a.uid, "CA-Tuan-tra-2", 10.234567, 106.765432));
    assert_true(client_wait(cb, "10.234567", WAIT_MS));
    client_free(ca);
    client_free(cb);
}

static void test_cot_chat_and_marker(void **state)
{
    struct world *w = &g_srv->w;
    struct member a = mk_member(w->u_pd, "reporter");
    struct member b = mk_member(w->u_pd, "viewer");
    struct client *ca = connect_as(&a, 10.20, 106.70);
    struct client *cb = connect_as(&b, 10.21, 106.71);
    char *text = tfmt("Đã tới chốt %s", uniq_word()), *name = tfmt("Điểm nghi vấn %s", uniq_word());
    int64_t end;
    bool found = false;
    struct cot_event ev;
    struct arena ar;
    (void)state;

    client_puts(ca, chat_xml(a.uid, "CA-1", tfmt("msg-%s", uniq_word()), text));
    /* Stored: A reads it through the API ... */
    for (end = mono_ms() + WAIT_MS; !found && mono_ms() < end; pause_ms(100)) {
        json_t *items = list_items("/api/v1/messages", a.token), *it;
        size_t i;
        json_array_foreach(items, i, it)
        {
            const char *t = json_string_value(json_object_get(it, "text"));
            if (t != NULL && strcmp(t, text) == 0)
                found = true;
        }
    }
    assert_true(found);
    /* ... and B, of the same unit, gets it as GeoChat. */
    assert_true(client_wait(cb, text, WAIT_MS));
    arena_init(&ar);
    check_event(event_with(cb, text), &ev, &ar);
    assert_int_equal(ev.cls, COT_CHAT);
    assert_string_equal(ev.remarks, text);
    arena_release(&ar);

    /* A marker becomes an incident draft of A's unit. */
    client_puts(ca, marker_xml(tfmt("marker-%s", uniq_word()), name, 10.19, 106.69));
    found = false;
    for (end = mono_ms() + WAIT_MS; !found && mono_ms() < end; pause_ms(100)) {
        json_t *items = list_items("/api/v1/incident-drafts", w->t_duty), *it;
        size_t i;
        json_array_foreach(items, i, it)
        {
            const char *t = json_string_value(json_object_get(it, "title"));
            if (t != NULL && strcmp(t, name) == 0)
                found = true;
        }
    }
    assert_true(found);
    client_free(ca);
    client_free(cb);
}

/* ---- revocation ------------------------------------------------------------------------- */

/* A plain TCP connection is its device's person only while that device is active
 * and bound to that person: deactivating a lost phone cuts its live connection
 * off. The listener verifies again when the session generation moves (a logout
 * here) and every 30 s in any case. */
static void test_cot_device_revoked(void **state)
{
    struct world *w = &g_srv->w;
    struct member m = mk_member(w->u_pd, "viewer");
    struct member other = mk_member(w->u_pd, "viewer");
    struct client *c = connect_as(&m, 10.2, 106.7);
    double revoked0 = metric("phoihop_cot_cutoffs_total{reason=\"revoked\"}");
    struct resp *r;
    (void)state;

    r = api_json("PATCH", tfmt("/api/v1/devices/%lld", (long long)m.device_id), w->admin,
                 json_pack("{s:b}", "is_active", 0));
    EXPECT_STATUS(r, 200);
    EXPECT_STATUS(api_req("POST", "/api/v1/auth/logout", other.token, NULL, NULL, NULL), 204);
    assert_true(client_wait_closed(c, WAIT_MS));
    assert_true(metric("phoihop_cot_cutoffs_total{reason=\"revoked\"}") >= revoked0 + 1);
    client_free(c);
}

/* ---- hostile input ---------------------------------------------------------------------- */

/* Send payload on a fresh connection; true when the server closed it. */
static bool hostile(const char *payload, size_t len, int wait_ms)
{
    struct client *c = cot_open();
    bool closed;
    client_send(c, payload, len);
    closed = client_wait_closed(c, wait_ms);
    client_free(c);
    return closed;
}

/* The victim still works: a ping is answered. */
static void still_works(struct client *v, const char *uid)
{
    size_t before = v->n;
    client_puts(v, ping_xml(uid));
    int64_t end = mono_ms() + WAIT_MS;
    while (mono_ms() < end && (v->buf == NULL || strstr(v->buf + before, "t-x-c-t-r") == NULL))
        client_pump(v, 100);
    assert_non_null(strstr(v->buf + before, "t-x-c-t-r"));
}

static void test_cot_hostile_input(void **state)
{
    struct world *w = &g_srv->w;
    struct member v = mk_member(w->u_pd, "viewer");
    struct client *cv = connect_as(&v, 10.2, 106.7);
    int64_t now = time_now_ms();
    char *head = tfmt("version=\"2.0\" uid=\"hostile\" type=\"a-f-G-U-C\" time=\"%s\" start=\"%s\" "
                      "stale=\"%s\" how=\"m-g\"",
                      iso(now), iso(now), iso(now + 60000));
    double garbage0 = metric("phoihop_cot_cutoffs_total{reason=\"garbage\"}");
    double parse0 = metric("phoihop_cot_parse_errors_total");
    double big0 = metric("phoihop_cot_cutoffs_total{reason=\"too_big\"}");
    double flood0 = metric("phoihop_cot_cutoffs_total{reason=\"flood\"}");
    double rate0 = metric("phoihop_cot_dropped_total{reason=\"rate\"}");
    double udp0 = metric("phoihop_cot_dropped_total{reason=\"udp_rate\"}");
    char *p;
    (void)state;

    /* Billion laughs and an external entity: a DOCTYPE in the stream, cut at once. */
    p = tfmt("<?xml version=\"1.0\"?><!DOCTYPE event [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b "
             "\"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">"
             "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">]><event %s><point lat=\"1\" lon=\"1\" "
             "hae=\"0\" ce=\"0\" le=\"0\"/><detail><remarks>&d;&d;&d;&d;</remarks></detail></event>",
             head);
    assert_true(hostile(p, strlen(p), WAIT_MS));
    p = tfmt("<?xml version=\"1.0\"?><!DOCTYPE event [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
             "<event %s><point lat=\"1\" lon=\"1\" hae=\"0\" ce=\"0\" le=\"0\"/><detail><remarks>&x;"
             "</remarks></detail></event>",
             head);
    assert_true(hostile(p, strlen(p), WAIT_MS));
    assert_true(metric("phoihop_cot_cutoffs_total{reason=\"garbage\"}") >= garbage0 + 2);
    still_works(cv, v.uid);

    /* Deep nesting and a huge attribute: framed, refused by the parser, counted. */
    {
        struct client *c = cot_open();
        char *deep = tfmt("<event %s><point lat=\"1\" lon=\"1\" hae=\"0\" ce=\"0\" le=\"0\"/><detail>", head);
        for (int i = 0; i < 100; i++)
            deep = tfmt("%s<a>", deep);
        for (int i = 0; i < 100; i++)
            deep = tfmt("%s</a>", deep);
        deep = tfmt("%s</detail></event>", deep);
        client_puts(c, deep);
        {
            char *big = malloc(10001);
            assert_non_null(big);
            memset(big, 'x', 10000);
            big[10000] = '\0';
            client_puts(c, tfmt("<event %s><point lat=\"1\" lon=\"1\" hae=\"0\" ce=\"0\" le=\"0\"/>"
                                "<detail><contact callsign=\"%s\"/></detail></event>",
                                head, big));
            free(big);
        }
        client_puts(c, ping_xml("after-refusals"));
        assert_true(client_wait(c, "t-x-c-t-r", WAIT_MS)); /* refused, not cut: still served */
        client_free(c);
    }
    assert_true(metric("phoihop_cot_parse_errors_total") >= parse0 + 2);

    /* An event that never ends within COT_EVENT_MAX_BYTES. */
    {
        size_t n = COT_EVENT_MAX_BYTES + 4096;
        char *huge = malloc(n + 1);
        int len = snprintf(huge, n, "<event %s><detail><remarks>", head);
        assert_non_null(huge);
        memset(huge + len, 'y', n - (size_t)len);
        huge[n] = '\0';
        assert_true(hostile(huge, n, WAIT_MS));
        free(huge);
    }
    assert_true(metric("phoihop_cot_cutoffs_total{reason=\"too_big\"}") >= big0 + 1);
    still_works(cv, v.uid);

    /* A flood from one client: 3,000 pings at once (the default rate is 50/s). */
    {
        char *one = ping_xml("flood");
        size_t l = strlen(one), n = 3000;
        char *all = malloc(l * n + 1);
        assert_non_null(all);
        for (size_t i = 0; i < n; i++)
            memcpy(all + i * l, one, l);
        assert_true(hostile(all, l * n, WAIT_MS));
        free(all);
    }
    assert_true(metric("phoihop_cot_dropped_total{reason=\"rate\"}") > rate0);
    assert_true(metric("phoihop_cot_cutoffs_total{reason=\"flood\"}") >= flood0 + 1);
    still_works(cv, v.uid);

    /* A UDP flood from one source address: dropped over the rate, counted. */
    {
        struct sockaddr_in to;
        int fd = udp_socket(&to);
        char *one = ping_xml("udp-flood");
        for (int i = 0; i < 400; i++)
            (void)sendto(fd, one, strlen(one), 0, (struct sockaddr *)&to, sizeof(to));
        close(fd);
        for (int i = 0; i < 50 && metric("phoihop_cot_dropped_total{reason=\"udp_rate\"}") <= udp0; i++)
            pause_ms(100);
        assert_true(metric("phoihop_cot_dropped_total{reason=\"udp_rate\"}") > udp0);
    }
    still_works(cv, v.uid);
    client_free(cv);
}

/* ---- TLS ---------------------------------------------------------------------------------- */

static struct server tls_srv;

static int tls_teardown(void **state)
{
    g_srv = &g_main_srv;
    cot_teardown(state);
    if (tls_srv.pid > 0) {
        (void)srv_stop(&tls_srv);
        world_release(&tls_srv.w);
        srv_cleanup(&tls_srv);
    }
    return 0;
}

static void sh(const char *cmd)
{
    int rc = system(cmd);
    if (rc != 0)
        fail_msg("'%s' exited %d", cmd, rc);
}

/* A key and a certificate signed by dir's CA for subject subj ("/CN=x/O=y"). */
static void mk_cert_subj(const char *dir, const char *name, const char *subj)
{
    sh(tfmt("cd %s && openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
            "-keyout %s.key -out %s.csr -subj '%s' 2>/dev/null && openssl x509 -req -in %s.csr "
            "-CA ca.pem -CAkey ca.key -CAcreateserial -out %s.pem -days 2 2>/dev/null",
            dir, name, name, subj, name, name));
}

/* A key and a certificate signed by dir's CA for subject CN cn. */
static void mk_cert(const char *dir, const char *name, const char *cn)
{
    mk_cert_subj(dir, name, tfmt("/CN=%s", cn));
}

static SSL *tls_connect(SSL_CTX *ctx, int port, int *fd_out)
{
    int fd = tcp_connect(port);
    SSL *ssl = SSL_new(ctx);
    assert_non_null(ssl);
    SSL_set_fd(ssl, fd);
    *fd_out = fd;
    return ssl;
}

/* Read until needle or timeout_ms; true when found. */
static bool tls_wait(SSL *ssl, int fd, const char *needle, int timeout_ms)
{
    char buf[65536];
    size_t n = 0;
    int64_t end = mono_ms() + timeout_ms;
    while (mono_ms() < end) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r;
        if (SSL_pending(ssl) == 0 && poll(&p, 1, 100) <= 0)
            continue;
        r = SSL_read(ssl, buf + n, (int)(sizeof(buf) - 1 - n));
        if (r <= 0)
            return false;
        n += (size_t)r;
        buf[n] = '\0';
        if (strstr(buf, needle) != NULL)
            return true;
        if (n > sizeof(buf) / 2) {
            memmove(buf, buf + n / 2, n - n / 2 + 1);
            n -= n / 2;
        }
    }
    return false;
}

static void test_cot_tls_identity(void **state)
{
    const char *extra[] = {NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    char dir[300];
    char *username, *uid = tfmt("TLS-%s", uniq_word());
    int64_t person;
    SSL_CTX *ctx, *bare;
    SSL *ssl;
    int fd, port;
    struct resp *r;
    double refused0;
    (void)state;

    /* SSL_write on a connection the server refused raises SIGPIPE (OpenSSL writes
     * with write(), not send(MSG_NOSIGNAL)): a refused client must not end the run. */
    signal(SIGPIPE, SIG_IGN);
    snprintf(dir, sizeof(dir), "%s/phoihop-cot-tls-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    assert_non_null(mkdtemp(dir));
    sh(tfmt("cd %s && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
            "-keyout ca.key -out ca.pem -days 2 -subj '/CN=phoihop test CA' 2>/dev/null",
            dir));
    mk_cert(dir, "server", "127.0.0.1");
    extra[0] = "--cot-tls-listen";
    extra[1] = "127.0.0.1:0";
    extra[2] = "--cot-tls-cert";
    extra[3] = tfmt("%s/server.pem", dir);
    extra[4] = "--cot-tls-key";
    extra[5] = tfmt("%s/server.key", dir);
    extra[6] = "--cot-tls-ca";
    extra[7] = tfmt("%s/ca.pem", dir);
    extra[8] = "--cot-idle-seconds";
    extra[9] = "2";
    assert_int_equal(srv_start_args(&tls_srv, extra), 0);
    g_srv = &tls_srv;
    world_build(0);
    port = srv_cot_port(g_srv, "tls");
    assert_true(port > 0);
    person = mk_person(g_srv->w.admin, g_srv->w.u_pd, "reporter", "unclassified", &username);
    mk_cert(dir, "client", username);

    /* With the certificate: the person binds the unknown device on first use. */
    ctx = SSL_CTX_new(TLS_client_method());
    assert_non_null(ctx);
    assert_int_equal(SSL_CTX_load_verify_locations(ctx, tfmt("%s/ca.pem", dir), NULL), 1);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    assert_int_equal(SSL_CTX_use_certificate_file(ctx, tfmt("%s/client.pem", dir), SSL_FILETYPE_PEM), 1);
    assert_int_equal(SSL_CTX_use_PrivateKey_file(ctx, tfmt("%s/client.key", dir), SSL_FILETYPE_PEM), 1);
    ssl = tls_connect(ctx, port, &fd);
    assert_int_equal(SSL_connect(ssl), 1);
    {
        char *ev = pli_xml(uid, "TLS-1", 10.4, 106.4);
        char *ping = ping_xml(uid);
        assert_true(SSL_write(ssl, ev, (int)strlen(ev)) > 0);
        assert_true(SSL_write(ssl, ping, (int)strlen(ping)) > 0);
        assert_true(tls_wait(ssl, fd, "t-x-c-t-r", WAIT_MS));
    }
    assert_non_null(wait_latest(uid, 10.4, 106.4));
    r = api_get(tfmt("/api/v1/devices?q=%s", urlenc(uid)), g_srv->w.admin);
    EXPECT_STATUS(r, 200);
    assert_int_equal(json_array_size(items_of(r)), 1);
    assert_int_equal(JINT(json_array_get(items_of(r), 0), "person_id"), person);
    SSL_shutdown(ssl);
    SSL_free(ssl);
    close(fd);

    /* Without a certificate: no handshake (or, with TLS 1.3, an alert at the first read). */
    refused0 = metric("phoihop_cot_refused_total{reason=\"tls_handshake\"}");
    bare = SSL_CTX_new(TLS_client_method());
    assert_non_null(bare);
    SSL_CTX_load_verify_locations(bare, tfmt("%s/ca.pem", dir), NULL);
    ssl = tls_connect(bare, port, &fd);
    if (SSL_connect(ssl) == 1) {
        char *ev = pli_xml(uid, "TLS-2", 10.5, 106.5);
        (void)SSL_write(ssl, ev, (int)strlen(ev));
        assert_false(tls_wait(ssl, fd, "t-x-c-t-r", 2000));
    }
    SSL_free(ssl);
    close(fd);
    for (int i = 0; i < 50 && metric("phoihop_cot_refused_total{reason=\"tls_handshake\"}") <= refused0; i++)
        pause_ms(100);
    assert_true(metric("phoihop_cot_refused_total{reason=\"tls_handshake\"}") > refused0);
    SSL_CTX_free(bare);
    SSL_CTX_free(ctx);

    /* A certificate of our CA with no CN, or with two (the first a real
     * username): no identity, refused. */
    {
        static const char *const subjects[] = {"/O=phoihop", NULL};
        const char *refused = "phoihop_cot_refused_total{reason=\"tls_identity\"}";
        double identity0 = metric(refused);
        const char *two = tfmt("/CN=%s/CN=someone-else", username);
        for (int k = 0; k < 2; k++) {
            const char *subj = k == 0 ? subjects[0] : two;
            SSL_CTX *odd = SSL_CTX_new(TLS_client_method());
            assert_non_null(odd);
            mk_cert_subj(dir, "odd", subj);
            assert_int_equal(
                SSL_CTX_use_certificate_file(odd, tfmt("%s/odd.pem", dir), SSL_FILETYPE_PEM), 1);
            assert_int_equal(
                SSL_CTX_use_PrivateKey_file(odd, tfmt("%s/odd.key", dir), SSL_FILETYPE_PEM), 1);
            ssl = tls_connect(odd, port, &fd);
            if (SSL_connect(ssl) == 1) {
                char *ping = ping_xml(uid);
                (void)SSL_write(ssl, ping, (int)strlen(ping));
                if (tls_wait(ssl, fd, "t-x-c-t-r", 2000))
                    fail_msg("a certificate with subject %s was taken as a person", subj);
            }
            SSL_free(ssl);
            close(fd);
            SSL_CTX_free(odd);
        }
        for (int i = 0; i < 50 && metric(refused) < identity0 + 2; i++)
            pause_ms(100);
        assert_true(metric(refused) >= identity0 + 2);
    }

    /* A handshake that trickles in, a byte every 400 ms (never idle), is refused
     * at its deadline (here the 2 s idle timeout, shorter than 10 s). */
    {
        static const unsigned char hello[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc,
                                              0x03, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
        double hs0 = metric("phoihop_cot_refused_total{reason=\"tls_handshake\"}");
        struct client *c = calloc(1, sizeof(*c));
        int64_t start = mono_ms();
        assert_non_null(c);
        c->fd = tcp_connect(port);
        for (size_t i = 0; i < sizeof(hello) && !c->is_closed; i++) {
            client_send(c, (const char *)&hello[i], 1);
            client_pump(c, 400);
        }
        assert_true(client_wait_closed(c, 2000));
        assert_true(mono_ms() - start < 6000);
        free(c->buf);
        close(c->fd);
        free(c);
        assert_true(metric("phoihop_cot_refused_total{reason=\"tls_handshake\"}") >= hs0 + 1);
    }

    /* An idle plain connection is closed after --cot-idle-seconds. */
    {
        double idle0 = metric("phoihop_cot_cutoffs_total{reason=\"idle\"}");
        struct client *c = cot_open();
        assert_true(client_wait_closed(c, 6000));
        client_free(c);
        assert_true(metric("phoihop_cot_cutoffs_total{reason=\"idle\"}") >= idle0 + 1);
    }
    sh(tfmt("rm -rf %s", dir));
    g_srv = &g_main_srv;
    assert_int_equal(srv_stop(&tls_srv), 0);
    world_release(&tls_srv.w);
    srv_cleanup(&tls_srv);
}

/* As T(), closing the test's CoT clients too. */
#define TC(f) cmocka_unit_test_teardown(f, cot_teardown)

int run_cot_tests(void)
{
    const struct CMUnitTest tests[] = {
        TC(test_cot_capture_stream),
        TC(test_cot_udp),
        TC(test_cot_relay_by_access),
        TC(test_cot_incident_reaches_client),
        TC(test_cot_welcome_picture),
        TC(test_cot_chat_and_marker),
        TC(test_cot_device_revoked),
        TC(test_cot_hostile_input),
        cmocka_unit_test_teardown(test_cot_tls_identity, tls_teardown),
    };
    return cmocka_run_group_tests_name("cot", tests, h_group_setup, NULL);
}
