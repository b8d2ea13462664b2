"""Exact methods with release times (issue 25, MODEL.md "Release times").

Supporting methods (cpsat-flowshop, mip-path, cpsat-dagshop, cpsat-joint) equal brute force on
random small instances with release times and prove it; their schedules pass the checker; a release
time that dominates is proven.  The other exact methods refuse such problems with one line, through
:func:`solve` and from the command line (exit status 2); ``relaxation`` stays a lower bound."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from offloadsched import DagProblem, FmProblem, J2Problem, JointProblem, Partition, ValidationError, solve
from offloadsched.check import check
from offloadsched.registry import get_method

from .test_cpsat_joint import PLATFORM, brute_joint, partitions_of, random_dnn

pytest.importorskip("ortools")

FAST = {"time_limit": 30, "workers": 1}
FLOW_METHODS = [("cpsat-flowshop", {}), ("mip-path", {}), ("mip-path", {"solver": "highs"})]


def assert_proven(problem, res, expected: int) -> None:
    """Status optimal, makespan = bound = ``expected``, and the independent checker accepts it."""
    assert res.status == "optimal", res.info
    assert res.makespan == res.bound == expected
    check(res.problem if res.problem is not None else problem, res.timing)
    t = res.timing
    assert (t.start >= t.releases[t.jobs_of_operations]).all()


def random_flow(seed: int, m: int, rtt: bool) -> FmProblem:
    """n = 3..5 jobs, times 0..9, about a third local-only (zero after the first machine),
    releases 0..30 (some 0), a round trip on odd seeds when ``rtt``."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 6))
    times = rng.integers(0, 10, (n, m))
    times[rng.random(n) < 0.35, 1:] = 0
    release = rng.integers(0, 31, n) * (rng.random(n) < 0.8)
    w = int(rng.integers(1, 8)) if rtt and seed % 2 else 0
    if m == 2:
        return J2Problem(times[:, 0], times[:, 1], release=release, w_rtt=w)
    return FmProblem(times, release=release, w_rtt=w)


@pytest.mark.parametrize("method,options", FLOW_METHODS)
@pytest.mark.parametrize("m", [2, 3])
@pytest.mark.parametrize("seed", range(6))
def test_flow_matches_bruteforce(method, options, m, seed):
    p = random_flow(seed, m, rtt=True)
    assert_proven(p, solve(p, method, **options, **FAST), solve(p, "bruteforce").makespan)


@pytest.mark.parametrize("method,options", FLOW_METHODS)
def test_flow_round_trip_with_release_is_not_reduced(method, options):
    """Local-only job 0 fills the first machine's idle time before job 1's release: 8, not 11 (the
    reduction that appends local-only jobs is wrong with release times)."""
    p = J2Problem([5, 1], [0, 1], release=[0, 5], w_rtt=1)
    assert solve(p, "bruteforce").makespan == 8
    assert_proven(p, solve(p, method, **options, **FAST), 8)


@pytest.mark.parametrize("method,options", FLOW_METHODS)
def test_flow_identical_jobs_with_different_release(method, options):
    """Equal rows, different release times: no symmetry breaking between them."""
    p = FmProblem([[3, 4, 2]] * 3 + [[2, 5, 1]], release=[9, 0, 4, 0])
    assert_proven(p, solve(p, method, **options, **FAST), solve(p, "bruteforce").makespan)


@pytest.mark.parametrize("method,options", FLOW_METHODS)
def test_flow_dominating_release_is_proven(method, options):
    p = FmProblem([[3, 4, 2], [2, 5, 1], [4, 1, 3], [1, 2, 2]], release=[0, 0, 0, 100])
    assert_proven(p, solve(p, method, **options, **FAST), 100 + 1 + 2 + 2)


def random_dag(seed: int, remote_model: str, identical: bool = False) -> DagProblem:
    """Problem D of 2-3 small random DNN jobs with random partitions and release times."""
    rng = np.random.default_rng(seed)
    jobs = int(rng.integers(2, 4))
    dnns = [random_dnn(rng, int(rng.integers(2, 4)), f"net{k}") for k in range(jobs)]
    if identical:
        dnns = [dnns[0]] * jobs
    parts = []
    for d in dnns:
        options = partitions_of(d)
        parts.append(options[int(rng.integers(len(options)))])
    release = rng.integers(0, 40, jobs) * (rng.random(jobs) < 0.8)
    if identical and seed % 2:
        release[:] = release[0]  # identical jobs with one release time: symmetry breaking active
    jp = JointProblem(dnns, PLATFORM, remote_model=remote_model, release=release)
    return jp.dag(parts)


@pytest.mark.parametrize("remote_model", ["negligible", "serial", "parallel"])
@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("identical", [False, True])
def test_dagshop_matches_bruteforce(remote_model, seed, identical):
    p = random_dag(seed, remote_model, identical)
    assert p.has_release or not p.release.any()
    assert_proven(p, solve(p, "cpsat-dagshop", **FAST), solve(p, "bruteforce").makespan)


def test_dagshop_hint_and_lower_bound_with_release():
    p = random_dag(3, "serial", identical=True)
    opt = solve(p, "bruteforce").makespan
    res = solve(p, "cpsat-dagshop", log=True, **FAST)
    assert_proven(p, res, opt)
    if res.log and "CP-SAT not run" not in res.info.get("note", ""):
        assert "hint is complete and is feasible" in res.log
    assert_proven(p, solve(p, "cpsat-dagshop", lower_bound=opt, **FAST), opt)
    with pytest.raises(ValidationError, match="lower_bound"):
        solve(p, "cpsat-dagshop", lower_bound=10 * opt + 1000, **FAST)


JOINT_CASES = [("negligible", 3, 2), ("negligible", 4, 1), ("parallel", 3, 2), ("serial", 3, 2), ("serial", 2, 3)]


@pytest.mark.parametrize("remote_model,n,jobs", JOINT_CASES)
@pytest.mark.parametrize("seed", range(3))
def test_joint_matches_bruteforce(remote_model, n, jobs, seed):
    rng = np.random.default_rng(1000 + 100 * seed + 7 * n + jobs)
    dnns = [random_dnn(rng, n, f"net{k}") for k in range(jobs)]
    if seed and jobs > 1:
        dnns = [dnns[0]] * jobs  # identical jobs: equal (seed 1) or different (seed 2) release times
    release = rng.integers(0, 60, jobs)
    if seed == 1:
        release[:] = release[0]
    jp = JointProblem(dnns, PLATFORM, remote_model=remote_model, release=release)
    res = solve(jp, "cpsat-joint", **FAST)
    assert_proven(jp, res, brute_joint(jp))
    assert np.array_equal(res.problem.release, jp.release)


@pytest.mark.parametrize("w_rtt", [0, 3e-6])
def test_joint_hint_is_feasible_with_release(w_rtt):
    rng = np.random.default_rng(5)
    dnn, other = random_dnn(rng, 3), random_dnn(rng, 2, "other")
    platform = replace(PLATFORM, w_rtt=w_rtt, w_msg=1e-6 if w_rtt else 0.0)
    jp = JointProblem([dnn, other, dnn], platform, remote_model="serial", release=[30, 0, 30])
    res = solve(jp, "cpsat-joint", log=True, **FAST)
    assert_proven(jp, res, brute_joint(jp))
    assert "hint is complete and is feasible" in res.log


def test_joint_dominating_release_is_proven():
    """Job 1 released so late that the optimum is its release plus its own least makespan."""
    rng = np.random.default_rng(11)
    dnns = [random_dnn(rng, 4, "a"), random_dnn(rng, 4, "b")]
    alone = solve(JointProblem([dnns[1]], PLATFORM, remote_model="serial"), "cpsat-joint", **FAST)
    assert alone.status == "optimal"
    jp = JointProblem(dnns, PLATFORM, remote_model="serial", release=[0, 10_000])
    assert_proven(jp, solve(jp, "cpsat-joint", **FAST), 10_000 + alone.makespan)
    dag = jp.dag([Partition.local_only(dnns[0]), alone.partitions[0]])
    assert_proven(dag, solve(dag, "cpsat-dagshop", **FAST), 10_000 + alone.makespan)


# -- methods that refuse release times -------------------------------------------------------------

def chain_joint(release) -> JointProblem:
    from offloadsched.instances.generators import identical

    return JointProblem(identical("alexnet", len(release)), PLATFORM, release=release)


REFUSING = {  # method -> a problem it takes, with release times
    "bb-flowshop": lambda: FmProblem([[1, 2, 3], [3, 2, 1]], release=[0, 5]),
    "sidney": lambda: random_dag(0, "negligible"),
    "dp-ideals": lambda: random_dag(0, "negligible"),
    "mip-joint-chain": lambda: chain_joint([0, 5]),
    "mip-joint-ideals": lambda: chain_joint([0, 5]),
    "jps+sidney": lambda: chain_joint([0, 5]),
    "hps+sidney": lambda: chain_joint([0, 5]),
}


@pytest.mark.parametrize("method", sorted(REFUSING))
def test_refuses_release_with_one_line(method):
    p = REFUSING[method]()
    assert p.has_release
    assert get_method(method).not_applicable(p.with_release(None)) is None
    with pytest.raises(ValidationError, match="release times") as err:
        solve(p, method)
    assert "\n" not in str(err.value) and method in str(err.value)


def test_every_formulation_supports_or_refuses():
    """Each method of the package is listed here: a new one must decide."""
    from offloadsched.registry import methods

    ours = {m.name for m in methods() if str(m.target).startswith("offloadsched.formulations.")}
    supporting = {"cpsat-flowshop", "mip-path", "cpsat-dagshop", "cpsat-joint", "relaxation", "bf-fl", "fl-exact"}
    assert ours == supporting | set(REFUSING)


def test_refusal_from_the_cli(tmp_path, capsys):
    from offloadsched.cli import main
    from offloadsched.io import save

    path = tmp_path / "p.json"
    save(REFUSING["bb-flowshop"](), path)
    assert main(["solve", str(path), "-m", "bb-flowshop"]) == 2
    err = capsys.readouterr().err
    assert "release times" in err and "Traceback" not in err
    assert main(["solve", str(path), "-m", "cpsat-flowshop"]) == 0


def test_relaxation_is_a_bound_with_release():
    jp = chain_joint([40_000, 0, 0])
    rel = solve(jp, "relaxation")
    opt = solve(jp, "cpsat-joint", **FAST)
    assert opt.status == "optimal"
    assert rel.bound <= opt.makespan <= rel.makespan
    t = rel.timing
    assert (t.start >= t.releases[t.jobs_of_operations]).all()
