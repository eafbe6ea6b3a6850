#!/usr/bin/env bash
# Builds the DocC catalogs of DogpileCache and DogpileMemcached with every warning an error: broken
# symbol links and undocumented parameters fail.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for module in DogpileCache DogpileMemcached; do
    symbols="$work/$module/symbols"
    swift build --scratch-path .build-docs --target "$module" \
        -Xswiftc -emit-symbol-graph -Xswiftc -emit-symbol-graph-dir -Xswiftc "$symbols"
    find "$symbols" -type f ! -name "$module.symbols.json" ! -name "$module@*.symbols.json" -delete
    docc convert "Sources/$module/Documentation.docc" \
        --additional-symbol-graph-dir "$symbols" \
        --output-path "$work/$module/documentation" \
        --fallback-display-name "$module" \
        --fallback-bundle-identifier "dogpile.$module" \
        --analyze --warnings-as-errors
done
echo "documentation: no warnings"
