"""The committed minimal counterexamples (offloadsched/claims/data, from a full run) re-checked
with exact methods and brute force, numbers asserted exactly; classical theorems hold on a quick
enumeration."""

from __future__ import annotations

import ast
import itertools
from fractions import Fraction

import pytest

from offloadsched import J2Problem, Partition, evaluate, solve
from offloadsched.claims import DATA_DIR, load_claims, load_counterexample, plot_counterexample, run_claim
from offloadsched.claims.catalog import CATALOG
from offloadsched.claims.engine import available
from offloadsched.io import to_dict

RECORDS = {r.name: r for r in load_claims()} if (DATA_DIR / "claims.json").exists() else {}
FALSE = sorted(name for name, r in RECORDS.items() if r.false)


def need(*methods: str) -> None:
    missing = [m for m in methods if m not in available()]
    if missing:
        pytest.skip(f"method(s) {', '.join(missing)} not registered")


def test_the_full_run_is_committed():
    assert {"eja-ratio-5-3", "tree-merge-optimal", "uniform-1-plus-1-over-n", "prop1-closed-form"} <= set(FALSE)
    for name in ("johnson-j2", "eja-optimal-dominated", "sidney-monma-exact", "uniform-relaxation-optimal",
                 "uniform-1-plus-1-over-n-at-layer", "prop1-closed-form-chain"):
        assert RECORDS[name].holds, name


@pytest.mark.parametrize("name", FALSE)
def test_committed_counterexample_reproduces(name):
    """The claim's own check on the stored instance gives the recorded numbers; the problem file
    is that instance; both sidecar schedules re-evaluate to their makespans."""
    claim, record = CATALOG[name], RECORDS[name]
    need(*(group[0] for group in claim.requires))
    genome = ast.literal_eval(record.genome)
    check = claim.check(genome)
    assert check.violated
    assert (check.heuristic, check.optimal) == (record.heuristic_makespan, record.optimal_makespan)
    problem, sidecar = load_counterexample(name)
    assert to_dict(problem) == to_dict(claim.family.build(genome))
    assert sidecar["violated"] and (sidecar["heuristic_value"], sidecar["optimal_value"]) == (check.heuristic,
                                                                                              check.optimal)
    assert all(c.get("agrees", True) for c in record.confirmations.values())


def test_eja_exceeds_five_thirds():
    """Three identical (0, 1, 0) jobs and one (0, 1, 3): EJA's key p1 + p2 ties, index order puts
    the long remote job last (7); first, it hides behind the uplink (4).  With k short jobs and
    (0, 1, k) the ratio is (2k + 1) / (k + 1) -> 2."""
    need("eja")
    problem, _ = load_counterexample("eja-ratio-5-3")
    assert problem.times.tolist() == [[0, 1, 0], [0, 1, 0], [0, 1, 0], [0, 1, 3]]
    assert solve(problem, "eja").makespan == 7
    assert solve(problem, "bruteforce").makespan == 4
    assert Fraction(7, 4) > Fraction(5, 3)
    # no ties: scaled times and a tiny p1 on the long job (EJA still puts it last), ratio above 5/3
    scaled = type(problem)([[0, 10, 0]] * 3 + [[1, 10, 30]], machines=problem.machines)
    assert (solve(scaled, "eja").makespan, solve(scaled, "bruteforce").makespan) == (70, 41)


def test_tree_merge_is_not_optimal_on_a_five_node_tree():
    """Root -> a (2, 1) leaf, root -> b (1, 0) -> two (0, 1) leaves.  Alg. 5 compares the heads
    (2, 1) and b + first leaf = (1, 1), equal Johnson keys: a goes first (makespan 5).  Starting
    with b's subtree hides a's compute behind two uploads (4)."""
    need("tree-merge")
    problem, sidecar = load_counterexample("tree-merge-optimal")
    assert problem.f.tolist()[:5] == [0, 2, 1, 0, 0]
    assert [problem.u[v] if problem.cut[v] else 0 for v in range(5)] == [0, 1, 0, 1, 1]
    assert solve(problem, "tree-merge").makespan == 5
    assert solve(problem, "bruteforce").makespan == 4
    assert sidecar["optimal"]["schedule"]["local"][:3] != sidecar["heuristic"]["schedule"]["local"][:3]


def test_uniform_partition_is_twice_the_optimum():
    """Two identical chains: input (upload 1) then one layer (compute 1).  Every uniform partition
    takes 2; one job cloud-only and one local-only take 1 > bound 1 + 1/2 exceeded."""
    need("relaxation")
    joint, _ = load_counterexample("uniform-1-plus-1-over-n")
    assert len(joint.jobs) == 2 and [t.tolist() for t in joint.times[0][:2]] == [[0, 1], [1, 0]]
    assert solve(joint, "relaxation").makespan == 2
    dnn = joint.jobs[0]
    best = {}
    for cuts in itertools.product(range(len(dnn)), repeat=2):  # every partition pair, brute force
        dag = joint.dag([Partition.chain_cut(dnn, c) for c in cuts])
        best[cuts] = solve(dag, "bruteforce").makespan
    assert best == {(0, 0): 2, (0, 1): 1, (1, 0): 1, (1, 1): 2}
    assert Fraction(2, 1) > Fraction(3, 2)


def test_prop1_closed_form_underestimates():
    need("johnson")
    problem, _ = load_counterexample("prop1-closed-form")
    assert sorted(map(tuple, problem.times.tolist())) == [(0, 0), (0, 1), (2, 1)]
    result = solve(problem, "johnson")
    order = result.schedule.order.tolist()
    a, b = problem.a[order].tolist(), problem.b[order].tolist()
    assert (a, b) == ([0, 2, 0], [1, 1, 0])
    assert a[0] + max(sum(a[1:]), sum(b[:-1])) + b[-1] == 2
    assert result.makespan == evaluate(J2Problem(a, b), list(range(3))).makespan == 3


@pytest.mark.parametrize("name", FALSE)
def test_counterexamples_draw(name):
    import matplotlib.pyplot as plt

    need(*(group[0] for group in CATALOG[name].requires))
    fig = plot_counterexample(name)
    titles = [ax.get_title() for ax in fig.axes]
    record = RECORDS[name]
    assert len(titles) == 2 and titles[1].endswith(f": {record.optimal_makespan}")
    plt.close(fig)


THEOREMS = ["johnson-j2", "eja-optimal-dominated", "sidney-monma-exact", "prop1-closed-form-chain"]


@pytest.mark.parametrize("name", THEOREMS)
def test_theorems_hold_on_a_quick_enumeration(name):
    claim = CATALOG[name]
    need(*(group[0] for group in claim.requires))
    result, cex, _ = run_claim(claim, budget=600, seed=0, max_evals=250)
    assert result.verdict == "holds on everything tried" and cex is None
    assert result.enumeration["enumerated"] == 250 and result.worst_ratio == 1.0
