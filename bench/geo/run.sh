#!/usr/bin/env bash
# Runs the geo benchmarks (in-process figures, then the service end to end) on a private stack.
# Usage: bash bench/geo/run.sh   (after: npx nx run-many -t build -p geo testing)
# Tile38: build it where the Go module proxy serves it, e.g.
#   GOFLAGS=-mod=mod GOBIN=/tmp/tile38/bin go install github.com/tidwall/tile38/cmd/tile38-server@latest
# and set TILE38_SERVER=/tmp/tile38/bin/tile38-server to add its geofence detection to the same run.
set -euo pipefail
cd "$(dirname "$0")/../.."
PATH="$(bash tools/infra/ensure-node.sh):$PATH"
dir="$(mktemp -d "${TMPDIR:-/tmp}/geopulse-bench.XXXXXX")"
trap 'node tools/stack.js down --dir "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
eval "$(node tools/stack.js up --components redis,kafka,dynamodb --dir "$dir" 2>/dev/null)"
export REDIS_URL
node bench/geo/bench.js
node bench/geo/end-to-end.js
