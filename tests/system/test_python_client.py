"""System test of the Python client package (clients/python): `pip install ./clients/python`
into a fresh virtual environment (stubs generated from proto/ with grpcio-tools from PyPI as
it builds), its own unit tests run there, then the installed package queries the real
services and its answers are compared with the independent ground truth."""
import json
import os
import subprocess
import sys
from decimal import Decimal

import pytest

import cwclient
from harness import Stack

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    s = Stack(str(tmp_path_factory.mktemp("python_client"))).start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def venv(pyclient_python):
    return pyclient_python


def test_package_unit_tests_pass_in_the_venv(venv, tmp_path):
    # From a directory outside the checkout, so that the installed package is the one tested.
    r = subprocess.run([venv, "-m", "unittest", "discover", "-s",
                        os.path.join(ROOT, "clients", "python", "tests")],
                       capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "OK" in r.stderr


def test_installed_client_answers_equal_ground_truth(stack, loaded, truth, sample, venv,
                                                     tmp_path):
    import ground_truth
    registry = ground_truth.load_registry(os.path.join(sample, "registry"))
    key = max(k for periods in truth["parks"].values() for k in periods)
    r = subprocess.run([venv, os.path.join(HERE, "pyclient_probe.py"), stack.address("query"),
                        key, "320000"], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)

    assert sorted(p["id"] for p in got["parks"]) == sorted(registry.parks)
    want = {p: c[key] for p, c in truth["parks"].items() if key in c}
    assert sorted(got["reports"]) == sorted(want)
    for park, cell in want.items():
        g = got["reports"][park]
        for part in ("month", "ytd"):
            for f, fen in g[part].items():
                assert fen == cell[part][f], (park, part, f)
        assert {k: v for k, v in g["industries"].items() if v} == \
            {k: v for k, v in cell["industries"].items() if v}
        # Decimal 万元, exact: the fen with the point moved six places.
        assert Decimal(g["ytd_wan"]).scaleb(6) == cell["ytd"]["gross_output"], park

    assert {x["unit"] for x in got["rank"]} == {"yuan"}
    assert {x["park_id"]: round(x["value"] * 100) for x in got["rank"]} == \
        {p: c["ytd"]["gross_output"] for p, c in want.items()}

    jiangsu = {p: c for p, c in want.items() if registry.parks[p].county_code.startswith("32")}
    assert got["region"]["parks"] == len(jiangsu)
    for f in ("gross_output", "total_tax", "employees"):
        assert got["region"]["month"][f] == sum(c["month"][f] for c in jiangsu.values()), f
    assert got["region"]["ytd"]["gross_output"] == \
        sum(c["ytd"]["gross_output"] for c in jiangsu.values())

    park = got["series"]["park"]
    assert {k: round(v * 100) for k, v in got["series"]["points"].items()} == \
        {k: c["ytd"]["gross_output"] for k, c in truth["parks"][park].items()
         if k[:4] == key[:4] and k <= key}

    m = got["metrics"]
    cell = want[m["park"]]
    assert (m["output_ytd"], m["output_month"]) == \
        (cell["ytd"]["gross_output"], cell["month"]["gross_output"])
    assert m["top_month"] == cell["industries"][m["top"]]
    # The industry map of the park's largest class holds the park, with its output.
    assert m["map"][m["park"]] > 0
    assert set(m["map"]) >= {p for p, c in want.items() if c["industries"].get(m["top"], 0) > 0}

    assert got["errors"]["unknown_park"][0] == "NotFound"
    assert "NOPE" in got["errors"]["unknown_park"][1]
    assert got["errors"]["unknown_metric"][0] == "ValueError"
    assert set(got["alerts"]) <= {"pending", "firing", "resolved"}
