"""``mip-path``: the positional MIP P2 of seed 002 (Wagner 1959 / Stafford 1988), any m >= 2.

Permutation flow shop (J2 and Fm of MODEL.md section 2), jobs j, positions k, machines i:

* ``y[j,k]`` binary: job ``j`` is at position ``k``;
* ``I[i,k] >= 0``: idle time of machine ``i`` between the jobs at positions ``k`` and ``k+1``
  (``I[1,k] = 0``: the first machine never idles);
* ``W[i,k] >= 0``: wait of the job at position ``k`` between machines ``i`` and ``i+1``
  (``W[i,1] = 0``: the first job never waits);
* ``I[i,k] + sum_j y[j,k+1] p_i(j) + W[i,k+1] = W[i,k] + sum_j y[j,k] p_{i+1}(j) + I[i+1,k]``
  for ``i < m``, ``k < n``: both sides are the time from the end of position ``k`` on machine
  ``i`` to the start of position ``k+1`` on machine ``i+1``;
* minimise ``sum_{i<m} sum_j y[j,1] p_i(j) + sum_k I[m,k] + sum_j p_m(j)``: the last machine's
  start, idle and (constant) busy time, i.e. the makespan.

Size: ``n^2`` binaries, ``2 (m-1)(n-1)`` continuous variables, ``2n + (m-1)(n-1)`` rows, about
``2 n^2 m`` nonzero coefficients.  A model whose estimated building time exceeds what is left of the time
limit (10^5 jobs: 10^10 binaries) is not built: the better of ``johnson`` and ``neh`` within half of the
time left is returned with the core's lower bound, ``info["note"]`` says so
(:func:`offloadsched.formulations._mip.too_big`).
Every feasible point is a (possibly delayed) schedule of its order, so the optimum is the best
permutation makespan.  With a round trip ``w_rtt > 0`` the MIP orders the offloading jobs and the
local-only jobs are appended (:mod:`offloadsched.flow_rtt`: optimum max(P1, C* + w_rtt)).
Warm start: the ``ig`` order (:mod:`offloadsched.formulations._flowshop`) with its semi-active idle
and wait times.  The core's lower bound (machine loads, one- and two-machine
bounds) is the floor of the reported bound and, with CBC, a row on the objective (HiGHS 1.12-1.14's
presolve mis-solves the model with that row).

References (docs/REFERENCES.md): [Seed002], [Wagner1959], [Stafford1988].
"""

from __future__ import annotations

import time

import numpy as np
import pulp

from offloadsched.bounds import lower_bound
from offloadsched.evaluate import evaluate, flow_makespan
from offloadsched.flow_rtt import reduce_round_trip
from offloadsched.problems import FmProblem
from offloadsched.registry import SolverOutput
from offloadsched.schedule import Schedule

from . import _mip
from ._flowshop import fallback_order, ig_ready, ig_warm_start, quick_order


@reduce_round_trip
def solve_mip_path(problem: FmProblem, *, time_limit: float | None = None, solver: str = "cbc", hint: bool = True,
                   log: bool = False, workers: int | None = None) -> SolverOutput:
    """Seed 002 MIP P2 (positional, idle/wait variables), m >= 2; n^2 binaries, O(mn) rows.

    Round trip ``w_rtt > 0``: the MIP orders the offloading jobs, the local-only jobs are appended,
    and objective and bound ``x`` become ``max(P1, x + w_rtt)`` (:mod:`offloadsched.flow_rtt`).
    """
    if hint is True:
        ig_ready()  # ig's one-time compilation, before the clock starts
    t0 = time.perf_counter()
    _mip.check_solver(solver)
    _mip.check_workers(workers)
    p = problem.times
    n = p.shape[0]
    if n == 0:
        return SolverOutput(Schedule.from_order([]), status="optimal", bound=0, objective=0)
    m = p.shape[1]
    lower = lower_bound(problem)
    reason = _mip.too_big(2 * n * n + (m - 1) * (n - 1) * (2 * n + 3), time_limit, t0)
    if reason:  # 10^5 jobs: 10^10 binaries; the schedule of a quick heuristic instead, within half the limit
        left = _mip.time_left(time_limit, t0)
        order = quick_order(problem, (_mip.DEFAULT_TIME_LIMIT if left is None else left) / 2)
        return _mip.output(_mip.unbuilt(solver, reason, lower), Schedule.from_order(order), flow_makespan(p, order),
                           source="heuristic", info={"binaries": n * n, "model_built": False, "note": reason,
                                                     "lower_bound": lower})
    prob, y, idle, wait = _model(p)
    if solver == "cbc":  # HiGHS 1.12-1.14's presolve returns a wrong "optimal" with this row (e.g. on
        prob += prob.objective >= lower, "lower_bound"  # [[2, 1, 0], [1, 3, 3]]: 9, the optimum is 7)
    start = _warm_order(problem, time_limit) if hint else None
    if start is not None:
        _set_start(problem, start, y, idle, wait)
    res = _mip.run(prob, solver=solver, time_limit=_mip.time_left(time_limit, t0), workers=workers, log=log,
                   warm_start=start is not None)
    order, source = (_decode(y, n), "solver") if res.has_solution else (start, "hint")
    if order is None and not res.infeasible:  # stopped with no incumbent and no warm start
        order, source = fallback_order(problem), "neh"
    if order is None:
        return _mip.output(res, None, None)
    ms = flow_makespan(p, order)
    out = _mip.output(res, Schedule.from_order(order), ms, source=source,
                      info={"binaries": n * n, "rows": prob.numConstraints(), "warm_start": start is not None,
                            "lower_bound": lower})
    out.bound = max(out.bound or 0, min(lower, ms))
    if out.bound >= ms:
        out.status = "optimal"
    return out


def _model(p: np.ndarray):
    n, m = p.shape
    pos = range(n)
    prob = pulp.LpProblem("mip_path", pulp.LpMinimize)
    y = [[prob.add_variable(f"y_{j}_{k}", cat=pulp.LpBinary) for k in pos] for j in range(n)]
    idle = {(i, k): prob.add_variable(f"I_{i}_{k}", lowBound=0) for i in range(1, m) for k in range(n - 1)}
    wait = {(i, k): prob.add_variable(f"W_{i}_{k}", lowBound=0) for i in range(m - 1) for k in range(1, n)}

    def at(k: int, i: int) -> pulp.LpAffineExpression:
        """Processing time on machine ``i`` of the job at position ``k``."""
        return pulp.LpAffineExpression([(y[j][k], int(p[j, i])) for j in range(n) if p[j, i]])

    head = pulp.LpAffineExpression([(y[j][0], int(p[j, :m - 1].sum())) for j in range(n)])
    prob += head + pulp.lpSum(idle[m - 1, k] for k in range(n - 1)) + int(p[:, m - 1].sum())
    for k in pos:
        prob += pulp.lpSum(y[j][k] for j in range(n)) == 1, f"position_{k}"
    for j in range(n):
        prob += pulp.lpSum(y[j]) == 1, f"job_{j}"
    for i in range(m - 1):
        for k in range(n - 1):
            lhs = at(k + 1, i) + wait[i, k + 1] + (idle[i, k] if i else 0)
            rhs = at(k, i + 1) + idle[i + 1, k] + (wait[i, k] if k else 0)
            prob += lhs == rhs, f"flow_{i}_{k}"
    return prob, y, idle, wait


def _warm_order(problem: FmProblem, time_limit: float | None) -> list[int] | None:
    """The ``ig`` order, or None while no ``ig`` heuristic is registered."""
    return ig_warm_start(problem, time_limit)


def _set_start(problem: FmProblem, order: list[int], y, idle, wait) -> None:
    """Initial values: ``order`` and its semi-active idle and wait times."""
    n, m = problem.times.shape
    timing = evaluate(problem, Schedule.from_order(order))
    start, end = timing.start.reshape(n, m), timing.end.reshape(n, m)
    for j in range(n):
        for k in range(n):
            y[j][k].setInitialValue(0)
    for k, j in enumerate(order):
        y[j][k].setInitialValue(1)
    for (i, k), var in idle.items():
        var.setInitialValue(int(start[order[k + 1], i] - end[order[k], i]))
    for (i, k), var in wait.items():
        var.setInitialValue(int(start[order[k], i + 1] - end[order[k], i]))


def _decode(y, n: int) -> list[int]:
    """The job order of a solution: at each position the job whose ``y`` is largest."""
    vals = np.array([[v.varValue or 0.0 for v in row] for row in y])
    order = vals.argmax(axis=0).tolist()
    if sorted(order) != list(range(n)):
        raise RuntimeError(f"mip-path: solution is not a permutation: {order}")
    return order
