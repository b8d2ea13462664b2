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


def _heads(p: np.ndarray) -> np.ndarray:
    """``e[i, k]``: completion of the i-th job of the sequence (rows of ``p``) on machine k."""
    e = np.empty_like(p)
    release = np.zeros(p.shape[0], dtype=np.int64)
    for k in range(p.shape[1]):
        e[:, k] = release = single_machine_ends(release, p[:, k])
    return e


def insertion_makespans(p_seq: np.ndarray, p_new: np.ndarray) -> np.ndarray:
    """Makespan of inserting a job with times ``p_new`` at each position 0..len(p_seq) of the
    sequence whose rows are ``p_seq`` (Taillard: heads, tails, O(len * m) numpy work)."""
    n_seq, m = p_seq.shape
    zero = np.zeros((1, m), dtype=np.int64)
    heads = np.vstack([zero, _heads(p_seq)])                    # heads[i]: job before position i
    tails = np.vstack([_heads(p_seq[::-1, ::-1])[::-1, ::-1], zero])  # tails[i]: job at position i
    f = np.empty((n_seq + 1, m), dtype=np.int64)
    prev = np.zeros(n_seq + 1, dtype=np.int64)
    for k in range(m):
        f[:, k] = prev = np.maximum(prev, heads[:, k]) + p_new[k]
    return (f + tails).max(axis=1)


#: Largest ``n^2 m`` that ``neh`` takes without a time limit (its work is about 10^-7 s per unit).
MAX_WORK = 10**8

#: Seconds per job and machine that a heuristic with a time limit keeps for the work after its search
#: (the schedule, and solve()'s evaluation and checks: about 1 s for 10^5 jobs on 2 machines).
FINISH_SECONDS_PER_OP = 5e-6


@reduce_round_trip
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

    Size: with no ``time_limit``, an instance with ``n^2 m`` above :data:`MAX_WORK` (about 10^4 jobs on
    2 machines; a few seconds to a minute of work) is refused (:class:`SizeLimitError`); with one, the
    insertions stop when it is reached and the jobs not yet inserted are appended in NEH's order
    (``info["stopped"]`` says after how many; :data:`FINISH_SECONDS_PER_OP` per job and machine is kept
    for the work after the insertions).
    """
    p = np.asarray(problem.times, dtype=np.int64)
    n, m = p.shape
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
        ms = insertion_makespans(p[seq], p[j])
        pos = int(np.argmin(ms))
        seq.insert(pos, j)
        if return_trace:
            trace.append({"job": j, "makespans": ms.tolist(), "position": pos, "sequence": list(seq)})
    if return_trace:
        info["partial"] = trace
    return SolverOutput(Schedule.from_order(seq), info=info)
