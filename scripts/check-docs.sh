#!/usr/bin/env bash
# Builds the DocC catalog of DogpileCache with every warning an error: broken symbol links and
# undocumented parameters fail.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
swift build --scratch-path .build-docs --target DogpileCache -Xswiftc -emit-symbol-graph -Xswiftc -emit-symbol-graph-dir -Xswiftc "$work/symbols"
find "$work/symbols" -type f ! -name "DogpileCache.symbols.json" ! -name "DogpileCache@*.symbols.json" -delete
docc convert Sources/DogpileCache/Documentation.docc \
    --additional-symbol-graph-dir "$work/symbols" \
    --output-path "$work/documentation" \
    --fallback-display-name DogpileCache \
    --fallback-bundle-identifier dogpile.cache \
    --analyze --warnings-as-errors
echo "documentation: no warnings"
