/* cmd_positions.c - `phoihop positions import FILE`: positions from a GPX track
 * (proto/gpx.h; the device is --uid) or a CSV file (proto/poscsv.h; a uid
 * column, or --uid for every row), stored through position_ingest, the same
 * core call as POST /api/v1/positions, in transactions of POSITION_BATCH_MAX
 * reports.
 *
 * As whom: --as USERNAME stores them as that person, so that an unknown uid is
 * bound to them as a phone would be; without it, as the installation, which
 * binds nothing (the uid's device must exist: POST /api/v1/devices). Imported
 * reports are exempt from the 7-day age limit of live reports (an earlier
 * patrol's file), not from the rest of the validation.
 *
 * Output: one line of counts on stdout ("read, stored, already stored,
 * refused"); each refused point on stderr with its line (CSV) or its number
 * (GPX) and the field at fault, the first MAX_REFUSED_SHOWN of them. Exit 0 when
 * nothing was refused, 1 otherwise (the rest is stored all the same). */
#include "util/base.h"
#include <math.h>
#include "cli/cli.h"
#include "core/person.h"
#include "core/position.h"
#include "core/unit.h"
#include "core/writer.h"
#include "proto/gpx.h"
#include "proto/poscsv.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/mem.h"

#define MAX_REFUSED_SHOWN 20

struct import_job {
    const struct position_report *reports;
    size_t n;
    struct position_result *results;
    size_t n_stored;
};

static ph_err run_import(struct core_ctx *cx, void *arg)
{
    struct import_job *j = arg;
    struct livepos_fix *fixes = NULL;

    return position_ingest(cx, j->reports, j->n, j->results, &fixes, &j->n_stored);
}

/* The whole file into *data (caller frees), at most max bytes. */
static int read_file(const char *path, size_t max, char **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    size_t cap = 1 << 16, n = 0;
    char *buf;

    if (f == NULL)
        return cli_fail("%s: %s", path, strerror(errno));
    buf = xmalloc(cap);
    for (;;) {
        if (n == cap) {
            if (cap > max) {
                fclose(f);
                free(buf);
                return cli_fail("%s: larger than %zu bytes", path, max);
            }
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        fclose(f);
        free(buf);
        return cli_fail("%s: read error", path);
    }
    fclose(f);
    if (n > max) {
        free(buf);
        return cli_fail("%s: larger than %zu bytes", path, max);
    }
    *data = buf;
    *len = n;
    return CLI_CONTINUE;
}

static bool is_gpx(const char *path, const char *data, size_t len)
{
    size_t n = strlen(path);
    if (n > 4 && strcasecmp(path + n - 4, ".gpx") == 0)
        return true;
    if (n > 4 && strcasecmp(path + n - 4, ".csv") == 0)
        return false;
    for (size_t i = 0; i < len; i++) /* else by its first character */
        if (data[i] != ' ' && data[i] != '\n' && data[i] != '\r' && data[i] != '\t')
            return data[i] == '<';
    return false;
}

enum { O_DB, O_UID, O_AS, O_FORMAT, O_CALLSIGN };

static int positions_import(int argc, char **argv)
{
    struct cli_opt opts[] = {
        [O_DB] = {"db", "PATH", "database file (or sqlite:PATH)", NULL, false},
        [O_UID] = {"uid", "UID", "the device (required for GPX; for CSV, instead of its column)",
                   NULL, false},
        [O_AS] = {"as", "USERNAME", "store as this person (binds an unknown uid to them)", NULL,
                  false},
        [O_FORMAT] = {"format", "gpx|csv", "the file's format (default: from its name)", NULL,
                      false},
        [O_CALLSIGN] = {"callsign", "NAME", "the device's callsign (GPX: default the track name)",
                        NULL, false},
    };
    const struct cli_spec spec = {
        .name = "positions import",
        .synopsis = "positions import FILE --db PATH [--uid UID] [--as USERNAME] "
                    "[--format gpx|csv]",
        .about = "Store the positions of a GPX track (its <trkpt> with <time>) or a CSV file\n"
                 "with the header uid,time,lat,lon[,speed,course,alt,battery]. Prints\n"
                 "\"N read, S stored, D already stored, R refused\"; each refused point on\n"
                 "stderr. Exit 1 when some point was refused (the others are stored).",
        .opts = opts,
        .n_opts = PH_NELEM(opts),
        .max_args = 1,
    };
    char *args[1];
    size_t n_args = 0, n = 0, stored = 0, ok = 0, refused = 0;
    const char *db = NULL, *why = NULL;
    char *data = NULL;
    size_t len = 0;
    struct store *st = NULL;
    struct arena a;
    struct core_ctx cx;
    struct core_user who;
    struct position_report *reports = NULL;
    size_t *lines = NULL; /* CSV line, or GPX point number, of each report */
    const char **bad = NULL;
    bool gpx;
    ph_err rc;
    int ec = cli_parse(&spec, argc, argv, args, &n_args);

    if (ec != CLI_CONTINUE)
        return ec;
    if (n_args != 1)
        return cli_usage_error(&spec, "one FILE to import, please");
    if ((ec = cli_require(&spec, &opts[O_DB], &db)) != CLI_CONTINUE)
        return ec;
    if (opts[O_FORMAT].value != NULL && strcmp(opts[O_FORMAT].value, "gpx") != 0 &&
        strcmp(opts[O_FORMAT].value, "csv") != 0)
        return cli_usage_error(&spec, "--format is gpx or csv, not '%s'", opts[O_FORMAT].value);
    if ((ec = read_file(args[0], GPX_MAX_BYTES > POSCSV_MAX_BYTES ? GPX_MAX_BYTES : POSCSV_MAX_BYTES,
                        &data, &len)) != CLI_CONTINUE)
        return ec;
    gpx = opts[O_FORMAT].value != NULL ? strcmp(opts[O_FORMAT].value, "gpx") == 0
                                       : is_gpx(args[0], data, len);
    if (gpx && opts[O_UID].value == NULL) {
        free(data);
        return cli_usage_error(&spec, "a GPX track names no device: give --uid UID");
    }
    arena_init(&a);
    if ((ec = cli_open_store(db, true, &st)) != CLI_CONTINUE)
        goto out;
    cx = cli_ctx(st, &a);
    if (opts[O_AS].value != NULL && opts[O_AS].value[0] != '\0') {
        if ((ec = cli_act_as(&cx, opts[O_AS].value, &who)) != CLI_CONTINUE)
            goto out;
        cx.user = &who;
    }

    /* The file into reports, each with where it came from and what is wrong. */
    if (gpx) {
        struct gpx_result g;
        rc = gpx_parse(data, len, &a, &g, &why);
        if (rc != PH_OK) {
            ec = cli_fail("%s: not a GPX track we can read (%s: %s)", args[0], why, err_str(rc));
            goto out;
        }
        n = g.n;
        reports = arena_alloc(&a, (n + 1) * sizeof(*reports));
        lines = arena_alloc(&a, (n + 1) * sizeof(*lines));
        bad = arena_zalloc(&a, (n + 1) * sizeof(*bad));
        const char *cs = opts[O_CALLSIGN].value != NULL ? opts[O_CALLSIGN].value : g.name;
        for (size_t i = 0; i < n; i++) {
            reports[i] = (struct position_report){
                .uid = opts[O_UID].value, .callsign = cs, .at = g.points[i].at,
                .lat = g.points[i].lat, .lon = g.points[i].lon, .speed = NAN, .course = NAN,
                .alt = g.points[i].ele, .battery = -1, .source = POSITION_SOURCE_IMPORT};
            lines[i] = i + 1;
            bad[i] = g.points[i].error;
        }
    } else {
        struct poscsv_row *rows = NULL;
        rc = poscsv_parse(data, len, &a, &rows, &n, &why);
        if (rc != PH_OK) {
            ec = cli_fail("%s: not a positions CSV we can read (%s: %s)", args[0], why,
                          err_str(rc));
            goto out;
        }
        reports = arena_alloc(&a, (n + 1) * sizeof(*reports));
        lines = arena_alloc(&a, (n + 1) * sizeof(*lines));
        bad = arena_zalloc(&a, (n + 1) * sizeof(*bad));
        for (size_t i = 0; i < n; i++) {
            reports[i] = rows[i].r;
            if (opts[O_UID].value != NULL)
                reports[i].uid = opts[O_UID].value;
            if (opts[O_CALLSIGN].value != NULL)
                reports[i].callsign = opts[O_CALLSIGN].value;
            lines[i] = rows[i].line;
            bad[i] = rows[i].error;
        }
    }

    /* Batches of the good ones; the bad ones are refused as they are. */
    struct position_report *good = arena_alloc(&a, POSITION_BATCH_MAX * sizeof(*good));
    size_t *good_idx = arena_alloc(&a, POSITION_BATCH_MAX * sizeof(*good_idx));
    struct position_result *res = arena_alloc(&a, POSITION_BATCH_MAX * sizeof(*res));
    for (size_t i = 0; i < n;) {
        size_t k = 0;
        for (; i < n && k < POSITION_BATCH_MAX; i++) {
            if (bad[i] != NULL) {
                if (++refused <= MAX_REFUSED_SHOWN)
                    fprintf(stderr, "phoihop: %s: %s %zu: refused (%s)\n", args[0],
                            gpx ? "point" : "line", lines[i], bad[i]);
                continue;
            }
            good_idx[k] = i;
            good[k++] = reports[i];
        }
        if (k == 0)
            continue;
        struct import_job job = {.reports = good, .n = k, .results = res};
        rc = writer_run_sync(&cx, run_import, &job);
        if (rc != PH_OK) {
            ec = cli_fail_rc("cannot store the positions", rc, NULL);
            goto out;
        }
        stored += job.n_stored;
        for (size_t j = 0; j < k; j++) {
            if (res[j].rc == PH_OK) {
                ok++;
                continue;
            }
            if (++refused <= MAX_REFUSED_SHOWN)
                fprintf(stderr, "phoihop: %s: %s %zu: refused: %s (%s)\n", args[0],
                        gpx ? "point" : "line", lines[good_idx[j]], err_str(res[j].rc),
                        res[j].field != NULL ? res[j].field : "-");
        }
    }
    if (refused > MAX_REFUSED_SHOWN)
        fprintf(stderr, "phoihop: %s: %zu more refused\n", args[0], refused - MAX_REFUSED_SHOWN);
    printf("%s: %zu read, %zu stored, %zu already stored, %zu refused\n", args[0], n, stored,
           ok - stored, refused);
    ec = refused == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
out:
    store_close(st);
    arena_release(&a);
    free(data);
    return ec;
}

int cmd_positions(int argc, char **argv)
{
    static const struct cli_sub subs[] = {
        {"import", positions_import},
    };
    return cli_dispatch("positions",
                        "Usage: phoihop positions import FILE --db PATH [--uid UID] "
                        "[--as USERNAME] [--format gpx|csv]\n"
                        "\n"
                        "Subcommands:\n"
                        "  import  store the positions of a GPX track or a CSV file\n",
                        subs, PH_NELEM(subs), argc, argv);
}
