"""Path-level scheduling of a DAG problem (seed 001 Alg. 3's "modified Alg. 1", seed 002 Sec. IV-C).

References (docs/REFERENCES.md): [Seed001], [Seed002], [Johnson1954]."""

from __future__ import annotations

from offloadsched.errors import ValidationError
from offloadsched.paths import count_paths, priority_schedule
from offloadsched.problems import DagProblem
from offloadsched.registry import SolverOutput
from offloadsched.schedule import Schedule, fifo_schedule

from ._clock import Clock, TimeLimitReached
from ._common import defer_local_tail, require_dag
from ._eja_paths import eja_path_priority
from ._paths import johnson_path_order
from ._release import release_aware_schedule

RULES = ("auto", "johnson", "eja")


def check_rule(rule: str, method: str) -> None:
    if rule not in RULES:
        raise ValidationError(f"{method}: unknown rule {rule!r}; known: {', '.join(RULES)}")


def path_johnson(problem: DagProblem, *, time_limit: float | None = None, rule: str = "auto") -> SolverOutput:
    """Seed 001 Alg. 3 step 6 / seed 002 Sec. IV-C: convert the DAG into source-to-sink paths
    (replicating shared layers), order the paths as independent jobs, and execute that order on
    the real DAG, each layer once, at its first appearance (:func:`offloadsched.paths.execute_path_order`).

    ``rule``: ``johnson`` orders by Johnson's rule on (p1, p2) (seed 001: remote negligible),
    ``eja`` by seed 002 Alg. 1 on (p1, p2, p3); ``auto`` picks ``johnson`` for the negligible
    remote model and ``eja`` otherwise.  Ties keep depth-first path order (successors by index).

    The paths are never listed (4^9 GoogLeNet paths per job): each layer's first appearance is
    found by dynamic programming over the DAG, the same order as the full path list (a test
    compares them).  ``johnson`` needs only (p1, p2), so it works on the distinct local prefixes
    (:mod:`offloadsched.heuristics._paths`), and uploads and (serial) remote layers follow the
    evaluator's defaults (the order computes finish; earliest ready first).  ``eja`` works on the
    full paths (:mod:`offloadsched.heuristics._eja_paths`): uploads, and remote layers with
    ``serial`` remote, follow the first appearances too.  O((ends + crossings) x arcs x depth)
    per class of identical jobs, plus O(n log n + e) for the orders.

    ``info``: ``paths`` (how many source-to-sink paths were ordered, counted by dynamic
    programming), ``path_items`` (``local prefixes`` or ``full paths``), ``rule``.  The path
    model's own makespan (replicas counted, MODEL.md section 2) needs every path's times - up to
    4^9 distinct ones per GoogLeNet job - so it is not reported (:func:`offloadsched.paths.path_problem`
    builds that model where the paths can be listed).

    ``time_limit``: checked before each class of identical jobs; when it runs out the local
    layers run in index order (FIFO, evaluator's default uploads) and ``info["stopped"]`` says so.

    Round trip ``w_rtt > 0``: Johnson's and EJA's keys are unchanged (all-local paths, which pay no
    round trip, already sort last; w_rtt is a constant after the last upload); the layers no
    upload waits for are moved last (:func:`~offloadsched.heuristics._common.defer_local_tail`).
    """
    dag = require_dag(problem, "path-johnson")
    check_rule(rule, "path-johnson")
    if rule == "auto":
        rule = "johnson" if dag.remote_model == "negligible" else "eja"
    clock = Clock(time_limit)
    try:
        if rule == "johnson":
            order, info = johnson_path_order(dag, clock=clock)
            sched, more = release_aware_schedule(dag, Schedule({"local": defer_local_tail(dag, order)}))
            return SolverOutput(sched, info=dict(info, rule=rule, path_items="local prefixes", **more))
        sched = priority_schedule(dag, eja_path_priority(dag, remote_items=dag.remote_model == "serial", clock=clock))
    except TimeLimitReached:
        return SolverOutput(fifo_schedule(dag), info={"rule": rule, "stopped": f"time limit {time_limit:g} s: "
                                                      "FIFO schedule, the paths not ordered"})
    seqs = dict(sched.sequences, local=defer_local_tail(dag, sched["local"].tolist()))
    sched, more = release_aware_schedule(dag, Schedule(seqs))
    info = {"paths": sum(count_paths(dag)), "path_items": "full paths", "rule": rule, **more}
    return SolverOutput(sched, info=info)
