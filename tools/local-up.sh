#!/usr/bin/env bash
# The local platform in one command: `npm run up` (this script), `npm run down` (`... down`),
# `bash tools/local-up.sh status`.
#
# up      installs what is missing (Debian packages and jars via tools/infra/ensure-deps.sh, npm
#         packages), builds every project, starts the stack (Kafka, DynamoDB Local, Redis,
#         Mosquitto, SMTP sink, Jaeger) into .geopulse/stack, starts the five services
#         and the sample device feed (tools/simulator) from their dist in the background, waits
#         until every service is ready, and prints URLs, an operator token and things to try.
#         Idempotent: what already runs with the same settings and build is left alone; a process
#         whose settings (stack ports, secret) or build changed since it started is restarted.
# down    stops the simulator, the services (SIGTERM, SIGKILL after 10 s) and the stack.
# status  what runs, with pids and URLs.
#
# Settings: GEOPULSE_PORT_BASE (default 3001: ingest 3001, aggregator 3002, rules 3003, geo 3004,
# notifier 3005), GEOPULSE_READY_TIMEOUT (seconds, default 120), SIM_VEHICLES, SIM_THERMOSTATS,
# SIM_INTERVAL_MS, SIM_SEED (passed to the simulator), GEOPULSE_HARNESS=containers (the stack in
# Docker containers; with GEOPULSE_IMAGES=official the official images, decision 0012).
# Everything lives in .geopulse/ (gitignored): stack/, logs/<name>.log, pids/<name>.pid,
# dev-jwt-secret (created once, mode 600).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

STATE_DIR="$ROOT/.geopulse"
STACK_DIR="$STATE_DIR/stack"
LOG_DIR="$STATE_DIR/logs"
PID_DIR="$STATE_DIR/pids"
SECRET_FILE="$STATE_DIR/dev-jwt-secret"
DEV_ENV_FILE="$STATE_DIR/dev.env"
PORT_BASE="${GEOPULSE_PORT_BASE:-3001}"
READY_TIMEOUT="${GEOPULSE_READY_TIMEOUT:-120}"
STOP_TIMEOUT=10
KAFKA_PARTITIONS_LOCAL=3
TENANT=demo
SERVICES=(ingest aggregator rules geo notifier)
AMSTERDAM_LAT=52.3731 # Dam Square
AMSTERDAM_LON=4.8926

export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
# One runtime everywhere: Node 24 LTS (.nvmrc), the machine's own when it is on that line,
# otherwise fetched once from the npm registry into the cache (tools/infra/ensure-node.sh).
PATH="$(bash "$ROOT/tools/infra/ensure-node.sh"):$PATH"
export PATH

say() { printf '%s\n' "$*"; }
step() { printf '==> %s\n' "$*"; }
die() { printf 'local-up: %s\n' "$*" >&2; exit 1; }
rel() { printf '%s' "${1#"$ROOT/"}"; }

[[ "$PORT_BASE" =~ ^[0-9]+$ ]] && [ "$PORT_BASE" -ge 1 ] && [ "$PORT_BASE" -le 65530 ] ||
  die "GEOPULSE_PORT_BASE must be a port number (1..65530), got \"$PORT_BASE\""
[[ "$READY_TIMEOUT" =~ ^[0-9]+$ ]] || die "GEOPULSE_READY_TIMEOUT must be whole seconds, got \"$READY_TIMEOUT\""

# Prints the id of a trace from ingest's accepted readings (the simulator's), polling Jaeger's
# API v3 for up to 20 s (services export spans in batches); fails when there is none.
recent_trace_id() {
  JAEGER_QUERY_URL="$JAEGER_QUERY_URL" node -e '
    const base = process.env.JAEGER_QUERY_URL;
    const deadline = Date.now() + 20000;
    (async () => {
      for (;;) {
        const q = new URLSearchParams({ "query.service_name": "geopulse-ingest",
          "query.start_time_min": new Date(Date.now() - 600000).toISOString(), "query.start_time_max": new Date(Date.now() + 60000).toISOString(), "query.num_traces": "20" });
        try {
          const r = await fetch(`${base}/api/v3/traces?${q}`);
          if (r.ok) {
            const spans = (await r.json()).result?.resourceSpans?.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)) ?? [];
            const reading = spans.find((span) => /telemetry.* publish$/.test(span.name));
            if (reading) { process.stdout.write(reading.traceId); return; }
          }
        } catch {}
        if (Date.now() > deadline) process.exit(1);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    })();'
}

port_of() { # service -> its HTTP port
  local i
  for i in "${!SERVICES[@]}"; do
    if [ "${SERVICES[$i]}" = "$1" ]; then echo $((PORT_BASE + i)); return 0; fi
  done
  return 1
}

entry_of() { # process name -> the script node runs
  if [ "$1" = simulator ]; then echo "$ROOT/tools/simulator/dist/main.js"; else echo "$ROOT/services/$1/dist/main.js"; fi
}

# Prints the pid when <name> runs as started by this script (pid alive and running its entry script).
running_pid() {
  local file="$PID_DIR/$1.pid" pid args
  [ -f "$file" ] || return 1
  pid="$(cat "$file" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  args="$(ps -o args= -p "$pid" 2>/dev/null || true)"
  [[ "$args" == *"$(entry_of "$1")"* ]] || return 1
  echo "$pid"
}

# True while the process exists and is not a zombie (exited, waiting to be reaped by init).
alive() {
  local state
  state="$(ps -o stat= -p "$1" 2>/dev/null)" || return 1
  [[ "$state" != Z* ]]
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

http_status() { curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" 2>/dev/null || true; }

log_tail() { # name [lines] -> the last lines its current run wrote to its log, indented
  local log="$LOG_DIR/$1.log" from
  from="$(cat "$PID_DIR/$1.log-offset" 2>/dev/null || echo 0)"
  [ -s "$log" ] && tail -c +"$((from + 1))" "$log" | tail -n "${2:-20}" | cut -c1-2000 | sed 's/^/    | /' >&2
  return 0
}

# --- stopping ---------------------------------------------------------------------------------

# Sends SIGTERM to each named process (its whole process group: each runs in its own session),
# waits up to STOP_TIMEOUT seconds for all of them, then SIGKILLs what is left.
stop_processes() {
  local name pid pids=() names=()
  for name in "$@"; do
    if pid="$(running_pid "$name")"; then
      pids+=("$pid")
      names+=("$name")
      if [ "$(ps -o pgid= -p "$pid" | tr -d ' ')" = "$pid" ]; then kill -TERM -- "-$pid" 2>/dev/null || true; else kill -TERM "$pid" 2>/dev/null || true; fi
    fi
    rm -f "$PID_DIR/$name.config" "$PID_DIR/$name.log-offset"
  done
  [ "${#pids[@]}" -eq 0 ] && return 0
  say "    stopping ${names[*]}"
  local deadline=$((SECONDS + STOP_TIMEOUT)) remaining i
  while :; do
    remaining=0
    for pid in "${pids[@]}"; do alive "$pid" && remaining=1; done
    [ "$remaining" -eq 0 ] && break
    if [ "$SECONDS" -ge "$deadline" ]; then
      for i in "${!pids[@]}"; do
        if alive "${pids[$i]}"; then
          say "    ${names[$i]} (pid ${pids[$i]}) did not stop within ${STOP_TIMEOUT} s: SIGKILL"
          kill -KILL -- "-${pids[$i]}" 2>/dev/null || kill -KILL "${pids[$i]}" 2>/dev/null || true
        fi
      done
      sleep 0.2
      break
    fi
    sleep 0.2
  done
  for name in "${names[@]}"; do rm -f "$PID_DIR/$name.pid"; done
}

cmd_down() {
  step "stopping the simulator and the services"
  mkdir -p "$PID_DIR"
  stop_processes simulator
  stop_processes "${SERVICES[@]}"
  step "stopping the stack"
  if [ -f libs/testing/dist/cli.js ]; then
    node tools/stack.js down --dir "$STACK_DIR"
  elif [ -f "$STACK_DIR/stack.json" ]; then
    die "libs/testing is not built, so the stack in $(rel "$STACK_DIR") cannot be stopped: run \`npx nx build testing\` and \`npm run down\` again"
  fi
  rm -f "$DEV_ENV_FILE"
  say "everything stopped (logs kept in $(rel "$LOG_DIR"))"
}

# --- status -----------------------------------------------------------------------------------

cmd_status() {
  local name pid port ok=0 last
  for name in "${SERVICES[@]}"; do
    port="$(port_of "$name")"
    if pid="$(running_pid "$name")"; then
      printf '%-11s running  pid %-7s http://127.0.0.1:%s  readyz %s\n' "$name" "$pid" "$port" "$(http_status "http://127.0.0.1:$port/readyz")"
    else
      printf '%-11s stopped\n' "$name"
      ok=1
    fi
  done
  if pid="$(running_pid simulator)"; then
    last="$(tail -n 1 "$LOG_DIR/simulator.log" 2>/dev/null | cut -c1-160)"
    printf '%-11s running  pid %-7s last: %s\n' simulator "$pid" "$last"
  else
    printf '%-11s stopped\n' simulator
    ok=1
  fi
  if [ -f libs/testing/dist/cli.js ]; then
    say "stack ($(rel "$STACK_DIR")):"
    node tools/stack.js status --dir "$STACK_DIR" | sed 's/^/  /' || ok=1
  fi
  return "$ok"
}

# --- starting ---------------------------------------------------------------------------------

# launch <name> [VAR=value ...]: runs node <entry> in its own session (so it outlives this script
# and its terminal, and `down` can signal its whole process group), stdout and stderr appended to
# its log; the process writes its own pid file before exec'ing node, so the pid is node's.
launch() {
  local name="$1"
  shift
  local pidfile="$PID_DIR/$name.pid" log="$LOG_DIR/$name.log"
  rm -f "$pidfile"
  if [ -f "$log" ]; then wc -c < "$log" | tr -d ' ' > "$PID_DIR/$name.log-offset"; else echo 0 > "$PID_DIR/$name.log-offset"; fi
  setsid env "$@" bash -c 'echo $$ > "$0"; exec node "$1"' "$pidfile" "$(entry_of "$name")" \
    >> "$log" 2>&1 < /dev/null 9>&- &
  local waited=0
  while [ ! -s "$pidfile" ] && [ "$waited" -lt 50 ]; do sleep 0.1; waited=$((waited + 1)); done
  [ -s "$pidfile" ] || die "$name did not start (no pid file): see $(rel "$LOG_DIR/$name.log")"
  echo "$FINGERPRINT" > "$PID_DIR/$name.config"
}

# Why a running process must be restarted (its settings or its build changed), or nothing.
restart_reason() {
  local name="$1"
  if [ "$(cat "$PID_DIR/$name.config" 2>/dev/null || true)" != "$FINGERPRINT" ]; then
    echo "its settings changed (stack ports, secret or SIM_* variables)"
    return 0
  fi
  local dist
  dist="$(dirname "$(entry_of "$name")")"
  if [ -n "$(find "$dist" libs/*/dist -name '*.js' -newer "$PID_DIR/$name.pid" -print -quit 2>/dev/null)" ]; then
    echo "its build changed"
  fi
}

# ensure_running <name> <port or -> [VAR=value ...]: 0 when it was already running (unchanged).
ensure_running() {
  local name="$1" port="$2" pid reason
  shift 2
  if pid="$(running_pid "$name")"; then
    reason="$(restart_reason "$name")"
    if [ -z "$reason" ]; then
      say "    $name already running (pid $pid)"
      return 0
    fi
    say "    restarting $name: $reason"
    stop_processes "$name"
  fi
  if [ "$port" != - ] && port_in_use "$port"; then
    die "port $port (for $name) is taken by a process this script did not start; stop it, or choose other ports with GEOPULSE_PORT_BASE=<port> (uses 5 ports from there)"
  fi
  launch "$name" "$@"
  say "    $name started (pid $(cat "$PID_DIR/$name.pid"))"
  return 1
}

wait_until_ready() {
  local deadline=$((SECONDS + READY_TIMEOUT)) pending=("${SERVICES[@]}") still name port status
  while [ "${#pending[@]}" -gt 0 ]; do
    still=()
    for name in "${pending[@]}"; do
      port="$(port_of "$name")"
      status="$(http_status "http://127.0.0.1:$port/readyz")"
      if [ "$status" = 200 ]; then
        continue
      fi
      if ! running_pid "$name" >/dev/null; then
        printf 'local-up: %s exited during start-up; its log %s ends with:\n' "$name" "$(rel "$LOG_DIR/$name.log")" >&2
        log_tail "$name"
        die "$name did not start (the rest keeps running: \`npm run down\` stops it)"
      fi
      still+=("$name")
    done
    pending=("${still[@]+"${still[@]}"}")
    [ "${#pending[@]}" -eq 0 ] && break
    if [ "$SECONDS" -ge "$deadline" ]; then
      for name in "${pending[@]}"; do
        printf 'local-up: %s not ready after %s s (GET http://127.0.0.1:%s/readyz answers %s); its log %s ends with:\n' \
          "$name" "$READY_TIMEOUT" "$(port_of "$name")" "$(http_status "http://127.0.0.1:$(port_of "$name")/readyz")" "$(rel "$LOG_DIR/$name.log")" >&2
        log_tail "$name"
      done
      die "not ready: ${pending[*]} (see the logs above; GEOPULSE_READY_TIMEOUT=<s> waits longer; \`npm run down\` stops everything)"
    fi
    sleep 0.5
  done
}

dev_token() {
  GEOPULSE_JWT_SECRET="$SECRET" GEOPULSE_TENANT="$TENANT" node -e '
    require("./libs/auth/dist/index.js")
      .signDevelopmentToken(process.env.GEOPULSE_JWT_SECRET, { sub: "developer", tenant: process.env.GEOPULSE_TENANT })
      .then((token) => process.stdout.write(token), (error) => { console.error(error.message); process.exit(1); });'
}

cmd_up() {
  local started=$SECONDS
  mkdir -p "$LOG_DIR" "$PID_DIR"

  step "runtime: node $(node --version) ($(command -v node))"
  step "checking machine dependencies (tools/infra/ensure-deps.sh)"
  bash tools/infra/ensure-deps.sh 9>&-
  command -v curl >/dev/null 2>&1 || die "curl not found (Debian: apt-get install -y curl)"
  command -v setsid >/dev/null 2>&1 || die "setsid not found (Debian: apt-get install -y util-linux)"

  if [ ! -x node_modules/.bin/nx ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    step "installing npm packages (npm install: npm ci refuses this lock file, see tools/test.sh)"
    npm install --no-audit --no-fund 9>&-
  fi

  step "building (log: $(rel "$LOG_DIR/build.log"))"
  if ! npx nx run-many -t build --output-style=stream > "$LOG_DIR/build.log" 2>&1 9>&-; then
    tail -n 40 "$LOG_DIR/build.log" | sed 's/^/    | /' >&2
    die "the build failed: see $(rel "$LOG_DIR/build.log")"
  fi

  step "starting the stack ($(rel "$STACK_DIR"))"
  local exports
  # Progress goes straight to stderr: a pipe or process substitution there would be inherited by
  # the stack's detached servers and never close. 9>&-: nor may they hold this script's lock.
  # The broker asks ingest about device keys (docs/decisions/0103): on its fixed port here.
  exports="$(GEOPULSE_MQTT_AUTH_URL="http://127.0.0.1:$(port_of ingest)/internal/mqtt/authenticate" \
    node tools/stack.js up --dir "$STACK_DIR" 9>&-)" || die "the stack did not start (logs in $(rel "$STACK_DIR")/logs)"
  eval "$exports"
  export GEOPULSE_STACK_DIR="$STACK_DIR"

  if [ ! -s "$SECRET_FILE" ]; then
    (umask 077 && node -e 'process.stdout.write(require("node:crypto").randomBytes(32).toString("base64url"))' > "$SECRET_FILE")
    say "    created a development JWT secret in $(rel "$SECRET_FILE")"
  fi
  chmod 600 "$SECRET_FILE"
  SECRET="$(cat "$SECRET_FILE")"
  [ "${#SECRET}" -ge 32 ] || die "$(rel "$SECRET_FILE") holds fewer than 32 characters: delete it and run again"

  # What the processes are started with; a difference from their start restarts them.
  local services_fingerprint
  services_fingerprint="$(printf '%s\n' "$KAFKA_BROKERS" "$REDIS_URL" "$DYNAMODB_ENDPOINT" "$OTEL_EXPORTER_OTLP_ENDPOINT" "$GEOPULSE_TRACE_URL_TEMPLATE" \
    "$MQTT_URL" "$MQTT_AUTH_SECRET" "$SMTP_URL" "$PORT_BASE" "$KAFKA_PARTITIONS_LOCAL" "$SECRET" "$(node --version)" | sha256sum | cut -c1-16)"
  FINGERPRINT="$services_fingerprint"

  step "starting the services"
  local name port reason restart=() taken=()
  for name in "${SERVICES[@]}"; do
    running_pid "$name" >/dev/null || continue
    reason="$(restart_reason "$name")"
    [ -z "$reason" ] && continue
    say "    restarting $name: $reason"
    restart+=("$name")
  done
  [ "${#restart[@]}" -eq 0 ] || stop_processes "${restart[@]}"
  for name in "${SERVICES[@]}"; do
    port="$(port_of "$name")"
    if ! running_pid "$name" >/dev/null && port_in_use "$port"; then taken+=("$port ($name)"); fi
  done
  [ "${#taken[@]}" -eq 0 ] ||
    die "taken by processes this script did not start: port ${taken[*]}; stop them, or choose other ports with GEOPULSE_PORT_BASE=<port> (5 ports from there)"
  # The live map is served by the notifier and calls the aggregator, rules and geo from the browser (CORS).
  local map_origin="http://127.0.0.1:$(port_of notifier)"
  for name in "${SERVICES[@]}"; do
    port="$(port_of "$name")"
    ensure_running "$name" "$port" GEOPULSE_JWT_SECRET="$SECRET" PORT="$port" KAFKA_PARTITIONS="$KAFKA_PARTITIONS_LOCAL" \
      GEOPULSE_CORS_ORIGINS="$map_origin,http://localhost:$(port_of notifier)" NOTIFIER_MAP_AGGREGATOR_URL="http://127.0.0.1:$(port_of aggregator)" \
      NOTIFIER_MAP_RULES_URL="http://127.0.0.1:$(port_of rules)" NOTIFIER_MAP_GEO_URL="http://127.0.0.1:$(port_of geo)" || true
  done
  step "waiting until every service is ready (up to ${READY_TIMEOUT} s)"
  wait_until_ready

  step "starting the simulator"
  FINGERPRINT="$(printf '%s\n' "$services_fingerprint" "${SIM_VEHICLES:-}" "${SIM_THERMOSTATS:-}" "${SIM_INTERVAL_MS:-}" "${SIM_SEED:-}" |
    sha256sum | cut -c1-16)"
  local ingest_url="http://127.0.0.1:$(port_of ingest)" sim_log="$LOG_DIR/simulator.log"
  if ! ensure_running simulator - -u GEOPULSE_TOKEN INGEST_URL="$ingest_url" GEOPULSE_JWT_SECRET="$SECRET" GEOPULSE_TENANT="$TENANT"; then
    local waited=0 offset
    offset="$(cat "$PID_DIR/simulator.log-offset")"
    until tail -c +"$((offset + 1))" "$sim_log" 2>/dev/null | grep -q '"status":202'; do
      if [ "$waited" -ge 30 ] || ! running_pid simulator >/dev/null; then
        printf 'local-up: warning: the simulator has had no batch accepted yet; its log %s ends with:\n' "$(rel "$sim_log")" >&2
        log_tail simulator 5
        break
      fi
      sleep 0.5
      waited=$((waited + 1))
    done
  fi

  local token
  token="$(dev_token)" || die "could not sign a development token with libs/auth/dist"
  local aggregator="http://127.0.0.1:$(port_of aggregator)"
  (
    umask 077
    {
      echo "# written by tools/local-up.sh: source it for the examples below"
      echo "export TOKEN=$token"
      for name in "${SERVICES[@]}"; do echo "export GEOPULSE_$(echo "$name" | tr a-z A-Z)_URL=http://127.0.0.1:$(port_of "$name")"; done
      echo "export JAEGER_QUERY_URL=$JAEGER_QUERY_URL"
      echo "export SMTP_SINK_URL=$SMTP_SINK_URL"
    } > "$DEV_ENV_FILE"
  )

  say ""
  say "geopulse is up in $((SECONDS - started)) s (node $(node --version))."
  say ""
  say "Services (OpenAPI UI at /docs):"
  for name in "${SERVICES[@]}"; do
    printf '  %-11s http://127.0.0.1:%s        http://127.0.0.1:%s/docs\n' "$name" "$(port_of "$name")" "$(port_of "$name")"
  done
  say "  simulator   ${SIM_VEHICLES:-20} vehicles around central Amsterdam and ${SIM_THERMOSTATS:-10} thermostats -> ingest, every ${SIM_INTERVAL_MS:-1000} ms, tenant $TENANT"
  say ""
  say "Operator token for tenant \"$TENANT\" (role admin, valid 12 h, within GEOPULSE_JWT_MAX_LIFETIME PT24H; \`npm run up\` prints a fresh one):"
  say ""
  say "  export TOKEN=$token"
  say ""
  say "  (or: source $(rel "$DEV_ENV_FILE"), which also sets the URLs)"
  say ""
  say "Live map (devices moving, fences, alerts; served by the notifier): $map_origin/"
  say "  sign in there with the token, or open $map_origin/#token=$token"
  say ""
  say "Try:"
  say "  curl -s -H \"Authorization: Bearer \$TOKEN\" $aggregator/v1/devices/vehicle-1/state"
  say "  curl -s -H \"Authorization: Bearer \$TOKEN\" '$aggregator/v1/devices/nearby?lat=$AMSTERDAM_LAT&lon=$AMSTERDAM_LON&radius=1000'"
  say "  curl -s -H \"Authorization: Bearer \$TOKEN\" $aggregator/v1/devices/thermostat-1/state"
  say "  curl -s -X POST -H \"Authorization: Bearer \$TOKEN\" -H 'content-type: application/json' $ingest_url/v1/telemetry \\"
  say "       -d '{\"readings\":[{\"deviceId\":\"my-van\",\"ts\":\"'\$(date -u +%FT%TZ)'\",\"position\":{\"lat\":$AMSTERDAM_LAT,\"lon\":$AMSTERDAM_LON}}]}'"
  say "  # MQTT ($MQTT_URL): a device connects as <tenant>:<deviceId> with its key (POST /v1/devices returns it)"
  say "  mosquitto_pub -h 127.0.0.1 -p ${MQTT_URL##*:} -V mqttv5 -q 1 -u '$TENANT:my-van' -P \"\$KEY\" -t 'devices/$TENANT:my-van/telemetry' -m '{\"metrics\":{\"speed\":12}}'"
  say ""
  local trace_id official_jaeger=""
  # The official image (GEOPULSE_HARNESS=containers GEOPULSE_IMAGES=official, decision 0012) has the web UI.
  [ "${GEOPULSE_HARNESS:-}" = containers ] && [ "${GEOPULSE_IMAGES:-}" = official ] && official_jaeger=1
  if [ -n "$official_jaeger" ]; then
    say "Traces: Jaeger's UI at $JAEGER_QUERY_URL (the official jaegertracing/jaeger image)"
  else
    say "Traces: Jaeger at $JAEGER_QUERY_URL (API v3; this Jaeger is built from the Go module proxy, whose"
    say "        web UI is a placeholder page, so open traces as JSON: the official image has the UI)"
  fi
  if trace_id="$(recent_trace_id)"; then
    if [ -n "$official_jaeger" ]; then
      say "  a recent reading's trace: $JAEGER_QUERY_URL/trace/$trace_id"
    else
      say "  a recent reading's trace: $JAEGER_QUERY_URL/api/v3/traces/$trace_id"
    fi
  else
    say "  no reading's trace in Jaeger yet: curl -s '$JAEGER_QUERY_URL/api/v3/services'"
  fi
  say ""
  say "Logs:   $(rel "$LOG_DIR")/<service>.log and simulator.log (JSON lines); stack: $(rel "$STACK_DIR")/logs/"
  say "Status: bash tools/local-up.sh status"
  say "Stop:   npm run down"
}

acquire_lock() {
  mkdir -p "$STATE_DIR"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$STATE_DIR/.local-up.lock"
    flock -n 9 || die "another tools/local-up.sh is running"
  fi
}

case "${1:-up}" in
  up) acquire_lock; cmd_up ;;
  down) acquire_lock; cmd_down ;;
  status) cmd_status ;;
  -h | --help | help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//' ;;
  *) die "unknown command \"$1\": use up, down or status" ;;
esac
