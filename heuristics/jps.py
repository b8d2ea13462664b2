"""Joint partitioning and scheduling of (identical) DNN jobs, JPS (seed 001 Alg. 2 and Alg. 3).

References (docs/REFERENCES.md): [Seed001], [Johnson1954]."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

import numpy as np

from offloadsched.dnn import DNN
from offloadsched.errors import SizeLimitError
from offloadsched.partition import Partition
from offloadsched.problems import JointProblem
from offloadsched.registry import SolverOutput

from ._clock import Clock, TimeLimitReached
from ._common import chain_curves, check_joint, joint_output
from .path_johnson import check_rule, path_johnson

# One path's decision: (cut-point l* - 1 or None, cut-point l*, ratio); the path's local prefix
# for a cut is the path up to that layer, and only its end matters once the local set is closed
# under predecessors.
PathCut = tuple[int | None, int, int]

_INF = np.int64(1 << 62)  # unreachable (every sum of times is below 2**53)
_BLOCK = 512  # candidates per numpy pass
#: Ceilings of jps and hps (and of their +sidney variants): layers of one DNN (the partition's
#: passes are O(candidates x (layers + edges))), layers over all jobs (problem D's nodes).
MAX_DNN_LAYERS = 10_000
MAX_TOTAL_LAYERS = 500_000


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


@dataclass(frozen=True)
class PathCuts:
    """Alg. 2 on every source-to-sink path of one DNN, summarised without listing the paths.

    ``uncrossed``: the layers that are an uncrossed candidate (Alg. 2's ``l* - 1``, or a
    candidate before it) on some path; ``first_crossing``: for each other layer ``v`` that is the
    first crossing ``l*`` of some path, the least ratio ``floor((F(l*) - G(l*)) / (G(l* - 1) -
    F(l* - 1)))`` over those paths (``l* - 1`` is None, ratio 0, when the input itself crosses).
    """

    uncrossed: tuple[int, ...]
    first_crossing: dict[int, int]


def path_cuts(dnn: DNN, f: np.ndarray, u: np.ndarray, clock: Clock | None = None) -> PathCuts:
    """Alg. 3 lines 1-5 (Alg. 2 on every source-to-sink path of ``dnn``) in O(k (n + e)) for k
    candidate layers, without listing the paths.

    A chain uses Alg. 2's binary search (:func:`chain_cut`).  On a DAG, along a path ``F`` is
    the prefix sum of ``f`` and ``G(v) = u(v)`` (0 at the output); the candidates are the
    strict running minima of ``G`` (seed 001 Sec. 3.2's virtual blocks, see
    :func:`offloadsched.heuristics._common.chain_curves`), on which ``F - G`` increases, so Alg. 2's
    binary search finds the path's first candidate with ``F >= G``: its cut ``l*``, with ``l* - 1``
    the candidate before it.  Two facts make this polynomial:

    * A prefix ending at ``c`` is uncrossed with ``c`` a candidate iff every earlier layer has
      ``u > u(c)`` and ``F(c) < u(c)`` (the earlier candidates have smaller ``F`` and larger ``G``).
      So ``c`` is an uncrossed candidate on some path iff ``A(c) < u(c)``, where ``A(c)`` is the
      least ``F(c)`` over paths whose earlier layers all have ``u > u(c)``: a shortest path in
      that subgraph, ``A_c(x) = f(x) + min over predecessors p (u(p) > u(c)) of A_c(p)``.
    * A layer ``v`` outside the predecessor closure of those candidates (set ``C``) is the first
      crossing of a path through candidate ``c = l* - 1`` iff some path from ``c`` reaches ``v``
      through layers with ``u >= u(c)`` and ``G(v) < u(c)`` (then ``F(v) >= G(v)``: otherwise ``v``
      would be an uncrossed candidate, in ``C``).  The ratio increases with ``F(c)`` and
      ``F(v) - F(c)``, so its least value over those paths takes both shortest:
      ``(A(c) + B_c(v) - G(v)) // (u(c) - A(c))``, ``B_c(x) = f(x) + min over predecessors p of
      B_c(p)``, ``B_c(c) = 0``, ``p`` passing only if ``u(p) >= u(c)``.

    Every path's cut (``l* - 1`` or ``l*``) lies on or after its ``l* - 1``, itself an uncrossed
    candidate, and every uncrossed candidate lies on a path before that path's ``l* - 1``; so a
    job's partition - the closure of its paths' cuts (:func:`path_partitions`) - is the closure
    of ``C`` and the ``l*`` chosen by the job's rank, whatever the number of paths.  The passes
    run over the topological order for all candidates at once (numpy, candidates in blocks).

    Exact, not a relaxation: the paths' own values (their ``F`` at a crossing, their ratios) can
    be exponentially many - deciding whether some path reaches a layer with ``F`` in a given range
    is subset-sum-like - but the partitions depend on them only through the extremes above (the
    least ``A`` per candidate, the least ratio per first crossing), which shortest paths give.
    A test compares the result with the listed path prefixes.
    """
    if dnn.is_chain:
        c1, c2, ratio = chain_cut(f, u)
        return PathCuts((c1,) if c1 is not None else (), {c2: ratio})
    return dag_path_cuts(dnn, f, u, clock)


def dag_path_cuts(dnn: DNN, f: np.ndarray, u: np.ndarray, clock: Clock | None = None) -> PathCuts:
    """The two passes of :func:`path_cuts` (any DNN; on a chain its closures are :func:`chain_cut`'s);
    ``clock`` is checked every 1,024 layers of a pass (:class:`TimeLimitReached`)."""
    f = np.asarray(f, dtype=np.int64)
    G = np.asarray(u, dtype=np.int64).copy()
    G[dnn.output] = 0
    if f[dnn.input] >= G[dnn.input]:  # the input crosses: every path is cut there, l* - 1 is None
        return PathCuts((), {dnn.input: 0})
    preds = [list(p) for p in dnn.preds]
    n = len(dnn)
    cand = np.arange(n - 1)  # every layer but the output may be an uncrossed candidate
    A = np.full(n, _INF)
    for block in range(0, len(cand), _BLOCK):
        cols = cand[block:block + _BLOCK]
        thr = G[cols]
        dist = np.empty((n, len(cols)), dtype=np.int64)
        for x in range(n):
            if clock is not None and not x % 1024:
                clock.check()
            raw = np.minimum(dist[preds[x]].min(axis=0) + f[x], _INF) if preds[x] else np.full(len(cols), f[x])
            hit = np.flatnonzero(cols == x)
            if hit.size:
                A[x] = raw[hit[0]]
            dist[x] = np.where(G[x] > thr, raw, _INF)
    U = np.flatnonzero(A[:n - 1] < G[:n - 1])
    closed = _closure_mask(dnn, U)
    best: dict[int, int] = {}
    for block in range(0, len(U), _BLOCK):
        cols = U[block:block + _BLOCK]
        thr, a = G[cols], A[cols]
        col_of = {int(c): j for j, c in enumerate(cols)}
        seg = np.empty((n, len(cols)), dtype=np.int64)
        for x in range(n):
            if clock is not None and not x % 1024:
                clock.check()
            raw = np.minimum(seg[preds[x]].min(axis=0) + f[x], _INF) if preds[x] else np.full(len(cols), _INF)
            if not closed[x]:
                hit = (G[x] < thr) & (raw < _INF)
                if hit.any():
                    ratio = int(((a[hit] + raw[hit] - G[x]) // (thr[hit] - a[hit])).min())
                    best[x] = min(ratio, best.get(x, ratio))
            seg[x] = np.where(G[x] >= thr, raw, _INF)
            if x in col_of:
                seg[x, col_of[x]] = 0
    return PathCuts(tuple(int(c) for c in U), best)


def _closure_mask(dnn: DNN, nodes) -> np.ndarray:
    """The input, ``nodes`` and all their ancestors, as a mask."""
    mask = np.zeros(len(dnn), dtype=bool)
    mask[list(nodes)] = True
    mask[dnn.input] = True
    for v in range(len(dnn) - 1, -1, -1):
        if mask[v]:
            mask[list(dnn.preds[v])] = True
    return mask


def check_size(jp: JointProblem, method: str) -> None:
    """Refuse problems above :data:`MAX_DNN_LAYERS` layers in one DNN or :data:`MAX_TOTAL_LAYERS`
    layers over all jobs (problem D has a node per layer of every job)."""
    big = max(jp.jobs, key=len)
    if len(big) > MAX_DNN_LAYERS:
        raise SizeLimitError(f"{method}: DNN {big.name!r} has {len(big)} layers, above the ceiling {MAX_DNN_LAYERS}")
    total = sum(len(d) for d in jp.jobs)
    if total > MAX_TOTAL_LAYERS:
        raise SizeLimitError(f"{method}: {len(jp.jobs)} jobs with {total} layers in all, above the ceiling "
                             f"{MAX_TOTAL_LAYERS} (problem D has a node per layer of every job)")


def path_partitions(jp: JointProblem, clock: Clock | None = None) -> tuple[list[Partition], dict]:
    """Every job's partition by Alg. 2 per path (Alg. 3), with Alg. 2's ratio across identical jobs.

    Jobs of one DNN (the same object) are ranked 0..n-1.  For a path with cuts ``l* - 1``,
    ``l*`` and ratio ``R``, ``n1 = floor(n R / (R + 1))`` of them (the lowest ranks) cut it at
    ``l* - 1`` and the others at ``l*``.  A job's local set is the union of its paths' local
    prefixes, closed under predecessors (a prefix of one path need not contain the other inputs
    of its layers): by :class:`PathCuts`, the closure of the uncrossed candidates and of the
    first crossings ``v`` with ``floor(n R_min(v) / (R_min(v) + 1)) <= rank`` (``n1`` increases
    with ``R``).  ``info["partition_types"]``: distinct partitions per DNN.

    ``clock`` is checked before and during each DNN's passes; if it runs out, the jobs of that DNN
    and the next stay local (``info["stopped"]`` names how many).
    """
    groups: dict[int, list[int]] = {}
    for k, dnn in enumerate(jp.jobs):
        groups.setdefault(id(dnn), []).append(k)
    parts: list[Partition | None] = [None] * len(jp.jobs)
    types = []
    info: dict = {}
    for g, ks in enumerate(groups.values()):
        dnn = jp.jobs[ks[0]]
        f, u, _ = jp.times[ks[0]]
        try:
            if clock is not None:
                clock.check()
            cuts = path_cuts(dnn, f, u, clock)
        except TimeLimitReached:
            rest = [k for kk in list(groups.values())[g:] for k in kk]
            for k in rest:
                parts[k] = Partition.local_only(jp.jobs[k])
            info["stopped"] = f"time limit: {len(rest)} jobs left local-only, not partitioned"
            break
        n = len(ks)
        n1 = {v: n * ratio // (ratio + 1) for v, ratio in cuts.first_crossing.items()}
        steps = sorted(set(n1.values()))
        cache: dict[int, Partition] = {}
        for rank, k in enumerate(ks):
            key = bisect_right(steps, rank)
            if key not in cache:
                chosen = [v for v, m in n1.items() if m <= rank]
                cache[key] = Partition(dnn, _closure_mask(dnn, list(cuts.uncrossed) + chosen))
            parts[k] = cache[key]
        types.append(len(cache))
    return parts, {"partition_types": types, **info}  # type: ignore[return-value]


def jps(problem: JointProblem, *, time_limit: float | None = None, rule: str = "auto") -> SolverOutput:
    """Seed 001 JPS: Alg. 2 (binary search for the f = g crossing of a chain, cuts ``l* - 1`` and
    ``l*`` in the ratio ``floor((f(l*) - g(l*)) / (g(l*-1) - f(l*-1)))``) on every path of every
    DNN (Alg. 3, :func:`path_partitions`), then the paths of all jobs ordered by Johnson's rule and
    run once each ("modified Alg. 1", :func:`offloadsched.heuristics.path_johnson.path_johnson` with ``rule``).

    For n identical chain jobs this is Alg. 2 + Alg. 1.  O(k) per chain (curves) + O(n log n);
    for DAGs O(k (l + e)) per DNN of l layers, e edges and k candidate cuts (:func:`path_cuts`)
    plus the path-level schedule (:func:`~offloadsched.heuristics.path_johnson.path_johnson`, by
    dynamic programming): no path is listed.  Refuses a DNN above :data:`MAX_DNN_LAYERS` layers
    and jobs above :data:`MAX_TOTAL_LAYERS` layers in all (:class:`SizeLimitError`).
    ``time_limit``: checked before each DNN's partition and each class of identical jobs in the
    schedule; when it runs out, the jobs not yet partitioned stay local and the layers run FIFO
    (``info["stopped"]`` says so).

    Round trip ``w_rtt`` (MODEL.md section 1): paid once after the last upload, on no machine, so
    it is not part of Alg. 2's per-job balance of f and g (in seed 001's relaxation its share per
    job, w_rtt / n, vanishes) and the cuts are the paper's; the schedule step pays it
    (:func:`~offloadsched.heuristics.path_johnson.path_johnson`: local-only paths last, layers no upload
    waits for last).  The result is scored by the evaluator, w_rtt included.

    Release times: the cuts balance amounts of work (no clock), so release times do not enter them;
    the schedule step is release-aware (:func:`~offloadsched.heuristics.path_johnson.path_johnson`:
    its order waiting for releases or its non-delay dispatch, whichever is shorter).
    """
    jp = check_joint(problem, "jps")
    check_rule(rule, "jps")
    check_size(jp, "jps")
    clock = Clock(time_limit)
    parts, info = path_partitions(jp, clock)
    return joint_output(jp, parts, lambda d: path_johnson(d, rule=rule, time_limit=clock.remaining()), **info)
