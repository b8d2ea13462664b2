"""Johnson's rule for two-stage jobs (seed 001 Alg. 1; Johnson 1954).

References (docs/REFERENCES.md): [Seed001], [Johnson1954]."""

from __future__ import annotations

from offloadsched.errors import ValidationError
from offloadsched.problems import FmProblem
from offloadsched.registry import SolverOutput
from offloadsched.schedule import Schedule

from ._common import johnson_order
from ._release import release_aware_order


def johnson(problem: FmProblem, *, time_limit: float | None = None) -> SolverOutput:
    """Johnson's rule (seed 001 Alg. 1): jobs with ``a < b`` by increasing ``a``, then the others
    by decreasing ``b``; ties keep job index order.  Optimal for J2 (F2||Cmax).

    Accepts a J2 problem or a two-machine Fm problem.  Vectorised (``np.lexsort``): O(n log n).

    Round trip ``w_rtt > 0`` (MODEL.md section 1): still optimal.  The makespan is
    max(sum a, C + w_rtt), C the end of the last upload of a job with ``b > 0``; the jobs with
    ``b = 0`` fall in the second group with the smallest ``b``, so they come last, and the others
    are in Johnson's order, which minimises C (:mod:`offloadsched.flow_rtt`); checked against brute
    force in ``tests/test_rtt_methods.py``.

    Release times (F2|r_j|Cmax is strongly NP-hard, Johnson's rule is a heuristic there): Johnson's
    order with the evaluator waiting for each release, or the non-delay schedule that follows
    Johnson's priority among the released jobs, whichever is shorter
    (:func:`~offloadsched.heuristics._release.release_aware_order`, ``info["release"]``); O(n log n).
    """
    if problem.m != 2:
        raise ValidationError(f"johnson: needs 2 machines, got {problem.m} "
                              "(use 'eja' for 3 machines or 'neh' for any number)")
    order, info = release_aware_order(problem, johnson_order(problem.times[:, 0], problem.times[:, 1]))
    return SolverOutput(Schedule.from_order(order), info=info)
