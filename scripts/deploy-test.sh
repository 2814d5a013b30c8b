#!/usr/bin/env bash
# deploy-test.sh — run the deployments as an operator would, on this machine, from a fresh
# one: podman, runc, debootstrap (apt) and podman-compose (PyPI) are installed when missing,
# the images are built around the binaries of an existing build (scripts/images.sh: no
# compiling in an image), then tests/deploy runs
#   test_programs.py  every program's --version, --help (its own flags) and --check_flags;
#                     every command line in deploy/ (compose, Kubernetes, systemd) passes the
#                     binaries' own --check_flags; systemd-analyze verify on the units
#   test_compose.py   the compose stack with TLS and tokens: sample pushed through the
#                     clusterctl container, answers = ground truth, an alert fires, every
#                     Prometheus rule and Grafana panel reads series that exist
#   test_systemd.py   each systemd unit's ExecStart, expanded as systemd would, run against a
#                     test broker: SERVING over TLS, healthy, the sample equal to ground truth
#   test_kube.py      the Deployments and StatefulSets of deploy/k8s with `podman kube play`
#                     against the Kafka image; every probe passes, ingest and query SERVING
# and prints the measured start-up times.
#
# Usage: scripts/deploy-test.sh [PYTEST ARGS...]
# Env: CW_BUILD_DIR (default <repo>/build; scripts/build.sh makes it), CW_CACHE.
# Called by .ci/run after scripts/test.sh, reusing CI's build/.
set -euo pipefail
me="deploy-test.sh"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CW_BUILD_DIR="${CW_BUILD_DIR:-$ROOT/build}"
export CONTAINERS_CONF="$ROOT/deploy/podman/containers.conf"
log() { echo "[$me] $*" >&2; }
t0=$SECONDS

"$ROOT/scripts/images.sh"
"$ROOT/scripts/kafka.sh" fetch  # test_systemd.py runs the units against a local test broker
log "images ready after $((SECONDS - t0)) s"

timings="$(mktemp "${TMPDIR:-/tmp}/cw-deploy-timings.XXXXXX")"
trap 'rm -f "$timings"' EXIT
cd "$ROOT"
rc=0
CW_DEPLOY_TIMINGS="$timings" /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/deploy \
  "$@" || rc=$?
log "measured start-up times:"
sed 's/^/    /' "$timings" >&2
log "done in $((SECONDS - t0)) s (exit $rc)"
exit "$rc"
