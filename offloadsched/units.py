"""The one place where physical quantities become integer microseconds.

MODEL.md section 1: profiles are computed in floating point once, when an
instance is built, and rounded to the nearest microsecond, never below 0.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .errors import ValidationError

US_PER_S = 1_000_000

#: Ceiling on integer times (µs), exclusive: every time of a problem and the sum of all its times
#: must stay below 2**53 (about 285 years).  Makespans are then exact in the evaluator's int64
#: arithmetic and also in every float64 that carries them (bounds in the results database, JSON
#: numbers, LP/MIP solvers), because every integer below 2**53 is a float64 exactly.  A problem
#: above it is refused when it is built, naming the field.
TIME_CEILING = 2**53


def seconds_to_us(seconds, what: str = "time"):
    """Round seconds (a float or an array) to the nearest integer microsecond.

    Negative values are clamped to 0 only when they are rounding noise
    (> -0.5 µs); a clearly negative or non-finite time is an error naming ``what``.
    Returns an ``int`` for a scalar and an ``int64`` array for an array.
    """
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported below, naming the entry
        arr = np.asarray(seconds, dtype=float)
        us = arr * US_PER_S
    if not np.all(np.isfinite(arr)):
        k = int(np.argmax(~np.isfinite(arr.ravel())))
        where = f"[{k}]" if arr.ndim else ""
        raise ValidationError(f"{what}{where}: times must be finite, got {arr.ravel()[k]}")
    if np.any(us <= -0.5):
        raise ValidationError(f"{what}: times must be >= 0, got {seconds!r}")
    if np.any(us >= TIME_CEILING - 0.5):
        k = int(np.flatnonzero(us.ravel() >= TIME_CEILING - 0.5)[0])
        where = f"[{k}]" if us.ndim else ""
        raise ValidationError(f"{what}{where}: {us.ravel()[k]:.6g} µs is not below the time ceiling 2**53 µs")
    out = np.maximum(np.rint(us), 0).astype(np.int64)
    return int(out) if out.ndim == 0 else out


#: numpy array kinds that are never numbers here, with the word a message uses for them
_NOT_NUMBER_KINDS = {"b": "booleans", "U": "strings", "S": "bytes", "c": "complex numbers",
                     "M": "datetimes (datetime64)", "m": "time deltas (timedelta64)", "V": "structured values"}


def refuse_array_kind(values, what: str, expected: str = "numbers") -> None:
    """Refuse a masked array (its masked entries would silently take the fill value) and a numpy
    array whose kind cannot hold ``expected`` (booleans, strings, bytes, complex numbers,
    datetime64 / timedelta64, structured), naming ``what``."""
    if isinstance(values, np.ma.MaskedArray):
        raise ValidationError(f"{what}: masked arrays are refused (a masked entry would silently take the "
                              "fill value); pass .filled(value) or .compressed()")
    if isinstance(values, np.ndarray) and values.dtype.kind in _NOT_NUMBER_KINDS:
        raise ValidationError(f"{what}: must be {expected}, got an array of {_NOT_NUMBER_KINDS[values.dtype.kind]}")


def require_numbers(values, what: str) -> None:
    """Refuse booleans, strings, complex numbers, datetimes and masked arrays where numbers are
    expected, naming the first such entry (``what[i][j]``): numpy would read ``True`` as 1 and
    ``"3"`` as 3, and a list mixing booleans with numbers (``[True, 2]``) silently becomes an integer
    array, so nested lists are checked entry by entry, before any conversion."""
    refuse_array_kind(values, what, "numbers")
    if isinstance(values, np.ndarray) and values.dtype != object:
        return
    found = _not_a_number(values, ())
    if found is not None:
        path, x = found
        raise ValidationError(f"{what}{''.join(f'[{i}]' for i in path)}: times must be numbers, got {_short(x)}")


def is_real(x) -> bool:
    """Is ``x`` one real number (int, float, numpy integer or floating, Fraction), not a boolean,
    complex number, timedelta64, string or array?"""
    if type(x) is int or type(x) is float:  # the common case, fast
        return True
    return (isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_, np.timedelta64))
            and not isinstance(x, np.ndarray))


def is_integer(x) -> bool:
    """Is ``x`` one integer (int or numpy integer), not a boolean or a timedelta64?"""
    return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_, np.timedelta64))


def _not_a_number(values, path: tuple[int, ...]) -> tuple[tuple[int, ...], object] | None:
    """The index path and value of the first entry of nested lists / tuples / arrays that is not a number."""
    if isinstance(values, np.ma.MaskedArray):
        return path, "a masked array"
    if isinstance(values, (list, tuple)) or (isinstance(values, np.ndarray) and values.ndim):
        for i, x in enumerate(values):
            found = _not_a_number(x, (*path, i))
            if found is not None:
                return found
        return None
    x = values.item() if isinstance(values, np.ndarray) and values.dtype.kind in "iuf" else values
    if not is_real(x):
        return path, x
    return None


def _short(x) -> str:
    text = repr(x)
    return text if len(text) <= 60 else text[:57] + "..."


def check_int_times(values, what: str, label=None, *, total: bool = True) -> np.ndarray:
    """Validate already-integer microsecond times: numbers (not booleans), finite, integral, >= 0
    and below :data:`TIME_CEILING`, and their sum below it too (unless ``total=False``: release
    times, whose sum means nothing).  ``label(k)`` names the flat entry ``k`` in messages (default:
    its index)."""
    require_numbers(values, what)
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValidationError(f"{what}: times must be numbers ({exc})") from None
    flat = arr.ravel()

    def name(k: int) -> str:
        if label is not None:
            return label(k)
        return f"[{k}]" if arr.ndim <= 1 else "".join(f"[{i}]" for i in np.unravel_index(k, arr.shape))

    for bad, text in ((~np.isfinite(flat), "times must be finite"), (flat < 0, "times must be >= 0"),
                      (flat != np.floor(flat), "times must be integer microseconds"),
                      (flat >= TIME_CEILING, "times must be below the ceiling 2**53 µs")):
        if flat.size and bad.any():
            k = int(np.argmax(bad))
            raise ValidationError(f"{what}{name(k)}: {text}, got {_fmt(flat[k])}")
    out = arr.astype(np.int64)
    whole = int(out.sum(dtype=object)) if out.size and total else 0
    if whole >= TIME_CEILING:
        raise ValidationError(f"{what}: the sum of all times ({whole} µs) must be below the ceiling 2**53 µs "
                              "so that makespans stay exact")
    return out


def check_nonneg(value, what: str) -> float:
    """Validate one finite, non-negative real quantity (flops, bytes, rates) and return it as a float:
    a boolean, a string, a complex number or an array is refused, as is a number too large for a
    float (``10**400``)."""
    if not is_real(value):
        raise ValidationError(f"{what} must be a number, got {_short(value)}")
    try:
        v = float(value)
    except OverflowError:
        raise ValidationError(f"{what} must be finite, got a number too large for a float (above 1.8e308)") from None
    if math.isnan(v) or math.isinf(v):
        raise ValidationError(f"{what} must be finite, got {value!r}")
    if v < 0:
        raise ValidationError(f"{what} must be >= 0, got {_fmt(v)}")
    return v


def _fmt(v) -> str:
    v = float(v)
    if not np.isfinite(v) or abs(v) >= 1e16:
        return f"{v:.6g}"
    return str(int(v)) if v == int(v) else repr(v)
