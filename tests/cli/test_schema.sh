#!/bin/sh
# test_schema.sh - a database written by a newer phoihop (schema version above the
# binary's) is refused by every command with exit 1 and a message saying it is
# newer, and is left untouched; a database of the current version opens.
# Env: PHOIHOP_BIN, TMPDIR.
. "$(dirname "$0")/lib.sh"
unset PHOIHOP_DB PHOIHOP_LOG_LEVEL PHOIHOP_LISTEN

DB="$T/a.db"
PHOIHOP_ADMIN_PASSWORD=admin-password-1 "$BIN" init --db "$DB" >/dev/null 2>&1 || { fail "init failed"; exit 1; }
"$BIN" people list --db "$DB" >/dev/null 2>&1 || fail "people list on a current database failed"
sqlite3 "$DB" 'PRAGMA user_version=99'
sum=$(cksum <"$DB")

for cmd in "serve --listen 127.0.0.1:0" "people list" "people add --username a.b.c --full-name X --role viewer" \
    "people passwd admin" "demo" "audit verify" "init"; do
    # shellcheck disable=SC2086
    timeout 60 "$BIN" $cmd --db "$DB" >"$T/out" 2>"$T/err"
    rc=$?
    if [ "$rc" -ne 1 ]; then
        fail "'$cmd' on a newer database exited $rc, expected 1"
        sed 's/^/    | /' "$T/out" "$T/err" | head -10
    elif ! grep -q "newer" "$T/err"; then
        fail "'$cmd' on a newer database does not say 'newer':"
        sed 's/^/    | /' "$T/err" | head -10
    fi
done
[ "$(sqlite3 -readonly "$DB" 'PRAGMA user_version')" = 99 ] || fail "the schema version was changed"
[ "$(cksum <"$DB")" = "$sum" ] || fail "a refused command modified the database"

if [ "$FAILS" -ne 0 ]; then
    echo "test_schema: $FAILS check(s) failed"
    exit 1
fi
echo "test_schema: ok"
