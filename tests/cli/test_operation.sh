#!/bin/sh
# test_operation.sh - `phoihop operation add|list|show|status|log` on a demo
# database: a joint patrol along a route is planned (areas found from the route,
# read back with sqlite3), a person already on an overlapping operation is
# refused naming it, --as acts as a person (a unit outside does not see it), the
# workflow and the results log go through, and bad input is refused with the
# right exit status and the field named.
# Env: PHOIHOP_BIN (default build/san/phoihop), TMPDIR.
PHOIHOP_BIN="${PHOIHOP_BIN:-build/san/phoihop}"
SHOW_LINES=30
. "$(dirname "$0")/lib.sh"
[ -x "$BIN" ] || { echo "test_operation.sh: no binary at $BIN (set PHOIHOP_BIN)"; exit 2; }
# Every option is also an environment variable: none may leak in from outside.
unset PHOIHOP_DB PHOIHOP_AS PHOIHOP_KIND PHOIHOP_DOMAIN PHOIHOP_TITLE PHOIHOP_DESCRIPTION \
    PHOIHOP_GEOMETRY PHOIHOP_START PHOIHOP_END PHOIHOP_UNIT PHOIHOP_WITH PHOIHOP_PEOPLE \
    PHOIHOP_COMMANDER PHOIHOP_ASSETS PHOIHOP_CLASSIFICATION PHOIHOP_STATUS PHOIHOP_JOINT PHOIHOP_Q \
    PHOIHOP_LIMIT PHOIHOP_JSON PHOIHOP_AT PHOIHOP_REASON PHOIHOP_TEXT PHOIHOP_LAT PHOIHOP_LON \
    PHOIHOP_PEOPLE_CHECKED PHOIHOP_VEHICLES_CHECKED PHOIHOP_VESSELS_CHECKED PHOIHOP_VIOLATIONS \
    PHOIHOP_SEIZED PHOIHOP_LOG_LEVEL PHOIHOP_DEMO_PASSWORD PHOIHOP_SCALE
DB="$T/o.db"

# names_field FIELD: the error on stderr names the field.
names_field() {
    grep -q "$1" "$T/err" || { fail "error does not name '$1': $(cat "$T/err")"; }
}

demo_db "$DB" || exit 1

ROUTE='{"type":"LineString","coordinates":[[106.21,10.26],[106.37,10.26]]}'
DAY=$(date -u -d '+30 days' +%Y-%m-%d)
DAY_VN=$(date -u -d '+30 days' +%d/%m/%Y)
START=${DAY}T08:00:00+07:00
END=${DAY}T12:00:00+07:00
DUTY=$(q "SELECT username FROM people WHERE username = 'demo.duty'")
PERSON=$(q "SELECT p.username FROM people p JOIN units u ON u.id = p.unit_id WHERE u.code = 'CA-829' AND p.is_disabled = 0 AND p.username <> 'demo.duty' ORDER BY p.id LIMIT 1")
[ -n "$DUTY" ] && [ -n "$PERSON" ] || { fail "the demo has no demo.duty or no other person at CA-829"; exit 1; }

# ---- add: as a duty officer of the district, with the military -----------------------------
ID=0
if run 0 "$BIN" operation add --db "$DB" --as "$DUTY" --kind patrol --title "Tuần tra liên ngành tuyến Bình Đại" \
    --geometry "$ROUTE" --start "$START" --end "$END" --with QS-829 --people "$PERSON"; then
    ID=$(sed -n 's/^phoihop: operation \([0-9]*\) planned (patrol, route, joint)$/\1/p' "$T/out")
    [ -n "$ID" ] || { fail "add did not print the id of a joint route patrol"; show; ID=0; }
fi
row=$(q "SELECT o.status, o.is_joint, u.code, o.title FROM operations o JOIN units u ON u.id = o.owner_unit_id WHERE o.id = $ID")
[ "$row" = "planned|1|CA-829|Tuần tra liên ngành tuyến Bình Đại" ] || fail "operation stored as '$row'"
n=$(q "SELECT count(*) FROM operation_areas oa JOIN areas a ON a.id = oa.area_id WHERE oa.operation_id = $ID AND a.level = 'commune'")
[ "$n" -ge 2 ] || fail "the route covers $n communes, expected at least 2"
n=$(q "SELECT count(*) FROM audit_log WHERE action = 'operation.create' AND item_id = $ID AND client = 'cli'")
[ "$n" = 1 ] || fail "no audit entry by the CLI for the plan"

# ---- a conflict names the other operation; nothing is written ------------------------------
before=$(q "SELECT count(*) FROM operations")
run 1 "$BIN" operation add --db "$DB" --as "$DUTY" --kind patrol --title "Ca trùng" \
    --geometry "$ROUTE" --start "${DAY}T10:00:00+07:00" --end "${DAY}T14:00:00+07:00" --people "$PERSON" &&
    { grep -q "operation $ID" "$T/err" || fail "the conflict does not name operation $ID: $(cat "$T/err")"; names_field people_ids; }
[ "$(q "SELECT count(*) FROM operations")" = "$before" ] || fail "a refused plan was written"

# ---- bad input: usage errors (2) and refused members (1, field named) ---------------------
run 2 "$BIN" operation add --db "$DB" --title x --geometry "$ROUTE" --start "$START" --end "$END" # no --kind
run 2 "$BIN" operation add --db "$DB" --kind patrol --title x --geometry "$ROUTE" --start tomorrow --end "$END" &&
    names_field start
run 1 "$BIN" operation add --db "$DB" --unit CA-829 --kind raid --title x --geometry "$ROUTE" --start "$START" --end "$END" &&
    names_field kind
run 1 "$BIN" operation add --db "$DB" --unit CA-829 --kind patrol --title x \
    --geometry '{"type":"LineString","coordinates":[[106.2,95]]}' --start "$START" --end "$END" && names_field geometry
run 1 "$BIN" operation add --db "$DB" --unit CA-829 --kind patrol --title x --geometry "$ROUTE" \
    --start "$END" --end "$START" && names_field planned_end
run 1 "$BIN" operation add --db "$DB" --unit NO-SUCH --kind patrol --title x --geometry "$ROUTE" \
    --start "$START" --end "$END" && names_field owner_unit_id
run 1 "$BIN" operation add --db "$DB" --as demo.reporter --kind patrol --title x --geometry "$ROUTE" \
    --start "$START" --end "$END" # a reporter does not plan
[ "$(q "SELECT count(*) FROM operations")" = "$before" ] || fail "refused plans were written"

# ---- list and show, as the installation and as people -------------------------------------
if run 0 "$BIN" operation list --db "$DB" --joint; then
    head -1 "$T/out" | grep -q "^ID  *KIND  *STATUS  *START  *END  *OWNER  *JOINT  *TITLE" || fail "list has no header"
    grep -q "^$ID  *patrol  *planned  *$DAY_VN 08:00  *$DAY_VN 12:00  *CA-829  *yes  *Tuần tra liên ngành" "$T/out" ||
        { fail "list does not show operation $ID as expected"; show; }
fi
run 0 "$BIN" operation list --db "$DB" --as demo.bp.duty &&
    { grep -q "^$ID " "$T/out" && fail "a border guard post sees the police-military patrol"; }
run 0 "$BIN" operation list --db "$DB" --as demo.coordinator --json &&
    { grep -q "\"id\": *$ID," "$T/out" || { fail "the military province does not see its district's patrol"; show; }; }
run 1 "$BIN" operation show --db "$DB" --as demo.bp.duty "$ID"
if run 0 "$BIN" operation show --db "$DB" "$ID"; then
    grep -q "^Operation  *$ID  Tuần tra liên ngành" "$T/out" || fail "show does not start with the operation"
    grep -q "QS-829" "$T/out" || fail "show does not list the military unit"
fi

# ---- workflow and the results log -----------------------------------------------------------
run 1 "$BIN" operation log --db "$DB" "$ID" --text "Trước giờ" && names_field status
run 1 "$BIN" operation status --db "$DB" "$ID" --status completed && names_field status
run 0 "$BIN" operation status --db "$DB" "$ID" --status active
run 1 "$BIN" operation log --db "$DB" "$ID" --text "Sai" --people-checked -1 && names_field people_checked
run 2 "$BIN" operation log --db "$DB" "$ID" --text "Sai" --lat 10.2
run 0 "$BIN" operation log --db "$DB" --as "$PERSON" "$ID" --text "Kiểm tra 4 người, 2 xe máy" \
    --people-checked 4 --vehicles-checked 2 --lat 10.26 --lon 106.25 --seized "2 bình xăng"
row=$(q "SELECT l.people_checked, l.vehicles_checked, l.items_seized, p.username FROM operation_log l JOIN people p ON p.id = l.person_id WHERE l.operation_id = $ID")
[ "$row" = "4|2|2 bình xăng|$PERSON" ] || fail "log entry stored as '$row'"
if run 0 "$BIN" operation show --db "$DB" "$ID"; then
    grep -q "1 entries; checked 4 people, 2 vehicles" "$T/out" || { fail "show has no summary"; show; }
    grep -q "Kiểm tra 4 người" "$T/out" || fail "show has no log"
fi
run 1 "$BIN" operation status --db "$DB" "$ID" --status cancelled && names_field reason
run 0 "$BIN" operation status --db "$DB" "$ID" --status completed
[ "$(q "SELECT status, ended_at > started_at FROM operations WHERE id = $ID")" = "completed|1" ] ||
    fail "the operation did not complete"
run 2 "$BIN" operation show --db "$DB" abc
run 1 "$BIN" operation show --db "$DB" 99999999

if [ "$FAILS" -ne 0 ]; then
    echo "test_operation.sh: $FAILS failure(s)"
    exit 1
fi
echo "test_operation.sh: ok"
