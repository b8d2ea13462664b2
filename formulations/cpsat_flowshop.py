"""CP-SAT model of the permutation flow shop (MODEL.md J2 and Fm; seed 002 P2, Taillard instances).

One fixed-size interval per job and machine, a NoOverlap per machine, the stage precedences,
and one order literal ``x[i, j]`` (job ``i`` before job ``j``, ``i < j``) shared by every machine:
``x[i, j] => end(i, k) <= start(j, k)`` and ``not x[i, j] => end(j, k) <= start(i, k)`` on each
machine ``k``.  The shared literals make the job order the same on every machine; without them
(``permutation=False``) CP-SAT solves the non-permutation flow shop, whose schedules the
evaluator can replay per machine but which are not solutions of problem Fm.

Size for n jobs and m machines: n m interval variables, n (n - 1) / 2 order literals,
m NoOverlap constraints, n (m - 1) precedences and n (n - 1) m reified precedences.  A model whose
estimated building time exceeds what is left of the time limit (10^5 jobs: 10^10 constraints) is not
built, nor finished when the limit passes while building it: the warm start is returned (status
feasible, the core's lower bound, ``info["note"]`` says why; :func:`offloadsched.formulations._cpsat.too_big`).
Identical jobs (equal rows and equal release times) are ordered by index (swapping two of them
changes no makespan).  With a round trip ``w_rtt > 0`` and no release times the model is built over
the offloading jobs only and the local-only jobs are appended (:mod:`offloadsched.flow_rtt`: optimum
max(P1, C* + w_rtt)).

Release times ``r_j`` (MODEL.md "Release times"): every start variable of job ``j`` has the lower
bound ``r_j``, nothing else changes (the order literals and NoOverlaps do not assume time-0 starts),
so the model's optima are the permutation schedules with release, and the evaluator's semi-active
replay of the order ends no later.  The round-trip reduction does not hold then
(:func:`~offloadsched.flow_rtt.reduce_round_trip`): ``w_rtt`` is modelled
directly, ``makespan >= end + w_rtt`` after every operation of an offloading job past the first
machine.  Warm starts and hints are the evaluator's schedules, so they respect the release times.

References (docs/REFERENCES.md): [Seed002], [Taillard1993].
"""

from __future__ import annotations

from offloadsched.bounds import lower_bound
from offloadsched.errors import ValidationError
from offloadsched.flow_rtt import reduce_round_trip
from offloadsched.problems import FmProblem
from offloadsched.registry import SolverOutput
from offloadsched.schedule import Schedule

from . import _cpsat
from ._cpsat import cp_model
from ._flowshop import ig_ready, ig_warm_start

WARM_START = ("neh", "johnson")


@reduce_round_trip
def solve_flowshop(problem: FmProblem, *, time_limit: float | None = None, workers: int = _cpsat.DEFAULT_WORKERS,
                   hint: bool = True, log: bool = False, seed: int | None = None,
                   permutation: bool = True) -> SolverOutput:
    """CP-SAT permutation flow shop for any m >= 2 (exact; NP-hard for m >= 3).

    Warm start: the best of ``ig`` (:mod:`offloadsched.formulations._flowshop`), ``neh``, ``johnson`` (when
    registered) and the index order.  The core's lower bound (machine loads, one- and two-machine
    bounds) bounds the makespan variable and the reported bound.
    ``permutation=False`` drops the shared order literals and returns per-machine sequences
    (non-permutation schedules).

    Round trip ``w_rtt > 0`` without release times: solved over the offloading jobs, the local-only
    jobs appended, and objective and bound ``x`` reported as ``max(P1, x + w_rtt)``
    (:mod:`offloadsched.flow_rtt`: exact, checked against brute force); with release times the
    round trip is part of the model (module docstring)."""
    if hint is True:
        ig_ready()  # ig's one-time compilation, before the clock starts
    opts = _cpsat.common_options(time_limit, workers, hint, log, seed)
    if not isinstance(permutation, bool):
        raise ValidationError(f"permutation must be True or False, got {permutation!r}")
    n, m = problem.times.shape
    name = "cpsat-flowshop" + ("" if permutation else " (non-permutation)")
    extra = [_cpsat.warm_from_schedule(problem, Schedule.from_order(range(n)), "fifo")]
    reason = _cpsat.too_big(opts, n * m * (1 + ((n - 1) if permutation else 0)))
    if reason:  # the model cannot be built in time: the cheap heuristics, within half of the limit
        warm = _cpsat.warm_start(problem, ("johnson", "neh"), extra=extra, deadline=opts.t0 + opts.time_limit / 2,
                                 limit_methods=True)
        return _cpsat.unbuilt(warm, reason, model_name=name, lower=lower_bound(problem, permutation=permutation))
    p = problem.times.tolist()
    ig_order = ig_warm_start(problem, opts.time_limit, seed) if opts.hint and n > 1 else None
    if ig_order is not None:
        extra.append(_cpsat.warm_from_schedule(problem, Schedule.from_order(ig_order), "ig"))
    warm = _cpsat.warm_start(problem, WARM_START if opts.hint else (), extra=extra)
    lower = lower_bound(problem, permutation=permutation)

    groups = _identical_rows(problem)
    # the warm order (as a permutation), relabelled so that identical jobs keep index order
    rank = {int(j): r for r, j in enumerate(warm.schedule[problem.machines[0]])}
    relabel = _cpsat.relabeling(groups, rank.__getitem__)
    order = sorted(range(n), key=lambda j: rank[relabel.get(j, j)])
    warm = _cpsat.warm_from_schedule(problem, Schedule.from_order(order), warm.method)

    model = cp_model.CpModel()
    ops = problem.operations()
    offloading = problem.offloading[ops.item] & (ops.kind != problem.machines[0])
    ov = _cpsat.add_operations(model, ops, warm.makespan, lower=min(lower, warm.makespan), rtt=problem.w_rtt,
                               rtt_after=offloading, release=_cpsat.op_release(problem, ops))
    op = _cpsat.op_index(ops)
    start = [[ov.start[op[problem.machines[k], j]] for k in range(m)] for j in range(n)]
    before: dict[tuple[int, int], cp_model.IntVar | None] = {}  # None: fixed (identical jobs)
    if permutation:
        same = {(i, j) for g in groups for a, i in enumerate(g) for j in g[a + 1:]}
        for i in range(n):
            reason = _cpsat.over_time(opts)
            if reason:
                return _cpsat.unbuilt(warm, reason, model_name=name, lower=lower)
            for j in range(i + 1, n):
                x = before[i, j] = None if (i, j) in same else model.new_bool_var(f"x{i}_{j}")
                for k in range(m):
                    c = model.add(start[j][k] >= start[i][k] + p[i][k])
                    if x is not None:
                        c.only_enforce_if(x)
                        model.add(start[i][k] >= start[j][k] + p[j][k]).only_enforce_if(~x)
    if opts.hint:
        pos = {j: r for r, j in enumerate(order)}
        starts = _cpsat.timing_starts(warm.timing)  # the semi-active schedule of the relabelled warm order
        for j in range(n):
            for k in range(m):
                model.add_hint(start[j][k], starts[problem.machines[k], j])
        for (i, j), x in before.items():
            if x is not None:
                model.add_hint(x, pos[i] < pos[j])
        model.add_hint(ov.makespan, warm.makespan)

    def extract(solver: cp_model.CpSolver) -> _cpsat.Candidate:
        if permutation:
            preceding = [0] * n
            for (i, j), x in before.items():
                if x is None or solver.boolean_value(x):
                    preceding[j] += 1
                else:
                    preceding[i] += 1
            return _cpsat.Candidate(Schedule.from_order(sorted(range(n), key=preceding.__getitem__)), problem)
        seqs = {}
        for k, mach in enumerate(problem.machines):
            starts = [solver.value(start[j][k]) for j in range(n)]
            seqs[mach] = _cpsat.sequence(range(n), starts, [p[j][k] for j in range(n)])
        return _cpsat.Candidate(Schedule(seqs), problem)

    rn = _cpsat.run(model, opts)
    return _cpsat.package(rn, extract, warm, model_name=name, info={"identical_groups": len(groups)},
                          lower=lower)


def _identical_rows(problem: FmProblem) -> list[list[int]]:
    """Groups (size >= 2) of jobs with equal times and equal release times."""
    groups: dict[tuple, list[int]] = {}
    for j, (row, r) in enumerate(zip(problem.times.tolist(), problem.release.tolist())):
        groups.setdefault((r, *row), []).append(j)
    return [g for g in groups.values() if len(g) > 1]

