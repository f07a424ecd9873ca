/* test_message.c - field messages (core/message.c): sending with NFC text and
 * the defaults (room, uid, time, source), a 422 naming each bad member with
 * nothing written, who may send, who reads what (a room of the sender's unit, a
 * unit's room, a direct message) both in lists and in the scope of the
 * "message.sent" event, a retried uid stored once per sender, and the list's
 * filters and paging, newest first.
 *
 * The fixture is incident_fx.h's province: police ca > ca_h > ca_x1, ca_x2;
 * military qs > qs_h; border guard bp > bp_don. */
#include "util/base.h"
#include "incident_fx.h"
#include "core/access.h"
#include "core/message.h"
#include "store/store.h"
#include "util/arena.h"

/* ---- helpers ----------------------------------------------------------------------- */

static int64_t send_ok(struct core_ctx *cx, struct message *m)
{
    const char *field = NULL;
    ph_err rc = TX(cx, message_send(cx, m, &field));
    if (rc != PH_OK)
        fail_msg("send %s: %d (%s)", m->text != NULL ? m->text : "(null)", rc,
                 field != NULL ? field : "");
    assert_true(m->id > 0);
    return m->id;
}

/* Does who's list (500 newest) hold message id? */
static bool sees(struct ifx *f, const struct core_user *who, int64_t id)
{
    struct core_ctx cx = tu_as(&f->tu, who);
    struct message_filter filter = {.limit = 500};
    struct message *items = NULL;
    size_t n = 0;
    bool more = false;
    assert_int_equal(message_list(&cx, &filter, &items, &n, &more), PH_OK);
    for (size_t i = 0; i < n; i++)
        if (items[i].id == id)
            return true;
    return false;
}

static size_t count_all(struct ifx *f)
{
    struct message_filter filter = {.limit = 500};
    struct message *items = NULL;
    size_t n = 0;
    bool more = false;
    assert_int_equal(message_list(&f->tu.sys, &filter, &items, &n, &more), PH_OK);
    return n;
}

/* The stored person id as a caller at unit_id with roles. */
static struct core_user person_at(struct ifx *f, int64_t person_id, int64_t unit_id, unsigned roles)
{
    struct core_user u = tu_user_at(&f->tu.sys, unit_id, roles, CLEARANCE_SECRET);
    u.person_id = person_id;
    return u;
}

/* ---- sending ----------------------------------------------------------------------- */

static void test_message_send_defaults(void **state)
{
    struct ifx *f = *state;
    struct core_user who = person_at(f, f->duty_ca_h, f->ca_h, ROLE_DUTY_OFFICER);
    struct core_ctx cx = tu_as(&f->tu, &who);
    /* "Đã đến" with decomposed marks: stored as NFC. */
    struct message m = {.text = "  \xC4\x90\x61\xCC\x83 \xC4\x91\x65\xCC\x82\xCC\x81n chốt  "};
    struct store_outbox_event ev;
    struct audit_entry ae;

    send_ok(&cx, &m);
    assert_string_equal(m.text, "Đã đến chốt");
    assert_string_equal(m.room, MESSAGE_ROOM_ALL);
    assert_string_equal(m.source, "api");
    assert_true(strncmp(m.uid, "msg-", 4) == 0 && strlen(m.uid) == 36);
    assert_int_equal(m.at, cx.now_ms);
    assert_int_equal(m.from_person_id, f->duty_ca_h);
    assert_int_equal(m.from_unit_id, f->ca_h);
    assert_string_equal(m.from_name, "Trần Thị Lan");
    assert_non_null(m.from_unit_path);
    assert_false(m.has_location);

    ae = tu_audit_last(f->tu.st, &f->tu.a);
    assert_string_equal(ae.action, "message.send");
    assert_int_equal(ae.item_id, m.id);
    ev = tu_event_last(f->tu.st, &f->tu.a);
    assert_string_equal(ev.topic, "message.sent");
    assert_int_equal(ev.item_id, m.id);
    assert_int_equal(ev.access_kind, ITEM_OPERATIONAL);
    assert_string_equal(ev.scope_paths, m.from_unit_path);
    assert_non_null(strstr(ev.payload, "\"text\":\"Đã đến chốt\""));

    /* The system speaks for the unit it names; a location and a callsign. */
    struct message s = {.text = "Thông báo chung",
                        .from_unit_id = f->qs,
                        .from_callsign = "TRUC-BAN",
                        .has_location = true,
                        .lat = 10.05,
                        .lon = 106.05,
                        .source = "cot",
                        .at = f->tu.sys.now_ms - 60000};
    send_ok(&f->tu.sys, &s);
    assert_int_equal(s.from_unit_id, f->qs);
    assert_int_equal(s.from_person_id, 0);
    assert_null(s.from_name);
    assert_string_equal(s.from_callsign, "TRUC-BAN");
    assert_true(s.has_location && s.lat == 10.05 && s.lon == 106.05);
    assert_string_equal(s.source, "cot");
    assert_int_equal(s.at, f->tu.sys.now_ms - 60000);
}

static void test_message_send_validation(void **state)
{
    struct ifx *f = *state;
    struct core_ctx x1 = tu_as(&f->tu, &f->x1);
    char big[MESSAGE_TEXT_MAX_BYTES + 2], long_uid[202], long_room[202];
    size_t before = count_all(f);
    int64_t audits = tu_audit_count(f->tu.st);
    const char *field = NULL;

    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    memset(long_uid, 'u', sizeof(long_uid) - 1);
    long_uid[sizeof(long_uid) - 1] = '\0';
    memset(long_room, 'r', sizeof(long_room) - 1);
    long_room[sizeof(long_room) - 1] = '\0';
    for (int i = 0; i < 18; i++) {
        struct message m = {.text = "Báo cáo"};
        const char *want = NULL;
        switch (i) {
        case 0:
            m.text = NULL;
            want = "text";
            break;
        case 1:
            m.text = " \t\n ";
            want = "text";
            break;
        case 2:
            m.text = big;
            want = "text";
            break;
        case 3:
            m.text = "\xC3\x28";
            want = "text";
            break;
        case 4:
            m.uid = "";
            want = "uid";
            break;
        case 5:
            m.uid = "abc\tdef";
            want = "uid";
            break;
        case 6:
            m.uid = long_uid;
            want = "uid";
            break;
        case 7:
            m.to_unit_id = 987654;
            want = "to_unit_id";
            break;
        case 8:
            m.to_unit_id = f->qs;
            m.to_person_id = f->cmd_qs;
            want = "to_person_id";
            break;
        case 9:
            m.to_person_id = 987654;
            want = "to_person_id";
            break;
        case 10:
            m.has_location = true;
            m.lat = 91;
            m.lon = 106;
            want = "location";
            break;
        case 11:
            m.at = x1.now_ms + 6 * 60 * 1000;
            want = "at";
            break;
        case 12:
            m.at = x1.now_ms - 8LL * 24 * 60 * 60 * 1000;
            want = "at";
            break;
        case 13:
            m.source = "xmpp";
            want = "source";
            break;
        case 14:
            m.room = long_room;
            want = "room";
            break;
        case 15:
            m.from_callsign = big;
            want = "from_callsign";
            break;
        case 16:
            m.from_device_id = -1;
            want = "from_device_id";
            break;
        case 17:
            m.to_unit_id = -2;
            want = "to_unit_id";
            break;
        }
        TX_EINVAL_CASE(i, &x1, message_send(&x1, &m, &field), field, want);
    }
    assert_int_equal(count_all(f), before);
    assert_int_equal(tu_audit_count(f->tu.st), audits);

    /* The bound itself is fine. */
    big[MESSAGE_TEXT_MAX_BYTES] = '\0';
    struct message ok = {.text = big};
    send_ok(&x1, &ok);
    assert_int_equal(strlen(ok.text), MESSAGE_TEXT_MAX_BYTES);
}

static void test_message_who_may_send(void **state)
{
    struct ifx *f = *state;
    struct core_ctx viewer = tu_as(&f->tu, &f->x1_viewer);
    struct core_ctx reporter = tu_as(&f->tu, &f->x1_reporter);
    struct core_user root = tu_global_admin();
    struct core_ctx admin = tu_as(&f->tu, &root);
    struct message m = {.text = "Xin chào"};
    const char *field = NULL;

    assert_int_equal(TX(&viewer, message_send(&viewer, &m, &field)), PH_EPERM);
    /* No unit to speak for. */
    root.roles |= ROLE_REPORTER;
    TX_EINVAL(&admin, message_send(&admin, &m, &field), field, "from_unit_id");
    struct message r = {.text = "Đội tuần tra đã xuất phát"};
    send_ok(&reporter, &r);
    assert_int_equal(r.from_unit_id, f->ca_x1);
}

/* ---- who reads what ------------------------------------------------------------------- */

static void test_message_room_scope(void **state)
{
    struct ifx *f = *state;
    struct core_ctx x1 = tu_as(&f->tu, &f->x1);
    struct core_user ca = tu_user_at(&f->tu.sys, f->ca, ROLE_VIEWER, CLEARANCE_UNCLASSIFIED);
    struct core_user root = tu_global_admin();
    struct core_user nobody = f->x1;
    struct message all = {.text = "Tình hình bình thường"};
    struct message to_qs = {.text = "Đề nghị hỗ trợ", .to_unit_id = f->qs_h};
    struct store_outbox_event ev;

    send_ok(&x1, &all);
    assert_true(sees(f, &f->x1, all.id));
    assert_true(sees(f, &f->x1_viewer, all.id));
    assert_true(sees(f, &f->h, all.id));
    assert_true(sees(f, &ca, all.id));
    assert_true(sees(f, &root, all.id));
    assert_false(sees(f, &f->x2, all.id));     /* a sibling commune */
    assert_false(sees(f, &f->qs_top, all.id)); /* another force's province unit */
    assert_false(sees(f, &f->bp_duty, all.id));
    nobody.roles = 0;
    assert_false(sees(f, &nobody, all.id));

    send_ok(&x1, &to_qs);
    assert_string_equal(to_qs.room, "Ban CHQS huyện Bình Đại");
    ev = tu_event_last(f->tu.st, &f->tu.a);
    assert_string_equal(ev.topic, "message.sent");
    assert_int_equal(ev.access_kind, ITEM_OPERATIONAL);
    assert_non_null(strchr(ev.scope_paths, ' ')); /* owner, then the unit it went to */
    assert_true(sees(f, &f->qs_duty, to_qs.id));
    assert_true(sees(f, &f->qs_top, to_qs.id));
    assert_true(sees(f, &f->h, to_qs.id));
    assert_false(sees(f, &f->bp_duty, to_qs.id));
    assert_false(sees(f, &f->x2, to_qs.id));
}

static void test_message_direct_scope(void **state)
{
    struct ifx *f = *state;
    struct core_user sender = person_at(f, f->duty_ca_h, f->ca_h, ROLE_DUTY_OFFICER);
    struct core_user addressee = person_at(f, f->cmd_qs, f->qs, ROLE_COMMANDER);
    struct core_user adm_h = tu_user_at(&f->tu.sys, f->ca_h, ROLE_ADMIN, CLEARANCE_SECRET);
    struct core_user adm_ca = tu_user_at(&f->tu.sys, f->ca, ROLE_ADMIN, CLEARANCE_SECRET);
    struct core_user adm_x1 = tu_user_at(&f->tu.sys, f->ca_x1, ROLE_ADMIN, CLEARANCE_SECRET);
    struct core_user adm_qs = tu_user_at(&f->tu.sys, f->qs, ROLE_ADMIN, CLEARANCE_SECRET);
    struct core_user root = tu_global_admin();
    struct core_ctx cx = tu_as(&f->tu, &sender);
    struct message dm = {.text = "Gọi lại cho tôi", .to_person_id = f->cmd_qs};
    struct store_outbox_event ev;
    struct core_ctx dis = f->tu.sys;
    struct person p;
    const char *field = NULL;

    send_ok(&cx, &dm);
    assert_string_equal(dm.room, "Lê Văn Hùng");
    assert_true(sees(f, &sender, dm.id));
    assert_true(sees(f, &addressee, dm.id));
    assert_true(sees(f, &adm_h, dm.id));
    assert_true(sees(f, &adm_ca, dm.id));
    assert_true(sees(f, &root, dm.id));
    assert_false(sees(f, &f->h, dm.id)); /* the sender's unit, not the sender */
    assert_false(sees(f, &f->h_cmd, dm.id));
    assert_false(sees(f, &f->qs_top, dm.id)); /* the addressee's unit, not the addressee */
    assert_false(sees(f, &adm_x1, dm.id));    /* an admin below the sender's unit */
    assert_false(sees(f, &adm_qs, dm.id));    /* the addressee's admins */
    /* The event: an audit item of the sender's unit, i.e. its admins only. */
    ev = tu_event_last(f->tu.st, &f->tu.a);
    assert_string_equal(ev.topic, "message.sent");
    assert_int_equal(ev.access_kind, ITEM_AUDIT);
    assert_string_equal(ev.scope_paths, dm.from_unit_path);

    /* A disabled person gets no messages. */
    assert_int_equal(person_get(&dis, f->cmd_bp, &p), PH_OK);
    p.is_disabled = true;
    assert_int_equal(TX(&dis, person_update(&dis, &p, &field)), PH_OK);
    struct message to_off = {.text = "Alo", .to_person_id = f->cmd_bp};
    TX_EINVAL(&cx, message_send(&cx, &to_off, &field), field, "to_person_id");
}

/* ---- retries ------------------------------------------------------------------------ */

static void test_message_uid_stored_once(void **state)
{
    struct ifx *f = *state;
    struct core_ctx x1 = tu_as(&f->tu, &f->x1);
    struct core_ctx x2 = tu_as(&f->tu, &f->x2);
    struct message a = {.text = "Có đối tượng khả nghi",
                        .uid = "GeoChat.ANDROID-1.All Chat Rooms.42"};
    struct message again = {.text = "anything else", .uid = "GeoChat.ANDROID-1.All Chat Rooms.42"};
    struct message other = {.text = "Nhận rõ", .uid = "GeoChat.ANDROID-1.All Chat Rooms.42"};
    struct message dev = {
        .text = "Từ máy", .uid = "GeoChat.ANDROID-1.All Chat Rooms.42", .from_device_id = 7};
    int64_t audits, events;
    size_t before;

    send_ok(&x1, &a);
    before = count_all(f);
    audits = tu_audit_count(f->tu.st);
    events = tu_event_last(f->tu.st, &f->tu.a).id;
    send_ok(&x1, &again);
    assert_int_equal(again.id, a.id);
    assert_string_equal(again.text, "Có đối tượng khả nghi"); /* as stored */
    assert_int_equal(count_all(f), before);
    assert_int_equal(tu_audit_count(f->tu.st), audits);
    assert_int_equal(tu_event_last(f->tu.st, &f->tu.a).id, events);
    /* Another sender, or the same person's device: another message. */
    send_ok(&x2, &other);
    assert_true(other.id != a.id);
    send_ok(&x1, &dev);
    assert_true(dev.id != a.id && dev.id != other.id);
    assert_int_equal(dev.from_device_id, 7);
    assert_int_equal(count_all(f), before + 2);
}

/* ---- lists -------------------------------------------------------------------------- */

static void test_message_list_filters(void **state)
{
    struct ifx *f = *state;
    struct core_ctx x1 = tu_as(&f->tu, &f->x1);
    int64_t ids[5];
    struct message_filter filter = {.limit = 2, .room = "Đội 1"};
    struct message *items = NULL;
    size_t n = 0;
    bool more = false;

    for (int i = 0; i < 5; i++) {
        struct message m = {.text = "Tin nhắn", .room = i < 4 ? "Đội 1" : NULL};
        x1.now_ms += 1000;
        ids[i] = send_ok(&x1, &m);
    }
    /* The room's four, newest first, two a page. */
    assert_int_equal(message_list(&x1, &filter, &items, &n, &more), PH_OK);
    assert_int_equal(n, 2);
    assert_true(more);
    assert_int_equal(items[0].id, ids[3]);
    assert_int_equal(items[1].id, ids[2]);
    filter.before_id = items[1].id;
    assert_int_equal(message_list(&x1, &filter, &items, &n, &more), PH_OK);
    assert_int_equal(n, 2);
    assert_false(more);
    assert_int_equal(items[0].id, ids[1]);
    assert_int_equal(items[1].id, ids[0]);
    /* since: at or after the third one's time. */
    struct message_filter since = {.since = x1.now_ms - 2000, .limit = 50};
    assert_int_equal(message_list(&x1, &since, &items, &n, &more), PH_OK);
    assert_int_equal(n, 3);
    assert_int_equal(items[0].id, ids[4]);
    assert_string_equal(items[0].room, MESSAGE_ROOM_ALL);
    /* A room as typed, NFC or not. */
    struct message_filter room = {.room = "\xC4\x90o\xCC\xA3\xCC\x82i 1", .limit = 50};
    assert_int_equal(message_list(&x1, &room, &items, &n, &more), PH_OK);
    assert_int_equal(n, 4);
    struct message_filter bad = {.before_id = -1};
    assert_int_equal(message_list(&x1, &bad, &items, &n, &more), PH_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        IFX_TEST(test_message_send_defaults), IFX_TEST(test_message_send_validation),
        IFX_TEST(test_message_who_may_send),  IFX_TEST(test_message_room_scope),
        IFX_TEST(test_message_direct_scope),  IFX_TEST(test_message_uid_stored_once),
        IFX_TEST(test_message_list_filters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
