"""The round trip ``w_rtt`` (MODEL.md section 1) in the exact methods of problem D and of the joint
problem: ``sidney``, ``dp-ideals``, ``mip-joint-ideals``, ``mip-joint-chain``, ``cpsat-joint`` and
the ``relaxation`` bound, each against brute force with ``w_rtt > 0`` (and 0), including round
trips large enough that local-only wins."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest

from offloadsched import DagProblem, JointProblem, Partition, Platform, SizeLimitError, solve
from offloadsched.formulations.dp_ideals import dp_order
from offloadsched.instances.generators import random_dnn, random_graph

from .test_mip_joint_chain import PLATFORM as CHAIN_PLATFORM
from .test_mip_joint_chain import brute_force_joint, random_chain
from .test_mip_joint_ideals import _brute_force as brute_force_ideals
from .test_mip_joint_ideals import _closed_sets, bracket

#: the papers' uplinks (bit/s); device and server rates fixed here so that the cases below do not
#: move with the zoo's calibration
BANDWIDTHS = (1.1e6, 5.85e6, 18.88e6)


def platform(bandwidth: float, w_msg: float, w_rtt: float) -> Platform:
    return Platform(3.74e9, 8.873e12, bandwidth, w_msg, w_rtt=w_rtt, name="rtt-test")


# -- problem D: sidney and dp-ideals -------------------------------------------------------------------
def jobs_problem(seed: int, shapes=("sp", "tree", "chain"), remote_model: str = "negligible") -> DagProblem:
    """Problem D of 1-3 jobs side by side, each a random graph of ``shapes`` (all local), times in
    0..9 (uploads >= 1); a job's cut-points feed its own remote sink, a job without cut-point is
    local-only.  ``w_rtt`` from 0 to well above the loads."""
    rng = np.random.default_rng(seed)
    f, u, preds, local, job = [], [], [], [], []
    for k in range(int(rng.integers(1, 4))):
        n = int(rng.integers(1, 5))
        off = len(f)
        for ps in random_graph(n, int(rng.integers(2**31)), shapes[int(rng.integers(len(shapes)))]):
            preds.append([off + p for p in ps])
        f += rng.integers(0, 10, n).tolist()
        u += rng.integers(1, 10, n).tolist()
        local += [True] * n
        job += [k] * n
        cuts = [off + v for v in range(n) if rng.random() < (0.5 if k or rng.random() < 0.8 else 0.0)]
        if cuts:
            preds.append(cuts)
            f.append(0)
            u.append(1)
            local.append(False)
            job.append(k)
    w = int(rng.choice([0, 1, 3, 8, 20, 60]))
    r = rng.integers(0, 6, len(f)).tolist() if remote_model != "negligible" else [0] * len(f)
    return DagProblem(f=f, u=u, r=r, local=local, preds=preds, job=job, remote_model=remote_model, w_rtt=w)


def bruteforce(p: DagProblem, limit: int = 20_000) -> int | None:
    try:
        return solve(p, "bruteforce", max_candidates=limit).makespan
    except SizeLimitError:
        return None


@pytest.mark.parametrize("chunk", range(3))
def test_sidney_and_dp_ideals_equal_bruteforce(chunk):
    checked = with_rtt = local_jobs = 0
    for seed in range(chunk * 100, (chunk + 1) * 100):
        p = jobs_problem(seed)
        opt = bruteforce(p, 10_000)
        if opt is None:
            continue
        for method in ("sidney", "dp-ideals"):
            res = solve(p, method)  # solve() re-evaluates the schedule and runs the checker
            assert res.status == "optimal", (seed, method, res.info)
            assert res.makespan == res.objective == res.bound == opt, (seed, method)
        checked += 1
        with_rtt += p.w_rtt > 0
        local_jobs += bool(p.offloading.any() and not p.offloading.all())
    assert checked >= 80 and with_rtt >= 60 and local_jobs >= 20


def test_sidney_bracket_and_remote_models_with_rtt():
    """Not series-parallel: bound <= optimum <= schedule; serial / parallel remote: a lower bound."""
    bracketed = bounded = 0
    for seed in range(80):
        p = jobs_problem(seed, shapes=("dag",))
        opt = bruteforce(p, 10_000)
        if opt is not None:
            res = solve(p, "sidney", bounds=True)
            assert res.bound <= opt <= res.makespan, seed
            assert res.status == ("optimal" if res.bound == res.makespan else "feasible")
            bracketed += 1
        q = jobs_problem(seed, remote_model=("serial", "parallel")[seed % 2])
        opt = bruteforce(q, 5_000)
        if opt is not None:
            res = solve(q, "sidney")
            assert res.status == "bound" and res.bound <= opt, seed
            bounded += 1
    assert bracketed >= 60 and bounded >= 45


def test_a_local_only_job_goes_after_the_last_upload():
    """Job 0 is local-only (10 µs), job 1 uploads after 1 µs: any order with job 0 first pays
    10 + 2 + w_rtt; the optimum uploads first and is max(11, 1 + 2 + 20) = 23."""
    p = DagProblem(f=[10, 1, 0], u=[1, 2, 1], r=[0, 0, 0], local=[True, True, False], preds=[[], [], [1]],
                   job=[0, 1, 1], w_rtt=20)
    for method in ("sidney", "dp-ideals", "bruteforce"):
        assert solve(p, method).makespan == 23


# -- the joint problem: mip-joint-ideals -------------------------------------------------------------------
def rtt_platform(seed: int, rng: np.random.Generator) -> Platform:
    return platform(BANDWIDTHS[seed % 3], float(rng.choice([1e-6, 1e-3, 5e-3, 0.02])),
                    float(rng.choice([0.0, 0.001, 0.01, 0.05, 0.2, 1.0, 5.0])))


def joint_instance(seed: int, shapes=("sp", "tree", "chain")) -> JointProblem:
    rng = np.random.default_rng(seed)
    shape = shapes[seed % len(shapes)]
    n_jobs = int(rng.integers(1, 4))
    jobs = [random_dnn(int(rng.integers(4, 7)), seed, shape, p=0.5)] * n_jobs
    if n_jobs > 1 and rng.random() < 0.5:  # a mix of two different DNNs
        jobs[-1] = random_dnn(int(rng.integers(4, 7)), seed + 10_000, ("sp", "tree")[seed % 2])
    return JointProblem(jobs, rtt_platform(seed, rng), name=f"rtt_{seed}")


def local_only(problem: JointProblem) -> int:
    return sum(int(problem.platform.local_times(d).sum()) for d in problem.jobs)


@pytest.mark.parametrize("chunk", range(3))
def test_mip_joint_ideals_equals_brute_force_with_rtt(chunk):
    lo_wins = offload_wins = rtt_zero = 0
    for seed in range(chunk * 140, (chunk + 1) * 140):
        problem = joint_instance(seed)
        res = solve(problem, "mip-joint-ideals", time_limit=30)
        best = brute_force_ideals(problem)
        assert res.status == "optimal", (seed, res.info)
        assert res.makespan == res.bound == res.objective == best, seed
        lo_wins += best == local_only(problem)
        offload_wins += best < local_only(problem)
        rtt_zero += problem.platform.rtt_us == 0
    assert lo_wins >= 20 and offload_wins >= 20 and rtt_zero >= 10


@pytest.mark.parametrize("chunk", range(2))
def test_pruning_by_the_best_seed_mix_keeps_the_optimum(chunk, monkeypatch):
    """The seed-mix upper bound of the pruning (used above ``PRUNE_MIX_ABOVE`` kept ideals, so on
    RandWire only) forced on every instance: still equal to brute force on series-parallel DNNs and
    bracketing it on general DAGs, round trips included."""
    import offloadsched.formulations.mip_joint_ideals as mji

    monkeypatch.setattr(mji, "PRUNE_MIX_ABOVE", -1)
    for seed in range(chunk * 80, (chunk + 1) * 80):
        problem = joint_instance(seed)
        res = solve(problem, "mip-joint-ideals", time_limit=30)
        assert res.status == "optimal" and res.makespan == brute_force_ideals(problem), seed
    for seed in range(chunk * 25, (chunk + 1) * 25):
        bracket(joint_instance(seed, shapes=("dag",)), seed)


def test_mip_joint_ideals_brackets_general_dags_with_rtt():
    proven = 0
    for seed in range(90):
        problem = joint_instance(seed, shapes=("dag",))
        proven += bracket(problem, seed).status == "optimal"
    assert proven >= 60


def test_mip_joint_ideals_with_bruteforce_schedules():
    """Every ideal combination scheduled by ``bruteforce`` (the evaluator over every linear
    extension), independent of the dynamic program."""
    checked = 0
    for seed in range(40):
        rng = np.random.default_rng(seed)
        dnn = random_dnn(int(rng.integers(4, 6)), seed, ("sp", "tree")[seed % 2])
        problem = JointProblem([dnn] * int(rng.integers(1, 3)), rtt_platform(seed, rng))
        sets = [Partition(dnn, m) for m in _closed_sets(dnn)]
        best = min(solve(problem.dag(list(parts)), "bruteforce").makespan
                   for parts in itertools.combinations_with_replacement(sets, len(problem.jobs)))
        res = solve(problem, "mip-joint-ideals")
        assert res.status == "optimal" and res.makespan == best, seed
        checked += 1
    assert checked == 40


def test_the_upload_end_is_modelled_apart_from_the_local_end():
    """The optimum without a round trip, plus ``w_rtt``, is not the optimum with it: the model must
    minimise the last upload end, not max(local load, last upload end), and compare with local-only."""

    def optimum(dnn, w_rtt: float):
        problem = JointProblem([dnn] * 2, platform(BANDWIDTHS[2], 1e-3, w_rtt))
        res = solve(problem, "mip-joint-ideals")
        assert res.status == "optimal" and res.makespan == brute_force_ideals(problem)
        return res.makespan, sorted(int(p.local.sum()) for p in res.partitions), local_only(problem)

    sp = random_dnn(6, 1, "sp")  # a round trip changes the best partitions: one job turns local-only
    (m0, parts0, _), (m1, parts1, _) = optimum(sp, 0.0), optimum(sp, 0.02)
    assert m0 < m1 < m0 + 20_000 and parts0 != parts1 and 6 in parts1
    tree = random_dnn(6, 1, "tree")  # the uploads end early enough that a round trip costs nothing
    (m0, _, _), (m1, _, _) = optimum(tree, 0.0), optimum(tree, 0.05)
    assert m0 == m1
    m5, parts5, lo = optimum(tree, 5.0)  # the round trip outweighs any gain
    assert m5 == lo and parts5 == [6, 6]


def test_mip_joint_ideals_other_remote_models_with_rtt():
    dnn = random_dnn(4, 7, "sp")
    plat = platform(BANDWIDTHS[1], 1e-3, 0.03)
    negligible = solve(JointProblem([dnn] * 2, plat), "mip-joint-ideals")
    for model in ("serial", "parallel"):
        problem = JointProblem([dnn] * 2, plat, remote_model=model)
        res = solve(problem, "mip-joint-ideals")
        assert res.status == "optimal" and negligible.makespan <= res.bound == res.makespan
        assert res.makespan == _all_combinations(problem)


# -- identical chains: mip-joint-chain and the relaxation -----------------------------------------------------
def chain_problem(seed: int, n: int, w_rtt: float) -> JointProblem:
    platform = replace(CHAIN_PLATFORM, w_msg=2e-6, w_rtt=w_rtt)
    return JointProblem([random_chain(seed)] * n, platform)


CHAIN_CASES = [(seed, n, w) for n in (1, 2, 3, 4) for seed, w in ((n, 0.0), (10 + n, 3e-5), (20 + n, 1.5e-4),
                                                                   (30 + n, 2e-3))]


@pytest.mark.parametrize(("seed", "n", "w_rtt"), CHAIN_CASES)
def test_mip_joint_chain_and_relaxation_with_rtt(seed, n, w_rtt):
    problem = chain_problem(seed, n, w_rtt)
    optimum = brute_force_joint(problem)
    for solver in ("cbc", "highs"):
        res = solve(problem, "mip-joint-chain", solver=solver)
        assert res.status == "optimal" and res.makespan == res.bound == optimum, (solver, res.info)
    assert solve(problem, "mip-joint-ideals").makespan == optimum
    for abscissa in ("compute", "layer"):
        rel = solve(problem, "relaxation", abscissa=abscissa)
        assert rel.bound <= optimum <= rel.makespan
        assert rel.info["uniform_optimal"]  # seed 001 Thm. 1 with g shifted by w_rtt / n


def test_chain_round_trip_makes_local_only_win():
    problem = chain_problem(5, 3, 2e-3)  # 2,000 µs against loads of a few hundred
    lo = local_only(problem)
    assert brute_force_joint(problem) == lo
    res = solve(problem, "mip-joint-chain")
    assert res.status == "optimal" and res.makespan == lo
    assert all(p.local.all() for p in res.partitions)
    assert solve(problem, "relaxation").bound == lo  # min(relaxation, local-only)


# -- cpsat-joint ------------------------------------------------------------------------------------------
def _all_combinations(problem: JointProblem) -> int:
    dnn = problem.jobs[0]
    sets = [Partition(dnn, m) for m in _closed_sets(dnn)]
    return min(solve(problem.dag(list(parts)), "bruteforce").makespan
               for parts in itertools.product(sets, repeat=len(problem.jobs)))


@pytest.mark.parametrize("remote_model", ["negligible", "serial", "parallel"])
def test_cpsat_joint_equals_brute_force_with_rtt(remote_model):
    pytest.importorskip("ortools")
    proven = 0
    for seed in range(8):
        rng = np.random.default_rng(seed)
        dnn = random_dnn(4, seed, ("sp", "tree")[seed % 2])
        problem = JointProblem([dnn] * (1 + seed % 2), rtt_platform(seed, rng), remote_model=remote_model)
        best = _all_combinations(problem)
        res = solve(problem, "cpsat-joint", time_limit=20, workers=1)
        assert res.bound <= best <= res.makespan, seed
        if res.status == "optimal":
            proven += 1
            assert res.makespan == best
        if remote_model == "negligible":
            assert dp_order(res.problem)[1] >= best
    assert proven >= 6
