"""dp-ideals: equals brute force on random problems D (negligible remote), reaches sizes far
beyond brute force on narrow graphs (checked against cpsat-dagshop), refuses what it cannot do."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

from offloadsched import DagProblem, SizeLimitError, ValidationError, evaluate, solve

from .strategies import dag_problems


@settings(max_examples=60, deadline=None)
@given(dag_problems(max_n=9, max_local=7, remote_models=("negligible",)))
def test_matches_bruteforce(p):
    res = solve(p, "dp-ideals")
    assert res.status == "optimal"
    assert res.makespan == res.bound == res.objective == solve(p, "bruteforce").makespan


def test_seed001_fig14(fig14):
    res = solve(fig14, "dp-ideals")
    assert res.makespan == solve(fig14, "bruteforce").makespan


def chains(rng: np.random.Generator, jobs: int, length: int, cut_every: int = 3) -> DagProblem:
    """Independent chain jobs whose every ``cut_every``-th layer has a remote child."""
    f, u, preds, local, job = [], [], [], [], []
    for k in range(jobs):
        prev = None
        for i in range(length):
            v = len(f)
            f.append(int(rng.integers(1, 30)))
            u.append(int(rng.integers(1, 30)))
            preds.append([] if prev is None else [prev])
            local.append(True)
            job.append(k)
            if i % cut_every == cut_every - 1:
                f.append(0)
                u.append(0)
                preds.append([v])
                local.append(False)
                job.append(k)
            prev = v
    return DagProblem(f=f, u=u, r=[0] * len(f), local=local, preds=preds, job=job)


def test_beyond_bruteforce_on_narrow_graphs():
    pytest.importorskip("ortools")
    rng = np.random.default_rng(2)
    p = chains(rng, jobs=3, length=9)  # 27 local layers: 27! / (9!)^3 linear extensions, 1000 ideals
    with pytest.raises(SizeLimitError):
        solve(p, "bruteforce")
    res = solve(p, "dp-ideals")
    assert res.status == "optimal" and res.info["states"] == 10**3
    cp = solve(p, "cpsat-dagshop", time_limit=30, workers=2)
    assert cp.status == "optimal" and cp.makespan == res.makespan


def test_tree_of_width_three():
    rng = np.random.default_rng(8)
    n = 40
    preds = [[]] + [[int(rng.integers(max(0, v - 3), v))] for v in range(1, n)]
    local = [True] * 30 + [False] * 10
    for v in range(30, n):
        preds[v] = [int(rng.integers(0, 30))]
    p = DagProblem(f=rng.integers(1, 20, n), u=rng.integers(1, 20, n), r=[0] * n, local=local, preds=preds)
    res = solve(p, "dp-ideals")
    assert res.status == "optimal"
    assert evaluate(p, res.schedule).makespan == res.objective
    # a random linear extension is never better
    from .strategies import random_linear_extension

    for seed in range(20):
        order = random_linear_extension(p, np.random.default_rng(seed))
        assert evaluate(p, order).makespan >= res.makespan


def test_state_limit_and_remote_model():
    rng = np.random.default_rng(0)
    p = chains(rng, jobs=4, length=6)
    with pytest.raises(SizeLimitError, match="max_states=100"):
        solve(p, "dp-ideals", max_states=100)
    with pytest.raises(ValidationError, match="negligible"):
        solve(p.with_remote_model("serial"), "dp-ideals")
    with pytest.raises(ValidationError):
        solve(p, "dp-ideals", max_states=0)
    with pytest.raises(ValidationError):
        solve(p, "dp-ideals", workers=2)


def test_empty_and_all_remote():
    p = DagProblem(f=[3, 4], u=[1, 1], r=[0, 0], local=[0, 0], preds=[[], [0]])
    assert solve(p, "dp-ideals").makespan == 0
