"""The package's shared vocabulary: result statuses and problem types.

Statuses are a string-valued enum, so JSON documents and the results database keep the plain
words (``"optimal"``) and comparisons with strings keep working.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal, get_args


class Status(StrEnum):
    """The status of a result: what a method reports, plus the benchmark runner's own."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    ERROR = "error"
    HEURISTIC = "heuristic"
    BOUND = "bound"
    SKIPPED = "skipped"  # benchmark runner: the method does not apply
    TIMEOUT = "timeout"  # benchmark runner: the unit's process was stopped
    DONE = "done"  # benchmark runner: a task unit (not a method) that ran


#: The statuses a method (and :func:`offloadsched.solve`) may report.
STATUSES: tuple[Status, ...] = (Status.OPTIMAL, Status.FEASIBLE, Status.INFEASIBLE, Status.ERROR,
                                Status.HEURISTIC, Status.BOUND)

ProblemType = Literal["j2", "fm", "dag", "joint"]
#: Every problem type, in the order of the model (``j2`` is ``fm`` with two machines).
PROBLEM_TYPES: tuple[ProblemType, ...] = get_args(ProblemType)
#: The flow-shop types (a problem of these types has ``m`` machines and ``n`` jobs).
FLOW_TYPES: tuple[ProblemType, ...] = ("j2", "fm")
