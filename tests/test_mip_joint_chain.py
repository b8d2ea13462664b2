"""mip-joint-chain: equal to brute force over every cut combination and order; input validation."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from offloadsched import DNN, J2Problem, JointProblem, Layer, Platform, ValidationError, chain, evaluate, solve

SOLVERS = ("cbc", "highs")
#: 1 µs per 1000 flops, 1 µs per output byte
PLATFORM = Platform(r_loc=1e9, r_rem=1e12, bandwidth=8e6, name="test")


def random_chain(seed: int, layers: int | None = None, name: str = "net") -> DNN:
    """A random chain DNN of 5-8 layers: f in 0..40 µs, u in 0..60 µs on :data:`PLATFORM`."""
    rng = np.random.default_rng(seed)
    size = layers or int(rng.integers(5, 9))
    out = [Layer("in", "input", 0, float(rng.integers(20, 61)))]
    out += [Layer(f"l{i}", "conv", float(rng.integers(0, 41)) * 1e3, float(rng.integers(0, 61)))
            for i in range(1, size)]
    return chain(name, out)


def joint(dnn: DNN, n: int) -> JointProblem:
    return JointProblem([dnn] * n, PLATFORM)


def brute_force_joint(problem: JointProblem) -> int:
    """Min over every multiset of cuts and every order of the J2 makespan with the round trip
    (the core's evaluator)."""
    f, u, _ = problem.times[0]
    size, n = len(f), len(problem.jobs)
    a = np.cumsum(f)
    b = np.where(np.arange(size) < size - 1, u, 0)
    best = None
    for cuts in itertools.combinations_with_replacement(range(size), n):
        j2 = J2Problem([int(a[c]) for c in cuts], [int(b[c]) for c in cuts], w_rtt=problem.platform.rtt_us)
        for order in set(itertools.permutations(range(n))):
            ms = evaluate(j2, list(order)).makespan
            best = ms if best is None or ms < best else best
    return best


CASES = [(seed, n) for n in range(1, 6) for seed in (10 * n, 10 * n + 1)]


@pytest.mark.parametrize(("seed", "n"), CASES)
def test_equals_brute_force(seed, n):
    problem = joint(random_chain(seed), n)
    optimum = brute_force_joint(problem)
    for solver in SOLVERS:
        r = solve(problem, "mip-joint-chain", solver=solver)
        assert r.status == "optimal", r.info
        assert r.makespan == r.bound == optimum
        assert len(r.partitions) == n and r.problem.type == "dag"
        assert evaluate(r.problem, r.schedule).makespan == optimum
    relaxed = solve(problem, "relaxation")
    assert relaxed.bound <= optimum


@pytest.mark.parametrize("seed", [3, 4])
def test_agrees_with_cpsat_joint(seed):
    problem = joint(random_chain(seed), 4)
    try:
        other = solve(problem, "cpsat-joint", time_limit=30)
    except (ValidationError, ImportError, AttributeError) as exc:
        pytest.skip(f"cpsat-joint not available yet: {exc}")
    if other.status != "optimal":
        pytest.skip(f"cpsat-joint did not prove optimality: {other.status}")
    assert solve(problem, "mip-joint-chain").makespan == other.makespan


def test_schedule_is_position_order_of_whole_jobs():
    dnn = random_chain(7, layers=6)
    r = solve(joint(dnn, 3), "mip-joint-chain")
    local = r.schedule["local"].tolist()
    expected = [6 * k + i for k, c in enumerate(r.info["cuts"]) for i in range(c + 1)]
    assert local == expected
    assert r.info["cuts"] == sorted(r.info["cuts"])


def test_thirty_alexnet_jobs():
    zoo = pytest.importorskip("offloadsched.instances")
    platforms = pytest.importorskip("offloadsched.instances.platforms")
    try:
        dnn, platform = zoo.get_model("alexnet"), platforms.make_platform("rpi4", "gtx1080", "4g")
    except Exception as exc:  # the zoo is written in parallel
        pytest.skip(f"zoo not ready: {exc}")
    problem = JointProblem([dnn] * 30, platform)
    results = [solve(problem, "mip-joint-chain", solver=s, time_limit=30) for s in SOLVERS]
    assert all(r.status == "optimal" for r in results)
    assert results[0].makespan == results[1].makespan
    assert solve(problem, "relaxation").bound <= results[0].makespan


@pytest.mark.parametrize("solver", SOLVERS)
def test_time_limit_keeps_the_uniform_start(solver):
    """Stopped before any incumbent (CBC 2.10.3 even crashes there), the start is returned, no exception."""
    problem = joint(random_chain(5), 5)
    r = solve(problem, "mip-joint-chain", time_limit=0.001, solver=solver)
    assert r.status in ("optimal", "feasible")
    assert r.bound is None or r.bound <= r.makespan
    if r.info["schedule_source"] == "hint":
        assert len(set(r.info["cuts"])) == 1


@pytest.mark.parametrize("method", ["mip-joint-chain", "mip-path"])
def test_a_solver_stopped_without_an_incumbent_still_gives_a_schedule(monkeypatch, method):
    """A CBC run killed at its time limit has no solution: without a warm start the method returns the best
    uniform cut (mip-joint-chain) or NEH's order (mip-path), status feasible (optimal when a bound meets
    it), never an error."""
    from offloadsched import FmProblem
    from offloadsched.formulations import _mip

    killed = _mip.MipRun("cbc", False, False, False, None, None, "CBC failed (killed 1 s after its time limit)")
    monkeypatch.setattr(_mip, "run", lambda prob, **kw: killed)
    if method == "mip-joint-chain":
        problem, source = joint(random_chain(5), 4), "uniform"
    else:
        problem, source = FmProblem(np.random.default_rng(3).integers(1, 50, size=(6, 3))), "neh"
    r = solve(problem, method, hint=False)
    assert r.schedule is not None and r.info["schedule_source"] == source, r.info
    if r.status == "optimal":
        assert r.bound == r.makespan
    else:
        assert r.status == "feasible" and (r.bound is None or r.bound < r.makespan)


def test_validation():
    dnn = random_chain(1)
    other = random_chain(2, name="other")
    with pytest.raises(ValidationError, match="identical"):
        solve(JointProblem([dnn, other], PLATFORM), "mip-joint-chain")
    branchy = DNN("branchy", [Layer("x", "input", 0, 10), Layer("a", "conv", 1e3, 5), Layer("b", "conv", 1e3, 5),
                              Layer("y", "add", 1e3, 5)], [("x", "a"), ("x", "b"), ("a", "y"), ("b", "y")])
    with pytest.raises(ValidationError, match="not a chain"):
        solve(JointProblem([branchy, branchy], PLATFORM), "mip-joint-chain")
    with pytest.raises(ValidationError, match="negligible"):
        solve(JointProblem([dnn, dnn], PLATFORM, remote_model="serial"), "mip-joint-chain")
    with pytest.raises(ValidationError, match="choices: cbc, highs"):
        solve(joint(dnn, 2), "mip-joint-chain", solver="glpk")
    for method in ("mip-joint-chain", "relaxation"):
        with pytest.raises(ValidationError, match="identical"):
            solve(JointProblem([dnn, other], PLATFORM), method)
