"""One solving face: ``solve(problem, method=..., time_limit=..., **options) -> Result``.

Every method returns a schedule; the core evaluator recomputes its makespan, and that number
is the one recorded.  Nothing a method says is trusted (see :func:`solve`): a joint method's
problem D is rebuilt from its partitions, the checker always runs, and a status that its bound
does not support is downgraded (``optimal`` -> ``feasible``) or turned into ``error`` with the
reason in ``Result.info["inconsistency"]``.  There is no switch to turn the checks off.
"""

from __future__ import annotations

import inspect
import math
import time
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np

from .bounds import lower_bound
from .check import violations
from .errors import ValidationError
from .evaluate import evaluate
from .jsonable import jsonable
from .problems import JointProblem, Problem, problem_type
from .registry import SolverOutput, get_method
from .schedule import Schedule, Timing
from .units import is_real
from .vocab import FLOW_TYPES, STATUSES, Status


@dataclass
class Result:
    """The outcome of one method on one problem.

    ``makespan`` is the evaluator's; ``bound`` the method's proven lower bound (exact methods);
    ``lower_bound`` the core's machine-load bound of the scheduled problem; ``problem`` is the
    problem that was scheduled (for joint methods: problem D of the chosen ``partitions``).

    Attributes
    ----------
    method, status : str
        The method's name; ``optimal``, ``feasible``, ``infeasible``, ``error`` (or ``heuristic``,
        ``bound`` for methods that prove nothing or only bound).
    makespan : int or None
        Microseconds, as the core evaluator scores ``schedule`` (None without a schedule).
    bound : float or None
        The method's proven lower bound; ``lower_bound`` is the core's machine-load bound.
    wall_time_s : float
        The method's wall time in seconds.
    schedule, timing, problem, partitions
        The schedule, its timed operations, the scheduled problem and (joint) the partitions.
    response_mean, response_p95, response_max : float, int, int or None
        The jobs' response times (completion minus release, MODEL.md "Release times") from the
        evaluator's timing: mean, nearest-rank 95th percentile and maximum (None without a schedule).

    Examples
    --------
    >>> from offloadsched import JointProblem, solve
    >>> from offloadsched.instances.zoo import alexnet
    >>> from offloadsched.instances.platforms import make_platform
    >>> jp = JointProblem([alexnet(), alexnet()], make_platform("rpi4", "gtx1080", "wifi"))
    >>> lo, jps = solve(jp, "lo"), solve(jp, "jps")
    >>> lo.makespan, jps.makespan
    (772044, 451753)
    >>> type(jps.problem).__name__, len(jps.partitions)
    ('DagProblem', 2)
    >>> round(lo.gap(jps.makespan), 3)
    0.709
    """

    method: str
    status: Status
    makespan: int | None
    bound: float | None
    lower_bound: int
    wall_time_s: float
    schedule: Schedule | None
    options: dict[str, Any] = field(default_factory=dict)
    timing: Timing | None = None
    problem: Any = None
    partitions: list | None = None
    objective: float | None = None
    log: str | None = None
    info: dict[str, Any] = field(default_factory=dict)
    overlap: bool = True

    @property
    def response_mean(self) -> float | None:
        """Mean response time of the jobs (µs), or None without a timed schedule."""
        stats = self._response_stats()
        return stats[0] if stats is not None else None

    @property
    def response_p95(self) -> int | None:
        """Nearest-rank 95th percentile of the jobs' response times (µs), or None."""
        stats = self._response_stats()
        return stats[1] if stats is not None else None

    @property
    def response_max(self) -> int | None:
        """Largest response time of a job (µs), or None."""
        stats = self._response_stats()
        return stats[2] if stats is not None else None

    def _response_stats(self) -> tuple[float, int, int] | None:
        """:attr:`Timing.response_stats` of ``timing``, computed once per timing."""
        if self.timing is None:
            return None
        cached = self.__dict__.get("_stats")
        if cached is None or cached[0] is not self.timing:
            cached = (self.timing, self.timing.response_stats)
            self.__dict__["_stats"] = cached
        return cached[1]

    def gap(self, optimum: float) -> float:
        """``(makespan - optimum) / optimum`` (0 when both are 0)."""
        if self.makespan is None:
            return math.inf
        if optimum == 0:
            return 0.0 if self.makespan == 0 else math.inf
        return (self.makespan - optimum) / optimum

    def plot(self, ax=None, **kwargs):
        """A Gantt chart of the schedule (lanes local, uplink, remote); returns the Axes."""
        from .plotting import gantt

        if self.timing is None:
            raise ValidationError(f"{self.method}: no schedule to plot (status {self.status})")
        kwargs.setdefault("title", f"{self.method}: makespan {self.makespan} µs ({self.status})")
        return gantt(self.timing, problem=self.problem, ax=ax, **kwargs)

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready result record (see :mod:`offloadsched.io`)."""
        return {
            "method": self.method, "options": jsonable(self.options), "status": self.status,
            "makespan": self.makespan, "bound": self.bound, "lower_bound": self.lower_bound,
            "wall_time_s": self.wall_time_s, "objective": self.objective,
            "schedule": self.schedule.to_dict() if self.schedule is not None else None,
            "partitions": ([[int(i) for i in p.local.nonzero()[0]] for p in self.partitions]
                           if self.partitions is not None else None),
            "overlap": self.overlap,
            "response_mean": self.response_mean, "response_p95": self.response_p95,
            "response_max": self.response_max,
            "info": jsonable(self.info),
        }

    def __repr__(self) -> str:
        return (f"Result(method={self.method!r}, status={str(self.status)!r}, makespan={self.makespan}, "
                f"bound={self.bound}, wall_time_s={self.wall_time_s:.3g})")


def check_options(fn, method: str, options: dict[str, Any]) -> None:
    """Reject keyword options the method's function does not accept, naming them."""
    params = inspect.signature(fn).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return
    known = [n for n, p in params.items() if p.kind is inspect.Parameter.KEYWORD_ONLY and n != "time_limit"]
    for key in options:
        if key not in known:
            raise ValidationError(f"method {method!r} has no option {key!r}; options: "
                                  f"{', '.join(known) if known else '(none)'}")


def solve(problem: Problem, method: str, time_limit: float | None = None, **options: Any) -> Result:
    """Solve ``problem`` with the registered ``method``.

    A method's output is never trusted: its schedule is scored by the core evaluator on the
    problem given here (a joint method's problem D is rebuilt from its partitions and this joint
    problem; the problem it returns is only compared), every job must be scheduled, the timed
    schedule goes through the independent checker, and the status is checked against the bound:
    ``optimal`` needs a bound equal to the evaluated makespan (otherwise it becomes ``feasible``),
    an exact method's ``feasible`` whose bound reaches the makespan becomes ``optimal``, and a
    bound above the makespan or an objective that disagrees makes the status ``error``.  The
    reason is in ``Result.info["inconsistency"]`` (``error``) or ``info["downgraded"]``.

    Parameters
    ----------
    problem : J2Problem, FmProblem, DagProblem or JointProblem
        The problem to solve.
    method : str
        A registered name (``offloadsched.methods()`` lists them).
    time_limit : float or None
        Seconds for exact methods (None: the method's default); reaching it is a result
        (status ``feasible`` with a bound), never an exception.
    **options
        Method-specific keyword options (unknown ones, and values outside their declared type and
        range, :class:`~offloadsched.registry.Option`, are rejected).

    Returns
    -------
    Result
        The evaluated schedule, its status, bound and wall time.

    Raises
    ------
    ValidationError
        Unknown method, a problem type the method does not take, an unknown option, a bad
        ``time_limit``, or a problem the method does not apply to (the message names it).

    Notes
    -----
    Cost: the method's own (see its module's docstring), plus O(n + e) for evaluating and
    checking the schedule of n operations and e precedences.

    References
    ----------
    Methods cite their papers by key, see ``docs/REFERENCES.md`` (e.g. [Johnson1954], [Seed001]).

    Examples
    --------
    Johnson's rule on three two-stage jobs, and brute force proving it optimal:

    >>> from offloadsched import J2Problem, solve
    >>> p = J2Problem([3, 1, 4], [2, 5, 1])
    >>> r = solve(p, "johnson")
    >>> r.makespan, r.schedule["local"].tolist()
    (9, [1, 0, 2])
    >>> exact = solve(p, "bruteforce")
    >>> print(exact.status, exact.makespan, exact.bound)
    optimal 9 9
    """
    ptype = problem_type(problem)
    spec = get_method(method)
    if ptype not in spec.problems:
        raise ValidationError(f"method {method!r} does not accept {ptype} problems "
                              f"(it takes {', '.join(spec.problems)})")
    if time_limit is not None:  # numpy numbers too (np.int64(5)); a bool, nan, inf or <= 0 is refused
        if not is_real(time_limit) or not math.isfinite(time_limit) or not time_limit > 0:
            raise ValidationError(f"time_limit must be a positive number of seconds, got {time_limit!r}")
        time_limit = float(time_limit)
    fn = spec.load()
    check_options(fn, method, options)
    options = spec.check_options(options)
    reason = spec.not_applicable(problem)
    if reason:
        raise ValidationError(f"method {method!r} does not apply to this problem: {reason}")
    t0 = time.perf_counter()
    out: SolverOutput = fn(problem, time_limit=time_limit, **options)
    wall = time.perf_counter() - t0
    return _score(problem, ptype, spec.kind, method, out, wall,
                  options=dict(options, **({"time_limit": time_limit} if time_limit else {})))


def _score(problem: Problem, ptype: str, kind: str, method: str, out: SolverOutput, wall: float, *,
           options: dict[str, Any]) -> Result:
    """The :class:`Result` of a method's output, checked as :func:`solve` describes."""
    info = dict(out.info)
    status: Status | str = out.status
    problems: list[str] = []
    if status not in STATUSES:
        problems.append(f"unknown status {status!r}")
        status = Status.ERROR
    scheduled, partitions = problem, None
    if ptype == "joint":
        scheduled, partitions, why = rebuild_joint(cast(JointProblem, problem), out)
        if why:
            problems.append(why)
    elif out.problem is not None and out.problem is not problem:
        why = differs(problem, out.problem)
        if why:
            problems.append(f"the problem the method returned is not the one it was given: {why}")
    timing = makespan = None
    if out.schedule is not None and scheduled is not None:
        try:
            timing = evaluate(scheduled, out.schedule, overlap=out.overlap)
        except ValidationError as exc:
            problems.append(f"its schedule does not fit the problem: {exc}")
        else:
            makespan = timing.makespan
            found = violations(scheduled, timing)
            if found:
                problems.append("the checker rejects the timed schedule: " + "; ".join(found))
    elif status in (Status.OPTIMAL, Status.FEASIBLE, Status.HEURISTIC):
        problems.append(f"status {str(status)!r} without a schedule")
    bound = out.bound
    if makespan is not None and not problems:
        reason = _inconsistency(status, makespan, out.objective, bound)
        if reason:
            problems.append(reason)
        elif status == Status.OPTIMAL and (bound is None or bound < makespan):
            info["downgraded"] = (f"claimed optimal, but its bound {bound} is below the evaluated makespan "
                                  f"{makespan}" if bound is not None else "claimed optimal without a bound")
            status = Status.FEASIBLE
        elif status == Status.FEASIBLE and kind == "exact" and bound is not None and bound >= makespan:
            status = Status.OPTIMAL  # its own proven bound meets the schedule
    if problems:
        info["inconsistency"] = "; ".join(problems)
        status = Status.ERROR
    return Result(method=method, status=Status(status), makespan=makespan, bound=bound,
                  lower_bound=lower_bound(scheduled) if scheduled is not None and scheduled.type != "joint" else 0,
                  wall_time_s=wall, schedule=timing.schedule if timing is not None else None,
                  options=options, timing=timing, problem=scheduled if scheduled is not None else problem,
                  partitions=partitions, objective=out.objective, log=out.log, info=info, overlap=out.overlap)


def rebuild_joint(problem: JointProblem, out: SolverOutput):
    """``(problem D, partitions, reason)`` for a joint method's output: problem D rebuilt from the
    returned partitions and the joint problem itself (times from its platform), one partition per
    job.  A partition may be of the job's DNN or of a fused-layer conversion of it (a DNN whose
    ``attrs["fl"]["source"]`` names the job's DNN; its times also come from the platform).
    ``reason`` says what is wrong (problem D is None when it cannot be built)."""
    from .partition import Partition
    from .problems import build_dag

    parts = list(out.partitions) if out.partitions is not None else None
    if parts is None:
        if out.schedule is None:
            return None, None, None
        return None, None, "a joint method must return the partitions it chose"
    bad = next((k for k, part in enumerate(parts) if not isinstance(part, Partition)), None)
    if bad is not None:
        return None, None, f"partition {bad} is not a Partition"
    if len(parts) != len(problem.jobs):
        return None, parts, f"{len(parts)} partitions for {len(problem.jobs)} jobs (every job needs one)"
    converted = False
    for k, (dnn, part) in enumerate(zip(problem.jobs, parts)):
        same = part.dnn is dnn or (part.dnn.names == dnn.names and part.dnn.edges == dnn.edges)
        if not same:
            fl = part.dnn.attrs.get("fl")
            if not (isinstance(fl, dict) and fl.get("source") == dnn.name):
                return None, parts, f"partition {k} belongs to DNN {part.dnn.name!r}, not to job {dnn.name!r}"
            converted = True
    try:
        if converted:
            dag = build_dag([p.dnn for p in parts], problem.platform, parts, problem.remote_model, name=problem.name,
                            release=problem.release)
        else:
            dag = problem.dag(parts)
    except ValidationError as exc:
        return None, parts, f"its partitions do not define problem D: {exc}"
    if out.problem is not None:
        why = differs(dag, out.problem)
        if why:
            return dag, parts, f"the problem D it returned differs from the one its partitions define: {why}"
    return dag, parts, None


def differs(expected, got) -> str | None:
    """Why ``got`` is not the same problem as ``expected`` (times, graph, partition), or None."""
    if getattr(got, "type", None) != expected.type:
        return f"a {getattr(got, 'type', type(got).__name__)} problem instead of {expected.type}"
    if expected.type in FLOW_TYPES:
        if got.times.shape != expected.times.shape or not np.array_equal(got.times, expected.times):
            return "its times differ"
        return _release_differs(expected, got)
    if expected.type == "dag":
        if len(got) != len(expected) or got.preds != expected.preds:
            return "its graph differs"
        for key in ("local", "f", "u", "r"):
            a, b = getattr(expected, key), getattr(got, key)
            if not np.array_equal(a, b):
                v = int(np.flatnonzero(a != b)[0])
                return f"{key} of node {expected.names[v]!r} is {b[v]}, expected {a[v]}"
        if got.remote_model != expected.remote_model or not np.array_equal(got.job, expected.job):
            return "its remote model or jobs differ"
        return _release_differs(expected, got)
    return None if got is expected else "a different joint problem"


def _release_differs(expected, got) -> str | None:
    a, b = expected.release, got.release
    if a.shape != b.shape or not np.array_equal(a, b):
        return "its release times differ"
    return None


def _inconsistency(status: Status | str, makespan: int, objective, bound) -> str | None:
    tol = 1e-6 * max(1, abs(makespan))
    if bound is not None and bound > makespan + tol:
        return f"bound {bound} exceeds the evaluated makespan {makespan}"
    if status == Status.OPTIMAL and objective is not None and abs(objective - makespan) > max(tol, 0.5):
        return f"solver objective {objective} differs from the evaluated makespan {makespan}"
    return None
