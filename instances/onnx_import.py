"""ONNX import: a DNN graph (layers with FLOPs, output bytes and parameters) from an ONNX model.

:func:`from_onnx` reads the model without its weight values (:mod:`offloadsched.instances.onnx_read`:
large initializers are read as their headers, external data files are never opened), inlines
model-local functions, computes every tensor's shape and the values of the constant ones
(:mod:`offloadsched.instances.onnx_shapes`: constant shape arithmetic is evaluated) and makes one
layer per operator node:

* **Inputs and weights.** A graph input that is no initializer is a network input or a weight:
  :func:`network_inputs` tells them apart (the option ``inputs=`` / ``--input NAME`` names the
  network inputs when the file is ambiguous, which is refused otherwise), so that a weight-free
  file (weights as typed graph inputs) gives the same graph as the full one.  A node that reads
  no network data (only initializers, weights, ``Constant`` values, ``Shape`` / ``Size``, or
  results of such nodes) makes no layer: shape arithmetic and weight preprocessing (a class
  token's ``Expand``, a relative position bias ``Gather``).  Several network inputs make one
  input layer holding them all (as the zoo's multi-image input); several graph outputs get a
  sink layer ``output`` (0 FLOPs, their bytes).  Nodes that reach no graph output are dropped.
* **Output bytes** of a layer: the bytes of its data outputs, ``prod(shape) * element size`` of
  the inferred shape and element type (float32: 4).  Every dimension must be static: a dynamic
  input dimension is refused unless given (``shapes={"input": (1, 3, 224, 224)}``, the command
  line's ``--shape input=1x3x224x224``).
* **Parameters** of a layer: the elements of the learned tensors (initializers and weight inputs
  of a non-index type) that its nodes read, directly or through nodes computing on constants
  only (a ``Transpose`` of a weight, a class token's ``Expand``), each once per node; an
  ``Identity`` copy of a learned tensor is a parameter of its own (exporters share equal weights
  that way: VGG-16's zero biases); ``Constant`` values at weight positions (inputs 1.. of the
  weighted operators) count too.  Not parameters: index tensors, ``BatchNormalization``'s running
  mean and variance (buffers, as torchvision counts), the inputs of :data:`NOT_PARAMS` (``Clip``
  bounds, ``Resize`` scales, ``Pad`` values) and ``Constant`` values elsewhere (a ``Mul`` by a
  constant).
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
from .onnx_read import read_structure, strip_model
from .onnx_shapes import propagate

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
    why: str = ""  # where shape inference stopped, for an unknown shape

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
    """``(model, where, valueless)``: the ``onnx.ModelProto`` of a path or a model without its large
    weight values (:mod:`offloadsched.instances.onnx_read`; external data files are not read), a
    label for messages, and the names of the initializers whose values are not at hand."""
    onnx = _onnx()
    if isinstance(path_or_model, onnx.ModelProto):
        model, stripped = strip_model(onnx, path_or_model)
        where = where or (path_or_model.graph.name or "model")
    else:
        path = Path(path_or_model)
        where = where or str(path)
        try:
            model, stripped = read_structure(onnx, path)
        except FileNotFoundError:
            raise ValidationError(f"{where}: no such file") from None
        except IsADirectoryError:
            raise ValidationError(f"{where}: is a directory, not an ONNX file") from None
        except OSError as exc:
            raise ValidationError(f"{where}: cannot read ({exc.strerror or exc})") from None
        except Exception as exc:  # WireError, protobuf's DecodeError and friends
            raise ValidationError(f"{where}: not an ONNX model ({_first_line(exc)})") from None
    if model.ir_version <= 0 or not model.opset_import or not model.graph.node:
        raise ValidationError(f"{where}: not an ONNX model (no IR version, opset or graph nodes)")
    external = onnx.TensorProto.EXTERNAL
    valueless = stripped | {t.name for t in model.graph.initializer if t.data_location == external}
    return model, where, valueless


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
              name: str | None = None, inputs: Sequence[str] | None = None) -> DNN:
    """The DNN of an ONNX model (a path or an ``onnx.ModelProto``); see the module docstring.

    ``shapes`` fixes the dimensions of network inputs (required for dynamic ones); ``inputs``
    names the network inputs among the graph inputs (the others are weights; needed only when the
    graph does not tell, see :func:`network_inputs`); ``name`` names the DNN (default: the file's
    stem, else the graph's name).  Errors are :class:`ValidationError` naming the tensor, node or
    input.
    """
    onnx = _onnx()
    model, where, valueless = load_model(path_or_model)
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
    _check_defined(graph, init_names, where)
    data_names, weights = network_inputs(graph, inputs, where)
    types, values = _start_types(onnx, graph, data_names, dict(shapes or {}), valueless, where)
    opsets = {o.domain: o.version for o in model.opset_import}
    opsets.setdefault("ai.onnx", opsets.get("", 1))
    recorded = {vi.name: vi.type for vi in [*graph.value_info, *graph.output] if vi.type.HasField("tensor_type")}
    why = propagate(onnx, graph, opsets, types, values, recorded, model.ir_version or 8)
    tensors = _tensor_types(onnx, types, values, why)
    const = set(init_names) | weights
    # learned tensors (initializers and weight inputs of a non-index type; a copy made by Identity is
    # its own parameter, as exporters share equal weights that way) and, per constant tensor, the
    # learned tensors it is computed from
    sources: dict[str, frozenset[str]] = {t: frozenset([t]) for t in const
                                          if t in tensors and tensors[t].elem_type not in INDEX_TYPES}
    constant_nodes: set[str] = set()  # outputs of Constant nodes (and of nodes computing on them only)
    input_layer = data_names[0] if len(data_names) == 1 else "input"
    producer: dict[str, str] = {t: input_layer for t in data_names}
    groups: dict[str, _Group] = {}
    no_rule: dict[str, int] = {}
    for k, node in enumerate(graph.node):
        data_in = [t for t in node.input if t and t not in const]
        if not data_in or node.op_type in ("Shape", "Size", "Constant"):
            outs = [o for o in node.output if o]
            const.update(outs)
            if node.op_type == "Constant" or (not data_in and all(t in constant_nodes for t in node.input if t)):
                constant_nodes.update(outs)
            derived = frozenset().union(*(sources.get(t, frozenset()) for t in node.input))
            if derived and node.op_type not in ("Shape", "Size"):  # a shape carries no parameters
                for o in outs:
                    if o in tensors and tensors[o].elem_type not in INDEX_TYPES:
                        copy = node.op_type == "Identity" and sources.get(node.input[0]) == {node.input[0]}
                        sources[o] = frozenset([o]) if copy else derived
            continue
        for t in data_in:
            if t not in producer:
                raise ValidationError(f"{where}: node {_node_label(node, k)} reads tensor {t!r} before the node "
                                      "that computes it (the graph is not topologically sorted)")
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
        group.params += _params(node, tensors, sources, constant_nodes)
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
    dnn = _build(model_name, where, model, tensors, data_names, input_layer, groups, producer, outputs,
                 no_rule, fold)
    dnn.attrs["weight_inputs"] = len(weights)  # graph inputs taken as weights (a weight-free file)
    return dnn


def _node_label(node, k: int) -> str:
    return f"{node.name!r} ({node.op_type})" if node.name else f"#{k} ({node.op_type})"


def _check_defined(graph, init_names: set[str], where: str) -> None:
    """Every tensor a node reads is a graph input, an initializer or some node's output; else the
    file was written without its weights and without declaring them."""
    defined = init_names | {i.name for i in graph.input} | {o for n in graph.node for o in n.output}
    missing = list(dict.fromkeys(t for n in graph.node for t in n.input if t and t not in defined))
    if not missing:
        return
    shown = ", ".join(repr(t) for t in missing[:3]) + (", ..." if len(missing) > 3 else "")
    cause = (f"the graph has no initializers and {len(graph.input)} input(s), so these are weights the file "
             "leaves out without declaring them (torch.onnx.export(..., export_params=False) with the dynamo "
             "exporter writes such files; add keep_initializers_as_inputs=True, or use dynamo=False)"
             if not init_names else "the file is incomplete")
    raise ValidationError(f"{where}: {len(missing)} tensor(s) read by nodes are defined nowhere (no initializer, "
                          f"graph input or node output): {shown}; {cause}")
#: Data positions of the operators that compute on a network's data: a graph input read there
#: (directly or through single-input data movement) is a network input.
DATA_SLOTS = frozenset({"Conv", "ConvTranspose", "Gemm", "MatMul", "BatchNormalization", "InstanceNormalization",
                        "LayerNormalization", "GroupNormalization", "LRN"}) | POOLS | GLOBAL_POOLS
#: Positions that hold configuration rather than data (shapes, bounds, pads, scales).
CONFIG_SLOTS = {"Reshape": (1,), "Expand": (1,), "Tile": (1,), "Slice": (1, 2, 3, 4), "Pad": (1, 2, 3),
                "Resize": (1, 2, 3), "Upsample": (1,), "Clip": (1, 2), "Squeeze": (1,), "Unsqueeze": (1,),
                "Split": (1,), "Gather": (1,), "ReduceMean": (1,), "ReduceSum": (1,), "ReduceMax": (1,)}


def _at_weight(op: str, pos: int) -> bool:
    return (op in WEIGHT_OPS and pos >= 1) or (op == "MatMul" and pos == 1)


def network_inputs(graph, inputs: Sequence[str] | None, where: str) -> tuple[list[str], set[str]]:
    """``(network inputs, weight inputs)`` among the graph inputs that are no initializers.

    Named by ``inputs`` (the command line's ``--input``), or else found: a graph input is a *sure
    weight* if it has at most one element or is read only at weight positions (inputs 1.. of
    ``Conv``, ``Gemm``, the normalisations, ``PRelu``; input 1 of ``MatMul``), directly or through
    ``Identity``; it is *read as data* if it reaches the data position of :data:`DATA_SLOTS`
    (``Conv``'s input 0, ...) directly or through nodes whose other inputs are constants, other
    weights at weight or configuration positions, or integer tensors.  The network inputs are those
    read as data, when PyTorch's order confirms it: they come first among the graph inputs (the
    classic exporter's ``export_params=False`` and the dynamo exporter's
    ``keep_initializers_as_inputs=True`` list the model's inputs before its weights).  A graph
    without sure weights takes every graph input as a network input.  Anything else is ambiguous
    and refused, naming the candidates and the option.
    """
    init = {t.name for t in graph.initializer}
    graph_inputs = [i for i in graph.input if i.name not in init]
    names = [i.name for i in graph_inputs]
    if inputs is not None:
        chosen = list(dict.fromkeys(inputs))
        unknown = [n for n in chosen if n not in names]
        if unknown or not chosen:
            raise ValidationError(f"{where}: --input {unknown[0] if unknown else ''!r} is no graph input; graph "
                                  f"inputs (no initializers): {_listing(names)}")
        return chosen, set(names) - set(chosen)
    if len(names) <= 1:
        if not names:
            raise ValidationError(f"{where}: the graph has no input (every graph input is an initializer)")
        return names, set()
    uses: dict[str, list[tuple[Any, int]]] = {}
    for node in graph.node:
        for pos, t in enumerate(node.input):
            if t:
                uses.setdefault(t, []).append((node, pos))
    integer = {i.name for i in graph_inputs if i.type.tensor_type.elem_type in INDEX_TYPES}

    def only_weight(t: str, depth: int = 0) -> bool:
        return bool(uses.get(t)) and depth < 8 and all(
            _at_weight(node.op_type, pos) or (node.op_type == "Identity" and only_weight(node.output[0], depth + 1))
            for node, pos in uses[t])

    sure = set(integer)
    for i in graph_inputs:
        tt = i.type.tensor_type
        dims = [d.dim_value if d.HasField("dim_value") else None for d in tt.shape.dim]
        if (tt.HasField("shape") and None not in dims and math.prod(dims) <= 1) or only_weight(i.name):
            sure.add(i.name)
    # tensors computed from a graph input that is not a sure weight (data, or an undecided weight)
    tainted = set(n for n in names if n not in sure)
    for node in graph.node:
        if node.op_type not in ("Shape", "Size") and any(t in tainted for t in node.input):
            tainted.update(o for o in node.output if o)

    def read_as_data(start: str) -> bool:
        stream, todo = {start}, [start]
        while todo:
            t = todo.pop()
            for node, pos in uses.get(t, []):
                if node.op_type in DATA_SLOTS and pos == 0:
                    return True
                if node.op_type in ("Shape", "Size"):
                    continue
                others = [(p, u) for p, u in enumerate(node.input) if u and p != pos and u not in stream]
                if all(u not in tainted or _at_weight(node.op_type, p) or p in CONFIG_SLOTS.get(node.op_type, ())
                       for p, u in others):
                    for o in node.output:
                        if o and o not in stream:
                            stream.add(o)
                            todo.append(o)
        return False

    undecided = [n for n in names if n not in sure]
    if not sure - integer:
        return names, set()
    data = [n for n in undecided if read_as_data(n)]
    if data and names[:len(data)] == data:
        return data, set(names) - set(data)
    found = (f"{_listing(data)} read as data but not listed first, as PyTorch lists a model's inputs" if data
             else "none is read as data by a Conv, Gemm, MatMul, ...")
    candidates = data + [n for n in undecided if n not in data]
    raise ValidationError(f"{where}: cannot tell the network input(s) from the weights among the graph inputs "
                          f"that are no initializers ({found}); candidates: {_listing(candidates)}; name the "
                          "network input(s) with --input NAME (inputs=[...] in the API)")


def _listing(names: Sequence[str], limit: int = 6) -> str:
    return ", ".join(repr(n) for n in names[:limit]) + (f", ... ({len(names)} in all)" if len(names) > limit else "")


def _start_types(onnx, graph, data_names: list[str], shapes: dict[str, Sequence[int]], valueless: set[str],
                 where: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The types of the graph inputs (network inputs fixed by ``shapes``) and initializers, and the
    values of the initializers at hand."""
    from onnx import helper, numpy_helper

    for key in shapes:
        if key not in data_names:
            raise ValidationError(f"{where}: --shape names unknown input {key!r}; network inputs: "
                                  f"{', '.join(data_names)}")
    types: dict[str, Any] = {}
    values: dict[str, Any] = {}
    for t in graph.initializer:
        types[t.name] = helper.make_tensor_type_proto(t.data_type, list(t.dims))
        if t.name not in valueless:
            try:
                values[t.name] = numpy_helper.to_array(t)
            except Exception:  # a value onnx cannot read (e.g. a type numpy lacks): its type only
                pass
    for i in graph.input:
        if i.name in types or not i.type.HasField("tensor_type"):
            continue
        tt = i.type.tensor_type
        types[i.name] = i.type
        if i.name not in data_names:
            continue
        dims = list(tt.shape.dim)
        if i.name in shapes:
            given = [int(d) for d in shapes[i.name]]
            if tt.HasField("shape") and len(given) != len(dims):
                raise ValidationError(f"{where}: --shape {i.name}: {len(given)} dimensions for an input of rank "
                                      f"{len(dims)}")
            for k, (d, v) in enumerate(zip(dims, given)):
                if d.HasField("dim_value") and d.dim_value != v:
                    raise ValidationError(f"{where}: --shape {i.name}: dimension {k} is {d.dim_value} in the "
                                          f"model, not {v}")
            types[i.name] = helper.make_tensor_type_proto(tt.elem_type, given)
            continue
        if not tt.HasField("shape"):
            raise ValidationError(f"{where}: input {i.name!r} has no shape; give it with --shape {i.name}=1x3x224x224")
        for k, d in enumerate(dims):
            if not d.HasField("dim_value") or d.dim_value <= 0:
                label = d.dim_param or "?"
                raise ValidationError(f"{where}: input {i.name!r} has dynamic dimension {k} ({label!r}); give "
                                      f"its shape with --shape {i.name}=" + "x".join(
                                          str(x.dim_value) if x.HasField("dim_value") and x.dim_value > 0
                                          else "N" for x in dims))
    return types, values


def _itemsize(onnx, elem_type: int) -> float:
    try:
        return float(onnx.helper.tensor_dtype_to_np_dtype(elem_type).itemsize)
    except Exception:
        name = onnx.TensorProto.DataType.Name(elem_type)
        return 0.5 if "4" in name else 1.0 if "8" in name else 2.0 if "16" in name else 4.0


def _tensor_types(onnx, types: Mapping[str, Any], values: Mapping[str, Any], why: Mapping[str, str]
                  ) -> dict[str, _Tensor]:
    out: dict[str, _Tensor] = {}
    for name, value in values.items():
        if name not in types:
            out[name] = _Tensor(tuple(value.shape), float(value.dtype.itemsize),
                                onnx.helper.np_dtype_to_tensor_dtype(value.dtype))
    for name, tp in types.items():
        tt = tp.tensor_type
        dims = (tuple(d.dim_value if d.HasField("dim_value") else (d.dim_param or None) for d in tt.shape.dim)
                if tt.HasField("shape") else None)
        out[name] = _Tensor(dims, _itemsize(onnx, tt.elem_type) if tt.elem_type else 4.0, tt.elem_type,
                            why.get(name, ""))
    for name, reason in why.items():
        out.setdefault(name, _Tensor(None, 4.0, 0, reason))
    return out


def _shape(tensors: dict[str, _Tensor], name: str, where: str, node=None, k: int = 0) -> tuple[int, ...]:
    t = tensors.get(name)
    if t is None or t.dims is None or any(not isinstance(d, int) or d <= 0 for d in t.dims):
        at = f" (at node {_node_label(node, k)})" if node is not None else ""
        dims = "unknown" if t is None or t.dims is None else "x".join("?" if d is None else str(d) for d in t.dims)
        cause = f"shape inference stopped at {t.why}" if t is not None and t.why else "shape inference left it open"
        raise ValidationError(f"{where}: tensor {name!r}{at} has no static shape ({dims}); {cause}")
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


#: Inputs that hold no parameters though they may be learned-looking constants: batch-norm
#: running statistics (buffers, as torchvision counts) and the bounds, scales and pads of operators.
NOT_PARAMS = {"BatchNormalization": (3, 4), "Clip": (1, 2), "Resize": (1, 2, 3), "Upsample": (1,), "Pad": (1, 2, 3)}


def _params(node, tensors: dict[str, _Tensor], sources: Mapping[str, frozenset[str]], constants: set[str]) -> int:
    """The elements of the learned tensors (:data:`INDEX_TYPES` excluded) that ``node`` reads,
    directly or through constant-only nodes (a class token's ``Expand``, a weight's ``Transpose``),
    each once, except at :data:`NOT_PARAMS` positions; and ``Constant`` values at weight positions
    (inputs 1.. of :data:`WEIGHT_OPS` and ``MatMul``)."""
    skip = NOT_PARAMS.get(node.op_type, ())
    seen: set[str] = set()
    for pos, t in enumerate(node.input):
        if not t or pos in skip:
            continue
        if t in sources:
            seen.update(sources[t])
        elif t in constants and pos >= 1 and node.op_type in WEIGHT_OPS | {"MatMul"}:
            seen.add(t)
    total = 0
    for t in seen:
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
