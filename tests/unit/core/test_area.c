/* test_area.c - areas: GeoJSON checks, validation with the field named, access,
 * the hierarchy rules, versions, audit entries and outbox events. */
#include "util/base.h"
#include "testutil.h"
#include "core/access.h"
#include "core/area.h"
#include "store/store.h"
#include "util/arena.h"

static const struct core_user viewer = {
    .person_id = 50, .username = "xem", .roles = ROLE_VIEWER, .unit_id = 1, .unit_path = "/1/",
    .unit_level = "province", .force = "police"};
static const struct core_user top_admin = {
    .person_id = 51, .username = "qtv.tinh", .roles = ROLE_ADMIN, .clearance = 3, .unit_id = 1,
    .unit_path = "/1/", .unit_level = "province", .force = "police"};
static const struct core_user scoped_admin = {
    .person_id = 52, .username = "qtv.huyen", .roles = ROLE_ADMIN, .clearance = 3, .unit_id = 2,
    .unit_path = "/1/2/", .unit_level = "district", .force = "police"};

static struct area mk(const char *code, const char *name, const char *level, int64_t parent)
{
    struct area a = {.code = code, .name = name, .level = level, .kind = "inland",
                     .parent_id = parent, .valid_from = "2020-01-01"};
    return a;
}

static int64_t create_ok(struct core_ctx *cx, struct area a)
{
    const char *field = NULL;
    assert_int_equal(TX(cx, area_create(cx, &a, &field)), PH_OK);
    assert_true(a.id > 0);
    return a.id;
}

static const char *const square =
    "{\"type\": \"Polygon\", \"coordinates\": [[[106.1, 10.2], [106.3, 10.2], [106.3, 10.4], "
    "[106.1, 10.2]]]}";

/* ---- GeoJSON ----------------------------------------------------------------------- */

static void test_area_geometry_valid(void **state)
{
    static const struct {
        const char *text;
        bool ok;
    } cases[] = {
        {"{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,0]]]}", true},
        {"{\"type\":\"MultiPolygon\",\"coordinates\":[[[[0,0],[1,0],[1,1],[0,0]]],"
         "[[[5,5],[6,5],[6,6],[5,5]],[[5.1,5.1],[5.2,5.1],[5.2,5.2],[5.1,5.1]]]]}",
         true},
        {"{\"type\":\"Feature\",\"properties\":{\"ten\":\"Xã\"},\"geometry\":"
         "{\"type\":\"Polygon\",\"coordinates\":[[[0,0,3],[1,0,3],[1,1,3],[0,0,3]]]}}",
         true},
        {"{\"type\":\"Point\",\"coordinates\":[0,0]}", false},
        {"{\"type\":\"Feature\",\"geometry\":null}", false},
        {"{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,1]]]}", false}, /* open */
        {"{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[0,0]]]}", false},       /* 3 */
        {"{\"type\":\"Polygon\",\"coordinates\":[]}", false},
        {"{\"type\":\"Polygon\",\"coordinates\":[[[181,0],[1,0],[1,1],[181,0]]]}", false},
        {"{\"type\":\"Polygon\",\"coordinates\":[[[0,-91],[1,0],[1,1],[0,-91]]]}", false},
        {"{\"type\":\"Polygon\",\"coordinates\":[[[0,\"0\"],[1,0],[1,1],[0,0]]]}", false},
        {"{\"type\":\"Polygon\",\"coordinates\":[[[0],[1,0],[1,1],[0]]]}", false},
        {"{\"type\":\"Polygon\"}", false},
        {"[1, 2]", false},
        {"not json", false},
        {"{\"type\":\"Polygon\",\"coordinates\":[[[[[[[[[[0]]]]]]]]]]}", false}, /* deep */
    };
    (void)state;
    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        const char *why = NULL;
        bool ok = area_geometry_valid(cases[i].text, &why);
        if (ok != cases[i].ok)
            fail_msg("case %zu: got %d (%s)", i, ok, why != NULL ? why : "");
        if (!ok)
            assert_non_null(why);
    }
    assert_false(area_geometry_valid(NULL, NULL));
}

/* ---- create -------------------------------------------------------------------------- */

static void test_area_create_and_get(void **state)
{
    struct tu_fx *f = *state;
    struct core_ctx cx = f->sys;
    /* "Bình Thắng" typed with combining marks (NFD) must be stored in NFC. */
    struct area a = mk("28753", "  Xa\xcc\x83 Bi\xcc\x80nh Tha\xcc\x86\xcc\x81ng ", "province", 0);
    struct area got;
    const char *field = NULL;

    a.kind = "coastal";
    a.geometry = square;
    a.valid_from = NULL; /* defaults to today in Việt Nam */
    assert_int_equal(TX(&cx, area_create(&cx, &a, &field)), PH_OK);
    assert_true(a.id > 0);
    assert_int_equal(a.version, 1);
    assert_int_equal(a.created_at, cx.now_ms);

    assert_int_equal(area_get(&cx, a.id, &got), PH_OK);
    assert_string_equal(got.name, "Xã Bình Thắng");
    assert_string_equal(got.code, "28753");
    assert_string_equal(got.kind, "coastal");
    assert_non_null(got.valid_from);
    assert_int_equal(strlen(got.valid_from), 10);
    assert_null(got.valid_to);
    assert_non_null(got.geometry);
    assert_null(strchr(got.geometry, ' ')); /* compact */
    assert_non_null(strstr(got.geometry, "106.1"));
    assert_int_equal(got.version, 1);

    assert_int_equal(area_get(&cx, a.id + 100, &got), PH_ENOTFOUND);
}

static void test_area_create_feature_keeps_geometry_only(void **state)
{
    struct tu_fx *f = *state;
    struct core_ctx cx = f->sys;
    struct area a = mk("83", "Tỉnh Bến Tre", "province", 0), got;

    a.geometry = "{\"type\":\"Feature\",\"properties\":{\"x\":1},\"geometry\":"
                 "{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,0]]]}}";
    a.id = create_ok(&cx, a);
    assert_int_equal(area_get(&cx, a.id, &got), PH_OK);
    assert_null(strstr(got.geometry, "Feature"));
    assert_null(strstr(got.geometry, "properties"));
    assert_non_null(strstr(got.geometry, "\"Polygon\""));
}

static void test_area_validate_fields(void **state)
{
    struct tu_fx *f = *state;
    struct core_ctx cx = f->sys;
    int64_t prov = create_ok(&cx, mk("83", "Tỉnh Bến Tre", "province", 0));
    int64_t dist = create_ok(&cx, mk("829", "Huyện Bình Đại", "district", prov));
    int64_t comm = create_ok(&cx, mk("28753", "Xã Bình Thắng", "commune", dist));
    struct {
        struct area a;
        const char *field;
    } cases[] = {
        {mk("", "X", "commune", dist), "code"},
        {mk(NULL, "X", "commune", dist), "code"},
        {mk("8 3", "X", "commune", dist), "code"},
        {mk("83-1", "X", "commune", dist), "code"},
        {mk("123456789012345678901234567890123", "X", "commune", dist), "code"},
        {mk("1", "", "commune", dist), "name"},
        {mk("1", "   ", "commune", dist), "name"},
        {mk("1", NULL, "commune", dist), "name"},
        {mk("1", "X\xff", "commune", dist), "name"},
        {mk("1", "X\x01", "commune", dist), "name"},
        {mk("1", "X", "village", dist), "level"},
        {mk("1", "X", NULL, dist), "level"},
        {mk("1", "X", "commune", 9999), "parent_id"},
        {mk("1", "X", "commune", -1), "parent_id"},
        {mk("1", "X", "district", comm), "parent_id"}, /* parent below */
        {mk("1", "X", "district", dist), "parent_id"}, /* same level */
        {mk("1", "X", "province", prov), "parent_id"},
    };
    (void)state;
    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        const char *field;
        TX_EINVAL_CASE(i, &cx, area_create(&cx, &cases[i].a, &field), field, cases[i].field);
    }

    struct area a = mk("1", "X", "commune", dist);
    const char *field = NULL;
    a.kind = "lake";
    TX_EINVAL(&cx, area_create(&cx, &a, &field), field, "kind");
    a = mk("1", "X", "commune", dist);
    a.valid_from = "2025-02-30";
    TX_EINVAL(&cx, area_create(&cx, &a, &field), field, "valid_from");
    a = mk("1", "X", "commune", dist);
    a.valid_to = "2020-01-01"; /* not after valid_from */
    TX_EINVAL(&cx, area_create(&cx, &a, &field), field, "valid_to");
    a = mk("1", "X", "commune", dist);
    a.valid_to = "2021-13-01";
    TX_EINVAL(&cx, area_create(&cx, &a, &field), field, "valid_to");
    a = mk("1", "X", "commune", dist);
    a.geometry = "{\"type\":\"Point\",\"coordinates\":[0,0]}";
    TX_EINVAL(&cx, area_create(&cx, &a, &field), field, "geometry");

    /* A commune straight under a province (the 2025 reform) is fine. */
    a = mk("1", "Phường 1", "commune", prov);
    a.valid_to = "2025-07-01";
    assert_int_equal(TX(&cx, area_create(&cx, &a, &field)), PH_OK);
}

static void test_area_create_conflict(void **state)
{
    struct tu_fx *f = *state;
    struct core_ctx cx = f->sys;
    struct area a = mk("83", "Tỉnh Bến Tre", "province", 0);
    const char *field = NULL;

    create_ok(&cx, a);
    a = mk("83", "Tỉnh Bến Tre (trùng)", "province", 0);
    assert_int_equal(TX(&cx, area_create(&cx, &a, &field)), PH_ECONFLICT);
    /* The same code from another date is a new period of the same area. */
    a = mk("83", "Tỉnh Bến Tre", "province", 0);
    a.valid_from = "2025-07-01";
    assert_int_equal(TX(&cx, area_create(&cx, &a, &field)), PH_OK);
}

static void test_area_access(void **state)
{
    struct tu_fx *f = *state;
    struct core_ctx sys = f->sys;
    struct core_ctx v = tu_as(f, &viewer);
    struct core_ctx sa = tu_as(f, &scoped_admin);
    struct core_ctx ta = tu_as(f, &top_admin);
    int64_t prov = create_ok(&sys, mk("83", "Tỉnh Bến Tre", "province", 0));
    struct area a = mk("829", "Huyện Bình Đại", "district", prov), got;
    const char *field = NULL;
    int64_t n0 = tu_audit_count(f->st);

    assert_int_equal(TX(&v, area_create(&v, &a, &field)), PH_EPERM);
    assert_int_equal(TX(&sa, area_create(&sa, &a, &field)), PH_EPERM);
    assert_int_equal(tu_audit_count(f->st), n0); /* a refusal writes nothing */

    assert_int_equal(TX(&ta, area_create(&ta, &a, &field)), PH_OK);
    /* Everyone reads areas. */
    assert_int_equal(area_get(&v, a.id, &got), PH_OK);
    got.name = "Huyện Bình Đại mới";
    assert_int_equal(TX(&sa, area_update(&sa, &got, &field)), PH_EPERM);
    assert_int_equal(TX(&v, area_delete(&v, a.id)), PH_EPERM);
    assert_int_equal(TX(&sa, area_delete(&sa, a.id)), PH_EPERM);
    assert_int_equal(TX(&ta, area_delete(&ta, a.id)), PH_OK);
}

/* ---- update, delete ---------------------------------------------------------------------- */

static void test_area_update(void **state)
{
    struct tu_fx *f = *state;
    struct core_ctx cx = f->sys;
    int64_t prov = create_ok(&cx, mk("83", "Tỉnh Bến Tre", "province", 0));
    int64_t dist = create_ok(&cx, mk("829", "Huyện Bình Đại", "district", prov));
    struct area a, got;
    struct audit_entry e;
    const char *field = NULL;

    assert_int_equal(area_get(&cx, dist, &a), PH_OK);
    a.name = "Huyện Bình Đại (cũ)";
    a.valid_to = "2025-07-01";
    a.geometry = square;
    cx.now_ms += 1000;
    assert_int_equal(TX(&cx, area_update(&cx, &a, &field)), PH_OK);
    assert_int_equal(a.version, 2);
    assert_int_equal(area_get(&cx, dist, &got), PH_OK);
    assert_string_equal(got.name, "Huyện Bình Đại (cũ)");
    assert_string_equal(got.valid_to, "2025-07-01");
    assert_int_equal(got.version, 2);
    assert_int_equal(got.updated_at, cx.now_ms);
    assert_non_null(got.geometry);

    /* The audit entry lists what changed, with old and new values. */
    assert_int_equal(tu_audit_count(f->st), 3);
    e = tu_audit_last(f->st, &f->a);
    assert_int_equal(e.seq, 3);
    assert_string_equal(e.action, "area.update");
    assert_int_equal(e.item_id, dist);
    assert_non_null(strstr(e.detail, "\"name\":{\"new\":\"Huyện Bình Đại (cũ)\","
                                     "\"old\":\"Huyện Bình Đại\"}"));
    assert_non_null(strstr(e.detail, "\"valid_to\""));
    assert_null(strstr(e.detail, "\"code\""));
    assert_null(strstr(e.detail, "106.1")); /* outlines are not copied */

    /* A stale version is refused; 0 means "whatever is there". */
    a = got;
    a.version = 1;
    a.name = "Khác";
    assert_int_equal(TX(&cx, area_update(&cx, &a, &field)), PH_ESTALE);
    a.version = 0;
    assert_int_equal(TX(&cx, area_update(&cx, &a, &field)), PH_OK);
    assert_int_equal(a.version, 3);

    a.id = 9999;
    assert_int_equal(TX(&cx, area_update(&cx, &a, &field)), PH_ENOTFOUND);
}

static void test_area_update_hierarchy(void **state)
{
    struct tu_fx *f = *state;
    struct core_ctx cx = f->sys;
    int64_t prov = create_ok(&cx, mk("83", "Tỉnh Bến Tre", "province", 0));
    int64_t prov2 = create_ok(&cx, mk("84", "Tỉnh Trà Vinh", "province", 0));
    int64_t dist = create_ok(&cx, mk("829", "Huyện Bình Đại", "district", prov));
    int64_t comm = create_ok(&cx, mk("28753", "Xã Bình Thắng", "commune", dist));
    struct area a, got;
    const char *field = NULL;

    /* Re-parent the district to the other province. */
    assert_int_equal(area_get(&cx, dist, &a), PH_OK);
    a.parent_id = prov2;
    assert_int_equal(TX(&cx, area_update(&cx, &a, &field)), PH_OK);
    assert_int_equal(area_get(&cx, dist, &got), PH_OK);
    assert_int_equal(got.parent_id, prov2);

    /* Not its own parent, nor below its own child. */
    a = got;
    a.parent_id = dist;
    TX_EINVAL(&cx, area_update(&cx, &a, &field), field, "parent_id");
    a = got;
    a.parent_id = comm;
    TX_EINVAL(&cx, area_update(&cx, &a, &field), field, "parent_id");

    /* A district with communes cannot become a commune. */
    a = got;
    a.level = "commune";
    TX_EINVAL(&cx, area_update(&cx, &a, &field), field, "level");
}

static void test_area_delete(void **state)
{
    struct tu_fx *f = *state;
    struct core_ctx cx = f->sys;
    int64_t prov = create_ok(&cx, mk("83", "Tỉnh Bến Tre", "province", 0));
    int64_t dist = create_ok(&cx, mk("829", "Huyện Bình Đại", "district", prov));
    struct store_outbox_event *ev = NULL;
    struct area got;
    size_t n = 0;

    assert_int_equal(TX(&cx, area_delete(&cx, prov)), PH_ECONFLICT); /* has a child */
    assert_int_equal(TX(&cx, area_delete(&cx, dist)), PH_OK);
    assert_int_equal(area_get(&cx, dist, &got), PH_ENOTFOUND);
    assert_int_equal(TX(&cx, area_delete(&cx, dist)), PH_ENOTFOUND);
    assert_int_equal(TX(&cx, area_delete(&cx, prov)), PH_OK);

    assert_int_equal(store_outbox_after(f->st, &f->a, 0, 10, &ev, &n), PH_OK);
    assert_int_equal(n, 4);
    assert_string_equal(ev[0].topic, "area.created");
    assert_int_equal(ev[0].item_id, prov);
    assert_string_equal(ev[2].topic, "area.deleted");
    assert_int_equal(ev[2].item_id, dist);
}

/* ---- list ------------------------------------------------------------------------------ */

static void test_area_list(void **state)
{
    struct tu_fx *f = *state;
    struct core_ctx sys = f->sys;
    struct core_ctx v = tu_as(f, &viewer);
    int64_t prov = create_ok(&sys, mk("83", "Tỉnh Bến Tre", "province", 0));
    int64_t dist = create_ok(&sys, mk("829", "Huyện Bình Đại", "district", prov));
    struct area *items = NULL;
    size_t n = 0;
    bool more = false;
    for (int i = 0; i < 5; i++) {
        create_ok(&sys, mk(arena_printf(&f->a, "2875%d", i), i == 3 ? "Xã Đại Hòa Lộc" : "Xã Thới Lai",
                           "commune", dist));
    }
    struct area_filter flt = {.q = "DAI HOA"};
    assert_int_equal(area_list(&v, &flt, &items, &n, &more), PH_OK);
    assert_int_equal(n, 1);
    assert_string_equal(items[0].name, "Xã Đại Hòa Lộc");

    struct area_filter by_parent = {.parent_id = dist, .limit = 2};
    assert_int_equal(area_list(&v, &by_parent, &items, &n, &more), PH_OK);
    assert_int_equal(n, 2);
    assert_true(more);
    by_parent.after_id = items[1].id;
    by_parent.limit = 100000; /* clamped, not refused */
    assert_int_equal(area_list(&v, &by_parent, &items, &n, &more), PH_OK);
    assert_int_equal(n, 3);
    assert_false(more);

    struct area_filter all = {0};
    assert_int_equal(area_list(&v, &all, &items, &n, &more), PH_OK);
    assert_int_equal(n, 7);
    assert_false(more);
    assert_string_equal(flt.q, "DAI HOA"); /* the caller's filter is not touched */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_area_geometry_valid),
        TU_FX_TEST(test_area_create_and_get),
        TU_FX_TEST(test_area_create_feature_keeps_geometry_only),
        TU_FX_TEST(test_area_validate_fields),
        TU_FX_TEST(test_area_create_conflict),
        TU_FX_TEST(test_area_access),
        TU_FX_TEST(test_area_update),
        TU_FX_TEST(test_area_update_hierarchy),
        TU_FX_TEST(test_area_delete),
        TU_FX_TEST(test_area_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
