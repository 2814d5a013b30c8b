"""Streamed pushes at provincial scale (issue #20), against a real broker, cw-ingest and
cw-aggregator:

- a 2 M-row file goes through in one `clusterctl push`: every row is produced to
  cw.reports.v1 once and applied by the aggregator once;
- a push cut mid-way (clusterctl SIGKILLed; separately cw-ingest SIGKILLed and restarted) and
  resumed with the same submission id: the aggregator applies each row exactly once, the
  rows sent twice being taken as duplicates (or stale: an earlier revision of a row already
  stored) by its revision rule;
- a file with a 50 MB line: that line is refused as that line (kept on cw.rejected.v1 cut to
  4 KiB), every other line is accepted.

The rows are the sample's output reports (clusterctl gen-sample) repeated with rising
revisions, so that every row of a file is a distinct report and each one, arriving in file
order, is applied: the aggregator's `applied` count is then the count of rows stored once.
Each test uses its own revision range above the earlier tests' (1.., 100,000..,
200,000.., 300,000..), so its rows are applied after theirs and its counts are its own.
"""
import glob
import os
import re
import signal
import subprocess
import time

import pytest

from harness import BUILD, Broker, Service, free_port

LARGE_ROWS = 2_000_000
CUT_ROWS = 600_000
CLUSTERCTL = os.path.join(BUILD, "cli", "clusterctl")
ACCEPTED = 'cw_ingest_records_total{field="",outcome="accepted"}'
OUTPUT_HEADER = "uscc,industry,period,gross_output,sales_output,export_delivery,employees"


class Pipeline:
    def __init__(self, workdir):
        self.workdir = workdir
        self.broker = Broker(workdir)
        self.services = {}

    def start(self):
        self.broker.start()
        ip, mp, amp = free_port(), free_port(), free_port()
        self.services["ingest"] = Service(
            "ingest", "ingest/cw-ingest",
            [f"--brokers={self.broker.bootstrap}", f"--listen=127.0.0.1:{ip}",
             f"--metrics_address=127.0.0.1:{mp}",
             f"--audit_log={os.path.join(self.workdir, 'audit-ingest.jsonl')}",
             "--plaintext", "--allow_unauthenticated", "--rate_limit_rps=0"],
            self.workdir, ip, mp).start()
        self.services["aggregator"] = Service(
            "aggregator", "aggregator/cw-aggregator",
            [f"--brokers={self.broker.bootstrap}", f"--metrics_address=127.0.0.1:{amp}",
             f"--state_dir={os.path.join(self.workdir, 'aggregator')}"],
            self.workdir, None, amp).start()
        return self

    def stop(self):
        for s in self.services.values():
            s.stop()
        self.broker.stop()

    @property
    def ingest(self):
        return self.services["ingest"]

    def ctl_args(self, *args):
        return [CLUSTERCTL, *args, f"--ingest=127.0.0.1:{self.ingest.port}"]

    def ctl(self, *args):
        return subprocess.run(self.ctl_args(*args), capture_output=True, text=True)

    def reports_written(self):
        """Records on cw.reports.v1: the sum of its partitions' high watermarks."""
        out = subprocess.run(["kcat", "-b", self.broker.bootstrap, "-L", "-t",
                              "cw.reports.v1"], check=True, capture_output=True,
                             text=True).stdout
        parts = re.findall(r"^\s+partition (\d+),", out, re.M)
        args = ["kcat", "-b", self.broker.bootstrap, "-Q"]
        for p in parts:
            args += ["-t", f"cw.reports.v1:{p}:-1"]
        out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
        return sum(int(o) for o in re.findall(r"^\S+ \[\d+\] offset (-?\d+)$", out, re.M))

    def outcomes(self):
        """The aggregator's report messages by outcome."""
        text = self.services["aggregator"].metrics()
        return {o: float(v) for o, v in re.findall(
            r'^cw_aggregator_records_total\{outcome="(\w+)"\} (\S+)$', text, re.M)}

    def wait_aggregated(self, seconds=600):
        """Waits until the aggregator has judged every record on cw.reports.v1; returns its
        outcomes then."""
        written = self.reports_written()
        deadline = time.time() + seconds
        while True:
            o = self.outcomes()
            if sum(o.values()) >= written:
                return o
            assert time.time() < deadline, (o, written)
            time.sleep(1)


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    p = Pipeline(str(tmp_path_factory.mktemp("ingest_stream"))).start()
    yield p
    p.stop()


@pytest.fixture(scope="module")
def base_rows(pipeline):
    """The registry pushed, and the sample's output rows (header, rows)."""
    out = os.path.join(pipeline.workdir, "sample")
    subprocess.run([CLUSTERCTL, "gen-sample", f"--out={out}", "--seed=7"], check=True,
                   capture_output=True)
    r = pipeline.ctl("registry", os.path.join(out, "registry", "parks.csv"),
                     os.path.join(out, "registry", "enterprises.csv"))
    assert r.returncode == 0, r.stderr
    rows = []
    for path in sorted(glob.glob(os.path.join(out, "reports", "*-output.csv"))):
        with open(path, "rb") as f:
            lines = f.read().decode("utf-8", errors="replace").splitlines()
        if lines[0] == OUTPUT_HEADER:  # the files of this shape (others add columns)
            rows += [line for line in lines[1:] if line]
    assert len(rows) >= 100  # so that each test's revisions stay below the next one's
    return OUTPUT_HEADER, rows


def write_file(path, base, n, first_revision, extra=None):
    """`n` rows: the base rows with revision first_revision, then first_revision + 1, ...
    `extra`: {line number: text} put in place of the row at that line."""
    header, rows = base
    extra = extra or {}
    with open(path, "w", encoding="utf-8") as f:
        f.write(header + ",revision\n")
        line = 1
        for i in range(n):
            line += 1
            if line in extra:
                f.write(extra[line] + "\n")
                continue
            f.write(f"{rows[i % len(rows)]},{first_revision + i // len(rows)}\n")
    return path


def accepted_metric(pipeline):
    return pipeline.ingest.metric(ACCEPTED) or 0.0


def wait_accepted(pipeline, proc, at_least):
    """Waits (while `proc` runs) until ingest has stored `at_least` accepted records."""
    while accepted_metric(pipeline) < at_least:
        assert proc.poll() is None, "the push ended before it could be cut"
        time.sleep(0.05)


def test_large_file_in_one_push(pipeline, base_rows):
    """2 M rows through one clusterctl push: each produced once and applied once."""
    path = write_file(os.path.join(pipeline.workdir, "large.csv"), base_rows, LARGE_ROWS, 1)
    before_written = pipeline.reports_written()
    before = pipeline.wait_aggregated()
    r = pipeline.ctl("push", path, "--submission_id=large-1")
    assert r.returncode == 0, (r.stdout, r.stderr)
    assert r.stdout == (f"{path}: submission large-1: {LARGE_ROWS} accepted, 0 rejected\n")
    assert r.stderr == ""  # no progress lines: stderr is not a terminal
    assert pipeline.reports_written() - before_written == LARGE_ROWS
    after = pipeline.wait_aggregated()
    assert after["applied"] - before.get("applied", 0) == LARGE_ROWS
    assert after.get("poison", 0) == before.get("poison", 0)


def test_push_cut_by_killing_clusterctl_resumes(pipeline, base_rows):
    """clusterctl SIGKILLed mid-push, then the same submission pushed again: each row is
    applied once; the rows stored before the cut come again as duplicates or stale."""
    path = write_file(os.path.join(pipeline.workdir, "cut-client.csv"), base_rows, CUT_ROWS,
                      100_000)
    before = pipeline.wait_aggregated()
    before_written = pipeline.reports_written()
    proc = subprocess.Popen(pipeline.ctl_args("push", path, "--submission_id=cut-client"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wait_accepted(pipeline, proc, accepted_metric(pipeline) + 100_000)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    cut_written = pipeline.reports_written() - before_written
    assert 100_000 <= cut_written < CUT_ROWS
    r = pipeline.ctl("push", path, "--submission_id=cut-client")
    assert r.returncode == 0, (r.stdout, r.stderr)
    assert r.stdout == f"{path}: submission cut-client: {CUT_ROWS} accepted, 0 rejected\n"
    after = pipeline.wait_aggregated()
    written = pipeline.reports_written() - before_written
    assert written >= CUT_ROWS + cut_written
    assert after["applied"] - before.get("applied", 0) == CUT_ROWS
    again = (after.get("duplicate", 0) - before.get("duplicate", 0)
             + after.get("stale", 0) - before.get("stale", 0))
    assert again == written - CUT_ROWS


def test_push_cut_by_killing_ingest_resumes(pipeline, base_rows):
    """cw-ingest SIGKILLed mid-push and restarted: clusterctl retries the submission with
    the same id and each row is applied once."""
    path = write_file(os.path.join(pipeline.workdir, "cut-ingest.csv"), base_rows, CUT_ROWS,
                      200_000)
    before = pipeline.wait_aggregated()
    before_written = pipeline.reports_written()
    proc = subprocess.Popen(pipeline.ctl_args("push", path, "--submission_id=cut-ingest"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_accepted(pipeline, proc, accepted_metric(pipeline) + 100_000)
    pipeline.ingest.kill9()
    cut_written = pipeline.reports_written() - before_written
    assert cut_written < CUT_ROWS
    pipeline.ingest.start()
    stdout, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 0, (stdout, stderr)
    assert stdout == f"{path}: submission cut-ingest: {CUT_ROWS} accepted, 0 rejected\n"
    assert "retrying (1/5)" in stderr
    after = pipeline.wait_aggregated()
    written = pipeline.reports_written() - before_written
    assert after["applied"] - before.get("applied", 0) == CUT_ROWS
    again = (after.get("duplicate", 0) - before.get("duplicate", 0)
             + after.get("stale", 0) - before.get("stale", 0))
    assert again == written - CUT_ROWS


def test_50mb_line_is_refused_as_that_line(pipeline, base_rows):
    """One 50 MB line: refused as that line with its length and hash, kept on the rejected
    topic cut to 4 KiB; every other line accepted."""
    big = "9" * (50 << 20)
    path = write_file(os.path.join(pipeline.workdir, "line-50mb.csv"), base_rows, 1001, 300_000,
                      extra={502: big})
    r = pipeline.ctl("push", path, "--submission_id=line-50mb")
    assert r.returncode == 3, (r.stdout, r.stderr)  # answered, with a refused line
    lines = r.stdout.splitlines()
    assert lines[0] == f"{path}: submission line-50mb: 1000 accepted, 1 rejected"
    assert re.fullmatch(
        r"  line 502: line: the line is 52428800 bytes, more than the limit of 262144 bytes "
        r"\(kept: its first 4096 bytes; FNV-1a-64 of the whole line [0-9a-f]{16}\); expected "
        r"one report per line", lines[1]), lines[1]
    assert len(lines) == 2
    kept = subprocess.run(["kcat", "-b", pipeline.broker.bootstrap, "-C", "-t",
                           "cw.rejected.v1", "-o", "beginning", "-e", "-q", "-f", "%k %S\n"],
                          check=True, capture_output=True, text=True).stdout.splitlines()
    sizes = [int(line.split()[1]) for line in kept if line.split()[0] == "line-50mb|502"]
    assert len(sizes) == 1
    assert 4096 < sizes[0] < 8192  # the 4 KiB kept, the reason and the provenance
