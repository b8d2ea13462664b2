"""MIP models: mip-path (CBC vs HiGHS) on random 3-machine flow shops, mip-joint-chain on AlexNet jobs.

Usage: ``python benchmarks/bench_mip.py [--sizes 10 20 30 50] [--solvers cbc highs] [--time-limit 120]
[--jobs 30] [--target 10] [--seed 0]``.  For each size and backend it prints the status, makespan,
proven bound, gap and wall time of ``mip-path`` (warm-started from NEH when ``neh`` is
registered), then the same for ``mip-joint-chain`` on ``--jobs`` identical AlexNet jobs
(rpi4 + gtx1080 over 4G), flagging a wall time above ``--target`` seconds.
"""

from __future__ import annotations

import argparse

import numpy as np

from offloadsched import FmProblem, JointProblem, solve


def random_f3(n: int, seed: int) -> FmProblem:
    """Uniform 1..100 times on three machines (``offloadsched.instances.generators.random_fm`` when available)."""
    try:
        from offloadsched.instances.generators import random_fm

        return random_fm(n, m=3, seed=seed)
    except ImportError:
        return FmProblem(np.random.default_rng(seed).integers(1, 101, size=(n, 3)))


def row(name: str, solver: str, r, target: float | None = None) -> str:
    gap = "" if r.bound is None or not r.makespan else f"{(r.makespan - r.bound) / r.makespan:7.2%}"
    slow = "  > target" if target is not None and r.wall_time_s > target else ""
    return (f"{name:30s} {solver:6s} {r.status:9s} {r.makespan if r.makespan is not None else '-':>10} "
            f"{r.bound if r.bound is not None else '-':>10} {gap:>8s} {r.wall_time_s:8.2f}{slow}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10, 20, 30, 50])
    ap.add_argument("--solvers", nargs="+", default=["cbc", "highs"])
    ap.add_argument("--time-limit", type=float, default=120.0)
    ap.add_argument("--jobs", type=int, default=30, help="identical AlexNet jobs for mip-joint-chain (0: skip)")
    ap.add_argument("--target", type=float, default=10.0, help="seconds allowed for mip-joint-chain")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    print(f"{'instance':30s} {'solver':6s} {'status':9s} {'makespan':>10s} {'bound':>10s} {'gap':>8s} {'seconds':>8s}")
    for n in args.sizes:
        problem = random_f3(n, args.seed)
        for solver in args.solvers:
            r = solve(problem, "mip-path", time_limit=args.time_limit, solver=solver)
            print(row(f"mip-path F3 n={n}", solver, r), flush=True)
    if args.jobs:
        try:
            from offloadsched.instances import get_model
            from offloadsched.instances.platforms import make_platform

            problem = JointProblem([get_model("alexnet")] * args.jobs, make_platform("rpi4", "gtx1080", "4g"))
        except (ImportError, KeyError, ValueError) as exc:
            print(f"mip-joint-chain skipped: the zoo is not available ({exc})")
            return
        for solver in args.solvers:
            r = solve(problem, "mip-joint-chain", time_limit=args.time_limit, solver=solver)
            print(row(f"mip-joint-chain alexnet x{args.jobs}", solver, r, args.target), flush=True)
        r = solve(problem, "relaxation")
        print(row(f"relaxation alexnet x{args.jobs}", "scipy", r))


if __name__ == "__main__":
    main()
