#!/usr/bin/env bash
# Builds the geopulse Mosquitto auth plugin (geopulse_auth.c) into the cache, keyed by the hash of
# its source: ${GEOPULSE_CACHE_DIR:-$HOME/.cache/geopulse}/mosquitto-auth-<hash>/geopulse_auth.so.
# Needs gcc and Debian's mosquitto-dev + libmosquitto-dev headers (tools/infra/ensure-deps.sh
# installs them). Idempotent: prints the path, builds only when the source changed.
# libs/testing/src/infra/infra-cache.ts computes the same path (sha256 of the source, 16 chars).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SRC="$HERE/geopulse_auth.c"
CACHE_DIR="${GEOPULSE_CACHE_DIR:-$HOME/.cache/geopulse}"
HASH="$(sha256sum "$SRC" | cut -c1-16)"
OUT_DIR="$CACHE_DIR/mosquitto-auth-$HASH"
OUT="$OUT_DIR/geopulse_auth.so"
if [ ! -f "$OUT" ]; then
  command -v gcc >/dev/null 2>&1 || { echo "[mosquitto-auth] gcc not found (Debian: apt-get install -y gcc)" >&2; exit 1; }
  [ -f /usr/include/mosquitto_broker.h ] || { echo "[mosquitto-auth] mosquitto_broker.h not found (Debian: apt-get install -y mosquitto-dev libmosquitto-dev)" >&2; exit 1; }
  mkdir -p "$OUT_DIR"
  tmp="$(mktemp "$OUT_DIR/.build.XXXXXX")"
  echo "[mosquitto-auth] building $OUT" >&2
  gcc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -fPIC -shared -o "$tmp" "$SRC"
  mv "$tmp" "$OUT"
fi
echo "$OUT"
