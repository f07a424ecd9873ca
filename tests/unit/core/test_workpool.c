/* test_workpool.c - every item runs once, done() follows run() on the same thread,
 * the queue bound holds, and stop drains what is queued. */
#include "util/base.h"
#include <pthread.h>
#include <stdatomic.h>
#include "testutil.h"
#include "core/workpool.h"

struct item {
    struct work_item w; /* first: the callbacks cast back */
    pthread_t ran_on;
    int runs;
    bool done_on_same_thread;
};

static atomic_int done_count;

static void on_run(struct work_item *w)
{
    struct item *it = (struct item *)w;
    it->ran_on = pthread_self();
    it->runs++;
}

static void on_done(struct work_item *w)
{
    struct item *it = (struct item *)w;
    it->done_on_same_thread = pthread_equal(it->ran_on, pthread_self()) != 0 && it->runs == 1;
    atomic_fetch_add(&done_count, 1);
}

static void test_workpool_runs_everything(void **state)
{
    enum { N = 500 };
    static struct item items[N];
    struct workpool *p = NULL;
    (void)state;
    atomic_store(&done_count, 0);
    assert_int_equal(workpool_start(3, N, &p), PH_OK);
    for (int i = 0; i < N; i++) {
        items[i] = (struct item){.w = {.run = on_run, .done = on_done}};
        assert_int_equal(workpool_submit(p, &items[i].w), PH_OK);
    }
    workpool_stop(p); /* drains */
    assert_int_equal(atomic_load(&done_count), N);
    for (int i = 0; i < N; i++) {
        assert_int_equal(items[i].runs, 1);
        assert_true(items[i].done_on_same_thread);
    }
}

/* A run() that holds its thread until the test opens the gate. */
static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static bool gate_started, gate_open;

static void on_run_gate(struct work_item *w)
{
    (void)w;
    pthread_mutex_lock(&gate_mu);
    gate_started = true;
    pthread_cond_broadcast(&gate_cv);
    while (!gate_open)
        pthread_cond_wait(&gate_cv, &gate_mu);
    pthread_mutex_unlock(&gate_mu);
}

static void test_workpool_bounded(void **state)
{
    struct workpool *p = NULL;
    struct work_item gate = {.run = on_run_gate};
    struct item items[3];
    (void)state;
    atomic_store(&done_count, 0);
    assert_int_equal(workpool_start(1, 2, &p), PH_OK);
    assert_int_equal(workpool_submit(p, &gate), PH_OK);
    pthread_mutex_lock(&gate_mu);
    while (!gate_started)
        pthread_cond_wait(&gate_cv, &gate_mu);
    pthread_mutex_unlock(&gate_mu);

    /* The only thread is busy: two may wait, the third is refused. */
    for (int i = 0; i < 3; i++)
        items[i] = (struct item){.w = {.run = on_run, .done = on_done}};
    assert_int_equal(workpool_submit(p, &items[0].w), PH_OK);
    assert_int_equal(workpool_submit(p, &items[1].w), PH_OK);
    assert_int_equal(workpool_submit(p, &items[2].w), PH_EBUSY);

    pthread_mutex_lock(&gate_mu);
    gate_open = true;
    pthread_cond_broadcast(&gate_cv);
    pthread_mutex_unlock(&gate_mu);
    workpool_stop(p);
    assert_int_equal(atomic_load(&done_count), 2);
    assert_int_equal(items[2].runs, 0);
}

static void test_workpool_bad_arguments(void **state)
{
    struct workpool *p = NULL;
    (void)state;
    assert_int_equal(workpool_start(0, 10, &p), PH_EINVAL);
    assert_int_equal(workpool_start(2, 0, &p), PH_EINVAL);
    assert_null(p);
    workpool_stop(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_workpool_runs_everything),
        cmocka_unit_test(test_workpool_bounded),
        cmocka_unit_test(test_workpool_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
