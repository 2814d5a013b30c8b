#!/usr/bin/env bash
# ingest_stream.sh — a bureau's large file through the whole push path: clusterctl push (one
# streamed push) -> cw-ingest -> Kafka, on its own broker, measured beside a raw librdkafka
# producer of the same kind of records (bench/ingest_load --mode=raw: the sample's reports as
# ingest's envelopes, cw-ingest's producer settings).
#
#   1. a fresh single-node broker (scripts/kafka.sh; CW_KAFKA_DIR under CW_STREAM_DIR, ports
#      CW_STREAM_PORT and +1) and the topics;
#   2. the registry of `clusterctl gen-sample --scale=CW_STREAM_SCALE` pushed to cw-ingest, and a
#      file of CW_STREAM_ROWS output reports (bench/stream_file.py: the sample's output rows
#      repeated with rising revisions, every row a distinct report);
#   3. `clusterctl push` of the file under /usr/bin/time -v: wall seconds, rows/s, clusterctl's
#      peak RSS and CPU; cw-ingest's peak RSS (VmHWM) and CPU (/proc) over the push; the
#      answer must be CW_STREAM_ROWS accepted and the reports topic must have grown by as many;
#   4. when bench/ingest_load is built (-DCW_BUILD_BENCH=ON): ingest_load --mode=raw of as
#      many records: records/s and CPU microseconds per record;
#   5. writes bench/results/ingest-stream-<UTC date-time>.md and prints it.
#
# Usage: bench/ingest_stream.sh
# Env:
#   CW_BUILD_DIR       build with cw-ingest, clusterctl (and bench/ingest_load) (default <repo>/build)
#   CW_STREAM_ROWS     rows of the file (default 10000000)
#   CW_STREAM_SCALE    gen-sample --scale of the registry and rows (default 40: 7,480 enterprises)
#   CW_STREAM_DIR      scratch: broker data, the file, logs (default /tmp/cw-ingest-stream)
#   CW_STREAM_PORT     broker port; +1 controller, +2 cw-ingest, +3 its /metrics (default 59692)
#   CW_STREAM_INGEST_FLAGS  more cw-ingest flags, e.g. "--batch_records=10000" (default none)
#   CW_STREAM_KEEP=1   leave the broker, its data and the file afterwards
# Needs: kcat, java and maven (scripts/kafka.sh), python3, /usr/bin/time. Disk: about 0.15 GB
# per million rows for the file and as much for the broker.
set -euo pipefail
me="bench/ingest_stream.sh"
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_nice "$@"

ROWS="${CW_STREAM_ROWS:-10000000}"
SCALE="${CW_STREAM_SCALE:-40}"
DIR="${CW_STREAM_DIR:-/tmp/cw-ingest-stream}"
PORT="${CW_STREAM_PORT:-59692}"
STAMP="$(date -u +%Y-%m-%d-%H%M)"
OUT="$ROOT/bench/results/ingest-stream-$STAMP.md"
export CW_KAFKA_DIR="$DIR/kafka" CW_KAFKA_PORT="$PORT" CW_KAFKA_CONTROLLER_PORT="$((PORT + 1))"
BOOT="127.0.0.1:$PORT"
IADDR="127.0.0.1:$((PORT + 2))"
KAFKA="$ROOT/scripts/kafka.sh"

for b in ingest/cw-ingest cli/clusterctl; do
  [ -x "$BUILD/$b" ] || die "$BUILD/$b missing; build it (cmake --build $BUILD --target ${b##*/})"
done
for t in kcat /usr/bin/time; do command -v "$t" >/dev/null || die "$t not found"; done
case "$DIR" in ""|"/"|"$HOME"|"$ROOT") die "refusing CW_STREAM_DIR=$DIR" ;; esac

INGEST_PID=""
cleanup() {
  [ -z "$INGEST_PID" ] || kill "$INGEST_PID" 2>/dev/null || true
  if [ "${CW_STREAM_KEEP:-0}" = 1 ]; then
    log "broker and file left (CW_KAFKA_DIR=$CW_KAFKA_DIR CW_KAFKA_PORT=$PORT $KAFKA stop)"
  else
    "$KAFKA" wipe >/dev/null 2>&1 || true
    rm -rf "${DIR:?}/bin" "${DIR:?}/rows.csv" "${DIR:?}/sample"
  fi
}
trap cleanup EXIT

# ---------------------------------------------------------------- 1. broker
"$KAFKA" wipe >/dev/null 2>&1 || true
rm -rf "${DIR:?}"/{logs,bin,sample,rows.csv}
mkdir -p "$DIR/logs" "$DIR/bin"
log "fresh broker at $BOOT"
"$KAFKA" start >/dev/null 2>"$DIR/logs/kafka-start.log" || { tail "$DIR/logs/kafka-start.log" >&2; die "broker start failed"; }
"$KAFKA" topics >"$DIR/logs/topics.log" 2>&1 || { cat "$DIR/logs/topics.log" >&2; die "topics failed"; }
# A snapshot of the binaries: a rebuild during the run must not swap them mid-way.
cp "$BUILD/ingest/cw-ingest" "$BUILD/cli/clusterctl" "$DIR/bin/"
[ ! -x "$BUILD/bench/ingest_load" ] || cp "$BUILD/bench/ingest_load" "$DIR/bin/"
BIN="$DIR/bin"
COMMIT="$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)"

# ---------------------------------------------------------------- 2. registry and file
"$BIN/clusterctl" gen-sample --out="$DIR/sample" --scale="$SCALE" >/dev/null
read -r _ FILE_BYTES < <(python3 "$ROOT/bench/stream_file.py" "$DIR/sample" "$DIR/rows.csv" "$ROWS")
log "file: $ROWS rows, $((FILE_BYTES / 1048576)) MiB"
"$BIN/cw-ingest" --brokers="$BOOT" --listen="$IADDR" --metrics_address="127.0.0.1:$((PORT + 3))" \
  --audit_log="$DIR/logs/audit-ingest.jsonl" --plaintext --allow_unauthenticated \
  --rate_limit_rps=0 ${CW_STREAM_INGEST_FLAGS:-} >"$DIR/logs/ingest.log" 2>&1 &
INGEST_PID=$!
wait_port "$((PORT + 2))" 120 || die "cw-ingest did not listen (log: $DIR/logs/ingest.log)"
"$BIN/clusterctl" registry --ingest="$IADDR" "$DIR/sample/registry/parks.csv" \
  "$DIR/sample/registry/enterprises.csv" >/dev/null

# ---------------------------------------------------------------- 3. the push
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
sum_offsets() { end_offsets "$BOOT" cw.reports.v1 | tr ',' '\n' | awk -F: '{s += $2} END {print s + 0}'; }
BEFORE="$(sum_offsets)"
ING_CPU0="$(cpu_ticks "$INGEST_PID")"
log "clusterctl push of $ROWS rows"
T0="$(date +%s.%N)"
/usr/bin/time -v -o "$DIR/logs/push.time" "$BIN/clusterctl" push --ingest="$IADDR" \
  --submission_id="bench-$STAMP" "$DIR/rows.csv" >"$DIR/logs/push.out" 2>"$DIR/logs/push.err" \
  || { cat "$DIR/logs/push.out" "$DIR/logs/push.err" >&2; die "push failed"; }
T1="$(date +%s.%N)"
ING_CPU1="$(cpu_ticks "$INGEST_PID")"
ING_HWM_KB="$(awk '/^VmHWM/ {print $2}' "/proc/$INGEST_PID/status")"
AFTER="$(sum_offsets)"
grep -q ": $ROWS accepted, 0 rejected$" "$DIR/logs/push.out" || { cat "$DIR/logs/push.out" >&2; die "not every row accepted"; }
[ "$((AFTER - BEFORE))" -eq "$ROWS" ] || die "the reports topic grew by $((AFTER - BEFORE)), not $ROWS"
CTL_HWM_KB="$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$DIR/logs/push.time")"
CTL_USER="$(sed -n 's/.*User time (seconds): //p' "$DIR/logs/push.time")"
CTL_SYS="$(sed -n 's/.*System time (seconds): //p' "$DIR/logs/push.time")"
HZ="$(getconf CLK_TCK)"
read -r WALL RATE ING_US CTL_US < <(python3 -c "
w = $T1 - $T0
print(f'{w:.2f} {$ROWS / w:.0f} {($ING_CPU1 - $ING_CPU0) / $HZ * 1e6 / $ROWS:.2f} {($CTL_USER + $CTL_SYS) * 1e6 / $ROWS:.2f}')")
kill "$INGEST_PID"; wait "$INGEST_PID" 2>/dev/null || true; INGEST_PID=""
log "push: $WALL s, $RATE rows/s; peak RSS clusterctl $((CTL_HWM_KB / 1024)) MiB, cw-ingest $((ING_HWM_KB / 1024)) MiB"

# ---------------------------------------------------------------- 4. raw producer
RAW="not run (bench/ingest_load not built: configure with -DCW_BUILD_BENCH=ON)"
if [ -x "$BIN/ingest_load" ]; then
  log "ingest_load --mode=raw --records=$ROWS"
  "$BIN/ingest_load" --mode=raw --sample="$DIR/sample" --brokers="$BOOT" --records="$ROWS" \
    --json="$DIR/logs/raw.json" >"$DIR/logs/raw.out" 2>&1 || { cat "$DIR/logs/raw.out" >&2; die "raw producer failed"; }
  RAW="$(python3 -c "
import json
r = json.loads(open('$DIR/logs/raw.json').read().splitlines()[-1])
print(f\"{r['records_per_s']:.0f} records/s, {r['cpu_us_per_record']:.2f} CPU us/record; the push path: {$RATE / r['records_per_s']:.2f} of its rate\")")"
fi

# ---------------------------------------------------------------- 5. results
cat >"$OUT" <<MD
# Streamed push of a large file: clusterctl -> cw-ingest -> Kafka ($STAMP UTC)

Build: $COMMIT. Machine: $(nproc) cores, load average at the end $(cut -d' ' -f1-3 /proc/loadavg).
File: $ROWS output-report rows, $((FILE_BYTES / 1048576)) MiB (gen-sample --scale=$SCALE rows
repeated with rising revisions). One \`clusterctl push\`, single-node broker, 4 partitions.
cw-ingest flags beyond the addresses: ${CW_STREAM_INGEST_FLAGS:-none}.

| measure | value |
|---|---|
| push wall time | $WALL s |
| rows/s (file read to the answer) | $RATE |
| clusterctl peak RSS | $((CTL_HWM_KB / 1024)) MiB |
| cw-ingest peak RSS (VmHWM, whole life: registry included) | $((ING_HWM_KB / 1024)) MiB |
| clusterctl CPU per row | $CTL_US us |
| cw-ingest CPU per row | $ING_US us |
| raw librdkafka producer (ingest_load --mode=raw, same number of envelopes) | $RAW |
MD
cat "$OUT"
log "results: $OUT"
