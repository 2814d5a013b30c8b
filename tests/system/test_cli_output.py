"""System test of clusterctl as an analyst's tool: `--output=json|csv` of the read commands
and `clusterctl export` (CSV files and an XLSX workbook read back with openpyxl) against the
real services, compared with the independent ground truth; usage errors exit 2."""
import csv
import io
import json
import os
import subprocess

import pytest

import cwclient
import ground_truth
from harness import Stack

HERE = os.path.dirname(os.path.abspath(__file__))
MONEY = ["gross_output", "sales_output", "export_delivery", "total_tax", "vat",
         "corporate_income_tax"]
COUNTS = ["employees", "output_reporters", "tax_reporters"]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    s = Stack(str(tmp_path_factory.mktemp("cli_output"))).start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def registry(loaded, sample):
    """The sample pushed and served exactly as ground truth computes it; its registry."""
    return ground_truth.load_registry(os.path.join(sample, "registry"))


@pytest.fixture(scope="module")
def key(truth):
    """The latest period of the sample."""
    return max(k for periods in truth["parks"].values() for k in periods)


def cells_of(truth, key, parks=None):
    """{park: truth cell} of the parks (all by default) with figures in period `key`."""
    return {p: c[key] for p, c in truth["parks"].items()
            if key in c and (parks is None or p in parks)}


def test_report_json_and_csv_equal_ground_truth(stack, registry, truth, key):
    want = cells_of(truth, key)
    r = stack.ctl("report", f"--period={key}", "--output=json")
    answers = json.loads(r.stdout)
    assert sorted(a["park"]["id"] for a in answers) == sorted(want)
    for a in answers:
        cell = want[a["park"]["id"]]
        s = a["snapshot"]
        for f in MONEY:  # fen as exact decimal strings
            assert s["month"][f]["fen"] == str(cell["month"][f]), (a["park"]["id"], f)
            assert s["year_to_date"][f]["fen"] == str(cell["ytd"][f]), (a["park"]["id"], f)
        for f in COUNTS:
            assert int(s["month"][f]) == cell["month"][f], (a["park"]["id"], f)
        got = {i["industry"]: int(i["month"]["gross_output"]["fen"]) for i in s["industries"]}
        assert {k: v for k, v in got.items() if v} == \
            {k: v for k, v in cell["industries"].items() if v}

    r = stack.ctl("report", f"--period={key}", "--output=csv")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    totals = {row["park_id"]: row for row in rows if row["industry"] == ""}
    assert sorted(totals) == sorted(want)
    for park, cell in want.items():
        for f in MONEY:
            assert int(totals[park][f"{f}_month_fen"]) == cell["month"][f], (park, f)
            assert int(totals[park][f"{f}_ytd_fen"]) == cell["ytd"][f], (park, f)
        inds = {row["industry"]: int(row["gross_output_month_fen"]) for row in rows
                if row["park_id"] == park and row["industry"]}
        assert {k: v for k, v in inds.items() if v} == \
            {k: v for k, v in cell["industries"].items() if v}


def test_rank_csv_json_and_table_carry_units(stack, registry, truth, key):
    want = {p: c["ytd"]["gross_output"] for p, c in cells_of(truth, key).items()}
    r = stack.ctl("rank", "--metric=output_ytd", f"--period={key}", "--output=csv")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert {row["unit"] for row in rows} == {"yuan"}
    got = {row["park_id"]: row["value"] for row in rows if row["value"]}
    assert sorted(got) == sorted(want)
    for park, fen in want.items():
        assert round(float(got[park]) * 100) == fen, park  # yuan, exact to the fen
    ranked = [row["park_id"] for row in rows if row["value"]]
    assert ranked == sorted(want, key=lambda p: (-want[p], p))

    r = stack.ctl("rank", "--metric=output_ytd", f"--period={key}", "--output=json")
    parks = json.loads(r.stdout)["parks"]
    assert [p["park_id"] for p in parks if "value" in p] == ranked

    top = ranked[0]
    r = stack.ctl("rank", "--metric=output_ytd", f"--period={key}")
    assert "output_ytd (万元)" in r.stdout
    wan = want[top] / 1_000_000  # 万元, two decimals with separators
    assert f"{wan:,.2f}" in r.stdout, r.stdout


def test_series_csv_in_yuan(stack, registry, truth, key):
    park = sorted(cells_of(truth, key))[0]
    periods = truth["parks"][park]
    first = min(periods)
    r = stack.ctl("series", f"--park={park}", "--metric=output_ytd", f"--from={first}",
                  f"--to={key}", "--output=csv")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    got = {row["period"]: round(float(row["value"]) * 100) for row in rows}
    assert got == {k: c["ytd"]["gross_output"] for k, c in periods.items() if first <= k <= key}
    r = stack.ctl("series", f"--park={park}", "--metric=output_ytd", f"--from={first}",
                  f"--to={key}")
    assert f"{park} output_ytd (万元)" in r.stdout


def test_usage_errors_exit_2_and_version(stack, registry, key):
    r = stack.ctl("rank", "--metric=output_ytd_yo", f"--period={key}", check=False)
    assert r.returncode == 2
    assert "--metric='output_ytd_yo': expected one of output_month, output_ytd" in r.stderr
    r = stack.ctl("alerts", "list", "--state=fired", check=False)
    assert r.returncode == 2
    assert "--state='fired': expected pending, firing or resolved" in r.stderr
    r = stack.ctl("parks", "--output=xml", check=False)
    assert (r.returncode, "--output='xml': expected table, json or csv" in r.stderr) == (2, True)
    r = stack.ctl("export", f"--period={key}", "--out=x", "--format=pdf", check=False)
    assert (r.returncode, "--format='pdf'" in r.stderr) == (2, True)
    assert stack.ctl("frobnicate", check=False).returncode == 2
    assert stack.ctl("parks", "--bogus=1", check=False).returncode == 2
    assert stack.ctl("series", "--park=P1", check=False).returncode == 2  # no --from
    r = stack.ctl("metrics", f"--period={key}", check=False)
    assert (r.returncode, "metrics: give --park=ID" in r.stderr) == (2, True)
    r = stack.ctl("industry-map", f"--period={key}", check=False)
    assert (r.returncode, "industry-map: give --industry=CODE" in r.stderr) == (2, True)
    r = stack.ctl("--version")
    assert r.stdout.startswith("clusterctl 0.1.0"), r.stdout


def test_parks_and_alerts_csv_have_headers(stack, registry):
    r = stack.ctl("parks", "--output=csv")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert sorted(row["id"] for row in rows) == sorted(registry.parks)
    for row in rows:
        p = registry.parks[row["id"]]
        assert (row["name"], row["county_code"], int(row["area_mu"])) == \
            (p.name, p.county_code, p.area_mu)
    r = stack.ctl("alerts", "list", "--output=csv")
    assert r.stdout.splitlines()[0].startswith("id,state,rule,kind,subject_kind,")


def read_csv(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def region_sums(cells):
    """The region's totals and month output by industry class: sums over its parks."""
    month = {f: sum(c["month"][f] for c in cells.values()) for f in MONEY + COUNTS}
    ytd = {f: sum(c["ytd"][f] for c in cells.values()) for f in MONEY}
    industries = {}
    for c in cells.values():
        for ind, fen in c["industries"].items():
            industries[ind] = industries.get(ind, 0) + fen
    return month, ytd, {k: v for k, v in industries.items() if v}


def test_export_csv_and_xlsx_equal_ground_truth(stack, registry, truth, key, venv_python,
                                                tmp_path):
    region = "320000"
    parks = {p for p, x in registry.parks.items() if x.county_code.startswith("32")}
    want = cells_of(truth, key, parks)
    assert want  # the sample has Jiangsu parks with figures in the period
    month, ytd, industries = region_sums(want)
    out = tmp_path / "export"
    r = stack.ctl("export", f"--period={key}", f"--region={region}", f"--out={out}")
    book = out / f"clusterwatch-{region}-{key.replace('/', '-')}.xlsx"
    assert f"{len(want)} parks" in r.stdout and str(book) in r.stdout, r.stdout

    # CSV: exact fen.
    rows = {row["park_id"]: row for row in read_csv(out / "parks.csv")}
    assert sorted(rows) == sorted(want)
    for park, cell in want.items():
        assert rows[park]["period"] == key
        for f in MONEY:
            assert int(rows[park][f"{f}_month_fen"]) == cell["month"][f], (park, f)
            assert int(rows[park][f"{f}_ytd_fen"]) == cell["ytd"][f], (park, f)
        for f in COUNTS:
            assert int(rows[park][f]) == cell["month"][f], (park, f)
    got = {}
    for row in read_csv(out / "park_industries.csv"):
        if int(row["gross_output_month_fen"]):
            got.setdefault(row["park_id"], {})[row["industry"]] = \
                int(row["gross_output_month_fen"])
    assert got == {p: {k: v for k, v in c["industries"].items() if v}
                   for p, c in want.items() if any(c["industries"].values())}
    [reg] = read_csv(out / "region.csv")
    assert (reg["label"], int(reg["parks"])) == (region, len(want))
    for f in MONEY:
        assert int(reg[f"{f}_month_fen"]) == month[f], f
        assert int(reg[f"{f}_ytd_fen"]) == ytd[f], f
    got = {row["industry"]: int(row["gross_output_month_fen"])
           for row in read_csv(out / "industries.csv") if int(row["gross_output_month_fen"])}
    assert got == industries

    # XLSX, read with openpyxl: money in 万元 (fen / 1,000,000), the same figures.
    r = subprocess.run([venv_python, os.path.join(HERE, "xlsx_dump.py"), str(book)],
                       capture_output=True, text=True, check=True)
    sheets = json.loads(r.stdout)
    assert list(sheets) == ["parks", "park_industries", "region", "industries"]

    def table(name):
        header, *body = sheets[name]
        return [dict(zip(header, row)) for row in body]

    def fen(wan):
        return round(wan * 1_000_000)

    xparks = {row["park_id"]: row for row in table("parks")}
    assert sorted(xparks) == sorted(want)
    for park, cell in want.items():
        for f in MONEY:
            assert fen(xparks[park][f"{f}_month (万元)"]) == cell["month"][f], (park, f)
            assert fen(xparks[park][f"{f}_ytd (万元)"]) == cell["ytd"][f], (park, f)
        assert xparks[park]["employees"] == cell["month"]["employees"]
        assert xparks[park]["area_mu"] == registry.parks[park].area_mu
    [xreg] = table("region")
    assert (xreg["label"], xreg["parks"]) == (region, len(want))
    for f in MONEY:
        assert fen(xreg[f"{f}_month (万元)"]) == month[f], f
        assert fen(xreg[f"{f}_ytd (万元)"]) == ytd[f], f
    got = {row["industry"]: fen(row["gross_output_month (万元)"]) for row in table("industries")
           if row["gross_output_month (万元)"]}
    assert got == industries
    shares = [row["output_share (%)"] for row in table("industries")]
    assert abs(sum(shares) - 1) < 1e-9


def test_export_of_a_group_as_csv_only(stack, registry, truth, key, tmp_path):
    group = "延龙图核心"
    parks = {p for p, x in registry.parks.items() if group in x.groups}
    want = cells_of(truth, key, parks)
    assert want  # the sample's group has parks with figures in the period
    month, _, _ = region_sums(want)
    out = tmp_path / "group"
    stack.ctl("export", f"--period={key}", f"--group={group}", f"--out={out}", "--format=csv")
    assert sorted(os.listdir(out)) == ["industries.csv", "park_industries.csv", "parks.csv",
                                       "region.csv"]  # no workbook
    assert sorted(row["park_id"] for row in read_csv(out / "parks.csv")) == sorted(want)
    [reg] = read_csv(out / "region.csv")
    assert (reg["label"], int(reg["parks"])) == (group, len(want))
    assert int(reg["gross_output_month_fen"]) == month["gross_output"]
    r = stack.ctl("export", f"--period={key}", f"--group={group}", "--region=32",
                  f"--out={out}", check=False)
    assert (r.returncode, "give --region or --group, not both" in r.stderr) == (2, True)
