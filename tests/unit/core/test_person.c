/* test_person.c - people: usernames, validation with the field named, access by
 * unit and force, the clearance ceiling, versions, token revocation on changes
 * that narrow an account, passwords (never in results, audit or events; prepared
 * hashes stored as given), no changes to one's own roles or account state. Real
 * argon2id hashes are used, so few tests set passwords. */
#include "util/base.h"
#include "testutil.h"
#include "core/access.h"
#include "core/person.h"
#include "core/session.h"
#include "core/unit.h"
#include "security/password.h"
#include "security/token.h"
#include "store/store.h"
#include "util/arena.h"

struct fx {
    struct tu_fx tu; /* first, for tu_fx_teardown() */
    int64_t ca, ca_bd, ca_mc, qs;
    struct core_user police_admin, district_admin, military_admin, viewer, global_admin;
};

static struct person mk(const char *username, const char *full_name, int64_t unit_id)
{
    struct person p = {.username = username, .full_name = full_name, .unit_id = unit_id,
                       .roles = ROLE_DUTY_OFFICER, .clearance = CLEARANCE_CONFIDENTIAL};
    return p;
}

static int64_t person_ok(struct core_ctx *cx, struct person p, const char *password)
{
    const char *field = NULL;
    ph_err rc = TX(cx, person_create(cx, &p, password, &field));
    if (rc != PH_OK)
        fail_msg("create %s: %d (%s)", p.username, rc, field != NULL ? field : "");
    return p.id;
}

/* A live session token for person id, straight through the store (no login). */
static int64_t token_for(struct fx *f, int64_t person_id)
{
    return tu_token_insert(f->tu.st, person_id, f->tu.sys.now_ms, f->tu.sys.now_ms + 3600000, NULL);
}

static bool token_revoked(struct fx *f, int64_t person_id, int64_t token_id)
{
    /* Revocation shows in a lookup by the token's hash. */
    struct store_token t;
    struct store_auth a;
    assert_int_equal(store_token_get(f->tu.st, &f->tu.a, token_id, &t), PH_OK);
    assert_int_equal(t.person_id, person_id);
    assert_int_equal(store_token_lookup(f->tu.st, &f->tu.a, t.hash, &a), PH_OK);
    return a.revoked_at != 0;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct core_ctx *sys = &f->tu.sys;

    tu_fx_open(&f->tu);
    f->ca = tu_unit_create(sys, tu_unit("CA-BT", "CA-BT", "police", "province", 0));
    f->ca_bd = tu_unit_create(sys, tu_unit("CA-H-BD", "CA-H-BD", "police", "district", f->ca));
    f->ca_mc = tu_unit_create(sys, tu_unit("CA-H-MC", "CA-H-MC", "police", "district", f->ca));
    f->qs = tu_unit_create(sys, tu_unit("QS-BT", "QS-BT", "military", "province", 0));
    f->police_admin = tu_user_at(sys, f->ca, ROLE_ADMIN, CLEARANCE_SECRET);
    f->district_admin = tu_user_at(sys, f->ca_bd, ROLE_ADMIN, CLEARANCE_CONFIDENTIAL);
    f->military_admin = tu_user_at(sys, f->qs, ROLE_ADMIN, CLEARANCE_TOP_SECRET);
    f->viewer = tu_user_at(sys, f->ca, ROLE_VIEWER, CLEARANCE_TOP_SECRET);
    f->global_admin = tu_global_admin();
    *state = f;
    return 0;
}

static void test_person_username_valid(void **state)
{
    static const struct {
        const char *name;
        bool ok;
    } cases[] = {
        {"abc", true},
        {"nguyen.van.a", true},
        {"tran_b-2", true},
        {"0dv", true},
        {"ab", false},
        {"", false},
        {".abc", false},
        {"-abc", false},
        {"Nguyen", false},
        {"a b c", false},
        {"nguyễn", false},
        {"a@b.c", false},
        {"a234567890123456789012345678901234567890123456789012345678901234", true}, /* 64 */
        {"a2345678901234567890123456789012345678901234567890123456789012345", false},
    };
    (void)state;
    for (size_t i = 0; i < PH_NELEM(cases); i++)
        if (person_username_valid(cases[i].name) != cases[i].ok)
            fail_msg("case %zu (%s)", i, cases[i].name);
    assert_false(person_username_valid(NULL));
}

static void test_person_create(void **state)
{
    struct fx *f = *state;
    struct core_ctx cx = tu_as(&f->tu, &f->police_admin);
    struct person p = mk("nguyen.van.a", " Nguye\xcc\x82\xcc\x83n Va\xcc\x86n A ", f->ca_bd), got;
    struct audit_entry e;
    struct store_outbox_event ev;
    int64_t before;
    const char *field = NULL;

    p.rank = "Thiếu tá";
    p.position = "Trực ban";
    p.email = "a@congan.bentre.gov.vn";
    before = tu_audit_count(f->tu.st);
    assert_int_equal(TX(&cx, person_create(&cx, &p, NULL, &field)), PH_OK);
    assert_true(p.id > 0);
    assert_int_equal(p.version, 1);
    assert_false(p.has_password);

    assert_int_equal(person_get(&cx, p.id, &got), PH_OK);
    assert_string_equal(got.username, "nguyen.van.a");
    assert_string_equal(got.full_name, "Nguyễn Văn A");
    assert_string_equal(got.rank, "Thiếu tá");
    assert_int_equal(got.unit_id, f->ca_bd);
    assert_int_equal(got.roles, ROLE_DUTY_OFFICER);
    assert_int_equal(got.clearance, CLEARANCE_CONFIDENTIAL);
    assert_false(got.has_password);
    assert_null(got.password_hash);
    assert_int_equal(got.created_at, cx.now_ms);

    e = tu_audit_one_after(f->tu.st, &f->tu.a, before);
    assert_string_equal(e.action, "person.create");
    assert_int_equal(e.item_id, p.id);
    assert_non_null(strstr(e.detail, "\"roles\":[\"duty_officer\"]"));
    assert_non_null(strstr(e.detail, "\"clearance\":\"confidential\""));
    ev = tu_event_last(f->tu.st, &f->tu.a);
    assert_string_equal(ev.topic, "person.created");
    assert_int_equal(ev.item_id, p.id);

    /* Usernames are unique. */
    p = mk("nguyen.van.a", "Người khác", f->ca_bd);
    assert_int_equal(TX(&cx, person_create(&cx, &p, NULL, &field)), PH_ECONFLICT);
}

static void test_person_create_with_password(void **state)
{
    struct fx *f = *state;
    struct core_ctx cx = tu_as(&f->tu, &f->police_admin);
    struct person p = mk("tran.thi.b", "Trần Thị B", f->ca), got;
    struct audit_entry e;
    struct store_outbox_event *ev = NULL;
    int64_t before;
    size_t n = 0;

    before = tu_audit_count(f->tu.st);
    p.id = person_ok(&cx, p, "mật-khẩu-dài-đủ");
    assert_int_equal(person_get(&cx, p.id, &got), PH_OK);
    assert_true(got.has_password);
    assert_null(got.password_hash);
    assert_int_equal(person_get_by_username(&cx, "tran.thi.b", &got), PH_OK);
    assert_true(got.has_password);
    assert_null(got.password_hash);
    assert_int_equal(person_get_by_username(&cx, "khong.co", &got), PH_ENOTFOUND);

    e = tu_audit_one_after(f->tu.st, &f->tu.a, before);
    assert_null(strstr(e.detail, "argon2"));
    assert_null(strstr(e.detail, "mật-khẩu"));
    assert_non_null(strstr(e.detail, "\"has_password\":true"));
    assert_int_equal(store_outbox_after(f->tu.st, &f->tu.a, 0, 100, &ev, &n), PH_OK);
    for (size_t i = 0; i < n; i++)
        assert_true(ev[i].payload == NULL || strstr(ev[i].payload, "argon2") == NULL);
}

static void test_person_validate_fields(void **state)
{
    struct fx *f = *state;
    struct core_ctx cx = tu_as(&f->tu, &f->police_admin);
    struct {
        struct person p;
        const char *password;
        const char *field;
    } cases[] = {
        {mk("ab", "X", f->ca_bd), NULL, "username"},
        {mk(NULL, "X", f->ca_bd), NULL, "username"},
        {mk("Nguyen", "X", f->ca_bd), NULL, "username"},
        {mk("abc", "", f->ca_bd), NULL, "full_name"},
        {mk("abc", NULL, f->ca_bd), NULL, "full_name"},
        {mk("abc", "X\xff", f->ca_bd), NULL, "full_name"},
        {mk("abc", "X", 9999), NULL, "unit_id"},
        {mk("abc", "X", f->ca_bd), NULL, "roles"},
        {mk("abc", "X", f->ca_bd), NULL, "roles"},
        {mk("abc", "X", f->ca_bd), NULL, "clearance"},
        {mk("abc", "X", f->ca_bd), NULL, "clearance"},
        {mk("abc", "X", f->ca_bd), NULL, "email"},
        {mk("abc", "X", f->ca_bd), NULL, "phone"},
        {mk("abc", "X", f->ca_bd), "ngắn", "password"},
    };
    cases[7].p.roles = 0;
    cases[8].p.roles = ROLE_VIEWER | (1u << 9);
    cases[9].p.clearance = 4;
    cases[10].p.clearance = -1;
    cases[11].p.email = "khong-phai-thu";
    cases[12].p.phone = "113\n\x01";
    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        const char *field;
        TX_EINVAL_CASE(i, &cx, person_create(&cx, &cases[i].p, cases[i].password, &field), field,
                       cases[i].field);
    }
}

static void test_person_access(void **state)
{
    struct fx *f = *state;
    struct core_ctx viewer = tu_as(&f->tu, &f->viewer);
    struct core_ctx pol = tu_as(&f->tu, &f->police_admin);
    struct core_ctx dist = tu_as(&f->tu, &f->district_admin);
    struct core_ctx glob = tu_as(&f->tu, &f->global_admin);
    struct person p, got;
    const char *field = NULL;

    p = mk("xem.thu", "Xem Thử", f->ca_bd);
    assert_int_equal(TX(&viewer, person_create(&viewer, &p, NULL, &field)), PH_EPERM);

    /* A police admin neither creates nor edits military people, but reads them. */
    int64_t soldier = person_ok(&f->tu.sys, mk("le.van.c", "Lê Văn C", f->qs), NULL);
    p = mk("qs.moi", "QS Mới", f->qs);
    assert_int_equal(TX(&pol, person_create(&pol, &p, NULL, &field)), PH_EPERM);
    assert_int_equal(person_get(&pol, soldier, &got), PH_OK);
    got.rank = "Đại úy";
    assert_int_equal(TX(&pol, person_update(&pol, &got, &field)), PH_EPERM);
    assert_int_equal(TX(&pol, person_set_disabled(&pol, soldier, true)), PH_EPERM);
    assert_int_equal(TX(&pol, person_set_password(&pol, soldier, NULL, "mật khẩu mới 123", &field)),
                     PH_EPERM);

    /* A district admin stays in its district; people without a unit are global. */
    p = mk("ca.tinh", "CA Tỉnh", f->ca);
    assert_int_equal(TX(&dist, person_create(&dist, &p, NULL, &field)), PH_EPERM);
    p = mk("he.thong", "Quản trị hệ thống", 0);
    p.roles = ROLE_ADMIN;
    assert_int_equal(TX(&dist, person_create(&dist, &p, NULL, &field)), PH_EPERM);
    assert_int_equal(TX(&pol, person_create(&pol, &p, NULL, &field)), PH_EPERM);
    p.clearance = CLEARANCE_TOP_SECRET;
    assert_int_equal(TX(&glob, person_create(&glob, &p, NULL, &field)), PH_OK);

    /* Nobody grants a clearance above their own. */
    p = mk("ca.huyen", "CA Huyện", f->ca_bd);
    p.clearance = CLEARANCE_SECRET;
    field = NULL;
    assert_int_equal(TX(&dist, person_create(&dist, &p, NULL, &field)), PH_EPERM);
    assert_string_equal(field, "clearance");
    p.clearance = CLEARANCE_CONFIDENTIAL;
    assert_int_equal(TX(&dist, person_create(&dist, &p, NULL, &field)), PH_OK);
}

static void test_person_update(void **state)
{
    struct fx *f = *state;
    struct core_ctx pol = tu_as(&f->tu, &f->police_admin);
    struct core_ctx dist = tu_as(&f->tu, &f->district_admin);
    int64_t id = person_ok(&pol, mk("pham.d", "Phạm D", f->ca_bd), NULL);
    int64_t tok = token_for(f, id);
    uint64_t gen = session_generation();
    struct person p, got;
    struct audit_entry e;
    const char *field = NULL;

    /* A profile edit keeps sessions. */
    assert_int_equal(person_get(&dist, id, &p), PH_OK);
    p.rank = "Trung úy";
    p.phone = "0912345678";
    dist.now_ms += 1000;
    assert_int_equal(TX(&dist, person_update(&dist, &p, &field)), PH_OK);
    assert_int_equal(p.version, 2);
    assert_false(token_revoked(f, id, tok));
    assert_int_equal(person_get(&dist, id, &got), PH_OK);
    assert_string_equal(got.rank, "Trung úy");
    assert_int_equal(got.version, 2);
    assert_int_equal(got.updated_at, dist.now_ms);
    e = tu_audit_last(f->tu.st, &f->tu.a);
    assert_string_equal(e.action, "person.update");
    assert_non_null(strstr(e.detail, "\"rank\":{\"new\":\"Trung úy\",\"old\":null}"));
    assert_null(strstr(e.detail, "full_name"));

    /* Stale version. */
    got.version = 1;
    assert_int_equal(TX(&dist, person_update(&dist, &got, &field)), PH_ESTALE);

    /* New roles revoke the sessions. */
    assert_int_equal(person_get(&dist, id, &p), PH_OK);
    p.roles = ROLE_VIEWER;
    assert_int_equal(TX(&dist, person_update(&dist, &p, &field)), PH_OK);
    assert_true(token_revoked(f, id, tok));
    assert_true(session_generation() > gen);
    e = tu_audit_last(f->tu.st, &f->tu.a);
    assert_non_null(strstr(e.detail, "\"roles\":{\"new\":[\"viewer\"],"
                                     "\"old\":[\"duty_officer\"]}"));
    assert_non_null(strstr(e.detail, "\"tokens_revoked\":1"));

    /* Moving to another unit needs rights over both. */
    assert_int_equal(person_get(&dist, id, &p), PH_OK);
    p.unit_id = f->ca_mc;
    assert_int_equal(TX(&dist, person_update(&dist, &p, &field)), PH_EPERM);
    tok = token_for(f, id);
    assert_int_equal(TX(&pol, person_update(&pol, &p, &field)), PH_OK);
    assert_true(token_revoked(f, id, tok));
    p.unit_id = 9999;
    TX_EINVAL(&pol, person_update(&pol, &p, &field), field, "unit_id");
    p.id = 9999;
    assert_int_equal(TX(&pol, person_update(&pol, &p, &field)), PH_ENOTFOUND);
}

static void test_person_update_clearance(void **state)
{
    struct fx *f = *state;
    struct core_ctx dist = tu_as(&f->tu, &f->district_admin);
    struct person p = mk("vo.e", "Võ E", f->ca_bd);
    const char *field = NULL;

    p.clearance = CLEARANCE_TOP_SECRET;
    p.id = person_ok(&f->tu.sys, p, NULL);
    /* A district admin (confidential) may edit the profile of someone cleared
     * higher, keep that clearance, or lower it; not raise anyone above its own. */
    assert_int_equal(person_get(&dist, p.id, &p), PH_OK);
    p.position = "Đội trưởng";
    assert_int_equal(TX(&dist, person_update(&dist, &p, &field)), PH_OK);
    p.clearance = CLEARANCE_SECRET;
    field = NULL;
    assert_int_equal(TX(&dist, person_update(&dist, &p, &field)), PH_EPERM);
    assert_string_equal(field, "clearance");
    p.clearance = CLEARANCE_UNCLASSIFIED;
    assert_int_equal(TX(&dist, person_update(&dist, &p, &field)), PH_OK);
}

static void test_person_disable(void **state)
{
    struct fx *f = *state;
    struct core_ctx cx = tu_as(&f->tu, &f->police_admin);
    int64_t id = person_ok(&cx, mk("dang.f", "Đặng F", f->ca_bd), NULL);
    int64_t tok = token_for(f, id);
    struct audit_entry e;
    struct person got;

    assert_int_equal(TX(&cx, person_set_disabled(&cx, id, true)), PH_OK);
    assert_true(token_revoked(f, id, tok));
    assert_int_equal(person_get(&cx, id, &got), PH_OK);
    assert_true(got.is_disabled);
    assert_int_equal(got.version, 2);
    e = tu_audit_last(f->tu.st, &f->tu.a);
    assert_string_equal(e.action, "person.disable");

    assert_int_equal(TX(&cx, person_set_disabled(&cx, id, false)), PH_OK);
    assert_int_equal(person_get(&cx, id, &got), PH_OK);
    assert_false(got.is_disabled);
    e = tu_audit_one_after(f->tu.st, &f->tu.a, e.seq);
    assert_string_equal(e.action, "person.enable");
    assert_int_equal(TX(&cx, person_set_disabled(&cx, 9999, true)), PH_ENOTFOUND);
}

static void test_person_set_password(void **state)
{
    struct fx *f = *state;
    struct core_ctx admin = tu_as(&f->tu, &f->police_admin);
    struct core_ctx dist = tu_as(&f->tu, &f->district_admin);
    struct person p = mk("bui.g", "Bùi G", f->ca_bd), got;
    struct core_user self_user;
    struct core_ctx self;
    struct audit_entry e;
    int64_t tok;
    const char *field = NULL;

    p.clearance = CLEARANCE_SECRET;
    p.id = person_ok(&admin, p, NULL);
    tok = token_for(f, p.id);

    /* An admin sets it: the person's tokens go; the log keeps no secret. */
    TX_EINVAL(&admin, person_set_password(&admin, p.id, NULL, "ngắn", &field), field, "password");
    /* Not someone cleared above the admin. */
    assert_int_equal(TX(&dist, person_set_password(&dist, p.id, NULL, "mật khẩu đầu tiên", &field)),
                     PH_EPERM);
    assert_int_equal(TX(&admin, person_set_password(&admin, p.id, NULL, "mật khẩu đầu tiên", &field)),
                     PH_OK);
    assert_true(token_revoked(f, p.id, tok));
    assert_int_equal(person_get(&admin, p.id, &got), PH_OK);
    assert_true(got.has_password);
    e = tu_audit_last(f->tu.st, &f->tu.a);
    assert_string_equal(e.action, "person.password");
    assert_null(strstr(e.detail, "argon2"));
    assert_null(strstr(e.detail, "mật khẩu"));

    /* The person changes it: the old one must be right. */
    self_user = (struct core_user){.person_id = p.id, .username = "bui.g", .roles = p.roles,
                                   .clearance = p.clearance, .unit_id = f->ca_bd,
                                   .unit_path = f->district_admin.unit_path, .force = "police"};
    self = tu_as(&f->tu, &self_user);
    tok = token_for(f, p.id);
    field = NULL;
    assert_int_equal(
        TX(&self, person_set_password(&self, p.id, "sai mật khẩu", "mật khẩu thứ hai", &field)),
        PH_EAUTH);
    assert_string_equal(field, "old_password");
    assert_false(token_revoked(f, p.id, tok));
    TX_EINVAL(&self, person_set_password(&self, p.id, "mật khẩu đầu tiên", "ngắn", &field), field,
              "new_password");
    assert_int_equal(TX(&self, person_set_password(&self, p.id, "mật khẩu đầu tiên",
                                                   "mật khẩu thứ hai", &field)),
                     PH_OK);
    assert_true(token_revoked(f, p.id, tok));
    assert_int_equal(TX(&admin, person_set_password(&admin, 9999, NULL, "mật khẩu thứ ba", &field)),
                     PH_ENOTFOUND);
}

static void test_person_list(void **state)
{
    struct fx *f = *state;
    struct core_ctx cx = tu_as(&f->tu, &f->viewer);
    struct person *items = NULL;
    size_t n = 0;
    bool more = false;

    person_ok(&f->tu.sys, mk("dang.van.h", "Đặng Văn Hùng", f->ca_bd), NULL);
    person_ok(&f->tu.sys, mk("ngo.i", "Ngô Thị Đào", f->ca_mc), NULL);
    person_ok(&f->tu.sys, mk("ly.k", "Lý K", f->qs), NULL);

    struct person_filter q = {.q = "DANG VAN"};
    assert_int_equal(person_list(&cx, &q, &items, &n, &more), PH_OK);
    assert_int_equal(n, 1);
    assert_string_equal(items[0].full_name, "Đặng Văn Hùng");
    assert_null(items[0].password_hash);

    struct person_filter user = {.q = "ngo.i"};
    assert_int_equal(person_list(&cx, &user, &items, &n, &more), PH_OK);
    assert_int_equal(n, 1);

    struct person_filter within = {.within_unit_id = f->ca};
    assert_int_equal(person_list(&cx, &within, &items, &n, &more), PH_OK);
    assert_int_equal(n, 2);

    struct person_filter page = {.limit = 2};
    assert_int_equal(person_list(&cx, &page, &items, &n, &more), PH_OK);
    assert_int_equal(n, 2);
    assert_true(more);
}

static void test_person_password_prepare(void **state)
{
    struct fx *f = *state;
    const char *hash = NULL, *field = NULL;

    assert_int_equal(person_password_prepare(&f->tu.a, "ngắn", &hash, &field), PH_EINVAL);
    assert_string_equal(field, "password");
    assert_null(hash);
    field = NULL;
    assert_int_equal(person_password_prepare(&f->tu.a, NULL, &hash, &field), PH_EINVAL);
    assert_string_equal(field, "password");
    field = NULL;
    assert_int_equal(person_password_prepare(&f->tu.a, "mật khẩu chuẩn bị", &hash, &field), PH_OK);
    assert_null(field);
    assert_non_null(hash);
    assert_true(strncmp(hash, "$argon2id$", 10) == 0);
    assert_true(password_verify(hash, "mật khẩu chuẩn bị"));
    assert_false(password_verify(hash, "mật khẩu khác hẳn"));
}

static void test_person_create_prepared_hash(void **state)
{
    struct fx *f = *state;
    struct core_ctx cx = tu_as(&f->tu, &f->police_admin);
    struct core_ctx mil = tu_as(&f->tu, &f->military_admin);
    struct person p = mk("hash.san", "Hash Sẵn", f->ca_bd), got;
    const char *hash = NULL, *field = NULL;
    struct audit_entry e;
    int64_t before;

    assert_int_equal(person_password_prepare(&f->tu.a, "mật khẩu chuẩn bị", &hash, &field), PH_OK);
    /* The access rules hold with a prepared hash too. */
    p.password_hash = hash;
    assert_int_equal(TX(&mil, person_create(&mil, &p, NULL, &field)), PH_EPERM);
    assert_null(p.password_hash);

    before = tu_audit_count(f->tu.st);
    p.password_hash = hash;
    assert_int_equal(TX(&cx, person_create(&cx, &p, NULL, &field)), PH_OK);
    assert_true(p.has_password);
    assert_null(p.password_hash);
    /* Stored as given, so the password logs in. */
    assert_int_equal(store_person_get(f->tu.st, &f->tu.a, p.id, &got), PH_OK);
    assert_string_equal(got.password_hash, hash);
    assert_true(password_verify(got.password_hash, "mật khẩu chuẩn bị"));
    assert_int_equal(person_get(&cx, p.id, &got), PH_OK);
    assert_true(got.has_password);
    assert_null(got.password_hash);
    e = tu_audit_one_after(f->tu.st, &f->tu.a, before);
    assert_null(strstr(e.detail, "argon2"));

    /* Anything but an argon2id hash is refused. */
    static const char *const bad[] = {"", "mật khẩu thường",
                                      "$argon2i$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA",
                                      "$2b$12$abcdefghijklmnopqrstuv"};
    for (size_t i = 0; i < PH_NELEM(bad); i++) {
        p = mk("hash.xau", "Hash Xấu", f->ca_bd);
        p.password_hash = bad[i];
        TX_EINVAL_CASE(i, &cx, person_create(&cx, &p, NULL, &field), field, "password");
    }
    /* A password given as text wins over a stray hash (the CLI path). */
    p = mk("hash.va.mk", "Hai Cách", f->ca_bd);
    p.password_hash = "không phải hash";
    assert_int_equal(TX(&cx, person_create(&cx, &p, "mật khẩu dạng chữ", &field)), PH_OK);
    assert_int_equal(store_person_get(f->tu.st, &f->tu.a, p.id, &got), PH_OK);
    assert_true(password_verify(got.password_hash, "mật khẩu dạng chữ"));
}

static void test_person_set_password_hash(void **state)
{
    struct fx *f = *state;
    struct core_ctx admin = tu_as(&f->tu, &f->police_admin);
    struct core_ctx dist = tu_as(&f->tu, &f->district_admin);
    struct core_ctx mil = tu_as(&f->tu, &f->military_admin);
    struct core_ctx viewer = tu_as(&f->tu, &f->viewer);
    struct person p = mk("hoang.l", "Hoàng L", f->ca_bd), got;
    struct store_outbox_event ev;
    struct audit_entry e;
    struct core_user self_user;
    struct core_ctx self;
    const char *hash = NULL, *field = NULL;
    int64_t tok;

    p.clearance = CLEARANCE_SECRET;
    p.id = person_ok(&admin, p, NULL);
    tok = token_for(f, p.id);
    assert_int_equal(store_person_set_login_state(f->tu.st, p.id, 7, admin.now_ms + 60000), PH_OK);
    assert_int_equal(person_password_prepare(&f->tu.a, "mật khẩu do quản trị đặt", &hash, &field),
                     PH_OK);

    /* The access rules of person_set_password, before the hash is looked at. */
    assert_int_equal(TX(&viewer, person_set_password_hash(&viewer, p.id, hash, &field)), PH_EPERM);
    assert_int_equal(TX(&mil, person_set_password_hash(&mil, p.id, "rác", &field)), PH_EPERM);
    assert_int_equal(TX(&dist, person_set_password_hash(&dist, p.id, hash, &field)), PH_EPERM);
    assert_int_equal(TX(&admin, person_set_password_hash(&admin, 9999, hash, &field)),
                     PH_ENOTFOUND);
    TX_EINVAL(&admin, person_set_password_hash(&admin, p.id, "mật khẩu thô", &field), field,
              "password");
    assert_int_equal(TX(&admin, person_set_password_hash(&admin, p.id, NULL, &field)), PH_EINVAL);
    assert_false(token_revoked(f, p.id, tok));

    assert_int_equal(TX(&admin, person_set_password_hash(&admin, p.id, hash, &field)), PH_OK);
    assert_true(token_revoked(f, p.id, tok));
    assert_int_equal(store_person_get(f->tu.st, &f->tu.a, p.id, &got), PH_OK);
    assert_string_equal(got.password_hash, hash);
    assert_int_equal(got.failed_logins, 0);
    assert_int_equal(got.locked_until, 0);
    e = tu_audit_last(f->tu.st, &f->tu.a);
    assert_string_equal(e.action, "person.password");
    assert_non_null(strstr(e.detail, "\"by\":\"admin\""));
    assert_non_null(strstr(e.detail, "\"tokens_revoked\":1"));
    assert_null(strstr(e.detail, "argon2"));
    ev = tu_event_last(f->tu.st, &f->tu.a);
    assert_string_equal(ev.topic, "person.password_set");
    assert_int_equal(ev.item_id, p.id);

    /* Not one's own: that needs the old password (session_change_password). */
    self_user = (struct core_user){.person_id = p.id, .username = "hoang.l", .roles = ROLE_ADMIN,
                                   .clearance = p.clearance, .unit_id = f->ca_bd,
                                   .unit_path = f->district_admin.unit_path, .force = "police"};
    self = tu_as(&f->tu, &self_user);
    assert_int_equal(TX(&self, person_set_password_hash(&self, p.id, hash, &field)), PH_EPERM);
}

static void test_person_own_account(void **state)
{
    struct fx *f = *state;
    struct person me = mk("qtv.ca", "Quản Trị CA", f->ca), p;
    struct core_user admin_user = f->police_admin;
    struct core_ctx admin, sys = f->tu.sys;
    const char *field = NULL;
    int64_t tok;

    me.roles = ROLE_ADMIN;
    me.clearance = CLEARANCE_SECRET;
    me.id = person_ok(&f->tu.sys, me, NULL);
    admin_user.person_id = me.id;
    admin_user.username = "qtv.ca";
    admin = tu_as(&f->tu, &admin_user);

    /* Nobody gives themself operational roles ... */
    assert_int_equal(person_get(&admin, me.id, &p), PH_OK);
    p.roles = ROLE_ADMIN | ROLE_COMMANDER | ROLE_COORDINATOR;
    field = NULL;
    assert_int_equal(TX(&admin, person_update(&admin, &p, &field)), PH_EPERM);
    assert_string_equal(field, "roles");
    /* ... nor drops one (an admin may not step down by a slip either) ... */
    assert_int_equal(person_get(&admin, me.id, &p), PH_OK);
    p.roles = ROLE_VIEWER;
    field = NULL;
    assert_int_equal(TX(&admin, person_update(&admin, &p, &field)), PH_EPERM);
    assert_string_equal(field, "roles");
    /* ... nor disables their own account, either way. */
    assert_int_equal(person_get(&admin, me.id, &p), PH_OK);
    p.is_disabled = true;
    field = NULL;
    assert_int_equal(TX(&admin, person_update(&admin, &p, &field)), PH_EPERM);
    assert_string_equal(field, "is_disabled");
    assert_int_equal(TX(&admin, person_set_disabled(&admin, me.id, true)), PH_EPERM);
    assert_int_equal(person_get(&admin, me.id, &p), PH_OK);
    assert_false(p.is_disabled);
    assert_int_equal(p.roles, ROLE_ADMIN);

    /* The own profile is editable, and sessions stay. */
    tok = token_for(f, me.id);
    p.rank = "Thượng tá";
    assert_int_equal(TX(&admin, person_update(&admin, &p, &field)), PH_OK);
    assert_false(token_revoked(f, me.id, tok));

    /* Another administrator, or the system, may change them. */
    assert_int_equal(person_get(&sys, me.id, &p), PH_OK);
    p.roles = ROLE_ADMIN | ROLE_COMMANDER;
    assert_int_equal(TX(&sys, person_update(&sys, &p, &field)), PH_OK);
    assert_true(token_revoked(f, me.id, tok));
    assert_int_equal(TX(&sys, person_set_disabled(&sys, me.id, true)), PH_OK);
    assert_int_equal(TX(&sys, person_set_disabled(&sys, me.id, false)), PH_OK);
    /* Enabling oneself is not refused (one cannot be disabled and call). */
    assert_int_equal(TX(&admin, person_set_disabled(&admin, me.id, false)), PH_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_person_username_valid),
        cmocka_unit_test_setup_teardown(test_person_create, setup, tu_fx_teardown),
        cmocka_unit_test_setup_teardown(test_person_create_with_password, setup, tu_fx_teardown),
        cmocka_unit_test_setup_teardown(test_person_validate_fields, setup, tu_fx_teardown),
        cmocka_unit_test_setup_teardown(test_person_access, setup, tu_fx_teardown),
        cmocka_unit_test_setup_teardown(test_person_update, setup, tu_fx_teardown),
        cmocka_unit_test_setup_teardown(test_person_update_clearance, setup, tu_fx_teardown),
        cmocka_unit_test_setup_teardown(test_person_disable, setup, tu_fx_teardown),
        cmocka_unit_test_setup_teardown(test_person_set_password, setup, tu_fx_teardown),
        cmocka_unit_test_setup_teardown(test_person_list, setup, tu_fx_teardown),
        cmocka_unit_test_setup_teardown(test_person_password_prepare, setup, tu_fx_teardown),
        cmocka_unit_test_setup_teardown(test_person_create_prepared_hash, setup, tu_fx_teardown),
        cmocka_unit_test_setup_teardown(test_person_set_password_hash, setup, tu_fx_teardown),
        cmocka_unit_test_setup_teardown(test_person_own_account, setup, tu_fx_teardown),
    };
    if (password_lib_init() != PH_OK)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
