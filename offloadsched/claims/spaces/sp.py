"""Series-parallel search space (:class:`SPSpace`): problem D whose local graph is vertex
series-parallel, a nested ``("S" | "P", child, ...)`` / ``("v", f, u, cut)`` expression; every sink
is a cut-point."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, overload

import numpy as np

from ...problems import DagProblem
from ._common import Stages, lowered, mutation_step, stage_ranges, value_scale

SP = tuple  # ("v", f, u, cut) | ("S", child, ...) | ("P", child, ...)
LEAF0: SP = ("v", 0, 0, False)


def sp_normal(g: SP, at_end: bool = True) -> SP:
    """Flattened (no S in S, no P in P, no single-child composition); sinks cut; u = 0 where
    nothing uploads."""
    if g[0] == "v":
        cut = bool(g[3]) or at_end
        return ("v", int(g[1]), int(g[2]) if cut else 0, cut)
    kids: list[SP] = []
    for c in g[1:]:
        kids.extend(c[1:] if c[0] == g[0] else [c])
    if len(kids) == 1:
        return sp_normal(kids[0], at_end)
    if g[0] == "S":
        kids = [sp_normal(c, at_end and i == len(kids) - 1) for i, c in enumerate(kids)]
    else:
        kids = [sp_normal(c, at_end) for c in kids]
    flat: list[SP] = []
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


@overload
def sp_set(g: SP, path: tuple[int, ...], new: SP) -> SP: ...


@overload
def sp_set(g: SP, path: tuple[int, ...], new: None) -> SP | None: ...


def sp_set(g: SP, path: tuple[int, ...], new: SP | None) -> SP | None:
    """``g`` with the subexpression at ``path`` replaced by ``new`` (None removes it; None when
    nothing is left)."""
    if not path:
        return new
    kids = list(g[1:])
    sub = sp_set(kids[path[0] - 1], path[1:], new)
    if sub is None:
        kids.pop(path[0] - 1)
    else:
        kids[path[0] - 1] = sub
    return (g[0], *kids) if kids else None


def sp_removed(g: SP, path: tuple[int, ...]) -> SP:
    """``g`` without the leaf at ``path`` (``g`` must keep another leaf)."""
    out = sp_set(g, path, None)
    if out is None:
        raise ValueError(f"removing the leaf at {path} leaves nothing of {g!r}")
    return out


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
            found: dict[str, SP] = {}
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
    kids: list[SP] = []
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
class SPSpace:
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
        for low, top, value in stage_ranges(self.stages):
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
        for low, top, value in stage_ranges(self.stages):
            for k in range(low, top + 1):
                for shape in sp_shapes(k):
                    sinks = sum(_sp_sinks(shape))
                    labelled += (value + 1) ** (k + sinks) * (value + 2) ** (k - sinks)
        parts = [f"{low}..{top} nodes with times in 0..{value}" for low, top, value in stage_ranges(self.stages)]
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
        k, top = int(rng.integers(2, self.max_nodes + 1)), value_scale(rng, self.max_value)
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
                f = min(self.max_value, max(0, f + mutation_step(rng, self.max_value)))
            else:
                u = min(self.max_value, max(0, u + mutation_step(rng, self.max_value)))
            return sp_normal(sp_set(genome, path, ("v", f, u, c)))
        if op < 0.6:
            return sp_normal(sp_set(genome, path, ("v", f, u, not c)))
        if op < 0.8 and k < self.max_nodes:
            return sp_normal(self._grow(genome, rng, max(3, f, u)))
        if k > 1:
            return sp_normal(sp_removed(genome, path))
        return None

    def shrink(self, genome: SP) -> Iterator[SP]:
        return (c for c in self._shrink(genome) if c != genome)

    def _shrink(self, genome: SP) -> Iterator[SP]:
        leaves = sp_leaves(genome)
        if len(leaves) > 1:
            for path in leaves:
                yield sp_normal(sp_removed(genome, path))
        for path in leaves:
            _, f, u, c = sp_get(genome, path)
            for y in lowered(f):
                yield sp_normal(sp_set(genome, path, ("v", y, u, c)))
            for y in lowered(u):
                yield sp_normal(sp_set(genome, path, ("v", f, y, c)))
            if c:
                yield sp_normal(sp_set(genome, path, ("v", f, 0, False)))

    def size(self, genome: SP) -> tuple:
        vals = [sp_get(genome, p) for p in sp_leaves(genome)]
        return (len(vals), sum(e[1] + e[2] for e in vals), sum(e[3] for e in vals), max(max(e[1], e[2]) for e in vals))
