"""Paths from a DAG (MODEL.md section 2; seed 002 Alg. 3, seed 001 Fig. 11).

Converting a DAG into independent source-to-sink chains replicates shared layers.  The number
of paths can grow exponentially (nine Inception modules in a row give 4^9), so it is counted
first by dynamic programming and the conversion refuses above a limit.  A path order is
evaluated both as the path model (:func:`path_problem`, replicas counted) and executed on the
real DAG (:func:`execute_path_order`, a replicated layer runs once, with the first path that
reaches it).  Executing a path order only needs each layer's first appearance
(:func:`priority_schedule`), which the seeds' heuristics compute without listing the paths
(``heuristics/_paths.py``, ``heuristics/_eja_paths.py``).

References (docs/REFERENCES.md): [Seed001], [Seed002].
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

import numpy as np

from .errors import SizeLimitError
from .problems import DagProblem, FmProblem, J2Problem
from .schedule import Schedule

DEFAULT_PATH_LIMIT = 100_000


def count_paths(problem: DagProblem) -> list[int]:
    """Number of source-to-sink paths of each job, by dynamic programming (exact integers)."""
    n = len(problem)
    ways = [0] * n
    for v in range(n):
        ways[v] = 1 if not problem.preds[v] else sum(ways[p] for p in problem.preds[v])
    per_job = [0] * problem.n_jobs
    for v in range(n):
        if not problem.succs[v]:
            per_job[int(problem.job[v])] += ways[v]
    return per_job


def dag_paths(problem: DagProblem, limit: int = DEFAULT_PATH_LIMIT) -> list[tuple[int, ...]]:
    """Every source-to-sink path of every job, in depth-first order (successors by index).

    Raises :class:`SizeLimitError` naming the count when there are more than ``limit``.
    """
    counts = count_paths(problem)
    total = sum(counts)
    if total > limit:
        worst = int(np.argmax(counts))
        raise SizeLimitError(f"path conversion: {total} source-to-sink paths (job "
                             f"{problem.job_names[worst]!r} alone has {counts[worst]}), limit {limit}")
    paths: list[tuple[int, ...]] = []
    for src in (v for v in range(len(problem)) if not problem.preds[v]):
        stack: list[tuple[int, tuple[int, ...]]] = [(src, (src,))]
        while stack:
            v, path = stack.pop()
            if not problem.succs[v]:
                paths.append(path)
                continue
            for s in reversed(problem.succs[v]):
                stack.append((s, path + (s,)))
    return paths


def path_times(problem: DagProblem, paths: Sequence[tuple[int, ...]]) -> np.ndarray:
    """Per path ``(p1, p2, p3)``: local compute, upload at the local-to-remote crossing, remote
    compute (seed 002 Eq. (3)); replicated layers are counted in every path."""
    loc, f, u, r = problem.local, problem.f, problem.u, problem.r
    out = np.zeros((len(paths), 3), dtype=np.int64)
    for k, path in enumerate(paths):
        idx = np.asarray(path)
        lmask = loc[idx]
        out[k, 0] = f[idx[lmask]].sum()
        out[k, 2] = r[idx[~lmask]].sum()
        n_loc = int(lmask.sum())
        if 0 < n_loc < len(path):
            out[k, 1] = u[idx[n_loc - 1]]
    return out


def path_problem(problem: DagProblem, paths: Sequence[tuple[int, ...]]) -> FmProblem:
    """The path model: a J2 problem (negligible remote) or a 3-machine Fm problem."""
    t = path_times(problem, paths)
    names = [f"path{k}" for k in range(len(paths))]
    release = problem.release[problem.job[[p[0] for p in paths]]] if paths else None  # each path's job's
    if problem.remote_model == "negligible":
        return J2Problem(t[:, 0], t[:, 1], jobs=names, name=f"paths of {problem.name}".strip(), release=release)
    return FmProblem(t, machines=("local", "uplink", "remote"), jobs=names, name=f"paths of {problem.name}".strip(),
                     release=release)


def priority_topological_order(nodes: Sequence[int], preds, priority: dict[int, int]) -> list[int]:
    """A linear extension of ``nodes`` that follows ``priority`` (smaller first) wherever the
    precedences allow: Kahn's algorithm with a heap keyed by (priority, index)."""
    inside = set(int(v) for v in nodes)
    indeg = {v: sum(1 for p in preds[v] if p in inside) for v in inside}
    succ: dict[int, list[int]] = {v: [] for v in inside}
    for v in inside:
        for p in preds[v]:
            if p in inside:
                succ[p].append(v)
    heap = [(priority.get(v, len(priority)), v) for v, d in indeg.items() if d == 0]
    heapq.heapify(heap)
    order = []
    while heap:
        _, v = heapq.heappop(heap)
        order.append(v)
        for s in succ[v]:
            indeg[s] -= 1
            if indeg[s] == 0:
                heapq.heappush(heap, (priority.get(s, len(priority)), s))
    return order


def execute_path_order(problem: DagProblem, paths: Sequence[tuple[int, ...]], order: Sequence[int]) -> Schedule:
    """The schedule of the real DAG that runs the paths in ``order``, each layer once: a layer's
    priority is its first appearance in the ordered paths (:func:`priority_schedule`)."""
    priority: dict[int, int] = {}
    for k in order:
        for v in paths[k]:
            priority.setdefault(v, len(priority))
    return priority_schedule(problem, priority)


def priority_schedule(problem: DagProblem, priority: dict[int, int]) -> Schedule:
    """Local layers (and, with ``serial`` remote, remote layers) in the priority-respecting
    linear extension; uploads follow the same priority where the remote model makes their order
    matter, and otherwise the evaluator's default (the order cut-points finish computing, optimal
    for negligible remote).  ``priority`` needs the local layers, and the remote ones with
    ``serial`` remote."""
    seqs = {"local": tuple(priority_topological_order(problem.local_nodes.tolist(), problem.preds, priority))}
    if problem.remote_model != "negligible":
        seqs["uplink"] = tuple(sorted(problem.cut_nodes.tolist(), key=lambda v: (priority.get(v, 1 << 62), v)))
    if problem.remote_model == "serial":
        seqs["remote"] = tuple(priority_topological_order(problem.remote_nodes.tolist(), problem.preds, priority))
    return Schedule(seqs)
