#!/usr/bin/env bash
# demo.sh — the main job: set up a fresh machine, build, start a real Kafka broker and the
# four services (ingest, aggregator, query, alerter), push the bundled sample (registry, two
# years of monthly output and tax reports from the seed regions, revisions, late reports, bad
# records, and one duplicate push), then print readable park reports and check every
# park-period against totals computed independently from the sample files.
#
# Usage: scripts/demo.sh [PERIOD]     (default period 2024-12)
# The local run serves gRPC in plaintext without authentication (explicit development
# flags in scripts/services.sh; docs/security.md for TLS and roles).
#        scripts/demo.sh stop         (stop the services and the broker it started)
# The services keep running afterwards so you can query them:
#   build/cli/clusterctl report --period=2024-06 --park=P321282A
#   build/cli/clusterctl parks --region=2224
#   curl -s 127.0.0.1:9102/metrics | grep ^cw_
set -euo pipefail
me="demo.sh"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${CW_BUILD_DIR:-$ROOT/build}"
VAR="$ROOT/var"
log() { echo "[$me] $*" >&2; }

if [ "${1:-}" = "stop" ]; then
  "$ROOT/scripts/services.sh" stop
  "$ROOT/scripts/kafka.sh" stop
  exit 0
fi
PERIOD="${1:-2024-12}"

"$ROOT/scripts/build.sh"
log "fresh state: stopping anything left from a previous run and wiping var/"
"$ROOT/scripts/services.sh" stop >/dev/null 2>&1 || true
"$ROOT/scripts/kafka.sh" wipe >/dev/null 2>&1 || true
rm -rf "$VAR/state" "$VAR/run"
"$ROOT/scripts/kafka.sh" start
"$ROOT/scripts/kafka.sh" topics >/dev/null
"$ROOT/scripts/services.sh" start

CTL="$BUILD/cli/clusterctl"
# The bundled sample; `clusterctl gen-sample --seed=20241` writes the same bytes (unit-tested).
SAMPLE="$ROOT/data/sample"
log "registry"
"$CTL" registry "$SAMPLE/registry/parks.csv" "$SAMPLE/registry/enterprises.csv"
# clusterctl push exits 3 when ingest refused lines: the sample's zz-bad*.csv files hold bad
# records on purpose, so 3 is expected here; anything else but 0 stops the demo.
push() {
  local rc=0
  "$CTL" push "$@" 2>&1 | sed 's/^/  /' || rc=$?
  [ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] || { log "clusterctl push failed (exit $rc)"; exit "$rc"; }
}
log "pushing $(ls "$SAMPLE/reports"/*.csv | wc -l) report files (in file-name order)"
push $(ls "$SAMPLE/reports"/*.csv | sort)
first=$(ls "$SAMPLE/reports"/*.csv | sort | head -n1)
log "pushing $(basename "$first") again (same submission id: answered, nothing produced twice)"
push "$first"

log "waiting for the query service to match the independent ground truth"
/usr/bin/python3 "$ROOT/tests/system/cwclient.py" compare --sample "$SAMPLE" \
  --query 127.0.0.1:50052 --wait 120

echo
echo "════════ 园区产业集群监测 park report, ${PERIOD} ════════"
"$CTL" report --period="$PERIOD"
echo "════════ 产业集群指标 cluster metrics: 靖江 ════════"
"$CTL" metrics --period="$PERIOD" --park=P321282A
echo "════════ 集群衰退告警 decline alerts ════════"
# The alerter has seen every snapshot once two of its periodic evaluations of every park
# (every 10 s here) have completed after the query matched the ground truth, and the query
# service has its alerts once its lag is 0.
MB="${CW_METRICS_BASE:-9101}"
periodic() {
  curl -sf "http://127.0.0.1:$((MB + 3))/metrics" | awk '/^cw_alerter_periodic_evaluations_total /{print int($2)}'
}
lag() {
  curl -sf "http://127.0.0.1:$((MB + 2))/metrics" | awk '/^cw_kafka_consumer_lag/{s+=$2} END{print int(s)}'
}
done0="$(periodic)"
for _ in $(seq 120); do [ "$(periodic)" -ge "$((done0 + 2))" ] && break; sleep 0.5; done
for _ in $(seq 60); do [ "$(lag)" = 0 ] && break; sleep 0.5; done
# One alert per condition of a subject (docs/alerts.md): the open ones by subject, on one
# screen; one line each with its id in var/run/alerts-brief.txt, explanations and figures in
# var/run/alerts.txt, the whole history with `clusterctl alerts list`.
"$CTL" alerts list --state=firing > "$VAR/run/alerts.txt"
"$CTL" alerts list --state=firing --brief > "$VAR/run/alerts-brief.txt"
"$CTL" alerts list --state=firing --summary
echo "(one line per alert with its id: var/run/alerts-brief.txt; explanations and figures: var/run/alerts.txt)"
echo "Services are still running (scripts/demo.sh stop ends them)."
echo "Try: $CTL report --period=2024-01/02 --park=P321023A    |   $CTL parks --region=2224"
