"""Recursive merge of schedule lists for out-trees (seed 001 Alg. 5, seed 000 "layer-wise scheduling").

References (docs/REFERENCES.md): [Seed000], [Seed001], [Johnson1954]."""

from __future__ import annotations

import heapq
from collections import deque

from offloadsched.errors import ValidationError
from offloadsched.problems import DagProblem
from offloadsched.registry import SolverOutput
from offloadsched.schedule import Schedule
from offloadsched.sp import gc_paused

from ._common import JohnsonKey, defer_local_tail, johnson_key, local_children, require_dag, upload_weights
from ._release import release_aware_schedule


class _Block:
    """A run of a schedule list that the head-by-head merge always emits in one piece: a head
    element ``(f, g, nodes)`` followed by absorbed blocks (``parts``), each with key <= ``key``."""

    __slots__ = ("key", "f", "g", "nodes", "parts")

    def __init__(self, f: int, g: int, nodes: deque) -> None:
        self.f, self.g, self.nodes = f, g, nodes
        self.key: JohnsonKey = johnson_key(f, g)
        self.parts: list[_Block] = []


# A schedule list: one block, or its blocks by head key (keys are distinct) with a heap of the keys.
_Blocks = tuple[dict, list]
_List = _Block | _Blocks


def _as_blocks(blocks: list[_Block]) -> _List:
    """A list from blocks with increasing keys (a sorted list is a heap)."""
    if len(blocks) == 1:
        return blocks[0]
    return {b.key: b for b in blocks}, [b.key for b in blocks]


def _merge(lists: list[_List]) -> _List:
    """Merge the lists of sibling subtrees (``lists`` in child order) as Alg. 5 lines 7-10 do.

    Comparing heads with Johnson's rule (ties: earlier child first) emits whole blocks, and each
    list's block keys increase, so the merge is the blocks sorted by (key, child); blocks with
    equal keys fuse (the later is absorbed).  Small lists are merged into the largest.
    """
    if len(lists) == 1:
        return lists[0]
    big = max(range(len(lists)), key=lambda i: 0 if isinstance(lists[i], _Block) else len(lists[i][0]))
    if isinstance(lists[big], _Block):  # only single blocks: sort them
        entries = sorted(((b.key, pos, b) for pos, b in enumerate(lists)), key=lambda e: e[:2])
        out: list[_Block] = []
        for key, _, blk in entries:
            if out and out[-1].key == key:
                out[-1].parts.append(blk)
            else:
                out.append(blk)
        return _as_blocks(out)
    blocks, heap = lists[big]
    origin: dict[JohnsonKey, int] = {}
    fused: dict[JohnsonKey, list[tuple[int, _Block]]] = {}
    for pos, other in enumerate(lists):
        if pos == big:
            continue
        for blk in (other,) if isinstance(other, _Block) else other[0].values():
            key = blk.key
            if key in blocks:
                fused.setdefault(key, [(origin.get(key, big), blocks[key])]).append((pos, blk))
            else:
                blocks[key] = blk
                origin[key] = pos
                heapq.heappush(heap, key)
    for key, entries in fused.items():
        entries.sort(key=lambda e: e[0])
        first = entries[0][1]
        first.parts.extend(blk for _, blk in entries[1:])
        blocks[key] = first
    return blocks, heap


def _group(lst: _List, v: int, fv: int, gv: int) -> _List:
    """Alg. 5 lines 11-12: add node ``v`` to the first element of the merged list, then restore
    the block structure (the first element's key changed)."""
    if isinstance(lst, _Block):
        first, old, blocks, heap = lst, lst.key, None, None
    else:
        blocks, heap = lst
        old = heapq.heappop(heap)
        first = blocks.pop(old)
    first.f += fv
    first.g += gv
    first.nodes.appendleft(v)
    first.key = key = johnson_key(first.f, first.g)
    if key >= old:  # worse head: it now also absorbs the following blocks with keys <= key
        if blocks is None:
            return first
        while heap and heap[0] <= key:
            first.parts.append(blocks.pop(heapq.heappop(heap)))
        new = [first]
    else:  # better head: absorbed parts with larger keys become blocks again
        parts, first.parts = first.parts, []
        new, cur = [first], first
        for part in parts:
            if part.key <= cur.key:
                cur.parts.append(part)
            else:
                cur = part
                new.append(part)
        if blocks is None:
            return _as_blocks(new)
    if not blocks:
        return _as_blocks(new)
    for blk in new:
        blocks[blk.key] = blk
        heapq.heappush(heap, blk.key)
    return blocks, heap


def two_parent_node(dag: DagProblem) -> int | None:
    """A local node with two or more parents, or None when every job's local graph is an out-tree."""
    return next((v for v in dag.local_nodes.tolist() if len(dag.preds[v]) > 1), None)


def not_out_forest(dag: DagProblem) -> str | None:
    """Why ``dag``'s local graph is not a forest of out-trees (a node with two parents), or None."""
    v = two_parent_node(dag)
    if v is None:
        return None
    ps = dag.preds[v]
    return (f"the local graph of job {dag.job_names[int(dag.job[v])]!r} is not an out-tree: node "
            f"{dag.names[v]!r} has {len(ps)} parents ({', '.join(repr(dag.names[p]) for p in ps)}); "
            "use 'topo-johnson'")


def check_out_forest(dag: DagProblem, method: str) -> None:
    """Raise a ValidationError naming a local node with two parents, if any."""
    reason = not_out_forest(dag)
    if reason:
        raise ValidationError(f"{method}: {reason}")


def tree_merge_elements(problem: DagProblem) -> list[tuple[int, int, list[int]]]:
    """The final schedule list of Alg. 5: elements ``(f, g, nodes)`` in order."""
    dag = require_dag(problem, "tree-merge")
    check_out_forest(dag, "tree-merge")
    f, g = dag.f.tolist(), upload_weights(dag).tolist()
    children = local_children(dag)
    lists: dict[int, _List] = {}
    local = dag.local_nodes.tolist()
    for v in reversed(local):
        kids = children[v]
        if not kids:
            lists[v] = _Block(f[v], g[v], deque((v,)))
        elif len(kids) == 1:
            lists[v] = _group(lists.pop(kids[0]), v, f[v], g[v])
        else:
            lists[v] = _group(_merge([lists.pop(c) for c in kids]), v, f[v], g[v])
    roots = [v for v in local if not dag.preds[v]]
    merged = _merge([lists.pop(r) for r in roots]) if roots else ({}, [])
    blocks = [merged] if isinstance(merged, _Block) else [merged[0][k] for k in sorted(merged[0])]
    out: list[tuple[int, int, list[int]]] = []
    for top in blocks:
        stack = [top]
        while stack:
            blk = stack.pop()
            out.append((blk.f, blk.g, list(blk.nodes)))
            stack.extend(reversed(blk.parts))
    return out


def tree_merge(problem: DagProblem, *, time_limit: float | None = None, return_trace: bool = False) -> SolverOutput:
    """Seed 001 Alg. 5 (and seed 000): bottom-up, each local node's children's schedule lists are
    merged head by head with Johnson's rule on ``(f, g)`` (``g`` = upload time of a cut-point,
    else 0), then the node is grouped with the first element (its ``(f, g)`` added to it).
    Several roots (several jobs: a forest) are merged the same way, without grouping.  Ties
    between heads with equal Johnson keys go to the earlier child (node index order).

    The local graph of every job must be an out-tree (each local node at most one parent);
    otherwise a ValidationError names a node with two parents.  Remote times are ignored; uploads
    follow the evaluator's default order.  Iterative; the merge moves whole runs ("blocks") from
    smaller lists into the largest with heaps, O(n log^2 n) when internal nodes upload nothing
    (the paper's setting; an internal cut-point can split a run, adding a scan of its parts).

    ``return_trace``: ``info["elements"]`` = the final list's ``(f, g)`` and ``info["groups"]``
    its node groups.

    Round trip ``w_rtt > 0`` (MODEL.md section 1): the Johnson comparisons are unchanged (w_rtt is
    a constant after the last upload; blocks with ``g = 0`` already sort last), but a cut-point's
    local descendant that uploads nothing would be glued behind it, so the layers no upload waits
    for are moved last (:func:`~offloadsched.heuristics._common.defer_local_tail`; the trace shows
    the merge before that move).  Seed 001 Thm. 4 (optimal on trees) is false even with
    ``w_rtt = 0`` (claim ``tree-merge-optimal``); the tests only check valid schedules.

    Release times: the merge compares amounts of work, not times, so it is unchanged; the merged
    order is kept with the evaluator waiting for each job's release, or replaced by its non-delay
    dispatch when that is shorter (:func:`~offloadsched.heuristics._release.release_aware_schedule`,
    ``info["release"]``).
    """
    with gc_paused():
        elements = tree_merge_elements(problem)
    info = {}
    if return_trace:
        info = {"elements": [(a, b) for a, b, _ in elements], "groups": [nodes for _, _, nodes in elements]}
    order = defer_local_tail(problem, [v for _, _, nodes in elements for v in nodes])
    sched, more = release_aware_schedule(problem, Schedule({"local": order}))
    return SolverOutput(sched, info={**info, **more})
