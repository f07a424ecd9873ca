#!/bin/sh
# run.sh - what `make run` does after building build/phoihop: on the first run create
# the database (init, then the demo province), then say how to log in and serve.
# Usage: scripts/run.sh DB LISTEN   (from the repository root; make run passes
# DB=phoihop.db LISTEN=127.0.0.1:8080 unless told otherwise)
set -eu

DB="${1:?usage: $0 DB LISTEN}"
LISTEN="${2:?usage: $0 DB LISTEN}"
BIN=build/phoihop
PWFILE=.phoihop-admin
DEMO_ACCOUNTS="demo.admin.ca demo.admin.qs demo.admin.bp demo.commander demo.duty demo.reporter demo.viewer demo.coordinator demo.bp.duty"

if [ ! -x "$BIN" ]; then
    echo "run.sh: $BIN is missing; build it with 'make build/phoihop'" >&2
    exit 1
fi

# A half-made database (init or demo failed) would be skipped on the next run, so
# remove it: the next `make run` starts again from nothing.
discard() {
    rm -f "$DB" "$DB-wal" "$DB-shm" "$DB-journal"
    echo "run.sh: $1 failed; removed $DB so that the next run starts again" >&2
    exit 1
}

if [ ! -e "$DB" ]; then
    echo "phoihop: creating $DB with the demo province (first run)"
    rm -f "$PWFILE"
    "$BIN" init --db "$DB" --admin-password-file "$PWFILE" || discard "phoihop init"
    "$BIN" demo --db "$DB" || discard "phoihop demo"
fi

if [ -s "$PWFILE" ]; then
    password=$(cat "$PWFILE")
elif [ -n "${PHOIHOP_ADMIN_PASSWORD:-}" ]; then
    password="(the password set from PHOIHOP_ADMIN_PASSWORD)"
else
    password="(unknown: $PWFILE is missing; set one with '$BIN people passwd --db $DB admin')"
fi
echo "phoihop: log in at http://$LISTEN as admin / $password"
if [ -n "${PHOIHOP_DEMO_PASSWORD:-}" ]; then
    demo_pw="the password from PHOIHOP_DEMO_PASSWORD"
else
    demo_pw="phoihop-demo"
fi
echo "phoihop: demo accounts (password $demo_pw): $DEMO_ACCOUNTS"
exec "$BIN" serve --db "$DB" --listen "$LISTEN"
