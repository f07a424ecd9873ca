/* cmd_migrate.c - `phoihop migrate --from DB --to DB`: copy a whole database into
 * a new one, whichever backend each is (store_copy, store/store_copy.c): SQLite
 * to PostgreSQL to move an installation onto a database server, PostgreSQL to
 * SQLite to take a copy to an offline site. Everything is copied, the audit
 * chain as it is (it verifies in the copy), in one transaction of the
 * destination; a destination holding anything but what its migrations seed is
 * refused. Progress goes to stderr; the rows of each table to stdout, once the
 * copy is committed. */
#include "util/base.h"
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli/cli.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/progress.h"

enum { O_FROM, O_TO };

/* What the copy reported, for the summary. */
struct migrate_report {
    struct progress pr;
    struct arena *ar;
    const char **tables;
    int64_t *rows;
    size_t n, cap;
    int64_t total;
};

static void on_counted(void *ctx, size_t tables, int64_t rows)
{
    struct migrate_report *m = ctx;
    fprintf(stderr, "phoihop migrate: copying %zu tables, %lld rows\n", tables, (long long)rows);
    progress_begin(&m->pr, "copying rows", rows);
}

static void on_progress(void *ctx, int64_t rows)
{
    struct migrate_report *m = ctx;
    progress_update(&m->pr, rows);
}

static void on_table(void *ctx, const char *table, int64_t rows)
{
    struct migrate_report *m = ctx;

    if (m->n == m->cap) {
        size_t cap = m->cap == 0 ? 64 : 2 * m->cap;
        const char **tables = arena_alloc(m->ar, cap * sizeof(*tables));
        int64_t *counts = arena_alloc(m->ar, cap * sizeof(*counts));
        if (m->n > 0) {
            memcpy(tables, m->tables, m->n * sizeof(*tables));
            memcpy(counts, m->rows, m->n * sizeof(*counts));
        }
        m->tables = tables;
        m->rows = counts;
        m->cap = cap;
    }
    m->tables[m->n] = arena_strdup(m->ar, table);
    m->rows[m->n++] = rows;
    m->total += rows;
}

static void on_step(void *ctx, const char *what)
{
    struct migrate_report *m = ctx;
    progress_end(&m->pr);
    fprintf(stderr, "phoihop migrate: %s\n", what);
}

static void print_counts(const struct migrate_report *m)
{
    static const char *const heads[] = {"TABLE", "ROWS"};
    const char **cells = arena_alloc(m->ar, (2 * m->n + 1) * sizeof(*cells));

    for (size_t i = 0; i < m->n; i++) {
        cells[2 * i] = m->tables[i];
        cells[2 * i + 1] = arena_printf(m->ar, "%lld", (long long)m->rows[i]);
    }
    printf("phoihop: migrated %zu tables, %lld rows.\n", m->n, (long long)m->total);
    cli_print_table(heads, cells, m->n, 2);
}

/* A SQLite destination this run makes. It creates the empty file itself
 * (O_EXCL: never one that was there), so that a failed copy can take the file
 * away again, with the -wal and -shm files SQLite keeps beside it, and only
 * while the path still names that very file. */
struct made_file {
    const char *path; /* NULL: nothing made (a URL, or the file was there) */
    dev_t dev;
    ino_t ino;
};

static void make_file(const char *path, struct made_file *m)
{
    struct stat sb;
    int fd;

    m->path = NULL;
    if (path == NULL || path[0] == '\0')
        return;
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return; /* there already, or not makeable: opening the store says why */
    if (fstat(fd, &sb) == 0) {
        m->path = path;
        m->dev = sb.st_dev;
        m->ino = sb.st_ino;
    }
    close(fd);
}

/* Whether the file made is gone again. */
static bool remove_made(const struct made_file *m)
{
    static const char *const suffixes[] = {"-wal", "-shm"};
    char name[4096];
    struct stat sb;
    bool ok = true;

    if (lstat(m->path, &sb) != 0 || sb.st_dev != m->dev || sb.st_ino != m->ino)
        return false; /* replaced meanwhile: not ours to remove */
    for (size_t i = 0; i < PH_NELEM(suffixes); i++) {
        if ((size_t)snprintf(name, sizeof(name), "%s%s", m->path, suffixes[i]) >= sizeof(name))
            return false;
        if (unlink(name) != 0 && errno != ENOENT)
            ok = false;
    }
    if (unlink(m->path) != 0) {
        fprintf(stderr, "phoihop migrate: cannot remove '%s': %s\n", m->path, strerror(errno));
        return false;
    }
    return ok;
}

int cmd_migrate(int argc, char **argv)
{
    struct cli_opt opts[] = {
        [O_FROM] = {"from", "DB", "the database to copy: sqlite:PATH (or PATH) or postgres://...",
                    NULL, false},
        [O_TO] = {"to", "DB", "the new database to copy into: sqlite:PATH or postgres://...", NULL,
                  false},
    };
    const struct cli_spec spec = {
        .name = "migrate",
        .synopsis = "migrate --from DB --to DB",
        .about = "Copy every table of one database into a new one: SQLite to PostgreSQL\n"
                 "(postgres://USER@HOST:PORT/NAME; the database is created when missing) or\n"
                 "back, to take a copy to an offline site. Incidents, attachments, positions,\n"
                 "the audit log (its chain verifies in the copy: phoihop audit verify) and\n"
                 "every other table are copied as they are, in one transaction: all or\n"
                 "nothing. The destination's schema is made first; it must hold nothing but\n"
                 "what a new database holds (forces, categories, routing rules), which the\n"
                 "source's rows replace; a destination with data is refused. Search indexes\n"
                 "and area boxes are rebuilt in the destination. Stop the servers writing to\n"
                 "the source first: what is written during the copy is not in it.\n"
                 "Progress goes to stderr; the rows copied per table to stdout.",
        .opts = opts,
        .n_opts = PH_NELEM(opts),
    };
    char *args[1];
    size_t n_args = 0;
    const char *from_dsn = NULL, *to_dsn = NULL;
    struct store *from = NULL, *to = NULL;
    struct arena a;
    struct migrate_report m = {.ar = &a};
    ph_err rc;
    int ec = cli_parse(&spec, argc, argv, args, &n_args);

    if (ec != CLI_CONTINUE)
        return ec;
    if ((ec = cli_require(&spec, &opts[O_FROM], &from_dsn)) != CLI_CONTINUE ||
        (ec = cli_require(&spec, &opts[O_TO], &to_dsn)) != CLI_CONTINUE)
        return ec;
    if (strcmp(from_dsn, to_dsn) == 0)
        return cli_usage_error(&spec, "--from and --to name the same database");
    /* The source first: when it cannot be opened, no destination is made. */
    if ((ec = cli_open_store(from_dsn, true, &from)) != CLI_CONTINUE)
        return ec;
    /* A SQLite destination made by this run goes again if the copy fails. */
    struct made_file made;
    make_file(cli_dsn_file(to_dsn), &made);
    bool removed = false;
    if ((ec = cli_open_store(to_dsn, false, &to)) != CLI_CONTINUE) {
        store_close(from);
        if (made.path != NULL)
            (void)remove_made(&made);
        return ec;
    }
    arena_init(&a);
    progress_init(&m.pr);
    const struct store_copy_report report = {
        .ctx = &m,
        .counted = on_counted,
        .progress = on_progress,
        .table = on_table,
        .step = on_step,
    };
    rc = store_copy(from, to, &report);
    progress_end(&m.pr);
    store_close(to);
    store_close(from);
    if (rc == PH_OK)
        print_counts(&m);
    /* A conflict means another writer filled the file meanwhile: it stays. */
    else if (made.path != NULL && rc != PH_ECONFLICT)
        removed = remove_made(&made);
    arena_release(&a);
    if (rc == PH_ECONFLICT)
        return cli_fail("the destination already holds data; migrate copies into a new, empty "
                        "database only (nothing was changed)");
    if (rc != PH_OK)
        return cli_fail("migration failed (%s); nothing was written to the destination%s",
                        rc == PH_ESTORE ? "the error is above" : err_str(rc),
                        removed ? ", and the new file was removed" : "");
    return CLI_EXIT_OK;
}
