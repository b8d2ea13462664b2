"""Local-only baseline LO (seed 001 and seed 002).

References (docs/REFERENCES.md): [Seed001], [Seed002]."""

from __future__ import annotations

from offloadsched.partition import Partition
from offloadsched.problems import JointProblem
from offloadsched.registry import SolverOutput

from ._common import check_joint, joint_output


def lo(problem: JointProblem, *, time_limit: float | None = None) -> SolverOutput:
    """LO: every layer of every job runs locally, nothing is uploaded; jobs first in, first out
    (release order, ties by index).  Without release times the makespan is the total local compute
    whatever the order (no round trip: nothing offloads); with them, release order is the earliest
    release date rule, optimal for one machine (1|r_j|Cmax).  O(n log n)."""
    jp = check_joint(problem, "lo")
    return joint_output(jp, [Partition.local_only(d) for d in jp.jobs])
