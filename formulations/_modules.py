"""Every partition of a DNN job reduced to Sidney-Monma modules, and the makespan of a module mix.

For the joint problem with ``negligible`` remote times (MODEL.md section 2) a job's partition is
an ideal of its DAG (:mod:`offloadsched.ideals`); with the ideal fixed the job is a two-machine
flow shop with series-parallel precedences binding one sequence, and Sidney-Monma's algorithm
(:mod:`offloadsched.formulations.sidney`) reduces it to *modules*: strings of layers, each acting as the
two-machine job ``(a, b) = (X - B, X - A)`` plus a constant ``o = A + B - X`` (``A``, ``B`` its
loads, ``X`` its own makespan).  Jobs are independent (parallel composition), so for any choice of
ideals the optimal schedule sequences the union of all jobs' modules in Johnson key order, and its
makespan is ``sum(o) +`` the Johnson makespan of the modules.

Round trip ``w_rtt`` (MODEL.md section 1).  The makespan is ``max(F, C_up + w_rtt)`` (``F`` the
total local load, ``C_up`` the last upload end; ``w_rtt`` only when some job offloads), so the
modules must give ``C_up``, not a makespan that includes local work after the last upload: a
module with ``B > 0`` and ``b = X - A = 0`` hides its uploads, and local-only layers have the
largest Johnson key too.  So a partition's modules are Sidney-Monma's on ``U``, its layers that
precede some cut-point (cut-points included; :func:`~offloadsched.problems.split_uploads`
explains why ``min C_up`` is the optimum of ``U`` alone); the other local layers go after every
upload (:attr:`ModuleTable.rest`).  Then, with the partitions fixed, ``min C_up = sum(o) +`` the
Johnson makespan of the union of the ``U`` modules (a merged sequence ends with some job's last
module, whose last layer is a cut-point, so its own makespan is its last upload end), and the
optimal makespan is ``max(F, min C_up + w_rtt)``; :meth:`ModuleTable.makespan` returns it with
``w_rtt`` charged unconditionally (the caller compares with local-only for every job, the one
choice that pays none).

For an ideal whose local order is not series-parallel (RandWire) the same reduction is applied to
a series-parallel *relaxation* (arcs dropped: a lower bound for any context, because every
schedule of the real order is one of the relaxation) and to an *extension* (arcs added: its
sequences are valid, an upper bound); :func:`offloadsched.formulations.sidney.sp_bounds` chooses both.

A *kind* is a distinct ``(a, b)`` pair; kinds are totally ordered by Johnson's key (``a < b``
first by ``a`` ascending, then ``a >= b`` by ``b`` descending), ties broken by ``(a, b)`` (equal
keys are interchangeable, so any fixed tie order is a Johnson order).  With ``n_q`` modules of
kind ``q`` in that order, the Johnson makespan is the largest, over kinds present, of::

    E_q = sum_{p < q} n_p a_p + n_q max(a_q, b_q) + min(a_q, b_q) + sum_{p > q} n_p b_p

(a block of ``n_q`` identical modules is critical at its first module when ``a_q < b_q`` and at
its last otherwise).  Without its constant ``min(a_q, b_q)`` every ``E_q`` is a lower bound on
the makespan whether kind ``q`` is present or not (all times are non-negative: the split between
two blocks is dominated by the split at the next module).

References (docs/REFERENCES.md): [Johnson1954], [Sidney1979], [Monma1979], [Xie2019].
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from offloadsched.dnn import DNN
from offloadsched.ideals import DEFAULT_MAX_IDEALS, enumerate_ideals
from offloadsched.sp import analyze, find_n

from .sidney import _out_forest, quick_bracket, sp_bounds, sp_modules

#: (A, B, X, layer sequence) of one module
Module = tuple[int, int, int, list[int]]


@dataclass
class IdealModules:
    """One partition's modules: ``lower`` (exact or of a relaxation) and ``upper`` (exact or of an
    extension), the same list when its local order is series-parallel; ``strong`` when they come
    from :meth:`Catalogue.modules`."""

    lower: list[Module]
    upper: list[Module]
    strong: bool = True  # False: the quick bracket (:meth:`Catalogue.quick`), not the strongest one


class Catalogue:
    """Every partition of one DNN on one platform: the ideals with their local and upload loads
    (``F``, ``U``, integer µs), their layers before an upload (``up``) and their modules (of
    those layers), built on demand (:meth:`modules`) and kept."""

    def __init__(self, dnn: DNN, f: np.ndarray, u: np.ndarray, max_ideals: int) -> None:
        t0 = time.perf_counter()
        self.dnn = dnn
        self.ideals = enumerate_ideals(dnn, max_ideals)
        n = len(dnn)
        nbytes = (n + 7) // 8
        raw = b"".join(i.to_bytes(nbytes, "little") for i in self.ideals)
        bits = np.unpackbits(np.frombuffer(raw, dtype=np.uint8).reshape(-1, nbytes), axis=1,
                             bitorder="little")[:, :n].astype(bool)
        succ_out = np.zeros_like(bits)  # some successor of v is outside the ideal
        for v, ss in enumerate(dnn.succs):
            if ss:
                succ_out[:, v] = ~bits[:, list(ss)].all(axis=1)
        self.local = bits
        self.cut = bits & succ_out
        up = self.cut.copy()  # U: the layers that precede a cut-point (labels are topological)
        for v in range(n - 1, -1, -1):
            ss = dnn.succs[v]
            if ss:
                up[:, v] |= up[:, list(ss)].any(axis=1)
        self.up = up
        self.full = int(np.flatnonzero(bits.all(axis=1))[0])  # the local-only partition
        self.F = bits.astype(np.int64) @ f.astype(np.int64)
        self.U = self.cut.astype(np.int64) @ u.astype(np.int64)
        self.f = [int(x) for x in f]
        self.u = [int(x) for x in u]
        self.series_parallel = find_n(range(n), dnn.preds) is None  # then so is every ideal
        self._mods: dict[int, IdealModules] = {}
        self._quick: dict[int, IdealModules] = {}
        self.build_s = time.perf_counter() - t0

    def __len__(self) -> int:
        return len(self.ideals)

    def _two_machine(self, t: int) -> tuple[list[int], list[int], list[int]]:
        """Ideal ``t``'s layers before an upload (``U``) and two-machine times ``a``, ``b`` (per layer)."""
        b = [0] * len(self.f)
        for v in np.flatnonzero(self.cut[t]).tolist():
            b[v] = self.u[v]
        return np.flatnonzero(self.up[t]).tolist(), self.f, b

    def rest(self, t: int) -> list[int]:
        """Ideal ``t``'s local layers that precede no upload (in topological order)."""
        return np.flatnonzero(self.local[t] & ~self.up[t]).tolist()

    def modules(self, t: int) -> IdealModules:
        """The modules of ideal ``t`` (Sidney-Monma on the order of its layers before an upload, or
        the relaxation / extension bracket of :func:`~offloadsched.formulations.sidney.sp_bounds` when
        that order is not series-parallel)."""
        hit = self._mods.get(t)
        if hit is not None:
            return hit
        t0 = time.perf_counter()
        preds = self.dnn.preds
        local, a, b = self._two_machine(t)
        parent = _out_forest(local, preds, len(preds))
        if not local:
            out = IdealModules([], [])
        elif parent is not None:
            mods = sp_modules(None, a, b, (local, parent))
            out = IdealModules(mods, mods)
        else:
            res = analyze(local, preds, witness=False)
            if res.tree is not None:
                mods = sp_modules(res.tree, a, b)
                out = IdealModules(mods, mods)
            else:
                br = sp_bounds(res, a, b, preds, with_modules=True)
                out = IdealModules(br["lower_modules"], br["upper_modules"])
        self._mods[t] = out
        self._quick.pop(t, None)
        self.build_s += time.perf_counter() - t0
        return out

    def quick(self, t: int) -> IdealModules:
        """Ideal ``t``'s modules as :meth:`modules` has them, else (a DNN that is not series-parallel)
        the cheaper bracket of :func:`~offloadsched.formulations.sidney.quick_bracket` (``strong`` False)."""
        hit = self._mods.get(t) or self._quick.get(t)
        if hit is not None:
            return hit
        if self.series_parallel:
            return self.modules(t)
        t0 = time.perf_counter()
        local, a, b = self._two_machine(t)
        if not local or _out_forest(local, self.dnn.preds, len(a)) is not None:
            return self.modules(t)
        lower, upper = quick_bracket(local, self.dnn.preds, a, b)
        out = self._quick[t] = IdealModules(lower, upper, strong=False)
        self.build_s += time.perf_counter() - t0
        return out


_CACHE: OrderedDict[tuple, Catalogue] = OrderedDict()
_CACHE_SIZE = 32


def catalogue(dnn: DNN, f: np.ndarray, u: np.ndarray, *, max_ideals: int = DEFAULT_MAX_IDEALS) -> Catalogue:
    """The :class:`Catalogue` of ``dnn`` with local times ``f`` and upload times ``u`` (integer µs
    per layer), cached per (DNN graph, times) with the modules built so far."""
    key = (dnn.name, tuple(dnn.names), dnn.preds, f.tobytes(), u.tobytes())
    hit = _CACHE.get(key)
    if hit is not None and len(hit) <= max_ideals:
        _CACHE.move_to_end(key)
        return hit
    cat = Catalogue(dnn, f, u, max_ideals)
    _CACHE[key] = cat
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return cat


def split_values(n: np.ndarray, ka: np.ndarray, kb: np.ndarray) -> np.ndarray:
    """``E_q`` of every kind ``q`` (kinds in Johnson order, ``n_q`` modules of times ``ka``, ``kb``):
    ``a`` of the kinds before, ``b`` of those after, ``n_q max + min`` of its own block."""
    before = np.concatenate(([0], np.cumsum(n * ka)[:-1]))
    after = np.concatenate((np.cumsum((n * kb)[::-1])[::-1][1:], [0]))
    return before + after + n * np.maximum(ka, kb) + np.minimum(ka, kb)


@dataclass
class ModuleTable:
    """The modules of every (DNN, partition) option, flattened, for one side (lower or upper).

    Option ``i`` is partition ``ideal_of[i]`` of DNN group ``group_of[i]``; its modules (of its
    layers before an upload) are the rows ``owner == i`` of the flat arrays (kind index ``kind``,
    times ``a``, ``b``); ``o[i]`` is the sum of its constants, ``load[i]`` its local load and
    ``rest[i]`` its local layers after every upload.  Kinds are sorted in Johnson order (``ka``,
    ``kb`` per kind).  ``rtt``: the round trip ``w_rtt`` (µs)."""

    group_of: np.ndarray
    ideal_of: np.ndarray
    o: np.ndarray
    owner: np.ndarray
    kind: np.ndarray
    a: np.ndarray
    b: np.ndarray
    ka: np.ndarray
    kb: np.ndarray
    seqs: list[list[list[int]]]  # per option, per module (in key order): its layer sequence
    start: np.ndarray  # option i's modules are the flat rows start[i]:start[i + 1]
    load: np.ndarray
    rest: list[list[int]]
    rtt: int = 0

    @property
    def n_options(self) -> int:
        return len(self.o)

    @property
    def n_kinds(self) -> int:
        return len(self.ka)

    def options_of(self, group: int) -> np.ndarray:
        return np.flatnonzero(self.group_of == group)

    def split(self, q: int) -> np.ndarray:
        """Per option: its modules' contribution to ``E_q`` without the constant, i.e. ``a`` of
        its kinds before ``q``, ``b`` of those after, ``max(a, b)`` of its modules of kind ``q``."""
        k = self.kind
        w = np.where(k < q, self.a, np.where(k > q, self.b, np.maximum(self.a, self.b)))
        return np.bincount(self.owner, weights=w, minlength=self.n_options).astype(np.int64)

    def value(self, x: np.ndarray) -> int:
        """:meth:`makespan` of ``x[i]`` jobs on option ``i``, from the used options' modules only."""
        x = np.asarray(x, dtype=np.int64)
        used = np.flatnonzero(x)
        rows = np.concatenate([np.arange(self.start[i], self.start[i + 1]) for i in used.tolist()] or [[]])
        rows = rows.astype(np.int64)
        kinds, inv = np.unique(self.kind[rows], return_inverse=True)
        n = np.bincount(inv.reshape(-1), weights=x[self.owner[rows]], minlength=len(kinds)).astype(np.int64)
        e = split_values(n, self.ka[kinds], self.kb[kinds])
        return self._total(x, int(e.max()) if len(e) else 0)

    def own_slopes(self, copies: np.ndarray) -> np.ndarray:
        """Per option ``i``: a slope ``r_i`` such that ``k`` jobs on option ``i`` alone have a last
        upload end >= ``r_i k`` for every ``1 <= k <= copies[i]``, exact at ``k = copies[i]``.

        ``k`` copies of the modules of option ``i`` have ``C_up = max_q (k (o_i + s_q) + c_q)`` (``s_q``
        the kind's split without its constant ``c_q`` for one copy); with ``q`` critical at ``N =
        copies[i]`` the slope ``o_i + s_q + c_q / N`` is below every piece for ``k <= N``.  Any set of
        jobs has ``C_up`` at least that of a subset (its Johnson makespan and constants only grow), so
        ``C_up >= r_i x_i`` is valid for any counts."""
        out = np.zeros(self.n_options, dtype=float)
        for i in range(self.n_options):
            lo, hi = int(self.start[i]), int(self.start[i + 1])
            if lo == hi:
                continue
            kinds, inv = np.unique(self.kind[lo:hi], return_inverse=True)
            n = np.bincount(inv.reshape(-1), minlength=len(kinds)).astype(np.int64)
            big = int(copies[i])
            e = split_values(big * n, self.ka[kinds], self.kb[kinds])
            out[i] = self.o[i] + e.max() / big
        return out

    def _total(self, x: np.ndarray, top: int) -> int:
        """``max(F, C_up + w_rtt)`` with ``C_up = sum(o) + top``."""
        return max(int(x @ self.load), int(x @ self.o) + top + self.rtt)

    def makespan(self, x: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
        """Makespan of ``x[i]`` jobs on option ``i``: ``max(F, C_up + w_rtt)`` with ``F`` the local
        load and ``C_up = sum(o) + max_q E_q`` the least last upload end, ``w_rtt`` charged even
        when no option offloads (then ``C_up = 0``; see the module docstring); also every kind's
        ``E_q`` (``-1`` where absent) and the counts ``n_q``."""
        x = np.asarray(x, dtype=np.int64)
        n = np.bincount(self.kind, weights=x[self.owner], minlength=self.n_kinds).astype(np.int64)
        e = np.where(n > 0, split_values(n, self.ka, self.kb), -1)
        top = int(e.max()) if len(e) and n.any() else 0
        return self._total(x, top), e, n


class TimeLimitReached(Exception):
    """The deadline passed while modules were being built."""


def module_table(catalogues: list[Catalogue], options: list[np.ndarray], side: str,
                 deadline: float | None = None, quick: bool = False, rtt: int = 0) -> ModuleTable:
    """The flat :class:`ModuleTable` of ideals ``options[g]`` of each catalogue ``g``, on ``side``
    (``"lower"``: exact or relaxation modules; ``"upper"``: exact or extension modules); raises
    :class:`TimeLimitReached` once ``deadline`` (a ``time.perf_counter()`` value) has passed.
    ``quick``: :meth:`Catalogue.quick` modules (every module set stays a valid relaxation or
    extension, only a looser one).  ``rtt``: the round trip ``w_rtt`` (µs)."""
    raw: list[tuple[int, int, int]] = []  # (option, a', b')
    group_of, ideal_of, o, seqs, load, rest = [], [], [], [], [], []
    for g, (cat, keep) in enumerate(zip(catalogues, options)):
        for t in keep.tolist():
            if deadline is not None and not len(o) % 64 and time.perf_counter() > deadline:
                raise TimeLimitReached
            i = len(o)
            group_of.append(g)
            ideal_of.append(t)
            mods = getattr(cat.quick(t) if quick else cat.modules(t), side)
            total = 0
            for am, bm, xm, _seq in mods:
                raw.append((i, xm - bm, xm - am))
                total += am + bm - xm
            o.append(total)
            seqs.append([m[3] for m in mods])
            load.append(int(cat.F[t]))
            rest.append(cat.rest(t))
    arr = np.array(raw, dtype=np.int64).reshape(-1, 3)
    owner, a, b = arr[:, 0].copy(), arr[:, 1].copy(), arr[:, 2].copy()
    big = int(max(a.max(initial=0), b.max(initial=0))) + 1
    keys = np.where(a < b, a, 2 * big - b)
    pairs, kind = np.unique(np.stack([keys, a, b], axis=1), axis=0, return_inverse=True)
    return ModuleTable(np.array(group_of, dtype=np.int64), np.array(ideal_of, dtype=np.int64),
                       np.array(o, dtype=np.int64), owner, kind.reshape(-1).astype(np.int64), a, b,
                       pairs[:, 1].copy(), pairs[:, 2].copy(), seqs,
                       np.searchsorted(owner, np.arange(len(o) + 1)), np.array(load, dtype=np.int64), rest, int(rtt))


def sequence(table: ModuleTable, choice: list[int], offsets: list[int]) -> list[int]:
    """The local order of jobs ``k`` on options ``choice[k]`` (layer ``v`` of job ``k`` is node
    ``offsets[k] + v``): every job's modules merged in kind order (stable: a job's own modules
    keep their key order, which respects its precedences), then every job's layers after its
    uploads."""
    entries = []
    kinds = table.kind.tolist()
    for k, i in enumerate(choice):
        s0 = int(table.start[i])
        for pos, seq in enumerate(table.seqs[i]):
            entries.append((kinds[s0 + pos], k, pos, seq))
    entries.sort(key=lambda e: (e[0], e[1], e[2]))
    order: list[int] = []
    for _q, k, _pos, seq in entries:
        off = offsets[k]
        order.extend(off + v for v in seq)
    for k, i in enumerate(choice):
        order.extend(offsets[k] + v for v in table.rest[i])
    return order
