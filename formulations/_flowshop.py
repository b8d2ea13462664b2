"""What the exact flow-shop models share: the ``ig`` warm start and its time budget, the ``neh`` fallback
(both through :func:`offloadsched.solve`, never the heuristics' internals).  The lower bounds are the
core's (:func:`offloadsched.bounds.lower_bound`: machine loads, the one-machine and two-machine bounds)."""

from __future__ import annotations

import offloadsched
from offloadsched.errors import ValidationError
from offloadsched.problems import FmProblem

_IG_READY = False


def ig_ready() -> None:
    """Have ``ig`` compile its kernels (or load them from numba's disk cache) once per process, by solving
    a two-job instance through :func:`offloadsched.solve`.  The exact flow-shop models call it before
    their clock starts, so that, as for ``ig`` itself, the one-time compilation (seconds from a cold
    cache) is not charged to their time limit."""
    global _IG_READY
    if not _IG_READY:
        try:
            offloadsched.solve(FmProblem([[1, 2], [2, 1]]), "ig", time_limit=1.0, iterations=1)
        except ValidationError:  # ig not registered
            pass
        _IG_READY = True


def warm_time(n: int, m: int, time_limit: float | None) -> float:
    """Seconds for the ``ig`` warm start: 5 ms per job and machine, at most 2 s and 10 % of the limit."""
    t = min(2.0, 0.005 * n * m)
    return max(0.05, min(t, 0.1 * time_limit) if time_limit else t)


def ig_warm_start(problem: FmProblem, time_limit: float | None, seed: int | None = None) -> list[int] | None:
    """``ig``'s job order within :func:`warm_time` (None if ``ig`` is not registered)."""
    n, m = problem.times.shape
    try:
        res = offloadsched.solve(problem, "ig", time_limit=warm_time(n, m, time_limit), seed=seed or 0)
    except ValidationError:
        return None
    return [int(j) for j in res.schedule[problem.machines[0]]]


def fallback_order(problem: FmProblem) -> list[int]:
    """``neh``'s job order (the identity if ``neh`` is not registered): the schedule of a model stopped by
    its time limit with no incumbent of its own and no warm start."""
    try:
        res = offloadsched.solve(problem, "neh")
    except ValidationError:
        return list(range(problem.times.shape[0]))
    return [int(j) for j in res.schedule[problem.machines[0]]]


def quick_order(problem: FmProblem, time_limit: float) -> list[int]:
    """The better of ``johnson`` (two machines) and ``neh`` within ``time_limit`` (each through
    :func:`offloadsched.solve`; the identity if neither applies): the schedule of a model too large to
    build in its time limit."""
    best, order = None, list(range(problem.times.shape[0]))
    for name in ("johnson", "neh"):
        try:
            res = offloadsched.solve(problem, name, time_limit=time_limit)
        except ValidationError:
            continue
        if best is None or res.makespan < best:
            best, order = res.makespan, [int(j) for j in res.schedule[problem.machines[0]]]
    return order
