"""Process harness for system tests: a real Kafka broker (scripts/kafka.sh) and the real
clusterwatch binaries as separate processes, on free loopback ports in a temporary
directory. Nothing here imports product code."""
import os
import re
import signal
import socket
import subprocess
import time
import urllib.request

import ground_truth

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("CW_BUILD_DIR", os.path.join(ROOT, "build"))


# Ports free_port() never returns: the services' default ports (other runs on the same
# machine may start them later) and the Kafka ports pinned through the environment.
RESERVED_PORTS = {50051, 50052, 9101, 9102, 9103, 9104, 19092, 19093} | {
    int(os.environ[v]) for v in ("CW_KAFKA_PORT", "CW_KAFKA_CONTROLLER_PORT")
    if os.environ.get(v, "").isdigit()}


def uscc(county, n, org="MA"):
    """A valid USCC (check character computed) of a test enterprise: registered in
    `county` (GB/T 2260), organisation code `org` + the 7-digit serial `n`."""
    first = f"91{county}{org}{n:07d}"
    return first + ground_truth.uscc_check_char(first)


def push_exit_code(stdout):
    """The exit status `clusterctl push` owes for the answers it printed: 3 when ingest
    refused any line, 0 when every line was accepted (docs/operations.md, exit statuses)."""
    refused = sum(int(n) for n in re.findall(r" accepted, (\d+) rejected", stdout))
    return 3 if refused else 0


def write_rows(path, rows):
    """Writes CSV lines (already joined) as a UTF-8 file."""
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(rows) + "\n")


def free_port():
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in RESERVED_PORTS:
            return port


def wait_port(port, seconds=120):
    deadline = time.time() + seconds
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on port {port} after {seconds}s")


class Broker:
    """A single-node KRaft broker in its own data directory and ports: free ports, or
    CW_KAFKA_PORT / CW_KAFKA_CONTROLLER_PORT when set (one broker at a time then).
    `sasl`: the client listener is SASL_SSL with ACLs (scripts/kafka.sh, CW_KAFKA_SASL=1);
    client_config(user) is then the librdkafka properties file of that user."""

    def __init__(self, workdir, sasl=False):
        self.dir = os.path.join(workdir, "kafka")
        self.env = dict(os.environ, CW_KAFKA_DIR=self.dir,
                        CW_KAFKA_PORT=os.environ.get("CW_KAFKA_PORT") or str(free_port()),
                        CW_KAFKA_CONTROLLER_PORT=os.environ.get("CW_KAFKA_CONTROLLER_PORT")
                        or str(free_port()),
                        CW_KAFKA_SASL="1" if sasl else "0")
        self.bootstrap = f"127.0.0.1:{self.env['CW_KAFKA_PORT']}"

    def client_config(self, user):
        return os.path.join(self.dir, "sasl", "clients", f"{user}.properties")

    def password(self, user):
        with open(os.path.join(self.dir, "sasl", "passwords", user)) as f:
            return f.read().strip()

    def run(self, *args):
        return subprocess.run([os.path.join(ROOT, "scripts", "kafka.sh"), *args], env=self.env,
                              check=True, capture_output=True, text=True)

    def start(self):
        self.run("start")
        self.run("topics")

    def stop(self):
        self.run("stop")


class Alertmanager:
    """Prometheus Alertmanager (Debian's prometheus-alertmanager) on a free loopback port,
    in its own data directory, with a test configuration: every alert routed to the webhook
    receiver `receiver_url`, grouped by alertname, group_wait/group_interval 1s, resolved
    alerts sent too. Clustering is off."""

    BINARY = os.environ.get("CW_ALERTMANAGER", "/usr/bin/prometheus-alertmanager")

    def __init__(self, workdir, receiver_url):
        self.dir = os.path.join(workdir, "alertmanager")
        os.makedirs(self.dir, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config = os.path.join(self.dir, "alertmanager.yml")
        with open(self.config, "w") as f:
            f.write(f"""route:
  receiver: test
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: test
    webhook_configs:
      - url: {receiver_url}
        send_resolved: true
""")
        self.proc = None

    def start(self):
        log = open(os.path.join(self.dir, "alertmanager.log"), "ab")
        self.proc = subprocess.Popen(
            [self.BINARY, f"--config.file={self.config}",
             f"--storage.path={os.path.join(self.dir, 'data')}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--cluster.listen-address="],
            stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/-/ready", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                if time.time() > deadline:
                    raise
            if self.proc.poll() is not None:
                raise RuntimeError(f"alertmanager exited with {self.proc.returncode}")
            time.sleep(0.2)

    def get(self, path):
        import json
        with urllib.request.urlopen(f"{self.url}{path}", timeout=10) as r:
            return json.loads(r.read().decode())

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)


class Service:
    """One clusterwatch binary: started, SIGKILLed and restarted with the same flags."""

    def __init__(self, name, binary, args, workdir, port=None, metrics_port=None):
        self.name, self.binary, self.args = name, binary, args
        self.port, self.metrics_port = port, metrics_port
        self.log_path = os.path.join(workdir, f"{name}.log")
        self.proc = None

    def start(self):
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([os.path.join(BUILD, self.binary), *self.args],
                                     stdout=log, stderr=subprocess.STDOUT)
        for p in (self.port, self.metrics_port):
            if p:
                wait_port(p)
        return self

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def metrics(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/metrics",
                                    timeout=5) as r:
            return r.read().decode()

    def metric(self, line_prefix):
        """Value of the first metric line starting with `line_prefix`, or None."""
        for line in self.metrics().splitlines():
            if line.startswith(line_prefix):
                return float(line.rsplit(" ", 1)[1])
        return None

    def metric_values(self, name):
        """Values of every series of metric `name` (any labels), in exposition order."""
        out = []
        for line in self.metrics().splitlines():
            if line.startswith(name + "{") or line.startswith(name + " "):
                out.append(float(line.rsplit(" ", 1)[1]))
        return out

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()


class Stack:
    """Broker + cw-ingest + cw-aggregator + cw-query."""

    def __init__(self, workdir, alert_rules=None, security=None, alerter_args=(),
                 kafka_sasl=False):
        """`security`: flags for the gRPC services (TLS, credentials); by default the
        explicit development opt-outs --plaintext --allow_unauthenticated. `alerter_args`:
        more flags for cw-alerter (e.g. --alertmanager_url). `kafka_sasl`: the broker
        listens SASL_SSL with per-service ACLs and every service (the cw-aggregator*
        and query* ones included) reads its own user's --kafka_config_file."""
        self.alerter_args = list(alerter_args)
        self.security = security or ["--plaintext", "--allow_unauthenticated",
                                     "--rate_limit_rps=0"]
        self.workdir = workdir
        self.kafka_sasl = kafka_sasl
        self.broker = Broker(workdir, sasl=kafka_sasl)
        self.services = {}
        self.alert_rules = alert_rules or os.path.join(ROOT, "deploy", "alert-rules.yaml")

    def kafka_flags(self, user):
        """The Kafka client flags of a service running as Kafka user `user`."""
        flags = [f"--brokers={self.broker.bootstrap}"]
        if self.kafka_sasl:
            flags.append(f"--kafka_config_file={self.broker.client_config(user)}")
        return flags

    def start(self):
        self.broker.start()
        ip, mp = free_port(), free_port()
        self.services["ingest"] = Service(
            "ingest", "ingest/cw-ingest",
            [*self.kafka_flags("cw-ingest"), f"--listen=127.0.0.1:{ip}", f"--metrics_address=127.0.0.1:{mp}",
             f"--audit_log={os.path.join(self.workdir, 'audit-ingest.jsonl')}",
             *self.security],
            self.workdir, ip, mp).start()
        self.add_aggregator("aggregator")
        self.add_query("query")
        mp = free_port()
        self.services["alerter"] = Service(
            "alerter", "alerter/cw-alerter",
            [*self.kafka_flags("cw-alerter"), f"--metrics_address=127.0.0.1:{mp}", f"--rules={self.alert_rules}",
             f"--state_dir={os.path.join(self.workdir, 'alerter')}", "--reevaluate_seconds=5",
             *self.alerter_args],
            self.workdir, None, mp).start()
        return self

    def add_aggregator(self, name):
        mp = free_port()
        self.services[name] = Service(
            name, "aggregator/cw-aggregator",
            [*self.kafka_flags("cw-aggregator"), f"--metrics_address=127.0.0.1:{mp}",
             f"--state_dir={os.path.join(self.workdir, name)}"],
            self.workdir, None, mp).start()
        return self.services[name]

    def add_query(self, name, security=None):
        """Another query replica `name`; with `security`, its own gRPC security flags instead
        of the stack's (e.g. a TLS replica beside plaintext ones)."""
        qp, mp = free_port(), free_port()
        self.services[name] = Service(
            name, "query/cw-query",
            [*self.kafka_flags("cw-query"), f"--listen=127.0.0.1:{qp}",
             f"--metrics_address=127.0.0.1:{mp}",
             f"--state_dir={os.path.join(self.workdir, name)}",
             f"--audit_log={os.path.join(self.workdir, 'audit-' + name + '.jsonl')}",
             *(self.security if security is None else security)],
            self.workdir, qp, mp).start()
        return self.services[name]

    def address(self, name):
        return f"127.0.0.1:{self.services[name].port}"

    def ctl(self, *args, check=True):
        ingest = self.services["ingest"].port
        query = self.services["query"].port
        return subprocess.run([os.path.join(BUILD, "cli", "clusterctl"), *args,
                               f"--ingest=127.0.0.1:{ingest}", f"--query=127.0.0.1:{query}"],
                              check=check, capture_output=True, text=True)

    def load(self, parks, enterprises, reports, timeout=120):
        """Writes registry/parks.csv, registry/enterprises.csv and reports/<name> from the rows
        given ({name: rows}) under the workdir, pushes them with clusterctl (no report line may
        be rejected) and waits until the query service answers exactly what ground_truth
        computes from those files. Returns a cwclient.Client of the query service."""
        import cwclient  # needs the generated protobuf modules, which only some tests use
        reg, rep = os.path.join(self.workdir, "registry"), os.path.join(self.workdir, "reports")
        os.makedirs(reg)
        os.makedirs(rep)
        write_rows(os.path.join(reg, "parks.csv"), parks)
        write_rows(os.path.join(reg, "enterprises.csv"), enterprises)
        self.ctl("registry", os.path.join(reg, "parks.csv"), os.path.join(reg, "enterprises.csv"))
        for name, rows in reports.items():
            write_rows(os.path.join(rep, name), rows)
            r = self.ctl("push", os.path.join(rep, name), check=False)
            assert r.returncode == 0 and " 0 rejected" in r.stdout, (r.returncode, r.stdout,
                                                                     r.stderr)
        client = cwclient.Client(self.address("query"))
        assert cwclient.wait_equal(client, ground_truth.compute(self.workdir), timeout) == []
        return client

    def stop(self):
        for s in self.services.values():
            s.stop()
        self.broker.stop()
