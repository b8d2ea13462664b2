"""NEH insertion heuristic for permutation flow shops (seed 002 Alg. 2; Nawaz, Enscore, Ham 1983)
with Taillard's (1990) acceleration.

References (docs/REFERENCES.md): [Seed002], [NawazEnscoreHam1983], [Taillard1990]."""

from __future__ import annotations

import numpy as np

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
    """
    p = np.asarray(problem.times, dtype=np.int64)
    n = p.shape[0]
    order = np.argsort(-p.sum(axis=1), kind="stable")
    seq: list[int] = [int(order[0])] if n else []
    trace = []
    for j in order[1:].tolist():
        ms = insertion_makespans(p[seq], p[j])
        pos = int(np.argmin(ms))
        seq.insert(pos, j)
        if return_trace:
            trace.append({"job": j, "makespans": ms.tolist(), "position": pos, "sequence": list(seq)})
    info = {"partial": trace} if return_trace else {}
    return SolverOutput(Schedule.from_order(seq), info=info)
