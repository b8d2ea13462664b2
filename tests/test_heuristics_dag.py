"""DAG-shop heuristics: tree-merge (seed 001 Alg. 5), topo-johnson (Alg. 4), path-johnson, dsl."""

from __future__ import annotations

import heapq
import random
import time

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from offloadsched import DagProblem, FmProblem, SizeLimitError, ValidationError, evaluate, solve
from offloadsched.heuristics._common import johnson_key, johnson_order, stage_order
from offloadsched.heuristics._eja_paths import eja_path_priority
from offloadsched.heuristics._paths import _components, first_by_dp, signatures
from offloadsched.heuristics.topo_johnson import topo_johnson_order
from offloadsched.paths import dag_paths, execute_path_order, path_times

from .path_oracle import enumerated_eja_schedule, first_by_listing
from .strategies import dag_problems


def test_fig14_tree_merge(fig14):
    res = solve(fig14, "tree-merge", return_trace=True)
    assert res.info["elements"] == [(3, 3), (3, 2), (2, 1)]
    assert res.info["groups"] == [[0, 1, 2], [4], [3]]
    assert [fig14.names[v] for v in res.schedule["local"]] == ["v0", "v1", "v2", "v4", "v3"]


def test_tree_merge_refuses_a_join():
    # a -> b, a -> c, (b, c) -> d all local: d has two parents
    p = DagProblem(f=[1, 1, 1, 1, 0], u=[0, 0, 0, 2, 0], r=[0] * 5, local=[1, 1, 1, 1, 0],
                   preds=[[], [0], [0], [1, 2], [3]], names=["a", "b", "c", "d", "out"])
    with pytest.raises(ValidationError, match="not an out-tree: node 'd' has 2 parents \\('b', 'c'\\)"):
        solve(p, "tree-merge")
    # a remote join is fine: only the local graph must be a tree
    q = DagProblem(f=[1, 1, 1, 0], u=[0, 3, 2, 0], r=[0] * 4, local=[1, 1, 1, 0], preds=[[], [0], [0], [1, 2]])
    assert solve(q, "tree-merge").schedule["local"].tolist() == [0, 1, 2]


def test_topo_johnson_hand_example():
    # v0 -> v1, v2; (v1, v2) -> v3 local; cut-points v2 (g 5) and v3 (g 1) upload to remote r
    p = DagProblem(f=[1, 2, 1, 1, 0], u=[0, 0, 5, 1, 0], r=[0] * 5, local=[1, 1, 1, 1, 0],
                   preds=[[], [0], [0], [1, 2], [2, 3]])
    # rounds: {v3}, then {v1 (2, 0), v2 (1, 5)}: v2 is communication-heavy and goes first, then {v0}
    assert topo_johnson_order(p) == [0, 2, 1, 3]
    with pytest.raises(ValidationError, match="needs a DAG problem"):
        topo_johnson_order(FmProblem([[1, 2]]))


@st.composite
def forest_problems(draw, max_n: int = 9, max_t: int = 9, remote_models=("negligible",)) -> DagProblem:
    """Local out-forests (several jobs or roots) with cut-points anywhere, remote nodes after."""
    n = draw(st.integers(1, max_n))
    parent = [draw(st.integers(-1, v - 1)) if v else -1 for v in range(n)]
    cut = [draw(st.booleans()) for _ in range(n)]
    if not any(cut):
        cut[-1] = True
    rem = [v for v in range(n) if cut[v]]
    t = st.integers(0, max_t)
    preds = [[p] if p >= 0 else [] for p in parent] + [[v] for v in rem]
    size = n + len(rem)
    return DagProblem(f=[draw(t) for _ in range(n)] + [0] * len(rem), u=[draw(t) for _ in range(size)],
                      r=[draw(t) for _ in range(size)], local=[1] * n + [0] * len(rem), preds=preds,
                      remote_model=draw(st.sampled_from(remote_models)))


def _tree_merge_reference(p: DagProblem) -> list[int]:
    """Seed 001 Alg. 5 transcribed: lists of [f, g, nodes], heads compared by (Johnson key, child)."""
    g = np.where(p.cut, p.u, 0).tolist()
    f = p.f.tolist()
    kids = {v: [s for s in p.succs[v] if p.local[s]] for v in p.local_nodes.tolist()}

    def merge(lists):
        heap = [(johnson_key(lst[0][0], lst[0][1]), i, 0) for i, lst in enumerate(lists)]
        heapq.heapify(heap)
        out = []
        while heap:
            _, i, k = heapq.heappop(heap)
            out.append(list(lists[i][k]))
            if k + 1 < len(lists[i]):
                nxt = lists[i][k + 1]
                heapq.heappush(heap, (johnson_key(nxt[0], nxt[1]), i, k + 1))
        return out

    lists = {}
    for v in reversed(p.local_nodes.tolist()):
        if kids[v]:
            lst = merge([lists[c] for c in kids[v]])
            lst[0] = [lst[0][0] + f[v], lst[0][1] + g[v], [v] + lst[0][2]]
        else:
            lst = [[f[v], g[v], [v]]]
        lists[v] = lst
    roots = [v for v in p.local_nodes.tolist() if not p.preds[v]]
    return [v for _, _, nodes in merge([lists[r] for r in roots]) for v in nodes] if roots else []


@given(forest_problems(max_n=14, max_t=6))
def test_tree_merge_equals_alg5_transcription(p):
    assert solve(p, "tree-merge").schedule["local"].tolist() == _tree_merge_reference(p)


@given(forest_problems(max_n=6, remote_models=("negligible", "serial", "parallel")))
def test_layer_heuristics_on_forests_valid_and_above_optimum(p):
    try:
        opt = solve(p, "bruteforce").makespan
    except SizeLimitError:  # e.g. five local roots, five uploads and five serial remote ops: 120^3 candidates
        assume(False)
    for method in ("tree-merge", "topo-johnson", "path-johnson"):
        res = solve(p, method)  # the core checker always runs
        assert res.makespan >= opt >= res.lower_bound, method


def _is_linear_extension(p: DagProblem, order) -> bool:
    pos = {v: k for k, v in enumerate(order)}
    return sorted(order) == p.local_nodes.tolist() and all(
        pos[q] < pos[v] for v in order for q in p.preds[v])


@given(dag_problems(max_n=8))
def test_dag_heuristics_valid_and_above_optimum(p):
    opt = solve(p, "bruteforce").makespan
    for method in ("topo-johnson", "path-johnson", "dsl"):
        res = solve(p, method)
        assert _is_linear_extension(p, res.schedule["local"].tolist()), method
        assert res.makespan >= opt >= res.lower_bound, method


def _random_dag(rng: random.Random, n: int, copies: int) -> DagProblem:
    preds = [sorted(rng.sample(range(v), min(v, rng.randint(0, 2)))) if v else [] for v in range(n)]
    local: list[bool] = []
    for v in range(n):
        local.append(all(local[q] for q in preds[v]) and rng.random() < 0.75)
    f, u = [rng.randint(0, 9) for _ in range(n)], [rng.randint(0, 9) for _ in range(n)]
    return DagProblem(f=f * copies, u=u * copies, r=[0] * n * copies, local=local * copies,
                      preds=[[q + c * n for q in ps] for c in range(copies) for ps in preds],
                      job=[c for c in range(copies) for _ in range(n)])


def test_path_johnson_local_prefixes_equal_full_paths():
    """Johnson on distinct local prefixes (identical jobs once) by dynamic programming gives the
    local order of the full path list (core dag_paths + execute_path_order), and the first items
    of the listed prefixes (the oracle)."""
    rng = random.Random(7)
    for _ in range(400):
        p = _random_dag(rng, rng.randint(1, 11), rng.randint(1, 3))
        paths = dag_paths(p)
        t = path_times(p, paths)
        ref = execute_path_order(p, paths, johnson_order(t[:, 0], t[:, 1]).tolist())["local"].tolist()
        res = solve(p, "path-johnson")
        assert res.schedule["local"].tolist() == ref
        assert res.info["paths"] <= len(paths)
        comps = _components(p)
        for sig in signatures(p, comps):
            assert first_by_dp(sig) == first_by_listing(sig)[0]


def _random_full_dag(rng: random.Random, n: int, copies: int, top: int, model: str) -> DagProblem:
    """``copies`` identical jobs: a random DAG (sources allowed anywhere), random ideal local."""
    preds = [sorted(rng.sample(range(v), min(v, rng.randint(0 if rng.random() < 0.2 else 1, 3)))) if v else []
             for v in range(n)]
    share, local = rng.random(), []
    for v in range(n):
        local.append(all(local[q] for q in preds[v]) and rng.random() < share)
    f, u, r = ([rng.randint(0, top) for _ in range(n)] for _ in range(3))
    return DagProblem(f=f * copies, u=u * copies, r=r * copies, local=local * copies,
                      preds=[[q + c * n for q in ps] for c in range(copies) for ps in preds],
                      job=[c for c in range(copies) for _ in range(n)], remote_model=model)


@pytest.mark.parametrize("top", [2, 9, 100])
def test_eja_first_appearances_equal_the_listed_paths(top):
    """The EJA order by dynamic programming ranks every layer (remote ones included) as its first
    appearance in the EJA-sorted full path list, ties (small times) included; the schedule of
    path-johnson is the oracle's with the round-trip tail moved."""
    rng = random.Random(top)
    for _ in range(300):
        p = _random_full_dag(rng, rng.randint(1, 12), rng.randint(1, 3), top, rng.choice(["serial", "parallel"]))
        paths = dag_paths(p)
        first: dict[int, int] = {}
        for k in stage_order(path_times(p, paths)).tolist():
            for v in paths[k]:
                first.setdefault(v, len(first))
        got = eja_path_priority(p, remote_items=True)
        assert sorted(got, key=got.__getitem__) == sorted(first, key=first.__getitem__)
        ref = enumerated_eja_schedule(p)
        res = solve(p, "path-johnson")
        assert res.schedule["local"].tolist() == ref["local"].tolist()
        for machine in ("uplink", "remote") if p.remote_model == "serial" else ("uplink",):
            assert res.schedule[machine].tolist() == ref[machine].tolist()


def test_path_johnson_on_exponentially_many_paths():
    # nine width-4 diamonds in series, all local but the last node: 4^9 paths, never listed
    preds, n = [[]], 1
    for _ in range(9):
        preds += [[n - 1]] * 4 + [list(range(n, n + 4))]
        n += 5
    preds.append([n - 1])
    rng = np.random.default_rng(0)
    p = DagProblem(f=rng.integers(1, 9, n + 1), u=rng.integers(1, 9, n + 1), r=[0] * (n + 1),
                   local=[1] * n + [0], preds=preds)
    res = solve(p, "path-johnson")
    assert res.info["paths"] == 4**9
    serial = DagProblem(f=p.f, u=p.u, r=rng.integers(1, 9, n + 1), local=p.local, preds=preds, remote_model="serial")
    res = solve(serial, "path-johnson")
    assert res.info["paths"] == 4**9 and res.info["rule"] == "eja"


def test_path_johnson_identical_jobs_listed_once():
    rng = random.Random(3)
    p = _random_dag(rng, 10, 50)
    res = solve(p, "path-johnson")
    assert res.info["distinct_paths"] * 50 == res.info["paths"]


def test_path_johnson_eja_uses_full_paths():
    p = DagProblem(f=[1, 2, 3, 0], u=[9, 4, 5, 0], r=[0, 0, 0, 6], local=[1, 1, 1, 0],
                   preds=[[], [0], [0], [1, 2]], remote_model="serial")
    res = solve(p, "path-johnson")
    assert res.info["rule"] == "eja" and res.info["path_items"] == "full paths" and res.info["paths"] == 2
    # path times (3, 4, 6) and (4, 5, 6): both in H, by increasing p1 + p2
    assert res.schedule["local"].tolist() == [0, 1, 2]
    assert solve(p, "path-johnson", rule="johnson").info["path_items"] == "local prefixes"
    with pytest.raises(ValidationError, match="unknown rule 'neh'"):
        solve(p, "path-johnson", rule="neh")


def test_dsl_on_dag_reports_no_overlap(fig14):
    res = solve(fig14, "dsl")
    assert res.info["no_overlap_makespan"] == 8 + 6
    assert res.schedule["local"].tolist() == [0, 1, 2, 3, 4]


def _caterpillar(spine: int) -> DagProblem:
    """A spine of ``spine`` local nodes, each with a local leaf that uploads to a remote child."""
    preds: list[list[int]] = []
    for i in range(spine):
        preds.append([2 * i - 2] if i else [])  # spine node 2i
        preds.append([2 * i])  # leaf 2i + 1
    n = len(preds)
    preds += [[2 * i + 1] for i in range(spine)]
    rng = np.random.default_rng(1)
    return DagProblem(f=np.r_[rng.integers(1, 50, n), np.zeros(spine, int)],
                      u=np.r_[rng.integers(0, 50, n), np.zeros(spine, int)], r=np.zeros(n + spine, int),
                      local=[1] * n + [0] * spine, preds=preds)


def test_tree_merge_deep_tree_is_iterative_and_fast():
    p = _caterpillar(15_000)  # depth 15 000: a recursive merge or list copies per level would not do
    t0 = time.perf_counter()
    order = solve(p, "tree-merge").schedule["local"]
    assert time.perf_counter() - t0 < 5
    assert evaluate(p, order).makespan >= int(p.f.sum())
