"""DNN computation graphs: layers with FLOPs and output sizes (MODEL.md section 1).

A :class:`DNN` is a validated DAG with exactly one input node (no predecessors,
``flops == 0``, ``out_bytes`` = the raw input) and exactly one output node (no
successors).  Layers are stored in a topological order; algorithms use the
integer indices of that order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import networkx as nx
import numpy as np

from .errors import ValidationError
from .units import check_nonneg, is_integer


@dataclass(frozen=True)
class Layer:
    """One node of a DNN graph.

    Parameters
    ----------
    name : unique name within its DNN.
    kind : operator kind (``"conv"``, ``"linear"``, ``"input"``, ...), free text.
    flops : floating-point operations of one forward pass (a multiply-add is 2).
    out_bytes : size of the output tensor in bytes (float32: 4 per element).
    attrs : optional operator attributes (kernel, stride, shapes, params, ...).
    """

    name: str
    kind: str = "layer"
    flops: float = 0.0
    out_bytes: float = 0.0
    attrs: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValidationError(f"layer name must be a non-empty string, got {self.name!r}")
        if not isinstance(self.kind, str):
            raise ValidationError(f"layer {self.name!r}: kind must be a string, got {self.kind!r}")
        object.__setattr__(self, "flops", check_nonneg(self.flops, f"layer {self.name!r}: flops"))
        object.__setattr__(
            self, "out_bytes", check_nonneg(self.out_bytes, f"layer {self.name!r}: out_bytes")
        )


class DNN:
    """A validated DNN graph: one input, one output, acyclic.

    Build it from layers and ``(src, dst)`` edges given by layer name::

        DNN("tiny", [Layer("x", "input", 0, 600), Layer("c", "conv", 1e6, 100)],
            [("x", "c")])
    """

    def __init__(
        self,
        name: str,
        layers: Iterable[Layer],
        edges: Iterable[tuple[str, str]],
        *,
        attrs: Mapping[str, Any] | None = None,
    ) -> None:
        if not isinstance(name, str):
            raise ValidationError(f"DNN name must be a string, got {name!r}")
        self.name = name
        self.attrs: dict[str, Any] = dict(attrs or {})
        layers = list(layers)
        if not layers:
            raise ValidationError(f"DNN {self.name!r}: has no layers")
        by_name: dict[str, Layer] = {}
        position: dict[str, int] = {}
        for k, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise ValidationError(f"DNN {self.name!r}: {layer!r} is not a Layer")
            if layer.name in by_name:
                raise ValidationError(f"DNN {self.name!r}: duplicate layer name {layer.name!r} (layers "
                                      f"{position[layer.name]} and {k}; layer names must be unique)")
            by_name[layer.name] = layer
            position[layer.name] = k
        g = nx.DiGraph()
        g.add_nodes_from(by_name)
        for edge in edges:
            try:
                src, dst = edge
            except (TypeError, ValueError):
                raise ValidationError(f"DNN {self.name!r}: edge {edge!r} is not a pair") from None
            for end in (src, dst):
                if end not in by_name:
                    raise ValidationError(
                        f"DNN {self.name!r}: edge ({src!r}, {dst!r}) names unknown layer {end!r}"
                    )
            if src == dst:
                raise ValidationError(f"DNN {self.name!r}: self-loop on layer {src!r}")
            g.add_edge(src, dst)
        try:
            cycle = nx.find_cycle(g)
        except nx.NetworkXNoCycle:
            cycle = None
        if cycle:
            path = " -> ".join([u for u, _ in cycle] + [cycle[0][0]])
            raise ValidationError(f"DNN {self.name!r}: graph has a cycle: {path}")
        sources = [v for v in by_name if g.in_degree(v) == 0]
        sinks = [v for v in by_name if g.out_degree(v) == 0]
        if len(sources) != 1:
            raise ValidationError(
                f"DNN {self.name!r}: needs exactly one input layer (no predecessors), "
                f"found {len(sources)}: {_names(sources)}"
            )
        if len(sinks) != 1:
            raise ValidationError(
                f"DNN {self.name!r}: needs exactly one output layer (no successors), "
                f"found {len(sinks)}: {_names(sinks)}"
            )
        if by_name[sources[0]].flops != 0:
            raise ValidationError(
                f"DNN {self.name!r}: input layer {sources[0]!r}: flops must be 0, "
                f"got {by_name[sources[0]].flops:g}"
            )
        pos = {v: i for i, v in enumerate(by_name)}
        order = list(nx.lexicographical_topological_sort(g, key=pos.__getitem__))
        self.layers: tuple[Layer, ...] = tuple(by_name[v] for v in order)
        self.index: dict[str, int] = {v: i for i, v in enumerate(order)}
        self.preds: tuple[tuple[int, ...], ...] = tuple(
            tuple(sorted(self.index[p] for p in g.predecessors(v))) for v in order
        )
        self.succs: tuple[tuple[int, ...], ...] = tuple(
            tuple(sorted(self.index[s] for s in g.successors(v))) for v in order
        )
        self._graph = g

    # -- basic views -------------------------------------------------------
    def __len__(self) -> int:
        return len(self.layers)

    def __repr__(self) -> str:
        return f"DNN({self.name!r}, {len(self)} layers, {self.n_edges} edges, {self.structure})"

    def __getitem__(self, name: str) -> Layer:
        return self.layers[self.index[name]]

    @property
    def names(self) -> list[str]:
        return [layer.name for layer in self.layers]

    @property
    def input(self) -> int:
        """Index of the input layer (always 0: the first in topological order)."""
        return 0

    @property
    def output(self) -> int:
        return len(self.layers) - 1

    @property
    def n_edges(self) -> int:
        return sum(len(p) for p in self.preds)

    @property
    def edges(self) -> list[tuple[str, str]]:
        return [(self.layers[p].name, layer.name) for layer, ps in zip(self.layers, self.preds) for p in ps]

    @cached_property
    def flops(self) -> np.ndarray:
        return np.array([layer.flops for layer in self.layers], dtype=float)

    @cached_property
    def out_bytes(self) -> np.ndarray:
        return np.array([layer.out_bytes for layer in self.layers], dtype=float)

    def to_networkx(self) -> nx.DiGraph:
        """A copy of the graph with layer names as nodes and :class:`Layer` as ``layer`` data."""
        g = nx.DiGraph()
        for layer in self.layers:
            g.add_node(layer.name, layer=layer)
        g.add_edges_from(self.edges)
        return g

    @property
    def is_chain(self) -> bool:
        return all(len(p) <= 1 for p in self.preds) and all(len(s) <= 1 for s in self.succs)

    @property
    def structure(self) -> str:
        """``chain``, ``multi-path`` (parallel chains from input to output),
        ``tree`` (out-tree or in-tree apart from the single output/input), or ``DAG``."""
        if self.is_chain:
            return "chain"
        inner = range(1, len(self) - 1)
        if all(len(self.preds[i]) == 1 and len(self.succs[i]) == 1 for i in inner):
            return "multi-path"
        if all(len(self.preds[i]) <= 1 for i in range(len(self) - 1)):
            return "tree"
        if all(len(self.succs[i]) <= 1 for i in range(1, len(self))):
            return "tree"
        return "DAG"

    def ancestors(self, i: int) -> set[int]:
        """Indices of all layers that precede layer ``i``."""
        seen: set[int] = set()
        stack = list(self.preds[i])
        while stack:
            v = stack.pop()
            if v not in seen:
                seen.add(v)
                stack.extend(self.preds[v])
        return seen

    def resolve(self, item: int | str) -> int:
        """The index of a layer given by index or name, with a clear error."""
        if isinstance(item, str):
            if item not in self.index:
                raise ValidationError(f"DNN {self.name!r}: unknown layer {item!r}")
            return self.index[item]
        if not is_integer(item):  # int(1.5) or int(True) would silently pick a layer
            raise ValidationError(f"DNN {self.name!r}: a layer is given by its name or its integer index, "
                                  f"got {item!r}"[:200])
        i = int(item)
        if not 0 <= i < len(self):
            raise ValidationError(f"DNN {self.name!r}: layer index {i} out of range 0..{len(self) - 1}")
        return i

    def rename(self, name: str) -> DNN:
        """The same graph under another name (jobs of one model need distinct names)."""
        return DNN(name, self.layers, self.edges, attrs=self.attrs)


def chain(name: str, layers: Sequence[Layer]) -> DNN:
    """A chain DNN from layers in order (the first is the input)."""
    layers = list(layers)
    return DNN(name, layers, [(a.name, b.name) for a, b in zip(layers, layers[1:])])


def _names(items: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(repr(s) for s in items[:limit])
    return shown + (f", ... ({len(items)} in all)" if len(items) > limit else "")
