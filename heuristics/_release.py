"""Release times in the order-based heuristics (MODEL.md "Release times").

A heuristic that produces an order (Johnson's rule, EJA, the DAG heuristics' local orders) keeps
it; the evaluator then waits for every job's release.  With release times that order can idle a
machine for a late job while released ones wait, so these helpers also build the *non-delay*
list schedule that follows the same priority - whenever the first resource (machine 1 of a flow
shop, the device of a DAG shop) is free, it starts the released job (layer) of best priority, and
waits only when nothing released is available - and keep whichever of the two the evaluator scores
lower (the heuristic's own order on ties).  Without release times both are the heuristic's order
and nothing changes: the helpers return their input unchanged.

* :func:`flow_dispatch` / :func:`release_aware_order` - flow problems (J2, Fm): release times bind
  machine 1 only (a job's later operations follow its first).  O(n log n + n m).
* :func:`dag_dispatch` / :func:`release_aware_schedule` - DAG problems: the local layers (every
  local layer's predecessors are local, and run on the same device).  O(n log n + e + evaluation).
* FIFO (jobs by release time, ties by index: the baselines' "index order") is the core's
  :func:`offloadsched.problems.release_order` / :func:`offloadsched.schedule.fifo_schedule`.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

import numpy as np

from offloadsched.evaluate import evaluate
from offloadsched.problems import DagProblem, FmProblem
from offloadsched.schedule import Schedule


def flow_dispatch(release, first_times, order: Sequence[int] | np.ndarray) -> list[int]:
    """The non-delay order of machine 1 with priority = position in ``order``: whenever the machine
    is free it starts the released job that comes first in ``order`` (idle only when no job is
    released).  ``release`` and ``first_times`` are per job.  O(n log n); with every release at 0 it
    returns ``order``."""
    rel = np.asarray(release, dtype=np.int64).tolist()
    p1 = np.asarray(first_times, dtype=np.int64).tolist()
    pending = sorted((rel[j], pos, j) for pos, j in enumerate(int(j) for j in order))
    ready: list[tuple[int, int]] = []  # (position in order, job)
    out: list[int] = []
    t, i = 0, 0
    while len(out) < len(pending):
        while i < len(pending) and pending[i][0] <= t:
            heapq.heappush(ready, pending[i][1:])
            i += 1
        if not ready:
            t = pending[i][0]
            continue
        _, j = heapq.heappop(ready)
        out.append(j)
        t += p1[j]
    return out


def release_aware_order(problem: FmProblem, order: Sequence[int] | np.ndarray) -> tuple[list[int], dict]:
    """``order`` or its non-delay dispatch (:func:`flow_dispatch`), whichever has the smaller makespan
    on ``problem`` (``order`` on ties), and ``info`` saying which (empty without release times)."""
    order = [int(j) for j in order]
    if not problem.has_release:
        return order, {}
    dispatched = flow_dispatch(problem.release, problem.times[:, 0], order)
    mine = evaluate(problem, order).makespan
    other = evaluate(problem, dispatched).makespan
    if other < mine:
        return dispatched, {"release": f"non-delay dispatch of the order (makespan {other} < {mine})"}
    return order, {"release": f"the order, waiting for releases (makespan {mine} <= {other} of its non-delay dispatch)"}


def dag_dispatch(dag: DagProblem, order: Sequence[int]) -> list[int]:
    """The non-delay local order with priority = position in ``order`` (a linear extension of the
    local layers): whenever the device is free it starts, among the layers whose local predecessors
    are done and whose job is released, the one first in ``order``.  O(n log n + e); with every
    release at 0 it returns ``order``."""
    pos = {int(v): k for k, v in enumerate(order)}
    rel = dag.release[dag.job].tolist()
    f = dag.f.tolist()
    local = dag.local
    waiting = {v: sum(1 for p in dag.preds[v] if local[p]) for v in pos}
    pending = [(rel[v], pos[v], v) for v, w in waiting.items() if w == 0]
    heapq.heapify(pending)
    ready: list[tuple[int, int]] = []
    out: list[int] = []
    t = 0
    while pending or ready:
        while pending and pending[0][0] <= t:
            heapq.heappush(ready, heapq.heappop(pending)[1:])
        if not ready:
            t = pending[0][0]
            continue
        _, v = heapq.heappop(ready)
        out.append(v)
        t += f[v]
        for s in dag.succs[v]:
            if s in waiting:
                waiting[s] -= 1
                if not waiting[s]:
                    heapq.heappush(pending, (rel[s], pos[s], s))
    return out


def release_aware_schedule(dag: DagProblem, schedule: Schedule) -> tuple[Schedule, dict]:
    """``schedule`` or the non-delay dispatch of its local order (:func:`dag_dispatch`, uploads and
    remote operations by the evaluator's defaults: the order they become ready), whichever has the
    smaller makespan on ``dag`` (``schedule`` on ties), and ``info`` saying which (empty without
    release times)."""
    if not dag.has_release:
        return schedule, {}
    dispatched = Schedule({"local": dag_dispatch(dag, schedule["local"].tolist())})
    mine = evaluate(dag, schedule).makespan
    other = evaluate(dag, dispatched).makespan
    if other < mine:
        return dispatched, {"release": f"non-delay dispatch of the local order (makespan {other} < {mine})"}
    return schedule, {"release": f"the schedule, waiting for releases (makespan {mine} <= {other} "
                                 "of its non-delay dispatch)"}
