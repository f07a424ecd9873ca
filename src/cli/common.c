/* common.c - what every subcommand does around its core calls: dispatch to a
 * subcommand, open the store with a message a person can act on, build the system
 * user's context, report errors, choose a password and create a person with it,
 * keep a secret in a file only its owner can read. */
#include "util/base.h"
#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utf8proc.h>
#include "cli/cli.h"
#include "util/dsn.h"
#include "core/person.h"
#include "core/unit.h"
#include "security/password.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/mem.h"
#include "util/time.h"

int cli_fail(const char *fmt, ...)
{
    va_list ap;
    fputs("phoihop: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return CLI_EXIT_FAIL;
}

int cli_fail_rc(const char *what, ph_err rc, const char *field)
{
    if (field != NULL)
        return cli_fail("%s: %s (field '%s')", what, err_str(rc), field);
    return cli_fail("%s: %s", what, err_str(rc));
}

const char *cli_dsn_file(const char *dsn)
{
    const char *path = strncmp(dsn, "sqlite:", 7) == 0 ? dsn + 7 : dsn;
    if (strstr(dsn, "://") != NULL || strcmp(path, ":memory:") == 0 ||
        strncmp(path, "file:", 5) == 0)
        return NULL;
    return path;
}

int cli_open_store(const char *dsn, bool must_exist, struct store **st)
{
    char shown[512];
    const char *path = cli_dsn_file(dsn);
    ph_err rc;

    if (must_exist && path != NULL && access(path, F_OK) != 0)
        return cli_fail("no database at '%s' (create it with 'phoihop init --db %s')", path, path);
    /* The database holds password hashes. SQLite creates the file (0644 less the
     * umask) and gives its -wal and -shm files the database's mode, so a umask that
     * keeps everything from group and others while the file is made covers all
     * three. An existing file keeps its mode. */
    mode_t old_mask = umask(077);
    rc = store_open(dsn, st);
    umask(old_mask);
    if (rc == PH_ESCHEMA)
        return cli_fail("cannot open database '%s': %s; use a newer phoihop",
                        dsn_redact(dsn, shown, sizeof(shown)), err_str(rc));
    if (rc != PH_OK)
        return cli_fail("cannot open database '%s': %s", dsn_redact(dsn, shown, sizeof(shown)),
                        err_str(rc));
    return CLI_CONTINUE;
}

struct core_ctx cli_ctx(struct store *st, struct arena *a)
{
    struct core_ctx cx = {
        .st = st,
        .arena = a,
        .user = &core_system_user,
        .client = "cli",
        .now_ms = time_now_ms(),
    };
    return cx;
}

ph_err cli_write_secret_file(const char *path, const char *secret)
{
    size_t len = strlen(secret);
    ph_err rc = PH_EIO;
    /* 0600 from the start: the secret must never be readable by others, not even
     * between open() and a later chmod(). fchmod() covers an existing file. */
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);

    if (fd < 0)
        goto out;
    if (fchmod(fd, 0600) != 0 || write(fd, secret, len) != (ssize_t)len || write(fd, "\n", 1) != 1)
        goto out;
    rc = PH_OK;
out:
    if (rc != PH_OK)
        fprintf(stderr, "phoihop: cannot write '%s': %s\n", path, strerror(errno));
    if (fd >= 0 && close(fd) != 0 && rc == PH_OK) {
        fprintf(stderr, "phoihop: cannot write '%s': %s\n", path, strerror(errno));
        rc = PH_EIO;
    }
    return rc;
}

int cli_env_password(const char *var, const char **pw)
{
    const char *env = getenv(var), *why = NULL;

    if (env != NULL && password_check_policy(env, &why) != PH_OK)
        return cli_fail("%s: %s", var, why != NULL ? why : "not acceptable");
    *pw = env;
    return CLI_CONTINUE;
}

int cli_choose_password(const char *var, char *buf, size_t size, const char **pw,
                        bool *is_generated)
{
    const char *env = NULL;
    int ec = cli_env_password(var, &env);

    if (ec != CLI_CONTINUE)
        return ec;
    *is_generated = env == NULL;
    if (env == NULL) {
        password_generate(buf, size);
        env = buf;
    }
    *pw = env;
    return CLI_CONTINUE;
}

ph_err cli_create_person(struct core_ctx *cx, void *new_person)
{
    struct cli_new_person *np = new_person;
    return person_create(cx, &np->person, np->password, &np->field);
}

static bool is_help(const char *arg)
{
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0 || strcmp(arg, "help") == 0;
}

int cli_dispatch(const char *name, const char *usage, const struct cli_sub *subs, size_t n_subs,
                 int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return CLI_EXIT_USAGE;
    }
    if (is_help(argv[1])) {
        fputs(usage, stdout);
        return CLI_EXIT_OK;
    }
    for (size_t i = 0; i < n_subs; i++)
        if (strcmp(argv[1], subs[i].name) == 0)
            return subs[i].run(argc - 1, argv + 1);
    fprintf(stderr, "phoihop %s: unknown command '%s'\nTry 'phoihop %s --help'.\n", name, argv[1],
            name);
    return CLI_EXIT_USAGE;
}

/* ---- tables ------------------------------------------------------------------------ */

/* Columns on a terminal: one per code point of NFC Vietnamese, with utf8proc
 * knowing the exceptions (wide CJK, zero-width marks). */
static int display_width(const char *s)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    int width = 0;
    utf8proc_int32_t cp;

    for (;;) {
        utf8proc_ssize_t n = utf8proc_iterate(p, -1, &cp);
        if (n <= 0 || cp == 0)
            break;
        width += utf8proc_charwidth(cp);
        p += n;
    }
    return width;
}

static void print_cell(const char *s, int width, bool is_last)
{
    fputs(s, stdout);
    if (is_last)
        return;
    for (int w = display_width(s); w < width + 2; w++)
        fputc(' ', stdout);
}

static void print_row(const char *const *row, const int *widths, int cols)
{
    for (int c = 0; c < cols; c++)
        print_cell(row[c], widths[c], c == cols - 1);
    fputc('\n', stdout);
}

void cli_print_table(const char *const *heads, const char *const *cells, size_t rows, int cols)
{
    int *widths = xcalloc((size_t)cols, sizeof(*widths));

    for (int c = 0; heads != NULL && c < cols; c++)
        widths[c] = display_width(heads[c]);
    for (size_t r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) {
            int w = display_width(cells[r * (size_t)cols + (size_t)c]);
            if (w > widths[c])
                widths[c] = w;
        }
    if (heads != NULL)
        print_row(heads, widths, cols);
    for (size_t r = 0; r < rows; r++)
        print_row(&cells[r * (size_t)cols], widths, cols);
    free(widths);
}

int cli_time_opt(const struct cli_spec *spec, const struct cli_opt *o, bool date_ok, int64_t *ms)
{
    char buf[40];
    if (o->value == NULL)
        return CLI_CONTINUE;
    if (date_ok && time_is_date(o->value)) {
        snprintf(buf, sizeof(buf), "%sT00:00:00+07:00", o->value);
        if (time_parse_rfc3339(buf, ms) == PH_OK)
            return CLI_CONTINUE;
    }
    if (time_parse_rfc3339(o->value, ms) != PH_OK)
        return cli_usage_error(spec, "--%s: expected an RFC 3339 time%s, not '%s'", o->name,
                               date_ok ? " or a date YYYY-MM-DD" : "", o->value);
    return CLI_CONTINUE;
}

int cli_degrees_opt(const struct cli_spec *spec, const struct cli_opt *o, double *out)
{
    char *end = NULL;
    double v;
    errno = 0;
    v = strtod(o->value, &end);
    if (errno != 0 || end == o->value || *end != '\0' || !isfinite(v))
        return cli_usage_error(spec, "--%s: expected a number in decimal degrees, not '%s'",
                               o->name, o->value);
    *out = v;
    return CLI_CONTINUE;
}

const char *cli_vn_time(struct arena *a, int64_t ms)
{
    char buf[TIME_RFC3339_BYTES];
    if (ms == 0)
        return "-";
    time_format_vn(ms, buf);
    return arena_strdup(a, buf);
}

int cli_act_as(struct core_ctx *cx, const char *username, struct core_user *who)
{
    struct person p;
    struct unit u;
    ph_err rc = person_get_by_username(cx, username, &p);

    if (rc == PH_ENOTFOUND)
        return cli_fail("no person with username '%s' (--as)", username);
    if (rc != PH_OK)
        return cli_fail_rc("cannot look up the person", rc, NULL);
    if (p.is_disabled)
        return cli_fail("the account '%s' is disabled (--as)", username);
    memset(who, 0, sizeof(*who));
    who->person_id = p.id;
    who->username = p.username;
    who->full_name = p.full_name;
    who->roles = p.roles;
    who->clearance = p.clearance;
    if (p.unit_id != 0) {
        rc = unit_get(cx, p.unit_id, &u);
        if (rc != PH_OK)
            return cli_fail_rc("cannot look up the person's unit", rc, NULL);
        if (!u.is_active)
            return cli_fail("the unit %s of '%s' is inactive (--as)", u.code, username);
        who->unit_id = u.id;
        who->unit_path = u.path;
        who->unit_level = u.level;
        who->force = u.force;
    }
    return CLI_CONTINUE;
}


int cli_open_as(const struct cli_spec *spec, const struct cli_opt *db_opt,
                    const struct cli_opt *as_opt, struct arena *a, struct store **st,
                    struct core_ctx *cx, struct core_user *who)
{
    const char *db = NULL;
    int ec = cli_require(spec, db_opt, &db);
    if (ec != CLI_CONTINUE)
        return ec;
    ec = cli_open_store(db, true, st);
    if (ec != CLI_CONTINUE)
        return ec;
    *cx = cli_ctx(*st, a);
    if (as_opt->value != NULL && as_opt->value[0] != '\0') {
        ec = cli_act_as(cx, as_opt->value, who);
        if (ec != CLI_CONTINUE)
            return ec;
        cx->user = who;
    }
    return CLI_CONTINUE;
}

