/* test_category.c - incident categories: MISSION.md's seeded defaults, validation
 * with the field named, who may write, versions, audit entries and outbox events,
 * deactivation instead of deletion, and search that ignores diacritics. */
#include "util/base.h"
#include "testutil.h"
#include "core/access.h"
#include "core/category.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/limits.h"
#include "util/text.h"

static const struct core_user viewer = {
    .person_id = 50, .username = "xem", .roles = ROLE_VIEWER, .unit_id = 1, .unit_path = "/1/",
    .unit_level = "province", .force = "police"};
static const struct core_user top_admin = {
    .person_id = 51, .username = "qtv.tinh", .roles = ROLE_ADMIN, .clearance = 3, .unit_id = 1,
    .unit_path = "/1/", .unit_level = "province", .force = "police"};
static const struct core_user scoped_admin = {
    .person_id = 52, .username = "qtv.huyen", .roles = ROLE_ADMIN, .clearance = 3, .unit_id = 2,
    .unit_path = "/1/2/", .unit_level = "district", .force = "police"};

#define N_SEEDED 16

static struct category mk(const char *code, const char *name_vi, const char *name_en)
{
    struct category c = {.code = code, .name_vi = name_vi, .name_en = name_en,
                         .default_severity = 2, .is_active = true, .sort_order = 1000};
    return c;
}

static int64_t create_ok(struct core_ctx *cx, struct category c)
{
    const char *field = NULL;
    assert_int_equal(TX(cx, category_create(cx, &c, &field)), PH_OK);
    assert_true(c.id > 0);
    return c.id;
}

/* Every category (inactive too) matching q, in id order. */
static size_t list_q(struct core_ctx *cx, const char *q, bool include_inactive,
                     struct category **items)
{
    struct category_filter f = {.q = q, .include_inactive = include_inactive,
                                .limit = LIST_MAX_LIMIT};
    size_t n = 0;
    bool more = true;
    assert_int_equal(category_list(cx, &f, items, &n, &more), PH_OK);
    assert_false(more);
    return n;
}

/* ---- the seeded defaults ----------------------------------------------------------- */

static void test_category_seeded(void **state)
{
    static const struct {
        const char *code, *name_vi, *lead_force;
    } want[N_SEEDED] = {
        {"crime", "tội phạm hình sự", "police"},
        {"drugs", "ma túy", "police"},
        {"smuggling", "buôn lậu, gian lận thương mại", "border_guard"},
        {"illegal_border_crossing", "xuất nhập cảnh trái phép", "border_guard"},
        {"illegal_fishing", "khai thác thủy sản trái phép, IUU", "border_guard"},
        {"public_order", "trật tự công cộng", "police"},
        {"mass_gathering", "tụ tập đông người, khiếu kiện", "police"},
        {"political_security", "an ninh chính trị", "police"},
        {"natural_disaster", "thiên tai", "military"},
        {"search_rescue", "tìm kiếm cứu nạn", "military"},
        {"epidemic", "dịch bệnh", NULL},
        {"fire_explosion", "cháy nổ", NULL},
        {"accident", "tai nạn", NULL},
        {"maritime", "sự cố trên biển", "border_guard"},
        {"other", "khác", NULL},
        {"defensive_zone", "khu vực phòng thủ", "military"}, /* migration 006 */
    };
    struct tu_fx *f = *state;
    struct core_ctx v = tu_as(f, &viewer);
    struct category *items = NULL, got;
    size_t n = list_q(&v, NULL, false, &items);
    (void)state;

    assert_int_equal(n, N_SEEDED);
    for (size_t i = 0; i < N_SEEDED; i++) {
        struct category *c = &items[i];
        struct category *hits = NULL;
        assert_string_equal(c->code, want[i].code);
        assert_string_equal(c->name_vi, want[i].name_vi);
        if (want[i].lead_force == NULL)
            assert_null(c->lead_force);
        else
            assert_string_equal(c->lead_force, want[i].lead_force);
        assert_non_null(c->name_en);
        assert_true(c->default_severity >= 1 && c->default_severity <= 4);
        assert_true(c->is_active);
        assert_int_equal(c->version, 1);
        assert_true(c->created_at > 0);
        if (i > 0)
            assert_true(c->sort_order > items[i - 1].sort_order);
        /* The migration's hand-folded search keys agree with text_fold(). */
        assert_true(list_q(&v, c->name_vi, false, &hits) >= 1);
        assert_int_equal(hits[0].id, c->id);
        assert_true(list_q(&v, c->name_en, false, &hits) >= 1);
        assert_true(list_q(&v, text_fold(&f->a, c->name_vi), false, &hits) >= 1);
    }
    assert_int_equal(category_get_by_code(&v, "drugs", &got), PH_OK);
    assert_string_equal(got.name_en, "Drugs");
    assert_int_equal(category_get_by_code(&v, "nope", &got), PH_ENOTFOUND);
    assert_int_equal(category_get_by_code(&v, "NOT A CODE", &got), PH_ENOTFOUND);
}

static void test_category_search_folds(void **state)
{
    struct tu_fx *f = *state;
    struct core_ctx v = tu_as(f, &viewer);
    struct category *items = NULL;
    (void)state;

    assert_int_equal(list_q(&v, "ma tuy", false, &items), 1);
    assert_string_equal(items[0].code, "drugs");
    assert_int_equal(list_q(&v, "MA TÚY", false, &items), 1);
    assert_int_equal(list_q(&v, "drugs", false, &items), 1);
    /* "đ" folds to "d": "dong nguoi" finds "tụ tập đông người". */
    assert_int_equal(list_q(&v, "dong nguoi", false, &items), 1);
    assert_string_equal(items[0].code, "mass_gathering");
    assert_int_equal(list_q(&v, "tren bien", false, &items), 1);
    assert_string_equal(items[0].code, "maritime");
    /* Folding must not over-match. */
    assert_int_equal(list_q(&v, "ma tay", false, &items), 0);
    /* LIKE wildcards in q are literal. */
    assert_int_equal(list_q(&v, "%", false, &items), 0);
}

/* ---- create, validate --------------------------------------------------------------- */

static void test_category_create_and_get(void **state)
{
    struct tu_fx *f = *state;
    struct core_ctx cx = f->sys;
    /* "Cướp biển" typed with combining marks (NFD) is stored in NFC. */
    struct category c = mk("  piracy ", " Cu\xcc\x9bo\xcc\x9b\xcc\x81p bie\xcc\x82\xcc\x89n ", "Piracy"),
                    got;
    struct store_outbox_event ev;
    struct audit_entry e;
    const char *field = NULL;

    c.lead_force = "border_guard";
    c.default_severity = 4;
    assert_int_equal(TX(&cx, category_create(&cx, &c, &field)), PH_OK);
    assert_true(c.id > N_SEEDED);
    assert_int_equal(c.version, 1);
    assert_int_equal(category_get(&cx, c.id, &got), PH_OK);
    assert_string_equal(got.code, "piracy");
    assert_string_equal(got.name_vi, "Cướp biển");
    assert_string_equal(got.name_en, "Piracy");
    assert_string_equal(got.lead_force, "border_guard");
    assert_int_equal(got.default_severity, 4);
    assert_true(got.is_active);
    assert_int_equal(got.sort_order, 1000);
    assert_int_equal(got.created_at, cx.now_ms);

    e = tu_audit_last(f->st, &f->a);
    assert_string_equal(e.action, "category.create");
    assert_string_equal(e.item_kind, "category");
    assert_int_equal(e.item_id, c.id);
    assert_non_null(strstr(e.detail, "\"code\":\"piracy\""));
    ev = tu_event_last(f->st, &f->a);
    assert_string_equal(ev.topic, "category.created");
    assert_int_equal(ev.item_id, c.id);

    {
        struct category *items = NULL;
        assert_int_equal(list_q(&cx, "cuop bien", false, &items), 1);
        assert_int_equal(items[0].id, c.id);
    }
    assert_int_equal(category_get(&cx, c.id + 100, &got), PH_ENOTFOUND);

    /* Codes are unique. */
    c = mk("piracy", "Cướp biển (trùng)", "Piracy again");
    assert_int_equal(TX(&cx, category_create(&cx, &c, &field)), PH_ECONFLICT);
    c = mk("drugs", "Ma túy (trùng)", "Drugs again");
    assert_int_equal(TX(&cx, category_create(&cx, &c, &field)), PH_ECONFLICT);
}

static void test_category_validate_fields(void **state)
{
    struct tu_fx *f = *state;
    struct core_ctx cx = f->sys;
    char long_name[TEXT_MAX_NAME_BYTES + 2];
    struct {
        struct category c;
        const char *field;
    } cases[] = {
        {mk(NULL, "X", "X"), "code"},
        {mk("", "X", "X"), "code"},
        {mk("a", "X", "X"), "code"},
        {mk("Drugs2", "X", "X"), "code"},
        {mk("bad-code", "X", "X"), "code"},
        {mk("bad code", "X", "X"), "code"},
        {mk("mã", "X", "X"), "code"},
        {mk("a23456789012345678901234567890123", "X", "X"), "code"},
        {mk("ok", NULL, "X"), "name_vi"},
        {mk("ok", "   ", "X"), "name_vi"},
        {mk("ok", "X\xff", "X"), "name_vi"},
        {mk("ok", "X\x01", "X"), "name_vi"},
        {mk("ok", long_name, "X"), "name_vi"},
        {mk("ok", "X", NULL), "name_en"},
        {mk("ok", "X", ""), "name_en"},
    };
    (void)state;

    memset(long_name, 'x', sizeof(long_name) - 1);
    long_name[sizeof(long_name) - 1] = '\0';
    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        const char *field;
        TX_EINVAL_CASE(i, &cx, category_create(&cx, &cases[i].c, &field), field, cases[i].field);
    }

    struct category c = mk("ok", "X", "X");
    const char *field = NULL;
    static const int bad_sev[] = {0, 5, -1};
    for (size_t i = 0; i < PH_NELEM(bad_sev); i++) {
        c = mk("ok", "X", "X");
        c.default_severity = bad_sev[i];
        TX_EINVAL(&cx, category_create(&cx, &c, &field), field, "default_severity");
    }
    c = mk("ok", "X", "X");
    c.lead_force = "navy";
    TX_EINVAL(&cx, category_create(&cx, &c, &field), field, "lead_force");
    c = mk("ok", "X", "X");
    c.sort_order = -1;
    TX_EINVAL(&cx, category_create(&cx, &c, &field), field, "sort_order");
    c = mk("ok", "X", "X");
    c.sort_order = CATEGORY_SORT_MAX + 1;
    TX_EINVAL(&cx, category_create(&cx, &c, &field), field, "sort_order");

    /* Boundaries that pass: a two-letter code, 32 characters, severities 1 and 4. */
    c = mk("ab", "X", "X");
    c.default_severity = 1;
    assert_int_equal(TX(&cx, category_create(&cx, &c, &field)), PH_OK);
    c = mk("a2345678901234567890123456789_12", "X", "X");
    c.default_severity = 4;
    c.lead_force = "military";
    assert_int_equal(TX(&cx, category_create(&cx, &c, &field)), PH_OK);
}

/* ---- access ------------------------------------------------------------------------- */

static void test_category_access(void **state)
{
    struct tu_fx *f = *state;
    struct core_ctx v = tu_as(f, &viewer);
    struct core_ctx sa = tu_as(f, &scoped_admin);
    struct core_ctx ta = tu_as(f, &top_admin);
    struct core_user root = tu_global_admin();
    struct core_ctx ga = tu_as(f, &root);
    struct category c = mk("piracy", "Cướp biển", "Piracy"), got;
    const char *field = NULL;
    int64_t n0 = tu_audit_count(f->st);

    assert_int_equal(TX(&v, category_create(&v, &c, &field)), PH_EPERM);
    c = mk("piracy", "Cướp biển", "Piracy");
    assert_int_equal(TX(&sa, category_create(&sa, &c, &field)), PH_EPERM);
    assert_int_equal(tu_audit_count(f->st), n0); /* a refusal writes nothing */

    c = mk("piracy", "Cướp biển", "Piracy");
    assert_int_equal(TX(&ta, category_create(&ta, &c, &field)), PH_OK);
    c = mk("piracy2", "Cướp biển 2", "Piracy 2");
    assert_int_equal(TX(&ga, category_create(&ga, &c, &field)), PH_OK);

    /* Everyone reads; only global admins change. */
    assert_int_equal(category_get(&v, c.id, &got), PH_OK);
    got.name_vi = "Cướp biển mới";
    assert_int_equal(TX(&v, category_update(&v, &got, &field)), PH_EPERM);
    assert_int_equal(category_get(&v, c.id, &got), PH_OK);
    got.is_active = false;
    assert_int_equal(TX(&sa, category_update(&sa, &got, &field)), PH_EPERM);
    assert_int_equal(category_get(&v, c.id, &got), PH_OK);
    assert_true(got.is_active);
    assert_int_equal(got.version, 1);
}

/* ---- update, deactivate ------------------------------------------------------------------ */

static void test_category_update(void **state)
{
    struct tu_fx *f = *state;
    struct core_ctx cx = f->sys;
    struct category c, got, *items = NULL;
    struct audit_entry e;
    struct store_outbox_event ev;
    const char *field = NULL;

    assert_int_equal(category_get_by_code(&cx, "drugs", &c), PH_OK);
    c.name_vi = "ma túy, tiền chất";
    c.default_severity = 4;
    cx.now_ms += 1000;
    assert_int_equal(TX(&cx, category_update(&cx, &c, &field)), PH_OK);
    assert_int_equal(c.version, 2);
    assert_int_equal(category_get(&cx, c.id, &got), PH_OK);
    assert_string_equal(got.name_vi, "ma túy, tiền chất");
    assert_int_equal(got.default_severity, 4);
    assert_int_equal(got.version, 2);
    assert_int_equal(got.updated_at, cx.now_ms);
    /* The search key follows the name. */
    assert_int_equal(list_q(&cx, "tien chat", false, &items), 1);

    e = tu_audit_last(f->st, &f->a);
    assert_string_equal(e.action, "category.update");
    assert_int_equal(e.item_id, c.id);
    assert_non_null(strstr(e.detail, "\"default_severity\":{\"new\":4,\"old\":3}"));
    assert_non_null(strstr(e.detail, "\"name_vi\":{\"new\":\"ma túy, tiền chất\","
                                     "\"old\":\"ma túy\"}"));
    assert_null(strstr(e.detail, "\"name_en\""));
    assert_null(strstr(e.detail, "\"lead_force\""));
    ev = tu_event_last(f->st, &f->a);
    assert_string_equal(ev.topic, "category.updated");
    assert_int_equal(ev.item_id, c.id);

    /* Stale versions are refused; 0 means "whatever is there". */
    c = got;
    c.version = 1;
    c.sort_order = 5;
    assert_int_equal(TX(&cx, category_update(&cx, &c, &field)), PH_ESTALE);
    c.version = 0;
    assert_int_equal(TX(&cx, category_update(&cx, &c, &field)), PH_OK);
    assert_int_equal(c.version, 3);

    /* The code is fixed; validation applies as on create. */
    c = got;
    c.version = 0;
    c.code = "narcotics";
    TX_EINVAL(&cx, category_update(&cx, &c, &field), field, "code");
    c = got;
    c.version = 0;
    c.lead_force = "navy";
    TX_EINVAL(&cx, category_update(&cx, &c, &field), field, "lead_force");
    c.id = 9999;
    c.lead_force = NULL;
    assert_int_equal(TX(&cx, category_update(&cx, &c, &field)), PH_ENOTFOUND);
}

static void test_category_deactivate(void **state)
{
    struct tu_fx *f = *state;
    struct core_ctx cx = f->sys;
    struct category c, got, *items = NULL;
    const char *field = NULL;

    assert_int_equal(category_get_by_code(&cx, "epidemic", &c), PH_OK);
    c.is_active = false;
    assert_int_equal(TX(&cx, category_update(&cx, &c, &field)), PH_OK);
    assert_int_equal(category_get(&cx, c.id, &got), PH_OK); /* still there */
    assert_false(got.is_active);
    assert_non_null(strstr(tu_audit_last(f->st, &f->a).detail,
                           "\"is_active\":{\"new\":false,\"old\":true}"));

    assert_int_equal(list_q(&cx, NULL, false, &items), N_SEEDED - 1);
    for (size_t i = 0; i < N_SEEDED - 1; i++)
        assert_int_not_equal(items[i].id, c.id);
    assert_int_equal(list_q(&cx, NULL, true, &items), N_SEEDED);
    assert_int_equal(list_q(&cx, "dich benh", false, &items), 0);
    assert_int_equal(list_q(&cx, "dich benh", true, &items), 1);

    /* And back. */
    got.is_active = true;
    assert_int_equal(TX(&cx, category_update(&cx, &got, &field)), PH_OK);
    assert_int_equal(list_q(&cx, NULL, false, &items), N_SEEDED);
}

static void test_category_list_paging(void **state)
{
    struct tu_fx *f = *state;
    struct core_ctx cx = f->sys;
    struct category_filter flt = {.limit = 6};
    struct category *items = NULL;
    size_t n = 0, total = 0;
    bool more = true;
    int64_t last = 0;

    create_ok(&cx, mk("piracy", "Cướp biển", "Piracy"));
    while (more) {
        assert_int_equal(category_list(&cx, &flt, &items, &n, &more), PH_OK);
        for (size_t i = 0; i < n; i++) {
            assert_true(items[i].id > last);
            last = items[i].id;
        }
        total += n;
        flt.after_id = last;
    }
    assert_int_equal(total, N_SEEDED + 1);

    struct category_filter big = {.limit = 100000}; /* clamped, not refused */
    assert_int_equal(category_list(&cx, &big, &items, &n, &more), PH_OK);
    assert_int_equal(n, N_SEEDED + 1);
    assert_false(more);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TU_FX_TEST(test_category_seeded),
        TU_FX_TEST(test_category_search_folds),
        TU_FX_TEST(test_category_create_and_get),
        TU_FX_TEST(test_category_validate_fields),
        TU_FX_TEST(test_category_access),
        TU_FX_TEST(test_category_update),
        TU_FX_TEST(test_category_deactivate),
        TU_FX_TEST(test_category_list_paging),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
