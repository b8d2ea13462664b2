"""cpsat-flowshop: brute force and Johnson agree with it, it proves ta001, it keeps the
permutation (and the non-permutation model shows why it must), time limits are results."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

from offloadsched import FmProblem, J2Problem, Schedule, ValidationError, evaluate, solve
from offloadsched.evaluate import flow_makespan
from offloadsched.instances.generators import taillard

from .strategies import fm_problems, j2_problems

pytest.importorskip("ortools")

FAST = {"time_limit": 20, "workers": 1}


def taillard_times(seed: int, n: int, m: int) -> np.ndarray:
    """Taillard's generator (n jobs x m machines), from the zoo."""
    return np.asarray(taillard(seed, n, m))


def johnson_makespan(a, b) -> int:
    first = sorted((j for j in range(len(a)) if a[j] <= b[j]), key=lambda j: a[j])
    last = sorted((j for j in range(len(a)) if a[j] > b[j]), key=lambda j: -b[j])
    return flow_makespan(np.stack([a, b], axis=1), first + last)


@settings(max_examples=80, deadline=None)
@given(fm_problems(max_n=6, max_m=4))
def test_fm_matches_bruteforce(p):
    res = solve(p, "cpsat-flowshop", **FAST)
    assert res.status == "optimal"
    assert res.makespan == solve(p, "bruteforce").makespan == res.bound == res.objective


@settings(max_examples=40, deadline=None)
@given(j2_problems(max_n=7))
def test_j2_matches_johnson_and_bruteforce(p):
    res = solve(p, "cpsat-flowshop", **FAST)
    assert res.status == "optimal"
    assert res.makespan == johnson_makespan(p.a, p.b) == solve(p, "bruteforce").makespan


def test_identical_jobs_are_ordered_and_still_optimal():
    p = FmProblem([[3, 5, 2], [3, 5, 2], [6, 1, 4], [3, 5, 2], [2, 2, 7]])
    res = solve(p, "cpsat-flowshop", log=True, **FAST)
    assert res.status == "optimal" and res.info["identical_groups"] == 1
    assert "hint is complete and is feasible" in res.log
    assert res.makespan == solve(p, "bruteforce").makespan
    order = res.schedule["M1"].tolist()
    assert [j for j in order if j in (0, 1, 3)] == [0, 1, 3]


def test_taillard_generator_first_row():
    t = taillard_times(873654221, 20, 5)
    assert t.shape == (20, 5)
    assert t[:, 0].tolist() == [54, 83, 15, 71, 77, 36, 53, 38, 27, 87, 76, 91, 14, 29, 12, 77, 32, 87, 68, 94]


def test_ta001_proven_optimal():
    p = FmProblem(taillard_times(873654221, 20, 5), name="ta001")
    res = solve(p, "cpsat-flowshop", time_limit=60, workers=2)
    assert res.status == "optimal"
    assert res.makespan == res.bound == 1278


def test_non_permutation_model_solves_another_problem():
    """Two jobs on four machines: every permutation takes 14, but job 1 first on M1-M2 and job 2
    first on M3-M4 takes 12.  Without the shared order literals CP-SAT finds the 12, a
    non-permutation schedule; replayed as a permutation (its M1 order everywhere) it takes 14."""
    p = FmProblem([[1, 4, 4, 1], [4, 1, 1, 4]])
    perm = solve(p, "cpsat-flowshop", **FAST)
    assert perm.status == "optimal" and perm.makespan == 14 == solve(p, "bruteforce").makespan
    free = solve(p, "cpsat-flowshop", permutation=False, **FAST)
    assert free.status == "optimal" and free.makespan == 12
    seqs = [free.schedule[m].tolist() for m in p.machines]
    assert len({tuple(s) for s in seqs}) > 1  # not one order on every machine
    assert evaluate(p, Schedule.from_order(seqs[0])).makespan == 14 > free.makespan
    assert len({tuple(perm.schedule[m].tolist()) for m in p.machines}) == 1


def test_non_permutation_random_instances_never_worse():
    rng = np.random.default_rng(3)
    for _ in range(5):
        p = FmProblem(rng.integers(0, 15, size=(5, 4)))
        free = solve(p, "cpsat-flowshop", permutation=False, **FAST)
        assert free.status == "optimal"
        assert free.makespan <= solve(p, "bruteforce").makespan


def test_time_limit_is_a_result():
    """20 x 10: CP-SAT finds schedules but cannot prove one optimal in 1.5 s."""
    p = FmProblem(taillard_times(587595453, 20, 10), name="20x10")
    res = solve(p, "cpsat-flowshop", time_limit=1.5, workers=2)
    assert res.status == "feasible" and res.info["cp_status"] == "FEASIBLE"
    assert res.schedule is not None
    assert res.lower_bound <= res.bound < res.makespan <= res.info["warm_makespan"]


def test_time_limit_before_any_cpsat_solution_returns_warm_start():
    """50 x 20 (49,000 reified precedences): 1 s ends in CP-SAT's presolve; the warm start is
    returned with status feasible and the core's machine-load bound."""
    p = FmProblem(taillard_times(1958948863, 50, 20), name="50x20")
    res = solve(p, "cpsat-flowshop", time_limit=1, workers=2)
    assert res.status == "feasible"
    assert res.schedule is not None and res.bound is not None
    assert res.bound < res.makespan <= res.info["warm_makespan"]


def test_log_and_hint_options():
    p = FmProblem([[5, 3, 4], [2, 6, 1], [4, 4, 4], [3, 1, 6]])
    res = solve(p, "cpsat-flowshop", log=True, hint=False, seed=7, **FAST)
    assert res.status == "optimal" and "CP-SAT" in res.log
    assert res.info["variables"] > 0 and res.info["constraints"] > 0
    assert solve(p, "cpsat-flowshop", **FAST).log is None


def test_j2_empty_and_single_job():
    assert solve(J2Problem([4], [9]), "cpsat-flowshop", **FAST).makespan == 13
    assert solve(FmProblem(np.zeros((0, 3), dtype=int)), "cpsat-flowshop", **FAST).makespan == 0


@pytest.mark.parametrize("options", [{"nope": 1}, {"workers": 0}, {"workers": 1.5}, {"hint": "yes"},
                                     {"permutation": 1}, {"seed": "x"}])
def test_bad_options(options):
    with pytest.raises(ValidationError):
        solve(FmProblem([[1, 2], [3, 4]]), "cpsat-flowshop", **options)


def test_wrong_problem_type():
    from offloadsched import DagProblem

    dag = DagProblem(f=[1, 2], u=[1, 1], r=[0, 0], local=[1, 0], preds=[[], [0]])
    with pytest.raises(ValidationError):
        solve(dag, "cpsat-flowshop")
