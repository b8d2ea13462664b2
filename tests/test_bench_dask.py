"""The Dask executor on a local cluster, and an unreachable scheduler as a one-line error."""

from __future__ import annotations

import os
import time

import pytest

from offloadsched.bench import ResultsDB, load_suite, run_suite
from offloadsched.cli import main

from .test_bench_helpers import methods, write_suite  # noqa: F401  (fixture)

distributed = pytest.importorskip("distributed")

SUITE = """
    seeds = [0, 1]
    [[row]]
    family = "random-fm"
    n = 4
    methods = ["fifo", "bruteforce", "boom"]
"""


def test_runs_on_a_local_cluster(tmp_path, methods):  # noqa: F811
    with distributed.LocalCluster(n_workers=1, processes=False, threads_per_worker=1, dashboard_address=None) as c:
        with ResultsDB(tmp_path / "r.sqlite") as db:
            suite = load_suite(write_suite(tmp_path, SUITE))
            s = run_suite(suite, db, scheduler=c.scheduler_address, quiet=True, stream=open(os.devnull, "w"))
            assert (s.planned, s.ran, s.lost, s.errors) == (6, 6, 0, 2)
            df = db.frame(suite.name)
            again = run_suite(suite, db, scheduler=c.scheduler_address, quiet=True, stream=open(os.devnull, "w"))
    assert again.skipped == 6 and again.ran == 0
    assert set(df["status"]) == {"heuristic", "optimal", "error"} and df["makespan"].notna().sum() == 4


def test_unit_past_its_hard_limit_is_killed_on_a_worker(tmp_path, methods):  # noqa: F811
    """The worker runs the unit in a forked child killed at the hard limit: status timeout, the rest runs."""
    suite = load_suite(write_suite(tmp_path, """
        kill_after = 0.5
        seeds = [0, 1]
        [[row]]
        family = "random-j2"
        n = 4
        methods = ["fifo", {method = "slow", options = {delay = 30}}]
    """))
    t0 = time.perf_counter()
    with distributed.LocalCluster(n_workers=1, processes=False, threads_per_worker=1, dashboard_address=None) as c:
        with ResultsDB(tmp_path / "r.sqlite") as db:
            s = run_suite(suite, db, scheduler=c.scheduler_address, quiet=True, stream=open(os.devnull, "w"))
            df = db.frame(suite.name)
    assert time.perf_counter() - t0 < 20
    assert (s.planned, s.ran, s.lost, s.timeouts) == (4, 4, 0, 2)
    assert sorted(df["status"]) == ["heuristic", "heuristic", "timeout", "timeout"]
    assert df.loc[df["status"] == "timeout", "message"].str.contains("hard wall-clock limit of 0.5 s").all()


def test_unreachable_scheduler_is_exit_2(tmp_path, capsys):
    path = write_suite(tmp_path, SUITE.replace(', "boom"', ""))
    code = main(["bench", "--suite", str(path), "--db", str(tmp_path / "r.sqlite"), "--scheduler",
                 "tcp://127.0.0.1:9", "--connect-timeout", "1"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "cannot reach the Dask scheduler at 'tcp://127.0.0.1:9'" in err[0]
    assert not (tmp_path / "r.sqlite").exists()
