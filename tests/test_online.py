"""Issue 25 part 4: the online simulation (offloadsched.online).

What is proven here: with every release 0 a re-planning policy plays its method's offline schedule
(johnson, po); fifo / greedy on hand-timed cases; on random instances of every problem type the
realised schedule passes the checker, starts no job before its release and is the simulated one; a
decision never depends on a job not yet released (changing a later job leaves the earlier schedule
alone); no policy beats the clairvoyant optimum that brute force enumerates; the ``online`` method
and the ``simulate`` command."""

from __future__ import annotations

import contextlib
import io
import itertools
import json

import numpy as np
import pytest

from offloadsched import (
    DagProblem,
    FmProblem,
    J2Problem,
    JointProblem,
    Partition,
    ValidationError,
    check,
    save,
    simulate,
    solve,
)
from offloadsched.cli import main
from offloadsched.instances.generators import random_dag_problem, random_dnn, random_fm, random_j2
from offloadsched.instances.platforms import make_platform
from offloadsched.instances.zoo import alexnet, googlenet

POLICIES = ("fifo", "greedy")


def _releases(n: int, seed: int, span: int) -> list[int]:
    rng = np.random.default_rng(seed)
    return sorted(rng.integers(0, span, size=n).tolist())


def _stacked_dag(k: int, seed: int, remote_model: str, n: int = 5) -> DagProblem:
    """``k`` independent random DAG jobs side by side (jobs numbered 0..k-1), one problem D."""
    f, u, r, local, preds, job = [], [], [], [], [], []
    for j in range(k):
        d = random_dag_problem(n, seed * 31 + j, remote_model=remote_model, high=20)
        base = len(preds)
        f += d.f.tolist()
        u += d.u.tolist()
        r += d.r.tolist()
        local += d.local.tolist()
        preds += [[base + p for p in ps] for ps in d.preds]
        job += [j] * n
    return DagProblem(f=f, u=u, r=r, local=local, preds=preds, remote_model=remote_model, job=job)


def _valid(problem, result) -> None:
    assert result.status == "heuristic", result.info
    check(result.problem, result.timing)  # the independent checker, release times included
    sched = result.problem
    job = result.timing.item if sched.type in ("j2", "fm") else sched.job[result.timing.item]
    assert (result.timing.start >= np.asarray(problem.release)[job]).all()
    assert result.makespan == result.timing.makespan


# -- all releases 0: one plan, followed --------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(5))
def test_zero_release_johnson_plays_the_offline_schedule(seed):
    p = random_j2(12, seed)
    online, offline = simulate(p, "johnson"), solve(p, "johnson")
    assert online.makespan == offline.makespan
    assert online.schedule["local"].tolist() == offline.schedule["local"].tolist()
    assert online.info["method_calls"] == 1


@pytest.mark.parametrize("network", ["3g", "wifi"])
def test_zero_release_po_plays_the_offline_schedule(network):
    jp = JointProblem([alexnet(), googlenet(), alexnet()], make_platform("rpi4", "gtx1080", network))
    online, offline = simulate(jp, "po"), solve(jp, "po")
    assert online.makespan == offline.makespan
    assert [p.local.tolist() for p in online.partitions] == [p.local.tolist() for p in offline.partitions]


# -- hand-timed cases -----------------------------------------------------------------------------------------
def test_fifo_and_greedy_by_hand():
    p = J2Problem([3, 1, 4], [2, 5, 1], release=[0, 2, 2])
    # fifo: local 0-3, 3-4, 4-8; uplink 3-5, 5-10, 10-11
    r = simulate(p, "fifo")
    assert r.schedule["local"].tolist() == [0, 1, 2] and r.makespan == 11
    assert r.timing.completion.tolist() == [5, 10, 11]
    # greedy at t=3 (uplink free at 5): job 1 would end at 10, job 2 at max(7, 5) + 1 = 8 -> job 2, then job 1
    g = simulate(p, "greedy")
    assert g.schedule["local"].tolist() == [0, 2, 1] and g.makespan == 13
    # the device idles until the next arrival; nothing starts before its release
    q = J2Problem([2, 2], [1, 1], release=[0, 10])
    assert simulate(q, "fifo").timing.start.tolist() == [0, 2, 10, 12]


def test_fifo_dag_by_hand():
    # two jobs, each: local layer -> remote layer (negligible); job 1 released at 1 waits for the device
    d = DagProblem(f=[4, 0, 2, 0], u=[3, 0, 5, 0], r=[0, 0, 0, 0], local=[True, False, True, False],
                   preds=[[], [0], [], [2]], job=[0, 0, 1, 1], release=[0, 1])
    r = simulate(d, "fifo")
    # device 0-4 (job 0), 4-6 (job 1); uplink 4-7, 7-12
    assert r.makespan == 12 and r.schedule["local"].tolist() == [0, 2]
    assert simulate(d, "greedy").makespan == 12  # job 1 is the only one waiting at 4


# -- random instances of every type: valid, released, exactly simulated ---------------------------------------
@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("policy", [*POLICIES, "johnson", "neh"])
def test_random_j2(seed, policy):
    p = random_j2(15, seed)
    p = p.with_release(_releases(15, seed, 300))
    _valid(p, simulate(p, policy))


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("policy", [*POLICIES, "neh", "eja"])
def test_random_fm(seed, policy):
    p = random_fm(12, 3, seed)
    p = p.with_release(_releases(12, seed, 400))
    _valid(p, simulate(p, policy))


DAG_CASES = [(m, p) for m in ("negligible", "serial", "parallel") for p in (*POLICIES, "bruteforce")]


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("remote_model, policy", [*DAG_CASES, ("negligible", "topo-johnson")])
def test_random_dag(seed, remote_model, policy):
    d = _stacked_dag(4, seed, remote_model)
    d = d.with_release(_releases(4, seed, 60))
    _valid(d, simulate(d, policy))


@pytest.mark.parametrize("remote_model", ["negligible", "serial", "parallel"])
@pytest.mark.parametrize("policy", [*POLICIES, "po", "jps", "lo", "co"])
def test_random_joint(remote_model, policy):
    jobs = [random_dnn(6, s, "dag") for s in range(3)] * 2
    jp = JointProblem(jobs, make_platform("rpi4", "gtx1080", "4g"), remote_model=remote_model,
                      release=_releases(6, 7, 400_000))
    res = simulate(jp, policy)
    _valid(jp, res)
    assert len(res.partitions) == 6


# -- non-anticipation: a decision never depends on a job not released yet -------------------------------------
@pytest.mark.parametrize("policy", [*POLICIES, "johnson", "neh"])
def test_no_look_ahead(policy):
    rng = np.random.default_rng(5)
    for trial in range(5):
        n = 10
        a, b = rng.integers(1, 30, n), rng.integers(1, 30, n)
        rel = sorted(rng.integers(0, 200, n).tolist())
        last = n - 1
        p = J2Problem(a, b, release=rel)
        a2 = a.copy()
        a2[last] = a[last] + 17
        q = J2Problem(a2, b, release=rel)
        rp, rq = simulate(p, policy), simulate(q, policy)
        # every job that starts on the device before the last job's release does so identically in both
        sp, sq = (dict(zip(r.schedule["local"].tolist(), r.timing.start[::2][r.schedule["local"]].tolist()))
                  for r in (rp, rq))
        early = {j: s for j, s in sp.items() if s < rel[last]}
        assert {j: sq[j] for j in early} == early, trial


# -- the clairvoyant optimum is a lower bound of every policy -----------------------------------------------
@pytest.mark.parametrize("seed", range(6))
def test_online_never_beats_the_clairvoyant_optimum(seed):
    rng = np.random.default_rng(seed)
    problems = [J2Problem(rng.integers(1, 20, 5), rng.integers(1, 20, 5), release=_releases(5, seed, 40)),
                FmProblem(rng.integers(1, 20, (5, 3)), release=_releases(5, seed, 40)),
                _stacked_dag(3, seed, "negligible", n=3).with_release(_releases(3, seed, 30))]
    for p in problems:
        opt = solve(p, "bruteforce").makespan
        for policy in (*POLICIES, "bruteforce"):
            assert simulate(p, policy).makespan >= opt


def test_joint_online_never_beats_the_clairvoyant_optimum():
    """Two chain jobs of 3 layers: every partition pair x every schedule of problem D (brute force)."""
    from offloadsched.instances.generators import random_dnn

    dnns = [random_dnn(3, s, "chain") for s in (1, 2)]
    jp = JointProblem(dnns, make_platform("rpi4", "gtx1080", "3g"), release=[0, 30_000])
    opt = min(solve(jp.dag(parts), "bruteforce").makespan
              for parts in itertools.product(*[[Partition.chain_cut(d, k) for k in range(3)] for d in dnns]))
    for policy in (*POLICIES, "po", "jps", "lo"):
        assert simulate(jp, policy).makespan >= opt


# -- the online method, policies, the command line -----------------------------------------------------------
def test_online_method_is_simulate():
    p = random_j2(20, 3).with_release(_releases(20, 3, 500))
    for policy in ("fifo", "greedy", "johnson"):
        via_solve, direct = solve(p, "online", policy=policy), simulate(p, policy)
        assert via_solve.makespan == direct.makespan and via_solve.schedule == direct.schedule
        assert via_solve.options == {"policy": policy}


def test_policy_is_checked_with_one_message():
    p = J2Problem([1, 2], [2, 1], release=[0, 1])
    with pytest.raises(ValidationError, match="unknown online policy 'johnsn'; policies: fifo, greedy"):
        simulate(p, "johnsn")
    with pytest.raises(ValidationError, match="method 'online': policy: unknown online policy 'x'"):
        solve(p, "online", policy="x")
    with pytest.raises(ValidationError, match="does not accept j2 problems"):
        simulate(p, "po")
    with pytest.raises(ValidationError, match="no release times"):
        solve(J2Problem([1, 2], [2, 1]), "online", policy="fifo")


def test_dag_jobs_must_be_independent():
    d = DagProblem(f=[1, 1], u=[1, 1], r=[0, 0], local=[True, True], preds=[[], [0]], job=[0, 1])
    with pytest.raises(ValidationError, match="online jobs must be independent"):
        simulate(d, "fifo")


def _run(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def test_cli(tmp_path):
    path = tmp_path / "p.json"
    save(J2Problem([3, 1, 4], [2, 5, 1]), path)
    code, out, err = _run(["simulate", str(path), "--policy", "nope"])
    assert code == 2 and out == "" and err.count("\n") == 1 and "unknown online policy 'nope'" in err
    result = tmp_path / "r.json"
    code, out, _ = _run(["simulate", str(path), "--policy", "johnson", "-o", str(result)])
    assert code == 0 and "makespan 9" in out
    doc = json.loads(result.read_text())
    assert doc["method"] == "online" and doc["options"] == {"policy": "johnson"} and doc["makespan"] == 9
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.json", "r.json"]  # no temporary file left
    before = result.read_bytes()
    code, _, err = _run(["simulate", str(path), "--policy", "nope", "-o", str(result)])
    assert code == 2 and result.read_bytes() == before  # a failed run leaves the old file alone
    code, _, err = _run(["simulate", str(path), "--policy", "fifo", "-o", str(tmp_path)])
    assert code == 2 and err.count("\n") == 1  # a folder is not a file: one line
    released = tmp_path / "q.json"
    save(J2Problem([3, 1, 4], [2, 5, 1], release=[0, 2, 2]), released)
    code, out, _ = _run(["simulate", str(released), "--policy", "greedy"])
    assert code == 0 and "makespan 13" in out and "decisions 3" in out  # test_fifo_and_greedy_by_hand


def test_docstring_examples():
    import doctest

    import offloadsched.online

    result = doctest.testmod(offloadsched.online, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize("policy", [*POLICIES, "bruteforce"])
def test_a_dag_job_without_local_layers(policy):
    # job 1 is one remote node (serial remote): it never holds the device, its remote op waits for its release
    d = DagProblem(f=[3, 0, 0], u=[2, 0, 0], r=[4, 5, 6], local=[True, False, False], preds=[[], [0], []],
                   job=[0, 0, 1], remote_model="serial", release=[0, 1])
    res = simulate(d, policy)
    _valid(d, res)
    # device 0-3, uplink 3-5; the server takes job 1's node at its release, 1-7, then node 1 (ready at 5), 7-12
    assert res.makespan == 12


def test_options_are_checked_before_any_call():
    p = J2Problem([1, 2], [2, 1], release=[0, 5])  # one job waits at a time: the method is never called
    with pytest.raises(ValidationError, match="time_limit must be a positive number"):
        simulate(p, "johnson", time_limit=0)
    with pytest.raises(ValidationError, match="has no option 'speed'"):
        simulate(p, "johnson", speed=3)
    with pytest.raises(ValidationError, match="seed must be an integer"):
        simulate(p, "ig", seed=-1)
    with pytest.raises(ValidationError, match="'greedy' takes no options"):
        simulate(p, "greedy", seed=1)
    assert simulate(p, "ig", seed=3, iterations=5).options == {"policy": "ig", "iterations": 5, "seed": 3}


def test_a_policy_that_does_not_apply_is_refused_up_front():
    p = FmProblem([[1, 2, 3], [3, 2, 1]], release=[0, 50])  # never two jobs waiting: johnson would never run
    with pytest.raises(ValidationError, match="online policy 'johnson' does not apply to this problem: it needs 2"):
        simulate(p, "johnson")


def test_suites_run_each_policy_as_a_method_row(tmp_path):
    from offloadsched.bench import load_suite, plan

    from .test_bench_helpers import write_suite

    rows = """
        [[row]]
        family = "random-j2"
        n = 4
        methods = ["heuristic:*", {method = "online", label = "online-fifo", options = {policy = "fifo"}},
                   {method = "online", label = "online-johnson", options = {policy = "johnson"}}]
    """
    units = plan(load_suite(write_suite(tmp_path, rows)))
    online = {u.method.label: u.method for u in units if u.method.name == "online"}
    assert {k: m.options for k, m in online.items()} == {"online-fifo": {"policy": "fifo"},
                                                        "online-johnson": {"policy": "johnson"}}
    assert all(m.kind == "heuristic" for m in online.values())  # reported beside the heuristics
    # heuristic:* leaves 'online' out where nothing arrives over time (it refuses problems without release)
    assert "online" not in {u.method.label for u in units}
    with pytest.raises(ValidationError, match="unknown online policy 'nope'"):
        load_suite(write_suite(tmp_path, rows.replace('"johnson"}}', '"nope"}}')))


def test_the_simulated_timing_check_can_fail():
    """The comparison of the simulation with the evaluator is live: a simulated time off by one is reported."""
    from offloadsched import evaluate
    from offloadsched.online import _run

    p = J2Problem([3, 1, 4], [2, 5, 1], release=[0, 2, 2])
    out, sim = _run(p, "fifo", time_limit=None, seed=None, options={})
    timing = evaluate(p, out.schedule)
    assert sim.mismatch(p, timing) is None
    sim.ends[1, 1] += 1
    assert sim.mismatch(p, timing) == "the evaluator's end of job 'J1' on machine 2 is 10, the simulation's 11"
    d = _stacked_dag(2, 0, "negligible").with_release([0, 5])
    out, sim = _run(d, "greedy", time_limit=None, seed=None, options={})
    timing = evaluate(d, out.schedule)
    assert sim.mismatch(d, timing) is None
    v = next(iter(sim.local_start))
    sim.local_start[v] -= 1
    assert "the simulation's" in sim.mismatch(d, timing)
