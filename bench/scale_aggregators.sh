#!/usr/bin/env bash
# scale_aggregators.sh — cw-aggregator throughput with 1, 2 and 3 instances on the three-broker
# cluster (scripts/kafka-cluster.sh; reports and park-metrics with 6 partitions, RF 3, min ISR 2).
#
#   1. a fresh cluster in CW_SCALE_BENCH_DIR; `clusterctl gen-sample --scale=20` pushed once
#      through cw-ingest: the reports topic then holds N report messages (N = the sum of the
#      partitions' end offsets, so it counts exactly what an aggregator must consume);
#   2. CW_SCALE_BENCH_REPS times, for k in 1 2 3: k aggregators in a FRESH consumer group
#      (bench-k-<timestamp>) with fresh state directories and a fresh cw.contributions.v1,
#      started together (cw-aggregator v2: both stages in each instance); every instance's
#      /metrics is polled every 0.2 s until, over the instances, cw_aggregator_records_total
#      (all outcomes) reaches N and cw_aggregator_contributions_total reaches
#      cw_aggregator_contributions_produced_total, and every instance reports consumer lag 0
#      on both topics and no open transaction in either stage (bench_util.v2_drained);
#   3. per k, the run with the median rate is shown with the min-max of all its runs; per run:
#      drain rate N / (done - first record seen), wall time from launch, per-instance
#      CPU seconds (utime+stime from /proc/<pid>/stat) and peak RSS (VmHWM), the brokers' CPU
#      over the same window, and the machine's busy CPU (/proc/stat; 200 % = both cores).
# The table is printed and written to bench/results/scale-<UTC date-time>.txt. Takes ~3.5
# minutes on 2 cores; docs/scale-out.md explains the figures.
#
# Usage: bench/scale_aggregators.sh
# Env:
#   CW_BUILD_DIR            build with the services and clusterctl (default <repo>/build)
#   CW_SCALE_BENCH_DIR      scratch: cluster data, state, logs      (default /tmp/cw-scale-bench)
#   CW_CLUSTER_PORT_BASE    cluster ports BASE+0..2, BASE+10..12; the services use
#                           BASE+20..BASE+29                        (default 19292)
#   CW_SCALE_BENCH_SCALE    gen-sample --scale                      (default 20)
#   CW_SCALE_BENCH_KS       instance counts to measure              (default "1 2 3")
#   CW_SCALE_BENCH_REPS     repetitions of every k, interleaved     (default 5)
#   CW_SCALE_BENCH_TIMEOUT  seconds allowed per run                 (default 600)
#   CW_SCALE_BENCH_KEEP=1   leave the cluster running afterwards (otherwise it is wiped)
set -euo pipefail
me="bench/scale_aggregators.sh"
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DIR="${CW_SCALE_BENCH_DIR:-/tmp/cw-scale-bench}"
BASE="${CW_CLUSTER_PORT_BASE:-19292}"
SCALE="${CW_SCALE_BENCH_SCALE:-20}"
KS="${CW_SCALE_BENCH_KS:-1 2 3}"
TIMEOUT="${CW_SCALE_BENCH_TIMEOUT:-600}"
REPS="${CW_SCALE_BENCH_REPS:-5}"
CLUSTER="$ROOT/scripts/kafka-cluster.sh"
export CW_CLUSTER_DIR="$DIR/kafka-cluster" CW_CLUSTER_PORT_BASE="$BASE"
SECURITY=(--plaintext --allow_unauthenticated --rate_limit_rps=0)
STAMP="$(date -u +%Y-%m-%d-%H%M)"
OUT="$ROOT/bench/results/scale-$STAMP.txt"

for b in ingest/cw-ingest aggregator/cw-aggregator cli/clusterctl; do
  [ -x "$BUILD/$b" ] || die "$BUILD/$b missing; run scripts/build.sh"
done
command -v kcat >/dev/null || die "kcat not found; run scripts/setup.sh"
case "$DIR" in ""|"/"|"$HOME"|"$ROOT") die "refusing CW_SCALE_BENCH_DIR=$DIR" ;; esac

cleanup() {
  rm -rf "${DIR:?}/bin"
  if [ "${CW_SCALE_BENCH_KEEP:-0}" = 1 ]; then
    log "cluster left running (CW_CLUSTER_DIR=$CW_CLUSTER_DIR; $CLUSTER stop)"
  else
    "$CLUSTER" wipe >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

# ---------------------------------------------------------------- 1. cluster and data
log "fresh three-node cluster in $CW_CLUSTER_DIR (ports $BASE..)"
"$CLUSTER" wipe >/dev/null 2>&1 || true
rm -rf "$DIR"
mkdir -p "$DIR/logs"
t=$SECONDS
BOOT="$("$CLUSTER" start 2>"$DIR/logs/cluster-start.log")" || { cat "$DIR/logs/cluster-start.log" >&2; die "cluster start failed"; }
"$CLUSTER" topics >"$DIR/logs/topics.log" 2>&1 || { cat "$DIR/logs/topics.log" >&2; die "topics failed"; }
log "cluster serving at $BOOT after $((SECONDS - t)) s"

# A snapshot of the binaries: a rebuild of build/ during the run must not swap them mid-way.
mkdir -p "$DIR/bin"
cp "$BUILD/ingest/cw-ingest" "$BUILD/aggregator/cw-aggregator" "$BUILD/cli/clusterctl" "$DIR/bin/"
BIN="$DIR/bin"

log "gen-sample --scale=$SCALE"
"$BIN/clusterctl" gen-sample --out="$DIR/sample" --scale="$SCALE" >/dev/null
push_sample "$BIN" "$DIR" "$BOOT" $((BASE + 20)) "${SECURITY[@]}"

PARTS="$(kcat -b "$BOOT" -L -t cw.reports.v1 2>/dev/null | grep -c '^ *partition ')"
Q=()
for ((p = 0; p < PARTS; p++)); do Q+=(-t "cw.reports.v1:$p:-1"); done
PER_PART="$(kcat -b "$BOOT" -Q "${Q[@]}" | sed -n 's/^cw.reports.v1 \[\([0-9]*\)\] offset \([0-9]*\)$/\1:\2/p' | sort -n | paste -sd' ')"
N=0; LARGEST=0
for pc in $PER_PART; do
  N=$((N + ${pc#*:}))
  [ "${pc#*:}" -le "$LARGEST" ] || LARGEST="${pc#*:}"
done
[ "$N" -gt 0 ] || die "the reports topic is empty"
log "loaded N=$N report messages ($ACCEPTED accepted by ingest) in $PUSH_S s; per partition: $PER_PART"

# ---------------------------------------------------------------- 2. k aggregators
run_k() {  # K -> one JSON line on stdout
  CW_K="$1" CW_N="$N" CW_BOOT="$BOOT" CW_DIR="$DIR" CW_BASE="$BASE" CW_BIN="$BIN/cw-aggregator" \
  CW_TIMEOUT="$TIMEOUT" /usr/bin/python3 - <<'PY'
import json, os, re, shutil, signal, subprocess, time, urllib.request

k, n = int(os.environ["CW_K"]), int(os.environ["CW_N"])
boot, d, base = os.environ["CW_BOOT"], os.environ["CW_DIR"], int(os.environ["CW_BASE"])
from bench_util import proc_cpu, hwm_mib, machine_busy, v2_state, v2_drained  # noqa: E402 (bench/ is on PYTHONPATH)
group = f"bench-{k}-{int(time.time())}"
cluster_dir = os.path.join(d, "kafka-cluster")

def runqueue_wait_s(pid):
    """Seconds the process's threads spent runnable but waiting for a CPU (schedstat)."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[1])
        except (OSError, IndexError, ValueError):
            pass
    return total / 1e9

def broker_pids():
    out = []
    for node in (1, 2, 3):
        try:
            with open(os.path.join(cluster_dir, f"node-{node}", "kafka.pid")) as f:
                out.append(int(f.read().strip()))
        except (OSError, ValueError):
            pass
    return out

def scrape(port):
    """bench_util.v2_state of one instance."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as r:
        return v2_state(r.read().decode())

brokers = broker_pids()
b0 = {p: proc_cpu(p) for p in brokers}
m0 = machine_busy()
procs, ports = [], []
os.makedirs(os.path.join(d, "state"), exist_ok=True)
t0 = time.time()
for i in range(1, k + 1):
    port = base + 22 + i
    state = os.path.join(d, "state", f"{group}-{i}")
    log = open(os.path.join(d, "logs", f"{group}-{i}.log"), "wb")
    procs.append(subprocess.Popen(
        [os.environ["CW_BIN"], f"--brokers={boot}", f"--group={group}",
         f"--instance_id={group}-{i}", f"--state_dir={state}",
         f"--metrics_address=127.0.0.1:{port}"], stdout=log, stderr=subprocess.STDOUT))
    ports.append(port)

first = done_at = None
seen = [v2_state("") for _ in range(k)]
deadline = t0 + float(os.environ["CW_TIMEOUT"])
while time.time() < deadline:
    for i, port in enumerate(ports):
        if procs[i].poll() is not None:
            raise SystemExit(f"aggregator {i + 1} exited with {procs[i].returncode}")
        try:
            seen[i] = scrape(port)
        except OSError:
            pass
    total = sum(s["done"] for s in seen)
    if first is None and total > 0:
        first = time.time()
    if v2_drained(seen, n):
        done_at = time.time()
        break
    time.sleep(0.2)
counts = [s["done"] for s in seen]
if done_at is None:
    for p in procs:
        p.kill()
    raise SystemExit(f"k={k}: only {sum(counts):.0f} of {n} records after the timeout")

cpu = [proc_cpu(p.pid) for p in procs]
waits = [runqueue_wait_s(p.pid) for p in procs]
rss = [hwm_mib(p.pid) for p in procs]
bcpu = sum(proc_cpu(p) - b0[p] for p in brokers if os.path.exists(f"/proc/{p}"))
m1 = machine_busy()
for p in procs:
    p.send_signal(signal.SIGTERM)
for p in procs:
    try:
        p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
for i in range(1, k + 1):  # ~40 MB per instance; the logs stay
    shutil.rmtree(os.path.join(d, "state", f"{group}-{i}"), ignore_errors=True)
drain = done_at - first
print(json.dumps({
    "k": k, "group": group, "n": n, "processed": int(sum(counts)),
    "per_instance_records": [int(c) for c in counts],
    "wall_s": round(done_at - t0, 2), "drain_s": round(drain, 2),
    "startup_s": round(first - t0, 2), "rate": round(n / drain),
    "cpu_s": [round(c, 2) for c in cpu], "cpu_pct": [round(100 * c / (done_at - t0)) for c in cpu],
    "rss_mib": [round(r) for r in rss], "broker_cpu_s": round(bcpu, 1),
    "transactions": [int(sum(s["transactions"].values())) for s in seen],
    "runqueue_s": [round(w, 2) for w in waits],
    "commit_s": [round(sum(s["commit_s"].values()), 2) for s in seen],
    "machine_busy_pct": round(200 * (m1[0] - m0[0]) / max(1, m1[1] - m0[1])),
}))
PY
}

# Interleaved repetitions (1 2 3 1 2 3 ...): on a shared machine the background load drifts,
# and interleaving spreads the drift over every k alike.
RESULTS=()
for ((rep = 1; rep <= REPS; rep++)); do
  for k in $KS; do
    log "k=$k (repetition $rep/$REPS): fresh group, fresh state, fresh cw.contributions.v1, $k instance(s)"
    FRESH_TOPICS_CMD="$ROOT/scripts/kafka-cluster.sh topics" fresh_topics "$BOOT" cw.contributions.v1
    line="$(run_k "$k")" || die "run with k=$k failed"
    log "k=$k: $line"
    RESULTS+=("$line")
  done
done

# ---------------------------------------------------------------- 3. table
LOAD="$(cut -d' ' -f1-3 /proc/loadavg)"
{
  echo "cw-aggregator scale-out on a 3-broker KRaft cluster (RF 3, min ISR 2)   $(date -u '+%F %T') UTC"
  echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); load average before the table: $LOAD"
  echo "data: gen-sample --scale=$SCALE, N=$N report messages in cw.reports.v1 ($PARTS partitions: $PER_PART), pushed through cw-ingest in $PUSH_S s"
  echo "largest partition: $LARGEST messages, so no number of instances can drain faster than $(awk -v n="$N" -v l="$LARGEST" 'BEGIN {printf "%.2f", n / l}') x one instance (reports are keyed by park: 11 parks here)"
  echo "rate = N / (time from the first record applied to the last); wall = from launch (includes RocksDB open and the group join)"
  echo
  printf '%s\n' "${RESULTS[@]}" >"$DIR/results.jsonl"
  /usr/bin/python3 - "$DIR/results.jsonl" <<'PY'
import json, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
rows = []
for k in sorted({r["k"] for r in runs}):
    mine = sorted((r for r in runs if r["k"] == k), key=lambda r: r["rate"])
    median = dict(mine[len(mine) // 2])
    median["range"] = "%d-%d" % (mine[0]["rate"], mine[-1]["rate"])
    median["twice"] = sum(r["processed"] - r["n"] for r in mine)
    median["reps"] = len(mine)
    rows.append(median)
base = rows[0]["rate"] if rows else 1
head = ("k", "reports/s", "min-max", "speed-up", "wall s", "drain s", "records per instance",
        "largest", "CPU s per instance", "CPU %", "commit s", "run-queue s", "peak RSS MiB",
        "brokers CPU s", "busy")
fmt = ("{:>2} {:>9} {:>11} {:>8} {:>6} {:>7} {:>20} {:>7} {:>18} {:>9} {:>15} {:>15} {:>12}"
       " {:>13} {:>5}")
print(fmt.format(*head))
for r in rows:
    print(fmt.format(
        r["k"], r["rate"], r["range"], "%.2f" % (r["rate"] / base), r["wall_s"], r["drain_s"],
        "/".join(str(x) for x in r["per_instance_records"]),
        "%d%%" % round(100 * max(r["per_instance_records"]) / r["n"]),
        "/".join("%.1f" % x for x in r["cpu_s"]),
        "/".join(str(x) for x in r["cpu_pct"]),
        "/".join("%.1f" % x for x in r.get("commit_s", r.get("in_batch_s", []))),
        "/".join("%.1f" % x for x in r["runqueue_s"]),
        "/".join(str(x) for x in r["rss_mib"]),
        r["broker_cpu_s"], "%d%%" % r["machine_busy_pct"]))
print()
print("largest = the busiest instance's share of N (its partitions); CPU % = CPU s / wall s;")
print("commit s = cw_aggregator_commit_seconds_sum over both stages (Kafka transaction commit,")
print("then the RocksDB write); run-queue s = time the instance's threads were runnable but had no CPU")
print("(/proc/<pid>/task/*/schedstat); busy = whole machine over the run, 200% = both cores.")
print("Median of %d runs per k (min-max: all runs)." % rows[0]["reps"] if rows else "")
for r in rows:
    if r["twice"]:
        print("k=%d: %d records were processed twice over its runs (a partition moved while the "
              "group formed and its new owner replayed it from the start)" % (r["k"], r["twice"]))
PY
} | tee "$OUT"
log "written to $OUT"
