"""Flow-shop heuristics: johnson (seed 001 Alg. 1), eja (seed 002 Alg. 1), neh (seed 002 Alg. 2)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from offloadsched import FmProblem, J2Problem, ValidationError, solve
from offloadsched.evaluate import flow_makespan

from .strategies import fm_problems, j2_problems


def test_fig4_eja_and_neh(fig4):
    for method in ("eja", "neh"):
        res = solve(fig4, method)
        assert res.schedule.order.tolist() == [0, 2, 3, 1], method
        assert res.makespan == 18, method


def test_fig4_neh_partial_makespans(fig4):
    trace = solve(fig4, "neh", return_trace=True).info["partial"]
    # p3 (index 2) inserted into (p1): position 0 = (p3, p1) -> 15, position 1 = (p1, p3) -> 13
    assert trace[0]["job"] == 2 and trace[0]["makespans"] == [15, 13] and trace[0]["sequence"] == [0, 2]
    # p4: (p4, p1, p3) 17, (p1, p4, p3) 17, (p1, p3, p4) 16
    assert trace[1]["job"] == 3 and trace[1]["makespans"] == [17, 17, 16] and trace[1]["sequence"] == [0, 2, 3]
    assert trace[2]["sequence"] == [0, 2, 3, 1] and min(trace[2]["makespans"]) == 18


def test_eja_puts_ties_in_h():
    # H = {p1 + p2 <= p2 + p3}: ties (p1 == p3) belong to H and go first
    p = FmProblem([[2, 1, 2], [1, 1, 0], [0, 5, 1]])
    assert solve(p, "eja").schedule.order.tolist() == [0, 2, 1]


@settings(max_examples=30)
@given(j2_problems(max_n=8))
def test_johnson_is_optimal_on_j2(p):
    assert solve(p, "johnson").makespan == solve(p, "bruteforce").makespan


def test_johnson_rule_and_ties():
    # S1 = {a < b} by increasing a (ties by index), then S2 = {a >= b} by decreasing b
    p = J2Problem([5, 1, 3, 3, 4, 2], [5, 2, 9, 4, 1, 2])
    assert solve(p, "johnson").schedule.order.tolist() == [1, 2, 3, 0, 5, 4]


def test_johnson_accepts_two_machine_fm_only():
    a, b = [4, 1, 3], [2, 5, 3]
    fm = FmProblem(np.stack([a, b], axis=1))
    assert solve(fm, "johnson").schedule.order.tolist() == solve(J2Problem(a, b), "johnson").schedule.order.tolist()
    with pytest.raises(ValidationError, match="'johnson' does not apply.*needs 2 machines, the problem has 3"):
        solve(FmProblem([[1, 2, 3]]), "johnson")


@pytest.mark.parametrize("m", [2, 4])
def test_eja_needs_three_machines(m):
    with pytest.raises(ValidationError, match=f"'eja' does not apply.*needs 3 machines, the problem has {m}"):
        solve(FmProblem(np.ones((3, m), dtype=int)), "eja")


def test_eja_refuses_j2_and_unknown_options(fig4):
    with pytest.raises(ValidationError, match="does not accept j2"):
        solve(J2Problem([1], [2]), "eja")
    with pytest.raises(ValidationError, match="has no option 'trace'"):
        solve(fig4, "neh", trace=True)
    with pytest.raises(ValidationError, match="has no option 'seed'"):
        solve(fig4, "johnson", seed=1)


def _neh_reference(times: np.ndarray) -> tuple[list[int], list[list[int]]]:
    """NEH without acceleration: every insertion scored from scratch (O(n^3 m))."""
    order = np.argsort(-times.sum(axis=1), kind="stable").tolist()
    seq, partial = order[:1], []
    for j in order[1:]:
        ms = [flow_makespan(times, seq[:k] + [j] + seq[k:]) for k in range(len(seq) + 1)]
        partial.append(ms)
        k = ms.index(min(ms))
        seq = seq[:k] + [j] + seq[k:]
    return seq, partial


@given(fm_problems(max_n=9, max_m=5))
def test_neh_acceleration_matches_plain_insertion(p):
    res = solve(p, "neh", return_trace=True)
    seq, partial = _neh_reference(p.times)
    assert res.schedule.order.tolist() == seq
    assert [t["makespans"] for t in res.info["partial"]] == partial


@given(st.one_of(j2_problems(max_n=6), fm_problems(max_n=6)))
def test_flow_heuristics_valid_and_above_optimum(p):
    opt = solve(p, "bruteforce").makespan
    methods = ["neh", "dsl"] + (["johnson"] if p.m == 2 else []) + (["eja"] if p.m == 3 else [])
    for method in methods:
        res = solve(p, method)  # the core checker always runs
        assert res.makespan >= opt >= res.lower_bound
        assert sorted(res.schedule.order.tolist()) == list(range(p.n))


def test_dsl_reports_no_overlap_makespan(fig4):
    res = solve(fig4, "dsl")
    assert res.info["no_overlap_makespan"] == 36
    assert res.schedule.order.tolist() == [0, 1, 2, 3]


def test_johnson_vectorised_large():
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, 1000, 200_000), rng.integers(0, 1000, 200_000)
    res = solve(J2Problem(a, b), "johnson")
    order = res.schedule.order
    first = a[order] < b[order]
    k = int(first.sum())
    assert first[:k].all() and not first[k:].any()
    assert np.all(np.diff(a[order[:k]]) >= 0) and np.all(np.diff(b[order[k:]]) <= 0)
    assert res.wall_time_s < 1.0
