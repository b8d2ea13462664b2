"""The round trip ``w_rtt`` of MODEL.md section 1: an offloading job completes ``w_rtt`` after its
last upload or remote operation, on no machine.  Worked by hand, and the evaluator against the
independent checker on random problems."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from offloadsched import DagProblem, FmProblem, J2Problem, Platform, ValidationError, check, evaluate, violations
from offloadsched.io import from_dict, load, save, to_dict
from offloadsched.schedule import Timing

from .strategies import dag_problems, fm_problems, j2_problems, random_linear_extension


def test_j2_by_hand():
    p = J2Problem([3, 1, 4], [2, 5, 1], w_rtt=10)
    # order 1, 0, 2: uploads end at 6, 8, 9; local ends at 8; makespan max(8, 9 + 10)
    assert evaluate(p, [1, 0, 2]).makespan == 19
    assert evaluate(p.without_rtt(), [1, 0, 2]).makespan == 9
    from offloadsched import lower_bound

    assert lower_bound(p) == 19  # Johnson's optimum of the offloading jobs + w_rtt


def test_local_only_jobs_pay_no_round_trip():
    mixed = J2Problem([5, 1], [0, 2], w_rtt=10)
    assert evaluate(mixed, [1, 0]).makespan == 13  # local ends 6; job 1 uploads 1..3, + 10
    assert evaluate(mixed, [0, 1]).makespan == 18  # job 1 uploads 6..8, + 10
    assert J2Problem([5], [0], w_rtt=10).w_rtt == 0  # nothing offloads
    fm = FmProblem([[4, 0, 0], [1, 1, 1]], w_rtt=3)
    assert fm.offloading.tolist() == [False, True]
    assert evaluate(fm, [1, 0]).makespan == 6  # job 1 ends at 3, + 3; job 0's local work ends at 5
    assert evaluate(fm, [0, 1]).makespan == 10  # job 1: local 4..5, uplink 5..6, remote 6..7, + 3


def test_dag_by_hand():
    d = DagProblem(f=[2, 3, 1], u=[4, 1, 2], r=[0, 0, 5], local=[True, True, False], preds=[[], [0], [1]],
                   w_rtt=5)
    assert evaluate(d, [0, 1]).makespan == 11  # upload of node 1 ends at 6 (remote negligible)
    assert evaluate(d.with_remote_model("parallel", r=[0, 0, 5]), [0, 1]).makespan == 16  # remote 6..11, + 5
    lo = DagProblem(f=[2, 3], u=[4, 1], r=[0, 0], local=[True, True], preds=[[], [0]], w_rtt=5)
    assert lo.w_rtt == 0 and evaluate(lo, [0, 1]).makespan == 5


def test_two_jobs_only_the_offloading_one_pays():
    # job 0 local-only (a long chain), job 1 cloud-only after its input
    d = DagProblem(f=[0, 9, 9, 0, 0], u=[1, 1, 1, 2, 1], r=[0, 0, 0, 0, 0],
                   local=[True, True, True, True, False], preds=[[], [0], [1], [], [3]], job=[0, 0, 0, 1, 1],
                   w_rtt=4)
    assert d.offloading.tolist() == [False, True]
    assert evaluate(d, [3, 0, 1, 2]).makespan == 18  # upload 0..2, + 4 = 6 < 18
    assert evaluate(d, [0, 1, 2, 3]).makespan == 24  # upload 18..20, + 4


def test_round_trip_needs_a_timed_upload():
    with pytest.raises(ValidationError, match="cut-point 'v0' has u = 0"):
        DagProblem(f=[1, 1], u=[0, 0], r=[0, 0], local=[True, False], preds=[[], [0]], w_rtt=3)
    with pytest.raises(ValidationError, match="w_rtt > 0 needs w_msg >= 1 µs"):
        Platform(1e9, 1e10, 1e6, w_msg=0.0, w_rtt=0.05)
    with pytest.raises(ValidationError, match="w_rtt"):
        J2Problem([1], [1], w_rtt=-1)
    with pytest.raises(ValidationError, match="w_rtt"):
        J2Problem([1], [1], w_rtt=True)


def _with_rtt(problem, w_rtt: int):
    if isinstance(problem, J2Problem):
        return J2Problem(problem.a, problem.b, w_rtt=w_rtt)
    if isinstance(problem, FmProblem):
        return FmProblem(problem.times, w_rtt=w_rtt)
    u = np.maximum(problem.u, 1)
    return DagProblem(f=problem.f, u=u, r=problem.r, local=problem.local, preds=problem.preds,
                      remote_model=problem.remote_model, job=problem.job, w_rtt=w_rtt)


@settings(max_examples=150, deadline=None)
@given(st.one_of(j2_problems(), fm_problems(), dag_problems()), st.integers(0, 30), st.randoms(use_true_random=False))
def test_evaluator_and_checker_agree(problem, w_rtt, rnd):
    p = _with_rtt(problem, w_rtt)
    rng = np.random.default_rng(rnd.randrange(2**32))
    order = random_linear_extension(p, rng) if isinstance(p, DagProblem) else rng.permutation(p.n).tolist()
    t = evaluate(p, order)
    check(p, t)
    base = evaluate(p.without_rtt(), order)
    assert base.makespan <= t.makespan <= base.makespan + p.w_rtt
    if p.w_rtt:  # a timing that forgets the round trip is caught
        forgot = Timing(t.problem_type, t.resources, t.kind, t.item, t.resource, t.start, t.end, t.schedule)
        if forgot.makespan != t.makespan:
            assert any("differs from the latest completion" in v for v in violations(p, forgot))


def test_files_round_trip_and_version_1(tmp_path):
    p = J2Problem([3, 1], [2, 5], w_rtt=7)
    save(p, tmp_path / "p.json")
    assert load(tmp_path / "p.json").w_rtt == 7
    assert to_dict(J2Problem([3], [2]))["schema_version"] == 2 and "w_rtt" not in to_dict(J2Problem([3], [2]))
    v1 = {"format": "offloadsched", "schema_version": 1, "type": "joint", "name": "old",
          "platform": {"name": "p", "r_loc": 1e9, "r_rem": 1e10, "bandwidth": 8e6, "latency": 0.002},
          "dnns": [{"name": "c", "layers": [{"name": "in", "flops": 0, "out_bytes": 8},
                                            {"name": "l1", "flops": 1e6, "out_bytes": 8, "preds": ["in"]}]}],
          "jobs": ["c"]}
    jp = from_dict(json.loads(json.dumps(v1)))
    assert (jp.platform.w_msg, jp.platform.w_rtt) == (0.002, 0.0)
    with pytest.raises(ValidationError, match="unknown field 'w_rtt'"):
        from_dict({**v1, "platform": {**v1["platform"], "w_rtt": 0.1}})
    v2 = to_dict(jp)
    assert v2["schema_version"] == 2 and v2["platform"]["w_msg"] == 0.002 and "latency" not in v2["platform"]
    with pytest.raises(ValidationError, match="unknown field 'latency'"):
        from_dict({**v2, "platform": {**v2["platform"], "latency": 0.1}})


@settings(max_examples=120, deadline=None)
@given(st.one_of(j2_problems(max_n=5), fm_problems(max_n=5, max_m=3), dag_problems(max_n=6)), st.integers(1, 40))
def test_lower_bounds_hold_with_round_trip(problem, w_rtt):
    from offloadsched import bound_parts, solve

    p = _with_rtt(problem, w_rtt)
    best = solve(p, "bruteforce")
    parts = bound_parts(p)
    assert max(parts.values(), default=0) <= best.makespan, parts
    assert max(parts.values(), default=0) >= max(bound_parts(p.without_rtt()).values(), default=0)
