"""Issue #13, "Done when": the two-stage aggregator is exact when enterprises move between
parks owned by different instances, while instances crash, restart and freeze.

Setup: a broker (scripts/kafka.sh, single node; or, in the second variant, the three-broker
cluster of scripts/kafka-cluster.sh), topics with 6 partitions, cw-ingest, THREE
cw-aggregator instances in one group (own --state_dir, --metrics_address, --instance_id) and
one cw-query replica.

Scenario (generated here, deterministic by CW_SCALE_V2_SEED):
  * 6 parks, one on each partition of cw.contributions.v1 (FNV-1a 32 of the park id mod 6),
    so any two of them are on different partitions;
  * four groups of 12 enterprises: output and tax reports, each on the month basis and on
    the year-to-date basis; months 2024-01..2024-10, pushed month by month (one output and
    one tax file per month);
  * in each group 6 enterprises MOVE to another park in a seeded month (4..8): an output
    report names the new park from then on; a tax report takes its park from the registry,
    so a tax move is a registry update (clusterctl registry) pushed just before that month's
    tax file. The other 6 stay, so every park has reporters in every period (no park-period
    ever becomes empty, and "unexpected park-period" can be checked strictly);
  * revisions of pre-move periods arrive after every move: output revision 2 of an earlier
    month still naming the OLD park, output revision 2 of the month before the move naming
    the NEW park (moving an earlier month), and tax revisions 2 and 3 of pre-move months
    (which land in the new park: ingest takes the registry's park at push time);
  * the pushes are paced (PACE s apart, in a thread); meanwhile, at seeded random moments,
    one instance is SIGKILLed and restarted, one is SIGSTOPped for 15 s (past the 10 s
    session timeout) and SIGCONTed, another is SIGKILLed and restarted while that one is
    frozen, and one more SIGKILL and restart follows. The last file is held back until the
    faults are done.

Asserted:
  * every push is acknowledged with nothing rejected;
  * every fault happened inside the push window (after the first push began, before the
    last one ended) and at least one push ran while the instance was frozen;
  * for each of the four groups, at least one enterprise moved between parks whose
    contribution partitions were owned by two different instances at the moment of its move
    (replayed from the instances' "assigned/revoked cw.contributions.v1/<p>" log lines);
  * after SIGCONT the frozen instance lost its partitions: its log says "revoked" or
    "abandoning the open transaction";
  * finally (polled, deadline SETTLE_S) the query answers, for every park, exactly the park
    periods of tests/system/ground_truth.py (none missing, none unexpected) and each equals it
    to the fen: month and year-to-date totals, reporter counts, employees and the
    per-industry month output.

The figures (event times, runtimes) go to <workdir>/scale_v2.json and are printed (pytest -s).
The three-broker variant (a broker SIGKILLed mid-run and restarted) runs too (about 2-3
minutes on 2 cores).
"""
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
from clusterwatch.v1 import query_pb2  # generated and put on sys.path by cwclient
from harness import Broker, Service, free_port, uscc, write_rows
from test_scale import Cluster, snapshot_binaries

SEED = int(os.environ.get("CW_SCALE_V2_SEED", "20261213"))
PACE = float(os.environ.get("CW_SCALE_V2_PACE", "1.0"))  # seconds between two pushes
PARTITIONS = 6
SESSION_TIMEOUT_S = 10  # session.timeout.ms of the aggregator's consumers
FREEZE_S = 15           # SIGSTOP longer than the session timeout
SETTLE_S = 180          # deadline for the query to equal the ground truth after the pushes
SECURITY = ["--plaintext", "--allow_unauthenticated", "--rate_limit_rps=0"]
INSTANCES = ("aggregator1", "aggregator2", "aggregator3")
MONTHS = range(1, 11)
YEAR = 2024
COUNTIES = ("321282", "321023", "321281", "222401", "222403", "222424")
INDUSTRIES = ("3731", "3811", "3311", "3041")
GROUPS = (("output", "month"), ("output", "ytd"), ("tax", "month"), ("tax", "ytd"))
PER_GROUP, MOVERS = 12, 6

OUT_HEADER = ("uscc,park_id,industry,period,basis,unit,gross_output,sales_output,"
              "export_delivery,employees,revision")
TAX_HEADER = "uscc,period,basis,unit,total_tax,vat,corporate_income_tax,revision"
ENT_HEADER = "uscc,name,park_id,industry,above_size"


def fnv1a_partition(key, partitions=PARTITIONS):
    """FNV-1a 32 of the bytes mod the partition count: the contributions' partitioner."""
    h = 2166136261
    for b in key.encode():
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h % partitions


# --------------------------------------------------------------------------------------
# The scenario: files in push order, written under <workdir>/sample as ground_truth reads
# them (registry/, reports/, registry-updates/; names sort in push order).

def park_per_partition():
    """Six park ids, the i-th on contributions partition i."""
    parks = {}
    for county in COUNTIES:
        for letter in "ABCDEFGHJKLMNPQRSTUVWXYZ":
            pid = f"P{county}{letter}"
            parks.setdefault(fnv1a_partition(pid), pid)
    assert sorted(parks) == list(range(PARTITIONS)), parks
    return [parks[p] for p in range(PARTITIONS)]


class Enterprise:
    def __init__(self, kind, basis, n, home, industry):
        self.kind, self.basis, self.n = kind, basis, n
        self.uscc = uscc(COUNTIES[n % len(COUNTIES)], 1000 + n, "MC")
        self.home, self.new_park, self.move_month = home, None, None
        self.industry = industry
        self.months = {}  # month -> figures of the month (flows in 千元 tenths, employees)

    def park_in(self, month):
        moved = self.move_month is not None and month >= self.move_month
        return self.new_park if moved else self.home


def tenths(x):
    """An amount in tenths of 千元 as CSV text (one decimal)."""
    return f"{x // 10}.{x % 10}"


def generate(rng, parks):
    """(enterprises, [(name, kind, rows)] in push order): kind is 'registry' or 'push'."""
    ents = []
    for g, (kind, basis) in enumerate(GROUPS):
        for i in range(PER_GROUP):
            e = Enterprise(kind, basis, g * PER_GROUP + i, parks[i % PARTITIONS],
                           INDUSTRIES[(g + i) % len(INDUSTRIES)])
            if i < MOVERS:
                # To another park, so another contributions partition; the distances vary.
                e.new_park = parks[(i + 1 + (i + g) % (PARTITIONS - 1)) % PARTITIONS]
                e.move_month = rng.randint(4, 8)
            for m in MONTHS:
                # A year-to-date mover skips the month before its move now and then: its move
                # month's month value is then derived over two months.
                if basis == "ytd" and e.move_month and m == e.move_month - 1 and rng.random() < 0.5:
                    continue
                if kind == "output":
                    go = rng.randint(1000, 90000)
                    e.months[m] = (go, go - rng.randint(0, 900), rng.randint(0, 500),
                                   rng.randint(10, 800))
                else:
                    vat, cit = rng.randint(100, 9000), rng.randint(0, 3000)
                    e.months[m] = (vat + cit + rng.randint(0, 500), vat, cit, 0)
            ents.append(e)

    def row(e, m, figures, revision, park):
        months = sorted(x for x in e.months if x <= m)
        if e.basis == "ytd":  # cumulative over the year's reported months up to m
            flows = [sum(e.months[x][k] for x in months[:-1]) + figures[k] for k in range(3)]
        else:
            flows = list(figures[:3])
        money = ",".join(tenths(v) for v in flows)
        period = f"{YEAR}-{m:02d}"
        if e.kind == "output":
            return (f"{e.uscc},{park},{e.industry},{period},{e.basis},千元,{money},"
                    f"{figures[3]},{revision}")
        return f"{e.uscc},{period},{e.basis},千元,{money},{revision}"

    files = []
    seq = iter(range(100, 1000))
    registry_ents = [ENT_HEADER] + [f"{e.uscc},企业{e.n},{e.home},{e.industry},1" for e in ents]
    for m in MONTHS:
        out = [OUT_HEADER] + [row(e, m, e.months[m], 1, e.park_in(m)) for e in ents
                              if e.kind == "output" and m in e.months]
        files.append((f"{next(seq)}-{YEAR}-{m:02d}-output.csv", "push", out))
        moving = [e for e in ents if e.kind == "tax" and e.move_month == m]
        if moving:
            files.append((f"{next(seq)}-move-tax-{m:02d}.csv", "registry",
                          [ENT_HEADER] + [f"{e.uscc},企业{e.n},{e.new_park},{e.industry},1"
                                          for e in moving]))
        tax = [TAX_HEADER] + [row(e, m, e.months[m], 1, None) for e in ents
                              if e.kind == "tax" and m in e.months]
        files.append((f"{next(seq)}-{YEAR}-{m:02d}-tax.csv", "push", tax))

    # Revisions of pre-move periods, after every move (after the last month's files).
    def revised(e, m):
        old = e.months[m]
        new = tuple(max(0, v + rng.randint(-300, 300)) for v in old[:3]) + (old[3],)
        if e.kind == "tax":
            new = (new[1] + new[2] + rng.randint(0, 200), new[1], new[2], 0)
        else:
            new = (max(new[0], new[1]), new[1], new[2], new[3])
        e.months[m] = new  # later derived rows of a ytd enterprise see the revised value
        return new

    rev2_out, rev2_tax, rev3_tax = [OUT_HEADER], [TAX_HEADER], [TAX_HEADER]
    for e in ents:
        if e.move_month is None:
            continue
        early = sorted(x for x in e.months if x < e.move_month)
        if e.kind == "output":
            if e.n % 2 == 0:  # stays in the old park
                m = early[rng.randrange(len(early))]
                rev2_out.append(row(e, m, revised(e, m), 2, e.home))
            else:             # moves an earlier month to the new park
                m = early[-1]
                rev2_out.append(row(e, m, revised(e, m), 2, e.new_park))
        else:                 # the registry's park now: the new one
            m = early[rng.randrange(len(early))]
            rev2_tax.append(row(e, m, revised(e, m), 2, None))
            if e.n % 3 == 0:
                rev3_tax.append(row(e, m, revised(e, m), 3, None))
    files.append((f"{next(seq)}-revisions-output.csv", "push", rev2_out))
    files.append((f"{next(seq)}-revisions-tax.csv", "push", rev2_tax))
    files.append((f"{next(seq)}-revisions-tax-3.csv", "push", rev3_tax))
    return ents, files


def write_sample(sample, parks, ents, files):
    """Writes the sample directory; returns [(path, kind)] in push order."""
    for d in ("registry", "reports", "registry-updates"):
        os.makedirs(os.path.join(sample, d), exist_ok=True)
    write_rows(os.path.join(sample, "registry", "parks.csv"),
               ["park_id,name,county_code,area_mu,level,leading_industries,groups"]
               + [f"{p},园区{p},{p[1:7]},20000,provincial,3731," for p in parks])
    write_rows(os.path.join(sample, "registry", "enterprises.csv"),
               [ENT_HEADER] + [f"{e.uscc},企业{e.n},{e.home},{e.industry},1" for e in ents])
    out = []
    for name, kind, rows in files:
        path = os.path.join(sample, "reports" if kind == "push" else "registry-updates", name)
        write_rows(path, rows)
        out.append((path, kind))
    return out


# --------------------------------------------------------------------------------------
# The stack.

class V2Stack:
    """A broker (or three), cw-ingest, three aggregators in one group, one query replica."""

    def __init__(self, workdir, cluster=None):
        self.workdir, self.services = workdir, {}
        # Copies of the binaries: a rebuild while the test runs must not swap one between
        # two starts of the same instance.
        self.bin = snapshot_binaries(workdir)
        self.cluster = cluster
        self.broker = None if cluster else Broker(workdir)
        if self.broker:
            self.broker.env["CW_PARTITIONS"] = str(PARTITIONS)
        self.bootstrap = cluster.bootstrap if cluster else self.broker.bootstrap

    def start(self):
        if self.cluster:
            self.cluster.run("start")
            self.cluster.run("topics")
        else:
            self.broker.start()
        b = f"--brokers={self.bootstrap}"
        ip, mp = free_port(), free_port()
        self.services["ingest"] = Service(
            "ingest", self.bin["ingest/cw-ingest"],
            [b, f"--listen=127.0.0.1:{ip}", f"--metrics_address=127.0.0.1:{mp}",
             f"--audit_log={os.path.join(self.workdir, 'audit-ingest.jsonl')}", *SECURITY],
            self.workdir, ip, mp).start()
        for name in INSTANCES:
            mp = free_port()
            self.services[name] = Service(
                name, self.bin["aggregator/cw-aggregator"],
                [b, "--group=cw-aggregator", f"--instance_id=cw-{name}",
                 f"--metrics_address=127.0.0.1:{mp}",
                 f"--state_dir={os.path.join(self.workdir, name)}"],
                self.workdir, None, mp).start()
        qp, mp = free_port(), free_port()
        self.services["query"] = Service(
            "query", self.bin["query/cw-query"],
            [b, f"--listen=127.0.0.1:{qp}", f"--metrics_address=127.0.0.1:{mp}",
             f"--state_dir={os.path.join(self.workdir, 'query')}",
             f"--audit_log={os.path.join(self.workdir, 'audit-query.jsonl')}", *SECURITY],
            self.workdir, qp, mp).start()
        return self

    def address(self, name):
        return f"127.0.0.1:{self.services[name].port}"

    def ctl(self, *args):
        return subprocess.run([self.bin["cli/clusterctl"], *args,
                               f"--ingest={self.address('ingest')}",
                               f"--query={self.address('query')}"],
                              capture_output=True, text=True)

    def stop(self):
        for s in self.services.values():
            if s.proc and s.proc.poll() is None:
                s.proc.send_signal(signal.SIGCONT)  # a frozen one must be able to exit
            s.stop()
        if self.cluster:
            try:
                self.cluster.run("stop", timeout=120)
            except Exception as e:  # teardown must not hide the test's own failure
                print(f"kafka-cluster.sh stop: {e}")
        else:
            self.broker.stop()


# --------------------------------------------------------------------------------------
# Partition ownership from the aggregators' logs.

LOG_TIME = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3})Z ")
OWNERSHIP = re.compile(r" (assigned|revoked) cw\.contributions\.v1/(\d+) ")


def log_time(line):
    m = LOG_TIME.match(line)
    return None if m is None else time.mktime(time.strptime(
        m.group(1)[:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone + float(m.group(1)[19:])


def ownership_events(stack):
    """[(time, instance, 'assigned'|'revoked', partition)] of the park stage, in time order."""
    events = []
    for name in INSTANCES:
        with open(stack.services[name].log_path, errors="replace") as f:
            for line in f:
                m = OWNERSHIP.search(line)
                if m and log_time(line) is not None:
                    events.append((log_time(line), name, m.group(1), int(m.group(2))))
    return sorted(events)


def owners_at(events, t):
    """{partition: instance} at time t: the last instance assigned it (not revoked since).
    A SIGKILLed instance logs no revocation; its partitions stay its own until someone is
    assigned them, which is what the group does too."""
    owner = {}
    for when, name, what, p in events:
        if when > t:
            break
        if what == "assigned":
            owner[p] = name
        elif owner.get(p) == name:
            del owner[p]
    return owner


def wait_all_own_partitions(stack, seconds=90):
    """Waits until each instance owns a contributions partition and all 6 are owned."""
    deadline = time.time() + seconds
    while True:
        owner = owners_at(ownership_events(stack), time.time() + 1)
        if set(owner) == set(range(PARTITIONS)) and set(owner.values()) == set(INSTANCES):
            return owner
        if time.time() > deadline:
            raise AssertionError(f"the three instances never shared the partitions: {owner}")
        time.sleep(0.2)


# --------------------------------------------------------------------------------------
# Faults.

class Chaos:
    """The seeded fault schedule, run beside the pusher."""

    def __init__(self, stack, rng, broker_fault=False):
        self.stack, self.rng, self.broker_fault = stack, rng, broker_fault
        self.events = []      # {"kind", "at", ...}
        self.frozen = None    # (instance, SIGSTOP time, SIGCONT time, log offset at SIGCONT)
        self.done = threading.Event()

    def note(self, kind, **fields):
        self.events.append({"kind": kind, "at": time.time(), **fields})

    def kill_restart(self, name):
        svc = self.stack.services[name]
        svc.kill9()
        self.note(f"SIGKILL {name}")
        time.sleep(self.rng.uniform(0.3, 2.0))  # the fault: down this long
        svc.start()
        self.note(f"restarted {name}")

    def run(self):
        # The sleeps below are the schedule itself (seeded random gaps between faults, and
        # how long an instance stays down or frozen), not waits for an event.
        try:
            rng = self.rng
            time.sleep(rng.uniform(2, 5))
            self.kill_restart(rng.choice(INSTANCES))
            time.sleep(rng.uniform(1, 3))
            frozen = rng.choice(INSTANCES)
            svc = self.stack.services[frozen]
            os.kill(svc.proc.pid, signal.SIGSTOP)
            t_stop = time.time()
            self.note(f"SIGSTOP {frozen}")
            time.sleep(rng.uniform(3, 6))
            self.kill_restart(rng.choice([n for n in INSTANCES if n != frozen]))
            if self.broker_fault:
                node = rng.choice((1, 2, 3))
                self.stack.cluster.run("kill9", str(node))
                self.note(f"SIGKILL broker {node}")
            time.sleep(max(0.0, t_stop + FREEZE_S - time.time()))
            offset = os.path.getsize(svc.log_path)
            os.kill(svc.proc.pid, signal.SIGCONT)
            t_cont = time.time()
            self.note(f"SIGCONT {frozen}", frozen_s=round(t_cont - t_stop, 1))
            self.frozen = (frozen, t_stop, t_cont, offset)
            if self.broker_fault:
                self.stack.cluster.run("start-node", str(node))
                self.note(f"restarted broker {node}")
            time.sleep(rng.uniform(1, 3))
            self.kill_restart(rng.choice(INSTANCES))
        finally:
            self.done.set()


# --------------------------------------------------------------------------------------
# The comparison, both ways.

def period_key(p):
    return f"{p.year}-01/02" if p.jan_feb else f"{p.year}-{p.month:02d}"


def differences(client, truth, parks):
    """Every difference between the query's park-periods and the ground truth's, as text:
    missing, unexpected, or the fields that differ (got vs want)."""
    diffs = []
    for park in parks:
        want = {k: cwclient.expected_cell(c) for k, c in truth["parks"].get(park, {}).items()}
        series = client.stub.GetParkSeries(query_pb2.GetParkSeriesRequest(
            park_id=park, **{"from": cwclient.period_proto("2000-01"),
                             "to": cwclient.period_proto("2100-12")}), timeout=10)
        got = {period_key(s.period): cwclient.snapshot_cell(s) for s in series.snapshots}
        diffs += [f"{park} {k}: missing" for k in want if k not in got]
        diffs += [f"{park} {k}: unexpected {got[k]}" for k in got if k not in want]
        for k in sorted(set(want) & set(got)):
            w, g = want[k], got[k]
            fields = [f"{part}.{f}: got {g[part].get(f)} want {w[part][f]}"
                      for part in ("month", "ytd") for f in w[part]
                      if g[part].get(f) != w[part][f]]
            if g["industries"] != w["industries"]:
                fields.append(f"industries: got {g['industries']} want {w['industries']}")
            if fields:
                diffs.append(f"{park} {k}: " + "; ".join(fields))
    return diffs


def wait_equal(client, truth, parks, seconds):
    deadline = time.time() + seconds
    while True:
        try:
            diffs = differences(client, truth, parks)
        except Exception as e:  # grpc errors while a replica catches up
            diffs = [f"query: {e}"]
        if not diffs or time.time() > deadline:
            return diffs
        time.sleep(1)


# --------------------------------------------------------------------------------------
# The test.

def run_scenario(stack, broker_fault=False):
    t_start = time.time()
    rng = random.Random(SEED)
    parks = park_per_partition()
    ents, files = generate(rng, parks)
    sample = os.path.join(stack.workdir, "sample")
    pushes = write_sample(sample, parks, ents, files)
    truth = ground_truth.compute(sample)
    assert truth["rejected"] == []

    r = stack.ctl("registry", os.path.join(sample, "registry", "parks.csv"),
                  os.path.join(sample, "registry", "enterprises.csv"))
    assert r.returncode == 0 and "records stored" in r.stdout, r.stdout + r.stderr
    initial_owners = wait_all_own_partitions(stack)

    chaos = Chaos(stack, random.Random(SEED + 1), broker_fault)
    log = []       # per push: name, start, end
    failures = []

    def push_all():
        for i, (path, kind) in enumerate(pushes):
            if i == len(pushes) - 1:
                chaos.done.wait(300)  # the last file only once every fault is done
            elif i:
                time.sleep(PACE)  # pacing the pushes, not a wait
            t = time.time()
            if kind == "registry":
                r = stack.ctl("registry", path)
                ok = r.returncode == 0 and "records stored" in r.stdout
            else:
                r = stack.ctl("push", path, "--retries=200")
                ok = r.returncode == 0 and " 0 rejected" in r.stdout
            log.append({"file": os.path.basename(path), "start": t, "end": time.time()})
            if not ok:
                failures.append((os.path.basename(path), r.returncode, r.stdout[-400:],
                                 r.stderr[-400:]))

    pusher = threading.Thread(target=push_all)
    t0 = time.time()
    pusher.start()
    chaos_thread = threading.Thread(target=chaos.run)
    chaos_thread.start()
    chaos_thread.join()
    pusher.join()
    push_seconds = time.time() - t0
    assert failures == [], failures
    assert len(log) == len(pushes)

    # Every fault inside the push window, and pushes while the instance was frozen.
    first, last = log[0]["start"], log[-1]["end"]
    assert chaos.frozen is not None
    for e in chaos.events:
        assert first <= e["at"] <= last, (e, first, last)
    frozen, t_stop, t_cont, cont_offset = chaos.frozen
    during_freeze = [p["file"] for p in log if t_stop <= p["start"] <= t_cont]
    assert during_freeze, "no push while the instance was frozen"

    # After SIGCONT the frozen instance learns it lost its partitions.
    deadline = time.time() + 60
    pattern = re.compile(r"revoked cw\.|abandoning the open transaction")
    while True:
        with open(stack.services[frozen].log_path, "rb") as f:
            f.seek(cont_offset)
            after = f.read().decode(errors="replace").splitlines()
        lost = [l for l in after if pattern.search(l)]
        if lost or time.time() > deadline:
            break
        time.sleep(0.2)
    assert lost, f"{frozen} did not log a revocation or an abandoned transaction after SIGCONT"

    # Moves between parks owned by different instances at the moment of the move.
    events = ownership_events(stack)
    move_push = {}  # enterprise -> start of the push that moved it
    for e in ents:
        if e.move_month is None:
            continue
        name = (f"-{YEAR}-{e.move_month:02d}-output.csv" if e.kind == "output"
                else f"-move-tax-{e.move_month:02d}.csv")
        move_push[e.uscc] = next(p["start"] for p in log if p["file"].endswith(name))
    cross = {}
    for e in ents:
        if e.uscc in move_push:
            owner = owners_at(events, move_push[e.uscc])
            a, b = owner.get(fnv1a_partition(e.home)), owner.get(fnv1a_partition(e.new_park))
            if a and b and a != b:
                cross.setdefault(f"{e.kind}/{e.basis}", []).append(
                    f"{e.uscc}: {e.home}(p{fnv1a_partition(e.home)}, {a}) -> "
                    f"{e.new_park}(p{fnv1a_partition(e.new_park)}, {b}) in {e.move_month}")
    assert sorted(cross) == sorted(f"{k}/{b}" for k, b in GROUPS), cross

    # The query equals the ground truth, every park-period, both ways, to the fen.
    client = cwclient.Client(stack.address("query"))
    t1 = time.time()
    diffs = wait_equal(client, truth, parks, SETTLE_S)
    settle = time.time() - t1

    report = {"workdir": stack.workdir, "seed": SEED, "pushes": len(log),
              "reports": truth["accepted"],
              "park_periods": sum(len(v) for v in truth["parks"].values()),
              "push_seconds": round(push_seconds, 1),
              "settle_seconds": round(settle, 1),
              "total_seconds": round(time.time() - t_start, 1),
              "initial_owners": {str(k): v for k, v in sorted(initial_owners.items())},
              "events": [{**e, "at": round(e["at"] - t0, 1)} for e in chaos.events],
              "pushes_while_frozen": during_freeze,
              "lost_after_sigcont": lost[:4],
              "cross_instance_moves": cross,
              "differences": diffs[:40]}
    with open(os.path.join(stack.workdir, "scale_v2.json"), "w") as f:
        json.dump(report, f, indent=1, ensure_ascii=False)
    print(json.dumps(report, indent=1, ensure_ascii=False))
    assert diffs == [], f"{len(diffs)} park-periods differ from ground truth:\n" + \
        "\n".join(diffs[:40])


def test_moves_across_instances_under_kills_and_a_freeze(tmp_path_factory):
    stack = V2Stack(str(tmp_path_factory.mktemp("scale_v2")))
    try:
        stack.start()
        run_scenario(stack)
    finally:
        stack.stop()


def test_moves_across_instances_on_three_brokers_with_a_broker_killed(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("scale_v2_cluster"))
    stack = V2Stack(workdir, cluster=Cluster(workdir))
    try:
        stack.start()
        run_scenario(stack, broker_fault=True)
    finally:
        stack.stop()
