/* test_unit.c - units: validation with the field named, the force and level rules
 * of the trees, re-parenting (paths follow), access by subtree and force, versions,
 * audit entries and outbox events. */
#include "util/base.h"
#include "testutil.h"
#include "core/access.h"
#include "core/area.h"
#include "core/unit.h"
#include "store/store.h"
#include "util/arena.h"

/* Run call inside a transaction of cx's store: commit on PH_OK, else roll back. */
#define TX(cx, call) tx_end((cx), store_tx_begin((cx)->st) == PH_OK ? (call) : PH_ESTORE)

static ph_err tx_end(struct core_ctx *cx, ph_err rc)
{
    if (rc == PH_OK)
        return store_tx_commit(cx->st);
    (void)store_tx_rollback(cx->st);
    return rc;
}

/* Two trees: police (province ca, districts ca_bd and ca_mc, commune ca_bd_bt) and
 * military (province qs, district qs_bd); one area. */
struct fx {
    struct store *st;
    struct arena a;
    struct core_ctx sys;
    int64_t area, ca, ca_bd, ca_mc, ca_bd_bt, qs, qs_bd;
    struct core_user police_admin, district_admin, military_admin, viewer, global_admin;
};

static struct unit mk(const char *code, const char *name, const char *force, const char *level,
                      int64_t parent)
{
    struct unit u = {.code = code, .name = name, .force = force, .level = level,
                     .parent_id = parent, .is_active = true};
    return u;
}

static int64_t create_ok(struct core_ctx *cx, struct unit u)
{
    const char *field = NULL;
    ph_err rc = TX(cx, unit_create(cx, &u, &field));
    if (rc != PH_OK)
        fail_msg("create %s: %d (%s)", u.code, rc, field != NULL ? field : "");
    return u.id;
}

static struct core_user admin_of(struct fx *f, int64_t unit_id, unsigned roles)
{
    struct unit u;
    struct core_user who = {.person_id = 900 + unit_id, .username = "qtv", .roles = roles,
                            .clearance = CLEARANCE_SECRET, .unit_id = unit_id};
    assert_int_equal(unit_get(&f->sys, unit_id, &u), PH_OK);
    who.unit_path = u.path;
    who.unit_level = u.level;
    who.force = u.force;
    return who;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct area ar = {.code = "829", .name = "Huyện Bình Đại", .level = "district",
                      .kind = "coastal", .valid_from = "2020-01-01"};
    const char *field = NULL;

    f->st = tu_store();
    arena_init(&f->a);
    f->sys = tu_ctx(f->st, &f->a, &core_system_user);
    assert_int_equal(TX(&f->sys, area_create(&f->sys, &ar, &field)), PH_OK);
    f->area = ar.id;
    f->ca = create_ok(&f->sys, mk("CA-BT", "Công an tỉnh Bến Tre", "police", "province", 0));
    f->ca_bd = create_ok(&f->sys,
                         mk("CA-H-BD", "Công an huyện Bình Đại", "police", "district", f->ca));
    f->ca_mc = create_ok(&f->sys,
                         mk("CA-H-MC", "Công an huyện Mỏ Cày", "police", "district", f->ca));
    f->ca_bd_bt = create_ok(&f->sys, mk("CA-X-BT", "Công an xã Bình Thắng", "police", "commune",
                                        f->ca_bd));
    f->qs = create_ok(&f->sys, mk("QS-BT", "Bộ CHQS tỉnh Bến Tre", "military", "province", 0));
    f->qs_bd = create_ok(&f->sys,
                         mk("QS-H-BD", "Ban CHQS huyện Bình Đại", "military", "district", f->qs));
    f->police_admin = admin_of(f, f->ca, ROLE_ADMIN);
    f->district_admin = admin_of(f, f->ca_bd, ROLE_ADMIN);
    f->military_admin = admin_of(f, f->qs, ROLE_ADMIN);
    f->viewer = admin_of(f, f->ca, ROLE_VIEWER | ROLE_DUTY_OFFICER);
    f->global_admin = (struct core_user){.person_id = 999, .username = "root",
                                         .roles = ROLE_ADMIN, .clearance = CLEARANCE_TOP_SECRET};
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    store_close(f->st);
    arena_release(&f->a);
    free(f);
    return 0;
}

static void test_unit_names(void **state)
{
    (void)state;
    assert_true(force_is_valid("police"));
    assert_true(force_is_valid("military"));
    assert_true(force_is_valid("border_guard"));
    assert_false(force_is_valid("navy"));
    assert_false(force_is_valid(NULL));
    assert_int_equal(level_rank("province"), 0);
    assert_int_equal(level_rank("district"), 1);
    assert_int_equal(level_rank("commune"), 2);
    assert_int_equal(level_rank("hamlet"), -1);
    assert_int_equal(level_rank(NULL), -1);
    assert_true(level_is_valid("commune"));
    assert_false(level_is_valid("Commune"));
}

static void test_unit_create(void **state)
{
    struct fx *f = *state;
    struct core_ctx cx = tu_ctx(f->st, &f->a, &f->district_admin);
    int64_t areas[] = {f->area};
    struct unit u = mk(" CA-X-TL ", "Công an xa\xcc\x83 Thới Lai", "police", "commune", f->ca_bd);
    struct unit got, parent;
    struct audit_entry *entries = NULL;
    struct store_outbox_event *ev = NULL;
    int64_t before = 0, after = 0;
    size_t n = 0;
    const char *field = NULL;

    u.area_ids = areas;
    u.n_areas = 1;
    u.phone = "0275 3855 113";
    assert_int_equal(store_audit_count(f->st, &before), PH_OK);
    assert_int_equal(TX(&cx, unit_create(&cx, &u, &field)), PH_OK);
    assert_true(u.id > 0);
    assert_int_equal(unit_get(&cx, f->ca_bd, &parent), PH_OK);
    assert_string_equal(u.path, arena_printf(&f->a, "%s%lld/", parent.path, (long long)u.id));

    assert_int_equal(unit_get(&cx, u.id, &got), PH_OK);
    assert_string_equal(got.code, "CA-X-TL");
    assert_string_equal(got.name, "Công an xã Thới Lai"); /* NFC */
    assert_string_equal(got.phone, "0275 3855 113");
    assert_int_equal(got.n_areas, 1);
    assert_int_equal(got.area_ids[0], f->area);
    assert_int_equal(got.version, 1);
    assert_true(got.is_active);
    assert_int_equal(got.created_at, cx.now_ms);

    assert_int_equal(store_audit_count(f->st, &after), PH_OK);
    assert_int_equal(after, before + 1);
    assert_int_equal(store_audit_page(f->st, &f->a, before, 10, &entries, &n), PH_OK);
    assert_int_equal(n, 1);
    assert_string_equal(entries[0].action, "unit.create");
    assert_string_equal(entries[0].item_kind, "unit");
    assert_int_equal(entries[0].item_id, u.id);
    assert_int_equal(entries[0].actor_id, f->district_admin.person_id);
    assert_non_null(strstr(entries[0].detail, "\"code\":\"CA-X-TL\""));

    assert_int_equal(store_outbox_after(f->st, &f->a, 0, 100, &ev, &n), PH_OK);
    assert_true(n > 0);
    assert_string_equal(ev[n - 1].topic, "unit.created");
    assert_int_equal(ev[n - 1].item_id, u.id);

    /* The code is unique. */
    u = mk("CA-X-TL", "Trùng", "police", "commune", f->ca_bd);
    assert_int_equal(TX(&cx, unit_create(&cx, &u, &field)), PH_ECONFLICT);
}

static void test_unit_validate_fields(void **state)
{
    struct fx *f = *state;
    int64_t missing_area[] = {9999};
    int64_t twice[] = {f->area, f->area};
    struct {
        struct unit u;
        const char *field;
    } cases[] = {
        {mk("", "X", "police", "commune", f->ca_bd), "code"},
        {mk(NULL, "X", "police", "commune", f->ca_bd), "code"},
        {mk("CA X", "X", "police", "commune", f->ca_bd), "code"},
        {mk("CA/X", "X", "police", "commune", f->ca_bd), "code"},
        {mk("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456", "X", "police", "commune", f->ca_bd), "code"},
        {mk("X1", "", "police", "commune", f->ca_bd), "name"},
        {mk("X1", "\xc3\x28", "police", "commune", f->ca_bd), "name"},
        {mk("X1", "X", "navy", "commune", 0), "force"},
        {mk("X1", "X", "police", "hamlet", f->ca_bd), "level"},
        {mk("X1", "X", "police", "commune", 9999), "parent_id"},
        {mk("X1", "X", "police", "commune", f->qs_bd), "parent_id"},   /* other force */
        {mk("X1", "X", "police", "district", f->ca_bd), "parent_id"},  /* same level */
        {mk("X1", "X", "police", "district", f->ca_bd_bt), "parent_id"}, /* below */
        {mk("X1", "X", "police", "province", f->ca), "parent_id"},
        {mk("X1", "X", "police", "commune", f->ca_bd), "area_ids"},
        {mk("X1", "X", "police", "commune", f->ca_bd), "area_ids"},
        {mk("X1", "X", "police", "commune", f->ca_bd), "phone"},
    };
    cases[14].u.area_ids = missing_area;
    cases[14].u.n_areas = 1;
    cases[15].u.area_ids = twice;
    cases[15].u.n_areas = 2;
    cases[16].u.phone = "113\x07";
    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        const char *field = NULL;
        ph_err rc = TX(&f->sys, unit_create(&f->sys, &cases[i].u, &field));
        if (rc != PH_EINVAL || field == NULL || strcmp(field, cases[i].field) != 0)
            fail_msg("case %zu: rc %d field %s, want %s", i, rc, field ? field : "(null)",
                     cases[i].field);
    }
}

static void test_unit_access(void **state)
{
    struct fx *f = *state;
    struct core_ctx viewer = tu_ctx(f->st, &f->a, &f->viewer);
    struct core_ctx pol = tu_ctx(f->st, &f->a, &f->police_admin);
    struct core_ctx dist = tu_ctx(f->st, &f->a, &f->district_admin);
    struct core_ctx mil = tu_ctx(f->st, &f->a, &f->military_admin);
    struct core_ctx glob = tu_ctx(f->st, &f->a, &f->global_admin);
    struct unit u, got;
    const char *field = NULL;

    /* A viewer cannot create anything, but reads everything. */
    u = mk("CA-X-1", "Công an xã 1", "police", "commune", f->ca_bd);
    assert_int_equal(TX(&viewer, unit_create(&viewer, &u, &field)), PH_EPERM);
    assert_int_equal(unit_get(&viewer, f->qs_bd, &got), PH_OK);

    /* A police admin cannot create under a military unit, nor edit one. */
    u = mk("QS-X-1", "Ban CHQS xã 1", "military", "commune", f->qs_bd);
    assert_int_equal(TX(&pol, unit_create(&pol, &u, &field)), PH_EPERM);
    assert_int_equal(unit_get(&pol, f->qs_bd, &got), PH_OK);
    got.name = "Đổi tên";
    assert_int_equal(TX(&pol, unit_update(&pol, &got, &field)), PH_EPERM);
    assert_int_equal(TX(&pol, unit_delete(&pol, f->qs_bd)), PH_EPERM);
    assert_int_equal(TX(&mil, unit_create(&mil, &u, &field)), PH_OK);

    /* A district admin works only below its own unit. */
    u = mk("CA-H-X", "Công an huyện X", "police", "district", f->ca);
    assert_int_equal(TX(&dist, unit_create(&dist, &u, &field)), PH_EPERM);
    u = mk("CA-X-2", "Công an xã 2", "police", "commune", f->ca_mc);
    assert_int_equal(TX(&dist, unit_create(&dist, &u, &field)), PH_EPERM);
    u = mk("CA-X-2", "Công an xã 2", "police", "commune", f->ca_bd);
    assert_int_equal(TX(&dist, unit_create(&dist, &u, &field)), PH_OK);

    /* Top-level units: only an admin without a unit (or the system). */
    u = mk("BP-BT", "Bộ Chỉ huy BĐBP tỉnh Bến Tre", "border_guard", "province", 0);
    assert_int_equal(TX(&dist, unit_create(&dist, &u, &field)), PH_EPERM);
    assert_int_equal(TX(&pol, unit_create(&pol, &u, &field)), PH_EPERM);
    assert_int_equal(TX(&glob, unit_create(&glob, &u, &field)), PH_OK);

    /* A scoped admin cannot move a unit out of its subtree. */
    assert_int_equal(unit_get(&dist, f->ca_bd_bt, &got), PH_OK);
    got.parent_id = f->ca_mc;
    assert_int_equal(TX(&dist, unit_update(&dist, &got, &field)), PH_EPERM);
    assert_int_equal(TX(&pol, unit_update(&pol, &got, &field)), PH_OK);
}

static void test_unit_update(void **state)
{
    struct fx *f = *state;
    struct core_ctx cx = tu_ctx(f->st, &f->a, &f->police_admin);
    int64_t areas[] = {f->area};
    struct unit u, got;
    struct audit_entry *entries = NULL;
    int64_t count = 0;
    size_t n = 0;
    const char *field = NULL;

    assert_int_equal(unit_get(&cx, f->ca_bd, &u), PH_OK);
    u.name = "Công an huyện Bình Đại (mới)";
    u.area_ids = areas;
    u.n_areas = 1;
    cx.now_ms += 5000;
    assert_int_equal(TX(&cx, unit_update(&cx, &u, &field)), PH_OK);
    assert_int_equal(u.version, 2);
    assert_int_equal(unit_get(&cx, f->ca_bd, &got), PH_OK);
    assert_string_equal(got.name, "Công an huyện Bình Đại (mới)");
    assert_int_equal(got.n_areas, 1);
    assert_int_equal(got.updated_at, cx.now_ms);

    assert_int_equal(store_audit_count(f->st, &count), PH_OK);
    assert_int_equal(store_audit_page(f->st, &f->a, count - 1, 10, &entries, &n), PH_OK);
    assert_int_equal(n, 1);
    assert_string_equal(entries[0].action, "unit.update");
    assert_non_null(strstr(entries[0].detail, "\"name\":{\"new\":\"Công an huyện Bình Đại (mới)\","
                                              "\"old\":\"Công an huyện Bình Đại\"}"));
    assert_non_null(strstr(entries[0].detail, "\"area_ids\":{\"new\":["));
    assert_null(strstr(entries[0].detail, "\"code\""));

    /* Stale version. */
    got.version = 1;
    got.phone = "113";
    assert_int_equal(TX(&cx, unit_update(&cx, &got, &field)), PH_ESTALE);
    got.id = 9999;
    got.version = 0;
    assert_int_equal(TX(&cx, unit_update(&cx, &got, &field)), PH_ENOTFOUND);
}

static void test_unit_reparent(void **state)
{
    struct fx *f = *state;
    struct core_ctx cx = tu_ctx(f->st, &f->a, &f->police_admin);
    struct unit u, got, mc;
    const char *field = NULL;

    /* Move the commune from Bình Đại to Mỏ Cày: its path follows. */
    assert_int_equal(unit_get(&cx, f->ca_bd_bt, &u), PH_OK);
    assert_int_equal(unit_get(&cx, f->ca_mc, &mc), PH_OK);
    u.parent_id = f->ca_mc;
    assert_int_equal(TX(&cx, unit_update(&cx, &u, &field)), PH_OK);
    assert_int_equal(unit_get(&cx, f->ca_bd_bt, &got), PH_OK);
    assert_int_equal(got.parent_id, f->ca_mc);
    assert_string_equal(got.path, arena_printf(&f->a, "%s%lld/", mc.path, (long long)got.id));

    /* Not under itself, nor below itself. */
    assert_int_equal(unit_get(&cx, f->ca_mc, &u), PH_OK);
    u.parent_id = f->ca_mc;
    field = NULL;
    assert_int_equal(TX(&cx, unit_update(&cx, &u, &field)), PH_EINVAL);
    assert_string_equal(field, "parent_id");
    u.parent_id = f->ca_bd_bt;
    field = NULL;
    assert_int_equal(TX(&cx, unit_update(&cx, &u, &field)), PH_EINVAL);
    assert_string_equal(field, "parent_id");

    /* Not under another force's unit. */
    u.parent_id = f->qs;
    field = NULL;
    assert_int_equal(TX(&cx, unit_update(&cx, &u, &field)), PH_EPERM); /* not the admin's */
    struct core_ctx sys = f->sys;
    assert_int_equal(TX(&sys, unit_update(&sys, &u, &field)), PH_EINVAL);
    assert_string_equal(field, "parent_id");

    /* A district with a commune below cannot become a commune. */
    assert_int_equal(unit_get(&cx, f->ca_mc, &u), PH_OK);
    u.level = "commune";
    field = NULL;
    assert_int_equal(TX(&cx, unit_update(&cx, &u, &field)), PH_EINVAL);
    assert_string_equal(field, "level");
}

static void test_unit_force_change(void **state)
{
    struct fx *f = *state;
    struct core_ctx sys = f->sys;
    struct unit u, got;
    const char *field = NULL;

    /* Has children. */
    assert_int_equal(unit_get(&sys, f->ca_bd, &u), PH_OK);
    u.force = "military";
    assert_int_equal(TX(&sys, unit_update(&sys, &u, &field)), PH_EINVAL);
    assert_string_equal(field, "force");
    /* A leaf whose parent is of the old force. */
    assert_int_equal(unit_get(&sys, f->ca_bd_bt, &u), PH_OK);
    u.force = "military";
    field = NULL;
    assert_int_equal(TX(&sys, unit_update(&sys, &u, &field)), PH_EINVAL);
    assert_string_equal(field, "force");
    /* Moved together with a parent of the new force: fine. */
    u.parent_id = f->qs_bd;
    assert_int_equal(TX(&sys, unit_update(&sys, &u, &field)), PH_OK);
    assert_int_equal(unit_get(&sys, f->ca_bd_bt, &got), PH_OK);
    assert_string_equal(got.force, "military");
}

static void test_unit_delete(void **state)
{
    struct fx *f = *state;
    struct core_ctx cx = tu_ctx(f->st, &f->a, &f->police_admin);
    struct store_outbox_event *ev = NULL;
    struct unit got;
    size_t n = 0;

    assert_int_equal(TX(&cx, unit_delete(&cx, f->ca_bd)), PH_ECONFLICT); /* a child */
    assert_int_equal(TX(&cx, unit_delete(&cx, f->ca_bd_bt)), PH_OK);
    assert_int_equal(unit_get(&cx, f->ca_bd_bt, &got), PH_ENOTFOUND);
    assert_int_equal(TX(&cx, unit_delete(&cx, f->ca_bd_bt)), PH_ENOTFOUND);
    assert_int_equal(store_outbox_after(f->st, &f->a, 0, 100, &ev, &n), PH_OK);
    assert_string_equal(ev[n - 1].topic, "unit.deleted");
    assert_int_equal(ev[n - 1].item_id, f->ca_bd_bt);
}

static void test_unit_list(void **state)
{
    struct fx *f = *state;
    struct core_ctx cx = tu_ctx(f->st, &f->a, &f->viewer);
    struct unit *items = NULL;
    size_t n = 0;
    bool more = false;

    struct unit_filter q = {.q = "binh dai"};
    assert_int_equal(unit_list(&cx, &q, &items, &n, &more), PH_OK);
    assert_int_equal(n, 2); /* police and military of Bình Đại */

    struct unit_filter code = {.q = "ca-h"};
    assert_int_equal(unit_list(&cx, &code, &items, &n, &more), PH_OK);
    assert_int_equal(n, 2);

    struct unit_filter within = {.within_id = f->ca};
    assert_int_equal(unit_list(&cx, &within, &items, &n, &more), PH_OK);
    assert_int_equal(n, 4);

    struct unit_filter mil = {.force = "military", .limit = 1};
    assert_int_equal(unit_list(&cx, &mil, &items, &n, &more), PH_OK);
    assert_int_equal(n, 1);
    assert_true(more);

    struct unit_filter all = {.limit = -3};
    assert_int_equal(unit_list(&cx, &all, &items, &n, &more), PH_OK);
    assert_int_equal(n, 6);
    assert_false(more);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unit_names),
        cmocka_unit_test_setup_teardown(test_unit_create, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unit_validate_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unit_access, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unit_update, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unit_reparent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unit_force_change, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unit_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unit_list, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
