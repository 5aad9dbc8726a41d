#!/usr/bin/env bash
# Runs a command with geopulse's Node (tools/infra/ensure-node.sh) first on PATH:
#   bash tools/with-node.sh node bench/rules/run.js
set -euo pipefail
bin="$(bash "$(dirname "${BASH_SOURCE[0]}")/infra/ensure-node.sh")"
export PATH="$bin:$PATH"
exec "$@"
