"""System test: the real broker and the three real binaries as separate processes. Pushes
the sample (with revisions, late reports, bad records, a duplicate push and a re-push under
a new submission id), SIGKILLs the aggregator mid-stream and restarts it, writes a poison
message straight into the reports topic, kills and rebuilds query replicas, and compares
every park-period answered over gRPC with the independent ground truth."""
import json
import os
import re
import subprocess
import threading
import time

import grpc
import pytest

import cwclient
import ground_truth
from harness import Stack, push_exit_code

GRPCURL = os.environ.get("CW_GRPCURL", "grpcurl")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    work = str(tmp_path_factory.mktemp("pipeline"))
    s = Stack(work).start()
    yield s
    s.stop()


def grpcurl(*args):
    r = subprocess.run([GRPCURL, *args], capture_output=True, text=True)
    assert r.returncode == 0, f"grpcurl {' '.join(args)}: {r.stderr}"
    return r.stdout


def report_files(sample):
    d = os.path.join(sample, "reports")
    return [os.path.join(d, f) for f in sorted(os.listdir(d)) if f.endswith(".csv")]


@pytest.fixture(scope="module")
def pushed(stack, sample, truth):
    """Registry, then every report file, with the aggregator SIGKILLed mid-stream."""
    out = stack.ctl("registry", os.path.join(sample, "registry", "parks.csv"),
                    os.path.join(sample, "registry", "enterprises.csv"))
    assert "records stored" in out.stdout
    files = report_files(sample)
    results = []
    killed = threading.Event()

    def push_all():
        for f in files[:-1]:
            results.append(stack.ctl("push", f, check=False))
        # The last file waits for the kill, so the kill always falls inside the push.
        killed.wait(120)
        results.append(stack.ctl("push", files[-1], check=False))

    pusher = threading.Thread(target=push_all)
    pusher.start()
    # Kill once the aggregator has applied something but the push is still going on.
    agg = stack.services["aggregator"]
    deadline = time.time() + 60
    applied = 0
    while time.time() < deadline and not applied:
        applied = agg.metric('cw_aggregator_records_total{outcome="applied"}') or 0
        time.sleep(0.05)
    agg.kill9()
    killed_during_push = pusher.is_alive()
    killed.set()
    time.sleep(1)  # the fault: the aggregator stays down a second while the push goes on
    agg.start()
    pusher.join()
    # The fault happened where this test claims: mid-stream, during the push.
    assert killed_during_push and applied > 0, (killed_during_push, applied)
    return {"results": results, "killed_during_push": killed_during_push, "files": files}


def test_pushes_answer_every_rejected_line(pushed, truth):
    # Each push is answered; rejections name line and field exactly as the ground truth;
    # a file with refused lines exits 3 and says how many, the others 0.
    answered = []
    refused_files = 0
    for f, r in zip(pushed["files"], pushed["results"]):
        assert r.returncode == push_exit_code(r.stdout), (r.returncode, r.stdout, r.stderr)
        if r.returncode == 3:
            refused_files += 1
            n = len(r.stdout.splitlines()) - 1
            assert f"lines accepted, {n} refused (in 1 file): exit 3" in r.stderr, r.stderr
        for line in r.stdout.splitlines()[1:]:
            # "  line N: field: reason"
            head, _, _ = line.strip().partition(": ")
            n = int(head.split()[1])
            field = line.strip().split(": ")[1]
            answered.append((os.path.basename(f), n, field))
    want = sorted((os.path.basename(r["file"]), r["line"], r["field"]) for r in truth["rejected"])
    assert sorted(answered) == want
    assert len(want) >= 10
    assert refused_files == len({r["file"] for r in truth["rejected"]})


def test_totals_equal_ground_truth_after_aggregator_sigkill(stack, pushed, truth):
    # Every park-period answered over gRPC equals the independent computation, to the fen.
    client = cwclient.Client(stack.address("query"))
    assert cwclient.wait_equal(client, truth, 120) == []
    assert "assigned" in stack.services["aggregator"].log()


def test_duplicate_push_is_replayed_and_changes_nothing(stack, pushed, truth):
    # The same submission id is answered from memory; a new id re-sends identical records.
    first = pushed["files"][0]
    client = cwclient.Client(stack.address("query"))
    assert cwclient.wait_equal(client, truth, 120) == []  # everything before is applied
    agg = stack.services["aggregator"]
    committed = sum(agg.metric_values("cw_aggregator_records_total"))
    produced = agg.metric("cw_aggregator_contributions_produced_total") or 0
    again = stack.ctl("push", first)
    assert "already pushed; answer replayed" in again.stdout
    resent = stack.ctl("push", first, "--submission_id=resend-1")
    assert "replayed" not in resent.stdout
    accepted = sum(int(n) for n in re.findall(r" (\d+) accepted,", resent.stdout))
    assert accepted > 0, resent.stdout
    # The positive marker: the aggregator has committed every resent record (same revision
    # from a later submission: applied, with the same figures; docs/semantics.md rule 2).
    deadline = time.time() + 60
    while sum(agg.metric_values("cw_aggregator_records_total")) < committed + accepted and \
            time.time() < deadline:
        time.sleep(0.1)
    assert sum(agg.metric_values("cw_aggregator_records_total")) == committed + accepted
    # ... and produced no contribution, so no park figure can have changed.
    assert (agg.metric("cw_aggregator_contributions_produced_total") or 0) == produced
    assert cwclient.differences(client, truth) == []


def test_poison_message_goes_to_rejected_topic(stack, pushed, truth):
    # Bytes that are no report go to the rejected topic with the reason; totals stay exact.
    bootstrap = stack.broker.bootstrap
    subprocess.run(["kcat", "-b", bootstrap, "-P", "-t", "cw.reports.v1", "-k", "P321282A"],
                   input=b"\xff\x00 not a report", check=True)
    agg = stack.services["aggregator"]
    deadline = time.time() + 60
    while time.time() < deadline and (agg.metric('cw_aggregator_records_total{outcome="poison"}') or 0) < 1:
        time.sleep(0.2)
    assert agg.metric('cw_aggregator_records_total{outcome="poison"}') == 1
    # The dead letter is produced in the enterprise stage's transaction and visible to
    # (read_committed) readers once that commits: wait for it, not only for the counter.
    while True:
        out = subprocess.run(["kcat", "-b", bootstrap, "-C", "-t", "cw.rejected.v1", "-o",
                              "beginning", "-e", "-q", "-f", "%k\n"],
                             check=True, capture_output=True, text=True).stdout.split()
        from_ingest = sorted(k for k in out if not k.startswith("cw.reports.v1|"))
        from_aggregator = [k for k in out if k.startswith("cw.reports.v1|")]
        if from_aggregator or time.time() > deadline:
            break
        time.sleep(0.2)
    assert len(from_aggregator) == 1
    # Ingest's dead letters are keyed submission|line: exactly the ground truth's rejections.
    want = sorted(f"{os.path.basename(r['file'])}|{r['line']}" for r in truth["rejected"])
    # Submission ids are "<file name>-<content hash>".
    got = sorted(f"{sub.rsplit('-', 1)[0]}|{line}"
                 for sub, line in (k.rsplit("|", 1) for k in from_ingest))
    assert got == want
    assert cwclient.wait_equal(cwclient.Client(stack.address("query")), truth, 30) == []


def test_query_replica_restart_and_rebuild(stack, pushed, truth):
    # A SIGKILLed replica resumes from its store; a new, empty replica rebuilds from Kafka.
    q = stack.services["query"]
    assert cwclient.wait_equal(cwclient.Client(stack.address("query")), truth, 60) == []
    q.kill9()
    q.start()
    assert cwclient.wait_equal(cwclient.Client(stack.address("query")), truth, 60) == []
    stack.add_query("query2")
    assert cwclient.wait_equal(cwclient.Client(stack.address("query2")), truth, 90) == []


def test_grpcurl_lists_services_by_reflection_and_reads_a_snapshot(stack, pushed, truth):
    # An external client discovers the API by reflection, checks health and reads a snapshot.
    addr = stack.address("query")
    assert cwclient.wait_equal(cwclient.Client(addr), truth, 120) == []
    listed = grpcurl("-plaintext", addr, "list").split()
    assert "clusterwatch.v1.QueryService" in listed
    assert "grpc.health.v1.Health" in listed
    # gRPC's built-in health service has no descriptor for reflection: call it raw.
    # HealthCheckRequest{} is empty; HealthCheckResponse{status: SERVING} is field 1 = 1.
    # A replica reports NOT_SERVING (2) until it has read its topics to the end (it was just
    # restarted by the previous test); then SERVING (1).
    check = grpc.insecure_channel(addr).unary_unary("/grpc.health.v1.Health/Check")
    deadline = time.time() + 30
    while check(b"", timeout=10) != b"\x08\x01" and time.time() < deadline:
        time.sleep(0.2)
    assert check(b"", timeout=10) == b"\x08\x01"
    park = "P321282A"
    key = max(truth["parks"][park])
    period = cwclient.period_proto(key)
    req = {"park_id": park, "period": {"year": period.year, "month": period.month,
                                       "jan_feb": period.jan_feb}}
    out = grpcurl("-plaintext", "-d", json.dumps(req), addr,
                  "clusterwatch.v1.QueryService/GetParkSnapshot")
    answer = json.loads(out)
    want = truth["parks"][park][key]["month"]["gross_output"]
    # grpcurl prints the proto field names; int64 values as JSON strings.
    assert int(answer["snapshot"]["month"]["gross_output"]["fen"]) == want
    assert int(answer["freshness"]["as_of_unix_ms"]) > 0
    assert answer["park"]["county_code"] == "321282"


def test_metrics_count_records_and_rejections(stack, pushed, truth):
    # /metrics on every service; ingest counts accepted records and rejections by field.
    ingest = stack.services["ingest"]
    accepted = ingest.metric('cw_ingest_records_total{field="",outcome="accepted"}')
    total = truth["accepted"]["output"] + truth["accepted"]["tax"]
    # Every file once, plus the re-push of the first file under a new submission id.
    first = pushed["files"][0]
    first_rows = sum(1 for r in ground_truth.read_table(first).rows)
    assert accepted == total + first_rows
    rejected_fields = {r["field"] for r in truth["rejected"]}
    text = ingest.metrics()
    for field in rejected_fields:
        assert f'cw_ingest_records_total{{field="{field}",outcome="rejected"}}' in text
    assert "cw_query_requests_total" in stack.services["query"].metrics()
    assert stack.services["aggregator"].metric("cw_aggregator_healthy") == 1
