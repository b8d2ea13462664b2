"""Helpers for the series-parallel and Sidney-Monma tests: random problems D whose local order is
series-parallel (or not), reachability, and the order a decomposition tree encodes."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from offloadsched import DagProblem
from offloadsched.instances.generators import random_graph
from offloadsched.registry import unavailable
from offloadsched.sp import Series, leaves, postorder


def available(method: str) -> bool:
    """Whether ``method`` is registered and its module imports."""
    return unavailable(method) is None


def reach(n: int, preds) -> list[set[int]]:
    """``down[v]``: every node from which ``v`` is reachable (nodes ``0..n-1`` in topological order)."""
    down: list[set[int]] = []
    for v in range(n):
        s: set[int] = set()
        for p in preds[v]:
            s |= down[p] | {p}
        down.append(s)
    return down


def is_n(w, down) -> bool:
    """``w = (a, b, c, d)``: a < c, b < c, b < d and a || b, a || d, c || d."""
    a, b, c, d = w

    def lt(x, y):
        return x in down[y]

    def inc(x, y):
        return x != y and not lt(x, y) and not lt(y, x)

    return lt(a, c) and lt(b, c) and lt(b, d) and inc(a, b) and inc(a, d) and inc(c, d)


def tree_pairs(tree) -> set[tuple[int, int]]:
    """The strict order ``{(x, y): x < y}`` a decomposition tree encodes."""
    out: set[tuple[int, int]] = set()
    for t in postorder(tree):
        if isinstance(t, Series):
            before: list[int] = []
            for child in t.children:
                below = list(leaves(child))
                out |= {(x, y) for x in before for y in below}
                before += below
    return out


def with_transitive_arcs(preds, rng: np.random.Generator, p: float = 0.3) -> list[list[int]]:
    """``preds`` plus random arcs implied by the order (the order does not change)."""
    down = reach(len(preds), preds)
    return [sorted(set(ps) | {u for u in sorted(down[v]) if rng.random() < p}) for v, ps in enumerate(preds)]


def problem_on(preds, f, u, cut) -> DagProblem:
    """Problem D (negligible remote) whose local graph is ``preds``: all its nodes are local and the
    nodes flagged in ``cut`` feed one remote sink, so they are the cut-points."""
    n = len(preds)
    sink = [v for v in range(n) if cut[v]]
    all_preds = [list(ps) for ps in preds] + ([sink] if sink else [])
    m = len(all_preds)
    pad = [0] * (m - n)
    return DagProblem(f=list(f) + pad, u=list(u) + pad, r=[0] * m, local=[True] * n + [False] * (m - n),
                      preds=all_preds)


@st.composite
def sp_problems(draw, max_n: int = 8, max_t: int = 30) -> DagProblem:
    """Problem D whose local order is a random series-parallel order (with random transitive
    arcs), times in ``0..max_t`` with many zeros and ties."""
    n = draw(st.integers(1, max_n))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    preds = random_graph(n, seed, "sp")
    if draw(st.booleans()):
        preds = with_transitive_arcs(preds, rng)
    t = st.one_of(st.just(0), st.integers(0, 3), st.integers(0, max_t))
    f = draw(st.lists(t, min_size=n, max_size=n))
    u = draw(st.lists(t, min_size=n, max_size=n))
    cut = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    return problem_on(preds, f, u, cut)


def random_problem(n: int, seed: int, shape: str, high: int = 100, transitive: float = 0.0) -> DagProblem:
    """Problem D on :func:`random_graph` of ``shape`` (all of it local), ``f`` in ``0..high``,
    about half of the nodes cut-points with ``u`` in ``0..2 high``: both machines about equally
    loaded, so neither machine's load alone is the optimum."""
    rng = np.random.default_rng(seed)
    preds = random_graph(n, seed, shape)
    if transitive:
        preds = with_transitive_arcs(preds, rng, transitive)
    f = rng.integers(0, high, size=n, endpoint=True)
    u = rng.integers(0, 2 * high, size=n, endpoint=True)
    return problem_on(preds, f.tolist(), u.tolist(), (rng.random(n) < 0.5).tolist())
