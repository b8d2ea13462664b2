"""mip-joint-ideals: equal to brute force over every ideal combination, to mip-joint-chain on chains
and to cpsat-joint wherever it proves optimality; clear errors and statuses otherwise."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from offloadsched import JointProblem, solve
from offloadsched.check import violations
from offloadsched.errors import SizeLimitError, ValidationError
from offloadsched.formulations.dp_ideals import dp_order
from offloadsched.ideals import count_ideals, enumerate_ideals
from offloadsched.instances import get_model
from offloadsched.instances.generators import random_dnn
from offloadsched.instances.platforms import make_platform
from offloadsched.partition import Partition
from offloadsched.sp import find_n

NETWORKS = ("3g", "4g", "wifi")


def _closed_sets(dnn) -> list[np.ndarray]:
    """Every predecessor-closed layer set containing the input, by plain subset enumeration
    (independent of :mod:`offloadsched.ideals`)."""
    n = len(dnn)
    out = []
    for bits in itertools.product((False, True), repeat=n):
        mask = np.array(bits)
        if mask[dnn.input] and all(mask[p] for v in np.flatnonzero(mask) for p in dnn.preds[v]):
            out.append(mask)
    return out


def _brute_force(problem: JointProblem) -> int:
    """min over every combination of partitions (identical jobs: multisets) of the exact problem-D
    optimum by the DP over ideals."""
    options = {}
    for k, dnn in enumerate(problem.jobs):
        options.setdefault(dnn.name, (dnn, []))[1].append(k)
    names = list(options)
    per_name = {name: [Partition(options[name][0], m) for m in _closed_sets(options[name][0])] for name in names}
    best = None
    for combo in itertools.product(*(itertools.combinations_with_replacement(per_name[nm], len(options[nm][1]))
                                     for nm in names)):
        parts: list = [None] * len(problem.jobs)
        for nm, chosen in zip(names, combo):
            for k, part in zip(options[nm][1], chosen):
                parts[k] = part
        value = dp_order(problem.dag(parts))[1]
        best = value if best is None else min(best, value)
    return best


def _instance(seed: int) -> JointProblem:
    rng = np.random.default_rng(seed)
    shape = ("sp", "tree", "chain")[seed % 3]
    n_jobs = int(rng.integers(1, 4))
    first = random_dnn(int(rng.integers(4, 7)), seed, shape)
    jobs = [first] * n_jobs
    if n_jobs > 1 and rng.random() < 0.5:  # a mix of two different DNNs
        other = random_dnn(int(rng.integers(4, 7)), seed + 10_000, ("sp", "tree")[seed % 2])
        jobs[-1] = other
        if n_jobs == 3 and rng.random() < 0.5:
            jobs[-2] = other
    platform = make_platform("rpi4", "gtx1080", NETWORKS[seed % 3])
    return JointProblem(jobs, platform, name=f"random_{seed}")


@pytest.mark.parametrize("chunk", range(4))
def test_equals_brute_force_on_random_series_parallel_dnns(chunk):
    mixes = 0
    for seed in range(chunk * 260, (chunk + 1) * 260):
        problem = _instance(seed)
        res = solve(problem, "mip-joint-ideals", time_limit=30)
        assert res.status == "optimal", (seed, res.info)
        assert res.makespan == _brute_force(problem), seed
        assert res.bound == res.makespan == res.objective
        mixes += len({d.name for d in problem.jobs}) > 1
    assert mixes >= 40


def bracket(problem: JointProblem, seed: int):
    """Asserts bound <= brute-force optimum <= makespan (equal when proven); the result."""
    res = solve(problem, "mip-joint-ideals", time_limit=30)
    best = _brute_force(problem)
    assert res.bound <= best <= res.makespan, seed
    assert res.status in ("optimal", "feasible"), seed
    if res.status == "optimal":
        assert res.makespan == best, seed
    return res


def test_brackets_random_dags_that_are_not_series_parallel():
    """General DAGs: bound <= brute-force optimum <= makespan, equal when proven optimal."""
    proven = bracketed = 0
    for seed in range(150):
        rng = np.random.default_rng(seed)
        dnn = random_dnn(int(rng.integers(6, 9)), seed, "dag", p=0.5)
        problem = JointProblem([dnn] * int(rng.integers(1, 3)), make_platform("rpi4", "gtx1080", NETWORKS[seed % 3]))
        res = bracket(problem, seed)
        if res.status == "optimal":
            proven += 1
        else:
            bracketed += 1
        assert res.info["series_parallel"] == (find_n(range(len(dnn)), dnn.preds) is None)
    assert proven >= 100


def test_schedule_passes_the_checker_and_matches_the_objective():
    problem = JointProblem([get_model("googlenet")] * 5, make_platform("rpi4", "gtx1080", "4g"))
    res = solve(problem, "mip-joint-ideals")
    assert res.status == "optimal"
    assert not violations(res.problem, res.timing)
    assert res.makespan == res.objective == res.bound
    assert len(res.partitions) == 5


@pytest.mark.parametrize("network", NETWORKS)
@pytest.mark.parametrize("n_jobs", [1, 2, 7, 30])
def test_equals_mip_joint_chain_on_alexnet(network, n_jobs):
    problem = JointProblem([get_model("alexnet")] * n_jobs, make_platform("rpi4", "gtx1080", network))
    ours = solve(problem, "mip-joint-ideals")
    chain = solve(problem, "mip-joint-chain", time_limit=30)
    assert ours.status == chain.status == "optimal"
    assert ours.makespan == chain.makespan


def test_one_job_is_the_best_single_ideal():
    dnn = get_model("resnet18")
    problem = JointProblem([dnn], make_platform("rpi4", "gtx1080", "wifi"))
    res = solve(problem, "mip-joint-ideals")
    best = min(solve(problem.dag([Partition(dnn, m)]), "dp-ideals").makespan
               for m in (np.array([bool(i >> v & 1) for v in range(len(dnn))]) for i in enumerate_ideals(dnn)))
    assert res.status == "optimal" and res.makespan == best


@pytest.mark.slow
@pytest.mark.parametrize("model,n_jobs", [("alexnet", 1), ("alexnet", 4), ("alexnet", 10), ("googlenet", 1),
                                          ("randwire", 1), ("mobilenet_v2", 2)])
def test_equals_cpsat_joint_where_it_proves(model, n_jobs):
    """Every quick-suite joint instance that cpsat-joint proves (AlexNet x 1 / 4 / 10, GoogLeNet and
    RandWire x 1, at each network), and MobileNetV2 x 2."""
    proven = 0
    for network in NETWORKS:
        problem = JointProblem([get_model(model)] * n_jobs, make_platform("rpi4", "gtx1080", network))
        ours = solve(problem, "mip-joint-ideals")
        assert ours.status == "optimal"
        cp = solve(problem, "cpsat-joint", time_limit=20, workers=1)
        assert cp.makespan >= ours.makespan
        if cp.status == "optimal":
            proven += 1
            assert cp.makespan == ours.makespan
    assert proven >= 1


def test_at_most_k_partition_types():
    problem = JointProblem([get_model("googlenet")] * 6, make_platform("rpi4", "gtx1080", "4g"))
    free = solve(problem, "mip-joint-ideals")
    one = solve(problem, "mip-joint-ideals", max_types=1)
    wide = solve(problem, "mip-joint-ideals", max_types=6)
    assert one.status == free.status == wide.status == "optimal"
    assert len({p.local.tobytes() for p in one.partitions}) == 1
    assert one.makespan >= free.makespan == wide.makespan
    with pytest.raises(ValidationError, match="max_types"):
        solve(problem, "mip-joint-ideals", max_types=0)


def test_remote_models_other_than_negligible_are_proven():
    platform = make_platform("rpi4", "gtx1080", "4g")
    jobs = [get_model("googlenet")] * 3
    negligible = solve(JointProblem(jobs, platform), "mip-joint-ideals")
    for model in ("serial", "parallel"):
        res = solve(JointProblem(jobs, platform, remote_model=model), "mip-joint-ideals")
        assert res.status == "optimal" and res.bound == res.makespan >= negligible.makespan


def test_too_many_ideals_names_the_count_and_the_limit():
    problem = JointProblem([get_model("googlenet")] * 2, make_platform("rpi4", "gtx1080", "4g"))
    with pytest.raises(SizeLimitError, match=r"496 partitions.*max_ideals=100"):
        solve(problem, "mip-joint-ideals", max_ideals=100)
    assert count_ideals(get_model("randwire"), stop=1000) == 1000


def test_not_series_parallel_without_bracket_is_refused():
    problem = JointProblem([get_model("randwire")], make_platform("rpi4", "gtx1080", "wifi"))
    with pytest.raises(ValidationError, match="not series-parallel.*bracket=True"):
        solve(problem, "mip-joint-ideals", bracket=False)


def test_randwire_is_bracketed_or_proven():
    problem = JointProblem([get_model("randwire")] * 2, make_platform("rpi4", "gtx1080", "wifi"))
    res = solve(problem, "mip-joint-ideals")
    assert res.status in ("optimal", "feasible")
    assert res.bound <= res.makespan
    assert not res.info["series_parallel"]


def test_a_time_limit_is_a_result():
    problem = JointProblem([get_model("randwire")] * 10, make_platform("rpi4", "gtx1080", "wifi"))
    res = solve(problem, "mip-joint-ideals", time_limit=0.01)
    assert res.status in ("feasible", "optimal")
    assert res.makespan is not None and res.bound <= res.makespan


TINY_JOINT = """
    name = "tinyjoint"
    [report]
    sections = ["offloadsched.report.partitions:partition_types_section"]
    [[row]]
    family = "identical"
    group = "zoo: GoogLeNet"
    model = "googlenet"
    jobs = [1, 6]
    network = "4g"
    methods = ["lo", "mip-joint-ideals"]
"""


def test_report_section_lists_the_partitions_of_the_optima(tmp_path):
    from offloadsched.report.render import Bullets, Heading, Table

    from .test_bench_helpers import suite_report

    doc = suite_report(tmp_path, TINY_JOINT, "tinyjoint")
    heads = [b.text for b in doc.blocks if isinstance(b, Heading)]
    assert "Partition types in the joint optima" in heads
    table = next(b for b in doc.blocks if isinstance(b, Table) and "partitions per DNN" in b.headers)
    assert len(table.rows) == 2
    assert all(r[2].startswith("googlenet ") and r[4] == "496" for r in table.rows)
    claim = next(b for b in doc.blocks if isinstance(b, Bullets) and "two-partition-types" in " ".join(b.items))
    assert "not enough" in " ".join(claim.items)


@pytest.mark.parametrize("seed", range(20))
def test_own_slopes_are_below_every_count(seed):
    """The cut ``Z >= r_i x_i + w_rtt``: ``k`` jobs on option ``i`` alone end their uploads no earlier
    than ``r_i k`` for every ``k`` up to the cap, and exactly then at the cap."""
    from dataclasses import replace

    from offloadsched.formulations._modules import catalogue, module_table

    rng = np.random.default_rng(seed)
    dnn = random_dnn(int(rng.integers(3, 7)), seed, ("sp", "tree", "chain")[seed % 3])
    f = rng.integers(0, 10, len(dnn)).astype(np.int64)
    u = rng.integers(1, 10, len(dnn)).astype(np.int64)
    cat = catalogue(dnn, f, u)
    table = module_table([cat], [np.arange(len(cat.ideals))], "upper")
    uploads = replace(table, load=np.zeros_like(table.load))  # value() = last upload end (rtt 0)
    cap = int(rng.integers(1, 8))
    slopes = table.own_slopes(np.full(table.n_options, cap))
    for i in range(table.n_options):
        x = np.zeros(table.n_options, dtype=np.int64)
        for k in range(1, cap + 1):
            x[i] = k
            assert uploads.value(x) >= slopes[i] * k - 1e-6, (i, k)
        assert uploads.value(x) == pytest.approx(slopes[i] * cap) or slopes[i] == 0

