/* cmd_init.c - `phoihop init`: create the database (store_open applies the
 * migrations) and the administrator account "admin", whose password is shown once.
 * A second init on the same database is refused: it would hand out a second
 * all-powerful account with a password nobody chose. The database holds password
 * hashes, so it is created readable by its owner only (0600). */
#include "util/base.h"
#include <sodium.h>
#include <sys/stat.h>
#include "cli/cli.h"
#include "core/access.h"
#include "core/person.h"
#include "core/writer.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/limits.h"

#define ADMIN_USERNAME "admin"
#define ADMIN_FULL_NAME "Quản trị hệ thống"

enum { O_DB, O_PASSWORD_FILE };

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
    };
    const struct cli_spec spec = {
        .name = "init",
        .synopsis = "init --db PATH [--admin-password-file FILE]",
        .about = "Create the database and the administrator account 'admin' (roles admin,\n"
                 "clearance top_secret, no unit). The password is taken from the environment\n"
                 "variable PHOIHOP_ADMIN_PASSWORD (at least 10 characters) or generated and\n"
                 "printed once. Refuses to run on a database that already has an administrator.",
        .opts = opts,
        .n_opts = PH_NELEM(opts),
    };
    char *args[1];
    size_t n_args = 0;
    const char *db = NULL;
    char generated[CLI_GENERATED_PASSWORD_CHARS + 1] = "";
    struct store *st = NULL;
    struct arena a;
    struct cli_new_person ca;
    struct core_ctx cx;
    bool found = false, is_generated = false;
    ph_err rc;
    int ec = cli_parse(&spec, argc, argv, args, &n_args);

    if (ec != CLI_CONTINUE)
        return ec;
    if ((ec = cli_require(&spec, &opts[O_DB], &db)) != CLI_CONTINUE)
        return ec;
    memset(&ca, 0, sizeof(ca));
    if ((ec = cli_choose_password("PHOIHOP_ADMIN_PASSWORD", generated, sizeof(generated),
                                  &ca.password, &is_generated)) != CLI_CONTINUE)
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
    ca.person.username = ADMIN_USERNAME;
    ca.person.full_name = ADMIN_FULL_NAME;
    ca.person.roles = ROLE_ADMIN;
    ca.person.clearance = CLEARANCE_TOP_SECRET;
    rc = writer_run_sync(&cx, cli_create_person, &ca);
    if (rc != PH_OK) {
        ec = cli_fail_rc("cannot create the administrator", rc, ca.field);
        goto out;
    }
    printf("phoihop: database '%s' initialised\n", db);
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
        cli_write_secret_file(opts[O_PASSWORD_FILE].value, ca.password) != PH_OK)
        ec = CLI_EXIT_FAIL;
out:
    sodium_memzero(generated, sizeof(generated));
    store_close(st);
    arena_release(&a);
    return ec;
}
