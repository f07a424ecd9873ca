/* pjson_incident.c - JSON shapes of incidents, their recipients, acknowledgements
 * and timeline, inbox items, routing rules and timeliness figures (docs/API.md).
 *
 * Decoding follows pjson.c, with its readers and loop (pjson_int.h): each member
 * of the request object is looked up in the record's table, checked for its JSON
 * type and copied (text in NFC) into the record; an unknown member or a wrong
 * type is PH_EINVAL naming the member. Values (ranges, existence, the clock) are
 * core's to check. Two members need more than a type: "category" is a code the
 * caller resolves with core (this file does no I/O), and "location" is an object
 * {"lat": number, "lon": number} or null. */
#include "util/base.h"
#include <math.h>
#include "proto/pjson.h"
#include "proto/pjson_int.h"
#include "core/access.h"
#include "core/fields.h"
#include "core/incident.h"
#include "core/routing.h"
#include "core/stats.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/time.h"

/* ---- encoding ------------------------------------------------------------------ */

static json_t *id_or_null(int64_t id)
{
    return id ? json_integer(id) : json_null();
}

/* 0 means "none" for deadlines and severity bounds: JSON null. */
static json_t *int_or_null(int64_t v)
{
    return v ? json_integer(v) : json_null();
}

static json_t *location(const struct incident *inc)
{
    if (!inc->has_location)
        return json_null();
    json_t *o = json_object();
    json_object_set_new(o, "lat", json_real(inc->lat));
    json_object_set_new(o, "lon", json_real(inc->lon));
    return o;
}

static json_t *strings_json(const char *const *s, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, fields_jstr(s[i]));
    return arr;
}

json_t *pjson_incident_recipient(const struct incident_recipient *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "unit_id", json_integer(r->unit_id));
    json_object_set_new(o, "role", fields_jstr(r->role));
    json_object_set_new(o, "unit_code", fields_jstr(r->unit_code));
    json_object_set_new(o, "unit_name", fields_jstr(r->unit_name));
    json_object_set_new(o, "force", fields_jstr(r->force));
    json_object_set_new(o, "sent_at", pjson_time(r->sent_at));
    json_object_set_new(o, "ack_due_at", pjson_time(r->ack_due_at));
    json_object_set_new(o, "verify_due_at", pjson_time(r->verify_due_at));
    json_object_set_new(o, "received_at", pjson_time(r->received_at));
    json_object_set_new(o, "received_by", id_or_null(r->received_by));
    json_object_set_new(o, "verified_at", pjson_time(r->verified_at));
    json_object_set_new(o, "verified_by", id_or_null(r->verified_by));
    json_object_set_new(o, "agreed_at", pjson_time(r->agreed_at));
    json_object_set_new(o, "agreed_by", id_or_null(r->agreed_by));
    json_object_set_new(o, "refused_at", pjson_time(r->refused_at));
    json_object_set_new(o, "refused_by", id_or_null(r->refused_by));
    json_object_set_new(o, "refused_reason", fields_jstr(r->refused_reason));
    json_object_set_new(o, "ack_overdue_at", pjson_time(r->ack_overdue_at));
    json_object_set_new(o, "verify_overdue_at", pjson_time(r->verify_overdue_at));
    json_object_set_new(o, "escalated_at", pjson_time(r->escalated_at));
    return o;
}

json_t *pjson_incident(const struct incident *inc, bool with_recipients)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(inc->id));
    json_object_set_new(o, "ref", fields_jstr(inc->ref));
    json_object_set_new(o, "category", fields_jstr(inc->category_code));
    json_object_set_new(o, "category_id", id_or_null(inc->category_id));
    json_object_set_new(o, "severity", json_integer(inc->severity));
    json_object_set_new(o, "title", fields_jstr(inc->title));
    json_object_set_new(o, "description", fields_jstr(inc->description));
    json_object_set_new(o, "occurred_at", pjson_time(inc->occurred_at));
    json_object_set_new(o, "detected_at", pjson_time(inc->detected_at));
    json_object_set_new(o, "reported_at", pjson_time(inc->reported_at));
    json_object_set_new(o, "location", location(inc));
    json_object_set_new(o, "area_id", id_or_null(inc->area_id));
    json_object_set_new(o, "reporting_unit_id", id_or_null(inc->reporting_unit_id));
    json_object_set_new(o, "lead_unit_id", id_or_null(inc->lead_unit_id));
    json_object_set_new(o, "lead_force", fields_jstr(inc->lead_force));
    json_object_set_new(o, "informed_unit_ids",
                        fields_ids_json(inc->informed_unit_ids, inc->n_informed));
    json_object_set_new(o, "people_involved", json_integer(inc->people_involved));
    json_object_set_new(o, "vehicles_involved", json_integer(inc->vehicles_involved));
    json_object_set_new(o, "vessels_involved", json_integer(inc->vessels_involved));
    json_object_set_new(o, "casualties_dead", json_integer(inc->casualties_dead));
    json_object_set_new(o, "casualties_injured", json_integer(inc->casualties_injured));
    json_object_set_new(o, "damage", fields_jstr(inc->damage));
    json_object_set_new(o, "classification", fields_jstr(clearance_name(inc->classification)));
    json_object_set_new(o, "status", fields_jstr(inc->status));
    json_object_set_new(o, "cap_status", fields_jstr(inc->cap_status));
    json_object_set_new(o, "merged_into_id", id_or_null(inc->merged_into_id));
    json_object_set_new(o, "rule_id", id_or_null(inc->rule_id));
    json_object_set_new(o, "report_due_at", pjson_time(inc->report_due_at));
    json_object_set_new(o, "report_late", json_boolean(inc->report_late));
    json_object_set_new(o, "overdue", json_boolean(inc->overdue));
    json_object_set_new(o, "created_by", id_or_null(inc->created_by));
    json_object_set_new(o, "version", json_integer(inc->version));
    json_object_set_new(o, "created_at", pjson_time(inc->created_at));
    json_object_set_new(o, "updated_at", pjson_time(inc->updated_at));
    json_object_set_new(o, "operation_id", id_or_null(inc->operation_id));
    json_object_set_new(o, "operation_log_id", id_or_null(inc->operation_log_id));
    if (with_recipients) {
        json_t *arr = json_array();
        for (size_t i = 0; i < inc->n_recipients; i++)
            json_array_append_new(arr, pjson_incident_recipient(&inc->recipients[i]));
        json_object_set_new(o, "recipients", arr);
    }
    return o;
}

/* ---- encoding straight into a buffer --------------------------------------------- */

/* GET /api/v1/incidents/{id} renders an incident with its recipients: about a
 * hundred values, which as a jansson tree are as many allocations, then a walk
 * that validates and escapes every string again. pjson_incident_write prints the
 * same bytes directly. "The same" is exact, and test_pjson_incident.c holds it to
 * that against jansson (2.14's dump.c and utf8.c): members in the order above,
 * strings escaped as jansson escapes them (", \, and control characters, with
 * upper-case \u00XX), a string that is not valid UTF-8 leaves its member out (as
 * json_object_set_new does with the NULL json_string gives), and reals as
 * "%.15g" (PJSON_DUMP_FLAGS) with ".0" added to integral values and the exponent's '+' and leading
 * zeros dropped (a non-finite real also leaves its member out). */

struct jw {
    struct buf *b;
    ph_err rc;  /* the first failure (PH_ETOOBIG) */
    bool comma; /* the next member or element needs a comma first */
};

static void jw_put(struct jw *w, const char *s, size_t n)
{
    if (w->rc == PH_OK)
        w->rc = buf_append(w->b, s, n);
}

#define JW_LIT(w, lit) jw_put((w), (lit), sizeof(lit) - 1)

static void jw_open(struct jw *w, const char *bracket)
{
    jw_put(w, bracket, 1);
    w->comma = false;
}

static void jw_close(struct jw *w, const char *bracket)
{
    jw_put(w, bracket, 1);
    w->comma = true;
}

/* The start of a member; keys are our own names, with nothing to escape. */
static void jw_key(struct jw *w, const char *key)
{
    if (w->comma)
        JW_LIT(w, ",");
    JW_LIT(w, "\"");
    jw_put(w, key, strlen(key));
    JW_LIT(w, "\":");
    w->comma = true;
}

/* The length of the UTF-8 sequence at s, 0 when jansson would refuse it: a
 * continuation or 0xC0/0xC1/0xF5.. lead byte, a missing continuation, an
 * overlong form, a surrogate or a code point above U+10FFFF. */
static size_t utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    uint32_t v;
    size_t n;

    if (c < 0x80)
        return 1;
    if (c < 0xC2)
        return 0;
    if (c < 0xE0) {
        n = 2;
        v = c & 0x1F;
    } else if (c < 0xF0) {
        n = 3;
        v = c & 0x0F;
    } else if (c < 0xF5) {
        n = 4;
        v = c & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) { /* the NUL at the end is no continuation byte */
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF) || (n == 2 && v < 0x80) ||
        (n == 3 && v < 0x800) || (n == 4 && v < 0x10000))
        return 0;
    return n;
}

static bool utf8_ok(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p != '\0') {
        size_t n = utf8_len(p);
        if (n == 0)
            return false;
        p += n;
    }
    return true;
}

/* s (valid UTF-8) as a JSON string; runs of plain bytes go out in one piece. */
static void jw_string(struct jw *w, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    const char *run = s, *p = s;

    JW_LIT(w, "\"");
    for (; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;
        char esc[6] = {'\\', 0, '0', '0', 0, 0};
        size_t n = 2;
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        jw_put(w, run, (size_t)(p - run));
        run = p + 1;
        switch (c) {
        case '"':
        case '\\':
            esc[1] = (char)c;
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default:
            esc[1] = 'u';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            n = 6;
        }
        jw_put(w, esc, n);
    }
    jw_put(w, run, (size_t)(p - run));
    JW_LIT(w, "\"");
}

/* A string member (null for NULL); left out when s is not valid UTF-8. */
static void jw_str_member(struct jw *w, const char *key, const char *s)
{
    if (s != NULL && !utf8_ok(s))
        return;
    jw_key(w, key);
    if (s == NULL)
        JW_LIT(w, "null");
    else
        jw_string(w, s);
}

static void jw_i64(struct jw *w, int64_t v)
{
    char tmp[24], *end = tmp + sizeof(tmp), *p = end;
    /* Through uint64_t: -INT64_MIN does not fit an int64_t. */
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        *--p = '-';
    jw_put(w, p, (size_t)(end - p));
}

static void jw_int_member(struct jw *w, const char *key, int64_t v)
{
    jw_key(w, key);
    jw_i64(w, v);
}

/* An id, or null for 0 (id_or_null). */
static void jw_id_member(struct jw *w, const char *key, int64_t id)
{
    jw_key(w, key);
    if (id)
        jw_i64(w, id);
    else
        JW_LIT(w, "null");
}

static void jw_bool_member(struct jw *w, const char *key, bool v)
{
    jw_key(w, key);
    if (v)
        JW_LIT(w, "true");
    else
        JW_LIT(w, "false");
}

/* pjson_time: RFC 3339, or null for 0. */
static void jw_time_member(struct jw *w, const char *key, int64_t ms)
{
    char t[TIME_RFC3339_BYTES];
    jw_key(w, key);
    if (ms == 0) {
        JW_LIT(w, "null");
        return;
    }
    time_format_utc(ms, t);
    JW_LIT(w, "\"");
    jw_put(w, t, strlen(t));
    JW_LIT(w, "\"");
}

static void jw_real_member(struct jw *w, const char *key, double v)
{
    char t[40], *e;
    int n;
    if (!isfinite(v))
        return;
    n = snprintf(t, sizeof(t), "%.15g", v);
    if (n < 0 || (size_t)n + 3 > sizeof(t)) {
        w->rc = PH_EIO;
        return;
    }
    if (strchr(t, '.') == NULL && strchr(t, 'e') == NULL) {
        memcpy(t + n, ".0", 3);
        n += 2;
    }
    /* As jansson: "1e+22" -> "1e22", "1e-07" -> "1e-7". */
    e = strchr(t, 'e');
    if (e != NULL) {
        char *start = e + 1, *end = start + 1;
        if (*start == '-')
            start++;
        while (*end == '0')
            end++;
        if (end != start) {
            memmove(start, end, strlen(end) + 1);
            n = (int)strlen(t);
        }
    }
    jw_key(w, key);
    jw_put(w, t, (size_t)n);
}

static void jw_recipient(struct jw *w, const struct incident_recipient *r)
{
    jw_open(w, "{");
    jw_int_member(w, "unit_id", r->unit_id);
    jw_str_member(w, "role", r->role);
    jw_str_member(w, "unit_code", r->unit_code);
    jw_str_member(w, "unit_name", r->unit_name);
    jw_str_member(w, "force", r->force);
    jw_time_member(w, "sent_at", r->sent_at);
    jw_time_member(w, "ack_due_at", r->ack_due_at);
    jw_time_member(w, "verify_due_at", r->verify_due_at);
    jw_time_member(w, "received_at", r->received_at);
    jw_id_member(w, "received_by", r->received_by);
    jw_time_member(w, "verified_at", r->verified_at);
    jw_id_member(w, "verified_by", r->verified_by);
    jw_time_member(w, "agreed_at", r->agreed_at);
    jw_id_member(w, "agreed_by", r->agreed_by);
    jw_time_member(w, "refused_at", r->refused_at);
    jw_id_member(w, "refused_by", r->refused_by);
    jw_str_member(w, "refused_reason", r->refused_reason);
    jw_time_member(w, "ack_overdue_at", r->ack_overdue_at);
    jw_time_member(w, "verify_overdue_at", r->verify_overdue_at);
    jw_time_member(w, "escalated_at", r->escalated_at);
    jw_close(w, "}");
}

ph_err pjson_incident_write(const struct incident *inc, bool with_recipients, struct buf *out)
{
    struct jw w = {.b = out, .rc = PH_OK, .comma = false};

    jw_open(&w, "{");
    jw_int_member(&w, "id", inc->id);
    jw_str_member(&w, "ref", inc->ref);
    jw_str_member(&w, "category", inc->category_code);
    jw_id_member(&w, "category_id", inc->category_id);
    jw_int_member(&w, "severity", inc->severity);
    jw_str_member(&w, "title", inc->title);
    jw_str_member(&w, "description", inc->description);
    jw_time_member(&w, "occurred_at", inc->occurred_at);
    jw_time_member(&w, "detected_at", inc->detected_at);
    jw_time_member(&w, "reported_at", inc->reported_at);
    jw_key(&w, "location");
    if (inc->has_location) {
        jw_open(&w, "{");
        jw_real_member(&w, "lat", inc->lat);
        jw_real_member(&w, "lon", inc->lon);
        jw_close(&w, "}");
    } else {
        JW_LIT(&w, "null");
    }
    jw_id_member(&w, "area_id", inc->area_id);
    jw_id_member(&w, "reporting_unit_id", inc->reporting_unit_id);
    jw_id_member(&w, "lead_unit_id", inc->lead_unit_id);
    jw_str_member(&w, "lead_force", inc->lead_force);
    jw_key(&w, "informed_unit_ids");
    jw_open(&w, "[");
    for (size_t i = 0; i < inc->n_informed; i++) {
        if (i > 0)
            JW_LIT(&w, ",");
        jw_i64(&w, inc->informed_unit_ids[i]);
    }
    jw_close(&w, "]");
    jw_int_member(&w, "people_involved", inc->people_involved);
    jw_int_member(&w, "vehicles_involved", inc->vehicles_involved);
    jw_int_member(&w, "vessels_involved", inc->vessels_involved);
    jw_int_member(&w, "casualties_dead", inc->casualties_dead);
    jw_int_member(&w, "casualties_injured", inc->casualties_injured);
    jw_str_member(&w, "damage", inc->damage);
    jw_str_member(&w, "classification", clearance_name(inc->classification));
    jw_str_member(&w, "status", inc->status);
    jw_str_member(&w, "cap_status", inc->cap_status);
    jw_id_member(&w, "merged_into_id", inc->merged_into_id);
    jw_id_member(&w, "rule_id", inc->rule_id);
    jw_time_member(&w, "report_due_at", inc->report_due_at);
    jw_bool_member(&w, "report_late", inc->report_late);
    jw_bool_member(&w, "overdue", inc->overdue);
    jw_id_member(&w, "created_by", inc->created_by);
    jw_int_member(&w, "version", inc->version);
    jw_time_member(&w, "created_at", inc->created_at);
    jw_time_member(&w, "updated_at", inc->updated_at);
    jw_id_member(&w, "operation_id", inc->operation_id);
    jw_id_member(&w, "operation_log_id", inc->operation_log_id);
    if (with_recipients) {
        jw_key(&w, "recipients");
        jw_open(&w, "[");
        for (size_t i = 0; i < inc->n_recipients; i++) {
            if (i > 0)
                JW_LIT(&w, ",");
            jw_recipient(&w, &inc->recipients[i]);
        }
        jw_close(&w, "]");
    }
    jw_close(&w, "}");
    return w.rc;
}

json_t *pjson_incident_ack(const struct incident_ack *a)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(a->id));
    json_object_set_new(o, "incident_id", json_integer(a->incident_id));
    json_object_set_new(o, "unit_id", id_or_null(a->unit_id));
    json_object_set_new(o, "stage", fields_jstr(a->stage));
    json_object_set_new(o, "note", fields_jstr(a->note));
    json_object_set_new(o, "at", pjson_time(a->at));
    json_object_set_new(o, "on_time", json_boolean(a->on_time));
    json_object_set_new(o, "person_id", id_or_null(a->person_id));
    json_object_set_new(o, "person_name", fields_jstr(a->person_name));
    return o;
}

json_t *pjson_incident_event(const struct incident_event *e)
{
    json_t *o = json_object();
    json_t *detail = e->detail != NULL ? json_loads(e->detail, 0, NULL) : NULL;
    json_object_set_new(o, "id", json_integer(e->id));
    json_object_set_new(o, "incident_id", json_integer(e->incident_id));
    json_object_set_new(o, "at", pjson_time(e->at));
    json_object_set_new(o, "kind", fields_jstr(e->kind));
    json_object_set_new(o, "unit_id", id_or_null(e->unit_id));
    json_object_set_new(o, "person_id", id_or_null(e->person_id));
    json_object_set_new(o, "person_name", fields_jstr(e->person_name));
    json_object_set_new(o, "detail", detail != NULL ? detail : json_null());
    return o;
}

json_t *pjson_inbox_item(const struct incident_inbox_item *it)
{
    json_t *o = json_object();
    json_object_set_new(o, "incident", pjson_incident(&it->inc, false));
    json_object_set_new(o, "recipient", pjson_incident_recipient(&it->rcpt));
    json_object_set_new(o, "awaiting", fields_jstr(it->awaiting));
    json_object_set_new(o, "due_at", pjson_time(it->due_at));
    json_object_set_new(o, "overdue", json_boolean(it->overdue));
    return o;
}

json_t *pjson_routing_rule(const struct routing_rule *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(r->id));
    json_object_set_new(o, "name", fields_jstr(r->name));
    json_object_set_new(o, "priority", json_integer(r->priority));
    json_object_set_new(o, "is_active", json_boolean(r->is_active));
    json_object_set_new(o, "category_id", id_or_null(r->category_id));
    json_object_set_new(o, "severity_min", int_or_null(r->severity_min));
    json_object_set_new(o, "severity_max", int_or_null(r->severity_max));
    json_object_set_new(o, "area_id", id_or_null(r->area_id));
    json_object_set_new(o, "area_kind", fields_jstr(r->area_kind));
    json_object_set_new(o, "lead_force", fields_jstr(r->lead_force));
    json_object_set_new(o, "inform_forces", strings_json(r->inform_forces, r->n_inform_forces));
    json_object_set_new(o, "inform_unit_ids",
                        fields_ids_json(r->inform_unit_ids, r->n_inform_units));
    json_object_set_new(o, "report_deadline_min", int_or_null(r->report_deadline_min));
    json_object_set_new(o, "ack_deadline_min", int_or_null(r->ack_deadline_min));
    json_object_set_new(o, "verify_deadline_min", int_or_null(r->verify_deadline_min));
    json_object_set_new(o, "fallback_unit_id", id_or_null(r->fallback_unit_id));
    json_object_set_new(o, "version", json_integer(r->version));
    json_object_set_new(o, "created_at", pjson_time(r->created_at));
    json_object_set_new(o, "updated_at", pjson_time(r->updated_at));
    return o;
}

/* part / whole, or null when there is no whole. */
static json_t *share(int64_t part, int64_t whole)
{
    return whole > 0 ? json_real((double)part / (double)whole) : json_null();
}

json_t *pjson_timeliness(const struct stats_timeliness *t)
{
    json_t *o = json_object();
    json_object_set_new(o, "unit_id", id_or_null(t->unit_id));
    json_object_set_new(o, "unit_name", fields_jstr(t->unit_name));
    json_object_set_new(o, "force", fields_jstr(t->force));
    json_object_set_new(o, "reports", json_integer(t->reports));
    json_object_set_new(o, "reports_on_time", json_integer(t->reports_on_time));
    json_object_set_new(o, "reports_on_time_share", share(t->reports_on_time, t->reports));
    json_object_set_new(o, "acks", json_integer(t->acks));
    json_object_set_new(o, "acks_on_time", json_integer(t->acks_on_time));
    json_object_set_new(o, "acks_on_time_share", share(t->acks_on_time, t->acks));
    json_object_set_new(o, "report_delay_p50_ms", json_integer(t->report_delay_p50_ms));
    json_object_set_new(o, "report_delay_p90_ms", json_integer(t->report_delay_p90_ms));
    json_object_set_new(o, "ack_delay_p50_ms", json_integer(t->ack_delay_p50_ms));
    json_object_set_new(o, "ack_delay_p90_ms", json_integer(t->ack_delay_p90_ms));
    return o;
}

/* ---- decoding: records --------------------------------------------------------- */

/* {"lat": number, "lon": number} (both, nothing else) or null for no location;
 * at is the whole struct incident. */
static ph_err get_location(json_t *v, struct arena *a, void *at)
{
    struct incident *inc = at;
    (void)a;
    if (json_is_null(v)) {
        inc->has_location = false;
        inc->lat = inc->lon = 0;
        return PH_OK;
    }
    json_t *lat = json_object_get(v, "lat"), *lon = json_object_get(v, "lon");
    if (!json_is_object(v) || json_object_size(v) != 2 || !json_is_number(lat) ||
        !json_is_number(lon))
        return PH_EINVAL;
    inc->has_location = true;
    inc->lat = json_number_value(lat);
    inc->lon = json_number_value(lon);
    return PH_OK;
}

/* Member tables (pjson_int.h); "category" is the caller's slot. */
/* clang-format off */
static const struct pjson_member incident_members[] = {
    PJSON_M_SLOT("category"),
    PJSON_M_ID(incident, category_id),
    PJSON_M_INT(incident, severity),
    PJSON_M_TEXT(incident, title),
    PJSON_M_TEXT_OR_NULL(incident, description),
    PJSON_M_TIME(incident, occurred_at),
    PJSON_M_TIME_OR_NULL(incident, detected_at),
    {.name = "location", .kind = PJSON_KIND_CUSTOM, .off = 0, .read = get_location},
    PJSON_M_ID_OR_NULL(incident, area_id),
    PJSON_M_FIXED_ID_OR_NULL(incident, reporting_unit_id),
    PJSON_M_FIXED_IDS(incident, informed_unit_ids, n_informed),
    PJSON_M_INT(incident, people_involved),
    PJSON_M_INT(incident, vehicles_involved),
    PJSON_M_INT(incident, vessels_involved),
    PJSON_M_INT(incident, casualties_dead),
    PJSON_M_INT(incident, casualties_injured),
    PJSON_M_TEXT_OR_NULL(incident, damage),
    PJSON_M_CLEARANCE(incident, classification),
    PJSON_M_TEXT(incident, cap_status),
    PJSON_M_ID(incident, version),
    PJSON_M_READ_ONLY("id"),
    PJSON_M_READ_ONLY("ref"),
    PJSON_M_READ_ONLY("status"),
    PJSON_M_READ_ONLY("lead_unit_id"),
    PJSON_M_READ_ONLY("lead_force"),
    PJSON_M_READ_ONLY("reported_at"),
    PJSON_M_READ_ONLY("merged_into_id"),
    PJSON_M_READ_ONLY("rule_id"),
    PJSON_M_READ_ONLY("report_due_at"),
    PJSON_M_READ_ONLY("report_late"),
    PJSON_M_READ_ONLY("overdue"),
    PJSON_M_READ_ONLY("recipients"),
    PJSON_M_READ_ONLY("created_by"),
    PJSON_M_READ_ONLY("created_at"),
    PJSON_M_READ_ONLY("updated_at"),
    PJSON_M_READ_ONLY("operation_id"),
    PJSON_M_READ_ONLY("operation_log_id"),
};

static const struct pjson_member rule_members[] = {
    PJSON_M_TEXT(routing_rule, name),
    PJSON_M_INT(routing_rule, priority),
    PJSON_M_BOOL(routing_rule, is_active),
    PJSON_M_ID_OR_NULL(routing_rule, category_id),
    PJSON_M_INT_OR_NULL(routing_rule, severity_min),
    PJSON_M_INT_OR_NULL(routing_rule, severity_max),
    PJSON_M_ID_OR_NULL(routing_rule, area_id),
    PJSON_M_TEXT_OR_NULL(routing_rule, area_kind),
    PJSON_M_TEXT_OR_NULL(routing_rule, lead_force),
    PJSON_M_STRINGS(routing_rule, inform_forces, n_inform_forces),
    PJSON_M_IDS(routing_rule, inform_unit_ids, n_inform_units),
    PJSON_M_INT_OR_NULL(routing_rule, report_deadline_min),
    PJSON_M_INT_OR_NULL(routing_rule, ack_deadline_min),
    PJSON_M_INT_OR_NULL(routing_rule, verify_deadline_min),
    PJSON_M_ID_OR_NULL(routing_rule, fallback_unit_id),
    PJSON_M_ID(routing_rule, version),
    PJSON_M_READ_ONLY("id"),
    PJSON_M_READ_ONLY("created_at"),
    PJSON_M_READ_ONLY("updated_at"),
};
/* clang-format on */

/* pjson_apply_members, and a body that is not an object is PH_EINVAL on "body". */
static ph_err apply(json_t *obj, struct arena *a, void *rec, const struct pjson_member *members,
                    size_t n_members, bool creating, const char **category_code, const char **field)
{
    if (!json_is_object(obj)) {
        *field = "body";
        return PH_EINVAL;
    }
    return pjson_apply_members(obj, a, rec, members, n_members, creating, category_code, field);
}

ph_err pjson_apply_incident(json_t *obj, struct arena *a, struct incident *inout, bool creating,
                            const char **category_code, const char **field)
{
    ph_err rc;

    *category_code = NULL; /* absent unless the object has it */
    rc = apply(obj, a, inout, incident_members, PH_NELEM(incident_members), creating,
               category_code, field);
    /* A new location without an area means "find the area of the new place":
     * the one stored for the old location would be wrong (core resolves 0). */
    if (rc == PH_OK && json_object_get(obj, "location") != NULL &&
        json_object_get(obj, "area_id") == NULL)
        inout->area_id = 0;
    return rc;
}

ph_err pjson_apply_routing_rule(json_t *obj, struct arena *a, struct routing_rule *inout,
                                const char **field)
{
    return apply(obj, a, inout, rule_members, PH_NELEM(rule_members), true, NULL, field);
}

/* ---- decoding: action bodies --------------------------------------------------- */

ph_err pjson_apply_incident_action(json_t *obj, struct arena *a, unsigned allowed,
                                   struct pjson_incident_action *out, const char **field)
{
    const char *key;
    json_t *v;

    memset(out, 0, sizeof(*out));
    if (!json_is_object(obj)) {
        *field = "body";
        return PH_EINVAL;
    }
    json_object_foreach (obj, key, v) {
        ph_err rc = PH_EINVAL;
        if (strcmp(key, "status") == 0 && (allowed & PJSON_ACT_STATUS))
            rc = pjson_get_text(v, a, false, &out->status);
        else if (strcmp(key, "note") == 0 && (allowed & PJSON_ACT_NOTE))
            rc = pjson_get_text(v, a, true, &out->note);
        else if (strcmp(key, "stage") == 0 && (allowed & PJSON_ACT_STAGE))
            rc = pjson_get_text(v, a, false, &out->stage);
        else if (strcmp(key, "lead_unit_id") == 0 && (allowed & PJSON_ACT_LEAD_UNIT))
            rc = pjson_get_id(v, false, &out->lead_unit_id);
        else if (strcmp(key, "into_id") == 0 && (allowed & PJSON_ACT_INTO))
            rc = pjson_get_id(v, false, &out->into_id);
        else if (strcmp(key, "unit_id") == 0 && (allowed & PJSON_ACT_UNIT))
            rc = pjson_get_id(v, true, &out->unit_id);
        else if (strcmp(key, "version") == 0 && (allowed & PJSON_ACT_VERSION))
            rc = pjson_get_id(v, false, &out->version);
        if (rc != PH_OK) {
            *field = arena_strdup(a, key);
            return rc;
        }
    }
    return PH_OK;
}
