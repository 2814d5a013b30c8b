#!/usr/bin/env bash
# national.sh — a year of national-scale data (bench/national: 2,543 parks, 483,000 above-size
# enterprises, ~10.7 M output and tax reports) through cw-aggregator on this machine, measured,
# and every park-period's final snapshot checked against independently computed totals.
#
#   1. its own single-node broker (scripts/kafka.sh, CW_KAFKA_DIR under CW_NATIONAL_DIR, ports
#      CW_NATIONAL_PORT and +1), wiped first; topics with CW_NATIONAL_PARTITIONS partitions
#      (default 12, deploy/k8s/kafka/topics.yaml's production count);
#   2. `national_load --mode=produce` fills cw.reports.v1 straight through librdkafka with
#      cw-ingest's key and producer settings, and writes the expected totals per park|period
#      from the generator's final month figures (plain sums, not the aggregator's derivation);
#      N = the sum of the partitions' end offsets;
#   3. for each k in CW_NATIONAL_INSTANCES (default "1 2"): k cw-aggregator v2 processes
#      (default flags: both stages in each, one consumer group per stage, fresh groups and
#      fresh state directories; cw.contributions.v1 and cw.park-metrics.v1 deleted and created
#      again before every k but the first) drain the topic; /metrics is polled every 0.5 s
#      until, summed over the instances, cw_aggregator_records_total (all outcomes) reaches N,
#      cw_aggregator_contributions_total (all outcomes) reaches
#      cw_aggregator_contributions_produced_total, and on every instance the consumer lag of
#      both topics and cw_aggregator_open_transaction_messages of both stages are 0 (all of it
#      committed, snapshots included); per instance: CPU seconds
#      (utime+stime, /proc/<pid>/stat), peak RSS (VmHWM), state directory size; the broker's
#      CPU and the machine's busy share over the same window; the load average;
#   4. after each k: `national_load --mode=verify` reads cw.park-metrics.v1 to its end and
#      compares the last snapshot of every park|period with the expected totals (month and
#      year-to-date gross output and total tax, output and tax reporters). Any difference,
#      missing or unexpected park-period fails the script and no results file is written;
#   5. writes bench/results/national-<UTC date-time>.md.
#
# Usage: bench/national.sh
# Env:
#   CW_BUILD_DIR            build with cw-aggregator and bench/national_load (default <repo>/build)
#   CW_BUILD_COMMIT         what that build is of, for the results file (default: this tree's HEAD)
#   CW_NATIONAL_SCALE       fraction of the national counts (default 1; e.g. 0.25)
#   CW_NATIONAL_YEARS       years of reports (default 1)
#   CW_NATIONAL_SEED        generator seed (default 2543)
#   CW_NATIONAL_INSTANCES   aggregator instance counts to run (default "1 2")
#   CW_NATIONAL_PARTITIONS  partitions of the reports and park-metrics topics (default 12)
#   CW_NATIONAL_DIR         scratch: broker data, state, logs (default /tmp/cw-national)
#   CW_NATIONAL_PORT        broker port; +1 controller, +2.. the aggregators' /metrics
#                           (default 59592)
#   CW_NATIONAL_TIMEOUT     seconds allowed per drain (default 3600)
#   CW_NATIONAL_STALL       fail a drain that makes no progress for this long (default 300)
#   CW_NATIONAL_KEEP=1      leave the broker and its data afterwards (otherwise wiped)
# Needs: kcat, java and maven (for scripts/kafka.sh), python3. Disk: about 0.2 GB of broker
# data and 0.3 GB of aggregator state per million reports (checked with df before starting).
set -euo pipefail
me="bench/national.sh"
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SCALE="${CW_NATIONAL_SCALE:-1}"
YEARS="${CW_NATIONAL_YEARS:-1}"
SEED="${CW_NATIONAL_SEED:-2543}"
KS="${CW_NATIONAL_INSTANCES:-1 2}"
PARTITIONS="${CW_NATIONAL_PARTITIONS:-12}"
DIR="${CW_NATIONAL_DIR:-/tmp/cw-national}"
PORT="${CW_NATIONAL_PORT:-59592}"
TIMEOUT="${CW_NATIONAL_TIMEOUT:-3600}"
STALL="${CW_NATIONAL_STALL:-300}"
STAMP="$(date -u +%Y-%m-%d-%H%M)"
OUT="$ROOT/bench/results/national-$STAMP.md"
export CW_KAFKA_DIR="$DIR/kafka" CW_KAFKA_PORT="$PORT" CW_KAFKA_CONTROLLER_PORT="$((PORT + 1))"
export CW_PARTITIONS="$PARTITIONS"
BOOT="127.0.0.1:$PORT"
KAFKA="$ROOT/scripts/kafka.sh"

for b in aggregator/cw-aggregator bench/national_load; do
  [ -x "$BUILD/$b" ] || die "$BUILD/$b missing; build it (cmake --build $BUILD --target ${b##*/})"
done
for t in kcat python3; do command -v "$t" >/dev/null || die "$t not found; run scripts/setup.sh"; done
case "$DIR" in ""|"/"|"$HOME"|"$ROOT") die "refusing CW_NATIONAL_DIR=$DIR" ;; esac

cleanup() {
  if [ "${CW_NATIONAL_KEEP:-0}" = 1 ]; then
    log "broker left running (CW_KAFKA_DIR=$CW_KAFKA_DIR CW_KAFKA_PORT=$PORT $KAFKA stop)"
  else
    "$KAFKA" wipe >/dev/null 2>&1 || true
    rm -rf "${DIR:?}/state" "${DIR:?}/bin"
  fi
}
trap cleanup EXIT

# ---------------------------------------------------------------- 0. disk
MILLIONS="$(python3 -c "print(max(1, round(10.7 * float('$SCALE') * int('$YEARS'))))")"
NEED_GB=$((MILLIONS * 6 / 10 + 2))   # broker ~0.2 GB + one state ~0.3 GB per million, margin
mkdir -p "$DIR"
AVAIL_GB="$(df -P -BG "$DIR" | awk 'NR == 2 {sub("G", "", $4); print $4}')"
log "disk: ${AVAIL_GB} GB free under $DIR; this run needs about ${NEED_GB} GB (~${MILLIONS} M reports)"
[ "$AVAIL_GB" -ge "$NEED_GB" ] || die "not enough disk; lower CW_NATIONAL_SCALE"

# ---------------------------------------------------------------- 1. broker
log "fresh broker at $BOOT (data in $CW_KAFKA_DIR), $PARTITIONS partitions"
"$KAFKA" wipe >/dev/null 2>&1 || true
rm -rf "${DIR:?}"/{state,logs,bin}
mkdir -p "$DIR/logs" "$DIR/state" "$DIR/bin"
# The ports lie in Linux's ephemeral range, so an outgoing connection may hold one for a
# moment: try five times.
for attempt in 1 2 3 4 5; do
  if "$KAFKA" start >/dev/null 2>"$DIR/logs/kafka-start.log"; then break; fi
  [ "$attempt" -lt 5 ] || { tail -n 20 "$DIR/logs/kafka-start.log" >&2; die "broker start failed"; }
  log "broker start failed (attempt $attempt; port $PORT busy?); retrying in 10 s"
  "$KAFKA" stop >/dev/null 2>&1 || true
  sleep 10
done
"$KAFKA" topics >"$DIR/logs/topics.log" 2>&1 || { cat "$DIR/logs/topics.log" >&2; die "topics failed"; }
BROKER_PID="$(cat "$CW_KAFKA_DIR/kafka.pid")"

# A snapshot of the binaries: a rebuild during the run must not swap them mid-way.
cp "$BUILD/aggregator/cw-aggregator" "$BUILD/bench/national_load" "$DIR/bin/"
BIN="$DIR/bin"
AGG_COMMIT="${CW_BUILD_COMMIT:-$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)}"

# ---------------------------------------------------------------- 2. fill the topic
log "national_load --mode=produce --scale=$SCALE --years=$YEARS --seed=$SEED"
"$BIN/national_load" --mode=produce --brokers="$BOOT" --scale="$SCALE" --years="$YEARS" \
  --seed="$SEED" --expected="$DIR/expected.tsv" | tee "$DIR/logs/produce.log" >&2 \
  || die "produce failed (log: $DIR/logs/produce.log)"
PRODUCE_LINE="$(grep '^RESULT produce' "$DIR/logs/produce.log")"
REGISTRY_LINE="$(grep '^registry:' "$DIR/logs/produce.log")"
Q=()
for ((p = 0; p < PARTITIONS; p++)); do Q+=(-t "cw.reports.v1:$p:-1"); done
PER_PART="$(kcat -b "$BOOT" -Q "${Q[@]}" | sed -n 's/^cw.reports.v1 \[\([0-9]*\)\] offset \([0-9]*\)$/\1:\2/p' | sort -n | paste -sd' ')"
N=0; LARGEST=0
for pc in $PER_PART; do
  N=$((N + ${pc#*:}))
  [ "${pc#*:}" -le "$LARGEST" ] || LARGEST="${pc#*:}"
done
[ "$N" -gt 0 ] || die "the reports topic is empty"
KAFKA_BYTES="$(( $(du -sk "$CW_KAFKA_DIR/data" | cut -f1) * 1024 ))"  # on disk, not apparent size
log "N=$N report messages in cw.reports.v1; broker data $((KAFKA_BYTES / 1048576)) MiB; per partition: $PER_PART"

# ---------------------------------------------------------------- 3./4. drain, verify
run_k() {  # K -> one JSON line on stdout
  CW_K="$1" CW_N="$N" CW_BOOT="$BOOT" CW_DIR="$DIR" CW_PORT="$PORT" CW_BIN="$BIN/cw-aggregator" \
  CW_TIMEOUT="$TIMEOUT" CW_STALL="$STALL" CW_BROKER_PID="$BROKER_PID" /usr/bin/python3 - <<'PY'
import json, os, re, signal, subprocess, sys, time, urllib.request

k, n = int(os.environ["CW_K"]), int(os.environ["CW_N"])
boot, d, port0 = os.environ["CW_BOOT"], os.environ["CW_DIR"], int(os.environ["CW_PORT"])
broker = int(os.environ["CW_BROKER_PID"])
from bench_util import proc_cpu, hwm_mib, machine_busy, v2_state, v2_drained  # noqa: E402 (bench/ is on PYTHONPATH)
group = f"national-{k}-{int(time.time())}"

def du(path):
    """Bytes on disk under path."""
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += os.stat(os.path.join(root, name)).st_blocks * 512
            except OSError:
                pass
    return total

def scrape(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        text = r.read().decode()
    return v2_state(text)

b0 = proc_cpu(broker)
m0 = machine_busy()
procs, ports, states = [], [], []
t0 = time.time()
for i in range(1, k + 1):
    port = port0 + 1 + i
    state = os.path.join(d, "state", f"{group}-{i}")
    log = open(os.path.join(d, "logs", f"{group}-{i}.log"), "wb")
    procs.append(subprocess.Popen(
        [os.environ["CW_BIN"], f"--brokers={boot}", f"--group={group}",
         f"--instance_id={group}-{i}", f"--state_dir={state}",
         f"--metrics_address=127.0.0.1:{port}"], stdout=log, stderr=subprocess.STDOUT))
    ports.append(port)
    states.append(state)

seen = [v2_state("") for _ in range(k)]
first = done_at = settled_at = None
peak_state = [0] * k
progress = []
deadline = t0 + float(os.environ["CW_TIMEOUT"])
last_snap, last_change, last_progress = None, None, 0.0
stall_s = float(os.environ["CW_STALL"])
last_total, last_moved = -1.0, time.time()
while time.time() < deadline:
    for i, port in enumerate(ports):
        if procs[i].poll() is not None:
            raise SystemExit(f"aggregator {i + 1} exited with {procs[i].returncode}")
        try:
            seen[i] = scrape(port)
        except OSError:
            pass
    now = time.time()
    total = sum(s["done"] for s in seen)
    if first is None and total > 0:
        first = now
    if total != last_total:
        last_total, last_moved = total, now
    elif done_at is None and now - last_moved > stall_s:
        for p in procs:
            p.kill()
        raise SystemExit(f"k={k}: stalled for {stall_s:.0f} s at {int(total)} of {n} records; "
                         f"per instance done/lag: {[(int(x['done']), x['lag']) for x in seen]}")
    if now - last_progress >= 30:
        last_progress = now
        peak_state = [max(p, du(s)) for p, s in zip(peak_state, states)]
        progress.append([round(now - t0), int(total)])
        print(f"  k={k} t={now - t0:.0f}s {int(total)}/{n} records", file=sys.stderr, flush=True)
    # Everything consumed and committed, snapshots included (no coalescing left to wait for).
    if v2_drained(seen, n):
        done_at = settled_at = now
        break
    time.sleep(0.5)
if settled_at is None:
    for p in procs:
        p.kill()
    raise SystemExit(f"k={k}: only {sum(s['done'] for s in seen):.0f} of {n} records after the timeout")

cpu = [proc_cpu(p.pid) for p in procs]
rss = [hwm_mib(p.pid) for p in procs]
bcpu = proc_cpu(broker) - b0
m1 = machine_busy()
load = open("/proc/loadavg").read().split()[:3]
state_bytes = [du(s) for s in states]
peak_state = [max(p, s) for p, s in zip(peak_state, state_bytes)]
for p in procs:
    p.send_signal(signal.SIGTERM)
for p in procs:
    try:
        p.wait(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
drain = done_at - first
outcomes = {}
for s in seen:
    for key, v in s["outcomes"].items():
        outcomes[key] = outcomes.get(key, 0) + int(v)
print(json.dumps({
    "k": k, "group": group, "n": n, "processed": int(sum(s["done"] for s in seen)),
    "per_instance_records": [int(s["done"]) for s in seen],
    "wall_s": round(done_at - t0, 1), "drain_s": round(drain, 1),
    "startup_s": round(first - t0, 1), "settle_s": round(settled_at - done_at, 1),
    "rate": round(n / drain), "cpu_s": [round(c, 1) for c in cpu],
    "cpu_us_per_report": round(1e6 * sum(cpu) / n, 1),
    "rss_mib": [round(r) for r in rss], "state_mib": [round(b / 1048576) for b in state_bytes],
    "peak_state_mib": [round(b / 1048576) for b in peak_state],
    "broker_cpu_s": round(bcpu, 1), "snapshots": int(sum(s["snapshots"] for s in seen)),
    "transactions": [{st: int(c) for st, c in s["transactions"].items()} for s in seen],
    "commit_s": [round(sum(s["commit_s"].values()), 1) for s in seen],
    "contributions": int(sum(s["contributions_produced"] or 0 for s in seen)),
    "outcomes": outcomes,
    "machine_busy_pct": round(200 * (m1[0] - m0[0]) / max(1, m1[1] - m0[1])),
    "load_avg": load, "progress": progress,
}))
PY
}

RESULTS=()
VERIFY=()
FIRST_K=1
for k in $KS; do
  if [ "$FIRST_K" = 0 ]; then
    log "k=$k: fresh cw.contributions.v1 and cw.park-metrics.v1 (the last run's are not this one's)"
    fresh_topics "$BOOT" cw.contributions.v1 cw.park-metrics.v1
  fi
  FIRST_K=0
  log "k=$k: fresh group, fresh state, $k aggregator instance(s), draining N=$N"
  line="$(run_k "$k")" || die "run with k=$k failed"
  log "k=$k: $line"
  RESULTS+=("$line")
  log "k=$k: verifying every park|period's last snapshot against $DIR/expected.tsv"
  "$BIN/national_load" --mode=verify --brokers="$BOOT" --expected="$DIR/expected.tsv" \
    >"$DIR/logs/verify-$k.log" 2>&1 || { cat "$DIR/logs/verify-$k.log" >&2; die "k=$k: snapshots differ from the expected totals; no results file written"; }
  cat "$DIR/logs/verify-$k.log" >&2
  VERIFY+=("k=$k: $(grep '^verify:' "$DIR/logs/verify-$k.log")")
  rm -rf "${DIR:?}/state"/*
done

# ---------------------------------------------------------------- 5. report
printf '%s\n' "${RESULTS[@]}" >"$DIR/results.jsonl"
printf '%s\n' "${VERIFY[@]}" >"$DIR/verify.txt"
CW_SCALE="$SCALE" CW_YEARS="$YEARS" CW_SEED="$SEED" CW_N="$N" CW_PER_PART="$PER_PART" \
CW_LARGEST="$LARGEST" CW_PRODUCE="$PRODUCE_LINE" CW_REGISTRY="$REGISTRY_LINE" \
CW_KAFKA_BYTES="$KAFKA_BYTES" CW_PARTITIONS="$PARTITIONS" CW_COMMIT="$AGG_COMMIT" \
python3 - "$DIR/results.jsonl" "$DIR/verify.txt" >"$OUT" <<'PY'
import json, os, sys, datetime, platform
runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
verify = [l.strip() for l in open(sys.argv[2]) if l.strip()]
e = os.environ
prod = dict(kv.split("=") for kv in e["CW_PRODUCE"].split()[2:])
n = int(e["CW_N"])
scale = float(e["CW_SCALE"])
mem = [l for l in open("/proc/meminfo") if l.startswith("MemTotal")][0].split()[1]
print(f"# National-scale run, {datetime.datetime.utcnow():%Y-%m-%d %H:%M} UTC\n")
print(f"Written by `bench/national.sh` (commit {e['CW_COMMIT']}). Machine: {os.cpu_count()} cores, "
      f"{int(mem) / 1048576:.1f} GiB; {platform.release()}.\n")
print("## Data\n")
print(f"- {e['CW_REGISTRY'].replace('registry: ', '')}")
print(f"- scale {e['CW_SCALE']}, {e['CW_YEARS']} year(s), seed {e['CW_SEED']}: "
      f"**N = {n:,} report messages** in cw.reports.v1 ({e['CW_PARTITIONS']} partitions; "
      f"largest partition {int(e['CW_LARGEST']):,}); broker data {int(e['CW_KAFKA_BYTES']) / 2**20:,.0f} MiB")
print(f"- produced by `national_load` (cw-ingest's producer settings) in {float(prod['seconds']):.1f} s: "
      f"**{float(prod['rate']):,.0f} messages/s**, {float(prod['cpu_s']):.1f} CPU s "
      f"({1e6 * float(prod['cpu_s']) / int(prod['messages']):.2f} µs/message), "
      f"{int(prod['bytes']) / int(prod['messages']):.0f} B per envelope\n")
print("## cw-aggregator drain (default flags, fresh group and state per run)\n")
print("| instances | reports/s | drain s | wall s | CPU s per instance | CPU µs/report | peak RSS MiB | state MiB (end / peak) | transactions enterprise / park (per instance) | commit s | broker CPU s | machine busy | load avg after | applied / dup / stale / poison | contributions | snapshots |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for r in runs:
    o = r["outcomes"]
    print(f"| {r['k']} | **{r['rate']:,}** | {r['drain_s']} | {r['wall_s']} | "
          f"{' / '.join(str(c) for c in r['cpu_s'])} | {r['cpu_us_per_report']} | "
          f"{' / '.join(str(x) for x in r['rss_mib'])} | "
          f"{' / '.join(f'{a} / {b}' for a, b in zip(r['state_mib'], r['peak_state_mib']))} | "
          f"{'; '.join(str(t.get('enterprise', 0)) + ' / ' + str(t.get('park', 0)) for t in r['transactions'])} | "
          f"{' / '.join(str(x) for x in r['commit_s'])} | {r['broker_cpu_s']} | "
          f"{r['machine_busy_pct']} % | {' '.join(r['load_avg'])} | "
          f"{o.get('applied', 0):,} / {o.get('duplicate', 0):,} / {o.get('stale', 0):,} / {o.get('poison', 0):,} | {r['contributions']:,} | {r['snapshots']:,} |")
print()
print("reports/s = N / (first record applied → drained: both stages done and committed); wall = from launch (RocksDB open, group join); "
      "CPU = utime+stime of each aggregator (/proc, both stages); state = the RocksDB directory; "
      "transactions = committed Kafka transactions per stage; commit s = cw_aggregator_commit_seconds_sum; "
      "machine busy: 200 % = both cores.\n")
one = next((r for r in runs if r["k"] == 1), runs[0])
year = n / max(1, int(e["CW_YEARS"])) / scale
print("## A year of national data in under a minute?\n")
print(f"- a national year here is {year:,.0f} reports (N / scale / years)")
print(f"- measured with one instance: {one['drain_s']} s for {n:,} reports → "
      f"**{year / one['rate']:.0f} s for a national year at this rate** "
      f"({'met' if year / one['rate'] < 60 else 'not met'}; "
      f"{'measured' if scale == 1.0 else 'extrapolated linearly from scale ' + e['CW_SCALE']})")
print(f"- the target needs {year / 60:,.0f} reports/s; one instance reached {one['rate']:,} "
      f"({one['cpu_us_per_report']} CPU µs per report, i.e. {1e6 / one['cpu_us_per_report']:,.0f} per CPU-second)\n")
print("## Correctness\n")
print("Every park|period's last snapshot on cw.park-metrics.v1 compared with the expected totals "
      "(month and year-to-date gross output and total tax, output and tax reporters), computed by "
      "`national_load` from the generator's final month figures (not from the reports):\n")
for v in verify:
    print(f"- {v}")
print("\nProgress (seconds since launch, records done):\n")
for r in runs:
    print(f"- k={r['k']}: " + ", ".join(f"{t}s {c:,}" for t, c in r["progress"]))
PY
log "written to $OUT"
cat "$OUT" >&2
