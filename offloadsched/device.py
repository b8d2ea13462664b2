"""The device model: a rate per operator class (MODEL.md section 1, Platform).

One FLOP rate cannot describe a phone-class CPU: depthwise convolutions run far below its
dense-convolution rate, and element-wise, pooling and concatenation layers are bound by memory
traffic rather than arithmetic.  A platform may therefore give a rate per operator class
(:data:`OPERATOR_CLASSES`); a class it does not name runs at ``r_loc`` over its FLOPs.

* ``conv``: dense convolutions, FLOP/s.  Grouped convolutions whose groups are wide
  (:data:`DW_CHANNELS_PER_GROUP` input channels or more per group, such as CaffeNet's two
  groups of 48-192 channels) are dense convolutions per group and belong here.
* ``dwconv``: depthwise and narrow-group convolutions (``groups > 1`` with fewer than
  :data:`DW_CHANNELS_PER_GROUP` input channels per group; a depthwise convolution has 1),
  FLOP/s.  Their arithmetic intensity is a few MACs per loaded element, far below a dense
  convolution's.
* ``fc``: fully connected layers (``linear``), FLOP/s.  At batch size 1 a fully connected
  layer reads each 4-byte weight once per multiply-add (2 FLOPs), so its rate is that of
  memory: ``fc = memory / 2``; the calibration (:mod:`offloadsched.instances.platforms`) ties
  the two.
* ``memory``: every other operator with work (element-wise, pooling, concatenation,
  normalisation, ...), in **bytes/s over the tensor bytes it moves**: the bytes of its
  inputs read plus the bytes of its output written (float32).  A FLOP rate would charge
  a ReLU one operation per element and a concatenation nothing, while both stream their
  tensors through memory.

What a layer contains is read from ``attrs["work"]`` when the builder recorded it
(:mod:`offloadsched.instances.layers`): ``{class: FLOPs, ..., "memory_bytes": bytes}``.  A zoo
layer can mix classes: a folded ``conv`` carries its batch-norm and ReLU (``memory``), a
RandWire ``node`` its weighted sum and ReLU (``memory``), depthwise 3x3 (``dwconv``) and
pointwise 1x1 (``conv``); a MobileNetV2 block its expansion, depthwise and projection.  Each part
runs at its class's rate and the layer's time is their sum.  The split is a composition: it is
scaled to the layer's ``flops`` (a tile of a fused layer with a fraction of the FLOPs keeps the
proportions).  A layer without ``attrs["work"]`` (a generated or hand-written DNN) is one
class, :func:`operator_class`; if that is ``memory``, its bytes are its predecessors' output
bytes plus its own (none when it has no FLOPs and is not a concatenation).

The input layer computes nothing.
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
#: The classes whose work is counted in FLOPs (``memory`` counts bytes, see the module docstring).
FLOP_CLASSES = ("conv", "dwconv", "fc")
#: A grouped convolution with fewer input channels per group than this is ``dwconv``.
DW_CHANNELS_PER_GROUP = 16

_CONV_KINDS = frozenset({"conv", "conv2d", "convolution", "dwconv", "sepconv"})
_FC_KINDS = frozenset({"linear", "fc", "gemm", "matmul", "dense"})
_COPY_KINDS = frozenset({"concat"})


def conv_class(groups: int, in_channels: int | None = None) -> str:
    """``"dwconv"`` for a depthwise or narrow-group convolution, else ``"conv"``.

    ``in_channels`` unknown: any ``groups > 1`` counts as depthwise."""
    if groups <= 1:
        return "conv"
    if in_channels is None:
        return "dwconv"
    return "dwconv" if in_channels / groups < DW_CHANNELS_PER_GROUP else "conv"


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def operator_class(layer: Layer) -> str:
    """The operator class of ``layer`` as a whole (one of :data:`OPERATOR_CLASSES`): for a layer
    that mixes classes (``attrs["work"]``), the class of most of its FLOPs."""
    attrs = layer.attrs if isinstance(layer.attrs, Mapping) else {}
    work = attrs.get("work")
    if isinstance(work, Mapping):
        flops = {c: float(work.get(c, 0)) for c in OPERATOR_CLASSES if _number(work.get(c, 0))}
        if any(flops.values()):
            return max(OPERATOR_CLASSES, key=lambda c: flops.get(c, 0.0))
    kind = layer.kind.lower()
    if kind in _CONV_KINDS:
        groups = attrs.get("groups", 1)
        in_shape = attrs.get("in_shape")
        channels = in_shape[0] if isinstance(in_shape, (list, tuple)) and in_shape and _number(in_shape[0]) else None
        if kind == "dwconv" and channels is None:
            return "dwconv"
        return conv_class(int(groups) if _number(groups) else 1, channels)
    if kind in _FC_KINDS:
        return "fc"
    return "memory"


def operator_classes(dnn: DNN) -> np.ndarray:
    """The operator class of every layer of ``dnn``, in layer order."""
    return np.array([operator_class(layer) for layer in dnn.layers], dtype="U6")


def layer_work(dnn: DNN) -> dict[str, np.ndarray]:
    """Work per class of every layer of ``dnn`` (layer order): FLOPs for :data:`FLOP_CLASSES`,
    and for ``memory`` both its FLOPs (``"memory"``) and the bytes it moves (``"memory_bytes"``).
    See the module docstring for where the split comes from."""
    n = len(dnn)
    out = {c: np.zeros(n) for c in (*OPERATOR_CLASSES, "memory_bytes")}
    in_bytes = np.zeros(n)
    out_bytes = dnn.out_bytes.astype(float)
    for a, b in dnn.edges:
        in_bytes[dnn.index[b]] += out_bytes[dnn.index[a]]
    for i, layer in enumerate(dnn.layers):
        if i == dnn.input:
            continue
        flops = float(layer.flops)
        work = layer.attrs.get("work") if isinstance(layer.attrs, Mapping) else None
        if isinstance(work, Mapping):
            split = {c: float(work.get(c, 0)) for c in (*OPERATOR_CLASSES, "memory_bytes")
                     if _number(work.get(c, 0)) and float(work.get(c, 0)) > 0}
            total = sum(v for c, v in split.items() if c in OPERATOR_CLASSES)
            scale = flops / total if total > 0 else 1.0
            if total > 0 or flops == 0:
                for c, v in split.items():
                    out[c][i] = v * scale
                continue
        cls = operator_class(layer)
        out[cls][i] = flops
        if cls == "memory" and (flops > 0 or layer.kind.lower() in _COPY_KINDS):
            out["memory_bytes"][i] = in_bytes[i] + out_bytes[i]
    return out


@dataclass(frozen=True)
class DeviceRates:
    """Rates per operator class, stored as sorted ``(class, rate)`` pairs (hashable): FLOP/s for
    ``conv``, ``dwconv`` and ``fc``, bytes/s for ``memory``."""

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
    """Local compute time of every layer of ``dnn`` in seconds (floating point, before rounding).

    Without ``rates``: ``flops / r_loc``.  With them: the sum over the layer's classes
    (:func:`layer_work`) of FLOPs / rate, and memory bytes / ``rates["memory"]``; a class the
    rates do not name runs at ``r_loc`` over its FLOPs."""
    if not rates:
        return dnn.flops / r_loc
    return work_seconds(layer_work(dnn), rates, r_loc)


def work_seconds(work: Mapping, rates: DeviceRates | Mapping[str, float], r_loc: float):
    """Seconds of ``work`` (per class, as :func:`layer_work` gives it: arrays per layer, or their
    totals) at ``rates``: FLOPs of each FLOP class over its rate, memory bytes over the memory rate;
    a class the rates do not name runs at ``r_loc`` over its FLOPs."""
    seconds = sum(work[name] / rates.get(name, r_loc) for name in FLOP_CLASSES)
    memory = rates.get("memory", 0.0)
    return seconds + (work["memory_bytes"] / memory if memory > 0 else work["memory"] / r_loc)
