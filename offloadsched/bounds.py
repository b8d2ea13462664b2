"""Lower bounds on the makespan: machine loads with heads and tails (MODEL.md section 3).

For every machine the bound is (smallest head before any of its operations) + (its total
load) + (smallest tail after any operation that can come last on it); the critical path
(the longest chain of precedences) is a bound too.  :func:`lower_bound` is the largest.
All bounds are O(n m) for flow problems and O(nodes + arcs) for DAG problems.
"""

from __future__ import annotations

import numpy as np

from .problems import DagProblem, FmProblem, problem_type


def bound_parts(problem) -> dict[str, int]:
    """Each named lower bound of ``problem`` (integer µs)."""
    kind = problem_type(problem)
    if kind in ("j2", "fm"):
        return _flow_bounds(problem)
    if kind == "dag":
        return _dag_bounds(problem)
    return {}


def lower_bound(problem) -> int:
    """The best of :func:`bound_parts` (0 for an empty problem or a joint problem)."""
    return max(bound_parts(problem).values(), default=0)


def _flow_bounds(problem: FmProblem) -> dict[str, int]:
    p = problem.times
    if p.shape[0] == 0:
        return {}
    heads = np.cumsum(p, axis=1) - p
    tails = p.sum(axis=1, keepdims=True) - np.cumsum(p, axis=1)
    out = {f"load {m}": int(heads[:, i].min() + p[:, i].sum() + tails[:, i].min())
           for i, m in enumerate(problem.machines)}
    out["longest job"] = int(p.sum(axis=1).max())
    return out


def _dag_bounds(problem: DagProblem) -> dict[str, int]:
    n = len(problem)
    if n == 0:
        return {}
    loc, cut, f, u, r = problem.local, problem.cut, problem.f, problem.u, problem.r
    preds, succs = problem.preds, problem.succs
    # head[v]: earliest possible end of v's last operation before it can be used downstream
    head_c = np.zeros(n, dtype=np.int64)  # end of local compute
    head_r = np.zeros(n, dtype=np.int64)  # end of remote compute
    for v in range(n):
        if loc[v]:
            head_c[v] = max((head_c[p] for p in preds[v]), default=0) + f[v]
        else:
            head_r[v] = max((head_c[p] + u[p] if loc[p] else head_r[p] for p in preds[v]), default=0) + r[v]
    # tail_r[v]: time that must follow the end of remote node v (its remote descendants)
    tail_r = np.zeros(n, dtype=np.int64)
    for v in range(n - 1, -1, -1):
        if not loc[v]:
            tail_r[v] = max((r[s] + tail_r[s] for s in succs[v]), default=0)
    after_upload = np.zeros(n, dtype=np.int64)  # time that must follow an upload's end
    for v in np.flatnonzero(cut):
        after_upload[v] = max(r[s] + tail_r[s] for s in succs[v] if not loc[s])
    out: dict[str, int] = {}
    local_nodes = problem.local_nodes
    if local_nodes.size:
        # the last local operation has no local successor
        last = [v for v in local_nodes if all(not loc[s] for s in succs[v])]
        tail = min(int(u[v] + after_upload[v]) if cut[v] else 0 for v in last)
        out["load local"] = int(f[local_nodes].sum()) + tail
    cuts = problem.cut_nodes
    if cuts.size:
        out["load uplink"] = int(head_c[cuts].min() + u[cuts].sum() + after_upload[cuts].min())
    remote = problem.remote_nodes
    if problem.remote_model == "serial" and remote.size:
        head_before = head_r[remote] - r[remote]
        out["load remote"] = int(head_before.min() + r[remote].sum() + tail_r[remote].min())
    crit = 0
    if local_nodes.size:
        crit = int(head_c.max())
    if cuts.size:
        crit = max(crit, int((head_c[cuts] + u[cuts]).max()))
    if remote.size and problem.remote_model != "negligible":
        crit = max(crit, int(head_r[remote].max()))
    out["critical path"] = crit
    return out
