#!/bin/bash
# cw-healthcheck — a container health probe that needs nothing but bash (the runtime image
# has no curl, wget or grpc_health_probe). Used by deploy/compose healthchecks and by the
# aggregator's Kubernetes readiness probe; ingest and query use Kubernetes' native gRPC probe.
#
#   cw-healthcheck tcp PORT                 something accepts connections on 127.0.0.1:PORT
#   cw-healthcheck metrics PORT [NAME VAL]  GET /metrics answers 200 (and, when given, has
#                                           samples of NAME, every one of them (any labels:
#                                           one per aggregator stage) with value VAL, e.g.
#                                           `metrics 9102 cw_aggregator_healthy 1`)
# Exit status 0 healthy, 1 unhealthy, 2 bad usage. Env: CW_HEALTH_HOST (127.0.0.1),
# CW_HEALTH_TIMEOUT seconds (3), CW_HEALTH_PASSWORD_FILE (when set, /metrics is asked with
# HTTP basic auth as CW_HEALTH_USER, default prometheus, and the password in that file:
# for services started with --metrics_auth_file).
set -uo pipefail

host="${CW_HEALTH_HOST:-127.0.0.1}"
limit="${CW_HEALTH_TIMEOUT:-3}"

fail() { echo "cw-healthcheck: $*" >&2; exit 1; }
usage() { sed -n '5,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

valid_port() { [[ "$1" =~ ^[0-9]+$ ]] && [ "$1" -ge 1 ] && [ "$1" -le 65535 ]; }

check_tcp() {
  timeout "$limit" bash -c "exec 3<>/dev/tcp/$host/$1" 2>/dev/null \
    || fail "nothing accepts connections on $host:$1"
}

check_metrics() {  # port [name value]
  local port=$1 name=${2:-} want=${3:-} response status auth="" password
  if [ -n "${CW_HEALTH_PASSWORD_FILE:-}" ]; then
    password="$(cat "$CW_HEALTH_PASSWORD_FILE" 2>/dev/null)" \
      || fail "cannot read CW_HEALTH_PASSWORD_FILE $CW_HEALTH_PASSWORD_FILE"
    auth="Authorization: Basic $(printf '%s:%s' "${CW_HEALTH_USER:-prometheus}" "$password" |
      base64 -w0)"$'\r\n'
  fi
  response="$(timeout "$limit" bash -c '
      exec 3<>"/dev/tcp/$0/$1" || exit 1
      printf "GET /metrics HTTP/1.0\r\nHost: %s\r\nAccept: text/plain\r\n%s\r\n" "$0" "$2" >&3
      cat <&3' "$host" "$port" "$auth" 2>/dev/null)" || fail "no /metrics answer on $host:$port"
  status="$(head -n 1 <<<"$response" | tr -d '\r')"
  [[ "$status" =~ ^HTTP/1\.[01]\ 200 ]] || fail "/metrics on $host:$port answered '$status'"
  [ -z "$name" ] && return 0
  local values bad
  values="$(tr -d '\r' <<<"$response" |
    awk -v n="$name" '$1 == n || index($1, n "{") == 1 { print $1 " " $NF }')"
  [ -n "$values" ] || fail "$name not exported on $host:$port"
  # Compare numerically (prometheus-cpp may print 1 or 1.0); every series must match.
  bad="$(awk -v b="$want" '!($2 + 0 == b + 0) { print $1 "=" $2 }' <<<"$values")"
  [ -z "$bad" ] || fail "$name is not $want: $bad"
}

case "${1:-}" in
  tcp)
    [ $# -eq 2 ] && valid_port "$2" || usage
    check_tcp "$2"
    ;;
  metrics)
    { [ $# -eq 2 ] || [ $# -eq 4 ]; } && valid_port "$2" || usage
    check_metrics "$2" "${3:-}" "${4:-}"
    ;;
  *)
    usage
    ;;
esac
exit 0
