/* cmd_serve.c - `phoihop serve`: the options of the HTTP door into struct
 * http_config, then http_serve() until SIGINT or SIGTERM. The database must exist:
 * a mistyped path would otherwise serve a new, empty database without an
 * administrator, which looks like lost data; `phoihop init` makes one. */
#include "util/base.h"
#include "cli/cli.h"
#include "core/session.h"
#include "http/server.h"
#include "store/store.h"

#define MS_PER_MINUTE (60 * 1000)
#define MS_PER_HOUR (60 * MS_PER_MINUTE)

enum {
    O_DB,
    O_LISTEN,
    O_THREADS,
    O_WORKERS,
    O_ACCESS_LOG,
    O_LOGIN_THROTTLE,
    O_LOGIN_LOCK_AFTER,
    O_LOGIN_LOCK_MINUTES,
    O_SESSION_HOURS,
};

int cmd_serve(int argc, char **argv)
{
    struct cli_opt opts[] = {
        [O_DB] = {"db", "PATH", "database file (or sqlite:PATH)", NULL, false},
        [O_LISTEN] = {"listen", "HOST:PORT", "address (default 127.0.0.1:8080; port 0: any)", NULL,
                      false},
        [O_THREADS] = {"threads", "N", "event loops (default: one per core)", NULL, false},
        [O_WORKERS] = {"workers", "N", "password-hashing threads (default 2)", NULL, false},
        [O_ACCESS_LOG] = {"access-log", NULL, "log one line per request", NULL, false},
        [O_LOGIN_THROTTLE] = {"login-throttle", "N",
                              "failed logins per client in 5 min (default 5)", NULL, false},
        [O_LOGIN_LOCK_AFTER] = {"login-lock-after", "N",
                                "failures in a row that lock an account (10)", NULL, false},
        [O_LOGIN_LOCK_MINUTES] = {"login-lock-minutes", "M",
                                  "minutes an account stays locked (default 15)", NULL, false},
        [O_SESSION_HOURS] = {"session-hours", "H", "hours a login session lasts (default 12)", NULL,
                             false},
    };
    const struct cli_spec spec = {
        .name = "serve",
        .synopsis = "serve --db PATH [--listen HOST:PORT] [options]",
        .about = "Serve the JSON API on HOST:PORT until SIGINT or SIGTERM. Once listening it\n"
                 "prints one line \"phoihop: listening on http://HOST:PORT\". The database file\n"
                 "must exist: create it with 'phoihop init'.",
        .opts = opts,
        .n_opts = PH_NELEM(opts),
    };
    char *args[1];
    size_t n_args = 0;
    const char *db = NULL, *path;
    long threads = 0, workers = 0, throttle, lock_after, lock_minutes, session_hours;
    struct http_config cfg;
    struct store *st = NULL;
    int ec = cli_parse(&spec, argc, argv, args, &n_args);

    if (ec != CLI_CONTINUE)
        return ec;
    if ((ec = cli_require(&spec, &opts[O_DB], &db)) != CLI_CONTINUE)
        return ec;
    /* Defaults come from core/session.c so that they are stated once. */
    session_configure(NULL);
    memset(&cfg, 0, sizeof(cfg));
    cfg.session = *session_config_get();
    throttle = cfg.session.throttle_failures;
    lock_after = cfg.session.lock_after;
    lock_minutes = (long)(cfg.session.lock_ms / MS_PER_MINUTE);
    session_hours = (long)(cfg.session.session_ttl_ms / MS_PER_HOUR);
    if ((ec = cli_int(&spec, &opts[O_THREADS], 0, 1024, &threads)) != CLI_CONTINUE ||
        (ec = cli_int(&spec, &opts[O_WORKERS], 0, 256, &workers)) != CLI_CONTINUE ||
        (ec = cli_int(&spec, &opts[O_LOGIN_THROTTLE], 1, 1000000, &throttle)) != CLI_CONTINUE ||
        (ec = cli_int(&spec, &opts[O_LOGIN_LOCK_AFTER], 1, 1000000, &lock_after)) != CLI_CONTINUE ||
        (ec = cli_int(&spec, &opts[O_LOGIN_LOCK_MINUTES], 1, 525600, &lock_minutes)) !=
            CLI_CONTINUE ||
        (ec = cli_int(&spec, &opts[O_SESSION_HOURS], 1, 8760, &session_hours)) != CLI_CONTINUE)
        return ec;
    cfg.dsn = db;
    cfg.listen = opts[O_LISTEN].value != NULL ? opts[O_LISTEN].value : "127.0.0.1:8080";
    cfg.threads = (int)threads;
    cfg.workers = (int)workers;
    cfg.access_log = cli_flag(&opts[O_ACCESS_LOG]);
    cfg.session.throttle_failures = (int)throttle;
    cfg.session.lock_after = (int)lock_after;
    cfg.session.lock_ms = (int64_t)lock_minutes * MS_PER_MINUTE;
    cfg.session.session_ttl_ms = (int64_t)session_hours * MS_PER_HOUR;

    /* Every thread opens its own connection: an in-memory database would be a
     * different, empty one for each. SQLite URIs ("file:...", which may be in
     * memory too) cannot be checked for existence, so a plain path it is. */
    path = strncmp(db, "sqlite:", 7) == 0 ? db + 7 : db;
    if (strcmp(path, ":memory:") == 0 || strncmp(path, "file:", 5) == 0)
        return cli_fail("serve needs a database file path, not '%s' (create the database with "
                        "'phoihop init --db PATH')",
                        db);
    /* Open once here so that a missing file is refused, a missing migration is
     * applied and a database newer than this binary is refused with a plain message
     * before any thread starts. */
    if ((ec = cli_open_store(db, true, &st)) != CLI_CONTINUE)
        return ec;
    store_close(st);
    return http_serve(&cfg) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}
