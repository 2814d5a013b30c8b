"""Asks the query service through the installed `clusterwatch` Python package (nothing else
of the repository is imported) and prints what it answered as JSON, for
test_python_client.py to compare with ground truth. Run with the package's venv Python:
python pyclient_probe.py ADDRESS PERIOD_KEY REGION"""
import json
import sys

import clusterwatch
from clusterwatch import Client, Period

MONEY = ["gross_output", "sales_output", "export_delivery", "total_tax", "vat",
         "corporate_income_tax"]
COUNTS = ["employees", "output_reporters", "tax_reporters"]


def totals(t):
    d = {f: getattr(t, f).fen for f in MONEY}
    d.update({f: getattr(t, f) for f in COUNTS})
    return d


def main(address, key, region):
    period = Period.parse(key)
    out = {"reports": {}, "parks": [], "errors": {}}
    with Client(address, timeout=10) as cw:
        for park in cw.parks():
            out["parks"].append({"id": park.id, "name": park.name,
                                 "county_code": park.county_code, "area_mu": park.area_mu})
            try:
                r = cw.park_report(park.id, period)
            except clusterwatch.NotFound:
                continue
            assert r.period == period and r.park.id == park.id
            out["reports"][park.id] = {
                "month": totals(r.month), "ytd": totals(r.year_to_date),
                "industries": {i.industry: i.month.gross_output.fen for i in r.industries},
                # exact 万元 as text, to check the Decimal against fen
                "ytd_wan": str(r.year_to_date.gross_output.wan)}
        out["rank"] = [{"park_id": p.park_id, "value": p.value, "unit": p.unit}
                       for p in cw.rank("output_ytd", key) if p.value is not None]
        reg = cw.region_report(period, region=region)
        out["region"] = {"parks": reg.parks, "month": totals(reg.month),
                         "ytd": totals(reg.year_to_date),
                         "industries": {i.industry: i.month.gross_output.fen
                                        for i in reg.industries}}
        first = min(out["reports"])
        out["series"] = {"park": first, "points": {
            p.period.key: p.value for p in cw.series(first, "output_ytd", Period(period.year, 2, True), period)}}
        m = cw.park_metrics(first, period)
        top = max(m.industries, key=lambda i: i.month_output.fen)
        out["metrics"] = {"park": first, "output_ytd": m.output_ytd.fen,
                          "output_month": m.output_month.fen, "top": top.industry,
                          "top_month": top.month_output.fen,
                          "map": {e.park_id: e.ytd_output.fen
                                  for e in cw.industry_map(top.industry, period)}}
        for name, call in [("unknown_park", lambda: cw.park_report("NOPE", period)),
                           ("unknown_metric", lambda: list(cw.rank("bogus", key)))]:
            try:
                call()
            except clusterwatch.ClusterwatchError as e:
                out["errors"][name] = [type(e).__name__, e.details]
            except ValueError as e:
                out["errors"][name] = ["ValueError", str(e)]
        out["alerts"] = sorted(a.state for a in cw.alerts())
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(*sys.argv[1:])
