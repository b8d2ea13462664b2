"""Instance families for the claims engine, as small hashable genomes.

Each family enumerates its small instances in stages (``stages = ((max_items, max_value), ...)``:
stage ``i`` covers the sizes above the previous stage's, up to ``max_items``, with every time in
``0..max_value``), samples random ones, mutates them (times +-1 or by a step, items added and
removed) and shrinks them (items removed first, then values lowered to 0, halved, minus 1).

* :class:`FlowFamily` - J2 / Fm jobs: a tuple of job rows (optionally restricted by ``valid``
  and kept in scope by ``repair``);
* :class:`TreeFamily` - problem D whose local graph is an out-tree: ``(parent, f, u, cut)`` per
  local node, every leaf a cut-point (and, unless ``leaf_cuts``, internal cut-points too), each
  cut-point with a remote child of zero time;
* :class:`SPFamily` - problem D whose local graph is vertex series-parallel: a nested
  ``("S" | "P", child, ...)`` / ``("v", f, u, cut)`` expression; every sink is a cut-point;
* :class:`ChainFamily` - ``n`` identical chain DNNs with linear local time ``f(l) = c l`` and a
  non-increasing convex upload time ``g(l) = sum(d[l:])`` (``d`` non-increasing; ``g = 0`` when
  the whole chain is local), as a :class:`~offloadsched.problems.JointProblem`.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..dnn import DNN, Layer
from ..platform import Platform
from ..problems import DagProblem, FmProblem, J2Problem, JointProblem

Stages = tuple[tuple[int, int], ...]

#: The platform that turns DNN numbers into the same integer µs: 1 FLOP -> 1 µs, 1 byte -> 1 µs.
UNIT_PLATFORM = Platform(r_loc=1e6, r_rem=1e12, bandwidth=8e6, latency=0.0, name="unit")


def _stage_ranges(stages: Stages) -> Iterator[tuple[int, int, int]]:
    """``(first_size, last_size, max_value)`` of each enumeration stage."""
    low = 1
    for top, value in stages:
        if top >= low:
            yield low, top, value
        low = max(low, top + 1)


def _lowered(value: int) -> list[int]:
    """Smaller values to try for ``value``: 0, half, minus one (distinct, most aggressive first)."""
    return sorted({0, value // 2, value - 1} - {value}) if value > 0 else []


def _step(rng: np.random.Generator, top: int) -> int:
    """A signed mutation step: +-1 mostly, sometimes larger."""
    size = 1 if rng.random() < 0.7 else int(rng.integers(1, max(2, top // 3) + 1))
    return size if rng.random() < 0.5 else -size


def _top(rng: np.random.Generator, max_value: int) -> int:
    """A value scale for a random instance: small, medium or the family's maximum."""
    return int(rng.choice([3, 10, max_value]))


# -- J2 / Fm ------------------------------------------------------------------------------------
Flow = tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class FlowFamily:
    """Flow-shop instances (``machines = 2``: J2) as tuples of job rows.

    ``few_types = (jobs, value)`` adds the multisets of up to ``jobs`` jobs of at most two kinds
    with times up to ``value`` that the stages do not cover (identical jobs make the ties and
    long runs that break Johnson-type rules)."""

    machines: int = 2
    description: str = "jobs with arbitrary times"
    max_jobs: int = 7
    max_value: int = 30
    stages: Stages = ((3, 3), (4, 2))
    few_types: tuple[int, int] | None = None  # (jobs, max value): also multisets of <= 2 job kinds
    valid: Callable[[Flow], bool] | None = None
    repair: Callable[[Flow], Flow] | None = None

    def build(self, genome: Flow):
        if self.machines == 2:
            return J2Problem([r[0] for r in genome], [r[1] for r in genome])
        names = ("local", "uplink", "remote") if self.machines == 3 else None
        return FmProblem([list(r) for r in genome], machines=names)

    def _ok(self, genome: Flow) -> bool:
        return self.valid is None or self.valid(genome)

    def _fix(self, rows) -> Flow | None:
        genome = tuple(tuple(int(x) for x in r) for r in rows)
        if self.repair is not None:
            genome = self.repair(genome)
        return genome if 1 <= len(genome) <= self.max_jobs and self._ok(genome) else None

    def _covered(self, n: int, value: int) -> bool:
        """Whether the stages already enumerate every ``n``-job multiset with times up to ``value``."""
        return any(low <= n <= top and value <= v for low, top, v in _stage_ranges(self.stages))

    def _multisets(self) -> Iterator[Flow]:
        """By increasing number of jobs: the stages' multisets, then the few-kinds ones."""
        ranges = list(_stage_ranges(self.stages))
        last = max([top for _, top, _ in ranges] + [self.few_types[0] if self.few_types else 0])
        for n in range(1, last + 1):
            for low, top, value in ranges:
                if low <= n <= top:
                    rows = list(itertools.product(range(value + 1), repeat=self.machines))
                    yield from itertools.combinations_with_replacement(rows, n)
            if self.few_types is not None and 2 <= n <= self.few_types[0]:  # kinds r < q: k times r, n - k q
                rows = list(itertools.product(range(self.few_types[1] + 1), repeat=self.machines))
                for i, r in enumerate(rows):
                    if not self._covered(n, max(r)):
                        yield (r,) * n
                    for q in rows[i + 1:]:
                        if not self._covered(n, max(max(r), max(q))):
                            for k in range(1, n):
                                yield (r,) * k + (q,) * (n - k)

    def enumerate(self) -> Iterator[Flow]:
        for genome in self._multisets():
            if self._ok(genome):
                yield genome

    def enumeration_space(self) -> dict[str, Any]:
        parts = [f"every multiset of {low}..{top} jobs with times in 0..{value}"
                 for low, top, value in _stage_ranges(self.stages)]
        if self.few_types is not None:
            parts.append(f"the other multisets of 2..{self.few_types[0]} jobs of at most two kinds with times "
                         f"in 0..{self.few_types[1]}")
        total = sum(1 for _ in self._multisets())
        out: dict[str, Any] = {"description": f"{self.description}; {self.machines} machines; " + "; ".join(parts),
                               "multisets": total}
        out["genomes"] = total if self.valid is None else sum(1 for _ in self.enumerate())
        return out

    def sample(self, rng: np.random.Generator) -> Flow:
        for _ in range(1000):
            n, top = int(rng.integers(2, self.max_jobs + 1)), _top(rng, self.max_value)
            if rng.random() < 0.3:  # a few job types, repeated (identical jobs make ties and long runs)
                kinds = rng.integers(0, top + 1, size=(int(rng.integers(1, 4)), self.machines))
                rows = kinds[rng.integers(0, len(kinds), size=n)]
            else:
                rows = rng.integers(0, top + 1, size=(n, self.machines))
            genome = self._fix(rows)
            if genome is not None:
                return genome
        raise RuntimeError(f"{self.description}: no valid random instance in 1000 draws")

    def mutate(self, genome: Flow, rng: np.random.Generator) -> Flow | None:
        rows = [list(r) for r in genome]
        n, op = len(rows), rng.random()
        if op < 0.5:
            j, i = int(rng.integers(n)), int(rng.integers(self.machines))
            rows[j][i] = min(self.max_value, max(0, rows[j][i] + _step(rng, self.max_value)))
        elif op < 0.6:
            top = max(3, max(max(r) for r in rows))
            rows.append([int(x) for x in rng.integers(0, top + 1, size=self.machines)])
        elif op < 0.7:
            j = int(rng.integers(n))
            rows.insert(j, list(rows[j]))
        elif op < 0.85 and n > 1:
            rows.pop(int(rng.integers(n)))
        elif op < 0.92 and n > 1:
            i, j = rng.choice(n, size=2, replace=False)
            rows[i], rows[j] = rows[j], rows[i]
        else:
            j, i = int(rng.integers(n)), int(rng.integers(self.machines))
            rows[j][i] = 0 if rng.random() < 0.5 else min(self.max_value, 2 * rows[j][i] + 1)
        return self._fix(rows)

    def shrink(self, genome: Flow) -> Iterator[Flow]:
        n = len(genome)
        if n > 1:
            for j in range(n):
                cand = genome[:j] + genome[j + 1:]
                if self._ok(cand):
                    yield cand
        for j, row in enumerate(genome):
            for i, x in enumerate(row):
                for y in _lowered(x):
                    cand = genome[:j] + (row[:i] + (y,) + row[i + 1:],) + genome[j + 1:]
                    if self._ok(cand):
                        yield cand

    def size(self, genome: Flow) -> tuple:
        return (len(genome), sum(map(sum, genome)), max(map(max, genome)))


# -- trees ------------------------------------------------------------------------------------------
TreeNode = tuple[int, int, int, bool]  # (parent, f, u, cut)
Tree = tuple[TreeNode, ...]


def tree_problem(nodes: Tree, name: str = "") -> DagProblem:
    """Problem D of a tree genome: local nodes ``v0..``, a remote child ``r<v>`` per cut-point."""
    k = len(nodes)
    cuts = [v for v in range(k) if nodes[v][3]]
    return DagProblem(f=[n[1] for n in nodes] + [0] * len(cuts), u=[n[2] for n in nodes] + [0] * len(cuts),
                      r=[0] * (k + len(cuts)), local=[True] * k + [False] * len(cuts),
                      preds=[[n[0]] if n[0] >= 0 else [] for n in nodes] + [[v] for v in cuts],
                      names=[f"v{v}" for v in range(k)] + [f"r{v}" for v in cuts], name=name)


@dataclass(frozen=True)
class TreeFamily:
    """Problem D (negligible remote) whose local graph is an out-tree rooted at node 0."""

    leaf_cuts: bool = True
    description: str = "out-trees, only leaves upload"
    max_nodes: int = 9
    max_value: int = 20
    stages: Stages = ((4, 2), (5, 1))
    root_compute: bool = True  # False: the enumeration fixes the root's time to 0 (a DNN input)

    def normal(self, nodes) -> Tree:
        """Leaves always cut; internal nodes never when ``leaf_cuts``; u = 0 where nothing uploads."""
        parents = {n[0] for n in nodes}
        out = []
        for v, (p, f, u, c) in enumerate(nodes):
            cut = True if v not in parents else (False if self.leaf_cuts else bool(c))
            out.append((int(p), int(f), int(u) if cut else 0, cut))
        return tuple(out)

    def build(self, genome: Tree) -> DagProblem:
        return tree_problem(genome)

    def _shapes(self, k: int) -> Iterator[tuple[tuple[int, ...], tuple[bool, ...]]]:
        """Canonical parent arrays and cut flags of every rooted tree with ``k`` nodes, once."""
        for tree in rooted_trees(k):
            par = tuple(n[0] for n in canonical_tree(tuple((p, 0, 0, False) for p in tree_parents(tree))))
            internal = [v for v in range(k) if v in set(par)]
            for flags in ([()] if self.leaf_cuts else itertools.product((False, True), repeat=len(internal))):
                chosen = dict(zip(internal, flags))
                yield par, tuple(chosen.get(v, v not in internal) for v in range(k))

    def enumerate(self) -> Iterator[Tree]:
        """Every tree up to isomorphism (a labelled tree only in its canonical form)."""
        for low, top, value in _stage_ranges(self.stages):
            vals = range(value + 1)
            for k in range(low, top + 1):
                for par, cut in self._shapes(k):
                    cuts = [v for v in range(k) if cut[v]]
                    root = vals if self.root_compute else (0,)
                    for fs in itertools.product(root, *[vals] * (k - 1)):
                        for us in itertools.product(vals, repeat=len(cuts)):
                            u = dict(zip(cuts, us))
                            genome = tuple((par[v], fs[v], u.get(v, 0), cut[v]) for v in range(k))
                            if canonical_tree(genome) == genome:
                                yield genome

    def enumeration_space(self) -> dict[str, Any]:
        labelled = sum((value + 1) ** (k - (not self.root_compute) + sum(cut))
                       for low, top, value in _stage_ranges(self.stages)
                       for k in range(low, top + 1) for _, cut in self._shapes(k))
        parts = [f"{low}..{top} nodes with times in 0..{value}" for low, top, value in _stage_ranges(self.stages)]
        parts += [] if self.root_compute else ["root time 0"]
        return {"description": f"{self.description}; every tree up to isomorphism; " + "; ".join(parts),
                "labelled": labelled, "genomes": sum(1 for _ in self.enumerate())}

    def sample(self, rng: np.random.Generator) -> Tree:
        k = int(rng.integers(2, self.max_nodes + 1))
        style, top = rng.random(), _top(rng, self.max_value)
        nodes = [(-1, int(rng.integers(0, top + 1)), int(rng.integers(0, top + 1)), False)]
        for v in range(1, k):
            p = v - 1 if style < 0.3 and rng.random() < 0.6 else 0 if style > 0.8 and rng.random() < 0.6 \
                else int(rng.integers(v))
            nodes.append((p, int(rng.integers(0, top + 1)), int(rng.integers(0, top + 1)), bool(rng.random() < 0.3)))
        return self.normal(nodes)

    def mutate(self, genome: Tree, rng: np.random.Generator) -> Tree | None:
        nodes = [list(n) for n in genome]
        k, op = len(nodes), rng.random()
        v = int(rng.integers(k))
        if op < 0.5:
            i = 1 if rng.random() < 0.5 or not nodes[v][3] else 2
            nodes[v][i] = min(self.max_value, max(0, nodes[v][i] + _step(rng, self.max_value)))
        elif op < 0.6:
            nodes[v][3] = not nodes[v][3]
        elif op < 0.75 and k < self.max_nodes:
            top = max(3, max(max(n[1], n[2]) for n in nodes))
            nodes.append([int(rng.integers(k)), int(rng.integers(0, top + 1)), int(rng.integers(0, top + 1)), True])
        elif op < 0.9 and k > 1:
            out = _drop_tree_node(genome, int(rng.integers(1, k)))
            return self.normal(out)
        elif v > 0:
            nodes[v][0] = int(rng.integers(v))
        return self.normal(nodes)

    def shrink(self, genome: Tree) -> Iterator[Tree]:
        return (c for c in self._shrink(genome) if c != genome)

    def _shrink(self, genome: Tree) -> Iterator[Tree]:
        k = len(genome)
        children = [sum(1 for n in genome if n[0] == v) for v in range(k)]
        for v in range(k):
            if v > 0 or (k > 1 and children[0] == 1):
                yield self.normal(_drop_tree_node(genome, v))
        for v, (p, f, u, c) in enumerate(genome):
            for y in _lowered(f):
                yield genome[:v] + ((p, y, u, c),) + genome[v + 1:]
            for y in _lowered(u):
                yield genome[:v] + ((p, f, y, c),) + genome[v + 1:]
            if c and children[v]:
                yield self.normal(genome[:v] + ((p, f, 0, False),) + genome[v + 1:])

    def size(self, genome: Tree) -> tuple:
        return (len(genome), sum(n[1] + n[2] for n in genome), sum(n[3] for n in genome),
                max(max(n[1], n[2]) for n in genome))


def rooted_trees(k: int) -> list[tuple]:
    """Every rooted tree with ``k`` nodes up to isomorphism, as nested tuples of children
    (each node's children in a canonical order)."""
    return list(_rooted_trees(k))


@functools.cache
def _rooted_trees(k: int) -> tuple[tuple, ...]:
    if k == 1:
        return ((),)
    out: list[tuple] = []

    def rec(remaining: int, smallest: tuple[int, int], acc: list[tuple]) -> None:
        if remaining == 0:
            out.append(tuple(acc))
            return
        for size in range(smallest[0], remaining + 1):
            for i, sub in enumerate(_rooted_trees(size)):
                if (size, i) >= smallest:
                    rec(remaining - size, (size, i), acc + [sub])

    rec(k - 1, (1, 0), [])
    return tuple(out)


def tree_parents(tree: tuple) -> tuple[int, ...]:
    """The parent array of a nested-tuple tree in preorder (root 0, parent -1)."""
    parents: list[int] = []

    def visit(node: tuple, parent: int) -> None:
        v = len(parents)
        parents.append(parent)
        for child in node:
            visit(child, v)

    visit(tree, -1)
    return tuple(parents)


def canonical_tree(nodes: Tree) -> Tree:
    """The canonical form of a tree genome: preorder, siblings sorted by (subtree size, shape,
    values); isomorphic genomes (same times and cut flags) have the same form."""
    k = len(nodes)
    children: list[list[int]] = [[] for _ in range(k)]
    for v in range(1, k):
        children[nodes[v][0]].append(v)
    label: dict[int, tuple] = {}
    for v in reversed(range(k)):  # children come after their parent
        kids = sorted(label[c] for c in children[v])
        label[v] = (1 + sum(x[0] for x in kids), tuple(x[1] for x in kids), nodes[v][1:], tuple(kids))
    out: list[tuple] = []

    def visit(v: int, parent: int) -> None:
        idx = len(out)
        out.append((parent, *nodes[v][1:]))
        for c in sorted(children[v], key=label.__getitem__):
            visit(c, idx)

    visit(0, -1)
    return tuple(out)


def _drop_tree_node(nodes: Tree, v: int) -> list[tuple]:
    """Remove node ``v``; its children move to its parent (``v = 0`` needs a single child)."""
    p = nodes[v][0]
    out = []
    for w, (q, f, u, c) in enumerate(nodes):
        if w == v:
            continue
        q = p if q == v else q
        out.append((q - 1 if q > v else q, f, u, c))
    return out


# -- series-parallel graphs -------------------------------------------------------------------------
SP = tuple  # ("v", f, u, cut) | ("S", child, ...) | ("P", child, ...)
LEAF0: SP = ("v", 0, 0, False)


def sp_normal(g: SP, at_end: bool = True) -> SP:
    """Flattened (no S in S, no P in P, no single-child composition); sinks cut; u = 0 where
    nothing uploads."""
    if g[0] == "v":
        cut = bool(g[3]) or at_end
        return ("v", int(g[1]), int(g[2]) if cut else 0, cut)
    kids = []
    for c in g[1:]:
        kids.extend(c[1:] if c[0] == g[0] else [c])
    if len(kids) == 1:
        return sp_normal(kids[0], at_end)
    if g[0] == "S":
        kids = [sp_normal(c, at_end and i == len(kids) - 1) for i, c in enumerate(kids)]
    else:
        kids = [sp_normal(c, at_end) for c in kids]
    flat = []
    for c in kids:
        flat.extend(c[1:] if c[0] == g[0] else [c])
    return (g[0], *flat)


def sp_leaves(g: SP, path: tuple[int, ...] = ()) -> list[tuple[int, ...]]:
    """Paths (child indices) of the leaves, in emission order."""
    if g[0] == "v":
        return [path]
    return [q for i, c in enumerate(g[1:], 1) for q in sp_leaves(c, path + (i,))]


def sp_get(g: SP, path: tuple[int, ...]) -> SP:
    for i in path:
        g = g[i]
    return g


def sp_set(g: SP, path: tuple[int, ...], new: SP | None) -> SP | None:
    """``g`` with the subexpression at ``path`` replaced by ``new`` (None removes it)."""
    if not path:
        return new
    kids = list(g[1:])
    sub = sp_set(kids[path[0] - 1], path[1:], new)
    if sub is None:
        kids.pop(path[0] - 1)
    else:
        kids[path[0] - 1] = sub
    return (g[0], *kids) if kids else None


def sp_problem(g: SP, name: str = "") -> DagProblem:
    """Problem D of an SP genome: local nodes in emission order (a topological order), series
    composition joins every sink of the left part to every source of the right part, and a
    remote child ``r<v>`` per cut-point."""
    leaves: list[SP] = []
    preds: list[list[int]] = []

    def emit(e: SP) -> tuple[list[int], list[int]]:
        if e[0] == "v":
            leaves.append(e)
            preds.append([])
            return [len(leaves) - 1], [len(leaves) - 1]
        parts = [emit(c) for c in e[1:]]
        if e[0] == "P":
            return [s for p in parts for s in p[0]], [t for p in parts for t in p[1]]
        for (_, sinks), (sources, _) in zip(parts, parts[1:]):
            for s in sources:
                preds[s] = sorted(preds[s] + sinks)
        return parts[0][0], parts[-1][1]

    emit(g)
    k = len(leaves)
    cuts = [v for v in range(k) if leaves[v][3]]
    return DagProblem(f=[e[1] for e in leaves] + [0] * len(cuts), u=[e[2] for e in leaves] + [0] * len(cuts),
                      r=[0] * (k + len(cuts)), local=[True] * k + [False] * len(cuts),
                      preds=preds + [[v] for v in cuts],
                      names=[f"v{v}" for v in range(k)] + [f"r{v}" for v in cuts], name=name)


def sp_shape(g: SP) -> SP:
    """``g`` with placeholder leaves."""
    return LEAF0 if g[0] == "v" else (g[0], *(sp_shape(c) for c in g[1:]))


def sp_canonical(g: SP) -> SP:
    """The canonical form of a flattened SP genome: parallel parts sorted by (shape, values);
    isomorphic genomes (same times and cut flags) have the same form."""
    if g[0] == "v":
        return g
    kids = [sp_canonical(c) for c in g[1:]]
    if g[0] == "P":
        kids.sort(key=lambda c: (repr(sp_shape(c)), repr(c)))
    return (g[0], *kids)


def sp_shapes(k: int) -> list[SP]:
    """Every vertex series-parallel poset with ``k`` elements, once, in canonical form with
    placeholder leaves."""
    memo: dict[int, list[SP]] = {1: [LEAF0]}

    def canon(g: SP) -> SP:
        return sp_canonical(sp_shape(g))

    def shapes(n: int) -> list[SP]:
        if n not in memo:
            found = {}
            for i in range(1, n):
                for a in shapes(i):
                    for b in shapes(n - i):
                        for op in ("S", "P"):
                            s = canon(_flatten((op, a, b)))
                            found.setdefault(repr(s), s)
            memo[n] = [found[key] for key in sorted(found)]
        return memo[n]

    return shapes(k)


def _flatten(g: SP) -> SP:
    if g[0] == "v":
        return g
    kids = []
    for c in g[1:]:
        c = _flatten(c)
        kids.extend(c[1:] if c[0] == g[0] else [c])
    return (g[0], *kids)


def _sp_sinks(g: SP, at_end: bool = True) -> list[bool]:
    """Per leaf (emission order): is it a sink of the whole graph?"""
    if g[0] == "v":
        return [at_end]
    if g[0] == "S":
        return [x for i, c in enumerate(g[1:], 1) for x in _sp_sinks(c, at_end and i == len(g) - 1)]
    return [x for c in g[1:] for x in _sp_sinks(c, at_end)]


def _sp_fill(g: SP, values: list[tuple[int, int, bool]]) -> SP:
    """Put ``(f, u, cut)`` on the leaves in emission order."""
    it = iter(values)

    def fill(e: SP) -> SP:
        if e[0] == "v":
            f, u, c = next(it)
            return ("v", f, u, c)
        return (e[0], *(fill(c) for c in e[1:]))

    return fill(g)


@dataclass(frozen=True)
class SPFamily:
    """Problem D (negligible remote) whose local graph is vertex series-parallel."""

    description: str = "vertex series-parallel local graphs, sinks upload, other nodes optionally"
    max_nodes: int = 9
    max_value: int = 20
    parallel: float = 0.5
    stages: Stages = ((3, 2), (4, 1))

    def build(self, genome: SP) -> DagProblem:
        return sp_problem(genome)

    def enumerate(self) -> Iterator[SP]:
        """Every SP genome up to isomorphism (a labelled one only in its canonical form)."""
        for genome in self._labelled():
            if sp_canonical(genome) == genome:
                yield genome

    def _labelled(self) -> Iterator[SP]:
        for low, top, value in _stage_ranges(self.stages):
            vals = range(value + 1)
            for k in range(low, top + 1):
                for shape in sp_shapes(k):
                    sinks = _sp_sinks(shape)
                    for flags in itertools.product((False, True), repeat=k - sum(sinks)):
                        it = iter(flags)
                        cut = [True if s else next(it) for s in sinks]
                        ncut = sum(cut)
                        for fs in itertools.product(vals, repeat=k):
                            for us in itertools.product(vals, repeat=ncut):
                                ui = iter(us)
                                yield _sp_fill(shape, [(fs[v], next(ui) if cut[v] else 0, cut[v]) for v in range(k)])

    def enumeration_space(self) -> dict[str, Any]:
        labelled = 0
        for low, top, value in _stage_ranges(self.stages):
            for k in range(low, top + 1):
                for shape in sp_shapes(k):
                    sinks = sum(_sp_sinks(shape))
                    labelled += (value + 1) ** (k + sinks) * (value + 2) ** (k - sinks)
        parts = [f"{low}..{top} nodes with times in 0..{value}" for low, top, value in _stage_ranges(self.stages)]
        return {"description": f"{self.description}; every SP graph up to isomorphism; " + "; ".join(parts),
                "labelled": labelled, "genomes": sum(1 for _ in self.enumerate())}

    def _leaf(self, rng: np.random.Generator, top: int) -> SP:
        return ("v", int(rng.integers(0, top + 1)), int(rng.integers(0, top + 1)), bool(rng.random() < 0.3))

    def _grow(self, g: SP, rng: np.random.Generator, top: int) -> SP:
        leaves = sp_leaves(g)
        path = leaves[int(rng.integers(len(leaves)))]
        old, new = sp_get(g, path), self._leaf(rng, top)
        r = rng.random()
        comp = ("P", old, new) if r < self.parallel else ("S", old, new) if r < (1 + self.parallel) / 2 \
            else ("S", new, old)
        return sp_set(g, path, comp)

    def sample(self, rng: np.random.Generator) -> SP:
        k, top = int(rng.integers(2, self.max_nodes + 1)), _top(rng, self.max_value)
        g = self._leaf(rng, top)
        for _ in range(k - 1):
            g = self._grow(g, rng, top)
        return sp_normal(g)

    def mutate(self, genome: SP, rng: np.random.Generator) -> SP | None:
        leaves = sp_leaves(genome)
        k, op = len(leaves), rng.random()
        path = leaves[int(rng.integers(k))]
        _, f, u, c = sp_get(genome, path)
        if op < 0.5:
            if rng.random() < 0.5 or not c:
                f = min(self.max_value, max(0, f + _step(rng, self.max_value)))
            else:
                u = min(self.max_value, max(0, u + _step(rng, self.max_value)))
            return sp_normal(sp_set(genome, path, ("v", f, u, c)))
        if op < 0.6:
            return sp_normal(sp_set(genome, path, ("v", f, u, not c)))
        if op < 0.8 and k < self.max_nodes:
            return sp_normal(self._grow(genome, rng, max(3, f, u)))
        if k > 1:
            return sp_normal(sp_set(genome, path, None))
        return None

    def shrink(self, genome: SP) -> Iterator[SP]:
        return (c for c in self._shrink(genome) if c != genome)

    def _shrink(self, genome: SP) -> Iterator[SP]:
        leaves = sp_leaves(genome)
        if len(leaves) > 1:
            for path in leaves:
                yield sp_normal(sp_set(genome, path, None))
        for path in leaves:
            _, f, u, c = sp_get(genome, path)
            for y in _lowered(f):
                yield sp_normal(sp_set(genome, path, ("v", y, u, c)))
            for y in _lowered(u):
                yield sp_normal(sp_set(genome, path, ("v", f, y, c)))
            if c:
                yield sp_normal(sp_set(genome, path, ("v", f, 0, False)))

    def size(self, genome: SP) -> tuple:
        vals = [sp_get(genome, p) for p in sp_leaves(genome)]
        return (len(vals), sum(e[1] + e[2] for e in vals), sum(e[3] for e in vals), max(max(e[1], e[2]) for e in vals))


# -- identical chain DNNs --------------------------------------------------------------------------
Chain = tuple[int, tuple[int, ...], tuple[int, ...]]  # (n jobs, FLOPs of layers 1.., upload after layers 0..)


def chain_dnn(fs: tuple[int, ...], gs: tuple[int, ...]) -> DNN:
    """A chain of ``len(fs) + 1`` layers: the input (0 FLOPs) then layers of ``fs`` FLOPs; layer
    ``l`` outputs ``gs[l]`` bytes (the output layer 0).  On :data:`UNIT_PLATFORM` a cut after
    layer ``l`` costs ``f(l) = sum(fs[:l])`` µs locally and ``g(l) = gs[l]`` µs of upload."""
    out = list(gs) + [0]
    layers = [Layer("in", "input", 0, out[0])] + [Layer(f"l{i}", "layer", fs[i - 1], out[i])
                                                   for i in range(1, len(fs) + 1)]
    return DNN(f"chain-f{'-'.join(map(str, fs))}-g{'-'.join(map(str, gs))}", layers,
               [(a.name, b.name) for a, b in zip(layers, layers[1:])])


def chain_fg(genome: Chain) -> tuple[list[int], list[int]]:
    """``f(l), g(l)`` of every cut ``l`` (``l = 0`` cloud-only, the last local-only: ``g = 0``)."""
    _, fs, gs = genome
    return [sum(fs[:k]) for k in range(len(fs) + 1)], list(gs) + [0]


def convex_upload(gs) -> tuple[int, ...]:
    """The nearest non-increasing convex profile (ending at 0 local-only): the decrements of
    ``gs`` (negative ones dropped) sorted in decreasing order."""
    seq = [int(x) for x in gs] + [0]
    d = sorted((max(0, a - b) for a, b in zip(seq, seq[1:])), reverse=True)
    return tuple(sum(d[i:]) for i in range(len(d)))


@dataclass(frozen=True)
class ChainFamily:
    """``n`` identical chain DNNs.  ``convex``: seed 004 Thm. 3's assumptions, local time linear
    (every layer ``c`` FLOPs) and upload non-increasing convex (:func:`convex_upload`); otherwise
    any profile."""

    convex: bool = True
    description: str = "n identical chains, f(l) = c l, g non-increasing convex, g = 0 local-only"
    max_jobs: int = 6
    max_layers: int = 6
    max_value: int = 20
    stages: Stages = ((3, 3), (4, 2))  # (jobs, values); layers 2..jobs + 1
    valid: Callable[[Chain], bool] | None = None

    def build(self, genome: Chain) -> JointProblem:
        n, fs, gs = genome
        return JointProblem([chain_dnn(fs, gs)] * n, UNIT_PLATFORM, name=f"{n} x chain f={list(fs)} g={list(gs)}")

    def _fix(self, n: int, fs, gs) -> Chain | None:
        fs = tuple(min(int(x), self.max_value) for x in fs)
        gs = tuple(min(int(x), self.max_value * self.max_layers) for x in gs)
        if self.convex:
            fs, gs = (max(1, fs[0]),) * len(fs), convex_upload(gs)
        genome = (int(n), fs, gs)
        ok = 1 <= n <= self.max_jobs and 1 <= len(fs) == len(gs) < self.max_layers
        return genome if ok and (self.valid is None or self.valid(genome)) else None

    def enumerate(self) -> Iterator[Chain]:
        for low, top, value in _stage_ranges(self.stages):
            for n in range(low, top + 1):
                for layers in range(2, n + 2):
                    if self.convex:
                        profiles = (((c,) * (layers - 1), tuple(sum(d[i:]) for i in range(layers - 1)))
                                    for c in range(1, value + 1)
                                    for d in itertools.combinations_with_replacement(range(value, -1, -1),
                                                                                     layers - 1))
                    else:
                        vals = list(itertools.product(range(value + 1), repeat=layers - 1))
                        profiles = itertools.product(vals, vals)
                    for fs, gs in profiles:
                        genome = self._fix(n, fs, gs)
                        if genome is not None:
                            yield genome

    def enumeration_space(self) -> dict[str, Any]:
        what = "c in 1..V, decrements in 0..V" if self.convex else "every FLOPs and upload time in 0..V"
        parts = [f"{low}..{top} jobs, 2..jobs+1 layers, V = {value}" for low, top, value in _stage_ranges(self.stages)]
        return {"description": f"{self.description}; {what}; " + "; ".join(parts),
                "genomes": sum(1 for _ in self.enumerate())}

    def sample(self, rng: np.random.Generator) -> Chain:
        for _ in range(1000):
            top = _top(rng, self.max_value)
            n, layers = int(rng.integers(1, self.max_jobs + 1)), int(rng.integers(2, self.max_layers + 1))
            fs = rng.integers(0 if not self.convex else 1, top + 1, size=layers - 1)
            gs = np.sort(rng.integers(0, layers * top + 1, size=layers - 1))[::-1] if rng.random() < 0.5 \
                else rng.integers(0, layers * top + 1, size=layers - 1)
            genome = self._fix(n, fs, gs)
            if genome is not None:
                return genome
        raise RuntimeError(f"{self.description}: no valid random instance in 1000 draws")

    def mutate(self, genome: Chain, rng: np.random.Generator) -> Chain | None:
        n, fs, gs = genome[0], list(genome[1]), list(genome[2])
        op, i = rng.random(), int(rng.integers(len(fs)))
        if op < 0.15:
            n += 1 if rng.random() < 0.5 else -1
        elif op < 0.4:
            fs[0 if self.convex else i] = max(0, fs[0 if self.convex else i] + _step(rng, self.max_value))
        elif op < 0.75:
            gs[i] = max(0, gs[i] + _step(rng, self.max_value))
        elif op < 0.88:
            lo, hi = sorted((gs[i], gs[i - 1] if i else gs[i] + 5))
            fs.insert(i, fs[i])
            gs.insert(i, int(rng.integers(lo, hi + 1)))
        elif len(fs) > 1:
            fs.pop(i)
            gs.pop(i)
        return self._fix(n, fs, gs)

    def shrink(self, genome: Chain) -> Iterator[Chain]:
        n, fs, gs = genome
        cands = [(n - 1, fs, gs)]
        cands += [(n, fs[:i] + fs[i + 1:], gs[:i] + gs[i + 1:]) for i in range(len(fs)) if len(fs) > 1]
        cands += [(n, fs[:i] + (y,) + fs[i + 1:], gs) for i in range(len(fs)) for y in _lowered(fs[i])]
        cands += [(n, fs, gs[:i] + (y,) + gs[i + 1:]) for i in range(len(gs)) for y in _lowered(gs[i])]
        for cand in cands:
            fixed = self._fix(*cand)
            if fixed is not None and fixed != genome:
                yield fixed

    def size(self, genome: Chain) -> tuple:
        n, fs, gs = genome
        return (n, len(fs) + 1, sum(fs) + sum(gs), max(*fs, *gs))
