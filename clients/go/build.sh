#!/usr/bin/env bash
# build.sh — build the Go client: generate the stubs of proto/clusterwatch/v1 into gen/ (package
# clusterwatchv1; never committed) with protoc and the protoc-gen-go / protoc-gen-go-grpc
# plugins, then build the example program into bin/parkreport and print its path.
#
# Usage: clients/go/build.sh
# Needs: Go (modules from the Go module proxy, cached in Go's module cache), protoc (Debian's
# protobuf-compiler, scripts/setup.sh); the plugins are installed by scripts/tools.sh into
# ${CW_CACHE:-~/.cache/clusterwatch}/bin, at the versions go.mod's runtime needs.
set -euo pipefail
me="build.sh"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
MODULE="clusterwatch/clients/go"

plugins="$("$ROOT/scripts/tools.sh" protoc-gen-go protoc-gen-go-grpc)"
gen_go="$(sed -n 1p <<<"$plugins")"
gen_go_grpc="$(sed -n 2p <<<"$plugins")"

cd "$HERE"
rm -rf gen
protoc -I "$ROOT/proto" \
  --plugin=protoc-gen-go="$gen_go" --go_out=. --go_opt=module="$MODULE" \
  --plugin=protoc-gen-go-grpc="$gen_go_grpc" --go-grpc_out=. --go-grpc_opt=module="$MODULE" \
  "$ROOT"/proto/clusterwatch/v1/*.proto
go build -o bin/parkreport ./cmd/parkreport
echo "[$me] built $HERE/bin/parkreport" >&2
echo "$HERE/bin/parkreport"
