#!/usr/bin/env bash
# `helm` v3.22.0 with the helm-unittest plugin, built once by ensure-helm.sh:
#   bash tools/infra/helm.sh lint --strict deploy/helm/geopulse
#   bash tools/infra/helm.sh unittest deploy/helm/geopulse
set -euo pipefail
bin="$(bash "$(dirname "${BASH_SOURCE[0]}")/ensure-helm.sh")"
export HELM_PLUGINS="$(dirname "$bin")/plugins"
exec "$bin/helm" "$@"
