#!/bin/sh
# test_init.sh - `phoihop init`: creates the database and the administrator, shows a
# generated password once (or takes PHOIHOP_ADMIN_PASSWORD), writes the password file
# with mode 0600, creates the database itself with mode 0600 (it holds password
# hashes), refuses a second run, and takes its options from PHOIHOP_* variables. serve
# refuses a database that does not exist (or one in memory) rather than serving an
# empty one. When curl is installed the administrator's password is proved by
# logging in.
# Env: PHOIHOP_BIN, TMPDIR.
. "$(dirname "$0")/lib.sh"
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; fi
    rm -rf "$T"
}
trap cleanup EXIT
unset PHOIHOP_DB PHOIHOP_ADMIN_PASSWORD PHOIHOP_ADMIN_PASSWORD_FILE PHOIHOP_LOG_LEVEL

# 1. A generated password, printed once and written to the file with mode 0600.
if "$BIN" init --db "$T/a.db" --admin-password-file "$T/pw" >"$T/out" 2>"$T/err"; then
    [ -s "$T/a.db" ] || fail "init did not create the database"
    pw=$(sed -n 's/.*password (shown only now): //p' "$T/out")
    [ ${#pw} -eq 16 ] || { fail "expected a 16-character generated password, got '$pw'"; show; }
    [ "$(cat "$T/pw")" = "$pw" ] || fail "password file holds '$(cat "$T/pw")', not the printed '$pw'"
    mode=$(stat -c %a "$T/pw")
    [ "$mode" = 600 ] || fail "password file has mode $mode, not 600"
    mode=$(stat -c %a "$T/a.db")
    [ "$mode" = 600 ] || fail "the database has mode $mode, not 600"
    for f in "$T/a.db-wal" "$T/a.db-shm"; do
        [ -e "$f" ] && { mode=$(stat -c %a "$f"); [ "$mode" = 600 ] || fail "$(basename "$f") has mode $mode, not 600"; }
    done
    n=$(sqlite3 -readonly "$T/a.db" "SELECT count(*) FROM people WHERE username='admin' AND roles <> 0 AND clearance=3 AND unit_id IS NULL AND password_hash LIKE '\$argon2id\$%'")
    [ "$n" = 1 ] || fail "no admin account with clearance top_secret, no unit and an argon2id hash ($n)"
    name=$(sqlite3 -readonly "$T/a.db" "SELECT full_name FROM people WHERE username='admin'")
    [ "$name" = "Quản trị hệ thống" ] || fail "admin's full name is '$name'"
else
    fail "init exited $?"
    show
fi

# 2. A second init is refused and changes nothing.
before=$(sqlite3 -readonly "$T/a.db" "SELECT password_hash FROM people WHERE username='admin'")
"$BIN" init --db "$T/a.db" --admin-password-file "$T/pw2" >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" -eq 1 ] || fail "second init exited $rc, expected 1"
grep -q "already initialised" "$T/err" || { fail "second init: no clear message"; show; }
[ -e "$T/pw2" ] && fail "second init wrote a password file"
after=$(sqlite3 -readonly "$T/a.db" "SELECT password_hash FROM people WHERE username='admin'")
[ "$before" = "$after" ] || fail "second init changed the admin's password"
n=$(sqlite3 -readonly "$T/a.db" "SELECT count(*) FROM people")
[ "$n" = 1 ] || fail "second init left $n people"

# 3. PHOIHOP_ADMIN_PASSWORD, and the database and file from PHOIHOP_* variables.
if PHOIHOP_ADMIN_PASSWORD='Mat-khau-rat-dai-42' PHOIHOP_DB="$T/b.db" \
    PHOIHOP_ADMIN_PASSWORD_FILE="$T/pwb" "$BIN" init >"$T/out" 2>"$T/err"; then
    grep -q "PHOIHOP_ADMIN_PASSWORD" "$T/out" || { fail "init does not say the password came from the environment"; show; }
    grep -q "Mat-khau-rat-dai-42" "$T/out" "$T/err" && fail "init printed the password from the environment"
    [ -s "$T/b.db" ] || fail "PHOIHOP_DB was not used"
    [ "$(cat "$T/pwb" 2>/dev/null)" = "Mat-khau-rat-dai-42" ] || fail "PHOIHOP_ADMIN_PASSWORD_FILE was not written with the password"
else
    fail "init with PHOIHOP_ADMIN_PASSWORD exited $?"
    show
fi
# The command line overrides the environment.
if PHOIHOP_DB="$T/not-this.db" "$BIN" init --db "$T/c.db" >"$T/out" 2>"$T/err"; then
    [ -e "$T/not-this.db" ] && fail "PHOIHOP_DB won over --db"
    [ -s "$T/c.db" ] || fail "--db was not used"
else
    fail "init --db over PHOIHOP_DB exited $?"
    show
fi
# A password from the environment that breaks the policy is refused before anything.
PHOIHOP_ADMIN_PASSWORD=short "$BIN" init --db "$T/d.db" >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" -eq 1 ] || fail "a 5-character PHOIHOP_ADMIN_PASSWORD: exit $rc, expected 1"
[ -e "$T/d.db" ] && fail "a refused password still created the database"

# Even under a permissive umask; and later writes keep the files private.
(umask 000; PHOIHOP_ADMIN_PASSWORD=admin-password-1 "$BIN" init --db "$T/open.db" >/dev/null 2>&1) ||
    fail "init under umask 000 failed"
PHOIHOP_PASSWORD=person-password-1 "$BIN" people add --db "$T/open.db" --username tran.b \
    --full-name "Trần B" --role viewer >/dev/null 2>&1 || fail "people add failed"
for f in "$T/open.db" "$T/open.db-wal" "$T/open.db-shm"; do
    [ -e "$f" ] && { mode=$(stat -c %a "$f"); [ "$mode" = 600 ] || fail "$(basename "$f") has mode $mode under umask 000, not 600"; }
done

# serve refuses a database that does not exist, and says how to make one.
for db in "$T/typo.db" "sqlite:$T/typo.db"; do
    timeout 20 "$BIN" serve --db "$db" --listen 127.0.0.1:0 >"$T/out" 2>"$T/err"
    rc=$?
    [ "$rc" -eq 1 ] || { fail "serve on a missing database ($db) exited $rc, expected 1"; show; }
    grep -q "phoihop init" "$T/err" || { fail "serve on a missing database does not suggest 'phoihop init'"; show; }
    [ -e "$T/typo.db" ] && { fail "serve created $T/typo.db"; rm -f "$T/typo.db"; }
done
PHOIHOP_DB="$T/typo.db" timeout 20 "$BIN" serve --listen 127.0.0.1:0 >"$T/out" 2>"$T/err"
[ $? -eq 1 ] || fail "serve with PHOIHOP_DB of a missing database did not exit 1"
for db in ":memory:" "sqlite::memory:" "file::memory:"; do
    timeout 20 "$BIN" serve --db "$db" --listen 127.0.0.1:0 >"$T/out" 2>"$T/err"
    rc=$?
    [ "$rc" -eq 1 ] || { fail "serve --db $db exited $rc, expected 1"; show; }
done

# 4. The password really logs in (needs curl; the API tests cover the rest).
if command -v curl >/dev/null 2>&1; then
    "$BIN" serve --db "$T/b.db" --listen 127.0.0.1:0 --cot-listen 127.0.0.1:0 --threads 1 --access-log \
        >"$T/serve.out" 2>"$T/serve.err" &
    SERVER_PID=$!
    url=""
    for _ in $(seq 1 100); do
        url=$(sed -n 's/^phoihop: listening on //p' "$T/serve.out")
        [ -n "$url" ] && break
        sleep 0.1
    done
    if [ -z "$url" ]; then
        fail "serve did not start"
        sed 's/^/    | /' "$T/serve.err" | head -20
    else
        code=$(curl -s -o "$T/login" -w '%{http_code}' -H 'Content-Type: application/json' \
            -d '{"username":"admin","password":"Mat-khau-rat-dai-42"}' "$url/api/v1/auth/login")
        [ "$code" = 200 ] || fail "login with PHOIHOP_ADMIN_PASSWORD answered $code: $(cat "$T/login")"
        code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
            -d '{"username":"admin","password":"wrong-password-1"}' "$url/api/v1/auth/login")
        [ "$code" = 401 ] || fail "login with a wrong password answered $code"
        # The access log never shows a token given in a query string (EventSource
        # clients send ?access_token=), on any route; other parameters stay.
        curl -s -o /dev/null "$url/api/v1/categories?limit=2&access_token=ph_SECRETVALUE1&q=x"
        curl -s -o /dev/null "$url/api/v1/stream?access_token=ph_SECRETVALUE2"
        for _ in $(seq 1 50); do
            grep -q 'api/v1/stream' "$T/serve.err" && break
            sleep 0.1
        done
        grep -q 'SECRETVALUE' "$T/serve.err" && fail "the access log shows a query-string token"
        grep -q 'categories?limit=2&access_token=REDACTED&q=x ' "$T/serve.err" ||
            { fail "the access log does not show the redacted query"; sed 's/^/    | /' "$T/serve.err" | tail -5; }
    fi
else
    echo "note: curl not installed; login not checked"
fi

if [ "$FAILS" -ne 0 ]; then
    echo "test_init: $FAILS check(s) failed"
    exit 1
fi
echo "test_init: ok"
