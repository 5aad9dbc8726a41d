#!/usr/bin/env bash
# Prints the bin directory holding a Kubernetes control plane and node built from the Go module
# proxy, building it the first time (docs/decisions/0601-cluster-harness.md):
#   kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kubectl   (k8s.io/kubernetes)
#   etcd                                  (go.etcd.io/etcd/server/v3, the version Kubernetes requires)
#   pause                                 (Kubernetes' build/pause/linux/pause.c, compiled static)
# k8s.io/kubernetes is not meant to be a dependency: its go.mod points each k8s.io/* staging
# module at ./staging/..., so a local module requires it and pins those modules to the matching
# v0.x release instead. The version is stamped with -ldflags, as Kubernetes' own build does
# (unstamped, every binary says v0.0.0 and kubectl/helm version checks go wrong).
# The binaries are kept under ${GEOPULSE_CACHE_DIR:-$HOME/.cache/geopulse}/kubernetes-<v>/, keyed
# by version: a second run builds nothing and needs no network. The first build takes several
# minutes on 2 cores (measured in the README, "Deploy to Kubernetes").
set -euo pipefail

K8S_VERSION=v1.34.3
# The staging modules' release matching K8S_VERSION (v1.x.y -> v0.x.y).
STAGING_VERSION="v0.${K8S_VERSION#v1.}"
CACHE_DIR="${GEOPULSE_CACHE_DIR:-$HOME/.cache/geopulse}"
TARGET="$CACHE_DIR/kubernetes-$K8S_VERSION"
BINARIES=(kube-apiserver kube-controller-manager kube-scheduler kubelet kubectl etcd pause)

log() { echo "[ensure-kubernetes] $*" >&2; }
die() { echo "[ensure-kubernetes] ERROR: $*" >&2; exit 1; }

complete() {
  local b
  for b in "${BINARIES[@]}"; do [ -x "$TARGET/bin/$b" ] || return 1; done
}

if complete; then
  echo "$TARGET/bin"
  exit 0
fi
command -v go >/dev/null 2>&1 || die "go not found: it is needed once to build Kubernetes $K8S_VERSION"
command -v cc >/dev/null 2>&1 || die "a C compiler (cc) is needed once to build the pause binary"
[ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] || die "this script builds for linux/amd64 only"

mkdir -p "$CACHE_DIR"
exec 9>"$CACHE_DIR/.ensure-kubernetes.lock"
command -v flock >/dev/null 2>&1 && flock 9
if complete; then
  echo "$TARGET/bin"
  exit 0
fi

tmp="$(mktemp -d "$CACHE_DIR/kubernetes-build.XXXXXX")"
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
started=$SECONDS
log "building Kubernetes $K8S_VERSION from the Go module proxy (once)"
mod="$tmp/mod"
mkdir -p "$mod" "$tmp/bin"
cd "$mod"
go mod init geopulse.local/kubernetes-build >/dev/null 2>&1
k8s_json="$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION")"
k8s_dir="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' <<<"$k8s_json")"
[ -f "$k8s_dir/go.mod" ] || die "go mod download of k8s.io/kubernetes $K8S_VERSION gave no source folder"
# Every `k8s.io/x => ./staging/src/k8s.io/x` of Kubernetes' go.mod becomes `k8s.io/x => k8s.io/x v0.y.z`.
{
  echo "require k8s.io/kubernetes $K8S_VERSION"
  echo "replace ("
  sed -n 's#^[[:space:]]*\(k8s\.io/[a-z0-9-]*\) => \./staging/src/k8s\.io/[a-z0-9-]*$#\t\1 => \1 '"$STAGING_VERSION"'#p' "$k8s_dir/go.mod"
  echo ")"
} >>go.mod
grep -q "k8s.io/client-go => k8s.io/client-go $STAGING_VERSION" go.mod || die "no staging replace lines found in Kubernetes' go.mod"

packages=(cmd/kube-apiserver cmd/kube-controller-manager cmd/kube-scheduler cmd/kubelet cmd/kubectl)
# Resolves the whole module graph once (go get -tool records the commands as tools of this module).
# Each at the pinned version (without @version, go get would move to the newest release).
tools=()
for pkg in "${packages[@]}"; do tools+=("k8s.io/kubernetes/$pkg@$K8S_VERSION"); done
GOFLAGS=-mod=mod nice -n 10 go get -tool "${tools[@]}" >&2
grep -q "k8s.io/kubernetes $K8S_VERSION" go.mod || die "go get moved k8s.io/kubernetes off $K8S_VERSION"
# etcd: the server version Kubernetes itself requires (it embeds it for its integration tests).
etcd_version="$(go list -m -f '{{.Version}}' go.etcd.io/etcd/server/v3)"
GOFLAGS=-mod=mod nice -n 10 go get -tool "go.etcd.io/etcd/server/v3@$etcd_version" >&2

minor="${K8S_VERSION#v1.}"
minor="${minor%%.*}"
ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1"
ldflags+=" -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
ldflags+=" -X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION -X k8s.io/client-go/pkg/version.gitMajor=1"
ldflags+=" -X k8s.io/client-go/pkg/version.gitMinor=$minor"
for pkg in "${packages[@]}"; do
  log "go build $pkg"
  CGO_ENABLED=0 nice -n 10 go build -trimpath -ldflags "$ldflags" -o "$tmp/bin/" "k8s.io/kubernetes/$pkg" >&2
done
log "go build etcd $etcd_version"
CGO_ENABLED=0 nice -n 10 go build -trimpath -ldflags "-s -w" -o "$tmp/bin/etcd" go.etcd.io/etcd/server/v3 >&2

log "cc pause.c"
cc -Os -Wall -Werror -static -DVERSION=v3.10-geopulse -o "$tmp/bin/pause" "$k8s_dir/build/pause/linux/pause.c" >&2

"$tmp/bin/kube-apiserver" --version | grep -q "$K8S_VERSION" || die "kube-apiserver does not report $K8S_VERSION"
"$tmp/bin/etcd" --version >/dev/null || die "the built etcd does not run"
rm -rf "$TARGET"
mkdir -p "$TARGET"
mv "$tmp/bin" "$TARGET/bin"
log "built in $((SECONDS - started)) s into $TARGET (etcd $etcd_version)"
echo "$TARGET/bin"
