#!/bin/sh
# test_help.sh - the command line's contract: --help on every (sub)command exits 0 and
# names the environment variables, --version works, and usage errors (unknown
# command or option, missing or malformed argument) exit 2 with a message.
# Env: PHOIHOP_BIN (the binary under test), TMPDIR.
. "$(dirname "$0")/lib.sh"
unset PHOIHOP_DB PHOIHOP_LISTEN PHOIHOP_THREADS PHOIHOP_SCALE PHOIHOP_LOG_LEVEL PHOIHOP_ACCESS_LOG

run 0 "$BIN" --help && { grep -q "Usage: phoihop" "$T/out" || fail "--help has no usage line"; }
run 0 "$BIN" help
run 0 "$BIN" --version && { grep -q "^phoihop [0-9]" "$T/out" || fail "--version prints '$(cat "$T/out")'"; }
run 2 "$BIN"
run 2 "$BIN" no-such-command && { grep -q "unknown command" "$T/err" || fail "unknown command: no message"; }

for cmd in init serve demo "people add" "people passwd" "people disable" "people enable" \
    "people list" "audit verify"; do
    # shellcheck disable=SC2086
    if run 0 "$BIN" $cmd --help; then
        grep -q "Usage: phoihop $cmd" "$T/out" || fail "'$cmd --help' lacks its usage line"
        grep -q "PHOIHOP_DB" "$T/out" || fail "'$cmd --help' does not list PHOIHOP_DB"
    fi
    # shellcheck disable=SC2086
    run 0 "$BIN" $cmd -h
    # shellcheck disable=SC2086
    if run 2 "$BIN" $cmd --no-such-option; then
        grep -q "unknown option" "$T/err" || fail "'$cmd --no-such-option': no 'unknown option' message"
    fi
    # shellcheck disable=SC2086
    run 2 "$BIN" $cmd -x
done
for group in people audit; do
    run 0 "$BIN" $group --help && { grep -q "Commands:" "$T/out" || fail "$group --help lists no commands"; }
    run 2 "$BIN" $group
    run 2 "$BIN" $group frobnicate
done

# serve lists every option with its variable.
run 0 "$BIN" serve --help
for v in PHOIHOP_LISTEN PHOIHOP_THREADS PHOIHOP_WORKERS PHOIHOP_ACCESS_LOG PHOIHOP_LOGIN_THROTTLE \
    PHOIHOP_LOGIN_LOCK_AFTER PHOIHOP_LOGIN_LOCK_MINUTES PHOIHOP_SESSION_HOURS; do
    grep -q "$v" "$T/out" || fail "serve --help does not mention $v"
done
run 0 "$BIN" demo --help && { grep -q PHOIHOP_SCALE "$T/out" || fail "demo --help lacks PHOIHOP_SCALE"; }

# Missing required options and malformed values are usage errors, found before any
# database is touched.
run 2 "$BIN" init && { grep -q -- "--db" "$T/err" || fail "init without --db does not name --db"; }
run 2 "$BIN" serve
run 2 "$BIN" demo
run 2 "$BIN" audit verify
run 2 "$BIN" people list
run 2 "$BIN" people passwd --db "$T/x.db"
run 2 "$BIN" people add --db "$T/x.db" --username a.b --full-name X
run 2 "$BIN" people add --db "$T/x.db" --username a.b --full-name X --role nonsense
run 2 "$BIN" people add --db "$T/x.db" --username a.b --full-name X --role viewer --clearance ultra
run 2 "$BIN" serve --db "$T/x.db" --threads many
run 2 "$BIN" serve --db "$T/x.db" --threads=-1
run 2 "$BIN" serve --db "$T/x.db" --session-hours 0
run 2 "$BIN" serve --db "$T/x.db" --access-log=yes
run 2 "$BIN" serve --db "$T/x.db" --listen
run 2 "$BIN" demo --db "$T/x.db" --scale 0
run 2 "$BIN" demo --db "$T/x.db" --scale 100000
run 2 "$BIN" init --db "$T/x.db" surplus-argument
# The same checks apply to values from the environment.
run 2 env PHOIHOP_DB="$T/x.db" PHOIHOP_THREADS=lots "$BIN" serve
run 2 env PHOIHOP_DB="$T/x.db" PHOIHOP_ACCESS_LOG=maybe "$BIN" serve
run 2 env PHOIHOP_DB="$T/x.db" PHOIHOP_SCALE=-3 "$BIN" demo
run 2 env PHOIHOP_LOG_LEVEL=chatty "$BIN" people list --db "$T/x.db"
[ -e "$T/x.db" ] && fail "a usage error created the database"

if [ "$FAILS" -ne 0 ]; then
    echo "test_help: $FAILS check(s) failed"
    exit 1
fi
echo "test_help: ok"
