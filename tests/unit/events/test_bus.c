/* test_bus.c - the event bus on a temporary SQLite file: events built from outbox
 * rows (the SSE frame, the access item parsed from scope_paths), who may see them,
 * delivery in id order and exactly once (after bus_notify, after a writer's commit
 * through the on-commit hook, and by the idle poll for rows no hook announced),
 * nothing from before the start or from a rolled-back job, and balanced reference
 * counts (AddressSanitizer reports any event left behind). The deadline scheduler,
 * the bus's other subscriber, is tested here too: it must stop promptly, mark what
 * is late at once, wake up for a new incident, and run when a deadline falls; and
 * its hot-spot early warning (analysis on its read connection, record on the
 * writer) records a planted cluster once. */
#include "util/base.h"
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <time.h>
#include "testutil.h"
#include "core/incident_fx.h"
#include "core/access.h"
#include "core/hotspot.h"
#include "core/outbox.h"
#include "core/writer.h"
#include "events/bus.h"
#include "events/scheduler.h"
#include "store/store.h"
#include "util/time.h"

/* ---- events from rows -------------------------------------------------------------- */

static struct store_outbox_event row(int64_t id, const char *topic, const char *payload, int kind,
                                     int classification, const char *scope)
{
    struct store_outbox_event r = {.id = id,
                                   .at = 1764000000000,
                                   .topic = topic,
                                   .item_kind = "incident",
                                   .item_id = 7,
                                   .payload = payload,
                                   .access_kind = kind,
                                   .classification = classification,
                                   .scope_paths = scope};
    return r;
}

static void test_bus_event_frame(void **state)
{
    struct store_outbox_event r = row(42, "incident.created", "{\"id\":7,\"title\":\"Lũ quét\"}",
                                      ITEM_OPERATIONAL, CLEARANCE_SECRET, "/1/5/ /2/7/ /3/");
    struct bus_event *ev = bus_event_from_outbox(&r);
    static const char want[] = "id: 42\nevent: incident.created\n"
                               "data: {\"id\":7,\"title\":\"Lũ quét\"}\n\n";
    (void)state;

    assert_int_equal(ev->id, 42);
    assert_int_equal(ev->at, 1764000000000);
    assert_int_equal(ev->item_id, 7);
    assert_string_equal(ev->topic, "incident.created");
    assert_string_equal(ev->item_kind, "incident");
    assert_string_equal(ev->payload, "{\"id\":7,\"title\":\"Lũ quét\"}");
    assert_int_equal(ev->sse_len, strlen(want));
    assert_memory_equal(ev->sse, want, ev->sse_len);
    assert_int_equal(ev->access.kind, ITEM_OPERATIONAL);
    assert_int_equal(ev->access.classification, CLEARANCE_SECRET);
    assert_string_equal(ev->access.owner_path, "/1/5/");
    assert_int_equal(ev->access.n_sent_to, 2);
    assert_string_equal(ev->access.sent_to_paths[0], "/2/7/");
    assert_string_equal(ev->access.sent_to_paths[1], "/3/");
    assert_int_equal(ev->refs, 1);
    bus_event_ref(ev);
    assert_int_equal(ev->refs, 2);
    bus_event_unref(ev);
    bus_event_unref(ev); /* freed: ASan reports it otherwise */
}

/* Rows a newer version or a careless producer might write: the frame stays one
 * event, the access item stays closed. */
static void test_bus_event_odd_rows(void **state)
{
    static const struct {
        const char *topic, *payload, *scope;
        int kind, classification;
        const char *frame, *owner;
        size_t n_sent;
        int want_kind, want_class;
    } cases[] = {
        /* no owner: the first slot is empty */
        {"a.b", "{}", " /2/7/", ITEM_OPERATIONAL, 0, "id: 5\nevent: a.b\ndata: {}\n\n", NULL, 1,
         ITEM_OPERATIONAL, 0},
        /* no paths at all, no payload */
        {"area.created", NULL, NULL, ITEM_AREA, 0, "id: 5\nevent: area.created\ndata: {}\n\n", NULL,
         0, ITEM_AREA, 0},
        /* owner only */
        {"x", "{}", "/1/", ITEM_UNIT, 0, "id: 5\nevent: x\ndata: {}\n\n", "/1/", 0, ITEM_UNIT, 0},
        /* line breaks cannot forge a second event or field */
        {"evil\nid: 99", "{\"a\":1}\n\nevent: fake\r\ndata: x", NULL, ITEM_AREA, 0,
         "id: 5\nevent: evil_id: 99\ndata: {\"a\":1}\ndata: \ndata: event: fake \ndata: data: "
         "x\n\n",
         NULL, 0, ITEM_AREA, 0},
        /* an unknown kind is shown to nobody */
        {"future.kind", "{}", "/1/", 17, 0, "id: 5\nevent: future.kind\ndata: {}\n\n", "/1/", 0,
         ITEM_OPERATIONAL, CLEARANCE_TOP_SECRET + 1},
        {"neg.kind", "{}", NULL, -1, 0, "id: 5\nevent: neg.kind\ndata: {}\n\n", NULL, 0,
         ITEM_OPERATIONAL, CLEARANCE_TOP_SECRET + 1},
    };
    (void)state;

    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        struct store_outbox_event r = row(5, cases[i].topic, cases[i].payload, cases[i].kind,
                                          cases[i].classification, cases[i].scope);
        struct bus_event *ev = bus_event_from_outbox(&r);
        if (ev->sse_len != strlen(cases[i].frame) ||
            memcmp(ev->sse, cases[i].frame, ev->sse_len) != 0)
            fail_msg("case %zu: frame [%.*s]", i, (int)ev->sse_len, ev->sse);
        if (cases[i].owner == NULL)
            assert_null(ev->access.owner_path);
        else
            assert_string_equal(ev->access.owner_path, cases[i].owner);
        assert_int_equal(ev->access.n_sent_to, cases[i].n_sent);
        assert_int_equal(ev->access.kind, cases[i].want_kind);
        assert_int_equal(ev->access.classification, cases[i].want_class);
        if (cases[i].payload == NULL)
            assert_null(ev->payload);
        bus_event_unref(ev);
    }
}

/* ---- who sees what ----------------------------------------------------------------- */

static void test_bus_event_visible(void **state)
{
    /* police: province /1/, district /1/2/, commune /1/2/3/; military province /4/ */
    static const struct core_user pc_viewer = {.person_id = 1,
                                               .username = "xa",
                                               .roles = ROLE_VIEWER,
                                               .clearance = CLEARANCE_UNCLASSIFIED,
                                               .unit_id = 3,
                                               .unit_path = "/1/2/3/",
                                               .force = "police"};
    static const struct core_user pd_duty = {.person_id = 2,
                                             .username = "huyen",
                                             .roles = ROLE_DUTY_OFFICER,
                                             .clearance = CLEARANCE_SECRET,
                                             .unit_id = 2,
                                             .unit_path = "/1/2/",
                                             .force = "police"};
    static const struct core_user pp_cmd = {.person_id = 3,
                                            .username = "tinh",
                                            .roles = ROLE_COMMANDER,
                                            .clearance = CLEARANCE_TOP_SECRET,
                                            .unit_id = 1,
                                            .unit_path = "/1/",
                                            .force = "police"};
    static const struct core_user mp_viewer = {.person_id = 4,
                                               .username = "qs",
                                               .roles = ROLE_VIEWER,
                                               .clearance = CLEARANCE_SECRET,
                                               .unit_id = 4,
                                               .unit_path = "/4/",
                                               .force = "military"};
    static const struct core_user mp_admin = {.person_id = 5,
                                              .username = "qs.qtv",
                                              .roles = ROLE_ADMIN,
                                              .clearance = CLEARANCE_SECRET,
                                              .unit_id = 4,
                                              .unit_path = "/4/",
                                              .force = "military"};
    static const struct core_user no_role = {.person_id = 6,
                                             .username = "none",
                                             .roles = 0,
                                             .clearance = CLEARANCE_TOP_SECRET,
                                             .unit_id = 1,
                                             .unit_path = "/1/",
                                             .force = "police"};
    const struct core_user *who[] = {&pc_viewer, &pd_duty,  &pp_cmd,
                                     &mp_viewer, &mp_admin, &no_role};
    static const struct {
        int kind, classification;
        const char *scope;
        bool want[6]; /* pc_viewer, pd_duty, pp_cmd, mp_viewer, mp_admin, no_role */
    } cases[] = {
        /* reference data and the directory: everyone with a role */
        {ITEM_AREA, 0, NULL, {true, true, true, true, true, false}},
        {ITEM_UNIT, 0, "/1/2/", {true, true, true, true, true, false}},
        {ITEM_PERSON, 0, "/4/", {true, true, true, true, true, false}},
        /* the audit log: admins only */
        {ITEM_AUDIT, 0, NULL, {false, false, false, false, false, false}},
        /* an unclassified incident led by the district: the district and above */
        {ITEM_OPERATIONAL, 0, "/1/2/", {false, true, true, false, false, false}},
        /* ... and sent to the military province: its people too (an admin reads
         * what was sent to its unit like anyone there) */
        {ITEM_OPERATIONAL, 0, "/1/2/ /4/", {false, true, true, true, true, false}},
        /* ... sent to the commune: the commune sees it (and its district through the owner) */
        {ITEM_OPERATIONAL, 0, "/1/2/ /1/2/3/", {true, true, true, false, false, false}},
        /* secret: clearance first, whatever the unit */
        {ITEM_OPERATIONAL,
         CLEARANCE_SECRET,
         "/1/2/ /1/2/3/ /4/",
         {false, true, true, true, true, false}},
        {ITEM_OPERATIONAL,
         CLEARANCE_TOP_SECRET,
         "/1/2/ /4/",
         {false, false, true, false, false, false}},
        /* no owner, sent to the military province only */
        {ITEM_OPERATIONAL, 0, " /4/", {false, false, false, true, true, false}},
        /* no paths at all: nobody with a unit */
        {ITEM_OPERATIONAL, 0, NULL, {false, false, false, false, false, false}},
        /* a kind this version does not know: nobody */
        {42, 0, "/1/", {false, false, false, false, false, false}},
    };
    (void)state;

    for (size_t i = 0; i < PH_NELEM(cases); i++) {
        struct store_outbox_event r =
            row(1, "t", "{}", cases[i].kind, cases[i].classification, cases[i].scope);
        struct bus_event *ev = bus_event_from_outbox(&r);
        for (size_t k = 0; k < PH_NELEM(who); k++) {
            if (bus_event_visible(who[k], ev) != cases[i].want[k])
                fail_msg("case %zu, %s: visible %d, want %d", i, who[k]->username,
                         bus_event_visible(who[k], ev), cases[i].want[k]);
        }
        assert_false(bus_event_visible(NULL, ev));
        bus_event_unref(ev);
    }
}

/* ---- delivery ---------------------------------------------------------------------- */

#define MAX_SEEN 2000

/* A subscriber that keeps a reference to everything it gets. */
struct collector {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct bus_event *seen[MAX_SEEN];
    size_t n;
    size_t batches;
    uint64_t batch_ns[MAX_SEEN]; /* time_mono_ns() at each batch's arrival */
};

static void on_deliver(void *ctx, struct bus_event *const *evs, size_t n)
{
    struct collector *c = ctx;

    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < n; i++) {
        bus_event_ref(evs[i]);
        if (c->n < MAX_SEEN)
            c->seen[c->n++] = evs[i];
        else
            bus_event_unref(evs[i]);
    }
    if (c->batches < MAX_SEEN)
        c->batch_ns[c->batches] = time_mono_ns();
    c->batches++;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

/* Wait (at most timeout_ms) until c holds at least want events; how many it holds. */
static size_t wait_for(struct collector *c, size_t want, int timeout_ms)
{
    struct timespec until;
    size_t n;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&c->mu);
    while (c->n < want && pthread_cond_timedwait(&c->cv, &c->mu, &until) == 0)
        ;
    n = c->n;
    pthread_mutex_unlock(&c->mu);
    return n;
}

/* What the test holds: a temporary database, a connection to write with, the bus,
 * two subscribers. */
struct fx {
    struct tu_tmpdb db;
    struct store *st;
    struct bus *bus;
    struct collector a, b;
};

static int fx_setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));

    if (f == NULL || tu_tmpdb_make(&f->db, "bus") != 0)
        return -1;
    /* Opening first creates the schema, so that the bus's connection does not race it. */
    if (store_open(f->db.dsn, &f->st) != PH_OK)
        return -1;
    pthread_mutex_init(&f->a.mu, NULL);
    pthread_cond_init(&f->a.cv, NULL);
    pthread_mutex_init(&f->b.mu, NULL);
    pthread_cond_init(&f->b.cv, NULL);
    *state = f;
    return 0;
}

static void collector_release(struct collector *c)
{
    for (size_t i = 0; i < c->n; i++)
        bus_event_unref(c->seen[i]);
    c->n = 0;
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
}

static int fx_teardown(void **state)
{
    struct fx *f = *state;

    bus_stop(f->bus); /* NULL when the test stopped it */
    collector_release(&f->a);
    collector_release(&f->b);
    store_close(f->st);
    (void)tu_tmpdb_remove(&f->db);
    free(f);
    return 0;
}

/* Insert n rows "t.<k>" (k from first) in one transaction on f's connection; the
 * last id. */
static int64_t insert_rows(struct fx *f, int first, int n)
{
    int64_t id = 0;

    assert_int_equal(store_tx_begin(f->st), PH_OK);
    for (int k = first; k < first + n; k++) {
        char topic[32], payload[64];
        snprintf(topic, sizeof(topic), "t.%d", k);
        snprintf(payload, sizeof(payload), "{\"k\":%d}", k);
        struct store_outbox_event r = row(0, topic, payload, ITEM_OPERATIONAL, k % 4, "/1/ /2/");
        assert_int_equal(store_outbox_insert(f->st, &r, &id), PH_OK);
    }
    assert_int_equal(store_tx_commit(f->st), PH_OK);
    return id;
}

/* c holds exactly the rows first .. first+n-1, in order, each once. */
static void expect_rows(struct collector *c, size_t from, int first, int n)
{
    pthread_mutex_lock(&c->mu);
    assert_int_equal(c->n, from + (size_t)n);
    for (int k = 0; k < n; k++) {
        struct bus_event *ev = c->seen[from + (size_t)k];
        char topic[32];
        snprintf(topic, sizeof(topic), "t.%d", first + k);
        assert_string_equal(ev->topic, topic);
        assert_int_equal(ev->access.classification, (first + k) % 4);
        assert_string_equal(ev->access.owner_path, "/1/");
        if (from + (size_t)k > 0)
            assert_true(ev->id == c->seen[from + (size_t)k - 1]->id + 1);
    }
    pthread_mutex_unlock(&c->mu);
}

static void test_bus_delivers_in_order_once(void **state)
{
    struct fx *f = *state;
    int64_t last;

    /* Rows from before the start are history: the stream's replay reads them. */
    (void)insert_rows(f, 0, 3);
    assert_int_equal(bus_start(f->db.dsn, &f->bus), PH_OK);
    bus_subscribe(f->bus, on_deliver, &f->a);
    bus_subscribe(f->bus, on_deliver, &f->b);
    assert_int_equal(bus_last_id(f->bus), 0);

    last = insert_rows(f, 3, 5);
    bus_notify(f->bus);
    assert_int_equal(wait_for(&f->a, 5, 5000), 5);
    assert_int_equal(wait_for(&f->b, 5, 5000), 5);
    expect_rows(&f->a, 0, 3, 5);
    expect_rows(&f->b, 0, 3, 5);

    /* More than a page (256) in one commit, notified several times: still each once. */
    last = insert_rows(f, 8, 600);
    bus_notify(f->bus);
    bus_notify(f->bus);
    bus_notify(f->bus);
    assert_int_equal(wait_for(&f->a, 605, 10000), 605);
    assert_int_equal(wait_for(&f->b, 605, 10000), 605);
    /* Extra notifications with nothing new deliver nothing. */
    bus_notify(f->bus);
    assert_int_equal(wait_for(&f->a, 606, 300), 605);
    expect_rows(&f->a, 0, 3, 605);
    expect_rows(&f->b, 0, 3, 605);
    assert_int_equal(bus_last_id(f->bus), last);
    /* The subscribers' references plus none of the bus's: the bus dropped its own. */
    pthread_mutex_lock(&f->a.mu);
    assert_int_equal(f->a.seen[0]->refs, 2);
    pthread_mutex_unlock(&f->a.mu);
}

/* Held (a writer whose commits are visible before they are durable): committed
 * rows above the id the hook gives wait, even past the idle poll, and arrive up
 * to that id once it moves; INT64_MAX lets everything through. */
static void test_bus_hold_until_durable(void **state)
{
    struct fx *f = *state;

    assert_int_equal(bus_start(f->db.dsn, &f->bus), PH_OK);
    bus_subscribe(f->bus, on_deliver, &f->a);
    assert_int_equal(bus_deliverable(f->bus), INT64_MAX); /* no writer holds it */
    bus_committed(f->bus, 0, false); /* nothing deliverable, and no wake */
    assert_int_equal(bus_deliverable(f->bus), 0);
    int64_t last = insert_rows(f, 0, 5);
    bus_notify(f->bus);
    assert_int_equal(wait_for(&f->a, 1, 1500), 0); /* the idle poll (1 s) came and went */
    bus_committed(f->bus, last - 2, true);
    assert_int_equal(wait_for(&f->a, 3, 5000), 3);
    assert_int_equal(wait_for(&f->a, 4, 300), 3);
    bus_committed(f->bus, last - 2, true); /* the same again: nothing more */
    assert_int_equal(wait_for(&f->a, 4, 300), 3);
    bus_committed(f->bus, INT64_MAX, true);
    assert_int_equal(wait_for(&f->a, 5, 5000), 5);
    last = insert_rows(f, 5, 2);
    bus_notify(f->bus);
    assert_int_equal(wait_for(&f->a, 7, 5000), 7);
    assert_int_equal(wait_for(&f->a, 8, 300), 7); /* and the bus has noted them */
    expect_rows(&f->a, 0, 0, 7);
    assert_int_equal(bus_last_id(f->bus), last);
}

/* Rows another process commits (no hook of ours announces them) arrive by the
 * idle poll within about a second. */
static void test_bus_idle_poll(void **state)
{
    struct fx *f = *state;

    assert_int_equal(bus_start(f->db.dsn, &f->bus), PH_OK);
    bus_subscribe(f->bus, on_deliver, &f->a);
    (void)insert_rows(f, 0, 2);
    assert_int_equal(wait_for(&f->a, 2, 5000), 2);
    expect_rows(&f->a, 0, 0, 2);
}

/* A subscriber added later gets what comes after, not what went before. */
static void test_bus_subscribe_late(void **state)
{
    struct fx *f = *state;

    assert_int_equal(bus_start(f->db.dsn, &f->bus), PH_OK);
    bus_subscribe(f->bus, on_deliver, &f->a);
    (void)insert_rows(f, 0, 2);
    bus_notify(f->bus);
    assert_int_equal(wait_for(&f->a, 2, 5000), 2);
    bus_subscribe(f->bus, on_deliver, &f->b);
    (void)insert_rows(f, 2, 3);
    bus_notify(f->bus);
    assert_int_equal(wait_for(&f->a, 5, 5000), 5);
    assert_int_equal(wait_for(&f->b, 3, 5000), 3);
    expect_rows(&f->a, 0, 0, 5);
    expect_rows(&f->b, 0, 2, 3);
}

/* Rounds start at least the gap apart: a notification right after a round waits
 * for the gap's end; one after a quiet spell goes at once; bus_stop does not wait
 * for a gap to end. */
static void test_bus_rounds_spaced(void **state)
{
    struct fx *f = *state;
    const int gap_ms = 1000;
    uint64_t rounds = 0, spaced = 0, spaced_before = 0;

    assert_int_equal(bus_start(f->db.dsn, &f->bus), PH_OK);
    bus_set_min_gap(f->bus, gap_ms);
    bus_subscribe(f->bus, on_deliver, &f->a);
    (void)insert_rows(f, 0, 1);
    /* The first round begins after this; the second a gap after the first. */
    uint64_t before_first = time_mono_ns();
    bus_notify(f->bus);
    assert_int_equal(wait_for(&f->a, 1, 5000), 1);
    (void)insert_rows(f, 1, 2);
    bus_notify(f->bus);
    assert_int_equal(wait_for(&f->a, 3, 5000), 3);
    expect_rows(&f->a, 0, 0, 3);
    pthread_mutex_lock(&f->a.mu);
    assert_int_equal(f->a.batches, 2);
    uint64_t second_ms = (f->a.batch_ns[1] - before_first) / 1000000u;
    pthread_mutex_unlock(&f->a.mu);
    if (second_ms < (uint64_t)gap_ms)
        fail_msg("the second round came %" PRIu64 " ms after the first notification; the gap is %d ms",
                 second_ms, gap_ms);
    bus_rounds(f->bus, &rounds, &spaced);
    assert_true(spaced >= 1);
    assert_true(rounds >= 2);

    /* After a quiet spell longer than the gap, a lone event does not wait. */
    struct timespec quiet = {(gap_ms + 200) / 1000, (long)((gap_ms + 200) % 1000) * 1000000L};
    nanosleep(&quiet, NULL);
    bus_rounds(f->bus, &rounds, &spaced_before);
    (void)insert_rows(f, 3, 1);
    bus_notify(f->bus);
    assert_int_equal(wait_for(&f->a, 4, 5000), 4);
    bus_rounds(f->bus, &rounds, &spaced);
    assert_int_equal(spaced, spaced_before);

    /* Stopping in the middle of a long gap returns at once, not at its end. */
    bus_set_min_gap(f->bus, 60000);
    (void)insert_rows(f, 4, 1);
    bus_notify(f->bus);
    uint64_t t0 = time_mono_ns();
    bus_stop(f->bus);
    f->bus = NULL;
    assert_true(time_mono_ns() - t0 < 10000000000u);
    expect_rows(&f->a, 0, 0, 4); /* the row notified in the gap was not handed out */
}

/* ---- through the writer ------------------------------------------------------------ */

struct emit_job {
    struct write_job job;
    int k;
    bool fail;
    pthread_mutex_t *mu;
    pthread_cond_t *cv;
    int *done;
};

static ph_err run_emit(struct core_ctx *cx, void *arg)
{
    struct emit_job *j = arg;
    char topic[32];
    const char *paths[] = {"/2/"};
    struct access_item scope = {.kind = ITEM_OPERATIONAL,
                                .owner_path = "/1/",
                                .classification = j->k % 4,
                                .sent_to_paths = paths,
                                .n_sent_to = 1};
    ph_err rc;

    snprintf(topic, sizeof(topic), "t.%d", j->k);
    rc = outbox_emit_scoped(cx, arena_strdup(cx->arena, topic), "incident", j->k,
                            json_pack("{s:i}", "k", j->k), &scope);
    return rc == PH_OK && j->fail ? PH_EINVAL : rc; /* a failed job's event is undone */
}

static void on_emit_done(struct write_job *job)
{
    struct emit_job *j = (struct emit_job *)job;

    pthread_mutex_lock(j->mu);
    (*j->done)++;
    pthread_cond_signal(j->cv);
    pthread_mutex_unlock(j->mu);
}

static void test_bus_after_writer_commit(void **state)
{
    struct fx *f = *state;
    struct writer *w = NULL;
    struct emit_job jobs[6];
    pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
    int done = 0;

    assert_int_equal(writer_start(f->db.dsn, &w), PH_OK);
    assert_int_equal(bus_start(f->db.dsn, &f->bus), PH_OK);
    bus_attach(f->bus, w);
    bus_subscribe(f->bus, on_deliver, &f->a);
    for (int i = 0; i < 6; i++) {
        jobs[i] = (struct emit_job){.job = {.run = run_emit,
                                            .done = on_emit_done,
                                            .user = core_system_user,
                                            .client = "test"},
                                    .k = i,
                                    .fail = i == 2,
                                    .mu = &mu,
                                    .cv = &cv,
                                    .done = &done};
        jobs[i].job.arg = &jobs[i];
        arena_init(&jobs[i].job.arena);
        assert_int_equal(writer_submit(w, &jobs[i].job), PH_OK);
    }
    pthread_mutex_lock(&mu);
    while (done < 6)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    /* The hook ran before the jobs' done(): the events are on their way; the idle
     * poll alone would take up to a second, so wait less than that. */
    assert_int_equal(wait_for(&f->a, 5, 900), 5);
    assert_int_equal(wait_for(&f->a, 6, 300), 5);
    pthread_mutex_lock(&f->a.mu);
    static const int want[] = {0, 1, 3, 4, 5};
    for (size_t i = 0; i < PH_NELEM(want); i++) {
        char topic[32];
        snprintf(topic, sizeof(topic), "t.%d", want[i]);
        assert_string_equal(f->a.seen[i]->topic, topic);
        assert_string_equal(f->a.seen[i]->access.owner_path, "/1/");
        assert_int_equal(f->a.seen[i]->access.n_sent_to, 1);
        assert_string_equal(f->a.seen[i]->access.sent_to_paths[0], "/2/");
        assert_int_equal(f->a.seen[i]->access.classification, want[i] % 4);
        if (i > 0)
            assert_true(f->a.seen[i]->id > f->a.seen[i - 1]->id);
    }
    pthread_mutex_unlock(&f->a.mu);
    writer_set_on_commit(w, NULL, NULL);
    bus_stop(f->bus);
    f->bus = NULL;
    writer_stop(w);
    for (int i = 0; i < 6; i++)
        arena_release(&jobs[i].job.arena);
}

/* ---- the scheduler ----------------------------------------------------------------- */

/* With nothing due it sleeps; stop must still return at once, not after its sleep. */
static void test_scheduler_stops_promptly(void **state)
{
    struct fx *f = *state;
    struct writer *w = NULL;
    struct scheduler *s = NULL;
    uint64_t runs = 1, marked = 1, t0;

    assert_int_equal(writer_start(f->db.dsn, &w), PH_OK);
    assert_int_equal(bus_start(f->db.dsn, &f->bus), PH_OK);
    bus_attach(f->bus, w);
    assert_int_equal(scheduler_start(f->db.dsn, w, f->bus, &s), PH_OK);
    /* An event that wakes it (nothing is due: it only looks again). */
    assert_int_equal(store_tx_begin(f->st), PH_OK);
    struct store_outbox_event r = row(0, "incident.created", "{}", ITEM_OPERATIONAL, 0, "/1/");
    int64_t id;
    assert_int_equal(store_outbox_insert(f->st, &r, &id), PH_OK);
    assert_int_equal(store_tx_commit(f->st), PH_OK);
    bus_notify(f->bus);
    struct timespec pause = {0, 200 * 1000 * 1000};
    nanosleep(&pause, NULL);
    scheduler_stats(s, &runs, &marked);
    assert_int_equal(runs, 0); /* nothing was due: no write job */
    assert_int_equal(marked, 0);

    writer_set_on_commit(w, NULL, NULL);
    bus_stop(f->bus);
    f->bus = NULL;
    t0 = time_mono_ns();
    scheduler_stop(s);
    assert_true(time_mono_ns() - t0 < 1000u * 1000 * 1000);
    writer_stop(w);
}

/* Events of topic in c. */
static size_t count_topic(struct collector *c, const char *topic)
{
    size_t n = 0;
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < c->n; i++)
        n += strcmp(c->seen[i]->topic, topic) == 0;
    pthread_mutex_unlock(&c->mu);
    return n;
}

static uint64_t marked_of(struct scheduler *s)
{
    uint64_t runs, marked;
    scheduler_stats(s, &runs, &marked);
    return marked;
}

/* Wait up to ms for the scheduler's marked count to exceed before; the count. */
static uint64_t wait_marked(struct scheduler *s, uint64_t before, int ms)
{
    uint64_t until = time_mono_ns() + (uint64_t)ms * 1000000u;
    struct timespec pause = {0, 20 * 1000 * 1000};
    while (marked_of(s) <= before && time_mono_ns() < until)
        nanosleep(&pause, NULL);
    return marked_of(s);
}

/* A crime in a commune as the district's duty officer, filed now_ms ago (as if
 * then): the lead's "received" is due 30 minutes after it. Written on the test's
 * own connection, as another process would; the caller notifies the bus. */
static int64_t file_crime(struct core_ctx *sys, int64_t unit, int64_t area, int64_t filed_at)
{
    struct core_user who =
        tu_user_at(sys, unit, ROLE_DUTY_OFFICER | ROLE_REPORTER, CLEARANCE_SECRET);
    struct core_ctx cx = *sys;
    struct incident inc;

    cx.user = &who;
    cx.now_ms = filed_at;
    inc = ifx_inc(&cx, ifx_category(sys, "crime"), area, "Trộm cắp tài sản");
    return ifx_create(&cx, &inc);
}

/* The scheduler end to end, on the writer and the bus: stages already late at
 * start are marked at once (with their events); a new late incident's event wakes
 * it; a deadline a moment ahead is met when it falls, not before. */
static void test_scheduler_marks_overdue(void **state)
{
    struct fx *f = *state;
    struct arena a;
    struct core_ctx sys;
    struct writer *w = NULL;
    struct scheduler *s = NULL;
    int64_t now = time_now_ms(), prov, dist, comm, ca, ca_h, ca_x;
    uint64_t m0, m1;

    arena_init(&a);
    sys = tu_ctx(f->st, &a, &core_system_user);
    prov = ifx_area(&sys, "83", "Tỉnh Bến Tre", "province", "coastal", 0,
                    IFX_SQUARE(105.5, 9.5, 107, 10.5));
    dist = ifx_area(&sys, "829", "Huyện Bình Đại", "district", "coastal", prov,
                    IFX_SQUARE(105.9, 9.9, 106.5, 10.3));
    comm = ifx_area(&sys, "28753", "Xã Bình Thắng", "commune", "inland", dist,
                    IFX_SQUARE(106.0, 10.0, 106.1, 10.1));
    ca = ifx_unit(&sys, "CA-BT", "Công an tỉnh Bến Tre", "police", "province", 0, prov);
    ca_h = ifx_unit(&sys, "CA-H-BD", "Công an huyện Bình Đại", "police", "district", ca, dist);
    ca_x = ifx_unit(&sys, "CA-X-BT", "Công an xã Bình Thắng", "police", "commune", ca_h, comm);
    (void)ifx_unit(&sys, "QS-BT", "Bộ CHQS tỉnh Bến Tre", "military", "province", 0, prov);
    (void)ifx_unit(&sys, "BP-BT", "Bộ Chỉ huy BĐBP tỉnh Bến Tre", "border_guard", "province", 0,
                   prov);
    (void)ifx_person(&sys, "chihuy.ca.bd", "Nguyễn Văn Cường", ca_h, ROLE_COMMANDER);
    (void)ca_x;
    /* Filed three hours ago: every stage late already when the scheduler starts. */
    (void)file_crime(&sys, ca_h, comm, now - 180 * IFX_MIN);

    assert_int_equal(writer_start(f->db.dsn, &w), PH_OK);
    assert_int_equal(bus_start(f->db.dsn, &f->bus), PH_OK);
    bus_attach(f->bus, w);
    bus_subscribe(f->bus, on_deliver, &f->a);
    assert_int_equal(scheduler_start(f->db.dsn, w, f->bus, &s), PH_OK);
    m0 = wait_marked(s, 0, 5000);
    assert_true(m0 >= 1);
    assert_true(wait_for(&f->a, 2, 5000) >= 2); /* the job's commit woke the bus */
    assert_true(count_topic(&f->a, "incident.overdue") >= 1);
    assert_true(count_topic(&f->a, "incident.escalated") >= 1);

    /* Late on arrival (another process filed it): its "incident.created" wakes the
     * scheduler, which otherwise sleeps for minutes with nothing due. */
    (void)file_crime(&sys, ca_h, comm, time_now_ms() - 45 * IFX_MIN);
    bus_notify(f->bus);
    m1 = wait_marked(s, m0, 5000);
    assert_true(m1 > m0);

    /* Due in 1.5 s: not marked before, marked soon after. */
    (void)file_crime(&sys, ca_h, comm, time_now_ms() - 30 * IFX_MIN + 1500);
    bus_notify(f->bus);
    struct timespec pause = {0, 800 * 1000 * 1000};
    nanosleep(&pause, NULL);
    assert_int_equal(marked_of(s), m1);
    assert_true(wait_marked(s, m1, 5000) > m1);

    writer_set_on_commit(w, NULL, NULL);
    bus_stop(f->bus);
    f->bus = NULL;
    scheduler_stop(s);
    writer_stop(w);
    arena_release(&a);
}

/* One incident of category cat at (lon, lat) occurring at 'at', filed now by a
 * duty officer of unit (as another process would: the test's connection). */
static void file_at(struct core_ctx *sys, int64_t unit, int64_t cat, double lon, double lat,
                    int64_t at)
{
    struct core_user who =
        tu_user_at(sys, unit, ROLE_DUTY_OFFICER | ROLE_REPORTER, CLEARANCE_SECRET);
    struct core_ctx cx = *sys;
    struct incident inc;

    cx.user = &who;
    cx.now_ms = time_now_ms();
    inc = ifx_inc(&cx, cat, 0, "Vụ việc thử");
    inc.has_location = true;
    inc.lon = lon;
    inc.lat = lat;
    inc.occurred_at = at;
    (void)ifx_create(&cx, &inc);
}

/* The hot-spot early warning through the scheduler: the analysis on its read
 * connection, the record as a writer job. A crime cluster of the last days over
 * a quarter's background becomes one record, announced on the bus; the runs after
 * it find the place recorded, make no other, and do not touch the writer. */
static void test_scheduler_hotspots(void **state)
{
    struct fx *f = *state;
    struct arena a;
    struct core_ctx sys;
    struct writer *w = NULL;
    struct scheduler *s = NULL;
    const int64_t day = 24 * 60 * IFX_MIN, now = time_now_ms();
    const struct hotspot_detect_params hp = {.window_ms = 12 * 7 * day,
                                             .slice_ms = 7 * day,
                                             .cell_m = 2000,
                                             .band_m = 3000,
                                             .alpha = 0.05};
    uint32_t seed = 4242;
    int64_t prov, dist, comm, ca, ca_h, crime, other;

    arena_init(&a);
    sys = tu_ctx(f->st, &a, &core_system_user);
    prov = ifx_area(&sys, "83", "Tỉnh Bến Tre", "province", "coastal", 0,
                    IFX_SQUARE(105.5, 9.5, 107, 10.5));
    dist = ifx_area(&sys, "829", "Huyện Bình Đại", "district", "coastal", prov,
                    IFX_SQUARE(105.9, 9.9, 106.5, 10.3));
    comm = ifx_area(&sys, "28753", "Xã Bình Thắng", "commune", "inland", dist,
                    IFX_SQUARE(106.0, 10.0, 106.1, 10.1));
    ca = ifx_unit(&sys, "CA-BT", "Công an tỉnh Bến Tre", "police", "province", 0, prov);
    ca_h = ifx_unit(&sys, "CA-H-BD", "Công an huyện Bình Đại", "police", "district", ca, dist);
    (void)ifx_unit(&sys, "CA-X-BT", "Công an xã Bình Thắng", "police", "commune", ca_h, comm);
    crime = ifx_category(&sys, "crime");
    other = ifx_category(&sys, "other");
    /* Background over the district all quarter, none within ~6 km of the cluster. */
    for (int i = 0; i < 60; i++) {
        double u[3];
        for (int k = 0; k < 3; k++) {
            seed = seed * 1664525u + 1013904223u;
            u[k] = (double)(seed >> 8) / 16777216.0;
        }
        double lon = 105.92 + u[0] * 0.56, lat = 9.92 + u[1] * 0.36;
        if (fabs(lon - 106.05) < 0.06 && fabs(lat - 10.05) < 0.06) {
            i--;
            continue;
        }
        file_at(&sys, ca_h, other, lon, lat,
                now - 12 * 7 * day + (int64_t)(u[2] * 83.0 * (double)day));
    }
    /* 25 crimes within ~200 m in the last five days. */
    for (int i = 0; i < 25; i++) {
        double u[3];
        for (int k = 0; k < 3; k++) {
            seed = seed * 1664525u + 1013904223u;
            u[k] = (double)(seed >> 8) / 16777216.0;
        }
        file_at(&sys, ca_h, crime, 106.05 + (u[0] - 0.5) * 0.004, 10.05 + (u[1] - 0.5) * 0.004,
                now - 5 * day + (int64_t)(u[2] * 4.0 * (double)day));
    }

    assert_int_equal(writer_start(f->db.dsn, &w), PH_OK);
    assert_int_equal(bus_start(f->db.dsn, &f->bus), PH_OK);
    bus_attach(f->bus, w);
    bus_subscribe(f->bus, on_deliver, &f->a);
    assert_int_equal(scheduler_start(f->db.dsn, w, f->bus, &s), PH_OK);
    scheduler_set_hotspots(s, &hp, 200);
    uint64_t until = time_mono_ns() + 30ull * 1000 * 1000 * 1000;
    struct timespec pause = {0, 50 * 1000 * 1000};
    while (count_topic(&f->a, "hotspot.detected") == 0 && time_mono_ns() < until)
        nanosleep(&pause, NULL);
    assert_int_equal(count_topic(&f->a, "hotspot.detected"), 1);
    uint64_t batches, jobs0, jobs1;
    writer_stats(w, &batches, &jobs0);

    /* Runs go on every 200 ms: the place is recorded, nothing more, and a run
     * that finds nothing gives the writer no job at all. */
    struct timespec more = {1, 0};
    nanosleep(&more, NULL);
    scheduler_set_hotspots(s, NULL, 0);
    writer_stats(w, &batches, &jobs1);
    assert_int_equal(jobs1, jobs0);
    struct hotspot_filter all = {.limit = 10};
    struct hotspot *items = NULL;
    size_t n = 0;
    bool has_more = false;
    assert_int_equal(hotspot_list(&sys, &all, &items, &n, &has_more), PH_OK);
    assert_int_equal(n, 1);
    assert_string_equal(items[0].categories, "crime");
    assert_int_equal(items[0].area_id, comm);
    assert_true(items[0].incident_count >= 20);
    assert_int_equal(count_topic(&f->a, "hotspot.detected"), 1);

    writer_set_on_commit(w, NULL, NULL);
    bus_stop(f->bus);
    f->bus = NULL;
    scheduler_stop(s);
    writer_stop(w);
    arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bus_event_frame),
        cmocka_unit_test(test_bus_event_odd_rows),
        cmocka_unit_test(test_bus_event_visible),
        cmocka_unit_test_setup_teardown(test_bus_delivers_in_order_once, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_bus_hold_until_durable, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_bus_idle_poll, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_bus_subscribe_late, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_bus_rounds_spaced, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_bus_after_writer_commit, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_scheduler_stops_promptly, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_scheduler_marks_overdue, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_scheduler_hotspots, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
