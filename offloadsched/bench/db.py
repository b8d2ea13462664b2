"""The results database: one embedded SQLite file (default ``results/offloadsched.sqlite``).

Table ``runs`` holds one row per (suite, instance, method, options, seed): the evaluator's
makespan, the method's status, bound and wall time, the core's lower bound, where and with what
it ran, and the schedule as JSON.  ``unit`` is the work unit a row came from (one run, or one
Python task producing several rows); a unit's rows are replaced in one transaction, so a unit
is either entirely stored or absent.  The database is in WAL mode and commits every unit at
once: a killed run loses only the units in flight.  Table ``suites`` keeps each suite's last
definition and the list of its units (reports and exports show those units only).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import socket
import sqlite3
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from ..errors import ValidationError

DEFAULT_DB = Path("results") / "offloadsched.sqlite"
SCHEMA_VERSION = 1

#: Columns of ``runs`` (besides ``id``), in order, with their SQL types.
COLUMNS: dict[str, str] = {
    "suite": "TEXT NOT NULL",          # suite name
    "unit": "TEXT NOT NULL",           # work unit id (hash of its definition)
    "group_name": "TEXT NOT NULL",     # report group of the row
    "family": "TEXT NOT NULL",         # instance family (or task:<target>)
    "instance": "TEXT NOT NULL",       # readable instance id: family(params that differ from defaults)
    "params": "TEXT NOT NULL",         # JSON: the family's full parameters
    "seed": "INTEGER NOT NULL",
    "problem_type": "TEXT",            # j2 / fm / dag / joint
    "problem_hash": "TEXT",            # hash of the built problem's JSON (detects changed instances)
    "size": "INTEGER",                 # instance size (jobs, or nodes)
    "attrs": "TEXT",                   # JSON: family attributes (model, jobs, bandwidth_mbps, ...)
    "method": "TEXT NOT NULL",         # method label
    "method_name": "TEXT NOT NULL",    # registry name
    "kind": "TEXT NOT NULL",           # heuristic / exact / claim
    "options": "TEXT NOT NULL",        # JSON: options and time limit
    "status": "TEXT NOT NULL",         # optimal / feasible / infeasible / error / heuristic / bound / skipped / ...
    "makespan": "INTEGER",             # the evaluator's makespan (µs)
    "bound": "REAL",                   # the method's proven lower bound (µs)
    "lower_bound": "INTEGER",          # the core's lower bound of the scheduled problem (µs)
    "wall_time": "REAL",               # seconds
    "schedule": "TEXT",                # JSON: {"schedule": per-resource sequences, "partitions": [...]}
    "info": "TEXT",                    # JSON: the method's info
    "message": "TEXT",                 # error message
    "solver_version": "TEXT",
    "machine": "TEXT",
    "git_rev": "TEXT",
    "finished_at": "TEXT",             # UTC ISO time
    "response_mean": "REAL",           # the jobs' mean response time (µs; completion - release)
    "response_p95": "INTEGER",         # their nearest-rank 95th percentile (µs)
    "response_max": "INTEGER",         # their largest (µs)
}
#: Columns added after the first release of the database (issue 25): an older database gains them
#: when opened for writing (``ALTER TABLE``), its rows NULL there; read-only, :meth:`ResultsDB.frame`
#: shows them empty.
ADDED_COLUMNS = ("response_mean", "response_p95", "response_max")
JSON_COLUMNS = ("params", "attrs", "options", "schedule", "info")
KEY = ("suite", "instance", "method", "options", "seed")


#: A claim by a process on another host counts as abandoned after this many seconds.
STALE_CLAIM_S = 6 * 3600.0
_HOST = socket.gethostname()


def _start_time(pid: int) -> str:
    """The start time of process ``pid`` (Linux ``/proc``; "" elsewhere): tells a reused pid apart."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


#: This process as a claim owner: host, pid and start time.
OWNER = f"{_HOST}:{os.getpid()}:{_start_time(os.getpid())}"


def _alive(owner: str, host: str, pid: int, claimed_at: str) -> bool:
    """Whether the run that made a claim may still be running."""
    if host != _HOST:
        age = _dt.datetime.now(_dt.UTC) - _dt.datetime.fromisoformat(claimed_at)
        return age.total_seconds() < STALE_CLAIM_S
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return owner == f"{host}:{pid}:{_start_time(pid)}"


def database_error(path: str | Path, exc: sqlite3.DatabaseError) -> ValidationError:
    """One clear message for an SQLite error on the results database at ``path``."""
    text = " ".join(str(exc).split())
    if any(word in text.lower() for word in ("malformed", "not a database", "corrupt", "disk image")):
        return ValidationError(f"{path}: the results database is damaged ({text}); its finished results cannot be "
                               f"trusted. Move it away and run again to start a new one (or give another file with "
                               f"--db); 'sqlite3 {path} .recover' may rescue its rows")
    return ValidationError(f"{path}: results database error ({text})")


def _plain(value: Any) -> Any:
    """numpy scalars as Python numbers (SQLite and JSON take only those)."""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return value.item()
    return value


def now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


class ResultsDB:
    """The results database at ``path`` (created on first use).

    ``create=False`` (``report``, ``export``): the file must exist and is opened read-only (SQLite
    ``mode=ro``), its tables checked first; an SQLite file holding other tables is refused, never changed."""

    def __init__(self, path: str | Path = DEFAULT_DB, *, create: bool = True) -> None:
        self.path = Path(path)
        if not create and not self.path.is_file():
            raise ValidationError(f"no results database at {self.path}")
        if self.path.is_dir():
            raise ValidationError(f"{self.path}: is a directory, not a results database (give a file with --db)")
        if self.path.exists() and not self.path.is_file():
            raise ValidationError(f"{self.path}: is not a regular file, not a results database (give a file with --db)")
        blocker = next((p for p in self.path.parents if p.exists() and not p.is_dir()), None)
        if blocker is not None:
            raise ValidationError(f"{self.path}: cannot create the results database "
                                  f"({blocker} is a file, not a folder)")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ValidationError(f"{self.path}: cannot create the results database ({exc.strerror or exc})") from None
        self.read_only = not create
        try:
            if self.read_only:  # read-only commands never write to the file, nor switch its journal mode
                uri = f"file:{urllib.parse.quote(str(self.path.resolve()))}?mode=ro"
                self.conn = sqlite3.connect(uri, uri=True, timeout=60, isolation_level=None)
                self._check_tables()
                self._check_version()
                return
            self.conn = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            self._check_tables()
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=FULL")
            self._schema()
        except sqlite3.DatabaseError as exc:
            self._close_quietly()
            raise database_error(self.path, exc) from None
        except ValidationError:
            self._close_quietly()
            raise

    def _close_quietly(self) -> None:
        with contextlib.suppress(AttributeError, sqlite3.Error):
            self.conn.close()

    def _check_tables(self) -> None:
        """Refuse an SQLite file that holds other tables than a results database's (an unrelated database
        is never changed); an empty file or database is a new results database (unless read-only)."""
        tables = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        missing = [t for t in ("meta", "runs", "suites") if t not in tables]
        self._new = not tables
        if (tables or self.read_only) and missing:
            raise ValidationError(f"{self.path}: not an offloadsched results database (no table {missing[0]!r}"
                                  f"{'; it holds ' + ', '.join(sorted(tables)[:5]) if tables else ''}); "
                                  "give another file with --db")
        if not missing:
            have = {r[1] for r in self.conn.execute("PRAGMA table_info(runs)")}
            lacking = [c for c in COLUMNS if c not in have and c not in ADDED_COLUMNS]
            if lacking:
                raise ValidationError(f"{self.path}: not an offloadsched results database (table 'runs' has no "
                                      f"column {lacking[0]!r})")

    def _check_version(self) -> None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        version = row[0] if row else None
        if str(version) != str(SCHEMA_VERSION):
            what = "has no schema version" if row is None else f"has schema version {str(version)[:40]!r}"
            raise ValidationError(f"{self.path}: the results database {what}; this package reads version "
                                  f"{SCHEMA_VERSION} (a damaged or foreign file: give another file with --db)")

    def _schema(self) -> None:
        cols = ",\n  ".join(f"{c} {t}" for c, t in COLUMNS.items())
        self.conn.executescript(f"""
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS runs (
              id INTEGER PRIMARY KEY,
              {cols},
              UNIQUE ({", ".join(KEY)})
            );
            CREATE INDEX IF NOT EXISTS runs_unit ON runs (suite, unit);
            CREATE TABLE IF NOT EXISTS suites (
              name TEXT PRIMARY KEY, path TEXT, spec TEXT NOT NULL, units TEXT NOT NULL, updated_at TEXT NOT NULL
            );
            CREATE TABLE IF NOT EXISTS claims (
              suite TEXT NOT NULL, unit TEXT NOT NULL, owner TEXT NOT NULL, host TEXT NOT NULL, pid INTEGER NOT NULL,
              claimed_at TEXT NOT NULL, PRIMARY KEY (suite, unit)
            );
        """)
        have = {r[1] for r in self.conn.execute("PRAGMA table_info(runs)")}
        for c in ADDED_COLUMNS:  # migrate an older database (new columns are appended, NULL in old rows)
            if c not in have:
                self.conn.execute(f"ALTER TABLE runs ADD COLUMN {c} {COLUMNS[c]}")
        if self._new:  # an existing database keeps its version (a missing one is damage, not a default)
            self.conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        self._check_version()

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> ResultsDB:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- writing -----------------------------------------------------------------------------
    def write_unit(self, suite: str, unit: str, records: Iterable[Mapping[str, Any]]) -> int:
        """Replace the rows of ``unit`` by ``records`` in one transaction; returns the row count."""
        rows = [self._row(suite, unit, rec) for rec in records]
        cols = list(COLUMNS)
        sql = f"INSERT OR REPLACE INTO runs ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        with self._transaction():
            self.conn.execute("DELETE FROM runs WHERE suite = ? AND unit = ?", (suite, unit))
            self.conn.executemany(sql, rows)
            self.conn.execute("DELETE FROM claims WHERE suite = ? AND unit = ?", (suite, unit))
        return len(rows)

    # -- claims: concurrent runs on one database share the work ---------------------------------
    def claim(self, suite: str, unit: str, *, problem_hash: str | None = None, rerun: bool = False) -> str:
        """Claim ``unit`` for this process, in one transaction: ``"mine"`` (run it), ``"taken"`` (a live
        run holds it) or ``"stored"`` (its results arrived meanwhile; not with ``rerun``).  A claim whose
        owner died (same host: its process is gone; another host: older than :data:`STALE_CLAIM_S`)
        is taken over."""
        with self._transaction():
            row = self.conn.execute("SELECT owner, host, pid, claimed_at FROM claims WHERE suite = ? AND unit = ?",
                                    (suite, unit)).fetchone()
            if row is not None and row[0] != OWNER and _alive(*row):
                return "taken"
            if not rerun:
                stored = self.conn.execute("SELECT MAX(problem_hash), COUNT(*) FROM runs WHERE suite = ? AND unit = ?",
                                           (suite, unit)).fetchone()
                if stored[1] and (problem_hash is None or stored[0] in (None, problem_hash)):
                    self.conn.execute("DELETE FROM claims WHERE suite = ? AND unit = ?", (suite, unit))
                    return "stored"
            self.conn.execute("INSERT OR REPLACE INTO claims VALUES (?, ?, ?, ?, ?, ?)",
                              (suite, unit, OWNER, _HOST, os.getpid(), now()))
        return "mine"

    def release(self, suite: str, unit: str | None = None) -> None:
        """Drop this process's claim on ``unit`` (all its claims on ``suite`` when None)."""
        with self._transaction():
            if unit is None:
                self.conn.execute("DELETE FROM claims WHERE suite = ? AND owner = ?", (suite, OWNER))
            else:
                self.conn.execute("DELETE FROM claims WHERE suite = ? AND unit = ? AND owner = ?",
                                  (suite, unit, OWNER))

    @staticmethod
    def _row(suite: str, unit: str, rec: Mapping[str, Any]) -> tuple:
        rec = {**rec, "suite": suite, "unit": unit}
        rec.setdefault("finished_at", now())
        for c in JSON_COLUMNS:
            if c in rec and rec[c] is not None and not isinstance(rec[c], str):
                rec[c] = json.dumps(rec[c], sort_keys=True, separators=(",", ":"), default=_plain)
        rec.setdefault("params", "{}")
        rec.setdefault("options", "{}")
        rec.setdefault("seed", 0)
        for c in ("suite", "unit", "group_name", "family", "instance", "method", "method_name", "kind", "status"):
            if not rec.get(c):
                raise ValueError(f"result record without {c!r}: {dict(rec)}")
        return tuple(_plain(rec.get(c)) for c in COLUMNS)

    def set_suite(self, name: str, path: str, spec: Mapping[str, Any], units: Iterable[str]) -> None:
        """Record a suite's definition and the list of its units."""
        with self._transaction():
            self.conn.execute("INSERT OR REPLACE INTO suites VALUES (?, ?, ?, ?, ?)",
                              (name, path, json.dumps(spec, default=str), json.dumps(sorted(set(units))), now()))

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # -- reading -----------------------------------------------------------------------------
    def done(self, suite: str) -> dict[str, str | None]:
        """Stored units of ``suite``: unit -> problem hash."""
        return dict(self.conn.execute("SELECT unit, MAX(problem_hash) FROM runs WHERE suite = ? GROUP BY unit",
                                      (suite,)).fetchall())

    def statuses(self, suite: str) -> dict[str, set[str]]:
        """Stored units of ``suite``: unit -> the statuses of its records."""
        out: dict[str, set[str]] = {}
        for unit, status in self.conn.execute("SELECT unit, status FROM runs WHERE suite = ?", (suite,)):
            out.setdefault(unit, set()).add(status)
        return out

    def suites(self) -> list[str]:
        """Suites with stored rows."""
        return [r[0] for r in self.conn.execute("SELECT DISTINCT suite FROM runs ORDER BY suite")]

    def suite_spec(self, name: str) -> dict[str, Any] | None:
        """The last stored definition of suite ``name`` (the TOML document as JSON), if any."""
        row = self.conn.execute("SELECT spec, path FROM suites WHERE name = ?", (name,)).fetchone()
        if row is None:
            return None
        spec = self._json(row[0], f"suites.spec of suite {name!r}")
        if not isinstance(spec, dict):
            raise self._damaged(f"suites.spec of suite {name!r}", "not a JSON object")
        return {**spec, "__path__": row[1]}

    def _json(self, text: Any, what: str) -> Any:
        """A stored JSON column's value; a damaged one is one clear message."""
        from ..io import parse_json

        if not isinstance(text, str):
            raise self._damaged(what, f"a {type(text).__name__}, not JSON text")
        try:
            return parse_json(text, what)
        except ValidationError as exc:
            raise self._damaged(what, str(exc)) from None

    def _damaged(self, what: str, why: str) -> ValidationError:
        return ValidationError(f"{self.path}: the results database is damaged: {what} is {why[:120]}; move it away "
                               "and run again to start a new one (or give another file with --db)")

    def frame(self, suite: str, *, current: bool = True):
        """The rows of ``suite`` as a pandas DataFrame (JSON columns left as text).

        ``current``: only the units of the suite's last stored definition (when one is stored)."""
        import pandas as pd

        sql = "SELECT * FROM runs WHERE suite = ?"
        row = self.conn.execute("SELECT units FROM suites WHERE name = ?", (suite,)).fetchone()
        df = pd.read_sql_query(sql + " ORDER BY id", self.conn, params=(suite,))
        for c in ADDED_COLUMNS:  # an older database opened read-only
            if c not in df.columns:
                df[c] = None
        if current and row is not None:
            units = self._json(row[0], f"suites.units of suite {suite!r}")
            if not isinstance(units, list) or not all(isinstance(u, str) for u in units):
                raise self._damaged(f"suites.units of suite {suite!r}", "not a list of unit ids")
            df = df[df["unit"].isin(set(units))].reset_index(drop=True)
        return df

    def count(self, suite: str | None = None) -> int:
        if suite is None:
            return self.conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
        return self.conn.execute("SELECT COUNT(*) FROM runs WHERE suite = ?", (suite,)).fetchone()[0]


def export(db: ResultsDB, suite: str, path: str | Path) -> int:
    """Write the rows of ``suite`` to a ``.csv`` or ``.parquet`` file (atomically); returns the row count."""
    from ..atomic import atomic_write

    path = Path(path)
    if path.suffix not in (".csv", ".parquet"):
        raise ValidationError(f"{path}: export format must be .csv or .parquet")
    if suite not in db.suites():
        raise ValidationError(f"no results for suite {suite!r} in {db.path} "
                              f"(suites: {', '.join(db.suites()) or 'none'})")
    df = db.frame(suite).rename(columns={"group_name": "group"})
    if path.suffix == ".csv":
        with atomic_write(path) as fh:
            df.to_csv(fh, index=False)
    else:
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise ValidationError("Parquet export needs pyarrow (pip install pyarrow)") from None
        with atomic_write(path, binary=True) as fh:
            df.to_parquet(fh, index=False)
    return len(df)
