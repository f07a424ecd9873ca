#!/bin/sh
# test_people.sh - `phoihop people add|passwd|disable|enable|list` on a fresh
# database with the demo units: every change lands (read back with sqlite3), bad
# input is refused with the right exit status, passwords come from PHOIHOP_PASSWORD
# or are generated and shown once.
# Env: PHOIHOP_BIN, TMPDIR.
. "$(dirname "$0")/lib.sh"
unset PHOIHOP_DB PHOIHOP_PASSWORD PHOIHOP_UNIT PHOIHOP_ROLE PHOIHOP_CLEARANCE PHOIHOP_RANK \
    PHOIHOP_POSITION PHOIHOP_USERNAME PHOIHOP_FULL_NAME PHOIHOP_LOG_LEVEL PHOIHOP_DEMO_PASSWORD
DB="$T/p.db"

# Nothing works on a database that does not exist (and none is created).
run 1 "$BIN" people list --db "$T/none.db" && { grep -q "phoihop init" "$T/err" || fail "no hint to run init"; }
[ -e "$T/none.db" ] && fail "people list created a database"

demo_db "$DB" || exit 1

# add: with a unit given by code, several roles, a clearance, rank and position, and the
# password from PHOIHOP_PASSWORD.
if PHOIHOP_PASSWORD=mat-khau-123456 run 0 "$BIN" people add --db "$DB" --username le.van.tam \
    --full-name "Lê Văn Tám" --rank "Thiếu tá" --position "Trực ban" --unit CA-829 \
    --role duty_officer,viewer --clearance secret; then
    grep -q "mat-khau-123456" "$T/out" && fail "people add printed the password from the environment"
    row=$(q "SELECT p.full_name, p.rank, p.position, u.code, p.clearance, p.password_hash LIKE '\$argon2id\$%'
             FROM people p JOIN units u ON u.id = p.unit_id WHERE p.username = 'le.van.tam'")
    [ "$row" = "Lê Văn Tám|Thiếu tá|Trực ban|CA-829|2|1" ] || fail "le.van.tam stored as '$row'"
fi
# add: a generated password, a unit given by id, options from the environment.
uid=$(q "SELECT id FROM units WHERE code = 'QS-83'")
if PHOIHOP_DB="$DB" PHOIHOP_UNIT="$uid" PHOIHOP_ROLE=coordinator run 0 "$BIN" people add \
    --username tran.thi.mai --full-name "Trần Thị Mai"; then
    pw=$(sed -n 's/.*password (shown only now): //p' "$T/out")
    [ ${#pw} -eq 16 ] || fail "people add showed no 16-character generated password ('$pw')"
    row=$(q "SELECT u.code, p.clearance FROM people p JOIN units u ON u.id = p.unit_id WHERE p.username = 'tran.thi.mai'")
    [ "$row" = "QS-83|0" ] || fail "tran.thi.mai stored as '$row' (unit from PHOIHOP_UNIT, clearance default)"
fi
# add: failures.
run 1 "$BIN" people add --db "$DB" --username le.van.tam --full-name "Lê Văn Tám" --role viewer --unit CA-829 &&
    { grep -qi "conflict" "$T/err" || fail "duplicate username: no 'conflict' in '$(cat "$T/err")'"; }
run 1 "$BIN" people add --db "$DB" --username x.y.z --full-name "X" --role viewer --unit NO-SUCH-UNIT &&
    { grep -q "NO-SUCH-UNIT" "$T/err" || fail "unknown unit not named"; }
run 1 "$BIN" people add --db "$DB" --username "Bad Name" --full-name "X" --role viewer --unit CA-83
PHOIHOP_PASSWORD=short run 1 "$BIN" people add --db "$DB" --username ok.name --full-name "X" --role viewer --unit CA-83
n=$(q "SELECT count(*) FROM people WHERE username IN ('x.y.z', 'ok.name')")
[ "$n" = 0 ] || fail "a refused add left $n people"

# passwd: generated, then from the environment; each changes the hash.
h0=$(q "SELECT password_hash FROM people WHERE username = 'le.van.tam'")
if run 0 "$BIN" people passwd --db "$DB" le.van.tam; then
    pw=$(sed -n 's/.*(shown only now): //p' "$T/out")
    [ ${#pw} -eq 16 ] || fail "passwd showed no generated password ('$(cat "$T/out")')"
fi
h1=$(q "SELECT password_hash FROM people WHERE username = 'le.van.tam'")
[ "$h0" != "$h1" ] || fail "passwd did not change the hash"
PHOIHOP_PASSWORD=another-password-9 run 0 "$BIN" people passwd --db "$DB" le.van.tam
h2=$(q "SELECT password_hash FROM people WHERE username = 'le.van.tam'")
[ "$h1" != "$h2" ] || fail "passwd from PHOIHOP_PASSWORD did not change the hash"
run 1 "$BIN" people passwd --db "$DB" nobody.here
# A generated person without a password gets one.
run 0 "$BIN" people passwd --db "$DB" demo.commander

# disable / enable.
run 0 "$BIN" people disable --db "$DB" le.van.tam
[ "$(q "SELECT is_disabled FROM people WHERE username = 'le.van.tam'")" = 1 ] || fail "disable did not disable"
run 0 "$BIN" people list --db "$DB" --unit CA-829
grep "le.van.tam" "$T/out" | grep -q "disabled" || fail "list does not show le.van.tam as disabled"
run 0 "$BIN" people enable --db "$DB" le.van.tam
[ "$(q "SELECT is_disabled FROM people WHERE username = 'le.van.tam'")" = 0 ] || fail "enable did not enable"
run 1 "$BIN" people disable --db "$DB" nobody.here

# list: a header and one line per person; --unit keeps the unit and those below it.
if run 0 "$BIN" people list --db "$DB"; then
    head -1 "$T/out" | grep -q "USERNAME" || fail "list has no header"
    lines=$(($(wc -l <"$T/out") - 1))
    n=$(q "SELECT count(*) FROM people")
    [ "$lines" = "$n" ] || fail "list shows $lines people, the database has $n"
    grep -q "Quản trị hệ thống" "$T/out" || fail "list lost the Vietnamese full name of admin"
fi
if run 0 "$BIN" people list --db "$DB" --unit CA-829; then
    lines=$(($(wc -l <"$T/out") - 1))
    n=$(q "SELECT count(*) FROM people p JOIN units u ON u.id = p.unit_id
           WHERE u.path LIKE (SELECT path FROM units WHERE code = 'CA-829') || '%'")
    [ "$lines" = "$n" ] || fail "list --unit CA-829 shows $lines people, expected $n"
    grep -q "demo.admin.ca" "$T/out" && fail "list --unit CA-829 shows a province officer"
fi
run 1 "$BIN" people list --db "$DB" --unit NO-SUCH-UNIT

# Every change above is in the audit log, and the chain holds.
n=$(q "SELECT count(*) FROM audit_log WHERE actor = 'system' AND client = 'cli' AND item_kind = 'person'")
[ "$n" -gt 0 ] || fail "no audit entries by the CLI for people"
run 0 "$BIN" audit verify --db "$DB"

if [ "$FAILS" -ne 0 ]; then
    echo "test_people: $FAILS check(s) failed"
    exit 1
fi
echo "test_people: ok"
