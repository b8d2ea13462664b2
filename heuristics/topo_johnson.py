"""Layer-level scheduling of a DAG by repeated Johnson sorts of its sinks (seed 001 Alg. 4).

References (docs/REFERENCES.md): [Seed001], [Johnson1954]."""

from __future__ import annotations

from offloadsched.problems import DagProblem
from offloadsched.registry import SolverOutput
from offloadsched.schedule import Schedule

from ._common import defer_local_tail, johnson_key, local_children, require_dag, upload_weights
from ._release import release_aware_schedule


def topo_johnson_order(problem: DagProblem) -> list[int]:
    """The local order of seed 001 Alg. 4 (see :func:`topo_johnson`)."""
    dag = require_dag(problem, "topo-johnson")
    f, g = dag.f.tolist(), upload_weights(dag).tolist()
    children = local_children(dag)
    remaining = [len(c) for c in children]
    level = [v for v in dag.local_nodes.tolist() if not remaining[v]]
    levels: list[list[int]] = []
    while level:
        levels.append(sorted(level, key=lambda v: (johnson_key(f[v], g[v]), v)))
        nxt = []
        for v in level:
            for p in dag.preds[v]:
                remaining[p] -= 1
                if not remaining[p]:
                    nxt.append(p)
        level = nxt
    return [v for lv in reversed(levels) for v in lv]


def topo_johnson(problem: DagProblem, *, time_limit: float | None = None) -> SolverOutput:
    """Seed 001 Alg. 4 (layer-level heterogeneous scheduling): repeatedly take the local layers
    with no unscheduled local successor, sort them by Johnson's rule on ``(f, g)`` (``g`` = upload
    time of a cut-point, 0 otherwise), prepend them to the schedule and remove them.

    Ties (equal Johnson keys within one round) go by node index.  Every layer of a round has all
    its local successors in earlier rounds, which are placed after it, so the result is a linear
    extension of the local layers.  Uploads follow the evaluator's default (the order cut-points
    finish computing); remote times are ignored.  O((n + e) + n log n).

    Round trip ``w_rtt > 0``: the rounds interleave the layers of local-only jobs with the others,
    so the layers no upload waits for are then moved last (:func:`~offloadsched.heuristics._common.defer_local_tail`).

    Release times: the Johnson keys are per layer, without a clock; the order is kept with the
    evaluator waiting for each job's release, or replaced by its non-delay dispatch (the released
    layer first in the order whenever the device is free) when that is shorter
    (:func:`~offloadsched.heuristics._release.release_aware_schedule`, ``info["release"]``).
    """
    order = topo_johnson_order(problem)
    sched, info = release_aware_schedule(problem, Schedule({"local": defer_local_tail(problem, order)}))
    return SolverOutput(sched, info=info)
