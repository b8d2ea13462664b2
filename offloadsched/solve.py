"""One solving face: ``solve(problem, method=..., time_limit=..., **options) -> Result``.

Every method returns a schedule; the core evaluator recomputes its makespan, and that number
is the one recorded.  A solver's own objective is only cross-checked: an ``optimal`` claim
whose objective disagrees with the evaluator, or a bound above a feasible makespan, turns the
status into ``error`` with the reason in ``Result.info["inconsistency"]``.
"""

from __future__ import annotations

import inspect
import math
import time
from dataclasses import dataclass, field
from typing import Any

from .bounds import lower_bound
from .check import violations
from .errors import ValidationError
from .evaluate import evaluate
from .problems import problem_type
from .registry import STATUSES, SolverOutput, get_method
from .schedule import Schedule, Timing


@dataclass
class Result:
    """The outcome of one method on one problem.

    ``makespan`` is the evaluator's; ``bound`` the method's proven lower bound (exact methods);
    ``lower_bound`` the core's machine-load bound of the scheduled problem; ``problem`` is the
    problem that was scheduled (for joint methods: problem D of the chosen ``partitions``).
    """

    method: str
    status: str
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
            "method": self.method, "options": _jsonable(self.options), "status": self.status,
            "makespan": self.makespan, "bound": self.bound, "lower_bound": self.lower_bound,
            "wall_time_s": self.wall_time_s, "objective": self.objective,
            "schedule": self.schedule.to_dict() if self.schedule is not None else None,
            "partitions": ([[int(i) for i in p.local.nonzero()[0]] for p in self.partitions]
                           if self.partitions is not None else None),
            "overlap": self.overlap,
            "info": _jsonable(self.info),
        }

    def __repr__(self) -> str:
        return (f"Result(method={self.method!r}, status={self.status!r}, makespan={self.makespan}, "
                f"bound={self.bound}, wall_time_s={self.wall_time_s:.3g})")


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (str, int, float, bool)) or obj is None:
        return obj
    if hasattr(obj, "item"):
        return obj.item()
    return repr(obj)


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


def solve(problem, method: str, time_limit: float | None = None, *, verify: bool = True,
          **options: Any) -> Result:
    """Solve ``problem`` with the registered ``method``.

    Parameters
    ----------
    problem : J2Problem, FmProblem, DagProblem or JointProblem.
    method : a registered name (``offloadsched.methods()`` lists them).
    time_limit : seconds for exact methods (None: the method's default); reaching it is a
        result (status ``feasible`` with a bound), never an exception.
    verify : also run the independent :func:`~offloadsched.check.check` on the timed schedule.
    **options : method-specific keyword options (unknown ones are rejected).
    """
    ptype = problem_type(problem)
    spec = get_method(method)
    if ptype not in spec.problems:
        raise ValidationError(f"method {method!r} does not accept {ptype} problems "
                              f"(it takes {', '.join(spec.problems)})")
    if time_limit is not None and (not isinstance(time_limit, (int, float)) or not time_limit > 0):
        raise ValidationError(f"time_limit must be a positive number of seconds, got {time_limit!r}")
    fn = spec.load()
    check_options(fn, method, options)
    reason = spec.not_applicable(problem)
    if reason:
        raise ValidationError(f"method {method!r} does not apply to this problem: {reason}")
    t0 = time.perf_counter()
    out: SolverOutput = fn(problem, time_limit=time_limit, **options)
    wall = time.perf_counter() - t0
    if out.status not in STATUSES:
        raise RuntimeError(f"method {method!r} returned unknown status {out.status!r}")
    scheduled = out.problem if out.problem is not None else problem
    info = dict(out.info)
    timing = None
    makespan = None
    status = out.status
    if out.schedule is not None:
        timing = evaluate(scheduled, out.schedule, overlap=out.overlap)
        makespan = timing.makespan
        if verify:
            found = violations(scheduled, timing)
            if found:
                raise RuntimeError(f"method {method!r}: evaluator produced an invalid schedule: {found}")
        reason = _inconsistency(status, makespan, out.objective, out.bound)
        if reason:
            info["inconsistency"] = reason
            status = "error"
    elif status in ("optimal", "feasible", "heuristic"):
        raise RuntimeError(f"method {method!r} reported {status!r} without a schedule")
    return Result(method=method, status=status, makespan=makespan, bound=out.bound,
                  lower_bound=lower_bound(scheduled) if ptype != "joint" or out.problem is not None else 0,
                  wall_time_s=wall, schedule=timing.schedule if timing is not None else None,
                  options=dict(options, **({"time_limit": time_limit} if time_limit else {})),
                  timing=timing, problem=scheduled, partitions=list(out.partitions) if out.partitions else None,
                  objective=out.objective, log=out.log, info=info, overlap=out.overlap)


def _inconsistency(status: str, makespan: int, objective, bound) -> str | None:
    tol = 1e-6 * max(1, abs(makespan))
    if bound is not None and bound > makespan + tol:
        return f"bound {bound} exceeds the evaluated makespan {makespan}"
    if status == "optimal" and objective is not None and abs(objective - makespan) > max(tol, 0.5):
        return f"solver objective {objective} differs from the evaluated makespan {makespan}"
    return None
