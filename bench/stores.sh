#!/bin/bash
# stores.sh - the store benchmarks of issue 7: phoihop on its SQLite store against
# phoihop on its PostgreSQL store, in the same run, on loopback (run by `make
# bench` after bench/run.sh; docs/PERFORMANCE.md, "Stores (issue 7)").
#
# Both stores get the same data: the demo province and its year of incidents is
# made on a SQLite file (phoihop init, phoihop demo) and copied into a PostgreSQL
# database (phoihop migrate: the same rows, ids included, in seconds where `phoihop
# demo` on PostgreSQL takes minutes). PostgreSQL 15 is a throwaway cluster this
# script starts (scripts/pg.sh, durable: fsync and synchronous_commit on) and stops
# on exit; its data directory is in the same temporary directory as the SQLite file.
# A `phoihop serve --threads 2` runs on each store, and wrk (2 threads, 64
# connections, BENCH_DURATION seconds) measures, alternating the stores round by
# round (BENCH_ROUNDS rounds, medians; the order flips every round) so that a change
# in the machine's load touches both alike:
#   read     GET /api/v1/incidents/{id} (the newest demo incident demo.duty sees)
#            as demo.duty:
#            "bench stores read: sqlite N req/s, postgres M req/s, ratio R"
#   ingest   POST /api/v1/incidents as demo.duty (bench/incident_post.lua), each 201
#            only after its group commit is durable on either store:
#            "bench stores ingest: sqlite N/s, postgres M/s, ratio R (goal >= 0.50)",
#            then what the writers did (incidents per group commit) and, from
#            pg_stat_database, PostgreSQL's commits and rows written per incident.
#   2 nodes  a second `phoihop serve` on the same PostgreSQL database; the read case
#            against both nodes at once (two wrk, 32 connections each, rates summed)
#            against the first node alone with 64 connections, alternating:
#            "bench stores read 2 nodes: 1 node N req/s, 2 nodes M req/s, ratio R".
#   search   (bench/search_bench, no server) a two-word query typed without
#            diacritics over BENCH_STORES_SEARCH_N (100,000) incidents generated
#            deterministically through the store API on each store (the SQLite file
#            is cached in BENCH_CACHE_DIR; the PostgreSQL database is made in the run),
#            through the core service (incident_list, first page of 50) as a global
#            administrator and as a district duty officer, rounds alternating:
#            "bench stores search: sqlite median A ms p99 B ms, postgres median C ms
#            p99 D ms, ratio R (medians)". The rows each query finds must be the
#            same on both stores ("MISMATCH" is printed when they are not).
# Every server and wrk shares this machine's cores, PostgreSQL's too: the figures
# compare the stores on one machine, they are not a capacity.
#
# Exit status: 0 whatever the ratios ("BELOW GOAL" is printed when ingest misses
# it); 1 when the benchmark could not run or a server answered anything but 2xx.
# Environment: PHOIHOP_BIN (default build/phoihop), SEARCH_BENCH_BIN (default
# build/bench/search_bench), BENCH_DURATION (10), BENCH_ROUNDS (2),
# BENCH_STORES_GOAL (0.50), BENCH_STORES_SEARCH_N (100000; 0 skips the search case),
# BENCH_SEARCH_RUNS (100), BENCH_CACHE_DIR (build/bench-cache), BENCH_STORES_NODES
# (0 skips the two-node case), PGBIN (PostgreSQL's programs, as scripts/pg.sh),
# BENCH_KEEP=1 keeps the temporary directory (PostgreSQL's is removed with the
# server).
set -euo pipefail

BIN="${PHOIHOP_BIN:-build/phoihop}"
SEARCH_BIN="${SEARCH_BENCH_BIN:-build/bench/search_bench}"
DURATION="${BENCH_DURATION:-10}"
ROUNDS="${BENCH_ROUNDS:-2}"
GOAL="${BENCH_STORES_GOAL:-0.50}"
SEARCH_N="${BENCH_STORES_SEARCH_N:-100000}"
SEARCH_RUNS="${BENCH_SEARCH_RUNS:-100}"
WRK_THREADS=2
WRK_CONNS=64
WRK_SHOW_BUSY=1 # each wrk line shows how busy the machine's cores were
SERVER_THREADS=2
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
PG_SH="$ROOT/scripts/pg.sh"
PGBIN="${PGBIN:-/usr/lib/postgresql/15/bin}"
export PGBIN

die() { echo "bench stores: $*" >&2; exit 1; }

for tool in wrk curl; do
    command -v "$tool" >/dev/null 2>&1 ||
        die "$tool not found (scripts/deps.sh bench installs wrk and curl)"
done
[ -x "$PGBIN/postgres" ] || die "$PGBIN/postgres not found (scripts/deps.sh bench installs postgresql-15)"
[ -x "$BIN" ] || die "$BIN not found; run 'make bench' (it builds it)"
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"
if [ "$SEARCH_N" != 0 ]; then
    [ -x "$SEARCH_BIN" ] || die "$SEARCH_BIN not found; run 'make bench' (it builds it)"
    SEARCH_BIN="$(cd "$(dirname "$SEARCH_BIN")" && pwd)/$(basename "$SEARCH_BIN")"
fi

T="$(mktemp -d "${TMPDIR:-/tmp}/phoihop-stores.XXXXXX")"
# PostgreSQL's cluster lives in $T/pg and runs as the user postgres when we are root.
chmod 0755 "$T"
SERVER_PIDS=""
WRK_PIDS=""
PG_STARTED=0

# shellcheck disable=SC2317 # called through the EXIT trap
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    for pid in $WRK_PIDS; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    # TERM lets the servers shut down cleanly; KILL whatever is left after 5 s.
    for pid in $SERVER_PIDS; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in $SERVER_PIDS $WRK_PIDS; do
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    [ "$PG_STARTED" = 1 ] && { "$PG_SH" stop "$T/pg" || true; }
    if [ "${BENCH_KEEP:-0}" = 1 ] || [ "$rc" -ne 0 ]; then
        echo "bench stores: files kept in $T" >&2
    else
        rm -rf "$T"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"

secs_since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
ms() { awk -v v="$1" 'BEGIN { printf "%.2f", v / 1000 }'; }
load() { cut -d ' ' -f 1-3 /proc/loadavg 2>/dev/null || echo "?"; }

# ---- the two databases ----------------------------------------------------------------
echo "bench stores: $(nproc) cores, $("$PGBIN/postgres" --version), $(wrk -v 2>&1 | head -n 1 | awk '{ print $1, $2 }'); load average $(load)"
PG_URL="$("$PG_SH" start "$T/pg")" || die "scripts/pg.sh could not start PostgreSQL"
PG_STARTED=1
PG_DSN="${PG_URL}phoihop"
SQ_DB="$T/sqlite.db"

t0="$(date +%s.%N)"
ADMIN_PW="bench-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
PHOIHOP_ADMIN_PASSWORD="$ADMIN_PW" "$BIN" init --db "$SQ_DB" >"$T/init.log" 2>&1 ||
    { cat "$T/init.log" >&2; die "phoihop init failed"; }
# The demo province and its year of incidents (demo accounts' password: phoihop-demo).
"$BIN" demo --db "$SQ_DB" >"$T/demo.log" 2>&1 || { cat "$T/demo.log" >&2; die "phoihop demo failed"; }
DEMO_S="$(secs_since "$t0")"
t0="$(date +%s.%N)"
"$BIN" migrate --from "$SQ_DB" --to "$PG_DSN" >"$T/migrate.log" 2>&1 ||
    { cat "$T/migrate.log" >&2; die "phoihop migrate to PostgreSQL failed"; }
MIGRATE_S="$(secs_since "$t0")"
echo "bench stores: demo data made on SQLite in $DEMO_S s (phoihop init, demo), copied to PostgreSQL in $MIGRATE_S s (phoihop migrate: $(sed -n 's/^phoihop: migrated //p' "$T/migrate.log"))"

# ---- the servers ---------------------------------------------------------------------
serve_start sqlite --db "$SQ_DB" --listen 127.0.0.1:0 --threads "$SERVER_THREADS" --no-cot
SERVER_PIDS="$SERVER_PIDS $SERVE_PID"
SQ_BASE="http://127.0.0.1:$SERVE_PORT"
serve_start postgres --db "$PG_DSN" --listen 127.0.0.1:0 --threads "$SERVER_THREADS" --no-cot
SERVER_PIDS="$SERVER_PIDS $SERVE_PID"
PG_BASE="http://127.0.0.1:$SERVE_PORT"
SQ_TOKEN="$(login "$SQ_BASE" demo.duty phoihop-demo)"
PG_TOKEN="$(login "$PG_BASE" demo.duty phoihop-demo)"

# fetch BASE PATH TOKEN FILE: the body of a 200 answer into FILE; dies on another status.
fetch() {
    local code
    code="$(curl -sS --max-time 10 -o "$4" -w '%{http_code}' -H "Authorization: Bearer $3" "$1$2")" ||
        die "GET $1$2 failed"
    [ "$code" = 200 ] || die "GET $1$2 answered $code: $(head -c 300 "$4")"
}
# The newest incident demo.duty sees; the same id on both (the copy keeps ids).
fetch "$SQ_BASE" "/api/v1/incidents?limit=1" "$SQ_TOKEN" "$T/list.json"
INCIDENT_ID="$(grep -o '"id":[0-9]*' "$T/list.json" | head -n 1 | cut -d: -f2)"
[ -n "$INCIDENT_ID" ] || die "no incident visible to demo.duty: $(head -c 300 "$T/list.json")"
fetch "$SQ_BASE" "/api/v1/incidents/$INCIDENT_ID" "$SQ_TOKEN" "$T/incident-sqlite.json"
fetch "$PG_BASE" "/api/v1/incidents/$INCIDENT_ID" "$PG_TOKEN" "$T/incident-postgres.json"
echo "bench stores: wrk -t$WRK_THREADS -c$WRK_CONNS -d${DURATION}s, $ROUNDS rounds; phoihop serve --threads $SERVER_THREADS on each store;" \
    "GET /api/v1/incidents/$INCIDENT_ID: $(wc -c <"$T/incident-sqlite.json") bytes on sqlite, $(wc -c <"$T/incident-postgres.json") on postgres"

FAILED=0
# check_2xx CASE LABEL: a failure when the last run had non-2xx answers.
check_2xx() {
    if [ -n "$NON2XX" ] && [ "$NON2XX" != 0 ]; then
        echo "bench stores $1: FAIL: phoihop on $2 answered $NON2XX non-2xx responses" >&2
        FAILED=1
    fi
}

# stores_case NAME PATH [LUA]: ROUNDS rounds of a wrk run on each store, the order
# flipped every round; sets SQ_RPS SQ_P50 SQ_P99 SQ_BUSY PG_RPS PG_P50 PG_P99
# PG_BUSY (medians).
stores_case() {
    local name="$1" path="$2" lua="${3:-}"
    local sq_rps=() sq_p50=() sq_p99=() sq_busy=() pg_rps=() pg_p50=() pg_p99=() pg_busy=()
    local r store
    for r in $(seq "$ROUNDS"); do
        local order="sqlite postgres"
        [ $((r % 2)) = 0 ] && order="postgres sqlite"
        for store in $order; do
            if [ "$store" = sqlite ]; then
                PHOIHOP_TOKEN="$SQ_TOKEN" run_wrk "$name" "$SQ_BASE$path" "$lua" sqlite
                sq_rps+=("$RPS"); sq_p50+=("$P50"); sq_p99+=("$P99"); sq_busy+=("$BUSY")
            else
                PHOIHOP_TOKEN="$PG_TOKEN" run_wrk "$name" "$PG_BASE$path" "$lua" postgres
                pg_rps+=("$RPS"); pg_p50+=("$P50"); pg_p99+=("$P99"); pg_busy+=("$BUSY")
            fi
            check_2xx "$name" "$store"
        done
    done
    SQ_RPS="$(median "${sq_rps[@]}")"; SQ_P50="$(median "${sq_p50[@]}")"; SQ_P99="$(median "${sq_p99[@]}")"
    PG_RPS="$(median "${pg_rps[@]}")"; PG_P50="$(median "${pg_p50[@]}")"; PG_P99="$(median "${pg_p99[@]}")"
    SQ_BUSY="$(median "${sq_busy[@]}")"; PG_BUSY="$(median "${pg_busy[@]}")"
}

# metric BASE NAME: a counter of the server's /metrics.
metric() { curl -sS --max-time 10 "$1/metrics" | awk -v n="$2" '$1 == n { print $2 }'; }
# pg_stat: PostgreSQL's commits and rows inserted in the benchmark's database so far
# (statistics, read with psql when it is there; "" otherwise). A backend reports
# its counts within 10 s of going idle: wait for them.
pg_stat() {
    command -v psql >/dev/null 2>&1 || return 0
    sleep 11
    psql "$PG_DSN" -AtqX -F ' ' -c "SELECT pg_stat_clear_snapshot()" \
        -c "SELECT xact_commit, tup_inserted FROM pg_stat_database WHERE datname = current_database()" \
        2>/dev/null | tail -n 1
}

# ---- read ----------------------------------------------------------------------------
echo "bench stores: load average before the runs: $(load)"
export PHOIHOP_TOKEN # for the wrk scripts
stores_case read "/api/v1/incidents/$INCIDENT_ID" "$HERE/auth_me.lua"
printf 'bench stores read: sqlite %.0f req/s, postgres %.0f req/s, ratio %s; latency p50/p99 sqlite %s/%s ms, postgres %s/%s ms; cores busy sqlite %s%%, postgres %s%%\n' \
    "$SQ_RPS" "$PG_RPS" "$(ratio "$PG_RPS" "$SQ_RPS")" "$(ms "$SQ_P50")" "$(ms "$SQ_P99")" \
    "$(ms "$PG_P50")" "$(ms "$PG_P99")" "$SQ_BUSY" "$PG_BUSY"
READ_PG_RPS="$PG_RPS"

# ---- ingest --------------------------------------------------------------------------
SQ_JOBS0="$(metric "$SQ_BASE" phoihop_writer_jobs_total)"
SQ_BATCHES0="$(metric "$SQ_BASE" phoihop_writer_batches_total)"
PG_JOBS0="$(metric "$PG_BASE" phoihop_writer_jobs_total)"
PG_BATCHES0="$(metric "$PG_BASE" phoihop_writer_batches_total)"
PG_STAT0="$(pg_stat)"
stores_case ingest /api/v1/incidents "$HERE/incident_post.lua"
PG_STAT1="$(pg_stat)"
per() { awk -v a="${1:-0}" -v b="${2:-0}" -v c="${3:-0}" -v d="${4:-0}" 'BEGIN { printf "%.1f", (d - c > 0 ? (b - a) / (d - c) : 0) }'; }
SQ_JOBS1="$(metric "$SQ_BASE" phoihop_writer_jobs_total)"
SQ_BATCHES1="$(metric "$SQ_BASE" phoihop_writer_batches_total)"
PG_JOBS1="$(metric "$PG_BASE" phoihop_writer_jobs_total)"
PG_BATCHES1="$(metric "$PG_BASE" phoihop_writer_batches_total)"
IRATIO="$(ratio "$PG_RPS" "$SQ_RPS")"
below=""
awk -v r="$IRATIO" -v g="$GOAL" 'BEGIN { exit !(r < g) }' && below=" BELOW GOAL"
printf 'bench stores ingest: sqlite %.0f/s, postgres %.0f/s, ratio %s (goal >= %s)%s; latency p50/p99 sqlite %s/%s ms, postgres %s/%s ms; cores busy sqlite %s%%, postgres %s%%; incidents per group commit sqlite %s, postgres %s\n' \
    "$SQ_RPS" "$PG_RPS" "$IRATIO" "$GOAL" "$below" "$(ms "$SQ_P50")" "$(ms "$SQ_P99")" \
    "$(ms "$PG_P50")" "$(ms "$PG_P99")" "$SQ_BUSY" "$PG_BUSY" \
    "$(per "$SQ_JOBS0" "$SQ_JOBS1" "$SQ_BATCHES0" "$SQ_BATCHES1")" \
    "$(per "$PG_JOBS0" "$PG_JOBS1" "$PG_BATCHES0" "$PG_BATCHES1")"
if [ -n "$PG_STAT0" ] && [ -n "$PG_STAT1" ]; then
    read -r C0 I0 <<<"$PG_STAT0"
    read -r C1 I1 <<<"$PG_STAT1"
    JOBS=$(( ${PG_JOBS1:-0} - ${PG_JOBS0:-0} ))
    # Every connection's commits count, the readers' too (their read snapshots).
    printf 'bench stores ingest (postgres): %s writer jobs, %s transactions committed, %s rows inserted: %s rows per incident\n' \
        "$JOBS" "$((C1 - C0))" "$((I1 - I0))" "$(per 0 "$((I1 - I0))" 0 "$JOBS")"
fi

# ---- two nodes on one PostgreSQL ------------------------------------------------------
if [ "${BENCH_STORES_NODES:-1}" != 0 ]; then
    serve_start postgres2 --db "$PG_DSN" --listen 127.0.0.1:0 --threads "$SERVER_THREADS" --no-cot
    SERVER_PIDS="$SERVER_PIDS $SERVE_PID"
    PG2_BASE="http://127.0.0.1:$SERVE_PORT"
    # Sessions are in the database: demo.duty's token is good on either node.
    fetch "$PG2_BASE" "/api/v1/incidents/$INCIDENT_ID" "$PG_TOKEN" "$T/incident-postgres2.json"
    URL="/api/v1/incidents/$INCIDENT_ID"
    ONE=() TWO=() TWO_A=() TWO_B=() ONE_BUSY=() TWO_BUSY=()
    for r in $(seq "$ROUNDS"); do
        local_order="one two"
        [ $((r % 2)) = 0 ] && local_order="two one"
        for c in $local_order; do
            if [ "$c" = one ]; then
                PHOIHOP_TOKEN="$PG_TOKEN" run_wrk read-1n "$PG_BASE$URL" "$HERE/auth_me.lua" "1 node"
                check_2xx "read 2 nodes" "postgres node 1"
                ONE+=("$RPS"); ONE_BUSY+=("$BUSY")
                continue
            fi
            # Two wrk at once, 32 connections each, one per node.
            out1="$T/wrk-read-2n-a-$r.txt" out2="$T/wrk-read-2n-b-$r.txt"
            mark="$(cpu_mark)"
            PHOIHOP_TOKEN="$PG_TOKEN" timeout $((DURATION + 20)) wrk -t"$WRK_THREADS" -c$((WRK_CONNS / 2)) \
                -d"${DURATION}s" --latency -s "$HERE/auth_me.lua" "$PG_BASE$URL" >"$out1" 2>&1 &
            w1=$!
            PHOIHOP_TOKEN="$PG_TOKEN" timeout $((DURATION + 20)) wrk -t"$WRK_THREADS" -c$((WRK_CONNS / 2)) \
                -d"${DURATION}s" --latency -s "$HERE/auth_me.lua" "$PG2_BASE$URL" >"$out2" 2>&1 &
            w2=$!
            WRK_PIDS="$w1 $w2"
            wait "$w1" || { cat "$out1" >&2; die "wrk failed against $PG_BASE$URL"; }
            wait "$w2" || { cat "$out2" >&2; die "wrk failed against $PG2_BASE$URL"; }
            WRK_PIDS=""
            busy="$(cpu_busy "$mark")"
            TWO_BUSY+=("$busy")
            wrk_figures "$out1"; a="$RPS"; check_2xx "read 2 nodes" "postgres node 1"
            wrk_figures "$out2"; b="$RPS"; check_2xx "read 2 nodes" "postgres node 2"
            TWO+=("$(awk -v a="$a" -v b="$b" 'BEGIN { print a + b }')"); TWO_A+=("$a"); TWO_B+=("$b")
            printf '  %-8s %-7s %10.0f req/s  (node 1 %.0f + node 2 %.0f)  cpu %s%%\n' read-2n "2 nodes" \
                "${TWO[${#TWO[@]}-1]}" "$a" "$b" "$busy"
        done
    done
    N1="$(median "${ONE[@]}")"
    N2="$(median "${TWO[@]}")"
    printf 'bench stores read 2 nodes: 1 node %.0f req/s (64 connections), 2 nodes %.0f req/s (32 + 32 connections: node 1 %.0f + node 2 %.0f), ratio %s; cores busy 1 node %s%%, 2 nodes %s%%; one PostgreSQL, both nodes, PostgreSQL and wrk on these %s cores (the read case above: postgres %.0f req/s)\n' \
        "$N1" "$N2" "$(median "${TWO_A[@]}")" "$(median "${TWO_B[@]}")" "$(ratio "$N2" "$N1")" \
        "$(median "${ONE_BUSY[@]}")" "$(median "${TWO_BUSY[@]}")" "$(nproc)" "$READ_PG_RPS"
fi

for pid in $SERVER_PIDS; do
    kill -0 "$pid" 2>/dev/null || die "a phoihop server died during the run (see $T/*.err)"
done

# ---- search --------------------------------------------------------------------------
# No server: the core service in search_bench's process, on each store. The SQLite
# file is cached (made once); the PostgreSQL database is made now, through the
# store as the file was, then analysed as autovacuum would in time.
if [ "$SEARCH_N" != 0 ]; then
    CACHE_DIR="${BENCH_CACHE_DIR:-$ROOT/build/bench-cache}"
    mkdir -p "$CACHE_DIR"
    SEARCH_DSN="${PG_URL}search"
    t0="$(date +%s.%N)"
    timeout 3600 "$SEARCH_BIN" -n "$SEARCH_N" -r 1 -t 1 -d "$CACHE_DIR" >/dev/null ||
        die "search_bench could not make the SQLite database"
    timeout 3600 "$SEARCH_BIN" -n "$SEARCH_N" -r 1 -t 1 -D "$SEARCH_DSN" >/dev/null ||
        die "search_bench could not make the PostgreSQL database"
    if command -v psql >/dev/null 2>&1; then
        psql "$SEARCH_DSN" -qX -c "VACUUM (ANALYZE)" >/dev/null 2>&1 || true
    fi
    echo "bench stores: search databases of $SEARCH_N incidents ready in $(secs_since "$t0") s"
    SQ_MED=() SQ_P99S=() PG_MED=() PG_P99S=()
    for r in $(seq "$ROUNDS"); do
        order="sqlite postgres"
        [ $((r % 2)) = 0 ] && order="postgres sqlite"
        for store in $order; do
            out="$T/search-$store-$r.txt"
            if [ "$store" = sqlite ]; then
                timeout 1800 "$SEARCH_BIN" -n "$SEARCH_N" -r "$SEARCH_RUNS" -d "$CACHE_DIR" >"$out" ||
                    { cat "$out" >&2; die "search_bench failed on sqlite"; }
            else
                timeout 1800 "$SEARCH_BIN" -n "$SEARCH_N" -r "$SEARCH_RUNS" -D "$SEARCH_DSN" >"$out" ||
                    { cat "$out" >&2; die "search_bench failed on postgres"; }
            fi
            line="$(grep '^bench search:' "$out")" || { cat "$out" >&2; die "search_bench gave no figures"; }
            med="$(sed -n 's/.* phoihop median \([0-9.]*\) ms p99 \([0-9.]*\) ms.*/\1/p' <<<"$line")"
            p99="$(sed -n 's/.* phoihop median \([0-9.]*\) ms p99 \([0-9.]*\) ms.*/\2/p' <<<"$line")"
            if [ -z "$med" ] || [ -z "$p99" ]; then die "cannot read search_bench's line: $line"; fi
            printf '  search   %-8s median %6.2f ms  p99 %6.2f ms\n' "$store" "$med" "$p99"
            if [ "$store" = sqlite ]; then SQ_MED+=("$med"); SQ_P99S+=("$p99"); else PG_MED+=("$med"); PG_P99S+=("$p99"); fi
        done
    done
    # The rows each query found, per caller: the same data must give the same pages.
    rows() { sed -n 's/^  search \([a-z ]*[a-z]\) .*admin .*(\([0-9]*\) rows).*duty .*(\([0-9]*\) rows).*/\1: \2 \3/p' "$1"; }
    MATCH="same rows on both stores"
    if ! diff <(rows "$T/search-sqlite-1.txt") <(rows "$T/search-postgres-1.txt") >"$T/search-rows.diff"; then
        MATCH="MISMATCH: the stores found different rows (see below)"
    fi
    grep '^  search [a-z]' "$T/search-sqlite-1.txt" | sed 's/^  search/  sqlite  /'
    grep '^  search [a-z]' "$T/search-postgres-1.txt" | sed 's/^  search/  postgres/'
    printf 'bench stores search: %s incidents, sqlite median %.2f ms p99 %.2f ms, postgres median %.2f ms p99 %.2f ms, ratio %s (medians, postgres / sqlite); %s\n' \
        "$SEARCH_N" "$(median "${SQ_MED[@]}")" "$(median "${SQ_P99S[@]}")" \
        "$(median "${PG_MED[@]}")" "$(median "${PG_P99S[@]}")" \
        "$(ratio "$(median "${PG_MED[@]}")" "$(median "${SQ_MED[@]}")")" "$MATCH"
    if [ -s "$T/search-rows.diff" ]; then cat "$T/search-rows.diff"; fi
fi
echo "bench stores: load average after the runs: $(load)"
exit "$FAILED"
