"""ONNX import: a DNN graph (layers with FLOPs, output bytes and parameters) from an ONNX model.

:func:`from_onnx` reads the model without its weight values (external data files are never
opened), runs the ``onnx`` package's shape inference and makes one layer per operator node:

* **Tensors.** A tensor is *constant* if it is an initializer, a weight input, the output of a
  ``Constant`` node, of ``Shape`` / ``Size`` (static shapes), or of a node whose inputs are all
  constant; such nodes make no layer (shape arithmetic of exporters).  A graph input that is no
  initializer is a *weight input* if it has at most one element or feeds only weight positions
  (inputs 1.. of ``Conv``, ``ConvTranspose``, ``Gemm``, the normalisations, ``PRelu``; input 1 of
  ``MatMul``); every other graph input is a network input.  Several network inputs make one
  input layer holding them all (as the zoo's multi-image input); several graph outputs get a
  sink layer ``output`` (0 FLOPs, their bytes).  Nodes that reach no graph output are dropped.
* **Output bytes** of a layer: the bytes of its data outputs, ``prod(shape) * element size`` of
  the inferred shape and element type (float32: 4).  Every dimension must be static: a dynamic
  input dimension is refused unless given (``shapes={"input": (1, 3, 224, 224)}``, the command
  line's ``--shape input=1x3x224x224``).
* **Parameters**: the elements of a node's float inputs that are initializers or weight inputs,
  for the operators of :data:`PARAM_OPS` (weighted layers and element-wise arithmetic) and those
  without a FLOP rule, and ``Constant`` values at weight positions (inputs 1.. of the weighted
  operators), except index tensors and ``BatchNormalization``'s running mean and variance
  (buffers, as torchvision counts); other constant inputs (``Resize`` scales, ``Clip`` bounds,
  a ``Mul`` by a ``Constant``) are not parameters.  Model-local functions are inlined first.
* **FLOPs** follow :mod:`offloadsched.instances.layers` (a multiply-add is 2, bias additions not counted):
  ``Conv`` 2 x out_elements x (C_in / groups) x prod(kernel) (groups, dilation and padding act
  through the weight's shape and the inferred output); ``ConvTranspose`` 2 x in_elements x
  (C_out / groups) x prod(kernel); ``Gemm`` 2 M N K (``transA`` / ``transB`` respected);
  ``MatMul`` 2 x out_elements x K; ``MaxPool`` / ``AveragePool`` / ``LpPool`` out_elements x
  prod(kernel); global pooling in_elements; ``BatchNormalization`` 2 per element;
  ``InstanceNormalization`` / ``LayerNormalization`` / ``GroupNormalization`` 5 per element;
  ``LRN`` 2 size + 3 per element; ``Softmax`` / ``LogSoftmax`` 3 per element; ``Resize`` /
  ``Upsample``: nearest 0, linear 3 and cubic 7 per output element and resized axis; element-wise
  binary operators (``Add``, ``Sub``, ``Mul``, ``Div``, ``Pow``, ``Max``, ``Min``, comparisons)
  1 per output element, variadic ``Sum`` / ``Max`` / ``Min`` k - 1, ``Mean`` k; reductions 1 per
  input element (``ReduceL2``, ``ReduceSumSquare``, ``ReduceL1``, ``ReduceLogSumExp`` 2);
  activations per element: see :data:`UNARY`.  Data movement (``Concat``, ``Reshape``,
  ``Transpose``, ``Slice``, ``Gather``, ``Pad``, ...; :data:`FREE`) is 0.  An operator with no
  rule counts 0 FLOPs and is listed in an :class:`OnnxImportWarning` and in
  ``dnn.attrs["no_flop_rule"]``, never silently.
* **Layers.** Nodes carrying the metadata ``offloadsched.layer`` (as
  :func:`offloadsched.instances.onnx_export.to_onnx` writes) form one layer of that name (kind from
  ``offloadsched.kind``); any other node is its own layer, named after the node (or its first
  output).  With ``fold=True`` the zoo's folding applies (:mod:`offloadsched.instances.builder`): an
  element-wise layer (an activation, a batch-norm, a flatten or reshape; :data:`FOLDABLE`) whose
  single predecessor has no other consumer, and is not the input, is merged into it.

Reference: the ONNX operator specification (https://onnx.ai/onnx/operators/) and the ``onnx``
package's shape inference.  Complexity: O(nodes + edges) after shape inference.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from offloadsched.device import conv_class
from offloadsched.dnn import DNN, Layer
from offloadsched.errors import ValidationError

from .builder import FOLDABLE as ZOO_FOLDABLE

#: Metadata keys on a node (``NodeProto.metadata_props``) that name its layer and the layer's kind.
LAYER_KEY = "offloadsched.layer"
KIND_KEY = "offloadsched.kind"

#: Operations per element of the unary element-wise operators.
UNARY = {
    "Relu": 1, "LeakyRelu": 1, "PRelu": 1, "Clip": 1, "ThresholdedRelu": 1, "Abs": 1, "Neg": 1, "Sign": 1,
    "Floor": 1, "Ceil": 1, "Round": 1, "Reciprocal": 1, "Sqrt": 1, "Exp": 1, "Log": 1, "Erf": 1, "Not": 1,
    "Sin": 1, "Cos": 1, "IsNaN": 1, "IsInf": 1,
    "Sigmoid": 3, "Tanh": 3, "HardSigmoid": 3, "HardSwish": 4, "Elu": 3, "Selu": 4, "Celu": 3,
    "Softplus": 3, "Softsign": 3, "Gelu": 5, "Mish": 5, "Swish": 4,
}
#: Element-wise operators of two or more inputs: one operation per output element and input beyond the first.
BINARY = frozenset({"Add", "Sub", "Mul", "Div", "Pow", "Mod", "PRelu", "And", "Or", "Xor", "Equal", "Greater",
                    "Less", "GreaterOrEqual", "LessOrEqual", "Where", "BitShift"})
VARIADIC = frozenset({"Sum", "Max", "Min"})
#: Data movement: no arithmetic.
FREE = frozenset({"Concat", "Split", "Slice", "Gather", "GatherElements", "GatherND", "Reshape", "Flatten",
                  "Transpose", "Squeeze", "Unsqueeze", "Identity", "Dropout", "Pad", "Tile", "Expand", "Cast",
                  "CastLike", "DepthToSpace", "SpaceToDepth", "Shape", "Size", "Constant", "ConstantOfShape",
                  "ScatterND", "ScatterElements", "OneHot", "Range", "NonZero", "Compress", "ReverseSequence"})
REDUCE = {"ReduceSum": 1, "ReduceMean": 1, "ReduceMax": 1, "ReduceMin": 1, "ReduceProd": 1, "ArgMax": 1,
          "ArgMin": 1, "ReduceL2": 2, "ReduceSumSquare": 2, "ReduceL1": 2, "ReduceLogSum": 2,
          "ReduceLogSumExp": 2}
NORMS = {"BatchNormalization": 2, "InstanceNormalization": 5, "LayerNormalization": 5, "GroupNormalization": 5}
POOLS = frozenset({"MaxPool", "AveragePool", "LpPool"})
GLOBAL_POOLS = frozenset({"GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool"})
#: Operators whose inputs 1.. hold weights (a graph input used only there is a weight input).
WEIGHT_OPS = frozenset({"Conv", "ConvTranspose", "Gemm", "BatchNormalization", "InstanceNormalization",
                        "LayerNormalization", "GroupNormalization", "PRelu"})
#: Operators whose initializer or weight-input operands are parameters (and those without a FLOP rule);
#: constant inputs of other operators (``Resize`` scales, ``Clip`` bounds, ``Pad`` values) are not.
PARAM_OPS = WEIGHT_OPS | BINARY | VARIADIC | frozenset({"MatMul", "Mean"})
#: Layer kinds that ``fold=True`` merges into their producer: the zoo's, other activations and reshapes.
FOLDABLE = ZOO_FOLDABLE | frozenset({
    "clip", "prelu", "thresholdedrelu", "sigmoid", "tanh", "hardsigmoid", "hardswish", "elu", "selu", "celu",
    "softplus", "softsign", "gelu", "mish", "swish", "reshape", "squeeze", "unsqueeze", "identity", "dropout",
    "instancenormalization", "layernormalization", "groupnormalization"})
KINDS = {"Conv": "conv", "ConvTranspose": "deconv", "Gemm": "linear", "MatMul": "linear", "MaxPool": "maxpool",
         "AveragePool": "avgpool", "GlobalAveragePool": "adaptive_avgpool", "GlobalMaxPool": "adaptive_maxpool",
         "BatchNormalization": "bn", "Relu": "relu", "LeakyRelu": "leaky_relu", "Add": "add", "Sum": "add",
         "Mean": "mean", "Concat": "concat", "Flatten": "flatten", "LRN": "lrn", "Softmax": "softmax",
         "Resize": "resize", "Upsample": "resize"}


class OnnxImportWarning(UserWarning):
    """An ONNX model holds operators without a FLOP rule (counted as 0 FLOPs)."""


def _onnx():
    try:
        import onnx
    except ImportError:  # pragma: no cover - the extra is installed with the test extra
        raise ValidationError("ONNX import needs the 'onnx' package: pip install 'offloadsched[onnx]'") from None
    return onnx


@dataclass
class _Tensor:
    dims: tuple | None  # ints, or str / None for dynamic dimensions; None when unknown
    itemsize: float
    elem_type: int = 1

    @property
    def numel(self) -> int:
        return math.prod(self.dims)  # type: ignore[arg-type]


@dataclass
class _Group:
    name: str
    kind: str
    nodes: list = field(default_factory=list)
    flops: int = 0
    params: int = 0
    macs: int = 0
    preds: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)
    work: dict[str, int] = field(default_factory=dict)


# -- loading -------------------------------------------------------------------------------
def load_model(path_or_model, where: str | None = None):
    """An ``onnx.ModelProto`` from a path (weights in external files are not read) or a model."""
    onnx = _onnx()
    if isinstance(path_or_model, onnx.ModelProto):
        return path_or_model, where or (path_or_model.graph.name or "model")
    path = Path(path_or_model)
    where = where or str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ValidationError(f"{where}: no such file") from None
    except OSError as exc:
        raise ValidationError(f"{where}: cannot read ({exc.strerror or exc})") from None
    try:
        model = onnx.load_model_from_string(data)
    except Exception as exc:  # protobuf's DecodeError and friends
        raise ValidationError(f"{where}: not an ONNX model ({_first_line(exc)})") from None
    if model.ir_version <= 0 or not model.opset_import or not model.graph.node:
        raise ValidationError(f"{where}: not an ONNX model (no IR version, opset or graph nodes)")
    return model, where


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:200]


def parse_shape(text: str) -> tuple[str, tuple[int, ...]]:
    """``input=1x3x224x224`` as ``("input", (1, 3, 224, 224))``."""
    name, sep, dims = text.rpartition("=")
    try:
        shape = tuple(int(d) for d in dims.lower().split("x"))
    except ValueError:
        shape = ()
    if not sep or not name or not shape or min(shape) <= 0:
        raise ValidationError(f"--shape {text!r}: expected NAME=D1xD2x... with positive sizes, "
                              "e.g. input=1x3x224x224")
    return name, shape


# -- the import ----------------------------------------------------------------------------
def from_onnx(path_or_model, *, fold: bool = True, shapes: Mapping[str, Sequence[int]] | None = None,
              name: str | None = None) -> DNN:
    """The DNN of an ONNX model (a path or an ``onnx.ModelProto``); see the module docstring.

    ``shapes`` fixes the dimensions of network inputs (required for dynamic ones); ``name``
    names the DNN (default: the file's stem, else the graph's name).  Errors are
    :class:`ValidationError` naming the tensor, node or input.
    """
    onnx = _onnx()
    model, where = load_model(path_or_model)
    if model.functions:  # model-local functions (e.g. modules of torch's dynamo exporter): inline them
        try:
            from onnx import inliner

            model = inliner.inline_local_functions(model)
        except Exception as exc:
            raise ValidationError(f"{where}: cannot inline the model's local functions: {_first_line(exc)}") from None
    model_name = name or (Path(path_or_model).stem if not isinstance(path_or_model, onnx.ModelProto)
                          else model.graph.name or "onnx_model")
    graph = model.graph
    init_names = {t.name for t in graph.initializer}
    inputs = [i for i in graph.input if i.name not in init_names]
    weights = _weight_inputs(graph, inputs)
    data_inputs = [i for i in inputs if i.name not in weights]
    if not data_inputs:
        raise ValidationError(f"{where}: no network input (every graph input looks like a weight)")
    model = _fix_shapes(onnx, model, where, data_inputs, dict(shapes or {}))
    try:
        inferred = onnx.shape_inference.infer_shapes(model, check_type=False, strict_mode=False, data_prop=True)
    except Exception as exc:
        raise ValidationError(f"{where}: shape inference failed: {_first_line(exc)}") from None
    graph = inferred.graph
    tensors = _tensor_types(onnx, graph)
    const = set(init_names) | weights
    learned = set(init_names) | weights
    constant_nodes: set[str] = set()  # outputs of Constant nodes (and of nodes computing on them only)
    data_names = [i.name for i in data_inputs]
    input_layer = data_names[0] if len(data_names) == 1 else "input"
    producer: dict[str, str] = {t: input_layer for t in data_names}
    groups: dict[str, _Group] = {}
    no_rule: dict[str, int] = {}
    for k, node in enumerate(graph.node):
        data_in = [t for t in node.input if t and t not in const]
        if not data_in or node.op_type in ("Shape", "Size", "Constant"):
            const.update(o for o in node.output if o)
            if node.op_type == "Constant" or (not data_in and all(t in constant_nodes for t in node.input if t)):
                constant_nodes.update(o for o in node.output if o)
            continue
        for t in data_in:
            if t not in producer:
                raise ValidationError(f"{where}: node {_node_label(node, k)} reads tensor {t!r}, which no "
                                      "earlier node produces (the graph is not topologically sorted)")
        meta = {p.key: p.value for p in node.metadata_props}
        gname = meta.get(LAYER_KEY) or node.name or next((o for o in node.output if o), f"node{k}")
        group = groups.get(gname)
        if group is None:
            group = groups[gname] = _Group(gname, meta.get(KIND_KEY) or _kind(node, tensors, const))
        elif not meta.get(LAYER_KEY):
            raise ValidationError(f"{where}: two nodes are named {gname!r}")
        flops, macs, rule = _flops(node, tensors, where, k)
        if not rule:
            no_rule[node.op_type] = no_rule.get(node.op_type, 0) + 1
        group.nodes.append(node)
        group.flops += flops
        for key, value in _node_work(node, tensors, data_in, flops, const, where).items():
            group.work[key] = group.work.get(key, 0) + value
        group.macs += macs
        group.params += _params(node, tensors, learned, constant_nodes, rule)
        for t in data_in:
            if producer[t] != gname and producer[t] not in group.preds:
                group.preds.append(producer[t])
        for o in node.output:
            if o:
                producer[o] = gname
                group.outputs.append(o)
        if "kernel" not in group.attrs:  # the first window's geometry, else the first node's input shape
            geometry = _geometry(node, tensors, data_in[0])
            group.attrs.update(geometry if "kernel" in geometry else {k: v for k, v in geometry.items()
                                                                     if k not in group.attrs})
    outputs = [o.name for o in graph.output]
    for o in outputs:
        if o not in producer:
            raise ValidationError(f"{where}: graph output {o!r} is not computed from the network input")
    return _build(model_name, where, inferred, tensors, data_names, input_layer, groups, producer, outputs,
                  no_rule, fold)


def _node_label(node, k: int) -> str:
    return f"{node.name!r} ({node.op_type})" if node.name else f"#{k} ({node.op_type})"


def _weight_inputs(graph, inputs) -> set[str]:
    uses: dict[str, list[tuple[str, int]]] = {i.name: [] for i in inputs}
    for node in graph.node:
        for pos, t in enumerate(node.input):
            if t in uses:
                uses[t].append((node.op_type, pos))
    out = set()
    for i in inputs:
        dims = [d.dim_value if d.HasField("dim_value") else None for d in i.type.tensor_type.shape.dim]
        small = i.type.tensor_type.HasField("shape") and None not in dims and math.prod(dims) <= 1
        at_weights = uses[i.name] and all((op in WEIGHT_OPS and pos >= 1) or (op == "MatMul" and pos == 1)
                                          for op, pos in uses[i.name])
        if small or at_weights:
            out.add(i.name)
    return out


def _fix_shapes(onnx, model, where: str, data_inputs, shapes: dict[str, Sequence[int]]):
    known = [i.name for i in data_inputs]
    for key in shapes:
        if key not in known:
            raise ValidationError(f"{where}: --shape names unknown input {key!r}; network inputs: {', '.join(known)}")
    if shapes:
        model = onnx.ModelProto.FromString(model.SerializeToString())
        data_inputs = [i for i in model.graph.input if i.name in known]
    for i in data_inputs:
        tt = i.type.tensor_type
        if not i.type.HasField("tensor_type") or not tt.HasField("shape"):
            if i.name not in shapes:
                raise ValidationError(f"{where}: input {i.name!r} has no shape; give it with --shape "
                                      f"{i.name}=1x3x224x224")
        dims = list(tt.shape.dim)
        if i.name in shapes:
            given = [int(d) for d in shapes[i.name]]
            if dims and len(given) != len(dims):
                raise ValidationError(f"{where}: --shape {i.name}: {len(given)} dimensions for an input of rank "
                                      f"{len(dims)}")
            for k, (d, v) in enumerate(zip(dims, given)):
                if d.HasField("dim_value") and d.dim_value != v:
                    raise ValidationError(f"{where}: --shape {i.name}: dimension {k} is {d.dim_value} in the "
                                          f"model, not {v}")
            del tt.shape.dim[:]
            for v in given:
                tt.shape.dim.add().dim_value = v
            continue
        for k, d in enumerate(dims):
            if not d.HasField("dim_value") or d.dim_value <= 0:
                label = d.dim_param or "?"
                raise ValidationError(f"{where}: input {i.name!r} has dynamic dimension {k} ({label!r}); give "
                                      f"its shape with --shape {i.name}=" + "x".join(
                                          str(x.dim_value) if x.HasField("dim_value") and x.dim_value > 0
                                          else "N" for x in dims))
    return model


def _itemsize(onnx, elem_type: int) -> float:
    try:
        return float(onnx.helper.tensor_dtype_to_np_dtype(elem_type).itemsize)
    except Exception:
        name = onnx.TensorProto.DataType.Name(elem_type)
        return 0.5 if "4" in name else 1.0 if "8" in name else 2.0 if "16" in name else 4.0


def _tensor_types(onnx, graph) -> dict[str, _Tensor]:
    out: dict[str, _Tensor] = {}
    for t in graph.initializer:
        out[t.name] = _Tensor(tuple(t.dims), _itemsize(onnx, t.data_type), t.data_type)
    for vi in [*graph.input, *graph.value_info, *graph.output]:
        if not vi.type.HasField("tensor_type"):
            continue
        tt = vi.type.tensor_type
        dims = (tuple(d.dim_value if d.HasField("dim_value") else (d.dim_param or None) for d in tt.shape.dim)
                if tt.HasField("shape") else None)
        if vi.name not in out or out[vi.name].dims is None:
            out[vi.name] = _Tensor(dims, _itemsize(onnx, tt.elem_type) if tt.elem_type else 4.0, tt.elem_type)
    for node in graph.node:  # Constant nodes: shapes from their value
        if node.op_type == "Constant":
            for a in node.attribute:
                if a.name == "value" and node.output:
                    out.setdefault(node.output[0], _Tensor(tuple(a.t.dims), _itemsize(onnx, a.t.data_type),
                                                           a.t.data_type))
    return out


def _shape(tensors: dict[str, _Tensor], name: str, where: str, node=None, k: int = 0) -> tuple[int, ...]:
    t = tensors.get(name)
    if t is None or t.dims is None or any(not isinstance(d, int) or d <= 0 for d in t.dims):
        at = f" (at node {_node_label(node, k)})" if node is not None else ""
        dims = "unknown" if t is None or t.dims is None else "x".join(str(d) for d in t.dims)
        raise ValidationError(f"{where}: tensor {name!r}{at} has no static shape ({dims}); fix the network "
                              "input's shape with --shape")
    return t.dims  # type: ignore[return-value]


def _attr(node, name: str, default=None):
    from onnx import helper

    for a in node.attribute:
        if a.name == name:
            return helper.get_attribute_value(a)
    return default


def _kind(node, tensors, const: set[str]) -> str:
    op = node.op_type
    if op == "Conv":
        g = _attr(node, "group", 1)
        w = tensors.get(node.input[1]) if len(node.input) > 1 else None
        if g > 1 and w is not None and w.dims and w.dims[1] == 1:
            return "dwconv"
    if op == "Clip":
        return "clip"
    if op == "MatMul":
        return "linear" if len(node.input) > 1 and node.input[1] in const else "matmul"
    return KINDS.get(op, op.lower())


def _node_work(node, tensors, data_in: Sequence[str], flops: int, const: set[str], where: str) -> dict[str, int]:
    """The node's FLOPs by operator class of the device model (:mod:`offloadsched.device`): a
    ``Conv`` is ``conv`` or ``dwconv`` by its ``group`` and input channels, a ``Gemm`` or a
    ``MatMul`` by a constant ``fc``, the rest ``memory`` with the bytes it moves (data inputs
    read, outputs written; a ``Concat`` too, the other 0-FLOP nodes move nothing)."""
    op = node.op_type
    if op in ("Conv", "ConvTranspose"):
        t = tensors.get(data_in[0]) if data_in else None
        channels = t.dims[1] if t is not None and len(t.dims) > 1 and isinstance(t.dims[1], int) else None
        return {conv_class(int(_attr(node, "group", 1)), channels): flops}
    if op == "Gemm" or (op == "MatMul" and len(node.input) > 1 and node.input[1] in const):
        return {"fc": flops}
    if not flops and op != "Concat":
        return {}
    return {"memory": flops, "memory_bytes": _bytes(tensors, [*data_in, *(o for o in node.output if o)], where)}


def _flops(node, tensors, where: str, k: int) -> tuple[int, int, bool]:
    """``(flops, macs, has_rule)`` of one node."""
    op = node.op_type

    def shape(i: int, out: bool = False) -> tuple[int, ...]:
        return _shape(tensors, (node.output if out else node.input)[i], where, node, k)

    def n_out() -> int:
        return math.prod(shape(0, out=True))

    if op in FREE:
        return 0, 0, True
    if op == "Conv":
        w = shape(1)
        macs = n_out() * w[1] * math.prod(w[2:])
        return 2 * macs, macs, True
    if op == "ConvTranspose":
        w = shape(1)
        macs = math.prod(shape(0)) * w[1] * math.prod(w[2:])
        return 2 * macs, macs, True
    if op == "Gemm":
        a = shape(0)
        kk = a[0] if _attr(node, "transA", 0) else a[1]
        macs = n_out() * kk
        return 2 * macs, macs, True
    if op == "MatMul":
        a = shape(0)
        macs = n_out() * a[-1]
        return 2 * macs, macs, True
    if op in POOLS:
        return n_out() * math.prod(_attr(node, "kernel_shape", [1])), 0, True
    if op in GLOBAL_POOLS:
        return math.prod(shape(0)), 0, True
    if op in NORMS:
        return NORMS[op] * n_out(), 0, True
    if op == "LRN":
        return (2 * int(_attr(node, "size", 1)) + 3) * n_out(), 0, True
    if op in ("Softmax", "LogSoftmax"):
        return 3 * n_out(), 0, True
    if op in ("Resize", "Upsample"):
        mode = _attr(node, "mode", "nearest")
        mode = mode.decode() if isinstance(mode, bytes) else mode
        per = {"nearest": 0, "linear": 3, "bilinear": 3, "cubic": 7}.get(mode, 3)
        axes = sum(1 for a, b in zip(shape(0), shape(0, out=True)) if a != b)
        return per * axes * n_out(), 0, True
    if op in UNARY:
        return UNARY[op] * n_out(), 0, True
    if op in BINARY:
        return n_out(), 0, True
    if op in VARIADIC:
        return (len([t for t in node.input if t]) - 1) * n_out(), 0, True
    if op == "Mean":
        return len([t for t in node.input if t]) * n_out(), 0, True
    if op in REDUCE:
        return REDUCE[op] * math.prod(shape(0)), 0, True
    return 0, 0, False


#: Element types of index and shape tensors, never parameters (INT32, INT64, BOOL).
INDEX_TYPES = frozenset({6, 7, 9})


def _params(node, tensors, learned: set[str], constants: set[str], rule: bool) -> int:
    if rule and node.op_type not in PARAM_OPS:
        return 0
    total = 0
    for pos, t in enumerate(node.input):
        weight_from_constant = t in constants and pos >= 1 and node.op_type in WEIGHT_OPS | {"MatMul"}
        if not t or (t not in learned and not weight_from_constant) or (
                node.op_type == "BatchNormalization" and pos >= 3):
            continue
        info = tensors.get(t)
        if info is not None and info.dims is not None and info.elem_type not in INDEX_TYPES and all(
                isinstance(d, int) for d in info.dims):
            total += math.prod(info.dims)
    return total


def _unbatch(shape: tuple[int, ...]) -> tuple[int, ...]:
    """A shape without its batch dimension of 1 (the zoo's ``(C, H, W)`` / ``(F,)`` convention)."""
    return shape[1:] if len(shape) >= 2 and shape[0] == 1 else shape


def _geometry(node, tensors, data_in: str) -> dict[str, Any]:
    """``in_shape`` and, for a 2-d window, the zoo's geometry keys (:mod:`offloadsched.instances.layers`)."""
    op = node.op_type
    t = tensors.get(data_in)
    in_shape = _unbatch(t.dims) if t is not None and t.dims and all(isinstance(d, int) for d in t.dims) else None
    out: dict[str, Any] = {"in_shape": in_shape} if in_shape is not None else {}
    if not (op in ("Conv", "ConvTranspose") or op in POOLS or op in GLOBAL_POOLS) or in_shape is None:
        return out
    spatial = in_shape[1:]
    if op in GLOBAL_POOLS:
        kernel = list(spatial)
    else:
        kernel = _attr(node, "kernel_shape")
        if kernel is None:
            w = tensors.get(node.input[1]) if len(node.input) > 1 else None
            if w is None or not w.dims:
                return out
            kernel = list(w.dims[2:])
    r = len(kernel)
    stride = list(_attr(node, "strides", kernel if op in GLOBAL_POOLS else [1] * r))
    dilation = list(_attr(node, "dilations", [1] * r))
    pads = list(_attr(node, "pads", [0] * 2 * r))
    auto = _attr(node, "auto_pad", b"NOTSET")
    auto = auto.decode() if isinstance(auto, bytes) else auto
    o = tensors.get(node.output[0])
    if auto in ("SAME_UPPER", "SAME_LOWER") and o is not None and o.dims and op != "ConvTranspose":
        for a in range(r):
            total = max((o.dims[2 + a] - 1) * stride[a] + (kernel[a] - 1) * dilation[a] + 1 - spatial[a], 0)
            small, big = total // 2, total - total // 2
            pads[a], pads[r + a] = (small, big) if auto == "SAME_UPPER" else (big, small)
    if r == 2:
        out.update(kernel=tuple(kernel), stride=tuple(stride), padding=(pads[0], pads[1]),
                   pads=(pads[0], pads[2], pads[1], pads[3]), dilation=tuple(dilation))
    else:
        out.update(kernel=tuple(kernel), stride=tuple(stride), onnx_pads=tuple(pads), dilation=tuple(dilation))
    if op in ("Conv", "ConvTranspose"):
        out["groups"] = int(_attr(node, "group", 1))
    else:
        out["ceil_mode"] = bool(_attr(node, "ceil_mode", 0))
    return out


def _bytes(tensors: dict[str, _Tensor], names: Sequence[str], where: str) -> int:
    total = 0.0
    for t in names:
        total += math.prod(_shape(tensors, t, where)) * tensors[t].itemsize
    return int(math.ceil(total))


def _build(model_name: str, where: str, model, tensors, data_names: list[str], input_layer: str,
           groups: dict[str, _Group], producer: dict[str, str], outputs: list[str], no_rule: dict[str, int],
           fold: bool) -> DNN:
    consumed_by: dict[str, set[str]] = {}
    for g in groups.values():
        for node in g.nodes:
            for t in node.input:
                if t in producer and producer[t] != g.name:
                    consumed_by.setdefault(t, set()).add(g.name)
    out_producers = list(dict.fromkeys(producer[o] for o in outputs))
    if input_layer in out_producers:
        raise ValidationError(f"{where}: a graph output is the network input itself")
    # drop nodes that reach no graph output
    live = set(out_producers)
    for g in reversed(list(groups.values())):
        if g.name in live:
            live.update(p for p in g.preds)
    dead = [n for n in groups if n not in live]
    for n in dead:
        del groups[n]
    layers_out: dict[str, list[str]] = {}
    for g in groups.values():
        external = [t for t in g.outputs if consumed_by.get(t, set()) & live or t in outputs]
        layers_out[g.name] = external or g.outputs[-1:]
    succs: dict[str, list[str]] = {input_layer: []}
    for g in groups.values():
        succs.setdefault(g.name, [])
        for p in g.preds:
            succs.setdefault(p, []).append(g.name)
    if input_layer in groups:
        raise ValidationError(f"{where}: layer name {input_layer!r} is both the input and a node")
    rep: dict[str, str] = {input_layer: input_layer}
    folded: dict[str, list[str]] = {}
    for g in groups.values():
        if (fold and g.kind in FOLDABLE and len(g.preds) == 1 and g.preds[0] != input_layer
                and len(succs[g.preds[0]]) == 1 and g.preds[0] not in out_producers):
            rep[g.name] = rep[g.preds[0]]
            folded.setdefault(rep[g.name], []).append(g.name)
        else:
            rep[g.name] = g.name
    in_bytes = _bytes(tensors, data_names, where)
    in_shape = _unbatch(_shape(tensors, data_names[0], where)) if len(data_names) == 1 else None
    layers = [Layer(input_layer, "input", 0, in_bytes,
                    {"op": "input", "onnx_ops": [], "out_shape": in_shape, "params": 0, "macs": 0,
                     **({"inputs": data_names} if len(data_names) > 1 else {})})]
    edges: list[tuple[str, str]] = []
    merged: dict[str, dict[str, Any]] = {}
    for g in groups.values():
        r = rep[g.name]
        if r == input_layer:
            continue
        item = merged.get(r)
        if item is None:
            item = merged[r] = {"kind": g.kind, "flops": 0, "params": 0, "macs": 0, "attrs": dict(g.attrs),
                                "ops": [], "work": {}}
        item["flops"] += g.flops
        for key, value in g.work.items():
            item["work"][key] = item["work"].get(key, 0) + value
        item["params"] += g.params
        item["macs"] += g.macs
        item["ops"] += [n.op_type for n in g.nodes]
        item["outs"] = layers_out[g.name]
        for p in g.preds:
            e = (rep[p], r)
            if rep[p] != r and e not in edges:
                edges.append(e)
    for name, item in merged.items():
        outs = item["outs"]
        shape = _unbatch(_shape(tensors, outs[0], where))
        attrs = {"op": item["kind"], "onnx_ops": item["ops"], "out_shape": shape, "params": item["params"],
                 "macs": item["macs"], **item["attrs"]}
        if item["work"]:
            attrs["work"] = {k: v for k, v in item["work"].items() if v}
        if name in folded:
            attrs["folded"] = folded[name]
        layers.append(Layer(name, item["kind"], item["flops"], _bytes(tensors, outs, where), attrs))
    if len(out_producers) > 1:
        sink = "output"
        while sink in merged:
            sink += "_"
        layers.append(Layer(sink, "sink", 0, _bytes(tensors, outputs, where),
                            {"op": "sink", "outputs": outputs, "params": 0, "macs": 0}))
        edges += [(rep[p], sink) for p in out_producers]
    if no_rule:
        listed = ", ".join(f"{op} ({n})" for op, n in sorted(no_rule.items()))
        warnings.warn(f"{where}: no FLOP rule for {listed}: counted as 0 FLOPs", OnnxImportWarning, stacklevel=3)
    opsets = {o.domain or "ai.onnx": o.version for o in model.opset_import}
    info = {"source": f"ONNX {where}" + (f" ({model.producer_name})" if model.producer_name else ""),
            "input_shape": in_shape, "params": sum(g.params for g in groups.values()),
            "macs": sum(g.macs for g in groups.values()), "flops": sum(g.flops for g in groups.values()),
            "fold": fold, "opset": opsets.get("ai.onnx"), "no_flop_rule": dict(sorted(no_rule.items())),
            "dropped_nodes": len(dead)}
    return DNN(model_name, layers, edges, attrs=info)
