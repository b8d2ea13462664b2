"""Heterogeneous partitioning and scheduling, HPS (seed 001 Sec. 6).

References (docs/REFERENCES.md): [Seed001], [Johnson1954]."""

from __future__ import annotations

from offloadsched.problems import DagProblem, JointProblem
from offloadsched.registry import SolverOutput

from ._clock import Clock, TimeLimitReached
from ._common import check_joint, joint_output
from .jps import check_size, path_partitions
from .topo_johnson import topo_johnson
from .tree_merge import tree_merge, two_parent_node


def layer_schedule(dag: DagProblem) -> SolverOutput:
    """Seed 001 Sec. 6.3-6.4: Alg. 5 (tree merge) when the local graph is a forest of out-trees,
    Alg. 4 (topological Johnson) otherwise; ``info["scheduler"]`` says which."""
    if two_parent_node(dag) is None:
        out, name = tree_merge(dag), "tree-merge"
    else:
        out, name = topo_johnson(dag), "topo-johnson"
    out.info["scheduler"] = name
    return out


def hps(problem: JointProblem, *, time_limit: float | None = None) -> SolverOutput:
    """Seed 001 Sec. 6 (HPS) for heterogeneous jobs: the jobs' graphs are merged under a dummy
    source and sink (both zero-time, so the merged graph's source-to-sink paths are the jobs'
    paths and its partition is the jobs' partitions), every path is cut by Alg. 2 (Sec. 6.2, as
    in JPS: :func:`offloadsched.heuristics.jps.path_partitions`, with the ratio across identical jobs), and
    the local layers are scheduled layer by layer with :func:`layer_schedule`.

    O(k (l + e)) per DNN of l layers, e edges and k candidate cuts for the partition (no path
    is listed: :func:`~offloadsched.heuristics.jps.path_cuts`), then O(n log^2 n) (tree merge) or
    O(n log n + e) (Alg. 4) for the n local layers.  Refuses DNNs or jobs above
    :data:`~offloadsched.heuristics.jps.MAX_DNN_LAYERS` / ``MAX_TOTAL_LAYERS`` layers.
    ``time_limit``: checked before each DNN's partition and before the schedule; when it runs
    out, the jobs not yet partitioned stay local and the layers run FIFO (``info["stopped"]``).

    Round trip ``w_rtt``: the cuts are Alg. 2's (see :func:`~offloadsched.heuristics.jps.jps`: w_rtt is not
    part of the f / g balance); Alg. 4 and 5 move the layers that no upload waits for last when
    ``w_rtt > 0``; the evaluator scores the result with w_rtt.

    Release times: the cuts are Alg. 2's (amounts of work, no clock); Alg. 4 and 5 keep their order
    waiting for releases or take its non-delay dispatch, whichever is shorter (``info["release"]``).
    """
    jp = check_joint(problem, "hps")
    check_size(jp, "hps")
    clock = Clock(time_limit)
    parts, info = path_partitions(jp, clock)
    try:
        clock.check()
    except TimeLimitReached:
        info.setdefault("stopped", "time limit: FIFO schedule of the partitions")
        return joint_output(jp, parts, None, **info)
    return joint_output(jp, parts, layer_schedule, **info)
