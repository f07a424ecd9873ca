#!/bin/sh
# test_positions.sh - `phoihop positions import FILE` on a fresh database with
# the demo units: a GPX track (--uid, as a person: the device is bound to them)
# and a CSV file are stored and counted, a point already stored counts as such,
# bad points are refused with their line and field (exit 1, the rest stored),
# hostile or malformed files are refused whole, and a GPX without --uid is a
# usage error. Read back with sqlite3.
# Env: PHOIHOP_BIN, TMPDIR.
. "$(dirname "$0")/lib.sh"
unset PHOIHOP_DB PHOIHOP_PASSWORD PHOIHOP_UID PHOIHOP_AS PHOIHOP_FORMAT PHOIHOP_CALLSIGN \
    PHOIHOP_LOG_LEVEL PHOIHOP_DEMO_PASSWORD
DB="$T/p.db"

demo_db "$DB" || exit 1
unit=$(q "SELECT code FROM units WHERE force = 'border_guard' ORDER BY length(path) DESC, id LIMIT 1")
PHOIHOP_PASSWORD=mat-khau-123456 run 0 "$BIN" people add --db "$DB" --username tuan.tra \
    --full-name "Trần Văn Tuần" --unit "$unit" --role reporter || exit 1

cat >"$T/track.gpx" <<'GPX'
<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">
 <trk><name>Tuần tra sông Hậu</name><trkseg>
  <trkpt lat="10.245" lon="106.375"><ele>3.5</ele><time>2026-03-02T01:30:00Z</time></trkpt>
  <trkpt lat="10.2455" lon="106.3755"><time>2026-03-02T01:30:10Z</time></trkpt>
  <trkpt lat="10.246" lon="106.376"><time>2026-03-02T01:30:20Z</time></trkpt>
  <trkpt lat="95" lon="106.376"><time>2026-03-02T01:30:30Z</time></trkpt>
 </trkseg></trk>
</gpx>
GPX

# A GPX names no device.
run 2 "$BIN" positions import "$T/track.gpx" --db "$DB"
# As the installation, an unknown uid has nobody to be bound to: refused.
run 1 "$BIN" positions import "$T/track.gpx" --db "$DB" --uid gpx-boat-1
grep -q "0 stored" "$T/out" || fail "import as the system stored something: $(cat "$T/out")"
# As a person: bound to them; the bad point refused with its number and field.
run 1 "$BIN" positions import "$T/track.gpx" --db "$DB" --uid gpx-boat-1 --as tuan.tra
grep -q "4 read, 3 stored, 0 already stored, 1 refused" "$T/out" || fail "gpx counts: $(cat "$T/out")"
grep -q "point 4: refused (lat)" "$T/err" || fail "gpx refusal: $(cat "$T/err")"
[ "$(q "SELECT count(*) FROM positions p JOIN devices d ON d.id = p.device_id WHERE d.uid = 'gpx-boat-1'")" = 3 ] ||
    fail "gpx points not stored"
[ "$(q "SELECT callsign FROM devices WHERE uid = 'gpx-boat-1'")" = "Tuần tra sông Hậu" ] ||
    fail "the track name is not the callsign"
[ "$(q "SELECT p.username FROM devices d JOIN people p ON p.id = d.person_id WHERE d.uid = 'gpx-boat-1'")" = tuan.tra ] ||
    fail "the device is not bound to tuan.tra"
# Again: already stored.
run 1 "$BIN" positions import "$T/track.gpx" --db "$DB" --uid gpx-boat-1 --as tuan.tra
grep -q "4 read, 0 stored, 3 already stored, 1 refused" "$T/out" || fail "gpx again: $(cat "$T/out")"

cat >"$T/pos.csv" <<'CSV'
uid,time,lat,lon,speed,course,alt,battery
csv-phone-1,2026-03-02T02:00:00Z,10.3,106.4,4.5,90,2,80
csv-phone-1,1772416810000,10.301,106.401,,,,
csv-phone-1,2026-03-02T02:01:00Z,10.302,abc,,,,
CSV
run 1 "$BIN" positions import "$T/pos.csv" --db "$DB" --as tuan.tra
grep -q "3 read, 2 stored, 0 already stored, 1 refused" "$T/out" || fail "csv counts: $(cat "$T/out")"
grep -q "line 4: refused (lon)" "$T/err" || fail "csv refusal: $(cat "$T/err")"
head -3 "$T/pos.csv" >"$T/good.csv"
run 0 "$BIN" positions import "$T/good.csv" --db "$DB" --as tuan.tra --format csv
grep -q "2 read, 0 stored, 2 already stored, 0 refused" "$T/out" || fail "csv again: $(cat "$T/out")"
[ "$(q "SELECT last_battery FROM devices WHERE uid = 'csv-phone-1'")" = "" ] ||
    fail "the latest position is not the newest fix"

# Whole files refused.
printf 'uid,when,lat,lon\n' >"$T/bad.csv"
run 1 "$BIN" positions import "$T/bad.csv" --db "$DB" --as tuan.tra
grep -q "header" "$T/err" || fail "bad header not named: $(cat "$T/err")"
printf '<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY x SYSTEM "file:///etc/passwd">]><gpx><trk><name>&x;</name></trk></gpx>' >"$T/xxe.gpx"
run 1 "$BIN" positions import "$T/xxe.gpx" --db "$DB" --uid x --as tuan.tra
grep -q "passwd\|root:" "$T/out" "$T/err" && fail "an external entity was read"
run 2 "$BIN" positions import "$T/pos.csv" --db "$DB" --format kml
run 1 "$BIN" positions import "$T/none.csv" --db "$DB"
run 0 "$BIN" audit verify --db "$DB"

if [ "$FAILS" -ne 0 ]; then
    echo "test_positions: $FAILS check(s) failed"
    exit 1
fi
echo "test_positions: ok"
