"""Identical-chains search space (:class:`ChainSpace`): ``n`` identical chain DNNs with linear local
time ``f(l) = c l`` and a non-increasing convex upload time ``g(l) = sum(d[l:])`` (``d``
non-increasing; ``g = 0`` when the whole chain is local), as a
:class:`~offloadsched.problems.JointProblem`.

References (docs/REFERENCES.md): [Seed004]."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...dnn import DNN, Layer
from ...problems import JointProblem
from ._common import UNIT_PLATFORM, Stages, lowered, mutation_step, stage_ranges, value_scale

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
class ChainSpace:
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
        for low, top, value in stage_ranges(self.stages):
            for n in range(low, top + 1):
                for layers in range(2, n + 2):
                    profiles: Iterator[tuple[tuple[int, ...], tuple[int, ...]]]
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
        parts = [f"{low}..{top} jobs, 2..jobs+1 layers, V = {value}" for low, top, value in stage_ranges(self.stages)]
        return {"description": f"{self.description}; {what}; " + "; ".join(parts),
                "genomes": sum(1 for _ in self.enumerate())}

    def sample(self, rng: np.random.Generator) -> Chain:
        for _ in range(1000):
            top = value_scale(rng, self.max_value)
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
            fs[0 if self.convex else i] = max(0, fs[0 if self.convex else i] + mutation_step(rng, self.max_value))
        elif op < 0.75:
            gs[i] = max(0, gs[i] + mutation_step(rng, self.max_value))
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
        cands += [(n, fs[:i] + (y,) + fs[i + 1:], gs) for i in range(len(fs)) for y in lowered(fs[i])]
        cands += [(n, fs, gs[:i] + (y,) + gs[i + 1:]) for i in range(len(gs)) for y in lowered(gs[i])]
        for cand in cands:
            fixed = self._fix(*cand)
            if fixed is not None and fixed != genome:
                yield fixed

    def size(self, genome: Chain) -> tuple:
        n, fs, gs = genome
        return (n, len(fs) + 1, sum(fs) + sum(gs), max(*fs, *gs))
