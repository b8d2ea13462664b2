"""An independent checker of timed schedules.

:func:`check` verifies a :class:`~offloadsched.schedule.Timing` against the problem's flat
operation list (:meth:`operations`): every operation present once with its exact duration,
no start before 0 nor before its job's release time (MODEL.md "Release times"), every precedence
arc respected, no two operations overlapping on one
resource, and the makespan equal to the latest end.  It shares no code with the evaluator's
recurrence, so each tests the other.
"""

from __future__ import annotations

from typing import cast

import numpy as np

from .errors import ScheduleError
from .problems import DagProblem, FmProblem, Problem, problem_type
from .schedule import Timing


def violations(problem: Problem, timing: Timing, *, limit: int = 10) -> list[str]:
    """Up to ``limit`` human-readable violations (empty when the schedule is valid)."""
    problem_type(problem)
    scheduled = cast(FmProblem | DagProblem, problem)  # a joint problem has no operations until partitioned
    ops = scheduled.operations()
    out: list[str] = []
    names = getattr(problem, "names", None) or getattr(problem, "jobs", None)

    def label(kind, item) -> str:
        return f"{kind} of {names[item] if names is not None else item}"

    # Match operations by (kind, item) through integer keys.
    kinds = list(getattr(problem, "machines", ("compute", "upload", "remote")))
    width = int(max(ops.item.max(initial=0), timing.item.max(initial=0))) + 1
    op_code = _codes(ops.kind, kinds)
    exp_key = op_code * width + ops.item
    got_key = _codes(timing.kind, kinds) * width + timing.item
    match = _match(exp_key, got_key, (len(kinds) + 1) * width)
    if isinstance(match, int):
        dup = match
        times = int((got_key == dup).sum())
        out.append(f"{label(_kind(kinds, dup // width), dup % width)} is scheduled {times} times")
        return out
    op_index, found, missing = match  # timing row -> operation index; found rows; missing keys
    for k in np.flatnonzero(~found)[:limit]:
        out.append(f"{label(timing.kind[k], timing.item[k])} is not an operation of this problem")
    if len(got_key) != len(exp_key) or not found.all():
        for key in missing[:limit]:
            out.append(f"{label(_kind(kinds, key // width), key % width)} is missing")
        return out[:limit]
    start = np.empty(len(ops), dtype=np.int64)
    end = np.empty(len(ops), dtype=np.int64)
    start[op_index] = timing.start
    end[op_index] = timing.end

    bad = np.flatnonzero(end - start != ops.duration)
    for k in bad[:limit]:
        out.append(f"{label(ops.kind[k], ops.item[k])} lasts {end[k] - start[k]}, expected {ops.duration[k]}")
    for k in np.flatnonzero(start < 0)[:limit]:
        out.append(f"{label(ops.kind[k], ops.item[k])} starts at {start[k]} < 0")
    release = scheduled.release
    if release.any():
        op_job = ops.item if isinstance(problem, FmProblem) else cast(DagProblem, problem).job[ops.item]
        job_names = problem.jobs if isinstance(problem, FmProblem) else cast(DagProblem, problem).job_names
        for k in np.flatnonzero(start < release[op_job])[:limit]:
            j = int(op_job[k])
            out.append(f"{label(ops.kind[k], ops.item[k])} starts at {start[k]}, before job {job_names[j]!r} "
                       f"is released at {release[j]}")
    if len(ops.arcs):
        a, b = ops.arcs[:, 0], ops.arcs[:, 1]
        for k in np.flatnonzero(start[b] < end[a])[:limit]:
            out.append(f"{label(ops.kind[b[k]], ops.item[b[k]])} starts at {start[b[k]]} before "
                       f"{label(ops.kind[a[k]], ops.item[a[k]])} ends at {end[a[k]]}")
    resources = list(scheduled.resources)
    res_code = op_code if resources == kinds else _codes(ops.resource, resources)
    for i, res in enumerate(resources):
        idx = np.flatnonzero(res_code == i)
        idx = idx[_by_start_then_end(start[idx], end[idx])]
        clash = np.flatnonzero(start[idx[1:]] < end[idx[:-1]])
        for k in clash[:limit]:
            x, y = idx[k], idx[k + 1]
            out.append(f"on {res}: {label(ops.kind[x], ops.item[x])} [{start[x]}, {end[x]}) overlaps "
                       f"{label(ops.kind[y], ops.item[y])} [{start[y]}, {end[y]})")
    latest = int(end.max()) if len(end) else 0
    rtt = int(getattr(problem, "w_rtt", 0))
    if rtt:  # MODEL.md 1: an offloading job completes w_rtt after its last upload or remote operation
        if isinstance(problem, DagProblem):
            network = (ops.kind == "upload") | (ops.kind == "remote")
        else:
            flow = cast(FmProblem, problem)
            offloads = np.asarray(flow.times[:, 1:].any(axis=1), dtype=bool)
            network = (ops.kind != flow.machines[0]) & offloads[ops.item]
        if network.any():
            latest = max(latest, int(end[network].max()) + rtt)
    if timing.makespan != latest:
        what = f"the latest completion {latest} (w_rtt {rtt})" if rtt else f"the latest end {latest}"
        out.append(f"makespan {timing.makespan} differs from {what}")
    return out[:limit]


def _match(exp_key: np.ndarray, got_key: np.ndarray, space: int):
    """Match the timing's keys ``got_key`` to the operations' (distinct) keys ``exp_key``: the
    smallest key scheduled twice (an int), or ``(op_index, found, missing)``: the operation index
    of every timing row, which rows are operations, and the operation keys never scheduled
    (ascending).  A lookup table of ``space`` slots when the keys are dense (O(k)), else sorting."""
    k = len(exp_key)
    if got_key.size == 0 or (got_key.min() >= 0 and space <= 4 * max(k, got_key.size) + 1024):
        counts = np.bincount(got_key, minlength=space)
        if got_key.size and counts.max() > 1:
            return int(np.flatnonzero(counts > 1)[0])
        slot = np.full(space, -1, dtype=np.int64)
        slot[exp_key] = np.arange(k)
        op_index = slot[got_key]
        return op_index, op_index >= 0, np.sort(exp_key[counts[exp_key] == 0])
    got_sorted = np.sort(got_key)
    same = np.flatnonzero(got_sorted[1:] == got_sorted[:-1])
    if same.size:
        return int(got_sorted[same[0]])
    exp_sorted = np.argsort(exp_key)
    pos = np.minimum(np.searchsorted(exp_key[exp_sorted], got_key), max(k - 1, 0))
    found = (exp_key[exp_sorted][pos] == got_key) if k else np.zeros(len(got_key), dtype=bool)
    return (exp_sorted[pos] if k else pos), found, np.setdiff1d(exp_key, got_key)


def _by_start_then_end(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """The order of operations by start, ties by end (one sort when no two starts tie)."""
    order = np.argsort(start)
    s = start[order]
    if s.size > 1 and (s[1:] == s[:-1]).any():
        return np.lexsort((end, start))
    return order


def _kind(kinds: list[str], code: int) -> str:
    return kinds[code] if code < len(kinds) else "unknown operation"


def _codes(values: np.ndarray, kinds: list[str]) -> np.ndarray:
    """The index of every value in ``kinds`` (``len(kinds)`` for an unknown one), by one binary
    search of the sorted kinds and one comparison per value."""
    if not kinds or not len(values):
        return np.full(len(values), len(kinds), dtype=np.int64)
    known = np.array(kinds)
    order = np.argsort(known, kind="stable")
    pos = np.minimum(np.searchsorted(known[order], values), len(kinds) - 1)
    return np.where(known[order][pos] == values, order[pos], len(kinds))


def check(problem: Problem, timing: Timing) -> None:
    """Raise :class:`~offloadsched.errors.ScheduleError` listing violations, if any.

    Independent of the evaluator: it re-derives the precedences and the one-operation-at-a-time
    rule of MODEL.md from ``problem`` and tests ``timing`` against them.

    Parameters
    ----------
    problem : J2Problem, FmProblem or DagProblem
    timing : Timing
        Timed operations, e.g. from :func:`offloadsched.evaluate`.

    Raises
    ------
    ScheduleError
        Every violation found, in one message.

    Notes
    -----
    O(k log k) for k operations (sorting per resource).

    Examples
    --------
    >>> from offloadsched import J2Problem, evaluate, check
    >>> p = J2Problem([3, 1, 4], [2, 5, 1])
    >>> t = evaluate(p, [1, 0, 2])
    >>> check(p, t) is None
    True
    """
    found = violations(problem, timing)
    if found:
        raise ScheduleError("invalid schedule: " + "; ".join(found))
