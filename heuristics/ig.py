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

Time limit at any size: NEH and the first local search run in compiled chunks of about
:data:`CHUNK_SECONDS` between checks of the clock (a limit reached during NEH appends the jobs not
yet inserted in NEH's order, and ``info["stopped"]`` says so), an iteration is started only when
a local-search pass (measured) still fits, and :data:`FINISH_SECONDS_PER_OP` per job and machine is
kept for the work after the search.  On 10^5 jobs with a 2 s limit ``solve`` returns in about 2 s.

Compilation is not counted in ``time_limit``: the inner loops are compiled with numba once per
process, before the clock starts (:func:`_load`; ``info["compile_s"]`` gives its seconds), from
numba's cache when it is warm (about 0.5 s on a quiet machine), else compiled and cached (5-6 s,
the first run after an install or a change of this file).  numba caches in ``NUMBA_CACHE_DIR`` when
it is set, else next to this file in ``__pycache__`` when that folder is writable, else in the user's
cache folder (``~/.cache/numba``), so an installed package caches too; the first call in a process
returns that much later than its limit.  Deterministic for a given ``seed`` and ``iterations``; with a
``time_limit`` the number of iterations depends on the machine.

References (docs/REFERENCES.md): [NawazEnscoreHam1983], [Taillard1990], [RuizStutzle2007].
"""

from __future__ import annotations

import math
import time

import numpy as np
from numba import njit

from offloadsched.bounds import lower_bound
from offloadsched.errors import ValidationError
from offloadsched.flow_rtt import reduce_round_trip
from offloadsched.problems import FmProblem
from offloadsched.registry import SolverOutput
from offloadsched.schedule import Schedule
from offloadsched.units import is_integer, is_real

from .neh import FINISH_SECONDS_PER_OP, deliveries

#: Iterations when neither ``iterations`` nor ``time_limit`` is given: about 5e7 elementary
#: operations of local search (1000 iterations for Taillard's 50 x 5, fewer for large n).
DEFAULT_WORK = 5e7
MAX_DEFAULT_ITERATIONS = 1000
CHUNK_SECONDS = 0.05  # the compiled loop returns to Python this often to check the time limit


@njit(cache=True)
def _best_insertion(p, rd, seq, n_seq, job, e, q):
    """Best position (first on ties) and makespan of inserting ``job`` into ``seq[:n_seq]``
    (Taillard's acceleration; ``e`` and ``q`` are (n + 1) x (m + 1) work arrays).  ``rd[j]``: job j's
    release time and delivery time (see :func:`offloadsched.heuristics.neh.insertion_makespans`: the
    paths from a later job's release and to an earlier job's delivery are a suffix and a prefix
    maximum; column m of ``q`` holds the suffix)."""
    m = p.shape[1]
    for k in range(m + 1):
        e[0, k] = 0
        q[n_seq, k] = 0
    for i in range(n_seq):  # e[i + 1, k]: completion of the i-th job on machine k
        j = seq[i]
        t = rd[j, 0]
        for k in range(m):
            t = max(t, e[i, k]) + p[j, k]
            e[i + 1, k] = t
    for i in range(n_seq - 1, -1, -1):  # q[i, k]: time from the start of the i-th job on k to the end
        j = seq[i]
        t = rd[j, 1]
        for k in range(m - 1, -1, -1):
            t = max(t, q[i + 1, k]) + p[j, k]
            q[i, k] = t
        q[i, m] = max(q[i + 1, m], rd[j, 0] + q[i, 0])
    best, pos = np.int64(1) << 62, 0
    before = 0  # the longest path ending at the delivery of a job before position i
    for i in range(n_seq + 1):
        if i:
            before = max(before, e[i, m - 1] + rd[seq[i - 1], 1])
        f = rd[job, 0]
        ms = max(before, q[i, m])
        for k in range(m):
            f = max(f, e[i, k]) + p[job, k]
            ms = max(ms, f + q[i, k])
        ms = max(ms, f + rd[job, 1])
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
def _move_jobs(p, rd, seq, cost, e, q, jobs):
    """One stretch of an insertion local-search pass: each of ``jobs`` moved to its best position;
    returns the new cost and whether a move improved it."""
    n = seq.shape[0]
    improved = False
    for job in jobs:
        pos = 0
        while seq[pos] != job:
            pos += 1
        _remove(seq, n, pos)
        new_pos, ms = _best_insertion(p, rd, seq, n - 1, job, e, q)
        _insert(seq, n - 1, new_pos, job)
        if ms < cost:
            cost = ms
            improved = True
    return cost, improved


@njit(cache=True)
def _local_search(p, rd, seq, cost, e, q):
    """Insertion local search (Ruiz and Stützle's iterative improvement): returns the new cost."""
    improved = True
    while improved:
        cost, improved = _move_jobs(p, rd, seq, cost, e, q, np.random.permutation(seq.shape[0]))
    return cost


@njit(cache=True)
def _permutation(n):
    return np.random.permutation(n)


@njit(cache=True)
def _seed(seed):
    np.random.seed(seed)


@njit(cache=True)
def _iterate(p, rd, cur, cur_cost, best, best_cost, d, temp, iterations):
    """``iterations`` IG iterations from the current sequence ``cur``; updates ``cur`` and ``best``
    in place and returns their costs."""
    n = cur.shape[0]
    e = np.empty((n + 1, p.shape[1] + 1), dtype=np.int64)
    q = np.empty((n + 1, p.shape[1] + 1), dtype=np.int64)
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
            pos, cost = _best_insertion(p, rd, new, size, removed[r], e, q)
            _insert(new, size, pos, removed[r])
            size += 1
        cost = _local_search(p, rd, new, cost, e, q)
        if cost < cur_cost or np.random.random() <= np.exp(-(cost - cur_cost) / temp):
            cur[:] = new
            cur_cost = cost
            if cost < best_cost:
                best[:] = new
                best_cost = cost
    return cur_cost, best_cost


@njit(cache=True)
def _makespan(p, rd, seq):
    m = p.shape[1]
    c = np.zeros(m, dtype=np.int64)
    out = 0
    for j in seq:
        t = rd[j, 0]
        for k in range(m):
            t = max(t, c[k]) + p[j, k]
            c[k] = t
        out = max(out, t + rd[j, 1])
    return max(out, c[m - 1])


@njit(cache=True)
def _neh_steps(p, rd, order, seq, first, last, e, q):
    """NEH insertions of ``order[first:last]`` into ``seq[:first]``; returns the cost of the last one."""
    cost = 0
    for i in range(first, last):
        pos, cost = _best_insertion(p, rd, seq, i, order[i], e, q)
        _insert(seq, i, pos, order[i])
    return cost


_LOADED = False


def _load() -> float:
    """Compile (or load from numba's cache) the kernels once per process, outside the time limit;
    returns the seconds it took (0 once loaded)."""
    global _LOADED
    if _LOADED:
        return 0.0
    t0 = time.perf_counter()
    p = np.ones((3, 2), dtype=np.int64)
    rd = np.zeros((3, 2), dtype=np.int64)
    seq = np.arange(3, dtype=np.int64)
    e, q = np.empty((4, 3), dtype=np.int64), np.empty((4, 3), dtype=np.int64)
    cost = _neh_steps(p, rd, seq.copy(), seq, 0, 3, e, q)
    _move_jobs(p, rd, seq, cost, e, q, _permutation(3))
    _makespan(p, rd, seq)
    _iterate(p, rd, seq, cost, seq.copy(), cost, 1, 1.0, 1)
    _LOADED = True
    return time.perf_counter() - t0


class _Clock:
    """The time limit of one run, less :data:`FINISH_SECONDS_PER_OP` per job and machine: ``over()``
    once it has passed."""

    def __init__(self, time_limit: float | None, ops: int) -> None:
        self.start = time.perf_counter()
        self.deadline = None if time_limit is None else self.start + time_limit - FINISH_SECONDS_PER_OP * ops

    def left(self) -> float:
        return float("inf") if self.deadline is None else self.deadline - time.perf_counter()

    def over(self) -> bool:
        return self.left() <= 0


def _chunked(step, total: int, clock: _Clock, unit_work: float) -> int:
    """Run ``step(first, last)`` over ``0..total`` in chunks of about :data:`CHUNK_SECONDS` (sized from
    the measured time per unit of ``unit_work``) until done or the clock is over; returns how far it got."""
    done, size = 0, max(1, int(1e6 / max(unit_work, 1.0)))
    while done < total and not clock.over():
        last = min(total, done + size)
        t0 = time.perf_counter()
        step(done, last)
        spent = time.perf_counter() - t0
        done = last
        size = max(1, int(size * min(4.0, CHUNK_SECONDS / max(spent, 1e-6))))
    return done


def _warm_start(p: np.ndarray, rd: np.ndarray, clock: _Clock):
    """NEH then insertion local search from NEH, both in chunks that check the clock.  Returns the
    sequence, the NEH cost (None if the clock stopped NEH: the jobs not inserted are then appended in
    NEH's order), the cost after local search, whether local search converged, and the seconds of its
    last full pass (None if none completed)."""
    n, m = p.shape
    order = np.argsort(-p.sum(axis=1), kind="stable").astype(np.int64)
    seq = order.copy()  # the jobs not yet inserted stay in NEH's order behind the inserted ones
    e = np.empty((n + 1, m + 1), dtype=np.int64)
    q = np.empty((n + 1, m + 1), dtype=np.int64)
    costs = [0]
    inserted = _chunked(lambda a, b: costs.append(_neh_steps(p, rd, order, seq, a, b, e, q)), n, clock, n * m)
    cost = int(_makespan(p, rd, seq))
    neh_cost = cost if inserted == n else None
    converged, pass_s = False, None
    while not clock.over():
        perm = _permutation(n)
        t0 = time.perf_counter()
        state = [cost, False]

        def step(a: int, b: int, perm=perm, state=state) -> None:
            c, imp = _move_jobs(p, rd, seq, state[0], e, q, perm[a:b])
            state[0], state[1] = c, state[1] or imp

        if _chunked(step, n, clock, n * m) < n:
            cost = state[0]
            break
        cost, pass_s = state[0], time.perf_counter() - t0
        if not state[1]:
            converged = True
            break
    return seq, neh_cost, int(cost), converged, pass_s


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
    (:mod:`offloadsched.flow_rtt`); ``info``'s makespans and bound are then those of the offloading jobs.

    Release times: every insertion makespan and cost is computed with them (heads on machine 1;
    exact and still O(n m) per insertion, :func:`offloadsched.heuristics.neh.insertion_makespans`),
    and the stopping bound is the release-aware lower bound.  With release times and ``w_rtt > 0``
    the reduction to the offloading jobs does not hold, so IG runs on every job with the round trip
    as a delivery time after an offloading job's last machine (``info``'s makespans are then real)."""
    return _ig_reduced(problem, time_limit=time_limit, seed=seed, iterations=iterations, destruction=destruction,
                       temperature=temperature)


def _ig(problem: FmProblem, *, time_limit: float | None, seed: int, iterations: int | None, destruction: int,
        temperature: float) -> SolverOutput:
    for name, val, low in (("iterations", iterations, 0), ("destruction", destruction, 1)):
        if val is not None and (not is_integer(val) or val < low):
            raise ValidationError(f"ig: {name} must be an integer >= {low}, got {val!r}")
    if not is_integer(seed) or not 0 <= seed < 2**32:
        raise ValidationError(f"ig: seed must be an integer in 0..2^32-1, got {seed!r}")
    if not is_real(temperature) or not math.isfinite(temperature) or not temperature > 0:
        raise ValidationError(f"ig: temperature must be a positive number, got {temperature!r}")
    iterations = None if iterations is None else int(iterations)
    destruction, seed, temperature = int(destruction), int(seed), float(temperature)
    compile_s = _load()
    p = np.array(problem.times, dtype=np.int64, order="C")  # writable: the signature _load() compiled
    n, m = p.shape
    delivery = deliveries(problem)
    rd = np.ascontiguousarray(np.stack([problem.release, np.zeros(n, dtype=np.int64) if delivery is None else delivery],
                                       axis=1), dtype=np.int64)
    clock = _Clock(time_limit, n * m)
    if n <= 1:
        return SolverOutput(Schedule.from_order(range(n)), info={"iterations": 0})
    if iterations is None and time_limit is None:
        iterations = int(max(10, min(MAX_DEFAULT_ITERATIONS, DEFAULT_WORK // (n * n * m))))
    _seed(seed)
    lb = lower_bound(problem)  # reaching it proves the sequence optimal: nothing left to improve
    cur, neh_cost, cur_cost, converged, pass_s = _warm_start(p, rd, clock)
    best, best_cost = cur.copy(), cur_cost
    temp = max(temperature * float(p.sum()) / (10.0 * n * m), 1e-9)
    d = min(destruction, n - 1)
    done, chunk, found = 0, 1, time.perf_counter() - clock.start
    while converged and (iterations is None or done < iterations) and best_cost > lb:
        # an iteration runs at least one local-search pass, which the compiled loop cannot interrupt
        if clock.left() <= (pass_s or 0.0) * chunk:
            if chunk == 1 or clock.left() <= (pass_s or 0.0):
                break
            chunk = 1
        k = chunk if iterations is None else min(chunk, iterations - done)
        t0 = time.perf_counter()
        before = best_cost
        cur_cost, best_cost = _iterate(p, rd, cur, cur_cost, best, best_cost, d, temp, k)
        done += k
        if best_cost < before:
            found = time.perf_counter() - clock.start
        if time.perf_counter() - t0 < CHUNK_SECONDS / 2:
            chunk *= 2
    info = {"iterations": done, "neh": None if neh_cost is None else int(neh_cost), "makespan": int(best_cost),
            "lower_bound": int(lb), "time_to_best_s": round(found, 3), "compile_s": round(compile_s, 3)}
    if not converged:
        info["stopped"] = ("time limit during NEH: the jobs not inserted are appended in NEH's order"
                           if neh_cost is None else "time limit during the first local search")
    return SolverOutput(Schedule.from_order(best), objective=int(best_cost), info=info)


_ig_reduced = reduce_round_trip(_ig)  # the round-trip reduction, skipped with release times
