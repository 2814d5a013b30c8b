"""The oracle's rules on a tiny hand-made sample, with hand-computed figures (no services).

Run: python3 -m pytest tests/system/test_oracle_rules.py
"""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle  # noqa: E402
from oracle_diff import differences  # noqa: E402
from test_ground_truth import A, B, C, OUT_HEADER, OUTSIDE, TAX_HEADER, make_sample  # noqa: E402


@pytest.fixture
def o(tmp_path):
    make_sample(tmp_path, {
        "out.csv": OUT_HEADER
        + f"{A},P1,3731,2023-01/02,month,千元,100,100,0,10,1\n"
        + f"{A},P1,3731,2024-01/02,month,千元,120,120,0,10,1\n"
        + f"{A},P1,3731,2024-03,month,千元,90,90,0,10,1\n"
        + f"{B},P1,3811,2024-01/02,month,千元,60,60,0,5,1\n"
        + f"{B},P1,3811,2024-03,month,千元,30,30,0,5,1\n"
        + f"{C},P2,3041,2024-03,month,千元,50,50,0,2,1\n",
        "tax.csv": TAX_HEADER + f"{A},2024-03,month,千元,10,6,2,{B}:40;{OUTSIDE}:60,1\n",
    })
    return oracle.Oracle(str(tmp_path))


def test_growth_same_scope_and_month_on_month(o):
    jf = o.park_metrics("P1", "2024-01/02")
    assert jf["output_yoy"] == pytest.approx(180 / 100 - 1)
    assert jf["output_ytd_yoy_same_scope"] == pytest.approx(120 / 100 - 1)  # A only
    mar = o.park_metrics("P1", "2024-03")
    assert mar["output_mom"] == pytest.approx(120 / (180 / 2) - 1)  # per month of 1-2月
    assert mar["output_yoy"] is None  # no 2023-03


def test_land_linkage_completeness_and_lq(o):
    m = o.park_metrics("P1", "2024-03")
    assert m["output_per_mu"] == pytest.approx(300_000 * 12 / 3 / 90_000)
    assert (m["in_park_purchase_share"], m["in_region_purchase_share"]) == (0.4, 0.4)
    assert (m["expected_enterprises"], m["completeness"]) == (2, 1.0)
    assert o.park_metrics("P2", "2024-03")["completeness"] is None  # nothing expected
    assert m["industry_metrics"]["3731"]["lq"] == pytest.approx((210 / 300) / (210 / 350))
    assert m["industry_metrics"]["_order"] == ["3731", "3811"]
    assert m["leading_industry_share"] == 1.0


def test_differences_go_both_ways():
    assert differences({"a": 1, "b": 0.5, "c": None}, {"a": 1, "b": 0.5 + 1e-12, "c": None}) == []
    assert differences({"a": 1, "b": {"x": 2}}, {"a": 2, "d": 3}) == [
        "a: want 1, got 2", "b: missing (oracle has {...})", "d: unexpected (service has 3)"]
    assert differences({"t": oracle.ANY_TEXT}, {"t": ""}) == ["t: want some text, got ''"]
