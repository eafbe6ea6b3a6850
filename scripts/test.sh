#!/usr/bin/env bash
# Runs the whole test suite: builds with zero warnings allowed in the project's own code, then
# `swift test`. Extra arguments go to `swift test` (e.g. `--filter DogpileLockTests`,
# `--sanitize=thread`).
#
# The core tests need nothing but the Swift toolchain. Tests that need servers start them here,
# on 127.0.0.1, and with CI=true a server that cannot be started fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."

log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "== build (warnings in Sources/ or Tests/ fail the run)"
swift build --build-tests "$@" 2>&1 | tee "$log"
if grep -E "^$PWD/(Sources|Tests)/.*: warning:" "$log" >/dev/null; then
    echo "error: the build has warnings:" >&2
    grep -E "^$PWD/(Sources|Tests)/.*: warning:" "$log" | sort -u >&2
    exit 1
fi

echo "== test"
swift test --skip-build "$@"
