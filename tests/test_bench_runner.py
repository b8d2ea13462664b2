"""The runner and the results database: records, errors as results, resume after a kill, export."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pandas as pd
import pytest

from offloadsched.bench import ResultsDB, load_suite, run_suite
from offloadsched.bench.runner import LocalPool
from offloadsched.cli import main

from .test_bench_helpers import methods, write_suite  # noqa: F401  (fixture)

TINY = """
    name = "tiny"
    time_limit = 5
    seeds = [0, 1]
    [[row]]
    family = "random-j2"
    n = [3, 4]
    methods = ["fifo", "bruteforce"]
    [[row]]
    family = "random-tree"
    n = 6
    seeds = [2]
    methods = ["fifo", "bruteforce"]
"""


def complete(db: ResultsDB) -> pd.DataFrame:
    """Every stored row, checked to be whole."""
    df = pd.read_sql_query("SELECT * FROM runs", db.conn)
    ok = df["status"] != "error"
    assert df.loc[ok, ["makespan", "wall_time", "schedule", "machine", "git_rev", "problem_hash"]].notna().all().all()
    for text in df.loc[ok, "schedule"]:
        assert json.loads(text)["schedule"]
    return df


def test_records_and_resume(tmp_path):
    suite = load_suite(write_suite(tmp_path, TINY))
    with ResultsDB(tmp_path / "r.sqlite") as db:
        s = run_suite(suite, db, jobs=0, quiet=True, stream=open(os.devnull, "w"))
        assert (s.planned, s.ran, s.skipped, s.errors) == (10, 10, 0, 0)
        df = complete(db)
        assert db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        bf = df[df["method"] == "bruteforce"]
        assert set(bf["status"]) == {"optimal"} and (bf["bound"] == bf["makespan"]).all()
        assert json.loads(bf["options"].iloc[0]) == {"time_limit": 5.0}
        assert json.loads(df["options"][df["method"] == "fifo"].iloc[0]) == {}
        assert (df["lower_bound"] <= df["makespan"]).all()
        s = run_suite(suite, db, jobs=0, quiet=True, stream=open(os.devnull, "w"))
        assert (s.ran, s.skipped) == (0, 10)
        s = run_suite(suite, db, jobs=0, rerun=True, quiet=True, stream=open(os.devnull, "w"))
        assert s.ran == 10 and db.count() == 10


def test_method_errors_are_results_and_workers_that_die_are_replaced(tmp_path, methods):  # noqa: F811
    suite = load_suite(write_suite(tmp_path, """
        seeds = [0, 1, 2]
        [[row]]
        family = "random-j2"
        n = 4
        methods = ["fifo", "boom", "die-once"]
        [[row]]
        family = "random-j2"
        group = "lethal"
        n = 5
        seeds = [0]
        methods = ["die-always"]
    """))
    with ResultsDB(tmp_path / "r.sqlite") as db:
        s = run_suite(suite, db, executor=LocalPool(2), quiet=True, stream=open(os.devnull, "w"))
        df = complete(db)
    assert (s.planned, s.ran, s.lost) == (10, 10, 0)
    status = df.groupby("method")["status"].agg(set).to_dict()
    assert status == {"fifo": {"heuristic"}, "boom": {"error"}, "die-once": {"heuristic"}, "die-always": {"error"}}
    assert df.loc[df["method"] == "boom", "message"].str.contains("RuntimeError: boom").all()
    assert df.loc[df["method"] == "die-always", "message"].str.contains("worker process died").all()


def test_killed_run_resumes_without_loss(tmp_path):
    path = write_suite(tmp_path, """
        name = "killme"
        seeds = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]
        [[row]]
        family = "random-fm"
        n = 8
        methods = ["bruteforce"]
    """)
    dbfile = tmp_path / "r.sqlite"
    proc = subprocess.Popen([sys.executable, "-m", "offloadsched.cli", "bench", "--suite", str(path), "--db",
                             str(dbfile), "--jobs", "2", "--quiet"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            if dbfile.exists():
                with sqlite3.connect(dbfile, timeout=30) as conn:
                    try:
                        if conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0] >= 4:
                            break
                    except sqlite3.OperationalError:
                        pass
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGKILL)  # the bench and its pool workers, mid-suite
    finally:
        proc.wait(30)
    with ResultsDB(dbfile) as db:
        assert db.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        before = complete(db)
        assert 4 <= len(before) < 20
        s = run_suite(load_suite(path), db, jobs=0, quiet=True, stream=open(os.devnull, "w"))
        after = complete(db)
    assert s.skipped == len(before) and s.ran == 20 - len(before) and len(after) == 20
    kept = after.set_index("unit").loc[before["unit"]]
    assert (kept["finished_at"].to_numpy() == before["finished_at"].to_numpy()).all()  # not solved again


def test_changed_instance_is_solved_again(tmp_path):
    suite = load_suite(write_suite(tmp_path, TINY))
    with ResultsDB(tmp_path / "r.sqlite") as db:
        run_suite(suite, db, jobs=0, quiet=True, stream=open(os.devnull, "w"))
        db.conn.execute("UPDATE runs SET problem_hash = 'old' WHERE instance = 'random-tree(n=6)'")
        s = run_suite(suite, db, jobs=0, quiet=True, stream=open(os.devnull, "w"))
    assert (s.stale, s.ran) == (2, 2)


def test_export_csv_and_parquet(tmp_path, capsys):
    path = write_suite(tmp_path, TINY)
    db = str(tmp_path / "r.sqlite")
    assert main(["bench", "--suite", str(path), "--db", db, "--quiet", "--jobs", "0"]) == 0
    assert "10 run now" in capsys.readouterr().out
    assert main(["export", "--suite", "tiny", "--db", db, "-o", str(tmp_path / "out.csv")]) == 0
    csv = pd.read_csv(tmp_path / "out.csv")
    assert len(csv) == 10 and "group" in csv.columns and set(csv["method"]) == {"fifo", "bruteforce"}
    try:
        import pyarrow  # noqa: F401
    except ImportError:  # Parquet needs pyarrow, an optional dependency
        pass
    else:
        assert main(["export", "--suite", "tiny", "--db", db, "-o", str(tmp_path / "out.parquet")]) == 0
        pq = pd.read_parquet(tmp_path / "out.parquet")
        assert list(pq.columns) == list(csv.columns) and (pq["makespan"] == csv["makespan"]).all()
    assert main(["export", "--suite", "tiny", "--db", db, "-o", str(tmp_path / "out.xlsx")]) == 2
    assert main(["export", "--suite", "nope", "--db", db, "-o", str(tmp_path / "o.csv")]) == 2
    assert main(["export", "--suite", "tiny", "--db", str(tmp_path / "none.sqlite"), "-o", "o.csv"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 3 and "no results for suite 'nope'" in err[1] and "no results database" in err[2]


@pytest.mark.parametrize("quiet", [True, False])
def test_progress_output(tmp_path, quiet):
    import io

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Tty()
    with ResultsDB(tmp_path / "r.sqlite") as db:
        run_suite(load_suite(write_suite(tmp_path, TINY)), db, jobs=0, quiet=quiet, stream=out)
    text = out.getvalue()
    if quiet:
        assert "[10/10]" in text and "bruteforce: optimal" in text
    else:
        assert "10/10" in text and "failures 0" in text


def test_problem_files_as_a_family(tmp_path, fig4):
    from offloadsched import save

    (tmp_path / "data").mkdir()
    save(fig4, tmp_path / "data" / "fig4.json")
    suite = load_suite(write_suite(tmp_path, """
        [[row]]
        family = "file"
        path = "data/fig4.json"
        methods = ["fifo", "bruteforce"]
    """))
    with ResultsDB(tmp_path / "r.sqlite") as db:
        run_suite(suite, db, jobs=0, quiet=True, stream=open(os.devnull, "w"))
        df = complete(db)
    assert set(df["problem_type"]) == {"fm"} and df.set_index("method").loc["bruteforce", "makespan"] == 18
    assert json.loads(df["params"][0])["path"] == str(tmp_path / "data" / "fig4.json")
