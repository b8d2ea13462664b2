"""Cloud-only baseline CO (seed 001 CO, seed 002 RO).

References (docs/REFERENCES.md): [Seed001], [Seed002]."""

from __future__ import annotations

from offloadsched.partition import Partition
from offloadsched.problems import JointProblem
from offloadsched.registry import SolverOutput

from ._common import check_joint, joint_output


def co(problem: JointProblem, *, time_limit: float | None = None) -> SolverOutput:
    """CO (seed 002: RO): only the input layer is local, every job uploads its raw input and the
    server runs the rest; jobs first in, first out (in release order, ties and no release times: index
    order; uploads in that order); every job pays the round trip ``w_rtt`` (the evaluator adds it after
    the last upload or remote operation).  O(n log n)."""
    jp = check_joint(problem, "co")
    return joint_output(jp, [Partition.cloud_only(d) for d in jp.jobs])
