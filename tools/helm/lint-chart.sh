#!/usr/bin/env bash
# The chart's lint (nx run helm-chart:lint): `helm lint --strict` with each ci/*-values.yaml
# scenario (templates render, the schema accepts them), and the generated README up to date.
set -euo pipefail
chart="${1:?usage: lint-chart.sh <chart-dir>}"
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
helm="tools/infra/helm.sh"
bash tools/infra/ensure-helm.sh >/dev/null
for values in "$chart"/ci/*-values.yaml; do
  bash "$helm" lint --strict --quiet "$chart" -f "$values"
  bash "$helm" template lint "$chart" -f "$values" >/dev/null
done
node tools/helm/chart-readme.js "$chart" --check
echo "[lint-chart] $chart: helm lint --strict and template pass for $(ls "$chart"/ci/*-values.yaml | wc -l) scenarios; README up to date"
