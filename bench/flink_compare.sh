#!/usr/bin/env bash
# flink_compare.sh — cw-aggregator against its Apache Flink peer (bench/flink, Java 17, Flink
# 2.2 DataStream job in a local MiniCluster, flink-connector-kafka 5.0.0-2.2, RocksDB state
# backend; all from Maven Central) on the same data and the same broker. The manner of
# bench/kstreams_compare.sh:
#
#   1. its own single-node broker (scripts/kafka.sh; data in $DIR/kafka, ports BASE/BASE+1,
#      wiped first) with the clusterwatch topics (cw.contributions.v1 included);
#   2. the data, once:
#        sample mode (default): `clusterctl gen-sample --scale=S` pushed through cw-ingest
#          (registry, then every reports/*.csv in order, revisions and late reports included)
#          + 2 poison records (undecodable bytes; an envelope without a report), 4 partitions;
#        national mode (CW_FLINK_MODE=national): `national_load --mode=produce --scale=S`
#          (bench/national: the synthetic national workload, cw-ingest's key and producer
#          settings) into 12 partitions, with the expected totals per park|period;
#      N = the sum of the reports partitions' end offsets = what each run must consume;
#   3. for each P in CW_FLINK_PARALLELISM, ROUNDS times alternately: (a) P cw-aggregator
#      instances (one consumer group, both stages in each), (b) the Flink job with parallelism
#      P, each with a FRESH consumer group, FRESH state and (cw-aggregator) a FRESH
#      cw.contributions.v1, draining the whole topic:
#        - cw-aggregator v2, default flags: /metrics of every instance polled every 0.2 s until
#          (bench_util.v2_drained) the records of all outcomes summed reach N, the park stages
#          consumed every contribution produced, and on every instance the lag of both topics
#          and the open transaction of both stages are 0 (so all of it is committed);
#        - Flink (bench/flink/.../FlinkAggregator.java): its progress line every 0.2 s until
#          the job's committed input offsets (committed by the source when a checkpoint
#          completes) = the end offsets, every contribution reached the park stage, no
#          park-period waits for its snapshot, every snapshot emitted is covered by a completed
#          checkpoint, and no transaction is open on its output topics, on two consecutive
#          lines;
#      rate = N / (drained - first record seen), wall = drained - launch (JVM start, MiniCluster
#      start, RocksDB open, group join included); CPU s = utime+stime of the processes
#      (/proc/<pid>/stat, all threads: JIT, GC, RocksDB, Kafka clients), split by thread name;
#      peak RSS = VmHWM (summed over cw-aggregator's instances); the broker's CPU too;
#   4. correctness: the last snapshot per park|period of every run, read_committed
#      (cw-aggregator's runs from the offsets where each began on cw.park-metrics.v1; each
#      Flink run writes its own topic) must equal the first cw-aggregator run's field by field
#      (CompareSnapshots of bench/kstreams: all fields but computed_unix_ms and source_offset);
#      and that run's month/ytd gross output, total tax and reporter counts must equal
#        sample mode: tests/system/ground_truth.py on the sample;
#        national mode: the generator's expected totals (`national_load --mode=verify`, run on
#          every Flink run's topic and on cw.park-metrics.v1 after every cw-aggregator run).
#      Any difference fails the script (exit 1) and no results file is written;
#   5. with CW_FLINK_PROFILE=1 (default) one more Flink run with the largest P under JDK
#      Flight Recorder (method samples of Java and native frames), summarised by top frame,
#      by package and by thread, not counted in the table;
#   6. a markdown table with the medians and the ratios cw-aggregator / Flink (by wall rate and
#      by CPU per report) per P, printed and written to bench/results/flink-<UTC>.md.
# Runs under nice -n 5 (the machine is shared). About 15 minutes on 2 cores at the defaults.
#
# Usage: bench/flink_compare.sh
# Env:
#   CW_BUILD_DIR              build with cw-aggregator, cw-ingest, clusterctl, bench/national_load
#                             (default <repo>/build)
#   CW_BUILD_COMMIT           what that build is of, for the results file (default: its tree's HEAD)
#   CW_FLINK_MODE             sample | national                          (default sample)
#   CW_FLINK_BENCH_DIR        scratch: broker, data, state, logs (default /tmp/cw-flink-bench)
#   CW_FLINK_PORT_BASE        broker BASE, controller BASE+1, services BASE+2.. (default 59292)
#   CW_FLINK_SCALE            gen-sample --scale (sample) / national_load --scale (national)
#                             (default 40 / 0.25)
#   CW_FLINK_PARALLELISM      Flink parallelisms = cw-aggregator instance counts (default "1 2";
#                             national: "2")
#   CW_FLINK_ROUNDS           alternating rounds per P, >= 1                (default 2; national 1)
#   CW_FLINK_HEAP             JVM heap of the Flink job                 (default "-Xms512m -Xmx1g")
#   CW_FLINK_CHECKPOINT_MS    checkpoint interval                       (default 1000)
#   CW_FLINK_FLUSH_MS         snapshot timer interval                   (default: the checkpoint interval)
#   CW_FLINK_OBJECT_REUSE     pipeline.object-reuse                     (default true)
#   CW_FLINK_BUFFER_TIMEOUT_MS execution.buffer-timeout.interval        (default 100)
#   CW_FLINK_MANAGED_MB       managed memory (RocksDB block cache and write buffers) (default 128)
#   CW_FLINK_TIMEOUT          seconds allowed per run                   (default 900; national 3600)
#   CW_FLINK_PROFILE          1: a JFR-profiled Flink run after the rounds (default 1)
#   CW_FLINK_GROUND_TRUTH     0 skips the ground-truth / expected-totals check (default 1)
#   CW_FLINK_KEEP=1           leave the broker running afterwards (otherwise it is wiped)
set -euo pipefail
me="bench/flink_compare.sh"
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_nice "$@"

MODE="${CW_FLINK_MODE:-sample}"
case "$MODE" in
  sample) DEF_SCALE=40 DEF_P="1 2" DEF_ROUNDS=2 DEF_TIMEOUT=900 PARTITIONS=4 ;;
  national) DEF_SCALE=0.25 DEF_P="2" DEF_ROUNDS=1 DEF_TIMEOUT=3600 PARTITIONS=12 ;;
  *) die "CW_FLINK_MODE must be sample or national" ;;
esac
DIR="${CW_FLINK_BENCH_DIR:-/tmp/cw-flink-bench}"
BASE="${CW_FLINK_PORT_BASE:-59292}"
SCALE="${CW_FLINK_SCALE:-$DEF_SCALE}"
PARALLELISM="${CW_FLINK_PARALLELISM:-$DEF_P}"
ROUNDS="${CW_FLINK_ROUNDS:-$DEF_ROUNDS}"
HEAP="${CW_FLINK_HEAP:--Xms512m -Xmx1g}"
CHECKPOINT_MS="${CW_FLINK_CHECKPOINT_MS:-1000}"
FLUSH_MS="${CW_FLINK_FLUSH_MS:-$CHECKPOINT_MS}"
OBJECT_REUSE="${CW_FLINK_OBJECT_REUSE:-true}"
BUFFER_TIMEOUT_MS="${CW_FLINK_BUFFER_TIMEOUT_MS:-100}"
MANAGED_MB="${CW_FLINK_MANAGED_MB:-128}"
TIMEOUT="${CW_FLINK_TIMEOUT:-$DEF_TIMEOUT}"
PROFILE="${CW_FLINK_PROFILE:-1}"
GROUND_TRUTH="${CW_FLINK_GROUND_TRUTH:-1}"
export CW_KAFKA_DIR="$DIR/kafka" CW_KAFKA_PORT="$BASE" CW_KAFKA_CONTROLLER_PORT="$((BASE + 1))"
export CW_PARTITIONS="$PARTITIONS"
KAFKA="$ROOT/scripts/kafka.sh"
SECURITY=(--plaintext --allow_unauthenticated --rate_limit_rps=0)
STAMP="$(date -u +%Y-%m-%d-%H%M)"
OUT="$ROOT/bench/results/flink-$STAMP.md"
[ "$MODE" = sample ] || OUT="$ROOT/bench/results/flink-national-$STAMP.md"
REPORTS=cw.reports.v1
METRICS_TOPIC=cw.park-metrics.v1
CONTRIBUTIONS_TOPIC=cw.contributions.v1
FLINK_POM="$ROOT/bench/flink/pom.xml"
KS_POM="$ROOT/bench/kstreams/pom.xml"

[ "$ROUNDS" -ge 1 ] || die "CW_FLINK_ROUNDS must be at least 1"
NEED_BINS=(aggregator/cw-aggregator)
if [ "$MODE" = sample ]; then NEED_BINS+=(ingest/cw-ingest cli/clusterctl); else NEED_BINS+=(bench/national_load); fi
for b in "${NEED_BINS[@]}"; do
  [ -x "$BUILD/$b" ] || die "$BUILD/$b missing; build it (scripts/build.sh, or cmake --build $BUILD)"
done
for t in kcat java jfr mvn protoc python3; do
  command -v "$t" >/dev/null || die "$t not found; run scripts/setup.sh"
done
case "$DIR" in ""|"/"|"$HOME"|"$ROOT") die "refusing CW_FLINK_BENCH_DIR=$DIR" ;; esac

cleanup() {
  if [ "${CW_FLINK_KEEP:-0}" = 1 ]; then
    log "broker left running (CW_KAFKA_DIR=$CW_KAFKA_DIR; $KAFKA stop)"
  else
    "$KAFKA" wipe >/dev/null 2>&1 || true
    rm -rf "${DIR:?}/state" "${DIR:?}/bin"
  fi
}
trap cleanup EXIT

# ---------------------------------------------------------------- 0. the Java programs
log "building the Flink peer and the snapshot comparer (mvn package: bench/flink, bench/kstreams)"
mkdir -p "$DIR/logs"
for pom in "$FLINK_POM" "$KS_POM"; do
  mvn -q -B -Dstyle.color=never -f "$pom" package >"$DIR/logs/mvn.log" 2>&1 \
    || { tail -n 40 "$DIR/logs/mvn.log" >&2; die "mvn package of $pom failed (log: $DIR/logs/mvn.log)"; }
done

# ---------------------------------------------------------------- 1. broker
log "fresh broker in $CW_KAFKA_DIR (ports $BASE/$((BASE + 1))), $PARTITIONS partitions"
"$KAFKA" wipe >/dev/null 2>&1 || true
rm -rf "${DIR:?}/sample" "${DIR:?}/state" "${DIR:?}/bin" "$DIR/runs.jsonl" "$DIR/expected.tsv"
mkdir -p "$DIR/logs" "$DIR/state" "$DIR/bin"
BOOT="$("$KAFKA" start 2>"$DIR/logs/kafka-start.log")" || { cat "$DIR/logs/kafka-start.log" >&2; die "broker start failed"; }
"$KAFKA" topics >"$DIR/logs/topics.log" 2>&1 || { cat "$DIR/logs/topics.log" >&2; die "topics failed"; }
KAFKA_PID="$(cat "$CW_KAFKA_DIR/kafka.pid")"

# A snapshot of the binaries and jars: a rebuild during the run must not swap them mid-way.
for b in "${NEED_BINS[@]}"; do cp "$BUILD/$b" "$DIR/bin/"; done
cp "$ROOT/bench/flink/target/cw-flink-bench.jar" "$ROOT/bench/kstreams/target/cw-kstreams-bench.jar" "$DIR/bin/"
CLASSPATH_FLINK="$DIR/bin/cw-flink-bench.jar:$(cat "$ROOT/bench/flink/target/classpath.txt")"
CLASSPATH_KS="$DIR/bin/cw-kstreams-bench.jar:$(cat "$ROOT/bench/kstreams/target/classpath.txt")"
BIN="$DIR/bin"

# ---------------------------------------------------------------- 2. data
if [ "$MODE" = sample ]; then
  log "gen-sample --scale=$SCALE"
  "$BIN/clusterctl" gen-sample --out="$DIR/sample" --scale="$SCALE" >/dev/null
  push_sample "$BIN" "$DIR" "$BOOT" $((BASE + 2)) "${SECURITY[@]}"
  # Poison: undecodable bytes, and a decodable envelope with no report (field 3, empty).
  printf '\xff\xfe\xfd#END#\x1a\x00#END#' >"$DIR/poison.bin"
  kcat -P -b "$BOOT" -t "$REPORTS" -k poison -D '#END#' "$DIR/poison.bin"
  DATA_DESC="\`clusterctl gen-sample --scale=$SCALE\` pushed through cw-ingest ($ACCEPTED reports accepted, revisions and late reports included) + 2 poison records"
else
  log "national_load --mode=produce --scale=$SCALE"
  "$BIN/national_load" --mode=produce --brokers="$BOOT" --scale="$SCALE" \
    --expected="$DIR/expected.tsv" >"$DIR/logs/produce.log" 2>&1 \
    || { tail -n 20 "$DIR/logs/produce.log" >&2; die "national_load produce failed"; }
  DATA_DESC="\`national_load --mode=produce --scale=$SCALE\` (bench/national: $(sed -n 's/^registry: //p' "$DIR/logs/produce.log" | head -n1); one year, cw-ingest's key and producer settings)"
fi
REPORTS_ENDS="$(end_offsets "$BOOT" "$REPORTS")"
N=0
for pc in ${REPORTS_ENDS//,/ }; do N=$((N + ${pc#*:})); done
[ "$N" -gt 2 ] || die "the reports topic is empty"
log "N=$N messages in $REPORTS; per partition: $REPORTS_ENDS"

# ---------------------------------------------------------------- 3. runs
run_one() {  # SYSTEM(cpp|flink) P ROUND [JFR_FILE] -> one JSON line on stdout
  CW_SYSTEM="$1" CW_P="$2" CW_ROUND="$3" CW_JFR="${4:-}" CW_N="$N" CW_BOOT="$BOOT" CW_DIR="$DIR" \
  CW_BASE="$BASE" CW_BIN="$BIN" CW_CP="$CLASSPATH_FLINK" CW_HEAP="$HEAP" \
  CW_FLINK_ARGS="--checkpoint_ms=$CHECKPOINT_MS --flush_ms=$FLUSH_MS --object_reuse=$OBJECT_REUSE --buffer_timeout_ms=$BUFFER_TIMEOUT_MS --managed_mb=$MANAGED_MB" \
  CW_TIMEOUT="$TIMEOUT" CW_KAFKA_PID="$KAFKA_PID" CW_REPORTS="$REPORTS" \
  /usr/bin/python3 - <<'PY'
import json, os, shutil, signal, subprocess, threading, time, urllib.request

system, p, rnd = os.environ["CW_SYSTEM"], int(os.environ["CW_P"]), int(os.environ["CW_ROUND"])
n = int(os.environ["CW_N"])
boot, d, base, binp = os.environ["CW_BOOT"], os.environ["CW_DIR"], int(os.environ["CW_BASE"]), os.environ["CW_BIN"]
jfr = os.environ.get("CW_JFR", "")
from bench_util import proc_cpu, hwm_mib, machine_busy, v2_state, v2_drained  # noqa: E402
stamp = int(time.time())
name = f"flk-{system}-p{p}-r{rnd}-{stamp}"
state = os.path.join(d, "state", name)
kafka_pid = int(os.environ["CW_KAFKA_PID"])

def thread_cpu(pid):
    """CPU seconds of the live threads by kind: jit (C1/C2 compiler threads), gc (GC and G1
    threads), client (Kafka clients: librdkafka rdk:*, Java kafka-* and Flink's source
    fetcher), rocksdb (rocksdb:* background threads)."""
    out = {"jit": 0.0, "gc": 0.0, "client": 0.0, "rocksdb": 0.0}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                comm = f.read().strip()
            cpu = proc_cpu(f"{pid}/task/{tid}")
        except (OSError, IndexError, ValueError):
            continue
        if comm.startswith(("C1 Compiler", "C2 Compiler")):
            out["jit"] += cpu
        elif comm.startswith(("GC Thread", "G1 ")):
            out["gc"] += cpu
        elif comm.startswith(("rdk:", "kafka-", "Source Data Fet")):
            out["client"] += cpu
        elif comm.startswith("rocksdb:"):
            out["rocksdb"] += cpu
    return out

procs, latest = [], {}
logf = open(os.path.join(d, "logs", f"{name}.log"), "wb")
output_topic = f"cw.flink.park-metrics.{name}"
b0, m0 = proc_cpu(kafka_pid), machine_busy()
t0 = time.time()
if system == "cpp":
    ports = [base + 4 + i for i in range(p)]
    for i, port in enumerate(ports):
        procs.append(subprocess.Popen(
            [os.path.join(binp, "cw-aggregator"), f"--brokers={boot}", f"--group={name}",
             f"--instance_id={name}-{i + 1}", f"--state_dir={state}-{i + 1}",
             f"--metrics_address=127.0.0.1:{port}"], stdout=logf, stderr=subprocess.STDOUT))
    seen = [v2_state("") for _ in ports]
    def poll():
        for i, port in enumerate(ports):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as r:
                    seen[i] = v2_state(r.read().decode())
            except OSError:
                return None
        outcomes = {}
        for s in seen:
            for k, v in s["outcomes"].items():
                outcomes[k] = outcomes.get(k, 0) + int(v)
        latest.clear()
        latest.update(outcomes, processed=sum(s["done"] for s in seen),
                      snapshots=sum(s["snapshots"] for s in seen),
                      contributions_produced=sum(s["contributions_produced"] or 0 for s in seen))
        return latest["processed"], v2_drained(seen, n)
else:
    cmd = ["java"] + os.environ["CW_HEAP"].split()
    if jfr:
        # Method samples every 10 ms of Java and native frames ("profile" settings).
        cmd.append(f"-XX:StartFlightRecording=settings=profile,filename={jfr},dumponexit=true")
    cmd += ["-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
            "-Dorg.slf4j.simpleLogger.log.org.apache.flink.metrics=error",
            "-cp", os.environ["CW_CP"], "clusterwatch.bench.flink.FlinkAggregator",
            f"--brokers={boot}", f"--name={name}", f"--state_dir={state}",
            f"--input={os.environ['CW_REPORTS']}", f"--output={output_topic}",
            f"--dead_letters=cw.flink.rejected.{name}", f"--parallelism={p}", "--poll_ms=200"]
    cmd += os.environ["CW_FLINK_ARGS"].split()
    procs.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=logf))
    def reader():
        for raw in procs[0].stdout:
            try:
                ev = json.loads(raw)
            except ValueError:
                continue
            if ev.get("event") == "progress":
                latest.clear()
                latest.update(ev)
            elif ev.get("event") in ("failed", "stopped"):
                latest["failed"] = ev
    threading.Thread(target=reader, daemon=True).start()
    def poll():
        if "failed" in latest:
            raise SystemExit(f"{name}: the Flink job failed: {latest['failed']}")
        if "processed" not in latest:
            return None
        return latest["processed"], bool(latest["drained"])

first = done_at = None
deadline = t0 + float(os.environ["CW_TIMEOUT"])
while time.time() < deadline:
    for pr in procs:
        if pr.poll() is not None:
            raise SystemExit(f"{name} exited with {pr.returncode} (log: {logf.name})")
    r = poll()
    now = time.time()
    if r is not None:
        if first is None and r[0] > 0:
            first = now
        if r[1]:
            done_at = now
            break
    time.sleep(0.2)
if done_at is None:
    for pr in procs:
        pr.kill()
    raise SystemExit(f"{name}: not drained after the timeout ({latest})")

cpu = [proc_cpu(pr.pid) for pr in procs]
rss = [hwm_mib(pr.pid) for pr in procs]
threads = {"jit": 0.0, "gc": 0.0, "client": 0.0, "rocksdb": 0.0}
for pr in procs:
    for k, v in thread_cpu(pr.pid).items():
        threads[k] += v
bcpu, m1 = proc_cpu(kafka_pid) - b0, machine_busy()
for pr in procs:
    pr.send_signal(signal.SIGTERM)
for pr in procs:
    try:
        pr.wait(timeout=60)
    except subprocess.TimeoutExpired:
        pr.kill()
        pr.wait()
for i in range(p):
    shutil.rmtree(f"{state}-{i + 1}", ignore_errors=True)
shutil.rmtree(state, ignore_errors=True)
drain = done_at - first
total_cpu = sum(cpu)
print(json.dumps({
    "system": system, "p": p, "round": rnd, "name": name, "n": n,
    "processed": int(latest.get("processed", 0)),
    "outcomes": {k: int(latest.get(k, 0)) for k in ("applied", "duplicate", "stale", "poison")},
    "snapshots": int(latest.get("snapshots", 0)),
    "contributions": int(latest.get("contributions_produced") or 0),
    "checkpoints": int(latest.get("checkpoints", 0)),
    "output_topic": output_topic if system == "flink" else None,
    "wall_s": round(done_at - t0, 2), "drain_s": round(drain, 2),
    "startup_s": round(first - t0, 2), "rate": round(n / drain),
    "cpu_s": round(total_cpu, 2), "cpu_us_per_report": round(1e6 * total_cpu / n, 1),
    "thread_cpu_s": {k: round(v, 2) for k, v in threads.items()},
    "cpu_us_per_report_no_jit": round(1e6 * (total_cpu - threads["jit"]) / n, 1),
    "rss_mib": round(sum(rss)), "broker_cpu_s": round(bcpu, 1),
    "machine_busy_pct": round(200 * (m1[0] - m0[0]) / max(1, m1[1] - m0[1])),
    "loadavg": open("/proc/loadavg").read().split()[0],
}))
PY
}

national_verify() {  # TOPIC LABEL -> appends a line to $DIR/national_verify.txt; 1 on a difference
  "$BIN/national_load" --mode=verify --brokers="$BOOT" --expected="$DIR/expected.tsv" \
    --snapshots_topic="$1" >"$DIR/logs/verify-$2.log" 2>&1 || { cat "$DIR/logs/verify-$2.log" >&2; return 1; }
  echo "$2: $(grep '^verify:' "$DIR/logs/verify-$2.log")" >>"$DIR/national_verify.txt"
}

# Which build ran, without a path of this machine (the results file is committed).
case "$BUILD" in
  "$ROOT"/*) BUILD_DESC="CW_BUILD_DIR=${BUILD#"$ROOT"/} ($(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?') checked out)" ;;
  *) BUILD_DESC="a build outside this checkout (its source tree at $(git -C "$(dirname "$BUILD")" rev-parse --short HEAD 2>/dev/null || echo '?'))" ;;
esac
[ -z "${CW_BUILD_COMMIT:-}" ] || BUILD_DESC="a build of $CW_BUILD_COMMIT"
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
NICE_NOW="$(ps -o ni= -p $$ | tr -d ' ')"
: >"$DIR/runs.jsonl"
: >"$DIR/national_verify.txt"
CPP_SPECS=()
FLINK_SPECS=()
NATIONAL_OK=1
FIRST_RUN=1
for p in $PARALLELISM; do
  for ((round = 1; round <= ROUNDS; round++)); do
    for system in cpp flink; do
      if [ "$system" = cpp ]; then
        before="$(end_offsets "$BOOT" "$METRICS_TOPIC")"
        # A fresh contributions topic: a fresh group alone would read the last run's.
        [ "$FIRST_RUN" = 1 ] || fresh_topics "$BOOT" "$CONTRIBUTIONS_TOPIC"
        FIRST_RUN=0
      fi
      log "P=$p round $round/$ROUNDS: $system (fresh group, fresh state)"
      line="$(run_one "$system" "$p" "$round")" || die "$system P=$p run $round failed"
      log "$system: $line"
      echo "$line" >>"$DIR/runs.jsonl"
      if [ "$system" = cpp ]; then
        # This run's snapshots only: partition:start:end on the shared park-metrics topic.
        after="$(end_offsets "$BOOT" "$METRICS_TOPIC")"
        CPP_SPECS+=("cpp-p$p-r$round=$METRICS_TOPIC@$(join -t: <(tr , '\n' <<<"$before" | sort) \
          <(tr , '\n' <<<"$after" | sort) | sort -n | paste -sd,)")
        topic="$METRICS_TOPIC"
      else
        topic="$(echo "$line" | python3 -c 'import json,sys; print(json.load(sys.stdin)["output_topic"])')"
        FLINK_SPECS+=("flink-p$p-r$round=$topic")
      fi
      if [ "$MODE" = national ] && [ "$GROUND_TRUTH" = 1 ]; then
        log "national_load --mode=verify on $topic"
        national_verify "$topic" "$system-p$p-r$round" || NATIONAL_OK=0
      fi
    done
  done
done
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------- 4. correctness
log "comparing the final park|period snapshots of every run with the first cw-aggregator run's"
CANDIDATES="$(printf '%s;' "${CPP_SPECS[@]:1}" "${FLINK_SPECS[@]}")"
COMPARE_OK=1
java -Xmx512m -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$CLASSPATH_KS" \
  clusterwatch.bench.kstreams.CompareSnapshots --brokers="$BOOT" --reference="${CPP_SPECS[0]}" \
  --candidates="$CANDIDATES" --dump="$DIR/reference.json" >"$DIR/compare.txt" 2>"$DIR/logs/compare.log" \
  || COMPARE_OK=0
cat "$DIR/compare.txt" >&2
GT_OK=1
if [ "$GROUND_TRUTH" != 1 ]; then
  GT_TEXT="ground truth: skipped (CW_FLINK_GROUND_TRUTH=0)"
elif [ "$MODE" = national ]; then
  GT_TEXT="expected totals (national_load --mode=verify, per run):"$'\n'"$(cat "$DIR/national_verify.txt")"
  [ "$NATIONAL_OK" = 1 ] || { GT_OK=0; GT_TEXT="$GT_TEXT"$'\n'"national_load --mode=verify: DIFFERENT (see $DIR/logs/verify-*.log)"; }
elif [ "$COMPARE_OK" = 1 ]; then
  log "tests/system/ground_truth.py on the sample"
  python3 "$ROOT/tests/system/ground_truth.py" --sample "$DIR/sample" --json >"$DIR/ground_truth.json"
  GT_TEXT="$(python3 - "$DIR/ground_truth.json" "$DIR/reference.json" <<'PY'
import json, sys
gt = json.load(open(sys.argv[1]))["parks"]
ref = json.load(open(sys.argv[2]))
fields = ("gross_output", "total_tax", "output_reporters", "tax_reporters")
want = {f"{park}|{period}": cell for park, periods in gt.items() for period, cell in periods.items()}
bad = []
for key in sorted(set(want) | set(ref)):
    w, g = want.get(key), ref.get(key)
    for part in ("month", "ytd"):
        for f in fields:
            a = None if w is None else w[part][f]
            b = None if g is None else g[part][f]
            if a != b:
                bad.append(f"{key} {part}.{f}: ground truth {a}, cw-aggregator {b}")
if bad:
    print(f"ground truth: DIFFERENT on {len(bad)} values, e.g. " + "; ".join(bad[:3]))
    sys.exit(1)
print(f"ground truth: EQUAL (tests/system/ground_truth.py: {len(want)} park-periods, month and "
      f"ytd gross output, total tax and reporter counts)")
PY
)" || GT_OK=0
else
  GT_TEXT="ground truth: not checked (the runs differ)"
fi
echo "$GT_TEXT" >&2
[ "$COMPARE_OK" = 1 ] || die "the runs' park|period snapshots differ (see above; $DIR/compare.txt); no results file written"
[ "$GT_OK" = 1 ] || die "cw-aggregator's totals differ from the ground truth; no results file written"

# ---------------------------------------------------------------- 5. profile of the slower side
PROFILE_TEXT=""
if [ "$PROFILE" = 1 ]; then
  PMAX="$(tr ' ' '\n' <<<"$PARALLELISM" | sort -n | tail -n1)"
  log "one more Flink run (P=$PMAX) under JDK Flight Recorder, not counted in the table"
  rm -f "$DIR/flink.jfr"
  pline="$(run_one flink "$PMAX" 0 "$DIR/flink.jfr")" || die "the profiled Flink run failed"
  log "flink (JFR): $pline"
  # Java frames (jdk.ExecutionSample) and threads in native code (jdk.NativeMethodSample).
  jfr print --events jdk.ExecutionSample,jdk.NativeMethodSample --stack-depth 1 "$DIR/flink.jfr" >"$DIR/flink-jfr.txt"
  PROFILE_TEXT="$(python3 - "$DIR/flink-jfr.txt" "$pline" <<'PY'
import collections, json, re, sys
run = json.loads(sys.argv[2])
frames, packages, threads = collections.Counter(), collections.Counter(), collections.Counter()
native = collections.Counter()
cur = {}
def operator(thread):
    return " -> " in thread or thread.startswith(("Source: ", "enterprise", "park"))
def flush():
    if "frame" not in cur:
        return
    thread = re.sub(r"\s*\(\d+/\d+\)#\d+$", "", cur.get("thread", "?"))
    if cur["event"] == "native":
        # Threads in native code: CPU only where an operator thread is inside RocksDB (JNI);
        # the rest are threads waiting in poll/epoll/futex.
        if operator(thread) and cur["frame"].startswith("org.rocksdb."):
            native[re.sub(r"\(.*", "", cur["frame"])] += 1
        return
    frames[cur["frame"]] += 1
    m = re.match(r"([a-z0-9_]+(?:\.[a-z0-9_]+){0,3})", cur["frame"])
    packages[m.group(1) if m else cur["frame"]] += 1
    threads[thread] += 1
for line in open(sys.argv[1]):
    s = line.strip()
    if s.startswith("jdk.ExecutionSample") or s.startswith("jdk.NativeMethodSample"):
        flush()
        cur = {"event": "native" if "Native" in s else "java"}
    elif s.startswith("sampledThread = "):
        m = re.match(r'sampledThread = "(.*)" \(', s)
        cur["thread"] = m.group(1) if m else s
    elif cur and "frame" not in cur and s.startswith(("stackTrace", "]", "...", "}", "startTime", "state")) is False and "(" in s:
        cur["frame"] = re.sub(r"\s+line:.*$", "", s)
flush()
total = sum(frames.values())
nat = sum(native.values())
print(f"JFR (settings=profile: Java method samples every 10 ms per running thread, and threads "
      f"in native code every 20 ms), one extra Flink run at P={run['p']}: {run['rate']:,} reports/s, "
      f"{run['cpu_s']} CPU s; {total:,} samples of Java code. Self samples by top frame; "
      f"RocksDB's own background threads (flush, compaction) are not Java threads and appear only "
      f"in the thread CPU split of the table. Operator threads inside RocksDB calls (JNI, native "
      f"samples): {nat:,} samples at 20 ms = ~{nat * 0.02:.1f} s"
      + (" (" + ", ".join(f"`{f}` {c}" for f, c in native.most_common(4)) + ")" if nat else "") + ".")
print()
print("| top frame (self) | share |")
print("|---|---|")
for f, c in frames.most_common(25):
    print(f"| `{f[:110]}` | {100 * c / total:.1f}% |")
print()
print("| package of the top frame | share |")
print("|---|---|")
for f, c in packages.most_common(15):
    print(f"| `{f}` | {100 * c / total:.1f}% |")
print()
print("| thread | share |")
print("|---|---|")
for f, c in threads.most_common(12):
    print(f"| {f} | {100 * c / total:.1f}% |")
PY
)"
  echo "$PROFILE_TEXT" >&2
fi

# ---------------------------------------------------------------- 6. table
{
  echo "# cw-aggregator vs an Apache Flink peer ($MODE) — $(date -u '+%F %T') UTC"
  echo
  echo "Produced by \`bench/flink_compare.sh\`$([ "$MODE" = sample ] || echo " with CW_FLINK_MODE=national"); docs/performance.md (\"Apache Flink peer\") explains it."
  echo
  echo "- machine: $(nproc) cores ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n1)), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); everything at nice $NICE_NOW (the script runs itself under nice -n 5; started at nice $((NICE_NOW - 5)))"
  echo "- load average (1/5/15 min): $LOAD_BEFORE before the runs, $LOAD_AFTER after (other engineers' builds and tests share the 2 cores)"
  echo "- broker: Apache Kafka 4.1.1, one KRaft node, on the same machine; $REPORTS with $PARTITIONS partitions"
  echo "- data: $DATA_DESC: N = $N messages ($REPORTS_ENDS)"
  echo "- cw-aggregator: binaries of $BUILD_DESC, default flags: v2, two stages (enterprise, park) in each process joined by cw.contributions.v1 (fresh before each run), Kafka transactions every 100 ms per stage, RocksDB block cache 64 MiB, write buffer 32 MiB; P instances in one consumer group for Flink parallelism P"
  echo "- Apache Flink 2.2.1 peer (flink-connector-kafka 5.0.0-2.2): DataStream job in a local MiniCluster in one JVM, Kafka source (read_committed) → keyBy(USCC) → enterprise KeyedProcessFunction → keyBy(park-period, routed by park) → park KeyedProcessFunction (snapshot timers every ${FLUSH_MS} ms) → EXACTLY_ONCE transactional KafkaSink; RocksDB state backend, incremental checkpoints every ${CHECKPOINT_MS} ms (exactly-once, aligned), managed memory ${MANAGED_MB} MiB, object reuse $OBJECT_REUSE, buffer timeout ${BUFFER_TIMEOUT_MS} ms, JVM $(java -version 2>&1 | head -n1 | sed 's/"//g'), heap \`$HEAP\`"
  echo "- rate = N / (drained − first record seen); wall = launch → drained; CPU = the processes' utime+stime (all threads), split by thread name (JIT = the JVM's C1/C2 compiler threads; client = Kafka client threads); µs/report = CPU / N; RSS = VmHWM (summed over the cw-aggregator instances); broker CPU over the same run"
  echo
  python3 - "$DIR/runs.jsonl" <<'PY'
import json, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
label = {"cpp": "cw-aggregator", "flink": "Flink"}
def who(r):
    return f"{label[r['system']]} ×{r['p']}" if r["system"] == "cpp" else f"Flink p={r['p']}"
print("| P | round | system | reports/s | wall s | drain s | startup s | CPU s | of which JIT / GC / Kafka client / RocksDB threads | CPU µs/report | without JIT | peak RSS MiB | broker CPU s | machine busy | applied / dup / stale / poison | contributions | snapshots |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for r in runs:
    o, t = r["outcomes"], r["thread_cpu_s"]
    print(f"| {r['p']} | {r['round']} | {who(r)} | {r['rate']:,} | {r['wall_s']} | {r['drain_s']} | {r['startup_s']} | "
          f"{r['cpu_s']} | {t['jit']} / {t['gc']} / {t['client']} / {t['rocksdb']} | {r['cpu_us_per_report']} | {r['cpu_us_per_report_no_jit']} | "
          f"{r['rss_mib']} | {r['broker_cpu_s']} | {r['machine_busy_pct']}% | "
          f"{o['applied']} / {o['duplicate']} / {o['stale']} / {o['poison']} | {r.get('contributions', 0):,} | {r['snapshots']:,} |")
def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2] if len(xs) % 2 else (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2
print()
print("| median | reports/s | wall s | CPU µs/report | reports per CPU-s | CPU µs/report without JIT | peak RSS MiB | broker CPU s |")
print("|---|---|---|---|---|---|---|---|")
summary = []
for p in sorted({r["p"] for r in runs}):
    med = {}
    for s in ("cpp", "flink"):
        mine = [r for r in runs if r["system"] == s and r["p"] == p]
        med[s] = {k: median([r[k] for r in mine]) for k in ("rate", "wall_s", "cpu_us_per_report", "cpu_us_per_report_no_jit", "rss_mib", "broker_cpu_s")}
        m = med[s]
        print(f"| {who({'system': s, 'p': p})} | {round(m['rate']):,} | {m['wall_s']:.2f} | {m['cpu_us_per_report']:.1f} | {round(1e6 / m['cpu_us_per_report']):,} | {m['cpu_us_per_report_no_jit']:.1f} | {round(m['rss_mib'])} | {m['broker_cpu_s']:.1f} |")
    c, f = med["cpp"], med["flink"]
    summary.append(f"**P={p}: cw-aggregator ×{p} / Flink p={p}: {c['rate'] / f['rate']:.2f}× by wall rate (reports/s), "
                   f"{f['cpu_us_per_report'] / c['cpu_us_per_report']:.2f}× by CPU per report** "
                   f"({f['cpu_us_per_report_no_jit'] / c['cpu_us_per_report_no_jit']:.2f}× leaving out the JVM's JIT compiler threads); "
                   f"peak RSS {c['rss_mib']:.0f} vs {f['rss_mib']:.0f} MiB; broker CPU {c['broker_cpu_s']:.1f} vs {f['broker_cpu_s']:.1f} s.")
print()
for s in summary:
    print(f"- {s}")
PY
  echo
  echo "Correctness (final snapshot per park|period, all fields but computed_unix_ms and source_offset, against the first cw-aggregator run):"
  echo
  echo '```'
  cat "$DIR/compare.txt"
  echo "$GT_TEXT"
  echo '```'
  if [ -n "$PROFILE_TEXT" ]; then
    echo
    echo "## Where the Flink peer's time went"
    echo
    echo "$PROFILE_TEXT"
  fi
} >"$DIR/report.md"
cat "$DIR/report.md"
mkdir -p "$(dirname "$OUT")"
cp "$DIR/report.md" "$OUT"
log "written to ${OUT#"$ROOT"/}"
