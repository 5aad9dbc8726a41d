#!/usr/bin/env bash
# Builds Jaeger (all-in-one, v2) from the Go module proxy once into the download cache and prints
# the binary's path. `go install github.com/jaegertracing/jaeger/cmd/jaeger@v` is refused because
# Jaeger's go.mod has a replace directive, so this builds it as a tool of a throw-away local module
# that copies that replace. A second run builds nothing: the binary is cached keyed by version.
# Needs Go 1.24+ (for `go get -tool`). Runs the build with `nice` (it takes minutes on 2 cores).
set -euo pipefail

JAEGER_MODULE_VERSION=v1.76.0 # = Jaeger 2.13.0; keep in step with libs/testing/src/infra/infra-cache.ts
SARAMA_REPLACE='github.com/Shopify/sarama=github.com/Shopify/sarama@v1.33.0' # Jaeger's own go.mod replace

CACHE_DIR="${GEOPULSE_CACHE_DIR:-$HOME/.cache/geopulse}"
TARGET="$CACHE_DIR/jaeger-$JAEGER_MODULE_VERSION"
BIN="$TARGET/jaeger"

log() { echo "[ensure-jaeger] $*" >&2; }
die() { echo "[ensure-jaeger] ERROR: $*" >&2; exit 1; }

if [ -x "$BIN" ]; then
  echo "$BIN"
  exit 0
fi

command -v go >/dev/null 2>&1 || die "go not found: Jaeger is built from the Go module proxy (Go 1.24+ needed; Debian: golang-go from bookworm-backports, or https://go.dev/dl)."

mkdir -p "$CACHE_DIR"
work="$(mktemp -d "$CACHE_DIR/jaeger-build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
started=$SECONDS
log "building github.com/jaegertracing/jaeger/cmd/jaeger@$JAEGER_MODULE_VERSION (first run only; minutes on 2 cores)"
(
  cd "$work"
  go mod init geopulse.local/jaeger-build >/dev/null 2>&1
  go mod edit -replace="$SARAMA_REPLACE"
  nice -n 10 go get -tool "github.com/jaegertracing/jaeger/cmd/jaeger@$JAEGER_MODULE_VERSION" >&2
  CGO_ENABLED=0 nice -n 10 go build -trimpath -ldflags='-s -w' -o "$work/jaeger" github.com/jaegertracing/jaeger/cmd/jaeger >&2
) || die "building Jaeger failed"
mkdir -p "$TARGET"
mv "$work/jaeger" "$BIN.partial"
mv "$BIN.partial" "$BIN"
log "built $BIN in $((SECONDS - started)) s"
echo "$BIN"
