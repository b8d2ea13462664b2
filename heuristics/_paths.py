"""Path-level Johnson order of a DAG problem without listing every source-to-sink path.

Johnson's rule sees a source-to-sink path only through its local prefix: ``p1`` is the prefix's
local compute and ``p2`` the upload where the path leaves the device (0 for an all-local path).
Paths with the same local prefix have equal ``(p1, p2)``, and when the paths are executed in
order with replicas run once (:func:`offloadsched.paths.execute_path_order`) only the first of
them runs anything locally.  The local order that the full path list of
:func:`offloadsched.paths.dag_paths` gives (paths in depth-first order, stable Johnson sort,
layers at their first appearance, then the priority-respecting linear extension) therefore
depends only on each layer's *first item*: the least ``(Johnson key, root, depth-first
position)`` over the distinct local prefixes through it, and its depth in that item.

An item is written as its root's rank and the ranks of the successors it takes (a crossing to
the server is the rank of the first remote successor), so depth-first order is lexicographic
order.  First items are found by dynamic programming over the local graph (min-weight and
lexicographically least prefixes and suffixes per end point, O(ends x arcs x depth)), once per
class of identical jobs (equal connected components of the local graph).  A test checks them
against the listed prefixes and the full path list on random DAGs.

References (docs/REFERENCES.md): [Johnson1954].
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import chain

import numpy as np

from offloadsched.paths import priority_topological_order
from offloadsched.problems import DagProblem

from ._clock import Clock

# Per relative node: (f, u, successor positions with -1 for a remote successor).
Signature = tuple[tuple[int, int, tuple[int, ...]], ...]
# A layer's first item: (Johnson key, root rank, successor-rank code, depth).
First = tuple[tuple[int, int], int, tuple[int, ...], int]


def weak_components(preds, keep: np.ndarray) -> list[list[int]]:
    """Weakly connected components of the nodes with ``keep`` and the arcs among them, each
    sorted, by smallest node (scipy's connected components, O(n + e))."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(keep)
    src = np.fromiter(chain.from_iterable(preds), dtype=np.int64, count=sum(map(len, preds)))
    dst = np.repeat(np.arange(n), [len(p) for p in preds])
    inside = keep[src] & keep[dst]
    graph = coo_matrix((np.ones(int(inside.sum()), dtype=np.int8), (src[inside], dst[inside])), shape=(n, n))
    _, labels = connected_components(graph, directed=True, connection="weak")
    nodes = np.flatnonzero(keep)
    nodes = nodes[np.argsort(labels[nodes], kind="stable")]
    cuts = np.flatnonzero(np.diff(labels[nodes])) + 1
    return sorted(part.tolist() for part in np.split(nodes, cuts)) if len(nodes) else []


def _components(dag: DagProblem) -> list[list[int]]:
    """Weakly connected components of the local graph, each sorted, by smallest node."""
    return weak_components(dag.preds, dag.local)


def signatures(dag: DagProblem, comps: list[list[int]]) -> list[Signature]:
    """Everything the paths through each component depend on, in positions relative to it."""
    f, u = dag.f.tolist(), dag.u.tolist()
    out = []
    for comp in comps:
        pos = {v: i for i, v in enumerate(comp)}
        out.append(tuple((f[v], u[v], tuple(pos.get(s, -1) for s in dag.succs[v])) for v in comp))
    return out


def _roots(sig: Signature) -> list[int]:
    has_pred = [False] * len(sig)
    for _, _, succ in sig:
        for s in succ:
            if s >= 0:
                has_pred[s] = True
    return [v for v in range(len(sig)) if not has_pred[v]]


def count_prefixes(sig: Signature) -> int:
    """Number of distinct local prefixes (dynamic programming)."""
    ways = [0] * len(sig)
    for v in _roots(sig):
        ways[v] = 1
    total = 0
    for v, (_, _, succ) in enumerate(sig):
        if not succ or -1 in succ:
            total += ways[v]
        for s in succ:
            if s >= 0:
                ways[s] += ways[v]
    return total


def first_by_dp(sig: Signature) -> dict[int, First]:
    """First items by dynamic programming: for every end point ``e`` (a cut-point, crossing, or
    a local sink) and layer ``v`` reaching it, the best item through ``v`` ending at ``e`` has key
    ``(0, W)`` with ``W`` the least weight if ``W < p2(e)`` (then the lexicographically least
    least-weight prefix and suffix), else ``(1, -p2(e))`` (then the lexicographically least ones)."""
    n = len(sig)
    pmin: list = [None] * n  # (weight, root rank, code)
    plex: list = [None] * n  # (root rank, code)
    for rank, root in enumerate(_roots(sig)):
        pmin[root] = (sig[root][0], rank, ())
        plex[root] = (rank, ())
    for v, (_, _, succ) in enumerate(sig):
        w, rank, code = pmin[v]
        for k, s in enumerate(succ):
            if s >= 0:
                cand = (w + sig[s][0], rank, code + (k,))
                if pmin[s] is None or cand < pmin[s]:
                    pmin[s] = cand
                cand2 = (plex[v][0], plex[v][1] + (k,))
                if plex[s] is None or cand2 < plex[s]:
                    plex[s] = cand2
    best: dict[int, First] = {}
    for e, (_, ue, succ_e) in enumerate(sig):
        if succ_e and -1 not in succ_e:
            continue
        p2, tail = (ue, (succ_e.index(-1),)) if succ_e else (0, ())
        smin: dict[int, tuple[int, tuple[int, ...]]] = {e: (0, tail)}
        slex: dict[int, tuple[int, ...]] = {e: tail}
        for v in range(e - 1, -1, -1):
            for k, s in enumerate(sig[v][2]):
                if s in smin:
                    cand = (sig[s][0] + smin[s][0], (k,) + smin[s][1])
                    if v not in smin or cand < smin[v]:
                        smin[v] = cand
                    cand2 = (k,) + slex[s]
                    if v not in slex or cand2 < slex[v]:
                        slex[v] = cand2
        for v, (sw, scode) in smin.items():
            w, rank, code = pmin[v]
            if w + sw < p2:
                item = ((0, w + sw), rank, code + scode, len(code))
            else:
                item = ((1, -p2), plex[v][0], plex[v][1] + slex[v], len(plex[v][1]))
            if v not in best or item < best[v]:
                best[v] = item
    return best


def rank_first_items(found: list[tuple[dict[int, First], list[list[int]], list[int]]],
                     root_rank: dict[int, int]) -> dict[int, int]:
    """Every node's rank in the order of its first item ``(key, root rank, code, depth)``.

    ``found``: per class of identical components, the first items by relative node, the member
    components (relative node -> node) and the relative roots.  Members differ only in their
    roots' ranks, so a class is sorted once and the nodes of all members are ranked by (key, root
    rank, rank within the class) with one numpy sort: O(n log n) for n nodes.
    """
    nodes: list[int] = []
    k0: list[int] = []
    k1: list[int] = []
    roots_of: list[int] = []
    within: list[int] = []
    for first, members, roots in found:
        rels = sorted(first, key=first.__getitem__)
        keys0, keys1 = [first[v][0][0] for v in rels], [first[v][0][1] for v in rels]
        ranks = [first[v][1] for v in rels]
        for comp in members:
            nodes += [comp[v] for v in rels]
            k0 += keys0
            k1 += keys1
            roots_of += [root_rank[comp[roots[r]]] for r in ranks]
            within += range(len(rels))
    order = np.lexsort((np.array(within), np.array(roots_of), np.array(k1, dtype=np.int64), np.array(k0)))
    return {nodes[i]: k for k, i in enumerate(order.tolist())}


def johnson_path_order(dag: DagProblem, first_items: Callable[[Signature], dict[int, First]] | None = None,
                       clock: Clock | None = None) -> tuple[list[int], dict]:
    """The local order of the paths of ``dag`` sorted by Johnson's rule on ``(p1, p2)`` (stable:
    depth-first path order on ties) and executed with replicas once; see the module docstring.

    First items by dynamic programming (:func:`first_by_dp`; a test passes the listing oracle as
    ``first_items``), once per class of identical jobs; ``clock`` is checked before each class.
    ``info``: ``paths`` (local prefixes, every job counted), ``distinct_paths`` (identical jobs
    once).
    """
    comps = _components(dag)
    classes: dict[Signature, list[list[int]]] = {}
    for comp, sig in zip(comps, signatures(dag, comps)):
        classes.setdefault(sig, []).append(comp)
    counts = {sig: count_prefixes(sig) for sig in classes}
    root_rank = {v: i for i, v in enumerate(v for v in dag.local_nodes.tolist() if not dag.preds[v])}
    found = []
    for sig, members in classes.items():
        if clock is not None:
            clock.check()
        found.append(((first_items or first_by_dp)(sig), members, _roots(sig)))
    order = priority_topological_order(dag.local_nodes.tolist(), dag.preds, rank_first_items(found, root_rank))
    info = {"paths": sum(counts[sig] * len(m) for sig, m in classes.items()), "distinct_paths": sum(counts.values())}
    return order, info
