"""Helpers of the deployment tests (scripts/deploy-test.sh): podman and podman-compose with the
project's containers.conf, the test secrets (scripts/make-test-ca.sh + a credentials file),
free ports, Prometheus queries. Nothing here imports product code."""
import hashlib
import json
import os
import re
import secrets
import socket
import subprocess
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CACHE = os.environ.get("CW_CACHE", os.path.join(os.path.expanduser("~"), ".cache", "clusterwatch"))
PODMAN_COMPOSE = os.path.join(CACHE, "podman-compose-venv", "bin", "podman-compose")
ENV = dict(os.environ, CONTAINERS_CONF=os.path.join(ROOT, "deploy", "podman", "containers.conf"))
# Ports never handed out: the services' defaults, which other runs on the machine may use.
RESERVED = {50051, 50052, 9090, 9101, 9102, 9103, 9104, 19092, 19093}


def free_port():
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in RESERVED:
            return port


def run(args, env=None, check=True, timeout=600, **kw):
    r = subprocess.run(args, env=dict(ENV, **(env or {})), capture_output=True, text=True,
                       timeout=timeout, **kw)
    if check and r.returncode != 0:
        raise AssertionError(f"{' '.join(args)} exited {r.returncode}:\n{r.stdout}\n{r.stderr}")
    return r


def podman(*args, **kw):
    return run(["podman", *args], **kw)


def sha(token):
    return hashlib.sha256(token.encode()).hexdigest()


class Secrets:
    """A test CA, a server certificate for the given service names (and 127.0.0.1), a
    credentials file with one random token per role: admin (registry, pushes from every
    region), analyst (queries), and each service's Kafka client settings,
    kafka-<service>.properties (the test brokers are PLAINTEXT, so the files say just that
    and name the client; docs/security.md, "Kafka"), and /metrics basic auth: metrics-auth
    (user prometheus, the password's SHA-256) and metrics-password (the password)."""

    SERVICES = ("cw-ingest", "cw-aggregator", "cw-query", "cw-alerter")

    def __init__(self, directory, names, kafka_sasl=False, kafka_mtls=False):
        """`kafka_sasl`: the Kafka files are for a SASL_SSL broker (the compose stack's):
        kafka-broker/ holds the broker's certificate, key, CA and users (`USER PASSWORD`,
        random passwords), and each service's properties file its user, password and the
        CA at /etc/clusterwatch/kafka-ca.pem. `kafka_mtls`: for a mutual-TLS broker (what
        Strimzi runs for deploy/k8s): client-<service>.pem and client-<service>-key.pem
        are each service's certificate (CN = the service, its Kafka principal), and
        kafka-broker/ holds the broker's certificate, key and CA."""
        self.dir = directory
        run([os.path.join(ROOT, "scripts", "make-test-ca.sh"), directory,
             *(self.SERVICES if kafka_mtls else ())],
            env={"CW_TLS_SERVER_NAMES": " ".join(names)})
        self.tokens = {role: secrets.token_hex(16) for role in ("admin", "analyst")}
        with open(os.path.join(directory, "credentials"), "w", encoding="utf-8") as f:
            for role, token in self.tokens.items():
                f.write(f"token {sha(token)} {role} - deploy-test-{role}\n")
        self.metrics_password = secrets.token_hex(16)
        with open(os.path.join(directory, "metrics-auth"), "w", encoding="utf-8") as f:
            f.write(f"prometheus {sha(self.metrics_password)}\n")
        with open(os.path.join(directory, "metrics-password"), "w", encoding="utf-8") as f:
            f.write(self.metrics_password)
        self.kafka_passwords = {u: secrets.token_hex(16) for u in ("admin", *self.SERVICES)}
        for service in self.SERVICES:
            with open(self.kafka_properties(service), "w", encoding="utf-8") as f:
                if kafka_sasl:
                    f.write(f"# {service}'s Kafka client settings (deploy test)\n"
                            "security.protocol=SASL_SSL\nsasl.mechanisms=PLAIN\n"
                            f"sasl.username={service}\n"
                            f"sasl.password={self.kafka_passwords[service]}\n"
                            "ssl.ca.location=/etc/clusterwatch/kafka-ca.pem\n")
                else:
                    f.write(f"# {service}'s Kafka client settings (deploy test: PLAINTEXT "
                            f"broker)\nsecurity.protocol=PLAINTEXT\nclient.id={service}\n")
        # The services run as uid 10001: the test files must be readable by it.
        os.chmod(directory, 0o755)
        for name in os.listdir(directory):
            os.chmod(os.path.join(directory, name), 0o644)
        if kafka_sasl or kafka_mtls:  # the broker (uid 10002) reads these
            broker = os.path.join(directory, "kafka-broker")
            os.makedirs(broker)
            os.chmod(broker, 0o755)
            for name in ("server.pem", "server-key.pem", "ca.pem"):
                with open(os.path.join(directory, name), "rb") as src, \
                        open(os.path.join(broker, name), "wb") as dst:
                    dst.write(src.read())
        if kafka_sasl:
            with open(os.path.join(broker, "kafka-users"), "w", encoding="utf-8") as f:
                f.writelines(f"{u} {p}\n" for u, p in self.kafka_passwords.items())
        if kafka_sasl or kafka_mtls:
            for name in os.listdir(broker):
                os.chmod(os.path.join(broker, name), 0o644)

    def path(self, name):
        return os.path.join(self.dir, name)

    def kafka_properties(self, service):
        return os.path.join(self.dir, f"kafka-{service}.properties")


def wait(predicate, seconds, what, step=1.0):
    """Polls predicate() until it returns a true value; returns it, or raises naming `what`."""
    deadline = time.time() + seconds
    last = None
    while time.time() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except Exception as e:  # noqa: BLE001  (kept as the reason if time runs out)
            last = e
        time.sleep(step)
    raise TimeoutError(f"{what}: not after {seconds}s (last: {last!r})")


def prometheus_query(port, expr):
    url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=10) as r:
        body = json.load(r)
    assert body["status"] == "success", body
    return body["data"]["result"]


SELECTOR = re.compile(r"\b(cw_[a-z0-9_]+)(\{[^}]*\})?")


def selectors(expr):
    """The vector selectors of a PromQL expression that name clusterwatch series (cw_*), with
    Grafana's $variables matched as 'anything'."""
    expr = re.sub(r'=~"\$\w+"', '=~".*"', expr)
    return sorted({m.group(1) + (m.group(2) or "") for m in SELECTOR.finditer(expr)})


def env_file(path):
    """KEY=VALUE lines of a systemd EnvironmentFile (comments and blank lines skipped)."""
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                k, v = line.split("=", 1)
                out[k] = v
    return out


def exec_start(unit):
    """The ExecStart= command line of a systemd unit, continuation lines joined."""
    with open(unit, encoding="utf-8") as f:
        text = f.read().replace("\\\n", " ")
    return re.search(r"^ExecStart=(.*)$", text, re.M).group(1)
