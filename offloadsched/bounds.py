"""Lower bounds on the makespan: machine loads with heads and tails (MODEL.md section 3).

For every machine the bound is (smallest head before any of its operations) + (its total
load) + (smallest tail after any operation that can come last on it); the critical path
(the longest chain of precedences) is a bound too.  :func:`lower_bound` is the largest.
These are O(n m) for flow problems and O(nodes + arcs) for DAG problems.

The round trip ``w_rtt`` (MODEL.md section 1) follows every offloading job's last upload or
remote operation: in a DAG it is the tail of every upload and remote operation; a flow problem's
bounds are the larger of the bounds over all jobs without it and the bounds over the offloading
jobs plus ``w_rtt`` (the makespan is at least both: removing jobs delays no other job, with or
without release times).

Release times (MODEL.md "Release times"): no operation of job j starts before r_j, so r_j is part
of every head (an operation's earliest start: r_j plus the work that must precede it in its job).
The critical path and the longest job then give ``max_j (r_j + job j's least completion)``.  Every
machine's load bound is taken over release thresholds: for each release value t, the operations of
the jobs released at t or later all run on the machine after the least head among them, so
``min head + their work + least tail among them`` is a bound (:func:`release_load_bound`; with every
r_j = 0 it is the plain load bound).  The one-machine bound uses the heads with r_j (Jackson's
preemptive schedule), and the two-machine bound is taken over the same release thresholds.  Each
value is the makespan of a relaxation restricted to a subset of the operations, never more than the
optimum; the tests compare every bound with brute force on random instances with release times.

Flow problems (J2, Fm) have two stronger bounds as well:

* :func:`one_machine_bound` - every machine as the one-machine problem with heads and tails
  1|r_j, q_j, pmtn|Cmax, solved exactly by Jackson's preemptive schedule (the head of job j on
  machine k is its release time plus its time on machines 1..k-1, its tail its time on k+1..m);
  O(m n log n), a Python loop, so only up to :data:`JACKSON_MAX_JOBS` jobs.
* :func:`two_machine_bound` - every pair of machines k < l as the two-machine flow shop with time
  lags (the machines between them relaxed to delays), solved by Johnson's rule with lags, plus
  the smallest head before k and the smallest tail after l (B. J. Lageweg, J. K. Lenstra and
  A. H. G. Rinnooy Kan, "A general bounding scheme for the permutation flow-shop problem",
  Operations Research 26(1), 53-67, 1978); O(m^2 n log n), numpy per pair, and at most
  :data:`TWO_MACHINE_MAX_WORK` // n pairs (the most loaded ones) on large problems.  For m = 2
  without release times it is the optimum.  With release times, for each of at most
  :data:`TWO_MACHINE_MAX_RELEASES` release thresholds t, the jobs released at t or later.

References (docs/REFERENCES.md): [Johnson1954], [LagewegLenstraRinnooyKan1978].
"""

from __future__ import annotations

import heapq
import math
from typing import cast

import numpy as np

from .problems import DagProblem, FmProblem, JointProblem, Problem, problem_type
from .vocab import FLOW_TYPES

TWO_MACHINE = "two-machine (Johnson, lags)"  # the name of the two-machine bound in bound_parts
JACKSON_MAX_JOBS = 20_000  # above: the one-machine bound keeps the load bounds (see one_machine_bound)
TWO_MACHINE_MAX_WORK = 1_500_000  # jobs x machine pairs of the two-machine bound (see two_machine_bound);
# at least half bb-flowshop's CORE_BOUND_MAX_WORK (n m^2), so its root bound keeps every pair
TWO_MACHINE_MAX_RELEASES = 64  # release thresholds of the two-machine bound (see two_machine_bound)


def bound_parts(problem: Problem) -> dict[str, int]:
    """Each named lower bound of ``problem`` (integer µs)."""
    kind = problem_type(problem)
    if kind in FLOW_TYPES:
        return _flow_bounds(cast(FmProblem, problem))
    if kind == "dag":
        return _dag_bounds(cast(DagProblem, problem))
    if kind == "joint":
        return joint_bound_parts(cast(JointProblem, problem))
    return {}


def lower_bound(problem: Problem, *, permutation: bool = True) -> int:
    """The best of :func:`bound_parts` (0 for an empty problem; for a joint problem the bound over
    every choice of partitions, :func:`joint_lower_bound`).  With
    ``permutation=False`` (flow problems scheduled with a different order per machine) the
    two-machine bound, which holds for one job order on every machine, is left out."""
    parts = bound_parts(problem)
    if not permutation:
        parts.pop(TWO_MACHINE, None)
    return max(parts.values(), default=0)


def _flow_bounds(problem: FmProblem) -> dict[str, int]:
    release = problem.release
    out = _flow_bounds_of(problem.times, problem.machines, release)
    if problem.w_rtt:
        off = problem.offloading
        with_rtt = _flow_bounds_of(problem.times[off], problem.machines, release[off])
        out = {key: max(value, with_rtt.get(key, 0) + problem.w_rtt) for key, value in out.items()}
    return out


def _flow_bounds_of(p: np.ndarray, machines: tuple[str, ...], release: np.ndarray) -> dict[str, int]:
    if p.shape[0] == 0:
        return {}
    heads, tails = _heads_tails(p, release)
    out = {f"load {m}": release_load_bound(heads[:, i], p[:, i], tails[:, i], release)
           for i, m in enumerate(machines)}
    out["longest job"] = int((release + p.sum(axis=1)).max())
    out["one-machine (Jackson)"] = one_machine_bound(p, release)
    out[TWO_MACHINE] = two_machine_bound(p, release)
    return out


def _heads_tails(p: np.ndarray, release=None) -> tuple[np.ndarray, np.ndarray]:
    """``heads[j, k]``: job j's release time (default 0) plus its time on machines before k;
    ``tails[j, k]``: its time on machines after k."""
    c = np.cumsum(p, axis=1)
    heads = c - p
    if release is not None:
        heads = heads + np.asarray(release, dtype=np.int64)[:, None]
    return heads, c[:, -1:] - c


def _release_groups(release: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The items by decreasing ``release`` (stable) and the positions in that order where each
    threshold's set ends: the items ``order[:end + 1]`` are those released at ``release[order[end]]``
    or later.  O(n log n)."""
    order = np.argsort(-release, kind="stable")
    rs = release[order]
    ends = np.flatnonzero(np.r_[rs[1:] != rs[:-1], True])
    return order, ends


def release_load_bound(head, p, tail, release) -> int:
    """One machine's load bound over release thresholds: for every release value t, the items
    (operations on the machine) of the jobs released at t or later, ``release`` per item, give
    ``min head + sum p + min tail`` over them; the largest (0 without items).  Without release times
    (one threshold) it is the plain load bound ``min head + load + min tail``.  O(n log n)."""
    head, p, tail = (np.asarray(x, dtype=np.int64) for x in (head, p, tail))
    if p.size == 0:
        return 0
    release = np.asarray(release, dtype=np.int64)
    if not release.any():
        return int(head.min() + p.sum() + tail.min())
    order, ends = _release_groups(release)
    value = (np.minimum.accumulate(head[order]) + np.cumsum(p[order]) + np.minimum.accumulate(tail[order]))[ends]
    return int(value.max())


def _sorted_side_bound(side: np.ndarray, p: np.ndarray, rest: np.ndarray) -> int:
    """``max_b (b + work of the items with side >= b + min rest over them)``: the subset bound of one
    machine over thresholds of one side (heads or tails), O(n log n)."""
    o = np.argsort(-side, kind="stable")
    return int((np.cumsum(p[o]) + side[o] + np.minimum.accumulate(rest[o])).max())


def one_machine_bound(times, release=None) -> int:
    """The largest, over machines, of the preemptive one-machine bound with heads and tails
    (Jackson's preemptive schedule: at every release, run the available job of longest tail).
    ``times`` is an n x m array, ``release`` the jobs' release times (default 0, part of every head);
    0 without jobs.  Where every head is equal (the first machine without release times) the bound
    is ``head + max_b b + (load of the jobs with tail >= b)``, and where every tail is (the last
    machine) likewise, O(n log n) in numpy; on the other machines, above :data:`JACKSON_MAX_JOBS`
    jobs, only the load bound (smallest head + load + smallest tail) is taken, since the schedule is
    a Python loop (the load bounds over release thresholds are in :func:`bound_parts`)."""
    p = np.asarray(times, dtype=np.int64)
    if p.size == 0:
        return 0
    n, m = p.shape
    heads, tails = _heads_tails(p, release)
    best = 0
    for k in range(m):
        h, q, pk = heads[:, k], tails[:, k], p[:, k]
        if (h == h[0]).all():  # one sort over the tails
            best = max(best, _sorted_side_bound(q, pk, h))
        elif (q == q[0]).all():
            best = max(best, _sorted_side_bound(h, pk, q))
        elif n <= JACKSON_MAX_JOBS:
            best = max(best, _jackson_preemptive(h, pk, q))
        else:
            best = max(best, int(h.min() + pk.sum() + q.min()))
    return best


def _jackson_preemptive(r: np.ndarray, p: np.ndarray, q: np.ndarray) -> int:
    """Optimal value of 1|r_j, q_j, pmtn|max(C_j + q_j) (Jackson's preemptive rule), O(n log n)."""
    order = np.argsort(r, kind="stable")
    rel, left, tail = r[order].tolist(), p[order].tolist(), q[order].tolist()
    ready: list[tuple[int, int]] = []  # (-tail, job)
    t, i, n, best = 0, 0, len(rel), 0
    while i < n or ready:
        if not ready and t < rel[i]:
            t = rel[i]
        while i < n and rel[i] <= t:
            heapq.heappush(ready, (-tail[i], i))
            i += 1
        negq, j = ready[0]
        run = left[j] if i == n else min(left[j], rel[i] - t)
        t += run
        left[j] -= run
        if left[j] == 0:
            heapq.heappop(ready)
            best = max(best, t - negq)
    return int(best)


def two_machine_bound(times, release=None) -> int:
    """The largest, over machine pairs k < l, of (smallest head before k) + (Johnson's optimum of
    the two-machine flow shop with time lags: times p_jk, p_jl, lag = job j's time between k and
    l) + (smallest tail after l).  ``times`` is an n x m array; 0 without jobs or with m < 2.

    ``release``: the jobs' release times (default 0), part of every head.  Then, for each release
    threshold t, the same bound over the jobs released at t or later (their smallest head, their
    Johnson optimum, their smallest tail): the jobs of a schedule restricted to that subset run no
    earlier.  At most :data:`TWO_MACHINE_MAX_RELEASES` thresholds, evenly spread over the distinct
    release values (always the smallest, i.e. every job), and jobs x pairs x thresholds at most
    :data:`TWO_MACHINE_MAX_WORK` (fewer thresholds first, then fewer pairs).

    Every pair costs one O(n log n) sort, so at most :data:`TWO_MACHINE_MAX_WORK` // n pairs are
    taken (at least one): above that, the pairs whose more loaded machine has the largest load
    bound (smallest head + load + smallest tail; ties by pair index).  Every pair's value is a
    lower bound, so a subset is one too; below the ceiling (all pairs when n (m choose 2) <=
    :data:`TWO_MACHINE_MAX_WORK`, and always for m = 2) the result is the full bound."""
    p = np.asarray(times, dtype=np.int64)
    n, m = p.shape
    rel = np.zeros(n, dtype=np.int64) if release is None else np.asarray(release, dtype=np.int64)
    if n == 0 or m < 2:
        return int((rel + p.sum(axis=1)).max()) if n else 0
    heads, tails = _heads_tails(p, rel)
    min_head, min_tail = heads.min(axis=0), tails.min(axis=0)
    first, second = np.triu_indices(m, 1)
    cap = max(1, TWO_MACHINE_MAX_WORK // n)
    if first.size > cap:
        load = min_head + p.sum(axis=0) + min_tail
        keep = np.sort(np.argsort(-np.maximum(load[first], load[second]), kind="stable")[:cap])
        first, second = first[keep], second[keep]
    subsets: list[np.ndarray] = []  # the jobs released at each further threshold (every job: below)
    if rel.any():
        order, ends = _release_groups(rel)
        ends = ends[::-1]  # from the smallest threshold (every job) up
        k = max(1, min(TWO_MACHINE_MAX_RELEASES, TWO_MACHINE_MAX_WORK // (n * first.size)))
        picks = np.unique(np.linspace(0, ends.size - 1, min(k, ends.size)).round().astype(np.int64))
        subsets = [order[: ends[i] + 1] for i in picks.tolist() if i]
    best = 0
    for k1, k2 in zip(first.tolist(), second.tolist()):
        lag = heads[:, k2] - heads[:, k1] - p[:, k1]
        c2 = _johnson_lag_makespan(p[:, k1], p[:, k2], lag)
        best = max(best, int(min_head[k1]) + c2 + int(min_tail[k2]))
        for jobs in subsets:
            c2 = _johnson_lag_makespan(p[jobs, k1], p[jobs, k2], lag[jobs])
            best = max(best, int(heads[jobs, k1].min()) + c2 + int(tails[jobs, k2].min()))
    return best


def _johnson_lag_makespan(a: np.ndarray, b: np.ndarray, lag: np.ndarray) -> int:
    """Optimal makespan of the two-machine permutation flow shop with times ``a``, ``b`` and time
    lags ``lag`` (Johnson's rule on a + lag, b + lag [Johnson1954]): the jobs with a <= b by
    increasing a + lag, then the others by decreasing b + lag; the makespan is
    max over positions i of (a_1 + .. + a_i) + lag_i + (b_i + .. + b_n).  O(n log n).

    Ties are broken by whatever order the sort leaves: swapping two adjacent jobs i, j of the
    first group with a_i + lag_i = a_j + lag_j = c changes their two terms from
    c + b_j + max(a_i, b_i) to c + b_i + max(a_j, b_j), both c + b_i + b_j since a <= b there (the
    second group likewise), and leaves every other term unchanged; so the value does not depend
    on the tie order, and the faster unstable sort gives the same number as a stable one."""
    front = np.flatnonzero(a <= b)
    back = np.flatnonzero(a > b)
    order = np.concatenate([front[np.argsort(a[front] + lag[front])],
                            back[np.argsort(-(b[back] + lag[back]))]])
    sa, sb = a[order], b[order]
    return int((np.cumsum(sa) + lag[order] + np.cumsum(sb[::-1])[::-1]).max())


def johnson_orders(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Johnson's order of each row of the (rows x n) times ``a`` (first machine), ``b`` (second):
    jobs with a <= b by increasing a, then the others by decreasing b (ties by index)."""
    first = a <= b
    key = np.where(first, a, -b).astype(np.float64)
    big = float(max(int(np.abs(a).max(initial=0)), int(np.abs(b).max(initial=0))) + 1)
    return np.argsort(np.where(first, key - 2 * big, key), axis=1, kind="stable")


def _dag_bounds(problem: DagProblem) -> dict[str, int]:
    n = len(problem)
    if n == 0:
        return {}
    loc, cut = problem.local.tolist(), problem.cut
    f, u, r = problem.f.tolist(), problem.u.tolist(), problem.r.tolist()  # Python ints: fast in the loops
    preds, succs = problem.preds, problem.succs
    node_release = problem.release[problem.job]
    rel = node_release.tolist()
    # head[v]: earliest possible end of v's last operation before it can be used downstream (no
    # operation of a job starts before its release)
    hc = [0] * n  # end of local compute
    hr = [0] * n  # end of remote compute
    for v in range(n):
        if loc[v]:
            hc[v] = max([rel[v], *[hc[p] for p in preds[v]]]) + f[v]
        else:
            hr[v] = max([rel[v], *[hc[p] + u[p] if loc[p] else hr[p] for p in preds[v]]]) + r[v]
    # tail_r[v]: time that must follow the end of remote node v (its remote descendants, then the
    # round trip of its job, which offloads)
    w = problem.w_rtt
    tr = [0] * n
    for v in range(n - 1, -1, -1):
        if not loc[v]:
            tr[v] = max([r[s] + tr[s] for s in succs[v]], default=w)
    after = [0] * n  # time that must follow an upload's end
    for v in np.flatnonzero(cut).tolist():
        after[v] = max(r[s] + tr[s] for s in succs[v] if not loc[s])
    # tail_c[v]: time that must follow the end of local node v (its local successors, its upload)
    tc = [0] * n
    for v in range(n - 1, -1, -1):
        if loc[v]:
            tc[v] = max([u[v] + after[v] if cut[v] else 0, *[f[s] + tc[s] for s in succs[v] if loc[s]]])
    head_c, head_r = np.array(hc, dtype=np.int64), np.array(hr, dtype=np.int64)
    tail_r, after_upload = np.array(tr, dtype=np.int64), np.array(after, dtype=np.int64)
    u_arr, r_arr, f_arr = problem.u, problem.r, problem.f
    out: dict[str, int] = {}
    local_nodes = problem.local_nodes
    if local_nodes.size:
        out["load local"] = release_load_bound(head_c[local_nodes] - f_arr[local_nodes], f_arr[local_nodes],
                                               np.array(tc, dtype=np.int64)[local_nodes], node_release[local_nodes])
    cuts = problem.cut_nodes
    if cuts.size:
        out["load uplink"] = release_load_bound(head_c[cuts], u_arr[cuts], after_upload[cuts], node_release[cuts])
    remote = problem.remote_nodes
    if problem.remote_model == "serial" and remote.size:
        out["load remote"] = release_load_bound(head_r[remote] - r_arr[remote], r_arr[remote], tail_r[remote],
                                                node_release[remote])
    crit = 0
    if local_nodes.size:
        crit = int(head_c.max())
    if cuts.size:
        crit = max(crit, int((head_c[cuts] + u_arr[cuts] + after_upload[cuts]).max()))
    if remote.size and problem.remote_model != "negligible":
        crit = max(crit, int((head_r[remote] + tail_r[remote]).max()))
    out["critical path"] = crit
    return out


# -- joint problems: a bound over every choice of partitions -----------------------------------------

def _job_least_work(dnn, f: np.ndarray, u: np.ndarray, r: np.ndarray, w_rtt: int,
                    remote: bool) -> tuple[int, int, int, int]:
    """For one DNN job, over all its partitions: ``(least completion from its start, local-only
    device work, least device work of an offloading partition, least upload work of an offloading
    partition)``.  An offloading partition has a cut-point v: v and a longest chain of its ancestors
    are local (``H(v)``, the longest local path to v, all on the one device), v's output is uploaded
    (``u(v)``), a successor of v runs remotely (its ``r``, unless remote times are negligible), and
    the round trip follows; the local-only partition runs every layer on the device.  O(n + e)."""
    n = len(dnn)
    fl, ul, rl = f.tolist(), u.tolist(), r.tolist()
    H = [0] * n
    for v in range(n):
        H[v] = max((H[p] for p in dnn.preds[v]), default=0) + fl[v]
    local_only = int(sum(fl))
    cands = [v for v in range(n) if dnn.succs[v]]
    if not cands:
        return local_only, local_only, local_only, 0
    offload = min(H[v] + ul[v] + (min(rl[s] for s in dnn.succs[v]) if remote else 0) for v in cands) + w_rtt
    return (min(local_only, offload), local_only, min(H[v] for v in cands), min(ul[v] for v in cands))


def _balanced_load(local_only: np.ndarray, device: np.ndarray, upload: np.ndarray) -> int:
    """A lower bound on ``min over partitions of max(device load, uplink load)`` of jobs that start
    together: job j loads the device with ``local_only_j`` if it stays local, else the device with at
    least ``device_j`` and the uplink with at least ``upload_j``.

    The fractional relaxation (x_j in [0, 1] of job j offloads) is a fractional knapsack: its optimum
    offloads the jobs by device work saved per upload work until the two loads meet.  The value
    returned is that of its Lagrangian dual at the meeting job's multiplier, in exact integers:
    ``lambda * D + (1 - lambda) * U`` minimised over x is a lower bound for every lambda in [0, 1]
    (weak duality), so rounding in the (floating-point) sort can only weaken it, never make it
    exceed the optimum; with the right order it equals the relaxation's optimum.  Rounded up (the
    makespan is an integer).  O(n log n)."""
    saved = np.maximum(local_only - device, 0)
    keep = saved > 0
    s, b = saved[keep].tolist(), upload[keep].tolist()
    total = int(local_only.sum())
    ratio = np.array([sj / bj if bj else math.inf for sj, bj in zip(s, b)])
    D, U = total, 0
    lam = (1, 1)  # lambda = a / c: every useful job offloaded, D >= U
    for j in np.argsort(-ratio, kind="stable").tolist():
        if D - s[j] >= U + b[j]:
            D, U = D - s[j], U + b[j]
            continue
        lam = (b[j], s[j] + b[j])  # the loads meet inside job j
        break
    a, c = lam
    num = a * total + sum(min(0, (c - a) * bj - a * sj) for sj, bj in zip(s, b))
    return max(0, -(-num // c))


#: Steps of the weight grid of the Lagrangian resource bound (see :func:`joint_bound_parts`).
LAGRANGE_STEPS = 8
#: Largest DNN (layers) whose minimum cuts the Lagrangian resource bound computes (networkx max-flow, a
#: few ms for GoogLeNet's 200 layers); a joint problem with a larger DNN goes without that bound.
LAGRANGE_MAX_LAYERS = 5_000


def _weight_grid(resources: int) -> list[tuple[int, ...]]:
    """Integer weights (device, uplink[, server]) summing to :data:`LAGRANGE_STEPS`."""
    k = LAGRANGE_STEPS
    if resources == 2:
        return [(a, k - a) for a in range(k + 1)]
    return [(a, b, k - a - b) for a in range(k + 1) for b in range(k + 1 - a)]


def _weighted_partition_costs(dnn, f: np.ndarray, u: np.ndarray, r: np.ndarray,
                              grid: list[tuple[int, ...]]) -> np.ndarray:
    """For each weight vector ``(a, b[, c])`` of ``grid``: the least ``a * device work + b * upload
    work [+ c * remote work]`` over the partitions of ``dnn`` (predecessor-closed local sets holding
    the input), a minimum s-t cut as in DADS's graph: ``s -> v`` costs ``c r(v)`` (v remote),
    ``v -> t`` costs ``a f(v)`` (v local), ``v -> v'`` costs ``b u(v)`` with ``v' -> w`` infinite
    for every successor w (v's output uploaded once), ``w -> v`` infinite (closure), ``s -> input``
    infinite.  O(grid x max-flow)."""
    import networkx as nx

    fl, ul, rl = f.tolist(), u.tolist(), r.tolist()
    out = []
    for weights in grid:
        a, b = weights[0], weights[1]
        c = weights[2] if len(weights) > 2 else 0
        g = nx.DiGraph()
        for v in range(len(dnn)):
            if v != dnn.input:
                g.add_edge("s", v, capacity=c * rl[v])
            else:
                g.add_edge("s", v)  # no capacity: infinite, the input is local
            g.add_edge(v, "t", capacity=a * fl[v])
            if dnn.succs[v]:
                g.add_edge(v, ("out", v), capacity=b * ul[v])
                for w in dnn.succs[v]:
                    g.add_edge(("out", v), w)
                    g.add_edge(w, v)
        out.append(int(nx.minimum_cut_value(g, "s", "t")))
    return np.array(out, dtype=np.int64)


def joint_bound_parts(problem: JointProblem) -> dict[str, int]:
    """Named lower bounds of a joint problem, valid for every choice of partitions (integer µs).

    * ``least completion``: ``max_j (r_j + job j's least completion)``, over its partitions alone on
      the platform (:func:`_job_least_work`).
    * ``device and uplink``: for each release threshold t (at most :data:`TWO_MACHINE_MAX_RELEASES`,
      evenly spread; the smallest always), the jobs released at t or later run after t on the device
      and the uplink, so ``t + `` the balanced load of their best fractional choice of partitions
      (:func:`_balanced_load`).
    * ``resources (Lagrangian)``: for the same thresholds, the jobs' work on the device, the uplink
      and (serial remote) the server all comes after t, so for weights ``w >= 0`` summing to 1 the
      makespan is at least ``t + sum_j min over job j's partitions of (w . its work)`` (a weighted
      mean of the loads is at most the largest); each minimum is a minimum cut
      (:func:`_weighted_partition_costs`), taken on a grid of weights (:data:`LAGRANGE_STEPS`); left
      out when a DNN has more than :data:`LAGRANGE_MAX_LAYERS` layers.

    O(sum of layers and edges of the distinct DNNs x the grid's max-flows + thresholds x n log n)."""
    if not problem.jobs:
        return {}
    cache: dict[int, tuple[int, int, int, int]] = {}
    rows = []
    for dnn, (f, u, r) in zip(problem.jobs, problem.times):
        if id(dnn) not in cache:
            remote = problem.remote_model != "negligible"
            cache[id(dnn)] = _job_least_work(dnn, f, u, r, problem.platform.rtt_us, remote)
        rows.append(cache[id(dnn)])
    least, local_only, device, upload = (np.array(col, dtype=np.int64) for col in zip(*rows))
    weighted = None  # jobs x grid
    if max(len(dnn) for dnn in problem.jobs) <= LAGRANGE_MAX_LAYERS:
        grid = _weight_grid(3 if problem.remote_model == "serial" else 2)
        costs: dict[int, np.ndarray] = {}
        for dnn, (f, u, r) in zip(problem.jobs, problem.times):
            if id(dnn) not in costs:
                costs[id(dnn)] = _weighted_partition_costs(dnn, f, u, r, grid)
        weighted = np.array([costs[id(dnn)] for dnn in problem.jobs], dtype=np.int64)
    release = problem.release
    out = {"least completion": int((release + least).max())}
    order, ends = _release_groups(release)
    ends = ends[::-1]
    picks = np.unique(np.linspace(0, ends.size - 1, min(TWO_MACHINE_MAX_RELEASES, ends.size)).round().astype(np.int64))
    balanced = lagrange = 0
    for i in picks.tolist():
        jobs = order[: ends[i] + 1]
        start = int(release[jobs].min())
        balanced = max(balanced, start + _balanced_load(local_only[jobs], device[jobs], upload[jobs]))
        if weighted is not None:
            lagrange = max(lagrange, start - int(-weighted[jobs].sum(axis=0).max() // LAGRANGE_STEPS))
    out["device and uplink"] = balanced
    if weighted is not None:
        out["resources (Lagrangian)"] = lagrange
    return out


def joint_lower_bound(problem: JointProblem) -> int:
    """A lower bound on the makespan of a joint problem over every choice of partitions and every
    schedule, release times included: the largest of :func:`joint_bound_parts` (integer µs)."""
    return max(joint_bound_parts(problem).values(), default=0)
