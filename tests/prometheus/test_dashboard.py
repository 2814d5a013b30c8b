"""The Grafana dashboard is valid JSON, and every metric its queries use is one that a
clusterwatch service exports (names taken from the C++ sources), so it cannot drift."""
import json
import os
import re
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def exported_metric_names():
    out = subprocess.run(["grep", "-rhoE", r'Name\("cw_[a-z_]+"\)', "--include=*.cc",
                          ROOT], capture_output=True, text=True, check=True).stdout
    return set(re.findall(r'"(cw_[a-z_]+)"', out))


def test_dashboard_queries_use_exported_metrics():
    # Each panel has queries; each cw_* metric named exists in the code.
    with open(os.path.join(ROOT, "deploy", "grafana", "clusterwatch.json")) as f:
        dash = json.load(f)
    names = exported_metric_names()
    assert "cw_park_completeness" in names
    used = set()
    for p in dash["panels"]:
        assert p["targets"], p["title"]
        for t in p["targets"]:
            for m in re.findall(r"\b(cw_[a-z_]+?)(?:_bucket|_sum|_count)?\b", t["expr"]):
                used.add(m)
    assert used, "no metrics used"
    assert sorted(used - names) == []
