/* bulletin.c - information exchange (core/bulletin.h): bulletins sent by a unit to
 * units and forces, their acknowledgements, the schedules of periodic bulletins,
 * a unit's inbox of bulletins, and the scheduler's step that marks late
 * acknowledgements and records periodic bulletins that never came.
 *
 * Access: a bulletin is an operational item whose owner is its sending unit and
 * which was "sent to" every recipient (core/access.h). A read the caller may not
 * make answers "not found": whether a secret bulletin exists is need-to-know.
 * Schedules are reference data of a unit's duties, managed by its administrators
 * and commanders (or those of a unit above it), and seen by whoever may see the
 * unit's bulletins: the unit and those above it, and the units it reports to.
 *
 * Periods are local days in Asia/Ho_Chi_Minh (UTC+7, no daylight saving), so a
 * local day is a fixed 24 h span of UTC and the calendar is plain arithmetic on
 * day numbers (days since 1970-01-01 local; days_from_civil and civil_from_days
 * are the well-known proleptic Gregorian conversions). A period's bulletin is
 * due at due_local on its due day; once that time has passed with no bulletin,
 * the scheduler records the period as missed, once, and tells the unit that owes
 * it and the unit above. A bulletin sent later for that period is still taken. */
#include "util/base.h"
#include <jansson.h>
#include "core/access.h"
#include "core/audit.h"
#include "core/bulletin.h"
#include "core/ctx.h"
#include "core/fields.h"
#include "core/incident.h"
#include "core/outbox.h"
#include "core/unit.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/limits.h"
#include "util/text.h"
#include "util/time.h"

#define KIND_AD_HOC "ad_hoc"
#define KIND_PERIODIC "periodic"
#define NOTE_MAX_BYTES 4096
#define MS_PER_MIN INT64_C(60000)
#define MS_PER_DAY (24 * 60 * MS_PER_MIN)
#define VN_OFFSET_MS ((int64_t)TIME_VN_OFFSET_S * 1000)
/* Periods a schedule check looks at: the previous one, the current one, and the
 * next two (the next may already be answered by a bulletin sent early). */
#define CHECK_PERIODS 4

/* ---- small helpers ----------------------------------------------------------------- */

static ph_err invalid(const char **field, const char *name)
{
    if (field != NULL)
        *field = name;
    return PH_EINVAL;
}

static bool is_periodic(const struct bulletin *b)
{
    return b->kind != NULL && strcmp(b->kind, KIND_PERIODIC) == 0;
}

static bool period_valid(const char *p)
{
    return p != NULL && (strcmp(p, BULLETIN_DAILY) == 0 || strcmp(p, BULLETIN_WEEKLY) == 0 ||
                         strcmp(p, BULLETIN_MONTHLY) == 0);
}

static bool has_id(const int64_t *ids, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id)
            return true;
    return false;
}

static bool has_str(const char *const *s, size_t n, const char *v)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s[i], v) == 0)
            return true;
    return false;
}

/* Make a store's PH_ENOTFOUND a client's bad reference. */
static ph_err must_exist(ph_err rc)
{
    return rc == PH_ENOTFOUND ? PH_EINVAL : rc;
}

static ph_err active_unit(struct core_ctx *cx, int64_t id, struct unit *u)
{
    ph_err rc;

    if (id <= 0)
        return PH_EINVAL;
    rc = must_exist(store_unit_get(cx->st, cx->arena, id, u));
    if (rc == PH_OK && !u->is_active)
        rc = PH_EINVAL;
    return rc;
}

/* The path of unit id (NULL when it has none), in cx->arena. */
static ph_err unit_path_of(struct core_ctx *cx, int64_t id, const char **path)
{
    struct unit u;
    ph_err rc = store_unit_get(cx->st, cx->arena, id, &u);

    if (rc == PH_OK)
        *path = u.path;
    return rc;
}

/* ---- local calendar ---------------------------------------------------------------- */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* The local day (days since 1970-01-01 in Asia/Ho_Chi_Minh) of UTC ms. */
static int64_t local_day(int64_t ms)
{
    return floor_div(ms + VN_OFFSET_MS, MS_PER_DAY);
}

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* 1 = Monday .. 7 = Sunday; day 0 (1970-01-01) was a Thursday. */
static int weekday(int64_t day)
{
    int64_t w = (day + 3) % 7;
    return (int)(w < 0 ? w + 7 : w) + 1;
}

static const char *day_text(struct arena *a, int64_t day)
{
    int64_t y;
    int m, d;

    civil_from_days(day, &y, &m, &d);
    return arena_printf(a, "%04lld-%02d-%02d", (long long)y, m, d);
}

/* "YYYY-MM-DD" (a real date) into its day number. */
static bool parse_day(const char *s, int64_t *day)
{
    if (s == NULL || !time_is_date(s))
        return false;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    int d = (s[8] - '0') * 10 + (s[9] - '0');
    *day = days_from_civil(y, m, d);
    return true;
}

/* "HH:MM", 00:00 .. 23:59, into minutes after midnight. */
static bool parse_hhmm(const char *s, int *minutes)
{
    if (s == NULL || strlen(s) != 5 || s[2] != ':')
        return false;
    for (int i = 0; i < 5; i++)
        if (i != 2 && (s[i] < '0' || s[i] > '9'))
            return false;
    int h = (s[0] - '0') * 10 + (s[1] - '0'), mi = (s[3] - '0') * 10 + (s[4] - '0');
    if (h > 23 || mi > 59)
        return false;
    *minutes = h * 60 + mi;
    return true;
}

static bool is_weekly(const struct bulletin_schedule *s)
{
    return s->period != NULL && strcmp(s->period, BULLETIN_WEEKLY) == 0;
}

static bool is_monthly(const struct bulletin_schedule *s)
{
    return s->period != NULL && strcmp(s->period, BULLETIN_MONTHLY) == 0;
}

/* The first local day of the period of s that holds local day day. */
static int64_t period_first(const struct bulletin_schedule *s, int64_t day)
{
    if (is_weekly(s))
        return day - (weekday(day) - 1);
    if (is_monthly(s)) {
        int64_t y;
        int m, d;
        civil_from_days(day, &y, &m, &d);
        return day - (d - 1);
    }
    return day;
}

/* The first day of the period after the one starting on first. */
static int64_t period_next(const struct bulletin_schedule *s, int64_t first)
{
    if (is_weekly(s))
        return first + 7;
    if (is_monthly(s)) {
        int64_t y;
        int m, d;
        civil_from_days(first, &y, &m, &d);
        return m == 12 ? days_from_civil(y + 1, 1, 1) : days_from_civil(y, m + 1, 1);
    }
    return first + 1;
}

/* The due time (UTC ms) of the period starting on first. Stored schedules are
 * valid; anything else falls back to midnight of the first day. */
static int64_t period_due_at(const struct bulletin_schedule *s, int64_t first)
{
    int minutes = 0, dd = s->due_day;
    int64_t day = first;

    (void)parse_hhmm(s->due_local, &minutes);
    if (is_weekly(s) && dd >= 1 && dd <= 7)
        day += dd - 1;
    else if (is_monthly(s) && dd >= 1 && dd <= 28)
        day += dd - 1;
    return day * MS_PER_DAY + minutes * MS_PER_MIN - VN_OFFSET_MS;
}

int64_t bulletin_period_due(const struct bulletin_schedule *s, int64_t at, struct arena *a,
                            const char **period_start)
{
    int64_t first = period_first(s, local_day(at));

    if (a != NULL && period_start != NULL)
        *period_start = day_text(a, first);
    return period_due_at(s, first);
}

/* ---- access ------------------------------------------------------------------------ */

static void access_item_of(const struct bulletin *b, struct access_item *out)
{
    struct access_item item = {
        .kind = ITEM_OPERATIONAL,
        .owner_path = b->from_unit_path,
        .owner_force = b->from_force,
        .classification = b->classification,
        .sent_to_paths = b->sent_to_paths,
        .n_sent_to = b->n_sent_to,
    };
    *out = item;
}

/* Bulletin id for act by the caller: PH_ENOTFOUND when it does not exist or the
 * caller may not read it, PH_EPERM when the caller may read it but not act. */
static ph_err load_for(struct core_ctx *cx, int64_t id, enum access_action act,
                       struct bulletin *out)
{
    struct access_item item;
    struct bulletin b;
    ph_err rc;

    if (id <= 0)
        return PH_ENOTFOUND;
    rc = store_bulletin_get(cx->st, cx->arena, id, cx->now_ms, &b);
    if (rc != PH_OK)
        return rc;
    access_item_of(&b, &item);
    rc = access_check(cx->user, act, &item);
    if (rc == PH_OK)
        *out = b;
    return rc;
}

/* The bulletin with its recipients, as the store has it. */
static ph_err load_full(struct core_ctx *cx, int64_t id, struct bulletin *out)
{
    struct bulletin b;
    ph_err rc = store_bulletin_get(cx->st, cx->arena, id, cx->now_ms, &b);

    if (rc == PH_OK)
        rc = store_bulletin_recipients(cx->st, cx->arena, id, &b.recipients, &b.n_recipients);
    if (rc == PH_OK)
        *out = b;
    return rc;
}

/* ---- events ------------------------------------------------------------------------ */

static json_t *payload_json(const struct bulletin *b)
{
    json_t *o = json_pack("{s:I, s:o, s:o, s:I, s:o, s:o, s:o}", "id", (json_int_t)b->id, "kind",
                          fields_jstr(b->kind), "title", fields_jstr(b->title), "from_unit_id",
                          (json_int_t)b->from_unit_id, "cap_status", fields_jstr(b->cap_status),
                          "classification", fields_jstr(clearance_name(b->classification)),
                          "period_start", fields_jstr(b->period_start));
    if (o != NULL)
        json_object_set_new(o, "schedule_id",
                            b->schedule_id != 0 ? json_integer((json_int_t)b->schedule_id)
                                                : json_null());
    return o;
}

/* Emit topic for b (as read from the store after the change) with the members of
 * extra merged into its payload (stolen; may be NULL); extra_path (may be NULL)
 * adds a unit the event is also shown to. */
static ph_err emit_for(struct core_ctx *cx, const char *topic, const struct bulletin *b,
                       json_t *extra, const char *extra_path)
{
    struct access_item scope;
    json_t *payload = payload_json(b);

    access_item_of(b, &scope);
    if (extra_path != NULL) {
        const char **paths = arena_alloc(cx->arena, (b->n_sent_to + 1) * sizeof(*paths));
        for (size_t i = 0; i < b->n_sent_to; i++)
            paths[i] = b->sent_to_paths[i];
        paths[b->n_sent_to] = extra_path;
        scope.sent_to_paths = paths;
        scope.n_sent_to = b->n_sent_to + 1;
    }
    if (payload != NULL && extra != NULL)
        json_object_update(payload, extra);
    json_decref(extra);
    return outbox_emit_scoped(cx, topic, "bulletin", b->id, payload, &scope);
}

/* ---- validation -------------------------------------------------------------------- */

/* The recipients as given: at most BULLETIN_MAX_RECIPIENTS, units active, forces
 * known, at least one; repeats dropped (in place). On PH_EINVAL *field is "to",
 * "to.units" or "to.forces". */
static ph_err check_targets(struct core_ctx *cx, int64_t *ids, size_t *n_ids, const char **forces,
                            size_t *n_forces, const char **field)
{
    size_t k = 0;

    if (*n_ids + *n_forces > BULLETIN_MAX_RECIPIENTS || (*n_ids > 0 && ids == NULL) ||
        (*n_forces > 0 && forces == NULL))
        return invalid(field, "to");
    for (size_t i = 0; i < *n_ids; i++) {
        struct unit u;
        ph_err rc = active_unit(cx, ids[i], &u);
        if (rc == PH_EINVAL)
            return invalid(field, "to.units");
        if (rc != PH_OK)
            return rc;
        if (!has_id(ids, k, ids[i]))
            ids[k++] = ids[i];
    }
    *n_ids = k;
    k = 0;
    for (size_t i = 0; i < *n_forces; i++) {
        if (!force_is_valid(forces[i]))
            return invalid(field, "to.forces");
        if (!has_str(forces, k, forces[i]))
            forces[k++] = forces[i];
    }
    *n_forces = k;
    if (*n_ids + *n_forces == 0)
        return invalid(field, "to");
    return PH_OK;
}

ph_err bulletin_validate(struct core_ctx *cx, struct bulletin *b, const char **field)
{
    int clearance = cx->user->is_system ? CLEARANCE_TOP_SECRET : cx->user->clearance;
    const char *f = NULL;
    ph_err rc = PH_EINVAL;
    struct unit from;
    int64_t day;

    f = "kind";
    if (b->kind == NULL)
        b->kind = b->schedule_id != 0 ? KIND_PERIODIC : KIND_AD_HOC;
    if (strcmp(b->kind, KIND_AD_HOC) != 0 && strcmp(b->kind, KIND_PERIODIC) != 0)
        goto out;
    f = "schedule_id";
    if (is_periodic(b) ? b->schedule_id <= 0 : b->schedule_id != 0)
        goto out;
    f = "period_start";
    if (!is_periodic(b) && b->period_start != NULL)
        goto out;
    if (b->period_start != NULL && !parse_day(b->period_start, &day))
        goto out;
    f = "from_unit_id";
    rc = active_unit(cx, b->from_unit_id, &from);
    if (rc != PH_OK)
        goto out;
    rc = PH_EINVAL;
    f = "title";
    if (fields_clean_text(cx->arena, b->title, TEXT_MAX_NAME_BYTES, true, &b->title) != PH_OK)
        goto out;
    f = "sections.situation";
    if (fields_clean_text(cx->arena, b->situation, BULLETIN_SECTION_MAX_BYTES, false,
                          &b->situation) != PH_OK)
        goto out;
    f = "sections.assessment";
    if (fields_clean_text(cx->arena, b->assessment, BULLETIN_SECTION_MAX_BYTES, false,
                          &b->assessment) != PH_OK)
        goto out;
    f = "sections.proposals";
    if (fields_clean_text(cx->arena, b->proposals, BULLETIN_SECTION_MAX_BYTES, false,
                          &b->proposals) != PH_OK)
        goto out;
    f = "sections";
    if (b->situation == NULL && b->assessment == NULL && b->proposals == NULL)
        goto out;
    rc = check_targets(cx, b->to_unit_ids, &b->n_to_units, b->to_forces, &b->n_to_forces, &f);
    if (rc != PH_OK)
        goto out;
    rc = PH_EINVAL;
    f = "classification";
    if (b->classification < CLEARANCE_UNCLASSIFIED || b->classification > CLEARANCE_TOP_SECRET ||
        b->classification > clearance)
        goto out;
    f = "cap_status";
    if (b->cap_status == NULL)
        b->cap_status = "actual";
    if (!incident_cap_status_valid(b->cap_status))
        goto out;
    f = "ack_minutes";
    if (b->ack_minutes > 0)
        b->ack_required = true; /* a deadline says an acknowledgement is wanted */
    if (b->ack_minutes < 0 || b->ack_minutes > BULLETIN_ACK_MAX_MIN ||
        (b->ack_required && b->ack_minutes == 0))
        goto out;
    f = NULL;
    rc = PH_OK;
out:
    if (rc == PH_EINVAL && field != NULL)
        *field = f;
    return rc;
}

/* ---- send -------------------------------------------------------------------------- */

/* A periodic bulletin's schedule, and the defaults it gives: the sending unit,
 * the title, the recipients and the acknowledgement deadline. */
static ph_err apply_schedule(struct core_ctx *cx, struct bulletin *b, struct bulletin_schedule *s,
                             const char **field)
{
    ph_err rc;

    if (b->schedule_id <= 0)
        return invalid(field, "schedule_id");
    rc = store_bulletin_schedule_get(cx->st, cx->arena, b->schedule_id, s);
    if (rc == PH_ENOTFOUND || (rc == PH_OK && !s->is_active))
        return invalid(field, "schedule_id");
    if (rc != PH_OK)
        return rc;
    if (b->from_unit_id == 0)
        b->from_unit_id = s->unit_id;
    if (b->from_unit_id != s->unit_id)
        return invalid(field, "from_unit_id");
    if (b->title == NULL)
        b->title = s->title;
    if (b->n_to_units == 0 && b->n_to_forces == 0) {
        b->to_unit_ids = arena_alloc(cx->arena, (s->n_to_units + 1) * sizeof(int64_t));
        if (s->n_to_units > 0)
            memcpy(b->to_unit_ids, s->to_unit_ids, s->n_to_units * sizeof(int64_t));
        b->n_to_units = s->n_to_units;
        b->to_forces = s->to_forces;
        b->n_to_forces = s->n_to_forces;
    }
    if (!b->ack_required && b->ack_minutes == 0 && s->ack_minutes > 0) {
        b->ack_required = true;
        b->ack_minutes = s->ack_minutes;
    }
    return PH_OK;
}

/* The period a periodic bulletin answers: given (the first day of one of the
 * schedule's periods, not after the next one), or the one holding now; not yet
 * answered (PH_ECONFLICT). */
static ph_err pick_period(struct core_ctx *cx, struct bulletin *b,
                          const struct bulletin_schedule *s, const char **field)
{
    bool sent = false, missed = false;
    int64_t day, now_first = period_first(s, local_day(cx->now_ms));
    ph_err rc;

    if (b->period_start == NULL) {
        b->period_start = day_text(cx->arena, now_first);
    } else {
        if (!parse_day(b->period_start, &day) || period_first(s, day) != day ||
            day > period_next(s, now_first))
            return invalid(field, "period_start");
        b->period_start = day_text(cx->arena, day);
    }
    rc = store_bulletin_period_state(cx->st, s->id, b->period_start, &sent, &missed);
    if (rc == PH_OK && sent) {
        if (field != NULL)
            *field = "period_start";
        rc = PH_ECONFLICT;
    }
    return rc;
}

/* The units b goes to: the named units, then each force's province-level unit;
 * without the sender, each once, with the deadline. b->to_unit_ids keeps the
 * named ones actually sent to. */
static ph_err resolve_recipients(struct core_ctx *cx, struct bulletin *b,
                                 struct bulletin_recipient **out, size_t *n, const char **field)
{
    size_t cap = b->n_to_units + b->n_to_forces, k = 0, named = 0;
    struct bulletin_recipient *r = arena_zalloc(cx->arena, (cap + 1) * sizeof(*r));
    int64_t due = b->ack_required ? cx->now_ms + (int64_t)b->ack_minutes * MS_PER_MIN : 0;

    for (size_t i = 0; i < b->n_to_units; i++) {
        int64_t id = b->to_unit_ids[i];
        if (id == b->from_unit_id)
            continue;
        b->to_unit_ids[named++] = id;
        r[k].unit_id = id;
        r[k++].ack_due_at = due;
    }
    b->n_to_units = named;
    for (size_t i = 0; i < b->n_to_forces; i++) {
        int64_t id = 0;
        ph_err rc = store_unit_responsible(cx->st, b->to_forces[i], 0, &id);
        if (rc == PH_ENOTFOUND)
            return invalid(field, "to.forces");
        if (rc != PH_OK)
            return rc;
        bool seen = id == b->from_unit_id;
        for (size_t j = 0; j < k && !seen; j++)
            seen = r[j].unit_id == id;
        if (seen)
            continue;
        r[k].unit_id = id;
        r[k++].ack_due_at = due;
    }
    if (k == 0)
        return invalid(field, "to");
    *out = r;
    *n = k;
    return PH_OK;
}

static json_t *send_detail(const struct bulletin *b, const struct bulletin_recipient *r, size_t n)
{
    json_t *ids = json_array();
    json_t *forces = json_array();

    for (size_t i = 0; i < n; i++)
        json_array_append_new(ids, json_integer((json_int_t)r[i].unit_id));
    for (size_t i = 0; i < b->n_to_forces; i++)
        json_array_append_new(forces, json_string(b->to_forces[i]));
    return json_pack(
        "{s:s, s:o, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:i}", "kind", b->kind, "title",
        fields_jstr(b->title), "from_unit_id", (json_int_t)b->from_unit_id, "schedule_id",
        b->schedule_id != 0 ? json_integer((json_int_t)b->schedule_id) : json_null(),
        "period_start", fields_jstr(b->period_start), "recipient_unit_ids", ids, "to_forces",
        forces, "classification", fields_jstr(clearance_name(b->classification)), "cap_status",
        fields_jstr(b->cap_status), "ack_minutes", b->ack_required ? b->ack_minutes : 0);
}

ph_err bulletin_send(struct core_ctx *cx, struct bulletin *b, const char **field)
{
    struct access_item item = {.kind = ITEM_OPERATIONAL};
    struct bulletin_recipient *rcpts = NULL;
    struct bulletin_schedule sched;
    struct unit from;
    size_t n = 0;
    int64_t id = 0;
    ph_err rc;

    if (b->schedule_id != 0 && b->kind == NULL)
        b->kind = KIND_PERIODIC;
    if (is_periodic(b) || b->schedule_id != 0) {
        rc = is_periodic(b) ? apply_schedule(cx, b, &sched, field) : invalid(field, "schedule_id");
        if (rc != PH_OK)
            goto out;
    } else if (b->from_unit_id == 0) {
        b->from_unit_id = cx->user->unit_id;
    }
    rc = active_unit(cx, b->from_unit_id, &from);
    if (rc != PH_OK) {
        if (rc == PH_EINVAL)
            (void)invalid(field, "from_unit_id");
        goto out;
    }
    /* Classification against clearance is validation's (it names the field); the
     * access check here is the role and the unit. */
    item.owner_path = from.path;
    item.owner_force = from.force;
    rc = access_allows(cx->user, ACCESS_CREATE, &item, NULL) ? PH_OK : PH_EPERM;
    if (rc != PH_OK)
        goto out;
    rc = bulletin_validate(cx, b, field);
    if (rc != PH_OK)
        goto out;
    if (is_periodic(b)) {
        rc = pick_period(cx, b, &sched, field);
        if (rc != PH_OK)
            goto out;
    }
    rc = resolve_recipients(cx, b, &rcpts, &n, field);
    if (rc != PH_OK)
        goto out;
    if (!b->ack_required)
        b->ack_minutes = 0;
    b->sent_at = cx->now_ms;
    b->created_by = cx->user->person_id;
    b->version = 1;
    rc = store_bulletin_insert(cx->st, b, text_fold(cx->arena, b->title), rcpts, n, &id);
    if (rc == PH_ECONFLICT && field != NULL)
        *field = "period_start"; /* the one unique key a bulletin has */
    if (rc != PH_OK)
        goto out;
    rc = audit_record(cx, "bulletin.send", "bulletin", id, send_detail(b, rcpts, n));
    if (rc != PH_OK)
        goto out;
    /* Read back once: the caller's answer and the scope of the event. */
    rc = load_full(cx, id, b);
    if (rc != PH_OK)
        goto out;
    {
        json_t *ids = json_array();
        for (size_t i = 0; i < b->n_recipients; i++)
            json_array_append_new(ids, json_integer((json_int_t)b->recipients[i].unit_id));
        rc = emit_for(
            cx, "bulletin.sent", b,
            json_pack("{s:o, s:b}", "recipient_unit_ids", ids, "ack_required", b->ack_required),
            NULL);
    }
out:
    return rc;
}

/* ---- acknowledge ------------------------------------------------------------------- */

ph_err bulletin_acknowledge(struct core_ctx *cx, int64_t id, int64_t unit_id, const char *note,
                            const char **field)
{
    struct bulletin_recipient *rows = NULL, *r = NULL;
    struct bulletin b;
    size_t n = 0;
    bool on_time;
    json_t *d = NULL;
    ph_err rc;

    rc = load_for(cx, id, ACCESS_ACKNOWLEDGE, &b);
    if (rc != PH_OK)
        goto out;
    rc = fields_clean_text(cx->arena, note, NOTE_MAX_BYTES, false, &note);
    if (rc != PH_OK) {
        rc = invalid(field, "note");
        goto out;
    }
    if (unit_id == 0)
        unit_id = cx->user->unit_id;
    rc = store_bulletin_recipients(cx->st, cx->arena, id, &rows, &n);
    if (rc != PH_OK)
        goto out;
    for (size_t i = 0; unit_id > 0 && i < n && r == NULL; i++)
        if (rows[i].unit_id == unit_id)
            r = &rows[i];
    if (r == NULL) {
        rc = invalid(field, "unit_id");
        goto out;
    }
    if (!cx->user->is_system && cx->user->unit_path != NULL &&
        !access_path_covers(cx->user->unit_path, r->unit_path)) {
        rc = PH_EPERM;
        goto out;
    }
    if (r->received_at != 0) {
        if (field != NULL)
            *field = "unit_id";
        rc = PH_ECONFLICT;
        goto out;
    }
    rc = store_bulletin_ack(cx->st, id, r->unit_id, cx->now_ms, cx->user->person_id, note);
    if (rc == PH_ECONFLICT && field != NULL)
        *field = "unit_id";
    if (rc != PH_OK)
        goto out;
    on_time = r->ack_due_at == 0 || cx->now_ms <= r->ack_due_at;
    d = json_pack("{s:I, s:b, s:o}", "unit_id", (json_int_t)r->unit_id, "on_time", on_time, "note",
                  fields_jstr(note));
    rc = audit_record(cx, "bulletin.acknowledge", "bulletin", id, json_deep_copy(d));
    if (rc != PH_OK)
        goto out;
    /* A receipt changes nothing the event's scope or payload is made of. */
    rc = emit_for(cx, "bulletin.acknowledged", &b, d, NULL);
    d = NULL;
out:
    json_decref(d);
    return rc;
}

/* ---- reads ------------------------------------------------------------------------- */

ph_err bulletin_get(struct core_ctx *cx, int64_t id, struct bulletin *out)
{
    struct bulletin b;
    ph_err rc = load_for(cx, id, ACCESS_READ, &b);

    if (rc == PH_OK)
        rc = store_bulletin_recipients(cx->st, cx->arena, id, &b.recipients, &b.n_recipients);
    if (rc == PH_OK)
        *out = b;
    return rc;
}

ph_err bulletin_list(struct core_ctx *cx, const struct bulletin_filter *f, struct bulletin **items,
                     size_t *n, bool *has_more)
{
    struct bulletin_filter g = *f;
    struct incident_scope scope;

    incident_scope_of(cx->user, &scope);
    g.scope_unit_path = scope.unit_path;
    g.scope_clearance = scope.clearance;
    fields_list_filter(cx->arena, &g.limit, &g.q);
    if (g.scope_clearance < 0) {
        *items = NULL;
        *n = 0;
        *has_more = false;
        return PH_OK;
    }
    return store_bulletin_list(cx->st, cx->arena, &g, cx->now_ms, items, n, has_more);
}

ph_err bulletin_inbox(struct core_ctx *cx, int64_t unit_id, int limit,
                      struct bulletin_inbox_item **items, size_t *n)
{
    struct incident_scope scope;
    const char *q = NULL;
    ph_err rc = incident_inbox_unit(cx, &unit_id);

    if (rc != PH_OK)
        return rc;
    incident_scope_of(cx->user, &scope);
    fields_list_filter(cx->arena, &limit, &q);
    if (scope.clearance < 0) {
        *items = NULL;
        *n = 0;
        return PH_OK;
    }
    return store_bulletin_inbox(cx->st, cx->arena, unit_id, cx->now_ms, &scope, limit, items, n);
}

/* ---- schedules --------------------------------------------------------------------- */

/* Admins and commanders of the schedule's unit or of a unit above it. */
static bool may_manage(const struct core_user *who, const char *unit_path)
{
    if (who->is_system)
        return true;
    if ((who->roles & (ROLE_ADMIN | ROLE_COMMANDER)) == 0)
        return false;
    if (who->unit_path == NULL)
        return (who->roles & ROLE_ADMIN) != 0;
    return access_path_covers(who->unit_path, unit_path);
}

/* The paths of the units s reports to (named units, forces' province-level
 * units), in cx->arena; units that no longer resolve are left out. */
static ph_err schedule_targets(struct core_ctx *cx, const struct bulletin_schedule *s,
                               const char ***paths, size_t *n)
{
    const char **p = arena_alloc(cx->arena, (s->n_to_units + s->n_to_forces + 1) * sizeof(*p));
    size_t k = 0;
    ph_err rc = PH_OK;

    for (size_t i = 0; rc == PH_OK && i < s->n_to_units; i++) {
        rc = unit_path_of(cx, s->to_unit_ids[i], &p[k]);
        if (rc == PH_OK && p[k] != NULL)
            k++;
        if (rc == PH_ENOTFOUND)
            rc = PH_OK;
    }
    for (size_t i = 0; rc == PH_OK && i < s->n_to_forces; i++) {
        int64_t id = 0;
        rc = store_unit_responsible(cx->st, s->to_forces[i], 0, &id);
        if (rc == PH_OK)
            rc = unit_path_of(cx, id, &p[k]);
        if (rc == PH_OK && p[k] != NULL)
            k++;
        if (rc == PH_ENOTFOUND)
            rc = PH_OK;
    }
    if (rc == PH_OK) {
        *paths = p;
        *n = k;
    }
    return rc;
}

static ph_err schedule_item(struct core_ctx *cx, const struct bulletin_schedule *s,
                            struct access_item *item)
{
    struct access_item it = {.kind = ITEM_OPERATIONAL, .owner_path = s->unit_path};
    const char **paths = NULL;
    size_t n = 0;
    ph_err rc = schedule_targets(cx, s, &paths, &n);

    if (rc == PH_OK) {
        it.sent_to_paths = paths;
        it.n_sent_to = n;
        *item = it;
    }
    return rc;
}

/* Schedule id as the caller may see it: PH_ENOTFOUND otherwise. */
static ph_err schedule_load(struct core_ctx *cx, int64_t id, struct bulletin_schedule *out)
{
    struct access_item item;
    struct bulletin_schedule s;
    ph_err rc;

    if (id <= 0)
        return PH_ENOTFOUND;
    rc = store_bulletin_schedule_get(cx->st, cx->arena, id, &s);
    if (rc == PH_OK)
        rc = schedule_item(cx, &s, &item);
    if (rc != PH_OK)
        return rc;
    if (!may_manage(cx->user, s.unit_path) && !access_allows(cx->user, ACCESS_READ, &item, NULL))
        return PH_ENOTFOUND;
    *out = s;
    return PH_OK;
}

ph_err bulletin_schedule_validate(struct core_ctx *cx, struct bulletin_schedule *s,
                                  const char **field)
{
    const char *f = NULL;
    ph_err rc = PH_EINVAL;
    struct unit u;
    int minutes;

    f = "unit_id";
    rc = active_unit(cx, s->unit_id, &u);
    if (rc != PH_OK)
        goto out;
    rc = PH_EINVAL;
    f = "title";
    if (fields_clean_text(cx->arena, s->title, TEXT_MAX_NAME_BYTES, true, &s->title) != PH_OK)
        goto out;
    f = "period";
    if (!period_valid(s->period))
        goto out;
    f = "due_local";
    if (!parse_hhmm(s->due_local, &minutes))
        goto out;
    f = "due_day";
    if (is_weekly(s)    ? s->due_day < 1 || s->due_day > 7
        : is_monthly(s) ? s->due_day < 1 || s->due_day > 28
                        : s->due_day != 0)
        goto out;
    rc = check_targets(cx, s->to_unit_ids, &s->n_to_units, s->to_forces, &s->n_to_forces, &f);
    if (rc != PH_OK)
        goto out;
    rc = PH_EINVAL;
    /* Someone besides the unit itself must get its reports. */
    f = "to";
    {
        bool other = false;
        for (size_t i = 0; i < s->n_to_units && !other; i++)
            other = s->to_unit_ids[i] != s->unit_id;
        for (size_t i = 0; i < s->n_to_forces && !other; i++) {
            int64_t id = 0;
            ph_err e = store_unit_responsible(cx->st, s->to_forces[i], 0, &id);
            if (e == PH_ENOTFOUND) {
                f = "to.forces";
                goto out;
            }
            if (e != PH_OK) {
                rc = e;
                goto out;
            }
            other = id != s->unit_id;
        }
        if (!other)
            goto out;
    }
    f = "ack_minutes";
    if (s->ack_minutes < 0 || s->ack_minutes > BULLETIN_ACK_MAX_MIN)
        goto out;
    f = NULL;
    rc = PH_OK;
out:
    if (rc == PH_EINVAL && field != NULL)
        *field = f;
    return rc;
}

static json_t *schedule_json(const struct bulletin_schedule *s)
{
    json_t *forces = json_array();

    for (size_t i = 0; i < s->n_to_forces; i++)
        json_array_append_new(forces, json_string(s->to_forces[i]));
    return json_pack("{s:I, s:o, s:o, s:o, s:i, s:o, s:o, s:i, s:b}", "unit_id",
                     (json_int_t)s->unit_id, "title", fields_jstr(s->title), "period",
                     fields_jstr(s->period), "due_local", fields_jstr(s->due_local), "due_day",
                     s->due_day, "to_unit_ids", fields_ids_json(s->to_unit_ids, s->n_to_units),
                     "to_forces", forces, "ack_minutes", s->ack_minutes, "is_active", s->is_active);
}

static ph_err schedule_emit(struct core_ctx *cx, const char *topic,
                            const struct bulletin_schedule *s)
{
    struct access_item item;
    ph_err rc = schedule_item(cx, s, &item);

    if (rc != PH_OK)
        return rc;
    return outbox_emit_scoped(cx, topic, "bulletin_schedule", s->id,
                              json_pack("{s:I, s:I, s:o, s:o, s:b}", "id", (json_int_t)s->id,
                                        "unit_id", (json_int_t)s->unit_id, "title",
                                        fields_jstr(s->title), "period", fields_jstr(s->period),
                                        "is_active", s->is_active),
                              &item);
}

ph_err bulletin_schedule_create(struct core_ctx *cx, struct bulletin_schedule *s,
                                const char **field)
{
    struct unit u;
    int64_t id = 0;
    ph_err rc;

    rc = active_unit(cx, s->unit_id == 0 ? cx->user->unit_id : s->unit_id, &u);
    if (rc != PH_OK) {
        if (rc == PH_EINVAL)
            (void)invalid(field, "unit_id");
        return rc;
    }
    s->unit_id = u.id;
    if (!may_manage(cx->user, u.path))
        return PH_EPERM;
    rc = bulletin_schedule_validate(cx, s, field);
    if (rc != PH_OK)
        return rc;
    s->version = 1;
    s->created_at = s->updated_at = cx->now_ms;
    rc = store_bulletin_schedule_insert(cx->st, s, &id);
    if (rc == PH_OK)
        rc =
            audit_record(cx, "bulletin_schedule.create", "bulletin_schedule", id, schedule_json(s));
    if (rc == PH_OK)
        rc = store_bulletin_schedule_get(cx->st, cx->arena, id, s);
    if (rc == PH_OK)
        rc = schedule_emit(cx, "bulletin_schedule.created", s);
    return rc;
}

ph_err bulletin_schedule_update(struct core_ctx *cx, struct bulletin_schedule *s,
                                const char **field)
{
    struct bulletin_schedule old;
    json_t *d = NULL;
    ph_err rc;

    rc = schedule_load(cx, s->id, &old);
    if (rc != PH_OK)
        goto out;
    if (!may_manage(cx->user, old.unit_path)) {
        rc = PH_EPERM;
        goto out;
    }
    if (s->version != 0 && s->version != old.version) {
        rc = PH_ESTALE;
        goto out;
    }
    s->unit_id = old.unit_id; /* a schedule stays with its unit */
    rc = bulletin_schedule_validate(cx, s, field);
    if (rc != PH_OK)
        goto out;
    s->created_at = old.created_at;
    s->updated_at = cx->now_ms;
    s->version = old.version;
    rc = store_bulletin_schedule_update(cx->st, s);
    if (rc != PH_OK)
        goto out;
    d = json_object();
    fields_diff_str(d, "title", old.title, s->title);
    fields_diff_str(d, "period", old.period, s->period);
    fields_diff_str(d, "due_local", old.due_local, s->due_local);
    fields_diff_int(d, "due_day", old.due_day, s->due_day);
    fields_diff_int(d, "ack_minutes", old.ack_minutes, s->ack_minutes);
    fields_diff_bool(d, "is_active", old.is_active, s->is_active);
    if (old.n_to_units != s->n_to_units ||
        (s->n_to_units > 0 &&
         memcmp(old.to_unit_ids, s->to_unit_ids, s->n_to_units * sizeof(int64_t)) != 0))
        fields_diff_set(d, "to_unit_ids", fields_ids_json(old.to_unit_ids, old.n_to_units),
                        fields_ids_json(s->to_unit_ids, s->n_to_units));
    {
        bool same = old.n_to_forces == s->n_to_forces;
        for (size_t i = 0; same && i < s->n_to_forces; i++)
            same = strcmp(old.to_forces[i], s->to_forces[i]) == 0;
        if (!same) {
            json_t *o = json_array(), *nw = json_array();
            for (size_t i = 0; i < old.n_to_forces; i++)
                json_array_append_new(o, json_string(old.to_forces[i]));
            for (size_t i = 0; i < s->n_to_forces; i++)
                json_array_append_new(nw, json_string(s->to_forces[i]));
            fields_diff_set(d, "to_forces", o, nw);
        }
    }
    rc = audit_record(cx, "bulletin_schedule.update", "bulletin_schedule", s->id, d);
    d = NULL;
    if (rc == PH_OK)
        rc = store_bulletin_schedule_get(cx->st, cx->arena, s->id, s);
    if (rc == PH_OK)
        rc = schedule_emit(cx, "bulletin_schedule.updated", s);
out:
    json_decref(d);
    return rc;
}

ph_err bulletin_schedule_get(struct core_ctx *cx, int64_t id, struct bulletin_schedule *out)
{
    return schedule_load(cx, id, out);
}

ph_err bulletin_schedule_list(struct core_ctx *cx, int64_t unit_id, int64_t after_id, int limit,
                              struct bulletin_schedule **items, size_t *n, bool *has_more)
{
    struct incident_scope scope;
    const char *q = NULL;

    incident_scope_of(cx->user, &scope);
    fields_list_filter(cx->arena, &limit, &q);
    if (scope.clearance < 0) {
        *items = NULL;
        *n = 0;
        *has_more = false;
        return PH_OK;
    }
    return store_bulletin_schedule_list(cx->st, cx->arena, unit_id, &scope, after_id, limit, items,
                                        n, has_more);
}

/* ---- deadlines --------------------------------------------------------------------- */

/* Where schedule s stands at cx->now_ms: the oldest period (of the previous and
 * the current one) whose due time has passed with no bulletin and no miss
 * recorded yet (*miss_due 0 when none), and the earliest later due time of a
 * period not answered yet (*next, 0 when none in sight). Periods due before the
 * schedule existed are not owed. */
static ph_err schedule_check(struct core_ctx *cx, const struct bulletin_schedule *s,
                             int64_t *miss_due, const char **miss_start, int64_t *next)
{
    int64_t cur = period_first(s, local_day(cx->now_ms));
    int64_t first = period_first(s, cur - 1); /* the previous period */
    ph_err rc = PH_OK;

    *miss_due = 0;
    *miss_start = NULL;
    *next = 0;
    for (int k = 0; rc == PH_OK && k < CHECK_PERIODS; k++, first = period_next(s, first)) {
        int64_t due = period_due_at(s, first);
        const char *start;
        bool sent = false, missed = false;
        if (due <= s->created_at || (due > cx->now_ms && *next != 0))
            continue;
        start = day_text(cx->arena, first);
        rc = store_bulletin_period_state(cx->st, s->id, start, &sent, &missed);
        if (rc != PH_OK || sent)
            continue;
        if (due > cx->now_ms)
            *next = due;
        else if (!missed && *miss_due == 0) {
            *miss_due = due;
            *miss_start = start;
        }
    }
    return rc;
}

static ph_err record_miss(struct core_ctx *cx, const struct bulletin_schedule *s, int64_t due,
                          const char *start)
{
    struct access_item item = {.kind = ITEM_OPERATIONAL, .owner_path = s->unit_path};
    struct unit u, parent;
    const char *paths[1];
    json_t *d;
    ph_err rc;

    rc = store_bulletin_miss_insert(cx->st, s->id, start, due, cx->now_ms);
    if (rc == PH_OK)
        rc = store_unit_get(cx->st, cx->arena, s->unit_id, &u);
    if (rc != PH_OK)
        return rc;
    item.owner_force = u.force;
    if (u.parent_id != 0 && store_unit_get(cx->st, cx->arena, u.parent_id, &parent) == PH_OK) {
        paths[0] = parent.path;
        item.sent_to_paths = paths;
        item.n_sent_to = 1;
    }
    d = json_pack("{s:I, s:I, s:o, s:o, s:s, s:I, s:o}", "schedule_id", (json_int_t)s->id,
                  "unit_id", (json_int_t)s->unit_id, "title", fields_jstr(s->title), "period",
                  fields_jstr(s->period), "period_start", start, "due_at", (json_int_t)due,
                  "parent_unit_id",
                  u.parent_id != 0 ? json_integer((json_int_t)u.parent_id) : json_null());
    rc = audit_record(cx, "bulletin.missing", "bulletin_schedule", s->id, json_deep_copy(d));
    if (rc == PH_OK) {
        rc = outbox_emit_scoped(cx, "bulletin.missing", "bulletin_schedule", s->id, d, &item);
        d = NULL;
    }
    json_decref(d);
    return rc;
}

/* A late recipient: marked, audited, and told to the bulletin's readers and to
 * the unit above the late one. */
static ph_err mark_overdue(struct core_ctx *cx, const struct store_bulletin_due *due)
{
    struct bulletin b;
    struct unit late, parent;
    const char *parent_path = NULL;
    json_t *d;
    ph_err rc;

    rc = store_bulletin_mark_overdue(cx->st, due->bulletin_id, due->unit_id, cx->now_ms);
    if (rc == PH_OK)
        rc = store_bulletin_get(cx->st, cx->arena, due->bulletin_id, cx->now_ms, &b);
    if (rc == PH_OK)
        rc = store_unit_get(cx->st, cx->arena, due->unit_id, &late);
    if (rc != PH_OK)
        return rc;
    if (late.parent_id != 0 && store_unit_get(cx->st, cx->arena, late.parent_id, &parent) == PH_OK)
        parent_path = parent.path;
    d = json_pack("{s:I, s:I, s:o}", "unit_id", (json_int_t)due->unit_id, "due_at",
                  (json_int_t)due->due_at, "parent_unit_id",
                  late.parent_id != 0 ? json_integer((json_int_t)late.parent_id) : json_null());
    rc = audit_record(cx, "bulletin.overdue", "bulletin", due->bulletin_id, json_deep_copy(d));
    if (rc == PH_OK) {
        rc = emit_for(cx, "bulletin.overdue", &b, d, parent_path);
        d = NULL;
    }
    json_decref(d);
    return rc;
}

/* The earlier of two due times, 0 meaning none. */
static int64_t earlier(int64_t a, int64_t b)
{
    return a == 0 ? b : b == 0 ? a : a < b ? a : b;
}

ph_err bulletin_deadlines_run(struct core_ctx *cx, int limit, int64_t *next_due, int *marked)
{
    struct store_bulletin_due *due = NULL;
    struct bulletin_schedule *sched = NULL;
    size_t n = 0, n_sched = 0;
    int count = 0;
    int64_t next = 0;
    ph_err rc;

    if (limit <= 0)
        limit = LIST_DEFAULT_LIMIT;
    rc = store_bulletin_due(cx->st, cx->arena, cx->now_ms, limit, &due, &n);
    for (size_t i = 0; rc == PH_OK && i < n; i++, count++)
        rc = mark_overdue(cx, &due[i]);
    if (rc == PH_OK)
        rc = store_bulletin_schedule_active(cx->st, cx->arena, &sched, &n_sched);
    for (size_t i = 0; rc == PH_OK && i < n_sched; i++) {
        int64_t miss_due = 0, s_next = 0;
        const char *start = NULL;
        /* A period at a time: the previous one first, then perhaps the current. */
        for (;;) {
            rc = schedule_check(cx, &sched[i], &miss_due, &start, &s_next);
            if (rc != PH_OK || miss_due == 0 || count >= limit)
                break;
            rc = record_miss(cx, &sched[i], miss_due, start);
            count++;
        }
        next = earlier(next, miss_due != 0 ? cx->now_ms : s_next);
    }
    if (rc == PH_OK) {
        int64_t d_next = 0;
        /* A full batch may leave more that are already due: run again at once. */
        if (n >= (size_t)limit || count >= limit)
            next = cx->now_ms;
        else
            rc = store_bulletin_deadline_next(cx->st, cx->now_ms, &d_next);
        next = earlier(next, d_next);
    }
    if (rc == PH_OK) {
        *next_due = next;
        if (marked != NULL)
            *marked = count;
    }
    return rc;
}

ph_err bulletin_deadlines_next(struct core_ctx *cx, bool *due_now, int64_t *next_due)
{
    struct store_bulletin_due *due = NULL;
    struct bulletin_schedule *sched = NULL;
    size_t n = 0, n_sched = 0;
    bool now = false;
    int64_t next = 0;
    ph_err rc;

    rc = store_bulletin_due(cx->st, cx->arena, cx->now_ms, 1, &due, &n);
    if (rc == PH_OK)
        rc = store_bulletin_deadline_next(cx->st, cx->now_ms, &next);
    if (rc == PH_OK)
        rc = store_bulletin_schedule_active(cx->st, cx->arena, &sched, &n_sched);
    now = n > 0;
    for (size_t i = 0; rc == PH_OK && i < n_sched; i++) {
        int64_t miss_due = 0, s_next = 0;
        const char *start = NULL;
        rc = schedule_check(cx, &sched[i], &miss_due, &start, &s_next);
        now = now || miss_due != 0;
        next = earlier(next, s_next);
    }
    if (rc == PH_OK) {
        *due_now = now;
        *next_due = next;
    }
    return rc;
}
