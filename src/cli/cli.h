/* cli.h - the command-line door: one cmd_<name>() per subcommand (src/cli/cmd_*.c),
 * dispatched from the table in src/main.c, and the helpers they share: option
 * parsing with PHOIHOP_* environment fallbacks (opts.c), opening the store and
 * reporting failures (common.c).
 *
 * Every command returns its exit status: CLI_EXIT_OK, CLI_EXIT_FAIL (the work
 * failed; a message is on stderr), CLI_EXIT_USAGE (unknown option, missing or
 * malformed argument). Commands act as core_system_user through the same core
 * services as the HTTP door, with writes inside writer_run_sync(). */
#ifndef PH_CLI_CLI_H
#define PH_CLI_CLI_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "core/ctx.h"
#include "core/person.h"
#include "util/err.h"
struct arena;
struct store;

#ifndef PHOIHOP_VERSION
#define PHOIHOP_VERSION "0.1.0"
#endif

#define CLI_EXIT_OK 0
#define CLI_EXIT_FAIL 1
#define CLI_EXIT_USAGE 2
#define CLI_CONTINUE (-1) /* cli_parse(): go on with the command */
#define CLI_GENERATED_PASSWORD_CHARS 16 /* a password made for the user, shown once */

/* One long option. The environment variable is PHOIHOP_ + name upper-cased with
 * '-' as '_' ("login-throttle" -> PHOIHOP_LOGIN_THROTTLE); the command line wins. */
struct cli_opt {
    const char *name; /* without "--", e.g. "db" */
    const char *arg;  /* placeholder for the value in help ("PATH"); NULL: a flag */
    const char *help; /* one line of English for --help */
    /* Set by cli_parse(): the value (borrowed from argv or the environment), "1" for
     * a flag that is on, NULL when absent. */
    const char *value;
    bool is_from_env;
};

/* A (sub)command as its help text and error messages show it. */
struct cli_spec {
    const char *name;     /* "people add": shown as "phoihop people add" */
    const char *synopsis; /* after "Usage: phoihop ", e.g. "people add --db PATH ..." */
    const char *about;    /* paragraph(s) after the usage line; may be NULL */
    struct cli_opt *opts; /* the table cli_parse() fills */
    size_t n_opts;
    size_t max_args; /* positional arguments allowed */
};

/* Parse argv[1..argc) (argv[0] is the command's own name) into spec->opts and the
 * positional arguments args[0..*n_args) (borrowed from argv). Accepts "--name VALUE",
 * "--name=VALUE", "--flag" and "--" (end of options); "-h"/"--help" prints the help
 * to stdout. Options absent from argv are read from the environment. Returns
 * CLI_CONTINUE, or the exit status to return at once: CLI_EXIT_OK after --help,
 * CLI_EXIT_USAGE after a usage error (the message is on stderr). */
int cli_parse(const struct cli_spec *spec, int argc, char **argv, char **args, size_t *n_args);
/* Print spec's help: usage, about, options with their environment variables. */
void cli_help(const struct cli_spec *spec, FILE *out);
/* The environment variable name of option name into out ("PHOIHOP_DB"). */
void cli_env_name(const char *name, char *out, size_t out_size);

/* "phoihop NAME: <message>" and a hint to --help on stderr; returns CLI_EXIT_USAGE. */
int cli_usage_error(const struct cli_spec *spec, const char *fmt, ...) PH_PRINTF(2, 3);
/* "phoihop: <message>" on stderr; returns CLI_EXIT_FAIL. */
int cli_fail(const char *fmt, ...) PH_PRINTF(1, 2);
/* The value of option name, or a usage error when it is absent: returns
 * CLI_CONTINUE with *out set, or CLI_EXIT_USAGE. */
int cli_require(const struct cli_spec *spec, const struct cli_opt *o, const char **out);
/* Integer option o in [min, max] into *out (unchanged when o is absent): returns
 * CLI_CONTINUE or CLI_EXIT_USAGE. */
int cli_int(const struct cli_spec *spec, const struct cli_opt *o, long min, long max, long *out);
/* True when flag option o is on. */
bool cli_flag(const struct cli_opt *o);

/* Open the database dsn ("PATH" or "sqlite:PATH"). When must_exist, a missing file
 * is an error that suggests `phoihop init` (rather than silently creating an empty
 * database). Prints a message and returns CLI_EXIT_FAIL on failure (a schema newer
 * than this binary says so), else CLI_CONTINUE with *st set (close with store_close). */
int cli_open_store(const char *dsn, bool must_exist, struct store **st);
/* The file behind dsn, or NULL when dsn is not a plain SQLite file (":memory:",
 * a URL). */
const char *cli_dsn_file(const char *dsn);
/* A core context acting as core_system_user from "cli" on st, allocating in a. */
struct core_ctx cli_ctx(struct store *st, struct arena *a);
/* Print a failed core call: "phoihop: <what>: <error text>[ (field F)]"; returns
 * CLI_EXIT_FAIL. field may be NULL. */
int cli_fail_rc(const char *what, ph_err rc, const char *field);
/* Write the NUL-terminated secret and a newline to path with mode 0600 (replacing
 * the file). PH_EIO with a message on stderr when it cannot. */
ph_err cli_write_secret_file(const char *path, const char *secret) PH_MUST_USE;

/* The password in environment variable var, checked against the password policy:
 * CLI_CONTINUE with *pw (borrowed from the environment; NULL when var is unset),
 * or CLI_EXIT_FAIL with "phoihop: VAR: <why>" on stderr. */
int cli_env_password(const char *var, const char **pw);
/* The password to set: var's (as cli_env_password), or when var is unset a new one
 * generated into buf (size bytes, CLI_GENERATED_PASSWORD_CHARS + 1 for the usual
 * length). *pw points to it and *is_generated says which; CLI_CONTINUE or
 * CLI_EXIT_FAIL. */
int cli_choose_password(const char *var, char *buf, size_t size, const char **pw,
                        bool *is_generated);

/* A person to create with writer_run_sync(cx, cli_create_person, &np): person and
 * password (may be NULL) in; on PH_OK person.id is set, on PH_EINVAL field names
 * the bad member. */
struct cli_new_person {
    struct person person;
    const char *password;
    const char *field;
};
ph_err cli_create_person(struct core_ctx *cx, void *new_person);

/* One subcommand of a command with subcommands ("people add"). */
struct cli_sub {
    const char *name;
    int (*run)(int argc, char **argv); /* argv[0] is the subcommand's name */
};
/* Run the subcommand argv[1] of command name from subs. Without one, usage goes to
 * stderr (CLI_EXIT_USAGE); "-h", "--help" and "help" print it to stdout
 * (CLI_EXIT_OK); an unknown one is a usage error naming it. */
int cli_dispatch(const char *name, const char *usage, const struct cli_sub *subs, size_t n_subs,
                 int argc, char **argv);

/* Print a table to stdout: heads (cols of them; NULL when the first row of cells
 * is the header), then rows x cols cells, row-major, each column as wide as its
 * widest cell in terminal columns (utf8proc's widths: NFC Vietnamese is one per
 * code point). */
void cli_print_table(const char *const *heads, const char *const *cells, size_t rows, int cols);
/* Option parsers shared by the commands: an RFC 3339 time (or, when date_ok, a
 * date YYYY-MM-DD meaning its midnight in Asia/Ho_Chi_Minh) into *ms, untouched
 * when the option is absent; a finite number of decimal degrees. Both answer
 * CLI_CONTINUE, or a usage error naming the option. */
int cli_time_opt(const struct cli_spec *spec, const struct cli_opt *o, bool date_ok, int64_t *ms);
int cli_degrees_opt(const struct cli_spec *spec, const struct cli_opt *o, double *out);
/* ms as a local time in Asia/Ho_Chi_Minh (in a), "-" for 0. */
const char *cli_vn_time(struct arena *a, int64_t ms);
/* Act as the person username, as a login would (their roles, clearance and unit;
 * refused when the account is disabled or its unit inactive): *who, strings in
 * cx->arena. CLI_CONTINUE or the exit status of the error printed. */
int cli_act_as(struct core_ctx *cx, const char *username, struct core_user *who);
/* Open the database of db_opt (required) as *st with *cx over it, acting as the
 * person of as_opt when given (cli_act_as), else as the installation. */
int cli_open_as(const struct cli_spec *spec, const struct cli_opt *db_opt,
                const struct cli_opt *as_opt, struct arena *a, struct store **st,
                struct core_ctx *cx, struct core_user *who);

/* The subcommands. argv[0] is the subcommand's name. */
int cmd_init(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_people(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_incident(int argc, char **argv);
int cmd_positions(int argc, char **argv);
int cmd_operation(int argc, char **argv);
int cmd_hotspots(int argc, char **argv);
int cmd_areas(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
/* The area-history subcommands of `areas` (cmd_areas_history.c; core/area_history.h),
 * for cmd_areas.c's table: "successions", "count", "proposals". argv[0] is the
 * subcommand's name. */
int cmd_areas_successions(int argc, char **argv);
int cmd_areas_count(int argc, char **argv);
int cmd_areas_proposals(int argc, char **argv);
#endif
