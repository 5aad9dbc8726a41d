#!/usr/bin/env bash
# Prints a folder holding KEDA's own CustomResourceDefinitions (ScaledObject, TriggerAuthentication,
# ...), taken once from KEDA's Go module on the module proxy (its config/crd/bases) and kept under
# ${GEOPULSE_CACHE_DIR:-$HOME/.cache/geopulse}/keda-crds-<version>/: a second run needs no network.
# The cluster test applies them, so the chart's ScaledObject is checked by the API server against
# KEDA's real schema (no KEDA operator runs there).
set -euo pipefail
KEDA_VERSION=v2.21.0
CACHE_DIR="${GEOPULSE_CACHE_DIR:-$HOME/.cache/geopulse}"
TARGET="$CACHE_DIR/keda-crds-$KEDA_VERSION"

die() { echo "[ensure-keda-crds] ERROR: $*" >&2; exit 1; }

if [ -f "$TARGET/keda.sh_scaledobjects.yaml" ]; then
  echo "$TARGET"
  exit 0
fi
command -v go >/dev/null 2>&1 || die "go not found: it is needed once to fetch KEDA $KEDA_VERSION's module"
mkdir -p "$CACHE_DIR"
tmp="$(mktemp -d "$CACHE_DIR/keda-crds.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
src="$(cd "$tmp" && GOFLAGS=-mod=mod go mod download -json "github.com/kedacore/keda/v2@$KEDA_VERSION" |
  sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
[ -f "$src/config/crd/bases/keda.sh_scaledobjects.yaml" ] || die "KEDA $KEDA_VERSION's module has no config/crd/bases/keda.sh_scaledobjects.yaml"
mkdir -p "$tmp/crds"
cp "$src"/config/crd/bases/keda.sh_*.yaml "$tmp/crds/"
chmod -R u+w "$tmp/crds"
rm -rf "$TARGET"
mv "$tmp/crds" "$TARGET"
echo "$TARGET"
