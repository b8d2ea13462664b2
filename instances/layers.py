"""Layer arithmetic: output shape, parameters, multiply-adds and FLOPs of one operator.

One function per operator, each returning an :class:`Op`.  Shapes are ``(C, H, W)`` for feature
maps and ``(F,)`` for vectors (batch size 1, float32).  The conventions follow PyTorch
(``torch.nn`` layer semantics, torchvision's parameter counts):

* ``macs`` counts the multiply-accumulates of convolutions and linear layers only (the figure
  torchvision publishes as "GFLOPS"); bias additions are not counted.
* ``flops = 2 * macs + extra``, where ``extra`` counts the other arithmetic, one operation per
  element and step: ReLU/ReLU6/LeakyReLU 1 per element, batch-norm 2 per element (inference
  affine ``a*x + b``), max/avg pooling one per window element of each output, adaptive average
  pooling the exact window sizes, ``k``-input add ``k - 1`` per element, weighted sum ``2k - 1``,
  mean ``k``, local response norm ``2 * size + 3`` per element, L2 distance ``3`` per element.
  Concat, flatten and dropout cost nothing.
* ``params`` counts learnable parameters as torchvision does (conv/linear weights and biases,
  batch-norm weight and bias; running statistics are buffers and are not counted).
* ``out_bytes = 4 * prod(out_shape)`` (float32).
* ``work`` splits an operator's FLOPs by operator class of the device model
  (:mod:`offloadsched.device`): a convolution is ``conv`` or ``dwconv``
  (:func:`offloadsched.device.conv_class` of its groups and input channels), a linear layer
  ``fc``, everything else ``memory`` with ``memory_bytes``, the bytes it moves (its inputs read
  plus its output written; none for a reshape such as flatten).  :func:`combine` adds the
  splits, so a folded conv + batch-norm + ReLU or a RandWire node (weighted sum, ReLU,
  depthwise 3x3, pointwise 1x1, batch-norm) keeps each part in its class.

Spatial geometry (``kernel``, ``stride``, ``padding``, ``dilation``, ``groups``, ``ceil_mode``)
is kept in :attr:`Op.geometry` with ``padding`` as PyTorch's (top, left) pair and ``pads`` as
all four sides ``(top, bottom, left, right)``; they differ only for asymmetric padding such as
darknet's size-2 stride-1 max pool.  Output sizes use PyTorch's formula, including its
``ceil_mode`` rule that the last window must start inside the (left-padded) input.

References (docs/REFERENCES.md): [Xie2019].
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from offloadsched.device import conv_class
from offloadsched.errors import ValidationError

BYTES_PER_ELEMENT = 4  # float32

Shape = tuple[int, ...]
Pair = int | tuple[int, int]
Padding = int | tuple[int, int] | tuple[int, int, int, int]


@dataclass(frozen=True)
class Op:
    """The cost of one operator on one input (batch size 1)."""

    kind: str
    in_shapes: tuple[Shape, ...]
    out_shape: Shape
    params: int = 0
    macs: int = 0
    extra_flops: int = 0
    geometry: Mapping[str, Any] = field(default_factory=dict)
    #: FLOPs per operator class and ``memory_bytes`` (see the module docstring); ``None``: this
    #: operator's own split, from its kind (:meth:`class_work`).
    work: Mapping[str, int] | None = None

    @property
    def flops(self) -> int:
        return 2 * self.macs + self.extra_flops

    @property
    def numel(self) -> int:
        return math.prod(self.out_shape)

    @property
    def out_bytes(self) -> int:
        return BYTES_PER_ELEMENT * self.numel

    def attrs(self) -> dict[str, Any]:
        """The ``Layer.attrs`` of this operator: shapes, params, macs and spatial geometry."""
        ins = self.in_shapes
        out: dict[str, Any] = {"op": self.kind}
        if len(ins) == 1:
            out["in_shape"] = ins[0]
        else:
            out["in_shapes"] = ins
        out["out_shape"] = self.out_shape
        out["params"] = self.params
        out["macs"] = self.macs
        out.update(self.geometry)
        work = self.class_work()
        if work:
            out["work"] = work
        return out

    def class_work(self) -> dict[str, int]:
        """FLOPs per operator class and the bytes of its memory-bound part (``memory_bytes``),
        zero entries left out."""
        if self.work is not None:
            return {k: v for k, v in self.work.items() if v}
        if self.kind == "input":
            return {}
        if self.kind in ("conv", "dwconv"):
            channels = self.in_shapes[0][0] if self.in_shapes and self.in_shapes[0] else None
            return {conv_class(int(self.geometry.get("groups", 1)), channels): self.flops} if self.flops else {}
        if self.kind == "linear":
            return {"fc": self.flops} if self.flops else {}
        moved = 0
        if self.flops or self.kind == "concat":
            moved = BYTES_PER_ELEMENT * (sum(math.prod(s) for s in self.in_shapes) + self.numel)
        return {k: v for k, v in (("memory", self.flops), ("memory_bytes", moved)) if v}


def combine(kind: str, ops: Sequence[Op]) -> Op:
    """One operator doing ``ops`` in sequence: costs add up, the input is the first op's, the
    output the last op's, and the geometry is that of the first op that has one."""
    if not ops:
        raise ValidationError(f"{kind}: nothing to combine")
    geometry = next((op.geometry for op in ops if op.geometry), {})
    work: dict[str, int] = {}
    for op in ops:
        for key, value in op.class_work().items():
            work[key] = work.get(key, 0) + value
    return Op(kind, ops[0].in_shapes, ops[-1].out_shape, sum(op.params for op in ops),
              sum(op.macs for op in ops), sum(op.extra_flops for op in ops), geometry, work)


# -- helpers -------------------------------------------------------------------------------
def _pair(value: Pair, what: str) -> tuple[int, int]:
    if isinstance(value, int):
        pair = (value, value)
    else:
        pair = tuple(value)
        if len(pair) != 2:
            raise ValidationError(f"{what} must be an int or a pair, got {value!r}")
    if not all(isinstance(v, int) for v in pair):
        raise ValidationError(f"{what} must be integers, got {value!r}")
    return pair  # type: ignore[return-value]


def _pads(padding: Padding) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) from an int, a symmetric (ph, pw) pair or four sides."""
    if isinstance(padding, int):
        pads = (padding,) * 4
    elif len(padding) == 2:
        pads = (padding[0], padding[0], padding[1], padding[1])
    elif len(padding) == 4:
        pads = tuple(padding)
    else:
        raise ValidationError(f"padding must be an int, (ph, pw) or (top, bottom, left, right), got {padding!r}")
    if not all(isinstance(p, int) and p >= 0 for p in pads):
        raise ValidationError(f"padding must be non-negative integers, got {padding!r}")
    return pads  # type: ignore[return-value]


def _feature_map(shape: Shape, what: str) -> tuple[int, int, int]:
    if len(shape) != 3 or not all(isinstance(s, int) and s > 0 for s in shape):
        raise ValidationError(f"{what} needs a (C, H, W) input with positive sizes, got {shape!r}")
    return shape  # type: ignore[return-value]


def _positive(value: int, what: str) -> int:
    if not isinstance(value, int) or value <= 0:
        raise ValidationError(f"{what} must be a positive integer, got {value!r}")
    return value


def output_size(size: int, kernel: int, stride: int, pad_before: int, pad_after: int,
                dilation: int = 1, ceil_mode: bool = False) -> int:
    """Output length of a sliding window along one axis (PyTorch's formula and ceil_mode rule)."""
    span = size + pad_before + pad_after - dilation * (kernel - 1) - 1
    if span < 0:
        raise ValidationError(f"window {kernel} (dilation {dilation}) is larger than the padded input {size}")
    out = (-(-span // stride) if ceil_mode else span // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + pad_before:
        out -= 1
    return out


def _window(kind: str, shape: Shape, kernel: Pair, stride: Pair, padding: Padding, dilation: Pair,
            ceil_mode: bool) -> tuple[tuple[int, int], dict[str, Any]]:
    _, h, w = _feature_map(shape, kind)
    k, s, d = _pair(kernel, f"{kind} kernel"), _pair(stride, f"{kind} stride"), _pair(dilation, f"{kind} dilation")
    for v, what in ((k, "kernel"), (s, "stride"), (d, "dilation")):
        if min(v) <= 0:
            raise ValidationError(f"{kind} {what} must be positive, got {v}")
    t, b, left, r = _pads(padding)
    oh = output_size(h, k[0], s[0], t, b, d[0], ceil_mode)
    ow = output_size(w, k[1], s[1], left, r, d[1], ceil_mode)
    geometry = {"kernel": k, "stride": s, "padding": (t, left), "pads": (t, b, left, r), "dilation": d,
                "ceil_mode": bool(ceil_mode)}
    return (oh, ow), geometry


# -- convolutions --------------------------------------------------------------------------
def conv2d(shape: Shape, out_channels: int, kernel: Pair, stride: Pair = 1, padding: Padding = 0,
           dilation: Pair = 1, groups: int = 1, bias: bool = True) -> Op:
    """``nn.Conv2d``: MACs = out_elements * (in_channels / groups) * kh * kw."""
    c = _feature_map(shape, "conv")[0]
    _positive(out_channels, "conv out_channels")
    _positive(groups, "conv groups")
    if c % groups or out_channels % groups:
        raise ValidationError(f"conv: channels {c} -> {out_channels} are not divisible by groups={groups}")
    (oh, ow), geometry = _window("conv", shape, kernel, stride, padding, dilation, False)
    kh, kw = geometry["kernel"]
    weights = out_channels * (c // groups) * kh * kw
    geometry["groups"] = groups
    del geometry["ceil_mode"]
    return Op("conv", (shape,), (out_channels, oh, ow), weights + (out_channels if bias else 0),
              weights * oh * ow, 0, geometry)


def depthwise_conv2d(shape: Shape, kernel: Pair, stride: Pair = 1, padding: Padding = 0, dilation: Pair = 1,
                     bias: bool = True, multiplier: int = 1) -> Op:
    """Depthwise convolution: ``conv2d`` with ``groups = in_channels``."""
    c = _feature_map(shape, "depthwise conv")[0]
    op = conv2d(shape, c * multiplier, kernel, stride, padding, dilation, groups=c, bias=bias)
    return Op("dwconv", op.in_shapes, op.out_shape, op.params, op.macs, op.extra_flops, op.geometry)


def separable_conv2d(shape: Shape, out_channels: int, kernel: Pair, stride: Pair = 1, padding: Padding = 0,
                     dilation: Pair = 1, bias: bool = False) -> Op:
    """Depthwise-separable convolution: depthwise ``kernel`` then pointwise 1x1 (geometry of the
    depthwise part)."""
    dw = depthwise_conv2d(shape, kernel, stride, padding, dilation, bias)
    pw = conv2d(dw.out_shape, out_channels, 1, bias=bias)
    return combine("sepconv", [dw, pw])


def linear(shape: Shape, out_features: int, bias: bool = True) -> Op:
    """``nn.Linear`` on a vector (a feature map is flattened first)."""
    n = math.prod(shape)
    _positive(out_features, "linear out_features")
    return Op("linear", (shape,), (out_features,), n * out_features + (out_features if bias else 0),
              n * out_features)


# -- pooling -------------------------------------------------------------------------------
def max_pool2d(shape: Shape, kernel: Pair, stride: Pair | None = None, padding: Padding = 0,
               dilation: Pair = 1, ceil_mode: bool = False) -> Op:
    """``nn.MaxPool2d`` (stride defaults to the kernel)."""
    (oh, ow), geometry = _window("maxpool", shape, kernel, kernel if stride is None else stride, padding,
                                 dilation, ceil_mode)
    c = shape[0]
    kh, kw = geometry["kernel"]
    return Op("maxpool", (shape,), (c, oh, ow), 0, 0, c * oh * ow * kh * kw, geometry)


def avg_pool2d(shape: Shape, kernel: Pair, stride: Pair | None = None, padding: Padding = 0,
               ceil_mode: bool = False) -> Op:
    """``nn.AvgPool2d`` (stride defaults to the kernel)."""
    (oh, ow), geometry = _window("avgpool", shape, kernel, kernel if stride is None else stride, padding, 1,
                                 ceil_mode)
    c = shape[0]
    kh, kw = geometry["kernel"]
    return Op("avgpool", (shape,), (c, oh, ow), 0, 0, c * oh * ow * kh * kw, geometry)


def _adaptive_windows(size: int, out: int) -> list[int]:
    return [-(-((i + 1) * size) // out) - (i * size) // out for i in range(out)]


def adaptive_pool2d(shape: Shape, output_size: Pair, kind: str = "avg") -> Op:
    """``nn.AdaptiveAvgPool2d`` / ``nn.AdaptiveMaxPool2d``: PyTorch's windows
    ``[floor(i*H/oh), ceil((i+1)*H/oh))``.  When the input divides evenly the geometry is that of
    the equivalent fixed pooling (kernel = stride = H / oh)."""
    if kind not in ("avg", "max"):
        raise ValidationError(f"adaptive pool kind must be 'avg' or 'max', got {kind!r}")
    c, h, w = _feature_map(shape, "adaptive pool")
    oh, ow = _pair(output_size, "adaptive pool output size")
    _positive(oh, "adaptive pool output height")
    _positive(ow, "adaptive pool output width")
    work = c * sum(_adaptive_windows(h, oh)) * sum(_adaptive_windows(w, ow))
    geometry: dict[str, Any] = {"adaptive": (oh, ow)}
    if h % oh == 0 and w % ow == 0:
        k = (h // oh, w // ow)
        geometry.update(kernel=k, stride=k, padding=(0, 0), pads=(0, 0, 0, 0), dilation=(1, 1), ceil_mode=False)
    return Op(f"adaptive_{kind}pool", (shape,), (c, oh, ow), 0, 0, work, geometry)


# -- element-wise and structural -------------------------------------------------------------
def _elementwise(kind: str, shape: Shape, per_element: int, params: int = 0) -> Op:
    return Op(kind, (shape,), shape, params, 0, per_element * math.prod(shape))


def relu(shape: Shape, kind: str = "relu") -> Op:
    """ReLU, ReLU6 or LeakyReLU (``kind``): one operation per element."""
    if kind not in ("relu", "relu6", "leaky_relu"):
        raise ValidationError(f"unknown activation {kind!r}")
    return _elementwise(kind, shape, 1)


def batch_norm(shape: Shape) -> Op:
    """``nn.BatchNorm2d`` at inference: ``a*x + b`` per element; weight and bias per channel."""
    return _elementwise("bn", shape, 2, 2 * shape[0])


def local_response_norm(shape: Shape, size: int = 5) -> Op:
    """``nn.LocalResponseNorm(size)``: a sum of ``size`` squares and 3 more operations per element."""
    _positive(size, "LRN size")
    return _elementwise("lrn", shape, 2 * size + 3)


def flatten(shape: Shape) -> Op:
    """``torch.flatten(x, 1)``: a reshape, no arithmetic."""
    return Op("flatten", (shape,), (math.prod(shape),))


def _same_shapes(kind: str, shapes: Sequence[Shape]) -> Shape:
    if len(shapes) < 2:
        raise ValidationError(f"{kind} needs at least 2 inputs, got {len(shapes)}")
    if any(s != shapes[0] for s in shapes):
        raise ValidationError(f"{kind} inputs must have equal shapes, got {list(shapes)}")
    return shapes[0]


def add(shapes: Sequence[Shape]) -> Op:
    """Element-wise sum of ``k`` equal tensors: ``k - 1`` additions per element."""
    s = _same_shapes("add", shapes)
    return Op("add", tuple(shapes), s, 0, 0, (len(shapes) - 1) * math.prod(s))


def mean(shapes: Sequence[Shape]) -> Op:
    """Element-wise mean of ``k`` equal tensors: ``k - 1`` additions and one scaling per element."""
    s = _same_shapes("mean", shapes)
    return Op("mean", tuple(shapes), s, 0, 0, len(shapes) * math.prod(s))


def weighted_sum(shapes: Sequence[Shape]) -> Op:
    """``sum_i w_i x_i`` with one learnable weight per input (RandWire aggregation): ``2k - 1``
    operations per element, ``k`` parameters.  One input is a plain copy (no weight)."""
    if len(shapes) == 1:
        return Op("wsum", (shapes[0],), shapes[0])
    s = _same_shapes("weighted sum", shapes)
    return Op("wsum", tuple(shapes), s, len(shapes), 0, (2 * len(shapes) - 1) * math.prod(s))


def concat(shapes: Sequence[Shape]) -> Op:
    """Channel concatenation of feature maps (or vectors): no arithmetic."""
    if len(shapes) < 2:
        raise ValidationError(f"concat needs at least 2 inputs, got {len(shapes)}")
    if any(len(s) != len(shapes[0]) or s[1:] != shapes[0][1:] for s in shapes):
        raise ValidationError(f"concat inputs must agree except in channels, got {list(shapes)}")
    return Op("concat", tuple(shapes), (sum(s[0] for s in shapes), *shapes[0][1:]))


def l2_distance(shapes: Sequence[Shape]) -> Op:
    """Euclidean distance of two equal tensors (Siamese head): difference, square and sum per
    element; the output is one number."""
    s = _same_shapes("distance", shapes)
    if len(shapes) != 2:
        raise ValidationError(f"distance needs exactly 2 inputs, got {len(shapes)}")
    return Op("distance", tuple(shapes), (1,), 0, 0, 3 * math.prod(s))
