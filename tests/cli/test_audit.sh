#!/bin/sh
# test_audit.sh - `phoihop audit verify` and the tamper test: an intact chain passes
# with its entry count and head hash; altering one entry, removing one, or appending
# a forged one makes it exit 1 and name the entry where the chain breaks; removing
# the last entry changes the head hash (which is why operators record it), and
# --expect-head (or PHOIHOP_EXPECT_HEAD) with the head recorded earlier catches it.
# Env: PHOIHOP_BIN, TMPDIR.
. "$(dirname "$0")/lib.sh"
unset PHOIHOP_DB PHOIHOP_LOG_LEVEL

# verify DB WANT_RC: runs audit verify, output in $T/out.
verify() {
    "$BIN" audit verify --db "$1" >"$T/out" 2>"$T/err"
    rc=$?
    [ "$rc" -eq "$2" ] || { fail "audit verify on $(basename "$1") exited $rc, expected $2"; show; return 1; }
    return 0
}

DB="$T/a.db"
demo_db "$DB" || exit 1
n=$(sqlite3 -readonly "$DB" "SELECT count(*) FROM audit_log")
[ "$n" -gt 10 ] || fail "only $n audit entries after init and demo"

# Intact.
if verify "$DB" 0; then
    grep -q "^audit chain intact: $n entries, head [0-9a-f]\{64\}$" "$T/out" || { fail "intact output"; show; }
fi
head0=$(sed -n 's/.*head //p' "$T/out")
# Verification only reads: a second run says the same.
verify "$DB" 0 && [ "$(sed -n 's/.*head //p' "$T/out")" = "$head0" ] || fail "second verify differs"

# A new entry moves the head.
"$BIN" people disable --db "$DB" demo.viewer >/dev/null 2>&1 || fail "people disable failed"
verify "$DB" 0
head1=$(sed -n 's/.*head //p' "$T/out")
[ -n "$head1" ] && [ "$head1" != "$head0" ] || fail "the head hash did not change after a new entry"

# Altered: one entry's detail rewritten.
cp "$DB" "$T/altered.db"
sqlite3 "$T/altered.db" "UPDATE audit_log SET detail='{}' WHERE seq=5"
if verify "$T/altered.db" 1; then
    grep -q "^audit chain broken at entry 5: " "$T/out" || { fail "the altered entry 5 is not named"; show; }
fi
# Altered: the actor of another entry.
cp "$DB" "$T/actor.db"
sqlite3 "$T/actor.db" "UPDATE audit_log SET actor='someone.else' WHERE seq=3"
verify "$T/actor.db" 1 && { grep -q "^audit chain broken at entry 3: " "$T/out" || { fail "altered actor of entry 3 not named"; show; }; }

# Removed: entry 7 is gone; the chain breaks where the gap is.
cp "$DB" "$T/deleted.db"
sqlite3 "$T/deleted.db" "DELETE FROM audit_log WHERE seq=7"
if verify "$T/deleted.db" 1; then
    grep -q "^audit chain broken at entry [78]: " "$T/out" || { fail "the removed entry 7 is not named"; show; }
fi
# Removed: the first entry.
cp "$DB" "$T/first.db"
sqlite3 "$T/first.db" "DELETE FROM audit_log WHERE seq=1"
verify "$T/first.db" 1 && { grep -q "^audit chain broken at entry [12]: " "$T/out" || { fail "removed entry 1 not named"; show; }; }

# Forged: a copy of the last entry appended under the next number.
cp "$DB" "$T/forged.db"
last=$(sqlite3 -readonly "$DB" "SELECT max(seq) FROM audit_log")
cols=$(sqlite3 -readonly "$DB" "SELECT group_concat(name, ', ') FROM pragma_table_info('audit_log') WHERE name <> 'seq'")
sqlite3 "$T/forged.db" "INSERT INTO audit_log (seq, $cols) SELECT seq + 1, $cols FROM audit_log WHERE seq = $last"
if verify "$T/forged.db" 1; then
    grep -q "^audit chain broken at entry $((last + 1)): " "$T/out" || { fail "forged entry $((last + 1)) not named"; show; }
fi

# Truncated at the end: still a valid chain, but the head hash gives it away.
cp "$DB" "$T/truncated.db"
sqlite3 "$T/truncated.db" "DELETE FROM audit_log WHERE seq = $last"
verify "$T/truncated.db" 0 && [ "$(sed -n 's/.*head //p' "$T/out")" != "$head1" ] ||
    fail "removing the last entry left the head hash unchanged"

# --expect-head: the recorded head must still be in the chain.
verify_head() { # DB HEAD WANT_RC [env]: audit verify --expect-head HEAD
    "$BIN" audit verify --db "$1" --expect-head "$2" >"$T/out" 2>"$T/err"
    rc=$?
    [ "$rc" -eq "$3" ] || { fail "audit verify --expect-head on $(basename "$1") exited $rc, expected $3"; show; return 1; }
    return 0
}
verify_head "$DB" "$head1" 0 && { grep -q "^audit chain intact: " "$T/out" || { fail "--expect-head intact output"; show; }; }
# An older head is in the chain too: entries were added since, none removed.
verify_head "$DB" "$head0" 0
# Upper case is the same hash.
verify_head "$DB" "$(echo "$head1" | tr a-f A-F)" 0
# Truncated: the plain verify passed above; the recorded head gives it away.
if verify_head "$T/truncated.db" "$head1" 1; then
    grep -q "^the recorded head $head1 is missing: entries were removed from the end$" "$T/out" ||
        { fail "truncation not reported"; show; }
fi
# From the environment.
PHOIHOP_EXPECT_HEAD="$head1" "$BIN" audit verify --db "$T/truncated.db" >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" -eq 1 ] || { fail "PHOIHOP_EXPECT_HEAD on the truncated log exited $rc, expected 1"; show; }
PHOIHOP_EXPECT_HEAD="$head1" "$BIN" audit verify --db "$DB" >"$T/out" 2>"$T/err" ||
    { fail "PHOIHOP_EXPECT_HEAD on the intact log failed"; show; }
# A broken chain is reported as broken, whatever the head.
verify_head "$T/altered.db" "$head1" 1 && { grep -q "^audit chain broken at entry 5: " "$T/out" || { fail "broken chain with --expect-head"; show; }; }
# Not a hash: a usage error, before the database is opened.
verify_head "$DB" "abc123" 2
verify_head "$DB" "$(echo "$head1" | sed 's/^./g/')" 2
verify_head "$T/none.db" "not-a-hash" 2
[ -e "$T/none.db" ] && fail "audit verify --expect-head created a database"

# Progress goes to stderr as plain lines here (no terminal): never a carriage return.
verify "$DB" 0
grep -q "$(printf '\r')" "$T/err" && fail "audit verify wrote carriage returns to a non-terminal"

# A missing database is an error, not a new empty log.
verify "$T/none.db" 1
[ -e "$T/none.db" ] && fail "audit verify created a database"

if [ "$FAILS" -ne 0 ]; then
    echo "test_audit: $FAILS check(s) failed"
    exit 1
fi
echo "test_audit: ok"
