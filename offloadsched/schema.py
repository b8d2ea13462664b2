"""The declared JSON schema of every document kind (see :mod:`offloadsched.io`).

One schema per ``type`` in :data:`SCHEMAS` (JSON Schema draft 2020-12, checked with the
``jsonschema`` library).  Every object lists its fields and refuses any other
(``additionalProperties: false``), so a typo'd key is an error, not a silent default; numbers are
JSON numbers (never strings or booleans); times are integers in ``0 .. 2**53 - 1`` µs (the
ceiling of :mod:`offloadsched.units`).  A new field goes into the ``properties`` of its object
here (``PLATFORM`` for a platform field, ``LAYER`` for a layer field, ``NODE`` for a DAG node,
or the document's entry in :data:`SCHEMAS`); the loader in :mod:`offloadsched.io` then reads it.

:func:`validate` raises one :class:`~offloadsched.errors.ValidationError` naming the path of the
first offending item, e.g. ``nodes[3].local: expected a boolean, got "false"``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from typing import Any

from .device import OPERATOR_CLASSES
from .errors import ValidationError
from .units import TIME_CEILING

TIME: dict[str, Any] = {"type": "integer", "minimum": 0, "maximum": TIME_CEILING - 1}
#: The largest number a float holds: an integer literal beyond it (10**400) is refused, not an overflow.
FLOAT_MAX = sys.float_info.max
NONNEG: dict[str, Any] = {"type": "number", "minimum": 0, "maximum": FLOAT_MAX}
POSITIVE: dict[str, Any] = {"type": "number", "exclusiveMinimum": 0, "maximum": FLOAT_MAX}
NAME: dict[str, Any] = {"type": "string", "minLength": 1}
NAMES: dict[str, Any] = {"type": "array", "items": NAME}
REMOTE_MODEL: dict[str, Any] = {"enum": ["negligible", "serial", "parallel"]}
FREE: dict[str, Any] = {"type": "object"}  # free-form attributes


def _object(required: list[str], **properties: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": properties, "additionalProperties": False}


#: The schema version written; versions 1 and 2 are still read (:data:`SCHEMAS_V1`, :data:`SCHEMAS_V2`).
VERSION = 3
VERSIONS = (1, 2, 3)


def _document(kind: str, required: list[str], version: int = VERSION, **properties: Any) -> dict[str, Any]:
    header = {"format": {"const": "offloadsched"}, "schema_version": {"const": version}, "type": {"const": kind}}
    return _object(["type", *required], **header, **properties)


#: measured per-layer compute times (issue 18): {"device" | "server": {dnn: {layer: µs}}}
MEASURED: dict[str, Any] = {"type": "object", "propertyNames": {"enum": ["device", "server"]},
                            "additionalProperties": {"type": "object", "additionalProperties": {
                                "type": "object", "additionalProperties": TIME}}}
#: the device model's rates per operator class
RATES: dict[str, Any] = {"type": "object", "propertyNames": {"enum": list(OPERATOR_CLASSES)},
                         "additionalProperties": POSITIVE}
_PLATFORM_BASE: dict[str, Any] = dict(name={"type": "string"}, r_loc=POSITIVE, r_rem=POSITIVE, bandwidth=POSITIVE,
                                      measured=MEASURED)
#: version 2: two latencies (w_msg on the uplink per tensor, w_rtt per offloading job) and device rates
PLATFORM = _object(["r_loc", "r_rem", "bandwidth"], **_PLATFORM_BASE, w_msg=NONNEG, w_rtt=NONNEG, rates=RATES)
#: version 1: one per-message latency, read as w_msg (w_rtt = 0)
PLATFORM_V1 = _object(["r_loc", "r_rem", "bandwidth"], **_PLATFORM_BASE, latency=NONNEG)
LAYER = _object(["name", "flops", "out_bytes"], name=NAME, kind={"type": "string"}, flops=NONNEG,
                out_bytes=NONNEG, preds=NAMES, attrs=FREE)
DNN_BODY: dict[str, Any] = {"name": NAME, "attrs": FREE, "layers": {"type": "array", "minItems": 1, "items": LAYER}}
NODE = _object(["name", "f"], name=NAME, job={"type": ["string", "integer"], "minimum": 0, "maximum": 2**31 - 1},
               local={"type": "boolean"},
               f=TIME, u=TIME, r=TIME, preds=NAMES)



#: version 3: release times, one per job (integer µs; the job order of the document's ``jobs``)
RELEASE: dict[str, Any] = {"type": "array", "items": TIME}


def _schemas(version: int) -> dict[str, dict[str, Any]]:
    rtt = {"w_rtt": TIME} if version >= 2 else {}
    if version >= 3:
        rtt["release"] = RELEASE
    return {
        "j2": _document("j2", ["a", "b"], version, name={"type": "string"}, jobs=NAMES,
                        a={"type": "array", "items": TIME}, b={"type": "array", "items": TIME}, **rtt),
        "fm": _document("fm", ["times"], version, name={"type": "string"}, jobs=NAMES, machines=NAMES,
                        times={"type": "array", "minItems": 1,
                               "items": {"type": "array", "minItems": 2, "items": TIME}}, **rtt),
        "dag": _document("dag", ["nodes"], version, name={"type": "string"}, remote_model=REMOTE_MODEL, jobs=NAMES,
                         nodes={"type": "array", "items": NODE}, **rtt),
        "dnn": _document("dnn", ["name", "layers"], version, **DNN_BODY),
        "joint": _document("joint", ["platform", "dnns", "jobs"], version, name={"type": "string"},
                           platform=PLATFORM if version >= 2 else PLATFORM_V1, remote_model=REMOTE_MODEL,
                           dnns={"type": "array", "minItems": 1, "items": _object(["name", "layers"], **DNN_BODY)},
                           jobs={"type": "array", "minItems": 1, "items": NAME},
                           **({"release": RELEASE} if version >= 3 else {})),
        # a result is written by this package and read back as a plain dict: its own fields are open
        "result": {"type": "object", "required": ["type", "method", "status"],
                   "properties": {"format": {"const": "offloadsched"}, "schema_version": {"const": version},
                                  "method": NAME, "status": {"type": "string"},
                                  "makespan": {"type": ["integer", "null"]}}},
    }


#: The schema of each document ``type`` (version 3, written by this package).
SCHEMAS: dict[str, dict[str, Any]] = _schemas(3)
#: Version 2 (before release times): still read, every release time 0.
SCHEMAS_V2: dict[str, dict[str, Any]] = _schemas(2)
#: Version 1 (before the two latencies): still read; a platform's ``latency`` becomes ``w_msg``.
SCHEMAS_V1: dict[str, dict[str, Any]] = _schemas(1)

_TYPE_WORDS = {"boolean": "a boolean", "integer": "an integer", "number": "a number", "string": "a string",
               "array": "a list", "object": "an object", "null": "null"}


def path_text(path) -> str:
    """``nodes[3].local`` from a JSON path of keys and indices."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _shown(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _message(error) -> str:
    v, inst, sch = error.validator, error.instance, error.schema
    if v == "type":
        types = sch["type"] if isinstance(sch["type"], list) else [sch["type"]]
        want = " or ".join(_TYPE_WORDS.get(t, str(t)) for t in types)
        return f"expected {want}, got {_shown(inst)}"
    if v == "required":
        missing = [k for k in sch["required"] if k not in inst]
        return f"missing field {missing[0]!r}"
    if v == "additionalProperties":
        extra = sorted(k for k in inst if k not in sch.get("properties", {}))
        known = ", ".join(sch.get("properties", {}))
        return f"unknown field {extra[0]!r} (fields: {known})"
    if v in ("minimum", "exclusiveMinimum"):
        op = ">=" if v == "minimum" else ">"
        return f"must be {op} {error.validator_value}, got {_shown(inst)}"
    if v == "maximum":
        if error.validator_value == TIME_CEILING - 1:
            return f"times must be below the ceiling 2**53 µs, got {_shown(inst)}"
        if error.validator_value == FLOAT_MAX:
            return f"must be a number a float can hold (at most {FLOAT_MAX:.4g}), got {_shown(inst)}"
        return f"must be <= {error.validator_value}, got {_shown(inst)}"
    if v == "const":
        return f"must be {_shown(error.validator_value)}, got {_shown(inst)}"
    if v == "enum":
        return f"must be one of {', '.join(map(_shown, error.validator_value))}; got {_shown(inst)}"
    if v == "minItems":
        return f"needs at least {error.validator_value} item(s), got {len(inst)}"
    if v == "minLength":
        return "must not be empty"
    return " ".join(error.message.split())


def validate(data: Any, kind: str, where: str = "document", version: int = VERSION) -> None:
    """Check ``data`` against the schema of document type ``kind`` (schema ``version``); the error
    names the path."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator({1: SCHEMAS_V1, 2: SCHEMAS_V2}.get(version, SCHEMAS)[kind])
    errors = list(validator.iter_errors(data))
    if not errors:
        return
    first = min(errors, key=lambda e: (_order(data, e.absolute_path), e.validator != "additionalProperties"))
    path = path_text(first.absolute_path)
    raise ValidationError(f"{where}: {path + ': ' if path else ''}{_message(first)}{_item(data, first.absolute_path)}")


def _item(data: Any, path) -> str:
    """`` (layer 'conv3')``: the name of the innermost named list item on ``path``, if any; for
    ``release[k]`` the job's name from the document's ``jobs``."""
    path = list(path)
    if len(path) == 2 and path[0] == "release" and isinstance(path[1], int) and isinstance(data, Mapping):
        jobs = data.get("jobs")
        name = jobs[path[1]] if isinstance(jobs, list) and path[1] < len(jobs) else None
        return f" (job {path[1]}: {name!r})" if isinstance(name, str) else f" (job {path[1]})"
    found, node = "", data
    container: str | None = None
    for part in path:
        try:
            nxt = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(part, int) and isinstance(nxt, Mapping) and isinstance(nxt.get("name"), str):
            found = f" ({_SINGULAR.get(container or '', 'item')} {nxt['name']!r})"
        container = part if isinstance(part, str) else container
        node = nxt
    return found


_SINGULAR = {"layers": "layer", "nodes": "node", "dnns": "dnn"}


def _order(data: Any, path) -> tuple:
    """A document-order key of a JSON path (keys by their position in their object)."""
    key = []
    node = data
    for part in path:
        if isinstance(node, Mapping):
            key.append(list(node).index(part) if part in node else len(node))
        else:
            key.append(part if isinstance(part, int) else 0)
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
    return tuple(key)
