#!/bin/bash
# test_multinode.sh - two `phoihop serve` nodes on one PostgreSQL database act as
# one system (events/cluster.h, the scheduler's leadership):
#   1. an incident created through node A reaches node B's SSE stream, and one
#      created through B reaches A's;
#   2. node B stopped and started again: Last-Event-ID on B returns exactly the
#      events made on A meanwhile (ids ascending, none twice, the same as A's own
#      replay), and B's live stream had everything up to its stop, once; the
#      resumed stream then goes on live;
#   3. exactly one node leads the scheduler (phoihop_scheduler_leader in /metrics,
#      "events/scheduler: leading" in its log), the other stands by;
#   4. a CoT position sent to A (plain TCP) reaches a CoT client connected to B;
#   5. a logout on A ends the same session's SSE stream on B at B's next heartbeat,
#      and B refuses the token at once (not after its token cache's 5 s);
#   6. kill -9 of the leader: the other node leads within FAILOVER_MAX_S (the time
#      from the kill to the first /metrics of the survivor saying 1, polled every
#      0.1 s, is printed).
# Its own throwaway PostgreSQL (scripts/pg.sh, stopped by the trap); loopback only;
# every wait bounded. Skipped (exit 0) only when the PostgreSQL server binaries
# are missing. bash for /dev/tcp (the CoT clients).
# Env: PHOIHOP_BIN, TMPDIR, PGBIN (default /usr/lib/postgresql/15/bin).
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
export PGBIN
FAILOVER_MAX_S=10
PW_ADMIN=Mat-khau-rat-dai-42
PW_USER=Mat-khau-nguoi-dung-7
for v in $(env | sed -n 's/^\(PHOIHOP_[A-Z_]*\)=.*/\1/p'); do
    [ "$v" = PHOIHOP_BIN ] || unset "$v"
done

if [ ! -x "$PGBIN/initdb" ] || [ ! -x "$PGBIN/pg_ctl" ]; then
    echo "test_multinode: skipped: no PostgreSQL server in $PGBIN (scripts/deps.sh test installs it)"
    exit 0
fi
command -v curl >/dev/null 2>&1 || { echo "FAIL: curl is missing (scripts/deps.sh test)"; exit 1; }

# scripts/pg.sh keeps the cluster where the user postgres can reach it (as root).
PGDIR="$T/pg"
PIDS=""     # the nodes still running
SSE_PIDS="" # the curl streams
cleanup() {
    for p in $PIDS $SSE_PIDS; do kill -9 "$p" 2>/dev/null; done
    for p in $PIDS; do wait "$p" 2>/dev/null; done
    "$ROOT/scripts/pg.sh" stop "$PGDIR" >/dev/null 2>&1
    rm -rf "$T"
}
trap cleanup EXIT

now_ms() { echo $(($(date +%s%N) / 1000000)); }
# wait_until SECONDS CMD...: true once CMD succeeds, polled every 0.1 s.
wait_until() {
    local end=$(($(now_ms) + $1 * 1000))
    shift
    while [ "$(now_ms)" -lt "$end" ]; do
        "$@" && return 0
        sleep 0.1
    done
    "$@"
}

# ---- the database and the nodes ------------------------------------------------------

PGURL=$("$ROOT/scripts/pg.sh" start "$PGDIR" fast 2>"$T/pg.err") || {
    echo "FAIL: cannot start PostgreSQL"; sed 's/^/    | /' "$T/pg.err" | head -20; exit 1; }
DB="${PGURL}multinode"
if ! PHOIHOP_ADMIN_PASSWORD=$PW_ADMIN "$BIN" init --db "$DB" >"$T/out" 2>"$T/err"; then
    fail "init --db $DB failed"; show; exit 1
fi

# Per node (A, B): its process, http://HOST:PORT and CoT TCP port.
declare -A PID URL COT
forget_pid() { PIDS=" $(echo "$PIDS" | tr ' ' '\n' | grep -vx -- "$1" | tr '\n' ' ')"; }

# start_node NAME: serve in the background, until it listens.
start_node() {
    local out="$T/$1.out" err="$T/$1.err"
    PHOIHOP_SSE_HEARTBEAT_MS=300 "$BIN" serve --db "$DB" --listen 127.0.0.1:0 --cot-listen 127.0.0.1:0 --threads 2 >"$out" 2>"$err" &
    PID[$1]=$!
    PIDS="$PIDS ${PID[$1]}"
    if ! wait_until 60 grep -q '^phoihop: listening on ' "$out"; then
        fail "node $1 did not start"
        sed 's/^/    | /' "$err" | tail -20
        return 1
    fi
    URL[$1]=$(sed -n 's/^phoihop: listening on //p' "$out")
    COT[$1]=$(sed -n 's/^phoihop: cot listening on tcp:\/\/.*://p' "$out")
}

# stop_node NAME: SIGTERM, and the clean exit (0: ASan and LSan found nothing).
stop_node() {
    local rc
    kill "${PID[$1]}"
    wait "${PID[$1]}"
    rc=$?
    forget_pid "${PID[$1]}"
    [ "$rc" -eq 0 ] || { fail "node $1 exited $rc after SIGTERM"; sed 's/^/    | /' "$T/$1.err" | tail -20; }
}

start_node A || exit 1
start_node B || exit 1

# ---- the API ---------------------------------------------------------------------------

# api METHOD URL TOKEN [BODY]: the body to stdout, the status to $T/code.
api() {
    local args=(-s -m 20 -o "$T/body" -w '%{http_code}' -X "$1" -H "Authorization: Bearer $3")
    [ $# -ge 4 ] && args+=(-H 'Content-Type: application/json' -d "$4")
    curl "${args[@]}" "$2" >"$T/code"
    cat "$T/body"
}
first_id() { sed -n 's/^{"id":\([0-9]*\).*/\1/p'; }
login() { # URL USER PASSWORD: the token
    curl -s -m 20 -H 'Content-Type: application/json' -d "{\"username\":\"$2\",\"password\":\"$3\"}" \
        "$1/api/v1/auth/login" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p'
}
expect_code() { # WANT WHAT
    [ "$(cat "$T/code")" = "$1" ] || { fail "$2: status $(cat "$T/code"), expected $1: $(head -c 300 "$T/body")"; return 1; }
}

ADMIN=$(login "${URL[A]}" admin "$PW_ADMIN")
[ -n "$ADMIN" ] || { fail "admin cannot log in on node A"; exit 1; }
UNIT=$(api POST "${URL[A]}/api/v1/units" "$ADMIN" \
    '{"code":"CA-T-MN","name":"Công an tỉnh thử nghiệm","force":"police","level":"province"}' | first_id)
expect_code 201 "create a unit" || exit 1
mk_person() { # USERNAME ROLE CLEARANCE: the id
    api POST "${URL[A]}/api/v1/people" "$ADMIN" "{\"username\":\"$1\",\"full_name\":\"Nguyễn Văn $1\",\"roles\":[\"$2\"],\"clearance\":\"$3\",\"password\":\"$PW_USER\",\"unit_id\":$UNIT}" | first_id
    expect_code 201 "create person $1"
}
mk_device() { # UID PERSON_ID
    api POST "${URL[A]}/api/v1/devices" "$ADMIN" "{\"uid\":\"$1\",\"kind\":\"tak\",\"person_id\":$2}" >/dev/null
    expect_code 201 "bind device $1"
}
P_REP=$(mk_person cb.baocao reporter confidential) || exit 1
P_VIEW=$(mk_person cb.xem viewer unclassified) || exit 1
mk_device ANDROID-mn-sender "$P_REP" || exit 1
mk_device ANDROID-mn-watcher "$P_VIEW" || exit 1
# Sessions live in the database: a token from A works on B.
REP=$(login "${URL[A]}" cb.baocao "$PW_USER")
ADMIN_B=$(login "${URL[B]}" admin "$PW_ADMIN")
if [ -z "$REP" ] || [ -z "$ADMIN_B" ]; then fail "cannot log in"; exit 1; fi
api GET "${URL[B]}/api/v1/units/$UNIT" "$REP" >/dev/null
expect_code 200 "a token from node A on node B"

RUN=$$
mk_incident() { # NODE_URL TITLE
    api POST "$1/api/v1/incidents" "$REP" "{\"category\":\"crime\",\"severity\":3,\"title\":\"$2\",\"occurred_at\":\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\",\"classification\":\"unclassified\",\"location\":{\"lat\":10.2,\"lon\":106.7}}" >/dev/null
    expect_code 201 "create incident '$2' on $1"
}

# sse_start NAME NODE_URL [LAST_ID]: the administrator's stream into $T/NAME.sse
# (in the background, at most 120 s); SSE_PID. Returns once the prelude came.
sse_start() {
    local hdr=()
    [ $# -ge 3 ] && hdr=(-H "Last-Event-ID: $3")
    curl -s -N -m 120 -H "Authorization: Bearer $ADMIN" "${hdr[@]}" "$2/api/v1/stream" >"$T/$1.sse" &
    SSE_PID=$!
    SSE_PIDS="$SSE_PIDS $SSE_PID"
    wait_until 10 grep -q '^retry: ' "$T/$1.sse" || fail "no stream prelude from $2"
}
# The ids of the events (not the prelude) of an SSE capture, one a line.
event_ids() { awk '/^id: /{id=$2} /^event: /{print id}' "$1"; }
# How many events of a capture carry TEXT.
count_in() { grep -c -- "$2" "$1"; }
has() { grep -q -- "$2" "$1"; }

# ---- 1. events across nodes ------------------------------------------------------------

sse_start liveA "${URL[A]}"
sse_start liveB "${URL[B]}"
SSE_B=$SSE_PID
T1="Trộm cắp nút A $RUN"
T2="Trộm cắp nút B $RUN"
t0=$(now_ms)
mk_incident "${URL[A]}" "$T1"
if wait_until 10 has "$T/liveB.sse" "$T1"; then
    echo "note: an event of node A reached node B's stream in $(($(now_ms) - t0)) ms"
else
    fail "incident created on A never reached B's stream"
fi
mk_incident "${URL[B]}" "$T2"
wait_until 10 has "$T/liveA.sse" "$T2" || fail "incident created on B never reached A's stream"
wait_until 10 has "$T/liveB.sse" "$T2" || fail "incident created on B never reached B's own stream"
wait_until 10 has "$T/liveA.sse" "$T1" || fail "incident created on A never reached A's own stream"

# ---- 2. resume on a restarted node -------------------------------------------------------

sleep 0.5 # anything else the two incidents emitted (routing) reaches both streams
kill "$SSE_B" 2>/dev/null
wait "$SSE_B" 2>/dev/null
LAST=$(event_ids "$T/liveB.sse" | tail -1)
[ -n "$LAST" ] || { fail "node B's stream had no event id"; LAST=0; }
dups=$(event_ids "$T/liveB.sse" | sort | uniq -d)
[ -z "$dups" ] || fail "node B's live stream sent ids twice: $dups"
[ "$(count_in "$T/liveB.sse" "\"title\":\"$T1\"")" -eq 1 ] || fail "B's live stream: '$T1' not exactly once"
stop_node B
R1="Buôn bán trái phép một $RUN"
R2="Buôn bán trái phép hai $RUN"
R3="Buôn bán trái phép ba $RUN"
for t in "$R1" "$R2" "$R3"; do mk_incident "${URL[A]}" "$t"; done
wait_until 10 has "$T/liveA.sse" "$R3" || fail "A's own stream missed '$R3'"
start_node B || exit 1
sse_start resumeB "${URL[B]}" "$LAST"
sse_start resumeA "${URL[A]}" "$LAST"
wait_until 10 has "$T/resumeB.sse" "$R3" || fail "resume on the restarted node B missed '$R3'"
wait_until 10 has "$T/resumeA.sse" "$R3" || fail "resume on node A missed '$R3'"
sleep 0.5
for t in "$R1" "$R2" "$R3"; do
    n=$(count_in "$T/resumeB.sse" "\"title\":\"$t\"")
    [ "$n" -eq 1 ] || fail "resume on B: '$t' came $n times, expected once"
done
has "$T/resumeB.sse" "\"title\":\"$T1\"" && fail "resume on B after id $LAST replayed '$T1' again"
event_ids "$T/resumeB.sse" >"$T/ids.B"
event_ids "$T/resumeA.sse" >"$T/ids.A"
sort -n -u "$T/ids.B" | cmp -s - "$T/ids.B" || fail "resume on B: ids not strictly ascending: $(tr '\n' ' ' <"$T/ids.B")"
awk -v l="$LAST" '$1 <= l { bad = 1 } END { exit bad }' "$T/ids.B" || fail "resume on B sent ids at or below $LAST"
cmp -s "$T/ids.A" "$T/ids.B" ||
    fail "resume after $LAST: B sent ids $(tr '\n' ' ' <"$T/ids.B"), A sent $(tr '\n' ' ' <"$T/ids.A")"
# What A's live stream got after LAST is what both replays returned.
event_ids "$T/liveA.sse" | awk -v l="$LAST" '$1 > l' >"$T/ids.liveA"
cmp -s "$T/ids.liveA" "$T/ids.B" ||
    fail "A's live stream after $LAST had $(tr '\n' ' ' <"$T/ids.liveA"), the replay $(tr '\n' ' ' <"$T/ids.B")"
# The resumed stream goes on live: a new event on A comes once, after the replay.
R4="Buôn bán trái phép bốn $RUN"
mk_incident "${URL[A]}" "$R4"
wait_until 10 has "$T/resumeB.sse" "$R4" || fail "the resumed stream on B missed '$R4', made on A after it"
sleep 0.5
[ "$(count_in "$T/resumeB.sse" "\"title\":\"$R4\"")" -eq 1 ] || fail "B's resumed stream: '$R4' not exactly once"
event_ids "$T/resumeB.sse" >"$T/ids.B2"
sort -n -u "$T/ids.B2" | cmp -s - "$T/ids.B2" || fail "B's resumed stream: ids not strictly ascending: $(tr '\n' ' ' <"$T/ids.B2")"
for p in $SSE_PIDS; do kill "$p" 2>/dev/null; done
for p in $SSE_PIDS; do wait "$p" 2>/dev/null; done
SSE_PIDS=""

# ---- 3. one scheduler ----------------------------------------------------------------------

leader_of() { # URL: 1, 0 or nothing
    curl -s -m 5 "$1/metrics" | sed -n 's/^phoihop_scheduler_leader \([01]\)$/\1/p'
}
one_leader() {
    LA=$(leader_of "${URL[A]}")
    LB=$(leader_of "${URL[B]}")
    [ -n "$LA" ] && [ -n "$LB" ] && [ $((LA + LB)) -eq 1 ]
}
if wait_until 15 one_leader; then
    if [ "$LA" -eq 1 ]; then LEADER=A; OTHER=B; else LEADER=B; OTHER=A; fi
    grep -q 'events/scheduler: leading' "$T/$LEADER.err" || fail "the leader $LEADER does not log 'leading'"
    grep -q 'events/scheduler: standby' "$T/$OTHER.err" || fail "node $OTHER does not log 'standby'"
else
    fail "not exactly one scheduler leader: A=${LA:-?} B=${LB:-?}"
    LEADER=""
fi
sleep 2 # still exactly one
one_leader || fail "two seconds later: A=${LA:-?} B=${LB:-?} lead"
grep -h 'events/cluster' "$T/A.err" "$T/B.err" | grep -q 'listening on phoihop_outbox' ||
    fail "no node logs its cluster listener"

# ---- 4. a CoT position across nodes ------------------------------------------------------

iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%S.000Z; }
pli() { # UID CALLSIGN LAT LON
    local n
    n=$(date +%s)
    printf '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><event version="2.0" uid="%s" type="a-f-G-U-C" time="%s" start="%s" stale="%s" how="m-g"><point lat="%s" lon="%s" hae="12.0" ce="9.9" le="9999999.0"/><detail><contact callsign="%s" endpoint="*:-1:stcp"/><__group name="Cyan" role="Team Member"/><status battery="77"/><track speed="1.5" course="90.0"/></detail></event>\n' \
        "$1" "$(iso "$n")" "$(iso "$n")" "$(iso $((n + 120)))" "$3" "$4" "$2"
}
ping_cot() { # UID
    local n
    n=$(date +%s)
    printf '<event version="2.0" uid="%s-ping" type="t-x-c-t" time="%s" start="%s" stale="%s" how="h-g-i-g-o"><point lat="0.0" lon="0.0" hae="0.0" ce="9999999.0" le="9999999.0"/><detail/></event>' \
        "$1" "$(iso "$n")" "$(iso "$n")" "$(iso $((n + 20)))"
}
# The watcher on B: identified by its own device's PLI (answered by a pong).
exec 3<>"/dev/tcp/127.0.0.1/${COT[B]}" || fail "cannot connect to B's CoT port ${COT[B]}"
cat <&3 >"$T/watcher.cot" &
CAT_PID=$!
pli ANDROID-mn-watcher CB-XEM 10.21 106.71 >&3
ping_cot ANDROID-mn-watcher >&3
wait_until 10 grep -q 't-x-c-t-r' "$T/watcher.cot" || fail "the CoT client on B got no pong"
exec 4<>"/dev/tcp/127.0.0.1/${COT[A]}" || fail "cannot connect to A's CoT port ${COT[A]}"
t0=$(now_ms)
pli ANDROID-mn-sender CB-BAOCAO 10.123456 106.654321 >&4
if wait_until 10 grep -q 'uid="ANDROID-mn-sender"' "$T/watcher.cot"; then
    echo "note: a CoT position sent to A reached a CoT client on B in $(($(now_ms) - t0)) ms"
    grep -q 'lat="10.123456' "$T/watcher.cot" || fail "the relayed position has not the sender's latitude"
else
    fail "a CoT position sent to node A never reached the CoT client on node B"
    curl -s "${URL[A]}/metrics" | grep -E '^phoihop_(cot|cluster)' | sed 's/^/    A| /'
    curl -s "${URL[B]}/metrics" | grep -E '^phoihop_(cot|cluster)' | sed 's/^/    B| /'
fi
curl -s "${URL[B]}/metrics" | grep -q '^phoihop_cluster_outbox_wakeups_total [1-9]' ||
    fail "B's /metrics counts no outbox notification"
curl -s "${URL[B]}/metrics" | grep -q '^phoihop_cluster_positions_received_total [1-9]' ||
    fail "B's /metrics counts no position received from another node"
exec 3>&- 4>&-
kill "$CAT_PID" 2>/dev/null
wait "$CAT_PID" 2>/dev/null

# ---- 5. a session revoked on one node ends on the other ----------------------------------

VIEW=$(login "${URL[A]}" cb.xem "$PW_USER")
api GET "${URL[B]}/api/v1/units/$UNIT" "$VIEW" >/dev/null # now in B's cache of tokens
expect_code 200 "the viewer's token on node B"
curl -s -N -m 60 -H "Authorization: Bearer $VIEW" "${URL[B]}/api/v1/stream" >"$T/viewer.sse" &
VIEW_SSE=$!
SSE_PIDS="$SSE_PIDS $VIEW_SSE"
wait_until 10 grep -q '^retry: ' "$T/viewer.sse" || fail "no stream for the viewer on B"
api POST "${URL[A]}/api/v1/auth/logout" "$VIEW" >/dev/null
expect_code 204 "log out on node A"
stream_ended() { ! kill -0 "$VIEW_SSE" 2>/dev/null; }
wait_until 5 stream_ended || fail "the viewer's stream on B outlived the logout on A by 5 s"
b_refuses() { api GET "${URL[B]}/api/v1/units/$UNIT" "$VIEW" >/dev/null; [ "$(cat "$T/code")" = 401 ]; }
wait_until 3 b_refuses || fail "node B still takes the token logged out on A: $(cat "$T/code")"
curl -s "${URL[B]}/metrics" | grep -q '^phoihop_cluster_session_changes_received_total [1-9]' ||
    fail "B's /metrics counts no session change from another node"

# ---- 5b. writes on both nodes at once --------------------------------------------------
# Writers on two nodes take turns (the write lock of src/store/postgres.c): numbers
# read then written (the audit chain's seq) never clash, so every valid request is
# a 201, never a false 409, and the audit chain stays whole.
mk_asset() { # NODE_URL CODE: the status
    curl -s -o /dev/null -m 30 -w '%{http_code}\n' -H "Authorization: Bearer $ADMIN" \
        -H 'Content-Type: application/json' \
        -d "{\"kind\":\"vehicle\",\"code\":\"XE-$RUN-$2\",\"name\":\"Xe $2\",\"unit_id\":$UNIT}" \
        "$1/api/v1/assets"
}
: >"$T/asset-codes"
for i in $(seq 1 40); do
    mk_asset "${URL[A]}" "a$i" >>"$T/asset-codes" &
    CURLS="${CURLS:-} $!"
    mk_asset "${URL[B]}" "b$i" >>"$T/asset-codes" &
    CURLS="$CURLS $!"
    if [ $((i % 8)) -eq 0 ]; then
        # shellcheck disable=SC2086 # the curls only (a bare wait would wait for the nodes)
        wait $CURLS
        CURLS=""
    fi
done
n201=$(grep -c '^201$' "$T/asset-codes" || true)
if [ "$n201" -ne 80 ]; then
    fail "concurrent creates on both nodes: $n201 of 80 answered 201 ($(sort "$T/asset-codes" | uniq -c | tr '\n' ' '))"
fi
if ! "$BIN" audit verify --db "$DB" >"$T/verify.out" 2>&1; then
    fail "the audit chain after concurrent writes on both nodes: $(cat "$T/verify.out")"
fi

# ---- 6. failover -----------------------------------------------------------------------------

if [ -n "$LEADER" ]; then
    other_leads() { [ "$(leader_of "${URL[$OTHER]}")" = 1 ]; }
    t0=$(now_ms)
    kill -9 "${PID[$LEADER]}"
    wait "${PID[$LEADER]}" 2>/dev/null
    forget_pid "${PID[$LEADER]}"
    if wait_until "$FAILOVER_MAX_S" other_leads; then
        echo "note: failover: node $OTHER leads $(($(now_ms) - t0)) ms after kill -9 of node $LEADER"
        wait_until 5 grep -q 'events/scheduler: leading' "$T/$OTHER.err" ||
            fail "node $OTHER leads but does not log it"
    else
        fail "node $OTHER did not take the lead within $FAILOVER_MAX_S s of the leader's kill -9"
        sed 's/^/    | /' "$T/$OTHER.err" | tail -10
    fi
    stop_node "$OTHER"
fi

if [ "$FAILS" -ne 0 ]; then
    echo "test_multinode: $FAILS check(s) failed"
    exit 1
fi
echo "test_multinode: ok"
