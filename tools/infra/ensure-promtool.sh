#!/usr/bin/env bash
# Prints the path of Prometheus's `promtool`, building it once from the Go module proxy
# (github.com/prometheus/prometheus/cmd/promtool; Prometheus 3 tags its Go module v0.3xx) into
# ${GEOPULSE_CACHE_DIR:-$HOME/.cache/geopulse}/promtool-<version>/promtool. A second run builds
# nothing. CI uses it to check deploy/observability/prometheus (test/observability.integration-spec.ts).
set -euo pipefail

VERSION=v0.316.0
CACHE_DIR="${GEOPULSE_CACHE_DIR:-$HOME/.cache/geopulse}"
TARGET="$CACHE_DIR/promtool-$VERSION"

log() { echo "[ensure-promtool] $*" >&2; }
die() { echo "[ensure-promtool] ERROR: $*" >&2; exit 1; }

if [ -x "$TARGET/promtool" ]; then
  echo "$TARGET/promtool"
  exit 0
fi
command -v go >/dev/null 2>&1 || die "go not found: it is needed once to build promtool $VERSION"
mkdir -p "$CACHE_DIR"
exec 9>"$CACHE_DIR/.ensure-promtool.lock"
command -v flock >/dev/null 2>&1 && flock 9
if [ ! -x "$TARGET/promtool" ]; then
  log "building promtool $VERSION from the Go module proxy (once; a few minutes on 2 cores)"
  tmp="$(mktemp -d "$TARGET.tmp.XXXXXX")"
  started=$SECONDS
  if ! GOBIN="$tmp" GOFLAGS=-mod=mod nice -n 10 go install "github.com/prometheus/prometheus/cmd/promtool@$VERSION" >"$tmp/build.log" 2>&1; then
    tail -20 "$tmp/build.log" >&2
    rm -rf "$tmp"
    die "go install of promtool $VERSION failed"
  fi
  "$tmp/promtool" --version >/dev/null || { rm -rf "$tmp"; die "the built promtool does not run"; }
  rm -f "$tmp/build.log"
  rm -rf "$TARGET"
  mv "$tmp" "$TARGET"
  log "built in $((SECONDS - started)) s"
fi
echo "$TARGET/promtool"
