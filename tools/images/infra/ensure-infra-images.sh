#!/usr/bin/env bash
# The images of the test stack's containers backend (GEOPULSE_HARNESS=containers, libs/testing):
# prints one `component=image` line for each of kafka, dynamodb, redis, mosquitto, jaeger (or
# only the components named as arguments).
#
#   GEOPULSE_IMAGES=local (default): no registry is pulled from (this machine, CI). Stand-ins for the
#     official images are built here under the official names and tags, FROM the local base image
#     of tools/infra/ensure-docker.sh (which also starts dockerd): Kafka and DynamoDB Local from the
#     jars the harness fetches from Maven Central, Jaeger from its Go-module build, Redis, Mosquitto
#     and Java from Debian's packages (apt inside `docker build`).
#   GEOPULSE_IMAGES=official: a laptop with Docker Hub; the official images are pulled by the
#     harness (testcontainers) as usual, nothing is built here but the auth-plugin layer below.
#
# Either way Mosquitto runs as geopulse/mosquitto-auth:<hash>, eclipse-mosquitto plus our auth plugin
# (docs/decisions/0103) compiled inside it. Every image is built only when missing or when its recipe
# (Dockerfile, version, inputs) changed, recorded in the label org.geopulse.recipe: a second run
# builds nothing. A changed input image (a re-imported base, a rebuilt JRE) counts as a changed recipe.
# Build output goes to stderr; stdout has only the component=image lines.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
HERE="$ROOT/tools/images/infra"
CACHE_DIR="${GEOPULSE_CACHE_DIR:-$HOME/.cache/geopulse}"
MODE="${GEOPULSE_IMAGES:-local}"

# Keep in step with tools/infra/ensure-deps.sh and ensure-jaeger.sh (a unit test in libs/testing checks).
KAFKA_VERSION=4.3.1
DYNAMODB_LOCAL_VERSION=3.3.1
JAEGER_MODULE_VERSION=v1.76.0
JAEGER_VERSION=2.13.0 # what Go module v1.76.0 builds
# Debian bookworm's versions: the local stand-ins are built from its packages (their builds check).
REDIS_VERSION=7.0.15
MOSQUITTO_VERSION=2.0.11

KAFKA_IMAGE="apache/kafka:$KAFKA_VERSION"
DYNAMODB_IMAGE="amazon/dynamodb-local:$DYNAMODB_LOCAL_VERSION"
REDIS_IMAGE="redis:$REDIS_VERSION"
MOSQUITTO_IMAGE="eclipse-mosquitto:$MOSQUITTO_VERSION"
JAEGER_IMAGE="jaegertracing/jaeger:$JAEGER_VERSION"
JRE_IMAGE=geopulse/jre:17-bookworm
PLUGIN_SRC="$ROOT/tools/infra/mosquitto-auth/geopulse_auth.c"
PLUGIN_IMAGE="geopulse/mosquitto-auth:$(sha256sum "$PLUGIN_SRC" | cut -c1-16)"

log() { echo "[infra-images] $*" >&2; }
die() { echo "[infra-images] ERROR: $*" >&2; exit 1; }

case "$MODE" in local | official) ;; *) die "GEOPULSE_IMAGES must be local or official, not \"$MODE\"" ;; esac
components=("$@")
[ "${#components[@]}" -gt 0 ] || components=(kafka dynamodb redis mosquitto jaeger)

recipe_of() { # <dockerfile> <extra text>: the hash that names one build's inputs
  { cat "$1"; echo "$2"; } | sha256sum | cut -c1-16
}
image_id() { docker image inspect -f '{{.Id}}' "$1"; }
current_recipe() {
  docker image inspect -f '{{index .Config.Labels "org.geopulse.recipe"}}' "$1" 2>/dev/null || true
}

# up_to_date <image> <dockerfile> <recipe extra>: the image exists, built from this recipe.
up_to_date() { [ "$(current_recipe "$1")" = "$(recipe_of "$2" "$3")" ]; }

# build <image> <dockerfile> <context> <recipe extra> [docker build args...]: unless up to date.
build() {
  local image="$1" dockerfile="$2" context="$3" extra="$4"
  shift 4
  local recipe
  recipe="$(recipe_of "$dockerfile" "$extra")"
  [ "$(current_recipe "$image")" = "$recipe" ] && return 0
  local started=$SECONDS previous
  previous="$(docker image inspect -f '{{.Id}}' "$image" 2>/dev/null || true)"
  log "building $image (once; later runs reuse it)"
  local build_log
  build_log="$(mktemp "${TMPDIR:-/tmp}/geopulse-image-build.XXXXXX")"
  # --network host: apt in the build reaches Debian's mirror the way the host's apt does.
  if ! docker build --network host --label "org.geopulse.recipe=$recipe" -f "$dockerfile" -t "$image" "$@" "$context" >"$build_log" 2>&1; then
    tail -30 "$build_log" >&2
    rm -f "$build_log"
    die "docker build of $image failed"
  fi
  rm -f "$build_log"
  # The image this one replaces (an older recipe), unless something else still uses it.
  if [ -n "$previous" ] && [ "$previous" != "$(docker image inspect -f '{{.Id}}' "$image")" ]; then
    docker rmi "$previous" >/dev/null 2>&1 || true
  fi
  log "$image built in $((SECONDS - started)) s"
}

# make_context <source dir> <name>: sets $context to a fresh build context holding that directory of
# the cache under that name (hard links where possible), removed on exit.
contexts=()
trap 'rm -rf "${contexts[@]}"' EXIT
make_context() {
  context="$(mktemp -d "${TMPDIR:-/tmp}/geopulse-image-ctx.XXXXXX")"
  contexts+=("$context")
  cp -al "$1" "$context/$2" 2>/dev/null || cp -a "$1" "$context/$2"
}

jar_dir() { # <bundle dir>: its libs/, fetched by ensure-deps.sh when missing
  [ -f "$1/.geopulse-complete" ] || bash "$ROOT/tools/infra/ensure-deps.sh" >&2
  [ -d "$1/libs" ] || die "$1/libs missing after tools/infra/ensure-deps.sh"
  echo "$1/libs"
}

base=""
if [ "$MODE" = local ]; then
  base="$(bash "$ROOT/tools/infra/ensure-docker.sh")"
else
  docker info >/dev/null 2>&1 || die "no Docker engine answers (docker info failed)"
fi
mkdir -p "$CACHE_DIR"
# One builder at a time (two test runs starting together would build the same images twice).
exec 9>"$CACHE_DIR/.infra-images.lock"
command -v flock >/dev/null 2>&1 && flock 9

# The Java runtime of the Kafka and DynamoDB Local stand-ins (local mode only).
ensure_jre() { build "$JRE_IMAGE" "$HERE/jre/Dockerfile" "$HERE/jre" "$(image_id "$base")" --build-arg "BASE_IMAGE=$base"; }

for component in "${components[@]}"; do
  case "$component" in
    kafka)
      if [ "$MODE" = local ]; then
        ensure_jre
        libs="$(jar_dir "$CACHE_DIR/kafka-$KAFKA_VERSION")"
        extra="$(cat "$libs/../.geopulse-complete") $(image_id "$JRE_IMAGE")"
        if ! up_to_date "$KAFKA_IMAGE" "$HERE/kafka/Dockerfile" "$extra"; then
          make_context "$libs" libs
          build "$KAFKA_IMAGE" "$HERE/kafka/Dockerfile" "$context" "$extra"
        fi
      fi
      echo "kafka=$KAFKA_IMAGE" ;;
    dynamodb)
      if [ "$MODE" = local ]; then
        ensure_jre
        libs="$(jar_dir "$CACHE_DIR/dynamodb-local-$DYNAMODB_LOCAL_VERSION")"
        extra="$(cat "$libs/../.geopulse-complete") $(image_id "$JRE_IMAGE")"
        if ! up_to_date "$DYNAMODB_IMAGE" "$HERE/dynamodb-local/Dockerfile" "$extra"; then
          make_context "$libs" libs
          build "$DYNAMODB_IMAGE" "$HERE/dynamodb-local/Dockerfile" "$context" "$extra" \
            --build-arg "DYNAMODB_LOCAL_VERSION=$DYNAMODB_LOCAL_VERSION"
        fi
      fi
      echo "dynamodb=$DYNAMODB_IMAGE" ;;
    redis)
      [ "$MODE" = local ] && build "$REDIS_IMAGE" "$HERE/redis/Dockerfile" "$HERE/redis" "$REDIS_VERSION $(image_id "$base")" \
        --build-arg "BASE_IMAGE=$base" --build-arg "REDIS_VERSION=$REDIS_VERSION"
      echo "redis=$REDIS_IMAGE" ;;
    mosquitto)
      [ "$MODE" = local ] && build "$MOSQUITTO_IMAGE" "$HERE/mosquitto/Dockerfile" "$HERE/mosquitto" "$MOSQUITTO_VERSION $(image_id "$base")" \
        --build-arg "BASE_IMAGE=$base" --build-arg "MOSQUITTO_VERSION=$MOSQUITTO_VERSION"
      # The plugin layer is ours in both modes; its recipe includes the base image's id, so a
      # re-pulled or rebuilt eclipse-mosquitto gets the plugin compiled again.
      [ "$MODE" = local ] || docker image inspect "$MOSQUITTO_IMAGE" >/dev/null 2>&1 || docker pull -q "$MOSQUITTO_IMAGE" >&2
      build "$PLUGIN_IMAGE" "$HERE/mosquitto-auth/Dockerfile" "$(dirname "$PLUGIN_SRC")" \
        "$(image_id "$MOSQUITTO_IMAGE")" --build-arg "MOSQUITTO_IMAGE=$MOSQUITTO_IMAGE"
      echo "mosquitto=$PLUGIN_IMAGE" ;;
    jaeger)
      if [ "$MODE" = local ]; then
        binary="$(bash "$ROOT/tools/infra/ensure-jaeger.sh")"
        extra="$JAEGER_MODULE_VERSION $(image_id "$base")"
        if ! up_to_date "$JAEGER_IMAGE" "$HERE/jaeger/Dockerfile" "$extra"; then
          make_context "$(dirname "$binary")" bin
          build "$JAEGER_IMAGE" "$HERE/jaeger/Dockerfile" "$context" "$extra" --build-arg "BASE_IMAGE=$base"
        fi
      fi
      echo "jaeger=$JAEGER_IMAGE" ;;
    *) die "unknown component \"$component\" (kafka, dynamodb, redis, mosquitto, jaeger)" ;;
  esac
done
