"""Optimal secondary suppression of the bundled sample's park x industry tables, against the
heuristic cw-query uses (common/disclosure/secondary.h), each period's table alone.

Reads the JSON lines `build/bench/disclosure_share FILE` writes (bench/disclosure_share.sh
does it): every grid cell of a period's table, margins as "*", with its value, protection
level P, whether a primary rule withholds it and whether the heuristic withheld it.

The model is secondary.h's own: the grid is a bipartite graph (its lines are the nodes, its
cells the edges), a withheld set protects a primary cell X exactly when X lies on a cycle of
withheld cells each worth at least P(X) (then X can move by +-P(X) along the cycle, and no
linear combination of published figures gives it); when no such cycle exists in the whole
table, any cycle (secondary.h's fallback, which still prevents exact disclosure). The optimum
is the fewest secondary cells that protect every primary cell: an integer program with one
binary per cell and, for each primary cell X = (u, v), the cut constraints "every cut that
separates u from v in X's usable cells is crossed by a withheld one", added lazily (the
classic formulation of optimal cell suppression, Fischetti and Salazar-Gonzalez, as tau-ARGUS
uses it, here for this protection model), solved with CBC through PuLP.

Usage: python optimal_suppression.py TABLES.jsonl   (prints a Markdown table per year)
"""
import collections
import json
import sys

import pulp


def node_pair(cell):
    return ("r", cell["row"]), ("c", cell["col"])


def usable(cells, x):
    """Cells that may sit on a protecting cycle of primary cell x (not x itself)."""
    strict = [c for c in cells if c is not x and c["value"] >= x["protection"]]
    u, v = node_pair(x)
    return strict if reachable(strict, u, lambda c: True).get(v) else \
        [c for c in cells if c is not x]


def reachable(edges, start, chosen):
    """Nodes reachable from start over the chosen edges (dict used as an ordered set)."""
    adj = collections.defaultdict(list)
    for e in edges:
        if chosen(e):
            a, b = node_pair(e)
            adj[a].append(b)
            adj[b].append(a)
    seen = {start: True}
    todo = [start]
    while todo:
        n = todo.pop()
        for m in adj[n]:
            if m not in seen:
                seen[m] = True
                todo.append(m)
    return seen


def protected(cells, withheld):
    """Primary cells that the withheld set leaves without a protecting cycle."""
    bad = []
    for x in cells:
        if not x["primary"]:
            continue
        u, v = node_pair(x)
        if v not in reachable(usable(cells, x), u, lambda c: id(c) in withheld):
            bad.append(x)
    return bad


def optimum(cells):
    """The fewest secondary cells (then the smallest value withheld) protecting every
    primary cell; returns the set of ids of withheld cells."""
    prob = pulp.LpProblem("suppression", pulp.LpMinimize)
    var = {id(c): pulp.LpVariable(f"x{i}", cat="Binary") for i, c in enumerate(cells)}
    total = sum(c["value"] for c in cells) or 1
    # Count first; value only breaks ties (the value term of all cells is below one cell).
    prob += pulp.lpSum(var[id(c)] * (1 + c["value"] / (2.0 * total))
                       for c in cells if not c["primary"])
    for c in cells:
        if c["primary"]:
            prob += var[id(c)] == 1
    usable_of = {id(x): usable(cells, x) for x in cells if x["primary"]}
    while True:
        prob.solve(pulp.PULP_CBC_CMD(msg=False))
        if pulp.LpStatus[prob.status] != "Optimal":
            raise SystemExit(f"CBC: {pulp.LpStatus[prob.status]}")
        withheld = {id(c) for c in cells if var[id(c)].value() > 0.5}
        added = 0
        for x in cells:
            if not x["primary"]:
                continue
            u, v = node_pair(x)
            edges = usable_of[id(x)]
            side = reachable(edges, u, lambda c: id(c) in withheld)
            if v in side:
                continue
            crossing = [c for c in edges if (node_pair(c)[0] in side) != (node_pair(c)[1] in side)]
            prob += pulp.lpSum(var[id(c)] for c in crossing) >= 1
            added += 1
        if added == 0:
            return withheld


def main():
    years = collections.defaultdict(lambda: collections.Counter())
    with open(sys.argv[1], encoding="utf-8") as f:
        for line in f:
            t = json.loads(line)
            cells = t["cells"]
            heuristic = {id(c) for c in cells if c["withheld"]}
            if protected(cells, heuristic):
                raise SystemExit(f"{t['period']}: the heuristic's cells do not protect every "
                                 "primary cell in this model")
            best = optimum(cells)
            assert not protected(cells, best)
            y = years[t["period"][:4]]
            y["periods"] += 1
            y["cells"] += len(cells)
            y["primary"] += sum(c["primary"] for c in cells)
            y["heuristic"] += sum(1 for c in cells if id(c) in heuristic and not c["primary"])
            y["optimal"] += sum(1 for c in cells if id(c) in best and not c["primary"])
            y["heuristic_value"] += sum(c["value"] for c in cells
                                        if id(c) in heuristic and not c["primary"])
            y["optimal_value"] += sum(c["value"] for c in cells
                                      if id(c) in best and not c["primary"])
    print("| year | periods | cells (margins included) | primary | secondary, heuristic |"
          " secondary, optimal | withheld in all, heuristic | optimal |"
          " secondary value, heuristic / optimal |")
    print("|---|---|---|---|---|---|---|---|---|")
    for year, y in sorted(years.items()):
        share = lambda n: f"{n} ({100.0 * n / y['cells']:.1f}%)"  # noqa: E731
        ratio = (f"{y['heuristic_value'] / y['optimal_value']:.2f}"
                 if y["optimal_value"] else "-")
        print(f"| {year} | {y['periods']} | {y['cells']} | {y['primary']} | {y['heuristic']} |"
              f" {y['optimal']} | {share(y['primary'] + y['heuristic'])} |"
              f" {share(y['primary'] + y['optimal'])} | {ratio} |")


if __name__ == "__main__":
    main()
