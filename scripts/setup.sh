#!/usr/bin/env bash
# setup.sh — install the Debian packages clusterwatch needs to build, test and run
# (compilers, C++ libraries, Python gRPC tools, Java 17 + Maven for the test Kafka broker, kcat).
#
# Usage: scripts/setup.sh            (as root, or with sudo available)
#
# Idempotent: when `dpkg -s` reports every package installed, apt is not touched at all.
# Otherwise runs `apt-get update` once and `apt-get install -y` of the missing packages.
set -euo pipefail

me="setup.sh"
log() { echo "[$me] $*" >&2; }

PACKAGES=(
  build-essential cmake ninja-build pkg-config
  librdkafka-dev libgrpc++-dev protobuf-compiler protobuf-compiler-grpc libprotobuf-dev
  librocksdb-dev prometheus-cpp-dev
  # clusterctl export writes XLSX workbooks with libxlsxwriter (found with pkg-config).
  libxlsxwriter-dev
  # clusterctl push/registry read .xlsx workbooks with minizip and expat (pkg-config).
  libminizip-dev libexpat1-dev
  libgtest-dev libgmock-dev libbenchmark-dev libyaml-cpp-dev libcurl4-openssl-dev
  python3-grpcio python3-protobuf python3-pytest python3-pytest-timeout
  # scripts/tools.sh pyvenv: a virtual environment for the PyPI packages of the tests.
  python3-venv
  # JDK (not only the JRE): scripts/kafka.sh runs deploy/kafka/CreateTopics.java as a
  # single-file source program, which needs the jdk.compiler module.
  # Maven resolves the benchmark peers (bench/kstreams, bench/flink: Flink runs in a local
  # MiniCluster from its jars); bench/flink_compare.sh profiles the peer with the JDK's jfr.
  openjdk-17-jre-headless openjdk-17-jdk-headless maven
  kcat
  # curl: the documented /metrics examples, which the doc-test runs (docs/contributing.md).
  curl
  # promtool, to check and unit-test the Prometheus alerting rules in deploy/prometheus.
  prometheus
  # Alertmanager (and amtool): cw-alerter's routing, grouping and silences; started by
  # tests/system/test_alertmanager.py like the broker.
  prometheus-alertmanager
  # clang with libFuzzer and the sanitizer runtimes, for fuzz/build_and_run.sh.
  clang libclang-rt-14-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  log "all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { log "not root and no sudo; cannot install: ${missing[*]}"; exit 1; }
  SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
log "missing: ${missing[*]}"
log "apt-get update"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
log "apt-get install ${#missing[@]} package(s)"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}"
log "done"
