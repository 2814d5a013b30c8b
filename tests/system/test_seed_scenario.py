"""System test on the seed figures (domain.md): 靖江's five leading industries in 2024 and
宝应's glass cluster firm sizes, pushed as CSV through the real pipeline (real broker, real
binaries) and read back through gRPC. Expected values are the published figures, computed
here by hand, not by product code."""
from decimal import Decimal

import pytest

import cwclient  # noqa: F401 (puts the generated protobuf modules on sys.path)
from harness import Stack, uscc
from clusterwatch.v1 import query_pb2, types_pb2

# 靖江 2024, 亿元 (above-size output of the five leading industries).
JINGJIANG = [("3731", "交通运输设备", Decimal("244.77")), ("3811", "电气机械", Decimal("87.94")),
             ("3120", "黑色金属冶炼", Decimal("69.83")), ("3411", "通用设备", Decimal("70.31")),
             ("3311", "金属制品", Decimal("65.02"))]
FIVE = sum(v for _, _, v in JINGJIANG)                 # 537.87
TOTAL = (FIVE / Decimal("0.796")).quantize(Decimal("0.01"))  # 675.72 above-size output
# The rest of the park, in industries each smaller than the fifth largest.
OTHERS = [("3360", Decimal("40.00")), ("3990", Decimal("35.00")), ("2929", Decimal("30.00"))]
OTHERS.append(("3040", TOTAL - FIVE - sum(v for _, v in OTHERS)))

# 宝应 glass cluster: 200 firms; 80 over 1M yuan, 30 over 5M, 22 over 10M, 4 over 50M (annual).
BAOYING = ([Decimal("60000000")] * 4 + [Decimal("20000000")] * 18 + [Decimal("7000000")] * 8
           + [Decimal("2000000")] * 50 + [Decimal("500000")] * 120)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    work = str(tmp_path_factory.mktemp("seed"))
    stack = Stack(work).start()
    parks = ["park_id,name,county_code,area_mu,level,leading_industries,groups",
             "JJ,靖江经济技术开发区,321282,90000,national,3731;3811;3120;3411;3311,",
             "BY,宝应玻璃产业园,321023,12000,provincial,3041;3042,"]
    ents = ["uscc,name,park_id,industry,above_size"]
    # Output reports as year-to-date values for December 2024 (= the year), in 亿元 / 元.
    out_jj = ["uscc,industry,period,basis,unit,gross_output"]
    n = 0
    for code, _, yi in JINGJIANG + [(c, "", v) for c, v in OTHERS]:
        # Two enterprises per industry, 60% / 40%.
        for part in (Decimal("0.6"), Decimal("0.4")):
            n += 1
            u = uscc("321282", n)
            amount = (yi * part).quantize(Decimal("0.0001"))
            ents.append(f"{u},靖江企业{n},JJ,{code},1")
            out_jj.append(f"{u},{code},2024年12月,累计,亿元,{amount}")
    out_by = ["uscc,industry,period,basis,unit,gross_output"]
    for i, yuan in enumerate(BAOYING):
        u = uscc("321023", i + 1)
        ents.append(f"{u},宝应玻璃{i + 1},BY,{3041 if i % 2 else 3042},{1 if yuan >= 20000000 else 0}")
        out_by.append(f"{u},{3041 if i % 2 else 3042},2024-12,ytd,元,{yuan}")
    client = stack.load(parks, ents, {"jj.csv": out_jj, "by.csv": out_by})
    yield stack, client
    stack.stop()


def metrics(client, park):
    return client.stub.GetParkMetrics(query_pb2.GetParkMetricsRequest(
        park_id=park, period=types_pb2.Period(year=2024, month=12)), timeout=10).metrics


def test_jingjiang_five_leading_industries(scenario):
    # CR5 of industries = 537.87 / 675.72 = 79.6%; the declared leading industries the same.
    _, client = scenario
    m = metrics(client, "JJ")
    assert m.snapshot.year_to_date.gross_output.fen == int(TOTAL * 10**10)
    assert round(m.industry_cr5, 3) == 0.796
    assert round(m.leading_industry_share, 3) == 0.796
    assert m.dominant_industry == "3731"
    assert round(m.industry_cr1, 4) == round(float(Decimal("244.77") / TOTAL), 4)
    by_code = {i.industry: i.ytd_output.fen for i in m.industry_metrics}
    for code, _, yi in JINGJIANG:
        assert by_code[code] == int(yi * 10**10)
    assert m.industries == 9


def test_jingjiang_at_division_level(scenario):
    # Divisions: 3311 金属制品 + 3360 (40.00亿) = 33 at 105.02亿; the five largest divisions
    # 37, 33, 38, 34, 31 = 577.87亿 = 85.5%; the declared leading classes stay at 79.6%.
    _, client = scenario
    m = client.stub.GetParkMetrics(query_pb2.GetParkMetricsRequest(
        park_id="JJ", period=types_pb2.Period(year=2024, month=12),
        level=query_pb2.INDUSTRY_LEVEL_DIVISION), timeout=10).metrics
    by_code = {i.industry: i for i in m.industry_metrics}
    assert sorted(by_code) == ["29", "30", "31", "33", "34", "37", "38", "39"]
    assert by_code["33"].ytd_output.fen == int(Decimal("105.02") * 10**10)
    assert by_code["33"].enterprises == 4
    assert by_code["33"].division_name == "金属制品业"
    assert by_code["37"].ytd_output.fen == int(Decimal("244.77") * 10**10)
    assert m.industries == 8
    assert m.dominant_industry == "37"
    five = Decimal("244.77") + Decimal("105.02") + Decimal("87.94") + Decimal("70.31") \
        + Decimal("69.83")
    assert round(m.industry_cr5, 6) == round(float(five / TOTAL), 6)
    assert round(m.leading_industry_share, 3) == 0.796


def test_baoying_glass_firm_size_counts(scenario):
    # 80 firms over 1M yuan, 30 over 5M, 22 over 10M, 4 over 50M; 200 firms reporting.
    _, client = scenario
    m = metrics(client, "BY")
    counts = [(t.annual_output.fen // 100, t.enterprises) for t in m.over_thresholds]
    assert counts == [(1_000_000, 80), (5_000_000, 30), (10_000_000, 22), (50_000_000, 4)]
    assert m.snapshot.month.output_reporters == 200
    assert m.expected_enterprises == 22
    assert round(m.firm_cr1, 6) == round(60e6 / float(sum(BAOYING)), 6)


def test_rankings_regions_and_industry_map(scenario):
    # Rankings, the province roll-up and the industry map agree with the pushed figures.
    stack, client = scenario
    r = client.stub.RankParks(query_pb2.RankParksRequest(
        metric="output_ytd", region_prefix="32", period=types_pb2.Period(year=2024, month=12)),
        timeout=10)
    assert [p.park_id for p in r.parks] == ["JJ", "BY"]
    assert r.parks[0].value == float(TOTAL * 10**8)
    region = client.stub.GetRegionSnapshot(query_pb2.GetRegionSnapshotRequest(
        region_code="320000", period=types_pb2.Period(year=2024, month=12)), timeout=10)
    assert region.parks == 2
    assert region.year_to_date.gross_output.fen == int(TOTAL * 10**10) + int(sum(BAOYING)) * 100
    # The province at the division level: each division the sum of its classes, here
    # 33 = 金属制品 3311 + 3360, 30 = 靖江's 3040 + all of 宝应's glass (3041, 3042).
    want = {}
    for code, _, yi in JINGJIANG + [(c, "", v) for c, v in OTHERS]:
        want[code[:2]] = want.get(code[:2], 0) + int(yi * 10**10)
    want["30"] += int(sum(BAOYING)) * 100
    divisions = client.stub.GetRegionSnapshot(query_pb2.GetRegionSnapshotRequest(
        region_code="320000", period=types_pb2.Period(year=2024, month=12),
        level=query_pb2.INDUSTRY_LEVEL_DIVISION), timeout=10)
    assert divisions.level == query_pb2.INDUSTRY_LEVEL_DIVISION
    assert {i.industry: i.year_to_date.gross_output.fen for i in divisions.industries} == want
    assert divisions.year_to_date.gross_output.fen == region.year_to_date.gross_output.fen
    text = stack.ctl("region", "--region=320000", "--period=2024-12", "--level=division").stdout
    assert "30 非金属矿物制品业" in text and "33 金属制品业" in text
    glass = client.stub.GetIndustryMap(query_pb2.GetIndustryMapRequest(
        industry="30", period=types_pb2.Period(year=2024, month=12)), timeout=10)
    assert {e.park_id for e in glass.entries} == {"BY", "JJ"}  # JJ has 3040 among others
    ships = client.stub.GetIndustryMap(query_pb2.GetIndustryMapRequest(
        industry="3731", period=types_pb2.Period(year=2024, month=12)), timeout=10)
    assert [e.park_id for e in ships.entries] == ["JJ"]
    assert ships.entries[0].stage.stage in ("concentration", "agglomeration", "cluster")
    assert ships.entries[0].stage.explanation_en != ""
