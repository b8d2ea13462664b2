"""Evaluator and checker throughput (operations per second).

Usage: ``python benchmarks/bench_core.py [--repeat 3]``.  Measures the one evaluator on a
10^6-job J2 problem and a 10^5-node DAG problem (random DAG, a 60 % local prefix, all three
remote models), and the independent checker on the same timed schedules.  On a 10^5-job x
20-machine flow shop it measures the evaluator, the checker, the core's lower bound and what
:func:`offloadsched.solve` adds to a method's own time (re-scoring: evaluate, check, bound) for
``bb-flowshop`` with ``time_limit=2`` (``--flow-jobs`` / ``--flow-machines`` change the size).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _dags import random_dag

from offloadsched import FmProblem, J2Problem, check, evaluate, lower_bound, solve


def best_of(repeat: int, fn) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def solve_overhead(problem, repeat: int) -> float:
    """solve()'s own time on ``problem`` (its wall time minus the method's), best of ``repeat``."""
    spent = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = solve(problem, "bb-flowshop", time_limit=2)
        spent.append(time.perf_counter() - t0 - result.wall_time_s)
    return min(spent)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=1_000_000)
    ap.add_argument("--nodes", type=int, default=100_000)
    ap.add_argument("--flow-jobs", type=int, default=100_000)
    ap.add_argument("--flow-machines", type=int, default=20)
    args = ap.parse_args()
    rng = np.random.default_rng(1)
    rows = []
    j2 = J2Problem(rng.integers(0, 1000, args.jobs), rng.integers(0, 1000, args.jobs))
    order = rng.permutation(args.jobs)
    timing = evaluate(j2, order)
    ops = len(timing)
    rows.append((f"J2 n={args.jobs}", "evaluate", ops, best_of(args.repeat, lambda: evaluate(j2, order))))
    rows.append((f"J2 n={args.jobs}", "check", ops, best_of(args.repeat, lambda: check(j2, timing))))
    for model in ("negligible", "serial", "parallel"):
        dag = random_dag(args.nodes, remote_model=model)
        loc = dag.local_nodes
        t = evaluate(dag, loc)
        rows.append((f"D nodes={args.nodes} {model}", "evaluate", len(t),
                     best_of(args.repeat, lambda dag=dag, loc=loc: evaluate(dag, loc))))
        rows.append((f"D nodes={args.nodes} {model}", "check", len(t),
                     best_of(args.repeat, lambda dag=dag, t=t: check(dag, t))))
    fm = FmProblem(rng.integers(1, 100, size=(args.flow_jobs, args.flow_machines)))
    name = f"Fm n={args.flow_jobs} m={args.flow_machines}"
    fm_order = rng.permutation(args.flow_jobs)
    fm_timing = evaluate(fm, fm_order)
    ops = len(fm_timing)
    rows.append((name, "evaluate", ops, best_of(args.repeat, lambda: evaluate(fm, fm_order))))
    rows.append((name, "check", ops, best_of(args.repeat, lambda: check(fm, fm_timing))))
    rows.append((name, "bound", ops, best_of(args.repeat, lambda: lower_bound(fm))))
    rows.append((name, "solve()", ops, solve_overhead(fm, args.repeat)))
    print(f"{'problem':32s} {'step':9s} {'operations':>11s} {'seconds':>9s} {'ops/s':>12s}")
    for name, step, n_ops, sec in rows:
        print(f"{name:32s} {step:9s} {n_ops:>11d} {sec:>9.3f} {n_ops / sec:>12.3g}")


if __name__ == "__main__":
    main()
