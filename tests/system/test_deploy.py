"""The deployment files (deploy/k8s, compose, systemd, docker, prometheus) pass
scripts/validate-deploy.sh, which runs real validators offline: kustomize + kubeconform
-strict (Kubernetes and Strimzi schemas), promtool, check-jsonschema (compose-spec),
systemd-analyze verify, hadolint, and cross-file checks. And the same invocation rejects a
copy of deploy/ with one deliberate break, failing exactly the check meant to catch it.

No broker and no binaries are needed. The first run installs the validators into
${CW_CACHE:-~/.cache/clusterwatch} (minutes: promtool is compiled); later runs take seconds."""
import os
import re
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "scripts", "validate-deploy.sh")


def validate(*args, env=None):
    r = subprocess.run([SCRIPT, *args], capture_output=True, text=True, timeout=3600,
                       env=dict(os.environ, **(env or {})))
    return r, r.stdout + r.stderr


def copy_deploy(tmp_path):
    """tmp/deploy: a copy of deploy/; tmp/data links to the repository's data/, which the
    compose file mounts (../../data), so that paths resolve as in the repository."""
    tree = tmp_path / "deploy"
    shutil.copytree(os.path.join(ROOT, "deploy"), tree)
    os.symlink(os.path.join(ROOT, "data"), tmp_path / "data")
    return tree


def results(output):
    """{check name: PASS|FAIL|SKIP} from the summary table."""
    table = {}
    for line in output.splitlines():
        m = re.match(r"^  (PASS|FAIL|SKIP)  (.+?)\s{2,}", line + "  ")
        if m:
            table[m.group(2).strip()] = m.group(1)
    return table


@pytest.fixture(scope="module")
def real_run():
    return validate()


def test_deploy_tree_is_valid(real_run):
    r, out = real_run
    assert r.returncode == 0, out
    assert "OK: every check passed" in out
    table = results(out)
    names = " | ".join(table)
    # Every validator ran and passed (Strimzi and systemd-analyze may be skipped, with a
    # reason, on machines without Java 21 or systemd).
    for wanted in ("k8s: kustomize build", "k8s: kubeconform -strict", "k8s: cross-file checks",
                   "prometheus: promtool check config prometheus.yml",
                   "compose: compose-spec schema docker-compose.yml",
                   "compose: cross-file checks", "systemd: unit and env-file checks",
                   "docker: hadolint Dockerfile", "docker: image checks"):
        assert any(n.startswith(wanted) and s == "PASS" for n, s in table.items()), \
            f"{wanted} did not pass: {names}"
    assert "FAIL" not in table.values()
    # Skipped only with a reason: the Strimzi CRs (no Java 21 to generate their schemas) and
    # the Kubernetes Prometheus config (upstream promtool could not be built).
    for name, status in table.items():
        if status == "SKIP":
            assert name.startswith(("k8s: Strimzi", "prometheus: promtool check config prometheus-k8s",
                                    "systemd: systemd-analyze verify")), f"{name} skipped: {out}"
    assert table.get("prometheus: promtool check config prometheus-k8s.yml") in ("PASS", "SKIP")
    strimzi_skipped = any(n.startswith("k8s: Strimzi") for n in table)
    if not strimzi_skipped:
        assert any("Strimzi" in n and s == "PASS" for n, s in table.items())


def test_second_run_is_cached_and_fast(real_run):
    # Idempotent: nothing is installed again, and a warm run takes seconds.
    r, out = validate()
    assert r.returncode == 0, out
    assert "installing" not in out and "building" not in out and "generating" not in out
    m = re.search(r"deploy validation of .* \((\d+) s\)", out)
    assert m and int(m.group(1)) < 60, out


def strimzi_available(real_run):
    return not any(n.startswith("k8s: Strimzi") for n in results(real_run[1]))


def systemd_verify_available(real_run):
    return any(n.startswith("systemd: systemd-analyze verify") and s == "PASS"
               for n, s in results(real_run[1]).items())


# (case id, file under deploy/, old text, new text, checks expected to fail (name prefixes),
#  text expected in the output)
BREAKS = [
    ("k8s-unknown-field", "k8s/ingest.yaml", "  revisionHistoryLimit: 5",
     "  revisionHistoryLimits: 5", ["k8s: kubeconform"], "revisionHistoryLimits"),
    ("k8s-wrong-type", "k8s/aggregator.yaml", "containerPort: 9102",
     "containerPort: \"9102\"", ["k8s: kubeconform", "k8s: cross-file checks"],
     "got string, want integer"),
    ("strimzi-enum", "k8s/kafka/kafka.yaml", "        type: internal\n        tls: true",
     "        type: internl\n        tls: true", ["k8s: kubeconform"],
     "/spec/kafka/listeners/0/type"),
    ("partition-rule", "k8s/kafka/topics.yaml", "spec:\n  partitions: 12",
     "spec:\n  partitions: 8", ["k8s: cross-file checks"], "max(6, 2 x A_max=6) gives 12"),
    ("aggregator-instance-id", "k8s/aggregator.yaml", "--instance_id=$(POD_NAME)",
     "--instance_id=cw-aggregator", ["k8s: cross-file checks"], "--instance_id=$(POD_NAME)"),
    ("metrics-config-drift", "k8s/metrics-config.yaml", "    lq_min = 1.2",
     "    lq_min = 1.3", ["k8s: cross-file checks"], "differs from"),
    ("kustomize-missing-resource", "k8s/kustomization.yaml", "  - prometheus-rbac.yaml",
     "  - prometheus-rbac.yaml\n  - missing.yaml", ["k8s: kustomize build", "k8s: cross-file checks"],
     "missing.yaml"),
    ("unknown-flag", "k8s/query.yaml", "--metrics_config=", "--metric_config=",
     ["k8s: cross-file checks"], "has no flag --metric_config"),
    ("prometheus-duration", "prometheus/prometheus.yml", "scrape_interval: 15s",
     "scrape_interval: 15 seconds", ["prometheus: promtool check config prometheus.yml"],
     "15 seconds"),
    ("compose-schema", "compose/docker-compose.yml",
     "    stop_grace_period: 60s\n    healthcheck:",
     "    stop_grace_period: 60s\n    helthcheck:",
     ["compose: compose-spec schema", "compose: cross-file checks"], "helthcheck"),
    ("systemd-restart", "systemd/cw-ingest.service", "Restart=on-failure",
     "Restart=sometimes", ["systemd: systemd-analyze verify", "systemd: unit and env-file checks"],
     "sometimes"),
    ("systemd-env", "systemd/clusterwatch.env", "CW_QUERY_LISTEN=", "CW_QUERY_LISTENER=",
     ["systemd: unit and env-file checks"], "CW_QUERY_LISTEN"),
    ("dockerfile-lint", "docker/Dockerfile", "WORKDIR /src\n",
     "WORKDIR /src\nRUN cd /tmp && touch x\n", ["docker: hadolint"], "DL3003"),
    ("dockerignore-drift", "docker/Dockerfile.dockerignore", "!proto\n", "",
     ["docker: image checks"], "differs from .dockerignore"),
]


@pytest.mark.parametrize("case,path,old,new,failing,message", BREAKS, ids=[b[0] for b in BREAKS])
def test_broken_copy_is_rejected(real_run, tmp_path, case, path, old, new, failing, message):
    if case.startswith("strimzi") and not strimzi_available(real_run):
        pytest.skip("Strimzi schemas unavailable here (see the validator's SKIP reason)")
    if case == "systemd-restart" and not systemd_verify_available(real_run):
        failing = [f for f in failing if "systemd-analyze" not in f]
    tree = copy_deploy(tmp_path)
    target = tree / path
    text = target.read_text(encoding="utf-8")
    assert old in text, f"{path} no longer contains {old!r}: update this test"
    target.write_text(text.replace(old, new, 1), encoding="utf-8")

    r, out = validate(str(tree), env={"CW_K8S_VERSIONS": "1.34.0"})
    assert r.returncode == 1, out
    assert "INVALID" in out
    assert message in out, out
    table = results(out)
    failed = sorted(n for n, s in table.items() if s == "FAIL")
    for prefix in failing:
        assert any(n.startswith(prefix) for n in failed), f"{prefix} did not fail: {failed}\n{out}"
    unexpected = [n for n in failed if not any(n.startswith(p) for p in failing)]
    assert not unexpected, f"unrelated checks failed: {unexpected}\n{out}"


def test_unbroken_copy_passes(real_run, tmp_path):
    # The control for the cases above: a faithful copy validates, so each of them fails only
    # because of its one break.
    tree = copy_deploy(tmp_path)
    r, out = validate(str(tree), env={"CW_K8S_VERSIONS": "1.34.0"})
    assert r.returncode == 0, out
