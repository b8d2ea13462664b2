"""Fused-layer (FL) model parallelism: split the first ``tau`` conv/pool layers of a DNN into tiles.

Seed 003 (Li, Wang, Zhou, Duan & Wu, "Fused-Layer-based DNN Model Parallelism and Partial
Computation Offloading", GLOBECOM 2022, Sec. II-A, Fig. 1, after Alwani et al.'s fused-layer
accelerators) cuts the output of the ``tau``-th convolution/pooling layer (the *fused layer*) into
``P`` rectangles and traces each rectangle's receptive field back through the ``tau`` layers.
Every rectangle becomes an independent chain of small layers (an *FL path*); a fuse (concat) layer
joins the paths and feeds the rest of the network.  Overlapping receptive fields are computed by
several paths: that redundancy is the price of the parallelism.

* :class:`Tiling` - the fused layer's output cut by row and column boundaries (``k x k`` equal
  tiles, ``kr x kc`` tiles, or the paper's general intercepted sizes as explicit boundaries).
* :func:`spatial_stack` - the chain of conv/pool layers at the start of a DNN, with geometry.
* :func:`receptive_fields` - each tile's input/output extents through the ``tau`` layers.
* :func:`fuse_layers` - the converted, validated :class:`~offloadsched.dnn.DNN`.
* :func:`fl_configs` / :func:`fl_conversions` - the ``(tau, tiling)`` pairs an FL search visits
  and their converted DNNs.  The path model of a converted DNN on a platform and the search
  itself are in the core, :mod:`offloadsched.fl_paths`.

The converted graph, in topological (index) order: the input; per path ``p`` a ``crop`` layer
(0 FLOPs, output = the tile's input region, so that a path can be offloaded before any local
compute, seed 003 Fig. 3 "offload layer 1") followed by the ``tau`` tile layers; the fuse layer
(0 FLOPs, the fused layer's full output); then the original layers after the fused layer.
A tile layer's FLOPs and output bytes are the original layer's per output pixel times the
tile's output pixels, over the true (clipped) extent that the path computes.

Receptive field along one axis of a layer with kernel ``k``, stride ``s``, dilation ``d`` and
leading padding ``p`` on an input of ``n`` pixels: output range ``[a, b)`` reads the input range
``[a*s - p, (b-1)*s + d*(k-1) + 1 - p)`` clipped to ``[0, n)`` (padding pixels are not computed).
The trace costs O(tau) per tile; :func:`fuse_layers` is O(P * tau + |V|) plus the DNN validation.

References (docs/REFERENCES.md): [Seed003].
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from offloadsched.dnn import DNN, Layer
from offloadsched.errors import ValidationError

from .layers import BYTES_PER_ELEMENT, output_size

#: Element-wise operator kinds that keep the spatial layout (a 1x1 window, stride 1).
POINTWISE = frozenset({"relu", "relu6", "leaky_relu", "bn", "lrn", "dropout"})

Range = tuple[int, int]


# -- tilings -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Tiling:
    """A grid cut of the fused layer's ``H x W`` output: row boundaries ``0 = r0 < ... < rk = H``
    and column boundaries ``0 = c0 < ... < cl = W``.  Tiles are numbered row-major (path ``p`` is
    row ``p // l``, column ``p % l``).  Seed 003's intercepted sizes ``u_p`` are the tile sizes."""

    rows: tuple[int, ...]
    cols: tuple[int, ...]

    def __post_init__(self) -> None:
        for what, bounds in (("row", self.rows), ("column", self.cols)):
            if len(bounds) < 2 or bounds[0] != 0:
                raise ValidationError(f"tiling: {what} boundaries must start at 0 and have at least 2 entries, "
                                      f"got {list(bounds)}")
            if any(not isinstance(b, (int, np.integer)) or isinstance(b, bool) for b in bounds):
                raise ValidationError(f"tiling: {what} boundaries must be integers, got {list(bounds)}")
            if any(b <= a for a, b in zip(bounds, bounds[1:])):
                raise ValidationError(f"tiling: {what} boundaries must increase strictly, got {list(bounds)}")
        object.__setattr__(self, "rows", tuple(int(b) for b in self.rows))
        object.__setattr__(self, "cols", tuple(int(b) for b in self.cols))

    @classmethod
    def grid(cls, height: int, width: int, k_rows: int, k_cols: int | None = None) -> Tiling:
        """``k_rows x k_cols`` near-equal tiles (boundaries ``floor(i * H / k)``) of an ``H x W`` map."""
        k_cols = k_rows if k_cols is None else k_cols
        for k, n, what in ((k_rows, height, "rows"), (k_cols, width, "columns")):
            if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
                raise ValidationError(f"tiling: the number of tile {what} must be an integer >= 1, got {k!r}")
            if k > n:
                raise ValidationError(f"tiling: {k} tile {what} exceed the fused layer's {n} {what} of pixels "
                                      f"(output {height}x{width}): more tiles than pixels")
        return cls(tuple(i * height // k_rows for i in range(k_rows + 1)),
                   tuple(i * width // k_cols for i in range(k_cols + 1)))

    @property
    def shape(self) -> tuple[int, int]:
        """``(H, W)`` of the tiled map."""
        return self.rows[-1], self.cols[-1]

    @property
    def grid_shape(self) -> tuple[int, int]:
        return len(self.rows) - 1, len(self.cols) - 1

    @property
    def n_tiles(self) -> int:
        return (len(self.rows) - 1) * (len(self.cols) - 1)

    @property
    def label(self) -> str:
        """``"2x2"`` for an equal grid, ``"2x2*"`` for explicit unequal boundaries."""
        kr, kc = self.grid_shape
        equal = self == Tiling.grid(*self.shape, kr, kc)
        return f"{kr}x{kc}" + ("" if equal else "*")

    def tiles(self) -> list[tuple[Range, Range]]:
        """``((row_lo, row_hi), (col_lo, col_hi))`` of every tile, row-major (half-open ranges)."""
        return [((r0, r1), (c0, c1)) for r0, r1 in zip(self.rows, self.rows[1:])
                for c0, c1 in zip(self.cols, self.cols[1:])]


TileSpec = int | tuple[int, int] | Tiling | dict | tuple[Sequence[int], Sequence[int]]


def make_tiling(spec: TileSpec, height: int, width: int) -> Tiling:
    """A :class:`Tiling` of an ``H x W`` fused output from ``spec``.

    ``spec`` is ``k`` (``k x k`` equal tiles), ``(kr, kc)`` (``kr x kc`` equal tiles), a
    :class:`Tiling`, ``{"rows": [...], "cols": [...]}`` or ``(rows, cols)`` boundary lists (seed 003's
    general intercepted sizes).  Explicit boundaries must end at ``H`` and ``W``.
    """
    if isinstance(spec, (int, np.integer)) and not isinstance(spec, bool):
        return Tiling.grid(height, width, int(spec))
    if isinstance(spec, dict):
        if set(spec) != {"rows", "cols"}:
            raise ValidationError(f"tiling: a dict needs exactly the keys 'rows' and 'cols', got {sorted(spec)}")
        spec = (spec["rows"], spec["cols"])
    if isinstance(spec, (tuple, list)) and len(spec) == 2:
        if all(isinstance(k, (int, np.integer)) and not isinstance(k, bool) for k in spec):
            return Tiling.grid(height, width, int(spec[0]), int(spec[1]))
        try:
            spec = Tiling(tuple(spec[0]), tuple(spec[1]))
        except TypeError:
            pass
    if not isinstance(spec, Tiling):
        raise ValidationError(f"tiling: cannot read {spec!r}; give k, (kr, kc), a Tiling or (rows, cols) boundaries")
    if spec.shape != (height, width):
        raise ValidationError(f"tiling: boundaries cover {spec.shape[0]}x{spec.shape[1]} pixels but the fused "
                              f"layer's output is {height}x{width} (the last row/column boundary must be H/W)")
    return spec


# -- geometry ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SpatialLayer:
    """The sliding-window geometry of one conv/pool (or element-wise) layer of a DNN."""

    index: int
    name: str
    kernel: tuple[int, int]
    stride: tuple[int, int]
    pads: tuple[int, int, int, int]  # top, bottom, left, right
    dilation: tuple[int, int]
    in_shape: tuple[int, int, int]
    out_shape: tuple[int, int, int]

    def input_range(self, axis: int, lo: int, hi: int) -> Range:
        """Input pixels ``[lo', hi')`` along ``axis`` (0 rows, 1 columns) that output ``[lo, hi)`` reads."""
        k, s, d = self.kernel[axis], self.stride[axis], self.dilation[axis]
        pad, n = self.pads[2 * axis], self.in_shape[1 + axis]
        first, last = max(0, lo * s - pad), min(n, (hi - 1) * s + d * (k - 1) + 1 - pad)
        if last <= first:
            raise ValidationError(f"layer {self.name!r}: output {axis and 'columns' or 'rows'} [{lo}, {hi}) "
                                  "read only padding")
        return first, last


def _pair(value: Any, default: int) -> tuple[int, int]:
    if value is None:
        return default, default
    if isinstance(value, int):
        return value, value
    return int(value[0]), int(value[1])


def spatial_geometry(dnn: DNN, i: int) -> SpatialLayer | None:
    """The geometry of layer ``i`` when it is a sliding window (``kernel`` in its attrs) or an
    element-wise layer of :data:`POINTWISE` on a ``(C, H, W)`` map; None otherwise.

    The output size is recomputed from the geometry (PyTorch's formula, ``ceil_mode`` included),
    so a pooling layer with a folded flatten (AlexNet's ``pool5``) still has its ``H x W``.
    """
    layer = dnn.layers[i]
    attrs = layer.attrs
    in_shape = attrs.get("in_shape")
    if in_shape is None or len(in_shape) != 3:
        return None
    c, h, w = (int(x) for x in in_shape)
    out = tuple(int(x) for x in attrs.get("out_shape", ()))
    if "kernel" in attrs:
        k, s, d = _pair(attrs["kernel"], 1), _pair(attrs.get("stride"), 1), _pair(attrs.get("dilation"), 1)
        if "pads" in attrs:
            pads = tuple(int(p) for p in attrs["pads"])
        else:
            pt, pl = _pair(attrs.get("padding"), 0)
            pads = (pt, pt, pl, pl)
        ceil = bool(attrs.get("ceil_mode", False))
        oh = output_size(h, k[0], s[0], pads[0], pads[1], d[0], ceil)
        ow = output_size(w, k[1], s[1], pads[2], pads[3], d[1], ceil)
        if len(out) == 3:
            if out[1:] != (oh, ow):
                raise ValidationError(f"{dnn.name}: layer {layer.name!r}: out_shape {out} disagrees with its "
                                      f"geometry, which gives {oh}x{ow}")
            oc = out[0]
        else:  # a folded flatten: channels from the element count
            numel = math.prod(out) if out else 0
            if numel % (oh * ow):
                return None
            oc = numel // (oh * ow)
        return SpatialLayer(i, layer.name, k, s, pads, d, (c, h, w), (oc, oh, ow))  # type: ignore[arg-type]
    if layer.kind in POINTWISE and len(out) == 3 and out[1:] == (h, w):
        return SpatialLayer(i, layer.name, (1, 1), (1, 1), (0, 0, 0, 0), (1, 1), (c, h, w), out)  # type: ignore
    return None


@dataclass(frozen=True)
class SpatialStack:
    """The chain of spatial layers at the start of a DNN and why it ends there."""

    layers: tuple[SpatialLayer, ...]
    stop: str

    def __len__(self) -> int:
        return len(self.layers)


def spatial_stack(dnn: DNN) -> SpatialStack:
    """The longest chain ``input -> l1 -> ... -> lT`` of spatial layers (:func:`spatial_geometry`)
    where each ``l_i`` has one predecessor and each ``l_i`` before ``lT`` one successor.  O(T)."""
    out: list[SpatialLayer] = []
    i = dnn.input
    while True:
        succ = dnn.succs[i]
        here = dnn.layers[i].name
        if len(succ) != 1:
            stop = f"layer {here!r} feeds {len(succ)} layers" if succ else f"layer {here!r} is the output"
            break
        j = succ[0]
        nxt = dnn.layers[j]
        if len(dnn.preds[j]) != 1:
            stop = f"layer {nxt.name!r} joins {len(dnn.preds[j])} inputs"
            break
        geom = spatial_geometry(dnn, j)
        if geom is None:
            stop = f"layer {nxt.name!r} ({nxt.kind}) is not a convolution/pooling layer on a feature map"
            break
        if out and geom.in_shape != out[-1].out_shape:
            stop = f"layer {nxt.name!r} reads {geom.in_shape}, not its predecessor's {out[-1].out_shape}"
            break
        out.append(geom)
        i = j
    return SpatialStack(tuple(out), stop)


def fusable_depth(dnn: DNN) -> int:
    """The largest fused depth ``tau`` of ``dnn`` (0 when it has no conv/pool layer at its start)."""
    return len(spatial_stack(dnn))


def _stack(dnn: DNN, tau: int) -> tuple[SpatialLayer, ...]:
    if isinstance(tau, bool) or not isinstance(tau, (int, np.integer)) or tau < 1:
        raise ValidationError(f"fused layers: tau must be an integer >= 1, got {tau!r}")
    stack = spatial_stack(dnn)
    if not stack.layers:
        raise ValidationError(f"fused layers: model {dnn.name!r} has no convolution/pooling layer at its start "
                              f"({stack.stop}); fused-layer conversion needs a chain of them from the input")
    if tau > len(stack):
        raise ValidationError(f"fused layers: tau={tau} is deeper than the {len(stack)} convolution/pooling layers "
                              f"at the start of {dnn.name!r} ({stack.layers[0].name} .. {stack.layers[-1].name}; "
                              f"the chain ends because {stack.stop})")
    return stack.layers[:tau]


def fused_output(dnn: DNN, tau: int) -> tuple[int, int]:
    """``(H, W)`` of the fused layer's output at depth ``tau``."""
    return _stack(dnn, tau)[-1].out_shape[1:]  # type: ignore[return-value]


@dataclass(frozen=True)
class TileExtent:
    """One tile layer: the original layer, its input and output ranges (rows, columns)."""

    layer: SpatialLayer
    in_rows: Range
    in_cols: Range
    out_rows: Range
    out_cols: Range

    @property
    def out_pixels(self) -> int:
        return (self.out_rows[1] - self.out_rows[0]) * (self.out_cols[1] - self.out_cols[0])

    @property
    def in_pixels(self) -> int:
        return (self.in_rows[1] - self.in_rows[0]) * (self.in_cols[1] - self.in_cols[0])


def receptive_fields(stack: Sequence[SpatialLayer], rows: Range, cols: Range) -> list[TileExtent]:
    """The extents of one tile (fused output ``rows x cols``) through ``stack``, first layer first."""
    out: list[TileExtent] = []
    for layer in reversed(stack):
        in_rows, in_cols = layer.input_range(0, *rows), layer.input_range(1, *cols)
        out.append(TileExtent(layer, in_rows, in_cols, rows, cols))
        rows, cols = in_rows, in_cols
    return out[::-1]


# -- conversion ----------------------------------------------------------------------------------
def fuse_layers(dnn: DNN, tau: int, tiles: TileSpec = 2) -> DNN:
    """Seed 003's FL conversion of ``dnn``: the first ``tau`` conv/pool layers become ``P`` paths.

    ``tiles`` is read by :func:`make_tiling` against the fused layer's output.  The result is a
    validated DNN (layer order: input, path 0 .. path P-1 each ``crop`` then its tile layers, the
    fuse layer, the rest) whose ``attrs["fl"]`` records ``source``, ``tau``, ``rows``, ``cols``,
    ``paths`` (layer names per path, crop first), ``fuse`` and ``fused_layers``.  P = 1 reproduces the
    original layers' FLOPs exactly unless a layer has output pixels the next one never reads (those
    are not computed; SqueezeNet's conv1 never reads the image's last row and column, so its crop
    is 223x223).
    Conversions are cached per ``(dnn object, tau, tiling)``.  Raises :class:`ValidationError` for
    a model without conv/pool layers at its start, a ``tau`` deeper than that chain, or a tiling
    with more tiles than the fused layer has pixels.
    """
    stack = _stack(dnn, tau)
    return _fuse(dnn, int(tau), make_tiling(tiles, *stack[-1].out_shape[1:]))


@lru_cache(maxsize=512)
def _fuse(dnn: DNN, tau: int, tiling: Tiling) -> DNN:
    stack = _stack(dnn, tau)
    first, fused = stack[0], stack[-1]
    layers: list[Layer] = [dnn.layers[dnn.input]]
    edges: list[tuple[str, str]] = []
    paths: list[tuple[str, ...]] = []
    fuse_name = f"{fused.name}.fuse"
    for p, (rows, cols) in enumerate(tiling.tiles()):
        extents = receptive_fields(stack, rows, cols)
        e0 = extents[0]
        crop = Layer(f"fl{p}.crop", "crop", 0.0, float(BYTES_PER_ELEMENT * first.in_shape[0] * e0.in_pixels),
                     {"op": "crop", "tile": p, "rows": e0.in_rows, "cols": e0.in_cols,
                      "out_shape": (first.in_shape[0], e0.in_rows[1] - e0.in_rows[0], e0.in_cols[1] - e0.in_cols[0])})
        names = [crop.name]
        layers.append(crop)
        for ext in extents:
            orig = dnn.layers[ext.layer.index]
            full = ext.layer.out_shape[1] * ext.layer.out_shape[2]
            h, w = ext.out_rows[1] - ext.out_rows[0], ext.out_cols[1] - ext.out_cols[0]
            attrs = {k: v for k, v in orig.attrs.items() if k not in ("params", "macs", "folded")}
            attrs.update(source=orig.name, tile=p, in_rows=ext.in_rows, in_cols=ext.in_cols, rows=ext.out_rows,
                         cols=ext.out_cols, in_shape=(ext.layer.in_shape[0], ext.in_rows[1] - ext.in_rows[0],
                                                      ext.in_cols[1] - ext.in_cols[0]),
                         out_shape=(ext.layer.out_shape[0], h, w))
            layer = Layer(f"fl{p}.{orig.name}", orig.kind, orig.flops * ext.out_pixels / full,
                          orig.out_bytes * ext.out_pixels / full, attrs)
            edges.append((names[-1], layer.name))
            names.append(layer.name)
            layers.append(layer)
        edges.append((dnn.layers[dnn.input].name, crop.name))
        edges.append((names[-1], fuse_name))
        paths.append(tuple(names))
    orig_fused = dnn.layers[fused.index]
    layers.append(Layer(fuse_name, "concat", 0.0, orig_fused.out_bytes,
                        {"op": "fuse", "source": orig_fused.name, "out_shape": orig_fused.attrs.get("out_shape"),
                         "rows": tiling.rows, "cols": tiling.cols}))
    gone = {dnn.input} | {s.index for s in stack}
    rename = {fused.name: fuse_name}
    layers.extend(layer for i, layer in enumerate(dnn.layers) if i not in gone)
    edges.extend((rename.get(a, a), b) for a, b in dnn.edges if dnn.index[b] not in gone)
    total = sum(layer.flops for layer in layers)
    info = {"source": dnn.name, "tau": tau, "rows": tiling.rows, "cols": tiling.cols, "tiles": tiling.label,
            "paths": tuple(paths), "fuse": fuse_name, "fused_layers": tuple(s.name for s in stack)}
    keep = {k: dnn.attrs[k] for k in ("source", "input_shape", "images", "fold") if k in dnn.attrs}
    return DNN(f"{dnn.name}.fl{tau}.{tiling.label}", layers, edges, attrs={**keep, "flops": total, "fl": info})


# -- the configurations an FL search visits ---------------------------------------------------
def fl_configs(dnn: DNN, *, tau: int | None = None, tiles: TileSpec | None = None,
               max_k: int | None = None) -> list[tuple[int, Tiling]]:
    """The ``(tau, tiling)`` pairs an FL search visits (seed 003 Alg. 1 lines 2-4).

    ``tau`` None means every depth ``1 .. fusable_depth``.  With ``tiles`` the tiling is fixed
    (depths where it does not fit are skipped when ``tau`` is None); with ``max_k`` every ``k x k``
    grid for ``k = 1 .. max_k`` that fits the fused output.  Raises the tiling's error when no
    depth fits.
    """
    if (tiles is None) == (max_k is None):
        raise ValidationError("fl_configs: give exactly one of tiles and max_k")
    if max_k is not None and (isinstance(max_k, bool) or not isinstance(max_k, (int, np.integer)) or max_k < 1):
        raise ValidationError(f"max_k must be an integer >= 1, got {max_k!r}")
    taus = [tau] if tau is not None else list(range(1, fusable_depth(dnn) + 1))
    if not taus:
        _stack(dnn, 1)  # raises: no conv/pool layer at the start
    out: list[tuple[int, Tiling]] = []
    error: ValidationError | None = None
    for t in taus:
        h, w = fused_output(dnn, t)
        if max_k is not None:
            out.extend((t, Tiling.grid(h, w, k)) for k in range(1, min(int(max_k), h, w) + 1))
            continue
        try:
            out.append((t, make_tiling(tiles, h, w)))
        except ValidationError as exc:
            if tau is not None:
                raise
            error = exc
    if not out and error is not None:
        raise ValidationError(f"{error} (at every fused depth 1..{len(taus)} of {dnn.name!r})")
    return out


def fl_conversions(dnn: DNN, configs: Sequence[tuple[int, Tiling]]) -> Iterator[DNN]:
    """The converted DNN of each ``(tau, tiling)`` of ``configs``, one at a time (cached, see
    :func:`fuse_layers`): what :func:`offloadsched.fl_paths.search_fl` searches over."""
    for tau, tiling in configs:
        yield _fuse(dnn, int(tau), tiling)
