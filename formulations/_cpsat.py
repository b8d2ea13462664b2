"""Shared CP-SAT plumbing of the ``cpsat-*`` models.

* :func:`common_options` - validation of the options every CP-SAT method takes (``time_limit``,
  ``workers``, ``hint``, ``log``, ``seed``).
* :func:`warm_start` - the best schedule of a few registered heuristics (through
  :func:`offloadsched.solve`, so no heuristic internals are imported), used as solution hint,
  as horizon (an upper bound on the optimum) and as fallback when the time limit ends before
  CP-SAT finds a schedule.
* :func:`add_operations` - one fixed-size interval per operation of a problem's flat operation
  list (:meth:`operations`), a NoOverlap per machine, the precedence arcs and the makespan.
* :func:`run` - solver parameters (time limit, workers, seed), log capture.
* :func:`package` - status mapping and the :class:`SolverOutput` (best of CP-SAT's schedule and
  the fallback, bound = ``BestObjectiveBound`` rounded up to an integer µs).
* :func:`job_groups`, :func:`relabeling` - identical jobs for symmetry breaking.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

import offloadsched
from offloadsched.errors import ValidationError
from offloadsched.evaluate import evaluate
from offloadsched.problems import DagProblem, Operations, Problem
from offloadsched.registry import SolverOutput
from offloadsched.schedule import Schedule, Timing

DEFAULT_TIME_LIMIT = 60.0
DEFAULT_WORKERS = 2

_STATUS = {cp_model.OPTIMAL: "optimal", cp_model.FEASIBLE: "feasible", cp_model.INFEASIBLE: "infeasible",
           cp_model.MODEL_INVALID: "error", cp_model.UNKNOWN: "unknown"}


@dataclass(frozen=True)
class Options:
    """Validated common options; ``t0`` is when the method was entered (the time limit covers
    the warm start too)."""

    time_limit: float
    workers: int
    hint: bool
    log: bool
    seed: int | None
    t0: float = field(default_factory=time.perf_counter)

    def remaining(self) -> float:
        return max(0.05, self.time_limit - (time.perf_counter() - self.t0))


def common_options(time_limit: float | None, workers: int, hint: bool, log: bool, seed: int | None) -> Options:
    """Check the common options (a :class:`ValidationError` names the bad one)."""
    t0 = time.perf_counter()
    if time_limit is None:
        time_limit = DEFAULT_TIME_LIMIT
    if isinstance(time_limit, bool) or not isinstance(time_limit, (int, float)) or not time_limit > 0:
        raise ValidationError(f"time_limit must be a positive number of seconds, got {time_limit!r}")
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 1:
        raise ValidationError(f"workers must be an integer >= 1, got {workers!r}")
    for name, val in (("hint", hint), ("log", log)):
        if not isinstance(val, (bool, np.bool_)):
            raise ValidationError(f"{name} must be True or False, got {val!r}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise ValidationError(f"seed must be an integer or None, got {seed!r}")
    return Options(float(time_limit), int(workers), bool(hint), bool(log), None if seed is None else int(seed), t0)


# -- models too large for the time limit -------------------------------------------------------

#: Constraints per second the Python CP-SAT API adds while a model is built (about 7.5e4 measured on
#: a loaded 2-core machine, 2-3 times more on a quiet one): a model whose estimated building time
#: exceeds what is left of the time limit is not built (:func:`too_big`).
BUILD_PER_SECOND = 7.5e4


def too_big(opts: Options, constraints: float) -> str | None:
    """Why a model of about ``constraints`` constraints is not built (its estimated building time at
    :data:`BUILD_PER_SECOND` exceeds what is left of the time limit), or None when it fits."""
    seconds = constraints / BUILD_PER_SECOND
    left = opts.time_limit - (time.perf_counter() - opts.t0)
    if seconds <= left:
        return None
    return (f"model not built: about {constraints:.3g} constraints, {seconds:.3g} s to build, with "
            f"{max(0.0, left):.3g} s left of the time limit; returning the warm start")


def over_time(opts: Options) -> str | None:
    """Why building stopped (the time limit passed while building), or None while time is left."""
    if time.perf_counter() - opts.t0 < opts.time_limit:
        return None
    return "model not finished: the time limit passed while building it; returning the warm start"


def unbuilt(warm: Warm, reason: str, *, model_name: str, lower: int = 0, info: dict | None = None) -> SolverOutput:
    """The warm start as the :class:`SolverOutput` of a model that was not built or solved (``reason`` in
    ``info["note"]``): status feasible, or optimal when ``lower`` (a proven lower bound) reaches it."""
    info = dict(info or {}, model=model_name, model_built=False, note=reason, warm_start=warm.method,
                warm_makespan=warm.makespan)
    status = "optimal" if lower >= warm.makespan else "feasible"
    return SolverOutput(warm.schedule, status=status, bound=min(int(lower), warm.makespan), objective=warm.makespan,
                        problem=warm.problem, partitions=warm.partitions, info=info)


# -- warm start -------------------------------------------------------------------------------

@dataclass
class Warm:
    """A known schedule: where it came from, its evaluated timing, and (joint problems) the
    problem D and partitions it schedules."""

    method: str
    timing: Timing
    problem: Any
    partitions: Sequence | None = None

    @property
    def makespan(self) -> int:
        return self.timing.makespan

    @property
    def schedule(self) -> Schedule:
        return self.timing.schedule


def warm_start(problem: Problem, methods: Sequence[str], *, extra: Sequence[Warm] = (),
               deadline: float | None = None, limit_methods: bool = False) -> Warm | None:
    """The best (smallest makespan) of ``extra`` and of the registered ``methods`` that accept
    ``problem``; a method that is not registered (yet) or refuses the instance is skipped, and
    no further method is started once :func:`time.perf_counter` passes ``deadline`` (with
    ``limit_methods``, each method is also given what is left until ``deadline`` as its time limit)."""
    best = None
    for w in extra:
        if best is None or w.makespan < best.makespan:
            best = w
    for name in methods:
        if deadline is not None and time.perf_counter() > deadline and best is not None:
            break
        limit = {"time_limit": max(0.05, deadline - time.perf_counter())} if limit_methods and deadline else {}
        try:
            res = offloadsched.solve(problem, name, **limit)
        except ValidationError:  # unknown method, wrong problem type, size limit
            continue
        if res.timing is None or res.status == "error":
            continue
        w = Warm(name, res.timing, res.problem, res.partitions)
        if best is None or w.makespan < best.makespan:
            best = w
    return best


def warm_from_schedule(problem: Problem, schedule: Schedule, name: str = "hint_schedule") -> Warm:
    """A caller's schedule as a warm start (evaluated by the core)."""
    if not isinstance(schedule, Schedule):
        raise ValidationError(f"{name} must be a Schedule, got {type(schedule).__name__}")
    return Warm(name, evaluate(problem, schedule), problem)


def op_release(problem: Problem, ops: Operations) -> np.ndarray:
    """Per operation of ``problem.operations()``: the release time of its job (``ops.item`` is the job
    in flow problems, the node in DAG problems)."""
    item = ops.item.astype(np.int64)
    job = problem.job[item] if isinstance(problem, DagProblem) else item
    return np.asarray(problem.release, dtype=np.int64)[job] if len(item) else np.zeros(0, dtype=np.int64)


def op_index(ops: Operations) -> dict[tuple[str, int], int]:
    """``(kind, item) -> operation index`` (the keys a :class:`Timing` uses too)."""
    return {(str(k), int(i)): n for n, (k, i) in enumerate(zip(ops.kind, ops.item))}


def timing_starts(timing: Timing) -> dict[tuple[str, int], int]:
    """``(kind, item) -> start`` of every operation of a timed schedule."""
    return {(str(k), int(i)): int(s) for k, i, s in zip(timing.kind, timing.item, timing.start)}


# -- the operation model ----------------------------------------------------------------------

@dataclass
class OpVars:
    """Variables of :func:`add_operations`: start per operation, its intervals, the makespan."""

    start: list[cp_model.IntVar]
    interval: list[cp_model.IntervalVar]
    duration: list[int]
    makespan: cp_model.IntVar

    def end(self, k: int) -> cp_model.LinearExprT:
        return self.start[k] + self.duration[k]


def add_operations(model: cp_model.CpModel, ops: Operations, horizon: int, lower: int = 0, *,
                   rtt: int = 0, rtt_after: np.ndarray | None = None, release: np.ndarray | None = None) -> OpVars:
    """One fixed-size interval per operation in ``[release, horizon]`` (``release``: per operation,
    its job's release time, MODEL.md "Release times"; default 0), a NoOverlap per named machine
    (operations with resource ``""`` need none), ``end(a) <= start(b)`` per arc, and
    ``makespan >= end`` of every operation without a successor; minimises the makespan.
    With a round trip ``rtt > 0`` (MODEL.md section 1) also ``makespan >= end + rtt`` of every
    operation marked in ``rtt_after`` (the uploads and remote operations of offloading jobs).
    Size: ``len(ops)`` integer variables, one NoOverlap per machine, ``len(arcs)`` + sinks
    (+ marked operations) linear constraints."""
    dur = [int(d) for d in ops.duration]
    rel = [0] * len(dur) if release is None else [int(x) for x in release]
    start = [model.new_int_var(r, max(r, horizon - d), f"s{k}") for k, (r, d) in enumerate(zip(rel, dur))]
    interval = [model.new_fixed_size_interval_var(s, d, f"i{k}") for k, (s, d) in enumerate(zip(start, dur))]
    for res in dict.fromkeys(ops.resource.tolist()):
        if res:
            model.add_no_overlap([interval[k] for k in np.flatnonzero(ops.resource == res)])
    has_succ = np.zeros(len(dur), dtype=bool)
    for a, b in ops.arcs.tolist():
        model.add(start[b] >= start[a] + dur[a])
        has_succ[a] = True
    makespan = model.new_int_var(lower, max(lower, horizon), "makespan")
    for k in np.flatnonzero(~has_succ):
        model.add(makespan >= start[k] + dur[k])
    if rtt and rtt_after is not None:
        for k in np.flatnonzero(rtt_after):
            model.add(makespan >= start[k] + dur[k] + int(rtt))
    model.minimize(makespan)
    return OpVars(start, interval, dur, makespan)


def sequence(items: Sequence[int], start: Sequence[int], duration: Sequence[int]) -> list[int]:
    """Items of one machine sorted by (start, end, item).

    CP-SAT's NoOverlap separates every pair of intervals (a zero-size one cannot sit strictly
    inside another), so this is the machine's sequence; among equal starts a zero-length
    operation comes first, and equal (start, end) only happens for zero-length operations,
    ordered by index, which agrees with the precedences (arcs go from lower to higher index in
    the DAG problems; flow problems never share an item on one machine).  The evaluator's
    semi-active replay of these sequences ends every operation no later than CP-SAT did."""
    return [i for _, _, i in sorted(zip(start, (s + d for s, d in zip(start, duration)), items))]


# -- solving and packaging --------------------------------------------------------------------

@dataclass
class Run:
    solver: cp_model.CpSolver
    status: int
    log: str | None
    model_size: dict[str, int]
    invalid: str = ""


def run(model: cp_model.CpModel, opts: Options) -> Run:
    """Solve ``model`` within the remaining time with ``opts.workers`` workers; capture the log."""
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.max_time_in_seconds = opts.remaining()
    params.num_workers = opts.workers
    if opts.seed is not None:
        params.random_seed = opts.seed
    lines: list[str] = []
    if opts.log:
        params.log_search_progress = True
        params.log_to_stdout = False
        solver.log_callback = lines.append
    proto = model.proto
    size = {"variables": len(proto.variables), "constraints": len(proto.constraints)}
    status = solver.solve(model)
    invalid = model.validate() if status == cp_model.MODEL_INVALID else ""
    return Run(solver, status, "\n".join(lines) if opts.log else None, size, invalid)


@dataclass
class Candidate:
    """A schedule to hand back, with the problem it schedules (joint: problem D)."""

    schedule: Schedule
    problem: Any
    partitions: Sequence | None = None


def package(rn: Run, extract: Callable[[cp_model.CpSolver], Candidate], fallback: Warm | None,
            *, model_name: str, info: dict | None = None, lower: int = 0) -> SolverOutput:
    """The :class:`SolverOutput` of a CP-SAT run.

    * optimal / feasible: CP-SAT's schedule (``extract``), unless the fallback evaluates better
      (then the fallback, status feasible);
    * time limit without a solution: the fallback with status feasible (``error`` if none);
    * infeasible: no schedule (only a caller's wrong ``lower_bound`` can make it so);
    * invalid model: status error and the validation message.
    ``bound`` is the larger of ``ceil(BestObjectiveBound)`` and ``lower`` (a bound known before
    solving, e.g. the core's machine-load bound)."""
    solver = rn.solver
    status = _STATUS.get(rn.status, "error")
    info = dict(info or {})
    info.update(model=model_name, cp_status=solver.status_name(rn.status), wall_time_cpsat=solver.wall_time,
                conflicts=solver.num_conflicts, branches=solver.num_branches, **rn.model_size)
    if fallback is not None:
        info.update(warm_start=fallback.method, warm_makespan=fallback.makespan)
    bound_raw = solver.best_objective_bound
    bound = max(math.ceil(bound_raw - 1e-6) if math.isfinite(bound_raw) else 0, int(lower))
    out = SolverOutput(None, status=status, log=rn.log, info=info)
    fb = Candidate(fallback.schedule, fallback.problem, fallback.partitions) if fallback is not None else None
    fb_ms = fallback.makespan if fallback is not None else None
    if status in ("optimal", "feasible"):
        cand = extract(solver)
        ms = evaluate(cand.problem, cand.schedule).makespan
        objective = int(round(solver.objective_value))
        if fb is not None and fb_ms < ms:
            if status == "optimal":
                info["inconsistency"] = f"warm start {fallback.method} ({fb_ms}) beats the proven optimum {ms}"
                status = "error"
            else:
                cand, ms, objective = fb, fb_ms, fb_ms
        out.status, out.objective = status, objective
    elif status == "unknown" and fb is not None:
        cand = fb
        out.status, out.objective = "feasible", fb_ms
        info["note"] = "time limit reached before CP-SAT found a schedule; returning the warm start"
    elif status == "unknown":
        out.status = "error"
        info["note"] = "time limit reached before any schedule was found"
        return out
    elif status == "infeasible":
        info["note"] = "CP-SAT proved the model infeasible (a lower bound above the optimum?)"
        return out
    else:
        info["note"] = "CP-SAT rejected the model: " + rn.invalid
        cand = fb
        if cand is None:
            return out
    out.schedule, out.problem, out.partitions = cand.schedule, cand.problem, cand.partitions
    out.bound = bound  # solve() flags a bound above the evaluated makespan as an inconsistency
    if out.status == "optimal":
        out.bound = out.objective
    return out


# -- identical jobs ---------------------------------------------------------------------------

def job_groups(preds: Sequence[Sequence[int]], job: np.ndarray, arrays: Sequence[np.ndarray]
               ) -> tuple[list[list[int]], list[list[int]]]:
    """Groups (size >= 2, jobs in index order) of identical jobs, and every job's node list.

    Two jobs are identical when they have the same number of nodes, the same values of every
    array in ``arrays`` at each position (positions = node order within the job) and the same
    arcs between positions, and no arc connects them to another job.  Swapping two identical
    jobs position by position is then an automorphism of the problem: it maps every schedule
    to a schedule of the same makespan."""
    n_jobs = int(job.max()) + 1 if len(job) else 0
    nodes: list[list[int]] = [[] for _ in range(n_jobs)]
    for v, k in enumerate(job.tolist()):
        nodes[k].append(v)
    keys: dict[Hashable, list[int]] = {}
    for k, vs in enumerate(nodes):
        pos = {v: q for q, v in enumerate(vs)}
        if any(p not in pos for v in vs for p in preds[v]):
            continue
        key = (tuple(tuple(pos[p] for p in preds[v]) for v in vs),
               tuple(tuple(np.asarray(a)[vs].tolist()) for a in arrays))
        keys.setdefault(key, []).append(k)
    return [g for g in keys.values() if len(g) > 1], nodes


def relabeling(groups: Sequence[Sequence[int]], key: Callable[[int], Any]) -> dict[int, int]:
    """``target job -> source job`` that sorts every group by ``key``: the group's i-th job (by
    index) takes the schedule of the job with the i-th smallest key.  Used to make a warm start
    satisfy the symmetry-breaking order (identical jobs, so the makespan is unchanged)."""
    out: dict[int, int] = {}
    for g in groups:
        for target, source in zip(g, sorted(g, key=lambda k: (key(k), k))):
            out[target] = source
    return out
