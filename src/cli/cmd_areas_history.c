/* cmd_areas_history.c - the area-history subcommands of `phoihop areas`
 * (core/area_history.h), the same core calls as the API's "Area history":
 *
 *   areas successions ID   the area's predecessors and successors
 *   areas count            incidents counted by the areas of day --at's map
 *   areas proposals        units' areas of responsibility on closed areas:
 *                          list, --propose, --confirm ID, --reject ID
 *
 * cmd_areas.c's table dispatches to them (cmd_areas_successions, ...). Output
 * is a table on stdout; exit 0, 1 when the database or the core refuses (the
 * message names the field), 2 on a usage error. */
#include "util/base.h"
#include <inttypes.h>
#include "cli/cli.h"
#include "core/area_history.h"
#include "core/writer.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/time.h"

/* Without --from, a count covers the year before --until (or now). */
#define CLI_COUNT_DEFAULT_PERIOD_MS (365LL * 24 * 3600 * 1000)

static int usage_date(const struct cli_spec *spec, const struct cli_opt *o)
{
    if (o->value != NULL && !time_is_date(o->value))
        return cli_usage_error(spec, "--%s is a date YYYY-MM-DD, not '%s'", o->name, o->value);
    return CLI_CONTINUE;
}

static int parse_id(const struct cli_spec *spec, const char *what, const char *s, int64_t *id)
{
    char *end = NULL;
    long long v;

    errno = 0;
    v = s != NULL ? strtoll(s, &end, 10) : 0;
    if (s == NULL || end == s || *end != '\0' || errno != 0 || v <= 0)
        return cli_usage_error(spec, "%s is a positive id, not '%s'", what, s != NULL ? s : "");
    *id = (int64_t)v;
    return CLI_CONTINUE;
}

/* ---- areas successions ID ----------------------------------------------------------- */

enum { S_DB };

int cmd_areas_successions(int argc, char **argv)
{
    struct cli_opt opts[] = {
        [S_DB] = {"db", "PATH", "database file (or sqlite:PATH)", NULL, false},
    };
    const struct cli_spec spec = {
        .name = "areas successions",
        .synopsis = "areas successions ID --db PATH",
        .about = "The areas that area ID took over (predecessors: old areas merged into it)\n"
                 "and the areas that took it over (successors), each with the kind of the\n"
                 "merge (full or partial) and its date.",
        .opts = opts,
        .n_opts = PH_NELEM(opts),
        .max_args = 1,
    };
    struct area_succession *pred = NULL, *succ = NULL;
    struct store *st = NULL;
    struct arena a;
    struct core_ctx cx;
    char *args[1];
    const char *db = NULL;
    size_t n_args = 0, np = 0, ns = 0;
    int64_t id = 0;
    ph_err rc;
    int ec = cli_parse(&spec, argc, argv, args, &n_args);

    if (ec != CLI_CONTINUE)
        return ec;
    if (n_args != 1)
        return cli_usage_error(&spec, "one area ID, please");
    if ((ec = parse_id(&spec, "ID", args[0], &id)) != CLI_CONTINUE ||
        (ec = cli_require(&spec, &opts[S_DB], &db)) != CLI_CONTINUE)
        return ec;
    arena_init(&a);
    if ((ec = cli_open_store(db, true, &st)) != CLI_CONTINUE)
        goto out;
    cx = cli_ctx(st, &a);
    rc = area_successions(&cx, id, true, &pred, &np);
    if (rc == PH_OK)
        rc = area_successions(&cx, id, false, &succ, &ns);
    if (rc != PH_OK) {
        ec = cli_fail_rc("cannot read the successions", rc, NULL);
        goto out;
    }
    {
        static const char *const heads[] = {"", "ID", "CODE", "NAME", "KIND", "EFFECTIVE"};
        size_t rows = np + ns, k = 0;
        const char **cells = arena_zalloc(&a, (rows + 1) * 6 * sizeof(*cells));
        for (size_t i = 0; i < rows; i++) {
            bool is_pred = i < np;
            const struct area_succession *s = is_pred ? &pred[i] : &succ[i - np];
            cells[k++] = is_pred ? "predecessor" : "successor";
            cells[k++] = arena_printf(&a, "%" PRId64, is_pred ? s->old_area_id : s->new_area_id);
            cells[k++] = is_pred ? s->old_code : s->new_code;
            cells[k++] = is_pred ? s->old_name : s->new_name;
            cells[k++] = s->kind;
            cells[k++] = s->effective;
        }
        if (rows == 0)
            printf("area %" PRId64 ": no predecessor, no successor\n", id);
        else
            cli_print_table(heads, cells, rows, 6);
    }
    ec = CLI_EXIT_OK;
out:
    store_close(st);
    arena_release(&a);
    return ec;
}

/* ---- areas count ------------------------------------------------------------------------ */

enum { C_DB, C_AS, C_FROM, C_UNTIL, C_AT, C_LEVEL };

int cmd_areas_count(int argc, char **argv)
{
    struct cli_opt opts[] = {
        [C_DB] = {"db", "PATH", "database file (or sqlite:PATH)", NULL, false},
        [C_AS] = {"as", "USERNAME", "count only what this person may see", NULL, false},
        [C_FROM] = {"from", "TIME",
                    "occurred at or after (RFC 3339 or YYYY-MM-DD; default a "
                    "year before --until)",
                    NULL, false},
        [C_UNTIL] = {"until", "TIME", "occurred before (RFC 3339 or YYYY-MM-DD; default now)", NULL,
                     false},
        [C_AT] = {"at", "YYYY-MM-DD", "the day whose map counts (default today)", NULL, false},
        [C_LEVEL] = {"level", "LEVEL", "province, district or commune (default the deepest)", NULL,
                     false},
    };
    const struct cli_spec spec = {
        .name = "areas count",
        .synopsis = "areas count --db PATH [--from TIME] [--until TIME] [--at YYYY-MM-DD] "
                    "[--level LEVEL] [--as USERNAME]",
        .about = "Count the incidents of a period (actual, not merged) by the areas of\n"
                 "another day's map: an old area counts for its successor; an area split\n"
                 "between several is decided by the incident's location on the new\n"
                 "outlines, and otherwise reported as ambiguous (with the first ids).",
        .opts = opts,
        .n_opts = PH_NELEM(opts),
        .max_args = 0,
    };
    struct area_count_result res;
    struct store *st = NULL;
    struct core_user who;
    struct arena a;
    struct core_ctx cx;
    const char *field = NULL;
    char *args[1];
    size_t n_args = 0;
    int64_t from = 0, until = 0;
    ph_err rc;
    int ec = cli_parse(&spec, argc, argv, args, &n_args);

    if (ec != CLI_CONTINUE)
        return ec;
    if ((ec = cli_time_opt(&spec, &opts[C_FROM], true, &from)) != CLI_CONTINUE ||
        (ec = cli_time_opt(&spec, &opts[C_UNTIL], true, &until)) != CLI_CONTINUE ||
        (ec = usage_date(&spec, &opts[C_AT])) != CLI_CONTINUE)
        return ec;
    arena_init(&a);
    if ((ec = cli_open_as(&spec, &opts[C_DB], &opts[C_AS], &a, &st, &cx, &who)) != CLI_CONTINUE)
        goto out;
    if (until == 0)
        until = cx.now_ms + 1;
    if (from == 0)
        from = until - CLI_COUNT_DEFAULT_PERIOD_MS;
    rc =
        area_count_incidents(&cx, from, until, opts[C_AT].value, opts[C_LEVEL].value, &res, &field);
    if (rc != PH_OK) {
        /* Name the option, as the user typed it. */
        if (field != NULL && strcmp(field, "to") == 0)
            field = "until";
        ec = cli_fail_rc("cannot count", rc, field);
        goto out;
    }
    {
        static const char *const heads[] = {"ID", "CODE", "NAME", "INCIDENTS"};
        const char **cells = arena_zalloc(&a, (res.n + 1) * 4 * sizeof(*cells));
        size_t k = 0;
        for (size_t i = 0; i < res.n; i++) {
            cells[k++] = arena_printf(&a, "%" PRId64, res.rows[i].area_id);
            cells[k++] = res.rows[i].code != NULL ? res.rows[i].code : "";
            cells[k++] = res.rows[i].name != NULL ? res.rows[i].name : "";
            cells[k++] = arena_printf(&a, "%" PRId64, res.rows[i].count);
        }
        if (res.n > 0)
            cli_print_table(heads, cells, res.n, 4);
    }
    printf("total: %" PRId64 "\nambiguous: %" PRId64 "\nno_area: %" PRId64 "\n", res.total,
           res.ambiguous, res.no_area);
    if (res.n_ambiguous_ids > 0) {
        printf("ambiguous ids:");
        for (size_t i = 0; i < res.n_ambiguous_ids; i++)
            printf(" %" PRId64, res.ambiguous_ids[i]);
        printf("\n");
    }
    ec = CLI_EXIT_OK;
out:
    store_close(st);
    arena_release(&a);
    return ec;
}

/* ---- areas proposals ------------------------------------------------------------------- */

enum { P_DB, P_STATUS, P_UNIT, P_PROPOSE, P_AT, P_CONFIRM, P_REJECT };

struct propose_job {
    const char *at;
    int created;
};

static ph_err run_propose(struct core_ctx *cx, void *arg)
{
    struct propose_job *j = arg;
    return unit_area_propose(cx, j->at, &j->created);
}

struct decide_job {
    int64_t id;
    bool confirm;
    const char *field;
};

static ph_err run_decide(struct core_ctx *cx, void *arg)
{
    struct decide_job *j = arg;
    return unit_area_decide(cx, j->id, j->confirm, &j->field);
}

static void print_proposals(struct arena *a, const struct unit_area_proposal *items, size_t n)
{
    static const char *const heads[] = {"ID",   "UNIT",   "OLD AREA", "NEW AREA",
                                        "KIND", "STATUS", "DECIDED"};
    const char **cells = arena_zalloc(a, (n + 1) * 7 * sizeof(*cells));
    size_t k = 0;

    for (size_t i = 0; i < n; i++) {
        const struct unit_area_proposal *p = &items[i];
        cells[k++] = arena_printf(a, "%" PRId64, p->id);
        cells[k++] = arena_printf(a, "%s %s", p->unit_code != NULL ? p->unit_code : "",
                                  p->unit_name != NULL ? p->unit_name : "");
        cells[k++] = arena_printf(a, "%" PRId64 " %s", p->old_area_id,
                                  p->old_name != NULL ? p->old_name : "");
        cells[k++] = arena_printf(a, "%" PRId64 " %s", p->new_area_id,
                                  p->new_name != NULL ? p->new_name : "");
        cells[k++] = p->kind;
        cells[k++] = p->status;
        cells[k++] = cli_vn_time(a, p->decided_at);
    }
    if (n == 0)
        printf("no proposals\n");
    else
        cli_print_table(heads, cells, n, 7);
}

int cmd_areas_proposals(int argc, char **argv)
{
    struct cli_opt opts[] = {
        [P_DB] = {"db", "PATH", "database file (or sqlite:PATH)", NULL, false},
        [P_STATUS] = {"status", "STATUS", "list only proposed, confirmed or rejected ones", NULL,
                      false},
        [P_UNIT] = {"unit", "ID", "list only this unit's", NULL, false},
        [P_PROPOSE] = {"propose", NULL, "first propose new areas for units on closed ones", NULL,
                       false},
        [P_AT] = {"at", "YYYY-MM-DD", "with --propose: areas closed by this day (default today)",
                  NULL, false},
        [P_CONFIRM] = {"confirm", "ID", "confirm proposal ID (the unit's area is replaced)", NULL,
                       false},
        [P_REJECT] = {"reject", "ID", "reject proposal ID", NULL, false},
    };
    const struct cli_spec spec = {
        .name = "areas proposals",
        .synopsis = "areas proposals --db PATH [--propose [--at YYYY-MM-DD]] "
                    "[--confirm ID | --reject ID] [--status STATUS] [--unit ID]",
        .about = "After a reorganisation, units still answer for the areas it closed.\n"
                 "--propose makes, once, a proposal per unit and successor area; an\n"
                 "administrator confirms (the old area out of the unit's areas of\n"
                 "responsibility, the new one in) or rejects each. Lists the proposals\n"
                 "afterwards.",
        .opts = opts,
        .n_opts = PH_NELEM(opts),
        .max_args = 0,
    };
    struct unit_area_proposal *items = NULL;
    struct store *st = NULL;
    struct arena a;
    struct core_ctx cx;
    const char *db = NULL;
    char *args[1];
    size_t n_args = 0, n = 0;
    int64_t unit_id = 0, decide_id = 0;
    bool confirm = false;
    ph_err rc;
    int ec = cli_parse(&spec, argc, argv, args, &n_args);

    if (ec != CLI_CONTINUE)
        return ec;
    if ((ec = cli_require(&spec, &opts[P_DB], &db)) != CLI_CONTINUE ||
        (ec = usage_date(&spec, &opts[P_AT])) != CLI_CONTINUE)
        return ec;
    if (opts[P_CONFIRM].value != NULL && opts[P_REJECT].value != NULL)
        return cli_usage_error(&spec, "--confirm or --reject, not both");
    if (opts[P_AT].value != NULL && !cli_flag(&opts[P_PROPOSE]))
        return cli_usage_error(&spec, "--at goes with --propose");
    if (opts[P_UNIT].value != NULL &&
        (ec = parse_id(&spec, "--unit", opts[P_UNIT].value, &unit_id)) != CLI_CONTINUE)
        return ec;
    if (opts[P_CONFIRM].value != NULL || opts[P_REJECT].value != NULL) {
        confirm = opts[P_CONFIRM].value != NULL;
        if ((ec = parse_id(&spec, confirm ? "--confirm" : "--reject",
                           confirm ? opts[P_CONFIRM].value : opts[P_REJECT].value, &decide_id)) !=
            CLI_CONTINUE)
            return ec;
    }
    arena_init(&a);
    if ((ec = cli_open_store(db, true, &st)) != CLI_CONTINUE)
        goto out;
    cx = cli_ctx(st, &a);
    if (cli_flag(&opts[P_PROPOSE])) {
        struct propose_job pj = {.at = opts[P_AT].value};
        rc = writer_run_sync(&cx, run_propose, &pj);
        if (rc != PH_OK) {
            ec = cli_fail_rc("cannot propose", rc, rc == PH_EINVAL ? "at" : NULL);
            goto out;
        }
        printf("proposals made: %d\n", pj.created);
    }
    if (decide_id != 0) {
        struct decide_job dj = {.id = decide_id, .confirm = confirm};
        rc = writer_run_sync(&cx, run_decide, &dj);
        if (rc != PH_OK) {
            ec = cli_fail_rc(confirm ? "cannot confirm" : "cannot reject", rc, dj.field);
            goto out;
        }
        printf("proposal %" PRId64 " %s\n", decide_id, confirm ? "confirmed" : "rejected");
    }
    rc = unit_area_proposals(&cx, opts[P_STATUS].value, unit_id, &items, &n);
    if (rc != PH_OK) {
        ec = cli_fail_rc("cannot list the proposals", rc, rc == PH_EINVAL ? "status" : NULL);
        goto out;
    }
    print_proposals(&a, items, n);
    ec = CLI_EXIT_OK;
out:
    store_close(st);
    arena_release(&a);
    return ec;
}
