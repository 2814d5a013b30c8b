#!/usr/bin/env bash
# disclosure_share.sh — the share of park × industry cells disclosure control withholds on
# the bundled sample, each period protected alone (as before) and with the year's
# suppressions carried forward (as cw-query does now), and how many withheld figures
# differencing across periods (YTD − month) derives in each case.
#
# Runs scripts/demo.sh (broker, services, the sample), exports every park-period's firms
# (year to date per enterprise and class, read as an admin) and feeds them to
# build/bench/disclosure_share; prints a Markdown table and stops the stack. Then the optimum:
# bench/optimal_suppression.py (PuLP/CBC from `scripts/tools.sh benchvenv`) finds the fewest
# secondary suppressions that protect each period's table in the heuristic's own model, and a
# second table sets them beside the heuristic's.
# Usage: bench/disclosure_share.sh [OUT.md]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${CW_BUILD_DIR:-$ROOT/build}"
OUT="${1:-}"
"$ROOT/scripts/demo.sh" >/dev/null
trap '"$ROOT/scripts/demo.sh" stop >/dev/null 2>&1 || true' EXIT
tsv="$(mktemp)"
/usr/bin/python3 - "$tsv" "$ROOT/tests/system" <<'PY'
import sys
sys.path.insert(0, sys.argv[2])
import grpc
import cwclient
c = cwclient.Client("127.0.0.1:50052")
keys = [k for y in (2023, 2024) for k in [f"{y}-01/02"] + [f"{y}-{m:02d}" for m in range(3, 13)]]
with open(sys.argv[1], "w") as out:
    for park in c.parks().parks:
        for key in keys:
            try:
                s = c.snapshot(park.id, key).snapshot
            except grpc.RpcError as e:
                if e.code() == grpc.StatusCode.NOT_FOUND:
                    continue
                raise
            for f in s.firms:
                out.write(f"{key}\t{park.id}\t{f.industry}\t{f.uscc}\t"
                          f"{f.gross_output_ytd.fen}\n")
PY
grids="$(mktemp)"
table="$("$BUILD/bench/disclosure_share" "$grids" < "$tsv")"
rm -f "$tsv"
echo "$table"
bench_python="$("$ROOT/scripts/tools.sh" benchvenv)"
optimal="$("$bench_python" "$ROOT/bench/optimal_suppression.py" "$grids")"
rm -f "$grids"
echo
echo "$optimal"
if [ -n "$OUT" ]; then
  { echo "# Disclosure control on the bundled sample, $(date -u +%Y-%m-%d)"; echo
    echo "bench/disclosure_share.sh: default rules (threshold 3 enterprises, dominance of the 2 largest above 85%, p 10%)."
    echo; echo "$table"
    echo; echo "Secondary suppression of each period's table alone: secondary.h's cheapest-cycle heuristic against the optimum in the same protection model (bench/optimal_suppression.py; PuLP/CBC integer program with lazy cut constraints):"
    echo; echo "$optimal"; } > "$OUT"
fi
