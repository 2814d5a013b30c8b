#!/bin/sh
# cw-entrypoint — the container's ENTRYPOINT: the first argument names the program, the rest
# are its flags. `exec` makes the program PID 1, so SIGTERM from the runtime reaches it (the
# binaries handle SIGTERM/SIGINT themselves: drain, commit, exit 0).
#
#   cw-entrypoint cw-ingest --brokers=kafka:9092 --listen=0.0.0.0:50051 ...
#   cw-entrypoint clusterctl report --query=cw-query:50052 --period=2024-12
set -eu

# Where the programs are; overridable only to test this script outside the image.
bindir="${CW_BIN_DIR:-/usr/local/bin}"

usage() {
  cat <<'EOF'
usage: <image> PROGRAM [FLAGS...]
programs:
  cw-ingest       gRPC push endpoint (:50051), metrics :9101
  cw-aggregator   Kafka consumer group + RocksDB state, metrics :9102
  cw-query        gRPC query replica (:50052), metrics :9103
  cw-alerter      alert rules over park metrics, metrics :9104
  cw-allinone     all three on librdkafka's mock cluster (trial mode; data is lost at exit)
  clusterctl      command-line client
  cw-healthcheck  container health probe (tcp PORT | metrics PORT [NAME VALUE])
`<image> PROGRAM --help` lists the program's flags.
EOF
}

case "${1:-}" in
  cw-ingest|cw-aggregator|cw-query|cw-alerter|cw-allinone|clusterctl|cw-healthcheck)
    program="$1"
    shift
    exec "$bindir/$program" "$@"
    ;;
  ""|-h|--help|help)
    usage
    ;;
  *)
    echo "cw-entrypoint: unknown program '$1'" >&2
    usage >&2
    exit 64
    ;;
esac
