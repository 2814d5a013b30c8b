"""Documentation that is executed: every shell example in README.md and docs/*.md is either
run against a real stack (broker, cw-ingest, cw-aggregator, cw-query, cw-alerter, the bundled
sample pushed and checked against the ground truth) or explicitly marked as not run, and every
flag an example passes to a clusterwatch program must be one the built program lists.

Markers (docblocks.py, docs/contributing.md):
  <!-- doctest: run [exit=N] expect="TEXT"... -->   run from the repository root as one bash
      script (errexit, pipefail) with the documented addresses (127.0.0.1:50051 ingest,
      :50052 query, :9101-:9104 metrics, :19092 the broker) replaced by the test stack's,
      build/ by the build directory, and clusterctl given the stack's --ingest/--query; it
      must exit N (default 0) and print every TEXT (stdout or stderr).
  <!-- doctest: skip: REASON -->   not run (its flags are still checked).
The list of examples run is printed as they run (visible without -s)."""
import glob
import os
import subprocess
import time

import pytest

import cwclient
import docblocks
import ground_truth
from harness import BUILD, ROOT, Stack

DOCS = ["README.md", *sorted(os.path.relpath(p, ROOT) for p in glob.glob(os.path.join(ROOT, "docs", "*.md")))]
SAMPLE = os.path.join(ROOT, "data", "sample")
GRPCURL = os.environ.get("CW_GRPCURL", "grpcurl")
EXAMPLE_TIMEOUT_S = 90


def read_blocks():
    out = []
    for rel in DOCS:
        with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
            out.extend(docblocks.blocks(rel, f.read()))
    return out


BLOCKS = read_blocks()
RUN = [b for b in BLOCKS if b.is_shell and b.mode == "run"]


def test_every_shell_block_is_marked():
    # Each fence names its language; each shell block is marked run (with its expected
    # output) or skip (with a reason). Nothing is silently left out.
    assert docblocks.problems(BLOCKS) == []
    assert len(RUN) >= 8, [b.where for b in RUN]


def test_an_unmarked_shell_block_is_reported():
    # The check above would catch a new example written without a marker, or a diagram
    # without a language, naming file and line.
    text = ("intro\n```sh\nbuild/cli/clusterctl parks\n```\n\n```\nA ─▶ B\n```\n"
            "<!-- doctest: skip -->\n```bash\nfoo\n```\n"
            "<!-- doctest: run exit=4 -->\n```sh\nfoo\n```\n")
    got = docblocks.problems(docblocks.blocks("x.md", text))
    assert len(got) == 4, got
    assert got[0].startswith("x.md:2: shell block without a doc-test marker")
    assert got[1].startswith("x.md:6: fence without a language")
    assert got[2] == "x.md:10: 'doctest: skip' needs a reason ('skip: REASON')"
    assert got[3].startswith("x.md:14: a 'run' block declares what its output shows")


def test_substitution_and_flag_extraction():
    b = docblocks.blocks("x.md", '<!-- doctest: run expect="OK" -->\n```sh\n'
                                 "build/cli/clusterctl --query=127.0.0.1:50052 report \\\n"
                                 "    --period=2024-12   # --not_a_flag\n"
                                 "podman run --rm img cw-query --help | grep -c ok\n```\n")[0]
    assert b.mode == "run" and b.expect == ["OK"] and b.exit == 0
    assert docblocks.program_flags(b.text) == [("clusterctl", "query"), ("clusterctl", "period"),
                                               ("cw-query", "help")]
    assert docblocks.substitute(b.text, {"127.0.0.1:50052": "127.0.0.1:4242"}, "/b").startswith(
        "/b/cli/clusterctl --query=127.0.0.1:4242 report")


@pytest.fixture(scope="module")
def known_flags():
    """{program: flag names its --helpfull lists}, asked of the built binaries."""
    out = {}
    for program, binary in docblocks.PROGRAMS.items():
        r = subprocess.run([os.path.join(BUILD, binary), "--helpfull"], capture_output=True,
                           text=True, timeout=60)
        assert r.returncode == 0, f"{program} --helpfull exited {r.returncode}: {r.stderr}"
        out[program] = docblocks.help_flags(r.stdout)
        assert out[program], f"{program} --helpfull listed no flags"
    return out


def test_every_documented_flag_exists(known_flags):
    # Run or not, an example may only pass a program flags that program defines; except a
    # run block that is documented to fail (exit=N, N > 0), which may show a wrong flag.
    checked = [b for b in BLOCKS if b.is_shell and not (b.mode == "run" and b.exit != 0)]
    bad = [f"{b.where}: {program} has no flag --{flag}"
           for b in checked for program, flag in docblocks.unknown_flags(b, known_flags)]
    assert bad == []
    assert len([1 for b in checked for _ in docblocks.program_flags(b.text)]) >= 80


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    s = Stack(str(tmp_path_factory.mktemp("docs"))).start()
    try:
        ctl = os.path.join(BUILD, "cli", "clusterctl")
        addr = [f"--ingest={s.address('ingest')}", f"--query={s.address('query')}"]
        r = subprocess.run([ctl, "registry", f"{SAMPLE}/registry/parks.csv",
                            f"{SAMPLE}/registry/enterprises.csv", *addr],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        reports = sorted(glob.glob(f"{SAMPLE}/reports/*.csv"))
        r = subprocess.run([ctl, "push", *reports, *addr], capture_output=True, text=True)
        # The sample's bad lines are refused on purpose: exit 3, and the summary counts what
        # the ground truth computes independently.
        _, _, rejected, accepted = ground_truth.winning_reports(SAMPLE)
        summary = (f"clusterctl push: {len(reports)} files answered, {sum(accepted.values())} "
                   f"lines accepted, {len(rejected)} refused (in "
                   f"{len({x['file'] for x in rejected})} files): exit 3")
        assert r.returncode == 3 and summary in r.stderr, (r.returncode, summary, r.stderr)
        truth = ground_truth.compute(SAMPLE)
        assert cwclient.wait_equal(cwclient.Client(s.address("query")), truth, 120) == []
        # The alerter re-evaluates every 5 s: wait for the decline alerts the docs show.
        deadline = time.time() + 60
        while True:
            r = subprocess.run([ctl, "alerts", "list", "--state=firing", *addr],
                               capture_output=True, text=True)
            if "FIRING" in r.stdout or time.time() > deadline:
                break
            time.sleep(1)
        assert "FIRING" in r.stdout, r.stdout + r.stderr
        yield s
    finally:
        s.stop()


def run_env(stack, tmp):
    """PATH with grpcurl and a clusterctl that talks to the stack; nothing from the
    caller's CW_TOKEN."""
    bindir = os.path.join(tmp, "bin")
    os.makedirs(bindir, exist_ok=True)
    if os.path.isabs(GRPCURL):
        link = os.path.join(bindir, "grpcurl")
        if not os.path.exists(link):
            os.symlink(GRPCURL, link)
    env = {k: v for k, v in os.environ.items() if k != "CW_TOKEN"}
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    return env


def addresses(stack):
    svc = stack.services
    ports = {"127.0.0.1:50051": stack.address("ingest"), "127.0.0.1:50052": stack.address("query"),
             "127.0.0.1:19092": stack.broker.bootstrap}
    for n, name in enumerate(["ingest", "aggregator", "query", "alerter"]):
        ports[f"127.0.0.1:{9101 + n}"] = f"127.0.0.1:{svc[name].metrics_port}"
    ports.update({k.replace("127.0.0.1", "localhost"): v for k, v in list(ports.items())})
    return ports


def script_for(block, stack):
    """The block as run: addresses and build/ substituted; clusterctl pointed at the stack
    (flags first, so an example's own --ingest/--query still win)."""
    text = docblocks.substitute(block.text, addresses(stack), BUILD)
    ctl = os.path.join(BUILD, "cli", "clusterctl")
    text = text.replace(ctl + " ", f"{ctl} --ingest={stack.address('ingest')} "
                                   f"--query={stack.address('query')} ")
    return "set -euo pipefail\n" + text + "\n"


@pytest.mark.parametrize("block", RUN, ids=[b.where for b in RUN])
def test_example_runs_as_documented(block, stack, tmp_path, capsys):
    script = script_for(block, stack)
    r = subprocess.run(["bash", "-c", script], cwd=ROOT, env=run_env(stack, str(tmp_path)),
                       capture_output=True, text=True, timeout=EXAMPLE_TIMEOUT_S)
    out = r.stdout + r.stderr
    with capsys.disabled():
        first = block.text.strip().splitlines()[0]
        print(f"\n[doc-test] ran {block.where} ({first[:70]}{'...' if len(first) > 70 else ''}): "
              f"exit {r.returncode}", end="")
        if os.environ.get("CW_DOCTEST_SHOW"):  # what an example prints, to choose its expect
            print("\n" + out, end="")
    assert r.returncode == block.exit, (
        f"{block.where}: exit {r.returncode}, the docs say {block.exit}\n--- script\n{script}"
        f"--- output\n{out[-3000:]}")
    missing = [t for t in block.expect if t not in out]
    assert missing == [], (f"{block.where}: output lacks {missing}\n--- script\n{script}"
                           f"--- output\n{out[-3000:]}")
