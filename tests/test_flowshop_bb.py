"""Flow-shop exactness: the one- and two-machine bounds, ``ig`` and ``bb-flowshop``
against brute force and ``cpsat-flowshop`` (issue 17)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from offloadsched import FmProblem, J2Problem, ValidationError, solve
from offloadsched.bounds import bound_parts, lower_bound, one_machine_bound, two_machine_bound


def brute_optimum(p: np.ndarray) -> int:
    """Every permutation's makespan at once (vectorised over permutations)."""
    n, m = p.shape
    perms = np.array(list(itertools.permutations(range(n))), dtype=np.int64)
    c = np.zeros((len(perms), m), dtype=np.int64)
    for i in range(n):
        t = np.zeros(len(perms), dtype=np.int64)
        for k in range(m):
            t = c[:, k] = np.maximum(t, c[:, k]) + p[perms[:, i], k]
    return int(c[:, -1].min())


def test_every_bound_is_at_most_the_optimum_on_thousands_of_instances():
    rng = np.random.default_rng(17)
    tight = 0
    for _ in range(2000):
        n, m = int(rng.integers(1, 7)), int(rng.integers(2, 6))
        p = rng.integers(0, int(rng.choice([3, 20, 100])), (n, m))
        opt = brute_optimum(p)
        parts = bound_parts(FmProblem(p))
        assert max(parts.values()) <= opt, (p.tolist(), opt, parts)
        tight += lower_bound(FmProblem(p)) == opt
        if m == 2:  # Johnson's rule: the two-machine bound is the optimum
            assert two_machine_bound(p) == opt
    assert tight > 1000  # the bounds are not trivially small


def test_two_machine_bound_beats_the_load_bounds_on_taillard():
    from offloadsched.instances.generators import taillard_instance

    p = taillard_instance("ta011")
    parts = bound_parts(p)
    loads = max(v for k, v in parts.items() if k.startswith("load"))
    assert loads < one_machine_bound(p.times) <= two_machine_bound(p.times) <= 1582  # the proven optimum
    assert two_machine_bound(p.times) == 1494 and lower_bound(p) == 1494


def test_bounds_of_empty_and_one_job():
    assert one_machine_bound(np.zeros((0, 3), dtype=int)) == two_machine_bound(np.zeros((0, 3), dtype=int)) == 0
    assert one_machine_bound([[1, 2, 3]]) == two_machine_bound([[1, 2, 3]]) == 6


@pytest.mark.parametrize("n", [2, 3, 4, 5, 6, 7, 8])
def test_bb_flowshop_equals_bruteforce(n):
    rng = np.random.default_rng(n)
    for _ in range(12 if n < 8 else 4):
        m = int(rng.integers(2, 6))
        p = FmProblem(rng.integers(0, 40, (n, m)))
        opt = solve(p, "bruteforce").makespan
        for hint in (True, False):
            r = solve(p, "bb-flowshop", hint=hint)
            assert r.status == "optimal" and r.makespan == r.bound == opt, (p.times.tolist(), hint)


VARIANTS = [{"mode": 1}, {"mode": 2, "lb2_pairs": 1}, {"lb2_pairs": 0}, {"lb2_pairs": 100},
            {"workers": 2}, {"workers": 2, "mode": 1, "hint": False}]


@pytest.mark.parametrize("n", [3, 5, 7, 8])
def test_bb_flowshop_variants_equal_bruteforce(n):
    """Both directions' bounds, the learned pair subset (none, one, all) and two workers sharing the
    incumbent prove the brute-force optimum."""
    rng = np.random.default_rng(40 + n)
    for _ in range(6):
        m = int(rng.integers(2, 7))
        p = rng.integers(0, int(rng.choice([5, 40, 100])), (n, m))
        opt = brute_optimum(p)
        for opts in VARIANTS:
            r = solve(FmProblem(p), "bb-flowshop", **opts)
            assert r.status == "optimal" and r.makespan == r.bound == opt, (p.tolist(), opts)


@pytest.mark.parametrize("n", [5, 7, 8])
def test_bb_flowshop_with_many_machines_equals_bruteforce(n):
    """From LB1_ONLY_MACHINES machines the default bound is LB1 alone (issue 26): still the brute-force
    optimum, with and without the warm start, one or two workers, and LB2 on demand."""
    from offloadsched.formulations.bb_flowshop import LB1_ONLY_MACHINES

    rng = np.random.default_rng(260 + n)
    for _ in range(3):
        m = int(rng.integers(LB1_ONLY_MACHINES, LB1_ONLY_MACHINES + 6))
        p = rng.integers(0, int(rng.choice([4, 30, 100])), (n, m))
        opt = brute_optimum(p)
        for opts in ({}, {"hint": False}, {"workers": 2, "hint": False}, {"lb2_pairs": 10, "mode": 1}):
            r = solve(FmProblem(p), "bb-flowshop", **opts)
            assert r.status == "optimal" and r.makespan == r.bound == opt, (p.tolist(), opts)
            assert (r.info["lb2_pairs"] == 0) == ("lb2_pairs" not in opts)
    few = solve(FmProblem(rng.integers(1, 50, (6, LB1_ONLY_MACHINES - 1))), "bb-flowshop")
    assert few.info["lb2_pairs"] > 0


def test_bb_flowshop_variants_agree_with_a_round_trip():
    rng = np.random.default_rng(9)
    for _ in range(4):
        times = rng.integers(1, 30, (7, 4))
        times[rng.random(7) < 0.3, 1:] = 0  # local-only jobs
        p = FmProblem(times, w_rtt=int(rng.integers(1, 60)))
        opt = solve(p, "bruteforce").makespan
        for opts in VARIANTS:
            r = solve(p, "bb-flowshop", **opts)
            assert r.status == "optimal" and r.makespan == r.bound == opt, (times.tolist(), opts)


def test_bb_flowshop_variants_agree_on_larger_instances():
    rng = np.random.default_rng(21)
    for n, m in ((12, 8), (13, 12)):
        p = FmProblem(rng.integers(1, 100, (n, m)))
        results = [solve(p, "bb-flowshop", **opts) for opts in VARIANTS]
        assert {r.status for r in results} == {"optimal"}
        assert len({r.makespan for r in results}) == 1


def test_node_limit_with_two_workers_is_kept():
    p = FmProblem(np.random.default_rng(2).integers(1, 100, (14, 10)))
    r = solve(p, "bb-flowshop", hint=False, node_limit=50, workers=2)
    assert r.status == "feasible" and r.info["nodes"] <= 50 and r.bound <= r.makespan


def test_set_up_is_bounded_at_scale():
    """10^5 jobs on two machines: Johnson's order, proven by the two-machine bound, no ig and no
    search; above MAX_BRANCH_JOBS jobs on more machines no search, the root bound, and above
    IG_MAX_WORK no ig."""
    from offloadsched.formulations.bb_flowshop import IG_MAX_WORK, MAX_BRANCH_JOBS

    rng = np.random.default_rng(4)
    big = J2Problem(rng.integers(1, 1000, 100_000), rng.integers(1, 1000, 100_000))
    r = solve(big, "bb-flowshop", time_limit=2)
    assert r.status == "optimal" and r.info["warm_start"] == "johnson" and r.info["nodes"] == 0
    n = max(MAX_BRANCH_JOBS + 1, int((IG_MAX_WORK / 4) ** 0.5) + 1)
    wide = FmProblem(rng.integers(1, 100, (n, 4)))
    r = solve(wide, "bb-flowshop", time_limit=2)
    assert r.info["warm_start"] == "two-machine johnson" and r.bound <= r.makespan
    assert r.status == "optimal" or r.info["search"].startswith("skipped")


def test_bb_flowshop_on_j2_is_johnson():
    p = J2Problem([3, 5, 1, 6, 7], [6, 2, 2, 6, 5])
    assert solve(p, "bb-flowshop").makespan == solve(p, "johnson").makespan == solve(p, "bruteforce").makespan


@pytest.mark.parametrize("n", [9, 10, 12])
def test_bb_flowshop_equals_cpsat_on_three_machines(n):
    rng = np.random.default_rng(100 + n)
    for _ in range(2):
        p = FmProblem(rng.integers(1, 100, (n, 3)))
        bb = solve(p, "bb-flowshop", hint=False)
        cp = solve(p, "cpsat-flowshop", workers=1, hint=False, time_limit=60)
        assert bb.status == cp.status == "optimal" and bb.makespan == cp.makespan


def test_node_limit_returns_feasible_with_a_valid_bound():
    rng = np.random.default_rng(5)
    p = FmProblem(rng.integers(1, 100, (8, 5)))
    opt = solve(p, "bruteforce").makespan
    r = solve(p, "bb-flowshop", hint=False, node_limit=1, log=True)
    assert r.status == "feasible" and r.info["nodes"] == 1
    assert r.bound <= opt <= r.makespan and r.bound >= lower_bound(p)
    assert "feasible" in r.log
    full = solve(p, "bb-flowshop", hint=False)
    assert full.status == "optimal" and full.makespan == opt and full.info["nodes"] > 1


def test_ig_is_deterministic_for_a_seed_and_never_worse_than_neh():
    rng = np.random.default_rng(3)
    p = FmProblem(rng.integers(1, 100, (30, 6)))
    a = solve(p, "ig", seed=7, iterations=50)
    b = solve(p, "ig", seed=7, iterations=50)
    assert a.schedule.order.tolist() == b.schedule.order.tolist() and a.makespan == b.makespan
    assert a.info["iterations"] == 50
    assert a.makespan <= a.info["neh"] == solve(p, "neh").makespan
    orders = {tuple(solve(p, "ig", seed=s, iterations=20).schedule.order.tolist()) for s in range(4)}
    assert len(orders) > 1  # the seed matters


def test_ig_reaches_the_optimum_of_small_instances():
    rng = np.random.default_rng(11)
    for n in (5, 7, 8):
        p = FmProblem(rng.integers(1, 50, (n, 4)))
        assert solve(p, "ig", iterations=200).makespan == solve(p, "bruteforce").makespan


@pytest.mark.parametrize("method, bad, match", [
    ("bb-flowshop", {"node_limit": 0}, "node_limit"), ("bb-flowshop", {"hint": 1}, "hint"),
    ("bb-flowshop", {"node_limit": 2.5}, "node_limit"), ("bb-flowshop", {"workers": 0}, "workers"),
    ("bb-flowshop", {"mode": 3}, "mode"), ("bb-flowshop", {"lb2_pairs": -1}, "lb2_pairs"),
    ("bb-flowshop", {"workers": True}, "workers"), ("ig", {"iterations": -1}, "iterations"),
    ("ig", {"destruction": 0}, "destruction"), ("ig", {"seed": -3}, "seed"), ("ig", {"temperature": 0}, "temperature")])
def test_bad_options_are_one_clear_error(method, bad, match):
    with pytest.raises(ValidationError, match=match):
        solve(FmProblem([[1, 2], [3, 4]]), method, **bad)


def test_exact_flow_models_share_the_bound_and_the_ig_warm_start():
    rng = np.random.default_rng(8)
    p = FmProblem(rng.integers(1, 100, (10, 4)))
    lb = lower_bound(p)
    for method, opts in (("cpsat-flowshop", {"workers": 1}), ("mip-path", {}), ("bb-flowshop", {})):
        r = solve(p, method, time_limit=60, **opts)
        assert r.status == "optimal" and r.bound >= lb, method
    cp = solve(p, "cpsat-flowshop", workers=1, time_limit=60)
    assert cp.info["warm_start"] == "ig" or cp.info["warm_makespan"] <= solve(p, "ig").makespan


TINY_TAILLARD = """
    name = "tinytaillard"
    [report]
    sections = ["offloadsched.report.published_optima:published_optima_section"]
    [[row]]
    family = "taillard"
    group = "20x5"
    name = ["ta001", "ta003"]
    methods = ["neh", {method = "ig", options = {iterations = 20}}, {method = "bb-flowshop", time_limit = 60}]
"""


def test_taillard_report_lists_the_published_optimum_beside_ours(tmp_path):
    from offloadsched.report.render import Heading, Table

    from .test_bench_helpers import suite_report

    doc = suite_report(tmp_path, TINY_TAILLARD, "tinytaillard")
    heads = [b.text for b in doc.blocks if isinstance(b, Heading)]
    assert "Published optima beside ours" in heads
    table = next(b for b in doc.blocks if isinstance(b, Table) and "published optimum" in b.headers)
    assert table.headers == ["instance", "class", "published optimum", "neh", "ig", "bb-flowshop"]
    rows = {r[0]: r for r in table.rows}
    assert rows["ta001"][:3] == ["ta001", "20x5", "1278"] and rows["ta003"][2] == "1081"
    assert rows["ta001"][5].startswith("1278*") and rows["ta003"][5].startswith("1081*")


def test_time_limit_is_a_result_with_the_open_nodes_bound():
    from offloadsched.instances.generators import taillard_instance

    p = taillard_instance("ta017")  # proven optimum 1484 (bb-flowshop needs millions of nodes)
    r = solve(p, "bb-flowshop", time_limit=0.2)
    assert r.status == "feasible" and lower_bound(p) <= r.bound <= 1484 <= r.makespan
    assert r.info["open_nodes"] > 0


def test_empty_and_one_job_problems():
    for p in (FmProblem(np.zeros((0, 3), dtype=int)), FmProblem([[5, 0, 2]]), J2Problem([], [])):
        r = solve(p, "bb-flowshop")
        assert r.status == "optimal" and r.makespan == r.bound == p.times.sum()
        assert solve(p, "ig").makespan == r.makespan
