#!/usr/bin/env bash
# clients.sh — build the Java and Go client modules from the checkout (clients/java with Maven,
# protoc and protoc-gen-grpc-java from Maven Central; clients/go with the Go module proxy and
# the protoc plugins of scripts/tools.sh) and print the path of each example program: the
# runnable jar (java -jar PATH), the Go binary. The stubs are generated while they build.
#
# Usage: scripts/clients.sh [java] [go]     (default: both, in that order)
# Downloads are cached where each tool keeps them (~/.m2/repository, Go's module and build
# caches); the jar is not rebuilt while nothing it is made from changed, and Go's build
# cache makes a second Go build take ~2 s.
set -euo pipefail
me="clients.sh"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
log() { echo "[$me] $*" >&2; }
die() { echo "[$me] error: $*" >&2; exit 1; }

build_java() {
  local jar="$ROOT/clients/java/target/clusterwatch-client.jar"
  # Maven regenerates and recompiles every time (~40 s): not when nothing it reads is newer.
  if [ -f "$jar" ] && [ -z "$(find "$ROOT/clients/java/pom.xml" "$ROOT/clients/java/src" \
        "$ROOT/proto/clusterwatch/v1" -newer "$jar" -print -quit)" ]; then
    echo "$jar"
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || die "mvn not found (scripts/setup.sh installs Maven)"
  local start=$SECONDS
  mvn -q -B -Dstyle.color=never -f "$ROOT/clients/java/pom.xml" package >&2 \
    || die "mvn package of clients/java failed"
  log "clients/java built in $((SECONDS - start)) s"
  echo "$jar"
}

build_go() {
  command -v go >/dev/null 2>&1 || die "go not found (needed to build clients/go)"
  local start=$SECONDS
  "$ROOT/clients/go/build.sh" || die "clients/go/build.sh failed"
  log "clients/go built in $((SECONDS - start)) s"
}

if [ "$#" -eq 0 ]; then set -- java go; fi
for client in "$@"; do
  case "$client" in
    java) build_java ;;
    go) build_go ;;
    *) die "unknown client '$client' (known: java, go)" ;;
  esac
done
