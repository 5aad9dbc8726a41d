#!/usr/bin/env bash
# The test command (`npm test`; CI runs it through .ci/run). On a fresh machine it installs
# what is missing (Debian packages, Kafka and DynamoDB Local jars, npm packages), then runs
# lint, unit tests and builds of every project, then every integration suite against ONE
# real stack (Kafka, DynamoDB Local, Redis, Mosquitto, SMTP sink, Jaeger) started
# here as plain processes and stopped at the end. Suites run one after another because
# some of them stop and restart Kafka. Then the cross-service suites once more with the
# stack in Docker containers (GEOPULSE_HARNESS=containers).
set -euo pipefail
cd "$(dirname "$0")/.."
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false
# CI proves a clean checkout: no results from a cache.
if [ -n "${CI:-}" ]; then export NX_SKIP_NX_CACHE=true; fi
started=$SECONDS
# One runtime everywhere: Node 24 LTS (.nvmrc), the machine's own when it is on that line,
# otherwise fetched once from the npm registry into the cache (tools/infra/ensure-node.sh).
PATH="$(bash tools/infra/ensure-node.sh):$PATH"
export PATH
echo "== node $(node --version) ($(command -v node))"

bash tools/infra/ensure-deps.sh
# Built once from the Go module proxy into the cache (a warm run builds nothing): Jaeger for the
# stack's traces, promtool for the alerting-rule checks (test/observability.integration-spec.ts).
bash tools/infra/ensure-jaeger.sh >/dev/null
bash tools/infra/ensure-promtool.sh >/dev/null
if [ ! -x node_modules/.bin/nx ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # `npm install` rather than `npm ci`: with this machine's npm 11 the lock file does not list
  # the optional per-platform binaries (swc, nx) and `npm ci` refuses it; install keeps the
  # locked versions of everything else.
  npm install --no-audit --no-fund
fi

echo "== lint, unit tests, build"
npx nx run-many -t lint test build --output-style=stream

echo "== integration suites against real servers"
stack_dir="$(mktemp -d "${TMPDIR:-/tmp}/geopulse-test-stack.XXXXXX")"
cleanup() { node tools/stack.js down --dir "$stack_dir" >/dev/null 2>&1 || true; rm -rf "$stack_dir"; }
trap cleanup EXIT
eval "$(node tools/stack.js up --dir "$stack_dir")"
npx nx run-many -t integration --parallel=1 --output-style=stream --skip-nx-cache
cleanup # one stack at a time on 2 cores

# The chart on a real Kubernetes cluster (tools/cluster, docs/decisions/0601): built once from the
# Go module proxy into the cache (a warm run builds nothing), started and stopped here; the run's
# dir is torn down by cluster.sh down also when the suite is killed.
echo "== helm install onto a real Kubernetes cluster"
cluster_started=$SECONDS
cluster_run="$(mktemp -d "${TMPDIR:-/tmp}/geopulse-cluster.XXXXXX")"
cluster_cleanup() { bash tools/cluster/cluster.sh down --dir "$cluster_run/cluster" >/dev/null 2>&1 || true; node tools/stack.js down --dir "$cluster_run/stack" >/dev/null 2>&1 || true; grep -qF "$cluster_run/" /proc/self/mountinfo || rm -rf "$cluster_run"; }
trap 'cluster_cleanup; cleanup' EXIT
GEOPULSE_CLUSTER_RUN_DIR="$cluster_run" npx nx run e2e:cluster --output-style=stream --skip-nx-cache
cluster_cleanup
trap cleanup EXIT
echo "== cluster: $((SECONDS - cluster_started)) s"

# The same suites must pass on the testcontainers backend (docs/decisions/0012), so it cannot rot:
# the cross-service ones, the burst at a tenth of its size (the backend is under test here, not
# the pipeline's throughput). Images are built here once (tools/images/infra); later runs build none.
echo "== cross-service end-to-end suites on the containers backend"
containers_started=$SECONDS
bash tools/images/infra/ensure-infra-images.sh >/dev/null
env -u GEOPULSE_STACK_DIR GEOPULSE_HARNESS=containers E2E_BURST_DEVICES=200 npx jest -c test/jest.integration.config.js --runInBand \
  test/one-trace.integration-spec.ts test/walking-skeleton.integration-spec.ts test/pipeline-burst.integration-spec.ts
echo "== containers backend: $((SECONDS - containers_started)) s"

echo "== all tests passed in $((SECONDS - started)) s"
