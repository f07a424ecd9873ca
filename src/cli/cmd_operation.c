/* cmd_operation.c - `phoihop operation add|list|show|status|log`: joint
 * operations (patrols, control, checkpoints) from the command line, for a duty
 * officer at a terminal and for scripts. Every call goes through the core
 * operation services, so validation, conflicts, access, the audit log and the
 * outbox behave as over HTTP.
 *
 * Like `phoihop incident`, the commands act as the installation itself, or with
 * --as USERNAME as that person (their roles, unit and clearance apply). Messages
 * are in English like the rest of the command line; the data (titles, unit
 * names) is printed as stored. Times are shown in Asia/Ho_Chi_Minh. */
#include "util/base.h"
#include <math.h>
#include "cli/cli.h"
#include "core/access.h"
#include "core/incident.h"
#include "core/operation.h"
#include "core/person.h"
#include "core/unit.h"
#include "core/writer.h"
#include "proto/pjson.h"
#include "proto/pjson_operation.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/time.h"

#define LIST_DEFAULT_ROWS 50
#define LIST_MAX_ROWS 100000
#define IDS_MAX 500

/* ---- shared ------------------------------------------------------------------- */

static bool parse_id(const char *s, int64_t *id)
{
    char *end = NULL;
    long long v;

    if (s == NULL || *s < '0' || *s > '9')
        return false;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0' || v <= 0)
        return false;
    *id = (int64_t)v;
    return true;
}

/* The unit whose id or code is s (codes matched exactly over the directory). */
static ph_err resolve_unit(struct core_ctx *cx, const char *s, int64_t *id)
{
    struct unit_filter f = {.include_inactive = true, .limit = LIST_MAX_LIMIT};
    struct unit u;
    ph_err rc;

    if (parse_id(s, id) && unit_get(cx, *id, &u) == PH_OK)
        return PH_OK;
    for (bool more = true; more;) {
        struct unit *items = NULL;
        size_t n = 0;
        rc = unit_list(cx, &f, &items, &n, &more);
        if (rc != PH_OK)
            return rc;
        for (size_t i = 0; i < n; i++)
            if (strcmp(items[i].code, s) == 0) {
                *id = items[i].id;
                return PH_OK;
            }
        if (n == 0)
            break;
        f.after_id = items[n - 1].id;
    }
    return PH_ENOTFOUND;
}

/* A person by id or username. */
static ph_err resolve_person(struct core_ctx *cx, const char *s, int64_t *id)
{
    struct person p;
    ph_err rc;

    if (parse_id(s, id))
        return PH_OK;
    rc = person_get_by_username(cx, s, &p);
    if (rc == PH_OK)
        *id = p.id;
    return rc;
}

/* An asset by id. */
static ph_err resolve_asset(struct core_ctx *cx, const char *s, int64_t *id)
{
    struct asset as;
    if (!parse_id(s, id))
        return PH_ENOTFOUND;
    return asset_get(cx, *id, &as);
}

/* A comma-separated list of units, people or assets (resolve), into ids in a. */
static int resolve_list(const struct cli_spec *spec, const struct cli_opt *o, struct core_ctx *cx,
                        ph_err (*resolve)(struct core_ctx *, const char *, int64_t *),
                        int64_t **ids, size_t *n)
{
    char *copy, *save = NULL;
    size_t k = 0;

    *ids = NULL;
    *n = 0;
    if (o->value == NULL)
        return CLI_CONTINUE;
    copy = arena_strdup(cx->arena, o->value);
    *ids = arena_alloc(cx->arena, IDS_MAX * sizeof(int64_t));
    for (char *w = strtok_r(copy, ",", &save); w != NULL; w = strtok_r(NULL, ",", &save)) {
        while (*w == ' ')
            w++;
        if (*w == '\0')
            continue;
        if (k == IDS_MAX)
            return cli_usage_error(spec, "--%s: at most %d", o->name, IDS_MAX);
        if (resolve(cx, w, &(*ids)[k]) != PH_OK)
            return cli_fail("--%s: no such %s '%s'", o->name, o->name, w);
        k++;
    }
    *n = k;
    return CLI_CONTINUE;
}

static void print_json(json_t *j)
{
    char *text = j != NULL ? json_dumps(j, PJSON_DUMP_FLAGS) : NULL;
    if (text != NULL)
        puts(text);
    free(text);
    json_decref(j);
}

/* A failed write: the other operation of a conflict is named. */
static int write_failed(const char *what, ph_err rc, const char *field, int64_t conflict_id)
{
    if (rc == PH_ECONFLICT && conflict_id != 0)
        return cli_fail("%s: %s already on operation %lld at an overlapping time (field '%s')",
                        what,
                        field != NULL && strcmp(field, "asset_ids") == 0 ? "a vehicle or vessel is"
                                                                          : "a person is",
                        (long long)conflict_id, field != NULL ? field : "people_ids");
    return cli_fail_rc(what, rc, field);
}

/* ---- operation add ---------------------------------------------------------------- */

enum {
    ADD_DB, ADD_AS, ADD_KIND, ADD_DOMAIN, ADD_TITLE, ADD_DESCRIPTION, ADD_GEOMETRY, ADD_START,
    ADD_END, ADD_UNIT, ADD_WITH, ADD_PEOPLE, ADD_COMMANDER, ADD_ASSETS, ADD_CLASSIFICATION,
};

struct plan_job {
    struct operation o;
    const char *field;
    int64_t conflict_id;
};

static ph_err plan_run(struct core_ctx *cx, void *arg)
{
    struct plan_job *j = arg;
    return operation_create(cx, &j->o, &j->field, &j->conflict_id);
}

static int operation_add(int argc, char **argv)
{
    struct cli_opt opts[] = {
        [ADD_DB] = {"db", "PATH", "database file", NULL, false},
        [ADD_AS] = {"as", "USERNAME", "act as this person (default: the installation)", NULL, false},
        [ADD_KIND] = {"kind", "KIND", "patrol, control or checkpoint", NULL, false},
        [ADD_DOMAIN] = {"domain", "DOMAIN", "land (default), river or sea", NULL, false},
        [ADD_TITLE] = {"title", "TEXT", "title", NULL, false},
        [ADD_DESCRIPTION] = {"description", "TEXT", "description", NULL, false},
        [ADD_GEOMETRY] = {"geometry", "GEOJSON",
                          "a GeoJSON LineString (route), Polygon (area) or Point", NULL, false},
        [ADD_START] = {"start", "TIME", "planned start, RFC 3339", NULL, false},
        [ADD_END] = {"end", "TIME", "planned end, RFC 3339", NULL, false},
        [ADD_UNIT] = {"unit", "CODE|ID", "the planning unit (default: that of --as)", NULL, false},
        [ADD_WITH] = {"with", "UNITS", "other units taking part, comma-separated codes or ids",
                      NULL, false},
        [ADD_PEOPLE] = {"people", "PEOPLE", "people assigned, comma-separated usernames or ids",
                        NULL, false},
        [ADD_COMMANDER] = {"commander", "USERNAME|ID", "the commander", NULL, false},
        [ADD_ASSETS] = {"assets", "IDS", "vehicles and vessels, comma-separated ids", NULL, false},
        [ADD_CLASSIFICATION] = {"classification", "LEVEL",
                                "unclassified (default), confidential, secret, top_secret", NULL,
                                false},
    };
    const struct cli_spec spec = {
        .name = "operation add",
        .synopsis = "operation add --db PATH --kind KIND --title TEXT --geometry GEOJSON\n"
                    "       --start TIME --end TIME [--domain DOMAIN] [--unit CODE|ID]\n"
                    "       [--with UNITS] [--people PEOPLE] [--commander USERNAME|ID]\n"
                    "       [--assets IDS] [--classification LEVEL] [--as USERNAME]",
        .about = "Plan an operation (tuần tra, kiểm soát, chốt chặn). People and assets already\n"
                 "on an overlapping operation are refused, naming it. Prints the id.",
        .opts = opts,
        .n_opts = PH_NELEM(opts),
    };
    char *args[1];
    size_t n_args = 0;
    struct arena a;
    struct store *st = NULL;
    struct core_ctx cx;
    struct core_user who;
    struct plan_job j;
    ph_err rc;
    int ec = cli_parse(&spec, argc, argv, args, &n_args);

    if (ec != CLI_CONTINUE)
        return ec;
    memset(&j, 0, sizeof(j));
    arena_init(&a);
    if ((ec = cli_require(&spec, &opts[ADD_KIND], &j.o.kind)) != CLI_CONTINUE ||
        (ec = cli_require(&spec, &opts[ADD_TITLE], &j.o.title)) != CLI_CONTINUE ||
        (ec = cli_require(&spec, &opts[ADD_GEOMETRY], &j.o.geometry)) != CLI_CONTINUE ||
        (ec = cli_require(&spec, &opts[ADD_START], &(const char *){NULL})) != CLI_CONTINUE ||
        (ec = cli_require(&spec, &opts[ADD_END], &(const char *){NULL})) != CLI_CONTINUE ||
        (ec = cli_time_opt(&spec, &opts[ADD_START], false, &j.o.planned_start)) != CLI_CONTINUE ||
        (ec = cli_time_opt(&spec, &opts[ADD_END], false, &j.o.planned_end)) != CLI_CONTINUE)
        goto out;
    j.o.domain = opts[ADD_DOMAIN].value != NULL ? opts[ADD_DOMAIN].value : "land";
    j.o.description = opts[ADD_DESCRIPTION].value;
    if (opts[ADD_CLASSIFICATION].value != NULL) {
        j.o.classification = clearance_parse(opts[ADD_CLASSIFICATION].value);
        if (j.o.classification < 0) {
            ec = cli_usage_error(&spec, "--classification: unknown level '%s'",
                                 opts[ADD_CLASSIFICATION].value);
            goto out;
        }
    }
    if ((ec = cli_open_as(&spec, &opts[ADD_DB], &opts[ADD_AS], &a, &st, &cx, &who)) != CLI_CONTINUE)
        goto out;
    if (opts[ADD_UNIT].value != NULL) {
        if (resolve_unit(&cx, opts[ADD_UNIT].value, &j.o.owner_unit_id) != PH_OK) {
            ec = cli_fail("cannot plan the operation: no unit '%s' (field 'owner_unit_id')",
                          opts[ADD_UNIT].value);
            goto out;
        }
    } else if (cx.user->unit_id == 0) {
        ec = cli_usage_error(&spec, "missing --unit CODE|ID: the planning unit");
        goto out;
    }
    if ((ec = resolve_list(&spec, &opts[ADD_WITH], &cx, resolve_unit, &j.o.unit_ids,
                           &j.o.n_units)) != CLI_CONTINUE ||
        (ec = resolve_list(&spec, &opts[ADD_PEOPLE], &cx, resolve_person, &j.o.people_ids,
                           &j.o.n_people)) != CLI_CONTINUE ||
        (ec = resolve_list(&spec, &opts[ADD_ASSETS], &cx, resolve_asset, &j.o.asset_ids,
                           &j.o.n_assets)) != CLI_CONTINUE)
        goto out;
    if (opts[ADD_COMMANDER].value != NULL &&
        resolve_person(&cx, opts[ADD_COMMANDER].value, &j.o.commander_id) != PH_OK) {
        ec = cli_fail("cannot plan the operation: no person '%s' (field 'commander_id')",
                      opts[ADD_COMMANDER].value);
        goto out;
    }
    rc = writer_run_sync(&cx, plan_run, &j);
    if (rc != PH_OK) {
        ec = write_failed("cannot plan the operation", rc, j.field, j.conflict_id);
        goto out;
    }
    printf("phoihop: operation %lld planned (%s, %s%s)\n", (long long)j.o.id, j.o.kind,
           j.o.geometry_kind, j.o.is_joint ? ", joint" : "");
    ec = CLI_EXIT_OK;
out:
    store_close(st);
    arena_release(&a);
    return ec;
}

/* ---- operation list ---------------------------------------------------------------- */

enum { LIST_DB, LIST_AS, LIST_STATUS, LIST_KIND, LIST_UNIT, LIST_JOINT, LIST_Q, LIST_LIMIT, LIST_JSON };
enum { COL_ID, COL_KIND, COL_STATUS, COL_START, COL_END, COL_OWNER, COL_JOINT, COL_TITLE, N_COLS };

static int operation_list_cmd(int argc, char **argv)
{
    struct cli_opt opts[] = {
        [LIST_DB] = {"db", "PATH", "database file", NULL, false},
        [LIST_AS] = {"as", "USERNAME", "list what this person may see", NULL, false},
        [LIST_STATUS] = {"status", "STATUS", "planned, active, completed or cancelled", NULL, false},
        [LIST_KIND] = {"kind", "KIND", "patrol, control or checkpoint", NULL, false},
        [LIST_UNIT] = {"unit", "CODE|ID", "a unit taking part, or one below it", NULL, false},
        [LIST_JOINT] = {"joint", NULL, "only joint operations (two forces or more)", NULL, false},
        [LIST_Q] = {"q", "WORDS", "words in the title (no diacritics needed)", NULL, false},
        [LIST_LIMIT] = {"limit", "N", "at most N operations, newest first (default 50)", NULL,
                        false},
        [LIST_JSON] = {"json", NULL, "one JSON object per line, as the API gives them", NULL,
                       false},
    };
    const struct cli_spec spec = {
        .name = "operation list",
        .synopsis = "operation list --db PATH [--status STATUS] [--kind KIND] [--unit CODE|ID]\n"
                    "       [--joint] [--q WORDS] [--limit N] [--json] [--as USERNAME]",
        .about = "List operations, newest first: id, kind, status, planned times\n"
                 "(Asia/Ho_Chi_Minh), the planning unit, whether joint, and the title.",
        .opts = opts,
        .n_opts = PH_NELEM(opts),
    };
    static const char *const heads[N_COLS] = {"ID",  "KIND",  "STATUS", "START",
                                              "END", "OWNER", "JOINT",  "TITLE"};
    char *args[1];
    size_t n_args = 0, n_rows = 1, cap_rows = 64;
    const char **cells = NULL;
    long limit = LIST_DEFAULT_ROWS;
    struct arena a;
    struct store *st = NULL;
    struct core_ctx cx;
    struct core_user who;
    struct operation_filter f;
    bool is_json;
    ph_err rc;
    int ec = cli_parse(&spec, argc, argv, args, &n_args);

    if (ec != CLI_CONTINUE)
        return ec;
    memset(&f, 0, sizeof(f));
    arena_init(&a);
    if ((ec = cli_int(&spec, &opts[LIST_LIMIT], 1, LIST_MAX_ROWS, &limit)) != CLI_CONTINUE)
        goto out;
    f.status = opts[LIST_STATUS].value;
    f.kind = opts[LIST_KIND].value;
    f.joint_only = cli_flag(&opts[LIST_JOINT]);
    f.q = opts[LIST_Q].value;
    is_json = cli_flag(&opts[LIST_JSON]);
    if ((ec = cli_open_as(&spec, &opts[LIST_DB], &opts[LIST_AS], &a, &st, &cx, &who)) != CLI_CONTINUE)
        goto out;
    if (opts[LIST_UNIT].value != NULL &&
        resolve_unit(&cx, opts[LIST_UNIT].value, &f.unit_id) != PH_OK) {
        ec = cli_fail("no unit with code or id '%s'", opts[LIST_UNIT].value);
        goto out;
    }
    cells = xmalloc(cap_rows * N_COLS * sizeof(*cells));
    memcpy(cells, heads, sizeof(heads));
    for (long left = limit; left > 0;) {
        struct operation *items = NULL;
        size_t n = 0;
        bool more = false;
        f.limit = left < LIST_MAX_LIMIT ? (int)left : LIST_MAX_LIMIT;
        rc = operation_list(&cx, &f, &items, &n, &more);
        if (rc != PH_OK) {
            ec = cli_fail_rc("cannot list the operations", rc, NULL);
            goto out;
        }
        for (size_t i = 0; i < n; i++) {
            const struct operation *o = &items[i];
            const char **r;
            if (is_json) {
                print_json(pjson_operation(o, true));
                continue;
            }
            if (n_rows == cap_rows) {
                cap_rows *= 2;
                cells = xrealloc(cells, cap_rows * N_COLS * sizeof(*cells));
            }
            r = &cells[n_rows++ * N_COLS];
            r[COL_ID] = arena_printf(&a, "%lld", (long long)o->id);
            r[COL_KIND] = o->kind;
            r[COL_STATUS] = o->status;
            r[COL_START] = cli_vn_time(&a, o->planned_start);
            r[COL_END] = cli_vn_time(&a, o->planned_end);
            r[COL_OWNER] = o->n_units > 0 && o->units != NULL ? o->units[0].unit_code : "-";
            r[COL_JOINT] = o->is_joint ? "yes" : "no";
            r[COL_TITLE] = o->title;
        }
        left -= (long)n;
        if (!more || n == 0)
            break;
        f.before_id = items[n - 1].id;
    }
    if (!is_json)
        cli_print_table(NULL, cells, n_rows, N_COLS);
    ec = CLI_EXIT_OK;
out:
    free(cells);
    store_close(st);
    arena_release(&a);
    return ec;
}

/* ---- operation show ----------------------------------------------------------------- */

enum { SHOW_DB, SHOW_AS, SHOW_JSON };

static void show_line(const char *label, const char *value)
{
    printf("%-18s %s\n", label, value != NULL && value[0] != '\0' ? value : "-");
}

static int operation_show(int argc, char **argv)
{
    struct cli_opt opts[] = {
        [SHOW_DB] = {"db", "PATH", "database file", NULL, false},
        [SHOW_AS] = {"as", "USERNAME", "show it as this person may see it", NULL, false},
        [SHOW_JSON] = {"json", NULL, "the operation as the API gives it", NULL, false},
    };
    const struct cli_spec spec = {
        .name = "operation show",
        .synopsis = "operation show --db PATH ID [--json] [--as USERNAME]",
        .about = "One operation: the plan, the units taking part, the summary of its\n"
                 "results log, and the log itself.",
        .opts = opts,
        .n_opts = PH_NELEM(opts),
        .max_args = 1,
    };
    char *args[1];
    size_t n_args = 0;
    struct arena a;
    struct store *st = NULL;
    struct core_ctx cx;
    struct core_user who;
    struct operation o;
    struct operation_summary sum;
    struct operation_log_entry *log = NULL;
    size_t n_log = 0;
    bool more = false;
    int64_t id = 0;
    ph_err rc;
    int ec = cli_parse(&spec, argc, argv, args, &n_args);

    if (ec != CLI_CONTINUE)
        return ec;
    arena_init(&a);
    if (n_args != 1 || !parse_id(args[0], &id)) {
        ec = cli_usage_error(&spec, "expected one operation id");
        goto out;
    }
    if ((ec = cli_open_as(&spec, &opts[SHOW_DB], &opts[SHOW_AS], &a, &st, &cx, &who)) != CLI_CONTINUE)
        goto out;
    rc = operation_get(&cx, id, &o);
    if (rc == PH_OK)
        rc = operation_summary(&cx, id, &sum);
    if (rc == PH_OK)
        rc = operation_log_list(&cx, id, 0, LIST_MAX_LIMIT, &log, &n_log, &more);
    if (rc != PH_OK) {
        ec = rc == PH_ENOTFOUND ? cli_fail("no operation %lld", (long long)id)
                                : cli_fail_rc("cannot read the operation", rc, NULL);
        goto out;
    }
    if (cli_flag(&opts[SHOW_JSON])) {
        print_json(pjson_operation(&o, true));
        ec = CLI_EXIT_OK;
        goto out;
    }
    show_line("Operation", arena_printf(&a, "%lld  %s", (long long)o.id, o.title));
    show_line("Kind", arena_printf(&a, "%s on %s (%s)%s", o.kind, o.domain, o.geometry_kind,
                                   o.is_joint ? ", joint" : ""));
    show_line("Status", o.cancel_reason != NULL
                            ? arena_printf(&a, "%s: %s", o.status, o.cancel_reason)
                            : o.status);
    show_line("Planned", arena_printf(&a, "%s - %s", cli_vn_time(&a, o.planned_start),
                                      cli_vn_time(&a, o.planned_end)));
    show_line("Actual", arena_printf(&a, "%s - %s", cli_vn_time(&a, o.started_at),
                                     cli_vn_time(&a, o.ended_at)));
    show_line("Classification", clearance_name(o.classification));
    for (size_t i = 0; i < o.n_units && o.units != NULL; i++)
        show_line(i == 0 ? "Units" : "",
                  arena_printf(&a, "%s %s (%s, %s)", o.units[i].unit_code, o.units[i].unit_name,
                               o.units[i].force, o.units[i].role));
    show_line("People", arena_printf(&a, "%zu assigned", o.n_people));
    show_line("Assets", arena_printf(&a, "%zu", o.n_assets));
    show_line("Areas covered", arena_printf(&a, "%zu", o.n_areas));
    show_line("Results",
              arena_printf(&a,
                           "%lld entries; checked %lld people, %lld vehicles, %lld vessels; "
                           "%lld violations; %lld incidents",
                           (long long)sum.entries, (long long)sum.people_checked,
                           (long long)sum.vehicles_checked, (long long)sum.vessels_checked,
                           (long long)sum.violations, (long long)sum.incidents));
    if (n_log > 0) {
        enum { L_TIME, L_BY, L_TEXT, L_INCIDENT, L_COLS };
        const char **cells = xcalloc((n_log + 1) * L_COLS, sizeof(*cells));
        static const char *const heads[L_COLS] = {"TIME", "BY", "TEXT", "INCIDENT"};
        memcpy(cells, heads, sizeof(heads));
        for (size_t i = 0; i < n_log; i++) {
            const char **c = &cells[(i + 1) * L_COLS];
            c[L_TIME] = cli_vn_time(&a, log[i].at);
            c[L_BY] = log[i].person_name != NULL ? log[i].person_name : "-";
            c[L_TEXT] = log[i].text;
            c[L_INCIDENT] = log[i].incident_id != 0
                                ? arena_printf(&a, "%lld", (long long)log[i].incident_id)
                                : "-";
        }
        printf("\n");
        cli_print_table(NULL, cells, n_log + 1, L_COLS);
        free(cells);
    }
    ec = CLI_EXIT_OK;
out:
    store_close(st);
    arena_release(&a);
    return ec;
}

/* ---- operation status ------------------------------------------------------------------ */

enum { ST_DB, ST_AS, ST_STATUS, ST_AT, ST_REASON };

struct status_job {
    int64_t id, at;
    const char *status, *reason, *field;
};

static ph_err status_run(struct core_ctx *cx, void *arg)
{
    struct status_job *j = arg;
    return operation_set_status(cx, j->id, 0, j->status, j->at, j->reason, &j->field);
}

static int operation_status_cmd(int argc, char **argv)
{
    struct cli_opt opts[] = {
        [ST_DB] = {"db", "PATH", "database file", NULL, false},
        [ST_AS] = {"as", "USERNAME", "act as this person", NULL, false},
        [ST_STATUS] = {"status", "STATUS", "active, completed or cancelled", NULL, false},
        [ST_AT] = {"at", "TIME", "when it happened, RFC 3339 (default now)", NULL, false},
        [ST_REASON] = {"reason", "TEXT", "why it is cancelled", NULL, false},
    };
    const struct cli_spec spec = {
        .name = "operation status",
        .synopsis = "operation status --db PATH ID --status STATUS [--at TIME] [--reason TEXT]\n"
                    "       [--as USERNAME]",
        .about = "Start (active), complete or cancel (with a reason) an operation.",
        .opts = opts,
        .n_opts = PH_NELEM(opts),
        .max_args = 1,
    };
    char *args[1];
    size_t n_args = 0;
    struct arena a;
    struct store *st = NULL;
    struct core_ctx cx;
    struct core_user who;
    struct status_job j = {0};
    ph_err rc;
    int ec = cli_parse(&spec, argc, argv, args, &n_args);

    if (ec != CLI_CONTINUE)
        return ec;
    arena_init(&a);
    if (n_args != 1 || !parse_id(args[0], &j.id)) {
        ec = cli_usage_error(&spec, "expected one operation id");
        goto out;
    }
    if ((ec = cli_require(&spec, &opts[ST_STATUS], &j.status)) != CLI_CONTINUE ||
        (ec = cli_time_opt(&spec, &opts[ST_AT], false, &j.at)) != CLI_CONTINUE ||
        (ec = cli_open_as(&spec, &opts[ST_DB], &opts[ST_AS], &a, &st, &cx, &who)) != CLI_CONTINUE)
        goto out;
    j.reason = opts[ST_REASON].value;
    rc = writer_run_sync(&cx, status_run, &j);
    if (rc != PH_OK) {
        ec = cli_fail_rc("cannot change the status", rc, j.field);
        goto out;
    }
    printf("phoihop: operation %lld is %s\n", (long long)j.id, j.status);
    ec = CLI_EXIT_OK;
out:
    store_close(st);
    arena_release(&a);
    return ec;
}

/* ---- operation log ------------------------------------------------------------------- */

enum {
    LOG_DB, LOG_AS, LOG_TEXT, LOG_AT, LOG_LAT, LOG_LON, LOG_PEOPLE, LOG_VEHICLES, LOG_VESSELS,
    LOG_VIOLATIONS, LOG_SEIZED,
};

struct log_job {
    int64_t id;
    struct operation_log_entry e;
    const char *field;
};

static ph_err log_run(struct core_ctx *cx, void *arg)
{
    struct log_job *j = arg;
    return operation_log_add(cx, j->id, &j->e, NULL, &j->field);
}

static int operation_log_cmd(int argc, char **argv)
{
    struct cli_opt opts[] = {
        [LOG_DB] = {"db", "PATH", "database file", NULL, false},
        [LOG_AS] = {"as", "USERNAME", "write as this person (assigned, or who may update it)",
                    NULL, false},
        [LOG_TEXT] = {"text", "TEXT", "what was found", NULL, false},
        [LOG_AT] = {"at", "TIME", "when, RFC 3339 (default now)", NULL, false},
        [LOG_LAT] = {"lat", "DEG", "latitude, WGS84 (with --lon)", NULL, false},
        [LOG_LON] = {"lon", "DEG", "longitude, WGS84 (with --lat)", NULL, false},
        [LOG_PEOPLE] = {"people-checked", "N", "people checked", NULL, false},
        [LOG_VEHICLES] = {"vehicles-checked", "N", "vehicles checked", NULL, false},
        [LOG_VESSELS] = {"vessels-checked", "N", "vessels checked", NULL, false},
        [LOG_VIOLATIONS] = {"violations", "N", "violations found", NULL, false},
        [LOG_SEIZED] = {"seized", "TEXT", "items seized", NULL, false},
    };
    const struct cli_spec spec = {
        .name = "operation log",
        .synopsis = "operation log --db PATH ID --text TEXT [--at TIME] [--lat DEG --lon DEG]\n"
                    "       [--people-checked N] [--vehicles-checked N] [--vessels-checked N]\n"
                    "       [--violations N] [--seized TEXT] [--as USERNAME]",
        .about = "Add an entry to the results log of an active operation.",
        .opts = opts,
        .n_opts = PH_NELEM(opts),
        .max_args = 1,
    };
    char *args[1];
    size_t n_args = 0;
    struct arena a;
    struct store *st = NULL;
    struct core_ctx cx;
    struct core_user who;
    struct log_job j;
    long counts[4] = {0, 0, 0, 0};
    ph_err rc;
    int ec = cli_parse(&spec, argc, argv, args, &n_args);

    if (ec != CLI_CONTINUE)
        return ec;
    memset(&j, 0, sizeof(j));
    arena_init(&a);
    if (n_args != 1 || !parse_id(args[0], &j.id)) {
        ec = cli_usage_error(&spec, "expected one operation id");
        goto out;
    }
    /* Out-of-range counts are the core's to refuse, naming the field. */
    if ((ec = cli_require(&spec, &opts[LOG_TEXT], &j.e.text)) != CLI_CONTINUE ||
        (ec = cli_time_opt(&spec, &opts[LOG_AT], false, &j.e.at)) != CLI_CONTINUE ||
        (ec = cli_int(&spec, &opts[LOG_PEOPLE], -1, 100000000, &counts[0])) != CLI_CONTINUE ||
        (ec = cli_int(&spec, &opts[LOG_VEHICLES], -1, 100000000, &counts[1])) != CLI_CONTINUE ||
        (ec = cli_int(&spec, &opts[LOG_VESSELS], -1, 100000000, &counts[2])) != CLI_CONTINUE ||
        (ec = cli_int(&spec, &opts[LOG_VIOLATIONS], -1, 100000000, &counts[3])) != CLI_CONTINUE)
        goto out;
    if ((opts[LOG_LAT].value != NULL) != (opts[LOG_LON].value != NULL)) {
        ec = cli_usage_error(&spec, "--lat and --lon go together");
        goto out;
    }
    if (opts[LOG_LAT].value != NULL) {
        if ((ec = cli_degrees_opt(&spec, &opts[LOG_LAT], &j.e.lat)) != CLI_CONTINUE ||
            (ec = cli_degrees_opt(&spec, &opts[LOG_LON], &j.e.lon)) != CLI_CONTINUE)
            goto out;
        j.e.has_location = true;
    }
    j.e.people_checked = (int)counts[0];
    j.e.vehicles_checked = (int)counts[1];
    j.e.vessels_checked = (int)counts[2];
    j.e.violations = (int)counts[3];
    j.e.items_seized = opts[LOG_SEIZED].value;
    if ((ec = cli_open_as(&spec, &opts[LOG_DB], &opts[LOG_AS], &a, &st, &cx, &who)) != CLI_CONTINUE)
        goto out;
    rc = writer_run_sync(&cx, log_run, &j);
    if (rc != PH_OK) {
        ec = cli_fail_rc("cannot add the log entry", rc, j.field);
        goto out;
    }
    printf("phoihop: log entry %lld added to operation %lld\n", (long long)j.e.id,
           (long long)j.id);
    ec = CLI_EXIT_OK;
out:
    store_close(st);
    arena_release(&a);
    return ec;
}

static const char operation_usage[] =
    "Usage: phoihop operation COMMAND --db PATH [options]\n"
    "\n"
    "Plan and follow joint operations: patrols (tuần tra), control (kiểm soát) and\n"
    "checkpoints (chốt chặn).\n"
    "\n"
    "Commands:\n"
    "  add       plan an operation (people and assets on an overlapping one are refused)\n"
    "  list      list operations, newest first\n"
    "  show      one operation with its units, results summary and log\n"
    "  status    start, complete or cancel an operation\n"
    "  log       add an entry to the results log of an active operation\n"
    "\n"
    "The commands act as the installation itself, or with --as USERNAME as that\n"
    "person (their roles, unit and clearance apply). Run 'phoihop operation COMMAND\n"
    "--help' for the options of each.\n";

int cmd_operation(int argc, char **argv)
{
    static const struct cli_sub subs[] = {
        {"add", operation_add},         {"list", operation_list_cmd},
        {"show", operation_show},       {"status", operation_status_cmd},
        {"log", operation_log_cmd},
    };
    return cli_dispatch("operation", operation_usage, subs, PH_NELEM(subs), argc, argv);
}
