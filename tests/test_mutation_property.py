"""Property: a valid document mutated at random (a field dropped, retyped, renamed or enlarged) and solved
through the command line gives exit 2 with one line on stderr, or a result that the evaluator and the
independent checker confirm; never a traceback."""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from offloadsched.check import check
from offloadsched.cli import main
from offloadsched.evaluate import evaluate
from offloadsched.io import load
from offloadsched.schedule import Schedule

from .bad_inputs import dag_doc, fm_doc, j2_doc, joint_doc

DOCS = {"j2": (j2_doc, "johnson"), "fm": (fm_doc, "neh"), "dag": (dag_doc, "fifo"), "joint": (joint_doc, "lo")}
RETYPES = ["3", "false", "", True, False, None, 1.5, -1, 0, [], {}, [1], {"a": 1}, 10**20, 2**53 - 1, 1e300, "x" * 3]


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path into a JSON value (objects by key, lists by index)."""
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, prefix + (i,))
    return out


def _apply(doc: dict, path: tuple, op: str, arg: Any) -> dict:
    parent = doc
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if op == "drop":
        del parent[last]
    elif op == "retype":
        parent[last] = json.loads(json.dumps(arg))  # a fresh copy: RETYPES holds mutable values
    elif op == "rename" and isinstance(last, str):
        parent[last + arg] = parent.pop(last)
    elif op == "enlarge":
        value = parent[last]
        if isinstance(value, bool):
            parent[last] = not value
        elif isinstance(value, (int, float)):
            parent[last] = value * 10**arg if value else 10**arg
        elif isinstance(value, list):
            value.extend(json.loads(json.dumps(value[-1:])) * 2)  # repeated items (duplicate names too)
        elif isinstance(value, str):
            parent[last] = value * 2
    return doc


@st.composite
def mutated(draw) -> tuple[str, dict]:
    kind = draw(st.sampled_from(sorted(DOCS)))
    doc = DOCS[kind][0]()
    for _ in range(draw(st.integers(1, 2))):
        paths = _paths(doc)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        op = draw(st.sampled_from(["drop", "retype", "rename", "enlarge"]))
        arg = {"retype": draw(st.sampled_from(RETYPES)), "rename": draw(st.sampled_from(["x", "_", "s"])),
               "enlarge": draw(st.integers(1, 25))}.get(op)
        doc = _apply(doc, path, op, arg)
    return kind, doc


@settings(max_examples=60, deadline=None)
@given(mutated())
def test_mutated_documents_fail_cleanly_or_solve_correctly(case):
    kind, doc = case
    method = DOCS[kind][1]
    with tempfile.TemporaryDirectory() as tmp:
        src, res = Path(tmp) / "p.json", Path(tmp) / "r.json"
        src.write_text(json.dumps(doc))
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(["solve", str(src), "-m", method, "--json", str(res)])
            except SystemExit as exc:
                code = exc.code
        assert code in (0, 2), (code, err.getvalue())
        if code == 2:
            lines = err.getvalue().strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("offloadsched solve: error: "), err.getvalue()
            return
        result = json.loads(res.read_text())
        assert result["status"] != "error", result["info"]
        assert isinstance(result["makespan"], int) and 0 <= result["makespan"] < 2**53
        if kind != "joint":
            problem = load(src)
            timing = evaluate(problem, Schedule.from_dict(result["schedule"]))
            check(problem, timing)
            assert timing.makespan == result["makespan"]
