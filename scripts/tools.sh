#!/usr/bin/env bash
# tools.sh — install the external command-line clients that clusterwatch's tests and docs use,
# into the project cache (not the system): grpcurl, built from the Go module proxy, and a
# Python virtual environment with the PyPI packages the system tests need beyond Debian's
# (tests/system/requirements.txt: openpyxl to read exported workbooks back, grpcio-tools to
# build the Python client package), and the protoc plugins of the Go client (clients/go).
#
# Usage: scripts/tools.sh [grpcurl] [pyvenv] [benchvenv] [protoc-gen-go] [protoc-gen-go-grpc]
#        prints the path of each installed tool on stdout
#        (pyvenv, benchvenv: the environment's python; default: grpcurl only)
#
# Environment:
#   CW_CACHE              cache root (default $HOME/.cache/clusterwatch); tools go to $CW_CACHE/bin
#   CW_GRPCURL_VERSION    grpcurl module version (default v1.9.3)
#   CW_PROTOC_GEN_GO_VERSION       google.golang.org/protobuf version (default: the one
#                                  clients/go/go.mod requires, so the code matches its runtime)
#   CW_PROTOC_GEN_GO_GRPC_VERSION  protoc-gen-go-grpc module version (default v1.6.2)
#   CW_PYTHON             the Python that makes the environment (default /usr/bin/python3;
#                         needs Debian's python3-venv)
# Idempotent: a tool already built at the wanted version is not rebuilt (a marker file beside
# the binary records the version). Needs Go (`go install`, Go 1.21+).
set -euo pipefail

me="tools.sh"
log() { echo "[$me] $*" >&2; }
die() { echo "[$me] error: $*" >&2; exit 1; }

CACHE_ROOT="${CW_CACHE:-$HOME/.cache/clusterwatch}"
BIN="$CACHE_ROOT/bin"
GRPCURL_VERSION="${CW_GRPCURL_VERSION:-v1.9.3}"

# go_tool NAME MODULE_PATH VERSION: go install MODULE_PATH@VERSION into $BIN unless present.
go_tool() {
  local name="$1" pkg="$2" version="$3"
  local exe="$BIN/$name" marker="$BIN/.$name.version"
  if [ -x "$exe" ] && [ -f "$marker" ] && [ "$(cat "$marker")" = "$pkg@$version" ]; then
    echo "$exe"
    return 0
  fi
  command -v go >/dev/null 2>&1 || die "go not found (needed to build $name)"
  mkdir -p "$BIN"
  log "building $name $version with go install (first time: ~1-2 min)"
  local start=$SECONDS
  if ! GOBIN="$BIN" CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -buildvcs=false" \
       go install "$pkg@$version" >&2; then
    die "go install $pkg@$version failed"
  fi
  [ -x "$exe" ] || die "go install succeeded but $exe is missing"
  echo "$pkg@$version" >"$marker"
  log "$name $version installed in $((SECONDS - start)) s"
  echo "$exe"
}

# pyvenv: $CACHE_ROOT/pyvenv made with `python -m venv` and the pinned requirements installed
# from PyPI with pip; rebuilt only when the requirements file changes (its hash is recorded).
# benchvenv: the same for the benchmarks' Python (bench/requirements.txt), kept apart so that
# a bench requirement never rebuilds the tests' environment.
install_venv() {  # NAME REQUIREMENTS (relative to the repository)
  local root reqs venv marker want
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  reqs="$root/$2"
  venv="$CACHE_ROOT/$1"
  marker="$venv/.requirements.sha256"
  want="$(sha256sum "$reqs" | cut -d' ' -f1)"
  if [ -x "$venv/bin/python" ] && [ -f "$marker" ] && [ "$(cat "$marker")" = "$want" ]; then
    echo "$venv/bin/python"
    return 0
  fi
  rm -rf "$venv"
  log "making $venv (pip install -r $2)"
  "${CW_PYTHON:-/usr/bin/python3}" -m venv "$venv" >&2 || die "python3 -m venv failed"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$reqs" >&2 \
    || die "pip install -r $reqs failed"
  echo "$want" >"$marker"
  echo "$venv/bin/python"
}

install_grpcurl() {
  go_tool grpcurl github.com/fullstorydev/grpcurl/cmd/grpcurl "$GRPCURL_VERSION"
}

# The protobuf runtime version clients/go/go.mod requires: its code generator must match it.
go_mod_version() {
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  awk -v m="$1" '$1 == m { print $2; exit }' "$root/clients/go/go.mod"
}

install_protoc_gen_go() {
  local v="${CW_PROTOC_GEN_GO_VERSION:-$(go_mod_version google.golang.org/protobuf)}"
  [ -n "$v" ] || die "clients/go/go.mod requires no google.golang.org/protobuf"
  go_tool protoc-gen-go google.golang.org/protobuf/cmd/protoc-gen-go "$v"
}

install_protoc_gen_go_grpc() {
  go_tool protoc-gen-go-grpc google.golang.org/grpc/cmd/protoc-gen-go-grpc \
    "${CW_PROTOC_GEN_GO_GRPC_VERSION:-v1.6.2}"
}

if [ "$#" -eq 0 ]; then set -- grpcurl; fi
for tool in "$@"; do
  case "$tool" in
    grpcurl) install_grpcurl ;;
    pyvenv) install_venv pyvenv tests/system/requirements.txt ;;
    benchvenv) install_venv benchvenv bench/requirements.txt ;;
    protoc-gen-go) install_protoc_gen_go ;;
    protoc-gen-go-grpc) install_protoc_gen_go_grpc ;;
    -h|--help|help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2 ;;
    *) die "unknown tool '$tool' (known: grpcurl, pyvenv, benchvenv, protoc-gen-go, protoc-gen-go-grpc)" ;;
  esac
done
