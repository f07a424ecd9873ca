#!/bin/sh
# deps.sh - install the Debian packages phoihop's build, tests and benchmarks need.
# Idempotent: installs only what is missing, runs apt-get update only when it must,
# and uses sudo when not root.  Usage: scripts/deps.sh [build|test|bench|all]
set -eu

BUILD="build-essential pkg-config libh2o-evloop-dev libjansson-dev libsodium-dev
libsqlite3-dev libutf8proc-dev libssl-dev zlib1g-dev libuv1-dev libwslay-dev libmagic-dev libxml2-dev
libproj-dev libpq-dev"
# What the binary needs at run time besides its shared libraries: libmagic and
# its compiled database (libmagic-mgc), which attachment uploads are typed with.
RUNTIME="libmagic1 libmagic-mgc libxml2 proj-data libpq5"
BUILD="$BUILD $RUNTIME"
# The web application (web/): Node.js and npm fetch Leaflet and uPlot at build time
# (web/package-lock.json); the asset embedder compresses with zlib and brotli.
# Node and npm count as present when the commands exist (NodeSource's nodejs
# package carries npm and conflicts with Debian's npm package).
WEB_DEV="libbrotli-dev"
WEB_CMDS="node:nodejs npm:npm"
BUILD="$BUILD $WEB_DEV"
# The browser tests (tests/e2e/): Debian's Chromium, driven by playwright-core.
E2E="chromium fonts-dejavu-core"
# The PostgreSQL store's tests and benchmarks start a throwaway PostgreSQL 15
# server of their own (scripts/pg.sh: initdb and pg_ctl from postgresql-15).
PG_SERVER="postgresql-15 postgresql-client-15"
TEST="$BUILD libcmocka-dev libcurl4-openssl-dev clang libclang-rt-14-dev sqlite3 curl $PG_SERVER"
BENCH="$BUILD wrk nginx-light curl $PG_SERVER"

case "${1:-build}" in
build) WANT="$BUILD" ;;
test) WANT="$TEST $E2E" ;;
bench) WANT="$BENCH" ;;
e2e) WANT="$BUILD $E2E" ;;
all) WANT="$TEST $BENCH $E2E" ;;
*) echo "usage: $0 [build|test|bench|e2e|all]" >&2; exit 2 ;;
esac

missing=""
for p in $WANT; do
    case " $missing " in *" $p "*) continue ;; esac
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
for pc in $WEB_CMDS; do
    cmd=${pc%%:*} pkg=${pc#*:}
    command -v "$cmd" >/dev/null 2>&1 || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "deps.sh: need root or sudo to install:$missing" >&2; exit 1
    fi
fi
echo "deps.sh: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
