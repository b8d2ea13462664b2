"""The evaluator, the independent checker and the lower bounds on the papers' worked examples
and on random problems."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from offloadsched import Schedule, ScheduleError, bound_parts, check, evaluate, lower_bound, solve, violations
from offloadsched.schedule import Timing

from .strategies import dag_problems, fm_problems, j2_problems, random_linear_extension


def test_seed002_fig4_orders(fig4):
    assert evaluate(fig4, [0, 2, 3, 1]).makespan == 18
    pair = fig4.__class__(fig4.times[[0, 2]])
    assert evaluate(pair, [0, 1]).makespan == 13
    assert evaluate(pair, [1, 0]).makespan == 15
    triple = fig4.__class__(fig4.times[[0, 2, 3]])  # p1, p3, p4
    assert [evaluate(triple, o).makespan for o in ([2, 0, 1], [0, 2, 1], [0, 1, 2])] == [17, 17, 16]


def test_seed002_fig4_bruteforce_optimum(fig4):
    res = solve(fig4, "bruteforce")
    assert res.status == "optimal" and res.makespan == 18 and res.bound == 18
    assert lower_bound(fig4) == 18  # the remote machine is never idle after the earliest start


def test_seed002_fig4_timing_details(fig4):
    t = evaluate(fig4, [0, 2, 3, 1])
    check(fig4, t)
    assert t.busy == {"local": 14, "uplink": 9, "remote": 13}
    assert t.idle == {"local": 4, "uplink": 9, "remote": 5}
    rec = {(r["kind"], r["item"]): (r["start"], r["end"]) for r in t.to_records(fig4.jobs)}
    assert rec["remote", "p1"] == (5, 10)
    assert rec["remote", "p2"] == (16, 18)


def test_seed001_fig14_tree_in_paper_order(fig14):
    t = evaluate(fig14, [0, 1, 2, 4, 3])
    check(fig14, t)
    starts = {(r["kind"], r["item"]): (r["start"], r["end"]) for r in t.to_records(fig14.names)}
    assert starts["compute", "v4"] == (3, 6)
    assert starts["upload", "v2"] == (3, 6)
    assert starts["upload", "v3"] == (8, 9)
    assert t.makespan == 9 == lower_bound(fig14)
    assert list(t.schedule["uplink"]) == [2, 4, 3]  # uploads in the order computes finish


def test_j2_recurrence_by_hand():
    from offloadsched import J2Problem

    p = J2Problem([3, 1, 4], [2, 6, 1])
    t = evaluate(p, [1, 0, 2])
    # local 0-1, 1-4, 4-8; uplink 1-7, 7-9, 9-10
    assert t.makespan == 10
    assert t.start.tolist() == [1, 7, 0, 1, 4, 9]  # rows by job: (local, uplink)


def test_non_permutation_flow_schedule():
    from offloadsched import FmProblem

    p = FmProblem([[1, 5], [5, 1]])
    t = evaluate(p, Schedule({"M1": [0, 1], "M2": [1, 0]}))
    check(p, t)
    assert t.makespan == 12  # M1: 0 [0,1], 1 [1,6]; M2: 1 [6,7], 0 [7,12]
    assert evaluate(p, [0, 1]).makespan == 7


def test_dag_remote_models_by_hand(fig14):
    serial = fig14.with_remote_model("serial", r=[0, 0, 0, 0, 0, 2, 1, 3])
    t = evaluate(serial, [0, 1, 2, 4, 3])
    check(serial, t)
    # uploads end at 6 (v2), 8 (v4), 9 (v3); remote r2 [6,8], r4 [8,11], r3 [11,12]
    assert t.makespan == 12
    assert list(t.schedule["remote"]) == [5, 7, 6]
    parallel = fig14.with_remote_model("parallel", r=[0, 0, 0, 0, 0, 2, 1, 3])
    assert evaluate(parallel, [0, 1, 2, 4, 3]).makespan == 11
    forced = evaluate(serial, Schedule({"local": [0, 1, 2, 4, 3], "remote": [6, 5, 7]}))
    check(serial, forced)
    assert forced.makespan == 15  # r3 waits for its upload: [9,10], then r2 [10,12], r4 [12,15]


def test_schedule_errors(fig14, fig4):
    with pytest.raises(ScheduleError, match="before its predecessor"):
        evaluate(fig14, [1, 0, 2, 3, 4])
    with pytest.raises(ScheduleError, match="missing|entries"):
        evaluate(fig14, [0, 1, 2])
    with pytest.raises(ScheduleError, match="appears 2 times"):
        evaluate(fig4, [0, 0, 1, 2])
    with pytest.raises(ScheduleError, match="does not belong"):
        evaluate(fig14, [0, 1, 2, 3, 5])
    with pytest.raises(ScheduleError, match="unknown machine"):
        evaluate(fig4, {"gpu": [0, 1, 2, 3]})
    with pytest.raises(ScheduleError, match="serial"):
        evaluate(fig14, {"local": [0, 1, 2, 3, 4], "remote": [5, 6, 7]})


def _shift(t: Timing, k: int, delta: int) -> Timing:
    start, end = t.start.copy(), t.end.copy()
    start[k] += delta
    end[k] += delta
    return Timing(t.problem_type, t.resources, t.kind, t.item, t.resource, start, end, t.schedule)


def test_checker_catches_violations(fig14, fig4):
    t = evaluate(fig4, [0, 2, 3, 1])
    assert violations(fig4, t) == []
    assert any("overlaps" in v or "before" in v for v in violations(fig4, _shift(t, 3, -1)))
    longer = Timing(t.problem_type, t.resources, t.kind, t.item, t.resource, t.start, t.end + (t.item == 0), t.schedule)
    assert any("lasts" in v for v in violations(fig4, longer))
    d = evaluate(fig14, [0, 1, 2, 4, 3])
    upload_v2 = int(np.flatnonzero((d.kind == "upload") & (d.item == 2))[0])
    assert any("before" in v for v in violations(fig14, _shift(d, upload_v2, -1)))
    dropped = Timing(d.problem_type, d.resources, d.kind[1:], d.item[1:], d.resource[1:], d.start[1:], d.end[1:],
                     d.schedule)
    assert any("missing" in v for v in violations(fig14, dropped))
    with pytest.raises(ScheduleError):
        check(fig14, dropped)


@given(j2_problems(), st.randoms())
def test_random_j2_schedules_are_valid_and_bounded(p, rnd):
    order = list(range(p.n))
    rnd.shuffle(order)
    t = evaluate(p, order)
    check(p, t)
    assert t.makespan >= lower_bound(p)
    assert solve(p, "bruteforce").makespan <= t.makespan


@given(fm_problems(), st.randoms())
def test_random_fm_schedules_are_valid_and_bounded(p, rnd):
    order = list(range(p.n))
    rnd.shuffle(order)
    t = evaluate(p, order)
    check(p, t)
    assert all(t.makespan >= b for b in bound_parts(p).values())
    assert solve(p, "bruteforce").makespan <= t.makespan


@given(dag_problems(), st.integers(0, 2**32 - 1))
def test_random_dag_schedules_are_valid_and_bounded(p, seed):
    rng = np.random.default_rng(seed)
    order = random_linear_extension(p, rng)
    seqs = {"local": order}
    if p.remote_model != "negligible":
        seqs["uplink"] = rng.permutation(p.cut_nodes).tolist()
    t = evaluate(p, Schedule(seqs))
    check(p, t)
    assert all(t.makespan >= b for b in bound_parts(p).values())
    assert solve(p, "bruteforce").makespan <= t.makespan


def test_flow_makespan_matches_evaluator():
    from offloadsched.evaluate import flow_makespan

    rng = np.random.default_rng(1)
    for _ in range(50):
        times = rng.integers(0, 30, size=(rng.integers(1, 9), rng.integers(2, 6)))
        order = rng.permutation(len(times))
        from offloadsched import FmProblem

        assert flow_makespan(times, order) == evaluate(FmProblem(times), order).makespan


def test_large_j2_is_vectorised():
    from offloadsched import J2Problem

    rng = np.random.default_rng(0)
    p = J2Problem(rng.integers(0, 100, 200_000), rng.integers(0, 100, 200_000))
    t = evaluate(p, rng.permutation(p.n))
    assert t.makespan >= lower_bound(p)
    check(p, t)
