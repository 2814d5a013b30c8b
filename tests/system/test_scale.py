"""Scale-out system test on a three-broker KRaft cluster (scripts/kafka-cluster.sh).

Topics with replication factor 3 and min.insync.replicas 2; cw-ingest, ONE cw-aggregator
(group cw-aggregator, static membership), two cw-query replicas and cw-alerter. A scaled
sample (`clusterctl gen-sample --scale=3`) is pushed file by file in a thread, each push with
--retries=200 (a retry reuses the submission id, so it adds no duplicates; CW_SCALE_PACE,
default 0.3 s, between two files), while, at fixed points of the push progress:
  * a second and then a third aggregator join the group (own --state_dir, --metrics_address,
    --instance_id): cooperative-sticky rebalances hand them partitions, which they rebuild
    from the reports topic;
  * one broker is SIGKILLed and later restarted (writes go on with two in-sync replicas);
  * the second aggregator is stopped with SIGTERM: its partitions move back to the others
    (after the session timeout, as it is a static member) and resume from their own offsets.
At the end both query replicas must answer exactly the independent ground truth, and no
acknowledged report may be missing: every push succeeded and the accepted counts clusterctl
printed add up to ground truth's accepted output + tax rows.

Short by default (about 1.5 minutes on 2 cores); CW_LONG=1 pushes a larger sample
(--scale=10) with two broker kills. Figures are written to <workdir>/scale.json and printed (pytest -s)."""
import json
import os
import random
import re
import shutil
import socket
import subprocess
import threading
import time

import pytest

import cwclient
import ground_truth
from harness import BUILD, ROOT, Service, free_port

LONG = os.environ.get("CW_LONG") == "1"
SCALE = 10 if LONG else 3
SEED = int(os.environ.get("CW_SCALE_SEED", "20261201"))  # breaks ties between brokers to kill
PACE = float(os.environ.get("CW_SCALE_PACE", "0.3"))  # seconds between two pushes
PARTITIONS = 6  # reports and park-metrics: max(6, 2 x A_max) with A_max = 3 (docs/scale-out.md)
SECURITY = ["--plaintext", "--allow_unauthenticated", "--rate_limit_rps=0"]
CLUSTER = os.path.join(ROOT, "scripts", "kafka-cluster.sh")


def _bindable(port):
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port_base():
    """A base for kafka-cluster.sh (it uses base+0..2 and base+10..12), below the ephemeral
    range so that free_port() never hands one of them to a service."""
    rng = random.Random()
    for _ in range(200):
        base = rng.randrange(20000, 32000, 20)
        if all(_bindable(base + off) for off in (0, 1, 2, 10, 11, 12)):
            return base
    raise RuntimeError("no free port block for the Kafka cluster")


BINARIES = ("ingest/cw-ingest", "aggregator/cw-aggregator", "query/cw-query",
            "alerter/cw-alerter", "cli/clusterctl")


def snapshot_binaries(workdir):
    """Copies the binaries into the test's directory and returns {relative path: copy}: a
    rebuild of build/ while the test runs (the machine may be shared) must not swap or hide
    a binary between two starts of the same service."""
    out = {}
    for rel in BINARIES:
        src, dst = os.path.join(BUILD, rel), os.path.join(workdir, "bin", os.path.basename(rel))
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        for _ in range(120):  # a binary being linked is briefly missing or not executable
            if os.access(src, os.X_OK):
                try:
                    shutil.copy2(src, dst)
                    break
                except OSError:
                    pass
            time.sleep(1)
        else:
            raise RuntimeError(f"{src} stayed unavailable")
        out[rel] = dst
    return out


class Cluster:
    """Three KRaft nodes through scripts/kafka-cluster.sh, in the test's directory."""

    def __init__(self, workdir):
        self.env = dict(os.environ, CW_CLUSTER_DIR=os.path.join(workdir, "kafka-cluster"),
                        CW_CLUSTER_PORT_BASE=str(free_port_base()),
                        CW_PARTITIONS=str(PARTITIONS))
        self.bootstrap = self.run("bootstrap").stdout.strip()

    def run(self, *args, timeout=300):
        r = subprocess.run([CLUSTER, *args], env=self.env, capture_output=True, text=True,
                           timeout=timeout)
        if r.returncode != 0:
            own = [l for l in r.stderr.splitlines()
                   if l.startswith(("[kafka-cluster.sh]", "CreateTopics"))]
            raise AssertionError(f"kafka-cluster.sh {' '.join(args)} failed ({r.returncode}):\n"
                                 + "\n".join(own[-30:]) + "\n--- stderr tail ---\n"
                                 + r.stderr[-2000:])
        return r

    def leaders(self):
        """{node: partitions it leads} from kcat metadata."""
        out = subprocess.run(["kcat", "-b", self.bootstrap, "-L", "-m", "5"],
                             capture_output=True, text=True).stdout
        count = {}
        for m in re.finditer(r"partition \d+, leader (\d+),", out):
            count[int(m.group(1))] = count.get(int(m.group(1)), 0) + 1
        return count


class ClusterStack:
    """The cluster plus ingest, N aggregators, two query replicas and the alerter."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.cluster = Cluster(workdir)
        self.services = {}
        self.bin = snapshot_binaries(workdir)  # absolute paths: Service joins them unchanged

    def start(self):
        self.cluster.run("start")
        self.cluster.run("topics")
        b = f"--brokers={self.cluster.bootstrap}"
        ip, mp = free_port(), free_port()
        self.services["ingest"] = Service(
            "ingest", self.bin["ingest/cw-ingest"],
            [b, f"--listen=127.0.0.1:{ip}", f"--metrics_address=127.0.0.1:{mp}",
             f"--audit_log={os.path.join(self.workdir, 'audit-ingest.jsonl')}", *SECURITY],
            self.workdir, ip, mp).start()
        self.add_aggregator(1)
        self.add_query("query1")
        self.add_query("query2")
        mp = free_port()
        self.services["alerter"] = Service(
            "alerter", self.bin["alerter/cw-alerter"],
            [b, f"--metrics_address=127.0.0.1:{mp}",
             f"--rules={os.path.join(ROOT, 'deploy', 'alert-rules.yaml')}",
             f"--state_dir={os.path.join(self.workdir, 'alerter')}", "--reevaluate_seconds=5"],
            self.workdir, None, mp).start()
        return self

    def add_aggregator(self, n):
        name, mp = f"aggregator{n}", free_port()
        self.services[name] = Service(
            name, self.bin["aggregator/cw-aggregator"],
            [f"--brokers={self.cluster.bootstrap}", "--group=cw-aggregator",
             f"--instance_id=cw-aggregator-{n}", f"--metrics_address=127.0.0.1:{mp}",
             f"--state_dir={os.path.join(self.workdir, name)}"],
            self.workdir, None, mp).start()
        return self.services[name]

    def add_query(self, name):
        qp, mp = free_port(), free_port()
        self.services[name] = Service(
            name, self.bin["query/cw-query"],
            [f"--brokers={self.cluster.bootstrap}", f"--listen=127.0.0.1:{qp}",
             f"--metrics_address=127.0.0.1:{mp}",
             f"--state_dir={os.path.join(self.workdir, name)}",
             f"--audit_log={os.path.join(self.workdir, 'audit-' + name + '.jsonl')}",
             *SECURITY],
            self.workdir, qp, mp).start()
        return self.services[name]

    def address(self, name):
        return f"127.0.0.1:{self.services[name].port}"

    def ctl(self, *args, check=True):
        return subprocess.run([self.bin["cli/clusterctl"], *args,
                               f"--ingest={self.address('ingest')}",
                               f"--query={self.address('query1')}"],
                              check=check, capture_output=True, text=True)

    def stop(self):
        for s in self.services.values():
            s.stop()
        try:
            self.cluster.run("stop", timeout=120)
        except Exception as e:  # teardown must not hide the test's own failure
            print(f"kafka-cluster.sh stop: {e}")
        shutil.rmtree(os.path.join(self.workdir, "bin"), ignore_errors=True)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    s = ClusterStack(str(tmp_path_factory.mktemp("scale")))
    try:
        s.start()
        yield s
    finally:
        s.stop()


def assigned_partitions(service):
    """Partitions of the reports topic the aggregator's log says it was ever assigned."""
    return sorted({int(p) for p in re.findall(r"assigned cw\.reports\.v1/(\d+)", service.log())})


def current_partitions(service):
    """Partitions the aggregator owns now, replaying its assigned/revoked log lines."""
    owned = set()
    for what, p in re.findall(r"(assigned|revoked) cw\.reports\.v1/(\d+)", service.log()):
        (owned.add if what == "assigned" else owned.discard)(int(p))
    return owned


class Scenario:
    """The fault and scaling schedule. Each event is tied to a point of the push (a file
    index): the pusher waits there until the event begins, and pushes the next files while
    the event runs, so every event overlaps pushes however fast the machine is."""

    def __init__(self, stack, rng, files):
        self.stack, self.rng, self.files = stack, rng, files
        self.pushed = 0           # files answered so far (written by the pusher)
        self.pushing = True
        self.began = None         # whether the event running now began while pushes went on
        self.events = []
        self.killed = {}          # node -> time of its SIGKILL
        n = len(files)
        at = lambda fraction: max(1, min(n - 1, int(n * fraction)))  # noqa: E731
        if LONG:
            plan = [(0.06, "add", 2), (0.15, "kill", None), (0.25, "add", 3),
                    (0.35, "restart", None), (0.50, "kill", None), (0.62, "restart", None),
                    (0.75, "stop", 2)]
        else:
            plan = [(0.08, "add", 2), (0.20, "kill", None), (0.35, "add", 3),
                    (0.55, "restart", None), (0.75, "stop", 2)]
        self.plan = [(at(f), action, arg) for f, action, arg in plan]
        self.gates = {i: threading.Event() for i, _, _ in self.plan}

    # pusher side
    def before_file(self, i):
        gate = self.gates.get(i)
        if gate is not None and not gate.wait(600):
            raise TimeoutError(f"scenario never reached the event at file {i}")

    # scenario side
    def note(self, kind, **figures):
        figures.update(kind=kind, at_file=self.pushed, during_push=self.pushing,
                       began_during_push=self.began)
        self.events.append(figures)

    def add_aggregator(self, n):
        t0 = time.time()
        svc = self.stack.add_aggregator(n)
        # Joined = first partitions assigned. (Not the first commit: with 11 parks on 6
        # partitions two partitions are empty, and a newcomer may get only those.)
        while not assigned_partitions(svc) and time.time() - t0 < 60:
            time.sleep(0.1)
        self.note(f"start aggregator{n}", assigned_s=round(time.time() - t0, 2),
                  partitions=assigned_partitions(svc))

    def kill_broker(self):
        # The broker leading the most partitions (after a restart a broker leads nothing
        # until the preferred-leader election, so killing it again would test little).
        leaders = self.stack.cluster.leaders()
        alive = [n for n in (1, 2, 3) if n not in self.killed]
        most = max(leaders.get(n, 0) for n in alive)
        node = self.rng.choice([n for n in alive if leaders.get(n, 0) == most])
        time.sleep(self.rng.uniform(0.05, 0.3))  # land inside the push just released
        self.stack.cluster.run("kill9", str(node))
        self.killed[node] = time.time()
        self.note(f"SIGKILL broker {node}", partitions_it_led=leaders.get(node, 0))

    def restart_broker(self):
        node, killed_at = next(iter(self.killed.items()))
        del self.killed[node]
        # Down long enough to be fenced and dropped from the ISRs (session 3 s).
        time.sleep(max(0.0, 5 - (time.time() - killed_at)))
        t0 = time.time()
        self.stack.cluster.run("start-node", str(node))
        serving = round(time.time() - t0, 2)
        self.stack.cluster.run("wait-isr", "180")
        self.note(f"restart broker {node}", down_s=round(t0 - killed_at, 1),
                  serving_s=serving, all_isr_s=round(time.time() - t0, 2))

    def stop_aggregator(self, n):
        svc = self.stack.services[f"aggregator{n}"]
        t0 = time.time()
        svc.stop()  # SIGTERM: finishes the batch in flight and exits
        assert svc.proc.returncode == 0, f"aggregator{n} exited with {svc.proc.returncode}"
        self.note(f"SIGTERM aggregator{n}", exit_s=round(time.time() - t0, 2))

    def run(self):
        try:
            for i, action, arg in self.plan:
                while self.pushing and self.pushed < i:
                    time.sleep(0.02)
                self.began = self.pushing
                self.gates[i].set()  # the pusher goes on with file i while this runs
                if action == "add":
                    self.add_aggregator(arg)
                elif action == "kill":
                    self.kill_broker()
                elif action == "restart":
                    self.restart_broker()
                elif action == "stop":
                    self.stop_aggregator(arg)
        finally:
            for gate in self.gates.values():
                gate.set()


def test_scale_out_on_three_brokers_is_exact(stack):
    sample = os.path.join(stack.workdir, "sample")
    stack.ctl("gen-sample", f"--out={sample}", f"--scale={SCALE}", f"--seed={SEED}")
    truth = ground_truth.compute(sample)
    want_accepted = truth["accepted"]["output"] + truth["accepted"]["tax"]
    out = stack.ctl("registry", f"{sample}/registry/parks.csv",
                    f"{sample}/registry/enterprises.csv")
    assert "records stored" in out.stdout
    files = sorted(os.path.join(sample, "reports", f)
                   for f in os.listdir(os.path.join(sample, "reports")) if f.endswith(".csv"))

    scenario = Scenario(stack, random.Random(SEED), files)
    acked = {}
    failures = []
    retried = []  # clusterctl's "retrying" lines: pushes that failed in transit and were resent

    def push_all():
        try:
            for i, f in enumerate(files):
                scenario.before_file(i)
                if i:
                    time.sleep(PACE)  # pacing the pushes (CW_SCALE_PACE), not a wait
                r = stack.ctl("push", f, "--retries=200", check=False)
                retried.extend(l for l in r.stderr.splitlines() if "retrying" in l)
                m = re.search(r": (\d+) accepted, (\d+) rejected", r.stdout)
                if m is None or r.returncode != (3 if int(m.group(2)) else 0):
                    failures.append((os.path.basename(f), r.returncode, r.stderr[-800:]))
                else:
                    acked[f] = (int(m.group(1)), int(m.group(2)))
                scenario.pushed += 1
        finally:
            scenario.pushing = False

    pusher = threading.Thread(target=push_all)
    t0 = time.time()
    pusher.start()
    try:
        scenario.run()
    finally:
        pusher.join()
    push_seconds = time.time() - t0

    # Every event happened where this test claims: each began while files were still being
    # pushed, and each broker SIGKILL landed while they were (the event is noted after it).
    assert [e["began_during_push"] for e in scenario.events] == [True] * len(scenario.plan), \
        scenario.events
    assert all(e["during_push"] for e in scenario.events
               if e["kind"].startswith("SIGKILL")), scenario.events
    # Every push was acknowledged, and the acknowledged records are exactly ground truth's.
    assert failures == []
    assert len(acked) == len(files)
    assert sum(a for a, _ in acked.values()) == want_accepted
    assert sum(r for _, r in acked.values()) == len(truth["rejected"])

    # Both query replicas answer exactly the ground truth.
    settle = {}
    for name in ("query1", "query2"):
        t1 = time.time()
        diffs = cwclient.wait_equal(cwclient.Client(stack.address(name)), truth, 300)
        settle[name] = round(time.time() - t1, 1)
        assert diffs == [], f"{name} differs from ground truth: {diffs}"

    # The scale-out really happened: the joiners owned partitions, and the survivors are
    # healthy and own every partition between them (each exactly once).
    assignments = {n: assigned_partitions(stack.services[f"aggregator{n}"]) for n in (1, 2, 3)}
    assert assignments[2], "aggregator2 was never assigned a partition"
    assert assignments[3], "aggregator3 was never assigned a partition"
    for n in (1, 3):
        svc = stack.services[f"aggregator{n}"]
        assert svc.proc.poll() is None, f"aggregator{n} exited"
        assert svc.metric_values("cw_aggregator_healthy") == [1, 1]  # both stages
    # The stopped instance is a static member: its partitions move after session.timeout.ms.
    survivors = [stack.services["aggregator1"], stack.services["aggregator3"]]
    deadline = time.time() + 60
    while True:
        owned = [current_partitions(svc) for svc in survivors]
        if (owned[0] | owned[1]) == set(range(PARTITIONS)) or time.time() > deadline:
            break
        time.sleep(0.5)
    assert owned[0] | owned[1] == set(range(PARTITIONS)) and not owned[0] & owned[1], owned
    # Both survivors have replayed, in both stages, every partition they own up to the
    # group's committed offsets (docs/scale-out.md).
    deadline = time.time() + 60
    while True:
        catching_up = [sum(svc.metric_values("cw_aggregator_partitions_catching_up"))
                       for svc in survivors]
        if catching_up == [0, 0] or time.time() > deadline:
            break
        time.sleep(0.5)
    assert catching_up == [0, 0]
    lag = {n: stack.services[f"aggregator{n}"].metric('cw_kafka_consumer_lag{topic="reports"}')
           for n in (1, 3)}
    applied = {n: stack.services[f"aggregator{n}"].metric(
        'cw_aggregator_records_total{outcome="applied"}') for n in (1, 3)}

    report = {"workdir": stack.workdir, "scale": SCALE, "reports": want_accepted, "files": len(files),
              "push_seconds": round(push_seconds, 1),
              "push_attempts_retried": len(retried),
              "settle_seconds_after_push": settle,
              "events": scenario.events,
              "faults_during_push": sum(1 for e in scenario.events if e["during_push"]),
              "partitions_ever_assigned": assignments,
              "partitions_owned_at_end": {"aggregator1": sorted(owned[0]),
                                          "aggregator3": sorted(owned[1])},
              "final_lag": lag,
              "applied_by_survivors": applied}
    with open(os.path.join(stack.workdir, "scale.json"), "w") as f:
        json.dump(report, f, indent=1)
    print(json.dumps(report, indent=1))
