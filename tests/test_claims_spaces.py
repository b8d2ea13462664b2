"""Instance families of the claims engine: enumeration counts, shapes, validity under mutation."""

from __future__ import annotations

import itertools
import math

import networkx as nx
import numpy as np
import pytest

from offloadsched import Partition, build_j2
from offloadsched.claims.catalog import _as_one_chain, _dominate, _dominated, _one_chain
from offloadsched.claims.spaces import (
    UNIT_PLATFORM,
    ChainSpace,
    FlowSpace,
    SPSpace,
    TreeSpace,
    canonical_tree,
    chain_fg,
    sp_normal,
    sp_problem,
    sp_shapes,
)


def test_series_parallel_poset_counts():
    """Unlabelled series-parallel (N-free) posets: 1, 2, 5, 15, 48 (OEIS A003430)."""
    assert [len(sp_shapes(k)) for k in range(1, 6)] == [1, 2, 5, 15, 48]


def _closure(preds: list[tuple[int, ...]]) -> list[set[int]]:
    below: list[set[int]] = []
    for ps in preds:
        s = set(ps)
        for p in ps:
            s |= below[p]
        below.append(s)
    return below


def test_sp_graphs_are_n_free_and_sinks_upload():
    """A poset is series-parallel iff it has no induced N (a < b > c < d, other pairs incomparable)."""
    for k in range(1, 6):
        for shape in sp_shapes(k):
            dag = sp_problem(sp_normal(shape))
            local = dag.local_nodes.tolist()
            below = _closure([tuple(p for p in dag.preds[v] if dag.local[p]) for v in local])  # local = 0..k-1
            less = {(x, y) for y in local for x in below[y]}
            inc = {(x, y) for x in local for y in local if (x, y) not in less and (y, x) not in less}
            for a, b, c, d in itertools.permutations(local, 4):
                n_shape = {(a, b), (c, b), (c, d)} <= less and {(a, c), (a, d), (b, d)} <= inc
                assert not n_shape
            sinks = [v for v in local if not any(dag.local[s] for s in dag.succs[v])]
            assert all(dag.cut[v] for v in sinks)


def _classes(problems) -> int:
    """Number of isomorphism classes of the local graphs with their (f, u, cut) labels."""
    graphs = []
    for dag in problems:
        g = nx.DiGraph()
        for v in dag.local_nodes.tolist():
            g.add_node(v, label=(int(dag.f[v]), int(dag.u[v]) if dag.cut[v] else 0, bool(dag.cut[v])))
            g.add_edges_from((p, v) for p in dag.preds[v] if dag.local[p])
        graphs.append(g)
    reps: dict[tuple, list[nx.DiGraph]] = {}
    for g in graphs:  # bucket by an invariant, then test isomorphism within the bucket
        key = tuple(sorted((d["label"], g.in_degree(v), g.out_degree(v)) for v, d in g.nodes(data=True)))
        bucket = reps.setdefault(key, [])
        if not any(nx.is_isomorphic(g, r, node_match=lambda a, b: a["label"] == b["label"]) for r in bucket):
            bucket.append(g)
    return sum(map(len, reps.values()))


@pytest.mark.parametrize("leaf_cuts", [True, False])
def test_tree_enumeration_is_every_tree_once(leaf_cuts):
    fam = TreeSpace(leaf_cuts=leaf_cuts, stages=((3, 1),))
    genomes = list(fam.enumerate())
    assert fam.enumeration_space()["genomes"] == len(genomes) == len(set(genomes))
    # every labelled tree (parent arrays with parent[v] < v, times 0..1) is isomorphic to exactly one
    labelled = set()
    for k in range(1, 4):
        for parents in itertools.product(*(range(v) for v in range(1, k))):
            par = (-1,) + parents
            for x in itertools.product(range(2), repeat=3 * k):
                labelled.add(fam.normal([(par[v], x[3 * v], x[3 * v + 1], bool(x[3 * v + 2])) for v in range(k)]))
    assert {canonical_tree(g) for g in labelled} == set(genomes)
    assert _classes([fam.build(g) for g in genomes]) == len(genomes)
    for g in genomes:
        dag = fam.build(g)
        local = dag.local_nodes.tolist()
        assert all(len([p for p in dag.preds[v] if dag.local[p]]) <= 1 for v in local)
        leaves = {v for v in local if not any(dag.local[s] for s in dag.succs[v])}
        assert leaves <= set(dag.cut_nodes.tolist())
        assert not leaf_cuts or set(dag.cut_nodes.tolist()) == leaves


def test_sp_enumeration_is_every_graph_once():
    fam = SPSpace(stages=((3, 1),))
    genomes = list(fam.enumerate())
    assert fam.enumeration_space()["genomes"] == len(genomes) == len(set(genomes))
    assert _classes([fam.build(g) for g in genomes]) == len(genomes)


def test_flow_enumeration_counts():
    fam = FlowSpace(stages=((2, 1), (3, 0)))
    assert fam.enumeration_space()["genomes"] == 4 + math.comb(5, 2) + 1
    few = FlowSpace(machines=3, stages=((1, 1),), few_types=(3, 1))
    genomes = list(few.enumerate())
    # 8 single jobs; then 2..3 jobs of one kind (8 each) or two kinds (C(8, 2) pairs x (n - 1) splits)
    assert len(genomes) == len(set(genomes)) == 8 + 2 * 8 + math.comb(8, 2) * (1 + 2)


@pytest.mark.parametrize("valid,repair", [(_dominated, _dominate), (_one_chain, _as_one_chain)])
def test_mutations_and_shrinks_stay_in_scope(valid, repair):
    fam = FlowSpace(machines=3 if valid is _dominated else 2, valid=valid, repair=repair, max_jobs=6)
    rng = np.random.default_rng(0)
    g = fam.sample(rng)
    for _ in range(500):
        assert valid(g)
        for s in itertools.islice(fam.shrink(g), 20):
            assert valid(s) and fam.size(s) < fam.size(g)
        g = fam.mutate(g, rng) or g


@pytest.mark.parametrize("fam", [TreeSpace(leaf_cuts=False), SPSpace(), ChainSpace(), ChainSpace(convex=False)])
def test_random_walks_build_and_shrink(fam):
    rng = np.random.default_rng(1)
    g = fam.sample(rng)
    for _ in range(300):
        fam.build(g)
        for s in itertools.islice(fam.shrink(g), 10):
            fam.build(s)
            assert fam.size(s) < fam.size(g)
        g = fam.mutate(g, rng) or g


def test_chain_genome_matches_the_core_j2():
    """f(l) = sum of the layers' FLOPs, g(l) = the cut layer's output (0 local-only), on the unit platform."""
    fam = ChainSpace(convex=False)
    genome = (3, (2, 0, 5), (7, 4, 9))
    joint = fam.build(genome)
    f, g = chain_fg(genome)
    assert (f, g) == ([0, 2, 2, 7], [7, 4, 9, 0])
    dnn = joint.jobs[0]
    j2 = build_j2([dnn] * 4, UNIT_PLATFORM, [Partition.chain_cut(dnn, c) for c in range(4)])
    assert j2.a.tolist() == f and j2.b.tolist() == g


def test_convex_chains_are_linear_and_convex():
    fam = ChainSpace(convex=True)
    for genome in itertools.islice(fam.enumerate(), 0, None, 7):
        f, g = chain_fg(genome)
        assert all(b - a == f[1] for a, b in zip(f, f[1:])) and f[1] >= 1
        d = [a - b for a, b in zip(g, g[1:])]
        assert all(x >= y >= 0 for x, y in zip(d, d[1:])) and d[-1] >= 0
