#!/usr/bin/env bash
# Makes a Docker engine usable here and builds the local base image that every image of ours
# can start FROM when no registry can be pulled from (this machine, CI):
#   - installs Debian's docker.io and debootstrap when missing (as root, daemons not auto-started),
#   - starts dockerd in the background when no engine answers (log: $CACHE_DIR/dockerd.log),
#   - imports `geopulse/debian-base:bookworm` from `debootstrap --variant=minbase bookworm`,
#     keeping the root file system as a tarball in the cache, so a later run re-imports it
#     without fetching anything.
# Prints nothing on stdout but the base image's name. On a laptop with a registry, nothing here is
# needed: our Dockerfiles default to the official images (see deploy/ and libs/testing).
set -euo pipefail

CACHE_DIR="${GEOPULSE_CACHE_DIR:-$HOME/.cache/geopulse}"
BASE_IMAGE="${GEOPULSE_BASE_IMAGE:-geopulse/debian-base:bookworm}"
SUITE=bookworm
MIRROR="${GEOPULSE_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
ROOTFS_TAR="$CACHE_DIR/debian-$SUITE-minbase.tar"

# shellcheck source=tools/infra/apt-install.sh
source "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh"

log() { echo "[ensure-docker] $*" >&2; }
die() { echo "[ensure-docker] ERROR: $*" >&2; exit 1; }

# Debian's client is /usr/bin/docker; a newer client elsewhere on PATH negotiates the API down.
docker_ok() { docker info >/dev/null 2>&1; }

install_packages() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  command -v debootstrap >/dev/null 2>&1 || [ -f "$ROOTFS_TAR" ] || missing+=(debootstrap)
  [ "${#missing[@]}" -eq 0 ] && return 0
  apt_install "${missing[@]}"
}

start_engine() {
  docker_ok && return 0
  command -v dockerd >/dev/null 2>&1 || die "dockerd not found"
  [ "$(id -u)" -eq 0 ] || die "no Docker engine answers, and starting one needs root"
  log "starting dockerd (log: $CACHE_DIR/dockerd.log)"
  # 9>&-: the daemon must not inherit (and hold forever) this script's lock.
  setsid dockerd >>"$CACHE_DIR/dockerd.log" 2>&1 < /dev/null 9>&- &
  local i
  for i in $(seq 1 150); do
    docker_ok && return 0
    sleep 0.2
  done
  tail -20 "$CACHE_DIR/dockerd.log" >&2
  die "dockerd did not answer within 30 s"
}

ensure_base_image() {
  docker image inspect "$BASE_IMAGE" >/dev/null 2>&1 && return 0
  if [ ! -f "$ROOTFS_TAR" ]; then
    log "debootstrap --variant=minbase $SUITE (once; cached as $ROOTFS_TAR)"
    local root
    root="$(mktemp -d "$CACHE_DIR/rootfs.XXXXXX")"
    debootstrap --variant=minbase "$SUITE" "$root" "$MIRROR" >"$CACHE_DIR/debootstrap.log" 2>&1 ||
      { tail -20 "$CACHE_DIR/debootstrap.log" >&2; rm -rf "$root"; die "debootstrap failed"; }
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    tar -C "$root" -cf "$ROOTFS_TAR.tmp" . && mv "$ROOTFS_TAR.tmp" "$ROOTFS_TAR"
    rm -rf "$root"
  fi
  log "importing $BASE_IMAGE"
  docker import "$ROOTFS_TAR" "$BASE_IMAGE" >/dev/null
}

# Fast path without the lock: an engine answers and the base image is there.
if docker_ok && docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
  echo "$BASE_IMAGE"
  exit 0
fi
mkdir -p "$CACHE_DIR"
exec 9>"$CACHE_DIR/.ensure-docker.lock"
command -v flock >/dev/null 2>&1 && flock 9
install_packages
start_engine
ensure_base_image
echo "$BASE_IMAGE"
