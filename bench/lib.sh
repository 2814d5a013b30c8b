#!/usr/bin/env bash
# lib.sh — helpers shared by the bench/ scripts that run a broker and the services. Source it
# after setting `me` (the script's name for log lines); it sets ROOT and BUILD. It puts bench/ on PYTHONPATH, so the
# scripts' embedded Python can `from bench_util import ...` (proc_cpu, hwm_mib, ...).
#   log MSG / die MSG          timestamped line on stderr / the same, then exit 1
#   wait_port PORT SECONDS     until 127.0.0.1:PORT accepts a connection (1 on timeout)
#   end_offsets BOOT TOPIC     "0:123,1:456,..." — each partition's end offset (kcat)
#   push_sample BIN DIR BOOT PORT SECURITY...
#       starts BIN/cw-ingest on 127.0.0.1:PORT (metrics PORT+1), pushes DIR/sample's registry
#       and every DIR/sample/reports/*.csv with BIN/clusterctl (dies if a push fails;
#       rejected lines of the bad files are expected), stops it; sets ACCEPTED (records
#       accepted) and PUSH_S (seconds).
#       Logs in DIR/logs.

# The repository and the build (CW_BUILD_DIR, default build/).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${CW_BUILD_DIR:-$ROOT/build}"
# The scripts' embedded Python imports its helpers from bench/bench_util.py.
export PYTHONPATH="$ROOT/bench${PYTHONPATH:+:$PYTHONPATH}"

# Re-runs the calling script under `nice -n 5` (once), so a long benchmark yields to
# interactive work on a shared machine: call as `bench_nice "$@"`.
bench_nice() {
  if [ -z "${CW_BENCH_NICED:-}" ]; then
    export CW_BENCH_NICED=1
    exec nice -n 5 "$0" "$@"
  fi
}

log() { echo "[$me] $(date -u +%T) $*" >&2; }
die() { echo "[$me] error: $*" >&2; exit 1; }

wait_port() {
  local deadline=$((SECONDS + $2))
  until (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

end_offsets() {
  local boot="$1" topic="$2" parts q=() p
  parts="$(kcat -b "$boot" -L -t "$topic" 2>/dev/null | grep -c '^ *partition ')"
  for ((p = 0; p < parts; p++)); do q+=(-t "$topic:$p:-1"); done
  kcat -b "$boot" -Q "${q[@]}" | sed -n "s/^$topic \[\([0-9]*\)\] offset \([0-9]*\)$/\1:\2/p" \
    | sort -n | paste -sd,
}

push_sample() {
  local bin="$1" dir="$2" boot="$3" port="$4"
  shift 4
  local addr="127.0.0.1:$port" pid t
  "$bin/cw-ingest" --brokers="$boot" --listen="$addr" \
    --metrics_address="127.0.0.1:$((port + 1))" --audit_log="$dir/logs/audit-ingest.jsonl" \
    "$@" >"$dir/logs/ingest.log" 2>&1 &
  pid=$!
  wait_port "$port" 60 || { kill "$pid" 2>/dev/null; die "cw-ingest did not listen (log: $dir/logs/ingest.log)"; }
  "$bin/clusterctl" registry --ingest="$addr" "$dir/sample/registry/parks.csv" \
    "$dir/sample/registry/enterprises.csv" >/dev/null
  t=$SECONDS
  # Exit 3 = answered with refused lines (the zz-bad files hold them on purpose), not a failure.
  local rc=0
  "$bin/clusterctl" push --ingest="$addr" --retries=50 "$dir"/sample/reports/*.csv \
    >"$dir/logs/push.log" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ]; then
    kill "$pid" 2>/dev/null; tail -n 20 "$dir/logs/push.log" >&2; die "push failed (exit $rc)"
  fi
  PUSH_S=$((SECONDS - t))
  ACCEPTED="$(sed -n 's/.*: \([0-9]*\) accepted,.*/\1/p' "$dir/logs/push.log" | awk '{s += $1} END {print s + 0}')"
  kill -TERM "$pid"
  wait "$pid" 2>/dev/null || true
  [ "$ACCEPTED" -gt 0 ] || { tail -n 20 "$dir/logs/push.log" >&2; die "ingest accepted nothing"; }
}

# fresh_topics BOOT TOPIC...: delete each topic, wait until the broker has forgotten it, then
# create the missing clusterwatch topics again, empty, with $FRESH_TOPICS_CMD (default
# `scripts/kafka.sh topics`, with CW_KAFKA_DIR, CW_KAFKA_PORT and CW_PARTITIONS as for the
# broker; `scripts/kafka-cluster.sh topics` for the three-broker cluster). The two-stage cw-aggregator reads
# cw.contributions.v1 from the beginning under a fresh group: a run after another needs a
# fresh one, or its park stage starts on the earlier run's contributions.
fresh_topics() {
  local boot="$1" libs t deadline
  shift
  libs="$("$ROOT/scripts/kafka.sh" fetch 2>&1 | sed -n 's/.*jars: //p' | tail -n1)"
  [ -d "$libs" ] || die "fresh_topics: no Kafka jars (scripts/kafka.sh fetch)"
  for t in "$@"; do
    java -Xmx256m -cp "$libs/*" org.apache.kafka.tools.TopicCommand --bootstrap-server "$boot" \
      --delete --if-exists --topic "$t" >/dev/null 2>&1 || die "fresh_topics: could not delete $t"
  done
  deadline=$((SECONDS + 60))
  for t in "$@"; do
    while kcat -b "$boot" -L -t "$t" 2>/dev/null | grep -q '^ *partition '; do
      [ "$SECONDS" -lt "$deadline" ] || die "fresh_topics: $t still there after 60 s"
      sleep 0.3
    done
  done
  ${FRESH_TOPICS_CMD:-"$ROOT/scripts/kafka.sh" topics} >/dev/null 2>&1 \
    || die "fresh_topics: ${FRESH_TOPICS_CMD:-scripts/kafka.sh topics} failed"
}
