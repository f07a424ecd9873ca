#!/bin/sh
# test_hotspots.sh - `phoihop hotspots` on a fresh demo database: the Gi* table
# (its summary lines and, when something is significant, the header of the
# cells), the same analysis as GeoJSON (a FeatureCollection whose meta says the
# parameters), emerging hot spots (class counts) and density, an unknown person
# for --as (exit 1), and usage errors (exit 2): a malformed or out-of-range
# value names its option, two analyses or two kinds of neighbours at once, an
# option of another analysis, an unknown category. Checked with python3's json.
# Env: PHOIHOP_BIN, TMPDIR.
. "$(dirname "$0")/lib.sh"
unset PHOIHOP_DB PHOIHOP_AS PHOIHOP_SINCE PHOIHOP_UNTIL PHOIHOP_CATEGORY PHOIHOP_FORCE \
    PHOIHOP_AREA PHOIHOP_WEIGHT PHOIHOP_CELL PHOIHOP_SHAPE PHOIHOP_BAND PHOIHOP_KNN \
    PHOIHOP_ALPHA PHOIHOP_EMERGING PHOIHOP_SLICE PHOIHOP_TIME_NEIGHBOURS PHOIHOP_DENSITY \
    PHOIHOP_BANDWIDTH PHOIHOP_GEOJSON PHOIHOP_LOG_LEVEL PHOIHOP_DEMO_PASSWORD
DB="$T/h.db"

demo_db "$DB" || exit 1

# Gi* over the demo's year: the summary lines, and the cells' table when any.
run 0 "$BIN" hotspots --db "$DB" --since 2020-01-01 --cell 1000 --band 2000
grep -q "^Gi\*: [0-9]* incidents from 01/01/2020 00:00 to [0-9/]* [0-9:]*, [0-9]* cells of 1000 m (square)$" "$T/out" ||
    fail "gistar summary: $(head -3 "$T/out")"
grep -q "^neighbours: within 2000 m; false discovery rate 0.05$" "$T/out" || fail "gistar weights: $(head -3 "$T/out")"
grep -q "^[0-9]* hot, [0-9]* cold$" "$T/out" || fail "gistar counts: $(head -3 "$T/out")"
if ! grep -q "^0 hot, 0 cold$" "$T/out"; then
    grep -q "^cell  *lat  *lon  *count  *z  *p  *kind$" "$T/out" || fail "gistar table: $(sed -n 4p "$T/out")"
fi

# The same as GeoJSON.
run 0 "$BIN" hotspots --db "$DB" --since 2020-01-01 --cell 1000 --knn 6 --shape hexagon --geojson
python3 - "$T/out" <<'PY' || fail "gistar geojson"
import json, sys
fc = json.load(open(sys.argv[1]))
assert fc["type"] == "FeatureCollection"
m = fc["meta"]
assert m["analysis"] == "gistar" and m["weights"] == "knn" and m["k"] == 6, m
assert m["shape"] == "hexagon" and m["cell_m"] == 1000 and m["band_m"] is None, m
for f in fc["features"]:
    p = f["properties"]
    assert f["id"] == p["cell"] and f["geometry"]["type"] == "Polygon"
    ring = f["geometry"]["coordinates"][0]
    assert len(ring) == 7 and ring[0] == ring[-1], ring
    assert p["count"] > 0 or p["significant"], p
    assert p["kind"] in ("hot", "cold", None)
PY

# Emerging hot spots and density.
run 0 "$BIN" hotspots --db "$DB" --since 2020-01-01 --cell 2000 --band 4000 --emerging --slice month
grep -q "^Emerging hot spots: " "$T/out" || fail "emerging summary: $(head -3 "$T/out")"
grep -q "^[0-9]* slices of 30 days$" "$T/out" || fail "emerging slices: $(head -4 "$T/out")"
run 0 "$BIN" hotspots --db "$DB" --since 2020-01-01 --cell 1000 --density --bandwidth 3000 --geojson
python3 - "$T/out" <<'PY' || fail "density geojson"
import json, sys
fc = json.load(open(sys.argv[1]))
m = fc["meta"]
assert m["analysis"] == "density" and m["bandwidth_m"] == 3000, m
assert all(f["properties"]["density"] > 0 for f in fc["features"])
assert not fc["features"] or max(f["properties"]["density"] for f in fc["features"]) == m["max"]
PY

# Who: an unknown person fails; usage errors name the option.
run 1 "$BIN" hotspots --db "$DB" --as nobody.here
run 2 "$BIN" hotspots --db "$DB" --cell abc
grep -q -- "--cell" "$T/err" || fail "bad --cell message: $(cat "$T/err")"
run 2 "$BIN" hotspots --db "$DB" --cell 10
grep -q -- "--cell" "$T/err" || fail "small --cell message: $(cat "$T/err")"
run 2 "$BIN" hotspots --db "$DB" --knn 0
grep -q -- "--knn" "$T/err" || fail "bad --knn message: $(cat "$T/err")"
run 2 "$BIN" hotspots --db "$DB" --band 1000 --knn 8
run 2 "$BIN" hotspots --db "$DB" --emerging --density
run 2 "$BIN" hotspots --db "$DB" --slice week
run 2 "$BIN" hotspots --db "$DB" --bandwidth 900
run 2 "$BIN" hotspots --db "$DB" --category no_such_code
grep -q -- "--category" "$T/err" || fail "unknown category message: $(cat "$T/err")"
run 2 "$BIN" hotspots --db "$DB" --since yesterday
run 2 "$BIN" hotspots --db "$DB" --no-such-option
run 0 "$BIN" hotspots --help
grep -q "Usage: phoihop hotspots" "$T/out" || fail "help: $(head -2 "$T/out")"

[ "$FAILS" -eq 0 ] && echo "ok: hotspots" || exit 1
