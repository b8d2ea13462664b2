"""The random DAG of the speed scripts (``bench_core.py``, ``bench_heuristics.py``): one copy."""

from __future__ import annotations

import numpy as np

from offloadsched import DagProblem


def random_dag(n: int, seed: int = 0, remote_model: str = "negligible", *, low: int = 0,
               remote_high: int = 100) -> DagProblem:
    """Problem D on a random DAG: node ``v`` has 1-2 predecessors among the 50 before it, the first
    60 % of the nodes (a predecessor-closed prefix) are local, ``f`` and ``u`` uniform in
    ``low..999`` and ``r`` in ``0..remote_high - 1`` (all 0 when ``remote_high`` is 0)."""
    rng = np.random.default_rng(seed)
    preds = [[]] + [sorted(set(rng.integers(max(0, v - 50), v, size=rng.integers(1, 3)).tolist()))
                    for v in range(1, n)]
    f, u = rng.integers(low, 1000, n), rng.integers(low, 1000, n)
    r = rng.integers(0, remote_high, n) if remote_high else np.zeros(n, np.int64)
    return DagProblem(f=f, u=u, r=r, local=np.arange(n) < int(0.6 * n), preds=preds, remote_model=remote_model,
                      name=f"dag {n}")
