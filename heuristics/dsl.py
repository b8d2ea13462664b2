"""DSL, the no-pipelining baseline of seed 002 ("DNN Surgery Light", Hu et al. INFOCOM 2019).

References (docs/REFERENCES.md): [Seed002], [Hu2019]."""

from __future__ import annotations

from offloadsched.evaluate import evaluate
from offloadsched.problems import Problem
from offloadsched.registry import SolverOutput
from offloadsched.schedule import Schedule, fifo_schedule

from ._common import joint_output
from .po import dads_partitions


def no_overlap_makespan(problem: Problem, schedule: Schedule) -> int:
    """Makespan when no two stages overlap: every job's local compute, uploads and remote compute
    run one after another and the next job starts after the previous one ends: the sum of all
    operation times, and with a round trip ``w_rtt`` (on no machine) the last offloading job's
    end + ``w_rtt`` if that is later (the evaluator's ``overlap=False``)."""
    return evaluate(problem, schedule, overlap=False).makespan


def dsl(problem: Problem, *, time_limit: float | None = None) -> SolverOutput:
    """Seed 002's DSL baseline ("DNN Surgery Light", Hu et al. 2019), which "doesn't consider
    the layer-wise processing pipeline": seed 002 Fig. 2(b) runs the local stage, then the
    uploads, then the remote stage, with no overlap.  Our reading for several jobs (or paths):
    each job's stages run one after another and the next job starts when the previous one is
    done, so the DSL latency is the sum of all stage times (without release times) (``info["no_overlap_makespan"]``).
    On a joint problem the partition is DADS's minimum cut (as PO); on a fixed partition it is given.

    The core evaluator scores semi-active schedules only, so the returned schedule (jobs in
    index order, layers in node order) is scored *with* the overlap the evaluator adds; the
    no-overlap latency is reported in ``info``.  O(n).

    Release times: the jobs run first in, first out (by release time, ties by index), and the
    evaluator starts each at its release at the earliest, with and without overlap.  O(n log n).
    """
    if problem.type == "joint":
        out = joint_output(problem, dads_partitions(problem))
        out.info["no_overlap_makespan"] = no_overlap_makespan(out.problem, out.schedule)
        out.overlap = False
        return out
    sched = fifo_schedule(problem)
    return SolverOutput(sched, info={"no_overlap_makespan": no_overlap_makespan(problem, sched)}, overlap=False)
