"""Partition-only baseline PO: DADS minimum-cut partition per job (Hu et al., INFOCOM 2019), FIFO.

References (docs/REFERENCES.md): [Seed001], [Hu2019]."""

from __future__ import annotations

import networkx as nx
import numpy as np

from offloadsched.dnn import DNN
from offloadsched.partition import Partition
from offloadsched.problems import JointProblem
from offloadsched.registry import SolverOutput

from ._common import check_joint, joint_output


def dads_partition(dnn: DNN, f: np.ndarray, u: np.ndarray, r: np.ndarray, w_rtt: int = 0) -> Partition:
    """The partition minimising local compute + uploads + remote compute of one job (DADS's
    latency model, stages one after another), plus the round trip ``w_rtt`` when the job
    offloads, by a minimum s-t cut.

    Graph: ``s -> v`` costs ``r(v)`` (cut when v is remote), ``v -> t`` costs ``f(v)`` (v local),
    ``v -> v'`` costs ``u(v)`` and ``v' -> w`` is infinite for every successor ``w`` (v's output is
    uploaded once however many remote successors it has), ``w -> v`` is infinite (no local layer
    after a remote one: the local side is predecessor-closed), ``s -> input`` is infinite.  The
    source side of networkx's minimum cut (the smallest one) is the local set.  The round trip
    is the same for every offloading partition, so the cut is also the best offloading one (if
    it offloads; if it is local-only, every other partition costs as much or more plus ``w_rtt``):
    it is kept unless local-only (``sum f``) is strictly cheaper than its cost plus ``w_rtt``.
    O(max-flow).
    """
    g = nx.DiGraph()
    for v in range(len(dnn)):
        g.add_edge("s", v, capacity=int(r[v]))
        g.add_edge(v, "t", capacity=int(f[v]))
        if dnn.succs[v]:
            g.add_edge(v, ("out", v), capacity=int(u[v]))
            for w in dnn.succs[v]:
                g.add_edge(("out", v), w)  # no capacity attribute: infinite
                g.add_edge(w, v)
    del g["s"][dnn.input]["capacity"]
    cost, (side_s, _) = nx.minimum_cut(g, "s", "t")
    mask = np.zeros(len(dnn), dtype=bool)
    mask[[v for v in side_s if isinstance(v, int)]] = True
    if not mask.all() and int(f.sum()) < cost + w_rtt:
        return Partition.local_only(dnn)
    return Partition(dnn, mask)


def dads_partitions(jp: JointProblem) -> list[Partition]:
    """:func:`dads_partition` of every job (computed once per distinct DNN)."""
    cache: dict[int, Partition] = {}
    for dnn, (f, u, r) in zip(jp.jobs, jp.times):
        if id(dnn) not in cache:
            cache[id(dnn)] = dads_partition(dnn, f, u, r, jp.platform.rtt_us)
    return [cache[id(d)] for d in jp.jobs]


def po(problem: JointProblem, *, time_limit: float | None = None) -> SolverOutput:
    """Seed 001's partition-only baseline PO: every job independently takes the DADS minimum-cut
    partition (:func:`dads_partition`, Hu et al. 2019; an offloading job's latency includes the
    round trip ``w_rtt``), and the jobs run first in, first out (release order, ties by index).
    Release times do not enter the partition: DADS minimises one job's own latency, which its release
    only shifts."""
    jp = check_joint(problem, "po")
    return joint_output(jp, dads_partitions(jp))
