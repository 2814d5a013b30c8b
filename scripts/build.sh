#!/usr/bin/env bash
# build.sh — install the packages (scripts/setup.sh) and build clusterwatch into build/.
# Usage: scripts/build.sh [extra cmake args]     Env: CW_BUILD_DIR (default <repo>/build)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${CW_BUILD_DIR:-$ROOT/build}"
"$ROOT/scripts/setup.sh"
cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
# Two jobs: gRPC-heavy translation units need ~1 GiB each; the machine has 2 cores.
cmake --build "$BUILD" -j "${CW_JOBS:-2}"
echo "[build.sh] built into $BUILD" >&2
