"""Joint partitioning and scheduling of (identical) DNN jobs, JPS (seed 001 Alg. 2 and Alg. 3).

References (docs/REFERENCES.md): [Seed001], [Johnson1954]."""

from __future__ import annotations

from bisect import bisect_right

import numpy as np

from offloadsched.dnn import DNN
from offloadsched.errors import SizeLimitError
from offloadsched.partition import Partition
from offloadsched.paths import DEFAULT_PATH_LIMIT
from offloadsched.problems import JointProblem
from offloadsched.registry import SolverOutput

from ._common import chain_curves, check_joint, joint_output
from .path_johnson import check_rule, path_johnson

# One path's decision: (cut-point l* - 1 or None, cut-point l*, ratio); the path's local prefix
# for a cut is the path up to that layer, and only its end matters once the local set is closed
# under predecessors.
PathCut = tuple[int | None, int, int]


def binary_search_cut(F: np.ndarray, G: np.ndarray) -> tuple[int, int]:
    """Seed 001 Alg. 2 lines 2-9 on cut candidates with ``F - G`` increasing: the leftmost ``l``
    with ``F[l] >= G[l]`` (binary search, O(log k)) and the ratio
    ``floor((F[l] - G[l]) / (G[l-1] - F[l-1]))`` (0 when ``l`` is the first candidate)."""
    lo, hi = 0, len(F) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if F[mid] < G[mid]:
            lo = mid + 1
        else:
            hi = mid
    if lo == 0:
        return 0, 0
    return lo, int((F[lo] - G[lo]) // (G[lo - 1] - F[lo - 1]))


def chain_cut(f, u) -> PathCut:
    """Alg. 2 on a chain with per-layer times ``f``, ``u`` (position 0 = input)."""
    F, G, cand = chain_curves(f, u)
    k, ratio = binary_search_cut(F[cand], G[cand])
    return (int(cand[k - 1]) if k > 0 else None), int(cand[k]), ratio


def path_cuts(dnn: DNN, f: np.ndarray, u: np.ndarray, limit: int = DEFAULT_PATH_LIMIT) -> list[PathCut]:
    """Alg. 3 lines 1-5: Alg. 2 on every source-to-sink path of ``dnn``.

    A chain uses Alg. 2's binary search.  On a DAG the paths are walked depth first (successors
    by index) and each walk stops at the leftmost candidate cut with ``F >= G`` - the cut the
    binary search finds, since ``F - G`` increases over the candidates (see
    :func:`offloadsched.heuristics._common.chain_curves`) - so paths that share the prefix up to the cut are
    one item and the 4^9 GoogLeNet paths are never listed.  Refuses above ``limit`` prefixes.
    """
    if dnn.is_chain:
        return [chain_cut(f, u)]
    return dfs_path_cuts(dnn, f, u, limit)


def dfs_path_cuts(dnn: DNN, f: np.ndarray, u: np.ndarray, limit: int = DEFAULT_PATH_LIMIT) -> list[PathCut]:
    """The depth-first walk of :func:`path_cuts` (any DNN; on a chain it gives :func:`chain_cut`)."""
    f, u, succs = f.tolist(), u.tolist(), dnn.succs
    out: list[PathCut] = []
    top = np.iinfo(np.int64).max
    # (node, F so far, smallest candidate G so far, previous candidate (node, F, G))
    stack = [(dnn.input, f[dnn.input], top, None)]
    while stack:
        v, F, gmin, prev = stack.pop()
        G = u[v] if succs[v] else 0
        if G < gmin:  # a candidate cut
            if F >= G:
                ratio = 0 if prev is None else (F - G) // (prev[2] - prev[1])
                out.append((prev[0] if prev else None, v, ratio))
                if len(out) > limit:
                    raise SizeLimitError(f"path conversion: DNN {dnn.name!r} has more than {limit} path "
                                         f"prefixes up to their f >= g cut, limit {limit}")
                continue
            gmin, prev = G, (v, F, G)
        stack.extend((s, F + f[s], gmin, prev) for s in reversed(succs[v]))
    return out


def _closure(dnn: DNN, nodes) -> Partition:
    """The smallest partition containing ``nodes`` (and the input): they and all their ancestors."""
    mask = np.zeros(len(dnn), dtype=bool)
    mask[list(nodes)] = True
    mask[dnn.input] = True
    for v in range(len(dnn) - 1, -1, -1):
        if mask[v]:
            mask[list(dnn.preds[v])] = True
    return Partition(dnn, mask)


def path_partitions(jp: JointProblem, limit: int = DEFAULT_PATH_LIMIT) -> tuple[list[Partition], dict]:
    """Every job's partition by Alg. 2 per path (Alg. 3), with Alg. 2's ratio across identical jobs.

    Jobs of one DNN (the same object) are ranked 0..n-1.  For a path with cuts ``l* - 1``,
    ``l*`` and ratio ``R``, ``n1 = floor(n R / (R + 1))`` of them (the lowest ranks) cut it at
    ``l* - 1`` and the others at ``l*``.  A job's local set is the union of its paths' local
    prefixes, closed under predecessors (a prefix of one path need not contain the other inputs
    of its layers): the chosen cut layers and all their ancestors.
    """
    groups: dict[int, list[int]] = {}
    for k, dnn in enumerate(jp.jobs):
        groups.setdefault(id(dnn), []).append(k)
    parts: list[Partition | None] = [None] * len(jp.jobs)
    items = 0
    for ks in groups.values():
        dnn = jp.jobs[ks[0]]
        f, u, _ = jp.times[ks[0]]
        cuts = path_cuts(dnn, f, u, limit)
        items += len(cuts)
        n = len(ks)
        n1 = [n * ratio // (ratio + 1) if c1 is not None else 0 for c1, _, ratio in cuts]
        steps = sorted(set(n1))
        cache: dict[int, Partition] = {}
        for rank, k in enumerate(ks):
            key = bisect_right(steps, rank)
            if key not in cache:
                cache[key] = _closure(dnn, {c1 if rank < m else c2 for (c1, c2, _), m in zip(cuts, n1)})
            parts[k] = cache[key]
    return parts, {"partition_prefixes": items}


def jps(problem: JointProblem, *, time_limit: float | None = None, rule: str = "auto",
        path_limit: int = DEFAULT_PATH_LIMIT) -> SolverOutput:
    """Seed 001 JPS: Alg. 2 (binary search for the f = g crossing of a chain, cuts ``l* - 1`` and
    ``l*`` in the ratio ``floor((f(l*) - g(l*)) / (g(l*-1) - f(l*-1)))``) on every path of every
    DNN (Alg. 3, :func:`path_partitions`), then the paths of all jobs ordered by Johnson's rule and
    run once each ("modified Alg. 1", :func:`offloadsched.heuristics.path_johnson.path_johnson` with ``rule``).

    For n identical chain jobs this is Alg. 2 + Alg. 1.  O(k) per chain (curves) + O(n log n);
    for DAGs O(prefixes x length) + the path-level schedule.

    Round trip ``w_rtt`` (MODEL.md section 1): paid once after the last upload, on no machine, so
    it is not part of Alg. 2's per-job balance of f and g (in seed 001's relaxation its share per
    job, w_rtt / n, vanishes) and the cuts are the paper's; the schedule step pays it
    (:func:`~offloadsched.heuristics.path_johnson.path_johnson`: local-only paths last, layers no upload
    waits for last).  The result is scored by the evaluator, w_rtt included.
    """
    jp = check_joint(problem, "jps")
    check_rule(rule, "jps")
    parts, info = path_partitions(jp, path_limit)
    return joint_output(jp, parts, lambda d: path_johnson(d, rule=rule, path_limit=path_limit), **info)
