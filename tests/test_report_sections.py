"""Suite report sections (``[report] sections``): the fused-layer experiment's section rendered from
a tiny ``fl`` suite in the database, replay of the FL methods' schedules (a converted DNN) without
false mismatches, and rows whose scheduled problem cannot be rebuilt skipped with a note."""

from __future__ import annotations

import json
import os

import pytest

from offloadsched.bench import ResultsDB, load_suite, run_suite
from offloadsched.bench.fl_experiment import LATENCIES, fl_frame, run_fl_experiment
from offloadsched.errors import ValidationError
from offloadsched.report import build_document, write_report
from offloadsched.report.plots import NotReplayable, replay
from offloadsched.report.render import Figure, Heading

from .test_bench_helpers import write_suite

TINY_FL = """
    name = "tinyfl"
    [report]
    sections = ["offloadsched.bench.fl_experiment:fl_section", "tests.test_report_sections:broken_section"]
    [[row]]
    task = "offloadsched.bench.fl_experiment:fl_task"
    group = "seed003-fl"
    model = "alexnet"
    rate = [1.1, 3.0]
    exact_time_limit = 5.0
    max_k = 2
    [[row]]
    family = "random-j2"
    n = 5
    methods = ["dsl", "johnson"]
"""


def broken_section(db, suite):
    """A section hook that fails."""
    raise RuntimeError("this section always fails")


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sections")
    with ResultsDB(tmp / "r.sqlite") as db:
        run_suite(load_suite(write_suite(tmp, TINY_FL, "tinyfl")), db, jobs=0, quiet=True,
                  stream=open(os.devnull, "w"))
        yield db


def test_fl_section_in_the_report(db):
    md, _ = write_report(db, "tinyfl", db.path.parent / "rep")
    text = md.read_text()
    section = text[text.index("## Seed 003: fused-layer parallelism"):]
    assert "![fl_fig4](tinyfl_files/fl_fig4.png)" in section
    assert (md.parent / "tinyfl_files" / "fl_fig4.png").read_bytes()[:4] == b"\x89PNG"
    assert "### alexnet" in section and "| rate | NFL | BF(2x2) | MW(2x2) | MW(kxk) |" in section
    assert "(optimal)" in section  # exact(2x2) proves the 2x2 optimum of AlexNet within the limit
    assert "### The headline: 18.39x average reduction over NFL" in section and "**Not reproduced.**" in section
    assert "| alexnet | 1.1 | MW(kxk) | 40 |" in section  # seed 003's numbers beside ours
    assert "## Section tests.test_report_sections:broken_section" in text
    assert "Not rendered: RuntimeError: this section always fails" in text
    checks = text[text.index("## Consistency checks"):].split("\n")[2]
    assert checks.startswith("No conflicts")  # every replayed schedule (FL ones included) gives its makespan


def test_fl_frame_from_the_database_matches_the_experiment(db):
    ours = fl_frame(db.frame("tinyfl"))
    ref = run_fl_experiment(models=("alexnet",), rates=(1.1, 3.0), time_limit=5.0, max_k=2)
    assert list(ours["rate"]) == [1.1, 3.0]
    assert ours[list(LATENCIES[:4])].equals(ref[list(LATENCIES[:4])])
    assert list(ours["tiles MW(kxk)"]) == list(ref["tiles MW(kxk)"])


def test_every_stored_schedule_replays(db):
    rows = db.frame("tinyfl")
    rows = rows[rows["schedule"].notna()]
    assert {"NFL", "BF(2x2)", "MW(2x2)", "MW(kxk)", "exact(2x2)", "dsl"} <= set(rows["method"])
    for _, row in rows.iterrows():
        problem, timing, same = replay(row)
        assert same and timing.makespan == row["makespan"], row["method"]
    assert json.loads(rows[rows["method"] == "dsl"].iloc[0]["schedule"])["overlap"] is False  # scored without


def test_rows_that_cannot_be_rebuilt(db):
    rows = db.frame("tinyfl")
    row = rows[rows["method"] == "MW(2x2)"].iloc[0].copy()
    info = json.loads(row["info"])
    row["info"] = json.dumps({k: v for k, v in info.items() if k not in ("rows", "cols", "tiles")})
    with pytest.raises(NotReplayable, match="a problem of its own"):
        replay(row)
    row["family"] = "task:somewhere:fn"
    with pytest.raises(NotReplayable, match="task"):
        replay(row)


def test_a_fl_section_without_fl_rows(tmp_path):
    with ResultsDB(tmp_path / "r.sqlite") as db:
        path = write_suite(tmp_path, """
            [report]
            sections = ["offloadsched.bench.fl_experiment:fl_section"]
            [[row]]
            family = "random-j2"
            n = 4
            methods = ["johnson"]
        """)
        run_suite(load_suite(path), db, jobs=0, quiet=True, stream=open(os.devnull, "w"))
        blocks = build_document(db, "tiny").blocks
    k = next(i for i, b in enumerate(blocks) if isinstance(b, Heading) and b.text.startswith("Seed 003"))
    assert "No rows of the experiment's methods" in blocks[k + 1].text
    assert not any(isinstance(b, Figure) and b.name == "fl_fig4" for b in blocks)


@pytest.mark.parametrize("report, message", [
    ("[report]\nbogus = 1", "unknown key 'bogus'"),
    ("[report]\nsections = 'offloadsched.bench.fl_experiment:fl_section'", "must be a list"),
    ("[report]\nsections = ['nowhere:fn']", "cannot be loaded"),
])
def test_report_table_validation(tmp_path, report, message):
    path = write_suite(tmp_path, report + "\n[[row]]\nfamily = 'random-j2'\nn = 4\nmethods = ['johnson']\n")
    with pytest.raises(ValidationError, match=message):
        load_suite(path)
