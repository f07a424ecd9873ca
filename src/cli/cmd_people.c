/* cmd_people.c - `phoihop people add|passwd|disable|enable|list`: the directory of
 * people from the command line, for set-up and for the day the web UI's only
 * administrator forgot their password. Every change goes through the core
 * services (so it is validated and audited like one made over HTTP), acting as
 * the installation itself. */
#include "util/base.h"
#include <sodium.h>
#include "cli/cli.h"
#include "core/access.h"
#include "core/person.h"
#include "core/unit.h"
#include "core/writer.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/limits.h"
#include "util/mem.h"

/* ---- shared ------------------------------------------------------------------- */

static bool is_all_digits(const char *s)
{
    if (*s == '\0')
        return false;
    for (; *s != '\0'; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

/* The unit whose id or code is s. Codes are matched exactly over the whole
 * directory: a province has at most a few thousand units. */
static ph_err resolve_unit(struct core_ctx *cx, const char *s, struct unit *out)
{
    struct unit_filter f = {.include_inactive = true, .limit = LIST_MAX_LIMIT};
    ph_err rc;

    if (is_all_digits(s)) {
        errno = 0;
        long long id = strtoll(s, NULL, 10);
        if (errno == 0) {
            rc = unit_get(cx, (int64_t)id, out);
            if (rc != PH_ENOTFOUND)
                return rc;
        }
        /* Not an id: a code made of digits, perhaps. */
    }
    for (bool has_more = true; has_more;) {
        struct unit *items = NULL;
        size_t n = 0;
        rc = unit_list(cx, &f, &items, &n, &has_more);
        if (rc != PH_OK)
            return rc;
        for (size_t i = 0; i < n; i++)
            if (strcmp(items[i].code, s) == 0) {
                *out = items[i];
                return PH_OK;
            }
        if (n == 0)
            break;
        f.after_id = items[n - 1].id;
    }
    return PH_ENOTFOUND;
}

static int open_for(const struct cli_spec *spec, const struct cli_opt *db_opt, struct arena *a,
                    struct store **st, struct core_ctx *cx)
{
    const char *db = NULL;
    int ec = cli_require(spec, db_opt, &db);
    if (ec != CLI_CONTINUE)
        return ec;
    ec = cli_open_store(db, true, st);
    if (ec != CLI_CONTINUE)
        return ec;
    *cx = cli_ctx(*st, a);
    return CLI_CONTINUE;
}

/* ---- people add ------------------------------------------------------------------ */

enum {
    ADD_DB,
    ADD_USERNAME,
    ADD_FULL_NAME,
    ADD_RANK,
    ADD_POSITION,
    ADD_UNIT,
    ADD_ROLE,
    ADD_CLEARANCE,
    ADD_PHONE,
    ADD_EMAIL
};

/* "commander,viewer" into ROLE_* bits; 0 with *bad set when a name is unknown. */
static unsigned parse_roles(struct arena *a, const char *list, const char **bad)
{
    unsigned roles = 0;
    char *copy = arena_strdup(a, list), *save = NULL;

    for (char *tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        unsigned r = role_parse(tok);
        if (r == 0) {
            *bad = tok;
            return 0;
        }
        roles |= r;
    }
    if (roles == 0)
        *bad = list;
    return roles;
}

static int people_add(int argc, char **argv)
{
    struct cli_opt opts[] = {
        [ADD_DB] = {"db", "PATH", "database file", NULL, false},
        [ADD_USERNAME] = {"username", "NAME", "login name: a-z 0-9 . _ -, 3 to 64 characters", NULL,
                          false},
        [ADD_FULL_NAME] = {"full-name", "TEXT", "full name, e.g. \"Nguyễn Văn An\"", NULL, false},
        [ADD_RANK] = {"rank", "TEXT", "rank, e.g. \"Thiếu tá\"", NULL, false},
        [ADD_POSITION] = {"position", "TEXT", "position, e.g. \"Trực ban\"", NULL, false},
        [ADD_UNIT] = {"unit", "CODE|ID", "the person's unit (admins may have none)", NULL, false},
        [ADD_ROLE] = {"role", "ROLE[,ROLE]", "one or more roles, comma-separated (see above)", NULL,
                      false},
        [ADD_CLEARANCE] = {"clearance", "LEVEL", "clearance (see above; default unclassified)", NULL,
                           false},
        [ADD_PHONE] = {"phone", "TEXT", "phone number", NULL, false},
        [ADD_EMAIL] = {"email", "TEXT", "e-mail address", NULL, false},
    };
    const struct cli_spec spec = {
        .name = "people add",
        .synopsis = "people add --db PATH --username NAME --full-name TEXT --role ROLE[,ROLE]\n"
                    "       [--unit CODE|ID] [--rank TEXT] [--position TEXT] [--clearance LEVEL]",
        .about = "Create an account. The password is taken from PHOIHOP_PASSWORD, or generated\n"
                 "and printed once.\n"
                 "Roles: viewer, reporter, duty_officer, commander, coordinator, admin.\n"
                 "Clearances: unclassified, confidential, secret, top_secret.",
        .opts = opts,
        .n_opts = PH_NELEM(opts),
    };
    char *args[1];
    size_t n_args = 0;
    char generated[CLI_GENERATED_PASSWORD_CHARS + 1] = "";
    struct arena a;
    struct store *st = NULL;
    struct core_ctx cx;
    struct cli_new_person cp;
    struct unit unit;
    const char *bad = NULL;
    bool is_generated = false;
    long clearance = CLEARANCE_UNCLASSIFIED;
    ph_err rc;
    int ec = cli_parse(&spec, argc, argv, args, &n_args);

    if (ec != CLI_CONTINUE)
        return ec;
    memset(&cp, 0, sizeof(cp));
    arena_init(&a);
    if ((ec = cli_require(&spec, &opts[ADD_USERNAME], &cp.person.username)) != CLI_CONTINUE ||
        (ec = cli_require(&spec, &opts[ADD_FULL_NAME], &cp.person.full_name)) != CLI_CONTINUE ||
        (ec = cli_require(&spec, &opts[ADD_ROLE], &bad)) != CLI_CONTINUE)
        goto out;
    cp.person.roles = parse_roles(&a, opts[ADD_ROLE].value, &bad);
    if (cp.person.roles == 0) {
        ec = cli_usage_error(&spec, "--role: unknown role '%s'", bad);
        goto out;
    }
    if (opts[ADD_CLEARANCE].value != NULL) {
        clearance = clearance_parse(opts[ADD_CLEARANCE].value);
        if (clearance < 0) {
            ec = cli_usage_error(&spec, "--clearance: unknown level '%s'",
                                 opts[ADD_CLEARANCE].value);
            goto out;
        }
    }
    if ((ec = open_for(&spec, &opts[ADD_DB], &a, &st, &cx)) != CLI_CONTINUE)
        goto out;
    if (opts[ADD_UNIT].value != NULL) {
        rc = resolve_unit(&cx, opts[ADD_UNIT].value, &unit);
        if (rc == PH_ENOTFOUND) {
            ec = cli_fail("no unit with code or id '%s'", opts[ADD_UNIT].value);
            goto out;
        }
        if (rc != PH_OK) {
            ec = cli_fail_rc("cannot look up the unit", rc, NULL);
            goto out;
        }
        cp.person.unit_id = unit.id;
    }
    cp.person.rank = opts[ADD_RANK].value;
    cp.person.position = opts[ADD_POSITION].value;
    cp.person.clearance = (int)clearance;
    cp.person.phone = opts[ADD_PHONE].value;
    cp.person.email = opts[ADD_EMAIL].value;
    if ((ec = cli_choose_password("PHOIHOP_PASSWORD", generated, sizeof(generated), &cp.password,
                                  &is_generated)) != CLI_CONTINUE)
        goto out;
    rc = writer_run_sync(&cx, cli_create_person, &cp);
    if (rc != PH_OK) {
        ec = cli_fail_rc("cannot create the person", rc, cp.field);
        goto out;
    }
    if (is_generated)
        printf("phoihop: person '%s' created (id %lld); password (shown only now): %s\n",
               cp.person.username, (long long)cp.person.id, generated);
    else
        printf("phoihop: person '%s' created (id %lld) with the password from PHOIHOP_PASSWORD\n",
               cp.person.username, (long long)cp.person.id);
    ec = CLI_EXIT_OK;
out:
    sodium_memzero(generated, sizeof(generated));
    store_close(st);
    arena_release(&a);
    return ec;
}

/* ---- people passwd / disable / enable ------------------------------------------------ */

struct person_change {
    int64_t id;
    const char *password; /* passwd */
    bool is_disabled;     /* disable/enable */
    const char *field;
};

static ph_err set_password(struct core_ctx *cx, void *arg)
{
    struct person_change *pc = arg;
    return person_set_password(cx, pc->id, NULL, pc->password, &pc->field);
}

static ph_err set_disabled(struct core_ctx *cx, void *arg)
{
    struct person_change *pc = arg;
    return person_set_disabled(cx, pc->id, pc->is_disabled);
}

enum { ONE_DB };

/* passwd, disable and enable (argv[0]): one person named by username, one change. */
static int people_change(int argc, char **argv)
{
    const char *verb = argv[0];
    struct cli_opt opts[] = {
        [ONE_DB] = {"db", "PATH", "database file", NULL, false},
    };
    char name[32], synopsis[64];
    const char *about =
        strcmp(verb, "passwd") == 0
            ? "Set a new password for USERNAME (from PHOIHOP_PASSWORD, or generated and\n"
              "printed once), end all of the person's sessions and clear a lock-out."
        : strcmp(verb, "disable") == 0
            ? "Disable the account USERNAME: it can no longer log in, and its sessions\n"
              "and API tokens are revoked. People are never deleted."
            : "Enable the account USERNAME again.";
    snprintf(name, sizeof(name), "people %s", verb);
    snprintf(synopsis, sizeof(synopsis), "people %s --db PATH USERNAME", verb);
    const struct cli_spec spec = {
        .name = name,
        .synopsis = synopsis,
        .about = about,
        .opts = opts,
        .n_opts = PH_NELEM(opts),
        .max_args = 1,
    };
    char *args[1];
    size_t n_args = 0;
    char generated[CLI_GENERATED_PASSWORD_CHARS + 1] = "";
    bool is_passwd = strcmp(verb, "passwd") == 0, is_generated = false;
    struct arena a;
    struct store *st = NULL;
    struct core_ctx cx;
    struct person p;
    struct person_change pc;
    ph_err rc;
    int ec = cli_parse(&spec, argc, argv, args, &n_args);

    if (ec != CLI_CONTINUE)
        return ec;
    if (n_args != 1)
        return cli_usage_error(&spec, "missing USERNAME");
    arena_init(&a);
    memset(&pc, 0, sizeof(pc));
    if ((ec = open_for(&spec, &opts[ONE_DB], &a, &st, &cx)) != CLI_CONTINUE)
        goto out;
    rc = person_get_by_username(&cx, args[0], &p);
    if (rc == PH_ENOTFOUND) {
        ec = cli_fail("no person with username '%s'", args[0]);
        goto out;
    }
    if (rc != PH_OK) {
        ec = cli_fail_rc("cannot look up the person", rc, NULL);
        goto out;
    }
    pc.id = p.id;
    if (is_passwd) {
        if ((ec = cli_choose_password("PHOIHOP_PASSWORD", generated, sizeof(generated),
                                      &pc.password, &is_generated)) != CLI_CONTINUE)
            goto out;
        rc = writer_run_sync(&cx, set_password, &pc);
    } else {
        pc.is_disabled = strcmp(verb, "disable") == 0;
        rc = writer_run_sync(&cx, set_disabled, &pc);
    }
    if (rc != PH_OK) {
        ec = cli_fail_rc(is_passwd ? "cannot set the password" : "cannot change the account", rc,
                         pc.field);
        goto out;
    }
    if (is_passwd && is_generated)
        printf("phoihop: new password for '%s' (shown only now): %s\n", p.username, generated);
    else if (is_passwd)
        printf("phoihop: password for '%s' set from PHOIHOP_PASSWORD\n", p.username);
    else
        printf("phoihop: account '%s' %s\n", p.username, pc.is_disabled ? "disabled" : "enabled");
    ec = CLI_EXIT_OK;
out:
    sodium_memzero(generated, sizeof(generated));
    store_close(st);
    arena_release(&a);
    return ec;
}

/* ---- people list ----------------------------------------------------------------------- */

enum { LIST_DB, LIST_UNIT };
enum {
    COL_ID,
    COL_USERNAME,
    COL_NAME,
    COL_RANK,
    COL_POSITION,
    COL_UNIT,
    COL_ROLES,
    COL_CLEARANCE,
    COL_STATE,
    N_COLS
};

static const char *roles_text(struct arena *a, unsigned roles)
{
    char *out = "";
    for (unsigned bit = 0; bit < ROLE_COUNT; bit++)
        if (roles & (1u << bit))
            out = arena_printf(a, "%s%s%s", out, *out != '\0' ? "," : "", role_name(1u << bit));
    return out;
}

static const char *state_text(const struct person *p, int64_t now_ms)
{
    if (p->is_disabled)
        return "disabled";
    if (p->locked_until > now_ms)
        return "locked";
    return p->has_password ? "active" : "no password";
}

/* Unit codes by id, looked up once each. */
struct unit_codes {
    int64_t *ids;
    const char **codes;
    size_t n, cap;
};

static const char *unit_code(struct core_ctx *cx, struct unit_codes *uc, int64_t id)
{
    struct unit u;
    if (id == 0)
        return "-";
    for (size_t i = 0; i < uc->n; i++)
        if (uc->ids[i] == id)
            return uc->codes[i];
    if (uc->n == uc->cap) {
        size_t cap = uc->cap != 0 ? uc->cap * 2 : 64;
        int64_t *ids = arena_alloc(cx->arena, cap * sizeof(*ids));
        const char **codes = arena_alloc(cx->arena, cap * sizeof(*codes));
        if (uc->n > 0) {
            memcpy(ids, uc->ids, uc->n * sizeof(*ids));
            memcpy(codes, uc->codes, uc->n * sizeof(*codes));
        }
        uc->ids = ids;
        uc->codes = codes;
        uc->cap = cap;
    }
    uc->ids[uc->n] = id;
    uc->codes[uc->n] =
        unit_get(cx, id, &u) == PH_OK ? u.code : arena_printf(cx->arena, "#%lld", (long long)id);
    return uc->codes[uc->n++];
}

static int people_list(int argc, char **argv)
{
    struct cli_opt opts[] = {
        [LIST_DB] = {"db", "PATH", "database file", NULL, false},
        [LIST_UNIT] = {"unit", "CODE|ID", "only people of this unit and the units below it", NULL,
                       false},
    };
    const struct cli_spec spec = {
        .name = "people list",
        .synopsis = "people list --db PATH [--unit CODE|ID]",
        .about = "List people as a table, disabled accounts included.",
        .opts = opts,
        .n_opts = PH_NELEM(opts),
    };
    static const char *const heads[N_COLS] = {"ID",   "USERNAME", "FULL NAME", "RANK", "POSITION",
                                              "UNIT", "ROLES",    "CLEARANCE", "STATE"};
    char *args[1];
    size_t n_args = 0, n_rows = 0, cap_rows = 0;
    const char **cells = NULL; /* n_rows x N_COLS */
    struct arena a;
    struct store *st = NULL;
    struct core_ctx cx;
    struct unit unit;
    struct unit_codes uc = {0};
    struct person_filter f = {.include_disabled = true, .limit = LIST_MAX_LIMIT};
    ph_err rc;
    int ec = cli_parse(&spec, argc, argv, args, &n_args);

    if (ec != CLI_CONTINUE)
        return ec;
    arena_init(&a);
    if ((ec = open_for(&spec, &opts[LIST_DB], &a, &st, &cx)) != CLI_CONTINUE)
        goto out;
    if (opts[LIST_UNIT].value != NULL) {
        rc = resolve_unit(&cx, opts[LIST_UNIT].value, &unit);
        if (rc != PH_OK) {
            ec = rc == PH_ENOTFOUND
                     ? cli_fail("no unit with code or id '%s'", opts[LIST_UNIT].value)
                     : cli_fail_rc("cannot look up the unit", rc, NULL);
            goto out;
        }
        f.within_unit_id = unit.id;
    }
    for (bool has_more = true; has_more;) {
        struct person *items = NULL;
        size_t n = 0;
        rc = person_list(&cx, &f, &items, &n, &has_more);
        if (rc != PH_OK) {
            ec = cli_fail_rc("cannot list people", rc, NULL);
            goto out;
        }
        for (size_t i = 0; i < n; i++) {
            const struct person *p = &items[i];
            if (n_rows == cap_rows) {
                cap_rows = cap_rows != 0 ? cap_rows * 2 : 256;
                cells = xrealloc(cells, cap_rows * N_COLS * sizeof(*cells));
            }
            const char **r = &cells[n_rows++ * N_COLS];
            r[COL_ID] = arena_printf(&a, "%lld", (long long)p->id);
            r[COL_USERNAME] = p->username;
            r[COL_NAME] = p->full_name;
            r[COL_RANK] = p->rank != NULL ? p->rank : "-";
            r[COL_POSITION] = p->position != NULL ? p->position : "-";
            r[COL_UNIT] = unit_code(&cx, &uc, p->unit_id);
            r[COL_ROLES] = roles_text(&a, p->roles);
            r[COL_CLEARANCE] = clearance_name(p->clearance);
            r[COL_STATE] = state_text(p, cx.now_ms);
        }
        if (n == 0)
            break;
        f.after_id = items[n - 1].id;
    }
    cli_print_table(heads, cells, n_rows, N_COLS);
    ec = CLI_EXIT_OK;
out:
    free(cells);
    store_close(st);
    arena_release(&a);
    return ec;
}

/* ---- dispatch ------------------------------------------------------------------------ */

static const char people_usage[] =
    "Usage: phoihop people COMMAND --db PATH [options]\n"
    "\n"
    "Manage the people (accounts) of the database.\n"
    "\n"
    "Commands:\n"
    "  add       create an account (password from PHOIHOP_PASSWORD or generated)\n"
    "  passwd    set a new password for an account\n"
    "  disable   disable an account and revoke its sessions\n"
    "  enable    enable a disabled account\n"
    "  list      list the people as a table\n"
    "\n"
    "Run 'phoihop people COMMAND --help' for the options of a command; each option may\n"
    "also be set as an environment variable PHOIHOP_<OPTION> (e.g. PHOIHOP_DB).\n";

int cmd_people(int argc, char **argv)
{
    static const struct cli_sub subs[] = {
        {"add", people_add},       {"passwd", people_change}, {"disable", people_change},
        {"enable", people_change}, {"list", people_list},
    };
    return cli_dispatch("people", people_usage, subs, PH_NELEM(subs), argc, argv);
}
