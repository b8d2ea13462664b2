"""The claims as a benchmark suite: a tiny claims suite through ``offloadsched bench`` into a
temporary database, its files beside the database, its report section with the counterexample's
two schedules, a failing task reported, resuming, and the committed run shown when a database holds
no claims."""

from __future__ import annotations

import json

import pytest

from offloadsched.bench import ResultsDB, load_suite, plan
from offloadsched.claims import claim_names
from offloadsched.claims.bench import claim_status, committed_records
from offloadsched.cli import main
from offloadsched.errors import ValidationError
from offloadsched.report.claims import render_claims
from offloadsched.report.render import Bullets, Document, Figure, to_markdown

from .test_bench_helpers import write_suite

TINY = """
    name = "tinyclaims"
    [[row]]
    task = "offloadsched.claims.bench:claim_task"
    claim = ["prop1-closed-form", "johnson-j2", "no-such-claim"]
    budget = 5.0
    max_evals = 150
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The tiny suite run once through the command line (in this process), and its report."""
    tmp = tmp_path_factory.mktemp("claims")
    suite = write_suite(tmp, TINY, "tinyclaims")
    db = tmp / "db" / "r.sqlite"
    assert main(["bench", "--suite", str(suite), "--db", str(db), "-j", "0", "-q"]) == 0
    assert main(["report", "--suite", "tinyclaims", "--db", str(db), "-o", str(tmp / "rep")]) == 0
    return tmp, suite, db


def test_records_and_files(run):
    tmp, _, db = run
    with ResultsDB(db) as rdb:
        rows = rdb.frame("tinyclaims").set_index("method")
    assert rows.loc["claim_task", ["kind", "status"]].tolist() == ["task", "error"]  # the unknown claim
    rows = rows[rows["kind"] == "claim"]
    assert rows.loc["prop1-closed-form", "status"] == "refuted" and rows.loc["johnson-j2", "status"] == "holds"
    info = json.loads(rows.loc["prop1-closed-form", "info"])
    assert info["checked"] > 0 and info["worst"] > 1 and info["statement"].startswith("under Johnson's order")
    assert "smallest counterexample: 3 jobs" in info["evidence"] and "ratio 1.5" in info["evidence"]
    # the files go to <database folder>/claims, claims.json holds both records
    folder = db.parent / "claims"
    assert info["counterexample"] == str(folder / "prop1-closed-form.json")
    assert (folder / "prop1-closed-form.schedules.json").is_file()
    names = {r["name"] for r in json.loads((folder / "claims.json").read_text())["records"]}
    assert names == {"prop1-closed-form", "johnson-j2"}


def test_report_has_the_table_and_the_counterexample(run):
    tmp, _, _ = run
    text = (tmp / "rep" / "tinyclaims.md").read_text()
    claims = text[text.index("## Claims"):]
    assert "Verdicts stored by the claims suite `tinyclaims`" in claims and "5 s of search per claim" in claims
    assert "| claim | statement | source | verdict | checked | worst ratio | evidence |" in claims
    assert "| prop1-closed-form | under Johnson's order" in claims and "| refuted |" in claims
    assert "### Minimal counterexamples" in claims
    errors = text[text.index("### Errors"):text.index("## Claims")]
    assert "| claim_task | 1 |" in errors and "unknown claim(s) 'no-such-claim'" in errors
    png = tmp / "rep" / "tinyclaims_files" / "claim_prop1_closed_form.png"
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_resumes(run, capsys):
    _, suite, db = run
    capsys.readouterr()
    assert main(["bench", "--suite", str(suite), "--db", str(db), "-j", "0", "-q"]) == 0
    assert "3 already stored, 0 run now" in capsys.readouterr().out


def test_the_shipped_suite_runs_every_claim():
    suite = load_suite("claims")
    units = plan(suite)
    assert sorted(u.params["claim"] for u in units) == sorted(claim_names())
    assert all(u.params["budget"] * len(units) / 2 <= 300 for u in units)  # <= 5 minutes of search on 2 cores


def test_runner_context_is_not_a_suite_parameter(tmp_path):
    path = write_suite(tmp_path, """
        [[row]]
        task = "offloadsched.claims.bench:claim_task"
        claim = "johnson-j2"
        results_dir = "/elsewhere"
    """)
    with pytest.raises(ValidationError, match="unknown parameter 'results_dir'"):
        load_suite(path)


def test_claim_status():
    assert [claim_status(v) for v in ("holds on everything tried", "false", "skipped: method x not registered",
                                      "inconclusive: no instance in the claim's scope was decided", "error: boom")
            ] == ["holds", "refuted", "inconclusive", "inconclusive", "error"]


def test_committed_run_and_a_missing_file():
    records, date = committed_records()
    assert date and len(records) == len(claim_names())
    refuted = [r for r in records if r["status"] == "refuted"]
    assert {r["method"] for r in refuted} >= {"eja-ratio-5-3", "prop1-closed-form", "path-johnson-vs-sidney-sp"}
    one = dict(refuted[0], info=dict(refuted[0]["info"], counterexample="/nowhere/gone.json"))
    blocks = render_claims([one], "intro")
    assert not any(isinstance(b, Figure) for b in blocks)
    (notes,) = [b for b in blocks if isinstance(b, Bullets)]
    assert "not found" in notes.items[0]
    assert "| refuted |" in to_markdown(Document("t", blocks), "f")
