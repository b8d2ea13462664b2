"""Test oracles: seed 001's path-based steps by listing the paths (the enumerating versions that
the polynomial dynamic programs of ``heuristics/jps.py`` and ``heuristics/_paths.py`` replace).

* :func:`enumerated_path_cuts` - Alg. 2 on every source-to-sink path prefix up to its f >= g cut,
  depth first (Alg. 3 lines 1-5).
* :func:`enumerated_partitions` - every job's partition from those cuts with Alg. 2's ratio.
* :func:`first_by_listing` - the Johnson first items of the distinct local prefixes, listed.
* :func:`enumerated_eja_schedule` - the DAG's full paths ordered by EJA and executed with
  replicas once (Alg. 3 line 6 with seed 002's three stages).
* :func:`enumerated_jps_schedule` - JPS's schedule step (Johnson or EJA) from the listed paths.
"""

from __future__ import annotations

from bisect import bisect_right

import numpy as np

from offloadsched.dnn import DNN
from offloadsched.heuristics._common import defer_local_tail, johnson_key, stage_order
from offloadsched.heuristics._paths import (
    First,
    Signature,
    _components,
    _roots,
    count_prefixes,
    johnson_path_order,
    signatures,
)
from offloadsched.heuristics.jps import _closure_mask
from offloadsched.partition import Partition
from offloadsched.paths import dag_paths, execute_path_order, path_times
from offloadsched.problems import DagProblem, JointProblem
from offloadsched.schedule import Schedule

PathCut = tuple[int | None, int, int]


class TooManyPaths(Exception):
    """More path prefixes than the oracle lists."""


def enumerated_path_cuts(dnn: DNN, f, u, limit: int = 100_000) -> list[PathCut]:
    """Per path prefix up to its first candidate with F >= G: (previous candidate or None, cut, ratio)."""
    f, u, succs = list(map(int, f)), list(map(int, u)), dnn.succs
    out: list[PathCut] = []
    top = np.iinfo(np.int64).max
    stack = [(dnn.input, f[dnn.input], top, None)]
    while stack:
        v, F, gmin, prev = stack.pop()
        G = u[v] if succs[v] else 0
        if G < gmin:  # a candidate cut
            if F >= G:
                ratio = 0 if prev is None else (F - G) // (prev[2] - prev[1])
                out.append((prev[0] if prev else None, v, ratio))
                if len(out) > limit:
                    raise TooManyPaths(dnn.name)
                continue
            gmin, prev = G, (v, F, G)
        stack.extend((s, F + f[s], gmin, prev) for s in reversed(succs[v]))
    return out


def enumerated_partitions(jp: JointProblem, limit: int = 100_000) -> list[Partition]:
    """Alg. 3's partitions from the listed path prefixes: the lowest ``floor(n R / (R + 1))`` ranks
    of the n jobs of one DNN cut a path at ``l* - 1``, the others at ``l*``; closed under predecessors."""
    groups: dict[int, list[int]] = {}
    for k, dnn in enumerate(jp.jobs):
        groups.setdefault(id(dnn), []).append(k)
    parts: list[Partition | None] = [None] * len(jp.jobs)
    for ks in groups.values():
        dnn = jp.jobs[ks[0]]
        f, u, _ = jp.times[ks[0]]
        cuts = enumerated_path_cuts(dnn, f, u, limit)
        n = len(ks)
        n1 = [n * ratio // (ratio + 1) if c1 is not None else 0 for c1, _, ratio in cuts]
        steps = sorted(set(n1))
        cache: dict[int, Partition] = {}
        for rank, k in enumerate(ks):
            key = bisect_right(steps, rank)
            if key not in cache:
                chosen = {c1 if rank < m else c2 for (c1, c2, _), m in zip(cuts, n1)}
                cache[key] = Partition(dnn, _closure_mask(dnn, chosen))
            parts[k] = cache[key]
    return parts  # type: ignore[return-value]


def enumerated_eja_schedule(dag: DagProblem, limit: int = 100_000) -> Schedule:
    """Every full path's (p1, p2, p3) ordered by EJA (stable: depth-first order on ties) and
    executed on the DAG with replicas once (before the round-trip tail is moved)."""
    paths = dag_paths(dag, limit)
    return execute_path_order(dag, paths, stage_order(path_times(dag, paths)).tolist())


def first_by_listing(sig: Signature) -> tuple[dict[int, First], np.ndarray]:
    """First items by listing the distinct prefixes depth first; also their ``(p1, p2)``."""
    items: list[tuple[tuple[int, int], int, tuple[int, ...], tuple[int, ...]]] = []
    times: list[tuple[int, int]] = []
    for rank, root in enumerate(_roots(sig)):
        stack: list[tuple[int, tuple[int, ...], tuple[int, ...], int]] = [(root, (root,), (), sig[root][0])]
        while stack:
            v, path, code, p1 = stack.pop()
            succ = sig[v][2]
            if not succ:
                items.append((johnson_key(p1, 0), rank, code, path))
                times.append((p1, 0))
                continue
            entries = []
            for k, s in enumerate(succ):
                if s >= 0:
                    entries.append((s, path + (s,), code + (k,), p1 + sig[s][0]))
            stack.extend(reversed(entries))
            if -1 in succ:  # the crossing item: its code ends with the first remote successor's rank
                k = succ.index(-1)
                items.append((johnson_key(p1, sig[v][1]), rank, code + (k,), path))
                times.append((p1, sig[v][1]))
    first: dict[int, First] = {}
    for key, rank, code, path in sorted(items, key=lambda it: it[:3]):
        for depth, v in enumerate(path):
            first.setdefault(v, (key, rank, code, depth))
    return first, np.array(times, dtype=np.int64).reshape(len(times), 2)


def enumerated_jps_schedule(dag: DagProblem, rule: str, limit: int = 100_000) -> Schedule:
    """JPS's schedule step from listed paths: Johnson (the distinct local prefixes, listed: local
    order only, default uploads) or EJA (the full paths), then the layers no upload waits for moved
    last (round trip)."""
    if rule == "johnson":
        comps = _components(dag)
        if sum(count_prefixes(sig) for sig in set(signatures(dag, comps))) > limit:
            raise TooManyPaths(dag.name)
        local, _ = johnson_path_order(dag, first_items=lambda sig: first_by_listing(sig)[0])
        return Schedule({"local": defer_local_tail(dag, local)})
    ref = enumerated_eja_schedule(dag, limit)
    return Schedule(dict(ref.sequences, local=defer_local_tail(dag, ref["local"].tolist())))
