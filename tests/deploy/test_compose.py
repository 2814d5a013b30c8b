"""deploy/compose/docker-compose.yml run as written, with podman-compose, TLS and tokens on:
Kafka (the image of deploy/kafka), cw-ingest, cw-aggregator, cw-query, cw-alerter and
Prometheus (Debian's, deploy/prometheus). The sample is pushed through the clusterctl
container; the answers must equal tests/system/ground_truth.py; an alert must fire; and every
series that a Prometheus rule or a Grafana panel reads must exist in the running stack.
Images come from scripts/images.sh (run by scripts/deploy-test.sh first)."""
import json
import os
import re
import sys
import time

import grpc
import pytest
import yaml

from podman import (PODMAN_COMPOSE, ROOT, Secrets, free_port, podman, prometheus_query, run,
                    selectors, wait)

sys.path.insert(0, os.path.join(ROOT, "tests", "system"))
import cwclient  # noqa: E402  (generates the Python stubs from proto/)
import ground_truth  # noqa: E402

COMPOSE = os.path.join(ROOT, "deploy", "compose", "docker-compose.yml")
SERVICES = ["kafka", "cw-ingest", "cw-aggregator", "cw-query", "cw-alerter", "prometheus"]
TIMINGS = {}


class Stack:
    def __init__(self, work):
        self.project = f"cwdeploy{os.getpid()}"
        self.secrets = Secrets(os.path.join(work, "secrets"), ["cw-ingest", "cw-query", "kafka"],
                               kafka_sasl=True)
        self.ports = {"CW_INGEST_PORT": free_port(), "CW_QUERY_PORT": free_port(),
                      "CW_PROMETHEUS_PORT": free_port()}
        self.env = {"CW_SECRETS": self.secrets.dir, "CW_DATA": os.path.join(ROOT, "data"),
                    "CW_ALERTER_REEVALUATE_SECONDS": "5",
                    **{k: str(v) for k, v in self.ports.items()}}

    def compose(self, *args, env=None, check=True, timeout=600):
        return run([PODMAN_COMPOSE, "-f", COMPOSE, "-p", self.project, *args],
                   env=dict(self.env, **(env or {})), check=check, timeout=timeout)

    def container(self, service):
        return f"{self.project}_{service}_1"

    def healthy(self, service):
        """The service's own compose healthcheck, run now (podman 4.3 has no timer for it
        without systemd)."""
        return podman("healthcheck", "run", self.container(service), check=False).returncode == 0

    def ctl(self, token, *args, check=True):
        """clusterctl in its compose container (TLS to cw-ingest/cw-query by name)."""
        return self.compose("--profile", "tools", "run", "--rm", "--no-deps", "clusterctl",
                            *args, env={"CW_TOKEN": token}, check=check)

    def query_client(self):
        with open(self.secrets.path("ca.pem"), "rb") as f:
            ca = f.read()
        return cwclient.Client(f"127.0.0.1:{self.ports['CW_QUERY_PORT']}", ca,
                           self.secrets.tokens["analyst"])

    def logs(self):
        out = []
        for s in SERVICES:
            r = podman("logs", "--tail", "40", self.container(s), check=False)
            out.append(f"---- {s}\n{r.stdout}{r.stderr}")
        return "\n".join(out)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    s = Stack(str(tmp_path_factory.mktemp("compose")))
    t0 = time.time()
    try:
        s.compose("up", "-d")
        for service in SERVICES:
            wait(lambda: s.healthy(service), 180, f"{service} healthy")
            TIMINGS[service] = round(time.time() - t0, 1)
        TIMINGS["all healthy"] = round(time.time() - t0, 1)
        yield s
    except BaseException:
        print(s.logs())
        raise
    finally:
        with open(os.environ.get("CW_DEPLOY_TIMINGS", os.devnull), "a", encoding="utf-8") as f:
            f.write(json.dumps({"compose start-up seconds": TIMINGS}) + "\n")
        s.compose("down", "-v", "-t", "20", check=False)


@pytest.fixture(scope="module")
def pushed(stack):
    """The sample (registry, then every report file) pushed through the clusterctl container."""
    admin = stack.secrets.tokens["admin"]
    r = stack.ctl(admin, "registry", "/data/sample/registry/parks.csv",
                  "/data/sample/registry/enterprises.csv")
    assert "records stored" in r.stdout, r.stdout + r.stderr
    reports = sorted(f for f in os.listdir(os.path.join(ROOT, "data", "sample", "reports"))
                     if f.endswith(".csv"))
    # The sample's zz-bad*.csv hold refused lines on purpose: exit 3, with the count.
    r = stack.ctl(admin, "push", *[f"/data/sample/reports/{f}" for f in reports], check=False)
    assert r.returncode == 3, r.stdout + r.stderr
    # The container's stderr reaches podman-compose run's stdout (no TTY): look in both.
    assert f"clusterctl push: {len(reports)} files answered" in r.stdout + r.stderr, \
        r.stdout + r.stderr
    answered = [line for line in r.stdout.splitlines() if re.match(r"^/data/\S+: submission ", line)]
    assert len(answered) == len(reports), r.stdout + r.stderr
    return r.stdout


def test_every_service_passes_its_compose_healthcheck(stack):
    # The fixture waited for each one; the services' TLS health probe is clusterctl health.
    for service in SERVICES:
        assert stack.healthy(service), service


def test_answers_equal_ground_truth_over_tls(stack, pushed):
    truth = ground_truth.compute(os.path.join(ROOT, "data", "sample"))
    assert cwclient.wait_equal(stack.query_client(), truth, 180) == []


def test_plaintext_and_tokenless_calls_are_refused(stack, pushed):
    port = stack.ports["CW_QUERY_PORT"]
    plain = cwclient.Client(f"127.0.0.1:{port}")
    with pytest.raises(grpc.RpcError):
        plain.parks()
    with open(stack.secrets.path("ca.pem"), "rb") as f:
        tokenless = cwclient.Client(f"127.0.0.1:{port}", f.read())
    with pytest.raises(grpc.RpcError) as e:
        tokenless.parks()
    assert e.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_an_alert_fires(stack, pushed):
    analyst = stack.secrets.tokens["analyst"]

    def firing():
        out = stack.ctl(analyst, "alerts", "list", "--state=firing").stdout
        return [line for line in out.splitlines() if line.startswith("FIRING")]
    try:
        wait(firing, 120, "a firing alert from clusterctl alerts list")
    except TimeoutError:
        print(stack.logs())
        raise


def prometheus_expressions():
    exprs = []
    with open(os.path.join(ROOT, "deploy", "prometheus", "rules", "clusterwatch.rules.yml"),
              encoding="utf-8") as f:
        for group in yaml.safe_load(f)["groups"]:
            exprs += [(f"rule {r.get('alert') or r.get('record')}", r["expr"])
                      for r in group["rules"]]
    with open(os.path.join(ROOT, "deploy", "grafana", "clusterwatch.json"), encoding="utf-8") as f:
        dashboard = json.load(f)

    def panels(ps):
        for p in ps:
            yield p
            yield from panels(p.get("panels", []))
    for p in panels(dashboard["panels"]):
        exprs += [(f"panel {p.get('title')}", t["expr"]) for t in p.get("targets", [])
                  if t.get("expr")]
    return exprs


def test_prometheus_scrapes_all_four_services(stack, pushed):
    port = stack.ports["CW_PROMETHEUS_PORT"]

    def all_up():
        up = {r["metric"]["job"]: r["value"][1] for r in prometheus_query(port, "up")}
        return up if all(up.get(j) == "1" for j in
                         ("cw-ingest", "cw-aggregator", "cw-query", "cw-alerter")) else None
    wait(all_up, 90, "all four jobs up in Prometheus", step=2)
    builds = prometheus_query(port, "cw_build_info")
    assert {r["metric"]["job"] for r in builds} >= {"cw-ingest", "cw-aggregator", "cw-query",
                                                    "cw-alerter"}, builds


def test_metrics_require_basic_auth(stack, pushed):
    # Every service was started with --metrics_auth_file: /metrics without the credentials
    # answers 401 (Prometheus, scraping with them, has all four up: the test above), with
    # them 200, and the password is on no service's command line.
    for service, port in (("cw-ingest", 9101), ("cw-aggregator", 9102), ("cw-query", 9103),
                          ("cw-alerter", 9104)):
        ctr = stack.container(service)
        r = podman("exec", "-e", "CW_HEALTH_PASSWORD_FILE=", ctr, "cw-healthcheck", "metrics",
                   str(port), check=False)
        assert r.returncode == 1 and "401 Unauthorized" in r.stderr, (service, r.stderr)
        if service in ("cw-aggregator", "cw-alerter"):  # they hold it for their healthcheck
            r = podman("exec", ctr, "cw-healthcheck", "metrics", str(port), check=False)
            assert r.returncode == 0, (service, r.stderr)
        args = podman("inspect", "--format", "{{json .Config.Cmd}}", ctr).stdout
        assert "--metrics_auth_file=" in args and stack.secrets.metrics_password not in args


def test_kafka_is_sasl_ssl_with_per_service_acls(stack, pushed):
    # The broker serves only SASL_SSL (every service got through: the answers above) and its
    # ACLs are the per-service table; no Kafka password is on a command line.
    ctr = stack.container("kafka")
    acls = podman("exec", ctr, "/opt/kafka/entrypoint.sh", "acls").stdout.splitlines()
    assert "User:cw-query ALLOW READ TOPIC cw.alerts.v1 host=*" in acls, acls
    assert "User:cw-aggregator ALLOW WRITE TRANSACTIONAL_ID cw-aggregator* host=*" in acls
    assert not [a for a in acls if a.startswith("User:cw-query ALLOW WRITE TOPIC cw.reports")]
    assert "User:cw-query ALLOW WRITE TOPIC cw.alert-actions.v1 host=*" in acls, acls
    assert len(acls) == 20, acls  # the table of deploy/kafka/acls.txt (read+write is two)
    config = podman("exec", ctr, "cat", "/tmp/server.properties").stdout
    assert "listeners=SASL_SSL://0.0.0.0:9092,CONTROLLER://localhost:9093" in config
    assert "PLAINTEXT://" not in config and "super.users=User:admin" in config
    for service in ("kafka", "cw-ingest", "cw-aggregator", "cw-query", "cw-alerter"):
        args = podman("inspect", "--format", "{{json .Config.Cmd}} {{json .Config.Env}}",
                      stack.container(service)).stdout
        for password in stack.secrets.kafka_passwords.values():
            assert password not in args, service


def test_every_rule_and_panel_reads_series_that_exist(stack, pushed):
    # Each selector (metric and label matchers) that a rule or a panel reads returns series
    # from the running stack: no rule or panel waits on a metric nobody exports.
    port = stack.ports["CW_PROMETHEUS_PORT"]
    wanted = {}
    for where, expr in prometheus_expressions():
        for sel in selectors(expr):
            wanted.setdefault(sel, []).append(where)

    def missing():
        return [f"{sel} (read by {', '.join(w)})" for sel, w in sorted(wanted.items())
                if not prometheus_query(port, sel)]
    try:
        wait(lambda: not missing(), 120, "series for every selector", step=5)
    except TimeoutError:
        pytest.fail("no series for:\n  " + "\n  ".join(missing()))
