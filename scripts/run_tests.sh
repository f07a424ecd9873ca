#!/bin/sh
# run_tests.sh - run every test of phoihop built by `make check` (ASan+UBSan builds
# under build/san/), keep going after a failure, and print a summary at the end.
#
# Suites, in order:
#   unit  build/san/tests/<layer>/test_<module>   cmocka, one binary per module
#   unit-pg  the core and events tests again on PostgreSQL (PHOIHOP_TEST_PG)
#   api   build/san/test_api                     drives build/san/phoihop over HTTP, on SQLite
#                                                and on PostgreSQL
# PostgreSQL: one throwaway server (scripts/pg.sh start ... fast) for the whole run.
#   cli   tests/cli/test_*.sh                    shell tests of the command line (lib.sh: shared)
#   fuzz  build/san/fuzz/fuzz_<name> fuzz/corpus/<name>/   replay of the seed corpus
#   e2e   scripts/e2e.sh with build/san/phoihop     the web application in headless Chromium
# A suite with no sources yet is skipped with a note; a source whose binary is missing
# is a failure (the build did not produce it).
#
# Run from the repository root (make check does).  No terminal needed.  Exit status 0
# only when every test passed.  Environment:
#   TEST_TIMEOUT   seconds allowed to each binary or script (default 600)
#   KEEP_LOGS=1    keep the log directory even when everything passed
set -u

ROOT=$(pwd)
SAN="$ROOT/build/san"
TEST_TIMEOUT="${TEST_TIMEOUT:-600}"

if [ ! -f Makefile ] || [ ! -d src ]; then
    echo "run_tests: run me from the repository root" >&2
    exit 2
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/phoihop-tests.XXXXXX") || exit 2
# Our defaults first: options given by the caller come later and win.
ASAN_OPTIONS="detect_leaks=1:abort_on_error=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
# h2o's per-thread buffer caches outlive the loop threads (see tests/lsan.supp).
LSAN_OPTIONS="suppressions=$ROOT/tests/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS

failed_list=""   # "suite:name" of every failure
summary=""       # one line per suite, printed at the end
n_fail_total=0

# ---- helpers ---------------------------------------------------------------------

# Nanoseconds since the epoch (GNU date), or whole seconds scaled when %N is unsupported.
now_ns() {
    t=$(date +%s%N 2>/dev/null)
    case "$t" in
    *N | "") echo $(($(date +%s) * 1000000000)) ;;
    *) echo "$t" ;;
    esac
}

# Seconds between two now_ns values, with two decimals.
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fs", (b - a) / 1e9 }'; }

# The paths among the arguments that exist (an unmatched glob stays a pattern).
existing() {
    for e in "$@"; do
        if [ -e "$e" ]; then echo "$e"; fi
    done
}

if command -v timeout >/dev/null 2>&1; then HAVE_TIMEOUT=1; else HAVE_TIMEOUT=0; fi

# run_logged LOG CMD...: runs CMD with stdin closed, output to LOG, bounded by
# TEST_TIMEOUT when timeout(1) exists; returns CMD's status (124 on time-out).
run_logged() {
    log="$1"
    shift
    if [ "$HAVE_TIMEOUT" -eq 1 ]; then
        timeout -k 10 "$TEST_TIMEOUT" "$@" </dev/null >"$log" 2>&1
    else
        "$@" </dev/null >"$log" 2>&1
    fi
}

# report SUITE NAME STATUS START LOG: prints the PASS/FAIL line; on failure the log.
report() {
    r_suite="$1" r_name="$2" r_rc="$3" r_start="$4" r_log="$5"
    r_time=$(elapsed "$r_start" "$(now_ns)")
    if [ "$r_rc" -eq 0 ]; then
        printf 'PASS  %-5s %-44s %8s\n' "$r_suite" "$r_name" "$r_time"
        return 0
    fi
    why="exit $r_rc"
    [ "$r_rc" -eq 124 ] && why="timed out after ${TEST_TIMEOUT}s"
    [ "$r_rc" -gt 128 ] && [ "$r_rc" -ne 124 ] && why="killed by signal $((r_rc - 128))"
    printf 'FAIL  %-5s %-44s %8s  (%s)\n' "$r_suite" "$r_name" "$r_time" "$why"
    if [ -n "$r_log" ] && [ -s "$r_log" ]; then
        echo "----- output of $r_name ($r_log) -----"
        # The end of a long log holds the failure and the sanitizer report.
        tail -n 200 "$r_log"
        echo "----- end of $r_name -----"
    fi
    failed_list="$failed_list $r_suite:$r_name"
    n_fail_total=$((n_fail_total + 1))
    return 1
}

# add_summary SUITE PASSED FAILED START
add_summary() {
    s_time=$(elapsed "$4" "$(now_ns)")
    if [ "$3" -eq 0 ]; then s_word=PASS; else s_word=FAIL; fi
    summary="$summary
$(printf '%-4s  %-5s %3d passed, %3d failed  %8s' "$s_word" "$1" "$2" "$3" "$s_time")"
}

skip_suite() {
    echo "SKIP  $1: $2"
    summary="$summary
$(printf 'SKIP  %-5s %s' "$1" "$2")"
}

# ---- LeakSanitizer probe -----------------------------------------------------------
# LeakSanitizer stops the process with ptrace at exit; some containers forbid that and
# every sanitized binary would then fail.  Probe once with a sanitized binary of ours
# that does nothing when given no input (a fuzz replayer), and turn leak checks off,
# loudly, only when LeakSanitizer itself cannot run.
probe=""
for f in "$SAN"/fuzz/fuzz_*; do
    if [ -x "$f" ]; then probe="$f"; break; fi
done
if [ -n "$probe" ]; then
    if ! "$probe" </dev/null >"$WORK/lsan-probe.log" 2>&1 &&
        grep -q "LeakSanitizer has encountered a fatal error" "$WORK/lsan-probe.log"; then
        ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0"
        echo "NOTE  LeakSanitizer cannot run here (ptrace not permitted?): leak checks are OFF"
    fi
fi
# ---- PostgreSQL ------------------------------------------------------------------------
# One throwaway PostgreSQL 15 server (scripts/pg.sh, fsync off: tests only) for the
# suites that run on both stores; each test makes its own databases on it. Stopped
# and removed on exit, whatever happens.
PG_URL=""
if PG_URL=$(scripts/pg.sh start "$WORK/pg" fast 2>"$WORK/pg-start.log"); then
    echo "run_tests: PostgreSQL at $PG_URL"
else
    PG_URL=""
    echo "FAIL  PostgreSQL did not start (scripts/pg.sh):"
    cat "$WORK/pg-start.log"
fi
trap 'scripts/pg.sh stop "$WORK/pg" >/dev/null 2>&1 || true' EXIT

echo "run_tests: ASAN_OPTIONS=$ASAN_OPTIONS UBSAN_OPTIONS=$UBSAN_OPTIONS"
echo "run_tests: logs in $WORK"
T_ALL=$(now_ns)

# ---- unit tests ----------------------------------------------------------------------
echo "== unit: build/san/tests =="
T0=$(now_ns)
pass=0 fail=0
srcs=$(existing tests/unit/*/test_*.c)
if [ -z "$srcs" ]; then
    skip_suite unit "no tests/unit/*/test_*.c yet"
else
    mkdir -p "$WORK/unit"
    for src in $srcs; do
        rel=${src#tests/unit/}
        rel=${rel%.c}                      # core/test_access
        bin="$SAN/tests/$rel"
        log="$WORK/unit/$(echo "$rel" | tr / _).log"
        start=$(now_ns)
        if [ ! -x "$bin" ]; then
            echo "missing binary $bin (not built)" >"$log"
            rc=127
        else
            mkdir -p "$WORK/tmp/unit/$rel"
            TMPDIR="$WORK/tmp/unit/$rel" run_logged "$log" "$bin"
            rc=$?
        fi
        if report unit "$rel" "$rc" "$start" "$log"; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
    done
    add_summary unit "$pass" "$fail" "$T0"
fi

# ---- unit tests on PostgreSQL ----------------------------------------------------------
# The core and events tests again, with their stores on PostgreSQL (PHOIHOP_TEST_PG:
# tests/unit/testutil.h), the search comparison of both stores, and the store's rules,
# area lookups and kept reference data (test_sqlite_rules, on tu_store). test_demo is
# left out: a year of demo data through one connection's round trips takes minutes.
echo "== unit-pg: build/san/tests on PostgreSQL =="
T0=$(now_ns)
pass=0 fail=0
if [ -z "$PG_URL" ]; then
    report unit-pg postgres 1 "$T0" "$WORK/pg-start.log" || true
    add_summary unit-pg 0 1 "$T0"
else
    mkdir -p "$WORK/unit-pg"
    for src in $(existing tests/unit/core/test_*.c tests/unit/events/test_*.c tests/unit/store/test_pg_*.c \
        tests/unit/store/test_sqlite_rules.c); do
        rel=${src#tests/unit/}
        rel=${rel%.c}
        [ "$rel" = core/test_demo ] && continue
        bin="$SAN/tests/$rel"
        log="$WORK/unit-pg/$(echo "$rel" | tr / _).log"
        start=$(now_ns)
        if [ ! -x "$bin" ]; then
            echo "missing binary $bin (not built)" >"$log"
            rc=127
        else
            mkdir -p "$WORK/tmp/unit-pg/$rel"
            PHOIHOP_TEST_PG="$PG_URL" TMPDIR="$WORK/tmp/unit-pg/$rel" run_logged "$log" "$bin"
            rc=$?
        fi
        if report unit-pg "$rel" "$rc" "$start" "$log"; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
    done
    add_summary unit-pg "$pass" "$fail" "$T0"
fi

# ---- API driver ----------------------------------------------------------------------
# The whole API suite runs twice: on SQLite (a file per server) and on PostgreSQL (a
# throwaway PostgreSQL 15 server of scripts/pg.sh, a fresh database per server).
# run_api NAME [PG_URL]
run_api() {
    api_name="$1" api_pg="${2:-}"
    log="$WORK/$api_name.log"
    start=$(now_ns)
    if [ ! -x "$SAN/test_api" ] || [ ! -x "$SAN/phoihop" ]; then
        echo "missing $SAN/test_api or $SAN/phoihop (not built)" >"$log"
        rc=127
    else
        mkdir -p "$WORK/tmp/$api_name"
        PHOIHOP_TEST_PG="$api_pg" PHOIHOP_BIN="$SAN/phoihop" TMPDIR="$WORK/tmp/$api_name" \
            run_logged "$log" "$SAN/test_api"
        rc=$?
    fi
    report api "$api_name" "$rc" "$start" "$log"
}

echo "== api: build/san/test_api (SQLite, then PostgreSQL) =="
T0=$(now_ns)
if [ -z "$(existing tests/api/*.c)" ]; then
    skip_suite api "no tests/api/*.c yet"
else
    pass=0 fail=0
    if run_api test_api; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
    if [ -n "$PG_URL" ]; then
        if run_api test_api_postgres "$PG_URL"; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
    else
        report api test_api_postgres 1 "$(now_ns)" "$WORK/pg-start.log" || true
        fail=$((fail + 1))
    fi
    add_summary api "$pass" "$fail" "$T0"
fi

# ---- CLI scripts ---------------------------------------------------------------------
echo "== cli: tests/cli/test_*.sh =="
T0=$(now_ns)
pass=0 fail=0
scripts=$(existing tests/cli/test_*.sh) # lib.sh is sourced by them, not a test
if [ -z "$scripts" ]; then
    skip_suite cli "no tests/cli/test_*.sh yet"
else
    mkdir -p "$WORK/cli"
    # One demo database for the scripts that start from one (tests/cli/lib.sh,
    # demo_db): init and demo once, not once per script. When it cannot be made,
    # each script makes its own and reports what fails.
    demo_log="$WORK/cli/demo-db.log"
    start=$(now_ns)
    if [ -x "$SAN/phoihop" ] &&
        PHOIHOP_ADMIN_PASSWORD=admin-password-1 run_logged "$demo_log" "$SAN/phoihop" init \
            --db "$WORK/cli/demo.db" &&
        run_logged "$demo_log.2" "$SAN/phoihop" demo --db "$WORK/cli/demo.db"; then
        export PHOIHOP_TEST_DEMO_DB="$WORK/cli/demo.db"
        echo "   (demo database for the scripts made in $(( ($(now_ns) - start) / 1000000000 )) s)"
    else
        echo "   (no shared demo database: $(tail -n 3 "$demo_log" "$demo_log.2" 2>/dev/null | tr '\n' ' '))"
    fi
    for s in $scripts; do
        name=$(basename "$s" .sh)
        log="$WORK/cli/$name.log"
        start=$(now_ns)
        if [ ! -x "$SAN/phoihop" ]; then
            echo "missing $SAN/phoihop (not built)" >"$log"
            rc=127
        else
            tmp=$(mktemp -d "$WORK/tmp-cli-$name.XXXXXX")
            # Executable scripts choose their shell with #!; others run under sh.
            if [ -x "$s" ]; then runner=""; else runner="sh"; fi
            PHOIHOP_BIN="$SAN/phoihop" TMPDIR="$tmp" run_logged "$log" $runner "$ROOT/$s"
            rc=$?
            [ "$rc" -eq 0 ] && rm -rf "$tmp"
        fi
        if report cli "$name" "$rc" "$start" "$log"; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
    done
    add_summary cli "$pass" "$fail" "$T0"
fi

# ---- fuzz corpus replay --------------------------------------------------------------
echo "== fuzz: build/san/fuzz/fuzz_<name> fuzz/corpus/<name>/ =="
T0=$(now_ns)
pass=0 fail=0
harnesses=$(existing fuzz/fuzz_*.c)
if [ -z "$harnesses" ]; then
    skip_suite fuzz "no fuzz/fuzz_*.c yet"
else
    mkdir -p "$WORK/fuzz"
    for h in $harnesses; do
        base=$(basename "$h" .c)        # fuzz_time
        name=${base#fuzz_}              # time
        bin="$SAN/fuzz/$base"
        log="$WORK/fuzz/$name.log"
        start=$(now_ns)
        if [ ! -x "$bin" ]; then
            echo "missing binary $bin (not built)" >"$log"
            rc=127
        elif [ ! -d "fuzz/corpus/$name" ] || [ -z "$(ls "fuzz/corpus/$name" 2>/dev/null)" ]; then
            echo "NOTE  fuzz/corpus/$name is empty: $base checked on no input"
            run_logged "$log" "$bin"
            rc=$?
        else
            run_logged "$log" "$bin" "fuzz/corpus/$name"
            rc=$?
        fi
        if report fuzz "$base" "$rc" "$start" "$log"; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
    done
    add_summary fuzz "$pass" "$fail" "$T0"
fi

# ---- browser tests ---------------------------------------------------------------------
echo "== e2e: scripts/e2e.sh (tests/e2e/, headless Chromium) =="
T0=$(now_ns)
if [ -z "$(existing tests/e2e/run.mjs)" ]; then
    skip_suite e2e "no tests/e2e/run.mjs yet"
else
    log="$WORK/e2e.log"
    start=$(now_ns)
    if [ ! -x "$SAN/phoihop" ]; then
        echo "missing $SAN/phoihop (not built)" >"$log"
        rc=127
    else
        mkdir -p "$WORK/tmp/e2e"
        PHOIHOP_BIN="$SAN/phoihop" TMPDIR="$WORK/tmp/e2e" run_logged "$log" scripts/e2e.sh
        rc=$?
    fi
    if report e2e e2e.sh "$rc" "$start" "$log"; then
        add_summary e2e 1 0 "$T0"
    else
        add_summary e2e 0 1 "$T0"
    fi
fi

# ---- summary ---------------------------------------------------------------------------
echo "== summary ($(elapsed "$T_ALL" "$(now_ns)")) =="
echo "$summary" | sed '/^$/d'
if [ "$n_fail_total" -ne 0 ]; then
    echo "run_tests: FAIL: $n_fail_total failed:"
    for f in $failed_list; do echo "    $f"; done
    echo "run_tests: logs kept in $WORK"
    exit 1
fi
echo "run_tests: PASS"
if [ "${KEEP_LOGS:-0}" = 1 ]; then
    echo "run_tests: logs kept in $WORK"
else
    scripts/pg.sh stop "$WORK/pg" >/dev/null 2>&1 || true
    rm -rf "$WORK"
fi
exit 0
