#!/bin/sh
# e2e.sh - the browser tests (tests/e2e/): a fresh database with the demo province,
# `phoihop serve` on a free port, playwright-core driving Debian's Chromium headless
# against it, then the server stopped. Exit status 0 only when every test passed.
#
# Usage: scripts/e2e.sh [test name filter]   (from the repository root)
# Environment:
#   PHOIHOP_BIN      the binary (default build/phoihop; built when missing)
#   CHROMIUM         the browser (default /usr/bin/chromium)
#   E2E_SCREENSHOTS  a directory to save a screenshot of every page into (make screenshots)
#   E2E_KEEP=1       keep the temporary directory (database, server log)
set -eu

BIN="${PHOIHOP_BIN:-build/phoihop}"
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
NPM_CI="npm ci --no-audit --no-fund --prefer-offline"

if [ ! -f Makefile ] || [ ! -d tests/e2e ]; then
    echo "e2e: run me from the repository root" >&2
    exit 2
fi
if [ ! -x "$BIN" ]; then
    make --no-print-directory build/phoihop
fi
if [ ! -x "$CHROMIUM" ]; then
    echo "e2e: $CHROMIUM is missing: install it with 'scripts/deps.sh e2e'" >&2
    exit 1
fi
if ! command -v node >/dev/null 2>&1; then
    echo "e2e: node is missing: install it with 'scripts/deps.sh e2e'" >&2
    exit 1
fi
if [ ! -d tests/e2e/node_modules/playwright-core ]; then
    (cd tests/e2e && $NPM_CI)
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/phoihop-e2e.XXXXXX")
PID=""
cleanup() {
    if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
        kill -TERM "$PID" 2>/dev/null || true
        # Bounded: the server drains within 20 s; then it is killed.
        i=0
        while kill -0 "$PID" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.2; i=$((i + 1)); done
        kill -KILL "$PID" 2>/dev/null || true
    fi
    if [ "${E2E_KEEP:-0}" = 1 ]; then echo "e2e: kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT INT TERM

echo "e2e: demo province in $WORK/db"
PHOIHOP_ADMIN_PASSWORD="e2e-admin-password-2026" "$BIN" init --db "$WORK/db" >"$WORK/init.log" 2>&1 ||
    { cat "$WORK/init.log" >&2; exit 1; }
"$BIN" demo --db "$WORK/db" >"$WORK/demo.log" 2>&1 || { cat "$WORK/demo.log" >&2; exit 1; }

# The CoT listener would take 8087 by default: any free port instead (older
# binaries without it are served without the option).
COT=""
if "$BIN" serve --help 2>&1 | grep -q -- "--cot-listen"; then COT="--cot-listen 127.0.0.1:0"; fi
: >"$WORK/serve.log" # exists before the loop below reads it
# shellcheck disable=SC2086
"$BIN" serve --db "$WORK/db" --listen 127.0.0.1:0 $COT >"$WORK/serve.log" 2>&1 &
PID=$!
URL=""
i=0
while [ $i -lt 100 ]; do
    URL=$(sed -n 's/^phoihop: listening on \(http:\/\/[^ ]*\).*/\1/p' "$WORK/serve.log" | head -n 1)
    [ -n "$URL" ] && break
    if ! kill -0 "$PID" 2>/dev/null; then break; fi
    sleep 0.2
    i=$((i + 1))
done
if [ -z "$URL" ]; then
    echo "e2e: the server did not start:" >&2
    cat "$WORK/serve.log" >&2
    exit 1
fi
echo "e2e: $BIN serving $URL"

rc=0
E2E_BASE="$URL" node tests/e2e/run.mjs "$@" || rc=$?

# The server must stop cleanly too (under ASan this is where leaks are reported).
kill -TERM "$PID" 2>/dev/null || true
src=0
wait "$PID" || src=$?
PID=""
if [ $src -ne 0 ]; then
    echo "e2e: FAIL: the server exited with status $src" >&2
    [ $rc -eq 0 ] && rc=1
fi
if [ $rc -ne 0 ]; then
    echo "e2e: the server's log:" >&2
    tail -n 60 "$WORK/serve.log" >&2
fi
exit $rc
