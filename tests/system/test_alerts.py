"""System test of decline alerts on the real broker: one park declines 20% over three
periods (it must fire, and so must its county, prefecture, province and park group, whose
only member it is), another only looks like it declines because six of ten enterprises
did not report (neither it nor its regions or group may fire). A WatchAlerts client
disconnects in the middle and reconnects with its resume token; a revision then removes a
decline, and the client must receive exactly each alert's [firing v1, resolved v2], once
each."""
import os
import queue
import threading
import time

import grpc
import pytest

import cwclient  # noqa: F401  (generates the stubs and puts them on the path)
from harness import Stack, uscc, write_rows as write
from clusterwatch.v1 import alerts_pb2, query_pb2

RULES = """
defaults:
  completeness_min: 0.9
  deadline_days: 15
rules:
  - name: output_decline
    kind: decline_yoy
    metric: output
    basis: month
    threshold: -10%
    consecutive: 3
    subjects: [park, region, group]
"""
ALERT_ID = "output_decline|park:DEC|2024-05"
# DEC (宝应, 321023) is the only park of its county, prefecture, province and group.
DECLINING = [ALERT_ID,
             "output_decline|region:320000|2024-05",
             "output_decline|region:321000|2024-05",
             "output_decline|region:321023|2024-05",
             "output_decline|group:宝应玻璃组团|2024-05"]
FIRING, RESOLVED = alerts_pb2.ALERT_STATE_FIRING, alerts_pb2.ALERT_STATE_RESOLVED


class Watcher:
    """A WatchAlerts client on its own thread, collecting (id, state, version, token)."""

    def __init__(self, address, token=""):
        self.channel = grpc.insecure_channel(address)
        stub = query_pb2_grpc().QueryServiceStub(self.channel)
        self.call = stub.WatchAlerts(query_pb2.WatchAlertsRequest(resume_token=token))
        self.updates = queue.Queue()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            for u in self.call:
                self.updates.put((u.event.id, u.event.state, u.event.version, u.resume_token))
        except grpc.RpcError:
            pass  # cancelled

    def next(self, timeout=90):
        return self.updates.get(timeout=timeout)

    def close(self):
        self.call.cancel()
        self.thread.join(timeout=10)
        self.channel.close()


def query_pb2_grpc():
    from clusterwatch.v1 import query_pb2_grpc as m
    return m


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    work = str(tmp_path_factory.mktemp("alerts"))
    rules = os.path.join(work, "rules.yaml")
    with open(rules, "w") as f:
        f.write(RULES)
    s = Stack(work, alert_rules=rules).start()
    yield s
    s.stop()


def test_decline_fires_missing_reports_do_not_and_watch_resumes(stack):
    work = stack.workdir
    os.makedirs(os.path.join(work, "in"))
    parks = ["park_id,name,county_code,area_mu,level,leading_industries,groups",
             "DEC,宝应玻璃产业园,321023,12000,provincial,3041,宝应玻璃组团",
             "MISS,延吉高新区,222401,27000,national,2720,延龙图核心"]
    ents = ["uscc,name,park_id,industry,above_size"]
    rows_2023 = ["uscc,industry,period,basis,unit,gross_output"]
    rows_2024 = ["uscc,industry,period,basis,unit,gross_output"]
    for park, county, industry in (("DEC", "321023", "3041"), ("MISS", "222401", "2720")):
        for i in range(10):
            u = uscc(county, i + 1)
            ents.append(f"{u},{park}企业{i + 1},{park},{industry},1")
            for m in (3, 4, 5):
                rows_2023.append(f"{u},{industry},2023-{m:02d},month,万元,1000")
                if park == "DEC":
                    rows_2024.append(f"{u},{industry},2024-{m:02d},month,万元,800")  # -20%
                elif i < 4:
                    rows_2024.append(f"{u},{industry},2024-{m:02d},month,万元,1000")  # 4 of 10
    d = os.path.join(work, "in")
    write(f"{d}/parks.csv", parks)
    write(f"{d}/enterprises.csv", ents)
    write(f"{d}/a-2023.csv", rows_2023)
    write(f"{d}/b-2024.csv", rows_2024)
    stack.ctl("registry", f"{d}/parks.csv", f"{d}/enterprises.csv")

    watcher = Watcher(stack.address("query"))
    stack.ctl("push", f"{d}/a-2023.csv")
    stack.ctl("push", f"{d}/b-2024.csv")
    # The park and its regions and group fire (one evaluation publishes the park's first,
    # but a periodic evaluation racing the materialiser may split them: order-free here).
    first = [watcher.next(), watcher.next()]
    token = first[-1][3]
    watcher.close()  # disconnected in the middle of the firing alerts

    # While disconnected: a revision (revision 2) makes April no decline for every firm.
    revised = ["uscc,industry,period,basis,unit,gross_output,revision"]
    for i in range(10):
        revised.append(f"{uscc('321023', i + 1)},3041,2024-04,month,万元,1000,2")
    write(f"{d}/c-revision.csv", revised)
    stack.ctl("push", f"{d}/c-revision.csv")
    # Reconnect once the query service holds every resolution (they happened while away).
    wait_for(lambda: sorted((a.id, a.state) for a in grpc_list(stack)) ==
             sorted((i, RESOLVED) for i in DECLINING), "every alert resolved")

    again = Watcher(stack.address("query"), token)
    rest = [again.next() for _ in range(2 * len(DECLINING) - len(first))]
    # Nothing else arrives: no repeat, and no alert for the park with missing reports or
    # for its regions (222401, 222400, 220000) and group (延龙图核心), after a complete
    # periodic re-evaluation of every park that began after the last change arrived, and
    # once the query service has read everything on its topics.
    settled(stack)
    assert again.updates.empty(), list(again.updates.queue)
    again.close()
    assert_each_change_once([u[:3] for u in first + rest])
    tokens = [int(u[3]) for u in first + rest]
    assert tokens == sorted(set(tokens))

    listed = grpc_list(stack)
    assert sorted((a.id, a.state, a.version) for a in listed) == sorted(
        (i, RESOLVED, 2) for i in DECLINING)
    assert "MISS" not in {a.park_id for a in listed}
    county = next(a for a in listed if a.id == "output_decline|region:321023|2024-05")
    assert (county.subject_kind, county.subject_id, county.park_id) == ("region", "321023", "")
    # The figures are those of the evaluation that resolved it. The ten firms' revisions are
    # ten reports, and the aggregator may publish the county between any two of them: April
    # is -20% × (10 − k)/10 after k revisions, and the alert resolves at the first evaluation
    # where it is above the threshold (-10% still fires), i.e. with k ≥ 6 of 10 revised.
    march, april, may = [round(f.value, 6) for f in county.figures]
    assert (march, may) == (-0.2, -0.2)
    assert april in {round(-0.2 * (10 - k) / 10, 6) for k in range(6, 11)}, april
    # Filters: region subjects; a region prefix selects its parks and regions, not groups.
    assert sorted(a.id for a in grpc_list(stack, subject_kind="region")) == sorted(
        i for i in DECLINING if "|region:" in i)
    assert sorted(a.id for a in grpc_list(stack, region_prefix="32")) == sorted(
        i for i in DECLINING if "|group:" not in i)
    assert [a.id for a in grpc_list(stack, subject_kind="group")] == [DECLINING[-1]]
    assert grpc_list(stack, region_prefix="22") == []
    # Replaying the whole history from the start gives each change exactly once.
    replay = Watcher(stack.address("query"))
    got = [replay.next()[:3] for _ in range(2 * len(DECLINING))]
    settled(stack)
    assert replay.updates.empty(), list(replay.updates.queue)
    replay.close()
    assert_each_change_once(got)
    alerter = stack.services["alerter"]
    # Region and group alerts are not counted as a park's.
    assert alerter.metric('cw_park_alerts{park="DEC",state="resolved"}') == 1
    assert alerter.metric('cw_park_completeness{park="MISS"}') == 0.4


def wait_for(predicate, what, seconds=60):
    deadline = time.time() + seconds
    while not predicate():
        if time.time() > deadline:
            raise AssertionError(f"not after {seconds}s: {what}")
        time.sleep(0.2)


def settled(stack):
    """Returns after two more completed periodic evaluations of every park (so one began
    after this call) and once the query service has no lag on its topics: what they could
    send has been sent."""
    alerter, query = stack.services["alerter"], stack.services["query"]
    done = alerter.metric("cw_alerter_periodic_evaluations_total") or 0
    wait_for(lambda: (alerter.metric("cw_alerter_periodic_evaluations_total") or 0) >= done + 2,
             "two periodic evaluations")
    wait_for(lambda: query.metric_values("cw_kafka_consumer_lag") == [0], "query lag 0")


def assert_each_change_once(updates):
    """`updates` (id, state, version) are exactly firing v1 then resolved v2 of each
    declining subject's alert."""
    assert sorted(updates) == sorted([(i, FIRING, 1) for i in DECLINING] +
                                     [(i, RESOLVED, 2) for i in DECLINING]), updates
    for i in DECLINING:
        assert [u[1:] for u in updates if u[0] == i] == [(FIRING, 1), (RESOLVED, 2)], i


def grpc_list(stack, **filter_fields):
    return cwclient.list_alerts(stack.address("query"), **filter_fields)
