"""Subcommands ``bench``, ``report`` and ``export`` (module listed in ``offloadsched.cli.COMMAND_MODULES``)."""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import signal
import sys
import threading
from pathlib import Path

from ..errors import ValidationError
from .db import DEFAULT_DB


def register(sub) -> None:
    p = sub.add_parser("bench", help="run a benchmark suite into the results database",
                       description="Run every (instance, method, seed) of a suite that the results database "
                       "does not hold yet; each result is committed as it arrives, so an interrupted run resumes.")
    p.add_argument("--suite", "-s", default="quick", help="a shipped suite's name (see --list) or a suite file: "
                   "a path with a slash or ending in .toml (default: quick)")
    p.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"results database (default: {DEFAULT_DB})")
    p.add_argument("--jobs", "-j", type=int, help="local worker processes (default: the suite's 'jobs', else "
                   f"{default_jobs()} here; 0: one unit at a time, each in a child of this process)")
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="run on a Dask distributed cluster instead")
    p.add_argument("--connect-timeout", type=float, default=5.0, help="seconds to reach the scheduler (default 5)")
    p.add_argument("--rerun", action="store_true", help="solve again what the database already holds")
    p.add_argument("--quiet", "-q", action="store_true", help="plain log lines instead of a progress bar")
    p.add_argument("--dry-run", action="store_true", help="validate the suite and list what would run")
    p.add_argument("--list", action="store_true", help="list the shipped suites and the instance families")
    p.set_defaults(func=_bench)

    p = sub.add_parser("report", help="write the Markdown and HTML report of a suite",
                       description="Gap tables, the papers' tables beside ours, plots and Gantt charts, from the "
                       "results database: <out>/<suite>.md and a self-contained <out>/<suite>.html.")
    p.add_argument("--suite", "-s", help="suite name (default: every suite in the database)")
    p.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"results database (default: {DEFAULT_DB})")
    p.add_argument("--output", "-o", type=Path, default=Path("reports"), help="output folder (default: reports)")
    p.set_defaults(func=_report)

    p = sub.add_parser("export", help="export a suite's results to CSV or Parquet",
                       description="Write one row per run of a suite (the database's columns) to a .csv or "
                       ".parquet file (atomically).")
    p.add_argument("--suite", "-s", required=True, help="suite name")
    p.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"results database (default: {DEFAULT_DB})")
    p.add_argument("--output", "-o", type=Path, required=True, help="output file, .csv or .parquet")
    p.set_defaults(func=_export)


@contextlib.contextmanager
def _sigterm_as_interrupt():
    """SIGTERM shuts ``bench`` down like Ctrl-C: the pool kills its workers, claims are released, the
    finished results stay, exit status 130."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def _db_errors(fn):
    """Turn an SQLite error on the results database (a damaged file) into one clear message."""
    import functools
    import sqlite3

    @functools.wraps(fn)
    def wrapper(args: argparse.Namespace) -> int:
        try:
            return fn(args)
        except sqlite3.DatabaseError as exc:
            from .db import database_error

            raise database_error(args.db, exc) from None
    return wrapper


def default_jobs() -> int:
    """Local workers when neither ``--jobs`` nor the suite says: 2, or 1 on a one-CPU machine."""
    return min(2, os.cpu_count() or 1)


def _suite_name(text: str) -> str:
    from .suite import is_suite_path, load_suite

    return load_suite(text).name if is_suite_path(text) else text


@_db_errors
def _bench(args: argparse.Namespace) -> int:
    from .db import ResultsDB
    from .runner import chains, plan, run_suite, summarize
    from .suite import load_suite

    if args.list:
        return _list()
    if args.jobs is not None and args.jobs < 0:
        raise ValidationError(f"--jobs must be >= 0, got {args.jobs}")
    if not (math.isfinite(args.connect_timeout) and args.connect_timeout > 0):
        raise ValidationError(f"--connect-timeout must be a positive number of seconds, got {args.connect_timeout}")
    if args.scheduler is not None:
        from .runner import check_scheduler

        check_scheduler(args.scheduler, args.connect_timeout)
    suite = load_suite(args.suite)
    jobs = args.jobs if args.jobs is not None else suite.jobs if suite.jobs is not None else default_jobs()
    if args.dry_run:
        units = plan(suite)
        adaptive = sum(len(stage) for c in chains(suite, units)[1] for _, stage in c.stages)
        print(f"suite {suite.name}: {len(units)} runs" + (f" at most ({adaptive} of them exact runs that "
                                                          "stop after an unproven size)" if adaptive else ""))
        for label, n in sorted(summarize(units).items()):
            print(f"  {label:24s} {n}")
        return 0
    from .runner import make_executor

    executor = make_executor(jobs, args.scheduler, args.connect_timeout)  # an unreachable cluster: exit 2
    with _sigterm_as_interrupt(), ResultsDB(args.db) as db:
        summary = run_suite(suite, db, executor=executor, rerun=args.rerun, quiet=args.quiet)
    print(summary.line(args.db))
    return 1 if summary.lost else 0


def _list() -> int:
    import tomllib

    from .builders import FAMILIES
    from .suite import find_suite, suite_names

    print("suites:")
    for name in suite_names():
        try:
            description = tomllib.loads(find_suite(name).read_text(encoding="utf-8")).get("description", "")
        except (OSError, tomllib.TOMLDecodeError) as exc:
            description = f"(unreadable: {exc})"
        print(f"  {name:10s} {' '.join(str(description).split())}")
    print("instance families:")
    for fam in FAMILIES.values():
        params = ", ".join(p if q.required else f"{p}={q.default!r}" for p, q in fam.params.items())
        print(f"  {fam.name:13s} {fam.problem_type or 'file':5s} {fam.summary}\n  {'':13s} ({params})")
    return 0


@_db_errors
def _report(args: argparse.Namespace) -> int:
    from ..report import write_report
    from .db import ResultsDB

    with ResultsDB(args.db, create=False) as db:
        names = [_suite_name(args.suite)] if args.suite else db.suites()
        if not names:
            raise ValidationError(f"{args.db}: holds no results yet (run 'offloadsched bench' first)")
        for name in names:
            if name not in db.suites():
                raise ValidationError(f"no results for suite {name!r} in {args.db} "
                                      f"(suites: {', '.join(db.suites()) or 'none'})")
            paths = write_report(db, name, args.output)
            print(f"report of suite {name}: {' and '.join(str(p) for p in paths)}")
    return 0


@_db_errors
def _export(args: argparse.Namespace) -> int:
    from .db import ResultsDB, export

    with ResultsDB(args.db, create=False) as db:
        n = export(db, _suite_name(args.suite), args.output)
    print(f"{n} rows written to {args.output}", file=sys.stdout)
    return 0
