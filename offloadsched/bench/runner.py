"""Run a suite: plan its work units, skip the stored ones, execute the rest, store each result.

A *unit* is one method on one instance (or one Python task).  :func:`plan` builds every
instance once in the client (so a bad parameter stops the run before anything is solved, and
the built problem's hash tells whether a stored result still matches it).  :func:`run_unit` is
what a worker executes: it rebuilds the instance from ``(family, params, seed)``, calls
:func:`offloadsched.solve` and returns plain result records; a method that raises gives a
record with status ``error`` and the message.  A task unit calls its function with the row's
parameters (and ``seed`` and ``results_dir``, the results database's folder, when it takes them);
a task may set a record's ``family`` and ``params`` to an instance family that rebuilds what it
solved, so that reports can replay its schedules.  The client writes each unit's records to the
database as they arrive, one transaction per unit.

Rows with ``stop_after_unproven`` (see :mod:`~offloadsched.bench.suite`) run their exact methods
in waves, one size per method and wave, smallest first (:class:`Chain`): each wave goes to the
executor whole, and a method whose last size was proven on no seed is not run further, its
larger sizes stored with status ``skipped`` (:func:`skipped_record`).  A stored unit's status counts
when resuming; ``rerun`` solves everything again.

Executors: serial (``jobs=0``), a local process pool (``jobs >= 1``, the default; a
worker that dies is replaced, its units retried, and a unit that kills its worker when run
alone is recorded as an error) or a Dask distributed cluster (``scheduler="tcp://host:port"``).
Every executor holds a unit to its hard wall-clock limit (:attr:`Unit.kill_after`; the unit is
killed and recorded with status ``timeout``): the pool's workers are forked processes, and the
serial executor and each Dask worker run a unit with a limit in a forked child of their own
process (:func:`run_guarded`).  Where ``fork`` is unavailable (Windows) the serial and Dask
executors run units in their process, without a hard limit.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import multiprocessing
import os
import platform as _platform
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from ..errors import ValidationError
from ..problems import Problem
from ..registry import get_method
from ..vocab import Status
from .builders import Built, get_family
from .db import COLUMNS, DEFAULT_DB, ResultsDB
from .suite import MethodSpec, Row, Suite, canonical, digest

DONE = Callable[["Unit", list[dict[str, Any]]], None]
LOST = Callable[["Unit", str], None]
SOLVER_PACKAGES = ("ortools", "highspy", "pulp", "scipy")
#: Statuses of an exact run that did not prove its result (the adaptive stop; "skipped" passes the stop on).
UNPROVEN = (Status.FEASIBLE, Status.ERROR, Status.SKIPPED, Status.TIMEOUT)


@dataclass(frozen=True)
class Unit:
    """One unit of work: a method on an instance, or a task with its parameters."""

    suite: str
    id: str
    row: int
    group: str
    source: str                     # family name, or task:<target>
    params: dict[str, Any]
    seed: int
    instance: str
    task: str | None = None
    method: MethodSpec | None = None
    problem_type: str | None = None
    problem_hash: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)
    results_dir: str | None = None  # where a task may write files (the results database's folder)
    kill_after: float | None = None  # hard wall-clock limit (s): killed, status "timeout"

    def describe(self) -> str:
        seed = f" seed {self.seed}" if self.seed else ""
        return f"{self.instance}{seed} {self.method.label if self.method else self.task}"


# -- instances ----------------------------------------------------------------------------------
def instance_label(source: str, params: dict[str, Any], defaults: dict[str, Any]) -> str:
    """``family(k=v, ...)`` with the parameters that differ from their defaults."""
    def fmt(v: Any) -> str:
        return "+".join(map(str, v)) if isinstance(v, list) else str(v)

    shown = [f"{k}={fmt(v)}" for k, v in params.items() if k not in defaults or defaults[k] != v]
    return f"{source}({', '.join(shown)})"


def problem_digest(problem: Problem) -> str:
    """A hash of the problem's JSON document (detects an instance that changed since it was solved)."""
    from ..io import to_dict

    return digest(to_dict(problem))


@functools.lru_cache(maxsize=8)
def _build(family: str, params_json: str, seed: int) -> tuple[Built, str]:
    import json

    built = get_family(family).build(json.loads(params_json), seed)
    return built, problem_digest(built.problem)


def build_instance(family: str, params: dict[str, Any], seed: int = 0) -> Built:
    """The instance of ``(family, params, seed)`` (cached per process)."""
    return _build(family, canonical(params), seed)[0]


def plan(suite: Suite) -> list[Unit]:
    """Every unit of ``suite``; builds each instance once (errors name the file and row)."""
    units: dict[str, Unit] = {}
    for row in suite.rows:
        for params in row.grid:
            for seed in row.seeds:
                for u in _row_units(suite, row, params, seed):
                    units.setdefault(u.id, u)  # a run listed by two rows runs once
    return list(units.values())


def _row_units(suite: Suite, row: Row, params: dict[str, Any], seed: int) -> list[Unit]:
    if row.task is not None:
        defaults = {k: p.default for k, p in row.task.params.items()}
        uid = digest({"suite": suite.name, "task": row.task.target, "params": params, "seed": seed})
        return [Unit(suite.name, uid, row.index, row.group, row.source, params, seed,
                     instance_label(row.source, params, defaults), task=row.task.target, kill_after=suite.kill_after)]
    fam = row.family
    assert fam is not None  # a row has a family or a task
    try:
        built, phash = _build(fam.name, canonical(params), seed)
    except (ValidationError, TypeError, ValueError) as exc:
        raise ValidationError(f"{row.where}: cannot build the instance {params} ({exc})") from None
    ptype = built.problem.type
    label = instance_label(fam.name, params, {k: p.default for k, p in fam.params.items()})
    attrs = {**built.attrs, "size": built.attrs.get("size", getattr(built.problem, "size", None))}
    out = []
    for m in row.methods_for(ptype, built.problem):
        uid = digest({"suite": suite.name, "family": fam.name, "params": params, "seed": seed, "method": m.label,
                      "name": m.name, "options": m.options_key})
        out.append(Unit(suite.name, uid, row.index, row.group, fam.name, params, seed, label, method=m,
                        problem_type=ptype, problem_hash=phash, attrs=attrs, kill_after=kill_after(suite, m)))
    return out


#: Hard wall-clock limit of a method unit without a time limit (seconds; a suite's ``kill_after`` overrides).
DEFAULT_KILL_AFTER = 600.0


def kill_after(suite: Suite, method: MethodSpec) -> float:
    """The hard wall-clock limit of a method unit: the suite's ``kill_after``, else twice the method's time
    limit plus 10 s (every method honours its limit within that slack), else :data:`DEFAULT_KILL_AFTER`."""
    if suite.kill_after is not None:
        return suite.kill_after
    if method.time_limit:
        return 2 * method.time_limit + 10
    return DEFAULT_KILL_AFTER


# -- the worker side ----------------------------------------------------------------------------------
@functools.cache
def machine() -> str:
    """Where this process runs: host, architecture, CPUs, Python."""
    return (f"{_platform.node()} ({_platform.machine()}, {os.cpu_count()} CPU, "
            f"Python {_platform.python_version()})")


@functools.cache
def solver_versions() -> str:
    from .. import __version__

    parts = [f"offloadsched {__version__}"]
    for pkg in SOLVER_PACKAGES:
        try:
            parts.append(f"{pkg} {metadata.version(pkg)}")
        except metadata.PackageNotFoundError:
            pass
    return "; ".join(parts)


def _base_record(unit: Unit) -> dict[str, Any]:
    return {"group_name": unit.group, "family": unit.source, "instance": unit.instance, "params": unit.params,
            "seed": unit.seed, "problem_type": unit.problem_type, "problem_hash": unit.problem_hash,
            "size": unit.attrs.get("size"), "attrs": unit.attrs, "machine": machine()}


def _error_text(exc: BaseException) -> str:
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return text if len(text) <= 500 else text[:497] + "..."


def error_record(unit: Unit, message: str, wall_time: float | None = None,
                 status: Status = Status.ERROR) -> dict[str, Any]:
    """The record of a unit that failed: status ``error`` (or ``status``) with ``message``."""
    rec = _base_record(unit)
    if unit.method is not None:
        m = unit.method
        rec.update(method=m.label, method_name=m.name, kind=m.kind, options=m.options_key)
    else:
        task = _task(unit)
        rec.update(method=task.rpartition(":")[2], method_name=task, kind="task", options="{}")
    rec.update(status=str(status), message=message, wall_time=wall_time, solver_version=solver_versions())
    return rec


def skipped_record(unit: Unit, axis: str, size: Any) -> dict[str, Any]:
    """The record of a unit not run because its method did not prove optimality at the smaller ``axis = size``."""
    m = _method(unit)
    limit = f"within its time limit ({m.time_limit:g} s)" if m.time_limit else "(no time limit)"
    return error_record(unit, f"not run: {m.label} did not prove optimality at size {axis}={size} {limit}",
                        status=Status.SKIPPED)


def _method(unit: Unit) -> MethodSpec:
    assert unit.method is not None, f"{unit.describe()} is a task, not a method"
    return unit.method


def _task(unit: Unit) -> str:
    assert unit.task is not None, f"{unit.describe()} is a method, not a task"
    return unit.task


def run_unit(unit: Unit) -> list[dict[str, Any]]:
    """Execute one unit (in a worker) and return its result records; never raises for a method's error."""
    t0 = time.perf_counter()
    try:
        if unit.task is not None:
            return _run_task(unit)
        return [_run_method(unit)]
    except Exception as exc:  # a method's failure is a result
        return [error_record(unit, _error_text(exc), time.perf_counter() - t0)]


def run_guarded(unit: Unit) -> list[dict[str, Any]]:
    """:func:`run_unit` held to the unit's hard wall-clock limit: in a forked child of this process that is
    killed at :attr:`Unit.kill_after` (a record with status ``timeout``), as in :class:`LocalPool`.  A unit
    without a limit, or where ``fork`` is unavailable, runs in this process."""
    if unit.kill_after is None or "fork" not in multiprocessing.get_all_start_methods():
        return run_unit(unit)
    if unit.method is not None:  # import the method's module here once, not in every child
        try:
            get_method(unit.method.name).load()
        except Exception:  # the child reports it as the unit's error
            pass
    out: list[dict[str, Any]] = []
    LocalPool(1, "fork").run([unit], lambda u, records: out.extend(records), lambda u, message: None)
    return out


def _run_method(unit: Unit) -> dict[str, Any]:
    from ..solve import solve

    m = _method(unit)
    built, phash = _build(unit.source, canonical(unit.params), unit.seed)
    res = solve(built.problem, m.name, time_limit=m.time_limit, **m.options)
    rec = _base_record(unit)
    rec.update(problem_hash=phash, method=m.label, method_name=m.name, kind=m.kind, options=m.options_key,
               **result_fields(res))
    return rec


def result_fields(res) -> dict[str, Any]:
    """The stored columns of an :func:`offloadsched.solve` result: status, makespan, bounds, wall time,
    info, the schedule (sequences, partitions, overlap), message, solver version and the jobs' response
    times (mean, 95th percentile, maximum)."""
    d = res.to_dict()
    info = d["info"]
    return {"status": str(res.status), "makespan": res.makespan, "bound": res.bound, "lower_bound": res.lower_bound,
            "wall_time": res.wall_time_s, "info": info or None,
            "schedule": {"schedule": d["schedule"], "partitions": d["partitions"], "overlap": d.get("overlap", True)}
            if d["schedule"] else None,
            "message": info.get("inconsistency") or (info.get("reason") if res.status == Status.ERROR else None),
            "solver_version": str(info.get("solver_version") or solver_versions()),
            "response_mean": res.response_mean, "response_p95": res.response_p95, "response_max": res.response_max}


def _run_task(unit: Unit) -> list[dict[str, Any]]:
    from .suite import load_target

    fn = load_target(_task(unit))
    t0 = time.perf_counter()
    takes = _task_params(fn)
    context = {"seed": unit.seed, "results_dir": unit.results_dir or str(DEFAULT_DB.parent.resolve())}
    params = {**unit.params, **{k: v for k, v in context.items() if k in takes}}
    records = list(fn(**params))
    wall = time.perf_counter() - t0
    out = []
    base = error_record(unit, "")
    for rec in records:
        unknown = set(rec) - set(COLUMNS)
        if unknown:
            raise ValueError(f"task {unit.task} returned unknown record fields {sorted(unknown)}")
        full = {**base, "status": str(Status.DONE), "message": None, "wall_time": wall / max(len(records), 1),
                "method_name": rec.get("method", base["method"]), **rec}
        out.append(full)
    if not out:
        raise ValueError(f"task {unit.task} returned no records")
    return out


def _task_params(fn) -> set[str]:
    import inspect

    return set(inspect.signature(fn).parameters)


# -- executors ---------------------------------------------------------------------------------------
CLAIM = Callable[["Unit"], bool]


class InProcess:
    """Run the units one after another from this process (``jobs=0``): each in a forked child held to its
    hard wall-clock limit (:func:`run_guarded`), so what this process registered or patched applies."""

    def run(self, units: list[Unit], done: DONE, lost: LOST, claim: CLAIM | None = None) -> None:
        for u in units:
            if claim is None or claim(u):
                done(u, run_guarded(u))

    def close(self) -> None:
        pass


def _set_parent_death_signal() -> None:
    """Linux: this process gets SIGKILL when its parent dies (even by SIGKILL), so no worker outlives
    ``bench``.  Elsewhere a no-op (the parent's cleanup still kills its workers)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _worker(conn, unit: Unit, parent: int) -> None:
    """A pool worker: one unit, its records sent back through ``conn``."""
    import signal

    _set_parent_death_signal()
    if os.getppid() != parent:  # the parent died before the death signal was armed
        os._exit(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent decides
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        records = run_unit(unit)
    except BaseException as exc:  # run_unit catches Exception; anything else still becomes a result
        records = [error_record(unit, _error_text(exc))]
    conn.send(records)
    conn.close()


@dataclass
class _Running:
    unit: Unit
    proc: Any
    conn: Any
    deadline: float | None


class LocalPool:
    """A local pool of at most ``jobs`` worker processes, one process per unit (forked).

    * A unit that runs past its hard wall-clock limit (:attr:`Unit.kill_after`) is killed and
      recorded with status ``timeout``.
    * A worker that dies (killed, out of memory, crashed) has its unit retried once; a unit whose
      worker dies twice is recorded as an error.
    * Workers die with ``bench``: on Linux each worker asks for SIGKILL when its parent dies (so a
      SIGKILL of ``bench`` leaves none behind), and on any exception or interrupt (SIGINT, SIGTERM)
      the pool kills its workers before it returns.
    * ``claim(unit)`` is asked just before a unit starts; a unit it refuses is not run."""

    def __init__(self, jobs: int, mp_context: str | None = None) -> None:
        if jobs < 1:
            raise ValidationError(f"--jobs must be >= 1 for a process pool, got {jobs}")
        self.jobs = jobs
        method = mp_context or ("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
        self.ctx: Any = multiprocessing.get_context(method)  # typeshed: BaseContext lacks Process

    def run(self, units: list[Unit], done: DONE, lost: LOST, claim: CLAIM | None = None) -> None:
        from collections import deque
        from multiprocessing.connection import wait

        queue = deque(units)
        running: list[_Running] = []
        deaths: Counter[str] = Counter()
        try:
            while queue or running:
                while queue and len(running) < self.jobs:
                    u = queue.popleft()
                    if claim is None or claim(u):
                        running.append(self._start(u))
                if not running:
                    continue
                now = time.monotonic()
                deadlines = [r.deadline for r in running if r.deadline is not None]
                timeout = max(0.0, min(deadlines) - now) if deadlines else None
                ready = set(wait([r.conn for r in running] + [r.proc.sentinel for r in running], timeout))
                for r in list(running):
                    records = None
                    if r.conn in ready or r.proc.sentinel in ready:
                        records = self._receive(r)
                        if records is None:  # the worker died without a result
                            deaths[r.unit.id] += 1
                            if deaths[r.unit.id] < 2:
                                queue.append(r.unit)
                            else:
                                records = [error_record(r.unit, "the worker process died while running this unit "
                                                                "(killed, out of memory or crashed)")]
                    elif r.deadline is not None and time.monotonic() >= r.deadline:
                        self._kill(r)
                        limit = r.unit.kill_after
                        records = [error_record(r.unit, f"killed after its hard wall-clock limit of {limit:g} s",
                                                wall_time=limit, status=Status.TIMEOUT)]
                    else:
                        continue
                    running.remove(r)
                    self._reap(r)
                    if records is not None:
                        done(r.unit, records)
        finally:
            for r in running:
                self._kill(r)
                self._reap(r)

    def _start(self, unit: Unit) -> _Running:
        recv, send = self.ctx.Pipe(duplex=False)
        proc = self.ctx.Process(target=_worker, args=(send, unit, os.getpid()), daemon=True)
        proc.start()
        send.close()
        deadline = time.monotonic() + unit.kill_after if unit.kill_after else None
        return _Running(unit, proc, recv, deadline)

    @staticmethod
    def _receive(r: _Running) -> list[dict[str, Any]] | None:
        try:
            if r.conn.poll(0.1):
                return r.conn.recv()
        except (EOFError, OSError):
            pass
        return None

    @staticmethod
    def _kill(r: _Running) -> None:
        if r.proc.is_alive():
            r.proc.kill()

    @staticmethod
    def _reap(r: _Running) -> None:
        r.proc.join(5)
        r.conn.close()

    def close(self) -> None:
        pass


#: A Dask scheduler address: ``[protocol://]host:port`` (an IPv6 host in brackets).
SCHEDULER_ADDRESS = re.compile(r"(?:(tcp|tls|ws|wss|ucx)://)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})")
INPROC_ADDRESS = re.compile(r"inproc://[^\s/]+(/[^\s/]+)+")


def check_scheduler(address: str, connect_timeout: float) -> None:
    """Refuse a malformed scheduler address or connection timeout before any connection is tried."""
    m = SCHEDULER_ADDRESS.fullmatch(address)
    inproc = INPROC_ADDRESS.fullmatch(address)  # a scheduler in this process (LocalCluster(processes=False))
    if inproc is None and (m is None or not 1 <= int(m.group(3)) <= 65535):
        raise ValidationError(f"--scheduler {address!r} is not a scheduler address (tcp://HOST:PORT, port 1..65535)")
    if not (isinstance(connect_timeout, (int, float)) and math.isfinite(connect_timeout) and connect_timeout > 0):
        raise ValidationError(f"--connect-timeout must be a positive number of seconds, got {connect_timeout!r}")


class DaskCluster:
    """Send the units to a Dask distributed scheduler; the workers need only this package.

    Each worker runs a unit through :func:`run_guarded`: in a forked child killed at the unit's hard
    wall-clock limit (a ``timeout`` record), so a runaway unit holds neither a worker thread nor the run."""

    def __init__(self, address: str, connect_timeout: float = 5.0) -> None:
        check_scheduler(address, connect_timeout)
        try:
            from distributed import Client
        except ImportError:
            raise ValidationError("--scheduler needs dask distributed (pip install 'dask[distributed]')") from None
        try:
            self.client = Client(address, timeout=f"{connect_timeout}s", set_as_default=False)
        except Exception as exc:
            raise ValidationError(f"cannot reach the Dask scheduler at {address!r} "
                                  f"({' '.join(str(exc).split()) or type(exc).__name__})") from None

    def run(self, units: list[Unit], done: DONE, lost: LOST, claim: CLAIM | None = None) -> None:
        from distributed import as_completed as dask_completed

        futures = {}
        for u in units:
            if claim is None or claim(u):
                futures[self.client.submit(run_guarded, u, pure=False)] = u
        try:
            for fut in dask_completed(list(futures), loop=self.client.loop):
                u = futures.pop(fut)
                try:
                    records = fut.result()
                except Exception as exc:  # the worker was lost: the unit stays to be run again
                    lost(u, _error_text(exc))
                else:
                    done(u, records)
                fut.release()
        finally:
            if futures:
                self.client.cancel(list(futures))

    def close(self) -> None:
        self.client.close()


# -- the adaptive stop -----------------------------------------------------------------------------------
@dataclass
class Chain:
    """The units of one exact method on one stopping row (other parameters fixed), by size, smallest first."""

    axis: str
    stages: list[tuple[Any, list[Unit]]]
    pos: int = 0
    stopped_at: Any = None

    def next_wave(self, statuses: dict[str, set[str]], todo: set[str], skip: DONE) -> list[Unit]:
        """The units of the first size not settled yet; passes settled sizes, and after an unproven one
        hands every remaining unit to do to ``skip``."""
        while self.pos < len(self.stages):
            size, stage = self.stages[self.pos]
            if self.stopped_at is not None:
                for u in stage:
                    if u.id in todo:
                        skip(u, [skipped_record(u, self.axis, self.stopped_at)])
                self.pos += 1
                continue
            pending = [u for u in stage if u.id not in statuses]
            if pending:
                return [u for u in pending if u.id in todo]
            if all(statuses[u.id] <= set(UNPROVEN) for u in stage):
                self.stopped_at = size
            self.pos += 1
        return []


def chains(suite: Suite, units: list[Unit]) -> tuple[list[Unit], list[Chain]]:
    """Split ``units`` into those that run freely and the chains of the rows' adaptive stops."""
    axes = {r.index: r.size_axis for r in suite.rows}
    free: list[Unit] = []
    groups: dict[tuple[int, str, str], dict[Any, list[Unit]]] = {}
    axis_of: dict[int, str] = {}
    for u in units:
        axis = axes.get(u.row)
        if axis is None or u.method is None or u.method.kind != "exact":
            free.append(u)
            continue
        rest = canonical({k: v for k, v in u.params.items() if k != axis})
        axis_of[u.row] = axis
        groups.setdefault((u.row, u.method.label, rest), {}).setdefault(u.params[axis], []).append(u)
    return free, [Chain(axis_of[key[0]], sorted(g.items(), key=lambda kv: kv[0])) for key, g in groups.items()]


class Claims:
    """The claims of one run on its results database (two runs on one database solve each unit once).

    Called with a unit just before it starts: claims it in the database and says whether to run it.
    A unit a live run holds is put aside (:meth:`settle` waits for it: its results arrive, or its run
    dies and this run takes it over); one whose results arrived meanwhile is handed to ``on_stored``."""

    def __init__(self, db: ResultsDB, *, rerun: bool = False, poll: float = 0.5) -> None:
        self.db, self.rerun, self.poll = db, rerun, poll
        self.waiting: dict[str, Unit] = {}
        self.on_stored: Callable[[Unit, set[str]], None] = lambda unit, statuses: None

    def __call__(self, unit: Unit) -> bool:
        state = self.db.claim(unit.suite, unit.id, problem_hash=unit.problem_hash, rerun=self.rerun)
        if state == "mine":
            self.waiting.pop(unit.id, None)
            return True
        if state == "taken":
            self.waiting[unit.id] = unit
        else:
            self.waiting.pop(unit.id, None)
            statuses = {r[0] for r in self.db.conn.execute("SELECT status FROM runs WHERE suite = ? AND unit = ?",
                                                           (unit.suite, unit.id))}
            self.on_stored(unit, statuses)
        return False

    def settle(self, executor, done: DONE, lost: LOST) -> None:
        """Wait for the units other runs hold; run those whose run died."""
        while self.waiting:
            time.sleep(self.poll)
            executor.run(list(self.waiting.values()), done, lost, claim=self)


def run_waves(executor, suite: Suite, units: list[Unit], todo: list[Unit], stored: dict[str, set[str]], done: DONE,
              lost: LOST, claims: Claims | None = None) -> None:
    """Run ``todo`` (among the planned ``units``) on ``executor``: the free units and the first size of every
    chain, then each chain's next size, wave after wave.  ``stored``: the statuses of the units not to do.
    With ``claims``, each unit is claimed in the database as it starts, and each wave ends once the units
    other runs hold are settled."""
    by_id = {u.id: u for u in todo}  # the units to do as given (a task's results_dir filled in)
    free, chained = chains(suite, units)
    statuses = dict(stored)

    def record(unit: Unit, records: list[dict[str, Any]]) -> None:
        statuses[unit.id] = {str(r.get("status")) for r in records}
        done(unit, records)

    def gone(unit: Unit, message: str) -> None:
        statuses[unit.id] = {"lost"}  # neither proven nor unproven: the chain goes on
        lost(unit, message)

    if claims is not None:
        elsewhere = claims.on_stored

        def stored_elsewhere(unit: Unit, found: set[str]) -> None:
            statuses[unit.id] = found
            elsewhere(unit, found)

        claims.on_stored = stored_elsewhere
    wave = [by_id[u.id] for u in free if u.id in by_id]
    while True:
        wave += [by_id[u.id] for c in chained for u in c.next_wave(statuses, set(by_id), record)]
        if not wave:
            return
        if claims is None:
            executor.run(wave, record, gone)
        else:
            executor.run(wave, record, gone, claim=claims)
            claims.settle(executor, record, gone)
        wave = []


# -- progress -------------------------------------------------------------------------------------------
class Progress:
    """Progress of a run: a rich bar (done / total, failures, ETA) or plain log lines."""

    def __init__(self, title: str, total: int, *, plain: bool, stream=None) -> None:
        self.total, self.plain, self.stream = total, plain, stream or sys.stderr
        self.done = self.failures = 0
        self._bar = None
        if not plain and total:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
            from rich.progress import Progress as Bar

            self._bar = Bar(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("failures {task.fields[failures]}"), TimeElapsedColumn(),
                            TextColumn("ETA"), TimeRemainingColumn(),
                            console=Console(file=self.stream), transient=False)
            self._task = self._bar.add_task(title, total=total, failures=0)
            self._bar.start()

    def update(self, unit: Unit, records: list[dict[str, Any]] | None, failure: str | None = None,
               note: str | None = None) -> None:
        self.done += 1
        if note is not None:
            if self._bar is not None:
                self._bar.update(self._task, advance=1)
            else:
                print(f"[{self.done:>{len(str(self.total))}}/{self.total}] {unit.describe()}: {note}", file=self.stream,
                      flush=True)
            return
        records = records or []
        failed = failure is not None or any(r.get("status") == Status.ERROR for r in records)
        self.failures += failed
        if self._bar is not None:
            self._bar.update(self._task, advance=1, failures=self.failures)
            if failed:
                self._bar.console.print(f"[red]failed[/red] {unit.describe()}: "
                                        f"{failure or records[0].get('message')}", highlight=False)
            return
        width = len(str(self.total))
        if failure is not None:
            text = f"lost ({failure})"
        else:
            r = records[0]
            ms = f"{r['makespan'] / 1e3:.3f} ms" if r.get("makespan") is not None else "-"
            wall = f"{r['wall_time']:.2f} s" if r.get("wall_time") is not None else ""
            text = f"{r['status']} {ms} {wall}" + (f" {r['message']}" if r.get("status") == Status.ERROR else "")
        print(f"[{self.done:>{width}}/{self.total}] {unit.describe()}: {text}", file=self.stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()


# -- the run -------------------------------------------------------------------------------------------
@dataclass
class RunSummary:
    """What a run did: units planned, skipped (stored), run, with an error status, lost, not run after an
    unproven size (``stopped``, stored with status ``skipped``)."""

    suite: str
    planned: int
    skipped: int = 0
    ran: int = 0
    errors: int = 0
    lost: int = 0
    stale: int = 0
    stopped: int = 0
    elsewhere: int = 0
    timeouts: int = 0
    wall_time: float = 0.0

    def line(self, db_path: Path) -> str:
        return (f"suite {self.suite}: {self.planned} runs, {self.skipped} already stored, {self.ran} run now "
                f"({self.errors} with status error, {self.lost} lost, {self.stale} re-run for a changed instance"
                + (f"; {self.timeouts} killed at their hard time limit" if self.timeouts else "")
                + (f"; {self.stopped} not run after an unproven size" if self.stopped else "")
                + (f"; {self.elsewhere} solved by another run" if self.elsewhere else "") + ") "
                f"in {self.wall_time:.1f} s; results in {db_path}")


@functools.cache
def git_revision() -> str:
    """``git describe`` of the package's checkout (``-dirty`` when modified), or ``unknown``."""
    try:
        out = subprocess.run(["git", "describe", "--always", "--dirty", "--abbrev=12"], capture_output=True,
                             text=True, timeout=10, cwd=Path(__file__).resolve().parents[2])
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def make_executor(jobs: int = 1, scheduler: str | None = None, connect_timeout: float = 5.0):
    """In-process (``jobs=0``), a local pool, or a Dask cluster (``scheduler``)."""
    if scheduler:
        return DaskCluster(scheduler, connect_timeout)
    return InProcess() if jobs == 0 else LocalPool(jobs)


def run_suite(suite: Suite, db: ResultsDB, *, jobs: int = 1, scheduler: str | None = None, rerun: bool = False,
              quiet: bool = False, executor=None, stream=None, connect_timeout: float = 5.0) -> RunSummary:
    """Run the units of ``suite`` not yet stored in ``db`` (all with ``rerun``); see the module doc."""
    t0 = time.perf_counter()
    units = plan(suite)
    executor = executor or make_executor(jobs, scheduler, connect_timeout)
    summary = RunSummary(suite.name, len(units))
    try:
        db.set_suite(suite.name, str(suite.path), suite.data, [u.id for u in units])
        stored = {} if rerun else db.done(suite.name)
        stored_statuses = {} if rerun else db.statuses(suite.name)
        results_dir = str(db.path.parent.resolve())
        todo = []
        for u in units:
            if u.id in stored and (u.problem_hash is None or stored[u.id] in (None, u.problem_hash)):
                summary.skipped += 1
                continue
            summary.stale += u.id in stored
            todo.append(dataclasses.replace(u, results_dir=results_dir) if u.task else u)
        progress = Progress(f"bench {suite.name}", len(todo), plain=quiet or not _isatty(stream), stream=stream)
        rev = git_revision()

        def done(unit: Unit, records: list[dict[str, Any]]) -> None:
            db.write_unit(suite.name, unit.id, [{**r, "git_rev": rev} for r in records])
            stopped = unit.method is not None and any(r.get("status") == Status.SKIPPED for r in records)
            summary.ran += not stopped
            summary.stopped += stopped
            summary.errors += any(r.get("status") == Status.ERROR for r in records)
            summary.timeouts += any(r.get("status") == Status.TIMEOUT for r in records)
            progress.update(unit, records)

        def lost(unit: Unit, message: str) -> None:
            summary.lost += 1
            db.release(suite.name, unit.id)
            progress.update(unit, None, message)

        def elsewhere(unit: Unit, statuses: set[str]) -> None:
            summary.elsewhere += 1
            progress.update(unit, None, note="solved by another run")

        claims = Claims(db, rerun=rerun)
        claims.on_stored = elsewhere
        try:
            ids = {u.id for u in todo}
            run_waves(executor, suite, units, todo, {k: v for k, v in stored_statuses.items() if k not in ids}, done,
                      lost, claims)
        finally:
            progress.close()
            db.release(suite.name)
    finally:
        executor.close()
    summary.wall_time = time.perf_counter() - t0
    return summary


def _isatty(stream) -> bool:
    stream = stream or sys.stderr
    return bool(getattr(stream, "isatty", lambda: False)())


def summarize(units: Iterable[Unit]) -> Counter[str]:
    """Units per method label (for ``--dry-run``)."""
    return Counter(u.method.label if u.method else _task(u) for u in units)
