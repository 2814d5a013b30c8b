"""The systemd units of deploy/systemd run: each unit's ExecStart line, expanded as systemd
would (${VAR} from clusterwatch.env, %H the host name, ${STATE_DIRECTORY},
${CACHE_DIRECTORY} and ${CREDENTIALS_DIRECTORY} scratch directories of the unit), is started
as the process systemd would start, against a test broker (scripts/kafka.sh). The env file is
the one in deploy/ with what an operator edits for this machine: the broker address, the
/etc/clusterwatch/ paths (a scratch copy of what the install steps put there) and free
loopback ports in place of the default ones. Then cw-ingest and cw-query answer SERVING over
TLS, both aggregator stages report healthy, cw-alerter serves /metrics, and the bundled
sample pushed with the admin token comes out of cw-query equal to the ground truth.

What this does not run is systemd itself (no systemd is PID 1 on the test machines): the
units' sandboxing settings are checked by `systemd-analyze verify` in test_programs.py."""
import base64
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from podman import ROOT, Secrets, env_file, exec_start, free_port, wait

sys.path.insert(0, os.path.join(ROOT, "tests", "system"))
import cwclient  # noqa: E402
import ground_truth  # noqa: E402
from harness import Broker  # noqa: E402

BUILD = os.environ.get("CW_BUILD_DIR", os.path.join(ROOT, "build"))
UNITS = os.path.join(ROOT, "deploy", "systemd")
BINARIES = {"cw-ingest": "ingest/cw-ingest", "cw-aggregator": "aggregator/cw-aggregator",
            "cw-query": "query/cw-query", "cw-alerter": "alerter/cw-alerter"}
SAMPLE = os.path.join(ROOT, "data", "sample")


def metrics(address, password=None):
    """/metrics of a unit, with basic auth as user prometheus when `password` is given."""
    request = urllib.request.Request(f"http://{address}/metrics")
    if password is not None:
        token = base64.b64encode(f"prometheus:{password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    with urllib.request.urlopen(request, timeout=5) as r:
        return r.read().decode()


def values(text, name):
    return [float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
            if line.startswith(name + "{") or line.startswith(name + " ")]


@pytest.fixture(scope="module")
def units(tmp_path_factory):
    work = tmp_path_factory.mktemp("systemd")
    broker = Broker(str(work))
    broker.start()
    procs = {}
    try:
        secrets = Secrets(str(work / "secrets"), [])
        etc = work / "etc"
        etc.mkdir()
        shutil.copy(os.path.join(ROOT, "deploy", "metrics.conf"), etc / "metrics.conf")
        shutil.copy(os.path.join(ROOT, "deploy", "alert-rules.yaml"), etc / "alert-rules.yaml")
        creds = work / "credentials"  # what LoadCredential= hands over
        creds.mkdir()
        shutil.copy(secrets.path("server.pem"), creds / "tls-cert")
        shutil.copy(secrets.path("server-key.pem"), creds / "tls-key")
        shutil.copy(secrets.path("credentials"), creds / "credentials")
        shutil.copy(secrets.path("metrics-auth"), creds / "metrics-auth")
        env = {k: v.replace("/etc/clusterwatch/", f"{etc}/")
               for k, v in env_file(os.path.join(UNITS, "clusterwatch.env")).items()}
        env["CW_BROKERS"] = broker.bootstrap
        for key in [k for k in env if k.endswith(("_LISTEN", "_METRICS"))]:
            env[key] = f"127.0.0.1:{free_port()}"
        hostname = socket.gethostname()
        for unit in sorted(n for n in os.listdir(UNITS) if n.endswith(".service")):
            name = unit[:-len(".service")]
            # What LoadCredential= hands this unit: the shared files and its own Kafka file.
            unit_creds = work / name / "credentials"
            shutil.copytree(creds, unit_creds)
            with open(os.path.join(UNITS, unit), encoding="utf-8") as f:
                assert (f"LoadCredential=kafka:/etc/clusterwatch/kafka/{name}.properties"
                        in f.read()), unit
            shutil.copy(secrets.kafka_properties(name), unit_creds / "kafka")
            dirs = dict(STATE_DIRECTORY=str(work / name / "state"),
                        CACHE_DIRECTORY=str(work / name / "cache"),
                        CREDENTIALS_DIRECTORY=str(unit_creds))
            for d in dirs.values():
                os.makedirs(d, exist_ok=True)
            line = exec_start(os.path.join(UNITS, unit)).replace("%H", hostname)
            line = re.sub(r"\$\{(\w+)\}", lambda m: {**env, **dirs}[m.group(1)], line)
            argv = shlex.split(line)
            assert argv[0] == f"/usr/local/bin/{name}", line  # where the install steps put it
            log = open(work / f"{name}.log", "wb")
            procs[name] = (subprocess.Popen([os.path.join(BUILD, BINARIES[name]), *argv[1:]],
                                            stdout=log, stderr=subprocess.STDOUT),
                           work / f"{name}.log")
        yield {"env": env, "secrets": secrets, "procs": procs}
    finally:
        for p, _ in procs.values():
            p.terminate()
        for name, (p, log) in procs.items():
            try:
                code = p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                code = p.wait()
            print(f"---- {name} exited {code}\n{open(log, errors='replace').read()[-1500:]}")
        broker.stop()


def health(units, address):
    r = subprocess.run([os.path.join(BUILD, "cli", "clusterctl"),
                        f"--tls_ca={units['secrets'].path('ca.pem')}", "health", address],
                       capture_output=True, text=True, timeout=30)
    return r.stdout.strip()


def test_every_unit_starts_and_reports_healthy(units):
    env = units["env"]
    for name, (p, log) in units["procs"].items():
        assert p.poll() is None, f"{name} exited {p.returncode}: {open(log).read()[-800:]}"
    for key in ("CW_INGEST_LISTEN", "CW_QUERY_LISTEN"):
        assert wait(lambda: health(units, env[key]) == "SERVING", 120, f"{key} SERVING")
    password = units["secrets"].metrics_password
    assert wait(lambda: values(metrics(env["CW_AGGREGATOR_METRICS"], password),
                               "cw_aggregator_healthy") == [1, 1], 120,
                "both aggregator stages healthy")
    assert values(metrics(env["CW_ALERTER_METRICS"], password), "cw_build_info") == [1]
    # /metrics asks for the credentials (--metrics_auth_file from LoadCredential=).
    for key in ("CW_INGEST_METRICS", "CW_AGGREGATOR_METRICS", "CW_QUERY_METRICS",
                "CW_ALERTER_METRICS"):
        try:
            metrics(env[key])
            raise AssertionError(f"{key}: /metrics answered without credentials")
        except urllib.error.HTTPError as e:
            assert e.code == 401, (key, e.code)
    # TLS and tokens are on, as the units configure them: plaintext is refused.
    r = subprocess.run([os.path.join(BUILD, "cli", "clusterctl"), "health",
                        env["CW_QUERY_LISTEN"]], capture_output=True, text=True, timeout=30)
    assert r.returncode != 0 and r.stdout.strip() != "SERVING", r.stdout + r.stderr


def test_the_sample_flows_through_the_units(units):
    env, secrets = units["env"], units["secrets"]

    def ctl(token, *args):
        return subprocess.run([os.path.join(BUILD, "cli", "clusterctl"), *args,
                               f"--tls_ca={secrets.path('ca.pem')}", f"--token={token}",
                               f"--ingest={env['CW_INGEST_LISTEN']}",
                               f"--query={env['CW_QUERY_LISTEN']}"],
                              capture_output=True, text=True, timeout=300)
    admin = secrets.tokens["admin"]
    r = ctl(admin, "registry", f"{SAMPLE}/registry/parks.csv",
            f"{SAMPLE}/registry/enterprises.csv")
    assert "records stored" in r.stdout, r.stdout + r.stderr
    reports = sorted(os.path.join(SAMPLE, "reports", f)
                     for f in os.listdir(os.path.join(SAMPLE, "reports")) if f.endswith(".csv"))
    r = ctl(admin, "push", *reports)
    answered = re.findall(r"^\S+: submission \S+: (\d+) accepted", r.stdout, re.M)
    assert len(answered) == len(reports), r.stdout + r.stderr
    truth = ground_truth.compute(SAMPLE)
    assert sum(map(int, answered)) == truth["accepted"]["output"] + truth["accepted"]["tax"]
    with open(secrets.path("ca.pem"), "rb") as f:
        client = cwclient.Client(env["CW_QUERY_LISTEN"], f.read(), secrets.tokens["analyst"])
    assert cwclient.wait_equal(client, truth, 180) == []
