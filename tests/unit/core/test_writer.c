/* test_writer.c - the writer thread on a temporary SQLite file: group commit really
 * batches, each job's failure undoes only that job, done() comes after commit,
 * the queue bound holds, and writer_run_sync commits or rolls back. */
#include "util/base.h"
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>
#include "testutil.h"
#include "core/audit.h"
#include "core/writer.h"

struct tjob {
    struct write_job job; /* first: done() casts back */
    int n;
    ph_err want;
    int visible_at_done; /* audit entries another connection saw in done() */
};

/* A temporary database file and a reader connection the done() callbacks use
 * (they all run on the writer's or its syncer's thread, one at a time). */
static struct tu_tmpdb tmp;
static struct store *reader;
static atomic_int done_count;

static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static bool gate_started, gate_open;

static int setup(void **state)
{
    (void)state;
    if (tu_tmpdb_make(&tmp, "writer") != 0)
        return -1;
    /* Creating the schema here keeps the writer's open and the reader's from racing. */
    if (store_open(tmp.dsn, &reader) != PH_OK)
        return -1;
    atomic_store(&done_count, 0);
    gate_started = gate_open = false;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    store_close(reader);
    reader = NULL;
    (void)tu_tmpdb_remove(&tmp);
    return 0;
}

static ph_err run_record(struct core_ctx *cx, void *arg)
{
    struct tjob *t = arg;
    ph_err rc = audit_record(cx, "test.job", "test", t->n, json_pack("{s:i}", "n", t->n));
    if (rc != PH_OK)
        return rc;
    return t->want; /* a planned failure after the write: it must be undone */
}

/* Records an entry, then writes a second one under the same seq: a key clash
 * the job does not check for (it returns the insert's answer). The PostgreSQL
 * store sends that write without waiting (store.h, savepoint), so its failure
 * comes back at the job's savepoint release, and must still fail this job
 * alone; on SQLite the insert itself answers PH_ECONFLICT. */
static ph_err run_clash(struct core_ctx *cx, void *arg)
{
    struct tjob *t = arg;
    struct audit_entry e = {.at = cx->now_ms, .actor = "test", .action = "test.clash",
                            .item_kind = "test", .item_id = t->n, .client = "test",
                            .detail = ""};
    ph_err rc = audit_record(cx, "test.job", "test", t->n, json_pack("{s:i}", "n", t->n));
    if (rc != PH_OK)
        return rc;
    if ((rc = store_audit_last(cx->st, &e.seq, e.prev_hash)) != PH_OK)
        return rc;
    memcpy(e.hash, e.prev_hash, sizeof(e.hash));
    return store_audit_insert(cx->st, &e);
}

static ph_err run_nothing(struct core_ctx *cx, void *arg)
{
    (void)cx;
    (void)arg;
    return PH_OK;
}

/* Holds the writer thread until the test opens the gate, so that jobs pile up. */
static ph_err run_gate(struct core_ctx *cx, void *arg)
{
    (void)cx;
    (void)arg;
    pthread_mutex_lock(&gate_mu);
    gate_started = true;
    pthread_cond_broadcast(&gate_cv);
    while (!gate_open)
        pthread_cond_wait(&gate_cv, &gate_mu);
    pthread_mutex_unlock(&gate_mu);
    return PH_OK;
}

static void wait_gate_started(void)
{
    pthread_mutex_lock(&gate_mu);
    while (!gate_started)
        pthread_cond_wait(&gate_cv, &gate_mu);
    pthread_mutex_unlock(&gate_mu);
}

static void open_gate(void)
{
    pthread_mutex_lock(&gate_mu);
    gate_open = true;
    pthread_cond_broadcast(&gate_cv);
    pthread_mutex_unlock(&gate_mu);
}

static void on_done(struct write_job *job)
{
    struct tjob *t = (struct tjob *)job;
    int64_t n = -1;
    if (reader != NULL && store_audit_count(reader, &n) == PH_OK)
        t->visible_at_done = (int)n;
    atomic_fetch_add(&done_count, 1);
}

static void tjob_init(struct tjob *t, write_fn run, int n, ph_err want)
{
    memset(t, 0, sizeof(*t));
    t->job.run = run;
    t->job.arg = t;
    t->job.done = on_done;
    t->job.user = core_system_user;
    t->job.client = "test";
    arena_init(&t->job.arena);
    t->n = n;
    t->want = want;
    t->job.rc = PH_ESTORE; /* must be overwritten */
}

enum { SUBMITTERS = 4, PER_SUBMITTER = 50, JOBS = SUBMITTERS * PER_SUBMITTER };
static struct tjob jobs[JOBS];

struct submitter {
    struct writer *w;
    int first;
};

static void *submit_main(void *arg)
{
    struct submitter *s = arg;
    for (int i = 0; i < PER_SUBMITTER; i++) {
        struct tjob *t = &jobs[s->first + i];
        while (writer_submit(s->w, &t->job) != PH_OK)
            usleep(100);
        if (i % 10 == 0)
            usleep(200); /* spread the submissions out over several batches */
    }
    return NULL;
}

/* Make the JOBS audit-recording jobs and have SUBMITTERS threads submit them to w;
 * returns when every job is submitted. */
static void submit_jobs(struct writer *w)
{
    pthread_t th[SUBMITTERS];
    struct submitter sub[SUBMITTERS];
    for (int i = 0; i < JOBS; i++)
        tjob_init(&jobs[i], run_record, i + 1, PH_OK);
    for (int i = 0; i < SUBMITTERS; i++) {
        sub[i] = (struct submitter){w, i * PER_SUBMITTER};
        assert_int_equal(pthread_create(&th[i], NULL, submit_main, &sub[i]), 0);
    }
    for (int i = 0; i < SUBMITTERS; i++)
        pthread_join(th[i], NULL);
}

/* Wait for n done() calls, read w's stats (before stopping it frees them), stop w. */
static void wait_and_stop(struct writer *w, int n, uint64_t *batches, uint64_t *njobs)
{
    while (atomic_load(&done_count) < n)
        usleep(1000);
    writer_stats(w, batches, njobs);
    writer_stop(w);
}

/* Free-running: 4 threads submit 200 jobs while the writer commits. */
static void test_writer_group_commit(void **state)
{
    struct writer *w = NULL;
    uint64_t batches = 0, njobs = 0;
    (void)state;

    assert_int_equal(writer_start(tmp.dsn, &w), PH_OK);
    submit_jobs(w);
    wait_and_stop(w, JOBS, &batches, &njobs);

    print_message("free-running: %llu batches for %d jobs\n", (unsigned long long)batches, JOBS);
    assert_int_equal(njobs, JOBS);
    assert_true(batches >= 1 && batches <= JOBS);
    int max_visible = 0;
    for (int i = 0; i < JOBS; i++) {
        assert_int_equal(jobs[i].job.rc, PH_OK);
        /* The answer comes only after its commit: the job's entry is visible then. */
        assert_true(jobs[i].visible_at_done >= 1);
        if (jobs[i].visible_at_done > max_visible)
            max_visible = jobs[i].visible_at_done;
        arena_release(&jobs[i].job.arena);
    }
    assert_int_equal(max_visible, JOBS);

    int64_t count = 0;
    assert_int_equal(store_audit_count(reader, &count), PH_OK);
    assert_int_equal(count, JOBS);
    struct audit_verify_result vr;
    assert_int_equal(audit_verify(reader, &vr, NULL, NULL), PH_OK);
    assert_int_equal(vr.entries, JOBS);
    assert_int_equal(vr.first_bad_seq, 0);
}

/* A job writing about 64 KiB: an audit entry with a large detail. */
static ph_err run_big(struct core_ctx *cx, void *arg)
{
    struct tjob *t = arg;
    char *text = arena_alloc(cx->arena, 65536);
    memset(text, 'x', 65535);
    text[65535] = '\0';
    return audit_record(cx, "test.big", "test", t->n, json_pack("{s:s}", "text", text));
}

/* Checkpoints run on the checkpointer thread: past 1,000 pages of WAL it copies
 * them into the database, the writer's commits go on, nothing is lost. */
static void test_writer_checkpointer(void **state)
{
    enum { BIG = 100 }; /* about 1,700 pages */
    static struct tjob big[BIG];
    struct writer *w = NULL;
    uint64_t batches = 0, njobs = 0;
    char pg[256];
    (void)state;
    /* WAL checkpoints are SQLite's; PostgreSQL keeps its own (store_wal_checkpoint). */
    if (tu_pg_dsn(pg, sizeof(pg)))
        skip();

    assert_int_equal(writer_start(tmp.dsn, &w), PH_OK);
    for (int i = 0; i < BIG; i++) {
        tjob_init(&big[i], run_big, i + 1, PH_OK);
        assert_int_equal(writer_submit(w, &big[i].job), PH_OK);
        while (atomic_load(&done_count) <= i) /* one job per commit */
            usleep(200);
    }
    /* The checkpointer was asked at least once; give it time to finish a pass. */
    for (int i = 0; i < 5000 && writer_checkpoints(w) == 0; i++)
        usleep(1000);
    print_message("checkpoint passes: %llu\n", (unsigned long long)writer_checkpoints(w));
    assert_true(writer_checkpoints(w) >= 1);
    wait_and_stop(w, BIG, &batches, &njobs);
    assert_int_equal(njobs, BIG);
    for (int i = 0; i < BIG; i++) {
        assert_int_equal(big[i].job.rc, PH_OK);
        arena_release(&big[i].job.arena);
    }
    struct audit_verify_result vr;
    assert_int_equal(audit_verify(reader, &vr, NULL, NULL), PH_OK);
    assert_int_equal(vr.entries, BIG);
    assert_int_equal(vr.first_bad_seq, 0);
}

/* The same 200 jobs queued while the writer is held: they must share commits. */
static void test_writer_batches_less_than_jobs(void **state)
{
    struct writer *w = NULL;
    struct tjob gate;
    uint64_t batches = 0, njobs = 0;
    (void)state;

    assert_int_equal(writer_start(tmp.dsn, &w), PH_OK);
    tjob_init(&gate, run_gate, 0, PH_OK);
    assert_int_equal(writer_submit(w, &gate.job), PH_OK);
    wait_gate_started();
    submit_jobs(w);
    open_gate();
    wait_and_stop(w, JOBS + 1, &batches, &njobs);

    print_message("held: %llu batches for %d jobs\n", (unsigned long long)batches, JOBS + 1);
    assert_int_equal(njobs, JOBS + 1);
    assert_true(batches >= 2);   /* the gate alone, then the rest */
    assert_true(batches < JOBS); /* group commit: far fewer commits than jobs */
    for (int i = 0; i < JOBS; i++) {
        assert_int_equal(jobs[i].job.rc, PH_OK);
        assert_true(jobs[i].visible_at_done >= 1);
        arena_release(&jobs[i].job.arena);
    }
    arena_release(&gate.job.arena);
    int64_t count = 0;
    assert_int_equal(store_audit_count(reader, &count), PH_OK);
    assert_int_equal(count, JOBS);
}

/* a (item 1), then b (item 2, run by b_run, meant to fail), then c (item 3),
 * held back until all three wait so that they run in one batch. Returns b's
 * answer once the batch committed a and c alone: the log then holds their
 * entries as seq 1 and 2, and the chain verifies. */
static ph_err batch_a_b_c(write_fn b_run, ph_err b_want)
{
    struct writer *w = NULL;
    struct tjob gate, a, b, c;
    uint64_t batches = 0, njobs = 0;

    assert_int_equal(writer_start(tmp.dsn, &w), PH_OK);
    tjob_init(&gate, run_gate, 0, PH_OK);
    tjob_init(&a, run_record, 1, PH_OK);
    tjob_init(&b, b_run, 2, b_want);
    tjob_init(&c, run_record, 3, PH_OK);
    assert_int_equal(writer_submit(w, &gate.job), PH_OK);
    wait_gate_started();
    assert_int_equal(writer_submit(w, &a.job), PH_OK);
    assert_int_equal(writer_submit(w, &b.job), PH_OK);
    assert_int_equal(writer_submit(w, &c.job), PH_OK);
    open_gate();
    wait_and_stop(w, 4, &batches, &njobs);

    assert_int_equal(batches, 2);
    assert_int_equal(njobs, 3); /* b was not committed */
    assert_int_equal(a.job.rc, PH_OK);
    assert_int_equal(c.job.rc, PH_OK);

    struct arena ar;
    struct audit_entry *items = NULL;
    size_t n = 0;
    arena_init(&ar);
    assert_int_equal(store_audit_page(reader, &ar, 0, 10, &items, &n), PH_OK);
    assert_int_equal(n, 2);
    assert_int_equal(items[0].item_id, 1);
    assert_int_equal(items[1].item_id, 3);
    assert_int_equal(items[1].seq, 2);
    arena_release(&ar);
    struct audit_verify_result vr;
    assert_int_equal(audit_verify(reader, &vr, NULL, NULL), PH_OK);
    assert_int_equal(vr.entries, 2);
    assert_int_equal(vr.first_bad_seq, 0);
    struct tjob *all[] = {&gate, &a, &b, &c};
    for (size_t i = 0; i < PH_NELEM(all); i++)
        arena_release(&all[i]->job.arena);
    return b.job.rc;
}

/* b writes, then fails: a and c are there, b is not, and the chain has no hole
 * where b was. */
static void test_writer_failing_job_rolls_back_alone(void **state)
{
    (void)state;
    assert_int_equal(batch_a_b_c(run_record, PH_EINVAL), PH_EINVAL);
}

/* b's key clash is answered only at its savepoint's release on PostgreSQL: it
 * still fails b alone, and c's entry follows a's (the chain's head the store
 * kept was forgotten with b's savepoint). */
static void test_writer_unwaited_write_fails_its_job_alone(void **state)
{
    (void)state;
    assert_int_equal(batch_a_b_c(run_clash, PH_OK), PH_ECONFLICT);
}

/* On a database file the writer's commits skip the disk and the syncer makes
 * them durable (writer.c); on PostgreSQL (and in memory) commits wait for the
 * disk themselves. Either way done() sees the job's write from another
 * connection (test_writer_group_commit's visible_at_done). */
static void test_writer_commits_later_on_sqlite_files(void **state)
{
    struct writer *w = NULL;
    (void)state;

    unsetenv("PHOIHOP_WRITER_SYNC"); /* the default, whatever the caller's */
    assert_int_equal(writer_start(tmp.dsn, &w), PH_OK);
    assert_int_equal(writer_commits_later(w), strncmp(tmp.dsn, "sqlite:", 7) == 0);
    writer_stop(w);
    setenv("PHOIHOP_WRITER_SYNC", "commit", 1);
    assert_int_equal(writer_start(tmp.dsn, &w), PH_OK);
    assert_false(writer_commits_later(w));
    unsetenv("PHOIHOP_WRITER_SYNC");
    writer_stop(w);
    assert_int_equal(writer_start("sqlite::memory:", &w), PH_OK);
    assert_false(writer_commits_later(w));
    writer_stop(w);
}

static void test_writer_queue_bound(void **state)
{
    enum { BOUND = 10000 };
    struct writer *w = NULL;
    struct tjob gate, extra;
    struct tjob *many = calloc(BOUND, sizeof(*many));
    (void)state;

    assert_non_null(many);
    assert_int_equal(writer_start(tmp.dsn, &w), PH_OK);
    tjob_init(&gate, run_gate, 0, PH_OK);
    assert_int_equal(writer_submit(w, &gate.job), PH_OK);
    wait_gate_started();
    for (int i = 0; i < BOUND; i++) {
        tjob_init(&many[i], run_nothing, i, PH_OK);
        assert_int_equal(writer_submit(w, &many[i].job), PH_OK);
    }
    tjob_init(&extra, run_nothing, 0, PH_OK);
    assert_int_equal(writer_submit(w, &extra.job), PH_EBUSY);
    open_gate();
    writer_stop(w);
    assert_int_equal(atomic_load(&done_count), BOUND + 1);
    for (int i = 0; i < BOUND; i++)
        assert_int_equal(many[i].job.rc, PH_OK);
    free(many);
}

static void test_writer_run_sync(void **state)
{
    struct tu_fx t;
    struct tjob ok, bad;
    (void)state;
    tu_fx_open(&t);

    tjob_init(&ok, run_record, 1, PH_OK);
    tjob_init(&bad, run_record, 2, PH_ECONFLICT);
    assert_int_equal(writer_run_sync(&t.sys, run_record, &ok), PH_OK);
    assert_int_equal(writer_run_sync(&t.sys, run_record, &bad), PH_ECONFLICT);
    assert_int_equal(tu_audit_count(t.st), 1);
    /* The failed run left no transaction open: another one starts. */
    assert_int_equal(writer_run_sync(&t.sys, run_record, &ok), PH_OK);
    assert_int_equal(tu_audit_count(t.st), 2);
    tu_fx_close(&t);
    arena_release(&ok.job.arena);
    arena_release(&bad.job.arena);
}

static void test_writer_start_bad_dsn(void **state)
{
    struct writer *w = NULL;
    (void)state;
    assert_int_not_equal(writer_start("nosuch://x", &w), PH_OK);
    assert_null(w);
    writer_stop(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_writer_group_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_writer_checkpointer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_writer_batches_less_than_jobs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_writer_failing_job_rolls_back_alone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_writer_queue_bound, setup, teardown),
        cmocka_unit_test(test_writer_run_sync),
        cmocka_unit_test_setup_teardown(test_writer_unwaited_write_fails_its_job_alone, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_writer_commits_later_on_sqlite_files, setup, teardown),
        cmocka_unit_test(test_writer_start_bad_dsn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
