#!/usr/bin/env bash
# `npm run images`: builds geopulse/<service>:<tag> for the five services from the one Dockerfile.
#   NODE_IMAGE=node:24-bookworm-slim npm run images   # with a registry (a laptop)
#   npm run images                                     # here: the local base (node-base-image.sh)
# Environment: GEOPULSE_BUILD_CA_FILE (see below), IMAGE_TAG (default: dev), IMAGE_REPOSITORY (default: geopulse), SERVICES (default: all five).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
tag="${IMAGE_TAG:-dev}"
repo="${IMAGE_REPOSITORY:-geopulse}"
services="${SERVICES:-ingest aggregator rules geo notifier}"
node_image="${NODE_IMAGE:-$(bash tools/images/node-base-image.sh)}"
# Behind a TLS-inspecting proxy (this machine) npm in the build must trust the proxy's CA as the
# host's npm does: the CAs added locally (Debian's /usr/local/share/ca-certificates), or
# GEOPULSE_BUILD_CA_FILE. The whole system bundle is too big for a build argument.
ca_pem=""
if [ -n "${GEOPULSE_BUILD_CA_FILE:-}" ]; then
  ca_pem="$(cat "$GEOPULSE_BUILD_CA_FILE")"
elif compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
  ca_pem="$(cat /usr/local/share/ca-certificates/*.crt)"
fi
ca_args=()
[ -n "$ca_pem" ] && ca_args=(--build-arg "EXTRA_CA_CERTS=$ca_pem")
for service in $services; do
  started=$SECONDS
  # --network host: the build's npm reaches the registry the way the host's npm does.
  docker build --network host --build-arg "NODE_IMAGE=$node_image" --build-arg "SERVICE=$service" "${ca_args[@]}" \
    -t "$repo/$service:$tag" . >&2
  echo "[images] $repo/$service:$tag built in $((SECONDS - started)) s," \
    "$(docker image inspect -f '{{.Size}}' "$repo/$service:$tag" | awk '{printf "%d MB", $1/1e6}')" >&2
done
