"""Reference optima, gaps (proven or "≤" against a bound), conflicts and the papers' tables."""

from __future__ import annotations

import math

import pytest

from offloadsched.bench import ResultsDB
from offloadsched.bench.suite import PublishedTable
from offloadsched.report.gaps import gap_table, prepare, references, with_gaps
from offloadsched.report.papers import compare
from offloadsched.report.render import Bullets, Para, Table


def rec(instance, method, kind, status, makespan, bound=None, lower_bound=None, ptype="j2", group="g", params=None):
    return {"group_name": group, "family": "hand", "instance": instance, "method": method, "method_name": method,
            "kind": kind, "status": status, "makespan": makespan, "bound": bound, "lower_bound": lower_bound,
            "problem_type": ptype, "wall_time": 0.5, "params": params or {}}


RECORDS = [
    # A: proven by an exact method
    rec("A", "cpsat", "exact", "optimal", 100, 100, 80), rec("A", "mip", "exact", "feasible", 105, 90, 80),
    rec("A", "h1", "heuristic", "heuristic", 110, None, 80), rec("A", "h2", "heuristic", "heuristic", 100, None, 80),
    # B: not proven: gaps against the best bound (100)
    rec("B", "cpsat", "exact", "feasible", 120, 100, 60), rec("B", "mip", "exact", "error", None),
    rec("B", "h1", "heuristic", "heuristic", 130, None, 60), rec("B", "h2", "heuristic", "heuristic", 120, None, 60),
    # C: proven because the best makespan meets the core's lower bound
    rec("C", "h1", "heuristic", "heuristic", 50, None, 50), rec("C", "h2", "heuristic", "heuristic", 55, None, 50),
    # D: conflicting claims
    rec("D", "cpsat", "exact", "optimal", 100, 100, 10, group="h"), rec("D", "mip", "exact", "optimal", 98, 98, 10,
                                                                          group="h"),
    rec("D", "h1", "heuristic", "heuristic", 97, None, 10, group="h"),
    # E: joint: the core's lower bound of one partition proves nothing; a relaxation bound does
    rec("E", "h1", "heuristic", "heuristic", 100, None, 100, "joint", "j"),
    rec("E", "relax", "exact", "bound", None, 80.5, None, "joint", "j"),
]


@pytest.fixture
def frame(tmp_path):
    with ResultsDB(tmp_path / "r.sqlite") as db:
        for k, r in enumerate(RECORDS):
            db.write_unit("s", f"u{k}", [r])
        df = prepare(db.frame("s"))
    refs, conflicts = references(df)
    return with_gaps(df, refs), refs, conflicts


def test_references(frame):
    _, refs, conflicts = frame
    r = refs.set_index("instance")
    assert r.loc["A", ["optimum", "proven", "source", "bound"]].tolist() == [100, True, "cpsat", 100]
    assert not r.loc["B", "proven"] and r.loc["B", "bound"] == 100 and r.loc["B", "best"] == 120
    assert r.loc["C", "proven"] and r.loc["C", "optimum"] == 50 and "lower bound" in r.loc["C", "source"]
    assert r.loc["D", "optimum"] == 98
    assert not r.loc["E", "proven"] and r.loc["E", "bound"] == 80.5 and r.loc["E", "lower"] == 80.5
    texts = " | ".join(c.text for c in conflicts)
    assert "optimality claims disagree" in texts and "h1 found 97 below the claimed optimum 98" in texts
    assert "exceeds the optimum" in texts  # cpsat's bound 100 > 98
    assert all(c.key.startswith("D#") for c in conflicts)


def test_row_gaps(frame):
    df, _, _ = frame
    g = df.set_index(["instance", "method"])
    assert g.loc[("A", "h1"), "gap"] == pytest.approx(0.10) and not g.loc[("A", "h1"), "gap_upper"]
    assert g.loc[("A", "h2"), "at_optimum"] and g.loc[("A", "mip"), "gap"] == pytest.approx(0.05)
    assert g.loc[("B", "h1"), "gap"] == pytest.approx(0.30) and g.loc[("B", "h1"), "gap_upper"]
    assert math.isnan(g.loc[("B", "mip"), "gap"])
    assert g.loc[("C", "h2"), "gap"] == pytest.approx(0.10)
    assert g.loc[("E", "h1"), "gap"] == pytest.approx(100 / 80.5 - 1) and g.loc[("E", "h1"), "gap_upper"]


def test_gap_table(frame):
    df, _, _ = frame
    t = gap_table(df).set_index(["group_name", "method"])
    h1 = t.loc[("g", "h1")]
    assert h1["instances"] == 3 and h1["proven"] == 2 and h1["upper"]
    assert h1["mean_gap"] == pytest.approx((0.10 + 0.30 + 0.0) / 3) and h1["max_gap"] == pytest.approx(0.30)
    assert h1["share_optimal"] == pytest.approx(0.5)  # at the optimum on C, not on A
    mip = t.loc[("g", "mip")]
    assert mip["errors"] == 1 and mip["share_optimal"] == 0 and mip["kind"] == "exact"
    assert t.loc[("g", "cpsat"), "share_optimal"] == pytest.approx(0.5)
    assert list(t.loc["g"].index) == ["h1", "h2", "cpsat", "mip"]  # heuristics first
    overall = gap_table(df, by=()).set_index("method")
    assert overall.loc["h1", "instances"] == 5


def test_published_table_side_by_side(tmp_path):
    recs = []
    for model, lo, h, opt in (("alexnet", 1000, 800, 700), ("resnet", 2000, 2000, 1500)):
        for method, ms, kind, status in (("lo", lo, "heuristic", "heuristic"), ("jps", h, "heuristic", "heuristic"),
                                         ("exact", opt, "exact", "optimal")):
            recs.append(rec(model, method, kind, status, ms, ms if kind == "exact" else None, None, "joint", "t",
                            {"model": model, "network": "3g"}))
    with ResultsDB(tmp_path / "r.sqlite") as db:
        for k, r in enumerate(recs):
            db.write_unit("s", f"u{k}", [r])
        df = prepare(db.frame("s"))
    refs, _ = references(df)
    df = with_gaps(df, refs)
    table = PublishedTable("t1", "paper", "reduction", "t", "reduction_pct",
                           rows=[{"label": "AlexNet", "model": "alexnet"}, {"label": "ResNet", "model": "resnet"}],
                           columns=[{"label": "3G LO", "method": "lo", "network": "3g"},
                                    {"label": "3G JPS", "method": "jps", "network": "3g"},
                                    {"label": "3G OPT", "method": "optimum", "network": "3g"}],
                           values=[[0.0, 22.0, math.nan], [15.0, 0.0, math.nan]], baseline="lo", notes="Testbed.")
    blocks = compare(table, df, refs)
    published, ours = blocks[0], blocks[1]
    assert isinstance(published, Table) and published.rows[0] == ["AlexNet", "0.00", "22.00", "–"]
    assert ours.rows == [["AlexNet", "0.00", "20.00", "30.00"], ["ResNet", "0.00", "0.00", "25.00"]]
    text = " ".join(b.text if isinstance(b, Para) else " ".join(b.items) for b in blocks[2:]
                    if isinstance(b, (Para, Bullets)))
    assert "Of 4 published cells, 3 agree within ±10 points." in text
    assert "ResNet, 3G LO: paper 15.00, ours 0.00 (-15.0 points)" in text
    assert "The best method of every row and network is the same" in text  # ResNet: ours is a tie
    assert blocks[-1].text == "Testbed."
