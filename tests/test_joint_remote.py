"""``mip-joint-ideals`` with ``serial`` and ``parallel`` remote (issue 22): proven joint optima against brute
force (every combination of partitions, each problem D brute-forced) and against ``cpsat-joint``'s proven
optima, with slow servers and round trips ``w_rtt > 0``; never status ``bound``; a time limit is a
result with a valid bound."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from offloadsched import JointProblem, Partition, Platform, solve
from offloadsched.instances.generators import random_dnn

from .test_mip_joint_ideals import _closed_sets
from .test_rtt_joint import BANDWIDTHS

#: device rate as in the round-trip tests; servers from 10x slower than the device to 10x faster
DEVICE = 3.74e9
SERVER_RATES = (DEVICE / 10, DEVICE / 2, DEVICE, 10 * DEVICE)


def brute_force(problem: JointProblem) -> int:
    """The joint optimum of identical jobs: every multiset of predecessor-closed layer sets (plain subset
    enumeration), each problem D by the ``bruteforce`` method (every sequence per resource)."""
    dnn = problem.jobs[0]
    sets = [Partition(dnn, m) for m in _closed_sets(dnn)]
    return min(solve(problem.dag(list(parts)), "bruteforce").makespan
               for parts in itertools.combinations_with_replacement(sets, len(problem.jobs)))


def instance(seed: int, remote_model: str) -> JointProblem:
    """1 or 2 identical jobs of a random DNN (3-5 layers; 3-4 for two jobs, which the brute force
    handles in well under a second), a server from 10x slower to 10x faster than the device."""
    rng = np.random.default_rng(seed)
    dnn = random_dnn(int(rng.integers(3, 6 - seed % 2)), seed, ("sp", "tree", "chain")[seed % 3])
    plat = Platform(DEVICE, float(rng.choice(SERVER_RATES)), BANDWIDTHS[seed % 3], float(rng.choice([1e-4, 1e-3])),
                    w_rtt=float(rng.choice([0.0, 1e-3, 5e-3, 0.05])), name=f"remote-{seed}")
    return JointProblem([dnn] * (1 + seed % 2), plat, remote_model=remote_model, name=f"remote_{seed}")


@pytest.mark.parametrize("remote_model", ["serial", "parallel"])
def test_equals_brute_force(remote_model):
    offload = remote_costs = with_rtt = 0
    for seed in range(24):
        problem = instance(seed, remote_model)
        res = solve(problem, "mip-joint-ideals", time_limit=30)
        best = brute_force(problem)
        assert res.status == "optimal", (seed, res.info)
        assert res.makespan == res.bound == best, seed
        local_only = sum(int(problem.platform.local_times(d).sum()) for d in problem.jobs)
        negligible = solve(JointProblem(problem.jobs, problem.platform), "mip-joint-ideals").makespan
        assert negligible <= best
        offload += best < local_only
        remote_costs += negligible < best
        with_rtt += problem.platform.rtt_us > 0 and best < local_only
    assert offload >= 8 and remote_costs >= 4 and with_rtt >= 4, (offload, remote_costs, with_rtt)


@pytest.mark.parametrize("remote_model", ["serial", "parallel"])
def test_equals_cpsat_joint_where_it_proves(remote_model):
    pytest.importorskip("ortools")
    proven = 0
    for seed in range(100, 110):
        problem = instance(seed, remote_model)
        ours = solve(problem, "mip-joint-ideals", time_limit=30)
        assert ours.status == "optimal", (seed, ours.info)
        cp = solve(problem, "cpsat-joint", time_limit=10, workers=1)
        assert cp.bound <= ours.makespan <= cp.makespan, seed
        if cp.status == "optimal":
            proven += 1
            assert cp.makespan == ours.makespan, seed
    assert proven >= 6


def test_a_slow_server_changes_the_optimum_and_is_proven():
    from dataclasses import replace

    from offloadsched.instances import get_model
    from offloadsched.instances.platforms import make_platform

    plat = replace(make_platform("rpi4", "gtx1080", "4g"), r_rem=2e10)
    jobs = [get_model("alexnet")] * 3
    negligible = solve(JointProblem(jobs, plat), "mip-joint-ideals")
    for model in ("serial", "parallel"):
        res = solve(JointProblem(jobs, plat, remote_model=model), "mip-joint-ideals", time_limit=60)
        assert res.status == "optimal" and res.bound == res.makespan > negligible.makespan
        # the negligible optimum's partitions, scheduled with the server, are no better
        old = solve(JointProblem(jobs, plat, remote_model=model).dag(negligible.partitions), "topo-johnson")
        assert res.makespan <= old.makespan


@pytest.mark.parametrize("remote_model", ["serial", "parallel"])
def test_a_time_limit_gives_a_valid_bound(remote_model):
    from offloadsched.instances import get_model
    from offloadsched.instances.platforms import make_platform

    problem = JointProblem([get_model("googlenet")] * 4, make_platform("rpi4", "jetson-nano/4", "4g"),
                           remote_model=remote_model)
    for limit in (0.01, 0.5):
        res = solve(problem, "mip-joint-ideals", time_limit=limit)
        assert res.status in ("feasible", "optimal") and res.bound is not None
        assert res.bound <= res.makespan
    full = solve(problem, "mip-joint-ideals", time_limit=60)
    assert full.status == "optimal" and res.bound <= full.makespan <= res.makespan


def loose_instance(seed: int, remote_model: str) -> JointProblem:
    """Two jobs of a random 3-4 layer DNN, a fast uplink and a server from 5x slower to 4x faster than the
    device: the remote work counts, the relaxation is loose and several counts vectors are enumerated."""
    rng = np.random.default_rng(seed)
    dnn = random_dnn(int(rng.integers(3, 5)), seed, ("sp", "tree", "chain")[seed % 3])
    plat = Platform(DEVICE, DEVICE * float(rng.choice([0.2, 2, 4])), 18.88e6, 1e-4,
                    w_rtt=float(rng.choice([0.0, 1e-3])), name=f"loose-{seed}")
    return JointProblem([dnn] * 2, plat, remote_model=remote_model, name=f"loose_{seed}")


@pytest.mark.parametrize("remote_model", ["serial", "parallel"])
def test_cpsat_and_no_good_cuts_reach_brute_force(remote_model, monkeypatch):
    """Without the core's load and path bounds of problem D, every counts vector's bound comes from the
    relaxation and ``cpsat-dagshop``: the enumeration with no-good cuts still proves the brute-force optimum."""
    pytest.importorskip("ortools")
    import offloadsched.formulations.mip_joint_ideals as mji

    monkeypatch.setattr(mji, "core_lower_bound", lambda dag: 0)
    cpsat = enumerated = 0
    for seed in range(16):
        problem = loose_instance(seed, remote_model)
        res = solve(problem, "mip-joint-ideals", time_limit=30, workers=1)
        assert res.status == "optimal" and res.makespan == res.bound == brute_force(problem), (seed, res.info)
        cpsat += res.info["cpsat_runs"] > 0
        enumerated += res.info["excluded"] >= 2
    assert cpsat >= 3 and enumerated >= 3, (cpsat, enumerated)
