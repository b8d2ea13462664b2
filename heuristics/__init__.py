"""Heuristics of the source papers, registered in the offloadsched solve registry.

Scheduling with a fixed partition: ``johnson`` (J2, seed 001 Alg. 1), ``eja`` (F3, seed 002
Alg. 1), ``neh`` (Fm, seed 002 Alg. 2), ``ig`` (Fm, Ruiz and Stützle 2007), ``path-johnson``
(paths of a DAG), ``topo-johnson`` (seed 001 Alg. 4), ``tree-merge`` (seed 001 Alg. 5), ``dsl``
(seed 002's no-pipelining baseline).
Joint partitioning and scheduling: ``lo``, ``co``, ``neurosurgeon``, ``po`` (DADS), ``jps``
(seed 001 Alg. 2-3), ``hps`` (seed 001 Sec. 6).  :func:`chain_conditions` checks seed 001
Theorems 2-3 and Corollary 1.  Fused-layer partial offloading (seed 003): ``mw``, ``mw-fixed``,
``nfl`` (:mod:`offloadsched.heuristics.fused_layers`).

References (docs/REFERENCES.md): [Seed001], [Seed002], [Seed003], [RuizStutzle2007], [Hu2019].
"""

from . import (
    co,
    dsl,
    eja,
    fused_layers,
    hps,
    ig,
    johnson,
    jps,
    lo,
    neh,
    neurosurgeon,
    path_johnson,
    po,
    topo_johnson,
    tree_merge,
)
from .conditions import ChainConditions, chain_conditions

__all__ = ["ChainConditions", "chain_conditions", "co", "dsl", "eja", "fused_layers", "hps", "ig", "johnson", "jps",
           "lo", "neh", "neurosurgeon", "path_johnson", "po", "topo_johnson", "tree_merge"]
