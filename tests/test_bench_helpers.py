"""Helpers of the benchmark and report tests: tiny suite files and test-only methods.

Test methods are registered for one test (the ``methods`` fixture) and reach pool workers
because the local pool forks."""

from __future__ import annotations

import os
import signal
import textwrap
import time
from pathlib import Path

import pytest

from offloadsched import Partition, Schedule, SolverOutput, registry
from offloadsched.builtin import fifo
from offloadsched.registry import Method


def write_suite(directory: Path, text: str, name: str = "tiny") -> Path:
    """Write a suite file ``<directory>/<name>.toml``."""
    path = directory / f"{name}.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def suite_report(directory: Path, text: str, name: str):
    """Run the suite ``text`` (named ``name``) in this process into a database under ``directory``
    and return its report document."""
    from offloadsched.bench import ResultsDB, load_suite, run_suite
    from offloadsched.report import build_document

    with ResultsDB(directory / "r.sqlite") as db, open(os.devnull, "w") as sink:
        run_suite(load_suite(write_suite(directory, text, name)), db, jobs=0, quiet=True, stream=sink)
        return build_document(db, name)


def boom(problem, *, time_limit=None):
    """Always raises."""
    raise RuntimeError("boom: this method always fails")


def die_once(problem, *, time_limit=None):
    """Kills its own process the first time (marker file in $BENCH_TEST_MARKER), then acts as fifo."""
    marker = Path(os.environ["BENCH_TEST_MARKER"])
    if not marker.exists():
        marker.touch()
        os.kill(os.getpid(), signal.SIGKILL)
    return fifo(problem)


def die_always(problem, *, time_limit=None):
    """Kills its own process."""
    os.kill(os.getpid(), signal.SIGKILL)


def slow(problem, *, time_limit=None, delay: float = 0.2):
    """fifo after ``delay`` seconds."""
    time.sleep(delay)
    return fifo(problem)


def _joint(problem, make):
    parts = [make(dnn) for dnn in problem.jobs]
    dag = problem.dag(parts)
    return SolverOutput(Schedule({"local": dag.local_nodes.tolist()}), problem=dag, partitions=parts)


def local_only(problem, *, time_limit=None):
    """Joint: every job local-only."""
    return _joint(problem, Partition.local_only)


def cloud_only(problem, *, time_limit=None):
    """Joint: every job cloud-only."""
    return _joint(problem, Partition.cloud_only)


TEST_METHODS = {"boom": boom, "die-once": die_once, "die-always": die_always, "slow": slow}
JOINT_METHODS = {"test-lo": local_only, "test-co": cloud_only}


def register(mp: pytest.MonkeyPatch, tmp_path: Path) -> dict:
    """Register the test methods (flow and DAG problems; joint ones) until ``mp`` is undone."""
    mp.setenv("BENCH_TEST_MARKER", str(tmp_path / "died-once"))
    for name, fn in TEST_METHODS.items():
        mp.setitem(registry._REGISTRY, name, Method(name, fn, ("j2", "fm", "dag"), "heuristic", name))
    for name, fn in JOINT_METHODS.items():
        mp.setitem(registry._REGISTRY, name, Method(name, fn, ("joint",), "heuristic", name))
    return {**TEST_METHODS, **JOINT_METHODS}


@pytest.fixture
def methods(monkeypatch, tmp_path):
    """The test methods, registered for one test."""
    return register(monkeypatch, tmp_path)
