"""sidney with bounds=True on orders that are not series-parallel: the relaxation's value is a
lower bound and the extension's schedule an upper bound of the exact optimum (brute force)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from offloadsched import SizeLimitError, solve
from offloadsched.sp import is_series_parallel

from .sp_helpers import problem_on, random_problem


@st.composite
def dag_problems(draw, max_n: int = 7):
    """Problem D on a random DAG (mostly not series-parallel), all of it local."""
    n = draw(st.integers(4, max_n))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    p = draw(st.floats(0.15, 0.6))
    preds = [[u for u in range(v) if rng.random() < p] for v in range(n)]
    high = draw(st.sampled_from([3, 20, 100]))
    f, u = rng.integers(0, high, size=(2, n), endpoint=True)
    return problem_on(preds, f.tolist(), u.tolist(), (rng.random(n) < 0.5).tolist())


# assume() drops the series-parallel orders by design: many inputs are filtered
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(dag_problems())
def test_relaxation_below_and_extension_above_the_optimum(p):
    local = p.local_nodes.tolist()
    assume(not is_series_parallel(local, p.preds))
    try:
        opt = solve(p, "bruteforce", max_candidates=5_040).makespan
    except SizeLimitError:
        assume(False)
    res = solve(p, "sidney", bounds=True)  # solve() checks the extension's schedule
    if res.info["series_parallel"]:  # the layers before the last upload form a series-parallel order: exact
        assert res.status == "optimal" and res.makespan == opt
        return
    assert res.status == ("optimal" if res.bound == res.makespan else "feasible")  # a bound that meets is a proof
    assert res.bound == res.info["lower"] <= opt <= res.info["upper"] == res.makespan == res.objective
    assert res.info["lower"] == max(res.info["relaxations"].values())
    assert res.info["upper"] == min(res.info["extensions"].values())
    assert 0 <= res.info["gap"] < 1


def test_series_parallel_orders_stay_exact_with_bounds():
    p = random_problem(15, 0, "sp")
    res = solve(p, "sidney", bounds=True)
    assert res.status == "optimal" and res.makespan == solve(p, "sidney").makespan


def test_serial_remote_gives_a_bound_only():
    p = problem_on([[], [], [0, 1], [1]], [1, 2, 3, 4], [5, 1, 2, 1], [True] * 4)
    q = p.with_remote_model("serial", r=[0, 0, 0, 0, 7])
    res = solve(q, "sidney", bounds=True)
    assert res.status == "bound"
    assert res.bound <= solve(q, "bruteforce").makespan


@pytest.mark.parametrize("seed", range(3))
def test_randwire_like_dags(seed):
    p = random_problem(40, seed, "dag")
    res = solve(p, "sidney", bounds=True)
    assert res.status == ("optimal" if res.bound == res.makespan else "feasible") and res.bound <= res.makespan


def test_randwire_model():
    zoo = pytest.importorskip("offloadsched.instances.zoo", reason="model zoo not available")
    from offloadsched import JointProblem, Partition
    from offloadsched.instances.platforms import make_platform

    dnn = zoo.get_model("randwire")
    joint = JointProblem([dnn, dnn], make_platform("rpi4", "gtx1080", "4g"))
    dag = joint.dag([Partition.upto(dnn, [dnn.names[len(dnn) // 2]])] * 2)
    res = solve(dag, "sidney", bounds=True)
    assert res.status == ("optimal" if res.bound == res.makespan else "feasible") and res.bound <= res.makespan
