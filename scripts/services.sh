#!/usr/bin/env bash
# services.sh — start and stop the clusterwatch services (cw-ingest, cw-aggregator,
# cw-query, cw-alerter) in the background against a running broker, with logs and pid files under
# var/run.
#
# Usage: scripts/services.sh start|stop|status|wait-ready
# Env: CW_BUILD_DIR (default <repo>/build), CW_VAR (default <repo>/var),
#      CW_BROKERS (default 127.0.0.1:19092), CW_INGEST_PORT (50051), CW_QUERY_PORT (50052),
#      CW_METRICS_BASE (9101: ingest 9101, aggregator 9102, query 9103, alerter 9104)
set -euo pipefail
me="services.sh"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${CW_BUILD_DIR:-$ROOT/build}"
VAR="${CW_VAR:-$ROOT/var}"
RUN="$VAR/run"
BROKERS="${CW_BROKERS:-127.0.0.1:19092}"
INGEST_PORT="${CW_INGEST_PORT:-50051}"
QUERY_PORT="${CW_QUERY_PORT:-50052}"
MB="${CW_METRICS_BASE:-9101}"
# gRPC security flags of ingest and query. The local default is the explicit development
# opt-out; set CW_SECURITY="--tls_cert=... --tls_key=... --credentials=..." for TLS and roles
# (scripts/make-test-ca.sh, docs/security.md).
SECURITY="${CW_SECURITY:---plaintext --allow_unauthenticated --rate_limit_rps=0}"
log() { echo "[$me] $*" >&2; }

start_one() {  # name binary args...
  local name=$1 bin=$2; shift 2
  local pidf="$RUN/$name.pid"
  if [ -f "$pidf" ] && kill -0 "$(cat "$pidf")" 2>/dev/null; then
    log "$name already running (pid $(cat "$pidf"))"; return 0
  fi
  "$BUILD/$bin" "$@" >>"$RUN/$name.log" 2>&1 &
  echo $! >"$pidf"
  log "$name started (pid $!, log $RUN/$name.log)"
}

stop_one() {
  local name=$1 pidf="$RUN/$1.pid"
  [ -f "$pidf" ] || return 0
  local pid; pid=$(cat "$pidf")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidf"
  log "$name stopped"
}

wait_port() {  # port seconds
  local deadline=$((SECONDS + $2))
  while [ $SECONDS -lt $deadline ]; do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.2
  done
  return 1
}

case "${1:-}" in
  start)
    mkdir -p "$RUN" "$VAR/state"
    start_one ingest ingest/cw-ingest --brokers="$BROKERS" --listen="127.0.0.1:$INGEST_PORT" \
      --metrics_address="127.0.0.1:$MB" --audit_log="$RUN/audit-ingest.jsonl" $SECURITY
    start_one aggregator aggregator/cw-aggregator --brokers="$BROKERS" \
      --state_dir="$VAR/state/aggregator" --metrics_address="127.0.0.1:$((MB + 1))"
    start_one query query/cw-query --brokers="$BROKERS" --listen="127.0.0.1:$QUERY_PORT" \
      --state_dir="$VAR/state/query" --metrics_address="127.0.0.1:$((MB + 2))" \
      --audit_log="$RUN/audit-query.jsonl" $SECURITY
    start_one alerter alerter/cw-alerter --brokers="$BROKERS" \
      --rules="$ROOT/deploy/alert-rules.yaml" --state_dir="$VAR/state/alerter" \
      --reevaluate_seconds="${CW_REEVALUATE_SECONDS:-10}" \
      --metrics_address="127.0.0.1:$((MB + 3))"
    "$0" wait-ready
    ;;
  wait-ready)
    wait_port "$INGEST_PORT" 60 || { log "ingest did not listen; see $RUN/ingest.log"; tail -20 "$RUN/ingest.log" >&2; exit 1; }
    wait_port "$QUERY_PORT" 60 || { log "query did not listen; see $RUN/query.log"; tail -20 "$RUN/query.log" >&2; exit 1; }
    wait_port "$((MB + 1))" 60 || { log "aggregator metrics not up; see $RUN/aggregator.log"; tail -20 "$RUN/aggregator.log" >&2; exit 1; }
    wait_port "$((MB + 3))" 60 || { log "alerter metrics not up; see $RUN/alerter.log"; tail -20 "$RUN/alerter.log" >&2; exit 1; }
    log "ingest :$INGEST_PORT, query :$QUERY_PORT, metrics :$MB-:$((MB + 3)) (ingest, aggregator, query, alerter) ready"
    ;;
  stop)
    for s in alerter query aggregator ingest; do stop_one "$s"; done
    ;;
  status)
    for s in ingest aggregator query alerter; do
      if [ -f "$RUN/$s.pid" ] && kill -0 "$(cat "$RUN/$s.pid")" 2>/dev/null; then
        echo "$s running (pid $(cat "$RUN/$s.pid"))"
      else
        echo "$s stopped"
      fi
    done
    ;;
  *) sed -n '2,10p' "$0"; exit 2 ;;
esac
