"""System test of alert routing through a real Prometheus Alertmanager (Debian's
prometheus-alertmanager), on the real broker and binaries. cw-alerter sends to
Alertmanager's API v2; Alertmanager groups by alertname and delivers to a test webhook
receiver run here.

- A decline of park DEC over the three latest reporting periods judged by today's date fires
  once for the park, its county, prefecture, province and group (one alert each, version
  1), and reaches the receiver grouped: one notification carrying the five alerts.
- Park BF's two years of history are pushed (a backfill): the largest enterprise held more
  than half of output (year to date) in one run of periods per calendar year; the past
  years' runs ended, the latest year's is open at the latest period. The history is queryable (three alerts: two resolved, one firing), and
  only the open one reaches the receiver.
- `clusterctl alerts silence` silences the park's decline in Alertmanager (author and
  comment recorded there); a revision then removes the decline and every alert resolves;
  the receiver gets the resolution of the alerts that are not silenced."""
import calendar
import datetime
import http.server
import json
import os
import queue
import threading
import time

import pytest

import cwclient  # generates the stubs and puts them on the path; list_alerts
from harness import Alertmanager, Stack, free_port, uscc, write_rows as write
from clusterwatch.v1 import alerts_pb2

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
  - name: dependency
    kind: dependency
    threshold: 50%
    consecutive: 1
    subjects: [park]
"""
FIRING, RESOLVED = alerts_pb2.ALERT_STATE_FIRING, alerts_pb2.ALERT_STATE_RESOLVED
CST = datetime.timezone(datetime.timedelta(hours=8))


# ---- Reporting periods (1-2月 combined), as the alert engine counts them ----

def prev_period(p):
    year, month = p  # month 2 stands for 1-2月
    if month == 2:
        return (year - 1, 12)
    if month == 3:
        return (year, 2)
    return (year, month - 1)


def period_key(p):
    year, month = p
    return f"{year}-01/02" if month == 2 else f"{year}-{month:02d}"


def judged_from(p, deadline_days=15):
    """00:00 CST on the day after the period's last day + deadline_days."""
    year, month = p
    first_of_next = datetime.date(year + (month == 12), month % 12 + 1, 1)
    day = first_of_next + datetime.timedelta(days=deadline_days)
    return datetime.datetime(day.year, day.month, day.day, tzinfo=CST)


def latest_judged_period():
    now = datetime.datetime.now(CST)
    p = (now.year, now.month if now.month > 2 else 2)
    while judged_from(p) > now:
        p = prev_period(p)
    return p


def periods_ending(p, n):
    out = [p]
    while len(out) < n:
        out.append(prev_period(out[-1]))
    return list(reversed(out))


# ---- The test receiver ----

class Receiver:
    """An HTTP server collecting Alertmanager's webhook notifications (JSON bodies)."""

    def __init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.bodies = queue.Queue()
        received = self.bodies

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                received.put(json.loads(self.rfile.read(n).decode()))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.seen = []

    def wait_for(self, predicate, timeout=120):
        """Collects notifications until predicate(all seen so far) holds."""
        deadline = time.time() + timeout
        while not predicate(self.seen):
            left = deadline - time.time()
            if left <= 0:
                raise AssertionError(f"receiver: condition not met; got {self.seen}")
            try:
                self.seen.append(self.bodies.get(timeout=left))
            except queue.Empty:
                pass
        return self.seen

    def stop(self):
        self.server.shutdown()


def alerts_in(bodies, status=None):
    """(alert_id, alert status) of every alert of every notification."""
    return {(a["labels"]["alert_id"], a["status"]) for b in bodies for a in b["alerts"]
            if status is None or a["status"] == status}


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    work = str(tmp_path_factory.mktemp("alertmanager"))
    rules = os.path.join(work, "rules.yaml")
    with open(rules, "w") as f:
        f.write(RULES)
    receiver = Receiver()
    am = Alertmanager(work, receiver.url).start()
    stack = Stack(work, alert_rules=rules,
                  alerter_args=[f"--alertmanager_url={am.url}"]).start()
    yield stack, am, receiver
    stack.stop()
    am.stop()
    receiver.stop()


def grpc_list(stack, **filter_fields):
    return cwclient.list_alerts(stack.address("query"), **filter_fields)


def wait_listed(stack, expected, timeout=120, **filter_fields):
    """Waits until ListAlerts answers exactly `expected`: a set of (id, state)."""
    deadline = time.time() + timeout
    while True:
        got = {(a.id, a.state) for a in grpc_list(stack, **filter_fields)}
        if got == expected:
            return
        if time.time() > deadline:
            raise AssertionError(f"ListAlerts {filter_fields}: {got} != {expected}")
        time.sleep(0.5)


def test_alertmanager_groups_silences_resolves_and_backfill_notifies_open_only(env):
    stack, am, receiver = env
    d = os.path.join(stack.workdir, "in")
    os.makedirs(d)
    latest = latest_judged_period()
    decline = periods_ending(latest, 3)
    history = periods_ending(latest, 24)  # BF's two years, oldest first
    parks = ["park_id,name,county_code,area_mu,level,leading_industries,groups",
             "DEC,宝应玻璃产业园,321023,12000,provincial,3041,宝应玻璃组团",
             "BF,荆州开发区,421003,30000,national,3670,"]
    ents = ["uscc,name,park_id,industry,above_size"]
    header = "uscc,industry,period,basis,unit,gross_output"
    before, backfill, now_rows = [header], [header], [header]
    dec = [uscc("321023", i + 1) for i in range(10)]
    for i, u in enumerate(dec):
        ents.append(f"{u},DEC企业{i + 1},DEC,3041,1")
        for p in decline:
            last_year = (p[0] - 1, p[1])
            before.append(f"{u},3041,{period_key(last_year)},month,万元,1000")
            now_rows.append(f"{u},3041,{period_key(p)},month,万元,800")  # -20%
    # BF: 1000 万元 a month (no decline), of which enterprise 1 has 900 in the first three
    # periods of each calendar year and in all of the latest year, 50 otherwise; reported
    # year to date, so the largest enterprise's share (year to date) is above 50% from
    # each year's start for five periods, and all of the latest year.
    bf = [uscc("421003", n) for n in (1, 2, 3)]
    for i, u in enumerate(bf):
        ents.append(f"{u},BF企业{i + 1},BF,3670,1")
    ytd, shares = {}, []
    for p in history:
        nth = sum(1 for q in history if q[0] == p[0] and q <= p)  # period of the year, 1-based
        months = (900, 50, 50) if nth <= 3 or p[0] == latest[0] else (50, 475, 475)
        if nth == 1:
            ytd = {u: 0 for u in bf}
        for u, month in zip(bf, months):
            ytd[u] += month
            backfill.append(f"{u},3670,{period_key(p)},ytd,万元,{ytd[u]}")
        shares.append(max(ytd.values()) / sum(ytd.values()))
    write(f"{d}/parks.csv", parks)
    write(f"{d}/enterprises.csv", ents)
    write(f"{d}/a-last-year.csv", before)
    write(f"{d}/b-backfill.csv", backfill)
    write(f"{d}/c-now.csv", now_rows)
    stack.ctl("registry", f"{d}/parks.csv", f"{d}/enterprises.csv")
    for name in ("a-last-year.csv", "b-backfill.csv", "c-now.csv"):
        r = stack.ctl("push", f"{d}/{name}")
        assert " 0 rejected" in r.stdout, r.stdout

    key = period_key(latest)  # three periods in a row hold first at the latest one
    declining = {f"output_decline|park:DEC|{key}", f"output_decline|region:320000|{key}",
                 f"output_decline|region:321000|{key}", f"output_decline|region:321023|{key}",
                 f"output_decline|group:宝应玻璃组团|{key}"}
    # BF's runs of periods with a share above 50%, as the alert engine groups them.
    runs, start = [], None
    for i, share in enumerate(shares):
        if share > 0.5 and start is None:
            start = i
        elif share <= 0.5 and start is not None:
            runs.append((start, i - 1))
            start = None
    assert start is not None and len(runs) >= 1, (shares, runs)  # the fixture's premise
    open_dependency = f"dependency|park:BF|{period_key(history[start])}"
    open_periods = len(history) - start
    past_dependency = {f"dependency|park:BF|{period_key(history[a])}" for a, _ in runs}

    # The history is queryable: BF's past runs resolved, the open one firing; DEC's decline
    # fires once (version 1) for the park, its regions and its group. The aggregator may
    # publish BF's periods in any order, so the alerter may have seen a run start later
    # than it does (its first periods not there yet): that alert is resolved as superseded,
    # naming the run it belongs to, and was never notified.
    expected_bf = {(i, RESOLVED) for i in past_dependency} | {(open_dependency, FIRING)}
    deadline = time.time() + 120
    while True:
        listed = grpc_list(stack, park_id="BF", rule="dependency")
        got = {(a.id, a.state) for a in listed}
        superseded = {a.id for a in listed if (a.id, a.state) not in expected_bf and
                      a.state == RESOLVED and any(f"belongs to alert {i}" in a.explanation_en
                                                  for i, _ in expected_bf)}
        if got - {(i, RESOLVED) for i in superseded} == expected_bf:
            break
        assert time.time() < deadline, (got, expected_bf)
        time.sleep(0.5)
    wait_listed(stack, {(i, FIRING) for i in declining}, rule="output_decline")
    assert {(a.id, a.version) for a in grpc_list(stack, rule="output_decline")} == {
        (i, 1) for i in declining}
    bf_open = next(a for a in grpc_list(stack, park_id="BF") if a.id == open_dependency)
    assert (bf_open.periods, bf_open.latest_period.month) == (open_periods, latest[1])
    assert bf_open.subject_name == "园区荆州开发区（BF）"

    # Grouped: one notification carries the five declines (group alertname=output_decline).
    def grouped(bodies):
        return any(b["groupLabels"] == {"alertname": "output_decline"} and b["status"] == "firing"
                   and {a["labels"]["alert_id"] for a in b["alerts"]} == declining
                   for b in bodies)
    receiver.wait_for(lambda bodies: grouped(bodies) and
                      (open_dependency, "firing") in alerts_in(bodies))
    for b in receiver.seen:
        assert all(a["labels"]["alertname"] == b["groupLabels"]["alertname"]
                   for a in b["alerts"]), b
    # The backfill notified only the open condition, never its history.
    assert not {i for i, _ in alerts_in(receiver.seen)} & (past_dependency | superseded), (
        receiver.seen)
    assert {i for i, _ in alerts_in(receiver.seen)} == declining | {open_dependency}
    park_alert = next(a for b in receiver.seen for a in b["alerts"]
                      if a["labels"]["alert_id"] == f"output_decline|park:DEC|{key}")
    assert park_alert["annotations"]["summary"].startswith("园区宝应玻璃产业园（DEC）"), park_alert
    assert park_alert["labels"]["park"] == "DEC"

    # Silenced from clusterctl: Alertmanager suppresses the park's alert and records who
    # and why.
    park_id = f"output_decline|park:DEC|{key}"
    r = stack.ctl("alerts", "silence", f"--id={park_id}", "--duration=1h", "--by=系统测试",
                  "--comment=产线检修，已知", f"--alertmanager={am.url}")
    assert r.stdout.startswith(f"silenced {park_id} until "), r.stdout + r.stderr
    silences = am.get("/api/v2/silences")
    assert [(s["createdBy"], s["comment"], s["matchers"][0]["value"]) for s in silences] == [
        ("系统测试", "产线检修，已知", park_id)]
    deadline = time.time() + 30
    while True:
        states = {a["labels"]["alert_id"]: a["status"]["state"] for a in am.get("/api/v2/alerts")}
        if states.get(park_id) == "suppressed":
            break
        assert time.time() < deadline, states
        time.sleep(0.3)
    assert {i: s for i, s in states.items() if i != park_id} == {
        i: "active" for i in (declining | {open_dependency}) - {park_id}}
    # Bad input is refused with what was expected, exit status 2.
    bad = stack.ctl("alerts", "silence", "--id=DEC", "--duration=1h", "--by=x", "--comment=y",
                    f"--alertmanager={am.url}", check=False)
    assert bad.returncode == 2 and "is not an alert id (expected" in bad.stderr, bad.stderr

    # The silence is recorded with the alert (RecordAlertAction): listed with who, until
    # when, why and the Alertmanager silence that carries it; a comment is added after it.
    silence_id = silences[0]["id"]
    until = calendar.timegm(time.strptime(silences[0]["endsAt"][:19], "%Y-%m-%dT%H:%M:%S")) * 1000
    r = stack.ctl("alerts", "comment", f"--id={park_id}", "--comment=企业回复：检修至月底")
    assert r.stdout == f"commented on {park_id} as anonymous\n", r.stdout + r.stderr
    listed = {a.id: a for a in grpc_list(stack, rule="output_decline")}
    actions = [(x.kind, x.by, x.comment, x.silence_id) for x in listed[park_id].actions]
    assert actions == [
        (alerts_pb2.ALERT_ACTION_KIND_SILENCE, "anonymous", "产线检修，已知", silence_id),
        (alerts_pb2.ALERT_ACTION_KIND_COMMENT, "anonymous", "企业回复：检修至月底", "")], actions
    silenced = listed[park_id].actions[0]
    assert abs(silenced.until_unix_ms - until) < 1000, (silenced.until_unix_ms, until)
    assert all(not a.actions for i, a in listed.items() if i != park_id)
    brief = stack.ctl("alerts", "list", "--brief", "--rule=output_decline").stdout
    line = next(l for l in brief.splitlines() if l.endswith(f"{park_id}  [silenced by anonymous]"))
    assert line.startswith("FIRING"), brief
    # Each action is in the query service's audit log, with the alert and the comment.
    audit = [json.loads(l) for l in open(os.path.join(stack.workdir, "audit-query.jsonl"))]
    recorded = [a for a in audit if a["method"] == "RecordAlertAction"]
    assert [(a["code"], park_id in a["request"], "validate_only: true" in a["request"])
            for a in recorded] == [(0, True, True), (0, True, False), (0, True, False)], recorded
    # An alert that does not exist is refused before Alertmanager is asked: exit 4, no
    # silence left behind.
    missing = stack.ctl("alerts", "silence", "--id=output_decline|park:NOPE|2020-01",
                        "--duration=1h", "--by=x", "--comment=y", f"--alertmanager={am.url}",
                        check=False)
    assert missing.returncode == 4, missing.stdout + missing.stderr
    assert "no alert 'output_decline|park:NOPE|2020-01'" in missing.stderr, missing.stderr
    assert len(am.get("/api/v2/silences")) == 1

    # A revision removes the middle period's decline: every decline resolves (version 2),
    # and the receiver gets the resolution of the four that are not silenced.
    revised = ["uscc,industry,period,basis,unit,gross_output,revision"]
    for u in dec:
        revised.append(f"{u},3041,{period_key(decline[1])},month,万元,1000,2")
    write(f"{d}/d-revision.csv", revised)
    stack.ctl("push", f"{d}/d-revision.csv")
    wait_listed(stack, {(i, RESOLVED) for i in declining}, rule="output_decline")
    assert {(a.id, a.version) for a in grpc_list(stack, rule="output_decline")} == {
        (i, 2) for i in declining}
    receiver.wait_for(lambda bodies: {(i, "resolved") for i in declining - {park_id}}
                      <= alerts_in(bodies))
    # The open dependency is untouched.
    wait_listed(stack, {(open_dependency, FIRING)}, park_id="BF", state=FIRING)
