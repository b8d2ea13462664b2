"""``relaxation``: the continuous relaxation P2 of seed 001 for n identical chain DNN jobs.

A job cut after layer ``l`` (layers ``0..l`` local) is the J2 job ``a = F(l) = f(0) + ... + f(l)``,
``b = g(l) = u(l)`` (``0`` for the last layer: local only).  Seed 001's P1 minimises
``max(sum F(l_k), sum g(l_k)) / n`` over the discrete cuts; P2 lets the cut points ``x_k`` be
real, with ``f`` increasing convex and ``g`` decreasing convex.  Here ``f`` and ``g`` are the
lower convex envelopes of the discrete points over an abscissa ``x(l)``: ``"compute"``
(``x = F(l)``, so ``f`` is the identity, as seed 001 assumes, and ``g`` the lower hull of the
points ``(F(l), g(l))``: the tightest choice) or ``"layer"`` (``x = l``, seed 001's axis).

**Validity.**  For any cuts and any order, the J2 makespan of the n jobs is at least
``max(sum a_k + min b, min a + sum b) >= max(sum F(l_k), sum g(l_k))``, and an envelope lies
below its points, so ``n * min_x max(mean f(x_k), mean g(x_k))`` is a lower bound on the optimum.

**Round trip** ``w`` = ``w_rtt`` (MODEL.md section 1).  A job that offloads completes ``w`` after
its upload, so when some job offloads the makespan is ``max(sum F, C_up + w) >= max(sum F(l_k),
sum g(l_k) + w)`` (``C_up``, the last upload end, is at least the uplink's load); when none does
it is ``n F(last)`` (local-only).  The relaxation keeps ``w``: it minimises
``max(mean f(x_k), mean g(x_k) + w / n)``, which bounds every partition in which some job
offloads (the all-``last`` point pays ``w`` too, so it may exceed local-only), and the reported
bound is ``n * min(that optimum, F(last))``; ``x*`` solves ``f(x*) = g(x*) + w / n``.  With
``w = 0`` this is seed 001's P2 unchanged.

**Release times** (MODEL.md "Release times").  They only add constraints: every schedule of the
problem with release times is one of the problem without, so the bound stays valid (it ignores
them, and may be loose).  The schedule visits the jobs in order of release (identical jobs, so
any order is a relabelling) and is scored by the evaluator, which makes each job wait for its
release.

**Solving.**  Epigraph form: minimise ``t`` subject to ``mean f(x_k) <= t``, ``mean g(x_k) <= t``,
each convex piecewise-linear envelope written as the maximum of its pieces, an LP
(``scipy.optimize.linprog``, HiGHS) with ``3n + 1`` variables and ``n (pieces of f + pieces of
g) + 2`` rows.  Seed 001 Thm. 1 says the uniform cut ``x_k = x*`` with ``f(x*) = g(x*)``
(``scipy.optimize.brentq``) is optimal; it is checked, not assumed: the LP optimum and the
uniform value are both reported.

The module also holds what ``mip-joint-chain`` shares: validation of homogeneous chain jobs
(:func:`chain_jobs`), their Pareto cuts and the DAG solution of a list of cuts.

References (docs/REFERENCES.md): [Seed001].
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy import optimize, sparse

from offloadsched.errors import SolverError, ValidationError
from offloadsched.partition import Partition
from offloadsched.problems import DagProblem, JointProblem, release_order
from offloadsched.registry import SolverOutput
from offloadsched.schedule import Schedule

from ._mip import int_bound

ABSCISSAE = ("compute", "layer")


@dataclass(frozen=True)
class ChainJobs:
    """``n`` identical chain jobs of a joint problem: cut ``l`` gives the J2 job ``(F[l], g[l])``."""

    problem: JointProblem
    F: np.ndarray
    g: np.ndarray

    @property
    def n(self) -> int:
        return len(self.problem.jobs)

    @property
    def rtt(self) -> int:
        """The round trip ``w_rtt`` (µs) of an offloading job."""
        return self.problem.platform.rtt_us

    @property
    def layers(self) -> int:
        return len(self.F)

    @cached_property
    def pareto(self) -> np.ndarray:
        """The non-dominated cuts in layer order: ``F`` strictly increasing, ``g`` strictly decreasing.

        A dominated cut (another has ``F`` and ``g`` no larger, ties broken by layer) never
        helps: a permutation flow shop's makespan is non-decreasing in every processing time."""
        keep, best = [], math.inf
        for cut in np.lexsort((np.arange(self.layers), self.g, self.F)):
            if self.g[cut] < best:
                keep.append(int(cut))
                best = self.g[cut]
        return np.array(sorted(keep), dtype=np.int64)

    def uniform_makespan(self, cut: int) -> int:
        """Makespan of all ``n`` jobs cut at ``cut``: ``a + (n - 1) max(a, b) + b``, plus ``w_rtt``
        when they offload (``b > 0``)."""
        a, b = int(self.F[cut]), int(self.g[cut])
        return a + (self.n - 1) * max(a, b) + b + (self.rtt if b else 0)

    def best_uniform(self, cuts: Sequence[int] | None = None) -> int:
        """The cut (among ``cuts``, default all) whose uniform partition has the smallest makespan."""
        cuts = range(self.layers) if cuts is None else cuts
        return int(min(cuts, key=lambda c: (self.uniform_makespan(int(c)), int(c))))

    def makespan(self, cuts: Sequence[int]) -> int:
        """Makespan of the jobs in position order, job ``k`` cut at ``cuts[k]``: ``max(sum a, C_up +
        w_rtt)`` with ``C_up`` the end of the last upload (``sum a`` when no job uploads)."""
        done = up = 0
        offloads = False
        for c in cuts:
            done += int(self.F[c])
            b = int(self.g[c])
            if b:
                up = max(up, done) + b
                offloads = True
        return max(done, up + self.rtt) if offloads else done

    def solution(self, cuts: Sequence[int], order: Sequence[int] | None = None
                 ) -> tuple[Schedule, DagProblem, list[Partition]]:
        """Partitions (job ``k`` cut at ``cuts[k]``), problem D and its local order (jobs in
        ``order``, default index order, each job's local layers in order; uploads as they finish
        computing)."""
        jobs = self.problem.jobs
        parts = [Partition.chain_cut(dnn, int(c)) for dnn, c in zip(jobs, cuts)]
        offsets = np.concatenate([[0], np.cumsum([len(d) for d in jobs])])
        order = range(len(jobs)) if order is None else order
        local = [int(offsets[k]) + i for k in order for i in range(int(cuts[k]) + 1)]
        return Schedule({"local": local}), self.problem.dag(parts), parts


def chain_jobs(problem: JointProblem, method: str) -> ChainJobs:
    """Validate ``n`` identical chain DNN jobs under negligible remote times; their ``F`` and ``g``."""
    if problem.remote_model != "negligible":
        raise ValidationError(f"{method}: needs the negligible remote model (two-stage J2 jobs), "
                              f"got {problem.remote_model!r}")
    first = problem.jobs[0]
    f0, u0, _ = problem.times[0]
    for k, (dnn, (f, u, _)) in enumerate(zip(problem.jobs, problem.times)):
        if not dnn.is_chain:
            raise ValidationError(f"{method}: job {problem.job_names[k]!r} ({dnn.name}) is not a chain "
                                  f"DNN ({dnn.structure})")
        if len(dnn) != len(first) or not (np.array_equal(f, f0) and np.array_equal(u, u0)):
            raise ValidationError(f"{method}: jobs must be identical; job {problem.job_names[k]!r} ({dnn.name}, "
                                  f"{len(dnn)} layers) differs from job {problem.job_names[0]!r} "
                                  f"({first.name}, {len(first)} layers)")
    g = u0.astype(np.int64).copy()
    g[-1] = 0
    return ChainJobs(problem, np.cumsum(f0).astype(np.int64), g)


def lower_envelope(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vertices of the lower convex envelope of the points ``(x, y)``, by increasing ``x``
    (monotone chain; at equal ``x`` the smallest ``y``)."""
    pts: list[tuple[float, float]] = []
    for i in np.lexsort((y, x)):
        px, py = x[i].item(), y[i].item()
        if pts and pts[-1][0] == px:
            continue
        while len(pts) >= 2 and ((pts[-1][0] - pts[-2][0]) * (py - pts[-2][1])
                                 - (pts[-1][1] - pts[-2][1]) * (px - pts[-2][0])) <= 0:
            pts.pop()
        pts.append((px, py))
    hx, hy = zip(*pts)
    return np.array(hx, dtype=float), np.array(hy, dtype=float)


def _pieces(hx: np.ndarray, hy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Slopes and intercepts of a convex piecewise-linear function (its maximum on its domain)."""
    if len(hx) == 1:
        return np.zeros(1), hy[:1].copy()
    slope = np.diff(hy) / np.diff(hx)
    return slope, hy[:-1] - slope * hx[:-1]


@dataclass
class Relaxation:
    """The solved relaxation: per-job optimum, the LP's cut points, the uniform point ``x*``."""

    abscissa: str
    optimum: float
    solver_x: np.ndarray
    x_star: float
    uniform_value: float
    n: int
    local_only: float = math.inf  # F(last): per job, the makespan when no job offloads

    @property
    def solver_uniform(self) -> bool:
        """Whether the LP's optimal cut points are all equal (they need not be: ties)."""
        return bool(np.ptp(self.solver_x) <= 1e-6 * max(1.0, float(np.abs(self.solver_x).max())))

    @property
    def uniform_optimal(self) -> bool:
        """Seed 001 Thm. 1 on this instance: the uniform cut at ``x*`` reaches the LP optimum."""
        return self.uniform_value <= self.optimum + 1e-7 * max(1.0, abs(self.optimum))

    @property
    def lower_bound(self) -> float:
        """``n`` times the per-job optimum (or local-only's ``F(last)`` when smaller, which only a
        round trip can make so): a lower bound on the discrete makespan."""
        return self.n * min(self.optimum, self.uniform_value, self.local_only)

    def info(self) -> dict:
        return {"abscissa": self.abscissa, "per_job_optimum": self.optimum, "x_star": self.x_star,
                "local_only_per_job": self.local_only,
                "uniform_value": self.uniform_value, "solver_uniform": self.solver_uniform,
                "uniform_optimal": self.uniform_optimal, "relaxed_lower_bound": self.lower_bound,
                "solver_x": self.solver_x.tolist()}


def abscissa_of(chains: ChainJobs, abscissa: str) -> np.ndarray:
    if abscissa not in ABSCISSAE:
        raise ValidationError(f"relaxation: unknown abscissa {abscissa!r}; choices: {', '.join(ABSCISSAE)}")
    return chains.F.astype(float) if abscissa == "compute" else np.arange(chains.layers, dtype=float)


def relax(chains: ChainJobs, abscissa: str = "compute") -> Relaxation:
    """Solve seed 001's P2 on the envelopes of ``chains`` (see the module docstring)."""
    x = abscissa_of(chains, abscissa)
    fx, fy = lower_envelope(x, chains.F.astype(float))
    gx, gy = lower_envelope(x, chains.g.astype(float))
    n = chains.n
    shift = chains.rtt / n  # an offloading solution's uplink side pays w_rtt once: mean g + w / n
    lo, hi = float(x.min()), float(x.max())
    rows, cols, vals, rhs = [], [], [], []
    for offset, (hx, hy) in ((n, (fx, fy)), (2 * n, (gx, gy))):
        for slope, icpt in zip(*_pieces(hx, hy)):  # slope x_k - phi_k <= -icpt
            for k in range(n):
                r = len(rhs)
                rows += [r, r]
                cols += [k, offset + k]
                vals += [slope, -1.0]
                rhs.append(-icpt)
    for offset, extra in ((n, 0.0), (2 * n, shift)):  # mean - t <= -extra
        r = len(rhs)
        rows += [r] * (n + 1)
        cols += list(range(offset, offset + n)) + [3 * n]
        vals += [1.0 / n] * n + [-1.0]
        rhs.append(-extra)
    a_ub = sparse.coo_array((vals, (rows, cols)), shape=(len(rhs), 3 * n + 1)).tocsr()
    cost = np.zeros(3 * n + 1)
    cost[-1] = 1.0
    bounds = [(lo, hi)] * n + [(None, None)] * (2 * n + 1)
    res = optimize.linprog(cost, A_ub=a_ub, b_ub=np.array(rhs), bounds=bounds, method="highs")
    if res.status != 0:
        raise SolverError(f"relaxation: linprog failed: {res.message}")

    def gap(t: float) -> float:
        return float(np.interp(t, fx, fy) - np.interp(t, gx, gy) - shift)

    if gap(lo) >= 0:
        x_star = lo
    elif gap(hi) <= 0:
        x_star = hi
    else:
        x_star = float(optimize.brentq(gap, lo, hi, xtol=1e-9, rtol=4 * np.finfo(float).eps))
    uniform = max(float(np.interp(x_star, fx, fy)), float(np.interp(x_star, gx, gy)) + shift)
    return Relaxation(abscissa, float(res.fun), np.asarray(res.x[:n]), x_star, uniform, n, float(chains.F[-1]))


def rounded_uniform_cut(chains: ChainJobs, x: np.ndarray, x_star: float) -> int:
    """Seed 001's rounding: among the cuts nearest ``x*`` on either side, the best uniform one."""
    below, above = x[x <= x_star], x[x >= x_star]
    near = {float(below.max())} if below.size else set()
    near |= {float(above.min())} if above.size else set()
    return chains.best_uniform([c for c in range(chains.layers) if float(x[c]) in near])


def solve_relaxation(problem: JointProblem, *, time_limit: float | None = None,
                     abscissa: str = "compute") -> SolverOutput:
    """Seed 001 P2 convex relaxation (identical chains): a lower bound, LP of 3n + 1 variables.

    Status ``bound``: ``bound`` is the relaxation's valid lower bound (rounded up), and the
    schedule is the rounded uniform partition (all jobs cut at one layer next to ``x*``), jobs in
    order of release."""
    chains = chain_jobs(problem, "relaxation")
    x = abscissa_of(chains, abscissa)
    rel = relax(chains, abscissa)
    cut = rounded_uniform_cut(chains, x, rel.x_star)
    order = release_order(problem.release).tolist()
    schedule, dag, parts = chains.solution([cut] * chains.n, order)
    bound = int_bound(rel.lower_bound)
    info = rel.info() | {"cut": cut, "cut_layer": problem.jobs[0].layers[cut].name}
    return SolverOutput(schedule, status="bound", bound=bound, problem=dag, partitions=parts, info=info)
