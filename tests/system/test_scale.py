"""Scale-out system test on a three-broker KRaft cluster (scripts/kafka-cluster.sh).

Topics with replication factor 3 and min.insync.replicas 2; cw-ingest, ONE cw-aggregator
(group cw-aggregator, static membership), two cw-query replicas and cw-alerter. A scaled
sample (`clusterctl gen-sample --scale=3`) is pushed file by file in a thread, each push with
--retries=200 (a retry reuses the submission id, so it adds no duplicates), while, at fixed
points of the push progress:
  * a second and then a third aggregator join the group (own --state_dir, --metrics_address,
    --instance_id): cooperative-sticky rebalances hand them partitions, which they rebuild
    from the reports topic;
  * one broker is SIGKILLed and later restarted (writes go on with two in-sync replicas);
  * the second aggregator is stopped with SIGTERM: its partitions move back to the others
    (after the session timeout, as it is a static member) and resume from their own offsets.
At the end both query replicas must answer exactly the independent ground truth, and no
acknowledged report may be missing: every push succeeded and the accepted counts clusterctl
printed add up to ground truth's accepted output + tax rows.

Short by default (~3 minutes here); CW_LONG=1 pushes a larger sample (--scale=10) with two
broker kills. Figures are written to <workdir>/scale.json and printed (pytest -s)."""
import json
import os
import random
import re
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
SEED = 20261201
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


class Cluster:
    """Three KRaft nodes through scripts/kafka-cluster.sh, in the test's directory."""

    def __init__(self, workdir):
        self.env = dict(os.environ, CW_CLUSTER_DIR=os.path.join(workdir, "kafka-cluster"),
                        CW_CLUSTER_PORT_BASE=str(free_port_base()))
        self.bootstrap = self.run("bootstrap").stdout.strip()

    def run(self, *args, timeout=300):
        r = subprocess.run([CLUSTER, *args], env=self.env, capture_output=True, text=True,
                           timeout=timeout)
        if r.returncode != 0:
            raise AssertionError(f"kafka-cluster.sh {' '.join(args)} failed "
                                 f"({r.returncode}):\n{r.stderr[-3000:]}")
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

    def start(self):
        self.cluster.run("start")
        self.cluster.run("topics")
        b = f"--brokers={self.cluster.bootstrap}"
        ip, mp = free_port(), free_port()
        self.services["ingest"] = Service(
            "ingest", "ingest/cw-ingest",
            [b, f"--listen=127.0.0.1:{ip}", f"--metrics_address=127.0.0.1:{mp}",
             f"--audit_log={os.path.join(self.workdir, 'audit-ingest.jsonl')}", *SECURITY],
            self.workdir, ip, mp).start()
        self.add_aggregator(1)
        self.add_query("query1")
        self.add_query("query2")
        mp = free_port()
        self.services["alerter"] = Service(
            "alerter", "alerter/cw-alerter",
            [b, f"--metrics_address=127.0.0.1:{mp}",
             f"--rules={os.path.join(ROOT, 'deploy', 'alert-rules.yaml')}",
             f"--state_dir={os.path.join(self.workdir, 'alerter')}", "--reevaluate_seconds=5"],
            self.workdir, None, mp).start()
        return self

    def add_aggregator(self, n):
        name, mp = f"aggregator{n}", free_port()
        self.services[name] = Service(
            name, "aggregator/cw-aggregator",
            [f"--brokers={self.cluster.bootstrap}", "--group=cw-aggregator",
             f"--instance_id=cw-aggregator-{n}", f"--metrics_address=127.0.0.1:{mp}",
             f"--state_dir={os.path.join(self.workdir, name)}"],
            self.workdir, None, mp).start()
        return self.services[name]

    def add_query(self, name):
        qp, mp = free_port(), free_port()
        self.services[name] = Service(
            name, "query/cw-query",
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
        return subprocess.run([os.path.join(BUILD, "cli", "clusterctl"), *args,
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


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    s = ClusterStack(str(tmp_path_factory.mktemp("scale")))
    try:
        s.start()
        yield s
    finally:
        s.stop()


def wait_metric(service, prefix, seconds):
    """Seconds until the metric line `prefix` is > 0 (None if it never is)."""
    t0 = time.time()
    while time.time() - t0 < seconds:
        try:
            v = service.metric(prefix)
        except OSError:
            v = None
        if v:
            return round(time.time() - t0, 2)
        time.sleep(0.1)
    return None


def assigned_partitions(service):
    """Partitions of the reports topic the aggregator's log says it was assigned."""
    return sorted({int(p) for p in re.findall(r"assigned cw\.reports\.v1/(\d+)", service.log())})


class Scenario:
    """The fault and scaling schedule, driven by the pusher's progress so that it overlaps
    the pushes however fast they go."""

    def __init__(self, stack, rng, files):
        self.stack, self.rng, self.files = stack, rng, files
        self.pushed = 0           # files acknowledged so far (written by the pusher)
        self.pushing = True
        self.events = []

    def wait_progress(self, fraction):
        target = int(len(self.files) * fraction)
        while self.pushing and self.pushed < target:
            time.sleep(0.05)

    def note(self, kind, **figures):
        figures.update(kind=kind, at_file=self.pushed, during_push=self.pushing)
        self.events.append(figures)

    def add_aggregator(self, n):
        t0 = time.time()
        svc = self.stack.add_aggregator(n)
        took = wait_metric(svc, "cw_aggregator_batches_total", 120)
        self.note(f"start aggregator{n}", first_commit_s=None if took is None else round(
            time.time() - t0, 2))

    def kill_broker(self):
        node = self.rng.choice([1, 2, 3])
        leaders = self.stack.cluster.leaders()
        self.stack.cluster.run("kill9", str(node))
        self.note(f"SIGKILL broker {node}", partitions_it_led=leaders.get(node, 0))
        return node

    def restart_broker(self, node):
        t0 = time.time()
        self.stack.cluster.run("start-node", str(node))
        serving = round(time.time() - t0, 2)
        self.stack.cluster.run("wait-isr", "180")
        self.note(f"restart broker {node}", serving_s=serving,
                  all_isr_s=round(time.time() - t0, 2))

    def stop_aggregator(self, n):
        svc = self.stack.services[f"aggregator{n}"]
        t0 = time.time()
        svc.stop()  # SIGTERM: commits the batch in flight and exits
        assert svc.proc.returncode == 0, f"aggregator{n} exited with {svc.proc.returncode}"
        self.note(f"SIGTERM aggregator{n}", exit_s=round(time.time() - t0, 2))

    def run(self):
        rounds = 2 if LONG else 1
        self.wait_progress(0.08)
        self.add_aggregator(2)
        for r in range(rounds):
            base = r / rounds
            self.wait_progress(base + 0.20 / rounds)
            killed_at = time.time()
            node = self.kill_broker()
            if r == 0:
                self.wait_progress(base + 0.35 / rounds)
                self.add_aggregator(3)
            self.wait_progress(base + 0.55 / rounds)
            # Down long enough to be fenced and dropped from the ISRs (session 3 s).
            time.sleep(max(0.0, 5 - (time.time() - killed_at)))
            self.restart_broker(node)
        self.wait_progress(0.75)
        self.stop_aggregator(2)


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

    def push_all():
        try:
            for f in files:
                r = stack.ctl("push", f, "--retries=200", check=False)
                m = re.search(r": (\d+) accepted, (\d+) rejected", r.stdout)
                if r.returncode != 0 or m is None:
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
    # healthy and own every partition between them.
    assignments = {n: assigned_partitions(stack.services[f"aggregator{n}"]) for n in (1, 2, 3)}
    assert assignments[2], "aggregator2 was never assigned a partition"
    assert assignments[3], "aggregator3 was never assigned a partition"
    for n in (1, 3):
        svc = stack.services[f"aggregator{n}"]
        assert svc.proc.poll() is None, f"aggregator{n} exited"
        assert svc.metric("cw_aggregator_healthy") == 1
    lag = {n: stack.services[f"aggregator{n}"].metric('cw_kafka_consumer_lag{topic="reports"}')
           for n in (1, 3)}

    report = {"scale": SCALE, "reports": want_accepted, "files": len(files),
              "push_seconds": round(push_seconds, 1),
              "settle_seconds_after_push": settle,
              "events": scenario.events,
              "faults_during_push": sum(1 for e in scenario.events if e["during_push"]),
              "partitions_ever_assigned": assignments,
              "final_lag": lag}
    with open(os.path.join(stack.workdir, "scale.json"), "w") as f:
        json.dump(report, f, indent=1)
    print(json.dumps(report, indent=1))
