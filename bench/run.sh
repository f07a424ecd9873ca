#!/bin/bash
# run.sh - HTTP load benchmark of phoihop against nginx serving a static file of the
# same size, on loopback (run by `make bench` after build/phoihop is built with -O2).
#
# Cases (each a line "bench NAME: phoihop N req/s, nginx M req/s, ratio R (goal >= G)"):
#   auth_me  GET /api/v1/auth/me with a bearer token: the token check (hash, session
#            cache or database lookup) and a JSON encoding, against nginx sending a
#            static me.json of exactly the same body size (the request carries the
#            same Authorization header, which nginx ignores).
#   healthz  GET /healthz: the server without authentication, against a static file
#            of the same size; a baseline for auth_me.
# Each case alternates phoihop, nginx, phoihop, nginx, ... (BENCH_ROUNDS rounds each,
# BENCH_DURATION seconds per wrk run: defaults 2 and 10, the whole script stays under
# two minutes) and reports the median of each side. Both servers get 2 threads / 2
# workers and wrk 2 threads, 64 connections; all share this machine's cores.
#
# Exit status: 0 whatever the ratio ("BELOW GOAL" is printed when under it); 1 when the
# benchmark could not run or phoihop answered anything but 2xx.
# Environment: PHOIHOP_BIN (default build/phoihop), BENCH_DURATION, BENCH_ROUNDS,
# BENCH_GOAL (default 0.75), BENCH_KEEP=1 keeps the temporary directory.
set -euo pipefail

BIN="${PHOIHOP_BIN:-build/phoihop}"
DURATION="${BENCH_DURATION:-10}"
ROUNDS="${BENCH_ROUNDS:-2}"
GOAL="${BENCH_GOAL:-0.75}"
WRK_THREADS=2
WRK_CONNS=64
SERVER_THREADS=2
HERE="$(cd "$(dirname "$0")" && pwd)"

die() { echo "bench: $*" >&2; exit 1; }

for tool in wrk nginx curl; do
    command -v "$tool" >/dev/null 2>&1 ||
        die "$tool not found (scripts/deps.sh bench installs wrk, nginx-light and curl)"
done
[ -x "$BIN" ] || die "$BIN not found; run 'make bench' (it builds it)"
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"

T="$(mktemp -d "${TMPDIR:-/tmp}/phoihop-bench.XXXXXX")"
SERVER_PID=""
NGINX_PID=""

# shellcheck disable=SC2317 # called through the EXIT trap
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    # TERM lets both servers shut down cleanly; KILL whatever is left after 5 s.
    for pid in $SERVER_PID $NGINX_PID; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in $SERVER_PID $NGINX_PID; do
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [ "${BENCH_KEEP:-0}" = 1 ] || [ "$rc" -ne 0 ]; then
        echo "bench: files kept in $T" >&2
    else
        rm -rf "$T"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- phoihop ------------------------------------------------------------------------
ADMIN_PW="bench-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
PHOIHOP_ADMIN_PASSWORD="$ADMIN_PW" "$BIN" init --db "$T/db" >"$T/init.log" 2>&1 ||
    { cat "$T/init.log" >&2; die "phoihop init failed"; }

"$BIN" serve --db "$T/db" --listen 127.0.0.1:0 --threads "$SERVER_THREADS" \
    >"$T/serve.out" 2>"$T/serve.err" &
SERVER_PID=$!
PORT=""
for _ in $(seq 100); do
    PORT="$(sed -n 's|^phoihop: listening on http://127\.0\.0\.1:\([0-9][0-9]*\)$|\1|p' \
        "$T/serve.out" | head -n 1)"
    [ -n "$PORT" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$T/serve.err" >&2; die "phoihop serve exited"; }
    sleep 0.1
done
[ -n "$PORT" ] || { cat "$T/serve.err" >&2; die "phoihop did not print its port within 10 s"; }
BASE="http://127.0.0.1:$PORT"

LOGIN="$(curl -sS --max-time 30 -X POST "$BASE/api/v1/auth/login" \
    -H 'Content-Type: application/json' \
    -d "{\"username\":\"admin\",\"password\":\"$ADMIN_PW\"}")" || die "login request failed"
TOKEN="$(printf '%s' "$LOGIN" | sed -n 's/.*"token" *: *"\([^"]*\)".*/\1/p')"
[ -n "$TOKEN" ] || die "login gave no token: $LOGIN"
export PHOIHOP_TOKEN="$TOKEN"

mkdir -p "$T/www"
# fetch PATH FILE [auth]: the body of a 200 answer into FILE; dies on another status.
fetch() {
    local code
    if [ "${3:-}" = auth ]; then
        code="$(curl -sS --max-time 10 -o "$2" -w '%{http_code}' \
            -H "Authorization: Bearer $TOKEN" "$BASE$1")"
    else
        code="$(curl -sS --max-time 10 -o "$2" -w '%{http_code}' "$BASE$1")"
    fi
    [ "$code" = 200 ] || die "GET $1 answered $code: $(cat "$2")"
}
# nginx serves the very bytes phoihop sends, so body sizes are equal by construction.
fetch /api/v1/auth/me "$T/www/me.json" auth
fetch /healthz "$T/www/healthz.json"
ME_BYTES=$(wc -c <"$T/www/me.json")
HEALTHZ_BYTES=$(wc -c <"$T/www/healthz.json")

# ---- nginx --------------------------------------------------------------------------
# As root, nginx's workers drop to "nobody", which must be able to read the files.
chmod 0755 "$T" "$T/www"
chmod 0644 "$T/www/"*.json

# A loopback port nothing answers on (> 1024, so no privilege is needed).
free_port() {
    local p
    for _ in $(seq 50); do
        p=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

# Every path nginx writes is in $T, so neither root nor /var/lib/nginx is needed.
# Temp-path directives of modules this nginx lacks are dropped (nginx-light).
write_nginx_conf() {
    local temps="$1"
    {
        echo "worker_processes 2;"
        echo "daemon off;"
        echo "pid $T/nginx.pid;"
        echo "error_log $T/error.log;"
        echo "events { worker_connections 1024; }"
        echo "http {"
        echo "    access_log off;"
        for t in $temps; do
            mkdir -p "$T/tmp-$t"
            echo "    ${t}_temp_path $T/tmp-$t;"
        done
        echo "    keepalive_requests 100000;"
        echo "    default_type application/json;"
        echo "    server {"
        echo "        listen 127.0.0.1:$NGINX_PORT;"
        echo "        root $T/www;"
        echo "    }"
        echo "}"
    } >"$T/nginx.conf"
}

TEMPS="client_body proxy fastcgi uwsgi scgi"
NGINX_PORT="$(free_port)" || die "no free port for nginx"
for _ in 1 2 3 4 5; do
    write_nginx_conf "$TEMPS"
    if nginx -t -q -e "$T/error.log" -c "$T/nginx.conf" -p "$T/" >"$T/nginx-t.log" 2>&1; then
        break
    fi
    bad="$(sed -n 's/.*unknown directive "\([a-z]*\)_temp_path".*/\1/p' "$T/nginx-t.log" | head -n 1)"
    [ -n "$bad" ] || { cat "$T/nginx-t.log" >&2; die "nginx rejects $T/nginx.conf"; }
    TEMPS="$(echo " $TEMPS " | sed "s/ $bad / /")"
done

NGINX_BASE=""
for _ in 1 2 3; do
    nginx -e "$T/error.log" -c "$T/nginx.conf" -p "$T/" >"$T/nginx.out" 2>&1 &
    NGINX_PID=$!
    for _ in $(seq 50); do
        if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$NGINX_PORT/healthz.json"; then
            NGINX_BASE="http://127.0.0.1:$NGINX_PORT"
            break
        fi
        kill -0 "$NGINX_PID" 2>/dev/null || break
        sleep 0.1
    done
    [ -n "$NGINX_BASE" ] && break
    # Most likely the port was taken meanwhile: another port, another try.
    kill "$NGINX_PID" 2>/dev/null || true
    wait "$NGINX_PID" 2>/dev/null || true
    NGINX_PID=""
    NGINX_PORT="$(free_port)" || die "no free port for nginx"
    write_nginx_conf "$TEMPS"
done
[ -n "$NGINX_BASE" ] || { cat "$T/error.log" "$T/nginx.out" >&2 2>/dev/null; die "nginx did not start"; }
n_me=$(curl -sS --max-time 5 -o /dev/null -w '%{size_download}' "$NGINX_BASE/me.json")
[ "$n_me" = "$ME_BYTES" ] || die "nginx sent $n_me bytes of me.json, expected $ME_BYTES"

# ---- wrk runs -------------------------------------------------------------------------
# Latency from wrk ("250.00us", "1.20ms", "2.00s") in microseconds.
to_us() {
    awk -v v="$1" 'BEGIN {
        n = v + 0
        if (v ~ /us$/) print n; else if (v ~ /ms$/) print n * 1000;
        else if (v ~ /m$/) print n * 60e6; else if (v ~ /s$/) print n * 1e6; else print n }'
}

# run_wrk NAME URL [LUA]: one wrk run; sets RPS, P50, P99 (us), NON2XX, SOCKERR.
run_wrk() {
    local out="$T/wrk-$1-$((++WRK_N)).txt"
    local args=(-t"$WRK_THREADS" -c"$WRK_CONNS" -d"${DURATION}s" --latency)
    [ -n "${3:-}" ] && args+=(-s "$3")
    timeout $((DURATION + 20)) wrk "${args[@]}" "$2" >"$out" 2>&1 ||
        { cat "$out" >&2; die "wrk failed against $2"; }
    RPS="$(awk '/^Requests\/sec:/ { print $2 }' "$out")"
    P50="$(to_us "$(awk '$1 == "50%" { print $2 }' "$out")")"
    P99="$(to_us "$(awk '$1 == "99%" { print $2 }' "$out")")"
    NON2XX="$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$out")"
    SOCKERR="$(sed -n 's/^ *Socket errors: *//p' "$out")"
    [ -n "$RPS" ] || { cat "$out" >&2; die "could not read wrk's output ($out)"; }
    printf '  %-8s %-7s %10.0f req/s  p50 %8.0f us  p99 %8.0f us%s%s\n' "$1" "$4" "$RPS" \
        "$P50" "$P99" "${NON2XX:+  non-2xx $NON2XX}" "${SOCKERR:+  socket errors: $SOCKERR}"
}
WRK_N=0

# Median of the numbers given (mean of the middle two for an even count).
median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
        END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

FAILED=0
# bench_case NAME PHOIHOP_URL NGINX_URL [LUA]
bench_case() {
    local name="$1" p_url="$2" n_url="$3" lua="${4:-}"
    local p_rps=() p_p50=() p_p99=() n_rps=() n_p50=() n_p99=()
    for _ in $(seq "$ROUNDS"); do
        run_wrk "$name" "$p_url" "$lua" phoihop
        if [ -n "$NON2XX" ] && [ "$NON2XX" != 0 ]; then
            echo "bench $name: FAIL: phoihop answered $NON2XX non-2xx responses" >&2
            FAILED=1
        fi
        p_rps+=("$RPS"); p_p50+=("$P50"); p_p99+=("$P99")
        run_wrk "$name" "$n_url" "$lua" nginx
        n_rps+=("$RPS"); n_p50+=("$P50"); n_p99+=("$P99")
    done
    local pr nr ratio
    pr="$(median "${p_rps[@]}")"
    nr="$(median "${n_rps[@]}")"
    ratio="$(awk -v a="$pr" -v b="$nr" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
    local below=""
    awk -v r="$ratio" -v g="$GOAL" 'BEGIN { exit !(r < g) }' && below=" BELOW GOAL"
    printf 'bench %s: phoihop %.0f req/s, nginx %.0f req/s, ratio %s (goal >= %s)%s;' \
        "$name" "$pr" "$nr" "$ratio" "$GOAL" "$below"
    printf ' latency p50/p99 phoihop %.2f/%.2f ms, nginx %.2f/%.2f ms\n' \
        "$(awk -v v="$(median "${p_p50[@]}")" 'BEGIN { print v / 1000 }')" \
        "$(awk -v v="$(median "${p_p99[@]}")" 'BEGIN { print v / 1000 }')" \
        "$(awk -v v="$(median "${n_p50[@]}")" 'BEGIN { print v / 1000 }')" \
        "$(awk -v v="$(median "${n_p99[@]}")" 'BEGIN { print v / 1000 }')"
}

echo "bench: $(nproc) cores, $(nginx -v 2>&1 | sed 's/.*: //'), $(wrk -v 2>&1 | head -n 1 | awk '{ print $1, $2 }');" \
    "wrk -t$WRK_THREADS -c$WRK_CONNS -d${DURATION}s, $ROUNDS rounds; phoihop --threads $SERVER_THREADS" \
    "(port $PORT), nginx 2 workers (port $NGINX_PORT)"
echo "bench: body sizes: /api/v1/auth/me $ME_BYTES bytes, /healthz $HEALTHZ_BYTES bytes"
# Other work on the machine skews both servers; say so next to the numbers.
LOAD="$(cut -d ' ' -f 1 /proc/loadavg 2>/dev/null || echo 0)"
echo "bench: load average before the runs: $LOAD"
if awk -v l="$LOAD" -v n="$(nproc)" 'BEGIN { exit !(l > n / 2) }'; then
    echo "bench: NOTE: the machine is busy; the absolute numbers are low, ratios less so"
fi

bench_case auth_me "$BASE/api/v1/auth/me" "$NGINX_BASE/me.json" "$HERE/auth_me.lua"
bench_case healthz "$BASE/healthz" "$NGINX_BASE/healthz.json"

kill -0 "$SERVER_PID" 2>/dev/null || { cat "$T/serve.err" >&2; die "phoihop died during the run"; }
exit "$FAILED"
