"""Hypothesis strategies and helpers shared by the tests."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from offloadsched import DagProblem, FmProblem, J2Problem


@st.composite
def j2_problems(draw, max_n: int = 7, max_t: int = 20) -> J2Problem:
    n = draw(st.integers(1, max_n))
    a = draw(st.lists(st.integers(0, max_t), min_size=n, max_size=n))
    b = draw(st.lists(st.integers(0, max_t), min_size=n, max_size=n))
    return J2Problem(a, b)


@st.composite
def fm_problems(draw, max_n: int = 6, max_m: int = 4, max_t: int = 20) -> FmProblem:
    n = draw(st.integers(1, max_n))
    m = draw(st.integers(2, max_m))
    rows = draw(st.lists(st.lists(st.integers(0, max_t), min_size=m, max_size=m), min_size=n, max_size=n))
    return FmProblem(rows)


@st.composite
def dag_problems(draw, max_n: int = 8, max_t: int = 20, remote_models=("negligible", "serial", "parallel"),
                 max_local: int = 6) -> DagProblem:
    """Random DAG shop problems: random arcs to earlier nodes, a random predecessor-closed local set."""
    n = draw(st.integers(1, max_n))
    preds = [sorted(set(draw(st.lists(st.integers(0, v - 1), max_size=2)))) if v else [] for v in range(n)]
    local = []
    for v in range(n):
        ok = all(local[p] for p in preds[v]) and sum(local) < max_local
        local.append(ok and draw(st.booleans()))
    t = st.integers(0, max_t)
    return DagProblem(f=[draw(t) for _ in range(n)], u=[draw(t) for _ in range(n)], r=[draw(t) for _ in range(n)],
                      local=local, preds=preds, remote_model=draw(st.sampled_from(remote_models)))


def random_linear_extension(problem: DagProblem, rng: np.random.Generator) -> list[int]:
    """A uniformly shuffled topological order of the local nodes (not uniform over extensions)."""
    nodes = set(problem.local_nodes.tolist())
    indeg = {v: sum(1 for p in problem.preds[v] if p in nodes) for v in nodes}
    ready = [v for v, d in indeg.items() if d == 0]
    order = []
    while ready:
        v = ready.pop(int(rng.integers(len(ready))))
        order.append(v)
        for s in problem.succs[v]:
            if s in nodes:
                indeg[s] -= 1
                if indeg[s] == 0:
                    ready.append(s)
    return order
