"""The runner's adaptive stop (``stop_after_unproven``): larger sizes of an exact method that did not prove
optimality are stored as skipped, resume keeps them, and the report renders them."""

from __future__ import annotations

import json
import os

import pandas as pd
import pytest

from offloadsched import Schedule, SolverOutput, registry
from offloadsched.bench import ResultsDB, load_suite, run_suite
from offloadsched.errors import ValidationError
from offloadsched.evaluate import makespan
from offloadsched.registry import Method
from offloadsched.report import build_document, write_report

from .test_bench_helpers import write_suite

SUITE = """
    name = "adaptive"
    time_limit = 3
    seeds = [0, 1]
    stop_after_unproven = true
    size_axis = "n"
    [[row]]
    family = "random-j2"
    n = [6, 3, 5, 4, 7]
    high = [100, 5]
    methods = ["fifo", "fake-exact"]
"""


def fake_exact(problem, *, time_limit=None) -> SolverOutput:
    """Optimal up to 4 jobs (5 when every time is <= 5), feasible above."""
    n = len(problem.a)
    proven = n <= (5 if problem.times.max() <= 5 else 4)
    order = Schedule.from_order(list(range(n)))
    bound = makespan(problem, order) if proven else None  # solve() wants an optimal claim's bound
    return SolverOutput(order, status="optimal" if proven else "feasible", bound=bound)


@pytest.fixture(autouse=True)
def fake(monkeypatch):
    monkeypatch.setitem(registry._REGISTRY, "fake-exact", Method("fake-exact", fake_exact, ("j2",), "exact", "fake"))


def _run(suite, db, **kw):
    return run_suite(suite, db, quiet=True, stream=open(os.devnull, "w"), **kw)


def _statuses(db: ResultsDB) -> dict[tuple[int, int], list[str]]:
    df = pd.read_sql_query("SELECT * FROM runs WHERE method = 'fake-exact'", db.conn)
    params = df["params"].map(json.loads)
    return {k: sorted(g["status"]) for k, g in df.groupby([params.str["high"], params.str["n"]])}


@pytest.mark.parametrize("jobs", [0, 2])
def test_larger_sizes_are_skipped_and_resume_keeps_them(tmp_path, jobs):
    suite = load_suite(write_suite(tmp_path, SUITE))
    with ResultsDB(tmp_path / "r.sqlite") as db:
        s = _run(suite, db, jobs=jobs)
        assert (s.planned, s.ran, s.stopped, s.errors) == (40, 34, 6, 0)
        st = _statuses(db)
        assert st[(100, 4)] == ["optimal"] * 2 and st[(100, 5)] == ["feasible"] * 2
        assert st[(100, 6)] == st[(100, 7)] == ["skipped"] * 2
        assert st[(5, 5)] == ["optimal"] * 2 and st[(5, 6)] == ["feasible"] * 2 and st[(5, 7)] == ["skipped"] * 2
        msg = db.conn.execute("SELECT message FROM runs WHERE status = 'skipped'").fetchone()[0]
        assert msg == "not run: fake-exact did not prove optimality at size n=5 within its time limit (3 s)"
        assert db.conn.execute("SELECT COUNT(*) FROM runs WHERE method = 'fifo'").fetchone()[0] == 20
        again = _run(suite, db, jobs=jobs)
        assert (again.skipped, again.ran, again.stopped) == (40, 0, 0)
        # a lost skipped record is written again from the stored statuses, without solving
        db.conn.execute("DELETE FROM runs WHERE status = 'skipped' AND params LIKE '%\"n\":7%'")
        again = _run(suite, db, jobs=jobs)
        assert (again.ran, again.stopped) == (0, 4) and _statuses(db) == st
        redo = _run(suite, db, jobs=jobs, rerun=True)
        assert (redo.ran, redo.stopped) == (34, 6) and _statuses(db) == st


def test_report_leaves_skipped_runs_out_of_the_gaps(tmp_path):
    suite = load_suite(write_suite(tmp_path, SUITE))
    with ResultsDB(tmp_path / "r.sqlite") as db:
        _run(suite, db, jobs=0)
        doc = build_document(db, "adaptive")
        paths = write_report(db, "adaptive", tmp_path / "out")
    text = paths[0].read_text()
    assert "skipped 6" in text and "sizes 6, 7 not run" in text and "sizes 7 not run" in text
    assert "solve_time" in {f.name for f in doc.figures}
    from offloadsched.report.gaps import gap_table, prepare, references, with_gaps

    with ResultsDB(tmp_path / "r.sqlite") as db:
        df = prepare(db.frame("adaptive"))
    assert "skipped" not in set(df["status"])
    table = gap_table(with_gaps(df, references(df)[0]), by=())
    fake_row = table[table["method"] == "fake-exact"].iloc[0]
    assert fake_row["instances"] == 14 and fake_row["errors"] == 0


@pytest.mark.parametrize("text, message", [
    ('stop_after_unproven = true\n[[row]]\nfamily = "random-j2"\nn = [3, 4]\nmethods = ["fifo"]', "needs 'size_axis'"),
    ('stop_after_unproven = 1\nsize_axis = "n"\n[[row]]\nfamily = "random-j2"\nn = 3\nmethods = ["fifo"]',
     "'stop_after_unproven' must be a bool"),
    ('[[row]]\nfamily = "random-j2"\nn = 3\nstop_after_unproven = true\nsize_axis = "jobs"\nmethods = ["fifo"]',
     "'size_axis' 'jobs' is not a parameter"),
    ('size_axis = 3\n[[row]]\nfamily = "random-j2"\nn = 3\nmethods = ["fifo"]', "'size_axis' must be a str"),
])
def test_keys_are_validated(tmp_path, text, message):
    with pytest.raises(ValidationError, match=message):
        load_suite(write_suite(tmp_path, text))


def test_row_may_turn_the_stop_off(tmp_path):
    suite = load_suite(write_suite(tmp_path, SUITE.replace('methods = ["fifo", "fake-exact"]', 'methods = '
                                                           '["fake-exact"]\n    stop_after_unproven = false')))
    assert suite.rows[0].size_axis is None
    with ResultsDB(tmp_path / "r.sqlite") as db:
        s = _run(suite, db, jobs=0)
    assert (s.ran, s.stopped) == (20, 0)
