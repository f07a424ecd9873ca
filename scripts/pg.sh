#!/bin/sh
# pg.sh - a throwaway PostgreSQL 15 server for the tests and benchmarks of the
# PostgreSQL store: a fresh cluster (initdb) in a temporary directory, listening
# on 127.0.0.1 only, on a free port, with trust authentication for the local
# superuser "postgres" (nothing but this machine can reach it).
#
#   scripts/pg.sh start DIR [fast]   start a cluster in DIR (created); prints the URL
#                                    postgres://postgres@127.0.0.1:PORT/ and writes it
#                                    to DIR/url. "fast" turns fsync off (tests only:
#                                    the benchmarks keep PostgreSQL durable).
#   scripts/pg.sh stop DIR           stop it (fast shutdown) and remove DIR
#   scripts/pg.sh url DIR            print the URL of a running cluster
# PG_SH_OPTS adds server options to start (e.g. "-c shared_preload_libraries=pg_stat_statements"
# to see where a benchmark's statements spend their time).
#
# initdb refuses to run as root: as root the cluster belongs to the user postgres
# (which Debian's postgresql-common package creates) and lives in a directory of
# its own under /tmp (DIR/cluster names it). Never for production: any local user
# may connect as the superuser over TCP on 127.0.0.1. Needs postgresql-15
# (scripts/deps.sh test|bench installs it).
set -eu

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop|url DIR [fast]" >&2; exit 2; }

# as_owner CMD...: run CMD as the cluster's owner (postgres when we are root).
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# A random port above the usual 5432; PostgreSQL itself says when it is taken
# (start then tries another), so no port probe is needed.
random_port() {
    echo $((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 20000))
}

# The cluster's own directory: DIR itself, or, as root, a directory of its own
# under /tmp owned by postgres (whose name DIR/cluster keeps), because the user
# postgres may not be able to reach DIR (a test's scratch directory is 0700).
cluster_dir() {
    if [ -f "$dir/cluster" ]; then cat "$dir/cluster"; else echo "$dir"; fi
}

case "$cmd" in
start)
    [ -x "$PGBIN/initdb" ] || { echo "pg.sh: $PGBIN/initdb missing (scripts/deps.sh test)" >&2; exit 1; }
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [ "$(id -u)" -eq 0 ]; then
        real=$(mktemp -d "${PG_SH_TMP:-/tmp}/phoihop-pg.XXXXXX")
        chown postgres "$real"
        echo "$real" >"$dir/cluster"
    else
        real="$dir"
    fi
    chmod 700 "$real"
    as_owner "$PGBIN/initdb" -D "$real/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
        >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    fsync=on
    [ "${3:-}" = fast ] && fsync=off
    # Connections: every phoihop node opens one per event loop, the writer, the
    # bus, the scheduler, the cluster and the pool threads; tests run several
    # nodes at once.
    started=0
    for _ in 1 2 3 4 5; do
        port=$(random_port)
        if as_owner "$PGBIN/pg_ctl" -D "$real/data" -l "$real/server.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -p $port -k $real -c max_connections=400 -c fsync=$fsync -c shared_buffers=256MB -c synchronous_commit=on ${PG_SH_OPTS:-}" \
            start >/dev/null; then
            started=1
            break
        fi
    done
    [ "$started" -eq 1 ] || { cat "$real/server.log" >&2; exit 1; }
    url="postgres://postgres@127.0.0.1:$port/"
    echo "$url" >"$dir/url"
    echo "$url"
    ;;
stop)
    real=$(cluster_dir)
    if [ -d "$real/data" ]; then
        as_owner "$PGBIN/pg_ctl" -D "$real/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
    fi
    [ "$real" != "$dir" ] && rm -rf "$real"
    rm -rf "$dir"
    ;;
url)
    cat "$dir/url"
    ;;
*)
    echo "usage: $0 start|stop|url DIR [fast]" >&2
    exit 2
    ;;
esac
