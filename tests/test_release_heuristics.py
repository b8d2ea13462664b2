"""Every heuristic of offloadsched.heuristics with release times (issue 25 part 3).

On random small instances with release times of every problem type (J2, Fm, DAG shops under each
remote model, joint problems) every registered heuristic returns a schedule that the independent
checker accepts (``solve`` runs it), that starts no operation before its job's release, and whose
makespan is no better than the brute-force optimum.  NEH and IG compute their insertion makespans
with the release times (checked against the evaluator position by position, and on a hand case
where the order chosen without them is worse); the order-based heuristics take the non-delay
dispatch of their order when it is shorter; the baselines run the jobs first in, first out.
"""

from __future__ import annotations

import random
from functools import cache

import numpy as np
import pytest

from offloadsched import DagProblem, FmProblem, J2Problem, JointProblem, evaluate, lower_bound, solve
from offloadsched.heuristics._release import dag_dispatch, flow_dispatch
from offloadsched.heuristics.neh import deliveries, insertion_makespans
from offloadsched.instances.platforms import make_platform
from offloadsched.instances.zoo import alexnet
from offloadsched.registry import methods

from .test_heuristics_joint import UNIT, random_chain
from .test_release_bounds import (
    joint_optimum,
    optimum,
    random_dag_release,
    random_flow_release,
    random_joint_release,
)

HEURISTICS = sorted(m.name for m in methods(kind="heuristic")
                    if isinstance(m.target, str) and m.target.startswith("offloadsched.heuristics."))


@cache
def instances(kind: str) -> tuple:
    """``(problem, brute-force optimum)`` pairs with release times, fixed seeds."""
    out = []
    if kind in ("j2", "fm"):
        rng = np.random.default_rng(2500 if kind == "j2" else 2501)
        while len(out) < 40:
            p = random_flow_release(rng, ms=(2,) if kind == "j2" else (2, 3, 4))
            if p.type == kind and p.has_release:
                out.append((p, optimum(p)))
    elif kind == "dag":
        rng = np.random.default_rng(2502)
        for model in ("negligible", "serial", "parallel"):
            count = 0
            while count < 12:
                p = random_dag_release(rng, model)
                opt = optimum(p)
                if opt is not None and p.has_release:
                    out.append((p, opt))
                    count += 1
    else:
        rng2 = random.Random(2503)
        for model in ("negligible", "serial", "parallel", "negligible"):
            for _ in range(2):
                jp = random_joint_release(rng2, model)
                opt = joint_optimum(jp)
                if opt is not None and jp.has_release:
                    out.append((jp, opt))
    return tuple(out)


def assert_respects_release(problem, res) -> None:
    timing = evaluate(res.problem if res.problem is not None else problem, res.schedule, overlap=res.overlap)
    assert (timing.start >= timing.releases[timing.jobs_of_operations]).all()
    assert res.makespan == timing.makespan


def test_every_heuristic_module_is_covered():
    assert {"johnson", "eja", "neh", "ig", "dsl", "path-johnson", "topo-johnson", "tree-merge", "lo", "co", "po",
            "neurosurgeon", "jps", "hps", "mw", "mw-fixed", "nfl"} <= set(HEURISTICS)


@pytest.mark.parametrize("name", HEURISTICS)
def test_heuristic_with_release_times(name):
    method = next(m for m in methods(kind="heuristic") if m.name == name)
    ran = 0
    for kind in method.problems:
        for p, opt in instances(kind):
            if method.not_applicable(p) is not None:
                continue
            res = solve(p, name)  # the independent checker runs inside solve()
            assert str(res.status) in ("heuristic", "feasible", "optimal"), (name, res.info)
            assert res.makespan >= opt, (name, kind)
            assert_respects_release(p, res)
            ran += 1
    if name in ("mw", "mw-fixed", "nfl"):  # one DNN that the fused-layer conversion takes
        jp = JointProblem([alexnet()], make_platform("rpi4", "gtx1080", "wifi"), remote_model="serial")
        late = jp.with_release([5_000])
        a, b = solve(jp, name), solve(late, name)
        assert b.makespan == a.makespan + 5_000 and b.objective == b.makespan  # a release only shifts one job
        assert_respects_release(late, b)
        ran += 1
    assert ran, name


# -- NEH and IG: insertion makespans with release times ----------------------------------------------------

def test_insertion_makespans_are_the_evaluators():
    rng = np.random.default_rng(2504)
    for _ in range(300):
        p = random_flow_release(rng, max_n=7)
        if p.n < 2:
            continue
        seq = rng.permutation(p.n).tolist()
        j = seq.pop(int(rng.integers(p.n)))
        d = deliveries(p)
        ms = insertion_makespans(p.times[seq], p.times[j], p.release[seq], int(p.release[j]),
                                 None if d is None else d[seq], 0 if d is None else int(d[j]))
        want = [evaluate(p, seq[:k] + [j] + seq[k:]).makespan for k in range(len(seq) + 1)]
        assert ms.tolist() == want, (p.times.tolist(), p.release.tolist(), p.w_rtt)


def test_ig_kernel_inserts_like_neh():
    from offloadsched.heuristics.ig import _best_insertion, _load

    _load()
    rng = np.random.default_rng(2505)
    for _ in range(200):
        p = random_flow_release(rng, max_n=7)
        if p.n < 2:
            continue
        seq = rng.permutation(p.n)
        j = int(seq[-1])
        d = deliveries(p)
        rd = np.stack([p.release, np.zeros(p.n, dtype=np.int64) if d is None else d], axis=1).astype(np.int64)
        work = np.empty((p.n + 1, p.m + 1), dtype=np.int64), np.empty((p.n + 1, p.m + 1), dtype=np.int64)
        pos, best = _best_insertion(np.ascontiguousarray(p.times, dtype=np.int64), rd, seq.copy(), p.n - 1, j, *work)
        ms = insertion_makespans(p.times[seq[:-1]], p.times[j], p.release[seq[:-1]], int(p.release[j]),
                                 None if d is None else d[seq[:-1]], 0 if d is None else int(d[j]))
        assert (pos, best) == (int(np.argmin(ms)), int(ms.min()))


def test_neh_and_ig_use_release_times():
    # job 3 (1, 5) arrives at 10: the orders NEH and IG choose without release times lose to it
    p = J2Problem([1, 1, 4, 1], [5, 3, 7, 5], release=[0, 0, 0, 10])
    assert optimum(p) == 21
    for method in ("neh", "ig"):
        blind = evaluate(p, solve(p.with_release(None), method).schedule).makespan
        assert blind > 21 == solve(p, method).makespan, method


def test_neh_and_ig_with_release_and_round_trip_let_a_local_only_job_fill_the_wait():
    # job 1 offloads but arrives at 10; local-only job 0 fills machine 1 before it (the reduction
    # to the offloading jobs, which puts local-only jobs last, would end at 10 + 1 + 10 + 2 + 5 = 28)
    p = J2Problem([10, 1], [0, 2], w_rtt=5, release=[0, 10])
    assert optimum(p) == 18
    for method in ("neh", "ig", "johnson"):
        assert solve(p, method).makespan == 18, method


# -- order-based heuristics: the non-delay dispatch of their order -------------------------------------------

def test_flow_dispatch_keeps_the_order_without_release_times():
    rng = np.random.default_rng(2506)
    for _ in range(50):
        n = int(rng.integers(1, 9))
        order = rng.permutation(n).tolist()
        assert flow_dispatch(np.zeros(n), rng.integers(0, 9, n), order) == order
        rel = rng.integers(0, 20, n)
        out = flow_dispatch(rel, rng.integers(0, 9, n), order)
        assert sorted(out) == list(range(n))


def test_johnson_takes_the_dispatch_when_its_order_waits():
    # Johnson's order puts job 0 (1, 5) first, but it arrives at 10: job 1 runs while it waits
    p = J2Problem([1, 4], [5, 2], release=[10, 0])
    assert evaluate(p, [0, 1]).makespan == 18
    res = solve(p, "johnson")
    assert res.makespan == 16 == optimum(p) and res.schedule["local"].tolist() == [1, 0]
    assert "dispatch" in res.info["release"]
    assert "release" not in solve(p.with_release(None), "johnson").info


def test_dag_heuristics_take_the_dispatch_when_their_order_waits():
    # the same two jobs as one-layer DNN jobs (a local layer and a remote output each)
    p = DagProblem(f=[1, 0, 4, 0], u=[5, 0, 2, 0], r=[0, 0, 0, 0], local=[True, False, True, False],
                   preds=[[], [0], [], [2]], job=[0, 0, 1, 1], release=[10, 0])
    for method in ("topo-johnson", "tree-merge", "path-johnson"):
        res = solve(p, method)
        assert res.makespan == 16 == optimum(p), method
        assert res.schedule["local"].tolist() == [2, 0], method


def test_dag_dispatch_is_a_linear_extension():
    rng = np.random.default_rng(2507)
    for _ in range(40):
        p = random_dag_release(rng, "negligible")
        order = p.local_nodes.tolist()
        out = dag_dispatch(p, order)
        assert sorted(out) == order
        pos = {v: k for k, v in enumerate(out)}
        assert all(pos[q] < pos[v] for v in out for q in p.preds[v])
        assert dag_dispatch(p.with_release(None), order) == order


# -- the baselines: first in, first out -----------------------------------------------------------------------

@pytest.mark.parametrize("method", ["lo", "co", "po", "neurosurgeon", "dsl"])
def test_baselines_run_jobs_in_release_order(method):
    rng = random.Random(2508)
    d = random_chain(rng, 4, "c")
    jp = JointProblem([d, d, d], UNIT, release=[300, 0, 100])
    res = solve(jp, method)
    dag = res.problem
    firsts = [res.schedule["local"].tolist().index(int(np.flatnonzero(dag.job == k)[0])) for k in range(3)]
    assert sorted(range(3), key=firsts.__getitem__) == [1, 2, 0]
    if method == "lo":  # release order (earliest release date) is optimal on one machine: the bound proves it
        assert res.makespan == lower_bound(dag)


def test_dsl_flow_runs_jobs_in_release_order():
    p = FmProblem([[3, 1, 1], [2, 2, 2], [1, 1, 1]], release=[5, 0, 1])
    res = solve(p, "dsl")
    assert res.schedule["M1"].tolist() == [1, 2, 0]
    assert res.info["no_overlap_makespan"] == res.makespan == evaluate(p, [1, 2, 0], overlap=False).makespan
