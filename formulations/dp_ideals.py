"""Exact dynamic program for problem D with negligible remote times (MODEL.md section 2, problem D;
the two-stage setting of seed 001 Alg. 4-5), over the predecessor-closed sets of local layers.

Why it is exact.

1. With ``negligible`` remote, the operations are the local computes (one machine) and the
   uploads of cut-points (one machine); an upload waits only for its own layer's compute.
   For a fixed local order, the uplink is a single machine with release dates (the compute
   ends), and serving releases in non-decreasing order (the order computes finish) minimises
   its last end (1|r_j|Cmax).  So an optimal schedule is given by one local order (a linear
   extension of the local layers), uploads following it.
2. The local machine never idles: a local layer's predecessors are local and earlier in the
   order.  After the layers of a predecessor-closed set ``S`` the compute clock is exactly
   ``F(S) = sum of f over S`` whatever their order.
3. State = ``S``; value ``U(S)`` = the earliest time the uplink is free after uploading the
   cut-points of ``S`` (in compute order).  Appending a layer ``v`` (all its predecessors in
   ``S``) gives ``U(S + v) = max(U(S), F(S) + f(v)) + u(v)`` if ``v`` is a cut-point, else
   ``U(S)``.  This is non-decreasing in ``U(S)``, and the future (layers not in ``S``) sees
   ``S`` only through ``F(S)`` (fixed) and ``U(S)``: a smaller ``U(S)`` dominates, so keeping
   the minimum per set is enough.  Makespan = ``max(F(all), U(all))``.
4. Round trip ``w_rtt`` (MODEL.md section 1): an offloading job completes ``w_rtt`` after its
   last upload (remote negligible), so the makespan of an order is ``max(F(all), U(all) +
   w_rtt)`` (``w_rtt`` is 0 when nothing offloads), non-decreasing in ``U(all)``.  Step 3 keeps
   the least ``U`` of every set, so ``U(all)`` is the least last-upload end over all orders (not
   only the least ``max(F, U)``: ties in ``max(F, U)`` between orders with different ``U`` are
   resolved by ``U`` itself), and the order reaching it is optimal for every ``w_rtt``.

Complexity: O(I * w) transitions for I predecessor-closed sets (ideals) of the local graph and
at most w available layers per set (w = the width); I <= (n / w + 1)^w, polynomial for bounded
width (chains: n + 1 sets; independent jobs multiply their counts).  Refuses with a
:class:`SizeLimitError` once more than ``max_states`` sets are reached.  Memory about 100-150
bytes per set.

Release times (MODEL.md "Release times") are refused (``applies=no_release``): step 2 fails (the
device idles until a job's release, so the compute clock after ``S`` depends on the order), and the
state would need that clock as well.

References (docs/REFERENCES.md): [Seed001].
"""

from __future__ import annotations

import time

from offloadsched.bounds import lower_bound
from offloadsched.errors import SizeLimitError, ValidationError
from offloadsched.problems import DagProblem
from offloadsched.registry import SolverOutput
from offloadsched.schedule import Schedule

DEFAULT_MAX_STATES = 2_000_000


def solve_dp_ideals(problem: DagProblem, *, time_limit: float | None = None,
                    max_states: int = DEFAULT_MAX_STATES) -> SolverOutput:
    """Dynamic program over the ideals of the local layers (problem D, negligible remote only).

    Returns the optimal local order; uploads follow the compute order (the evaluator's default,
    given explicitly).  ``time_limit`` is checked every few thousand transitions (slack well under
    0.1 s): when it passes, the node-index order (a linear extension) is returned with status
    ``feasible`` and the core's lower bound."""
    if problem.remote_model != "negligible":
        raise ValidationError(f"dp-ideals solves problem D with negligible remote times, not "
                              f"{problem.remote_model!r}")
    if isinstance(max_states, bool) or not isinstance(max_states, int) or max_states < 1:
        raise ValidationError(f"max_states must be an integer >= 1, got {max_states!r}")
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    cut = set(problem.cut_nodes.tolist())
    try:
        order, makespan, states = dp_order(problem, max_states, deadline)
    except TimeoutError:
        order = problem.local_nodes.tolist()
        return SolverOutput(Schedule({"local": order, "uplink": [v for v in order if v in cut]}), status="feasible",
                            bound=lower_bound(problem), info={"note": "time limit reached: node-index order"})
    uplink = [v for v in order if v in cut]
    return SolverOutput(Schedule({"local": order, "uplink": uplink}), status="optimal", bound=makespan,
                        objective=makespan, info={"states": states})


def dp_order(problem: DagProblem, max_states: int = DEFAULT_MAX_STATES,
             deadline: float | None = None) -> tuple[list[int], int, int]:
    """(optimal local order, its makespan, number of sets visited); :class:`TimeoutError` once
    :func:`time.perf_counter` passes ``deadline``."""
    nodes = problem.local_nodes.tolist()
    k = len(nodes)
    pos = {v: i for i, v in enumerate(nodes)}
    f = [int(problem.f[v]) for v in nodes]
    u = [int(problem.u[v]) if problem.cut[v] else -1 for v in nodes]  # -1: not a cut-point
    need = [sum(1 << pos[p] for p in problem.preds[v]) for v in nodes]
    succ = [[pos[s] for s in problem.succs[v] if s in pos] for v in nodes]
    comps = _components(k, need)
    total = 1
    for comp in comps if len(comps) > 1 else ():  # independent parts multiply their counts: refuse early
        total *= _count_ideals(comp, need, max_states, deadline)
        if total > max_states:
            raise _too_many(k, max_states)
    sources = sum(1 << i for i in range(k) if need[i] == 0)
    # layer of sets of equal size: mask -> (U, F, available mask); history: mask -> last layer added
    layer: dict[int, tuple[int, int, int]] = {0: (0, 0, sources)}
    history: list[dict[int, int]] = []
    states = 1
    for _ in range(k):
        nxt: dict[int, tuple[int, int, int]] = {}
        last: dict[int, int] = {}
        for count, (mask, (up, done, avail)) in enumerate(layer.items()):
            if deadline is not None and not count & 1023 and time.perf_counter() > deadline:
                raise TimeoutError
            a = avail
            while a:
                bit = a & -a
                a ^= bit
                i = bit.bit_length() - 1
                end = done + f[i]
                new_up = up if u[i] < 0 else max(up, end) + u[i]
                new = mask | bit
                old = nxt.get(new)
                if old is not None and old[0] <= new_up:
                    continue
                if old is None:
                    states += 1
                    if states > max_states:
                        raise _too_many(k, max_states)
                    new_avail = avail ^ bit
                    for s in succ[i]:
                        if need[s] & new == need[s]:
                            new_avail |= 1 << s
                else:
                    new_avail = old[2]
                nxt[new] = (new_up, end, new_avail)
                last[new] = i
        history.append(last)
        layer = nxt
    (up, done, _), = layer.values() if k else [(0, 0, 0)]
    order = []
    mask = (1 << k) - 1
    for last in reversed(history):
        i = last[mask]
        order.append(nodes[i])
        mask ^= 1 << i
    order.reverse()
    return order, max(up + int(problem.w_rtt), done), states


def _components(k: int, need: list[int]) -> list[list[int]]:
    """Weakly connected components of the local graph (layer positions)."""
    parent = list(range(k))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(k):
        m = need[i]
        while m:
            bit = m & -m
            m ^= bit
            parent[find(bit.bit_length() - 1)] = find(i)
    comps: dict[int, list[int]] = {}
    for i in range(k):
        comps.setdefault(find(i), []).append(i)
    return list(comps.values())


def _too_many(k: int, max_states: int) -> SizeLimitError:
    return SizeLimitError(f"dp-ideals: the {k} local layers have more than max_states={max_states} "
                          "predecessor-closed sets")


def _count_ideals(comp: list[int], need: list[int], cap: int, deadline: float | None = None) -> int:
    """Number of predecessor-closed subsets of one component (stops counting above ``cap``)."""
    layer = {0}
    count = 1
    for _ in comp:
        nxt = set()
        for count, mask in enumerate(layer):
            if deadline is not None and not count & 1023 and time.perf_counter() > deadline:
                raise TimeoutError
            for i in comp:
                bit = 1 << i
                if not mask & bit and need[i] & mask == need[i]:
                    nxt.add(mask | bit)
        count += len(nxt)
        if count > cap:
            return count
        layer = nxt
    return count
