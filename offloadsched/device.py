"""The device model: a compute rate per operator class (MODEL.md section 1, Platform).

One FLOP rate cannot describe a phone-class CPU: depthwise and grouped convolutions run far
below its dense-convolution rate, and element-wise, pooling and concatenation layers are
bound by memory traffic rather than arithmetic.  A platform may therefore give a rate per
operator class (:data:`OPERATOR_CLASSES`); a class it does not name runs at ``r_loc``.

* ``conv``: dense convolutions (``groups == 1``), FLOP/s.
* ``dwconv``: depthwise and grouped convolutions (``groups > 1``), FLOP/s.
* ``fc``: fully connected layers (``linear``), FLOP/s.
* ``memory``: every other layer with work (element-wise, pooling, concatenation,
  normalisation, ...), FLOP/s over its FLOPs.

The input layer computes nothing.  Which class a layer belongs to is decided by
:func:`operator_class` from its ``kind`` and its ``attrs["groups"]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .dnn import DNN, Layer
from .errors import ValidationError
from .units import check_nonneg

#: The operator classes of the device model.
OPERATOR_CLASSES = ("conv", "dwconv", "fc", "memory")

_CONV_KINDS = frozenset({"conv", "conv2d", "convolution"})
_FC_KINDS = frozenset({"linear", "fc", "gemm", "matmul", "dense"})


def operator_class(layer: Layer) -> str:
    """The operator class of ``layer`` (one of :data:`OPERATOR_CLASSES`)."""
    kind = layer.kind.lower()
    if kind in _CONV_KINDS:
        groups = layer.attrs.get("groups", 1) if isinstance(layer.attrs, Mapping) else 1
        return "dwconv" if isinstance(groups, (int, float)) and groups > 1 else "conv"
    if kind in _FC_KINDS:
        return "fc"
    return "memory"


def operator_classes(dnn: DNN) -> np.ndarray:
    """The operator class of every layer of ``dnn``, in layer order."""
    return np.array([operator_class(layer) for layer in dnn.layers], dtype="U6")


@dataclass(frozen=True)
class DeviceRates:
    """Rates per operator class (FLOP/s), stored as sorted ``(class, rate)`` pairs (hashable)."""

    entries: tuple[tuple[str, float], ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping, where: str = "platform") -> DeviceRates:
        if not isinstance(data, Mapping):
            raise ValidationError(f"{where}: rates must be an object {{operator class: rate}}")
        rows = []
        for name, rate in data.items():
            if name not in OPERATOR_CLASSES:
                raise ValidationError(f"{where}: rates: unknown operator class {name!r}; "
                                      f"known: {', '.join(OPERATOR_CLASSES)}")
            if isinstance(rate, bool) or check_nonneg(rate, f"{where}: rates.{name}") <= 0:
                raise ValidationError(f"{where}: rates.{name} must be a number > 0, got {rate!r}")
            rows.append((str(name), float(rate)))
        return cls(tuple(sorted(rows)))

    def __bool__(self) -> bool:
        return bool(self.entries)

    def to_dict(self) -> dict[str, float]:
        return dict(self.entries)

    def get(self, name: str, default: float) -> float:
        return dict(self.entries).get(name, default)


def local_seconds(dnn: DNN, r_loc: float, rates: DeviceRates | None = None) -> np.ndarray:
    """Local compute time of every layer of ``dnn`` in seconds (floating point, before rounding)."""
    if not rates:
        return dnn.flops / r_loc
    classes = operator_classes(dnn)
    per_layer = np.array([rates.get(c, r_loc) for c in classes], dtype=float)
    return dnn.flops / per_layer
