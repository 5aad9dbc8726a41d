#!/usr/bin/env bash
# Makes this machine able to run the no-Docker test stack (libs/testing):
#   - redis-server, mosquitto and chromium (the live map's browser test) from Debian packages (installed only when missing, only as root),
#   - gcc and mosquitto-dev/libmosquitto-dev to build the geopulse Mosquitto auth plugin
#     (tools/infra/mosquitto-auth, cached under the cache dir by the hash of its source),
#   - java 17+ (checked), maven (checked when jars have to be fetched),
#   - the Kafka and DynamoDB Local jars, resolved from Maven Central with the poms in
#     tools/infra/maven into ${GEOPULSE_CACHE_DIR:-$HOME/.cache/geopulse}.
# Idempotent: a second run installs and downloads nothing. The jar caches are complete when their
# marker file holds the hash of the pom they were fetched with; editing a pom refetches.
# Versions here must match the poms and libs/testing/src/infra/infra-cache.ts (a unit test checks).
set -euo pipefail

KAFKA_VERSION=4.3.1
DYNAMODB_LOCAL_VERSION=3.3.1

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE_DIR="${GEOPULSE_CACHE_DIR:-$HOME/.cache/geopulse}"
MARKER=.geopulse-complete

# shellcheck source=tools/infra/apt-install.sh
source "$ROOT/tools/infra/apt-install.sh"

log() { echo "[ensure-deps] $*" >&2; }
die() { echo "[ensure-deps] ERROR: $*" >&2; exit 1; }

# mosquitto lives in /usr/sbin, which is not on a normal user's PATH.
find_bin() {
  local name="$1" dir
  if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return 0; fi
  for dir in /usr/sbin /usr/local/sbin /sbin; do
    if [ -x "$dir/$name" ]; then echo "$dir/$name"; return 0; fi
  done
  return 1
}

install_debian_packages() {
  local missing=()
  find_bin redis-server >/dev/null || missing+=(redis-server)
  find_bin mosquitto >/dev/null || missing+=(mosquitto)
  command -v gcc >/dev/null 2>&1 || missing+=(gcc)
  [ -f /usr/include/mosquitto_broker.h ] || missing+=(mosquitto-dev)
  [ -f /usr/include/mosquitto.h ] || missing+=(libmosquitto-dev)
  # The live map's browser test drives Debian's headless Chromium (no browser download from npm).
  find_bin chromium >/dev/null || missing+=(chromium)
  [ "${#missing[@]}" -eq 0 ] && return 0

  apt_install "${missing[@]}"
  find_bin redis-server >/dev/null || die "redis-server still not found after apt-get install"
  find_bin mosquitto >/dev/null || die "mosquitto still not found after apt-get install"
}

check_java() {
  command -v java >/dev/null 2>&1 ||
    die "java not found: Kafka ${KAFKA_VERSION} and DynamoDB Local need Java 17+ (Debian: apt-get install -y openjdk-17-jre-headless)."
  local version major
  version="$(java -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n1)"
  major="${version%%.*}"
  if [ -n "$major" ] && [ "$major" -eq "$major" ] 2>/dev/null && [ "$major" -lt 17 ]; then
    die "java ${version} found, but Kafka ${KAFKA_VERSION} needs Java 17+."
  fi
}

pom_hash() { sha256sum "$1" | cut -d' ' -f1; }

# fetch_jars <pom> <target dir> <label>: target/libs holds the jars once target/$MARKER matches the pom.
fetch_jars() {
  local pom="$1" target="$2" label="$3" hash
  hash="$(pom_hash "$pom")"
  if [ -f "$target/$MARKER" ] && [ "$(cat "$target/$MARKER")" = "$hash" ]; then
    return 0
  fi
  command -v mvn >/dev/null 2>&1 ||
    die "mvn not found: it is needed once to fetch the ${label} jars (Debian: apt-get install -y maven)."
  log "fetching ${label} jars into ${target}/libs"
  mkdir -p "$(dirname "$target")"
  local tmp
  tmp="$(mktemp -d "${target}.tmp.XXXXXX")"
  # Debian's maven prints colour resets even in batch mode: strip them (pipefail keeps mvn's status).
  if ! mvn -q -B -f "$pom" dependency:copy-dependencies -DoutputDirectory="$tmp/libs" 2>&1 |
    sed 's/\x1b\[[0-9;]*m//g' >&2; then
    rm -rf "$tmp"
    die "maven could not resolve the ${label} jars (pom: $pom)"
  fi
  echo "$hash" > "$tmp/$MARKER"
  rm -rf "$target"
  mv "$tmp" "$target"
}

install_debian_packages
check_java

mkdir -p "$CACHE_DIR"
# Several test runs may start at once (nx run-many): one fetch at a time.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$CACHE_DIR/.ensure-deps.lock"
  flock 9
fi
fetch_jars "$ROOT/tools/infra/maven/kafka/pom.xml" "$CACHE_DIR/kafka-${KAFKA_VERSION}" "Kafka ${KAFKA_VERSION}"
fetch_jars "$ROOT/tools/infra/maven/dynamodb/pom.xml" "$CACHE_DIR/dynamodb-local-${DYNAMODB_LOCAL_VERSION}" "DynamoDB Local ${DYNAMODB_LOCAL_VERSION}"
bash "$ROOT/tools/infra/mosquitto-auth/build.sh" >/dev/null
log "ok: redis-server, mosquitto (+ geopulse auth plugin), java, jars in ${CACHE_DIR}"
