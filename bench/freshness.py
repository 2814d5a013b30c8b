#!/usr/bin/env python3
"""Freshness: how long after a push a figure is visible in the query service.

Starts a stack on a fresh single-node broker (tests/system/harness.py: cw-ingest,
cw-aggregator, cw-query, cw-alerter from $CW_BUILD_DIR), loads one park with 20 enterprises,
then ROUNDS times pushes one output report (a new revision with a new value) with
`clusterctl push` and polls GetParkSnapshot every 2 ms until the park's month gross output
is the new total. Reports, per round, the time from the push's start and from its
acknowledgement (clusterctl returned) to the figure being served; prints the median and
p90 as one JSON line, and a line per round with -v.

Usage: CW_BUILD_DIR=build bench/freshness.py [--rounds=40] [--label=NAME] [-v]
Run it for two builds in the same session to compare (bench/freshness.sh does).
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "system"))

from harness import Stack, uscc, write_rows  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=40)
    ap.add_argument("--label", default=os.environ.get("CW_BUILD_DIR", "build"))
    ap.add_argument("-v", action="store_true")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="cw-freshness-")
    stack = Stack(work).start()
    try:
        county, park, n = "321282", "PF1", 20
        parks = ["park_id,name,county_code,area_mu,level,leading_industries,groups",
                 f"{park},园区{park},{county},20000,provincial,3041,"]
        ents = ["uscc,name,park_id,industry,above_size"]
        out = ["uscc,park_id,industry,period,unit,gross_output,revision"]
        firms = [uscc(county, i + 1, "MF") for i in range(n)]
        for i, u in enumerate(firms):
            ents.append(f"{u},企业{i},{park},3041,1")
            out.append(f"{u},{park},3041,2024-03,元,1000,1")
        client = stack.load(parks, ents, {"base.csv": out})
        base_total = 1000 * 100 * n  # fen
        from_start, from_ack = [], []
        for r in range(args.rounds):
            value = 2000 + r  # yuan: the first enterprise's new figure
            want = base_total - 1000 * 100 + value * 100
            path = os.path.join(work, f"round-{r}.csv")
            write_rows(path, ["uscc,park_id,industry,period,unit,gross_output,revision",
                              f"{firms[0]},{park},3041,2024-03,元,{value},{r + 2}"])
            t0 = time.monotonic()
            res = stack.ctl("push", path)
            t_ack = time.monotonic()
            assert " 1 accepted" in res.stdout, res.stdout
            deadline = t0 + 30
            while True:
                snap = client.snapshot(park, "2024-03").snapshot
                if snap.month.gross_output.fen == want:
                    break
                if time.monotonic() > deadline:
                    raise SystemExit(f"round {r}: figure not visible after 30 s")
                time.sleep(0.002)
            t_vis = time.monotonic()
            from_start.append(t_vis - t0)
            from_ack.append(t_vis - t_ack)
            if args.v:
                print(f"round {r}: push {t_ack - t0:.3f} s, visible {t_vis - t0:.3f} s after "
                      f"the push began, {t_vis - t_ack:.3f} s after its ack", file=sys.stderr)
            time.sleep(0.2)  # idle between pushes, as a bureau's pushes are

        def q(xs, p):
            return round(sorted(xs)[min(len(xs) - 1, int(p * len(xs)))], 3)
        print(json.dumps({"label": args.label, "rounds": args.rounds,
                          "from_push_start_s": {"median": round(statistics.median(from_start), 3),
                                                "p90": q(from_start, 0.9)},
                          "from_ack_s": {"median": round(statistics.median(from_ack), 3),
                                         "p90": q(from_ack, 0.9)}}))
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
