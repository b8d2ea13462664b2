"""cpsat-dagshop against brute force and dp-ideals on random problems D (all remote models),
symmetry breaking on identical jobs, the lower_bound / hint_schedule options, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings

from offloadsched import DagProblem, FmProblem, Schedule, SizeLimitError, ValidationError, evaluate, solve

from .strategies import dag_problems

pytest.importorskip("ortools")

FAST = {"time_limit": 20, "workers": 1}


def brute(p) -> int | None:
    try:
        return solve(p, "bruteforce", max_candidates=20_000).makespan
    except SizeLimitError:
        return None


@settings(max_examples=120, deadline=None)
@given(dag_problems(max_n=8))
def test_matches_bruteforce_all_remote_models(p):
    opt = brute(p)
    assume(opt is not None)
    res = solve(p, "cpsat-dagshop", **FAST)
    assert res.status == "optimal"
    assert res.makespan == res.bound == res.objective == opt
    if p.remote_model == "negligible":
        assert solve(p, "dp-ideals").makespan == opt


def jobs_side_by_side(blocks, remote_model="negligible") -> DagProblem:
    """Problem D from (f, u, r, local, preds) blocks, one job per block."""
    f, u, r, local, preds, job = [], [], [], [], [], []
    for k, (bf, bu, br, bl, bp) in enumerate(blocks):
        off = len(f)
        f += bf
        u += bu
        r += br
        local += bl
        preds += [[q + off for q in ps] for ps in bp]
        job += [k] * len(bf)
    return DagProblem(f=f, u=u, r=r, local=local, preds=preds, job=job, remote_model=remote_model)


CHAIN = ([0, 3, 2, 0], [4, 2, 3, 1], [0, 2, 3, 2], [1, 1, 1, 0], [[], [0], [1], [2]])
FORK = ([0, 2, 1, 0, 0], [2, 3, 1, 1, 1], [0, 1, 2, 1, 1], [1, 1, 1, 0, 0], [[], [0], [0], [1], [2, 3]])


@pytest.mark.parametrize("remote_model", ["negligible", "serial", "parallel"])
def test_identical_jobs_symmetry_breaking_keeps_optimum(remote_model):
    p = jobs_side_by_side([CHAIN, CHAIN, CHAIN, FORK], remote_model)
    res = solve(p, "cpsat-dagshop", **FAST)
    assert res.status == "optimal" and res.info["identical_groups"] == 1
    if remote_model == "negligible":
        assert res.makespan == solve(p, "dp-ideals").makespan
    nohint = solve(p, "cpsat-dagshop", hint=False, **FAST)
    assert nohint.makespan == res.makespan
    opt = brute(p) if remote_model != "serial" else None
    if opt is not None:
        assert res.makespan == opt


@pytest.mark.parametrize("remote_model", ["negligible", "serial", "parallel"])
def test_relabelled_warm_start_satisfies_symmetry_breaking(remote_model):
    p = jobs_side_by_side([FORK, CHAIN, FORK, CHAIN, FORK], remote_model)
    res = solve(p, "cpsat-dagshop", log=True, **FAST)
    assert res.status == "optimal" and res.info["identical_groups"] == 2
    assert "hint is complete and is feasible" in res.log


def test_identical_jobs_random_against_bruteforce():
    rng = np.random.default_rng(11)
    for trial in range(6):
        n = int(rng.integers(2, 4))
        block = (rng.integers(0, 6, n).tolist(), rng.integers(0, 6, n).tolist(), rng.integers(0, 6, n).tolist(),
                 [1] * (n - 1) + [int(rng.integers(0, 2))], [[]] + [[i - 1] for i in range(1, n)])
        model = ("negligible", "parallel", "serial")[trial % 3]
        p = jobs_side_by_side([block] * 3, model)
        opt = brute(p)
        if opt is None:
            continue
        res = solve(p, "cpsat-dagshop", **FAST)
        assert res.status == "optimal" and res.makespan == opt


def test_lower_bound_and_hint_schedule():
    p = jobs_side_by_side([CHAIN, FORK], "serial")
    opt = solve(p, "cpsat-dagshop", **FAST)
    hs = opt.schedule
    res = solve(p, "cpsat-dagshop", lower_bound=opt.makespan, hint_schedule=hs, hint=False, **FAST)
    assert res.status == "optimal" and res.makespan == opt.makespan
    assert res.info["warm_start"] in ("hint_schedule", "fifo", "topo-johnson", "tree-merge")
    res = solve(p, "cpsat-dagshop", lower_bound=1, **FAST)
    assert res.makespan == opt.makespan
    with pytest.raises(ValidationError, match="lower_bound"):
        solve(p, "cpsat-dagshop", lower_bound=10**9, **FAST)
    with pytest.raises(ValidationError):
        solve(p, "cpsat-dagshop", lower_bound=-1, **FAST)
    with pytest.raises(ValidationError):
        solve(p, "cpsat-dagshop", hint_schedule=[0, 1], **FAST)


def test_schedule_sequences_replay_to_solver_times():
    p = jobs_side_by_side([FORK, CHAIN], "serial")
    res = solve(p, "cpsat-dagshop", **FAST)
    assert set(res.schedule.sequences) == {"local", "uplink", "remote"}
    assert evaluate(p, res.schedule).makespan == res.objective


def test_zero_durations_and_empty():
    p = DagProblem(f=[0, 0, 0], u=[0, 0, 0], r=[0, 0, 0], local=[1, 1, 0], preds=[[], [0], [1]],
                   remote_model="serial")
    assert solve(p, "cpsat-dagshop", **FAST).makespan == 0
    allremote = DagProblem(f=[1, 2], u=[1, 1], r=[3, 4], local=[0, 0], preds=[[], [0]], remote_model="serial")
    assert solve(allremote, "cpsat-dagshop", **FAST).makespan == 7


def test_time_limited_run_returns_schedule_and_bound():
    rng = np.random.default_rng(5)
    blocks = []
    for _ in range(8):
        n = 6
        preds = [[]] + [sorted(set(rng.integers(0, v, size=2).tolist())) for v in range(1, n)]
        blocks.append((rng.integers(1, 50, n).tolist(), rng.integers(1, 50, n).tolist(),
                       rng.integers(1, 50, n).tolist(), [1, 1, 1, 1, 0, 0], preds))
    p = jobs_side_by_side(blocks, "serial")
    res = solve(p, "cpsat-dagshop", time_limit=0.5, workers=1)
    assert res.status in ("feasible", "optimal")
    assert res.schedule is not None and res.bound is not None and res.bound <= res.makespan


def test_bad_input():
    p = DagProblem(f=[1, 2], u=[1, 1], r=[0, 0], local=[1, 0], preds=[[], [0]])
    with pytest.raises(ValidationError):
        solve(p, "cpsat-dagshop", permutation=False)
    with pytest.raises(ValidationError):
        solve(FmProblem([[1, 2]]), "cpsat-dagshop")
    with pytest.raises(ValidationError):
        solve(p, "cpsat-dagshop", workers=-1)
    assert solve(p, "cpsat-dagshop", hint_schedule=Schedule({"local": [0]}), **FAST).makespan == 2
