# lib.sh - the preamble the tests/cli/test_*.sh scripts share; sourced, never run
# on its own (scripts/run_tests.sh runs only test_*.sh). A script starts with
#     . "$(dirname "$0")/lib.sh"
# and then unsets the PHOIHOP_* variables of its commands (every option is also an
# environment variable: none may leak in from outside). It gets:
#   set -u; BIN, the binary under test (PHOIHOP_BIN, required);
#   T, a scratch directory under TMPDIR named after the script, removed at exit;
#   FAILS and fail MSG (the script exits 1 at the end when FAILS > 0);
#   show: the last command's $T/out and $T/err, SHOW_LINES lines (default 20);
#   q SQL: a read of $DB with sqlite3;
#   run WANT CMD...: runs CMD (output to $T/out and $T/err), whose exit status
#   must be WANT; returns 1 (after fail and show) when it is not;
#   demo_db DB: DB becomes a demo database (`init` with the administrator
#   password admin-password-1, then `demo`), through run.
set -u
# shellcheck disable=SC2034 # used by the scripts that source this
BIN="${PHOIHOP_BIN:?set PHOIHOP_BIN to the phoihop binary}"
T=$(mktemp -d "${TMPDIR:-/tmp}/phoihop-cli-$(basename "$0" .sh | sed 's/^test_//').XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT
FAILS=0
fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
show() { sed 's/^/    | /' "$T/out" "$T/err" | head -"${SHOW_LINES:-20}"; }
q() { sqlite3 -readonly "$DB" "$1"; }

# A copy of PHOIHOP_TEST_DEMO_DB when it is set: scripts/run_tests.sh makes that one
# database per run with the same binary and the same two commands, which saves
# every script minutes under the sanitizers (test_demo.sh tests the commands
# themselves, and a script run alone makes its own).
demo_db() {
    if [ -n "${PHOIHOP_TEST_DEMO_DB:-}" ] && [ -f "$PHOIHOP_TEST_DEMO_DB" ]; then
        run 0 cp "$PHOIHOP_TEST_DEMO_DB" "$1" && run 0 chmod 600 "$1"
        return
    fi
    PHOIHOP_ADMIN_PASSWORD=admin-password-1 run 0 "$BIN" init --db "$1" &&
        run 0 "$BIN" demo --db "$1"
}

run() {
    want=$1
    shift
    "$@" >"$T/out" 2>"$T/err"
    rc=$?
    if [ "$rc" -ne "$want" ]; then
        fail "'$*' exited $rc, expected $want"
        show
        return 1
    fi
    return 0
}
