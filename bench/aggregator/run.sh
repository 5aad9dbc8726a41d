#!/usr/bin/env bash
# Runs the aggregator benchmark on a private stack and prints the figures.
# Usage: bash bench/aggregator/run.sh   (after: npx nx run-many -t build -p aggregator testing)
set -euo pipefail
cd "$(dirname "$0")/../.."
PATH="$(bash tools/infra/ensure-node.sh):$PATH"
dir="$(mktemp -d "${TMPDIR:-/tmp}/geopulse-bench.XXXXXX")"
trap 'node tools/stack.js down --dir "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
eval "$(node tools/stack.js up --dir "$dir" 2>/dev/null)"
node bench/aggregator/bench.js
node bench/aggregator/end-to-end.js
