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

/* Two trees: police (province ca, districts ca_bd and ca_mc, commune ca_bd_bt) and
 * military (province qs, district qs_bd); one area. */
struct fx {
    struct tu_fx tu; /* first, for tu_fx_teardown() */
    int64_t area, ca, ca_bd, ca_mc, ca_bd_bt, qs, qs_bd;
    struct core_user police_admin, district_admin, military_admin, viewer, global_admin;
};

static struct core_user admin_of(struct fx *f, int64_t unit_id, unsigned roles)
{
    return tu_user_at(&f->tu.sys, unit_id, roles, CLEARANCE_SECRET);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct area ar = {.code = "829", .name = "Huyện Bình Đại", .level = "district",
                      .kind = "coastal", .valid_from = "2020-01-01"};
    const char *field = NULL;
    struct core_ctx *sys = &f->tu.sys;

    tu_fx_open(&f->tu);
    assert_int_equal(TX(sys, area_create(sys, &ar, &field)), PH_OK);
    f->area = ar.id;
    f->ca = tu_unit_create(sys, tu_unit("CA-BT", "Công an tỉnh Bến Tre", "police", "province", 0));
    f->ca_bd = tu_unit_create(
        sys, tu_unit("CA-H-BD", "Công an huyện Bình Đại", "police", "district", f->ca));
    f->ca_mc = tu_unit_create(
        sys, tu_unit("CA-H-MC", "Công an huyện Mỏ Cày", "police", "district", f->ca));
    f->ca_bd_bt = tu_unit_create(
        sys, tu_unit("CA-X-BT", "Công an xã Bình Thắng", "police", "commune", f->ca_bd));
    f->qs =
        tu_unit_create(sys, tu_unit("QS-BT", "Bộ CHQS tỉnh Bến Tre", "military", "province", 0));
    f->qs_bd = tu_unit_create(
        sys, tu_unit("QS-H-BD", "Ban CHQS huyện Bình Đại", "military", "district", f->qs));
    f->police_admin = admin_of(f, f->ca, ROLE_ADMIN);
    f->district_admin = admin_of(f, f->ca_bd, ROLE_ADMIN);
    f->military_admin = admin_of(f, f->qs, ROLE_ADMIN);
    f->viewer = admin_of(f, f->ca, ROLE_VIEWER | ROLE_DUTY_OFFICER);
    f->global_admin = tu_global_admin();
    *state = f;
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
    struct core_ctx cx = tu_as(&f->tu, &f->district_admin);
    int64_t areas[] = {f->area};
    struct unit u =
        tu_unit(" CA-X-TL ", "Công an xa\xcc\x83 Thới Lai", "police", "commune", f->ca_bd);
    struct unit got, parent;
    struct audit_entry e;
    struct store_outbox_event ev;
    int64_t before;
    const char *field = NULL;

    u.area_ids = areas;
    u.n_areas = 1;
    u.phone = "0275 3855 113";
    before = tu_audit_count(f->tu.st);
    assert_int_equal(TX(&cx, unit_create(&cx, &u, &field)), PH_OK);
    assert_true(u.id > 0);
    assert_int_equal(unit_get(&cx, f->ca_bd, &parent), PH_OK);
    assert_string_equal(u.path, arena_printf(&f->tu.a, "%s%lld/", parent.path, (long long)u.id));

    assert_int_equal(unit_get(&cx, u.id, &got), PH_OK);
    assert_string_equal(got.code, "CA-X-TL");
    assert_string_equal(got.name, "Công an xã Thới Lai"); /* NFC */
    assert_string_equal(got.phone, "0275 3855 113");
    assert_int_equal(got.n_areas, 1);
    assert_int_equal(got.area_ids[0], f->area);
    assert_int_equal(got.version, 1);
    assert_true(got.is_active);
    assert_int_equal(got.created_at, cx.now_ms);

    assert_int_equal(tu_audit_count(f->tu.st), before + 1);
    e = tu_audit_one_after(f->tu.st, &f->tu.a, before);
    assert_string_equal(e.action, "unit.create");
    assert_string_equal(e.item_kind, "unit");
    assert_int_equal(e.item_id, u.id);
    assert_int_equal(e.actor_id, f->district_admin.person_id);
    assert_non_null(strstr(e.detail, "\"code\":\"CA-X-TL\""));

    ev = tu_event_last(f->tu.st, &f->tu.a);
    assert_string_equal(ev.topic, "unit.created");
    assert_int_equal(ev.item_id, u.id);

    /* The code is unique. */
    u = tu_unit("CA-X-TL", "Trùng", "police", "commune", f->ca_bd);
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
        {tu_unit("", "X", "police", "commune", f->ca_bd), "code"},
        {tu_unit(NULL, "X", "police", "commune", f->ca_bd), "code"},
        {tu_unit("CA X", "X", "police", "commune", f->ca_bd), "code"},
        {tu_unit("CA/X", "X", "police", "commune", f->ca_bd), "code"},
        {tu_unit("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456", "X", "police", "commune", f->ca_bd), "code"},
        {tu_unit("X1", "", "police", "commune", f->ca_bd), "name"},
        {tu_unit("X1", "\xc3\x28", "police", "commune", f->ca_bd), "name"},
        {tu_unit("X1", "X", "navy", "commune", 0), "force"},
        {tu_unit("X1", "X", "police", "hamlet", f->ca_bd), "level"},
        {tu_unit("X1", "X", "police", "commune", 9999), "parent_id"},
        {tu_unit("X1", "X", "police", "commune", f->qs_bd), "parent_id"},     /* other force */
        {tu_unit("X1", "X", "police", "district", f->ca_bd), "parent_id"},    /* same level */
        {tu_unit("X1", "X", "police", "district", f->ca_bd_bt), "parent_id"}, /* below */
        {tu_unit("X1", "X", "police", "province", f->ca), "parent_id"},
        {tu_unit("X1", "X", "police", "commune", f->ca_bd), "area_ids"},
        {tu_unit("X1", "X", "police", "commune", f->ca_bd), "area_ids"},
        {tu_unit("X1", "X", "police", "commune", f->ca_bd), "phone"},
    };
    cases[14].u.area_ids = missing_area;
    cases[14].u.n_areas = 1;
    cases[15].u.area_ids = twice;
    cases[15].u.n_areas = 2;
    cases[16].u.phone = "113\x07";
    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        const char *field;
        TX_EINVAL_CASE(i, &f->tu.sys, unit_create(&f->tu.sys, &cases[i].u, &field), field,
                       cases[i].field);
    }
}

static void test_unit_access(void **state)
{
    struct fx *f = *state;
    struct core_ctx viewer = tu_as(&f->tu, &f->viewer);
    struct core_ctx pol = tu_as(&f->tu, &f->police_admin);
    struct core_ctx dist = tu_as(&f->tu, &f->district_admin);
    struct core_ctx mil = tu_as(&f->tu, &f->military_admin);
    struct core_ctx glob = tu_as(&f->tu, &f->global_admin);
    struct unit u, got;
    const char *field = NULL;

    /* A viewer cannot create anything, but reads everything. */
    u = tu_unit("CA-X-1", "Công an xã 1", "police", "commune", f->ca_bd);
    assert_int_equal(TX(&viewer, unit_create(&viewer, &u, &field)), PH_EPERM);
    assert_int_equal(unit_get(&viewer, f->qs_bd, &got), PH_OK);

    /* A police admin cannot create under a military unit, nor edit one. */
    u = tu_unit("QS-X-1", "Ban CHQS xã 1", "military", "commune", f->qs_bd);
    assert_int_equal(TX(&pol, unit_create(&pol, &u, &field)), PH_EPERM);
    assert_int_equal(unit_get(&pol, f->qs_bd, &got), PH_OK);
    got.name = "Đổi tên";
    assert_int_equal(TX(&pol, unit_update(&pol, &got, &field)), PH_EPERM);
    assert_int_equal(TX(&pol, unit_delete(&pol, f->qs_bd)), PH_EPERM);
    assert_int_equal(TX(&mil, unit_create(&mil, &u, &field)), PH_OK);

    /* A district admin works only below its own unit. */
    u = tu_unit("CA-H-X", "Công an huyện X", "police", "district", f->ca);
    assert_int_equal(TX(&dist, unit_create(&dist, &u, &field)), PH_EPERM);
    u = tu_unit("CA-X-2", "Công an xã 2", "police", "commune", f->ca_mc);
    assert_int_equal(TX(&dist, unit_create(&dist, &u, &field)), PH_EPERM);
    u = tu_unit("CA-X-2", "Công an xã 2", "police", "commune", f->ca_bd);
    assert_int_equal(TX(&dist, unit_create(&dist, &u, &field)), PH_OK);

    /* Top-level units: only an admin without a unit (or the system). */
    u = tu_unit("BP-BT", "Bộ Chỉ huy BĐBP tỉnh Bến Tre", "border_guard", "province", 0);
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
    struct core_ctx cx = tu_as(&f->tu, &f->police_admin);
    int64_t areas[] = {f->area};
    struct unit u, got;
    struct audit_entry e;
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

    e = tu_audit_last(f->tu.st, &f->tu.a);
    assert_string_equal(e.action, "unit.update");
    assert_non_null(strstr(e.detail, "\"name\":{\"new\":\"Công an huyện Bình Đại (mới)\","
                                     "\"old\":\"Công an huyện Bình Đại\"}"));
    assert_non_null(strstr(e.detail, "\"area_ids\":{\"new\":["));
    assert_null(strstr(e.detail, "\"code\""));

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
    struct core_ctx cx = tu_as(&f->tu, &f->police_admin);
    struct unit u, got, mc;
    const char *field = NULL;

    /* Move the commune from Bình Đại to Mỏ Cày: its path follows. */
    assert_int_equal(unit_get(&cx, f->ca_bd_bt, &u), PH_OK);
    assert_int_equal(unit_get(&cx, f->ca_mc, &mc), PH_OK);
    u.parent_id = f->ca_mc;
    assert_int_equal(TX(&cx, unit_update(&cx, &u, &field)), PH_OK);
    assert_int_equal(unit_get(&cx, f->ca_bd_bt, &got), PH_OK);
    assert_int_equal(got.parent_id, f->ca_mc);
    assert_string_equal(got.path, arena_printf(&f->tu.a, "%s%lld/", mc.path, (long long)got.id));

    /* Not under itself, nor below itself. */
    assert_int_equal(unit_get(&cx, f->ca_mc, &u), PH_OK);
    u.parent_id = f->ca_mc;
    TX_EINVAL(&cx, unit_update(&cx, &u, &field), field, "parent_id");
    u.parent_id = f->ca_bd_bt;
    TX_EINVAL(&cx, unit_update(&cx, &u, &field), field, "parent_id");

    /* Not under another force's unit. */
    u.parent_id = f->qs;
    field = NULL;
    assert_int_equal(TX(&cx, unit_update(&cx, &u, &field)), PH_EPERM); /* not the admin's */
    struct core_ctx sys = f->tu.sys;
    TX_EINVAL(&sys, unit_update(&sys, &u, &field), field, "parent_id");

    /* A district with a commune below cannot become a commune. */
    assert_int_equal(unit_get(&cx, f->ca_mc, &u), PH_OK);
    u.level = "commune";
    TX_EINVAL(&cx, unit_update(&cx, &u, &field), field, "level");
}

static void test_unit_force_change(void **state)
{
    struct fx *f = *state;
    struct core_ctx sys = f->tu.sys;
    struct unit u, got;
    const char *field = NULL;

    /* Has children. */
    assert_int_equal(unit_get(&sys, f->ca_bd, &u), PH_OK);
    u.force = "military";
    TX_EINVAL(&sys, unit_update(&sys, &u, &field), field, "force");
    /* A leaf whose parent is of the old force. */
    assert_int_equal(unit_get(&sys, f->ca_bd_bt, &u), PH_OK);
    u.force = "military";
    TX_EINVAL(&sys, unit_update(&sys, &u, &field), field, "force");
    /* Moved together with a parent of the new force: fine. */
    u.parent_id = f->qs_bd;
    assert_int_equal(TX(&sys, unit_update(&sys, &u, &field)), PH_OK);
    assert_int_equal(unit_get(&sys, f->ca_bd_bt, &got), PH_OK);
    assert_string_equal(got.force, "military");
}

static void test_unit_delete(void **state)
{
    struct fx *f = *state;
    struct core_ctx cx = tu_as(&f->tu, &f->police_admin);
    struct store_outbox_event ev;
    struct unit got;

    assert_int_equal(TX(&cx, unit_delete(&cx, f->ca_bd)), PH_ECONFLICT); /* a child */
    assert_int_equal(TX(&cx, unit_delete(&cx, f->ca_bd_bt)), PH_OK);
    assert_int_equal(unit_get(&cx, f->ca_bd_bt, &got), PH_ENOTFOUND);
    assert_int_equal(TX(&cx, unit_delete(&cx, f->ca_bd_bt)), PH_ENOTFOUND);
    ev = tu_event_last(f->tu.st, &f->tu.a);
    assert_string_equal(ev.topic, "unit.deleted");
    assert_int_equal(ev.item_id, f->ca_bd_bt);
}

static void test_unit_list(void **state)
{
    struct fx *f = *state;
    struct core_ctx cx = tu_as(&f->tu, &f->viewer);
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
        cmocka_unit_test_setup_teardown(test_unit_create, setup, tu_fx_teardown),
        cmocka_unit_test_setup_teardown(test_unit_validate_fields, setup, tu_fx_teardown),
        cmocka_unit_test_setup_teardown(test_unit_access, setup, tu_fx_teardown),
        cmocka_unit_test_setup_teardown(test_unit_update, setup, tu_fx_teardown),
        cmocka_unit_test_setup_teardown(test_unit_reparent, setup, tu_fx_teardown),
        cmocka_unit_test_setup_teardown(test_unit_force_change, setup, tu_fx_teardown),
        cmocka_unit_test_setup_teardown(test_unit_delete, setup, tu_fx_teardown),
        cmocka_unit_test_setup_teardown(test_unit_list, setup, tu_fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
