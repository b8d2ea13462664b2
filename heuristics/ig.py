"""Iterated greedy for the permutation flow shop (R. Ruiz and T. Stützle, "A simple and effective
iterated greedy algorithm for the permutation flowshop scheduling problem", European Journal of
Operational Research 177(3), 2033-2049, 2007: the algorithm IG_RS_LS).

Start: NEH (Nawaz, Enscore, Ham 1983) and insertion local search.  Each iteration removes ``d``
random jobs (destruction), reinserts them one by one at their best position (construction, NEH
insertion with Taillard's 1990 acceleration: O(n m) per insertion), improves the result by
insertion local search (every job, in random order, moved to its best position until no move
improves) and accepts it when it is better than the current sequence, or else with probability
``exp(-(new - current) / T)``, ``T = temperature * sum(p) / (10 n m)`` (the paper's constant
temperature).  One iteration costs O(d n m) plus O(n^2 m) per local-search pass.

The inner loops are compiled with numba (once per process, before the clock of ``time_limit``
starts: about 0.5 s from numba's cache, a few seconds on the first run).  Deterministic for a
given ``seed`` and ``iterations``; with a ``time_limit`` the number of iterations depends on the
machine.

References (docs/REFERENCES.md): [NawazEnscoreHam1983], [Taillard1990], [RuizStutzle2007].
"""

from __future__ import annotations

import time

import numpy as np
from numba import njit

from offloadsched.bounds import lower_bound
from offloadsched.errors import ValidationError
from offloadsched.flow_rtt import reduce_round_trip
from offloadsched.problems import FmProblem
from offloadsched.registry import SolverOutput
from offloadsched.schedule import Schedule

#: Iterations when neither ``iterations`` nor ``time_limit`` is given: about 5e7 elementary
#: operations of local search (1000 iterations for Taillard's 50 x 5, fewer for large n).
DEFAULT_WORK = 5e7
MAX_DEFAULT_ITERATIONS = 1000
CHUNK_SECONDS = 0.05  # the compiled loop returns to Python this often to check the time limit


@njit(cache=True)
def _best_insertion(p, seq, n_seq, job, e, q):
    """Best position (first on ties) and makespan of inserting ``job`` into ``seq[:n_seq]``
    (Taillard's acceleration; ``e`` and ``q`` are (n + 1) x m work arrays)."""
    m = p.shape[1]
    for k in range(m):
        e[0, k] = 0
        q[n_seq, k] = 0
    for i in range(n_seq):  # e[i + 1, k]: completion of the i-th job on machine k
        j = seq[i]
        t = 0
        for k in range(m):
            t = max(t, e[i, k]) + p[j, k]
            e[i + 1, k] = t
    for i in range(n_seq - 1, -1, -1):  # q[i, k]: time from the start of the i-th job on k to the end
        j = seq[i]
        t = 0
        for k in range(m - 1, -1, -1):
            t = max(t, q[i + 1, k]) + p[j, k]
            q[i, k] = t
    best, pos = np.int64(1) << 62, 0
    for i in range(n_seq + 1):
        f = 0
        ms = 0
        for k in range(m):
            f = max(f, e[i, k]) + p[job, k]
            ms = max(ms, f + q[i, k])
        if ms < best:
            best, pos = ms, i
    return pos, best


@njit(cache=True)
def _insert(seq, n_seq, pos, job):
    for i in range(n_seq, pos, -1):
        seq[i] = seq[i - 1]
    seq[pos] = job


@njit(cache=True)
def _remove(seq, n_seq, pos):
    job = seq[pos]
    for i in range(pos, n_seq - 1):
        seq[i] = seq[i + 1]
    return job


@njit(cache=True)
def _local_search(p, seq, cost, e, q):
    """Insertion local search (Ruiz and Stützle's iterative improvement): returns the new cost."""
    n = seq.shape[0]
    improved = True
    while improved:
        improved = False
        for job in np.random.permutation(n):
            pos = 0
            while seq[pos] != job:
                pos += 1
            _remove(seq, n, pos)
            new_pos, ms = _best_insertion(p, seq, n - 1, job, e, q)
            _insert(seq, n - 1, new_pos, job)
            if ms < cost:
                cost = ms
                improved = True
    return cost


@njit(cache=True)
def _seed(seed):
    np.random.seed(seed)


@njit(cache=True)
def _iterate(p, cur, cur_cost, best, best_cost, d, temp, iterations):
    """``iterations`` IG iterations from the current sequence ``cur``; updates ``cur`` and ``best``
    in place and returns their costs."""
    n = cur.shape[0]
    e = np.empty((n + 1, p.shape[1]), dtype=np.int64)
    q = np.empty((n + 1, p.shape[1]), dtype=np.int64)
    new = np.empty(n, dtype=np.int64)
    removed = np.empty(d, dtype=np.int64)
    for _ in range(iterations):
        new[:] = cur
        size = n
        for r in range(d):
            removed[r] = _remove(new, size, np.random.randint(size))
            size -= 1
        cost = 0
        for r in range(d):
            pos, cost = _best_insertion(p, new, size, removed[r], e, q)
            _insert(new, size, pos, removed[r])
            size += 1
        cost = _local_search(p, new, cost, e, q)
        if cost < cur_cost or np.random.random() <= np.exp(-(cost - cur_cost) / temp):
            cur[:] = new
            cur_cost = cost
            if cost < best_cost:
                best[:] = new
                best_cost = cost
    return cur_cost, best_cost


@njit(cache=True)
def _neh(p, order):
    n = order.shape[0]
    seq = np.empty(n, dtype=np.int64)
    e = np.empty((n + 1, p.shape[1]), dtype=np.int64)
    q = np.empty((n + 1, p.shape[1]), dtype=np.int64)
    cost = 0
    for i in range(n):
        pos, cost = _best_insertion(p, seq, i, order[i], e, q)
        _insert(seq, i, pos, order[i])
    return seq, cost, e, q


_LOADED = False


def _load() -> None:
    """Compile (or load from numba's cache) the kernels once per process, outside the time limit."""
    global _LOADED
    if not _LOADED:
        p = np.ones((3, 2), dtype=np.int64)
        seq, cost, e, q = _neh(p, np.arange(3, dtype=np.int64))
        _iterate(p, seq, cost, seq.copy(), cost, 1, 1.0, 1)
        _LOADED = True


@reduce_round_trip
def ig(problem: FmProblem, *, time_limit: float | None = None, seed: int = 0, iterations: int | None = None,
       destruction: int = 4, temperature: float = 0.4) -> SolverOutput:
    """Ruiz and Stützle's IG_RS_LS (2007) from NEH: ``destruction`` jobs removed and reinserted per
    iteration, insertion local search, constant-temperature acceptance.

    Stops after ``iterations`` iterations or ``time_limit`` seconds, whichever comes first; with
    neither, after ``min(1000, 5e7 / (n^2 m))`` iterations (at least 10); and as soon as the best
    makespan equals the core's lower bound (:func:`offloadsched.bounds.lower_bound`).  Deterministic for a
    given ``seed`` when the iteration count (not the time limit) stops it.  ``info``: iterations
    run, the NEH and final makespans, the lower bound, and when the best was found (seconds, to
    the end of the compiled chunk that found it).

    Round trip ``w_rtt > 0``: IG runs on the offloading jobs (objective their makespan C, which the
    real makespan ``max(P1, C + w_rtt)`` increases with) and the local-only jobs are appended
    (:mod:`offloadsched.flow_rtt`); ``info``'s makespans and bound are then those of the offloading jobs."""
    for name, val, low in (("iterations", iterations, 0), ("destruction", destruction, 1)):
        if val is not None and (isinstance(val, bool) or not isinstance(val, int) or val < low):
            raise ValidationError(f"ig: {name} must be an integer >= {low}, got {val!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
        raise ValidationError(f"ig: seed must be an integer in 0..2^32-1, got {seed!r}")
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or not temperature > 0:
        raise ValidationError(f"ig: temperature must be a positive number, got {temperature!r}")
    _load()
    start = time.perf_counter()
    p = np.ascontiguousarray(problem.times, dtype=np.int64)
    n, m = p.shape
    if n <= 1:
        return SolverOutput(Schedule.from_order(range(n)), info={"iterations": 0})
    if iterations is None and time_limit is None:
        iterations = int(max(10, min(MAX_DEFAULT_ITERATIONS, DEFAULT_WORK // (n * n * m))))
    _seed(seed)
    order = np.argsort(-p.sum(axis=1), kind="stable").astype(np.int64)
    cur, neh_cost, e, q = _neh(p, order)
    cur_cost = _local_search(p, cur, neh_cost, e, q)
    best, best_cost = cur.copy(), cur_cost
    temp = max(temperature * float(p.sum()) / (10.0 * n * m), 1e-9)
    d = min(destruction, n - 1)
    lb = lower_bound(problem)  # reaching it proves the sequence optimal: nothing left to improve
    done, chunk, found = 0, 1, time.perf_counter() - start
    while (iterations is None or done < iterations) and best_cost > lb:
        if time_limit is not None and time.perf_counter() - start >= time_limit:
            break
        k = chunk if iterations is None else min(chunk, iterations - done)
        t0 = time.perf_counter()
        before = best_cost
        cur_cost, best_cost = _iterate(p, cur, cur_cost, best, best_cost, d, temp, k)
        done += k
        if best_cost < before:
            found = time.perf_counter() - start
        if time.perf_counter() - t0 < CHUNK_SECONDS / 2:
            chunk *= 2
    info = {"iterations": done, "neh": int(neh_cost), "makespan": int(best_cost), "lower_bound": int(lb),
            "time_to_best_s": round(found, 3)}
    return SolverOutput(Schedule.from_order(best.tolist()), objective=int(best_cost), info=info)
