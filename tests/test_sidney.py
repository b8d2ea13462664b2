"""sidney (Sidney-Monma composite jobs) against brute force, dp-ideals and CP-SAT on
series-parallel local orders; remote models other than negligible give a lower bound."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from offloadsched import DagProblem, SizeLimitError, ValidationError, solve
from offloadsched.formulations.sidney import sequence_makespan, sp_sequence
from offloadsched.sp import NotSeriesParallel, decompose

from .sp_helpers import available, problem_on, random_problem, sp_problems


def two_machine(p: DagProblem) -> tuple[list[int], list[int]]:
    return p.f.tolist(), [int(u) if c else 0 for u, c in zip(p.u.tolist(), p.cut.tolist())]


@settings(max_examples=120, deadline=None)
@given(sp_problems(max_n=8))
def test_equals_bruteforce(p):
    res = solve(p, "sidney")  # solve() re-evaluates and runs the independent checker
    assert res.status == "optimal"
    try:  # wide orders of 8 layers have up to 8! sequences: keep the test fast
        opt = solve(p, "bruteforce", max_candidates=6_000).makespan
    except SizeLimitError:
        assume(False)
    assert res.makespan == res.objective == res.bound == opt


@settings(max_examples=60, deadline=None)
@given(sp_problems(max_n=6, max_t=10), st.sampled_from(["serial", "parallel"]), st.integers(0, 2**32 - 1))
def test_other_remote_models_give_a_lower_bound(p, model, seed):
    r = np.random.default_rng(seed).integers(0, 10, len(p))
    q = p.with_remote_model(model, r=r)
    res = solve(q, "sidney")
    assert res.status == "bound"
    assert res.bound == solve(p, "sidney").makespan <= res.makespan
    try:  # six local layers and six uploads with a serial server exceed brute force's default ceiling
        opt = solve(q, "bruteforce").makespan
    except SizeLimitError:
        assume(False)
    assert res.bound <= opt


def test_sequence_helpers_agree():
    p = random_problem(12, 3, "sp")
    a, b = two_machine(p)
    seq, value = sp_sequence(decompose(p.local_nodes.tolist(), p.preds), a, b)
    assert sorted(seq) == list(range(12)) and sequence_makespan(seq, a, b) == value


def test_zeros_ties_and_single_nodes():
    assert solve(problem_on([[]], [0], [0], [True]), "sidney").makespan == 0
    assert solve(problem_on([[]], [4], [6], [True]), "sidney").makespan == 10
    # four identical jobs (every key tied) after a zero-time root
    p = problem_on([[], [0], [0], [0], [0]], [0, 3, 3, 3, 3], [0, 3, 3, 3, 3], [False] + [True] * 4)
    assert solve(p, "sidney").makespan == solve(p, "bruteforce").makespan == 15


def test_jobs_side_by_side_and_serial_chains():
    zoo = pytest.importorskip("offloadsched.instances.zoo", reason="model zoo not available")
    from offloadsched import JointProblem, Partition
    from offloadsched.instances.platforms import make_platform

    dnns = [zoo.get_model("googlenet"), zoo.get_model("resnet18"), zoo.get_model("alexnet")]
    joint = JointProblem(dnns, make_platform("rpi4", "gtx1080", "4g"))
    parts = [Partition.upto(d, [d.names[len(d) // 3]]) for d in dnns]
    res = solve(joint.dag(parts), "sidney")
    assert res.status == "optimal" and res.makespan == res.objective


def test_long_chain_without_recursion():
    n = 20_000
    rng = np.random.default_rng(0)
    p = problem_on([[]] + [[v - 1] for v in range(1, n)], rng.integers(0, 50, n).tolist(),
                   rng.integers(0, 50, n).tolist(), (rng.random(n) < 0.3).tolist())
    res = solve(p, "sidney")
    assert res.status == "optimal" and res.makespan == res.objective


def test_refuses_orders_that_are_not_series_parallel():
    p = problem_on([[], [], [0, 1], [1]], [1, 2, 3, 4], [1, 1, 1, 1], [True] * 4)
    with pytest.raises(NotSeriesParallel, match="not series-parallel.*N on") as exc:
        solve(p, "sidney")
    assert exc.value.witness == (0, 1, 2, 3)
    with pytest.raises(ValidationError, match="no option"):
        solve(p, "sidney", bound=True)


# -- larger instances: exact solvers -----------------------------------------------------------------------
@pytest.mark.skipif(not available("dp-ideals"), reason="dp-ideals not registered")
@pytest.mark.parametrize("shape,n,seed", [("tree", 22, 0), ("tree", 24, 1), ("sp", 20, 2), ("sp", 26, 3)])
def test_equals_dp_over_ideals(shape, n, seed):
    p = random_problem(n, seed, shape, transitive=0.2)
    try:
        ref = solve(p, "dp-ideals")
    except ValidationError as exc:  # too many ideals for its limit
        pytest.skip(str(exc))
    assert solve(p, "sidney").makespan == ref.makespan


@pytest.mark.slow
@pytest.mark.skipif(not available("cpsat-dagshop"), reason="cpsat-dagshop not registered")
@pytest.mark.parametrize("shape,n,seed", [("tree", 20, 0), ("tree", 40, 1), ("sp", 20, 2), ("sp", 40, 3),
                                          ("sp", 60, 4), ("tree", 60, 5)])
def test_agrees_with_cpsat(shape, n, seed):
    p = random_problem(n, seed, shape, transitive=0.1)
    ours = solve(p, "sidney")
    ref = solve(p, "cpsat-dagshop", time_limit=10, workers=1)
    assert ref.bound <= ours.makespan <= ref.makespan
    if ref.status == "optimal":
        assert ours.makespan == ref.makespan
