"""Seeded instance generators (offloadsched.instances.generators) and the Taillard generator."""

import numpy as np
import pytest

from offloadsched.errors import ValidationError
from offloadsched.instances.generators import (
    SHAPES,
    TAILLARD,
    heterogeneous_mix,
    identical,
    random_dag_problem,
    random_dnn,
    random_fm,
    random_graph,
    random_j2,
    random_joint,
    random_partition,
    taillard,
    taillard_instance,
)
from offloadsched.problems import DagProblem, FmProblem, J2Problem, JointProblem


def test_taillard_ta001_first_machine():
    p = taillard(873654221, 20, 5)
    assert p.shape == (20, 5)
    assert p[:, 0].tolist() == [54, 83, 15, 71, 77, 36, 53, 38, 27, 87, 76, 91, 14, 29, 12, 77, 32, 87, 68, 94]
    assert np.array_equal(taillard_instance("ta001").times, p)


def _machine_lower_bound(p: np.ndarray) -> int:
    """max over machines of (smallest head + load + smallest tail), and the longest job."""
    best = int(p.sum(axis=1).max())
    for i in range(p.shape[1]):
        best = max(best, int(p[:, :i].sum(axis=1).min() + p[:, i].sum() + p[:, i + 1:].sum(axis=1).min()))
    return best


def test_taillard_seeds_reproduce_published_lower_bounds():
    assert len(TAILLARD) == 40
    for name, (n, m, seed, best, lb) in TAILLARD.items():
        p = taillard(seed, n, m)
        assert p.min() >= 1 and p.max() <= 99
        bound = _machine_lower_bound(p)
        if lb is not None:
            assert bound == lb <= best, name
        else:  # 50x5: the optima are within 2 % of this bound, which a wrong seed would not give ten times
            assert bound <= best <= 1.02 * bound, name


def test_taillard_errors():
    with pytest.raises(ValidationError, match="seed"):
        taillard(0, 5, 2)
    with pytest.raises(ValidationError, match="unknown Taillard instance 'ta999'"):
        taillard_instance("ta999")


def test_flow_families_seeded():
    a, b = random_j2(50, seed=7), random_j2(50, seed=7)
    assert isinstance(a, J2Problem) and np.array_equal(a.times, b.times)
    assert not np.array_equal(a.times, random_j2(50, seed=8).times)
    assert a.times.min() >= 1 and a.times.max() <= 100
    fm = random_fm(10, 4, seed=1, low=5, high=9)
    assert isinstance(fm, FmProblem) and fm.times.shape == (10, 4) and set(np.unique(fm.times)) <= set(range(5, 10))
    assert random_fm(3, seed=0).machines == ("local", "uplink", "remote")
    with pytest.raises(ValidationError):
        random_j2(0)
    with pytest.raises(ValidationError):
        random_fm(3, 1)


@pytest.mark.parametrize("shape", SHAPES)
def test_random_graphs_are_topological(shape):
    for seed in range(20):
        preds = random_graph(15, seed, shape)
        assert len(preds) == 15
        assert all(0 <= u < v for v, ps in enumerate(preds) for u in ps)
        if shape == "chain":
            assert preds == [[]] + [[v - 1] for v in range(1, 15)]
        if shape == "tree":
            assert all(len(ps) == 1 for ps in preds[1:])
        if shape == "dag":
            assert all(ps for ps in preds[1:])
    assert random_graph(30, 3, shape) == random_graph(30, 3, shape)


def _has_n(preds: list[list[int]]) -> bool:
    """Whether the order has an induced "N": a < c, b < c, b < d with a, b | a, d | c, d incomparable."""
    import networkx as nx

    g = nx.DiGraph([(u, v) for v, ps in enumerate(preds) for u in ps])
    g.add_nodes_from(range(len(preds)))
    lt = nx.transitive_closure_dag(g)

    def incomparable(x: int, y: int) -> bool:
        return not lt.has_edge(x, y) and not lt.has_edge(y, x)

    return any(len({a, b, c, d}) == 4 and incomparable(a, b) and incomparable(a, d) and incomparable(c, d)
               for a, c in lt.edges for b in lt.predecessors(c) for d in lt.successors(b))


def test_series_parallel_graphs_are_series_parallel():
    assert _has_n([[], [], [0, 1], [1]])  # the N itself is detected
    for seed in range(30):
        assert not _has_n(random_graph(12, seed, "sp")), seed
    assert any(_has_n(random_graph(12, seed, "dag")) for seed in range(30))


def test_random_partition_is_predecessor_closed():
    for seed in range(30):
        preds = random_graph(20, seed, "dag")
        local = random_partition(preds, seed)
        assert 1 <= local.sum() <= 19
        assert all(local[u] for v, ps in enumerate(preds) if local[v] for u in ps)
    assert random_partition([[]] * 4, 0, n_local=4).all()
    with pytest.raises(ValidationError):
        random_partition([[]], 0, n_local=2)


def test_random_dag_problem():
    p = random_dag_problem(25, seed=3, shape="tree", remote_model="serial")
    assert isinstance(p, DagProblem) and len(p) == 25 and p.remote_model == "serial"
    q = random_dag_problem(25, seed=3, shape="tree", remote_model="serial")
    assert np.array_equal(p.f, q.f) and np.array_equal(p.local, q.local) and p.preds == q.preds
    assert 0 < p.local.sum() < 25


@pytest.mark.parametrize("shape, structure", [("chain", "chain"), ("tree", "tree"), ("dag", "DAG")])
def test_random_dnn(shape, structure):
    dnn = random_dnn(12, seed=2, shape=shape, flops=(1e6, 1e7), out_bytes=(10, 100))
    assert len(dnn) == 12 and dnn.structure == structure
    assert dnn.layers[0].kind == "input" and dnn.layers[0].out_bytes == 602_112 and dnn.layers[-1].name == "output"
    assert 1e6 <= dnn.flops[1:].min() and dnn.flops.max() <= 1e7
    assert random_dnn(12, seed=2, shape=shape).edges == random_dnn(12, seed=2, shape=shape).edges


def test_job_families():
    jobs = identical("alexnet", 4)
    assert len(jobs) == 4 and all(j is jobs[0] for j in jobs)
    mix = heterogeneous_mix(10, seed=1)
    counts = {name: sum(d.name == name for d in mix) for name in ("alexnet", "mobilenet_v2", "googlenet")}
    assert sorted(counts.values()) == [3, 3, 4]
    assert [d.name for d in mix] == [d.name for d in heterogeneous_mix(10, seed=1)]
    joint = random_joint(3, seed=5, n_layers=8)
    assert isinstance(joint, JointProblem) and len(joint.jobs) == 3 and joint.size == 24


def test_sizes_above_the_ceilings_are_refused_before_anything_is_drawn():
    """The families refuse sizes that would not fit in memory, naming the parameter and the ceiling."""
    from offloadsched.instances import generators as g

    refused = [
        (lambda: g.random_fm(10**9), r"n must be at most 100_000 .*got 1_000_000_000"),
        (lambda: g.random_fm(10, 10**4), r"m must be at most 1_000"),
        (lambda: g.random_fm(10**5, 101), r"n x m must be at most 10_000_000 times"),
        (lambda: g.random_j2(10**6), r"n must be at most 100_000"),
        (lambda: g.random_graph(10**7, 0, "tree"), r"number of nodes must be at most 1_000_000"),
        (lambda: g.random_graph(10**6, 0, "dag", p=0.0), r"random dag must be at most 20_000"),
        (lambda: g.random_graph(10**4, 0, "dag", p=0.3), r"about 1.5e\+07 arcs, above the ceiling of 10_000_000"),
        (lambda: g.identical("alexnet", 10**9), r"number of jobs must be at most 100_000"),
        (lambda: g.heterogeneous_mix(10**6), r"number of jobs must be at most 100_000"),
        (lambda: g.random_joint(10**4, 0, 200), r"number of jobs x number of layers must be at most 1_000_000"),
        (lambda: g.taillard(1, 10**9, 5), r"n must be at most 100_000"),
        (lambda: g.random_fm(True), r"n must be an integer >= 1, got True"),
    ]
    for make, match in refused:
        with pytest.raises(ValidationError, match=match):
            make()
    assert g.random_graph(2000, 0, "dag", p=0.001)[-1]  # below the ceilings: drawn as before
