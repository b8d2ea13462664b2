"""Flow-shop search space (:class:`FlowSpace`): J2 / Fm jobs as a tuple of job rows (optionally
restricted by ``valid`` and kept in scope by ``repair``).

References (docs/REFERENCES.md): [Johnson1954]."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...problems import FmProblem, J2Problem
from ._common import Stages, lowered, mutation_step, stage_ranges, value_scale

Flow = tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class FlowSpace:
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
        return any(low <= n <= top and value <= v for low, top, v in stage_ranges(self.stages))

    def _multisets(self) -> Iterator[Flow]:
        """By increasing number of jobs: the stages' multisets, then the few-kinds ones."""
        ranges = list(stage_ranges(self.stages))
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
                 for low, top, value in stage_ranges(self.stages)]
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
            n, top = int(rng.integers(2, self.max_jobs + 1)), value_scale(rng, self.max_value)
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
            rows[j][i] = min(self.max_value, max(0, rows[j][i] + mutation_step(rng, self.max_value)))
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
                for y in lowered(x):
                    cand = genome[:j] + (row[:i] + (y,) + row[i + 1:],) + genome[j + 1:]
                    if self._ok(cand):
                        yield cand

    def size(self, genome: Flow) -> tuple:
        return (len(genome), sum(map(sum, genome)), max(map(max, genome)))
