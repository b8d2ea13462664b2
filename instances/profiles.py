"""Measured per-layer profiles: a CSV of ``layer, milliseconds`` into a platform's measured times.

The CSV has one row per layer, ``name,ms`` (``#`` comments are allowed, and a first header row whose
second field holds no digit, such as ``layer,ms``; any other non-number is an error).  Times
are rounded once to integer µs (MODEL.md section 1).  :func:`measured_platform` puts them into
:attr:`offloadsched.platform.Platform.measured`, which every method and report then uses in place
of the FLOP-rate model: for the device (``f``) and, optionally, the server (``t'``).  Every layer
of the DNN except the input must have a time; a missing or unknown layer, a duplicate or a
negative time is a :class:`ValidationError` naming it.  Complexity: O(layers).
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

from offloadsched.dnn import DNN
from offloadsched.errors import ValidationError
from offloadsched.io import read_text
from offloadsched.platform import Platform
from offloadsched.units import TIME_CEILING


def read_times_csv(path) -> dict[str, int]:
    """``{layer: µs}`` from a ``layer,ms`` CSV file."""
    path = Path(path)
    text = read_text(path, "CSV file")
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ValidationError(f"{path}: cannot read ({exc})") from None
    out: dict[str, int] = {}
    header = False
    for lineno, row in enumerate(rows, 1):
        cells = [c.strip() for c in row]
        if not cells or not any(cells) or cells[0].startswith("#"):
            continue
        if len(cells) != 2:
            raise ValidationError(f"{path}, line {lineno}: expected 'layer,ms', got {len(cells)} fields")
        layer, value = cells
        try:
            ms = float(value)
        except ValueError:
            if not out and not header and not any(ch.isdigit() for ch in value):  # the header row: 'layer,ms'
                header = True
                continue
            raise ValidationError(f"{path}, line {lineno}: time {value!r} of layer {layer!r} is not a number"
                                  + (" (a header row names its columns without digits, e.g. 'layer,ms')"
                                     if not out and not header else "")) from None
        if not math.isfinite(ms) or ms < 0:
            raise ValidationError(f"{path}, line {lineno}: time of layer {layer!r} must be >= 0 ms, got {value}")
        if ms * 1000 >= TIME_CEILING:
            raise ValidationError(f"{path}, line {lineno}: time of layer {layer!r} must be below the ceiling "
                                  f"2**53 µs ({TIME_CEILING / 1000:.4g} ms), got {value}")
        if layer in out:
            raise ValidationError(f"{path}, line {lineno}: layer {layer!r} is listed twice")
        out[layer] = int(round(ms * 1000))
    if not out:
        raise ValidationError(f"{path}: no 'layer,ms' rows")
    return out


def measured_platform(platform: Platform, dnn: DNN, *, device_times=None, server_times=None) -> Platform:
    """``platform`` with ``dnn``'s measured times from CSV files (``device_times`` for ``f``,
    ``server_times`` for ``t'``); errors name the file and the layer."""
    for side, path in (("device", device_times), ("server", server_times)):
        if path is None:
            continue
        times = read_times_csv(path)
        try:
            platform = platform.with_measured(side, dnn, times)
        except ValidationError as exc:
            raise ValidationError(f"{path}: {exc}") from None
    return platform
