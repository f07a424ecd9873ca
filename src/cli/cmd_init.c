/* cmd_init.c - `phoihop init`: create the database (store_open applies the
 * migrations) and the administrator account "admin", whose password is shown once.
 * A second init on the same database is refused: it would hand out a second
 * all-powerful account with a password nobody chose. The database holds password
 * hashes, so it is created readable by its owner only (0600). --ref-prefix sets the
 * prefix of incident reference numbers ("BT": BT-2026-000123) in the same
 * transaction as the administrator. */
#include "util/base.h"
#include <sodium.h>
#include <sys/stat.h>
#include "cli/cli.h"
#include "core/access.h"
#include "core/incident.h"
#include "core/person.h"
#include "core/writer.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/limits.h"

#define ADMIN_USERNAME "admin"
#define ADMIN_FULL_NAME "Quản trị hệ thống"

enum { O_DB, O_PASSWORD_FILE, O_REF_PREFIX };

#define REF_PREFIX_MIN 2
#define REF_PREFIX_MAX 8

/* 2..8 of [A-Z0-9], as incident_ref_prefix_set() takes it: checked here too so that
 * a typo is a usage error before anything is written. */
static bool ref_prefix_ok(const char *p)
{
    size_t n = strlen(p);
    if (n < REF_PREFIX_MIN || n > REF_PREFIX_MAX)
        return false;
    for (; *p != '\0'; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
            return false;
    return true;
}

/* The administrator, and the reference prefix when one was given: one transaction. */
struct init_job {
    struct cli_new_person admin;
    const char *ref_prefix; /* or NULL */
};

static ph_err init_run(struct core_ctx *cx, void *arg)
{
    struct init_job *job = arg;
    ph_err rc = cli_create_person(cx, &job->admin);
    if (rc == PH_OK && job->ref_prefix != NULL) {
        rc = incident_ref_prefix_set(cx, job->ref_prefix);
        if (rc == PH_EINVAL)
            job->admin.field = "ref_prefix";
    }
    return rc;
}

/* True when the database has an administrator already: the account "admin", or
 * any administrator without a unit (one an earlier init or an operator made). */
static ph_err has_admin(struct core_ctx *cx, bool *found)
{
    struct person p;
    struct person_filter f = {
        .role = ROLE_ADMIN, .include_disabled = true, .limit = LIST_MAX_LIMIT};
    ph_err rc = person_get_by_username(cx, ADMIN_USERNAME, &p);

    *found = rc == PH_OK;
    if (rc != PH_OK && rc != PH_ENOTFOUND)
        return rc;
    for (bool has_more = true; !*found && has_more;) {
        struct person *items = NULL;
        size_t n = 0;
        rc = person_list(cx, &f, &items, &n, &has_more);
        if (rc != PH_OK)
            return rc;
        for (size_t i = 0; i < n && !*found; i++)
            *found = items[i].unit_id == 0;
        if (n == 0)
            break;
        f.after_id = items[n - 1].id;
    }
    return PH_OK;
}

int cmd_init(int argc, char **argv)
{
    struct cli_opt opts[] = {
        [O_DB] = {"db", "PATH", "database file to create (or sqlite:PATH)", NULL, false},
        [O_PASSWORD_FILE] = {"admin-password-file", "FILE",
                             "also write the password to FILE (mode 0600)", NULL, false},
        [O_REF_PREFIX] = {"ref-prefix", "PREFIX",
                          "prefix of incident reference numbers, 2-8 of A-Z 0-9 (default PH)", NULL,
                          false},
    };
    const struct cli_spec spec = {
        .name = "init",
        .synopsis = "init --db PATH [--admin-password-file FILE] [--ref-prefix PREFIX]",
        .about = "Create the database and the administrator account 'admin' (roles admin,\n"
                 "clearance top_secret, no unit). The password is taken from the environment\n"
                 "variable PHOIHOP_ADMIN_PASSWORD (at least 10 characters) or generated and\n"
                 "printed once. Refuses to run on a database that already has an administrator.\n"
                 "Incident reference numbers read PREFIX-YEAR-NUMBER, e.g. BT-2026-000123.",
        .opts = opts,
        .n_opts = PH_NELEM(opts),
    };
    char *args[1];
    size_t n_args = 0;
    const char *db = NULL;
    char generated[CLI_GENERATED_PASSWORD_CHARS + 1] = "";
    struct store *st = NULL;
    struct arena a;
    struct init_job job;
    struct cli_new_person *ca = &job.admin;
    struct core_ctx cx;
    bool found = false, is_generated = false;
    ph_err rc;
    int ec = cli_parse(&spec, argc, argv, args, &n_args);

    if (ec != CLI_CONTINUE)
        return ec;
    if ((ec = cli_require(&spec, &opts[O_DB], &db)) != CLI_CONTINUE)
        return ec;
    memset(&job, 0, sizeof(job));
    /* An empty PHOIHOP_REF_PREFIX is no prefix given, as for the other options. */
    if (opts[O_REF_PREFIX].value != NULL && opts[O_REF_PREFIX].value[0] != '\0')
        job.ref_prefix = opts[O_REF_PREFIX].value;
    if (job.ref_prefix != NULL && !ref_prefix_ok(job.ref_prefix))
        return cli_usage_error(&spec, "--ref-prefix: expected 2 to 8 of A-Z and 0-9, not '%s'",
                               job.ref_prefix);
    if ((ec = cli_choose_password("PHOIHOP_ADMIN_PASSWORD", generated, sizeof(generated),
                                  &ca->password, &is_generated)) != CLI_CONTINUE)
        return ec;
    arena_init(&a);
    ec = cli_open_store(db, false, &st);
    if (ec != CLI_CONTINUE)
        goto out;
    cx = cli_ctx(st, &a);
    rc = has_admin(&cx, &found);
    if (rc != PH_OK) {
        ec = cli_fail_rc("cannot read the people of the database", rc, NULL);
        goto out;
    }
    if (found) {
        ec = cli_fail("'%s' is already initialised: it has an administrator account; "
                      "use 'phoihop people passwd --db %s admin' to set a new password",
                      db, db);
        goto out;
    }
    ca->person.username = ADMIN_USERNAME;
    ca->person.full_name = ADMIN_FULL_NAME;
    ca->person.roles = ROLE_ADMIN;
    ca->person.clearance = CLEARANCE_TOP_SECRET;
    rc = writer_run_sync(&cx, init_run, &job);
    if (rc != PH_OK) {
        ec = cli_fail_rc(ca->field != NULL && strcmp(ca->field, "ref_prefix") == 0
                             ? "cannot set the reference prefix"
                             : "cannot create the administrator",
                         rc, ca->field);
        goto out;
    }
    printf("phoihop: database '%s' initialised\n", db);
    if (job.ref_prefix != NULL)
        printf("phoihop: incident reference numbers start with %s-\n", job.ref_prefix);
    if (is_generated)
        printf("phoihop: administrator '%s' created; password (shown only now): %s\n",
               ADMIN_USERNAME, generated);
    else
        printf("phoihop: administrator '%s' created with the password from "
               "PHOIHOP_ADMIN_PASSWORD\n",
               ADMIN_USERNAME);
    fflush(stdout);
    ec = CLI_EXIT_OK;
    if (opts[O_PASSWORD_FILE].value != NULL &&
        cli_write_secret_file(opts[O_PASSWORD_FILE].value, ca->password) != PH_OK)
        ec = CLI_EXIT_FAIL;
out:
    sodium_memzero(generated, sizeof(generated));
    store_close(st);
    arena_release(&a);
    return ec;
}
