/* position.c - position reports (core/position.h): validation, the batch the
 * writer stores (binding unknown devices to their sender), an operation's
 * track and the latest position of every device. Devices themselves are in
 * device.c, retention in retention.c.
 *
 * A batch meets the same few devices again and again (a client sends its own
 * fixes, the CoT listener those of its connections), so each device is looked
 * up once per batch (a small hash table by uid in the job's arena), and its
 * latest position is moved once, at the end, to the newest fix stored. */
#include "util/base.h"
#include <jansson.h>
#include <math.h>
#include "core/access.h"
#include "core/audit.h"
#include "core/ctx.h"
#include "core/fields.h"
#include "core/operation.h"
#include "core/outbox.h"
#include "core/position.h"
#include "core/position_int.h"
#include "core/unit.h"
#include "events/livepos.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/text.h"

/* Plausible ranges: the fastest thing that reports is a helicopter; altitudes
 * from a mine shaft to an aircraft's ceiling. */
#define SPEED_MAX_MS 500.0
#define ALT_MIN_M (-1000.0)
#define ALT_MAX_M 100000.0

/* ---- validation ------------------------------------------------------------------ */

static ph_err invalid(const char **field, const char *name)
{
    if (field != NULL)
        *field = name;
    return PH_EINVAL;
}

static bool in_range(double v, double lo, double hi)
{
    return isfinite(v) && v >= lo && v <= hi;
}

/* One line of clean UTF-8: no control character at all. */
static bool is_one_line(const char *s, size_t n)
{
    if (!text_is_clean_utf8(s, n))
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20)
            return false;
    return true;
}

static bool is_import(const char *source)
{
    return source != NULL && strcmp(source, POSITION_SOURCE_IMPORT) == 0;
}

ph_err position_validate(const struct core_ctx *cx, const struct position_report *r,
                         const char **field)
{
    if (!position_uid_valid(r->uid))
        return invalid(field, "uid");
    if (r->callsign != NULL) {
        size_t n = strlen(r->callsign);
        if (n == 0 || n > POSITION_CALLSIGN_MAX_BYTES || !is_one_line(r->callsign, n))
            return invalid(field, "callsign");
    }
    if (r->at <= 0 || r->at > cx->now_ms + POSITION_FUTURE_SKEW_MS)
        return invalid(field, "time");
    if (!is_import(r->source) && r->at < cx->now_ms - POSITION_MAX_AGE_MS)
        return invalid(field, "time");
    if (!in_range(r->lat, -90, 90))
        return invalid(field, "lat");
    if (!in_range(r->lon, -180, 180))
        return invalid(field, "lon");
    if (r->lat == 0 && r->lon == 0) /* "null island": a receiver with no fix */
        return invalid(field, "lat");
    if (!isnan(r->speed) && !in_range(r->speed, 0, SPEED_MAX_MS))
        return invalid(field, "speed");
    if (!isnan(r->course) && !in_range(r->course, 0, 360))
        return invalid(field, "course");
    if (!isnan(r->alt) && !in_range(r->alt, ALT_MIN_M, ALT_MAX_M))
        return invalid(field, "alt");
    if (r->battery < -1 || r->battery > 100)
        return invalid(field, "battery");
    return PH_OK;
}

/* ---- the batch -------------------------------------------------------------------- */

/* A device met in this batch. */
struct seen {
    const char *uid;
    ph_err rc;          /* PH_OK, or why every report of this uid is refused */
    struct device d;
    const char *force;  /* its unit's */
    bool has_last;
    struct position_point last; /* the newest fix stored in this batch */
};

struct batch {
    struct core_ctx *cx;
    struct seen *seen;
    size_t n_seen;
    uint32_t *slots; /* index + 1 into seen; 0: empty */
    size_t n_slots;  /* a power of two, at least twice the reports */
};

static uint32_t hash_uid(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* The slot of uid: its device's, or the empty one where it would go. */
static uint32_t *slot_of(struct batch *b, const char *uid)
{
    size_t mask = b->n_slots - 1, i = hash_uid(uid) & mask;

    while (b->slots[i] != 0 && strcmp(b->seen[b->slots[i] - 1].uid, uid) != 0)
        i = (i + 1) & mask;
    return &b->slots[i];
}

/* Bind the unknown uid to the caller (who has a person and a unit). */
static ph_err bind_device(struct core_ctx *cx, const struct position_report *r, struct seen *e)
{
    struct device d = {0};
    struct access_item item;
    int64_t id = 0;
    ph_err rc;

    d.uid = e->uid;
    d.callsign = NULL;
    if (r->callsign != NULL &&
        fields_clean_text(cx->arena, r->callsign, POSITION_CALLSIGN_MAX_BYTES, false,
                          &d.callsign) != PH_OK)
        d.callsign = NULL;
    d.kind = r->source != NULL && strcmp(r->source, POSITION_SOURCE_COT) == 0 ? "tak" : "phone";
    d.person_id = cx->user->person_id;
    d.unit_id = cx->user->unit_id;
    d.is_active = true;
    d.version = 1;
    d.created_at = d.updated_at = cx->now_ms;
    rc = store_device_insert(cx->st, &d, position_search_key(cx->arena, d.uid, d.callsign), &id);
    if (rc == PH_OK)
        rc = audit_record(cx, "device.create", "device", id,
                          json_pack("{s:o, s:o, s:s, s:I, s:I, s:s}", "uid", fields_jstr(d.uid),
                                    "callsign", fields_jstr(d.callsign), "kind", d.kind,
                                    "person_id", (json_int_t)d.person_id, "unit_id",
                                    (json_int_t)d.unit_id, "bound_by", "report"));
    if (rc == PH_OK)
        rc = store_device_get(cx->st, cx->arena, id, &e->d);
    if (rc == PH_OK) {
        position_device_item(&e->d, e->force, &item);
        rc = outbox_emit_scoped(cx, "device.created", "device", id,
                                json_pack("{s:I, s:o, s:o, s:I, s:I}", "id", (json_int_t)id, "uid",
                                          fields_jstr(e->d.uid), "callsign",
                                          fields_jstr(e->d.callsign), "person_id",
                                          (json_int_t)e->d.person_id, "unit_id",
                                          (json_int_t)e->d.unit_id),
                                &item);
    }
    return rc;
}

/* May the caller report for d? (core/position.h: bound to the caller, or the
 * anonymous door reporting a device bound beforehand.) A unit's own device
 * (person 0) takes reports from the people of its unit, the units above and
 * the units below (a commune's team carrying the district's tracker). */
static ph_err may_report(const struct core_user *who, const struct device *d)
{
    if (!d->is_active)
        return PH_EPERM;
    if (who->is_system || who->person_id == 0)
        return PH_OK;
    if (d->person_id != 0)
        return d->person_id == who->person_id ? PH_OK : PH_EPERM;
    if (access_path_covers(d->unit_path, who->unit_path) ||
        access_path_covers(who->unit_path, d->unit_path))
        return PH_OK;
    return PH_EPERM;
}

/* The device of report r, found, bound or refused (e->rc), once per batch. */
static ph_err find_device(struct batch *b, const struct position_report *r, struct seen **out)
{
    struct core_ctx *cx = b->cx;
    uint32_t *slot = slot_of(b, r->uid);
    struct seen *e;
    struct unit u;
    ph_err rc;

    if (*slot != 0) {
        *out = &b->seen[*slot - 1];
        return PH_OK;
    }
    e = &b->seen[b->n_seen];
    memset(e, 0, sizeof(*e));
    e->uid = arena_strdup(cx->arena, r->uid);
    rc = store_device_get_by_uid(cx->st, cx->arena, r->uid, &e->d);
    if (rc == PH_ENOTFOUND) {
        if (cx->user->person_id == 0 || cx->user->is_system) {
            e->rc = PH_ENOTFOUND; /* nobody to bind it to */
            rc = PH_OK;
        } else if (cx->user->unit_id == 0) {
            e->rc = PH_EPERM; /* a person without a unit reports for no unit */
            rc = PH_OK;
        } else {
            rc = store_unit_get(cx->st, cx->arena, cx->user->unit_id, &u);
            if (rc == PH_OK) {
                e->force = u.force;
                rc = bind_device(cx, r, e);
            }
        }
    } else if (rc == PH_OK) {
        e->rc = may_report(cx->user, &e->d);
        if (e->rc == PH_OK) {
            rc = store_unit_get(cx->st, cx->arena, e->d.unit_id, &u);
            if (rc == PH_OK)
                e->force = u.force;
        }
    }
    if (rc != PH_OK)
        return rc;
    *slot = (uint32_t)++b->n_seen;
    *out = e;
    return PH_OK;
}

/* The report's new callsign, when it brings one (NFC, and different). */
static ph_err take_callsign(struct core_ctx *cx, const struct position_report *r, struct seen *e)
{
    const char *cs = NULL;

    if (r->callsign == NULL || fields_clean_text(cx->arena, r->callsign,
                                                 POSITION_CALLSIGN_MAX_BYTES, false, &cs) != PH_OK ||
        cs == NULL || fields_str_eq(cs, e->d.callsign))
        return PH_OK;
    e->d.callsign = cs;
    return store_device_set_callsign(cx->st, e->d.id, cs,
                                     position_search_key(cx->arena, e->d.uid, cs));
}

ph_err position_ingest(struct core_ctx *cx, const struct position_report *reports, size_t n,
                       struct position_result *results, struct livepos_fix **fixes,
                       size_t *n_fixes)
{
    struct batch b = {.cx = cx};
    struct livepos_fix *out = NULL;
    size_t n_out = 0;
    ph_err rc = PH_OK;

    if (n == 0) {
        if (fixes != NULL) {
            *fixes = NULL;
            *n_fixes = 0;
        }
        return PH_OK;
    }
    b.seen = arena_alloc(cx->arena, n * sizeof(*b.seen));
    for (b.n_slots = 16; b.n_slots < 2 * n; b.n_slots *= 2)
        ;
    b.slots = arena_zalloc(cx->arena, b.n_slots * sizeof(*b.slots));
    if (fixes != NULL)
        out = arena_alloc(cx->arena, n * sizeof(*out));

    for (size_t i = 0; i < n && rc == PH_OK; i++) {
        const struct position_report *r = &reports[i];
        struct position_result *res = &results[i];
        struct seen *e = NULL;
        bool stored = false;

        memset(res, 0, sizeof(*res));
        res->rc = position_validate(cx, r, &res->field);
        if (res->rc != PH_OK)
            continue;
        rc = find_device(&b, r, &e);
        if (rc != PH_OK)
            break;
        if (e->rc != PH_OK) {
            res->rc = e->rc;
            res->field = "uid";
            continue;
        }
        res->device_id = e->d.id;
        rc = take_callsign(cx, r, e);
        struct position_point p = {.at = r->at, .lat = r->lat, .lon = r->lon, .speed = r->speed,
                                   .course = r->course, .alt = r->alt, .battery = r->battery};
        if (rc == PH_OK)
            rc = store_position_insert(cx->st, e->d.id, &p, &stored);
        if (rc != PH_OK || !stored)
            continue; /* a duplicate is stored once, and published once */
        if (!e->has_last || p.at > e->last.at) {
            e->has_last = true;
            e->last = p;
        }
        if (out != NULL)
            out[n_out++] = (struct livepos_fix){
                .device_id = e->d.id, .uid = e->d.uid, .callsign = e->d.callsign,
                .person_id = e->d.person_id, .unit_id = e->d.unit_id,
                .unit_path = e->d.unit_path, .force = e->force, .at = p.at, .lat = p.lat,
                .lon = p.lon, .speed = p.speed, .course = p.course, .alt = p.alt,
                .battery = p.battery, .source = r->source != NULL ? r->source : POSITION_SOURCE_API};
    }
    for (size_t k = 0; rc == PH_OK && k < b.n_seen; k++)
        if (b.seen[k].has_last && b.seen[k].last.at > b.seen[k].d.last_at)
            rc = store_device_set_last(cx->st, b.seen[k].d.id, &b.seen[k].last);
    if (rc != PH_OK)
        return rc;
    if (fixes != NULL) {
        *fixes = out;
        *n_fixes = n_out;
    }
    return PH_OK;
}

/* ---- reads ------------------------------------------------------------------------ */

ph_err position_operation_track(struct core_ctx *cx, int64_t operation_id, int64_t from, int64_t to,
                                struct position_track **tracks, size_t *n)
{
    struct operation op;
    struct device *devs = NULL;
    struct position_track *out = NULL;
    size_t n_devs = 0, k = 0, left = POSITION_TRACK_MAX_POINTS;
    int64_t a, b;
    ph_err rc = operation_get(cx, operation_id, &op);

    if (rc != PH_OK)
        return rc;
    *tracks = NULL;
    *n = 0;
    if (op.started_at == 0 || op.n_people == 0)
        return PH_OK;
    /* The active interval, both ends included; while active, up to now (and the
     * few minutes a device's clock may run ahead). */
    a = op.started_at;
    b = op.ended_at > 0 ? op.ended_at + 1 : cx->now_ms + POSITION_FUTURE_SKEW_MS + 1;
    if (from > a)
        a = from;
    if (to > 0 && to < b)
        b = to;
    if (a >= b)
        return PH_OK;
    rc = store_device_of_people(cx->st, cx->arena, op.people_ids, op.n_people, &devs, &n_devs);
    if (rc != PH_OK || n_devs == 0)
        return rc;
    out = arena_zalloc(cx->arena, n_devs * sizeof(*out));
    for (size_t i = 0; i < n_devs && rc == PH_OK; i++) {
        struct position_track *t = &out[k];
        /* Read one more than may be answered: a 92-day operation of many devices
         * would otherwise be read whole into memory before anyone said no. */
        rc = store_position_range(cx->st, cx->arena, devs[i].id, a, b, (int)left + 1, &t->points,
                                  &t->n_points);
        if (rc == PH_OK && t->n_points > left)
            rc = PH_ETOOBIG;
        if (rc != PH_OK || t->n_points == 0)
            continue;
        left -= t->n_points;
        t->device_id = devs[i].id;
        t->uid = devs[i].uid;
        t->callsign = devs[i].callsign;
        t->person_id = devs[i].person_id;
        t->person_name = devs[i].person_name;
        k++;
    }
    if (rc != PH_OK)
        return rc;
    *tracks = out;
    *n = k;
    return PH_OK;
}

ph_err position_latest(struct core_ctx *cx, int64_t since, struct device **items, size_t *n)
{
    const char *scope = NULL;

    *items = NULL;
    *n = 0;
    if (!position_scope(cx->user, &scope))
        return PH_OK;
    return store_device_latest(cx->st, cx->arena, since, scope, items, n);
}
