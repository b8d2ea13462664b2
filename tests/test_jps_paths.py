"""JPS and HPS without listing paths (seed 001 Alg. 2-4): the dynamic programs against the
enumerating oracles (tests/path_oracle.py) on random DAGs and on every joint instance of the quick
and paper suites that the enumeration accepts; the methods on DAGs too large to enumerate."""

from __future__ import annotations

import random

import pytest

from offloadsched import DNN, JointProblem, SizeLimitError, chain, identical_jobs, solve
from offloadsched.bench.runner import build_instance
from offloadsched.bench.suite import load_suite
from offloadsched.heuristics.jps import path_partitions
from offloadsched.instances import get_model
from offloadsched.instances.platforms import make_platform
from offloadsched.instances.zoo import MODELS
from offloadsched.report.hps_standing import hps_standing

from .path_oracle import TooManyPaths, enumerated_jps_schedule, enumerated_partitions, enumerated_path_cuts
from .test_heuristics_joint import UNIT, _layer, random_chain, random_dag

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


def test_hps_step_by_step_against_seed_001_alg_4():
    """Seed 001 Sec. 6 on a hand-sized pair of heterogeneous jobs, each step's result by hand."""
    a = chain("A", [_layer("in", 0, 50), _layer("p", 5, 40), _layer("q", 1, 5), _layer("r", 6, 3)])
    b = DNN("B", [_layer("in", 0, 20), _layer("x", 3, 9), _layer("y", 1, 8), _layer("z", 2, 1), _layer("out", 5, 4)],
            [("in", "x"), ("in", "y"), ("x", "z"), ("y", "z"), ("z", "out")])
    jp = JointProblem([a, b], UNIT)
    # Sec. 6.2, Alg. 2 on every path of the merged graph (f, and g = upload, 0 at the output):
    #   A (in, p, q, r):    F = 0 5 6 12, G = 50 40 5 0: q is the first F >= G, l* - 1 = p,
    #                       ratio (6 - 5) // (40 - 5) = 0
    #   B (in, x, z, out):  F = 0 3 5, G = 20 9 1: z crosses, l* - 1 = x, ratio (5 - 1) // (9 - 3) = 0
    #   B (in, y, z, out):  F = 0 1 3, G = 20 8 1: z crosses, l* - 1 = y, ratio (3 - 1) // (8 - 1) = 0
    assert enumerated_path_cuts(a, *jp.times[0][:2]) == [(1, 2, 0)]
    assert enumerated_path_cuts(b, *jp.times[1][:2]) == [(1, 3, 0), (2, 3, 0)]
    res = solve(jp, "hps")
    # one job each, n1 = 0: every path cut at l*; local sets = the cuts and their ancestors
    assert [p.local_names for p in res.partitions] == [["in", "p", "q"], ["in", "x", "y", "z"]]
    assert [p.cut_points for p in res.partitions] == [[2], [3]]  # q and z
    # Sec. 6.3: B's local graph joins at z, so Alg. 4 (not Alg. 5's tree merge); its rounds:
    #   1: sinks q (1, 5) -> S1; z (2, 1) -> S2                   sigma = [q, z]
    #   2: p (5, 0), x (3, 0), y (1, 0) -> S2, equal g, by index   sigma = [p, x, y, q, z]
    #   3: the two inputs                                          sigma = [A/in, B/in, p, x, y, q, z]
    assert res.info["scheduler"] == "topo-johnson"
    names = [res.problem.names[v] for v in res.schedule["local"]]
    assert names == ["A/in", "B/in", "A/p", "B/x", "B/y", "A/q", "B/z"]
    # computes p 0-5, x 5-8, y 8-9, q 9-10, z 10-12; uploads q 10-15, z 15-16
    assert res.makespan == 16
    # the same partitions in the best order (A's q before B's layers: its upload overlaps them)
    assert solve(res.problem, "bruteforce").makespan == 13
    # JPS (same partitions) orders the paths by Johnson: A (6, 5), then B's two (5, 1), (3, 1)
    jps = solve(jp, "jps")
    assert [p.local_names for p in jps.partitions] == [p.local_names for p in res.partitions]
    assert [jps.problem.names[v] for v in jps.schedule["local"]] == ["A/in", "A/p", "A/q", "B/in", "B/x", "B/y", "B/z"]
    assert jps.makespan == 13


def test_hps_on_googlenet_loses_in_alg_4():
    """The paper report's HPS section: where Alg. 4 schedules GoogLeNet x 4, the first upload waits for
    nearly all local work and the uploads run back to back; where the local graph is a forest, Alg. 5
    reaches the best order of HPS's partitions (Sidney-Monma, proven)."""
    for net in ("4g", "wifi"):
        h = hps_standing(net)
        assert h["best_proven"] and h["best"] <= h["hps"]
        if h["scheduler"] == "topo-johnson":
            assert h["hps"] == h["first_upload"] + h["uploads"] + h["w_rtt"]
            assert h["first_upload"] > 0.9 * h["local"]
        else:
            assert h["hps"] == h["best"]
    assert hps_standing("4g")["scheduler"] == "topo-johnson"


FOUR = ("jps", "hps", "jps+sidney", "hps+sidney")


@pytest.mark.slow
def test_the_four_methods_run_on_every_zoo_dnn():
    for name in MODELS:
        for net in ("3g", "4g", "wifi"):
            for rm in ("negligible", "serial", "parallel"):
                jp = JointProblem(identical_jobs(get_model(name), 2), make_platform("rpi4", "gtx1080", net),
                                  remote_model=rm)
                for method in FOUR:
                    res = solve(jp, method)  # the core checker runs on problem D
                    assert res.makespan > 0 and "stopped" not in res.info


def test_the_four_methods_on_a_thousand_layers():
    d = random_dag(random.Random(2), 1000, "big")
    for rm in ("negligible", "serial", "parallel"):
        jp = JointProblem([d] * 2, UNIT, remote_model=rm)
        parts = path_partitions(jp)[0]
        assert 1 < parts[0].local.sum() < 1000  # a cut inside the graph
        for method in FOUR:
            res = solve(jp, method)
            assert res.makespan > 0 and [p.local.tolist() for p in res.partitions] == [p.local.tolist() for p in parts]
