"""Plain JSON values from the package's objects (results' ``info`` and ``options``, claim records).

One rule for every document the package writes: dict keys become strings, tuples lists, numpy
scalars and arrays Python numbers and lists, NaN becomes ``null`` and an infinity the string
``"inf"`` / ``"-inf"`` (strict JSON has neither), anything else its ``repr``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def jsonable(obj: Any) -> Any:
    """``obj`` as plain JSON values (see the module docstring).  O(size of ``obj``)."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray | np.generic):
        return jsonable(obj.tolist())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None if math.isnan(obj) else ("inf" if obj > 0 else "-inf")
    if isinstance(obj, str | int | float | bool) or obj is None:
        return obj
    return repr(obj)
