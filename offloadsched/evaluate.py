"""The one evaluator: semi-active schedules for J2, Fm and D (MODEL.md section 2).

Given a problem and a :class:`~offloadsched.schedule.Schedule`, every operation starts as soon
as its resource is free, its predecessors are done and its job is released (``problem.release``,
MODEL.md "Release times").  The makespan is the latest completion of a
job: its last operation's end, plus the problem's round trip ``w_rtt`` for a job that offloads
(after its last upload or remote operation, MODEL.md section 1).  Flow problems are evaluated with a
vectorised recurrence (``C_k = max(C_{k-1}, r_k) + p_k`` written as a running maximum), so a
10^6-job J2 takes milliseconds; DAG problems in one pass over the nodes.

References (docs/REFERENCES.md): [Seed002], [NawazEnscoreHam1983].
"""

from __future__ import annotations

import heapq
from typing import cast

import numpy as np

from .errors import ScheduleError, ValidationError
from .problems import DagProblem, FmProblem, Problem, problem_type
from .schedule import Schedule, Timing
from .vocab import FLOW_TYPES


def evaluate(problem: Problem, schedule: Schedule | dict | list | tuple | np.ndarray, *,
             overlap: bool = True) -> Timing:
    """Build the semi-active schedule of ``schedule`` on ``problem``.

    An operation of job ``j`` starts no earlier than ``problem.release[j]``.

    With ``overlap=False`` no two operations overlap (seed 002's DSL baseline): the jobs run one
    after another, in the order of their first operation in the semi-active schedule, each job's
    operations in their semi-active order, a job starting at its release time at the earliest;
    without release times the makespan is the sum of all operation times.

    ``schedule`` may be a :class:`Schedule`, a mapping of resource to sequence, or a plain
    sequence (a job order for flow problems, a local order for DAG problems).  Raises
    :class:`~offloadsched.errors.ScheduleError` if a sequence is not a permutation of the
    resource's operations or a local order breaks a precedence.

    Parameters
    ----------
    problem : J2Problem, FmProblem or DagProblem
    schedule : Schedule, mapping or sequence
        The sequence(s) to time.
    overlap : bool
        False times the jobs one after another (no pipelining).

    Returns
    -------
    Timing
        Start and end of every operation (integer microseconds), the makespan, and every job's
        completion and response time.

    Raises
    ------
    ScheduleError
        The sequence is not a permutation or breaks a precedence.
    ValidationError
        ``problem`` is a JointProblem (choose partitions first).

    Notes
    -----
    O(n m) for a flow shop of n jobs and m machines; O(n + e) for a DAG of n nodes and e arcs.

    References
    ----------
    [Seed002] (the DSL baseline without overlap), MODEL.md sections 1-2.

    Examples
    --------
    >>> from offloadsched import J2Problem, evaluate
    >>> p = J2Problem([3, 1, 4], [2, 5, 1])
    >>> evaluate(p, [0, 1, 2]).makespan
    11
    >>> evaluate(p, [1, 0, 2]).makespan
    9
    >>> evaluate(p, [1, 0, 2], overlap=False).makespan == int(p.times.sum())
    True
    """
    schedule = as_schedule(schedule)
    kind = problem_type(problem)
    if kind in FLOW_TYPES:
        timing = _evaluate_flow(cast(FmProblem, problem), schedule)
    elif kind == "dag":
        timing = _evaluate_dag(cast(DagProblem, problem), schedule)
    else:
        raise ValidationError("a joint problem has no schedule until partitions are chosen; "
                              "evaluate its DagProblem (problem.dag(partitions))")
    return timing if overlap else _without_overlap(problem, timing)


def _without_overlap(problem: Problem, timing: Timing) -> Timing:
    """``timing`` re-timed on one global clock: jobs by first start (then index), operations by (start, end);
    a job starts when the one before it ends or at its release, whichever is later."""
    job = timing.jobs_of_operations
    first = np.full(int(job.max(initial=-1)) + 1, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, job, timing.start)
    order = np.lexsort((timing.end, timing.start, job, first[job]))
    dur = (timing.end - timing.start)[order]
    end = np.empty_like(timing.end)
    if order.size:
        ends = np.cumsum(dur)  # back to back from time 0
        job_sorted = job[order]
        block = np.flatnonzero(np.r_[True, job_sorted[1:] != job_sorted[:-1]])  # each job's first operation
        sizes = np.diff(np.r_[block, order.size])
        block_dur = np.add.reduceat(dur, block)
        block_start = single_machine_ends(timing.releases[job_sorted[block]], block_dur) - block_dur
        end[order] = np.repeat(block_start - (ends[block] - dur[block]), sizes) + ends
    return Timing(problem_type=timing.problem_type, resources=timing.resources, kind=timing.kind,
                  item=timing.item, resource=timing.resource, start=end - (timing.end - timing.start), end=end,
                  schedule=timing.schedule, rtt=timing.rtt, rtt_after=timing.rtt_after, job=timing.job,
                  release=timing.release)


def makespan(problem: Problem, schedule) -> int:
    """The makespan of ``schedule`` on ``problem`` (see :func:`evaluate`)."""
    return evaluate(problem, schedule).makespan


def as_schedule(schedule) -> Schedule:
    if isinstance(schedule, Schedule):
        return schedule
    if isinstance(schedule, dict):
        return Schedule(schedule)
    return Schedule.from_order(schedule)


def single_machine_ends(release: np.ndarray, proc: np.ndarray) -> np.ndarray:
    """End times on one machine processing jobs in the given order from time 0.

    ``C_k = max(C_{k-1}, release_k) + proc_k``, computed as
    ``P_k + max(0, max_{u <= k} (release_u - P_{u-1}))`` with ``P`` the prefix sums of ``proc``.
    """
    p = np.cumsum(proc)
    return p + np.maximum.accumulate(np.maximum(release - (p - proc), 0)) if p.size else p


def _check_permutation(seq: np.ndarray, expected: np.ndarray, what: str, names) -> np.ndarray:
    """``seq`` if it is a permutation of the (sorted, distinct) indices ``expected``, O(len(names))."""
    arr = seq
    if arr.size != expected.size:
        raise ScheduleError(f"{what}: has {arr.size} entries, expected {expected.size}")
    if arr.size == 0:
        return arr
    if arr.min() < 0 or arr.max() >= len(names):
        bad = arr[(arr < 0) | (arr >= len(names))][0]
        raise ScheduleError(f"{what}: index {bad} out of range 0..{len(names) - 1}")
    counts = np.bincount(arr, minlength=len(names))
    if not (counts[expected] == 1).all():  # same size, so every entry is expected exactly once
        dup = np.flatnonzero(counts > 1)
        if dup.size:
            raise ScheduleError(f"{what}: {names[dup[0]]!r} appears {counts[dup[0]]} times")
        extra = np.setdiff1d(arr, expected)
        if extra.size:
            raise ScheduleError(f"{what}: {names[extra[0]]!r} does not belong on this resource")
        missing = np.setdiff1d(expected, arr)
        raise ScheduleError(f"{what}: {names[missing[0]]!r} is missing")
    return arr


def _evaluate_flow(problem: FmProblem, schedule: Schedule) -> Timing:
    n, m = problem.times.shape
    seqs = dict(schedule.sequences)
    unknown = set(seqs) - set(problem.machines) - {"order"}
    if unknown:
        raise ScheduleError(f"schedule names unknown machine(s) {sorted(unknown)}; "
                            f"machines are {list(problem.machines)} (or 'order' for all)")
    everything = np.arange(n)
    full: dict[str, np.ndarray] = {}
    ends_by_machine = np.zeros((m, n), dtype=np.int64)  # row i: machine i (contiguous)
    times_by_machine = np.ascontiguousarray(problem.times.T)
    release = problem.release  # machine 1 waits for the jobs' release; machine i + 1 for machine i
    checked = None  # the sequence last checked (one 'order' serves every machine)
    for i, mach in enumerate(problem.machines):
        seq = seqs.get(mach, seqs.get("order"))
        if seq is None:
            raise ScheduleError(f"schedule gives no sequence for machine {mach!r} (and no 'order')")
        arr = seq if seq is checked else _check_permutation(seq, everything, f"sequence on {mach!r}", problem.jobs)
        checked = seq
        ends_by_machine[i, arr] = single_machine_ends(release[arr], times_by_machine[i, arr])
        release = ends_by_machine[i]
        full[mach] = arr
    ends = ends_by_machine.T
    machines = np.array(problem.machines, dtype=str)
    after = np.zeros((n, m), dtype=bool)
    after[:, 1:] = problem.offloading[:, None]
    return Timing(problem_type=problem.type, resources=tuple(problem.machines),
                  kind=np.tile(machines, n), item=np.repeat(everything, m),
                  resource=np.tile(machines, n), start=(ends - problem.times).ravel(), end=ends.ravel(),
                  schedule=Schedule(full), rtt=problem.w_rtt, rtt_after=after.ravel(),
                  job=np.repeat(everything, m), release=problem.release)


def _evaluate_dag(problem: DagProblem, schedule: Schedule) -> Timing:
    names = problem.names
    seqs = dict(schedule.sequences)
    if "order" in seqs:
        if "local" in seqs:
            raise ScheduleError("schedule gives both 'order' and 'local'")
        seqs["local"] = seqs.pop("order")
    unknown = set(seqs) - {"local", "uplink", "remote"}
    if unknown:
        raise ScheduleError(f"schedule names unknown resource(s) {sorted(unknown)}; "
                            "a DAG schedule has 'local', 'uplink' and (serial remote) 'remote'")
    if "local" not in seqs:
        raise ScheduleError("schedule gives no local order ('local')")
    preds, local = problem.preds, problem.local
    loc_seq = _check_permutation(seqs["local"], problem.local_nodes, "local order", names)
    n = len(problem)
    end_c = np.full(n, -1, dtype=np.int64)
    f = problem.f
    rel = problem.release[problem.job].tolist()  # each node's job's release time
    t = 0
    for v in loc_seq.tolist():
        s = t if t > rel[v] else rel[v]
        for p in preds[v]:
            e = int(end_c[p])
            if e < 0:
                raise ScheduleError(f"local order puts {names[v]!r} before its predecessor {names[p]!r}")
            if e > s:
                s = e
        t = s + int(f[v])
        end_c[v] = t

    cut = problem.cut_nodes
    if "uplink" in seqs:
        up_seq = _check_permutation(seqs["uplink"], cut, "uplink order", names)
    else:
        up_seq = cut[np.argsort(end_c[cut], kind="stable")]
    end_u = np.full(n, -1, dtype=np.int64)
    end_u[up_seq] = single_machine_ends(end_c[up_seq], problem.u[up_seq])

    remote = problem.remote_nodes
    end_r = np.full(n, -1, dtype=np.int64)
    full = {"local": loc_seq, "uplink": up_seq}
    if problem.remote_model == "negligible":
        if "remote" in seqs:
            raise ScheduleError("a 'remote' sequence needs the serial remote model, not negligible")
        rem_seq = np.zeros(0, dtype=np.int64)
    else:
        r = problem.r

        def ready(v: int) -> int:
            s = rel[v]
            for p in preds[v]:
                e = end_u[p] if local[p] else end_r[p]
                if e < 0:
                    raise ScheduleError(f"remote order puts {names[v]!r} before its predecessor {names[p]!r}")
                s = max(s, int(e))
            return s

        if problem.remote_model == "parallel":
            if "remote" in seqs:
                raise ScheduleError("a 'remote' sequence needs the serial remote model, not parallel")
            rem_seq = remote
            for v in remote.tolist():
                end_r[v] = ready(v) + int(r[v])
        else:
            if "remote" in seqs:
                rem_seq = _check_permutation(seqs["remote"], remote, "remote order", names)
            else:
                rem_seq = _list_schedule_remote(problem, end_u, rel)
            free = 0
            for v in rem_seq.tolist():
                free = max(free, ready(v)) + int(r[v])
                end_r[v] = free
            full["remote"] = rem_seq

    kinds = np.concatenate([np.full(loc_seq.size, "compute"), np.full(up_seq.size, "upload"),
                            np.full(rem_seq.size, "remote")])
    items = np.concatenate([loc_seq, up_seq, rem_seq])
    res_remote = "remote" if problem.remote_model == "serial" else ""
    resource = np.concatenate([np.full(loc_seq.size, "local"), np.full(up_seq.size, "uplink"),
                               np.full(rem_seq.size, res_remote, dtype="U6")])
    end = np.concatenate([end_c[loc_seq], end_u[up_seq], end_r[rem_seq]])
    dur = np.concatenate([f[loc_seq], problem.u[up_seq], problem.r[rem_seq]])
    return Timing(problem_type="dag", resources=problem.resources, kind=kinds, item=items,
                  resource=resource, start=end - dur, end=end, schedule=Schedule(full),
                  rtt=problem.w_rtt, rtt_after=kinds != "compute", job=problem.job[items],
                  release=problem.release)


def _list_schedule_remote(problem: DagProblem, end_u: np.ndarray, rel: list[int]) -> np.ndarray:
    """Default serial remote order: earliest ready remote node first (ready: its predecessors done and
    its job released, ``rel`` per node), ties by index."""
    preds, local, r = problem.preds, problem.local, problem.r
    remote = problem.remote_nodes
    waiting = {int(v): sum(1 for p in preds[v] if not local[p]) for v in remote}
    ready_at = {int(v): max([int(end_u[p]) for p in preds[v] if local[p]], default=rel[v]) for v in remote}
    heap = [(ready_at[v], v) for v, w in waiting.items() if w == 0]
    heapq.heapify(heap)
    order = []
    free = 0
    while heap:
        rt, v = heapq.heappop(heap)
        order.append(v)
        free = max(free, rt) + int(r[v])
        for s in problem.succs[v]:
            waiting[s] -= 1
            ready_at[s] = max(ready_at[s], free)
            if waiting[s] == 0:
                heapq.heappush(heap, (ready_at[s], s))
    return np.array(order, dtype=np.int64)


def flow_makespan(times, order, w_rtt: int = 0, release=None) -> int:
    """Makespan of a permutation ``order`` on a flow problem's ``times`` (rows are jobs).

    A scalar pure-Python form of the evaluator's recurrence, for inner loops that try many
    orders on small instances (brute force, NEH); the result is re-scored by :func:`evaluate`.
    ``w_rtt``: the round trip after every offloading job (a positive time after the first machine);
    ``release``: the jobs' release times (default 0), before which no job starts.
    """
    rows = times.tolist() if hasattr(times, "tolist") else times
    rel = release.tolist() if hasattr(release, "tolist") else release
    m = len(rows[0]) if rows else 0
    c = [0] * m
    last = -1  # completion of the last offloading job so far
    for j in order:
        row = rows[j]
        t = rel[j] if rel is not None else 0
        for i in range(m):
            t = (c[i] if c[i] > t else t) + row[i]
            c[i] = t
        if w_rtt and any(row[1:]):
            last = t
    end = c[-1] if m else 0
    return max(end, last + w_rtt) if last >= 0 else end
