"""The trivial methods registered by the core: ``fifo`` and ``bruteforce``."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator

from .errors import SizeLimitError
from .evaluate import evaluate, flow_makespan
from .problems import DagProblem, FmProblem
from .registry import SolverOutput, register
from .schedule import Schedule


@register("fifo", problems=("j2", "fm", "dag"), summary="jobs in the given order (DAG: node index order)")
def fifo(problem, *, time_limit=None) -> SolverOutput:
    """The given order: job index order for flow problems; for DAG problems the local layers in
    node index order (a topological order), uploads and remote ops by the evaluator's defaults."""
    if problem.type == "dag":
        return SolverOutput(Schedule({"local": tuple(problem.local_nodes.tolist())}))
    return SolverOutput(Schedule.from_order(range(problem.n)))


def linear_extensions(nodes: list[int], preds, limit: int) -> Iterator[tuple[int, ...]]:
    """All linear extensions of ``nodes`` under ``preds`` restricted to ``nodes``."""
    inside = set(nodes)
    local_preds = {v: [p for p in preds[v] if p in inside] for v in nodes}
    indeg = {v: len(local_preds[v]) for v in nodes}
    succ: dict[int, list[int]] = {v: [] for v in nodes}
    for v in nodes:
        for p in local_preds[v]:
            succ[p].append(v)
    prefix: list[int] = []

    def rec() -> Iterator[tuple[int, ...]]:
        if len(prefix) == len(nodes):
            yield tuple(prefix)
            return
        for v in [v for v in nodes if indeg[v] == 0]:
            indeg[v] = -1
            for s in succ[v]:
                indeg[s] -= 1
            prefix.append(v)
            yield from rec()
            prefix.pop()
            for s in succ[v]:
                indeg[s] += 1
            indeg[v] = 0

    yield from rec()


def count_linear_extensions(nodes: list[int], preds, cap: int = 64) -> int:
    """Number of linear extensions by dynamic programming over down-sets (bitmasks);
    refuses above ``cap`` nodes."""
    if len(nodes) > cap:
        raise SizeLimitError(f"bruteforce: {len(nodes)} nodes to order, limit {cap}")
    pos = {v: i for i, v in enumerate(nodes)}
    need = [sum(1 << pos[p] for p in preds[v] if p in pos) for v in nodes]
    counts = {0: 1}
    for _ in range(len(nodes)):
        nxt: dict[int, int] = {}
        for mask, c in counts.items():
            for i, req in enumerate(need):
                if not mask >> i & 1 and mask & req == req:
                    key = mask | 1 << i
                    nxt[key] = nxt.get(key, 0) + c
        counts = nxt
    return sum(counts.values())


@register("bruteforce", problems=("j2", "fm", "dag"), kind="exact", options=("max_candidates",),
          summary="all permutations / linear extensions (tiny problems only)")
def bruteforce(problem, *, time_limit=None, max_candidates: int = 200_000) -> SolverOutput:
    """Enumerate every schedule and keep the best.

    Flow problems: all n! job orders.  DAG problems: every linear extension of the local
    layers; with ``serial`` or ``parallel`` remote also every upload order, and with ``serial``
    every linear extension of the remote layers (with ``negligible`` remote, uploading in the
    order cut-points finish is optimal, so only local orders are tried).  Refuses with a
    :class:`SizeLimitError` when the number of candidates exceeds ``max_candidates``.
    """
    if problem.type in ("j2", "fm"):
        return _bruteforce_flow(problem, max_candidates)
    return _bruteforce_dag(problem, max_candidates)


def _bruteforce_flow(problem: FmProblem, limit: int) -> SolverOutput:
    n = problem.n
    if math.factorial(n) > limit:
        raise SizeLimitError(f"bruteforce: {n}! = {math.factorial(n)} orders exceed max_candidates={limit}")
    rows = problem.times.tolist()
    best, best_order = None, tuple(range(n))
    for order in itertools.permutations(range(n)):
        ms = flow_makespan(rows, order)
        if best is None or ms < best:
            best, best_order = ms, order
    best = best or 0
    return SolverOutput(Schedule.from_order(best_order), status="optimal", bound=best, objective=best)


def _bruteforce_dag(problem: DagProblem, limit: int) -> SolverOutput:
    local = problem.local_nodes.tolist()
    cuts = problem.cut_nodes.tolist()
    remote = problem.remote_nodes.tolist()
    total = count_linear_extensions(local, problem.preds)
    if problem.remote_model != "negligible":
        total *= math.factorial(len(cuts))
    if problem.remote_model == "serial":
        total *= count_linear_extensions(remote, problem.preds)
    if total > limit:
        raise SizeLimitError(f"bruteforce: {total} candidate schedules exceed max_candidates={limit}")
    up_orders = (itertools.permutations(cuts) if problem.remote_model != "negligible" else [None])
    up_orders = list(up_orders)
    rem_orders = (list(linear_extensions(remote, problem.preds, limit))
                  if problem.remote_model == "serial" else [None])
    best, best_sched = None, None
    for lo in linear_extensions(local, problem.preds, limit):
        for uo in up_orders:
            for ro in rem_orders:
                seqs = {"local": lo}
                if uo is not None:
                    seqs["uplink"] = uo
                if ro is not None:
                    seqs["remote"] = ro
                sched = Schedule(seqs)
                ms = evaluate(problem, sched).makespan
                if best is None or ms < best:
                    best, best_sched = ms, sched
    return SolverOutput(best_sched, status="optimal", bound=best, objective=best,
                        info={"candidates": int(total)})


