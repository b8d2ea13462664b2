"""Taillard's flow-shop classes 20x5 (ta001-ta010), 20x10 (ta011-ta020), 20x20 (ta021-ta030) and 50x5
(ta031-ta040): our makespan, status and time beside the published optimum (for the lead; not part of
the tests).

Targets (issues 17 and 26, 2 workers):

* ``bb-flowshop``: every 50x5 proven optimal in < 60 s, every 20x5 in < 10 s, at least 6 of the
  ten 20x10 within 900 s, at least 5 of the ten 20x20 within 900 s each (the 20x20 class is not in
  the default ``--classes``: up to 2.5 hours);
* ``ig``: within 0.5 % of the best known (published) makespan on every instance in 10 s;
* ``cpsat-flowshop`` (2 workers, 60 s): reported beside them, no target.

Usage::

    python benchmarks/bench_taillard.py                          # 20x5, 50x5, 20x10: bb-flowshop + ig + cpsat
    python benchmarks/bench_taillard.py --classes 20x20 --methods bb-flowshop   # the 20x20 proofs
    python benchmarks/bench_taillard.py --classes 20x10          # one class
    python benchmarks/bench_taillard.py --methods bb-flowshop    # one method (bb-flowshop, ig, cpsat-flowshop, neh)
    python benchmarks/bench_taillard.py --instances ta017,ta031  # named instances
    python benchmarks/bench_taillard.py --json out.json          # also write the rows

The same instances run as the benchmark suite ``taillard`` (``offloadsched bench --suite taillard``),
whose report has the same table.  Instances come from ``offloadsched.instances.generators`` (Taillard's generator
and published time seeds).
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import pandas as pd

from offloadsched import solve
from offloadsched.report.published_optima import COLUMNS, optima_blocks
from offloadsched.report.render import Document, to_markdown

CLASSES = {"20x5": range(1, 11), "20x10": range(11, 21), "20x20": range(21, 31), "50x5": range(31, 41)}
#: (method, class) -> (time limit in s, target in s or None); default time limit per method below
TARGETS = {("bb-flowshop", "20x5"): (60, 10), ("bb-flowshop", "50x5"): (60, 60), ("bb-flowshop", "20x10"): (900, 900),
           ("bb-flowshop", "20x20"): (900, 900)}
LIMITS = {"bb-flowshop": 60, "cpsat-flowshop": 60, "ig": 10, "neh": None}
IG_GAP = 0.005


def run(name: str, cls: str, method: str, workers: int) -> dict:
    from offloadsched.instances.generators import TAILLARD, taillard_instance

    problem = taillard_instance(name)
    limit, target = TARGETS.get((method, cls), (LIMITS[method], None))
    opts = {"workers": workers} if method in ("cpsat-flowshop", "bb-flowshop") else {}
    t0 = time.perf_counter()
    res = solve(problem, method, time_limit=limit, **opts)
    wall = time.perf_counter() - t0
    published = TAILLARD[name][3]
    if method == "ig":
        met = res.makespan <= (1 + IG_GAP) * published
    elif target is not None:
        met = res.status == "optimal" and wall <= target
    else:
        met = None
    row = {"instance": name, "class": cls, "published": published, "method": method, "status": res.status,
           "makespan": res.makespan, "bound": res.bound, "wall_time": round(wall, 3), "target_s": target,
           "met": met, "nodes": res.info.get("nodes"), "explored": res.info.get("explored"),
           "time_to_best_s": res.info.get("time_to_best_s")}
    extra = (f" best after {row['time_to_best_s']:.2f} s" if row["time_to_best_s"] is not None else
             f" {row['nodes']:,} nodes" if row["nodes"] is not None else "")
    print(f"{name:<6} {cls:<5} {method:<15} {res.status:<9} {res.makespan:>6} published {published:>5} "
          f"bound {res.bound if res.bound is not None else '-'!s:>5} {wall:8.2f} s "
          f"{'' if met is None else ('ok' if met else 'MISSED')}{extra}", flush=True)
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--classes", default="20x5,50x5,20x10", help="comma-separated among " + ", ".join(CLASSES))
    ap.add_argument("--instances", default=None, help="comma-separated names (ta001 ..), overriding --classes")
    ap.add_argument("--methods", default="bb-flowshop,ig,cpsat-flowshop")
    ap.add_argument("--workers", type=int, default=2, help="CP-SAT and bb-flowshop workers (default 2)")
    ap.add_argument("--json", default=None, help="also write the rows to this JSON file")
    args = ap.parse_args(argv)
    methods = args.methods.split(",")
    bad = [m for m in methods if m not in LIMITS]
    if bad:
        print(f"unknown method(s) {bad}; known: {', '.join(LIMITS)}", file=sys.stderr)
        return 2
    cases = []
    for cls in args.classes.split(","):
        if cls not in CLASSES:
            print(f"unknown class {cls!r}; known: {', '.join(CLASSES)}", file=sys.stderr)
            return 2
        cases += [(f"ta{i:03d}", cls) for i in CLASSES[cls]]
    if args.instances:
        want = set(args.instances.lower().split(","))
        by_name = {f"ta{i:03d}": c for c, r in CLASSES.items() for i in r}
        unknown = want - set(by_name)
        if unknown:
            print(f"unknown instance(s) {sorted(unknown)}; known: ta001-ta040", file=sys.stderr)
            return 2
        cases = [(n, by_name[n]) for n in sorted(want)]
    rows = [run(name, cls, method, args.workers) for name, cls in cases for method in methods]
    df = pd.DataFrame(rows)
    print()
    print(to_markdown(Document("Taillard", optima_blocks(df[COLUMNS], level=1)), "."))
    for (cls, method), g in df.groupby(["class", "method"], sort=False):
        if g["met"].notna().any():
            print(f"{cls:<5} {method:<15} target met on {int(g['met'].sum())}/{len(g)}; "
                  f"proven {int((g['status'] == 'optimal').sum())}/{len(g)}; max time {g['wall_time'].max():.2f} s")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=1, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
