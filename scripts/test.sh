#!/usr/bin/env bash
# Runs the whole test suite: installs memcached and libmemcached when they are missing
# (scripts/install-dependencies.sh), starts three memcached servers on free loopback ports for the
# tests, builds with zero warnings allowed in the project's own code, then runs `swift test`.
# Extra arguments go to `swift test`, and to `swift build` too except `--filter` and `--skip`
# (e.g. `--filter MemcachedBackendTests`, `--sanitize=thread --scratch-path .build-tsan`).
#
# With CI=true the memcached tests fail rather than skip when no server was started.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-dependencies.sh

test_arguments=("$@")
build_arguments=()
while [ $# -gt 0 ]; do
    case "$1" in
        --filter | --skip)
            [ $# -ge 2 ] || { echo "error: $1 needs a value" >&2; exit 2; }
            shift ;;
        --filter=* | --skip=*) ;;
        *) build_arguments+=("$1") ;;
    esac
    shift
done

log=$(mktemp)
pids=()
cleanup() {
    rm -f "$log"
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

echo "== memcached servers"
user=()
[ "$(id -u)" = 0 ] && user=(-u nobody)
servers=()
for _ in 1 2 3; do
    port=$(free_port)
    memcached -l 127.0.0.1 -p "$port" -U 0 -m 64 "${user[@]}" &
    pids+=($!)
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
        sleep 0.05
    done
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "error: memcached did not start on 127.0.0.1:$port" >&2
        exit 1
    fi
    servers+=("127.0.0.1:$port")
done
DOGPILE_MEMCACHED_SERVERS=$(IFS=,; echo "${servers[*]}")
DOGPILE_MEMCACHED_BINARY=$(command -v memcached)
export DOGPILE_MEMCACHED_SERVERS DOGPILE_MEMCACHED_BINARY
echo "memcached on $DOGPILE_MEMCACHED_SERVERS"

echo "== build (warnings in Sources/ or Tests/ fail the run)"
swift build --build-tests "${build_arguments[@]}" 2>&1 | tee "$log"
if grep -E "^$PWD/(Sources|Tests)/.*: warning:" "$log" >/dev/null; then
    echo "error: the build has warnings:" >&2
    grep -E "^$PWD/(Sources|Tests)/.*: warning:" "$log" | sort -u >&2
    exit 1
fi

echo "== test"
# Used only under --sanitize=thread; see the file for why each entry is there.
export TSAN_OPTIONS="suppressions=$PWD/.tsan-suppressions ${TSAN_OPTIONS:-}"
swift test --skip-build "${test_arguments[@]}"
