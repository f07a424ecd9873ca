/* test_bulletin.c - information exchange (core/bulletin.c): sending with a 422
 * naming each bad member and nothing written, recipients by unit and by force
 * (the force's province-level unit, without the sender, each once), periodic
 * bulletins one per period, acknowledgement once by a unit that covers the
 * recipient, who sees what (force, unit, clearance), the inbox order, schedules
 * (who manages them, validation), the period arithmetic in local time across
 * day, week, month and year boundaries, and the scheduler's step that marks late
 * acknowledgements and records each missing periodic bulletin once.
 *
 * The fixture is incident_fx.h's province: police ca > ca_h > ca_x1, ca_x2;
 * military qs > qs_h; border guard bp > bp_don. */
#include "util/base.h"
#include "incident_fx.h"
#include "core/access.h"
#include "core/bulletin.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/time.h"

/* ---- helpers ----------------------------------------------------------------------- */

static int64_t ms_of(const char *rfc3339)
{
    int64_t ms = 0;
    assert_int_equal(time_parse_rfc3339(rfc3339, &ms), PH_OK);
    return ms;
}

/* An ad hoc bulletin to units (n_units of them) and forces. */
static struct bulletin adhoc(const char *title, int64_t *units, size_t n_units, const char **forces,
                             size_t n_forces)
{
    struct bulletin b = {.title = title,
                         .situation = "Tình hình an ninh trật tự trên địa bàn ổn định.",
                         .to_unit_ids = units,
                         .n_to_units = n_units,
                         .to_forces = forces,
                         .n_to_forces = n_forces};
    return b;
}

static int64_t send_ok(struct core_ctx *cx, struct bulletin *b)
{
    const char *field = NULL;
    ph_err rc = TX(cx, bulletin_send(cx, b, &field));
    if (rc != PH_OK)
        fail_msg("send %s: %d (%s)", b->title != NULL ? b->title : "(null)", rc,
                 field != NULL ? field : "");
    assert_true(b->id > 0);
    return b->id;
}

/* How many bulletins the system sees. */
static size_t count_all(struct ifx *f)
{
    struct bulletin_filter filter = {.limit = 500};
    struct bulletin *items = NULL;
    size_t n = 0;
    bool more = false;
    assert_int_equal(bulletin_list(&f->tu.sys, &filter, &items, &n, &more), PH_OK);
    return n;
}

static const struct bulletin_recipient *rcpt_of(const struct bulletin *b, int64_t unit_id)
{
    for (size_t i = 0; i < b->n_recipients; i++)
        if (b->recipients[i].unit_id == unit_id)
            return &b->recipients[i];
    return NULL;
}

static int64_t schedule_ok(struct core_ctx *cx, struct bulletin_schedule *s)
{
    const char *field = NULL;
    ph_err rc = TX(cx, bulletin_schedule_create(cx, s, &field));
    if (rc != PH_OK)
        fail_msg("schedule %s: %d (%s)", s->title, rc, field != NULL ? field : "");
    return s->id;
}

/* ---- period arithmetic -------------------------------------------------------------- */

static void test_bulletin_period_due(void **state)
{
    struct arena *a = *state;
    static const struct {
        const char *period, *due_local;
        int due_day;
        const char *at, *want_start, *want_due;
    } cases[] = {
        /* Daily at 07:00: the local day of at, whatever the UTC day. */
        {BULLETIN_DAILY, "07:00", 0, "2026-03-01T23:30:00Z", "2026-03-02", "2026-03-02T00:00:00Z"},
        {BULLETIN_DAILY, "07:00", 0, "2026-03-01T16:59:59.999Z", "2026-03-01",
         "2026-03-01T00:00:00Z"},
        {BULLETIN_DAILY, "07:00", 0, "2026-03-01T17:00:00Z", "2026-03-02", "2026-03-02T00:00:00Z"},
        {BULLETIN_DAILY, "23:59", 0, "2025-12-31T17:00:00Z", "2026-01-01", "2026-01-01T16:59:00Z"},
        {BULLETIN_DAILY, "00:00", 0, "2024-02-29T12:00:00Z", "2024-02-29", "2024-02-28T17:00:00Z"},
        /* Weekly: weeks start on Monday (2026-03-02 is one); due on due_day. */
        {BULLETIN_WEEKLY, "08:30", 1, "2026-03-08T16:00:00Z", "2026-03-02", "2026-03-02T01:30:00Z"},
        {BULLETIN_WEEKLY, "08:30", 1, "2026-03-08T17:00:00Z", "2026-03-09", "2026-03-09T01:30:00Z"},
        {BULLETIN_WEEKLY, "17:00", 5, "2026-03-04T03:00:00Z", "2026-03-02", "2026-03-06T10:00:00Z"},
        {BULLETIN_WEEKLY, "07:00", 7, "2025-12-31T10:00:00Z", "2025-12-29", "2026-01-04T00:00:00Z"},
        /* Monthly: the month of the local day; due on due_day. */
        {BULLETIN_MONTHLY, "07:00", 28, "2026-02-28T16:59:00Z", "2026-02-01",
         "2026-02-28T00:00:00Z"},
        {BULLETIN_MONTHLY, "07:00", 28, "2026-02-28T17:00:00Z", "2026-03-01",
         "2026-03-28T00:00:00Z"},
        {BULLETIN_MONTHLY, "07:00", 1, "2025-12-31T16:59:59.999Z", "2025-12-01",
         "2025-12-01T00:00:00Z"},
        {BULLETIN_MONTHLY, "07:00", 1, "2025-12-31T17:00:00Z", "2026-01-01",
         "2026-01-01T00:00:00Z"},
        {BULLETIN_MONTHLY, "12:00", 15, "2024-02-29T05:00:00Z", "2024-02-01",
         "2024-02-15T05:00:00Z"},
    };

    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        struct bulletin_schedule s = {.period = cases[i].period,
                                      .due_local = cases[i].due_local,
                                      .due_day = cases[i].due_day};
        const char *start = NULL;
        int64_t due = bulletin_period_due(&s, ms_of(cases[i].at), a, &start);
        if (start == NULL || strcmp(start, cases[i].want_start) != 0 ||
            due != ms_of(cases[i].want_due))
            fail_msg("case %zu: %s due %lld, want %s %lld", i, start != NULL ? start : "(null)",
                     (long long)due, cases[i].want_start, (long long)ms_of(cases[i].want_due));
    }
}

/* ---- sending -------------------------------------------------------------------------- */

static void test_bulletin_send_validation(void **state)
{
    struct ifx *f = *state;
    struct core_ctx h = tu_as(&f->tu, &f->h); /* secret */
    char big[BULLETIN_SECTION_MAX_BYTES + 2];
    size_t before, audits;
    const char *field = NULL;

    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    before = count_all(f);
    audits = (size_t)tu_audit_count(f->tu.st);
    for (int i = 0; i < 17; i++) {
        int64_t units[2] = {f->qs, 0};
        const char *forces[1] = {"military"};
        struct bulletin b = adhoc("Thông báo", units, 1, NULL, 0);
        const char *want = NULL;
        switch (i) {
        case 0:
            b.title = NULL;
            want = "title";
            break;
        case 1:
            b.title = "   ";
            want = "title";
            break;
        case 2:
            b.situation = NULL;
            want = "sections";
            break;
        case 3:
            b.assessment = big;
            want = "sections.assessment";
            break;
        case 4:
            b.proposals = "\x01";
            want = "sections.proposals";
            break;
        case 5:
            b.n_to_units = 0;
            want = "to";
            break;
        case 6:
            units[0] = 987654;
            want = "to.units";
            break;
        case 7:
            forces[0] = "navy";
            b.to_forces = forces;
            b.n_to_forces = 1;
            want = "to.forces";
            break;
        case 8:
            b.classification = CLEARANCE_TOP_SECRET;
            want = "classification";
            break;
        case 9:
            b.cap_status = "drill";
            want = "cap_status";
            break;
        case 10:
            b.ack_required = true;
            want = "ack_minutes";
            break;
        case 11:
            b.ack_minutes = BULLETIN_ACK_MAX_MIN + 1;
            want = "ack_minutes";
            break;
        case 12:
            b.kind = "urgent";
            want = "kind";
            break;
        case 13:
            b.period_start = "2026-03-02";
            want = "period_start";
            break;
        case 14:
            b.from_unit_id = 987654;
            want = "from_unit_id";
            break;
        case 15:
            b.kind = "periodic";
            want = "schedule_id";
            break;
        case 16:
            b.to_unit_ids = units;
            units[0] = f->ca_h;
            want = "to";
            break; /* only itself */
        }
        TX_EINVAL_CASE(i, &h, bulletin_send(&h, &b, &field), field, want);
    }
    /* Nothing was written by any of them. */
    assert_int_equal(count_all(f), before);
    assert_int_equal((size_t)tu_audit_count(f->tu.st), audits);

    /* A reporter may send; a viewer may not; nobody sends for a unit beside its own. */
    {
        struct core_user viewer = tu_user_at(&f->tu.sys, f->ca_h, ROLE_VIEWER, CLEARANCE_SECRET);
        struct core_ctx v = tu_as(&f->tu, &viewer);
        struct core_ctx x1 = tu_as(&f->tu, &f->x1_reporter);
        int64_t units[1] = {f->ca_h};
        struct bulletin b = adhoc("Báo cáo nhanh", units, 1, NULL, 0);
        assert_int_equal(TX(&v, bulletin_send(&v, &b, &field)), PH_EPERM);
        b = adhoc("Báo cáo nhanh", units, 1, NULL, 0);
        b.from_unit_id = f->ca_x2;
        assert_int_equal(TX(&x1, bulletin_send(&x1, &b, &field)), PH_EPERM);
        b = adhoc("Báo cáo nhanh", units, 1, NULL, 0);
        (void)send_ok(&x1, &b);
        assert_int_equal(b.from_unit_id, f->ca_x1);
    }
}

static void test_bulletin_send_to_forces(void **state)
{
    struct ifx *f = *state;
    struct core_ctx qs = tu_as(&f->tu, &f->qs_cmd); /* at qs_h */
    int64_t units[3] = {f->bp_don, f->qs_h, f->bp_don};
    const char *forces[3] = {"police", "border_guard", "military"};
    struct bulletin b = adhoc("  Thông báo diễn biến bão số 3  ", units, 3, forces, 3);
    struct store_outbox_event ev;
    struct audit_entry au;
    struct unit u;

    b.assessment = "Nguy cơ sạt lở cao ở các xã ven sông.";
    b.proposals = "Đề nghị Công an, Biên phòng phối hợp sơ tán dân.";
    b.classification = CLEARANCE_CONFIDENTIAL;
    b.ack_minutes = 60; /* implies an acknowledgement is required */
    (void)send_ok(&qs, &b);
    assert_string_equal(b.kind, "ad_hoc");
    assert_string_equal(b.title, "Thông báo diễn biến bão số 3");
    assert_int_equal(b.from_unit_id, f->qs_h);
    assert_string_equal(b.from_force, "military");
    assert_true(b.ack_required);
    assert_int_equal(b.sent_at, qs.now_ms);
    assert_int_equal(b.version, 1);
    /* Named units first (each once, without the sender), then each force's
     * province-level unit (the border guard's also once). */
    assert_int_equal(b.n_recipients, 4);
    assert_int_equal(b.recipients[0].unit_id, f->bp_don);
    assert_int_equal(b.recipients[1].unit_id, f->ca);
    assert_int_equal(b.recipients[2].unit_id, f->bp);
    assert_int_equal(b.recipients[3].unit_id, f->qs);
    for (size_t i = 0; i < b.n_recipients; i++) {
        assert_int_equal(b.recipients[i].ack_due_at, qs.now_ms + 60 * IFX_MIN);
        assert_int_equal(b.recipients[i].received_at, 0);
    }
    assert_string_equal(rcpt_of(&b, f->ca)->force, "police");
    assert_int_equal(b.n_to_units, 1);
    assert_int_equal(b.to_unit_ids[0], f->bp_don);
    assert_int_equal(b.n_to_forces, 3);
    assert_string_equal(b.to_forces[1], "border_guard");
    assert_int_equal(b.n_sent_to, 4);

    au = tu_audit_last(f->tu.st, &f->tu.a);
    assert_string_equal(au.action, "bulletin.send");
    assert_int_equal(au.item_id, b.id);
    ev = tu_event_last(f->tu.st, &f->tu.a);
    assert_string_equal(ev.topic, "bulletin.sent");
    assert_string_equal(ev.item_kind, "bulletin");
    assert_int_equal(ev.item_id, b.id);
    assert_int_equal(ev.access_kind, ITEM_OPERATIONAL);
    assert_int_equal(ev.classification, CLEARANCE_CONFIDENTIAL);
    assert_int_equal(unit_get(&f->tu.sys, f->qs_h, &u), PH_OK);
    assert_int_equal(strncmp(ev.scope_paths, u.path, strlen(u.path)), 0); /* the owner first */
    assert_non_null(strstr(ev.payload, "\"recipient_unit_ids\""));
}

static void test_bulletin_periodic_once_per_period(void **state)
{
    struct ifx *f = *state;
    struct core_ctx cmd = tu_as(&f->tu, &f->h_cmd);
    struct core_ctx h = tu_as(&f->tu, &f->h);
    struct core_ctx x1 = tu_as(&f->tu, &f->x1);
    int64_t to[1] = {f->ca};
    struct bulletin_schedule s = {.unit_id = f->ca_h,
                                  .title = "Báo cáo tình hình ngày",
                                  .period = BULLETIN_DAILY,
                                  .due_local = "07:00",
                                  .to_unit_ids = to,
                                  .n_to_units = 1,
                                  .ack_minutes = 120,
                                  .is_active = true};
    struct bulletin b = {.schedule_id = 0, .situation = "Không có vụ việc nghiêm trọng."};
    const char *field = NULL;

    (void)schedule_ok(&cmd, &s);
    /* Periodic: defaults from the schedule (unit, title, recipients, deadline), the
     * period holding now (the fixture's now is 2025-11-24 23:00 local). */
    b.schedule_id = s.id;
    (void)send_ok(&h, &b);
    assert_string_equal(b.kind, "periodic");
    assert_string_equal(b.period_start, "2025-11-24");
    assert_string_equal(b.title, "Báo cáo tình hình ngày");
    assert_int_equal(b.from_unit_id, f->ca_h);
    assert_int_equal(b.n_recipients, 1);
    assert_int_equal(b.recipients[0].unit_id, f->ca);
    assert_int_equal(b.recipients[0].ack_due_at, h.now_ms + 120 * IFX_MIN);
    /* A second one for the same period: 409 naming period_start. */
    b = (struct bulletin){.schedule_id = s.id, .situation = "Lần hai."};
    field = NULL;
    assert_int_equal(TX(&h, bulletin_send(&h, &b, &field)), PH_ECONFLICT);
    assert_string_equal(field, "period_start");
    /* The next day's, sent early, is fine; the one after is too far ahead. */
    b = (struct bulletin){.schedule_id = s.id, .period_start = "2025-11-25", .situation = "Sớm."};
    (void)send_ok(&h, &b);
    b = (struct bulletin){.schedule_id = s.id, .period_start = "2025-11-26", .situation = "Xa."};
    TX_EINVAL(&h, bulletin_send(&h, &b, &field), field, "period_start");
    b = (struct bulletin){.schedule_id = s.id, .period_start = "2025-11-31", .situation = "Sai."};
    TX_EINVAL(&h, bulletin_send(&h, &b, &field), field, "period_start");
    /* Only the schedule's unit sends its reports. */
    b = (struct bulletin){.schedule_id = s.id, .from_unit_id = f->ca_x1, .situation = "X."};
    TX_EINVAL(&x1, bulletin_send(&x1, &b, &field), field, "from_unit_id");
    b = (struct bulletin){.schedule_id = s.id, .period_start = "2025-11-20", .situation = "X."};
    assert_int_equal(TX(&x1, bulletin_send(&x1, &b, &field)), PH_EPERM);
    /* Ad hoc bulletins name no schedule; unknown or inactive schedules are 422. */
    b = adhoc("Đột xuất", to, 1, NULL, 0);
    b.kind = "ad_hoc";
    b.schedule_id = s.id;
    TX_EINVAL(&h, bulletin_send(&h, &b, &field), field, "schedule_id");
    b = (struct bulletin){.schedule_id = 987654, .situation = "X."};
    TX_EINVAL(&h, bulletin_send(&h, &b, &field), field, "schedule_id");
    s.is_active = false;
    assert_int_equal(TX(&cmd, bulletin_schedule_update(&cmd, &s, &field)), PH_OK);
    b = (struct bulletin){.schedule_id = s.id, .period_start = "2025-11-23", .situation = "X."};
    TX_EINVAL(&h, bulletin_send(&h, &b, &field), field, "schedule_id");

    /* A weekly schedule's periods start on Mondays (2025-11-24 is one). */
    {
        struct bulletin_schedule w = s;
        w.id = 0;
        w.period = BULLETIN_WEEKLY;
        w.due_day = 1;
        w.is_active = true;
        w.to_unit_ids = to;
        w.n_to_units = 1;
        (void)schedule_ok(&cmd, &w);
        b = (struct bulletin){.schedule_id = w.id, .period_start = "2025-11-25", .situation = "X."};
        TX_EINVAL(&h, bulletin_send(&h, &b, &field), field, "period_start");
        b = (struct bulletin){.schedule_id = w.id, .period_start = "2025-11-17", .situation = "X."};
        (void)send_ok(&h, &b);
        b = (struct bulletin){.schedule_id = w.id, .situation = "Tuần này."};
        (void)send_ok(&h, &b);
        assert_string_equal(b.period_start, "2025-11-24");
    }
}

/* ---- acknowledgements ------------------------------------------------------------------- */

static void test_bulletin_acknowledge_once(void **state)
{
    struct ifx *f = *state;
    struct core_ctx h = tu_as(&f->tu, &f->h);
    struct core_ctx qs_top = tu_as(&f->tu, &f->qs_top);
    struct core_ctx qs_duty = tu_as(&f->tu, &f->qs_duty);
    struct core_ctx bp = tu_as(&f->tu, &f->bp_duty);
    struct core_user qs_viewer_u = tu_user_at(&f->tu.sys, f->qs, ROLE_VIEWER, CLEARANCE_SECRET);
    struct core_ctx qs_viewer = tu_as(&f->tu, &qs_viewer_u);
    const char *forces[2] = {"military", "border_guard"};
    struct bulletin b = adhoc("Đề nghị phối hợp tuần tra", NULL, 0, forces, 2), got;
    const char *field = NULL;
    int64_t last_ev = 0;
    struct store_outbox_event *evs = NULL;
    size_t n = 0;

    b.ack_required = true;
    b.ack_minutes = 30;
    (void)send_ok(&h, &b);
    assert_int_equal(store_outbox_last_id(f->tu.st, &last_ev), PH_OK);
    qs_top.now_ms += 10 * IFX_MIN;
    assert_int_equal(TX(&qs_top, bulletin_acknowledge(&qs_top, b.id, 0, " Đã nhận ", &field)),
                     PH_OK);
    assert_int_equal(bulletin_get(&qs_top, b.id, &got), PH_OK);
    assert_int_equal(rcpt_of(&got, f->qs)->received_at, qs_top.now_ms);
    assert_int_equal(rcpt_of(&got, f->qs)->received_by, f->qs_top.person_id);
    assert_string_equal(rcpt_of(&got, f->qs)->note, "Đã nhận");
    assert_int_equal(rcpt_of(&got, f->bp)->received_at, 0);
    assert_string_equal(tu_audit_last(f->tu.st, &f->tu.a).action, "bulletin.acknowledge");
    assert_int_equal(store_outbox_after(f->tu.st, &f->tu.a, last_ev, 10, &evs, &n), PH_OK);
    assert_int_equal(n, 1);
    assert_string_equal(evs[0].topic, "bulletin.acknowledged");
    assert_non_null(strstr(evs[0].payload, "\"on_time\":true"));

    /* Once. */
    field = NULL;
    assert_int_equal(TX(&qs_top, bulletin_acknowledge(&qs_top, b.id, f->qs, NULL, &field)),
                     PH_ECONFLICT);
    assert_string_equal(field, "unit_id");
    /* Not a recipient; a unit below cannot answer for the one above; a viewer
     * acknowledges nothing; the sender is no recipient either. */
    TX_EINVAL(&qs_top, bulletin_acknowledge(&qs_top, b.id, f->qs_h, NULL, &field), field,
              "unit_id");
    assert_int_equal(TX(&qs_duty, bulletin_acknowledge(&qs_duty, b.id, f->qs, NULL, &field)),
                     PH_ENOTFOUND); /* qs_h neither sent nor got it */
    assert_int_equal(TX(&qs_viewer, bulletin_acknowledge(&qs_viewer, b.id, 0, NULL, &field)),
                     PH_EPERM);
    TX_EINVAL(&h, bulletin_acknowledge(&h, b.id, 0, NULL, &field), field, "unit_id");
    assert_int_equal(TX(&h, bulletin_acknowledge(&h, 987654, 0, NULL, &field)), PH_ENOTFOUND);
    /* Late: still recorded, the event says so. */
    bp.now_ms += 45 * IFX_MIN;
    assert_int_equal(TX(&bp, bulletin_acknowledge(&bp, b.id, 0, NULL, &field)), PH_OK);
    assert_non_null(strstr(tu_event_last(f->tu.st, &f->tu.a).payload, "\"on_time\":false"));
    assert_false(b.overdue);
}

/* ---- access --------------------------------------------------------------------------- */

static void test_bulletin_access_per_force_and_clearance(void **state)
{
    struct ifx *f = *state;
    struct core_ctx h = tu_as(&f->tu, &f->h);
    const char *forces[1] = {"military"};
    struct bulletin b = adhoc("Tình hình tội phạm ma túy", NULL, 0, forces, 1), got;
    struct core_user admin = tu_global_admin();
    const struct {
        const char *who;
        const struct core_user *u;
        bool sees;
    } cases[] = {
        {"ca_h duty (secret): the sender", &f->h, true},
        {"ca_h commander (top secret)", &f->h_cmd, true},
        {"ca_h duty (unclassified): clearance", &f->h_low, false},
        {"ca_x1 duty: below the sender", &f->x1, false},
        {"qs commander (top secret): the recipient", &f->qs_top, true},
        {"qs_h duty: below the recipient", &f->qs_duty, false},
        {"bp duty: another force", &f->bp_duty, false},
        {"bp_don duty", &f->bp_don_duty, false},
        {"global admin", &admin, true},
    };

    b.classification = CLEARANCE_CONFIDENTIAL;
    (void)send_ok(&h, &b);
    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        struct core_ctx cx = tu_as(&f->tu, cases[i].u);
        struct bulletin_filter filter = {.limit = 500};
        struct bulletin *items = NULL;
        size_t n = 0;
        bool more = false, listed = false;
        ph_err rc = bulletin_get(&cx, b.id, &got);
        if ((rc == PH_OK) != cases[i].sees || (rc != PH_OK && rc != PH_ENOTFOUND))
            fail_msg("%s: get %d", cases[i].who, rc);
        assert_int_equal(bulletin_list(&cx, &filter, &items, &n, &more), PH_OK);
        for (size_t k = 0; k < n; k++)
            listed = listed || items[k].id == b.id;
        if (listed != cases[i].sees)
            fail_msg("%s: listed %d", cases[i].who, listed);
    }
    /* The list's filters. */
    {
        struct core_ctx sys = f->tu.sys;
        struct bulletin_filter filter = {.limit = 500,
                                         .unit_id = f->qs,
                                         .kind = "ad_hoc",
                                         .q = "MA TUY",
                                         .cap_status = "actual"};
        struct bulletin *items = NULL;
        size_t n = 0;
        bool more = false;
        assert_int_equal(bulletin_list(&sys, &filter, &items, &n, &more), PH_OK);
        assert_int_equal(n, 1);
        assert_int_equal(items[0].id, b.id);
        filter.unit_id = f->bp;
        assert_int_equal(bulletin_list(&sys, &filter, &items, &n, &more), PH_OK);
        assert_int_equal(n, 0);
        filter.unit_id = 0;
        filter.kind = "periodic";
        assert_int_equal(bulletin_list(&sys, &filter, &items, &n, &more), PH_OK);
        assert_int_equal(n, 0);
        filter.kind = NULL;
        filter.from = sys.now_ms + 1;
        assert_int_equal(bulletin_list(&sys, &filter, &items, &n, &more), PH_OK);
        assert_int_equal(n, 0);
    }
}

/* ---- inbox ----------------------------------------------------------------------------- */

static void test_bulletin_inbox_order(void **state)
{
    struct ifx *f = *state;
    struct core_ctx h = tu_as(&f->tu, &f->h);
    struct core_ctx qs = tu_as(&f->tu, &f->qs_top);
    struct core_ctx qs_h = tu_as(&f->tu, &f->qs_duty);
    int64_t to[1] = {f->qs};
    struct bulletin late = adhoc("Hạn 30 phút", to, 1, NULL, 0);
    struct bulletin later = adhoc("Hạn 90 phút", to, 1, NULL, 0);
    struct bulletin none = adhoc("Không cần xác nhận", to, 1, NULL, 0);
    struct bulletin secret = adhoc("Mật", to, 1, NULL, 0);
    struct bulletin_inbox_item *items = NULL;
    const char *field = NULL;
    size_t n = 0;

    later.ack_minutes = 90;
    (void)send_ok(&h, &later);
    late.ack_minutes = 30;
    (void)send_ok(&h, &late);
    (void)send_ok(&h, &none);
    secret.ack_minutes = 10;
    secret.classification = CLEARANCE_SECRET;
    (void)send_ok(&h, &secret);

    qs.now_ms += 45 * IFX_MIN;
    assert_int_equal(bulletin_inbox(&qs, 0, 50, &items, &n), PH_OK);
    assert_int_equal(n, 3);                     /* the one without a deadline awaits nothing */
    assert_int_equal(items[0].b.id, secret.id); /* overdue, the earliest deadline */
    assert_true(items[0].overdue);
    assert_int_equal(items[1].b.id, late.id);
    assert_true(items[1].overdue);
    assert_int_equal(items[2].b.id, later.id);
    assert_false(items[2].overdue);
    assert_int_equal(items[2].rcpt.unit_id, f->qs);
    assert_string_equal(items[2].b.title, "Hạn 90 phút");
    /* A lower clearance hides the secret one; a unit below may not look. */
    {
        struct core_user low =
            tu_user_at(&f->tu.sys, f->qs, ROLE_DUTY_OFFICER, CLEARANCE_CONFIDENTIAL);
        struct core_ctx lc = tu_as(&f->tu, &low);
        lc.now_ms = qs.now_ms;
        assert_int_equal(bulletin_inbox(&lc, 0, 50, &items, &n), PH_OK);
        assert_int_equal(n, 2);
    }
    assert_int_equal(bulletin_inbox(&qs_h, f->qs, 50, &items, &n), PH_EPERM);
    assert_int_equal(bulletin_inbox(&qs_h, 0, 50, &items, &n), PH_OK);
    assert_int_equal(n, 0);
    /* Acknowledged: out of the inbox. */
    assert_int_equal(TX(&qs, bulletin_acknowledge(&qs, late.id, 0, NULL, &field)), PH_OK);
    assert_int_equal(bulletin_inbox(&qs, 0, 50, &items, &n), PH_OK);
    assert_int_equal(n, 2);
    assert_int_equal(items[0].b.id, secret.id);
    assert_int_equal(items[1].b.id, later.id);
}

/* ---- schedules ------------------------------------------------------------------------ */

static void test_bulletin_schedules(void **state)
{
    struct ifx *f = *state;
    struct core_ctx cmd = tu_as(&f->tu, &f->h_cmd);
    struct core_ctx h = tu_as(&f->tu, &f->h);
    struct core_ctx qs_top = tu_as(&f->tu, &f->qs_top);
    struct core_ctx bp = tu_as(&f->tu, &f->bp_duty);
    struct core_user admin_u = tu_global_admin();
    struct core_ctx admin = tu_as(&f->tu, &admin_u);
    const char *forces[1] = {"military"};
    struct bulletin_schedule s = {.unit_id = f->ca_h,
                                  .title = "Báo cáo tuần",
                                  .period = BULLETIN_WEEKLY,
                                  .due_local = "08:00",
                                  .due_day = 1,
                                  .to_forces = forces,
                                  .n_to_forces = 1,
                                  .is_active = true};
    struct bulletin_schedule got, *items = NULL;
    const char *field = NULL;
    size_t n = 0;
    bool more = false;

    /* Who manages: the unit's commanders and admins, and those above it. */
    assert_int_equal(TX(&h, bulletin_schedule_create(&h, &s, &field)), PH_EPERM);
    assert_int_equal(TX(&qs_top, bulletin_schedule_create(&qs_top, &s, &field)), PH_EPERM);
    (void)schedule_ok(&cmd, &s);
    assert_int_equal(s.version, 1);
    assert_string_equal(tu_audit_last(f->tu.st, &f->tu.a).action, "bulletin_schedule.create");
    assert_string_equal(tu_event_last(f->tu.st, &f->tu.a).topic, "bulletin_schedule.created");
    /* Who sees it: the unit and above, and the military province command it
     * reports to; not the border guard. */
    assert_int_equal(bulletin_schedule_get(&h, s.id, &got), PH_OK);
    assert_int_equal(bulletin_schedule_get(&qs_top, s.id, &got), PH_OK);
    assert_int_equal(bulletin_schedule_get(&bp, s.id, &got), PH_ENOTFOUND);
    assert_int_equal(bulletin_schedule_list(&bp, 0, 0, 50, &items, &n, &more), PH_OK);
    assert_int_equal(n, 0);
    assert_int_equal(bulletin_schedule_list(&qs_top, 0, 0, 50, &items, &n, &more), PH_OK);
    assert_int_equal(n, 1);
    assert_int_equal(bulletin_schedule_list(&admin, f->ca, 0, 50, &items, &n, &more), PH_OK);
    assert_int_equal(n, 1);
    assert_int_equal(bulletin_schedule_list(&admin, f->qs, 0, 50, &items, &n, &more), PH_OK);
    assert_int_equal(n, 0);
    /* Updates: a viewer of it may not; a stale version is refused; the unit stays. */
    got = s;
    got.title = "Báo cáo tuần (sửa)";
    assert_int_equal(TX(&qs_top, bulletin_schedule_update(&qs_top, &got, &field)), PH_EPERM);
    got.version = 7;
    assert_int_equal(TX(&admin, bulletin_schedule_update(&admin, &got, &field)), PH_ESTALE);
    got.version = 1;
    got.unit_id = f->ca_x1;
    assert_int_equal(TX(&admin, bulletin_schedule_update(&admin, &got, &field)), PH_OK);
    assert_int_equal(got.version, 2);
    assert_int_equal(got.unit_id, f->ca_h);
    assert_string_equal(got.title, "Báo cáo tuần (sửa)");
    assert_string_equal(tu_audit_last(f->tu.st, &f->tu.a).action, "bulletin_schedule.update");

    /* Validation names each member. */
    for (int i = 0; i < 10; i++) {
        int64_t self[1] = {f->ca_h};
        const char *bad_force[1] = {"navy"};
        struct bulletin_schedule t = s;
        const char *want = NULL;
        t.id = 0;
        switch (i) {
        case 0:
            t.unit_id = 987654;
            want = "unit_id";
            break;
        case 1:
            t.title = "";
            want = "title";
            break;
        case 2:
            t.period = "yearly";
            want = "period";
            break;
        case 3:
            t.due_local = "24:00";
            want = "due_local";
            break;
        case 4:
            t.due_local = "7:00";
            want = "due_local";
            break;
        case 5:
            t.due_day = 8;
            want = "due_day";
            break;
        case 6:
            t.period = BULLETIN_DAILY;
            want = "due_day";
            break;
        case 7:
            t.to_forces = bad_force;
            want = "to.forces";
            break;
        case 8:
            t.n_to_forces = 0;
            t.to_unit_ids = self;
            t.n_to_units = 1;
            want = "to";
            break;
        case 9:
            t.ack_minutes = -1;
            want = "ack_minutes";
            break;
        }
        TX_EINVAL_CASE(i, &admin, bulletin_schedule_create(&admin, &t, &field), field, want);
    }
}

/* ---- the scheduler's step --------------------------------------------------------------- */

static void test_bulletin_deadlines_run(void **state)
{
    struct ifx *f = *state;
    struct core_ctx cmd = tu_as(&f->tu, &f->h_cmd);
    struct core_ctx h = tu_as(&f->tu, &f->h);
    struct core_ctx sys = f->tu.sys;
    int64_t to[1] = {f->ca}, t0 = h.now_ms, next = -1, last_ev = 0;
    /* The fixture's now is 2025-11-24T16:00Z, 23:00 local: today's report was due
     * before the schedule existed; tomorrow's is due 2025-11-25T00:00Z. */
    int64_t due_25 = ms_of("2025-11-25T00:00:00Z");
    struct bulletin_schedule s = {.unit_id = f->ca_h,
                                  .title = "Báo cáo tình hình ngày",
                                  .period = BULLETIN_DAILY,
                                  .due_local = "07:00",
                                  .to_unit_ids = to,
                                  .n_to_units = 1,
                                  .is_active = true};
    struct bulletin b = adhoc("Cần xác nhận", to, 1, NULL, 0), got;
    struct store_outbox_event *evs = NULL;
    struct unit ca_h;
    size_t n = 0;
    bool due_now = true;
    int marked = -1;

    (void)schedule_ok(&cmd, &s);
    b.ack_minutes = 20;
    (void)send_ok(&h, &b);

    assert_int_equal(bulletin_deadlines_next(&sys, &due_now, &next), PH_OK);
    assert_false(due_now);
    assert_int_equal(next, t0 + 20 * IFX_MIN);
    assert_int_equal(TX(&sys, bulletin_deadlines_run(&sys, 100, &next, &marked)), PH_OK);
    assert_int_equal(marked, 0);
    assert_int_equal(next, t0 + 20 * IFX_MIN);

    /* The acknowledgement is late. */
    assert_int_equal(store_outbox_last_id(f->tu.st, &last_ev), PH_OK);
    sys.now_ms = t0 + 21 * IFX_MIN;
    assert_int_equal(bulletin_deadlines_next(&sys, &due_now, &next), PH_OK);
    assert_true(due_now);
    assert_int_equal(TX(&sys, bulletin_deadlines_run(&sys, 100, &next, &marked)), PH_OK);
    assert_int_equal(marked, 1);
    assert_int_equal(next, due_25);
    assert_int_equal(bulletin_get(&sys, b.id, &got), PH_OK);
    assert_true(got.overdue);
    assert_int_equal(rcpt_of(&got, f->ca)->overdue_at, sys.now_ms);
    assert_int_equal(store_outbox_after(f->tu.st, &f->tu.a, last_ev, 10, &evs, &n), PH_OK);
    assert_int_equal(n, 1);
    assert_string_equal(evs[0].topic, "bulletin.overdue");
    assert_int_equal(evs[0].item_id, b.id);
    assert_string_equal(tu_audit_last(f->tu.st, &f->tu.a).action, "bulletin.overdue");
    assert_int_equal(TX(&sys, bulletin_deadlines_run(&sys, 100, &next, &marked)), PH_OK);
    assert_int_equal(marked, 0); /* once */
    assert_int_equal(bulletin_deadlines_next(&sys, &due_now, &next), PH_OK);
    assert_false(due_now);

    /* The daily report does not come by 07:00: recorded missing, once, and the
     * unit that owes it and the unit above are told. */
    assert_int_equal(store_outbox_last_id(f->tu.st, &last_ev), PH_OK);
    sys.now_ms = due_25 + IFX_MIN;
    assert_int_equal(bulletin_deadlines_next(&sys, &due_now, &next), PH_OK);
    assert_true(due_now);
    assert_int_equal(TX(&sys, bulletin_deadlines_run(&sys, 100, &next, &marked)), PH_OK);
    assert_int_equal(marked, 1);
    assert_int_equal(next, due_25 + 24 * 60 * IFX_MIN);
    assert_int_equal(store_outbox_after(f->tu.st, &f->tu.a, last_ev, 10, &evs, &n), PH_OK);
    assert_int_equal(n, 1);
    assert_string_equal(evs[0].topic, "bulletin.missing");
    assert_string_equal(evs[0].item_kind, "bulletin_schedule");
    assert_int_equal(evs[0].item_id, s.id);
    assert_non_null(strstr(evs[0].payload, "\"period_start\":\"2025-11-25\""));
    assert_int_equal(unit_get(&sys, f->ca_h, &ca_h), PH_OK);
    assert_int_equal(strncmp(evs[0].scope_paths, ca_h.path, strlen(ca_h.path)), 0);
    assert_non_null(strchr(evs[0].scope_paths, ' ')); /* and the unit above */
    assert_int_equal(TX(&sys, bulletin_deadlines_run(&sys, 100, &next, &marked)), PH_OK);
    assert_int_equal(marked, 0);
    assert_int_equal(bulletin_deadlines_next(&sys, &due_now, &next), PH_OK);
    assert_false(due_now);

    /* Sent late for that day: accepted. The next day's, sent early, moves the next
     * due time a day on; a day and a half of silence records two misses. */
    h.now_ms = sys.now_ms + 30 * IFX_MIN;
    b = (struct bulletin){.schedule_id = s.id, .situation = "Báo cáo muộn."};
    (void)send_ok(&h, &b);
    assert_string_equal(b.period_start, "2025-11-25");
    b = (struct bulletin){
        .schedule_id = s.id, .period_start = "2025-11-26", .situation = "Báo cáo sớm."};
    (void)send_ok(&h, &b);
    sys.now_ms = h.now_ms;
    assert_int_equal(TX(&sys, bulletin_deadlines_run(&sys, 100, &next, &marked)), PH_OK);
    assert_int_equal(next, due_25 + 2 * 24 * 60 * IFX_MIN);
    sys.now_ms = due_25 + 3 * 24 * 60 * IFX_MIN + IFX_MIN; /* 2025-11-28 07:01 local */
    assert_int_equal(TX(&sys, bulletin_deadlines_run(&sys, 1, &next, &marked)), PH_OK);
    assert_int_equal(marked, 1);
    assert_int_equal(next, sys.now_ms); /* a full batch: again at once */
    assert_int_equal(TX(&sys, bulletin_deadlines_run(&sys, 100, &next, &marked)), PH_OK);
    assert_int_equal(marked, 1); /* 11-27 and 11-28; 11-26 came early */
    assert_int_equal(TX(&sys, bulletin_deadlines_run(&sys, 100, &next, &marked)), PH_OK);
    assert_int_equal(marked, 0);
    /* An inactive schedule owes nothing. */
    s.is_active = false;
    assert_int_equal(TX(&cmd, bulletin_schedule_update(&cmd, &s, NULL)), PH_OK);
    sys.now_ms += 24 * 60 * IFX_MIN;
    assert_int_equal(bulletin_deadlines_next(&sys, &due_now, &next), PH_OK);
    assert_false(due_now);
    assert_int_equal(next, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TU_ARENA_TEST(test_bulletin_period_due),
        IFX_TEST(test_bulletin_send_validation),
        IFX_TEST(test_bulletin_send_to_forces),
        IFX_TEST(test_bulletin_periodic_once_per_period),
        IFX_TEST(test_bulletin_acknowledge_once),
        IFX_TEST(test_bulletin_access_per_force_and_clearance),
        IFX_TEST(test_bulletin_inbox_order),
        IFX_TEST(test_bulletin_schedules),
        IFX_TEST(test_bulletin_deadlines_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
