#!/usr/bin/env bash
# test.sh — set up a fresh machine and run every test: unit tests (ctest) and the system
# tests (real Kafka broker from Maven Central, the real binaries as separate processes,
# external clients: Python grpcio, grpcurl, the Java and Go examples), compared with
# independent ground truth.
#
# Usage: scripts/test.sh            Env: CW_LONG=1 for the longer system-test variants
set -euo pipefail
me="test.sh"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${CW_BUILD_DIR:-$ROOT/build}"
log() { echo "[$me] $*" >&2; }

"$ROOT/scripts/build.sh"
"$ROOT/scripts/kafka.sh" fetch
GRPCURL="$("$ROOT/scripts/tools.sh")"
export CW_GRPCURL="$GRPCURL"
# PyPI packages of the tests (openpyxl, grpcio-tools) in a cached virtual environment.
CW_PYVENV="$("$ROOT/scripts/tools.sh" pyvenv)"
export CW_PYVENV
# The Java and Go clients' example programs, built once (Maven Central, the Go module proxy;
# downloads cached in ~/.m2 and Go's module cache) for tests/system/test_java_go_clients.py
# and the docs' examples.
CW_JAVA_EXAMPLE="$("$ROOT/scripts/clients.sh" java)"
CW_GO_EXAMPLE="$("$ROOT/scripts/clients.sh" go)"
export CW_JAVA_EXAMPLE CW_GO_EXAMPLE

log "unit tests"
(cd "$BUILD" && ctest --output-on-failure --no-tests=error -j2)

log "fuzz targets (corpus and regressions, then ${CW_FUZZ_SECONDS:-10}s each)"
CW_FUZZ_SECONDS="${CW_FUZZ_SECONDS:-10}" "$ROOT/fuzz/build_and_run.sh"

log "Prometheus alerting rules (promtool)"
promtool check rules "$ROOT"/deploy/prometheus/rules/*.yml
promtool test rules "$ROOT"/tests/prometheus/*.test.yml

log "system tests (real broker, real binaries)"
cd "$ROOT"
/usr/bin/python3 -m pytest -q -p no:cacheprovider tests/prometheus tests/system

log "deployments (podman images around this build, compose with TLS, systemd command lines)"
"$ROOT/scripts/deploy-test.sh"
