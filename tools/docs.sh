#!/usr/bin/env bash
# Builds the library's documentation (DocC) from Sources/Aeon/Aeon.docc and the public API's
# symbol graph, into .build/docs (open .build/docs/index.html through a web server, or
# `docc preview` for a live one). Warnings about unresolved links fail it.
set -euo pipefail
cd "$(dirname "$0")/.."
out=.build/docs
rm -rf "$out"
# The public API's symbol graphs (every module's; DocC reads the library's).
swift package dump-symbol-graph --minimum-access-level public >&2
graphs=$(mktemp -d)
cp "$(swift build --show-bin-path)/../symbolgraph/Aeon.symbols.json" "$graphs/" 2>/dev/null \
    || cp .build/*/symbolgraph/Aeon.symbols.json "$graphs/"
log=$(mktemp)
trap 'rm -rf "$log" "$graphs"' EXIT
docc convert Sources/Aeon/Aeon.docc --additional-symbol-graph-dir "$graphs" --fallback-display-name Aeon \
    --fallback-bundle-identifier org.aeon.Aeon --output-path "$out" 2>&1 | tee "$log" >&2
if grep -q "warning:" "$log"; then
    echo "docs: DocC reported warnings (above)" >&2
    exit 1
fi
echo "docs: $out"
