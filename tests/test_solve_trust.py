"""solve() never trusts a method: test-only lying methods (registered here, removed after) are caught.

A joint method that zeroes problem D's times or drops a job, an ``optimal`` claim whose bound is below
the makespan or missing, a bound above the makespan, a schedule missing a job, a flow method that
returns another problem: each is recorded with the status the evaluator supports, never believed.
"""

from __future__ import annotations

import numpy as np
import pytest

from offloadsched import DNN, J2Problem, JointProblem, Layer, Partition, Platform, ValidationError, chain, solve
from offloadsched.registry import _REGISTRY, SolverOutput, register
from offloadsched.schedule import Schedule

UNIT = Platform(r_loc=1e6, r_rem=1e7, bandwidth=8e6, w_msg=0.0, name="unit")


def _dnn(name: str = "c") -> DNN:
    return chain(name, [Layer("in", "input", 0, 40), Layer("l1", "conv", 20, 30), Layer("l2", "conv", 10, 8),
                        Layer("l3", "conv", 5, 4)])


@pytest.fixture
def joint() -> JointProblem:
    d = _dnn()
    return JointProblem([d, d, d], UNIT)


@pytest.fixture
def lying():
    """Register test-only methods; unregister them afterwards."""
    names: list[str] = []

    def add(name: str, fn, problems=("joint",), kind="exact"):
        register(name, fn, problems=problems, kind=kind)
        names.append(name)
        return name

    yield add
    for n in names:
        _REGISTRY.pop(n, None)


def _honest(problem: JointProblem, cut: int = 2):
    parts = [Partition.upto(d, [d.names[cut]]) for d in problem.jobs]
    dag = problem.dag(parts)
    return parts, dag, Schedule({"local": dag.local_nodes.tolist()})


def test_zeroed_problem_is_rebuilt_and_flagged(joint, lying):
    def zero(problem, *, time_limit=None):
        parts, dag, sched = _honest(problem)
        fake = dag.__class__(f=np.zeros(len(dag), dtype=int), u=np.zeros(len(dag), dtype=int), r=dag.r,
                             local=dag.local, preds=dag.preds, names=dag.names, job=dag.job, job_names=dag.job_names)
        return SolverOutput(sched, status="optimal", bound=0, objective=0, problem=fake, partitions=parts)

    res = solve(joint, lying("lie-zero", zero))
    _, dag, sched = _honest(joint)
    assert res.status == "error"
    assert "differs from the one its partitions define" in res.info["inconsistency"]
    assert res.makespan == solve(dag, "fifo").makespan > 0  # scored on the rebuilt problem D


def test_dropped_job_is_an_error(joint, lying):
    def drop(problem, *, time_limit=None):
        parts, _, _ = _honest(problem)
        small = JointProblem(problem.jobs[:2], problem.platform)
        dag = small.dag(parts[:2])
        return SolverOutput(Schedule({"local": dag.local_nodes.tolist()}), status="optimal", bound=1, objective=1,
                            problem=dag, partitions=parts[:2])

    res = solve(joint, lying("lie-drop", drop))
    assert res.status == "error" and "2 partitions for 3 jobs" in res.info["inconsistency"]
    assert res.makespan is None


def test_missing_partitions_and_missing_operations(joint, lying):
    def no_parts(problem, *, time_limit=None):
        _, dag, sched = _honest(problem)
        return SolverOutput(sched, status="heuristic", problem=dag)

    def short_schedule(problem, *, time_limit=None):
        parts, dag, _ = _honest(problem)
        return SolverOutput(Schedule({"local": dag.local_nodes.tolist()[:-1]}), problem=dag, partitions=parts)

    res = solve(joint, lying("lie-noparts", no_parts, kind="heuristic"))
    assert res.status == "error" and "must return the partitions" in res.info["inconsistency"]
    res = solve(joint, lying("lie-short", short_schedule, kind="heuristic"))
    assert res.status == "error" and "does not fit" in res.info["inconsistency"]


def test_optimal_claims_need_a_matching_bound(lying):
    p = J2Problem([3, 1, 4], [1, 5, 9])
    ms = solve(p, "fifo").makespan

    def low_bound(problem, *, time_limit=None):
        return SolverOutput(Schedule.from_order(range(problem.n)), status="optimal", bound=ms - 1, objective=ms)

    def no_bound(problem, *, time_limit=None):
        return SolverOutput(Schedule.from_order(range(problem.n)), status="optimal")

    def high_bound(problem, *, time_limit=None):
        return SolverOutput(Schedule.from_order(range(problem.n)), status="feasible", bound=ms + 1)

    def proven(problem, *, time_limit=None):
        return SolverOutput(Schedule.from_order(range(problem.n)), status="feasible", bound=ms)

    res = solve(p, lying("lie-low", low_bound, problems=("j2",)))
    assert res.status == "feasible" and "below the evaluated makespan" in res.info["downgraded"]
    res = solve(p, lying("lie-nobound", no_bound, problems=("j2",)))
    assert res.status == "feasible" and "without a bound" in res.info["downgraded"]
    res = solve(p, lying("lie-high", high_bound, problems=("j2",)))
    assert res.status == "error" and "exceeds the evaluated makespan" in res.info["inconsistency"]
    res = solve(p, lying("proven", proven, problems=("j2",)))
    assert res.status == "optimal" and res.makespan == ms


def test_flow_method_returning_another_problem(lying):
    p = J2Problem([3, 1, 4], [1, 5, 9])

    def other(problem, *, time_limit=None):
        return SolverOutput(Schedule.from_order(range(problem.n)), problem=J2Problem([0, 0, 0], [0, 0, 0]))

    res = solve(p, lying("lie-other", other, problems=("j2",), kind="heuristic"))
    assert res.status == "error" and "times differ" in res.info["inconsistency"]
    assert res.makespan == solve(p, "fifo").makespan


def test_unknown_status_is_an_error(lying):
    p = J2Problem([3, 1], [1, 5])

    def weird(problem, *, time_limit=None):
        return SolverOutput(Schedule.from_order(range(problem.n)), status="great")

    res = solve(p, lying("lie-status", weird, problems=("j2",), kind="heuristic"))
    assert res.status == "error" and "unknown status" in res.info["inconsistency"]


def test_verification_cannot_be_turned_off():
    with pytest.raises(ValidationError, match="has no option 'verify'"):
        solve(J2Problem([1], [1]), "fifo", verify=False)


def test_partitions_that_are_not_partitions(joint, lying):
    def junk(problem, *, time_limit=None):
        _, dag, sched = _honest(problem)
        return SolverOutput(sched, problem=dag, partitions=["all", "local", "please"])

    res = solve(joint, lying("lie-junk", junk, kind="heuristic"))
    assert res.status == "error" and "partition 0 is not a Partition" in res.info["inconsistency"]
    assert res.to_dict()["partitions"] is None
