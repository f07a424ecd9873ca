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
    O_POSITION_INTERVAL,
    O_POSITION_KEEP_FULL_DAYS,
    O_POSITION_THIN_SECONDS,
    O_POSITION_TOLERANCE_M,
    O_POSITION_KEEP_DAYS,
    O_COT_LISTEN,
    O_COT_UDP_LISTEN,
    O_COT_TLS_LISTEN,
    O_COT_TLS_CERT,
    O_COT_TLS_KEY,
    O_COT_TLS_CA,
    O_NO_COT,
    O_COT_RATE,
    O_COT_MAX_CLIENTS,
    O_COT_IDLE_SECONDS,
    O_TILE_URL,
    O_HOTSPOT_INTERVAL,
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
        [O_POSITION_INTERVAL] = {"position-interval", "S",
                                 "live feed: one position per device per S seconds (default 5; "
                                 "0: every fix)",
                                 NULL, false},
        [O_POSITION_KEEP_FULL_DAYS] = {"position-keep-full-days", "D",
                                       "positions kept at full resolution (default 30)", NULL,
                                       false},
        [O_POSITION_THIN_SECONDS] = {"position-thin-seconds", "S",
                                     "older positions outside operations: one per S seconds "
                                     "(default 60; 0: no thinning)",
                                     NULL, false},
        [O_POSITION_TOLERANCE_M] = {"position-tolerance-m", "M",
                                    "older positions in operations: track shape within M metres "
                                    "(default 5)",
                                    NULL, false},
        [O_POSITION_KEEP_DAYS] = {"position-keep-days", "D",
                                  "positions deleted after D days (default 0: kept)", NULL, false},
        [O_COT_LISTEN] = {"cot-listen", "HOST:PORT",
                          "CoT over TCP for TAK clients (default 127.0.0.1:8087; port 0: any)", NULL,
                          false},
        [O_COT_UDP_LISTEN] = {"cot-udp-listen", "HOST:PORT", "CoT over UDP (default: off)", NULL,
                              false},
        [O_COT_TLS_LISTEN] = {"cot-tls-listen", "HOST:PORT",
                              "CoT over TLS with client certificates (TAK uses 8089; default: off)",
                              NULL, false},
        [O_COT_TLS_CERT] = {"cot-tls-cert", "PEM", "the CoT TLS server certificate (chain)", NULL,
                            false},
        [O_COT_TLS_KEY] = {"cot-tls-key", "PEM", "its private key", NULL, false},
        [O_COT_TLS_CA] = {"cot-tls-ca", "PEM",
                          "CA that signs client certificates (subject CN = username)", NULL, false},
        [O_NO_COT] = {"no-cot", NULL, "no CoT listener at all", NULL, false},
        [O_COT_RATE] = {"cot-rate", "N", "CoT events per second one connection may send (default 50)",
                        NULL, false},
        [O_COT_MAX_CLIENTS] = {"cot-max-clients", "N", "CoT connections at most (default 1000)", NULL,
                               false},
        [O_COT_IDLE_SECONDS] = {"cot-idle-seconds", "S",
                                "a CoT connection silent this long is closed (default 120)", NULL,
                                false},
        [O_TILE_URL] = {"tile-url", "URL",
                        "map tile server, e.g. https://tiles.example.org/{z}/{x}/{y}.png "
                        "(default: none; the map draws the areas' own boundaries)",
                        NULL, false},
        [O_HOTSPOT_INTERVAL] = {"hotspot-interval", "MINUTES",
                                "hot-spot early warning every MINUTES (default 60; 0: off)", NULL,
                                false},
    };
    const struct cli_spec spec = {
        .name = "serve",
        .synopsis = "serve --db PATH [--listen HOST:PORT] [options]",
        .about = "Serve the JSON API on HOST:PORT until SIGINT or SIGTERM. Once listening it\n"
                 "prints one line \"phoihop: listening on http://HOST:PORT\", after one line\n"
                 "\"phoihop: cot listening on tcp://HOST:PORT\" (udp://, tls://) per CoT\n"
                 "listener. The database file must exist: create it with 'phoihop init'.",
        .opts = opts,
        .n_opts = PH_NELEM(opts),
    };
    char *args[1];
    size_t n_args = 0;
    const char *db = NULL, *path;
    long threads = 0, workers = 0, throttle, lock_after, lock_minutes, session_hours;
    long pos_interval = 5, keep_full_days = 30, thin_s = 60, tolerance_m = 5, keep_days = 0;
    long cot_rate = 50, cot_max_clients = 1000, cot_idle_s = 120;
    long hotspot_minutes = 60;
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
    /* Thinning never reaches what a device may still send (reports up to
     * POSITION_MAX_AGE_MS old are taken): hence at least 8 days in full. */
    if ((ec = cli_int(&spec, &opts[O_POSITION_INTERVAL], 0, 3600, &pos_interval)) != CLI_CONTINUE ||
        (ec = cli_int(&spec, &opts[O_POSITION_KEEP_FULL_DAYS], 8, 3650, &keep_full_days)) !=
            CLI_CONTINUE ||
        (ec = cli_int(&spec, &opts[O_POSITION_THIN_SECONDS], 0, 86400, &thin_s)) != CLI_CONTINUE ||
        (ec = cli_int(&spec, &opts[O_POSITION_TOLERANCE_M], 0, 1000, &tolerance_m)) !=
            CLI_CONTINUE ||
        (ec = cli_int(&spec, &opts[O_POSITION_KEEP_DAYS], 0, 36500, &keep_days)) != CLI_CONTINUE)
        return ec;
    if (keep_days != 0 && keep_days < keep_full_days)
        return cli_fail("--position-keep-days (%ld) must be 0 or at least "
                        "--position-keep-full-days (%ld)",
                        keep_days, keep_full_days);
    if ((ec = cli_int(&spec, &opts[O_COT_RATE], 1, 1000000, &cot_rate)) != CLI_CONTINUE ||
        (ec = cli_int(&spec, &opts[O_COT_MAX_CLIENTS], 1, 1000000, &cot_max_clients)) !=
            CLI_CONTINUE ||
        (ec = cli_int(&spec, &opts[O_COT_IDLE_SECONDS], 1, 86400, &cot_idle_s)) != CLI_CONTINUE)
        return ec;
    if (opts[O_COT_TLS_LISTEN].value != NULL &&
        (opts[O_COT_TLS_CERT].value == NULL || opts[O_COT_TLS_KEY].value == NULL ||
         opts[O_COT_TLS_CA].value == NULL))
        return cli_fail("--cot-tls-listen needs --cot-tls-cert, --cot-tls-key and --cot-tls-ca");
    /* TCP on loopback unless told otherwise: TAK clients elsewhere need an address
     * chosen on purpose (and TLS). --no-cot turns every listener off. */
    if (!cli_flag(&opts[O_NO_COT])) {
        cfg.cot.listen = opts[O_COT_LISTEN].value != NULL ? opts[O_COT_LISTEN].value : "127.0.0.1:8087";
        cfg.cot.udp_listen = opts[O_COT_UDP_LISTEN].value;
        cfg.cot.tls_listen = opts[O_COT_TLS_LISTEN].value;
        cfg.cot.tls_cert = opts[O_COT_TLS_CERT].value;
        cfg.cot.tls_key = opts[O_COT_TLS_KEY].value;
        cfg.cot.tls_ca = opts[O_COT_TLS_CA].value;
        cfg.cot.rate_per_s = (int)cot_rate;
        cfg.cot.max_clients = (int)cot_max_clients;
        cfg.cot.idle_timeout_s = (int)cot_idle_s;
    }
    if ((ec = cli_int(&spec, &opts[O_HOTSPOT_INTERVAL], 0, 7 * 24 * 60, &hotspot_minutes)) !=
        CLI_CONTINUE)
        return ec;
    cfg.hotspot_interval_ms = (int64_t)hotspot_minutes * MS_PER_MINUTE;
    if (opts[O_TILE_URL].value != NULL) {
        char origin[1100];
        if (http_tile_origin(opts[O_TILE_URL].value, origin, sizeof(origin)) != 0)
            return cli_fail("--tile-url must be an http:// or https:// URL whose path holds {z}, "
                            "{x} and {y}, without spaces, quotes, ';' or ','");
        cfg.tile_url = opts[O_TILE_URL].value;
    }
    cfg.dsn = db;
    cfg.listen = opts[O_LISTEN].value != NULL ? opts[O_LISTEN].value : "127.0.0.1:8080";
    cfg.threads = (int)threads;
    cfg.workers = (int)workers;
    cfg.access_log = cli_flag(&opts[O_ACCESS_LOG]);
    cfg.session.throttle_failures = (int)throttle;
    cfg.session.lock_after = (int)lock_after;
    cfg.session.lock_ms = (int64_t)lock_minutes * MS_PER_MINUTE;
    cfg.session.session_ttl_ms = (int64_t)session_hours * MS_PER_HOUR;
    cfg.position_interval_s = (int)pos_interval;
    cfg.retention = (struct position_retention){
        .keep_full_ms = (int64_t)keep_full_days * 24 * MS_PER_HOUR,
        .thin_interval_ms = (int64_t)thin_s * 1000,
        .keep_ms = (int64_t)keep_days * 24 * MS_PER_HOUR,
        .tolerance_m = (double)tolerance_m,
        .max_rows = 5000, /* rows per writer job: tens of ms (the scheduler caps it there too) */
    };

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
