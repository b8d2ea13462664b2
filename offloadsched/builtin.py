"""The trivial methods registered by the core: ``fifo`` and ``bruteforce``."""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Iterator
from typing import cast

from .bounds import lower_bound
from .errors import SizeLimitError, ValidationError
from .evaluate import evaluate, flow_makespan
from .problems import DagProblem, FmProblem
from .registry import SolverOutput, register
from .schedule import Schedule
from .vocab import FLOW_TYPES


def fifo(problem: FmProblem | DagProblem, *, time_limit: float | None = None) -> SolverOutput:
    """The given order: job index order for flow problems; for DAG problems the local layers in
    node index order (a topological order), uploads and remote ops by the evaluator's defaults."""
    if problem.type == "dag":
        return SolverOutput(Schedule({"local": tuple(cast(DagProblem, problem).local_nodes.tolist())}))
    return SolverOutput(Schedule.from_order(range(cast(FmProblem, problem).n)))


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


def count_linear_extensions(nodes: list[int], preds, cap: int | None = None, deadline: float | None = None) -> int:
    """Number of linear extensions by dynamic programming over down-sets (bitmasks).

    With ``cap``, stops as soon as the count is known to exceed it and returns ``cap + 1``: the
    down-sets of one size are prefixes of disjoint sets of extensions, so the number of ways to
    reach them (summed over one size) never exceeds the final count.  The work is then
    O(n^2 * cap) at most.  ``deadline`` (a :func:`time.perf_counter` value) raises
    :class:`TimeoutError` when passed."""
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
            if cap is not None and len(nxt) > cap:
                return cap + 1  # more down-sets of one size than allowed extensions
            if deadline is not None and time.perf_counter() > deadline:
                raise TimeoutError
        counts = nxt
        if cap is not None and (len(counts) > cap or sum(counts.values()) > cap):
            return cap + 1
    return sum(counts.values())


def bruteforce(problem: FmProblem | DagProblem, *, time_limit: float | None = None,
               max_candidates: int = 200_000) -> SolverOutput:
    """Enumerate every schedule and keep the best.

    Release times (MODEL.md "Release times") are honoured: every candidate is timed semi-actively, each
    operation at the earliest its resource, predecessors and job's release allow, which is optimal for
    the candidate's sequences (the makespan is regular: starting an operation later never helps).

    Flow problems: all n! job orders.  DAG problems: every linear extension of the local
    layers; with ``serial`` or ``parallel`` remote also every upload order, and with ``serial``
    every linear extension of the remote layers (with ``negligible`` remote, uploading in the
    order cut-points finish is optimal, so only local orders are tried).  The candidates are
    counted first, with the count capped at ``max_candidates`` (O(n^2 * max_candidates) at
    most), and a larger space is refused with a :class:`SizeLimitError` before anything is
    enumerated.  ``time_limit`` is checked inside both loops: when it passes, the best schedule
    so far is returned with status ``feasible`` (status ``error`` if none yet).
    """
    if isinstance(max_candidates, bool) or not isinstance(max_candidates, int) or max_candidates < 1:
        raise ValidationError(f"max_candidates must be an integer >= 1, got {max_candidates!r}")
    deadline = time.perf_counter() + time_limit if time_limit is not None else None
    try:
        if problem.type in FLOW_TYPES:
            return _bruteforce_flow(cast(FmProblem, problem), max_candidates, deadline)
        return _bruteforce_dag(cast(DagProblem, problem), max_candidates, deadline)
    except TimeoutError:
        return SolverOutput(None, status="error", info={"note": "time limit reached while counting candidates"})


def _timed_out(problem: FmProblem | DagProblem, best, sched, deadline, seen: int, total: int) -> SolverOutput | None:
    if deadline is None or seen % 256 or time.perf_counter() <= deadline:
        return None
    return SolverOutput(sched, status="feasible", objective=best, bound=lower_bound(problem),
                        info={"note": f"time limit reached after {seen} of {total} candidates", "candidates": total})


def _bruteforce_flow(problem: FmProblem, limit: int, deadline: float | None) -> SolverOutput:
    n = problem.n
    total = math.factorial(n) if n <= 30 else limit + 1
    if total > limit:
        shown = f"{n}! = {total}" if n <= 30 else f"{n}!"
        raise SizeLimitError(f"bruteforce: {shown} orders exceed max_candidates={limit}")
    rows = problem.times.tolist()
    release = problem.release.tolist() if problem.has_release else None
    best, best_order = None, tuple(range(n))
    for seen, order in enumerate(itertools.permutations(range(n)), 1):
        ms = flow_makespan(rows, order, problem.w_rtt, release)
        if best is None or ms < best:
            best, best_order = ms, order
        stop = _timed_out(problem, best, Schedule.from_order(best_order), deadline, seen, total)
        if stop is not None:
            return stop
    best = best or 0
    return SolverOutput(Schedule.from_order(best_order), status="optimal", bound=best, objective=best)


def _bruteforce_dag(problem: DagProblem, limit: int, deadline: float | None) -> SolverOutput:
    local = problem.local_nodes.tolist()
    cuts = problem.cut_nodes.tolist()
    remote = problem.remote_nodes.tolist()
    total = count_linear_extensions(local, problem.preds, limit, deadline)
    if problem.remote_model != "negligible":
        total *= math.factorial(len(cuts)) if len(cuts) <= 20 else limit + 1
    if problem.remote_model == "serial" and total <= limit:
        total *= count_linear_extensions(remote, problem.preds, limit, deadline)
    if total > limit:
        raise SizeLimitError(f"bruteforce: more than max_candidates={limit} candidate schedules "
                             f"({len(local)} local layers, {len(cuts)} uploads)")
    up_orders = list(itertools.permutations(cuts)) if problem.remote_model != "negligible" else [None]
    rem_orders = (list(linear_extensions(remote, problem.preds, limit))
                  if problem.remote_model == "serial" else [None])
    best, best_sched = None, None
    seen = 0
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
                seen += 1
                stop = _timed_out(problem, best, best_sched, deadline, seen, total)
                if stop is not None:
                    return stop
    return SolverOutput(best_sched, status="optimal", bound=best, objective=best,
                        info={"candidates": int(total)})


register("fifo", "offloadsched.builtin:fifo", problems=(*FLOW_TYPES, "dag"),
         summary="jobs in the given order (DAG: node index order)")
register("bruteforce", "offloadsched.builtin:bruteforce", problems=(*FLOW_TYPES, "dag"), kind="exact",
         options=("max_candidates",), summary="all permutations / linear extensions (tiny problems only)")
