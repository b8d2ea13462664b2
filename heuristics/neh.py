"""NEH insertion heuristic for permutation flow shops (seed 002 Alg. 2; Nawaz, Enscore, Ham 1983)
with Taillard's (1990) acceleration.

References (docs/REFERENCES.md): [Seed002], [NawazEnscoreHam1983], [Taillard1990]."""

from __future__ import annotations

import time

import numpy as np

from offloadsched.errors import SizeLimitError
from offloadsched.evaluate import single_machine_ends
from offloadsched.flow_rtt import reduce_round_trip
from offloadsched.problems import FmProblem
from offloadsched.registry import SolverOutput
from offloadsched.schedule import Schedule

from ._release import release_aware_order


def _heads(p: np.ndarray, release: np.ndarray | None = None) -> np.ndarray:
    """``e[i, k]``: completion of the i-th job of the sequence (rows of ``p``) on machine k, the
    i-th job starting on machine 0 at ``release[i]`` at the earliest (default 0)."""
    e = np.empty_like(p)
    if release is None:
        release = np.zeros(p.shape[0], dtype=np.int64)
    for k in range(p.shape[1]):
        e[:, k] = release = single_machine_ends(release, p[:, k])
    return e


def insertion_makespans(p_seq: np.ndarray, p_new: np.ndarray, r_seq: np.ndarray | None = None, r_new: int = 0,
                        d_seq: np.ndarray | None = None, d_new: int = 0) -> np.ndarray:
    """Makespan of inserting a job with times ``p_new`` at each position 0..len(p_seq) of the
    sequence whose rows are ``p_seq`` (Taillard: heads, tails, O(len * m) numpy work).

    Optional per job: a release time ``r`` (no start on machine 0 before it) and a delivery time
    ``d`` after its end on the last machine (the round trip of an offloading job); the makespan is
    then ``max_j(C_j,m + d_j)`` and at least the last end.  It is the longest path of the grid
    graph (job rows, machine columns) from a source entering row j at machine 0 with weight r_j to
    a sink leaving row j at machine m - 1 with weight d_j.  A path crosses the new job's row
    (heads + the new row + tails, with the new job's own r and d), or starts at the release of a
    job after it (release + that job's tail: a suffix maximum), or ends at the delivery of a job
    before it (that job's head + d: a prefix maximum); so the insertion stays O(len * m) and is
    exact.  Without r and d this is Taillard's formula."""
    n_seq, m = p_seq.shape
    zero = np.zeros((1, m), dtype=np.int64)
    e = _heads(p_seq, r_seq)
    q = _heads(p_seq[::-1, ::-1], None if d_seq is None else d_seq[::-1])[::-1, ::-1]
    heads = np.vstack([zero, e])                  # heads[i]: job before position i
    tails = np.vstack([q, zero])                  # tails[i]: job at position i
    f = np.empty((n_seq + 1, m), dtype=np.int64)
    prev = np.full(n_seq + 1, r_new, dtype=np.int64)
    for k in range(m):
        f[:, k] = prev = np.maximum(prev, heads[:, k]) + p_new[k]
    ms = (f + tails).max(axis=1)
    if d_new:
        ms = np.maximum(ms, f[:, -1] + d_new)
    if d_seq is not None and n_seq:  # paths ending at the delivery of a job before position i
        ms[1:] = np.maximum(ms[1:], np.maximum.accumulate(e[:, -1] + d_seq))
    if r_seq is not None and n_seq:  # paths starting at the release of a job at or after position i
        ms[:-1] = np.maximum(ms[:-1], np.maximum.accumulate((r_seq + q[:, 0])[::-1])[::-1])
    return ms


#: Largest ``n^2 m`` that ``neh`` takes without a time limit (its work is about 10^-7 s per unit).
MAX_WORK = 10**8

#: Seconds per job and machine that a heuristic with a time limit keeps for the work after its search
#: (the schedule, and solve()'s evaluation and checks: about 1 s for 10^5 jobs on 2 machines).
FINISH_SECONDS_PER_OP = 5e-6


def neh(problem: FmProblem, *, time_limit: float | None = None, return_trace: bool = False) -> SolverOutput:
    """Seed 002 Alg. 2 (NEH) with Taillard's acceleration, O(n^2 m).

    Jobs are taken in decreasing total time (stable sort: equal totals keep index order); each is
    inserted at the position of least partial makespan, the first such position on ties.  With
    ``return_trace`` ``info["partial"]`` lists, per inserted job, the makespan at every insertion
    position 0..k (position 0 = in front) and the chosen position.

    Round trip ``w_rtt > 0`` (MODEL.md section 1): the makespan is ``max(P1, C + w_rtt)``, P1 the
    first machine's load and C the makespan of the offloading jobs, and the local-only jobs (zero
    times after machine 1) are best last; so NEH inserts the offloading jobs only, its insertion
    objective is their C (the real makespan increases with it), and the local-only jobs are
    appended (:mod:`offloadsched.flow_rtt`; the trace's makespans are C, without ``w_rtt``).

    Release times (MODEL.md): every insertion makespan is computed with them (heads on machine 1,
    :func:`insertion_makespans`: exact, still O(n m) per insertion).  The reduction to the offloading
    jobs does not hold then (a local-only job may fill machine 1 before a later release), so with
    release times and ``w_rtt > 0`` NEH inserts every job with the round trip as a delivery time after
    an offloading job's last machine, and the trace's makespans are the real ones.  The final
    sequence is replaced by its non-delay dispatch when that is shorter (greedy insertion can leave
    machine 1 idle for a late job; :func:`~offloadsched.heuristics._release.release_aware_order`,
    ``info["release"]``).  On random J2 / F3 instances of 30 jobs arriving at 90 % load this cut
    NEH's mean gap to the lower bound from about 8 % to 3 %.

    Size: with no ``time_limit``, an instance with ``n^2 m`` above :data:`MAX_WORK` (about 10^4 jobs on
    2 machines; a few seconds to a minute of work) is refused (:class:`SizeLimitError`); with one, the
    insertions stop when it is reached and the jobs not yet inserted are appended in NEH's order
    (``info["stopped"]`` says after how many; :data:`FINISH_SECONDS_PER_OP` per job and machine is kept
    for the work after the insertions).
    """
    return _neh_reduced(problem, time_limit=time_limit, return_trace=return_trace)


def deliveries(problem: FmProblem) -> np.ndarray | None:
    """Per job the time after its end on the last machine that the makespan counts: ``w_rtt`` for an
    offloading job, else 0; None when ``w_rtt = 0``."""
    return np.where(problem.offloading, problem.w_rtt, 0).astype(np.int64) if problem.w_rtt else None


def _neh(problem: FmProblem, *, time_limit: float | None, return_trace: bool) -> SolverOutput:
    p = np.asarray(problem.times, dtype=np.int64)
    n, m = p.shape
    r = problem.release if problem.has_release else None
    d = deliveries(problem)
    if time_limit is None and n * n * m > MAX_WORK:
        raise SizeLimitError(f"neh: {n} jobs x {m} machines is above its size limit without a time limit "
                             f"(n^2 m = {n * n * m:.3g} > {MAX_WORK:.0e}); pass a time_limit")
    deadline = None if time_limit is None else time.perf_counter() + time_limit - FINISH_SECONDS_PER_OP * n * m
    order = np.argsort(-p.sum(axis=1), kind="stable")
    seq: list[int] = [int(order[0])] if n else []
    trace = []
    info: dict = {}
    for k, j in enumerate(order[1:].tolist()):
        if deadline is not None and time.perf_counter() > deadline:
            seq.extend(order[k + 1:].tolist())
            info["stopped"] = f"time limit after {k + 1} of {n} insertions; the other jobs appended in NEH's order"
            break
        ms = insertion_makespans(p[seq], p[j], None if r is None else r[seq], 0 if r is None else int(r[j]),
                                 None if d is None else d[seq], 0 if d is None else int(d[j]))
        pos = int(np.argmin(ms))
        seq.insert(pos, j)
        if return_trace:
            trace.append({"job": j, "makespans": ms.tolist(), "position": pos, "sequence": list(seq)})
    if return_trace:
        info["partial"] = trace
    if r is not None:  # the sequence or its non-delay dispatch, as the order-based heuristics
        seq, more = release_aware_order(problem, seq)
        info.update(more)
    return SolverOutput(Schedule.from_order(seq), info=info)


_neh_reduced = reduce_round_trip(_neh)  # the round-trip reduction, skipped with release times
