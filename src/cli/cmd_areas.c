/* cmd_areas.c - `phoihop areas import FILE --kind list|boundaries|reorganisation`:
 * Vietnam's official administrative units from the files of ../shared/geo/ (the
 * Statistics Office's list, a province's boundaries, the July 2025
 * reorganisation), through area_import, the same core call as POST
 * /api/v1/areas/import, in one transaction.
 *
 * Output: the report on stdout, one "name: value" line each (effective, units, created,
 * updated, unchanged, closed, successions, geometries, not_found, import_id, and
 * "same file again" when it was); progress on stderr, a bar on a terminal and
 * plain lines otherwise. Exit 0 on success, 1 when the file or the database
 * refuses (the message names the field and, for a bad file, the unit at fault),
 * 2 on a usage error. */
#include "util/base.h"
#include "cli/cli.h"
#include "core/area_import.h"
#include "core/writer.h"
#include "proto/dvhcvn.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/mem.h"
#include "util/progress.h"
#include "util/time.h"

struct import_job {
    const char *json;
    size_t len;
    struct area_import_opts opts;
    struct area_import_report rep;
    const char *field;
};

static ph_err run_import(struct core_ctx *cx, void *arg)
{
    struct import_job *j = arg;

    return area_import(cx, j->json, j->len, &j->opts, &j->rep, &j->field);
}

/* The bar starts with the first report of the import itself, so that a file
 * refused while being read shows none. */
struct bar {
    struct progress p;
    const char *label;
};

static void on_progress(void *ctx, size_t done, size_t total)
{
    struct bar *b = ctx;

    if (!b->p.is_active)
        progress_begin(&b->p, b->label, (int64_t)total);
    progress_callback(&b->p, (int64_t)done, (int64_t)total);
}

/* The whole file into *data (caller frees), at most max bytes. */
static int read_file(const char *path, size_t max, char **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    size_t cap = 1 << 16, n = 0, got;
    char *buf;

    if (f == NULL)
        return cli_fail("%s: %s", path, strerror(errno));
    buf = xmalloc(cap);
    do {
        if (n == cap) {
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
    } while (got > 0 && n <= max);
    if (ferror(f) || n > max) {
        bool too_big = !ferror(f);
        fclose(f);
        free(buf);
        return too_big ? cli_fail("%s: larger than %zu bytes", path, max)
                       : cli_fail("%s: read error", path);
    }
    fclose(f);
    *data = buf;
    *len = n;
    return CLI_CONTINUE;
}

enum { O_DB, O_KIND, O_PROVINCE, O_EFFECTIVE, O_DRY_RUN };

static int areas_import(int argc, char **argv)
{
    struct cli_opt opts[] = {
        [O_DB] = {"db", "PATH", "database file (or sqlite:PATH)", NULL, false},
        [O_KIND] = {"kind", "KIND", "list, boundaries or reorganisation (required)", NULL, false},
        [O_PROVINCE] = {"province", "CODE", "only this province (level-1 code, e.g. 83)", NULL,
                        false},
        [O_EFFECTIVE] = {"effective", "YYYY-MM-DD",
                         "the day the units take effect (reorganisation: required)", NULL, false},
        [O_DRY_RUN] = {"dry-run", NULL, "report what would change; write nothing", NULL, false},
    };
    const struct cli_spec spec = {
        .name = "areas import",
        .synopsis = "areas import FILE --kind list|boundaries|reorganisation --db PATH "
                    "[--province CODE] [--effective YYYY-MM-DD] [--dry-run]",
        .about = "Import Vietnam's official administrative units: the Statistics Office's\n"
                 "three-level list (dvhcvn-YYYY-MM-DD.json), one province's boundaries\n"
                 "(gis-<code>-<name>.json) or the July 2025 reorganisation\n"
                 "(units-2025-07-01-merges.json). Re-running a file changes nothing; a\n"
                 "reorganisation closes the old areas on --effective and opens the new ones,\n"
                 "recording which old unit went into which (full or partial). Prints the\n"
                 "counts; exit 1 when the file or an option is refused (the message names it).",
        .opts = opts,
        .n_opts = PH_NELEM(opts),
        .max_args = 1,
    };
    struct import_job job = {0};
    struct bar bar;
    struct store *st = NULL;
    struct arena a;
    struct core_ctx cx;
    char *args[1], *data = NULL;
    const char *db = NULL, *kind = NULL;
    size_t n_args = 0, len = 0;
    ph_err rc;
    int ec = cli_parse(&spec, argc, argv, args, &n_args);

    if (ec != CLI_CONTINUE)
        return ec;
    if (n_args != 1)
        return cli_usage_error(&spec, "one FILE to import, please");
    if ((ec = cli_require(&spec, &opts[O_DB], &db)) != CLI_CONTINUE ||
        (ec = cli_require(&spec, &opts[O_KIND], &kind)) != CLI_CONTINUE)
        return ec;
    if (!area_import_kind_parse(kind, &job.opts.kind))
        return cli_usage_error(&spec, "--kind is list, boundaries or reorganisation, not '%s'",
                               kind);
    job.opts.province = opts[O_PROVINCE].value;
    job.opts.effective = opts[O_EFFECTIVE].value;
    job.opts.dry_run = cli_flag(&opts[O_DRY_RUN]);
    if (job.opts.effective != NULL && !time_is_date(job.opts.effective))
        return cli_usage_error(&spec, "--effective is a date YYYY-MM-DD, not '%s'",
                               job.opts.effective);
    if (job.opts.kind == AREA_IMPORT_REORGANISATION && job.opts.effective == NULL)
        return cli_usage_error(&spec, "a reorganisation needs --effective YYYY-MM-DD");
    if ((ec = read_file(args[0], DVHCVN_MAX_BYTES, &data, &len)) != CLI_CONTINUE)
        return ec;
    arena_init(&a);
    if ((ec = cli_open_store(db, true, &st)) != CLI_CONTINUE)
        goto out;
    cx = cli_ctx(st, &a);

    progress_init(&bar.p);
    bar.label = job.opts.dry_run ? "import (dry run)" : "import";
    job.opts.progress = on_progress;
    job.opts.progress_ctx = &bar;
    job.json = data;
    job.len = len;
    rc = writer_run_sync(&cx, run_import, &job);
    if (bar.p.is_active)
        progress_end(&bar.p);
    if (rc != PH_OK) {
        if (rc == PH_EINVAL && job.rep.problem != NULL)
            fprintf(stderr, "phoihop: %s: %s\n", args[0], job.rep.problem);
        ec = cli_fail_rc("cannot import the areas", rc, job.field);
        goto out;
    }
    printf("%s: %s%s%s%s\n", args[0], area_import_kind_name(job.opts.kind),
           job.opts.province != NULL ? " of province " : "",
           job.opts.province != NULL ? job.opts.province : "",
           job.opts.dry_run ? " (dry run: nothing written)" : "");
    printf("effective: %s\n", job.rep.effective);
    printf("units: %zu\ncreated: %zu\nupdated: %zu\nunchanged: %zu\n", job.rep.units,
           job.rep.created, job.rep.updated, job.rep.unchanged);
    printf("closed: %zu\nsuccessions: %zu\ngeometries: %zu\nnot_found: %zu\nimport_id: %lld\n",
           job.rep.closed, job.rep.successions, job.rep.geometries, job.rep.not_found,
           (long long)job.rep.import_id);
    if (job.rep.same_file_again)
        printf("same file again: this file was imported before with these options\n");
    ec = CLI_EXIT_OK;
out:
    store_close(st);
    arena_release(&a);
    free(data);
    return ec;
}

int cmd_areas(int argc, char **argv)
{
    /* The area-history subcommands live in cmd_areas_history.c (cli.h). */
    static const struct cli_sub subs[] = {
        {"import", areas_import},
        {"successions", cmd_areas_successions},
        {"count", cmd_areas_count},
        {"proposals", cmd_areas_proposals},
    };
    return cli_dispatch("areas",
                        "Usage: phoihop areas import FILE --kind list|boundaries|reorganisation "
                        "--db PATH [--province CODE] [--effective YYYY-MM-DD] [--dry-run]\n"
                        "       phoihop areas successions|count|proposals ... (see their --help)\n"
                        "\n"
                        "Subcommands:\n"
                        "  import       import official administrative units, boundaries or a "
                        "reorganisation\n"
                        "  successions  the predecessors and successors of an area\n"
                        "  count        incidents counted by the areas of a given day's map\n"
                        "  proposals    units' areas of responsibility after a reorganisation\n",
                        subs, PH_NELEM(subs), argc, argv);
}
