#!/usr/bin/env bash
# A real one-node Kubernetes cluster for tests, as plain processes on this machine
# (docs/decisions/0601-cluster-harness.md):
#   etcd, kube-apiserver, kube-controller-manager, kube-scheduler  on 127.0.0.1, free ports
#   containerd (our own instance: config, root, state and socket in the run's dir) + runc
#   kubelet (cgroupfs driver) with CNI bridge + host-local + portmap on a bridge this run creates
# No CoreDNS and no kube-proxy: Service IPs do not route, pods are addressed by IP. Binaries come
# from tools/infra/ensure-kubernetes.sh (built once, cached). Needs root (kubelet, containerd).
#
#   eval "$(bash tools/cluster/cluster.sh up --dir DIR)"   # exports KUBECONFIG, GEOPULSE_CLUSTER_*
#   bash tools/cluster/cluster.sh down --dir DIR            # stops everything, removes what up created
#
# `down` removes everything `up` created, also after a failed or killed `up`: pods and their
# network namespaces, mounts under DIR, the bridge, iptables rules and chains added since `up`,
# the kubelet's cgroups, and every process (by the pids recorded in DIR). Only one cluster runs on
# a machine at a time (the bridge name and the kubelet's cgroups are per machine).
# Environment: GEOPULSE_CLUSTER_SUBNET (default 10.244.0.0/24; refused when a route overlaps it).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BRIDGE=gp-cni0
SUBNET="${GEOPULSE_CLUSTER_SUBNET:-10.244.0.0/24}"
SERVICE_RANGE=10.96.0.0/24
NODE_NAME=geopulse-node
PAUSE_IMAGE=docker.io/geopulse/pause:3.10
CNI_BIN_DIR=/usr/lib/cni

log() { echo "[cluster] $*" >&2; }
die() { echo "[cluster] ERROR: $*" >&2; exit 1; }

usage() { die "usage: cluster.sh up|down --dir DIR"; }

# --- helpers ---------------------------------------------------------------------------------

free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{process.stdout.write(`${s.address().port}\n`);s.close()})'; }

# Starts a long-running process in its own session, logging to DIR/logs/<name>.log, pid in DIR/pids.
start_process() {
  local name="$1"
  shift
  setsid "$@" >>"$dir/logs/$name.log" 2>&1 </dev/null 9>&- &
  echo $! >"$dir/pids/$name.pid"
}

# A process that exited but was not reaped (a zombie: our processes outlive the shell that started
# them, and this machine's pid 1 may not reap) counts as gone.
running() { [ -r "/proc/$1/stat" ] && [ "$(sed 's/^.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null)" != Z ]; }

alive() { [ -f "$dir/pids/$1.pid" ] && running "$(cat "$dir/pids/$1.pid")"; }

# Polls a command until it succeeds; fails with the named log's tail if the process died or time ran out.
wait_for() {
  local what="$1" process="$2" seconds="$3"
  shift 3
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if [ -n "$process" ] && ! alive "$process"; then
      tail -30 "$dir/logs/$process.log" >&2
      die "$process exited while waiting for $what"
    fi
    if [ $SECONDS -ge $deadline ]; then
      [ -n "$process" ] && tail -30 "$dir/logs/$process.log" >&2
      die "$what not ready after $seconds s"
    fi
    sleep 0.3
  done
}

stop_process() {
  local name="$1" pid
  [ -f "$dir/pids/$name.pid" ] || return 0
  pid="$(cat "$dir/pids/$name.pid")"
  if running "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    local i
    for i in $(seq 1 50); do running "$pid" || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$dir/pids/$name.pid"
}

# Rule lines and chain names of every iptables table, to remove at `down` what appeared after `up`.
iptables_snapshot() {
  local cmd
  for cmd in iptables ip6tables; do
    command -v "$cmd-save" >/dev/null 2>&1 || continue
    "$cmd-save" 2>/dev/null | awk -v cmd="$cmd" '/^\*/ {table=substr($0,2)} /^(-A|:)/ {print cmd, table, $0}'
  done | sed 's/ \[[0-9]*:[0-9]*\]$//' | sort -u
}

# --- up --------------------------------------------------------------------------------------

# The machine's one cluster run: its dir. A run killed before its `down` (SIGKILL of the whole test)
# is cleaned up by the next `up`; a live one makes `up` fail rather than share the bridge.
OWNER_FILE="${GEOPULSE_CACHE_DIR:-$HOME/.cache/geopulse}/cluster-owner"

reap_dead_owner() {
  [ -f "$OWNER_FILE" ] || return 0
  local owner pid
  owner="$(cat "$OWNER_FILE")"
  for pid in $(cat "$owner"/pids/*.pid 2>/dev/null); do
    running "$pid" && die "a cluster runs already (dir $owner, pid $pid): one per machine; stop it with cluster.sh down --dir $owner"
  done
  log "removing what a dead run left in $owner"
  (dir="$owner" && cluster_down)
  rm -f "$OWNER_FILE"
}

write_certificates() {
  local pki="$dir/pki" gateway="$1"
  mkdir -p "$pki"
  local o=(openssl)
  "${o[@]}" req -x509 -newkey rsa:2048 -nodes -keyout "$pki/ca.key" -out "$pki/ca.pem" -days 2 -subj /CN=geopulse-cluster-ca 2>/dev/null
  "${o[@]}" req -newkey rsa:2048 -nodes -keyout "$pki/apiserver.key" -out "$pki/apiserver.csr" -subj /CN=kube-apiserver 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,IP:%s,IP:%s,DNS:kubernetes,DNS:kubernetes.default.svc,DNS:localhost\n' \
    "${SERVICE_RANGE%.*}.1" "$gateway" >"$pki/apiserver.ext"
  "${o[@]}" x509 -req -in "$pki/apiserver.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" -CAcreateserial -days 2 \
    -extfile "$pki/apiserver.ext" -out "$pki/apiserver.pem" 2>/dev/null
  # One client identity for the cluster's own components and the test (system:masters).
  "${o[@]}" req -newkey rsa:2048 -nodes -keyout "$pki/admin.key" -out "$pki/admin.csr" -subj "/O=system:masters/CN=geopulse-admin" 2>/dev/null
  printf 'extendedKeyUsage=clientAuth\n' >"$pki/admin.ext"
  "${o[@]}" x509 -req -in "$pki/admin.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" -CAcreateserial -days 2 \
    -extfile "$pki/admin.ext" -out "$pki/admin.pem" 2>/dev/null
  "${o[@]}" genrsa -out "$pki/sa.key" 2048 2>/dev/null
  "${o[@]}" rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
}

write_kubeconfig() {
  local port="$1" pki="$dir/pki"
  cat >"$dir/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: geopulse
    cluster:
      server: https://127.0.0.1:$port
      certificate-authority: $pki/ca.pem
users:
  - name: admin
    user:
      client-certificate: $pki/admin.pem
      client-key: $pki/admin.key
contexts:
  - name: geopulse
    context: { cluster: geopulse, user: admin }
current-context: geopulse
EOF
  chmod 600 "$dir/kubeconfig"
}

write_containerd_config() {
  local c="$dir/containerd"
  mkdir -p "$c/root" "$c/state" "$c/opt" "$dir/cni/net.d" "$dir/cni/ipam"
  cat >"$c/config.toml" <<EOF
version = 2
root = "$c/root"
state = "$c/state"
[grpc]
  address = "$c/containerd.sock"
[ttrpc]
  address = "$c/containerd.sock.ttrpc"
[debug]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$c/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  # This machine lacks CAP_SYS_RESOURCE: without it every sandbox fails writing oom_score_adj.
  restrict_oom_score_adj = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$CNI_BIN_DIR"
    conf_dir = "$dir/cni/net.d"
EOF
  # No default route in the pods: they reach each other and the bridge's gateway address (where the
  # test binds Kafka, Redis and DynamoDB Local), nothing else.
  cat >"$dir/cni/net.d/10-geopulse.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "geopulse",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": { "type": "host-local", "ranges": [[{ "subnet": "$SUBNET", "gateway": "$2" }]], "dataDir": "$dir/cni/ipam" }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
EOF
}

write_kubelet_config() {
  local port="$1" healthz="$2" address="$3"
  # The API server reaches the kubelet (logs, exec) at the node's InternalIP: the bridge's gateway.
  cat >"$dir/kubelet-config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $address
port: $port
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $healthz
containerRuntimeEndpoint: unix://$dir/containerd/containerd.sock
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
podLogsDir: $dir/pod-logs
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: true }
  x509: { clientCAFile: $dir/pki/ca.pem }
authorization: { mode: Webhook }
# A test node on a shared disk: evict only when really short.
evictionHard: { memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%" }
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
resolvConf: ""
EOF
}

cluster_up() {
  [ "$(id -u)" -eq 0 ] || die "the kubelet and containerd need root"
  mkdir -p "$dir/logs" "$dir/pids"
  [ -z "$(ls -A "$dir/pids")" ] || die "a cluster is already recorded in $dir: run down first"
  reap_dead_owner
  ip link show "$BRIDGE" >/dev/null 2>&1 && die "the bridge $BRIDGE exists and no run of ours owns it: remove it (ip link del $BRIDGE) or set GEOPULSE_CLUSTER_SUBNET and the bridge"
  echo "$dir" >"$OWNER_FILE"
  # The subnet must be unused by every route of this machine.
  local net="${SUBNET%/*}"
  if ip -4 route show | awk '{print $1}' | grep -v '^default$' | node -e '
      const [net, bits] = process.argv[1].split("/"); const toInt = (a) => a.split(".").reduce((n, o) => n * 256 + Number(o), 0);
      const overlaps = (a, b) => { const [an, ab = "32"] = a.split("/"); const m = Math.min(Number(ab), Number(b[1]));
        const mask = m === 0 ? 0 : (~0 << (32 - m)) >>> 0; return ((toInt(an) & mask) >>> 0) === ((toInt(b[0]) & mask) >>> 0); };
      const routes = require("fs").readFileSync(0, "utf8").split("\n").filter(Boolean);
      process.exit(routes.some((r) => overlaps(r, [net, bits])) ? 0 : 1);' "$SUBNET"; then
    die "the subnet $SUBNET overlaps a route of this machine (ip route): set GEOPULSE_CLUSTER_SUBNET"
  fi
  local gateway="${net%.*}.$(( ${net##*.} + 1 ))"
  local prefix="${SUBNET#*/}"

  local bin
  bin="$(bash "$ROOT/tools/infra/ensure-kubernetes.sh")"
  for b in bridge host-local portmap; do
    [ -x "$CNI_BIN_DIR/$b" ] && continue
    # shellcheck source=tools/infra/apt-install.sh
    source "$ROOT/tools/infra/apt-install.sh"
    apt_install containernetworking-plugins
    break
  done
  command -v containerd >/dev/null 2>&1 && command -v runc >/dev/null 2>&1 || die "containerd and runc are needed (Debian: docker.io)"
  echo "$bin" >"$dir/bin-dir"

  # What `down` compares against, and the pre-existing network namespaces it must leave alone.
  iptables_snapshot >"$dir/iptables.before"
  ls /var/run/netns 2>/dev/null | sort >"$dir/netns.before" || true
  echo "$BRIDGE" >"$dir/bridge"
  ip link add "$BRIDGE" type bridge
  ip addr add "$gateway/$prefix" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  # Docker sets the FORWARD policy to DROP and br_netfilter sends bridged traffic through it:
  # let pods on our bridge talk to each other (the helm test pod to the services).
  iptables -I FORWARD -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT

  local etcd_port etcd_peer api_port kubelet_port kubelet_healthz
  etcd_port="$(free_port)"; etcd_peer="$(free_port)"; api_port="$(free_port)"
  kubelet_port="$(free_port)"; kubelet_healthz="$(free_port)"
  write_certificates "$gateway"
  write_kubeconfig "$api_port"
  write_containerd_config "$gateway" "$gateway"
  write_kubelet_config "$kubelet_port" "$kubelet_healthz" "$gateway"
  local pki="$dir/pki" kc="$dir/kubeconfig"

  start_process etcd nice -n 5 "$bin/etcd" --name geopulse --data-dir "$dir/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer" \
    --initial-cluster "geopulse=http://127.0.0.1:$etcd_peer" --unsafe-no-fsync --log-level warn
  start_process containerd containerd --config "$dir/containerd/config.toml"
  wait_for etcd etcd 30 curl -fsS "http://127.0.0.1:$etcd_port/health"
  start_process kube-apiserver "$bin/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$etcd_port" --bind-address 127.0.0.1 --secure-port "$api_port" \
    --advertise-address "$gateway" --endpoint-reconciler-type none \
    --service-cluster-ip-range "$SERVICE_RANGE" --allow-privileged=true --authorization-mode Node,RBAC \
    --client-ca-file "$pki/ca.pem" --tls-cert-file "$pki/apiserver.pem" --tls-private-key-file "$pki/apiserver.key" \
    --kubelet-client-certificate "$pki/admin.pem" --kubelet-client-key "$pki/admin.key" \
    --kubelet-preferred-address-types InternalIP \
    --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
    --service-account-issuer https://kubernetes.default.svc --profiling=false --enable-priority-and-fairness=false
  wait_for kube-apiserver kube-apiserver 90 "$bin/kubectl" --kubeconfig "$kc" get --raw /readyz
  start_process kube-controller-manager "$bin/kube-controller-manager" --kubeconfig "$kc" \
    --authentication-kubeconfig "$kc" --authorization-kubeconfig "$kc" \
    --bind-address 127.0.0.1 --secure-port 0 --leader-elect=false --profiling=false \
    --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.pem" \
    --controllers '*,-nodeipam,-service-lb-controller,-cloud-node-lifecycle'
  start_process kube-scheduler "$bin/kube-scheduler" --kubeconfig "$kc" \
    --authentication-kubeconfig "$kc" --authorization-kubeconfig "$kc" \
    --bind-address 127.0.0.1 --secure-port 0 --leader-elect=false --profiling=false
  wait_for containerd containerd 30 ctr --address "$dir/containerd/containerd.sock" version
  import_pause_image "$bin"
  start_process kubelet "$bin/kubelet" --config "$dir/kubelet-config.yaml" --kubeconfig "$kc" \
    --root-dir "$dir/kubelet" --cert-dir "$dir/kubelet/pki" --hostname-override "$NODE_NAME" --node-ip "$gateway"
  wait_for "node $NODE_NAME Ready" kubelet 90 "$bin/kubectl" --kubeconfig "$kc" wait --for=condition=Ready "node/$NODE_NAME" --timeout=2s
  # The default ServiceAccount (created by the controller manager) must exist before any pod.
  wait_for "default ServiceAccount" kube-controller-manager 60 "$bin/kubectl" --kubeconfig "$kc" get serviceaccount default

  echo "export KUBECONFIG='$kc'"
  echo "export GEOPULSE_CLUSTER_DIR='$dir'"
  echo "export GEOPULSE_CLUSTER_GATEWAY='$gateway'"
  echo "export GEOPULSE_CLUSTER_BIN='$bin'"
  echo "export CONTAINERD_ADDRESS='$dir/containerd/containerd.sock'"
}

# The pause image of every pod sandbox: Kubernetes' pause.c (built by ensure-kubernetes.sh) as the
# only file of an image, written as an OCI archive here and imported into our containerd.
import_pause_image() {
  local bin="$1" work="$dir/pause-image"
  mkdir -p "$work/rootfs" "$work/oci/blobs/sha256"
  cp "$bin/pause" "$work/rootfs/pause"
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$work/rootfs" -cf "$work/layer.tar" pause
  local layer_digest layer_size config_digest config_size manifest_digest manifest_size
  layer_digest="$(sha256sum "$work/layer.tar" | cut -d' ' -f1)"
  layer_size="$(stat -c %s "$work/layer.tar")"
  mv "$work/layer.tar" "$work/oci/blobs/sha256/$layer_digest"
  printf '{"architecture":"amd64","os":"linux","config":{"Entrypoint":["/pause"],"User":"65535:65535"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
    "$layer_digest" >"$work/config.json"
  config_digest="$(sha256sum "$work/config.json" | cut -d' ' -f1)"
  config_size="$(stat -c %s "$work/config.json")"
  mv "$work/config.json" "$work/oci/blobs/sha256/$config_digest"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
    "$config_digest" "$config_size" "$layer_digest" "$layer_size" >"$work/manifest.json"
  manifest_digest="$(sha256sum "$work/manifest.json" | cut -d' ' -f1)"
  manifest_size="$(stat -c %s "$work/manifest.json")"
  mv "$work/manifest.json" "$work/oci/blobs/sha256/$manifest_digest"
  printf '{"imageLayoutVersion":"1.0.0"}' >"$work/oci/oci-layout"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"3.10"}}]}' \
    "$manifest_digest" "$manifest_size" "$PAUSE_IMAGE" >"$work/oci/index.json"
  tar -C "$work/oci" -cf "$work/pause.tar" .
  ctr --address "$dir/containerd/containerd.sock" -n k8s.io images import "$work/pause.tar" >/dev/null
}

# --- down ------------------------------------------------------------------------------------

cluster_down() {
  [ -d "$dir" ] || return 0
  local bin kc="$dir/kubeconfig" sock="$dir/containerd/containerd.sock" owned=0
  [ -f "$dir/iptables.before" ] && owned=1
  bin="$(cat "$dir/bin-dir" 2>/dev/null || true)"
  # Pods first, through the kubelet, so that each sandbox's network is torn down by CNI.
  if [ -n "$bin" ] && alive kube-apiserver && alive kubelet; then
    local k=("$bin/kubectl" --kubeconfig "$kc" --request-timeout 10s)
    "${k[@]}" delete deployments,replicasets,statefulsets,daemonsets,jobs --all --all-namespaces --wait=false >/dev/null 2>&1 || true
    "${k[@]}" delete pods --all --all-namespaces --grace-period 2 --timeout 60s >/dev/null 2>&1 || true
    # The kubelet stops a deleted pod's sandbox (CNI DEL) before the pod object goes away; give it a moment more.
    local deadline=$((SECONDS + 30))
    while [ $SECONDS -lt $deadline ] && [ -n "$(ls "$dir/cni/ipam/geopulse" 2>/dev/null | grep -v -e '^lock$' -e '^last_reserved_ip')" ]; do sleep 0.3; done
  fi
  stop_process kubelet
  # Whatever still runs in our containerd (a killed run): kill its tasks, then the shims.
  if alive containerd; then
    local id
    for id in $(ctr --address "$sock" -n k8s.io tasks ls -q 2>/dev/null); do
      ctr --address "$sock" -n k8s.io tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true
    done
  fi
  stop_process containerd
  # Each container's first process (init.pid, written without a newline), then the shims: the
  # processes started with our socket as their -address (containerd 1.6 keeps no shim pid file).
  local file pid pid_dir
  for file in "$dir"/containerd/state/io.containerd.runtime.v2.task/*/*/init.pid; do
    pid="$(cat "$file" 2>/dev/null)" || continue
    # Still a pod's process (not a recycled pid): it sits in the kubelet's cgroups.
    grep -q kubepods "/proc/$pid/cgroup" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  done
  for pid_dir in /proc/[0-9]*; do
    tr '\0' ' ' 2>/dev/null <"$pid_dir/cmdline" | grep -qF -- "-address $sock " && kill -KILL "${pid_dir#/proc/}" 2>/dev/null || true
  done
  local p
  for p in kube-scheduler kube-controller-manager kube-apiserver etcd; do stop_process "$p"; done

  # Mounts under the run's dir (sandbox shm, rootfs overlays, kubelet volumes), deepest first.
  local mount
  while read -r mount; do
    umount "$mount" 2>/dev/null || umount -l "$mount" 2>/dev/null || true
  done < <(awk -v d="$(realpath "$dir")/" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r)
  # Network namespaces the CNI sandboxes left (created since up).
  if [ -f "$dir/netns.before" ]; then
    local ns
    for ns in $(ls /var/run/netns 2>/dev/null | sort | comm -13 "$dir/netns.before" -); do
      case "$ns" in cni-*) umount "/var/run/netns/$ns" 2>/dev/null || true; rm -f "/var/run/netns/$ns" ;; esac
    done
  fi
  if [ -f "$dir/bridge" ]; then
    ip link del "$(cat "$dir/bridge")" 2>/dev/null || true
    rm -f "$dir/bridge"
  fi
  # iptables: what appeared since up and is ours, the kubelet's (KUBE-*) or CNI's (CNI-*): rules
  # first, then chains. Other new rules (another run's Docker containers) are left alone.
  if [ -f "$dir/iptables.before" ]; then
    local cmd table rest ours="KUBE-|CNI-|$BRIDGE|${SUBNET%/*}"
    while read -r cmd table rest; do
      case "$rest" in
        # iptables-save quotes as a shell does (comments with spaces).
        -A*) eval "$cmd -w -t $table ${rest/#-A/-D}" 2>/dev/null || true ;;
      esac
    done < <(iptables_snapshot | comm -13 "$dir/iptables.before" - | grep -E -- "$ours")
    while read -r cmd table rest; do
      case "$rest" in
        :KUBE-* | :CNI-*)
          local chain="${rest#:}"
          chain="${chain%% *}"
          "$cmd" -w -t "$table" -F "$chain" 2>/dev/null || true
          "$cmd" -w -t "$table" -X "$chain" 2>/dev/null || true
          ;;
      esac
    done < <(iptables_snapshot | comm -13 "$dir/iptables.before" -)
    rm -f "$dir/iptables.before"
  fi
  # The kubelet's cgroups (cgroupfs driver): kubepods in every hierarchy, once empty; only when this
  # dir's run got as far as owning the machine's cluster (not after `up` refused to start).
  local cg
  [ "$owned" = 1 ] && for cg in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods; do
    [ -d "$cg" ] && find "$cg" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
  rm -rf "$dir/pids"
  [ "$(cat "$OWNER_FILE" 2>/dev/null)" = "$dir" ] && rm -f "$OWNER_FILE"
  return 0
}

# Sourced (a test of one function): define only.
[ "${BASH_SOURCE[0]}" = "$0" ] || return 0
[ $# -eq 3 ] && [ "$2" = "--dir" ] || usage
action="$1"
dir="$3"
case "$action" in
  up)
    # A failed up leaves nothing behind.
    trap 'status=$?; if [ $status -ne 0 ]; then cluster_down; fi' EXIT
    cluster_up
    ;;
  down) cluster_down ;;
  *) usage ;;
esac
