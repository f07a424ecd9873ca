#!/bin/sh
# test_migrate.sh - `phoihop migrate`: the demo database (a fiftieth of its
# positions kept, two attachments and a few extreme doubles added) copied to
# PostgreSQL and from there to a new SQLite file comes back the same: every
# table but the full-text index's and the R*Tree's shadow tables (which hold
# the same index built anew), value by value (doubles to 20 digits, bytes in
# hex), the area boxes and search words rebuilt identical. The counts printed
# are the source's, both ways; the audit chain verifies on the PostgreSQL copy
# and on the round trip, with the original's entries and head; a search finds
# the same incidents in all three. Refused, with the destination unchanged: a
# destination holding data (PostgreSQL, SQLite, one made by `init`), a bad or
# unreachable URL (no destination file made), --from and --to the same,
# options missing (usage). The id counters (sqlite_sequence) come back the same,
# an emptied table's included.
# Its own throwaway PostgreSQL (scripts/pg.sh, stopped by the trap). Skipped
# (exit 0) only when the PostgreSQL server binaries are missing.
# Env: PHOIHOP_BIN, TMPDIR, PGBIN (default /usr/lib/postgresql/15/bin).
SHOW_LINES=30
. "$(dirname "$0")/lib.sh"
unset PHOIHOP_DB PHOIHOP_FROM PHOIHOP_TO PHOIHOP_LOG_LEVEL PHOIHOP_AS PHOIHOP_Q PHOIHOP_LIMIT
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
export PGBIN

if [ ! -x "$PGBIN/initdb" ] || [ ! -x "$PGBIN/pg_ctl" ]; then
    echo "test_migrate: skipped: no PostgreSQL server in $PGBIN (scripts/deps.sh test installs it)"
    exit 0
fi
# scripts/pg.sh keeps the cluster where the user postgres can reach it (as root).
PGDIR="$T/pg"
cleanup() {
    "$ROOT/scripts/pg.sh" stop "$PGDIR" >/dev/null 2>&1
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
URL=$("$ROOT/scripts/pg.sh" start "$PGDIR" fast 2>"$T/pg.err") || {
    fail "cannot start PostgreSQL"
    cat "$T/pg.err"
    exit 1
}

# tables DB: the tables compared, by name: all but SQLite's own and the shadow
# tables of the full-text index (whose segments depend on the order of
# indexing) and of the R*Tree (its pages); area_bbox itself is compared.
tables() {
    sqlite3 -readonly "$1" "SELECT name FROM sqlite_master WHERE type = 'table'
        AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND name NOT LIKE 'incidents\_fts%' ESCAPE '\'
        AND name NOT LIKE 'area\_bbox\_%' ESCAPE '\' ORDER BY name"
}
# dump DB: every compared table sorted by all its columns, values quoted
# (doubles to 20 significant digits, blobs in hex).
dump() {
    for t in $(tables "$1"); do
        n=$(sqlite3 -readonly "$1" "SELECT count(*) FROM pragma_table_info('$t')")
        echo "== $t"
        sqlite3 -readonly -cmd '.mode quote' "$1" "SELECT * FROM \"$t\" ORDER BY $(seq -s, 1 "$n")"
    done
}
# counts FILE: the "table rows" lines of a migrate summary, sorted.
counts() { awk 'NR > 2 { print $1, $2 }' "$1" | sort; }
# verify DB: audit verify's verdict line into $T/verdict.
verify() {
    run 0 "$BIN" audit verify --db "$1" && cp "$T/out" "$T/verdict"
}

# ---- the source ------------------------------------------------------------------
A="$T/a.db"
demo_db "$A" || exit 1
# The demo's 1.5 million positions would take most of the time: a fiftieth
# stays. Attachments (the demo has none): a 300 KB blob and one with zero
# bytes. Doubles that a decimal rendering of fewer than 17 digits would alter.
sqlite3 "$A" "DELETE FROM positions WHERE (at / 1000) % 50 <> 0;
    INSERT INTO attachment_blobs (sha256, size, created_at, data) VALUES
        (randomblob(32), 300000, 1700000000000, randomblob(300000)),
        (randomblob(32), 3, 1700000000001, x'00ff00');
    INSERT INTO attachments (incident_id, filename, content_type, size, sha256, note, created_by,
                             created_at)
    SELECT (SELECT min(id) FROM incidents), 'ảnh hiện trường ''1''.jpg', 'image/jpeg', size, sha256,
           'Ghi chú \"trích\"', 1, created_at FROM attachment_blobs;
    UPDATE devices SET last_speed = 0.1 + 0.2, last_course = 1e-310,
                       last_alt = 1.7976931348623157e308
    WHERE id = (SELECT min(id) FROM devices);
    DELETE FROM outbox;" || { fail "preparing the source failed"; exit 1; }
# The outbox emptied (as retention could): its id counter must still travel, or
# ids clients have seen (Last-Event-ID) would be given again.
sqlite3 -readonly "$A" "SELECT name, seq FROM sqlite_sequence ORDER BY name" >"$T/a.seq"
grep -q '^outbox|[1-9]' "$T/a.seq" || fail "the source has no outbox counter to carry"
dump "$A" >"$T/a.dump"
{ grep -q "^== attachment_blobs" "$T/a.dump" && grep -q "X'00ff00'" "$T/a.dump"; } || fail "the source dump lacks the attachments"
verify "$A" && mv "$T/verdict" "$T/a.verdict"
grep -q "^audit chain intact: [0-9]* entries" "$T/a.verdict" 2>/dev/null || fail "the source's audit chain does not verify"
# The tables migrate copies, with the source's rows.
for t in $(tables "$A"); do
    case $t in incident_terms | area_bbox | incidents_fts*) continue ;; esac
    echo "$t $(sqlite3 -readonly "$A" "SELECT count(*) FROM \"$t\"")"
done | sort >"$T/a.counts"

# ---- SQLite to PostgreSQL ----------------------------------------------------------
PG="${URL}copy"
if run 0 "$BIN" migrate --from "sqlite:$A" --to "$PG"; then
    cp "$T/out" "$T/m1.out"
    counts "$T/m1.out" >"$T/m1.counts"
    diff "$T/a.counts" "$T/m1.counts" >"$T/diff" || { fail "the counts printed (to PostgreSQL) are not the source's"; head -20 "$T/diff"; }
    total=$(awk '{ s += $2 } END { print s }' "$T/a.counts")
    grep -q "^phoihop: migrated $(wc -l <"$T/a.counts") tables, $total rows\.$" "$T/m1.out" || { fail "summary line"; head -1 "$T/m1.out"; }
    grep -q "copying rows: 100% ($total/$total)" "$T/err" || { fail "no progress on stderr"; show; }
fi
if verify "$PG"; then
    cmp -s "$T/a.verdict" "$T/verdict" || { fail "the PostgreSQL copy's audit chain differs"; cat "$T/a.verdict" "$T/verdict"; }
fi

# ---- PostgreSQL to SQLite ----------------------------------------------------------
B="$T/b.db"
if run 0 "$BIN" migrate --from "$PG" --to "sqlite:$B"; then
    counts "$T/out" >"$T/m2.counts"
    diff "$T/a.counts" "$T/m2.counts" >"$T/diff" || { fail "the counts printed (to SQLite) are not the source's"; head -20 "$T/diff"; }
fi
dump "$B" >"$T/b.dump"
sqlite3 -readonly "$B" "SELECT name, seq FROM sqlite_sequence ORDER BY name" >"$T/b.seq"
if ! cmp -s "$T/a.seq" "$T/b.seq"; then
    fail "the id counters (sqlite_sequence) did not survive the round trip"
    diff "$T/a.seq" "$T/b.seq" | head -10
fi
if ! cmp -s "$T/a.dump" "$T/b.dump"; then
    fail "the round trip is not the original"
    diff "$T/a.dump" "$T/b.dump" | cut -c1-200 | head -20
fi
if verify "$B"; then
    cmp -s "$T/a.verdict" "$T/verdict" || { fail "the round trip's audit chain differs"; cat "$T/a.verdict" "$T/verdict"; }
fi

# ---- refusals (before the searches: reads are audited, and would change the
# audit log the checks below compare) --------------------------------------------------
# A PostgreSQL destination with data.
if run 1 "$BIN" migrate --from "$A" --to "$PG"; then
    grep -q "already holds data" "$T/err" || { fail "refusal (PostgreSQL): no clear message"; show; }
fi
verify "$PG" && { cmp -s "$T/a.verdict" "$T/verdict" || fail "a refused migrate changed the PostgreSQL destination"; }
# A SQLite destination with data.
if run 1 "$BIN" migrate --from "$PG" --to "$B"; then
    grep -q "already holds data" "$T/err" || { fail "refusal (SQLite): no clear message"; show; }
fi
dump "$B" | cmp -s - "$T/b.dump" || fail "a refused migrate changed the SQLite destination"
# A destination made by init: its administrator and audit entries are data.
C="$T/c.db"
PHOIHOP_ADMIN_PASSWORD=admin-password-1 "$BIN" init --db "$C" >/dev/null 2>&1 || fail "init of c.db failed"
dump "$C" >"$T/c.dump"
if run 1 "$BIN" migrate --from "$PG" --to "$C"; then
    grep -q "already holds data" "$T/err" || { fail "refusal (init): no clear message"; show; }
fi
dump "$C" | cmp -s - "$T/c.dump" || fail "a refused migrate changed the initialised destination"
# All or nothing: a source breaking a reference (which SQLite let in with its
# foreign keys off) fails at the end, and the destination keeps nothing of it.
sqlite3 "$C" ".backup '$T/broken.db'"
sqlite3 "$T/broken.db" "PRAGMA foreign_keys = OFF; INSERT INTO unit_areas (unit_id, area_id) VALUES (99999, 99999);"
if run 1 "$BIN" migrate --from "$T/broken.db" --to "${URL}broken"; then
    grep -q "unit_areas" "$T/err" || { fail "broken reference (PostgreSQL): not named"; show; }
fi
verify "${URL}broken" && { grep -q "^audit chain intact: 0 entries" "$T/verdict" || fail "a failed migrate left rows in PostgreSQL"; }
if run 1 "$BIN" migrate --from "$T/broken.db" --to "$T/d.db"; then
    grep -q "unit_areas" "$T/err" || { fail "broken reference (SQLite): not named"; show; }
    grep -q "the new file was removed" "$T/err" || { fail "broken reference (SQLite): removal not said"; show; }
fi
# The destination file it made is gone again (with its -wal and -shm).
for f in "$T/d.db" "$T/d.db-wal" "$T/d.db-shm"; do
    [ -e "$f" ] && fail "a failed migrate left $(basename "$f") behind"
done
# A destination file that was there before (here empty) stays, with no rows.
: >"$T/e.db"
if run 1 "$BIN" migrate --from "$T/broken.db" --to "$T/e.db"; then
    grep -q "unit_areas" "$T/err" || { fail "broken reference (existing file): not named"; show; }
    grep -q "the new file was removed" "$T/err" && fail "a failed migrate into an existing file said it removed it"
fi
[ -e "$T/e.db" ] || fail "a failed migrate removed a destination it did not make"
[ "$(sqlite3 -readonly "$T/e.db" "SELECT (SELECT count(*) FROM people) + (SELECT count(*) FROM audit_log)")" = 0 ] ||
    fail "a failed migrate left rows in an existing SQLite file"
# Bad and unreachable URLs: no destination is made.
run 1 "$BIN" migrate --from "mysql://db.example/phoihop" --to "$T/new1.db" &&
    { grep -q "mysql://" "$T/err" || { fail "bad URL: no clear message"; show; }; }
[ -e "$T/new1.db" ] && fail "a bad source URL made the destination"
run 1 "$BIN" migrate --from "postgres://postgres@127.0.0.1:1/nothing" --to "$T/new2.db" &&
    { grep -q "cannot open database" "$T/err" || { fail "unreachable source: no clear message"; show; }; }
[ -e "$T/new2.db" ] && fail "an unreachable source made the destination"
run 1 "$BIN" migrate --from "$A" --to "postgres://postgres@127.0.0.1:1/nothing" &&
    { grep -q "cannot open database" "$T/err" || { fail "unreachable destination: no clear message"; show; }; }
run 1 "$BIN" migrate --from "$T/missing.db" --to "$T/new3.db"
[ -e "$T/missing.db" ] || [ -e "$T/new3.db" ] && fail "a missing source was created, or the destination made"
# Usage errors.
run 2 "$BIN" migrate --from "$A"
run 2 "$BIN" migrate --to "$T/new4.db"
run 2 "$BIN" migrate --from "$A" --to "$A" && { grep -q "same database" "$T/err" || { fail "--from = --to: no message"; show; }; }
run 0 "$BIN" migrate --help && { grep -q "PHOIHOP_FROM" "$T/out" || fail "migrate --help lacks PHOIHOP_FROM"; }
verify "$A" && { cmp -s "$T/a.verdict" "$T/verdict" || fail "the source changed"; }

# ---- search: the same incidents in all three -------------------------------------------
for q in "ma tuy" "bien pho" "ma tu"; do
    : >"$T/search.$q"
    for db in "$A" "$PG" "$B"; do
        if run 0 "$BIN" incident list --db "$db" --q "$q" --limit 30; then
            [ "$(wc -l <"$T/out")" -gt 1 ] || fail "search '$q' on $db found nothing"
            if [ -s "$T/search.$q" ]; then
                cmp -s "$T/search.$q" "$T/out" || { fail "search '$q' on $db differs"; diff "$T/search.$q" "$T/out" | head -10; }
            else
                cp "$T/out" "$T/search.$q"
            fi
        fi
    done
done

[ "$FAILS" -eq 0 ] || exit 1
echo "test_migrate: ok"
