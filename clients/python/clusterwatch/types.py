"""Value types of the clusterwatch client: report periods, exact money, and the figures the
query service answers, as plain Python objects (no gRPC here)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import List, Optional, Tuple

FEN_PER_WAN = 1_000_000  # 1 万元 = 10,000 yuan = 1,000,000 fen
FEN_PER_YUAN = 100

_PERIOD = re.compile(r"^\s*(\d{4})\s*(?:-|年)\s*(\d{1,2})\s*(?:(?:/|-|~)\s*(\d{1,2}))?\s*月?\s*$")


@dataclass(frozen=True, order=True)
class Period:
    """A statistical reporting period: a month, or January–February published together
    (``month=2, jan_feb=True``). Orders by time."""

    year: int
    month: int
    jan_feb: bool = False

    def __post_init__(self):
        if not 2000 <= self.year <= 2100:
            raise ValueError(f"period year {self.year}: expected 2000..2100")
        if not 1 <= self.month <= 12:
            raise ValueError(f"period month {self.month}: expected 1..12")
        if self.jan_feb and self.month != 2:
            raise ValueError("a January–February period has month 2")

    @classmethod
    def parse(cls, text: str) -> "Period":
        """'2024-12', '2024-01/02', '2024年3月', '2024年1-2月' → Period. ValueError otherwise."""
        m = _PERIOD.match(text)
        if not m:
            raise ValueError(f"period {text!r}: expected e.g. 2024-12, 2024-01/02 or 2024年1-2月")
        year, first, last = int(m.group(1)), int(m.group(2)), m.group(3)
        if last is None:
            return cls(year, first)
        if (first, int(last)) != (1, 2):
            raise ValueError(f"period {text!r}: only January–February is a combined period")
        return cls(year, 2, True)

    @property
    def key(self) -> str:
        """The canonical key: '2024-03', '2024-01/02'."""
        return f"{self.year}-01/02" if self.jan_feb else f"{self.year}-{self.month:02d}"

    def __str__(self) -> str:
        return self.key


@dataclass(frozen=True, order=True)
class Money:
    """An exact amount of money in fen (分), as the service stores it."""

    fen: int

    @property
    def wan(self) -> Decimal:
        """万元, exact (1 万元 = 1,000,000 fen)."""
        return Decimal(self.fen).scaleb(-6)

    @property
    def yuan(self) -> Decimal:
        """Yuan, exact."""
        return Decimal(self.fen).scaleb(-2)

    def __add__(self, other: "Money") -> "Money":
        return Money(self.fen + other.fen)

    def __str__(self) -> str:
        return f"{self.wan.quantize(Decimal('0.01')):,} 万元"


@dataclass(frozen=True)
class Totals:
    """A period's totals: month (本月) or year to date (累计)."""

    gross_output: Money = Money(0)
    sales_output: Money = Money(0)
    export_delivery: Money = Money(0)
    total_tax: Money = Money(0)
    vat: Money = Money(0)
    corporate_income_tax: Money = Money(0)
    employees: int = 0
    output_reporters: int = 0
    tax_reporters: int = 0


@dataclass(frozen=True)
class IndustryFigures:
    """An industry's figures in a park or region; ``confidential``: withheld (figures zero,
    ``share`` None)."""

    industry: str
    month: Totals
    year_to_date: Totals
    share: Optional[float]
    confidential: bool = False
    confidential_reason: str = ""


@dataclass(frozen=True)
class Park:
    id: str
    name: str
    county_code: str
    area_mu: int
    level: str  # national, provincial, other or ""
    leading_industries: Tuple[str, ...] = ()
    groups: Tuple[str, ...] = ()


@dataclass(frozen=True)
class ParkReport:
    """A park's figures for one period (GetParkSnapshot)."""

    park: Park
    period: Period
    month: Totals
    year_to_date: Totals
    industries: List[IndustryFigures] = field(default_factory=list)
    confidential: bool = False


@dataclass(frozen=True)
class RegionReport:
    """A region's or named group's roll-up for one period (GetRegionSnapshot)."""

    name: str
    period: Period
    parks: int
    month: Totals
    year_to_date: Totals
    industries: List[IndustryFigures]
    hhi: Optional[float]
    industry_cr5: Optional[float]


@dataclass(frozen=True)
class RankedPark:
    """A park's place in a ranking; ``value`` in the metric's unit (``unit``: yuan,
    yuan_per_mu, ratio, persons or index), None when not defined or withheld."""

    rank: int
    park_id: str
    name: str
    value: Optional[float]
    unit: str
    grade: str
    confidential: bool


@dataclass(frozen=True)
class SeriesPoint:
    period: Period
    value: Optional[float]
    confidential: bool


@dataclass(frozen=True)
class Alert:
    """An alert's current state (ListAlerts) or one change of it (WatchAlerts)."""

    id: str
    rule: str
    state: str  # pending, firing or resolved
    subject_kind: str
    subject_id: str
    subject_name: str
    park_id: str
    period: Period
    latest_period: Optional[Period]
    periods: int
    version: int
    explanation_zh: str
    explanation_en: str
    resume_token: str = ""  # WatchAlerts only


@dataclass(frozen=True)
class IndustryMetric:
    """An industry's metrics in a park (GetParkMetrics): ``share`` of the park's month output,
    ``lq`` location quotient against the reference, ``stage`` none, concentration,
    agglomeration or cluster. Withheld (``confidential``): figures zero, lq None."""

    industry: str
    month_output: Money
    ytd_output: Money
    share: float
    lq: Optional[float]
    enterprises: int
    stage: str
    confidential: bool


@dataclass(frozen=True)
class ParkMetrics:
    """A park's metrics for a period (GetParkMetrics). Ratios are fractions (0.125 = 12.5%),
    land efficiency in yuan per mu (annualised), None where not defined. ``raw``: the whole
    answer (clusterwatch.v1.query_pb2.GetParkMetricsResponse) for the fields not given here."""

    park: Park
    period: Period
    output_month: Money
    output_ytd: Money
    output_yoy: Optional[float]
    output_ytd_yoy: Optional[float]
    tax_ytd_yoy: Optional[float]
    hhi: Optional[float]
    industry_cr5: Optional[float]
    output_per_mu: Optional[float]
    tax_per_mu: Optional[float]
    completeness: Optional[float]
    industries: List[IndustryMetric]
    raw: object = None


@dataclass(frozen=True)
class IndustryMapEntry:
    """A park holding an industry (GetIndustryMap), strongest stage first."""

    park_id: str
    park_name: str
    industry: str
    ytd_output: Money
    lq: Optional[float]
    enterprises: int
    stage: str
    confidential: bool


# The unit of each rankable metric's value (RankParks, GetMetricSeries).
METRIC_UNITS = {
    "output_month": "yuan", "output_ytd": "yuan", "tax_ytd": "yuan", "employees": "persons",
    "output_yoy": "ratio", "output_ytd_yoy": "ratio", "output_ytd_yoy_same_scope": "ratio",
    "tax_ytd_yoy": "ratio", "output_mom": "ratio", "hhi": "index", "industry_cr5": "ratio",
    "leading_industry_share": "ratio", "firm_cr1": "ratio", "firm_cr3": "ratio",
    "output_per_mu": "yuan_per_mu", "tax_per_mu": "yuan_per_mu",
    "in_park_purchase_share": "ratio", "in_region_purchase_share": "ratio",
    "completeness": "ratio",
}
