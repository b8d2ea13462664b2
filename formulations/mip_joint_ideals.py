"""``mip-joint-ideals``: the joint optimum of many DNN jobs with negligible remote (a MIP over ideals).

Joint problem (seed 001 P1, MODEL.md section 2) with ``negligible`` remote times.  A job's partition
is an ideal of its DAG; with every partition fixed, Sidney-Monma (Sidney 1979, Monma 1979; see
:mod:`offloadsched.formulations.sidney`) reduces each job to modules, the jobs compose in parallel, and the
optimal makespan is ``sum(o) +`` the Johnson makespan of the union of the modules
(:mod:`offloadsched.formulations._modules`).  So the joint optimum is the best choice of one ideal per job, and
only *how many* jobs of each DNN take each ideal matters.

Model (per DNN group ``g`` of ``N_g`` identical jobs, option ``i`` = one of its ideals):

* ``x_i`` integer in ``[0, N_g]``, ``sum_{i in g} x_i = N_g``; ``z_i`` binary, ``x_i <= N_g z_i``
  (the option is used);
* minimise ``sum_i o_i x_i + T`` where, for every module kind ``q`` (Johnson order),
  ``T >= sum_i s_i(q) x_i + min(a_q, b_q) y_q`` with ``s_i(q)`` = option ``i``'s ``a`` before ``q``,
  ``b`` after ``q`` and ``max(a_q, b_q)`` per own module of kind ``q``, and ``y_q >= z_i`` for
  every option ``i`` with a module of kind ``q`` (``y_q`` in ``[0, 1]``).

**Exactness.**  For integer ``x``, ``n_q = sum_i (modules of kind q in i) x_i`` and the right-hand
side is ``E_q`` of :mod:`offloadsched.formulations._modules` when kind ``q`` is present, and ``E_q`` less its
constant, still a valid lower bound, when absent (then ``y_q`` may be 0).  So the smallest ``T`` is
exactly the Johnson makespan of the chosen modules and the model's optimum is the joint optimum.
The split rows are linear in the counts (their constant is the only term tied to presence), so the
LP relaxation is the fractional mix of ideals with every constant weighted by how sure its
presence is; the rows are many (one per kind, thousands for GoogLeNet) but few bind, so they are
generated lazily: solve with the rows of the kinds that were ever critical, evaluate the solution
exactly, add the rows of the kinds where the exact makespan exceeds the model's ``T``, repeat.
Every model solved is a relaxation of the full one, so its bound is a valid lower bound; the loop
stops when the best evaluated solution reaches it.

**Round trip** ``w_rtt`` (MODEL.md section 1).  The objective is ``Z >= F`` (total local load,
linear in the counts) and ``Z >= sum_i o_i x_i + T + w_rtt``, where the modules are those of the
layers before an upload, so ``sum(o) + T`` is the last upload end ``C_up`` and not a makespan
(:mod:`offloadsched.formulations._modules` explains why the module argument holds for ``C_up``).
That charges ``w_rtt`` even when every job stays local, so the all-local choice is compared apart
(it pays no round trip) and the better one is returned.  A valid cut tightens the LP: ``k`` jobs of
option ``i`` alone have ``C_up >= r_i k`` for ``k`` up to the cap (:meth:`ModuleTable.own_slopes`),
and adding jobs cannot end the uploads earlier, so ``Z >= r_i x_i + w_rtt`` (RandWire x 1 at 3G:
proven in 5 s instead of 58 s).

**Not series-parallel (RandWire).**  An ideal whose local order is not series-parallel gets the
modules of a relaxation (lower) and of an extension (upper) (:func:`offloadsched.formulations.sidney.sp_bounds`);
the model over the lower modules gives a lower bound, over the upper ones a feasible schedule,
status ``optimal`` only when they meet, otherwise ``feasible`` with the bound (never a silent
approximation).

**Serial and parallel remote** (MODEL.md problem D with remote compute times; issue 22).  With the
partitions fixed problem D is NP-hard (it contains F3), so counts no longer determine the makespan.
The method is a logic-based Benders loop over the counts:

* *relaxation* - the counts model above (dropping the remote work cannot lengthen the local and
  uplink part, so its rows stay valid) with two rows of
  :mod:`~offloadsched.formulations._three_stage`: the last upload is followed by the least remote
  chain after an upload among the offloading partitions used, then ``w_rtt``
  (``Z >= sum(o) + T + w_rtt + min tail``), and, ``serial``, the server's load after the earliest
  upload end (``Z >= sum R + min head + w_rtt``); the minima over the partitions used are exact
  staircases on the binaries ``z``.  Its optimum over the counts not yet excluded is a lower bound
  on their makespans;
* *schedules* - every counts vector the model returns is scheduled: the modules' local order
  (optimal for the uploads), uploads as their layers end, the evaluator's list order on a serial
  server; when its proven bound (the relaxation at that vector, exact minima, and the core's load and
  path bounds of its problem D) is below the best schedule, ``cpsat-dagshop`` (through
  :func:`offloadsched.solve`, warm-started from that schedule) improves it and raises its bound;
* *no-good cut* - the vector is then excluded (every group's counts sum to its jobs, so another
  vector puts fewer jobs on some option the excluded one uses: one binary per used option) and its
  proven bound is remembered.

At every step the least of the model's bound (over the vectors left) and the remembered bounds
(over those excluded) is a lower bound on every solution except all-local, which is compared apart;
status ``optimal`` when it reaches the best schedule, else ``feasible`` with it (never ``bound``).
Pruning keeps its argument with the schedules' makespans as upper bounds.  The relaxation is tight
when the local and uplink part decides the makespan (fast servers); with slow servers more vectors
are enumerated (each one CBC solve and at most one CP-SAT run).

Size: one integer and one binary per (DNN, ideal), one row per DNN, plus the generated split rows
(dense over the options).  Ideal enumeration and module building are cached per (DNN, times).
Ideals are first pruned by a Lagrangian load bound (:func:`_prune`) against an upper bound from the
best mix of a few seed ideals, which leaves at most a few hundred of RandWire's 23,719 on the zoo's
instances (up to 19,518 with the best single seed ideal as the upper bound: 0.24 s instead of 24.7 s
for RandWire x10 at 4G).

Solver: CBC by default.  Measured with ``benchmarks/bench_joint_ideals.py`` (2 cores), CBC and
HiGHS take the same time on GoogLeNet (496 ideals, 0.6-0.7 s for 1,000 jobs with enumeration), and
CBC solved the RandWire models of 4,000-5,600 kept ideals (before the seed-mix pruning) 3-5x
faster than PuLP's in-process HiGHS (1.2 s against 5.9 s for 10 jobs at 4G).  Time limit:
``time_limit`` covers enumeration, module building and every solve; reached while modules are
built, the result is the best partitions among the promising ones with the Lagrangian bound
(status ``feasible``).

Complexity: O(I n) to enumerate the I ideals of an n-layer DNN, O(n log n) per kept ideal for its
modules (series-parallel), a MIP per round (NP-hard in general; integer counts, so its size does not
grow with the number of jobs).  Serial / parallel remote: O(I (n + e)) more for the three-stage
bounds, then per counts vector enumerated a MIP (one binary per used option more each), an O(N + E)
evaluation of its problem D of N operations and E arcs and at most :data:`IMPROVE_TRIES` CP-SAT runs;
the number of vectors enumerated is exponential in the worst case (measured with
``benchmarks/bench_joint_ideals.py --remote serial|parallel``: the quick suite's joint zoo instances on
the slowest server preset take 1 to 46 rounds, all 54 proven in at most 28 s).

Release times (MODEL.md "Release times") are refused (``applies=no_release``): the model counts jobs
per (DNN, ideal) and has no job order or start times, so it cannot say which job waits for which
release.

References (docs/REFERENCES.md): [Seed001], [Johnson1954], [Sidney1979], [Monma1979], [Xie2019].
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pulp

import offloadsched
from offloadsched.bounds import lower_bound as core_lower_bound
from offloadsched.errors import ValidationError
from offloadsched.evaluate import evaluate
from offloadsched.ideals import DEFAULT_MAX_IDEALS
from offloadsched.partition import Partition
from offloadsched.problems import DagProblem, JointProblem
from offloadsched.registry import SolverOutput
from offloadsched.schedule import Schedule
from offloadsched.sp import find_n

from . import _mip
from ._modules import Catalogue, ModuleTable, TimeLimitReached, catalogue, module_table, sequence
from ._three_stage import OptionBounds, option_bounds, stair_value, staircase

#: split rows added per round: the most violated kinds
ROWS_PER_ROUND = 8
#: Lagrangian pruning: grid points of lambda, and the ideals per grid point that seed the upper bound
PRUNE_GRID = 21
PRUNE_SEEDS = 4
#: kept ideals above which the pruning's upper bound is improved by the best mix of the seed ideals (a
#: small MIP; GoogLeNet and RandWire, not the small DNNs of the tests), and the share of the time left
#: that this may take
PRUNE_MIX_ABOVE = 200
PRUNE_MIX_SHARE = 0.1


@dataclass
class Side:
    """The outcome of the lazy-row loop on one module table."""

    x: np.ndarray | None  # best evaluated counts per option
    value: int | None  # their exact makespan
    bound: int  # proven lower bound
    proven: bool
    rounds: int = 0
    rows: int = 0
    solver_status: str = ""
    passes: int = 1


def solve_mip_joint_ideals(problem: JointProblem, *, time_limit: float | None = None, solver: str = "cbc",
                           log: bool = False, workers: int | None = None, max_ideals: int = DEFAULT_MAX_IDEALS,
                           bracket: bool = True, max_types: int | None = None) -> SolverOutput:
    """Joint optimum over one ideal per job with Sidney-Monma modules: integer counts per (DNN, ideal).

    ``bracket=False`` refuses a DNN that is not series-parallel instead of bracketing it;
    ``max_types=k`` restricts every DNN's jobs to at most ``k`` distinct partitions (the optimum of
    that restriction: seed 001's JPS uses two)."""
    if max_types is not None and (isinstance(max_types, bool) or not isinstance(max_types, int) or max_types < 1):
        raise ValidationError(f"max_types must be an integer >= 1 or None, got {max_types!r}")
    _mip.check_solver(solver)
    _mip.check_workers(workers)
    if not isinstance(problem, JointProblem):
        raise ValidationError(f"mip-joint-ideals takes a joint problem, got {type(problem).__name__}")
    t0 = time.perf_counter()
    limit = _mip.DEFAULT_TIME_LIMIT if time_limit is None else float(time_limit)
    members = _groups(problem)
    cats = [catalogue(problem.jobs[ks[0]], problem.times[ks[0]][0], problem.times[ks[0]][1], max_ideals=max_ideals)
            for ks in members]
    if not bracket:
        for c in cats:
            if not c.series_parallel:
                names = [c.dnn.names[v] for v in find_n(range(len(c.dnn)), c.dnn.preds)]
                raise ValidationError(f"mip-joint-ideals: DNN {c.dnn.name!r} is not series-parallel (an N on "
                                      f"{', '.join(map(repr, names))}); pass bracket=True for a relaxation / "
                                      "extension bracket")
    counts = np.array([len(ks) for ks in members], dtype=np.int64)
    deadline = t0 + limit
    rtt = problem.platform.rtt_us
    local_only = int(sum(int(c.F[c.full]) * int(n) for c, n in zip(cats, counts.tolist())))
    sched = _Scheduler(problem, members, cats) if problem.remote_model != "negligible" else None
    pr = _prune(cats, counts, rtt, local_only,
                mix={"deadline": deadline, "solver": solver, "workers": workers, "max_types": max_types},
                value=None if sched is None else sched.makespan)
    kept = int(sum(len(k) for k in pr.keep))
    info = {"ideals": [len(c) for c in cats], "groups": [c.dnn.name for c in cats],
            "options": kept, "pruned": int(sum(len(c) for c in cats)) - kept,
            "lagrangian_bound": pr.lower, "prune_upper": pr.upper, "solver": solver, "local_only": local_only}
    sp = all(c.series_parallel for c in cats)
    if sched is not None:
        return _three_stage(sched, cats, pr, counts, deadline, solver, workers, log, max_types, local_only, info)
    try:
        upper, up = _side(cats, pr, counts, "upper", deadline, solver, workers, log, max_types, rtt)
        if sp:
            low = up
        else:
            _, low = _side(cats, pr, counts, "lower", deadline, solver, workers, log, max_types, rtt)
    except TimeLimitReached:
        info.update(catalogue_s=round(sum(c.build_s for c in cats), 4),
                    reason="the time limit was reached while building the partitions' modules: the schedule is the "
                           "best partitions among a few promising ones, the bound the Lagrangian load bound")
        upper, up, lower_bound = pr.table, Side(pr.x, pr.upper, pr.lower, False), pr.lower
    else:
        lower_bound = low.bound
        info.update(series_parallel=sp, catalogue_s=round(sum(c.build_s for c in cats), 4),
                    kinds=upper.n_kinds, rounds=up.rounds, split_rows=up.rows, solver_status=up.solver_status)
        if not sp:
            info.update(lower_rounds=low.rounds, lower_value=low.value, lower_proven=low.proven, upper_value=up.value,
                        strengthened=int(sum(len(c._mods) for c in cats)), passes=[up.passes, low.passes])
    # the model charges w_rtt even when every job is local-only: that one choice is compared here
    lower_bound = min(lower_bound, local_only)
    if up.value is None or local_only < up.value:
        cand = _Scheduler(problem, members, cats).local_only()
    else:
        cand = _Scheduler(problem, members, cats).candidate(upper, up.x, up.value)
    return _result(cand, lower_bound, info)


def _result(cand: Candidate, lower_bound: int, info: dict) -> SolverOutput:
    """The output of the best candidate with a proven lower bound."""
    info["partitions_used"] = sum(cand.used.values())
    info["partitions_per_dnn"] = cand.used
    status = "optimal" if lower_bound >= cand.value else "feasible"
    return SolverOutput(cand.schedule, status=status, bound=lower_bound, objective=cand.value, problem=cand.dag,
                        partitions=cand.parts, info=info)


@dataclass
class Candidate:
    """Partitions with a schedule of their problem D and its makespan; ``used``: partitions per DNN."""

    value: int
    schedule: Schedule
    parts: list[Partition]
    dag: DagProblem
    used: dict[str, int]


class _Scheduler:
    """Schedules of counts: each job's partition from the counts, the local order of the modules
    (:func:`~offloadsched.formulations._modules.sequence`: optimal for the uploads), uploads in the order
    their layers end, and (serial remote) the evaluator's list order on the server."""

    def __init__(self, problem: JointProblem, members: list[list[int]], cats: list[Catalogue]) -> None:
        self.problem = problem
        self.members = members
        self.cats = cats
        self.offsets = np.cumsum([0] + [len(d) for d in problem.jobs])[:-1].tolist()

    def candidate(self, table: ModuleTable, x: np.ndarray, value: int | None = None) -> Candidate:
        """The schedule of counts ``x`` over ``table`` (``value``: its makespan when known)."""
        problem, cats = self.problem, self.cats
        choice = _assign(x, table, self.members, len(problem.jobs))
        parts = [Partition(problem.jobs[k], cats[table.group_of[i]].local[table.ideal_of[i]])
                 for k, i in enumerate(choice)]
        order = np.array(sequence(table, choice, self.offsets), dtype=np.int64)
        used = {c.dnn.name: int(np.count_nonzero(x[table.group_of == g])) for g, c in enumerate(cats)}
        return self._timed(parts, order, used, value)

    def local_only(self) -> Candidate:
        cats = self.cats
        parts = [Partition.local_only(d) for d in self.problem.jobs]
        order = np.concatenate([off + np.arange(len(d)) for off, d in zip(self.offsets, self.problem.jobs)])
        return self._timed(parts, order.astype(np.int64), {c.dnn.name: 1 for c in cats}, None)

    def _timed(self, parts: list[Partition], order: np.ndarray, used: dict[str, int], value: int | None) -> Candidate:
        dag = self.problem.dag(parts)
        schedule = Schedule({"local": order, "uplink": order[dag.cut[order]]})
        if value is None or self.problem.remote_model != "negligible":
            timing = evaluate(dag, schedule)
            value, schedule = timing.makespan, timing.schedule
        return Candidate(int(value), schedule, parts, dag, used)

    def makespan(self, table: ModuleTable, x: np.ndarray) -> int:
        return self.candidate(table, x).value


def _side(cats: list[Catalogue], pr: Pruned, counts: np.ndarray, side: str, deadline: float, solver: str,
          workers: int | None, log: bool, max_types: int | None, rtt: int) -> tuple[ModuleTable, Side]:
    """The model over one side's modules (``"lower"``: a bound, ``"upper"``: a schedule).

    Every kept ideal starts with its quick modules; the ideals the solution uses get their strongest
    ones (:meth:`Catalogue.modules`) and the model is solved again, until the solution uses strong
    modules only (upper side: once).  Every pass's modules are valid relaxations (extensions), so
    every pass's bound (schedule) is valid; the best is kept."""
    best: tuple[ModuleTable, Side] | None = None
    bound = pr.lower
    passes = 0
    while True:
        passes += 1
        table = module_table(cats, pr.keep, side, deadline, quick=True, rtt=rtt)
        res = _loop(table, counts, deadline, solver, workers, log, max_types, bound)
        if side == "lower":
            bound = max(bound, res.bound)
            res.bound = bound
        if side == "lower" or best is None or res.value < best[1].value:  # lower: the bound only grows
            best = (table, res)
        weak = [(int(table.group_of[i]), int(table.ideal_of[i])) for i in np.flatnonzero(res.x).tolist()
                if not cats[table.group_of[i]].quick(int(table.ideal_of[i])).strong]
        if not weak or (side == "upper" and passes > 1) or time.perf_counter() > deadline:
            break
        for g, t in weak:
            cats[g].modules(t)
    best[1].passes = passes
    return best


def _groups(problem: JointProblem) -> list[list[int]]:
    """Jobs grouped by identical DNN and times (first-appearance order)."""
    keys: dict[tuple, int] = {}
    members: list[list[int]] = []
    for k, (dnn, (f, u, _r)) in enumerate(zip(problem.jobs, problem.times)):
        key = (dnn.name, dnn.preds, f.tobytes(), u.tobytes())
        if key not in keys:
            keys[key] = len(members)
            members.append([])
        members[keys[key]].append(k)
    return members


@dataclass
class Pruned:
    """What :func:`_prune` found: the ideals kept per group, the Lagrangian lower bound of every
    solution, and the quick upper bound with its counts over the small seed ``table``."""

    keep: list[np.ndarray]
    lower: int
    upper: int
    table: ModuleTable
    x: np.ndarray


def _prune(cats: list[Catalogue], counts: np.ndarray, rtt: int, local_only: int, *,
           mix: dict | None = None, value: Callable[[ModuleTable, np.ndarray], int] | None = None) -> Pruned:
    """The ideals that may appear in a solution better than a quick upper bound, per group.

    The model's makespan (``w_rtt`` charged unconditionally, :meth:`ModuleTable.makespan`) is >=
    max(total local load, total upload load + w_rtt) >= lambda sum F + (1 - lambda) (sum U + w_rtt)
    for lambda in [0, 1]; with one job of group g on ideal i and every other job on its cheapest
    ideal for that lambda this bounds every solution using i (Lagrangian, maximised over a grid of
    lambda); with every job on its cheapest ideal it bounds every solution.  Ideals whose bound
    reaches the upper bound (the best single-ideal-per-group solution among a few promising ideals;
    when that keeps more than :data:`PRUNE_MIX_ABOVE` ideals, the best *mix* of those seed ideals,
    a small MIP given :data:`PRUNE_MIX_SHARE` of the time left,
    or ``local_only``, the makespan with every job local-only) are dropped: no better solution, for
    the true modules or for the relaxation's (loads are the same), uses them; the caller compares
    with local-only itself, the one solution whose true makespan is below the model's.  With remote
    work (``value``: the makespan of a schedule of counts over a table) the upper bounds are those
    schedules' makespans, not the negligible model's, and the load bounds stay valid (remote work
    only adds time).  O(I) per grid point."""
    grid = np.linspace(0.0, 1.0, PRUNE_GRID)
    score = [np.outer(grid, c.F) + np.outer(1.0 - grid, c.U) for c in cats]  # (grid, ideals)
    least = np.stack([sc.min(axis=1) for sc in score])  # (groups, grid)
    total = counts @ least + (1.0 - grid) * rtt
    seeds = []
    for c, sc in zip(cats, score):
        pick = {0, len(c) - 1}
        for row in sc:
            pick.update(np.argsort(row, kind="stable")[:PRUNE_SEEDS].tolist())
        seeds.append(np.array(sorted(pick), dtype=np.int64))
    table = module_table(cats, seeds, "upper", rtt=rtt)
    score_of = table.value if value is None else (lambda x: value(table, x))
    x0 = _uniform(table, counts)
    ub = score_of(x0)
    keep = _kept(score, least, total, table, x0, min(ub, local_only))
    lower = int(np.ceil(total.max() - 1e-6))
    if mix is not None and counts.sum() > 1 and sum(len(k) for k in keep) > PRUNE_MIX_ABOVE:
        # the best mix of the seed ideals (their true modules: a feasible schedule) is a far better
        # upper bound than one ideal per DNN, and the bound decides how much is pruned
        left = mix["deadline"] - time.perf_counter()
        side = _loop(table, counts, time.perf_counter() + PRUNE_MIX_SHARE * left, mix["solver"], mix["workers"],
                     False, mix["max_types"], lower, start=x0)
        mixed = None if side.x is None or side.value is None else score_of(side.x)
        if mixed is not None and mixed < ub:
            x0, ub = side.x, mixed
            keep = _kept(score, least, total, table, x0, min(ub, local_only))
    return Pruned(keep, lower, ub, table, x0)


def _kept(score: list[np.ndarray], least: np.ndarray, total: np.ndarray, table: ModuleTable, x: np.ndarray,
          ub: int) -> list[np.ndarray]:
    """Per group, the ideals whose Lagrangian bound is below ``ub``, and those the counts ``x`` use."""
    used = {(int(table.group_of[i]), int(table.ideal_of[i])) for i in np.flatnonzero(x).tolist()}
    keep = []
    for g, sc in enumerate(score):
        lb = (sc - least[g][:, None] + total[:, None]).max(axis=0)
        mask = lb < ub
        for gg, t in used:
            if gg == g:
                mask[t] = True
        keep.append(np.flatnonzero(mask))
    return keep


def _assign(x: np.ndarray, table: ModuleTable, members: list[list[int]], n_jobs: int) -> list[int]:
    """Per job: its option (the jobs of a group take the group's options in index order)."""
    choice = [0] * n_jobs
    for g, ks in enumerate(members):
        it = iter(ks)
        for i in table.options_of(g).tolist():
            for _ in range(int(x[i])):
                choice[next(it)] = i
    return choice


def _uniform(table: ModuleTable, counts: np.ndarray) -> np.ndarray:
    """A warm start: every group on one option, chosen group by group (coordinate descent, two
    passes) for the smallest exact makespan."""
    groups = [table.options_of(g) for g in range(len(counts))]
    x = np.zeros(table.n_options, dtype=np.int64)
    for g, opts in enumerate(groups):  # start: each group's best alone
        best, best_val = -1, None
        for i in opts.tolist():
            x[i] = counts[g]
            val = table.value(x)
            x[i] = 0
            if best_val is None or val < best_val:
                best, best_val = i, val
        x[best] = counts[g]
    for _ in range(2 if len(groups) > 1 else 0):
        for g, opts in enumerate(groups):
            x[opts] = 0
            vals = []
            for i in opts.tolist():
                x[i] = counts[g]
                vals.append((table.value(x), i))
                x[i] = 0
            x[min(vals)[1]] = counts[g]
    return x


class _Model:
    """The PuLP model with its lazily added split rows."""

    def __init__(self, table: ModuleTable, counts: np.ndarray, max_types: int | None = None,
                 three: OptionBounds | None = None, serial: bool = False) -> None:
        self.table = table
        self.counts = counts
        self.prob = pulp.LpProblem("mip_joint_ideals", pulp.LpMinimize)
        cap = counts[table.group_of]
        self.cap = cap
        self.x = [self.prob.add_variable(f"x_{i}", lowBound=0, upBound=int(cap[i]), cat=pulp.LpInteger)
                  for i in range(table.n_options)]
        self.z: dict[int, pulp.LpVariable] = {}
        self.y: dict[int, pulp.LpVariable] = {}
        self.t = self.prob.add_variable("T", lowBound=0)  # Johnson makespan of the modules
        self.mk = self.prob.add_variable("Z", lowBound=0)  # max(local load, last upload end + w_rtt)
        self.prob += self.mk
        self.prob += self.mk >= pulp.LpAffineExpression([(self.x[i], int(f)) for i, f in enumerate(table.load) if f]), \
            "local_load"
        upload_end = pulp.LpAffineExpression([(self.x[i], int(o)) for i, o in enumerate(table.o) if o]) \
            + self.t + table.rtt
        self.excluded = 0
        if three is not None:  # remote work: the least tail after the last upload, the server's load
            offload = np.flatnonzero(three.offload)
            tail = staircase(self.prob, "tail", three.tail, offload, self._use)
            if tail is not None:
                upload_end += tail
            head = staircase(self.prob, "head", three.head, offload, self._use)
            if serial and head is not None:
                self.prob += self.mk >= pulp.LpAffineExpression(
                    [(self.x[i], int(v)) for i, v in enumerate(three.R) if v]) + head + table.rtt, "server_load"
        self.prob += self.mk >= upload_end, "upload_end"
        for g, n in enumerate(counts.tolist()):
            self.prob += pulp.lpSum(self.x[i] for i in table.options_of(g).tolist()) == n, f"jobs_{g}"
        for i, r in enumerate(table.own_slopes(cap).tolist()):  # the jobs of one option alone
            if r > 0:
                self.prob += self.mk >= r * self.x[i] + table.rtt, f"own_{i}"
        self.rows: set[int] = set()
        owners = {}
        for q, i in zip(table.kind.tolist(), table.owner.tolist()):
            owners.setdefault(q, set()).add(i)
        self.owners = owners
        if max_types is not None:  # at most max_types distinct partitions per DNN group
            for i in range(table.n_options):
                self._use(i)
            for g in range(len(counts)):
                self.prob += pulp.lpSum(self.z[i] for i in table.options_of(g).tolist()) <= max_types, f"types_{g}"
        # the machine loads: the splits before the first and after the last kind
        for q in (-1, table.n_kinds):
            self._row(q, table.split(q), 0)

    def _row(self, q: int, s: np.ndarray, const: int) -> None:
        expr = pulp.LpAffineExpression([(self.x[i], int(v)) for i, v in enumerate(s.tolist()) if v])
        if const:
            y = self.y[q] = self.prob.add_variable(f"y_{q}", lowBound=0, upBound=1)
            expr += const * y
            for i in sorted(self.owners[q]):
                self.prob += y >= self._use(i), f"present_{q}_{i}"
        self.prob += self.t >= expr, f"split_{q}"

    def _use(self, i: int) -> pulp.LpVariable:
        """``z_i``: option ``i`` is used (``x_i <= N z_i``), created on first need."""
        if i not in self.z:
            z = self.z[i] = self.prob.add_variable(f"z_{i}", cat=pulp.LpBinary)
            self.prob += self.x[i] <= int(self.cap[i]) * z, f"use_{i}"
        return self.z[i]

    def add(self, q: int) -> bool:
        if q in self.rows:
            return False
        self.rows.add(q)
        tb = self.table
        self._row(q, tb.split(q), int(min(tb.ka[q], tb.kb[q])))
        return True

    def start(self, x: np.ndarray) -> None:
        """Initial values: the counts ``x`` and what they imply."""
        value, e, _n = self.table.makespan(x)
        for i, var in enumerate(self.x):
            var.setInitialValue(int(x[i]))
        for i, z in self.z.items():
            z.setInitialValue(int(x[i] > 0))
        for q, y in self.y.items():
            y.setInitialValue(int(e[q] >= 0))
        self.t.setInitialValue(max(int(e.max(initial=0)), 0))
        self.mk.setInitialValue(value)

    def exclude(self, x: np.ndarray) -> None:
        """A no-good cut: the counts ``x`` are not taken again.  Every group's counts sum to its jobs,
        so any other counts put fewer jobs than ``x`` on some option that ``x`` uses."""
        k = self.excluded = self.excluded + 1
        less = []
        for i in np.flatnonzero(x).tolist():
            d = self.prob.add_variable(f"no{k}_{i}", cat=pulp.LpBinary)
            self.prob += self.x[i] <= int(x[i]) - 1 + int(self.cap[i]) * (1 - d), f"no{k}_{i}"
            less.append(d)
        self.prob += pulp.lpSum(less) >= 1, f"no{k}"

    def decode(self) -> np.ndarray:
        return np.array([int(round(v.varValue or 0.0)) for v in self.x], dtype=np.int64)


def _loop(table: ModuleTable, counts: np.ndarray, deadline: float, solver: str, workers: int | None,
          log: bool, max_types: int | None = None, bound: int = 0, start: np.ndarray | None = None) -> Side:
    """Lazy split rows until the best exact value meets the model's bound (or time runs out),
    from ``start`` (default the best one partition per DNN, :func:`_uniform`)."""
    best = _uniform(table, counts) if start is None else start
    best_val, e, _ = table.makespan(best)  # dense: every kind's E
    model = _Model(table, counts, max_types)
    if e.size and e.max() >= 0:  # no kind is present when every job is local-only
        for q in np.flatnonzero(e == e.max()).tolist():
            model.add(q)
    side = Side(best, best_val, bound, best_val <= bound)
    while True:
        left = deadline - time.perf_counter()
        if left <= 0.05:
            break
        model.start(best)
        res = _mip.run(model.prob, solver=solver, time_limit=left, workers=workers, log=log, warm_start=True)
        side.rounds += 1
        side.solver_status = res.solver_status
        bound = _mip.int_bound(res.bound)
        if bound is not None:  # a solver's bound a few units above a feasible value is round-off
            side.bound = max(side.bound, bound)
        if not res.has_solution:
            break
        x = model.decode()
        val, e, _ = table.makespan(x)
        if val < best_val:
            best, best_val = x, val
        side.bound = min(side.bound, best_val)
        if best_val <= side.bound:
            side.proven = True
            break
        t_model = float(model.t.varValue or 0.0)
        over = e - (t_model + 0.5)  # kinds where the exact makespan exceeds the model's T
        new = [q for q in np.argsort(-over)[:ROWS_PER_ROUND].tolist() if over[q] > 0 and model.add(q)]
        if not new:  # the model's T is exact at x: if x is optimal for the model, it is overall
            if res.proven_optimal:
                side.bound = max(side.bound, val)
            side.proven = best_val <= side.bound
            break
    side.x, side.value, side.rows = best, best_val, len(model.rows)
    return side


def _three_stage(sched: _Scheduler, cats: list[Catalogue], pr: Pruned, counts: np.ndarray, deadline: float,
                 solver: str, workers: int | None, log: bool, max_types: int | None, local_only: int,
                 info: dict) -> SolverOutput:
    """``serial`` / ``parallel`` remote: the counts model with the three-stage rows
    (:mod:`~offloadsched.formulations._three_stage`) as a relaxation, every counts vector it returns
    scheduled (and improved by ``cpsat-dagshop``), then excluded by a no-good cut, until the model's
    bound reaches the best schedule (see the module docstring)."""
    problem = sched.problem
    rtt = problem.platform.rtt_us
    serial = problem.remote_model == "serial"
    best = sched.local_only()
    lagrange = pr.lower
    try:
        upper = module_table(cats, pr.keep, "upper", deadline, quick=True, rtt=rtt)
        lower = upper if all(c.series_parallel for c in cats) else module_table(cats, pr.keep, "lower", deadline,
                                                                                quick=True, rtt=rtt)
    except TimeLimitReached:
        info.update(catalogue_s=round(sum(c.build_s for c in cats), 4),
                    reason="the time limit was reached while building the partitions' modules: the schedule is the "
                           "best partitions among a few promising ones, the bound the Lagrangian load bound")
        cand = sched.candidate(pr.table, pr.x)
        return _result(min(best, cand, key=lambda c: c.value), min(lagrange, local_only), info)
    three = option_bounds(cats, lower, [problem.times[ks[0]][2] for ks in sched.members])
    model = _Model(lower, counts, max_types, three=three, serial=serial)
    x = _uniform(lower, counts)
    _, e, _ = lower.makespan(x)
    if e.size and e.max() >= 0:
        for q in np.flatnonzero(e == e.max()).tolist():
            model.add(q)
    stats = {"rounds": 0, "schedules": 0, "cpsat_runs": 0, "cpsat_s": 0.0}
    model_bound = lagrange  # valid for every counts vector not excluded yet
    exhausted = False  # every counts vector is excluded
    excluded: list[list] = []  # per excluded counts vector: [its proven bound, CP-SAT runs, its best candidate]
    start: np.ndarray | None = x

    def relaxed(x: np.ndarray) -> int:
        """The relaxation's value at ``x`` (every split row, exact minima; local-only: its makespan)."""
        load = int(x @ lower.load)
        offl = np.flatnonzero(three.offload)
        if not (x[offl] > 0).any():
            return load
        _, e, n = lower.makespan(x)
        c_up = int(x @ lower.o) + (int(e.max()) if n.any() else 0)
        val = max(load, c_up + rtt + stair_value(three.tail, offl, x))
        if serial:
            val = max(val, int(x @ three.R) + stair_value(three.head, offl, x) + rtt)
        return val

    def least() -> float:
        return min((e[0] for e in excluded), default=np.inf)

    while min(model_bound, least()) < best.value and deadline - time.perf_counter() > 0.05:
        weakest = min(excluded, key=lambda e: e[0], default=None)
        if weakest is not None and weakest[0] < model_bound and weakest[1] < IMPROVE_TRIES:
            # the excluded vectors' bounds decide: a longer CP-SAT run on the weakest one
            cand, weakest[0] = _improve(weakest[2], weakest[0], deadline, workers, stats, 2 ** weakest[1])
            weakest[1] += 1
            weakest[2] = cand
            best = min(best, cand, key=lambda c: c.value)
            continue
        if exhausted:
            break
        if start is not None:
            model.start(start)
        res = _mip.run(model.prob, solver=solver, time_limit=deadline - time.perf_counter(), workers=workers,
                       log=log, warm_start=start is not None)
        stats["rounds"] += 1
        info["solver_status"] = res.solver_status
        if res.infeasible or (not res.has_solution and model.prob.status == pulp.LpStatusInfeasible):
            exhausted, model_bound = True, np.iinfo(np.int64).max
            continue
        b = _mip.int_bound(res.bound)
        if b is not None:
            model_bound = max(model_bound, b)
        if not res.has_solution:
            break
        x = model.decode()
        cand = sched.candidate(upper, x)
        stats["schedules"] += 1
        best = min(best, cand, key=lambda c: c.value)
        _, e, _ = lower.makespan(x)
        over = e - (float(model.t.varValue or 0.0) + 0.5)  # kinds where the exact makespan exceeds T
        start = None
        if any([model.add(q) for q in np.argsort(-over)[:ROWS_PER_ROUND].tolist() if over[q] > 0]):
            continue  # x was not the relaxation's optimum yet
        entry = [max(relaxed(x), core_lower_bound(cand.dag)), 0, cand]
        if entry[0] < min(cand.value, best.value) and time.perf_counter() < deadline - 0.1:
            entry[2], entry[0] = _improve(cand, entry[0], deadline, workers, stats)
            entry[1] = 1
            best = min(best, entry[2], key=lambda c: c.value)
        excluded.append(entry)
        model.exclude(x)
    excluded_bound = least()
    bound = min(max(int(min(model_bound, excluded_bound)), lagrange), local_only)
    info.update(series_parallel=lower is upper, catalogue_s=round(sum(c.build_s for c in cats), 4),
                kinds=lower.n_kinds, split_rows=len(model.rows), excluded=model.excluded, **stats)
    info["cpsat_s"] = round(stats["cpsat_s"], 3)
    return _result(best, bound, info)


#: share of the time left that one ``cpsat-dagshop`` run may take, and its cap (s, doubled on every
#: further run on the same counts vector, at most :data:`IMPROVE_TRIES` runs)
CPSAT_SHARE = 0.25
CPSAT_MAX = 10.0
IMPROVE_TRIES = 3


def _improve(cand: Candidate, bound: int, deadline: float, workers: int | None,
             stats: dict, scale: float = 1.0) -> tuple[Candidate, int]:
    """``cpsat-dagshop`` on the candidate's problem D, warm-started from its schedule: a better
    schedule of the same partitions and a proven bound on them."""
    budget = min(CPSAT_MAX * scale, CPSAT_SHARE * (deadline - time.perf_counter()))
    if budget < 0.05:
        return cand, bound
    opts = {"hint": False, "hint_schedule": cand.schedule, "lower_bound": int(bound)}
    if workers is not None:
        opts["workers"] = workers
    t0 = time.perf_counter()
    try:
        res = offloadsched.solve(cand.dag, "cpsat-dagshop", time_limit=budget, **opts)
    except ValidationError:  # not registered (OR-Tools missing)
        return cand, bound
    finally:
        stats["cpsat_runs"] += 1
        stats["cpsat_s"] += time.perf_counter() - t0
    if res.bound is not None:
        bound = max(bound, int(math.ceil(res.bound - 1e-6)))
    if res.makespan is not None and res.makespan < cand.value and res.schedule is not None:
        cand = Candidate(int(res.makespan), res.schedule, cand.parts, cand.dag, cand.used)
    return cand, min(bound, cand.value)
