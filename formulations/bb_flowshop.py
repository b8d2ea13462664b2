"""Branch-and-bound for the permutation flow shop Fm|prmu|Cmax (MODEL.md J2 and Fm).

Bidirectional branching in the style of M. Ladhari and M. Haouari, "A computational study of the
permutation flow shop problem based on a tight lower bound", Computers & Operations Research
32(7), 1831-1847, 2005, and J. Gmys, M. Mezmaz, N. Melab and D. Tuyttens, "A computationally
efficient Branch-and-Bound algorithm for the permutation flow-shop scheduling problem", European
Journal of Operational Research 284(3), 814-833, 2020:

* a node fixes a prefix (jobs at the front) and a suffix (jobs at the back); ``c1[k]`` is the
  prefix's completion on machine k, ``c2[k]`` the suffix's length from its start on machine k to
  the end (the reversed problem's completion), so a complete sequence has makespan
  ``max_k c1[k] + c2[k]``;
* every node is branched either forward (each unscheduled job appended to the prefix) or backward
  (prepended to the suffix): the direction with fewer children that survive the one-machine bound
  LB1, ties to the larger sum of their bounds (Gmys et al.'s MinBranch);
* LB1 (one machine, heads and tails): ``max_k head_k + sum of the unscheduled times on k +
  tail_k``; O(m) per child after O(n m) per node;
* LB2 (two machines, B. J. Lageweg, J. K. Lenstra and A. H. G. Rinnooy Kan, Operations Research
  26(1), 1978): for every machine pair k < l, Johnson's rule with time lags over the unscheduled
  jobs, in the order precomputed once per pair, started at the machines' release times and
  followed by the tails; O(m^2 n) per child, computed for the children LB1 keeps;
* depth first, children in increasing bound order; prune when the bound reaches the incumbent.

With a round trip ``w_rtt > 0`` the search runs over the offloading jobs and the local-only jobs
are appended (:mod:`offloadsched.flow_rtt`: optimum max(P1, C* + w_rtt)).

The upper bound starts from ``ig`` (through :func:`offloadsched.solve`, ``hint=True``).  Worst
case O(n! m^2 n); the stack holds at most n (n + 1) / 2 nodes.  The search is compiled with numba
and runs in chunks so that ``time_limit`` and ``node_limit`` stop it: status ``feasible`` with the
smallest bound of the open nodes.

References (docs/REFERENCES.md): [Johnson1954], [LagewegLenstraRinnooyKan1978], [LadhariHaouari2005], [Gmys2020].
"""

from __future__ import annotations

import math
import time

import numpy as np
from numba import njit

from offloadsched.bounds import johnson_orders, lower_bound
from offloadsched.errors import ValidationError
from offloadsched.evaluate import flow_makespan
from offloadsched.flow_rtt import reduce_round_trip
from offloadsched.problems import FmProblem
from offloadsched.registry import SolverOutput
from offloadsched.schedule import Schedule

from ._flowshop import ig_warm_start

CHUNK_SECONDS = 0.1  # the compiled search returns to Python this often to check the limits


def _pair_data(p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Machine pairs k < l (P x 2), Johnson's order with lags per pair (P x n), lags (P x n)."""
    m = p.shape[1]
    k1, k2 = np.triu_indices(m, 1)
    c = np.cumsum(p, axis=1)
    lag = (c[:, k2] - p[:, k2] - c[:, k1]).T.astype(np.int64)
    order = johnson_orders(p[:, k1].T + lag, p[:, k2].T + lag)
    return np.stack([k1, k2], axis=1).astype(np.int64), order.astype(np.int64), lag


@njit(cache=True)
def _lb2(p, pairs, jorder, lag, inu, c1, c2, minh, minq, best, rank):
    """Two-machine bound of a node (unscheduled jobs ``inu``); stops early once it reaches ``best``.
    Pairs are tried in the order ``rank``; a pair that prunes moves one place forward."""
    n = p.shape[0]
    lb = 0
    for r in range(pairs.shape[0]):
        t = rank[r]
        k1, k2 = pairs[t, 0], pairs[t, 1]
        t1 = max(c1[k1], minh[k1])
        t2 = max(c1[k2], minh[k2])
        for i in range(n):
            j = jorder[t, i]
            if inu[j]:
                t1 += p[j, k1]
                t2 = max(t2, t1 + lag[t, j]) + p[j, k2]
        v = max(t1 + max(c2[k1], minq[k1]), t2 + max(c2[k2], minq[k2]))
        if v > lb:
            lb = v
            if lb >= best:
                if r > 0:
                    rank[r], rank[r - 1] = rank[r - 1], rank[r]
                return lb
    return lb


@njit(cache=True)
def _search(p, pairs, jorder, lag, rank, s_perm, s_l1, s_l2, s_c1, s_c2, s_lb, sp, ub, best_perm, max_nodes):
    """Depth-first search from the stack (``sp`` nodes); returns (sp, ub, nodes expanded)."""
    n, m = p.shape
    inu = np.zeros(n, dtype=np.bool_)
    total = np.zeros(m, dtype=np.int64)
    minh = np.zeros(m, dtype=np.int64)
    minq = np.zeros(m, dtype=np.int64)
    lbf = np.zeros(n, dtype=np.int64)
    lbb = np.zeros(n, dtype=np.int64)
    fw = np.zeros((n, m), dtype=np.int64)   # forward children's c1
    bw = np.zeros((n, m), dtype=np.int64)   # backward children's c2
    kids = np.zeros(n, dtype=np.int64)
    kid_lb = np.zeros(n, dtype=np.int64)
    big = np.int64(1) << 62
    nodes = 0
    while sp > 0 and nodes < max_nodes:
        sp -= 1
        if s_lb[sp] >= ub:
            continue
        nodes += 1
        perm = s_perm[sp].copy()
        l1, l2 = s_l1[sp], s_l2[sp]
        c1 = s_c1[sp].copy()
        c2 = s_c2[sp].copy()
        r = l2 - l1
        # node data: unscheduled set, loads, smallest heads and tails
        inu[:] = False
        total[:] = 0
        minh[:] = big
        minq[:] = big
        for i in range(l1, l2):
            j = perm[i]
            inu[j] = True
            t = 0
            for k in range(m):
                total[k] += p[j, k]
                t = max(t, c1[k])
                if t < minh[k]:
                    minh[k] = t
                t += p[j, k]
            t = c2[m - 1]
            for k in range(m - 1, -1, -1):
                if k < m - 1:
                    t = max(c2[k], p[j, k + 1] + t)
                if t < minq[k]:
                    minq[k] = t
        if r == 1:  # a leaf
            j = perm[l1]
            t = 0
            ms = 0
            for k in range(m):
                t = max(t, c1[k]) + p[j, k]
                ms = max(ms, t + c2[k])
            if ms < ub:
                ub = ms
                best_perm[:] = perm
            continue
        # LB1 of every child in both directions
        nf = 0
        nb = 0
        sf = 0
        sb = 0
        for i in range(l1, l2):
            j = perm[i]
            t = 0
            lb = 0
            for k in range(m):
                t = max(t, c1[k]) + p[j, k]
                fw[i - l1, k] = t
                lb = max(lb, t + total[k] - p[j, k] + minq[k])
            lbf[i - l1] = lb
            sf += lb
            if lb < ub:
                nf += 1
            t = 0
            lb = 0
            for k in range(m - 1, -1, -1):
                t = max(t, c2[k]) + p[j, k]
                bw[i - l1, k] = t
                lb = max(lb, minh[k] + total[k] - p[j, k] + t)
            lbb[i - l1] = lb
            sb += lb
            if lb < ub:
                nb += 1
        forward = nf < nb or (nf == nb and sf >= sb)
        # the surviving children, with LB2
        nk = 0
        for i in range(r):
            lb = lbf[i] if forward else lbb[i]
            if lb >= ub:
                continue
            j = perm[l1 + i]
            inu[j] = False
            if forward:
                lb = max(lb, _lb2(p, pairs, jorder, lag, inu, fw[i], c2, minh, minq, ub, rank))
            else:
                lb = max(lb, _lb2(p, pairs, jorder, lag, inu, c1, bw[i], minh, minq, ub, rank))
            inu[j] = True
            if lb >= ub:
                continue
            # insertion into kids by decreasing bound (the smallest is pushed last, expanded first)
            pos = nk
            while pos > 0 and kid_lb[pos - 1] < lb:
                kids[pos] = kids[pos - 1]
                kid_lb[pos] = kid_lb[pos - 1]
                pos -= 1
            kids[pos] = i
            kid_lb[pos] = lb
            nk += 1
        for c in range(nk):
            i = kids[c]
            child = s_perm[sp]
            child[:] = perm
            if forward:
                child[l1 + i], child[l1] = perm[l1], perm[l1 + i]
                s_l1[sp], s_l2[sp] = l1 + 1, l2
                s_c1[sp, :] = fw[i]
                s_c2[sp, :] = c2
            else:
                child[l1 + i], child[l2 - 1] = perm[l2 - 1], perm[l1 + i]
                s_l1[sp], s_l2[sp] = l1, l2 - 1
                s_c1[sp, :] = c1
                s_c2[sp, :] = bw[i]
            s_lb[sp] = kid_lb[c]
            sp += 1
    return sp, ub, nodes


@reduce_round_trip
def solve_bb_flowshop(problem: FmProblem, *, time_limit: float | None = None, node_limit: int | None = None,
                      hint: bool = True, seed: int | None = None, log: bool = False) -> SolverOutput:
    """Bidirectional branch-and-bound with the one- and two-machine bounds (exact for any m >= 2).

    ``time_limit`` (seconds, the warm start included) and ``node_limit`` (expanded nodes) stop the
    search with status ``feasible`` and the smallest bound of the open nodes; without either it
    runs to the proof.  ``hint``: start from ``ig``'s order (``seed`` is ig's), else from the
    index order.  ``log``: a progress line about every second.  ``info``: nodes, open nodes, the
    warm start's makespan, the root bound.

    Round trip ``w_rtt > 0``: the search runs over the offloading jobs, the local-only jobs are
    appended, and objective and bound ``x`` become ``max(P1, x + w_rtt)`` (:mod:`offloadsched.flow_rtt`)."""
    t0 = time.perf_counter()
    if time_limit is not None and (isinstance(time_limit, bool) or not isinstance(time_limit, (int, float))
                                   or not time_limit > 0):
        raise ValidationError(f"time_limit must be a positive number of seconds, got {time_limit!r}")
    if node_limit is not None and (isinstance(node_limit, bool) or not isinstance(node_limit, int) or node_limit < 1):
        raise ValidationError(f"node_limit must be an integer >= 1, got {node_limit!r}")
    for name, val in (("hint", hint), ("log", log)):
        if not isinstance(val, bool):
            raise ValidationError(f"{name} must be True or False, got {val!r}")
    p = np.ascontiguousarray(problem.times, dtype=np.int64)
    n, m = p.shape
    root = lower_bound(problem)
    warm = ig_warm_start(problem, time_limit, seed) if hint and n > 1 else None
    order = warm if warm is not None else list(range(n))
    ub = flow_makespan(p, order)
    info: dict = {"warm_start": "ig" if warm is not None else "index order", "warm_makespan": int(ub),
                  "root_bound": int(root)}
    lines = [f"bb-flowshop n={n} m={m}: warm start {info['warm_start']} {ub}, root bound {root}"]
    nodes = 0
    sp = 0
    best = np.asarray(order, dtype=np.int64)
    if n > 1 and root < ub:
        pairs, jorder, lag = _pair_data(p)
        rank = np.arange(len(pairs), dtype=np.int64)
        cap = n * (n + 1) // 2 + 2
        s_perm = np.zeros((cap, n), dtype=np.int64)
        s_perm[0] = best
        s_l1, s_l2 = np.zeros(cap, dtype=np.int64), np.full(cap, n, dtype=np.int64)
        s_c1, s_c2 = np.zeros((cap, m), dtype=np.int64), np.zeros((cap, m), dtype=np.int64)
        s_lb = np.zeros(cap, dtype=np.int64)
        s_lb[0] = root
        sp, chunk, logged = 1, 1024, t0
        while sp > 0:
            if time_limit is not None and time.perf_counter() - t0 >= time_limit:
                break
            if node_limit is not None and nodes >= node_limit:
                break
            k = chunk if node_limit is None else min(chunk, node_limit - nodes)
            t1 = time.perf_counter()
            sp, ub, done = _search(p, pairs, jorder, lag, rank, s_perm, s_l1, s_l2, s_c1, s_c2, s_lb, sp, ub, best, k)
            nodes += done
            if time.perf_counter() - t1 < CHUNK_SECONDS / 2:
                chunk *= 2
            if log and time.perf_counter() - logged >= 1.0:
                logged = time.perf_counter()
                lines.append(f"{time.perf_counter() - t0:9.2f} s  nodes {nodes:>12,}  open {sp:>6}  incumbent {ub}")
        open_lb = int(s_lb[:sp].min()) if sp else math.inf
    else:
        open_lb = math.inf
    bound = int(min(ub, max(root, open_lb)))
    status = "optimal" if bound >= ub else "feasible"
    info.update(nodes=int(nodes), open_nodes=int(sp))
    lines.append(f"{status}: makespan {ub}, bound {bound}, {nodes:,} nodes, {time.perf_counter() - t0:.2f} s")
    return SolverOutput(Schedule.from_order(best.tolist()), status=status, bound=bound, objective=int(ub),
                        info=info, log="\n".join(lines) if log else None)
