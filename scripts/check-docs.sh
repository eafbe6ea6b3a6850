#!/usr/bin/env bash
# Builds the DocC catalogs of DogpileCache and DogpileMemcached with every warning an error (broken
# symbol links and undocumented parameters fail), then compiles every Swift block of README.md and
# the catalogs (scripts/extract-snippets.py writes them into a package of their own, with the context
# in scripts/snippets/) and evaluates their Package.swift fragments.
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

snippets=.build-snippets/package
rm -rf "$snippets/Tests" "$snippets/Manifest"
python3 scripts/extract-snippets.py "$snippets"
if ! swift build --build-tests --package-path "$snippets" >"$work/snippets.log" 2>&1; then
    grep -E "error" "$work/snippets.log" | sort -u >&2
    echo "error: a Swift block of the documentation does not compile" >&2
    exit 1
fi
swift package dump-package --package-path "$snippets/Manifest" >/dev/null
echo "documentation: every Swift block compiles"
