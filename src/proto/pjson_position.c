/* pjson_position.c - JSON shapes of devices and positions (docs/API.md,
 * "Positions and devices").
 *
 * A batch of reports (POST /api/v1/positions):
 *   {"positions": [{"uid": "ANDROID-3f2a", "callsign": "BP-12", "time":
 *     "2026-03-02T01:30:00Z", "lat": 10.245, "lon": 106.375, "speed": 4.2,
 *     "course": 270, "alt": 3.5, "battery": 81}, ...]}
 * "time" is RFC 3339 or an integer of UTC ms; speed m/s, course degrees true,
 * alt metres (WGS84 ellipsoid), battery percent; the optional members may be
 * null. The body is refused whole only when it is not such a batch (400, field
 * "positions"); each report that is not an object, has a member of the wrong
 * JSON type or one we do not know is refused alone, naming that member, and
 * the others go on. Ranges are core's to check (position_validate).
 *
 * Answers: devices as JSON objects; the latest positions and tracks as GeoJSON
 * (RFC 7946) FeatureCollections. A track is one LineString Feature per device
 * (a Point for a single fix) with "times": UTC ms of each coordinate, in order
 * (integers: a 12-hour track at 10 s is 4,320 of them, and ms are what a map
 * animates with). Tracks are written straight into a buffer (pjson_track_write):
 * thousands of coordinates would otherwise cost a jansson object each. */
#include "util/base.h"
#include <inttypes.h>
#include <math.h>
#include "proto/pjson.h"
#include "proto/pjson_int.h"
#include "core/fields.h"
#include "core/position.h"
#include "events/livepos.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/time.h"

/* ---- decoding a batch -------------------------------------------------------------- */

static ph_err get_number(json_t *v, bool nullable, double *out)
{
    if (json_is_null(v) && nullable) {
        *out = NAN;
        return PH_OK;
    }
    if (!json_is_number(v))
        return PH_EINVAL;
    *out = json_number_value(v);
    return isfinite(*out) ? PH_OK : PH_EINVAL;
}

/* "time": RFC 3339 text, or UTC ms as an integer. */
static ph_err get_time_or_ms(json_t *v, int64_t *out)
{
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return PH_OK;
    }
    return pjson_get_time(v, false, out);
}

/* One report: PH_OK, or PH_EINVAL with *field naming the member. */
static ph_err decode_report(json_t *item, struct arena *a, struct position_report *r,
                            const char **field)
{
    const char *key;
    json_t *v;
    bool has_uid = false, has_time = false, has_lat = false, has_lon = false;

    *r = (struct position_report){.speed = NAN, .course = NAN, .alt = NAN, .battery = -1,
                                  .source = POSITION_SOURCE_API};
    if (!json_is_object(item)) {
        *field = "positions";
        return PH_EINVAL;
    }
    json_object_foreach(item, key, v)
    {
        ph_err rc;
        *field = NULL;
        if (strcmp(key, "uid") == 0) {
            rc = pjson_get_text(v, a, false, &r->uid);
            has_uid = true;
            *field = "uid";
        } else if (strcmp(key, "callsign") == 0) {
            rc = pjson_get_text(v, a, true, &r->callsign);
            *field = "callsign";
        } else if (strcmp(key, "time") == 0) {
            rc = get_time_or_ms(v, &r->at);
            has_time = true;
            *field = "time";
        } else if (strcmp(key, "lat") == 0) {
            rc = get_number(v, false, &r->lat);
            has_lat = true;
            *field = "lat";
        } else if (strcmp(key, "lon") == 0) {
            rc = get_number(v, false, &r->lon);
            has_lon = true;
            *field = "lon";
        } else if (strcmp(key, "speed") == 0) {
            rc = get_number(v, true, &r->speed);
            *field = "speed";
        } else if (strcmp(key, "course") == 0) {
            rc = get_number(v, true, &r->course);
            *field = "course";
        } else if (strcmp(key, "alt") == 0) {
            rc = get_number(v, true, &r->alt);
            *field = "alt";
        } else if (strcmp(key, "battery") == 0) {
            int b = -1;
            rc = json_is_null(v) ? PH_OK : pjson_get_int(v, false, &b);
            r->battery = b;
            *field = "battery";
        } else {
            *field = arena_strdup(a, key);
            rc = PH_EINVAL;
        }
        if (rc != PH_OK)
            return PH_EINVAL;
    }
    *field = !has_uid ? "uid" : !has_time ? "time" : !has_lat ? "lat" : !has_lon ? "lon" : NULL;
    return *field == NULL ? PH_OK : PH_EINVAL;
}

ph_err pjson_position_batch(json_t *obj, struct arena *a, size_t max, struct position_report **reports,
                            const char ***bad, size_t *n, const char **field)
{
    const char *key;
    json_t *v, *arr = NULL;
    size_t count;

    *field = "positions";
    if (!json_is_object(obj))
        return PH_EPARSE;
    json_object_foreach(obj, key, v)
    {
        if (strcmp(key, "positions") != 0) {
            *field = arena_strdup(a, key);
            return PH_EINVAL;
        }
        arr = v;
    }
    *field = "positions";
    if (!json_is_array(arr))
        return PH_EPARSE;
    count = json_array_size(arr);
    if (count == 0)
        return PH_EINVAL;
    if (count > max)
        return PH_ETOOBIG;
    *reports = arena_alloc(a, count * sizeof(**reports));
    *bad = arena_zalloc(a, count * sizeof(**bad));
    for (size_t i = 0; i < count; i++) {
        const char *f = NULL;
        if (decode_report(json_array_get(arr, i), a, &(*reports)[i], &f) != PH_OK)
            (*bad)[i] = f != NULL ? f : "positions";
    }
    *n = count;
    return PH_OK;
}

/* ---- devices ----------------------------------------------------------------------- */

static json_t *real_or_null(double v)
{
    return isnan(v) ? json_null() : json_real(v);
}

static json_t *id_or_null(int64_t id)
{
    return id != 0 ? json_integer(id) : json_null();
}

json_t *pjson_device(const struct device *d)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(d->id));
    json_object_set_new(o, "uid", fields_jstr(d->uid));
    json_object_set_new(o, "callsign", fields_jstr(d->callsign));
    json_object_set_new(o, "kind", fields_jstr(d->kind));
    json_object_set_new(o, "person_id", id_or_null(d->person_id));
    json_object_set_new(o, "person_name", fields_jstr(d->person_name));
    json_object_set_new(o, "unit_id", id_or_null(d->unit_id));
    json_object_set_new(o, "asset_id", id_or_null(d->asset_id));
    json_object_set_new(o, "is_active", json_boolean(d->is_active));
    if (d->last_at > 0) {
        json_object_set_new(
            o, "last",
            json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "at", pjson_time(d->last_at), "lat",
                      real_or_null(d->last_lat), "lon", real_or_null(d->last_lon), "speed",
                      real_or_null(d->last_speed), "course", real_or_null(d->last_course), "alt",
                      real_or_null(d->last_alt), "battery",
                      d->last_battery >= 0 ? json_integer(d->last_battery) : json_null()));
    } else {
        json_object_set_new(o, "last", json_null());
    }
    json_object_set_new(o, "version", json_integer(d->version));
    json_object_set_new(o, "created_at", pjson_time(d->created_at));
    json_object_set_new(o, "updated_at", pjson_time(d->updated_at));
    return o;
}

static const struct pjson_member device_members[] = {
    {.name = "uid", .kind = PJSON_KIND_FIXED, .off = PJSON_FIELD_AT(device, uid, const char *),
     .kind_create = PJSON_KIND_TEXT},
    PJSON_M_TEXT_OR_NULL(device, callsign),
    PJSON_M_TEXT(device, kind),
    PJSON_M_ID_OR_NULL(device, person_id),
    PJSON_M_ID(device, unit_id),
    PJSON_M_ID_OR_NULL(device, asset_id),
    PJSON_M_BOOL(device, is_active),
    PJSON_M_READ_ONLY("id"),
    PJSON_M_READ_ONLY("person_name"),
    PJSON_M_READ_ONLY("last"),
    PJSON_M_READ_ONLY("version"),
    PJSON_M_READ_ONLY("created_at"),
    PJSON_M_READ_ONLY("updated_at"),
};

ph_err pjson_apply_device(json_t *obj, struct arena *a, struct device *inout, bool creating,
                          const char **field)
{
    return pjson_apply_members(obj, a, inout, device_members, PH_NELEM(device_members), creating,
                               NULL, field);
}

/* ---- GeoJSON -------------------------------------------------------------------------- */

json_t *pjson_positions_latest(const struct device *items, size_t n)
{
    json_t *fc = json_object(), *features = json_array();

    for (size_t i = 0; i < n; i++) {
        const struct device *d = &items[i];
        json_t *props = json_object();
        json_object_set_new(props, "device_id", json_integer(d->id));
        json_object_set_new(props, "uid", fields_jstr(d->uid));
        json_object_set_new(props, "callsign", fields_jstr(d->callsign));
        json_object_set_new(props, "unit_id", id_or_null(d->unit_id));
        json_object_set_new(props, "person_id", id_or_null(d->person_id));
        json_object_set_new(props, "person", fields_jstr(d->person_name));
        json_object_set_new(props, "at", pjson_time(d->last_at));
        json_object_set_new(props, "speed", real_or_null(d->last_speed));
        json_object_set_new(props, "course", real_or_null(d->last_course));
        json_object_set_new(props, "alt", real_or_null(d->last_alt));
        json_object_set_new(props, "battery",
                            d->last_battery >= 0 ? json_integer(d->last_battery) : json_null());
        json_array_append_new(
            features, json_pack("{s:s, s:{s:s, s:[f, f]}, s:o}", "type", "Feature", "geometry",
                                "type", "Point", "coordinates", d->last_lon, d->last_lat,
                                "properties", props));
    }
    json_object_set_new(fc, "type", json_string("FeatureCollection"));
    json_object_set_new(fc, "features", features);
    return fc;
}

/* A JSON string of s (quotes, backslashes and control characters escaped; the
 * text is clean UTF-8, as everything stored is), or null. */
static ph_err put_str(struct buf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    const char *run;
    ph_err rc;

    if (s == NULL)
        return buf_puts(b, "null");
    rc = buf_append(b, "\"", 1);
    for (run = s; rc == PH_OK && *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        char esc[6] = {'\\', (char)c, 0, 0, 0, 0};
        size_t len = 2;
        if (c < 0x20) {
            memcpy(esc, "\\u00", 4);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            len = 6;
        }
        rc = buf_append(b, run, (size_t)(s - run));
        if (rc == PH_OK)
            rc = buf_append(b, esc, len);
        run = s + 1;
    }
    if (rc == PH_OK)
        rc = buf_append(b, run, (size_t)(s - run));
    return rc == PH_OK ? buf_append(b, "\"", 1) : rc;
}

/* A real as JSON: 15 significant digits (as PJSON_DUMP_FLAGS), null for NaN. */
static ph_err put_real(struct buf *b, double v)
{
    return isfinite(v) ? buf_printf(b, "%.15g", v) : buf_puts(b, "null");
}

static ph_err put_time(struct buf *b, int64_t ms)
{
    char t[TIME_RFC3339_BYTES];

    if (ms == 0)
        return buf_puts(b, "null");
    time_format_utc(ms, t);
    return buf_printf(b, "\"%s\"", t);
}

/* Digits of v (>= 0) written backwards from end; returns the first. */
static char *digits_back(char *end, uint64_t v)
{
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    return end;
}

/* A stored coordinate (a whole number of 1e-7 degree, migration 008) as the
 * shortest decimal that reads back as it: printf's %.15g gives the same text
 * at a tenth of the cost, which a track of thousands of points feels. */
static size_t put_e7(char *out, double deg)
{
    int64_t v = llround(deg * 1e7);
    uint64_t a = v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;
    uint64_t whole = a / 10000000u, frac = a % 10000000u;
    char tmp[40], *end = tmp + sizeof(tmp), *p;
    int fd = 7;

    while (fd > 0 && frac % 10 == 0) { /* trailing zeros go */
        frac /= 10;
        fd--;
    }
    p = end;
    if (fd > 0) {
        for (int i = 0; i < fd; i++) {
            *--p = (char)('0' + frac % 10);
            frac /= 10;
        }
        *--p = '.';
    }
    p = digits_back(p, whole);
    if (v < 0)
        *--p = '-';
    memcpy(out, p, (size_t)(end - p));
    return (size_t)(end - p);
}

static size_t put_i64(char *out, int64_t v)
{
    char tmp[24], *end = tmp + sizeof(tmp), *p;
    uint64_t a = v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;

    p = digits_back(end, a);
    if (v < 0)
        *--p = '-';
    memcpy(out, p, (size_t)(end - p));
    return (size_t)(end - p);
}

ph_err pjson_track_write(int64_t operation_id, const struct position_track *tracks, size_t n,
                         struct buf *out)
{
    char item[96];
    size_t written = 0;
    ph_err rc = buf_printf(out, "{\"type\":\"FeatureCollection\",\"operation_id\":%" PRId64
                                ",\"features\":[",
                           operation_id);

    for (size_t i = 0; rc == PH_OK && i < n; i++) {
        const struct position_track *t = &tracks[i];
        bool line = t->n_points > 1;
        if (t->n_points == 0)
            continue;
        rc = buf_printf(out, "%s{\"type\":\"Feature\",\"geometry\":{\"type\":\"%s\",\"coordinates\":%s",
                        written++ > 0 ? "," : "", line ? "LineString" : "Point", line ? "[" : "");
        for (size_t k = 0; rc == PH_OK && k < t->n_points; k++) {
            size_t len = 0;
            if (k > 0)
                item[len++] = ',';
            item[len++] = '[';
            len += put_e7(item + len, t->points[k].lon);
            item[len++] = ',';
            len += put_e7(item + len, t->points[k].lat);
            item[len++] = ']';
            rc = buf_append(out, item, len);
        }
        if (rc == PH_OK)
            rc = buf_printf(out, "%s},\"properties\":{\"device_id\":%" PRId64 ",\"uid\":",
                            line ? "]" : "", t->device_id);
        if (rc == PH_OK)
            rc = put_str(out, t->uid);
        if (rc == PH_OK)
            rc = buf_puts(out, ",\"callsign\":");
        if (rc == PH_OK)
            rc = put_str(out, t->callsign);
        if (rc == PH_OK)
            rc = t->person_id != 0 ? buf_printf(out, ",\"person_id\":%" PRId64, t->person_id)
                                   : buf_puts(out, ",\"person_id\":null");
        if (rc == PH_OK)
            rc = buf_puts(out, ",\"person_name\":");
        if (rc == PH_OK)
            rc = put_str(out, t->person_name);
        if (rc == PH_OK)
            rc = buf_printf(out, ",\"n_points\":%zu,\"start\":", t->n_points);
        if (rc == PH_OK)
            rc = put_time(out, t->points[0].at);
        if (rc == PH_OK)
            rc = buf_puts(out, ",\"end\":");
        if (rc == PH_OK)
            rc = put_time(out, t->points[t->n_points - 1].at);
        if (rc == PH_OK)
            rc = buf_puts(out, ",\"times\":[");
        for (size_t k = 0; rc == PH_OK && k < t->n_points; k++) {
            size_t len = 0;
            if (k > 0)
                item[len++] = ',';
            len += put_i64(item + len, t->points[k].at);
            rc = buf_append(out, item, len);
        }
        if (rc == PH_OK)
            rc = buf_puts(out, "]}}");
    }
    return rc == PH_OK ? buf_puts(out, "]}") : rc;
}

ph_err pjson_fix_write(const struct livepos_fix *f, struct buf *out)
{
    ph_err rc = buf_printf(out, "{\"device_id\":%" PRId64 ",\"uid\":", f->device_id);

    if (rc == PH_OK)
        rc = put_str(out, f->uid);
    if (rc == PH_OK)
        rc = buf_puts(out, ",\"callsign\":");
    if (rc == PH_OK)
        rc = put_str(out, f->callsign);
    if (rc == PH_OK)
        rc = buf_printf(out, ",\"unit_id\":%" PRId64 ",\"person_id\":", f->unit_id);
    if (rc == PH_OK)
        rc = f->person_id != 0 ? buf_printf(out, "%" PRId64, f->person_id) : buf_puts(out, "null");
    if (rc == PH_OK)
        rc = buf_puts(out, ",\"at\":");
    if (rc == PH_OK)
        rc = put_time(out, f->at);
    if (rc == PH_OK)
        rc = buf_puts(out, ",\"lat\":");
    if (rc == PH_OK)
        rc = put_real(out, f->lat);
    if (rc == PH_OK)
        rc = buf_puts(out, ",\"lon\":");
    if (rc == PH_OK)
        rc = put_real(out, f->lon);
    if (rc == PH_OK)
        rc = buf_puts(out, ",\"speed\":");
    if (rc == PH_OK)
        rc = put_real(out, f->speed);
    if (rc == PH_OK)
        rc = buf_puts(out, ",\"course\":");
    if (rc == PH_OK)
        rc = put_real(out, f->course);
    if (rc == PH_OK)
        rc = buf_puts(out, ",\"alt\":");
    if (rc == PH_OK)
        rc = put_real(out, f->alt);
    if (rc == PH_OK)
        rc = f->battery >= 0 ? buf_printf(out, ",\"battery\":%d", f->battery)
                             : buf_puts(out, ",\"battery\":null");
    if (rc == PH_OK)
        rc = buf_puts(out, ",\"source\":");
    if (rc == PH_OK)
        rc = put_str(out, f->source);
    return rc == PH_OK ? buf_puts(out, "}") : rc;
}
