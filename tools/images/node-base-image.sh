#!/usr/bin/env bash
# Builds the local stand-in for the official `node:24-bookworm-slim` image where no registry can
# be pulled from (this project's CI): Debian bookworm minbase (tools/infra/ensure-docker.sh) plus
# the Node 24 binary (tools/infra/ensure-node.sh), npm from the npm registry, and the unprivileged
# `node` user (uid/gid 1000) of the official image. Idempotent; prints the image's name.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
NODE_VERSION="$(tr -d 'v \n' < "$ROOT/.nvmrc")"
NPM_VERSION=11.19.1
CACHE_DIR="${GEOPULSE_CACHE_DIR:-$HOME/.cache/geopulse}"
IMAGE="geopulse/node:$NODE_VERSION-bookworm"

log() { echo "[node-base-image] $*" >&2; }

base="$(bash "$ROOT/tools/infra/ensure-docker.sh")"
if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "$IMAGE"
  exit 0
fi
node_bin="$(bash "$ROOT/tools/infra/ensure-node.sh")/node"
"$node_bin" --version | grep -qx "v$NODE_VERSION" || { log "ERROR: $node_bin is not Node $NODE_VERSION"; exit 1; }

npm_tgz="$CACHE_DIR/npm-$NPM_VERSION.tgz"
if [ ! -f "$npm_tgz" ]; then
  log "fetching npm $NPM_VERSION from the npm registry (once)"
  tmp="$(mktemp -d "$CACHE_DIR/npm-pack.XXXXXX")"
  (cd "$tmp" && npm pack --silent "npm@$NPM_VERSION" >/dev/null)
  mv "$tmp/npm-$NPM_VERSION.tgz" "$npm_tgz" && rm -rf "$tmp"
fi

ctx="$(mktemp -d "${TMPDIR:-/tmp}/geopulse-node-image.XXXXXX")"
trap 'rm -rf "$ctx"' EXIT
cp "$node_bin" "$ctx/node"
mkdir "$ctx/npm" && tar -xzf "$npm_tgz" -C "$ctx/npm" --strip-components=1
cat > "$ctx/Dockerfile" <<DOCKERFILE
FROM $base
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm && \\
    ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx && \\
    echo 'node:x:1000:1000::/home/node:/bin/sh' >> /etc/passwd && \\
    echo 'node:x:1000:' >> /etc/group && \\
    mkdir -p /home/node && chown 1000:1000 /home/node && \\
    node --version && npm --version
CMD ["node"]
DOCKERFILE
log "building $IMAGE from $base"
docker build -q -t "$IMAGE" "$ctx" >/dev/null
echo "$IMAGE"
