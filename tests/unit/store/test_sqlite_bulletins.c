/* test_sqlite_bulletins.c - the SQLite backend's bulletins: insert with forces and
 * recipients (all or nothing, one bulletin per schedule period), the joined
 * members, every list filter and the access scope (clearance, the sender's or a
 * recipient's unit path, with sibling paths that share a text prefix), paging,
 * acknowledgements once, inboxes, deadlines and their marks, periods answered or
 * missed, and schedules (versions, recipients replaced, the list's scope). */
#include "util/base.h"
#include "testutil.h"
#include "core/bulletin.h"
#include "store/sqlite_int.h"
#include "util/text.h"

#define T0 1764000000000LL /* 2025-11-24T16:00:00Z */
#define MIN (60 * 1000LL)

/* ---- fixture ------------------------------------------------------------- */

/* Units: police[1] is the province (/1/), police[2..20] are districts below it
 * (/1/2/ .. /1/20/: /1/2/ and /1/20/ share a prefix as text), commune is below
 * police[2]; bg and mil are the other forces' province units. */
struct fx {
    struct store *st;
    struct arena a;
    int64_t police[21], commune, bg, mil;
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

static int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
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

static struct bulletin mk(int64_t from, const char *title)
{
    struct bulletin b = {.kind = "ad_hoc",
                         .from_unit_id = from,
                         .title = title,
                         .situation = "Tình hình ổn định",
                         .classification = CLEARANCE_UNCLASSIFIED,
                         .cap_status = "actual",
                         .sent_at = T0,
                         .created_by = 7};
    return b;
}

/* Insert b sent to units (ack due at due, 0: none), all of them named. */
static int64_t ins(struct fx *f, struct bulletin *b, const int64_t *units, size_t n, int64_t due)
{
    struct bulletin_recipient r[8];
    int64_t id = 0;
    assert_true(n <= 8);
    memset(r, 0, sizeof(r));
    for (size_t i = 0; i < n; i++) {
        r[i].unit_id = units[i];
        r[i].ack_due_at = due;
    }
    b->to_unit_ids = (int64_t *)units;
    b->n_to_units = n;
    b->ack_required = due != 0;
    assert_int_equal(store_bulletin_insert(f->st, b, text_fold(&f->a, b->title), r, n, &id), PH_OK);
    b->id = id;
    return id;
}

static int64_t sched(struct fx *f, int64_t unit, const int64_t *units, size_t n,
                     const char **forces, size_t n_forces)
{
    struct bulletin_schedule s = {.unit_id = unit,
                                  .title = "Báo cáo ngày",
                                  .period = BULLETIN_DAILY,
                                  .due_local = "07:00",
                                  .to_unit_ids = (int64_t *)units,
                                  .n_to_units = n,
                                  .to_forces = forces,
                                  .n_to_forces = n_forces,
                                  .is_active = true,
                                  .created_at = T0};
    int64_t id = 0;
    assert_int_equal(store_bulletin_schedule_insert(f->st, &s, &id), PH_OK);
    return id;
}

static bool listed(const struct bulletin *items, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (items[i].id == id)
            return true;
    return false;
}

/* ---- bulletins ------------------------------------------------------------ */

static void test_sqlite_bulletin_insert_get(void **state)
{
    struct fx *f = *state;
    struct bulletin b = mk(f->police[2], "Thông báo"), got;
    struct bulletin_recipient r[3] = {{.unit_id = f->mil, .ack_due_at = T0 + 30 * MIN},
                                      {.unit_id = f->police[1], .ack_due_at = T0 + 30 * MIN},
                                      {.unit_id = f->bg, .ack_due_at = T0 + 30 * MIN}};
    int64_t named[1] = {f->mil};
    const char *forces[2] = {"police", "border_guard"};
    struct bulletin_recipient *rows = NULL;
    size_t n = 0;
    int64_t id = 0;

    b.to_unit_ids = named;
    b.n_to_units = 1;
    b.to_forces = forces;
    b.n_to_forces = 2;
    b.assessment = "Nhận định";
    b.classification = CLEARANCE_SECRET;
    b.ack_required = true;
    b.ack_minutes = 30;
    assert_int_equal(store_bulletin_insert(f->st, &b, "thong bao", r, 3, &id), PH_OK);
    assert_int_equal(store_bulletin_get(f->st, &f->a, id, T0, &got), PH_OK);
    assert_int_equal(got.id, id);
    assert_string_equal(got.kind, "ad_hoc");
    assert_int_equal(got.schedule_id, 0);
    assert_null(got.period_start);
    assert_int_equal(got.from_unit_id, f->police[2]);
    assert_string_equal(got.title, "Thông báo");
    assert_string_equal(got.situation, "Tình hình ổn định");
    assert_string_equal(got.assessment, "Nhận định");
    assert_null(got.proposals);
    assert_int_equal(got.classification, CLEARANCE_SECRET);
    assert_string_equal(got.cap_status, "actual");
    assert_true(got.ack_required);
    assert_int_equal(got.ack_minutes, 30);
    assert_int_equal(got.sent_at, T0);
    assert_int_equal(got.created_by, 7);
    assert_int_equal(got.version, 1);
    assert_string_equal(got.from_force, "police");
    assert_string_equal(got.from_unit_path, "/1/2/");
    assert_int_equal(got.n_to_units, 1); /* the named one, not those for the forces */
    assert_int_equal(got.to_unit_ids[0], f->mil);
    assert_int_equal(got.n_to_forces, 2);
    assert_string_equal(got.to_forces[0], "police");
    assert_string_equal(got.to_forces[1], "border_guard");
    assert_int_equal(got.n_sent_to, 3);
    assert_false(got.overdue);
    assert_int_equal(store_bulletin_get(f->st, &f->a, id, T0 + 31 * MIN, &got), PH_OK);
    assert_true(got.overdue);
    assert_int_equal(store_bulletin_recipients(f->st, &f->a, id, &rows, &n), PH_OK);
    assert_int_equal(n, 3);
    assert_int_equal(rows[0].unit_id, f->mil);
    assert_string_equal(rows[0].force, "military");
    assert_string_equal(rows[0].unit_code, "QS");
    assert_int_equal(rows[1].unit_id, f->police[1]);
    assert_string_equal(rows[1].unit_path, "/1/");
    assert_int_equal(rows[2].ack_due_at, T0 + 30 * MIN);
    assert_int_equal(store_bulletin_get(f->st, &f->a, id + 100, T0, &got), PH_ENOTFOUND);

    /* All or nothing: a recipient that is no unit undoes the bulletin. */
    {
        struct bulletin c = mk(f->police[2], "Hỏng");
        struct bulletin_recipient bad[2] = {{.unit_id = f->mil}, {.unit_id = 987654}};
        struct bulletin *items = NULL;
        struct bulletin_filter all = {.limit = 50, .scope_clearance = 3};
        bool more = false;
        assert_int_equal(store_bulletin_insert(f->st, &c, "hong", bad, 2, &id), PH_ECONFLICT);
        assert_int_equal(store_bulletin_list(f->st, &f->a, &all, T0, &items, &n, &more), PH_OK);
        assert_int_equal(n, 1);
    }
}

static void test_sqlite_bulletin_period_unique(void **state)
{
    struct fx *f = *state;
    int64_t to[1] = {f->police[1]};
    int64_t s = sched(f, f->police[2], to, 1, NULL, 0);
    struct bulletin b = mk(f->police[2], "Báo cáo ngày"), c;
    bool sent = true, missed = true;

    assert_int_equal(store_bulletin_period_state(f->st, s, "2025-11-24", &sent, &missed), PH_OK);
    assert_false(sent);
    assert_false(missed);
    b.kind = "periodic";
    b.schedule_id = s;
    b.period_start = "2025-11-24";
    (void)ins(f, &b, to, 1, 0);
    c = b;
    assert_int_equal(store_bulletin_insert(f->st, &c, "x", NULL, 0, &c.id), PH_ECONFLICT);
    c.period_start = "2025-11-25";
    (void)ins(f, &c, to, 1, 0);
    assert_int_equal(store_bulletin_period_state(f->st, s, "2025-11-24", &sent, &missed), PH_OK);
    assert_true(sent);
    assert_false(missed);
    /* Misses: once per period. */
    assert_int_equal(store_bulletin_miss_insert(f->st, s, "2025-11-26", T0, T0 + MIN), PH_OK);
    assert_int_equal(store_bulletin_miss_insert(f->st, s, "2025-11-26", T0, T0 + 2 * MIN),
                     PH_ECONFLICT);
    assert_int_equal(store_bulletin_period_state(f->st, s, "2025-11-26", &sent, &missed), PH_OK);
    assert_false(sent);
    assert_true(missed);
}

static void test_sqlite_bulletin_list(void **state)
{
    struct fx *f = *state;
    int64_t mil[1] = {f->mil}, p20[1] = {f->police[20]}, comm[1] = {f->commune};
    struct bulletin a = mk(f->police[2], "Buôn lậu 100% hàng giả");
    struct bulletin b = mk(f->police[20], "Thông báo mật");
    struct bulletin c = mk(f->mil, "Diễn tập phòng thủ");
    struct bulletin d = mk(f->bg, "Tình hình biển");
    struct bulletin_filter flt;
    struct bulletin *items = NULL;
    size_t n = 0;
    bool more = false;

    (void)ins(f, &a, mil, 1, 0);
    b.classification = CLEARANCE_SECRET;
    b.sent_at = T0 + MIN;
    (void)ins(f, &b, mil, 1, 0);
    c.kind = "ad_hoc";
    c.cap_status = "exercise";
    c.sent_at = T0 + 2 * MIN;
    (void)ins(f, &c, comm, 1, 0);
    d.sent_at = T0 + 3 * MIN;
    (void)ins(f, &d, p20, 1, 0);

    /* The system: everything, newest first, in pages. */
    flt = (struct bulletin_filter){.limit = 3, .scope_clearance = 3};
    assert_int_equal(store_bulletin_list(f->st, &f->a, &flt, T0, &items, &n, &more), PH_OK);
    assert_int_equal(n, 3);
    assert_true(more);
    assert_int_equal(items[0].id, d.id);
    assert_int_equal(items[2].id, b.id);
    flt.before_id = items[2].id;
    assert_int_equal(store_bulletin_list(f->st, &f->a, &flt, T0, &items, &n, &more), PH_OK);
    assert_int_equal(n, 1);
    assert_false(more);
    assert_int_equal(items[0].id, a.id);

    /* Scope /1/2/ (police[2]): its own (a), and c sent to its commune; not b,
     * sent by /1/20/, whose path starts with the same text. */
    flt = (struct bulletin_filter){.limit = 50, .scope_clearance = 3, .scope_unit_path = "/1/2/"};
    assert_int_equal(store_bulletin_list(f->st, &f->a, &flt, T0, &items, &n, &more), PH_OK);
    assert_int_equal(n, 2);
    assert_true(listed(items, n, a.id) && listed(items, n, c.id));
    /* Scope /1/20/: b (sent) and d (received); with clearance 1, not b. */
    flt.scope_unit_path = "/1/20/";
    assert_int_equal(store_bulletin_list(f->st, &f->a, &flt, T0, &items, &n, &more), PH_OK);
    assert_int_equal(n, 2);
    assert_true(listed(items, n, b.id) && listed(items, n, d.id));
    flt.scope_clearance = 1;
    assert_int_equal(store_bulletin_list(f->st, &f->a, &flt, T0, &items, &n, &more), PH_OK);
    assert_int_equal(n, 1);
    assert_int_equal(items[0].id, d.id);

    /* Filters. */
    flt = (struct bulletin_filter){.limit = 50, .scope_clearance = 3, .unit_id = f->police[2]};
    assert_int_equal(store_bulletin_list(f->st, &f->a, &flt, T0, &items, &n, &more), PH_OK);
    assert_int_equal(n, 2); /* a, and c sent to its commune */
    flt.unit_id = f->mil;
    assert_int_equal(store_bulletin_list(f->st, &f->a, &flt, T0, &items, &n, &more), PH_OK);
    assert_int_equal(n, 3); /* a, b to it; c from it */
    flt.unit_id = 987654;
    assert_int_equal(store_bulletin_list(f->st, &f->a, &flt, T0, &items, &n, &more), PH_OK);
    assert_int_equal(n, 0);
    flt = (struct bulletin_filter){.limit = 50, .scope_clearance = 3, .cap_status = "exercise"};
    assert_int_equal(store_bulletin_list(f->st, &f->a, &flt, T0, &items, &n, &more), PH_OK);
    assert_int_equal(n, 1);
    assert_int_equal(items[0].id, c.id);
    flt = (struct bulletin_filter){.limit = 50, .scope_clearance = 3, .kind = "periodic"};
    assert_int_equal(store_bulletin_list(f->st, &f->a, &flt, T0, &items, &n, &more), PH_OK);
    assert_int_equal(n, 0);
    flt = (struct bulletin_filter){.limit = 50, .scope_clearance = 3, .q = "100%"};
    assert_int_equal(store_bulletin_list(f->st, &f->a, &flt, T0, &items, &n, &more), PH_OK);
    assert_int_equal(n, 1);
    assert_int_equal(items[0].id, a.id);
    flt.q = "0%h"; /* % is a character here, not a wildcard */
    assert_int_equal(store_bulletin_list(f->st, &f->a, &flt, T0, &items, &n, &more), PH_OK);
    assert_int_equal(n, 0);
    flt.q = "thong bao";
    assert_int_equal(store_bulletin_list(f->st, &f->a, &flt, T0, &items, &n, &more), PH_OK);
    assert_int_equal(n, 1);
    flt = (struct bulletin_filter){
        .limit = 50, .scope_clearance = 3, .from = T0 + MIN, .to = T0 + 3 * MIN};
    assert_int_equal(store_bulletin_list(f->st, &f->a, &flt, T0, &items, &n, &more), PH_OK);
    assert_int_equal(n, 2);
    assert_true(listed(items, n, b.id) && listed(items, n, c.id));
}

static void test_sqlite_bulletin_ack_inbox_deadlines(void **state)
{
    struct fx *f = *state;
    int64_t mil[1] = {f->mil}, both[2] = {f->mil, f->bg};
    struct bulletin a = mk(f->police[2], "Hạn 30"), b = mk(f->police[2], "Hạn 10");
    struct bulletin c = mk(f->police[2], "Không hạn"), d = mk(f->police[20], "Mật");
    struct incident_scope all = {.unit_path = NULL, .clearance = 3};
    struct incident_scope mil_conf = {.unit_path = "/23/", .clearance = 1};
    struct bulletin_inbox_item *inbox = NULL;
    struct store_bulletin_due *due = NULL;
    struct bulletin_recipient *rows = NULL;
    struct bulletin got;
    int64_t next = -1;
    size_t n = 0;

    (void)ins(f, &a, both, 2, T0 + 30 * MIN);
    (void)ins(f, &b, mil, 1, T0 + 10 * MIN);
    (void)ins(f, &c, mil, 1, 0);
    d.classification = CLEARANCE_SECRET;
    (void)ins(f, &d, mil, 1, T0 + 20 * MIN);

    /* The inbox: owed ones only, overdue first, then by deadline. */
    assert_int_equal(
        store_bulletin_inbox(f->st, &f->a, f->mil, T0 + 15 * MIN, &all, 50, &inbox, &n), PH_OK);
    assert_int_equal(n, 3);
    assert_int_equal(inbox[0].b.id, b.id);
    assert_true(inbox[0].overdue);
    assert_int_equal(inbox[1].b.id, d.id);
    assert_false(inbox[1].overdue);
    assert_int_equal(inbox[2].b.id, a.id);
    assert_int_equal(inbox[2].rcpt.unit_id, f->mil);
    assert_int_equal(inbox[2].rcpt.ack_due_at, T0 + 30 * MIN);
    assert_int_equal(store_bulletin_inbox(f->st, &f->a, f->mil, T0 + 15 * MIN, &all, 1, &inbox, &n),
                     PH_OK);
    assert_int_equal(n, 1);
    /* The military province's scope with clearance 1: not the secret one. */
    assert_string_equal(mil_conf.unit_path, "/23/"); /* the fixture's 23rd unit */
    assert_int_equal(
        store_bulletin_inbox(f->st, &f->a, f->mil, T0 + 15 * MIN, &mil_conf, 50, &inbox, &n),
        PH_OK);
    assert_int_equal(n, 2);

    /* Deadlines: due at or before now, not yet marked, oldest first. */
    assert_int_equal(store_bulletin_due(f->st, &f->a, T0 + 10 * MIN, 50, &due, &n), PH_OK);
    assert_int_equal(n, 1);
    assert_int_equal(due[0].bulletin_id, b.id);
    assert_int_equal(due[0].due_at, T0 + 10 * MIN);
    assert_int_equal(store_bulletin_deadline_next(f->st, T0 + 10 * MIN, &next), PH_OK);
    assert_int_equal(next, T0 + 20 * MIN);
    assert_int_equal(store_bulletin_mark_overdue(f->st, b.id, f->mil, T0 + 11 * MIN), PH_OK);
    assert_int_equal(store_bulletin_mark_overdue(f->st, b.id, f->mil, T0 + 12 * MIN), PH_OK);
    assert_int_equal(store_bulletin_recipients(f->st, &f->a, b.id, &rows, &n), PH_OK);
    assert_int_equal(rows[0].overdue_at, T0 + 11 * MIN); /* the first time counts */
    assert_int_equal(store_bulletin_mark_overdue(f->st, b.id, f->bg, T0), PH_ENOTFOUND);
    assert_int_equal(store_bulletin_due(f->st, &f->a, T0 + 40 * MIN, 50, &due, &n), PH_OK);
    assert_int_equal(n, 3); /* d, then a for each of its two units */
    assert_int_equal(due[0].bulletin_id, d.id);
    assert_int_equal(store_bulletin_due(f->st, &f->a, T0 + 40 * MIN, 2, &due, &n), PH_OK);
    assert_int_equal(n, 2);

    /* Acknowledgements: once; a unit that is no recipient is not found. */
    assert_int_equal(store_bulletin_ack(f->st, a.id, f->mil, T0 + 5 * MIN, 9, "Đã nhận"), PH_OK);
    assert_int_equal(store_bulletin_ack(f->st, a.id, f->mil, T0 + 6 * MIN, 9, NULL), PH_ECONFLICT);
    assert_int_equal(store_bulletin_ack(f->st, a.id, f->police[3], T0, 9, NULL), PH_ENOTFOUND);
    assert_int_equal(store_bulletin_recipients(f->st, &f->a, a.id, &rows, &n), PH_OK);
    assert_int_equal(rows[0].received_at, T0 + 5 * MIN);
    assert_int_equal(rows[0].received_by, 9);
    assert_string_equal(rows[0].note, "Đã nhận");
    assert_int_equal(rows[1].received_at, 0);
    /* Still overdue for the border guard; out of the military's inbox and due list. */
    assert_int_equal(store_bulletin_get(f->st, &f->a, a.id, T0 + 31 * MIN, &got), PH_OK);
    assert_true(got.overdue);
    assert_int_equal(store_bulletin_ack(f->st, a.id, f->bg, T0 + 32 * MIN, 9, NULL), PH_OK);
    assert_int_equal(store_bulletin_get(f->st, &f->a, a.id, T0 + 33 * MIN, &got), PH_OK);
    assert_false(got.overdue);
    assert_int_equal(store_bulletin_due(f->st, &f->a, T0 + 40 * MIN, 50, &due, &n), PH_OK);
    assert_int_equal(n, 1);
    assert_int_equal(store_bulletin_deadline_next(f->st, T0 + 40 * MIN, &next), PH_OK);
    assert_int_equal(next, 0);
}

/* ---- schedules ------------------------------------------------------------ */

static void test_sqlite_bulletin_schedules(void **state)
{
    struct fx *f = *state;
    int64_t to[2] = {f->police[1], f->police[1]};
    const char *forces[1] = {"military"};
    struct bulletin_schedule got, *items = NULL;
    struct incident_scope sc = {.clearance = 0};
    int64_t s1, s2, s3;
    size_t n = 0;
    bool more = false;

    s1 = sched(f, f->police[2], to, 2, NULL, 0); /* a repeat counts once */
    s2 = sched(f, f->police[20], NULL, 0, forces, 1);
    s3 = sched(f, f->bg, to, 1, NULL, 0);
    assert_int_equal(store_bulletin_schedule_get(f->st, &f->a, s1, &got), PH_OK);
    assert_int_equal(got.unit_id, f->police[2]);
    assert_string_equal(got.unit_path, "/1/2/");
    assert_string_equal(got.title, "Báo cáo ngày");
    assert_string_equal(got.period, "daily");
    assert_string_equal(got.due_local, "07:00");
    assert_int_equal(got.due_day, 0);
    assert_int_equal(got.n_to_units, 1);
    assert_int_equal(got.n_to_forces, 0);
    assert_true(got.is_active);
    assert_int_equal(got.version, 1);
    assert_int_equal(got.created_at, T0);

    /* Update: versioned, recipients replaced. */
    got.period = "weekly";
    got.due_day = 5;
    got.to_forces = forces;
    got.n_to_forces = 1;
    got.n_to_units = 0;
    got.version = 3;
    assert_int_equal(store_bulletin_schedule_update(f->st, &got), PH_ESTALE);
    got.version = 1;
    got.updated_at = T0 + MIN;
    assert_int_equal(store_bulletin_schedule_update(f->st, &got), PH_OK);
    assert_int_equal(store_bulletin_schedule_get(f->st, &f->a, s1, &got), PH_OK);
    assert_int_equal(got.version, 2);
    assert_string_equal(got.period, "weekly");
    assert_int_equal(got.due_day, 5);
    assert_int_equal(got.n_to_units, 0);
    assert_int_equal(got.n_to_forces, 1);
    assert_int_equal(got.updated_at, T0 + MIN);
    got.id = 987654;
    assert_int_equal(store_bulletin_schedule_update(f->st, &got), PH_ENOTFOUND);
    /* The database refuses what validation would. */
    got.id = s1;
    got.version = 0;
    got.due_day = 9;
    assert_int_equal(store_bulletin_schedule_update(f->st, &got), PH_ESTORE);

    /* Lists: by unit subtree, and in scope: the unit, a unit it names, or the
     * province-level unit of a force it names. */
    assert_int_equal(store_bulletin_schedule_list(f->st, &f->a, 0, NULL, 0, 50, &items, &n, &more),
                     PH_OK);
    assert_int_equal(n, 3);
    assert_int_equal(
        store_bulletin_schedule_list(f->st, &f->a, f->police[2], NULL, 0, 50, &items, &n, &more),
        PH_OK);
    assert_int_equal(n, 1);
    assert_int_equal(items[0].id, s1);
    assert_int_equal(store_bulletin_schedule_list(f->st, &f->a, 0, NULL, s1, 1, &items, &n, &more),
                     PH_OK);
    assert_int_equal(n, 1);
    assert_int_equal(items[0].id, s2);
    assert_true(more);
    sc.unit_path = "/1/2/";
    assert_int_equal(store_bulletin_schedule_list(f->st, &f->a, 0, &sc, 0, 50, &items, &n, &more),
                     PH_OK);
    assert_int_equal(n, 1);
    sc.unit_path = "/23/"; /* the military province: s1 and s2 name its force */
    assert_int_equal(store_bulletin_schedule_list(f->st, &f->a, 0, &sc, 0, 50, &items, &n, &more),
                     PH_OK);
    assert_int_equal(n, 2);
    sc.unit_path = "/1/"; /* the police province: its subtree, and s3 names it */
    assert_int_equal(store_bulletin_schedule_list(f->st, &f->a, 0, &sc, 0, 50, &items, &n, &more),
                     PH_OK);
    assert_int_equal(n, 3);
    sc.clearance = -1;
    assert_int_equal(store_bulletin_schedule_list(f->st, &f->a, 0, &sc, 0, 50, &items, &n, &more),
                     PH_OK);
    assert_int_equal(n, 0);

    /* Active ones only. */
    assert_int_equal(store_bulletin_schedule_get(f->st, &f->a, s3, &got), PH_OK);
    got.is_active = false;
    assert_int_equal(store_bulletin_schedule_update(f->st, &got), PH_OK);
    assert_int_equal(store_bulletin_schedule_active(f->st, &f->a, &items, &n), PH_OK);
    assert_int_equal(n, 2);
    assert_int_equal(items[0].id, s1);
    assert_int_equal(items[1].id, s2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        FX_TEST(test_sqlite_bulletin_insert_get), FX_TEST(test_sqlite_bulletin_period_unique),
        FX_TEST(test_sqlite_bulletin_list),       FX_TEST(test_sqlite_bulletin_ack_inbox_deadlines),
        FX_TEST(test_sqlite_bulletin_schedules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
