"""Series-parallel partial orders: recognition, decomposition tree, "N" witness.

A partial order is *vertex series-parallel* (Valdes, Tarjan, Lawler, "The recognition of series
parallel digraphs", SIAM J. Comput. 11(2), 1982) when it is built from single elements by series
composition (everything of the first part precedes everything of the second) and parallel
composition (disjoint union, no relation across).  It is series-parallel if and only if it has no
induced "N": four elements with ``a < c``, ``b < c``, ``b < d`` and ``a || b``, ``a || d``,
``c || d`` (VTL 1982; equivalently, its comparability graph is a cograph).  Here the order is the
*reachability* order of a DAG: transitive arcs (``a -> c`` when ``a -> b -> c`` exists) change
nothing, and a residual block's identity skip ``x -> add`` is one of them (the main path
``x -> conv -> ... -> add`` implies it).

Algorithm (reduction on modules).  Every node of the DAG starts as a module.  Two rules merge
modules, and both are valid on *any* DAG that generates the order, transitive arcs or not:

* series: ``x -> y`` is ``x``'s only out-arc and ``y``'s only in-arc, so ``{x, y}`` is a series
  module (``x`` first);
* parallel: ``x`` and ``y`` have the same in-neighbours and the same out-neighbours, so they are
  incomparable twins (detected with XOR hashes of the neighbour sets, verified exactly).

Each merge builds the module's decomposition subtree and keeps the quotient graph a DAG that
generates the quotient order.  An order is series-parallel iff the rules reduce it to one node
once no transitive arc is left: a deepest internal node of the decomposition tree always offers a
rule on the transitive reduction (its leaf children are twins or a series pair), and an N never
shrinks (an N is prime: a two-element module meets it in at most one element).  Transitive arcs
can block the rules, so when the rules stop the remaining *core* is transitively reduced (only
arcs into nodes with in-degree >= 2 from nodes with out-degree >= 2 can be transitive; each is
tested by a backward search bounded below by the topological index of the lowest candidate) and
the rules run again.  A non-trivial core is then the Hasse diagram of an order with an N, found on
reachability bit sets of the core and mapped back through one representative node per module.

Complexity.  Chains, out-trees, in-trees and forests of either kind are decomposed directly in
one O(n) pass.  Otherwise maximal chains are contracted first in one O(n + m) pass, and each rule
application costs the degree of the removed node (amortised, expected: hashing), so graphs that
reduce without transitive reduction take O(n + m).  Transitive reduction of the core
costs the backward regions it searches: a module's size per merge node on DNN-like graphs
(residual and Inception blocks), O(n m) in the worst case.  The witness search costs
O(r * e / 64) bit operations on a core of r nodes and e arcs plus the search itself (a cover
pattern first, O(r^3 / 64) at worst).  Recursion-free throughout.

References (docs/REFERENCES.md): [ValdesTarjanLawler1982].
"""

from __future__ import annotations

import gc
import random
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import cast

from .errors import ValidationError

__all__ = [
    "Leaf", "Series", "Parallel", "SPTree", "SPAnalysis", "NotSeriesParallel", "analyze", "decompose",
    "is_series_parallel", "find_n", "leaves", "postorder", "series", "parallel", "tree_size", "gc_paused",
]


@contextmanager
def gc_paused():
    """Pause the cyclic garbage collector (restored on exit): building 10^5..10^6 small acyclic
    objects otherwise triggers repeated full collections that cost more than the algorithm."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


# -- the decomposition tree -----------------------------------------------------------------------
@dataclass(eq=False, slots=True)
class Leaf:
    """One element (a node label of the input graph)."""

    node: int


@dataclass(eq=False, slots=True)
class Series:
    """Series composition: every element of ``children[i]`` precedes every element of ``children[j > i]``."""

    children: tuple[SPTree, ...]


@dataclass(eq=False, slots=True)
class Parallel:
    """Parallel composition: no relation between elements of different children."""

    children: tuple[SPTree, ...]


SPTree = Leaf | Series | Parallel


def _compose(cls, parts: Iterable[SPTree]) -> SPTree:
    children: list[SPTree] = []
    for t in parts:
        if isinstance(t, cls):
            children.extend(t.children)
        else:
            children.append(t)
    if not children:
        raise ValidationError(f"{cls.__name__.lower()}() needs at least one part")
    return children[0] if len(children) == 1 else cls(tuple(children))


def series(*parts: SPTree) -> SPTree:
    """The series composition of ``parts`` (in order), flattened: a part that is itself a series
    node contributes its children; one part is returned as it is."""
    return _compose(Series, parts)


def parallel(*parts: SPTree) -> SPTree:
    """The parallel composition of ``parts``, flattened like :func:`series`."""
    return _compose(Parallel, parts)


def postorder(tree: SPTree) -> Iterator[SPTree]:
    """Every node of ``tree``, children before their parent (iterative)."""
    stack: list[tuple[SPTree, bool]] = [(tree, False)]
    while stack:
        t, done = stack.pop()
        if done or isinstance(t, Leaf):
            yield t
        else:
            stack.append((t, True))
            stack.extend((c, False) for c in reversed(t.children))


def leaves(tree: SPTree) -> Iterator[int]:
    """The node labels of ``tree`` from left to right (a linear extension of its order)."""
    stack: list[SPTree] = [tree]
    while stack:
        t = stack.pop()
        if isinstance(t, Leaf):
            yield t.node
        else:
            stack.extend(reversed(t.children))


def tree_size(tree: SPTree) -> int:
    """The number of leaves."""
    return sum(1 for _ in leaves(tree))


# -- results ----------------------------------------------------------------------------------------
class NotSeriesParallel(ValidationError):
    """The order is not series-parallel; ``witness = (a, b, c, d)`` is an N of it:
    ``a < c``, ``b < c``, ``b < d`` and ``a || b``, ``a || d``, ``c || d``."""

    def __init__(self, message: str, witness: tuple[int, int, int, int] | None) -> None:
        super().__init__(message)
        self.witness = witness


@dataclass
class SPAnalysis:
    """What :func:`analyze` finds.

    ``tree`` is the decomposition tree (None when the order is not series-parallel); ``witness``
    an N ``(a, b, c, d)`` when it is not (and a witness was asked for).  ``core`` lists one
    representative node per maximal module the reduction built, in a topological order;
    ``modules[rep]`` is that module's subtree and ``core_preds[rep]`` its predecessors in the
    transitively reduced quotient graph.  A series-parallel order has a one-node core.
    """

    nodes: tuple[int, ...]
    tree: SPTree | None
    witness: tuple[int, int, int, int] | None
    core: list[int]
    core_preds: dict[int, tuple[int, ...]]
    modules: dict[int, SPTree] = field(repr=False)

    @property
    def is_series_parallel(self) -> bool:
        return self.tree is not None or not self.nodes


def analyze(nodes: Iterable[int], preds, *, witness: bool = True, seed: int = 0) -> SPAnalysis:
    """Decide whether the reachability order of the DAG induced by ``nodes`` is series-parallel.

    ``preds[v]`` lists the predecessors of node ``v`` (indexable by node label, like
    ``DagProblem.preds``); predecessors outside ``nodes`` are ignored, so ``nodes`` should be
    closed under paths between its members (a predecessor-closed local set is).  Raises a
    :class:`ValidationError` on a repeated node or a cycle.  ``seed`` fixes the hash values.
    """
    with gc_paused():
        return _analyze(nodes, preds, witness, seed)


def _analyze(nodes: Iterable[int], preds, witness: bool, seed: int) -> SPAnalysis:
    labels, ins = _topological(nodes, preds)
    k = len(labels)
    if k == 0:
        return SPAnalysis((), None, None, [], {}, {})
    tree = _forest_tree(labels, ins)
    if tree is not None:
        return SPAnalysis(tuple(labels), tree, None, [labels[0]], {labels[0]: ()}, {labels[0]: tree})
    red = _Reduction(ins, seed)
    red.run()
    if len(red.alive) > 1:
        red.transitive_reduction()
        red.run()
    core = sorted(red.alive)
    modules = {labels[v]: red.tree(v, labels) for v in core}
    core_preds = {labels[v]: tuple(labels[p] for p in sorted(red.preds(v))) for v in core}
    core_labels = [labels[v] for v in core]
    if len(core) == 1:
        return SPAnalysis(tuple(labels), modules[core_labels[0]], None, core_labels, core_preds, modules)
    wit = None
    if witness:
        a, b, c, d = _find_n(core, red.ins, red.outs)
        wit = (labels[a], labels[b], labels[c], labels[d])
    return SPAnalysis(tuple(labels), None, wit, core_labels, core_preds, modules)


def decompose(nodes: Iterable[int], preds) -> SPTree:
    """The decomposition tree of the order of ``nodes`` (see :func:`analyze`).

    Raises :class:`NotSeriesParallel` with an N witness when the order is not series-parallel,
    and a :class:`ValidationError` when ``nodes`` is empty."""
    res = analyze(nodes, preds)
    if res.tree is None:
        if not res.nodes:
            raise ValidationError("decompose: no nodes")
        if res.witness is None:
            raise RuntimeError("series-parallel analysis: no N witness for a non-series-parallel order (a bug)")
        a, b, c, d = res.witness
        raise NotSeriesParallel(f"the order is not series-parallel: N on nodes a={a}, b={b}, c={c}, d={d} "
                                f"(a<c, b<c, b<d; a||b, a||d, c||d)", res.witness)
    return res.tree


def is_series_parallel(nodes: Iterable[int], preds) -> bool:
    """Whether the order of ``nodes`` is series-parallel (an empty order is)."""
    return analyze(nodes, preds, witness=False).is_series_parallel


def find_n(nodes: Iterable[int], preds) -> tuple[int, int, int, int] | None:
    """An N ``(a, b, c, d)`` of the order of ``nodes``, or None when it is series-parallel."""
    return analyze(nodes, preds).witness


# -- input --------------------------------------------------------------------------------------------
def _topological(nodes: Iterable[int], preds) -> tuple[list[int], list[list[int]]]:
    """Node labels in a topological order and each one's distinct in-neighbours (positions)."""
    labels = [int(v) for v in nodes]
    pos = {v: i for i, v in enumerate(labels)}
    if len(pos) != len(labels):
        raise ValidationError(f"series-parallel analysis: node {_first_repeat(labels)} is listed twice")
    ins: list[list[int]] = []
    late = -1  # the last node with a predecessor listed after it (or itself)
    get = pos.get
    for i, v in enumerate(labels):
        lst = [q for q in map(get, preds[v]) if q is not None]
        if len(lst) > 1:
            lst = list(set(lst))
            if max(lst) >= i:
                late = i
        elif lst and lst[0] >= i:
            late = i
        ins.append(lst)
    for i in range(late + 1):
        if i in ins[i]:
            raise ValidationError(f"series-parallel analysis: node {labels[i]} is its own predecessor")
    if late < 0:
        return labels, ins
    k = len(labels)
    indeg = [len(x) for x in ins]
    outs: list[list[int]] = [[] for _ in range(k)]
    for i, lst in enumerate(ins):
        for p in lst:
            outs[p].append(i)
    order = [i for i in range(k) if indeg[i] == 0]
    for i in order:  # the list grows while it is read
        for s in outs[i]:
            indeg[s] -= 1
            if indeg[s] == 0:
                order.append(s)
    if len(order) < k:
        stuck = next(labels[i] for i in range(k) if indeg[i] > 0)
        raise ValidationError(f"series-parallel analysis: the graph has a cycle through node {stuck}")
    new = [0] * k
    for t, i in enumerate(order):
        new[i] = t
    return [labels[i] for i in order], [[new[p] for p in ins[i]] for i in order]


def _first_repeat(labels: list[int]) -> int:
    """The first label listed a second time."""
    seen: set[int] = set()
    for v in labels:
        if v in seen:
            return v
        seen.add(v)
    raise ValueError("no label is repeated")


# -- forests ---------------------------------------------------------------------------------------
def _finish(rev: list[SPTree]) -> SPTree:
    """A series node from its children listed last first (or the only child)."""
    return rev[0] if len(rev) == 1 else Series(tuple(reversed(rev)))


def _forest_tree(labels: list[int], ins: list[list[int]]) -> SPTree | None:
    """The tree of an out-forest (every in-degree <= 1: ``v`` then its subtrees in parallel) or an
    in-forest (every out-degree <= 1), built in one O(n) pass; None for any other DAG."""
    k = len(labels)
    if all(len(x) <= 1 for x in ins):  # out-forest: v, then its subtrees in parallel
        done: list[list[list[SPTree]] | None] = [None] * k  # finished series chains of v's children, last first
        roots: list[SPTree] = []
        for v in range(k - 1, -1, -1):  # children (later positions) are finished before v
            kids = done[v]
            chain: list[SPTree]
            if kids is None:
                chain = [Leaf(labels[v])]
            elif len(kids) == 1:
                chain = kids[0]
                chain.append(Leaf(labels[v]))
            else:
                chain = [Parallel(tuple(_finish(c) for c in kids)), Leaf(labels[v])]
            done[v] = None
            if ins[v]:
                p = ins[v][0]
                siblings = done[p]
                if siblings is None:
                    done[p] = [chain]
                else:
                    siblings.append(chain)
            else:
                roots.append(_finish(chain))
        return roots[0] if len(roots) == 1 else Parallel(tuple(reversed(roots)))
    outdeg = [0] * k
    for lst in ins:
        for p in lst:
            outdeg[p] += 1
    if any(d > 1 for d in outdeg):
        return None
    fwd: list[list[SPTree] | None] = [None] * k  # in-forest: series chains up to v, in order
    for v in range(k):
        ps = ins[v]
        if not ps:
            fwd[v] = [Leaf(labels[v])]
        elif len(ps) == 1:
            up = _taken(fwd, ps[0])
            up.append(Leaf(labels[v]))
            fwd[v] = up
        else:
            par = Parallel(tuple(_chain_tree(_taken(fwd, p)) for p in ps))
            fwd[v] = [par, Leaf(labels[v])]
    tops = [_chain_tree(_taken(fwd, v)) for v in range(k) if outdeg[v] == 0]
    return tops[0] if len(tops) == 1 else Parallel(tuple(tops))


def _taken(chains: list[list[SPTree] | None], v: int) -> list[SPTree]:
    """The series chain ending at ``v`` (in order), taken out of ``chains`` (each is taken once:
    ``v`` has one successor, or none)."""
    c = chains[v]
    if c is None:
        raise RuntimeError(f"series-parallel analysis: the chain of position {v} was taken twice (a bug)")
    chains[v] = None
    return c


def _chain_tree(chain: list[SPTree]) -> SPTree:
    """A series node of ``chain`` (in order), or its only member."""
    return chain[0] if len(chain) == 1 else Series(tuple(chain))


# -- the reduction ------------------------------------------------------------------------------------
_SERIES, _PARALLEL = 1, 2


class _Reduction:
    """Modules of a DAG given by in-neighbour lists over positions ``0..k-1`` (a topological order).

    Module subtrees are kept as "protos": a leaf is ``-1 - position``, an internal node an index
    into ``pkind`` / ``pch`` (kind and a deque of child protos, joined small into large)."""

    def __init__(self, ins_lists: list[list[int]], seed: int) -> None:
        k = len(ins_lists)
        self.pkind: list[int] = []
        self.pch: list[deque[int] | None] = []
        indeg = [len(x) for x in ins_lists]
        outdeg = [0] * k
        last_succ = [-1] * k
        for v, lst in enumerate(ins_lists):
            for p in lst:
                outdeg[p] += 1
                last_succ[p] = v
        # contract maximal chains (series rule along arcs p -> v, p's only out-arc, v's only in-arc)
        rep = list(range(k))
        tail = list(range(k))
        root: list[int] = [0] * k
        heads = []
        for v in range(k):
            if indeg[v] == 1 and outdeg[ins_lists[v][0]] == 1:
                continue  # inside a chain
            heads.append(v)
            cur = v
            members: deque[int] | None = None
            while outdeg[cur] == 1 and indeg[last_succ[cur]] == 1:
                cur = last_succ[cur]
                rep[cur] = v
                if members is None:
                    members = deque((-1 - v,))
                members.append(-1 - cur)
            tail[v] = cur
            if members is None:
                root[v] = -1 - v
            else:
                self.pkind.append(_SERIES)
                self.pch.append(members)
                root[v] = len(self.pkind) - 1
        self.root = root
        self.ins: list[set[int] | None] = [None] * k
        self.outs: list[set[int] | None] = [None] * k
        for h in heads:
            self.ins[h] = {rep[p] for p in ins_lists[h]}
            self.outs[h] = set()
        ins, outs = self._live()  # every head is a module
        for h in heads:
            for p in ins[h]:
                outs[p].add(h)
        self.pin = [len(s) if s is not None else 0 for s in self.ins]  # peak sizes, see _drop
        self.pout = [len(s) if s is not None else 0 for s in self.outs]
        rng = random.Random(seed)
        self.rnd = [rng.getrandbits(64) for _ in range(k)]
        self.hin = [0] * k
        self.hout = [0] * k
        rnd = self.rnd
        for h in heads:
            x = 0
            for p in ins[h]:
                x ^= rnd[p]
            self.hin[h] = x
            x = 0
            for s in outs[h]:
                x ^= rnd[s]
            self.hout[h] = x
        self.alive: set[int] = set(heads)
        self.key: list[tuple[int, int] | None] = [None] * k
        self.buckets: dict[tuple[int, int], set[int]] = {}
        for h in heads:
            key = self.key[h] = (self.hin[h], self.hout[h])
            self.buckets.setdefault(key, set()).add(h)
        self.work: list[int] = heads[::-1]

    def preds(self, v: int) -> set[int]:
        """The in-neighbours of the module represented by ``v`` (which must be alive)."""
        s = self.ins[v]
        if s is None:
            raise RuntimeError(f"series-parallel analysis: position {v} is not a module (a bug)")
        return s

    def _live(self) -> tuple[list[set[int]], list[set[int]]]:
        """``ins`` and ``outs`` as the rules use them: they only read the sets of alive modules, which
        are never None (None marks a position inside a contracted chain or a merged module)."""
        return cast(list[set[int]], self.ins), cast(list[set[int]], self.outs)

    def _children(self, t: int) -> deque[int]:
        """The child protos of the internal proto ``t`` (one not joined into another)."""
        c = self.pch[t]
        if c is None:
            raise RuntimeError(f"series-parallel analysis: proto {t} was joined into another (a bug)")
        return c

    # -- protos ----------------------------------------------------------------------------------
    def _join(self, kind: int, t1: int, t2: int) -> int:
        pk, pc, children = self.pkind, self.pch, self._children
        s1 = t1 >= 0 and pk[t1] == kind
        s2 = t2 >= 0 and pk[t2] == kind
        if s1 and s2:
            c1, c2 = children(t1), children(t2)
            if len(c1) >= len(c2):
                c1.extend(c2)
                pc[t2] = None
                return t1
            c2.extendleft(reversed(c1))
            pc[t1] = None
            return t2
        if s1:
            children(t1).append(t2)
            return t1
        if s2:
            children(t2).appendleft(t1)
            return t2
        pk.append(kind)
        pc.append(deque((t1, t2)))
        return len(pk) - 1

    def tree(self, v: int, labels: Sequence[int]) -> SPTree:
        """The subtree of the module represented by ``v`` (iterative conversion of its proto)."""
        pk, children = self.pkind, self._children
        built: dict[int, SPTree] = {}
        stack = [(self.root[v], False)]
        while stack:
            t, done = stack.pop()
            if t < 0:
                built[t] = Leaf(labels[-1 - t])
            elif done:
                kids = tuple(built.pop(c) for c in children(t))
                built[t] = (Series if pk[t] == _SERIES else Parallel)(kids)
            else:
                stack.append((t, True))
                stack.extend((c, False) for c in children(t))
        return built[self.root[v]]

    # -- rules -------------------------------------------------------------------------------------
    def _touch(self, v: int) -> None:
        """Re-file ``v`` under its current hash key and queue it for the rules."""
        key = (self.hin[v], self.hout[v])
        if key != self.key[v]:
            self._unfile(v)
            self.key[v] = key
            self.buckets.setdefault(key, set()).add(v)
        self.work.append(v)

    def _unfile(self, v: int) -> None:
        key = self.key[v]
        if key is None:  # never filed
            return
        bucket = self.buckets[key]
        bucket.discard(v)
        if not bucket:
            del self.buckets[key]

    def _drop(self, sets: list, peak: list[int], v: int, y: int) -> None:
        """Remove ``y`` from ``sets[v]``; copy the set once it shrank to a quarter of its peak
        (CPython never shrinks a set's table, and iterating a sparse table costs its old size)."""
        s = sets[v]
        s.discard(y)
        if len(s) * 4 < peak[v] and peak[v] > 32:
            sets[v] = set(s)
            peak[v] = len(s)

    def run(self) -> None:
        """Apply the series and parallel rules until neither applies."""
        ins, outs = self._live()
        hin, hout, rnd = self.hin, self.hout, self.rnd
        pin, pout = self.pin, self.pout
        alive, buckets, work, root, touch = self.alive, self.buckets, self.work, self.root, self._touch
        join, drop = self._join, self._drop
        keys = cast(list[tuple[int, int]], self.key)  # alive modules are filed under a key
        while work:
            x = work.pop()
            if x not in alive:
                continue
            # series: x's only predecessor whose only successor is x, or the converse
            pair = None
            if len(ins[x]) == 1:
                p = next(iter(ins[x]))
                if len(outs[p]) == 1:
                    pair = (p, x)
            if pair is None and len(outs[x]) == 1:
                s = next(iter(outs[x]))
                if len(ins[s]) == 1:
                    pair = (x, s)
            if pair is not None:
                p, y = pair
                merged = join(_SERIES, root[p], root[y])
                if len(ins[p]) >= len(outs[y]):  # keep p, relabel y's out-neighbours
                    keep, gone, rp, ry = p, y, rnd[p], rnd[y]
                    for s in outs[y]:
                        drop(ins, pin, s, y)
                        ins[s].add(p)
                        hin[s] ^= ry ^ rp
                        touch(s)
                    outs[p], pout[p], hout[p] = outs[y], pout[y], hout[y]
                else:  # keep y, relabel p's in-neighbours
                    keep, gone, rp, ry = y, p, rnd[p], rnd[y]
                    for q in ins[p]:
                        drop(outs, pout, q, p)
                        outs[q].add(y)
                        hout[q] ^= rp ^ ry
                        touch(q)
                    ins[y], pin[y], hin[y] = ins[p], pin[p], hin[p]
                alive.discard(gone)
                self._unfile(gone)
                self.ins[gone] = self.outs[gone] = None
                root[keep] = merged
                touch(keep)
                continue
            # parallel: a twin with the same in- and out-neighbours (same hashes; equal sets
            # almost always, checked exactly)
            bucket = buckets[keys[x]]
            if len(bucket) < 2:
                continue
            bucket.discard(x)
            y = bucket.pop()  # set.pop keeps a finger: amortised O(1) on a shrinking bucket
            bucket.add(x)
            if ins[y] != ins[x] or outs[y] != outs[x]:
                bucket.add(y)
                twin = next((z for z in bucket if z != x and ins[z] == ins[x] and outs[z] == outs[x]), None)
                if twin is None:
                    continue
                y = twin
                bucket.discard(y)
            ry = rnd[y]
            for q in ins[y]:
                drop(outs, pout, q, y)
                hout[q] ^= ry
                touch(q)
            for s in outs[y]:
                drop(ins, pin, s, y)
                hin[s] ^= ry
                touch(s)
            root[x] = join(_PARALLEL, root[x], root[y])
            alive.discard(y)
            self.ins[y] = self.outs[y] = None
            touch(x)

    def transitive_reduction(self) -> None:
        """Remove the transitive arcs among the remaining modules.

        Only an arc ``p -> v`` with ``indeg(v) >= 2`` and ``outdeg(p) >= 2`` can be transitive; the
        in-neighbours of ``v`` reachable from another in-neighbour are found by one backward
        search from the in-neighbours' own predecessors, bounded below by the lowest candidate
        (positions are a topological order)."""
        ins, outs = self._live()
        hin, hout, rnd = self.hin, self.hout, self.rnd
        for v in sorted(self.alive):
            iv = ins[v]
            if len(iv) < 2:
                continue
            cand = {p for p in iv if len(outs[p]) >= 2}
            if not cand:
                continue
            lo = min(cand)
            seen: set[int] = set()
            stack = [q for p in iv for q in ins[p] if q >= lo]
            found: set[int] = set()
            while stack:
                y = stack.pop()
                if y in seen:
                    continue
                seen.add(y)
                if y in cand:
                    found.add(y)
                    if len(found) == len(cand):
                        break
                stack.extend(q for q in ins[y] if q >= lo and q not in seen)
            rv = rnd[v]
            for p in found:
                self._drop(ins, self.pin, v, p)
                self._drop(outs, self.pout, p, v)
                hin[v] ^= rnd[p]
                hout[p] ^= rv
                self._touch(p)
            if found:
                self._touch(v)


# -- the witness ------------------------------------------------------------------------------------
def _bits(x: int) -> Iterator[int]:
    while x:
        low = x & -x
        yield low.bit_length() - 1
        x ^= low


def _find_n(core: list[int], ins, outs) -> tuple[int, int, int, int]:
    """An N among the modules of a transitively reduced core (positions in a topological order)."""
    idx = {v: i for i, v in enumerate(core)}
    r = len(core)
    cin = [[idx[p] for p in ins[v]] for v in core]
    cout = [[idx[s] for s in outs[v]] for v in core]
    down = [0] * r
    for i in range(r):
        m = 0
        for p in cin[i]:
            m |= down[p] | (1 << p)
        down[i] = m
    up = [0] * r
    for i in range(r - 1, -1, -1):
        m = 0
        for s in cout[i]:
            m |= up[s] | (1 << s)
        up[i] = m
    # 1) an N of covering arcs: b covered by c and d, c also covers a, and a is not below d
    for b in range(r):
        if len(cout[b]) < 2:
            continue
        for c in cout[b]:
            for a in cin[c]:
                if a == b:
                    continue
                for d in cout[b]:
                    if d != c and not (down[d] >> a) & 1:
                        return core[a], core[b], core[c], core[d]
    # 2) any N: b < c, b < d with c || d, and a < c with a || b, a || d
    comp = [down[i] | up[i] | (1 << i) for i in range(r)]
    for b in range(r):
        above = up[b]
        for c in _bits(above):
            ds = above & ~comp[c]
            if not ds:
                continue
            for a in _bits(down[c] & ~comp[b]):
                e = ds & ~comp[a]
                if e:
                    d = (e & -e).bit_length() - 1
                    return core[a], core[b], core[c], core[d]
    raise RuntimeError("series-parallel analysis: irreducible core without an N (a bug)")
