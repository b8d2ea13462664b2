"""cpsat-joint equals brute force over every partition (predecessor-closed local sets) times a
brute-force schedule, on tiny random DNNs; identical jobs; options and bad input."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from offloadsched import DNN, JointProblem, Layer, Partition, Platform, ValidationError, solve

pytest.importorskip("ortools")

FAST = {"time_limit": 30, "workers": 1}
# f(v) = flops µs, t'(v) = flops / 3 µs, u(v) = out_bytes µs
PLATFORM = Platform(r_loc=1e6, r_rem=3e6, bandwidth=8e6, w_msg=0.0, name="unit")


def random_dnn(rng: np.random.Generator, n: int, name: str = "net") -> DNN:
    """A DAG with one input (flops 0) and one output: random arcs to earlier layers."""
    layers = [Layer("in", "input", 0, int(rng.integers(1, 25)))]
    edges = []
    for v in range(1, n):
        layers.append(Layer(f"l{v}", "conv", int(rng.integers(1, 25)), int(rng.integers(1, 25))))
        preds = {int(rng.integers(0, v))}
        if v > 1 and rng.random() < 0.3:
            preds.add(int(rng.integers(0, v)))
        edges += [(layers[p].name, f"l{v}") for p in preds]
    has_succ = {a for a, _ in edges}
    last = layers[-1].name
    edges += [(x.name, last) for x in layers[:-1] if x.name not in has_succ]
    return DNN(name, layers, edges)


def partitions_of(dnn: DNN) -> list[Partition]:
    out = []
    for bits in itertools.product([False, True], repeat=len(dnn) - 1):
        mask = np.array((True,) + bits)
        if all(mask[p] for v in np.flatnonzero(mask) for p in dnn.preds[v]):
            out.append(Partition(dnn, mask))
    return out


def brute_joint(jp: JointProblem) -> int:
    best = None
    for parts in itertools.product(*(partitions_of(d) for d in jp.jobs)):
        ms = solve(jp.dag(list(parts)), "bruteforce").makespan
        best = ms if best is None else min(best, ms)
    return best


CASES = [  # (remote model, layers per job, jobs)
    ("negligible", 3, 1), ("negligible", 6, 1), ("negligible", 4, 2), ("negligible", 3, 3),
    ("parallel", 5, 1), ("parallel", 3, 2), ("serial", 4, 1), ("serial", 3, 2),
]


@pytest.mark.parametrize("remote_model,n,jobs", CASES)
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_matches_bruteforce_over_partitions(remote_model, n, jobs, seed):
    rng = np.random.default_rng(100 * seed + 7 * n + jobs)
    dnns = [random_dnn(rng, n, f"net{k}") for k in range(jobs)]
    if seed % 2 and jobs > 1:
        dnns = [dnns[0]] * jobs  # identical jobs: symmetry breaking is active
    jp = JointProblem(dnns, PLATFORM, remote_model=remote_model)
    res = solve(jp, "cpsat-joint", **FAST)
    assert res.status == "optimal"
    assert res.makespan == res.bound == res.objective == brute_joint(jp)
    assert len(res.partitions) == jobs
    assert res.problem.remote_model == remote_model
    assert np.array_equal(res.problem.local, np.concatenate([p.local for p in res.partitions]))


@pytest.mark.parametrize("remote_model", ["negligible", "serial", "parallel"])
def test_identical_jobs_hint_feasible_and_hint_off_agrees(remote_model):
    rng = np.random.default_rng(4)
    dnn, other = random_dnn(rng, 5), random_dnn(rng, 4, "other")
    jp = JointProblem([dnn, other, dnn, dnn, other], PLATFORM, remote_model=remote_model)
    a = solve(jp, "cpsat-joint", log=True, **FAST)
    b = solve(jp, "cpsat-joint", hint=False, **FAST)
    assert a.status == b.status == "optimal" and a.makespan == b.makespan
    assert a.info["identical_groups"] == 2
    assert "hint is complete and is feasible" in a.log


def test_single_layer_dnn_and_log():
    dnn = DNN("one", [Layer("in", "input", 0, 10)], [])
    res = solve(JointProblem([dnn, dnn], PLATFORM), "cpsat-joint", log=True, **FAST)
    assert res.status == "optimal" and res.makespan == 0 and res.log


def test_bad_input():
    from offloadsched import FmProblem

    dnn = random_dnn(np.random.default_rng(0), 3)
    jp = JointProblem([dnn], PLATFORM)
    with pytest.raises(ValidationError):
        solve(jp, "cpsat-joint", lower_bound=3)
    with pytest.raises(ValidationError):
        solve(FmProblem([[1, 2]]), "cpsat-joint")
    with pytest.raises(ValidationError):
        solve(jp, "cpsat-joint", time_limit=-1)
