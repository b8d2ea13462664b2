"""Issue 28, the file / command-line half: what the corpus (tests/bad_inputs.py) cannot see from an exit status.

Every registered option has a declared type; a foreign SQLite file given to ``report`` / ``export`` is left
byte-for-byte unchanged (no tables, no WAL); a report never writes outside its folder; ``--suite`` resolves
by a fixed rule whatever the working folder holds; the declared option types coerce and refuse as documented."""

from __future__ import annotations

import contextlib
import io
import os
import sqlite3
import sys
from pathlib import Path

import numpy as np
import pytest

import offloadsched
from offloadsched import ValidationError
from offloadsched.bench.suite import SUITES_DIR, find_suite, is_suite_path
from offloadsched.cli import main, parse_option
from offloadsched.io import from_dict, load, parse_json, read_text
from offloadsched.registry import OPTION_TYPES, Option, get_method

from .bad_inputs import TINY_SUITE, _escaped_suite, _make_results, dag_doc


def _quiet(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        return main(argv), err.getvalue()


@pytest.mark.parametrize("method", offloadsched.methods(), ids=lambda m: m.name)
def test_every_option_has_a_declared_type(method):
    for name in method.options:
        assert name in OPTION_TYPES or name in dict(method.option_types), f"{method.name}: option {name!r}"


def test_option_types_coerce_and_refuse():
    assert Option("int", 1, 10).check("k", np.int64(3), "m") == 3
    assert type(Option("int", 1, 10).check("k", np.int64(3), "m")) is int
    assert Option("bool").check("b", np.bool_(False), "m") is False
    assert Option("float", 0).check("t", 1, "m") == 1.0
    for opt, value in [(Option("int", 1, 10), 0), (Option("int", 1, 10), 11), (Option("int", 1), 1.0),
                       (Option("int", 1), True), (Option("bool"), "False"), (Option("bool"), 0),
                       (Option("float", 0), float("nan")), (Option("str", choices=("a",)), "b"), (Option("int"), None)]:
        with pytest.raises(ValidationError, match="must be"):
            opt.check("x", value, "m")
    assert Option("int", none=True).check("x", None, "m") is None
    assert parse_option("bounds=False") == ("bounds", False) and parse_option("x=None") == ("x", None)
    assert parse_option("rule=johnson") == ("rule", "johnson")


def test_none_follows_the_methods_signature():
    assert get_method("mip-path").option("workers").none  # workers: int | None = None
    assert not get_method("cpsat-flowshop").option("workers").none  # workers: int = 2


def test_solve_checks_declared_options_through_the_api():
    p = offloadsched.J2Problem([3, 1, 4], [1, 5, 9])
    with pytest.raises(ValidationError, match="bounds must be True or False, got 'False'"):
        offloadsched.solve(from_dict(dag_doc()), "sidney", bounds="False")
    assert offloadsched.solve(p, "bruteforce", time_limit=np.int64(5), max_candidates=np.int64(100)).makespan == 16


@pytest.mark.parametrize("command", ["report", "export"])
def test_read_only_commands_leave_a_foreign_database_unchanged(tmp_path, command):
    db = tmp_path / "other.sqlite"
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
        conn.commit()
    before = db.read_bytes()
    argv = {"report": ["report", "--db", str(db), "-o", str(tmp_path / "out")],
            "export": ["export", "--suite", "x", "--db", str(db), "-o", str(tmp_path / "x.csv")]}[command]
    code, err = _quiet(argv)
    assert code == 2 and "not an offloadsched results database" in err
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.sqlite"]  # no -wal, no -shm, no output


def test_report_and_export_do_not_write_to_a_results_database(tmp_path):
    (tmp_path / "tiny.toml").write_text(TINY_SUITE)
    _make_results(tmp_path)
    db = tmp_path / "r.sqlite"
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    stamp = (db.read_bytes(), os.stat(db).st_mtime_ns)
    assert _quiet(["export", "--suite", "tiny", "--db", str(db), "-o", str(tmp_path / "x.csv")])[0] == 0
    assert (db.read_bytes(), os.stat(db).st_mtime_ns) == stamp


def test_a_suite_named_to_escape_writes_nothing_outside(tmp_path):
    (tmp_path / "tiny.toml").write_text(TINY_SUITE)
    _escaped_suite(tmp_path)
    out = tmp_path / "a" / "b" / "out" / "deep"
    code, err = _quiet(["report", "--db", str(tmp_path / "r.sqlite"), "-o", str(out)])
    assert code == 2 and "would leave the output folder" in err
    assert not (tmp_path / "a" / "b" / "escaped.md").exists() and not list(tmp_path.rglob("escaped*"))


def test_suite_rule_ignores_the_working_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "quick").mkdir()
    (tmp_path / "quick.toml").write_text("name = [\n")
    assert find_suite("quick") == SUITES_DIR / "quick.toml"
    assert is_suite_path("./quick") and is_suite_path("quick.toml") and is_suite_path(Path("quick"))
    assert not is_suite_path("quick")
    with pytest.raises(ValidationError, match="malformed TOML"):
        offloadsched.bench.load_suite("quick.toml")


def test_files_are_bounded_before_reading(tmp_path):
    fifo = tmp_path / "f.json"
    os.mkfifo(fifo)
    with pytest.raises(ValidationError, match="it is a FIFO"):
        load(fifo)  # returns at once: the FIFO is never opened
    big = tmp_path / "big.json"
    big.write_text(" " * 100)
    with pytest.raises(ValidationError, match="above the ceiling of 10 bytes"):
        read_text(big, max_bytes=10)
    with pytest.raises(ValidationError, match="nested 70 levels deep"):
        parse_json("[" * 70 + "]" * 70, "x")
    assert parse_json('["[[[[", {"a": "{{{{"}]', "x") == ["[[[[", {"a": "{{{{"}]
    with pytest.raises(ValidationError, match="path must be a str, bytes or os.PathLike, got int"):
        load(5)
    with pytest.raises(ValidationError, match="it is a FIFO"):
        load(str(fifo).encode())  # a bytes path is a path


def test_corpus_counts_the_api_cases_when_present(monkeypatch):
    import types
    from dataclasses import dataclass

    from .bad_inputs import run_api

    @dataclass
    class Seen:
        kind: str
        detail: str = ""

    fake = types.ModuleType("tests.bad_api_inputs")
    fake.CASES = ["a", "b", "c"]  # type: ignore[attr-defined]
    fake.run_case = lambda case: {"a": Seen("clean error"), "b": Seen("correct result")}[case]  # type: ignore
    monkeypatch.setitem(sys.modules, "tests.bad_api_inputs", fake)
    groups = run_api()
    assert groups is not None
    assert [len(groups.get(k, [])) for k in ("clean error", "correct result", "traceback")] == [1, 1, 1]
