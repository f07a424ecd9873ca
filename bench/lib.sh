# lib.sh - helpers shared by the benchmark scripts, sourced by bench/run.sh and
# bench/stores.sh: wrk runs and their figures, medians, starting `phoihop serve`
# and logging in. The sourcing script defines die() (print and exit 1), T (its
# temporary directory), DURATION (seconds per wrk run), WRK_THREADS, WRK_CONNS and,
# for serve_start, BIN (the phoihop binary).
# shellcheck shell=bash

# Latency from wrk ("250.00us", "1.20ms", "2.00s") in microseconds.
to_us() {
    awk -v v="$1" 'BEGIN {
        n = v + 0
        if (v ~ /us$/) print n; else if (v ~ /ms$/) print n * 1000;
        else if (v ~ /m$/) print n * 60e6; else if (v ~ /s$/) print n * 1e6; else print n }'
}

# wrk_figures FILE: from wrk's output in FILE, RPS, P50 and P99 (us), NON2XX and
# SOCKERR (empty when none); dies when FILE has no rate.
wrk_figures() {
    RPS="$(awk '/^Requests\/sec:/ { print $2 }' "$1")"
    P50="$(to_us "$(awk '$1 == "50%" { print $2 }' "$1")")"
    P99="$(to_us "$(awk '$1 == "99%" { print $2 }' "$1")")"
    NON2XX="$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$1")"
    SOCKERR="$(sed -n 's/^ *Socket errors: *//p' "$1")"
    [ -n "$RPS" ] || { cat "$1" >&2; die "could not read wrk's output ($1)"; }
}

# cpu_mark: the machine's CPU time counters now ("total idle", in ticks);
# cpu_busy MARK: the share of all cores busy since MARK, in percent (every
# process counts, other people's too).
cpu_mark() { awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print t, $5 + $6 }' /proc/stat; }
cpu_busy() {
    awk -v m="$1" -v n="$(cpu_mark)" 'BEGIN { split(m, a, " "); split(n, b, " ")
        t = b[1] - a[1]; printf "%.0f", (t > 0 ? 100 * (1 - (b[2] - a[2]) / t) : 0) }'
}

# run_wrk NAME URL [LUA] [LABEL]: one wrk run (WRK_THREADS threads, WRK_CONNS
# connections, DURATION seconds, bounded by timeout); sets the figures of
# wrk_figures and BUSY (cpu_busy of the run) and prints them on a line (BUSY
# when WRK_SHOW_BUSY=1).
WRK_N=${WRK_N:-0}
run_wrk() {
    local out="$T/wrk-$1-$((++WRK_N)).txt" mark
    local args=(-t"$WRK_THREADS" -c"$WRK_CONNS" -d"${DURATION}s" --latency)
    [ -n "${3:-}" ] && args+=(-s "$3")
    mark="$(cpu_mark)"
    timeout $((DURATION + 20)) wrk "${args[@]}" "$2" >"$out" 2>&1 ||
        { cat "$out" >&2; die "wrk failed against $2"; }
    BUSY="$(cpu_busy "$mark")"
    wrk_figures "$out"
    local busy=""
    [ "${WRK_SHOW_BUSY:-0}" = 1 ] && busy="  cpu $BUSY%"
    printf '  %-8s %-7s %10.0f req/s  p50 %8.0f us  p99 %8.0f us%s%s%s\n' "$1" "${4:-}" "$RPS" \
        "$P50" "$P99" "$busy" "${NON2XX:+  non-2xx $NON2XX}" "${SOCKERR:+  socket errors: $SOCKERR}"
}

# Median of the numbers given (mean of the middle two for an even count).
median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
        END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# serve_start NAME ARGS...: `$BIN serve ARGS` in the background, its output in
# $T/NAME.out and $T/NAME.err; sets SERVE_PID and SERVE_PORT (the port it printed).
# Dies when it exits or prints no port within 30 s.
serve_start() {
    local name="$1"
    shift
    "$BIN" serve "$@" >"$T/$name.out" 2>"$T/$name.err" &
    SERVE_PID=$!
    SERVE_PORT=""
    for _ in $(seq 300); do
        SERVE_PORT="$(sed -n 's|^phoihop: listening on http://127\.0\.0\.1:\([0-9][0-9]*\)$|\1|p' \
            "$T/$name.out" | head -n 1)"
        [ -n "$SERVE_PORT" ] && return 0
        kill -0 "$SERVE_PID" 2>/dev/null || { cat "$T/$name.err" >&2; die "phoihop serve ($name) exited"; }
        sleep 0.1
    done
    cat "$T/$name.err" >&2
    die "phoihop serve ($name) did not print its port within 30 s"
}

# login BASE USERNAME PASSWORD: print the bearer token of a new session; dies
# without one.
login() {
    local answer token
    answer="$(curl -sS --max-time 30 -X POST "$1/api/v1/auth/login" \
        -H 'Content-Type: application/json' \
        -d "{\"username\":\"$2\",\"password\":\"$3\"}")" || die "login request to $1 failed"
    token="$(printf '%s' "$answer" | sed -n 's/.*"token" *: *"\([^"]*\)".*/\1/p')"
    [ -n "$token" ] || die "$2 login on $1 gave no token: $answer"
    printf '%s\n' "$token"
}
