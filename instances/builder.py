"""A small graph builder that tracks tensor shapes and turns operators into :class:`Layer` s.

Model definitions read like torchvision's::

    b = NetBuilder("alexnet", source="torchvision.models.alexnet")
    x = b.conv_block(b.input, 64, 11, 4, 2, bn=False, name="conv1")
    x = b.max_pool(x, 3, 2, name="pool1")
    ...
    dnn = b.build(fold=True)

Every method takes the name of its input tensor (the layer that produced it) and returns the
name of the new layer.  :meth:`NetBuilder.build` makes a validated :class:`~offloadsched.dnn.DNN`.
With ``fold=True`` (the granularity of the partitioning papers, e.g. Neurosurgeon) an
activation, a batch-norm or a flatten whose input layer has no other consumer is folded into
that layer: its FLOPs and parameters add to it, its name is listed in ``attrs["folded"]``, and
the merged layer keeps the first layer's kind and geometry.  ``fold=False`` keeps every
operator as its own layer.

References (docs/REFERENCES.md): [Seed001], [Kang2017].
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from offloadsched.dnn import DNN, Layer
from offloadsched.errors import ValidationError

from . import layers as L

#: Operator kinds that ``fold=True`` merges into the layer before them.
FOLDABLE = frozenset({"relu", "relu6", "leaky_relu", "bn", "flatten"})


@dataclass
class _Node:
    name: str
    op: L.Op
    preds: tuple[str, ...]
    block: str | None = None


class NetBuilder:
    """Build a DNN operator by operator, tracking shapes.

    Parameters
    ----------
    name : the DNN's name.
    input_shape : ``(C, H, W)`` of one input image.
    images : number of images in the raw input (2 for a Siamese pair, one per stream of a
        multi-stream network); the input layer's ``out_bytes`` covers all of them and each
        consumer of the input reads one image of ``input_shape``.
    source : the paper or code the definition follows (stored in ``DNN.attrs``).
    """

    def __init__(self, name: str, input_shape: L.Shape = (3, 224, 224), *, images: int = 1,
                 source: str = "") -> None:
        self.name = name
        self.source = source
        self.images = images
        self._nodes: dict[str, _Node] = {}
        self._shapes: dict[str, L.Shape] = {}
        self._prefix: list[str] = []
        self._block: str | None = None
        self._count: dict[str, int] = {}
        raw = input_shape if images == 1 else (images, *input_shape)
        self.input = self._add(L.Op("input", (), tuple(raw)), (), "input")
        self._shapes[self.input] = tuple(input_shape)

    # -- bookkeeping -------------------------------------------------------------------------
    @contextlib.contextmanager
    def scope(self, prefix: str, *, block: bool = False) -> Iterator[None]:
        """Prefix the names of the layers made inside (``prefix.name``).  With ``block=True`` the
        layers made inside form a block that ``build(blocks=True)`` merges into one layer named
        by the full prefix (its last layer must be its only output)."""
        self._prefix.append(prefix)
        outer = self._block
        if block and outer is None:
            self._block = ".".join(self._prefix)
        try:
            yield
        finally:
            self._prefix.pop()
            self._block = outer

    def shape(self, x: str) -> L.Shape:
        """Shape of the tensor produced by layer ``x`` (one image for the input)."""
        try:
            return self._shapes[x]
        except KeyError:
            raise ValidationError(f"{self.name}: unknown tensor {x!r}") from None

    def _full(self, name: str | None, kind: str) -> str:
        if name is None:
            k = self._count.get(kind, 0) + 1
            self._count[kind] = k
            name = f"{kind}{k}"
        return ".".join([*self._prefix, name])

    def _add(self, op: L.Op, preds: Sequence[str], name: str | None) -> str:
        full = self._full(name, op.kind) if op.kind != "input" else "input"
        if full in self._nodes:
            raise ValidationError(f"{self.name}: duplicate layer name {full!r}")
        for p in preds:
            self.shape(p)
        self._nodes[full] = _Node(full, op, tuple(preds), self._block)
        self._shapes[full] = op.out_shape
        return full

    def _rel(self, full: str) -> str:
        """A full layer name relative to the current scope."""
        prefix = ".".join(self._prefix)
        return full[len(prefix) + 1:] if prefix else full

    def _apply(self, fn, preds: Sequence[str], name: str | None, *args, multi: bool = False) -> str:
        shapes = [self.shape(p) for p in preds]
        try:
            op = fn(shapes if multi else shapes[0], *args)
        except ValidationError as exc:
            raise ValidationError(f"{self.name}: layer {self._full(name, 'layer')!r}: {exc}") from None
        return self._add(op, preds, name)

    def op(self, op: L.Op, preds: Sequence[str], name: str | None = None) -> str:
        """Add a prebuilt (e.g. :func:`~offloadsched.instances.layers.combine`-d) operator."""
        return self._add(op, preds, name)

    # -- operators ---------------------------------------------------------------------------
    def conv(self, x: str, out_channels: int, kernel: L.Pair, stride: L.Pair = 1, padding: L.Padding = 0, *,
             dilation: L.Pair = 1, groups: int = 1, bias: bool = True, name: str | None = None) -> str:
        return self._apply(L.conv2d, [x], name, out_channels, kernel, stride, padding, dilation, groups, bias)

    def bn(self, x: str, name: str | None = None) -> str:
        return self._apply(L.batch_norm, [x], name)

    def act(self, x: str, kind: str = "relu", name: str | None = None) -> str:
        return self._apply(L.relu, [x], name, kind)

    def conv_block(self, x: str, out_channels: int, kernel: L.Pair, stride: L.Pair = 1, padding: L.Padding = 0,
                   *, groups: int = 1, bn: bool = True, act: str | None = "relu", bias: bool | None = None,
                   name: str | None = None) -> str:
        """Conv, then batch-norm (``bn``) and activation (``act``), named ``name``, ``name.bn``,
        ``name.<act>``.  The conv has a bias unless a batch-norm follows (torchvision's choice)."""
        y = self.conv(x, out_channels, kernel, stride, padding, groups=groups,
                      bias=(not bn) if bias is None else bias, name=name)
        base = self._rel(y)
        if bn:
            y = self.bn(y, name=f"{base}.bn")
        if act:
            y = self.act(y, act, name=f"{base}.{act}")
        return y

    def max_pool(self, x: str, kernel: L.Pair, stride: L.Pair | None = None, padding: L.Padding = 0, *,
                 ceil_mode: bool = False, name: str | None = None) -> str:
        return self._apply(L.max_pool2d, [x], name, kernel, stride, padding, 1, ceil_mode)

    def avg_pool(self, x: str, kernel: L.Pair, stride: L.Pair | None = None, padding: L.Padding = 0, *,
                 ceil_mode: bool = False, name: str | None = None) -> str:
        return self._apply(L.avg_pool2d, [x], name, kernel, stride, padding, ceil_mode)

    def adaptive_avg_pool(self, x: str, output_size: L.Pair, name: str | None = None) -> str:
        """Adaptive average pooling; when it maps the input to itself (AlexNet's and VGG's
        ``avgpool`` at 224x224) it is the identity and no layer is made."""
        c, h, w = self.shape(x)
        if (h, w) == L._pair(output_size, "adaptive pool output size"):
            return x
        return self._apply(L.adaptive_pool2d, [x], name, output_size, "avg")

    def flatten(self, x: str, name: str | None = None) -> str:
        return self._apply(L.flatten, [x], name)

    def linear(self, x: str, out_features: int, *, bias: bool = True, name: str | None = None) -> str:
        """``nn.Linear``; a feature-map input is read flattened (no separate layer, so the layer
        before keeps its spatial output shape)."""
        return self._apply(L.linear, [x], name, out_features, bias)

    def lrn(self, x: str, size: int = 5, name: str | None = None) -> str:
        return self._apply(L.local_response_norm, [x], name, size)

    def concat(self, xs: Sequence[str], name: str | None = None) -> str:
        return self._apply(L.concat, xs, name, multi=True)

    def add(self, xs: Sequence[str], name: str | None = None) -> str:
        return self._apply(L.add, xs, name, multi=True)

    def mean(self, xs: Sequence[str], name: str | None = None) -> str:
        return self._apply(L.mean, xs, name, multi=True)

    def distance(self, xs: Sequence[str], name: str | None = None) -> str:
        return self._apply(L.l2_distance, xs, name, multi=True)

    # -- result ------------------------------------------------------------------------------
    def build(self, *, fold: bool = True, blocks: bool = False, attrs: dict[str, Any] | None = None) -> DNN:
        """The validated DNN; see the module docstring for ``fold``.  ``blocks=True`` merges each
        block (see :meth:`scope`) into one layer of kind ``"block"`` (seed 001 Sec. 7.1 clusters
        MobileNet's bottleneck modules into "virtual blocks" so the network becomes a chain)."""
        nodes = list(self._nodes.values())
        succs: dict[str, list[str]] = {n.name: [] for n in nodes}
        for n in nodes:
            for p in n.preds:
                succs[p].append(n.name)
        rep: dict[str, str] = {}
        groups: dict[str, list[_Node]] = {}
        for n in nodes:
            if blocks and n.block:
                rep[n.name] = n.block
            elif (fold and n.op.kind in FOLDABLE and len(n.preds) == 1 and len(succs[n.preds[0]]) == 1
                  and n.preds[0] != self.input):
                rep[n.name] = rep[n.preds[0]]
            else:
                rep[n.name] = n.name
            groups.setdefault(rep[n.name], []).append(n)
        layers, edges = [], []
        for name, group in groups.items():
            exits = [g.name for g in group if not succs[g.name] or any(rep[s] != name for s in succs[g.name])]
            if exits != [group[-1].name]:
                raise ValidationError(f"{self.name}: block {name!r} must have its last layer as only output, "
                                      f"has {exits}")
            is_block = blocks and group[0].block is not None
            kind = "block" if is_block else group[0].op.kind
            merged = L.combine(kind, [g.op for g in group]) if len(group) > 1 else group[0].op
            if is_block:
                merged = replace(merged, geometry={})
            attrs_ = merged.attrs()
            if len(group) > 1:
                attrs_["layers" if is_block else "folded"] = tuple(g.name for g in group[int(not is_block):])
            layers.append(Layer(name, kind, 0 if kind == "input" else merged.flops, merged.out_bytes, attrs_))
            for g in group:
                edges.extend((rep[p], name) for p in g.preds if rep[p] != name and (rep[p], name) not in edges)
        total = [n.op for n in nodes]
        info = {"source": self.source, "input_shape": self._shapes[self.input], "images": self.images,
                "params": sum(op.params for op in total), "macs": sum(op.macs for op in total),
                "flops": sum(op.flops for op in total), "fold": fold, "blocks": blocks}
        return DNN(self.name, layers, edges, attrs={**info, **(attrs or {})})


def total_params(dnn: DNN) -> int:
    """Sum of the layers' ``params`` attribute."""
    return int(sum(layer.attrs.get("params", 0) for layer in dnn.layers))


def total_macs(dnn: DNN) -> int:
    """Sum of the layers' ``macs`` attribute (conv and linear multiply-adds)."""
    return int(sum(layer.attrs.get("macs", 0) for layer in dnn.layers))


def fingerprint(dnn: DNN) -> str:
    """A short hash of the graph (sorted edge list by layer name), stable across machines."""
    text = "\n".join(f"{a}->{b}" for a, b in sorted(dnn.edges))
    return hashlib.sha256(text.encode()).hexdigest()[:16]
