"""Benchmark suites as data: TOML files (``offloadsched/suites/*.toml`` or any path).

``--suite`` (and :func:`load_suite`) takes a file when the text contains a slash or ends in ``.toml``
(or is a :class:`~pathlib.Path`), else the shipped suite of that name, whatever the working folder
holds (:func:`is_suite_path`).  A suite's ``name`` is 1 to 64 letters, digits, ``.``, ``_`` or ``-``
(not starting with ``.``): it names report files.  Suite files are read as UTF-8 regular files of at
most 4 MiB (a byte-order mark is ignored).  Method options (``options`` tables, a method's
``options``) are checked against the methods' declared types (:class:`offloadsched.registry.Option`);
an ``[options.X]`` table must name a registered method or a method label of the suite, and
``exclude`` registered methods next to a selector.

A suite file::

    name = "quick"                      # default: the file name
    description = "..."
    jobs = 2                            # default number of local worker processes (--jobs overrides)
    time_limit = 5                      # seconds per exact run (rows may override)
    kill_after = 60                     # hard wall-clock seconds per unit in a local pool (default: twice the
                                        #   time limit + 10 s, 600 s without one; tasks: none); status "timeout"
    seeds = [0, 1]                      # seeds of random families (rows may override)
    stop_after_unproven = true          # adaptive stop along the size axis (rows may override; default false)
    size_axis = "n"                     # the row parameter that is the instance size (rows may override)
    [options.cpsat-joint]               # method options for every row (rows may add their own)
    workers = 1

    [[row]]
    family = "identical"                # an instance family (see offloadsched.bench.builders)
    group = "zoo"                       # report grouping label (default: the family name)
    model = ["alexnet", "googlenet"]    # family parameters; a list for a scalar parameter,
    jobs = [1, 4]                       #   or a list of lists for a list parameter, is a grid axis
    network = ["3g", "4g", "wifi"]
    methods = ["heuristic:*", "cpsat-joint", {method = "mip-joint-chain", label = "mip", time_limit = 20}]
    exclude = ["bruteforce"]

    [[row]]
    task = "package.module:function"    # a Python task producing result records (e.g. claims)
    n = [5, 6]

    [report]
    sections = ["package.module:function"]   # extra report sections: fn(db, suite) -> list of report blocks
    claims_section = "package.module:function"  # the claims section of every report: fn(db) -> blocks

``methods`` entries are registered names, ``heuristic:*`` / ``exact:*`` / ``*`` (every registered
method of that kind accepting the instance's problem type), or tables with ``method``, ``label``,
``options``, ``time_limit``.  ``[[published]]`` tables hold a paper's published numbers for a
side-by-side table in the report (see :class:`PublishedTable`).  A task's parameters ``seed`` and
``results_dir`` (the results database's folder, where a task may write files) are filled in by
the runner, never by the suite.  Every mistake is one :class:`ValidationError` naming the file and
the row.

``stop_after_unproven = true`` (suite or row; family rows only) needs ``size_axis``, a numeric
parameter of the row.  The row's exact methods then run smallest size first: once a method has
failed to prove its result on every seed of a size (status ``feasible`` at its time limit, or
``error``), its larger sizes (same row, method and other parameters) are not solved but stored
with status ``skipped`` and a message saying where it stopped.  ``optimal``, ``infeasible`` and
``bound`` (a relaxation's finished bound) count as proven.  Heuristics always run every size.
"""

from __future__ import annotations

import hashlib
import importlib
import itertools
import json
import math
import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ValidationError
from ..problems import Problem
from ..vocab import ProblemType
from .builders import InstanceFamily, Param, get_family, signature_params

SUITES_DIR = Path(__file__).resolve().parent.parent / "suites"
TOP_KEYS = ("name", "description", "jobs", "time_limit", "kill_after", "seeds", "options", "stop_after_unproven",
            "size_axis", "row", "published", "report")
ROW_KEYS = ("family", "task", "group", "methods", "exclude", "time_limit", "seeds", "options", "stop_after_unproven",
            "size_axis")
METHOD_KEYS = ("method", "label", "options", "time_limit")
SELECTORS = {"*": None, "heuristic:*": "heuristic", "exact:*": "exact"}
PUBLISHED_KEYS = ("id", "source", "caption", "group", "metric", "baseline", "rows", "columns", "values", "notes",
                  "tolerance")
METRICS = ("makespan_ms", "reduction_pct")
REPORT_KEYS = ("sections", "claims_section")
#: A suite's name (it names the report files and database rows): no path separators, not hidden.
SUITE_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}")
#: The largest suite file read (bytes).
MAX_SUITE_BYTES = 4 * 2**20
#: Task parameters the runner fills in (a suite may not give them).
CONTEXT_PARAMS = ("seed", "results_dir")
#: Method labels a published table's column may use besides the suite's methods.
REFERENCE_COLUMNS = ("optimum",)


def canonical(obj: Any) -> str:
    """Canonical JSON (sorted keys, no spaces): the text of keys and hashes."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def digest(obj: Any, n: int = 16) -> str:
    return hashlib.sha1(canonical(obj).encode()).hexdigest()[:n]


@dataclass(frozen=True)
class MethodSpec:
    """A method as a suite runs it: registry ``name``, report ``label``, options and time limit."""

    label: str
    name: str
    kind: str
    problems: tuple[str, ...]
    options: dict[str, Any] = field(default_factory=dict)
    time_limit: float | None = None

    @property
    def options_key(self) -> str:
        """The options as stored (canonical JSON, the time limit included)."""
        return canonical({**self.options, **({"time_limit": self.time_limit} if self.time_limit else {})})


@dataclass(frozen=True)
class Task:
    """A Python task row: ``fn(**params, seed=..., results_dir=...) -> list of result records`` (the last
    two when ``fn`` takes them; see :data:`CONTEXT_PARAMS`)."""

    target: str
    params: dict[str, Param]

    @property
    def random(self) -> bool:
        return "seed" in self.params

    def load(self) -> Callable[..., list[dict]]:
        return load_target(self.target)


def load_target(target: str) -> Callable:
    """Import ``package.module:function``."""
    module, sep, attr = target.partition(":")
    if not sep or not module or not attr:
        raise ValidationError(f"task {target!r} is not of the form 'package.module:function'")
    try:
        fn = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise ValidationError(f"task {target!r} cannot be loaded ({exc})") from None
    if not callable(fn):
        raise ValidationError(f"task {target!r} is not callable")
    return fn


@dataclass
class Row:
    """One validated row: the instances (``grid`` of full parameter sets x ``seeds``) and methods."""

    index: int
    where: str
    group: str
    family: InstanceFamily | None
    task: Task | None
    grid: list[dict[str, Any]]
    seeds: list[int]
    methods: list[MethodSpec]
    selectors: list[str | None]
    exclude: frozenset[str]
    time_limit: float | None
    options: dict[str, dict[str, Any]]
    size_axis: str | None = None  # set when the row stops its exact methods after an unproven size

    @property
    def source(self) -> str:
        if self.family is not None:
            return self.family.name
        assert self.task is not None  # a row has a family or a task
        return f"task:{self.task.target}"

    def methods_for(self, problem_type: ProblemType, problem: Problem | None = None) -> list[MethodSpec]:
        """The explicit methods (each must accept ``problem_type``) and the selected ones; a
        selector skips a method whose ``applies`` check refuses ``problem`` (when given)."""
        from ..registry import methods

        out = list(self.methods)
        for m in out:
            if problem_type not in m.problems:
                raise ValidationError(f"{self.where}: method {m.name!r} does not accept {problem_type} problems "
                                      f"(it takes {', '.join(m.problems)})")
        taken = {m.label for m in out} | set(self.exclude)
        for kind in self.selectors:
            for reg in methods(problem_type, kind):
                if problem is not None and reg.not_applicable(problem):
                    continue
                if reg.name not in taken:
                    taken.add(reg.name)
                    out.append(self._spec(reg.name, reg.name, {}, None))
        return out

    def _spec(self, name: str, label: str, options: dict, time_limit: float | None) -> MethodSpec:
        from ..registry import get_method
        from ..solve import check_options

        try:
            reg = get_method(name)
            opts = {**self.options.get(name, {}), **self.options.get(label, {}), **options}
            try:
                fn = reg.load()
            except (ImportError, AttributeError) as exc:
                raise ValidationError(f"method {name!r} is registered but cannot be loaded ({exc}); remove it "
                                      "from the suite (or 'exclude' it from a '*' selector)") from None
            check_options(fn, name, opts)
            opts = reg.check_options(opts)
        except ValidationError as exc:
            raise ValidationError(f"{self.where}: {exc}") from None
        if time_limit is None and reg.kind == "exact":
            time_limit = self.time_limit
        return MethodSpec(label, name, reg.kind, reg.problems, opts, time_limit)


@dataclass(frozen=True)
class PublishedTable:
    """A paper's table to show beside ours.

    ``rows`` and ``columns`` are lists of tables ``{label = ..., <param> = <value>, ...}``; a
    column also names a ``method`` (a suite method label or ``optimum``).  The cell of row r
    and column c is our result of that method on the instance of ``group`` whose parameters
    match both selectors.  ``metric``: ``makespan_ms`` or ``reduction_pct`` (100 (B - X) / B
    with B the ``baseline`` method on the same instance).  ``values[r][c]`` is the paper's
    number (``nan`` where it gives none).
    """

    id: str
    source: str
    caption: str
    group: str
    metric: str
    rows: list[dict[str, Any]]
    columns: list[dict[str, Any]]
    values: list[list[float]]
    baseline: str | None = None
    notes: str = ""
    tolerance: float = 10.0


@dataclass
class Suite:
    """A loaded, validated suite."""

    name: str
    path: Path
    description: str
    rows: list[Row]
    published: list[PublishedTable]
    report: dict[str, Any]
    data: dict[str, Any]
    jobs: int | None = None
    kill_after: float | None = None


def suite_names() -> list[str]:
    """The suites shipped with the package."""
    return sorted(p.stem for p in SUITES_DIR.glob("*.toml"))


def is_suite_path(name_or_path: str | Path) -> bool:
    """Whether ``--suite`` names a file: a :class:`~pathlib.Path`, or text that contains a slash or ends
    with ``.toml``.  Anything else is a shipped suite's name, whatever the working folder holds (a
    folder or file called ``quick`` there does not shadow the shipped suite; write ``./quick.toml``)."""
    text = str(name_or_path)
    return isinstance(name_or_path, Path) or "/" in text or os.sep in text or text.endswith(".toml")


def find_suite(name_or_path: str | Path) -> Path:
    """A TOML file by path, or a shipped suite by name (the rule of :func:`is_suite_path`)."""
    path = Path(name_or_path)
    if is_suite_path(name_or_path):
        if not path.exists():
            raise ValidationError(f"suite file {str(path)!r} does not exist")
        return path
    if not SUITE_NAME.fullmatch(str(name_or_path)):
        raise ValidationError(f"unknown suite {str(name_or_path)!r}; known: {', '.join(suite_names())} "
                              "(or a path to a .toml file)")
    shipped = SUITES_DIR / f"{name_or_path}.toml"
    if not shipped.is_file():
        raise ValidationError(f"unknown suite {str(name_or_path)!r}; known: {', '.join(suite_names())} "
                              "(or a path to a .toml file)")
    return shipped


def load_suite(name_or_path: str | Path) -> Suite:
    """Load and validate a suite (a shipped name or a path)."""
    from ..io import read_text

    path = find_suite(name_or_path)
    text = read_text(path, "suite file", max_bytes=MAX_SUITE_BYTES)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(f"{path}: malformed TOML ({exc})") from None
    except RecursionError:
        raise ValidationError(f"{path}: malformed TOML (nested too deeply)") from None
    return parse_suite(data, path)


def parse_suite(data: dict[str, Any], path: Path) -> Suite:
    """Validate the TOML document ``data`` of ``path``."""
    _known_keys(data, TOP_KEYS, f"{path}")
    name = _typed(data.get("name", path.stem), str, "name", f"{path}")
    if not SUITE_NAME.fullmatch(name):
        raise ValidationError(f"{path}: 'name' must be 1 to 64 letters, digits, '.', '_' or '-', not starting with "
                              f"'.' (it names the report files), got {name!r}")
    time_limit = _time_limit(data.get("time_limit"), f"{path}")
    seeds = _seeds(data.get("seeds", [0]), f"{path}")
    options = _options(data.get("options", {}), f"{path}")
    raw_rows = data.get("row", [])
    if not isinstance(raw_rows, list) or not raw_rows:
        raise ValidationError(f"{path}: needs at least one [[row]] table")
    stop: dict[str, Any] = {k: data[k] for k in ("stop_after_unproven", "size_axis") if k in data}
    rows = [_row(raw, k + 1, path, time_limit, seeds, options, stop) for k, raw in enumerate(raw_rows)]
    labels = {m.label for r in rows for m in r.methods}
    _check_option_tables(options, labels, f"{path}: [options]")
    for r in rows:
        _check_option_tables(r.options, labels, f"{r.where}: 'options'")
    groups = {r.group for r in rows}
    published = [parse_published(raw, k + 1, path, groups) for k, raw in enumerate(data.get("published", []))]
    for k, table in enumerate(published):
        _check_published(table, [r for r in rows if r.group == table.group], f"{path}: published table {k + 1}")
    report = _report(data.get("report", {}), f"{path}: [report]")
    jobs = data.get("jobs")
    if jobs is not None and (not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 0):
        raise ValidationError(f"{path}: 'jobs' must be an integer >= 0, got {jobs!r}")
    kill = _time_limit(data.get("kill_after"), f"{path}", "kill_after")
    return Suite(name, path, _typed(data.get("description", ""), str, "description", f"{path}"), rows, published,
                 report, data, jobs, kill)


# -- validation helpers ---------------------------------------------------------------------------
def _known_keys(data: Any, known: tuple[str, ...], where: str) -> None:
    if not isinstance(data, dict):
        raise ValidationError(f"{where}: expected a table, got {type(data).__name__}")
    for key in data:
        if key not in known:
            raise ValidationError(f"{where}: unknown key {key!r}; known: {', '.join(known)}")


def _typed(value: Any, typ: type, key: str, where: str) -> Any:
    if not isinstance(value, typ) or (typ is not bool and isinstance(value, bool)):
        raise ValidationError(f"{where}: {key!r} must be a {typ.__name__}, got {value!r}")
    return value


def _time_limit(value: Any, where: str, key: str = "time_limit") -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0 or math.isinf(value):
        raise ValidationError(f"{where}: '{key}' must be a positive number of seconds, got {value!r}")
    return float(value)


def _seeds(value: Any, where: str) -> list[int]:
    if not isinstance(value, list) or not value or not all(isinstance(s, int) and not isinstance(s, bool)
                                                           and s >= 0 for s in value):
        raise ValidationError(f"{where}: 'seeds' must be a non-empty list of integers >= 0, got {value!r}")
    return list(dict.fromkeys(value))


def _report(value: Any, where: str) -> dict[str, Any]:
    """The ``[report]`` table: ``sections`` (a list of hooks) and ``claims_section`` (one hook), each loadable."""
    _known_keys(value, REPORT_KEYS, where)
    hooks = value.get("sections", [])
    if not isinstance(hooks, list) or not all(isinstance(h, str) for h in hooks):
        raise ValidationError(f"{where}: 'sections' must be a list of 'package.module:function' strings")
    if "claims_section" in value:
        hooks = [*hooks, _typed(value["claims_section"], str, "claims_section", where)]
    for hook in hooks:
        try:
            load_target(hook)
        except ValidationError as exc:
            raise ValidationError(f"{where}: {exc}") from None
    return value


def _options(value: Any, where: str) -> dict[str, dict[str, Any]]:
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise ValidationError(f"{where}: 'options' must be a table of method -> table of options")
    return value


def _check_option_tables(options: dict[str, dict[str, Any]], labels: set[str], where: str) -> None:
    """Each table of ``options`` is for a registered method (its names and values checked against the
    method's declared options) or a method label of the suite."""
    from ..registry import get_method
    from ..solve import check_options

    for key, opts in options.items():
        try:
            reg = get_method(key)
        except ValidationError:
            if key not in labels:
                raise ValidationError(f"{where}: options for {key!r}, which is neither a registered method nor a "
                                      f"method label of the suite") from None
            continue
        try:
            check_options(reg.load(), key, opts)
            reg.check_options(opts)
        except (ImportError, AttributeError):
            continue  # a method that cannot load is refused where a row uses it
        except ValidationError as exc:
            raise ValidationError(f"{where}: {exc}") from None


def _row(raw: Any, index: int, path: Path, time_limit: float | None, seeds: list[int],
         options: dict[str, dict[str, Any]], stop: dict[str, Any]) -> Row:
    where = f"{path}: row {index}"
    if not isinstance(raw, dict):
        raise ValidationError(f"{where}: expected a table")
    if ("family" in raw) == ("task" in raw):
        raise ValidationError(f"{where}: give exactly one of 'family' and 'task'")
    fam = task = None
    if "family" in raw:
        try:
            fam = get_family(_typed(raw["family"], str, "family", where))
        except ValidationError as exc:
            raise ValidationError(f"{where}: {exc}") from None
        where = f"{where} (family {fam.name!r})"
        params, random, label = fam.params, fam.random, fam.name
    else:
        target = _typed(raw["task"], str, "task", where)
        where = f"{where} (task {target!r})"
        try:
            fn = load_target(target)
            task = Task(target, signature_params(fn, f"task {target!r}"))
        except (ValidationError, TypeError) as exc:
            raise ValidationError(f"{where}: {exc}") from None
        params, random, label = task.params, task.random, target.rpartition(":")[2]
    given = {k: v for k, v in raw.items() if k not in ROW_KEYS}
    for key in given:
        if key not in params or key in CONTEXT_PARAMS:
            known = [k for k in params if k not in CONTEXT_PARAMS]
            raise ValidationError(f"{where}: unknown parameter {key!r}; parameters: {', '.join(known)}; "
                                  f"row keys: {', '.join(ROW_KEYS)}")
    missing = [p.name for p in params.values() if p.required and p.name not in CONTEXT_PARAMS and p.name not in given]
    if missing:
        raise ValidationError(f"{where}: missing parameter(s) {', '.join(missing)}")
    if "seeds" in raw and not random:
        raise ValidationError(f"{where}: 'seeds' given, but this family or task takes no seed")
    row_seeds = _seeds(raw["seeds"], where) if "seeds" in raw else (seeds if random else [0])
    own = _options(raw.get("options", {}), where)
    row_options = {m: {**options.get(m, {}), **own.get(m, {})} for m in {*options, *own}}
    grid = _grid(params, given, where)
    for point in grid:
        for key in fam.path_params if fam else ():
            point[key] = str((path.parent / point[key]).resolve())
    group = _typed(raw.get("group", label), str, "group", where)
    row = Row(index, where, group, fam, task, grid, row_seeds, [], [], frozenset(),
              _time_limit(raw.get("time_limit", time_limit), where), row_options)
    row.size_axis = _size_axis({**stop, **{k: raw[k] for k in ("stop_after_unproven", "size_axis") if k in raw}},
                               fam, grid, where)
    _methods(row, raw, where)
    return row


def _size_axis(keys: dict[str, Any], fam: InstanceFamily | None, grid: list[dict[str, Any]], where: str) -> str | None:
    """The row's size axis when ``stop_after_unproven`` is on (None when off); see the module doc."""
    on = _typed(keys.get("stop_after_unproven", False), bool, "stop_after_unproven", where)
    axis = keys.get("size_axis")
    if axis is not None:
        _typed(axis, str, "size_axis", where)
    if not on:
        return None
    if fam is None:
        raise ValidationError(f"{where}: 'stop_after_unproven' applies to family rows only")
    if axis is None:
        raise ValidationError(f"{where}: 'stop_after_unproven' needs 'size_axis' (the size parameter, e.g. \"n\")")
    if axis not in fam.params:
        raise ValidationError(f"{where}: 'size_axis' {axis!r} is not a parameter of the family "
                              f"({', '.join(fam.params)})")
    bad = [p[axis] for p in grid if isinstance(p[axis], bool) or not isinstance(p[axis], (int, float))]
    if bad:
        raise ValidationError(f"{where}: 'size_axis' {axis!r} must take numbers, got {bad[0]!r}")
    return axis


def _grid(params: dict[str, Param], given: dict[str, Any], where: str) -> list[dict[str, Any]]:
    """Full parameter sets (defaults filled in, late parameters not given left out), one per point of the
    grid of list-valued keys."""
    axes: list[list[Any]] = []
    names: list[str] = []
    for name, p in params.items():
        if name in CONTEXT_PARAMS or (p.late and name not in given):
            continue  # a late parameter not given stays out: the ids of stored runs do not change
        names.append(name)
        if name not in given:
            axes.append([list(p.default) if isinstance(p.default, tuple) else p.default])
            continue
        value = given[name]
        is_axis = isinstance(value, list) and (not p.is_list or bool(value) and all(isinstance(v, list) for v in value))
        values = value if is_axis else [value]
        if not values:
            raise ValidationError(f"{where}: parameter {name!r} has an empty list of values")
        axes.append([p.check(v, where) for v in values])
    return [dict(zip(names, combo)) for combo in itertools.product(*axes)]


def _methods(row: Row, raw: dict[str, Any], where: str) -> None:
    entries = raw.get("methods")
    if row.task is not None:
        if entries is not None:
            raise ValidationError(f"{where}: a task row takes no 'methods'")
        return
    if not isinstance(entries, list) or not entries:
        raise ValidationError(f"{where}: 'methods' must be a non-empty list")
    exclude = raw.get("exclude", [])
    if not isinstance(exclude, list) or not all(isinstance(e, str) for e in exclude):
        raise ValidationError(f"{where}: 'exclude' must be a list of method names")
    from ..registry import get_method

    for name in exclude:
        try:
            get_method(name)
        except ValidationError as exc:
            raise ValidationError(f"{where}: 'exclude' names {exc}") from None
    if exclude and not any(isinstance(e, str) and e in SELECTORS for e in entries):
        raise ValidationError(f"{where}: 'exclude' applies only to a selector ({', '.join(SELECTORS)}) in 'methods'")
    row.exclude = frozenset(exclude)
    labels: set[str] = set()
    for entry in entries:
        if isinstance(entry, str) and entry in SELECTORS:
            row.selectors.append(SELECTORS[entry])
            continue
        if isinstance(entry, str):
            spec = row._spec(entry, entry, {}, None)
        elif isinstance(entry, dict):
            _known_keys(entry, METHOD_KEYS, f"{where}: method {entry!r}")
            name = _typed(entry.get("method"), str, "method", where)
            spec = row._spec(name, _typed(entry.get("label", name), str, "label", where),
                             _options({"x": entry.get("options", {})}, where)["x"],
                             _time_limit(entry.get("time_limit"), where))
        else:
            raise ValidationError(f"{where}: a method must be a name or a table, got {entry!r}")
        if spec.label in labels:
            raise ValidationError(f"{where}: method label {spec.label!r} appears twice")
        labels.add(spec.label)
        row.methods.append(spec)
    fam = row.family
    if fam is not None and fam.problem_type is not None:
        row.methods_for(fam.problem_type)  # explicit methods must accept the family's problems


def parse_published(raw: Any, index: int, path: Path, groups: set[str]) -> PublishedTable:
    """Validate one ``[[published]]`` table (its group must be one of ``groups``)."""
    where = f"{path}: published table {index}"
    _known_keys(raw, PUBLISHED_KEYS, where)
    for key in ("id", "source", "caption", "group", "metric", "rows", "columns", "values"):
        if key not in raw:
            raise ValidationError(f"{where}: missing key {key!r}")
    if raw["group"] not in groups:
        raise ValidationError(f"{where}: group {raw['group']!r} is not a row group of the suite "
                              f"({', '.join(sorted(groups))})")
    if raw["metric"] not in METRICS:
        raise ValidationError(f"{where}: metric must be one of {', '.join(METRICS)}, got {raw['metric']!r}")
    if raw["metric"] == "reduction_pct" and not isinstance(raw.get("baseline"), str):
        raise ValidationError(f"{where}: metric 'reduction_pct' needs a 'baseline' method")
    rows, cols, values = raw["rows"], raw["columns"], raw["values"]
    for what, items in (("rows", rows), ("columns", cols)):
        if not isinstance(items, list) or not items or not all(isinstance(i, dict) and "label" in i for i in items):
            raise ValidationError(f"{where}: {what!r} must be a list of tables with a 'label'")
    for col in cols:
        if not isinstance(col.get("method"), str):
            raise ValidationError(f"{where}: column {col['label']!r} needs a 'method'")
    if (not isinstance(values, list) or len(values) != len(rows)
            or not all(isinstance(v, list) and len(v) == len(cols) for v in values)):
        raise ValidationError(f"{where}: 'values' must be {len(rows)} lists of {len(cols)} numbers")
    for v in itertools.chain.from_iterable(values):
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ValidationError(f"{where}: value {v!r} is not a number (use nan for a missing cell)")
    return PublishedTable(raw["id"], raw["source"], raw["caption"], raw["group"], raw["metric"], rows, cols,
                          [[float(v) for v in r] for r in values], raw.get("baseline"), raw.get("notes", ""),
                          float(raw.get("tolerance", 10.0)))


def _check_published(table: PublishedTable, rows: list[Row], where: str) -> None:
    """A published table's selectors must be parameters, and its methods methods, of its group's rows."""
    params = {p for r in rows for p in (r.family.params if r.family else r.task.params if r.task else ())}
    labels = {m.label for r in rows for m in r.methods}
    open_ended = any(r.selectors or r.task for r in rows)  # the methods are known only once run
    for item in [*table.rows, *table.columns]:
        for key in item:
            if key not in ("label", "method") and key not in params:
                raise ValidationError(f"{where}: {item['label']!r} selects on {key!r}, not a parameter of group "
                                      f"{table.group!r} ({', '.join(sorted(params))})")
    for method in [c["method"] for c in table.columns] + ([table.baseline] if table.baseline else []):
        if method not in labels and method not in REFERENCE_COLUMNS and not open_ended:
            raise ValidationError(f"{where}: method {method!r} is not run in group {table.group!r} "
                                  f"({', '.join(sorted(labels))}; or {', '.join(REFERENCE_COLUMNS)})")
