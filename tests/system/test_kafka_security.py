"""System test of Kafka security (issue 15) against the real broker with a SASL_SSL listener
(scripts/kafka.sh with CW_KAFKA_SASL=1: TLS from a test CA, SASL users with passwords made
at test time, the StandardAuthorizer with per-service ACLs, PLAINTEXT nowhere).

Every service runs as its own Kafka user from its own --kafka_config_file (SASL_SSL, its
user and password, the CA), and the whole pipeline (ingest -> aggregator's two stages ->
query, and the alerter) must answer the sample exactly as the independent ground truth.
Then the ACLs must bite (a service's credentials cannot touch another's topics or groups),
a wrong password must be refused with a clear error and make the service exit, a
PLAINTEXT client must not get through, and no password may appear on any process's command
line or in any log."""
import os
import re
import select
import stat
import subprocess
import time

import pytest

import cwclient
from harness import Service, Stack, free_port

USERS = ("cw-ingest", "cw-aggregator", "cw-query", "cw-alerter")
AUTH_REFUSED = "SASL authentication error: Authentication failed: Invalid username or password"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    s = Stack(str(tmp_path_factory.mktemp("kafkasec")), kafka_sasl=True).start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def pushed(stack, sample):
    out = stack.ctl("registry", os.path.join(sample, "registry", "parks.csv"),
                    os.path.join(sample, "registry", "enterprises.csv"))
    assert "records stored" in out.stdout
    d = os.path.join(sample, "reports")
    for f in sorted(os.listdir(d)):
        if f.endswith(".csv"):
            r = stack.ctl("push", os.path.join(d, f), check=False)
            assert r.returncode in (0, 3), (f, r.returncode, r.stdout, r.stderr)
            assert " accepted," in r.stdout, (f, r.stdout, r.stderr)
    return True


def kcat(stack, config, *args, data=None):
    """kcat against the SASL_SSL listener with the librdkafka properties file `config`
    (None: no security settings at all, i.e. PLAINTEXT)."""
    cfg = [] if config is None else ["-F", config]
    return subprocess.run(["kcat", *cfg, "-b", stack.broker.bootstrap, *args], input=data,
                          capture_output=True, text=True, timeout=60)


def all_logs(stack):
    """Every log the test's processes wrote: services, audit files, the broker's."""
    paths = [s.log_path for s in stack.services.values()]
    for root, _, files in os.walk(stack.workdir):
        paths += [os.path.join(root, f) for f in files
                  if f.endswith((".log", ".jsonl")) and "sample" not in root]
    out = {}
    for p in sorted(set(paths)):
        with open(p, errors="replace") as f:
            out[p] = f.read()
    return out


def test_pipeline_over_sasl_ssl_equals_ground_truth(stack, pushed, truth):
    # ingest -> aggregator (enterprise and park stage, in Kafka transactions) -> query, each
    # as its own SASL user, answer every park-period of the sample exactly.
    client = cwclient.Client(stack.address("query"))
    assert cwclient.wait_equal(client, truth, 120) == []
    agg = stack.services["aggregator"]
    assert (agg.metric('cw_aggregator_records_total{outcome="applied"}') or 0) > 0
    assert agg.metric("cw_aggregator_healthy") == 1
    # Each service was given its own user's file, and nothing any service did was refused.
    for name, user in (("ingest", "cw-ingest"), ("aggregator", "cw-aggregator"),
                       ("query", "cw-query"), ("alerter", "cw-alerter")):
        svc = stack.services[name]
        assert f"--kafka_config_file={stack.broker.client_config(user)}" in svc.args
        log = svc.log()
        assert "authorization failed" not in log.lower(), (name, log[-3000:])
        assert "Authentication failed" not in log, (name, log[-3000:])
    with open(stack.broker.client_config("cw-query")) as f:
        props = f.read()
    assert "security.protocol=SASL_SSL\n" in props
    assert re.search(r"^sasl\.mechanisms=(SCRAM-SHA-512|PLAIN)$", props, re.M)
    assert "sasl.username=cw-query\n" in props and "ssl.ca.location=" in props


def test_alerter_publishes_through_its_acl_and_query_reads_them(stack, pushed, truth):
    # The alerter reads park metrics and the registry and writes the alerts topic; the query
    # service reads that topic: the alerts the admin sees on the topic are the query's.
    client = cwclient.Client(stack.address("query"))
    assert cwclient.wait_equal(client, truth, 120) == []
    admin = stack.broker.client_config("admin")
    deadline = time.time() + 60
    while True:
        r = kcat(stack, admin, "-C", "-t", "cw.alerts.v1", "-o", "beginning", "-e", "-q",
                 "-f", "%k\n")
        assert r.returncode == 0, r.stderr
        on_topic = set(r.stdout.split())
        listed = {a.id for a in cwclient.list_alerts(stack.address("query"))}
        if on_topic and listed == on_topic:
            break
        assert time.time() < deadline, (sorted(on_topic), sorted(listed))
        time.sleep(0.5)
    assert stack.services["alerter"].metric("cw_alerter_periodic_evaluations_total") is not None


# (user, action, topic): each is outside the user's ACLs (scripts/kafka.sh, service_acls).
DENIED = [
    ("cw-query", "produce", "cw.reports.v1"),
    ("cw-query", "consume", "cw.reports.v1"),
    ("cw-query", "produce", "cw.alerts.v1"),
    ("cw-ingest", "consume", "cw.park-metrics.v1"),
    ("cw-ingest", "produce", "cw.contributions.v1"),
    ("cw-alerter", "produce", "cw.park-metrics.v1"),
    ("cw-alerter", "consume", "cw.reports.v1"),
    ("cw-aggregator", "produce", "cw.alerts.v1"),
    ("cw-aggregator", "produce", "cw.registry.v1"),
    ("cw-alerter", "produce", "cw.alert-actions.v1"),
]


@pytest.mark.parametrize("user,action,topic", DENIED)
def test_acls_refuse_other_services_topics(stack, pushed, user, action, topic):
    cfg = stack.broker.client_config(user)
    if action == "produce":
        r = kcat(stack, cfg, "-P", "-t", topic, "-k", "k", data="intruder\n")
        assert "Delivery failed for message: Broker: Topic authorization failed" in r.stderr, \
            r.stderr
    else:
        r = kcat(stack, cfg, "-C", "-t", topic, "-o", "beginning", "-e", "-q")
        assert f"Topic {topic} error: Broker: Topic authorization failed" in r.stderr, r.stderr
        assert r.stdout == ""
    assert r.returncode != 0


def test_acls_allow_what_the_service_needs_and_no_other_group(stack, pushed):
    # The same users can do what their ACLs allow (so the refusals above are the ACLs', not a
    # broken login) ...
    r = kcat(stack, stack.broker.client_config("cw-query"), "-C", "-t", "cw.registry.v1",
             "-o", "beginning", "-e", "-q", "-f", "%k\n")
    assert r.returncode == 0 and r.stdout.strip(), r.stderr
    # ... and the aggregator's user may join only its own groups (prefix cw-aggregator).
    p = subprocess.Popen(["kcat", "-F", stack.broker.client_config("cw-aggregator"), "-b",
                          stack.broker.bootstrap, "-G", "another-group", "cw.reports.v1"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        seen = b""
        deadline = time.time() + 60
        while b"Group authorization failed" not in seen:
            left = deadline - time.time()
            assert left > 0, seen
            if select.select([p.stderr], [], [], left)[0]:
                chunk = os.read(p.stderr.fileno(), 4096)
                assert chunk, seen  # kcat ended without the refusal
                seen += chunk
    finally:
        p.kill()
        p.wait()
    assert p.stdout.read() == b""


def test_wrong_password_is_refused_and_every_service_fails(stack, pushed, tmp_path):
    # Each service with its own user but a wrong password: the broker refuses the login, the
    # service logs librdkafka's refusal, never serves, and exits with status 78 (EX_CONFIG)
    # once the refusal has lasted --kafka_login_refused_exit_s, saying what to check
    # (librdkafka alone would retry the login for ever).
    def flags(name):
        d = tmp_path / name
        return {
            "cw-ingest": [f"--listen=127.0.0.1:{free_port()}", "--plaintext",
                          "--allow_unauthenticated"],
            "cw-aggregator": [f"--state_dir={d}"],
            "cw-query": [f"--listen=127.0.0.1:{free_port()}", f"--state_dir={d}",
                         "--plaintext", "--allow_unauthenticated"],
            "cw-alerter": [f"--state_dir={d}", f"--rules={stack.alert_rules}"],
        }[name]

    started = {}
    for user in USERS:
        with open(stack.broker.client_config(user)) as f:
            props = f.read()
        wrong = "wrong-" + stack.broker.password(user)[:8]
        bad = tmp_path / f"{user}-wrong.properties"
        bad.write_text(re.sub(r"^sasl\.password=.*$", f"sasl.password={wrong}", props,
                              flags=re.M))
        program = user[len("cw-"):]
        svc = Service(f"{user}-wrong-password", f"{program}/{user}",
                      [f"--brokers={stack.broker.bootstrap}", f"--kafka_config_file={bad}",
                       "--kafka_login_refused_exit_s=10",
                       f"--metrics_address=127.0.0.1:{free_port()}", *flags(user)],
                      str(tmp_path))
        started[user] = (svc.start(), wrong)
    for user, (svc, wrong) in started.items():
        try:
            status = svc.proc.wait(timeout=90)
            log = svc.log()
        finally:
            svc.stop()
        assert status == 78, (user, status, log[-3000:])
        assert "Authentication failed: Invalid username or password" in log, (user, log[-3000:])
        assert "the broker has refused this client's login for " in log, (user, log[-3000:])
        assert "check sasl.username and sasl.password" in log
        assert "serving on port" not in log, (user, log[-3000:])
        assert wrong not in log
    with open(stack.broker.client_config("cw-query")) as f:
        props = f.read()
    # The same refusal for a client of a user the broker does not know.
    unknown = tmp_path / "unknown-user.properties"
    unknown.write_text(re.sub(r"^sasl\.username=.*$", "sasl.username=cw-intruder", props,
                              flags=re.M))
    r = kcat(stack, str(unknown), "-L", "-m", "5")
    assert r.returncode != 0 and AUTH_REFUSED in r.stderr, r.stderr


def test_plaintext_and_tls_without_sasl_clients_cannot_reach_the_listener(stack, pushed,
                                                                         tmp_path):
    r = kcat(stack, None, "-L", "-m", "2")
    assert r.returncode != 0
    assert "Disconnected while requesting ApiVersion" in r.stderr, r.stderr
    assert "Failed to acquire metadata" in r.stderr
    # TLS alone (no SASL login) is not enough either.
    tls_only = tmp_path / "tls-only.properties"
    with open(stack.broker.client_config("cw-query")) as f:
        ca = re.search(r"^ssl\.ca\.location=.*$", f.read(), re.M).group(0)
    tls_only.write_text(f"security.protocol=SSL\n{ca}\n")
    r = kcat(stack, str(tls_only), "-L", "-m", "2")
    assert r.returncode != 0 and "Failed to acquire metadata" in r.stderr, r.stderr


def test_secrets_never_on_a_command_line_nor_in_logs(stack, pushed):
    secrets = {u: stack.broker.password(u) for u in ("admin", *USERS)}
    assert all(len(p) >= 32 for p in secrets.values())
    # Every process of the machine, the broker and the four services included.
    ps = subprocess.run(["ps", "-e", "-ww", "-o", "args="], capture_output=True, text=True,
                        check=True).stdout
    for name, svc in stack.services.items():
        assert svc.proc.poll() is None, name
        assert "--kafka_config_file=" in " ".join(svc.args)
    assert "kafka.Kafka" in ps
    for user, pw in secrets.items():
        assert pw not in ps, f"{user}'s password is on a command line"
    logs = all_logs(stack)
    assert any(p.endswith("kafka.log") for p in logs) and len(logs) >= 5, list(logs)
    for path, text in logs.items():
        for user, pw in secrets.items():
            assert pw not in text, f"{user}'s password in {path}"
    # The files that hold them are the owner's alone.
    for user in ("admin", *USERS):
        mode = stat.S_IMODE(os.stat(stack.broker.client_config(user)).st_mode)
        assert mode == 0o600, (user, oct(mode))
