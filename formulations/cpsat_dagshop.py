"""CP-SAT model of the layer-level DAG shop (MODEL.md problem D; seed 001 Alg. 4-5, seed 002 Eq. (1)).

Exactly the operations and precedences of :meth:`DagProblem.operations`: a fixed-size interval
per local compute, per upload of a cut-point and (serial / parallel remote) per remote compute;
a NoOverlap on the local processor, on the uplink and, with ``serial`` remote, on the server;
``end(a) <= start(b)`` per precedence arc; makespan = the latest end, and with a round trip
``w_rtt > 0`` (MODEL.md section 1) at least ``w_rtt`` after the end of every upload and remote
operation (they all belong to offloading jobs): one more linear constraint per such operation.

Release times ``r_j`` (MODEL.md "Release times"): every operation of job ``j`` starts at ``r_j`` or
later (the lower bound of its start variable); nothing else assumes time-0 starts, so the model's
optima are the schedules of problem D with release, and the evaluator's semi-active replay of the
extracted sequences ends no later.  Warm starts, ``hint_schedule`` and hints are evaluated by the
core (with release); ``lower_bound`` stays a caller's promise about this problem.

Size: one integer variable and one interval per operation (local + cut + remote nodes), 2 or 3
NoOverlap constraints, one linear constraint per arc and per operation without a successor.

Symmetry breaking (identical jobs: same node times, locality and arcs position by position, the
same release time, no arc to another job).  Swapping two identical jobs position by position maps every schedule to
one of the same makespan.  Fix a canonical position: the job's first local layer with f > 0
(else its first cut-point with u > 0, else, serial remote, its first remote layer with r > 0);
its operation lies on one machine and has a positive length, so in any schedule the canonical
operations of a group start at distinct times and do not overlap.  Relabelling the jobs of a
group in the order of those starts turns an optimal schedule into an optimal schedule with
``end(canonical op of job i) <= start(canonical op of job i + 1)`` for consecutive jobs of the
group (index order), which the model therefore requires.  Nothing stronger is imposed: the
other operations of identical jobs may interleave freely (forcing whole jobs in sequence is
not valid in general).

References (docs/REFERENCES.md): [Seed001], [Seed002].
"""

from __future__ import annotations

import numpy as np

from offloadsched.bounds import lower_bound as core_lower_bound
from offloadsched.errors import ValidationError
from offloadsched.problems import DagProblem
from offloadsched.registry import SolverOutput
from offloadsched.schedule import Schedule, fifo_schedule

from . import _cpsat
from ._cpsat import cp_model

WARM_START = ("topo-johnson", "tree-merge")


def solve_dagshop(problem: DagProblem, *, time_limit: float | None = None, workers: int = _cpsat.DEFAULT_WORKERS,
                  hint: bool = True, log: bool = False, seed: int | None = None, lower_bound: int | None = None,
                  hint_schedule: Schedule | None = None) -> SolverOutput:
    """CP-SAT for problem D under any remote model (exact; NP-hard in general).

    Warm start: the best of ``topo-johnson``, ``tree-merge`` (when registered), the caller's
    ``hint_schedule``, the node-index order and (release times) the jobs in order of release.
    ``lower_bound``: a known bound on the optimum (a caller's promise; it must not exceed the best
    known schedule).

    ``time_limit`` covers the whole call (warm starts, model building, solving, extraction): warm
    starts stop at half of it and CP-SAT gets the rest (at least 0.05 s), so the call ends within
    about ``time_limit`` plus one warm-start heuristic and the extraction (tenths of a second at
    20 000 nodes).  A proven bound equal to the makespan gives status ``optimal``."""
    opts = _cpsat.common_options(time_limit, workers, hint, log, seed)
    extra = [_cpsat.warm_from_schedule(problem, Schedule({"local": problem.local_nodes}), "fifo")]
    if problem.has_release:
        extra.append(_cpsat.warm_from_schedule(problem, fifo_schedule(problem), "release order"))
    if hint_schedule is not None:
        extra.append(_cpsat.warm_from_schedule(problem, hint_schedule))
    # the time limit covers everything: warm starts stop at half of it, CP-SAT gets what is left
    warm = _cpsat.warm_start(problem, WARM_START if opts.hint else (), extra=extra,
                             deadline=opts.t0 + opts.time_limit / 2)
    lb = 0
    if lower_bound is not None:
        if isinstance(lower_bound, bool) or not isinstance(lower_bound, (int, np.integer)) or lower_bound < 0:
            raise ValidationError(f"lower_bound must be an integer >= 0 (µs), got {lower_bound!r}")
        if lower_bound > warm.makespan:
            raise ValidationError(f"lower_bound {lower_bound} exceeds the makespan {warm.makespan} of a known "
                                  f"schedule ({warm.method})")
        lb = int(lower_bound)

    lower = max(lb, core_lower_bound(problem))
    if warm.makespan <= lower:  # the warm start meets a proven bound: optimal without a model
        return SolverOutput(warm.schedule, status="optimal", bound=warm.makespan, objective=warm.makespan,
                            info={"model": "cpsat-dagshop", "warm_start": warm.method, "warm_makespan": warm.makespan,
                                  "note": "warm start equals the lower bound; CP-SAT not run"})
    model = cp_model.CpModel()
    ops = problem.operations()
    ov = _cpsat.add_operations(model, ops, warm.makespan, lb, rtt=problem.w_rtt, rtt_after=ops.kind != "compute",
                               release=_cpsat.op_release(problem, ops))
    op = _cpsat.op_index(ops)
    groups, nodes = _cpsat.job_groups(problem.preds, problem.job, (problem.f, problem.u, problem.r, problem.local,
                                                                    problem.release[problem.job]))
    canon = {}
    for g in groups:
        q = _canonical_position(problem, nodes[g[0]])
        if q is None:
            continue
        kind, pos = q
        keys = [op[kind, nodes[k][pos]] for k in g]
        for a, b in zip(keys, keys[1:]):
            model.add(ov.start[b] >= ov.start[a] + ov.duration[a])
        canon.update({k: op[kind, nodes[k][pos]] for k in g})
    broken = [g for g in groups if g[0] in canon]

    if opts.hint or hint_schedule is not None:
        starts = _cpsat.timing_starts(warm.timing)
        relabel = _cpsat.relabeling(broken,
                                    lambda k: starts[str(ops.kind[canon[k]]), int(ops.item[canon[k]])])
        node_map = {v: v for v in range(len(problem))}
        for target, source in relabel.items():
            node_map.update(zip(nodes[target], nodes[source]))
        for k, (kind, item) in enumerate(zip(ops.kind.tolist(), ops.item.tolist())):
            model.add_hint(ov.start[k], starts[kind, node_map[item]])
        model.add_hint(ov.makespan, warm.makespan)

    def extract(solver: cp_model.CpSolver) -> _cpsat.Candidate:
        start = [solver.value(s) for s in ov.start]
        seqs = {}
        for res in problem.resources:
            idx = np.flatnonzero(ops.resource == res).tolist()
            seqs[res] = _cpsat.sequence([int(ops.item[k]) for k in idx], [start[k] for k in idx],
                                        [ov.duration[k] for k in idx])
        return _cpsat.Candidate(Schedule(seqs), problem)

    rn = _cpsat.run(model, opts)
    return _cpsat.package(rn, extract, warm, model_name="cpsat-dagshop",
                          info={"identical_groups": len(broken), "lower_bound_given": lb},
                          lower=lower)


def _canonical_position(problem: DagProblem, job_nodes: list[int]) -> tuple[str, int] | None:
    """(operation kind, position in the job) of the symmetry-breaking operation, or None."""
    choices = [("compute", lambda v: problem.local[v] and problem.f[v] > 0),
               ("upload", lambda v: problem.cut[v] and problem.u[v] > 0)]
    if problem.remote_model == "serial":
        choices.append(("remote", lambda v: not problem.local[v] and problem.r[v] > 0))
    for kind, ok in choices:
        for pos, v in enumerate(job_nodes):
            if ok(v):
                return kind, pos
    return None
