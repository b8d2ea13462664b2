"""Sidney-Monma: problem D with negligible remote on a series-parallel local graph, exactly.

With ``negligible`` remote times and a fixed partition, problem D is a two-machine flow shop whose
precedences bind one sequence on both resources (MODEL.md section 2): layer ``v`` has local time
``a = f(v)`` and upload time ``b = u(v)`` if ``v`` is a cut-point, else ``b = 0``; uploads follow
the compute order.  For a series-parallel order this is F2|sp-prec|Cmax with a common sequence,
solved exactly by the composite-job algorithm of Sidney ("The two-machine maximum flow time
problem with series parallel precedence relations", Oper. Res. 27(4), 1979) and Monma ("The
two-machine maximum flow time problem with series-parallel precedence constraints: an algorithm
and extensions", Oper. Res. 27(4), 1979), an instance of the general theory of Monma and Sidney
("Sequencing with series-parallel precedence constraints", Math. Oper. Res. 4(3), 1979; Sidney,
Oper. Res. 23(2), 1975; Lawler, Ann. Discrete Math. 2, 1978, for the single-machine analogue).

Why it works (and what the code relies on).  A string ``s`` of jobs acts on the two machines
through three numbers: its loads ``A = sum a``, ``B = sum b`` and its own makespan ``X = max_k
(A_k + B_{>=k})``; ``s`` then ``t`` gives ``X = max(X_s + B_t, A_s + X_t)`` (max-plus).  Up to the
constant ``o = A + B - X`` every string behaves like the single job ``(a, b) = (X - B, X - A)`` =
``(A - o, B - o)``, which for two jobs is the composite ``a = a1 + a2 - o``, ``b = b1 + b2 - o``,
``o = min(b1, a2)``.  ``X_st <= X_ts`` iff ``min(a_s, b_t) <= min(a_t, b_s)``: Johnson's relation
on composites, which the total preorder ``key`` below realises (``a < b`` first by ``a``
ascending, then ``a >= b`` by ``b`` descending; equal keys are interchangeable).  This adjacent
sequence interchange property in every context is all Monma-Sidney's theorem needs:

* leaf: one module;
* parallel node: the union of the children's modules (merged in key order);
* series node ``L ; R``: while the last module of ``L`` (largest key) and the first of ``R``
  (smallest key) are out of order or tied, replace them by their composite; the composite then
  meets the next modules on both sides until ``max key(L) < key(c) < min key(R)``.

Invariant: in every node's module set, precedence-related modules have strictly increasing keys
and equal-key modules are incomparable, so the set sorted by key (ties in any order) is a valid
sequence and its largest-key module has no successor in the set.  The optimal sequence is the
root's modules sorted by key, each expanded.

Complexity: O(n log n) heap operations plus the melding of parallel sets, done small into large
(each module moves O(log n) times; a move is a heap push, or one heapify when the two sets are
of comparable size): O(n log^2 n) in the worst case, O(n log n) for chains, trees and DNN-like
graphs.  Sequences are singly linked lists of nodes joined in O(1); no recursion anywhere (a
10^6-layer chain works).  The decomposition (:mod:`offloadsched.sp`) costs O(n + m) on chains
and trees; an out-forest (chains, out-trees) skips it: its decomposition is the forest itself
(series(node, parallel(subtrees)) at every node), solved by one bottom-up pass over the parents.

Round trip ``w_rtt`` (MODEL.md section 1).  A job that offloads completes ``w_rtt`` after its last
upload (remote negligible), so with one sequence the makespan is ``max(F, C_up + w_rtt)``: ``F``
the local load (the device never idles, so its last end is ``F`` whatever the order) and
``C_up`` the end of the last upload.  Minimising ``max(F, C_up)`` is not enough: a layer that
precedes no cut-point (a local-only job's, or one after its job's last cut-point) has ``b = 0``,
the largest Johnson key, and ties with a module whose uploads are hidden (``B > 0``, ``X = A``);
placed before the last upload it delays ``C_up`` without changing ``max(F, C_up)``.  So the
algorithm runs on ``U``, the layers that precede some cut-point (cut-points included;
:func:`offloadsched.problems.split_uploads`), and appends the others in any topological order.  Exact: ``U`` is
predecessor-closed, so ``U`` then the rest is a valid sequence; every maximal layer of ``U`` is a
cut-point, so for any sequence of ``U`` its own makespan ``X_U = max_k (A_k + B_{>=k})`` is its
last upload end (a position without upload is dominated by the next cut-point, with the same
``B`` after it and a larger ``A``); for any full sequence, ``C_up`` is at least ``X_U`` of its
subsequence on ``U`` (removing layers only lowers the ``A_k``).  Hence ``min C_up = min X_U``,
which Sidney-Monma computes on ``U`` (an induced suborder of a series-parallel order is
series-parallel), and the value ``max(F, min C_up + w_rtt)`` is reached, for every ``w_rtt >= 0``
(with ``w_rtt = 0`` it is the plain two-machine optimum).

For a local graph whose ``U`` is not series-parallel (RandWire) ``bounds=True`` brackets the
optimum: a series-parallel *relaxation* of the order (arcs dropped: its optimum is a lower bound) and a
series-parallel *extension* (arcs added: every sequence it allows is valid, so its optimum is an
upper bound), both solved exactly by the same algorithm.

Release times (MODEL.md "Release times") are refused (``applies=no_release``): the argument above
needs a device that never idles and strings that act the same in every context, and a release time
breaks both (a string placed after a late release starts later than its predecessor's end), so the
composite-job order is no longer optimal; ``jps+sidney`` / ``hps+sidney`` refuse them too.

References (docs/REFERENCES.md): [Seed001], [Johnson1954], [Sidney1975], [Lawler1978], [Sidney1979], [Monma1979],
[MonmaSidney1979], [Xie2019].
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

import numpy as np

from offloadsched.errors import ValidationError
from offloadsched.paths import priority_topological_order
from offloadsched.problems import DagProblem, JointProblem, split_uploads
from offloadsched.registry import SolverOutput
from offloadsched.schedule import Schedule
from offloadsched.sp import (
    Leaf,
    NotSeriesParallel,
    Parallel,
    Series,
    SPAnalysis,
    SPTree,
    analyze,
    gc_paused,
    leaves,
    parallel,
    postorder,
    series,
)

__all__ = ["sp_sequence", "sequence_makespan", "sp_bounds", "sidney", "jps_sidney", "hps_sidney"]


# -- the composite-job algorithm ------------------------------------------------------------------
def _solve_tree(tree: SPTree | None, a, b,
                forest: tuple[list[int], list[int]] | None = None) -> list[tuple[int, int, int, list[int]]]:
    """Sidney-Monma on ``tree``: the root's modules in Johnson key order, each as ``(A, B, X,
    nodes)`` (its loads, its own makespan and its node sequence); :func:`_join` concatenates them
    into the optimal sequence and its makespan.

    With ``tree=None`` the order is the out-forest ``forest = (labels, parent)``: ``labels`` in a
    topological order, ``parent[i]`` the position of ``labels[i]``'s parent (``< i``) or -1.  Its
    decomposition is series(node, parallel(its subtrees)) at every node, so one bottom-up pass over
    the positions (children before parents) does what the tree walk does, without tree objects.

    A module (a string of nodes) is an integer ``m`` with record ``R[m] = (A, B, X, head, tail)``
    (loads, own makespan, its node sequence as a linked list through ``nxt``) and Johnson key
    ``K[m]``; the leaf of node ``v`` is module ``v`` (all created up front), composites follow.
    A module set is ``[min-heap, max-heap, number of live modules]`` whose entries are
    the integers ``K[m] << S | m`` (negated in the max-heap): no tuples.  A module taken out of a
    set is marked ``dead`` (its entry in the other heap is then skipped lazily) and is always
    composed at once.  A single module is carried as its id, not as a set.  Written as one
    function with local state: this is the inner loop of 10^6-layer benchmarks.
    """
    heappush, heappop, heapify = heapq.heappush, heapq.heappop, heapq.heapify
    big2 = 2 * (sum(a) + sum(b) + 1)  # keys: a' (< big) when a' < b', else 2 big - b' (> big)
    shift = (2 * len(a) + 1).bit_length()  # module ids: a leaf per node, a composite per merge
    mask = (1 << shift) - 1
    n0 = len(a)
    R: list[tuple[int, int, int, int, int]] = [(av, bv, av + bv, v, v) for v, av, bv in zip(range(n0), a, b)]
    K: list[int] = [av if av < bv else big2 - bv for av, bv in zip(a, b)]  # a leaf's (a', b') is (a, b)
    dead = bytearray(n0)
    nxt = [0] * n0  # the node after each node inside its module's string

    def compose(m1: int, m2: int) -> int:  # the string m1 then m2 (a new module); both die
        a1, b1, x1, h1, t1 = R[m1]
        a2, b2, x2, h2, t2 = R[m2]
        nxt[t1] = h2
        dead[m1] = dead[m2] = 1
        am, bm, xm = a1 + a2, b1 + b2, x1 + b2
        if a1 + x2 > xm:
            xm = a1 + x2
        R.append((am, bm, xm, h1, t2))
        ap, bp = xm - bm, xm - am  # the equivalent job (a', b') = (X - B, X - A)
        K.append(ap if ap < bp else big2 - bp)
        dead.append(0)
        return len(dead) - 1

    def push(s: list, m: int) -> list:
        e = K[m] << shift | m
        heappush(s[0], e)
        heappush(s[1], -e)
        s[2] += 1
        return s

    def single(m: int) -> list:
        e = K[m] << shift | m
        return [[e], [-e], 1]

    def minkey(s: list) -> int:
        h = s[0]
        while dead[h[0] & mask]:
            heappop(h)
        return h[0] >> shift

    def maxkey(s: list) -> int:
        h = s[1]
        while dead[-h[0] & mask]:
            heappop(h)
        return -h[0] >> shift

    def pop_min(s: list) -> int:
        h = s[0]
        while dead[h[0] & mask]:
            heappop(h)
        m = heappop(h) & mask
        dead[m] = 1
        s[2] -= 1
        return m

    def pop_max(s: list) -> int:
        h = s[1]
        while dead[-h[0] & mask]:
            heappop(h)
        m = -heappop(h) & mask
        dead[m] = 1
        s[2] -= 1
        return m

    def meld(s1: list, s2: list) -> list:  # small into large; one heapify for comparable sizes
        if s1[2] < s2[2]:
            s1, s2 = s2, s1
        if 4 * s2[2] >= s1[2]:
            live = [e for e in s1[0] if not dead[e & mask]]
            live += [e for e in s2[0] if not dead[e & mask]]
            heapify(live)
            rev = [-e for e in live]
            heapify(rev)
            return [live, rev, len(live)]
        mn, mx = s1[0], s1[1]
        for e in s2[0]:
            if not dead[e & mask]:
                heappush(mn, e)
                heappush(mx, -e)
        s1[2] += s2[2]
        return s1

    def seam(left: list | None, c: int, right: list | None) -> list | int:
        # left ; c ; right with c a live module in no set: merge c with the last modules of left
        # and the first of right while they are out of Johnson order or tied, then meld all
        kc = K[c]
        while True:
            if left is not None and left[2] and maxkey(left) >= kc:
                c = compose(pop_max(left), c)
            elif right is not None and right[2] and minkey(right) <= kc:
                c = compose(c, pop_min(right))
            else:
                break
            kc = K[c]
        out = left if right is None else right if left is None else meld(left, right)
        return c if out is None or out[2] == 0 else push(out, c)

    def absorb(ser: bool, acc, val):
        """Fold a child's value into its parent's accumulator: a value is a module id (one
        module, in no set yet) or a non-empty set; a series parent puts ``val`` after ``acc``."""
        if acc is None:
            return val
        if type(acc) is int:
            if type(val) is int:
                if ser and K[acc] >= K[val]:
                    return compose(acc, val)
                return push(single(acc), val)
            if ser and K[acc] >= minkey(val):
                return seam(None, compose(acc, pop_min(val)), val)
            return push(val, acc)
        if type(val) is int:
            return seam(acc, val, None) if ser else push(acc, val)
        if not ser or maxkey(acc) < minkey(val):
            return meld(acc, val)
        return seam(acc, compose(pop_max(acc), pop_min(val)), val)

    root: list | int | None = None
    if tree is None:  # out-forest: series(v, parallel(subtrees of v's children)), children first
        labels, parent = forest
        val: list = [None] * len(labels)  # the parallel composition of the finished children
        for i in range(len(labels) - 1, -1, -1):
            m = labels[i]  # v's leaf module
            sub = val[i]
            if sub is not None:
                val[i] = None
                if type(sub) is int:
                    m = compose(m, sub) if K[m] >= K[sub] else push(single(m), sub)
                else:
                    m = absorb(True, m, sub)
            p = parent[i]
            if p >= 0:
                q = val[p]
                val[p] = m if q is None else absorb(False, q, m)
            else:
                root = m if root is None else absorb(False, root, m)
    elif isinstance(tree, Leaf):
        v = tree.node
        return [(a[v], b[v], a[v] + b[v], [v])]
    else:
        frames: list[list] = [[tree, 0, None, isinstance(tree, Series)]]  # node, next child, acc, series?
        while frames:
            fr = frames[-1]
            t, i, acc, ser = fr
            ch = t.children
            n = len(ch)
            while i < n and type(ch[i]) is Leaf:
                acc = absorb(ser, acc, ch[i].node)
                i += 1
            if i < n:
                fr[1], fr[2] = i + 1, acc
                frames.append([ch[i], 0, None, isinstance(ch[i], Series)])
                continue
            frames.pop()
            if frames:
                up = frames[-1]
                up[2] = absorb(up[3], up[2], acc)
            else:
                root = acc
    out: list[tuple[int, int, int, list[int]]] = []
    for m in [root] if type(root) is int else [e & mask for e in sorted(e for e in root[0] if not dead[e & mask])]:
        am, bm, xm, v, last = R[m]
        seq = [v]
        while v != last:
            v = nxt[v]
            seq.append(v)
        out.append((am, bm, xm, seq))
    return out


def _join(modules: list[tuple[int, int, int, list[int]]]) -> tuple[list[int], int]:
    """The sequence of modules in key order and its makespan (max-plus composition)."""
    seq: list[int] = []
    acc_a = acc_x = 0
    for am, bm, xm, part in modules:
        seq += part
        acc_x = max(acc_x + bm, acc_a + xm)
        acc_a += am
    return seq, acc_x


def sp_sequence(tree: SPTree, a: Sequence[int], b: Sequence[int]) -> tuple[list[int], int]:
    """An optimal sequence of the leaves of ``tree`` and its makespan (Sidney-Monma).

    ``a[v]``, ``b[v]`` are the first- and second-machine times of node ``v`` (sequences indexed by
    the leaves' labels, non-negative integers); the makespan is ``max_k (a_1 + .. + a_k + b_k + ..
    + b_n)`` over the sequence.  O(n log n) for chains and trees, O(n log^2 n) at worst.
    """
    with gc_paused():
        return _join(_solve_tree(tree, a, b))


def sp_modules(tree: SPTree | None, a: Sequence[int], b: Sequence[int],
               forest: tuple[list[int], list[int]] | None = None) -> list[tuple[int, int, int, list[int]]]:
    """The modules of Sidney-Monma's optimal sequence of ``tree`` (or of the out-forest ``forest =
    (labels, parents)`` when ``tree`` is None), in Johnson key order: ``(A, B, X, nodes)`` each.

    A module acts as the two-machine job ``(X - B, X - A)`` plus the constant ``o = A + B - X``; any
    set of modules from independent jobs, sequenced in Johnson order of those jobs, is optimal for
    the union (parallel composition), with makespan ``sum(o) +`` the Johnson makespan.
    """
    with gc_paused():
        return _solve_tree(tree, a, b, forest)


def sequence_makespan(seq: Sequence[int], a: Sequence[int], b: Sequence[int]) -> int:
    """``max_k (a_1 + .. + a_k + b_k + .. + b_n)`` of a sequence (the two-machine recurrence)."""
    A = X = 0
    for v in seq:
        A += a[v]
        X = max(X, A) + b[v]
    return X


# -- bounds for orders that are not series-parallel --------------------------------------------
def _expand(tree: SPTree, modules: dict[int, SPTree]) -> SPTree:
    """``tree`` over module representatives with every leaf replaced by its module's subtree."""
    built: list[SPTree] = []
    for t in postorder(tree):
        if isinstance(t, Leaf):
            built.append(modules[t.node])
            continue
        c = len(t.children)
        kids = built[-c:]
        del built[-c:]
        built.append(series(*kids) if not isinstance(t, Parallel) else parallel(*kids))
    return built[0]


def _longest(core: list[int], preds: dict[int, tuple[int, ...]], w: dict[int, int], reverse: bool) -> dict[int, int]:
    """Longest path weights ending at each core node (from the sinks with ``reverse``)."""
    if reverse:
        succs: dict[int, list[int]] = {v: [] for v in core}
        for v in core:
            for p in preds[v]:
                succs[p].append(v)
        nbr, seq = succs, reversed(core)
    else:
        nbr, seq = preds, core
    out: dict[int, int] = {}
    for v in seq:
        out[v] = w[v] + max((out[u] for u in nbr[v]), default=0)
    return out


def _levels_tree(core: list[int], preds, modules, reverse: bool) -> SPTree:
    """Extension: the longest-path levels (from the sources, or from the sinks) in series, each
    level's modules in parallel.  Contains the order: an arc always goes up a level."""
    ones = dict.fromkeys(core, 1)
    level = _longest(core, preds, ones, reverse)
    groups: dict[int, list[SPTree]] = {}
    for v in core:
        groups.setdefault(level[v], []).append(modules[v])
    keys = sorted(groups, reverse=reverse)
    return series(*(parallel(*groups[k]) for k in keys))


def _forest_relaxation(core: list[int], preds, modules, weight: dict[int, int], reverse: bool) -> SPTree:
    """Relaxation: every core module keeps one in-arc, from the predecessor with the longest head
    (out-forest), or one out-arc, to the successor with the longest tail (in-forest, ``reverse``).
    Arcs are only dropped, so the order shrinks."""
    head = _longest(core, preds, weight, reverse)
    if not reverse:
        kept = {v: ((max(preds[v], key=lambda p: (head[p], p)),) if preds[v] else ()) for v in core}
    else:
        succs: dict[int, list[int]] = {v: [] for v in core}
        for v in core:
            for p in preds[v]:
                succs[p].append(v)
        best = {p: max(ss, key=lambda s: (head[s], -s)) for p, ss in succs.items() if ss}
        kept = {v: tuple(p for p in preds[v] if best.get(p) == v) for v in core}
    res = analyze(core, kept, witness=False)
    if res.tree is None:  # a forest is always series-parallel
        raise RuntimeError("sidney: forest relaxation is not series-parallel (a bug)")
    return _expand(res.tree, modules)


def _repair(order: Sequence[int], nodes: Sequence[int], preds) -> list[int]:
    """The linear extension of the real order closest to ``order``: list scheduling with the
    position in ``order`` as priority."""
    return priority_topological_order(nodes, preds, {v: i for i, v in enumerate(order)})


def sp_bounds(res: SPAnalysis, a: Sequence[int], b: Sequence[int], preds, *, with_modules: bool = False) -> dict:
    """Lower and upper bounds on the optimum of an order that is not series-parallel.

    ``res`` is :func:`offloadsched.sp.analyze`'s result (its maximal series-parallel modules and
    the reduced quotient graph between them), ``preds`` the predecessor lists of the original
    graph.  Lower bounds: out-forest and in-forest relaxations of the quotient.  Upper bounds:
    the two longest-path level extensions of the quotient, and each relaxation's optimal sequence
    repaired into a valid one (list scheduling by its positions; a linear extension is itself a
    series-parallel extension, a chain).  Returns ``lower``, ``upper``,
    ``order`` (a valid sequence of makespan ``upper``), ``gap`` = (upper - lower) / upper and the
    value of every candidate; with ``with_modules`` also the modules (:func:`sp_modules`) of the best
    relaxation (``lower_modules``) and of the best extension (``upper_modules``).
    """
    core, cpreds, modules = res.core, res.core_preds, res.modules
    weight = {v: sum(a[u] for u in leaves(modules[v])) for v in core}
    lowers, uppers, orders, parts = {}, {}, {}, {}
    for name, reverse in (("out-forest", False), ("in-forest", True)):
        parts[name] = mods = sp_modules(_forest_relaxation(core, cpreds, modules, weight, reverse), a, b)
        seq, lowers[name] = _join(mods)
        fixed = _repair(seq, res.nodes, preds)
        orders[f"repaired {name}"] = fixed
        uppers[f"repaired {name}"] = sequence_makespan(fixed, a, b)
    for name, reverse in (("levels from sources", False), ("levels from sinks", True)):
        parts[name] = mods = sp_modules(_levels_tree(core, cpreds, modules, reverse), a, b)
        orders[name], uppers[name] = _join(mods)
    best = min(uppers, key=lambda k: (uppers[k], k))
    low = max(lowers, key=lambda k: (lowers[k], k))
    lower, upper = lowers[low], uppers[best]
    out = {"lower": lower, "upper": upper, "order": orders[best], "upper_from": best,
           "gap": (upper - lower) / upper if upper else 0.0, "relaxations": lowers, "extensions": uppers}
    if with_modules:
        if best not in parts:  # a repaired sequence is a chain, itself a series-parallel extension
            chain = orders[best]
            parts[best] = sp_modules(None, a, b, (chain, list(range(-1, len(chain) - 1))))
        out.update(lower_modules=parts[low], upper_modules=parts[best])
    return out


def quick_bracket(local: Sequence[int], preds, a: Sequence[int], b: Sequence[int]
                  ) -> tuple[list[tuple[int, int, int, list[int]]], list[tuple[int, int, int, list[int]]]]:
    """A cheap bracket without the series-parallel decomposition: the modules of an out-forest
    relaxation of the order itself (every node keeps the in-arc from its predecessor with the
    longest head) and of a chain extension (that relaxation's optimal sequence repaired into a
    linear extension).  ``local`` in topological order.  O(n log n + m); weaker than
    :func:`sp_bounds` (within a few per cent on RandWire's partitions) at a fifth of its cost."""
    pos = {v: i for i, v in enumerate(local)}
    head: dict[int, int] = {}
    parent = []
    for v in local:
        ps = preds[v]
        if ps:
            q = max(ps, key=lambda x: (head[x], x))
            head[v] = head[q] + a[v]
            parent.append(pos[q])
        else:
            head[v] = a[v]
            parent.append(-1)
    lower = sp_modules(None, a, b, (list(local), parent))
    chain = _repair(_join(lower)[0], local, preds)
    upper = sp_modules(None, a, b, (chain, list(range(-1, len(chain) - 1))))
    return lower, upper


# -- the registered methods ------------------------------------------------------------------------
def _cut_list(problem: DagProblem) -> list[bool]:
    """``problem.cut`` as a list: the local nodes with a remote successor, i.e. the local
    predecessors of the remote nodes (O(n + m), without building ``succs``-based masks)."""
    loc = problem.local.tolist()
    cut = [False] * len(loc)
    preds = problem.preds
    for s in problem.remote_nodes.tolist():
        for p in preds[s]:
            if loc[p]:
                cut[p] = True
    return cut


def _two_machine_times(problem: DagProblem, cut: list[bool]) -> tuple[list[int], list[int]]:
    return problem.f.tolist(), [x if c else 0 for x, c in zip(problem.u.tolist(), cut)]


def _schedule(order: list[int], cut: list[bool]) -> Schedule:
    arr = np.array(order, dtype=np.int64)  # arrays: Schedule then skips its per-item checks
    return Schedule({"local": arr, "uplink": arr[np.array(cut, dtype=bool)[arr]]})


def _out_forest(local: list[int], preds, n: int) -> list[int] | None:
    """The parent positions of ``local`` (a topological order: increasing labels) when its order is
    an out-forest (at most one local predecessor per node), else None.  O(n + m)."""
    pos = [-1] * n
    for i, v in enumerate(local):
        pos[v] = i
    parent = []
    append = parent.append
    for v in local:
        ps = preds[v]
        if not ps:
            append(-1)
        elif len(ps) == 1:
            append(pos[ps[0]])
        else:
            qs = {pos[p] for p in ps}
            qs.discard(-1)
            if len(qs) > 1:
                return None
            append(qs.pop() if qs else -1)
    return parent


def sidney(problem: DagProblem, *, time_limit: float | None = None, bounds: bool = False) -> SolverOutput:
    """Sidney-Monma composite-job algorithm (Sidney 1979, Monma 1979): the exact optimum of
    problem D with ``negligible`` remote when the order of the layers that precede an upload is
    series-parallel (see the module docstring, "Round trip", for why the others go last).

    O(n log n) on chains, trees and DNN-like graphs (O(n log^2 n) at worst), after an O(n + m)
    decomposition for chains and trees (see :mod:`offloadsched.sp`; out-forests, chains included,
    are solved directly on their parent array).  With ``serial`` or
    ``parallel`` remote the negligible-remote optimum is returned as a lower bound (status
    ``bound``; dropping remote operations cannot lengthen the local and uplink part, nor move the
    last upload later), with that optimal local order as the schedule.  An order that is not
    series-parallel is refused with a :class:`~offloadsched.sp.NotSeriesParallel` error naming an
    N, unless ``bounds=True``: then a relaxation gives the bound and an extension the schedule
    (status ``feasible``, or ``bound`` with non-negligible remote), with both values and the gap
    in ``info``.  ``time_limit`` is accepted and unused (the algorithm is polynomial).
    """
    if problem.type != "dag":
        raise ValidationError(f"sidney takes a DAG problem, got {problem.type}")
    cut = _cut_list(problem)
    a, b = _two_machine_times(problem, cut)
    local = problem.local_nodes.tolist()
    up, rest = split_uploads(local, cut, problem.preds)
    load = sum(a[v] for v in local)
    w = int(problem.w_rtt)
    exact_model = problem.remote_model == "negligible"

    def done(order: list[int], c_up: int) -> SolverOutput:  # exact: C_up is the least last upload end
        value = max(load, c_up + w)
        info = {"series_parallel": True, "negligible_optimum": value, "upload_end": c_up}
        if exact_model:
            return SolverOutput(_schedule(order + rest, cut), status="optimal", bound=value, objective=value,
                                info=info)
        return SolverOutput(_schedule(order + rest, cut), status="bound", bound=value, info=info)

    if not up:
        return done([], 0)
    parent = _out_forest(up, problem.preds, len(problem))
    if parent is not None:  # the decomposition is the forest itself: no tree objects
        with gc_paused():
            return done(*_join(_solve_tree(None, a, b, (up, parent))))
    res = analyze(up, problem.preds, witness=not bounds)
    if res.tree is not None:
        return done(*sp_sequence(res.tree, a, b))
    if not bounds:
        w4 = res.witness
        names = [problem.names[v] for v in w4]
        raise NotSeriesParallel(
            f"sidney: the local order of {problem!r} (its layers before an upload) is not series-parallel: "
            f"N on {names[0]!r} < {names[2]!r}, {names[1]!r} < {names[2]!r}, {names[1]!r} < {names[3]!r} "
            f"({names[0]!r} || {names[1]!r}, {names[0]!r} || {names[3]!r}, {names[2]!r} || {names[3]!r}); "
            "use bounds=True for a relaxation / extension bracket", w4)
    br = sp_bounds(res, a, b, problem.preds)

    def total(c_up: int) -> int:
        return max(load, c_up + w)

    lower, upper = total(br["lower"]), total(br["upper"])
    info = {"series_parallel": False, "lower": lower, "upper": upper, "gap": (upper - lower) / upper if upper else 0.0,
            "upper_from": br["upper_from"], "relaxations": {k: total(v) for k, v in br["relaxations"].items()},
            "extensions": {k: total(v) for k, v in br["extensions"].items()}, "core_modules": len(res.core),
            "upload_end": [br["lower"], br["upper"]]}
    return SolverOutput(_schedule(br["order"] + rest, cut), status="feasible" if exact_model else "bound",
                        bound=lower, objective=upper if exact_model else None, info=info)


def _partition_then_sidney(problem: JointProblem, method: str) -> SolverOutput:
    from offloadsched.solve import solve

    if problem.type != "joint":
        raise ValidationError(f"{method}+sidney takes a joint problem, got {problem.type}")
    first = solve(problem, method)
    dag = first.problem
    out = sidney(dag, bounds=True)
    info = {f"{method}_makespan": first.makespan, "sidney_status": out.status,
            "schedule_exact": out.status == "optimal", **out.info}
    return SolverOutput(out.schedule, status="heuristic", problem=dag, partitions=first.partitions, info=info)


def jps_sidney(problem: JointProblem, *, time_limit: float | None = None) -> SolverOutput:
    """JPS's partitions (seed 001 Alg. 2-3) scheduled by Sidney-Monma: with negligible remote and
    series-parallel local graphs the schedule is optimal for those partitions, so the gap to the
    joint optimum is pure partition loss.  Cost: JPS plus O(n log n)."""
    return _partition_then_sidney(problem, "jps")


def hps_sidney(problem: JointProblem, *, time_limit: float | None = None) -> SolverOutput:
    """HPS's partitions scheduled by Sidney-Monma (see :func:`jps_sidney`)."""
    return _partition_then_sidney(problem, "hps")
