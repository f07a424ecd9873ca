#!/bin/sh
# check_symbols.sh - fail when libphoihop.a exports a name without a module prefix.
#
# Every exported name must say which module it belongs to (docs STYLE.md, "Naming"):
# the prefixes allowed are (1) the list below, kept by hand and documented, and
# (2) "<module>_" for every src/<layer>/<module>.c, derived at run time so that a new
# module needs no edit here.  Names the sanitizers add to instrumented objects
# (__odr_asan.*, __asan_*, __ubsan_*, ...) are not ours and are skipped.
#
# Usage: scripts/check_symbols.sh build/san/libphoihop.a   (run from the repo root)
set -eu

LIB="${1:?usage: $0 LIBRARY.a}"
SRC_DIR="${SRC_DIR:-src}"

# Prefixes owned by modules whose exported names differ from their file name, or
# that several files share.  One per line: "prefix   # who owns it".
ALLOWED_PREFIXES='
arena_          # util/arena.c
buf_            # util/buf.c
err_            # util/err.c
log_            # util/log.c
text_           # util/text.c
time_           # util/time.c
embed_          # util/embed.c: lookup of embedded files
progress_       # util/progress.c
store_          # store/: the interface and its backends (store_sqlite_ops, store_sq_*, store_pg_*)
pg_             # store/postgres.c: helpers of the PostgreSQL backend (pg_int.h; store-internal)
dsn_            # util/dsn.c: database URLs as shown in logs
area_           # core/area.c
unit_           # core/unit.c
person_         # core/person.c
force_          # core/unit.c: force_is_valid
level_          # core/unit.c: level_is_valid, level_rank
role_           # core/access.c: role names
clearance_      # core/access.c: clearance names
access_         # core/access.c
core_           # core/ctx.c: core_system_user and context helpers
login_          # core/session.c: login steps
session_        # core/session.c
api_token_      # core/session.c: API tokens for other systems
audit_          # core/audit.c, security/audit_chain.c
outbox_         # core/outbox.c
writer_         # core/writer.c
workpool_       # core/workpool.c
demo_           # cli demo data
password_       # security/password.c
token_          # security/token.c
pjson_          # proto/pjson.c
http_           # http/server.c and http/ internals shared between files
api_            # http/api_<resource>.c: route tables api_<resource>_routes
router_         # http/router.c
req_            # http/req.c
resp_           # http/resp.c
metrics_        # http/metrics.c
auth_           # http/auth.c
cli_            # cli/common.c, cli/opts.c: helpers shared by subcommands
cmd_            # cli/cmd_<name>.c: one entry point per subcommand
hs_             # analytics/: the hot-spot maths of analytics/hotspot.h (grid.c, gistar.c, ...)
'

# Exact names allowed without a prefix of their own.
ALLOWED_NAMES='
embedded_files  # build/gen/embedded.c, written by tools/embed.c
xmalloc         # util/mem.c: allocation that aborts on out-of-memory
xcalloc
xrealloc
xstrdup
'

if [ ! -f "$LIB" ]; then
    echo "check_symbols: $LIB: no such file" >&2
    exit 2
fi

strip_comments() { printf '%s\n' "$1" | sed 's/#.*//; s/[[:space:]]//g' | grep -v '^$' || true; }

prefixes=$(strip_comments "$ALLOWED_PREFIXES")
if [ -d "$SRC_DIR" ]; then
    derived=$(for f in "$SRC_DIR"/*/*.c; do
        [ -e "$f" ] || continue
        b=$(basename "$f" .c)
        [ "$b" = main ] || echo "${b}_"
    done)
    prefixes="$prefixes
$derived"
fi
names=$(strip_comments "$ALLOWED_NAMES")

# nm prints "ADDR TYPE NAME" per symbol plus "member.o:" headers; keep names only.
symbols=$(nm -g --defined-only "$LIB" | awk 'NF == 3 { print $3 }' | sort -u)
if [ -z "$symbols" ]; then
    echo "check_symbols: $LIB exports nothing (empty archive?)" >&2
    exit 1
fi

bad=""
n_ok=0
for sym in $symbols; do
    case "$sym" in
    __odr_asan* | __asan_* | __ubsan_* | __sanitizer_* | __sancov_*) continue ;;
    esac
    ok=0
    for n in $names; do
        if [ "$sym" = "$n" ]; then ok=1; break; fi
    done
    if [ $ok -eq 0 ]; then
        for p in $prefixes; do
            case "$sym" in "$p"?*) ok=1; break ;; esac
        done
    fi
    if [ $ok -eq 1 ]; then
        n_ok=$((n_ok + 1))
    else
        bad="$bad $sym"
    fi
done

if [ -n "$bad" ]; then
    echo "check_symbols: FAIL: $LIB exports names without a module prefix:" >&2
    for sym in $bad; do echo "    $sym" >&2; done
    echo "check_symbols: make them static, or rename them <module>_... (STYLE.md, Naming)" >&2
    exit 1
fi
echo "check_symbols: PASS: $n_ok exported names, all with a module prefix"
