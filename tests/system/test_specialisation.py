"""System test of the industry levels and of strong-cluster flags and European stars: six
parks in two provinces are pushed as CSV through the real pipeline (real broker, real
binaries), and GetParkMetrics / GetIndustryMap / clusterctl answers at the class and the
division level, against the whole system and the park's province, are compared with an
independent computation here (US Cluster Mapping percentiles, European Cluster Observatory
stars, docs/metrics.md), not with product code."""
import math
from decimal import Decimal

import pytest

import cwclient  # noqa: F401 (puts the generated protobuf modules on sys.path)
from harness import Stack, uscc
from clusterwatch.v1 import query_pb2, types_pb2

# Park -> (county, [(class, [year-to-date output of each enterprise, 亿元])]), 2024-12.
PARKS = {
    "A": ("321282", [("3731", [50, 30, 20, 10, 5]), ("3811", [8, 6]), ("3311", [4, 3, 2])]),
    "B": ("321023", [("3041", [6, 5, 4, 3, 2, 1]), ("3042", [3, 2]), ("3311", [1])]),
    "C": ("321281", [("3731", [9, 8]), ("3811", [20, 15, 10, 5, 5]), ("3312", [6, 6, 6])]),
    "D": ("222401", [("3731", [2]), ("3042", [12, 10, 8]), ("3670", [30, 20])]),
    "E": ("222403", [("3811", [3, 3]), ("3312", [10, 9, 8, 7]), ("3041", [1, 1])]),
    "F": ("222424", [("3670", [5, 5, 5]), ("3731", [1, 1, 1, 1])]),
}
FEN_PER_YI = 10**10
PERIOD = types_pb2.Period(year=2024, month=12)
LEVELS = {"class": query_pb2.INDUSTRY_LEVEL_CLASS, "division": query_pb2.INDUSTRY_LEVEL_DIVISION}
SCOPES = {"system": query_pb2.REFERENCE_SCOPE_SYSTEM,
          "province": query_pb2.REFERENCE_SCOPE_PROVINCE}
# The documented defaults (docs/metrics.md, clusterctl default-config).
LQ_PERCENTILE, LQ_FLOOR, SIZE_PERCENTILE, COUNT_PERCENTILE = 0.75, 1.0, 0.25, 0.25
STAR_LQ, SIZE_TOP, FOCUS_TOP = 2.0, 0.10, 0.10


def percentile(values, p):
    """Linear interpolation between order statistics (numpy's default)."""
    v = sorted(values)
    h = (len(v) - 1) * p
    lo = math.floor(h)
    if lo + 1 >= len(v):
        return v[-1]
    return v[lo] + (h - lo) * (v[lo + 1] - v[lo])


def top_cut(values, top):
    """The value at rank ceil(top × n) among the positive values, largest first."""
    positive = sorted((x for x in values if x > 0), reverse=True)
    k = min(len(positive), math.ceil(top * len(positive) - 1e-9))
    return positive[k - 1] if k > 0 else None


def cells(level):
    """{(park, industry): (output fen, enterprises)} at the class or division level."""
    out = {}
    for park, (_, classes) in PARKS.items():
        for code, firms in classes:
            key = (park, code if level == "class" else code[:2])
            fen, n = out.get(key, (0, 0))
            out[key] = (fen + sum(firms) * FEN_PER_YI, n + len(firms))
    return out


def expected(level, scope):
    """{(park, industry): dict of the flag, stars and cuts} as the docs define them."""
    all_cells = cells(level)
    result = {}
    for park, (county, _) in PARKS.items():
        members = {p for p, (c, _) in PARKS.items()
                   if scope == "system" or c[:2] == county[:2]}
        mine = {k: v for k, v in all_cells.items() if k[0] in members}
        total = sum(v[0] for v in mine.values())
        park_total = {p: sum(v[0] for k, v in mine.items() if k[0] == p) for p in members}
        for (p, ind), (fen, n) in mine.items():
            if p != park:
                continue
            peers = {k[0]: v for k, v in mine.items() if k[1] == ind}
            ind_total = sum(v[0] for v in peers.values())
            lq = {q: (v[0] / park_total[q]) / (ind_total / total) for q, v in peers.items()}
            focus = {q: v[0] / park_total[q] for q, v in peers.items()}
            lq_cut = percentile(list(lq.values()), LQ_PERCENTILE)
            size_cut = percentile([v[0] for v in peers.values()], SIZE_PERCENTILE)
            count_cut = percentile([v[1] for v in peers.values()], COUNT_PERCENTILE)
            size_star_cut = top_cut([v[0] for v in peers.values()], SIZE_TOP)
            focus_cut = top_cut(list(focus.values()), FOCUS_TOP)
            stars = (lq[park] >= STAR_LQ, fen >= size_star_cut, focus[park] >= focus_cut)
            result[(park, ind)] = {
                "lq": lq[park],
                "strong": lq[park] >= lq_cut and lq[park] >= LQ_FLOOR and fen > size_cut
                          and n > count_cut,
                "lq_cut": lq_cut, "size_cut": size_cut, "count_cut": count_cut,
                "parks_compared": len(peers), "size": fen, "establishments": n,
                "stars": stars, "count": sum(stars), "size_star_cut": size_star_cut,
                "focus": focus[park], "focus_cut": focus_cut,
            }
    return result


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    work = str(tmp_path_factory.mktemp("spec"))
    stack = Stack(work).start()
    parks = ["park_id,name,county_code,area_mu,level,leading_industries,groups"]
    ents = ["uscc,name,park_id,industry,above_size"]
    out = ["uscc,industry,period,basis,unit,gross_output"]
    n = 0
    for park, (county, classes) in PARKS.items():
        parks.append(f"{park},园区{park},{county},20000,provincial,{classes[0][0]},")
        for code, firms in classes:
            for yi in firms:
                n += 1
                u = uscc(county, n, "MB")
                ents.append(f"{u},企业{n},{park},{code},1")
                out.append(f"{u},{code},2024-12,ytd,亿元,{Decimal(yi)}")
    client = stack.load(parks, ents, {"out.csv": out})
    yield stack, client
    stack.stop()


def check(got_strong, got_stars, want):
    assert got_strong.strong == want["strong"]
    assert got_strong.basis == "output"
    assert got_strong.size == want["size"]
    assert got_strong.establishments == want["establishments"]
    assert got_strong.parks_compared == want["parks_compared"]
    assert got_strong.lq_cut == pytest.approx(want["lq_cut"], rel=1e-9)
    assert got_strong.size_cut == pytest.approx(want["size_cut"], rel=1e-12)
    assert got_strong.count_cut == pytest.approx(want["count_cut"], rel=1e-12)
    assert got_strong.lq_percentile == LQ_PERCENTILE and got_strong.lq_floor == LQ_FLOOR
    assert (got_stars.specialisation, got_stars.size, got_stars.focus) == want["stars"]
    assert got_stars.count == want["count"]
    assert got_stars.size_cut == want["size_star_cut"]
    assert got_stars.focus_share == pytest.approx(want["focus"], rel=1e-12)
    assert got_stars.focus_cut == pytest.approx(want["focus_cut"], rel=1e-12)


@pytest.mark.parametrize("level", sorted(LEVELS))
@pytest.mark.parametrize("scope", sorted(SCOPES))
def test_park_metrics_flags_and_stars(scenario, level, scope):
    # Every park × industry's flag, stars and cuts equal the independent computation.
    _, client = scenario
    want = expected(level, scope)
    seen = 0
    for park in PARKS:
        m = client.stub.GetParkMetrics(query_pb2.GetParkMetricsRequest(
            park_id=park, period=PERIOD, reference=SCOPES[scope], level=LEVELS[level]),
            timeout=10).metrics
        assert m.level == LEVELS[level]
        codes = sorted(im.industry for im in m.industry_metrics)
        assert codes == sorted(ind for (p, ind) in want if p == park)
        for im in m.industry_metrics:
            w = want[(park, im.industry)]
            assert im.lq == pytest.approx(w["lq"], rel=1e-9)
            assert im.HasField("strong_cluster") and im.HasField("stars")
            check(im.strong_cluster, im.stars, w)
            seen += 1
    assert seen == len(want)
    # The data exercise both outcomes.
    assert any(w["strong"] for w in want.values())
    assert not all(w["strong"] for w in want.values())


def test_division_level_merges_classes(scenario):
    # B's 3041 + 3042 merge into 30 (6+5+4+3+2+1 + 3+2 = 26亿, 8 enterprises) beside 33
    # (3311, 1亿); shares sum to 1 and HHI = (26/27)² + (1/27)² lies in [1/n, 1].
    _, client = scenario
    m = client.stub.GetParkMetrics(query_pb2.GetParkMetricsRequest(
        park_id="B", period=PERIOD, level=query_pb2.INDUSTRY_LEVEL_DIVISION),
        timeout=10).metrics
    by_code = {im.industry: im for im in m.industry_metrics}
    assert sorted(by_code) == ["30", "33"]
    assert by_code["30"].ytd_output.fen == 26 * FEN_PER_YI
    assert by_code["30"].enterprises == 8
    assert by_code["30"].division_name == "非金属矿物制品业"
    assert m.industries == 2
    assert sum(im.share for im in m.industry_metrics) == pytest.approx(1.0, rel=1e-12)
    assert m.hhi == pytest.approx((26 / 27) ** 2 + (1 / 27) ** 2, rel=1e-12)
    assert 1 / m.industries <= m.hhi <= 1
    assert m.dominant_industry == "30"


def test_industry_map_division_level(scenario):
    # Which parks hold division 37 (only 3731 here), against each park's province.
    _, client = scenario
    want = expected("division", "province")
    r = client.stub.GetIndustryMap(query_pb2.GetIndustryMapRequest(
        industry="37", period=PERIOD, level=query_pb2.INDUSTRY_LEVEL_DIVISION,
        reference=query_pb2.REFERENCE_SCOPE_PROVINCE), timeout=10)
    holders = sorted(p for (p, ind) in want if ind == "37")
    assert sorted(e.park_id for e in r.entries) == holders
    for e in r.entries:
        assert e.industry == "37"
        w = want[(e.park_id, "37")]
        assert e.ytd_output.fen == w["size"]
        assert e.enterprises == w["establishments"]
        check(e.strong_cluster, e.stars, w)
    with pytest.raises(Exception) as refused:
        client.stub.GetIndustryMap(query_pb2.GetIndustryMapRequest(
            industry="3731", period=PERIOD, level=query_pb2.INDUSTRY_LEVEL_DIVISION),
            timeout=10)
    assert "division" in str(refused.value)


def test_clusterctl_renders_divisions_flags_and_stars(scenario):
    # clusterctl metrics/industry-map --level=division name the divisions and mark the
    # strong clusters and the stars computed above.
    stack, _ = scenario
    want = expected("division", "system")
    text = stack.ctl("metrics", "--park=A", "--period=2024-12", "--level=division").stdout
    assert "行业门类 division" in text
    assert "37 铁路、船舶、航空航天和其他运输设备制造业" in text
    for (park, ind), w in want.items():
        if park == "A" and w["strong"]:
            assert f"· {ind} 强集群 strong" in text, text
    assert want[("A", "37")]["strong"], "the scenario makes A's ships a strong cluster"
    text = stack.ctl("industry-map", "--industry=30", "--period=2024-12",
                     "--level=division").stdout
    assert "industry 30 非金属矿物制品业" in text
    stars = {p: w["count"] for (p, ind), w in want.items() if ind == "30"}
    for park, count in stars.items():
        line = next(l for l in text.splitlines() if f"园区{park} " in l)
        assert ("★" * count if count else " 0 ") in line, line
    bad = stack.ctl("metrics", "--park=A", "--period=2024-12", "--level=group", check=False)
    assert bad.returncode != 0 and "expected class or division" in bad.stderr
