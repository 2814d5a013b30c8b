"""Fixtures the system-test modules share. A module defines `stack` (its services, started
as it needs them); these build on it. A module may define its own to override them."""
import os
import subprocess
import sys

import pytest

import ground_truth


@pytest.fixture(scope="module")
def sample(stack):
    """The deterministic sample (clusterctl gen-sample, seed 7) in the stack's work dir."""
    out = os.path.join(stack.workdir, "sample")
    stack.ctl("gen-sample", f"--out={out}", "--seed=7")
    return out


@pytest.fixture(scope="module")
def truth(sample):
    """The sample's figures computed independently of the pipeline (ground_truth.py)."""
    return ground_truth.compute(sample)


@pytest.fixture(scope="session")
def venv_python():
    """The Python of the test virtual environment (PyPI packages of
    tests/system/requirements.txt): $CW_PYVENV when set (scripts/test.sh), else made or
    reused by `scripts/tools.sh pyvenv`."""
    if os.environ.get("CW_PYVENV"):
        return os.environ["CW_PYVENV"]
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    r = subprocess.run([os.path.join(root, "scripts", "tools.sh"), "pyvenv"],
                       capture_output=True, text=True, check=True)
    return r.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="session")
def pyclient_python(tmp_path_factory):
    """The Python of a fresh virtual environment with the client package pip-installed from
    the checkout (`pip install ./clients/python`: PyPI for grpcio-tools, grpcio, protobuf)."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    d = tmp_path_factory.mktemp("pyclient-venv")
    subprocess.run([sys.executable, "-m", "venv", str(d)], check=True)
    python = os.path.join(d, "bin", "python")
    r = subprocess.run([python, "-m", "pip", "install", "-q", "--disable-pip-version-check",
                        os.path.join(root, "clients", "python")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return python


@pytest.fixture(scope="module")
def loaded(stack, sample, truth):
    """The sample pushed (registry, then every report file; refused lines allowed) and served
    by the stack's query service exactly as the ground truth computes it."""
    import cwclient  # generates the protobuf modules, which only some test modules need
    stack.ctl("registry", os.path.join(sample, "registry", "parks.csv"),
              os.path.join(sample, "registry", "enterprises.csv"))
    reports = os.path.join(sample, "reports")
    for f in sorted(os.listdir(reports)):
        if f.endswith(".csv"):
            r = stack.ctl("push", os.path.join(reports, f), check=False)
            assert r.returncode in (0, 3), (f, r.returncode, r.stderr)  # 3: refused lines
    assert cwclient.wait_equal(cwclient.Client(stack.address("query")), truth, 120) == []
