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
and wait times.

Release times ``r_j`` (MODEL.md "Release times"; Stafford's positional model with the first machine's
idle time freed).  The first machine may now idle: ``I[1,k] >= 0`` joins the flow rows, the first job
starts on it at ``S >= 0`` (it never waits later on: the other machines are free for it), and the start
``B[k] = S + sum_{k'<k} (sum_j y[j,k'] p_1(j) + I[1,k'])`` of position ``k`` on the first machine is at
least ``sum_j y[j,k] r_j``, the release of the job there (a job's later operations follow its first).
The objective becomes a variable ``Z``: ``Z >= E[k] + w_rtt sum_j y[j,k] o_j`` with ``E[k]`` the end of
position ``k`` on the last machine (``E[0] = S + sum_{i<m} p_i(first job) + p_m(first job)``, then
``E[k] = E[k-1] + I[m,k-1] + sum_j y[j,k] p_m(j)``) and ``o_j`` = job ``j`` offloads (a positive time
after the first machine; ``w_rtt`` is modelled directly because the round-trip reduction needs a first
machine that never idles, :func:`~offloadsched.flow_rtt.reduce_round_trip`), and
``Z >= B[n-1] + sum_j y[j,n-1] p_1(j)``, the first machine's end.  Every feasible point is still a
(possibly delayed) schedule of its order that respects the release times, and an order's semi-active
schedule is a feasible point, so the optimum is the best permutation makespan with release.  Extra
size: ``3n`` continuous variables, ``3n`` rows.  The core's lower bound (machine loads, one- and two-machine
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

    Round trip ``w_rtt > 0`` without release times: the MIP orders the offloading jobs, the local-only
    jobs are appended, and objective and bound ``x`` become ``max(P1, x + w_rtt)``
    (:mod:`offloadsched.flow_rtt`).  Release times: the first machine's idle time, the release rows
    and the round trip are in the model (module docstring).
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
        return _mip.output(_mip.unbuilt(solver, reason, lower), Schedule.from_order(order), _makespan(problem, order),
                           source="heuristic", info={"binaries": n * n, "model_built": False, "note": reason,
                                                     "lower_bound": lower})
    prob, y, idle, wait, extra = _model(problem)
    if solver == "cbc":  # HiGHS 1.12-1.14's presolve returns a wrong "optimal" with this row (e.g. on
        prob += prob.objective >= lower, "lower_bound"  # [[2, 1, 0], [1, 3, 3]]: 9, the optimum is 7)
    start = _warm_order(problem, time_limit) if hint else None
    if start is not None:
        _set_start(problem, start, y, idle, wait, extra)
    res = _mip.run(prob, solver=solver, time_limit=_mip.time_left(time_limit, t0), workers=workers, log=log,
                   warm_start=start is not None)
    order, source = (_decode(y, n), "solver") if res.has_solution else (start, "hint")
    if order is None and not res.infeasible:  # stopped with no incumbent and no warm start
        order, source = fallback_order(problem), "neh"
    if order is None:
        return _mip.output(res, None, None)
    ms = _makespan(problem, order)
    out = _mip.output(res, Schedule.from_order(order), ms, source=source,
                      info={"binaries": n * n, "rows": prob.numConstraints(), "warm_start": start is not None,
                            "lower_bound": lower})
    out.bound = max(out.bound or 0, min(lower, ms))
    if out.bound >= ms:
        out.status = "optimal"
    return out


def _makespan(problem: FmProblem, order: list[int]) -> int:
    return flow_makespan(problem.times, order, problem.w_rtt, problem.release)


def _model(problem: FmProblem):
    """The MIP; ``extra`` holds the release-time variables (``S``, ``B``, ``E``, ``Z``), empty without."""
    p = problem.times
    n, m = p.shape
    pos = range(n)
    released = problem.has_release
    prob = pulp.LpProblem("mip_path", pulp.LpMinimize)
    y = [[prob.add_variable(f"y_{j}_{k}", cat=pulp.LpBinary) for k in pos] for j in range(n)]
    idle = {(i, k): prob.add_variable(f"I_{i}_{k}", lowBound=0)
            for i in range(0 if released else 1, m) for k in range(n - 1)}
    wait = {(i, k): prob.add_variable(f"W_{i}_{k}", lowBound=0) for i in range(m - 1) for k in range(1, n)}

    def at(k: int, i: int) -> pulp.LpAffineExpression:
        """Processing time on machine ``i`` of the job at position ``k``."""
        return pulp.LpAffineExpression([(y[j][k], int(p[j, i])) for j in range(n) if p[j, i]])

    head = pulp.LpAffineExpression([(y[j][0], int(p[j, :m - 1].sum())) for j in range(n)])
    extra: dict[str, object] = {}
    if not released:
        prob += head + pulp.lpSum(idle[m - 1, k] for k in range(n - 1)) + int(p[:, m - 1].sum())
    else:
        extra = _release_rows(prob, problem, y, idle, head, at)
    for k in pos:
        prob += pulp.lpSum(y[j][k] for j in range(n)) == 1, f"position_{k}"
    for j in range(n):
        prob += pulp.lpSum(y[j]) == 1, f"job_{j}"
    for i in range(m - 1):
        for k in range(n - 1):
            lhs = at(k + 1, i) + wait[i, k + 1] + (idle[i, k] if (i or released) else 0)
            rhs = at(k, i + 1) + idle[i + 1, k] + (wait[i, k] if k else 0)
            prob += lhs == rhs, f"flow_{i}_{k}"
    return prob, y, idle, wait, extra


def _release_rows(prob: pulp.LpProblem, problem: FmProblem, y, idle, head, at) -> dict[str, object]:
    """Start ``S``, first-machine starts ``B[k]``, last-machine ends ``E[k]`` and the makespan ``Z``
    (objective) of the model with release times (module docstring)."""
    p, r, w = problem.times, problem.release, int(problem.w_rtt)
    off = problem.offloading
    n, m = p.shape
    start = prob.add_variable("S", lowBound=0)
    first = [prob.add_variable(f"B_{k}", lowBound=0) for k in range(n)]
    last = [prob.add_variable(f"E_{k}", lowBound=0) for k in range(n)]
    z = prob.add_variable("Z", lowBound=0)
    prob += z
    prob += first[0] == start, "first_0"
    prob += last[0] == start + head + at(0, m - 1), "last_0"
    for k in range(1, n):
        prob += first[k] == first[k - 1] + at(k - 1, 0) + idle[0, k - 1], f"first_{k}"
        prob += last[k] == last[k - 1] + idle[m - 1, k - 1] + at(k, m - 1), f"last_{k}"
    for k in range(n):
        prob += first[k] >= pulp.LpAffineExpression([(y[j][k], int(r[j])) for j in range(n) if r[j]]), f"release_{k}"
        rtt = pulp.LpAffineExpression([(y[j][k], w) for j in range(n) if w and off[j]])
        prob += z >= last[k] + rtt, f"makespan_{k}"
    prob += z >= first[n - 1] + at(n - 1, 0), "makespan_first"
    return {"S": start, "B": first, "E": last, "Z": z}


def _warm_order(problem: FmProblem, time_limit: float | None) -> list[int] | None:
    """The ``ig`` order, or None while no ``ig`` heuristic is registered."""
    return ig_warm_start(problem, time_limit)


def _set_start(problem: FmProblem, order: list[int], y, idle, wait, extra: dict) -> None:
    """Initial values: ``order`` and its semi-active idle and wait times (and, with release times, its
    start, first-machine starts, last-machine ends and makespan)."""
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
    if extra:
        extra["S"].setInitialValue(int(start[order[0], 0]))
        for k, j in enumerate(order):
            extra["B"][k].setInitialValue(int(start[j, 0]))
            extra["E"][k].setInitialValue(int(end[j, m - 1]))
        extra["Z"].setInitialValue(int(timing.makespan))


def _decode(y, n: int) -> list[int]:
    """The job order of a solution: at each position the job whose ``y`` is largest."""
    vals = np.array([[v.varValue or 0.0 for v in row] for row in y])
    order = vals.argmax(axis=0).tolist()
    if sorted(order) != list(range(n)):
        raise RuntimeError(f"mip-path: solution is not a permutation: {order}")
    return order
