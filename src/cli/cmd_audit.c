/* cmd_audit.c - `phoihop audit verify`: walk the hash chain of the audit log and
 * name the first entry that was altered, removed or inserted. An operator runs it
 * after a restore, before an inspection, or from cron; the exit status is the
 * verdict. */
#include "util/base.h"
#include "cli/cli.h"
#include "core/audit.h"
#include "store/store.h"
#include "util/progress.h"

enum { O_DB };

/* Starts the display with the first report, which carries the total. */
static void on_progress(void *ctx, int64_t done, int64_t total)
{
    struct progress *p = ctx;
    if (!p->is_active)
        progress_begin(p, "verifying the audit log", total);
    progress_callback(p, done, total);
}

static int audit_verify_cmd(int argc, char **argv)
{
    struct cli_opt opts[] = {
        [O_DB] = {"db", "PATH", "database file", NULL, false},
    };
    const struct cli_spec spec = {
        .name = "audit verify",
        .synopsis = "audit verify --db PATH",
        .about = "Check the hash chain of the audit log. Prints \"audit chain intact: N entries,\n"
                 "head HASH\" and exits 0, or names the first broken entry and exits 1. Record\n"
                 "the head hash elsewhere to detect a truncated log later.",
        .opts = opts,
        .n_opts = PH_NELEM(opts),
    };
    char *args[1], head[65];
    size_t n_args = 0;
    const char *db = NULL;
    struct store *st = NULL;
    struct progress pr;
    struct audit_verify_result r;
    ph_err rc;
    int ec = cli_parse(&spec, argc, argv, args, &n_args);

    if (ec != CLI_CONTINUE)
        return ec;
    if ((ec = cli_require(&spec, &opts[O_DB], &db)) != CLI_CONTINUE)
        return ec;
    if ((ec = cli_open_store(db, true, &st)) != CLI_CONTINUE)
        return ec;
    memset(&r, 0, sizeof(r));
    progress_init(&pr);
    rc = audit_verify(st, &r, on_progress, &pr);
    progress_end(&pr);
    store_close(st);
    if (rc != PH_OK)
        return cli_fail_rc("cannot read the audit log", rc, NULL);
    if (r.first_bad_seq != 0) {
        printf("audit chain broken at entry %lld: %s\n", (long long)r.first_bad_seq,
               r.problem != NULL ? r.problem : "altered");
        return CLI_EXIT_FAIL;
    }
    for (size_t i = 0; i < sizeof(r.head_hash); i++)
        snprintf(head + 2 * i, 3, "%02x", r.head_hash[i]);
    printf("audit chain intact: %lld entries, head %s\n", (long long)r.entries, head);
    return CLI_EXIT_OK;
}

static const char audit_usage[] =
    "Usage: phoihop audit COMMAND --db PATH\n"
    "\n"
    "Commands:\n"
    "  verify    check the hash chain of the audit log (exit 0 intact, 1 broken)\n"
    "\n"
    "Run 'phoihop audit COMMAND --help' for its options.\n";

int cmd_audit(int argc, char **argv)
{
    static const struct cli_sub subs[] = {{"verify", audit_verify_cmd}};
    return cli_dispatch("audit", audit_usage, subs, PH_NELEM(subs), argc, argv);
}
