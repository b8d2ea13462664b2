"""The partitions of one DNN: its ideals (predecessor-closed layer sets containing the input).

A partition of a DNN job (MODEL.md section 1) is exactly an *ideal* of its DAG that contains the
input layer.  The zoo's folded graphs have few (AlexNet 12, ResNet18 38, MobileNetV2 65, GoogLeNet
496, RandWire some 2 * 10^4), so joint models can enumerate them; a graph with many parallel
branches has exponentially many, so they are counted first and refused above a limit.

Enumeration is the binary include / exclude search over the layers in topological order: the
first undecided layer ``v`` is either excluded (with every descendant) or included (its
predecessors, all earlier, are then included already, or ``v`` would have been excluded as a
descendant).  No branch is empty, every leaf is a distinct ideal, so the search costs
O(I * n / 64) word operations for ``I`` ideals of ``n`` layers (bit sets as Python integers).
Counting is the same search without storing; it stops at ``stop`` ideals.

References (docs/REFERENCES.md): [Xie2019].
"""

from __future__ import annotations

from .dnn import DNN
from .errors import SizeLimitError

__all__ = ["DEFAULT_MAX_IDEALS", "count_ideals", "enumerate_ideals"]

#: the default limit on the number of ideals a joint model enumerates per DNN
DEFAULT_MAX_IDEALS = 50_000


def _descendants(dnn: DNN) -> list[int]:
    """Bit set of each layer and its descendants (layers are in topological order)."""
    desc = [0] * len(dnn)
    for v in range(len(dnn) - 1, -1, -1):
        m = 1 << v
        for s in dnn.succs[v]:
            m |= desc[s]
        desc[v] = m
    return desc


def _search(dnn: DNN, stop: int, store: bool) -> tuple[int, list[int]]:
    n = len(dnn)
    desc = _descendants(dnn)
    found: list[int] = []
    count = 0
    stack = [(1 << dnn.input, 0, 0)]
    while stack:
        inc, exc, i = stack.pop()
        decided = inc | exc
        while i < n and decided >> i & 1:
            i += 1
        if i == n:
            count += 1
            if store:
                found.append(inc)
            if count >= stop:
                break
            continue
        stack.append((inc, exc | desc[i], i + 1))
        stack.append((inc | 1 << i, exc, i + 1))
    return count, found


def count_ideals(dnn: DNN, stop: int | None = None) -> int:
    """The number of partitions (ideals containing the input) of ``dnn``; at most ``stop`` when
    given (the search ends there, so a huge count costs only ``stop`` steps)."""
    return _search(dnn, stop if stop is not None else -1, store=False)[0]


def enumerate_ideals(dnn: DNN, max_ideals: int = DEFAULT_MAX_IDEALS) -> list[int]:
    """Every partition of ``dnn`` as a bit set of layer indices (bit ``v`` set: layer ``v`` local).

    The list starts with local-only (all layers) and ends with cloud-only (the input alone).
    Raises :class:`~offloadsched.errors.SizeLimitError` naming the count (exact up to ten times
    the limit) when there are more than ``max_ideals``.
    """
    if isinstance(max_ideals, bool) or not isinstance(max_ideals, int) or max_ideals < 1:
        raise SizeLimitError(f"max_ideals must be an integer >= 1, got {max_ideals!r}")
    count, found = _search(dnn, max_ideals + 1, store=True)
    if count > max_ideals:
        exact = count_ideals(dnn, stop=10 * max_ideals + 1)
        said = f"{exact}" if exact <= 10 * max_ideals else f"more than {10 * max_ideals}"
        raise SizeLimitError(f"DNN {dnn.name!r} has {said} partitions (ideals), above the limit "
                             f"max_ideals={max_ideals}")
    return found

