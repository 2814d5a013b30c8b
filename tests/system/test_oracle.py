"""System test: every figure the query service publishes for the bundled sample
(data/sample) — park snapshots and metrics at both industry levels and every reference scope,
region and group roll-ups, industry maps and rankings — compared field by field, in both
directions, with the independent oracle (oracle.py).

Run: CW_BUILD_DIR=<build> python3 -m pytest -q tests/system/test_oracle.py
Long run on a generated sample ten times the size: CW_ORACLE_SCALE=10 (same command).
"""
import collections
import os
import re

import grpc
import pytest

import cwclient
import ground_truth
import oracle
from cwclient import period_proto, query_pb2
from harness import ROOT, Stack
from oracle_diff import answer_dict, differences

SAMPLE = os.path.join(ROOT, "data", "sample")
SCOPE = {"system": query_pb2.REFERENCE_SCOPE_SYSTEM,
         "province": query_pb2.REFERENCE_SCOPE_PROVINCE,
         "prefecture": query_pb2.REFERENCE_SCOPE_PREFECTURE}
LEVELS_OF = {"hhi": ("class", "division"), "industry_cr5": ("class", "division")}
LEVEL = {"class": query_pb2.INDUSTRY_LEVEL_CLASS, "division": query_pb2.INDUSTRY_LEVEL_DIVISION}


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    s = Stack(str(tmp_path_factory.mktemp("oracle"))).start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def sample(stack):
    """The bundled sample, or in the long run (CW_LONG=1) one generated with ten times its
    enterprises; CW_ORACLE_SCALE=N chooses another factor."""
    scale = int(os.environ.get("CW_ORACLE_SCALE", "10" if os.environ.get("CW_LONG") == "1"
                               else "1"))
    if scale <= 1:
        return SAMPLE
    out = os.path.join(stack.workdir, "sample")
    stack.ctl("gen-sample", f"--out={out}", f"--scale={scale}")
    return out


@pytest.fixture(scope="module")
def served(stack, sample):
    """The query service holding the sample, once its totals equal ground truth."""
    reg = os.path.join(sample, "registry")
    stack.ctl("registry", os.path.join(reg, "parks.csv"), os.path.join(reg, "enterprises.csv"))
    reports = os.path.join(sample, "reports")
    for name in sorted(os.listdir(reports)):
        stack.ctl("push", os.path.join(reports, name), check=False)  # zz-bad*: rejections
    client = cwclient.Client(stack.address("query"))
    assert cwclient.wait_equal(client, ground_truth.compute(sample), 600) == []
    return client.stub


@pytest.fixture(scope="module")
def want(sample):
    return oracle.Oracle(sample)


def call(rpc, request):
    """The answer as a dict, or None for NOT_FOUND."""
    try:
        return answer_dict(rpc(request, timeout=30))
    except grpc.RpcError as e:
        if e.code() == grpc.StatusCode.NOT_FOUND:
            return None
        raise


def compare(where, expected, got):
    """Differences as 'where | field: what'."""
    if expected is None or got is None:
        return [] if expected is got else [
            f"{where} | answer: {'unexpected' if expected is None else 'missing (NOT_FOUND)'}"]
    return [f"{where} | {d}" for d in differences(expected, got)]


def field_of(diff):
    """The field a difference is about, with park ids, codes and indices elided."""
    path = diff.split(" | ", 1)[1].split(":", 1)[0]
    return re.sub(r"(?<=\.)(P\w+/)?\d{2,4}(?=\.|$)|(?<=\.)P\w+(?=\.|$)|\[\d+\]", "*", path)


def assert_none(diffs, answers):
    """Fails listing the differences, counted by field."""
    if not diffs:
        return
    by_field = collections.Counter(field_of(d) for d in diffs)
    lines = [f"{len(diffs)} differences in {answers} answers; by field:"]
    lines += [f"  {n:5d}  {field}" for field, n in by_field.most_common()]
    lines += ["first differences:"] + [f"  {d}" for d in diffs[:40]]
    pytest.fail("\n".join(lines), pytrace=False)


def test_park_periods_in_both_directions(served, want):
    """Every park of the registry, each with exactly the oracle's periods."""
    listed = {p.id for p in served.ListParks(query_pb2.ListParksRequest(), timeout=30).parks}
    assert listed == set(want.parks)
    diffs = []
    for pid, keys in want.park_periods().items():
        series = served.GetParkSeries(query_pb2.GetParkSeriesRequest(
            park_id=pid, **{"from": period_proto("2000-01"), "to": period_proto("2100-12")}),
            timeout=30)
        got = {s["period"]: s for s in map(answer_dict, series.snapshots)}
        diffs += [f"{pid} {k} | period: missing" for k in keys if k not in got]
        diffs += [f"{pid} {k} | period: unexpected" for k in got if k not in keys]
        diffs += [d for k in keys if k in got
                  for d in compare(f"{pid} {k} series", want.snapshot(pid, k), got[k])]
    assert_none(diffs, len(want.parks))


def test_snapshots(served, want):
    diffs, n = [], 0
    for pid, keys in want.park_periods().items():
        for key in keys:
            got = call(served.GetParkSnapshot, query_pb2.GetParkSnapshotRequest(
                park_id=pid, period=period_proto(key)))
            diffs += compare(f"{pid} {key}", {"snapshot": want.snapshot(pid, key),
                                              "park": want.park(pid)}, got)
            n += 1
    assert_none(diffs, n)


@pytest.mark.parametrize("level", LEVEL)
@pytest.mark.parametrize("scope", SCOPE)
def test_park_metrics(served, want, scope, level):
    diffs, n = [], 0
    for pid, keys in want.park_periods().items():
        for key in keys:
            got = call(served.GetParkMetrics, query_pb2.GetParkMetricsRequest(
                park_id=pid, period=period_proto(key), reference=SCOPE[scope],
                level=LEVEL[level]))
            expected = {"park": want.park(pid),
                        "metrics": want.park_metrics(pid, key, scope, level)}
            diffs += compare(f"{pid} {key}", expected, got)
            n += 1
    assert_none(diffs, n)


@pytest.mark.parametrize("level", LEVEL)
def test_regions_and_groups(served, want, level):
    """Every county, prefecture, province, the whole system and every group, every period;
    NOT_FOUND exactly where the oracle has no park with reports."""
    diffs, n = [], 0
    for key in want.periods():
        for code in want.region_codes():
            got = call(served.GetRegionSnapshot, query_pb2.GetRegionSnapshotRequest(
                region_code=code, period=period_proto(key), level=LEVEL[level]))
            diffs += compare(f"region {code or 'all'} {key}", want.region(key, level, code=code),
                             got)
            n += 1
        for group in want.group_names():
            got = call(served.GetRegionSnapshot, query_pb2.GetRegionSnapshotRequest(
                group=group, period=period_proto(key), level=LEVEL[level]))
            diffs += compare(f"group {group} {key}", want.region(key, level, group=group), got)
            n += 1
    assert_none(diffs, n)


@pytest.mark.parametrize("level", LEVEL)
def test_industry_maps(served, want, level):
    """Every division of the sample, every period: at the class level the division's
    classes, at the division level the division cells (reference: the whole system)."""
    diffs, n = [], 0
    for key in want.periods():
        for division in want.industries("division"):
            got = call(served.GetIndustryMap, query_pb2.GetIndustryMapRequest(
                industry=division, period=period_proto(key), level=LEVEL[level]))
            diffs += compare(f"map {division} {key}",
                             {"entries": want.industry_map(division, key, level)}, got)
            n += 1
    assert_none(diffs, n)


def test_metric_series(served, want):
    """Every ranking metric of every park over all its periods."""
    diffs, n = [], 0
    for pid, keys in want.park_periods().items():
        for metric in oracle.RANK_METRICS:
            for level in LEVELS_OF.get(metric, ("class",)):
                got = call(served.GetMetricSeries, query_pb2.GetMetricSeriesRequest(
                    park_id=pid, metric=metric, level=LEVEL[level],
                    **{"from": period_proto("2000-01"), "to": period_proto("2100-12")}))
                diffs += compare(f"series {pid} {metric} {level}",
                                 {"points": want.series(pid, metric, level)}, got)
                n += 1
    assert_none(diffs, n)


def test_rankings(served, want):
    """Every ranking metric, every period (the structure metrics at both levels)."""
    diffs, n = [], 0
    for key in want.periods():
        for metric in oracle.RANK_METRICS:
            for level in LEVELS_OF.get(metric, ("class",)):
                got = call(served.RankParks, query_pb2.RankParksRequest(
                    metric=metric, period=period_proto(key), level=LEVEL[level]))
                diffs += compare(f"rank {metric} {level} {key}",
                                 {"parks": want.rank(metric, key, level)}, got)
                n += 1
    assert_none(diffs, n)


@pytest.fixture(scope="module")
def edge(tmp_path_factory):
    """A tiny sample with what the bundled one lacks: a purchase from the buyer itself and
    an output report of an enterprise the registry lists below the designated size."""
    from harness import uscc
    a, b, c = uscc("321282", 1), uscc("321282", 2), uscc("321282", 3)
    stack = Stack(str(tmp_path_factory.mktemp("oracle-edge"))).start()
    try:
        stack.load(
            ["park_id,name,county_code,area_mu,level,leading_industries,groups",
             "P1,靖江经济技术开发区,321282,90000,national,3731,"],
            ["uscc,name,park_id,industry,above_size", f"{a},甲船舶,P1,3731,1",
             f"{b},乙船舶,P1,3731,1", f"{c},丙配件,P1,3731,0"],
            {"out.csv": ["uscc,park_id,industry,period,unit,gross_output",
                         f"{a},P1,3731,2024-03,千元,100", f"{c},P1,3731,2024-03,千元,10"],
             "tax.csv": ["uscc,period,unit,total_tax,counterparties",
                         f"{a},2024-03,千元,5,{a}:30;{b}:10;{uscc('310115', 9)}:60"]})
        yield stack, oracle.Oracle(stack.workdir)
    finally:
        stack.stop()


def test_edge_cases(edge):
    stack, want = edge
    got = call(cwclient.Client(stack.address("query")).stub.GetParkMetrics,
               query_pb2.GetParkMetricsRequest(park_id="P1", period=period_proto("2024-03")))
    assert_none(compare("P1 2024-03", {"park": want.park("P1"),
                                       "metrics": want.park_metrics("P1", "2024-03")}, got), 1)
