"""The one place where physical quantities become integer microseconds.

MODEL.md section 1: profiles are computed in floating point once, when an
instance is built, and rounded to the nearest microsecond, never below 0.
"""

from __future__ import annotations

import math

import numpy as np

from .errors import ValidationError

US_PER_S = 1_000_000


def seconds_to_us(seconds, what: str = "time"):
    """Round seconds (a float or an array) to the nearest integer microsecond.

    Negative values are clamped to 0 only when they are rounding noise
    (> -0.5 µs); a clearly negative or non-finite time is an error naming ``what``.
    Returns an ``int`` for a scalar and an ``int64`` array for an array.
    """
    arr = np.asarray(seconds, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise ValidationError(f"{what}: times must be finite, got {seconds!r}")
    us = arr * US_PER_S
    if np.any(us <= -0.5):
        raise ValidationError(f"{what}: times must be >= 0, got {seconds!r}")
    out = np.maximum(np.rint(us), 0).astype(np.int64)
    return int(out) if out.ndim == 0 else out


def check_int_times(values, what: str) -> np.ndarray:
    """Validate already-integer microsecond times: finite, integral, >= 0."""
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"{what}: times must be numbers ({exc})") from None
    if arr.size and not np.all(np.isfinite(arr)):
        bad = arr.flat[int(np.flatnonzero(~np.isfinite(arr.ravel()))[0])]
        raise ValidationError(f"{what}: times must be finite, got {bad}")
    if arr.size and np.any(arr < 0):
        bad = arr.flat[int(np.flatnonzero(arr.ravel() < 0)[0])]
        raise ValidationError(f"{what}: times must be >= 0, got {_fmt(bad)}")
    if arr.size and np.any(arr != np.floor(arr)):
        bad = arr.flat[int(np.flatnonzero((arr != np.floor(arr)).ravel())[0])]
        raise ValidationError(f"{what}: times must be integer microseconds, got {bad}")
    return arr.astype(np.int64)


def check_nonneg(value, what: str) -> float:
    """Validate one finite, non-negative float quantity (flops, bytes, rates)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{what} must be a number, got {value!r}") from None
    if math.isnan(v) or math.isinf(v):
        raise ValidationError(f"{what} must be finite, got {value!r}")
    if v < 0:
        raise ValidationError(f"{what} must be >= 0, got {_fmt(v)}")
    return v


def _fmt(v) -> str:
    v = float(v)
    return str(int(v)) if v == int(v) else repr(v)
