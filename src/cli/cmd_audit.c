/* cmd_audit.c - `phoihop audit verify`: walk the hash chain of the audit log and
 * name the first entry that was altered, removed or inserted. An operator runs it
 * after a restore, before an inspection, or from cron; the exit status is the
 * verdict. Removing the newest entries leaves a valid, shorter chain: only a head
 * hash recorded earlier (--expect-head) shows it. */
#include "util/base.h"
#include <sodium.h>
#include "cli/cli.h"
#include "core/audit.h"
#include "store/store.h"
#include "util/progress.h"

enum { O_DB, O_EXPECT_HEAD };

/* Starts the display with the first report, which carries the total. */
static void on_progress(void *ctx, int64_t done, int64_t total)
{
    struct progress *p = ctx;
    if (!p->is_active)
        progress_begin(p, "verifying the audit log", total);
    progress_callback(p, done, total);
}

/* 64 hex digits (either case) into out; false when text is not that. */
static bool parse_hash(const char *text, uint8_t out[32])
{
    size_t n = 0;

    return strlen(text) == 64 && sodium_hex2bin(out, 32, text, 64, NULL, &n, NULL) == 0 && n == 32;
}

static int audit_verify_cmd(int argc, char **argv)
{
    struct cli_opt opts[] = {
        [O_DB] = {"db", "PATH", "database file", NULL, false},
        [O_EXPECT_HEAD] = {"expect-head", "HASH",
                           "a head hash recorded earlier: it must still be in the chain", NULL,
                           false},
    };
    const struct cli_spec spec = {
        .name = "audit verify",
        .synopsis = "audit verify --db PATH [--expect-head HASH]",
        .about = "Check the hash chain of the audit log. Prints \"audit chain intact: N entries,\n"
                 "head HASH\" and exits 0, or names the first broken entry and exits 1. Record\n"
                 "the head hash elsewhere and pass it later as --expect-head: the newest entries\n"
                 "removed leave a valid but shorter chain, which only that head reveals (exit 1).",
        .opts = opts,
        .n_opts = PH_NELEM(opts),
    };
    char *args[1], head[65];
    uint8_t expect[32];
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
    if (opts[O_EXPECT_HEAD].value != NULL && !parse_hash(opts[O_EXPECT_HEAD].value, expect))
        return cli_usage_error(&spec, "--expect-head: expected 64 hexadecimal digits, not '%s'",
                               opts[O_EXPECT_HEAD].value);
    if ((ec = cli_open_store(db, true, &st)) != CLI_CONTINUE)
        return ec;
    memset(&r, 0, sizeof(r));
    progress_init(&pr);
    rc = audit_verify_expect(st, opts[O_EXPECT_HEAD].value != NULL ? expect : NULL, &r, on_progress,
                             &pr);
    progress_end(&pr);
    store_close(st);
    if (rc != PH_OK)
        return cli_fail_rc("cannot read the audit log", rc, NULL);
    if (r.first_bad_seq != 0) {
        printf("audit chain broken at entry %lld: %s\n", (long long)r.first_bad_seq,
               r.problem != NULL ? r.problem : "altered");
        return CLI_EXIT_FAIL;
    }
    if (opts[O_EXPECT_HEAD].value != NULL && r.expected_seq == 0) {
        /* The hash as given, so that the operator recognises it. */
        printf("the recorded head %s is missing: entries were removed from the end\n",
               opts[O_EXPECT_HEAD].value);
        return CLI_EXIT_FAIL;
    }
    for (size_t i = 0; i < sizeof(r.head_hash); i++)
        snprintf(head + 2 * i, 3, "%02x", r.head_hash[i]);
    printf("audit chain intact: %lld entries, head %s\n", (long long)r.entries, head);
    return CLI_EXIT_OK;
}

static const char audit_usage[] =
    "Usage: phoihop audit COMMAND --db PATH [options]\n"
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
