"""Files: a versioned JSON format for problems, DNN graphs, joint problems and results, and the
Taillard flow-shop text format as the OR community distributes it.

Every JSON document is an object ``{"format": "offloadsched", "schema_version": 2,
"type": ..., ...}`` with ``type`` one of ``j2``, ``fm``, ``dag``, ``dnn``, ``joint``,
``result``, validated against its declared schema (:mod:`offloadsched.schema`: unknown keys,
wrong types and out-of-range values are refused, naming the path) before it is read.
Version 2 added the two latencies of MODEL.md section 1 (a platform's ``w_msg`` and ``w_rtt``,
a problem's ``w_rtt``) and the device model's ``rates``; version 3 the problems' release times
(``release``: one integer µs per job, in the order of the document's ``jobs``).  A problem with
release times is written as version 3, every other document as version 2 (byte for byte as before, so
a stored problem's hash does not change).  Version-1 and 2 documents still load (every release time 0), a version-1
platform's ``latency`` read as ``w_msg`` with ``w_rtt = 0``.
Writes go to a temporary file in the target folder and are renamed into place, so a file is
either complete or absent.  Loading errors name the field and the item.

Every file the package reads from a user (:func:`read_text`: problems, schedules, suites, CSV
profiles) is bounded before any work: a regular file only (a FIFO or a device would block or never
end), at most :data:`MAX_FILE_BYTES`, UTF-8 (a byte-order mark is ignored); a JSON document at most
:data:`MAX_DEPTH` levels deep (:func:`parse_json`), with at most :data:`MAX_JOBS` jobs,
:data:`MAX_MACHINES` machines, :data:`MAX_TIMES` flow-shop times and :data:`MAX_NODES` DAG nodes or
layers.  Names are unique where they identify an item: two DNNs, layers, jobs, machines or nodes of
one name are refused, naming both positions.  A file whose first character is ``{`` or ``[`` is
JSON; one whose first line is Taillard's header is Taillard text.

References (docs/REFERENCES.md): [Taillard1993].
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from .atomic import atomic_write
from .dnn import DNN, Layer
from .errors import ValidationError
from .platform import Platform
from .problems import DagProblem, FmProblem, J2Problem, JointProblem
from .schema import VERSION, VERSIONS, validate
from .vocab import PROBLEM_TYPES

FORMAT = "offloadsched"
SCHEMA_VERSION = VERSION
TYPES = (*PROBLEM_TYPES, "dnn", "result")
#: The largest input file read (bytes): a ceiling checked before reading.
MAX_FILE_BYTES = 512 * 2**20
#: The deepest nesting of a JSON document read (documents of this package nest fewer than 10 levels).
MAX_DEPTH = 64
#: Ceilings on the items of a document, checked before its schema (the generators' ceilings,
#: :mod:`offloadsched.instances.generators`): jobs, machines, flow-shop times, DAG nodes, layers in all.
MAX_JOBS, MAX_MACHINES, MAX_TIMES, MAX_NODES = 100_000, 1_000, 10_000_000, 1_000_000


def read_text(path, what: str = "file", *, max_bytes: int = MAX_FILE_BYTES) -> str:
    """The UTF-8 text of the regular file ``path`` (a leading byte-order mark dropped), refusing what is
    not a regular file or is larger than ``max_bytes`` before reading it; errors name ``what`` and the path."""
    path = Path(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ValidationError(f"{path}: no such {what}") from None
    except OSError as exc:
        raise ValidationError(f"{path}: cannot read the {what} ({exc.strerror or exc})") from None
    if not stat.S_ISREG(info.st_mode):
        mode = info.st_mode
        kind = ("a directory" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode) else "a device"
                if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode) else "special")
        raise ValidationError(f"{path}: cannot read the {what}: it is {kind}, not a regular file")
    if info.st_size > max_bytes:
        raise ValidationError(f"{path}: cannot read the {what}: {info.st_size:,} bytes, above the ceiling of "
                              f"{max_bytes:,} bytes")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise ValidationError(f"{path}: cannot read the {what} ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        raise ValidationError(f"{path}: cannot read the {what}: above the ceiling of {max_bytes:,} bytes")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(f"{path}: cannot read the {what}: not UTF-8 text (byte {exc.start}: "
                              f"{data[exc.start:exc.start + 1]!r}; save it as UTF-8)") from None


def parse_json(text: str, where: str, *, max_depth: int = MAX_DEPTH):
    """The JSON value of ``text``, at most ``max_depth`` levels deep; errors name ``where``."""
    depth = _depth(text)
    if depth > max_depth:
        raise ValidationError(f"{where}: JSON nested {depth} levels deep, above the ceiling of {max_depth}")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"{where}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except (ValueError, RecursionError) as exc:  # an integer literal of thousands of digits
        raise ValidationError(f"{where}: not valid JSON ({' '.join(str(exc).split())[:120]})") from None


_BRACKETS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _depth(text: str) -> int:
    """The deepest bracket nesting of JSON ``text`` (brackets inside strings ignored)."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return 0  # too few brackets to exceed the ceiling
    depth = deepest = 0
    for m in _BRACKETS.finditer(text):
        c = m.group()
        if c in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif c in "]}":
            depth -= 1
    return deepest


def write_json(data: Mapping, path) -> None:
    with atomic_write(path) as fh:
        json.dump(data, fh, indent=1)
        fh.write("\n")


# -- helpers -------------------------------------------------------------------
def _req(d: Mapping, key: str, where: str):
    if not isinstance(d, Mapping):
        raise ValidationError(f"{where}: expected an object, got {type(d).__name__}")
    if key not in d:
        raise ValidationError(f"{where}: missing field {key!r}")
    return d[key]


def _list(d: Mapping, key: str, where: str) -> list:
    v = _req(d, key, where)
    if not isinstance(v, list):
        raise ValidationError(f"{where}: field {key!r} must be a list, got {type(v).__name__}")
    return v


def unique_names(names, what: str, where: str) -> None:
    """Refuse two items of one name, naming both positions: ``jobs 0 and 2 are both named 'J0'``."""
    seen: dict[Any, int] = {}
    for k, name in enumerate(names):
        if name in seen:
            raise ValidationError(f"{where}: duplicate {what} name {name!r}: {what}s {seen[name]} and {k} are both "
                                  f"named {name!r}")
        seen[name] = k


def _header(kind: str, obj: Any = None) -> dict[str, Any]:
    """The document header: version 3 for a problem with release times, else version 2 (the same bytes, and
    so the same problem hash in a results database, as before release times existed)."""
    version = SCHEMA_VERSION if getattr(obj, "has_release", False) else 2
    return {"format": FORMAT, "schema_version": version, "type": kind}


# -- to dict ---------------------------------------------------------------------
def to_dict(obj) -> dict[str, Any]:
    """The JSON document of a problem, DNN, joint problem or :class:`~offloadsched.solve.Result`."""
    from .solve import Result

    if isinstance(obj, Result):
        return {**_header("result"), **obj.to_dict()}
    if isinstance(obj, DNN):
        return {**_header("dnn"), **dnn_to_dict(obj)}
    if isinstance(obj, J2Problem):
        return {**_header("j2", obj), "name": obj.name, "jobs": list(obj.jobs), "a": obj.a.tolist(),
                "b": obj.b.tolist(), **_rtt(obj)}
    if isinstance(obj, FmProblem):
        return {**_header("fm", obj), "name": obj.name, "machines": list(obj.machines), "jobs": list(obj.jobs),
                "times": obj.times.tolist(), **_rtt(obj)}
    if isinstance(obj, DagProblem):
        nodes = [{"name": obj.names[v], "job": obj.job_names[int(obj.job[v])], "local": bool(obj.local[v]),
                  "f": int(obj.f[v]), "u": int(obj.u[v]), "r": int(obj.r[v]),
                  "preds": [obj.names[p] for p in obj.preds[v]]} for v in range(len(obj))]
        return {**_header("dag", obj), "name": obj.name, "remote_model": obj.remote_model,
                "jobs": list(obj.job_names), "nodes": nodes, **_rtt(obj)}
    if isinstance(obj, JointProblem):
        dnns: dict[int, dict] = {}
        for d in obj.jobs:
            dnns.setdefault(id(d), dnn_to_dict(d))
        return {**_header("joint", obj), "name": obj.name, "platform": obj.platform.to_dict(),
                "remote_model": obj.remote_model, "dnns": list(dnns.values()),
                "jobs": [d.name for d in obj.jobs], **_release(obj)}
    raise ValidationError(f"cannot save a {type(obj).__name__}")


def _rtt(problem: FmProblem | DagProblem) -> dict[str, Any]:
    return {**({"w_rtt": int(problem.w_rtt)} if problem.w_rtt else {}), **_release(problem)}


def _release(problem: FmProblem | DagProblem | JointProblem) -> dict[str, list[int]]:
    return {"release": problem.release.tolist()} if problem.has_release else {}


def dnn_to_dict(dnn: DNN) -> dict[str, Any]:
    return {"name": dnn.name, "attrs": _plain(dnn.attrs), "layers": [
        {"name": layer.name, "kind": layer.kind, "flops": layer.flops, "out_bytes": layer.out_bytes,
         "preds": [dnn.layers[p].name for p in dnn.preds[i]], "attrs": _plain(layer.attrs)}
        for i, layer in enumerate(dnn.layers)]}


def _plain(obj):
    if isinstance(obj, Mapping):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


# -- from dict -------------------------------------------------------------------
def from_dict(data: Mapping, *, where: str = "document"):
    """Rebuild the object of a JSON document (validated; errors name the field and item)."""
    if not isinstance(data, Mapping):
        raise ValidationError(f"{where}: expected a JSON object, got {type(data).__name__}")
    if data.get("format", FORMAT) != FORMAT:
        raise ValidationError(f"{where}: format {data.get('format')!r} is not {FORMAT!r}")
    version = data.get("schema_version", SCHEMA_VERSION)
    if version not in VERSIONS or isinstance(version, bool):
        raise ValidationError(f"{where}: schema_version {version!r} is not supported (this reads "
                              f"{', '.join(map(str, VERSIONS))})")
    kind = _req(data, "type", where)
    if not isinstance(kind, str) or kind not in TYPES:
        raise ValidationError(f"{where}: unknown type {kind!r}; known: {', '.join(TYPES)}")
    _check_counts(data, kind, where)
    validate(data, kind, where, version)
    for key, what in (("jobs", "job"), ("machines", "machine")):
        if kind in ("j2", "fm", "dag") and key in data:
            unique_names(data[key], what, where)
    if kind == "j2":
        return J2Problem(_list(data, "a", where), _list(data, "b", where), jobs=data.get("jobs"),
                         name=data.get("name", ""), w_rtt=data.get("w_rtt", 0), release=data.get("release"))
    if kind == "fm":
        times = _list(data, "times", where)
        if any(not isinstance(row, list) or len(row) != len(times[0]) for row in times):
            raise ValidationError(f"{where}: field 'times' must be a list of equal-length rows")
        return FmProblem(times, machines=data.get("machines"), jobs=data.get("jobs"), name=data.get("name", ""),
                         w_rtt=data.get("w_rtt", 0), release=data.get("release"))
    if kind == "dag":
        return _dag_from_dict(data, where)
    if kind == "dnn":
        return dnn_from_dict(data, where)
    if kind == "joint":
        return _joint_from_dict(data, where)
    return data  # a result document stays a dict


def _check_counts(data: Mapping, kind: str, where: str) -> None:
    """Refuse a document above the item ceilings (MAX_JOBS, ...) before its schema is checked item by item."""
    def size(value: Any) -> int:
        return len(value) if isinstance(value, list) else 0

    counts: list[tuple[str, int, int]] = []
    if kind == "j2":
        counts += [("jobs (a)", size(data.get("a")), MAX_JOBS), ("jobs (b)", size(data.get("b")), MAX_JOBS)]
    elif kind == "fm":
        rows = _as_list(data.get("times"))
        counts += [("jobs (rows of times)", len(rows), MAX_JOBS), ("times", sum(size(r) for r in rows), MAX_TIMES),
                   ("machines", size(rows[0]) if rows else 0, MAX_MACHINES)]
    elif kind == "dag":
        counts.append(("nodes", size(data.get("nodes")), MAX_NODES))
    elif kind in ("dnn", "joint"):
        dnns = [data] if kind == "dnn" else _as_list(data.get("dnns"))
        layers = sum(size(d.get("layers")) for d in dnns if isinstance(d, Mapping))
        counts.append(("layers", layers, MAX_NODES))
        if kind == "joint":
            counts.append(("jobs", size(data.get("jobs")), MAX_JOBS))
    for what, n, ceiling in counts:
        if n > ceiling:
            raise ValidationError(f"{where}: {n:,} {what}, above the ceiling of {ceiling:,}")


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else []


def dnn_from_dict(data: Mapping, where: str = "dnn") -> DNN:
    name = _req(data, "name", where)
    unique_names([item.get("name") for item in _list(data, "layers", f"dnn {name!r}") if isinstance(item, Mapping)],
                 "layer", f"{where} {name!r}")
    layers, edges = [], []
    for k, item in enumerate(_list(data, "layers", f"dnn {name!r}")):
        lname = _req(item, "name", f"dnn {name!r}: layer {k}")
        layers.append(Layer(lname, item.get("kind", "layer"), _req(item, "flops", f"layer {lname!r}"),
                            _req(item, "out_bytes", f"layer {lname!r}"), item.get("attrs") or {}))
        preds = item.get("preds", [])
        if not isinstance(preds, list):
            raise ValidationError(f"layer {lname!r}: field 'preds' must be a list")
        edges += [(p, lname) for p in preds]
    return DNN(name, layers, edges, attrs=data.get("attrs") or {})


def _dag_from_dict(data: Mapping, where: str) -> DagProblem:
    nodes = _list(data, "nodes", where)
    by_name: dict[str, Mapping] = {}
    unique_names([_req(node, "name", f"{where}: node {k}") for k, node in enumerate(nodes)], "node", where)
    for node in nodes:
        by_name[node["name"]] = node
    g = nx.DiGraph()
    g.add_nodes_from(by_name)
    for name, node in by_name.items():
        preds = node.get("preds", [])
        if not isinstance(preds, list):
            raise ValidationError(f"node {name!r}: field 'preds' must be a list")
        for p in preds:
            if p not in by_name:
                raise ValidationError(f"node {name!r}: unknown predecessor {p!r}")
            g.add_edge(p, name)
    try:
        cycle = nx.find_cycle(g)
        raise ValidationError(f"{where}: graph has a cycle: " + " -> ".join([u for u, _ in cycle] + [cycle[0][0]]))
    except nx.NetworkXNoCycle:
        pass
    pos = {v: i for i, v in enumerate(by_name)}
    order = list(nx.lexicographical_topological_sort(g, key=pos.__getitem__))
    idx = {v: i for i, v in enumerate(order)}
    job_names = list(data.get("jobs") or [])
    job_ids = []
    for v in order:
        j = by_name[v].get("job", 0)
        if isinstance(j, str):
            if j not in job_names:
                job_names.append(j)
            j = job_names.index(j)
        job_ids.append(int(j))
    cols = {key: [_req(by_name[v], key, f"node {v!r}") if key == "f" else by_name[v].get(key, 0) for v in order]
            for key in ("f", "u", "r")}
    for key, vals in cols.items():
        for v, x in zip(order, vals):
            if not isinstance(x, (int, float)) or isinstance(x, bool) or x != x or x < 0:
                raise ValidationError(f"node {v!r}: {key} must be a number >= 0, got {x!r}")
    return DagProblem(f=cols["f"], u=cols["u"], r=cols["r"],
                      local=[bool(by_name[v].get("local", True)) for v in order],
                      preds=[[idx[p] for p in g.predecessors(v)] for v in order],
                      remote_model=data.get("remote_model", "negligible"), names=order, job=job_ids,
                      job_names=job_names or None, name=data.get("name", ""), w_rtt=data.get("w_rtt", 0),
                      release=data.get("release"))


def _joint_from_dict(data: Mapping, where: str) -> JointProblem:
    p = _req(data, "platform", where)
    platform = platform_from_dict(p)
    built = [dnn_from_dict(x, f"{where}: dnn") for x in _list(data, "dnns", where)]
    unique_names([d.name for d in built], "dnn", where)
    dnns = {d.name: d for d in built}
    jobs = []
    for name in _list(data, "jobs", where):
        if name not in dnns:
            raise ValidationError(f"{where}: job names unknown DNN {name!r}; known: {', '.join(dnns)}")
        jobs.append(dnns[name])
    return JointProblem(jobs, platform, remote_model=data.get("remote_model", "negligible"),
                        name=data.get("name", ""), release=data.get("release"))


def platform_from_dict(p: Mapping) -> Platform:
    """A platform from its JSON object; version 1's ``latency`` is read as ``w_msg`` (``w_rtt = 0``)."""
    return Platform(r_loc=_req(p, "r_loc", "platform"), r_rem=_req(p, "r_rem", "platform"),
                    bandwidth=_req(p, "bandwidth", "platform"), w_msg=p.get("w_msg", p.get("latency", 0.0)),
                    w_rtt=p.get("w_rtt", 0.0), name=p.get("name", "platform"), measured=p.get("measured"),
                    rates=p.get("rates"))


# -- files -------------------------------------------------------------------------
def save(obj, path) -> None:
    """Write ``obj`` as a JSON document (atomically)."""
    write_json(to_dict(obj), path)


def load(path, *, instance: int | None = None):
    """Load a JSON document or a Taillard text file (``instance`` selects one, 1-based); ``path`` is a
    str, bytes or os.PathLike."""
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise ValidationError(f"load: path must be a str, bytes or os.PathLike, got {type(path).__name__}")
    path = Path(os.fsdecode(path))
    text = read_text(path, "file")
    head = text.lstrip()[:1]
    first = next((line for line in text.splitlines() if line.strip()), "")
    if head not in ("{", "[") and (_HEADER.fullmatch(first) or "number of jobs" in first.lower()):
        found = parse_taillard(text, where=str(path))
        if instance is None:
            if len(found) > 1:
                raise ValidationError(f"{path}: holds {len(found)} instances; "
                                      f"choose one with --instance K (1..{len(found)})")
            return found[0]
        if not 1 <= instance <= len(found):
            raise ValidationError(f"{path}: --instance {instance} out of range 1..{len(found)}")
        return found[instance - 1]
    if instance is not None:
        raise ValidationError(f"{path}: --instance applies only to Taillard text files")
    if head not in ("{", "[") and len(first.split()) >= 2 and all(_INT.fullmatch(t) for t in first.split()):
        raise ValidationError(f"{path}: neither JSON nor Taillard text: its first line holds numbers; a Taillard "
                              "file starts with the header 'number of jobs, number of machines, initial seed, upper "
                              "bound and lower bound :'")
    return from_dict(parse_json(text, str(path)), where=str(path))


_INT = re.compile(r"[+-]?\d+")
_HEADER = re.compile(r"\s*number of jobs\b.*:\s*", re.IGNORECASE)
_TIMES = re.compile(r"\s*processing times\s*:?\s*", re.IGNORECASE)


def _int_tokens(line: str, where: str, lineno: int) -> list[int]:
    out = []
    for tok in line.split():
        if not _INT.fullmatch(tok):
            raise ValidationError(f"{where}: line {lineno}: {tok!r} is not an integer")
        out.append(int(tok))
    return out


def parse_taillard(text: str, *, where: str = "taillard") -> list[FmProblem]:
    """Parse Taillard's format strictly: per instance the header line, a line of two to five integers
    (jobs, machines, then optionally seed, upper bound, lower bound), ``processing times :``, then
    exactly ``m`` rows of exactly ``n`` non-negative integers (machines as rows).  Any other token,
    a row of the wrong length or a line left over is an error naming the line."""
    lines = [(k, line) for k, line in enumerate(text.splitlines(), 1) if line.strip()]
    out: list[FmProblem] = []
    pos = 0

    def take(what: str) -> tuple[int, str]:
        nonlocal pos
        if pos >= len(lines):
            raise ValidationError(f"{where}: instance {len(out) + 1}: file ends where {what} was expected")
        pos += 1
        return lines[pos - 1]

    while pos < len(lines):
        k, line = take("a header")
        if not _HEADER.fullmatch(line):
            raise ValidationError(f"{where}: line {k}: expected the header 'number of jobs, number of machines, "
                                  f"...:', got {line.strip()[:60]!r}")
        k, line = take("the line of jobs and machines counts")
        nums = _int_tokens(line, where, k)
        if not 2 <= len(nums) <= 5:
            raise ValidationError(f"{where}: line {k}: expected 2 to 5 integers (jobs, machines, seed, upper bound, "
                                  f"lower bound), found {len(nums)}")
        n, m = nums[0], nums[1]
        if n < 1 or m < 2:
            raise ValidationError(f"{where}: line {k}: needs at least 1 job and 2 machines, got {n} and {m}")
        k, line = take("'processing times :'")
        if not _TIMES.fullmatch(line):
            raise ValidationError(f"{where}: line {k}: expected 'processing times :', got {line.strip()[:60]!r}")
        rows = []
        for i in range(m):
            k, line = take(f"row {i + 1} of {m} (the header says {m} machines)")
            row = _int_tokens(line, where, k)
            if len(row) != n:
                raise ValidationError(f"{where}: line {k}: expected {n} times (the header says {n} jobs), "
                                      f"found {len(row)}")
            bad = [x for x in row if x < 0]
            if bad:
                raise ValidationError(f"{where}: line {k}: times must be >= 0, got {bad[0]}")
            rows.append(row)
        if pos < len(lines) and not _HEADER.fullmatch(lines[pos][1]):
            raise ValidationError(f"{where}: line {lines[pos][0]}: expected the next instance header or the end of "
                                  f"the file after {m} rows of times (the header says {m} machines)")
        try:
            prob = FmProblem(np.array(rows, dtype=object).T, name=f"{Path(where).stem}#{len(out) + 1}")
        except ValidationError as exc:
            raise ValidationError(f"{where}: instance {len(out) + 1}: {exc}") from None
        prob.info = dict(zip(("seed", "upper_bound", "lower_bound"), nums[2:5]))
        out.append(prob)
    if not out:
        raise ValidationError(f"{where}: no Taillard instance header found")
    return out


def format_taillard(problem: FmProblem, *, seed: int = 0, upper: int = 0, lower: int = 0) -> str:
    """The Taillard text of one instance (machines as rows)."""
    lines = ["number of jobs, number of machines, initial seed, upper bound and lower bound :",
             f"{problem.n:12d}{problem.m:12d}{seed:12d}{upper:12d}{lower:12d}", "processing times :"]
    lines += [" ".join(f"{x:2d}" for x in row) for row in problem.times.T.tolist()]
    return "\n".join(lines) + "\n"
