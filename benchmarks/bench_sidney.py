"""Running times of the series-parallel decomposition and Sidney-Monma, and what its bounds do
for CP-SAT on RandWire-like DAGs.

Usage: ``python benchmarks/bench_sidney.py [--scale 1.0] [--repeat 1] [--no-tenfold] [--no-cpsat]
[--cpsat-limit 30]``.

Timing cases, each with its target at scale 1 (wall seconds of ``sidney`` itself, decomposition
included; ``solve()`` adds the evaluator, the checker and the core bounds and is shown beside it,
as is the decomposition alone):

* a 10^5-layer chain and a random 10^5-layer out-tree (random recursive tree): < 1 s each;
* the same at 10^6 layers: < 10 s each;
* 100 GoogLeNet jobs (``instances`` zoo, rpi4 + gtx1080 over 4G, JPS partitions when ``jps`` is
  registered, else a cut after the middle layer): < 0.5 s; and 1000 jobs (10x).

About 30 % of the layers are cut-points (they feed a remote sink).  ``--scale`` multiplies the
sizes (``--scale 0.01`` is a smoke run).

CP-SAT experiment (when ``cpsat-dagshop`` is registered): on small RandWire-like DAGs (one
Watts-Strogatz random stage of RandWire, all of it local, random times with both machines about
equally loaded) ``sidney(bounds=True)`` gives a lower bound (series-parallel relaxation) and a
schedule (series-parallel extension); CP-SAT runs once plain and once with ``hint_schedule`` and
``lower_bound`` from it, and the table shows the time to proof (or the status at the limit).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from offloadsched import DagProblem, JointProblem, Partition, solve
from offloadsched.formulations.sidney import sidney
from offloadsched.registry import unavailable
from offloadsched.sp import analyze


def available(method: str) -> bool:
    """Whether ``method`` is registered and its module imports."""
    return unavailable(method) is None


def local_problem(preds: list[list[int]], seed: int = 0, cut_share: float = 0.3, u_high: int = 1000) -> DagProblem:
    """All of ``preds`` local; a random ``cut_share`` of the layers upload to one remote sink."""
    n = len(preds)
    rng = np.random.default_rng(seed)
    cuts = np.flatnonzero(rng.random(n) < cut_share).tolist()
    f = np.append(rng.integers(0, 1000, n), 0)
    u = np.append(rng.integers(0, u_high, n), 0)
    return DagProblem(f=f, u=u, r=np.zeros(n + 1, dtype=np.int64), local=[True] * n + [False],
                      preds=list(preds) + [cuts], name=f"n{n}")


def chain(n: int) -> list[list[int]]:
    return [[]] + [[v - 1] for v in range(1, n)]


def out_tree(n: int, seed: int = 0) -> list[list[int]]:
    rng = np.random.default_rng(seed)
    parents = (rng.random(n) * np.arange(n)).astype(np.int64).tolist()  # uniform among earlier nodes
    return [[]] + [[parents[v]] for v in range(1, n)]


def googlenet_jobs(k: int) -> DagProblem | None:
    try:
        from offloadsched.instances.platforms import make_platform
        from offloadsched.instances.zoo import get_model
    except ImportError:
        return None
    dnn = get_model("googlenet")
    joint = JointProblem([dnn] * k, make_platform("rpi4", "gtx1080", "4g"))
    if available("jps"):
        parts = solve(joint, "jps").partitions
    else:
        parts = [Partition.upto(dnn, [dnn.names[len(dnn) // 2]])] * k
    return joint.dag(parts)


def timed(fn, repeat: int) -> tuple[float, float, object]:
    """Best wall time, best CPU time (``process_time``: less noisy on a shared machine), result."""
    best, cpu, out = float("inf"), float("inf"), None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        best, cpu = min(best, time.perf_counter() - t0), min(cpu, time.process_time() - c0)
    return best, cpu, out


def time_case(name: str, problem: DagProblem, target: float, repeat: int) -> None:
    local = problem.local_nodes.tolist()
    t_dec, _, _ = timed(lambda: analyze(local, problem.preds, witness=False), repeat)
    t_sid, c_sid, _ = timed(lambda: sidney(problem), repeat)
    t_solve, _, res = timed(lambda: solve(problem, "sidney"), 1)
    ok = "ok" if t_sid < target else "SLOW"
    print(f"{name:28s} {len(problem):>9d} {t_dec:9.3f} {t_sid:9.3f} {c_sid:9.3f} {t_solve:9.3f} {target:7.1f}  {ok:4s} "
          f"{res.status} {res.makespan}", flush=True)


def timings(scale: float, repeat: int, tenfold: bool) -> None:
    print(f"{'case':28s} {'nodes':>9s} {'decomp_s':>9s} {'sidney_s':>9s} {'cpu_s':>9s} {'solve_s':>9s} "
          f"{'target':>7s}")
    for n, target in ((10**5, 1.0), (10**6, 10.0)):
        if n > 10**5 and not tenfold:
            continue
        m = max(10, int(n * scale))
        time_case(f"chain {m}", local_problem(chain(m)), target, repeat)
        time_case(f"random out-tree {m}", local_problem(out_tree(m)), target, repeat)
    sizes = [(100, 0.5), (1000, 5.0)] if tenfold else [(100, 0.5)]
    for k, target in sizes:
        k = max(1, int(k * scale))
        dag = googlenet_jobs(k)
        if dag is None:
            print("googlenet: instances zoo not available, skipped")
            break
        time_case(f"googlenet x{k}", dag, target, repeat)


def randwire_like(n: int, seed: int) -> list[list[int]]:
    """One RandWire stage: a Watts-Strogatz graph oriented from lower to higher index (the zoo's
    generator when present, else networkx directly)."""
    try:
        from offloadsched.instances.zoo import random_graph_edges

        edges = random_graph_edges("ws", n, seed)
    except ImportError:
        import random

        import networkx as nx

        g = nx.watts_strogatz_graph(n, 4, 0.75, seed=random.Random(seed))
        edges = sorted((min(u, v), max(u, v)) for u, v in g.edges())
    preds: list[list[int]] = [[] for _ in range(n)]
    for u, v in edges:
        preds[v].append(u)
    return preds


def cpsat_experiment(sizes: list[int], seeds: int, limit: float) -> None:
    if not available("cpsat-dagshop"):
        print("cpsat-dagshop not registered: CP-SAT experiment skipped")
        return
    print(f"\nCP-SAT on RandWire-like DAGs (time limit {limit:g} s, 1 worker): plain vs hint + lower bound from sidney")
    print(f"{'n':>4s} {'seed':>4s} {'SP lower':>9s} {'SP upper':>9s} {'gap%':>6s} {'sidney_s':>8s} | "
          f"{'plain':>10s} {'time_s':>7s} | {'hinted':>10s} {'time_s':>7s} | {'optimum':>8s}")
    for n in sizes:
        for seed in range(seeds):
            p = local_problem(randwire_like(n, seed), seed, cut_share=0.5, u_high=2000)
            t0 = time.perf_counter()
            br = sidney(p, bounds=True)
            t_sid = time.perf_counter() - t0
            lo, up = br.info.get("lower", br.bound), br.info.get("upper", br.objective)
            plain = solve(p, "cpsat-dagshop", time_limit=limit, workers=1)
            hinted = solve(p, "cpsat-dagshop", time_limit=limit, workers=1, hint_schedule=br.schedule,
                           lower_bound=int(lo))
            best = min(plain.makespan, hinted.makespan)
            proven = best if "optimal" in (plain.status, hinted.status) else None
            gap = 100.0 * (up - lo) / up if up else 0.0
            print(f"{n:4d} {seed:4d} {lo:9d} {up:9d} {gap:6.2f} {t_sid:8.3f} | {plain.status:>10s} "
                  f"{plain.wall_time_s:7.2f} | {hinted.status:>10s} {hinted.wall_time_s:7.2f} | "
                  f"{proven if proven is not None else '-':>8}", flush=True)
            if proven is not None and not lo <= proven <= up:
                print(f"  BOUND VIOLATION: lower {lo}, optimum {proven}, upper {up}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every timing size (0.01: smoke run)")
    ap.add_argument("--repeat", type=int, default=1, help="best of this many runs")
    ap.add_argument("--no-tenfold", action="store_true", help="skip the 10^6-layer and 1000-job cases")
    ap.add_argument("--no-cpsat", action="store_true", help="skip the CP-SAT experiment")
    ap.add_argument("--cpsat-sizes", type=int, nargs="+", default=[16, 24, 32, 48, 64])
    ap.add_argument("--cpsat-seeds", type=int, default=3)
    ap.add_argument("--cpsat-limit", type=float, default=30.0)
    args = ap.parse_args()
    timings(args.scale, args.repeat, not args.no_tenfold)
    if not args.no_cpsat:
        cpsat_experiment(args.cpsat_sizes, args.cpsat_seeds, args.cpsat_limit)


if __name__ == "__main__":
    main()
