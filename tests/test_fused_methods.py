"""Seed 003's FL methods: mw, mw-fixed, nfl (heuristics) and bf-fl, fl-exact (exact baselines)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import offloadsched.formulations.fused_exact as fused_exact
import offloadsched.heuristics.fused_layers  # noqa: F401  (registers mw, mw-fixed, nfl)
from offloadsched import JointProblem, Partition, Platform, SizeLimitError, ValidationError, solve
from offloadsched.bench.db import COLUMNS
from offloadsched.bench.fl_experiment import fl_report, fl_task, run_fl_experiment
from offloadsched.fl_paths import FLPaths
from offloadsched.heuristics.fused_layers import mw_choose
from offloadsched.instances import get_model
from offloadsched.instances.builder import NetBuilder
from offloadsched.instances.fl_platform import fl_platform
from offloadsched.registry import _REGISTRY, Method, SolverOutput

REMOTE_MODELS = ("negligible", "serial", "parallel")
#: 1 FLOP = 1 µs locally, 0.1 µs remotely; 1 byte = 1 µs on the uplink.
SLOW = Platform(r_loc=1e6, r_rem=1e7, bandwidth=8e6, w_msg=0.0, name="slow")


def tiny(extra_conv: bool = True):
    """input 1x6x6 -> conv 3x3 p1 (2 ch) -> pool 2x2 [-> conv 3x3 p1 (2 ch)] -> linear 4."""
    b = NetBuilder("tiny", input_shape=(1, 6, 6))
    x = b.conv(b.input, 2, 3, 1, 1, name="conv")
    x = b.max_pool(x, 2, 2, name="pool")
    if extra_conv:
        x = b.conv(x, 2, 3, 1, 1, name="conv2")
    b.linear(x, 4, name="fc")
    return b.build()


def joint(dnn, remote_model="serial", platform=SLOW) -> JointProblem:
    return JointProblem([dnn], platform, remote_model=remote_model)


def test_mw_choose_follows_eq_7_and_8():
    A = np.array([[0, 2, 4], [0, 1, 2], [0, 2, 3]])
    B = np.array([[2, 2, 2], [3, 2, 1], [4, 1, 1]])
    paths = FLPaths(None, None, np.zeros((3, 3), dtype=np.int64), A, B, np.zeros_like(A), np.zeros(0), 0)
    # Eq. (7): smallest upload end A+B = 2 -> path 0 offloaded at its crop.  Eq. (8), previous upload
    # ends at 2: path 1 cut 2 and path 2 cut 1 both end computing at 2 -> the larger cut (path 1).
    # Then c1 = 2, upload ends at 3: path 2 cuts 0 and 1 are both 1 away -> the larger cut, 1.
    assert mw_choose(paths) == ([0, 1, 2], [0, 2, 1])


@pytest.mark.parametrize("remote_model", REMOTE_MODELS)
def test_methods_give_checked_schedules_and_bf_beats_mw(remote_model):
    for dnn, plat in ((tiny(), SLOW), (get_model("alexnet"), fl_platform(1.5))):
        jp = joint(dnn, remote_model, plat)
        nfl = solve(jp, "nfl")
        assert nfl.status == "heuristic" and nfl.partitions[0].dnn is dnn
        for tau in (None, 2):
            mw2 = solve(jp, "mw-fixed", tiles=2, tau=tau)
            bf = solve(jp, "bf-fl", tiles=2, tau=tau)
            assert bf.status == "feasible" and bf.bound is None
            for res in (mw2, bf):  # solve() ran the independent checker; the fast model agrees
                assert res.makespan == res.info["predicted_makespan"] == res.objective
                assert res.info["tiles"] == "2x2" and res.info["P"] == 4
                assert res.problem.n_jobs == 1 and len(res.problem) == len(res.partitions[0].dnn)
            assert bf.makespan <= mw2.makespan
            if tau is not None:
                assert mw2.info["tau"] == bf.info["tau"] == tau
        mwk = solve(jp, "mw", max_k=3)
        assert mwk.makespan == mwk.info["predicted_makespan"] and mwk.info["tiles"] in ("1x1", "2x2", "3x3")
        assert mwk.makespan <= solve(jp, "mw-fixed", tiles=1).makespan


def test_bf_is_exhaustive_over_orders_and_cuts():
    jp = joint(tiny(), "serial")
    paths = FLPaths.of(solve(jp, "bf-fl", tiles=2, tau=3).partitions[0].dnn, jp)
    brute = min(paths.makespan(order, cuts) for order in itertools.permutations(range(4))
                for cuts in itertools.product(range(4), repeat=4))
    assert solve(jp, "bf-fl", tiles=2, tau=3).makespan == brute


def test_nfl_is_the_best_single_cut():
    dnn = get_model("alexnet")
    jp = joint(dnn, "serial", fl_platform(1.1))
    cuts = [solve(jp.dag([Partition.chain_cut(dnn, k)]), "fifo").makespan for k in range(len(dnn))]
    assert solve(jp, "nfl").makespan == min(cuts)
    sq = joint(get_model("squeezenet1_0"), "parallel", fl_platform(3.0))
    res = solve(sq, "nfl")
    assert len(res.partitions[0].cut_points) <= 1


def _joint_bruteforce(problem, *, time_limit=None) -> SolverOutput:
    """Exact joint optimum of a tiny one-job problem: every predecessor-closed partition x core bruteforce."""
    dnn = problem.jobs[0]
    best = None
    for bits in itertools.product((False, True), repeat=len(dnn) - 1):
        mask = np.array((True, *bits))
        if any(mask[v] and not mask[p] for v in range(len(dnn)) for p in dnn.preds[v]):
            continue
        part = Partition(dnn, mask)
        dag = problem.dag([part])
        res = solve(dag, "bruteforce")
        if best is None or res.makespan < best[0]:
            best = (res.makespan, res.schedule, dag, part)
    ms, schedule, dag, part = best
    return SolverOutput(schedule, status="optimal", bound=ms, objective=ms, problem=dag, partitions=[part])


def test_fl_exact_never_above_bf(monkeypatch):
    monkeypatch.setitem(_REGISTRY, "cpsat-joint", Method("cpsat-joint", _joint_bruteforce, ("joint",), "exact", ""))
    jp = joint(tiny(extra_conv=False), "parallel")
    bf = solve(jp, "bf-fl", tiles=(2, 1), tau=1)
    ex = solve(jp, "fl-exact", tiles=(2, 1), tau=1)
    assert ex.status == "optimal" and ex.makespan <= bf.makespan and ex.info["from"] == "cpsat-joint"
    assert ex.partitions[0].dnn.name == bf.partitions[0].dnn.name


@pytest.mark.parametrize("remote_model", REMOTE_MODELS)
def test_fl_methods_shift_by_the_release(monkeypatch, remote_model):
    """One job: a release r shifts every schedule by r (MODEL.md "Release times"), so bf-fl keeps its
    choice and fl-exact's proven optimum (brute force standing in for cpsat-joint) moves by r."""
    monkeypatch.setitem(_REGISTRY, "cpsat-joint", Method("cpsat-joint", _joint_bruteforce, ("joint",), "exact", ""))
    jp = joint(tiny(extra_conv=False), remote_model)
    late = JointProblem(jp.jobs, jp.platform, remote_model=remote_model, release=[37])
    for method in ("bf-fl", "fl-exact"):
        base = solve(jp, method, tiles=(2, 1), tau=1)
        res = solve(late, method, tiles=(2, 1), tau=1)  # solve() checks the schedule against the release
        assert res.makespan == base.makespan + 37 and res.status == base.status
        assert res.problem.release.tolist() == [37]
        assert (res.timing.start >= 37).all()
        if method == "bf-fl":
            assert res.info["order"] == base.info["order"] and res.info["cuts"] == base.info["cuts"]
        else:
            assert res.status == "optimal" and res.bound == res.makespan


def test_fl_exact_reports_a_missing_solver(monkeypatch):
    monkeypatch.delitem(_REGISTRY, "cpsat-joint", raising=False)
    res = solve(joint(tiny()), "fl-exact", tiles=2)
    assert res.status == "error" and res.makespan is None and "not registered" in res.info["reason"]


@pytest.mark.skipif(fused_exact.cpsat_joint_available() is not None, reason="cpsat-joint is not available")
def test_fl_exact_with_cpsat():
    jp = joint(tiny(), "serial")
    bf = solve(jp, "bf-fl", tiles=2)
    ex = solve(jp, "fl-exact", tiles=2, time_limit=10)
    assert ex.status in ("optimal", "feasible") and ex.makespan <= bf.makespan
    if ex.status == "optimal":
        assert ex.bound <= ex.makespan


def test_bad_input():
    two = JointProblem([tiny(), tiny().rename("other")], SLOW)
    with pytest.raises(ValidationError, match="takes one DNN job"):
        solve(two, "mw")
    with pytest.raises(ValidationError, match="more tiles than pixels"):
        solve(joint(tiny()), "mw-fixed", tiles=4, tau=3)
    with pytest.raises(ValidationError, match="at every fused depth"):
        solve(joint(tiny()), "bf-fl", tiles=7)
    with pytest.raises(SizeLimitError, match="exceed max_candidates"):
        solve(joint(tiny()), "bf-fl", tiles=3, tau=3)
    with pytest.raises(ValidationError, match="has no option"):
        solve(joint(tiny()), "mw", tiles=2)
    with pytest.raises(ValidationError, match="no convolution/pooling layer"):
        solve(joint(get_model("siamese")), "mw")


def test_experiment_and_report(tmp_path):
    df = run_fl_experiment(models=("alexnet",), rates=(1.1, 3.0), exact=False, max_k=2)
    assert list(df["rate"]) == [1.1, 3.0]
    assert (df["BF(2x2)"] <= df["MW(2x2)"]).all()
    assert (df["bound"] <= df[["NFL", "BF(2x2)", "MW(kxk)"]].min(axis=1)).all()
    text = fl_report(df, tmp_path)
    assert "18.39x" in text and (tmp_path / "fl_fig4.png").stat().st_size > 0 and (tmp_path / "fl.md").is_file()
    records = fl_task("alexnet", 2.0, exact=False, max_k=1)
    assert [r["method"] for r in records] == ["NFL", "BF(2x2)", "MW(2x2)", "MW(kxk)"]
    assert all(set(r) <= set(COLUMNS) for r in records)
