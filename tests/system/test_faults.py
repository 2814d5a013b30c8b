"""Fault-injection system test (issue: correct to the fen under crashes). On the real broker
it pushes a scaled sample (revisions, out-of-order revisions, late periods, bad records,
duplicate pushes) while SIGKILLing ingest, aggregator and query at seeded random moments,
restarting the broker once, and adding and removing a second aggregator; then it writes
poison bytes into every topic the services read. At the end the query answers must equal
the independent ground truth exactly and the rejected topic must hold exactly the bad
records. Short by default; CW_LONG=1 runs about 300k reports.

Recovery figures are written to <workdir>/recovery.json and printed (pytest -s)."""
import json
import os
import random
import subprocess
import threading
import time

import pytest

import cwclient
import ground_truth
from harness import Stack, wait_port

LONG = os.environ.get("CW_LONG") == "1"
SCALE = 40 if LONG else 4
EVENTS = 14 if LONG else 7
SEED = 20261127


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


def metric_after_restart(service, name, seconds=120):
    """Seconds until `name` > 0 on a freshly started service (None if it never is)."""
    start = time.time()
    while time.time() - start < seconds:
        try:
            v = service.metric(name)
        except OSError:
            v = None
        if v:
            return time.time() - start
        time.sleep(0.05)
    return None


class Chaos:
    """Seeded fault schedule run beside the pushes."""

    def __init__(self, stack, rng):
        self.stack, self.rng = stack, rng
        self.recovery = []
        self.broker_restarted = False
        self.second_aggregator = None
        self.during_push = []

    def kill_and_restart(self, name):
        svc = self.stack.services[name]
        svc.kill9()
        time.sleep(self.rng.uniform(0.2, 1.5))
        t0 = time.time()
        svc.start()  # returns once its ports listen
        entry = {"kind": f"SIGKILL {name}", "listening_s": round(time.time() - t0, 3)}
        if name.startswith("aggregator"):
            took = metric_after_restart(svc, "cw_aggregator_batches_total")
            entry["first_commit_s"] = None if took is None else round(took, 3)
        self.recovery.append(entry)

    def restart_broker(self):
        b = self.stack.broker
        b.run("kill9")
        time.sleep(1)
        t0 = time.time()
        b.run("start")
        self.recovery.append({"kind": "SIGKILL broker", "serving_s": round(time.time() - t0, 3)})
        self.broker_restarted = True

    def toggle_second_aggregator(self):
        if self.second_aggregator is None:
            t0 = time.time()
            self.second_aggregator = self.stack.add_aggregator("aggregator2")
            took = metric_after_restart(self.second_aggregator, "cw_aggregator_batches_total",
                                        30)
            self.recovery.append({"kind": "add aggregator2",
                                  "first_commit_s": None if took is None else round(
                                      time.time() - t0, 3)})
        else:
            # Removed by a crash, the harder case: its partitions move back after the
            # session timeout.
            self.second_aggregator.kill9()
            self.recovery.append({"kind": "SIGKILL aggregator2 (removed)"})
            del self.stack.services["aggregator2"]
            self.second_aggregator = None

    def run(self, pusher):
        actions = ["ingest", "aggregator", "query", "second", "broker", "second", "aggregator"]
        while len(actions) < EVENTS:
            actions.append(self.rng.choice(["ingest", "aggregator", "query"]))
        # Every scheduled fault happens, during the pushes or, if they finish first, after.
        for action in actions:
            self.during_push.append(pusher.is_alive())
            time.sleep(self.rng.uniform(0.5, 2.5))
            if action == "broker":
                self.restart_broker()
            elif action == "second":
                self.toggle_second_aggregator()
            else:
                self.kill_and_restart(action)
        if self.second_aggregator is not None:
            self.toggle_second_aggregator()


def test_exact_totals_under_crashes_restarts_and_rebalances(stack):
    # Everything accepted is counted exactly once; every bad record is on the rejected topic.
    sample = os.path.join(stack.workdir, "sample")
    stack.ctl("gen-sample", f"--out={sample}", f"--scale={SCALE}", f"--seed={SEED}")
    truth = ground_truth.compute(sample)
    stack.ctl("registry", f"{sample}/registry/parks.csv", f"{sample}/registry/enterprises.csv")
    files = sorted(os.path.join(sample, "reports", f)
                   for f in os.listdir(os.path.join(sample, "reports")) if f.endswith(".csv"))
    failures = []

    def push_all():
        for f in files:
            r = stack.ctl("push", f, "--retries=200", check=False)
            if r.returncode != 0:
                failures.append((f, r.stderr[-500:]))
        # Duplicates: the same submission again, and the same content under a new id.
        for extra in (["push", files[0], "--retries=200"],
                      ["push", files[1], "--submission_id=again-1", "--retries=200"]):
            r = stack.ctl(*extra, check=False)
            if r.returncode != 0:
                failures.append((extra, r.stderr[-500:]))

    rng = random.Random(SEED)
    chaos = Chaos(stack, rng)
    pusher = threading.Thread(target=push_all)
    t0 = time.time()
    pusher.start()
    chaos.run(pusher)
    pusher.join()
    push_seconds = time.time() - t0
    assert failures == []
    assert chaos.broker_restarted

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

    report = {"scale": SCALE, "reports": truth["accepted"]["output"] + truth["accepted"]["tax"],
              "push_seconds": round(push_seconds, 1),
              "settle_seconds_after_push": round(settle_seconds, 1),
              "events": chaos.recovery,
              "faults_during_push": sum(chaos.during_push)}
    with open(os.path.join(stack.workdir, "recovery.json"), "w") as f:
        json.dump(report, f, indent=1)
    print(json.dumps(report, indent=1))
