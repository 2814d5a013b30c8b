#!/usr/bin/env bash
# recovery.sh — how long each process takes to recover, and how much it replays, with the
# state a large data set leaves behind. Nothing here asserts on time.
#
#   1. its own single-node broker (scripts/kafka.sh; data in $DIR/kafka, ports BASE/BASE+1,
#      wiped first) with the clusterwatch topics;
#   2. data: `clusterctl gen-sample --scale=S` (default 40: ~300 k reports, parks of up to
#      ~6,800 enterprises); the first year is pushed through cw-ingest, the second year is
#      pushed later, while the aggregator is working (step 4). With CW_RECOVERY_NATIONAL=F
#      the data is national-shaped instead (bench/national, scale F: e.g. 0.25 = 635 parks,
#      120,750 enterprises, 2.7 M reports a year), produced straight to the reports topic
#      by bench/national_load, year 2024 first and 2025 during step 4 (no registry);
#   3. cw-aggregator drains the first year (fresh state): drain time, CPU, state size;
#   4. the second year is pushed; when the aggregator has processed half of the new messages
#      it is SIGKILLed and restarted on the same state. Measured: time from the restart to
#      its /metrics listening, to its first committed batch, and to lag 0; the offsets it
#      resumed from (its log: "assigned ... from offset X") against the messages it had
#      counted before the kill — the difference is the work lost with the batch in flight
#      and done again (replayed); and the messages the new process consumed;
#   5. the aggregator, drained and idle, is SIGKILLed again and restarted: time to lag 0
#      with nothing to replay (RocksDB open + group join with static membership);
#   6. a query replica starts from an empty state directory and rebuilds from the
#      park-metrics and registry topics: time until gRPC health says SERVING (cw-query is
#      NOT_SERVING until caught up) and records materialised; then it is SIGKILLed and
#      restarted on its state: time to SERVING again;
#   7. a markdown table, printed and written to bench/results/recovery-<UTC>.md.
# Runs under nice -n 5 (the machine is shared). About 3-5 minutes on 2 cores at scale 40.
#
# Usage: bench/recovery.sh
# Env:
#   CW_BUILD_DIR            build with cw-ingest, cw-aggregator, cw-query, clusterctl
#                           (default <repo>/build)
#   CW_RECOVERY_DIR         scratch: broker, sample, state, logs (default /tmp/cw-recovery-bench)
#   CW_RECOVERY_PORT_BASE   broker BASE, controller BASE+1, ingest BASE+2, query BASE+3,
#                           metrics BASE+4..BASE+6                 (default 59692)
#   CW_RECOVERY_SCALE       gen-sample --scale                      (default 40)
#   CW_RECOVERY_NATIONAL    national-scale data at this fraction instead (e.g. 0.25)
#   CW_RECOVERY_KEEP=1      leave the broker running afterwards
set -euo pipefail
me="bench/recovery.sh"
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_nice "$@"

DIR="${CW_RECOVERY_DIR:-/tmp/cw-recovery-bench}"
BASE="${CW_RECOVERY_PORT_BASE:-59692}"
SCALE="${CW_RECOVERY_SCALE:-40}"
NATIONAL="${CW_RECOVERY_NATIONAL:-}"
export CW_KAFKA_DIR="$DIR/kafka" CW_KAFKA_PORT="$BASE" CW_KAFKA_CONTROLLER_PORT="$((BASE + 1))"
KAFKA="$ROOT/scripts/kafka.sh"
STAMP="$(date -u +%Y-%m-%d-%H%M)"
OUT="$ROOT/bench/results/recovery-$STAMP.md"

for b in ingest/cw-ingest aggregator/cw-aggregator query/cw-query cli/clusterctl; do
  [ -x "$BUILD/$b" ] || die "$BUILD/$b missing; build it (scripts/build.sh)"
done
/usr/bin/python3 -c 'import grpc' 2>/dev/null || die "python3-grpcio missing; run scripts/setup.sh"
command -v kcat >/dev/null || die "kcat not found; run scripts/setup.sh"
case "$DIR" in ""|"/"|"$HOME"|"$ROOT") die "refusing CW_RECOVERY_DIR=$DIR" ;; esac

cleanup() {
  pkill -TERM -f -- "--metrics_address=127.0.0.1:$((BASE + 4))" 2>/dev/null || true
  pkill -TERM -f -- "--metrics_address=127.0.0.1:$((BASE + 5))" 2>/dev/null || true
  pkill -TERM -f -- "--metrics_address=127.0.0.1:$((BASE + 6))" 2>/dev/null || true
  if [ "${CW_RECOVERY_KEEP:-0}" = 1 ]; then
    log "broker left running (CW_KAFKA_DIR=$CW_KAFKA_DIR; $KAFKA stop)"
  else
    "$KAFKA" wipe >/dev/null 2>&1 || true
    rm -rf "${DIR:?}/state" "${DIR:?}/bin" "${DIR:?}/sample"
  fi
}
trap cleanup EXIT

log "fresh broker in $CW_KAFKA_DIR (ports $BASE/$((BASE + 1)))"
"$KAFKA" wipe >/dev/null 2>&1 || true
rm -rf "${DIR:?}/sample" "${DIR:?}/state" "${DIR:?}/bin"
mkdir -p "$DIR/logs" "$DIR/state" "$DIR/bin"
BOOT="$("$KAFKA" start 2>"$DIR/logs/kafka-start.log")" || { cat "$DIR/logs/kafka-start.log" >&2; die "broker start failed"; }
"$KAFKA" topics >"$DIR/logs/topics.log" 2>&1 || { cat "$DIR/logs/topics.log" >&2; die "topics failed"; }
# A snapshot of the binaries: a rebuild during the run must not swap them mid-way.
for b in ingest/cw-ingest aggregator/cw-aggregator query/cw-query cli/clusterctl; do
  cp "$BUILD/$b" "$DIR/bin/"
done
if [ -n "$NATIONAL" ]; then
  [ -x "$BUILD/bench/national_load" ] || die "$BUILD/bench/national_load missing; build it"
  cp "$BUILD/bench/national_load" "$DIR/bin/"
else
  log "gen-sample --scale=$SCALE"
  "$DIR/bin/clusterctl" gen-sample --out="$DIR/sample" --scale="$SCALE" >/dev/null
fi

CW_BOOT="$BOOT" CW_DIR="$DIR" CW_BASE="$BASE" CW_SCALE="$SCALE" CW_NATIONAL="$NATIONAL" \
CW_OUT="$OUT" CW_KAFKA_PID="$(cat "$CW_KAFKA_DIR/kafka.pid")" /usr/bin/python3 - <<'PY'
import glob, json, os, re, signal, subprocess, time, urllib.request

boot, d, base = os.environ["CW_BOOT"], os.environ["CW_DIR"], int(os.environ["CW_BASE"])
binp = os.path.join(d, "bin")
ingest_addr, query_addr = f"127.0.0.1:{base + 2}", f"127.0.0.1:{base + 3}"
m_ingest, m_agg, m_query = base + 4, base + 5, base + 6
security = ["--plaintext", "--allow_unauthenticated", "--rate_limit_rps=0"]
from bench_util import proc_cpu, hwm_mib, du_mib, v2_state, v2_drained  # noqa: E402 (bench/ is on PYTHONPATH)
logs = os.path.join(d, "logs")
rows = []

def note(*a):
    print(f"[bench/recovery.sh] {time.strftime('%H:%M:%S', time.gmtime())}", *a, flush=True)

def scrape(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as r:
            text = r.read().decode()
    except OSError:
        return None
    # cw-aggregator v2 (two stages in Kafka transactions): bench_util.v2_state; lag = the
    # reports topic's; committed = the enterprise stage's committed transactions; drained =
    # both lags 0, no open transaction, every contribution produced consumed (v2_drained).
    st = v2_state(text)
    out = {"processed": int(st["done"]), "lag": st["lag"].get("reports"),
           "committed": int(st["transactions"].get("enterprise", 0)),
           "drained": v2_drained([st], 0), "materialized": 0}
    for line in text.splitlines():
        if line.startswith("cw_query_materialized_records "):
            out["materialized"] = int(float(line.rsplit(" ", 1)[1]))
    return out

def wait_for(pred, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    raise SystemExit(f"timed out waiting for {what}")

def end_offsets(topic):
    meta = subprocess.run(["kcat", "-b", boot, "-L", "-t", topic], capture_output=True,
                          text=True, check=True).stdout
    parts = len(re.findall(r"^\s*partition \d+", meta, re.M))
    q = []
    for p in range(parts):
        q += ["-t", f"{topic}:{p}:-1"]
    out = subprocess.run(["kcat", "-b", boot, "-Q", *q], capture_output=True, text=True,
                         check=True).stdout
    return {int(p): int(o) for p, o in re.findall(rf"^{re.escape(topic)} \[(\d+)\] offset (\d+)$", out, re.M)}

def push(files):
    r = subprocess.run([os.path.join(binp, "clusterctl"), "push", f"--ingest={ingest_addr}",
                        "--retries=50", *files], capture_output=True, text=True)
    return sum(int(x) for x in re.findall(r": (\d+) accepted,", r.stdout + r.stderr))

def start_aggregator(tag):
    logf = open(os.path.join(logs, f"aggregator-{tag}.log"), "wb")
    return subprocess.Popen(
        [os.path.join(binp, "cw-aggregator"), f"--brokers={boot}", "--group=recovery",
         "--instance_id=recovery-1", f"--state_dir={os.path.join(d, 'state', 'aggregator')}",
         f"--metrics_address=127.0.0.1:{m_agg}"], stdout=logf, stderr=subprocess.STDOUT), logf.name

def start_query(tag):
    logf = open(os.path.join(logs, f"query-{tag}.log"), "wb")
    return subprocess.Popen(
        [os.path.join(binp, "cw-query"), f"--brokers={boot}", f"--listen={query_addr}",
         f"--state_dir={os.path.join(d, 'state', 'query')}", f"--metrics_address=127.0.0.1:{m_query}",
         f"--audit_log={os.path.join(logs, 'audit-query.jsonl')}", *security],
        stdout=logf, stderr=subprocess.STDOUT), logf.name

def serving():
    # grpc.health.v1.Health/Check with an empty request; SERVING is field 1 = 1 (b"\x08\x01").
    import grpc
    try:
        with grpc.insecure_channel(query_addr) as ch:
            return ch.unary_unary("/grpc.health.v1.Health/Check")(b"", timeout=2) == b"\x08\x01"
    except grpc.RpcError:
        return False

def resumed_offsets(logname):
    with open(logname, errors="replace") as f:
        # The reports topic's only: the park stage logs its contributions partitions alike.
        return {int(p): int(o) for p, o in
                re.findall(r"assigned cw\.reports\.v1/(\d+) from offset (\d+)", f.read())}

# ---- ingest and the first year
ingest = subprocess.Popen(
    [os.path.join(binp, "cw-ingest"), f"--brokers={boot}", f"--listen={ingest_addr}",
     f"--metrics_address=127.0.0.1:{m_ingest}", f"--audit_log={os.path.join(logs, 'audit-ingest.jsonl')}",
     *security], stdout=open(os.path.join(logs, "ingest.log"), "wb"), stderr=subprocess.STDOUT)
def listening(port):
    import socket
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0

wait_for(lambda: listening(base + 2), 60, "cw-ingest")
national = os.environ["CW_NATIONAL"]

def produce_national(year):
    return subprocess.Popen(
        [os.path.join(binp, "national_load"), "--mode=produce", f"--brokers={boot}",
         f"--scale={national}", f"--first_year={year}", "--years=1",
         f"--expected={os.path.join(d, f'expected-{year}.tsv')}"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

if national:
    years = ["2024", "2025"]
    out = produce_national(2024).communicate()[0]
    accepted1 = sum(end_offsets("cw.reports.v1").values())
    if accepted1 == 0:
        raise SystemExit(f"national_load produced nothing: {out}")
else:
    reg = subprocess.run([os.path.join(binp, "clusterctl"), "registry", f"--ingest={ingest_addr}",
                          os.path.join(d, "sample/registry/parks.csv"),
                          os.path.join(d, "sample/registry/enterprises.csv")],
                         capture_output=True, text=True)
    if reg.returncode != 0:
        raise SystemExit(f"clusterctl registry failed: {reg.stdout}{reg.stderr}")
    reports = sorted(glob.glob(os.path.join(d, "sample/reports/*.csv")))
    years = sorted({m.group(1) for f in reports
                    for m in [re.search(r"-(\d{4})-(output|tax)\.csv$", f)] if m})
    first = [f for f in reports if f"-{years[0]}-" in f]
    second = [f for f in reports if f not in first]
    accepted1 = push(first)
n1 = sum(end_offsets("cw.reports.v1").values())
note(f"year {years[0]}: {accepted1} reports accepted, {n1} messages")

# ---- 3. first drain
agg, agg_log = start_aggregator("drain")
t0 = time.time()
wait_for(lambda: (s := scrape(m_agg)) and s["processed"] >= n1 and s["drained"], 3600, "first drain")
drain_s = time.time() - t0
rows.append(("aggregator: drain of the first year from empty state", f"{n1:,} messages",
             f"{drain_s:.1f} s ({n1 / drain_s:,.0f}/s), CPU {proc_cpu(agg.pid):.1f} s, "
             f"state {du_mib(os.path.join(d, 'state', 'aggregator')):.0f} MiB, RSS {hwm_mib(agg.pid):.0f} MiB"))

# ---- 4. SIGKILL mid-stream
if national:
    pusher = produce_national(2025)
else:
    pusher = subprocess.Popen([os.path.join(binp, "clusterctl"), "push", f"--ingest={ingest_addr}",
                               "--retries=50", *second], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
before = scrape(m_agg)["processed"]
# Kill once half of the second year has been consumed (or the push ended and half is done).
half = wait_for(lambda: (s := scrape(m_agg)) and s["processed"] - before >= (accepted1 // 2) and s,
                3600, "half of the second year")
counted_at_kill = scrape(m_agg)["processed"]
agg.send_signal(signal.SIGKILL)
agg.wait()
t_kill = time.time()
agg, agg_log = start_aggregator("restart")
wait_for(lambda: scrape(m_agg) is not None, 120, "aggregator /metrics after restart")
t_listen = time.time()
wait_for(lambda: (s := scrape(m_agg)) and s["committed"] > 0, 300, "first committed transaction after restart")
t_batch = time.time()
out = pusher.communicate()[0]
n_total = sum(end_offsets("cw.reports.v1").values())
accepted2 = (n_total - n1) if national else sum(int(x) for x in re.findall(r": (\d+) accepted,", out))
wait_for(lambda: (s := scrape(m_agg)) and s["drained"] and s["processed"] > 0 and
         sum(resumed_offsets(agg_log).values()) + s["processed"] >= n_total, 3600, "drain after restart")
t_caught = time.time()
resumed = sum(resumed_offsets(agg_log).values())
after = scrape(m_agg)["processed"]
lost = counted_at_kill - resumed
rows.append(("aggregator: SIGKILL mid-stream, restart on its state",
             f"resumed at {resumed:,} committed; {counted_at_kill:,} counted before the kill",
             f"/metrics {t_listen - t_kill:.2f} s, first committed transaction {t_batch - t_kill:.2f} s, drained (lag 0, nothing open) after "
             f"{t_caught - t_kill:.1f} s; replayed (processed before the kill, not committed) "
             f"≥ {max(0, lost):,} messages; consumed after the restart {after:,} "
             f"(= {n_total:,} − {resumed:,})"))
assert resumed + after == n_total, (resumed, after, n_total)

# ---- 5. SIGKILL when idle
agg.send_signal(signal.SIGKILL)
agg.wait()
t_kill = time.time()
agg, agg_log = start_aggregator("idle-restart")
wait_for(lambda: scrape(m_agg) is not None, 120, "aggregator /metrics")
t_listen = time.time()
wait_for(lambda: (s := scrape(m_agg)) and s["lag"] == 0 and
         sum(resumed_offsets(agg_log).values()) == n_total, 300, "assignment at the end")
t_ready = time.time()
rows.append(("aggregator: SIGKILL when idle, restart on its state",
             f"state {du_mib(os.path.join(d, 'state', 'aggregator')):.0f} MiB",
             f"/metrics {t_listen - t_kill:.2f} s, partitions resumed at the end and lag 0 after "
             f"{t_ready - t_kill:.2f} s; replayed 0 (resumed at {sum(resumed_offsets(agg_log).values()):,} = end)"))
wait_for(lambda: (s := scrape(m_agg)) and s["drained"], 60, "both stages drained")

# ---- 6. query replica: rebuild, then restart
snaps = sum(end_offsets("cw.park-metrics.v1").values())
regs = sum(end_offsets("cw.registry.v1").values())
q, q_log = start_query("rebuild")
t0 = time.time()
wait_for(serving, 600, "query SERVING (rebuild)")
t_serving = time.time()
mat = scrape(m_query)["materialized"]
rows.append(("query: new replica, empty state, rebuild from the topics",
             f"{snaps:,} snapshot + {regs:,} registry records on the topics",
             f"SERVING after {t_serving - t0:.2f} s; {mat:,} records materialised; CPU {proc_cpu(q.pid):.1f} s; "
             f"state {du_mib(os.path.join(d, 'state', 'query')):.0f} MiB"))
q.send_signal(signal.SIGKILL)
q.wait()
t_kill = time.time()
q, q_log = start_query("restart")
wait_for(serving, 300, "query SERVING (restart)")
t_serving = time.time()
mat2 = scrape(m_query)["materialized"]
rows.append(("query: SIGKILL, restart on its state", "",
             f"SERVING after {t_serving - t_kill:.2f} s; {mat2:,} records re-read"))
for p in (q, agg, ingest):
    p.send_signal(signal.SIGTERM)
for p in (q, agg, ingest):
    try:
        p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()

load = open("/proc/loadavg").read().split()[:3]
lines = [f"# Recovery — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", "",
         (f"- data: national-shaped (`bench/national`, scale {national}), produced by "
          f"`national_load`; year {years[0]} first ({accepted1:,} reports), year "
          f"{', '.join(years[1:])} while the aggregator ran ({accepted2:,}); {n_total:,} "
          "messages on cw.reports.v1 in the end; no registry records" if national else
          f"- data: `clusterctl gen-sample --scale={os.environ['CW_SCALE']}`; year {years[0]} pushed "
          f"first ({accepted1:,} reports), year {', '.join(years[1:])} pushed while the aggregator ran "
          f"({accepted2:,}); {n_total:,} messages on cw.reports.v1 in the end"),
         "- one single-node Kafka 4.1.1 broker on the same machine; services with default flags "
         "(aggregator v2: both stages, batches of ≤ 5000, a Kafka transaction per stage every 100 ms, static membership)",
         f"- load average at the end: {' '.join(load)} (2 cores, shared)", "",
         "| step | state / data | measured |", "|---|---|---|"]
lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
text = "\n".join(lines) + "\n"
print(text)
with open(os.environ["CW_OUT"], "w") as f:
    f.write(text)
PY
log "written $OUT"
