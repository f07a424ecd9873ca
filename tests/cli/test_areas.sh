#!/bin/sh
# test_areas.sh - `phoihop areas import FILE --kind ...` on a fresh database with
# the real files of ../shared/geo/ (skipped, saying so, when they are missing):
# Bến Tre's list (--province 83: 1 province, 9 districts, 148 communes with their
# official codes, names and parents), a dry run that writes no area, a re-run
# that changes nothing, the province's boundaries, and the July 2025
# reorganisation (old areas closed on 2025-07-01, Vĩnh Long and its communes
# opened, successions recorded); bad files and options refused with the field
# named (exit 1) or as usage errors (exit 2); --help. Read back with sqlite3.
# Env: PHOIHOP_BIN, TMPDIR; GEO_DIR (default ../shared/geo).
. "$(dirname "$0")/lib.sh"
GEO="${GEO_DIR:-../shared/geo}"
unset PHOIHOP_DB PHOIHOP_KIND PHOIHOP_PROVINCE PHOIHOP_EFFECTIVE PHOIHOP_DRY_RUN PHOIHOP_LOG_LEVEL
DB="$T/a.db"

# Line "name: value" of the report.
val() { sed -n "s/^$1: //p" "$T/out"; }
expect() { [ "$(val "$1")" = "$2" ] || { fail "$3: $1 is '$(val "$1")', expected $2"; show; }; }

run 0 "$BIN" areas import --help && {
    grep -q "Usage: phoihop areas import" "$T/out" || fail "--help lacks its usage line"
    grep -q "PHOIHOP_DB" "$T/out" || fail "--help does not list PHOIHOP_DB"
}
run 0 "$BIN" areas --help
run 2 "$BIN" areas
run 2 "$BIN" areas frobnicate

if [ ! -f "$GEO/dvhcvn-2025-03-01.json" ]; then
    echo "test_areas: skipped: $GEO/dvhcvn-2025-03-01.json not found (the real data lives in ../shared/geo/)"
    exit 0
fi
LIST="$GEO/dvhcvn-2025-03-01.json"
GIS="$GEO/gis-83-ben-tre.json"
MERGES="$GEO/units-2025-07-01-merges.json"

PHOIHOP_ADMIN_PASSWORD=admin-password-1 "$BIN" init --db "$DB" >/dev/null 2>&1 || { fail "init failed"; exit 1; }

# Usage errors.
run 2 "$BIN" areas import "$LIST" --db "$DB"
grep -q -- "--kind" "$T/err" || fail "a missing --kind is not named"
run 2 "$BIN" areas import "$LIST" --db "$DB" --kind atlas
run 2 "$BIN" areas import "$LIST" --db "$DB" --kind list --effective 2025-13-01
run 2 "$BIN" areas import "$MERGES" --db "$DB" --kind reorganisation --province 83
run 2 "$BIN" areas import --db "$DB" --kind list

# A dry run: the report, and no area written.
if run 0 "$BIN" areas import "$LIST" --db "$DB" --kind list --province 83 --dry-run; then
    grep -q "dry run" "$T/out" || fail "the dry run does not say so"
    expect units 158 "dry run"
    expect created 158 "dry run"
fi
[ "$(q "SELECT count(*) FROM areas")" = 0 ] || fail "the dry run wrote areas"
[ "$(q "SELECT count(*) FROM area_imports WHERE dry_run = 1")" = 1 ] || fail "the dry run has no area_imports row"

# The list of Bến Tre.
if run 0 "$BIN" areas import "$LIST" --db "$DB" --kind list --province 83; then
    expect units 158 "list"
    expect effective 2025-03-01 "list"
    expect created 158 "list"
    expect unchanged 0 "list"
    grep -q "same file again" "$T/out" && fail "a first import says 'same file again'"
fi
[ "$(q "SELECT name || '|' || valid_from FROM areas WHERE level = 'province'")" = "Tỉnh Bến Tre|2025-03-01" ] ||
    fail "province: $(q "SELECT code, name, valid_from FROM areas WHERE level = 'province'")"
[ "$(q "SELECT count(*) FROM areas WHERE level = 'district' AND parent_id = (SELECT id FROM areas WHERE code = '83')")" = 9 ] ||
    fail "not 9 districts under 83"
[ "$(q "SELECT count(*) FROM areas WHERE level = 'commune'")" = 148 ] || fail "not 148 communes"
[ "$(q "SELECT p.code FROM areas AS c JOIN areas AS p ON p.id = c.parent_id WHERE c.code = '28756'")" = 829 ] ||
    fail "28756 is not under 829"
[ "$(q "SELECT name FROM areas WHERE code = '837'")" = "Huyện Thạnh Phú" ] || fail "837 is not Huyện Thạnh Phú"
[ "$(q "SELECT count(*) FROM audit_log WHERE action = 'area.import'")" = 1 ] || fail "not one audit entry"

# Again: nothing changes.
if run 0 "$BIN" areas import "$LIST" --db "$DB" --kind list --province 83; then
    expect unchanged 158 "re-run"
    expect created 0 "re-run"
    grep -q "same file again" "$T/out" || fail "a re-run does not say 'same file again'"
fi

# Boundaries.
if run 0 "$BIN" areas import "$GIS" --db "$DB" --kind boundaries --province 83; then
    expect units 10 "boundaries"
    expect geometries 10 "boundaries"
fi
[ "$(q "SELECT count(*) FROM areas WHERE geometry IS NOT NULL")" = 10 ] || fail "not 10 outlines"
[ "$(q "SELECT group_concat(code, ' ') FROM (SELECT code FROM areas WHERE kind = 'coastal' ORDER BY code)")" = "83 835 836 837" ] ||
    fail "coastal: $(q "SELECT group_concat(code, ' ') FROM areas WHERE kind = 'coastal'")"

# The reorganisation of 1 July 2025.
if run 0 "$BIN" areas import "$MERGES" --db "$DB" --kind reorganisation --province 83 --effective 2025-07-01; then
    expect units 50 "reorganisation"
    expect created 50 "reorganisation"
    expect closed 158 "reorganisation"
    expect successions 150 "reorganisation"
fi
[ "$(q "SELECT valid_to FROM areas WHERE code = '83'")" = 2025-07-01 ] || fail "83 not closed on 2025-07-01"
[ "$(q "SELECT name || '|' || valid_from || '|' || kind FROM areas WHERE code = '86'")" = "Tỉnh Vĩnh Long|2025-07-01|coastal" ] ||
    fail "86: $(q "SELECT name, valid_from, kind FROM areas WHERE code = '86'")"
[ "$(q "SELECT count(*) FROM areas WHERE valid_from <= '2025-07-01' AND (valid_to IS NULL OR valid_to > '2025-07-01')")" = 50 ] ||
    fail "the map of 2025-07-01 is not 50 areas"
[ "$(q "SELECT group_concat(n.code || ':' || s.kind, ' ') FROM (SELECT * FROM area_successions ORDER BY new_area_id) AS s
       JOIN areas AS n ON n.id = s.new_area_id JOIN areas AS o ON o.id = s.old_area_id WHERE o.code = '28924'")" = "28921:partial 29734:partial" ] ||
    fail "28924's successions"
run 0 "$BIN" areas import "$MERGES" --db "$DB" --kind reorganisation --province 83 --effective 2025-07-01 &&
    expect unchanged 50 "reorganisation re-run"

# Refused files: the field and the place named, nothing written.
n=$(q "SELECT count(*) FROM area_imports")
run 1 "$BIN" areas import "$GIS" --db "$DB" --kind list && { grep -q "field 'file'" "$T/err" || fail "wrong kind: $(cat "$T/err")"; }
head -c 100000 "$LIST" >"$T/cut.json"
run 1 "$BIN" areas import "$T/cut.json" --db "$DB" --kind list && { grep -q "not JSON" "$T/err" || fail "truncated: $(cat "$T/err")"; }
run 1 "$BIN" areas import "$LIST" --db "$DB" --kind list --province 99 && { grep -q "field 'province'" "$T/err" || fail "province 99: $(cat "$T/err")"; }
printf '{"data":[{"level1_id":"83","name":"A","type":"Tỉnh","level2s":[{"level2_id":"8290","name":"B","type":"Huyện","level3s":[]}]}]}' >"$T/bad.json"
run 1 "$BIN" areas import "$T/bad.json" --db "$DB" --kind list && { grep -q 'level2s\[0\] "level2_id" must be 3 digits' "$T/err" || fail "bad code: $(cat "$T/err")"; }
run 1 "$BIN" areas import "$T/none.json" --db "$DB" --kind list
[ "$(q "SELECT count(*) FROM area_imports")" = "$n" ] || fail "a refused import left an area_imports row"
run 0 "$BIN" audit verify --db "$DB"

if [ "$FAILS" -ne 0 ]; then
    echo "test_areas: $FAILS check(s) failed"
    exit 1
fi
echo "test_areas: ok"
