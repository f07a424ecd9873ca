/* test_incident_flow.c - the workflow of incidents: every allowed status move and
 * a set of illegal ones (409 naming "status"), closing by a commander, transfer of
 * the lead (the new lead's deadlines, the scope of the event), merging duplicates,
 * acknowledgements in stages (in order, each once, on time or late), refusal with
 * a reason and the rule's fallback, the inbox order, and the scheduler's step that
 * marks overdue stages and escalates them to the commanders of the unit above. */
#include "util/base.h"
#include "incident_fx.h"
#include "core/access.h"
#include "core/incident.h"
#include "store/store.h"
#include "util/arena.h"

static void status_ok(struct core_ctx *cx, int64_t id, const char *to)
{
    const char *field = NULL;
    ph_err rc = TX(cx, incident_set_status(cx, id, 0, to, NULL, &field));
    if (rc != PH_OK)
        fail_msg("-> %s: %d (%s)", to, rc, field != NULL ? field : "");
}

static void status_conflict(struct core_ctx *cx, int64_t id, const char *to)
{
    const char *field = NULL;
    assert_int_equal(TX(cx, incident_set_status(cx, id, 0, to, NULL, &field)), PH_ECONFLICT);
    assert_non_null(field);
    assert_string_equal(field, "status");
}

static const char *status_of(struct ifx *f, int64_t id)
{
    return ifx_get(f, id).status;
}

static struct incident_ack ack_ok(struct core_ctx *cx, int64_t id, int64_t unit_id,
                                  const char *stage, const char *note)
{
    struct incident_ack out = {0};
    const char *field = NULL;
    ph_err rc = TX(cx, incident_acknowledge(cx, id, unit_id, stage, note, &out, &field));
    if (rc != PH_OK)
        fail_msg("ack %s: %d (%s)", stage, rc, field != NULL ? field : "");
    return out;
}

static void ack_fails(struct core_ctx *cx, int64_t id, int64_t unit_id, const char *stage,
                      const char *note, ph_err want, const char *want_field)
{
    const char *field = NULL;
    ph_err rc = TX(cx, incident_acknowledge(cx, id, unit_id, stage, note, NULL, &field));
    if (rc != want || (want_field != NULL && (field == NULL || strcmp(field, want_field) != 0)))
        fail_msg("ack %s: %d (%s), want %d (%s)", stage, rc, field != NULL ? field : "", want,
                 want_field != NULL ? want_field : "");
}

/* ---- the workflow ------------------------------------------------------------------ */

static void test_incident_transition_table(void **state)
{
    static const struct {
        const char *from, *to;
        bool ok;
    } cases[] = {
        {"new", "transferred", true},
        {"new", "merged", true},
        {"acknowledged", "responding", true},
        {"acknowledged", "resolved", true},
        {"acknowledged", "transferred", true},
        {"acknowledged", "merged", true},
        {"transferred", "transferred", true},
        {"transferred", "merged", true},
        {"responding", "resolved", true},
        {"responding", "merged", true},
        {"resolved", "closed", true},
        {"resolved", "responding", true},
        {"new", "responding", false},
        {"new", "resolved", false},
        {"new", "closed", false},
        {"new", "acknowledged", false},
        {"acknowledged", "closed", false},
        {"acknowledged", "new", false},
        {"responding", "closed", false},
        {"responding", "transferred", false},
        {"resolved", "merged", false},
        {"resolved", "transferred", false},
        {"closed", "responding", false},
        {"closed", "merged", false},
        {"merged", "responding", false},
        {"merged", "merged", false},
        {"transferred", "responding", false},
        {"transferred", "closed", false},
        {NULL, "new", false},
        {"new", NULL, false},
    };
    (void)state;
    for (size_t i = 0; i < PH_NELEM(cases); i++)
        if (incident_transition_allowed(cases[i].from, cases[i].to) != cases[i].ok)
            fail_msg("%s -> %s", cases[i].from ? cases[i].from : "NULL",
                     cases[i].to ? cases[i].to : "NULL");
}

static void test_incident_status_moves(void **state)
{
    struct ifx *f = *state;
    struct core_ctx x1 = tu_as(&f->tu, &f->x1);
    struct core_ctx h_cmd = tu_as(&f->tu, &f->h_cmd);
    struct incident inc = ifx_inc(&x1, f->cat_crime, f->c1, "Trộm cắp");
    struct incident_event tl;
    struct store_outbox_event ev;
    struct audit_entry e;
    const char *field = NULL;
    int64_t id = ifx_create(&x1, &inc);

    assert_string_equal(inc.status, "acknowledged");
    x1.now_ms += IFX_MIN;
    assert_int_equal(
        TX(&x1, incident_set_status(&x1, id, 1, "responding", " Đã cử tổ công tác ", &field)),
        PH_OK);
    assert_string_equal(status_of(f, id), "responding");
    assert_int_equal(ifx_get(f, id).version, 2);
    tl = ifx_last_event(f, id);
    assert_string_equal(tl.kind, "status");
    assert_int_equal(tl.at, x1.now_ms);
    assert_non_null(
        strstr(tl.detail, "\"status\":{\"new\":\"responding\",\"old\":\"acknowledged\"}"));
    assert_non_null(strstr(tl.detail, "\"note\":\"Đã cử tổ công tác\""));
    e = tu_audit_last(f->tu.st, &f->tu.a);
    assert_string_equal(e.action, "incident.status");
    ev = tu_event_last(f->tu.st, &f->tu.a);
    assert_string_equal(ev.topic, "incident.status");
    assert_non_null(strstr(ev.payload, "\"status\":\"responding\""));
    assert_non_null(strstr(ev.payload, "\"from\":\"acknowledged\""));

    /* A stale version. */
    assert_int_equal(TX(&x1, incident_set_status(&x1, id, 1, "resolved", NULL, &field)), PH_ESTALE);
    status_ok(&x1, id, "resolved");
    status_ok(&x1, id, "responding"); /* reopened */
    status_ok(&x1, id, "resolved");
    /* Closing is a commander's decision. */
    assert_int_equal(TX(&x1, incident_set_status(&x1, id, 0, "closed", NULL, &field)), PH_EPERM);
    status_ok(&h_cmd, id, "closed");
    assert_string_equal(status_of(f, id), "closed");
    /* Closed is final. */
    status_conflict(&h_cmd, id, "responding");
    status_conflict(&h_cmd, id, "resolved");
    {
        struct incident upd = ifx_get(f, id);
        upd.title = "Sửa sau khi đóng";
        assert_int_equal(TX(&x1, incident_update(&x1, &upd, &field)), PH_ECONFLICT);
    }

    /* acknowledged -> resolved: nothing to do. */
    inc = ifx_inc(&x1, f->cat_crime, f->c1, "Báo nhầm");
    id = ifx_create(&x1, &inc);
    status_ok(&x1, id, "resolved");
}

static void test_incident_status_illegal(void **state)
{
    struct ifx *f = *state;
    struct core_ctx x2 = tu_as(&f->tu, &f->x2);
    struct core_ctx bp = tu_as(&f->tu, &f->bp_don_duty);
    struct core_ctx qs = tu_as(&f->tu, &f->qs_duty);
    struct core_ctx x1 = tu_as(&f->tu, &f->x1);
    struct incident inc = ifx_inc(&x2, f->cat_crime, f->c2, "Trộm ở vành đai biên giới");
    const char *field = NULL;
    char note[INCIDENT_NOTE_MAX_BYTES + 2];
    int64_t id = ifx_create(&x2, &inc);

    assert_string_equal(inc.status, "new");
    status_conflict(&bp, id, "responding");
    status_conflict(&bp, id, "resolved");
    status_conflict(&bp, id, "closed");
    status_conflict(&bp, id, "new");
    /* These come by their own calls. */
    status_conflict(&bp, id, "acknowledged");
    status_conflict(&bp, id, "transferred");
    status_conflict(&bp, id, "merged");
    TX_EINVAL(&bp, incident_set_status(&bp, id, 0, "open", NULL, &field), field, "status");
    TX_EINVAL(&bp, incident_set_status(&bp, id, 0, NULL, NULL, &field), field, "status");
    /* An informed unit and the reporting unit may not move it; others do not see it. */
    assert_int_equal(TX(&qs, incident_set_status(&qs, id, 0, "transferred", NULL, &field)),
                     PH_EPERM);
    assert_int_equal(TX(&x2, incident_set_status(&x2, id, 0, "responding", NULL, &field)),
                     PH_EPERM);
    assert_int_equal(TX(&x1, incident_set_status(&x1, id, 0, "responding", NULL, &field)),
                     PH_ENOTFOUND);
    assert_int_equal(TX(&bp, incident_set_status(&bp, 424242, 0, "responding", NULL, &field)),
                     PH_ENOTFOUND);
    /* Once acknowledged it moves on; a note over the limit names "note". */
    ack_ok(&bp, id, 0, ACK_RECEIVED, NULL);
    assert_string_equal(status_of(f, id), "acknowledged");
    memset(note, 'n', sizeof(note) - 1);
    note[sizeof(note) - 1] = '\0';
    TX_EINVAL(&bp, incident_set_status(&bp, id, 0, "responding", note, &field), field, "note");
    status_ok(&bp, id, "responding");
    status_conflict(&bp, id, "closed");
    status_conflict(&bp, id, "acknowledged");
}

/* ---- transfer ---------------------------------------------------------------------- */

static void test_incident_transfer(void **state)
{
    struct ifx *f = *state;
    struct core_ctx x2 = tu_as(&f->tu, &f->x2);
    struct core_ctx bp = tu_as(&f->tu, &f->bp_don_duty);
    struct core_ctx h = tu_as(&f->tu, &f->h);
    struct incident inc = ifx_inc(&x2, f->cat_crime, f->c2, "Cướp tài sản"), got;
    const struct incident_recipient *r;
    struct store_outbox_event ev;
    struct incident_event tl;
    const char *field = NULL;
    int64_t id = ifx_create(&x2, &inc);

    TX_EINVAL(&bp, incident_transfer(&bp, id, 0, f->bp_don, NULL, &field), field, "lead_unit_id");
    TX_EINVAL(&bp, incident_transfer(&bp, id, 0, 424242, NULL, &field), field, "lead_unit_id");
    TX_EINVAL(&bp, incident_transfer(&bp, id, 0, 0, NULL, &field), field, "lead_unit_id");
    assert_int_equal(TX(&bp, incident_transfer(&bp, id, 7, f->ca_h, NULL, &field)), PH_ESTALE);
    /* Only the lead's subtree passes the lead on. */
    assert_int_equal(TX(&x2, incident_transfer(&x2, id, 0, f->ca_h, NULL, &field)), PH_EPERM);

    bp.now_ms += 5 * IFX_MIN;
    assert_int_equal(
        TX(&bp, incident_transfer(&bp, id, 1, f->ca_h, "Thuộc thẩm quyền Công an", &field)), PH_OK);
    got = ifx_get(f, id);
    assert_string_equal(got.status, "transferred");
    assert_int_equal(got.lead_unit_id, f->ca_h);
    assert_string_equal(got.lead_force, "police");
    r = ifx_rcpt(&got, f->bp_don);
    assert_string_equal(r->role, "former_lead");
    r = ifx_rcpt(&got, f->ca_h);
    assert_non_null(r);
    assert_string_equal(r->role, "lead");
    assert_int_equal(r->sent_at, bp.now_ms);
    assert_int_equal(r->ack_due_at, bp.now_ms + 30 * IFX_MIN);
    assert_int_equal(r->verify_due_at, bp.now_ms + 120 * IFX_MIN);
    assert_int_equal(r->received_at, 0);

    tl = ifx_last_event(f, id);
    assert_string_equal(tl.kind, "transferred");
    assert_int_equal(tl.unit_id, f->ca_h);
    assert_non_null(strstr(tl.detail, "\"lead_unit_id\""));
    assert_string_equal(tu_audit_last(f->tu.st, &f->tu.a).action, "incident.transfer");
    ev = tu_event_last(f->tu.st, &f->tu.a);
    assert_string_equal(ev.topic, "incident.transferred");
    /* The event is scoped to the incident after the transfer: the new lead owns it. */
    assert_memory_equal(ev.scope_paths, r->unit_path, strlen(r->unit_path));

    /* The new lead updates and acknowledges; the former lead still reads it. */
    assert_int_equal(incident_get(&bp, id, &got), PH_OK);
    got.title = "Cướp tài sản (chuyển Công an)";
    assert_int_equal(TX(&bp, incident_update(&bp, &got, &field)), PH_EPERM);
    assert_int_equal(TX(&h, incident_update(&h, &got, &field)), PH_OK);
    ack_ok(&h, id, 0, ACK_RECEIVED, NULL);
    assert_string_equal(status_of(f, id), "acknowledged");

    /* transferred -> transferred, and not once the response runs. */
    assert_int_equal(TX(&h, incident_transfer(&h, id, 0, f->ca_x2, NULL, &field)), PH_OK);
    assert_string_equal(status_of(f, id), "transferred");
    ack_ok(&x2, id, 0, ACK_RECEIVED, NULL);
    status_ok(&x2, id, "responding");
    assert_int_equal(TX(&x2, incident_transfer(&x2, id, 0, f->ca_h, NULL, &field)), PH_ECONFLICT);
    assert_string_equal(field, "status");
}

/* ---- merge ------------------------------------------------------------------------- */

static void test_incident_merge(void **state)
{
    struct ifx *f = *state;
    struct core_ctx x1 = tu_as(&f->tu, &f->x1);
    struct core_ctx qs = tu_as(&f->tu, &f->qs_cmd);
    struct incident a = ifx_inc(&x1, f->cat_crime, f->c1, "Trộm xe máy ở chợ");
    struct incident b = ifx_inc(&x1, f->cat_crime, f->c1, "Mất xe máy tại chợ");
    struct incident c = ifx_inc(&x1, f->cat_crime, f->c1, "Trộm lần ba");
    struct incident hidden = ifx_inc(&qs, f->cat_disaster, f->c3, "Lốc xoáy");
    struct incident got, upd;
    struct incident_event tl;
    const char *field = NULL;

    ifx_create(&x1, &a);
    ifx_create(&x1, &b);
    ifx_create(&x1, &c);
    ifx_create(&qs, &hidden);

    TX_EINVAL(&x1, incident_merge(&x1, b.id, 0, b.id, NULL, &field), field, "into_id");
    TX_EINVAL(&x1, incident_merge(&x1, b.id, 0, 424242, NULL, &field), field, "into_id");
    /* A target the caller may not see does not exist for it. */
    TX_EINVAL(&x1, incident_merge(&x1, b.id, 0, hidden.id, NULL, &field), field, "into_id");
    assert_int_equal(TX(&x1, incident_merge(&x1, b.id, 3, a.id, NULL, &field)), PH_ESTALE);
    /* A classified report never merges into a less classified one: the target's
     * readers would see the duplicate in its timeline. */
    {
        struct incident conf = ifx_inc(&x1, f->cat_crime, f->c1, "Tin mật về đường dây ma túy");
        conf.classification = CLEARANCE_CONFIDENTIAL;
        ifx_create(&x1, &conf);
        TX_EINVAL(&x1, incident_merge(&x1, conf.id, 0, a.id, NULL, &field), field, "into_id");
        assert_string_not_equal(ifx_get(f, conf.id).status, "merged");
    }

    assert_int_equal(TX(&x1, incident_merge(&x1, b.id, 1, a.id, "Trùng với vụ trước", &field)),
                     PH_OK);
    got = ifx_get(f, b.id);
    assert_string_equal(got.status, "merged");
    assert_int_equal(got.merged_into_id, a.id);
    tl = ifx_last_event(f, b.id);
    assert_string_equal(tl.kind, "merged");
    assert_non_null(strstr(tl.detail, "\"into_ref\""));
    tl = ifx_last_event(f, a.id);
    assert_string_equal(tl.kind, "merged");
    assert_non_null(strstr(tl.detail, "\"merged_id\""));
    assert_string_equal(tu_audit_last(f->tu.st, &f->tu.a).action, "incident.merge");
    assert_string_equal(tu_event_last(f->tu.st, &f->tu.a).topic, "incident.merged");

    /* Merged is final, and nothing merges into a merged incident. */
    field = NULL;
    assert_int_equal(TX(&x1, incident_merge(&x1, b.id, 0, c.id, NULL, &field)), PH_ECONFLICT);
    assert_string_equal(field, "status");
    field = NULL;
    assert_int_equal(TX(&x1, incident_merge(&x1, c.id, 0, b.id, NULL, &field)), PH_ECONFLICT);
    assert_string_equal(field, "into_id");
    upd = ifx_get(f, b.id);
    upd.title = "Sửa";
    assert_int_equal(TX(&x1, incident_update(&x1, &upd, &field)), PH_ECONFLICT);
    status_conflict(&x1, b.id, "responding");
    ack_fails(&x1, b.id, 0, ACK_VERIFIED, NULL, PH_ECONFLICT, "status");

    /* responding merges; resolved does not. */
    status_ok(&x1, c.id, "responding");
    assert_int_equal(TX(&x1, incident_merge(&x1, c.id, 0, a.id, NULL, &field)), PH_OK);
    status_ok(&x1, a.id, "resolved");
    b = ifx_inc(&x1, f->cat_crime, f->c1, "Lần nữa");
    ifx_create(&x1, &b);
    assert_int_equal(TX(&x1, incident_merge(&x1, a.id, 0, b.id, NULL, &field)), PH_ECONFLICT);
}

/* ---- acknowledgements -------------------------------------------------------------- */

static void test_incident_ack_stages(void **state)
{
    struct ifx *f = *state;
    struct core_ctx x2 = tu_as(&f->tu, &f->x2);
    struct core_ctx qs = tu_as(&f->tu, &f->qs_duty);
    struct core_ctx bp = tu_as(&f->tu, &f->bp_don_duty);
    struct core_ctx bp_top = tu_as(&f->tu, &f->bp_duty);
    struct core_user qs_viewer_u = tu_user_at(&f->tu.sys, f->qs_h, ROLE_VIEWER, CLEARANCE_SECRET);
    struct core_ctx qs_viewer = tu_as(&f->tu, &qs_viewer_u);
    struct core_ctx x1 = tu_as(&f->tu, &f->x1);
    struct incident inc = ifx_inc(&x2, f->cat_crime, f->c2, "Buôn lậu thuốc lá"), got;
    struct incident_ack a, *acks = NULL;
    struct incident_event tl;
    struct store_outbox_event ev;
    size_t n = 0;
    int64_t id = ifx_create(&x2, &inc);

    /* Out of order. */
    ack_fails(&qs, id, 0, ACK_VERIFIED, NULL, PH_ECONFLICT, "stage");
    ack_fails(&qs, id, 0, ACK_AGREED, NULL, PH_ECONFLICT, "stage");
    ack_fails(&qs, id, 0, "seen", NULL, PH_EINVAL, "stage");
    ack_fails(&qs, id, 0, NULL, NULL, PH_EINVAL, "stage");
    /* Who may: not a viewer, not the reporting unit, not for a unit the caller is
     * not above, not for a unit that is no recipient, not a unit that sees nothing. */
    ack_fails(&qs_viewer, id, 0, ACK_RECEIVED, NULL, PH_EPERM, NULL);
    ack_fails(&x2, id, 0, ACK_RECEIVED, NULL, PH_EINVAL, "unit_id");
    ack_fails(&qs, id, f->bp_don, ACK_RECEIVED, NULL, PH_EPERM, NULL);
    ack_fails(&qs, id, f->ca_x1, ACK_RECEIVED, NULL, PH_EINVAL, "unit_id");
    ack_fails(&x1, id, 0, ACK_RECEIVED, NULL, PH_ENOTFOUND, NULL);

    qs.now_ms += 10 * IFX_MIN;
    a = ack_ok(&qs, id, 0, ACK_RECEIVED, "  Đã nhận ");
    assert_true(a.id > 0);
    assert_string_equal(a.stage, "received");
    assert_int_equal(a.unit_id, f->qs_h);
    assert_int_equal(a.person_id, f->qs_duty.person_id);
    assert_int_equal(a.at, qs.now_ms);
    assert_true(a.on_time);
    assert_string_equal(a.note, "Đã nhận");
    /* An informed unit's receipt does not move the status. */
    assert_string_equal(status_of(f, id), "new");
    tl = ifx_last_event(f, id);
    assert_string_equal(tl.kind, "acknowledged");
    assert_int_equal(tl.unit_id, f->qs_h);
    assert_string_equal(tu_audit_last(f->tu.st, &f->tu.a).action, "incident.acknowledge");
    ev = tu_event_last(f->tu.st, &f->tu.a);
    assert_string_equal(ev.topic, "incident.acknowledged");
    assert_non_null(strstr(ev.payload, "\"stage\":\"received\""));
    assert_non_null(strstr(ev.payload, "\"unit_id\""));

    /* Each once, in order. */
    ack_fails(&qs, id, 0, ACK_RECEIVED, NULL, PH_ECONFLICT, "stage");
    ack_fails(&qs, id, 0, ACK_AGREED, NULL, PH_ECONFLICT, "stage");
    /* Verified three hours after sending: past its two-hour deadline. */
    qs.now_ms = x2.now_ms + 180 * IFX_MIN;
    a = ack_ok(&qs, id, f->qs_h, ACK_VERIFIED, NULL);
    assert_false(a.on_time);
    a = ack_ok(&qs, id, 0, ACK_AGREED, NULL);
    assert_true(a.on_time);
    ack_fails(&qs, id, 0, ACK_AGREED, NULL, PH_ECONFLICT, "stage");
    ack_fails(&qs, id, 0, ACK_REFUSED, "Không thuộc thẩm quyền", PH_ECONFLICT, "stage");
    got = ifx_get(f, id);
    assert_int_equal(ifx_rcpt(&got, f->qs_h)->received_at, x2.now_ms + 10 * IFX_MIN);
    assert_int_equal(ifx_rcpt(&got, f->qs_h)->verified_by, f->qs_duty.person_id);
    assert_int_equal(ifx_rcpt(&got, f->qs_h)->agreed_at, qs.now_ms);

    /* The lead's receipt acknowledges the incident; the province command above the
     * border post may acknowledge for it. */
    bp.now_ms += 40 * IFX_MIN; /* ten minutes late */
    a = ack_ok(&bp, id, 0, ACK_RECEIVED, NULL);
    assert_false(a.on_time);
    assert_string_equal(status_of(f, id), "acknowledged");
    assert_non_null(strstr(ifx_last_event(f, id).detail, "\"status\":{\"new\":\"acknowledged\""));
    bp_top.now_ms = bp.now_ms + IFX_MIN;
    a = ack_ok(&bp_top, id, f->bp_don, ACK_VERIFIED, NULL);
    assert_true(a.on_time);
    assert_int_equal(a.person_id, f->bp_duty.person_id);

    assert_int_equal(incident_acks(&qs, id, &acks, &n), PH_OK);
    assert_int_equal(n, 5);
    assert_string_equal(acks[0].stage, "received");
    assert_true(acks[0].on_time);
    assert_string_equal(acks[1].stage, "verified");
    assert_false(acks[1].on_time);
    assert_int_equal(acks[3].unit_id, f->bp_don);
    assert_false(acks[3].on_time);
}

static void test_incident_refuse_and_fallback(void **state)
{
    struct ifx *f = *state;
    struct core_ctx x2 = tu_as(&f->tu, &f->x2);
    struct core_ctx qs = tu_as(&f->tu, &f->qs_duty);
    struct core_ctx bp = tu_as(&f->tu, &f->bp_don_duty);
    struct core_ctx bp_top = tu_as(&f->tu, &f->bp_duty);
    struct incident inc = ifx_inc(&x2, f->cat_crime, f->c2, "Gửi nhầm đơn vị"), got;
    const struct incident_recipient *r;
    struct store_outbox_event ev;
    struct incident_event tl;
    struct incident_ack a;
    int64_t id = ifx_create(&x2, &inc);

    ack_fails(&qs, id, 0, ACK_REFUSED, NULL, PH_EINVAL, "note");
    ack_fails(&qs, id, 0, ACK_REFUSED, "   ", PH_EINVAL, "note");

    /* An informed unit refuses: the top of its force is informed instead. */
    qs.now_ms += 5 * IFX_MIN;
    a = ack_ok(&qs, id, 0, ACK_REFUSED, "Không thuộc địa bàn");
    assert_string_equal(a.stage, "refused");
    assert_string_equal(a.note, "Không thuộc địa bàn");
    got = ifx_get(f, id);
    r = ifx_rcpt(&got, f->qs_h);
    assert_int_equal(r->refused_at, qs.now_ms);
    assert_int_equal(r->refused_by, f->qs_duty.person_id);
    assert_string_equal(r->refused_reason, "Không thuộc địa bàn");
    r = ifx_rcpt(&got, f->qs);
    assert_non_null(r);
    assert_string_equal(r->role, "informed");
    assert_int_equal(r->sent_at, qs.now_ms);
    assert_int_equal(r->ack_due_at, qs.now_ms + 30 * IFX_MIN);
    assert_int_equal(r->verify_due_at, qs.now_ms + 120 * IFX_MIN);
    assert_int_equal(got.lead_unit_id, f->bp_don);
    tl = ifx_last_event(f, id);
    assert_string_equal(tl.kind, "refused");
    assert_int_equal(tl.unit_id, f->qs_h);
    assert_non_null(strstr(tl.detail, "\"fallback_unit_id\""));
    assert_string_equal(tu_audit_last(f->tu.st, &f->tu.a).action, "incident.refuse");
    ev = tu_event_last(f->tu.st, &f->tu.a);
    assert_string_equal(ev.topic, "incident.refused");
    /* Refused ends its stages. */
    ack_fails(&qs, id, 0, ACK_RECEIVED, NULL, PH_ECONFLICT, "stage");
    ack_fails(&qs, id, 0, ACK_REFUSED, "Lần nữa", PH_ECONFLICT, "stage");

    /* The lead refuses: the top of its force leads, with the deadlines. */
    bp.now_ms += 7 * IFX_MIN;
    ack_ok(&bp, id, 0, ACK_REFUSED, "Không phải vành đai biên giới");
    got = ifx_get(f, id);
    assert_int_equal(got.lead_unit_id, f->bp);
    assert_string_equal(got.status, "transferred");
    assert_string_equal(ifx_rcpt(&got, f->bp_don)->role, "former_lead");
    r = ifx_rcpt(&got, f->bp);
    assert_string_equal(r->role, "lead");
    assert_int_equal(r->ack_due_at, bp.now_ms + 30 * IFX_MIN);
    ev = tu_event_last(f->tu.st, &f->tu.a);
    assert_string_equal(ev.topic, "incident.refused");
    assert_memory_equal(ev.scope_paths, r->unit_path, strlen(r->unit_path));

    /* The fallback itself cannot refuse; it acknowledges. */
    ack_fails(&bp_top, id, 0, ACK_REFUSED, "Cũng không phải", PH_ECONFLICT, "stage");
    ack_ok(&bp_top, id, 0, ACK_RECEIVED, NULL);
    assert_string_equal(status_of(f, id), "acknowledged");
    /* A lead that responds no longer refuses. */
    status_ok(&bp_top, id, "responding");
    ack_fails(&bp_top, id, 0, ACK_REFUSED, "Muộn", PH_ECONFLICT, NULL);
}

/* ---- inbox ------------------------------------------------------------------------- */

static void test_incident_inbox(void **state)
{
    struct ifx *f = *state;
    struct core_ctx x2 = tu_as(&f->tu, &f->x2);
    struct core_ctx x1 = tu_as(&f->tu, &f->x1);
    struct core_ctx h = tu_as(&f->tu, &f->h);
    struct core_ctx qs = tu_as(&f->tu, &f->qs_duty);
    struct core_ctx qs_top = tu_as(&f->tu, &f->qs_top);
    int64_t t0 = x2.now_ms;
    struct incident i1 = ifx_inc(&x2, f->cat_crime, f->c2, "Một");
    struct incident i2, i3;
    struct incident_inbox_item *items = NULL;
    size_t n = 0;

    ifx_create(&x2, &i1); /* qs_h informed, received due t0 + 30 */
    x1.now_ms = t0 + IFX_MIN;
    i2 = ifx_inc(&x1, f->cat_crime, f->c1, "Hai");
    ifx_create(&x1, &i2); /* qs_h informed, received due t0 + 31 */
    h.now_ms = t0 + 2 * IFX_MIN;
    i3 = ifx_inc(&h, f->cat_disaster, f->c3, "Ba");
    ifx_create(&h, &i3); /* qs_h leads, received due t0 + 17 */

    qs.now_ms = t0 + 20 * IFX_MIN;
    assert_int_equal(incident_inbox(&qs, 0, 0, &items, &n), PH_OK);
    assert_int_equal(n, 3);
    /* Overdue first, then by due time. */
    assert_int_equal(items[0].inc.id, i3.id);
    assert_true(items[0].overdue);
    assert_string_equal(items[0].awaiting, "received");
    assert_int_equal(items[0].due_at, t0 + 17 * IFX_MIN);
    assert_string_equal(items[0].rcpt.role, "lead");
    assert_int_equal(items[1].inc.id, i1.id);
    assert_false(items[1].overdue);
    assert_int_equal(items[2].inc.id, i2.id);

    /* Received: i1 now awaits "verified", due two hours after sending. */
    ack_ok(&qs, i1.id, 0, ACK_RECEIVED, NULL);
    assert_int_equal(incident_inbox(&qs, 0, 10, &items, &n), PH_OK);
    assert_int_equal(n, 3);
    assert_int_equal(items[2].inc.id, i1.id);
    assert_string_equal(items[2].awaiting, "verified");
    assert_int_equal(items[2].due_at, t0 + 120 * IFX_MIN);
    assert_int_equal(incident_inbox(&qs, 0, 1, &items, &n), PH_OK);
    assert_int_equal(n, 1);

    /* The command above reads a unit's inbox; nobody reads one beside it. */
    assert_int_equal(incident_inbox(&qs_top, f->qs_h, 10, &items, &n), PH_OK);
    assert_int_equal(n, 3);
    assert_int_equal(incident_inbox(&qs, f->ca_h, 10, &items, &n), PH_EPERM);
    assert_int_equal(incident_inbox(&qs, f->qs, 10, &items, &n), PH_EPERM);
    /* The province command's own inbox is empty. */
    assert_int_equal(incident_inbox(&qs_top, 0, 10, &items, &n), PH_OK);
    assert_int_equal(n, 0);
}

/* ---- deadlines --------------------------------------------------------------------- */

static void test_incident_deadlines_run(void **state)
{
    struct ifx *f = *state;
    struct core_ctx x2 = tu_as(&f->tu, &f->x2);
    struct core_ctx h = tu_as(&f->tu, &f->h);
    struct core_ctx qs = tu_as(&f->tu, &f->qs_duty);
    struct core_ctx bp = tu_as(&f->tu, &f->bp_duty);
    struct core_ctx sys = f->tu.sys;
    int64_t t0 = x2.now_ms, next = -1;
    struct incident a = ifx_inc(&x2, f->cat_crime, f->c2, "Trễ hạn ở đồn biên phòng");
    struct incident b = ifx_inc(&h, f->cat_crime, f->c1, "Trễ hạn ở xã");
    struct incident got;
    struct incident_event *events = NULL;
    struct store_outbox_event *evs = NULL;
    const struct incident_recipient *r;
    int64_t last_ev = 0;
    size_t n = 0;
    int marked = -1;
    char want[64];

    ifx_create(&x2, &a); /* bp_don leads, qs_h informed: received due t0 + 30 */
    ifx_create(&h, &b);  /* ca_x1 leads (ca_h reported): received due t0 + 30 */
    /* Every informed unit receives in time; the leads do not. */
    ack_ok(&qs, a.id, 0, ACK_RECEIVED, NULL);
    ack_ok(&qs, b.id, 0, ACK_RECEIVED, NULL);
    ack_ok(&bp, b.id, 0, ACK_RECEIVED, NULL);

    sys.now_ms = t0 + 10 * IFX_MIN;
    assert_int_equal(TX(&sys, incident_deadlines_run(&sys, 100, &next, &marked)), PH_OK);
    assert_int_equal(marked, 0);
    assert_int_equal(next, t0 + 30 * IFX_MIN);

    assert_int_equal(store_outbox_last_id(f->tu.st, &last_ev), PH_OK);
    sys.now_ms = t0 + 31 * IFX_MIN;
    assert_int_equal(TX(&sys, incident_deadlines_run(&sys, 100, &next, &marked)), PH_OK);
    assert_int_equal(marked, 2); /* bp_don's and ca_x1's receipts */
    /* Next: the verifications, due two hours after sending. */
    assert_int_equal(next, t0 + 120 * IFX_MIN);

    /* Overdue is judged at the reader's time. */
    assert_false(ifx_get(f, a.id).overdue);
    assert_int_equal(incident_get(&sys, a.id, &got), PH_OK);
    assert_true(got.overdue);
    r = ifx_rcpt(&got, f->bp_don);
    assert_int_equal(r->ack_overdue_at, sys.now_ms);
    assert_int_equal(r->escalated_at, sys.now_ms);
    assert_int_equal(ifx_rcpt(&got, f->qs_h)->ack_overdue_at, 0);
    assert_int_equal(incident_timeline(&sys, a.id, &events, &n), PH_OK);
    assert_true(n >= 3);
    assert_string_equal(events[n - 2].kind, "overdue");
    assert_int_equal(events[n - 2].unit_id, f->bp_don);
    assert_int_equal(events[n - 2].person_id, 0);
    assert_string_equal(events[n - 1].kind, "escalated");
    assert_int_equal(events[n - 1].unit_id, f->bp);

    /* Events: overdue and escalated for each; the escalation names the unit above
     * and its commanders (not its other people), and that unit sees the event. */
    assert_int_equal(store_outbox_after(f->tu.st, &f->tu.a, last_ev, 100, &evs, &n), PH_OK);
    assert_int_equal(n, 4);
    for (size_t i = 0; i < n; i++) {
        struct store_outbox_event *ev = &evs[i];
        if (ev->item_id == a.id && strcmp(ev->topic, "incident.escalated") == 0) {
            struct unit bp_unit;
            assert_int_equal(unit_get(&sys, f->bp, &bp_unit), PH_OK);
            snprintf(want, sizeof(want), "\"commander_ids\":[%lld]", (long long)f->cmd_bp);
            assert_non_null(strstr(ev->payload, want));
            snprintf(want, sizeof(want), "\"parent_unit_id\":%lld", (long long)f->bp);
            assert_non_null(strstr(ev->payload, want));
            /* The unit above is added to those the event is sent to. */
            snprintf(want, sizeof(want), " %s", bp_unit.path);
            assert_true(strlen(ev->scope_paths) > strlen(want));
            assert_string_equal(ev->scope_paths + strlen(ev->scope_paths) - strlen(want), want);
        } else if (ev->item_id == b.id && strcmp(ev->topic, "incident.escalated") == 0) {
            snprintf(want, sizeof(want), "\"commander_ids\":[%lld]", (long long)f->cmd_ca_h);
            assert_non_null(strstr(ev->payload, want));
        } else {
            assert_string_equal(ev->topic, "incident.overdue");
            assert_non_null(strstr(ev->payload, "\"stage\":\"received\""));
        }
    }
    /* The escalation, last, is audited like the overdue mark before it. */
    assert_string_equal(tu_audit_last(f->tu.st, &f->tu.a).action, "incident.escalate");

    /* Nothing is marked twice. */
    assert_int_equal(TX(&sys, incident_deadlines_run(&sys, 100, &next, &marked)), PH_OK);
    assert_int_equal(marked, 0);

    /* A full batch says to run again at once. */
    sys.now_ms = t0 + 121 * IFX_MIN;
    assert_int_equal(TX(&sys, incident_deadlines_run(&sys, 1, &next, &marked)), PH_OK);
    assert_int_equal(marked, 1);
    assert_int_equal(next, sys.now_ms);
    /* The other verifications: a's bp_don and qs_h, b's ca_x1, qs_h and bp. */
    assert_int_equal(TX(&sys, incident_deadlines_run(&sys, 100, &next, &marked)), PH_OK);
    assert_int_equal(marked, 4);
    assert_int_equal(next, 0);
    assert_int_equal(TX(&sys, incident_deadlines_run(&sys, 100, &next, &marked)), PH_OK);
    assert_int_equal(marked, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_incident_transition_table),
        IFX_TEST(test_incident_status_moves),
        IFX_TEST(test_incident_status_illegal),
        IFX_TEST(test_incident_transfer),
        IFX_TEST(test_incident_merge),
        IFX_TEST(test_incident_ack_stages),
        IFX_TEST(test_incident_refuse_and_fallback),
        IFX_TEST(test_incident_inbox),
        IFX_TEST(test_incident_deadlines_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
