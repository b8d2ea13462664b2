"""Running times of the heuristics (seconds of the method alone, best of ``--repeat``).

Usage: ``python benchmarks/bench_heuristics.py [--repeat 3] [--scale 1.0] [--no-tenfold]``.

Cases (target: each under 2 s at scale 1): Johnson on a 10^6-job J2; NEH on n = 500 jobs with
m = 3 and m = 20 machines; tree-merge on a random 10^5-node out-tree (random recursive tree,
every leaf and 10 % of the inner nodes upload); topo-johnson on a 10^5-node random DAG; JPS and
HPS on 100 identical GoogLeNet jobs (``instances`` zoo, rpi4 + gtx1080 over 4G).  Each case is
also timed at 10x its size, except NEH (O(n^2 m): 10x the jobs is 100x the time).  ``--scale``
multiplies every size (``--scale 0.01`` is a quick smoke run).
"""

from __future__ import annotations

import argparse
import time

import _dags
import numpy as np

from offloadsched import DagProblem, FmProblem, J2Problem, JointProblem, evaluate, get_method, identical_jobs

LIMIT_S = 2.0


def random_out_tree(n: int, seed: int = 0) -> DagProblem:
    """Random recursive tree of ``n`` local nodes; leaves and 10 % of inner nodes upload to a remote child."""
    rng = np.random.default_rng(seed)
    parent = np.r_[-1, (rng.random(n - 1) * np.arange(1, n)).astype(np.int64)] if n > 1 else np.array([-1])
    is_leaf = np.ones(n, dtype=bool)
    is_leaf[parent[parent >= 0]] = False
    uploads = np.flatnonzero(is_leaf | (rng.random(n) < 0.1))
    preds = [[int(p)] if p >= 0 else [] for p in parent] + [[int(v)] for v in uploads]
    size = n + len(uploads)
    return DagProblem(f=np.r_[rng.integers(1, 1000, n), np.zeros(len(uploads), np.int64)],
                      u=rng.integers(1, 1000, size), r=np.zeros(size, np.int64),
                      local=np.arange(size) < n, preds=preds, name=f"out-tree {n}")


def random_dag(n: int, seed: int = 0) -> DagProblem:
    """Random DAG (1-2 predecessors among the 50 previous nodes), the first 60 % local, no remote time."""
    return _dags.random_dag(n, seed, low=1, remote_high=0)


def googlenet_jobs(n: int) -> JointProblem:
    from offloadsched.instances import get_model
    from offloadsched.instances.platforms import make_platform

    return JointProblem(identical_jobs(get_model("googlenet"), n), make_platform("rpi4", "gtx1080", "4g"))


def cases(scale: float, tenfold: bool):
    """(method, label, size, builder) for every case."""
    def s(x: int) -> int:
        return max(2, int(x * scale))

    rng = np.random.default_rng(1)
    out = []
    for k in (1, 10) if tenfold else (1,):
        n = s(1_000_000 * k)
        out.append(("johnson", "J2", n, lambda n=n: J2Problem(rng.integers(0, 10**6, n), rng.integers(0, 10**6, n))))
    for m in (3, 20):
        n = s(500)
        out.append(("neh", f"Fm m={m}", n, lambda n=n, m=m: FmProblem(rng.integers(1, 100, (n, m)))))
    for k in (1, 10) if tenfold else (1,):
        n = s(100_000 * k)
        out.append(("tree-merge", "random out-tree", n, lambda n=n: random_out_tree(n)))
        out.append(("topo-johnson", "random DAG", n, lambda n=n: random_dag(n)))
    for k in (1, 10) if tenfold else (1,):
        jobs = max(1, int(100 * k * scale))
        for method in ("jps", "hps"):
            out.append((method, "GoogLeNet jobs @4G", jobs, lambda jobs=jobs: googlenet_jobs(jobs)))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every size (0.01 = smoke test)")
    ap.add_argument("--no-tenfold", dest="tenfold", action="store_false", help="skip the 10x sizes")
    args = ap.parse_args()
    print(f"{'method':13s} {'instance':20s} {'size':>9s} {'seconds':>9s} {'makespan':>14s}  under {LIMIT_S:g} s")
    for method, label, size, build in cases(args.scale, args.tenfold):
        problem = build()
        fn = get_method(method).load()
        best = float("inf")
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            out = fn(problem)
            best = min(best, time.perf_counter() - t0)
        scored = out.problem if out.problem is not None else problem
        ms = evaluate(scored, out.schedule).makespan
        print(f"{method:13s} {label:20s} {size:>9d} {best:>9.3f} {ms:>14d}  {'yes' if best < LIMIT_S else 'NO'}",
              flush=True)


if __name__ == "__main__":
    main()
