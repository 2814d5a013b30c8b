"""The Kubernetes manifests of deploy/k8s run with `podman kube play`: the application pods
(cw-ingest, cw-query, cw-aggregator, cw-alerter) with their exact args, env, volumes and
probes, against a test broker (the Kafka image) in place of the Strimzi cluster — mutual TLS,
each service identified by its certificate, with the ACLs of deploy/kafka/acls.txt, as the
Strimzi `tls` listener and the KafkaUsers of kafka/users.yaml give them — with the
ConfigMaps of deploy/k8s, the two Secrets an operator makes (test CA, tokens) and the ones
Strimzi makes (each KafkaUser's certificate, the cluster CA). Every
probe of every container is then run as the kubelet would (exec in the container; httpGet
/metrics through cw-healthcheck) until all pass: ingest and query answer SERVING over TLS.
The StatefulSets are played as Deployments of the same pod template (kube play knows no
StatefulSet); their volumeClaimTemplates become emptyDir volumes of the same name. Secret
volumes become hostPath volumes of the same files (podman 4.3.1's kube play panics on any
secret volume, with or without a podman secret of that name). And podman 4.3.1 does not
expand `$(VAR)` references in a container's args as the kubelet does, so the test expands
them first by the kubelet's rule: VAR from the container's env (a value, a ConfigMap key, or
the pod's name for `fieldRef: metadata.name`, which is `<StatefulSet>-0` for the first
replica); a reference to nothing stays as written."""
import copy
import json
import os
import re
import shutil
import time

import pytest
import yaml

from podman import ROOT, Secrets, podman, wait

K8S = os.path.join(ROOT, "deploy", "k8s")
APPS = ["ingest.yaml", "query.yaml", "aggregator.yaml", "alerter.yaml"]
CONFIG = ["kafka-client-config.yaml", "metrics-config.yaml", "alert-rules-config.yaml"]
TIMINGS = {}



def load(name):
    with open(os.path.join(K8S, name), encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d]


def expand_args(container, pod_name, config_maps):
    """The container's command and args with $(VAR) expanded as the kubelet does it."""
    env = {}
    for e in container.get("env", []):
        if "value" in e:
            env[e["name"]] = e["value"]
            continue
        ref = e.get("valueFrom", {})
        if "configMapKeyRef" in ref:
            r = ref["configMapKeyRef"]
            env[e["name"]] = config_maps[r["name"]][r["key"]]
        elif ref.get("fieldRef", {}).get("fieldPath") == "metadata.name":
            env[e["name"]] = pod_name
        else:
            raise AssertionError(f"env entry this test cannot resolve: {e}")

    def expand(text):
        # $$ escapes a literal $(...); an unknown VAR is left as written.
        return re.sub(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)",
                      lambda m: "$" if m.group(0) == "$$" else env.get(m.group(1), m.group(0)),
                      text)
    for key in ("command", "args"):
        if key in container:
            container[key] = [expand(a) for a in container[key]]


def playable(doc, secret_dirs, config_maps, tag):
    """Deployment or StatefulSet -> a one-replica Deployment of the same pod template."""
    d = copy.deepcopy(doc)
    spec = d["spec"]
    # The first replica's pod name: <StatefulSet>-0 (a Deployment's has a random suffix).
    pod_name = f"{d['metadata']['name']}-0"
    for c in spec["template"]["spec"]["containers"]:
        expand_args(c, pod_name, config_maps)
    for v in spec["template"]["spec"].get("volumes", []):
        if "secret" in v:
            v["hostPath"] = {"path": secret_dirs[v.pop("secret")["secretName"]], "type": "Directory"}
    spec["replicas"] = 1
    if d["kind"] == "StatefulSet":
        claims = spec.pop("volumeClaimTemplates", [])
        spec.pop("serviceName", None)
        spec.pop("podManagementPolicy", None)
        spec.pop("updateStrategy", None)
        spec.pop("persistentVolumeClaimRetentionPolicy", None)
        vols = spec["template"]["spec"].setdefault("volumes", [])
        vols += [{"name": c["metadata"]["name"], "emptyDir": {}} for c in claims]
        d["kind"] = "Deployment"
    # kube play makes an emptyDir a named volume of the same name, shared by every pod that
    # names it ("state" of cw-aggregator and cw-alerter would be one directory): give each
    # workload's its own name, removed with the test.
    renamed = {}
    for v in spec["template"]["spec"].get("volumes", []):
        if "emptyDir" in v:
            renamed[v["name"]] = f"{tag}-{d['metadata']['name']}-{v['name']}"
            v["name"] = renamed[v["name"]]
    for c in spec["template"]["spec"]["containers"]:
        for m in c.get("volumeMounts", []):
            m["name"] = renamed.get(m["name"], m["name"])
    d["metadata"].pop("namespace", None)
    return d


@pytest.fixture(scope="module")
def played(tmp_path_factory):
    work = str(tmp_path_factory.mktemp("kube"))
    tag = f"cwkube{os.getpid()}"
    broker = f"{tag}-kafka"
    s = Secrets(os.path.join(work, "secrets"), [broker], kafka_mtls=True)
    docs = []
    for name in CONFIG:
        for d in load(name):
            d["metadata"].pop("namespace", None)
            if d["metadata"]["name"] == "cw-kafka-client":
                d["data"]["brokers"] = f"{broker}:9092"
            docs.append(d)
    config_maps = {d["metadata"]["name"]: d.get("data", {}) for d in docs
                   if d["kind"] == "ConfigMap"}
    # The two Secrets an operator makes, as directories of their keys (see above).
    secret_dirs = {}
    for name, files in {"cw-tls": {"tls.crt": "server.pem", "tls.key": "server-key.pem",
                                   "ca.crt": "ca.pem"},
                        "cw-credentials": {"credentials": "credentials"}}.items():
        d = os.path.join(work, name)
        os.makedirs(d)
        os.chmod(d, 0o755)
        for key, src in files.items():
            shutil.copy(s.path(src), os.path.join(d, key))
            os.chmod(os.path.join(d, key), 0o644)
        secret_dirs[name] = d
    # What Strimzi's User Operator makes for each KafkaUser of kafka/users.yaml (a Secret of
    # the user's name: user.crt, user.key) and the cluster CA's Secret (ca.crt): here from the
    # test CA, which also signs the test broker's certificate.
    for service in Secrets.SERVICES:
        d = os.path.join(work, service)
        os.makedirs(d)
        os.chmod(d, 0o755)
        for key, src in (("user.crt", f"client-{service}.pem"),
                         ("user.key", f"client-{service}-key.pem")):
            shutil.copy(s.path(src), os.path.join(d, key))
            os.chmod(os.path.join(d, key), 0o644)
        secret_dirs[service] = d
    d = os.path.join(work, "cw-kafka-cluster-ca-cert")
    os.makedirs(d)
    os.chmod(d, 0o755)
    shutil.copy(s.path("ca.pem"), os.path.join(d, "ca.crt"))
    os.chmod(os.path.join(d, "ca.crt"), 0o644)
    secret_dirs["cw-kafka-cluster-ca-cert"] = d
    d = os.path.join(work, "cw-metrics-auth")  # /metrics basic auth
    os.makedirs(d)
    os.chmod(d, 0o755)
    for key in ("metrics-auth", "metrics-password"):
        shutil.copy(s.path(key), os.path.join(d, key))
        os.chmod(os.path.join(d, key), 0o644)
    secret_dirs["cw-metrics-auth"] = d
    workloads = [playable(d, secret_dirs, config_maps, tag) for name in APPS for d in load(name)
                 if d["kind"] in ("Deployment", "StatefulSet")]
    docs += workloads
    play = os.path.join(work, "play.yaml")
    with open(play, "w", encoding="utf-8") as f:
        yaml.safe_dump_all(docs, f, sort_keys=False)
    topics = " ".join(t for t in [
        "cw.reports.v1:4:cleanup.policy=delete,retention.ms=-1", "cw.registry.v1:1:cleanup.policy=compact",
        "cw.rejected.v1:1:cleanup.policy=compact,retention.ms=-1", "cw.contributions.v1:4:cleanup.policy=compact",
        "cw.park-metrics.v1:4:cleanup.policy=compact", "cw.alerts.v1:1:cleanup.policy=compact",
        "cw.alert-actions.v1:1:cleanup.policy=delete,retention.ms=-1"])
    podman("network", "create", tag)
    t0 = time.time()
    try:
        # Mutual TLS with the ACLs of deploy/kafka/acls.txt, as the Strimzi Kafka of
        # kafka/kafka.yaml with the KafkaUsers of kafka/users.yaml.
        podman("run", "-d", "--name", broker, "--network", tag, "-e", f"KAFKA_ADVERTISED_HOST={broker}",
               "-e", "KAFKA_CLUSTER_ID=Y2x1c3RlcndhdGNoLWtyMQ", "-e", f"KAFKA_TOPICS={topics}",
               "-e", "KAFKA_TLS_SECRETS=/etc/kafka/secrets",
               "-v", f"{s.path('kafka-broker')}:/etc/kafka/secrets:ro",
               "clusterwatch-kafka:4.1.1")
        wait(lambda: podman("exec", broker, "/opt/kafka/entrypoint.sh", "ready", check=False).returncode == 0,
             120, "test broker ready with its topics", step=2)
        TIMINGS["broker ready"] = round(time.time() - t0, 1)
        t1 = time.time()
        podman("kube", "down", play, check=False)  # pods left by an interrupted run
        podman("kube", "play", "--network", tag, play)
        yield {"workloads": workloads, "t0": t1, "play": play, "broker": broker}
    finally:
        with open(os.environ.get("CW_DEPLOY_TIMINGS", os.devnull), "a", encoding="utf-8") as f:
            f.write(json.dumps({"kube play start-up seconds": TIMINGS}) + "\n")
        podman("kube", "down", play, check=False)
        podman("rm", "-f", "-t", "5", broker, check=False)
        podman("network", "rm", "-f", tag, check=False)
        # kube play keeps ConfigMap volumes as named volumes of the ConfigMap's name, too.
        for v in podman("volume", "ls", "--format", "{{.Name}}").stdout.split():
            if v.startswith(f"{tag}-") or v in config_maps:
                podman("volume", "rm", "-f", v, check=False)


def container_of(pod_prefix, container):
    names = podman("ps", "--format", "{{.Names}}").stdout.split()
    found = [n for n in names if n.startswith(pod_prefix) and n.endswith(f"-{container}")]
    return found[0] if found else None


def probe_passes(ctr, probe):
    if "exec" in probe:
        return podman("exec", ctr, *probe["exec"]["command"], check=False).returncode == 0
    if "httpGet" in probe:
        port = probe["httpGet"]["port"]
        return podman("exec", ctr, "/usr/local/bin/cw-healthcheck", "metrics", str(port),
                      check=False).returncode == 0
    raise AssertionError(f"probe kind not run by this test: {probe}")


def test_every_probe_of_every_workload_passes(played):
    failures = []
    for w in played["workloads"]:
        name = w["metadata"]["name"]
        for c in w["spec"]["template"]["spec"]["containers"]:
            probes = {k: c[k] for k in ("startupProbe", "readinessProbe", "livenessProbe") if k in c}
            # metrics ports are named in the pod; the test reads the number.
            ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
            for p in probes.values():
                if "httpGet" in p and isinstance(p["httpGet"]["port"], str):
                    p["httpGet"]["port"] = ports[p["httpGet"]["port"]]

            def ready():
                ctr = container_of(name, c["name"])
                return ctr and all(probe_passes(ctr, p) for p in probes.values())
            try:
                wait(ready, 120, f"{name}/{c['name']} probes", step=2)
                TIMINGS[name] = round(time.time() - played["t0"], 1)
            except TimeoutError as e:
                ctr = container_of(name, c["name"])
                logs = podman("logs", "--tail", "30", ctr, check=False) if ctr else None
                failures.append(f"{e}\n{logs.stdout + logs.stderr if logs else 'no container'}")
    TIMINGS["all probes pass"] = round(time.time() - played["t0"], 1)
    assert not failures, "\n".join(failures)


def test_ingest_and_query_answer_serving(played):
    for name, port in (("cw-ingest", 50051), ("cw-query", 50052)):
        ctr = container_of(name, "ingest" if name == "cw-ingest" else "query")
        r = podman("exec", ctr, "/usr/local/bin/clusterctl",
                   "--tls_ca=/var/run/secrets/clusterwatch/tls/ca.crt", "health", f"127.0.0.1:{port}",
                   check=False)
        assert r.stdout.strip() == "SERVING", r.stdout + r.stderr


def test_metrics_require_basic_auth(played):
    # Every pod's /metrics (--metrics_auth_file from the Secret cw-metrics-auth) answers 401
    # without the credentials; the probes above passed with them.
    checked = 0
    for w in played["workloads"]:
        for c in w["spec"]["template"]["spec"]["containers"]:
            port = {p["name"]: p["containerPort"] for p in c.get("ports", [])}.get("metrics")
            if port is None:
                continue
            assert any(a.startswith("--metrics_auth_file=") for a in c.get("args", [])), c
            ctr = container_of(w["metadata"]["name"], c["name"])
            r = podman("exec", "-e", "CW_HEALTH_PASSWORD_FILE=", ctr, "/usr/local/bin/cw-healthcheck",
                       "metrics", str(port), check=False)
            assert r.returncode == 1 and "401 Unauthorized" in r.stderr, (ctr, r.stderr)
            checked += 1
    assert checked == 4, checked


def test_kafka_is_mutual_tls_with_the_acl_table(played):
    # Every service reached the broker with its own certificate (the probes above need the
    # registry read), and the broker's ACLs are exactly deploy/kafka/acls.txt's table.
    want = set()
    kinds = {"topic": "TOPIC", "group": "GROUP", "transactional-id": "TRANSACTIONAL_ID"}
    with open(os.path.join(ROOT, "deploy", "kafka", "acls.txt"), encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            user, kind, name, ops = line.replace("{suffix}", "v1").split("/")
            for op in ops.split("+"):
                want.add(f"User:{user} ALLOW {op.upper()} {kinds[kind]} {name} host=*")
    acls = podman("exec", played["broker"], "/opt/kafka/entrypoint.sh", "acls").stdout
    assert set(acls.splitlines()) == want, acls
    config = podman("exec", played["broker"], "cat", "/tmp/server.properties").stdout
    assert "listeners=SSL://0.0.0.0:9092,INTERNAL://localhost:9094" in config, config
    assert "ssl.client.auth=required" in config and "PLAINTEXT://" not in config
    for w in played["workloads"]:
        for c in w["spec"]["template"]["spec"]["containers"]:
            ctr = container_of(w["metadata"]["name"], c["name"])
            assert ctr, (w["metadata"]["name"], c["name"])
            r = podman("logs", ctr)
            log = r.stdout + r.stderr
            assert "Authentication failure" not in log, (ctr, log[-2000:])
            assert "authorization failed" not in log.lower(), (ctr, log[-2000:])
