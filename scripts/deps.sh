#!/bin/sh
# deps.sh - install the Debian packages phoihop's build, tests and benchmarks need.
# Idempotent: installs only what is missing, runs apt-get update only when it must,
# and uses sudo when not root.  Usage: scripts/deps.sh [build|test|bench|all]
set -eu

BUILD="build-essential pkg-config libh2o-evloop-dev libjansson-dev libsodium-dev
libsqlite3-dev libutf8proc-dev libssl-dev zlib1g-dev libuv1-dev libwslay-dev libmagic-dev"
# What the binary needs at run time besides its shared libraries: libmagic and
# its compiled database (libmagic-mgc), which attachment uploads are typed with.
RUNTIME="libmagic1 libmagic-mgc"
BUILD="$BUILD $RUNTIME"
TEST="$BUILD libcmocka-dev libcurl4-openssl-dev clang libclang-rt-14-dev sqlite3 curl"
BENCH="$BUILD wrk nginx-light curl"

case "${1:-build}" in
build) WANT="$BUILD" ;;
test) WANT="$TEST" ;;
bench) WANT="$BENCH" ;;
all) WANT="$TEST $BENCH" ;;
*) echo "usage: $0 [build|test|bench|all]" >&2; exit 2 ;;
esac

missing=""
for p in $WANT; do
    case " $missing " in *" $p "*) continue ;; esac
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
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
