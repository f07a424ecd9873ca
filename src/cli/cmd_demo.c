/* cmd_demo.c - `phoihop demo`: fill a database with the synthetic demo province
 * (core/demo.c) and say what was made and which accounts can log in. */
#include "util/base.h"
#include "cli/cli.h"
#include "core/demo.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/progress.h"

enum { O_DB, O_SCALE };

static void print_summary(const struct demo_summary *s)
{
    printf("phoihop: demo province \"%s\" created at scale %d.\n", s->province, s->scale);
    printf("  All of it is synthetic (dữ liệu mô phỏng): the names of places and units are\n"
           "  real-style, the boundaries are rough rectangles, and the people are invented.\n");
    printf("  areas:  %lld (1 province, %lld districts, %lld communes of which %lld coastal, "
           "%lld sea area)\n",
           (long long)s->areas, (long long)s->districts, (long long)s->communes,
           (long long)s->coastal_communes, (long long)s->sea_areas);
    printf("  units:  %lld (police %lld, military %lld, border guard %lld)\n", (long long)s->units,
           (long long)s->units_police, (long long)s->units_military,
           (long long)s->units_border_guard);
    printf("  people: %lld (only the %zu demo accounts below have a password)\n",
           (long long)s->people, s->n_accounts);
    printf("  incidents: %lld over a year, references %s-YYYY-NNNNNN (%lld reported late, "
           "%lld exercises, %lld tests, %lld closed, %lld transferred, %lld merged)\n",
           (long long)s->incidents, s->ref_prefix != NULL ? s->ref_prefix : "?",
           (long long)s->incidents_late, (long long)s->incidents_exercise,
           (long long)s->incidents_test, (long long)s->incidents_closed,
           (long long)s->transfers, (long long)s->merges);
    printf("  acknowledgements: %lld (%lld late, %lld refusals); %lld stages found overdue\n",
           (long long)s->acknowledgements, (long long)s->acknowledgements_late,
           (long long)s->refusals, (long long)s->overdue_marked);
    printf("  bulletins: %lld from %lld schedules (%lld sent late, %lld periods not reported), "
           "%lld acknowledgements (%lld late); %lld bulletin deadlines found missed\n",
           (long long)s->bulletins, (long long)s->bulletin_schedules, (long long)s->bulletins_late,
           (long long)s->bulletins_not_sent, (long long)s->bulletin_acks,
           (long long)s->bulletin_acks_late, (long long)s->bulletin_deadline_marks);
    printf("  operations: %lld patrols, controls and checkpoints (%lld joint; %lld completed, "
           "%lld cancelled, %lld active now, %lld planned), %lld log entries (%lld became "
           "incidents)\n",
           (long long)s->operations, (long long)s->operations_joint,
           (long long)s->operations_completed, (long long)s->operations_cancelled,
           (long long)s->operations_active, (long long)s->operations_planned,
           (long long)s->operation_log_entries, (long long)s->operation_incidents);
    printf("  field: %lld patrol members (among the people), %lld vehicles and vessels, %lld "
           "devices, %lld positions\n",
           (long long)s->patrol_staff, (long long)s->assets, (long long)s->devices,
           (long long)s->positions);
    if (s->is_password_from_env)
        printf("demo accounts (password from PHOIHOP_DEMO_PASSWORD):\n");
    else
        printf("demo accounts (password: %s):\n", DEMO_DEFAULT_PASSWORD);
    for (size_t i = 0; i < s->n_accounts; i++)
        printf("  %-18s %-14s %s\n", s->accounts[i].username, s->accounts[i].role,
               s->accounts[i].unit);
}

/* The progress display starts with the first report, which carries the total: a
 * refusal (the province exists) then prints no progress at all. */
static void on_progress(void *ctx, int64_t done, int64_t total)
{
    struct progress *p = ctx;
    if (!p->is_active)
        progress_begin(p, "creating the demo province", total);
    progress_update(p, done);
}

int cmd_demo(int argc, char **argv)
{
    struct cli_opt opts[] = {
        [O_DB] = {"db", "PATH", "database file (created when missing)", NULL, false},
        [O_SCALE] = {"scale", "N", "8 x N communes per district (default 1, max 900)", NULL, false},
    };
    const struct cli_spec spec = {
        .name = "demo",
        .synopsis = "demo --db PATH [--scale N]",
        .about =
            "Add the demo province: a synthetic coastal province of Military Region 9\n"
            "modelled on Bến Tre, with districts, communes and the sea, the units of the\n"
            "police, the military command and the border guard, and people in every\n"
            "role. The same scale always gives the same data. A few demo accounts can log\n"
            "in with the password from PHOIHOP_DEMO_PASSWORD, else \"" DEMO_DEFAULT_PASSWORD "\".\n"
            "Refuses to add the province twice.",
        .opts = opts,
        .n_opts = PH_NELEM(opts),
    };
    char *args[1];
    size_t n_args = 0;
    const char *db = NULL, *env_pw = NULL;
    long scale = 1;
    struct store *st = NULL;
    struct arena a;
    struct core_ctx cx;
    struct progress pr;
    struct demo_summary sum;
    ph_err rc;
    int ec = cli_parse(&spec, argc, argv, args, &n_args);

    if (ec != CLI_CONTINUE)
        return ec;
    if ((ec = cli_require(&spec, &opts[O_DB], &db)) != CLI_CONTINUE ||
        (ec = cli_int(&spec, &opts[O_SCALE], 1, DEMO_MAX_SCALE, &scale)) != CLI_CONTINUE)
        return ec;
    /* demo_generate reads it too; refuse a weak one before anything is written. */
    if ((ec = cli_env_password("PHOIHOP_DEMO_PASSWORD", &env_pw)) != CLI_CONTINUE)
        return ec;
    if ((ec = cli_open_store(db, false, &st)) != CLI_CONTINUE)
        return ec;
    arena_init(&a);
    cx = cli_ctx(st, &a);
    progress_init(&pr);
    rc = demo_generate(&cx, (int)scale, on_progress, &pr, &sum);
    progress_end(&pr);
    if (rc == PH_ECONFLICT)
        ec = cli_fail("'%s' already has the demo province (area code %s); not adding it twice", db,
                      DEMO_PROVINCE_CODE);
    else if (rc != PH_OK)
        ec = cli_fail_rc("cannot create the demo province (records made before the failure "
                         "remain)",
                         rc, NULL);
    else {
        print_summary(&sum);
        ec = CLI_EXIT_OK;
    }
    store_close(st);
    arena_release(&a);
    return ec;
}
