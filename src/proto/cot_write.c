/* cot_write.c - phoihop's objects as CoT events for TAK clients (docs/COT.md has
 * the profile: which type each object becomes and why).
 *
 * Every event written validates against the MITRE base event schema
 * (cot-base-event-public.xsd): version 2.0, a type of dash-separated letters and
 * digits, how "m-g" (a device's GPS) or "h-e" (a place a person entered), times
 * in UTC with milliseconds and Z, <point> with decimal (never exponent) numbers
 * and 9999999.0 for what is unknown, then <detail> with TAK's elements. Text is
 * escaped for its place (attribute or element), bytes that are not UTF-8 become
 * U+FFFD and control characters XML forbids are dropped, so no stored text can
 * break the XML. A failed write leaves the buffer as it was. */
#include "util/base.h"
#include <math.h>
#include <jansson.h>
#include "proto/cot.h"
#include "core/incident.h"
#include "core/operation.h"
#include "events/livepos.h"
#include "util/buf.h"
#include "util/time.h"

#define COT_UNKNOWN_TEXT "9999999.0"
/* A callsign is a map label: titles are cut to this many bytes. */
#define COT_LABEL_MAX_BYTES 60
/* Routes and shapes are thinned to this many vertices, so that an event stays
 * well under COT_EVENT_MAX_BYTES (ours and other servers' limits alike). */
#define COT_WRITE_MAX_POINTS 250
/* ARGB colours as TAK writes them (signed 32-bit). */
#define ARGB_WHITE -1
#define ARGB_YELLOW -256
#define ARGB_ORANGE -23296
#define ARGB_RED -65536
#define ARGB_BLUE -16776961

/* An event being appended to b; the first failure sticks. */
struct w {
    struct buf *b;
    size_t start;
    ph_err rc;
};

static void put(struct w *w, const char *s)
{
    if (w->rc == PH_OK)
        w->rc = buf_puts(w->b, s);
}

static void putn(struct w *w, const char *s, size_t n)
{
    if (w->rc == PH_OK && n > 0)
        w->rc = buf_append(w->b, s, n);
}

static void putf(struct w *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct w *w, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(tmp)) {
        if (w->rc == PH_OK)
            w->rc = PH_EINVAL;
        return;
    }
    putn(w, tmp, (size_t)n);
}

/* Length of the well-formed UTF-8 sequence at p (XML characters only), 0 if none. */
static size_t utf8_len(const unsigned char *p)
{
    unsigned c = p[0];
    if (c >= 0xc2 && c <= 0xdf)
        return (p[1] & 0xc0) == 0x80 ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
        if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
            return 0;
        unsigned cp = (c & 0x0f) << 12 | (p[1] & 0x3fu) << 6 | (p[2] & 0x3fu);
        if (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff)
            return 0;
        return 3;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 || (p[3] & 0xc0) != 0x80)
            return 0;
        unsigned cp = (c & 0x07) << 18 | (p[1] & 0x3fu) << 12 | (p[2] & 0x3fu) << 6 | (p[3] & 0x3fu);
        return cp >= 0x10000 && cp <= 0x10ffff ? 4 : 0;
    }
    return 0;
}

/* s escaped for an attribute value in double quotes (in_attr) or for element
 * text; at most max bytes of s (a label), cut on a character boundary. */
static void esc_n(struct w *w, const char *s, size_t max, bool in_attr)
{
    const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
    const unsigned char *run = p, *stop = p + strnlen((const char *)p, max);

    while (p < stop) {
        const char *rep = NULL;
        size_t skip = 1;
        unsigned c = *p;
        if (c >= 0x80) {
            size_t k = utf8_len(p);
            if (k == 0) {
                rep = "\xef\xbf\xbd"; /* U+FFFD for a byte that is not UTF-8 */
            } else if (p + k > stop) {
                rep = ""; /* a character cut by max: dropped */
                skip = (size_t)(stop - p);
            } else {
                skip = k;
            }
        } else if (c == '&') {
            rep = "&amp;";
        } else if (c == '<') {
            rep = "&lt;";
        } else if (c == '>') {
            rep = "&gt;";
        } else if (c == '"' && in_attr) {
            rep = "&quot;";
        } else if (c == '\n' && in_attr) {
            rep = "&#10;"; /* a literal newline would be normalised to a space */
        } else if (c == '\r') {
            rep = "&#13;";
        } else if (c == '\t' && in_attr) {
            rep = "&#9;";
        } else if (c < 0x20 && c != '\n' && c != '\t') {
            rep = ""; /* not an XML 1.0 character at all */
        }
        if (rep != NULL) {
            putn(w, (const char *)run, (size_t)(p - run));
            put(w, rep);
            run = p + skip;
        }
        p += skip;
    }
    putn(w, (const char *)run, (size_t)(p - run));
}

static void attr(struct w *w, const char *name, const char *value)
{
    put(w, " ");
    put(w, name);
    put(w, "=\"");
    esc_n(w, value, SIZE_MAX, true);
    put(w, "\"");
}

/* A CoT time: "2026-11-28T23:34:05.120Z", always with milliseconds. */
static void cot_time(int64_t ms, char out[TIME_RFC3339_BYTES])
{
    time_format_utc(ms, out);
    if (strchr(out, '.') == NULL) {
        size_t n = strlen(out); /* ends in 'Z' */
        memcpy(out + n - 1, ".000Z", 6);
    }
}

/* The declaration, <event ...>, <point .../> and <detail>. hae NaN: unknown. */
static void head(struct w *w, const char *uid, const char *type, const char *how, int64_t time,
                 int64_t start, int64_t stale, double lat, double lon, double hae)
{
    char t[TIME_RFC3339_BYTES];

    put(w, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>");
    put(w, "<event version=\"2.0\"");
    attr(w, "uid", uid);
    attr(w, "type", type);
    attr(w, "how", how);
    cot_time(time, t);
    attr(w, "time", t);
    cot_time(start, t);
    attr(w, "start", t);
    cot_time(stale > start ? stale : start, t);
    attr(w, "stale", t);
    putf(w, "><point lat=\"%.7f\" lon=\"%.7f\"", lat, lon);
    if (isfinite(hae) && fabs(hae) < 1e6)
        putf(w, " hae=\"%.2f\"", hae);
    else
        put(w, " hae=\"" COT_UNKNOWN_TEXT "\"");
    put(w, " ce=\"" COT_UNKNOWN_TEXT "\" le=\"" COT_UNKNOWN_TEXT "\"/><detail>");
}

static void begin(struct w *w, struct buf *b)
{
    w->b = b;
    w->start = b->len;
    w->rc = PH_OK;
}

/* Close the event; on any failure (or an event over the bound) undo it. */
static ph_err finish(struct w *w)
{
    put(w, "</detail></event>");
    if (w->rc == PH_OK && w->b->len - w->start > COT_EVENT_MAX_BYTES)
        w->rc = PH_ETOOBIG;
    if (w->rc != PH_OK) {
        w->b->len = w->start;
        if (w->b->data != NULL)
            w->b->data[w->start] = '\0';
    }
    return w->rc;
}

static bool lat_lon_ok(double lat, double lon)
{
    return isfinite(lat) && isfinite(lon) && lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180;
}

/* The schema's \w+(-\w+)*, in ASCII. */
static bool type_ok(const char *t)
{
    size_t seg = 0;
    if (t == NULL || *t == '\0')
        return false;
    for (; *t; t++) {
        if (*t == '-') {
            if (seg == 0)
                return false;
            seg = 0;
        } else if ((*t >= 'a' && *t <= 'z') || (*t >= 'A' && *t <= 'Z') || (*t >= '0' && *t <= '9')) {
            seg++;
        } else {
            return false;
        }
    }
    return seg > 0;
}

/* <contact callsign="..."/> with a label: prefix (when not NULL), " · ", and the
 * title cut to COT_LABEL_MAX_BYTES on a character boundary. */
static void label(struct w *w, const char *prefix, const char *title)
{
    size_t n = title != NULL ? strlen(title) : 0;
    if (n > COT_LABEL_MAX_BYTES) {
        n = COT_LABEL_MAX_BYTES;
        while (n > 0 && ((unsigned char)title[n] & 0xc0) == 0x80)
            n--;
    }
    put(w, "<contact callsign=\"");
    if (prefix != NULL) {
        esc_n(w, prefix, SIZE_MAX, true);
        if (n > 0)
            put(w, " \xc2\xb7 ");
    }
    esc_n(w, title, n, true);
    if (title != NULL && n < strlen(title))
        put(w, "\xe2\x80\xa6");
    put(w, "\"/>");
}

/* ---- positions ------------------------------------------------------------------- */

/* TAK team colours by force (docs/COT.md), so the three forces tell apart. */
static const char *team_of(const char *force)
{
    if (force == NULL)
        return "White";
    if (strcmp(force, "police") == 0)
        return "Yellow";
    if (strcmp(force, "military") == 0)
        return "Green";
    if (strcmp(force, "border_guard") == 0)
        return "Dark Green";
    return "White";
}

ph_err cot_write_position(struct buf *b, const struct livepos_fix *f, const char *type, int64_t now,
                          int64_t stale_ms)
{
    struct w w;
    char uid[48];

    if (!lat_lon_ok(f->lat, f->lon))
        return PH_EINVAL;
    if (f->uid == NULL || f->uid[0] == '\0') {
        snprintf(uid, sizeof(uid), "phoihop-device-%lld", (long long)f->device_id);
    }
    const char *u = f->uid != NULL && f->uid[0] != '\0' ? f->uid : uid;
    begin(&w, b);
    /* Only an atom type is a position: anything else would change what it is. */
    head(&w, u, type_ok(type) && strncmp(type, "a-", 2) == 0 ? type : "a-f-G-U-C", "m-g", f->at, f->at, now + stale_ms, f->lat,
         f->lon, f->alt);
    /* endpoint "*:-1:stcp": reachable through the server it came from, as iTAK
     * says it, so that clients send direct chat through us. */
    put(&w, "<contact");
    attr(&w, "callsign", f->callsign != NULL && f->callsign[0] != '\0' ? f->callsign : u);
    put(&w, " endpoint=\"*:-1:stcp\"/><uid");
    attr(&w, "Droid", f->callsign != NULL && f->callsign[0] != '\0' ? f->callsign : u);
    put(&w, "/><__group");
    attr(&w, "name", team_of(f->force));
    put(&w, " role=\"Team Member\"/>");
    if (f->battery >= 0 && f->battery <= 100)
        putf(&w, "<status battery=\"%d\"/>", f->battery);
    if ((isfinite(f->speed) && f->speed >= 0) || (isfinite(f->course) && f->course >= 0)) {
        putf(&w, "<track speed=\"%.2f\" course=\"%.2f\"/>",
             isfinite(f->speed) && f->speed >= 0 && f->speed < 1e6 ? f->speed : 0.0,
             isfinite(f->course) && f->course >= 0 && f->course <= 360 ? f->course : 0.0);
    }
    return finish(&w);
}

/* ---- incidents ------------------------------------------------------------------- */

static const char *severity_vi(int s)
{
    static const char *const names[] = {"thấp", "trung bình", "cao", "nghiêm trọng"};
    return s >= 1 && s <= 4 ? names[s - 1] : "không rõ";
}

static const char *incident_status_vi(const char *s)
{
    static const char *const map[][2] = {
        {"new", "mới"},
        {"acknowledged", "đã tiếp nhận"},
        {"responding", "đang xử lý"},
        {"resolved", "đã giải quyết"},
        {"closed", "đã đóng"},
        {"transferred", "đã chuyển"},
        {"merged", "đã gộp"},
    };
    for (size_t i = 0; s != NULL && i < PH_NELEM(map); i++)
        if (strcmp(s, map[i][0]) == 0)
            return map[i][1];
    return s != NULL ? s : "không rõ";
}

static int severity_argb(int s)
{
    return s >= 4 ? ARGB_RED : s == 3 ? ARGB_ORANGE : s == 2 ? ARGB_YELLOW : ARGB_WHITE;
}

ph_err cot_write_incident(struct buf *b, const struct incident *inc, int64_t now, int64_t stale_ms)
{
    struct w w;
    char uid[80];
    int argb = severity_argb(inc->severity);

    if (!inc->has_location || !lat_lon_ok(inc->lat, inc->lon))
        return PH_EINVAL;
    if (inc->ref != NULL && inc->ref[0] != '\0')
        snprintf(uid, sizeof(uid), "phoihop-incident-%.*s", INCIDENT_REF_MAX_BYTES, inc->ref);
    else
        snprintf(uid, sizeof(uid), "phoihop-incident-%lld", (long long)inc->id);
    begin(&w, b);
    head(&w, uid, "b-m-p-s-m", "h-e", now, now, now + stale_ms, inc->lat, inc->lon, NAN);
    label(&w, inc->ref, inc->title);
    put(&w, "<remarks>Vụ việc ");
    esc_n(&w, inc->ref, SIZE_MAX, false);
    put(&w, ": ");
    esc_n(&w, inc->title, SIZE_MAX, false);
    put(&w, "\nLoại: ");
    esc_n(&w, inc->category_code != NULL ? inc->category_code : "không rõ", SIZE_MAX, false);
    putf(&w, "\nMức độ: %d (", inc->severity);
    put(&w, severity_vi(inc->severity));
    put(&w, ")\nTrạng thái: ");
    esc_n(&w, incident_status_vi(inc->status), SIZE_MAX, false);
    if (inc->cap_status != NULL && strcmp(inc->cap_status, "exercise") == 0)
        put(&w, "\nDiễn tập");
    else if (inc->cap_status != NULL && strcmp(inc->cap_status, "test") == 0)
        put(&w, "\nThử nghiệm");
    put(&w, "</remarks>");
    putf(&w, "<color argb=\"%d\"/><usericon iconsetpath=\"COT_MAPPING_SPOTMAP/b-m-p-s-m/%d\"/>", argb,
         argb);
    return finish(&w);
}

/* ---- operations ------------------------------------------------------------------ */

struct vertex {
    double lat, lon;
};

/* A GeoJSON position [lon, lat, ...] in range. */
static bool read_position(json_t *p, struct vertex *v)
{
    json_t *lon = json_array_get(p, 0), *lat = json_array_get(p, 1);
    if (!json_is_number(lon) || !json_is_number(lat))
        return false;
    v->lon = json_number_value(lon);
    v->lat = json_number_value(lat);
    return lat_lon_ok(v->lat, v->lon);
}

/* The positions of arr, thinned evenly to COT_WRITE_MAX_POINTS (first and last
 * kept, so a closed ring stays closed). *n = 0 on any bad position. */
static struct vertex *read_line(json_t *arr, size_t *n)
{
    size_t total = json_array_size(arr), k = total < COT_WRITE_MAX_POINTS ? total : COT_WRITE_MAX_POINTS;
    struct vertex *v = k > 0 ? calloc(k, sizeof(*v)) : NULL;

    *n = 0;
    if (v == NULL)
        return NULL;
    for (size_t i = 0; i < k; i++) {
        size_t j = k == 1 ? 0 : i * (total - 1) / (k - 1);
        if (!read_position(json_array_get(arr, j), &v[i])) {
            free(v);
            return NULL;
        }
    }
    *n = k;
    return v;
}

static const char *kind_vi(const char *k)
{
    if (k != NULL && strcmp(k, OPERATION_PATROL) == 0)
        return "Tuần tra";
    if (k != NULL && strcmp(k, OPERATION_CONTROL) == 0)
        return "Kiểm soát";
    if (k != NULL && strcmp(k, OPERATION_CHECKPOINT) == 0)
        return "Chốt chặn";
    return "Hoạt động";
}

static const char *operation_status_vi(const char *s)
{
    static const char *const map[][2] = {
        {OPERATION_PLANNED, "kế hoạch"},
        {OPERATION_ACTIVE, "đang thực hiện"},
        {OPERATION_COMPLETED, "đã kết thúc"},
        {OPERATION_CANCELLED, "đã hủy"},
    };
    for (size_t i = 0; s != NULL && i < PH_NELEM(map); i++)
        if (strcmp(s, map[i][0]) == 0)
            return map[i][1];
    return s != NULL ? s : "không rõ";
}

static const char *domain_vi(const char *d)
{
    if (d != NULL && strcmp(d, "river") == 0)
        return "trên sông";
    if (d != NULL && strcmp(d, "sea") == 0)
        return "trên biển";
    return "trên bộ";
}

static int kind_argb(const char *k)
{
    if (k != NULL && strcmp(k, OPERATION_CHECKPOINT) == 0)
        return ARGB_RED;
    if (k != NULL && strcmp(k, OPERATION_CONTROL) == 0)
        return ARGB_ORANGE;
    return ARGB_BLUE;
}

static void operation_remarks(struct w *w, const struct operation *o)
{
    char from[TIME_RFC3339_BYTES], to[TIME_RFC3339_BYTES];

    put(w, "<remarks>");
    put(w, kind_vi(o->kind));
    if (o->is_joint)
        put(w, " liên hợp");
    put(w, " ");
    put(w, domain_vi(o->domain));
    put(w, ": ");
    esc_n(w, o->title, SIZE_MAX, false);
    put(w, "\nTrạng thái: ");
    esc_n(w, operation_status_vi(o->status), SIZE_MAX, false);
    if (o->planned_start > 0 && o->planned_end > 0) {
        time_format_vn(o->planned_start, from);
        time_format_vn(o->planned_end, to);
        put(w, "\nKế hoạch: ");
        put(w, from);
        put(w, " \xe2\x80\x93 ");
        put(w, to);
    }
    put(w, "</remarks>");
}

/* A route (b-m-r) as ATAK draws one: its vertices as <link> waypoints (first and
 * last b-m-p-w, the rest b-m-p-c), then the route's attributes. */
static void write_route(struct w *w, const struct operation *o, const char *uid, const struct vertex *v,
                        size_t n, int64_t now, int64_t stale_ms)
{
    bool water = o->domain != NULL && (strcmp(o->domain, "river") == 0 || strcmp(o->domain, "sea") == 0);
    int argb = kind_argb(o->kind);

    head(w, uid, "b-m-r", "h-e", now, now, now + stale_ms, v[0].lat, v[0].lon, NAN);
    for (size_t i = 0; i < n; i++) {
        bool end = i == 0 || i == n - 1;
        putf(w, "<link uid=\"%s.%zu\" callsign=\"", uid, i);
        put(w, i == 0 ? "Điểm đầu" : i == n - 1 ? "Điểm cuối" : "");
        putf(w, "\" type=\"%s\" point=\"%.7f,%.7f\" remarks=\"\" relation=\"c\"/>",
             end ? "b-m-p-w" : "b-m-p-c", v[i].lat, v[i].lon);
    }
    putf(w, "<link_attr planningmethod=\"Infil\" color=\"%d\" method=\"%s\" prefix=\"CP\" "
            "type=\"%s\" stroke=\"3\" direction=\"Infil\" routetype=\"Primary\" "
            "order=\"Ascending Check Points\"/>",
         argb, water ? "Watercraft" : "Driving", water ? "Watercraft" : "Vehicle");
    putf(w, "<strokeColor value=\"%d\"/><strokeWeight value=\"3.0\"/>", argb);
    put(w, "<__routeinfo><__navcues/></__routeinfo>");
    label(w, NULL, o->title);
    operation_remarks(w, o);
    putf(w, "<labels_on value=\"false\"/><color value=\"%d\"/>", argb);
}

/* An area as ATAK's free-form drawing shape (u-d-f): the ring as <link point>. */
static void write_shape(struct w *w, const struct operation *o, const char *uid, const struct vertex *v,
                        size_t n, int64_t now, int64_t stale_ms)
{
    double min_lat = 90, max_lat = -90, min_lon = 180, max_lon = -180;
    int argb = kind_argb(o->kind);

    for (size_t i = 0; i < n; i++) {
        min_lat = fmin(min_lat, v[i].lat);
        max_lat = fmax(max_lat, v[i].lat);
        min_lon = fmin(min_lon, v[i].lon);
        max_lon = fmax(max_lon, v[i].lon);
    }
    head(w, uid, "u-d-f", "h-e", now, now, now + stale_ms, (min_lat + max_lat) / 2,
         (min_lon + max_lon) / 2, NAN);
    for (size_t i = 0; i < n; i++)
        putf(w, "<link point=\"%.7f,%.7f\"/>", v[i].lat, v[i].lon);
    /* Fill: the stroke colour at about a third opacity. */
    putf(w, "<strokeColor value=\"%d\"/><strokeWeight value=\"3.0\"/><fillColor value=\"%d\"/>", argb,
         (int)(((unsigned)argb & 0x00ffffffu) | 0x60000000u));
    label(w, NULL, o->title);
    operation_remarks(w, o);
    put(w, "<labels_on value=\"true\"/>");
}

static void write_point(struct w *w, const struct operation *o, const char *uid, const struct vertex *v,
                        int64_t now, int64_t stale_ms)
{
    int argb = kind_argb(o->kind);

    head(w, uid, "b-m-p-c", "h-e", now, now, now + stale_ms, v->lat, v->lon, NAN);
    label(w, NULL, o->title);
    operation_remarks(w, o);
    putf(w, "<color argb=\"%d\"/>", argb);
}

ph_err cot_write_operation(struct buf *b, const struct operation *o, int64_t now, int64_t stale_ms)
{
    struct w w;
    char uid[48];
    json_error_t jerr;
    json_t *g = o->geometry != NULL ? json_loads(o->geometry, JSON_REJECT_DUPLICATES, &jerr) : NULL;
    const char *type = json_string_value(json_object_get(g, "type"));
    json_t *coords = json_object_get(g, "coordinates");
    struct vertex *v = NULL, pt;
    size_t n = 0;
    ph_err rc = PH_EINVAL;

    snprintf(uid, sizeof(uid), "phoihop-operation-%lld", (long long)o->id);
    begin(&w, b);
    if (type == NULL) {
        goto out;
    } else if (strcmp(type, "LineString") == 0) {
        if ((v = read_line(coords, &n)) == NULL || n < 2)
            goto out;
        write_route(&w, o, uid, v, n, now, stale_ms);
    } else if (strcmp(type, "Polygon") == 0) {
        if ((v = read_line(json_array_get(coords, 0), &n)) == NULL || n < 4)
            goto out;
        write_shape(&w, o, uid, v, n, now, stale_ms);
    } else if (strcmp(type, "Point") == 0) {
        if (!read_position(coords, &pt))
            goto out;
        write_point(&w, o, uid, &pt, now, stale_ms);
    } else {
        goto out;
    }
    rc = finish(&w);
out:
    free(v);
    json_decref(g);
    return rc;
}

/* ---- keep-alive ------------------------------------------------------------------ */

ph_err cot_write_pong(struct buf *b, int64_t now)
{
    struct w w;

    begin(&w, b);
    /* "takPong", as TAK servers answer; stale soon: it means nothing later. */
    head(&w, "takPong", "t-x-c-t-r", "h-g-i-g-o", now, now, now + 20000, 0, 0, NAN);
    return finish(&w);
}
