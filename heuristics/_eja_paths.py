"""EJA path order of a DAG problem (seed 002 Alg. 1 on seed 001 Fig. 11's paths) without listing
the paths.

A source-to-sink path of problem D is a local prefix (the local set is predecessor-closed), then
possibly a crossing edge ``(e, s)`` to the server and a remote suffix.  Its times are
``p1 = P`` (the prefix's local compute), ``p2 = u(e)`` (0 without a crossing) and ``p3 = S`` (the
suffix's remote compute).  EJA sorts the paths by Johnson's rule on ``(p1 + p2, p2 + p3)`` with
ties to the first group: key ``(0, P + p2)`` when ``P <= S``, else ``(1, -(p2 + S))``; the sort
is stable, so equal keys keep depth-first order, which is lexicographic order of the code
(root rank, then each step's successor rank).  Executing the sorted list with replicas once
(:func:`offloadsched.paths.execute_path_order`) gives every layer the priority of its *first
item*: the least ``(key, root rank, code)`` over the paths through it, then its depth there.

First items without listing the paths (every path through a layer ``x`` uses one junction:
a crossing edge, a local sink, or a remote source):

* Crossing ``(e, s)``, ``x`` local: with ``A`` the least prefix weight through ``x`` to ``e`` and
  ``B`` the greatest suffix weight from ``s``, the group-0 key is reachable iff ``A <= B`` and is
  then ``(0, A + u(e))`` (smaller ``P`` is better and ``S = B`` admits it); its least code takes
  the lexicographically least least-weight prefix through ``x``, the crossing's rank, and the
  lexicographically least suffix with ``S >= A`` (greedy: the first successor from which the
  heaviest completion still reaches ``A``).  Otherwise every path through the junction is in
  group 1 and the key is ``(1, -(u(e) + B))``: the lexicographically least prefix through ``x``
  and the least heaviest suffix.
* Crossing ``(e, s)``, ``x`` remote: the same with ``A`` the least prefix weight to ``e`` and
  ``B`` the greatest suffix weight through ``x``.
* Local sink ``e`` (``p2 = p3 = 0``): ``(0, 0)`` iff the least weight is 0, else ``(1, 0)``; remote
  source (``p1 = p2 = 0``): ``(0, 0)``, least code.

Per end point a backward pass and per crossing a forward pass (least / greatest weights with the
lexicographically least code among them, codes compared as tuples), so O((ends + crossings) x
arcs x depth) per class of identical jobs, plus one backward pass (O(arcs)) per remote layer
whose least suffix misses the group-0 threshold.  Exact: only extremes of path weights enter the
first items (never a path's own value among exponentially many), and a test compares the result
with the listed paths, ties included.

References (docs/REFERENCES.md): [Seed001], [Seed002], [Johnson1954].
"""

from __future__ import annotations

import numpy as np

from offloadsched.problems import DagProblem

from ._clock import Clock
from ._paths import rank_first_items, weak_components

# Per relative node: (f, u, r, local, successor positions).
FullSignature = tuple[tuple[int, int, int, bool, tuple[int, ...]], ...]
Code = tuple[int, ...]
# A layer's first item: (EJA key, root rank, code, depth).
First = tuple[tuple[int, int], int, Code, int]


def components(dag: DagProblem) -> list[list[int]]:
    """Weakly connected components of the whole DAG, each sorted, by smallest node."""
    return weak_components(dag.preds, np.ones(len(dag), dtype=bool))


def full_signatures(dag: DagProblem, comps: list[list[int]]) -> list[FullSignature]:
    """Everything the paths through each component depend on, in positions relative to it."""
    f, u, r, loc = dag.f.tolist(), dag.u.tolist(), dag.r.tolist(), dag.local.tolist()
    out = []
    for comp in comps:
        pos = {v: i for i, v in enumerate(comp)}
        out.append(tuple((f[v], u[v], r[v], loc[v], tuple(pos[s] for s in dag.succs[v])) for v in comp))
    return out


class _Component:
    """The first items of one component's layers (see the module docstring)."""

    def __init__(self, sig: FullSignature, remote_items: bool):
        self.sig = sig
        n = len(sig)
        self.f = [t[0] for t in sig]
        self.u = [t[1] for t in sig]
        self.r = [t[2] for t in sig]
        self.loc = [t[3] for t in sig]
        self.succ = [t[4] for t in sig]
        has_pred = [False] * n
        for s in self.succ:
            for z in s:
                has_pred[z] = True
        self.roots = [v for v in range(n) if not has_pred[v]]
        self._remote_prep()
        self._local_prep()
        self.best: dict[int, First] = {}
        self._local_items()
        if remote_items:
            self._remote_items()

    # -- weights and least codes -------------------------------------------------------------
    def _local_prep(self) -> None:
        f, succ = self.f, self.succ
        n = len(self.sig)
        self.pmin: list = [None] * n  # (least weight root..x, root rank, least code among them)
        self.plex: list = [None] * n  # (root rank, least code)
        for rank, root in enumerate(self.roots):
            if self.loc[root]:
                self.pmin[root] = (f[root], rank, ())
                self.plex[root] = (rank, ())
        for v in range(n):
            if not self.loc[v]:
                continue
            w, rank, code = self.pmin[v]
            for k, s in enumerate(succ[v]):
                if self.loc[s]:
                    cand = (w + f[s], rank, code + (k,))
                    if self.pmin[s] is None or cand < self.pmin[s]:
                        self.pmin[s] = cand
                    cand2 = (self.plex[v][0], self.plex[v][1] + (k,))
                    if self.plex[s] is None or cand2 < self.plex[s]:
                        self.plex[s] = cand2

    def _remote_prep(self) -> None:
        r, succ = self.r, self.succ
        n = len(self.sig)
        self.tmax: list = [None] * n  # (-greatest weight x..sink, least code among them)
        self.tlex: list = [None] * n  # (least code x..sink, its weight)
        for y in range(n - 1, -1, -1):
            if self.loc[y]:
                continue
            if not succ[y]:
                self.tmax[y] = (-r[y], ())
                self.tlex[y] = ((), r[y])
                continue
            self.tmax[y] = min((self.tmax[z][0] - r[y], (k,) + self.tmax[z][1]) for k, z in enumerate(succ[y]))
            code, w = self.tlex[succ[y][0]]
            self.tlex[y] = ((0,) + code, w + r[y])
        self._to: dict[int, list] = {}
        self._threshold: dict[tuple[int, int], Code] = {}

    def _heaviest_to(self, y: int) -> list:
        """Greatest remote weight z..y (both counted) for every z reaching y, else None."""
        if y not in self._to:
            mx: list = [None] * len(self.sig)
            mx[y] = self.r[y]
            for z in range(y - 1, -1, -1):
                if not self.loc[z]:
                    best = max((mx[s] for s in self.succ[z] if mx[s] is not None), default=None)
                    if best is not None:
                        mx[z] = best + self.r[z]
            self._to[y] = mx
        return self._to[y]

    def _least_suffix(self, s: int, T: int, through: int | None = None) -> tuple[Code, int]:
        """The least code of a remote path from ``s`` to a sink (through ``through``) with weight
        >= ``T`` (one exists), and the number of steps from ``s`` to ``through``."""
        r, succ = self.r, self.succ
        if through is None:
            key = (s, T)
            if key not in self._threshold:
                code, w = self.tlex[s]
                self._threshold[key] = code if w >= T else self._greedy(s, r[s], T, ())
            return self._threshold[key], 0
        y = through
        mx = self._heaviest_to(y)
        tail_w = -self.tmax[y][0] - r[y]  # heaviest after y
        cur, acc, code = s, r[s], ()
        while cur != y:
            for k, z in enumerate(succ[cur]):
                if mx[z] is not None and acc + mx[z] + tail_w >= T:
                    cur, acc, code = z, acc + r[z], code + (k,)
                    break
        return code + self._greedy(y, acc, T, ()), len(code)

    def _greedy(self, cur: int, acc: int, T: int, code: Code) -> Code:
        r, succ = self.r, self.succ
        while succ[cur]:
            for k, z in enumerate(succ[cur]):
                if acc - self.tmax[z][0] >= T:
                    cur, acc, code = z, acc + r[z], code + (k,)
                    break
        return code

    def _offer(self, x: int, item: First) -> None:
        if x not in self.best or item < self.best[x]:
            self.best[x] = item

    # -- local layers ------------------------------------------------------------------------
    def _local_items(self) -> None:
        f, u, succ, loc = self.f, self.u, self.succ, self.loc
        for e in range(len(self.sig)):
            if not loc[e]:
                continue
            cross = [(k, s) for k, s in enumerate(succ[e]) if not loc[s]]
            if succ[e] and not cross:
                continue
            smin: dict[int, tuple[int, Code]] = {e: (0, ())}
            slex: dict[int, Code] = {e: ()}
            for v in range(e - 1, -1, -1):
                if not loc[v]:
                    continue
                for k, s in enumerate(succ[v]):
                    if s in smin:
                        cand = (f[s] + smin[s][0], (k,) + smin[s][1])
                        if v not in smin or cand < smin[v]:
                            smin[v] = cand
                        cand2 = (k,) + slex[s]
                        if v not in slex or cand2 < slex[v]:
                            slex[v] = cand2
            # the crossings' greatest suffix weights, by rank (ties of keys go to the lower rank)
            heavy = [(k, s, -self.tmax[s][0]) for k, s in cross]
            for x, (sw, scode) in smin.items():
                wmin, rank_min, pcode = self.pmin[x]
                A = wmin + sw
                if not cross:  # a local sink: p2 = p3 = 0
                    if A <= 0:
                        self._offer(x, ((0, 0), rank_min, pcode + scode, len(pcode)))
                    else:
                        rank, lcode = self.plex[x]
                        self._offer(x, ((1, 0), rank, lcode + slex[x], len(lcode)))
                    continue
                key, k, s, B = min(((0, A + u[e]) if A <= B else (1, -(u[e] + B)), k, s, B) for k, s, B in heavy)
                if key[0] == 0:
                    tail, _ = self._least_suffix(s, A)
                    self._offer(x, (key, rank_min, pcode + scode + (k,) + tail, len(pcode)))
                else:
                    rank, lcode = self.plex[x]
                    self._offer(x, (key, rank, lcode + slex[x] + (k,) + self.tmax[s][1], len(lcode)))

    # -- remote layers -----------------------------------------------------------------------
    def _starts(self) -> dict[int, list]:
        """Remote path starts: ``s -> [(e, k)]`` for crossings, ``[]`` for remote sources."""
        starts: dict[int, list] = {s: [] for s in self.roots if not self.loc[s]}
        for e in range(len(self.sig)):
            if self.loc[e]:
                for k, s in enumerate(self.succ[e]):
                    if not self.loc[s]:
                        starts.setdefault(s, []).append((e, k))
        return starts

    def _remote_items(self) -> None:
        r, u, succ = self.r, self.u, self.succ
        n = len(self.sig)
        root_rank = {v: i for i, v in enumerate(self.roots)}
        for s, entries in self._starts().items():
            qmax: dict[int, tuple[int, Code]] = {s: (-r[s], ())}
            qlex: dict[int, tuple[Code, int]] = {s: ((), r[s])}
            for v in range(s, n):
                if v not in qmax:
                    continue
                for k, z in enumerate(succ[v]):
                    cand = (qmax[v][0] - r[z], qmax[v][1] + (k,))
                    if z not in qmax or cand < qmax[z]:
                        qmax[z] = cand
                    cand2 = (qlex[v][0] + (k,), qlex[v][1] + r[z])
                    if z not in qlex or cand2[0] < qlex[z][0]:
                        qlex[z] = cand2
            for y in qmax:
                tcode, tw = self.tlex[y]
                if not entries:  # a remote source: key (0, 0), least code
                    self._offer(y, ((0, 0), root_rank[s], qlex[y][0] + tcode, len(qlex[y][0])))
                    continue
                B = -qmax[y][0] - self.tmax[y][0] - r[y]
                for e, k in entries:
                    wmin, rank_min, pcode = self.pmin[e]
                    if wmin <= B:
                        key = (0, wmin + u[e])
                        if y in self.best and self.best[y][0] < key:
                            continue
                        tail, steps = self._least_suffix(s, wmin, through=y)
                        self._offer(y, (key, rank_min, pcode + (k,) + tail, len(pcode) + 1 + steps))
                    else:
                        rank, lcode = self.plex[e]
                        code = qmax[y][1]
                        self._offer(y, ((1, -(u[e] + B)), rank, lcode + (k,) + code + self.tmax[y][1],
                                        len(lcode) + 1 + len(code)))


def eja_path_priority(dag: DagProblem, remote_items: bool, clock: Clock | None = None) -> dict[int, int]:
    """Every layer's rank in the order of first appearance in the EJA-sorted full paths (local
    layers always; remote layers when ``remote_items``), once per class of identical jobs;
    ``clock`` is checked before each class."""
    classes: dict[FullSignature, list[list[int]]] = {}
    comps = components(dag)
    for comp, sig in zip(comps, full_signatures(dag, comps)):
        classes.setdefault(sig, []).append(comp)
    root_rank = {v: i for i, v in enumerate(v for v in range(len(dag)) if not dag.preds[v])}
    found = []
    for sig, members in classes.items():
        if clock is not None:
            clock.check()
        comp_items = _Component(sig, remote_items)
        found.append((comp_items.best, members, comp_items.roots))
    return rank_first_items(found, root_rank)
