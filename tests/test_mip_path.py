"""mip-path (seed 002 MIP P2): equal to brute force and Johnson, honest status and bound at a time limit."""

from __future__ import annotations

import os
import time
import warnings

import numpy as np
import pytest
from hypothesis import given, settings

from offloadsched import DagProblem, FmProblem, J2Problem, Schedule, ValidationError, solve
from offloadsched.evaluate import flow_makespan

from .strategies import fm_problems, j2_problems

SOLVERS = ("cbc", "highs")


def johnson_makespan(a, b) -> int:
    """Johnson's rule (a < b first by increasing a, then by decreasing b), evaluated."""
    first = sorted((j for j in range(len(a)) if a[j] < b[j]), key=lambda j: a[j])
    last = sorted((j for j in range(len(a)) if a[j] >= b[j]), key=lambda j: -b[j])
    return flow_makespan(np.stack([a, b], axis=1), first + last)


def hard_f3(n: int, seed: int) -> FmProblem:
    """Correlated three-machine jobs: the positional MIP's LP bound is weak on these."""
    rng = np.random.default_rng(seed)
    base = rng.integers(1, 100, n)
    return FmProblem(np.stack([base + rng.integers(0, 20, n) for _ in range(3)], axis=1))


def assert_exact(result, optimum: int) -> None:
    assert result.status == "optimal", result.info
    assert result.makespan == optimum
    assert result.bound == optimum
    assert result.objective == pytest.approx(optimum, abs=0.5)


@pytest.mark.parametrize("solver", SOLVERS)
@settings(max_examples=12, deadline=None)
@given(problem=j2_problems(max_n=6))
def test_j2_equals_bruteforce(solver, problem):
    assert_exact(solve(problem, "mip-path", solver=solver), solve(problem, "bruteforce").makespan)


@pytest.mark.parametrize("solver", SOLVERS)
@settings(max_examples=12, deadline=None)
@given(problem=fm_problems(max_n=6, max_m=4))
def test_fm_equals_bruteforce(solver, problem):
    assert_exact(solve(problem, "mip-path", solver=solver), solve(problem, "bruteforce").makespan)


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("seed", range(3))
def test_two_machines_equals_johnson(solver, seed):
    rng = np.random.default_rng(seed)
    n = 10 + 2 * seed
    a, b = rng.integers(0, 50, n), rng.integers(0, 50, n)
    assert_exact(solve(J2Problem(a, b), "mip-path", solver=solver), johnson_makespan(a, b))


@pytest.mark.parametrize(("solver", "hint"), [("cbc", True), ("highs", True), ("highs", False)])
def test_time_limit_is_a_result_never_a_false_optimum(solver, hint):
    """PuLP says 'Optimal' for CBC stopped at the limit with an incumbent: the status must not."""
    problem = hard_f3(60, seed=4)
    r = solve(problem, "mip-path", time_limit=2, solver=solver, hint=hint)
    assert r.status in ("feasible", "optimal")  # without an incumbent: the warm start or NEH's order
    assert r.bound is not None and r.bound >= 0
    if r.status == "optimal":
        assert r.bound == r.makespan
    else:
        assert r.bound < r.makespan
        assert r.makespan >= r.lower_bound


@pytest.mark.parametrize("hint", [True, False])
def test_cbc_is_held_to_the_time_limit_on_a_large_instance(hint):
    """CBC does not look at its time limit in the root LP of 100 jobs x 20 machines (about 70 s on a
    2 s limit): it is killed, and the method still returns a checked schedule (ig's warm start or
    NEH's order), status feasible, with the core's bound.  The timing bound is deliberately loose.  (3 s: with
    1 s the model, about 4e5 coefficients, is estimated to take longer to build than the limit and is not built.)"""
    problem = FmProblem(np.random.default_rng(1).integers(1, 100, size=(100, 20)))
    t0 = time.monotonic()
    r = solve(problem, "mip-path", time_limit=3, hint=hint)
    assert time.monotonic() - t0 < 3 * 3 + 10
    assert r.status == "feasible" and r.schedule is not None, r.info
    assert r.info["schedule_source"] in (("hint", "solver") if hint else ("neh", "solver"))
    assert r.lower_bound <= r.bound < r.makespan


def test_warm_start_gives_a_schedule_at_the_time_limit(monkeypatch):
    """With a start order (ig's, here the index order), a stopped HiGHS run keeps at least it."""
    from offloadsched.formulations import mip_path

    problem = hard_f3(60, seed=4)
    monkeypatch.setattr(mip_path, "_warm_order", lambda p, t: list(range(p.n)))
    r = solve(problem, "mip-path", time_limit=1, solver="highs", hint=True)
    assert r.status in ("feasible", "optimal") and r.info["warm_start"]
    assert r.makespan <= flow_makespan(problem.times, range(problem.n))
    assert r.bound <= r.makespan


@pytest.mark.parametrize("solver", SOLVERS)
def test_log_and_no_pulp_deprecations(solver):
    problem = FmProblem([[3, 2, 5], [3, 2, 2], [4, 3, 3], [4, 2, 3]])
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        r = solve(problem, "mip-path", solver=solver, log=True, workers=1)
        quiet = solve(problem, "mip-path", solver=solver, workers=2)
    assert r.makespan == quiet.makespan == solve(problem, "bruteforce").makespan
    assert ("Cbc" if solver == "cbc" else "HiGHS") in r.log
    assert quiet.log is None


def test_bad_options():
    problem = J2Problem([1, 2], [2, 1])
    with pytest.raises(ValidationError, match="cbc, highs"):
        solve(problem, "mip-path", solver="gurobi")
    with pytest.raises(ValidationError, match="workers"):
        solve(problem, "mip-path", workers=0)
    with pytest.raises(ValidationError, match="does not accept"):
        solve(DagProblem(f=[1], u=[1], r=[0], local=[1], preds=[[]]), "mip-path")


def test_empty_and_single_job():
    assert solve(J2Problem([], []), "mip-path").makespan == 0
    for solver in SOLVERS:
        assert_exact(solve(FmProblem([[4, 5, 6]]), "mip-path", solver=solver), 15)


def test_status_comes_from_the_bound_not_from_pulp():
    from offloadsched.formulations import _mip

    def run(bound, has=True):
        return _mip.MipRun("cbc", has, False, False, 10.0 if has else None, bound, "test")

    order = Schedule.from_order([0])
    assert _mip.output(run(9.999999), order, 10).status == "optimal"  # numerical noise below the integer
    assert _mip.output(run(9.4), order, 10).status == "optimal"  # integer makespans: ceil(9.4) = 10
    out = _mip.output(run(8.6), order, 10)
    assert out.status == "feasible" and out.bound == 9
    assert _mip.output(run(None), order, 10).status == "feasible"
    out = _mip.output(run(3.0, has=False), None, None)
    assert out.status == "error" and out.bound == 3 and out.schedule is None
    assert _mip.int_bound(10.0000001) == 10 and _mip.int_bound(None) is None
    assert os.access(_mip.cbc_path(), os.X_OK)
