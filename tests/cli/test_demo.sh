#!/bin/sh
# test_demo.sh - `phoihop demo`: the expected numbers of areas, units and people at
# scales 1 and 2 (read back with sqlite3), the demo accounts and only they have a
# password, the same scale gives the same data, a second run is refused, progress
# is plain lines when stderr is not a terminal, and the audit chain of a fresh demo
# database verifies. Joint operations: a year of them of every kind, most joint,
# one active now with positions up to now, some planned ahead and some cancelled,
# completed ones with a track inside their active interval (every 10 s in the
# last 30 days, sparser before), results logs some of whose entries became
# incidents, and the vehicles, vessels and devices they used.
# Env: PHOIHOP_BIN, TMPDIR.
SHOW_LINES=30
. "$(dirname "$0")/lib.sh"
unset PHOIHOP_DB PHOIHOP_SCALE PHOIHOP_DEMO_PASSWORD PHOIHOP_LOG_LEVEL

# expect DB WHAT SQL WANT
expect() {
    got=$(sqlite3 -readonly "$1" "$3")
    [ "$got" = "$4" ] || fail "$2: got '$got', expected '$4'"
}

# ---- scale 1 on an initialised database --------------------------------------------
A="$T/a.db"
PHOIHOP_ADMIN_PASSWORD=admin-password-1 "$BIN" init --db "$A" >/dev/null 2>&1 || { fail "init failed"; exit 1; }
if "$BIN" demo --db "$A" >"$T/out" 2>"$T/err"; then
    grep -q "synthetic" "$T/out" || fail "the summary does not say the data is synthetic"
    grep -q "demo.duty" "$T/out" || fail "the summary does not list the demo accounts"
    grep -q "phoihop-demo" "$T/out" || fail "the summary does not give the default demo password"
    cp "$T/out" "$T/demo.out"
else
    fail "demo exited $?"
    show
fi
expect "$A" "areas" "SELECT count(*) FROM areas" 83
expect "$A" "areas by level/kind" \
    "SELECT group_concat(level || ':' || kind || ':' || n, ' ') FROM (SELECT level, kind, count(*) n FROM areas GROUP BY 1, 2 ORDER BY 1, 2)" \
    "commune:coastal:6 commune:inland:66 district:inland:9 district:sea:1 province:inland:1"
expect "$A" "province" "SELECT code || '|' || name FROM areas WHERE level = 'province'" "83|Tỉnh Bến Tre"
expect "$A" "sea area" "SELECT name FROM areas WHERE kind = 'sea'" "Vùng biển tỉnh Bến Tre"
expect "$A" "district names" "SELECT count(*) FROM areas WHERE level = 'district' AND name IN
    ('Thành phố Bến Tre', 'Huyện Châu Thành', 'Huyện Chợ Lách', 'Huyện Mỏ Cày Nam', 'Huyện Mỏ Cày Bắc',
     'Huyện Giồng Trôm', 'Huyện Bình Đại', 'Huyện Ba Tri', 'Huyện Thạnh Phú')" 9
expect "$A" "communes named Xã, with 5-digit codes" \
    "SELECT count(*) FROM areas WHERE level = 'commune' AND name LIKE 'Xã %' AND length(code) = 5 AND code GLOB '[0-9]*'" 72
expect "$A" "coastal communes only in Bình Đại, Ba Tri, Thạnh Phú" \
    "SELECT count(*) FROM areas c JOIN areas d ON d.id = c.parent_id WHERE c.kind = 'coastal' AND d.name NOT IN ('Huyện Bình Đại', 'Huyện Ba Tri', 'Huyện Thạnh Phú')" 0
expect "$A" "every area has a polygon" "SELECT count(*) FROM areas WHERE geometry IS NULL OR geometry NOT LIKE '%Polygon%'" 0
expect "$A" "units by force" \
    "SELECT group_concat(force || ':' || n, ' ') FROM (SELECT force, count(*) n FROM units GROUP BY 1 ORDER BY 1)" \
    "border_guard:7 military:82 police:82"
expect "$A" "province units" "SELECT group_concat(name, '|') FROM (SELECT name FROM units WHERE level = 'province' ORDER BY name)" \
    "Bộ Chỉ huy Bộ đội Biên phòng tỉnh Bến Tre|Bộ Chỉ huy Quân sự tỉnh Bến Tre|Công an tỉnh Bến Tre"
expect "$A" "district police named" "SELECT count(*) FROM units WHERE force = 'police' AND level = 'district' AND (name LIKE 'Công an huyện %' OR name = 'Công an thành phố Bến Tre')" 9
expect "$A" "commune military named" "SELECT count(*) FROM units WHERE force = 'military' AND level = 'commune' AND name LIKE 'Ban Chỉ huy Quân sự xã %'" 72
expect "$A" "border posts" "SELECT count(*) FROM units WHERE force = 'border_guard' AND level = 'district' AND name LIKE 'Đồn Biên phòng %'" 6
expect "$A" "units without areas" "SELECT count(*) FROM units u WHERE NOT EXISTS (SELECT 1 FROM unit_areas ua WHERE ua.unit_id = u.id)" 0
expect "$A" "commune units responsible for other than one commune" \
    "SELECT count(*) FROM units u WHERE u.level = 'commune' AND (SELECT count(*) FROM unit_areas ua JOIN areas a ON a.id = ua.area_id WHERE ua.unit_id = u.id AND a.level = 'commune') <> 1" 0
expect "$A" "border posts without the sea" \
    "SELECT count(*) FROM units u WHERE u.force = 'border_guard' AND NOT EXISTS (SELECT 1 FROM unit_areas ua JOIN areas a ON a.id = ua.area_id WHERE ua.unit_id = u.id AND a.kind = 'sea')" 0
# 402 in the units' roles, 156 patrol members (8 per border post, 6 per district
# police and military command), the administrator.
expect "$A" "people (with admin)" "SELECT count(*) FROM people" 559
expect "$A" "people without a unit" "SELECT count(*) FROM people WHERE unit_id IS NULL" 1
expect "$A" "people with a password" "SELECT group_concat(username, ' ') FROM (SELECT username FROM people WHERE password_hash IS NOT NULL ORDER BY username)" \
    "admin demo.admin.bp demo.admin.ca demo.admin.qs demo.bp.duty demo.commander demo.coordinator demo.duty demo.reporter demo.viewer"
expect "$A" "demo accounts' units" \
    "SELECT group_concat(p.username || '@' || u.code, ' ') FROM (SELECT * FROM people ORDER BY username) p JOIN units u ON u.id = p.unit_id WHERE p.username LIKE 'demo.%'" \
    "demo.admin.bp@BP-83 demo.admin.ca@CA-83 demo.admin.qs@QS-83 demo.bp.duty@$(sqlite3 -readonly "$A" "SELECT code FROM units WHERE name LIKE 'Đồn%' ORDER BY id LIMIT 1") demo.commander@CA-83 demo.coordinator@QS-83 demo.duty@CA-829 demo.reporter@$(sqlite3 -readonly "$A" "SELECT code FROM units WHERE force = 'police' AND level = 'commune' ORDER BY id LIMIT 1") demo.viewer@CA-83"
expect "$A" "unknown ranks" "SELECT count(*) FROM people WHERE rank IS NOT NULL AND rank NOT IN
    ('Đại tá', 'Thượng tá', 'Trung tá', 'Thiếu tá', 'Đại úy', 'Thượng úy', 'Trung úy', 'Thiếu úy',
     'Thượng sĩ', 'Trung sĩ', 'Hạ sĩ', 'Binh nhất')" 0
expect "$A" "ranks in commune militia" "SELECT count(*) FROM people p JOIN units u ON u.id = p.unit_id
    WHERE u.force = 'military' AND u.level = 'commune' AND p.rank IS NOT NULL" 0
expect "$A" "province commanders" "SELECT group_concat(rank || '/' || clearance, ' ') FROM people p JOIN units u ON u.id = p.unit_id
    WHERE u.level = 'province' AND p.position IN ('Giám đốc', 'Chỉ huy trưởng')" "Đại tá/3 Đại tá/3 Đại tá/3"
expect "$A" "distinct clearances" "SELECT count(DISTINCT clearance) FROM people" 4

# Progress on a pipe: plain lines, no carriage returns, at most one per 10%.
cr=$(printf '\r')
grep -q "$cr" "$T/err" && fail "progress wrote carriage returns to a non-terminal"
n=$(grep -c '^creating the demo province: [0-9]*% ([0-9]*/[0-9]*)$' "$T/err")
[ "$n" -ge 2 ] && [ "$n" -le 12 ] || { fail "expected 2..12 progress lines, got $n"; show; }
grep -q '^creating the demo province: 100% (\([0-9]*\)/\1)$' "$T/err" || fail "no final 100% progress line"

# The audit chain of a fresh demo database is intact.
if "$BIN" audit verify --db "$A" >"$T/out" 2>"$T/err"; then
    n=$(sqlite3 -readonly "$A" "SELECT count(*) FROM audit_log")
    grep -q "^audit chain intact: $n entries, head [0-9a-f]\{64\}$" "$T/out" || { fail "audit verify output"; show; }
else
    fail "audit verify on a fresh demo database exited $?"
    show
fi

# ---- joint operations, with their tracks ---------------------------------------------
# atleast DB WHAT SQL MIN [MAX]
atleast() {
    got=$(sqlite3 -readonly "$1" "$3")
    [ -n "$got" ] && [ "$got" -ge "$4" ] && { [ -z "${5:-}" ] || [ "$got" -le "$5" ]; } ||
        fail "$2: got '$got', expected $4..${5:-}"
}
NOW=$(date +%s)000
grep -q "operations: [0-9]* patrols" "$T/demo.out" || fail "the summary does not count the operations"
atleast "$A" "operations" "SELECT count(*) FROM operations" 101
expect "$A" "kinds and domains" "SELECT group_concat(k, ' ') FROM (SELECT DISTINCT kind || ':' || domain k FROM operations ORDER BY 1)" \
    "checkpoint:land control:land patrol:river patrol:sea"
atleast "$A" "joint operations" "SELECT count(*) FROM operations WHERE is_joint = 1" 100
atleast "$A" "not joint (a force alone)" "SELECT count(*) FROM operations WHERE is_joint = 0" 1
atleast "$A" "joint ones have units of two forces" "SELECT count(*) = sum(n >= 2) FROM (SELECT o.id, count(DISTINCT u.force) n
    FROM operations o JOIN operation_units ou ON ou.operation_id = o.id JOIN units u ON u.id = ou.unit_id WHERE o.is_joint = 1 GROUP BY o.id)" 1 1
atleast "$A" "sea patrols a week (about 6)" "SELECT count(*) / 52 FROM operations WHERE domain = 'sea'" 5 7
atleast "$A" "completed" "SELECT count(*) FROM operations WHERE status = 'completed'" 100
atleast "$A" "cancelled, with a reason" "SELECT count(*) FROM operations WHERE status = 'cancelled' AND cancel_reason <> ''" 1
expect "$A" "active now: one, started a couple of hours ago" \
    "SELECT count(*) || ':' || sum(started_at BETWEEN $NOW - 4 * 3600000 AND $NOW - 3600000) FROM operations WHERE status = 'active'" "1:1"
atleast "$A" "planned in the coming week" "SELECT count(*) FROM operations WHERE status = 'planned' AND planned_start > $NOW - 600000 AND planned_start < $NOW + 8 * 86400000" 1
expect "$A" "none planned long ago" "SELECT count(*) FROM operations WHERE status = 'planned' AND planned_start < $NOW - 86400000" 0
atleast "$A" "sea patrol titles" "SELECT count(*) FROM operations WHERE title LIKE 'Tuần tra chung tuyến biển %'" 50
atleast "$A" "checkpoint titles" "SELECT count(*) FROM operations WHERE kind = 'checkpoint' AND title LIKE 'Chốt chặn %'" 1
atleast "$A" "every operation covers areas" "SELECT count(*) = 0 FROM operations o WHERE NOT EXISTS (SELECT 1 FROM operation_areas a WHERE a.operation_id = o.id)" 1 1
expect "$A" "a person on two overlapping operations" "SELECT count(*) FROM operation_people p1 JOIN operation_people p2
    ON p2.person_id = p1.person_id AND p2.operation_id > p1.operation_id
    JOIN operations a ON a.id = p1.operation_id JOIN operations b ON b.id = p2.operation_id
    WHERE a.status <> 'cancelled' AND b.status <> 'cancelled' AND a.planned_start < b.planned_end AND b.planned_start < a.planned_end" 0
atleast "$A" "vessels BP-NN-NN" "SELECT count(*) FROM assets WHERE kind = 'vessel' AND code GLOB 'BP-[0-9][0-9]-[0-9][0-9]'" 12
atleast "$A" "vehicles 71A-NNN.NN" "SELECT count(*) FROM assets WHERE kind = 'vehicle' AND code GLOB '71[AC]-[0-9][0-9][0-9].[0-9][0-9]'" 18
expect "$A" "a tracker on every vessel" "SELECT count(*) FROM assets a WHERE a.kind = 'vessel' AND NOT EXISTS
    (SELECT 1 FROM devices d WHERE d.asset_id = a.id AND d.kind = 'tracker')" 0
atleast "$A" "ATAK phones of patrol members" "SELECT count(*) FROM devices WHERE kind = 'tak' AND person_id <> 0 AND uid GLOB 'ANDROID-*' AND callsign GLOB '[BCQ][PAS]-*-[0-9][0-9]'" 80
atleast "$A" "positions" "SELECT count(*) FROM positions" 500000
atleast "$A" "results log entries" "SELECT count(*) FROM operation_log" 300
atleast "$A" "log entries that became incidents" "SELECT count(*) FROM operation_log l JOIN incidents i ON i.id = l.incident_id" 5 100
# The newest completed sea patrol: points of its members' phones inside its active
# interval, every 10 s; one three months back, every minute.
track() { # DB OP -> "points first>=start last<=end mean step in s"
    sqlite3 -readonly "$1" "SELECT count(*) || ' ' || (min(p.at) >= o.started_at) || ' ' || (max(p.at) <= o.ended_at) || ' ' ||
        CAST(round((max(p.at) - min(p.at)) / 1000.0 / (count(*) - 1)) AS INTEGER)
        FROM operations o JOIN operation_people op ON op.operation_id = o.id
        JOIN devices d ON d.person_id = op.person_id AND d.kind = 'tak'
        JOIN positions p ON p.device_id = d.id AND p.at BETWEEN o.started_at AND o.ended_at
        WHERE o.id = $2 AND d.id = (SELECT min(d2.id) FROM devices d2 JOIN operation_people op2 ON op2.person_id = d2.person_id
            JOIN positions p2 ON p2.device_id = d2.id AND p2.at BETWEEN o.started_at AND o.ended_at WHERE op2.operation_id = o.id)"
}
RECENT=$(sqlite3 -readonly "$A" "SELECT max(id) FROM operations WHERE status = 'completed' AND domain = 'sea' AND ended_at < $NOW - 86400000")
set -- $(track "$A" "$RECENT")
[ "${1:-0}" -gt 100 ] && [ "${2:-}" = 1 ] && [ "${3:-}" = 1 ] && [ "${4:-}" = 10 ] ||
    fail "track of recent operation $RECENT: got '$*', expected >100 points inside its interval every 10 s"
OLD=$(sqlite3 -readonly "$A" "SELECT max(id) FROM operations WHERE status = 'completed' AND domain = 'sea' AND ended_at < $NOW - 90 * 86400000")
set -- $(track "$A" "$OLD")
[ "${1:-0}" -gt 100 ] && [ "${2:-}" = 1 ] && [ "${3:-}" = 1 ] && [ "${4:-}" = 60 ] ||
    fail "track of old operation $OLD: got '$*', expected >100 points inside its interval every 60 s"
ACTIVE=$(sqlite3 -readonly "$A" "SELECT id FROM operations WHERE status = 'active'")
atleast "$A" "the active patrol's positions reach (nearly) now" "SELECT ($NOW - max(p.at)) / 60000 FROM operation_people op
    JOIN devices d ON d.person_id = op.person_id JOIN positions p ON p.device_id = d.id WHERE op.operation_id = $ACTIVE" 0 30
if "$BIN" operation show --db "$A" "$RECENT" >"$T/out" 2>"$T/err"; then
    grep -q "^Status *completed" "$T/out" || { fail "operation show: no completed status"; show; }
    grep -q "^Results *[1-9][0-9]* entries" "$T/out" || { fail "operation show: no results log"; show; }
else
    fail "operation show $RECENT exited $?"
    show
fi

# A second run is refused and adds nothing.
"$BIN" demo --db "$A" >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" -eq 1 ] || fail "second demo exited $rc, expected 1"
grep -q "already has the demo province" "$T/err" || { fail "second demo: no clear message"; show; }
expect "$A" "people after a refused second run" "SELECT count(*) FROM people" 559
expect "$A" "areas after a refused second run" "SELECT count(*) FROM areas" 83

# ---- determinism: a second database at the same scale holds the same records ------------
B="$T/b.db"
(umask 022; "$BIN" demo --db "$B" >/dev/null 2>&1) || fail "demo on a new database without init failed"
# It holds password hashes: only the owner may read it, whatever the umask.
[ "$(stat -c %a "$B")" = 600 ] || fail "demo created $B with mode $(stat -c %a "$B"), want 600"
for sql in "SELECT code, name, level, kind, geometry FROM areas ORDER BY code" \
    "SELECT code, name, force, level, phone FROM units ORDER BY code" \
    "SELECT username, full_name, rank, position, roles, clearance FROM people WHERE username <> 'admin' ORDER BY username"; do
    [ "$(sqlite3 -readonly "$A" "$sql")" = "$(sqlite3 -readonly "$B" "$sql")" ] || fail "not deterministic: $sql"
done

# ---- scale 2, options from the environment, a demo password from the environment ----
C="$T/c.db"
if PHOIHOP_DB="$C" PHOIHOP_SCALE=2 PHOIHOP_DEMO_PASSWORD=another-demo-pw "$BIN" demo >"$T/out" 2>"$T/err"; then
    grep -q "PHOIHOP_DEMO_PASSWORD" "$T/out" || fail "the summary does not say the password came from the environment"
    grep -q "another-demo-pw" "$T/out" && fail "the summary printed the password from the environment"
    expect "$C" "scale 2 areas" "SELECT count(*) FROM areas" 155
    expect "$C" "scale 2 coastal communes" "SELECT count(*) FROM areas WHERE kind = 'coastal'" 12
    expect "$C" "scale 2 units" "SELECT count(*) FROM units" 315
    expect "$C" "scale 2 people" "SELECT count(*) FROM people" 846
    expect "$C" "unique commune names" "SELECT count(DISTINCT name) FROM areas WHERE level = 'commune'" 144
else
    fail "demo at scale 2 exited $?"
    show
fi
PHOIHOP_DEMO_PASSWORD=short "$BIN" demo --db "$T/d.db" >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" -eq 1 ] || fail "a too short PHOIHOP_DEMO_PASSWORD: exit $rc, expected 1"

if [ "$FAILS" -ne 0 ]; then
    echo "test_demo: $FAILS check(s) failed"
    exit 1
fi
echo "test_demo: ok"
