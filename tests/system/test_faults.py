"""Fault-injection system test (issue: correct to the fen under crashes). On the real broker
it pushes a scaled sample (revisions, out-of-order revisions, late periods, bad records,
duplicate pushes) while SIGKILLing ingest, aggregator and query at seeded random moments,
restarting the broker once, and adding and removing a second aggregator; then it writes
poison bytes into every topic the services read. At the end the query answers must equal
the independent ground truth exactly and the rejected topic must hold exactly the bad
records. Short by default; CW_LONG=1 runs about 300k reports. While faults are scheduled the
pushes are paced (PUSH_PACE_S) and the last pushes wait for the end of the schedule, so every
fault lands while reports are still coming in; an ingest kill stops ingest (SIGSTOP) inside a
connected push and kills it only if that push is still unanswered a second later, so it cuts
that push off. Both are asserted: a fault outside its window fails the test.

Recovery figures: for every fault, how long until the process served again and how much
was replayed, written to $CW_FAULTS_RESULTS (default: the test's work directory) as
recovery.json and recovery.md and printed as a table (pytest -s). How replay is counted:

- aggregator: from offsets, exactly. Each instance logs the offset every partition resumes
  from when assigned ("assigned <topic>/<p> from offset X") and stops at when revoked
  ("revoked ... at offset E"); a killed instance's committed offsets are read from its state
  directory before it restarts (`cw-aggregator --print_offsets`). A partition's committed
  offset C is the highest any instance had committed for it before the assignment; the
  assignment re-consumes max(0, C - X) messages that were already applied to some state
  (replayed), and has HW - X to read to the high watermark HW at assignment (backlog). The
  batch in flight at a SIGKILL was never committed, so re-reading it is backlog, not replay.
- query: the offsets it resumes from (logged) and the records it read until it reported
  SERVING (logged: "caught up with its topics after reading N records").
- ingest: the pushes the client retried, how many of those ingest answered from its memory
  of completed submissions ("replayed"), and how many records the retries put on the reports
  topic a second time (same submission id and line, so same identity and revision too:
  duplicates that the aggregator counts as no-ops, rule 2 of docs/semantics.md).

Asserted exactly, beside the final comparison: a restarted or re-assigned instance resumes a
partition it held last at exactly the offset its state committed (nothing replayed); no
assignment starts past the highest committed offset (nothing skipped); at the end the last
owner's stored offsets equal the reports topic's high watermarks; and records are on the
reports topic twice only for retried or repeated pushes. Times are reported, not asserted."""
import json
import os
import random
import re
import signal
import subprocess
import threading
import time

import pytest

import cwclient
import ground_truth
from harness import BUILD, Stack, push_exit_code
from clusterwatch.v1 import reports_pb2  # generated and put on sys.path by cwclient

LONG = os.environ.get("CW_LONG") == "1"
SCALE = 40 if LONG else 4
EVENTS = 14 if LONG else 7
SEED = 20261127
# While faults are still scheduled, the pusher starts at most one push per PUSH_PACE_S, so
# the pushes outlast the fault schedule (~30 s short, ~70 s long) on a fast machine too;
# afterwards it pushes at full speed.
PUSH_PACE_S = 2.0


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    s = Stack(str(tmp_path_factory.mktemp("faults"))).start()
    yield s
    s.stop()


def kcat_produce(bootstrap, topic, key, value):
    subprocess.run(["kcat", "-b", bootstrap, "-P", "-t", topic, "-k", key], input=value,
                   check=True)


def rejected_keys(bootstrap):
    out = subprocess.run(["kcat", "-b", bootstrap, "-C", "-t", "cw.rejected.v1", "-o",
                          "beginning", "-e", "-q", "-f", "%k\n"],
                         check=True, capture_output=True, text=True).stdout
    return set(out.split())


def high_watermarks(bootstrap, partitions):
    """{(topic, partition): next offset to be written} for the given partitions."""
    if not partitions:
        return {}
    args = ["kcat", "-b", bootstrap, "-Q"]
    for topic, p in sorted(partitions):
        args += ["-t", f"{topic}:{p}:-1"]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    hw = {}
    for m in re.finditer(r"^(\S+) \[(\d+)\] offset (-?\d+)$", out, re.M):
        hw[(m.group(1), int(m.group(2)))] = int(m.group(3))
    assert set(hw) == set(partitions), out
    return hw


def topic_partitions(bootstrap, topic):
    out = subprocess.run(["kcat", "-b", bootstrap, "-L", "-t", topic], check=True,
                         capture_output=True, text=True).stdout
    return [(topic, int(p)) for p in re.findall(r"^\s+partition (\d+),", out, re.M)]


def stored_offsets(state_dir):
    """The committed next offsets in a stopped aggregator's state directory."""
    out = subprocess.run([os.path.join(BUILD, "aggregator", "cw-aggregator"),
                          "--print_offsets", f"--state_dir={state_dir}"],
                         check=True, capture_output=True, text=True).stdout
    return {(t, int(p)): int(o) for t, p, o in (line.split() for line in out.splitlines())}


LOG_TIME = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})Z ")
ASSIGNED = re.compile(r" aggregator: assigned (\S+)/(\d+) from offset (\d+|beginning)$")
REVOKED = re.compile(r" aggregator: revoked (\S+)/(\d+) at offset (\d+|beginning)$")


def log_time(line):
    m = LOG_TIME.match(line)
    return None if m is None else time.mktime(time.strptime(
        m.group(1)[:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone + float(m.group(1)[19:])


def offset_value(text):
    return 0 if text == "beginning" else int(text)


def wait_log(service, start, pattern, seconds):
    """(lines, match) of the first line matching `pattern` written after byte `start` of the
    service's log, waiting up to `seconds`; (lines, None) if none came."""
    deadline = time.time() + seconds
    while True:
        with open(service.log_path, "rb") as f:
            f.seek(start)
            lines = f.read().decode(errors="replace").splitlines()
        for line in lines:
            m = pattern.search(line)
            if m:
                return lines, m, line
        if time.time() > deadline:
            return lines, None, None
        time.sleep(0.05)


def wait_connected(port, seconds):
    """Returns once a client holds a TCP connection to `port` (or after `seconds`)."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            with open(table) as f:
                for row in f.readlines()[1:]:
                    local, state = row.split()[1], row.split()[3]
                    if state == "01" and int(local.rsplit(":", 1)[1], 16) == port:
                        return  # 01: ESTABLISHED
        time.sleep(0.005)


def records_consumed(service):
    """Report messages committed by this process so far (all outcomes)."""
    total = 0.0
    for line in service.metrics().splitlines():
        if line.startswith("cw_aggregator_records_total{"):
            total += float(line.rsplit(" ", 1)[1])
    return total


def wait_consumed(service, n, seconds=300):
    """Seconds until the process has committed `n` report messages (None if not in time)."""
    start = time.time()
    while time.time() - start < seconds:
        try:
            if records_consumed(service) >= n:
                return time.time() - start
        except OSError:
            pass
        time.sleep(0.05)
    return None


class Chaos:
    """Seeded fault schedule run beside the pushes."""

    def __init__(self, stack, rng, pushes):
        self.stack, self.rng = stack, rng
        self.pushes = pushes  # the pusher appends each push as it ends
        self.recovery = []
        self.broker_restarted = False
        self.second_aggregator = None
        self.during_push = []
        # Committed offsets read from killed aggregators' directories: (time, {tp: offset}).
        self.killed_offsets = []
        self.push_started = threading.Event()  # set by the pusher as each push starts
        self.done = threading.Event()

    def event(self, kind, **fields):
        entry = {"kind": kind, "at": time.time(), **fields}
        self.recovery.append(entry)
        return entry

    def assignment_after(self, svc, log_start, t0, entry):
        """Waits for the first partition assignment logged after `log_start`, records when it
        came, the resume offsets, the backlog to the high watermark, and until when the
        instance had committed that backlog."""
        lines, m, line = wait_log(svc, log_start, ASSIGNED, 120)
        if m is None:
            entry["assigned_s"] = None
            return
        stamp = line[:24]  # one rebalance callback logs all its partitions in the same ms
        resumed = {(a.group(1), int(a.group(2))): offset_value(a.group(3))
                   for a in (ASSIGNED.search(x) for x in lines if x.startswith(stamp)) if a}
        entry["assigned_s"] = round(log_time(line) - t0, 3)
        entry["partitions"] = len(resumed)
        entry["resumed"] = {f"{t}/{p}": o for (t, p), o in sorted(resumed.items())}
        hw = high_watermarks(self.stack.broker.bootstrap, list(resumed))
        backlog = sum(hw[tp] - x for tp, x in resumed.items())
        entry["backlog"] = backlog
        took = wait_consumed(svc, backlog)
        entry["caught_up_s"] = None if took is None else round(time.time() - t0, 3)
        return resumed

    def stop_ingest_inside_a_push(self):
        """SIGSTOPs ingest while a push is open and returns that push's index in
        self.pushes (it is appended there when it ends), or None if no push could be caught.
        Stopped, ingest cannot answer: a push still open a second later was not answered,
        so the SIGKILL that follows cuts it off (the pusher must then retry it)."""
        ingest = self.stack.services["ingest"]
        for _ in range(20):
            self.push_started.clear()
            if not self.push_started.wait(30):
                return None
            n = len(self.pushes)  # the push in flight ends as self.pushes[n]
            wait_connected(ingest.port, 5)
            # Anywhere in it: streaming, validating or waiting for Kafka's acknowledgements.
            time.sleep(self.rng.uniform(0, 0.1))
            os.kill(ingest.proc.pid, signal.SIGSTOP)
            deadline = time.time() + 1
            while len(self.pushes) == n and time.time() < deadline:
                time.sleep(0.01)
            if len(self.pushes) == n:
                return n
            os.kill(ingest.proc.pid, signal.SIGCONT)  # answered before the stop: next push
        return None

    def kill_and_restart(self, name, cut_push=None):
        svc = self.stack.services[name]
        svc.kill9()
        t_kill = time.time()
        entry = self.event(f"SIGKILL {name}")
        if cut_push is not None:
            entry["cut_push"] = cut_push
        down = self.rng.uniform(0.2, 1.5)
        committed = None
        if name.startswith("aggregator"):
            committed = stored_offsets(os.path.join(self.stack.workdir, name))
            self.killed_offsets.append((t_kill, committed, entry))
        time.sleep(max(0.0, down - (time.time() - t_kill)))  # the fault: down this long
        log_start = os.path.getsize(svc.log_path)
        t0 = time.time()
        svc.start()  # returns once its ports listen
        entry["listening_s"] = round(time.time() - t0, 3)
        if name.startswith("aggregator"):
            resumed = self.assignment_after(svc, log_start, t0, entry)
            # Its own restart resumes exactly where its state committed: nothing it had
            # applied is applied again, nothing is skipped.
            for tp, x in (resumed or {}).items():
                assert x == committed.get(tp, 0), (name, tp, x, committed)
        elif name == "query":
            lines, m, line = wait_log(svc, log_start, re.compile(
                r"caught up with its topics after reading (\d+) records: SERVING"), 300)
            entry["serving_s"] = None if m is None else round(log_time(line) - t0, 3)
            entry["records_read"] = None if m is None else int(m.group(1))
            entry["resumed_offsets"] = sum(
                offset_value(x.group(1)) for x in (re.search(r"reading \S+ from offset "
                                                             r"(\d+|beginning)$", y)
                                                   for y in lines) if x)

    def restart_broker(self):
        b = self.stack.broker
        b.run("kill9")
        entry = self.event("SIGKILL broker")
        time.sleep(1)  # the fault itself: down for a second while the pushes go on
        t0 = time.time()
        b.run("start")
        entry["serving_s"] = round(time.time() - t0, 3)
        self.broker_restarted = True

    def toggle_second_aggregator(self):
        if self.second_aggregator is None:
            entry = self.event("add aggregator2")
            t0 = time.time()
            log = os.path.join(self.stack.workdir, "aggregator2.log")
            log_start = os.path.getsize(log) if os.path.exists(log) else 0
            self.second_aggregator = self.stack.add_aggregator("aggregator2")
            entry["listening_s"] = round(time.time() - t0, 3)
            self.assignment_after(self.second_aggregator, log_start, t0, entry)
        else:
            # Removed by a crash, the harder case: its partitions move back after the
            # session timeout.
            self.second_aggregator.kill9()
            t_kill = time.time()
            entry = self.event("SIGKILL aggregator2 (removed)")
            self.killed_offsets.append(
                (t_kill, stored_offsets(os.path.join(self.stack.workdir, "aggregator2")),
                 entry))
            del self.stack.services["aggregator2"]
            self.second_aggregator = None

    def run(self, pusher):
        try:
            self._run(pusher)
        finally:
            self.done.set()

    def _run(self, pusher):
        actions = ["ingest", "aggregator", "query", "second", "broker", "second", "aggregator"]
        while len(actions) < EVENTS:
            actions.append(self.rng.choice(["ingest", "aggregator", "query"]))
        # Every scheduled fault happens during the pushes: the pusher paces itself while the
        # schedule runs (PUSH_PACE_S) and holds its last pushes until the schedule is done.
        for action in actions:
            time.sleep(self.rng.uniform(0.5, 2.5))  # the schedule's randomness: no event
            cut_push = None
            if action == "ingest":
                cut_push = self.stop_ingest_inside_a_push()
                assert cut_push is not None, "no push could be caught open to kill ingest in"
            self.during_push.append(pusher.is_alive())
            if action == "broker":
                self.restart_broker()
            elif action == "second":
                self.toggle_second_aggregator()
            else:
                self.kill_and_restart(action, cut_push)
        if self.second_aggregator is not None:
            self.toggle_second_aggregator()


def aggregator_ledger(workdir, killed_offsets, final_offsets, t_final):
    """Every partition assignment of every aggregator instance, from their logs, with the
    highest offset any instance had committed for the partition before it (from revocations,
    killed instances' directories and the final stop). Returns the assignments as dicts
    {t, instance, tp, resumed, committed_before, replayed, previous}: previous is the
    instance that was assigned the partition last before (None for the first)."""
    ends, starts = [], []
    for name in ("aggregator", "aggregator2"):
        path = os.path.join(workdir, f"{name}.log")
        if not os.path.exists(path):
            continue
        with open(path, errors="replace") as f:
            for line in f:
                line = line.rstrip("\n")
                for pattern, out in ((ASSIGNED, starts), (REVOKED, ends)):
                    m = pattern.search(line)
                    if m:
                        out.append({"t": log_time(line), "instance": name,
                                    "tp": (m.group(1), int(m.group(2))),
                                    "offset": offset_value(m.group(3))})
    def owned(instance, tp, t):
        last = max((x for x in starts + ends if x.get("instance") == instance and
                    x["tp"] == tp and x["t"] <= t), key=lambda x: x["t"], default=None)
        return last is not None and last in starts
    for t, offsets, entry in killed_offsets:
        instance = entry["kind"].split()[1]
        for tp, o in offsets.items():
            # Offsets of partitions it no longer owned are those of its revocation.
            if owned(instance, tp, t):
                ends.append({"t": t, "tp": tp, "offset": o})
    for tp, o in final_offsets.items():
        ends.append({"t": t_final, "tp": tp, "offset": o})
    ledger = []
    holder = {}
    for st in sorted(starts, key=lambda x: x["t"]):
        committed = max((e["offset"] for e in ends if e["tp"] == st["tp"] and
                         e["t"] <= st["t"]), default=0)
        # Never past what had been committed: a gap would lose reports.
        assert st["offset"] <= committed, (st, committed)
        ledger.append({"t": st["t"], "instance": st["instance"], "tp": st["tp"],
                       "resumed": st["offset"], "committed_before": committed,
                       "replayed": committed - st["offset"],
                       "previous": holder.get(st["tp"])})
        holder[st["tp"]] = st["instance"]
    return ledger


def pushes_duplicated_on_topic(bootstrap):
    """{submission id: records of it that appear more than once on the reports topic (same
    submission id and line)} and the number of messages read."""
    raw = subprocess.run(["kcat", "-b", bootstrap, "-C", "-t", "cw.reports.v1", "-o",
                          "beginning", "-e", "-q", "-f", "%S\n%s"],
                         check=True, capture_output=True).stdout
    seen, dups, i, n = set(), {}, 0, 0
    while i < len(raw):
        nl = raw.index(b"\n", i)
        size = int(raw[i:nl])
        value = raw[nl + 1:nl + 1 + max(size, 0)]
        i = nl + 1 + max(size, 0)
        n += 1
        env = reports_pb2.ReportEnvelope()
        try:
            env.ParseFromString(value)
        except Exception:  # the poison bytes
            continue
        # A record put on the topic again by a retried push has the same submission id and
        # line (a file may hold the same report identity and revision on two lines).
        key = (env.provenance.submission_id, env.provenance.line)
        if key in seen:
            dups[env.provenance.submission_id] = dups.get(env.provenance.submission_id, 0) + 1
        seen.add(key)
    return dups, n


def markdown(report):
    rows = ["| fault | at (s) | serving again after (s) | resumed | replayed: already applied, "
            "read again | read to catch up | caught up after (s) |",
            "|---|---|---|---|---|---|---|"]
    for e in report["events"]:
        kind, at = e["kind"], e["at_s"]
        if kind in ("SIGKILL ingest", "SIGKILL broker"):
            serving = e.get("listening_s", e.get("serving_s"))
            pushes = (f"{e['pushes_retried']} pushes retried ({e['answered_from_memory']} "
                      f"answered from ingest's memory), {e['records_duplicated']} records "
                      f"put on the topic twice (duplicates, no-ops)")
            rows.append(f"| {kind} | {at} | {serving} | | {pushes} | | |")
        elif kind == "SIGKILL query":
            rows.append(f"| {kind} | {at} | {e.get('serving_s')} (SERVING) | its stored "
                        f"offsets | 0 (offsets commit with the records) | "
                        f"{e.get('records_read')} records | {e.get('serving_s')} |")
        elif kind.endswith("(removed)"):
            rows.append(f"| {kind} | {at} | its {e.get('partitions', 0)} partitions "
                        f"assigned to aggregator after {e.get('partitions_back_s')} | "
                        f"aggregator's offsets of them | {e.get('replayed', 0)} messages | | |")
        else:
            rows.append(f"| {kind} | {at} | {e.get('assigned_s')} (partitions assigned) | "
                        f"{e.get('partitions')} partitions at the stored offsets | "
                        f"{e.get('replayed', 0)} messages | {e.get('backlog')} messages | "
                        f"{e.get('caught_up_s')} |")
    return "\n".join(rows) + "\n"


def test_exact_totals_under_crashes_restarts_and_rebalances(stack):
    # Everything accepted is counted exactly once; every bad record is on the rejected topic.
    sample = os.path.join(stack.workdir, "sample")
    stack.ctl("gen-sample", f"--out={sample}", f"--scale={SCALE}", f"--seed={SEED}")
    truth = ground_truth.compute(sample)
    stack.ctl("registry", f"{sample}/registry/parks.csv", f"{sample}/registry/enterprises.csv")
    files = sorted(os.path.join(sample, "reports", f)
                   for f in os.listdir(os.path.join(sample, "reports")) if f.endswith(".csv"))
    failures = []
    pushes = []  # per push: start, end, submission id, attempts, answered from memory

    def push(*args):
        if pushes and not chaos.done.is_set():
            chaos.done.wait(max(0.0, pushes[-1]["start"] + PUSH_PACE_S - time.time()))
        t = time.time()
        chaos.push_started.set()
        r = stack.ctl(*args, check=False)
        sub = re.search(r": submission (\S+):", r.stdout)
        pushes.append({"start": t, "end": time.time(), "args": args,
                       "submission": sub.group(1) if sub else None,
                       "retries": r.stderr.count("; retrying ("),
                       "from_memory": "answer replayed" in r.stdout,
                       "accepted": sum(int(n) for n in re.findall(r" (\d+) accepted,",
                                                                    r.stdout))})
        if r.returncode != push_exit_code(r.stdout):  # 3: answered, with refused lines
            failures.append((args, r.returncode, r.stderr[-500:]))

    def push_all():
        for f in files:
            push("push", f, "--retries=200")
        # The last pushes wait for the end of the fault schedule, so every fault falls
        # between the first push and the last.
        chaos.done.wait(900)
        # Duplicates: the same submission again, and the same content under a new id.
        push("push", files[0], "--retries=200")
        push("push", files[1], "--submission_id=again-1", "--retries=200")

    rng = random.Random(SEED)
    chaos = Chaos(stack, rng, pushes)
    pusher = threading.Thread(target=push_all)
    t0 = time.time()
    pusher.start()
    chaos.run(pusher)
    pusher.join()
    push_seconds = max(p["end"] for p in pushes) - t0
    assert failures == []
    assert chaos.broker_restarted
    # The faults happened where this test claims: each while the pusher was running,
    # between the first push's start and the last push's end, and each ingest SIGKILL inside
    # a push it cut off (that push was retried).
    assert chaos.during_push == [True] * EVENTS, chaos.during_push
    first_start, last_end = pushes[0]["start"], max(p["end"] for p in pushes)
    faults = [e for e in chaos.recovery if e["kind"].startswith(("SIGKILL", "add"))]
    assert len(faults) >= EVENTS, faults
    for e in faults:
        assert first_start <= e["at"] <= last_end, (e, first_start, last_end)
    cut = [e for e in chaos.recovery if e["kind"] == "SIGKILL ingest"]
    assert cut and all("cut_push" in e for e in cut), cut
    for e in cut:
        p = pushes[e["cut_push"]]
        assert p["start"] <= e["at"] <= p["end"] and p["retries"] > 0, (e, p)

    # Poison on every topic a service reads.
    b = stack.broker.bootstrap
    kcat_produce(b, "cw.reports.v1", "P321282A", b"\xff\x00poison-report")
    kcat_produce(b, "cw.registry.v1", "park|X", b"\xff\x00poison-registry")
    kcat_produce(b, "cw.park-metrics.v1", "X|2024-01", b"\xff\x00poison-metrics")
    # The ingest service reads the registry topic from the start: restart it to see the poison.
    stack.services["ingest"].stop()
    stack.services["ingest"].start()

    client = cwclient.Client(stack.address("query"))
    t1 = time.time()
    diffs = cwclient.wait_equal(client, truth, 300)
    settle_seconds = time.time() - t1
    assert diffs == []

    want = {f"{os.path.basename(r['file'])}|{r['line']}" for r in truth["rejected"]}
    deadline = time.time() + 60
    while True:
        keys = rejected_keys(b)
        from_ingest_pushes = {f"{k.rsplit('|', 1)[0].rsplit('-', 1)[0]}|{k.rsplit('|', 1)[1]}"
                              for k in keys if not k.startswith("cw.")}
        poison = {k.split("|", 1)[0] for k in keys if k.startswith("cw.")}
        if (from_ingest_pushes == want and poison ==
                {"cw.reports.v1", "cw.registry.v1", "cw.park-metrics.v1"}) or \
                time.time() > deadline:
            break
        time.sleep(1)
    assert from_ingest_pushes == want
    assert poison == {"cw.reports.v1", "cw.registry.v1", "cw.park-metrics.v1"}
    assert len([k for k in keys if k.startswith("cw.")]) == 3

    # Every message on the reports topic committed by the last owner: stop it (SIGTERM
    # commits the batch in flight) and compare its stored offsets with the high watermarks.
    stack.services["aggregator"].stop()
    t_final = time.time()
    final = stored_offsets(os.path.join(stack.workdir, "aggregator"))
    reports_tps = topic_partitions(b, "cw.reports.v1")
    hw = high_watermarks(b, reports_tps)
    assert {tp: final.get(tp, 0) for tp in reports_tps} == hw
    ledger = aggregator_ledger(stack.workdir, chaos.killed_offsets, final, t_final)

    # Attribute each assignment to its cause: a partition handed to aggregator2 to its
    # addition, one handed back from aggregator2 to its removal (after the session timeout,
    # maybe after later faults), any other to the latest fault before it. Retried pushes
    # go to the latest fault before they ended.
    events = chaos.recovery

    def fault_before(t, kind=None):
        before = [e for e in events if e["at"] <= t and (kind is None or e["kind"] == kind)]
        return before[-1] if before else None
    for a in ledger:
        if a["previous"] is None:
            assert a["replayed"] == 0, a  # nothing committed before the first owner
            continue
        if a["previous"] == a["instance"]:
            # An instance resuming a partition it held last (after its restart, or after a
            # rebalance) starts exactly where its own state committed: nothing replayed.
            assert a["replayed"] == 0, a
            e = fault_before(a["t"])
        elif a["instance"] == "aggregator2":
            e = fault_before(a["t"], "add aggregator2")
        elif a["previous"] == "aggregator2" and fault_before(a["t"],
                                                             "SIGKILL aggregator2 (removed)"):
            e = fault_before(a["t"], "SIGKILL aggregator2 (removed)")
            e["partitions"] = e.get("partitions", 0) + 1
            e["partitions_back_s"] = round(max(e.get("partitions_back_s", 0),
                                               a["t"] - e["at"]), 3)
        else:
            e = fault_before(a["t"])
        e["replayed"] = e.get("replayed", 0) + a["replayed"]
    dups, topic_messages = pushes_duplicated_on_topic(b)
    # Every message on the reports topic is accounted for: each accepted record once, the
    # records put there again by retried or repeated pushes, the re-push under a new
    # submission id, and the poison message.
    accepted = truth["accepted"]["output"] + truth["accepted"]["tax"]
    assert topic_messages == accepted + sum(dups.values()) + pushes[-1]["accepted"] + 1
    retried_subs = {p["submission"] for p in pushes if p["retries"] or p["from_memory"]}
    # Duplicates on the topic come only from retried or repeated pushes.
    assert set(dups) <= retried_subs | {p["submission"] for p in pushes
                                        if p["args"][1] == files[0]}, (dups, pushes)
    for p in pushes:
        if not p["retries"]:
            continue
        e = fault_before(p["end"])
        if e is None:
            continue
        e["pushes_retried"] = e.get("pushes_retried", 0) + 1
        e["answered_from_memory"] = e.get("answered_from_memory", 0) + int(p["from_memory"])
        e["records_duplicated"] = e.get("records_duplicated", 0) + dups.get(p["submission"], 0)
    for e in events:
        if e["kind"] in ("SIGKILL ingest", "SIGKILL broker"):
            for k in ("pushes_retried", "answered_from_memory", "records_duplicated"):
                e.setdefault(k, 0)
    for e in events:
        e["at_s"] = round(e.pop("at") - t0, 1)
        e.pop("resumed", None)

    report = {"scale": SCALE, "reports": truth["accepted"]["output"] + truth["accepted"]["tax"],
              "messages_on_reports_topic": topic_messages,
              "pushes": len(pushes), "pushes_retried": sum(1 for p in pushes if p["retries"]),
              "records_duplicated_on_topic": sum(dups.values()),
              # The same file pushed again under its submission id after all the others:
              # answered from ingest's memory unless ingest restarted since its first push.
              "repeated_push": {"answered_from_memory": pushes[-2]["from_memory"],
                                "records_duplicated": dups.get(pushes[-2]["submission"], 0)},
              "push_seconds": round(push_seconds, 1),
              "settle_seconds_after_push": round(settle_seconds, 1),
              "replayed_total": sum(a["replayed"] for a in ledger),
              "events": events,
              "faults_during_push": sum(chaos.during_push)}
    out_dir = os.environ.get("CW_FAULTS_RESULTS") or stack.workdir
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "recovery.json"), "w") as f:
        json.dump(report, f, indent=1)
    table = markdown(report)
    with open(os.path.join(out_dir, "recovery.md"), "w") as f:
        f.write(f"scale {SCALE}: {report['reports']} reports, {report['pushes']} pushes "
                f"({report['pushes_retried']} retried) in {report['push_seconds']} s, "
                f"{report['faults_during_push']} of {len(events)} faults during the pushes; "
                f"{report['records_duplicated_on_topic']} records on the topic twice "
                f"({report['repeated_push']['records_duplicated']} of them from pushing "
                f"{os.path.basename(files[0])} again with its submission id, answered from "
                f"ingest's memory: {report['repeated_push']['answered_from_memory']})\n\n")
        f.write(table)
    print(json.dumps(report, indent=1))
    print(table)
