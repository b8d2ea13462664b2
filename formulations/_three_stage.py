"""Lower bounds of the three-stage joint problem (``serial`` / ``parallel`` remote) per partition option.

Used by :mod:`offloadsched.formulations.mip_joint_ideals`.  With remote compute times (MODEL.md section 2,
problem D) a job with partition (ideal) ``L`` has, beside its local and upload work:

* ``R``: its remote load, ``sum r(v)`` over the layers outside ``L``;
* ``head``: the earliest end of any of its uploads, ``min over cut-points c of (hc(c) + u(c))`` with
  ``hc(c)`` the longest chain of local computes ending with ``c`` (every remote layer waits for some
  upload of its job, so no remote operation of the job starts earlier);
* ``tail``: the least remote chain after an upload, ``min over cut-points c of max over remote
  successors s of P(s)``, ``P(s)`` the longest chain of remote computes starting with ``s`` (a
  remote layer's successors are remote: ``L`` is closed under predecessors).  Whichever of its
  uploads ends last, the job completes at least ``tail + w_rtt`` after it.

Valid bounds for any schedule of any choice of partitions, ``S`` the set of offloading options used
(the all-local choice pays no round trip and is compared apart by the caller):

* the last upload ``C_up`` is some offloading job's last upload, so makespan
  ``>= C_up + min_{i in S} tail_i + w_rtt``, and ``C_up >=`` the negligible model's last upload end
  (Sidney-Monma modules, :mod:`offloadsched.formulations._modules`);
* ``serial``: the server runs every remote operation one at a time after the first upload ends, so
  makespan ``>= min_{i in S} head_i + sum R + w_rtt``.

``min_{i in S}`` is modelled as a *staircase* (:func:`staircase`): thresholds ``t_1 < .. < t_K``
(``t_1`` the least value), ``value = t_1 + sum_k (t_{k+1} - t_k) w_k`` with ``w_k >= 1 - sum of z_i``
over the options below ``t_{k+1}`` (``z_i`` = option ``i`` is used, binary).  For integer ``z``,
``w_k`` is 1 exactly when no used option is below ``t_{k+1}``, so the value is the largest threshold
``<=`` the minimum: a lower bound, exact when every distinct value is a threshold.  Keeping only
:data:`STAIR_LEVELS` thresholds keeps it a lower bound.

Complexity: O(I (n + e)) per DNN for its I ideals (numpy over the ideals), cached per (catalogue, r).

References (docs/REFERENCES.md): [Seed002], [Sidney1979], [Monma1979].
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pulp

from ._modules import Catalogue, ModuleTable

#: thresholds kept per staircase (more: tighter, more binaries in play)
STAIR_LEVELS = 24


@dataclass
class OptionBounds:
    """Per option of a :class:`ModuleTable`: remote load ``R``, earliest upload end ``head`` and least
    remote chain after an upload ``tail`` (µs; 0 for local-only options) and whether it offloads."""

    R: np.ndarray
    head: np.ndarray
    tail: np.ndarray
    offload: np.ndarray


def _ideal_bounds(cat: Catalogue, r: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(R, head, tail)`` of every ideal of ``cat`` with remote times ``r`` (cached on the catalogue)."""
    cache: dict = cat.__dict__.setdefault("_three_stage", {})
    key = r.tobytes()
    if key in cache:
        return cache[key]
    dnn = cat.dnn
    n = len(dnn)
    f, u = np.array(cat.f, dtype=np.int64), np.array(cat.u, dtype=np.int64)
    r = np.asarray(r, dtype=np.int64)
    hc = np.zeros(n, dtype=np.int64)  # longest local chain ending with v (labels are topological)
    for v in range(n):
        hc[v] = f[v] + max((int(hc[p]) for p in dnn.preds[v]), default=0)
    chain = np.zeros(n, dtype=np.int64)  # longest remote chain starting with v
    for v in range(n - 1, -1, -1):
        chain[v] = r[v] + max((int(chain[s]) for s in dnn.succs[v]), default=0)
    remote = ~cat.local
    R = remote.astype(np.int64) @ r
    big = np.iinfo(np.int64).max // 4
    head = np.where(cat.cut, (hc + u)[None, :], big).min(axis=1, initial=big)
    after = np.zeros(cat.cut.shape, dtype=np.int64)
    for v in range(n):
        for s in dnn.succs[v]:
            np.maximum(after[:, v], np.where(remote[:, s], chain[s], 0), out=after[:, v])
    tail = np.where(cat.cut, after, big).min(axis=1, initial=big)
    none = ~cat.cut.any(axis=1)
    head[none] = 0
    tail[none] = 0
    cache[key] = (R, head, tail)
    return cache[key]


def option_bounds(cats: list[Catalogue], table: ModuleTable, r: list[np.ndarray]) -> OptionBounds:
    """:class:`OptionBounds` of every option of ``table`` (``r[g]``: the remote times of group ``g``)."""
    n = table.n_options
    out = OptionBounds(np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64),
                       np.zeros(n, dtype=bool))
    for g, cat in enumerate(cats):
        opts = table.options_of(g)
        ideals = table.ideal_of[opts]
        R, head, tail = _ideal_bounds(cat, r[g])
        out.R[opts], out.head[opts], out.tail[opts] = R[ideals], head[ideals], tail[ideals]
        out.offload[opts] = cat.cut[ideals].any(axis=1)
    return out


def thresholds(values: np.ndarray, levels: int = STAIR_LEVELS) -> list[int]:
    """At most ``levels`` thresholds among the distinct ``values``: the least, the largest and evenly
    spaced ranks between (every distinct value when there are few)."""
    distinct = np.unique(values)
    if len(distinct) <= levels:
        return distinct.tolist()
    pick = np.unique(np.round(np.linspace(0, len(distinct) - 1, levels)).astype(int))
    return distinct[pick].tolist()


def staircase(prob: pulp.LpProblem, name: str, values: np.ndarray, options: np.ndarray,
              use: Callable[[int], pulp.LpVariable]) -> pulp.LpAffineExpression | None:
    """A lower bound on ``min`` of ``values[i]`` over the used ``options`` (see the module docstring);
    None without options."""
    if not len(options):
        return None
    vals = values[options]
    ts = thresholds(vals)
    expr = pulp.LpAffineExpression(constant=int(ts[0]))
    for k in range(len(ts) - 1):
        below = options[vals < ts[k + 1]].tolist()
        w = prob.add_variable(f"{name}_{k}", lowBound=0, upBound=1)
        prob += w >= 1 - pulp.lpSum(use(i) for i in below), f"{name}_step_{k}"
        expr += (int(ts[k + 1]) - int(ts[k])) * w
    return expr


def stair_value(values: np.ndarray, options: np.ndarray, x: np.ndarray, exact: bool = True) -> int:
    """The least ``values[i]`` over the options of ``options`` with ``x[i] > 0`` (``exact=False``: the
    staircase's value, the largest threshold below it); 0 when none is used."""
    used = options[x[options] > 0]
    if not len(used):
        return 0
    low = int(values[used].min())
    if exact:
        return low
    ts = thresholds(values[options])
    return max(t for t in ts if t <= low)
