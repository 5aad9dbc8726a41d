#!/usr/bin/env bash
# Prints the bin directory holding `helm` (v3.22.0) and makes the helm-unittest plugin (v1.1.2)
# available to it, building both from the Go module proxy the first time:
#   - helm:          go install helm.sh/helm/v3/cmd/helm@<version>
#   - helm-unittest: its module source built as the main module (its go.mod carries a replace
#                    line that `go install mod@version` refuses), installed as a plugin offline
#                    (SKIP_BIN_INSTALL=1) into a plugin folder of ours.
# The binaries are kept under ${GEOPULSE_CACHE_DIR:-$HOME/.cache/geopulse}/helm-<v>-unittest-<v>-k8s/,
# keyed by version, so a second run builds nothing and needs no network. Use the wrapper
# tools/infra/helm.sh, which points HELM_PLUGINS at that folder.
set -euo pipefail

HELM_VERSION=v3.22.0
UNITTEST_VERSION=v1.1.2
CACHE_DIR="${GEOPULSE_CACHE_DIR:-$HOME/.cache/geopulse}"
# "-k8s": helm built with its default Kubernetes version set (below).
TARGET="$CACHE_DIR/helm-$HELM_VERSION-unittest-$UNITTEST_VERSION-k8s"

log() { echo "[ensure-helm] $*" >&2; }
die() { echo "[ensure-helm] ERROR: $*" >&2; exit 1; }

if [ -x "$TARGET/bin/helm" ] && [ -x "$TARGET/plugins/unittest/untt-linux-amd64" ]; then
  echo "$TARGET/bin"
  exit 0
fi
command -v go >/dev/null 2>&1 || die "go not found: it is needed once to build helm $HELM_VERSION"
[ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] || die "this script builds for linux/amd64 only; install helm $HELM_VERSION and helm-unittest yourself"

mkdir -p "$CACHE_DIR"
exec 9>"$CACHE_DIR/.ensure-helm.lock"
command -v flock >/dev/null 2>&1 && flock 9
if [ -x "$TARGET/bin/helm" ] && [ -x "$TARGET/plugins/unittest/untt-linux-amd64" ]; then
  echo "$TARGET/bin"
  exit 0
fi

tmp="$(mktemp -d "$CACHE_DIR/helm-build.XXXXXX")"
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
started=$SECONDS
log "building helm $HELM_VERSION from the Go module proxy (once)"
# The Kubernetes version helm assumes without a cluster (helm template, lint), as helm's own
# Makefile sets it; unset, it is 1.20. For helm v3.22.0 (client-go v0.37): 1.37.
k8s_flags=""
for pkg in pkg/chartutil pkg/lint/rules; do
  k8s_flags+=" -X helm.sh/helm/v3/$pkg.k8sVersionMajor=1 -X helm.sh/helm/v3/$pkg.k8sVersionMinor=37"
done
GOBIN="$tmp/bin" CGO_ENABLED=0 nice -n 10 go install \
  -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION $k8s_flags" \
  "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >&2

log "building helm-unittest $UNITTEST_VERSION (once)"
src="$(cd "$tmp" && GOFLAGS=-mod=mod go mod download -json "github.com/helm-unittest/helm-unittest@$UNITTEST_VERSION" |
  sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
[ -d "$src" ] || die "go mod download of helm-unittest $UNITTEST_VERSION gave no source folder"
cp -r "$src" "$tmp/unittest-src" && chmod -R u+w "$tmp/unittest-src"
plugin="$tmp/plugins/unittest"
mkdir -p "$plugin"
(cd "$tmp/unittest-src" && CGO_ENABLED=0 nice -n 10 go build -o "$plugin/untt-linux-amd64" \
  -ldflags "-s -w -X github.com/helm-unittest/helm-unittest/internal/build.version=${UNITTEST_VERSION#v}" \
  ./cmd/helm-unittest) >&2
cp "$tmp/unittest-src/plugin.yaml" "$plugin/plugin.yaml"
# An empty install hook: the binary is already in place (the upstream hook downloads it).
printf '#!/bin/sh\nexit 0\n' > "$plugin/install-binary.sh" && chmod +x "$plugin/install-binary.sh"

"$tmp/bin/helm" version --short >/dev/null || die "the built helm does not run"
rm -rf "$TARGET"
mkdir -p "$TARGET"
mv "$tmp/bin" "$TARGET/bin"
mv "$tmp/plugins" "$TARGET/plugins"
HELM_PLUGINS="$TARGET/plugins" "$TARGET/bin/helm" unittest --help >/dev/null || die "helm unittest does not run"
log "built in $((SECONDS - started)) s into $TARGET"
echo "$TARGET/bin"
