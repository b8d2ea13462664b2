"""Extended Johnson algorithm (EJA) for three-machine flow shops (seed 002 Alg. 1).

References (docs/REFERENCES.md): [Seed002], [Johnson1954]."""

from __future__ import annotations

from offloadsched.errors import ValidationError
from offloadsched.problems import FmProblem
from offloadsched.registry import SolverOutput
from offloadsched.schedule import Schedule

from ._common import johnson_order
from ._release import release_aware_order


def eja(problem: FmProblem, *, time_limit: float | None = None) -> SolverOutput:
    """Seed 002 Alg. 1 (EJA): group H = {p1 + p2 <= p2 + p3} by increasing p1 + p2, then group L
    by decreasing p2 + p3 (Johnson's rule on the two sums); ties keep job index order.

    Needs exactly 3 machines.  O(n log n).  Seed 002 Thm. 4 claims optimality when
    ``max(min p1, min p3) >= max p2``; the project checks that claim, this code does not rely on it.

    Round trip ``w_rtt > 0``: the local-only jobs (``p2 = p3 = 0``, ``p1 > 0``) fall in group L
    with the smallest ``p2 + p3`` and so come last, which is where they cost nothing
    (:mod:`offloadsched.flow_rtt`); the order of the offloading jobs is EJA's on them alone, so
    w_rtt needs no term of its own (the makespan is max(sum p1, C + w_rtt)).

    Release times: EJA's order with the evaluator waiting for each release, or the non-delay
    schedule that follows EJA's priority among the released jobs, whichever is shorter
    (:func:`~offloadsched.heuristics._release.release_aware_order`, ``info["release"]``).
    """
    if problem.m != 3:
        raise ValidationError(f"eja: needs exactly 3 machines (local, uplink, remote), got {problem.m} "
                              "(use 'johnson' for 2 or 'neh' for any number)")
    t = problem.times
    order, info = release_aware_order(problem, johnson_order(t[:, 0] + t[:, 1], t[:, 1] + t[:, 2], ties_first=True))
    return SolverOutput(Schedule.from_order(order), info=info)
