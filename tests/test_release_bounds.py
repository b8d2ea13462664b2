"""Lower bounds with release times (issue 25; offloadsched/bounds.py).

A bound above the optimum would be a wrong proof, so every named bound is compared with the
brute-force optimum (``solve(p, "bruteforce")``, which scores with the evaluator and so waits for
every release) on random small instances with release times: J2 and Fm (with and without a round
trip), DAG shops under each remote model, and joint problems (brute force over every partition of
every job).  The release-aware bounds are tight where one late job dominates.
"""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

from offloadsched import DagProblem, FmProblem, J2Problem, JointProblem, Partition, evaluate, solve
from offloadsched.bounds import (
    _balanced_load,
    _weight_grid,
    _weighted_partition_costs,
    bound_parts,
    joint_bound_parts,
    joint_lower_bound,
    lower_bound,
    one_machine_bound,
    release_load_bound,
    two_machine_bound,
)
from offloadsched.dnn import chain
from offloadsched.errors import SizeLimitError

from .test_heuristics_joint import UNIT, _closed_sets, _layer, random_chain, random_dag
from .test_rtt_methods import random_dag_shop


def random_release(rng: np.random.Generator, n: int, high: int = 40) -> np.ndarray:
    """Release times in 0..high, about a third of them 0."""
    return rng.integers(0, high + 1, n) * (rng.random(n) < 0.7)


def random_flow_release(rng: np.random.Generator, max_n: int = 6, ms=(2, 3, 4)) -> FmProblem:
    """J2 or Fm with release times; some jobs local-only, a round trip half of the time."""
    n = int(rng.integers(1, max_n + 1))
    m = int(rng.choice(ms))
    t = rng.integers(0, 13, (n, m))
    t[rng.random(n) < 0.3, 1:] = 0
    w = int(rng.integers(1, 20)) if rng.random() < 0.5 and t[:, 1:].any() else 0
    rel = random_release(rng, n)
    if m == 2 and rng.random() < 0.5:
        return J2Problem(t[:, 0], t[:, 1], w_rtt=w, release=rel)
    return FmProblem(t, w_rtt=w, release=rel)


def random_dag_release(rng: np.random.Generator, remote_model: str, max_n: int = 7) -> DagProblem:
    """One to three jobs (random DAGs, random local sets) with release times; a round trip half of the time."""
    p = random_dag_shop(rng, remote_model, max_n=max_n)
    p = p.with_release(random_release(rng, p.n_jobs, 30))
    return p if rng.random() < 0.5 else p.without_rtt()


def optimum(problem, limit: int = 20_000) -> int | None:
    """Brute force's makespan (None when it has more than ``limit`` candidates)."""
    try:
        res = solve(problem, "bruteforce", max_candidates=limit)
    except SizeLimitError:
        return None
    assert res.status == "optimal"
    return res.makespan


def random_joint_release(rng: random.Random, remote_model: str, high: int = 150) -> JointProblem:
    """Two or three small DNN jobs (chains and DAGs of 2-4 layers) with release times in 0..high."""
    jobs = []
    for k in range(rng.randint(2, 3)):
        size = rng.randint(2, 4)
        jobs.append(random_chain(rng, size, f"c{k}") if rng.random() < 0.5 else random_dag(rng, max(size, 3), f"d{k}"))
    release = [rng.randint(0, high) if rng.random() < 0.7 else 0 for _ in jobs]
    return JointProblem(jobs, UNIT, remote_model=remote_model, release=release)


def joint_optimum(jp: JointProblem, limit: int = 1_500) -> int | None:
    """The joint optimum: brute force over every partition of every job (None if one is too large)."""
    best = None
    for masks in itertools.product(*[list(_closed_sets(d)) for d in jp.jobs]):
        opt = optimum(jp.dag([Partition(d, m) for d, m in zip(jp.jobs, masks)]), limit)
        if opt is None:
            return None
        best = opt if best is None else min(best, opt)
    return best


# -- every bound <= the brute-force optimum ---------------------------------------------------------------

def test_flow_bounds_never_exceed_the_optimum():
    rng = np.random.default_rng(250)
    for _ in range(250):
        p = random_flow_release(rng)
        opt = optimum(p)
        parts = bound_parts(p)
        assert parts and all(v <= opt for v in parts.values()), (p.times.tolist(), p.release.tolist(), p.w_rtt, parts)


def test_flow_bounds_with_many_release_values_and_few_thresholds(monkeypatch):
    # the two-machine bound takes a spread of release thresholds: every subset is a valid bound
    import offloadsched.bounds as bounds

    rng = np.random.default_rng(251)
    for limit in (1, 2, 64):
        monkeypatch.setattr(bounds, "TWO_MACHINE_MAX_RELEASES", limit)
        for _ in range(40):
            n = int(rng.integers(2, 7))
            p = FmProblem(rng.integers(1, 10, (n, 3)), release=rng.permutation(n) * int(rng.integers(1, 6)))
            assert two_machine_bound(p.times, p.release) <= optimum(p)


def check_bounds(problems, solve_optimum, at_least: int) -> None:
    """Every bound of every problem with a brute-force optimum is at most it; at least ``at_least`` checked."""
    checked = 0
    for p in problems:
        opt = solve_optimum(p)
        if opt is None:
            continue
        checked += 1
        parts = bound_parts(p)
        assert parts and all(v <= opt for v in parts.values()), (parts, opt)
        assert lower_bound(p) == max(parts.values())
    assert checked >= at_least


@pytest.mark.parametrize("remote_model", ["negligible", "serial", "parallel"])
def test_dag_bounds_never_exceed_the_optimum(remote_model):
    rng = np.random.default_rng({"negligible": 252, "serial": 253, "parallel": 254}[remote_model])
    check_bounds((random_dag_release(rng, remote_model) for _ in range(80)), optimum, 50)


@pytest.mark.parametrize("remote_model", ["negligible", "serial", "parallel"])
def test_joint_bound_never_exceeds_the_optimum(remote_model):
    # releases spread (the least completion binds) and close together (the machines' loads bind)
    rng = random.Random({"negligible": 255, "serial": 256, "parallel": 257}[remote_model])
    problems = [random_joint_release(rng, remote_model, high) for high in (150, 15) for _ in range(6)]
    check_bounds(problems, joint_optimum, 6)
    assert all(joint_lower_bound(jp) == max(joint_bound_parts(jp).values()) for jp in problems)


def test_joint_bound_method():
    rng = random.Random(261)
    for model in ("negligible", "serial"):
        jp = random_joint_release(rng, model)
        res = solve(jp, "joint-bound")  # solve() refuses a bound above the schedule's makespan
        assert str(res.status) == "bound" and res.bound == joint_lower_bound(jp) <= res.makespan
        assert res.info["bounds"] == joint_bound_parts(jp)


# -- tight where one late job dominates ---------------------------------------------------------------------

def test_flow_bound_tight_when_one_late_job_dominates():
    # three small jobs at 0, one job (5, 5) released at 100: nothing can end before 110
    p = J2Problem([1, 2, 1, 5], [1, 1, 2, 5], release=[0, 0, 0, 100])
    assert optimum(p) == 110 == lower_bound(p) == bound_parts(p)["longest job"]
    assert bound_parts(p.with_release(None))["longest job"] == 10  # the release is what makes it tight
    q = FmProblem([[2, 1, 3], [1, 1, 1], [4, 4, 4]], release=[0, 1, 50], w_rtt=7)
    assert optimum(q) == 50 + 12 + 7 == lower_bound(q)


def test_dag_bound_tight_when_one_late_job_dominates():
    # job 0: a chain of two local layers and an upload; job 1 (released at 200) the same
    p = DagProblem(f=[3, 4, 3, 4], u=[9, 5, 9, 5], r=[0, 6, 0, 6], local=[True, True, True, True],
                   preds=[[], [0], [], [2]], job=[0, 0, 1, 1], remote_model="negligible", release=[0, 200])
    assert optimum(p) == 207 == lower_bound(p) == bound_parts(p)["critical path"]


def test_joint_bound_tight_when_one_late_job_dominates():
    rng = random.Random(3)
    d = random_chain(rng, 3, "c")
    jp = JointProblem([d, d], UNIT, release=[0, 10_000])
    alone = joint_optimum(JointProblem([d], UNIT))
    assert joint_optimum(jp) == 10_000 + alone == joint_lower_bound(jp)


def test_lagrangian_resource_bound_weighs_each_jobs_partitions(monkeypatch):
    # three chains in -> a -> b: cloud-only uploads 10, a cut after a computes 10 and uploads 1,
    # local-only computes 20.  The per-job least device and upload work (0 and 1) come from different
    # partitions; weighing device and uplink equally, each job costs at least 40 / 8: 3 x 5 = 15
    d = chain("c", [_layer("in", 0, 10), _layer("a", 10, 1), _layer("b", 10, 4)])
    jp = JointProblem([d, d, d], UNIT)
    parts = joint_bound_parts(jp)
    assert parts["resources (Lagrangian)"] == 15 > max(parts["device and uplink"], parts["least completion"])
    assert joint_lower_bound(jp) == 15 <= joint_optimum(jp, 5_000)
    late = jp.with_release([0, 0, 100])  # the job at 100 alone: 100 + its least completion (10)
    assert joint_lower_bound(late) == 110 <= joint_optimum(late, 5_000)
    import offloadsched.bounds as bounds

    monkeypatch.setattr(bounds, "LAGRANGE_MAX_LAYERS", 2)  # above the ceiling: no minimum cuts
    assert set(joint_bound_parts(jp)) == {"least completion", "device and uplink"}


# -- the pieces ---------------------------------------------------------------------------------------------

def test_release_load_bound_takes_the_late_jobs_alone():
    # heads = release; jobs released at 0 are short, two jobs of 10 at 30: 30 + 20 beats 0 + 23
    head = np.array([0, 0, 30, 30])
    p = np.array([1, 2, 10, 10])
    assert release_load_bound(head, p, np.zeros(4, dtype=int), head) == 50
    assert release_load_bound(head, p, np.zeros(4, dtype=int), np.zeros(4, dtype=int)) == 23  # plain load
    assert release_load_bound([], [], [], []) == 0


def test_one_machine_bound_uses_release_heads():
    t = np.array([[5, 1], [5, 1]])
    assert one_machine_bound(t) == 11
    assert one_machine_bound(t, [0, 20]) == 26  # the second job starts at 20 at the earliest
    assert one_machine_bound(t, [0, 20]) <= optimum(FmProblem(t, release=[0, 20]))


def test_weighted_partition_costs_are_the_least_weighted_work():
    rng = random.Random(260)
    for k in range(30):
        d = random_chain(rng, rng.randint(2, 5)) if k % 2 else random_dag(rng, rng.randint(3, 6))
        f, u, r = JointProblem([d], UNIT, remote_model="serial").times[0]
        grid = _weight_grid(3)
        got = _weighted_partition_costs(d, f, u, r, grid)
        masks = list(_closed_sets(d))
        work = [(int(f[m].sum()), int(u[[v for v in np.flatnonzero(m) if not all(m[list(d.succs[v])])]].sum()),
                 int(r[~m].sum())) for m in masks]
        for (a, b, c), value in zip(grid, got.tolist()):
            assert value == min(a * x + b * y + c * z for x, y, z in work), (a, b, c)


def test_balanced_load_is_below_every_integer_choice():
    rng = np.random.default_rng(258)
    for _ in range(300):
        n = int(rng.integers(1, 7))
        lo = rng.integers(0, 30, n)
        dev = np.minimum(rng.integers(0, 10, n), lo)
        up = rng.integers(0, 15, n)
        best = min(max(int(np.where(x, dev, lo).sum()), int(np.where(x, up, 0).sum()))
                   for x in (np.array(c, dtype=bool) for c in itertools.product([0, 1], repeat=n)))
        assert _balanced_load(lo, dev, up) <= best


def test_balanced_load_is_the_fractional_optimum():
    # two jobs of local work 10 (0 when offloaded), upload 10 each: offloading one job by half
    # gives loads 15 / 15... the fractional optimum is D = 20 - 10 x1 - 10 x2 = U = 10 (x1 + x2): 10
    assert _balanced_load(np.array([10, 10]), np.array([0, 0]), np.array([10, 10])) == 10
    assert _balanced_load(np.array([7]), np.array([0]), np.array([0])) == 0  # free offloading
    assert _balanced_load(np.array([7]), np.array([7]), np.array([3])) == 7  # nothing to save


def test_bounds_without_release_are_unchanged_by_zero_releases():
    rng = np.random.default_rng(259)
    for _ in range(30):
        p = random_flow_release(rng)
        q = p.with_release(None)
        assert bound_parts(q) == bound_parts(q.with_release(np.zeros(q.n, dtype=int)))
        assert lower_bound(q) <= lower_bound(p)  # later releases never lower the bound
        assert evaluate(q, range(q.n)).makespan >= lower_bound(q)
