"""``mip-joint-chain``: joint partitioning and scheduling of n identical chain DNN jobs (a MIP).

Joint problem (seed 001 P1, MODEL.md section 2) with negligible remote times: cutting a job
after layer ``l`` makes it the J2 job ``a = F(l)``, ``b = g(l)`` (see
:mod:`offloadsched.formulations.relaxation`), and the jobs then form a J2 problem.  Model over positions
``k`` and the Pareto cuts ``c`` (``F`` strictly increasing, ``g`` strictly decreasing in ``c``):

* ``z[k,c]`` binary, ``sum_c z[k,c] = 1``: position ``k`` is cut at ``c``; ``a_k = sum_c F_c
  z[k,c]``, ``b_k = sum_c g_c z[k,c]``;
* prefix ``A_k = A_{k-1} + a_k`` and suffix ``B_k = B_{k+1} + b_k`` sums, ``T >= A_u + B_u +
  w (1 - z[u,last])`` for every split position ``u`` (``w`` = ``w_rtt``, ``last`` the local-only
  cut, the only one with ``b = 0`` when ``w > 0``): ``T`` is exactly the makespan of the position
  order, ``max_u (sum_{k<=u} a_k + sum_{k>=u} b_k)`` plus ``w`` at the offloading positions;
  minimise ``T``;
* symmetry: the cut index is non-decreasing along the positions (``sum_{c'<=c} z[k+1,c'] <=
  sum_{c'<=c} z[k,c']``).

**Exactness.**  Restricting to Pareto cuts loses nothing (a permutation flow shop's makespan is
non-decreasing in every processing time).  Among Pareto cuts, Johnson's rule puts the jobs with
``a < b`` first by increasing ``a``, then the others by decreasing ``b``; as ``F - g`` is
increasing in ``c``, the first group is a prefix of the cuts, and increasing ``a`` and
decreasing ``b`` both mean increasing ``c``.  So for every multiset of cuts the non-decreasing
order is a Johnson order, which is optimal (Johnson 1954): the model's optimum is the joint
optimum, min over cut multisets of the Johnson makespan.

**Round trip** ``w = w_rtt`` (MODEL.md section 1; every upload takes >= 1 µs when ``w > 0``).
An offloading job completes ``w`` after its upload, so the makespan of an order is ``max(sum a,
C_up + w)`` (``sum a`` when no job offloads), ``C_up`` the end of the last upload.  The local-only
jobs (the last cut, ``b = 0``) come last in the non-decreasing order, so ``C_up`` is the J2
makespan of the offloading jobs in Johnson order, the least possible (Johnson's rule minimises
it for those jobs, and a local-only job placed earlier could only delay the later uploads);
``sum a`` does not depend on the order.  The splits at offloading positions give ``C_up`` (a
local-only position's split is at most ``sum a``), hence the rows above.  Pareto dominance still
holds: lowering a job's ``a`` or ``b`` (to 0 included, which also drops its ``w``) never
lengthens the schedule.

Size: ``n C`` binaries (``C`` Pareto cuts), ``2n + 1`` continuous, ``4n + (n-1)(C-1)`` rows.
Warm start: the best uniform partition (all jobs cut at one layer).  Limits: a joint problem whose
answer (problem D of every layer) cannot be built and checked within the time limit is refused
(:func:`offloadsched.problems.check_answer_fits`; 10^5 AlexNet jobs); a model whose estimated
building time exceeds what is left of the limit is not built, and the best uniform partition is
returned with status feasible, no bound and ``info["note"]`` saying so
(:func:`offloadsched.formulations._mip.too_big`).

Release times (MODEL.md "Release times") are refused (``applies=no_release``): the exactness argument
orders the jobs by Johnson's rule from time 0, which a release time invalidates.

References (docs/REFERENCES.md): [Seed001], [Johnson1954].
"""

from __future__ import annotations

import time

import pulp

from offloadsched.problems import ANSWER_SECONDS_PER_LAYER, JointProblem, check_answer_fits
from offloadsched.registry import SolverOutput

from . import _mip
from .relaxation import ChainJobs, chain_jobs


def solve_mip_joint_chain(problem: JointProblem, *, time_limit: float | None = None, solver: str = "cbc",
                          hint: bool = True, log: bool = False, workers: int | None = None) -> SolverOutput:
    """Joint partition + J2 schedule of n identical chain jobs: MIP over positions x cuts, n C binaries."""
    t0 = time.perf_counter()
    _mip.check_solver(solver)
    _mip.check_workers(workers)
    limit = _mip.DEFAULT_TIME_LIMIT if time_limit is None else time_limit
    check_answer_fits(problem, limit, "mip-joint-chain")
    time_limit = max(0.1, limit - problem.size * ANSWER_SECONDS_PER_LAYER)  # the rest is for the answer
    chains = chain_jobs(problem, "mip-joint-chain")
    cuts = chains.pareto
    uniform = [chains.best_uniform(cuts)] * chains.n
    c = len(cuts)
    reason = _mip.too_big(chains.n * (4 * c + 8 + 2 * (c - 1) * c), time_limit, t0)
    if reason:  # the best uniform partition, with no bound
        schedule, dag, parts = chains.solution(uniform)
        return _mip.output(_mip.unbuilt(solver, reason, None), schedule, chains.makespan(uniform),
                           source="uniform", problem=dag, partitions=parts,
                           info={"pareto_cuts": cuts.tolist(), "binaries": chains.n * c, "model_built": False,
                                 "note": reason, "cuts": uniform})
    prob, z, aux = _model(chains)
    start = uniform if hint else None
    if start is not None:
        _set_start(chains, start, z, aux)
    res = _mip.run(prob, solver=solver, time_limit=_mip.time_left(time_limit, t0), workers=workers, log=log,
                   warm_start=start is not None)
    chosen, source = ([_decode(row, cuts) for row in z], "solver") if res.has_solution else (start, "hint")
    info = {"pareto_cuts": cuts.tolist(), "binaries": len(z) * len(cuts), "rows": prob.numConstraints()}
    if chosen is None and not res.infeasible:  # stopped with no incumbent and no warm start
        chosen, source = uniform, "uniform"
    if chosen is None:
        return _mip.output(res, None, None, info=info)
    schedule, dag, parts = chains.solution(chosen)
    info["cuts"] = chosen
    return _mip.output(res, schedule, chains.makespan(chosen), source=source, info=info, problem=dag,
                       partitions=parts)


def _model(chains: ChainJobs):
    n, cuts = chains.n, chains.pareto
    a, b = chains.F[cuts].tolist(), chains.g[cuts].tolist()
    w = chains.rtt
    local_only = [i for i, x in enumerate(b) if not x]  # w > 0: only the last layer's cut
    prob = pulp.LpProblem("mip_joint_chain", pulp.LpMinimize)
    z = [[prob.add_variable(f"z_{k}_{c}", cat=pulp.LpBinary) for c in range(len(cuts))] for k in range(n)]
    pre = [prob.add_variable(f"A_{k}", lowBound=0) for k in range(n)]
    suf = [prob.add_variable(f"B_{k}", lowBound=0) for k in range(n)]
    t = prob.add_variable("T", lowBound=0)
    prob += t
    for k in range(n):
        prob += pulp.lpSum(z[k]) == 1, f"one_cut_{k}"
        a_k = pulp.LpAffineExpression([(v, x) for v, x in zip(z[k], a) if x])
        b_k = pulp.LpAffineExpression([(v, x) for v, x in zip(z[k], b) if x])
        prob += pre[k] == a_k + (pre[k - 1] if k else 0), f"prefix_{k}"
        prob += suf[k] == b_k + (suf[k + 1] if k < n - 1 else 0), f"suffix_{k}"
        rtt = w - pulp.lpSum(w * z[k][i] for i in local_only) if w else 0  # w unless position k is local-only
        prob += t >= pre[k] + suf[k] + rtt, f"split_{k}"
        if k:
            for c in range(len(cuts) - 1):
                prob += pulp.lpSum(z[k][: c + 1]) <= pulp.lpSum(z[k - 1][: c + 1]), f"order_{k}_{c}"
    return prob, z, (pre, suf, t)


def _decode(row, cuts) -> int:
    """The cut of one position: the one whose ``z`` is largest."""
    return int(cuts[max(range(len(cuts)), key=lambda c: row[c].varValue or 0.0)])


def _set_start(chains: ChainJobs, start: list[int], z, aux) -> None:
    """Initial values of the cuts ``start`` (in position order) and their sums."""
    pre, suf, t = aux
    index = {int(c): i for i, c in enumerate(chains.pareto)}
    a = [int(chains.F[c]) for c in start]
    b = [int(chains.g[c]) for c in start]
    for k, c in enumerate(start):
        for i, var in enumerate(z[k]):
            var.setInitialValue(int(i == index[c]))
        pre[k].setInitialValue(sum(a[: k + 1]))
        suf[k].setInitialValue(sum(b[k:]))
    t.setInitialValue(chains.makespan(start))
