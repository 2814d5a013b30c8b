#!/usr/bin/env python3
"""Independent oracle for every figure the query API publishes, from a sample directory.

Pure Python (standard library), no product code: ground_truth.py reads and resolves the
report files (validation, revisions, month <-> year-to-date derivation); this module adds
what the query service computes from them, re-implemented from the text of docs/metrics.md,
docs/semantics.md and the definitions in the headers of common/metrics/ (see "Clarified
rules" in docs/metrics.md for the points the text left open):

  snapshot(park, period)                       GetParkSnapshot: totals (with purchases),
                                               industries, firms
  park_metrics(park, period, scope, level)     GetParkMetrics: growth, structure, firms,
                                               land, linkage, completeness, per industry
                                               LQ, strong-cluster flag, stars and stage
  region(code | group, period, level)          GetRegionSnapshot
  industry_map(industry, period, level, scope) GetIndustryMap
  series(park, metric, level)                  GetMetricSeries
  rank(metric, period, level, prefix)          RankParks

Every answer is a plain dict shaped like the proto message (field names of proto/), money
as integer fen, absent optional fields as None; repeated fields identified by a code are
dicts keyed by it, with their published order under "_order". Text the oracle does not
re-word (stage explanations) is ANY_TEXT: any non-empty string.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import os
import sys
from typing import Dict, List, Optional, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ground_truth as gt  # noqa: E402

ANY_TEXT = "<any non-empty text>"

# Defaults of deploy/metrics.conf (docs/metrics.md, common/metrics/config.h).
LQ_MIN, SIZE_MIN_FEN, N_MIN, LINKAGE_MIN, LEADER_MIN_FEN = 1.2, 10 * 10**10, 5, 0.2, 10**10
STRONG_LQ_P, STRONG_LQ_FLOOR, STRONG_SIZE_P, STRONG_COUNT_P = 0.75, 1.0, 0.25, 0.25
SPEC_STAR_LQ, SIZE_STAR_TOP, FOCUS_STAR_TOP = 2.0, 0.1, 0.1
FIRM_THRESHOLDS_FEN = (100 * 10**6, 500 * 10**6, 1000 * 10**6, 5000 * 10**6)
LEADING_FIRMS = 5
GRADE_CUTS = (0.2, 0.6, 0.95)

SCOPES = ("system", "province", "prefecture")
LEVELS = ("class", "division")
FLOW_KEYS = ("gross_output", "sales_output", "export_delivery", "total_tax", "vat",
             "corporate_income_tax", "purchases", "purchases_in_park", "purchases_in_region")
TOTAL_KEYS = FLOW_KEYS + ("employees", "output_reporters", "tax_reporters")
RANK_METRICS = ("output_month", "output_ytd", "tax_ytd", "employees", "output_yoy",
                "output_ytd_yoy", "output_ytd_yoy_same_scope", "tax_ytd_yoy", "output_mom",
                "hhi", "industry_cr5", "leading_industry_share", "firm_cr1", "firm_cr3",
                "output_per_mu", "tax_per_mu", "in_park_purchase_share",
                "in_region_purchase_share", "completeness")

# GB/T 4754-2017 names of the manufacturing divisions (section C); others are not checked.
DIVISION_NAMES = {
    "13": "农副食品加工业", "14": "食品制造业", "15": "酒、饮料和精制茶制造业",
    "16": "烟草制品业", "17": "纺织业", "18": "纺织服装、服饰业",
    "19": "皮革、毛皮、羽毛及其制品和制鞋业", "20": "木材加工和木、竹、藤、棕、草制品业",
    "21": "家具制造业", "22": "造纸和纸制品业", "23": "印刷和记录媒介复制业",
    "24": "文教、工美、体育和娱乐用品制造业", "25": "石油、煤炭及其他燃料加工业",
    "26": "化学原料和化学制品制造业", "27": "医药制造业", "28": "化学纤维制造业",
    "29": "橡胶和塑料制品业", "30": "非金属矿物制品业", "31": "黑色金属冶炼和压延加工业",
    "32": "有色金属冶炼和压延加工业", "33": "金属制品业", "34": "通用设备制造业",
    "35": "专用设备制造业", "36": "汽车制造业",
    "37": "铁路、船舶、航空航天和其他运输设备制造业", "38": "电气机械和器材制造业",
    "39": "计算机、通信和其他电子设备制造业", "40": "仪器仪表制造业", "41": "其他制造业",
    "42": "废弃资源综合利用业", "43": "金属制品、机械和设备修理业",
}
# GB/T 2260 names of the regions of the bundled sample; others are not checked.
REGION_NAMES = {
    "": None, "220000": "吉林省", "320000": "江苏省", "420000": "湖北省",
    "222400": "延边朝鲜族自治州", "222401": "延吉市", "222402": "图们市", "222403": "敦化市",
    "222404": "珲春市", "222405": "龙井市", "222406": "和龙市", "222424": "汪清县",
    "222426": "安图县", "321282": "靖江市", "321023": "宝应县", "421003": "荆州区",
}


# --------------------------------------------------------------------------------------
# Small rules (values.h, growth.h, specialisation.h).

def ratio(num, den) -> Optional[float]:
    return None if den == 0 else num / den


def growth(cur, base) -> Optional[float]:
    return cur / base - 1 if base > 0 else None


def top_share(values: List[int], n: int) -> Optional[float]:
    """CRn: the n largest values' sum over the total (integers until the one division)."""
    total = sum(values)
    return sum(sorted(values, reverse=True)[:n]) / total if total > 0 else None


def hhi(values: List[int]) -> Optional[float]:
    total = sum(values)
    return sum((v / total) ** 2 for v in values) if total > 0 else None


def annualise(ytd_fen: int, months: int) -> int:
    """ytd × 12 / months, rounded half away from zero to whole fen (exact)."""
    q, r = divmod(abs(ytd_fen) * 12, months)
    q += 1 if 2 * r >= months else 0
    return q if ytd_fen >= 0 else -q


def top_count(fraction: float, n: int) -> int:
    return max(0, min(n, math.ceil(fraction * n - 1e-9))) if fraction > 0 else 0


def percentile(values: List[float], p: float) -> Optional[float]:
    """Type 7 (linear interpolation between order statistics)."""
    if not values:
        return None
    v = sorted(values)
    h = (len(v) - 1) * p
    lo = math.floor(h)
    return v[lo] if lo + 1 >= len(v) else v[lo] + (h - lo) * (v[lo + 1] - v[lo])


def months_to_date(p: gt.Period) -> int:
    return p.month


def months_covered(p: gt.Period) -> int:
    return 2 if p.jan_feb else 1


def first_month(p: gt.Period) -> int:
    return 1 if p.jan_feb else p.month


def parse_key(key: str) -> gt.Period:
    return gt.parse_period(key)


def at_level(code: str, level: str) -> str:
    return code[:2] if level == "division" else code


def scope_prefix(county: str, scope: str) -> str:
    if len(county) != 6 or scope == "system":
        return ""
    return county[:2] if scope == "province" else county[:4]


def _zero() -> Dict[str, int]:
    return {k: 0 for k in TOTAL_KEYS}


def _add(a: Dict[str, int], b: Dict[str, int]) -> None:
    for k in TOTAL_KEYS:
        a[k] += b[k]


# --------------------------------------------------------------------------------------
# The model: every park-period as the aggregator should publish it.

class Oracle:
    def __init__(self, sample_dir: str):
        self.registry, latest, _, _ = gt.winning_reports(sample_dir)
        self.parks = self.registry.parks
        # cells[park][period key] = {"month", "ytd", "industries": {code: {"month","ytd"}},
        #                            "firms": {uscc: {...}}}
        self.cells: Dict[str, Dict[str, dict]] = {}
        groups: Dict[Tuple[str, str, int], List[gt.Report]] = {}
        for r in latest.values():
            groups.setdefault((r.uscc, r.kind, r.period.year), []).append(r)
        for (_uscc, kind, _year), reports in sorted(groups.items()):
            if kind == "tax":  # purchases are flows in the report's basis, derived alike
                reports = [self._with_linkage(r) for r in reports]
            by_key = {r.period.key(): r for r in reports}
            for d in gt.derive_year(reports):
                self._apply(by_key[d.period.key()], d)

    def _with_linkage(self, r: gt.Report) -> gt.Report:
        """Appends (purchases, in park, in region) to a tax report's flows: the linkage
        ground_truth.linkage_flows computed when the row was read (docs/metrics.md)."""
        return dataclasses.replace(r, flows=tuple(r.flows) + tuple(r.purchases))

    def _apply(self, r: gt.Report, d: gt.Derived) -> None:
        names = (("gross_output", "sales_output", "export_delivery") if r.kind == "output"
                 else ("total_tax", "vat", "corporate_income_tax", "purchases",
                       "purchases_in_park", "purchases_in_region"))
        contrib = {"month": _zero(), "ytd": _zero()}
        for part, values in (("month", d.month), ("ytd", d.ytd)):
            for n, v in zip(names, values):
                contrib[part][n] = v
            contrib[part]["output_reporters" if r.kind == "output" else "tax_reporters"] = 1
            if r.kind == "output":
                contrib[part]["employees"] = d.level
        cell = self.cells.setdefault(r.park_id, {}).setdefault(
            r.period.key(), {"month": _zero(), "ytd": _zero(), "industries": {}, "firms": {}})
        ind = cell["industries"].setdefault(r.industry, {"month": _zero(), "ytd": _zero()})
        for part in ("month", "ytd"):
            _add(cell[part], contrib[part])
            _add(ind[part], contrib[part])
        if r.kind == "output":
            cell["firms"][r.uscc] = {"uscc": r.uscc, "industry": r.industry,
                                     "gross_output_month": d.month[0],
                                     "gross_output_ytd": d.ytd[0], "employees": d.level}

    # ----------------------------------------------------------------------------------
    # Enumeration.

    def park_periods(self) -> Dict[str, List[str]]:
        return {pid: sorted(self.cells.get(pid, {})) for pid in sorted(self.parks)}

    def periods(self) -> List[str]:
        return sorted({k for c in self.cells.values() for k in c})

    def region_codes(self) -> List[str]:
        codes = {""}
        for p in self.parks.values():
            c = p.county_code
            codes |= {c, c[:4] + "00", c[:2] + "0000"}
        return sorted(codes)

    def group_names(self) -> List[str]:
        return sorted({g for p in self.parks.values() for g in p.groups})

    def industries(self, level: str) -> List[str]:
        return sorted({at_level(code, level) for c in self.cells.values() for cell in c.values()
                       for code in cell["industries"]})

    # ----------------------------------------------------------------------------------
    # Snapshots (GetParkSnapshot), at a level for the metrics.

    def _cell(self, pid: str, key: str, level: str = "class") -> Optional[dict]:
        cell = self.cells.get(pid, {}).get(key)
        if cell is None or level == "class":
            return cell
        inds: Dict[str, dict] = {}
        for code, t in cell["industries"].items():
            d = inds.setdefault(at_level(code, level), {"month": _zero(), "ytd": _zero()})
            _add(d["month"], t["month"])
            _add(d["ytd"], t["ytd"])
        firms = {u: dict(f, industry=at_level(f["industry"], level))
                 for u, f in cell["firms"].items()}
        return {"month": cell["month"], "ytd": cell["ytd"], "industries": inds, "firms": firms}

    @staticmethod
    def _industry_list(month_total: int, industries: Dict[str, dict]) -> dict:
        """Industries without all-zero totals, largest month output first (ties by code),
        each with its share of the month output."""
        out = {}
        kept = {c: t for c, t in industries.items()
                if any(t["month"].values()) or any(t["ytd"].values())}
        for code, t in kept.items():
            out[code] = {"industry": code, "month": dict(t["month"]),
                         "year_to_date": dict(t["ytd"]),
                         "output_share": (t["month"]["gross_output"] / month_total
                                          if month_total > 0 else 0.0),
                         "confidential": False, "confidential_reason": ""}
        out["_order"] = sorted(kept, key=lambda c: (-kept[c]["month"]["gross_output"], c))
        return out

    def snapshot(self, pid: str, key: str) -> Optional[dict]:
        cell = self._cell(pid, key)
        if cell is None:
            return None
        firms = {u: dict(f) for u, f in cell["firms"].items()}
        firms["_order"] = sorted(cell["firms"])
        return {"park_id": pid, "period": key, "month": dict(cell["month"]),
                "year_to_date": dict(cell["ytd"]),
                "industries": self._industry_list(cell["month"]["gross_output"],
                                                  cell["industries"]),
                "firms": firms, "confidential": False, "confidential_reason": ""}

    def park(self, pid: str) -> dict:
        p = self.parks[pid]
        return {"id": p.id, "name": p.name, "county_code": p.county_code, "area_mu": p.area_mu,
                "level": p.level, "leading_industries": list(p.leading_industries),
                "groups": list(p.groups)}

    # ----------------------------------------------------------------------------------
    # Specialisation across parks (LQ, strong clusters, stars).

    @functools.lru_cache(maxsize=None)
    def _spec_cells(self, key: str, level: str) -> List[dict]:
        """Park × industry cells of the period with ytd output or month employees."""
        out = []
        for pid in sorted(self.parks):
            cell = self._cell(pid, key, level)
            if cell is None:
                continue
            for code, t in cell["industries"].items():
                output, emp = t["ytd"]["gross_output"], t["month"]["employees"]
                if output <= 0 and emp <= 0:
                    continue
                est = sum(1 for f in cell["firms"].values()
                          if f["industry"] == code and f["gross_output_ytd"] > 0)
                out.append({"park": pid, "county": self.parks[pid].county_code,
                            "industry": code, "size": max(0, output), "establishments": est})
        return out

    def _specialisation(self, key: str, level: str, pid: str, scope: str) -> Dict[str, dict]:
        """Strong-cluster flag and stars of each industry of `pid`, across the parks of its
        reference scope (on year-to-date output)."""
        prefix = scope_prefix(self.parks[pid].county_code, scope)
        cells = [dict(c) for c in self._spec_cells(key, level)
                 if c["county"].startswith(prefix)]
        park_total: Dict[str, int] = {}
        ref_total, ref_ind = 0, {}
        for c in cells:
            park_total[c["park"]] = park_total.get(c["park"], 0) + c["size"]
            ref_total += c["size"]
            ref_ind[c["industry"]] = ref_ind.get(c["industry"], 0) + c["size"]
        for c in cells:
            pt = park_total[c["park"]]
            c["lq"] = (None if pt <= 0 or ref_total <= 0 or ref_ind[c["industry"]] <= 0
                       else (c["size"] / pt) / (ref_ind[c["industry"]] / ref_total))
            c["focus"] = c["size"] / pt if pt > 0 else None
        out = {}
        for c in cells:
            if c["park"] != pid:
                continue
            peers = [d for d in cells if d["industry"] == c["industry"]]
            compared = [d for d in peers if d["lq"] is not None]
            lq_cut = percentile([d["lq"] for d in compared], STRONG_LQ_P)
            size_cut = percentile([float(d["size"]) for d in compared], STRONG_SIZE_P)
            count_cut = percentile([float(d["establishments"]) for d in compared],
                                   STRONG_COUNT_P)
            strong = (c["lq"] is not None and c["lq"] >= lq_cut and c["lq"] >= STRONG_LQ_FLOOR
                      and c["size"] > size_cut and c["establishments"] > count_cut)
            sizes = sorted((d["size"] for d in peers if d["size"] > 0), reverse=True)
            s_cut = sizes[top_count(SIZE_STAR_TOP, len(sizes)) - 1] if sizes else None
            foci = sorted((d["focus"] for d in peers if d["focus"] and d["focus"] > 0),
                          reverse=True)
            f_cut = foci[top_count(FOCUS_STAR_TOP, len(foci)) - 1] if foci else None
            spec = c["lq"] is not None and c["lq"] >= SPEC_STAR_LQ
            size = s_cut is not None and c["size"] >= s_cut
            focus = f_cut is not None and c["focus"] is not None and c["focus"] >= f_cut
            out[c["industry"]] = {
                "strong_cluster": {
                    "strong": strong, "basis": "output", "size": c["size"],
                    "establishments": c["establishments"], "lq_percentile": STRONG_LQ_P,
                    "lq_cut": lq_cut, "lq_floor": STRONG_LQ_FLOOR,
                    "size_percentile": STRONG_SIZE_P, "size_cut": size_cut,
                    "count_percentile": STRONG_COUNT_P, "count_cut": count_cut,
                    "parks_compared": len(compared)},
                "stars": {
                    "count": int(spec) + int(size) + int(focus), "specialisation": spec,
                    "size": size, "focus": focus, "basis": "output",
                    "specialisation_lq": SPEC_STAR_LQ, "size_top": SIZE_STAR_TOP,
                    "size_cut": s_cut, "focus_top": FOCUS_STAR_TOP, "focus_share": c["focus"],
                    "focus_cut": f_cut}}
        return out

    def _reference(self, key: str, level: str, pid: str, scope: str) -> Tuple[int, Dict]:
        """Year-to-date output of the reference region and of each industry in it."""
        prefix = scope_prefix(self.parks[pid].county_code, scope)
        total, inds = 0, {}
        for other, p in self.parks.items():
            cell = self._cell(other, key, level)
            if cell is None or not p.county_code.startswith(prefix):
                continue
            total += cell["ytd"]["gross_output"]
            for code, t in cell["industries"].items():
                inds[code] = inds.get(code, 0) + t["ytd"]["gross_output"]
        return total, inds

    # ----------------------------------------------------------------------------------
    # GetParkMetrics.

    def _previous(self, pid: str, p: gt.Period) -> Optional[Tuple[gt.Period, dict]]:
        """The period ending in the calendar month before p's first month and its cell: the
        single month if reported, else 1-2月 (December of the prior year before 1-2月)."""
        cells = self.cells.get(pid, {})
        fm = first_month(p)
        candidates = ([gt.Period(p.year - 1, 12)] if fm == 1 else
                      [gt.Period(p.year, fm - 1)] + ([gt.Period(p.year, 2, True)]
                                                     if fm - 1 == 2 else []))
        for q in candidates:
            if q.key() in cells:
                return q, cells[q.key()]
        return None

    @functools.lru_cache(maxsize=None)
    def park_metrics(self, pid: str, key: str, scope: str = "system",
                     level: str = "class", specialisation: bool = True) -> Optional[dict]:
        cell = self._cell(pid, key, level)
        if cell is None:
            return None
        park = self.parks[pid]
        p = parse_key(key)
        months = months_to_date(p)
        m = {"snapshot": self.snapshot(pid, key), "level": level, "reference": scope}
        out_m, out_y = cell["month"]["gross_output"], cell["ytd"]["gross_output"]
        # Growth.
        ly = self.cells.get(pid, {}).get(gt.Period(p.year - 1, p.month, p.jan_feb).key())
        m["output_yoy"] = growth(out_m, ly["month"]["gross_output"]) if ly else None
        m["output_ytd_yoy"] = growth(out_y, ly["ytd"]["gross_output"]) if ly else None
        m["tax_ytd_yoy"] = (growth(cell["ytd"]["total_tax"], ly["ytd"]["total_tax"])
                            if ly else None)
        if ly:
            both = set(cell["firms"]) & set(ly["firms"])
            m["output_ytd_yoy_same_scope"] = growth(
                sum(cell["firms"][u]["gross_output_ytd"] for u in both),
                sum(ly["firms"][u]["gross_output_ytd"] for u in both))
        else:
            m["output_ytd_yoy_same_scope"] = None
        prev = self._previous(pid, p)
        m["output_mom"] = None
        if prev is not None:
            base = prev[1]["month"]["gross_output"] / months_covered(prev[0])
            if base > 0:
                m["output_mom"] = (out_m / months_covered(p)) / base - 1
        # Industry structure on year-to-date output, at the level.
        inds = {c: t["ytd"]["gross_output"] for c, t in cell["industries"].items()
                if t["ytd"]["gross_output"] > 0}
        ranked = sorted(inds, key=lambda c: (-inds[c], c))
        m["industries"] = len(ranked)
        for n in (1, 3, 5):
            m[f"industry_cr{n}"] = top_share(list(inds.values()), n)
        m["hhi"] = hhi(list(inds.values()))
        m["dominant_industry"] = ranked[0] if ranked else ""
        classes = {c: t["ytd"]["gross_output"] for c, t in self.cells[pid][key]["industries"]
                   .items() if t["ytd"]["gross_output"] > 0}
        lead = sum(v for c, v in classes.items()
                   if any(c.startswith(d) for d in park.leading_industries))
        m["leading_industry_share"] = ratio(lead, sum(classes.values())) \
            if sum(classes.values()) > 0 else None
        # Firm concentration, year to date; thresholds on annualised output.
        firm_out = {u: max(0, f["gross_output_ytd"]) for u, f in cell["firms"].items()}
        ftotal = sum(firm_out.values())
        franked = sorted((u for u in firm_out if firm_out[u] > 0),
                         key=lambda u: (-firm_out[u], u))
        m["firm_cr1"] = sum(firm_out[u] for u in franked[:1]) / ftotal if ftotal > 0 else None
        m["firm_cr3"] = sum(firm_out[u] for u in franked[:3]) / ftotal if ftotal > 0 else None
        m["over_thresholds"] = [
            {"annual_output": t, "enterprises": sum(
                1 for v in firm_out.values() if annualise(v, months) >= t)}
            for t in FIRM_THRESHOLDS_FEN]
        names = {u: e.name for u, e in self.registry.enterprises.items()}
        m["leading_firms"] = [{"uscc": u, "name": names.get(u, ""),
                               "share": firm_out[u] / ftotal} for u in franked[:LEADING_FIRMS]]
        # Land efficiency: annualised yuan per mu.
        area = park.area_mu
        m["output_per_mu"] = annualise(out_y, months) / 100 / area if area > 0 else None
        m["tax_per_mu"] = (annualise(cell["ytd"]["total_tax"], months) / 100 / area
                           if area > 0 else None)
        # Linkage, year to date; completeness on the month's output reporters.
        y = cell["ytd"]
        m["in_park_purchase_share"] = ratio(y["purchases_in_park"], y["purchases"])
        m["in_region_purchase_share"] = ratio(y["purchases_in_region"], y["purchases"])
        expected = {u for u, e in self.registry.enterprises.items()
                    if e.park_id == pid and e.above_size}
        m["expected_enterprises"] = len(expected)
        m["completeness"] = ratio(len(expected & set(cell["firms"])), len(expected))
        # Per industry.
        ref_total, ref_ind = self._reference(key, level, pid, scope)
        spec = self._specialisation(key, level, pid, scope) if specialisation else {}
        ind_list = self._industry_list(out_m, cell["industries"])
        ims = {}
        for code in ind_list["_order"]:
            t = cell["industries"][code]
            ytd = t["ytd"]["gross_output"]
            members = [f for f in cell["firms"].values()
                       if f["industry"] == code and f["gross_output_ytd"] > 0]
            lq = (None if out_y <= 0 or ref_total <= 0 or ref_ind.get(code, 0) <= 0 or ytd < 0
                  else (ytd / out_y) / (ref_ind[code] / ref_total))
            im = {"industry": code, "division_name": DIVISION_NAMES.get(code[:2], ANY_TEXT),
                  "month_output": t["month"]["gross_output"], "ytd_output": ytd,
                  "share": ind_list[code]["output_share"], "lq": lq,
                  "enterprises": len(members),
                  "in_region_purchase_share": ratio(t["ytd"]["purchases_in_region"],
                                                    t["ytd"]["purchases"]),
                  "confidential": False, "confidential_reason": "",
                  "strong_cluster": spec.get(code, {}).get("strong_cluster"),
                  "stars": spec.get(code, {}).get("stars"),
                  "stage": None}
            if ytd > 0:
                im["stage"] = stage(
                    ytd, months, len(members), lq,
                    ratio(t["ytd"]["purchases_in_region"], t["ytd"]["purchases"]),
                    max(f["gross_output_ytd"] for f in members) if members else 0)
            ims[code] = im
        ims["_order"] = list(ind_list["_order"])
        m["industry_metrics"] = ims
        return m

    # ----------------------------------------------------------------------------------
    # GetRegionSnapshot, GetIndustryMap, RankParks.

    def region(self, key: str, level: str = "class", code: Optional[str] = None,
               group: Optional[str] = None) -> Optional[dict]:
        members = [pid for pid, p in sorted(self.parks.items())
                   if (group in p.groups if group is not None
                       else self._in_region(p.county_code, code))]
        month, ytd, inds, n = _zero(), _zero(), {}, 0
        for pid in members:
            cell = self._cell(pid, key, level)
            if cell is None:
                continue
            n += 1
            _add(month, cell["month"])
            _add(ytd, cell["ytd"])
            for c, t in cell["industries"].items():
                d = inds.setdefault(c, {"month": _zero(), "ytd": _zero()})
                _add(d["month"], t["month"])
                _add(d["ytd"], t["ytd"])
        if n == 0:
            return None
        vals = [t["ytd"]["gross_output"] for t in inds.values() if t["ytd"]["gross_output"] > 0]
        name = group if group is not None else REGION_NAMES.get(code, ANY_TEXT)
        return {"name": name if name is not None else "", "month": month, "year_to_date": ytd,
                "industries": self._industry_list(month["gross_output"], inds), "parks": n,
                "hhi": hhi(vals), "industry_cr5": top_share(vals, 5), "level": level}

    @staticmethod
    def _in_region(county: str, code: str) -> bool:
        if code == "":
            return True
        if code.endswith("0000"):
            return county[:2] == code[:2]
        if code.endswith("00"):
            return county[:4] == code[:4]
        return county == code

    def industry_map(self, industry: str, key: str, level: str = "class",
                     scope: str = "system", prefix: str = "") -> dict:
        order = {"cluster": 3, "agglomeration": 2, "concentration": 1}
        entries = {}
        for pid in sorted(self.parks):
            if not self.parks[pid].county_code.startswith(prefix):
                continue
            m = self.park_metrics(pid, key, scope, level)
            if m is None:
                continue
            for code, im in m["industry_metrics"].items():
                if code == "_order" or not code.startswith(industry) or im["ytd_output"] <= 0:
                    continue
                entries[f"{pid}/{code}"] = {
                    "park_id": pid, "park_name": self.parks[pid].name, "industry": code,
                    "ytd_output": im["ytd_output"], "lq": im["lq"], "stage": im["stage"],
                    "confidential": False, "strong_cluster": im["strong_cluster"],
                    "stars": im["stars"], "enterprises": im["enterprises"]}
        entries["_order"] = sorted(
            entries, key=lambda k: (-order.get(entries[k]["stage"]["stage"], 0),
                                    -entries[k]["ytd_output"], entries[k]["park_id"],
                                    entries[k]["industry"]))
        return entries

    def metric_value(self, m: Optional[dict], name: str) -> Optional[float]:
        if m is None:
            return None
        s = m["snapshot"]
        direct = {"output_month": s["month"]["gross_output"] / 100,
                  "output_ytd": s["year_to_date"]["gross_output"] / 100,
                  "tax_ytd": s["year_to_date"]["total_tax"] / 100,
                  "employees": float(s["month"]["employees"])}
        return direct[name] if name in direct else m[name]

    def series(self, pid: str, metric: str, level: str = "class") -> List[dict]:
        """GetMetricSeries over every period of the park: one point per snapshot."""
        return [{"period": key, "confidential": False, "value": self.metric_value(
                    self.park_metrics(pid, key, "system", level, specialisation=False), metric)}
                for key in sorted(self.cells.get(pid, {}))]

    def rank(self, metric: str, key: str, level: str = "class", prefix: str = "") -> dict:
        """Ranked parks of the region: value desc (ties by id), unscored last by id with rank
        0 and no grade; A/B/C/D by cumulative cut points on the n scored parks."""
        scores = {pid: self.metric_value(
                      self.park_metrics(pid, key, "system", level, specialisation=False),
                      metric)
                  for pid, p in self.parks.items() if p.county_code.startswith(prefix)}
        scored = sorted((p for p in scores if scores[p] is not None),
                        key=lambda p: (-scores[p], p))
        unscored = sorted(p for p in scores if scores[p] is None)
        n = len(scored)
        cuts = [top_count(c, n) for c in GRADE_CUTS]
        out = {}
        for i, pid in enumerate(scored, 1):
            grade = "A" if i <= cuts[0] else "B" if i <= cuts[1] else "C" if i <= cuts[2] \
                else "D"
            out[pid] = {"rank": i, "park_id": pid, "name": self.parks[pid].name,
                        "value": scores[pid], "grade": grade, "confidential": False}
        for pid in unscored:
            out[pid] = {"rank": 0, "park_id": pid, "name": self.parks[pid].name, "value": None,
                        "grade": "", "confidential": False}
        out["_order"] = scored + unscored
        return out


def stage(ytd: int, months: int, enterprises: int, lq: Optional[float],
          linkage: Optional[float], leader_ytd: int) -> dict:
    """集中 → 集聚 → 集群 of a park × industry with output (stage.h, docs/metrics.md)."""
    annual, leader = annualise(ytd, months), annualise(min(leader_ytd, ytd), months)
    checks = [("lq", lq is not None and lq >= LQ_MIN), ("size", annual >= SIZE_MIN_FEN),
              ("enterprises", enterprises >= N_MIN),
              ("linkage", linkage is not None and linkage >= LINKAGE_MIN),
              ("leader", leader >= LEADER_MIN_FEN)]
    agglomeration = all(ok for _, ok in checks[:3])
    name = ("cluster" if all(ok for _, ok in checks) else
            "agglomeration" if agglomeration else "concentration")
    zh = {"cluster": "集群", "agglomeration": "集聚", "concentration": "集中"}[name]
    criteria = {k: {"key": k, "passed": ok, "zh": ANY_TEXT, "en": ANY_TEXT} for k, ok in checks}
    criteria["_order"] = [k for k, _ in checks]
    return {"stage": name, "stage_zh": zh, "criteria": criteria, "explanation_zh": ANY_TEXT,
            "explanation_en": ANY_TEXT}
