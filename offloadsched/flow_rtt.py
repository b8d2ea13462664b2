"""The round trip ``w_rtt`` in flow problems (J2, Fm): the reduction to the offloading jobs.

A flow job offloads when it has a positive time after the first machine; it completes ``w_rtt``
after its last operation (MODEL.md section 1).  A *local-only* job (zero times after machine 1)
pays no round trip.  For a permutation flow shop (and for per-machine orders too):

* removing jobs from a sequence never delays the others, and the first machine never idles, so
  any schedule has makespan >= max(P1, C + w_rtt), with P1 the total time on machine 1 and C the
  makespan of the offloading jobs alone, in their relative order;
* the offloading jobs in that order followed by the local-only jobs reach it: the local-only
  jobs end on machine 1 at P1 and their zero-time operations end no later than C or P1.

So the optimum is max(P1, C* + w_rtt), C* the classic optimum over the offloading jobs, and a
method that is exact (or a heuristic that minimises C) for ``w_rtt = 0`` stays so when it is run
on the offloading jobs and the local-only jobs are appended (:func:`reduce_round_trip`).
The tests check this against brute force (``tests/test_rtt_methods.py``).

The argument needs a first machine that never idles, which release times break: a local-only job
may fill the idle time.  Job 0 local-only (times ``(5, 0)``, released at 0) and job 1 offloading
(``(1, 1)``, released at 5) with ``w_rtt = 1`` finish at 8 in the order (0, 1), at 11 with job 0
appended.  So :func:`reduce_round_trip` passes a problem with release times to the method whole,
which must then model ``w_rtt`` itself (or refuse release times).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .problems import FmProblem, same_flow
from .registry import SolverOutput
from .schedule import Schedule


@dataclass(frozen=True)
class RttSplit:
    """A flow problem with ``w_rtt > 0`` split into its offloading jobs (``sub``, ``w_rtt = 0``,
    job ``k`` of ``sub`` is job ``offloading[k]``) and the local-only jobs (``local_only``)."""

    sub: FmProblem
    offloading: np.ndarray
    local_only: np.ndarray
    first_machine: int
    w_rtt: int

    def makespan(self, c: float) -> float:
        """The makespan when the offloading jobs end at ``c``: ``max(P1, c + w_rtt)``."""
        return max(self.first_machine, c + self.w_rtt)

    def lift(self, schedule: Schedule) -> Schedule:
        """A schedule of ``sub`` as a schedule of the whole problem (local-only jobs last)."""
        tail = self.local_only.tolist()
        return Schedule({k: self.offloading[seq].tolist() + tail for k, seq in schedule.sequences.items()})


def split_round_trip(problem: FmProblem) -> RttSplit:
    """:class:`RttSplit` of ``problem`` (O(n m))."""
    off = np.flatnonzero(problem.offloading)
    sub = same_flow(problem, problem.times[off].reshape(len(off), problem.m), w_rtt=0,
                    jobs=[problem.jobs[j] for j in off.tolist()], release=problem.release[off])
    return RttSplit(sub, off, np.flatnonzero(~problem.offloading), int(problem.times[:, 0].sum()),
                    int(problem.w_rtt))


def reduce_round_trip(method: Callable[..., SolverOutput]) -> Callable[..., SolverOutput]:
    """Wrap a flow-shop method: with ``w_rtt > 0`` it runs on the offloading jobs only and the
    local-only jobs are appended; its objective and bound ``x`` become ``max(P1, x + w_rtt)``, and
    a schedule whose makespan meets ``P1`` (a lower bound) is optimal.  ``info["round_trip"]``
    gives the split; the method's other ``info`` values refer to the offloading jobs.  A problem
    without a round trip, or with release times (module docstring), goes to ``method`` whole."""

    @functools.wraps(method)
    def wrapper(problem: FmProblem, **options) -> SolverOutput:
        if not problem.w_rtt or problem.has_release:
            return method(problem, **options)
        split = split_round_trip(problem)
        out = method(split.sub, **options)
        out.info["round_trip"] = {"w_rtt": split.w_rtt, "offloading_jobs": int(split.offloading.size),
                                  "local_only_jobs": int(split.local_only.size)}
        if out.schedule is None:
            return out
        out.schedule = split.lift(out.schedule)
        if out.problem is not None:  # the method returned the problem it scheduled: the whole one
            out.problem = problem
        if out.objective is not None:
            out.objective = split.makespan(out.objective)
        if out.bound is not None:
            out.bound = split.makespan(out.bound)
        if out.objective is not None and out.objective <= split.first_machine and out.status == "feasible":
            out.status, out.bound = "optimal", split.first_machine
        return out

    return wrapper
