/* ingest_bench.c - the writer's cost of a new incident, without HTTP: the core
 * service POST /api/v1/incidents runs (incident_create), as demo.duty, on a
 * database made by `phoihop init` and `phoihop demo`, with the report of
 * bench/incident_post.lua, BATCH incidents per transaction, each in its own
 * savepoint, as the writer thread runs them (core/writer.c), the commit with its
 * full-text flush included.
 *
 * Its time depends on the machine's load; run it under callgrind for a count
 * that does not (docs/PERFORMANCE.md, "Writer cost"):
 *   valgrind --tool=callgrind build/bench/ingest_bench DB 1600 32
 * and subtract a run of 320 to leave out the set-up.
 *
 * Usage: ingest_bench DB [COUNT [BATCH]]   (defaults 5000 and 32; DB is written)
 * Output: "bench ingest_core: N incidents, batch B, X us CPU per incident, Y us
 * wall per incident". Exit 1 when a store or core call failed. */
#include "util/base.h"
#include <time.h>
#include "core/access.h"
#include "core/category.h"
#include "core/ctx.h"
#include "core/incident.h"
#include "core/person.h"
#include "core/session.h"
#include "core/writer.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/time.h"

#define DUTY "demo.duty"

struct token_job {
    int64_t person_id;
    char *token;
};

static ph_err make_token(struct core_ctx *cx, void *arg)
{
    struct token_job *t = arg;
    int64_t id = 0, expires_at = 0;

    return api_token_create(cx, t->person_id, "ingest_bench", 0, &t->token, &id, &expires_at);
}

static double cpu_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The report of bench/incident_post.lua. */
static void report(struct incident *inc, int64_t category_id)
{
    memset(inc, 0, sizeof(*inc));
    inc->category_id = category_id;
    inc->severity = 2;
    inc->title = "Tụ tập gây rối trật tự tại chợ, cần lực lượng hỗ trợ";
    inc->description = "Khoảng 20 thanh niên tụ tập, có dấu hiệu gây rối. Tổ công tác đang theo dõi.";
    inc->occurred_at = 1793496600000LL; /* 2026-11-01T01:30:00Z */
    inc->has_location = true;
    inc->lat = 10.24;
    inc->lon = 106.38;
    inc->people_involved = 20;
    inc->cap_status = "actual";
}

/* One transaction of n creates, each in a savepoint. */
static ph_err batch(struct core_ctx *cx, int64_t category_id, int n)
{
    ph_err rc = store_tx_begin(cx->st);

    for (int i = 0; rc == PH_OK && i < n; i++) {
        struct arena a;
        struct core_ctx job = *cx;
        struct incident inc;
        bool replayed = false;
        const char *field = NULL;

        arena_init(&a);
        job.arena = &a;
        job.now_ms = time_now_ms();
        report(&inc, category_id);
        rc = store_savepoint(cx->st);
        if (rc == PH_OK)
            rc = incident_create(&job, &inc, NULL, &replayed, &field);
        if (rc == PH_OK)
            rc = store_savepoint_release(cx->st);
        else
            fprintf(stderr, "ingest_bench: create: %s (%s)\n", err_str(rc), field ? field : "");
        arena_release(&a);
    }
    if (rc == PH_OK)
        return store_tx_commit(cx->st);
    (void)store_tx_rollback(cx->st);
    return rc;
}

int main(int argc, char **argv)
{
    long count = argc > 2 ? strtol(argv[2], NULL, 10) : 5000;
    long per_tx = argc > 3 ? strtol(argv[3], NULL, 10) : 32;
    struct store *st = NULL;
    struct arena a;
    struct core_ctx cx = {.arena = &a, .user = &core_system_user, .client = "bench"};
    struct core_user duty;
    struct person p;
    struct category cat;
    struct token_job t = {0};
    double cpu0, wall0;

    if (argc < 2 || count <= 0 || per_tx <= 0 || count > 10000000 || per_tx > 100000) {
        fprintf(stderr, "usage: ingest_bench DB [COUNT [BATCH]]\n");
        return 1;
    }
    arena_init(&a);
    if (store_open(argv[1], &st) != PH_OK)
        return 1;
    cx.st = st;
    cx.now_ms = time_now_ms();
    if (store_person_get_by_username(st, &a, DUTY, &p) != PH_OK ||
        store_category_get_by_code(st, &a, "public_order", &cat) != PH_OK) {
        fprintf(stderr, "ingest_bench: no %s or public_order: run phoihop init and demo first\n",
                DUTY);
        return 1;
    }
    t.person_id = p.id;
    if (writer_run_sync(&cx, make_token, &t) != PH_OK ||
        session_authenticate(&cx, t.token, &duty, NULL, NULL) != PH_OK)
        return 1;
    cx.user = &duty;
    cx.client = "127.0.0.1";
    cpu0 = cpu_s();
    wall0 = (double)time_mono_ns() / 1e9;
    for (long done = 0; done < count; done += per_tx)
        if (batch(&cx, cat.id, (int)(count - done < per_tx ? count - done : per_tx)) != PH_OK)
            return 1;
    printf("bench ingest_core: %ld incidents, batch %ld, %.1f us CPU per incident, %.1f us wall "
           "per incident\n",
           count, per_tx, (cpu_s() - cpu0) * 1e6 / (double)count,
           ((double)time_mono_ns() / 1e9 - wall0) * 1e6 / (double)count);
    store_close(st);
    arena_release(&a);
    return 0;
}
