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


# -- every file type, mutated as text (issue 28) ------------------------------------------------------------
#: Tokens a mutation inserts: numbers no float holds, deep brackets, encodings' marks, Taillard's header words.
TOKENS = ["1e400", "1" + "0" * 400, "-1", "NaN", "Infinity", "null", "true", '"x"', "[", "]", "{", "}", ",", ":",
          "\ufeff", "\x00", "é", "\n", "number of jobs", "0.5", "[" * 200, "{" * 100, '"', "\\", "=", "#", "''"]
TINY_SUITE_TEXT = 'name = "tiny"\n[[row]]\nfamily = "random-j2"\nn = [3, 4]\nmethods = ["fifo", "johnson"]\n' \
                  '[row.options.johnson]\n'
CSV_TEXT = "layer,ms\nl1,2.5\nl2,1.25\n"
RESULT = {"format": "offloadsched", "schema_version": 2, "type": "result", "method": "johnson", "status": "optimal",
          "makespan": 16, "schedule": {"order": [1, 2, 0]}}


def _texts() -> dict[str, str]:
    from .bad_inputs import dnn_doc, taillard

    return {"j2": json.dumps(j2_doc()), "fm": json.dumps(fm_doc()), "dag": json.dumps(dag_doc()),
            "joint": json.dumps(joint_doc()), "dnn": json.dumps(dnn_doc()),
            "schedule": json.dumps({"order": [1, 0, 2]}), "result": json.dumps(RESULT),
            "taillard": taillard(3, 2, ["1 3 5", "2 4 6"]), "suite": TINY_SUITE_TEXT, "csv": CSV_TEXT}


TEXTS = _texts()


@st.composite
def mutated_text(draw) -> tuple[str, bytes]:
    kind = draw(st.sampled_from(sorted(TEXTS)))
    text = TEXTS[kind]
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, min(len(text), i + 12)))
        op = draw(st.sampled_from(["delete", "duplicate", "insert", "replace"]))
        if op == "delete":
            text = text[:i] + text[j:]
        elif op == "duplicate":
            text = text[:j] + text[i:j] + text[j:]
        else:
            token = draw(st.sampled_from(TOKENS))
            text = text[:i] + token + (text[j:] if op == "replace" else text[i:])
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "latin-1", "utf-16"]))
    return kind, text.encode(encoding, errors="replace")


def _run(argv: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 2
    return code, err.getvalue()


def _check_solved(problem_file: Path, result_file: Path) -> None:
    result = json.loads(result_file.read_text())
    assert result["status"] != "error", result["info"]
    assert isinstance(result["makespan"], int) and 0 <= result["makespan"] < 2**53
    problem = load(problem_file)
    if problem.type != "joint":
        timing = evaluate(problem, Schedule.from_dict(result["schedule"]))
        check(problem, timing)
        assert timing.makespan == result["makespan"]


@settings(max_examples=120, deadline=None)
@given(mutated_text())
def test_every_file_type_mutated_fails_cleanly_or_gives_a_valid_result(case):
    from offloadsched import solve

    kind, data = case
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        src = tmp / {"suite": "tiny.toml", "csv": "t.csv", "taillard": "t.txt"}.get(kind, "f.json")
        src.write_bytes(data)
        valid = tmp / "j2.json"
        valid.write_text(TEXTS["j2"])
        (tmp / "dnn.json").write_text(TEXTS["dnn"])
        if kind in ("j2", "fm", "dag", "joint", "taillard"):
            method = {"j2": "johnson", "fm": "neh", "dag": "fifo", "joint": "lo", "taillard": "neh"}[kind]
            argv = ["solve", str(src), "-m", method, "--json", str(tmp / "r.json")]
        elif kind in ("schedule", "result"):
            argv = ["evaluate", str(valid), "--schedule", str(src), "--json", str(tmp / "t.json")]
        elif kind in ("dnn", "csv"):
            model = src if kind == "dnn" else tmp / "dnn.json"
            argv = ["instances", "profile", str(model), "-o", str(tmp / "p.json")] + \
                (["--device-times", str(src)] if kind == "csv" else [])
        else:
            argv = ["bench", "--suite", str(src), "--db", str(tmp / "r.sqlite"), "--dry-run"]
        code, err = _run(argv)
        assert code in (0, 2), (code, err)
        if code == 2:
            lines = err.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith(f"offloadsched {argv[0]}: error: "), err
            assert "Traceback" not in err
            return
        if argv[0] == "solve":
            _check_solved(src, tmp / "r.json")
        elif argv[0] == "evaluate":
            out = json.loads((tmp / "t.json").read_text())
            timing = evaluate(load(valid), Schedule.from_dict(out["schedule"]))
            check(load(valid), timing)
            assert timing.makespan == out["makespan"]
        elif argv[0] == "instances":
            res = solve(load(tmp / "p.json"), "lo")
            assert res.status != "error" and 0 <= res.makespan < 2**53
        else:
            from offloadsched.bench import load_suite
            from offloadsched.bench.runner import plan
            from offloadsched.registry import get_method

            for unit in plan(load_suite(src)):
                if unit.method is not None:  # every option the run would pass is of its declared type
                    get_method(unit.method.name).check_options(unit.method.options)
