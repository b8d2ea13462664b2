"""Out-tree search space (:class:`TreeSpace`): problem D whose local graph is an out-tree,
``(parent, f, u, cut)`` per local node, every leaf a cut-point (and, unless ``leaf_cuts``, internal
cut-points too), each cut-point with a remote child of zero time."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...problems import DagProblem
from ._common import Stages, lowered, mutation_step, stage_ranges, value_scale

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
class TreeSpace:
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
        for low, top, value in stage_ranges(self.stages):
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
                       for low, top, value in stage_ranges(self.stages)
                       for k in range(low, top + 1) for _, cut in self._shapes(k))
        parts = [f"{low}..{top} nodes with times in 0..{value}" for low, top, value in stage_ranges(self.stages)]
        parts += [] if self.root_compute else ["root time 0"]
        return {"description": f"{self.description}; every tree up to isomorphism; " + "; ".join(parts),
                "labelled": labelled, "genomes": sum(1 for _ in self.enumerate())}

    def sample(self, rng: np.random.Generator) -> Tree:
        k = int(rng.integers(2, self.max_nodes + 1))
        style, top = rng.random(), value_scale(rng, self.max_value)
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
            nodes[v][i] = min(self.max_value, max(0, nodes[v][i] + mutation_step(rng, self.max_value)))
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
            for y in lowered(f):
                yield genome[:v] + ((p, y, u, c),) + genome[v + 1:]
            for y in lowered(u):
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
