"""The clusterwatch query client: one gRPC channel to cw-query (plaintext, TLS, or mutual
TLS, with a bearer token), typed answers (clusterwatch.types), failed calls raised as
clusterwatch.errors exceptions. Long lists are given as iterators. Thread-safe as a gRPC
channel is: one Client may serve several threads."""
from __future__ import annotations

from typing import Iterator, List, Optional, Union

import grpc

from clusterwatch.errors import from_rpc_error
from clusterwatch.types import (METRIC_UNITS, Alert, IndustryFigures, IndustryMapEntry,
                                IndustryMetric, Money, Park, ParkMetrics, ParkReport, Period,
                                RankedPark, RegionReport, SeriesPoint, Totals)
from clusterwatch.v1 import alerts_pb2, query_pb2, query_pb2_grpc, registry_pb2, types_pb2

PeriodLike = Union[Period, str]

_LEVELS = {"class": query_pb2.INDUSTRY_LEVEL_CLASS, "division": query_pb2.INDUSTRY_LEVEL_DIVISION}
_REFERENCES = {"system": query_pb2.REFERENCE_SCOPE_SYSTEM,
               "province": query_pb2.REFERENCE_SCOPE_PROVINCE,
               "prefecture": query_pb2.REFERENCE_SCOPE_PREFECTURE}
_STATES = {"pending": alerts_pb2.ALERT_STATE_PENDING, "firing": alerts_pb2.ALERT_STATE_FIRING,
           "resolved": alerts_pb2.ALERT_STATE_RESOLVED}
_STATE_NAMES = {v: k for k, v in _STATES.items()}
_PARK_LEVELS = {registry_pb2.PARK_LEVEL_NATIONAL: "national",
                registry_pb2.PARK_LEVEL_PROVINCIAL: "provincial",
                registry_pb2.PARK_LEVEL_OTHER: "other"}


def _read(data: Union[bytes, str, None]) -> Optional[bytes]:
    """PEM bytes as given, or read from a file path."""
    if data is None or isinstance(data, bytes):
        return data
    with open(data, "rb") as f:
        return f.read()


def _period(p: PeriodLike) -> types_pb2.Period:
    p = Period.parse(p) if isinstance(p, str) else p
    return types_pb2.Period(year=p.year, month=p.month, jan_feb=p.jan_feb)


def _from_period(p: types_pb2.Period) -> Period:
    return Period(p.year, p.month, p.jan_feb)


def _level(level: str) -> int:
    if level not in _LEVELS:
        raise ValueError(f"level {level!r}: expected class or division")
    return _LEVELS[level]


def _reference(reference: str) -> int:
    if reference not in _REFERENCES:
        raise ValueError(f"reference {reference!r}: expected system, province or prefecture")
    return _REFERENCES[reference]


def _opt(message, name: str) -> Optional[float]:
    return getattr(message, name) if message.HasField(name) else None


def _totals(t) -> Totals:
    return Totals(gross_output=Money(t.gross_output.fen), sales_output=Money(t.sales_output.fen),
                  export_delivery=Money(t.export_delivery.fen),
                  total_tax=Money(t.total_tax.fen), vat=Money(t.vat.fen),
                  corporate_income_tax=Money(t.corporate_income_tax.fen),
                  employees=t.employees, output_reporters=t.output_reporters,
                  tax_reporters=t.tax_reporters)


def _industries(items) -> List[IndustryFigures]:
    return [IndustryFigures(industry=i.industry, month=_totals(i.month),
                            year_to_date=_totals(i.year_to_date),
                            share=None if i.confidential else i.output_share,
                            confidential=i.confidential,
                            confidential_reason=i.confidential_reason) for i in items]


def _park(p) -> Park:
    return Park(id=p.id, name=p.name, county_code=p.county_code, area_mu=p.area_mu,
                level=_PARK_LEVELS.get(p.level, ""),
                leading_industries=tuple(p.leading_industries), groups=tuple(p.groups))


def _alert(a, token: str = "") -> Alert:
    return Alert(id=a.id, rule=a.rule, state=_STATE_NAMES.get(a.state, ""),
                 subject_kind=a.subject_kind, subject_id=a.subject_id,
                 subject_name=a.subject_name, park_id=a.park_id, period=_from_period(a.period),
                 latest_period=_from_period(a.latest_period) if a.HasField("latest_period")
                 else None, periods=a.periods, version=a.version,
                 explanation_zh=a.explanation_zh, explanation_en=a.explanation_en,
                 resume_token=token)


def _metric_unit(metric: str) -> str:
    if metric not in METRIC_UNITS:
        raise ValueError(f"metric {metric!r}: expected one of {', '.join(METRIC_UNITS)}")
    return METRIC_UNITS[metric]


class Client:
    """A connection to the query service.

    ``Client("127.0.0.1:50052")``: plaintext (local development).
    ``Client(addr, ca_cert="ca.pem", token="...")``: TLS verified against the CA, with the
    bearer token on every call; add ``client_cert``/``client_key`` for mutual TLS. PEM
    arguments are bytes or file paths. ``timeout``: seconds per call.
    """

    def __init__(self, address: str, *, ca_cert: Union[bytes, str, None] = None,
                 client_cert: Union[bytes, str, None] = None,
                 client_key: Union[bytes, str, None] = None, token: Optional[str] = None,
                 timeout: float = 30.0, max_receive_mb: int = 64):
        options = [("grpc.max_receive_message_length", max_receive_mb << 20)]
        if ca_cert is None:
            if token or client_cert or client_key:
                raise ValueError("a token or client certificate needs TLS: give ca_cert")
            self._channel = grpc.insecure_channel(address, options=options)
        else:
            creds = grpc.ssl_channel_credentials(_read(ca_cert), _read(client_key),
                                                 _read(client_cert))
            if token:
                creds = grpc.composite_channel_credentials(
                    creds, grpc.access_token_call_credentials(token))
            self._channel = grpc.secure_channel(address, creds, options=options)
        self.stub = query_pb2_grpc.QueryServiceStub(self._channel)  # every RPC, raw
        self.timeout = timeout

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _call(self, method: str, request):
        try:
            return getattr(self.stub, method)(request, timeout=self.timeout)
        except grpc.RpcError as e:
            raise from_rpc_error(e) from None

    # ---- registry ----

    def parks(self, region: str = "") -> Iterator[Park]:
        """The parks whose county code starts with ``region`` (all by default)."""
        answer = self._call("ListParks", query_pb2.ListParksRequest(region_prefix=region))
        for p in answer.parks:
            yield _park(p)

    # ---- figures ----

    def park_report(self, park_id: str, period: PeriodLike) -> ParkReport:
        """A park's totals and industries in a period. NotFound: unknown park or no reports."""
        a = self._call("GetParkSnapshot", query_pb2.GetParkSnapshotRequest(
            park_id=park_id, period=_period(period)))
        s = a.snapshot
        return ParkReport(park=_park(a.park), period=_from_period(s.period),
                          month=_totals(s.month), year_to_date=_totals(s.year_to_date),
                          industries=_industries(s.industries), confidential=s.confidential)

    def region_report(self, period: PeriodLike, region: str = "", group: str = "",
                      level: str = "class") -> RegionReport:
        """The roll-up of a region (GB/T 2260 code; "" = all) or of a named park group."""
        a = self._call("GetRegionSnapshot", query_pb2.GetRegionSnapshotRequest(
            region_code=region, group=group, period=_period(period), level=_level(level)))
        return RegionReport(name=a.name, period=_from_period(_period(period)), parks=a.parks,
                            month=_totals(a.month), year_to_date=_totals(a.year_to_date),
                            industries=_industries(a.industries),
                            hhi=a.hhi if a.HasField("hhi") else None,
                            industry_cr5=a.industry_cr5 if a.HasField("industry_cr5") else None)

    def park_metrics(self, park_id: str, period: PeriodLike, reference: str = "system",
                     level: str = "class") -> ParkMetrics:
        """A park's growth, structure, land-efficiency and industry metrics in a period."""
        a = self._call("GetParkMetrics", query_pb2.GetParkMetricsRequest(
            park_id=park_id, period=_period(period), reference=_reference(reference),
            level=_level(level)))
        m = a.metrics
        s = m.snapshot
        return ParkMetrics(
            park=_park(a.park), period=_from_period(s.period),
            output_month=Money(s.month.gross_output.fen),
            output_ytd=Money(s.year_to_date.gross_output.fen),
            output_yoy=_opt(m, "output_yoy"), output_ytd_yoy=_opt(m, "output_ytd_yoy"),
            tax_ytd_yoy=_opt(m, "tax_ytd_yoy"), hhi=_opt(m, "hhi"),
            industry_cr5=_opt(m, "industry_cr5"), output_per_mu=_opt(m, "output_per_mu"),
            tax_per_mu=_opt(m, "tax_per_mu"), completeness=_opt(m, "completeness"),
            industries=[IndustryMetric(
                industry=i.industry, month_output=Money(i.month_output.fen),
                ytd_output=Money(i.ytd_output.fen), share=i.share, lq=_opt(i, "lq"),
                enterprises=i.enterprises, stage=i.stage.stage, confidential=i.confidential)
                for i in m.industry_metrics],
            raw=a)

    def industry_map(self, industry: str, period: PeriodLike, region: str = "",
                     level: str = "class", reference: str = "system") -> Iterator[IndustryMapEntry]:
        """The parks holding an industry (a GB/T 4754 division or class), strongest stage
        first, then by output."""
        a = self._call("GetIndustryMap", query_pb2.GetIndustryMapRequest(
            industry=industry, period=_period(period), region_prefix=region,
            level=_level(level), reference=_reference(reference)))
        for e in a.entries:
            yield IndustryMapEntry(park_id=e.park_id, park_name=e.park_name,
                                   industry=e.industry, ytd_output=Money(e.ytd_output.fen),
                                   lq=_opt(e, "lq"), enterprises=e.enterprises,
                                   stage=e.stage.stage, confidential=e.confidential)

    def rank(self, metric: str, period: PeriodLike, region: str = "", limit: int = 0,
             level: str = "class") -> Iterator[RankedPark]:
        """Parks ranked by ``metric`` (clusterwatch.types.METRIC_UNITS names them), largest
        first; ValueError for an unknown metric before any call."""
        unit = _metric_unit(metric)
        a = self._call("RankParks", query_pb2.RankParksRequest(
            metric=metric, region_prefix=region, period=_period(period), limit=limit,
            level=_level(level)))
        for r in a.parks:
            yield RankedPark(rank=r.rank, park_id=r.park_id, name=r.name,
                             value=r.value if r.HasField("value") else None, unit=unit,
                             grade=r.grade, confidential=r.confidential)

    def series(self, park_id: str, metric: str, first: PeriodLike, last: PeriodLike,
               level: str = "class") -> Iterator[SeriesPoint]:
        """One metric of a park from ``first`` to ``last`` (inclusive), periods with figures."""
        _metric_unit(metric)
        request = query_pb2.GetMetricSeriesRequest(park_id=park_id, metric=metric,
                                                   level=_level(level))
        # `from` is a Python keyword: set through getattr.
        getattr(request, "from").CopyFrom(_period(first))
        request.to.CopyFrom(_period(last))
        a = self._call("GetMetricSeries", request)
        for p in a.points:
            yield SeriesPoint(period=_from_period(p.period),
                              value=p.value if p.HasField("value") else None,
                              confidential=p.confidential)

    # ---- alerts ----

    @staticmethod
    def _filter(state: Optional[str], park_id: str, region: str, subject_kind: str):
        if state is not None and state not in _STATES:
            raise ValueError(f"state {state!r}: expected pending, firing or resolved")
        return query_pb2.AlertFilter(
            state=_STATES[state] if state else alerts_pb2.ALERT_STATE_UNSPECIFIED,
            park_id=park_id, region_prefix=region, subject_kind=subject_kind)

    def alerts(self, state: Optional[str] = None, park_id: str = "", region: str = "",
               subject_kind: str = "") -> Iterator[Alert]:
        """The current alerts, filtered."""
        a = self._call("ListAlerts", query_pb2.ListAlertsRequest(
            filter=self._filter(state, park_id, region, subject_kind)))
        for e in a.alerts:
            yield _alert(e)

    def watch_alerts(self, resume_token: str = "", state: Optional[str] = None,
                     park_id: str = "") -> Iterator[Alert]:
        """Every alert change from ``resume_token`` on (the beginning by default), then live,
        until the iterator is closed; each carries the token to resume after it."""
        request = query_pb2.WatchAlertsRequest(filter=self._filter(state, park_id, "", ""),
                                               resume_token=resume_token)
        stream = self.stub.WatchAlerts(request)
        try:
            for u in stream:
                yield _alert(u.event, u.resume_token)
        except grpc.RpcError as e:
            if e.code() != grpc.StatusCode.CANCELLED:
                raise from_rpc_error(e) from None
        finally:
            stream.cancel()
