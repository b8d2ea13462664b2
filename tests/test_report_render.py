"""End to end: a tiny suite into the database, then the Markdown and self-contained HTML report."""

from __future__ import annotations

import base64
import os
import re

import pytest

from offloadsched.bench import ResultsDB, load_suite, run_suite
from offloadsched.cli import main
from offloadsched.report.claims import claims_section
from offloadsched.report.render import Document, Figure, Heading, Para, Table, to_html, to_markdown

from .browser import NO_BROWSER, Chromium, find_browser
from .test_bench_helpers import register, write_suite

SUITE = """
    name = "mini"
    description = "A tiny suite for the report tests."
    seeds = [0, 1]
    [[row]]
    family = "random-j2"
    n = [3, 5]
    methods = ["fifo", "bruteforce"]
    [[row]]
    family = "random-tree"
    group = "trees"
    n = 7
    methods = ["fifo", "bruteforce", "boom"]
    [[row]]
    family = "identical"
    group = "zoo"
    model = "alexnet"
    jobs = [1, 2, 3]
    network = ["3g", "wifi"]
    methods = ["test-lo", "test-co"]
    [[published]]
    id = "t"
    source = "a paper"
    caption = "latency"
    group = "zoo"
    metric = "makespan_ms"
    rows = [{label = "AlexNet", model = "alexnet", jobs = 1}]
    columns = [{label = "3G LO", network = "3g", method = "test-lo"},
               {label = "Wi-Fi CO", network = "wifi", method = "test-co"}]
    values = [[406, 337]]
"""


def claim_task(n: int = 2, seed: int = 0) -> list[dict]:
    """A claims task: one verdict per call."""
    return [{"kind": "claim", "method": "johnson-optimal", "instance": f"j2 n={n} seed={seed}", "status": "holds",
             "info": {"statement": "Johnson's rule is optimal for J2", "source": "Johnson 1954", "checked": 10}}]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    """The mini suite run once, with its report written through the command line."""
    tmp = tmp_path_factory.mktemp("report")
    with pytest.MonkeyPatch.context() as mp:
        register(mp, tmp)
        with ResultsDB(tmp / "r.sqlite") as db:
            run_suite(load_suite(write_suite(tmp, SUITE)), db, jobs=0, quiet=True, stream=open(os.devnull, "w"))
            assert main(["report", "--db", str(db.path), "-o", str(tmp / "out")]) == 0
            yield db


@pytest.fixture(scope="module")
def markdown(db) -> str:
    return (db.path.parent / "out" / "mini.md").read_text()


def test_report_files(db, markdown):
    text = markdown
    for heading in ("## Optimality gaps", "## Exact methods", "## The papers' tables beside ours", "## Figures",
                    "## Consistency checks", "### Errors", "## Claims", "## Instances"):
        assert heading in text
    assert "| random-j2 | fifo | heuristic | 4 | 4 |" in text
    assert "**From the committed full run of " in text and "`offloadsched bench --suite claims` re-runs it" in text
    assert "boom: this method always fails" in text
    figures = re.findall(r"!\[(\w+)\]\((mini_files/\w+\.png)\)", text)
    names = {n for n, _ in figures}
    assert {"gaps", "bandwidth", "jobs", "solve_time", "gantt_fifo", "claim_eja_ratio_5_3"} <= names
    for _, rel in figures:
        assert (db.path.parent / "out" / rel).read_bytes()[:4] == b"\x89PNG"
    html = (db.path.parent / "out" / "mini.html").read_text()
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    assert len(images) == len(figures) and all(base64.b64decode(i)[:4] == b"\x89PNG" for i in images)
    assert "mini_files" not in html and "<table>" in html


def test_published_and_replayed_schedules(markdown):
    ours = markdown[markdown.index("**Ours**"):]
    row = re.search(r"^\| AlexNet \| ([\d,.]+) \| ([\d,.]+) \|$", ours, re.M)
    assert 300 < float(row.group(1).replace(",", "")) < 500  # one AlexNet on the calibrated Raspberry Pi
    checks = markdown[markdown.index("## Consistency checks"):]
    assert checks.split("\n")[2].startswith("No conflicts")  # every stored schedule replays to its makespan


def test_claims_section_from_a_task_suite(db, tmp_path):
    path = write_suite(tmp_path, """
        [[row]]
        task = "tests.test_report_render:claim_task"
        n = [3, 4]
    """, "claims")
    run_suite(load_suite(path), db, jobs=0, quiet=True, stream=open(os.devnull, "w"))
    rows = db.frame("claims")
    assert len(rows) == 2 and set(rows["kind"]) == {"claim"}
    text = to_markdown(Document("t", claims_section(db)), "f")
    assert "| johnson-optimal | Johnson's rule is optimal for J2 | Johnson 1954 | holds | 20 |" in text  # 2 x 10


def test_render_blocks():
    doc = Document("T", [Heading("H"), Table(["a", "b"], [["x|y", "1.5 %"]]), Figure("f", b"\x89PNG", "cap")])
    md = to_markdown(doc, "d")
    assert "| x\\|y | 1.5 % |" in md and "|---|---:|" in md and "![f](d/f.png)" in md
    assert '<td class="r">1.5 %</td>' in to_html(doc)
    para = to_html(Document("T", [Para("*optimal*: **bold**, `a*b*c`, 1,234* and 5 * 6 * 7")]))
    assert "<p><em>optimal</em>: <strong>bold</strong>, <code>a*b*c</code>, 1,234* and 5 * 6 * 7</p>" in para


def test_report_errors(db, tmp_path, capsys):
    assert main(["report", "--suite", "nope", "--db", str(db.path), "-o", str(tmp_path / "rep")]) == 2
    assert main(["report", "--db", str(tmp_path / "missing.sqlite")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "no results for suite 'nope'" in err[0] and "no results database" in err[1]


def test_html_report_in_a_browser(db):
    """The HTML report in headless Chromium: every image decodes, nothing is logged as an error, and
    the gap figure comes first, on the first screen, before any table."""
    binary = find_browser()
    if binary is None:
        pytest.skip(NO_BROWSER)
    with Chromium(binary) as browser:
        page = browser.open(db.path.parent / "out" / "mini.html")
    state = page.state
    assert page.errors == []
    assert state["title"] == "offloadsched benchmark: suite mini"
    images = state["images"]
    assert len(images) == len(re.findall(r"!\[", (db.path.parent / "out" / "mini.md").read_text()))
    assert all(i["complete"] and i["width"] > 0 and i["height"] > 0 for i in images)
    assert images[0]["alt"].startswith("Gap of each heuristic") and images[0]["top"] < state["viewport"]
    tags = state["tags"]
    assert tags.index("figure") < tags.index("table")
