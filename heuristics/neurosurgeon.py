"""Neurosurgeon-style single cut per job (Kang et al., ASPLOS 2017), ignoring the other jobs.

References (docs/REFERENCES.md): [Kang2017]."""

from __future__ import annotations

import numpy as np

from offloadsched.dnn import DNN
from offloadsched.partition import Partition
from offloadsched.problems import JointProblem
from offloadsched.registry import SolverOutput

from ._common import check_joint, joint_output


def prefix_cut_costs(dnn: DNN, f: np.ndarray, u: np.ndarray, r: np.ndarray, w_rtt: int = 0) -> np.ndarray:
    """Latency of running layers ``0..k`` locally (a prefix of the stored topological order) for
    every ``k``: local compute + upload of every cut-point + remote compute, one after another,
    + the round trip ``w_rtt`` for every ``k`` but the last (every shorter prefix offloads).

    O(n + e): a layer ``v`` is a cut-point of the prefixes ``k = v .. max succ(v) - 1``.
    """
    n = len(dnn)
    diff = np.zeros(n + 1, dtype=np.int64)
    for v, ss in enumerate(dnn.succs):
        if ss:
            diff[v] += u[v]
            diff[max(ss)] -= u[v]
    uploads = np.cumsum(diff[:n])
    remote_after = int(r.sum()) - np.cumsum(r)
    costs = np.cumsum(f) + uploads + remote_after
    costs[:-1] += w_rtt
    return costs


def neurosurgeon(problem: JointProblem, *, time_limit: float | None = None) -> SolverOutput:
    """Neurosurgeon (Kang et al. 2017): each job independently takes the single cut minimising
    its own latency ``f(1..l) + u(l) + remote(l+1..) + w_rtt`` (``w_rtt`` only when it offloads,
    MODEL.md section 1; for a DAG: over the predecessor-closed
    prefixes of its stored topological order, uploading every cut-point); the earliest such cut
    on ties.  The jobs then run first in, first out (release order, ties by index).  Release times
    do not enter the cut: a job's own latency is the same whenever it is released.  O(n + e) per
    distinct DNN.
    """
    jp = check_joint(problem, "neurosurgeon")
    cache: dict[int, Partition] = {}
    parts = []
    for dnn, (f, u, r) in zip(jp.jobs, jp.times):
        if id(dnn) not in cache:
            k = int(np.argmin(prefix_cut_costs(dnn, f, u, r, jp.platform.rtt_us)))
            mask = np.zeros(len(dnn), dtype=bool)
            mask[: k + 1] = True
            cache[id(dnn)] = Partition(dnn, mask)
        parts.append(cache[id(dnn)])
    return joint_output(jp, parts)
