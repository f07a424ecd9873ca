#!/bin/sh
# test_incident.sh - `phoihop incident add|list|show|ack` and `init --ref-prefix` on
# a demo database: a report gets a reference number with the prefix, routing sends
# it out, a search without diacritics finds it, show prints its recipients, an
# acknowledgement moves the unit's stage (read back with sqlite3), --as acts as a
# person (their unit reports; another unit cannot see it), and bad input is
# refused with the right exit status and the field named.
# Env: PHOIHOP_BIN, TMPDIR.
SHOW_LINES=30
. "$(dirname "$0")/lib.sh"
# Every option is also an environment variable: none may leak in from outside.
unset PHOIHOP_DB PHOIHOP_AS PHOIHOP_CATEGORY PHOIHOP_SEVERITY PHOIHOP_TITLE PHOIHOP_DESCRIPTION \
    PHOIHOP_OCCURRED PHOIHOP_DETECTED PHOIHOP_LAT PHOIHOP_LON PHOIHOP_AREA PHOIHOP_UNIT \
    PHOIHOP_CLASSIFICATION PHOIHOP_EXERCISE PHOIHOP_TEST PHOIHOP_Q PHOIHOP_STATUS PHOIHOP_SINCE \
    PHOIHOP_UNTIL PHOIHOP_LIMIT PHOIHOP_JSON PHOIHOP_STAGE PHOIHOP_NOTE PHOIHOP_REF_PREFIX \
    PHOIHOP_LOG_LEVEL PHOIHOP_DEMO_PASSWORD PHOIHOP_SCALE
DB="$T/i.db"

# names_field FIELD: the error on stderr names the field.
names_field() {
    grep -q "$1" "$T/err" || { fail "error does not name '$1': $(cat "$T/err")"; }
}

# ---- init --ref-prefix ------------------------------------------------------------------
if PHOIHOP_ADMIN_PASSWORD=admin-password-1 run 0 "$BIN" init --db "$T/p.db" --ref-prefix QT9; then
    [ "$(sqlite3 -readonly "$T/p.db" "SELECT value FROM settings WHERE key = 'incident_ref_prefix'")" = QT9 ] ||
        fail "init --ref-prefix QT9 did not set the prefix"
    grep -q "QT9-" "$T/out" || fail "init does not say what the reference numbers look like"
fi
PHOIHOP_ADMIN_PASSWORD=admin-password-1 PHOIHOP_REF_PREFIX=ZZ run 0 "$BIN" init --db "$T/e.db" &&
    { [ "$(sqlite3 -readonly "$T/e.db" "SELECT value FROM settings WHERE key = 'incident_ref_prefix'")" = ZZ ] ||
        fail "PHOIHOP_REF_PREFIX did not set the prefix"; }
for bad in bt B TOOLONGPREFIX "B-T"; do
    PHOIHOP_ADMIN_PASSWORD=admin-password-1 run 2 "$BIN" init --db "$T/bad.db" --ref-prefix "$bad" &&
        names_field "ref-prefix"
done
[ -e "$T/bad.db" ] && fail "a refused --ref-prefix left a database behind"

# ---- a demo database ----------------------------------------------------------------------
demo_db "$DB" || exit 1
[ "$(q "SELECT value FROM settings WHERE key = 'incident_ref_prefix'")" = BT ] || fail "the demo did not set the prefix BT"
n0=$(q "SELECT count(*) FROM incidents")
[ "$n0" -gt 1000 ] || fail "the demo made only $n0 incidents"

# ---- add: as the installation, for a unit given by code ---------------------------------
TITLE="Phát hiện đối tượng tàng trữ ma túy tại bến đò Đặng Thạch"
REF=""
if run 0 "$BIN" incident add --db "$DB" --category drugs --severity 3 --title "$TITLE" \
    --description "Tổ tuần tra phát hiện hai đối tượng khả nghi." --unit CA-28600 \
    --lat 10.30 --lon 106.23 --occurred 2026-01-02T03:04:05+07:00; then
    REF=$(sed -n 's/^phoihop: incident \(BT-[0-9]\{4\}-[0-9]\{6\}\) created (id \([0-9]*\)).*/\1/p' "$T/out")
    ID=$(sed -n 's/^phoihop: incident BT-[0-9-]* created (id \([0-9]*\)).*/\1/p' "$T/out")
    [ -n "$REF" ] && [ -n "$ID" ] || { fail "add printed no BT- reference and id"; show; }
    row=$(q "SELECT i.ref, i.title, u.code, a.code, i.severity, i.cap_status
             FROM incidents i JOIN units u ON u.id = i.reporting_unit_id JOIN areas a ON a.id = i.area_id
             WHERE i.id = ${ID:-0}")
    [ "$row" = "$REF|$TITLE|CA-28600|28600|3|actual" ] || fail "incident stored as '$row'"
    n=$(q "SELECT count(*) FROM incident_recipients WHERE incident_id = ${ID:-0} AND role = 'informed'")
    [ "$n" -ge 1 ] || fail "routing informed no unit ($n)"
    n=$(q "SELECT count(*) FROM audit_log WHERE action = 'incident.create' AND item_id = ${ID:-0} AND client = 'cli'")
    [ "$n" = 1 ] || fail "no audit entry by the CLI for the new incident"
fi
REF=${REF:-BT-0000-000000}
ID=${ID:-0}

# ---- list: a search without diacritics finds it; filters; JSON lines ----------------------
if run 0 "$BIN" incident list --db "$DB" --q "dang thach"; then
    head -1 "$T/out" | grep -q "^REF  *TIME  *CATEGORY  *SEV  *STATUS  *LEAD  *TITLE" || fail "list has no header"
    grep -q "^$REF  *02/01/2026 03:04  *drugs  *3  " "$T/out" || { fail "list --q 'dang thach' does not show $REF as expected"; show; }
    grep -q "Đặng Thạch" "$T/out" || fail "list lost the diacritics of the title"
fi
run 0 "$BIN" incident list --db "$DB" --q "DANG THACH" --category drugs --since 2026-01-01 --until 2026-01-03 &&
    { grep -q "^$REF " "$T/out" || fail "list with filters does not find $REF"; }
run 0 "$BIN" incident list --db "$DB" --q "dang thach" --category crime &&
    { grep -q "^$REF " "$T/out" && fail "list --category crime shows a drugs incident"; }
if run 0 "$BIN" incident list --db "$DB" --q "dang thach" --json; then
    [ "$(wc -l <"$T/out")" -ge 1 ] || fail "list --json printed nothing"
    grep -q "\"ref\": *\"$REF\"" "$T/out" || { fail "list --json lacks $REF"; show; }
    head -1 "$T/out" | grep -q "^{.*}$" || fail "list --json does not print one object per line"
fi
if run 0 "$BIN" incident list --db "$DB" --limit 600; then
    [ "$(($(wc -l <"$T/out") - 1))" = 600 ] || fail "list --limit 600 (more than one page) showed $(($(wc -l <"$T/out") - 1)) rows"
fi
run 0 "$BIN" incident list --db "$DB" --limit 5 && { [ "$(wc -l <"$T/out")" = 6 ] || fail "list --limit 5 printed $(wc -l <"$T/out") lines"; }

# ---- show: all fields, recipients with their stages and deadlines, timeline ---------------
if run 0 "$BIN" incident show --db "$DB" "$REF"; then
    grep -q "^$REF " "$T/out" || fail "show does not start with the reference"
    grep -q "Recipients" "$T/out" || fail "show has no recipients"
    lead=$(q "SELECT u.code FROM incidents i JOIN units u ON u.id = i.lead_unit_id WHERE i.id = $ID")
    grep -q "^  lead  *$lead " "$T/out" || { fail "show does not list the lead $lead"; show; }
    for code in $(q "SELECT u.code FROM incident_recipients r JOIN units u ON u.id = r.unit_id WHERE r.incident_id = $ID"); do
        grep -q " $code " "$T/out" || fail "show does not list recipient $code"
    done
    grep -q "Timeline" "$T/out" && grep -q "created" "$T/out" || fail "show has no timeline"
    grep -q "ma túy" "$T/out" || fail "show does not name the category in Vietnamese"
fi
run 0 "$BIN" incident show --db "$DB" "$ID" && { grep -q "^$REF " "$T/out" || fail "show by id"; }

# Showing a classified incident is audited (incident.read) before it is printed; an
# unclassified one is not.
CREF=$(q "SELECT ref FROM incidents WHERE classification > 0 ORDER BY id LIMIT 1")
if [ -z "$CREF" ]; then
    fail "the demo has no classified incident"
else
    CID=$(q "SELECT id FROM incidents WHERE ref = '$CREF'")
    reads() { q "SELECT count(*) FROM audit_log WHERE action = 'incident.read' AND item_id = $1"; }
    r0=$(reads "$CID")
    run 0 "$BIN" incident show --db "$DB" "$CREF" && { grep -q "^\[*[A-Z]*\]* *$CREF \|$CREF " "$T/out" || fail "show $CREF"; }
    [ "$(reads "$CID")" = $((r0 + 1)) ] || fail "showing classified $CREF was not audited"
    u0=$(reads "$ID")
    run 0 "$BIN" incident show --db "$DB" "$REF"
    [ "$(reads "$ID")" = "$u0" ] || fail "showing unclassified $REF was audited as a classified read"
fi

# ---- ack: an informed unit receives, then verifies; a repeat is refused --------------------
UNIT=$(q "SELECT u.code FROM incident_recipients r JOIN units u ON u.id = r.unit_id
          WHERE r.incident_id = $ID AND r.role = 'informed' AND u.level <> 'province' ORDER BY u.code LIMIT 1")
[ -n "$UNIT" ] || UNIT=$(q "SELECT u.code FROM incident_recipients r JOIN units u ON u.id = r.unit_id
          WHERE r.incident_id = $ID AND r.role = 'informed' ORDER BY u.code LIMIT 1")
DUTY=$(q "SELECT p.username FROM people p JOIN units u ON u.id = p.unit_id
          WHERE u.code = '$UNIT' AND p.roles & 4 ORDER BY p.id LIMIT 1")
if run 0 "$BIN" incident ack --db "$DB" --unit "$UNIT" --stage received --as "$DUTY" "$REF"; then
    grep -q "$UNIT received" "$T/out" || fail "ack does not say what it recorded: $(cat "$T/out")"
    row=$(q "SELECT r.received_at > 0, p.username FROM incident_recipients r JOIN units u ON u.id = r.unit_id
             JOIN people p ON p.id = r.received_by WHERE r.incident_id = $ID AND u.code = '$UNIT'")
    [ "$row" = "1|$DUTY" ] || fail "received not recorded for $UNIT by $DUTY: '$row'"
fi
run 1 "$BIN" incident ack --db "$DB" --unit "$UNIT" --stage received "$REF" && names_field "stage"
run 0 "$BIN" incident ack --db "$DB" --unit "$UNIT" --stage verified --note "Đã xác minh" "$ID"
[ "$(q "SELECT verified_at > 0 FROM incident_recipients r JOIN units u ON u.id = r.unit_id WHERE r.incident_id = $ID AND u.code = '$UNIT'")" = 1 ] ||
    fail "verified not recorded"
run 0 "$BIN" incident show --db "$DB" "$REF" && { grep -q "verified" "$T/out" || fail "show lacks the verified stage"; }
# A refusal needs its reason.
OTHER=$(q "SELECT u.code FROM incident_recipients r JOIN units u ON u.id = r.unit_id
           WHERE r.incident_id = $ID AND r.role = 'informed' AND u.code <> '$UNIT' LIMIT 1")
if [ -n "$OTHER" ]; then
    run 1 "$BIN" incident ack --db "$DB" --unit "$OTHER" --stage refused "$REF" && names_field "note"
fi
# A unit the incident was not sent to has nothing to acknowledge.
run 1 "$BIN" incident ack --db "$DB" --unit QS-83 --stage received "$REF" && names_field "unit_id"

# ---- --as: the person's unit reports; another force's post cannot see it -----------------
if run 0 "$BIN" incident add --db "$DB" --as demo.reporter --category public_order --severity 1 \
    --title "Tụ tập gây ồn ào tại chợ Phú Hưng" --lat 10.31 --lon 106.24; then
    REF2=$(sed -n 's/^phoihop: incident \(BT-[0-9-]*\) created.*/\1/p' "$T/out")
    row=$(q "SELECT u.code, p.username FROM incidents i JOIN units u ON u.id = i.reporting_unit_id
             JOIN people p ON p.id = i.created_by WHERE i.ref = '$REF2'")
    [ "$row" = "CA-28600|demo.reporter" ] || fail "--as demo.reporter stored as '$row'"
    run 1 "$BIN" incident show --db "$DB" --as demo.bp.duty "$REF2" &&
        { grep -q "no incident" "$T/err" || fail "a unit that may not see it got: $(cat "$T/err")"; }
    run 0 "$BIN" incident list --db "$DB" --as demo.bp.duty --q "cho phu hung" &&
        { grep -q "$REF2" "$T/out" && fail "demo.bp.duty lists an incident it may not see"; }
    run 0 "$BIN" incident show --db "$DB" --as demo.commander "$REF2"
fi
run 1 "$BIN" incident list --db "$DB" --as nobody.here && { grep -q "nobody.here" "$T/err" || fail "unknown --as not named"; }

# ---- exercises are marked ------------------------------------------------------------------
if run 0 "$BIN" incident add --db "$DB" --category search_rescue --severity 2 --title "Diễn tập cứu nạn trên sông Hàm Luông" \
    --unit QS-829 --exercise; then
    REF3=$(sed -n 's/^phoihop: incident \(BT-[0-9-]*\) created.*/\1/p' "$T/out")
    [ "$(q "SELECT cap_status FROM incidents WHERE ref = '$REF3'")" = exercise ] || fail "--exercise not stored"
    run 0 "$BIN" incident list --db "$DB" --q "ham luong" && { grep "$REF3" "$T/out" | grep -q "\[exercise\]" || fail "list does not mark the exercise"; }
fi

# ---- bad input -------------------------------------------------------------------------------
n1=$(q "SELECT count(*) FROM incidents")
run 1 "$BIN" incident add --db "$DB" --category no_such --severity 2 --title "X" --unit CA-83 && names_field "category"
run 2 "$BIN" incident add --db "$DB" --category crime --severity 2 --unit CA-83 && names_field "title"
run 2 "$BIN" incident add --db "$DB" --title "X" --severity 2 --unit CA-83 && names_field "category"
run 1 "$BIN" incident add --db "$DB" --category crime --severity 9 --title "X" --unit CA-83 && names_field "severity"
run 2 "$BIN" incident add --db "$DB" --category crime --severity high --title "X" --unit CA-83 && names_field "severity"
run 1 "$BIN" incident add --db "$DB" --category crime --severity 2 --title "X" --unit NO-SUCH && names_field "NO-SUCH"
run 2 "$BIN" incident add --db "$DB" --category crime --severity 2 --title "X" --unit CA-83 --lat 10.2 && names_field "lon"
run 2 "$BIN" incident add --db "$DB" --category crime --severity 2 --title "X" --unit CA-83 --lat 10.2 --lon east
run 1 "$BIN" incident add --db "$DB" --category crime --severity 2 --title "X" --unit CA-83 --lat 95 --lon 106 &&
    { grep -Eq "lat|location" "$T/err" || fail "latitude out of range not named: $(cat "$T/err")"; }
run 1 "$BIN" incident add --db "$DB" --category crime --severity 2 --title "X" --unit CA-83 --occurred 2999-01-01T00:00:00Z &&
    names_field "occurred_at"
run 2 "$BIN" incident add --db "$DB" --category crime --severity 2 --title "X" --unit CA-83 --occurred yesterday &&
    names_field "occurred"
run 2 "$BIN" incident add --db "$DB" --category crime --severity 2 --title "X" --unit CA-83 --exercise --test
run 2 "$BIN" incident add --db "$DB" --category crime --severity 2 --title "X" && names_field "unit"
[ "$(q "SELECT count(*) FROM incidents")" = "$n1" ] || fail "a refused add left an incident"
run 2 "$BIN" incident ack --db "$DB" --unit CA-83 --stage seen "$REF" && names_field "stage"
run 2 "$BIN" incident ack --db "$DB" --unit CA-83 --stage received
run 1 "$BIN" incident show --db "$DB" BT-1999-999999 && { grep -q "no incident" "$T/err" || fail "unknown ref: $(cat "$T/err")"; }
run 2 "$BIN" incident list --db "$DB" --status sleeping && names_field "status"
run 2 "$BIN" incident list --db "$DB" --since "last week"
run 1 "$BIN" incident list --db "$T/none.db" && { grep -q "phoihop init" "$T/err" || fail "no hint to run init"; }
run 2 "$BIN" incident
run 2 "$BIN" incident frobnicate
run 0 "$BIN" incident --help && { grep -q "ack" "$T/out" || fail "incident --help lacks ack"; }
for sub in add list show ack; do
    run 0 "$BIN" incident "$sub" --help && { grep -q "PHOIHOP_DB" "$T/out" || fail "incident $sub --help lacks PHOIHOP_DB"; }
done

# Every change above is in the audit log, and the chain holds.
run 0 "$BIN" audit verify --db "$DB"

if [ "$FAILS" -ne 0 ]; then
    echo "test_incident: $FAILS check(s) failed"
    exit 1
fi
echo "test_incident: ok"
