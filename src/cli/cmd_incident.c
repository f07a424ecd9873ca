/* cmd_incident.c - `phoihop incident add|list|show|ack`: incident reports from the
 * command line, for a duty officer at a terminal, for scripts, and for checking a
 * database by hand. Every call goes through the core incident services, so routing,
 * deadlines, acknowledgements, the timeline, the audit log and the outbox behave
 * as over HTTP.
 *
 * The commands act as the installation itself (core_system_user: everything is
 * allowed and visible), or with --as USERNAME as that person: their roles, unit
 * and clearance decide what they may see and do, and their name is on the
 * timeline. Messages are in English like the rest of the command line; the data
 * (titles, unit names) is printed as stored. Times are shown in Asia/Ho_Chi_Minh. */
#include "util/base.h"
#include <math.h>
#include "cli/cli.h"
#include "core/access.h"
#include "core/area.h"
#include "core/audit.h"
#include "core/category.h"
#include "core/incident.h"
#include "core/person.h"
#include "core/unit.h"
#include "core/writer.h"
#include "proto/pjson.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/time.h"

#define LIST_DEFAULT_ROWS 50
#define LIST_MAX_ROWS 1000000

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

static bool parse_id(const char *s, int64_t *id)
{
    char *end = NULL;
    long long v;
    if (!is_all_digits(s))
        return false;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0' || v <= 0)
        return false;
    *id = (int64_t)v;
    return true;
}

/* The unit whose id or code is s; codes are matched exactly over the directory
 * (a province has at most a few thousand units). */
static ph_err resolve_unit(struct core_ctx *cx, const char *s, struct unit *out)
{
    struct unit_filter f = {.include_inactive = true, .limit = LIST_MAX_LIMIT};
    int64_t id = 0;
    ph_err rc;

    if (parse_id(s, &id)) {
        rc = unit_get(cx, id, out);
        if (rc != PH_ENOTFOUND)
            return rc;
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

/* The area whose official code or id is s (a code wins: area codes are digits too,
 * and "83" is far likelier to mean the province than area #83). Of several areas
 * with the code (a reorganisation), the newest. */
static ph_err resolve_area(struct core_ctx *cx, const char *s, struct area *out)
{
    struct area_filter f = {.code = s, .limit = LIST_MAX_LIMIT};
    struct area *items = NULL;
    size_t n = 0;
    bool has_more = false;
    int64_t id = 0;
    ph_err rc = area_list(cx, &f, &items, &n, &has_more);

    if (rc != PH_OK)
        return rc;
    if (n > 0) {
        *out = items[n - 1];
        return PH_OK;
    }
    if (parse_id(s, &id))
        return area_get(cx, id, out);
    return PH_ENOTFOUND;
}

/* The incident whose reference number or id is s, as cx's user sees it (with its
 * recipients). */
static ph_err resolve_incident(struct core_ctx *cx, const char *s, struct incident *out)
{
    int64_t id = 0;
    if (parse_id(s, &id))
        return incident_get(cx, id, out);
    return incident_get_by_ref(cx, s, out);
}

/* Unit codes by id, each looked up once. */
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
        uc->cap = uc->cap != 0 ? uc->cap * 2 : 64;
        uc->ids = xrealloc(uc->ids, uc->cap * sizeof(*uc->ids));
        uc->codes = xrealloc(uc->codes, uc->cap * sizeof(*uc->codes));
    }
    uc->ids[uc->n] = id;
    uc->codes[uc->n] =
        unit_get(cx, id, &u) == PH_OK ? u.code : arena_printf(cx->arena, "#%lld", (long long)id);
    return uc->codes[uc->n++];
}

static void unit_codes_release(struct unit_codes *uc)
{
    free(uc->ids);
    free(uc->codes);
}

/* "[exercise] " or "[test] " before what is shown of a drill or a test, so that
 * nobody takes one for a real incident. */
static const char *cap_mark(const struct incident *inc)
{
    if (inc->cap_status != NULL && strcmp(inc->cap_status, "exercise") == 0)
        return "[exercise] ";
    if (inc->cap_status != NULL && strcmp(inc->cap_status, "test") == 0)
        return "[test] ";
    return "";
}

/* ---- incident add --------------------------------------------------------------- */

enum {
    ADD_DB,
    ADD_AS,
    ADD_CATEGORY,
    ADD_SEVERITY,
    ADD_TITLE,
    ADD_DESCRIPTION,
    ADD_OCCURRED,
    ADD_DETECTED,
    ADD_LAT,
    ADD_LON,
    ADD_AREA,
    ADD_UNIT,
    ADD_CLASSIFICATION,
    ADD_EXERCISE,
    ADD_TEST,
};

struct new_incident {
    struct incident inc;
    const char *field;
};

static ph_err create_job(struct core_ctx *cx, void *arg)
{
    struct new_incident *ni = arg;
    bool replayed = false;
    return incident_create(cx, &ni->inc, NULL, &replayed, &ni->field);
}

static int incident_add(int argc, char **argv)
{
    struct cli_opt opts[] = {
        [ADD_DB] = {"db", "PATH", "database file", NULL, false},
        [ADD_AS] = {"as", "USERNAME", "act as this person (default: the installation)", NULL,
                    false},
        [ADD_CATEGORY] = {"category", "CODE", "category code (drugs, crime, illegal_fishing, ...)",
                          NULL, false},
        [ADD_SEVERITY] = {"severity", "N", "1 (low) to 4 (critical)", NULL, false},
        [ADD_TITLE] = {"title", "TEXT", "title", NULL, false},
        [ADD_DESCRIPTION] = {"description", "TEXT", "description", NULL, false},
        [ADD_OCCURRED] = {"occurred", "TIME", "when it happened, RFC 3339 (default now)", NULL,
                          false},
        [ADD_DETECTED] = {"detected", "TIME", "when it was detected, RFC 3339 (default: occurred)",
                          NULL, false},
        [ADD_LAT] = {"lat", "DEG", "latitude, WGS84 (with --lon)", NULL, false},
        [ADD_LON] = {"lon", "DEG", "longitude, WGS84 (with --lat)", NULL, false},
        [ADD_AREA] = {"area", "CODE|ID", "area (default: found from the location)", NULL, false},
        [ADD_UNIT] = {"unit", "CODE|ID", "reporting unit (default: that of --as)", NULL, false},
        [ADD_CLASSIFICATION] = {"classification", "LEVEL",
                                "unclassified (default), confidential, secret, top_secret", NULL,
                                false},
        [ADD_EXERCISE] = {"exercise", NULL, "a drill (diễn tập), not a real incident", NULL, false},
        [ADD_TEST] = {"test", NULL, "a test of the system, not a real incident", NULL, false},
    };
    const struct cli_spec spec = {
        .name = "incident add",
        .synopsis = "incident add --db PATH --category CODE --severity N --title TEXT\n"
                    "       [--description TEXT] [--occurred TIME] [--detected TIME]\n"
                    "       [--lat DEG --lon DEG] [--area CODE|ID] [--unit CODE|ID]\n"
                    "       [--classification LEVEL] [--exercise|--test] [--as USERNAME]",
        .about = "Report an incident. The routing rules choose the lead unit and the units\n"
                 "to inform, with their deadlines; prints the reference number and the id.",
        .opts = opts,
        .n_opts = PH_NELEM(opts),
    };
    char *args[1];
    size_t n_args = 0;
    struct arena a;
    struct store *st = NULL;
    struct core_ctx cx;
    struct core_user who;
    struct new_incident ni;
    struct category cat;
    struct unit unit;
    struct area area;
    const char *code = NULL, *title = NULL, *severity_text = NULL;
    long severity = 0;
    ph_err rc;
    int ec = cli_parse(&spec, argc, argv, args, &n_args);

    if (ec != CLI_CONTINUE)
        return ec;
    memset(&ni, 0, sizeof(ni));
    arena_init(&a);
    /* Out-of-range severities are the core's to refuse, naming the field. */
    if ((ec = cli_require(&spec, &opts[ADD_CATEGORY], &code)) != CLI_CONTINUE ||
        (ec = cli_require(&spec, &opts[ADD_SEVERITY], &severity_text)) != CLI_CONTINUE ||
        (ec = cli_int(&spec, &opts[ADD_SEVERITY], -1000, 1000, &severity)) != CLI_CONTINUE ||
        (ec = cli_require(&spec, &opts[ADD_TITLE], &title)) != CLI_CONTINUE ||
        (ec = cli_time_opt(&spec, &opts[ADD_OCCURRED], false, &ni.inc.occurred_at)) !=
            CLI_CONTINUE ||
        (ec = cli_time_opt(&spec, &opts[ADD_DETECTED], false, &ni.inc.detected_at)) !=
            CLI_CONTINUE)
        goto out;
    if ((opts[ADD_LAT].value != NULL) != (opts[ADD_LON].value != NULL)) {
        ec = cli_usage_error(&spec, "--lat and --lon go together");
        goto out;
    }
    if (opts[ADD_LAT].value != NULL) {
        if ((ec = cli_degrees_opt(&spec, &opts[ADD_LAT], &ni.inc.lat)) != CLI_CONTINUE ||
            (ec = cli_degrees_opt(&spec, &opts[ADD_LON], &ni.inc.lon)) != CLI_CONTINUE)
            goto out;
        ni.inc.has_location = true;
    }
    if (cli_flag(&opts[ADD_EXERCISE]) && cli_flag(&opts[ADD_TEST])) {
        ec = cli_usage_error(&spec, "--exercise and --test exclude each other");
        goto out;
    }
    ni.inc.cap_status = cli_flag(&opts[ADD_EXERCISE]) ? "exercise"
                        : cli_flag(&opts[ADD_TEST])   ? "test"
                                                      : "actual";
    ni.inc.classification = CLEARANCE_UNCLASSIFIED;
    if (opts[ADD_CLASSIFICATION].value != NULL) {
        ni.inc.classification = clearance_parse(opts[ADD_CLASSIFICATION].value);
        if (ni.inc.classification < 0) {
            ec = cli_usage_error(&spec, "--classification: unknown level '%s'",
                                 opts[ADD_CLASSIFICATION].value);
            goto out;
        }
    }
    if ((ec = cli_open_as(&spec, &opts[ADD_DB], &opts[ADD_AS], &a, &st, &cx, &who)) != CLI_CONTINUE)
        goto out;
    if (opts[ADD_UNIT].value == NULL && cx.user->unit_id == 0) {
        ec = cli_usage_error(&spec, "missing --unit CODE|ID: the reporting unit (%s has none)",
                             cx.user->is_system ? "the installation" : cx.user->username);
        goto out;
    }
    rc = category_get_by_code(&cx, code, &cat);
    if (rc == PH_ENOTFOUND) {
        ec = cli_fail("cannot create the incident: no category with code '%s' (field 'category')",
                      code);
        goto out;
    }
    if (rc != PH_OK) {
        ec = cli_fail_rc("cannot look up the category", rc, NULL);
        goto out;
    }
    if (opts[ADD_UNIT].value != NULL) {
        rc = resolve_unit(&cx, opts[ADD_UNIT].value, &unit);
        if (rc != PH_OK) {
            ec = rc == PH_ENOTFOUND
                     ? cli_fail("cannot create the incident: no unit with code or id '%s' "
                                "(field 'reporting_unit_id')",
                                opts[ADD_UNIT].value)
                     : cli_fail_rc("cannot look up the unit", rc, NULL);
            goto out;
        }
        ni.inc.reporting_unit_id = unit.id;
    }
    if (opts[ADD_AREA].value != NULL) {
        rc = resolve_area(&cx, opts[ADD_AREA].value, &area);
        if (rc != PH_OK) {
            ec = rc == PH_ENOTFOUND ? cli_fail("cannot create the incident: no area with code or "
                                               "id '%s' (field 'area_id')",
                                               opts[ADD_AREA].value)
                                    : cli_fail_rc("cannot look up the area", rc, NULL);
            goto out;
        }
        ni.inc.area_id = area.id;
    }
    ni.inc.category_id = cat.id;
    ni.inc.severity = (int)severity;
    ni.inc.title = title;
    ni.inc.description = opts[ADD_DESCRIPTION].value;
    if (ni.inc.occurred_at == 0)
        ni.inc.occurred_at = cx.now_ms;
    rc = writer_run_sync(&cx, create_job, &ni);
    if (rc != PH_OK) {
        ec = cli_fail_rc("cannot create the incident", rc, ni.field);
        goto out;
    }
    {
        struct unit_codes uc = {0};
        printf("phoihop: incident %s created (id %lld); lead unit %s, status %s%s%s\n",
               ni.inc.ref != NULL ? ni.inc.ref : "?", (long long)ni.inc.id,
               unit_code(&cx, &uc, ni.inc.lead_unit_id),
               ni.inc.status != NULL ? ni.inc.status : "new",
               ni.inc.cap_status != NULL && strcmp(ni.inc.cap_status, "actual") != 0 ? ", " : "",
               ni.inc.cap_status != NULL && strcmp(ni.inc.cap_status, "actual") != 0
                   ? ni.inc.cap_status
                   : "");
        if (ni.inc.report_late)
            printf("phoihop: the report is late: it was due by %s\n",
                   cli_vn_time(&a, ni.inc.report_due_at));
        unit_codes_release(&uc);
    }
    ec = CLI_EXIT_OK;
out:
    store_close(st);
    arena_release(&a);
    return ec;
}

/* ---- incident list ------------------------------------------------------------------ */

enum {
    LIST_DB,
    LIST_AS,
    LIST_Q,
    LIST_STATUS,
    LIST_CATEGORY,
    LIST_UNIT,
    LIST_SINCE,
    LIST_UNTIL,
    LIST_LIMIT,
    LIST_JSON,
};
enum { COL_REF, COL_TIME, COL_CATEGORY, COL_SEVERITY, COL_STATUS, COL_LEAD, COL_TITLE, N_COLS };

/* Reads of classified incidents are audited before anything of them is printed
 * (docs/SECURITY.md), like the API's: one entry per classified incident shown. */
struct read_audit_job {
    const struct incident *items;
    size_t n;
};

static ph_err run_read_audit(struct core_ctx *cx, void *arg)
{
    const struct read_audit_job *j = arg;
    for (size_t i = 0; i < j->n; i++) {
        if (j->items[i].classification <= CLEARANCE_UNCLASSIFIED)
            continue;
        ph_err rc = audit_read(cx, "incident", j->items[i].id, j->items[i].classification);
        if (rc != PH_OK)
            return rc;
    }
    return PH_OK;
}

static ph_err audit_reads(struct core_ctx *cx, const struct incident *items, size_t n)
{
    struct read_audit_job j = {items, n};
    size_t i = 0;
    while (i < n && items[i].classification <= CLEARANCE_UNCLASSIFIED)
        i++;
    return i == n ? PH_OK : writer_run_sync(cx, run_read_audit, &j);
}

static int incident_list_cmd(int argc, char **argv)
{
    struct cli_opt opts[] = {
        [LIST_DB] = {"db", "PATH", "database file", NULL, false},
        [LIST_AS] = {"as", "USERNAME", "list what this person may see", NULL, false},
        [LIST_Q] = {"q", "WORDS",
                    "words in the title, description or reference (no diacritics "
                    "needed)",
                    NULL, false},
        [LIST_STATUS] = {"status", "STATUS",
                         "new, acknowledged, responding, resolved, closed, transferred, merged",
                         NULL, false},
        [LIST_CATEGORY] = {"category", "CODE", "only this category", NULL, false},
        [LIST_UNIT] = {"unit", "CODE|ID", "only incidents sent to this unit or units below it",
                       NULL, false},
        [LIST_SINCE] = {"since", "TIME", "occurred at or after (RFC 3339 or YYYY-MM-DD)", NULL,
                        false},
        [LIST_UNTIL] = {"until", "TIME", "occurred before (RFC 3339 or YYYY-MM-DD)", NULL, false},
        [LIST_LIMIT] = {"limit", "N", "at most N incidents, newest first (default 50)", NULL,
                        false},
        [LIST_JSON] = {"json", NULL, "one JSON object per line, as the API gives them", NULL,
                       false},
    };
    const struct cli_spec spec = {
        .name = "incident list",
        .synopsis = "incident list --db PATH [--q WORDS] [--status STATUS] [--category CODE]\n"
                    "       [--unit CODE|ID] [--since TIME] [--until TIME] [--limit N] [--json]\n"
                    "       [--as USERNAME]",
        .about = "List incidents, newest first: reference, time (Asia/Ho_Chi_Minh), category,\n"
                 "severity, status, lead unit and title. Drills and tests are marked.",
        .opts = opts,
        .n_opts = PH_NELEM(opts),
    };
    static const char *const heads[N_COLS] = {"REF",    "TIME", "CATEGORY", "SEV",
                                              "STATUS", "LEAD", "TITLE"};
    char *args[1];
    size_t n_args = 0, n_rows = 0, cap_rows = 0;
    const char **cells = NULL;
    long limit = LIST_DEFAULT_ROWS;
    bool is_json = false;
    struct arena a;
    struct store *st = NULL;
    struct core_ctx cx;
    struct core_user who;
    struct incident_filter f;
    struct unit_codes uc = {0};
    ph_err rc;
    int ec = cli_parse(&spec, argc, argv, args, &n_args);

    if (ec != CLI_CONTINUE)
        return ec;
    memset(&f, 0, sizeof(f));
    arena_init(&a);
    if ((ec = cli_int(&spec, &opts[LIST_LIMIT], 1, LIST_MAX_ROWS, &limit)) != CLI_CONTINUE ||
        (ec = cli_time_opt(&spec, &opts[LIST_SINCE], true, &f.from)) != CLI_CONTINUE ||
        (ec = cli_time_opt(&spec, &opts[LIST_UNTIL], true, &f.to)) != CLI_CONTINUE)
        goto out;
    if (opts[LIST_STATUS].value != NULL && !incident_status_valid(opts[LIST_STATUS].value)) {
        ec = cli_usage_error(&spec, "--status: unknown status '%s'", opts[LIST_STATUS].value);
        goto out;
    }
    is_json = cli_flag(&opts[LIST_JSON]);
    if ((ec = cli_open_as(&spec, &opts[LIST_DB], &opts[LIST_AS], &a, &st, &cx, &who)) != CLI_CONTINUE)
        goto out;
    f.q = opts[LIST_Q].value != NULL && opts[LIST_Q].value[0] != '\0' ? opts[LIST_Q].value : NULL;
    f.status = opts[LIST_STATUS].value;
    if (opts[LIST_CATEGORY].value != NULL) {
        struct category cat;
        rc = category_get_by_code(&cx, opts[LIST_CATEGORY].value, &cat);
        if (rc != PH_OK) {
            ec = rc == PH_ENOTFOUND ? cli_fail("no category with code '%s' (field 'category')",
                                               opts[LIST_CATEGORY].value)
                                    : cli_fail_rc("cannot look up the category", rc, NULL);
            goto out;
        }
        f.category_id = cat.id;
    }
    if (opts[LIST_UNIT].value != NULL) {
        struct unit unit;
        rc = resolve_unit(&cx, opts[LIST_UNIT].value, &unit);
        if (rc != PH_OK) {
            ec = rc == PH_ENOTFOUND
                     ? cli_fail("no unit with code or id '%s'", opts[LIST_UNIT].value)
                     : cli_fail_rc("cannot look up the unit", rc, NULL);
            goto out;
        }
        f.unit_id = unit.id;
    }
    if (!is_json) {
        cap_rows = 64;
        cells = xmalloc(cap_rows * N_COLS * sizeof(*cells));
        memcpy(cells, heads, sizeof(heads));
        n_rows = 1;
    }
    for (long left = limit; left > 0;) {
        struct incident *items = NULL;
        size_t n = 0;
        bool has_more = false;
        f.limit = left < LIST_MAX_LIMIT ? (int)left : LIST_MAX_LIMIT;
        rc = incident_list(&cx, &f, &items, &n, &has_more);
        if (rc == PH_OK)
            rc = audit_reads(&cx, items, n);
        if (rc != PH_OK) {
            ec = cli_fail_rc("cannot list the incidents", rc, rc == PH_EINVAL ? "q" : NULL);
            goto out;
        }
        for (size_t i = 0; i < n; i++) {
            const struct incident *inc = &items[i];
            if (is_json) {
                json_t *j = pjson_incident(inc, false);
                char *text = j != NULL ? json_dumps(j, PJSON_DUMP_FLAGS) : NULL;
                if (text != NULL)
                    puts(text);
                free(text);
                json_decref(j);
                continue;
            }
            if (n_rows == cap_rows) {
                cap_rows *= 2;
                cells = xrealloc(cells, cap_rows * N_COLS * sizeof(*cells));
            }
            const char **r = &cells[n_rows++ * N_COLS];
            r[COL_REF] = inc->ref != NULL ? inc->ref : "-";
            r[COL_TIME] = cli_vn_time(&a, inc->occurred_at);
            r[COL_CATEGORY] = inc->category_code != NULL ? inc->category_code : "-";
            r[COL_SEVERITY] = arena_printf(&a, "%d", inc->severity);
            r[COL_STATUS] = arena_printf(&a, "%s%s", inc->status != NULL ? inc->status : "-",
                                         inc->overdue ? " (overdue)" : "");
            r[COL_LEAD] = unit_code(&cx, &uc, inc->lead_unit_id);
            r[COL_TITLE] = arena_printf(&a, "%s%s", cap_mark(inc), inc->title);
        }
        left -= (long)n;
        if (!has_more || n == 0)
            break;
        f.before_id = items[n - 1].id;
    }
    if (!is_json)
        cli_print_table(NULL, cells, n_rows, N_COLS);
    ec = CLI_EXIT_OK;
out:
    free(cells);
    unit_codes_release(&uc);
    store_close(st);
    arena_release(&a);
    return ec;
}

/* ---- incident show ------------------------------------------------------------------ */

enum { SHOW_DB, SHOW_AS };

static void show_line(const char *label, const char *value)
{
    printf("%-20s %s\n", label, value != NULL && value[0] != '\0' ? value : "-");
}

static const char *unit_text(struct core_ctx *cx, int64_t id)
{
    struct unit u;
    if (id == 0)
        return "-";
    if (unit_get(cx, id, &u) != PH_OK)
        return arena_printf(cx->arena, "#%lld", (long long)id);
    return arena_printf(cx->arena, "%s  %s", u.code, u.name);
}

/* "12/03/2026 08:15 (due 12/03/2026 08:30, late)" */
static const char *stage_text(struct arena *a, int64_t at, int64_t due, int64_t overdue_at)
{
    const char *when = at != 0 ? cli_vn_time(a, at) : "-";
    if (due == 0)
        return when;
    bool is_late = at != 0 ? at > due : overdue_at != 0;
    return arena_printf(a, "%s (due %s%s)", when, cli_vn_time(a, due), is_late ? ", LATE" : "");
}

static void show_recipients(struct core_ctx *cx, const struct incident *inc)
{
    enum { R_ROLE, R_UNIT, R_SENT, R_RECEIVED, R_VERIFIED, R_AGREED, R_REFUSED, R_COLS };
    size_t rows = inc->n_recipients + 1;
    const char **cells = xcalloc(rows * R_COLS, sizeof(*cells));
    static const char *const heads[R_COLS] = {"  ROLE",   "UNIT",   "SENT",   "RECEIVED",
                                              "VERIFIED", "AGREED", "REFUSED"};

    memcpy(cells, heads, sizeof(heads));
    for (size_t i = 0; i < inc->n_recipients; i++) {
        const struct incident_recipient *r = &inc->recipients[i];
        const char **c = &cells[(i + 1) * R_COLS];
        c[R_ROLE] = arena_printf(cx->arena, "  %s", r->role != NULL ? r->role : "-");
        c[R_UNIT] = arena_printf(cx->arena, "%s %s", r->unit_code != NULL ? r->unit_code : "-",
                                 r->unit_name != NULL ? r->unit_name : "");
        c[R_SENT] = cli_vn_time(cx->arena, r->sent_at);
        c[R_RECEIVED] = stage_text(cx->arena, r->received_at, r->ack_due_at, r->ack_overdue_at);
        c[R_VERIFIED] =
            stage_text(cx->arena, r->verified_at, r->verify_due_at, r->verify_overdue_at);
        c[R_AGREED] = cli_vn_time(cx->arena, r->agreed_at);
        c[R_REFUSED] = r->refused_at != 0
                           ? arena_printf(cx->arena, "%s: %s", cli_vn_time(cx->arena, r->refused_at),
                                          r->refused_reason != NULL ? r->refused_reason : "")
                           : "-";
    }
    cli_print_table(NULL, cells, rows, R_COLS);
    free(cells);
}

static int incident_show(int argc, char **argv)
{
    struct cli_opt opts[] = {
        [SHOW_DB] = {"db", "PATH", "database file", NULL, false},
        [SHOW_AS] = {"as", "USERNAME", "show it as this person may see it", NULL, false},
    };
    const struct cli_spec spec = {
        .name = "incident show",
        .synopsis = "incident show --db PATH [--as USERNAME] REF|ID",
        .about = "Show one incident: every field, the units it was sent to with their\n"
                 "acknowledgements and deadlines, the acknowledgement history and the timeline.",
        .opts = opts,
        .n_opts = PH_NELEM(opts),
        .max_args = 1,
    };
    char *args[1];
    size_t n_args = 0, n_events = 0, n_acks = 0;
    struct arena a;
    struct store *st = NULL;
    struct core_ctx cx;
    struct core_user who;
    struct incident inc;
    struct category cat;
    struct area area;
    struct incident_event *events = NULL;
    struct incident_ack *acks = NULL;
    struct unit_codes uc = {0};
    ph_err rc;
    int ec = cli_parse(&spec, argc, argv, args, &n_args);

    if (ec != CLI_CONTINUE)
        return ec;
    if (n_args != 1)
        return cli_usage_error(&spec, "missing REF|ID");
    arena_init(&a);
    if ((ec = cli_open_as(&spec, &opts[SHOW_DB], &opts[SHOW_AS], &a, &st, &cx, &who)) != CLI_CONTINUE)
        goto out;
    rc = resolve_incident(&cx, args[0], &inc);
    if (rc == PH_OK)
        rc = incident_timeline(&cx, inc.id, &events, &n_events);
    if (rc == PH_OK)
        rc = incident_acks(&cx, inc.id, &acks, &n_acks);
    if (rc == PH_OK)
        rc = audit_reads(&cx, &inc, 1);
    if (rc != PH_OK) {
        ec = rc == PH_ENOTFOUND ? cli_fail("no incident '%s'", args[0])
                                : cli_fail_rc("cannot read the incident", rc, NULL);
        goto out;
    }
    printf("%s%s  (id %lld, version %lld)\n", cap_mark(&inc), inc.ref, (long long)inc.id,
           (long long)inc.version);
    show_line("Title", inc.title);
    if (category_get(&cx, inc.category_id, &cat) == PH_OK)
        show_line("Category", arena_printf(&a, "%s (%s)", cat.code, cat.name_vi));
    else
        show_line("Category", inc.category_code);
    show_line("Severity", arena_printf(&a, "%d", inc.severity));
    show_line("Status",
              arena_printf(&a, "%s%s%s", inc.status, inc.overdue ? " (overdue)" : "",
                           inc.merged_into_id != 0 ? arena_printf(&a, ", merged into #%lld",
                                                                  (long long)inc.merged_into_id)
                                                   : ""));
    show_line("CAP status", inc.cap_status);
    show_line("Classification", clearance_name(inc.classification));
    show_line("Occurred", cli_vn_time(&a, inc.occurred_at));
    show_line("Detected", cli_vn_time(&a, inc.detected_at));
    show_line(
        "Reported",
        arena_printf(&a, "%s%s", cli_vn_time(&a, inc.reported_at),
                     inc.report_due_at == 0 ? ""
                     : inc.report_late
                         ? arena_printf(&a, " (LATE: due %s)", cli_vn_time(&a, inc.report_due_at))
                         : arena_printf(&a, " (due %s, on time)", cli_vn_time(&a, inc.report_due_at))));
    show_line("Location",
              inc.has_location ? arena_printf(&a, "%.6f, %.6f", inc.lat, inc.lon) : NULL);
    if (inc.area_id != 0 && area_get(&cx, inc.area_id, &area) == PH_OK)
        show_line("Area", arena_printf(&a, "%s  %s (%s)", area.code, area.name, area.kind));
    else
        show_line("Area", NULL);
    show_line("Reporting unit", unit_text(&cx, inc.reporting_unit_id));
    show_line("Lead unit", unit_text(&cx, inc.lead_unit_id));
    show_line("Involved",
              arena_printf(&a, "%d people, %d vehicles, %d vessels", inc.people_involved,
                           inc.vehicles_involved, inc.vessels_involved));
    show_line("Casualties",
              arena_printf(&a, "%d dead, %d injured", inc.casualties_dead, inc.casualties_injured));
    show_line("Damage", inc.damage);
    show_line("Routing rule", inc.rule_id != 0 ? arena_printf(&a, "#%lld", (long long)inc.rule_id)
                                               : "none matched (defaults)");
    show_line("Created", arena_printf(&a, "%s by %s", cli_vn_time(&a, inc.created_at),
                                      inc.created_by != 0 ? arena_printf(&a, "person #%lld",
                                                                         (long long)inc.created_by)
                                                          : "the system"));
    show_line("Updated", cli_vn_time(&a, inc.updated_at));
    show_line("Description", inc.description);

    printf("\nRecipients (%zu):\n", inc.n_recipients);
    show_recipients(&cx, &inc);

    printf("\nAcknowledgements (%zu):\n", n_acks);
    if (n_acks > 0) {
        enum { K_TIME, K_STAGE, K_UNIT, K_BY, K_NOTE, K_COLS };
        const char **cells = xcalloc((n_acks + 1) * K_COLS, sizeof(*cells));
        static const char *const heads[K_COLS] = {"  TIME", "STAGE", "UNIT", "BY", "NOTE"};
        memcpy(cells, heads, sizeof(heads));
        for (size_t i = 0; i < n_acks; i++) {
            const struct incident_ack *k = &acks[i];
            const char **c = &cells[(i + 1) * K_COLS];
            c[K_TIME] = arena_printf(&a, "  %s", cli_vn_time(&a, k->at));
            c[K_STAGE] = arena_printf(&a, "%s%s", k->stage, k->on_time ? "" : " (LATE)");
            c[K_UNIT] = unit_code(&cx, &uc, k->unit_id);
            c[K_BY] = k->person_name != NULL ? k->person_name : "system";
            c[K_NOTE] = k->note != NULL ? k->note : "";
        }
        cli_print_table(NULL, cells, n_acks + 1, K_COLS);
        free(cells);
    }

    printf("\nTimeline (%zu):\n", n_events);
    if (n_events > 0) {
        enum { E_TIME, E_KIND, E_UNIT, E_BY, E_DETAIL, E_COLS };
        const char **cells = xcalloc((n_events + 1) * E_COLS, sizeof(*cells));
        static const char *const heads[E_COLS] = {"  TIME", "WHAT", "UNIT", "BY", "DETAIL"};
        memcpy(cells, heads, sizeof(heads));
        for (size_t i = 0; i < n_events; i++) {
            const struct incident_event *e = &events[i];
            const char **c = &cells[(i + 1) * E_COLS];
            c[E_TIME] = arena_printf(&a, "  %s", cli_vn_time(&a, e->at));
            c[E_KIND] = e->kind;
            c[E_UNIT] = e->unit_id != 0 ? unit_code(&cx, &uc, e->unit_id) : "-";
            c[E_BY] = e->person_name != NULL ? e->person_name : "system";
            c[E_DETAIL] = e->detail != NULL ? e->detail : "";
        }
        cli_print_table(NULL, cells, n_events + 1, E_COLS);
        free(cells);
    }
    ec = CLI_EXIT_OK;
out:
    unit_codes_release(&uc);
    store_close(st);
    arena_release(&a);
    return ec;
}

/* ---- incident ack --------------------------------------------------------------------- */

enum { ACK_DB, ACK_AS, ACK_UNIT, ACK_STAGE, ACK_NOTE };

struct ack_call {
    int64_t incident_id, unit_id;
    const char *stage, *note, *field;
    struct incident_ack out;
};

static ph_err ack_job(struct core_ctx *cx, void *arg)
{
    struct ack_call *ac = arg;
    return incident_acknowledge(cx, ac->incident_id, ac->unit_id, ac->stage, ac->note, &ac->out,
                                &ac->field);
}

static int incident_ack_cmd(int argc, char **argv)
{
    struct cli_opt opts[] = {
        [ACK_DB] = {"db", "PATH", "database file", NULL, false},
        [ACK_AS] = {"as", "USERNAME", "acknowledge as this person", NULL, false},
        [ACK_UNIT] = {"unit", "CODE|ID", "the unit acknowledging (default: that of --as)", NULL,
                      false},
        [ACK_STAGE] = {"stage", "STAGE", "received, verified, agreed or refused", NULL, false},
        [ACK_NOTE] = {"note", "TEXT", "a note; the reason, for refused", NULL, false},
    };
    const struct cli_spec spec = {
        .name = "incident ack",
        .synopsis = "incident ack --db PATH --unit CODE|ID --stage STAGE [--note TEXT]\n"
                    "       [--as USERNAME] REF|ID",
        .about = "Record a unit's acknowledgement of an incident sent to it. Stages go in\n"
                 "order: received (đã nhận), verified (đã kiểm tra, xác minh), agreed (thống\n"
                 "nhất đánh giá); refused (sent by mistake) needs --note with the reason.",
        .opts = opts,
        .n_opts = PH_NELEM(opts),
        .max_args = 1,
    };
    static const char *const stages[] = {ACK_RECEIVED, ACK_VERIFIED, ACK_AGREED, ACK_REFUSED};
    char *args[1];
    size_t n_args = 0;
    struct arena a;
    struct store *st = NULL;
    struct core_ctx cx;
    struct core_user who;
    struct incident inc;
    struct unit unit;
    struct ack_call ac;
    const char *stage = NULL;
    bool is_known = false;
    ph_err rc;
    int ec = cli_parse(&spec, argc, argv, args, &n_args);

    if (ec != CLI_CONTINUE)
        return ec;
    if (n_args != 1)
        return cli_usage_error(&spec, "missing REF|ID");
    if ((ec = cli_require(&spec, &opts[ACK_STAGE], &stage)) != CLI_CONTINUE)
        return ec;
    for (size_t i = 0; i < PH_NELEM(stages); i++)
        is_known = is_known || strcmp(stage, stages[i]) == 0;
    if (!is_known)
        return cli_usage_error(&spec,
                               "--stage: expected received, verified, agreed or refused, "
                               "not '%s'",
                               stage);
    memset(&ac, 0, sizeof(ac));
    arena_init(&a);
    if ((ec = cli_open_as(&spec, &opts[ACK_DB], &opts[ACK_AS], &a, &st, &cx, &who)) != CLI_CONTINUE)
        goto out;
    if (opts[ACK_UNIT].value == NULL && cx.user->unit_id == 0) {
        ec = cli_usage_error(&spec, "missing --unit CODE|ID: the unit acknowledging");
        goto out;
    }
    rc = resolve_incident(&cx, args[0], &inc);
    if (rc != PH_OK) {
        ec = rc == PH_ENOTFOUND ? cli_fail("no incident '%s'", args[0])
                                : cli_fail_rc("cannot read the incident", rc, NULL);
        goto out;
    }
    if (opts[ACK_UNIT].value != NULL) {
        rc = resolve_unit(&cx, opts[ACK_UNIT].value, &unit);
        if (rc != PH_OK) {
            ec = rc == PH_ENOTFOUND ? cli_fail("cannot acknowledge: no unit with code or id '%s' "
                                               "(field 'unit_id')",
                                               opts[ACK_UNIT].value)
                                    : cli_fail_rc("cannot look up the unit", rc, NULL);
            goto out;
        }
        ac.unit_id = unit.id;
    }
    ac.incident_id = inc.id;
    ac.stage = stage;
    ac.note = opts[ACK_NOTE].value;
    rc = writer_run_sync(&cx, ack_job, &ac);
    if (rc != PH_OK) {
        ec = cli_fail_rc(arena_printf(&a, "cannot record '%s' for %s", stage, inc.ref), rc,
                         ac.field);
        goto out;
    }
    {
        struct unit_codes uc = {0};
        printf("phoihop: %s: %s %s at %s%s\n", inc.ref, unit_code(&cx, &uc, ac.out.unit_id),
               ac.out.stage != NULL ? ac.out.stage : stage, cli_vn_time(&a, ac.out.at),
               strcmp(stage, ACK_REFUSED) == 0 ? ""
               : ac.out.on_time                ? " (on time)"
                                               : " (late)");
        unit_codes_release(&uc);
    }
    ec = CLI_EXIT_OK;
out:
    store_close(st);
    arena_release(&a);
    return ec;
}

/* ---- dispatch --------------------------------------------------------------------------- */

static const char incident_usage[] =
    "Usage: phoihop incident COMMAND --db PATH [options]\n"
    "\n"
    "Report, list, show and acknowledge incidents (vụ việc).\n"
    "\n"
    "Commands:\n"
    "  add       report an incident; routing chooses the lead and the units to inform\n"
    "  list      list incidents, newest first (search with --q, no diacritics needed)\n"
    "  show      one incident with its recipients, acknowledgements and timeline\n"
    "  ack       record a unit's acknowledgement: received, verified, agreed or refused\n"
    "\n"
    "The commands act as the installation itself, or with --as USERNAME as that\n"
    "person (their roles, unit and clearance apply). Run 'phoihop incident COMMAND\n"
    "--help' for the options of a command; each option may also be set as an\n"
    "environment variable PHOIHOP_<OPTION> (e.g. PHOIHOP_DB, PHOIHOP_AS).\n";

int cmd_incident(int argc, char **argv)
{
    static const struct cli_sub subs[] = {
        {"add", incident_add},
        {"list", incident_list_cmd},
        {"show", incident_show},
        {"ack", incident_ack_cmd},
    };
    return cli_dispatch("incident", incident_usage, subs, PH_NELEM(subs), argc, argv);
}
