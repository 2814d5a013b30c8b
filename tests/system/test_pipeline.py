"""System test: the real broker and the three real binaries as separate processes. Pushes
the sample (with revisions, late reports, bad records, a duplicate push and a re-push under
a new submission id), SIGKILLs the aggregator mid-stream and restarts it, writes a poison
message straight into the reports topic, kills and rebuilds query replicas, and compares
every park-period answered over gRPC with the independent ground truth."""
import json
import os
import re
import shutil
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


def test_linkage_equals_ground_truth(stack, pushed, truth):
    # Every park-period's linkage (purchases, in park, in region, month and year to date, and
    # the two shares of GetParkMetrics) equals ground_truth.linkage_flows; a purchase from
    # the buyer itself counts nowhere.
    client = cwclient.Client(stack.address("query"))
    assert cwclient.wait_equal(client, truth, 120) == []
    from clusterwatch.v1 import query_pb2
    diffs, cells, with_purchases, with_in_park = [], 0, 0, 0
    for park, periods in truth["parks"].items():
        for key, cell in periods.items():
            cells += 1
            snap = client.snapshot(park, key).snapshot
            for part, totals in (("month", snap.month), ("ytd", snap.year_to_date)):
                for k in ground_truth.PURCHASE_FLOWS:
                    if getattr(totals, k).fen != cell[part][k]:
                        diffs.append(f"{park} {key} {part}.{k}: got {getattr(totals, k).fen} "
                                     f"want {cell[part][k]}")
            m = client.stub.GetParkMetrics(query_pb2.GetParkMetricsRequest(
                park_id=park, period=cwclient.period_proto(key)), timeout=10).metrics
            assert not m.snapshot.confidential, (park, key)  # no disclosure control here
            got = (m.in_park_purchase_share if m.HasField("in_park_purchase_share") else None,
                   m.in_region_purchase_share if m.HasField("in_region_purchase_share")
                   else None)
            want = ground_truth.linkage_shares(cell["ytd"])
            if got != want:
                diffs.append(f"{park} {key} shares: got {got} want {want}")
            with_purchases += cell["ytd"]["purchases"] > 0
            with_in_park += cell["ytd"]["purchases_in_park"] > 0
    assert diffs == []
    # The comparison is not vacuous: the sample has purchases, in park among them.
    assert with_purchases > cells // 2 and with_in_park > 0, (cells, with_purchases,
                                                              with_in_park)


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


def yuan(fen):
    """Exact decimal yuan text of an amount in fen."""
    return f"{fen // 100}.{fen % 100:02d}"


def test_registry_correction_moves_past_periods(stack, pushed, sample, truth, tmp_path):
    # A registry correction places the periods it names, already reported, in the corrected
    # park (a closed range) or industry (open-ended, also for later reports); a revision of
    # a corrected period pushed afterwards, still naming the old park, counts in the new one.
    # Last in the module: it changes the figures the tests above compare.
    client = cwclient.Client(stack.address("query"))
    assert cwclient.wait_equal(client, truth, 120) == []
    registry, latest, _, _ = ground_truth.winning_reports(sample)
    output = {}
    for (uscc, key, kind), r in latest.items():
        if kind == "output" and r.period.year == 2024:
            output.setdefault(uscc, {})[key] = r
    # An enterprise with output in March, April and May in one park, moved to another park.
    mover = next(u for u in sorted(output)
                 if all(k in output[u] for k in ("2024-03", "2024-04", "2024-05")) and
                 len({output[u][k].park_id for k in ("2024-03", "2024-04", "2024-05")}) == 1)
    old_park = output[mover]["2024-04"].park_id
    new_park = next(p for p in sorted(registry.parks) if p != old_park)
    # A registered enterprise with tax reports from June, given another industry from then on.
    taxed = sorted({u for (u, key, kind) in latest if kind == "tax" and key >= "2024-06"
                    and u != mover})
    recoded = taxed[0]
    new_industry = "3051" if registry.enterprises[recoded].industry != "3051" else "3041"

    fixed = str(tmp_path / "sample")
    shutil.copytree(sample, fixed)
    updates = os.path.join(fixed, "registry-updates")
    os.makedirs(updates, exist_ok=True)
    corrections = os.path.join(updates, "zz1-corrections.csv")
    with open(corrections, "w", encoding="utf-8") as f:
        f.write("uscc,park_id,industry,corrects_from,corrects_to\n"
                f"{mover},{new_park},,2024-03,2024-05\n"
                f"{recoded},,{new_industry},2024-06,\n")
    april = output[mover]["2024-04"]
    revision = os.path.join(fixed, "reports", "zz2-revision.csv")
    with open(revision, "w", encoding="utf-8") as f:
        f.write("uscc,park_id,industry,period,basis,unit,gross_output,sales_output,"
                "export_delivery,employees,revision\n"
                f"{mover},{old_park},{april.industry},2024-04,"
                f"{'ytd' if april.ytd else 'month'},元,"
                f"{yuan(april.flows[0] + 12345_00)},{yuan(april.flows[1])},"
                f"{yuan(april.flows[2])},{april.level},{april.revision + 1}\n")
    corrected = ground_truth.compute(fixed)
    assert corrected["rejected"] == truth["rejected"]
    # The correction changes what the parks hold (so this test can fail).
    for key in ("2024-03", "2024-04", "2024-05"):
        assert corrected["parks"][new_park][key] != truth["parks"][new_park][key], key
    assert corrected["parks"][old_park]["2024-03"]["month"]["output_reporters"] == \
        truth["parks"][old_park]["2024-03"]["month"]["output_reporters"] - 1

    r = stack.ctl("registry", corrections, check=False)
    assert r.returncode == 0 and "registry: 2 records stored" in r.stdout, r.stdout + r.stderr
    r = stack.ctl("push", revision, check=False)
    assert r.returncode == 0 and " 0 rejected" in r.stdout, r.stdout + r.stderr
    assert cwclient.wait_equal(client, corrected, 120) == []
    agg = stack.services["aggregator"]
    assert agg.metric('cw_aggregator_records_total{outcome="correction"}') == 2
    # A correction that names an unknown park is refused whole, naming record and field.
    bad = str(tmp_path / "bad-corrections.csv")
    with open(bad, "w", encoding="utf-8") as f:
        f.write("uscc,park_id,industry,corrects_from,corrects_to\n"
                f"{mover},NOPE,,2024-03,2024-05\n")
    r = stack.ctl("registry", bad, check=False)
    assert r.returncode != 0
    assert "record 1, field park_id: unknown park 'NOPE'" in r.stderr, r.stderr
