"""Joint partitioning and scheduling heuristics: lo, co, neurosurgeon, po (DADS), jps, hps, dsl,
and seed 001's sufficient conditions."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

from offloadsched import DNN, JointProblem, Layer, Partition, Platform, SizeLimitError, ValidationError, chain, solve
from offloadsched.heuristics import chain_conditions
from offloadsched.heuristics._common import chain_curves
from offloadsched.heuristics.jps import (
    MAX_DNN_LAYERS,
    MAX_TOTAL_LAYERS,
    binary_search_cut,
    chain_cut,
    dag_path_cuts,
    path_partitions,
)
from offloadsched.heuristics.po import dads_partition

from .path_oracle import enumerated_path_cuts

#: f (µs) = flops, u (µs) = out_bytes, remote time = flops / 10
UNIT = Platform(r_loc=1e6, r_rem=1e7, bandwidth=8e6, w_msg=0.0, name="unit")
JOINT = ("lo", "co", "neurosurgeon", "po", "jps", "hps", "dsl")


def _layer(name: str, flops: int, out: int, kind: str = "conv") -> Layer:
    return Layer(name, "input" if name == "in" else kind, flops, out)


def random_chain(rng: random.Random, n: int, name: str = "chain") -> DNN:
    return chain(name, [_layer("in", 0, rng.randint(20, 60))]
                 + [_layer(f"l{i}", rng.randint(1, 30), rng.randint(1, 40)) for i in range(1, n)])


def random_dag(rng: random.Random, n: int, name: str = "dag") -> DNN:
    """Input 0, output n - 1, each inner node fed by 1-2 earlier nodes; dangling nodes feed the output."""
    edges = set()
    for v in range(1, n - 1):
        for p in rng.sample(range(v), min(v, rng.randint(1, 2))):
            edges.add((p, v))
    has_succ = {p for p, _ in edges}
    for v in range(n - 1):
        if v not in has_succ or rng.random() < 0.2:
            edges.add((v, n - 1))
    layers = [_layer("in", 0, rng.randint(20, 60))] + [
        _layer(f"l{i}", rng.randint(1, 30), rng.randint(1, 40)) for i in range(1, n)]
    return DNN(name, layers, [(layers[a].name, layers[b].name) for a, b in sorted(edges)])


def _instances():
    rng = random.Random(11)
    for k in range(24):
        make = random_chain if k % 2 else random_dag
        a, b = make(rng, rng.randint(3, 8), "a"), make(rng, rng.randint(3, 8), "b")
        jobs = [a] * rng.randint(1, 4) + ([b] if k % 3 == 0 else [])
        yield JointProblem(jobs, UNIT, remote_model=("negligible", "serial", "parallel")[k % 3])


@pytest.mark.parametrize("method", JOINT)
def test_joint_methods_valid(method):
    for jp in _instances():
        res = solve(jp, method)  # the core checker always runs on problem D
        assert len(res.partitions) == len(jp.jobs)
        assert all(isinstance(p, Partition) and p.dnn is d for p, d in zip(res.partitions, jp.jobs))
        assert res.makespan >= res.lower_bound > 0
        assert res.problem.n_jobs == len(jp.jobs)


def test_lo_and_co():
    rng = random.Random(2)
    d = random_dag(rng, 7)
    jp = JointProblem([d, d, d], UNIT)
    lo = solve(jp, "lo")
    assert lo.makespan == 3 * int(UNIT.local_times(d).sum())
    co = solve(jp, "co")
    assert all(p.is_cloud_only for p in co.partitions)
    assert co.makespan == 3 * int(UNIT.upload_times(d)[0])  # negligible remote: three raw uploads


def test_neurosurgeon_takes_each_jobs_best_single_cut():
    rng = random.Random(5)
    for _ in range(30):
        d = random_chain(rng, rng.randint(2, 9))
        jp = JointProblem([d, d], UNIT, remote_model="serial")
        f, u, r = jp.times[0]
        costs = [int(f[: k + 1].sum() + (u[k] if k < len(d) - 1 else 0) + r[k + 1:].sum()) for k in range(len(d))]
        res = solve(jp, "neurosurgeon")
        k = int(res.partitions[0].local.sum()) - 1
        assert costs[k] == min(costs) and k == costs.index(min(costs))


def _closed_sets(d: DNN):
    for bits in itertools.product([False, True], repeat=len(d) - 1):
        mask = np.array((True,) + bits)
        if all(mask[p] for v in np.flatnonzero(mask) for p in d.preds[v]):
            yield mask


def _latency(d: DNN, mask: np.ndarray, f, u, r) -> int:
    cuts = [v for v in np.flatnonzero(mask) if any(not mask[s] for s in d.succs[v])]
    return int(f[mask].sum() + u[cuts].sum() + r[~mask].sum())


def test_dads_min_cut_is_the_best_closed_partition():
    rng = random.Random(9)
    for _ in range(25):
        d = random_dag(rng, rng.randint(3, 9))
        jp = JointProblem([d], UNIT, remote_model="serial")
        f, u, r = jp.times[0]
        part = dads_partition(d, f, u, r)
        best = min(_latency(d, m, f, u, r) for m in _closed_sets(d))
        assert _latency(d, part.local, f, u, r) == best


def test_jps_two_cut_types_in_the_papers_ratio():
    # F = [0, 2, 6, 12], G = [10, 5, 3, 0]: l* = layer 2 (6 >= 3), l* - 1 = layer 1,
    # ratio = floor((6 - 3) / (5 - 2)) = 1: half the jobs cut after l1, half after l2
    d = chain("toy", [_layer("in", 0, 10), _layer("l1", 2, 5), _layer("l2", 4, 3), _layer("l3", 6, 1)])
    assert chain_cut(*JointProblem([d], UNIT).times[0][:2]) == (1, 2, 1)
    jp = JointProblem([d] * 10, UNIT)
    res = solve(jp, "jps")
    cuts = [int(p.local.sum()) - 1 for p in res.partitions]
    assert cuts == [1] * 5 + [2] * 5
    # Johnson: (2, 5) jobs are communication-heavy and go first, then the (6, 3) jobs
    assert res.schedule["local"][:4].tolist() == [0, 1, 4, 5]
    # local ends 2, 4, .., 10, then 16, .., 40; uploads end 7, 12, .., 27, then 30, .., 39 and 43
    assert res.makespan == 43


def test_binary_search_equals_leftmost_crossing_and_dfs_walk():
    rng = random.Random(4)
    for _ in range(200):
        d = random_chain(rng, rng.randint(2, 12))
        f, u, _ = JointProblem([d], UNIT).times[0]
        F, G, cand = chain_curves(f, u)
        k, _ = binary_search_cut(F[cand], G[cand])
        assert k == next(i for i in range(len(cand)) if F[cand[i]] >= G[cand[i]])
        c1, c2, ratio = chain_cut(f, u)
        assert enumerated_path_cuts(d, f, u) == [(c1, c2, ratio)]
        cuts = dag_path_cuts(d, f, u)  # the DAG passes on a chain: l* - 1's closure, l* with the ratio
        assert cuts.first_crossing == {c2: ratio}
        assert max(cuts.uncrossed, default=None) == c1


def test_path_partitions_are_predecessor_closed():
    # in -> a -> c, in -> b -> c, c -> out: the path (in, a, c) cut after c needs b too
    layers = [_layer("in", 0, 100), _layer("a", 1, 90), _layer("b", 1, 90), _layer("c", 50, 1), _layer("out", 5, 1)]
    d = DNN("join", layers, [("in", "a"), ("in", "b"), ("a", "c"), ("b", "c"), ("c", "out")])
    parts, info = path_partitions(JointProblem([d], UNIT))
    assert parts[0].local_names == ["in", "a", "b", "c"] and info["partition_types"] == [1]


def test_hps_picks_tree_merge_or_topo_johnson():
    branchy = DNN("tree", [_layer("in", 0, 100), _layer("a", 5, 2), _layer("b", 5, 2), _layer("out", 1, 1)],
                  [("in", "a"), ("in", "b"), ("a", "out"), ("b", "out")])
    assert solve(JointProblem([branchy] * 2, UNIT), "hps").info["scheduler"] == "tree-merge"
    join = DNN("join", [_layer("in", 0, 100), _layer("a", 1, 90), _layer("b", 1, 90), _layer("c", 50, 1),
                        _layer("out", 5, 1)], [("in", "a"), ("in", "b"), ("a", "c"), ("b", "c"), ("c", "out")])
    assert solve(JointProblem([join, branchy], UNIT), "hps").info["scheduler"] == "topo-johnson"


def test_jps_and_hps_ceilings_and_time_limit():
    big = JointProblem([random_chain(random.Random(0), 5)] * (MAX_TOTAL_LAYERS // 5 + 1), UNIT)
    for method in ("jps", "hps"):
        with pytest.raises(SizeLimitError, match=f"{method}: .* above the ceiling {MAX_TOTAL_LAYERS}"):
            solve(big, method)
    deep = chain("deep", [_layer("in", 0, 10)] + [_layer(f"l{i}", 1, 1) for i in range(MAX_DNN_LAYERS)])
    with pytest.raises(SizeLimitError, match="DNN 'deep' has 10001 layers"):
        solve(JointProblem([deep], UNIT), "jps")
    # a clock that has run out: every job stays local, the layers run FIFO, and info says so
    rng = random.Random(3)
    jp = JointProblem([random_dag(rng, 9, "a"), random_dag(rng, 7, "b")], UNIT, remote_model="serial")
    for method in ("jps", "hps"):
        res = solve(jp, method, time_limit=1e-9)
        assert "time limit" in res.info["stopped"] and all(p.local.all() for p in res.partitions)
        assert res.schedule["local"].tolist() == list(range(16))


def test_joint_methods_reject_other_problems(fig4):
    with pytest.raises(ValidationError, match="does not accept fm"):
        solve(fig4, "jps")
    with pytest.raises(ValidationError, match="unknown rule"):
        solve(JointProblem([random_chain(random.Random(0), 4)], UNIT), "jps", rule="fifo")


def test_dsl_joint_is_dads_without_overlap():
    rng = random.Random(8)
    d = random_dag(rng, 8)
    jp = JointProblem([d] * 3, UNIT, remote_model="serial")
    dsl, po = solve(jp, "dsl"), solve(jp, "po")
    assert [p.local.tolist() for p in dsl.partitions] == [p.local.tolist() for p in po.partitions]
    f, u, r = jp.times[0]
    assert dsl.info["no_overlap_makespan"] == 3 * _latency(d, dsl.partitions[0].local, f, u, r)
    assert dsl.info["no_overlap_makespan"] >= dsl.makespan


def test_chain_conditions():
    # F = [0, 3, 20], G = [20, 3, 0]: M = layer 1; 3 f_M = 9 < 0 + 20 + 0 and 3 g_M = 9 < 0 + 20 + 0
    d = chain("t2", [_layer("in", 0, 20), _layer("l1", 3, 3), _layer("l2", 17, 1)])
    c = chain_conditions(d, UNIT)
    assert (c.cuts, c.f, c.g, c.m, c.m_prev) == ([0, 1, 2], [0, 3, 20], [20, 3, 0], 1, 0)
    assert c.theorem2 and c.corollary1_k == [1] and not c.theorem3
    # F = [0, 2, 4, 9], G = [6, 4, 2, 0]: l* = 2, f(1) + f(2) = g(1) + g(2) = 6, g(1) = f(2) = 4
    d3 = chain("t3", [_layer("in", 0, 6), _layer("l1", 2, 4), _layer("l2", 2, 2), _layer("l3", 5, 1)])
    c3 = chain_conditions(d3, UNIT)
    assert c3.theorem3 and not c3.theorem2 and c3.corollary1_k == [] and c3.m == 2
    assert chain_conditions(d3, UNIT, window=(1, 3)).cuts == [1, 2, 3]
    # an upload that grows is clustered into a virtual block: layer 2 is not a candidate cut
    d4 = chain("t4", [_layer("in", 0, 9), _layer("l1", 1, 5), _layer("l2", 1, 7), _layer("l3", 5, 1)])
    c4 = chain_conditions(d4, UNIT)
    assert c4.cuts == [0, 1, 3] and not c4.g_nonincreasing
    with pytest.raises(ValidationError, match="not a chain"):
        chain_conditions(random_dag(random.Random(3), 8), UNIT)
    with pytest.raises(ValidationError, match="no candidate cut"):
        chain_conditions(d4, UNIT, window=(2, 2))
