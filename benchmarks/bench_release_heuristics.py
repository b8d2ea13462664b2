"""Heuristics with release times against the release-aware lower bound (issue 25 part 3).

Usage: ``python benchmarks/bench_release_heuristics.py [--instances 60] [--jobs 30] [--load 0.9]``.

Flow shops: random J2 and F3 instances (times 1..99, seeded) whose jobs arrive uniformly over
``load`` x the first machine's total work.  For Johnson (J2), EJA (F3), NEH and IG (50 iterations)
it prints the mean and largest gap to :func:`offloadsched.lower_bound` of the release-aware method
and of the same method run without the release times (its order then waiting for every release).
Joint problems: 20 GoogLeNet or ResNet-18 jobs on rpi4 + GTX 1080 over 3G / 4G / Wi-Fi, arriving
every 0.9 x (local-only time / 20); the best of po, jps, hps, lo and co against
:func:`offloadsched.bounds.joint_lower_bound` (an upper limit of the gap).  Gaps are deterministic;
the seconds are rough.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from offloadsched import FmProblem, J2Problem, JointProblem, evaluate, lower_bound, solve
from offloadsched.bounds import joint_lower_bound
from offloadsched.instances.platforms import make_platform
from offloadsched.instances.zoo import googlenet, resnet18


def flow_gaps(instances: int, jobs: int, load: float) -> None:
    rng = np.random.default_rng(0)
    gaps: dict[str, list[tuple[float, float]]] = {}
    for k in range(instances):
        m = 2 if k % 2 == 0 else 3
        t = rng.integers(1, 100, (jobs, m))
        release = rng.integers(0, max(1, int(t[:, 0].sum() * load)), jobs)
        p = J2Problem(t[:, 0], t[:, 1], release=release) if m == 2 else FmProblem(t, release=release)
        lb = lower_bound(p)
        for method in ("johnson" if m == 2 else "eja", "neh", "ig"):
            options = {"iterations": 50} if method == "ig" else {}
            aware = solve(p, method, **options).makespan
            blind = evaluate(p, solve(p.with_release(None), method, **options).schedule).makespan
            gaps.setdefault(method, []).append((aware / lb - 1, blind / lb - 1))
    print(f"flow shops: {instances} instances of {jobs} jobs arriving over {load:g} x machine 1's work")
    print(f"{'method':10} {'aware mean':>11} {'aware max':>10} {'blind mean':>11} {'blind max':>10}")
    for method, rows in gaps.items():
        a = np.array(rows)
        print(f"{method:10} {a[:, 0].mean():11.1%} {a[:, 0].max():10.1%} {a[:, 1].mean():11.1%} {a[:, 1].max():10.1%}")


def joint_gaps() -> None:
    print("\njoint: 20 jobs, best heuristic (po, jps, hps, lo, co) vs joint_lower_bound")
    for net in (googlenet(), resnet18()):
        for network in ("3g", "4g", "wifi"):
            jp0 = JointProblem([net] * 20, make_platform("rpi4", "gtx1080", network))
            every = solve(jp0, "lo").makespan * 0.9 / 20
            jp = jp0.with_release([int(k * every) for k in range(20)])
            t0 = time.perf_counter()
            bound = joint_lower_bound(jp)
            spent = time.perf_counter() - t0
            best = min((solve(jp, m).makespan, m) for m in ("po", "jps", "hps", "lo", "co"))
            gap = best[0] / bound - 1
            print(f"{net.name:10} {network:5} best {best[1]:4} gap <= {gap:6.1%}  (bound {spent:.2f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", type=int, default=60)
    parser.add_argument("--jobs", type=int, default=30)
    parser.add_argument("--load", type=float, default=0.9)
    args = parser.parse_args()
    flow_gaps(args.instances, args.jobs, args.load)
    joint_gaps()


if __name__ == "__main__":
    main()
