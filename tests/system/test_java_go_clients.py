"""System test of the Java and Go clients (clients/java, clients/go): each module is built from
the checkout (scripts/clients.sh: Maven with protoc and protoc-gen-grpc-java from Maven Central;
the Go module proxy with protoc-gen-go and protoc-gen-go-grpc), its stubs generated from proto/
as it builds, and its example program lists the parks of a region and prints their reports
for a period from the real services: plaintext, and over TLS with a bearer token on a second
query replica. Every figure printed equals the independent ground truth, and both programs
print the same thing, line for line."""
import hashlib
import os
import re
import subprocess
from decimal import Decimal

import pytest

import cwclient
import ground_truth
from harness import ROOT, Stack

TOKEN = "tok-analyst-java-go"
RUN_TIMEOUT_S = 60


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """The default (plaintext) stack, plus a query replica "query-tls" with TLS (a test CA)
    and bearer tokens (one analyst)."""
    work = str(tmp_path_factory.mktemp("java_go_clients"))
    ca = os.path.join(work, "ca")
    subprocess.run([os.path.join(ROOT, "scripts", "make-test-ca.sh"), ca], check=True,
                   capture_output=True)
    creds = os.path.join(work, "credentials")
    with open(creds, "w") as f:
        f.write(f"token {hashlib.sha256(TOKEN.encode()).hexdigest()} analyst - java-go-test\n")
    s = Stack(work).start()
    s.ca = os.path.join(ca, "ca.pem")
    try:
        s.add_query("query-tls", security=[f"--tls_cert={ca}/server.pem",
                                           f"--tls_key={ca}/server-key.pem",
                                           f"--credentials={creds}", "--rate_limit_rps=0"])
        yield s
    finally:
        s.stop()


def built(client):
    """The example program of `client` (java: the runnable jar; go: the binary), from
    $CW_JAVA_EXAMPLE / $CW_GO_EXAMPLE (scripts/test.sh builds them once) or built here."""
    path = os.environ.get(f"CW_{client.upper()}_EXAMPLE")
    if not path:
        r = subprocess.run([os.path.join(ROOT, "scripts", "clients.sh"), client],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr[-3000:]
        path = r.stdout.strip().splitlines()[-1]
    assert os.path.isfile(path), path
    return ["java", "-jar", path] if path.endswith(".jar") else [path]


@pytest.fixture(scope="module")
def examples():
    return {"java": built("java"), "go": built("go")}


@pytest.fixture(scope="module")
def tls_loaded(stack, loaded, truth):
    """The TLS replica serves the ground truth too (it reads the same topics)."""
    with open(stack.ca, "rb") as f:
        client = cwclient.Client(stack.address("query-tls"), ca_pem=f.read(), token=TOKEN)
    assert cwclient.wait_equal(client, truth, 120) == []


def run(cmd, *args, env=None):
    e = {k: v for k, v in os.environ.items() if k != "CW_TOKEN"}
    e.update(env or {})
    return subprocess.run([*cmd, *args], capture_output=True, text=True, env=e,
                          timeout=RUN_TIMEOUT_S)


_FIGURE = re.compile(r"  (\w+) month=(-?\d+) ytd=(-?\d+)(?: fen \((-?\d+\.\d{6}) 万元\))?")
_INDUSTRY = re.compile(r"  industry (\d{4}) month=(-?\d+) ytd=(-?\d+) fen")


def parse(out):
    """The example's output: {"parks": {id: (county, area_mu, name)}, "reports": {id: {
    "period", "month", "ytd", "wan", "industries"}}, "absent": {id: period}}. Any other line
    fails the test."""
    lines = out.splitlines()
    head = re.fullmatch(r"parks in region '(\d*)': (\d+)", lines[0])
    assert head, lines[0]
    got = {"region": head.group(1), "parks": {}, "reports": {}, "absent": {}}
    current = None
    for line in lines[1:]:
        if line.startswith("park "):
            _, pid, county, area, name = line.split(" ", 4)
            got["parks"][pid] = (county, int(area), name)
        elif line.startswith("report "):
            _, pid, period = line.split(" ")
            current = got["reports"][pid] = {"period": period, "month": {}, "ytd": {},
                                             "wan": {}, "industries": {}}
        elif line.startswith("no report "):
            _, _, pid, period = line.split(" ")
            got["absent"][pid] = period
            current = None
        elif current is not None and _INDUSTRY.fullmatch(line):
            m = _INDUSTRY.fullmatch(line)
            current["industries"][m.group(1)] = int(m.group(2))
        elif current is not None and _FIGURE.fullmatch(line):
            m = _FIGURE.fullmatch(line)
            current["month"][m.group(1)] = int(m.group(2))
            current["ytd"][m.group(1)] = int(m.group(3))
            if m.group(4):
                current["wan"][m.group(1)] = m.group(4)
        else:
            raise AssertionError(f"unexpected line {line!r} in\n{out}")
    assert len(got["parks"]) == int(head.group(2)), out
    return got


def check_against_truth(got, region, key, truth, registry, only=None):
    """Every park of the region listed, with its registry fields; each park's report for
    `key` (or its absence) exactly as the ground truth computes it."""
    want_parks = {p: r for p, r in registry.parks.items() if r.county_code.startswith(region)}
    assert want_parks, region
    assert got["parks"] == {p: (r.county_code, r.area_mu, r.name)
                            for p, r in want_parks.items()}
    asked = [p for p in want_parks if only in (None, p)]
    assert sorted(got["reports"]) == sorted(p for p in asked if key in truth["parks"].get(p, {}))
    assert got["absent"] == {p: key for p in asked if key not in truth["parks"].get(p, {})}
    for park, g in got["reports"].items():
        cell = truth["parks"][park][key]
        assert g["period"] == key
        for part in ("month", "ytd"):
            assert g[part] == {f: cell[part][f] for f in g[part]}, (park, part)
            assert set(g[part]) == set(ground_truth.TOTAL_KEYS), (park, part)
        # Exact 万元: the fen with the point moved six places.
        for f, wan in g["wan"].items():
            assert Decimal(wan).scaleb(6) == cell["ytd"][f], (park, f)
        assert len(g["wan"]) == 9  # every money total: output, tax, purchases
        assert {k: v for k, v in g["industries"].items() if v} == \
            {k: v for k, v in cell["industries"].items() if v}, park


@pytest.fixture(scope="module")
def registry(sample):
    return ground_truth.load_registry(os.path.join(sample, "registry"))


@pytest.mark.parametrize("client", ["java", "go"])
def test_example_prints_ground_truth_over_plaintext(client, stack, loaded, truth, registry,
                                                    examples):
    key = max(k for periods in truth["parks"].values() for k in periods)
    r = run(examples[client], f"--query={stack.address('query')}", "--region=2224",
            f"--period={key}")
    assert r.returncode == 0, r.stderr
    got = parse(r.stdout)
    check_against_truth(got, "2224", key, truth, registry)
    assert len(got["reports"]) >= 2


@pytest.mark.parametrize("client", ["java", "go"])
def test_example_prints_ground_truth_over_tls_with_a_token(client, stack, tls_loaded, truth,
                                                           registry, examples):
    # Every park, a combined January–February period; the token from $CW_TOKEN in one run and
    # from --token in the other give the same answer.
    key = min(k for periods in truth["parks"].values() for k in periods if "/" in k)
    args = [f"--query={stack.address('query-tls')}", f"--tls_ca={stack.ca}", f"--period={key}"]
    r = run(examples[client], *args, f"--token={TOKEN}")
    assert r.returncode == 0, r.stderr
    check_against_truth(parse(r.stdout), "", key, truth, registry)
    from_env = run(examples[client], *args, env={"CW_TOKEN": TOKEN})
    assert (from_env.returncode, from_env.stdout) == (0, r.stdout), from_env.stderr


@pytest.mark.parametrize("client", ["java", "go"])
def test_example_reports_refusals_and_usage_errors(client, stack, tls_loaded, examples):
    tls = [f"--query={stack.address('query-tls')}", f"--tls_ca={stack.ca}", "--period=2024-12"]
    r = run(examples[client], *tls, "--token=not-a-token")
    assert (r.returncode, r.stdout) == (1, "")
    assert re.search(r": UNAUTHENTICATED: ", r.stderr), r.stderr
    r = run(examples[client], *tls)  # no token
    assert (r.returncode, r.stdout) == (1, "")
    assert ": UNAUTHENTICATED: " in r.stderr, r.stderr
    # The TLS port refuses a plaintext client, and a token is never sent without TLS.
    r = run(examples[client], f"--query={stack.address('query-tls')}", "--period=2024-12")
    assert r.returncode == 1 and ": UNAVAILABLE: " in r.stderr, r.stderr
    r = run(examples[client], f"--query={stack.address('query')}", "--period=2024-12",
            f"--token={TOKEN}")
    assert r.returncode == 2 and "a token needs TLS: give --tls_ca" in r.stderr, r.stderr
    r = run(examples[client], f"--query={stack.address('query')}", "--period=2024-13")
    assert r.returncode == 2
    assert "--period='2024-13': expected YYYY-MM or YYYY-01/02" in r.stderr, r.stderr
    assert "usage: " in r.stderr


def test_java_and_go_print_the_same_lines(stack, loaded, truth, registry, examples):
    # One park of the region asked for (--park), the latest period: the two programs, on
    # their own generated stubs, print identical text.
    key = max(k for periods in truth["parks"].values() for k in periods)
    park = min(p for p, c in truth["parks"].items() if key in c and p.startswith("P2224"))
    outs = {}
    for client in ("java", "go"):
        r = run(examples[client], f"--query={stack.address('query')}", "--region=2224",
                f"--period={key}", f"--park={park}")
        assert r.returncode == 0, r.stderr
        outs[client] = r.stdout
    assert outs["java"] == outs["go"]
    check_against_truth(parse(outs["go"]), "2224", key, truth, registry, only=park)
