"""What every claim search space shares: enumeration stages, value shrinking and mutation steps,
and the unit platform (1 FLOP -> 1 µs, 1 byte -> 1 µs)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ...platform import Platform

Stages = tuple[tuple[int, int], ...]

#: The platform that turns DNN numbers into the same integer µs: 1 FLOP -> 1 µs, 1 byte -> 1 µs.
UNIT_PLATFORM = Platform(r_loc=1e6, r_rem=1e12, bandwidth=8e6, w_msg=0.0, name="unit")


def stage_ranges(stages: Stages) -> Iterator[tuple[int, int, int]]:
    """``(first_size, last_size, max_value)`` of each enumeration stage."""
    low = 1
    for top, value in stages:
        if top >= low:
            yield low, top, value
        low = max(low, top + 1)


def lowered(value: int) -> list[int]:
    """Smaller values to try for ``value``: 0, half, minus one (distinct, most aggressive first)."""
    return sorted({0, value // 2, value - 1} - {value}) if value > 0 else []


def mutation_step(rng: np.random.Generator, top: int) -> int:
    """A signed mutation step: +-1 mostly, sometimes larger."""
    size = 1 if rng.random() < 0.7 else int(rng.integers(1, max(2, top // 3) + 1))
    return size if rng.random() < 0.5 else -size


def value_scale(rng: np.random.Generator, max_value: int) -> int:
    """A value scale for a random instance: small, medium or the family's maximum."""
    return int(rng.choice([3, 10, max_value]))
