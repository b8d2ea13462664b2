"""Helpers shared by the heuristics: Johnson's priority, chain curves, job-order schedules.

* :func:`johnson_key` / :func:`johnson_order` - Johnson's rule (seed 001 Alg. 1), scalar and
  vectorised.  The first group (``a < b``; with ``ties_first=True``: ``a <= b``, seed 002 EJA)
  comes first in increasing ``a``, the rest in decreasing ``b``; equal keys keep index order.
* :func:`chain_curves` - ``f(l)`` and ``g(l)`` of cutting a chain (or one path) after position
  ``l``, and the "virtual block" cut candidates of seed 001 Sec. 3.2.
* :func:`stage_order` - Johnson on (p1, p2) or EJA on (p1, p2, p3), by the number of stages.
* :func:`require_dag`, :func:`joint_output` - plumbing for DAG and joint
  methods.
* :func:`defer_local_tail` - with a round trip ``w_rtt > 0``, the local layers no upload waits for
  go last (the DAG heuristics' one use of ``w_rtt``).

References (docs/REFERENCES.md): [Seed001], [Seed002], [Johnson1954].
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from offloadsched.errors import ValidationError
from offloadsched.partition import Partition
from offloadsched.problems import DagProblem, JointProblem, Problem, split_uploads
from offloadsched.registry import SolverOutput
from offloadsched.schedule import fifo_schedule

JohnsonKey = tuple[int, int]


def johnson_key(a: int, b: int, ties_first: bool = False) -> JohnsonKey:
    """Johnson's priority of a two-stage item ``(a, b)``: smaller keys go first.

    ``(0, a)`` for the first group (``a < b``, or ``a <= b`` with ``ties_first``), else ``(1, -b)``.
    """
    return (0, a) if (a <= b if ties_first else a < b) else (1, -b)


def johnson_order(a, b, *, ties_first: bool = False) -> np.ndarray:
    """Johnson's rule on arrays ``a``, ``b`` (vectorised, O(n log n)): the item order as int64.

    First group (``a < b``, or ``a <= b`` with ``ties_first``) by increasing ``a``, then the rest
    by decreasing ``b``; ties keep index order (the sort is stable).
    """
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    second = ~(a <= b) if ties_first else a >= b
    primary = np.where(second, -b, a)
    return np.lexsort((primary, second)).astype(np.int64)


def stage_order(times) -> np.ndarray:
    """Order items by their stage times: Johnson's rule on ``(p1, p2)`` for two columns, EJA
    (Johnson on ``(p1 + p2, p2 + p3)``, seed 002 Alg. 1) for three."""
    t = np.asarray(times, dtype=np.int64)
    if t.shape[1] == 2:
        return johnson_order(t[:, 0], t[:, 1])
    return johnson_order(t[:, 0] + t[:, 1], t[:, 1] + t[:, 2], ties_first=True)


def chain_curves(f: Sequence[int], u: Sequence[int], *, ends_at_output: bool = True):
    """Cut curves of a chain (or one source-to-sink path) with per-layer times ``f``, ``u``.

    Returns ``(F, G, cand)``: ``F[l]`` = local compute of positions ``0..l`` (seed 001's f(l)),
    ``G[l]`` = upload of position ``l``'s output (g(l)), 0 at the last position when it is the
    DNN output (local-only uploads nothing), and ``cand`` the candidate cut positions: those where
    ``G`` is a strict running minimum.  Seed 001 Sec. 3.2 clusters the layers after which the
    upload does not shrink into a "virtual block" (cutting there only adds local work); on the
    candidates ``F`` is non-decreasing and ``G`` strictly decreasing, so ``F - G`` is increasing
    and Alg. 2's binary search finds the leftmost crossing.
    """
    F = np.cumsum(np.asarray(f, dtype=np.int64))
    G = np.asarray(u, dtype=np.int64).copy()
    if ends_at_output and G.size:
        G[-1] = 0
    if G.size == 0:
        return F, G, np.zeros(0, dtype=np.int64)
    prev_min = np.concatenate([[np.iinfo(np.int64).max], np.minimum.accumulate(G)[:-1]])
    return F, G, np.flatnonzero(G < prev_min).astype(np.int64)


def require_dag(problem: Problem, method: str) -> DagProblem:
    if getattr(problem, "type", None) != "dag":
        raise ValidationError(f"{method}: needs a DAG problem, got {type(problem).__name__}")
    return problem


def local_children(problem: DagProblem) -> list[list[int]]:
    """Local successors of every node (empty for remote nodes), in index order."""
    loc = problem.local
    return [[s for s in problem.succs[v] if loc[s]] if loc[v] else [] for v in range(len(problem))]


def upload_weights(problem: DagProblem) -> np.ndarray:
    """``g(v)`` of seed 001 Alg. 4/5: the upload time of a cut-point, 0 for any other node."""
    return np.where(problem.cut, problem.u, 0).astype(np.int64)


def defer_local_tail(dag: DagProblem, order: Sequence[int]) -> list[int]:
    """``order`` (a linear extension of the local layers) with the layers that no upload waits
    for - neither cut-points nor ancestors of one: the layers of local-only jobs, local sinks -
    moved after the others, both groups in their relative order; unchanged when ``w_rtt = 0``.

    With ``w_rtt > 0`` and negligible remote the makespan is max(sum f, C + w_rtt), C the end of
    the last upload (MODEL.md section 1): the move keeps sum f and never delays a cut-point's
    compute (every predecessor of an ancestor of a cut-point is one too), so never C either.
    Heuristics that compare the J2-like ``(f, g)`` of layers by Johnson's rule (seed 001 Alg. 4,
    5, the path order) otherwise need no ``w_rtt``: it is a constant after the last upload, and
    Johnson's order already minimises the uploads' end for J2 (jobs with ``g = 0`` go last).  The
    result is still a linear extension (the moved set is closed under successors).  O(n + e).
    """
    if not dag.w_rtt:
        return list(order)
    up, rest = split_uploads(order, dag.cut, dag.preds)
    return up + rest


def joint_output(jp: JointProblem, partitions: Sequence[Partition],
                 scheduler: Callable[[DagProblem], SolverOutput] | None = None, **info) -> SolverOutput:
    """SolverOutput of a joint method: problem D of ``partitions`` scheduled by ``scheduler``
    (a heuristic function of this package; default FIFO)."""
    dag = jp.dag(partitions)
    if scheduler is None:
        out = SolverOutput(fifo_schedule(dag), info={"scheduler": "fifo"})
    else:
        out = scheduler(dag)
    merged = dict(out.info)
    merged.update(info)
    merged["cuts"] = [len(p.cut_points) for p in partitions]
    merged["local_layers"] = [int(p.local.sum()) for p in partitions]
    return SolverOutput(out.schedule, problem=dag, partitions=list(partitions), info=merged)


def check_joint(problem: Problem, method: str) -> JointProblem:
    if getattr(problem, "type", None) != "joint":
        raise ValidationError(f"{method}: needs a joint problem, got {type(problem).__name__}")
    return problem
