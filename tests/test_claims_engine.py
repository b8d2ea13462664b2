"""The claims engine: planted counterexamples are found and minimised, enumeration is complete,
missing methods skip a claim, records round-trip, the CLI runs."""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest

from offloadsched import J2Problem, Schedule, SolverOutput, evaluate, register
from offloadsched.claims import Check, Claim, load_claims, minimise, run_claim, run_claims
from offloadsched.claims.catalog import heuristic_vs_exact
from offloadsched.claims.engine import available
from offloadsched.claims.spaces import FlowSpace
from offloadsched.cli import main


def reference_johnson(a, b) -> list[int]:
    """Johnson's rule, written here independently of the heuristics package."""
    first = sorted((j for j in range(len(a)) if a[j] < b[j]), key=lambda j: (a[j], j))
    last = sorted((j for j in range(len(a)) if a[j] >= b[j]), key=lambda j: (-b[j], j))
    return first + last


def _reversed_johnson(problem, *, time_limit=None) -> SolverOutput:
    """A planted wrong heuristic: the reverse of Johnson's order."""
    return SolverOutput(Schedule.from_order(reference_johnson(problem.a.tolist(), problem.b.tolist())[::-1]))


register("claims-test-reversed-johnson", _reversed_johnson, problems=("j2",),
         summary="test only: Johnson's order reversed")


SMALL_J2 = FlowSpace(description="two-stage jobs", max_jobs=4, max_value=6, stages=((2, 2), (3, 1)))


def planted_claim(family: FlowSpace = SMALL_J2) -> Claim:
    return Claim("planted", "test", "reversed Johnson is optimal", family,
                 heuristic_vs_exact(family, "claims-test-reversed-johnson", ("bruteforce",)),
                 requires=(("claims-test-reversed-johnson",), ("bruteforce",)))


def test_planted_counterexample_is_found_and_minimised():
    result, cex, worst = run_claim(planted_claim(), budget=3, seed=1, max_evals=300)
    assert result.verdict == "false"
    # the smallest counterexample: two jobs, values summing to 2 - {(0, 1), (1, 0)}
    assert result.size == [2, 2, 1]
    assert sorted(cex.problem.times.tolist()) == [[0, 1], [1, 0]]
    assert (cex.heuristic, cex.optimal) == (2, 1)
    assert (result.heuristic_makespan, result.optimal_makespan) == (2, 1)
    assert result.violations > 0 and worst.violated
    # both schedules are kept and re-evaluate to the recorded makespans
    for side, expected in (("heuristic", 2), ("optimal", 1)):
        assert evaluate(cex.problem, Schedule.from_dict(cex.sides[side]["schedule"])).makespan == expected


def test_minimise_reaches_the_smallest_planted_instance():
    """Violated iff there are two jobs or more whose local times sum to 5 or more: the greedy
    minimiser must end at two jobs, local times summing to exactly 5, upload times 0."""
    def check(genome) -> Check:
        bad = len(genome) >= 2 and sum(r[0] for r in genome) >= 5
        return Check(2 if bad else 1, 1, problem=J2Problem([r[0] for r in genome], [r[1] for r in genome]))

    claim = Claim("sum", "test", "no two jobs with local sum >= 5", SMALL_J2, check)
    start = ((3, 4), (4, 2), (1, 1), (6, 6))
    genome, steps = minimise(claim, start, rng=np.random.default_rng(0))
    assert steps > 0
    assert len(genome) == 2 and sum(r[0] for r in genome) == 5 and all(r[1] == 0 for r in genome)


def test_enumeration_is_complete_and_counted():
    fam = FlowSpace(stages=((2, 1),), max_jobs=2)
    # 4 job kinds (a, b in 0..1): 4 singletons + C(5, 2) = 10 pairs
    assert fam.enumeration_space()["genomes"] == 14
    assert len(set(fam.enumerate())) == 14
    seen = []

    def check(genome) -> Check:
        seen.append(genome)
        return Check(1, 1)

    result, cex, _ = run_claim(Claim("count", "test", "always true", fam, check), budget=2, seed=0, max_evals=100)
    assert result.enumeration["enumerated"] == 14 and result.enumeration["complete"]
    assert result.verdict == "holds on everything tried" and cex is None
    assert len(set(seen[:14])) == 14


def test_missing_method_skips_the_claim():
    claim = Claim("needs-x", "test", "x is optimal", SMALL_J2,
                  heuristic_vs_exact(SMALL_J2, "no-such-method", ("bruteforce",)),
                  requires=(("no-such-method",), ("bruteforce",)))
    result, cex, worst = run_claim(claim, budget=1)
    assert result.verdict == "skipped: method no-such-method not registered"
    assert result.tried == 0 and cex is None and worst is None


def test_out_of_scope_and_failing_instances_are_counted_not_fatal():
    from offloadsched.claims import NotApplicable

    def check(genome) -> Check:
        if len(genome) == 1:
            raise NotApplicable("one job")
        if genome[0][0] == 1:
            raise RuntimeError("boom")
        return Check(1, 1)

    fam = FlowSpace(stages=((2, 1),), max_jobs=2)
    result, _, _ = run_claim(Claim("scope", "test", "t", fam, check), budget=1, seed=0, max_evals=20)
    assert result.not_applicable >= 4 and result.errors >= 1
    assert "boom" in result.first_error and result.verdict == "holds on everything tried"


def test_ratio_claims_compare_exactly():
    assert not Check(5, 3, Fraction(5, 3)).violated
    assert Check(7, 4, Fraction(5, 3)).violated
    assert Check(3, 0).ratio == float("inf") and Check(0, 0).ratio == 1.0
    assert Check(2, 3, exact=True).violated and Check(2, 3, exact=True).ratio == 1.5
    assert not Check(1.0 + 1e-9, 1.0, tolerance=1e-7).violated


@pytest.mark.skipif("johnson" not in available(), reason="johnson not registered")
def test_johnson_holds_on_every_small_j2():
    """Johnson 1954 is a theorem: every J2 multiset of up to 3 jobs with times in 0..3."""
    fam = FlowSpace(stages=((3, 3),), max_jobs=4, max_value=5)
    claim = Claim("johnson-small", "Johnson 1954", "Johnson's rule is optimal", fam,
                  heuristic_vs_exact(fam, "johnson", ("bruteforce",)))
    result, cex, _ = run_claim(claim, budget=30, seed=0, max_evals=1000)
    assert result.enumeration == dict(result.enumeration, enumerated=16 + 136 + 816, complete=True)
    assert result.verdict == "holds on everything tried" and cex is None
    assert result.worst_ratio == 1.0


def test_records_round_trip_and_files(tmp_path):
    results = run_claims(["prop1-closed-form"], budget=2, seed=3, out_dir=tmp_path, max_evals=400)
    (r,) = results
    assert r.verdict == "false"
    data = json.loads((tmp_path / "claims.json").read_text())
    assert data["format"] == "offloadsched-claims" and [x["name"] for x in data["records"]] == [r.name]
    (back,) = load_claims(tmp_path)
    assert back.to_dict() == r.to_dict()
    sidecar = json.loads((tmp_path / r.sidecar).read_text())
    assert sidecar["heuristic_value"] == r.heuristic_makespan and sidecar["optimal_value"] == r.optimal_makespan
    # a second, partial run keeps the other records
    run_claims(["prop1-closed-form-chain"], budget=1, seed=3, out_dir=tmp_path, max_evals=50)
    assert {x.name for x in load_claims(tmp_path)} == {"prop1-closed-form", "prop1-closed-form-chain"}


def test_cli(tmp_path, capsys):
    assert main(["claims", "--list"]) == 0
    assert "eja-ratio-5-3" in capsys.readouterr().out
    out = tmp_path / "c"
    assert main(["claims", "--claim", "prop1-closed-form", "--budget", "1", "--max-evals", "200",
                 "-o", str(out), "--plot"]) == 0
    assert (out / "claims.json").exists() and (out / "prop1-closed-form.png").exists()
    assert main(["claims", "--claim", "no-such-claim"]) == 2
    assert "unknown claim" in capsys.readouterr().err
    assert main(["claims", "--budget", "0"]) == 2
