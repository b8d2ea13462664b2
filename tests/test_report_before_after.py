"""Issue 14 item 4: the paper report's before / after section (a committed snapshot of the report's
numbers before issue 14 beside this database's), its snapshot parser and the causes mapping."""

from __future__ import annotations

import json
import math

import pytest

from offloadsched.bench import ResultsDB, load_suite
from offloadsched.bench.suite import PublishedTable
from offloadsched.errors import ValidationError
from offloadsched.report import before_after as ba
from offloadsched.report.render import Bullets, Para, Table

TABLE = PublishedTable("t1", "seed 9, Table 2", "Latency (ms)", "g", "makespan_ms",
                       rows=[{"label": "AlexNet", "model": "alexnet"}],
                       columns=[{"label": "LO", "network": "3g", "method": "lo"},
                                {"label": "3G Our", "network": "3g", "method": "jps"},
                                {"label": "3G optimum", "network": "3g", "method": "optimum"}],
                       values=[[400.0, 300.0, math.nan]], tolerance=15.0)

REPORT = """# a report

### seed 9, Table 2: Latency (ms)

**Published** (seed 9, Table 2): Latency (ms) [ms]

| | LO | 3G Our | 3G optimum |
|---|---:|---:|---|
| AlexNet | 400 | 300 | – |

**Ours** (this database, same rows and columns) [ms]

|  | LO | 3G Our | 3G optimum |
|---|---:|---:|---:|
| AlexNet | 1,765 | 320 | 300† |

**Differences.** ...
"""

CAUSES = [{"table": "t1", "columns": ["Our"], "cause": "our method is another one"},
          {"table": "other", "cause": "never used"}]


def test_snapshot_reads_the_ours_table():
    snap = ba.snapshot(REPORT, [TABLE], "commit abc", "old model")
    assert snap["source"] == "commit abc" and snap["model"] == "old model"
    entry = snap["tables"]["t1"]
    assert entry["columns"] == ["LO", "3G Our", "3G optimum"] and entry["rows"] == {"AlexNet": [1765.0, 320.0, 300.0]}
    assert ba.before_values(snap, TABLE) == [[1765.0, 320.0, 300.0]]
    json.loads(ba.dumps(snap))  # the file format round-trips


def test_snapshot_errors_and_missing_cells():
    with pytest.raises(ValidationError, match="no heading '### seed 9, Table 2: Latency"):
        ba.snapshot("# nothing here", [TABLE], "x", "y")
    with pytest.raises(ValidationError, match="cell 'abc' is not a number"):
        ba.snapshot(REPORT.replace("1,765", "abc"), [TABLE], "x", "y")
    snap = {"tables": {"t1": {"columns": ["LO", "3G Ours"], "rows": {"AlexNet": [1.0, None]}}}}
    assert [[v if v == v else None for v in r] for r in ba.before_values(snap, TABLE)] == [[1.0, None, None]]
    assert ba.before_values({"tables": {}}, TABLE) is None


def test_cause_first_match():
    assert ba.cause(CAUSES, "t1", "AlexNet", "3G Our") == "our method is another one"
    assert ba.cause(CAUSES, "t1", "AlexNet", "LO") == ba.UNKNOWN
    assert ba.cause([{"rows": ["X"], "cause": "x"}, {"cause": "any"}], "t9", "Y", "LO") == "any"


def test_before_after_counts_and_remaining_differences():
    blocks = ba.compare_before_after(TABLE, [[765.0, 320.0, 700.0]], [[410.0, 500.0, 380.0]], CAUSES)
    grid = blocks[1]
    assert grid.rows == [["AlexNet", "765 → 410 [400]", "320 → 500 [300]", "700 → 380 [–]"]]
    summary = blocks[2].text
    assert "Of 2 published cells, 1 agreed within ±15 % before and 1 agree after." in summary
    assert "Now within it: AlexNet, LO." in summary
    remaining, reasons = blocks[3], blocks[4]
    assert isinstance(remaining, Table) and isinstance(reasons, Bullets)
    assert remaining.rows == [["AlexNet, 3G Our (new)", "300", "320 (+7 %)", "500 (+67 %)", "(1)"]]
    assert reasons.items == ["(1) our method is another one"]


def test_no_remaining_differences_and_no_result():
    blocks = ba.compare_before_after(TABLE, [[400.0, 300.0, math.nan]], [[400.0, 300.0, math.nan]], [])
    assert isinstance(blocks[-1], Para) and blocks[-1].text == "**Remaining differences**: none."
    blocks = ba.compare_before_after(TABLE, [[400.0, math.nan, math.nan]], [[400.0, math.nan, math.nan]], [])
    assert blocks[2].text == ("Of 2 published cells, 1 agreed within ±15 % before and 1 agree after (1 without a "
                              "result of ours).")
    assert blocks[3].rows == [["AlexNet, 3G Our", "300", "no result", "no result", "(1)"]]
    assert blocks[4].items == [f"(1) {ba.UNKNOWN}"]


def rec(method, kind, status, makespan_ms):
    return {"group_name": "g", "family": "identical", "instance": "identical(model=alexnet, network=3g)",
            "method": method, "method_name": method, "kind": kind, "status": status, "makespan": makespan_ms * 1000,
            "bound": makespan_ms * 1000 if status == "optimal" else None, "problem_type": "joint", "wall_time": 0.1,
            "params": {"model": "alexnet", "network": "3g"}}


def test_section_from_a_database(tmp_path, monkeypatch):
    spec = {"row": [{"family": "identical", "group": "g"}],
            "published": [{"id": "t1", "source": TABLE.source, "caption": TABLE.caption, "group": "g",
                           "metric": "makespan_ms", "tolerance": 15, "rows": TABLE.rows, "columns": TABLE.columns,
                           "values": [[400, 300, math.nan]]}]}
    (tmp_path / "before.json").write_text(ba.dumps(ba.snapshot(REPORT, [TABLE], "commit abc", "the old model.")))
    (tmp_path / "causes.json").write_text(json.dumps({"causes": CAUSES}))
    monkeypatch.setattr(ba, "BEFORE", tmp_path / "before.json")
    monkeypatch.setattr(ba, "CAUSES", tmp_path / "causes.json")
    with ResultsDB(tmp_path / "r.sqlite") as db:
        records = [rec("lo", "heuristic", "heuristic", 410), rec("jps", "heuristic", "heuristic", 500),
                   rec("mip-joint-ideals", "exact", "optimal", 380)]
        for k, r in enumerate(records):
            db.write_unit("s", f"u{k}", [r])
        db.set_suite("s", str(tmp_path / "s.toml"), spec, [f"u{k}" for k in range(len(records))])
        blocks = ba.before_after_section(db, "s")
    assert blocks[0].text == ba.TITLE and "the old model. Numbers as printed by commit abc." in blocks[1].text
    assert blocks[3].rows == [["AlexNet", "1,765 → 410 [400]", "320 → 500 [300]", "300 → 380 [–]"]]
    assert blocks[5].rows == [["AlexNet, 3G Our (new)", "300", "320 (+7 %)", "500 (+67 %)", "(1)"]]


def test_committed_snapshot_covers_the_paper_suite():
    """Every row and column of the paper suite's published tables has a before number (or a stated gap)."""
    snap, causes = ba.load_json(ba.BEFORE), ba.load_json(ba.CAUSES)["causes"]
    tables = load_suite("paper").published
    assert {t.id for t in tables} == set(snap["tables"]) == {"001-table1", "002-table1"}
    assert "0b21e05" in snap["source"]
    for t in tables:
        entry = snap["tables"][t.id]
        assert entry["columns"] == [c["label"] for c in t.columns] and list(entry["rows"]) == [r["label"]
                                                                                             for r in t.rows]
    ids = {t.id for t in tables}
    assert all(set(c) <= {"table", "rows", "columns", "cause"} and c.get("table", next(iter(ids))) in ids
               for c in causes)
    # the numbers the report printed before issue 14 (docs/reports/paper.md at 0b21e05)
    assert snap["tables"]["002-table1"]["rows"]["AlexNet-P"][0] == 765.0
    assert snap["tables"]["001-table1"]["rows"]["GoogLeNet"][1] == -53.49
