"""Seed 003's fused-layer (FL) offloading heuristics: Minimizing Waiting (MW) and No FL (NFL).

Seed 003 (Li, Wang, Zhou, Duan & Wu, GLOBECOM 2022) converts the first ``tau`` conv/pool layers
of one DNN into ``P`` independent FL paths (:func:`offloadsched.instances.fused.fuse_layers`), so that the
device uploads one path's intermediate result while it computes the next.  Every path is cut
once (positions ``0..o`` local, the rest, the fuse layer and the remaining network on the edge
server) and the paths run in one order on the device, the uplink and the server.

* ``mw`` - Alg. 1: for every ``tau`` and every ``k x k`` tiling (``k <= max_k``) choose the path
  order and cuts greedily (:func:`mw_choose`), evaluate, keep the best.
* ``mw-fixed`` - the same for one tiling (the paper's "MW (2x2)"); ``tau`` enumerated or given.
* ``nfl`` - the paper's No-FL baseline: the best single-cut partial offloading of the original
  DNN (a topological prefix local with at most one uploaded layer: CO .. LO).

All three take a ``joint`` problem with ONE DNN job and use its ``remote_model``.  Seed 003's
server is a sequential machine ("the computation order of the FL paths on the end device is the
same as the transmission order and the computation order on the ES", Sec. II-B), so its setting
is ``remote_model="serial"`` (:func:`offloadsched.bench.fl_experiment.run_fl_experiment` uses it);
``parallel`` (Eq. (4)-(5) read literally, no queue at the server) and ``negligible`` also work.
The FL methods return problem D of the *converted* graph (``Result.problem``) and its partition
(``Result.partitions[0].dnn`` is the converted DNN); ``Result.info`` holds ``tau``, ``tiles``,
``P``, the boundaries, the path ``order`` and each path's ``cut_layers``.

Round trip ``w_rtt`` (MODEL.md section 1): every FL schedule offloads (the fuse layer runs on the
server), so the path model adds w_rtt once to every makespan (:class:`offloadsched.fl_paths.FLPaths`)
and MW's choices are unchanged; NFL's candidates are scored by the evaluator, so local-only
(which pays no round trip) competes with its true latency.

Release times: the FL methods schedule one job, whose release time only shifts every schedule
(the path model starts at it, :attr:`offloadsched.fl_paths.FLPaths.start`), so their choices are
unchanged and their predicted makespans include it.

References (docs/REFERENCES.md): [Seed003], [Kang2017].
"""

from __future__ import annotations

import numpy as np

from offloadsched.evaluate import evaluate
from offloadsched.fl_paths import FLPaths, fl_output, search_fl, single_job
from offloadsched.instances.fused import TileSpec, fl_configs, fl_conversions
from offloadsched.partition import Partition
from offloadsched.problems import JointProblem
from offloadsched.registry import SolverOutput
from offloadsched.schedule import Schedule

DEFAULT_MAX_K = 8


def mw_choose(paths: FLPaths) -> tuple[list[int], list[int]]:
    """Seed 003 Alg. 1 lines 5-14: the path order and each path's cut.

    First path and cut: the smallest upload completion ``A[p, o] + B[p, o]`` (Eq. (7)); ties by the
    smaller local time, then path index.  Each next path and cut: the local completion
    ``c1 + A[p, o]`` closest to the previous path's upload end (Eq. (8)); ties by the larger cut
    (more layers on the device), then path index.  O(P^2 (tau + 1)).
    """
    P, K = paths.nodes.shape
    A, B = paths.A, paths.B
    flat = np.arange(P * K)
    first = int(np.lexsort((flat, A.ravel(), (A + B).ravel()))[0])
    p, o = divmod(first, K)
    order, cuts = [p], [0] * P
    cuts[p] = o
    c1 = int(A[p, o])
    c2 = c1 + int(B[p, o])
    left = np.ones(P, dtype=bool)
    left[p] = False
    pos = np.broadcast_to(np.arange(K), (P, K))
    path = np.broadcast_to(np.arange(P)[:, None], (P, K))
    for _ in range(P - 1):
        gap = np.abs(c1 + A - c2)
        rows = left[:, None] & np.ones(K, dtype=bool)
        pick = np.lexsort((path[rows], -pos[rows], gap[rows]))[0]
        p, o = int(path[rows][pick]), int(pos[rows][pick])
        order.append(p)
        cuts[p] = o
        left[p] = False
        c1 += int(A[p, o])
        c2 = max(c1, c2) + int(B[p, o])
    return order, cuts


def mw(problem: JointProblem, *, time_limit: float | None = None, tau: int | None = None,
       max_k: int = DEFAULT_MAX_K) -> SolverOutput:
    """Seed 003 Alg. 1, "MW (k x k)": Minimizing Waiting over every fused depth ``tau`` (or the given
    one) and every ``k x k`` tiling, ``k = 1 .. max_k`` (the paper enumerates P = 1 .. S_L x S_W
    homogeneous tiles; we keep square grids up to ``max_k``).  O(tau_max^2 * max_k^5) for the greedy
    choices (P = k^2 paths, tau + 1 cuts each) plus one FL conversion per configuration (cached per
    DNN object)."""
    dnn = single_job(problem, "mw")
    return _run(problem, fl_configs(dnn, tau=tau, max_k=max_k), max_k=max_k)


def mw_fixed(problem: JointProblem, *, time_limit: float | None = None, tau: int | None = None,
             tiles: TileSpec = 2) -> SolverOutput:
    """Seed 003 Alg. 1 with the tiling fixed: ``tiles`` is ``k`` (``k x k``), ``(kr, kc)`` or explicit
    ``(rows, cols)`` boundaries (then give ``tau``); ``tau`` None tries every depth where the tiling
    fits.  O(tau_max^2 * P^2)."""
    dnn = single_job(problem, "mw-fixed")
    return _run(problem, fl_configs(dnn, tau=tau, tiles=tiles))


def _run(problem: JointProblem, configs, **info) -> SolverOutput:
    paths, order, cuts, _ = search_fl(problem, fl_conversions(problem.jobs[0], configs), mw_choose)
    return fl_output(paths, order, cuts, configs=len(configs), **info)


def single_cut_prefixes(problem: JointProblem) -> list[Partition]:
    """The NFL candidates of the joint problem's one DNN: each topological prefix ``{0..k}`` (input
    first, ``k = 0`` CO, ``k = n - 1`` LO) that uploads at most one layer.  O(|V|^2)."""
    dnn = single_job(problem, "nfl")
    out = []
    for k in range(len(dnn)):
        mask = np.zeros(len(dnn), dtype=bool)
        mask[: k + 1] = True
        part = Partition(dnn, mask)
        if len(part.cut_points) <= 1:
            out.append(part)
    return out


def nfl(problem: JointProblem, *, time_limit: float | None = None) -> SolverOutput:
    """Seed 003's NFL baseline (Sec. IV): partial offloading of the original DNN at the best single
    cut (Neurosurgeon-style), scored by the core evaluator.  O(|V|^2)."""
    best: tuple[int, Partition, Schedule, object] | None = None
    for part in single_cut_prefixes(problem):
        dag = problem.dag([part])
        schedule = Schedule({"local": np.flatnonzero(part.local).tolist()})
        ms = evaluate(dag, schedule).makespan
        if best is None or ms < best[0]:
            best = (ms, part, schedule, dag)
    ms, part, schedule, dag = best  # type: ignore[misc]
    cuts = [part.dnn.layers[i].name for i in part.cut_points]
    return SolverOutput(schedule, problem=dag, partitions=[part], objective=ms,
                        info={"cut": cuts[0] if cuts else "local-only", "local_layers": int(part.local.sum())})

