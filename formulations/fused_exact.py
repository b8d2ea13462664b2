"""Exhaustive and exact baselines for seed 003's fused-layer (FL) offloading.

* ``bf-fl`` - seed 003's Brute Force "BF (2x2)" (Sec. IV): for one tiling and every fused depth
  ``tau`` (or the given one), every path order and every cut of every path, scored by the same
  path model as MW (:class:`offloadsched.fl_paths.FLPaths`).  It is exhaustive over the paper's solution
  space (one order on device, uplink and server; one cut per path; fuse layer and the rest on the
  server), so ``bf-fl <= mw-fixed`` for the same tiling.  It is *not* the optimum of problem D on
  the converted graph (interleaved local orders, other uplink orders or partitions that keep layers
  after the fuse on the device are outside it), hence status ``feasible`` and no bound.
  O(P! * (tau + 1)^P * P) per depth, vectorised over the cuts.
* ``fl-exact`` - the proven optimum for one tiling and one depth: ``cpsat-joint`` (joint
  partitioning and scheduling, any predecessor-closed partition, any schedule) on the converted
  graph, through :func:`offloadsched.solve`.  ``tau`` defaults to BF's best depth.  The better of
  CP-SAT's and BF's schedules is returned with CP-SAT's bound, so ``fl-exact <= bf-fl`` at that
  depth; the status is CP-SAT's (``optimal`` when proven).  When ``cpsat-joint`` is not registered
  or cannot be imported, the result has status ``error`` and ``info["reason"]``.

Round trip ``w_rtt`` (MODEL.md section 1): every FL schedule offloads, so the path model adds
w_rtt once to every candidate (:class:`offloadsched.fl_paths.FLPaths`), BF's choice is unchanged
and its makespan is the evaluator's; ``fl-exact`` is exact with w_rtt when ``cpsat-joint`` is.

ortools is only imported by ``cpsat-joint`` itself, when ``fl-exact`` runs.

Release times (MODEL.md "Release times"): the problem has one job, so its release ``r`` shifts every
schedule by ``r`` and changes no choice.  ``bf-fl`` scores the path model from ``r``
(:attr:`offloadsched.fl_paths.FLPaths.start`); ``fl-exact`` gives ``cpsat-joint`` the release.

References (docs/REFERENCES.md): [Seed003].
"""

from __future__ import annotations

import itertools
import math

import numpy as np

import offloadsched
from offloadsched.errors import SizeLimitError
from offloadsched.fl_paths import FLPaths, fl_output, search_fl, single_job
from offloadsched.instances.fused import TileSpec, fl_configs, fl_conversions
from offloadsched.problems import JointProblem
from offloadsched.registry import SolverOutput, unavailable

DEFAULT_MAX_CANDIDATES = 20_000_000


def bf_choose(paths: FLPaths, max_candidates: int = DEFAULT_MAX_CANDIDATES) -> tuple[list[int], list[int]]:
    """Every path order and cut combination; the first smallest makespan (orders in lexicographic
    order, cuts in row-major order).  Refuses above ``max_candidates`` with :class:`SizeLimitError`."""
    P, K = paths.nodes.shape
    total = math.factorial(P) * K ** P
    if total > max_candidates:
        raise SizeLimitError(f"bf-fl: {P}! x {K}^{P} = {total} candidate schedules exceed max_candidates="
                             f"{max_candidates} (P = {P} paths, tau = {K - 1})")
    best, best_order, best_cuts = None, None, None
    for order in itertools.permutations(range(P)):
        spans = paths.all_cuts_makespans(order)
        flat = int(np.argmin(spans))
        if best is None or spans.flat[flat] < best:
            best, best_order = int(spans.flat[flat]), list(order)
            best_cuts = [int(c) for c in np.unravel_index(flat, spans.shape)]
    return best_order, best_cuts  # type: ignore[return-value]


def bf_fl(problem: JointProblem, *, time_limit: float | None = None, tau: int | None = None, tiles: TileSpec = 2,
          max_candidates: int = DEFAULT_MAX_CANDIDATES) -> SolverOutput:
    """Seed 003's BF for one tiling (``k``, ``(kr, kc)`` or boundaries); every depth when ``tau`` is
    None.  Exhaustive over the paper's space, not over problem D (status ``feasible``, see the
    module docstring).  O(tau_max * P! * (tau_max + 1)^P * P)."""
    dnn = single_job(problem, "bf-fl")
    configs = fl_configs(dnn, tau=tau, tiles=tiles)
    paths, order, cuts, _ = search_fl(problem, fl_conversions(dnn, configs), lambda p: bf_choose(p, max_candidates))
    return fl_output(paths, order, cuts, status="feasible", configs=len(configs),
                     scope="seed 003 space: one path order on every resource, one cut per path, fuse on the server")


def cpsat_joint_available() -> str | None:
    """None when ``cpsat-joint`` is registered and importable, else the reason it is not."""
    return unavailable("cpsat-joint")


def fl_exact(problem: JointProblem, *, time_limit: float | None = None, tau: int | None = None,
             tiles: TileSpec = 2, workers: int | None = None) -> SolverOutput:
    """The optimum of the joint problem on the FL-converted DNN (one tiling, one depth ``tau``;
    default: bf-fl's best depth): ``cpsat-joint`` within ``time_limit``, never worse than bf-fl at
    that depth.  Exponential in the worst case (CP-SAT)."""
    dnn = single_job(problem, "fl-exact")
    bf = bf_fl(problem, tau=tau, tiles=tiles)
    depth = bf.info["tau"]
    reason = cpsat_joint_available()
    if reason is not None:
        return SolverOutput(None, status="error", info={"reason": reason, "tau": depth, "tiles": bf.info["tiles"]})
    fused = bf.partitions[0].dnn
    jp = JointProblem([fused], problem.platform, remote_model=problem.remote_model, name=problem.name,
                      release=problem.release)
    options = {} if workers is None else {"workers": workers}
    res = offloadsched.solve(jp, "cpsat-joint", time_limit=time_limit, **options)
    info = {"tau": depth, "tiles": bf.info["tiles"], "P": bf.info["P"], "dnn": fused.name, "source": dnn.name,
            "cpsat_status": res.status, "cpsat_makespan": res.makespan, "bf_makespan": bf.objective,
            "cpsat_wall_time_s": res.wall_time_s}
    if res.makespan is not None and res.status in ("optimal", "feasible") and res.makespan <= bf.objective:
        return SolverOutput(res.schedule, status=res.status, bound=res.bound, objective=res.makespan,
                            problem=res.problem, partitions=res.partitions, info={**info, "from": "cpsat-joint"})
    bound = res.bound if res.status in ("optimal", "feasible") else None
    return SolverOutput(bf.schedule, status="feasible", bound=bound, objective=bf.objective, problem=bf.problem,
                        partitions=bf.partitions, info={**info, "from": "bf-fl"})
