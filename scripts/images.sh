#!/usr/bin/env bash
# images.sh — build clusterwatch's container images with podman on a machine that reaches no
# container registry (only Debian's and the language package registries):
#   debian:bookworm, debian:bookworm-slim  a minbase bookworm made with debootstrap and
#                                         `podman import` (the name the Dockerfiles use)
#   clusterwatch:0.1.0                    deploy/docker/Dockerfile.runtime around the binaries
#                                         of an existing build ($CW_BUILD_DIR), stripped
#   clusterwatch-kafka:4.1.1              deploy/kafka/Dockerfile around the jars that
#                                         scripts/kafka.sh fetch resolves from Maven Central
#   clusterwatch-prometheus:2.42          deploy/prometheus/Dockerfile (Debian's Prometheus)
# Installs podman, runc and debootstrap (apt) and podman-compose (PyPI, into the cache) when
# missing. Idempotent: the base image is made once, the others reuse podman's layer cache.
#
# Usage: scripts/images.sh           prints nothing on stdout; progress on stderr
# Env: CW_BUILD_DIR (default <repo>/build), CW_CACHE (default $HOME/.cache/clusterwatch),
#      CW_DEBIAN_MIRROR (default http://deb.debian.org/debian).
# Every podman call runs with CONTAINERS_CONF=deploy/podman/containers.conf (runc, ulimits).
set -euo pipefail
me="images.sh"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${CW_BUILD_DIR:-$ROOT/build}"
CACHE="${CW_CACHE:-$HOME/.cache/clusterwatch}"
MIRROR="${CW_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
PODMAN_COMPOSE_VERSION=1.6.0
export CONTAINERS_CONF="$ROOT/deploy/podman/containers.conf"
log() { echo "[$me] $*" >&2; }
die() { echo "[$me] error: $*" >&2; exit 1; }

KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$ROOT/deploy/kafka/pom.xml" | head -n1)"
CW_VERSION="$(sed -n 's/^project(clusterwatch VERSION \([0-9.]*\).*/\1/p' "$ROOT/CMakeLists.txt")"
PROGRAMS=(ingest/cw-ingest aggregator/cw-aggregator query/cw-query alerter/cw-alerter
          allinone/cw-allinone cli/clusterctl)

install_tools() {
  local missing=()
  command -v podman >/dev/null || missing+=(podman)
  command -v runc >/dev/null || missing+=(runc)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  if [ "${#missing[@]}" -gt 0 ]; then
    [ "$(id -u)" -eq 0 ] || die "need ${missing[*]} (apt-get install as root)"
    log "installing ${missing[*]} (apt)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" uidmap slirp4netns >/dev/null
  fi
  local venv="$CACHE/podman-compose-venv"
  if [ ! -x "$venv/bin/podman-compose" ] || ! "$venv/bin/podman-compose" --version 2>/dev/null | grep -q "$PODMAN_COMPOSE_VERSION"; then
    log "installing podman-compose $PODMAN_COMPOSE_VERSION (PyPI) into $venv"
    rm -rf "$venv"
    /usr/bin/python3 -m venv "$venv" && "$venv/bin/pip" install -q --disable-pip-version-check "podman-compose==$PODMAN_COMPOSE_VERSION" \
      || die "pip install podman-compose failed"
  fi
}

base_image() {
  if podman image exists docker.io/library/debian:bookworm-slim; then return 0; fi
  local t0=$SECONDS dir
  dir="$(mktemp -d "${TMPDIR:-/tmp}/cw-rootfs.XXXXXX")"
  log "making the base image: debootstrap --variant=minbase bookworm (~75 s)"
  debootstrap --variant=minbase bookworm "$dir/rootfs" "$MIRROR" >"$dir/debootstrap.log" 2>&1 \
    || { tail -n 20 "$dir/debootstrap.log" >&2; rm -rf "$dir"; die "debootstrap failed"; }
  rm -rf "$dir"/rootfs/var/cache/apt/archives/*.deb "$dir"/rootfs/var/lib/apt/lists/*
  tar -C "$dir/rootfs" -c . | podman import --change 'CMD ["/bin/bash"]' - docker.io/library/debian:bookworm >/dev/null
  podman tag docker.io/library/debian:bookworm docker.io/library/debian:bookworm-slim
  rm -rf "$dir"
  log "base image made in $((SECONDS - t0)) s"
}

build() {  # NAME DOCKERFILE CONTEXT
  local t0=$SECONDS
  podman build --format docker -q -f "$2" -t "$1" "$3" >"$STAGE/build-${1//[:\/]/_}.log" 2>&1 \
    || { tail -n 30 "$STAGE/build-${1//[:\/]/_}.log" >&2; die "podman build $1 failed"; }
  log "$1 built in $((SECONDS - t0)) s"
}

runtime_image() {
  local ctx="$STAGE/runtime" p
  mkdir -p "$ctx/bin"
  for p in "${PROGRAMS[@]}"; do
    [ -x "$BUILD/$p" ] || die "$BUILD/$p missing: build first (scripts/build.sh)"
    strip --strip-debug -o "$ctx/bin/$(basename "$p")" "$BUILD/$p"
  done
  cp "$ROOT/deploy/docker/entrypoint.sh" "$ROOT/deploy/docker/healthcheck.sh" "$ctx/"
  build "localhost/clusterwatch:$CW_VERSION" "$ROOT/deploy/docker/Dockerfile.runtime" "$ctx"
}

kafka_image() {
  "$ROOT/scripts/kafka.sh" fetch
  local libs="$CACHE/kafka-$KAFKA_VERSION/libs" ctx="$STAGE/kafka"
  mkdir -p "$ctx/classes"
  cp -r "$libs" "$ctx/libs"
  javac -nowarn --release 17 -d "$ctx/classes" -cp "$libs/*" "$ROOT/deploy/kafka/CreateTopics.java"
  cp "$ROOT/deploy/kafka/log4j2.properties" "$ROOT/deploy/kafka/entrypoint.sh" \
    "$ROOT/deploy/kafka/acls.txt" "$ctx/"
  build "localhost/clusterwatch-kafka:$KAFKA_VERSION" "$ROOT/deploy/kafka/Dockerfile" "$ctx"
}

prometheus_image() {
  mkdir -p "$STAGE/prometheus"
  build localhost/clusterwatch-prometheus:2.42 "$ROOT/deploy/prometheus/Dockerfile" "$STAGE/prometheus"
}

STAGE="$(mktemp -d "${TMPDIR:-/tmp}/cw-images.XXXXXX")"
trap 'rm -rf "$STAGE"' EXIT
install_tools
base_image
runtime_image
kafka_image
prometheus_image
