#!/usr/bin/env bash
# disclosure_share.sh — the share of park × industry cells disclosure control withholds on
# the bundled sample, each period protected alone (as before) and with the year's
# suppressions carried forward (as cw-query does now), and how many withheld figures
# differencing across periods (YTD − month) derives in each case.
#
# Runs scripts/demo.sh (broker, services, the sample), exports every park-period's firms
# (year to date per enterprise and class, read as an admin) and feeds them to
# build/bench/disclosure_share; prints a Markdown table and stops the stack.
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
table="$("$BUILD/bench/disclosure_share" < "$tsv")"
rm -f "$tsv"
echo "$table"
if [ -n "$OUT" ]; then
  { echo "# Disclosure control on the bundled sample, $(date -u +%Y-%m-%d)"; echo
    echo "bench/disclosure_share.sh: default rules (threshold 3 enterprises, dominance of the 2 largest above 85%, p 10%)."
    echo; echo "$table"; } > "$OUT"
fi
