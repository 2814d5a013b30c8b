#!/usr/bin/env python3
"""Independent ground truth for clusterwatch sample data.

Reads a sample directory (registry/*.csv, reports/*.csv as written by
`clusterctl gen-sample`, or any bureau files in the same forms) the way the product should,
and computes the park totals the system must serve. It shares no code with the C++ product:
the rules are re-implemented here from docs (domain.md, common/domain/*.h) so that a system
test compares two independent readings.

Rules applied:
  * CSV per RFC 4180; UTF-8 (with or without BOM) or, when the bytes are not UTF-8, GBK
    (decoded as GB18030). The first row is the header; blank lines are skipped.
  * Chinese or English headers; a money unit in a unit column (default 千元) or in the
    header ("工业总产值(千元)", also with full-width brackets); basis month/ytd (本月/累计).
  * Money is exact: decimal text times the unit, as integer fen, refusing anything finer.
  * Validation: USCC check character (GB 32100); industry a four-digit GB/T 4754-2017 class
    of an existing division (01..97); period month 1..12, year 2000..2100; park known
    (output rows may leave it to the registry); enterprise known for tax rows; money
    non-negative, at most 1e12 yuan a month (12e12 year-to-date); employees 0..1e6;
    counterparties with valid codes and non-negative amounts.
  * Revisions: per (uscc, period, kind) the highest revision wins; at equal revision the
    later file wins (files in sorted name order, each pushed as one submission). Within one
    file a second line with the same (uscc, period, kind, revision) is rejected (field
    "revision"), as ingest does.
  * Derivation per enterprise, kind and year (common/domain/derive.h): in period order, with q
    the latest earlier reported period of the year, month(p) = value(p) and ytd(p) = ytd(q) +
    value(p) for month values; ytd(p) = value(p) and month(p) = ytd(p) - ytd(q) for
    year-to-date values. Employees are levels: ytd employees = the period's own value.
  * A period's park is the park of its winning report: an output row's park_id (or, empty,
    the registry's), a tax row's registry park at the time it was pushed. Optional
    registry-updates/*.csv (enterprise or park rows) are applied in name order between the
    report files (an update applies to the report files whose names sort after its own), so
    an enterprise that moves contributes its earlier periods to the old park and its later
    ones to the new, and a revision counts in the park of the revised report.
  * Registry corrections (a registry-updates/*.csv with a corrects_from column: uscc,
    park_id and/or industry, corrects_from, optional corrects_to) place every period they
    name, reported before or after the correction, in the corrected park and/or industry;
    the last correction naming a period wins, field by field. An open-ended one (no
    corrects_to) also changes the enterprise's registry record from then on.
  * Park × period totals sum the enterprises that reported that period (each enterprise's
    derived month and ytd values); output_reporters / tax_reporters count them.
  * Linkage (配套, docs/metrics.md): a tax row's counterparties give three more flows in its
    basis, derived like the taxes: purchases (amount > 0 from another enterprise: a purchase
    from the buyer itself is no linkage), purchases_in_park (the seller registered, when the
    row is pushed, in the buyer's park) and purchases_in_region (in park, or the seller's
    county -- its registered park's, else positions 3-8 of its USCC -- has the buyer park's
    prefecture, the first 4 digits). The shares are in park / purchases and in region /
    purchases of the year-to-date values (None when purchases are 0).

CLI:
  python3 tests/system/ground_truth.py --sample DIR            # readable summary (亿元)
  python3 tests/system/ground_truth.py --sample DIR --json     # full JSON
JSON: {"parks": {park_id: {period_key: {"month": {...}, "ytd": {...},
        "industries": {class: month_gross_output_fen}}}},
       "rejected": [{"file", "line", "field", "reason"}], "accepted": {...}}
Period keys as the product's: "2024-03", "2024-01/02". Money in fen.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import decimal
import io
import json
import os
import re
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Dict, Iterable, List, Optional, Tuple

# --------------------------------------------------------------------------------------
# Code rules.

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# GB/T 4754-2017 divisions by section: A 01-05, B 06-12, C 13-43, D 44-46, E 47-50,
# F 51-52, G 53-60, H 61-62, I 63-65, J 66-69, K 70, L 71-72, M 73-75, N 76-79, O 80-82,
# P 83, Q 84-85, R 86-90, S 91-96, T 97.
_DIVISION_RANGES = ((1, 5), (6, 12), (13, 43), (44, 46), (47, 50), (51, 52), (53, 60),
                    (61, 62), (63, 65), (66, 69), (70, 70), (71, 72), (73, 75), (76, 79),
                    (80, 82), (83, 83), (84, 85), (86, 90), (91, 96), (97, 97))
DIVISIONS = frozenset(f"{d:02d}" for lo, hi in _DIVISION_RANGES for d in range(lo, hi + 1))
assert len(DIVISIONS) == 97

UNITS_FEN = {"元": 100, "千元": 100_000, "万元": 1_000_000, "亿元": 10_000_000_000,
             "yuan": 100, "thousand": 100_000, "10k": 1_000_000, "100m": 10_000_000_000}
DEFAULT_UNIT_FEN = 100_000  # 千元, the usual unit of industrial forms

MAX_MONTH_FEN = 100_000_000_000_000  # 1e12 yuan
MAX_YTD_FEN = 12 * MAX_MONTH_FEN
MAX_EMPLOYEES = 1_000_000
MIN_YEAR, MAX_YEAR = 2000, 2100
INT64_MAX = 2**63 - 1

OUTPUT_FLOWS = ("gross_output", "sales_output", "export_delivery")
TAX_FLOWS = ("total_tax", "vat", "corporate_income_tax")
PURCHASE_FLOWS = ("purchases", "purchases_in_park", "purchases_in_region")
TOTAL_KEYS = OUTPUT_FLOWS + TAX_FLOWS + PURCHASE_FLOWS + ("employees", "output_reporters",
                                                         "tax_reporters")


def uscc_check_char(first17: str) -> Optional[str]:
    """Check character of the first 17 characters, or None when one is not in the alphabet."""
    if len(first17) != 17:
        return None
    total = 0
    for ch, w in zip(first17, USCC_WEIGHTS):
        v = USCC_ALPHABET.find(ch)
        if v < 0:
            return None
        total += v * w
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_problem(uscc: str) -> Optional[str]:
    """None for a valid USCC, else what is wrong with it."""
    if len(uscc) != 18:
        return f"USCC {uscc!r} has {len(uscc)} characters, expected 18"
    check = uscc_check_char(uscc[:17])
    if check is None:
        return f"USCC {uscc!r} has a character outside {USCC_ALPHABET}"
    if uscc[17] != check:
        return f"USCC {uscc!r}: check character is {uscc[17]}, expected {check}"
    return None


def industry_problem(code: str) -> Optional[str]:
    if not re.fullmatch(r"\d{4}", code):
        return f"industry {code!r} is not a four-digit GB/T 4754 class"
    if code[:2] not in DIVISIONS:
        return f"industry {code}: division {code[:2]} does not exist in GB/T 4754-2017"
    return None


# --------------------------------------------------------------------------------------
# Periods and money.

@dataclass(frozen=True, order=True)
class Period:
    year: int
    month: int
    jan_feb: bool = False

    def key(self) -> str:
        return f"{self.year}-01/02" if self.jan_feb else f"{self.year}-{self.month:02d}"


_RANGE_PATTERNS = (
    re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*[-—–~～至]\s*(\d{1,2})\s*月"),
    re.compile(r"(\d{4})-(\d{1,2})\s*[/~～-]\s*(\d{1,2})"),
)
_MONTH_PATTERNS = (
    re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月"),
    re.compile(r"(\d{4})-(\d{1,2})"),
    re.compile(r"(\d{4})(\d{2})"),
)
_PERIOD_FORMS = ("2024-03, 202403, 2024-3, 2024年3月, 2024年03月, 2024-01/02, 2024-1-2, "
                 "2024年1-2月, 2024-01~02")


def parse_period(text: str) -> Period:
    """Parses every period form of period.h; ValueError saying what is expected."""
    t = text.strip()
    for pat in _RANGE_PATTERNS:
        m = pat.fullmatch(t)
        if m:
            year, a, b = int(m.group(1)), int(m.group(2)), int(m.group(3))
            if (a, b) != (1, 2):
                raise ValueError(f"period {text!r}: only January–February (1-2) is combined")
            _check_year(year, text)
            return Period(year, 2, True)
    for pat in _MONTH_PATTERNS:
        m = pat.fullmatch(t)
        if m:
            year, month = int(m.group(1)), int(m.group(2))
            _check_year(year, text)
            if not 1 <= month <= 12:
                raise ValueError(f"period {text!r}: month {month} outside 1..12")
            return Period(year, month, False)
    raise ValueError(f"period {text!r} is not one of the forms {_PERIOD_FORMS}")


def _check_year(year: int, text: str) -> None:
    if not 1949 <= year <= 2100:
        raise ValueError(f"period {text!r}: year {year} outside 1949..2100")


def parse_unit(text: str) -> int:
    t = text.strip()
    fen = UNITS_FEN.get(t, UNITS_FEN.get(t.lower()))
    if fen is None:
        raise ValueError(f"unit {text!r} is not one of 元, 千元, 万元, 亿元 "
                         "(yuan, thousand, 10k, 100m)")
    return fen


_MONEY_RE = re.compile(r"([+-]?)(\d[\d,]*)(?:\.(\d+))?")


def parse_money(text: str, unit_fen: int) -> int:
    """Decimal text in a unit of `unit_fen` fen to integer fen, exactly."""
    t = text.strip()
    if not t:
        raise ValueError("missing amount (a missing figure is not zero)")
    m = _MONEY_RE.fullmatch(t)
    if not m:
        raise ValueError(f"{text!r} is not a decimal number")
    digits = m.group(1) + m.group(2).replace(",", "") + ("." + m.group(3) if m.group(3) else "")
    with decimal.localcontext() as ctx:
        ctx.prec = 200
        fen = Decimal(digits) * unit_fen
        if fen != fen.to_integral_value():
            raise ValueError(f"{text!r} is finer than a fen in this unit")
        value = int(fen)
    if abs(value) > INT64_MAX:
        raise OverflowError(f"{text!r} overflows 64-bit fen")
    return value


def parse_basis(text: str) -> bool:
    """True for year-to-date."""
    t = text.strip().lower()
    if t in ("", "month", "m", "本月", "当月", "月度"):
        return False
    if t in ("ytd", "year_to_date", "year-to-date", "累计", "本年累计", "1-本月累计",
             "1—本月累计", "1-累计"):
        return True
    raise ValueError(f"basis {text!r} is not month/ytd (本月/累计)")


def format_yi(fen: int) -> str:
    """Fen in 亿元 with two decimals, half away from zero."""
    q = (Decimal(fen) / Decimal(10_000_000_000)).quantize(Decimal("0.01"),
                                                          rounding=decimal.ROUND_HALF_UP)
    return f"{q:,.2f}"


# --------------------------------------------------------------------------------------
# CSV tables.

_HEADER_ALIASES = {
    "uscc": "uscc", "统一社会信用代码": "uscc",
    "name": "name", "企业名称": "name", "园区名称": "name",
    "park_id": "park_id", "园区代码": "park_id",
    "industry": "industry", "行业代码": "industry",
    "period": "period", "报告期": "period",
    "basis": "basis", "口径": "basis",
    "unit": "unit", "计量单位": "unit",
    "gross_output": "gross_output", "工业总产值": "gross_output",
    "sales_output": "sales_output", "销售产值": "sales_output",
    "export_delivery": "export_delivery", "出口交货值": "export_delivery",
    "employees": "employees", "平均用工人数": "employees",
    "revision": "revision", "修订版本": "revision",
    "total_tax": "total_tax", "税收总额": "total_tax",
    "vat": "vat", "增值税": "vat",
    "corporate_income_tax": "corporate_income_tax", "企业所得税": "corporate_income_tax",
    "counterparties": "counterparties", "主要供应商": "counterparties",
    "county_code": "county_code", "区县代码": "county_code",
    "area_mu": "area_mu", "面积亩": "area_mu",
    "level": "level", "级别": "level",
    "leading_industries": "leading_industries", "主导产业": "leading_industries",
    "groups": "groups", "所属组团": "groups",
    "above_size": "above_size", "规模以上": "above_size",
    "corrects_from": "corrects_from", "更正起始期": "corrects_from",
    "corrects_to": "corrects_to", "更正截止期": "corrects_to",
}
_MONEY_COLUMNS = frozenset(OUTPUT_FLOWS + TAX_FLOWS)
_HEADER_UNIT_RE = re.compile(r"(.*?)\s*[(（]\s*([^)）]*?)\s*[)）]\s*")


@dataclass
class Table:
    encoding: str
    columns: List[Optional[str]]      # canonical name per column (None: unknown column)
    header_units: Dict[str, int]      # money column -> unit from its header
    rows: List[Tuple[int, List[str]]]  # (1-based line of the row's first line, fields)


def decode_bytes(data: bytes) -> Tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "UTF-8"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        return data.decode("gb18030"), "GBK"


def canonical_header(label: str) -> Tuple[Optional[str], Optional[int]]:
    """(canonical column, unit fen from the header or None)."""
    t = label.strip().lstrip("\ufeff").strip()
    unit = None
    m = _HEADER_UNIT_RE.fullmatch(t)
    if m:
        t, unit_text = m.group(1), m.group(2)
        col = _HEADER_ALIASES.get(t, _HEADER_ALIASES.get(t.lower()))
        if col in _MONEY_COLUMNS:
            unit = parse_unit(unit_text)
        return col, unit
    return _HEADER_ALIASES.get(t, _HEADER_ALIASES.get(t.lower())), None


def parse_table(data: bytes) -> Table:
    text, encoding = decode_bytes(data)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: Optional[List[str]] = None
    rows: List[Tuple[int, List[str]]] = []
    prev_line = 0
    for fields in reader:
        start = prev_line + 1
        prev_line = reader.line_num
        if not fields or fields == [""]:
            continue
        if header is None:
            header = fields
            continue
        rows.append((start, fields))
    if header is None:
        raise ValueError("empty file: no header row")
    columns: List[Optional[str]] = []
    units: Dict[str, int] = {}
    for label in header:
        col, unit = canonical_header(label)
        columns.append(col)
        if col is not None and unit is not None:
            units[col] = unit
    return Table(encoding, columns, units, rows)


def read_table(path: str) -> Table:
    with open(path, "rb") as f:
        return parse_table(f.read())


def _cells(table: Table, fields: List[str]) -> Dict[str, str]:
    out: Dict[str, str] = {}
    for col, value in zip(table.columns, fields):
        if col is not None and col not in out:
            out[col] = value
    return out


# --------------------------------------------------------------------------------------
# Registry.

@dataclass
class Park:
    id: str
    name: str
    county_code: str
    area_mu: int
    level: str
    leading_industries: List[str]
    groups: List[str]


@dataclass
class Enterprise:
    uscc: str
    name: str
    park_id: str
    industry: str
    above_size: bool


@dataclass
class Correction:
    """A registry correction: the park and/or industry ("" = unchanged) of an enterprise's
    periods from `first` through `last` (period keys; last None = onwards)."""
    uscc: str
    park_id: str
    industry: str
    first: str
    last: Optional[str]

    def covers(self, period_key: str) -> bool:
        # Period keys sort in period order ("2024-01" < "2024-01/02" < "2024-02").
        return self.first <= period_key and (self.last is None or period_key <= self.last)


@dataclass
class Registry:
    parks: Dict[str, Park]
    enterprises: Dict[str, Enterprise]
    corrections: List[Correction] = field(default_factory=list)  # in push order

    def placement(self, uscc: str, period_key: str, park_id: str,
                  industry: str) -> Tuple[str, str]:
        """(park, industry) of a period: the last correction naming it wins, field by field,
        over the report's own placement, whenever the correction was pushed."""
        for c in self.corrections:
            if c.uscc == uscc and c.covers(period_key):
                park_id = c.park_id or park_id
                industry = c.industry or industry
        return park_id, industry


def _split_list(text: str) -> List[str]:
    return [p.strip() for p in re.split(r"[;；,，]", text) if p.strip()]


def load_registry(directory: str) -> Registry:
    registry = Registry({}, {})
    if not os.path.isdir(directory):
        return registry
    for name in sorted(os.listdir(directory)):
        if name.lower().endswith(".csv"):
            apply_registry_file(registry, os.path.join(directory, name))
    return registry


def apply_registry_file(registry: Registry, path: str) -> None:
    """Adds or replaces the parks or enterprises of one registry CSV file (a later record of
    the same id replaces the earlier one, as on the compacted registry topic)."""
    parks, enterprises = registry.parks, registry.enterprises
    name = os.path.basename(path)
    table = read_table(path)
    cols = set(c for c in table.columns if c)
    for line, fields in table.rows:
        c = _cells(table, fields)
        where = f"{name} line {line}"
        if "county_code" in cols:
            pid = c.get("park_id", "").strip()
            if not pid:
                raise ValueError(f"{where}: park_id is empty")
            level = c.get("level", "").strip()
            level = {"国家级": "national", "省级": "provincial", "其他": "other"}.get(level, level)
            parks[pid] = Park(pid, c.get("name", "").strip(), c.get("county_code", "").strip(),
                              int(c.get("area_mu", "0").strip() or 0), level,
                              _split_list(c.get("leading_industries", "")),
                              _split_list(c.get("groups", "")))
        elif "corrects_from" in cols:
            uscc = c.get("uscc", "").strip()
            problem = uscc_problem(uscc)
            if problem:
                raise ValueError(f"{where}: {problem}")
            first = parse_period(c["corrects_from"].strip()).key()
            last_text = c.get("corrects_to", "").strip()
            last = parse_period(last_text).key() if last_text else None
            corr = Correction(uscc, c.get("park_id", "").strip(),
                              c.get("industry", "").strip(), first, last)
            registry.corrections.append(corr)
            ent = enterprises[uscc]
            if last is None:  # open-ended: the registry record changes too
                enterprises[uscc] = Enterprise(uscc, ent.name, corr.park_id or ent.park_id,
                                               corr.industry or ent.industry,
                                               ent.above_size)
        elif "uscc" in cols:
            uscc = c.get("uscc", "").strip()
            problem = uscc_problem(uscc)
            if problem:
                raise ValueError(f"{where}: {problem}")
            above = c.get("above_size", "").strip().lower() in ("1", "yes", "true", "是", "y")
            enterprises[uscc] = Enterprise(uscc, c.get("name", "").strip(),
                                           c.get("park_id", "").strip(),
                                           c.get("industry", "").strip(), above)
        else:
            raise ValueError(f"{name}: neither a park nor an enterprise table")


# --------------------------------------------------------------------------------------
# Reports.

@dataclass
class Report:
    kind: str              # "output" or "tax"
    uscc: str
    park_id: str
    industry: str
    period: Period
    ytd: bool
    flows: Tuple[int, int, int]
    level: int             # employees (output only)
    revision: int
    file: str
    line: int
    # Tax only: (seller USCC, purchases in fen) as reported, in the report's basis.
    counterparties: Tuple[Tuple[str, int], ...] = ()
    # Tax only: (purchases, in park, in region) of the counterparties (linkage_flows), with
    # the sellers located in the registry as it was when the row was pushed.
    purchases: Tuple[int, int, int] = (0, 0, 0)


class Rejected(Exception):
    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def _unit_for(col: str, table: Table, row_unit: Optional[int]) -> int:
    if col in table.header_units:
        return table.header_units[col]
    return row_unit if row_unit is not None else DEFAULT_UNIT_FEN


def _money(c: Dict[str, str], col: str, table: Table, row_unit: Optional[int],
           required: bool) -> int:
    text = c.get(col, "")
    if not text.strip():
        if required:
            raise Rejected(col, "missing amount (a missing figure is not zero)")
        return 0
    try:
        return parse_money(text, _unit_for(col, table, row_unit))
    except (ValueError, OverflowError) as e:
        raise Rejected(col, str(e)) from None


def _common(c: Dict[str, str]) -> Tuple[str, Period, bool, Optional[int], int]:
    uscc = c.get("uscc", "").strip()
    if not uscc:
        raise Rejected("uscc", "missing USCC")
    try:
        period = parse_period(c.get("period", ""))
    except ValueError as e:
        raise Rejected("period", str(e)) from None
    try:
        ytd = parse_basis(c.get("basis", ""))
    except ValueError as e:
        raise Rejected("basis", str(e)) from None
    row_unit = None
    if c.get("unit", "").strip():
        try:
            row_unit = parse_unit(c["unit"])
        except ValueError as e:
            raise Rejected("unit", str(e)) from None
    revision = 1
    rev_text = c.get("revision", "").strip()
    if rev_text:
        if not re.fullmatch(r"\d+", rev_text) or int(rev_text) < 1:
            raise Rejected("revision", f"revision {rev_text!r} is not a positive integer")
        revision = int(rev_text)
    return uscc, period, ytd, row_unit, revision


def _check_common(uscc: str, period: Period) -> None:
    problem = uscc_problem(uscc)
    if problem:
        raise Rejected("uscc", problem)
    if not MIN_YEAR <= period.year <= MAX_YEAR:
        raise Rejected("period", f"year {period.year} outside {MIN_YEAR}..{MAX_YEAR}")


def _check_money(names: Iterable[str], values: Iterable[int], ytd: bool) -> None:
    limit = MAX_YTD_FEN if ytd else MAX_MONTH_FEN
    for name, v in zip(names, values):
        if v < 0:
            raise Rejected(name, f"negative amount {v} fen")
        if v > limit:
            raise Rejected(name, f"implausible amount {v} fen (limit {limit})")


def parse_output_row(c: Dict[str, str], table: Table, registry: Registry, file: str,
                     line: int) -> Report:
    uscc, period, ytd, row_unit, revision = _common(c)
    industry = c.get("industry", "").strip()
    if not industry:
        raise Rejected("industry", "missing industry class")
    flows = tuple(_money(c, col, table, row_unit, col == "gross_output") for col in OUTPUT_FLOWS)
    employees = 0
    emp_text = c.get("employees", "").strip()
    if emp_text:
        if not re.fullmatch(r"[+-]?\d+", emp_text):
            raise Rejected("employees", f"employees {emp_text!r} is not an integer")
        employees = int(emp_text)
    _check_common(uscc, period)
    problem = industry_problem(industry)
    if problem:
        raise Rejected("industry", problem)
    park_id = c.get("park_id", "").strip()
    if not park_id:
        ent = registry.enterprises.get(uscc)
        if ent is None:
            raise Rejected("park_id", "no park given and the enterprise is not in the registry")
        park_id = ent.park_id
    if park_id not in registry.parks:
        raise Rejected("park_id", f"park {park_id!r} is not in the registry")
    _check_money(OUTPUT_FLOWS, flows, ytd)
    if not 0 <= employees <= MAX_EMPLOYEES:
        raise Rejected("employees", f"employees {employees} outside 0..{MAX_EMPLOYEES}")
    return Report("output", uscc, park_id, industry, period, ytd, flows, employees, revision,
                  file, line)


def parse_tax_row(c: Dict[str, str], table: Table, registry: Registry, file: str,
                  line: int) -> Report:
    uscc, period, ytd, row_unit, revision = _common(c)
    flows = tuple(_money(c, col, table, row_unit, col == "total_tax") for col in TAX_FLOWS)
    counterparties: List[Tuple[str, int]] = []
    # Counterparty amounts are in the row's unit (a unit column, else total_tax's header unit).
    cp_unit = row_unit if row_unit is not None else _unit_for("total_tax", table, None)
    for part in c.get("counterparties", "").split(";"):
        part = part.strip()
        if not part:
            continue
        if ":" not in part:
            raise Rejected("counterparties", f"{part!r} is not USCC:amount")
        cp_uscc, amount = part.split(":", 1)
        try:
            counterparties.append((cp_uscc.strip(), parse_money(amount, cp_unit)))
        except (ValueError, OverflowError) as e:
            raise Rejected("counterparties", str(e)) from None
    _check_common(uscc, period)
    ent = registry.enterprises.get(uscc)
    if ent is None:
        raise Rejected("uscc", f"enterprise {uscc} is not in the registry")
    if ent.park_id not in registry.parks:
        raise Rejected("park_id", f"park {ent.park_id!r} is not in the registry")
    _check_money(TAX_FLOWS, flows, ytd)
    for cp_uscc, amount in counterparties:
        problem = uscc_problem(cp_uscc)
        if problem:
            raise Rejected("counterparties", problem)
        if amount < 0:
            raise Rejected("counterparties", f"negative purchases from {cp_uscc}")
    return Report("tax", uscc, ent.park_id, ent.industry, period, ytd, flows, 0, revision,
                  file, line, tuple(counterparties),
                  linkage_flows(uscc, ent.park_id, counterparties, registry))


def prefecture_of(county: str) -> str:
    """The first four digits of a GB/T 2260 county code, or "" when there are none."""
    return county[:4] if len(county) >= 4 and county[:4].isdigit() else ""


def linkage_flows(buyer: str, park_id: str, counterparties, registry: Registry
                  ) -> Tuple[int, int, int]:
    """(purchases, in park, in region) of a buyer in `park_id` (see the module docstring)."""
    park = registry.parks.get(park_id)
    buyer_prefecture = prefecture_of(park.county_code) if park is not None else ""
    total = in_park = in_region = 0
    for seller, amount in counterparties:
        if amount <= 0 or seller == buyer:  # a self-purchase is no linkage
            continue
        total += amount
        ent = registry.enterprises.get(seller)
        if ent is not None and ent.park_id == park_id:
            in_park += amount
            in_region += amount
            continue
        seller_park = registry.parks.get(ent.park_id) if ent is not None else None
        county = seller_park.county_code if seller_park is not None and \
            seller_park.county_code else (seller[2:8] if len(seller) == 18 else "")
        if buyer_prefecture and prefecture_of(county) == buyer_prefecture:
            in_region += amount
    return total, in_park, in_region


def linkage_shares(ytd: Dict[str, int]) -> Tuple[Optional[float], Optional[float]]:
    """(in-park share, in-region share) of a cell's year-to-date totals."""
    if ytd["purchases"] == 0:
        return None, None
    # As doubles divided (the query service's Ratio), not Python's exactly rounded int / int.
    return (float(ytd["purchases_in_park"]) / float(ytd["purchases"]),
            float(ytd["purchases_in_region"]) / float(ytd["purchases"]))


def table_kind(table: Table) -> Optional[str]:
    cols = set(c for c in table.columns if c)
    if "gross_output" in cols:
        return "output"
    if "total_tax" in cols:
        return "tax"
    return None


# --------------------------------------------------------------------------------------
# Computation.

@dataclass
class Derived:
    period: Period
    month: Tuple[int, int, int]
    ytd: Tuple[int, int, int]
    level: int


def derive_year(reports: List[Report]) -> List[Derived]:
    """Month and year-to-date values of one enterprise's reports of one kind in one year."""
    out: List[Derived] = []
    prev_ytd: Optional[Tuple[int, int, int]] = None
    for r in sorted(reports, key=lambda r: r.period.key()):
        if r.ytd:
            ytd = r.flows
            month = ytd if prev_ytd is None else tuple(a - b for a, b in zip(ytd, prev_ytd))
        else:
            month = r.flows
            ytd = month if prev_ytd is None else tuple(a + b for a, b in zip(prev_ytd, month))
        out.append(Derived(r.period, month, ytd, r.level))
        prev_ytd = ytd
    return out


def _empty_totals() -> Dict[str, int]:
    return {k: 0 for k in TOTAL_KEYS}


def winning_reports(sample_dir: str):
    """(registry, {(uscc, period key, kind): winning Report}, rejected, accepted) of a sample
    directory: every report file read, validated and resolved by revision."""
    registry = load_registry(os.path.join(sample_dir, "registry"))
    reports_dir = os.path.join(sample_dir, "reports")
    updates_dir = os.path.join(sample_dir, "registry-updates")
    latest: Dict[Tuple[str, str, str], Report] = {}
    rejected: List[dict] = []
    accepted = {"output": 0, "tax": 0}
    names = sorted(n for n in os.listdir(reports_dir) if n.lower().endswith(".csv")) \
        if os.path.isdir(reports_dir) else []
    # Registry changes between pushes: registry-updates/<name>.csv is pushed after the report
    # files whose names sort before its name and before the others, so a tax report takes
    # the park its enterprise had in the registry when the report was pushed (as ingest does).
    updates = sorted(n for n in os.listdir(updates_dir) if n.lower().endswith(".csv")) \
        if os.path.isdir(updates_dir) else []
    for name in names:
        while updates and updates[0] < name:
            apply_registry_file(registry, os.path.join(updates_dir, updates.pop(0)))
        rel = f"reports/{name}"
        table = read_table(os.path.join(reports_dir, name))
        kind = table_kind(table)
        if kind is None:
            rejected.append({"file": rel, "line": 1, "field": "",
                             "reason": "header names neither gross_output nor total_tax"})
            continue
        first_line: Dict[Tuple[str, str, str, int], int] = {}  # one file = one submission
        for line, fields in table.rows:
            c = _cells(table, fields)
            try:
                if kind == "output":
                    r = parse_output_row(c, table, registry, rel, line)
                else:
                    r = parse_tax_row(c, table, registry, rel, line)
            except Rejected as e:
                rejected.append({"file": rel, "line": line, "field": e.field,
                                 "reason": e.reason})
                continue
            repeat = (r.uscc, r.period.key(), r.kind, r.revision)
            if repeat in first_line:
                rejected.append({"file": rel, "line": line, "field": "revision",
                                 "reason": f"line {first_line[repeat]} of this submission "
                                           f"already reports {r.uscc} for {r.period.key()} "
                                           f"with revision {r.revision}; a correction needs "
                                           "a higher revision"})
                continue
            first_line[repeat] = line
            accepted[kind] += 1
            key = (r.uscc, r.period.key(), r.kind)
            old = latest.get(key)
            if old is None or r.revision >= old.revision:
                latest[key] = r
    return registry, latest, rejected, accepted


def compute(sample_dir: str) -> dict:
    """Expected totals for a sample directory (see the module docstring)."""
    registry, latest, rejected, accepted = winning_reports(sample_dir)
    groups: Dict[Tuple[str, str, int], List[Report]] = {}
    for r in latest.values():
        groups.setdefault((r.uscc, r.kind, r.period.year), []).append(r)

    parks: Dict[str, Dict[str, dict]] = {}
    for (uscc, kind, _year), reports in sorted(groups.items()):
        if kind == "tax":  # linkage flows are in the report's basis, derived like the taxes
            reports = [dataclasses.replace(r, flows=tuple(r.flows) + tuple(r.purchases))
                       for r in reports]
        by_key = {r.period.key(): r for r in reports}
        for d in derive_year(reports):
            r = by_key[d.period.key()]
            park_id, industry = registry.placement(uscc, d.period.key(), r.park_id,
                                                   r.industry)
            cell = parks.setdefault(park_id, {}).setdefault(
                d.period.key(), {"month": _empty_totals(), "ytd": _empty_totals(),
                                 "industries": {}})
            names_ = OUTPUT_FLOWS if kind == "output" else TAX_FLOWS + PURCHASE_FLOWS
            for i, n in enumerate(names_):
                cell["month"][n] += d.month[i]
                cell["ytd"][n] += d.ytd[i]
            counter = "output_reporters" if kind == "output" else "tax_reporters"
            cell["month"][counter] += 1
            cell["ytd"][counter] += 1
            if kind == "output":
                cell["month"]["employees"] += d.level
                cell["ytd"]["employees"] += d.level
                ind = cell["industries"]
                ind[industry] = ind.get(industry, 0) + d.month[0]

    ordered = {pid: {k: parks[pid][k] for k in sorted(parks[pid])} for pid in sorted(parks)}
    return {"parks": ordered, "rejected": rejected, "accepted": accepted,
            "park_names": {pid: p.name for pid, p in sorted(registry.parks.items())}}


def summary_text(result: dict) -> str:
    lines = []
    names = result.get("park_names", {})
    lines.append(f"accepted rows: output {result['accepted']['output']}, "
                 f"tax {result['accepted']['tax']}; rejected {len(result['rejected'])}")
    lines.append("")
    lines.append(f"{'park':<10} {'period':<11} {'gross 月':>10} {'gross 累计':>11} "
                 f"{'tax 月':>9} {'tax 累计':>9} {'out#':>5} {'tax#':>5}  (亿元)")
    for pid, periods in result["parks"].items():
        if not periods:
            continue
        key = max(periods)
        cell = periods[key]
        m, y = cell["month"], cell["ytd"]
        lines.append(f"{pid:<10} {key:<11} {format_yi(m['gross_output']):>10} "
                     f"{format_yi(y['gross_output']):>11} {format_yi(m['total_tax']):>9} "
                     f"{format_yi(y['total_tax']):>9} {m['output_reporters']:>5} "
                     f"{m['tax_reporters']:>5}  {names.get(pid, '')}")
    if result["rejected"]:
        lines.append("")
        lines.append("rejected:")
        for r in result["rejected"]:
            lines.append(f"  {r['file']}:{r['line']} {r['field']}: {r['reason']}")
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sample", required=True, help="sample directory (registry/, reports/)")
    ap.add_argument("--json", action="store_true", help="print the full result as JSON")
    args = ap.parse_args(argv)
    result = compute(args.sample)
    if args.json:
        json.dump(result, sys.stdout, ensure_ascii=False, indent=1, sort_keys=False)
        sys.stdout.write("\n")
    else:
        print(summary_text(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
