"""JPS and HPS without listing paths (seed 001 Alg. 2-4): the dynamic programs against the
enumerating oracles (tests/path_oracle.py) on random DAGs and on every joint instance of the quick
and paper suites that the enumeration accepts; the methods on DAGs too large to enumerate."""

from __future__ import annotations

import random

import pytest

from offloadsched import JointProblem, SizeLimitError, identical_jobs, solve
from offloadsched.bench.runner import build_instance
from offloadsched.bench.suite import load_suite
from offloadsched.heuristics.jps import path_partitions
from offloadsched.instances import get_model
from offloadsched.instances.platforms import make_platform
from offloadsched.instances.zoo import MODELS

from .path_oracle import TooManyPaths, enumerated_jps_schedule, enumerated_partitions
from .test_heuristics_joint import UNIT, random_chain, random_dag

LIMIT = 100_000  # the enumeration's limit before this change (paths, or path prefixes up to the cut)


def _same_partitions(ours, ref) -> bool:
    return [p.local.tolist() for p in ours] == [p.local.tolist() for p in ref]


def _check_jps(jp: JointProblem) -> str:
    """Compare jps with the oracle; 'partitions', 'schedule' or '' for how far the enumeration got."""
    try:
        ref = enumerated_partitions(jp, LIMIT)
    except TooManyPaths:
        return ""
    res = solve(jp, "jps")
    assert _same_partitions(res.partitions, ref)
    assert _same_partitions(path_partitions(jp)[0], ref)
    rule = "johnson" if jp.remote_model == "negligible" else "eja"
    try:
        sched = enumerated_jps_schedule(res.problem, rule, LIMIT)
    except (TooManyPaths, SizeLimitError):
        return "partitions"
    for machine in sched.sequences:
        assert res.schedule[machine].tolist() == sched[machine].tolist(), machine
    return "schedule"


def test_partitions_equal_the_listed_path_prefixes():
    rng = random.Random(5)
    for k in range(600):
        make = random_chain if k % 5 == 0 else random_dag
        a, b = make(rng, rng.randint(2, 16), "a"), random_dag(rng, rng.randint(3, 10), "b")
        jobs = [a] * rng.randint(1, 7) + [b] * (k % 3)
        jp = JointProblem(jobs, UNIT)
        assert _same_partitions(path_partitions(jp)[0], enumerated_partitions(jp))


def test_jps_equals_the_listed_paths_on_random_dags():
    rng = random.Random(6)
    for k in range(120):
        a, b = random_dag(rng, rng.randint(3, 11), "a"), random_dag(rng, rng.randint(3, 8), "b")
        jobs = [a] * rng.randint(1, 3) + [b] * (k % 2)
        assert _check_jps(JointProblem(jobs, UNIT, remote_model=("negligible", "serial", "parallel")[k % 3]))


def _suite_joint_instances(name: str):
    seen = set()
    for row in load_suite(name).rows:
        if row.family is None or row.family.problem_type not in (None, "joint"):
            continue
        for params in row.grid:
            for seed in row.seeds if row.family.random else [0]:
                key = (row.family.name, repr(sorted(params.items())), seed)
                if key not in seen:
                    seen.add(key)
                    problem = build_instance(row.family.name, params, seed).problem
                    if problem.type == "joint":
                        yield problem


@pytest.mark.slow
@pytest.mark.parametrize("suite", ["quick", "paper"])
def test_jps_equals_the_listed_paths_on_the_suites(suite):
    reached = [_check_jps(jp) for jp in _suite_joint_instances(suite)]
    assert reached.count("schedule") >= 20 and reached.count("") <= 3


def test_jps_equals_the_listed_paths_on_the_zoo_with_a_serial_server():
    reached = [_check_jps(JointProblem(identical_jobs(get_model(name), 2), make_platform("rpi4", "gtx1080", net),
                                       remote_model="serial"))
               for name in MODELS for net in ("3g", "wifi")]
    assert reached.count("schedule") >= 10
