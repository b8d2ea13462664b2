"""Branch-and-bound for the permutation flow shop Fm|prmu|Cmax (MODEL.md J2 and Fm).

After J. Gmys, M. Mezmaz, N. Melab and D. Tuyttens, "A computationally efficient Branch-and-Bound
algorithm for the permutation flow-shop scheduling problem", European Journal of Operational Research
284(3), 814-833, 2020, with the bidirectional branching of T. Ladhari and M. Haouari, "A computational
study of the permutation flow shop problem based on a tight lower bound", Computers & Operations
Research 32(7), 1831-1847, 2005:

* a node fixes a prefix (jobs at the front) and a suffix (jobs at the back); ``c1[k]`` is the
  prefix's completion on machine k, ``c2[k]`` the suffix's length from its start on machine k to
  the end, so a complete sequence has makespan ``max_k c1[k] + c2[k]``;
* LB1 (one machine, heads and tails): ``max_k release_k + unscheduled load on k + tail_k``, for
  every child on both sides in O(m) each after O(n m) per node;
* LB2 (two machines, B. J. Lageweg, J. K. Lenstra and A. H. G. Rinnooy Kan, Operations Research
  26(1), 1978): for machine pairs k < l, Johnson's rule with time lags over the unscheduled jobs
  (the order precomputed once per pair), from the machines' release times, plus the tails.  All the
  children of a node share one pass per pair: O(P n) per node for P pairs instead of O(P n) per
  child (derivation in :mod:`offloadsched.formulations._bb_kernel`).  Only the first
  :data:`LB2_PAIRS` pairs of a learned order are tried (Gmys et al.'s online learning of the
  bottleneck pairs: the pair that prunes a child, or gives its largest value, scores; every
  :data:`EXPLORE`-th node tries all pairs; the order is re-sorted by score every 256 nodes, scores
  halved), and a child stops at the first pair that prunes it.  On ta030 the first 10 of 190 pairs
  keep the tree within 16 % of all pairs' at a fifth of the time per node.  From
  :data:`LB1_ONLY_MACHINES` machines the default is LB1 alone (Gmys et al.'s finding: with many
  machines the cheaper bound wins): on Taillard's 20x20 LB1 alone expands about 1.5 times the nodes
  of LB2 at a third of the time per node (ta029: 11.1 M nodes in 14 s against 7.6 M in 20 s), on
  20x10 LB2 stays ahead (ta017: 4.9 M nodes in 12 s against 30 M in 17 s);
* dynamic branching (Gmys et al.'s MinBranch): each node is branched forward (a job appended to the
  prefix) or backward (prepended to the suffix), the side with fewer children whose bound (LB1, then
  LB2 on both sides: ``mode`` 2, the default; LB2 on the chosen side only: ``mode`` 1) stays below
  the incumbent, ties to the larger sum of bounds.  A child's bound is also at least the smallest
  bound over the other side's jobs but its own (every completion puts some other job there);
* depth first, children by increasing bound, pruned when the bound reaches the incumbent, which
  starts from ``ig`` (through :func:`offloadsched.solve`, ``hint=True``);
* the whole search of a chunk runs compiled, with no call in the per-node and per-child loops (a
  numba call with array arguments counts references atomically, which took about 60 % of the time
  of LB1): about 0.8 M nodes per second and core with LB1 alone on 20x20, 0.3-0.4 M with LB2.

Both cores (``workers=2``): the search runs in threads (the compiled search releases the GIL) that
share the incumbent; an idle worker takes the shallowest open node of a busy one (work stealing
between chunks of about 20 ms).  The proof is the same; the schedule and node counts may differ
between runs.  ``workers=1`` (the default) is deterministic.

With a round trip ``w_rtt > 0`` the search runs over the offloading jobs and the local-only jobs
are appended (:mod:`offloadsched.flow_rtt`: optimum max(P1, C* + w_rtt)).

Worst case O(n! P n) time; memory O(n) per open node (the stack grows on demand, at most
:data:`STACK_MAX_BYTES`).  Above :data:`MAX_BRANCH_JOBS` jobs there is no search (the bound is the
root's), above :data:`IG_MAX_WORK` = n^2 m the warm start is the best two-machine Johnson order
(J2: Johnson's rule, optimal) instead of ``ig``, and above :data:`MAX_PAIR_CELLS` = P n the pairs
are a subset (:func:`_machine_pairs`), so that the set-up stays within a time limit at any
size.

References (docs/REFERENCES.md): [Johnson1954], [LagewegLenstraRinnooyKan1978], [LadhariHaouari2005], [Gmys2020].
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from offloadsched.bounds import johnson_orders, lower_bound
from offloadsched.errors import ValidationError
from offloadsched.flow_rtt import reduce_round_trip
from offloadsched.problems import FmProblem
from offloadsched.registry import SolverOutput
from offloadsched.schedule import Schedule

from . import _bb_kernel as kernel
from ._flowshop import ig_ready, ig_warm_start

CHUNK_SECONDS = 0.1  # the compiled search returns to Python about this often (limits, log, stealing)
MAX_BRANCH_JOBS = 500  # above: no search (a level of the stack holds n^2 job entries), the root bound
MAX_PAIR_CELLS = 1_000_000  # pairs x jobs above which LB2 keeps a subset of the machine pairs
IG_MAX_WORK = 10_000_000  # n^2 m above which the warm start is not ig (its NEH alone is O(n^2 m))
CORE_BOUND_MAX_WORK = 3_000_000  # n m^2 above which the core's lower_bound (Jackson, numpy pairs) is skipped
STACK_MAX_BYTES = 1 << 29  # the search stops (status feasible) rather than grow its stack beyond this
BIG = 1 << 62
LB2_PAIRS = 10  # machine pairs LB2 tries per child (the first in the learned order)
LB1_ONLY_MACHINES = 15  # from this many machines the default is LB1 alone (lb2_pairs=0)
EXPLORE = 32  # every EXPLORE-th node LB2 tries all the machine pairs (to learn their order)
_COMPILED = False


def _machine_pairs(n: int, m: int) -> np.ndarray:
    """Machine pairs k < l for LB2 (P x 2): all of them, or when P n > MAX_PAIR_CELLS the first
    MAX_PAIR_CELLS / n (at least one) of (0, m - 1), the adjacent pairs, (0, k) and (k, m - 1)."""
    k1, k2 = np.triu_indices(m, 1)
    if len(k1) * n > MAX_PAIR_CELLS:
        cand = [(0, m - 1)] + [(k, k + 1) for k in range(m - 1)] + [(0, k) for k in range(1, m)] + \
               [(k, m - 1) for k in range(m - 1)]
        sub = list(dict.fromkeys(cand))[:max(1, MAX_PAIR_CELLS // n)]
        k1, k2 = np.array(sub, dtype=np.int64).reshape(-1, 2).T
    return np.stack([k1, k2], axis=1).astype(np.int64)


def _pair_data(p: np.ndarray, pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Johnson's order with lags per pair (P x n) and the lags (P x n)."""
    if len(pairs) == 0:
        return np.zeros((0, p.shape[0]), dtype=np.int64), np.zeros((0, p.shape[0]), dtype=np.int64)
    k1, k2 = pairs[:, 0], pairs[:, 1]
    c = np.cumsum(p, axis=1)
    lag = np.ascontiguousarray((c[:, k2] - p[:, k2] - c[:, k1]).T, dtype=np.int64)
    order = johnson_orders(p[:, k1].T + lag, p[:, k2].T + lag)
    return np.ascontiguousarray(order, dtype=np.int64), lag


def _compile() -> None:
    """Compile (or load from numba's disk cache) the search once per process, outside any time limit."""
    global _COMPILED
    if _COMPILED:
        return
    p = np.array([[3, 1, 2], [2, 2, 1], [1, 3, 3], [2, 1, 1]], dtype=np.int64)
    pairs = _machine_pairs(4, 3)
    jorder, lag = _pair_data(p, pairs)
    kernel.root_bound(p, pairs, jorder, lag)
    kernel.makespan(p, np.arange(4, dtype=np.int64))
    st = _Stack(4, 3, 16)
    st.push_root(np.arange(4, dtype=np.int32), 0)
    for mode in (1, 2):
        st.run(p, pairs, jorder, lag, np.arange(len(pairs), dtype=np.int64), np.zeros(len(pairs), dtype=np.int64),
               len(pairs), np.array([BIG], dtype=np.int64), mode, 1)
    _COMPILED = True


@dataclass
class _Stack:
    """One worker's depth-first stack (grown on demand), its incumbent and counters."""

    n: int
    m: int
    cap: int
    sp: int = 0
    nodes: int = 0
    closed: float = 0.0
    perm: np.ndarray = field(init=False)
    l1: np.ndarray = field(init=False)
    l2: np.ndarray = field(init=False)
    c1: np.ndarray = field(init=False)
    c2: np.ndarray = field(init=False)
    lb: np.ndarray = field(init=False)
    w: np.ndarray = field(init=False)
    best: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        n, m, cap = self.n, self.m, self.cap
        self.perm = np.zeros((cap, n), dtype=np.int32)
        self.l1, self.l2 = np.zeros(cap, dtype=np.int64), np.zeros(cap, dtype=np.int64)
        self.c1, self.c2 = np.zeros((cap, m), dtype=np.int64), np.zeros((cap, m), dtype=np.int64)
        self.lb, self.w = np.zeros(cap, dtype=np.int64), np.zeros(cap, dtype=np.float64)
        self.best = np.full(n + 1, BIG, dtype=np.int64)

    @staticmethod
    def bytes_per_node(n: int, m: int) -> int:
        return 4 * n + 16 * m + 32

    def grow(self) -> bool:
        """Double the capacity (False if that would pass STACK_MAX_BYTES)."""
        cap = 2 * self.cap
        if cap * self.bytes_per_node(self.n, self.m) > STACK_MAX_BYTES:
            return False
        for name in ("perm", "l1", "l2", "c1", "c2", "lb", "w"):
            old = getattr(self, name)
            new = np.zeros((cap, *old.shape[1:]), dtype=old.dtype)
            new[:self.sp] = old[:self.sp]
            setattr(self, name, new)
        self.cap = cap
        return True

    def push_root(self, order: np.ndarray, lb: int) -> None:
        self.perm[0], self.l1[0], self.l2[0] = order, 0, self.n
        self.c1[0], self.c2[0], self.lb[0], self.w[0] = 0, 0, lb, 1.0
        self.sp = 1

    def take_bottom(self) -> tuple:
        """Remove and return the shallowest open node (the largest subtree, for another worker)."""
        node = tuple(a[0].copy() for a in (self.perm, self.l1, self.l2, self.c1, self.c2, self.lb, self.w))
        for a in (self.perm, self.l1, self.l2, self.c1, self.c2, self.lb, self.w):
            a[:self.sp - 1] = a[1:self.sp].copy()
        self.sp -= 1
        return node

    def put(self, node: tuple) -> None:
        for a, v in zip((self.perm, self.l1, self.l2, self.c1, self.c2, self.lb, self.w), node):
            a[self.sp] = v
        self.sp += 1

    def open_bound(self) -> float:
        return float(self.lb[:self.sp].min()) if self.sp else math.inf

    def run(self, p, pairs, jorder, lag, rank, wins, npairs, shared, mode, max_nodes) -> bool:
        """Expand up to ``max_nodes`` nodes; False if the stack is full and cannot grow."""
        sp, done, closed, room = kernel.search(p, pairs, jorder, lag, rank, wins, npairs, EXPLORE, self.perm, self.l1,
                                               self.l2, self.c1, self.c2, self.lb, self.w, self.sp, shared,
                                               self.best, mode, max_nodes)
        self.sp, self.nodes, self.closed = int(sp), self.nodes + int(done), self.closed + float(closed)
        return not room or self.grow()


@dataclass
class _Search:
    """The shared state of a search with one or more workers."""

    p: np.ndarray
    pairs: np.ndarray
    jorder: np.ndarray
    lag: np.ndarray
    mode: int
    npairs: int
    t0: float
    time_limit: float | None
    node_limit: int | None
    log: bool
    lines: list[str]
    shared: np.ndarray
    stacks: list[_Stack]
    lock: threading.Lock = field(default_factory=threading.Lock)
    pool: list[tuple] = field(default_factory=list)
    hungry: int = 0
    reserved: int = 0
    stop: str | None = None  # why the search stopped early: "time", "nodes", "memory"
    finished: bool = False
    logged: float = 0.0

    @property
    def nodes(self) -> int:
        return sum(s.nodes for s in self.stacks)

    def budget(self, chunk: int) -> int:
        """Nodes for the next chunk (0: stop), under the lock."""
        if self.stop or self.finished:
            return 0
        now = time.perf_counter()
        if self.time_limit is not None and now - self.t0 >= self.time_limit:
            self.stop = "time"
            return 0
        if self.node_limit is not None:
            chunk = min(chunk, self.node_limit - self.nodes - self.reserved)
            if chunk <= 0:
                if self.reserved == 0:
                    self.stop = "nodes"
                return 0
        self.reserved += chunk
        if self.log and now - self.logged >= 1.0:
            self.logged = now
            self.lines.append(f"{now - self.t0:9.2f} s  nodes {self.nodes:>13,}  open {self.open_nodes():>6}  "
                              f"explored {self.explored():7.2%}  incumbent {int(self.shared[0])}")
        return chunk

    def open_nodes(self) -> int:
        return sum(s.sp for s in self.stacks) + len(self.pool)

    def explored(self) -> float:
        return min(1.0, sum(s.closed for s in self.stacks))

    def open_bound(self) -> float:
        return min([s.open_bound() for s in self.stacks] + [float(node[5]) for node in self.pool], default=math.inf)

    def work(self, k: int) -> None:
        """Worker ``k``'s loop: chunks of its own stack, stealing when it runs dry."""
        st = self.stacks[k]
        rank = np.arange(len(self.pairs), dtype=np.int64)
        wins = np.zeros(len(self.pairs), dtype=np.int64)
        chunk, hungry, workers = 1, False, len(self.stacks)
        while True:
            with self.lock:
                if st.sp == 0 and self.pool:
                    st.put(self.pool.pop())
                if st.sp == 0:
                    if not hungry:
                        hungry, self.hungry = True, self.hungry + 1
                    if self.hungry == workers and self.reserved == 0:
                        self.finished = True
                    if self.stop or self.finished:
                        return
                    k_nodes = 0
                else:
                    if hungry:
                        hungry, self.hungry = False, self.hungry - 1
                    k_nodes = self.budget(chunk)
                    if k_nodes == 0 and (self.stop or self.finished):
                        return
            if k_nodes == 0:
                time.sleep(0.002)
                continue
            t1 = time.perf_counter()
            ok = st.run(self.p, self.pairs, self.jorder, self.lag, rank, wins, self.npairs, self.shared, self.mode,
                        k_nodes)
            took = time.perf_counter() - t1
            with self.lock:
                self.reserved -= k_nodes
                if not ok:
                    self.stop = "memory"
                while self.hungry > len(self.pool) and st.sp >= 2:
                    self.pool.append(st.take_bottom())
            target = CHUNK_SECONDS if workers == 1 else CHUNK_SECONDS / 5
            if took < target / 2:
                chunk *= 2
            elif took > 2 * target and chunk > 1:
                chunk //= 2
            if self.time_limit is not None:  # do not run far past the limit
                left = self.time_limit - (time.perf_counter() - self.t0)
                rate = k_nodes / max(took, 1e-6)
                chunk = max(1, min(chunk, int(rate * max(left, 0.0)) + 1))

    def run(self) -> None:
        if len(self.stacks) == 1:
            self.work(0)
            return
        threads = [threading.Thread(target=self.work, args=(k,), daemon=True) for k in range(len(self.stacks))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()


def _check_options(time_limit, node_limit, workers, mode, lb2_pairs, hint, log) -> None:
    if time_limit is not None and (isinstance(time_limit, bool) or not isinstance(time_limit, (int, float))
                                   or not time_limit > 0 or time_limit != time_limit):
        raise ValidationError(f"time_limit must be a positive number of seconds, got {time_limit!r}")
    for name, val, lo, optional in (("node_limit", node_limit, 1, True), ("workers", workers, 1, False),
                                    ("mode", mode, 1, False), ("lb2_pairs", lb2_pairs, 0, True)):
        if val is None and optional:
            continue
        if isinstance(val, bool) or not isinstance(val, (int, np.integer)) or val < lo:
            raise ValidationError(f"{name} must be an integer >= {lo}, got {val!r}")
    if workers > 64:
        raise ValidationError(f"workers must be at most 64, got {workers!r}")
    if mode not in (1, 2):
        raise ValidationError(f"mode must be 1 (LB2 on the chosen side) or 2 (LB2 on both sides), got {mode!r}")
    for name, val in (("hint", hint), ("log", log)):
        if not isinstance(val, bool):
            raise ValidationError(f"{name} must be True or False, got {val!r}")


def _warm_order(problem: FmProblem, p: np.ndarray, jorder: np.ndarray, root_pair: int, hint: bool,
                time_limit: float | None, seed: int | None) -> tuple[np.ndarray, str]:
    """The starting sequence: ``ig``'s (within its share of the time limit) when affordable, else the
    better of the root's best pair's Johnson order and the pair (first, last machine)'s."""
    n, m = p.shape
    if not hint or n < 2:
        return np.arange(n, dtype=np.int64), "index order"
    if m > 2 and n * n * m <= IG_MAX_WORK:
        warm = ig_warm_start(problem, time_limit, seed)
        if warm is not None:
            return np.asarray(warm, dtype=np.int64), "ig"
    cands = [jorder[t] for t in {root_pair, 0} if 0 <= t < len(jorder)]
    if not cands:
        return np.arange(n, dtype=np.int64), "index order"
    order = min(cands, key=lambda o: int(kernel.makespan(p, o)))
    return np.ascontiguousarray(order, dtype=np.int64), "johnson" if m == 2 else "two-machine johnson"


@reduce_round_trip
def solve_bb_flowshop(problem: FmProblem, *, time_limit: float | None = None, node_limit: int | None = None,
                      workers: int = 1, mode: int = 2, lb2_pairs: int | None = None, hint: bool = True,
                      seed: int | None = None, log: bool = False) -> SolverOutput:
    """Bidirectional branch-and-bound with the one- and two-machine bounds (exact for any m >= 2).

    ``time_limit`` (seconds: the warm start and set-up included, the one-time compilation or loading
    of the compiled search from numba's disk cache excluded) and ``node_limit`` (expanded nodes) stop
    the search with status ``feasible`` and the smallest bound of the open nodes; without either it
    runs to the proof.  ``workers``: threads searching at once (2 on a 2-core machine).  ``mode``:
    1 = LB2 on the side chosen by LB1, 2 = LB2 on both sides before choosing.  ``lb2_pairs``: the
    machine pairs LB2 tries per child (the first of the learned order; default :data:`LB2_PAIRS`
    below :data:`LB1_ONLY_MACHINES` machines, else 0 = LB1 only; any number keeps the search exact).  ``hint``: start
    from ``ig``'s order (``seed`` is ig's), else from the index order.  ``log``: a progress line
    about every second.  ``info``: nodes, open nodes, explored (estimated share of the tree closed),
    the warm start and its makespan, the root bound, the machine pairs of LB2, the workers.

    Round trip ``w_rtt > 0``: the search runs over the offloading jobs, the local-only jobs are
    appended, and objective and bound ``x`` become ``max(P1, x + w_rtt)`` (:mod:`offloadsched.flow_rtt`)."""
    _check_options(time_limit, node_limit, workers, mode, lb2_pairs, hint, log)
    _compile()
    if hint:
        ig_ready()  # ig's one-time compilation (its warm start), before the clock starts too
    t0 = time.perf_counter()
    p = np.array(problem.times, dtype=np.int64, order="C")  # writable: the signature _compile() compiled
    n, m = p.shape
    if n == 0:
        return SolverOutput(Schedule.from_order([]), status="optimal", bound=0, objective=0, info={"nodes": 0})
    pairs = _machine_pairs(n, m)
    jorder, lag = _pair_data(p, pairs)
    lb1, lb2, root_pair = kernel.root_bound(p, pairs, jorder, lag)
    root = max(int(lb1), int(lb2), int(p.sum(axis=1).max()))
    if n * m * m <= CORE_BOUND_MAX_WORK:
        root = max(root, lower_bound(problem))
    order, how = _warm_order(problem, p, jorder, int(root_pair), hint, time_limit, seed)
    ub = int(kernel.makespan(p, order))
    if lb2_pairs is None:
        lb2_pairs = LB2_PAIRS if m < LB1_ONLY_MACHINES else 0
    npairs = min(int(lb2_pairs), len(pairs))
    info: dict = {"warm_start": how, "warm_makespan": ub, "root_bound": root, "pairs": len(pairs),
                  "lb2_pairs": npairs, "workers": workers, "mode": mode}
    lines = [f"bb-flowshop n={n} m={m}: warm start {how} {ub}, root bound {root}, "
             f"LB2 on {npairs} of {len(pairs)} pairs, {workers} worker(s), mode {mode}"]
    best, nodes, open_nodes, open_lb, explored = order, 0, 0, math.inf, 1.0
    if root < ub and n > MAX_BRANCH_JOBS:
        info["search"] = f"skipped: more than {MAX_BRANCH_JOBS} jobs"
        lines.append(info["search"])
        open_lb, open_nodes, explored = root, 1, 0.0
    elif root < ub:
        cap = min(n * (n + 1) // 2 + 2, max(1024, 4 * n))
        stacks = [_Stack(n, m, cap) for _ in range(workers)]
        stacks[0].push_root(order.astype(np.int32), root)
        shared = np.array([ub], dtype=np.int64)
        s = _Search(p, pairs, jorder, lag, mode, npairs, t0, time_limit, node_limit, log, lines, shared, stacks)
        s.run()
        if s.stop:
            info["stopped"] = {"time": "time limit", "nodes": "node limit", "memory": "stack memory limit"}[s.stop]
        nodes, open_nodes, open_lb, explored = s.nodes, s.open_nodes(), s.open_bound(), s.explored()
        if s.finished:
            open_lb, explored = math.inf, 1.0
        mine = min(stacks, key=lambda st: int(st.best[n]))
        if int(mine.best[n]) < ub:
            ub, best = int(mine.best[n]), mine.best[:n].copy()
    bound = int(min(ub, max(root, open_lb)))
    status = "optimal" if bound >= ub else "feasible"
    info.update(nodes=int(nodes), open_nodes=int(open_nodes), explored=round(float(explored), 6))
    lines.append(f"{status}: makespan {ub}, bound {bound}, {nodes:,} nodes, {time.perf_counter() - t0:.2f} s")
    return SolverOutput(Schedule.from_order([int(j) for j in best]), status=status, bound=bound, objective=int(ub),
                        info=info, log="\n".join(lines) if log else None)
