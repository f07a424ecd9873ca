/* test_cluster.c - several nodes on one database (events/cluster.h):
 * - the position payload: a round trip keeps every field (NaN, NULL and -1 for
 *   "not given", text that needs escaping), many fixes pack into payloads that
 *   all fit PostgreSQL's limit and lose none, a fix too large for any payload or
 *   without a valid uid is refused, malformed payloads are refused;
 * - with PHOIHOP_TEST_PG (a PostgreSQL server): two "nodes" in this process (a
 *   bus, a hub and a cluster each, on one database): fixes published on A's hub
 *   reach B's and are not echoed back to A, an outbox row committed by a third
 *   connection wakes both buses through the notification; and two schedulers:
 *   exactly one leads, and when it stops the other leads within a few seconds.
 *   Without the variable those two are skipped (SQLite has one node). */
#include "util/base.h"
#include <math.h>
#include <pthread.h>
#include <time.h>
#include "testutil.h"
#include "core/writer.h"
#include "events/bus.h"
#include "events/cluster.h"
#include "events/livepos.h"
#include "events/scheduler.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/time.h"

static const char node_a[] = "00000000000000aa";

static struct livepos_fix fix(int64_t device, const char *uid)
{
    struct livepos_fix f = {.device_id = device,
                            .uid = uid,
                            .callsign = "Tuần tra \"1\"",
                            .person_id = 7,
                            .unit_id = 3,
                            .unit_path = "/1/3/",
                            .force = "police",
                            .at = 1764000000123,
                            .lat = 10.123456,
                            .lon = 106.654321,
                            .speed = 1.5,
                            .course = 90,
                            .alt = 12.25,
                            .battery = 77,
                            .source = "cot"};
    return f;
}

static void assert_same_fix(const struct livepos_fix *a, const struct livepos_fix *b)
{
    assert_int_equal(a->device_id, b->device_id);
    assert_string_equal(a->uid, b->uid);
    if (a->callsign == NULL)
        assert_null(b->callsign);
    else
        assert_string_equal(a->callsign, b->callsign);
    assert_int_equal(a->person_id, b->person_id);
    assert_int_equal(a->unit_id, b->unit_id);
    if (a->unit_path == NULL)
        assert_null(b->unit_path);
    else
        assert_string_equal(a->unit_path, b->unit_path);
    assert_string_equal(a->force, b->force);
    assert_int_equal(a->at, b->at);
    assert_true(a->lat == b->lat && a->lon == b->lon);
    assert_true(isnan(a->speed) ? isnan(b->speed) : a->speed == b->speed);
    assert_true(isnan(a->course) ? isnan(b->course) : a->course == b->course);
    assert_true(isnan(a->alt) ? isnan(b->alt) : a->alt == b->alt);
    assert_int_equal(a->battery, b->battery);
    assert_string_equal(a->source, b->source);
}

/* ---- the payload -------------------------------------------------------------------- */

static void test_pos_round_trip(void **state)
{
    struct livepos_fix in[2] = {fix(1, "ANDROID-a\\b\"c\nd"), fix(2, "Thiết-bị-2")};
    struct livepos_fix *out = NULL;
    char node[CLUSTER_NODE_ID_BYTES];
    struct arena a;
    struct buf b;
    size_t n = 0;
    (void)state;

    in[1].callsign = NULL;
    in[1].unit_path = NULL;
    in[1].speed = NAN;
    in[1].course = NAN;
    in[1].alt = NAN;
    in[1].battery = -1;
    buf_init(&b, CLUSTER_PAYLOAD_MAX + 1);
    arena_init(&a);
    assert_int_equal(cluster_pos_encode(node_a, in, 2, &b), 2);
    assert_true(b.len <= CLUSTER_PAYLOAD_MAX);
    assert_int_equal(cluster_pos_decode(b.data, &a, node, &out, &n), PH_OK);
    assert_string_equal(node, node_a);
    assert_int_equal(n, 2);
    assert_same_fix(&in[0], &out[0]);
    assert_same_fix(&in[1], &out[1]);
    assert_int_equal(cluster_pos_encode(node_a, in, 0, &b), 0);
    arena_release(&a);
    buf_release(&b);
}

static void test_pos_packing(void **state)
{
    enum { N = 400 };
    struct livepos_fix *in = calloc(N, sizeof(*in));
    char(*uids)[160] = calloc(N, sizeof(*uids));
    struct buf b;
    size_t done = 0, payloads = 0;
    (void)state;

    for (size_t i = 0; i < N; i++) {
        memset(uids[i], 'x', sizeof(uids[i]) - 1);
        snprintf(uids[i], 16, "dev-%05zu-", i);
        uids[i][strlen(uids[i])] = 'x'; /* keep the long tail after the number */
        in[i] = fix((int64_t)i + 1, uids[i]);
    }
    buf_init(&b, CLUSTER_PAYLOAD_MAX + 1);
    while (done < N) {
        struct livepos_fix *out = NULL;
        char node[CLUSTER_NODE_ID_BYTES];
        struct arena a;
        size_t n = 0, took = cluster_pos_encode(node_a, in + done, N - done, &b);
        assert_true(took > 1); /* several fixes a notification */
        assert_true(b.len <= CLUSTER_PAYLOAD_MAX);
        arena_init(&a);
        assert_int_equal(cluster_pos_decode(b.data, &a, node, &out, &n), PH_OK);
        assert_int_equal(n, took);
        for (size_t i = 0; i < n; i++)
            assert_same_fix(&in[done + i], &out[i]);
        arena_release(&a);
        done += took;
        payloads++;
    }
    assert_int_equal(done, N);
    assert_true(payloads > 1 && payloads < N / 4);
    buf_release(&b);
    free(uids);
    free(in);
}

/* A fix too large for any payload, or without a uid the other side can read. */
static void test_pos_unsendable(void **state)
{
    char *huge = malloc(CLUSTER_PAYLOAD_MAX + 10);
    struct livepos_fix in[2];
    struct buf b;
    (void)state;

    memset(huge, 'u', CLUSTER_PAYLOAD_MAX + 9);
    huge[CLUSTER_PAYLOAD_MAX + 9] = '\0';
    in[0] = fix(1, huge);
    in[1] = fix(2, "small");
    buf_init(&b, CLUSTER_PAYLOAD_MAX + 1);
    assert_int_equal(cluster_pos_encode(node_a, in, 2, &b), 0);
    assert_int_equal(cluster_pos_encode(node_a, in + 1, 1, &b), 1);
    in[0].uid = "bad-\xff-utf8"; /* the other side could not take it */
    assert_int_equal(cluster_pos_encode(node_a, in, 2, &b), 0);
    in[0].uid = NULL;
    assert_int_equal(cluster_pos_encode(node_a, in, 2, &b), 0);
    buf_release(&b);
    free(huge);
}

static void test_pos_malformed(void **state)
{
    static const char *const bad[] = {
        "",
        "not json",
        "[]",
        "{\"n\":\"short\",\"f\":[]}",
        "{\"n\":\"00000000000000aa\"}",
        "{\"n\":\"00000000000000aa\",\"f\":{}}",
        "{\"n\":\"00000000000000aa\",\"f\":[1]}",
        "{\"n\":\"00000000000000aa\",\"f\":[{\"d\":1,\"la\":1,\"lo\":2}]}",    /* no uid */
        "{\"n\":\"00000000000000aa\",\"f\":[{\"d\":1,\"u\":\"x\",\"la\":1}]}", /* no lon */
    };
    char node[CLUSTER_NODE_ID_BYTES];
    struct livepos_fix *out = NULL;
    size_t n = 0;
    (void)state;

    for (size_t i = 0; i < PH_NELEM(bad); i++) {
        struct arena a;
        arena_init(&a);
        assert_int_equal(cluster_pos_decode(bad[i], &a, node, &out, &n), PH_EPARSE);
        arena_release(&a);
    }
}

/* ---- two nodes on PostgreSQL ------------------------------------------------------- */

/* What a hub or a bus handed over, counted. */
struct counter {
    pthread_mutex_t mu;
    size_t fixes, events;
    int64_t last_device;
};

static void count_fixes(void *ctx, const struct livepos_fix *fixes, size_t n)
{
    struct counter *c = ctx;
    pthread_mutex_lock(&c->mu);
    c->fixes += n;
    if (n > 0)
        c->last_device = fixes[n - 1].device_id;
    pthread_mutex_unlock(&c->mu);
}

static void count_events(void *ctx, struct bus_event *const *evs, size_t n)
{
    struct counter *c = ctx;
    (void)evs;
    pthread_mutex_lock(&c->mu);
    c->events += n;
    pthread_mutex_unlock(&c->mu);
}

static size_t read_count(struct counter *c, bool events)
{
    size_t v;
    pthread_mutex_lock(&c->mu);
    v = events ? c->events : c->fixes;
    pthread_mutex_unlock(&c->mu);
    return v;
}

static void pause_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Wait up to ms for the count to reach want. */
static bool wait_count(struct counter *c, bool events, size_t want, int ms)
{
    for (int waited = 0; waited < ms; waited += 10) {
        if (read_count(c, events) >= want)
            return true;
        pause_ms(10);
    }
    return read_count(c, events) >= want;
}

struct node {
    struct bus *bus;
    struct livepos *hub;
    struct cluster *cluster;
    struct counter fixes, events;
};

static void node_start(struct node *n, const char *dsn)
{
    memset(n, 0, sizeof(*n));
    pthread_mutex_init(&n->fixes.mu, NULL);
    pthread_mutex_init(&n->events.mu, NULL);
    n->hub = livepos_create();
    livepos_subscribe(n->hub, count_fixes, &n->fixes);
    assert_int_equal(bus_start(dsn, &n->bus), PH_OK);
    bus_subscribe(n->bus, count_events, &n->events);
    assert_int_equal(cluster_start(dsn, n->bus, n->hub, &n->cluster), PH_OK);
}

static void node_stop(struct node *n)
{
    cluster_stop(n->cluster);
    bus_stop(n->bus);
    livepos_destroy(n->hub);
    pthread_mutex_destroy(&n->fixes.mu);
    pthread_mutex_destroy(&n->events.mu);
}

static bool pg_dsn(char *dsn, size_t size)
{
    return tu_pg_dsn(dsn, size);
}

static void test_cluster_two_nodes(void **state)
{
    struct livepos_fix fx[3] = {fix(11, "dev-11"), fix(12, "dev-12"), fix(13, "dev-13")};
    struct node a, b;
    struct store *st = NULL;
    char dsn[256];
    struct buf m;
    (void)state;

    if (!pg_dsn(dsn, sizeof(dsn)))
        skip();
    assert_int_equal(store_open(dsn, &st), PH_OK); /* the schema, before the threads */
    assert_true(store_shared(st));
    node_start(&a, dsn);
    node_start(&b, dsn);

    /* A's fixes reach B's hub once, and never come back to A's. */
    livepos_publish(a.hub, fx, 3);
    assert_true(wait_count(&b.fixes, false, 3, 5000));
    pause_ms(300);
    assert_int_equal(read_count(&b.fixes, false), 3);
    assert_int_equal(read_count(&a.fixes, false), 3); /* its own publish only */
    assert_int_equal(b.fixes.last_device, 13);
    /* And the other way. */
    livepos_publish(b.hub, fx, 1);
    assert_true(wait_count(&a.fixes, false, 4, 5000));
    pause_ms(300);
    assert_int_equal(read_count(&a.fixes, false), 4);
    assert_int_equal(read_count(&b.fixes, false), 4);

    /* A row committed by another connection (another node's writer) reaches
     * both buses, woken by the notification. */
    struct store_outbox_event ev = {.topic = "incident.created",
                                    .item_kind = "incident",
                                    .item_id = 1,
                                    .payload = "{}",
                                    .access_kind = (int)ITEM_OPERATIONAL,
                                    .scope_paths = ""};
    int64_t id = 0;
    assert_int_equal(store_tx_begin(st), PH_OK);
    assert_int_equal(store_outbox_insert(st, &ev, &id), PH_OK);
    assert_int_equal(store_tx_commit(st), PH_OK);
    assert_true(wait_count(&a.events, true, 1, 5000));
    assert_true(wait_count(&b.events, true, 1, 5000));
    pause_ms(300);
    assert_int_equal(read_count(&a.events, true), 1);
    assert_int_equal(read_count(&b.events, true), 1);
    buf_init(&m, 1 << 16);
    assert_int_equal(cluster_metrics(b.cluster, &m), PH_OK);
    assert_non_null(strstr(m.data, "phoihop_cluster_positions_received_total 3\n"));
    assert_null(strstr(m.data, "phoihop_cluster_outbox_wakeups_total 0\n"));
    buf_release(&m);

    node_stop(&a);
    node_stop(&b);
    store_close(st);
}

static void test_scheduler_one_leader(void **state)
{
    struct writer *wa = NULL, *wb = NULL;
    struct scheduler *sa = NULL, *sb = NULL;
    struct store *st = NULL;
    char dsn[256];
    bool one = false;
    (void)state;

    if (!pg_dsn(dsn, sizeof(dsn)))
        skip();
    assert_int_equal(store_open(dsn, &st), PH_OK);
    assert_int_equal(writer_start(dsn, &wa), PH_OK);
    assert_int_equal(writer_start(dsn, &wb), PH_OK);
    assert_int_equal(scheduler_start(dsn, wa, NULL, &sa), PH_OK);
    assert_int_equal(scheduler_start(dsn, wb, NULL, &sb), PH_OK);
    for (int waited = 0; waited < 5000 && !one; waited += 20) {
        one = scheduler_is_leader(sa) != scheduler_is_leader(sb);
        if (!one)
            pause_ms(20);
    }
    assert_true(one);
    pause_ms(1500); /* a standby's tries change nothing */
    assert_true(scheduler_is_leader(sa) != scheduler_is_leader(sb));
    if (scheduler_is_leader(sb)) { /* make sa the leader's name */
        struct scheduler *t = sa;
        sa = sb;
        sb = t;
    }
    /* The leader's session ends: the other leads within its retry period. */
    uint64_t t0 = time_mono_ns();
    scheduler_stop(sa);
    while (!scheduler_is_leader(sb) && time_mono_ns() - t0 < 5000000000ull)
        pause_ms(10);
    assert_true(scheduler_is_leader(sb));
    print_message("failover after the leader stopped: %.0f ms\n",
                  (double)(time_mono_ns() - t0) / 1e6);
    scheduler_stop(sb);
    writer_stop(wa);
    writer_stop(wb);
    store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pos_round_trip),    cmocka_unit_test(test_pos_packing),
        cmocka_unit_test(test_pos_unsendable),    cmocka_unit_test(test_pos_malformed),
        cmocka_unit_test(test_cluster_two_nodes), cmocka_unit_test(test_scheduler_one_leader),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
