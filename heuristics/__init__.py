"""Heuristics of the source papers, registered in the offloadsched solve registry.

Scheduling with a fixed partition: ``johnson`` (J2, seed 001 Alg. 1), ``eja`` (F3, seed 002
Alg. 1), ``neh`` (Fm, seed 002 Alg. 2), ``ig`` (Fm, Ruiz and Stützle 2007), ``path-johnson``
(paths of a DAG), ``topo-johnson`` (seed 001 Alg. 4), ``tree-merge`` (seed 001 Alg. 5), ``dsl``
(seed 002's no-pipelining baseline).
Joint partitioning and scheduling: ``lo``, ``co``, ``neurosurgeon``, ``po`` (DADS), ``jps``
(seed 001 Alg. 2-3), ``hps`` (seed 001 Sec. 6).  :func:`chain_conditions` checks seed 001
Theorems 2-3 and Corollary 1.  Fused-layer partial offloading (seed 003): ``mw``, ``mw-fixed``,
``nfl`` (:mod:`offloadsched.heuristics.fused_layers`).

Round trip ``w_rtt`` (MODEL.md section 1): every schedule is scored by the evaluator with it; how
each heuristic takes it into account is in its docstring (flow shops: the local-only jobs last,
:mod:`offloadsched.flow_rtt`; DAG shops: the layers no upload waits for last; po / neurosurgeon:
an offloading job's latency includes it).

Release times (MODEL.md "Release times"): no heuristic ignores them.  NEH and IG compute their
insertion makespans with them (heads on machine 1; NEH then also tries the non-delay dispatch of
its sequence); the order-based heuristics (Johnson, EJA,
path-johnson, topo-johnson, tree-merge, and the schedules of jps / hps) keep their order with the
evaluator waiting for releases, or its non-delay dispatch when that is shorter
(:mod:`offloadsched.heuristics._release`); the baselines run jobs first in, first out (release
order); the partitions (DADS, Neurosurgeon, Alg. 2's cuts) are per-job choices that a release time
only shifts.  Each docstring says how.

References (docs/REFERENCES.md): [Seed001], [Seed002], [Seed003], [RuizStutzle2007], [Hu2019].
"""

from offloadsched.registry import machines, one_dnn_job, register
from offloadsched.vocab import FLOW_TYPES, PROBLEM_TYPES

from .conditions import ChainConditions, chain_conditions

# -- every heuristic, registered by import path (docs/CONTRIBUTING.md, "Writing a method"): importing
#    this package imports none of them (nor numba) ---------------------------------------------------
register("co", "offloadsched.heuristics.co:co", problems=("joint",), summary="cloud-only: upload every raw input")
register("dsl", "offloadsched.heuristics.dsl:dsl", problems=PROBLEM_TYPES,
         summary="seed 002 DSL: DADS partition, no pipelining (jobs first in, first out)")
register("eja", "offloadsched.heuristics.eja:eja", problems=("fm",), applies=machines(3),
         summary="extended Johnson for 3-machine Fm (seed 002 Alg. 1)")
register("mw", "offloadsched.heuristics.fused_layers:mw", problems=("joint",), applies=one_dnn_job,
         options=("tau", "max_k"), summary="seed 003 Alg. 1 Minimizing Waiting over tau and k x k FL tilings (one DNN)")
register("mw-fixed", "offloadsched.heuristics.fused_layers:mw_fixed", problems=("joint",), applies=one_dnn_job,
         options=("tau", "tiles"), summary="seed 003 Minimizing Waiting for one FL tiling (the paper's MW (2x2))")
register("nfl", "offloadsched.heuristics.fused_layers:nfl", problems=("joint",), applies=one_dnn_job,
         summary="seed 003 No-FL baseline: best single-cut partial offloading")
register("hps", "offloadsched.heuristics.hps:hps", problems=("joint",),
         summary="seed 001 HPS: Alg. 2 cut per path, then tree-merge (forest) or topo-johnson")
register("ig", "offloadsched.heuristics.ig:ig", problems=FLOW_TYPES,
         options=("seed", "iterations", "destruction", "temperature"),
         summary="iterated greedy with NEH insertion and local search (Ruiz and Stützle 2007)")
register("johnson", "offloadsched.heuristics.johnson:johnson", problems=FLOW_TYPES, applies=machines(2),
         summary="Johnson's rule for J2 / two-machine Fm (seed 001 Alg. 1)")
register("joint-bound", "offloadsched.heuristics.joint_bound:joint_bound", problems=("joint",), kind="exact",
         summary="the core's joint lower bound (any partitions, release times): a bound (status 'bound')")
register("jps", "offloadsched.heuristics.jps:jps", problems=("joint",), options=("rule",),
         summary="seed 001 JPS: Alg. 2 cut per path (ratio of two cut types), then path-level Johnson")
register("lo", "offloadsched.heuristics.lo:lo", problems=("joint",), summary="local-only: every layer on the device")
register("neh", "offloadsched.heuristics.neh:neh", problems=FLOW_TYPES, options=("return_trace",),
         summary="NEH insertion with Taillard's acceleration (seed 002 Alg. 2)")
register("neurosurgeon", "offloadsched.heuristics.neurosurgeon:neurosurgeon", problems=("joint",),
         summary="each job cut at its own latency-optimal prefix (Neurosurgeon), FIFO")
register("path-johnson", "offloadsched.heuristics.path_johnson:path_johnson", problems=("dag",), options=("rule",),
         summary="order the DAG's source-to-sink paths by Johnson / EJA, run replicas once")
register("po", "offloadsched.heuristics.po:po", problems=("joint",),
         summary="partition-only: DADS min-cut per job, FIFO (seed 001 PO)")
register("topo-johnson", "offloadsched.heuristics.topo_johnson:topo_johnson", problems=("dag",),
         summary="seed 001 Alg. 4: prepend Johnson-sorted local sinks")
register("tree-merge", "offloadsched.heuristics.tree_merge:tree_merge", problems=("dag",), options=("return_trace",),
         applies="offloadsched.heuristics.tree_merge:not_out_forest",
         summary="seed 001 Alg. 5: recursive Johnson merge of subtree lists (out-trees)")

__all__ = ["ChainConditions", "chain_conditions"]
