"""A Python gRPC client of clusterwatch (grpcio) and the comparison with ground truth.

Used by the system tests and by scripts/demo.sh. Stubs are generated from proto/ at import
time into build/python (protoc with grpc_python_plugin), so this client shares no code with the C++
product: it is a real external client.

CLI: python3 tests/system/cwclient.py compare --sample DIR --query HOST:PORT [--wait SECONDS]
"""
import argparse
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GEN = os.path.join(os.environ.get("CW_BUILD_DIR", os.path.join(ROOT, "build")), "python")


def _generate():
    protos = sorted(
        os.path.join("clusterwatch", "v1", f)
        for f in os.listdir(os.path.join(ROOT, "proto", "clusterwatch", "v1"))
        if f.endswith(".proto"))
    stamp = os.path.join(GEN, ".stamp")
    newest = max(os.path.getmtime(os.path.join(ROOT, "proto", p)) for p in protos)
    if os.path.exists(stamp) and os.path.getmtime(stamp) >= newest:
        return
    os.makedirs(GEN, exist_ok=True)
    # Debian's protoc 3.21 with its gRPC Python plugin (grpc_tools bundles an older protoc
    # that lacks proto3 `optional`).
    subprocess.run(["protoc", "-I", os.path.join(ROOT, "proto"), f"--python_out={GEN}",
                    f"--grpc_python_out={GEN}", "--plugin=protoc-gen-grpc_python=" +
                    "/usr/bin/grpc_python_plugin", *protos], check=True)
    with open(stamp, "w"):
        pass


_generate()
sys.path.insert(0, GEN)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import grpc  # noqa: E402
from clusterwatch.v1 import query_pb2, query_pb2_grpc, types_pb2  # noqa: E402
import ground_truth  # noqa: E402

MONEY_FIELDS = ["gross_output", "sales_output", "export_delivery", "total_tax", "vat",
                "corporate_income_tax"]
COUNT_FIELDS = ["employees", "output_reporters", "tax_reporters"]


def period_proto(key):
    """'2024-03' or '2024-01/02' -> types_pb2.Period."""
    year, rest = key.split("-", 1)
    if rest == "01/02":
        return types_pb2.Period(year=int(year), month=2, jan_feb=True)
    return types_pb2.Period(year=int(year), month=int(rest))


def totals_dict(t):
    d = {f: getattr(t, f).fen for f in MONEY_FIELDS}
    d.update({f: getattr(t, f) for f in COUNT_FIELDS})
    return d


def snapshot_cell(snap):
    return {
        "month": totals_dict(snap.month),
        "ytd": totals_dict(snap.year_to_date),
        "industries": {i.industry: i.month.gross_output.fen for i in snap.industries
                       if i.month.gross_output.fen != 0},
    }


def expected_cell(cell):
    out = {"month": {k: cell["month"].get(k, 0) for k in MONEY_FIELDS + COUNT_FIELDS},
           "ytd": {k: cell["ytd"].get(k, 0) for k in MONEY_FIELDS + COUNT_FIELDS},
           "industries": {k: v for k, v in cell["industries"].items() if v != 0}}
    return out


class Client:
    def __init__(self, address, ca_pem=None, token=None):
        """Plaintext by default; with `ca_pem` (bytes) TLS verified against that CA, and with
        `token` the bearer token on every call."""
        if ca_pem is None:
            self.channel = grpc.insecure_channel(address)
        else:
            creds = grpc.ssl_channel_credentials(ca_pem)
            if token:
                creds = grpc.composite_channel_credentials(
                    creds, grpc.access_token_call_credentials(token))
            self.channel = grpc.secure_channel(address, creds)
        self.stub = query_pb2_grpc.QueryServiceStub(self.channel)

    def snapshot(self, park, period_key):
        # A rate-limited call (the secured services allow 50 calls/s per caller) is asked
        # again: it says nothing about the figures.
        request = query_pb2.GetParkSnapshotRequest(park_id=park, period=period_proto(period_key))
        while True:
            try:
                return self.stub.GetParkSnapshot(request, timeout=10)
            except grpc.RpcError as e:
                if e.code() != grpc.StatusCode.RESOURCE_EXHAUSTED:
                    raise
                time.sleep(0.2)

    def parks(self, region=""):
        return self.stub.ListParks(query_pb2.ListParksRequest(region_prefix=region), timeout=10)


def list_alerts(address, **filter_fields):
    """ListAlerts of the query service at `address` (plaintext), with an AlertFilter of
    `filter_fields`: the alerts as a list."""
    with grpc.insecure_channel(address) as ch:
        stub = query_pb2_grpc.QueryServiceStub(ch)
        request = query_pb2.ListAlertsRequest(filter=query_pb2.AlertFilter(**filter_fields))
        return list(stub.ListAlerts(request, timeout=10).alerts)


def differences(client, truth, limit=10):
    """Park-periods where the query answer differs from ground truth: list of strings."""
    diffs = []
    for park, periods in truth["parks"].items():
        for key, cell in periods.items():
            want = expected_cell(cell)
            try:
                got = snapshot_cell(client.snapshot(park, key).snapshot)
            except grpc.RpcError as e:
                diffs.append(f"{park} {key}: {e.code().name} {e.details()}")
            else:
                if got != want:
                    fields = [f"{part}.{k}: got {got[part].get(k)} want {want[part].get(k)}"
                              for part in ("month", "ytd") for k in want[part]
                              if got[part].get(k) != want[part].get(k)]
                    if got["industries"] != want["industries"]:
                        fields.append(f"industries: got {got['industries']} "
                                      f"want {want['industries']}")
                    diffs.append(f"{park} {key}: " + "; ".join(fields[:4]))
            if len(diffs) >= limit:
                return diffs
    return diffs


def wait_equal(client, truth, seconds):
    """Polls until the query service answers exactly the ground truth; returns the last
    differences (empty on success)."""
    deadline = time.time() + seconds
    while True:
        diffs = differences(client, truth)
        if not diffs or time.time() > deadline:
            return diffs
        time.sleep(1)


def main(argv=None):
    ap = argparse.ArgumentParser(description="compare the query service with ground truth")
    ap.add_argument("command", choices=["compare"])
    ap.add_argument("--sample", required=True)
    ap.add_argument("--query", default="127.0.0.1:50052")
    ap.add_argument("--wait", type=float, default=60)
    args = ap.parse_args(argv)
    truth = ground_truth.compute(args.sample)
    cells = sum(len(p) for p in truth["parks"].values())
    diffs = wait_equal(Client(args.query), truth, args.wait)
    if diffs:
        print(f"MISMATCH: {len(diffs)}+ of {cells} park-periods differ from ground truth:")
        for d in diffs:
            print("  " + d)
        return 1
    print(f"ground truth check: all {cells} park-periods of {len(truth['parks'])} parks equal "
          f"the independently computed totals, to the fen "
          f"({truth['accepted']['output']} output + {truth['accepted']['tax']} tax rows "
          f"accepted, {len(truth['rejected'])} rejected)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
