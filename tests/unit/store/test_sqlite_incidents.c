/* test_sqlite_incidents.c - the SQLite backend's incidents: reference numbers,
 * insert/get/update with versions, the joined members, every list filter, the
 * access scope (clearance, unit path ranges with sibling paths), full-text
 * search with folding and prefixes, recipients, acknowledgements and the
 * timeline, idempotency keys, inboxes, deadlines, timeliness rows, and the
 * scope columns of outbox events. */
#include "util/base.h"
#include <sqlite3.h>
#include "testutil.h"
#include "store/sqlite_int.h"
#include "util/log.h"

#define T0 1764000000000LL /* 2025-11-24T16:00:00Z */
#define MIN (60 * 1000LL)

/* ---- fixture ------------------------------------------------------------- */

/* Units: police[1] is the province (/1/), police[2..20] are districts below it
 * (/1/2/ .. /1/20/: /1/2/ and /1/20/ share a prefix as text), commune (/1/2/21/)
 * is below police[2]; bg and mil are the other forces' province units. Areas:
 * province > district > commune, and another province. */
struct fx {
    struct store *st;
    struct arena a;
    int64_t police[21], commune, bg, mil;
    int64_t area_prov, area_dist, area_comm, area_other;
    int64_t crime, drugs;
    int64_t person; /* a real person, for joined names */
};

static int64_t add_unit(struct fx *f, const char *code, const char *force, int64_t parent_id)
{
    struct unit u = {.code = code,
                     .name = code,
                     .force = force,
                     .parent_id = parent_id,
                     .level = parent_id == 0 ? "province" : "district",
                     .is_active = true};
    int64_t id = 0;
    assert_int_equal(store_unit_insert(f->st, &u, code, &id), PH_OK);
    return id;
}

static int64_t add_area(struct fx *f, const char *code, const char *level, int64_t parent_id)
{
    struct area a = {.code = code,
                     .name = code,
                     .level = level,
                     .kind = "coastal",
                     .parent_id = parent_id,
                     .valid_from = "2020-01-01"};
    int64_t id = 0;
    assert_int_equal(store_area_insert(f->st, &a, code, &id), PH_OK);
    return id;
}

static int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct category c;
    char code[16];

    if (f == NULL || store_open("sqlite::memory:", &f->st) != PH_OK) {
        free(f);
        return -1;
    }
    arena_init(&f->a);
    f->police[1] = add_unit(f, "CA", "police", 0);
    for (int i = 2; i <= 20; i++) {
        snprintf(code, sizeof(code), "CA-%d", i);
        f->police[i] = add_unit(f, arena_strdup(&f->a, code), "police", f->police[1]);
    }
    f->commune = add_unit(f, "CA-2-X", "police", f->police[2]);
    f->bg = add_unit(f, "BP", "border_guard", 0);
    f->mil = add_unit(f, "QS", "military", 0);
    f->area_prov = add_area(f, "83", "province", 0);
    f->area_dist = add_area(f, "829", "district", f->area_prov);
    f->area_comm = add_area(f, "29000", "commune", f->area_dist);
    f->area_other = add_area(f, "84", "province", 0);
    assert_int_equal(store_category_get_by_code(f->st, &f->a, "crime", &c), PH_OK);
    f->crime = c.id;
    assert_int_equal(store_category_get_by_code(f->st, &f->a, "drugs", &c), PH_OK);
    f->drugs = c.id;
    struct person p = {.username = "trucban",
                       .full_name = "Đặng Văn Thạch",
                       .roles = 4,
                       .clearance = 1,
                       .unit_id = f->police[2]};
    assert_int_equal(store_person_insert(f->st, &p, "dang van thach", &f->person), PH_OK);
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    struct fx *f = *state;
    store_close(f->st);
    arena_release(&f->a);
    free(f);
    return 0;
}

#define FX_TEST(t) cmocka_unit_test_setup_teardown(t, fx_setup, fx_teardown)

/* ---- builders ------------------------------------------------------------ */

/* A plain new incident led and reported by police[2], numbered PH-2025-n. */
static struct incident mk(struct fx *f, const char *title)
{
    int64_t seq = 0;
    assert_int_equal(store_incident_ref_next(f->st, "PH", 2025, &seq), PH_OK);
    struct incident inc = {.ref = arena_printf(&f->a, "PH-2025-%06lld", (long long)seq),
                           .category_id = f->crime,
                           .severity = 2,
                           .title = title,
                           .occurred_at = T0,
                           .detected_at = T0,
                           .reported_at = T0 + 10 * MIN,
                           .reporting_unit_id = f->police[2],
                           .lead_unit_id = f->police[2],
                           .classification = CLEARANCE_UNCLASSIFIED,
                           .status = "new",
                           .cap_status = "actual",
                           .created_at = T0 + 10 * MIN};
    return inc;
}

static int64_t ins(struct fx *f, struct incident *inc)
{
    int64_t id = 0;
    assert_int_equal(store_incident_insert(f->st, inc, &id), PH_OK);
    inc->id = id;
    return id;
}

/* Insert inc with its lead as the one recipient (no deadline). */
static int64_t ins_led(struct fx *f, struct incident *inc)
{
    int64_t id = ins(f, inc);
    struct incident_recipient r = {.unit_id = inc->lead_unit_id, .role = "lead", .sent_at = T0};
    assert_int_equal(store_incident_recipient_put(f->st, id, &r), PH_OK);
    return id;
}

static void put_rcpt(struct fx *f, int64_t incident_id, int64_t unit_id, const char *role,
                     int64_t sent_at, int64_t ack_due, int64_t verify_due)
{
    struct incident_recipient r = {.unit_id = unit_id,
                                   .role = role,
                                   .sent_at = sent_at,
                                   .ack_due_at = ack_due,
                                   .verify_due_at = verify_due};
    assert_int_equal(store_incident_recipient_put(f->st, incident_id, &r), PH_OK);
}

static struct incident get(struct fx *f, int64_t id, int64_t now)
{
    struct incident inc;
    assert_int_equal(store_incident_get(f->st, &f->a, id, now, &inc), PH_OK);
    return inc;
}

/* The ids a list gives, as "id id ...", newest first. */
static const char *list_ids(struct fx *f, struct incident_filter flt, int64_t now)
{
    struct incident *items = NULL;
    size_t n = 0;
    bool more = false;
    char *out = arena_strdup(&f->a, "");
    if (flt.limit == 0)
        flt.limit = 100;
    if (flt.scope.clearance == 0 && flt.scope.unit_path == NULL)
        flt.scope.clearance = CLEARANCE_TOP_SECRET;
    assert_int_equal(store_incident_list(f->st, &f->a, &flt, now, &items, &n, &more), PH_OK);
    for (size_t i = 0; i < n; i++)
        out = arena_printf(&f->a, "%s%s%lld", out, i > 0 ? " " : "", (long long)items[i].id);
    return out;
}

/* "a b c" from ids, up to the first 0. */
static const char *ids(struct fx *f, int64_t a, int64_t b, int64_t c, int64_t d)
{
    int64_t v[] = {b, c, d};
    const char *s = a != 0 ? arena_printf(&f->a, "%lld", (long long)a) : "";
    for (size_t i = 0; i < PH_NELEM(v) && v[i] != 0; i++)
        s = arena_printf(&f->a, "%s %lld", s, (long long)v[i]);
    return s;
}

static const char *path_of(struct fx *f, int64_t unit_id)
{
    struct unit u;
    assert_int_equal(store_unit_get(f->st, &f->a, unit_id, &u), PH_OK);
    return u.path;
}

/* ---- reference numbers --------------------------------------------------- */

static void test_sqlite_incident_ref_next(void **state)
{
    struct fx *f = *state;
    int64_t seq = 0;

    assert_int_equal(store_incident_ref_next(f->st, "PH", 2026, &seq), PH_OK);
    assert_int_equal(seq, 1);
    assert_int_equal(store_incident_ref_next(f->st, "PH", 2026, &seq), PH_OK);
    assert_int_equal(seq, 2);
    assert_int_equal(store_incident_ref_next(f->st, "PH", 2027, &seq), PH_OK);
    assert_int_equal(seq, 1);
    assert_int_equal(store_incident_ref_next(f->st, "BT", 2026, &seq), PH_OK);
    assert_int_equal(seq, 1);

    /* The counter is in the caller's transaction: a create that rolls back gives
     * its number back, so no stored incident ever shares one and none is skipped. */
    assert_int_equal(store_tx_begin(f->st), PH_OK);
    assert_int_equal(store_savepoint(f->st), PH_OK);
    assert_int_equal(store_incident_ref_next(f->st, "PH", 2026, &seq), PH_OK);
    assert_int_equal(seq, 3);
    assert_int_equal(store_savepoint_rollback(f->st), PH_OK);
    assert_int_equal(store_incident_ref_next(f->st, "PH", 2026, &seq), PH_OK);
    assert_int_equal(seq, 3);
    assert_int_equal(store_tx_commit(f->st), PH_OK);
    assert_int_equal(store_incident_ref_next(f->st, "PH", 2026, &seq), PH_OK);
    assert_int_equal(seq, 4);

    /* A batch keeps its counter until it commits: a job released keeps its
     * number when a later one (which also numbered under another prefix) rolls
     * back, and a batch rolled back gives back all of them. */
    assert_int_equal(store_tx_begin(f->st), PH_OK);
    assert_int_equal(store_savepoint(f->st), PH_OK);
    assert_int_equal(store_incident_ref_next(f->st, "PH", 2026, &seq), PH_OK);
    assert_int_equal(seq, 5);
    assert_int_equal(store_savepoint_release(f->st), PH_OK);
    assert_int_equal(store_savepoint(f->st), PH_OK);
    assert_int_equal(store_incident_ref_next(f->st, "PH", 2026, &seq), PH_OK);
    assert_int_equal(seq, 6);
    assert_int_equal(store_incident_ref_next(f->st, "BT", 2026, &seq), PH_OK);
    assert_int_equal(seq, 2);
    assert_int_equal(store_savepoint_rollback(f->st), PH_OK);
    assert_int_equal(store_incident_ref_next(f->st, "PH", 2026, &seq), PH_OK);
    assert_int_equal(seq, 6);
    assert_int_equal(store_tx_rollback(f->st), PH_OK);
    assert_int_equal(store_incident_ref_next(f->st, "PH", 2026, &seq), PH_OK);
    assert_int_equal(seq, 5);
    assert_int_equal(store_tx_begin(f->st), PH_OK);
    assert_int_equal(store_incident_ref_next(f->st, "BT", 2026, &seq), PH_OK);
    assert_int_equal(seq, 2);
    assert_int_equal(store_incident_ref_next(f->st, "PH", 2026, &seq), PH_OK);
    assert_int_equal(seq, 6);
    assert_int_equal(store_tx_commit(f->st), PH_OK);
    assert_int_equal(store_incident_ref_next(f->st, "BT", 2026, &seq), PH_OK);
    assert_int_equal(seq, 3);
    assert_int_equal(store_incident_ref_next(f->st, "PH", 2026, &seq), PH_OK);
    assert_int_equal(seq, 7);
}

/* ---- insert, get, update ------------------------------------------------- */

static void test_sqlite_incident_crud(void **state)
{
    struct fx *f = *state;
    int64_t informed[] = {f->bg};
    struct incident inc = mk(f, "Tàu cá mất liên lạc");
    inc.category_id = f->drugs;
    inc.severity = 3;
    inc.description = "Ngư dân báo tàu KG-1234 mất liên lạc";
    inc.detected_at = T0 + MIN;
    inc.has_location = true;
    inc.lat = 9.6;
    inc.lon = 106.2;
    inc.area_id = f->area_comm;
    inc.lead_unit_id = f->bg;
    inc.informed_unit_ids = informed; /* not stored by insert: recipients are */
    inc.n_informed = 1;
    inc.people_involved = 5;
    inc.vehicles_involved = 1;
    inc.vessels_involved = 2;
    inc.casualties_dead = 1;
    inc.casualties_injured = 3;
    inc.damage = "Hư hỏng máy";
    inc.classification = CLEARANCE_CONFIDENTIAL;
    inc.cap_status = "exercise";
    inc.rule_id = 1;
    inc.report_due_at = T0 + 61 * MIN;
    inc.report_late = false;
    inc.created_by = 77;
    int64_t id = ins(f, &inc);
    assert_true(id > 0);

    struct incident got = get(f, id, T0);
    assert_int_equal(got.id, id);
    assert_string_equal(got.ref, inc.ref);
    assert_int_equal(got.category_id, f->drugs);
    assert_string_equal(got.category_code, "drugs");
    assert_int_equal(got.severity, 3);
    assert_string_equal(got.title, "Tàu cá mất liên lạc");
    assert_string_equal(got.description, inc.description);
    assert_int_equal(got.occurred_at, T0);
    assert_int_equal(got.detected_at, T0 + MIN);
    assert_int_equal(got.reported_at, T0 + 10 * MIN);
    assert_true(got.has_location);
    assert_true(got.lat == 9.6 && got.lon == 106.2);
    assert_int_equal(got.area_id, f->area_comm);
    assert_int_equal(got.reporting_unit_id, f->police[2]);
    assert_int_equal(got.lead_unit_id, f->bg);
    assert_int_equal(got.people_involved, 5);
    assert_int_equal(got.vehicles_involved, 1);
    assert_int_equal(got.vessels_involved, 2);
    assert_int_equal(got.casualties_dead, 1);
    assert_int_equal(got.casualties_injured, 3);
    assert_string_equal(got.damage, "Hư hỏng máy");
    assert_int_equal(got.classification, CLEARANCE_CONFIDENTIAL);
    assert_string_equal(got.status, "new");
    assert_string_equal(got.cap_status, "exercise");
    assert_int_equal(got.merged_into_id, 0);
    assert_int_equal(got.rule_id, 1);
    assert_int_equal(got.report_due_at, T0 + 61 * MIN);
    assert_false(got.report_late);
    assert_int_equal(got.created_by, 77);
    assert_int_equal(got.version, 1);
    assert_int_equal(got.created_at, T0 + 10 * MIN);
    assert_int_equal(got.updated_at, T0 + 10 * MIN);
    assert_string_equal(got.lead_unit_path, path_of(f, f->bg));
    assert_string_equal(got.lead_force, "border_guard");
    assert_string_equal(got.reporting_unit_path, "/1/2/");
    assert_int_equal(got.n_sent_to, 0); /* no recipients yet */
    assert_int_equal(got.n_informed, 0);
    assert_false(got.overdue);
    assert_null(got.recipients);

    struct incident by_ref;
    assert_int_equal(store_incident_get_by_ref(f->st, &f->a, inc.ref, T0, &by_ref), PH_OK);
    assert_int_equal(by_ref.id, id);
    assert_int_equal(store_incident_get_by_ref(f->st, &f->a, "PH-1-1", T0, &by_ref), PH_ENOTFOUND);
    assert_int_equal(store_incident_get(f->st, &f->a, id + 100, T0, &by_ref), PH_ENOTFOUND);

    /* update: client members, status, lead, merged_into; versioned */
    got.title = "Tàu cá đã liên lạc lại";
    got.description = NULL;
    got.has_location = false;
    got.area_id = 0;
    got.severity = 1;
    got.status = "transferred";
    got.lead_unit_id = f->mil;
    got.cap_status = "actual";
    got.classification = CLEARANCE_SECRET;
    got.updated_at = T0 + 20 * MIN;
    assert_int_equal(store_incident_update(f->st, &got), PH_OK);
    struct incident upd = get(f, id, T0);
    assert_int_equal(upd.version, 2);
    assert_string_equal(upd.title, "Tàu cá đã liên lạc lại");
    assert_null(upd.description);
    assert_false(upd.has_location);
    assert_int_equal(upd.area_id, 0);
    assert_int_equal(upd.severity, 1);
    assert_string_equal(upd.status, "transferred");
    assert_int_equal(upd.lead_unit_id, f->mil);
    assert_string_equal(upd.lead_force, "military");
    assert_string_equal(upd.cap_status, "actual");
    assert_int_equal(upd.classification, CLEARANCE_SECRET);
    assert_int_equal(upd.updated_at, T0 + 20 * MIN);
    assert_string_equal(upd.ref, inc.ref);            /* never rewritten */
    assert_int_equal(upd.reported_at, T0 + 10 * MIN); /* ditto */
    assert_int_equal(upd.created_by, 77);
    assert_int_equal(store_incident_update(f->st, &got), PH_ESTALE); /* still version 1 */
    got.version = 0;
    assert_int_equal(store_incident_update(f->st, &got), PH_OK);
    got.id = id + 100;
    assert_int_equal(store_incident_update(f->st, &got), PH_ENOTFOUND);

    /* merge into another */
    struct incident other = mk(f, "Trùng lặp");
    int64_t other_id = ins(f, &other);
    upd = get(f, id, T0);
    upd.status = "merged";
    upd.merged_into_id = other_id;
    assert_int_equal(store_incident_update(f->st, &upd), PH_OK);
    assert_int_equal(get(f, id, T0).merged_into_id, other_id);

    /* constraints: the same reference, an unknown category or unit */
    struct incident dup = mk(f, "Trùng số");
    dup.ref = inc.ref;
    int64_t dummy = 0;
    assert_int_equal(store_incident_insert(f->st, &dup, &dummy), PH_ECONFLICT);
    dup = mk(f, "Sai loại");
    dup.category_id = 4242;
    assert_int_equal(store_incident_insert(f->st, &dup, &dummy), PH_ECONFLICT);
    dup.category_id = f->crime;
    dup.lead_unit_id = 4242;
    assert_int_equal(store_incident_insert(f->st, &dup, &dummy), PH_ECONFLICT);
    /* a unit an incident names cannot be deleted; an area no longer named can */
    assert_int_equal(store_unit_delete(f->st, f->mil), PH_ECONFLICT);
    assert_int_equal(store_area_delete(f->st, f->area_comm), PH_OK);
}

static void test_sqlite_incident_joined(void **state)
{
    struct fx *f = *state;
    struct incident inc = mk(f, "Gây rối trật tự");
    inc.reporting_unit_id = f->commune;
    int64_t id = ins(f, &inc);

    put_rcpt(f, id, f->police[2], INCIDENT_ROLE_LEAD, T0, T0 + 30 * MIN, 0);
    put_rcpt(f, id, f->commune, INCIDENT_ROLE_REPORTING, T0 - 1, 0, 0);
    put_rcpt(f, id, f->mil, INCIDENT_ROLE_INFORMED, T0 + 2, T0 + 30 * MIN, T0 + 120 * MIN);
    put_rcpt(f, id, f->bg, INCIDENT_ROLE_INFORMED, T0 + 1, T0 + 30 * MIN, 0);

    struct incident got = get(f, id, T0);
    assert_string_equal(got.lead_unit_path, "/1/2/");
    assert_string_equal(got.lead_force, "police");
    assert_string_equal(got.reporting_unit_path, path_of(f, f->commune));
    /* every recipient but the lead, by sent_at */
    assert_int_equal(got.n_sent_to, 3);
    assert_string_equal(got.sent_to_paths[0], path_of(f, f->commune));
    assert_string_equal(got.sent_to_paths[1], path_of(f, f->bg));
    assert_string_equal(got.sent_to_paths[2], path_of(f, f->mil));
    assert_int_equal(got.n_informed, 2);
    assert_int_equal(got.informed_unit_ids[0], f->bg);
    assert_int_equal(got.informed_unit_ids[1], f->mil);

    /* overdue: a deadline passed (strictly) without its stage */
    assert_false(get(f, id, T0 + 30 * MIN).overdue);
    assert_true(get(f, id, T0 + 30 * MIN + 1).overdue);
    /* everyone received; the military's verification is still due */
    struct incident_recipient *rs = NULL;
    size_t n = 0;
    assert_int_equal(store_incident_recipients(f->st, &f->a, id, &rs, &n), PH_OK);
    for (size_t i = 0; i < n; i++) {
        rs[i].received_at = T0 + 5 * MIN;
        assert_int_equal(store_incident_recipient_put(f->st, id, &rs[i]), PH_OK);
    }
    assert_false(get(f, id, T0 + 60 * MIN).overdue);
    assert_true(get(f, id, T0 + 121 * MIN).overdue);
    /* a refusal ends what the unit owes */
    put_rcpt(f, id, f->mil, INCIDENT_ROLE_INFORMED, T0 + 2, T0 + 30 * MIN, T0 + 120 * MIN);
    struct incident_recipient refused = {.unit_id = f->mil,
                                         .role = INCIDENT_ROLE_INFORMED,
                                         .sent_at = T0 + 2,
                                         .ack_due_at = T0 + 30 * MIN,
                                         .refused_at = T0 + 3 * MIN,
                                         .refused_by = 5,
                                         .refused_reason = "Không thuộc thẩm quyền"};
    assert_int_equal(store_incident_recipient_put(f->st, id, &refused), PH_OK);
    assert_false(get(f, id, T0 + 121 * MIN).overdue);
}

/* A new incident's recipients in one call, more than one statement holds (4):
 * each row as given; a unit already there is a conflict. */
static void test_sqlite_incident_recipients_add(void **state)
{
    struct fx *f = *state;
    struct incident inc = mk(f, "Năm nơi nhận");
    int64_t id = ins(f, &inc);
    struct incident_recipient in[6] = {
        {.unit_id = f->police[2], .role = INCIDENT_ROLE_LEAD, .sent_at = T0,
         .ack_due_at = T0 + 30 * MIN, .received_at = T0, .received_by = f->person},
        {.unit_id = f->police[3], .role = INCIDENT_ROLE_INFORMED, .sent_at = T0,
         .ack_due_at = T0 + 30 * MIN, .verify_due_at = T0 + 120 * MIN},
        {.unit_id = f->police[4], .role = INCIDENT_ROLE_INFORMED, .sent_at = T0},
        {.unit_id = f->bg, .role = INCIDENT_ROLE_INFORMED, .sent_at = T0},
        {.unit_id = f->mil, .role = INCIDENT_ROLE_INFORMED, .sent_at = T0,
         .ack_due_at = T0 + 30 * MIN},
        {.unit_id = f->commune, .role = INCIDENT_ROLE_REPORTING, .sent_at = T0},
    };
    struct incident_recipient *rs = NULL;
    size_t n = 0;

    assert_int_equal(store_incident_recipients_add(f->st, id, in, 5), PH_OK);
    assert_int_equal(store_incident_recipients(f->st, &f->a, id, &rs, &n), PH_OK);
    assert_int_equal(n, 5);
    for (size_t i = 0; i < n; i++) { /* by sent_at (all T0), then unit id */
        const struct incident_recipient *want = NULL;
        for (size_t k = 0; k < 5; k++)
            if (in[k].unit_id == rs[i].unit_id)
                want = &in[k];
        assert_non_null(want);
        assert_true(i == 0 || rs[i - 1].unit_id < rs[i].unit_id);
        assert_string_equal(rs[i].role, want->role);
        assert_int_equal(rs[i].ack_due_at, want->ack_due_at);
        assert_int_equal(rs[i].verify_due_at, want->verify_due_at);
        assert_int_equal(rs[i].received_at, want->received_at);
        assert_int_equal(rs[i].received_by, want->received_by);
    }
    assert_int_equal(store_incident_recipients_add(f->st, id, &in[4], 2), PH_ECONFLICT);
    assert_int_equal(store_incident_recipients(f->st, &f->a, id, &rs, &n), PH_OK);
    assert_int_equal(n, 5);
    assert_int_equal(store_incident_recipients_add(f->st, id, &in[5], 1), PH_OK);
    assert_int_equal(store_incident_recipients_add(f->st, id, in, 0), PH_OK);
}

/* ---- lists --------------------------------------------------------------- */

static void test_sqlite_incident_list_filters(void **state)
{
    struct fx *f = *state;
    struct incident a = mk(f, "Một"), b = mk(f, "Hai"), c = mk(f, "Ba"), d = mk(f, "Bốn");

    a.occurred_at = T0 - 3 * 24 * 60 * MIN;
    a.severity = 1;
    a.area_id = f->area_prov;
    a.has_location = true;
    a.lat = 9.5;
    a.lon = 106.0;
    b.occurred_at = T0 - 2 * 24 * 60 * MIN;
    b.category_id = f->drugs;
    b.severity = 4;
    b.status = "responding";
    b.area_id = f->area_comm;
    b.has_location = true;
    b.lat = 10.5;
    b.lon = 106.0;
    c.occurred_at = T0 - 24 * 60 * MIN;
    c.severity = 3;
    c.cap_status = "exercise";
    c.lead_unit_id = f->bg;
    c.area_id = f->area_other;
    d.severity = 2;
    d.area_id = f->area_dist;
    int64_t ia = ins_led(f, &a), ib = ins_led(f, &b), ic = ins_led(f, &c), id = ins_led(f, &d);
    /* b is also sent to the commune unit below police[2]; c to police[20] */
    put_rcpt(f, ib, f->commune, INCIDENT_ROLE_INFORMED, T0, T0 + 10 * MIN, 0);
    put_rcpt(f, ic, f->police[20], INCIDENT_ROLE_INFORMED, T0, 0, 0);

    assert_string_equal(list_ids(f, (struct incident_filter){0}, T0), ids(f, id, ic, ib, ia));
    /* occurred_at in [from, to) */
    assert_string_equal(list_ids(f, (struct incident_filter){.from = b.occurred_at}, T0),
                        ids(f, id, ic, ib, 0));
    assert_string_equal(list_ids(f, (struct incident_filter){.to = c.occurred_at}, T0),
                        ids(f, ib, ia, 0, 0));
    assert_string_equal(list_ids(f, (struct incident_filter){.from = b.occurred_at, .to = T0}, T0),
                        ids(f, ic, ib, 0, 0));
    assert_string_equal(list_ids(f, (struct incident_filter){.category_id = f->drugs}, T0),
                        ids(f, ib, 0, 0, 0));
    assert_string_equal(list_ids(f, (struct incident_filter){.severity_min = 3}, T0),
                        ids(f, ic, ib, 0, 0));
    assert_string_equal(list_ids(f, (struct incident_filter){.severity_max = 2}, T0),
                        ids(f, id, ia, 0, 0));
    assert_string_equal(
        list_ids(f, (struct incident_filter){.severity_min = 2, .severity_max = 3}, T0),
        ids(f, id, ic, 0, 0));
    assert_string_equal(list_ids(f, (struct incident_filter){.status = "responding"}, T0),
                        ids(f, ib, 0, 0, 0));
    assert_string_equal(list_ids(f, (struct incident_filter){.cap_status = "exercise"}, T0),
                        ids(f, ic, 0, 0, 0));
    assert_string_equal(list_ids(f, (struct incident_filter){.cap_status = "actual"}, T0),
                        ids(f, id, ib, ia, 0));
    assert_string_equal(list_ids(f, (struct incident_filter){.force = "border_guard"}, T0),
                        ids(f, ic, 0, 0, 0));
    assert_string_equal(list_ids(f, (struct incident_filter){.force = "police"}, T0),
                        ids(f, id, ib, ia, 0));
    /* unit: a recipient is the unit or below it (police[2] is not police[20]) */
    assert_string_equal(list_ids(f, (struct incident_filter){.unit_id = f->commune}, T0),
                        ids(f, ib, 0, 0, 0));
    assert_string_equal(list_ids(f, (struct incident_filter){.unit_id = f->police[20]}, T0),
                        ids(f, ic, 0, 0, 0));
    assert_string_equal(list_ids(f, (struct incident_filter){.unit_id = f->police[2]}, T0),
                        ids(f, id, ib, ia, 0));
    assert_string_equal(list_ids(f, (struct incident_filter){.unit_id = f->police[1]}, T0),
                        ids(f, id, ic, ib, ia));
    assert_string_equal(list_ids(f, (struct incident_filter){.unit_id = f->mil}, T0), "");
    /* area with everything below it */
    assert_string_equal(list_ids(f, (struct incident_filter){.area_id = f->area_prov}, T0),
                        ids(f, id, ib, ia, 0));
    assert_string_equal(list_ids(f, (struct incident_filter){.area_id = f->area_dist}, T0),
                        ids(f, id, ib, 0, 0));
    assert_string_equal(list_ids(f, (struct incident_filter){.area_id = f->area_comm}, T0),
                        ids(f, ib, 0, 0, 0));
    assert_string_equal(list_ids(f, (struct incident_filter){.area_id = f->area_other}, T0),
                        ids(f, ic, 0, 0, 0));
    /* bounding box: only located incidents inside it */
    struct incident_filter box = {
        .has_bbox = true, .min_lon = 105.5, .max_lon = 106.5, .min_lat = 9.0, .max_lat = 10.0};
    assert_string_equal(list_ids(f, box, T0), ids(f, ia, 0, 0, 0));
    box.max_lat = 11;
    assert_string_equal(list_ids(f, box, T0), ids(f, ib, ia, 0, 0));
    /* overdue at now: b's commune ack was due T0 + 10 min */
    assert_string_equal(list_ids(f, (struct incident_filter){.overdue_only = true}, T0), "");
    assert_string_equal(list_ids(f, (struct incident_filter){.overdue_only = true}, T0 + 11 * MIN),
                        ids(f, ib, 0, 0, 0));
    /* filters combine */
    assert_string_equal(list_ids(f,
                                 (struct incident_filter){
                                     .force = "police", .severity_min = 2, .area_id = f->area_prov},
                                 T0),
                        ids(f, id, ib, 0, 0));

    /* pages: newest first, before_id keyset, has_more */
    struct incident *items = NULL;
    size_t n = 0;
    bool more = false;
    struct incident_filter page = {.limit = 3, .scope = {.clearance = CLEARANCE_TOP_SECRET}};
    assert_int_equal(store_incident_list(f->st, &f->a, &page, T0, &items, &n, &more), PH_OK);
    assert_int_equal(n, 3);
    assert_true(more);
    assert_int_equal(items[0].id, id);
    assert_int_equal(items[2].id, ib);
    assert_string_equal(items[1].lead_force, "border_guard"); /* joined members in lists */
    assert_int_equal(items[1].n_sent_to, 1);
    assert_string_equal(items[1].sent_to_paths[0], path_of(f, f->police[20]));
    page.before_id = items[2].id;
    assert_int_equal(store_incident_list(f->st, &f->a, &page, T0, &items, &n, &more), PH_OK);
    assert_int_equal(n, 1);
    assert_false(more);
    assert_int_equal(items[0].id, ia);
    assert_int_equal(items[0].category_id, f->crime);
}

static void test_sqlite_incident_list_scope(void **state)
{
    struct fx *f = *state;
    struct incident a = mk(f, "Thường"), b = mk(f, "Mật"), c = mk(f, "Tối mật"),
                    d = mk(f, "Huyện 20");
    b.classification = CLEARANCE_CONFIDENTIAL;
    c.classification = CLEARANCE_SECRET;
    d.lead_unit_id = f->police[20];
    d.reporting_unit_id = f->police[20];
    int64_t ia = ins_led(f, &a), ib = ins_led(f, &b), ic = ins_led(f, &c), id = ins_led(f, &d);
    int64_t ie;
    struct incident e = mk(f, "Gửi Biên phòng");
    ie = ins_led(f, &e);
    put_rcpt(f, ie, f->bg, INCIDENT_ROLE_INFORMED, T0, 0, 0);

    /* clearance */
    assert_string_equal(
        list_ids(f,
                 (struct incident_filter){
                     .scope = {.clearance = CLEARANCE_UNCLASSIFIED, .unit_path = "/"}},
                 T0),
        ids(f, ie, id, ia, 0));
    assert_string_equal(
        list_ids(f, (struct incident_filter){.scope = {.clearance = CLEARANCE_CONFIDENTIAL}}, T0),
        ids(f, ie, id, ib, ia));
    assert_string_equal(
        list_ids(f, (struct incident_filter){.scope = {.clearance = CLEARANCE_TOP_SECRET}}, T0),
        arena_printf(&f->a, "%lld %s", (long long)ie, ids(f, id, ic, ib, ia)));
    /* unit paths: /1/2/ is not /1/20/ and the other way round */
    struct incident_filter flt = {
        .scope = {.clearance = CLEARANCE_TOP_SECRET, .unit_path = "/1/2/"}};
    assert_string_equal(list_ids(f, flt, T0),
                        arena_printf(&f->a, "%lld %s", (long long)ie, ids(f, ic, ib, ia, 0)));
    flt.scope.unit_path = "/1/20/";
    assert_string_equal(list_ids(f, flt, T0), ids(f, id, 0, 0, 0));
    flt.scope.unit_path = path_of(f, f->commune); /* below police[2]: sees nothing of it */
    assert_string_equal(list_ids(f, flt, T0), "");
    flt.scope.unit_path = "/1/";
    assert_string_equal(list_ids(f, flt, T0),
                        arena_printf(&f->a, "%lld %s", (long long)ie, ids(f, id, ic, ib, ia)));
    /* a unit an incident was sent to sees it */
    flt.scope.unit_path = path_of(f, f->bg);
    assert_string_equal(list_ids(f, flt, T0), ids(f, ie, 0, 0, 0));
    flt.scope.unit_path = path_of(f, f->mil);
    assert_string_equal(list_ids(f, flt, T0), "");

    assert_string_equal(store_path_upper(&f->a, "/1/5/"), "/1/50");
    assert_null(store_path_upper(&f->a, NULL));
}

/* Enough incidents that each set filter is tried both ways: driving (few
 * candidates) and walked newest first (more than the store's cap, 1000). Every
 * list, paged through, must equal a plain check of each incident. */
#define BIG_N 2500

struct big_row {
    int64_t id, category, lead, area, occurred_at, ack_due;
    int severity, classification;
    const char *status, *cap_status;
    bool located, received, informs_bg;
    double lat, lon;
};

static bool big_keeps(struct fx *f, const struct big_row *r, const struct incident_filter *flt,
                      int64_t now)
{
    const char *lead_path = path_of(f, r->lead);
    if (r->classification > flt->scope.clearance)
        return false;
    if (flt->scope.unit_path != NULL &&
        strncmp(lead_path, flt->scope.unit_path, strlen(flt->scope.unit_path)) != 0 &&
        !(r->informs_bg && strcmp(path_of(f, f->bg), flt->scope.unit_path) == 0))
        return false;
    if ((flt->from != 0 && r->occurred_at < flt->from) ||
        (flt->to != 0 && r->occurred_at >= flt->to))
        return false;
    if ((flt->category_id != 0 && r->category != flt->category_id) ||
        (flt->severity_min != 0 && r->severity < flt->severity_min) ||
        (flt->status != NULL && strcmp(r->status, flt->status) != 0) ||
        (flt->cap_status != NULL && strcmp(r->cap_status, flt->cap_status) != 0))
        return false;
    if (flt->unit_id != 0) {
        const char *up = path_of(f, flt->unit_id);
        bool in = strncmp(lead_path, up, strlen(up)) == 0 ||
                  (r->informs_bg && strncmp(path_of(f, f->bg), up, strlen(up)) == 0);
        if (!in)
            return false;
    }
    if (flt->area_id == f->area_prov && r->area == f->area_other)
        return false;
    if (flt->area_id == f->area_comm && r->area != f->area_comm)
        return false;
    if (flt->has_bbox && (!r->located || r->lat < flt->min_lat || r->lat > flt->max_lat ||
                          r->lon < flt->min_lon || r->lon > flt->max_lon))
        return false;
    if (flt->overdue_only && (r->received || r->ack_due >= now))
        return false;
    return true;
}

static void test_sqlite_incident_list_big(void **state)
{
    struct fx *f = *state;
    struct big_row *rows = calloc(BIG_N, sizeof(*rows));
    assert_non_null(rows);

    assert_int_equal(store_tx_begin(f->st), PH_OK);
    for (int i = 0; i < BIG_N; i++) {
        struct big_row *r = &rows[i];
        struct incident inc = mk(f, i % 2 ? "Tàu cá" : "Tai nạn");
        r->category = inc.category_id = i % 2 ? f->drugs : f->crime;
        r->severity = inc.severity = 1 + i % 4;
        r->status = inc.status = i % 7 == 0 ? "responding" : "new";
        r->cap_status = inc.cap_status = i % 5 == 0 ? "exercise" : "actual";
        r->classification = inc.classification = i % 11 == 0 ? CLEARANCE_SECRET : 0;
        r->lead = inc.lead_unit_id = inc.reporting_unit_id = f->police[2 + i % 19];
        r->area = inc.area_id = i % 3 == 0   ? f->area_comm
                                : i % 3 == 1 ? f->area_dist
                                             : f->area_other;
        r->located = inc.has_location = i % 4 != 0;
        r->lat = inc.lat = 9 + (i % 100) / 100.0;
        r->lon = inc.lon = 106 + (i % 50) / 50.0;
        r->occurred_at = inc.occurred_at = inc.detected_at = T0 + i * MIN;
        r->id = ins(f, &inc);
        r->ack_due = T0 + (i + 30) * MIN;
        r->received = i % 2 == 0;
        struct incident_recipient lead = {.unit_id = r->lead,
                                          .role = INCIDENT_ROLE_LEAD,
                                          .sent_at = inc.occurred_at,
                                          .ack_due_at = r->ack_due,
                                          .received_at = r->received ? inc.occurred_at + 1 : 0};
        assert_int_equal(store_incident_recipient_put(f->st, r->id, &lead), PH_OK);
        if ((r->informs_bg = i % 10 == 0))
            put_rcpt(f, r->id, f->bg, INCIDENT_ROLE_INFORMED, inc.occurred_at, 0, 0);
    }
    assert_int_equal(store_tx_commit(f->st), PH_OK);

    struct incident_scope top = {.clearance = CLEARANCE_TOP_SECRET};
    int64_t soon = T0 + 600 * MIN, late = T0 + 100000 * MIN;
    struct {
        struct incident_filter f;
        int64_t now;
    } cases[] = {
        {{.scope = top}, soon},
        {{.scope = {.clearance = 0}}, soon},
        {{.scope = {.clearance = 3, .unit_path = "/1/3/"}}, soon}, /* drives */
        {{.scope = {.clearance = 3, .unit_path = "/1/"}}, soon},   /* walks */
        {{.scope = {.clearance = 3, .unit_path = "/1/2/"}}, soon}, /* not /1/20/ */
        {{.scope = {.clearance = 3, .unit_path = path_of(f, f->bg)}}, soon},
        {{.scope = top, .unit_id = f->police[3]}, soon},
        {{.scope = top, .unit_id = f->police[1]}, soon},
        {{.scope = top, .unit_id = f->bg}, soon},
        {{.scope = top, .area_id = f->area_comm}, soon},
        {{.scope = top, .area_id = f->area_prov}, soon},
        {{.scope = top,
          .has_bbox = true,
          .min_lat = 9.1,
          .max_lat = 9.2,
          .min_lon = 106.1,
          .max_lon = 106.5},
         soon},
        {{.scope = top,
          .has_bbox = true,
          .min_lat = 8,
          .max_lat = 11,
          .min_lon = 105,
          .max_lon = 108},
         soon},
        {{.scope = top, .overdue_only = true}, soon},
        {{.scope = top, .overdue_only = true}, late},
        {{.scope = top, .from = T0 + 100 * MIN, .to = T0 + 300 * MIN}, soon},
        {{.scope = top, .from = T0 + 100 * MIN}, soon},
        {{.scope = top, .to = T0 + 2000 * MIN, .category_id = f->drugs, .severity_min = 3}, soon},
        {{.scope = top, .status = "responding", .cap_status = "actual", .force = "police"}, soon},
        {{.scope = top, .unit_id = f->police[4], .overdue_only = true, .area_id = f->area_prov},
         late},
        {{.scope = {.clearance = 0, .unit_path = "/1/"},
          .has_bbox = true,
          .min_lat = 9,
          .max_lat = 9.5,
          .min_lon = 106,
          .max_lon = 107,
          .from = T0 + 10 * MIN},
         soon},
    };
    for (size_t c = 0; c < PH_NELEM(cases); c++) {
        struct incident_filter flt = cases[c].f;
        struct incident *items = NULL;
        size_t n = 0, got = 0, want = 0;
        bool more = true;
        int i = BIG_N - 1;
        flt.limit = 97; /* pages end anywhere */
        while (more) {
            assert_int_equal(
                store_incident_list(f->st, &f->a, &flt, cases[c].now, &items, &n, &more), PH_OK);
            for (size_t k = 0; k < n; k++, got++) {
                while (i >= 0 && !big_keeps(f, &rows[i], &cases[c].f, cases[c].now))
                    i--;
                if (i < 0 || items[k].id != rows[i].id)
                    fail_msg("case %zu: item %zu is %lld, want %lld", c, got,
                             (long long)items[k].id, i < 0 ? 0LL : (long long)rows[i].id);
                i--;
            }
            if (n > 0)
                flt.before_id = items[n - 1].id;
        }
        for (; i >= 0; i--)
            if (big_keeps(f, &rows[i], &cases[c].f, cases[c].now))
                fail_msg("case %zu: incident %lld missing", c, (long long)rows[i].id);
        for (int k = 0; k < BIG_N; k++)
            want += big_keeps(f, &rows[k], &cases[c].f, cases[c].now);
        assert_int_equal(got, want);
    }
    free(rows);
}

/* ---- full-text search ---------------------------------------------------- */

static const char *search(struct fx *f, const char *q)
{
    return list_ids(f, (struct incident_filter){.q = q}, T0);
}

static void test_sqlite_incident_search(void **state)
{
    struct fx *f = *state;
    struct incident a = mk(f, "Biên phòng bắt giữ tàu cá");
    struct incident b = mk(f, "Tai nạn giao thông");
    struct incident c = mk(f, "Mất tích");
    a.description = "Đồn Biên phòng Vĩnh Hải phát hiện";
    b.description = "Ông Đặng Thạch bị thương nhẹ";
    c.description = "Tìm kiếm ngư dân mất tích ngoài khơi";
    int64_t ia = ins(f, &a), ib = ins(f, &b), ic = ins(f, &c);

    /* folding: case, diacritics, đ */
    assert_string_equal(search(f, "bien phong"), ids(f, ia, 0, 0, 0));
    assert_string_equal(search(f, "BIÊN PHÒNG"), ids(f, ia, 0, 0, 0));
    assert_string_equal(search(f, "dang thach"), ids(f, ib, 0, 0, 0));
    assert_string_equal(search(f, "Đặng"), ids(f, ib, 0, 0, 0));
    /* every word must occur (title, description or reference) */
    assert_string_equal(search(f, "bien nan"), "");
    assert_string_equal(search(f, "tai nan thuong"), ids(f, ib, 0, 0, 0));
    /* the last word is a prefix, the others are not */
    assert_string_equal(search(f, "bien pho"), ids(f, ia, 0, 0, 0));
    assert_string_equal(search(f, "bie phong"), "");
    assert_string_equal(search(f, "ngu"), ids(f, ic, 0, 0, 0));
    assert_string_equal(search(f, "mat tich"), ids(f, ic, 0, 0, 0));
    /* by reference number, whole or in part */
    assert_string_equal(search(f, b.ref), ids(f, ib, 0, 0, 0));
    assert_string_equal(search(f, "PH-2025"), ids(f, ic, ib, ia, 0));
    /* quotes and FTS5 syntax are words or nothing, never syntax */
    assert_string_equal(search(f, "\"bien\" OR phong*"), "");
    assert_string_equal(search(f, "bien\" phong"), ids(f, ia, 0, 0, 0));
    assert_string_equal(search(f, "NEAR(bien phong)"), "");
    /* a q with no word is no text filter */
    assert_string_equal(search(f, " -- ! "), ids(f, ic, ib, ia, 0));
    assert_string_equal(search(f, ""), ids(f, ic, ib, ia, 0));

    /* an update re-indexes the text; a status change keeps it */
    a.title = "Cứu hộ tàu cá";
    a.description = NULL;
    a.version = 0;
    assert_int_equal(store_incident_update(f->st, &a), PH_OK);
    assert_string_equal(search(f, "bien phong"), "");
    assert_string_equal(search(f, "cuu ho"), ids(f, ia, 0, 0, 0));
    a.status = "responding";
    assert_int_equal(store_incident_update(f->st, &a), PH_OK);
    assert_string_equal(search(f, "cuu ho"), ids(f, ia, 0, 0, 0));

    /* with filters, scope and pages */
    struct incident d = mk(f, "Tàu cá mắc cạn");
    d.classification = CLEARANCE_SECRET;
    int64_t id = ins_led(f, &d);
    assert_string_equal(search(f, "tau ca"), ids(f, id, ia, 0, 0));
    assert_string_equal(
        list_ids(f, (struct incident_filter){.q = "tau ca", .status = "responding"}, T0),
        ids(f, ia, 0, 0, 0));
    assert_string_equal(list_ids(f,
                                 (struct incident_filter){
                                     .q = "tau ca", .scope = {.clearance = CLEARANCE_CONFIDENTIAL}},
                                 T0),
                        ids(f, ia, 0, 0, 0));
    assert_string_equal(
        list_ids(
            f,
            (struct incident_filter){
                .q = "tau ca", .scope = {.clearance = CLEARANCE_TOP_SECRET, .unit_path = "/1/2/"}},
            T0),
        ids(f, id, 0, 0, 0)); /* ia has no recipients */
    struct incident *items = NULL;
    size_t n = 0;
    bool more = false;
    struct incident_filter page = {
        .q = "tau", .limit = 1, .scope = {.clearance = CLEARANCE_TOP_SECRET}};
    assert_int_equal(store_incident_list(f->st, &f->a, &page, T0, &items, &n, &more), PH_OK);
    assert_int_equal(n, 1);
    assert_true(more);
    assert_int_equal(items[0].id, id);
    page.before_id = id;
    assert_int_equal(store_incident_list(f->st, &f->a, &page, T0, &items, &n, &more), PH_OK);
    assert_int_equal(n, 1);
    assert_false(more);
    assert_int_equal(items[0].id, ia);
}

static int64_t count_rows(struct fx *f, const char *sql)
{
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(sqlite3_prepare_v2(store_sq_of(f->st)->db, sql, -1, &stmt, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return v;
}

/* In a transaction the text is indexed at commit, with the rows; a rollback
 * drops the queue with them. */
static void test_sqlite_incident_search_tx(void **state)
{
    struct fx *f = *state;
    struct incident a = mk(f, "Sạt lở bờ sông");
    struct incident b = mk(f, "Lốc xoáy tốc mái");
    struct incident c = mk(f, "Cháy chợ");
    int64_t ia = 0, ib = 0, ic = 0;

    assert_int_equal(store_tx_begin(f->st), PH_OK);
    ia = ins(f, &a);
    assert_int_equal(count_rows(f, "SELECT count(*) FROM incidents_fts_pending"), 1);
    assert_int_equal(store_tx_commit(f->st), PH_OK);
    assert_int_equal(count_rows(f, "SELECT count(*) FROM incidents_fts_pending"), 0);
    assert_string_equal(search(f, "sat lo"), ids(f, ia, 0, 0, 0));

    assert_int_equal(store_tx_begin(f->st), PH_OK);
    ib = ins(f, &b);
    assert_int_equal(store_tx_rollback(f->st), PH_OK);
    assert_string_equal(search(f, "loc xoay"), "");
    assert_int_equal(count_rows(f, "SELECT count(*) FROM incidents_fts_pending"), 0);

    /* a savepoint rolled back inside the transaction takes its incident along;
     * an indexed incident changed in the transaction is re-indexed at commit */
    assert_int_equal(store_tx_begin(f->st), PH_OK);
    assert_int_equal(store_savepoint(f->st), PH_OK);
    ib = ins(f, &b);
    assert_int_equal(store_savepoint_rollback(f->st), PH_OK);
    assert_int_equal(store_savepoint(f->st), PH_OK);
    ic = ins(f, &c);
    assert_int_equal(store_savepoint_release(f->st), PH_OK);
    a.title = "Sạt lở đê bao";
    a.version = 0;
    assert_int_equal(store_incident_update(f->st, &a), PH_OK);
    assert_int_equal(store_tx_commit(f->st), PH_OK);
    (void)ib;
    assert_string_equal(search(f, "loc xoay"), "");
    assert_string_equal(search(f, "cho"), ids(f, ic, 0, 0, 0));
    assert_string_equal(search(f, "de bao"), ids(f, ia, 0, 0, 0));
    assert_string_equal(search(f, "bo song"), "");
    assert_string_equal(search(f, "sat lo"), ids(f, ia, 0, 0, 0));
    /* the index agrees with its content */
    assert_int_equal(count_rows(f, "SELECT count(*) FROM incidents_fts_pending"), 0);
    sqlite3_stmt *check = NULL;
    assert_int_equal(sqlite3_prepare_v2(store_sq_of(f->st)->db,
                                        "INSERT INTO incidents_fts (incidents_fts, rank) "
                                        "VALUES ('integrity-check', 1)",
                                        -1, &check, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(check), SQLITE_DONE);
    sqlite3_finalize(check);
}

/* The connection keeps the words it knows to be stored, so that a flush adds
 * only new ones; words a flush added are known only once their transaction
 * commits: after one rolled back, the next adds them again. */
static void test_sqlite_incident_search_terms_kept(void **state)
{
    struct fx *f = *state;
    struct incident a = mk(f, "Giông lốc quật ngã cây"), b = mk(f, "Giông lốc ven biển");
    struct incident c = mk(f, "Giông to");
    int64_t ib = 0, ic = 0;

    assert_int_equal(store_tx_begin(f->st), PH_OK);
    (void)ins(f, &a);
    assert_int_equal(store_sq_fts_flush(store_sq_of(f->st)), PH_OK);
    assert_int_equal(count_rows(f, "SELECT count(*) FROM incident_terms WHERE term = 'giong'"), 1);
    assert_int_equal(store_tx_rollback(f->st), PH_OK);
    assert_int_equal(count_rows(f, "SELECT count(*) FROM incident_terms WHERE term = 'giong'"), 0);

    assert_int_equal(store_tx_begin(f->st), PH_OK);
    ib = ins(f, &b);
    assert_int_equal(store_tx_commit(f->st), PH_OK);
    assert_int_equal(count_rows(f, "SELECT count(*) FROM incident_terms WHERE term = 'giong'"), 1);
    assert_string_equal(search(f, "gio"), ids(f, ib, 0, 0, 0));

    assert_int_equal(store_tx_begin(f->st), PH_OK);
    ic = ins(f, &c);
    assert_int_equal(store_tx_commit(f->st), PH_OK);
    assert_int_equal(count_rows(f, "SELECT count(*) FROM incident_terms WHERE term = 'giong'"), 1);
    assert_int_equal(count_rows(f, "SELECT count(*) FROM incident_terms WHERE term = 'to'"), 1);
    assert_string_equal(search(f, "gio"), ids(f, ic, ib, 0, 0));
    assert_string_equal(search(f, "giong t"), ids(f, ic, 0, 0, 0));
}

/* The last word of a search is looked up among the indexed words; past 128 of
 * them FTS5 expands the prefix itself. Either way the same incidents. */
static void test_sqlite_incident_search_prefix(void **state)
{
    struct fx *f = *state;
    struct incident a = mk(f, "Tàu cá mắc cạn"), b = mk(f, "Tàu hàng chìm"), c = mk(f, "Tấn công");
    int64_t ia = ins(f, &a), ib = ins(f, &b), ic = ins(f, &c);

    assert_int_equal(count_rows(f, "SELECT count(*) FROM incident_terms WHERE term = 'tau'"), 1);
    assert_int_equal(count_rows(f, "SELECT count(*) FROM incident_terms WHERE term = 'chim'"), 1);
    assert_string_equal(search(f, "ta"), ids(f, ic, ib, ia, 0));
    assert_string_equal(search(f, "tau c"), ids(f, ib, ia, 0, 0)); /* cá, cạn, chìm */
    assert_string_equal(search(f, "tau ca"), ids(f, ia, 0, 0, 0));
    assert_string_equal(search(f, "tau ch"), ids(f, ib, 0, 0, 0));
    assert_string_equal(search(f, "tau x"), "");
    assert_string_equal(search(f, "xyz"), "");
    /* many words start with "ta": the prefix goes to FTS5 as it is */
    assert_int_equal(sqlite3_exec(store_sq_of(f->st)->db,
                                  "WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                                  "WHERE i < 200) INSERT INTO incident_terms (term) "
                                  "SELECT 'ta' || i FROM n",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_string_equal(search(f, "ta"), ids(f, ic, ib, ia, 0));
    assert_string_equal(search(f, "ca ta"), ids(f, ia, 0, 0, 0));
    assert_string_equal(search(f, "ta1"), "");
}

/* ---- recipients, acknowledgements, timeline ------------------------------ */

static void test_sqlite_incident_recipients_acks_events(void **state)
{
    struct fx *f = *state;
    struct incident inc = mk(f, "Buôn lậu");
    int64_t id = ins(f, &inc);
    struct incident_recipient *rs = NULL;
    size_t n = 0;

    put_rcpt(f, id, f->police[2], INCIDENT_ROLE_LEAD, T0, T0 + 30 * MIN, T0 + 120 * MIN);
    put_rcpt(f, id, f->bg, INCIDENT_ROLE_INFORMED, T0, T0 + 30 * MIN, 0);
    struct incident_recipient full = {.unit_id = f->mil,
                                      .role = INCIDENT_ROLE_INFORMED,
                                      .sent_at = T0 - 1,
                                      .ack_due_at = 11,
                                      .verify_due_at = 12,
                                      .received_at = 13,
                                      .verified_at = 14,
                                      .agreed_at = 15,
                                      .refused_at = 16,
                                      .received_by = 17,
                                      .verified_by = 18,
                                      .agreed_by = 19,
                                      .refused_by = 20,
                                      .refused_reason = "Nhầm địa bàn",
                                      .ack_overdue_at = 21,
                                      .verify_overdue_at = 22,
                                      .escalated_at = 23};
    assert_int_equal(store_incident_recipient_put(f->st, id, &full), PH_OK);
    assert_int_equal(store_incident_recipients(f->st, &f->a, id, &rs, &n), PH_OK);
    assert_int_equal(n, 3);
    /* by sent_at, then unit id */
    assert_int_equal(rs[0].unit_id, f->mil);
    assert_int_equal(rs[1].unit_id, f->police[2]);
    assert_int_equal(rs[2].unit_id, f->bg);
    assert_string_equal(rs[0].role, "informed");
    assert_string_equal(rs[0].unit_code, "QS");
    assert_string_equal(rs[0].unit_name, "QS");
    assert_string_equal(rs[0].unit_path, path_of(f, f->mil));
    assert_string_equal(rs[0].force, "military");
    assert_int_equal(rs[0].sent_at, T0 - 1);
    assert_int_equal(rs[0].ack_due_at, 11);
    assert_int_equal(rs[0].verify_due_at, 12);
    assert_int_equal(rs[0].received_at, 13);
    assert_int_equal(rs[0].verified_at, 14);
    assert_int_equal(rs[0].agreed_at, 15);
    assert_int_equal(rs[0].refused_at, 16);
    assert_int_equal(rs[0].received_by, 17);
    assert_int_equal(rs[0].verified_by, 18);
    assert_int_equal(rs[0].agreed_by, 19);
    assert_int_equal(rs[0].refused_by, 20);
    assert_string_equal(rs[0].refused_reason, "Nhầm địa bàn");
    assert_int_equal(rs[0].ack_overdue_at, 21);
    assert_int_equal(rs[0].verify_overdue_at, 22);
    assert_int_equal(rs[0].escalated_at, 23);
    assert_string_equal(rs[1].role, "lead");
    assert_int_equal(rs[1].received_at, 0);
    assert_null(rs[1].refused_reason);
    /* put again replaces the row */
    put_rcpt(f, id, f->mil, INCIDENT_ROLE_FORMER_LEAD, T0 + 5, 0, 0);
    assert_int_equal(store_incident_recipients(f->st, &f->a, id, &rs, &n), PH_OK);
    assert_int_equal(n, 3);
    assert_int_equal(rs[2].unit_id, f->mil);
    assert_string_equal(rs[2].role, "former_lead");
    assert_int_equal(rs[2].refused_at, 0);
    assert_null(rs[2].refused_reason);
    /* an unknown unit, role or incident is refused */
    struct incident_recipient bad = {.unit_id = 4242, .role = "lead", .sent_at = T0};
    assert_int_equal(store_incident_recipient_put(f->st, id, &bad), PH_ECONFLICT);
    bad.unit_id = f->police[3];
    bad.role = "boss";
    assert_int_equal(store_incident_recipient_put(f->st, id, &bad), PH_ESTORE);
    bad.role = "lead";
    assert_int_equal(store_incident_recipient_put(f->st, id + 100, &bad), PH_ECONFLICT);

    /* acknowledgements: on time against the stage's deadline when recorded */
    struct incident_ack ack = {.incident_id = id,
                               .unit_id = f->police[2],
                               .person_id = f->person,
                               .stage = ACK_RECEIVED,
                               .at = T0 + 30 * MIN};
    int64_t a1 = 0, a2 = 0, a3 = 0, a4 = 0;
    assert_int_equal(store_incident_ack_insert(f->st, &ack, &a1), PH_OK);
    ack.stage = ACK_VERIFIED;
    ack.at = T0 + 121 * MIN;
    ack.note = "Đã xác minh tại hiện trường";
    assert_int_equal(store_incident_ack_insert(f->st, &ack, &a2), PH_OK);
    ack.stage = ACK_AGREED;
    ack.note = NULL;
    assert_int_equal(store_incident_ack_insert(f->st, &ack, &a3), PH_OK);
    ack.unit_id = f->bg;
    ack.person_id = 0;
    ack.stage = ACK_REFUSED;
    ack.note = "Không thuộc địa bàn";
    ack.at = T0 + 999 * MIN;
    assert_int_equal(store_incident_ack_insert(f->st, &ack, &a4), PH_OK);
    ack.stage = "seen";
    assert_int_equal(store_incident_ack_insert(f->st, &ack, &a4), PH_ESTORE);
    struct incident_ack *acks = NULL;
    assert_int_equal(store_incident_acks(f->st, &f->a, id, &acks, &n), PH_OK);
    assert_int_equal(n, 4);
    assert_int_equal(acks[0].id, a1);
    assert_int_equal(acks[0].incident_id, id);
    assert_int_equal(acks[0].unit_id, f->police[2]);
    assert_int_equal(acks[0].person_id, f->person);
    assert_string_equal(acks[0].person_name, "Đặng Văn Thạch");
    assert_string_equal(acks[0].stage, "received");
    assert_null(acks[0].note);
    assert_int_equal(acks[0].at, T0 + 30 * MIN);
    assert_true(acks[0].on_time); /* exactly at the deadline */
    assert_string_equal(acks[1].stage, "verified");
    assert_string_equal(acks[1].note, "Đã xác minh tại hiện trường");
    assert_false(acks[1].on_time); /* a minute past 120 */
    assert_true(acks[2].on_time);  /* "agreed" has no deadline */
    assert_int_equal(acks[3].id, a4);
    assert_null(acks[3].person_name);
    assert_true(acks[3].on_time);

    /* the timeline */
    struct incident_event ev = {.incident_id = id,
                                .at = T0,
                                .person_id = f->person,
                                .kind = "created",
                                .detail = "{\"ref\":\"PH-2025-000001\"}"};
    int64_t e1 = 0, e2 = 0;
    assert_int_equal(store_incident_event_insert(f->st, &ev, &e1), PH_OK);
    ev.person_id = 0;
    ev.kind = "overdue";
    ev.unit_id = f->bg;
    ev.detail = NULL;
    ev.at = T0 + MIN;
    assert_int_equal(store_incident_event_insert(f->st, &ev, &e2), PH_OK);
    ev.detail = "{not json";
    assert_int_equal(store_incident_event_insert(f->st, &ev, &e2), PH_ESTORE);
    struct incident_event *evs = NULL;
    assert_int_equal(store_incident_events(f->st, &f->a, id, &evs, &n), PH_OK);
    assert_int_equal(n, 2);
    assert_int_equal(evs[0].id, e1);
    assert_int_equal(evs[0].incident_id, id);
    assert_int_equal(evs[0].at, T0);
    assert_string_equal(evs[0].kind, "created");
    assert_int_equal(evs[0].unit_id, 0);
    assert_string_equal(evs[0].detail, "{\"ref\":\"PH-2025-000001\"}");
    assert_string_equal(evs[0].person_name, "Đặng Văn Thạch");
    assert_string_equal(evs[1].kind, "overdue");
    assert_int_equal(evs[1].unit_id, f->bg);
    assert_null(evs[1].detail);
    assert_null(evs[1].person_name);
    assert_int_equal(store_incident_events(f->st, &f->a, id + 100, &evs, &n), PH_OK);
    assert_int_equal(n, 0);
}

/* ---- idempotency keys ---------------------------------------------------- */

static void test_sqlite_incident_idem(void **state)
{
    struct fx *f = *state;
    struct incident inc = mk(f, "Một lần thôi");
    int64_t id = ins(f, &inc), got_id = 0;
    uint8_t h1[32], h2[32], got[32];
    int n = -1;

    memset(h1, 0xa1, sizeof(h1));
    memset(h2, 0xb2, sizeof(h2));
    assert_int_equal(store_idem_get(f->st, 7, "k-1", got, &got_id), PH_ENOTFOUND);
    assert_int_equal(store_idem_put(f->st, 7, "k-1", h1, id, T0), PH_OK);
    assert_int_equal(store_idem_get(f->st, 7, "k-1", got, &got_id), PH_OK);
    assert_memory_equal(got, h1, 32);
    assert_int_equal(got_id, id);
    /* per person: the same key of someone else is another key */
    assert_int_equal(store_idem_get(f->st, 8, "k-1", got, &got_id), PH_ENOTFOUND);
    assert_int_equal(store_idem_put(f->st, 8, "k-1", h2, id, T0 + 10), PH_OK);
    assert_int_equal(store_idem_put(f->st, 7, "k-1", h2, id, T0 + 10), PH_ECONFLICT);
    assert_int_equal(store_idem_put(f->st, 7, "k-2", h2, id, T0 + 20), PH_OK);
    /* prune what was created before a time */
    assert_int_equal(store_idem_prune(f->st, T0 + 10, &n), PH_OK);
    assert_int_equal(n, 1);
    assert_int_equal(store_idem_get(f->st, 7, "k-1", got, &got_id), PH_ENOTFOUND);
    assert_int_equal(store_idem_get(f->st, 8, "k-1", got, &got_id), PH_OK);
    assert_memory_equal(got, h2, 32);
    assert_int_equal(store_idem_prune(f->st, T0 + 100, NULL), PH_OK);
    assert_int_equal(store_idem_get(f->st, 7, "k-2", got, &got_id), PH_ENOTFOUND);
}

/* ---- inbox --------------------------------------------------------------- */

static const char *inbox(struct fx *f, int64_t unit, int64_t now, struct incident_scope scope)
{
    struct incident_inbox_item *items = NULL;
    size_t n = 0;
    char *out = arena_strdup(&f->a, "");
    assert_int_equal(store_incident_inbox(f->st, &f->a, unit, now, &scope, 50, &items, &n), PH_OK);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(items[i].rcpt.unit_id, unit);
        out = arena_printf(&f->a, "%s%s%lld", out, i > 0 ? " " : "", (long long)items[i].inc.id);
    }
    return out;
}

static void test_sqlite_incident_inbox(void **state)
{
    struct fx *f = *state;
    struct incident_scope all = {.clearance = CLEARANCE_TOP_SECRET};
    int64_t u = f->bg;
    int64_t x[8];
    for (size_t i = 0; i < PH_NELEM(x); i++) {
        struct incident inc = mk(f, "Hộp thư");
        x[i] = ins_led(f, &inc);
    }
    /* x0: due later; x1: due sooner; x2: overdue; x3: no deadline, oldest; x4: received,
     * verification due (awaits "verified"); x5: received, no verify deadline (done);
     * x6: refused; x7: reporting role (owes nothing) */
    put_rcpt(f, x[0], u, INCIDENT_ROLE_INFORMED, T0, T0 + 60 * MIN, 0);
    put_rcpt(f, x[1], u, INCIDENT_ROLE_INFORMED, T0, T0 + 30 * MIN, 0);
    put_rcpt(f, x[2], u, INCIDENT_ROLE_LEAD, T0, T0 + 5 * MIN, 0);
    put_rcpt(f, x[3], u, INCIDENT_ROLE_INFORMED, T0 - MIN, 0, 0);
    struct incident_recipient r = {.unit_id = u,
                                   .role = INCIDENT_ROLE_INFORMED,
                                   .sent_at = T0,
                                   .ack_due_at = T0 + 5 * MIN,
                                   .verify_due_at = T0 + 45 * MIN,
                                   .received_at = T0 + MIN};
    assert_int_equal(store_incident_recipient_put(f->st, x[4], &r), PH_OK);
    r.verify_due_at = 0;
    assert_int_equal(store_incident_recipient_put(f->st, x[5], &r), PH_OK);
    r.received_at = 0;
    r.refused_at = T0 + MIN;
    assert_int_equal(store_incident_recipient_put(f->st, x[6], &r), PH_OK);
    put_rcpt(f, x[7], u, INCIDENT_ROLE_REPORTING, T0, 0, 0);

    struct incident_inbox_item *items = NULL;
    size_t n = 0;
    assert_int_equal(store_incident_inbox(f->st, &f->a, u, T0 + 10 * MIN, &all, 50, &items, &n),
                     PH_OK);
    assert_int_equal(n, 5);
    assert_int_equal(items[0].inc.id, x[2]);
    assert_true(items[0].overdue);
    assert_string_equal(items[0].awaiting, ACK_RECEIVED);
    assert_int_equal(items[0].due_at, T0 + 5 * MIN);
    assert_string_equal(items[0].rcpt.role, "lead");
    assert_string_equal(items[0].rcpt.unit_path, path_of(f, u));
    assert_string_equal(items[0].inc.title, "Hộp thư");
    assert_int_equal(items[1].inc.id, x[1]);
    assert_false(items[1].overdue);
    assert_int_equal(items[2].inc.id, x[4]);
    assert_string_equal(items[2].awaiting, ACK_VERIFIED);
    assert_int_equal(items[2].due_at, T0 + 45 * MIN);
    assert_int_equal(items[3].inc.id, x[0]);
    assert_int_equal(items[4].inc.id, x[3]);
    assert_int_equal(items[4].due_at, 0);
    assert_false(items[4].overdue);
    /* later, three are overdue: by due time among them */
    assert_string_equal(
        inbox(f, u, T0 + 50 * MIN, all),
        arena_printf(&f->a, "%s %lld", ids(f, x[2], x[1], x[4], x[0]), (long long)x[3]));
    /* at most limit */
    assert_int_equal(store_incident_inbox(f->st, &f->a, u, T0, &all, 2, &items, &n), PH_OK);
    assert_int_equal(n, 2);
    /* closed and merged incidents leave the inbox */
    struct incident c = get(f, x[1], T0);
    c.status = "closed";
    assert_int_equal(store_incident_update(f->st, &c), PH_OK);
    c = get(f, x[0], T0);
    c.status = "merged";
    assert_int_equal(store_incident_update(f->st, &c), PH_OK);
    assert_string_equal(inbox(f, u, T0 + 10 * MIN, all), ids(f, x[2], x[4], x[3], 0));
    /* scope: clearance and unit range */
    c = get(f, x[2], T0);
    c.classification = CLEARANCE_SECRET;
    assert_int_equal(store_incident_update(f->st, &c), PH_OK);
    assert_string_equal(
        inbox(f, u, T0 + 10 * MIN, (struct incident_scope){.clearance = CLEARANCE_CONFIDENTIAL}),
        ids(f, x[4], x[3], 0, 0));
    assert_string_equal(inbox(f, u, T0 + 10 * MIN,
                              (struct incident_scope){.clearance = CLEARANCE_TOP_SECRET,
                                                      .unit_path = path_of(f, f->mil)}),
                        "");
    assert_string_equal(inbox(f, f->mil, T0, all), "");
}

/* ---- deadlines ----------------------------------------------------------- */

static void test_sqlite_incident_deadlines(void **state)
{
    struct fx *f = *state;
    struct store_due *due = NULL;
    size_t n = 0;
    int64_t next = -1;

    assert_int_equal(store_deadline_next(f->st, T0, &next), PH_OK);
    assert_int_equal(next, 0);
    struct incident a = mk(f, "Hạn một"), b = mk(f, "Hạn hai");
    int64_t ia = ins(f, &a), ib = ins(f, &b);
    put_rcpt(f, ia, f->police[2], INCIDENT_ROLE_LEAD, T0, T0 + 30 * MIN, T0 + 120 * MIN);
    put_rcpt(f, ia, f->bg, INCIDENT_ROLE_INFORMED, T0, T0 + 20 * MIN, 0);
    put_rcpt(f, ia, f->mil, INCIDENT_ROLE_FORMER_LEAD, T0, T0 + 10 * MIN, 0); /* owes nothing */
    put_rcpt(f, ib, f->police[2], INCIDENT_ROLE_LEAD, T0, T0 + 25 * MIN, 0);

    assert_int_equal(store_deadline_next(f->st, T0, &next), PH_OK);
    assert_int_equal(next, T0 + 20 * MIN);
    assert_int_equal(store_deadline_due(f->st, &f->a, T0 + 19 * MIN, 10, &due, &n), PH_OK);
    assert_int_equal(n, 0);
    /* due at or before now, oldest first */
    assert_int_equal(store_deadline_due(f->st, &f->a, T0 + 30 * MIN, 10, &due, &n), PH_OK);
    assert_int_equal(n, 3);
    assert_int_equal(due[0].incident_id, ia);
    assert_int_equal(due[0].unit_id, f->bg);
    assert_string_equal(due[0].stage, ACK_RECEIVED);
    assert_int_equal(due[0].due_at, T0 + 20 * MIN);
    assert_int_equal(due[1].incident_id, ib);
    assert_int_equal(due[2].incident_id, ia);
    assert_int_equal(due[2].unit_id, f->police[2]);
    assert_int_equal(due[2].due_at, T0 + 30 * MIN);
    assert_int_equal(store_deadline_due(f->st, &f->a, T0 + 30 * MIN, 2, &due, &n), PH_OK);
    assert_int_equal(n, 2);
    assert_int_equal(store_deadline_next(f->st, T0 + 20 * MIN, &next), PH_OK);
    assert_int_equal(next, T0 + 25 * MIN); /* after now, not at it */

    /* marking takes a stage off the list, once */
    assert_int_equal(store_deadline_mark(f->st, ia, f->bg, ACK_RECEIVED, T0 + 21 * MIN), PH_OK);
    assert_int_equal(store_deadline_mark(f->st, ia, f->bg, ACK_RECEIVED, T0 + 99 * MIN), PH_OK);
    assert_int_equal(store_deadline_mark(f->st, ia, f->bg, "agreed", T0), PH_EINVAL);
    assert_int_equal(store_deadline_mark(f->st, ia, f->police[5], ACK_RECEIVED, T0), PH_ENOTFOUND);
    assert_int_equal(store_recipient_mark_escalated(f->st, ia, f->bg, T0 + 22 * MIN), PH_OK);
    assert_int_equal(store_recipient_mark_escalated(f->st, ia, f->bg, T0 + 98 * MIN), PH_OK);
    assert_int_equal(store_recipient_mark_escalated(f->st, ia + 100, f->bg, T0), PH_ENOTFOUND);
    struct incident_recipient *rs = NULL;
    assert_int_equal(store_incident_recipients(f->st, &f->a, ia, &rs, &n), PH_OK);
    for (size_t i = 0; i < n; i++)
        if (rs[i].unit_id == f->bg) {
            assert_int_equal(rs[i].ack_overdue_at, T0 + 21 * MIN);
            assert_int_equal(rs[i].escalated_at, T0 + 22 * MIN);
        }
    assert_int_equal(store_deadline_due(f->st, &f->a, T0 + 30 * MIN, 10, &due, &n), PH_OK);
    assert_int_equal(n, 2);
    /* the lead received in time for "received"; "verified" is still due later */
    struct incident_recipient lead = {.unit_id = f->police[2],
                                      .role = INCIDENT_ROLE_LEAD,
                                      .sent_at = T0,
                                      .ack_due_at = T0 + 30 * MIN,
                                      .verify_due_at = T0 + 120 * MIN,
                                      .received_at = T0 + MIN};
    assert_int_equal(store_incident_recipient_put(f->st, ia, &lead), PH_OK);
    assert_int_equal(store_deadline_next(f->st, T0 + 26 * MIN, &next), PH_OK);
    assert_int_equal(next, T0 + 120 * MIN);
    assert_int_equal(store_deadline_due(f->st, &f->a, T0 + 200 * MIN, 10, &due, &n), PH_OK);
    assert_int_equal(n, 2);
    assert_int_equal(due[0].incident_id, ib);
    assert_int_equal(due[1].incident_id, ia);
    assert_string_equal(due[1].stage, ACK_VERIFIED);
    assert_int_equal(store_deadline_mark(f->st, ia, f->police[2], ACK_VERIFIED, T0), PH_OK);
    /* a closed incident owes nothing */
    struct incident c = get(f, ib, T0);
    c.status = "closed";
    assert_int_equal(store_incident_update(f->st, &c), PH_OK);
    assert_int_equal(store_deadline_due(f->st, &f->a, T0 + 200 * MIN, 10, &due, &n), PH_OK);
    assert_int_equal(n, 0);
    assert_int_equal(store_deadline_next(f->st, T0, &next), PH_OK);
    assert_int_equal(next, 0);
}

/* ---- timeliness ---------------------------------------------------------- */

/* A former lead counts when it answered or was found late before the transfer;
 * one relieved in time without answering owed nothing. */
static void test_sqlite_incident_timeliness_former_lead(void **state)
{
    struct fx *f = *state;
    struct stats_period p = {.from = T0, .to = T0 + 24 * 60 * MIN};
    struct incident_scope all = {.clearance = CLEARANCE_TOP_SECRET};
    struct store_timeliness_row *rows = NULL;
    size_t n = 0;
    struct incident x = mk(f, "Chuyển giao");
    int64_t ix = ins(f, &x);
    struct incident_recipient r;

    /* police[2]: led, never received, marked late, then relieved */
    r = (struct incident_recipient){.unit_id = f->police[2],
                                    .role = INCIDENT_ROLE_FORMER_LEAD,
                                    .sent_at = T0 + 10 * MIN,
                                    .ack_due_at = T0 + 40 * MIN,
                                    .ack_overdue_at = T0 + 40 * MIN};
    assert_int_equal(store_incident_recipient_put(f->st, ix, &r), PH_OK);
    /* bg: led, relieved before its deadline without answering: owed nothing */
    r = (struct incident_recipient){.unit_id = f->bg,
                                    .role = INCIDENT_ROLE_FORMER_LEAD,
                                    .sent_at = T0 + 10 * MIN,
                                    .ack_due_at = T0 + 40 * MIN};
    assert_int_equal(store_incident_recipient_put(f->st, ix, &r), PH_OK);
    /* mil: led, received late, then relieved: its answer counts as before */
    r = (struct incident_recipient){.unit_id = f->mil,
                                    .role = INCIDENT_ROLE_FORMER_LEAD,
                                    .sent_at = T0 + 10 * MIN,
                                    .ack_due_at = T0 + 40 * MIN,
                                    .received_at = T0 + 45 * MIN};
    assert_int_equal(store_incident_recipient_put(f->st, ix, &r), PH_OK);

    assert_int_equal(store_timeliness_rows(f->st, &f->a, &p, &all, T0 + 60 * MIN, &rows, &n),
                     PH_OK);
    size_t acks = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(rows[i].kind, "ack") != 0)
            continue;
        acks++;
        assert_int_not_equal(rows[i].unit_id, f->bg);
        assert_false(rows[i].on_time);
        assert_false(rows[i].pending);
        if (rows[i].unit_id == f->police[2])
            assert_int_equal(rows[i].delay_ms, -1); /* no answer: no delay to rank */
        else
            assert_int_equal(rows[i].delay_ms, 35 * MIN);
    }
    assert_int_equal(acks, 2);
}

static void test_sqlite_incident_timeliness(void **state)
{
    struct fx *f = *state;
    struct stats_period p = {.from = T0, .to = T0 + 24 * 60 * MIN};
    struct incident_scope all = {.clearance = CLEARANCE_TOP_SECRET};
    struct store_timeliness_row *rows = NULL;
    size_t n = 0;

    /* a: on time, reported by police[2]; b: late, by police[20]; c: an exercise;
     * d: reported before the period */
    struct incident a = mk(f, "Đúng hạn"), b = mk(f, "Trễ hạn"), c = mk(f, "Diễn tập"),
                    d = mk(f, "Cũ");
    b.reporting_unit_id = f->police[20];
    b.reported_at = T0 + 90 * MIN;
    b.report_late = true;
    c.cap_status = "exercise";
    d.reported_at = T0 - MIN;
    int64_t ia = ins(f, &a), ib = ins(f, &b), ic = ins(f, &c), id = ins(f, &d);
    (void)ic;
    (void)id;
    /* acks of a: bg received late, mil pending and past due, police[2] (lead)
     * received on time; the reporting unit owes none */
    struct incident_recipient r = {.unit_id = f->bg,
                                   .role = INCIDENT_ROLE_INFORMED,
                                   .sent_at = T0 + 10 * MIN,
                                   .ack_due_at = T0 + 40 * MIN,
                                   .received_at = T0 + 50 * MIN};
    assert_int_equal(store_incident_recipient_put(f->st, ia, &r), PH_OK);
    put_rcpt(f, ia, f->mil, INCIDENT_ROLE_INFORMED, T0 + 10 * MIN, T0 + 40 * MIN, 0);
    r = (struct incident_recipient){.unit_id = f->police[2],
                                    .role = INCIDENT_ROLE_LEAD,
                                    .sent_at = T0 + 10 * MIN,
                                    .ack_due_at = T0 + 40 * MIN,
                                    .received_at = T0 + 12 * MIN};
    assert_int_equal(store_incident_recipient_put(f->st, ia, &r), PH_OK);
    put_rcpt(f, ia, f->commune, INCIDENT_ROLE_REPORTING, T0 + 10 * MIN, 0, 0);
    /* b: mil refused in time */
    r = (struct incident_recipient){.unit_id = f->mil,
                                    .role = INCIDENT_ROLE_INFORMED,
                                    .sent_at = T0 + 90 * MIN,
                                    .ack_due_at = T0 + 120 * MIN,
                                    .refused_at = T0 + 100 * MIN};
    assert_int_equal(store_incident_recipient_put(f->st, ib, &r), PH_OK);
    put_rcpt(f, ic, f->bg, INCIDENT_ROLE_INFORMED, T0 + 10 * MIN, T0 + 40 * MIN, 0);

    assert_int_equal(store_timeliness_rows(f->st, &f->a, &p, &all, T0 + 60 * MIN, &rows, &n),
                     PH_OK);
    assert_int_equal(n, 6);
    /* by unit id, reports first: police[2] (report, ack), police[20] (report), bg, mil x2 */
    assert_string_equal(rows[0].kind, "report");
    assert_int_equal(rows[0].unit_id, f->police[2]);
    assert_string_equal(rows[0].unit_name, "CA-2");
    assert_string_equal(rows[0].force, "police");
    assert_string_equal(rows[0].unit_path, "/1/2/");
    assert_int_equal(rows[0].delay_ms, 10 * MIN);
    assert_true(rows[0].on_time);
    assert_false(rows[0].pending);
    assert_string_equal(rows[1].kind, "ack");
    assert_int_equal(rows[1].unit_id, f->police[2]);
    assert_int_equal(rows[1].delay_ms, 2 * MIN);
    assert_true(rows[1].on_time);
    assert_string_equal(rows[2].kind, "report");
    assert_int_equal(rows[2].unit_id, f->police[20]);
    assert_int_equal(rows[2].delay_ms, 90 * MIN);
    assert_false(rows[2].on_time);
    assert_int_equal(rows[3].unit_id, f->bg);
    assert_int_equal(rows[3].delay_ms, 40 * MIN);
    assert_false(rows[3].on_time);
    assert_false(rows[3].pending);
    assert_int_equal(rows[4].unit_id, f->mil);
    assert_int_equal(rows[5].unit_id, f->mil);
    /* mil: pending (past due at now: late) and refused in time, in incident order */
    assert_true(rows[4].pending);
    assert_int_equal(rows[4].delay_ms, -1);
    assert_false(rows[4].on_time);
    assert_false(rows[5].pending);
    assert_int_equal(rows[5].delay_ms, 10 * MIN);
    assert_true(rows[5].on_time);
    /* a pending ack is on time until its deadline passes */
    assert_int_equal(store_timeliness_rows(f->st, &f->a, &p, &all, T0 + 30 * MIN, &rows, &n),
                     PH_OK);
    assert_true(rows[4].pending && rows[4].on_time);

    /* unit filters: a force, a unit and those below it */
    p.force = "military";
    assert_int_equal(store_timeliness_rows(f->st, &f->a, &p, &all, T0, &rows, &n), PH_OK);
    assert_int_equal(n, 2);
    p.force = NULL;
    p.unit_id = f->police[2];
    assert_int_equal(store_timeliness_rows(f->st, &f->a, &p, &all, T0, &rows, &n), PH_OK);
    assert_int_equal(n, 2); /* not police[20] */
    p.unit_id = f->police[1];
    assert_int_equal(store_timeliness_rows(f->st, &f->a, &p, &all, T0, &rows, &n), PH_OK);
    assert_int_equal(n, 3);
    /* the period: acks by sent_at, reports by reported_at */
    p.unit_id = 0;
    p.from = T0 + 60 * MIN;
    assert_int_equal(store_timeliness_rows(f->st, &f->a, &p, &all, T0, &rows, &n), PH_OK);
    assert_int_equal(n, 2);
    assert_int_equal(rows[0].unit_id, f->police[20]);
    assert_int_equal(rows[1].unit_id, f->mil);
    /* scope: clearance, units */
    p.from = T0;
    struct incident up = get(f, ib, T0);
    up.classification = CLEARANCE_SECRET;
    assert_int_equal(store_incident_update(f->st, &up), PH_OK);
    struct incident_scope conf = {.clearance = CLEARANCE_CONFIDENTIAL};
    assert_int_equal(store_timeliness_rows(f->st, &f->a, &p, &conf, T0, &rows, &n), PH_OK);
    assert_int_equal(n, 4);
    struct incident_scope bg_only = {.clearance = CLEARANCE_TOP_SECRET,
                                     .unit_path = path_of(f, f->bg)};
    assert_int_equal(store_timeliness_rows(f->st, &f->a, &p, &bg_only, T0, &rows, &n), PH_OK);
    assert_int_equal(n, 4); /* every row of a, the one incident sent to bg */
}

/* ---- outbox scope columns ------------------------------------------------ */

static void test_sqlite_outbox_scope(void **state)
{
    struct fx *f = *state;
    struct store_outbox_event ev = {.at = T0,
                                    .topic = "incident.created",
                                    .item_kind = "incident",
                                    .item_id = 9,
                                    .payload = "{}",
                                    .access_kind = ITEM_OPERATIONAL,
                                    .classification = CLEARANCE_SECRET,
                                    .scope_paths = "/1/2/ /22/"};
    struct store_outbox_event *items = NULL;
    size_t n = 0;
    int64_t id1 = 0, id2 = 0, last = -1;

    assert_int_equal(store_outbox_last_id(f->st, &last), PH_OK);
    assert_int_equal(last, 0);
    assert_int_equal(store_outbox_insert(f->st, &ev, &id1), PH_OK);
    ev = (struct store_outbox_event){.topic = "unit.created", .item_kind = "unit", .item_id = 1};
    assert_int_equal(store_outbox_insert(f->st, &ev, &id2), PH_OK);
    assert_int_equal(store_outbox_last_id(f->st, &last), PH_OK);
    assert_int_equal(last, id2);
    assert_int_equal(store_outbox_after(f->st, &f->a, 0, 10, &items, &n), PH_OK);
    assert_int_equal(n, 2);
    assert_int_equal(items[0].access_kind, ITEM_OPERATIONAL);
    assert_int_equal(items[0].classification, CLEARANCE_SECRET);
    assert_string_equal(items[0].scope_paths, "/1/2/ /22/");
    assert_int_equal(items[1].access_kind, ITEM_AREA);
    assert_int_equal(items[1].classification, 0);
    assert_null(items[1].scope_paths);
}

int main(void)
{
    log_set_level(LOG_ERROR);
    const struct CMUnitTest tests[] = {
        FX_TEST(test_sqlite_incident_ref_next),
        FX_TEST(test_sqlite_incident_crud),
        FX_TEST(test_sqlite_incident_joined),
        FX_TEST(test_sqlite_incident_list_filters),
        FX_TEST(test_sqlite_incident_list_scope),
        FX_TEST(test_sqlite_incident_list_big),
        FX_TEST(test_sqlite_incident_search),
        FX_TEST(test_sqlite_incident_search_tx),
        FX_TEST(test_sqlite_incident_search_terms_kept),
        FX_TEST(test_sqlite_incident_search_prefix),
        FX_TEST(test_sqlite_incident_recipients_acks_events),
        FX_TEST(test_sqlite_incident_recipients_add),
        FX_TEST(test_sqlite_incident_idem),
        FX_TEST(test_sqlite_incident_inbox),
        FX_TEST(test_sqlite_incident_deadlines),
        FX_TEST(test_sqlite_incident_timeliness),
        FX_TEST(test_sqlite_incident_timeliness_former_lead),
        FX_TEST(test_sqlite_outbox_scope),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
