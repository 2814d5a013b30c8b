"""Tests of the independent ground-truth checker on tiny hand-made samples.

Run: python3 -m pytest tests/system/test_ground_truth.py
"""

import json
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ground_truth as gt  # noqa: E402


def _uscc(county: str, org: str) -> str:
    first17 = "91" + county + org
    return first17 + gt.uscc_check_char(first17)


A = _uscc("321282", "MA1234567")  # P1, ship building
B = _uscc("321282", "123456780")  # P1, motors
C = _uscc("321023", "MA7654321")  # P2, flat glass
OUTSIDE = _uscc("310115", "MA1K3BTP2")  # valid, not registered

OUT_HEADER = "uscc,park_id,industry,period,basis,unit,gross_output,sales_output," \
             "export_delivery,employees,revision\n"
TAX_HEADER = "uscc,period,basis,unit,total_tax,vat,corporate_income_tax,counterparties," \
             "revision\n"
YI = 100_000  # fen per 千元


def make_sample(tmp_path, reports):
    """Writes a two-park registry and the given report files (name -> str or bytes)."""
    (tmp_path / "registry").mkdir()
    (tmp_path / "reports").mkdir()
    (tmp_path / "registry" / "parks.csv").write_text(
        "park_id,name,county_code,area_mu,level,leading_industries,groups\n"
        "P1,靖江经济技术开发区,321282,90000,national,3731;3811,\n"
        "P2,宝应玻璃产业园,321023,4500,other,3041,\n", encoding="utf-8")
    (tmp_path / "registry" / "enterprises.csv").write_text(
        "uscc,name,park_id,industry,above_size\n"
        f"{A},甲船舶,P1,3731,1\n{B},乙电机,P1,3811,1\n{C},丙玻璃,P2,3041,0\n",
        encoding="utf-8")
    for name, content in reports.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        (tmp_path / "reports" / name).write_bytes(data)
    return gt.compute(str(tmp_path))


def cell(result, park, key):
    return result["parks"][park][key]


# --- code rules -----------------------------------------------------------------------

def test_uscc_check_character_matches_published_examples():
    assert gt.uscc_problem("91110000600037341L") is None
    assert gt.uscc_problem("91310115MA1K3BTP2B") is None
    assert "expected L" in gt.uscc_problem("91110000600037341N")
    assert gt.uscc_problem("91110000600037341") is not None       # 17 characters
    assert gt.uscc_problem("9111000060003734IL") is not None      # I is not in the alphabet


def test_industry_divisions_are_the_97_of_gbt4754():
    assert len(gt.DIVISIONS) == 97
    assert gt.industry_problem("3041") is None
    assert gt.industry_problem("0111") is None
    assert gt.industry_problem("9700") is None
    assert "division 99" in gt.industry_problem("9999")
    assert gt.industry_problem("0012") is not None
    assert gt.industry_problem("304") is not None


@pytest.mark.parametrize("text,key", [
    ("2024-03", "2024-03"), ("202403", "2024-03"), ("2024-3", "2024-03"),
    ("2024年3月", "2024-03"), ("2024年03月", "2024-03"), ("2024-01/02", "2024-01/02"),
    ("2024-1-2", "2024-01/02"), ("2024年1-2月", "2024-01/02"), ("2024-01~02", "2024-01/02"),
    (" 2024-12 ", "2024-12"),
])
def test_period_forms(text, key):
    assert gt.parse_period(text).key() == key


@pytest.mark.parametrize("text", ["2024-13", "2024-00", "2024-3-4", "24-03", "1900-03", "abc"])
def test_bad_periods(text):
    with pytest.raises(ValueError):
        gt.parse_period(text)


def test_period_keys_sort_in_period_order():
    keys = [gt.Period(2024, 3).key(), gt.Period(2024, 2, True).key(), gt.Period(2024, 1).key()]
    assert sorted(keys) == ["2024-01", "2024-01/02", "2024-03"]


def test_money_is_exact_in_every_unit():
    assert gt.parse_money("1,234.5", gt.parse_unit("千元")) == 123_450_000
    assert gt.parse_money("0.01", gt.parse_unit("元")) == 1
    assert gt.parse_money("12.345678", gt.parse_unit("万元")) == 12_345_678
    assert gt.parse_money("1.5", gt.parse_unit("亿元")) == 15_000_000_000
    assert gt.parse_money("3", gt.parse_unit("10k")) == 3_000_000
    assert gt.parse_money("0.1", gt.parse_unit("Thousand")) == 10_000
    with pytest.raises(ValueError):
        gt.parse_money("1.001", gt.parse_unit("元"))
    with pytest.raises(ValueError):
        gt.parse_money("", gt.parse_unit("元"))
    with pytest.raises(ValueError):
        gt.parse_money("1e3", gt.parse_unit("元"))
    with pytest.raises(OverflowError):
        gt.parse_money("99999999999999999999", gt.parse_unit("亿元"))


# --- revisions and derivation ----------------------------------------------------------

def test_higher_revision_wins_and_equal_revision_later_file_wins(tmp_path):
    result = make_sample(tmp_path, {
        "a.csv": OUT_HEADER
        + f"{A},P1,3731,2024-03,month,千元,100,100,0,10,2\n"
        + f"{B},P1,3811,2024-03,month,千元,50,50,0,5,1\n"
        + f"{C},P2,3041,2024-03,month,千元,7,7,0,1,3\n"
        + f"{C},P2,3041,2024-03,month,千元,8,8,0,1,2\n",   # stale: revision 3 stays
        "b.csv": OUT_HEADER
        + f"{A},P1,3731,2024-03,month,千元,999,999,0,10,1\n"  # lower revision: ignored
        + f"{B},P1,3811,2024-03,month,千元,70,70,0,5,1\n",   # equal revision, later file
    })
    p1 = cell(result, "P1", "2024-03")["month"]
    assert p1["gross_output"] == (100 + 70) * YI
    assert p1["output_reporters"] == 2  # replaced, never added
    assert cell(result, "P2", "2024-03")["month"]["gross_output"] == 7 * YI
    assert result["rejected"] == []


def test_year_to_date_values_give_months_and_a_gap_is_carried(tmp_path):
    result = make_sample(tmp_path, {
        "a.csv": OUT_HEADER
        + f"{A},P1,3731,2024-01/02,ytd,千元,100,90,10,10,1\n"
        + f"{A},P1,3731,2024-03,ytd,千元,250,200,20,11,1\n"
        + f"{A},P1,3731,2024-05,ytd,千元,400,350,20,12,1\n"   # April missing
        + f"{B},P1,3811,2024-01/02,month,千元,10,10,0,3,1\n"
        + f"{B},P1,3811,2024-03,month,千元,20,20,0,4,1\n"
        + f"{A},P1,3731,2023-12,ytd,千元,5000,5000,0,9,1\n",  # another year: no carry-over
    })
    jf, mar, may = (cell(result, "P1", k) for k in ("2024-01/02", "2024-03", "2024-05"))
    assert jf["month"]["gross_output"] == 110 * YI
    assert mar["month"]["gross_output"] == (150 + 20) * YI
    assert mar["ytd"]["gross_output"] == (250 + 30) * YI
    assert may["month"]["gross_output"] == 150 * YI       # carries April
    assert may["ytd"]["gross_output"] == 400 * YI         # B did not report May
    assert may["month"]["export_delivery"] == 0
    assert mar["month"]["employees"] == 11 + 4            # levels, not cumulated
    assert mar["ytd"]["employees"] == 11 + 4
    assert cell(result, "P1", "2023-12")["month"]["gross_output"] == 5000 * YI


def test_revised_ytd_value_changes_two_months(tmp_path):
    result = make_sample(tmp_path, {
        "a.csv": OUT_HEADER
        + f"{A},P1,3731,2024-03,ytd,千元,100,100,0,1,1\n"
        + f"{A},P1,3731,2024-04,ytd,千元,300,300,0,1,1\n"
        + f"{A},P1,3731,2024-05,ytd,千元,600,600,0,1,1\n",
        "z.csv": OUT_HEADER + f"{A},P1,3731,2024-04,ytd,千元,350,350,0,1,2\n",
    })
    months = [cell(result, "P1", k)["month"]["gross_output"] // YI
              for k in ("2024-03", "2024-04", "2024-05")]
    assert months == [100, 250, 250]


def test_derive_year_directly():
    def rep(month, ytd, value):
        return gt.Report("output", A, "P1", "3731", gt.Period(2024, month, month == 2), ytd,
                         (value, 0, 0), 0, 1, "f", 1)
    got = gt.derive_year([rep(5, False, 30), rep(2, True, 100), rep(3, True, 160)])
    assert [d.period.key() for d in got] == ["2024-01/02", "2024-03", "2024-05"]
    assert [d.month[0] for d in got] == [100, 60, 30]
    assert [d.ytd[0] for d in got] == [100, 160, 190]


# --- encodings, headers and units -----------------------------------------------------

def test_gbk_file_with_chinese_headers_and_header_units(tmp_path):
    text = ("统一社会信用代码,企业名称,园区代码,行业代码,报告期,口径,工业总产值(千元),"
            "销售产值(千元),出口交货值(千元),平均用工人数\r\n"
            f"{C},丙玻璃有限公司,P2,3041,2024年1-2月,本月,1234.5,1200,0,30\r\n"
            f"{C},丙玻璃有限公司,P2,3041,2024年3月,累计,2000,1900,0,31\r\n")
    result = make_sample(tmp_path, {"gbk.csv": text.encode("gb18030")})
    assert gt.read_table(str(tmp_path / "reports" / "gbk.csv")).encoding == "GBK"
    assert cell(result, "P2", "2024-01/02")["month"]["gross_output"] == 123_450_000
    assert cell(result, "P2", "2024-03")["month"]["gross_output"] == 76_550_000
    assert cell(result, "P2", "2024-03")["ytd"]["gross_output"] == 200_000_000
    assert cell(result, "P2", "2024-03")["industries"] == {"3041": 76_550_000}


def test_units_in_columns_headers_and_default(tmp_path):
    result = make_sample(tmp_path, {
        "a.csv": "\ufeff统一社会信用代码,园区代码,行业代码,报告期,工业总产值（万元）\n"
                 f"{A},P1,3731,2024年03月,1.23\n",
        "b.csv": "uscc,industry,period,gross_output\n"      # no unit, no park: 千元, registry
                 f"{B},3811,202403,2\n",
        "c.csv": OUT_HEADER + f"{C},P2,3041,2024-03,month,元,\"1,000.01\",0,0,1,1\n"
                 + f"{C},P2,3041,2024-04,month,亿元,0.5,0,0,1,1\n"
                 + f"{C},P2,3041,2024-05,month,10k,7,0,0,1,1\n",
    })
    assert cell(result, "P1", "2024-03")["month"]["gross_output"] == 1_230_000 + 200_000
    assert cell(result, "P2", "2024-03")["month"]["gross_output"] == 100_001
    assert cell(result, "P2", "2024-04")["month"]["gross_output"] == 5_000_000_000
    assert cell(result, "P2", "2024-05")["month"]["gross_output"] == 7_000_000
    assert cell(result, "P2", "2024-05")["ytd"]["gross_output"] == 5_007_100_001


# --- tax reports -------------------------------------------------------------------------

def test_tax_rows_take_park_from_registry_and_count_reporters(tmp_path):
    result = make_sample(tmp_path, {
        "t.csv": TAX_HEADER
        + f"{A},2024-03,month,千元,10,6,2,{B}:100;{OUTSIDE}:5.5,1\n"
        + f"{B},2024-03,month,千元,4,3,0.5,,1\n"
        + f"{C},2024-03,ytd,千元,9,8,1,,1\n",
    })
    p1 = cell(result, "P1", "2024-03")["month"]
    assert (p1["total_tax"], p1["vat"], p1["corporate_income_tax"]) == (14 * YI, 9 * YI, 250_000)
    assert p1["tax_reporters"] == 2 and p1["output_reporters"] == 0
    assert cell(result, "P2", "2024-03")["ytd"]["total_tax"] == 9 * YI


def test_linkage_flows_leave_out_self_purchases_and_derive_like_taxes(tmp_path):
    # A (P1, prefecture 3212) buys from B (P1: in park), itself (no linkage), C (P2, 3210:
    # outside), an unregistered 3212 USCC (in region) and OUTSIDE (310115); April is year to
    # date, so its month values are derived.
    near = _uscc("321281", "MA1111111")
    result = make_sample(tmp_path, {
        "t.csv": TAX_HEADER
        + f"{A},2024-03,month,千元,10,6,2,{B}:100;{A}:50;{C}:20;{near}:7;{OUTSIDE}:5,1\n"
        + f"{A},2024-04,ytd,千元,20,12,4,{B}:150;{C}:20,1\n",
    })
    march, april = cell(result, "P1", "2024-03"), cell(result, "P1", "2024-04")
    flows = [tuple(c[part][k] for k in gt.PURCHASE_FLOWS)
             for c, part in ((march, "month"), (april, "month"), (april, "ytd"))]
    assert flows == [(132 * YI, 100 * YI, 107 * YI), (38 * YI, 50 * YI, 43 * YI),
                     (170 * YI, 150 * YI, 150 * YI)]
    assert gt.linkage_shares(march["ytd"]) == (100 / 132, 107 / 132)
    assert gt.linkage_shares(cell(result, "P1", "2024-03")["month"] | {"purchases": 0}) == \
        (None, None)


def test_moves_count_each_period_in_its_winning_reports_park(tmp_path):
    # Output: the row's park. A moves P1 -> P2 in April (year to date), B (month basis) in
    # May; revisions after the moves: A's March stays in P1, B's April moves to P2.
    (tmp_path / "registry-updates").mkdir()
    # C (tax) moves P2 -> P1 after 1.csv: its March stays in P2, its April (pushed later) and
    # its March revision 2 (pushed after the update) count in P1.
    (tmp_path / "registry-updates" / "2-move.csv").write_text(
        f"uscc,name,park_id,industry,above_size\n{C},丙玻璃,P1,3041,0\n", encoding="utf-8")
    result = make_sample(tmp_path, {
        "1.csv": OUT_HEADER
        + f"{A},P1,3731,2024-03,ytd,千元,100,100,0,1,1\n"
        + f"{A},P2,3731,2024-04,ytd,千元,300,300,0,1,1\n"
        + f"{B},P1,3811,2024-03,month,千元,10,10,0,1,1\n"
        + f"{B},P1,3811,2024-04,month,千元,20,20,0,1,1\n"
        + f"{B},P2,3811,2024-05,month,千元,30,30,0,1,1\n",
        "1t.csv": TAX_HEADER + f"{C},2024-03,month,千元,5,5,0,,1\n",
        "3.csv": OUT_HEADER
        + f"{A},P1,3731,2024-03,ytd,千元,120,120,0,1,2\n"
        + f"{B},P2,3811,2024-04,month,千元,25,25,0,1,2\n",
        "3t.csv": TAX_HEADER + f"{C},2024-03,month,千元,7,7,0,,2\n"
        + f"{C},2024-04,month,千元,8,8,0,,1\n",
    })
    g = lambda park, key, part="month", f="gross_output": (  # noqa: E731
        cell(result, park, key)[part][f] // YI)
    assert g("P1", "2024-03") == 120 + 10 and g("P1", "2024-03", "ytd") == 120 + 10
    assert g("P2", "2024-04") == 300 - 120 + 25          # A's April derived from its March
    assert g("P2", "2024-04", "ytd") == 300 + 35          # B's ytd spans both parks
    assert g("P2", "2024-05", "ytd") == 10 + 25 + 30
    assert cell(result, "P1", "2024-04")["month"]["output_reporters"] == 0  # B's April left
    assert "2024-03" not in result["parks"].get("P2", {})  # C's March revised in P1
    assert cell(result, "P1", "2024-03")["month"]["total_tax"] == 7 * YI
    assert cell(result, "P1", "2024-04")["ytd"]["total_tax"] == 15 * YI


# --- rejections ---------------------------------------------------------------------------

def test_bad_rows_are_rejected_with_their_field(tmp_path):
    bad_check = A[:-1] + ("0" if A[-1] != "0" else "1")
    rows = [
        (f"{bad_check},P1,3731,2024-03,month,千元,1,1,0,1,1", "uscc"),
        (f"{A},P1,9999,2024-03,month,千元,1,1,0,1,1", "industry"),
        (f"{A},P9,3731,2024-03,month,千元,1,1,0,1,1", "park_id"),
        (f"{A},P1,3731,2024-03,month,千元,-1,1,0,1,1", "gross_output"),
        (f"{A},P1,3731,2024-03,month,千元,12O5.3,1,0,1,1", "gross_output"),
        (f"{A},P1,3731,2024-13,month,千元,1,1,0,1,1", "period"),
        (f"{A},P1,3731,2024-03,month,千元,5000000000000,1,0,1,1", "gross_output"),
        (f"{A},P1,3731,2024-03,month,元,1.001,1,0,1,1", "gross_output"),
        (f"{A},P1,3731,2024-03,month,美元,1,1,0,1,1", "unit"),
        (f"{A},P1,3731,1990-03,month,千元,1,1,0,1,1", "period"),
        (f"{A},P1,3731,2024-03,month,千元,1,1,0,-5,1", "employees"),
        (f"{A},P1,3731,2024-03,quarter,千元,1,1,0,1,1", "basis"),
        (f"{A},P1,3731,2024-03,month,千元,1,1,0,1,x", "revision"),
    ]
    taxes = [
        (f"{OUTSIDE},2024-03,month,千元,1,1,0,,1", "uscc"),
        (f"{A},2024-03,month,千元,1,1,0,{OUTSIDE[:-1]}Z:1,1", "counterparties"),
        (f"{A},2024-03,month,千元,1,-1,0,,1", "vat"),
        (f"{A},2024-03,month,千元,,1,0,,1", "total_tax"),
    ]
    result = make_sample(tmp_path, {
        "bad.csv": OUT_HEADER + "".join(r + "\n" for r, _ in rows),
        "bad-tax.csv": TAX_HEADER + "".join(r + "\n" for r, _ in taxes),
    })
    got = [(r["file"], r["line"], r["field"]) for r in result["rejected"]]
    want = [("reports/bad-tax.csv", i + 2, f) for i, (_, f) in enumerate(taxes)]
    want += [("reports/bad.csv", i + 2, f) for i, (_, f) in enumerate(rows)]
    assert got == want
    assert result["parks"] == {}
    assert result["accepted"] == {"output": 0, "tax": 0}


def test_quoted_multiline_field_keeps_line_numbers(tmp_path):
    result = make_sample(tmp_path, {
        "a.csv": "uscc,name,park_id,industry,period,gross_output\n"
                 f"{A},\"甲\n船舶\",P1,3731,2024-03,1\n"
                 "\n"
                 f"{B},乙,P1,9999,2024-03,1\n",
    })
    assert [(r["line"], r["field"]) for r in result["rejected"]] == [(5, "industry")]
    assert cell(result, "P1", "2024-03")["month"]["gross_output"] == YI


# --- CLI ---------------------------------------------------------------------------------

def test_cli_prints_json_and_text(tmp_path):
    make_sample(tmp_path, {"a.csv": OUT_HEADER + f"{A},P1,3731,2024-03,month,亿元,2.5,2,0,9,1\n"})
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ground_truth.py")
    out = subprocess.run([sys.executable, script, "--sample", str(tmp_path), "--json"],
                         check=True, capture_output=True, text=True).stdout
    data = json.loads(out)
    assert data["parks"]["P1"]["2024-03"]["month"]["gross_output"] == 25_000_000_000
    text = subprocess.run([sys.executable, script, "--sample", str(tmp_path)],
                          check=True, capture_output=True, text=True).stdout
    assert "P1" in text and "2.50" in text
