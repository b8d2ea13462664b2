"""Faults of the benchmark runner: bench killed (SIGKILL, SIGTERM) mid-run leaves no process behind and a
rerun completes keeping every finished result; two concurrent runs on one database solve each unit once;
a unit past its hard wall-clock limit is killed and recorded as ``timeout``; a damaged database is one
clear message.  Small suites (a few seconds each).

The killed bench is busy by construction (:mod:`tests.bench_gate`): exactly three units finish, the others
wait for a file the test creates only after the kill, so the signal always reaches a running bench,
whatever the machine's load."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from offloadsched.bench import ResultsDB, load_suite, run_suite
from offloadsched.bench.runner import InProcess, LocalPool
from offloadsched.cli import main

from .bench_gate import GATE
from .test_bench_helpers import methods, write_suite  # noqa: F401  (fixture)

pytestmark = pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs Linux /proc")

UNITS = 10


def _ten_seeds(name: str, row: str) -> str:
    """A suite of one row run on seeds 0..9 (UNITS units)."""
    return f'name = "{name}"\nseeds = {list(range(UNITS))}\n[[row]]\n{row}\n'


SUITE = _ten_seeds("faults", 'family = "random-fm"\nn = 8\nmethods = ["bruteforce"]')
#: Ten units of which three finish and the rest wait for the gate file (tests.bench_gate).
FREE = 3
GATED = _ten_seeds("gated", f'task = "tests.bench_gate:gated_solve"\nfree = {FREE}')
ROOT = Path(__file__).resolve().parents[1]


def _bench(suite: Path, db: Path, jobs: int = 2) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    return subprocess.Popen([sys.executable, "-m", "offloadsched.cli", "bench", "--suite", str(suite), "--db", str(db),
                             "--jobs", str(jobs), "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)


def _processes_with(text: str) -> list[int]:
    """Pids of live processes whose command line mentions ``text`` (bench and its forked workers do)."""
    out = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (d / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if text in cmd and state != "Z":
            out.append(int(d.name))
    return out


def _rows(db: Path) -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(db, timeout=30) as conn:
        try:
            return conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
        except sqlite3.OperationalError:
            return 0


def _wait_rows(db: Path, n: int, proc: subprocess.Popen, timeout: float = 300) -> None:
    deadline = time.time() + timeout
    while _rows(db) < n:
        assert proc.poll() is None, "bench finished before it could be killed"
        assert time.time() < deadline, "bench made no progress"
        time.sleep(0.05)


def _gone(text: str, timeout: float = 60) -> list[int]:
    deadline = time.time() + timeout
    while (left := _processes_with(text)) and time.time() < deadline:
        time.sleep(0.05)
    return left


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_killed_bench_leaves_no_process_and_resumes(tmp_path, sig):
    suite, db = write_suite(tmp_path, GATED), tmp_path / f"killed-{sig.name}.sqlite"
    proc = _bench(suite, db)
    try:
        _wait_rows(db, FREE, proc)
        assert len(_processes_with(str(db))) >= 2  # bench and at least one worker
        assert proc.poll() is None  # the other units wait for the gate: bench is still running
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=120)  # returns only once every holder of the pipes is gone
    finally:
        if proc.poll() is None:
            proc.kill()
    assert _gone(str(db)) == []
    if sig == signal.SIGTERM:
        assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err
    with ResultsDB(db) as rdb:
        assert rdb.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        before = pd.read_sql_query("SELECT unit, finished_at FROM runs", rdb.conn)
        assert len(before) == FREE
        assert rdb.conn.execute("SELECT COUNT(*) FROM claims").fetchone()[0] <= 2  # at most the dead run's
        (tmp_path / GATE).touch()  # the units left may now finish
        s = run_suite(load_suite(suite), rdb, jobs=0, quiet=True, stream=open(os.devnull, "w"))
        after = pd.read_sql_query("SELECT unit, finished_at, status FROM runs", rdb.conn)
    assert (s.skipped, s.ran, len(after)) == (len(before), UNITS - len(before), UNITS)
    assert set(after["status"]) == {"optimal"}
    kept = after.set_index("unit").loc[before["unit"], "finished_at"].to_numpy()
    assert (kept == before["finished_at"].to_numpy()).all()  # finished results kept, not solved again


def test_two_concurrent_runs_solve_each_unit_once(tmp_path):
    suite, db = write_suite(tmp_path, SUITE), tmp_path / "shared.sqlite"
    with ResultsDB(db):
        pass  # create the database first, so both runs open the same file
    first, second = _bench(suite, db, jobs=1), _bench(suite, db, jobs=1)
    outs = [p.communicate(timeout=600) for p in (first, second)]
    assert [p.returncode for p in (first, second)] == [0, 0], outs
    ran = [int(re.search(r"(\d+) run now", out).group(1)) for out, _ in outs]
    elsewhere = [int(m.group(1)) if (m := re.search(r"(\d+) solved by another run", out)) else 0 for out, _ in outs]
    skipped = [int(re.search(r"(\d+) already stored", out).group(1)) for out, _ in outs]
    assert sum(ran) == UNITS  # each unit solved by exactly one of the runs
    assert [r + e + k for r, e, k in zip(ran, elsewhere, skipped)] == [UNITS, UNITS]
    assert _rows(db) == UNITS
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM claims").fetchone()[0] == 0


@pytest.mark.parametrize("executor", [lambda: LocalPool(2), InProcess], ids=["pool", "jobs0"])
def test_unit_past_its_hard_limit_is_killed(tmp_path, methods, executor):  # noqa: F811
    suite = load_suite(write_suite(tmp_path, """
        kill_after = 0.5
        [[row]]
        family = "random-j2"
        n = 4
        methods = ["fifo", {method = "slow", options = {delay = 30}}]
    """))
    t0 = time.perf_counter()
    with ResultsDB(tmp_path / "r.sqlite") as db:
        s = run_suite(suite, db, executor=executor(), quiet=True, stream=open(os.devnull, "w"))
        df = pd.read_sql_query("SELECT method, status, message FROM runs", db.conn).set_index("method")
    assert time.perf_counter() - t0 < 25  # the slow unit alone would take 30 s: it was killed
    assert s.timeouts == 1 and df.loc["fifo", "status"] == "heuristic"
    assert df.loc["slow", "status"] == "timeout" and "hard wall-clock limit of 0.5 s" in df.loc["slow", "message"]


def _damage(db: Path) -> None:
    """Overwrite the interior pages of a (checkpointed) SQLite file, keeping its header page."""
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(db.read_bytes())
    page = int.from_bytes(data[16:18], "big") or 65536
    for k in range(page, len(data)):
        data[k] = (k * 131 + 7) % 256
    db.write_bytes(bytes(data))


def test_damaged_database_is_one_clear_message(tmp_path, capsys):
    suite = write_suite(tmp_path, """
        seeds = [0, 1, 2]
        [[row]]
        family = "random-j2"
        n = [3, 4, 5, 6]
        methods = ["fifo", "johnson"]
    """)
    db = tmp_path / "r.sqlite"
    assert main(["bench", "--suite", str(suite), "--db", str(db), "--jobs", "0", "--quiet"]) == 0
    _damage(db)
    capsys.readouterr()
    for argv in (["bench", "--suite", str(suite), "--db", str(db), "--jobs", "0", "--quiet"],
                 ["report", "--db", str(db), "-o", str(tmp_path / "rep")],
                 ["export", "--suite", "tiny", "--db", str(db), "-o", str(tmp_path / "x.csv")]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "damaged" in err and "start a new one" in err, err
