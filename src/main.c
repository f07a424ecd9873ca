/* main.c - the command line: one table of subcommands, each a cmd_<name>() in
 * src/cli/. Everything but this file is in libphoihop.a. */
#include "util/base.h"
#include "cli/cli.h"
#include "security/password.h"
#include "util/log.h"

/* Set-up commands print results for a person: only warnings and errors are logged. */
#define CMD_QUIET_LOG 1u

static const struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    unsigned flags;
    const char *summary;
} commands[] = {
    {"init", cmd_init, CMD_QUIET_LOG, "create the database and the administrator account"},
    {"serve", cmd_serve, 0, "serve the JSON API over HTTP"},
    {"people", cmd_people, CMD_QUIET_LOG, "add, list, disable people; set passwords"},
    {"demo", cmd_demo, CMD_QUIET_LOG, "add the synthetic demo province"},
    {"audit", cmd_audit, CMD_QUIET_LOG, "verify the hash chain of the audit log"},
    {"incident", cmd_incident, CMD_QUIET_LOG, "report, list, show and acknowledge incidents"},
    {"positions", cmd_positions, CMD_QUIET_LOG, "import positions from a GPX or CSV file"},
    {"operation", cmd_operation, CMD_QUIET_LOG, "plan, list, show and log joint operations"},
    {"hotspots", cmd_hotspots, CMD_QUIET_LOG, "hot spots: Gi*, emerging hot spots, density"},
    {"areas", cmd_areas, CMD_QUIET_LOG, "official units: import, successions, counts by map, proposals"},
    {"migrate", cmd_migrate, CMD_QUIET_LOG, "copy a database into a new one (SQLite, PostgreSQL)"},
};

static void usage(FILE *out)
{
    fprintf(out, "Usage: phoihop COMMAND [options]\n"
                 "       phoihop COMMAND --help\n"
                 "       phoihop --version\n"
                 "\n"
                 "Coordination of a province's police, military command and border guard.\n"
                 "\n"
                 "Commands:\n");
    for (size_t i = 0; i < PH_NELEM(commands); i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n"
                 "Every option --NAME may also be set as the environment variable\n"
                 "PHOIHOP_NAME (upper case, '-' as '_'; e.g. --db as PHOIHOP_DB); the command\n"
                 "line overrides it. PHOIHOP_LOG_LEVEL=debug|info|warn|error sets the logging.\n"
                 "Exit status: 0 success, 1 failure, 2 usage error. See phoihop(1).\n");
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : NULL;
    const char *level = getenv("PHOIHOP_LOG_LEVEL");

    if (cmd == NULL) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("phoihop %s\n", PHOIHOP_VERSION);
        return CLI_EXIT_OK;
    }
    for (size_t i = 0; i < PH_NELEM(commands); i++) {
        if (strcmp(cmd, commands[i].name) != 0)
            continue;
        if (level != NULL && *level != '\0') {
            int lv = log_level_parse(level);
            if (lv < 0) {
                fprintf(stderr,
                        "phoihop: PHOIHOP_LOG_LEVEL: expected debug, info, warn or "
                        "error, not '%s'\n",
                        level);
                return CLI_EXIT_USAGE;
            }
            log_set_level((enum log_level)lv);
        } else if (commands[i].flags & CMD_QUIET_LOG) {
            log_set_level(LOG_WARN);
        }
        if (password_lib_init() != PH_OK) {
            fprintf(stderr, "phoihop: cannot initialise libsodium\n");
            return CLI_EXIT_FAIL;
        }
        return commands[i].run(argc - 1, argv + 1);
    }
    fprintf(stderr, "phoihop: unknown command '%s'\nTry 'phoihop --help'.\n", cmd);
    return CLI_EXIT_USAGE;
}
