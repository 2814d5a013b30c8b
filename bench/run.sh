#!/usr/bin/env bash
# run.sh — clusterwatch's performance run: every benchmark beside its baseline, in one
# session, on its own Kafka broker (own data dir and ports), with results written to
# bench/results/<date>.md (+ the raw JSON in bench/results/<date>/) and printed.
# Takes ~5-7 minutes on a 2-core machine; nothing here asserts on time.
#
#   1. aggregator_bench   Aggregator::ProcessBatch (MemoryStore, RocksDbStore) vs decode+sum
#   2. domain_bench       ParseCsv / ReportsFromCsv / DeriveYear vs a plain split
#   3. ingest_load        pushes to cw-ingest vs the same records produced with librdkafka
#   4. cw-aggregator      draining everything ingest wrote vs a raw librdkafka consumer
#   5. query              ghz and bench/query_load against cw-query vs bench/noop_server
#                         (empty answers; and canned copies of real answers) at fixed rates
#   6. peak RSS (VmHWM) of every service process
#
# Usage: bench/run.sh            (from anywhere; build first, see below)
# Env:
#   CW_BUILD_DIR        build with the services and clusterctl      (default <repo>/build)
#   CW_BENCH_BUILD_DIR  build with the bench/ targets               (default CW_BUILD_DIR)
#   CW_CACHE            tool cache; ghz goes to $CW_CACHE/bin       (default ~/.cache/clusterwatch)
#   CW_BENCH_DIR        scratch: broker data, state, logs           (default /tmp/cw-bench-run)
#   CW_BENCH_PORT_BASE  ports BASE..BASE+9: kafka, controller, ingest, query, noop, canned,
#                       metrics x3                                   (default 29090)
#   CW_GHZ_VERSION      ghz module version                           (default v0.120.0)
#   CW_BENCH_QUERY_SECONDS  seconds per query load step              (default 8)
#   CW_BENCH_RATES      query rates, 0 = unbounded                   (default "1000 5000 10000 0")
#   CW_BENCH_INGEST_RECORDS records per ingest run (3 rounds each)   (default 400000)
#   CW_BENCH_REPS       repetitions of the microbenchmarks           (default 2)
#   CW_BENCH_PROFILE=1  also record a callgrind profile of aggregator_bench (+3 min)
#   CW_BENCH_SECURITY   gRPC security flags for ingest and query
#                       (default "--plaintext --allow_unauthenticated --rate_limit_rps=0")
# Build: cmake -S . -B build -G Ninja -DCW_BUILD_BENCH=ON && cmake --build build -j2
#
# Each piece alone (after the build; addresses are examples):
#   build/bench/aggregator_bench --benchmark_repetitions=3 --benchmark_enable_random_interleaving=true
#   build/bench/domain_bench --benchmark_min_time=0.3
#   build/bench/ingest_load --mode=compare --sample=DIR --brokers=B --ingest=ADDR --records=400000
#   build/bench/ingest_load --mode=consume --brokers=B --topic=cw.reports.v1
#   build/bench/noop_server --listen=127.0.0.1:50062 [--snapshot_dir=DIR]
#   build/bench/query_load --target=ADDR --parks=P1,P2 --rate=5000 --duration_s=10
#   ghz --insecure --import-paths proto --proto proto/clusterwatch/v1/query.proto \
#       --call clusterwatch.v1.QueryService.GetParkSnapshot -D requests.json --rps 5000 -z 10s ADDR
set -euo pipefail
# The machine is shared: the whole run (services and load tools included) runs at nice 5.
if [ -z "${CW_BENCH_NICED:-}" ]; then
  export CW_BENCH_NICED=1
  exec nice -n 5 "$0" "$@"
fi
me="bench/run.sh"
log() { echo "[$me] $(date -u +%T) $*" >&2; }
die() { echo "[$me] error: $*" >&2; exit 1; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${CW_BUILD_DIR:-$ROOT/build}"
BB="${CW_BENCH_BUILD_DIR:-$BUILD}/bench"
CACHE="${CW_CACHE:-$HOME/.cache/clusterwatch}"
WORK="${CW_BENCH_DIR:-/tmp/cw-bench-run}"
BASE="${CW_BENCH_PORT_BASE:-29090}"
GHZ_VERSION="${CW_GHZ_VERSION:-v0.120.0}"
QSECS="${CW_BENCH_QUERY_SECONDS:-8}"
RATES="${CW_BENCH_RATES:-1000 5000 10000 0}"
RECORDS="${CW_BENCH_INGEST_RECORDS:-400000}"
REPS="${CW_BENCH_REPS:-2}"
KAFKA_PORT=$BASE CTRL_PORT=$((BASE + 1)) INGEST_PORT=$((BASE + 2)) QUERY_PORT=$((BASE + 3))
NOOP_PORT=$((BASE + 4)) CANNED_PORT=$((BASE + 5)) M_INGEST=$((BASE + 6)) M_AGG=$((BASE + 7))
M_QUERY=$((BASE + 8))
BROKERS="127.0.0.1:$KAFKA_PORT"
STAMP="$(date -u +%Y-%m-%d-%H%M)"
RESULTS="$ROOT/bench/results"
RAW="$RESULTS/$STAMP"
UTIL=(python3 "$ROOT/bench/bench_util.py")
export CW_KAFKA_DIR="$WORK/kafka" CW_KAFKA_PORT="$KAFKA_PORT" CW_KAFKA_CONTROLLER_PORT="$CTRL_PORT"
started=$SECONDS

for b in ingest/cw-ingest aggregator/cw-aggregator query/cw-query cli/clusterctl; do
  [ -x "$BUILD/$b" ] || die "$BUILD/$b missing: build first (cmake --build $BUILD -j2)"
done
BENCH_TARGETS=(aggregator_bench domain_bench ingest_load noop_server query_load)
if [ ! -x "$BB/query_load" ] && [ -z "${CW_BENCH_BUILD_DIR:-}" ]; then
  # The shared build was configured without bench/: build the tools in a private tree.
  BB="$CACHE/bench-build/bench"
  log "bench tools not in $BUILD: building them in $CACHE/bench-build (first time: minutes)"
  cmake -S "$ROOT" -B "$CACHE/bench-build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCW_BUILD_TESTS=OFF -DCW_BUILD_BENCH=ON >/dev/null
  cmake --build "$CACHE/bench-build" -j2 --target "${BENCH_TARGETS[@]}" >&2
fi
for b in "${BENCH_TARGETS[@]}"; do
  [ -x "$BB/$b" ] || die "$BB/$b missing: configure with -DCW_BUILD_BENCH=ON and build, or set CW_BENCH_BUILD_DIR"
done
command -v python3 >/dev/null || die "python3 not found"
# gRPC security flags of ingest and query, when the binaries have them: plaintext and no
# authentication (explicit development opt-outs, as scripts/services.sh uses locally), the
# per-caller rate limit off (one load generator is one caller: a limit would measure the
# limiter) and the audit log on, into a file, as deployed. Override with CW_BENCH_SECURITY.
SECURITY=()
QUERY_HELP="$("$BUILD/query/cw-query" --helpfull 2>&1 || true)"  # --helpfull exits 1
if grep -q -- '--plaintext' <<<"$QUERY_HELP"; then
  read -r -a SECURITY <<<"${CW_BENCH_SECURITY:---plaintext --allow_unauthenticated --rate_limit_rps=0}"
fi

# ---------------------------------------------------------------- processes we start
declare -A PIDS=()
start_proc() {  # name logfile cmd...
  local name=$1 logf=$2; shift 2
  "$@" >"$logf" 2>&1 &
  PIDS[$name]=$!
  log "$name started (pid $!)"
}
stop_proc() {
  local pid=${PIDS[$1]:-}
  [ -n "$pid" ] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  unset "PIDS[$1]"
}
record_rss() {  # name when
  local pid=${PIDS[$1]:-${3:-}}
  local kb; kb=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
  printf '%s\t%s\t%s\n' "$1" "${kb:-0}" "$2" >>"$RAW/rss.txt"
}
cleanup() {
  for n in "${!PIDS[@]}"; do stop_proc "$n"; done
  "$ROOT/scripts/kafka.sh" stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
wait_port() {
  local deadline=$((SECONDS + $2))
  until (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.2
  done
}

mkdir -p "$RAW" "$WORK"
: >"$RAW/rss.txt"
{
  echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //') ($(lscpu 2>/dev/null | awk -F: '/Hypervisor vendor/ {gsub(/ /,"",$2); print "VM: " $2}'))"
  echo "nproc=$(nproc)"
  echo "memory=$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  echo "kernel=$(uname -r)"
  echo "load_start=$(cut -d' ' -f1-3 /proc/loadavg)"
} >"$RAW/system.txt"

# ---------------------------------------------------------------- tools
GHZ="$CACHE/bin/ghz"
if [ ! -x "$GHZ" ]; then
  if command -v go >/dev/null; then
    log "installing ghz $GHZ_VERSION into $CACHE/bin (go install, ~1 min cold)"
    mkdir -p "$CACHE/bin"
    GOBIN="$CACHE/bin" go install "github.com/bojand/ghz/cmd/ghz@$GHZ_VERSION" \
      >"$WORK/ghz-install.log" 2>&1 || log "ghz install failed (see $WORK/ghz-install.log); query_load only"
  else
    log "go not found: no ghz; query_load only"
  fi
fi
[ -x "$GHZ" ] && echo "ghz=$GHZ_VERSION requested (go install; the binary reports '$("$GHZ" --version 2>&1 | head -1)')" >>"$RAW/system.txt"
GRPCURL="$CACHE/bin/grpcurl"
[ -x "$GRPCURL" ] || GRPCURL="$(command -v grpcurl || true)"

# ---------------------------------------------------------------- 1-2 microbenchmarks
log "aggregator_bench ($REPS repetitions, interleaved)"
"$BB/aggregator_bench" --benchmark_repetitions="$REPS" \
  --benchmark_enable_random_interleaving=true --benchmark_out="$RAW/aggregator_bench.json" \
  --benchmark_out_format=json --benchmark_report_aggregates_only=false >"$RAW/aggregator_bench.txt" 2>&1 \
  || { tail "$RAW/aggregator_bench.txt" >&2; die "aggregator_bench failed"; }
log "domain_bench"
"$BB/domain_bench" --benchmark_repetitions="$REPS" --benchmark_min_time=0.2 \
  --benchmark_enable_random_interleaving=true --benchmark_out="$RAW/domain_bench.json" \
  --benchmark_out_format=json >"$RAW/domain_bench.txt" 2>&1 \
  || { tail "$RAW/domain_bench.txt" >&2; die "domain_bench failed"; }

# ---------------------------------------------------------------- broker, sample, ingest
log "broker on $BROKERS (data $WORK/kafka, wiped)"
"$ROOT/scripts/kafka.sh" wipe >/dev/null 2>&1 || true
rm -rf "$WORK/state" "$WORK/canned"
mkdir -p "$WORK/state" "$WORK/canned"
"$ROOT/scripts/kafka.sh" start >/dev/null
"$ROOT/scripts/kafka.sh" topics >/dev/null
BROKER_PID="$(cat "$WORK/kafka/kafka.pid")"

SAMPLE="$WORK/sample"
"$BUILD/cli/clusterctl" gen-sample --out="$SAMPLE" --scale=10 --seed=20241 >/dev/null
echo "sample=clusterctl gen-sample --scale=10 --seed=20241 ($(cat "$SAMPLE"/reports/*.csv | wc -l) CSV lines, $(($(wc -l <"$SAMPLE/registry/parks.csv") - 1)) parks)" >>"$RAW/system.txt"

AUDIT_INGEST=() AUDIT_QUERY=()
if [ ${#SECURITY[@]} -gt 0 ]; then
  AUDIT_INGEST=(--audit_log="$WORK/ingest-audit.jsonl")
  AUDIT_QUERY=(--audit_log="$WORK/query-audit.jsonl")
  echo "security=${SECURITY[*]} --audit_log=FILE (ingest, query)" >>"$RAW/system.txt"
fi
start_proc ingest "$WORK/ingest.log" "$BUILD/ingest/cw-ingest" --brokers="$BROKERS" \
  --listen="127.0.0.1:$INGEST_PORT" --metrics_address="127.0.0.1:$M_INGEST" \
  "${SECURITY[@]}" "${AUDIT_INGEST[@]}"
wait_port "$INGEST_PORT" 60 || die "cw-ingest did not listen (see $WORK/ingest.log)"
"$BUILD/cli/clusterctl" registry --ingest="127.0.0.1:$INGEST_PORT" \
  "$SAMPLE/registry/parks.csv" "$SAMPLE/registry/enterprises.csv" >&2

log "ingest_load: raw / ingest / raw_pushes, 3 rounds of $RECORDS records"
"$BB/ingest_load" --mode=compare --rounds=3 --sample="$SAMPLE" --brokers="$BROKERS" \
  --ingest="127.0.0.1:$INGEST_PORT" --records="$RECORDS" --streams=4 --push_records=1000 \
  --ingest_pid="${PIDS[ingest]}" --json="$RAW/ingest.json" | tee "$RAW/ingest.txt"
record_rss ingest "after the ingest load"
stop_proc ingest

# ---------------------------------------------------------------- aggregator service
EXPECTED="$("${UTIL[@]}" sum-ingest "$RAW/ingest.json")"
log "cw-aggregator draining $EXPECTED records"
start_proc aggregator "$WORK/aggregator.log" "$BUILD/aggregator/cw-aggregator" \
  --brokers="$BROKERS" --state_dir="$WORK/state/aggregator" \
  --metrics_address="127.0.0.1:$M_AGG" --group=cw-aggregator-bench
"${UTIL[@]}" drain "http://127.0.0.1:$M_AGG/metrics" "$EXPECTED" "$RAW/drain.json" 600 "${PIDS[aggregator]}" \
  || log "aggregator did not drain everything (see $WORK/aggregator.log)"
sleep 1  # let the last snapshots be acknowledged
record_rss aggregator "after draining every record"
stop_proc aggregator
log "raw consume ceiling"
"$BB/ingest_load" --mode=consume --brokers="$BROKERS" --topic=cw.reports.v1 \
  --json="$RAW/consume.json" | tee "$RAW/consume.txt"

# ---------------------------------------------------------------- query
start_proc query "$WORK/query.log" "$BUILD/query/cw-query" --brokers="$BROKERS" \
  --listen="127.0.0.1:$QUERY_PORT" --state_dir="$WORK/state/query" \
  --metrics_address="127.0.0.1:$M_QUERY" "${SECURITY[@]}" "${AUDIT_QUERY[@]}"
wait_port "$QUERY_PORT" 60 || die "cw-query did not listen (see $WORK/query.log)"
"${UTIL[@]}" wait-query "http://127.0.0.1:$M_QUERY/metrics" 120 || die "cw-query did not catch up"
PARKS="$("${UTIL[@]}" ghz-data "$SAMPLE/registry/parks.csv" 2024 "$WORK/ghz-data.json")"
start_proc noop "$WORK/noop.log" "$BB/noop_server" --listen="127.0.0.1:$NOOP_PORT"
CANNED=0
if [ -n "$GRPCURL" ]; then
  for p in ${PARKS//,/ }; do
    "$GRPCURL" -plaintext -import-path "$ROOT/proto" -proto clusterwatch/v1/query.proto \
      -d "{\"park_id\":\"$p\",\"period\":{\"year\":2024,\"month\":6}}" "127.0.0.1:$QUERY_PORT" \
      clusterwatch.v1.QueryService/GetParkSnapshot >"$WORK/canned/$p.json"
  done
  start_proc canned "$WORK/canned.log" "$BB/noop_server" --listen="127.0.0.1:$CANNED_PORT" \
    --snapshot_dir="$WORK/canned"
  CANNED=1
else
  log "no grpcurl (scripts/tools.sh installs it): no canned baseline"
fi
wait_port "$NOOP_PORT" 30 || die "noop_server did not listen"
[ $CANNED = 0 ] || wait_port "$CANNED_PORT" 30 || die "canned noop_server did not listen"

run_ghz() {  # label port rate slice seconds
  [ -x "$GHZ" ] || return 0
  local rps=(); [ "$3" = 0 ] || rps=(--rps "$3")
  "$GHZ" --insecure --import-paths "$ROOT/proto" --proto "$ROOT/proto/clusterwatch/v1/query.proto" \
    --call clusterwatch.v1.QueryService.GetParkSnapshot -D "$WORK/ghz-data.json" \
    -z "${5}s" -c 50 --connections 1 "${rps[@]}" -O json -o "$RAW/ghz-$1-$3-$4.json" \
    "127.0.0.1:$2" 2>>"$WORK/ghz.log" || log "ghz $1 $3 slice $4 failed"
}
for rate in $RATES; do
  log "query load at rate $rate (0 = unbounded): ${QSECS} s per target and client, in slices"
  targets=(query noop); ports=("$QUERY_PORT" "$NOOP_PORT"); pids=("${PIDS[query]}" "${PIDS[noop]}")
  if [ "$rate" = 0 ] && [ $CANNED = 1 ]; then
    targets+=(canned); ports+=("$CANNED_PORT"); pids+=("${PIDS[canned]}")
  fi
  if [ -x "$GHZ" ]; then
    for slice in 1 2; do  # ghz: 2 alternating slices per target
      for i in "${!targets[@]}"; do
        run_ghz "${targets[$i]}" "${ports[$i]}" "$rate" "$slice" $((QSECS / 2))
      done
    done
    for t in "${targets[@]}"; do "${UTIL[@]}" ghz-merge "$RAW" "$t" "$rate" || log "no ghz result for $t $rate"; done
  fi
  spec=""
  for i in "${!targets[@]}"; do spec+="${spec:+,}${targets[$i]}=127.0.0.1:${ports[$i]}@${pids[$i]}"; done
  "$BB/query_load" --targets="$spec" --parks="$PARKS" --rate="$rate" --concurrency=50 \
    --max_in_flight=50 --duration_s="$QSECS" --slices=4 --json="$RAW/query_load.json" \
    | tee -a "$RAW/query_load.txt"
done
record_rss query "after the query load"
record_rss noop "after the query load"
[ $CANNED = 0 ] || record_rss canned "after the query load"
record_rss kafka-broker "at the end (JVM, -Xmx512m)" "$BROKER_PID"

cleanup
trap - EXIT
[ ! -f "$WORK/query-audit.jsonl" ] || echo "query_audit_lines=$(wc -l <"$WORK/query-audit.jsonl")" >>"$RAW/system.txt"
rm -f "$WORK"/*-audit.jsonl
echo "load_end=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$RAW/system.txt"
echo "wall_seconds=$((SECONDS - started)) (without the optional profile)" >>"$RAW/system.txt"

# ---------------------------------------------------------------- optional profile
if [ "${CW_BENCH_PROFILE:-0}" = 1 ] && command -v valgrind >/dev/null; then
  log "callgrind profile of ProcessBatch (20 parks, MemoryStore, batch 1000; ~3 min)"
  for f in ProcessBatch/Memory/1000 RawDecodeSum/1000; do
    out="$RAW/callgrind-${f//\//-}"
    valgrind --tool=callgrind --callgrind-out-file="$out.out" "$BB/aggregator_bench" \
      --parks=20 --benchmark_filter="$f" >"$out.log" 2>&1
    callgrind_annotate --inclusive=yes "$out.out" 2>/dev/null | head -80 >"$out.txt" || true
    rm -f "$out.out"
  done
fi

# ---------------------------------------------------------------- report
"${UTIL[@]}" report "$RAW" "$RESULTS/$STAMP.md"
log "results: $RESULTS/$STAMP.md (raw: $RAW); $((SECONDS - started)) s"
