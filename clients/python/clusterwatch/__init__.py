"""Python client of clusterwatch's query service.

    import clusterwatch
    with clusterwatch.Client("127.0.0.1:50052") as cw:
        report = cw.park_report("P321282A", "2024-12")
        print(report.year_to_date.gross_output)        # 4,538,603.02 万元

Money is exact (clusterwatch.Money: fen, with .wan and .yuan as Decimal), periods are
clusterwatch.Period, failed calls raise clusterwatch.errors exceptions. The generated
protobuf and gRPC modules are clusterwatch.v1.*_pb2 / *_pb2_grpc; Client.stub calls any RPC.
"""
from clusterwatch.errors import (ClusterwatchError, DeadlineExceeded, InvalidArgument, NotFound,
                                 PermissionDenied, ResourceExhausted, Unauthenticated,
                                 Unavailable)
from clusterwatch.types import (METRIC_UNITS, Alert, IndustryFigures, IndustryMapEntry,
                                IndustryMetric, Money, Park, ParkMetrics, ParkReport, Period,
                                RankedPark, RegionReport, SeriesPoint, Totals)
from clusterwatch.client import Client

__version__ = "0.1.0"
__all__ = ["Client", "Period", "Money", "Totals", "IndustryFigures", "Park", "ParkReport",
           "RegionReport", "ParkMetrics", "IndustryMetric", "IndustryMapEntry", "RankedPark", "SeriesPoint", "Alert", "METRIC_UNITS",
           "ClusterwatchError", "NotFound", "InvalidArgument", "Unauthenticated",
           "PermissionDenied", "Unavailable", "ResourceExhausted", "DeadlineExceeded"]
