/* test_draft.c - incident drafts (core/draft.c): a marker becomes an open draft
 * of the reporter's unit; the same marker (device and uid, or person and uid
 * without a device) moved updates that draft, a repeat or an older copy writes
 * nothing; a 422 naming each bad member with nothing written; who reads and who
 * decides; promotion creates the incident in the same transaction with the
 * draft's place, time, title and unit, linked back from the draft; dismissal
 * needs a reason; a decided draft is 409 to both, and a later change of its
 * marker opens a new draft.
 *
 * The fixture is incident_fx.h's province: police ca > ca_h > ca_x1, ca_x2;
 * military qs > qs_h; border guard bp > bp_don. C1 (ca_x1's commune) is
 * [106.0, 106.1] x [10.0, 10.1]. */
#include "util/base.h"
#include <math.h>
#include "incident_fx.h"
#include "core/access.h"
#include "core/draft.h"
#include "core/incident.h"
#include "store/store.h"
#include "util/arena.h"

/* ---- helpers ----------------------------------------------------------------------- */

/* A marker in C1, a minute before cx's now. */
static struct incident_draft marker(struct core_ctx *cx, const char *uid, int64_t device)
{
    struct incident_draft d = {.uid = uid,
                               .cot_type = "b-m-p-s-m",
                               .title = "Ghe lạ neo đậu",
                               .remarks = "Hai người trên ghe, không rõ quốc tịch",
                               .at = cx->now_ms - 60000,
                               .lat = 10.05,
                               .lon = 106.05,
                               .device_id = device};
    return d;
}

static int64_t upsert_ok(struct core_ctx *cx, struct incident_draft *d, bool want_created)
{
    const char *field = NULL;
    bool created = !want_created;
    ph_err rc = TX(cx, draft_upsert(cx, d, &created, &field));
    if (rc != PH_OK)
        fail_msg("upsert %s: %d (%s)", d->uid != NULL ? d->uid : "(null)", rc,
                 field != NULL ? field : "");
    assert_int_equal(created, want_created);
    assert_true(d->id > 0);
    return d->id;
}

static size_t count_status(struct ifx *f, const char *status)
{
    struct incident_draft *items = NULL;
    size_t n = 0;
    bool more = false;
    assert_int_equal(draft_list(&f->tu.sys, status, 0, 500, &items, &n, &more), PH_OK);
    return n;
}

static bool lists(struct ifx *f, const struct core_user *who, int64_t id)
{
    struct core_ctx cx = tu_as(&f->tu, who);
    struct incident_draft *items = NULL;
    size_t n = 0;
    bool more = false;
    assert_int_equal(draft_list(&cx, NULL, 0, 500, &items, &n, &more), PH_OK);
    for (size_t i = 0; i < n; i++)
        if (items[i].id == id)
            return true;
    return false;
}

/* ---- upsert ------------------------------------------------------------------------ */

static void test_draft_create(void **state)
{
    struct ifx *f = *state;
    struct core_ctx x1 = tu_as(&f->tu, &f->x1_reporter);
    struct incident_draft d = marker(&x1, "ANDROID-1.marker-1", 5);
    struct store_outbox_event ev;
    struct audit_entry ae;

    d.title = "  Ghe la\xCC\xA3 neo \xC4\x91\xC3\xA2\xCC\xA3u ";
    upsert_ok(&x1, &d, true);
    assert_string_equal(d.title, "Ghe lạ neo đậu");
    assert_string_equal(d.status, DRAFT_OPEN);
    assert_int_equal(d.unit_id, f->ca_x1);
    assert_int_equal(d.person_id, f->x1_reporter.person_id);
    assert_int_equal(d.device_id, 5);
    assert_int_equal(d.version, 1);
    assert_int_equal(d.incident_id, 0);
    assert_non_null(d.unit_path);
    ae = tu_audit_last(f->tu.st, &f->tu.a);
    assert_string_equal(ae.action, "draft.create");
    assert_int_equal(ae.item_id, d.id);
    ev = tu_event_last(f->tu.st, &f->tu.a);
    assert_string_equal(ev.topic, "draft.created");
    assert_int_equal(ev.item_id, d.id);
    assert_int_equal(ev.access_kind, ITEM_OPERATIONAL);
    assert_string_equal(ev.scope_paths, d.unit_path);

    /* Defaults: the type, the time. */
    struct incident_draft e = marker(&x1, "ANDROID-1.marker-2", 5);
    e.cot_type = NULL;
    e.at = 0;
    upsert_ok(&x1, &e, true);
    assert_string_equal(e.cot_type, "b-m-p-s-m");
    assert_int_equal(e.at, x1.now_ms);
    /* Readers can drop no marker. */
    struct core_ctx viewer = tu_as(&f->tu, &f->x1_viewer);
    struct incident_draft v = marker(&viewer, "ANDROID-1.marker-3", 5);
    bool created = false;
    const char *field = NULL;
    assert_int_equal(TX(&viewer, draft_upsert(&viewer, &v, &created, &field)), PH_EPERM);
}

static void test_draft_update_same_marker(void **state)
{
    struct ifx *f = *state;
    struct core_ctx x1 = tu_as(&f->tu, &f->x1_reporter);
    struct core_ctx x2 = tu_as(&f->tu, &f->x2);
    struct incident_draft d = marker(&x1, "ANDROID-1.m", 5);
    int64_t id = upsert_ok(&x1, &d, true), audits, events;
    struct store_outbox_event ev;

    /* Moved and renamed on the map: the same draft, a new version. */
    struct incident_draft moved = marker(&x1, "ANDROID-1.m", 5);
    moved.at += 30000;
    moved.lat = 10.06;
    moved.title = "Ghe lạ đã di chuyển";
    assert_int_equal(upsert_ok(&x1, &moved, false), id);
    assert_int_equal(moved.version, 2);
    assert_true(moved.lat == 10.06);
    assert_string_equal(moved.title, "Ghe lạ đã di chuyển");
    assert_string_equal(tu_audit_last(f->tu.st, &f->tu.a).action, "draft.update");
    ev = tu_event_last(f->tu.st, &f->tu.a);
    assert_string_equal(ev.topic, "draft.updated");
    assert_int_equal(ev.item_id, id);
    assert_int_equal(count_status(f, DRAFT_OPEN), 1);

    /* A repeat, and an older copy: nothing written, the draft as stored. */
    audits = tu_audit_count(f->tu.st);
    events = tu_event_last(f->tu.st, &f->tu.a).id;
    struct incident_draft again = moved;
    again.id = 0;
    assert_int_equal(upsert_ok(&x1, &again, false), id);
    struct incident_draft old = marker(&x1, "ANDROID-1.m", 5);
    old.lat = 10.02;
    assert_int_equal(upsert_ok(&x1, &old, false), id);
    assert_true(old.lat == 10.06);
    assert_int_equal(old.version, 2);
    assert_int_equal(tu_audit_count(f->tu.st), audits);
    assert_int_equal(tu_event_last(f->tu.st, &f->tu.a).id, events);

    /* Another device's marker of the same uid, the person's own without a
     * device, and another person's without a device: three more drafts. */
    struct incident_draft other_dev = marker(&x1, "ANDROID-1.m", 6);
    assert_true(upsert_ok(&x1, &other_dev, true) != id);
    struct incident_draft no_dev = marker(&x1, "ANDROID-1.m", 0);
    int64_t mine = upsert_ok(&x1, &no_dev, true);
    struct incident_draft theirs = marker(&x2, "ANDROID-1.m", 0);
    assert_true(upsert_ok(&x2, &theirs, true) != mine);
    struct incident_draft mine_moved = marker(&x1, "ANDROID-1.m", 0);
    mine_moved.at += 1000;
    mine_moved.lon = 106.07;
    assert_int_equal(upsert_ok(&x1, &mine_moved, false), mine);
    assert_int_equal(count_status(f, DRAFT_OPEN), 4);
}

static void test_draft_validation(void **state)
{
    struct ifx *f = *state;
    struct core_ctx x1 = tu_as(&f->tu, &f->x1);
    char big[9000], long_uid[202];
    int64_t audits = tu_audit_count(f->tu.st);
    const char *field = NULL;

    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    memset(long_uid, 'u', sizeof(long_uid) - 1);
    long_uid[sizeof(long_uid) - 1] = '\0';
    for (int i = 0; i < 15; i++) {
        struct incident_draft d = marker(&x1, "ANDROID-1.v", 5);
        bool created = false;
        const char *want = NULL;
        switch (i) {
        case 0:
            d.uid = NULL;
            want = "uid";
            break;
        case 1:
            d.uid = "a\nb";
            want = "uid";
            break;
        case 2:
            d.uid = long_uid;
            want = "uid";
            break;
        case 3:
            d.cot_type = "b m p";
            want = "cot_type";
            break;
        case 4:
            d.cot_type = "";
            want = "cot_type";
            break;
        case 5:
            d.title = NULL;
            want = "title";
            break;
        case 6:
            d.title = big;
            want = "title";
            break;
        case 7:
            d.remarks = big;
            want = "remarks";
            break;
        case 8:
            d.at = x1.now_ms + 10 * 60 * 1000;
            want = "at";
            break;
        case 9:
            d.at = x1.now_ms - 31LL * 24 * 60 * 60 * 1000;
            want = "at";
            break;
        case 10:
            d.lat = 95;
            want = "location";
            break;
        case 11:
            d.lon = -181;
            want = "location";
            break;
        case 12:
            d.lat = 0;
            d.lon = 0;
            want = "location";
            break;
        case 13:
            d.device_id = -1;
            want = "device_id";
            break;
        case 14:
            d.lat = NAN;
            want = "location";
            break;
        }
        TX_EINVAL_CASE(i, &x1, draft_upsert(&x1, &d, &created, &field), field, want);
    }
    assert_int_equal(count_status(f, DRAFT_OPEN), 0);
    assert_int_equal(tu_audit_count(f->tu.st), audits);
}

/* ---- access ------------------------------------------------------------------------ */

static void test_draft_access(void **state)
{
    struct ifx *f = *state;
    struct core_ctx x1 = tu_as(&f->tu, &f->x1_reporter);
    struct core_ctx qs = tu_as(&f->tu, &f->qs_duty);
    struct core_ctx rep = tu_as(&f->tu, &f->x1_reporter);
    struct core_ctx x2 = tu_as(&f->tu, &f->x2);
    struct incident_draft d = marker(&x1, "ANDROID-1.a", 5), got;
    struct incident inc = {.category_id = f->cat_crime};
    const char *field = NULL;

    upsert_ok(&x1, &d, true);
    assert_true(lists(f, &f->x1_viewer, d.id));
    assert_true(lists(f, &f->h, d.id));
    assert_false(lists(f, &f->x2, d.id));
    assert_false(lists(f, &f->qs_top, d.id));
    assert_int_equal(draft_get(&x1, d.id, &got), PH_OK);
    assert_string_equal(got.uid, "ANDROID-1.a");
    assert_int_equal(draft_get(&qs, d.id, &got), PH_ENOTFOUND);
    assert_int_equal(draft_get(&qs, 987654, &got), PH_ENOTFOUND);
    /* Deciding is for duty officers and commanders of the unit or above it. */
    assert_int_equal(TX(&rep, draft_promote(&rep, d.id, &inc, &field)), PH_EPERM);
    assert_int_equal(TX(&rep, draft_dismiss(&rep, d.id, "Trùng lặp", &field)), PH_EPERM);
    assert_int_equal(TX(&qs, draft_dismiss(&qs, d.id, "Trùng lặp", &field)), PH_ENOTFOUND);
    assert_int_equal(TX(&x2, draft_promote(&x2, d.id, &inc, &field)), PH_ENOTFOUND);
    assert_int_equal(count_status(f, DRAFT_OPEN), 1);
}

/* ---- decisions --------------------------------------------------------------------- */

static void test_draft_promote(void **state)
{
    struct ifx *f = *state;
    struct core_ctx x1 = tu_as(&f->tu, &f->x1_reporter);
    struct core_ctx h = tu_as(&f->tu, &f->h);
    struct incident_draft d = marker(&x1, "ANDROID-1.p", 5), got;
    struct incident inc = {.category_id = f->cat_crime, .severity = 3}, stored;
    struct incident none = {0};
    int64_t incidents_before;
    const char *field = NULL;

    upsert_ok(&x1, &d, true);
    /* The category is the officer's to give. */
    TX_EINVAL(&h, draft_promote(&h, d.id, &none, &field), field, "category");
    /* A bad member of the incident is named as incident_create names it. */
    struct incident bad = {.category_id = f->cat_crime, .severity = 9};
    TX_EINVAL(&h, draft_promote(&h, d.id, &bad, &field), field, "severity");
    {
        struct incident *items = NULL;
        struct incident_filter flt = {.limit = 500};
        size_t n = 0;
        bool more = false;
        assert_int_equal(incident_list(&f->tu.sys, &flt, &items, &n, &more), PH_OK);
        incidents_before = (int64_t)n;
    }
    assert_int_equal(count_status(f, DRAFT_OPEN), 1);

    assert_int_equal(TX(&h, draft_promote(&h, d.id, &inc, &field)), PH_OK);
    assert_true(inc.id > 0);
    assert_non_null(inc.ref);
    stored = ifx_get(f, inc.id);
    assert_string_equal(stored.title, "Ghe lạ neo đậu");
    assert_string_equal(stored.description, "Hai người trên ghe, không rõ quốc tịch");
    assert_true(stored.has_location && stored.lat == 10.05 && stored.lon == 106.05);
    assert_int_equal(stored.occurred_at, d.at);
    assert_int_equal(stored.reporting_unit_id, f->ca_x1);
    assert_int_equal(stored.severity, 3);
    assert_int_equal(stored.area_id, f->c1); /* found from the draft's place */
    /* Linked back. */
    assert_int_equal(draft_get(&h, d.id, &got), PH_OK);
    assert_string_equal(got.status, DRAFT_PROMOTED);
    assert_int_equal(got.incident_id, inc.id);
    assert_int_equal(got.version, 2);
    assert_string_equal(tu_audit_last(f->tu.st, &f->tu.a).action, "draft.promote");
    assert_string_equal(tu_event_last(f->tu.st, &f->tu.a).topic, "draft.promoted");
    {
        struct incident *items = NULL;
        struct incident_filter flt = {.limit = 500};
        size_t n = 0;
        bool more = false;
        assert_int_equal(incident_list(&f->tu.sys, &flt, &items, &n, &more), PH_OK);
        assert_int_equal((int64_t)n, incidents_before + 1);
    }
    assert_int_equal(count_status(f, DRAFT_OPEN), 0);
    assert_int_equal(count_status(f, DRAFT_PROMOTED), 1);

    /* Decided: 409 to both. */
    struct incident again = {.category_id = f->cat_crime};
    field = NULL;
    assert_int_equal(TX(&h, draft_promote(&h, d.id, &again, &field)), PH_ECONFLICT);
    assert_string_equal(field, "status");
    assert_int_equal(TX(&h, draft_dismiss(&h, d.id, "Đã xử lý", &field)), PH_ECONFLICT);

    /* The same marker resent: the promoted draft, nothing new. A newer change
     * of it: a new open draft. */
    struct incident_draft resent = marker(&x1, "ANDROID-1.p", 5);
    assert_int_equal(upsert_ok(&x1, &resent, false), d.id);
    assert_string_equal(resent.status, DRAFT_PROMOTED);
    struct incident_draft changed = marker(&x1, "ANDROID-1.p", 5);
    changed.at += 5000;
    changed.remarks = "Ghe đã rời đi";
    assert_true(upsert_ok(&x1, &changed, true) != d.id);
    assert_int_equal(count_status(f, DRAFT_OPEN), 1);
}

static void test_draft_promote_overrides(void **state)
{
    struct ifx *f = *state;
    struct core_ctx x1 = tu_as(&f->tu, &f->x1_reporter);
    struct core_ctx h = tu_as(&f->tu, &f->h_cmd);
    struct incident_draft d = marker(&x1, "ANDROID-1.o", 5);
    struct incident inc = {.category_id = f->cat_drugs,
                           .title = "Nghi vận chuyển ma túy",
                           .description = "Đã xác minh qua trinh sát",
                           .has_location = true,
                           .lat = 10.07,
                           .lon = 106.08,
                           .occurred_at = x1.now_ms - 3600000};
    const char *field = NULL;

    upsert_ok(&x1, &d, true);
    assert_int_equal(TX(&h, draft_promote(&h, d.id, &inc, &field)), PH_OK);
    struct incident stored = ifx_get(f, inc.id);
    assert_string_equal(stored.title, "Nghi vận chuyển ma túy");
    assert_string_equal(stored.description, "Đã xác minh qua trinh sát");
    assert_true(stored.lat == 10.07 && stored.lon == 106.08);
    assert_int_equal(stored.occurred_at, x1.now_ms - 3600000);
}

static void test_draft_dismiss(void **state)
{
    struct ifx *f = *state;
    struct core_ctx x1 = tu_as(&f->tu, &f->x1_reporter);
    struct core_ctx h = tu_as(&f->tu, &f->h);
    struct incident_draft d = marker(&x1, "ANDROID-1.d", 5), got;
    struct incident inc = {.category_id = f->cat_crime};
    int64_t audits;
    const char *field = NULL;

    upsert_ok(&x1, &d, true);
    audits = tu_audit_count(f->tu.st);
    TX_EINVAL(&h, draft_dismiss(&h, d.id, NULL, &field), field, "reason");
    TX_EINVAL(&h, draft_dismiss(&h, d.id, "   ", &field), field, "reason");
    assert_int_equal(tu_audit_count(f->tu.st), audits);
    assert_int_equal(TX(&h, draft_dismiss(&h, d.id, " Ghe đánh cá quen thuộc ", &field)), PH_OK);
    assert_int_equal(draft_get(&h, d.id, &got), PH_OK);
    assert_string_equal(got.status, DRAFT_DISMISSED);
    assert_string_equal(got.dismiss_reason, "Ghe đánh cá quen thuộc");
    assert_int_equal(got.incident_id, 0);
    assert_string_equal(tu_audit_last(f->tu.st, &f->tu.a).action, "draft.dismiss");
    assert_string_equal(tu_event_last(f->tu.st, &f->tu.a).topic, "draft.dismissed");
    field = NULL;
    assert_int_equal(TX(&h, draft_promote(&h, d.id, &inc, &field)), PH_ECONFLICT);
    assert_string_equal(field, "status");
    assert_int_equal(TX(&h, draft_dismiss(&h, d.id, "Lần nữa", &field)), PH_ECONFLICT);
    assert_int_equal(count_status(f, DRAFT_DISMISSED), 1);
}

static void test_draft_list(void **state)
{
    struct ifx *f = *state;
    struct core_ctx x1 = tu_as(&f->tu, &f->x1_reporter);
    struct core_ctx h = tu_as(&f->tu, &f->h);
    int64_t ids[4];
    struct incident_draft *items = NULL;
    size_t n = 0;
    bool more = false;
    const char *field = NULL;

    for (int i = 0; i < 4; i++) {
        char *uid = arena_printf(&f->tu.a, "ANDROID-1.l%d", i);
        struct incident_draft d = marker(&x1, uid, 5);
        ids[i] = upsert_ok(&x1, &d, true);
    }
    assert_int_equal(TX(&h, draft_dismiss(&h, ids[1], "Trùng", &field)), PH_OK);
    assert_int_equal(draft_list(&h, NULL, 0, 2, &items, &n, &more), PH_OK);
    assert_int_equal(n, 2);
    assert_true(more);
    assert_int_equal(items[0].id, ids[3]);
    assert_int_equal(items[1].id, ids[2]);
    assert_int_equal(draft_list(&h, DRAFT_OPEN, items[1].id, 2, &items, &n, &more), PH_OK);
    assert_int_equal(n, 1);
    assert_false(more);
    assert_int_equal(items[0].id, ids[0]);
    assert_int_equal(draft_list(&h, DRAFT_DISMISSED, 0, 0, &items, &n, &more), PH_OK);
    assert_int_equal(n, 1);
    assert_int_equal(items[0].id, ids[1]);
    assert_int_equal(draft_list(&h, "closed", 0, 0, &items, &n, &more), PH_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        IFX_TEST(test_draft_create),     IFX_TEST(test_draft_update_same_marker),
        IFX_TEST(test_draft_validation), IFX_TEST(test_draft_access),
        IFX_TEST(test_draft_promote),    IFX_TEST(test_draft_promote_overrides),
        IFX_TEST(test_draft_dismiss),    IFX_TEST(test_draft_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
