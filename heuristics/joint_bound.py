"""The core's joint lower bound as a method (status ``bound``), for suites and reports.

:func:`offloadsched.bounds.joint_lower_bound` bounds a joint problem's makespan over every choice of
partitions and every schedule, release times included; registered as a method it enters a suite's
results like the convex relaxation does, so the reports' brackets see it.

References (docs/REFERENCES.md): [Hu2019] (the schedule returned beside the bound is PO's)."""

from __future__ import annotations

from offloadsched.bounds import joint_bound_parts
from offloadsched.problems import JointProblem
from offloadsched.registry import SolverOutput

from ._common import check_joint, joint_output
from .po import dads_partitions


def joint_bound(problem: JointProblem, *, time_limit: float | None = None) -> SolverOutput:
    """Status ``bound``: ``bound`` is :func:`~offloadsched.bounds.joint_lower_bound` (the largest of
    :func:`~offloadsched.bounds.joint_bound_parts`, each named in ``info["bounds"]``); the schedule is
    PO's (DADS partitions, jobs first in, first out), which a bound-only result carries but the
    reports do not rank.  O(the bound's minimum cuts per distinct DNN + DADS's)."""
    jp = check_joint(problem, "joint-bound")
    parts = joint_bound_parts(jp)
    out = joint_output(jp, dads_partitions(jp), bounds=parts)
    out.status, out.bound = "bound", max(parts.values(), default=0)
    return out
