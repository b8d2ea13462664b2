"""A heuristic's clock: ``time_limit`` seconds from the call, checked between steps.

A heuristic step that runs out raises :class:`TimeLimitReached`, which the method catches and
answers with its fallback schedule (``info["stopped"]`` says so): a time limit is a result.
"""

from __future__ import annotations

import time


class TimeLimitReached(Exception):
    """The clock of a heuristic ran out (never leaves the method)."""


class Clock:
    def __init__(self, time_limit: float | None):
        self.deadline = None if time_limit is None else time.perf_counter() + time_limit

    def check(self) -> None:
        if self.deadline is not None and time.perf_counter() > self.deadline:
            raise TimeLimitReached

    def remaining(self) -> float | None:
        return None if self.deadline is None else max(1e-9, self.deadline - time.perf_counter())
