"""Path-level scheduling of a DAG problem (seed 001 Alg. 3's "modified Alg. 1", seed 002 Sec. IV-C).

References (docs/REFERENCES.md): [Seed001], [Seed002], [Johnson1954]."""

from __future__ import annotations

from offloadsched.errors import ValidationError
from offloadsched.evaluate import flow_makespan
from offloadsched.paths import DEFAULT_PATH_LIMIT, dag_paths, execute_path_order, path_times
from offloadsched.problems import DagProblem
from offloadsched.registry import SolverOutput
from offloadsched.schedule import Schedule

from ._common import defer_local_tail, require_dag, stage_order
from ._paths import johnson_path_order

RULES = ("auto", "johnson", "eja")


def check_rule(rule: str, method: str) -> None:
    if rule not in RULES:
        raise ValidationError(f"{method}: unknown rule {rule!r}; known: {', '.join(RULES)}")


def path_johnson(problem: DagProblem, *, time_limit: float | None = None, rule: str = "auto",
                 path_limit: int = DEFAULT_PATH_LIMIT) -> SolverOutput:
    """Seed 001 Alg. 3 step 6 / seed 002 Sec. IV-C: convert the DAG into source-to-sink paths
    (replicating shared layers), order the paths as independent jobs, and execute that order on
    the real DAG, each layer once, at its first appearance (:func:`offloadsched.paths.execute_path_order`).

    ``rule``: ``johnson`` orders by Johnson's rule on (p1, p2) (seed 001: remote negligible),
    ``eja`` by seed 002 Alg. 1 on (p1, p2, p3); ``auto`` picks ``johnson`` for the negligible
    remote model and ``eja`` otherwise.  Ties keep depth-first path order (successors by index).

    Johnson's rule needs only (p1, p2), so ``johnson`` works on the distinct local prefixes of
    the paths, once per class of identical jobs, and finds each layer's first appearance by
    listing them (up to ``path_limit``) or by dynamic programming (``offloadsched.heuristics._paths``): the
    same local order as the full path list, without enumerating 4^9 GoogLeNet paths.  Uploads and
    (serial) remote layers follow the evaluator's defaults (the order computes finish; earliest
    ready first).  ``eja`` lists every full path (:func:`offloadsched.paths.dag_paths`, refused
    above ``path_limit``).  O(P (L + log P)) for P listed paths of length at most L, or
    O(ends x arcs x L) per class by dynamic programming, plus O(n log n + e) for the local order.

    ``info``: ``paths`` (how many were ordered), ``path_items`` (``local prefixes`` or ``full
    paths``), ``path_model_makespan`` (the ordered paths as a flow shop, replicas counted; not
    with dynamic programming).

    Round trip ``w_rtt > 0``: Johnson's and EJA's keys are unchanged (all-local paths, which pay no
    round trip, already sort last; w_rtt is a constant after the last upload); the path model's
    makespan includes w_rtt for the offloading paths, and the layers no upload waits for are moved
    last (:func:`~offloadsched.heuristics._common.defer_local_tail`).
    """
    dag = require_dag(problem, "path-johnson")
    check_rule(rule, "path-johnson")
    if rule == "auto":
        rule = "johnson" if dag.remote_model == "negligible" else "eja"
    if rule == "johnson":
        order, info = johnson_path_order(dag, path_limit)
        return SolverOutput(Schedule({"local": defer_local_tail(dag, order)}),
                            info=dict(info, rule=rule, path_items="local prefixes"))
    paths = dag_paths(dag, path_limit)
    times = path_times(dag, paths)
    order = stage_order(times).tolist()
    info = {"paths": len(paths), "path_items": "full paths", "rule": rule,
            "path_model_makespan": int(flow_makespan(times, order, dag.w_rtt)) if len(paths) else 0}
    sched = execute_path_order(dag, paths, order)
    seqs = dict(sched.sequences, local=defer_local_tail(dag, sched["local"].tolist()))
    return SolverOutput(Schedule(seqs), info=info)
