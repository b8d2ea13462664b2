"""Series-parallel recognition (offloadsched.sp): decomposition trees encode exactly the
reachability order, non-series-parallel orders come with a verified N witness."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from offloadsched import ValidationError
from offloadsched.instances.generators import random_graph
from offloadsched.sp import (
    Leaf,
    NotSeriesParallel,
    Parallel,
    Series,
    analyze,
    decompose,
    find_n,
    is_series_parallel,
    leaves,
    parallel,
    series,
    tree_size,
)

from .sp_helpers import is_n, reach, tree_pairs, with_transitive_arcs


def closure_pairs(n, preds) -> set[tuple[int, int]]:
    down = reach(n, preds)
    return {(x, y) for y in range(n) for x in down[y]}


def assert_decomposes(preds, nodes=None) -> None:
    n = len(preds)
    tree = decompose(range(n) if nodes is None else nodes, preds)
    assert sorted(leaves(tree)) == list(range(n))
    assert tree_pairs(tree) == closure_pairs(n, preds)


def brute_n(n, preds):
    down = reach(n, preds)
    return next((w for w in itertools.permutations(range(n), 4) if is_n(w, down)), None)


def reversed_graph(preds) -> list[list[int]]:
    """The same graph with every arc reversed, renumbered so predecessors come first."""
    n = len(preds)
    out: list[list[int]] = [[] for _ in range(n)]
    for v, ps in enumerate(preds):
        for p in ps:
            out[n - 1 - p].append(n - 1 - v)
    return out


# -- graphs that are series-parallel -----------------------------------------------------------------
@pytest.mark.parametrize("n", [1, 2, 3, 50])
def test_chains(n):
    preds = [[]] + [[v - 1] for v in range(1, n)]
    tree = decompose(range(n), preds)
    assert list(leaves(tree)) == list(range(n))
    if n == 1:
        assert isinstance(tree, Leaf)
    else:
        assert isinstance(tree, Series) and len(tree.children) == n


@pytest.mark.parametrize("seed", range(8))
def test_random_out_trees_and_in_trees(seed):
    out_tree = random_graph(60, seed, "tree")
    assert_decomposes(out_tree)
    assert_decomposes(reversed_graph(out_tree))


def test_forests_and_antichains():
    assert_decomposes([[] for _ in range(5)])
    a, b = random_graph(20, 1, "tree"), random_graph(15, 2, "tree")
    assert_decomposes(a + [[p + 20 for p in ps] for ps in reversed_graph(b)])


def inception_like(modules: int = 3) -> list[list[int]]:
    """stem -> [1x1 | 1x1 -> 3x3 | 1x1 -> 5x5 | pool -> 1x1] -> concat, repeated."""
    preds: list[list[int]] = [[]]
    last = 0
    for _ in range(modules):
        b = len(preds)
        preds += [[last], [last], [b + 1], [last], [b + 3], [last], [b + 5]]
        preds.append([b, b + 2, b + 4, b + 6])
        last = len(preds) - 1
    return preds


def residual_like(blocks: int = 3) -> list[list[int]]:
    """Residual blocks x -> conv -> conv -> add, with an identity skip x -> add (transitive: the
    order is a chain) or a 1x1 downsample x -> ds -> add (a diamond)."""
    preds: list[list[int]] = [[]]
    x = 0
    for k in range(blocks):
        b = len(preds)
        preds += [[x], [b]]
        if k % 2:
            preds.append([x, b + 1])  # identity skip
        else:
            preds += [[x], [b + 1, b + 2]]  # downsample branch
        x = len(preds) - 1
    return preds


def test_inception_and_residual_blocks():
    assert_decomposes(inception_like())
    assert_decomposes(residual_like())
    identity_block = [[], [0], [1], [0, 2]]  # x -> conv -> conv -> add, x -> add: a chain
    assert [type(c) for c in decompose(range(4), identity_block).children] == [Leaf] * 4


def test_transitive_arcs_do_not_matter():
    # a chain with every skip-3 arc: no series or parallel rule applies before transitive reduction
    n = 30
    preds = [[v - 1] + ([v - 3] if v >= 3 else []) for v in range(1, n)]
    preds = [[]] + preds
    tree = decompose(range(n), preds)
    assert isinstance(tree, Series) and list(leaves(tree)) == list(range(n))
    rng = np.random.default_rng(0)
    for seed in range(20):
        assert_decomposes(with_transitive_arcs(random_graph(25, seed, "sp"), rng, 0.5))


def test_labels_order_and_subsets():
    # node labels in any order; predecessors outside the node set are ignored
    preds = {10: [], 7: [10], 3: [10], 99: [7, 3, 5]}
    tree = decompose([99, 3, 7, 10], preds)
    assert list(leaves(tree))[0] == 10 and list(leaves(tree))[-1] == 99
    assert isinstance(tree, Series) and isinstance(tree.children[1], Parallel)


def test_deep_graphs_need_no_recursion():
    n = 20_000
    preds = [[]] + [[v - 1] for v in range(1, n)]
    preds[n - 1] = [n - 2, n - 5]  # a transitive arc: the general reduction, not the forest path
    tree = decompose(range(n), preds)
    assert isinstance(tree, Series) and len(tree.children) == n
    cater = [[]] + [[(v - 1) // 2 * 2] for v in range(1, n)]  # a caterpillar: depth n / 2
    cater[-1] = cater[-1] + [0]
    assert tree_size(decompose(range(n), cater)) == n


# -- graphs that are not ---------------------------------------------------------------------------------
def test_n_is_refused_with_its_witness():
    preds = [[], [], [0, 1], [1]]  # a < c, b < c, b < d
    with pytest.raises(NotSeriesParallel) as exc:
        decompose(range(4), preds)
    assert exc.value.witness == (0, 1, 2, 3)
    assert isinstance(exc.value, ValidationError)
    assert not is_series_parallel(range(4), preds)


def test_witness_inside_a_larger_graph():
    # chains before and after an N whose arcs are not covers (a < x < c)
    preds = [[], [0], [0], [1], [3, 2], [2], [4, 5], [6]]
    down = reach(8, preds)
    w = find_n(range(8), preds)
    assert w is not None and is_n(w, down)
    res = analyze(range(8), preds)
    assert res.tree is None and len(res.core) > 1
    assert sorted(v for rep in res.core for v in leaves(res.modules[rep])) == list(range(8))


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 8), st.floats(0.05, 0.7), st.integers(0, 2**32 - 1))
def test_random_dags_against_brute_force(n, p, seed):
    rng = np.random.default_rng(seed)
    preds = [[u for u in range(v) if rng.random() < p] for v in range(n)]
    witness = brute_n(n, preds)
    res = analyze(range(n), preds)
    assert res.is_series_parallel == (witness is None)
    if res.tree is not None:
        assert tree_pairs(res.tree) == closure_pairs(n, preds)
    else:
        assert is_n(res.witness, reach(n, preds))


@pytest.mark.parametrize("seed", range(10))
def test_random_dags_of_40_nodes(seed):
    rng = np.random.default_rng(seed)
    preds = [[u for u in range(v) if rng.random() < 0.08] for v in range(40)]
    perm = rng.permutation(40)  # shuffle the labels: the input need not be topologically numbered
    relabelled = {int(perm[v]): [int(perm[p]) for p in ps] for v, ps in enumerate(preds)}
    res = analyze(rng.permutation(40).tolist(), relabelled)
    inv = np.argsort(perm)
    if res.tree is not None:
        got = {(int(inv[x]), int(inv[y])) for x, y in tree_pairs(res.tree)}
        assert got == closure_pairs(40, preds)
    else:
        assert is_n(tuple(int(inv[x]) for x in res.witness), reach(40, preds))


# -- the model zoo ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["alexnet", "googlenet", "resnet18", "mobilenet_v2", "squeezenet1_0", "siamese"])
def test_zoo_models_are_series_parallel(name):
    zoo = pytest.importorskip("offloadsched.instances.zoo", reason="model zoo not available")
    dnn = zoo.get_model(name)
    tree = decompose(range(len(dnn)), dnn.preds)
    assert tree_pairs(tree) == closure_pairs(len(dnn), dnn.preds)


def test_randwire_is_not_and_its_witness_holds():
    zoo = pytest.importorskip("offloadsched.instances.zoo", reason="model zoo not available")
    dnn = zoo.get_model("randwire")
    w = find_n(range(len(dnn)), dnn.preds)
    assert w is not None and is_n(w, reach(len(dnn), dnn.preds))


# -- API ------------------------------------------------------------------------------------------------------
def test_bad_input():
    with pytest.raises(ValidationError, match="twice"):
        analyze([0, 0], [[], []])
    with pytest.raises(ValidationError, match="cycle"):
        analyze([0, 1], {0: [1], 1: [0]})
    with pytest.raises(ValidationError, match="own predecessor"):
        analyze([0], [[0]])
    with pytest.raises(ValidationError, match="no nodes"):
        decompose([], [])
    assert is_series_parallel([], []) and find_n([], []) is None


def test_series_and_parallel_flatten():
    a, b, c = Leaf(0), Leaf(1), Leaf(2)
    t = series(a, series(b, c))
    assert isinstance(t, Series) and len(t.children) == 3
    assert parallel(a) is a
    assert len(parallel(parallel(a, b), c).children) == 3
    with pytest.raises(ValidationError):
        series()
