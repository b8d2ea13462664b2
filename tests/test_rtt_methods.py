"""Every scheduling method with a round trip ``w_rtt > 0`` (MODEL.md section 1, issue 14 item 1).

Exact methods equal brute force (``solve(p, "bruteforce")``, which enumerates every order and
scores it with the evaluator); heuristics return checker-valid schedules no better than the
optimum; po and neurosurgeon equal brute force over the partitions of their own per-job latency.
Instances are random with fixed seeds: J2 and Fm with local-only jobs (zero times after the first
machine) and all-zero jobs, DAG shops with several jobs (some local-only) under every remote model.
"""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from offloadsched import DagProblem, FmProblem, J2Problem, JointProblem, Partition, Platform, evaluate, solve
from offloadsched.errors import SizeLimitError
from offloadsched.evaluate import flow_makespan
from offloadsched.flow_rtt import reduce_round_trip, split_round_trip
from offloadsched.heuristics._common import defer_local_tail
from offloadsched.heuristics.neurosurgeon import prefix_cut_costs
from offloadsched.heuristics.po import dads_partition
from offloadsched.heuristics.topo_johnson import topo_johnson_order
from offloadsched.registry import SolverOutput
from offloadsched.schedule import Schedule

from .strategies import fm_problems
from .test_heuristics_joint import _closed_sets, random_chain, random_dag

#: like test_heuristics_joint.UNIT (f = flops µs, u = 1 + out_bytes µs) with a 25 µs round trip
RTT = Platform(r_loc=1e6, r_rem=1e7, bandwidth=8e6, w_msg=1e-6, w_rtt=25e-6, name="unit+rtt")


def random_flow(rng: np.random.Generator, max_n: int = 6, ms=(2, 3, 4), max_t: int = 12) -> FmProblem:
    """J2 or Fm with ``w_rtt`` in 1..30: about a third of the jobs local-only, a few all-zero."""
    n = int(rng.integers(1, max_n + 1))
    m = int(rng.choice(ms))
    t = rng.integers(0, max_t + 1, (n, m))
    t[rng.random(n) < 0.35, 1:] = 0
    t[rng.random(n) < 0.05, :] = 0
    w = int(rng.integers(1, 31))
    if m == 2 and rng.random() < 0.5:
        return J2Problem(t[:, 0], t[:, 1], w_rtt=w)
    return FmProblem(t, w_rtt=w)


def random_dag_shop(rng: np.random.Generator, remote_model: str, max_n: int = 8) -> DagProblem:
    """One to three jobs side by side, each a random DAG with a random predecessor-closed local
    set (sometimes all local: a local-only job), uploads of at least 1 µs, ``w_rtt`` in 1..30."""
    f: list[int] = []
    u: list[int] = []
    r: list[int] = []
    local: list[bool] = []
    preds: list[list[int]] = []
    job: list[int] = []
    for k in range(int(rng.integers(1, 4))):
        size = int(rng.integers(1, max(2, max_n // 2) + 1))
        base = len(preds)
        all_local = rng.random() < 0.3
        for v in range(size):
            ps = sorted({base + int(p) for p in rng.integers(0, v, int(rng.integers(0, 3)))}) if v else []
            preds.append(ps)
            local.append(all(local[p] for p in ps) and (all_local or bool(rng.random() < 0.6)))
            job.append(k)
        f += rng.integers(0, 10, size).tolist()
        u += rng.integers(1, 10, size).tolist()
        r += rng.integers(0, 10, size).tolist()
    return DagProblem(f=f, u=u, r=r, local=local, preds=preds, remote_model=remote_model, job=job,
                      w_rtt=int(rng.integers(1, 31)))


def optimum(problem, limit: int = 20_000) -> int | None:
    """Brute force's makespan (None when it has more than ``limit`` candidates)."""
    try:
        res = solve(problem, "bruteforce", max_candidates=limit)
    except SizeLimitError:
        return None
    assert res.status == "optimal" and res.bound == res.makespan
    return res.makespan


# -- the core pieces: brute force, the reduction ------------------------------------------------

def test_flow_makespan_with_rtt_is_the_evaluators():
    rng = np.random.default_rng(0)
    for _ in range(300):
        p = random_flow(rng, max_n=8)
        order = rng.permutation(p.n).tolist()
        assert flow_makespan(p.times, order, p.w_rtt) == evaluate(p, order).makespan
        assert flow_makespan(p.times, order) == evaluate(p.without_rtt(), order).makespan


def test_a_local_only_job_goes_last():
    # job 1 offloads, job 0 is local-only: Johnson's order (1, 0) ends the upload at 3 -> max(10, 3 + 10);
    # local-only first would end it at 12 -> 22.  The classic optimum + w_rtt (10 + 10) is wrong too.
    p = J2Problem([9, 1], [0, 2], w_rtt=10)
    assert evaluate(p, [0, 1]).makespan == 22
    for method in ("bruteforce", "johnson", "neh", "ig", "cpsat-flowshop", "bb-flowshop", "mip-path"):
        res = solve(p, method)
        assert res.makespan == 13, method
        assert res.schedule["local"].tolist() == [1, 0], method


def test_reduction_split():
    p = FmProblem([[4, 0, 0], [1, 1, 1], [0, 0, 0], [2, 0, 3]], w_rtt=5)
    s = split_round_trip(p)
    assert s.offloading.tolist() == [1, 3] and s.local_only.tolist() == [0, 2]
    assert s.sub.w_rtt == 0 and s.sub.times.tolist() == [[1, 1, 1], [2, 0, 3]] and s.first_machine == 7
    assert s.makespan(1) == 7 and s.makespan(4) == 9


def test_reduction_passes_release_problems_whole():
    """The reduction needs a first machine that never idles: with release times the wrapped method gets
    the whole problem (the counterexample of flow_rtt's docstring: optimum 8, local-only job appended 11)."""
    seen = []

    def method(problem, **options):
        seen.append(problem)
        return SolverOutput(Schedule.from_order(range(problem.n)))

    p = FmProblem([[5, 0], [1, 1]], w_rtt=1, release=[0, 5])
    reduce_round_trip(method)(p)
    reduce_round_trip(method)(p.with_release(None))
    assert seen[0] is p and seen[1].n == 1  # whole with release times, offloading jobs only without
    assert solve(p, "bruteforce").makespan == 8 and evaluate(p, [1, 0]).makespan == 11


# -- exact flow-shop methods equal brute force ----------------------------------------------------

FLOW_EXACT = {"cpsat-flowshop": 200, "bb-flowshop": 300, "mip-path": 120}


@pytest.mark.parametrize("method", FLOW_EXACT)
def test_exact_flow_methods_equal_bruteforce(method):
    rng = np.random.default_rng(14)
    for _ in range(FLOW_EXACT[method]):
        p = random_flow(rng)
        opt = optimum(p)
        res = solve(p, method)
        assert (str(res.status), res.makespan, res.bound) == ("optimal", opt, opt), (method, p.times.tolist(), p.w_rtt)


def test_mip_path_highs_equals_bruteforce():
    rng = np.random.default_rng(15)
    for _ in range(40):
        p = random_flow(rng, max_n=5)
        res = solve(p, "mip-path", solver="highs")
        assert (str(res.status), res.makespan) == ("optimal", optimum(p)), (p.times.tolist(), p.w_rtt)


def test_cpsat_flowshop_non_permutation_equals_bruteforce_up_to_three_machines():
    # for m <= 3 some optimal schedule is a permutation schedule (Conway, Maxwell, Miller 1967)
    rng = np.random.default_rng(16)
    for _ in range(80):
        p = random_flow(rng, ms=(2, 3))
        res = solve(p, "cpsat-flowshop", permutation=False)
        assert (str(res.status), res.makespan) == ("optimal", optimum(p)), (p.times.tolist(), p.w_rtt)


@settings(max_examples=50)
@given(fm_problems(max_n=6, max_m=3, max_t=9), st.integers(1, 30), st.data())
def test_bb_flowshop_equals_bruteforce_hypothesis(p, w_rtt, data):
    t = p.times.copy()
    local_only = data.draw(st.lists(st.booleans(), min_size=p.n, max_size=p.n))
    t[np.array(local_only), 1:] = 0
    q = FmProblem(t, w_rtt=w_rtt)
    res = solve(q, "bb-flowshop")
    assert (str(res.status), res.makespan, res.bound) == ("optimal", optimum(q), optimum(q))


def test_johnson_is_optimal_on_j2_with_rtt():
    rng = np.random.default_rng(17)
    for _ in range(400):
        p = random_flow(rng, max_n=6, ms=(2,))
        assert solve(p, "johnson").makespan == optimum(p), (p.times.tolist(), p.w_rtt)


# -- flow heuristics --------------------------------------------------------------------------------

def test_flow_heuristics_valid_with_rtt():
    rng = np.random.default_rng(18)
    for _ in range(150):
        p = random_flow(rng)
        opt = optimum(p)
        methods = ["neh", "ig", "dsl", "fifo"] + (["johnson"] if p.m == 2 else []) + (["eja"] if p.m == 3 else [])
        for method in methods:
            res = solve(p, method)  # solve() runs the independent checker
            assert str(res.status) in ("heuristic", "feasible", "optimal"), (method, res.info)
            assert res.makespan >= opt, method
        # local-only jobs never precede an offloading one in NEH / IG
        for method in ("neh", "ig"):
            order = solve(p, method).schedule["local" if isinstance(p, J2Problem) else "M1"].tolist()
            assert not any(not p.offloading[a] and p.offloading[b] for a, b in itertools.pairwise(order)), method


def test_neh_ig_equal_their_run_on_the_offloading_jobs():
    rng = np.random.default_rng(19)
    for _ in range(60):
        p = random_flow(rng, max_n=8)
        s = split_round_trip(p)
        for method in ("neh", "ig"):
            sub = solve(s.sub, method)
            assert solve(p, method).makespan == s.makespan(sub.makespan), method


def test_dsl_no_overlap_latency_pays_the_round_trip():
    p = J2Problem([2, 3], [4, 0], w_rtt=10)  # job 0 offloads: its upload ends at 6, job 1 ends at 9
    res = solve(p, "dsl")
    assert res.info["no_overlap_makespan"] == res.makespan == 16


# -- DAG shop ----------------------------------------------------------------------------------------

def solved_dag_shops(seed: int, remote_model: str, count: int):
    """``count`` pairs (random DAG shop, its brute-force optimum), skipping those too big to enumerate."""
    rng = np.random.default_rng(seed)
    while count:
        p = random_dag_shop(rng, remote_model)
        opt = optimum(p)
        if opt is not None:
            count -= 1
            yield p, opt


@pytest.mark.parametrize("remote_model", ["negligible", "serial", "parallel"])
def test_cpsat_dagshop_equals_bruteforce(remote_model):
    for p, opt in solved_dag_shops(20, remote_model, 120):
        res = solve(p, "cpsat-dagshop")
        assert (str(res.status), res.makespan, res.bound) == ("optimal", opt, opt), (p, p.preds, p.local.tolist())


@pytest.mark.parametrize("remote_model", ["negligible", "serial", "parallel"])
def test_dag_heuristics_valid_with_rtt(remote_model):
    for p, opt in solved_dag_shops(21, remote_model, 60):
        methods = ["topo-johnson", "path-johnson", "dsl", "fifo"]
        if remote_model != "negligible":
            methods.append(("path-johnson", {"rule": "johnson"}))
        if all(len(p.preds[v]) <= 1 for v in p.local_nodes.tolist()):
            methods.append("tree-merge")
        for m in methods:
            name, opts = m if isinstance(m, tuple) else (m, {})
            res = solve(p, name, **opts)
            assert res.makespan >= opt, name


def test_tree_merge_defers_a_local_sink_glued_to_a_cut_point():
    # job 0: p (f 1, uploads 5) with a local child c (f 10) that uploads nothing; job 1: q (f 3, u 2).
    # Alg. 5 glues c behind p: p, c, q ends q's upload at 16 -> 26 with w_rtt = 10; c last: 18.
    p = DagProblem(f=[1, 10, 0, 3, 0], u=[5, 1, 1, 2, 1], r=[0] * 5, local=[1, 1, 0, 1, 0],
                   preds=[[], [0], [0], [], [3]], job=[0, 0, 0, 1, 1], w_rtt=10)
    assert evaluate(p, [0, 1, 3]).makespan == 26
    assert solve(p, "tree-merge").makespan == solve(p, "bruteforce").makespan == 18
    assert solve(p, "tree-merge", return_trace=True).info["groups"] == [[0, 1], [3]]


def test_deferring_the_local_tail_never_hurts_with_negligible_remote():
    rng = np.random.default_rng(22)
    moved = 0
    for _ in range(300):
        p = random_dag_shop(rng, "negligible", max_n=12)
        order = topo_johnson_order(p)
        later = defer_local_tail(p, order)
        moved += later != order
        assert evaluate(p, later).makespan <= evaluate(p, order).makespan
        assert defer_local_tail(p.without_rtt(), order) == order
    assert moved > 30


# -- joint problems ----------------------------------------------------------------------------------

def _latency(d, mask: np.ndarray, f, u, r, w: int) -> int:
    cuts = [v for v in np.flatnonzero(mask) if any(not mask[s] for s in d.succs[v])]
    return int(f[mask].sum() + u[cuts].sum() + r[~mask].sum()) + (w if not mask.all() else 0)


@pytest.mark.parametrize("rtt_s", [3e-6, 25e-6, 200e-6])
def test_po_is_the_best_closed_partition_with_rtt(rtt_s):
    plat = Platform(r_loc=1e6, r_rem=1e7, bandwidth=8e6, w_msg=1e-6, w_rtt=rtt_s, name="rtt")
    rng = random.Random(23)
    for k in range(30):
        d = random_dag(rng, rng.randint(3, 9))
        jp = JointProblem([d], plat, remote_model=("negligible", "serial", "parallel")[k % 3])
        f, u, r = jp.times[0]
        w = plat.rtt_us
        best = min(_latency(d, m, f, u, r, w) for m in _closed_sets(d))
        assert _latency(d, dads_partition(d, f, u, r, w).local, f, u, r, w) == best
        assert _latency(d, solve(jp, "po").partitions[0].local, f, u, r, w) == best


@pytest.mark.parametrize("rtt_s", [3e-6, 25e-6, 200e-6])
def test_neurosurgeon_is_the_best_prefix_with_rtt(rtt_s):
    plat = Platform(r_loc=1e6, r_rem=1e7, bandwidth=8e6, w_msg=1e-6, w_rtt=rtt_s, name="rtt")
    rng = random.Random(24)
    for k in range(30):
        d = (random_chain if k % 2 else random_dag)(rng, rng.randint(2, 9))
        jp = JointProblem([d, d], plat, remote_model=("negligible", "serial", "parallel")[k % 3])
        f, u, r = jp.times[0]
        prefixes = [np.arange(len(d)) <= k for k in range(len(d))]
        costs = [_latency(d, m, f, u, r, plat.rtt_us) for m in prefixes]
        assert prefix_cut_costs(d, f, u, r, plat.rtt_us).tolist() == costs
        res = solve(jp, "neurosurgeon")
        k_chosen = int(res.partitions[0].local.sum()) - 1
        assert k_chosen == costs.index(min(costs))


JOINT = ("lo", "co", "neurosurgeon", "po", "jps", "hps", "dsl", "nfl")


@pytest.mark.parametrize("method", JOINT)
def test_joint_heuristics_valid_with_rtt(method):
    rng = random.Random(25)
    for k in range(12):
        make = random_chain if k % 2 else random_dag
        a, b = make(rng, rng.randint(3, 8), "a"), make(rng, rng.randint(3, 8), "b")
        jp = JointProblem([a] * rng.randint(1, 3) + [b], RTT, remote_model=("negligible", "serial", "parallel")[k % 3])
        if method == "nfl":  # one DNN job (seed 003)
            jp = JointProblem([a], RTT, remote_model=jp.remote_model)
        res = solve(jp, method)  # the checker runs on problem D, w_rtt included
        assert res.problem.w_rtt == (RTT.rtt_us if any(not p.is_local_only for p in res.partitions) else 0)
        assert res.makespan >= res.lower_bound > 0


def test_fused_layer_methods_pay_the_round_trip_once():
    from .test_fused_methods import tiny

    plain = Platform(r_loc=1e6, r_rem=1e7, bandwidth=8e6, w_msg=1e-6, name="slow")
    for remote_model in ("negligible", "serial", "parallel"):
        jp, jp0 = (JointProblem([tiny()], p, remote_model=remote_model) for p in (RTT, plain))
        for method, opts in (("mw-fixed", {"tiles": 2}), ("bf-fl", {"tiles": 2, "tau": 2}), ("mw", {"max_k": 2})):
            res, res0 = solve(jp, method, **opts), solve(jp0, method, **opts)
            assert res.makespan == res.info["predicted_makespan"] == res.objective, method
            assert res.makespan == res0.makespan + RTT.rtt_us and res.info["order"] == res0.info["order"], method
        exact = solve(jp, "fl-exact", tiles=2, tau=2)  # exact with w_rtt once cpsat-joint is
        assert exact.makespan <= solve(jp, "bf-fl", tiles=2, tau=2).makespan
        nfl = solve(jp, "nfl")
        best = min(evaluate(jp.dag([part]), np.flatnonzero(part.local).tolist()).makespan
                   for part in (Partition(tiny(), np.arange(len(tiny())) <= k) for k in range(len(tiny())))
                   if len(part.cut_points) <= 1)
        assert nfl.makespan == best
