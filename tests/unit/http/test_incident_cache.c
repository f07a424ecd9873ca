/* test_incident_cache.c - the per-loop cache of GET /api/v1/incidents/{id}
 * answers: a repeated read is a hit; every kind of write to the incident (update,
 * workflow, acknowledgement, recipient added, deadline marked, escalation) and
 * every rename or move of what it shows (units, category) makes the next read
 * render again; time alone ends an entry at the next deadline (and a clock set
 * back ends it too); access is decided per caller, from the entry, exactly as
 * incident_get decides it; the byte budget, other databases and threads. Every
 * answer is compared with a fresh rendering (incident_get, pjson_incident,
 * json_dumps as resp_json sends it), byte for byte.
 *
 * Also the store's freshness (store_incident_rev): which writes move it, and
 * which do not. */
#include "util/base.h"
#include <jansson.h>
#include <pthread.h>
#include "core/incident_fx.h"
#include "http/incident_cache.h"
#include "proto/pjson.h"
#include "store/store.h"

/* ---- helpers ------------------------------------------------------------------------ */

/* What the handler sent before the cache: incident id rendered for cx, in cx->arena
 * (NULL when cx may not see it). */
static const char *fresh_json(struct core_ctx *cx, int64_t id)
{
    struct incident inc;
    if (incident_get(cx, id, &inc) != PH_OK)
        return NULL;
    json_t *body = pjson_incident(&inc, true);
    char *s = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    assert_non_null(s);
    char *copy = arena_strdup(cx->arena, s);
    free(s);
    return copy;
}

enum outcome { HIT, RENDER, DENIED };

/* Get id through c as cx, check how it was answered and that the answer is what a
 * fresh rendering says; the body (in cx->arena). */
static const char *expect(struct incident_cache *c, struct core_ctx *cx, int64_t id,
                          enum outcome want, int line)
{
    struct incident_cache_stats before, after;
    struct incident_view v = {0};
    incident_cache_stats(c, &before);
    ph_err rc = incident_cache_get(c, cx, id, &v);
    incident_cache_stats(c, &after);
    enum outcome got = after.hits > before.hits         ? HIT
                       : after.renders > before.renders ? RENDER
                                                        : DENIED;
    if (got != want)
        fail_msg("line %d: answered %d, want %d (rc %d)", line, got, want, rc);
    const char *fresh = fresh_json(cx, id);
    if (want == DENIED) {
        assert_int_equal(rc, PH_ENOTFOUND);
        assert_null(fresh);
        return NULL;
    }
    assert_int_equal(rc, PH_OK);
    assert_non_null(fresh);
    if (v.len != strlen(fresh) || memcmp(v.json, fresh, v.len) != 0)
        fail_msg("line %d: cached\n%.*s\nfresh\n%s", line, (int)v.len, v.json, fresh);
    struct incident inc;
    assert_int_equal(incident_get(cx, id, &inc), PH_OK);
    assert_int_equal(v.version, inc.version);
    return arena_strndup(cx->arena, v.json, v.len);
}

#define EXPECT(c, cx, id, want) expect((c), (cx), (id), (want), __LINE__)

static struct incident_cache *small_cache(void)
{
    return incident_cache_new(64, 1u << 20);
}

/* A crime in commune C1 reported by ca_x1 (which leads it; qs_h and bp are
 * informed, with deadlines), classified as given. */
static int64_t crime_in_c1(struct ifx *f, struct core_ctx *x1, int classification)
{
    struct incident inc = ifx_inc(x1, f->cat_crime, f->c1, "Trộm cắp tài sản tại chợ");
    inc.classification = classification;
    return ifx_create(x1, &inc);
}

static void update_title(struct core_ctx *cx, int64_t id, const char *title)
{
    struct incident inc;
    const char *field = NULL;
    assert_int_equal(incident_get(cx, id, &inc), PH_OK);
    inc.title = title;
    ph_err rc = TX(cx, incident_update(cx, &inc, &field));
    if (rc != PH_OK)
        fail_msg("update: %d (%s)", rc, field != NULL ? field : "");
}

static struct store_incident_rev rev_of(struct ifx *f, int64_t id)
{
    struct store_incident_rev r;
    assert_int_equal(store_incident_rev(f->tu.st, id, &r), PH_OK);
    return r;
}

static bool rev_equal(struct store_incident_rev a, struct store_incident_rev b)
{
    return a.rev == b.rev && a.n_recipients == b.n_recipients && a.dir_rev == b.dir_rev;
}

/* ---- hits ------------------------------------------------------------------------------ */

static void test_incident_cache_hit(void **state)
{
    struct ifx *f = *state;
    struct core_ctx x1 = tu_as(&f->tu, &f->x1);
    struct incident_cache *c = small_cache();
    struct incident_cache_stats st;
    int64_t id = crime_in_c1(f, &x1, CLEARANCE_UNCLASSIFIED);

    const char *first = EXPECT(c, &x1, id, RENDER);
    const char *again = EXPECT(c, &x1, id, HIT);
    assert_string_equal(first, again);
    assert_non_null(strstr(first, "\"recipients\":[{"));
    EXPECT(c, &x1, id, HIT);
    incident_cache_stats(c, &st);
    assert_int_equal(st.hits, 2);
    assert_int_equal(st.renders, 1);
    assert_int_equal(st.entries, 1);
    assert_true(st.bytes > strlen(first));

    /* No such incident, and ids that cannot be one. */
    struct incident_view v;
    assert_int_equal(incident_cache_get(c, &x1, id + 1000, &v), PH_ENOTFOUND);
    assert_int_equal(incident_cache_get(c, &x1, 0, &v), PH_ENOTFOUND);
    assert_int_equal(incident_cache_get(c, &x1, -5, &v), PH_ENOTFOUND);
    incident_cache_free(c);
    incident_cache_free(NULL);
}

/* ---- invalidation by writes ----------------------------------------------------------- */

static void test_incident_cache_update(void **state)
{
    struct ifx *f = *state;
    struct core_ctx x1 = tu_as(&f->tu, &f->x1);
    struct incident_cache *c = small_cache();
    int64_t id = crime_in_c1(f, &x1, CLEARANCE_UNCLASSIFIED);

    EXPECT(c, &x1, id, RENDER);
    EXPECT(c, &x1, id, HIT);
    /* Read-your-writes: the next read after a PATCH shows it. */
    update_title(&x1, id, "Cướp giật tài sản tại chợ");
    const char *body = EXPECT(c, &x1, id, RENDER);
    assert_non_null(strstr(body, "Cướp giật tài sản tại chợ"));
    assert_non_null(strstr(body, "\"version\":2"));
    EXPECT(c, &x1, id, HIT);

    /* The workflow (status) is an update too. */
    const char *field = NULL;
    struct core_ctx qs = tu_as(&f->tu, &f->qs_duty);
    assert_int_equal(TX(&x1, incident_set_status(&x1, id, 0, "responding", NULL, &field)), PH_OK);
    body = EXPECT(c, &x1, id, RENDER);
    assert_non_null(strstr(body, "\"status\":\"responding\""));
    EXPECT(c, &qs, id, HIT);
    incident_cache_free(c);
}

static void test_incident_cache_acknowledgement(void **state)
{
    struct ifx *f = *state;
    struct core_ctx x1 = tu_as(&f->tu, &f->x1);
    struct core_ctx qs = tu_as(&f->tu, &f->qs_duty);
    struct core_ctx bp = tu_as(&f->tu, &f->bp_duty);
    struct incident_cache *c = small_cache();
    const char *field = NULL;
    int64_t id = crime_in_c1(f, &x1, CLEARANCE_UNCLASSIFIED);

    EXPECT(c, &bp, id, RENDER);
    EXPECT(c, &bp, id, HIT);
    assert_int_equal(TX(&bp, incident_acknowledge(&bp, id, 0, ACK_RECEIVED, NULL, NULL, &field)),
                     PH_OK);
    EXPECT(c, &bp, id, RENDER);
    EXPECT(c, &x1, id, HIT);
    assert_int_equal(
        TX(&bp, incident_acknowledge(&bp, id, 0, ACK_VERIFIED, "Đã xác minh", NULL, &field)),
        PH_OK);
    EXPECT(c, &x1, id, RENDER);
    EXPECT(c, &qs, id, HIT);
    /* A refusal: the refusing unit's row changes and the top of its force is
     * informed instead (a recipient added). */
    assert_int_equal(TX(&qs, incident_acknowledge(&qs, id, 0, ACK_REFUSED, "Không thuộc thẩm quyền",
                                                  NULL, &field)),
                     PH_OK);
    const char *body = EXPECT(c, &x1, id, RENDER);
    assert_non_null(strstr(body, "Không thuộc thẩm quyền"));
    EXPECT(c, &x1, id, HIT);
    incident_cache_free(c);
}

static void test_incident_cache_recipients(void **state)
{
    struct ifx *f = *state;
    struct core_ctx x1 = tu_as(&f->tu, &f->x1);
    struct core_ctx h = tu_as(&f->tu, &f->h);
    struct incident_cache *c = small_cache();
    const char *field = NULL;
    int64_t id = crime_in_c1(f, &x1, CLEARANCE_UNCLASSIFIED);
    struct incident_recipient r = {
        .unit_id = f->ca_x2, .role = INCIDENT_ROLE_INFORMED, .sent_at = x1.now_ms};

    EXPECT(c, &h, id, RENDER);
    /* A recipient added moves no rev (no trigger on insert): the count sees it. */
    struct store_incident_rev before = rev_of(f, id);
    assert_int_equal(store_incident_recipient_put(f->tu.st, id, &r), PH_OK);
    struct store_incident_rev after = rev_of(f, id);
    assert_int_equal(after.rev, before.rev);
    assert_int_equal(after.n_recipients, before.n_recipients + 1);
    const char *body = EXPECT(c, &h, id, RENDER);
    assert_non_null(strstr(body, "\"unit_code\":\"CA-X-TP\""));
    /* ... and the unit just informed sees it from the cache. */
    struct core_ctx x2 = tu_as(&f->tu, &f->x2);
    EXPECT(c, &x2, id, HIT);

    /* The same recipient put again (an update) moves rev. */
    r.received_at = x1.now_ms + 1000;
    assert_int_equal(store_incident_recipient_put(f->tu.st, id, &r), PH_OK);
    assert_int_equal(rev_of(f, id).rev, after.rev + 1);
    EXPECT(c, &h, id, RENDER);

    /* A transfer: a new lead row, the old lead's role changed, the incident updated. */
    assert_int_equal(TX(&h, incident_transfer(&h, id, 0, f->ca_h, NULL, &field)), PH_OK);
    body = EXPECT(c, &h, id, RENDER);
    assert_non_null(strstr(body, "\"status\":\"transferred\""));
    EXPECT(c, &x1, id, HIT); /* the former lead still sees it */
    incident_cache_free(c);
}

/* ---- time -------------------------------------------------------------------------------- */

static void test_incident_cache_deadlines(void **state)
{
    struct ifx *f = *state;
    struct core_ctx x1 = tu_as(&f->tu, &f->x1);
    struct core_ctx sys = f->tu.sys;
    struct incident_cache *c = small_cache();
    int64_t t0 = x1.now_ms, next = 0;
    int marked = 0;
    int64_t id = crime_in_c1(f, &x1, CLEARANCE_UNCLASSIFIED);
    struct incident inc = ifx_get(f, id);
    int64_t due = INT64_MAX;
    for (size_t i = 0; i < inc.n_recipients; i++)
        if (inc.recipients[i].ack_due_at > 0 && inc.recipients[i].ack_due_at < due)
            due = inc.recipients[i].ack_due_at;
    assert_true(due > t0 && due < INT64_MAX);

    const char *body = EXPECT(c, &x1, id, RENDER);
    assert_non_null(strstr(body, "\"overdue\":false"));
    /* Up to the deadline itself nothing is late ("overdue" is a deadline before now). */
    x1.now_ms = due;
    EXPECT(c, &x1, id, HIT);
    /* A millisecond later it is, with no write at all. */
    x1.now_ms = due + 1;
    body = EXPECT(c, &x1, id, RENDER);
    assert_non_null(strstr(body, "\"overdue\":true"));
    EXPECT(c, &x1, id, HIT);

    /* The scheduler marks it and escalates: recipient updates. */
    sys.now_ms = due + 60 * 1000;
    x1.now_ms = sys.now_ms;
    assert_int_equal(TX(&sys, incident_deadlines_run(&sys, 100, &next, &marked)), PH_OK);
    assert_true(marked >= 1);
    body = EXPECT(c, &x1, id, RENDER);
    assert_null(strstr(body, "\"ack_overdue_at\":null,\"verify_overdue_at\":null,"
                             "\"escalated_at\":null}]")); /* some row is marked */
    EXPECT(c, &x1, id, HIT);

    /* Each store write on its own. */
    struct store_incident_rev r0 = rev_of(f, id);
    assert_int_equal(store_deadline_mark(f->tu.st, id, f->qs_h, ACK_VERIFIED, x1.now_ms), PH_OK);
    assert_true(rev_of(f, id).rev > r0.rev);
    EXPECT(c, &x1, id, RENDER);
    r0 = rev_of(f, id);
    assert_int_equal(store_recipient_mark_escalated(f->tu.st, id, f->qs_h, x1.now_ms), PH_OK);
    assert_true(rev_of(f, id).rev > r0.rev);
    EXPECT(c, &x1, id, RENDER);
    EXPECT(c, &x1, id, HIT);

    /* A clock set back is a time the entry was not made for. */
    x1.now_ms -= 5 * 60 * 1000;
    EXPECT(c, &x1, id, RENDER);
    incident_cache_free(c);
}

/* ---- what the incident shows of others ---------------------------------------------- */

static void test_incident_cache_directory(void **state)
{
    struct ifx *f = *state;
    struct core_ctx x1 = tu_as(&f->tu, &f->x1);
    struct core_ctx *sys = &f->tu.sys;
    struct incident_cache *c = small_cache();
    const char *field = NULL;
    struct unit u;
    struct category cat;
    int64_t id = crime_in_c1(f, &x1, CLEARANCE_UNCLASSIFIED);

    EXPECT(c, &x1, id, RENDER);
    /* A unit renamed. */
    assert_int_equal(unit_get(sys, f->qs_h, &u), PH_OK);
    u.name = "Ban Chỉ huy Quân sự huyện Bình Đại";
    assert_int_equal(TX(sys, unit_update(sys, &u, &field)), PH_OK);
    const char *body = EXPECT(c, &x1, id, RENDER);
    assert_non_null(strstr(body, "Ban Chỉ huy Quân sự huyện Bình Đại"));
    EXPECT(c, &x1, id, HIT);
    /* A unit updated without a change of what incidents show: still current. */
    assert_int_equal(unit_get(sys, f->qs_h, &u), PH_OK);
    u.phone = "0275 3845 123";
    assert_int_equal(TX(sys, unit_update(sys, &u, &field)), PH_OK);
    EXPECT(c, &x1, id, HIT);
    /* A category's code: core keeps it fixed, the store still watches it. */
    assert_int_equal(category_get(sys, f->cat_crime, &cat), PH_OK);
    cat.code = "crime_general";
    assert_int_equal(TX(sys, category_update(sys, &cat, &field)), PH_EINVAL);
    struct store_incident_rev r0 = rev_of(f, id);
    assert_int_equal(store_category_update(f->tu.st, &cat, "crime general"), PH_OK);
    assert_true(rev_of(f, id).dir_rev > r0.dir_rev);
    body = EXPECT(c, &x1, id, RENDER);
    assert_non_null(strstr(body, "\"category\":\"crime_general\""));
    EXPECT(c, &x1, id, HIT);
    incident_cache_free(c);
}

static void test_incident_cache_unit_moved(void **state)
{
    struct ifx *f = *state;
    struct core_ctx x1 = tu_as(&f->tu, &f->x1);
    struct core_ctx h = tu_as(&f->tu, &f->h);
    struct core_ctx *sys = &f->tu.sys;
    struct incident_cache *c = small_cache();
    const char *field = NULL;
    struct unit u;
    int64_t id = crime_in_c1(f, &x1, CLEARANCE_UNCLASSIFIED);

    EXPECT(c, &h, id, RENDER);
    EXPECT(c, &h, id, HIT);
    /* ca_x1 (the lead) moves from under ca_h to directly under the province: its
     * path changes, and the district no longer sees the incident (with the path it
     * had, the cached access item would still let it). */
    assert_int_equal(unit_get(sys, f->ca_x1, &u), PH_OK);
    u.parent_id = f->ca;
    u.level = "district";
    ph_err rc = TX(sys, unit_update(sys, &u, &field));
    if (rc != PH_OK)
        fail_msg("move: %d (%s)", rc, field != NULL ? field : "");
    struct core_user x1_moved = tu_user_at(sys, f->ca_x1, f->x1.roles, f->x1.clearance);
    struct core_ctx x1m = tu_as(&f->tu, &x1_moved);
    struct incident_view v;
    assert_int_equal(incident_cache_get(c, &h, id, &v), PH_ENOTFOUND);
    assert_null(fresh_json(&h, id));
    EXPECT(c, &x1m, id, RENDER);
    incident_cache_free(c);
}

/* ---- access ------------------------------------------------------------------------------ */

static void test_incident_cache_access(void **state)
{
    struct ifx *f = *state;
    struct core_ctx x1 = tu_as(&f->tu, &f->x1);
    struct incident_cache *c = small_cache();
    int64_t id = crime_in_c1(f, &x1, CLEARANCE_CONFIDENTIAL);
    const struct core_user *callers[] = {
        &f->x1,      &f->x1_reporter, &f->x1_viewer,     &f->x2,     &f->h,
        &f->h_cmd,   &f->h_low,       &f->qs_duty,       &f->qs_cmd, &f->qs_top,
        &f->bp_duty, &f->bp_don_duty, &core_system_user,
    };
    int seen = 0, hidden = 0;

    EXPECT(c, &x1, id, RENDER);
    /* Each caller gets from the cache what incident_get would give it: the body, or
     * 404 without a rendering. */
    for (size_t i = 0; i < PH_NELEM(callers); i++) {
        struct core_ctx cx = tu_as(&f->tu, callers[i]);
        struct incident inc;
        bool may = incident_get(&cx, id, &inc) == PH_OK;
        EXPECT(c, &cx, id, may ? HIT : DENIED);
        seen += may;
        hidden += !may;
    }
    assert_true(seen >= 5);
    assert_true(hidden >= 2); /* x2 (a sibling commune), h_low (clearance) at least */
    struct core_ctx x2 = tu_as(&f->tu, &f->x2);
    struct core_ctx h_low = tu_as(&f->tu, &f->h_low);
    EXPECT(c, &x2, id, DENIED);
    EXPECT(c, &h_low, id, DENIED);

    /* A caller who may not see it, first: nothing is kept, and the next caller who
     * may renders. */
    struct incident_cache *c2 = small_cache();
    struct incident_view v;
    assert_int_equal(incident_cache_get(c2, &x2, id, &v), PH_ENOTFOUND);
    struct incident_cache_stats st;
    incident_cache_stats(c2, &st);
    assert_int_equal(st.entries, 0);
    EXPECT(c2, &x1, id, RENDER);
    /* Classification raised: the rendering changes, and so does who may see it. */
    struct core_ctx h = tu_as(&f->tu, &f->h);
    EXPECT(c2, &h, id, HIT);
    struct incident inc;
    const char *field = NULL;
    struct core_ctx hc = tu_as(&f->tu, &f->h_cmd);
    assert_int_equal(incident_get(&hc, id, &inc), PH_OK);
    inc.classification = CLEARANCE_TOP_SECRET;
    assert_int_equal(TX(&hc, incident_update(&hc, &inc, &field)), PH_OK);
    EXPECT(c2, &h, id, DENIED); /* h is cleared for secret only: no rendering */
    EXPECT(c2, &hc, id, RENDER);
    EXPECT(c2, &h, id, DENIED);
    incident_cache_free(c2);
    incident_cache_free(c);
}

/* ---- what does not invalidate ---------------------------------------------------------- */

static void test_incident_cache_unrelated_writes(void **state)
{
    struct ifx *f = *state;
    struct core_ctx x1 = tu_as(&f->tu, &f->x1);
    struct incident_cache *c = small_cache();
    int64_t a = crime_in_c1(f, &x1, CLEARANCE_UNCLASSIFIED);
    int64_t b = crime_in_c1(f, &x1, CLEARANCE_UNCLASSIFIED);
    struct incident_event ev = {.incident_id = a, .at = x1.now_ms, .kind = "comment"};
    int64_t ev_id = 0;

    EXPECT(c, &x1, a, RENDER);
    EXPECT(c, &x1, b, RENDER);
    struct store_incident_rev ra = rev_of(f, a);
    update_title(&x1, b, "Một vụ khác");
    assert_true(rev_equal(rev_of(f, a), ra));
    EXPECT(c, &x1, a, HIT);
    EXPECT(c, &x1, b, RENDER);
    /* A timeline entry is not part of the incident's answer. */
    assert_int_equal(store_incident_event_insert(f->tu.st, &ev, &ev_id), PH_OK);
    assert_true(rev_equal(rev_of(f, a), ra));
    EXPECT(c, &x1, a, HIT);
    /* A new incident (with its recipients) leaves the others alone. */
    crime_in_c1(f, &x1, CLEARANCE_UNCLASSIFIED);
    EXPECT(c, &x1, a, HIT);
    EXPECT(c, &x1, b, HIT);
    incident_cache_free(c);
}

/* ---- bounds --------------------------------------------------------------------------------- */

static void test_incident_cache_budget(void **state)
{
    struct ifx *f = *state;
    struct core_ctx x1 = tu_as(&f->tu, &f->x1);
    struct incident_cache_stats st;
    int64_t ids[24];
    for (size_t i = 0; i < PH_NELEM(ids); i++)
        ids[i] = crime_in_c1(f, &x1, CLEARANCE_UNCLASSIFIED);
    size_t len = strlen(fresh_json(&x1, ids[0]));

    /* Two slots: ids of equal parity share one. */
    struct incident_cache *c = incident_cache_new(2, 1u << 20);
    EXPECT(c, &x1, ids[0], RENDER);
    EXPECT(c, &x1, ids[1], RENDER);
    EXPECT(c, &x1, ids[0], HIT);
    EXPECT(c, &x1, ids[2], RENDER); /* takes ids[0]'s slot */
    EXPECT(c, &x1, ids[0], RENDER);
    EXPECT(c, &x1, ids[1], HIT);
    incident_cache_free(c);

    /* A budget for about 16 entries (each is its JSON and a few paths): the later
     * ones push earlier ones out, from the hand, and the total stays within it. */
    size_t budget = 16 * (len + 400);
    c = incident_cache_new(64, budget);
    for (size_t i = 0; i < PH_NELEM(ids); i++)
        EXPECT(c, &x1, ids[i], RENDER);
    incident_cache_stats(c, &st);
    assert_true(st.evicted >= 1);
    assert_true(st.entries < PH_NELEM(ids));
    assert_true(st.bytes <= budget);
    EXPECT(c, &x1, ids[PH_NELEM(ids) - 1], HIT);
    EXPECT(c, &x1, ids[0], RENDER);
    incident_cache_free(c);

    /* An entry above a sixteenth of the budget is served, never kept. */
    c = incident_cache_new(64, 16 * len);
    EXPECT(c, &x1, ids[4], RENDER);
    EXPECT(c, &x1, ids[4], RENDER);
    incident_cache_stats(c, &st);
    assert_int_equal(st.entries, 0);
    assert_int_equal(st.bytes, 0);
    incident_cache_free(c);
}

static void test_incident_cache_other_store(void **state)
{
    struct ifx *f = *state;
    struct core_ctx x1 = tu_as(&f->tu, &f->x1);
    struct incident_cache *c = small_cache();
    struct incident_cache_stats st;
    struct incident_view v;
    int64_t id = crime_in_c1(f, &x1, CLEARANCE_UNCLASSIFIED);

    EXPECT(c, &x1, id, RENDER);
    /* Another database has no such incident; the entries of the first are gone. */
    struct store *other = tu_store();
    struct core_ctx ox = x1;
    ox.st = other;
    assert_int_equal(incident_cache_get(c, &ox, id, &v), PH_ENOTFOUND);
    incident_cache_stats(c, &st);
    assert_int_equal(st.entries, 0);
    EXPECT(c, &x1, id, RENDER);
    store_close(other);
    incident_cache_free(c);
}

/* ---- one cache per thread -------------------------------------------------------------- */

static void *thread_cache(void *arg)
{
    struct incident_cache **out = arg;
    *out = incident_cache_local();
    assert_non_null(*out);
    assert_ptr_equal(incident_cache_local(), *out);
    return NULL; /* its cache is freed now (ASan would report a leak otherwise) */
}

static void test_incident_cache_local(void **state)
{
    struct incident_cache *a = NULL, *b = NULL;
    pthread_t t1, t2;

    (void)state;
    /* Each thread makes its own on first use; each is freed when its thread exits. */
    assert_int_equal(pthread_create(&t1, NULL, thread_cache, &a), 0);
    assert_int_equal(pthread_create(&t2, NULL, thread_cache, &b), 0);
    assert_int_equal(pthread_join(t1, NULL), 0);
    assert_int_equal(pthread_join(t2, NULL), 0);
    assert_non_null(a);
    assert_non_null(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        IFX_TEST(test_incident_cache_hit),
        IFX_TEST(test_incident_cache_update),
        IFX_TEST(test_incident_cache_acknowledgement),
        IFX_TEST(test_incident_cache_recipients),
        IFX_TEST(test_incident_cache_deadlines),
        IFX_TEST(test_incident_cache_directory),
        IFX_TEST(test_incident_cache_unit_moved),
        IFX_TEST(test_incident_cache_access),
        IFX_TEST(test_incident_cache_unrelated_writes),
        IFX_TEST(test_incident_cache_budget),
        IFX_TEST(test_incident_cache_other_store),
        cmocka_unit_test(test_incident_cache_local),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
