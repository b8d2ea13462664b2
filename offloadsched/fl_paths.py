"""Seed 003's fused-layer (FL) path model and the search over FL configurations.

Seed 003 (Li, Wang, Zhou, Duan & Wu, "Fused-Layer-based DNN Model Parallelism and Partial
Computation Offloading", GLOBECOM 2022, Sec. II-B and Alg. 1).  A DNN converted by
:func:`offloadsched.instances.fused.fuse_layers` has ``P`` independent FL paths of ``tau + 1``
positions; :class:`FLPaths` holds, per path and cut position, the local, upload and remote times
on a platform, a fast makespan of a path order and cuts (O(P)), and the schedule and partition
that realise it on the core's problem D.  :func:`search_fl` runs a method's choice of order and
cuts on every converted DNN and keeps the best; :func:`fl_output` is the method's
:class:`~offloadsched.registry.SolverOutput`.  Used by the FL methods (``nfl``, ``mw``,
``mw-fixed``, ``bf-fl``, ``fl-exact``); the graph conversion itself is in
:mod:`offloadsched.instances.fused`.

References (docs/REFERENCES.md): [Seed003].
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .dnn import DNN
from .errors import SizeLimitError, ValidationError
from .partition import Partition
from .problems import JointProblem
from .registry import SolverOutput
from .schedule import Schedule


@dataclass(frozen=True, eq=False)
class FLPaths:
    """Seed 003's path model of a converted DNN on a platform (integer µs).

    Cutting path ``p`` after position ``o`` (0 = its crop, ``T`` = its last tile layer) runs the
    positions ``0..o`` locally and uploads position ``o``'s output; the path's remaining layers,
    the fuse layer and the rest of the network run on the server.  ``A[p, o]``, ``B[p, o]``,
    ``C[p, o]`` are that cut's local, upload and remote times; ``tail`` is the remote time of the
    fuse layer and the rest (``serial``: their sum; ``parallel``: their longest chain;
    ``negligible``: 0).  A schedule runs the paths in one order on the device, the uplink and
    (serial) the server - seed 003 Sec. II-B: "the computation order of the FL paths on the end
    device is the same as the transmission order and the computation order on the ES".
    """

    problem: JointProblem
    dnn: DNN
    nodes: np.ndarray  # (P, T + 1) layer indices, crop first
    A: np.ndarray
    B: np.ndarray
    C: np.ndarray
    tail_nodes: np.ndarray
    tail: int

    @classmethod
    def of(cls, dnn: DNN, problem: JointProblem) -> FLPaths:
        """The path model of the converted ``dnn`` on ``problem``'s platform and remote model.  O(|V|)."""
        info = dnn.attrs.get("fl")
        if not info:
            raise ValidationError(f"{dnn.name!r} is not a fused-layer conversion (no attrs['fl'])")
        jp = JointProblem([dnn], problem.platform, remote_model=problem.remote_model, name=problem.name,
                          release=problem.release)
        f, u, r = jp.times[0]
        nodes = np.array([[dnn.index[n] for n in path] for path in info["paths"]], dtype=np.int64)
        fuse = dnn.index[info["fuse"]]
        tail_nodes = np.arange(fuse, len(dnn), dtype=np.int64)
        rr = r[nodes]
        if problem.remote_model == "serial":
            tail = int(r[tail_nodes].sum())
        elif problem.remote_model == "parallel":
            longest = np.zeros(len(dnn), dtype=np.int64)
            for v in tail_nodes.tolist():
                longest[v] = int(r[v]) + max((int(longest[p]) for p in dnn.preds[v] if p >= fuse), default=0)
            tail = int(longest[tail_nodes].max())
        else:
            tail = 0
        return cls(jp, dnn, nodes, np.cumsum(f[nodes], axis=1), u[nodes].copy(),
                   rr.sum(axis=1, keepdims=True) - np.cumsum(rr, axis=1), tail_nodes, tail)

    @property
    def n_paths(self) -> int:
        return self.nodes.shape[0]

    @property
    def n_cuts(self) -> int:
        """Cut positions per path (``tau + 1``)."""
        return self.nodes.shape[1]

    @property
    def rtt(self) -> int:
        """The platform's round trip (µs), paid once: the job always offloads."""
        return self.problem.platform.rtt_us

    @property
    def start(self) -> int:
        """The job's release time (µs): no operation starts before it, so every schedule of the one
        job is the schedule from time 0 shifted by it (MODEL.md "Release times")."""
        return int(self.problem.release[0])

    @property
    def serial(self) -> bool:
        return self.problem.remote_model == "serial"

    def makespan(self, order: Sequence[int], cuts: Sequence[int]) -> int:
        """Makespan of paths in ``order`` with ``cuts[p]`` per path: the permutation flow shop
        (local, uplink, server) of the paths, then the tail, then the round trip ``w_rtt`` (every FL
        schedule offloads: the fuse layer runs on the server), all after the job's release
        (:attr:`start`).  O(P)."""
        c1 = c2 = c3 = 0
        for p in order:
            o = cuts[p]
            c1 += int(self.A[p, o])
            c2 = max(c1, c2) + int(self.B[p, o])
            c3 = max(c3, c2) + int(self.C[p, o]) if self.serial else max(c3, c2 + int(self.C[p, o]))
        return c3 + self.tail + self.rtt + self.start

    def all_cuts_makespans(self, order: Sequence[int], limit: int = 1 << 22) -> np.ndarray:
        """Makespans of ``order`` for every combination of cuts: an array with one axis per path
        (axis ``p`` = ``cuts[p]``), shape ``(T + 1,) * P``.  O((T + 1)^P) time and memory; refuses
        (:class:`SizeLimitError`) above ``limit`` combinations."""
        P, K = self.nodes.shape
        if K ** P > limit:
            raise SizeLimitError(f"fused paths: {K}^{P} = {K ** P} cut combinations exceed the limit {limit}")
        c1: Any = 0
        c2: Any = 0
        c3: Any = 0
        for p in order:
            shape = [1] * P
            shape[p] = K
            a, b, c = (x[p].reshape(shape) for x in (self.A, self.B, self.C))
            c1 = c1 + a
            c2 = np.maximum(c1, c2) + b
            c3 = np.maximum(c3, c2) + c if self.serial else np.maximum(c3, c2 + c)
        return np.broadcast_to(c3, (K,) * P) + (self.tail + self.rtt + self.start)

    def realise(self, order: Sequence[int], cuts: Sequence[int]) -> tuple[Partition, Schedule]:
        """The partition and the core schedule of ``order`` and ``cuts``: local order = input, then
        each path's local positions in ``order``; uplink order = the paths' cut layers in ``order``;
        (serial) remote order = each path's remote layers in ``order``, then the tail."""
        local = [int(self.dnn.input)]
        uplink, remote = [], []
        for p in order:
            o = int(cuts[p])
            local.extend(self.nodes[p, : o + 1].tolist())
            uplink.append(int(self.nodes[p, o]))
            remote.extend(self.nodes[p, o + 1:].tolist())
        mask = np.zeros(len(self.dnn), dtype=bool)
        mask[local] = True
        seqs = {"local": local, "uplink": uplink}
        if self.serial:
            seqs["remote"] = remote + self.tail_nodes.tolist()
        return Partition(self.dnn, mask), Schedule(seqs)

    def info(self, order: Sequence[int], cuts: Sequence[int]) -> dict[str, Any]:
        """What a method reports: tau, tiling, P, the path order and the cut layers."""
        fl = self.dnn.attrs["fl"]
        names = self.dnn.names
        return {"dnn": self.dnn.name, "tau": fl["tau"], "tiles": fl["tiles"], "P": self.n_paths,
                "rows": list(fl["rows"]), "cols": list(fl["cols"]), "order": [int(p) for p in order],
                "cuts": [int(c) for c in cuts], "cut_layers": [names[self.nodes[p, c]] for p, c in enumerate(cuts)],
                "predicted_makespan": self.makespan(order, cuts)}


# -- searching the FL strategy (shared by the FL methods) ----------------------------------------
Chooser = Callable[[FLPaths], tuple[Sequence[int], Sequence[int]]]


def single_job(problem: Any, method: str) -> DNN:
    """The one DNN of a joint problem (the FL methods schedule one inference job)."""
    if getattr(problem, "type", None) != "joint":
        raise ValidationError(f"{method}: needs a joint problem, got {type(problem).__name__}")
    if len(problem.jobs) != 1:
        raise ValidationError(f"{method}: schedules one DNN job (seed 003), got {len(problem.jobs)}")
    return problem.jobs[0]


def search_fl(problem: JointProblem, conversions: Iterable[DNN], choose: Chooser,
              ) -> tuple[FLPaths, list[int], list[int], int]:
    """Run ``choose`` (path order and cuts) on every converted DNN of ``conversions`` (one per
    configuration, e.g. :func:`offloadsched.instances.fused.fl_conversions`) and keep the smallest
    makespan (ties: the first configuration; seed 003 Alg. 1 lines 15-23).  Returns the paths,
    order, cuts and makespan.  O(sum over configurations of |V| + the cost of ``choose``)."""
    dnn = single_job(problem, "fused-layer search")
    best: tuple[FLPaths, list[int], list[int], int] | None = None
    for converted in conversions:
        paths = FLPaths.of(converted, problem)
        order, cuts = choose(paths)
        ms = paths.makespan(order, cuts)
        if best is None or ms < best[3]:
            best = (paths, [int(p) for p in order], [int(c) for c in cuts], ms)
    if best is None:
        raise ValidationError(f"fused-layer search on {dnn.name!r}: no configuration to try")
    return best


def fl_output(paths: FLPaths, order: Sequence[int], cuts: Sequence[int], *, status: str = "heuristic",
              bound: float | None = None, **info: Any) -> SolverOutput:
    """The :class:`SolverOutput` of an FL method: problem D of the converted DNN and its partition."""
    part, schedule = paths.realise(order, cuts)
    details = paths.info(order, cuts)
    details.update(info)
    return SolverOutput(schedule, status=status, bound=bound, objective=details["predicted_makespan"],
                        problem=paths.problem.dag([part]), partitions=[part], info=details)
