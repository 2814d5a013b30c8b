#!/usr/bin/env bash
# kstreams_compare.sh — cw-aggregator against its Kafka Streams peer (bench/kstreams, Java,
# kafka-streams 4.1.1 from Maven Central) on the same data and the same broker.
#
#   1. its own single-node broker (scripts/kafka.sh; data in $DIR/kafka, ports 59092/59093,
#      wiped first) with the clusterwatch topics (4 partitions; cw.contributions.v1 included);
#   2. `clusterctl gen-sample --scale=S` pushed once through cw-ingest (registry, then every
#      reports/*.csv in order, revisions and late reports included): the reports topic then
#      holds ingest's envelopes, keyed and partitioned as in production; 2 poison records are
#      appended (undecodable bytes; an envelope without a report). N = the sum of the
#      partitions' end offsets = what each run must consume;
#   3. ROUNDS times, alternately: (a) cw-aggregator, (b) the Streams app, each with a FRESH
#      consumer group / application.id, FRESH state and a FRESH contributions topic (both
#      have two stages joined by a topic keyed by park; docs/scale-out.md, "Two stages"),
#      draining the whole topic:
#        - cw-aggregator v2 (default flags, both stages in one process; cw.contributions.v1
#          deleted and created again before each run): /metrics polled every 0.2 s until
#          cw_aggregator_records_total (all outcomes) >= N, cw_kafka_consumer_lag of both
#          topics (reports, contributions) 0, cw_aggregator_open_transaction_messages of both
#          stages 0, and cw_aggregator_contributions_total (all outcomes) >=
#          cw_aggregator_contributions_produced_total (the park stage consumed every
#          contribution; with zero lag and no open transaction all of it is committed);
#        - Streams (exactly_once_v2, RocksDB stores, 1 stream thread, JVM heap $HEAP; an
#          enterprise processor and a park processor joined by its own contributions topic):
#          its monitor line every 0.2 s until the application's committed input offsets
#          (Admin API) = the end offsets, its park processors consumed every contribution
#          produced and committed them, no transaction is open on its contributions and
#          output topics, and every park processor has published its dirty park-periods,
#          on two consecutive monitor lines (bench/kstreams/.../AggregatorApp.java);
#      rate = N / (drained - first record seen), wall = drained - launch (JVM start, RocksDB
#      open and group join included); CPU s = utime+stime of the process (/proc/<pid>/stat,
#      all threads: JIT, GC, RocksDB, librdkafka), peak RSS = VmHWM; the broker's CPU too;
#   4. correctness: the last snapshot per park|period of every run, read_committed
#      (cw-aggregator's runs read from the offsets where each began on cw.park-metrics.v1;
#      each Streams run writes its own topic) must equal the first cw-aggregator run's, field by field
#      (CompareSnapshots); and that run's month/ytd gross output, total tax and reporter counts
#      must equal tests/system/ground_truth.py on the sample. Any difference fails the script;
#   5. a markdown table with the medians and the ratios cw-aggregator / Kafka Streams (by wall
#      rate and by CPU per report), printed and written to bench/results/kstreams-<UTC>.md.
# Runs under nice -n 5 (the machine is shared). About 5 minutes on 2 cores at the defaults,
# mostly the two Streams runs.
#
# Usage: bench/kstreams_compare.sh
# Env:
#   CW_BUILD_DIR              build with cw-aggregator, cw-ingest, clusterctl (default <repo>/build)
#   CW_BUILD_COMMIT           what that build is of, for the results file (default: its tree's HEAD)
#   CW_KSTREAMS_BENCH_DIR     scratch: broker, sample, state, logs (default /tmp/cw-kstreams-bench)
#   CW_KSTREAMS_PORT_BASE     broker BASE, controller BASE+1, services BASE+2..BASE+5 (default 59092)
#   CW_KSTREAMS_SCALE         gen-sample --scale                        (default 40)
#   CW_KSTREAMS_ROUNDS        alternating rounds, >= 2                  (default 2)
#   CW_KSTREAMS_HEAP          JVM heap of the Streams app               (default "-Xms512m -Xmx1g")
#   CW_KSTREAMS_THREADS       Streams num.stream.threads                (default 1)
#   CW_KSTREAMS_TIMEOUT       seconds allowed per run                   (default 600)
#   CW_KSTREAMS_GROUND_TRUTH  0 skips the ground_truth.py check         (default 1)
#   CW_KSTREAMS_KEEP=1        leave the broker running afterwards (otherwise it is wiped)
set -euo pipefail
me="bench/kstreams_compare.sh"
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_nice "$@"

DIR="${CW_KSTREAMS_BENCH_DIR:-/tmp/cw-kstreams-bench}"
BASE="${CW_KSTREAMS_PORT_BASE:-59092}"
SCALE="${CW_KSTREAMS_SCALE:-40}"
ROUNDS="${CW_KSTREAMS_ROUNDS:-2}"
HEAP="${CW_KSTREAMS_HEAP:--Xms512m -Xmx1g}"
THREADS="${CW_KSTREAMS_THREADS:-1}"
TIMEOUT="${CW_KSTREAMS_TIMEOUT:-600}"
GROUND_TRUTH="${CW_KSTREAMS_GROUND_TRUTH:-1}"
POM="$ROOT/bench/kstreams/pom.xml"
export CW_KAFKA_DIR="$DIR/kafka" CW_KAFKA_PORT="$BASE" CW_KAFKA_CONTROLLER_PORT="$((BASE + 1))"
KAFKA="$ROOT/scripts/kafka.sh"
SECURITY=(--plaintext --allow_unauthenticated --rate_limit_rps=0)
STAMP="$(date -u +%Y-%m-%d-%H%M)"
OUT="$ROOT/bench/results/kstreams-$STAMP.md"
REPORTS=cw.reports.v1
METRICS_TOPIC=cw.park-metrics.v1
CONTRIBUTIONS_TOPIC=cw.contributions.v1

[ "$ROUNDS" -ge 2 ] || die "CW_KSTREAMS_ROUNDS must be at least 2"
for b in ingest/cw-ingest aggregator/cw-aggregator cli/clusterctl; do
  [ -x "$BUILD/$b" ] || die "$BUILD/$b missing; build it (scripts/build.sh, or cmake --build $BUILD)"
done
for t in kcat java mvn protoc python3; do
  command -v "$t" >/dev/null || die "$t not found; run scripts/setup.sh"
done
case "$DIR" in ""|"/"|"$HOME"|"$ROOT") die "refusing CW_KSTREAMS_BENCH_DIR=$DIR" ;; esac

cleanup() {
  if [ "${CW_KSTREAMS_KEEP:-0}" = 1 ]; then
    log "broker left running (CW_KAFKA_DIR=$CW_KAFKA_DIR; $KAFKA stop)"
  else
    "$KAFKA" wipe >/dev/null 2>&1 || true
    rm -rf "${DIR:?}/state" "${DIR:?}/bin"
  fi
}
trap cleanup EXIT

# ---------------------------------------------------------------- 0. the Streams app
log "building the Kafka Streams peer (mvn package; protoc generates the Java classes)"
mkdir -p "$DIR/logs"
mvn -q -B -Dstyle.color=never -f "$POM" package >"$DIR/logs/mvn.log" 2>&1 \
  || { tail -n 40 "$DIR/logs/mvn.log" >&2; die "mvn package failed (log: $DIR/logs/mvn.log)"; }

# ---------------------------------------------------------------- 1. broker
log "fresh broker in $CW_KAFKA_DIR (ports $BASE/$((BASE + 1)))"
"$KAFKA" wipe >/dev/null 2>&1 || true
rm -rf "${DIR:?}/sample" "${DIR:?}/state" "${DIR:?}/bin" "$DIR/runs.jsonl"
mkdir -p "$DIR/logs" "$DIR/state" "$DIR/bin"
BOOT="$("$KAFKA" start 2>"$DIR/logs/kafka-start.log")" || { cat "$DIR/logs/kafka-start.log" >&2; die "broker start failed"; }
"$KAFKA" topics >"$DIR/logs/topics.log" 2>&1 || { cat "$DIR/logs/topics.log" >&2; die "topics failed"; }
KAFKA_PID="$(cat "$CW_KAFKA_DIR/kafka.pid")"

# A snapshot of the binaries: a rebuild during the run must not swap them mid-way.
cp "$BUILD/ingest/cw-ingest" "$BUILD/aggregator/cw-aggregator" "$BUILD/cli/clusterctl" "$DIR/bin/"
cp "$ROOT/bench/kstreams/target/cw-kstreams-bench.jar" "$DIR/bin/"
CLASSPATH_KS="$DIR/bin/cw-kstreams-bench.jar:$(cat "$ROOT/bench/kstreams/target/classpath.txt")"
BIN="$DIR/bin"

# ---------------------------------------------------------------- 2. data
log "gen-sample --scale=$SCALE"
"$BIN/clusterctl" gen-sample --out="$DIR/sample" --scale="$SCALE" >/dev/null
push_sample "$BIN" "$DIR" "$BOOT" $((BASE + 2)) "${SECURITY[@]}"

# Poison: undecodable bytes, and a decodable envelope with no report (field 3, empty).
printf '\xff\xfe\xfd#END#\x1a\x00#END#' >"$DIR/poison.bin"
kcat -P -b "$BOOT" -t "$REPORTS" -k poison -D '#END#' "$DIR/poison.bin"
REPORTS_ENDS="$(end_offsets "$BOOT" "$REPORTS")"
N=0
for pc in ${REPORTS_ENDS//,/ }; do N=$((N + ${pc#*:})); done
[ "$N" -gt 2 ] || die "the reports topic is empty"
log "N=$N messages in $REPORTS ($ACCEPTED accepted by ingest in $PUSH_S s, 2 poison); per partition: $REPORTS_ENDS"

# ---------------------------------------------------------------- 3. runs
run_one() {  # SYSTEM(cpp|kstreams) ROUND -> one JSON line on stdout
  CW_SYSTEM="$1" CW_ROUND="$2" CW_N="$N" CW_BOOT="$BOOT" CW_DIR="$DIR" CW_BASE="$BASE" \
  CW_BIN="$BIN" CW_CP="$CLASSPATH_KS" CW_HEAP="$HEAP" CW_THREADS="$THREADS" \
  CW_TIMEOUT="$TIMEOUT" CW_KAFKA_PID="$KAFKA_PID" CW_REPORTS="$REPORTS" \
  /usr/bin/python3 - <<'PY'
import json, os, re, shutil, signal, subprocess, threading, time, urllib.request

system, rnd, n = os.environ["CW_SYSTEM"], int(os.environ["CW_ROUND"]), int(os.environ["CW_N"])
boot, d, base, binp = os.environ["CW_BOOT"], os.environ["CW_DIR"], int(os.environ["CW_BASE"]), os.environ["CW_BIN"]
from bench_util import proc_cpu, hwm_mib, machine_busy  # noqa: E402 (bench/ is on PYTHONPATH)
stamp = int(time.time())
name = f"kst-{system}-r{rnd}-{stamp}"
state = os.path.join(d, "state", name)
kafka_pid = int(os.environ["CW_KAFKA_PID"])

def thread_cpu(pid):
    """CPU seconds of the live threads by kind: jit (C1/C2 compiler threads), gc (GC and G1
    threads), client (Kafka client: librdkafka rdk:*, Java kafka-*), rocksdb (rocksdb:*)."""
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
        elif comm.startswith(("rdk:", "kafka-")):
            out["client"] += cpu
        elif comm.startswith("rocksdb:"):
            out["rocksdb"] += cpu
    return out

def scrape(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as r:
        text = r.read().decode()
    # cw-aggregator v2 (aggregator/enterprise_stage.cc, park_stage.cc, stage_runner.cc).
    out = {"applied": 0, "duplicate": 0, "stale": 0, "poison": 0, "snapshots": 0,
           "lag": {}, "open": {}, "contributions_consumed": 0, "contributions_produced": None,
           "transactions": 0}
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        value = line.rsplit(" ", 1)[-1]
        m = re.match(r'cw_aggregator_records_total\{outcome="(\w+)"\} ', line)
        if m:
            out[m.group(1)] = int(float(value))
            continue
        m = re.match(r'cw_kafka_consumer_lag\{topic="(\w+)"\} ', line)
        if m:
            out["lag"][m.group(1)] = float(value)
            continue
        m = re.match(r'cw_aggregator_open_transaction_messages\{stage="(\w+)"\} ', line)
        if m:
            out["open"][m.group(1)] = float(value)
            continue
        if line.startswith("cw_aggregator_contributions_total{"):
            out["contributions_consumed"] += int(float(value))
        elif line.startswith("cw_aggregator_contributions_produced_total "):
            out["contributions_produced"] = int(float(value))
        elif line.startswith("cw_aggregator_snapshots_published_total "):
            out["snapshots"] = int(float(value))
        elif re.match(r'cw_aggregator_transactions_total\{.*outcome="committed"', line):
            out["transactions"] += int(float(value))
    return out

log = open(os.path.join(d, "logs", f"{name}.log"), "wb")
output_topic = f"cw.kstreams.park-metrics.r{rnd}-{stamp}"
b0, m0 = proc_cpu(kafka_pid), machine_busy()
t0 = time.time()
if system == "cpp":
    port = base + 4
    proc = subprocess.Popen(
        [os.path.join(binp, "cw-aggregator"), f"--brokers={boot}", f"--group={name}",
         f"--instance_id={name}", f"--state_dir={state}", f"--metrics_address=127.0.0.1:{port}"],
        stdout=log, stderr=subprocess.STDOUT)
    latest = {}
    def poll():
        try:
            s = scrape(port)
        except OSError:
            return None
        done = s["applied"] + s["duplicate"] + s["stale"] + s["poison"]
        latest.update(s, processed=done)
        # Drained: every report consumed, both stages' lag 0 and no transaction open (so all
        # that was consumed is committed, with the contributions and snapshots it produced),
        # and the park stage consumed every contribution the enterprise stage produced.
        return done, (done >= n and s["lag"].get("reports") == 0
                      and s["lag"].get("contributions") == 0
                      and s["open"].get("enterprise") == 0 and s["open"].get("park") == 0
                      and s["contributions_produced"] is not None
                      and s["contributions_consumed"] >= s["contributions_produced"])
else:
    cmd = ["java"] + os.environ["CW_HEAP"].split() + [
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", os.environ["CW_CP"],
        "clusterwatch.bench.kstreams.AggregatorApp", f"--brokers={boot}", f"--app_id={name}",
        f"--state_dir={state}", f"--input={os.environ['CW_REPORTS']}",
        f"--contributions=cw.kstreams.contributions.r{rnd}-{stamp}", f"--output={output_topic}",
        f"--dead_letters=cw.kstreams.rejected.r{rnd}-{stamp}",
        f"--threads={os.environ['CW_THREADS']}", "--poll_ms=200"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log)
    latest = {}
    def reader():
        for raw in proc.stdout:
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
            raise SystemExit(f"{name}: the Streams app failed: {latest['failed']}")
        if "processed" not in latest:
            return None
        return latest["processed"], bool(latest["drained"])

first = done_at = None
deadline = t0 + float(os.environ["CW_TIMEOUT"])
while time.time() < deadline:
    if proc.poll() is not None:
        raise SystemExit(f"{name} exited with {proc.returncode} (log: {log.name})")
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
    proc.kill()
    raise SystemExit(f"{name}: not drained after the timeout ({latest})")

cpu, rss, threads = proc_cpu(proc.pid), hwm_mib(proc.pid), thread_cpu(proc.pid)
bcpu, m1 = proc_cpu(kafka_pid) - b0, machine_busy()
proc.send_signal(signal.SIGTERM)
try:
    proc.wait(timeout=60)
except subprocess.TimeoutExpired:
    proc.kill()
    proc.wait()
shutil.rmtree(state, ignore_errors=True)
drain = done_at - first
print(json.dumps({
    "system": system, "round": rnd, "name": name, "n": n,
    "processed": int(latest.get("processed", 0)),
    "outcomes": {k: int(latest.get(k, 0)) for k in ("applied", "duplicate", "stale", "poison")},
    "snapshots": int(latest.get("snapshots", 0)),
    "contributions": int(latest.get("contributions_produced") or 0),
    "output_topic": output_topic if system == "kstreams" else None,
    "wall_s": round(done_at - t0, 2), "drain_s": round(drain, 2),
    "startup_s": round(first - t0, 2), "rate": round(n / drain),
    "cpu_s": round(cpu, 2), "cpu_us_per_report": round(1e6 * cpu / n, 1),
    "thread_cpu_s": {k: round(v, 2) for k, v in threads.items()},
    "cpu_us_per_report_no_jit": round(1e6 * (cpu - threads["jit"]) / n, 1),
    "rss_mib": round(rss), "broker_cpu_s": round(bcpu, 1),
    "machine_busy_pct": round(200 * (m1[0] - m0[0]) / max(1, m1[1] - m0[1])),
    "loadavg": open("/proc/loadavg").read().split()[0],
}))
PY
}

# Which build ran, without a path of this machine (the results file is committed).
case "$BUILD" in
  "$ROOT"/*) BUILD_DESC="CW_BUILD_DIR=${BUILD#"$ROOT"/} ($(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?') checked out)" ;;
  *) BUILD_DESC="a build outside this checkout (its source tree at $(git -C "$(dirname "$BUILD")" rev-parse --short HEAD 2>/dev/null || echo '?'))" ;;
esac
[ -z "${CW_BUILD_COMMIT:-}" ] || BUILD_DESC="a build of $CW_BUILD_COMMIT"
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
: >"$DIR/runs.jsonl"
CPP_SPECS=()
KS_SPECS=()
for ((round = 1; round <= ROUNDS; round++)); do
  for system in cpp kstreams; do
    if [ "$system" = cpp ]; then
      before="$(end_offsets "$BOOT" "$METRICS_TOPIC")"
      # A fresh contributions topic: a fresh group alone would read the last run's.
      [ "$round" = 1 ] || fresh_topics "$BOOT" "$CONTRIBUTIONS_TOPIC"
    fi
    log "round $round/$ROUNDS: $system (fresh group, fresh state)"
    line="$(run_one "$system" "$round")" || die "$system run $round failed"
    log "$system: $line"
    echo "$line" >>"$DIR/runs.jsonl"
    if [ "$system" = cpp ]; then
      # This run's snapshots only: partition:start:end on the shared park-metrics topic.
      after="$(end_offsets "$BOOT" "$METRICS_TOPIC")"
      CPP_SPECS+=("cpp-r$round=$METRICS_TOPIC@$(join -t: <(tr , '\n' <<<"$before" | sort) \
        <(tr , '\n' <<<"$after" | sort) | sort -n | paste -sd,)")
    else
      KS_SPECS+=("kstreams-r$round=$(echo "$line" | python3 -c 'import json,sys; print(json.load(sys.stdin)["output_topic"])')")
    fi
  done
done
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------- 4. correctness
log "comparing the final park|period snapshots of every run with the first cw-aggregator run's"
CANDIDATES="$(printf '%s;' "${CPP_SPECS[@]:1}" "${KS_SPECS[@]}")"
COMPARE_OK=1
java -Xmx512m -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$CLASSPATH_KS" \
  clusterwatch.bench.kstreams.CompareSnapshots --brokers="$BOOT" --reference="${CPP_SPECS[0]}" \
  --candidates="$CANDIDATES" --dump="$DIR/reference.json" >"$DIR/compare.txt" 2>"$DIR/logs/compare.log" \
  || COMPARE_OK=0
cat "$DIR/compare.txt" >&2
GT_TEXT="ground truth: skipped (CW_KSTREAMS_GROUND_TRUTH=0)"
GT_OK=1
if [ "$GROUND_TRUTH" = 1 ] && [ "$COMPARE_OK" = 1 ]; then
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
  echo "$GT_TEXT" >&2
fi

# ---------------------------------------------------------------- 5. table
{
  echo "# cw-aggregator vs a Kafka Streams peer — $(date -u '+%F %T') UTC"
  echo
  echo "Produced by \`bench/kstreams_compare.sh\`; docs/performance.md (\"Kafka Streams peer\") explains it."
  echo
  echo "- machine: $(nproc) cores ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n1)), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); everything under nice -n 5"
  echo "- load average (1/5/15 min): $LOAD_BEFORE before the runs, $LOAD_AFTER after (other engineers' builds and tests share the 2 cores)"
  echo "- broker: Apache Kafka 4.1.1, one KRaft node, on the same machine; $REPORTS with 4 partitions"
  echo "- data: \`clusterctl gen-sample --scale=$SCALE\` pushed through cw-ingest ($ACCEPTED reports accepted, revisions and late reports included) + 2 poison records: N = $N messages ($REPORTS_ENDS)"
  echo "- cw-aggregator: binaries of $BUILD_DESC, default flags: v2, two stages (enterprise, park) in one process joined by cw.contributions.v1 (fresh before each run), Kafka transactions every 100 ms per stage, batches of up to 5000, RocksDB block cache 64 MiB, write buffer 32 MiB"
  echo "- Kafka Streams 4.1.1 peer: Processor API, two processors (enterprise, park) joined by a contributions topic of its own partitioned by park, exactly_once_v2, RocksDB stores with caching and changelogs, $THREADS stream thread(s), JVM $(java -version 2>&1 | head -n1 | sed 's/"//g'), heap \`$HEAP\`, other JVM and Streams settings at their defaults"
  echo "- rate = N / (drained − first record seen); wall = launch → drained; CPU = the process's utime+stime (all threads), split by thread name where the threads are still alive (JIT = the JVM's C1/C2 compiler threads); µs/report = CPU / N; RSS = VmHWM; broker CPU over the same run"
  echo
  python3 - "$DIR/runs.jsonl" <<'PY'
import json, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
label = {"cpp": "cw-aggregator", "kstreams": "Kafka Streams"}
print("| round | system | reports/s | wall s | drain s | startup s | CPU s | of which JIT / GC / Kafka client / RocksDB threads | CPU µs/report | without JIT | peak RSS MiB | broker CPU s | machine busy | applied / dup / stale / poison | contributions | snapshots |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for r in runs:
    o, t = r["outcomes"], r["thread_cpu_s"]
    print(f"| {r['round']} | {label[r['system']]} | {r['rate']:,} | {r['wall_s']} | {r['drain_s']} | {r['startup_s']} | "
          f"{r['cpu_s']} | {t['jit']} / {t['gc']} / {t['client']} / {t['rocksdb']} | {r['cpu_us_per_report']} | {r['cpu_us_per_report_no_jit']} | "
          f"{r['rss_mib']} | {r['broker_cpu_s']} | {r['machine_busy_pct']}% | "
          f"{o['applied']} / {o['duplicate']} / {o['stale']} / {o['poison']} | {r.get('contributions', 0):,} | {r['snapshots']:,} |")
def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2] if len(xs) % 2 else (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2
med = {}
for s in ("cpp", "kstreams"):
    mine = [r for r in runs if r["system"] == s]
    med[s] = {k: median([r[k] for r in mine]) for k in ("rate", "wall_s", "cpu_us_per_report", "cpu_us_per_report_no_jit", "rss_mib", "broker_cpu_s")}
c, k = med["cpp"], med["kstreams"]
print()
print("| median | reports/s | wall s | CPU µs/report | reports per CPU-s | CPU µs/report without JIT | peak RSS MiB | broker CPU s |")
print("|---|---|---|---|---|---|---|---|")
for s in ("cpp", "kstreams"):
    m = med[s]
    print(f"| {label[s]} | {round(m['rate']):,} | {m['wall_s']:.2f} | {m['cpu_us_per_report']:.1f} | {round(1e6 / m['cpu_us_per_report']):,} | {m['cpu_us_per_report_no_jit']:.1f} | {round(m['rss_mib'])} | {m['broker_cpu_s']:.1f} |")
print()
print(f"**cw-aggregator / Kafka Streams: {c['rate'] / k['rate']:.2f}× by wall rate (reports/s), "
      f"{k['cpu_us_per_report'] / c['cpu_us_per_report']:.2f}× by CPU per report** "
      f"({k['cpu_us_per_report_no_jit'] / c['cpu_us_per_report_no_jit']:.2f}× leaving out the JVM's JIT compiler threads); "
      f"peak RSS {c['rss_mib']:.0f} vs {k['rss_mib']:.0f} MiB. Target (issue #13): above 10× by wall rate.")
PY
  echo
  echo "Correctness (final snapshot per park|period, all fields but computed_unix_ms and source_offset, against the first cw-aggregator run):"
  echo
  echo '```'
  cat "$DIR/compare.txt"
  echo "$GT_TEXT"
  echo '```'
} >"$DIR/report.md"
cat "$DIR/report.md"
[ "$COMPARE_OK" = 1 ] || die "the runs' park|period snapshots differ (see above; $DIR/compare.txt); no results file written"
[ "$GT_OK" = 1 ] || die "cw-aggregator's totals differ from tests/system/ground_truth.py; no results file written"
mkdir -p "$(dirname "$OUT")"
cp "$DIR/report.md" "$OUT"
log "written to ${OUT#"$ROOT"/}"
