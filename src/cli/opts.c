/* opts.c - long options for every subcommand, each with a PHOIHOP_* environment
 * variable (so that systemd units and containers configure phoihop without a
 * command line), and the help text generated from the same table so that the two
 * never disagree. getopt_long is not used: it cannot supply the environment
 * fallback or the per-option help, and it permutes argv. */
#include "util/base.h"
#include <ctype.h>
#include <limits.h>
#include <strings.h>
#include <stdarg.h>
#include "cli/cli.h"

#define ENV_NAME_BYTES 64

void cli_env_name(const char *name, char *out, size_t out_size)
{
    size_t n = (size_t)snprintf(out, out_size, "PHOIHOP_");
    for (const char *c = name; *c != '\0' && n + 1 < out_size; c++)
        out[n++] = *c == '-' ? '_' : (char)toupper((unsigned char)*c);
    if (n < out_size)
        out[n] = '\0';
}

void cli_help(const struct cli_spec *spec, FILE *out)
{
    fprintf(out, "Usage: phoihop %s\n", spec->synopsis);
    if (spec->about != NULL)
        fprintf(out, "\n%s\n", spec->about);
    fprintf(out, "\nOptions:\n");
    for (size_t i = 0; i < spec->n_opts; i++) {
        const struct cli_opt *o = &spec->opts[i];
        char left[80], env[ENV_NAME_BYTES];
        snprintf(left, sizeof(left), "--%s%s%s", o->name, o->arg != NULL ? " " : "",
                 o->arg != NULL ? o->arg : "");
        cli_env_name(o->name, env, sizeof(env));
        fprintf(out, "  %-28s %s\n  %-28s [env %s]\n", left, o->help, "", env);
    }
    fprintf(out, "  %-28s %s\n", "-h, --help", "show this help and exit");
    fprintf(out, "\nEvery option may also be set with the environment variable shown; the\n"
                 "command line overrides it. Exit status: 0 success, 1 failure, 2 usage error.\n");
}

int cli_usage_error(const struct cli_spec *spec, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "phoihop %s: ", spec->name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'phoihop %s --help'.\n", spec->name);
    return CLI_EXIT_USAGE;
}

static struct cli_opt *find_opt(const struct cli_spec *spec, const char *name, size_t len)
{
    for (size_t i = 0; i < spec->n_opts; i++)
        if (strlen(spec->opts[i].name) == len && strncmp(spec->opts[i].name, name, len) == 0)
            return &spec->opts[i];
    return NULL;
}

/* Flags in the environment: anything but an explicit "off" would surprise. */
static int env_flag(const struct cli_spec *spec, const char *env, const char *v, bool *on)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"", "0", "false", "no", "off"};
    for (size_t i = 0; i < PH_NELEM(yes); i++)
        if (strcasecmp(v, yes[i]) == 0) {
            *on = true;
            return CLI_CONTINUE;
        }
    for (size_t i = 0; i < PH_NELEM(no); i++)
        if (strcasecmp(v, no[i]) == 0) {
            *on = false;
            return CLI_CONTINUE;
        }
    return cli_usage_error(spec, "%s: expected 1/0, true/false, yes/no or on/off, not '%s'", env,
                           v);
}

static int fill_from_env(const struct cli_spec *spec)
{
    for (size_t i = 0; i < spec->n_opts; i++) {
        struct cli_opt *o = &spec->opts[i];
        char env[ENV_NAME_BYTES];
        if (o->value != NULL)
            continue;
        cli_env_name(o->name, env, sizeof(env));
        const char *v = getenv(env);
        if (v == NULL)
            continue;
        if (o->arg == NULL) {
            bool on = false;
            int ec = env_flag(spec, env, v, &on);
            if (ec != CLI_CONTINUE)
                return ec;
            o->value = on ? "1" : NULL;
        } else {
            o->value = v;
        }
        o->is_from_env = o->value != NULL;
    }
    return CLI_CONTINUE;
}

int cli_parse(const struct cli_spec *spec, int argc, char **argv, char **args, size_t *n_args)
{
    bool is_end_of_opts = false;

    *n_args = 0;
    for (size_t i = 0; i < spec->n_opts; i++) {
        spec->opts[i].value = NULL;
        spec->opts[i].is_from_env = false;
    }
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (is_end_of_opts || s[0] != '-' || s[1] == '\0') {
            if (*n_args >= spec->max_args)
                return spec->max_args == 0 ? cli_usage_error(spec, "unexpected argument '%s'", s)
                                           : cli_usage_error(spec, "too many arguments ('%s')", s);
            args[(*n_args)++] = argv[i];
            continue;
        }
        if (strcmp(s, "--") == 0) {
            is_end_of_opts = true;
            continue;
        }
        if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0) {
            cli_help(spec, stdout);
            return CLI_EXIT_OK;
        }
        if (s[1] != '-')
            return cli_usage_error(spec, "unknown option '%s'", s);
        const char *name = s + 2, *eq = strchr(name, '=');
        size_t len = eq != NULL ? (size_t)(eq - name) : strlen(name);
        struct cli_opt *o = find_opt(spec, name, len);
        if (o == NULL)
            return cli_usage_error(spec, "unknown option '--%.*s'", (int)len, name);
        if (o->arg == NULL) {
            if (eq != NULL)
                return cli_usage_error(spec, "option '--%s' takes no value", o->name);
            o->value = "1";
        } else if (eq != NULL) {
            o->value = eq + 1;
        } else {
            if (i + 1 >= argc)
                return cli_usage_error(spec, "option '--%s' needs a value (%s)", o->name, o->arg);
            o->value = argv[++i];
        }
        o->is_from_env = false;
    }
    return fill_from_env(spec);
}

int cli_require(const struct cli_spec *spec, const struct cli_opt *o, const char **out)
{
    char env[ENV_NAME_BYTES];
    if (o->value == NULL || o->value[0] == '\0') {
        cli_env_name(o->name, env, sizeof(env));
        return cli_usage_error(spec, "missing --%s %s (or %s)", o->name,
                               o->arg != NULL ? o->arg : "", env);
    }
    *out = o->value;
    return CLI_CONTINUE;
}

int cli_int(const struct cli_spec *spec, const struct cli_opt *o, long min, long max, long *out)
{
    char *end = NULL;
    long v;

    if (o->value == NULL)
        return CLI_CONTINUE;
    errno = 0;
    v = strtol(o->value, &end, 10);
    if (errno != 0 || end == o->value || *end != '\0' || v < min || v > max)
        return cli_usage_error(spec, "--%s: expected a whole number from %ld to %ld, not '%s'",
                               o->name, min, max, o->value);
    *out = v;
    return CLI_CONTINUE;
}

bool cli_flag(const struct cli_opt *o)
{
    return o->value != NULL;
}
